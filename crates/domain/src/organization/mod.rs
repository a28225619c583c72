//! The organization registry (第四、五、六、三十三、三十七条): regions, departments and their kinds, one data
//! authority per region and level, each body's upper-level authority, each department's responsible office.
//!
//! One registry aggregate per deployment (a province): it is the only place that can see every department
//! at once, which "one data authority per region and level" needs. The engine resolves actors from it
//! ([`OrganizationRegistry::department_ref`]).

mod aggregate;
mod command;
mod event;

pub use aggregate::{Department, OrganizationRegistry, Region};
pub use command::{
    ChangeDepartment, DesignateResponsibleOffice, OrganizationCommand, RegisterDepartment,
    RegisterRegion, ResponsibleOffice,
};
pub use event::{
    DepartmentChanged, DepartmentRegistered, OrganizationEvent, RegionRegistered,
    ResponsibleOfficeDesignated,
};
