//! The coach's JSON API and the functions behind it: log in, list the caseload, create an
//! employee (with their enrolment code), revoke a device, hand an employee over to another
//! coach, and edit a dossier as the coach (appointments, actions, comments, weekly target,
//! phase). Edits change the server's copy of
//! the Automerge document with the coach's actor through the same path as a sync, so the
//! devices get them at their next sync. The web view calls the same functions.

use automerge::transaction::CommitOptions;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post, put};
use axum::{Json, Router};
use koers_core::model::{
    genesis_document, new_id, Action, Actor, Appointment, AppointmentKind, AppointmentStatus,
    Comment, DossierDocument, LocalDate, Phase, Timestamp, Trajectory, TrajectoryKind,
};
use koers_core::ops::{self, Acting};
use koers_protocol::ErrorCode;
use serde::{Deserialize, Serialize};

use crate::auth::{self, Principal};
use crate::client_addr::ClientAddr;
use crate::documents::{actor_for, Edited, Persist};
use crate::storage::{Coach, Employee, EnrolmentCode};
use crate::{blocking, now_ms, throttle, AppState, BureauError, Result};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/coach/login", post(login))
        .route("/v1/coach/logout", post(logout))
        .route("/v1/coach/caseload", get(caseload_endpoint))
        .route("/v1/coach/employees", post(create_employee_endpoint))
        .route("/v1/coach/employees/{id}", get(dossier_endpoint))
        .route("/v1/coach/employees/{id}/code", post(new_code_endpoint))
        .route(
            "/v1/coach/employees/{id}/devices/{device}/revoke",
            post(revoke_endpoint),
        )
        .route(
            "/v1/coach/employees/{id}/appointments",
            post(schedule_endpoint),
        )
        .route(
            "/v1/coach/employees/{id}/appointments/{appointment}",
            patch(change_appointment_endpoint),
        )
        .route("/v1/coach/employees/{id}/actions", post(action_endpoint))
        .route(
            "/v1/coach/employees/{id}/actions/{action}",
            patch(change_action_endpoint).delete(delete_action_endpoint),
        )
        .route(
            "/v1/coach/employees/{id}/trajectory",
            patch(trajectory_endpoint),
        )
        .route("/v1/coach/employees/{id}/close", post(close_endpoint))
        .route(
            "/v1/coach/employees/{id}/hand-over",
            post(hand_over_endpoint),
        )
        .route("/v1/coach/employees/{id}/comments", post(comment_endpoint))
        .route(
            "/v1/coach/employees/{id}/weekly-target",
            put(weekly_target_endpoint),
        )
        .route("/v1/coach/employees/{id}/phase", put(phase_endpoint))
}

// ---- the functions (shared with the CLI and the web view) ----

/// Creates a coach account.
pub fn create_coach(
    state: &AppState,
    email: &str,
    name: &str,
    password: &str,
    is_admin: bool,
) -> Result<Coach> {
    let email = email.trim().to_lowercase();
    if !email.contains('@') || name.trim().is_empty() {
        return Err(BureauError::refused(
            ErrorCode::Malformed,
            "Geef een e-mailadres en een naam.",
        ));
    }
    if password.chars().count() < 10 {
        return Err(BureauError::refused(
            ErrorCode::Malformed,
            "Kies een wachtwoord van minstens 10 tekens.",
        ));
    }
    let coach = Coach {
        id: new_id(),
        email,
        name: name.trim().to_string(),
        password_hash: auth::hash_password(password)?,
        is_admin,
    };
    state.storage.insert_coach(&coach)?;
    Ok(coach)
}

/// A coach's login: a bearer token for this API, valid for a working day.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Session {
    pub token: String,
    pub expires_at: i64,
    pub coach_id: String,
    pub name: String,
}

/// Logs a coach in. Only failures count towards the limits, per client address and per
/// account, so one client's junk locks out neither another client nor another account.
pub fn log_in(state: &AppState, email: &str, password: &str, ip: &str) -> Result<Session> {
    let account: String = email.trim().to_lowercase().chars().take(320).collect();
    let client = throttle::client_key(ip);
    if let Some(wait) = state
        .login_by_client
        .refused(&client)
        .or_else(|| state.login_by_account.refused(&account))
    {
        state.refuse("login_rate_limited", None, ip, &account);
        return Err(BureauError::rate_limited(wait));
    }
    let coach = state.storage.coach_by_email(&account)?;
    let verified = auth::check_login(password, coach.as_ref().map(|c| c.password_hash.as_str()));
    let Some(coach) = coach.filter(|_| verified) else {
        state.login_by_client.failed(&client);
        state.login_by_account.failed(&account);
        state.refuse("login_failed", None, ip, &account);
        return Err(BureauError::refused(
            ErrorCode::Unauthorized,
            "E-mailadres of wachtwoord klopt niet.",
        ));
    };
    let (token, hash) = auth::new_token()?;
    let expires_at = now_ms() + auth::SESSION_VALID_MS;
    state.storage.insert_session(&hash, &coach.id, expires_at)?;
    Ok(Session {
        token,
        expires_at,
        coach_id: coach.id,
        name: coach.name,
    })
}

