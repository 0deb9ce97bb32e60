// The observable store the app uses: async writes off the main actor, lists refreshed
// through the core's change callback, errors as CoreError with the core's message.
import Foundation
import XCTest
import KoersCore
@testable import KoersKit

@MainActor
final class DossierStoreTests: XCTestCase {
    private var dir: TempDir!

    override func setUp() async throws {
        dir = try TempDir()
    }

    private func openStore() async throws -> DossierStore {
        try await DossierStore.open(path: dir.path("dossier.db"))
    }

    func testAWriteRefreshesTheListsThroughTheCallback() async throws {
        let store = try await openStore()
        XCTAssertTrue(store.applications.isEmpty)
        XCTAssertNotNil(store.trajectory)
        XCTAssertEqual(store.changeCount, 0)

        let app = try await store.logApplication(employer: "Acme", role: "Planner")
        XCTAssertEqual(store.applications.map(\.id), [app.id], "refreshed before the write returns")
        XCTAssertEqual(store.changeCount, 1)
        XCTAssertEqual(store.lastChange, [.applications])
        XCTAssertEqual(store.progress?.thisWeek.applications, 1)
        XCTAssertEqual(store.syncStatus?.enrolled, false)

        try await store.setStatus(id: app.id, .interview)
        XCTAssertEqual(store.applications.first?.status, .interview)
        try await store.editApplication(id: app.id, ApplicationUpdate(notes: "Gesprek dinsdag"))
        XCTAssertEqual(store.applications.first?.notes, "Gesprek dinsdag")
        try await store.deleteApplication(id: app.id)
        XCTAssertTrue(store.applications.isEmpty)
    }

    func testTheFilterAppliesToLaterRefreshes() async throws {
        let store = try await openStore()
        try await store.logApplication(ApplicationInput(employer: "Acme", role: "Planner", status: .applied))
        try await store.setFilter(ApplicationFilter(statuses: [.interview]))
        XCTAssertTrue(store.applications.isEmpty)
        try await store.logApplication(ApplicationInput(employer: "Globex", role: "Planner", status: .interview))
        XCTAssertEqual(store.applications.map(\.employer), ["Globex"])
        try await store.setFilter(ApplicationFilter())
        XCTAssertEqual(store.applications.count, 2)
    }

    func testAppointmentsActionsTrajectoryAndJournal() async throws {
        let store = try await openStore()
        let a = try await store.scheduleAppointment(AppointmentInput(
            startsAt: slot(2, 14), endsAt: slot(2, 15), kind: .intake))
        XCTAssertEqual(store.appointments.map(\.id), [a.id])
        XCTAssertEqual(store.today?.nextAppointment?.id, a.id)
        try await store.confirmAppointment(id: a.id)
        XCTAssertEqual(store.appointments.first?.status, .confirmed)

        let action = try await store.addAction(ActionInput(title: "Cv bijwerken", due: day(3)))
        XCTAssertEqual(store.actions.map(\.id), [action.id])
        XCTAssertEqual(store.today?.openActions.map(\.id), [action.id])
        try await store.setActionDone(id: action.id, true)
        XCTAssertEqual(store.today?.openActions.count, 0)

        try await store.updateTrajectory(TrajectoryUpdate(
            kind: .spoor2, firstSickDay: day(-300), phase: .jobHunting, weeklyTarget: 4))
        XCTAssertEqual(store.trajectory?.kind, .spoor2)
        XCTAssertEqual(store.trajectory?.weeklyTarget, 4)
        XCTAssertFalse(store.milestones.isEmpty, "milestones follow the first sick day")
        XCTAssertEqual(store.progress?.target, 4)

        try await store.addJournalEntry(date: day(0), text: "Goede dag", energy: 4)
        XCTAssertEqual(store.journal.map(\.text), ["Goede dag"])
        XCTAssertEqual(store.lastChange, [.journal])
    }

