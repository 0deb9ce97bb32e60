//! Who may change what in the shared dossier: one pure function of (role, before, after),
//! used by the bureau on every change that arrives and available to the phone before it
//! commits an edit. The rules are the table in docs/SYNC.md ("Roles").
//!
//! - The coach owns the trajectory, appointments (except the employee's notes on them),
//!   actions, and the comments they write. The coach never changes an application.
//! - The employee owns their applications, the actions they own, the appointments they
//!   proposed, and their own comments; on the coach's appointments they may only confirm or
//!   cancel and keep notes; on the coach's actions they may only tick them done (or undo).
//! - Nobody changes `schema` except to raise it to a shape this code knows (a migration);
//!   nobody edits or removes the other's comments, except that an
//!   application's comments go with it when the employee deletes it.
//! - A correction undoes only what was not allowed: it never deletes a record the employee
//!   made (a new appointment in a status they may not set becomes their proposal).
//!
//! Appointment status transitions (`appointment_transition`) live here too, so the phone
//! and the bureau refuse the same ones.

use std::collections::BTreeMap;
use std::fmt;

use crate::model::{
    Action, Actor, Appointment, AppointmentStatus, Comment, DossierDocument, Trajectory,
    DOCUMENT_SCHEMA,
};

/// One edit the role may not make, in words a person understands (Dutch).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleViolation {
    pub role: Actor,
    /// What was touched, e.g. "trajectory.weekly_target" or "applications/0192…".
    pub path: String,
    pub reason: String,
}

impl fmt::Display for RuleViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.reason, self.path)
    }
}

impl std::error::Error for RuleViolation {}

/// Whether `role` may turn `before` into `after`; the first violation otherwise.
pub fn check_edit(
    role: Actor,
    before: &DossierDocument,
    after: &DossierDocument,
) -> Result<(), RuleViolation> {
    match permitted(role, before, after).1.into_iter().next() {
        None => Ok(()),
        Some(v) => Err(v),
    }
}

/// `after` with every edit that `role` may not make undone (taken back from `before`), and
/// the list of what was undone. The bureau writes the difference back as a correcting
/// change, so that a device that broke a rule converges instead of being stuck.
pub fn permitted(
    role: Actor,
    before: &DossierDocument,
    after: &DossierDocument,
) -> (DossierDocument, Vec<RuleViolation>) {
    let mut v = Violations {
        role,
        list: Vec::new(),
    };
    let mut out = after.clone();

    // Raising the shape to one this code knows is a migration any peer may write
    // (`ops::upgrade`); anything else is not.
    let raised = after.schema > before.schema && after.schema <= DOCUMENT_SCHEMA;
    if before.schema != after.schema && !raised {
        v.push("schema", "het schema van het dossier mag niemand wijzigen");
        out.schema = before.schema;
    }

    out.trajectory = trajectory(&mut v, &before.trajectory, &after.trajectory);

    out.applications = merge_maps(&before.applications, &after.applications, |b, a| {
        if role == Actor::Employee || b == a {
            return a.cloned();
        }
        let id = a.or(b).map(|x| x.id.clone()).unwrap_or_default();
        v.push(
            format!("applications/{id}"),
            "alleen de werknemer mag sollicitaties toevoegen, wijzigen of verwijderen",
        );
        b.cloned()
    });

    out.appointments = merge_maps(&before.appointments, &after.appointments, |b, a| {
        appointment(&mut v, b, a)
    });
    out.actions = merge_maps(&before.actions, &after.actions, |b, a| action(&mut v, b, a));
    // An application deleted in this edit takes its comments along.
    let removed_applications: std::collections::BTreeSet<&str> = before
        .applications
        .keys()
        .filter(|id| !after.applications.contains_key(*id))
        .map(String::as_str)
        .collect();
    out.comments = merge_maps(&before.comments, &after.comments, |b, a| {
        let goes_with_application = a.is_none()
            && role == Actor::Employee
            && b.and_then(|c| c.application_id.as_deref())
                .is_some_and(|id| removed_applications.contains(id));
        if goes_with_application {
            return None;
        }
        comment(&mut v, b, a)
    });

    (out, v.list)
}

