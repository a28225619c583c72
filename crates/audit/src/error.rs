//! The audit's errors: what went wrong while auditing, as opposed to what the audit found.
//!
//! A finding about the log (a broken chain, a checkpoint that no longer matches) is
//! [`AuditError::Tampered`], carrying a typed [`ChainFinding`] that names a position; everything else
//! (the database is unreachable, a key file is unreadable) is a failure to audit at all. A command-line
//! front end exits 1 on the first and 2 on the others.

use std::path::PathBuf;

use govshare_store::{Position, StoreError};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Why the chain of the log (or of a bundle) cannot be trusted, at the first position where it shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Error)]
#[serde(tag = "finding", rename_all = "snake_case")]
pub enum ChainFinding {
    /// The stored bytes at `position` do not hash to the stored chain hash, an event is missing, or the
    /// recorded head or a command record disagrees with the events (the store's `verify`).
    #[error("chain broken at position {position}: {detail}")]
    ChainBroken {
        /// First position at which the log is inconsistent.
        position: Position,
        /// What is wrong there.
        detail: String,
    },
    /// The chain is consistent, but at a kept or signed checkpoint's position it now has another hash: the
    /// history up to that position was rewritten and the chain recomputed. The rewrite began somewhere in
    /// `earliest..=position` (after the previous checkpoint that still matches).
    #[error(
        "history rewritten: position {position} no longer has the checkpoint's hash (the rewrite begins at or after position {earliest})"
    )]
    CheckpointMismatch {
        /// The checkpoint's position.
        position: Position,
        /// The first position that may have been rewritten.
        earliest: Position,
        /// The hash the checkpoint holds (hex).
        expected: String,
        /// The hash the log now has there (hex).
        found: String,
    },
    /// The log ends before a kept or signed checkpoint: it was cut short.
    #[error(
        "log cut short: it ends at position {head} but a checkpoint covers position {position}"
    )]
    Truncated {
        /// The checkpoint's position.
        position: Position,
        /// The log's head.
        head: Position,
    },
    /// A signed checkpoint's signature does not verify, or it was signed by another key.
    #[error("signed checkpoint #{index} (position {position}) is not valid: {detail}")]
    BadSignature {
        /// Index of the signature in the signature file (0-based).
        index: usize,
        /// The position it claims to sign.
        position: Position,
        /// Why.
        detail: String,
    },
    /// A signed checkpoint names an earlier position than the one before it in the file.
    #[error("signed checkpoint #{index} goes back from position {previous} to {position}")]
    SignaturesOutOfOrder {
        /// Index of the signature in the signature file (0-based).
        index: usize,
        /// Its position.
        position: Position,
        /// The previous signature's position.
        previous: Position,
    },
    /// Events were appended while the engine was stopped: after the checkpoint it signed at shutdown and
    /// before the one it signs on starting again (or after the last shutdown signature, if it has not
    /// started since). The engine writes nothing while stopped, so whoever appended them wrote the
    /// database without the engine's key.
    #[error(
        "events appended while the engine was stopped: position {first_position} onwards, after the shutdown checkpoint at position {shutdown_position}"
    )]
    UnsignedExtension {
        /// First event appended after the shutdown checkpoint.
        first_position: Position,
        /// The position the engine signed at shutdown.
        shutdown_position: Position,
    },
    /// The log extends past the last signed checkpoint and the caller required a signed head.
    #[error("positions {first_position}..={head} are covered by no signed checkpoint")]
    UnsignedTail {
        /// First position after the last signed checkpoint.
        first_position: Position,
        /// The log's head.
        head: Position,
    },
}

impl ChainFinding {
    /// The position the finding names: where an auditor should start looking.
    pub fn position(&self) -> Position {
        match self {
            ChainFinding::ChainBroken { position, .. }
            | ChainFinding::BadSignature { position, .. }
            | ChainFinding::SignaturesOutOfOrder { position, .. } => *position,
            ChainFinding::CheckpointMismatch { earliest, .. } => *earliest,
            ChainFinding::Truncated { head, .. } => head + 1,
            ChainFinding::UnsignedExtension { first_position, .. }
            | ChainFinding::UnsignedTail { first_position, .. } => *first_position,
        }
    }
}

/// Everything that can go wrong in an audit.
#[derive(Debug, Error)]
pub enum AuditError {
    /// The log is not what it should be (see the finding).
    #[error("tampering detected: {0}")]
    Tampered(ChainFinding),
    /// The store could not be read.
    #[error("store: {0}")]
    Store(StoreError),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// A key file already exists (keys are never overwritten).
    #[error("{path} already exists; a signing key is never overwritten")]
    KeyExists {
        /// The key file.
        path: PathBuf,
    },
    /// A key file or public key is not a 32-byte Ed25519 key.
    #[error("{what}: {reason}")]
    BadKey {
        /// The file or value.
        what: String,
        /// Why.
        reason: String,
    },
    /// A line of a signature file is not a signed checkpoint.
    #[error("{path} line {line}: {reason}")]
    BadSignatureFile {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// Why.
        reason: String,
    },
    /// A stream's aggregate type is none of the registered kinds.
    #[error("no aggregate kind named {0:?}")]
    UnknownKind(String),
    /// A stored record does not decode into the domain's types.
    #[error("undecodable record: {0}")]
    Codec(#[from] govshare_codec::CodecError),
    /// A caller's input is unusable (an extra rule-set or calendar file that does not parse, a case with
    /// no events).
    #[error("{what}: {reason}")]
    Invalid {
        /// What.
        what: String,
        /// Why.
        reason: String,
    },
    /// The randomness source failed while generating a key.
    #[error("random number generator: {0}")]
    Random(String),
}

impl AuditError {
    /// The finding, if the audit found the log altered.
    pub fn finding(&self) -> Option<&ChainFinding> {
        match self {
            AuditError::Tampered(finding) => Some(finding),
            _ => None,
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        AuditError::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn invalid(what: impl Into<String>, reason: impl Into<String>) -> Self {
        AuditError::Invalid {
            what: what.into(),
            reason: reason.into(),
        }
    }
}

impl From<StoreError> for AuditError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::TamperDetected { position, detail }
            | StoreError::Corrupt { position, detail } => {
                AuditError::Tampered(ChainFinding::ChainBroken { position, detail })
            }
            other => AuditError::Store(other),
        }
    }
}

/// Result of audit operations.
pub type Result<T, E = AuditError> = std::result::Result<T, E>;
