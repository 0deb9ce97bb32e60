// Sync with a real koers-bureau on loopback (started by scripts/test through
// scripts/lib/bureau-fixture.sh): enrol, log and sync, the coach schedules an appointment
// through the coach API, sync again, and the change callback brings it to the store.
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import XCTest
import KoersCore
@testable import KoersKit

/// The fixture's variables; scripts/test sets KOERS_REQUIRE_BUREAU=1, and then a missing
/// fixture is a failure, not a skip.
struct BureauFixture {
    let url: String
    let code: String
    let employee: String
    let coachEmail: String
    let coachPassword: String
    let weeklyTarget: UInt32?

    static func fromEnvironment() throws -> BureauFixture {
        let env = ProcessInfo.processInfo.environment
        let names = ["KOERS_BUREAU_URL", "KOERS_BUREAU_CODE", "KOERS_BUREAU_EMPLOYEE",
                     "KOERS_BUREAU_COACH_EMAIL", "KOERS_BUREAU_COACH_PASSWORD"]
        let missing = names.filter { (env[$0] ?? "").isEmpty }
        if !missing.isEmpty {
            let message = "no bureau fixture: \(missing.joined(separator: ", ")) not set "
                + "(scripts/test swift starts one with scripts/lib/bureau-fixture.sh)"
            if env["KOERS_REQUIRE_BUREAU"] == "1" {
                XCTFail(message)
                throw CoreError(kind: .other, message: message)
            }
            throw XCTSkip(message)
        }
        return BureauFixture(
            url: env["KOERS_BUREAU_URL"]!, code: env["KOERS_BUREAU_CODE"]!,
            employee: env["KOERS_BUREAU_EMPLOYEE"]!, coachEmail: env["KOERS_BUREAU_COACH_EMAIL"]!,
            coachPassword: env["KOERS_BUREAU_COACH_PASSWORD"]!,
            weeklyTarget: env["KOERS_BUREAU_WEEKLY_TARGET"].flatMap { UInt32($0) })
    }

    /// POSTs JSON to the coach API and returns the decoded JSON answer.
    func post(_ path: String, _ body: [String: Any], token: String? = nil) async throws -> [String: Any] {
        var request = URLRequest(url: URL(string: url + path)!)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        request.httpBody = try JSONSerialization.data(withJSONObject: body)
        let (data, response) = try await URLSession.shared.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard (200..<300).contains(status) else {
            throw CoreError(kind: .network, message: "\(path): HTTP \(status): \(String(decoding: data, as: UTF8.self))")
        }
        return (try JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
    }

    /// Logs in as the coach and proposes an appointment for the employee.
    func coachSchedulesAppointment(startsAt: String, endsAt: String, agenda: String) async throws -> String {
        let session = try await post("/v1/coach/login", ["email": coachEmail, "password": coachPassword])
        guard let token = session["token"] as? String else {
            throw CoreError(kind: .other, message: "no token in the login answer: \(session)")
        }
        let appointment = try await post("/v1/coach/employees/\(employee)/appointments", [
            "starts_at": startsAt, "ends_at": endsAt, "kind": "coaching",
            "location": "Kantoor Utrecht", "agenda": agenda,
        ], token: token)
        guard let id = appointment["id"] as? String else {
            throw CoreError(kind: .other, message: "no id in the appointment answer: \(appointment)")
        }
        return id
    }
}

@MainActor
final class SyncTests: XCTestCase {
    func testEnrolSyncAndTheCoachsAppointmentComeBackThroughTheCallback() async throws {
        let bureau = try BureauFixture.fromEnvironment()
        let dir = try TempDir()
        let secrets = InMemorySecretStore()
        let store = try await DossierStore.open(path: dir.path("dossier.db"), secrets: secrets)
        XCTAssertEqual(store.syncStatus?.enrolled, false)

        // A wrong code is refused by the bureau, as a Swift error with its message.
        do {
            try await store.enrol(serverURL: bureau.url, code: "2222-2222", deviceName: "Test-iPhone")
            XCTFail("a wrong code must be refused")
        } catch let error as CoreError {
            XCTAssertTrue([.refused, .network, .invalidInput].contains(error.kind), "\(error.kind): \(error.message)")
            XCTAssertFalse(error.message.isEmpty)
        }

        // Enrol: the callback fires and the store shows the link and the bureau's trajectory.
        let before = store.changeCount
        let info = try await store.enrol(serverURL: bureau.url, code: bureau.code, deviceName: "Test-iPhone")
        XCTAssertFalse(info.deviceId.isEmpty)
        XCTAssertEqual(info.employeeId, bureau.employee)
        XCTAssertGreaterThan(store.changeCount, before, "enrolling fires the change callback")
        XCTAssertEqual(store.syncStatus?.enrolled, true)
        // The journal's key sits in the Keychain too, from the first open on.
        XCTAssertEqual(secrets.keys.filter { $0 != "journal_key" }.count, 1, "the device credential went to the SecretStore (Keychain)")

        // Log offline, then sync: nothing pending afterwards.
        try await store.logApplication(employer: "Acme", role: "Planner")
        XCTAssertGreaterThan(store.syncStatus?.pendingChanges ?? 0, 0)
        try await store.syncNow()
        XCTAssertEqual(store.syncStatus?.pendingChanges, 0)
        XCTAssertNotNil(store.syncStatus?.lastSyncedAt)
        if let target = bureau.weeklyTarget {
            XCTAssertEqual(store.trajectory?.weeklyTarget, target, "the bureau's trajectory came down")
        }

        // The coach proposes an appointment; the next sync brings it, through the callback.
        let appointmentId = try await bureau.coachSchedulesAppointment(
            startsAt: CoreDates.instantText(Date().addingTimeInterval(3 * 86_400)),
            endsAt: CoreDates.instantText(Date().addingTimeInterval(3 * 86_400 + 3_600)),
            agenda: "Sollicitatiebrief")
        XCTAssertFalse(store.appointments.contains { $0.id == appointmentId })
        let callbacks = store.changeCount
        try await expectChange(store, where: { $0.contains(.appointments) }) {
            let outcome = try await store.syncNow()
            XCTAssertGreaterThan(outcome.changesReceived, 0)
        }
        XCTAssertGreaterThan(store.changeCount, callbacks)
        let appointment = try XCTUnwrap(store.appointments.first { $0.id == appointmentId })
        XCTAssertEqual(appointment.proposedBy, .coach)
        XCTAssertEqual(appointment.status, .proposed)
        XCTAssertEqual(appointment.agenda, "Sollicitatiebrief")
        XCTAssertEqual(store.today?.nextAppointment?.id, appointmentId)

        // The employee confirms; the confirmation syncs up.
        try await store.confirmAppointment(id: appointmentId)
        try await store.syncNow()
        XCTAssertEqual(store.syncStatus?.pendingChanges, 0)

        // Signing out removes the credential from the SecretStore.
        try await store.signOut(wipe: false)
        XCTAssertEqual(store.syncStatus?.enrolled, false)
        XCTAssertEqual(secrets.keys, ["journal_key"], "only the journal's key stays, for the data that stays")
        XCTAssertFalse(store.applications.isEmpty, "without wipe the data stays")
    }
}