/// A closed (archived) trajectory is read-only: when `before` is closed, nothing of `after`
/// is kept (a phone's edits made offline before it learned of the closure are undone, not
/// stored), with one violation per record that was touched. `None` when `before` is open
/// (then [`permitted`] judges) or nothing changed. Same shape as [`permitted`], so the
/// bureau writes the correction the same way.
pub fn closed_dossier(
    role: Actor,
    before: &DossierDocument,
    after: &DossierDocument,
) -> Option<(DossierDocument, Vec<RuleViolation>)> {
    let day = before.trajectory.closed_on?;
    if before == after {
        return None;
    }
    let reason =
        format!("het traject is op {day} afgesloten; het dossier kan alleen nog worden gelezen");
    let mut v = Violations {
        role,
        list: Vec::new(),
    };
    let mut touched = |kind: &str, ids: Vec<&String>| {
        for id in ids {
            v.push(format!("{kind}/{id}"), reason.clone());
        }
    };
    touched(
        "applications",
        changed_keys(&before.applications, &after.applications),
    );
    touched(
        "appointments",
        changed_keys(&before.appointments, &after.appointments),
    );
    touched("actions", changed_keys(&before.actions, &after.actions));
    touched("comments", changed_keys(&before.comments, &after.comments));
    if before.trajectory != after.trajectory || before.schema != after.schema {
        v.push("trajectory", reason.clone());
    }
    Some((before.clone(), v.list))
}

/// The keys whose values differ between two maps (added, changed or removed).
fn changed_keys<'a, T: PartialEq>(
    before: &'a BTreeMap<String, T>,
    after: &'a BTreeMap<String, T>,
) -> Vec<&'a String> {
    let keys: std::collections::BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    keys.into_iter()
        .filter(|k| before.get(*k) != after.get(*k))
        .collect()
}

/// Whether an appointment may go from status `from` to `to` (the same status is always
/// fine); the reason otherwise. `to == Proposed` from another status means it was moved.
pub fn appointment_transition(
    from: AppointmentStatus,
    to: AppointmentStatus,
) -> Result<(), String> {
    use AppointmentStatus::*;
    let ok = from == to
        || match to {
            Proposed => matches!(from, Confirmed),
            Confirmed => from == Proposed,
            Cancelled => from != Done,
            Done => from != Cancelled,
        };
    if ok {
        return Ok(());
    }
    Err(match (from, to) {
        (Done, Proposed) | (Cancelled, Proposed) => format!(
            "een afspraak die {} is, kan niet meer worden verplaatst; plan een nieuwe",
            from.label_nl().to_lowercase()
        ),
        _ => format!(
            "een afspraak die {} is, kan niet meer {} worden",
            from.label_nl().to_lowercase(),
            to.label_nl().to_lowercase()
        ),
    })
}

struct Violations {
    role: Actor,
    list: Vec<RuleViolation>,
}

impl Violations {
    fn push(&mut self, path: impl Into<String>, reason: impl Into<String>) {
        self.list.push(RuleViolation {
            role: self.role,
            path: path.into(),
            reason: reason.into(),
        });
    }
}

/// Runs `decide(before, after)` for every key in either map; `None` means absent.
fn merge_maps<T: Clone + PartialEq>(
    before: &BTreeMap<String, T>,
    after: &BTreeMap<String, T>,
    mut decide: impl FnMut(Option<&T>, Option<&T>) -> Option<T>,
) -> BTreeMap<String, T> {
    let mut out = BTreeMap::new();
    let keys: std::collections::BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    for key in keys {
        let (b, a) = (before.get(key), after.get(key));
        let kept = if b == a { a.cloned() } else { decide(b, a) };
        if let Some(item) = kept {
            out.insert(key.clone(), item);
        }
    }
    out
}

