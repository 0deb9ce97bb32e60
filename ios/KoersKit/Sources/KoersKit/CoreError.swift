// The core's typed errors as a Swift error whose description is the core's own message.
import Foundation
import KoersCore

/// An error from the core, carrying the core's message (what a person can act on).
///
/// The generated `KoersError` already conforms to `LocalizedError`, but its description is
/// the debug spelling (`KoersError.InvalidInput(message: "...")`); this type shows just the
/// message and tells the kinds apart for the UI.
public struct CoreError: Error, LocalizedError, Equatable, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        case notFound, invalidInput, storage, document, network, refused, notEnrolled, io
        /// Not from the core's error type (an FFI failure, a cancelled task).
        case other
    }

    public let kind: Kind
    /// The core's message, unchanged.
    public let message: String

    public init(kind: Kind, message: String) {
        self.kind = kind
        self.message = message
    }

    public init(_ error: KoersError) {
        self.init(kind: error.kind, message: error.message)
    }

    /// Any error thrown by the bindings or the store, as a `CoreError`.
    public static func from(_ error: Error) -> CoreError {
        switch error {
        case let e as CoreError: return e
        case let e as KoersError: return CoreError(e)
        case is CancellationError: return CoreError(kind: .other, message: "cancelled")
        default: return CoreError(kind: .other, message: String(describing: error))
        }
    }

    public var errorDescription: String? { message }
    public var description: String { message }

    /// For invalid input: the field the core named, by its Dutch name as the message shows it
    /// (messages read "datum: reason"; `inputFieldLabel(field: "date")` gives "datum").
    public var field: String? {
        guard kind == .invalidInput, let colon = message.firstIndex(of: ":") else { return nil }
        return String(message[..<colon])
    }

    /// Whether trying again later may help (no connection, bureau down).
    public var isTransient: Bool { kind == .network }
}

extension KoersError {
    /// The core's message (its `Display`), without the case name around it.
    public var message: String {
        switch self {
        case let .NotFound(message), let .InvalidInput(message), let .Storage(message),
             let .Document(message), let .Network(message), let .Refused(message),
             let .NotEnrolled(message), let .Io(message):
            return message
        }
    }

    public var kind: CoreError.Kind {
        switch self {
        case .NotFound: return .notFound
        case .InvalidInput: return .invalidInput
        case .Storage: return .storage
        case .Document: return .document
        case .Network: return .network
        case .Refused: return .refused
        case .NotEnrolled: return .notEnrolled
        case .Io: return .io
        }
    }
}
