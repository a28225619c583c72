//! Events of a supervision case.

use chrono::{DateTime, NaiveDate, Utc};
use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};

use crate::actor::{Actor, DepartmentRef};
use crate::deadline::{
    DeadlineExtended, DeadlineFact, DeadlineId, DeadlineMet, DeadlineMissed, DeadlineRecomputed,
    DeadlineReminded, DeadlineSet,
};

/// 监督检查已记录 (第三十九条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InspectionRecorded {
    /// The inspected department.
    pub inspected: DepartmentRef,
    /// Date of the inspection.
    pub inspected_on: NaiveDate,
    /// Findings.
    pub findings: Vec<String>,
    /// Who recorded it (the authority).
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// 已责令整改 (第三十九条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RectificationOrdered {
    /// Sequence number of the order in the case.
    pub order: u32,
    /// What must be rectified.
    pub requirements: String,
    /// Working days allowed.
    pub working_days: u32,
    /// Whether the order set its own length (otherwise the rule set's `rectification`).
    pub length_set_by_order: bool,
    /// The deadline it opens.
    pub deadline: DeadlineId,
    /// Who ordered it.
    pub by: Actor,
    /// When (the deadline counts from here).
    pub at: DateTime<Utc>,
}

/// 整改情况已报告 (第三十九条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RectificationReported {
    /// The order answered.
    pub order: u32,
    /// What was done.
    pub measures: String,
    /// Whether it came after the deadline.
    pub late: bool,
    /// Who reported.
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// 整改已验收 (第三十九条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RectificationAccepted {
    /// The order.
    pub order: u32,
    /// Opinion.
    pub opinion: String,
    /// Who accepted.
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// 整改未通过 (evidence for 第四十一条第七项, 拒不整改).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RectificationRejected {
    /// The order.
    pub order: u32,
    /// Reasons.
    pub reasons: String,
    /// Who rejected.
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// A recorded fact that allows public criticism.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CriticismGround {
    /// A rectification deadline was missed.
    Overdue {
        /// The deadline.
        deadline: DeadlineId,
        /// Its due instant.
        due_at: DateTime<Utc>,
    },
    /// A rectification was rejected.
    Rejected {
        /// The order whose rectification was rejected.
        order: u32,
    },
}

/// 已通报批评 (第三十九条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicCriticismIssued {
    /// The criticised department.
    pub department: DepartmentRef,
    /// The grounds found in the record.
    pub grounds: Vec<CriticismGround>,
    /// Reference.
    pub reference: String,
    /// Content.
    pub content: String,
    /// Who issued it (the authority or the government).
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// Every event of a supervision case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SupervisionEvent {
    /// See [`InspectionRecorded`].
    InspectionRecorded(InspectionRecorded),
    /// See [`RectificationOrdered`].
    RectificationOrdered(RectificationOrdered),
    /// See [`RectificationReported`].
    RectificationReported(RectificationReported),
    /// See [`RectificationAccepted`].
    RectificationAccepted(RectificationAccepted),
    /// See [`RectificationRejected`].
    RectificationRejected(RectificationRejected),
    /// See [`PublicCriticismIssued`].
    PublicCriticismIssued(PublicCriticismIssued),
    /// See [`DeadlineSet`].
    DeadlineSet(DeadlineSet),
    /// See [`DeadlineMet`].
    DeadlineMet(DeadlineMet),
    /// See [`DeadlineExtended`] (not emitted by this aggregate).
    DeadlineExtended(DeadlineExtended),
    /// See [`DeadlineMissed`].
    DeadlineMissed(DeadlineMissed),
    /// See [`DeadlineRecomputed`] (digest Decision: provisional deadlines recomputed once a year's holiday
    /// arrangement is loaded).
    DeadlineRecomputed(DeadlineRecomputed),
    /// See [`DeadlineReminded`] (催办提醒, where the rule set configures reminders: an operational measure).
    DeadlineReminded(DeadlineReminded),
}

