//! The last step of every operation: the role rules of `crate::rules`, judged on just the
//! records the edits touch (so the check stays cheap on a two-year dossier).

use std::collections::BTreeMap;

use super::{Acting, Done};
use crate::edit::Edit;
use crate::error::{KoersError, Result};
use crate::model::DossierDocument;

/// `edits` and `record` as the operation's outcome, if `by` may make them.
pub(crate) fn finish<T>(
    doc: &DossierDocument,
    by: Acting,
    edits: Vec<Edit>,
    record: T,
) -> Result<Done<T>> {
    if by.under_rules && !edits.is_empty() {
        allowed(doc, by, &edits)?;
    }
    Ok(Done { edits, record })
}

/// Refuses `edits` when the role rules would undo any part of them.
pub fn allowed(doc: &DossierDocument, by: Acting, edits: &[Edit]) -> Result<()> {
    let mut before = DossierDocument {
        schema: doc.schema,
        trajectory: doc.trajectory.clone(),
        ..Default::default()
    };
    for edit in edits {
        match edit {
            Edit::PutApplication(a) => copy(&doc.applications, &mut before.applications, &a.id),
            Edit::RemoveApplication(id) => {
                copy(&doc.applications, &mut before.applications, id);
                // Its comments go with it (`Edit::RemoveApplication`).
                for c in doc.comments.values() {
                    if c.application_id.as_deref() == Some(id.as_str()) {
                        before.comments.insert(c.id.clone(), c.clone());
                    }
                }
            }
            Edit::PutAppointment(a) => copy(&doc.appointments, &mut before.appointments, &a.id),
            Edit::PutAction(a) => copy(&doc.actions, &mut before.actions, &a.id),
            Edit::RemoveAction(id) => copy(&doc.actions, &mut before.actions, id),
            Edit::PutComment(c) => copy(&doc.comments, &mut before.comments, &c.id),
            Edit::PutTrajectory(_) => {}
        }
    }
    let mut after = before.clone();
    for edit in edits {
        edit.clone().apply_to_state(&mut after);
    }
    crate::rules::check_edit(by.actor, &before, &after).map_err(|v| {
        KoersError::invalid(
            v.path.split(['.', '/']).next().unwrap_or("dossier"),
            v.reason,
        )
    })
}

fn copy<T: Clone>(from: &BTreeMap<String, T>, to: &mut BTreeMap<String, T>, id: &str) {
    if let Some(v) = from.get(id) {
        to.insert(id.to_string(), v.clone());
    }
}
