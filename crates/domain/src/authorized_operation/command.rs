//! Commands of an authorized operation.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// 运营主体: the operator granted the use (a legal person outside government).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Operator {
    /// Name.
    pub name: String,
    /// 统一社会信用代码 (18 characters).
    pub credit_code: String,
}

/// 授权期限, in Beijing dates, both days included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperationTerm {
    /// First day.
    pub starts_on: NaiveDate,
    /// Last day.
    pub ends_on: NaiveDate,
}

/// 授权运营: grant an operator the use of named entries for social use (第二十八条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantOperation {
    /// The operator.
    pub operator: Operator,
    /// Catalog entries (aggregate ids) granted.
    pub entries: Vec<String>,
    /// The permitted use (应用场景) as a purpose code.
    pub purpose_code: String,
    /// The scope in words.
    pub scope: String,
    /// Term.
    pub term: OperationTerm,
}

/// 撤销授权运营: revoke the grant (第二十八条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevokeOperation {
    /// Why.
    pub reason: String,
}

/// 记录运营使用 (第二十八条): a use under the grant, from the provincial platform's log. Recorded whether or not it keeps
/// within the grant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordOperationUse {
    /// The use's id.
    pub use_id: String,
    /// The entry used.
    pub entry_id: String,
    /// The purpose code the use was made under.
    pub purpose_code: String,
    /// Records read.
    pub record_count: u64,
    /// When.
    pub used_at: DateTime<Utc>,
}

/// Every command of an authorized operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AuthorizedOperationCommand {
    /// See [`GrantOperation`].
    GrantOperation(GrantOperation),
    /// See [`RevokeOperation`].
    RevokeOperation(RevokeOperation),
    /// See [`RecordOperationUse`].
    RecordOperationUse(RecordOperationUse),
}
