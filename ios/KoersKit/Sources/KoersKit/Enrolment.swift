// Reads what the employee typed or scanned to enrol: a bureau address and a one-time code.
import Foundation

/// An enrolment request as the Settings screen collects it.
public struct EnrolmentRequest: Equatable, Sendable {
    public var serverURL: String
    public var code: String

    public init(serverURL: String, code: String) {
        self.serverURL = serverURL
        self.code = code
    }

    /// Reads a scanned QR code or pasted text. Understood:
    /// - a link with `code` (and optionally `server`) in its query, e.g.
    ///   `koers://enrol?server=https://bureau.example&code=ABCD-EFGH` or
    ///   `https://bureau.example/koppel?code=ABCD-EFGH` (then the link's own origin is the server);
    /// - a bare code (`ABCD-EFGH`), with the server from `fallbackServer`.
    /// The code itself is checked by the bureau; here it is only trimmed and upper-cased.
    public static func parse(_ text: String, fallbackServer: String? = nil) -> EnrolmentRequest? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return nil }
        if trimmed.contains("://"), let components = URLComponents(string: trimmed) {
            let items = components.queryItems ?? []
            func value(_ name: String) -> String? {
                items.first { $0.name == name }?.value?
                    .trimmingCharacters(in: .whitespacesAndNewlines)
                    .nilIfEmpty
            }
            guard let code = value("code") else { return nil }
            var server = value("server")
            if server == nil, let scheme = components.scheme?.lowercased(),
               scheme == "http" || scheme == "https", let host = components.host {
                server = "\(scheme)://\(host)" + (components.port.map { ":\($0)" } ?? "")
            }
            guard let server = server ?? fallbackServer?.nilIfEmpty else { return nil }
            return EnrolmentRequest(serverURL: server, code: code.uppercased())
        }
        guard let server = fallbackServer?.trimmingCharacters(in: .whitespacesAndNewlines).nilIfEmpty else {
            return nil
        }
        return EnrolmentRequest(serverURL: server, code: trimmed.uppercased())
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
