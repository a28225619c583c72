//! Share applications (共享申请, 第十九、二十一条), with their objections (异议, [`crate::objection`]) and
//! cross-level routes ([`crate::routing`]).
//!
//! A department applies through the platform naming catalog entries and the application scenario (应用场景);
//! the facts of each entry at submission (share attribute, holder, data items, negative listing) come in the
//! command, resolved by the engine, and are recorded. Then:
//! - on a cross-level route each authority forwards to the next within `share_route_forward` (Decision, 3);
//! - unconditional data: the serving authority provides within 3 working days of receipt;
//! - conditional data: review within 3 → forwarded to the provider → reply within 5 (of the forwarding,
//!   Decision; `national-2016`: 10) → on agreement provision within 3 of the reply; a refusal states real
//!   reasons and the law, regulation or national policy relied on;
//! - an entry on the negative list: not accepted, citing the listing (第十五条);
//! - 退回补正 by the authority holding it; the clock restarts on resubmission (Decision);
//! - withdrawal by the requester;
//! - after a refusal, one objection to the requester's own authority: concluded within 10 (Decision); upheld →
//!   provision within 3 of the conclusion.
//!
//! Every step's deadline is owed by the party that performs it; a late step is still recorded, late, with
//! the miss attributed to that party (第四十一条). Provision names the grant the engine then issues
//! ([`crate::grant`], 第二十二条).

mod aggregate;
mod command;
mod event;

pub use crate::deadline::RecomputeDeadlines;
pub use aggregate::{ShareApplication, ShareStatus, check_refusal_reasons};
pub use command::{
    AgreeToShare, ApplicationScenario, ForwardToProvider, ForwardToUpperAuthority, MarkOverdue,
    ProvideShare, RefusalBasis, RefusalBasisKind, RefuseToShare, RequestedEntry,
    ResubmitShareApplication, ReturnForSupplement, ShareCommand, SubmitShareApplication,
    WithdrawShareApplication,
};
pub use event::{
    ForwardedToProvider, ForwardedToUpperAuthority, ListedEntryCited, ProviderAgreed,
    ProviderRefused, ReturnedForSupplement, ShareApplicationNotAccepted,
    ShareApplicationResubmitted, ShareApplicationSubmitted, ShareApplicationWithdrawn, ShareEvent,
    SharePath, ShareProvided,
};