/// What a coach fills in for a new trajectory.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewEmployee {
    pub name: String,
    pub kind: TrajectoryKind,
    #[serde(default)]
    pub first_sick_day: Option<LocalDate>,
    #[serde(default)]
    pub contract_end: Option<LocalDate>,
    #[serde(default)]
    pub weekly_target: Option<u32>,
    #[serde(default)]
    pub bureau: Option<String>,
}

/// A created employee with their one-time enrolment code.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Created {
    pub employee_id: String,
    /// `XXXX-XXXX`, shown once.
    pub enrolment_code: String,
    pub code_expires_at: i64,
}

/// How many codes are drawn before giving up: with 31^4 lookups a second collision in a row
/// means something else is wrong.
const CODE_DRAWS: usize = 20;

/// Draws enrolment codes for the employee and hands each to `store` until one is stored.
/// `store` writes the code in one transaction with whatever goes with it and says false when
/// the code's lookup belongs to another live code, so two coaches drawing the same lookup at
/// once both end up with a code of their own.
pub(crate) fn store_fresh_code(
    key: &auth::CodeKey,
    employee_id: &str,
    mut store: impl FnMut(&EnrolmentCode, i64) -> Result<bool>,
) -> Result<(auth::NewCode, EnrolmentCode)> {
    for _ in 0..CODE_DRAWS {
        let code = auth::new_code(key)?;
        let now = now_ms();
        let stored = EnrolmentCode {
            lookup: code.lookup.clone(),
            code_hash: code.hash.clone(),
            employee_id: employee_id.to_string(),
            expires_at: now + auth::CODE_VALID_MS,
            attempts: 0,
            used: false,
        };
        if store(&stored, now)? {
            return Ok((code, stored));
        }
    }
    Err(BureauError::Storage {
        message: "no free enrolment code".into(),
    })
}

pub fn create_employee(state: &AppState, coach_id: &str, input: &NewEmployee) -> Result<Created> {
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 120 {
        return Err(BureauError::refused(
            ErrorCode::Malformed,
            "Geef de naam van de werknemer.",
        ));
    }
    let coach = state
        .storage
        .coach_by_id(coach_id)?
        .ok_or_else(|| BureauError::refused(ErrorCode::Unauthorized, "Onbekende coach."))?;
    if input.kind == TrajectoryKind::Spoor2 && input.first_sick_day.is_none() {
        return Err(BureauError::refused(
            ErrorCode::Malformed,
            "Bij spoor 2 hoort de eerste ziektedag.",
        ));
    }
    let mut doc = genesis_document()
        .map_err(|e| BureauError::Storage {
            message: e.to_string(),
        })?
        .with_actor(actor_for(&format!("coach:{coach_id}")));
    // The trajectory is set up by the same operation as every later change of it.
    let now = Timestamp::now();
    let patch = ops::TrajectoryPatch {
        kind: Some(input.kind),
        first_sick_day: Some(input.first_sick_day),
        contract_end: Some(input.contract_end),
        start_date: Some(Some(now.local_date())),
        coach: Some(coach.name.clone()),
        bureau: input.bureau.clone(),
        phase: Some(Phase::Intake),
        weekly_target: input.weekly_target,
        ..Default::default()
    };
    let done =
        ops::edit_trajectory(&hydrate(&doc)?, Acting::coach(), patch, now).map_err(refusal)?;
    let mut tx = doc.transaction();
    for edit in &done.edits {
        edit.apply_to_doc(&mut tx)
            .map_err(|e| BureauError::Storage {
                message: format!("cannot write the new dossier: {e}"),
            })?;
    }
    tx.commit();
    let employee = Employee {
        id: new_id(),
        name: name.to_string(),
        coach_id: coach_id.to_string(),
        created_at: now_ms(),
    };
    let summary = crate::summary::of(&hydrate(&doc)?, now)?;
    let document = doc.save();
    let (code, stored) = store_fresh_code(&state.code_key, &employee.id, |code, now| {
        state
            .storage
            .insert_employee(&employee, &document, &summary, code, now)
    })?;
    Ok(Created {
        employee_id: employee.id,
        enrolment_code: code.display,
        code_expires_at: stored.expires_at,
    })
}

/// The employee, if they are on this coach's caseload; refused (and audited) otherwise.
pub fn own_employee(
    state: &AppState,
    coach_id: &str,
    employee_id: &str,
    ip: &str,
) -> Result<Employee> {
    match state.storage.employee(employee_id)? {
        Some(e) if e.coach_id == coach_id => Ok(e),
        _ => {
            state.refuse(
                "forbidden",
                Some(&format!("coach:{coach_id}")),
                ip,
                &format!("dossier {employee_id} hoort niet bij deze coach"),
            );
            Err(BureauError::refused(
                ErrorCode::Forbidden,
                "Dit dossier hoort niet bij jouw caseload.",
            ))
        }
    }
}

/// A new enrolment code for an employee (earlier unused codes stop working).
pub fn new_code(state: &AppState, coach_id: &str, employee_id: &str, ip: &str) -> Result<Created> {
    own_employee(state, coach_id, employee_id, ip)?;
    let (code, stored) = store_fresh_code(&state.code_key, employee_id, |code, now| {
        state.storage.replace_code(code, now)
    })?;
    Ok(Created {
        employee_id: employee_id.to_string(),
        enrolment_code: code.display,
        code_expires_at: stored.expires_at,
    })
}

