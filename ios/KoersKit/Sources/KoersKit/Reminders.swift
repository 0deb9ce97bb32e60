// Turns the core's reminder plan into what the notification center needs: an identifier per
// reminder and the calendar moment of its trigger. Which reminders to post, schedule or
// withdraw is the core's (its reminder ledger, in the dossier's database).
import Foundation
import KoersCore

extension Reminder {
    /// A notification identifier: the reminder id itself, prefixed so the app's other
    /// notifications can't collide with it.
    public var notificationIdentifier: String { Self.notificationIdentifier(for: id) }

    /// The identifier of the notification for reminder `id` (for withdrawing one).
    public static func notificationIdentifier(for id: String) -> String { "koers.reminder.\(id)" }
}

extension ScheduledReminder {
    /// The moment to show it, for a `UNCalendarNotificationTrigger` (year to minute, in
    /// `calendar`'s time zone); nil when that moment has come, so the app shows it now.
    public func triggerComponents(now: Date = Date(), calendar: Calendar = .current) -> DateComponents? {
        guard let at = CoreDates.instant(notifyAt), at > now.addingTimeInterval(30) else { return nil }
        return calendar.dateComponents([.year, .month, .day, .hour, .minute], from: at)
    }
}
