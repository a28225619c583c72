//! Events of a share application.

use chrono::{DateTime, Utc};
use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};

use crate::actor::{Actor, DepartmentCode, DepartmentRef};
use crate::deadline::{
    DeadlineExtended, DeadlineFact, DeadlineMet, DeadlineMissed, DeadlineRecomputed,
    DeadlineReminded, DeadlineSet,
};
use crate::rules::RuleSetRef;
use crate::share_application::command::{ApplicationScenario, RefusalBasis, RequestedEntry};
use crate::share_application::objection::{ObjectionConcluded, ObjectionRaised};

/// Which path of 第十九条 the application follows, decided from the entries' facts at submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum SharePath {
    /// 无条件共享: the serving authority provides directly.
    Unconditional,
    /// 有条件共享: review, provider's reply, provision.
    Conditional,
    /// An entry is on the negative list: not accepted (第十五、十九条).
    NotAccepted,
}

/// 共享申请已提交 (第十九条). Records the entries' facts, the scenario and the route as seen at submission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareApplicationSubmitted {
    /// The application's id.
    pub application_id: String,
    /// The requesting department.
    pub requester: DepartmentRef,
    /// The entries with their share attribute, holder and listing as seen.
    pub entries: Vec<RequestedEntry>,
    /// 应用场景.
    pub scenario: ApplicationScenario,
    /// Parts of the scenario that were blank (a ground for 退回补正).
    pub scenario_missing: Vec<String>,
    /// 申请材料.
    pub materials: Vec<String>,
    /// The authorities it passes (第二十一条); the last serves it.
    pub route: Vec<DepartmentRef>,
    /// The path it follows.
    pub path: SharePath,
    /// The rule set in force (its refusal and deadline rules apply to this application).
    pub rule_set: RuleSetRef,
    /// Who submitted it.
    pub by: Actor,
    /// When (the first authority's receipt).
    pub at: DateTime<Utc>,
}

/// A listed entry cited by a non-acceptance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListedEntryCited {
    /// Catalog entry id.
    pub entry_id: String,
    /// The negative-list application that lists it.
    pub listing: String,
}

/// 不予受理: an entry is on the negative list (不予共享, 第十五条), so the application is not accepted; the
/// listing is cited. The requester may apply again without it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareApplicationNotAccepted {
    /// The listed entries and their listings.
    pub listed: Vec<ListedEntryCited>,
    /// When.
    pub at: DateTime<Utc>,
}

/// 已转报上一级主管部门 (第二十一条): one hop of the route.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForwardedToUpperAuthority {
    /// 1 for the first hop.
    pub hop: u32,
    /// The forwarding authority.
    pub from: DepartmentCode,
    /// The receiving authority.
    pub to: DepartmentRef,
    /// Who forwarded.
    pub by: Actor,
    /// When (the receiving authority's receipt).
    pub at: DateTime<Utc>,
}

/// 已退回补正 (第十九条 Decision).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnedForSupplement {
    /// What must be supplied.
    pub missing: Vec<String>,
    /// Who returned it.
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// 已补正重新提交: the authority's clock restarts (第十九条 Decision).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareApplicationResubmitted {
    /// The supplemented scenario.
    pub scenario: ApplicationScenario,
    /// Parts still blank.
    pub scenario_missing: Vec<String>,
    /// 申请材料.
    pub materials: Vec<String>,
    /// Whether the authority's deadline restarts from this resubmission (the rule-set option seen).
    pub clock_restarted: bool,
    /// Who resubmitted.
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// 申请已撤回 (第十九条): steps not yet due are no longer owed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareApplicationWithdrawn {
    /// Why.
    pub reason: String,
    /// Who withdrew.
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// 已审核并转至提供部门 (第十九条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForwardedToProvider {
    /// The department that owes the reply.
    pub provider: DepartmentCode,
    /// 审核意见.
    pub review_opinion: String,
    /// Who forwarded.
    pub by: Actor,
    /// When (the provider's reply deadline counts from here, Decision).
    pub at: DateTime<Utc>,
}

