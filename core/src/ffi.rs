//! The object the phone shells hold (`Koers`), exported with uniffi. It only converts types
//! and errors: each method is one delegation to the `Dossier` or to `session::Session` (which
//! holds the dossier, the secret store and the observers, and keeps the network outside the
//! dossier's lock); every rule lives in the pure Rust API.

use std::sync::Arc;

use crate::dossier::{
    ApplicationPatch, AppointmentPatch, Dossier, EnrichReport, EnrolmentInfo, ExportFormat,
    ExportOptions, LinkedDevice, NewAction, NewApplication, NewAppointment, SyncOutcome,
    SyncStatus, TrajectoryPatch,
};
use crate::error::{KoersError, Result};
use crate::input;
use crate::milestones::Milestone;
use crate::model::{
    Action, Actor, Application, ApplicationStatus, Appointment, AppointmentKind, Comment,
    JournalEntry, LocalDate, Phase, Source, Timestamp, Trajectory, TrajectoryKind,
};
use crate::overview::{Reminder, TodayOverview};
use crate::progress::WeeklyProgress;
use crate::query::ApplicationQuery;
use crate::reminder_ledger::ReminderPlan;
use crate::session::{DatabaseSecrets, Session};

pub use crate::session::{DossierObserver, SecretStore, SecretStoreError};

/// A new application as a form gives it. Only employer and role are required.
#[derive(Debug, Clone, Default, uniffi::Record)]
pub struct ApplicationInput {
    pub employer: String,
    pub role: String,
    #[uniffi(default = None)]
    pub source: Option<Source>,
    #[uniffi(default = None)]
    pub vacancy_url: Option<String>,
    #[uniffi(default = None)]
    pub location: Option<String>,
    /// YYYY-MM-DD; today when absent.
    #[uniffi(default = None)]
    pub date: Option<String>,
    #[uniffi(default = None)]
    pub contact: Option<String>,
    #[uniffi(default = None)]
    pub salary: Option<String>,
    #[uniffi(default = None)]
    pub notes: Option<String>,
    #[uniffi(default = None)]
    pub status: Option<ApplicationStatus>,
    /// YYYY-MM-DD.
    #[uniffi(default = None)]
    pub follow_up: Option<String>,
}

/// Changes to an application. Absent fields stay as they are; an empty text clears an
/// optional field.
#[derive(Debug, Clone, Default, uniffi::Record)]
pub struct ApplicationUpdate {
    #[uniffi(default = None)]
    pub employer: Option<String>,
    #[uniffi(default = None)]
    pub role: Option<String>,
    #[uniffi(default = None)]
    pub source: Option<Source>,
    #[uniffi(default = false)]
    pub clear_source: bool,
    #[uniffi(default = None)]
    pub vacancy_url: Option<String>,
    #[uniffi(default = None)]
    pub location: Option<String>,
    #[uniffi(default = None)]
    pub date: Option<String>,
    #[uniffi(default = None)]
    pub contact: Option<String>,
    #[uniffi(default = None)]
    pub salary: Option<String>,
    #[uniffi(default = None)]
    pub notes: Option<String>,
    #[uniffi(default = None)]
    pub follow_up: Option<String>,
}

/// Which applications to list. Empty fields do not filter.
#[derive(Debug, Clone, Default, uniffi::Record)]
pub struct ApplicationFilter {
    #[uniffi(default = [])]
    pub statuses: Vec<ApplicationStatus>,
    #[uniffi(default = None)]
    pub text: Option<String>,
    /// YYYY-MM-DD, inclusive.
    #[uniffi(default = None)]
    pub from: Option<String>,
    /// YYYY-MM-DD, inclusive.
    #[uniffi(default = None)]
    pub to: Option<String>,
    /// Only open applications whose follow-up date has come.
    #[uniffi(default = false)]
    pub needs_follow_up: bool,
}

