//! Events of a catalog entry.

use chrono::{DateTime, NaiveDate, Utc};
use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};

use crate::actor::{Actor, DepartmentCode, DepartmentRef};
use crate::catalog::command::ChangeCause;
use crate::catalog::metadata::{AggregationMethod, CatalogMetadata, ShareAttribute};
use crate::deadline::{
    DeadlineExtended, DeadlineFact, DeadlineId, DeadlineMet, DeadlineMissed, DeadlineRecomputed,
    DeadlineReminded, DeadlineSet,
};
use crate::services::CategoryClass;

/// 目录已编制: an entry was drafted (第九条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogEntryDrafted {
    /// The provider (提供单位) as the engine saw it.
    pub provider: DepartmentRef,
    /// The metadata.
    pub metadata: CatalogMetadata,
    /// The class of its category as configured at the time (第十二条), if it has one.
    pub category_class: Option<CategoryClass>,
    /// Who drafted it.
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// 目录已修改: the working copy was revised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogEntryRevised {
    /// The version the working copy will become when approved.
    pub version: u32,
    /// The new metadata.
    pub metadata: CatalogMetadata,
    /// The class of its category as configured at the time.
    pub category_class: Option<CategoryClass>,
    /// Who revised it.
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// 目录变化已登记: a change of law or duties requires an update (第十一条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogChangeRecorded {
    /// Sequence number of this change for the entry.
    pub change: u32,
    /// Cause.
    pub cause: ChangeCause,
    /// What changed.
    pub description: String,
    /// Date of the change.
    pub changed_on: NaiveDate,
    /// Who recorded it.
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// 目录已报送审核: the working copy was submitted to the same-level authority (第十一条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogEntrySubmitted {
    /// The version submitted.
    pub version: u32,
    /// The share attribute as submitted (the fact later routing relies on).
    pub share_attribute: ShareAttribute,
    /// The same-level authority it was submitted to.
    pub authority: DepartmentRef,
    /// The change this submission answers, if any.
    pub change: Option<u32>,
    /// Who submitted it.
    pub by: Actor,
    /// When (the authority's receipt: its review deadline counts from here).
    pub at: DateTime<Utc>,
}

/// 目录审核通过并发布: the authority approved; the version is published in the catalog (第十、十一条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogEntryApproved {
    /// The published version.
    pub version: u32,
    /// 发布日期 (the Beijing date of approval).
    pub published_on: NaiveDate,
    /// Who approved it.
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// 目录已退回: the authority returned the entry with reasons (第十一条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogEntryReturned {
    /// The version returned.
    pub version: u32,
    /// 退回理由.
    pub reasons: String,
    /// Who returned it.
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// 已申请延长更新期限 (第十一条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateExtensionRequested {
    /// The update deadline to extend.
    pub deadline: DeadlineId,
    /// Its due instant when asked (the request came before it).
    pub due_at: DateTime<Utc>,
    /// 特殊原因.
    pub reason: String,
    /// Who asked.
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// 不同意延长 (第十一条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateExtensionRefused {
    /// The update deadline.
    pub deadline: DeadlineId,
    /// Reasons.
    pub reasons: String,
    /// Who refused.
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// 已列入负面清单, 共享属性为不予共享 (第十五条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotSharedListingRecorded {
    /// The negative-list application that listed it.
    pub listing_id: String,
    /// Legal basis.
    pub legal_basis: String,
    /// The approving government.
    pub approved_by_government: DepartmentCode,
    /// When it was listed.
    pub listed_at: DateTime<Utc>,
    /// The share attribute it had before.
    pub previous_share_attribute: ShareAttribute,
    /// Who recorded it.
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// 已移出负面清单 (第十五条). The department then revises the share attribute and resubmits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotSharedListingRemoved {
    /// The negative-list application that delisted it.
    pub listing_id: String,
    /// When it was delisted.
    pub delisted_at: DateTime<Utc>,
    /// Who recorded it.
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// 归集方式已登记 (第十六至十八条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AggregationRegistered {
    /// The method.
    pub method: AggregationMethod,
    /// The method it replaces, if any.
    pub previous: Option<AggregationMethod>,
    /// The share attribute seen (only shareable data is aggregated, 第十六条).
    pub share_attribute: ShareAttribute,
    /// The category class seen (base data is physical, 第十八条).
    pub category_class: Option<CategoryClass>,
    /// Who registered it.
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// 已同步: a physical aggregation was brought up to date (第十七条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AggregationSynced {
    /// When the copy was brought up to date.
    pub synced_at: DateTime<Utc>,
    /// Who recorded it (the provider or its commissioned third party).
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// Every event of a catalog entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CatalogEvent {
    /// See [`CatalogEntryDrafted`].
    CatalogEntryDrafted(CatalogEntryDrafted),
    /// See [`CatalogEntryRevised`].
    CatalogEntryRevised(CatalogEntryRevised),
    /// See [`CatalogChangeRecorded`].
    CatalogChangeRecorded(CatalogChangeRecorded),
    /// See [`CatalogEntrySubmitted`].
    CatalogEntrySubmitted(CatalogEntrySubmitted),
    /// See [`CatalogEntryApproved`].
    CatalogEntryApproved(CatalogEntryApproved),
    /// See [`CatalogEntryReturned`].
    CatalogEntryReturned(CatalogEntryReturned),
    /// See [`UpdateExtensionRequested`].
    UpdateExtensionRequested(UpdateExtensionRequested),
    /// See [`UpdateExtensionRefused`].
    UpdateExtensionRefused(UpdateExtensionRefused),
    /// See [`NotSharedListingRecorded`].
    NotSharedListingRecorded(NotSharedListingRecorded),
    /// See [`NotSharedListingRemoved`].
    NotSharedListingRemoved(NotSharedListingRemoved),
    /// See [`AggregationRegistered`].
    AggregationRegistered(AggregationRegistered),
    /// See [`AggregationSynced`].
    AggregationSynced(AggregationSynced),
    /// See [`DeadlineSet`].
    DeadlineSet(DeadlineSet),
    /// See [`DeadlineMet`].
    DeadlineMet(DeadlineMet),
    /// See [`DeadlineExtended`] (the record of the authority's consent, 第十一条).
    DeadlineExtended(DeadlineExtended),
    /// See [`DeadlineMissed`].
    DeadlineMissed(DeadlineMissed),
    /// See [`DeadlineRecomputed`] (digest Decision: provisional deadlines recomputed once a year's holiday
    /// arrangement is loaded).
    DeadlineRecomputed(DeadlineRecomputed),
    /// See [`DeadlineReminded`] (催办提醒, where the rule set configures reminders: an operational measure).
    DeadlineReminded(DeadlineReminded),
}

