//! The one error type of the core, with messages a person can act on. The messages are
//! Dutch, as everything a person sees (the phone, the CLI, the coach's view and the JSON
//! API's `reason` all show this type's `Display`); the variants and the field names stay
//! English, for code.

/// Everything that can go wrong in the core. Crosses the FFI boundary as a typed exception
/// whose message is this type's `Display`.
#[derive(Debug, Clone, thiserror::Error, uniffi::Error)]
#[uniffi(flat_error)]
pub enum KoersError {
    /// The thing asked for does not exist (any more).
    #[error("{what} niet gevonden")]
    NotFound { what: String },

    /// Input was rejected; nothing was stored. `field` names the field for code ("title");
    /// the message names it in Dutch (`crate::input::field_label`), or, for a refusal by
    /// the role rules, is just the rule's reason.
    #[error("{}", input_message(.field, .reason))]
    InvalidInput { field: String, reason: String },

    /// The database could not be read or written; the previous state is intact.
    #[error("opslaan of lezen mislukt: {message}")]
    Storage { message: String },

    /// The shared document could not be read or changed.
    #[error("fout in het gedeelde dossier: {message}")]
    Document { message: String },

    /// The network or the bureau could not be reached or answered with an error.
    #[error("{message}")]
    Network { message: String },

    /// The bureau refused (for example: the device was revoked or the code expired).
    #[error("{message}")]
    Refused { message: String },

    /// The operation needs an enrolled device.
    #[error(
        "dit apparaat is nog niet gekoppeld aan een bureau; koppel het met de code van je coach"
    )]
    NotEnrolled,

    /// Writing a file (an export) failed.
    #[error("kon {path} niet schrijven: {message}")]
    Io { path: String, message: String },
}

pub type Result<T, E = KoersError> = std::result::Result<T, E>;

impl KoersError {
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::InvalidInput {
            field: field.into(),
            reason: reason.into(),
        }
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        Self::NotFound { what: what.into() }
    }

    /// Whether the caller gave bad input (as opposed to a failure of storage or network).
    pub fn is_input_error(&self) -> bool {
        matches!(self, Self::InvalidInput { .. } | Self::NotFound { .. })
    }

    /// Whether the role rules (`crate::rules`) or a closed trajectory refused the edit, as
    /// opposed to unusable input: the bureau answers the first with 403, the second with 400.
    pub fn is_rule_refusal(&self) -> bool {
        matches!(self, Self::InvalidInput { field, .. } if RULE_AREAS.contains(&field.as_str()))
    }
}

/// The parts of the dossier a rule refusal names as its field (`ops::check`).
const RULE_AREAS: [&str; 7] = [
    "trajectory",
    "applications",
    "appointments",
    "actions",
    "comments",
    "schema",
    "dossier",
];

/// "omschrijving: mag niet leeg zijn"; a rule's reason as it is.
fn input_message(field: &str, reason: &str) -> String {
    if RULE_AREAS.contains(&field) {
        reason.to_string()
    } else {
        format!("{}: {reason}", crate::input::field_label(field))
    }
}

impl From<rusqlite::Error> for KoersError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Storage {
            message: e.to_string(),
        }
    }
}

impl From<automerge::AutomergeError> for KoersError {
    fn from(e: automerge::AutomergeError) -> Self {
        Self::Document {
            message: e.to_string(),
        }
    }
}

impl From<autosurgeon::ReconcileError> for KoersError {
    fn from(e: autosurgeon::ReconcileError) -> Self {
        Self::Document {
            message: e.to_string(),
        }
    }
}

impl From<autosurgeon::HydrateError> for KoersError {
    fn from(e: autosurgeon::HydrateError) -> Self {
        Self::Document {
            message: e.to_string(),
        }
    }
}
