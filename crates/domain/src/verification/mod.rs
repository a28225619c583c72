//! Quality verification of shared data (校核, 第二十条).
//!
//! 第二十条: a requester that doubts the quality of shared data files a verification request (校核申请) with its
//! own data authority (本级政务数据主管部门), describing the suspected defect, on a grant or a catalog entry.
//! The authority forwards it to the provider within 3 working days of receipt; the provider answers within 10
//! working days of the forwarding, explaining (释明) or correcting (修复) the data. The provider may ask,
//! before the deadline, for one extension approved by the authority, of at most 10 working days. The
//! requester then accepts the answer or disputes it; a dispute goes back to the authority, which concludes it
//! (**Decision:** within `objection_coordination`, default 10 working days, as for an objection).

mod aggregate;
mod command;
mod event;

pub use crate::deadline::{MarkOverdue, RecomputeDeadlines, RemindDeadline};
pub use aggregate::{Verification, VerificationStatus};
pub use command::{
    AcceptVerificationResult, AnswerVerification, ApproveVerificationExtension,
    ConcludeVerificationDispute, DisputeVerificationResult, FileVerificationRequest,
    ForwardVerificationRequest, RefuseVerificationExtension, RequestVerificationExtension,
    VerificationCommand, VerificationOutcome, VerificationSubject,
};
pub use event::{
    VerificationAnswered, VerificationDisputeConcluded, VerificationEvent,
    VerificationExtensionRefused, VerificationExtensionRequested, VerificationForwarded,
    VerificationRequested, VerificationResultAccepted, VerificationResultDisputed,
};
