//! Events of the organization registry.

use chrono::{DateTime, Utc};
use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};

use crate::actor::{Actor, DepartmentCode, DepartmentKind, Level, RegionCode};
use crate::organization::ResponsibleOffice;

/// 行政区划已登记 (第五条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionRegistered {
    /// Division code.
    pub code: RegionCode,
    /// Name.
    pub name: String,
    /// Level.
    pub level: Level,
    /// Region one level up.
    pub parent: Option<RegionCode>,
    /// Who registered it.
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// 政务部门已登记 (第四、五、六、三十三、三十七条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DepartmentRegistered {
    /// Registry code.
    pub code: DepartmentCode,
    /// Name.
    pub name: String,
    /// Region.
    pub region: RegionCode,
    /// Level (the region's).
    pub level: Level,
    /// Kind.
    pub kind: DepartmentKind,
    /// Principal of a third party.
    pub principal: Option<DepartmentCode>,
    /// The data authority one level up at the time of registration (上一级政务数据主管部门), if registered.
    pub upper_authority: Option<DepartmentCode>,
    /// Who registered it.
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// 政务部门已变更.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DepartmentChanged {
    /// Registry code.
    pub code: DepartmentCode,
    /// Name before.
    pub previous_name: String,
    /// Kind before.
    pub previous_kind: DepartmentKind,
    /// New name.
    pub name: String,
    /// New kind.
    pub kind: DepartmentKind,
    /// New principal.
    pub principal: Option<DepartmentCode>,
    /// Who changed it.
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// 专门机构已明确 (第六条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponsibleOfficeDesignated {
    /// The department.
    pub department: DepartmentCode,
    /// Its office.
    pub office: ResponsibleOffice,
    /// The office it replaces, if any.
    pub previous: Option<ResponsibleOffice>,
    /// Who designated it.
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// Every event of the registry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrganizationEvent {
    /// See [`RegionRegistered`].
    RegionRegistered(RegionRegistered),
    /// See [`DepartmentRegistered`].
    DepartmentRegistered(DepartmentRegistered),
    /// See [`DepartmentChanged`].
    DepartmentChanged(DepartmentChanged),
    /// See [`ResponsibleOfficeDesignated`].
    ResponsibleOfficeDesignated(ResponsibleOfficeDesignated),
}

impl OrganizationEvent {
    /// When it was recorded.
    pub fn at(&self) -> DateTime<Utc> {
        match self {
            OrganizationEvent::RegionRegistered(e) => e.at,
            OrganizationEvent::DepartmentRegistered(e) => e.at,
            OrganizationEvent::DepartmentChanged(e) => e.at,
            OrganizationEvent::ResponsibleOfficeDesignated(e) => e.at,
        }
    }
}

impl DomainEvent for OrganizationEvent {
    fn event_type(&self) -> String {
        match self {
            OrganizationEvent::RegionRegistered(_) => "RegionRegistered",
            OrganizationEvent::DepartmentRegistered(_) => "DepartmentRegistered",
            OrganizationEvent::DepartmentChanged(_) => "DepartmentChanged",
            OrganizationEvent::ResponsibleOfficeDesignated(_) => "ResponsibleOfficeDesignated",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}
