// The generated bindings on their own: the same scenarios as the Kotlin tests, straight on
// the `Koers` object (log, edit, list, filter, appointments, errors, the change callback).
import Foundation
import XCTest
import KoersCore
@testable import KoersKit

final class BindingsTests: XCTestCase {
    private var dir: TempDir!
    private var koers: Koers!

    override func setUpWithError() throws {
        dir = try TempDir()
        koers = try Koers.open(path: dir.path("dossier.db"))
    }

    override func tearDown() {
        koers = nil
        dir = nil
    }

    func testLogsAnApplicationWithOnlyEmployerAndRole() throws {
        let app = try koers.logApplication(input: ApplicationInput(employer: "Acme", role: "Planner"))
        XCTAssertEqual(app.employer, "Acme")
        XCTAssertEqual(app.role, "Planner")
        XCTAssertEqual(app.date, day(0), "the date defaults to today (Dutch time)")
        XCTAssertFalse(app.id.isEmpty)
        XCTAssertEqual(try koers.listApplications(filter: ApplicationFilter()).map(\.id), [app.id])
        XCTAssertEqual(try koers.application(id: app.id), app)
    }

    func testEditsAndStatusChangesKeepTheirHistory() throws {
        let app = try koers.logApplication(input: ApplicationInput(
            employer: "Acme", role: "Planner", source: .vacancySite, status: .applied))
        let edited = try koers.editApplication(id: app.id, update: ApplicationUpdate(
            role: "Senior planner", contact: "Jan de Vries", followUp: day(7)))
        XCTAssertEqual(edited.role, "Senior planner")
        XCTAssertEqual(edited.contact, "Jan de Vries")
        XCTAssertEqual(edited.followUp, day(7))
        XCTAssertEqual(edited.source, .vacancySite, "absent fields stay")

        let cleared = try koers.editApplication(id: app.id, update: ApplicationUpdate(contact: ""))
        XCTAssertNil(cleared.contact, "an empty text clears an optional field")

        let interview = try koers.setStatus(id: app.id, status: .interview)
        XCTAssertEqual(interview.status, .interview)
        XCTAssertEqual(interview.history.map(\.status).suffix(2), [.applied, .interview])
        XCTAssertEqual(interview.history.last?.by, .employee)

        try koers.deleteApplication(id: app.id)
        XCTAssertTrue(try koers.listApplications(filter: ApplicationFilter()).isEmpty)
    }

    func testFiltersByStatusTextAndPeriod() throws {
        _ = try koers.logApplication(input: ApplicationInput(employer: "Acme", role: "Planner", date: day(-20), status: .applied))
        _ = try koers.logApplication(input: ApplicationInput(employer: "Globex", role: "Logistiek medewerker", date: day(-2), status: .interview))
        _ = try koers.logApplication(input: ApplicationInput(employer: "Initech", role: "Planner", date: day(-1), status: .rejected))

        let interviews = try koers.listApplications(filter: ApplicationFilter(statuses: [.interview]))
        XCTAssertEqual(interviews.map(\.employer), ["Globex"])

        let planners = try koers.listApplications(filter: ApplicationFilter(text: "planner"))
        XCTAssertEqual(Set(planners.map(\.employer)), ["Acme", "Initech"])

        let recent = try koers.listApplications(filter: ApplicationFilter(from: day(-7), to: day(0)))
        XCTAssertEqual(Set(recent.map(\.employer)), ["Globex", "Initech"])

        let openPlanners = try koers.listApplications(filter: ApplicationFilter(statuses: [.applied, .interview], text: "planner"))
        XCTAssertEqual(openPlanners.map(\.employer), ["Acme"])
    }

    func testFollowUpsDueAreFilteredAndOnTheStartScreen() throws {
        let due = try koers.logApplication(input: ApplicationInput(
            employer: "Acme", role: "Planner", status: .applied, followUp: day(-1)))
        _ = try koers.logApplication(input: ApplicationInput(
            employer: "Globex", role: "Planner", status: .applied, followUp: day(5)))
        let needing = try koers.listApplications(filter: ApplicationFilter(needsFollowUp: true))
        XCTAssertEqual(needing.map(\.id), [due.id])
        XCTAssertEqual(koers.today().followUpsDue.map(\.id), [due.id])
        XCTAssertTrue(koers.dueReminders().contains { $0.kind == .followUp && $0.targetId == due.id })
    }

