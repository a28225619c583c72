//! Events of an authorized operation.

use chrono::{DateTime, NaiveDate, Utc};
use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};

use crate::actor::{Actor, DepartmentRef};
use crate::authorized_operation::command::{OperationTerm, Operator};

/// 已授权运营 (第二十八条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperationGranted {
    /// The granting provincial authority.
    pub authority: DepartmentRef,
    /// The operator.
    pub operator: Operator,
    /// Entries granted.
    pub entries: Vec<String>,
    /// Purpose code.
    pub purpose_code: String,
    /// Scope.
    pub scope: String,
    /// Term.
    pub term: OperationTerm,
    /// Who granted it.
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// 授权运营已撤销 (第二十八条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperationRevoked {
    /// Why.
    pub reason: String,
    /// Who revoked it.
    pub by: Actor,
    /// When (uses after this instant are violations).
    pub at: DateTime<Utc>,
}

/// How a use departed from the grant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum OperationViolation {
    /// An entry not granted.
    EntryNotGranted {
        /// The entry used.
        entry_id: String,
    },
    /// Another purpose than granted.
    OtherPurpose {
        /// Purpose code of the use.
        used_for: String,
        /// Purpose code granted.
        granted_for: String,
    },
    /// Before the term.
    BeforeTerm {
        /// First day of the term.
        starts_on: NaiveDate,
    },
    /// After the term.
    AfterExpiry {
        /// Last day of the term.
        ends_on: NaiveDate,
    },
    /// After revocation.
    AfterRevocation {
        /// When revoked.
        revoked_at: DateTime<Utc>,
    },
}

/// 运营使用已记录 (第二十八条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperationUseRecorded {
    /// The use's id.
    pub use_id: String,
    /// Entry used.
    pub entry_id: String,
    /// Purpose code of the use.
    pub purpose_code: String,
    /// Records read.
    pub record_count: u64,
    /// When used.
    pub used_at: DateTime<Utc>,
    /// How it departed from the grant (empty: within it).
    pub violations: Vec<OperationViolation>,
    /// Who recorded it.
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// 违规运营使用 (第二十八条; evidence for 第四十一条第五项 where the granting is at issue).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperationViolationRecorded {
    /// The use.
    pub use_id: String,
    /// The operator answerable.
    pub operator: Operator,
    /// How it departed.
    pub violations: Vec<OperationViolation>,
    /// When used.
    pub used_at: DateTime<Utc>,
    /// When recorded.
    pub at: DateTime<Utc>,
}

/// Every event of an authorized operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AuthorizedOperationEvent {
    /// See [`OperationGranted`].
    OperationGranted(OperationGranted),
    /// See [`OperationRevoked`].
    OperationRevoked(OperationRevoked),
    /// See [`OperationUseRecorded`].
    OperationUseRecorded(OperationUseRecorded),
    /// See [`OperationViolationRecorded`].
    OperationViolationRecorded(OperationViolationRecorded),
}

impl AuthorizedOperationEvent {
    /// The instant this event records an act at (`None` for the deadline facts that record none:
    /// set, extended, recomputed).
    pub fn at(&self) -> Option<DateTime<Utc>> {
        match self {
            AuthorizedOperationEvent::OperationGranted(e) => Some(e.at),
            AuthorizedOperationEvent::OperationRevoked(e) => Some(e.at),
            AuthorizedOperationEvent::OperationUseRecorded(e) => Some(e.at),
            AuthorizedOperationEvent::OperationViolationRecorded(e) => Some(e.at),
        }
    }
}

impl DomainEvent for AuthorizedOperationEvent {
    fn event_type(&self) -> String {
        match self {
            AuthorizedOperationEvent::OperationGranted(_) => "OperationGranted",
            AuthorizedOperationEvent::OperationRevoked(_) => "OperationRevoked",
            AuthorizedOperationEvent::OperationUseRecorded(_) => "OperationUseRecorded",
            AuthorizedOperationEvent::OperationViolationRecorded(_) => "OperationViolationRecorded",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}
