// Shared helpers for the KoersKit tests: fresh dossiers in temporary directories, waiting.
import Foundation
import XCTest
import KoersCore
@testable import KoersKit

/// A fresh directory per test, removed afterwards.
final class TempDir {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("koerskit-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// A date `days` from today as YYYY-MM-DD (Dutch calendar), as the core reads it.
func day(_ days: Int) -> String {
    CoreDates.dayText(Date().addingTimeInterval(Double(days) * 86_400))
}

/// An appointment slot `days` from now at `hour`:00 Dutch time, as YYYY-MM-DDTHH:MM.
func slot(_ days: Int, _ hour: Int) -> String {
    "\(day(days))T\(String(format: "%02d", hour)):00"
}

/// Runs `trigger`, then waits on the store's change stream (subscribed before `trigger`
/// runs, so nothing is missed) for a refresh whose topics satisfy `predicate`.
@MainActor
func expectChange(
    _ store: DossierStore, timeout: TimeInterval = 15,
    file: StaticString = #filePath, line: UInt = #line,
    where predicate: @escaping @Sendable (Set<Topic>) -> Bool,
    during trigger: () async throws -> Void
) async throws {
    let stream = store.changes()
    try await trigger()
    let found = await withTaskGroup(of: Bool.self) { group -> Bool in
        group.addTask {
            for await topics in stream where predicate(topics) { return true }
            return false
        }
        group.addTask {
            try? await Task.sleep(nanoseconds: UInt64(timeout * 1_000_000_000))
            return false
        }
        let first = await group.next() ?? false
        group.cancelAll()
        return first
    }
    if !found { XCTFail("no matching change within \(timeout) s", file: file, line: line) }
}
