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
    @ObservationIgnored private var watching: Task<Void, Never>?

    /// Opens the dossier once; the device credential lives in the Keychain.
    func start() async {
        guard store == nil else { return }
        do {
            let store = try await DossierStore.open(path: try Self.databasePath(), secrets: KeychainSecretStore())
            self.store = store
            watch(store)
            await notifier.requestAuthorization()
            await becameActive()
        } catch {
            openError = CoreError.from(error).message
        }
    }

    /// Back in the foreground: sync when linked, then notify what's due.
    func becameActive() async {
        guard let store else { return }
        if store.syncStatus?.enrolled == true {
            _ = try? await store.syncNow()
        }
        await notifier.notify(await store.dueReminders())
    }

    /// The BGAppRefreshTask: sync, notify, and ask for the next run.
    func backgroundRefresh() async {
        BackgroundSync.schedule()
        if store == nil { await start() }
        guard let store else { return }
        if store.syncStatus?.enrolled == true {
            _ = try? await store.syncNow()
        }
        await notifier.notify(await store.dueReminders())
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
                await notifier.notify(await store.dueReminders())
            }
        }
    }

    /// Application Support/Koers/dossier.db, protected until the first unlock (so the
    /// background refresh can read it on a locked phone) and kept out of iCloud backups'
    /// plain files by the OS's data protection.
    static func databasePath() throws -> String {
        let fm = FileManager.default
        let dir = try fm.url(for: .applicationSupportDirectory, in: .userDomainMask, appropriateFor: nil, create: true)
            .appendingPathComponent("Koers", isDirectory: true)
        try fm.createDirectory(at: dir, withIntermediateDirectories: true,
                               attributes: [.protectionKey: FileProtectionType.completeUntilFirstUserAuthentication])
        try fm.setAttributes([.protectionKey: FileProtectionType.completeUntilFirstUserAuthentication], ofItemAtPath: dir.path)
        return dir.appendingPathComponent("dossier.db").path
    }

    /// This phone's name for the bureau's device list.
    static var deviceName: String { UIDevice.current.name }
}
