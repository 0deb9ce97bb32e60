// The core's change callback, as a Kotlin implementation of DossierObserver.
package nl.koers.kit

import kotlin.test.AfterTest
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertTrue
import nl.koers.core.ActionInput
import nl.koers.core.ApplicationFilter
import nl.koers.core.ApplicationInput
import nl.koers.core.AppointmentInput
import nl.koers.core.AppointmentKind
import nl.koers.core.DossierObserver
import nl.koers.core.KoersException
import nl.koers.core.Topic
import nl.koers.core.TrajectoryUpdate

class ObserverTest {
    private val db = TempDossier()
    private val k = db.koers

    @AfterTest
    fun tearDown() = db.close()

    @Test
    fun firesAfterEachWriteWithItsTopicAndNotAfterAFailedOne() {
        val rec = TopicRecorder()
        val id = k.addObserver(rec)

        k.logApplication(ApplicationInput(employer = "Acme", role = "Planner"))
        assertEquals(listOf(listOf(Topic.APPLICATIONS)), rec.calls)

        k.scheduleAppointment(AppointmentInput(startsAt = "2030-01-01T10:00", endsAt = "2030-01-01T11:00", kind = AppointmentKind.COACHING))
        k.addAction(ActionInput(title = "Cv bijwerken"))
        k.updateTrajectory(TrajectoryUpdate(weeklyTarget = 4u))
        k.addJournalEntry(Display.today(), "Goed geslapen", 4u)
        assertEquals(
            listOf(Topic.APPLICATIONS, Topic.APPOINTMENTS, Topic.ACTIONS, Topic.TRAJECTORY, Topic.JOURNAL),
            rec.calls.map { it.single() },
        )

        assertFailsWith<KoersException.InvalidInput> { k.logApplication(ApplicationInput(employer = "", role = "")) }
        assertEquals(5, rec.calls.size, "a refused write changes nothing and tells nobody")

        k.removeObserver(id)
        k.logApplication(ApplicationInput(employer = "Globex", role = "Planner"))
        assertEquals(5, rec.calls.size)
    }

    @Test
    fun theObserverMayReadFromTheCoreWhileBeingTold() {
        val counts = mutableListOf<Int>()
        k.addObserver(object : DossierObserver {
            override fun onChange(topics: List<Topic>) {
                counts += k.listApplications(ApplicationFilter()).size
            }
        })
        k.logApplication(ApplicationInput(employer = "Acme", role = "Planner"))
        k.logApplication(ApplicationInput(employer = "Globex", role = "Planner"))
        assertEquals(listOf(1, 2), counts)
        assertTrue(k.weeklyProgress(4u).total == 2u)
    }
}