    func testErrorsAreThrownAsCoreErrorsWithTheCoresMessage() async throws {
        let store = try await openStore()
        do {
            try await store.logApplication(ApplicationInput(employer: "Acme", role: "Planner", followUp: "morgen"))
            XCTFail("expected an error")
        } catch let error as CoreError {
            XCTAssertEqual(error.kind, .invalidInput)
            XCTAssertEqual(error.field, inputFieldLabel(field: "follow_up"))
            XCTAssertTrue(error.message.hasPrefix("opvolgen op:"), error.message)
            XCTAssertEqual(error.localizedDescription, error.message)
        }
        do {
            try await store.syncNow()
            XCTFail("expected an error")
        } catch let error as CoreError {
            XCTAssertEqual(error.kind, .notEnrolled)
        }
        XCTAssertFalse(store.isSyncing)
        do {
            try await store.confirmAppointment(id: "bestaat-niet")
            XCTFail("expected an error")
        } catch let error as CoreError {
            XCTAssertEqual(error.kind, .notFound)
        }
        XCTAssertTrue(store.applications.isEmpty)
        XCTAssertEqual(store.changeCount, 0, "failed writes change nothing")
    }

    func testChangesFromElsewhereArriveThroughTheCallback() async throws {
        let store = try await openStore()
        let core = store.core
        // A write on another thread, past the store (as a background sync would be).
        try await expectChange(store, where: { $0.contains(.applications) }) {
            try await Task.detached {
                _ = try core.logApplication(input: ApplicationInput(employer: "Buiten", role: "Om"))
            }.value
        }
        XCTAssertEqual(store.applications.map(\.employer), ["Buiten"])
        XCTAssertEqual(store.changeCount, 1)
    }

    func testExportWritesAFileForTheShareSheet() async throws {
        let store = try await openStore()
        try await store.logApplication(employer: "Acme", role: "Planner")
        let url = try await store.export(.csv, to: dir.url.appendingPathComponent("sollicitaties.csv"))
        let text = try String(contentsOf: url, encoding: .utf8)
        XCTAssertTrue(text.contains("Acme"))
        do {
            try await store.export(.csv, to: URL(fileURLWithPath: "/nonexistent/dir/x.csv"))
            XCTFail("expected an error")
        } catch let error as CoreError {
            XCTAssertEqual(error.kind, .io)
        }
    }

    func testSignOutWithWipeEmptiesTheDossier() async throws {
        let secrets = InMemorySecretStore()
        let store = try await DossierStore.open(path: dir.path("dossier.db"), secrets: secrets)
        try await store.logApplication(employer: "Acme", role: "Planner")
        try await store.addJournalEntry(date: day(0), text: "prive", energy: 3)
        try await store.signOut(wipe: true)
        XCTAssertTrue(store.applications.isEmpty)
        XCTAssertTrue(store.journal.isEmpty)
        // The device credential is gone; the journal's key stays for the journal to come.
        XCTAssertEqual(secrets.keys, ["journal_key"])
    }
}

final class HelpersTests: XCTestCase {
    func testRemindersAreHandedOutOnceFromTheCoresLedger() throws {
        let dir = try TempDir()
        let koers = try Koers.open(path: dir.path("k.db"))
        _ = try koers.logApplication(input: ApplicationInput(employer: "Acme", role: "Planner", followUp: "2020-01-06"))
        let first = try koers.planReminders(days: 7)
        XCTAssertTrue(first.post.contains { $0.reminder.kind == .followUp }, "\(first)")
        XCTAssertTrue(try koers.planReminders(days: 7).post.isEmpty, "nothing new the second time")
        // Another process on the same file (the share extension) knows it too.
        XCTAssertTrue(try Koers.open(path: dir.path("k.db")).planReminders(days: 7).post.isEmpty)
        XCTAssertEqual(first.post[0].reminder.notificationIdentifier, "koers.reminder.\(first.post[0].reminder.id)")
        // Due already: shown now, no trigger.
        XCTAssertNil(first.post[0].triggerComponents())
    }

    func testALaterReminderGetsACalendarTriggerAtItsMoment() {
        let reminder = Reminder(id: "r", kind: .followUp, targetId: "t", title: "Nabellen", body: "Acme",
                                dueAt: "2030-03-12T08:00:00Z")
        let later = ScheduledReminder(reminder: reminder, notifyAt: "2030-03-12T08:00:00Z")
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Europe/Amsterdam")!
        let c = later.triggerComponents(now: Date(timeIntervalSince1970: 1_890_000_000), calendar: calendar)
        XCTAssertEqual([c?.year, c?.month, c?.day, c?.hour, c?.minute], [2030, 3, 12, 9, 0])
    }

