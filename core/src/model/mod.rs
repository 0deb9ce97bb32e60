//! The employee's shared dossier as plain structs, mapped to the Automerge document with
//! autosurgeon. What is here syncs with the bureau; the private journal does not.

mod enums;
#[cfg(any(test, feature = "fixtures"))]
pub mod fixtures;
mod schedule;
mod time;

use std::collections::BTreeMap;

use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};

pub use enums::{
    Actor, ApplicationStatus, AppointmentKind, AppointmentStatus, Phase, Source, TrajectoryKind,
    UnknownWord,
};
pub use schedule::{PhaseChange, TargetChange, GENESIS_SCHEMA};
pub use time::{LocalDate, Timestamp};

/// The version of the document's shape. A peer refuses a document of a newer shape.
///
/// 1: the genesis shape. 2: the trajectory keeps dated target and phase changes
/// (`target_history`, `phase_history`), the employer and their contact, and whether and why
/// it was closed (`closed_on`, `closed_reason`); a peer raises a schema-1 document to 2 with its
/// next write (`crate::ops`), and reads one as if it had been raised.
pub const DOCUMENT_SCHEMA: u64 = 2;

/// The root of the shared Automerge document: one per employee.
///
/// Collections are maps keyed by id, so concurrent inserts on two devices never collide.
#[derive(Debug, Clone, PartialEq, Default, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct DossierDocument {
    pub schema: u64,
    pub trajectory: Trajectory,
    pub applications: BTreeMap<String, Application>,
    pub appointments: BTreeMap<String, Appointment>,
    pub actions: BTreeMap<String, Action>,
    pub comments: BTreeMap<String, Comment>,
}

/// The re-integration or outplacement trajectory the employee follows.
///
/// Every field tolerates absence: the trajectory map exists from the document's first change
/// on, so that the coach and the phone fill in its fields without replacing each other's.
/// Read from the document it is settled (`Trajectory::settle`).
#[derive(Debug, Clone, PartialEq, Default, Reconcile, Serialize, Deserialize, uniffi::Record)]
pub struct Trajectory {
    pub kind: Option<TrajectoryKind>,
    /// Spoor 2: the first day of sickness, from which the Poortwachter weeks count.
    pub first_sick_day: Option<LocalDate>,
    /// Outplacement: the last day of the employment contract.
    pub contract_end: Option<LocalDate>,
    pub start_date: Option<LocalDate>,
    pub bureau: String,
    pub coach: String,
    /// The current phase (the newest of `phase_history`).
    pub phase: Option<Phase>,
    /// The goals of the plan van aanpak, in the order the coach wrote them.
    pub goals: Vec<String>,
    /// Applications per week agreed with the coach as of now; 0 means none agreed yet.
    /// Past weeks are judged by `target_history`.
    pub weekly_target: u32,
    /// Outplacement budget in euro cents, where there is one (often in the VSO).
    pub budget_cents: Option<i64>,
    /// The last day on which the outplacement budget may be spent.
    pub budget_end: Option<LocalDate>,
    /// Every change of the weekly target with the day from which it applies, oldest first.
    #[serde(default)]
    pub target_history: Vec<TargetChange>,
    /// Every change of phase with the day it began, oldest first.
    #[serde(default)]
    pub phase_history: Vec<PhaseChange>,
    /// The employer who hired the bureau (the voortgangsrapportage goes to them).
    #[serde(default)]
    pub employer: String,
    /// The contact person at the employer (name, phone or e-mail), as the coach wrote it.
    #[serde(default)]
    pub employer_contact: String,
    /// The day the coach closed (archived) the trajectory; the dossier is read-only since.
    #[serde(default)]
    pub closed_on: Option<LocalDate>,
    /// Why it was closed (e.g. "geplaatst bij Acme", "einde budget").
    #[serde(default)]
    pub closed_reason: String,
}

