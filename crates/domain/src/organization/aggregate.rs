//! The registry aggregate.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use cqrs_es::Aggregate;
use cqrs_es::event_sink::EventSink;
use serde::{Deserialize, Serialize};

use crate::actor::{DepartmentCode, DepartmentKind, DepartmentRef, Level, RegionCode};
use crate::authorization::{Action, Subject, authorize};
use crate::decide::Decide;
use crate::envelope::CommandEnvelope;
use crate::error::DomainError;
use crate::organization::command::{
    ChangeDepartment, DesignateResponsibleOffice, OrganizationCommand, RegisterDepartment,
    RegisterRegion, ResponsibleOffice,
};
use crate::organization::event::{
    DepartmentChanged, DepartmentRegistered, OrganizationEvent, RegionRegistered,
    ResponsibleOfficeDesignated,
};
use crate::services::DomainServices;
use crate::text::is_blank;

/// A registered region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Region {
    /// Division code.
    pub code: RegionCode,
    /// Name.
    pub name: String,
    /// Level.
    pub level: Level,
    /// Region one level up.
    pub parent: Option<RegionCode>,
}

/// A registered department.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Department {
    /// Registry code.
    pub code: DepartmentCode,
    /// Name.
    pub name: String,
    /// Region.
    pub region: RegionCode,
    /// Level.
    pub level: Level,
    /// Kind.
    pub kind: DepartmentKind,
    /// Principal of a third party.
    pub principal: Option<DepartmentCode>,
    /// Responsible office (第六条), once designated.
    pub office: Option<ResponsibleOffice>,
}

impl Department {
    /// The reference the engine puts in an actor.
    pub fn to_ref(&self) -> DepartmentRef {
        DepartmentRef {
            code: self.code.clone(),
            name: self.name.clone(),
            kind: self.kind,
            region: self.region.clone(),
            level: self.level,
            principal: self.principal.clone(),
        }
    }
}

/// The organization registry of one deployment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganizationRegistry {
    regions: BTreeMap<RegionCode, Region>,
    departments: BTreeMap<DepartmentCode, Department>,
    /// The instant of the latest recorded fact (see `Decide::last_instant`).
    #[serde(default)]
    last_at: Option<DateTime<Utc>>,
}

impl OrganizationRegistry {
    /// A region by code.
    pub fn region(&self, code: &RegionCode) -> Option<&Region> {
        self.regions.get(code)
    }

    /// A department by code.
    pub fn department(&self, code: &DepartmentCode) -> Option<&Department> {
        self.departments.get(code)
    }

    /// Every registered department, in code order.
    pub fn departments(&self) -> impl Iterator<Item = &Department> {
        self.departments.values()
    }

    /// What the engine puts in an [`crate::actor::Actor`] for this department.
    pub fn department_ref(&self, code: &DepartmentCode) -> Option<DepartmentRef> {
        self.department(code).map(Department::to_ref)
    }

    /// The body of `kind` registered in `region` (one per region for authorities and governments).
    fn unique_of_kind(&self, region: &RegionCode, kind: DepartmentKind) -> Option<&Department> {
        self.departments
            .values()
            .find(|d| &d.region == region && d.kind == kind)
    }

    /// The data authority of a region (第五条: one per region and level).
    pub fn data_authority(&self, region: &RegionCode) -> Option<&Department> {
        self.unique_of_kind(region, DepartmentKind::DataAuthority)
    }

    /// The people's government of a region.
    pub fn government(&self, region: &RegionCode) -> Option<&Department> {
        self.unique_of_kind(region, DepartmentKind::Government)
    }

    /// The data authority one level up from a department (上一级政务数据主管部门); `None` at provincial level,
    /// whose upper level is national and outside the registry.
    pub fn upper_authority(&self, department: &DepartmentCode) -> Option<&Department> {
        let region = self.region(&self.department(department)?.region)?;
        self.data_authority(region.parent.as_ref()?)
    }

