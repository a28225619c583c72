//! Supervision and rectification (监督检查、督促整改、通报批评, 第三十九条).
//!
//! One aggregate per supervision case of one department. The data authority of the department's region and
//! level records an inspection and its findings; orders rectification with a deadline in working days from
//! the order, owed by the department (rule-set `rectification`, **Decision** default 20 working days; an
//! order may set its own length, recorded); the department reports what it did (late reports are accepted and
//! attributed, 第四十一条); the authority accepts or rejects the report, and may order again after a
//! rejection. Public criticism (通报批评) is itself an event and is allowed only on recorded grounds: a missed
//! rectification deadline or a rejected rectification (第四十一条第七项: 拒不整改); it is issued by the
//! ordering authority or the people's government of that region and level (AUTH-13).

mod aggregate;
mod command;
mod event;

pub use crate::deadline::{MarkOverdue, RecomputeDeadlines, RemindDeadline};
pub use aggregate::{Supervision, SupervisionStatus};
pub use command::{
    AcceptRectification, IssuePublicCriticism, OrderRectification, RecordInspection,
    RejectRectification, ReportRectification, SupervisionCommand,
};
pub use event::{
    CriticismGround, InspectionRecorded, PublicCriticismIssued, RectificationAccepted,
    RectificationOrdered, RectificationRejected, RectificationReported, SupervisionEvent,
};