impl From<DeadlineFact> for CatalogEvent {
    fn from(fact: DeadlineFact) -> Self {
        match fact {
            DeadlineFact::Set(e) => CatalogEvent::DeadlineSet(e),
            DeadlineFact::Met(e) => CatalogEvent::DeadlineMet(e),
            DeadlineFact::Extended(e) => CatalogEvent::DeadlineExtended(e),
            DeadlineFact::Missed(e) => CatalogEvent::DeadlineMissed(e),
            DeadlineFact::Recomputed(e) => CatalogEvent::DeadlineRecomputed(e),
            DeadlineFact::Reminded(e) => CatalogEvent::DeadlineReminded(e),
        }
    }
}

impl CatalogEvent {
    /// The deadline fact this event is, if it is one.
    pub fn deadline_fact(&self) -> Option<DeadlineFact> {
        match self {
            CatalogEvent::DeadlineSet(e) => Some(DeadlineFact::Set(e.clone())),
            CatalogEvent::DeadlineMet(e) => Some(DeadlineFact::Met(e.clone())),
            CatalogEvent::DeadlineExtended(e) => Some(DeadlineFact::Extended(e.clone())),
            CatalogEvent::DeadlineMissed(e) => Some(DeadlineFact::Missed(e.clone())),
            CatalogEvent::DeadlineRecomputed(e) => Some(DeadlineFact::Recomputed(e.clone())),
            CatalogEvent::DeadlineReminded(e) => Some(DeadlineFact::Reminded(e.clone())),
            _ => None,
        }
    }
}

impl CatalogEvent {
    /// The instant this event records an act at (`None` for the deadline facts that record none:
    /// set, extended, recomputed).
    pub fn at(&self) -> Option<DateTime<Utc>> {
        match self {
            CatalogEvent::CatalogEntryDrafted(e) => Some(e.at),
            CatalogEvent::CatalogEntryRevised(e) => Some(e.at),
            CatalogEvent::CatalogChangeRecorded(e) => Some(e.at),
            CatalogEvent::CatalogEntrySubmitted(e) => Some(e.at),
            CatalogEvent::CatalogEntryApproved(e) => Some(e.at),
            CatalogEvent::CatalogEntryReturned(e) => Some(e.at),
            CatalogEvent::UpdateExtensionRequested(e) => Some(e.at),
            CatalogEvent::UpdateExtensionRefused(e) => Some(e.at),
            CatalogEvent::NotSharedListingRecorded(e) => Some(e.at),
            CatalogEvent::NotSharedListingRemoved(e) => Some(e.at),
            CatalogEvent::AggregationRegistered(e) => Some(e.at),
            CatalogEvent::AggregationSynced(e) => Some(e.at),
            CatalogEvent::DeadlineSet(_) => None,
            CatalogEvent::DeadlineMet(e) => Some(e.at),
            CatalogEvent::DeadlineExtended(_) => None,
            CatalogEvent::DeadlineMissed(e) => Some(e.marked_at),
            CatalogEvent::DeadlineRecomputed(_) => None,
            CatalogEvent::DeadlineReminded(e) => Some(e.reminded_at),
        }
    }
}

impl DomainEvent for CatalogEvent {
    fn event_type(&self) -> String {
        match self {
            CatalogEvent::CatalogEntryDrafted(_) => "CatalogEntryDrafted",
            CatalogEvent::CatalogEntryRevised(_) => "CatalogEntryRevised",
            CatalogEvent::CatalogChangeRecorded(_) => "CatalogChangeRecorded",
            CatalogEvent::CatalogEntrySubmitted(_) => "CatalogEntrySubmitted",
            CatalogEvent::CatalogEntryApproved(_) => "CatalogEntryApproved",
            CatalogEvent::CatalogEntryReturned(_) => "CatalogEntryReturned",
            CatalogEvent::UpdateExtensionRequested(_) => "UpdateExtensionRequested",
            CatalogEvent::UpdateExtensionRefused(_) => "UpdateExtensionRefused",
            CatalogEvent::NotSharedListingRecorded(_) => "NotSharedListingRecorded",
            CatalogEvent::NotSharedListingRemoved(_) => "NotSharedListingRemoved",
            CatalogEvent::AggregationRegistered(_) => "AggregationRegistered",
            CatalogEvent::AggregationSynced(_) => "AggregationSynced",
            CatalogEvent::DeadlineSet(_) => "DeadlineSet",
            CatalogEvent::DeadlineMet(_) => "DeadlineMet",
            CatalogEvent::DeadlineExtended(_) => "DeadlineExtended",
            CatalogEvent::DeadlineMissed(_) => "DeadlineMissed",
            CatalogEvent::DeadlineRecomputed(_) => "DeadlineRecomputed",
            CatalogEvent::DeadlineReminded(_) => "DeadlineReminded",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}
