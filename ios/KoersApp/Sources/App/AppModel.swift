// App-wide state: where the dossier lives, opening it, and the OS work around sync
// (background refresh, notifications). Rules live in the core and KoersKit.
import Foundation
import KoersCore
import KoersKit
import Observation
import UIKit

@MainActor
@Observable
final class AppModel {
    private(set) var store: DossierStore?
    private(set) var openError: String?
    /// Set by a `koers://enrol?...` link; Settings picks it up.
    var pendingEnrolment: EnrolmentRequest?
    /// The last error of an action, shown as an alert.
    var alert: String?

    @ObservationIgnored private let notifier = ReminderNotifier()
    @ObservationIgnored private let network = NetworkWatch()
    @ObservationIgnored private var watching: Task<Void, Never>?

    /// How far ahead reminders are scheduled with calendar triggers.
    static let reminderDays: UInt32 = 14

    /// Opens the dossier once (in the App Group, shared with the share extension); the device
    /// credential lives in the shared Keychain group.
    func start() async {
        guard store == nil else { return }
        do {
            let path = try SharedDossier.databasePath()
            let store = try await DossierStore.open(path: path, secrets: SharedDossier.secrets())
            SharedDossier.excludeFromBackup(databasePath: path)
            self.store = store
            watch(store)
            network.start { [weak self] in
                Task { @MainActor in await self?.online() }
            }
            await notifier.requestAuthorization()
            await becameActive()
        } catch {
            openError = CoreError.from(error).message
        }
    }

    /// Back in the foreground: links shared meanwhile get their details, sync when linked,
    /// then hand the reminders to the notification center.
    func becameActive() async {
        await online()
    }

    /// The BGAppRefreshTask: the same, and ask for the next run.
    func backgroundRefresh() async {
        BackgroundSync.schedule()
        if store == nil { await start() }
        await online()
    }

    /// What to do with a connection: vacancy details, sync, reminders (what a sync brought).
    private func online() async {
        guard let store else { return }
        _ = try? await store.enrichVacancies()
        if store.syncStatus?.enrolled == true {
            _ = try? await store.syncNow()
        }
        await planReminders(store)
        if let path = try? SharedDossier.databasePath() {
            SharedDossier.excludeFromBackup(databasePath: path) // -wal/-shm exist by now
        }
    }

    private func planReminders(_ store: DossierStore) async {
        if let plan = try? await store.planReminders(days: Self.reminderDays) {
            await notifier.apply(plan)
        }
    }

    /// Runs an action of a screen, showing its error (the core's message) if it fails.
    func run(_ action: @escaping (DossierStore) async throws -> Void) {
        guard let store else { return }
        Task {
            do { try await action(store) } catch { alert = CoreError.from(error).message }
        }
    }

    /// Notifications follow changes to what reminders are about.
    private func watch(_ store: DossierStore) {
        watching?.cancel()
        watching = Task { [notifier] in
            for await topics in store.changes() where !topics.isDisjoint(with: [.applications, .appointments, .actions, .trajectory]) {
                if let plan = try? await store.planReminders(days: Self.reminderDays) {
                    await notifier.apply(plan)
                }
            }
        }
    }

    /// This phone's name for the bureau's device list.
    static var deviceName: String { UIDevice.current.name }
}