impl From<DeadlineFact> for SupervisionEvent {
    fn from(fact: DeadlineFact) -> Self {
        match fact {
            DeadlineFact::Set(e) => SupervisionEvent::DeadlineSet(e),
            DeadlineFact::Met(e) => SupervisionEvent::DeadlineMet(e),
            DeadlineFact::Extended(e) => SupervisionEvent::DeadlineExtended(e),
            DeadlineFact::Missed(e) => SupervisionEvent::DeadlineMissed(e),
            DeadlineFact::Recomputed(e) => SupervisionEvent::DeadlineRecomputed(e),
            DeadlineFact::Reminded(e) => SupervisionEvent::DeadlineReminded(e),
        }
    }
}

impl SupervisionEvent {
    /// The deadline fact this event is, if it is one.
    pub fn deadline_fact(&self) -> Option<DeadlineFact> {
        match self {
            SupervisionEvent::DeadlineSet(e) => Some(DeadlineFact::Set(e.clone())),
            SupervisionEvent::DeadlineMet(e) => Some(DeadlineFact::Met(e.clone())),
            SupervisionEvent::DeadlineExtended(e) => Some(DeadlineFact::Extended(e.clone())),
            SupervisionEvent::DeadlineMissed(e) => Some(DeadlineFact::Missed(e.clone())),
            SupervisionEvent::DeadlineRecomputed(e) => Some(DeadlineFact::Recomputed(e.clone())),
            SupervisionEvent::DeadlineReminded(e) => Some(DeadlineFact::Reminded(e.clone())),
            _ => None,
        }
    }
}

impl SupervisionEvent {
    /// The instant this event records an act at (`None` for the deadline facts that record none:
    /// set, extended, recomputed).
    pub fn at(&self) -> Option<DateTime<Utc>> {
        match self {
            SupervisionEvent::InspectionRecorded(e) => Some(e.at),
            SupervisionEvent::RectificationOrdered(e) => Some(e.at),
            SupervisionEvent::RectificationReported(e) => Some(e.at),
            SupervisionEvent::RectificationAccepted(e) => Some(e.at),
            SupervisionEvent::RectificationRejected(e) => Some(e.at),
            SupervisionEvent::PublicCriticismIssued(e) => Some(e.at),
            SupervisionEvent::DeadlineSet(_) => None,
            SupervisionEvent::DeadlineMet(e) => Some(e.at),
            SupervisionEvent::DeadlineExtended(_) => None,
            SupervisionEvent::DeadlineMissed(e) => Some(e.marked_at),
            SupervisionEvent::DeadlineRecomputed(_) => None,
            SupervisionEvent::DeadlineReminded(e) => Some(e.reminded_at),
        }
    }
}

impl DomainEvent for SupervisionEvent {
    fn event_type(&self) -> String {
        match self {
            SupervisionEvent::InspectionRecorded(_) => "InspectionRecorded",
            SupervisionEvent::RectificationOrdered(_) => "RectificationOrdered",
            SupervisionEvent::RectificationReported(_) => "RectificationReported",
            SupervisionEvent::RectificationAccepted(_) => "RectificationAccepted",
            SupervisionEvent::RectificationRejected(_) => "RectificationRejected",
            SupervisionEvent::PublicCriticismIssued(_) => "PublicCriticismIssued",
            SupervisionEvent::DeadlineSet(_) => "DeadlineSet",
            SupervisionEvent::DeadlineMet(_) => "DeadlineMet",
            SupervisionEvent::DeadlineExtended(_) => "DeadlineExtended",
            SupervisionEvent::DeadlineMissed(_) => "DeadlineMissed",
            SupervisionEvent::DeadlineRecomputed(_) => "DeadlineRecomputed",
            SupervisionEvent::DeadlineReminded(_) => "DeadlineReminded",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}
