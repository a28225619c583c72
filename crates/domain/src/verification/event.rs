//! Events of a verification request.

use chrono::{DateTime, Utc};
use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};

use crate::actor::{Actor, DepartmentCode, DepartmentRef};
use crate::deadline::{
    DeadlineExtended, DeadlineFact, DeadlineId, DeadlineMet, DeadlineMissed, DeadlineRecomputed,
    DeadlineReminded, DeadlineSet,
};
use crate::verification::command::{VerificationOutcome, VerificationSubject};

/// 校核申请已提出 (第二十条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerificationRequested {
    /// The requester.
    pub requester: DepartmentRef,
    /// The grant or entry concerned.
    pub subject: VerificationSubject,
    /// The provider, as seen.
    pub provider: DepartmentRef,
    /// The requester's own authority, which owes the forwarding.
    pub authority: DepartmentRef,
    /// 信息项 concerned.
    pub data_items: Vec<String>,
    /// The suspected defect.
    pub defect: String,
    /// Who filed it.
    pub by: Actor,
    /// When (the authority's receipt).
    pub at: DateTime<Utc>,
}

/// 校核申请已转至提供部门 (第二十条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerificationForwarded {
    /// The provider, which owes the answer.
    pub provider: DepartmentCode,
    /// Who forwarded.
    pub by: Actor,
    /// When (the answer deadline counts from here).
    pub at: DateTime<Utc>,
}

/// 已申请延长校核期限 (第二十条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerificationExtensionRequested {
    /// The answer deadline to extend.
    pub deadline: DeadlineId,
    /// Its due instant when asked (the request came before it).
    pub due_at: DateTime<Utc>,
    /// Working days asked for (at most the rule set's maximum).
    pub working_days: u32,
    /// The maximum the rule set allowed.
    pub max_working_days: u32,
    /// Why.
    pub reason: String,
    /// Who asked.
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// 不同意延长 (第二十条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerificationExtensionRefused {
    /// The answer deadline.
    pub deadline: DeadlineId,
    /// Reasons.
    pub reasons: String,
    /// Who refused.
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// 校核结果已反馈 (第二十条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerificationAnswered {
    /// Explanation or correction.
    pub outcome: VerificationOutcome,
    /// Who answered.
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// 校核结果已接受 (第二十条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerificationResultAccepted {
    /// Who accepted.
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// 对校核结果提出异议: back to the authority (第二十条 Decision).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerificationResultDisputed {
    /// Why.
    pub reasons: String,
    /// The authority that concludes it.
    pub authority: DepartmentCode,
    /// Who disputed.
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// 校核争议已作出处理结论 (第二十条 Decision).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerificationDisputeConcluded {
    /// The conclusion.
    pub conclusion: String,
    /// Whether the provider must correct the data.
    pub correction_required: bool,
    /// Who concluded.
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// Every event of a verification request.
// The opening variant carries the parties as resolved; commands and events are built once and moved a few
// times, so boxing it would only obscure the record types.
#[allow(
    clippy::large_enum_variant,
    reason = "the opening variant carries the resolved parties"
)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum VerificationEvent {
    /// See [`VerificationRequested`].
    VerificationRequested(VerificationRequested),
    /// See [`VerificationForwarded`].
    VerificationForwarded(VerificationForwarded),
    /// See [`VerificationExtensionRequested`].
    VerificationExtensionRequested(VerificationExtensionRequested),
    /// See [`VerificationExtensionRefused`].
    VerificationExtensionRefused(VerificationExtensionRefused),
    /// See [`VerificationAnswered`].
    VerificationAnswered(VerificationAnswered),
    /// See [`VerificationResultAccepted`].
    VerificationResultAccepted(VerificationResultAccepted),
    /// See [`VerificationResultDisputed`].
    VerificationResultDisputed(VerificationResultDisputed),
    /// See [`VerificationDisputeConcluded`].
    VerificationDisputeConcluded(VerificationDisputeConcluded),
    /// See [`DeadlineSet`].
    DeadlineSet(DeadlineSet),
    /// See [`DeadlineMet`].
    DeadlineMet(DeadlineMet),
    /// See [`DeadlineExtended`] (the record of the authority's approval, 第二十条).
    DeadlineExtended(DeadlineExtended),
    /// See [`DeadlineMissed`].
    DeadlineMissed(DeadlineMissed),
    /// See [`DeadlineRecomputed`] (digest Decision: provisional deadlines recomputed once a year's holiday
    /// arrangement is loaded).
    DeadlineRecomputed(DeadlineRecomputed),
    /// See [`DeadlineReminded`] (催办提醒, where the rule set configures reminders: an operational measure).
    DeadlineReminded(DeadlineReminded),
}

