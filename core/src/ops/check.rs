//! The last step of every operation: the role rules of `crate::rules`, judged on just the
//! records the edits touch (so the check stays cheap on a two-year dossier).

use std::collections::BTreeMap;

use super::{Acting, Done};
use crate::edit::Edit;
use crate::error::{KoersError, Result};
use crate::model::{DossierDocument, DOCUMENT_SCHEMA};

/// `edits` and `record` as the operation's outcome, if `by` may make them.
/// A write to a document of an older shape raises it first (`upgrade`); a trajectory edit
/// (which writes the dated agreements) always does.
pub(crate) fn finish<T>(
    doc: &DossierDocument,
    by: Acting,
    mut edits: Vec<Edit>,
    record: T,
) -> Result<Done<T>> {
    if edits.is_empty() {
        return Ok(Done { edits, record });
    }
    if let Some(day) = doc.trajectory.closed_on {
        return Err(KoersError::invalid(
            "trajectory",
            format!(
                "het traject is op {day} afgesloten ({}); het dossier kan alleen nog worden gelezen",
                doc.trajectory.closed_reason
            ),
        ));
    }
    if by.under_rules {
        allowed(doc, by, &edits)?;
    }
    let writes_trajectory = edits.iter().any(|e| matches!(e, Edit::PutTrajectory(_)));
    if writes_trajectory && doc.schema < DOCUMENT_SCHEMA {
        edits.insert(0, Edit::PutSchema(DOCUMENT_SCHEMA));
    } else if !writes_trajectory {
        let mut raised = upgrade(doc);
        raised.append(&mut edits);
        edits = raised;
    }
    Ok(Done { edits, record })
}

/// The edits that raise `doc` to `DOCUMENT_SCHEMA`, when it holds something of the older
/// shape: the shape version, and (schema 2) the trajectory's dated agreements written out as
/// every peer already reads them (hydration settles a schema-1 trajectory the same way), so
/// any peer may write them, concurrently too, and nothing changes in meaning. A dossier with
/// no target or phase yet has nothing to raise: its shape is valid in both, and it is raised
/// with its first trajectory edit.
pub fn upgrade(doc: &DossierDocument) -> Vec<Edit> {
    let t = &doc.trajectory;
    let has_agreements = !t.target_history.is_empty() || !t.phase_history.is_empty();
    if doc.schema >= DOCUMENT_SCHEMA || !has_agreements {
        return Vec::new();
    }
    let mut trajectory = t.clone();
    trajectory.settle();
    vec![
        Edit::PutSchema(DOCUMENT_SCHEMA),
        Edit::PutTrajectory(trajectory),
    ]
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
            Edit::PutTrajectory(_) | Edit::PutSchema(_) => {}
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
