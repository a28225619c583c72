//! The binary's error: a one-line message and the exit status class it maps to.

use thiserror::Error;

/// Why a command failed. The message is printed as `error: <message>` on one line.
#[derive(Debug, Error, PartialEq, Eq)]
pub(crate) enum CliError {
    /// Something the user supplied is wrong: an argument, an unreadable or invalid file.
    #[error("{0}")]
    BadInput(String),
    /// The input is well formed but the request cannot be answered.
    #[error("{0}")]
    Failed(String),
}

impl CliError {
    /// Exit status for bad input (also what clap uses for usage errors).
    pub(crate) const BAD_INPUT: u8 = 2;
    /// Exit status for any other failure.
    pub(crate) const FAILED: u8 = 1;

    /// The process exit status for this error.
    pub(crate) fn exit_code(&self) -> u8 {
        match self {
            Self::BadInput(_) => Self::BAD_INPUT,
            Self::Failed(_) => Self::FAILED,
        }
    }
}