/// A new appointment. Times as YYYY-MM-DDTHH:MM (Dutch time) or RFC 3339.
#[derive(Debug, Clone, uniffi::Record)]
pub struct AppointmentInput {
    pub starts_at: String,
    pub ends_at: String,
    pub kind: AppointmentKind,
    #[uniffi(default = "")]
    pub location: String,
    #[uniffi(default = "")]
    pub agenda: String,
    #[uniffi(default = "")]
    pub notes: String,
}

#[derive(Debug, Clone, Default, uniffi::Record)]
pub struct AppointmentUpdate {
    #[uniffi(default = None)]
    pub starts_at: Option<String>,
    #[uniffi(default = None)]
    pub ends_at: Option<String>,
    #[uniffi(default = None)]
    pub kind: Option<AppointmentKind>,
    #[uniffi(default = None)]
    pub location: Option<String>,
    #[uniffi(default = None)]
    pub agenda: Option<String>,
    #[uniffi(default = None)]
    pub notes: Option<String>,
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct ActionInput {
    pub title: String,
    /// YYYY-MM-DD.
    #[uniffi(default = None)]
    pub due: Option<String>,
    #[uniffi(default = None)]
    pub owner: Option<Actor>,
    #[uniffi(default = None)]
    pub appointment_id: Option<String>,
}

/// Changes to the trajectory. Absent fields stay; an empty date text clears the date.
#[derive(Debug, Clone, Default, uniffi::Record)]
pub struct TrajectoryUpdate {
    #[uniffi(default = None)]
    pub kind: Option<TrajectoryKind>,
    #[uniffi(default = None)]
    pub first_sick_day: Option<String>,
    #[uniffi(default = None)]
    pub contract_end: Option<String>,
    #[uniffi(default = None)]
    pub start_date: Option<String>,
    #[uniffi(default = None)]
    pub bureau: Option<String>,
    #[uniffi(default = None)]
    pub coach: Option<String>,
    #[uniffi(default = None)]
    pub phase: Option<Phase>,
    #[uniffi(default = None)]
    pub goals: Option<Vec<String>>,
    #[uniffi(default = None)]
    pub weekly_target: Option<u32>,
    /// In euros as people write it ("5.000,00"); empty clears.
    #[uniffi(default = None)]
    pub budget: Option<String>,
    #[uniffi(default = None)]
    pub budget_end: Option<String>,
}

/// `Some("")` clears, `Some(text)` sets, `None` leaves as is.
fn patch_opt_date(
    field: &str,
    v: Option<String>,
) -> Result<Option<Option<crate::model::LocalDate>>> {
    v.map(|s| input::optional_date(field, Some(&s))).transpose()
}

fn patch_opt_text(v: Option<String>) -> Option<Option<String>> {
    v.map(|s| if s.trim().is_empty() { None } else { Some(s) })
}

impl TryFrom<ApplicationInput> for NewApplication {
    type Error = KoersError;
    fn try_from(i: ApplicationInput) -> Result<Self> {
        Ok(NewApplication {
            employer: i.employer,
            role: i.role,
            source: i.source,
            vacancy_url: i.vacancy_url,
            location: i.location,
            date: input::optional_date("date", i.date.as_deref())?,
            contact: i.contact,
            salary: i.salary,
            notes: i.notes,
            status: i.status,
            follow_up: input::optional_date("follow_up", i.follow_up.as_deref())?,
        })
    }
}

impl TryFrom<ApplicationUpdate> for ApplicationPatch {
    type Error = KoersError;
    fn try_from(u: ApplicationUpdate) -> Result<Self> {
        Ok(ApplicationPatch {
            employer: u.employer,
            role: u.role,
            source: if u.clear_source {
                Some(None)
            } else {
                u.source.map(Some)
            },
            vacancy_url: patch_opt_text(u.vacancy_url),
            location: patch_opt_text(u.location),
            date: u.date.map(|d| input::date("date", &d)).transpose()?,
            contact: patch_opt_text(u.contact),
            salary: patch_opt_text(u.salary),
            notes: u.notes,
            follow_up: patch_opt_date("follow_up", u.follow_up)?,
        })
    }
}

impl TryFrom<ApplicationFilter> for ApplicationQuery {
    type Error = KoersError;
    fn try_from(f: ApplicationFilter) -> Result<Self> {
        Ok(ApplicationQuery {
            statuses: f.statuses,
            text: f.text.filter(|t| !t.trim().is_empty()),
            from: input::optional_date("from", f.from.as_deref())?,
            to: input::optional_date("to", f.to.as_deref())?,
            follow_up_due_by: f.needs_follow_up.then(crate::model::LocalDate::today),
        })
    }
}

impl TryFrom<AppointmentInput> for NewAppointment {
    type Error = KoersError;
    fn try_from(i: AppointmentInput) -> Result<Self> {
        Ok(NewAppointment {
            starts_at: input::instant("starts_at", &i.starts_at)?,
            ends_at: input::instant("ends_at", &i.ends_at)?,
            kind: i.kind,
            location: i.location,
            agenda: i.agenda,
            notes: i.notes,
        })
    }
}

impl TryFrom<AppointmentUpdate> for AppointmentPatch {
    type Error = KoersError;
    fn try_from(u: AppointmentUpdate) -> Result<Self> {
        Ok(AppointmentPatch {
            starts_at: u
                .starts_at
                .map(|s| input::instant("starts_at", &s))
                .transpose()?,
            ends_at: u
                .ends_at
                .map(|s| input::instant("ends_at", &s))
                .transpose()?,
            kind: u.kind,
            location: u.location,
            agenda: u.agenda,
            notes: u.notes,
        })
    }
}

impl TryFrom<ActionInput> for NewAction {
    type Error = KoersError;
    fn try_from(i: ActionInput) -> Result<Self> {
        Ok(NewAction {
            title: i.title,
            due: input::optional_date("due", i.due.as_deref())?,
            owner: i.owner,
            appointment_id: i.appointment_id,
        })
    }
}

impl TryFrom<TrajectoryUpdate> for TrajectoryPatch {
    type Error = KoersError;
    fn try_from(u: TrajectoryUpdate) -> Result<Self> {
        Ok(TrajectoryPatch {
            kind: u.kind,
            first_sick_day: patch_opt_date("first_sick_day", u.first_sick_day)?,
            contract_end: patch_opt_date("contract_end", u.contract_end)?,
            start_date: patch_opt_date("start_date", u.start_date)?,
            bureau: u.bureau,
            coach: u.coach,
            phase: u.phase,
            goals: u.goals,
            weekly_target: u.weekly_target,
            budget_cents: u
                .budget
                .map(|b| {
                    if b.trim().is_empty() {
                        Ok(None)
                    } else {
                        input::euro_cents("budget", &b).map(Some)
                    }
                })
                .transpose()?,
            budget_end: patch_opt_date("budget_end", u.budget_end)?,
            ..Default::default()
        })
    }
}

fn check_path(path: &str) -> Result<()> {
    if path.trim().is_empty() {
        return Err(KoersError::invalid("path", crate::input::EMPTY));
    }
    Ok(())
}

/// The Dutch name of an input field (`KoersError::InvalidInput`'s `field`, "date"), as the
/// core's messages name it ("datum: ..."): for shells that point at the field a message is
/// about, with the core's one list of names.
#[uniffi::export]
pub fn input_field_label(field: String) -> String {
    crate::input::field_label(&field).to_string()
}

/// The employee's dossier, as the shells hold it. Safe to call from any thread; every call
/// is a conversion and one delegation to the `Session` (core/src/session.rs).
#[derive(uniffi::Object)]
pub struct Koers {
    session: Arc<Session>,
}

impl Koers {
    fn with<T>(&self, f: impl FnOnce(&mut Dossier) -> Result<T>) -> Result<T> {
        self.session.with(f)
    }

