//! The domain of govshare: aggregates, commands, events, rule sets, authorization and deadline facts of
//! the Hebei government data-sharing regulation (河北省政务数据共享应用管理办法).
//!
//! The crate is pure: it never reads the clock, touches a file, a database or the network, or draws random
//! numbers (`clippy.toml` forbids the clock and random ids). Every command arrives in a
//! [`CommandEnvelope`] carrying the resolved [`Actor`] and the instant the engine received it; the
//! calendar, the [`RuleSet`] and configuration arrive as the aggregates' [`DomainServices`]. A decision is a
//! function of (state, command, now, calendar, rule set), and its events record the facts it was based on.
//!
//! Foundations:
//! - [`actor`]: departments, regions, levels, roles (第四、五、六、三十七条);
//! - [`authorization`]: the one table of who may do what (`docs/authorization.md`);
//! - [`rules`]: rule sets `hebei-2022` (default) and `national-2016`, or any file of the same shape;
//! - [`deadline`]: deadlines as facts, shared by every aggregate (第十一、四十一条).
//!
//! One module per aggregate (see `docs/regulation-map.md` for article → command → event → test):
//! - [`organization`]: the organization registry (第四、五、六条);
//! - [`catalog`]: catalog entries, their changes and aggregation (第九、十一、十二、十六至十八条);
//! - [`negative_list`]: listing an entry as not shared (第十五条);
//! - [`published_catalog`]: numbered, dated catalog versions (第十条);
//! - [`collection_list`]: collection responsibility lists (第十三、十四条).

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod actor;
pub mod authorization;
pub mod catalog;
pub mod collection_list;
pub mod deadline;
pub mod envelope;
pub mod error;
pub mod negative_list;
pub mod organization;
pub mod published_catalog;
pub mod rules;
pub mod services;

pub use actor::{
    Actor, DepartmentCode, DepartmentKind, DepartmentRef, Level, PersonId, RegionCode, Role,
};
pub use authorization::{Action, Forbidden, Rule, Subject, authorize};
pub use deadline::{
    DeadlineExtended, DeadlineFact, DeadlineId, DeadlineMet, DeadlineMissed, DeadlineSet,
    Deadlines, Obligation,
};
pub use envelope::CommandEnvelope;
pub use error::DomainError;
pub use rules::{DeadlineRule, RuleSet, RuleSetRef};
pub use services::{CategoryAssignment, CategoryAssignments, CategoryClass, DomainServices};