    fn check_kind(
        &self,
        code: &DepartmentCode,
        region: &RegionCode,
        kind: DepartmentKind,
        principal: Option<&DepartmentCode>,
    ) -> Result<(), DomainError> {
        if matches!(
            kind,
            DepartmentKind::DataAuthority | DepartmentKind::Government
        ) && let Some(existing) = self.unique_of_kind(region, kind)
            && &existing.code != code
        {
            return Err(DomainError::invalid_state(
                "register a second body of this kind",
                format!(
                    "{} is already the {kind:?} of {region} (第五条: one per region and level)",
                    existing.code
                ),
            ));
        }
        match (kind, principal) {
            (DepartmentKind::ThirdParty, None) => Err(DomainError::validation(
                "principal",
                "a third party is bound to a principal department (第三十七条)",
            )),
            (DepartmentKind::ThirdParty, Some(p)) => match self.department(p) {
                Some(d) if d.kind.is_government_body() && &d.code != code => Ok(()),
                Some(_) => Err(DomainError::validation(
                    "principal",
                    format!("{p} cannot commission a third party"),
                )),
                None => Err(DomainError::validation(
                    "principal",
                    format!("{p} is not registered"),
                )),
            },
            (_, Some(_)) => Err(DomainError::validation(
                "principal",
                "only a third party has a principal",
            )),
            (_, None) => Ok(()),
        }
    }

    fn register_region(&self, c: &RegisterRegion) -> Result<(), DomainError> {
        if self.regions.contains_key(&c.code) {
            return Err(DomainError::invalid_state(
                "register a region",
                format!("{} is already registered", c.code),
            ));
        }
        DomainError::require_text("name", &c.name, "must not be empty")?;
        match (c.level.upper(), &c.parent) {
            (None, None) => Ok(()),
            (None, Some(_)) => Err(DomainError::validation(
                "parent",
                "a province has no parent region",
            )),
            (Some(_), None) => Err(DomainError::validation(
                "parent",
                "a city or county names its parent region",
            )),
            (Some(upper), Some(parent)) => match self.region(parent) {
                Some(p) if p.level == upper && p.code.covers(p.level, &c.code) => Ok(()),
                Some(_) => Err(DomainError::validation(
                    "parent",
                    format!(
                        "{parent} is not the {upper:?}-level region containing {}",
                        c.code
                    ),
                )),
                None => Err(DomainError::validation(
                    "parent",
                    format!("{parent} is not registered"),
                )),
            },
        }
    }

    fn register_department(&self, c: &RegisterDepartment) -> Result<Level, DomainError> {
        if self.departments.contains_key(&c.code) {
            return Err(DomainError::invalid_state(
                "register a department",
                format!("{} is already registered", c.code),
            ));
        }
        DomainError::require_text("name", &c.name, "must not be empty")?;
        let region = self.region(&c.region).ok_or_else(|| {
            DomainError::validation("region", format!("{} is not registered", c.region))
        })?;
        self.check_kind(&c.code, &c.region, c.kind, c.principal.as_ref())?;
        Ok(region.level)
    }
}

impl Decide for OrganizationRegistry {
    type Body = OrganizationCommand;