/// 提供部门同意共享 (第十九条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderAgreed {
    /// Conditions of use, if any.
    pub conditions: Option<String>,
    /// Who agreed.
    pub by: Actor,
    /// When (the authority's provision deadline counts from its receipt of the reply, here).
    pub at: DateTime<Utc>,
}

/// 提供部门不同意共享, 说明理由 (第十九条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderRefused {
    /// 不予共享的理由.
    pub reasons: String,
    /// The provision relied on.
    pub basis: RefusalBasis,
    /// Who refused.
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// 已提供数据 (第十九条). The engine issues the grant named here, bound to the scenario (第二十二条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareProvided {
    /// The application.
    pub application_id: String,
    /// The grant to issue.
    pub grant_id: String,
    /// The requester.
    pub requester: DepartmentCode,
    /// The entries provided (ids).
    pub entries: Vec<String>,
    /// The scenario the grant is bound to.
    pub scenario: ApplicationScenario,
    /// The provider's conditions, if it agreed with conditions.
    pub conditions: Option<String>,
    /// Whether provision follows an upheld objection.
    pub after_objection: bool,
    /// Who provided.
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// Every event of a share application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ShareEvent {
    /// See [`ShareApplicationSubmitted`].
    ShareApplicationSubmitted(ShareApplicationSubmitted),
    /// See [`ShareApplicationNotAccepted`].
    ShareApplicationNotAccepted(ShareApplicationNotAccepted),
    /// See [`ForwardedToUpperAuthority`].
    ForwardedToUpperAuthority(ForwardedToUpperAuthority),
    /// See [`ReturnedForSupplement`].
    ReturnedForSupplement(ReturnedForSupplement),
    /// See [`ShareApplicationResubmitted`].
    ShareApplicationResubmitted(ShareApplicationResubmitted),
    /// See [`ShareApplicationWithdrawn`].
    ShareApplicationWithdrawn(ShareApplicationWithdrawn),
    /// See [`ForwardedToProvider`].
    ForwardedToProvider(ForwardedToProvider),
    /// See [`ProviderAgreed`].
    ProviderAgreed(ProviderAgreed),
    /// See [`ProviderRefused`].
    ProviderRefused(ProviderRefused),
    /// See [`ObjectionRaised`].
    ObjectionRaised(ObjectionRaised),
    /// See [`ObjectionConcluded`].
    ObjectionConcluded(ObjectionConcluded),
    /// See [`ShareProvided`].
    ShareProvided(ShareProvided),
    /// See [`DeadlineSet`].
    DeadlineSet(DeadlineSet),
    /// See [`DeadlineMet`].
    DeadlineMet(DeadlineMet),
    /// See [`DeadlineExtended`] (no step of 第十九条 is extended; kept for the shared fact vocabulary).
    DeadlineExtended(DeadlineExtended),
    /// See [`DeadlineMissed`].
    DeadlineMissed(DeadlineMissed),
    /// See [`DeadlineRecomputed`] (digest Decision: provisional deadlines recomputed once a year's holiday
    /// arrangement is loaded).
    DeadlineRecomputed(DeadlineRecomputed),
    /// See [`DeadlineReminded`] (催办提醒, where the rule set configures reminders: an operational measure).
    DeadlineReminded(DeadlineReminded),
}

impl From<DeadlineFact> for ShareEvent {
    fn from(fact: DeadlineFact) -> Self {
        match fact {
            DeadlineFact::Set(e) => ShareEvent::DeadlineSet(e),
            DeadlineFact::Met(e) => ShareEvent::DeadlineMet(e),
            DeadlineFact::Extended(e) => ShareEvent::DeadlineExtended(e),
            DeadlineFact::Missed(e) => ShareEvent::DeadlineMissed(e),
            DeadlineFact::Recomputed(e) => ShareEvent::DeadlineRecomputed(e),
            DeadlineFact::Reminded(e) => ShareEvent::DeadlineReminded(e),
        }
    }
}