fn trajectory(v: &mut Violations, before: &Trajectory, after: &Trajectory) -> Trajectory {
    if v.role == Actor::Coach || before == after {
        return after.clone();
    }
    // Name the fields that changed, so the audit says exactly what was tried.
    let changed = [
        ("kind", before.kind != after.kind),
        (
            "first_sick_day",
            before.first_sick_day != after.first_sick_day,
        ),
        ("contract_end", before.contract_end != after.contract_end),
        ("start_date", before.start_date != after.start_date),
        ("bureau", before.bureau != after.bureau),
        ("coach", before.coach != after.coach),
        ("phase", before.phase != after.phase),
        ("goals", before.goals != after.goals),
        ("weekly_target", before.weekly_target != after.weekly_target),
        (
            "target_history",
            before.target_history != after.target_history,
        ),
        ("phase_history", before.phase_history != after.phase_history),
        ("employer", before.employer != after.employer),
        (
            "employer_contact",
            before.employer_contact != after.employer_contact,
        ),
        ("closed_on", before.closed_on != after.closed_on),
        ("closed_reason", before.closed_reason != after.closed_reason),
        ("budget_cents", before.budget_cents != after.budget_cents),
        ("budget_end", before.budget_end != after.budget_end),
    ];
    for (field, did_change) in changed {
        if did_change {
            v.push(
                format!("trajectory.{field}"),
                "alleen de coach mag het traject wijzigen (fase, weekdoel, doelen, data)",
            );
        }
    }
    // Nothing of the trajectory is the employee's: keep the bureau's version whole.
    before.clone()
}

fn appointment(
    v: &mut Violations,
    before: Option<&Appointment>,
    after: Option<&Appointment>,
) -> Option<Appointment> {
    let id = after.or(before).map(|x| x.id.clone()).unwrap_or_default();
    let path = format!("appointments/{id}");
    match (v.role, before, after) {
        (_, None, None) => None,
        (Actor::Coach, None, Some(a)) => Some(a.clone()),
        (Actor::Coach, Some(_), None) => None,
        (Actor::Coach, Some(b), Some(a)) => {
            // The coach moves, cancels, re-plans; the notes are the employee's. Moving makes
            // it the coach's new proposal.
            let reproposed = a.proposed_by == Actor::Coach
                && a.status == AppointmentStatus::Proposed
                && (a.starts_at != b.starts_at || a.ends_at != b.ends_at);
            if a.notes != b.notes || (a.proposed_by != b.proposed_by && !reproposed) {
                v.push(
                    path,
                    "de coach mag de notities van de werknemer of de voorsteller van een afspraak niet wijzigen",
                );
                let mut kept = a.clone();
                kept.notes.clone_from(&b.notes);
                if !reproposed {
                    kept.proposed_by = b.proposed_by;
                }
                Some(kept)
            } else {
                Some(a.clone())
            }
        }
        (Actor::Employee, None, Some(a)) => {
            // A new appointment is judged as the employee's proposal followed by whatever
            // they did to it before it was synced (confirmed, cancelled ...): a forbidden
            // part is undone, the appointment they made stays.
            let proposal = Appointment {
                status: AppointmentStatus::Proposed,
                proposed_by: Actor::Employee,
                ..a.clone()
            };
            if a.proposed_by != Actor::Employee {
                v.push(
                    path.clone(),
                    "de werknemer mag een afspraak alleen voorstellen, niet namens de coach vastleggen",
                );
                let mut kept = a.clone();
                kept.proposed_by = Actor::Employee;
                return appointment(v, Some(&proposal), Some(&kept));
            }
            appointment(v, Some(&proposal), Some(a))
        }
        (Actor::Employee, Some(b), None) => {
            if b.proposed_by == Actor::Employee {
                None
            } else {
                v.push(path, "de werknemer mag een afspraak van de coach niet verwijderen; annuleren kan wel");
                Some(b.clone())
            }
        }
        (Actor::Employee, Some(b), Some(a)) => {
            let own = b.proposed_by == Actor::Employee;
            let moved = a.starts_at != b.starts_at || a.ends_at != b.ends_at;
            let mut kept = b.clone();
            // Always the employee's: the notes, the last-changed stamp, and confirming or
            // cancelling (not marking as held: that is the coach's record).
            kept.notes.clone_from(&a.notes);
            kept.updated_at = a.updated_at;
            let status_ok = a.status == b.status
                || matches!(
                    a.status,
                    AppointmentStatus::Confirmed | AppointmentStatus::Cancelled
                )
                // Moving their own proposal makes it a proposal again.
                || (own && moved && a.status == AppointmentStatus::Proposed);
            if status_ok {
                kept.status = a.status;
            }
            if own {
                // Their own proposal: everything but who proposed it and "held".
                kept.starts_at = a.starts_at;
                kept.ends_at = a.ends_at;
                kept.kind = a.kind;
                kept.location.clone_from(&a.location);
                kept.agenda.clone_from(&a.agenda);
                kept.created_at = a.created_at;
            }
            if &kept != a {
                let reason = if a.status == AppointmentStatus::Done && !status_ok {
                    "alleen de coach markeert een afspraak als gehouden"
                } else if own {
                    "de werknemer mag niet veranderen wie een afspraak voorstelde"
                } else {
                    "de werknemer mag een afspraak van de coach alleen bevestigen of annuleren en er notities bij maken"
                };
                v.push(path, reason);
            }
            Some(kept)
        }
    }
}

