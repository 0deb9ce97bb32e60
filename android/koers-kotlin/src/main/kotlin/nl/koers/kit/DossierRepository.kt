// The one object the app's screens talk to: the core's `Koers` behind Kotlin Flows that
// refresh themselves from the core's change callback, and suspend functions for writes and
// sync. Pure Kotlin (no Android), so it is tested on the JVM against the real core.
package nl.koers.kit

import java.util.concurrent.atomic.AtomicReference
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.ensureActive
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.channels.BufferOverflow
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.flow.MutableSharedFlow
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.SharedFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asSharedFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import nl.koers.core.Action
import nl.koers.core.ActionInput
import nl.koers.core.Application
import nl.koers.core.ApplicationFilter
import nl.koers.core.ApplicationInput
import nl.koers.core.ApplicationStatus
import nl.koers.core.ApplicationUpdate
import nl.koers.core.Appointment
import nl.koers.core.AppointmentInput
import nl.koers.core.AppointmentUpdate
import nl.koers.core.Comment
import nl.koers.core.DossierObserver
import nl.koers.core.EnrolmentInfo
import nl.koers.core.ExportFormat
import nl.koers.core.JournalEntry
import nl.koers.core.Koers
import nl.koers.core.KoersException
import nl.koers.core.Milestone
import nl.koers.core.Reminder
import nl.koers.core.ReminderPlan
import nl.koers.core.EnrichReport
import nl.koers.core.LinkedDevice
import nl.koers.core.SyncOutcome
import nl.koers.core.SyncStatus
import nl.koers.core.TodayOverview
import nl.koers.core.Topic
import nl.koers.core.Trajectory
import nl.koers.core.TrajectoryUpdate
import nl.koers.core.WeeklyProgress

/** The trajectory screen's data: the trajectory and its milestones as of today. */
data class TrajectoryView(val trajectory: Trajectory, val milestones: List<Milestone>)

/**
 * Holds the core object for the app's lifetime. Every `StateFlow` starts loading at once and
 * is reloaded (on [io]) whenever the core reports a change to a topic it depends on; bursts
 * of changes are coalesced into one reload per view. Writes throw the core's
 * [KoersException] subclasses with the core's message.
 *
 * @param koers the opened core; the repository does not close it (the process owns it).
 * @param io where core calls run; tests may pass their own dispatcher.
 * @param progressWeeks how many ISO weeks [progress] covers.
 */
