// Which of the core's due reminders still need a notification: once per stable id.
import Foundation
import KoersCore

/// Remembers which reminder ids were notified, so each is posted once (the core keeps an id
/// while the thing is unchanged and gives a new one when its date or time moves).
public struct ReminderLedger: Sendable, Equatable {
    /// The newest ids last; old ones fall off beyond `capacity`.
    public private(set) var notified: [String]
    public let capacity: Int

    public init(notified: [String] = [], capacity: Int = 500) {
        self.capacity = max(1, capacity)
        self.notified = Array(notified.suffix(self.capacity))
    }

    /// The reminders not notified yet, in the core's order; marks them as notified.
    public mutating func take(_ due: [Reminder]) -> [Reminder] {
        var known = Set(notified)
        var fresh: [Reminder] = []
        for reminder in due where !known.contains(reminder.id) {
            known.insert(reminder.id)
            fresh.append(reminder)
            notified.append(reminder.id)
        }
        if notified.count > capacity {
            notified.removeFirst(notified.count - capacity)
        }
        return fresh
    }
}

extension ReminderLedger {
    static let defaultsKey = "nl.koers.notifiedReminders"

    /// The ledger kept in `defaults` (the app's UserDefaults).
    public static func load(from defaults: UserDefaults) -> ReminderLedger {
        ReminderLedger(notified: defaults.stringArray(forKey: defaultsKey) ?? [])
    }

    public func save(to defaults: UserDefaults) {
        defaults.set(notified, forKey: Self.defaultsKey)
    }
}

extension Reminder {
    /// A notification identifier: the reminder id itself, prefixed so the app's other
    /// notifications can't collide with it.
    public var notificationIdentifier: String { "koers.reminder.\(id)" }
}