/// The stored shape of the trajectory, hydrated as is and then settled.
#[derive(Hydrate)]
struct StoredTrajectory {
    #[autosurgeon(missing = "Default::default")]
    kind: Option<TrajectoryKind>,
    #[autosurgeon(missing = "Default::default")]
    first_sick_day: Option<LocalDate>,
    #[autosurgeon(missing = "Default::default")]
    contract_end: Option<LocalDate>,
    #[autosurgeon(missing = "Default::default")]
    start_date: Option<LocalDate>,
    #[autosurgeon(missing = "Default::default")]
    bureau: String,
    #[autosurgeon(missing = "Default::default")]
    coach: String,
    #[autosurgeon(missing = "Default::default")]
    phase: Option<Phase>,
    #[autosurgeon(missing = "Default::default")]
    goals: Vec<String>,
    #[autosurgeon(missing = "Default::default")]
    weekly_target: u32,
    #[autosurgeon(missing = "Default::default")]
    budget_cents: Option<i64>,
    #[autosurgeon(missing = "Default::default")]
    budget_end: Option<LocalDate>,
    #[autosurgeon(missing = "Default::default")]
    target_history: Vec<TargetChange>,
    #[autosurgeon(missing = "Default::default")]
    phase_history: Vec<PhaseChange>,
    #[autosurgeon(missing = "Default::default")]
    employer: String,
    #[autosurgeon(missing = "Default::default")]
    employer_contact: String,
    #[autosurgeon(missing = "Default::default")]
    closed_on: Option<LocalDate>,
    #[autosurgeon(missing = "Default::default")]
    closed_reason: String,
}

impl Hydrate for Trajectory {
    fn hydrate_map<D: autosurgeon::ReadDoc>(
        doc: &D,
        obj: &automerge::ObjId,
    ) -> Result<Self, autosurgeon::HydrateError> {
        let s = StoredTrajectory::hydrate_map(doc, obj)?;
        let mut t = Trajectory {
            kind: s.kind,
            first_sick_day: s.first_sick_day,
            contract_end: s.contract_end,
            start_date: s.start_date,
            bureau: s.bureau,
            coach: s.coach,
            phase: s.phase,
            goals: s.goals,
            weekly_target: s.weekly_target,
            budget_cents: s.budget_cents,
            budget_end: s.budget_end,
            target_history: s.target_history,
            phase_history: s.phase_history,
            employer: s.employer,
            employer_contact: s.employer_contact,
            closed_on: s.closed_on,
            closed_reason: s.closed_reason,
        };
        t.settle();
        Ok(t)
    }
}