class DossierRepository(
    private val koers: Koers,
    private val io: CoroutineDispatcher = Dispatchers.IO,
    private val progressWeeks: UInt = 8u,
) : AutoCloseable {

    /** The views that are reloaded from the core; a topic maps to the views it touches. */
    internal enum class View { APPLICATIONS, APPOINTMENTS, ACTIONS, TRAJECTORY, PROGRESS, TODAY, JOURNAL, SYNC }

    private val scope = CoroutineScope(SupervisorJob() + io)

    private val _filter = MutableStateFlow(ApplicationFilter())
    private val _applications = MutableStateFlow<List<Application>>(emptyList())
    private val _appointments = MutableStateFlow<List<Appointment>>(emptyList())
    private val _actions = MutableStateFlow<List<Action>>(emptyList())
    private val _trajectory = MutableStateFlow<TrajectoryView?>(null)
    private val _progress = MutableStateFlow<WeeklyProgress?>(null)
    private val _today = MutableStateFlow<TodayOverview?>(null)
    private val _journal = MutableStateFlow<List<JournalEntry>>(emptyList())
    private val _syncStatus = MutableStateFlow<SyncStatus?>(null)
    private val _loadError = MutableStateFlow<KoersException?>(null)
    private val _changes = MutableSharedFlow<Set<Topic>>(
        extraBufferCapacity = 64,
        onBufferOverflow = BufferOverflow.DROP_OLDEST,
    )

    /** The filter [applications] is listed with; set it with [setFilter]. */
    val filter: StateFlow<ApplicationFilter> = _filter.asStateFlow()
    val applications: StateFlow<List<Application>> = _applications.asStateFlow()
    /** All appointments, cancelled and past ones included (the core orders them). */
    val appointments: StateFlow<List<Appointment>> = _appointments.asStateFlow()
    /** All actions, done ones included. */
    val actions: StateFlow<List<Action>> = _actions.asStateFlow()
    /** Null until first loaded. */
    val trajectory: StateFlow<TrajectoryView?> = _trajectory.asStateFlow()
    /** Null until first loaded. */
    val progress: StateFlow<WeeklyProgress?> = _progress.asStateFlow()
    /** Null until first loaded. */
    val today: StateFlow<TodayOverview?> = _today.asStateFlow()
    /** The private journal (never synced). */
    val journal: StateFlow<List<JournalEntry>> = _journal.asStateFlow()
    /** Null until first loaded. */
    val syncStatus: StateFlow<SyncStatus?> = _syncStatus.asStateFlow()
    /** The last failure of a background reload (a write's failure is thrown to its caller). */
    val loadError: StateFlow<KoersException?> = _loadError.asStateFlow()
    /** Every change the core reported, for screens that read something not held here. */
    val changes: SharedFlow<Set<Topic>> = _changes.asSharedFlow()

    // Views waiting for a reload; the conflated channel wakes the single reloader.
    private val pending = AtomicReference<Set<View>>(emptySet())
    private val wake = Channel<Unit>(Channel.CONFLATED)

    private val observer = object : DossierObserver {
        // Called on the thread that wrote, after the core released its lock: only record
        // what to reload and return, so the writer is not held up.
        override fun onChange(topics: List<Topic>) {
            val set = topics.toSet()
            _changes.tryEmit(set)
            request(viewsFor(set))
        }
    }
    private val observerId: ULong = koers.addObserver(observer)

    private val reloader: Job = scope.launch {
        for (signal in wake) {
            val views = pending.getAndSet(emptySet())
            if (views.isNotEmpty()) reload(views)
        }
    }

    init {
        request(View.values().toSet())
    }

    private fun request(views: Set<View>) {
        if (views.isEmpty()) return
        pending.getAndUpdate { it + views }
        wake.trySend(Unit)
    }

    private suspend fun reload(views: Set<View>) {
        for (view in views) {
            // Stop between core calls once closed: the core may be destroyed right after.
            currentCoroutineContext().ensureActive()
            try {
                when (view) {
                    View.APPLICATIONS -> _applications.value = koers.listApplications(_filter.value)
                    View.APPOINTMENTS -> _appointments.value = koers.listAppointments(false)
                    View.ACTIONS -> _actions.value = koers.listActions(false)
                    View.TRAJECTORY -> _trajectory.value = TrajectoryView(koers.trajectory(), koers.milestones())
                    View.PROGRESS -> _progress.value = koers.weeklyProgress(progressWeeks)
                    View.TODAY -> _today.value = koers.today()
                    View.JOURNAL -> _journal.value = koers.journal(null, null)
                    View.SYNC -> _syncStatus.value = koers.syncStatus()
                }
            } catch (e: KoersException) {
                _loadError.value = e
            }
        }
    }

    /** Lists [applications] with [filter] from now on (reloads at once). */
    fun setFilter(filter: ApplicationFilter) {
        _filter.value = filter
        request(setOf(View.APPLICATIONS))
    }

    /** The search field: lists applications matching [text] (empty: all). */
    fun search(text: String) = setFilter(_filter.value.copy(text = text))

    /** A status chip: adds [status] to the filter, or takes it out when it was in. */
    fun toggleStatus(status: ApplicationStatus) {
        val current = _filter.value
        val statuses = if (status in current.statuses) current.statuses - status else current.statuses + status
        setFilter(current.copy(statuses = statuses))
    }

    /** The "follow up" chip: only open applications whose follow-up day has come, or all. */
    fun toggleFollowUp() = setFilter(_filter.value.copy(needsFollowUp = !_filter.value.needsFollowUp))

    /** Reloads everything, e.g. when the app comes to the foreground on a new day. */
    fun refreshAll() = request(View.values().toSet())

    private suspend fun <T> onIo(block: () -> T): T = withContext(io) { block() }

    // --- applications ---

    suspend fun logApplication(input: ApplicationInput): Application = onIo { koers.logApplication(input) }

    /** The quick-add: only employer and role; everything else as the core defaults it. */
    suspend fun quickAdd(employer: String, role: String): Application =
        logApplication(ApplicationInput(employer = employer, role = role))

    suspend fun application(id: String): Application = onIo { koers.application(id) }

    suspend fun editApplication(id: String, update: ApplicationUpdate): Application =
        onIo { koers.editApplication(id, update) }

    suspend fun setStatus(id: String, status: ApplicationStatus): Application = onIo { koers.setStatus(id, status) }

    suspend fun deleteApplication(id: String) = onIo { koers.deleteApplication(id) }

    suspend fun comments(applicationId: String): List<Comment> = onIo { koers.comments(applicationId) }

    suspend fun logFromLink(url: String, employer: String? = null, role: String? = null): Application =
        onIo { koers.logFromLink(url, employer, role) }

    // --- appointments and actions ---

    suspend fun scheduleAppointment(input: AppointmentInput): Appointment = onIo { koers.scheduleAppointment(input) }

    suspend fun updateAppointment(id: String, update: AppointmentUpdate): Appointment =
        onIo { koers.updateAppointment(id, update) }

    suspend fun confirmAppointment(id: String): Appointment = onIo { koers.confirmAppointment(id) }

    suspend fun cancelAppointment(id: String): Appointment = onIo { koers.cancelAppointment(id) }

    suspend fun addAction(input: ActionInput): Action = onIo { koers.addAction(input) }

    suspend fun setActionDone(id: String, done: Boolean): Action = onIo { koers.setActionDone(id, done) }

    // --- trajectory and journal ---

    suspend fun updateTrajectory(update: TrajectoryUpdate): Trajectory = onIo { koers.updateTrajectory(update) }

    suspend fun addJournalEntry(date: String, text: String, energy: Int): JournalEntry =
        onIo { koers.addJournalEntry(date, text, energy.coerceIn(0, 255).toUByte()) }

    suspend fun deleteJournalEntry(id: String) = onIo { koers.deleteJournalEntry(id) }

    // --- sync, reminders, export ---

    suspend fun enrol(serverUrl: String, code: String, deviceName: String): EnrolmentInfo =
        onIo { koers.enrol(serverUrl, code, deviceName) }

    suspend fun syncNow(): SyncOutcome = onIo { koers.syncNow() }

    suspend fun signOut(wipe: Boolean) = onIo { koers.signOut(wipe) }

    suspend fun dueReminders(): List<Reminder> = onIo { koers.dueReminders() }

    /**
     * The notifications to post or schedule now (looking [days] ahead) and those to withdraw;
     * the core's ledger in the dossier remembers what was handed out, so each comes once.
     */
    suspend fun planReminders(days: UInt = 0u): ReminderPlan = onIo { koers.planReminders(days) }

    /** Fills in the details of shared vacancy links; call when online (WorkManager does). */
    suspend fun enrichVacancies(): EnrichReport = onIo { koers.enrichVacancies() }

    suspend fun linkedDevices(): List<LinkedDevice> = onIo { koers.linkedDevices() }

    suspend fun revokeDevice(deviceId: String) = onIo { koers.revokeDevice(deviceId) }

    /** Whether the changes just reported call for a sync soon (the core decides). */
    suspend fun needsSyncSoon(topics: Set<Topic>): Boolean = onIo {
        runCatching { nl.koers.core.syncSoonAfter(topics.toList(), koers.syncStatus()) }.getOrDefault(false)
    }

    suspend fun export(format: ExportFormat, from: String? = null, to: String? = null, includeJournal: Boolean = false): String =
        onIo { koers.export(format, from, to, includeJournal) }

    suspend fun exportToFile(format: ExportFormat, path: String, includeJournal: Boolean = false) =
        onIo { koers.exportToFile(format, path, null, null, includeJournal) }

    /**
     * Stops listening to the core; the flows keep their last values. Waits for a reload that
     * is in the middle of a core call, so the core may be destroyed as soon as this returns.
     */
    override fun close() {
        koers.removeObserver(observerId)
        wake.close()
        reloader.cancel()
        runBlocking { reloader.join() }
        scope.cancel()
    }

    internal companion object {
        /** Which views a change to [topics] makes stale. */
        fun viewsFor(topics: Set<Topic>): Set<View> {
            val views = mutableSetOf<View>()
            for (topic in topics) {
                when (topic) {
                    Topic.APPLICATIONS -> views += setOf(View.APPLICATIONS, View.PROGRESS, View.TODAY)
                    Topic.APPOINTMENTS -> views += setOf(View.APPOINTMENTS, View.TODAY)
                    Topic.ACTIONS -> views += setOf(View.ACTIONS, View.TODAY)
                    // The target and the first sick day drive progress, milestones and today.
                    Topic.TRAJECTORY -> views += setOf(View.TRAJECTORY, View.PROGRESS, View.TODAY)
                    // Comments on an application are read per application (see `changes`); the
                    // start screen shows the newest general notes (`TodayOverview.recentNotes`).
                    Topic.COMMENTS -> views += View.TODAY
                    Topic.JOURNAL -> views += View.JOURNAL
                    Topic.SYNC -> {}
                }
            }
            // Any shared change alters the pending-changes count; any sync alters the status.
            if (topics.isNotEmpty() && topics != setOf(Topic.JOURNAL)) views += View.SYNC
            return views
        }
    }
}
