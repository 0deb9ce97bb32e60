// Appointments through the bindings: schedule, confirm, cancel, and times that make no sense.
package nl.koers.kit

import kotlin.test.AfterTest
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertTrue
import nl.koers.core.Actor
import nl.koers.core.AppointmentInput
import nl.koers.core.AppointmentKind
import nl.koers.core.AppointmentStatus
import nl.koers.core.KoersException

class AppointmentsTest {
    private val db = TempDossier()
    private val k = db.koers

    @AfterTest
    fun tearDown() = db.close()

    @Test
    fun schedulesConfirmsAndCancels() {
        val a = k.scheduleAppointment(
            AppointmentInput(startsAt = "2030-03-04T10:00", endsAt = "2030-03-04T11:00", kind = AppointmentKind.COACHING, location = "Utrecht"),
        )
        assertEquals(AppointmentStatus.PROPOSED, a.status)
        assertEquals(Actor.EMPLOYEE, a.proposedBy)
        assertEquals("2030-03-04T09:00:00.000Z", a.startsAt, "local input is Dutch time, stored in UTC")
        val b = k.scheduleAppointment(
            AppointmentInput(startsAt = "2030-03-01T14:00", endsAt = "2030-03-01T15:30", kind = AppointmentKind.EVALUATION),
        )
        assertEquals(listOf(b.id, a.id), k.listAppointments(false).map { it.id }, "by start time")

        assertEquals(AppointmentStatus.CONFIRMED, k.confirmAppointment(a.id).status)
        assertEquals(AppointmentStatus.CANCELLED, k.cancelAppointment(b.id).status)
        assertEquals(listOf(a.id), k.listAppointments(true).map { it.id }, "upcoming leaves out cancelled ones")
        assertEquals(2, k.listAppointments(false).size)

        val e = assertFailsWith<KoersException.InvalidInput> { k.confirmAppointment(b.id) }
        assertTrue(e.message!!.startsWith("status:"), e.message)
    }

    @Test
    fun anEndBeforeTheStartIsRefusedNamingTheField() {
        val e = assertFailsWith<KoersException.InvalidInput> {
            k.scheduleAppointment(
                AppointmentInput(startsAt = "2030-03-04T10:00", endsAt = "2030-03-04T09:00", kind = AppointmentKind.INTAKE),
            )
        }
        assertTrue(e.message!!.startsWith("einde:"), "message names the field: ${e.message}")
        assertTrue(k.listAppointments(false).isEmpty(), "nothing was stored")
    }
}
