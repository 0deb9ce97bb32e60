// Logging, editing, listing and filtering job applications through the generated bindings.
package nl.koers.kit

import java.time.LocalDate
import kotlin.test.AfterTest
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertNull
import kotlin.test.assertTrue
import nl.koers.core.ApplicationFilter
import nl.koers.core.ApplicationInput
import nl.koers.core.ApplicationStatus
import nl.koers.core.ApplicationUpdate
import nl.koers.core.Actor
import nl.koers.core.Source

class ApplicationsTest {
    private val db = TempDossier()
    private val k = db.koers

    @AfterTest
    fun tearDown() = db.close()

    @Test
    fun logsWithOnlyEmployerAndRoleAndEdits() {
        val app = k.logApplication(ApplicationInput(employer = "Gemeente Utrecht", role = "Medewerker Burgerzaken"))
        assertEquals("Gemeente Utrecht", app.employer)
        assertEquals(LocalDate.now(Display.ZONE).toString(), app.date, "the date defaults to today")
        assertEquals(ApplicationStatus.APPLIED, app.status)
        assertEquals(listOf(ApplicationStatus.APPLIED), app.history.map { it.status })
        assertNull(app.source)

        val edited = k.editApplication(
            app.id,
            ApplicationUpdate(location = "Utrecht", notes = "Gesprek via netwerk", source = Source.NETWORK),
        )
        assertEquals("Utrecht", edited.location)
        assertEquals("Gesprek via netwerk", edited.notes)
        assertEquals(Source.NETWORK, edited.source)
        assertEquals("Medewerker Burgerzaken", edited.role, "absent fields stay")

        val cleared = k.editApplication(app.id, ApplicationUpdate(location = ""))
        assertNull(cleared.location, "an empty text clears an optional field")

        k.setStatus(app.id, ApplicationStatus.INTERVIEW)
        val reread = k.application(app.id)
        assertEquals(ApplicationStatus.INTERVIEW, reread.status)
        assertEquals(
            listOf(ApplicationStatus.APPLIED, ApplicationStatus.INTERVIEW),
            reread.history.map { it.status },
            "every status change is kept with its date",
        )
        assertTrue(reread.history.all { it.by == Actor.EMPLOYEE && it.at.endsWith("Z") })
    }

    @Test
    fun listsAndFilters() {
        val today = LocalDate.now(Display.ZONE)
        val cafe = k.logApplication(ApplicationInput(employer = "Café de Zoete Inval", role = "Coördinator bediening", date = "2026-01-05"))
        val bank = k.logApplication(ApplicationInput(employer = "Rabobank", role = "Adviseur", date = "2026-02-10"))
        val zorg = k.logApplication(
            ApplicationInput(
                employer = "Zorggroep Noord",
                role = "Planner",
                date = "2026-03-15",
                followUp = today.minusDays(1).toString(),
            ),
        )
        val later = k.logApplication(ApplicationInput(employer = "Bouwbedrijf", role = "Werkvoorbereider", followUp = today.plusDays(30).toString()))
        k.setStatus(bank.id, ApplicationStatus.INTERVIEW)

        fun ids(f: ApplicationFilter) = k.listApplications(f).map { it.id }.toSet()

        assertEquals(setOf(cafe.id, bank.id, zorg.id, later.id), ids(ApplicationFilter()))
        assertEquals(setOf(bank.id), ids(ApplicationFilter(statuses = listOf(ApplicationStatus.INTERVIEW))))
        assertEquals(
            setOf(bank.id, cafe.id),
            ids(ApplicationFilter(statuses = listOf(ApplicationStatus.INTERVIEW, ApplicationStatus.APPLIED), to = "2026-02-28")),
        )
        // Accents are ignored both ways, and words match by prefix.
        assertEquals(setOf(cafe.id), ids(ApplicationFilter(text = "cafe")))
        assertEquals(setOf(cafe.id), ids(ApplicationFilter(text = "coordinator")))
        assertEquals(setOf(cafe.id), ids(ApplicationFilter(text = "Zoëte")))
        assertEquals(setOf(zorg.id), ids(ApplicationFilter(text = "zorg")))
        assertEquals(setOf(bank.id, zorg.id), ids(ApplicationFilter(from = "2026-02-01", to = "2026-03-31")))
        assertEquals(setOf(zorg.id), ids(ApplicationFilter(needsFollowUp = true)))
        assertEquals(4, ids(ApplicationFilter(text = "   ")).size, "blank text does not filter")

        k.deleteApplication(later.id)
        assertEquals(3, k.listApplications(ApplicationFilter()).size)
    }
}