impl ShareEvent {
    /// The deadline fact this event is, if it is one.
    pub fn deadline_fact(&self) -> Option<DeadlineFact> {
        match self {
            ShareEvent::DeadlineSet(e) => Some(DeadlineFact::Set(e.clone())),
            ShareEvent::DeadlineMet(e) => Some(DeadlineFact::Met(e.clone())),
            ShareEvent::DeadlineExtended(e) => Some(DeadlineFact::Extended(e.clone())),
            ShareEvent::DeadlineMissed(e) => Some(DeadlineFact::Missed(e.clone())),
            ShareEvent::DeadlineRecomputed(e) => Some(DeadlineFact::Recomputed(e.clone())),
            ShareEvent::DeadlineReminded(e) => Some(DeadlineFact::Reminded(e.clone())),
            _ => None,
        }
    }
}

impl ShareEvent {
    /// The instant this event records an act at (`None` for the deadline facts that record none:
    /// set, extended, recomputed).
    pub fn at(&self) -> Option<DateTime<Utc>> {
        match self {
            ShareEvent::ShareApplicationSubmitted(e) => Some(e.at),
            ShareEvent::ShareApplicationNotAccepted(e) => Some(e.at),
            ShareEvent::ForwardedToUpperAuthority(e) => Some(e.at),
            ShareEvent::ReturnedForSupplement(e) => Some(e.at),
            ShareEvent::ShareApplicationResubmitted(e) => Some(e.at),
            ShareEvent::ShareApplicationWithdrawn(e) => Some(e.at),
            ShareEvent::ForwardedToProvider(e) => Some(e.at),
            ShareEvent::ProviderAgreed(e) => Some(e.at),
            ShareEvent::ProviderRefused(e) => Some(e.at),
            ShareEvent::ObjectionRaised(e) => Some(e.at),
            ShareEvent::ObjectionConcluded(e) => Some(e.at),
            ShareEvent::ShareProvided(e) => Some(e.at),
            ShareEvent::DeadlineSet(_) => None,
            ShareEvent::DeadlineMet(e) => Some(e.at),
            ShareEvent::DeadlineExtended(_) => None,
            ShareEvent::DeadlineMissed(e) => Some(e.marked_at),
            ShareEvent::DeadlineRecomputed(_) => None,
            ShareEvent::DeadlineReminded(e) => Some(e.reminded_at),
        }
    }
}

impl DomainEvent for ShareEvent {
    fn event_type(&self) -> String {
        match self {
            ShareEvent::ShareApplicationSubmitted(_) => "ShareApplicationSubmitted",
            ShareEvent::ShareApplicationNotAccepted(_) => "ShareApplicationNotAccepted",
            ShareEvent::ForwardedToUpperAuthority(_) => "ForwardedToUpperAuthority",
            ShareEvent::ReturnedForSupplement(_) => "ReturnedForSupplement",
            ShareEvent::ShareApplicationResubmitted(_) => "ShareApplicationResubmitted",
            ShareEvent::ShareApplicationWithdrawn(_) => "ShareApplicationWithdrawn",
            ShareEvent::ForwardedToProvider(_) => "ForwardedToProvider",
            ShareEvent::ProviderAgreed(_) => "ProviderAgreed",
            ShareEvent::ProviderRefused(_) => "ProviderRefused",
            ShareEvent::ObjectionRaised(_) => "ObjectionRaised",
            ShareEvent::ObjectionConcluded(_) => "ObjectionConcluded",
            ShareEvent::ShareProvided(_) => "ShareProvided",
            ShareEvent::DeadlineSet(_) => "DeadlineSet",
            ShareEvent::DeadlineMet(_) => "DeadlineMet",
            ShareEvent::DeadlineExtended(_) => "DeadlineExtended",
            ShareEvent::DeadlineMissed(_) => "DeadlineMissed",
            ShareEvent::DeadlineRecomputed(_) => "DeadlineRecomputed",
            ShareEvent::DeadlineReminded(_) => "DeadlineReminded",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}
