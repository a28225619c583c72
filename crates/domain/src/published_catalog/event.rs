//! Events of a published catalog.

use chrono::{DateTime, NaiveDate, Utc};
use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};

use crate::actor::{Actor, DepartmentRef};
use crate::published_catalog::command::PublishedEntryRef;

/// 目录已发布 (第十条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogVersionPublished {
    /// The publishing authority.
    pub authority: DepartmentRef,
    /// Version number.
    pub number: u32,
    /// 发布日期 (Beijing date).
    pub published_on: NaiveDate,
    /// Entries and their versions.
    pub entries: Vec<PublishedEntryRef>,
    /// Who published.
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// Every event of a published catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PublishedCatalogEvent {
    /// See [`CatalogVersionPublished`].
    CatalogVersionPublished(CatalogVersionPublished),
}

impl PublishedCatalogEvent {
    /// The instant this event records an act at (`None` for the deadline facts that record none:
    /// set, extended, recomputed).
    pub fn at(&self) -> Option<DateTime<Utc>> {
        match self {
            PublishedCatalogEvent::CatalogVersionPublished(e) => Some(e.at),
        }
    }
}

impl DomainEvent for PublishedCatalogEvent {
    fn event_type(&self) -> String {
        match self {
            PublishedCatalogEvent::CatalogVersionPublished(_) => {
                "CatalogVersionPublished".to_owned()
            }
        }
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}
