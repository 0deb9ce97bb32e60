// Sync against a real koers-bureau on loopback, started by scripts/test through
// scripts/lib/bureau-fixture.sh: enrol, log, sync, the coach schedules through the coach
// API, sync again, and the change callback and the repository's flows see it all.
package nl.koers.kit

import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.time.Duration
import java.time.Instant
import java.time.temporal.ChronoUnit
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlin.test.fail
import kotlinx.coroutines.runBlocking
import nl.koers.core.Actor
import nl.koers.core.AppointmentStatus
import nl.koers.core.KoersException
import nl.koers.core.Topic
import nl.koers.core.TrajectoryKind

class BureauSyncTest {
    /** The fixture's settings: environment (scripts/test) or -Dkoers.bureau.* properties. */
    private fun setting(env: String, property: String): String =
        System.getenv(env)?.takeIf { it.isNotBlank() }
            ?: System.getProperty(property)?.takeIf { it.isNotBlank() }
            ?: fail(
                "$env (or -D$property) is not set: this test needs a real koers-bureau on loopback. " +
                    "Run it with ./scripts/test kotlin, which starts one (scripts/lib/bureau-fixture.sh) and sets " +
                    "KOERS_BUREAU_URL, KOERS_BUREAU_CODE, KOERS_BUREAU_EMPLOYEE, KOERS_BUREAU_COACH_EMAIL and " +
                    "KOERS_BUREAU_COACH_PASSWORD.",
            )

    private val http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()

    private fun coachCall(method: String, url: String, json: String, token: String? = null): String {
        val request = HttpRequest.newBuilder(URI(url))
            .timeout(Duration.ofSeconds(20))
            .header("Content-Type", "application/json")
            .apply { if (token != null) header("Authorization", "Bearer $token") }
            .method(method, if (json.isEmpty()) HttpRequest.BodyPublishers.noBody() else HttpRequest.BodyPublishers.ofString(json))
            .build()
        val response = http.send(request, HttpResponse.BodyHandlers.ofString())
        if (response.statusCode() !in 200..299) fail("$method $url answered ${response.statusCode()}: ${response.body()}")
        return response.body()
    }

    /** One string field of a flat JSON answer (enough for the login's token). */
    private fun jsonField(json: String, name: String): String =
        Regex("\"$name\"\\s*:\\s*\"([^\"]*)\"").find(json)?.groupValues?.get(1) ?: fail("no $name in $json")

    @Test
    fun enrolLogSyncAndReceiveTheCoachsAppointment() = runBlocking<Unit> {
        val url = setting("KOERS_BUREAU_URL", "koers.bureau")
        val code = setting("KOERS_BUREAU_CODE", "koers.bureau.code")
        val employee = setting("KOERS_BUREAU_EMPLOYEE", "koers.bureau.employee")
        val email = setting("KOERS_BUREAU_COACH_EMAIL", "koers.bureau.coachEmail")
        val password = setting("KOERS_BUREAU_COACH_PASSWORD", "koers.bureau.coachPassword")

        TempDossier().use { db ->
            val recorder = TopicRecorder()
            db.koers.addObserver(recorder)
            DossierRepository(db.koers).use { repo ->
                // Something logged before enrolling is kept and merged.
                val before = repo.quickAdd("Bakkerij Öztürk", "Verkoopmedewerker")

                // 1. Enrol: the bureau's trajectory arrives, and the observer hears of it.
                recorder.clear()
                val info = repo.enrol(url, code, "JVM-test")
                assertEquals(employee, info.employeeId)
                assertTrue(Topic.TRAJECTORY in recorder.all(), "topics after enrol: ${recorder.calls}")
                val traj = repo.trajectory.await("the bureau's trajectory") { it?.trajectory?.kind == TrajectoryKind.SPOOR2 }!!
                assertEquals("Fixture Coach", traj.trajectory.coach)
                assertTrue(traj.milestones.isNotEmpty(), "spoor 2 with a first sick day has Poortwachter milestones")
                System.getenv("KOERS_BUREAU_WEEKLY_TARGET")?.toUIntOrNull()?.let { assertEquals(it, traj.trajectory.weeklyTarget) }
                assertTrue(repo.applications.value.any { it.id == before.id } || db.koers.application(before.id).id == before.id)
                repo.syncStatus.await("enrolled") { it?.enrolled == true }

                // A second enrolment is refused until signing out.
                assertFailsWith<KoersException.InvalidInput> { repo.enrol(url, code, "JVM-test") }

                // 2. Log and sync: the bureau has it, nothing pending.
                val app = repo.quickAdd("Gemeente Amersfoort", "Beleidsmedewerker")
                repo.syncStatus.await("a change waiting for the bureau") { (it?.pendingChanges ?: 0u) > 0u }
                repo.syncNow()
                val status = db.koers.syncStatus()
                assertEquals(0u, status.pendingChanges, "status: $status")
                assertNotNull(status.lastSyncedAt)
                assertNull(status.lastError)

                // 3. The coach sees the application and schedules an appointment.
                val token = jsonField(coachCall("POST", "$url/v1/coach/login", """{"email":"$email","password":"$password"}"""), "token")
                val dossier = coachCall("GET", "$url/v1/coach/employees/$employee", "", token)
                assertTrue("Gemeente Amersfoort" in dossier && "Bakkerij" in dossier, "the coach's view lacks the applications: $dossier")
                val start = Instant.now().plus(2, ChronoUnit.DAYS).truncatedTo(ChronoUnit.HOURS)
                val end = start.plus(1, ChronoUnit.HOURS)
                coachCall(
                    "POST",
                    "$url/v1/coach/employees/$employee/appointments",
                    """{"starts_at":"$start","ends_at":"$end","kind":"coaching","location":"Kantoor Utrecht","agenda":"Cv bespreken"}""",
                    token,
                )
                // And a general note, not about one application.
                coachCall("POST", "$url/v1/coach/employees/$employee/comments", """{"text":"Intake besproken."}""", token)

                // 4. Sync again: the appointment comes in, the observer is told, the flows follow.
                recorder.clear()
                val outcome = repo.syncNow()
                assertTrue(outcome.changesReceived > 0u, "outcome: $outcome")
                assertTrue(Topic.APPOINTMENTS in recorder.all(), "topics after sync: ${recorder.calls}")
                val listed = repo.appointments.await("the coach's appointment") { list -> list.any { it.location == "Kantoor Utrecht" } }
                val appt = listed.single()
                assertEquals(Actor.COACH, appt.proposedBy)
                assertEquals(AppointmentStatus.PROPOSED, appt.status)
                assertEquals("Cv bespreken", appt.agenda)
                assertEquals(start, Instant.parse(appt.startsAt))
                repo.today.await("the next appointment on today") { it?.nextAppointment?.id == appt.id }
                repo.today.await("the coach's note on today") { it?.recentNotes?.singleOrNull()?.text == "Intake besproken." }
                assertEquals(listOf("Intake besproken."), db.koers.generalNotes().map { it.text })
                assertTrue(db.koers.listApplications(nl.koers.core.ApplicationFilter()).any { it.id == app.id })

                // 5. Confirming goes back to the bureau at the next sync.
                repo.confirmAppointment(appt.id)
                repo.syncNow()
                val after = coachCall("GET", "$url/v1/coach/employees/$employee", "", token)
                assertTrue("confirmed" in after, "the coach does not see the confirmation: $after")
            }
        }
    }
}