/// One line of the caseload.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CaseloadEntry {
    pub employee_id: String,
    pub name: String,
    pub phase: Option<Phase>,
    pub weekly_target: u32,
    pub applications: usize,
    pub devices: usize,
    pub last_seen_at: Option<i64>,
    /// The day the trajectory was closed (archived), if it was.
    #[serde(default)]
    pub closed_on: Option<LocalDate>,
}

/// The coach's open trajectories (closed ones left out).
pub fn caseload(state: &AppState, coach_id: &str) -> Result<Vec<CaseloadEntry>> {
    caseload_each(state, coach_id, false, |entry, _| entry)
}

/// Every trajectory of the coach, closed ones included.
pub fn caseload_with_closed(state: &AppState, coach_id: &str) -> Result<Vec<CaseloadEntry>> {
    caseload_each(state, coach_id, true, |entry, _| entry)
}

/// `line(entry, inputs)` for every trajectory of the coach (closed ones only with
/// `with_closed`), from the stored summaries in one query: a caseload reads no document.
/// `inputs` are the summary's dated records (`crate::summary`): what the caseload computes
/// from a dossier for any moment from now on, it computes from them alike.
pub fn caseload_each<T>(
    state: &AppState,
    coach_id: &str,
    with_closed: bool,
    mut line: impl FnMut(CaseloadEntry, &crate::summary::Inputs) -> T,
) -> Result<Vec<T>> {
    let mut out = Vec::new();
    for l in state.storage.caseload_summaries(coach_id, with_closed)? {
        let summary = match l.current_summary(crate::summary::FORMAT) {
            Some(s) => s.clone(),
            // None yet, or not of the latest changes (stored by a node of an earlier
            // version during a rolling upgrade): once, here.
            None => state.documents.summarize(&l.employee.id)?,
        };
        let inputs = crate::summary::inputs(&summary)?;
        let entry = CaseloadEntry {
            employee_id: l.employee.id,
            name: l.employee.name,
            phase: inputs.dossier.trajectory.phase,
            weekly_target: inputs.dossier.trajectory.weekly_target,
            applications: usize::try_from(summary.applications).unwrap_or(0),
            devices: l.devices,
            last_seen_at: l.last_seen_at,
            closed_on: inputs.dossier.trajectory.closed_on,
        };
        if with_closed || entry.closed_on.is_none() {
            out.push(line(entry, &inputs));
        }
    }
    Ok(out)
}

/// The dossier as the coach sees it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DossierView {
    pub employee_id: String,
    pub name: String,
    pub dossier: DossierDocument,
    pub devices: Vec<koers_protocol::DeviceInfo>,
}

pub fn dossier(
    state: &AppState,
    coach_id: &str,
    employee_id: &str,
    ip: &str,
) -> Result<DossierView> {
    let e = own_employee(state, coach_id, employee_id, ip)?;
    // The node's kept hydrated state, copied: reading the document whole again would cost
    // what the dossier holds on every page view.
    let dossier = state
        .documents
        .read_state(employee_id, DossierDocument::clone)?;
    Ok(DossierView {
        employee_id: e.id,
        name: e.name,
        dossier,
        devices: crate::devices::device_list(state, employee_id, None)?.devices,
    })
}

/// Applies `edit` to the dossier as this coach: access check, the coach's role rules (an
/// edit the coach may not make is refused whole), then stored like a synced change. For
/// seeding (the demo); a coach's own edits go through [`apply_op`].
pub fn edit_dossier<T>(
    state: &AppState,
    coach_id: &str,
    employee_id: &str,
    ip: &str,
    edit: impl FnOnce(&mut DossierDocument) -> Result<T>,
) -> Result<T> {
    own_employee(state, coach_id, employee_id, ip)?;
    state.documents.edit(employee_id, |slot| {
        let before: DossierDocument = hydrate(&slot.doc)?;
        let mut after = before.clone();
        let out = edit(&mut after)?;
        if let Err(v) = koers_core::rules::check_edit(Actor::Coach, &before, &after) {
            return Err(BureauError::refused(ErrorCode::Forbidden, v.to_string()));
        }
        let mut fork = slot
            .doc
            .fork()
            .with_actor(actor_for(&format!("coach:{coach_id}")));
        let mut tx = fork.transaction();
        reconcile(&mut tx, &after)?;
        tx.commit();
        Ok((out, Some(fork), Persist::default()))
    })
}

