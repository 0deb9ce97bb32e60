//! Lists over the dossier held in memory: the application log's filters, search and order,
//! the appointments by time and the actions by due date.
//!
//! The dossier is always in memory (read from the record cache on open), and a person's
//! dossier holds hundreds to a few thousand records, so filtering and sorting here takes
//! microseconds. Keeping SQL query tables and a full-text index beside the record cache cost
//! every durable write half a dozen extra pages for no faster read.

use std::cmp::Ordering;

use unicode_normalization::{char::is_combining_mark, UnicodeNormalization};

use crate::model::{Action, Application, ApplicationStatus, Appointment, LocalDate, Timestamp};

/// A filter over the application log. Empty fields do not filter.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ApplicationQuery {
    /// Only these statuses (any of them).
    pub statuses: Vec<ApplicationStatus>,
    /// Words to find in employer, role, place, contact or notes: every word must start a
    /// word there; case and accents are ignored ("cafe" finds "Café").
    pub text: Option<String>,
    /// Applications dated on or after this day.
    pub from: Option<LocalDate>,
    /// Applications dated on or before this day.
    pub to: Option<LocalDate>,
    /// Only open applications whose follow-up date is on or before this day.
    pub follow_up_due_by: Option<LocalDate>,
}

impl ApplicationQuery {
    /// The applications among `all` that match, newest first (by date, then last change).
    pub fn select<'a>(
        &self,
        all: impl IntoIterator<Item = &'a Application>,
    ) -> Vec<&'a Application> {
        let words: Vec<String> = self.text.as_deref().map(words).unwrap_or_default();
        let mut found: Vec<&Application> = all
            .into_iter()
            .filter(|a| self.statuses.is_empty() || self.statuses.contains(&a.status))
            .filter(|a| self.from.is_none_or(|from| a.date >= from))
            .filter(|a| self.to.is_none_or(|to| a.date <= to))
            .filter(|a| {
                self.follow_up_due_by.is_none_or(|day| {
                    !a.status.is_closed() && a.follow_up.is_some_and(|f| f <= day)
                })
            })
            .filter(|a| words.is_empty() || matches_words(a, &words))
            .collect();
        found.sort_by(|a, b| newest_first(a, b));
        found
    }
}

/// The application log's order: newest date first, then the most recently changed, then id.
fn newest_first(a: &Application, b: &Application) -> Ordering {
    b.date
        .cmp(&a.date)
        .then_with(|| b.updated_at.cmp(&a.updated_at))
        .then_with(|| a.id.cmp(&b.id))
}

/// Whether every one of `wanted` (folded words) starts some word of the application's
/// searched fields. Plain ASCII words (most of them) are compared without folding a copy.
fn matches_words(app: &Application, wanted: &[String]) -> bool {
    let fields = [
        app.employer.as_str(),
        app.role.as_str(),
        app.location.as_deref().unwrap_or(""),
        app.contact.as_deref().unwrap_or(""),
        app.notes.as_str(),
    ];
    let mut found = vec![false; wanted.len()];
    let mut missing = wanted.len();
    for word in fields
        .iter()
        .flat_map(|f| f.split(|c: char| !c.is_alphanumeric()))
        .filter(|w| !w.is_empty())
    {
        let folded;
        let word = if word.is_ascii() {
            word
        } else {
            folded = fold(word);
            folded.as_str()
        };
        for (i, w) in wanted.iter().enumerate() {
            if !found[i]
                && word.len() >= w.len()
                && word.as_bytes()[..w.len()].eq_ignore_ascii_case(w.as_bytes())
            {
                found[i] = true;
                missing -= 1;
                if missing == 0 {
                    return true;
                }
            }
        }
    }
    false
}

/// The words of `text` as search compares them: split on anything that is not a letter or
/// digit, lower case, accents removed ("Zoë" and "zoe" are one word).
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(fold)
        .collect()
}

fn fold(word: &str) -> String {
    if word.is_ascii() {
        return word.to_ascii_lowercase();
    }
    word.nfd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Appointments by start time (then id); with `ending_after`, only those that end after it.
pub fn appointments_by_start<'a>(
    all: impl IntoIterator<Item = &'a Appointment>,
    ending_after: Option<Timestamp>,
) -> Vec<&'a Appointment> {
    let mut found: Vec<&Appointment> = all
        .into_iter()
        .filter(|a| ending_after.is_none_or(|t| a.ends_at > t))
        .collect();
    found.sort_by(|a, b| a.starts_at.cmp(&b.starts_at).then_with(|| a.id.cmp(&b.id)));
    found
}

