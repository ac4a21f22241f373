//! The one error type of the tools: a message in the real tool's words and an exit code.

use std::fmt;

/// What ends a run: printed as `<tool>: <message>` on stderr, then `exit(code)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CtlError {
    /// The message, without the program-name prefix.
    pub message: String,
    /// The exit status (1 for almost everything, as `ctl_fatal` exits).
    pub code: i32,
}

impl CtlError {
    /// An error that exits 1.
    pub fn new(message: impl Into<String>) -> Self {
        CtlError {
            message: message.into(),
            code: 1,
        }
    }

    /// An error with another exit code.
    pub fn with_code(message: impl Into<String>, code: i32) -> Self {
        CtlError {
            message: message.into(),
            code,
        }
    }
}

impl fmt::Display for CtlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CtlError {}

impl From<String> for CtlError {
    fn from(message: String) -> Self {
        CtlError::new(message)
    }
}

/// Shorthand for results of the ctl engine.
pub type CtlResult<T> = Result<T, CtlError>;