/// Runs one operation of `koers_core::ops` as this coach on the dossier as it is now, and
/// stores the edits it returns as one change with the coach's actor, applied the same way the
/// phone applies them (`Edit::apply_to_doc`). The bureau builds no record itself.
pub fn apply_op<T>(
    state: &AppState,
    coach_id: &str,
    employee_id: &str,
    ip: &str,
    op: impl FnOnce(&DossierDocument, Acting, Timestamp) -> koers_core::Result<ops::Done<T>>,
) -> Result<T> {
    own_employee(state, coach_id, employee_id, ip)?;
    // On the node's copy in place, with its kept hydrated state: neither the document is
    // copied nor read whole, so an edit costs what it changes, not what the dossier holds.
    state.documents.change(employee_id, |slot| {
        let done =
            op(slot.state(employee_id)?, Acting::coach(), Timestamp::now()).map_err(refusal)?;
        if done.edits.is_empty() {
            return Ok((done.record, Edited::InPlace(vec![]), Persist::default()));
        }
        let actor = actor_for(&format!("coach:{coach_id}"));
        let change = slot.change_as(actor, CommitOptions::default(), |tx| {
            for edit in &done.edits {
                edit.apply_to_doc(tx).map_err(|e| BureauError::Storage {
                    message: format!("cannot write the coach's edit: {e}"),
                })?;
            }
            Ok(())
        })?;
        let added: Vec<_> = change.into_iter().collect();
        slot.advance(&added);
        Ok((done.record, Edited::InPlace(added), Persist::default()))
    })
}

/// How a refusal by the role rules (or a closed trajectory) starts, as opposed to a refused
/// access (which says nothing about the dossier).
const RULE_REFUSAL: &str = "Niet toegestaan: ";

/// Whether `e` is an operation the rules refused (the web view shows the reason on the page
/// instead of the "not found" it shows for a refused access).
pub fn is_rule_refusal(e: &BureauError) -> bool {
    matches!(e, BureauError::Refused { code: ErrorCode::Forbidden, message } if message.starts_with(RULE_REFUSAL))
}

/// The core's refusal of an operation, for the coach: a broken role rule is 403, an unknown
/// record 404, unusable input 400. The text is the core's (Dutch, the same the phone shows),
/// in the bureau's frame.
pub fn refusal(e: koers_core::KoersError) -> BureauError {
    use koers_core::KoersError as E;
    match e {
        E::NotFound { what } => {
            BureauError::refused(ErrorCode::NotFound, format!("Niet gevonden: {what}."))
        }
        E::InvalidInput {
            ref field,
            ref reason,
        } => {
            if e.is_rule_refusal() {
                BureauError::refused(ErrorCode::Forbidden, format!("{RULE_REFUSAL}{reason}."))
            } else {
                BureauError::refused(
                    ErrorCode::Malformed,
                    format!(
                        "Niet opgeslagen ({}): {reason}.",
                        koers_core::input::field_label(field)
                    ),
                )
            }
        }
        other => BureauError::Storage {
            message: other.to_string(),
        },
    }
}

fn hydrate(doc: &automerge::Automerge) -> Result<DossierDocument> {
    koers_core::hydrate::hydrate(doc).map_err(|e| BureauError::Storage {
        message: format!("document does not hydrate: {e}"),
    })
}

fn reconcile(tx: &mut automerge::transaction::Transaction<'_>, d: &DossierDocument) -> Result<()> {
    autosurgeon::reconcile(tx, d).map_err(|e| BureauError::Storage {
        message: format!("cannot write document: {e}"),
    })
}

/// A new appointment proposed by the coach.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewAppointment {
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub kind: AppointmentKind,
    #[serde(default)]
    pub location: String,
    #[serde(default)]
    pub agenda: String,
}

pub fn schedule_appointment(
    state: &AppState,
    coach_id: &str,
    employee_id: &str,
    ip: &str,
    input: &NewAppointment,
) -> Result<Appointment> {
    let new = ops::NewAppointment {
        starts_at: input.starts_at,
        ends_at: input.ends_at,
        kind: input.kind,
        location: input.location.clone(),
        agenda: input.agenda.clone(),
        notes: String::new(),
    };
    apply_op(state, coach_id, employee_id, ip, |d, by, now| {
        ops::propose_appointment(d, by, new, now)
    })
}

/// Moving, re-planning, confirming, cancelling or marking an appointment as held; absent
/// fields stay. A status change and a move in one request are done in that order.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AppointmentChange {
    #[serde(default)]
    pub starts_at: Option<Timestamp>,
    #[serde(default)]
    pub ends_at: Option<Timestamp>,
    #[serde(default)]
    pub status: Option<AppointmentStatus>,
    #[serde(default)]
    pub kind: Option<AppointmentKind>,
    #[serde(default)]
    pub location: Option<String>,
    #[serde(default)]
    pub agenda: Option<String>,
}

