//! The reminder ledger: which reminders were already handed to the OS as notifications, kept
//! in the dossier's database so that each is notified once, whichever process or platform
//! asks (the app, a background worker, the share extension).
//!
//! The rule, once for both apps: a reminder is handed over once per id (an id changes when
//! its date or time moves); an id that is no longer upcoming is forgotten, so the ledger is
//! never larger than the list of upcoming reminders; and one that was scheduled for later
//! but is no longer upcoming is withdrawn (the app removes the pending notification).

use rusqlite::{params, Transaction};
use serde::Serialize;

use crate::error::Result;
use crate::model::Timestamp;
use crate::overview::ScheduledReminder;

/// What the app does with its notifications now.
#[derive(Debug, Clone, Default, PartialEq, Serialize, uniffi::Record)]
pub struct ReminderPlan {
    /// New reminders: post now when `notify_at` has come, otherwise schedule for then (with
    /// the reminder's id as the notification's identifier).
    pub post: Vec<ScheduledReminder>,
    /// Ids scheduled earlier for a moment still to come that are no longer upcoming (done,
    /// moved or cancelled): remove those pending notifications.
    pub withdraw: Vec<String>,
}

/// Brings the ledger up to date with `upcoming` (as `overview::upcoming_reminders` gives it)
/// in the caller's transaction, and says what to post and withdraw.
pub fn plan(
    tx: &Transaction<'_>,
    upcoming: Vec<ScheduledReminder>,
    now: Timestamp,
) -> Result<ReminderPlan> {
    let known: Vec<(String, i64)> = {
        let mut stmt = tx.prepare_cached("SELECT id, notify_at FROM notified_reminders")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let upcoming_ids: std::collections::HashSet<&str> =
        upcoming.iter().map(|s| s.reminder.id.as_str()).collect();
    let known_ids: std::collections::HashSet<&str> =
        known.iter().map(|(id, _)| id.as_str()).collect();
    let mut withdraw = Vec::new();
    for (id, notify_at) in &known {
        if !upcoming_ids.contains(id.as_str()) {
            if *notify_at > now.millis() {
                withdraw.push(id.clone());
            }
            tx.execute("DELETE FROM notified_reminders WHERE id = ?1", params![id])?;
        }
    }
    let post: Vec<ScheduledReminder> = upcoming
        .iter()
        .filter(|s| !known_ids.contains(s.reminder.id.as_str()))
        .cloned()
        .collect();
    for s in &post {
        tx.execute(
            "INSERT OR REPLACE INTO notified_reminders (id, notify_at) VALUES (?1, ?2)",
            params![s.reminder.id, s.notify_at.millis()],
        )?;
    }
    withdraw.sort();
    Ok(ReminderPlan { post, withdraw })
}

#[cfg(test)]
mod tests {
    use crate::dossier::{Dossier, NewApplication};
    use crate::model::fixtures::ts as t;

    fn ids(plan: &super::ReminderPlan) -> Vec<&str> {
        plan.post
            .iter()
            .map(|s| s.reminder.target_id.as_str())
            .collect()
    }

    #[test]
    fn each_reminder_is_handed_out_once_and_a_moved_one_is_withdrawn() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.db");
        let mut d = Dossier::open(&path).unwrap();
        let new = |employer: &str, follow_up: &str| NewApplication {
            employer: employer.into(),
            role: "Planner".into(),
            date: Some("2026-03-01".parse().unwrap()),
            follow_up: Some(follow_up.parse().unwrap()),
            ..Default::default()
        };
        let due = d.log_application(new("Acme", "2026-03-09")).unwrap();
        let later = d.log_application(new("Globex", "2026-03-12")).unwrap();
        let now = t("2026-03-10T07:00:00Z");

        let first = d.plan_reminders(now, 7).unwrap();
        assert_eq!(ids(&first), [due.id.as_str(), later.id.as_str()]);
        assert!(first.withdraw.is_empty());

        // Asked again (another process, a later wake-up): nothing new.
        let again = Dossier::open(&path)
            .unwrap()
            .plan_reminders(t("2026-03-10T08:00:00Z"), 7)
            .unwrap();
        assert!(
            again.post.is_empty() && again.withdraw.is_empty(),
            "{again:?}"
        );

        // The later follow-up moves: its scheduled notification is withdrawn, the new day's
        // comes in its place.
        d.edit_application(
            &later.id,
            crate::dossier::ApplicationPatch {
                follow_up: Some(Some("2026-03-13".parse().unwrap())),
                ..Default::default()
            },
        )
        .unwrap();
        let moved = d.plan_reminders(t("2026-03-10T09:00:00Z"), 7).unwrap();
        assert_eq!(ids(&moved), [later.id.as_str()]);
        assert_eq!(moved.withdraw.len(), 1);
        assert!(moved.withdraw[0].ends_with("2026-03-12"), "{moved:?}");
        // The one already shown is kept while still due, so it is not posted again.
        assert!(!ids(&moved).contains(&due.id.as_str()));
    }
}
