// What the applications list's search field and status chips ask the core for.
import Foundation
import KoersCore

extension ApplicationFilter {
    /// The filter for the list's search text, the chosen status chips and the "follow up"
    /// toggle: statuses in the core's order, an empty or blank search as no search.
    public static func forList(search: String, statuses: Set<ApplicationStatus>, followUpOnly: Bool) -> ApplicationFilter {
        let text = search.trimmingCharacters(in: .whitespaces)
        return ApplicationFilter(
            statuses: ApplicationStatus.allCases.filter(statuses.contains),
            text: text.isEmpty ? nil : text, needsFollowUp: followUpOnly)
    }
}
