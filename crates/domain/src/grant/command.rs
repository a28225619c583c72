//! Commands of a grant.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::actor::{DepartmentCode, DepartmentRef};
use crate::catalog::ShareMode;
use crate::share_application::ShareProvided;

/// One entry of a grant and the data items granted from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantedEntry {
    /// Catalog entry id.
    pub entry_id: String,
    /// The department that provides it (for State Council data, the provincial authority that obtained it).
    pub provider: DepartmentCode,
    /// 信息项 granted.
    pub data_items: Vec<String>,
}

/// The facts of the provision a grant follows, as the engine resolved them from the share application's
/// `ShareProvided` (第十九条): the grant is checked against them and records them, so that the record shows
/// which application, scenario and period of use it was bound to (第二十二条). Built with
/// `ProvisionFacts::from(&share_provided)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProvisionFacts {
    /// The share application provided.
    pub application_id: String,
    /// The grant id the provision named.
    pub grant_id: String,
    /// The requesting department: the only possible grantee.
    pub requester: DepartmentCode,
    /// The serving authority that provided: the only possible issuer.
    pub provided_by: DepartmentCode,
    /// The catalog entries provided (ids).
    pub entries: Vec<String>,
    /// The data items the scenario asked for (信息项); a grant covers no other item.
    pub data_items: Vec<String>,
    /// The scenario's purpose (使用用途), in words.
    pub purpose: String,
    /// The scenario's purpose code; the grant's is the same.
    pub purpose_code: String,
    /// First day of the requested period of use (使用期限).
    pub use_from: NaiveDate,
    /// Last day of the requested period of use; a grant is valid no longer.
    pub use_until: NaiveDate,
    /// The provider's conditions, if it agreed with conditions; the grant carries the same.
    pub conditions: Option<String>,
    /// When the data was provided; the grant is issued no earlier.
    pub provided_at: DateTime<Utc>,
}

impl From<&ShareProvided> for ProvisionFacts {
    fn from(p: &ShareProvided) -> Self {
        ProvisionFacts {
            application_id: p.application_id.clone(),
            grant_id: p.grant_id.clone(),
            requester: p.requester.clone(),
            provided_by: p.by.department.code.clone(),
            entries: p.entries.clone(),
            data_items: p.scenario.data_items.clone(),
            purpose: p.scenario.purpose.clone(),
            purpose_code: p.scenario.purpose_code.clone(),
            use_from: p.scenario.use_from,
            use_until: p.scenario.use_until,
            conditions: p.conditions.clone(),
            provided_at: p.at,
        }
    }
}

/// 授权使用: the serving authority issues the grant that follows provision of a share application,
/// bound to its scenario (第十九、二十二条). Issued by the engine after `ShareProvided`, with that provision's
/// facts: the grant is refused if it names another grantee or issuer, an entry not provided, a data item not
/// requested, another purpose code or other conditions, a blank purpose, or validity outside the requested
/// period of use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssueGrant {
    /// The provision this grant follows, as the engine resolved it.
    pub provision: ProvisionFacts,
    /// The requester, now grantee.
    pub grantee: DepartmentRef,
    /// The issuing (serving) authority.
    pub authority: DepartmentRef,
    /// The entries and data items granted.
    pub entries: Vec<GrantedEntry>,
    /// The scenario's purpose, in words.
    pub purpose: String,
    /// The scenario's purpose code; every use names it.
    pub purpose_code: String,
    /// First day of validity (Beijing date).
    pub valid_from: NaiveDate,
    /// Last day of validity (Beijing date).
    pub valid_until: NaiveDate,
    /// 共享方式: how the data is accessed.
    pub access_mode: ShareMode,
    /// The provider's conditions, if any.
    pub conditions: Option<String>,
}

/// 记录使用: a use of the shared data (第二十二条). Recorded whether or not it keeps within the grant; each use
/// id is recorded once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordGrantUse {
    /// The use's id (from the platform's log).
    pub use_id: String,
    /// 信息项 used.
    pub data_items: Vec<String>,
    /// Number of records returned or read.
    pub record_count: u64,
    /// The end user (staff account or system user) for whom the data was used.
    pub end_user: String,
    /// The purpose code the use was made under.
    pub purpose_code: String,
    /// When the data was used.
    pub used_at: DateTime<Utc>,
}

/// 撤销授权: the issuing authority revokes the grant (第二十二条); later uses are violations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevokeGrant {
    /// Why.
    pub reason: String,
}

/// 授权到期: the issuing authority records that the validity period has ended (第二十二条).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordGrantExpiry {}

/// Every command of a grant.
// The opening variant carries the parties as resolved; commands and events are built once and moved a few
// times, so boxing it would only obscure the record types.
#[allow(
    clippy::large_enum_variant,
    reason = "the opening variant carries the resolved parties"
)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum GrantCommand {
    /// See [`IssueGrant`].
    IssueGrant(IssueGrant),
    /// See [`RecordGrantUse`].
    RecordGrantUse(RecordGrantUse),
    /// See [`RevokeGrant`].
    RevokeGrant(RevokeGrant),
    /// See [`RecordGrantExpiry`].
    RecordGrantExpiry(RecordGrantExpiry),
}
