// The small pure-Kotlin helpers the app uses: reminder bookkeeping, reading an enrolment
// code, display of dates, and which views a change makes stale.
package nl.koers.kit

import java.util.Locale
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertNull
import kotlin.test.assertTrue
import nl.koers.core.Reminder
import nl.koers.core.ReminderKind
import nl.koers.core.Topic

class KitTest {
    private fun reminder(id: String) =
        Reminder(id = id, kind = ReminderKind.FOLLOW_UP, targetId = "a", title = "Navragen", body = "Bel Acme", dueAt = "2026-01-01T08:00:00.000Z")

    @Test
    fun remindersAreNotifiedOncePerId() {
        val store = InMemoryNotifiedIds()
        val tracker = ReminderTracker(store)
        assertEquals(listOf("r1", "r2"), tracker.toNotify(listOf(reminder("r1"), reminder("r2"))).map { it.id })
        assertTrue(tracker.toNotify(listOf(reminder("r1"), reminder("r2"))).isEmpty())
        assertEquals(listOf("r3"), tracker.toNotify(listOf(reminder("r2"), reminder("r3"))).map { it.id })
        assertEquals(setOf("r2", "r3"), store.load(), "ids no longer due are forgotten")
        // A new tracker on the same store (the next worker run) remembers.
        assertTrue(ReminderTracker(store).toNotify(listOf(reminder("r3"))).isEmpty())
    }

    @Test
    fun remindersFromTheRealCore() {
        TempDossier().use { db ->
            db.koers.logApplication(nl.koers.core.ApplicationInput(employer = "Acme", role = "Planner", followUp = "2020-01-06"))
            val due = db.koers.dueReminders()
            assertTrue(due.any { it.kind == ReminderKind.FOLLOW_UP }, "due: $due")
            val tracker = ReminderTracker(InMemoryNotifiedIds())
            assertEquals(due.map { it.id }.distinct(), tracker.toNotify(due).map { it.id })
            assertTrue(tracker.toNotify(db.koers.dueReminders()).isEmpty(), "stable ids: nothing new the second time")
        }
    }

    @Test
    fun enrolmentCodesAreReadFromTypingOrScanning() {
        assertEquals(EnrolmentCode("ABCD-2345", null), EnrolmentCode.parse(" abcd-2345 "))
        assertEquals(EnrolmentCode("ABCD-2345", null), EnrolmentCode.parse("ABCD 2345"))
        assertEquals(EnrolmentCode("ABCD-2345", null), EnrolmentCode.parse("abcd2345"))
        assertEquals(
            EnrolmentCode("ABCD-2345", "https://bureau.example"),
            EnrolmentCode.parse("koers://enrol?server=https%3A%2F%2Fbureau.example&code=ABCD-2345"),
        )
        assertNull(EnrolmentCode.parse(""))
        assertNull(EnrolmentCode.parse("hallo"))
        assertNull(EnrolmentCode.parse("https://bureau.example/?code=kort"))
    }

    @Test
    fun datesAreShownInDutchTime() {
        assertEquals("1 jan 1970 01:00", Display.dateTime("1970-01-01T00:00:00.000Z", Locale("nl", "NL")).replace(".", "").replace(",", ""))
        assertEquals("nonsense", Display.date("nonsense"))
        assertEquals(0L, Display.epochMillis("1970-01-01T00:00:00.000Z"))
    }

    @Test
    fun topicsMapToTheViewsTheyTouch() {
        val v = DossierRepository.Companion::viewsFor
        assertEquals(
            setOf(DossierRepository.View.APPLICATIONS, DossierRepository.View.PROGRESS, DossierRepository.View.TODAY, DossierRepository.View.SYNC),
            v(setOf(Topic.APPLICATIONS)),
        )
        assertEquals(setOf(DossierRepository.View.JOURNAL), v(setOf(Topic.JOURNAL)), "the journal is private: no sync status change")
        assertEquals(setOf(DossierRepository.View.SYNC), v(setOf(Topic.SYNC)))
    }
}
