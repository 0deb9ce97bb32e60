// The core's enums with every case (in the core's order, from the core) and a stable
// localization key per case (the word the core stores), so the app's catalogue and the core
// can't drift apart: the words, the case lists and the closed-status rule are the core's.
import KoersCore

/// A core enum the app shows: its cases for pickers and a key into Localizable.xcstrings.
public protocol Vocabulary: Hashable, Sendable {
    static var allCases: [Self] { get }
    /// The word the core uses (`as_str` in Rust), from the core.
    func word() -> String
}

extension Vocabulary {
    /// e.g. `status.second_interview`, `source.job_fair`.
    public var localizationKey: String { "\(Self.keyPrefix).\(word())" }
    static var keyPrefix: String {
        switch Self.self {
        case is ApplicationStatus.Type: return "status"
        case is Source.Type: return "source"
        case is AppointmentKind.Type: return "appointment_kind"
        case is AppointmentStatus.Type: return "appointment_status"
        case is Phase.Type: return "phase"
        case is TrajectoryKind.Type: return "trajectory_kind"
        case is Actor.Type: return "actor"
        default: return "\(Self.self)"
        }
    }
}

extension ApplicationStatus: Vocabulary {
    public static var allCases: [ApplicationStatus] { applicationStatuses() }
    /// Still going: the employee may hear back or follow up (the core's rule).
    public var isOpen: Bool { !isClosed() }
}

extension Source: Vocabulary {
    public static var allCases: [Source] { sources() }
}

extension AppointmentKind: Vocabulary {
    public static var allCases: [AppointmentKind] { appointmentKinds() }
}

extension AppointmentStatus: Vocabulary {
    public static var allCases: [AppointmentStatus] { appointmentStatuses() }
}

extension Phase: Vocabulary {
    public static var allCases: [Phase] { phases() }
}

extension TrajectoryKind: Vocabulary {
    public static var allCases: [TrajectoryKind] { trajectoryKinds() }
}

extension Actor: Vocabulary {
    public static var allCases: [Actor] { actors() }
}
