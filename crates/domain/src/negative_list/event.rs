//! Events of a negative-list application.

use chrono::{DateTime, Utc};
use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};

use crate::actor::{Actor, DepartmentRef, Level, RegionCode};
use crate::negative_list::command::{LegalBasis, ListedEntry, UpperAuthority};

/// Whether the application puts the entry on the list or takes it off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListingPhase {
    /// 列入.
    Listing,
    /// 移出.
    Delisting,
}

/// 已申请 (列入 or 移出负面清单, 第十五条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NegativeListingApplied {
    /// Listing or delisting.
    pub phase: ListingPhase,
    /// The applying department (the entry's provider).
    pub applicant: DepartmentRef,
    /// The entry.
    pub entry: ListedEntry,
    /// The basis relied on (for a delisting: the basis of the listing being removed).
    pub legal_basis: LegalBasis,
    /// Reason.
    pub reason: String,
    /// Who applied.
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// 主管部门已审核 (第十五条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NegativeListingReviewed {
    /// Listing or delisting.
    pub phase: ListingPhase,
    /// Whether the authority endorsed it.
    pub endorsed: bool,
    /// Opinion.
    pub opinion: String,
    /// Who reviewed.
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// 人民政府已决定 (第十五条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NegativeListingDecided {
    /// Listing or delisting.
    pub phase: ListingPhase,
    /// Whether approved.
    pub approved: bool,
    /// Opinion.
    pub opinion: String,
    /// Who decided.
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// 已列入负面清单 (第十五条): the consequence of the government's approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryListed {
    /// The entry.
    pub entry: ListedEntry,
    /// The basis.
    pub legal_basis: LegalBasis,
    /// The region of the list.
    pub region: RegionCode,
    /// The level of the list.
    pub level: Level,
    /// When.
    pub at: DateTime<Utc>,
}

/// 已移出负面清单 (第十五条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryDelisted {
    /// The entry.
    pub entry: ListedEntry,
    /// The region of the list.
    pub region: RegionCode,
    /// The level of the list.
    pub level: Level,
    /// When.
    pub at: DateTime<Utc>,
}

/// 已报上一级主管部门备案 (第十五条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NegativeListingFiled {
    /// The listing or delisting filed.
    pub phase: ListingPhase,
    /// Where.
    pub upper_authority: UpperAuthority,
    /// Who filed.
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// Every event of a negative-list application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum NegativeListEvent {
    /// See [`NegativeListingApplied`].
    NegativeListingApplied(NegativeListingApplied),
    /// See [`NegativeListingReviewed`].
    NegativeListingReviewed(NegativeListingReviewed),
    /// See [`NegativeListingDecided`].
    NegativeListingDecided(NegativeListingDecided),
    /// See [`EntryListed`].
    EntryListed(EntryListed),
    /// See [`EntryDelisted`].
    EntryDelisted(EntryDelisted),
    /// See [`NegativeListingFiled`].
    NegativeListingFiled(NegativeListingFiled),
}

impl NegativeListEvent {
    /// The instant this event records an act at (`None` for the deadline facts that record none:
    /// set, extended, recomputed).
    pub fn at(&self) -> Option<DateTime<Utc>> {
        match self {
            NegativeListEvent::NegativeListingApplied(e) => Some(e.at),
            NegativeListEvent::NegativeListingReviewed(e) => Some(e.at),
            NegativeListEvent::NegativeListingDecided(e) => Some(e.at),
            NegativeListEvent::EntryListed(e) => Some(e.at),
            NegativeListEvent::EntryDelisted(e) => Some(e.at),
            NegativeListEvent::NegativeListingFiled(e) => Some(e.at),
        }
    }
}

impl DomainEvent for NegativeListEvent {
    fn event_type(&self) -> String {
        match self {
            NegativeListEvent::NegativeListingApplied(_) => "NegativeListingApplied",
            NegativeListEvent::NegativeListingReviewed(_) => "NegativeListingReviewed",
            NegativeListEvent::NegativeListingDecided(_) => "NegativeListingDecided",
            NegativeListEvent::EntryListed(_) => "EntryListed",
            NegativeListEvent::EntryDelisted(_) => "EntryDelisted",
            NegativeListEvent::NegativeListingFiled(_) => "NegativeListingFiled",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}
