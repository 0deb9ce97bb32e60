// Where the device credential lives: the Keychain on Apple platforms (the core's
// `SecretStore` protocol), or memory for tests and previews.
import Foundation
import KoersCore
#if canImport(Security)
import Security
#endif

/// Secrets in memory only: for tests and SwiftUI previews.
public final class InMemorySecretStore: SecretStore, @unchecked Sendable {
    private let lock = NSLock()
    private var values: [String: String] = [:]

    public init() {}

    public func get(key: String) -> String? {
        lock.lock()
        defer { lock.unlock() }
        return values[key]
    }

    public func put(key: String, value: String) throws {
        lock.lock()
        values[key] = value
        lock.unlock()
    }

    public func delete(key: String) {
        lock.lock()
        values[key] = nil
        lock.unlock()
    }

    /// The keys held now (tests check that sign-out deletes the credential).
    public var keys: [String] {
        lock.lock()
        defer { lock.unlock() }
        return values.keys.sorted()
    }
}

#if canImport(Security)
/// The core's secrets as generic passwords in the Keychain, readable after the first unlock
/// (so background sync works on a locked phone) and never migrated to another device.
public final class KeychainSecretStore: SecretStore, @unchecked Sendable {
    private let service: String
    private let accessGroup: String?

    /// `accessGroup`: a Keychain group shared with the share extension (nil: the app's own).
    public init(service: String = "nl.koers.app.core", accessGroup: String? = nil) {
        self.service = service
        self.accessGroup = accessGroup
    }

    private func query(_ key: String) -> [String: Any] {
        var q: [String: Any] = [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: service,
            kSecAttrAccount as String: key,
        ]
        if let accessGroup { q[kSecAttrAccessGroup as String] = accessGroup }
        return q
    }

    public func get(key: String) -> String? {
        var q = query(key)
        q[kSecReturnData as String] = true
        q[kSecMatchLimit as String] = kSecMatchLimitOne
        var result: AnyObject?
        guard SecItemCopyMatching(q as CFDictionary, &result) == errSecSuccess,
              let data = result as? Data else { return nil }
        return String(data: data, encoding: .utf8)
    }

    /// Throws when the Keychain did not store it, so the core stops an enrolment (before
    /// the code is spent, or by revoking the new device) instead of half-linking the phone.
    public func put(key: String, value: String) throws {
        let data = Data(value.utf8)
        let attributes: [String: Any] = [
            kSecValueData as String: data,
            kSecAttrAccessible as String: kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly,
        ]
        var status = SecItemUpdate(query(key) as CFDictionary, attributes as CFDictionary)
        if status == errSecItemNotFound {
            var add = query(key)
            add.merge(attributes) { _, new in new }
            status = SecItemAdd(add as CFDictionary, nil)
        }
        guard status == errSecSuccess else {
            let reason = SecCopyErrorMessageString(status, nil) as String? ?? "OSStatus \(status)"
            throw SecretStoreError.Unavailable(reason: reason)
        }
    }

    public func delete(key: String) {
        SecItemDelete(query(key) as CFDictionary)
    }
}
#endif
