// The app's view of the dossier: observable state on the main actor over the core object.
import Foundation
import KoersCore
import Observation

/// What the screens show, kept current through the core's change callback.
///
/// Reads and writes run on a background queue (the core blocks on SQLite and the network);
/// the published state changes only on the main actor. Every write returns after the lists
/// it touched were refreshed, so a view that saved something shows it at once. Changes that
/// don't come from this store (a background sync, another `Koers` object) arrive through the
/// same callback. Errors are thrown as `CoreError`, carrying the core's message.
@MainActor
@Observable
public final class DossierStore {
    /// The core object, for calls the store doesn't wrap. Safe from any thread.
    @ObservationIgnored public nonisolated let core: Koers

    public private(set) var applications: [Application] = []
    /// The filter `applications` was listed with; change it with `setFilter`.
    public private(set) var filter = ApplicationFilter()
    /// All appointments (past and coming), as the core orders them.
    public private(set) var appointments: [Appointment] = []
    public private(set) var actions: [Action] = []
    public private(set) var trajectory: Trajectory?
    public private(set) var milestones: [Milestone] = []
    public private(set) var progress: WeeklyProgress?
    public private(set) var today: TodayOverview?
    /// The private journal (never synced).
    public private(set) var journal: [JournalEntry] = []
    public private(set) var syncStatus: SyncStatus?
    public private(set) var isSyncing = false
    /// The last error a refresh ran into (writes throw theirs instead).
    public private(set) var lastError: CoreError?
    /// How many change callbacks the store has handled, and the topics of the last refresh.
    public private(set) var changeCount = 0
    public private(set) var lastChange: Set<Topic> = []
    /// Bumped when comments changed; comment lists are read on demand with `comments(on:)`.
    public private(set) var commentsVersion = 0

    /// Weeks of history in `progress`.
    @ObservationIgnored public var progressWeeks: UInt32 = 8

    @ObservationIgnored private let worker = CoreWorker()
    @ObservationIgnored private let inbox = TopicInbox()
    @ObservationIgnored private var registration: ObserverRegistration?
    @ObservationIgnored private var pending: Set<Topic> = []
    @ObservationIgnored private var refreshTask: Task<Void, Never>?
    @ObservationIgnored private var listeners: [UUID: AsyncStream<Set<Topic>>.Continuation] = [:]

    /// Wraps an open core object and subscribes to its changes. Call `load()` to fill the
    /// state the first time.
    public init(core: Koers) {
        self.core = core
        let inbox = self.inbox
        let observer = InboxObserver(inbox: inbox) { [weak self] in
            Task { @MainActor [weak self] in await self?.refreshNow() }
        }
        registration = ObserverRegistration(core: core, observer: observer)
    }

    /// Opens (or creates) the dossier at `path` off the main actor and loads it. With
    /// `secrets`, the device credential goes there (the Keychain) instead of the database.
    public static func open(path: String, secrets: SecretStore? = nil) async throws -> DossierStore {
        let core = try await CoreWorker().run { () throws -> Koers in
            if let secrets {
                return try Koers.openWithSecrets(path: path, secrets: secrets)
            }
            return try Koers.open(path: path)
        }
        let store = DossierStore(core: core)
        await store.load()
        return store
    }

    // MARK: - refreshing

    /// Reads everything again.
    public func load() async {
        pending.formUnion(Self.allTopics)
        await refreshNow()
    }

    /// Waits until every change reported so far is reflected in the state.
    public func settle() async {
        await refreshNow()
    }

    /// The topics of every refresh from now on, after the state was updated: for work that
    /// follows changes (rescheduling notifications, tests).
    public func changes() -> AsyncStream<Set<Topic>> {
        let id = UUID()
        return AsyncStream { continuation in
            listeners[id] = continuation
            continuation.onTermination = { [weak self] _ in
                Task { @MainActor [weak self] in self?.listeners[id] = nil }
            }
        }
    }

    private static let allTopics: Set<Topic> = [
        .trajectory, .applications, .appointments, .actions, .comments, .journal, .sync,
    ]

    /// Takes the reported topics and refreshes until nothing is pending. One refresh runs at
    /// a time, so an older read can never overwrite a newer one.
    private func refreshNow() async {
        absorbInbox()
        if refreshTask == nil {
            guard !pending.isEmpty else { return }
            refreshTask = Task { await self.drain() }
        }
        await refreshTask?.value
    }

    private func absorbInbox() {
        let (topics, deliveries) = inbox.take()
        if deliveries > 0 {
            changeCount += deliveries
            pending.formUnion(topics)
        }
    }