    fn read<T>(&self, f: impl FnOnce(&Dossier) -> T) -> T {
        self.session.read(f)
    }

    /// The pure Rust dossier, for Rust callers that hold a `Koers` (tests, the CLI).
    pub fn with_dossier<T>(&self, f: impl FnOnce(&mut Dossier) -> Result<T>) -> Result<T> {
        self.with(f)
    }
}

#[uniffi::export]
impl Koers {
    /// Opens the dossier stored at `path` (created on first use), keeping the device
    /// credential in the same database. Phones use `open_with_secrets`.
    #[uniffi::constructor]
    pub fn open(path: String) -> Result<Arc<Self>> {
        check_path(&path)?;
        let secrets = Arc::new(DatabaseSecrets::new(path.clone()));
        // No platform keystore: the journal key lives in a file beside the database.
        let dossier = Dossier::open(&path)?;
        Ok(Arc::new(Self {
            session: Session::start(dossier, secrets),
        }))
    }

    /// Opens the dossier stored at `path`, keeping the device credential in `secrets`
    /// (the platform's keystore).
    #[uniffi::constructor]
    pub fn open_with_secrets(path: String, secrets: Arc<dyn SecretStore>) -> Result<Arc<Self>> {
        check_path(&path)?;
        // A locked keystore (a background start before the first unlock) must not keep the
        // app from logging: only the journal waits for the key.
        let dossier = match crate::session::journal_key(secrets.as_ref()) {
            Ok(key) => Dossier::open_with_journal_key(&path, key)?,
            Err(e) => {
                tracing::warn!("the journal's key is not available: {e}");
                Dossier::open_without_journal_key(&path)?
            }
        };
        Ok(Arc::new(Self {
            session: Session::start(dossier, secrets),
        }))
    }

