// Calls from several tasks at once: through the store and straight on the core object.
import Foundation
import XCTest
import KoersCore
@testable import KoersKit

@MainActor
final class ConcurrencyTests: XCTestCase {
    func testWritesFromManyTasksThroughTheStoreAllLand() async throws {
        let dir = try TempDir()
        let store = try await DossierStore.open(path: dir.path("dossier.db"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for t in 0..<6 {
                group.addTask { @MainActor in
                    for i in 0..<8 {
                        try await store.logApplication(employer: "Werkgever \(t)-\(i)", role: "Planner")
                    }
                }
            }
            try await group.waitForAll()
        }
        await store.settle()
        XCTAssertEqual(store.applications.count, 48)
        XCTAssertEqual(store.changeCount, 48, "one callback per write")
        XCTAssertEqual(Set(store.applications.map(\.employer)).count, 48)
    }

    func testDetachedTasksMayCallTheCoreAtOnce() async throws {
        let dir = try TempDir()
        let path = dir.path("dossier.db")
        let koers = try Koers.open(path: path)
        let heard = Heard()
        _ = koers.addObserver(observer: ClosureObserver { heard.add($0) })
        let counts = try await withThrowingTaskGroup(of: Int.self) { group -> [Int] in
            for t in 0..<4 {
                group.addTask {
                    for i in 0..<10 {
                        _ = try koers.logApplication(input: ApplicationInput(employer: "W\(t)-\(i)", role: "R"))
                    }
                    return try koers.listApplications(filter: ApplicationFilter()).count
                }
                group.addTask {
                    // Readers alongside the writers.
                    var seen = 0
                    for _ in 0..<10 {
                        seen = max(seen, Int(koers.weeklyProgress(weeks: 4).thisWeek.applications))
                        _ = koers.today()
                    }
                    return seen
                }
            }
            var all: [Int] = []
            for try await n in group { all.append(n) }
            return all
        }
        XCTAssertTrue(counts.allSatisfy { $0 <= 40 })
        XCTAssertEqual(try koers.listApplications(filter: ApplicationFilter()).count, 40)
        XCTAssertEqual(heard.calls.count, 40)
        let reopened = try Koers.open(path: path)
        XCTAssertEqual(try reopened.listApplications(filter: ApplicationFilter()).count, 40)
    }
}
