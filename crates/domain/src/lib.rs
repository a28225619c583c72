//! The domain of govshare: aggregates, commands, events, rule sets, authorization and deadline facts of
//! the Hebei government data-sharing regulation (河北省政务数据共享应用管理办法).
//!
//! The crate is pure: it never reads the clock, touches a file, a database or the network, or draws random
//! numbers (`clippy.toml` forbids the clock, random ids and the date conversions that panic on extreme
//! instants). Every command arrives in a [`CommandEnvelope`] carrying the resolved [`Actor`] and the instant
//! the engine received it; the calendar, the [`RuleSet`] and configuration arrive as the aggregates'
//! [`DomainServices`]. A decision is a function of (state, command, now, calendar, rule set), and its events
//! record the facts it was based on.
//!
//! Every aggregate implements [`Decide`]; [`decide()`] is the one entry point (cqrs-es `handle` calls it
//! through [`handle_with_sink`]). It refuses an instant the calendar cannot count and a command dated before
//! the latest recorded fact before the aggregate's own rules run.
//!
//! Foundations:
//! - [`actor`]: departments, regions, levels, roles (第四、五、六、三十七条);
//! - [`authorization`]: the one table of who may do what (`docs/authorization.md`);
//! - [`rules`]: rule sets `hebei-2022` (default) and `national-2016`, or any file of the same shape;
//! - [`deadline`]: deadlines as facts, shared by every aggregate, with the scheduler's [`MarkOverdue`],
//!   [`RecomputeDeadlines`] and [`RemindDeadline`] command bodies (第十一、四十一条; reminders are an
//!   operational measure configured in the rule set);
//! - [`decide`](mod@decide), [`envelope`], [`services`], [`error`] (the one refusal type, [`DomainError`]),
//!   [`instant`] (Beijing dates, checked).
//!
//! One module per aggregate, each a directory with `mod.rs` (documentation and re-exports), `command.rs`,
//! `event.rs` and `aggregate.rs` (see `docs/regulation-map.md` for article → command → event → test):
//! - [`organization`]: the organization registry (第四、五、六条);
//! - [`catalog`]: catalog entries, their changes and aggregation (第九、十一、十二、十六至十八条);
//! - [`negative_list`]: listing an entry as not shared (第十五条);
//! - [`published_catalog`]: numbered, dated catalog versions (第十条);
//! - [`collection_list`]: collection responsibility lists (第十三、十四条);
//! - [`share_application`]: share applications, with their objections and cross-level routes
//!   (第十九、二十一条);
//! - [`grant`]: grants of shared data bound to their scenario, and every use of them (第二十二条);
//! - [`verification`]: quality verification requests (校核, 第二十条);
//! - [`incident`]: data security incidents and their timed informs and reports (第三十四条);
//! - [`third_party`]: third-party engagements: prior review, traces of use, violations (第三十七条);
//! - [`supervision`]: inspections, rectification orders and public criticism (第三十九条);
//! - [`city_platform`]: city platform plans, synchronisation and data return (第三十一条);
//! - [`authorized_operation`]: authorized operation of named entries for social use (第二十八条).
//!
//! [`liability`] maps chapter 7 (第四十至四十三条) to the recorded facts that prove each listed failure.

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod actor;
pub mod authorization;
pub mod authorized_operation;
pub mod catalog;
pub mod city_platform;
pub mod collection_list;
pub mod deadline;
mod deadline_id;
pub mod decide;
pub mod envelope;
pub mod error;
mod forbidden;
pub mod grant;
pub mod incident;
pub mod instant;
pub mod liability;
pub mod negative_list;
pub mod organization;
pub mod published_catalog;
pub mod rules;
pub mod services;
pub mod share_application;
pub mod supervision;
pub mod text;
pub mod third_party;
pub mod verification;

pub use actor::{
    Actor, DepartmentCode, DepartmentKind, DepartmentRef, Level, PersonId, RegionCode, Role,
};
pub use authorization::{Action, Forbidden, Rule, Subject, authorize};
pub use deadline::{
    DeadlineExtended, DeadlineFact, DeadlineId, DeadlineMet, DeadlineMissed, DeadlineRecomputed,
    DeadlineReminded, DeadlineSet, Deadlines, MarkOverdue, Obligation, RecomputeDeadlines,
    RemindDeadline,
};
pub use decide::{Decide, decide, handle_with_sink};
pub use envelope::CommandEnvelope;
pub use error::DomainError;
pub use rules::{AssessmentWeights, DeadlineRule, Reminders, RuleSet, RuleSetRef};
pub use services::{CategoryAssignment, CategoryAssignments, CategoryClass, DomainServices};