    func testTheEnrolmentFormReadsAScanAndNamesAProblem() {
        var form = EnrolmentForm()
        XCTAssertTrue(form.scanned("koers://enrol?server=https%3A%2F%2Fbureau.example&code=abcd-efgh"))
        XCTAssertEqual(form.code, "ABCD-EFGH")
        XCTAssertEqual(form.server, "https://bureau.example")
        XCTAssertFalse(form.scanned("hallo"))
        XCTAssertNotNil(form.problem)
        XCTAssertEqual(form.code, "ABCD-EFGH", "a bad scan keeps what was there")
        XCTAssertEqual(try form.request(), EnrolmentRequest(serverURL: "https://bureau.example", code: "ABCD-EFGH"))
        XCTAssertNil(EnrolmentRequest.parse("ABCD-EFGH"), "a bare code needs a server")
    }

    func testAKeychainThatCannotStoreStopsEnrolmentBeforeTheCodeIsSpent() throws {
        final class Failing: SecretStore, @unchecked Sendable {
            func get(key: String) -> String? { nil }
            func put(key: String, value: String) throws { throw SecretStoreError.Unavailable(reason: "keychain locked") }
            func delete(key: String) {}
        }
        let dir = try TempDir()
        let koers = try Koers.openWithSecrets(path: dir.path("k.db"), secrets: Failing())
        // Port 9 on loopback: had the code gone out, this would be a network error.
        XCTAssertThrowsError(try koers.enrol(serverUrl: "http://127.0.0.1:9", code: "ABCD-EFGH", deviceName: "iPhone")) {
            let e = CoreError.from($0)
            XCTAssertEqual(e.kind, .storage)
            XCTAssertTrue(e.message.contains("niet gebruikt"), e.message)
        }
        XCTAssertFalse(try koers.syncStatus().enrolled)
    }

    func testTheSettingsScreensDecisionsAreTheCores() throws {
        let dir = try TempDir()
        let koers = try Koers.open(path: dir.path("k.db"))
        XCTAssertEqual(syncState(status: try koers.syncStatus()), .notLinked)
        XCTAssertFalse(syncSoonAfter(topics: [.applications], status: try koers.syncStatus()))
        XCTAssertEqual(exportFileName(format: .html), "re-integratieverslag.html")
    }

    func testTheListsChipsAndSearchMakeTheCoresFilter() {
        let f = ApplicationFilter.forList(search: "  ", statuses: [.rejected, .applied], followUpOnly: true)
        XCTAssertEqual(f.statuses, [.applied, .rejected], "in the core's order")
        XCTAssertNil(f.text)
        XCTAssertTrue(f.needsFollowUp)
        XCTAssertEqual(ApplicationFilter.forList(search: " noord ", statuses: [], followUpOnly: false).text, "noord")
    }

    func testDatesConvert() {
        XCTAssertEqual(CoreDates.instant("2026-12-01T09:00:00.000Z")?.timeIntervalSince1970, 1_796_115_600)
        XCTAssertEqual(CoreDates.instant("2026-12-01T10:00:00+01:00")?.timeIntervalSince1970, 1_796_115_600)
        XCTAssertNil(CoreDates.instant("gisteren"))
        let date = Date(timeIntervalSince1970: 1_796_079_600) // 2026-11-30T23:00Z = 1 Dec 00:00 Amsterdam
        XCTAssertEqual(CoreDates.dayText(date), "2026-12-01")
        XCTAssertEqual(CoreDates.day("2026-12-01").map(CoreDates.dayText), "2026-12-01")
        XCTAssertEqual(CoreDates.instantText(Date(timeIntervalSince1970: 1_796_115_600)), "2026-12-01T09:00:00Z")
    }

    func testVocabularyKeysUseTheCoresWords() {
        XCTAssertEqual(ApplicationStatus.allCases.count, 8)
        XCTAssertEqual(ApplicationStatus.secondInterview.localizationKey, "status.second_interview")
        XCTAssertEqual(Source.jobFair.localizationKey, "source.job_fair")
        XCTAssertEqual(AppointmentKind.labourExpertAssessment.localizationKey, "appointment_kind.labour_expert_assessment")
        XCTAssertEqual(Phase.jobHunting.localizationKey, "phase.job_hunting")
        XCTAssertFalse(ApplicationStatus.hired.isOpen)
        XCTAssertTrue(ApplicationStatus.offer.isOpen)
        XCTAssertEqual(ApplicationStatus.allCases.filter { $0.isClosed() }, [.hired, .rejected, .withdrawn])
    }
}
