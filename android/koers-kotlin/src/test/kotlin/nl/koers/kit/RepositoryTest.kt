// DossierRepository: its flows follow writes through the core's change callback, and
// writes from many coroutines at once all land.
package nl.koers.kit

import java.util.concurrent.Executors
import kotlin.test.AfterTest
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertTrue
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.asCoroutineDispatcher
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.runBlocking
import nl.koers.core.ApplicationFilter
import nl.koers.core.ApplicationInput
import nl.koers.core.ApplicationStatus
import nl.koers.core.AppointmentInput
import nl.koers.core.AppointmentKind
import nl.koers.core.KoersException
import nl.koers.core.TrajectoryKind
import nl.koers.core.TrajectoryUpdate

class RepositoryTest {
    private val db = TempDossier()
    private val pool = Executors.newFixedThreadPool(4)
    private val io = pool.asCoroutineDispatcher()
    private val repo = DossierRepository(db.koers, io)

    @AfterTest
    fun tearDown() {
        repo.close()
        db.close()
        pool.shutdown()
    }

    @Test
    fun flowsFollowWrites() = runBlocking<Unit> {
        repo.today.await("the first today overview") { it != null }
        assertTrue(repo.applications.value.isEmpty())

        val app = repo.quickAdd("Gemeente Utrecht", "Medewerker Burgerzaken")
        repo.applications.await("the new application in the list") { list -> list.any { it.id == app.id } }
        repo.progress.await("this week's count") { it != null && it.thisWeek.applications == 1u && it.total == 1u }
        repo.syncStatus.await("the sync status (not enrolled)") { it != null && !it.enrolled }

        repo.updateTrajectory(TrajectoryUpdate(kind = TrajectoryKind.SPOOR2, firstSickDay = "2025-06-02", weeklyTarget = 3u))
        repo.trajectory.await("the trajectory with milestones") { it != null && it.trajectory.weeklyTarget == 3u && it.milestones.isNotEmpty() }
        repo.today.await("today against the target") { it != null && it.thisWeek.target == 3u && it.nextMilestone != null }

        val appt = repo.scheduleAppointment(
            AppointmentInput(startsAt = "2099-05-01T10:00", endsAt = "2099-05-01T11:00", kind = AppointmentKind.COACHING),
        )
        repo.appointments.await("the appointment") { list -> list.map { it.id } == listOf(appt.id) }
        repo.today.await("the next appointment") { it?.nextAppointment?.id == appt.id }

        repo.addJournalEntry(Display.today(), "Rustige dag", 3)
        repo.journal.await("the journal entry") { it.size == 1 }
    }

    @Test
    fun theFilterIsAppliedAndFollowsWrites() = runBlocking<Unit> {
        val a = repo.quickAdd("Café Noord", "Kok")
        repo.quickAdd("Rabobank", "Adviseur")
        repo.setFilter(ApplicationFilter(text = "cafe"))
        repo.applications.await("the filtered list") { list -> list.map { it.id } == listOf(a.id) }

        repo.setFilter(ApplicationFilter(statuses = listOf(ApplicationStatus.INTERVIEW)))
        repo.applications.await("an empty interview list") { it.isEmpty() }
        repo.setStatus(a.id, ApplicationStatus.INTERVIEW)
        repo.applications.await("the application that moved to interview") { list -> list.map { it.id } == listOf(a.id) }
    }

    @Test
    fun theScreensChipsAndSearchChangeTheFilter() = runBlocking<Unit> {
        val a = repo.quickAdd("Café Noord", "Kok")
        val b = repo.quickAdd("Rabobank", "Adviseur")
        repo.setStatus(b.id, ApplicationStatus.REJECTED)
        repo.toggleStatus(ApplicationStatus.REJECTED)
        repo.applications.await("only the rejected one") { list -> list.map { it.id } == listOf(b.id) }
        repo.toggleStatus(ApplicationStatus.REJECTED)
        repo.applications.await("both again") { it.size == 2 }
        repo.search("noord")
        repo.applications.await("the search") { list -> list.map { it.id } == listOf(a.id) }
        repo.search("")
        repo.toggleFollowUp()
        assertTrue(repo.filter.value.needsFollowUp)
        repo.applications.await("none to follow up") { it.isEmpty() }
        repo.toggleFollowUp()
        repo.applications.await("both once more") { it.size == 2 }
    }

    @Test
    fun writeErrorsReachTheCaller() = runBlocking<Unit> {
        val e = assertFailsWith<KoersException.InvalidInput> { repo.quickAdd("Acme", "") }
        assertTrue(e.message!!.startsWith("functie:"), e.message)
        val f = assertFailsWith<KoersException.NotEnrolled> { repo.syncNow() }
        assertTrue(f.message!!.isNotBlank())
    }

    @Test
    fun hundredConcurrentCoroutineWritesAllLand() = runBlocking<Unit> {
        val written = (0 until 100).map { i ->
            async(Dispatchers.Default) { repo.logApplication(ApplicationInput(employer = "Werkgever $i", role = "Rol $i")) }
        }.awaitAll()
        assertEquals(100, written.map { it.id }.toSet().size, "every write got its own id")
        repo.applications.await("all 100 in the flow") { it.size == 100 }
        assertEquals(100, db.koers.listApplications(ApplicationFilter()).size)
        assertEquals(
            (0 until 100).map { "Werkgever $it" }.toSet(),
            db.koers.listApplications(ApplicationFilter()).map { it.employer }.toSet(),
        )
        repo.progress.await("the count of 100") { it?.total == 100u }
    }
}
