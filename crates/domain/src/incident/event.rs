//! Events of a security incident.

use chrono::{DateTime, Utc};
use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};

use crate::actor::{Actor, DepartmentCode, DepartmentRef};
use crate::deadline::{
    DeadlineExtended, DeadlineFact, DeadlineId, DeadlineMet, DeadlineMissed, DeadlineRecomputed,
    DeadlineReminded, DeadlineSet,
};
use crate::incident::command::{
    AffectedEntry, IncidentCategory, ReportTarget, ReportTargets, ResponsibleParty, Severity,
};
use crate::rules::RuleSetRef;

/// 数据安全事件已报告 (第三十四条): the facts of the incident and the reporting windows that follow from them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentReported {
    /// The department that suffered it and owes every inform and report.
    pub reporter: DepartmentRef,
    /// When it was detected (the windows count from here).
    pub detected_at: DateTime<Utc>,
    /// Category.
    pub category: IncidentCategory,
    /// Severity.
    pub severity: Severity,
    /// Affected entries and their providers.
    pub affected_entries: Vec<AffectedEntry>,
    /// Affected grants.
    pub affected_grants: Vec<String>,
    /// Whether personal information is involved.
    pub personal_information: bool,
    /// What happened.
    pub description: String,
    /// The bodies it is reported to.
    pub report_to: ReportTargets,
    /// The provider departments to inform (the affected entries' providers other than the reporter).
    pub providers_to_inform: Vec<DepartmentCode>,
    /// The reporting window in clock hours for this severity.
    pub report_within_hours: u32,
    /// The rule set and version the window came from.
    pub rule_set: RuleSetRef,
    /// Who reported it.
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// 已采取处置措施 (第三十四条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImmediateMeasuresRecorded {
    /// What was done.
    pub measures: String,
    /// When the measures were taken.
    pub taken_at: DateTime<Utc>,
    /// Who recorded it.
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// 已告知提供部门 (第三十四条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderInformed {
    /// The provider informed.
    pub provider: DepartmentCode,
    /// How.
    pub channel: String,
    /// The deadline it meets.
    pub deadline: DeadlineId,
    /// Whether it came after the window.
    pub late: bool,
    /// Who informed it.
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// 已向网信/公安/政务数据主管部门报告 (第三十四条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentReportedToBody {
    /// Which body.
    pub target: ReportTarget,
    /// The body as recorded when the incident was reported.
    pub body: DepartmentRef,
    /// The report's reference.
    pub reference: String,
    /// The deadline it meets.
    pub deadline: DeadlineId,
    /// Whether it came after the window.
    pub late: bool,
    /// Who reported.
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// 调查结论已记录 (第三十四条; 第四十一条第六项, 第四十二、四十三条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentInvestigated {
    /// Findings.
    pub findings: String,
    /// Whether data leaked.
    pub leak_confirmed: bool,
    /// Who was found responsible.
    pub responsible: ResponsibleParty,
    /// Whether personal information is involved (copied from the report for the auditor).
    pub personal_information: bool,
    /// Who recorded it.
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// 事件已处置 (第三十四条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentResolved {
    /// How.
    pub resolution: String,
    /// Who recorded it.
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// 事后复盘已记录 (第三十四条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostIncidentReviewRecorded {
    /// Lessons and improvements.
    pub conclusions: String,
    /// Who recorded it.
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// 已结案 (第三十四条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentClosed {
    /// How many informs and reports were made late (each also a `DeadlineMissed`).
    pub late_reports: u32,
    /// Who closed it.
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// Every event of a security incident.
// The opening event records the incident and the resolved bodies; boxing it would only obscure the record.
#[allow(
    clippy::large_enum_variant,
    reason = "the opening event carries the resolved parties"
)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum IncidentEvent {
    /// See [`IncidentReported`].
    IncidentReported(IncidentReported),
    /// See [`ImmediateMeasuresRecorded`].
    ImmediateMeasuresRecorded(ImmediateMeasuresRecorded),
    /// See [`ProviderInformed`].
    ProviderInformed(ProviderInformed),
    /// See [`IncidentReportedToBody`].
    IncidentReportedToBody(IncidentReportedToBody),
    /// See [`IncidentInvestigated`].
    IncidentInvestigated(IncidentInvestigated),
    /// See [`IncidentResolved`].
    IncidentResolved(IncidentResolved),
    /// See [`PostIncidentReviewRecorded`].
    PostIncidentReviewRecorded(PostIncidentReviewRecorded),
    /// See [`IncidentClosed`].
    IncidentClosed(IncidentClosed),
    /// See [`DeadlineSet`].
    DeadlineSet(DeadlineSet),
    /// See [`DeadlineMet`].
    DeadlineMet(DeadlineMet),
    /// See [`DeadlineExtended`] (never emitted: reporting windows are not extended).
    DeadlineExtended(DeadlineExtended),
    /// See [`DeadlineMissed`].
    DeadlineMissed(DeadlineMissed),
    /// See [`DeadlineRecomputed`] (never emitted here: the windows of 第三十四条 are clock hours, never
    /// provisional; kept for the shared fact vocabulary).
    DeadlineRecomputed(DeadlineRecomputed),
    /// See [`DeadlineReminded`] (never emitted here: the windows of 第三十四条 are clock hours and take no reminder).
    DeadlineReminded(DeadlineReminded),
}

