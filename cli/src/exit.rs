//! Exit codes and the JSON error object: what a script sees when a command fails.

use koers_core::KoersError;
use serde_json::{json, Value};

/// Bad input: the message names the field; nothing was stored. Also clap's usage errors.
pub const BAD_INPUT: u8 = 2;
/// No record with that id.
pub const NOT_FOUND: u8 = 3;
/// The database or an export file could not be read or written.
pub const STORAGE: u8 = 4;
/// The bureau or a vacancy site could not be reached, or refused.
pub const NETWORK: u8 = 5;
/// The output itself could not be written.
pub const OUTPUT_FAILED: u8 = 1;

pub fn code(e: &KoersError) -> u8 {
    match e {
        KoersError::InvalidInput { .. } => BAD_INPUT,
        KoersError::NotFound { .. } => NOT_FOUND,
        KoersError::Storage { .. } | KoersError::Document { .. } | KoersError::Io { .. } => STORAGE,
        KoersError::Network { .. } | KoersError::Refused { .. } | KoersError::NotEnrolled => {
            NETWORK
        }
    }
}

fn kind(e: &KoersError) -> &'static str {
    match e {
        KoersError::InvalidInput { .. } => "invalid_input",
        KoersError::NotFound { .. } => "not_found",
        KoersError::Storage { .. } => "storage",
        KoersError::Document { .. } => "document",
        KoersError::Io { .. } => "io",
        KoersError::Network { .. } => "network",
        KoersError::Refused { .. } => "refused",
        KoersError::NotEnrolled => "not_enrolled",
    }
}

/// `{"error": {"code", "kind", "message", "field"?}}`.
pub fn json_error(e: &KoersError) -> Value {
    let mut error = json!({
        "code": code(e),
        "kind": kind(e),
        "message": e.to_string(),
    });
    if let KoersError::InvalidInput { field, .. } = e {
        error["field"] = json!(field);
    }
    json!({ "error": error })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_and_storage_failures_are_told_apart() {
        assert_eq!(code(&KoersError::invalid("date", "bad")), 2);
        assert_eq!(code(&KoersError::not_found("application x")), 3);
        assert_eq!(
            code(&KoersError::Storage {
                message: "disk full".into()
            }),
            4
        );
        assert_eq!(code(&KoersError::NotEnrolled), 5);
        let j = json_error(&KoersError::invalid("date", "bad"));
        assert_eq!(j["error"]["field"], "date");
        assert_eq!(j["error"]["code"], 2);
    }
}
