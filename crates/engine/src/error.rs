//! The engine's one error type.

use govshare_domain::{DomainError, Forbidden};
use govshare_store::StoreError;
use thiserror::Error;
use uuid::Uuid;

/// Why a command was not recorded (nothing is written in any of these cases), or why a read failed.
#[derive(Debug, Error)]
pub enum EngineError {
    /// The rules refused the command; `article` names the provision where one applies.
    #[error("refused: {source}")]
    Refused {
        /// The domain's reason.
        #[source]
        source: DomainError,
        /// The article the refusal rests on, e.g. `第十九条`.
        article: Option<&'static str>,
    },
    /// The actor may not do this (`docs/authorization.md`).
    #[error("forbidden: {0}")]
    Forbidden(Forbidden),
    /// The acting department is not in the organization registry.
    #[error("unknown actor: department {department} is not registered")]
    UnknownActor {
        /// The code given.
        department: String,
    },
    /// The actor claimed a role it may not use on this path (the scheduler's role is the engine's own).
    #[error("role {role} may not issue commands through this path")]
    RoleNotAllowed {
        /// The role claimed.
        role: String,
    },
    /// Something the command names does not exist (a catalog entry, an application, a department).
    #[error("not found: {what} {id}")]
    NotFound {
        /// What kind of thing.
        what: &'static str,
        /// Its id.
        id: String,
    },
    /// A field of the request is not acceptable before any rule is consulted.
    #[error("invalid {field}: {reason}")]
    InvalidRequest {
        /// The field.
        field: &'static str,
        /// Why.
        reason: String,
    },
    /// The command id was already used for a different command.
    #[error("command id {command_id} was already used for a different command")]
    CommandIdReused {
        /// The reused id.
        command_id: Uuid,
    },
    /// Other writers kept moving the aggregate; the command was decided and refused by the store
    /// `attempts` times.
    #[error("conflict on {stream} after {attempts} attempts")]
    Conflict {
        /// The contended stream.
        stream: String,
        /// How many times the command was decided.
        attempts: u32,
    },
    /// The store could not be reached or failed; nothing or everything of the command was written (a
    /// retry with the same command id is always safe).
    #[error("store unavailable: {0}")]
    Unavailable(#[source] StoreError),
    /// The stored record is damaged or does not decode.
    #[error("stored record is unreadable: {0}")]
    Corrupt(String),
    /// The engine's configuration is unusable.
    #[error("bad configuration: {0}")]
    Config(String),
}

impl EngineError {
    /// Whether the same command may succeed later without change (the store was unavailable, another writer
    /// won a race, or the rules said "not yet").
    pub fn is_retryable(&self) -> bool {
        match self {
            EngineError::Unavailable(_) | EngineError::Conflict { .. } => true,
            EngineError::Refused { source, .. } => source.is_retryable(),
            _ => false,
        }
    }
}

impl From<DomainError> for EngineError {
    fn from(error: DomainError) -> Self {
        match error {
            DomainError::Forbidden(f) => EngineError::Forbidden(f),
            other => EngineError::Refused {
                article: other.article(),
                source: other,
            },
        }
    }
}

impl From<StoreError> for EngineError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Corrupt { .. } | StoreError::TamperDetected { .. } => {
                EngineError::Corrupt(error.to_string())
            }
            StoreError::PayloadTooLarge { .. } => EngineError::InvalidRequest {
                field: "command",
                reason: error.to_string(),
            },
            StoreError::MissingActor { .. } => EngineError::InvalidRequest {
                field: "actor",
                reason: error.to_string(),
            },
            StoreError::InvalidEvent(_) | StoreError::DuplicateEventId(_) => {
                EngineError::InvalidRequest {
                    field: "command",
                    reason: error.to_string(),
                }
            }
            other => EngineError::Unavailable(other),
        }
    }
}

impl From<govshare_codec::CodecError> for EngineError {
    fn from(error: govshare_codec::CodecError) -> Self {
        EngineError::Corrupt(error.to_string())
    }
}
