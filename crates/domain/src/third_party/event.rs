//! Events of a third-party engagement.

use chrono::{DateTime, Utc};
use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};

use crate::actor::{Actor, DepartmentCode, DepartmentRef};
use crate::organization::ResponsibleOffice;
use crate::third_party::command::EngagementTerm;

/// 事前审核已记录 (第三十七条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriorReviewRecorded {
    /// Sequence number of the review within the engagement.
    pub review: u32,
    /// The engaging department.
    pub engaging: DepartmentRef,
    /// The contractor.
    pub contractor: DepartmentRef,
    /// Scope.
    pub scope: String,
    /// Systems.
    pub systems: Vec<String>,
    /// Data touched (catalog entry ids).
    pub data: Vec<String>,
    /// Term.
    pub term: EngagementTerm,
    /// The reviewing responsible office.
    pub office: ResponsibleOffice,
    /// Whether approved.
    pub approved: bool,
    /// Opinion.
    pub opinion: String,
    /// Who recorded it.
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// 已委托第三方 (第三十七条): the engagement on the terms of the approved review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThirdPartyEngaged {
    /// The approved review it rests on.
    pub review: u32,
    /// The contractor.
    pub contractor: DepartmentRef,
    /// Scope.
    pub scope: String,
    /// Systems.
    pub systems: Vec<String>,
    /// Data touched.
    pub data: Vec<String>,
    /// Term.
    pub term: EngagementTerm,
    /// Contract reference.
    pub contract_reference: String,
    /// Who engaged it.
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// Why a contractor's use was outside its engagement (第三十七条: 不得擅自使用).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ViolationReason {
    /// No engagement was in force at the time (never engaged, or the prior review not approved).
    NotEngaged,
    /// Used before the term started.
    BeforeTerm,
    /// Used after the term expired.
    Expired,
    /// Used after the engagement was ended.
    AfterEnd,
    /// The data is not among the data the engagement covers.
    OutsideScope,
}

/// 第三方使用已留痕 (第三十七条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractorUseRecorded {
    /// Sequence number of the use.
    pub use_seq: u32,
    /// The contractor.
    pub contractor: DepartmentCode,
    /// The entry used.
    pub entry_id: String,
    /// Purpose.
    pub purpose: String,
    /// When used.
    pub used_at: DateTime<Utc>,
    /// Whether it was within an approved, unexpired, unended engagement covering the data.
    pub within_engagement: bool,
    /// Who recorded it.
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// 第三方违规使用 (第三十七条; 第四十一条第五、六项, 第四十三条): a use outside the engagement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThirdPartyViolationRecorded {
    /// The use it concerns.
    pub use_seq: u32,
    /// The contractor.
    pub contractor: DepartmentCode,
    /// The engaging (principal) department, answerable under 第四十一条.
    pub engaging: DepartmentCode,
    /// Why.
    pub reason: ViolationReason,
    /// The entry used.
    pub entry_id: String,
    /// When used.
    pub used_at: DateTime<Utc>,
    /// When recorded.
    pub at: DateTime<Utc>,
}

/// 委托已终止 (第三十七条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EngagementEnded {
    /// Why.
    pub reason: String,
    /// Who ended it.
    pub by: Actor,
    /// When (uses after this instant are violations).
    pub at: DateTime<Utc>,
}

/// Every event of an engagement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ThirdPartyEvent {
    /// See [`PriorReviewRecorded`].
    PriorReviewRecorded(PriorReviewRecorded),
    /// See [`ThirdPartyEngaged`].
    ThirdPartyEngaged(ThirdPartyEngaged),
    /// See [`ContractorUseRecorded`].
    ContractorUseRecorded(ContractorUseRecorded),
    /// See [`ThirdPartyViolationRecorded`].
    ThirdPartyViolationRecorded(ThirdPartyViolationRecorded),
    /// See [`EngagementEnded`].
    EngagementEnded(EngagementEnded),
}

impl ThirdPartyEvent {
    /// The instant this event records an act at (`None` for the deadline facts that record none:
    /// set, extended, recomputed).
    pub fn at(&self) -> Option<DateTime<Utc>> {
        match self {
            ThirdPartyEvent::PriorReviewRecorded(e) => Some(e.at),
            ThirdPartyEvent::ThirdPartyEngaged(e) => Some(e.at),
            ThirdPartyEvent::ContractorUseRecorded(e) => Some(e.at),
            ThirdPartyEvent::ThirdPartyViolationRecorded(e) => Some(e.at),
            ThirdPartyEvent::EngagementEnded(e) => Some(e.at),
        }
    }
}

impl DomainEvent for ThirdPartyEvent {
    fn event_type(&self) -> String {
        match self {
            ThirdPartyEvent::PriorReviewRecorded(_) => "PriorReviewRecorded",
            ThirdPartyEvent::ThirdPartyEngaged(_) => "ThirdPartyEngaged",
            ThirdPartyEvent::ContractorUseRecorded(_) => "ContractorUseRecorded",
            ThirdPartyEvent::ThirdPartyViolationRecorded(_) => "ThirdPartyViolationRecorded",
            ThirdPartyEvent::EngagementEnded(_) => "EngagementEnded",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}
