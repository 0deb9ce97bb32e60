// The core's dates and instants (texts over the FFI) to and from Foundation dates.
import Foundation
import KoersCore

/// The core speaks `YYYY-MM-DD` for days (Dutch calendar) and RFC 3339 for instants; the
/// app's pickers and EventKit speak `Date`. Conversions only: the rules stay in the core.
public enum CoreDates {
    public static let amsterdam = TimeZone(identifier: "Europe/Amsterdam") ?? TimeZone(secondsFromGMT: 3600)!

    /// An RFC 3339 instant as the core writes it (`2026-12-01T09:00:00.000Z`), or without
    /// fractional seconds.
    public static func instant(_ text: Timestamp) -> Date? {
        let withFraction = ISO8601DateFormatter()
        withFraction.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = withFraction.date(from: text) { return date }
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        return plain.date(from: text)
    }

    /// A date as the core reads it: RFC 3339 in UTC.
    public static func instantText(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: date)
    }

    /// The Dutch calendar day of `date` as `YYYY-MM-DD`.
    public static func dayText(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = amsterdam
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0)
    }

    /// Noon (Dutch time) of a `YYYY-MM-DD` day: a `Date` that stays on that day in any
    /// nearby time zone, for date pickers.
    public static func day(_ text: LocalDate) -> Date? {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = amsterdam
        return calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2], hour: 12))
    }
}
