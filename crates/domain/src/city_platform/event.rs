//! Events of a city platform.

use chrono::{DateTime, Utc};
use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};

use crate::actor::{Actor, DepartmentRef};

/// 建设方案已报送 (第三十一条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformPlanSubmitted {
    /// Sequence number of the submission.
    pub plan: u32,
    /// The city's data authority.
    pub city_authority: DepartmentRef,
    /// Title.
    pub title: String,
    /// Necessity.
    pub necessity: String,
    /// Conformity with the provincial standards.
    pub conformity: String,
    /// The provincial authority it was submitted to.
    pub provincial_authority: DepartmentRef,
    /// Who submitted it.
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// 建设方案已审核通过 (第三十一条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformPlanApproved {
    /// The plan approved.
    pub plan: u32,
    /// Opinion.
    pub opinion: String,
    /// Who approved it.
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// 建设方案未通过 (第三十一条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformPlanRejected {
    /// The plan rejected.
    pub plan: u32,
    /// Reasons.
    pub reasons: String,
    /// Who rejected it.
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// 已与省平台同步 (第三十一条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformSynced {
    /// When.
    pub synced_at: DateTime<Utc>,
    /// Entries.
    pub entries: Vec<String>,
    /// Who recorded it.
    pub by: Actor,
    /// When recorded.
    pub at: DateTime<Utc>,
}

/// 数据已回流 (第三十一条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataReturned {
    /// When.
    pub returned_at: DateTime<Utc>,
    /// Entries.
    pub entries: Vec<String>,
    /// The city's demand it answers.
    pub demand: String,
    /// Who recorded it.
    pub by: Actor,
    /// When recorded.
    pub at: DateTime<Utc>,
}

/// Every event of a city platform.
// The opening variant carries both authorities as resolved; events are built once and moved a few times.
#[allow(
    clippy::large_enum_variant,
    reason = "the opening variant carries the resolved parties"
)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CityPlatformEvent {
    /// See [`PlatformPlanSubmitted`].
    PlatformPlanSubmitted(PlatformPlanSubmitted),
    /// See [`PlatformPlanApproved`].
    PlatformPlanApproved(PlatformPlanApproved),
    /// See [`PlatformPlanRejected`].
    PlatformPlanRejected(PlatformPlanRejected),
    /// See [`PlatformSynced`].
    PlatformSynced(PlatformSynced),
    /// See [`DataReturned`].
    DataReturned(DataReturned),
}

impl CityPlatformEvent {
    /// The instant this event records an act at (`None` for the deadline facts that record none:
    /// set, extended, recomputed).
    pub fn at(&self) -> Option<DateTime<Utc>> {
        match self {
            CityPlatformEvent::PlatformPlanSubmitted(e) => Some(e.at),
            CityPlatformEvent::PlatformPlanApproved(e) => Some(e.at),
            CityPlatformEvent::PlatformPlanRejected(e) => Some(e.at),
            CityPlatformEvent::PlatformSynced(e) => Some(e.at),
            CityPlatformEvent::DataReturned(e) => Some(e.at),
        }
    }
}

impl DomainEvent for CityPlatformEvent {
    fn event_type(&self) -> String {
        match self {
            CityPlatformEvent::PlatformPlanSubmitted(_) => "PlatformPlanSubmitted",
            CityPlatformEvent::PlatformPlanApproved(_) => "PlatformPlanApproved",
            CityPlatformEvent::PlatformPlanRejected(_) => "PlatformPlanRejected",
            CityPlatformEvent::PlatformSynced(_) => "PlatformSynced",
            CityPlatformEvent::DataReturned(_) => "DataReturned",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}