pub fn change_appointment(
    state: &AppState,
    coach_id: &str,
    employee_id: &str,
    ip: &str,
    appointment_id: &str,
    change: &AppointmentChange,
) -> Result<Appointment> {
    let patch = ops::AppointmentPatch {
        starts_at: change.starts_at,
        ends_at: change.ends_at,
        kind: change.kind,
        location: change.location.clone(),
        agenda: change.agenda.clone(),
        notes: None,
    };
    let status = change.status;
    apply_op(state, coach_id, employee_id, ip, |d, by, now| {
        let mut edits = Vec::new();
        let mut doc = std::borrow::Cow::Borrowed(d);
        let mut record = None;
        if patch != ops::AppointmentPatch::default() {
            let done = ops::update_appointment(&doc, by, appointment_id, patch, now)?;
            record = Some(done.record);
            for e in &done.edits {
                e.clone().apply_to_state(doc.to_mut());
            }
            edits.extend(done.edits);
        }
        if let Some(status) = status.filter(|s| Some(*s) != record.as_ref().map(|r| r.status)) {
            let done = match status {
                AppointmentStatus::Confirmed => {
                    ops::confirm_appointment(&doc, by, appointment_id, now)?
                }
                AppointmentStatus::Cancelled => {
                    ops::cancel_appointment(&doc, by, appointment_id, now)?
                }
                AppointmentStatus::Done => {
                    ops::complete_appointment(&doc, by, appointment_id, None, now)?
                }
                // Proposed again only by moving it.
                AppointmentStatus::Proposed => {
                    let current = doc.appointments.get(appointment_id).ok_or_else(|| {
                        koers_core::KoersError::not_found(format!("afspraak {appointment_id}"))
                    })?;
                    koers_core::rules::appointment_transition(current.status, status)
                        .map_err(|r| koers_core::KoersError::invalid("status", r))?;
                    ops::Done::unchanged(current.clone())
                }
            };
            record = Some(done.record);
            edits.extend(done.edits);
        }
        let record = match record {
            Some(r) => r,
            None => d.appointments.get(appointment_id).cloned().ok_or_else(|| {
                koers_core::KoersError::not_found(format!("afspraak {appointment_id}"))
            })?,
        };
        Ok(ops::Done { edits, record })
    })
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewAction {
    pub title: String,
    #[serde(default)]
    pub due: Option<LocalDate>,
    /// Who is to do it; the employee unless said otherwise.
    #[serde(default)]
    pub owner: Option<Actor>,
    #[serde(default)]
    pub appointment_id: Option<String>,
}

pub fn add_action(
    state: &AppState,
    coach_id: &str,
    employee_id: &str,
    ip: &str,
    input: &NewAction,
) -> Result<Action> {
    let new = ops::NewAction {
        title: input.title.clone(),
        due: input.due,
        owner: input.owner,
        appointment_id: input.appointment_id.clone(),
    };
    apply_op(state, coach_id, employee_id, ip, |d, by, now| {
        ops::add_action(d, by, new, now)
    })
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewComment {
    #[serde(default)]
    pub application_id: Option<String>,
    pub text: String,
}

pub fn add_comment(
    state: &AppState,
    coach_id: &str,
    employee_id: &str,
    ip: &str,
    input: &NewComment,
) -> Result<Comment> {
    let author_name = state
        .storage
        .coach_by_id(coach_id)?
        .map(|c| c.name)
        .unwrap_or_default();
    let new = ops::NewComment {
        application_id: input.application_id.clone(),
        text: input.text.clone(),
        author_name,
    };
    apply_op(state, coach_id, employee_id, ip, |d, by, now| {
        ops::comment(d, by, new, now)
    })
}

pub fn set_weekly_target(
    state: &AppState,
    coach_id: &str,
    employee_id: &str,
    ip: &str,
    target: u32,
) -> Result<()> {
    edit_trajectory(
        state,
        coach_id,
        employee_id,
        ip,
        ops::TrajectoryPatch {
            weekly_target: Some(target),
            ..Default::default()
        },
    )
    .map(drop)
}

pub fn set_phase(
    state: &AppState,
    coach_id: &str,
    employee_id: &str,
    ip: &str,
    phase: Phase,
) -> Result<()> {
    edit_trajectory(
        state,
        coach_id,
        employee_id,
        ip,
        ops::TrajectoryPatch {
            phase: Some(phase),
            ..Default::default()
        },
    )
    .map(drop)
}

/// Changes the trajectory's master data as the coach.
pub fn edit_trajectory(
    state: &AppState,
    coach_id: &str,
    employee_id: &str,
    ip: &str,
    patch: ops::TrajectoryPatch,
) -> Result<Trajectory> {
    apply_op(state, coach_id, employee_id, ip, |d, by, now| {
        ops::edit_trajectory(d, by, patch, now)
    })
}

/// A change of an action: its title, its due date (`null` clears it), done or not.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ActionChange {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub due: Option<Option<LocalDate>>,
    #[serde(default)]
    pub done: Option<bool>,
}

/// A field that is present (possibly `null`) is `Some`, an absent one `None`.
fn present<'de, D, T>(d: D) -> std::result::Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// Edits and/or ticks off (or on again) an action, as one change.
pub fn change_action(
    state: &AppState,
    coach_id: &str,
    employee_id: &str,
    ip: &str,
    action_id: &str,
    change: &ActionChange,
) -> Result<Action> {
    let patch = ops::ActionPatch {
        title: change.title.clone(),
        due: change.due,
    };
    let done = change.done;
    apply_op(state, coach_id, employee_id, ip, |d, by, now| {
        let edited = ops::edit_action(d, by, action_id, patch)?;
        let Some(done) = done else {
            return Ok(edited);
        };
        let mut doc = d.clone();
        for e in &edited.edits {
            e.clone().apply_to_state(&mut doc);
        }
        let ticked = ops::set_action_done(&doc, by, action_id, done, now)?;
        let mut edits = edited.edits;
        edits.extend(ticked.edits);
        Ok(ops::Done {
            edits,
            record: ticked.record,
        })
    })
}

pub fn delete_action(
    state: &AppState,
    coach_id: &str,
    employee_id: &str,
    ip: &str,
    action_id: &str,
) -> Result<()> {
    apply_op(state, coach_id, employee_id, ip, |d, by, _| {
        ops::delete_action(d, by, action_id)
    })
}

/// The trajectory's master data as the coach changes it; absent fields stay, `null` clears
/// an optional date.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TrajectoryChange {
    #[serde(default)]
    pub kind: Option<TrajectoryKind>,
    #[serde(default, deserialize_with = "present")]
    pub first_sick_day: Option<Option<LocalDate>>,
    #[serde(default, deserialize_with = "present")]
    pub contract_end: Option<Option<LocalDate>>,
    #[serde(default, deserialize_with = "present")]
    pub start_date: Option<Option<LocalDate>>,
    #[serde(default)]
    pub goals: Option<Vec<String>>,
    #[serde(default)]
    pub employer: Option<String>,
    #[serde(default)]
    pub employer_contact: Option<String>,
    #[serde(default)]
    pub bureau: Option<String>,
    #[serde(default)]
    pub phase: Option<Phase>,
    #[serde(default)]
    pub weekly_target: Option<u32>,
    #[serde(default, deserialize_with = "present")]
    pub budget_end: Option<Option<LocalDate>>,
}

