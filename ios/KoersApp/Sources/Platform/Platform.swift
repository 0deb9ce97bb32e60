// OS calls only: background refresh scheduling, local notifications, the calendar, the
// share sheet and the code scanner.
import BackgroundTasks
import EventKit
import Foundation
import KoersCore
import KoersKit
import Network
import SwiftUI
import UserNotifications
import VisionKit

/// BGTaskScheduler app refresh for sync.
enum BackgroundSync {
    static let identifier = "nl.koers.app.sync"

    /// Asks for a run in about half an hour (the OS decides when).
    static func schedule() {
        let request = BGAppRefreshTaskRequest(identifier: identifier)
        request.earliestBeginDate = Date(timeIntervalSinceNow: 30 * 60)
        try? BGTaskScheduler.shared.submit(request)
    }
}

/// Hands the core's reminder plan to the notification center: what is due now is shown at
/// once, what becomes due later gets a calendar trigger at its moment (so it appears even
/// when the app does not run), and what no longer applies is withdrawn. Which is which is
/// the core's decision (its ledger in the dossier), not this actor's.
actor ReminderNotifier {
    private let center = UNUserNotificationCenter.current()

    func requestAuthorization() async {
        _ = try? await center.requestAuthorization(options: [.alert, .sound, .badge])
    }

    func apply(_ plan: ReminderPlan) async {
        center.removePendingNotificationRequests(
            withIdentifiers: plan.withdraw.map(Reminder.notificationIdentifier(for:)))
        for scheduled in plan.post {
            let reminder = scheduled.reminder
            let content = UNMutableNotificationContent()
            content.title = reminder.title // Dutch, from the core
            content.body = reminder.body
            content.sound = .default
            content.threadIdentifier = reminder.kind == .appointment ? "appointments" : "follow-ups"
            let trigger = scheduled.triggerComponents().map {
                UNCalendarNotificationTrigger(dateMatching: $0, repeats: false)
            }
            let request = UNNotificationRequest(identifier: reminder.notificationIdentifier,
                                                content: content, trigger: trigger)
            try? await center.add(request)
        }
    }
}

/// Tells when the network comes back while the app runs (vacancy details, sync).
final class NetworkWatch: @unchecked Sendable {
    private let monitor = NWPathMonitor()
    private var wasOnline = true

    func start(onReturn: @escaping @Sendable () -> Void) {
        monitor.pathUpdateHandler = { [weak self] path in
            guard let self else { return }
            let online = path.status == .satisfied
            if online && !self.wasOnline { onReturn() }
            self.wasOnline = online
        }
        monitor.start(queue: DispatchQueue(label: "nl.koers.network"))
    }
}

/// Puts an appointment in the user's calendar (write-only access, iOS 17).
enum CalendarExport {
    static func add(_ appointment: Appointment, title: String) async throws {
        let store = EKEventStore()
        guard try await store.requestWriteOnlyAccessToEvents() else {
            throw CoreError(kind: .other, message: String(localized: "calendar.denied"))
        }
        let event = EKEvent(eventStore: store)
        event.title = title
        event.startDate = CoreDates.instant(appointment.startsAt)
        event.endDate = CoreDates.instant(appointment.endsAt)
        event.location = appointment.location.isEmpty ? nil : appointment.location
        event.notes = appointment.agenda.isEmpty ? nil : appointment.agenda
        event.calendar = store.defaultCalendarForNewEvents
        event.addAlarm(EKAlarm(relativeOffset: -3600))
        try store.save(event, span: .thisEvent)
    }
}

/// The share sheet for an exported file.
struct ShareSheet: UIViewControllerRepresentable {
    let items: [Any]
    func makeUIViewController(context: Context) -> UIActivityViewController {
        UIActivityViewController(activityItems: items, applicationActivities: nil)
    }
    func updateUIViewController(_ controller: UIActivityViewController, context: Context) {}
}

/// Scans the coach's QR code with the camera (VisionKit's DataScanner).
struct CodeScanner: UIViewControllerRepresentable {
    let onCode: (String) -> Void

    @MainActor static var isAvailable: Bool { DataScannerViewController.isSupported && DataScannerViewController.isAvailable }

    func makeUIViewController(context: Context) -> DataScannerViewController {
        let scanner = DataScannerViewController(
            recognizedDataTypes: [.barcode(symbologies: [.qr]), .text()],
            qualityLevel: .balanced, isHighlightingEnabled: true)
        scanner.delegate = context.coordinator
        try? scanner.startScanning()
        return scanner
    }

    func updateUIViewController(_ controller: DataScannerViewController, context: Context) {}

    func makeCoordinator() -> Coordinator { Coordinator(onCode: onCode) }

    @MainActor final class Coordinator: NSObject, DataScannerViewControllerDelegate {
        let onCode: (String) -> Void
        init(onCode: @escaping (String) -> Void) { self.onCode = onCode }

        func dataScanner(_ scanner: DataScannerViewController, didAdd items: [RecognizedItem], allItems: [RecognizedItem]) {
            for item in items {
                switch item {
                case let .barcode(code):
                    if let text = code.payloadStringValue { scanner.stopScanning(); onCode(text); return }
                case let .text(text):
                    // A code printed as text: eight letters/digits, maybe with a dash.
                    let t = text.transcript.trimmingCharacters(in: .whitespaces)
                    if t.range(of: #"^[A-Za-z0-9]{4}-?[A-Za-z0-9]{4}$"#, options: .regularExpression) != nil {
                        scanner.stopScanning(); onCode(t); return
                    }
                @unknown default: break
                }
            }
        }
    }
}
