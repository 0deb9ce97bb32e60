//! Query tables derived from the shared document, kept in step with it in the same
//! transaction, so lists, filters and search never read the whole document.

use rusqlite::{params, params_from_iter, types::Value, Connection};

use crate::error::{KoersError, Result};
use crate::model::{
    Action, Application, ApplicationStatus, Appointment, Comment, DossierDocument, LocalDate,
    Trajectory,
};

/// Bump when the derived tables' content changes meaning: they are then rebuilt on open.
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

/// A filter over the application log. Empty fields do not filter.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ApplicationQuery {
    /// Only these statuses (any of them).
    pub statuses: Vec<ApplicationStatus>,
    /// Words to find in employer, role, place, contact or notes (prefix match, accents ignored).
    pub text: Option<String>,
    /// Applications dated on or after this day.
    pub from: Option<LocalDate>,
    /// Applications dated on or before this day.
    pub to: Option<LocalDate>,
    /// Only open applications whose follow-up date is on or before this day.
    pub follow_up_due_by: Option<LocalDate>,
}

pub struct Projection;

fn put_record<T: serde::Serialize>(
    conn: &Connection,
    kind: &str,
    id: &str,
    value: &T,
) -> Result<()> {
    let json = serde_json::to_string(value).map_err(|e| KoersError::Storage {
        message: format!("could not encode a {kind}: {e}"),
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
    /// Brings the query tables and the record cache in step with one edit just stored.
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
                message: format!("a stored {kind} could not be read: {e}"),
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
        put_record(conn, APPLICATION, &app.id, app)?;
        conn.prepare_cached(
            "INSERT INTO applications (id, employer, role, status, date, follow_up, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (id) DO UPDATE SET employer = excluded.employer, role = excluded.role,
                 status = excluded.status, date = excluded.date, follow_up = excluded.follow_up,
                 updated_at = excluded.updated_at",
        )?
        .execute(params![
            app.id,
            app.employer,
            app.role,
            app.status.as_str(),
            app.date.to_string(),
            app.follow_up.map(|d| d.to_string()),
            app.updated_at.millis(),
        ])?;
        conn.prepare_cached("DELETE FROM applications_fts WHERE id = ?1")?
            .execute([&app.id])?;
        conn.prepare_cached(
            "INSERT INTO applications_fts (id, employer, role, location, contact, notes)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![
            app.id,
            app.employer,
            app.role,
            app.location.as_deref().unwrap_or(""),
            app.contact.as_deref().unwrap_or(""),
            app.notes,
        ])?;
        Ok(())
    }

    pub fn delete_application(conn: &Connection, id: &str) -> Result<()> {
        delete_record(conn, APPLICATION, id)?;
        // Its comments go with it (`Edit::RemoveApplication`).
        conn.prepare_cached(
            "DELETE FROM records WHERE kind = ?1 AND json_extract(json, '$.application_id') = ?2",
        )?
        .execute(params![COMMENT, id])?;
        conn.prepare_cached("DELETE FROM applications WHERE id = ?1")?
            .execute([id])?;
        conn.prepare_cached("DELETE FROM applications_fts WHERE id = ?1")?
            .execute([id])?;
        Ok(())
    }

    pub fn put_appointment(conn: &Connection, a: &Appointment) -> Result<()> {
        put_record(conn, APPOINTMENT, &a.id, a)?;
        conn.prepare_cached(
            "INSERT INTO appointments (id, starts_at, ends_at, status) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (id) DO UPDATE SET starts_at = excluded.starts_at,
                 ends_at = excluded.ends_at, status = excluded.status",
        )?
        .execute(params![
            a.id,
            a.starts_at.millis(),
            a.ends_at.millis(),
            a.status.as_str()
        ])?;
        Ok(())
    }

    pub fn delete_appointment(conn: &Connection, id: &str) -> Result<()> {
        delete_record(conn, APPOINTMENT, id)?;
        conn.prepare_cached("DELETE FROM appointments WHERE id = ?1")?
            .execute([id])?;
        Ok(())
    }

    pub fn put_action(conn: &Connection, a: &Action) -> Result<()> {
        put_record(conn, ACTION, &a.id, a)?;
        conn.prepare_cached(
            "INSERT INTO actions (id, due, done, appointment_id) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (id) DO UPDATE SET due = excluded.due, done = excluded.done,
                 appointment_id = excluded.appointment_id",
        )?
        .execute(params![
            a.id,
            a.due.map(|d| d.to_string()),
            a.done,
            a.appointment_id
        ])?;
        Ok(())
    }

    pub fn delete_action(conn: &Connection, id: &str) -> Result<()> {
        delete_record(conn, ACTION, id)?;
        conn.prepare_cached("DELETE FROM actions WHERE id = ?1")?
            .execute([id])?;
        Ok(())
    }

    /// Empties and refills every derived table from the document.
    pub fn rebuild(conn: &Connection, doc: &DossierDocument) -> Result<()> {
        conn.execute_batch(
            "DELETE FROM applications; DELETE FROM applications_fts;
             DELETE FROM appointments; DELETE FROM actions; DELETE FROM records;",
        )?;
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

    /// Brings the derived tables from `before` to `after`, touching only what differs
    /// (used after merging changes from another peer).
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

    pub fn update(
        conn: &Connection,
        before: &DossierDocument,
        after: &DossierDocument,
    ) -> Result<()> {
        if before.schema != after.schema {
            put_record(conn, SCHEMA, "", &after.schema)?;
        }
        if before.trajectory != after.trajectory {
            Self::put_trajectory(conn, &after.trajectory)?;
        }
        for (id, c) in &after.comments {
            if before.comments.get(id) != Some(c) {
                Self::put_comment(conn, c)?;
            }
        }
        for id in before.comments.keys() {
            if !after.comments.contains_key(id) {
                delete_record(conn, COMMENT, id)?;
            }
        }
        for (id, app) in &after.applications {
            if before.applications.get(id) != Some(app) {
                Self::put_application(conn, app)?;
            }
        }
        for id in before.applications.keys() {
            if !after.applications.contains_key(id) {
                Self::delete_application(conn, id)?;
            }
        }
        for (id, a) in &after.appointments {
            if before.appointments.get(id) != Some(a) {
                Self::put_appointment(conn, a)?;
            }
        }
        for id in before.appointments.keys() {
            if !after.appointments.contains_key(id) {
                Self::delete_appointment(conn, id)?;
            }
        }
        for (id, a) in &after.actions {
            if before.actions.get(id) != Some(a) {
                Self::put_action(conn, a)?;
            }
        }
        for id in before.actions.keys() {
            if !after.actions.contains_key(id) {
                Self::delete_action(conn, id)?;
            }
        }
        Ok(())
    }

    /// Ids of the applications matching `query`, newest first.
    pub fn application_ids(conn: &Connection, query: &ApplicationQuery) -> Result<Vec<String>> {
        let mut sql = String::from("SELECT a.id FROM applications a WHERE 1 = 1");
        let mut args: Vec<Value> = Vec::new();
        if !query.statuses.is_empty() {
            sql.push_str(" AND a.status IN (");
            for (i, s) in query.statuses.iter().enumerate() {
                if i > 0 {
                    sql.push(',');
                }
                sql.push('?');
                args.push(Value::Text(s.as_str().to_string()));
            }
            sql.push(')');
        }
        if let Some(from) = query.from {
            sql.push_str(" AND a.date >= ?");
            args.push(Value::Text(from.to_string()));
        }
        if let Some(to) = query.to {
            sql.push_str(" AND a.date <= ?");
            args.push(Value::Text(to.to_string()));
        }
        if let Some(day) = query.follow_up_due_by {
            sql.push_str(&format!(
                " AND a.follow_up IS NOT NULL AND a.follow_up <= ? AND a.status NOT IN ({})",
                crate::model::ApplicationStatus::closed_sql_list()
            ));
            args.push(Value::Text(day.to_string()));
        }
        if let Some(match_expr) = query.text.as_deref().and_then(fts_query) {
            sql.push_str(
                " AND a.id IN (SELECT id FROM applications_fts WHERE applications_fts MATCH ?)",
            );
            args.push(Value::Text(match_expr));
        }
        sql.push_str(" ORDER BY a.date DESC, a.updated_at DESC, a.id");
        let mut stmt = conn.prepare_cached(&sql)?;
        let ids = stmt
            .query_map(params_from_iter(args), |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(ids)
    }

    /// Appointment ids by start time; `after_ms` keeps only those ending after it.
    pub fn appointment_ids(conn: &Connection, after_ms: Option<i64>) -> Result<Vec<String>> {
        let mut stmt = conn.prepare_cached(
            "SELECT id FROM appointments WHERE (?1 IS NULL OR ends_at > ?1) ORDER BY starts_at, id",
        )?;
        let ids = stmt
            .query_map([after_ms], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(ids)
    }

    /// Action ids: open ones first by due date (undated last), then done ones.
    pub fn action_ids(conn: &Connection, open_only: bool) -> Result<Vec<String>> {
        let mut stmt = conn.prepare_cached(
            "SELECT id FROM actions WHERE (?1 = 0 OR done = 0)
             ORDER BY done, due IS NULL, due, id",
        )?;
        let ids = stmt
            .query_map([open_only], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(ids)
    }
}

/// Turns what a person typed into a safe FTS5 query: every word a quoted prefix term, all
/// required. Returns `None` when nothing searchable is left.
fn fts_query(text: &str) -> Option<String> {
    let terms: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| format!("\"{}\"*", w.replace('"', "\"\"")))
        .collect();
    if terms.is_empty() {
        None
    } else {
        Some(terms.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_text_becomes_prefix_terms() {
        assert_eq!(
            fts_query("acme plan").as_deref(),
            Some("\"acme\"* \"plan\"*")
        );
        assert_eq!(fts_query("\" OR *").as_deref(), Some("\"OR\"*"));
        assert_eq!(fts_query("  ()  "), None);
    }
}
