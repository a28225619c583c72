//! Commands of a third-party engagement.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::actor::DepartmentRef;
use crate::organization::ResponsibleOffice;

/// 委托期限: the term of an engagement, in Beijing dates, both days included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EngagementTerm {
    /// First day.
    pub starts_on: NaiveDate,
    /// Last day.
    pub ends_on: NaiveDate,
}

impl EngagementTerm {
    /// Whether `day` lies within the term.
    pub fn covers(&self, day: NaiveDate) -> bool {
        self.starts_on <= day && day <= self.ends_on
    }
}

/// 事前审核: record the responsible office's prior review of a proposed engagement (第三十七条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordPriorReview {
    /// The contractor as the engine resolved it (kind `third_party`, principal the engaging department).
    pub contractor: DepartmentRef,
    /// 工作范围: what the contractor builds or maintains.
    pub scope: String,
    /// The information systems concerned.
    pub systems: Vec<String>,
    /// The catalog entries (aggregate ids) whose data it touches.
    pub data: Vec<String>,
    /// The term.
    pub term: EngagementTerm,
    /// The department's responsible office (第六条) as the registry holds it.
    pub office: ResponsibleOffice,
    /// Whether the office approves.
    pub approved: bool,
    /// 审核意见.
    pub opinion: String,
}

/// 委托第三方: engage the contractor on the approved review's terms (第三十七条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EngageThirdParty {
    /// Contract reference (合同编号).
    pub contract_reference: String,
}

/// 事中留痕: record one use of shared data by the contractor (第三十七条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordContractorUse {
    /// The catalog entry whose data was used.
    pub entry_id: String,
    /// What for (the operation performed).
    pub purpose: String,
    /// When the data was used.
    pub used_at: DateTime<Utc>,
}

/// 终止委托: end the engagement (第三十七条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndEngagement {
    /// Why (contract completed, terminated …).
    pub reason: String,
}

/// Every command of an engagement.
// The prior review carries the contractor and office as resolved; commands are built once and moved once.
#[allow(
    clippy::large_enum_variant,
    reason = "the review carries the resolved contractor and office"
)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ThirdPartyCommand {
    /// See [`RecordPriorReview`].
    RecordPriorReview(RecordPriorReview),
    /// See [`EngageThirdParty`].
    EngageThirdParty(EngageThirdParty),
    /// See [`RecordContractorUse`].
    RecordContractorUse(RecordContractorUse),
    /// See [`EndEngagement`].
    EndEngagement(EndEngagement),
}