fn action(v: &mut Violations, before: Option<&Action>, after: Option<&Action>) -> Option<Action> {
    let id = after.or(before).map(|x| x.id.clone()).unwrap_or_default();
    let path = format!("actions/{id}");
    if v.role == Actor::Coach {
        return after.cloned();
    }
    match (before, after) {
        (None, None) => None,
        (None, Some(a)) => {
            if a.owner == Actor::Employee {
                Some(a.clone())
            } else {
                v.push(
                    path,
                    "de werknemer mag alleen acties voor zichzelf toevoegen",
                );
                None
            }
        }
        (Some(b), None) => {
            if b.owner == Actor::Employee {
                None
            } else {
                v.push(
                    path,
                    "de werknemer mag een actie van de coach niet verwijderen",
                );
                Some(b.clone())
            }
        }
        (Some(b), Some(a)) => {
            if b.owner == Actor::Employee && a.owner == Actor::Employee {
                return Some(a.clone());
            }
            // Anyone may tick an action done, or undo that.
            let mut kept = b.clone();
            kept.done = a.done;
            kept.done_at = a.done_at;
            if &kept != a {
                v.push(
                    path,
                    "de werknemer mag een actie van de coach alleen afvinken",
                );
            }
            Some(kept)
        }
    }
}

fn comment(
    v: &mut Violations,
    before: Option<&Comment>,
    after: Option<&Comment>,
) -> Option<Comment> {
    let id = after.or(before).map(|x| x.id.clone()).unwrap_or_default();
    let path = format!("comments/{id}");
    let role = v.role;
    let who = if role == Actor::Coach {
        "de coach"
    } else {
        "de werknemer"
    };
    match (before, after) {
        (None, None) => None,
        (None, Some(a)) if a.author == role => Some(a.clone()),
        (None, Some(_)) => {
            v.push(
                path,
                format!("{who} mag alleen opmerkingen onder eigen naam plaatsen"),
            );
            None
        }
        (Some(b), None) if b.author == role => None,
        (Some(b), Some(a)) if b.author == role && a.author == role => Some(a.clone()),
        (Some(b), _) => {
            v.push(
                path,
                format!("{who} mag de opmerkingen van een ander niet wijzigen of verwijderen"),
            );
            Some(b.clone())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::{self, day, ts};
    use crate::model::{Application, ApplicationStatus, Phase, StatusChange};

    fn application(id: &str) -> Application {
        fixtures::application(id, day("2026-03-02"), ApplicationStatus::Applied)
    }

    fn appointment(id: &str, by: Actor) -> Appointment {
        Appointment {
            proposed_by: by,
            ..fixtures::appointment(id, ts("2026-03-10T09:00:00Z"), ts("2026-03-10T10:00:00Z"))
        }
    }

    fn action(id: &str, owner: Actor) -> Action {
        fixtures::action(id, "CV bijwerken", owner)
    }

    fn comment(id: &str, author: Actor) -> Comment {
        Comment {
            id: id.into(),
            application_id: Some("a1".into()),
            author,
            author_name: String::new(),
            text: "Goed bezig".into(),
            at: ts("2026-03-03T09:00:00Z"),
        }
    }

    fn base() -> DossierDocument {
        let mut d = DossierDocument {
            schema: 1,
            ..Default::default()
        };
        d.trajectory.weekly_target = 3;
        d.applications.insert("a1".into(), application("a1"));
        d.appointments
            .insert("m1".into(), appointment("m1", Actor::Coach));
        d.actions.insert("c1".into(), action("c1", Actor::Coach));
        d.actions.insert("e1".into(), action("e1", Actor::Employee));
        d.comments.insert("k1".into(), comment("k1", Actor::Coach));
        d.comments
            .insert("k2".into(), comment("k2", Actor::Employee));
        d
    }

    fn allowed(role: Actor, edit: impl FnOnce(&mut DossierDocument)) -> bool {
        let before = base();
        let mut after = base();
        edit(&mut after);
        let result = check_edit(role, &before, &after);
        let (kept, violations) = permitted(role, &before, &after);
        // Consistency: allowed edits are kept whole; refused ones are undone.
        assert_eq!(result.is_ok(), violations.is_empty());
        if result.is_ok() {
            assert_eq!(kept, after);
        }
        result.is_ok()
    }

    #[test]
    fn nothing_changed_is_always_fine() {
        assert!(allowed(Actor::Coach, |_| {}));
        assert!(allowed(Actor::Employee, |_| {}));
    }

    #[test]
    fn only_the_coach_changes_the_trajectory() {
        assert!(allowed(Actor::Coach, |d| d.trajectory.weekly_target = 5));
        assert!(allowed(Actor::Coach, |d| d.trajectory.phase =
            Some(Phase::JobHunting)));
        assert!(!allowed(Actor::Employee, |d| d.trajectory.weekly_target = 1));
        assert!(!allowed(Actor::Employee, |d| d
            .trajectory
            .goals
            .push("x".into())));
        let before = base();
        let mut after = base();
        after.trajectory.weekly_target = 0;
        let (kept, v) = permitted(Actor::Employee, &before, &after);
        assert_eq!(kept.trajectory.weekly_target, 3);
        assert_eq!(v[0].path, "trajectory.weekly_target");
        assert!(v[0].to_string().contains("alleen de coach"));
    }

    #[test]
    fn only_the_employee_changes_applications() {
        assert!(allowed(Actor::Employee, |d| {
            d.applications.insert("a2".into(), application("a2"));
        }));
        assert!(allowed(Actor::Employee, |d| {
            let a = d.applications.get_mut("a1").unwrap();
            a.status = ApplicationStatus::Interview;
            a.history.push(StatusChange {
                status: ApplicationStatus::Interview,
                at: ts("2026-03-05T10:00:00Z"),
                by: Actor::Employee,
            });
        }));
        assert!(allowed(Actor::Employee, |d| {
            d.applications.remove("a1");
        }));
        assert!(!allowed(Actor::Coach, |d| {
            d.applications.get_mut("a1").unwrap().notes = "coach".into();
        }));
        assert!(!allowed(Actor::Coach, |d| {
            d.applications.insert("a2".into(), application("a2"));
        }));
        assert!(!allowed(Actor::Coach, |d| {
            d.applications.remove("a1");
        }));
    }

    #[test]
    fn the_coach_plans_moves_and_cancels_appointments_but_not_the_notes() {
        assert!(allowed(Actor::Coach, |d| {
            d.appointments
                .insert("m2".into(), appointment("m2", Actor::Coach));
        }));
        assert!(allowed(Actor::Coach, |d| {
            let m = d.appointments.get_mut("m1").unwrap();
            m.starts_at = ts("2026-03-11T09:00:00Z");
            m.ends_at = ts("2026-03-11T10:00:00Z");
        }));
        assert!(allowed(Actor::Coach, |d| {
            d.appointments.get_mut("m1").unwrap().status = AppointmentStatus::Cancelled;
        }));
        assert!(!allowed(Actor::Coach, |d| {
            d.appointments.get_mut("m1").unwrap().notes = "nee".into();
        }));
    }

    #[test]
    fn the_employee_confirms_cancels_and_notes_but_does_not_move_the_coachs_appointment() {
        assert!(allowed(Actor::Employee, |d| {
            let m = d.appointments.get_mut("m1").unwrap();
            m.status = AppointmentStatus::Confirmed;
            m.notes = "CV meenemen".into();
            m.updated_at = ts("2026-03-02T09:00:00Z");
        }));
        assert!(allowed(Actor::Employee, |d| {
            d.appointments.get_mut("m1").unwrap().status = AppointmentStatus::Cancelled;
        }));
        assert!(!allowed(Actor::Employee, |d| {
            d.appointments.get_mut("m1").unwrap().starts_at = ts("2026-03-12T09:00:00Z");
        }));
        assert!(!allowed(Actor::Employee, |d| {
            d.appointments.get_mut("m1").unwrap().status = AppointmentStatus::Done;
        }));
        assert!(!allowed(Actor::Employee, |d| {
            d.appointments.remove("m1");
        }));
        // Moving is undone but the notes made in the same edit stay.
        let before = base();
        let mut after = base();
        let m = after.appointments.get_mut("m1").unwrap();
        m.starts_at = ts("2026-03-12T09:00:00Z");
        m.notes = "notitie".into();
        let (kept, v) = permitted(Actor::Employee, &before, &after);
        assert_eq!(v.len(), 1);
        assert_eq!(
            kept.appointments["m1"].starts_at,
            before.appointments["m1"].starts_at
        );
        assert_eq!(kept.appointments["m1"].notes, "notitie");
    }

    #[test]
    fn the_employee_proposes_but_does_not_plan_as_the_coach() {
        assert!(allowed(Actor::Employee, |d| {
            d.appointments
                .insert("m2".into(), appointment("m2", Actor::Employee));
        }));
        // Proposed and then confirmed before the first sync: the same as two syncs.
        assert!(allowed(Actor::Employee, |d| {
            let mut m = appointment("m2", Actor::Employee);
            m.status = AppointmentStatus::Confirmed;
            d.appointments.insert("m2".into(), m);
        }));
        assert!(!allowed(Actor::Employee, |d| {
            d.appointments
                .insert("m2".into(), appointment("m2", Actor::Coach));
        }));
        // A forbidden part is undone, the appointment the employee made stays.
        let before = base();
        let mut after = base();
        let mut m = appointment("m2", Actor::Employee);
        m.status = AppointmentStatus::Done;
        m.notes = "meenemen: CV".into();
        after.appointments.insert("m2".into(), m);
        let (kept, v) = permitted(Actor::Employee, &before, &after);
        assert_eq!(v.len(), 1);
        assert!(v[0].reason.contains("alleen de coach markeert"), "{}", v[0]);
        assert_eq!(kept.appointments["m2"].status, AppointmentStatus::Proposed);
        assert_eq!(kept.appointments["m2"].notes, "meenemen: CV");
    }

    #[test]
    fn the_employee_moves_their_own_confirmed_proposal() {
        let mut before = base();
        let mut own = appointment("m2", Actor::Employee);
        own.status = AppointmentStatus::Confirmed;
        before.appointments.insert("m2".into(), own);
        let mut after = before.clone();
        let m = after.appointments.get_mut("m2").unwrap();
        m.starts_at = ts("2026-03-12T09:00:00Z");
        m.ends_at = ts("2026-03-12T10:00:00Z");
        m.status = AppointmentStatus::Proposed;
        assert!(check_edit(Actor::Employee, &before, &after).is_ok());
    }

    #[test]
    fn actions_belong_to_their_owner_and_anyone_ticks_them_done() {
        assert!(allowed(Actor::Coach, |d| {
            d.actions.insert("c2".into(), action("c2", Actor::Employee));
        }));
        assert!(allowed(Actor::Coach, |d| {
            d.actions.remove("e1");
        }));
        assert!(allowed(Actor::Employee, |d| {
            d.actions.insert("e2".into(), action("e2", Actor::Employee));
        }));
        assert!(allowed(Actor::Employee, |d| {
            let a = d.actions.get_mut("c1").unwrap();
            a.done = true;
            a.done_at = Some(ts("2026-03-04T09:00:00Z"));
        }));
        assert!(allowed(Actor::Employee, |d| {
            d.actions.get_mut("e1").unwrap().title = "Nieuwe titel".into();
        }));
        assert!(!allowed(Actor::Employee, |d| {
            d.actions.insert("c2".into(), action("c2", Actor::Coach));
        }));
        assert!(!allowed(Actor::Employee, |d| {
            d.actions.get_mut("c1").unwrap().title = "Anders".into();
        }));
        assert!(!allowed(Actor::Employee, |d| {
            d.actions.remove("c1");
        }));
    }

    #[test]
    fn comments_are_written_and_changed_only_by_their_author() {
        assert!(allowed(Actor::Coach, |d| {
            d.comments.insert("k3".into(), comment("k3", Actor::Coach));
        }));
        assert!(allowed(Actor::Employee, |d| {
            d.comments
                .insert("k3".into(), comment("k3", Actor::Employee));
        }));
        assert!(allowed(Actor::Employee, |d| {
            d.comments.remove("k2");
        }));
        assert!(!allowed(Actor::Coach, |d| {
            d.comments
                .insert("k3".into(), comment("k3", Actor::Employee));
        }));
        assert!(!allowed(Actor::Employee, |d| {
            d.comments.insert("k3".into(), comment("k3", Actor::Coach));
        }));
        assert!(!allowed(Actor::Employee, |d| {
            d.comments.get_mut("k1").unwrap().text = "vervalst".into();
        }));
        assert!(!allowed(Actor::Employee, |d| {
            d.comments.remove("k1");
        }));
        assert!(!allowed(Actor::Coach, |d| {
            d.comments.remove("k2");
        }));
    }

    #[test]
    fn nobody_changes_the_schema() {
        assert!(!allowed(Actor::Coach, |d| d.schema = DOCUMENT_SCHEMA + 1));
        assert!(!allowed(Actor::Employee, |d| d.schema = DOCUMENT_SCHEMA + 1));
        assert!(!allowed(Actor::Employee, |d| d.schema = 0));
        // base() is schema 1: raising it to the current shape is a migration.
        assert!(allowed(Actor::Employee, |d| d.schema = DOCUMENT_SCHEMA));
    }

    #[test]
    fn a_closed_dossier_takes_no_edits_and_an_open_one_is_left_to_permitted() {
        let mut closed = base();
        closed.trajectory.closed_on = Some(day("2026-04-01"));
        closed.trajectory.closed_reason = "Geplaatst".into();
        assert_eq!(closed_dossier(Actor::Employee, &closed, &closed), None);
        assert_eq!(closed_dossier(Actor::Employee, &base(), &base()), None);
        let mut after = base();
        after.applications.insert("a2".into(), application("a2"));
        assert_eq!(
            closed_dossier(Actor::Employee, &base(), &after),
            None,
            "open: the role rules judge"
        );

        let mut after = closed.clone();
        after.applications.insert("a2".into(), application("a2"));
        after.actions.get_mut("e1").unwrap().done = true;
        after.comments.remove("k2");
        let (kept, violations) = closed_dossier(Actor::Employee, &closed, &after).unwrap();
        assert_eq!(kept, closed, "everything undone");
        let paths: Vec<&str> = violations.iter().map(|v| v.path.as_str()).collect();
        assert_eq!(paths, ["applications/a2", "actions/e1", "comments/k2"]);
        assert!(violations[0].reason.contains("afgesloten"));
        // The coach is bound too (their ops refuse it already; a coach's device would not).
        let mut after = closed.clone();
        after.trajectory.weekly_target = 5;
        let (kept, violations) = closed_dossier(Actor::Coach, &closed, &after).unwrap();
        assert_eq!(kept, closed);
        assert_eq!(violations[0].path, "trajectory");
    }
}
