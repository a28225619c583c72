//! Commands of a city platform.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::actor::DepartmentRef;

/// 报送建设方案: the city's data authority submits its own platform's plan to the provincial authority
/// (第三十一条: 确需自行建设的,应当将建设方案报省政务数据主管部门审核).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmitPlatformPlan {
    /// Title of the plan.
    pub title: String,
    /// Why the city must build its own platform (确需自行建设).
    pub necessity: String,
    /// How it meets the province-wide standards and keeps the provincial platform's basic functions.
    pub conformity: String,
    /// The provincial data authority, as the engine resolved it.
    pub provincial_authority: DepartmentRef,
}

/// 审核通过: the provincial authority approves the plan (第三十一条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovePlatformPlan {
    /// Opinion.
    pub opinion: String,
}

/// 审核不通过: the provincial authority rejects the plan with reasons (第三十一条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectPlatformPlan {
    /// Reasons.
    pub reasons: String,
}

/// 对接和数据同步: record a synchronisation of the city platform with the provincial platform (第三十一条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordPlatformSync {
    /// When the synchronisation completed.
    pub synced_at: DateTime<Utc>,
    /// Catalog entries synchronised.
    pub entries: Vec<String>,
}

/// 数据回流: record data returned from the provincial platform to the city platform (第三十一条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordDataReturn {
    /// When it was returned.
    pub returned_at: DateTime<Utc>,
    /// Catalog entries returned.
    pub entries: Vec<String>,
    /// The city's request it answers (按照各地需求).
    pub demand: String,
}

/// Every command of a city platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CityPlatformCommand {
    /// See [`SubmitPlatformPlan`].
    SubmitPlatformPlan(SubmitPlatformPlan),
    /// See [`ApprovePlatformPlan`].
    ApprovePlatformPlan(ApprovePlatformPlan),
    /// See [`RejectPlatformPlan`].
    RejectPlatformPlan(RejectPlatformPlan),
    /// See [`RecordPlatformSync`].
    RecordPlatformSync(RecordPlatformSync),
    /// See [`RecordDataReturn`].
    RecordDataReturn(RecordDataReturn),
}
