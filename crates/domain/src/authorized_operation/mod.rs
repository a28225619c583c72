//! Authorized operation (政务数据授权运营, 第二十八条).
//!
//! The provincial data authority grants an operator the use of named catalog entries for social use, with a
//! scope (purpose) and a term; it may revoke the grant. Every use is recorded against the grant like a share
//! grant's (第二十二条); a use of an entry not granted, for another purpose, outside the term or after
//! revocation is recorded with an [`OperationViolationRecorded`] fact. One aggregate per grant.

mod aggregate;
mod command;
mod event;

pub use aggregate::{AuthorizedOperation, OperationStatus};
pub use command::{
    AuthorizedOperationCommand, GrantOperation, OperationTerm, Operator, RecordOperationUse,
    RevokeOperation,
};
pub use event::{
    AuthorizedOperationEvent, OperationGranted, OperationRevoked, OperationUseRecorded,
    OperationViolation, OperationViolationRecorded,
};
