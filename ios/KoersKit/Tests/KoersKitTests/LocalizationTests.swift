// The app's String Catalog (KoersApp/Resources/Localizable.xcstrings) has Dutch and English
// for every key of every core enum the screens show.
import Foundation
import XCTest
import KoersCore
@testable import KoersKit

final class LocalizationTests: XCTestCase {
    func testEveryVocabularyKeyIsTranslatedInDutchAndEnglish() throws {
        let catalog = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("KoersApp/Resources/Localizable.xcstrings")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: catalog)) as? [String: Any]
        let strings = try XCTUnwrap(json?["strings"] as? [String: [String: Any]])
        var keys: [String] = []
        keys += ApplicationStatus.allCases.map(\.localizationKey)
        keys += Source.allCases.map(\.localizationKey)
        keys += AppointmentKind.allCases.map(\.localizationKey)
        keys += AppointmentStatus.allCases.map(\.localizationKey)
        keys += Phase.allCases.map(\.localizationKey)
        keys += TrajectoryKind.allCases.map(\.localizationKey)
        keys += Actor.allCases.map(\.localizationKey)
        for key in keys {
            let localizations = strings[key]?["localizations"] as? [String: Any]
            for language in ["nl", "en"] {
                let unit = (localizations?[language] as? [String: Any])?["stringUnit"] as? [String: Any]
                XCTAssertFalse((unit?["value"] as? String ?? "").isEmpty, "\(key) has no \(language) text")
            }
        }
    }

    func testCountsHaveTheirDutchAndEnglishPlurals() throws {
        let catalog = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("KoersApp/Resources/Localizable.xcstrings")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: catalog)) as? [String: Any]
        let strings = try XCTUnwrap(json?["strings"] as? [String: [String: Any]])
        let localizations = strings["settings.pending_changes %lld"]?["localizations"] as? [String: Any]
        for language in ["nl", "en"] {
            let plural = (((localizations?[language] as? [String: Any])?["variations"] as? [String: Any])?["plural"]
                as? [String: Any])
            for form in ["one", "other"] {
                let unit = (plural?[form] as? [String: Any])?["stringUnit"] as? [String: Any]
                XCTAssertTrue((unit?["value"] as? String ?? "").contains("%lld"), "\(language) \(form)")
            }
        }
        let nlOne = ((((localizations?["nl"] as? [String: Any])?["variations"] as? [String: Any])?["plural"]
            as? [String: Any])?["one"] as? [String: Any])?["stringUnit"] as? [String: Any]
        XCTAssertEqual(nlOne?["value"] as? String, "%lld wijziging wacht op verzending")
    }
}
