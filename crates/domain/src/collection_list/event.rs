//! Events of a collection responsibility list.

use chrono::{DateTime, Utc};
use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};

use crate::actor::{Actor, DepartmentRef};
use crate::collection_list::command::{CollectionItem, DuplicationJustification, SharedSource};

/// 采集责任清单已形成 (第十三条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectionListDerived {
    /// The department.
    pub department: DepartmentRef,
    /// List version (1 for the first derivation).
    pub version: u32,
    /// The items.
    pub items: Vec<CollectionItem>,
    /// Items already provided for sharing by others (seen by the decision).
    pub overlaps: Vec<SharedSource>,
    /// The justifications recorded for them.
    pub justifications: Vec<DuplicationJustification>,
    /// Who derived it.
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// 已申请变更采集清单 (第十四条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectionChangeApplied {
    /// Sequence number of the change.
    pub change: u32,
    /// Items to add.
    pub add: Vec<CollectionItem>,
    /// Data items to remove.
    pub remove: Vec<String>,
    /// Why.
    pub reason: String,
    /// Added items already provided for sharing by others (seen by the decision).
    pub overlaps: Vec<SharedSource>,
    /// The justifications recorded for them.
    pub justifications: Vec<DuplicationJustification>,
    /// Who applied.
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// 采集清单变更已决定 (第十四条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectionChangeDecided {
    /// The change decided.
    pub change: u32,
    /// Whether approved.
    pub approved: bool,
    /// The list version after the decision.
    pub version: u32,
    /// Opinion.
    pub opinion: String,
    /// Who decided.
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// Every event of a collection list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CollectionListEvent {
    /// See [`CollectionListDerived`].
    CollectionListDerived(CollectionListDerived),
    /// See [`CollectionChangeApplied`].
    CollectionChangeApplied(CollectionChangeApplied),
    /// See [`CollectionChangeDecided`].
    CollectionChangeDecided(CollectionChangeDecided),
}

impl CollectionListEvent {
    /// The instant this event records an act at (`None` for the deadline facts that record none:
    /// set, extended, recomputed).
    pub fn at(&self) -> Option<DateTime<Utc>> {
        match self {
            CollectionListEvent::CollectionListDerived(e) => Some(e.at),
            CollectionListEvent::CollectionChangeApplied(e) => Some(e.at),
            CollectionListEvent::CollectionChangeDecided(e) => Some(e.at),
        }
    }
}

impl DomainEvent for CollectionListEvent {
    fn event_type(&self) -> String {
        match self {
            CollectionListEvent::CollectionListDerived(_) => "CollectionListDerived",
            CollectionListEvent::CollectionChangeApplied(_) => "CollectionChangeApplied",
            CollectionListEvent::CollectionChangeDecided(_) => "CollectionChangeDecided",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}