    /// Registers an observer; returns an id for `remove_observer`.
    pub fn add_observer(&self, observer: Arc<dyn DossierObserver>) -> u64 {
        self.session.add_observer(observer)
    }

    pub fn remove_observer(&self, id: u64) {
        self.session.remove_observer(id)
    }

    // --- applications ---

    pub fn log_application(&self, input: ApplicationInput) -> Result<Application> {
        let new = NewApplication::try_from(input)?;
        self.with(|d| d.log_application(new))
    }

    pub fn application(&self, id: String) -> Result<Application> {
        self.with(|d| d.application(&id))
    }

    pub fn edit_application(&self, id: String, update: ApplicationUpdate) -> Result<Application> {
        let patch = ApplicationPatch::try_from(update)?;
        self.with(|d| d.edit_application(&id, patch))
    }

    pub fn set_status(&self, id: String, status: ApplicationStatus) -> Result<Application> {
        self.with(|d| d.set_status(&id, status))
    }

    pub fn delete_application(&self, id: String) -> Result<()> {
        self.with(|d| d.delete_application(&id))
    }

    pub fn list_applications(&self, filter: ApplicationFilter) -> Result<Vec<Application>> {
        let query = ApplicationQuery::try_from(filter)?;
        self.with(|d| d.list_applications(&query))
    }

    pub fn comment_on_application(&self, id: String, text: String) -> Result<Comment> {
        self.with(|d| d.comment_on_application(&id, &text))
    }

    pub fn comments(&self, application_id: String) -> Vec<Comment> {
        self.read(|d| d.comments_on(&application_id))
    }

    /// The general notes (not about one application), newest first.
    pub fn general_notes(&self) -> Vec<Comment> {
        self.read(|d| d.general_notes())
    }

    // --- appointments ---

    pub fn schedule_appointment(&self, input: AppointmentInput) -> Result<Appointment> {
        let new = NewAppointment::try_from(input)?;
        self.with(|d| d.schedule_appointment(new))
    }

