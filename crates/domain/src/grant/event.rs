//! Events of a grant.

use chrono::{DateTime, NaiveDate, Utc};
use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};

use crate::actor::{Actor, DepartmentCode, DepartmentRef};
use crate::catalog::ShareMode;
use crate::grant::command::{GrantedEntry, ProvisionFacts};

/// 已授权使用 (第十九、二十二条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantIssued {
    /// The provision it follows, as seen (application, scenario, period of use).
    pub provision: ProvisionFacts,
    /// The grantee.
    pub grantee: DepartmentRef,
    /// The issuing authority.
    pub authority: DepartmentRef,
    /// Entries and data items granted.
    pub entries: Vec<GrantedEntry>,
    /// Purpose, in words.
    pub purpose: String,
    /// Purpose code.
    pub purpose_code: String,
    /// First day of validity.
    pub valid_from: NaiveDate,
    /// Last day of validity.
    pub valid_until: NaiveDate,
    /// 共享方式.
    pub access_mode: ShareMode,
    /// The provider's conditions, if any.
    pub conditions: Option<String>,
    /// Who issued it.
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

impl GrantIssued {
    /// The share application the grant follows.
    pub fn application_id(&self) -> &str {
        &self.provision.application_id
    }
}

/// How a use departed from its grant (第二十二条: 不得扩大使用范围、改变使用用途).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum UseViolation {
    /// 扩大使用范围: data items not granted.
    ItemsOutsideGrant {
        /// The items used that were not granted.
        items: Vec<String>,
    },
    /// 改变使用用途: another purpose than the scenario's.
    OtherPurpose {
        /// The purpose code of the use.
        used_for: String,
        /// The purpose code granted.
        granted_for: String,
    },
    /// Used before the first day of validity.
    BeforeValidity {
        /// First day of validity.
        valid_from: NaiveDate,
    },
    /// Used after the last day of validity.
    AfterExpiry {
        /// Last day of validity.
        valid_until: NaiveDate,
    },
    /// Used after the grant was revoked.
    AfterRevocation {
        /// When it was revoked.
        revoked_at: DateTime<Utc>,
    },
}

/// 使用已记录 (第二十二条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantUseRecorded {
    /// The use's id.
    pub use_id: String,
    /// 信息项 used.
    pub data_items: Vec<String>,
    /// Records returned or read.
    pub record_count: u64,
    /// The end user.
    pub end_user: String,
    /// Purpose code of the use.
    pub purpose_code: String,
    /// When the data was used.
    pub used_at: DateTime<Utc>,
    /// How it departed from the grant (empty: within the grant).
    pub violations: Vec<UseViolation>,
    /// Who recorded it (the grantee or its commissioned third party).
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// 违规使用: a use outside its grant, attributed to the using department (第二十二、四十一条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantViolationRecorded {
    /// The use.
    pub use_id: String,
    /// How it departed from the grant.
    pub violations: Vec<UseViolation>,
    /// The department answerable for the use (the grantee, also when its contractor used the data).
    pub attributed_to: DepartmentCode,
    /// When the data was used.
    pub used_at: DateTime<Utc>,
    /// When it was recorded.
    pub at: DateTime<Utc>,
}

/// 授权已撤销 (第二十二条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantRevoked {
    /// Why.
    pub reason: String,
    /// Who revoked.
    pub by: Actor,
    /// When (uses after this are violations).
    pub at: DateTime<Utc>,
}

/// 授权已到期 (第二十二条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantExpired {
    /// The last day of validity.
    pub valid_until: NaiveDate,
    /// Who recorded it.
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// Every event of a grant.
// The opening event records the provision and the parties as resolved; events are built once and moved a few
// times, so boxing it would only obscure the record types.
#[allow(
    clippy::large_enum_variant,
    reason = "the opening event carries the provision and the resolved parties"
)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum GrantEvent {
    /// See [`GrantIssued`].
    GrantIssued(GrantIssued),
    /// See [`GrantUseRecorded`].
    GrantUseRecorded(GrantUseRecorded),
    /// See [`GrantViolationRecorded`].
    GrantViolationRecorded(GrantViolationRecorded),
    /// See [`GrantRevoked`].
    GrantRevoked(GrantRevoked),
    /// See [`GrantExpired`].
    GrantExpired(GrantExpired),
}

impl GrantEvent {
    /// The instant this event records an act at (`None` for the deadline facts that record none:
    /// set, extended, recomputed).
    pub fn at(&self) -> Option<DateTime<Utc>> {
        match self {
            GrantEvent::GrantIssued(e) => Some(e.at),
            GrantEvent::GrantUseRecorded(e) => Some(e.at),
            GrantEvent::GrantViolationRecorded(e) => Some(e.at),
            GrantEvent::GrantRevoked(e) => Some(e.at),
            GrantEvent::GrantExpired(e) => Some(e.at),
        }
    }
}

impl DomainEvent for GrantEvent {
    fn event_type(&self) -> String {
        match self {
            GrantEvent::GrantIssued(_) => "GrantIssued",
            GrantEvent::GrantUseRecorded(_) => "GrantUseRecorded",
            GrantEvent::GrantViolationRecorded(_) => "GrantViolationRecorded",
            GrantEvent::GrantRevoked(_) => "GrantRevoked",
            GrantEvent::GrantExpired(_) => "GrantExpired",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}