/// One job application (sollicitatie).
///
/// Read from the document, its status is the newest entry of its history (`settle`), so
/// that concurrent status changes on two devices end the same way everywhere.
#[derive(Debug, Clone, PartialEq, Reconcile, Serialize, Deserialize, uniffi::Record)]
pub struct Application {
    // The key lets a new record be created in one batch, and matches records by id.
    #[key]
    pub id: String,
    pub employer: String,
    pub role: String,
    #[autosurgeon(missing = "Default::default")]
    pub source: Option<Source>,
    #[autosurgeon(missing = "Default::default")]
    pub vacancy_url: Option<String>,
    #[autosurgeon(missing = "Default::default")]
    pub location: Option<String>,
    /// The day the employee applied (or logged their interest).
    pub date: LocalDate,
    #[autosurgeon(missing = "Default::default")]
    pub contact: Option<String>,
    /// As the vacancy or the employer put it, e.g. "€ 3.200 – € 3.900 per maand".
    #[autosurgeon(missing = "Default::default")]
    pub salary: Option<String>,
    #[autosurgeon(missing = "Default::default")]
    pub notes: String,
    pub status: ApplicationStatus,
    /// Every status change, oldest first; the first entry is the status it was logged with.
    pub history: Vec<StatusChange>,
    #[autosurgeon(missing = "Default::default")]
    pub follow_up: Option<LocalDate>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Application {
    /// Puts the history in time order and makes the status its newest entry: the one rule
    /// by which merged histories give the current status on every device.
    pub fn settle(&mut self) {
        self.history.sort_by_key(|c| (c.at, c.status, c.by));
        if let Some(last) = self.history.last() {
            self.status = last.status;
        }
    }
}

/// The stored shape of an application, hydrated as is and then settled.
#[derive(Hydrate)]
struct StoredApplication {
    id: String,
    employer: String,
    role: String,
    #[autosurgeon(missing = "Default::default")]
    source: Option<Source>,
    #[autosurgeon(missing = "Default::default")]
    vacancy_url: Option<String>,
    #[autosurgeon(missing = "Default::default")]
    location: Option<String>,
    date: LocalDate,
    #[autosurgeon(missing = "Default::default")]
    contact: Option<String>,
    #[autosurgeon(missing = "Default::default")]
    salary: Option<String>,
    #[autosurgeon(missing = "Default::default")]
    notes: String,
    status: ApplicationStatus,
    history: Vec<StatusChange>,
    #[autosurgeon(missing = "Default::default")]
    follow_up: Option<LocalDate>,
    created_at: Timestamp,
    updated_at: Timestamp,
}

impl Hydrate for Application {
    fn hydrate_map<D: autosurgeon::ReadDoc>(
        doc: &D,
        obj: &automerge::ObjId,
    ) -> Result<Self, autosurgeon::HydrateError> {
        let s = StoredApplication::hydrate_map(doc, obj)?;
        let mut app = Application {
            id: s.id,
            employer: s.employer,
            role: s.role,
            source: s.source,
            vacancy_url: s.vacancy_url,
            location: s.location,
            date: s.date,
            contact: s.contact,
            salary: s.salary,
            notes: s.notes,
            status: s.status,
            history: s.history,
            follow_up: s.follow_up,
            created_at: s.created_at,
            updated_at: s.updated_at,
        };
        app.settle();
        Ok(app)
    }
}

/// A dated change of an application's status, and who made it.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate, Serialize, Deserialize, uniffi::Record)]
pub struct StatusChange {
    pub status: ApplicationStatus,
    pub at: Timestamp,
    pub by: Actor,
}

/// A meeting with the coach (or the arbeidsdeskundige).
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate, Serialize, Deserialize, uniffi::Record)]
pub struct Appointment {
    // The key lets a new record be created in one batch, and matches records by id.
    #[key]
    pub id: String,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub kind: AppointmentKind,
    /// An address, a room, or a video link.
    #[autosurgeon(missing = "Default::default")]
    pub location: String,
    #[autosurgeon(missing = "Default::default")]
    pub agenda: String,
    pub status: AppointmentStatus,
    pub proposed_by: Actor,
    #[autosurgeon(missing = "Default::default")]
    pub notes: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Something agreed to do, often in an appointment.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate, Serialize, Deserialize, uniffi::Record)]
