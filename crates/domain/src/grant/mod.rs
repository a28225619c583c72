//! Grants of shared data and their use (第二十二条).
//!
//! 第二十二条: a requester uses shared data strictly for the application scenario it stated; it may not widen
//! the scope or change the purpose. Provision of a share application ([`crate::share_application`]) is
//! followed by the engine issuing a **grant** bound to that scenario: the entries and data items, the purpose
//! code, the period of validity and the access mode. The grant carries the facts of that provision as the
//! engine resolved them ([`ProvisionFacts`], from `ShareProvided`) and is refused when it departs from them:
//! another grantee or issuer, an entry not provided, a data item not requested, another purpose code or
//! other conditions, a blank purpose, validity outside the requested period of use. A grant is its own
//! aggregate so that recording uses scales independently of the application (its state keeps counters and
//! the use ids, not the uses).
//!
//! Every use is recorded against the grant (data items, record count, end user, purpose code, instant), once
//! per use id: a second record under the same id is refused ([`crate::DomainError::DuplicateUse`]). A
//! use outside the granted items, for another purpose, outside the validity period, or after revocation is
//! still recorded — and recorded as a violation fact attributed to the using department (第二十二、四十一条).
//! The issuing authority may revoke the grant and records its expiry.

mod aggregate;
mod command;
mod event;

pub use aggregate::{Grant, GrantStatus};
pub use command::{
    GrantCommand, GrantedEntry, IssueGrant, ProvisionFacts, RecordGrantExpiry, RecordGrantUse,
    RevokeGrant,
};
pub use event::{
    GrantEvent, GrantExpired, GrantIssued, GrantRevoked, GrantUseRecorded, GrantViolationRecorded,
    UseViolation,
};
