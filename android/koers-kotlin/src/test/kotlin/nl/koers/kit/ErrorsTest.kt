// The core's errors arrive as the generated KoersException subclasses with the core's message.
package nl.koers.kit

import kotlin.test.AfterTest
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertTrue
import nl.koers.core.ApplicationFilter
import nl.koers.core.ApplicationInput
import nl.koers.core.Koers
import nl.koers.core.KoersException

class ErrorsTest {
    private val db = TempDossier()
    private val k = db.koers

    @AfterTest
    fun tearDown() = db.close()

    @Test
    fun invalidInputCarriesFieldAndReason() {
        val empty = assertFailsWith<KoersException.InvalidInput> { k.logApplication(ApplicationInput(employer = " ", role = "Planner")) }
        assertTrue(empty.message!!.startsWith("werkgever:"), empty.message)

        val date = assertFailsWith<KoersException.InvalidInput> {
            k.logApplication(ApplicationInput(employer = "Acme", role = "Planner", date = "31-12-2026"))
        }
        assertTrue(date.message!!.startsWith("datum:"), date.message)

        val filter = assertFailsWith<KoersException.InvalidInput> { k.listApplications(ApplicationFilter(from = "gisteren")) }
        assertTrue(filter.message!!.startsWith("vanaf:"), filter.message)

        assertTrue(k.listApplications(ApplicationFilter()).isEmpty(), "nothing was stored")
        // A KoersException is an ordinary Kotlin exception for callers that don't care which.
        assertTrue(date is Exception)
    }

    @Test
    fun otherKinds() {
        val missing = assertFailsWith<KoersException.NotFound> { k.application("does-not-exist") }
        assertTrue(missing.message!!.contains("niet gevonden"), missing.message)

        val notEnrolled = assertFailsWith<KoersException.NotEnrolled> { k.syncNow() }
        assertTrue(notEnrolled.message!!.contains("niet gekoppeld"), notEnrolled.message)
        assertFalse(k.syncStatus().enrolled)

        val path = assertFailsWith<KoersException.InvalidInput> { Koers.open("  ") }
        assertEquals("bestand: mag niet leeg zijn", path.message)

        val url = assertFailsWith<KoersException> { k.enrol("ftp://bureau.example", "ABCD-2345", "Telefoon") }
        assertTrue(url is KoersException.InvalidInput || url is KoersException.Network, "got ${url::class.simpleName}: ${url.message}")
    }
}