impl From<&TrajectoryChange> for ops::TrajectoryPatch {
    fn from(c: &TrajectoryChange) -> Self {
        ops::TrajectoryPatch {
            kind: c.kind,
            first_sick_day: c.first_sick_day,
            contract_end: c.contract_end,
            start_date: c.start_date,
            goals: c.goals.clone(),
            employer: c.employer.clone(),
            employer_contact: c.employer_contact.clone(),
            bureau: c.bureau.clone(),
            phase: c.phase,
            weekly_target: c.weekly_target,
            budget_end: c.budget_end,
            ..Default::default()
        }
    }
}

/// Closes (archives) the trajectory with the reason; the dossier is read-only from then on.
pub fn close_trajectory(
    state: &AppState,
    coach_id: &str,
    employee_id: &str,
    ip: &str,
    reason: &str,
) -> Result<Trajectory> {
    apply_op(state, coach_id, employee_id, ip, |d, by, now| {
        ops::close_trajectory(d, by, reason, now)
    })
}

/// Revokes one of the employee's devices (a lost phone) as their coach: it cannot sync from
/// then on. Audited by `devices::revoke_device_of`. The devices as they are afterwards.
pub fn revoke_device(
    state: &AppState,
    coach_id: &str,
    employee_id: &str,
    ip: &str,
    device_id: &str,
) -> Result<Vec<koers_protocol::DeviceInfo>> {
    own_employee(state, coach_id, employee_id, ip)?;
    crate::devices::revoke_device_of(
        state,
        employee_id,
        device_id,
        &format!("coach:{coach_id}"),
        ip,
    )?;
    Ok(crate::devices::device_list(state, employee_id, None)?.devices)
}

/// Who has the dossier after a hand-over.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HandedOver {
    pub employee_id: String,
    pub coach_id: String,
    pub coach_name: String,
}

/// Hands the employee over to another coach of this bureau, named by their e-mail address:
/// the trajectory's `coach` in the shared document is changed through the core's ops (so a
/// closed dossier stays as it is), then the caseload; from then on only the new coach has
/// access. Audited.
pub fn hand_over(
    state: &AppState,
    coach_id: &str,
    employee_id: &str,
    ip: &str,
    to_email: &str,
) -> Result<HandedOver> {
    own_employee(state, coach_id, employee_id, ip)?;
    let account = to_email.trim().to_lowercase();
    let Some(to) = state.storage.coach_by_email(&account)? else {
        return Err(BureauError::refused(
            ErrorCode::Malformed,
            "Er is bij dit bureau geen coach met dit e-mailadres.",
        ));
    };
    if to.id == coach_id {
        return Err(BureauError::refused(
            ErrorCode::Malformed,
            "Dit dossier staat al op jouw caseload; kies een andere coach.",
        ));
    }
    let patch = ops::TrajectoryPatch {
        coach: Some(to.name.clone()),
        ..Default::default()
    };
    apply_op(state, coach_id, employee_id, ip, |d, by, now| {
        ops::edit_trajectory(d, by, patch, now)
    })?;
    if !state.storage.change_coach(employee_id, coach_id, &to.id)? {
        return Err(BureauError::Conflict {
            message: "Dit dossier is intussen al aan een andere coach overgedragen.".into(),
        });
    }
    state.audit(
        "employee_handed_over",
        Some(&format!("coach:{coach_id}")),
        ip,
        &format!("{employee_id}: naar coach:{}", to.id),
    );
    Ok(HandedOver {
        employee_id: employee_id.to_string(),
        coach_id: to.id,
        coach_name: to.name,
    })
}

// ---- HTTP ----

#[derive(Serialize)]
struct JsonError {
    code: ErrorCode,
    message: String,
}

