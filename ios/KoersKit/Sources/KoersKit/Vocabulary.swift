// The core's enums with every case listed and a stable localization key per case.
import KoersCore

/// A core enum the app shows: its cases for pickers and a key into Localizable.xcstrings
/// (the same words the core stores, so the two can't drift apart silently).
public protocol Vocabulary: Hashable, Sendable {
    static var allCases: [Self] { get }
    /// The word the core uses (`as_str` in Rust).
    var word: String { get }
}

extension Vocabulary {
    /// e.g. `status.second_interview`, `source.job_fair`.
    public var localizationKey: String { "\(Self.keyPrefix).\(word)" }
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
    public static let allCases: [ApplicationStatus] = [
        .interest, .applied, .interview, .secondInterview, .offer, .hired, .rejected, .withdrawn,
    ]
    public var word: String {
        switch self {
        case .interest: return "interest"
        case .applied: return "applied"
        case .interview: return "interview"
        case .secondInterview: return "second_interview"
        case .offer: return "offer"
        case .hired: return "hired"
        case .rejected: return "rejected"
        case .withdrawn: return "withdrawn"
        }
    }
    /// Still going: the employee may hear back or follow up.
    public var isOpen: Bool { ![.hired, .rejected, .withdrawn].contains(self) }
}

extension Source: Vocabulary {
    public static let allCases: [Source] = [
        .vacancySite, .network, .openApplication, .recruiter, .jobFair, .coach, .other,
    ]
    public var word: String {
        switch self {
        case .vacancySite: return "vacancy_site"
        case .network: return "network"
        case .openApplication: return "open_application"
        case .recruiter: return "recruiter"
        case .jobFair: return "job_fair"
        case .coach: return "coach"
        case .other: return "other"
        }
    }
}

extension AppointmentKind: Vocabulary {
    public static let allCases: [AppointmentKind] = [
        .intake, .coaching, .evaluation, .workshop, .labourExpertAssessment, .other,
    ]
    public var word: String {
        switch self {
        case .intake: return "intake"
        case .coaching: return "coaching"
        case .evaluation: return "evaluation"
        case .workshop: return "workshop"
        case .labourExpertAssessment: return "labour_expert_assessment"
        case .other: return "other"
        }
    }
}

extension AppointmentStatus: Vocabulary {
    public static let allCases: [AppointmentStatus] = [.proposed, .confirmed, .cancelled, .done]
    public var word: String {
        switch self {
        case .proposed: return "proposed"
        case .confirmed: return "confirmed"
        case .cancelled: return "cancelled"
        case .done: return "done"
        }
    }
}

extension Phase: Vocabulary {
    public static let allCases: [Phase] = [
        .intake, .orientation, .training, .jobHunting, .workPlacement, .placed, .aftercare,
    ]
    public var word: String {
        switch self {
        case .intake: return "intake"
        case .orientation: return "orientation"
        case .training: return "training"
        case .jobHunting: return "job_hunting"
        case .workPlacement: return "work_placement"
        case .placed: return "placed"
        case .aftercare: return "aftercare"
        }
    }
}

extension TrajectoryKind: Vocabulary {
    public static let allCases: [TrajectoryKind] = [.spoor2, .outplacement]
    public var word: String {
        switch self {
        case .spoor2: return "spoor2"
        case .outplacement: return "outplacement"
        }
    }
}

extension Actor: Vocabulary {
    public static let allCases: [Actor] = [.employee, .coach]
    public var word: String {
        switch self {
        case .employee: return "employee"
        case .coach: return "coach"
        }
    }
}
