//! Objections to a refused share request (异议, 第十九条).
//!
//! 第十九条: a requester that disagrees with a provider's refusal may raise an objection with its own data
//! authority (本级政务数据主管部门), which coordinates and issues a conclusion (处理结论). **Decision:** the
//! coordination has a deadline (`objection_coordination`, default 10 working days from the objection), owed
//! by that authority; an upheld objection obliges the serving authority to provide within
//! `objection_provide` (default 3) working days of the conclusion.
//!
//! An objection is a phase of the share application it contests: it is handled by
//! [`crate::share_application::ShareApplication`] through [`ShareCommand::RaiseObjection`] and
//! [`ShareCommand::ConcludeObjection`], so that the refusal, the objection, the conclusion and the provision
//! stand in one record. This module holds its commands and events.
//!
//! [`ShareCommand::RaiseObjection`]: crate::share_application::ShareCommand::RaiseObjection
//! [`ShareCommand::ConcludeObjection`]: crate::share_application::ShareCommand::ConcludeObjection

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::actor::{Actor, DepartmentRef};

/// 提出异议: the requester objects to the refusal of its application, with reasons (第十九条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RaiseObjection {
    /// 异议理由: why the refusal is wrong.
    pub reasons: String,
}

/// The outcome of the coordination (处理结论).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ObjectionOutcome {
    /// 异议成立: the data is to be provided.
    Upheld,
    /// 异议不成立: the refusal stands.
    Dismissed,
}

/// 作出处理结论: the requester's own authority concludes the objection after coordinating (第十九条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConcludeObjection {
    /// Upheld or dismissed.
    pub outcome: ObjectionOutcome,
    /// 处理结论: the conclusion as issued.
    pub conclusion: String,
}

/// 异议已提出 (第十九条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectionRaised {
    /// 异议理由.
    pub reasons: String,
    /// The authority that coordinates it (the requester's own, 本级).
    pub coordinating_authority: DepartmentRef,
    /// Who objected.
    pub by: Actor,
    /// When (the authority's coordination deadline counts from here).
    pub at: DateTime<Utc>,
}

/// 异议已作出处理结论 (第十九条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectionConcluded {
    /// Upheld or dismissed.
    pub outcome: ObjectionOutcome,
    /// 处理结论.
    pub conclusion: String,
    /// Who concluded.
    pub by: Actor,
    /// When (an upheld objection's provision deadline counts from here).
    pub at: DateTime<Utc>,
}