pub struct Action {
    // The key lets a new record be created in one batch, and matches records by id.
    #[key]
    pub id: String,
    #[autosurgeon(missing = "Default::default")]
    pub appointment_id: Option<String>,
    pub title: String,
    #[autosurgeon(missing = "Default::default")]
    pub due: Option<LocalDate>,
    pub owner: Actor,
    pub done: bool,
    #[autosurgeon(missing = "Default::default")]
    pub done_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

/// A remark in the shared dossier, usually the coach's on one application.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate, Serialize, Deserialize, uniffi::Record)]
pub struct Comment {
    // The key lets a new record be created in one batch, and matches records by id.
    #[key]
    pub id: String,
    #[autosurgeon(missing = "Default::default")]
    pub application_id: Option<String>,
    pub author: Actor,
    #[autosurgeon(missing = "Default::default")]
    pub author_name: String,
    pub text: String,
    pub at: Timestamp,
}

/// A private journal entry. Never part of the shared document: health and wellbeing stay
/// on the phone (AVG, see DOMAIN.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, uniffi::Record)]
pub struct JournalEntry {
    pub id: String,
    pub date: LocalDate,
    pub text: String,
    /// Energy / wellbeing from 1 (very low) to 5 (very good).
    pub energy: u8,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A new, random, time-ordered id for a record in the dossier.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}

/// What the genesis change writes: the empty dossier in the shape of schema 1, frozen here
/// field for field (in this order) so the change stays byte for byte the same whatever
/// later schemas add.
#[derive(Reconcile)]
struct GenesisSkeleton {
    schema: u64,
    trajectory: GenesisTrajectory,
    applications: BTreeMap<String, String>,
    appointments: BTreeMap<String, String>,
    actions: BTreeMap<String, String>,
    comments: BTreeMap<String, String>,
}

impl Default for GenesisSkeleton {
    fn default() -> Self {
        Self {
            schema: GENESIS_SCHEMA,
            trajectory: GenesisTrajectory::default(),
            applications: BTreeMap::new(),
            appointments: BTreeMap::new(),
            actions: BTreeMap::new(),
            comments: BTreeMap::new(),
        }
    }
}

#[derive(Reconcile, Default)]
struct GenesisTrajectory {
    kind: Option<TrajectoryKind>,
    first_sick_day: Option<LocalDate>,
    contract_end: Option<LocalDate>,
    start_date: Option<LocalDate>,
    bureau: String,
    coach: String,
    phase: Option<Phase>,
    goals: Vec<String>,
    weekly_target: u32,
    budget_cents: Option<i64>,
    budget_end: Option<LocalDate>,
}

/// The actor of the genesis change, the same on every peer.
const GENESIS_ACTOR: &[u8] = b"koers-genesis-v1";

/// A new document holding only the empty dossier skeleton, byte-for-byte the same change on
/// every peer (fixed actor, fixed time). Because the phone and the bureau both start from it,
/// their root maps are one and the same object and later edits merge field by field instead
/// of one side's `applications` map replacing the other's.
pub fn genesis_document() -> Result<automerge::Automerge, crate::KoersError> {
    let mut doc =
        automerge::Automerge::new().with_actor(automerge::ActorId::from(GENESIS_ACTOR.to_vec()));
    let mut tx = doc.transaction();
    autosurgeon::reconcile(&mut tx, GenesisSkeleton::default())?;
    tx.commit_with(
        automerge::transaction::CommitOptions::default()
            .with_message("genesis")
            .with_time(0),
    );
    Ok(doc)
}

#[cfg(test)]
mod genesis_tests {
    use super::*;

    const GENESIS_HASH: &str = "a3a2e14cfe18ef45e0ffe5c2cc4bfc60b179c03f71924bbb46bc0b64fb4c3697";

    #[test]
    fn genesis_is_the_same_change_as_schema_1_wrote() {
        // The hash of the genesis change since the first release: never changes.
        let heads = genesis_document().unwrap().get_heads();
        assert_eq!(heads[0].to_string(), GENESIS_HASH);
    }

    #[test]
    fn genesis_is_identical_everywhere() {
        let a = genesis_document().unwrap();
        let b = genesis_document().unwrap();
        assert_eq!(a.get_heads(), b.get_heads());
        let hydrated: DossierDocument = autosurgeon::hydrate(&a).unwrap();
        assert_eq!(hydrated.schema, GENESIS_SCHEMA);
        assert!(hydrated.applications.is_empty());
    }

    #[test]
    fn two_peers_from_genesis_merge_their_applications() {
        let mut phone = genesis_document()
            .unwrap()
            .with_actor(automerge::ActorId::random());
        let mut bureau = genesis_document()
            .unwrap()
            .with_actor(automerge::ActorId::random());
        let day = LocalDate::from_ymd(2026, 11, 23).unwrap();
        let app = |id: &str| fixtures::application(id, day, ApplicationStatus::Applied);
        for (doc, id) in [(&mut phone, "a"), (&mut bureau, "b")] {
            let mut d: DossierDocument = autosurgeon::hydrate(doc).unwrap();
            d.applications.insert(id.into(), app(id));
            let mut tx = doc.transaction();
            autosurgeon::reconcile(&mut tx, &d).unwrap();
            tx.commit();
        }
        phone.merge(&mut bureau).unwrap();
        let merged: DossierDocument = autosurgeon::hydrate(&phone).unwrap();
        assert_eq!(merged.applications.len(), 2);
    }
}
