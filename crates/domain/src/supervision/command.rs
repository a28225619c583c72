//! Commands of a supervision case.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::actor::DepartmentRef;
use crate::deadline::MarkOverdue;
use crate::deadline::{RecomputeDeadlines, RemindDeadline};

/// 监督检查: record an inspection of a department's data-sharing work and its findings (第三十九条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordInspection {
    /// The inspected department as the engine resolved it.
    pub inspected: DepartmentRef,
    /// The Beijing date of the inspection.
    pub inspected_on: NaiveDate,
    /// Findings: the problems found (empty when none were found).
    pub findings: Vec<String>,
}

/// 督促整改: order rectification of the findings (第三十九条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderRectification {
    /// What must be rectified.
    pub requirements: String,
    /// Working days allowed, if the order sets its own length; otherwise the rule set's `rectification`.
    pub working_days: Option<u32>,
}

/// 报告整改情况: the department reports what it did (第三十九条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportRectification {
    /// What was done.
    pub measures: String,
}

/// 整改验收通过: the authority accepts the rectification (第三十九条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcceptRectification {
    /// Opinion.
    pub opinion: String,
}

/// 整改不通过: the authority rejects the rectification with reasons (第三十九条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectRectification {
    /// Reasons.
    pub reasons: String,
}

/// 通报批评: issue public criticism after an overdue or rejected rectification (第三十九条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuePublicCriticism {
    /// The notice's reference (文号).
    pub reference: String,
    /// Its content.
    pub content: String,
}

/// Every command of a supervision case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SupervisionCommand {
    /// See [`RecordInspection`].
    RecordInspection(RecordInspection),
    /// See [`OrderRectification`].
    OrderRectification(OrderRectification),
    /// See [`ReportRectification`].
    ReportRectification(ReportRectification),
    /// See [`AcceptRectification`].
    AcceptRectification(AcceptRectification),
    /// See [`RejectRectification`].
    RejectRectification(RejectRectification),
    /// See [`IssuePublicCriticism`].
    IssuePublicCriticism(IssuePublicCriticism),
    /// See [`MarkOverdue`].
    MarkOverdue(MarkOverdue),
    /// See [`RecomputeDeadlines`]: 重新计算期限, the scheduler's recomputation of the open provisional deadlines
    /// after a year's holiday arrangement is loaded (digest Decision, "Counting working days").
    RecomputeDeadlines(RecomputeDeadlines),
    /// See [`RemindDeadline`]: 催办提醒, the scheduler's reminder before a due day where the rule set
    /// configures one (an operational measure).
    RemindDeadline(RemindDeadline),
}