    private func drain() async {
        while true {
            absorbInbox()
            if pending.isEmpty { break }
            let topics = pending
            pending = []
            let core = self.core
            let filter = self.filter
            let weeks = progressWeeks
            do {
                let snapshot = try await worker.run {
                    try Snapshot.read(core, topics: topics, filter: filter, weeks: weeks)
                }
                apply(snapshot)
                lastChange = topics
                for listener in listeners.values { listener.yield(topics) }
            } catch {
                lastError = CoreError.from(error)
            }
        }
        refreshTask = nil
    }

    private func apply(_ s: Snapshot) {
        if let v = s.applications, v != applications { applications = v }
        if let v = s.appointments, v != appointments { appointments = v }
        if let v = s.actions, v != actions { actions = v }
        if let v = s.trajectory, v != trajectory { trajectory = v }
        if let v = s.milestones, v != milestones { milestones = v }
        if let v = s.progress, v != progress { progress = v }
        if let v = s.today, v != today { today = v }
        if let v = s.journal, v != journal { journal = v }
        if let v = s.syncStatus, v != syncStatus { syncStatus = v }
        if s.commentsChanged { commentsVersion += 1 }
    }

    // MARK: - calling the core

    /// Runs a core call off the main actor, then waits for the refresh its change callback
    /// asked for. Failed calls are thrown as `CoreError`.
    @discardableResult
    public func perform<T: Sendable>(_ body: @escaping @Sendable (Koers) throws -> T) async throws -> T {
        let core = self.core
        do {
            let value = try await worker.run { try body(core) }
            await refreshNow()
            return value
        } catch {
            await refreshNow()
            throw CoreError.from(error)
        }
    }

    /// A read-only core call off the main actor.
    public func read<T: Sendable>(_ body: @escaping @Sendable (Koers) throws -> T) async throws -> T {
        let core = self.core
        return try await worker.run { try body(core) }
    }

    // MARK: applications

    /// Logs an application; only employer and role are required.
    @discardableResult
    public func logApplication(_ input: ApplicationInput) async throws -> Application {
        try await perform { try $0.logApplication(input: input) }
    }

    @discardableResult
    public func logApplication(employer: String, role: String) async throws -> Application {
        try await logApplication(ApplicationInput(employer: employer, role: role))
    }

    @discardableResult
    public func editApplication(id: String, _ update: ApplicationUpdate) async throws -> Application {
        try await perform { try $0.editApplication(id: id, update: update) }
    }

    @discardableResult
    public func setStatus(id: String, _ status: ApplicationStatus) async throws -> Application {
        try await perform { try $0.setStatus(id: id, status: status) }
    }

    public func deleteApplication(id: String) async throws {
        try await perform { try $0.deleteApplication(id: id) }
    }

    @discardableResult
    public func logFromLink(_ url: String, employer: String? = nil, role: String? = nil) async throws -> Application {
        try await perform { try $0.logFromLink(url: url, employer: employer, role: role) }
    }

    /// Lists applications with `filter` from now on.
    public func setFilter(_ filter: ApplicationFilter) async throws {
        self.filter = filter
        applications = try await read { try $0.listApplications(filter: filter) }
    }

    public func comments(on applicationId: String) async -> [Comment] {
        (try? await read { $0.comments(applicationId: applicationId) }) ?? []
    }

    @discardableResult
    public func comment(on applicationId: String, _ text: String) async throws -> Comment {
        try await perform { try $0.commentOnApplication(id: applicationId, text: text) }
    }

    // MARK: appointments

    @discardableResult
    public func scheduleAppointment(_ input: AppointmentInput) async throws -> Appointment {
        try await perform { try $0.scheduleAppointment(input: input) }
    }

    @discardableResult
    public func updateAppointment(id: String, _ update: AppointmentUpdate) async throws -> Appointment {
        try await perform { try $0.updateAppointment(id: id, update: update) }
    }

    @discardableResult
    public func confirmAppointment(id: String) async throws -> Appointment {
        try await perform { try $0.confirmAppointment(id: id) }
    }

    @discardableResult
    public func cancelAppointment(id: String) async throws -> Appointment {
        try await perform { try $0.cancelAppointment(id: id) }
    }

    @discardableResult
    public func completeAppointment(id: String, notes: String?) async throws -> Appointment {
        try await perform { try $0.completeAppointment(id: id, notes: notes) }
    }

    // MARK: actions

    @discardableResult
    public func addAction(_ input: ActionInput) async throws -> Action {
        try await perform { try $0.addAction(input: input) }
    }

    @discardableResult
    public func setActionDone(id: String, _ done: Bool) async throws -> Action {
        try await perform { try $0.setActionDone(id: id, done: done) }
    }

    public func deleteAction(id: String) async throws {
        try await perform { try $0.deleteAction(id: id) }
    }

    // MARK: trajectory

    @discardableResult
    public func updateTrajectory(_ update: TrajectoryUpdate) async throws -> Trajectory {
        try await perform { try $0.updateTrajectory(update: update) }
    }

    // MARK: journal

