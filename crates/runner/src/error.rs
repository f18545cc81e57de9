//! What can stop a runner command, and the exit code each gives (plan-v1.md "Exit codes").

use crate::cli::exit;

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The plan file, a flag, or the request does not fit (exit 2). The message names the file,
    /// line and column where it has one.
    #[error("{0}")]
    BadInput(String),
    /// The live schema is not the one the plan was made for (exit 2: a plan for another schema).
    #[error("{0}")]
    Drift(String),
    /// Connecting, or a statement, failed (exit 3).
    #[error("{0}")]
    Database(String),
}

impl RunError {
    pub fn exit_code(&self) -> u8 {
        match self {
            RunError::BadInput(_) | RunError::Drift(_) => exit::BAD_INPUT,
            RunError::Database(_) => exit::DATABASE,
        }
    }

    pub fn database(context: &str, error: &postgres::Error) -> RunError {
        RunError::Database(format!("{context}: {}", describe(error)))
    }
}

/// A database error in one line: the server's message with its SQLSTATE, detail and hint, or the
/// client's reason (connection refused, authentication failed, ...).
pub fn describe(error: &postgres::Error) -> String {
    if let Some(db) = error.as_db_error() {
        let mut text = format!("{} (SQLSTATE {})", db.message(), db.code().code());
        if let Some(detail) = db.detail() {
            text.push_str(&format!("; detail: {detail}"));
        }
        if let Some(hint) = db.hint() {
            text.push_str(&format!("; hint: {hint}"));
        }
        if let Some(position) = db.position() {
            text.push_str(&format!("; at {position:?}"));
        }
        return text;
    }
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(&format!(": {cause_text}"));
        }
        source = cause.source();
    }
    text
}

/// SQLSTATEs after which a step is retried: lock_not_available (lock_timeout), deadlock_detected,
/// serialization_failure.
pub fn is_retryable(error: &postgres::Error) -> bool {
    use postgres::error::SqlState;
    matches!(
        error.code(),
        Some(c) if *c == SqlState::LOCK_NOT_AVAILABLE || *c == SqlState::T_R_DEADLOCK_DETECTED || *c == SqlState::T_R_SERIALIZATION_FAILURE
    )
}
