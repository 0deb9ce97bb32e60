//! The record cache: every shared record as JSON, derived from the stored document and kept
//! in step with it in the same transaction, so an open reads the dossier from here instead
//! of loading and hydrating the Automerge document. Lists filter the dossier in memory
//! (`crate::query`).

use rusqlite::{params, Connection};

use crate::error::{KoersError, Result};
use crate::model::{Action, Application, Appointment, Comment, DossierDocument, Trajectory};

/// Bump when the record cache's content changes meaning: they are then rebuilt on open.
/// Version 3: records hold settled applications (status from history) and dated trajectory
/// agreements, and every file rebuilds them once from the stored document, because versions
/// before it could derive them from a stale in-memory copy when several processes wrote at once.
pub const PROJECTION_VERSION: u32 = 3;

// Kinds of rows in the `records` table.
const APPLICATION: &str = "application";
const APPOINTMENT: &str = "appointment";
const ACTION: &str = "action";
const COMMENT: &str = "comment";
const TRAJECTORY: &str = "trajectory";
const SCHEMA: &str = "schema";

pub struct Projection;

fn put_record<T: serde::Serialize>(
    conn: &Connection,
    kind: &str,
    id: &str,
    value: &T,
) -> Result<()> {
    let json = serde_json::to_string(value).map_err(|e| KoersError::Storage {
        message: format!("kon een record ({kind}) niet vastleggen: {e}"),
    })?;
    conn.prepare_cached(
        "INSERT INTO records (kind, id, json) VALUES (?1, ?2, ?3)
         ON CONFLICT (kind, id) DO UPDATE SET json = excluded.json",
    )?
    .execute(params![kind, id, json])?;
    Ok(())
}

fn delete_record(conn: &Connection, kind: &str, id: &str) -> Result<()> {
    conn.prepare_cached("DELETE FROM records WHERE kind = ?1 AND id = ?2")?
        .execute(params![kind, id])?;
    Ok(())
}

impl Projection {
    /// Brings the record cache in step with one edit just stored.
    pub fn apply_edit(conn: &Connection, edit: &crate::edit::Edit) -> Result<()> {
        use crate::edit::Edit;
        match edit {
            Edit::PutApplication(a) => Self::put_application(conn, a),
            Edit::RemoveApplication(id) => Self::delete_application(conn, id),
            Edit::PutAppointment(a) => Self::put_appointment(conn, a),
            Edit::PutAction(a) => Self::put_action(conn, a),
            Edit::RemoveAction(id) => Self::delete_action(conn, id),
            Edit::PutComment(c) => Self::put_comment(conn, c),
            Edit::PutTrajectory(t) => Self::put_trajectory(conn, t),
            Edit::PutSchema(v) => Self::put_schema(conn, *v),
        }
    }