    pub fn appointment(&self, id: String) -> Result<Appointment> {
        self.with(|d| d.appointment(&id))
    }

    pub fn update_appointment(&self, id: String, update: AppointmentUpdate) -> Result<Appointment> {
        let patch = AppointmentPatch::try_from(update)?;
        self.with(|d| d.update_appointment(&id, patch))
    }

    pub fn confirm_appointment(&self, id: String) -> Result<Appointment> {
        self.with(|d| d.confirm_appointment(&id))
    }

    pub fn cancel_appointment(&self, id: String) -> Result<Appointment> {
        self.with(|d| d.cancel_appointment(&id))
    }

    pub fn complete_appointment(&self, id: String, notes: Option<String>) -> Result<Appointment> {
        self.with(|d| d.complete_appointment(&id, notes))
    }

    pub fn list_appointments(&self, upcoming_only: bool) -> Result<Vec<Appointment>> {
        self.with(|d| d.list_appointments(upcoming_only))
    }

    // --- actions ---

    pub fn add_action(&self, input: ActionInput) -> Result<Action> {
        let new = NewAction::try_from(input)?;
        self.with(|d| d.add_action(new))
    }

    pub fn set_action_done(&self, id: String, done: bool) -> Result<Action> {
        self.with(|d| d.set_action_done(&id, done))
    }

    /// `due`: YYYY-MM-DD to set, "" to clear, absent to keep.
    pub fn edit_action(
        &self,
        id: String,
        title: Option<String>,
        due: Option<String>,
    ) -> Result<Action> {
        let due = patch_opt_date("due", due)?;
        self.with(|d| d.edit_action(&id, title, due))
    }

    pub fn delete_action(&self, id: String) -> Result<()> {
        self.with(|d| d.delete_action(&id))
    }

    pub fn list_actions(&self, open_only: bool) -> Result<Vec<Action>> {
        self.with(|d| d.list_actions(open_only))
    }

    // --- trajectory ---

    pub fn trajectory(&self) -> Trajectory {
        self.read(|d| d.trajectory().clone())
    }

    pub fn update_trajectory(&self, update: TrajectoryUpdate) -> Result<Trajectory> {
        let patch = TrajectoryPatch::try_from(update)?;
        self.with(|d| d.update_trajectory(patch))
    }

    // --- journal (private, never synced) ---

    /// `date`: YYYY-MM-DD; `energy`: 1 (very low) to 5 (very good).
    pub fn add_journal_entry(
        &self,
        date: String,
        text: String,
        energy: u8,
    ) -> Result<JournalEntry> {
        let date = input::date("date", &date)?;
        self.with(|d| d.add_journal_entry(date, &text, energy))
    }

    pub fn edit_journal_entry(
        &self,
        id: String,
        text: Option<String>,
        energy: Option<u8>,
    ) -> Result<JournalEntry> {
        self.with(|d| d.edit_journal_entry(&id, text, energy))
    }

    pub fn delete_journal_entry(&self, id: String) -> Result<()> {
        self.with(|d| d.delete_journal_entry(&id))
    }

    pub fn journal(&self, from: Option<String>, to: Option<String>) -> Result<Vec<JournalEntry>> {
        let from = input::optional_date("from", from.as_deref())?;
        let to = input::optional_date("to", to.as_deref())?;
        self.with(|d| d.journal(from, to))
    }

    // --- views ---

    /// The trajectory's milestones as of today (Dutch time).
    pub fn milestones(&self) -> Vec<Milestone> {
        self.read(|d| d.milestones(LocalDate::today()))
    }

    /// The last `weeks` ISO weeks of applications against the target, streak and funnel.
    pub fn weekly_progress(&self, weeks: u32) -> WeeklyProgress {
        self.read(|d| d.weekly_progress(LocalDate::today(), weeks.clamp(1, 520)))
    }