    /// `date` as YYYY-MM-DD; `energy` 1 (very low) to 5 (very good).
    @discardableResult
    public func addJournalEntry(date: String, text: String, energy: UInt8) async throws -> JournalEntry {
        try await perform { try $0.addJournalEntry(date: date, text: text, energy: energy) }
    }

    @discardableResult
    public func editJournalEntry(id: String, text: String?, energy: UInt8?) async throws -> JournalEntry {
        try await perform { try $0.editJournalEntry(id: id, text: text, energy: energy) }
    }

    public func deleteJournalEntry(id: String) async throws {
        try await perform { try $0.deleteJournalEntry(id: id) }
    }

    // MARK: sync and enrolment

    /// Links this device to the bureau with the coach's code.
    @discardableResult
    public func enrol(serverURL: String, code: String, deviceName: String) async throws -> EnrolmentInfo {
        try await perform { try $0.enrol(serverUrl: serverURL, code: code, deviceName: deviceName) }
    }

    /// Syncs now; the bureau's changes arrive through the change callback before this returns.
    @discardableResult
    public func syncNow() async throws -> SyncOutcome {
        isSyncing = true
        defer { isSyncing = false }
        return try await perform { try $0.syncNow() }
    }

    /// Unlinks this device; with `wipe`, erases the dossier and journal here too.
    public func signOut(wipe: Bool) async throws {
        try await perform { try $0.signOut(wipe: wipe) }
        if wipe { await load() }
    }

    // MARK: export and reminders

    /// Writes an export to `url` (a file URL) and returns it, for the share sheet.
    @discardableResult
    public func export(_ format: ExportFormat, to url: URL, from: String? = nil, until: String? = nil,
                       includeJournal: Bool = false) async throws -> URL {
        let path = url.path
        try await read {
            try $0.exportToFile(format: format, path: path, from: from, to: until, includeJournal: includeJournal)
        }
        return url
    }

    /// Reminders due now (ids stable; `planReminders` hands each out once).
    public func dueReminders() async -> [Reminder] {
        (try? await read { $0.dueReminders() }) ?? []
    }

    /// The notifications to post now or schedule (looking `days` ahead), and the pending ones
    /// to withdraw; the core's ledger in the dossier remembers what was handed out, for the
    /// app and the share extension alike.
    public func planReminders(days: UInt32) async throws -> ReminderPlan {
        try await perform { try $0.planReminders(days: days) }
    }

    /// Fills in the details of shared vacancy links (needs the network).
    @discardableResult
    public func enrichVacancies() async throws -> EnrichReport {
        try await perform { try $0.enrichVacancies() }
    }

    /// Whether the changes just reported call for a sync soon (the core decides).
    public func needsSyncSoon(after topics: Set<Topic>) async -> Bool {
        (try? await read { try syncSoonAfter(topics: Array(topics), status: $0.syncStatus()) }) ?? false
    }
}

/// One refresh's reads, done together off the main actor.
struct Snapshot: Sendable {
    var applications: [Application]?
    var appointments: [Appointment]?
    var actions: [Action]?
    var trajectory: Trajectory?
    var milestones: [Milestone]?
    var progress: WeeklyProgress?
    var today: TodayOverview?
    var journal: [JournalEntry]?
    var syncStatus: SyncStatus?
    var commentsChanged = false

    /// Reads what `topics` affect: the start screen and the sync status (pending changes)
    /// follow every shared topic; the journal only its own.
    static func read(_ core: Koers, topics: Set<Topic>, filter: ApplicationFilter, weeks: UInt32) throws -> Snapshot {
        var s = Snapshot()
        if topics.contains(.applications) {
            s.applications = try core.listApplications(filter: filter)
        }
        if topics.contains(.appointments) {
            s.appointments = try core.listAppointments(upcomingOnly: false)
        }
        if topics.contains(.actions) {
            s.actions = try core.listActions(openOnly: false)
        }
        if topics.contains(.trajectory) {
            s.trajectory = core.trajectory()
            s.milestones = core.milestones()
        }
        if topics.contains(.applications) || topics.contains(.trajectory) {
            s.progress = core.weeklyProgress(weeks: weeks)
        }
        if topics.contains(.journal) {
            s.journal = try core.journal(from: nil, to: nil)
        }
        let shared: Set<Topic> = [.applications, .appointments, .actions, .trajectory, .comments, .sync]
        if !topics.isDisjoint(with: shared) {
            s.today = core.today()
            s.syncStatus = try core.syncStatus()
        }
        s.commentsChanged = topics.contains(.comments)
        return s
    }
}

/// Keeps the store's observer registered for as long as the store lives.
final class ObserverRegistration: @unchecked Sendable {
    private let core: Koers
    private let id: UInt64

    init(core: Koers, observer: DossierObserver) {
        self.core = core
        self.id = core.addObserver(observer: observer)
    }

    deinit {
        core.removeObserver(id: id)
    }
}
