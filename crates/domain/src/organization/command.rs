//! Commands of the organization registry.

use serde::{Deserialize, Serialize};

use crate::actor::{DepartmentCode, DepartmentKind, Level, RegionCode};

/// 登记行政区划: register a region (第五条: province, city, county).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterRegion {
    /// Division code.
    pub code: RegionCode,
    /// Name, e.g. 石家庄市.
    pub name: String,
    /// Level.
    pub level: Level,
    /// The region one level up (none for the province).
    pub parent: Option<RegionCode>,
}

/// 登记政务部门: register a department, authority, government or third party (第四、五、六、三十三、三十七条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterDepartment {
    /// Registry code.
    pub code: DepartmentCode,
    /// Name, e.g. 河北省公安厅.
    pub name: String,
    /// Region it belongs to; its level is the region's.
    pub region: RegionCode,
    /// Kind of body.
    pub kind: DepartmentKind,
    /// For a third party: the principal department that commissioned it (第三十七条).
    pub principal: Option<DepartmentCode>,
}

/// 变更政务部门: change a department's name, kind or principal (e.g. after an institutional reform).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeDepartment {
    /// Registry code (unchanged).
    pub code: DepartmentCode,
    /// New name.
    pub name: String,
    /// New kind.
    pub kind: DepartmentKind,
    /// New principal (third parties only).
    pub principal: Option<DepartmentCode>,
}

/// A department's responsible office (第六条: 明确专门机构负责).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponsibleOffice {
    /// Office name, e.g. 科技信息化处.
    pub name: String,
    /// The person heading it.
    pub head: String,
    /// Contact (telephone or mailbox).
    pub contact: String,
}

/// 明确专门机构: designate the office responsible for the department's data work (第六条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DesignateResponsibleOffice {
    /// The department.
    pub department: DepartmentCode,
    /// Its office.
    pub office: ResponsibleOffice,
}

/// Every command of the registry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrganizationCommand {
    /// See [`RegisterRegion`].
    RegisterRegion(RegisterRegion),
    /// See [`RegisterDepartment`].
    RegisterDepartment(RegisterDepartment),
    /// See [`ChangeDepartment`].
    ChangeDepartment(ChangeDepartment),
    /// See [`DesignateResponsibleOffice`].
    DesignateResponsibleOffice(DesignateResponsibleOffice),
}