    fn decide(
        &self,
        command: CommandEnvelope<OrganizationCommand>,
        _services: &DomainServices,
    ) -> Result<Vec<OrganizationEvent>, DomainError> {
        let CommandEnvelope { actor, at, body } = command;
        let event = match body {
            OrganizationCommand::RegisterRegion(c) => {
                let subject = Subject {
                    department: actor.department.code.clone(),
                    region: c.code.clone(),
                    level: c.level,
                };
                authorize(Action::RegisterOrganization, &actor, &subject)?;
                self.register_region(&c)?;
                OrganizationEvent::RegionRegistered(RegionRegistered {
                    code: c.code,
                    name: c.name,
                    level: c.level,
                    parent: c.parent,
                    by: actor,
                    at,
                })
            }
            OrganizationCommand::RegisterDepartment(c) => {
                let level = self
                    .region(&c.region)
                    .map_or(c.region.level_by_code(), |r| r.level);
                let subject = Subject {
                    department: c.code.clone(),
                    region: c.region.clone(),
                    level,
                };
                authorize(Action::RegisterOrganization, &actor, &subject)?;
                let level = self.register_department(&c)?;
                let upper_authority = self
                    .region(&c.region)
                    .and_then(|r| r.parent.as_ref())
                    .and_then(|p| self.data_authority(p))
                    .map(|d| d.code.clone());
                OrganizationEvent::DepartmentRegistered(DepartmentRegistered {
                    code: c.code,
                    name: c.name,
                    region: c.region,
                    level,
                    kind: c.kind,
                    principal: c.principal,
                    upper_authority,
                    by: actor,
                    at,
                })
            }
            OrganizationCommand::ChangeDepartment(ChangeDepartment {
                code,
                name,
                kind,
                principal,
            }) => {
                let existing = self.department(&code).ok_or_else(|| {
                    DomainError::validation("code", format!("{code} is not registered"))
                })?;
                authorize(
                    Action::RegisterOrganization,
                    &actor,
                    &Subject::of(&existing.to_ref()),
                )?;
                DomainError::require_text("name", &name, "must not be empty")?;
                self.check_kind(&code, &existing.region, kind, principal.as_ref())?;
                OrganizationEvent::DepartmentChanged(DepartmentChanged {
                    previous_name: existing.name.clone(),
                    previous_kind: existing.kind,
                    code,
                    name,
                    kind,
                    principal,
                    by: actor,
                    at,
                })
            }
            OrganizationCommand::DesignateResponsibleOffice(DesignateResponsibleOffice {
                department,
                office,
            }) => {
                let existing = self.department(&department).ok_or_else(|| {
                    DomainError::validation("department", format!("{department} is not registered"))
                })?;
                authorize(
                    Action::DesignateResponsibleOffice,
                    &actor,
                    &Subject::of(&existing.to_ref()),
                )?;
                if is_blank(&office.name) || is_blank(&office.head) {
                    return Err(DomainError::validation(
                        "office",
                        "name and head are required (第六条)",
                    ));
                }
                OrganizationEvent::ResponsibleOfficeDesignated(ResponsibleOfficeDesignated {
                    previous: existing.office.clone(),
                    department,
                    office,
                    by: actor,
                    at,
                })
            }
        };
        Ok(vec![event])
    }

    fn last_instant(&self) -> Option<DateTime<Utc>> {
        self.last_at
    }
}

impl Aggregate for OrganizationRegistry {
    const TYPE: &'static str = "OrganizationRegistry";
    type Command = CommandEnvelope<OrganizationCommand>;
    type Event = OrganizationEvent;
    type Error = DomainError;
    type Services = DomainServices;

    async fn handle(
        &mut self,
        command: Self::Command,
        services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        crate::decide::handle_with_sink(self, command, services, sink).await
    }

    fn apply(&mut self, event: Self::Event) {
        self.last_at = self.last_at.max(Some(event.at()));
        match event {
            OrganizationEvent::RegionRegistered(e) => {
                self.regions.insert(
                    e.code.clone(),
                    Region {
                        code: e.code,
                        name: e.name,
                        level: e.level,
                        parent: e.parent,
                    },
                );
            }
            OrganizationEvent::DepartmentRegistered(e) => {
                self.departments.insert(
                    e.code.clone(),
                    Department {
                        code: e.code,
                        name: e.name,
                        region: e.region,
                        level: e.level,
                        kind: e.kind,
                        principal: e.principal,
                        office: None,
                    },
                );
            }
            OrganizationEvent::DepartmentChanged(e) => {
                if let Some(d) = self.departments.get_mut(&e.code) {
                    d.name = e.name;
                    d.kind = e.kind;
                    d.principal = e.principal;
                }
            }
            OrganizationEvent::ResponsibleOfficeDesignated(e) => {
                if let Some(d) = self.departments.get_mut(&e.department) {
                    d.office = Some(e.office);
                }
            }
        }
    }
}
