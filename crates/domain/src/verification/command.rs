//! Commands of a verification request.

use serde::{Deserialize, Serialize};

use crate::actor::DepartmentRef;
use crate::deadline::{MarkOverdue, RecomputeDeadlines, RemindDeadline};

/// What the request concerns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum VerificationSubject {
    /// Data received under a grant (第二十二条).
    Grant {
        /// The grant id.
        grant_id: String,
        /// The entry concerned.
        entry_id: String,
    },
    /// A catalog entry's shared data.
    Entry {
        /// The entry id.
        entry_id: String,
    },
}

/// 提出校核申请 (第二十条). The acting department is the requester.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileVerificationRequest {
    /// The grant or entry concerned.
    pub subject: VerificationSubject,
    /// The provider of the data, as the engine resolved it.
    pub provider: DepartmentRef,
    /// The requester's own data authority (本级政务数据主管部门), as the engine resolved it.
    pub authority: DepartmentRef,
    /// 信息项 concerned.
    pub data_items: Vec<String>,
    /// 疑义: the suspected defect (inaccurate, incomplete, out of date, unusable …).
    pub defect: String,
}

/// 转至提供部门: the authority forwards the request (第二十条: within 3 working days).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForwardVerificationRequest {}

/// 申请延长校核期限: the provider asks, before the deadline, for one extension of at most 10 working days
/// (第二十条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestVerificationExtension {
    /// Working days asked for.
    pub working_days: u32,
    /// Why.
    pub reason: String,
}

/// 同意延长: the authority approves the pending extension request (第二十条).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApproveVerificationExtension {}

/// 不同意延长: the authority refuses the pending extension request (第二十条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefuseVerificationExtension {
    /// Reasons.
    pub reasons: String,
}

/// The provider's answer: an explanation or a correction (第二十条: 释明或者修复).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum VerificationOutcome {
    /// 释明: the data is right; why.
    Explained {
        /// The explanation.
        explanation: String,
    },
    /// 修复: the data was corrected.
    Corrected {
        /// What was corrected (items, records, how).
        corrections: Vec<String>,
        /// Comment.
        explanation: String,
    },
}

/// 反馈校核结果: the provider answers (第二十条: within 10 working days of the forwarding).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerVerification {
    /// Explanation or correction.
    pub outcome: VerificationOutcome,
}

/// 接受校核结果: the requester accepts the answer (第二十条).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcceptVerificationResult {}

/// 对校核结果有异议: the requester disputes the answer; it goes back to the authority (第二十条 Decision).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisputeVerificationResult {
    /// Why the answer does not resolve the defect.
    pub reasons: String,
}

/// 作出处理结论: the authority concludes a disputed verification (第二十条 Decision).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConcludeVerificationDispute {
    /// The conclusion.
    pub conclusion: String,
    /// Whether the provider must correct the data.
    pub correction_required: bool,
}

/// Every command of a verification request.
// The opening variant carries the parties as resolved; commands and events are built once and moved a few
// times, so boxing it would only obscure the record types.
#[allow(
    clippy::large_enum_variant,
    reason = "the opening variant carries the resolved parties"
)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum VerificationCommand {
    /// See [`FileVerificationRequest`].
    FileVerificationRequest(FileVerificationRequest),
    /// See [`ForwardVerificationRequest`].
    ForwardVerificationRequest(ForwardVerificationRequest),
    /// See [`RequestVerificationExtension`].
    RequestVerificationExtension(RequestVerificationExtension),
    /// See [`ApproveVerificationExtension`].
    ApproveVerificationExtension(ApproveVerificationExtension),
    /// See [`RefuseVerificationExtension`].
    RefuseVerificationExtension(RefuseVerificationExtension),
    /// See [`AnswerVerification`].
    AnswerVerification(AnswerVerification),
    /// See [`AcceptVerificationResult`].
    AcceptVerificationResult(AcceptVerificationResult),
    /// See [`DisputeVerificationResult`].
    DisputeVerificationResult(DisputeVerificationResult),
    /// See [`ConcludeVerificationDispute`].
    ConcludeVerificationDispute(ConcludeVerificationDispute),
    /// See [`MarkOverdue`].
    MarkOverdue(MarkOverdue),
    /// See [`RecomputeDeadlines`]: 重新计算期限, the scheduler's recomputation of the open provisional deadlines
    /// after a year's holiday arrangement is loaded (digest Decision, "Counting working days").
    RecomputeDeadlines(RecomputeDeadlines),
    /// See [`RemindDeadline`]: 催办提醒, the scheduler's reminder before a due day where the rule set
    /// configures one (an operational measure).
    RemindDeadline(RemindDeadline),
}
