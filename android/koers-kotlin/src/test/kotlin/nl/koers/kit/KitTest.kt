// The small helpers the app uses: the core's reminder ledger, the enrolment form, the
// vocabulary, display of dates, and which views a change makes stale.
package nl.koers.kit

import java.util.Locale
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertTrue
import kotlin.test.assertFalse
import kotlin.test.assertNotNull
import nl.koers.core.ApplicationStatus
import kotlin.test.assertFailsWith
import nl.koers.core.Koers
import nl.koers.core.KoersException
import nl.koers.core.SecretStore
import nl.koers.core.SecretStoreException
import nl.koers.core.ReminderKind
import nl.koers.core.Topic
import nl.koers.core.applicationStatuses
import nl.koers.core.ExportFormat
import nl.koers.core.SyncState
import nl.koers.core.exportFileName
import nl.koers.core.syncSoonAfter
import nl.koers.core.syncState

class KitTest {
    @Test
    fun remindersAreHandedOutOnceFromTheCoresLedger() {
        TempDossier().use { db ->
            db.koers.logApplication(nl.koers.core.ApplicationInput(employer = "Acme", role = "Planner", followUp = "2020-01-06"))
            val first = db.koers.planReminders(0u)
            assertTrue(first.post.any { it.reminder.kind == ReminderKind.FOLLOW_UP }, "plan: $first")
            assertTrue(db.koers.planReminders(0u).post.isEmpty(), "stable ids: nothing new the second time")
            // Another process on the same file (a worker, the share extension) knows it too.
            Koers.open(db.path).use { other -> assertTrue(other.planReminders(0u).post.isEmpty()) }
        }
    }

    @Test
    fun aKeystoreThatCannotStoreStopsEnrolmentBeforeTheCodeIsSpent() {
        val failing = object : SecretStore {
            override fun get(key: String): String? = null
            override fun put(key: String, value: String) = throw SecretStoreException.Unavailable("keystore locked")
            override fun delete(key: String) {}
        }
        TempDossier().use { db ->
            Koers.openWithSecrets(java.io.File(db.dir, "other.db").absolutePath, failing).use { k ->
                // Port 9 on loopback: had the code gone out, this would be a network error.
                val e = assertFailsWith<KoersException.Storage> { k.enrol("http://127.0.0.1:9", "ABCD-EFGH", "Pixel") }
                assertTrue(e.message.orEmpty().contains("niet gebruikt"), e.message)
                assertFalse(k.syncStatus().enrolled)
            }
        }
    }

    @Test
    fun theEnrolmentFormReadsAScanAndNamesAProblem() {
        val form = EnrolmentForm()
        assertTrue(form.scanned("koers://enrol?server=https%3A%2F%2Fbureau.example&code=abcd-efgh"))
        assertEquals("ABCD-EFGH", form.code.value)
        assertEquals("https://bureau.example", form.server.value)
        assertFalse(form.scanned("hallo"))
        assertNotNull(form.problem.value)
        assertEquals("ABCD-EFGH", form.code.value, "a bad scan keeps what was there")
    }

    @Test
    fun theSettingsScreensDecisionsAreTheCores() {
        TempDossier().use { db ->
            assertEquals(SyncState.NOT_LINKED, syncState(db.koers.syncStatus()))
            assertFalse(syncSoonAfter(listOf(Topic.APPLICATIONS), db.koers.syncStatus()), "not linked: nothing to send to")
        }
        assertEquals("re-integratieverslag.html", exportFileName(ExportFormat.HTML))
    }

    @Test
    fun theClosedStatusRuleIsTheCoresAndEveryCaseIsListed() {
        assertEquals(ApplicationStatus.values().toList(), applicationStatuses())
        assertEquals(
            listOf(ApplicationStatus.HIRED, ApplicationStatus.REJECTED, ApplicationStatus.WITHDRAWN),
            applicationStatuses().filter { it.isClosed() },
        )
        assertEquals("second_interview", ApplicationStatus.SECOND_INTERVIEW.word())
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
        assertEquals(
            setOf(DossierRepository.View.TODAY, DossierRepository.View.SYNC),
            v(setOf(Topic.COMMENTS)),
            "the start screen shows the coach's general notes",
        )
    }
}
