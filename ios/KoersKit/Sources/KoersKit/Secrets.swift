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

    public func put(key: String, value: String) {
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

    public init(service: String = "nl.koers.app.core") {
        self.service = service
    }

    private func query(_ key: String) -> [String: Any] {
        [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: service,
            kSecAttrAccount as String: key,
        ]
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

    public func put(key: String, value: String) {
        let data = Data(value.utf8)
        let attributes: [String: Any] = [
            kSecValueData as String: data,
            kSecAttrAccessible as String: kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly,
        ]
        let status = SecItemUpdate(query(key) as CFDictionary, attributes as CFDictionary)
        if status == errSecItemNotFound {
            var add = query(key)
            add.merge(attributes) { _, new in new }
            SecItemAdd(add as CFDictionary, nil)
        }
    }

    public func delete(key: String) {
        SecItemDelete(query(key) as CFDictionary)
    }
}
#endif
