// Where the app and its share extension find the one dossier: a database in the App Group
// container (two processes on one file; the core's store is safe with several writers), the
// device credential in a Keychain access group both may read, and the database files kept
// out of iCloud and computer backups (the private journal is in them).
import Foundation
import KoersKit

enum SharedDossier {
    /// The App Group both targets have in their entitlements.
    static let appGroup = "group.nl.koers.app"
    /// The Keychain group both targets share (the team prefix is added by the entitlement).
    static let keychainGroup = "nl.koers.app.shared"

    /// <App Group>/Library/Application Support/Koers/dossier.db, protected until the first
    /// unlock (so background work can read it on a locked phone).
    static func databasePath() throws -> String {
        let fm = FileManager.default
        guard let container = fm.containerURL(forSecurityApplicationGroupIdentifier: appGroup) else {
            throw CoreError(kind: .other, message: "App Group \(appGroup) is missing from the entitlements")
        }
        let dir = container
            .appendingPathComponent("Library/Application Support/Koers", isDirectory: true)
        try fm.createDirectory(at: dir, withIntermediateDirectories: true,
                               attributes: [.protectionKey: FileProtectionType.completeUntilFirstUserAuthentication])
        return dir.appendingPathComponent("dossier.db").path
    }

    /// Keeps the database and SQLite's companion files out of backups: the folder and each
    /// file that exists now (SQLite creates -wal and -shm on first write; the folder's flag
    /// covers them until then).
    static func excludeFromBackup(databasePath: String) {
        let db = URL(fileURLWithPath: databasePath)
        var urls = [db.deletingLastPathComponent()]
        urls += ["", "-wal", "-shm"].map { URL(fileURLWithPath: databasePath + $0) }
        for var url in urls where FileManager.default.fileExists(atPath: url.path) {
            var values = URLResourceValues()
            values.isExcludedFromBackup = true
            try? url.setResourceValues(values)
        }
    }

    /// The dossier with the shared Keychain; the caller keeps it for its lifetime.
    static func secrets() -> KeychainSecretStore {
        KeychainSecretStore(accessGroup: keychainGroup)
    }
}
