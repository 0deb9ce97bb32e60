//! Records named by an unambiguous prefix of their id, as in git, and the short ids lists show.

use koers_core::{KoersError, Result};

/// Short ids are never shorter than this, so they stay recognisable between lists.
const MIN_SHORT: usize = 8;

/// The one id among `ids` that equals `given` or starts with it. `what` names the kind of
/// record in messages, in Dutch ("sollicitatie").
pub fn resolve<'a>(
    what: &str,
    given: &str,
    ids: impl IntoIterator<Item = &'a str>,
) -> Result<String> {
    let wanted = given.trim().to_ascii_lowercase();
    if wanted.is_empty() {
        return Err(KoersError::invalid(
            "id",
            format!("geef het id van de {what}"),
        ));
    }
    let mut matches = Vec::new();
    for id in ids {
        if id == wanted {
            return Ok(id.to_string());
        }
        if id.starts_with(&wanted) {
            matches.push(id);
        }
    }
    match matches.as_slice() {
        [] => Err(KoersError::not_found(format!("{what} {given}"))),
        [one] => Ok((*one).to_string()),
        many => {
            let shown: Vec<&str> = many.iter().take(5).copied().collect();
            Err(KoersError::invalid(
                "id",
                format!(
                    "‘{given}’ past bij {} ids ({}{}); typ meer van het id van de {what}",
                    many.len(),
                    shown.join(", "),
                    if many.len() > shown.len() {
                        ", ..."
                    } else {
                        ""
                    }
                ),
            ))
        }
    }
}

/// The length of the shortest prefix that tells all `ids` apart (at least `MIN_SHORT`).
pub fn short_len<'a>(ids: impl IntoIterator<Item = &'a str>) -> usize {
    let mut sorted: Vec<&str> = ids.into_iter().collect();
    sorted.sort_unstable();
    let needed = sorted
        .windows(2)
        .map(|pair| common_prefix(pair[0], pair[1]) + 1)
        .max()
        .unwrap_or(0);
    needed.max(MIN_SHORT)
}

fn common_prefix(a: &str, b: &str) -> usize {
    a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count()
}

/// `id` cut to `len` characters (ids are ASCII hex).
pub fn short(id: &str, len: usize) -> &str {
    id.get(..len).unwrap_or(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    const IDS: [&str; 3] = [
        "0193aaaa00000000000000000000000a",
        "0193aaaa11111111111111111111111b",
        "0194bbbb22222222222222222222222c",
    ];

    #[test]
    fn a_unique_prefix_finds_its_record() {
        assert_eq!(resolve("application", "0194", IDS).unwrap(), IDS[2]);
        assert_eq!(resolve("application", IDS[0], IDS).unwrap(), IDS[0]);
        assert_eq!(resolve("application", " 0193AAAA1 ", IDS).unwrap(), IDS[1]);
    }

    #[test]
    fn an_ambiguous_prefix_is_bad_input_and_an_unknown_one_is_not_found() {
        let err = resolve("application", "0193", IDS).unwrap_err();
        assert!(err.to_string().contains("past bij 2 ids"), "{err}");
        assert!(matches!(err, KoersError::InvalidInput { .. }));
        let err = resolve("application", "ffff", IDS).unwrap_err();
        assert!(matches!(err, KoersError::NotFound { .. }));
        assert!(resolve("application", "", IDS).is_err());
    }

    #[test]
    fn short_ids_tell_records_apart() {
        assert_eq!(short_len(IDS), 9);
        assert_eq!(short_len(["abc"]), MIN_SHORT);
        assert_eq!(short(IDS[0], 9), "0193aaaa0");
    }
}
