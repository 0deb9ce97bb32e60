//! Reads what the employee typed, pasted or scanned to link the phone to the bureau: a bare
//! code ("ABCD-EFGH", any case, spaces or no dash), the QR code's `koers://enrol?server=…&code=…`
//! link, or an https link with a `code` (whose own origin is the bureau when it names none).
//! Both apps call this, so a code reads the same on every platform (tests/cases/enrolment.tsv).

use crate::error::{KoersError, Result};

/// The letters and digits an enrolment code is made of (no 0/O, 1/I/L: they are misread).
pub const CODE_ALPHABET: &str = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
/// Characters in a code, the dash not counted.
pub const CODE_LEN: usize = 8;

/// A code to enrol with, and the bureau's address when the input carried one.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record, serde::Serialize)]
pub struct EnrolmentInput {
    /// As the coach's screen shows it: `ABCD-EFGH`.
    pub code: String,
    /// The bureau, checked like every server address (https, or http to this machine); None
    /// when neither the input nor the fallback named one (the screen then asks for it).
    pub server_url: Option<String>,
}

/// The code in its plain form (`ABCDEFGH`), or None when `typed` is not a code: case,
/// spaces and dashes do not matter.
pub fn normalize_code(typed: &str) -> Option<String> {
    let code: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (code.chars().count() == CODE_LEN && code.chars().all(|c| CODE_ALPHABET.contains(c)))
        .then_some(code)
}

/// Reads a typed code, a pasted link or a scanned QR payload. `fallback_server` is the
/// address already in the form (used when the input names none).
#[uniffi::export]
pub fn parse_enrolment_input(
    text: String,
    fallback_server: Option<String>,
) -> Result<EnrolmentInput> {
    let text = text.trim();
    if text.is_empty() {
        return Err(KoersError::invalid(
            "code",
            "vul de koppelcode van je coach in",
        ));
    }
    let (code, server) = if text.contains("://") {
        from_link(text)?
    } else {
        (text.to_string(), None)
    };
    let plain = normalize_code(&code).ok_or_else(|| {
        KoersError::invalid(
            "code",
            format!("een koppelcode heeft {CODE_LEN} letters en cijfers, zoals ABCD-EFGH"),
        )
    })?;
    let server = match server {
        Some(s) => Some(s),
        None => fallback_server
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty()),
    };
    let server_url = server
        .map(|s| crate::sync::check_server_url(&s))
        .transpose()?;
    Ok(EnrolmentInput {
        code: format!("{}-{}", &plain[..4], &plain[4..]),
        server_url,
    })
}

/// The code and the server a link carries.
fn from_link(text: &str) -> Result<(String, Option<String>)> {
    let not_a_link = || KoersError::invalid("code", "deze link is geen koppellink van Koers");
    let url = reqwest::Url::parse(text).map_err(|_| not_a_link())?;
    let param = |name: &str| {
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let code = param("code")
        .ok_or_else(|| KoersError::invalid("code", "er staat geen koppelcode in deze link"))?;
    let server = match url.scheme() {
        "koers" if url.host_str() == Some("enrol") => param("server"),
        "http" | "https" => match param("server") {
            Some(s) => Some(s),
            // The link's own origin: a bureau's page that links to the app.
            None => Some(url.origin().ascii_serialization()),
        },
        _ => return Err(not_a_link()),
    };
    Ok((code, server))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cases both apps' tests read too: input, fallback server, then the code and server
    /// expected, or `!field` for a refusal naming that field.
    #[test]
    fn the_shared_table_of_cases() {
        let table = include_str!("../../tests/cases/enrolment.tsv");
        let mut checked = 0;
        for (n, line) in table.lines().enumerate() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let cols: Vec<&str> = line.split('\t').collect();
            assert_eq!(cols.len(), 4, "line {}: {line:?}", n + 1);
            let fallback = (!cols[1].is_empty()).then(|| cols[1].to_string());
            let got = parse_enrolment_input(cols[0].to_string(), fallback);
            if let Some(field) = cols[2].strip_prefix('!') {
                match got {
                    Err(KoersError::InvalidInput { field: f, .. }) => {
                        assert_eq!(f, field, "line {}", n + 1)
                    }
                    other => panic!("line {}: expected a refusal, got {other:?}", n + 1),
                }
            } else {
                let got = got.unwrap_or_else(|e| panic!("line {}: {e}", n + 1));
                assert_eq!(got.code, cols[2], "line {}", n + 1);
                let server = (!cols[3].is_empty()).then(|| cols[3].to_string());
                assert_eq!(got.server_url, server, "line {}", n + 1);
            }
            checked += 1;
        }
        assert!(checked >= 10, "only {checked} cases");
    }

    #[test]
    fn codes_are_read_as_the_bureau_reads_them() {
        assert_eq!(normalize_code("abcd efgh").as_deref(), Some("ABCDEFGH"));
        assert_eq!(normalize_code("ABCD-EFG"), None);
        // 0, O, 1, I and L are not in the alphabet.
        assert_eq!(normalize_code("ABCD-EFG0"), None);
        assert_eq!(normalize_code("ABCD-EFGI"), None);
    }
}