    /// What to show first: next appointment, follow-ups due, this week, next milestone,
    /// open actions.
    pub fn today(&self) -> TodayOverview {
        self.read(|d| d.today_overview(Timestamp::now()))
    }

    /// Reminders due now; ids are stable, so notify once per id.
    pub fn due_reminders(&self) -> Vec<Reminder> {
        self.read(|d| d.due_reminders(Timestamp::now()))
    }

    /// What to do with notifications now: reminders to post (or schedule, looking `days`
    /// ahead) and pending ones to withdraw; each reminder is handed out once (the ledger is
    /// in the dossier's database, shared by every process on this file).
    pub fn plan_reminders(&self, days: u32) -> Result<ReminderPlan> {
        self.with(|d| d.plan_reminders(Timestamp::now(), days))
    }

    // --- export ---

    /// The export as text (CSV, HTML or iCalendar); `from`/`to` as YYYY-MM-DD limit the
    /// period. The journal is only included in the HTML export when asked.
    pub fn export(
        &self,
        format: ExportFormat,
        from: Option<String>,
        to: Option<String>,
        include_journal: bool,
    ) -> Result<String> {
        let options = ExportOptions {
            from: input::optional_date("from", from.as_deref())?,
            to: input::optional_date("to", to.as_deref())?,
            include_journal,
        };
        self.read(|d| d.export(format, &options))
    }

    /// Writes an export to `path` (atomically: a temporary file renamed into place).
    pub fn export_to_file(
        &self,
        format: ExportFormat,
        path: String,
        from: Option<String>,
        to: Option<String>,
        include_journal: bool,
    ) -> Result<()> {
        let text = self.export(format, from, to, include_journal)?;
        crate::dossier::write_atomically(std::path::Path::new(&path), text.as_bytes())
    }

    // --- vacancy links ---

    /// Logs an application from a shared vacancy link; works offline.
    pub fn log_from_link(
        &self,
        url: String,
        employer: Option<String>,
        role: Option<String>,
    ) -> Result<Application> {
        self.with(|d| d.log_from_link(&url, employer, role))
    }

    /// Reads pending vacancy pages and fills in empty fields (needs a connection; call it
    /// when the network returns and after a share).
    pub fn enrich_vacancies(&self) -> Result<EnrichReport> {
        self.session.enrich_vacancies()
    }

    // --- sync with the bureau ---

    /// Links this device to the bureau with the code from the coach. Local data is kept
    /// and merged with the bureau's copy. Safe to retry (see `Session::enrol`).
    pub fn enrol(
        &self,
        server_url: String,
        code: String,
        device_name: String,
    ) -> Result<EnrolmentInfo> {
        self.session.enrol(&server_url, &code, &device_name)
    }

    /// Syncs with the bureau now (retrying with backoff). Writes may go on meanwhile.
    pub fn sync_now(&self) -> Result<SyncOutcome> {
        self.session.sync_now()
    }

    /// Last synced, pending local changes, last error.
    pub fn sync_status(&self) -> Result<SyncStatus> {
        self.with(|d| d.sync_status())
    }

    /// The employee's devices linked to the bureau (needs a connection).
    pub fn linked_devices(&self) -> Result<Vec<LinkedDevice>> {
        self.session.linked_devices()
    }

    /// Revokes another of the employee's devices (a lost phone).
    pub fn revoke_device(&self, device_id: String) -> Result<()> {
        self.session.revoke_device(&device_id)
    }