/// Actions: open ones first by due date (undated last), then done ones; `open_only` leaves
/// the done ones out.
pub fn actions_by_due<'a>(
    all: impl IntoIterator<Item = &'a Action>,
    open_only: bool,
) -> Vec<&'a Action> {
    let mut found: Vec<&Action> = all.into_iter().filter(|a| !open_only || !a.done).collect();
    found.sort_by(|a, b| {
        a.done
            .cmp(&b.done)
            .then_with(|| a.due.is_none().cmp(&b.due.is_none()))
            .then_with(|| a.due.cmp(&b.due))
            .then_with(|| a.id.cmp(&b.id))
    });
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures;

    use crate::model::fixtures::day;

    #[test]
    fn words_fold_case_and_accents_and_split_on_punctuation() {
        assert_eq!(
            words("  Zoë's café-Planner (Ærø) Özdemir"),
            ["zoe", "s", "cafe", "planner", "ærø", "ozdemir"]
        );
        assert_eq!(words("\" OR * %_"), ["or"]);
        assert!(words("  ()  ").is_empty());
    }

    #[test]
    fn search_needs_every_word_as_the_start_of_a_word() {
        let mut app = fixtures::application("a", day("2026-11-02"), ApplicationStatus::Applied);
        app.employer = "Bakkerij Café Één".into();
        app.role = "Verkoper".into();
        app.contact = Some("mevrouw Özdemir".into());
        let search = |text: &str| {
            ApplicationQuery {
                text: Some(text.into()),
                ..Default::default()
            }
            .select([&app])
            .len()
        };
        for hit in ["cafe", "EEN", "bakkerij verk", "ozd", "", "  "] {
            assert_eq!(search(hit), 1, "{hit:?} should find it");
        }
        for miss in ["akkerij", "cafe planner", "x"] {
            assert_eq!(search(miss), 0, "{miss:?} should not find it");
        }
    }

    #[test]
    fn applications_come_newest_first_and_filters_combine() {
        let mut a = fixtures::application("a", day("2026-11-02"), ApplicationStatus::Applied);
        a.follow_up = Some(day("2026-11-09"));
        let b = fixtures::application("b", day("2026-11-16"), ApplicationStatus::Rejected);
        let mut c = fixtures::application("c", day("2026-11-16"), ApplicationStatus::Hired);
        c.updated_at = Timestamp::from_millis(b.updated_at.millis() + 1).unwrap();
        c.follow_up = Some(day("2026-11-09"));
        let all = [&a, &b, &c];
        let ids = |q: ApplicationQuery| -> Vec<String> {
            q.select(all).iter().map(|x| x.id.clone()).collect()
        };
        assert_eq!(ids(ApplicationQuery::default()), ["c", "b", "a"]);
        assert_eq!(
            ids(ApplicationQuery {
                statuses: vec![ApplicationStatus::Rejected, ApplicationStatus::Applied],
                ..Default::default()
            }),
            ["b", "a"]
        );
        assert_eq!(
            ids(ApplicationQuery {
                from: Some(day("2026-11-03")),
                to: Some(day("2026-11-16")),
                ..Default::default()
            }),
            ["c", "b"]
        );
        // A closed application (c, hired) expects no follow-up.
        assert_eq!(
            ids(ApplicationQuery {
                follow_up_due_by: Some(day("2026-11-10")),
                ..Default::default()
            }),
            ["a"]
        );
    }

    #[test]
    fn actions_open_first_by_due_date_and_undated_last() {
        let action = |id: &str, due: Option<&str>, done: bool| Action {
            due: due.map(day),
            done,
            ..fixtures::action(id, "Cv bijwerken", crate::model::Actor::Employee)
        };
        let all = [
            action("done", Some("2026-11-01"), true),
            action("undated", None, false),
            action("late", Some("2026-12-01"), false),
            action("soon", Some("2026-11-20"), false),
        ];
        let ids = |open_only| -> Vec<&str> {
            actions_by_due(&all, open_only)
                .iter()
                .map(|a| a.id.as_str())
                .collect()
        };
        assert_eq!(ids(false), ["soon", "late", "undated", "done"]);
        assert_eq!(ids(true), ["soon", "late", "undated"]);
    }
}