    func testAppointmentsAreScheduledConfirmedAndListed() throws {
        let a = try koers.scheduleAppointment(input: AppointmentInput(
            startsAt: slot(3, 10), endsAt: slot(3, 11), kind: .coaching, location: "Utrecht", agenda: "cv"))
        XCTAssertEqual(a.kind, .coaching)
        XCTAssertEqual(a.proposedBy, .employee)
        XCTAssertNotNil(CoreDates.instant(a.startsAt))
        XCTAssertEqual(try koers.confirmAppointment(id: a.id).status, .confirmed)
        let moved = try koers.updateAppointment(id: a.id, update: AppointmentUpdate(location: "Online"))
        XCTAssertEqual(moved.location, "Online")
        XCTAssertEqual(try koers.listAppointments(upcomingOnly: true).map(\.id), [a.id])
        XCTAssertEqual(koers.today().nextAppointment?.id, a.id)
        XCTAssertEqual(try koers.cancelAppointment(id: a.id).status, .cancelled)
        let ics = try koers.export(format: .ics, from: nil, to: nil, includeJournal: false)
        XCTAssertTrue(ics.contains("BEGIN:VCALENDAR"))
    }

    func testErrorsAreSwiftErrorsWithTheCoresMessage() throws {
        XCTAssertThrowsError(try koers.logApplication(input: ApplicationInput(employer: "", role: "Planner"))) { error in
            guard case let KoersError.InvalidInput(message) = error else {
                return XCTFail("expected InvalidInput, got \(error)")
            }
            XCTAssertTrue(message.hasPrefix("werkgever:"), message)
        }
        XCTAssertThrowsError(try koers.logApplication(input: ApplicationInput(employer: "Acme", role: "Planner", date: "31-12-2026"))) { error in
            let core = CoreError.from(error)
            XCTAssertEqual(core.kind, .invalidInput)
            XCTAssertEqual(core.field, inputFieldLabel(field: "date"))
            XCTAssertEqual(core.localizedDescription, core.message, "the description is the core's message")
        }
        XCTAssertThrowsError(try koers.scheduleAppointment(input: AppointmentInput(
            startsAt: slot(2, 10), endsAt: slot(2, 9), kind: .coaching))) { error in
            XCTAssertTrue(CoreError.from(error).message.hasPrefix("einde:"), "\(error)")
        }
        XCTAssertThrowsError(try koers.application(id: "nope")) { error in
            XCTAssertEqual(CoreError.from(error).kind, .notFound)
        }
        XCTAssertThrowsError(try koers.syncNow()) { error in
            guard case KoersError.NotEnrolled = error else { return XCTFail("\(error)") }
            XCTAssertTrue(CoreError.from(error).message.contains("niet gekoppeld"))
        }
        XCTAssertThrowsError(try Koers.open(path: "  ")) { error in
            XCTAssertEqual(CoreError.from(error).field, "bestand")
        }
        XCTAssertTrue(try koers.listApplications(filter: ApplicationFilter()).isEmpty, "nothing was stored")
    }

    func testTheChangeCallbackHearsWritesButNotFailedOnes() throws {
        let heard = Heard()
        let id = koers.addObserver(observer: ClosureObserver { heard.add($0) })
        _ = try koers.logApplication(input: ApplicationInput(employer: "Acme", role: "Planner"))
        XCTAssertEqual(heard.calls, [[.applications]])
        _ = try? koers.logApplication(input: ApplicationInput(employer: "", role: "Planner"))
        XCTAssertEqual(heard.calls.count, 1)
        _ = try koers.addJournalEntry(date: day(0), text: "Moe vandaag", energy: 2)
        XCTAssertEqual(heard.calls.last, [.journal])
        koers.removeObserver(id: id)
        _ = try koers.logApplication(input: ApplicationInput(employer: "Globex", role: "Planner"))
        XCTAssertEqual(heard.calls.count, 2)
    }

    func testTheDossierSurvivesReopeningWithKeychainLikeSecrets() throws {
        _ = try koers.logApplication(input: ApplicationInput(employer: "Acme", role: "Planner"))
        koers = nil
        let secrets = InMemorySecretStore()
        let again = try Koers.openWithSecrets(path: dir.path("dossier.db"), secrets: secrets)
        XCTAssertEqual(try again.listApplications(filter: ApplicationFilter()).map(\.employer), ["Acme"])
        XCTAssertFalse(try again.syncStatus().enrolled)
    }
}

/// Collects callback topics from any thread.
final class Heard: @unchecked Sendable {
    private let lock = NSLock()
    private var _calls: [[Topic]] = []
    func add(_ topics: [Topic]) { lock.lock(); _calls.append(topics); lock.unlock() }
    var calls: [[Topic]] { lock.lock(); defer { lock.unlock() }; return _calls }
}