    /// Unlinks this device (revoking it at the bureau when reachable); with `wipe`, erases
    /// the dossier and the journal from this device too.
    pub fn sign_out(&self, wipe: bool) -> Result<()> {
        self.session.sign_out(wipe)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dossier::Topic;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;

    struct Counter(AtomicUsize, Mutex<Vec<Topic>>);

    impl DossierObserver for Counter {
        fn on_change(&self, topics: Vec<Topic>) {
            self.0.fetch_add(1, Ordering::SeqCst);
            self.1.lock().unwrap().extend(topics);
        }
    }

    fn open() -> (tempfile::TempDir, Arc<Koers>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.db").to_string_lossy().into_owned();
        (dir, Koers::open(path).unwrap())
    }

    fn input(employer: &str) -> ApplicationInput {
        ApplicationInput {
            employer: employer.into(),
            role: "Planner".into(),
            ..Default::default()
        }
    }

    #[test]
    fn observers_hear_about_writes_but_not_failed_ones() {
        let (_dir, k) = open();
        let counter = Arc::new(Counter(AtomicUsize::new(0), Mutex::new(vec![])));
        let id = k.add_observer(counter.clone());
        k.log_application(input("Acme")).unwrap();
        assert_eq!(counter.0.load(Ordering::SeqCst), 1);
        assert_eq!(*counter.1.lock().unwrap(), [Topic::Applications]);
        assert!(k.log_application(input("")).is_err());
        assert_eq!(counter.0.load(Ordering::SeqCst), 1);
        k.remove_observer(id);
        k.log_application(input("Globex")).unwrap();
        assert_eq!(counter.0.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn an_observer_may_read_from_the_dossier_while_being_told() {
        struct Reader(Mutex<Option<Arc<Koers>>>, AtomicUsize);
        impl DossierObserver for Reader {
            fn on_change(&self, _: Vec<Topic>) {
                if let Some(k) = self.0.lock().unwrap().as_ref() {
                    let n = k
                        .list_applications(ApplicationFilter::default())
                        .unwrap()
                        .len();
                    self.1.store(n, Ordering::SeqCst);
                }
            }
        }
        let (_dir, k) = open();
        let reader = Arc::new(Reader(Mutex::new(Some(k.clone())), AtomicUsize::new(0)));
        k.add_observer(reader.clone());
        k.log_application(input("Acme")).unwrap();
        assert_eq!(reader.1.load(Ordering::SeqCst), 1);
        *reader.0.lock().unwrap() = None; // break the cycle
    }

    #[test]
    fn bad_dates_name_their_field() {
        let (_dir, k) = open();
        let err = k
            .log_application(ApplicationInput {
                date: Some("31-12-2026".into()),
                ..input("Acme")
            })
            .unwrap_err();
        assert!(matches!(err, KoersError::InvalidInput { ref field, .. } if field == "date"));
        let err = k
            .schedule_appointment(AppointmentInput {
                starts_at: "2026-12-01T10:00".into(),
                ends_at: "2026-12-01T09:00".into(),
                kind: AppointmentKind::Coaching,
                location: String::new(),
                agenda: String::new(),
                notes: String::new(),
            })
            .unwrap_err();
        assert!(err.to_string().starts_with("einde:"), "{err}");
        assert!(k.list_appointments(false).unwrap().is_empty());
    }

    #[test]
    fn writes_from_many_threads_all_land() {
        let (dir, k) = open();
        let handles: Vec<_> = (0..8)
            .map(|t| {
                let k = k.clone();
                std::thread::spawn(move || {
                    for i in 0..10 {
                        k.log_application(input(&format!("Werkgever {t}-{i}")))
                            .unwrap();
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        assert_eq!(
            k.list_applications(ApplicationFilter::default())
                .unwrap()
                .len(),
            80
        );
        drop(k);
        let path = dir.path().join("k.db").to_string_lossy().into_owned();
        let again = Koers::open(path).unwrap();
        assert_eq!(
            again
                .list_applications(ApplicationFilter::default())
                .unwrap()
                .len(),
            80
        );
    }

    #[test]
    fn sync_without_enrolment_says_so() {
        let (_dir, k) = open();
        assert!(matches!(k.sync_now(), Err(KoersError::NotEnrolled)));
        let status = k.sync_status().unwrap();
        assert!(!status.enrolled);
        assert_eq!(status.pending_changes, 0);
    }
}