    /// The shared dossier as last stored, read from the record cache (no Automerge needed).
    pub fn load_document(conn: &Connection) -> Result<DossierDocument> {
        let mut doc = DossierDocument::default();
        let mut stmt = conn.prepare_cached("SELECT kind, id, json FROM records")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let kind: String = row.get(0)?;
            let id: String = row.get(1)?;
            let json: String = row.get(2)?;
            let bad = |e: serde_json::Error| KoersError::Storage {
                message: format!("een opgeslagen record ({kind}) is onleesbaar: {e}"),
            };
            match kind.as_str() {
                APPLICATION => {
                    doc.applications
                        .insert(id, serde_json::from_str(&json).map_err(bad)?);
                }
                APPOINTMENT => {
                    doc.appointments
                        .insert(id, serde_json::from_str(&json).map_err(bad)?);
                }
                ACTION => {
                    doc.actions
                        .insert(id, serde_json::from_str(&json).map_err(bad)?);
                }
                COMMENT => {
                    doc.comments
                        .insert(id, serde_json::from_str(&json).map_err(bad)?);
                }
                TRAJECTORY => doc.trajectory = serde_json::from_str(&json).map_err(bad)?,
                SCHEMA => doc.schema = serde_json::from_str(&json).map_err(bad)?,
                _ => {} // written by a newer version; its next rebuild handles it
            }
        }
        Ok(doc)
    }

    pub fn put_trajectory(conn: &Connection, t: &Trajectory) -> Result<()> {
        put_record(conn, TRAJECTORY, "", t)
    }

    pub fn put_schema(conn: &Connection, schema: u64) -> Result<()> {
        put_record(conn, SCHEMA, "", &schema)
    }

    pub fn put_comment(conn: &Connection, c: &Comment) -> Result<()> {
        put_record(conn, COMMENT, &c.id, c)
    }

    pub fn put_application(conn: &Connection, app: &Application) -> Result<()> {
        put_record(conn, APPLICATION, &app.id, app)
    }

    pub fn delete_application(conn: &Connection, id: &str) -> Result<()> {
        delete_record(conn, APPLICATION, id)?;
        // Its comments go with it (`Edit::RemoveApplication`).
        conn.prepare_cached(
            "DELETE FROM records WHERE kind = ?1 AND json_extract(json, '$.application_id') = ?2",
        )?
        .execute(params![COMMENT, id])?;
        Ok(())
    }

    pub fn put_appointment(conn: &Connection, a: &Appointment) -> Result<()> {
        put_record(conn, APPOINTMENT, &a.id, a)
    }

    pub fn delete_appointment(conn: &Connection, id: &str) -> Result<()> {
        delete_record(conn, APPOINTMENT, id)
    }

    pub fn put_action(conn: &Connection, a: &Action) -> Result<()> {
        put_record(conn, ACTION, &a.id, a)
    }

    pub fn delete_action(conn: &Connection, id: &str) -> Result<()> {
        delete_record(conn, ACTION, id)
    }

    /// Empties and refills the record cache from the document.
    pub fn rebuild(conn: &Connection, doc: &DossierDocument) -> Result<()> {
        conn.execute("DELETE FROM records", [])?;
        put_record(conn, SCHEMA, "", &doc.schema)?;
        Self::put_trajectory(conn, &doc.trajectory)?;
        for c in doc.comments.values() {
            Self::put_comment(conn, c)?;
        }
        for app in doc.applications.values() {
            Self::put_application(conn, app)?;
        }
        for a in doc.appointments.values() {
            Self::put_appointment(conn, a)?;
        }
        for a in doc.actions.values() {
            Self::put_action(conn, a)?;
        }
        Ok(())
    }

    /// Brings the rows of the touched records in step with `state` (already refreshed).
    pub fn update_records(
        conn: &Connection,
        state: &DossierDocument,
        touched: &crate::incremental::Touched,
    ) -> Result<()> {
        use crate::incremental::{RecordRef, Touched};
        let records = match touched {
            Touched::Everything => return Self::rebuild(conn, state),
            Touched::Records(records) => records,
        };
        for record in records {
            match record {
                RecordRef::Schema => put_record(conn, SCHEMA, "", &state.schema)?,
                RecordRef::Trajectory => Self::put_trajectory(conn, &state.trajectory)?,
                RecordRef::Application(id) => match state.applications.get(id) {
                    Some(app) => Self::put_application(conn, app)?,
                    None => Self::delete_application(conn, id)?,
                },
                RecordRef::Appointment(id) => match state.appointments.get(id) {
                    Some(a) => Self::put_appointment(conn, a)?,
                    None => Self::delete_appointment(conn, id)?,
                },
                RecordRef::Action(id) => match state.actions.get(id) {
                    Some(a) => Self::put_action(conn, a)?,
                    None => Self::delete_action(conn, id)?,
                },
                RecordRef::Comment(id) => match state.comments.get(id) {
                    Some(c) => Self::put_comment(conn, c)?,
                    None => delete_record(conn, COMMENT, id)?,
                },
            }
        }
        Ok(())
    }
}