impl From<DeadlineFact> for IncidentEvent {
    fn from(fact: DeadlineFact) -> Self {
        match fact {
            DeadlineFact::Set(e) => IncidentEvent::DeadlineSet(e),
            DeadlineFact::Met(e) => IncidentEvent::DeadlineMet(e),
            DeadlineFact::Extended(e) => IncidentEvent::DeadlineExtended(e),
            DeadlineFact::Missed(e) => IncidentEvent::DeadlineMissed(e),
            DeadlineFact::Recomputed(e) => IncidentEvent::DeadlineRecomputed(e),
            DeadlineFact::Reminded(e) => IncidentEvent::DeadlineReminded(e),
        }
    }
}

impl IncidentEvent {
    /// The deadline fact this event is, if it is one.
    pub fn deadline_fact(&self) -> Option<DeadlineFact> {
        match self {
            IncidentEvent::DeadlineSet(e) => Some(DeadlineFact::Set(e.clone())),
            IncidentEvent::DeadlineMet(e) => Some(DeadlineFact::Met(e.clone())),
            IncidentEvent::DeadlineExtended(e) => Some(DeadlineFact::Extended(e.clone())),
            IncidentEvent::DeadlineMissed(e) => Some(DeadlineFact::Missed(e.clone())),
            IncidentEvent::DeadlineRecomputed(e) => Some(DeadlineFact::Recomputed(e.clone())),
            IncidentEvent::DeadlineReminded(e) => Some(DeadlineFact::Reminded(e.clone())),
            _ => None,
        }
    }
}

impl IncidentEvent {
    /// The instant this event records an act at (`None` for the deadline facts that record none:
    /// set, extended, recomputed).
    pub fn at(&self) -> Option<DateTime<Utc>> {
        match self {
            IncidentEvent::IncidentReported(e) => Some(e.at),
            IncidentEvent::ImmediateMeasuresRecorded(e) => Some(e.at),
            IncidentEvent::ProviderInformed(e) => Some(e.at),
            IncidentEvent::IncidentReportedToBody(e) => Some(e.at),
            IncidentEvent::IncidentInvestigated(e) => Some(e.at),
            IncidentEvent::IncidentResolved(e) => Some(e.at),
            IncidentEvent::PostIncidentReviewRecorded(e) => Some(e.at),
            IncidentEvent::IncidentClosed(e) => Some(e.at),
            IncidentEvent::DeadlineSet(_) => None,
            IncidentEvent::DeadlineMet(e) => Some(e.at),
            IncidentEvent::DeadlineExtended(_) => None,
            IncidentEvent::DeadlineMissed(e) => Some(e.marked_at),
            IncidentEvent::DeadlineRecomputed(_) => None,
            IncidentEvent::DeadlineReminded(e) => Some(e.reminded_at),
        }
    }
}

impl DomainEvent for IncidentEvent {
    fn event_type(&self) -> String {
        match self {
            IncidentEvent::IncidentReported(_) => "IncidentReported",
            IncidentEvent::ImmediateMeasuresRecorded(_) => "ImmediateMeasuresRecorded",
            IncidentEvent::ProviderInformed(_) => "ProviderInformed",
            IncidentEvent::IncidentReportedToBody(_) => "IncidentReportedToBody",
            IncidentEvent::IncidentInvestigated(_) => "IncidentInvestigated",
            IncidentEvent::IncidentResolved(_) => "IncidentResolved",
            IncidentEvent::PostIncidentReviewRecorded(_) => "PostIncidentReviewRecorded",
            IncidentEvent::IncidentClosed(_) => "IncidentClosed",
            IncidentEvent::DeadlineSet(_) => "DeadlineSet",
            IncidentEvent::DeadlineMet(_) => "DeadlineMet",
            IncidentEvent::DeadlineExtended(_) => "DeadlineExtended",
            IncidentEvent::DeadlineMissed(_) => "DeadlineMissed",
            IncidentEvent::DeadlineRecomputed(_) => "DeadlineRecomputed",
            IncidentEvent::DeadlineReminded(_) => "DeadlineReminded",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}