/// A JSON request body. A body that is not JSON, or not of the expected shape, is refused
/// like every other bad input of this API (`{code: "malformed", message}`, 400, Dutch
/// framing around the parser's detail) instead of axum's plain-text rejection.
struct Body<T>(T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> axum::extract::FromRequest<S> for Body<T> {
    type Rejection = Response;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Response> {
        match <Json<T> as axum::extract::FromRequest<S>>::from_request(req, state).await {
            Ok(Json(body)) => Ok(Body(body)),
            Err(rejection) => Err(json_result::<()>(
                Err(BureauError::refused(
                    ErrorCode::Malformed,
                    format!("Onleesbaar verzoek: {}", rejection.body_text()),
                )),
                StatusCode::OK,
            )),
        }
    }
}

fn json_result<T: Serialize>(r: Result<T>, ok: StatusCode) -> Response {
    match r {
        Ok(v) => (ok, Json(v)).into_response(),
        Err(e) => {
            let (status, code, message) = e.status_and_body();
            (status, Json(JsonError { code, message })).into_response()
        }
    }
}

fn coach_of(state: &AppState, headers: &HeaderMap, ip: &str) -> Result<String> {
    match auth::authenticate(state.storage.as_ref(), auth::bearer(headers), now_ms()) {
        Ok(Principal::Coach { coach_id }) => Ok(coach_id),
        Ok(other) => {
            state.refuse(
                "forbidden",
                Some(&other.peer_id()),
                ip,
                "coach-API met apparaatsleutel",
            );
            Err(BureauError::refused(
                ErrorCode::Forbidden,
                "Alleen voor coaches.",
            ))
        }
        Err(e) => {
            state.refuse("unauthorized", None, ip, "coach-API zonder geldige sessie");
            Err(e)
        }
    }
}

/// Runs `f` for the logged-in coach off the async threads and answers in JSON.
async fn as_coach<T: Serialize + Send + 'static>(
    state: AppState,
    client: ClientAddr,
    headers: HeaderMap,
    ok: StatusCode,
    f: impl FnOnce(&AppState, &str, &str) -> Result<T> + Send + 'static,
) -> Response {
    let ip = client.to_string();
    let r = blocking(move || {
        let coach = coach_of(&state, &headers, &ip)?;
        f(&state, &coach, &ip)
    })
    .await;
    json_result(r, ok)
}

#[derive(Deserialize)]
struct LoginBody {
    email: String,
    password: String,
}

async fn login(
    State(state): State<AppState>,
    client: ClientAddr,
    Body(body): Body<LoginBody>,
) -> Response {
    let ip = client.to_string();
    json_result(
        blocking(move || log_in(&state, &body.email, &body.password, &ip)).await,
        StatusCode::OK,
    )
}

/// Ends the session of the bearer token (204); the token is refused from then on.
async fn logout(State(state): State<AppState>, client: ClientAddr, headers: HeaderMap) -> Response {
    let ip = client.to_string();
    let result = blocking(move || {
        let coach = coach_of(&state, &headers, &ip)?;
        if let Some(token) = auth::bearer(&headers) {
            state.storage.delete_session(&auth::token_hash(token))?;
        }
        state.audit(
            "coach_logout",
            Some(&format!("coach:{coach}")),
            &ip,
            "coach-API",
        );
        Ok(())
    })
    .await;
    match result {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => json_result::<()>(Err(e), StatusCode::NO_CONTENT),
    }
}

#[derive(Deserialize)]
struct CaseloadQuery {
    /// Include closed (archived) trajectories.
    #[serde(default)]
    archived: bool,
}

async fn caseload_endpoint(
    State(state): State<AppState>,
    client: ClientAddr,
    Query(q): Query<CaseloadQuery>,
    headers: HeaderMap,
) -> Response {
    as_coach(state, client, headers, StatusCode::OK, move |s, c, _| {
        if q.archived {
            caseload_with_closed(s, c)
        } else {
            caseload(s, c)
        }
    })
    .await
}

async fn create_employee_endpoint(
    State(state): State<AppState>,
    client: ClientAddr,
    headers: HeaderMap,
    Body(body): Body<NewEmployee>,
) -> Response {
    as_coach(
        state,
        client,
        headers,
        StatusCode::CREATED,
        move |s, c, _| create_employee(s, c, &body),
    )
    .await
}

async fn dossier_endpoint(
    State(state): State<AppState>,
    client: ClientAddr,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    as_coach(state, client, headers, StatusCode::OK, move |s, c, ip| {
        dossier(s, c, &id, ip)
    })
    .await
}

async fn new_code_endpoint(
    State(state): State<AppState>,
    client: ClientAddr,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    as_coach(
        state,
        client,
        headers,
        StatusCode::CREATED,
        move |s, c, ip| new_code(s, c, &id, ip),
    )
    .await
}

