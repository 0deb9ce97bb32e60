// The shared tables of cases in tests/cases/, which the core's own tests and the Kotlin kit's
// JUnit tests read too: the same inputs must give the same answers on every platform.
import Foundation
import XCTest
import KoersCore
@testable import KoersKit

/// The rows of tests/cases/`name` (tab-separated; comments and blank lines left out).
func caseRows(_ name: String, file: StaticString = #filePath) throws -> [(line: Int, cols: [String])] {
    // ios/KoersKit/Tests/KoersKitTests/<this file> -> the repository's root.
    var root = URL(fileURLWithPath: "\(file)")
    for _ in 0..<5 { root.deleteLastPathComponent() }
    let text = try String(contentsOf: root.appendingPathComponent("tests/cases/\(name)"), encoding: .utf8)
    return text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().compactMap { i, raw in
        let line = String(raw)
        if line.hasPrefix("#") || line.trimmingCharacters(in: .whitespaces).isEmpty { return nil }
        return (i + 1, line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init))
    }
}

final class CasesTests: XCTestCase {
    func testEnrolmentInputReadsAsInTheSharedTable() throws {
        let rows = try caseRows("enrolment.tsv")
        XCTAssertGreaterThanOrEqual(rows.count, 10)
        for (line, cols) in rows {
            XCTAssertEqual(cols.count, 4, "line \(line)")
            let (input, fallback, code, server) = (cols[0], cols[1], cols[2], cols[3])
            do {
                let got = try parseEnrolmentInput(text: input, fallbackServer: fallback.isEmpty ? nil : fallback)
                XCTAssertFalse(code.hasPrefix("!"), "line \(line): expected a refusal, got \(got)")
                XCTAssertEqual(got.code, code, "line \(line)")
                XCTAssertEqual(got.serverUrl, server.isEmpty ? nil : server, "line \(line)")
            } catch {
                let e = CoreError.from(error)
                XCTAssertTrue(code.hasPrefix("!"), "line \(line): \(e.message)")
                XCTAssertEqual(e.kind, .invalidInput, "line \(line)")
                XCTAssertEqual(e.field, inputFieldLabel(field: String(code.dropFirst())), "line \(line)")
            }
        }
    }

    func testSharedTextGivesTheLinkInTheSharedTable() throws {
        let rows = try caseRows("shared_link.tsv")
        XCTAssertGreaterThanOrEqual(rows.count, 5)
        for (line, cols) in rows {
            let expected = cols.count > 1 && !cols[1].isEmpty ? cols[1] : nil
            XCTAssertEqual(sharedLink(text: cols[0]), expected, "line \(line)")
        }
    }
}
