// Reads what the employee typed or scanned to enrol. The reading is the core's
// (`parseEnrolmentInput`), so a code reads the same on iOS and Android; this only adapts it
// to the Settings screen's fields.
import Foundation
import KoersCore

/// An enrolment request as the Settings screen collects it.
public struct EnrolmentRequest: Equatable, Sendable {
    public var serverURL: String
    public var code: String

    public init(serverURL: String, code: String) {
        self.serverURL = serverURL
        self.code = code
    }

    /// Reads a scanned QR code, a pasted link or a typed code (see core/src/enrolment.rs);
    /// nil when it holds no code or no bureau is known (`fallbackServer` is the form's).
    public static func parse(_ text: String, fallbackServer: String? = nil) -> EnrolmentRequest? {
        guard let input = try? parseEnrolmentInput(text: text, fallbackServer: fallbackServer),
              let server = input.serverUrl else { return nil }
        return EnrolmentRequest(serverURL: server, code: input.code)
    }
}

/// The enrolment form's fields and what its buttons do, as a value the screen binds to.
public struct EnrolmentForm: Equatable, Sendable {
    public var server: String
    public var code: String
    /// Why the last scan or submit failed, in the core's words.
    public private(set) var problem: String?

    public init(server: String = "", code: String = "") {
        self.server = server
        self.code = code
    }

    /// A scanned or pasted text: fills the code, and the server when the text names one.
    @discardableResult
    public mutating func scanned(_ text: String) -> Bool {
        do {
            let input = try parseEnrolmentInput(text: text, fallbackServer: server.isEmpty ? nil : server)
            code = input.code
            if let s = input.serverUrl { server = s }
            problem = nil
            return true
        } catch {
            problem = CoreError.from(error).message
            return false
        }
    }

    /// The checked server and code to enrol with; throws the core's refusal.
    public mutating func request() throws -> EnrolmentRequest {
        do {
            let input = try parseEnrolmentInput(text: code, fallbackServer: server.isEmpty ? nil : server)
            guard let s = input.serverUrl else {
                throw KoersError.InvalidInput(message: "server: vul het adres van je bureau in")
            }
            problem = nil
            return EnrolmentRequest(serverURL: s, code: input.code)
        } catch {
            problem = CoreError.from(error).message
            throw error
        }
    }
}