async fn revoke_endpoint(
    State(state): State<AppState>,
    client: ClientAddr,
    Path((id, device)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    as_coach(state, client, headers, StatusCode::OK, move |s, c, ip| {
        revoke_device(s, c, &id, ip, &device)
    })
    .await
}

async fn schedule_endpoint(
    State(state): State<AppState>,
    client: ClientAddr,
    Path(id): Path<String>,
    headers: HeaderMap,
    Body(body): Body<NewAppointment>,
) -> Response {
    as_coach(
        state,
        client,
        headers,
        StatusCode::CREATED,
        move |s, c, ip| schedule_appointment(s, c, &id, ip, &body),
    )
    .await
}

async fn change_appointment_endpoint(
    State(state): State<AppState>,
    client: ClientAddr,
    Path((id, appointment)): Path<(String, String)>,
    headers: HeaderMap,
    Body(body): Body<AppointmentChange>,
) -> Response {
    as_coach(state, client, headers, StatusCode::OK, move |s, c, ip| {
        change_appointment(s, c, &id, ip, &appointment, &body)
    })
    .await
}

async fn action_endpoint(
    State(state): State<AppState>,
    client: ClientAddr,
    Path(id): Path<String>,
    headers: HeaderMap,
    Body(body): Body<NewAction>,
) -> Response {
    as_coach(
        state,
        client,
        headers,
        StatusCode::CREATED,
        move |s, c, ip| add_action(s, c, &id, ip, &body),
    )
    .await
}

async fn comment_endpoint(
    State(state): State<AppState>,
    client: ClientAddr,
    Path(id): Path<String>,
    headers: HeaderMap,
    Body(body): Body<NewComment>,
) -> Response {
    as_coach(
        state,
        client,
        headers,
        StatusCode::CREATED,
        move |s, c, ip| add_comment(s, c, &id, ip, &body),
    )
    .await
}

#[derive(Deserialize)]
struct WeeklyTargetBody {
    weekly_target: u32,
}

async fn weekly_target_endpoint(
    State(state): State<AppState>,
    client: ClientAddr,
    Path(id): Path<String>,
    headers: HeaderMap,
    Body(body): Body<WeeklyTargetBody>,
) -> Response {
    as_coach(state, client, headers, StatusCode::OK, move |s, c, ip| {
        set_weekly_target(s, c, &id, ip, body.weekly_target)
    })
    .await
}

#[derive(Deserialize)]
struct PhaseBody {
    phase: Phase,
}

async fn phase_endpoint(
    State(state): State<AppState>,
    client: ClientAddr,
    Path(id): Path<String>,
    headers: HeaderMap,
    Body(body): Body<PhaseBody>,
) -> Response {
    as_coach(state, client, headers, StatusCode::OK, move |s, c, ip| {
        set_phase(s, c, &id, ip, body.phase)
    })
    .await
}

async fn change_action_endpoint(
    State(state): State<AppState>,
    client: ClientAddr,
    Path((id, action)): Path<(String, String)>,
    headers: HeaderMap,
    Body(body): Body<ActionChange>,
) -> Response {
    as_coach(state, client, headers, StatusCode::OK, move |s, c, ip| {
        change_action(s, c, &id, ip, &action, &body)
    })
    .await
}

async fn delete_action_endpoint(
    State(state): State<AppState>,
    client: ClientAddr,
    Path((id, action)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    as_coach(state, client, headers, StatusCode::OK, move |s, c, ip| {
        delete_action(s, c, &id, ip, &action)
    })
    .await
}

async fn trajectory_endpoint(
    State(state): State<AppState>,
    client: ClientAddr,
    Path(id): Path<String>,
    headers: HeaderMap,
    Body(body): Body<TrajectoryChange>,
) -> Response {
    as_coach(state, client, headers, StatusCode::OK, move |s, c, ip| {
        edit_trajectory(s, c, &id, ip, (&body).into())
    })
    .await
}

#[derive(Deserialize)]
struct CloseBody {
    reason: String,
}

async fn close_endpoint(
    State(state): State<AppState>,
    client: ClientAddr,
    Path(id): Path<String>,
    headers: HeaderMap,
    Body(body): Body<CloseBody>,
) -> Response {
    as_coach(state, client, headers, StatusCode::OK, move |s, c, ip| {
        close_trajectory(s, c, &id, ip, &body.reason)
    })
    .await
}

#[derive(Deserialize)]
struct HandOverBody {
    /// The e-mail address the new coach logs in with.
    to: String,
}

async fn hand_over_endpoint(
    State(state): State<AppState>,
    client: ClientAddr,
    Path(id): Path<String>,
    headers: HeaderMap,
    Body(body): Body<HandOverBody>,
) -> Response {
    as_coach(state, client, headers, StatusCode::OK, move |s, c, ip| {
        hand_over(s, c, &id, ip, &body.to)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_taken_code_is_drawn_again_until_one_is_stored() {
        let key = auth::CodeKey::from_bytes([5; 32]);
        let mut offered = Vec::new();
        let (code, stored) = store_fresh_code(&key, "e1", |code, now| {
            assert!(code.expires_at > now && !code.used && code.employee_id == "e1");
            offered.push(code.lookup.clone());
            Ok(offered.len() == 3)
        })
        .unwrap();
        assert_eq!(offered.len(), 3);
        assert_eq!(stored.lookup, offered[2]);
        assert_eq!(code.lookup, stored.lookup);
        assert_eq!(code.hash, stored.code_hash);
        let mut tries = 0;
        let err = store_fresh_code(&key, "e1", |_, _| {
            tries += 1;
            Ok(false)
        })
        .unwrap_err();
        assert_eq!(tries, CODE_DRAWS);
        assert!(err.to_string().contains("no free enrolment code"), "{err}");
    }
}