impl From<DeadlineFact> for VerificationEvent {
    fn from(fact: DeadlineFact) -> Self {
        match fact {
            DeadlineFact::Set(e) => VerificationEvent::DeadlineSet(e),
            DeadlineFact::Met(e) => VerificationEvent::DeadlineMet(e),
            DeadlineFact::Extended(e) => VerificationEvent::DeadlineExtended(e),
            DeadlineFact::Missed(e) => VerificationEvent::DeadlineMissed(e),
            DeadlineFact::Recomputed(e) => VerificationEvent::DeadlineRecomputed(e),
            DeadlineFact::Reminded(e) => VerificationEvent::DeadlineReminded(e),
        }
    }
}

impl VerificationEvent {
    /// The deadline fact this event is, if it is one.
    pub fn deadline_fact(&self) -> Option<DeadlineFact> {
        match self {
            VerificationEvent::DeadlineSet(e) => Some(DeadlineFact::Set(e.clone())),
            VerificationEvent::DeadlineMet(e) => Some(DeadlineFact::Met(e.clone())),
            VerificationEvent::DeadlineExtended(e) => Some(DeadlineFact::Extended(e.clone())),
            VerificationEvent::DeadlineMissed(e) => Some(DeadlineFact::Missed(e.clone())),
            VerificationEvent::DeadlineRecomputed(e) => Some(DeadlineFact::Recomputed(e.clone())),
            VerificationEvent::DeadlineReminded(e) => Some(DeadlineFact::Reminded(e.clone())),
            _ => None,
        }
    }
}

impl VerificationEvent {
    /// The instant this event records an act at (`None` for the deadline facts that record none:
    /// set, extended, recomputed).
    pub fn at(&self) -> Option<DateTime<Utc>> {
        match self {
            VerificationEvent::VerificationRequested(e) => Some(e.at),
            VerificationEvent::VerificationForwarded(e) => Some(e.at),
            VerificationEvent::VerificationExtensionRequested(e) => Some(e.at),
            VerificationEvent::VerificationExtensionRefused(e) => Some(e.at),
            VerificationEvent::VerificationAnswered(e) => Some(e.at),
            VerificationEvent::VerificationResultAccepted(e) => Some(e.at),
            VerificationEvent::VerificationResultDisputed(e) => Some(e.at),
            VerificationEvent::VerificationDisputeConcluded(e) => Some(e.at),
            VerificationEvent::DeadlineSet(_) => None,
            VerificationEvent::DeadlineMet(e) => Some(e.at),
            VerificationEvent::DeadlineExtended(_) => None,
            VerificationEvent::DeadlineMissed(e) => Some(e.marked_at),
            VerificationEvent::DeadlineRecomputed(_) => None,
            VerificationEvent::DeadlineReminded(e) => Some(e.reminded_at),
        }
    }
}

impl DomainEvent for VerificationEvent {
    fn event_type(&self) -> String {
        match self {
            VerificationEvent::VerificationRequested(_) => "VerificationRequested",
            VerificationEvent::VerificationForwarded(_) => "VerificationForwarded",
            VerificationEvent::VerificationExtensionRequested(_) => {
                "VerificationExtensionRequested"
            }
            VerificationEvent::VerificationExtensionRefused(_) => "VerificationExtensionRefused",
            VerificationEvent::VerificationAnswered(_) => "VerificationAnswered",
            VerificationEvent::VerificationResultAccepted(_) => "VerificationResultAccepted",
            VerificationEvent::VerificationResultDisputed(_) => "VerificationResultDisputed",
            VerificationEvent::VerificationDisputeConcluded(_) => "VerificationDisputeConcluded",
            VerificationEvent::DeadlineSet(_) => "DeadlineSet",
            VerificationEvent::DeadlineMet(_) => "DeadlineMet",
            VerificationEvent::DeadlineExtended(_) => "DeadlineExtended",
            VerificationEvent::DeadlineMissed(_) => "DeadlineMissed",
            VerificationEvent::DeadlineRecomputed(_) => "DeadlineRecomputed",
            VerificationEvent::DeadlineReminded(_) => "DeadlineReminded",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}
