//! Share applications (共享申请, 第十九、二十一条), with their objections (异议) and cross-level routes.
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
//!
//! **Objections** (`objection.rs`): an objection is a phase of the application it contests, so that the
//! refusal, the objection, the conclusion and the provision stand in one record: [`RaiseObjection`] with
//! reasons, to the requester's own authority (本级政务数据主管部门), which coordinates within
//! `objection_coordination` (Decision, 10) and issues [`ConcludeObjection`]; upheld → the serving authority
//! provides within `objection_provide` (Decision, 3) of the conclusion.
//!
//! **Routes** (`routing.rs`, 第二十一条): a city or county department applies through its own authority, which
//! applies to the upper-level authority; State Council data (国务院有关部门, [`DataHolder::StateCouncil`]) is
//! obtained through the provincial authority. A route is the chain of authorities the application passes, the
//! requester's own first and the serving authority last; the engine resolves it from the registry
//! ([`resolve_route`]) and passes it in the submission, the domain checks it ([`check_route`]) and records it. Each hop is a step owed by the
//! forwarding authority (`share_route_forward`, Decision, 3 working days).

mod aggregate;
mod command;
mod event;
mod objection;
mod routing;

pub use crate::deadline::{MarkOverdue, RecomputeDeadlines, RemindDeadline};
pub use aggregate::{ShareApplication, ShareStatus, check_refusal_reasons};
pub use command::{
    AgreeToShare, ApplicationScenario, ForwardToProvider, ForwardToUpperAuthority, ProvideShare,
    RefusalBasis, RefusalBasisKind, RefuseToShare, RequestedEntry, ResubmitShareApplication,
    ReturnForSupplement, ShareCommand, SubmitShareApplication, WithdrawShareApplication,
};
pub use event::{
    ForwardedToProvider, ForwardedToUpperAuthority, ListedEntryCited, ProviderAgreed,
    ProviderRefused, ReturnedForSupplement, ShareApplicationNotAccepted,
    ShareApplicationResubmitted, ShareApplicationSubmitted, ShareApplicationWithdrawn, ShareEvent,
    SharePath, ShareProvided,
};
pub use objection::{
    ConcludeObjection, ObjectionConcluded, ObjectionOutcome, ObjectionRaised, RaiseObjection,
};
pub use routing::{DataHolder, check_route, resolve_route};
