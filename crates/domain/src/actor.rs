//! Who acts: departments as the engine saw them, persons and roles (第四、五、六、三十七条).
//!
//! The engine resolves every command's actor from the organization registry
//! ([`crate::organization`]) and hands the domain a [`DepartmentRef`]: a copy of what authorization needs,
//! recorded in the events so that a replay proves who acted in which capacity without consulting the
//! registry as it is today.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::DomainError;

/// A six-digit administrative division code (行政区划代码, GB/T 2260), e.g. `130000` 河北省, `130100`
/// 石家庄市, `130102` 长安区.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegionCode(String);

impl RegionCode {
    /// Parses a division code: exactly six ASCII digits, not starting with `00`.
    pub fn parse(code: &str) -> Result<Self, DomainError> {
        let valid =
            code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) && !code.starts_with("00");
        if valid {
            Ok(Self(code.to_owned()))
        } else {
            Err(DomainError::validation(
                "region",
                format!("`{code}` is not a six-digit division code"),
            ))
        }
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The level the code's shape denotes under GB/T 2260: `XX0000` a province, `XXYY00` a prefecture-level
    /// city, anything else a county-level division.
    pub fn level_by_code(&self) -> Level {
        if self.0.ends_with("0000") {
            Level::Province
        } else if self.0.ends_with("00") {
            Level::City
        } else {
            Level::County
        }
    }

    /// Whether a body at `level` in this region has jurisdiction over `other`: a province over every code
    /// sharing its first two digits, a city over every code sharing its first four, a county over itself.
    pub fn covers(&self, level: Level, other: &RegionCode) -> bool {
        let prefix = match level {
            Level::Province => 2,
            Level::City => 4,
            Level::County => 6,
        };
        self.0.get(..prefix) == other.0.get(..prefix)
    }
}

impl TryFrom<String> for RegionCode {
    type Error = DomainError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<RegionCode> for String {
    fn from(value: RegionCode) -> Self {
        value.0
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The level of a region and of the bodies in it (第五条: 省, 设区的市, 县(市、区)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Level {
    /// 省级.
    Province,
    /// 设区的市级.
    City,
    /// 县(市、区)级.
    County,
}

impl Level {
    /// The level directly above (`None` for the province: its upper level is national).
    pub fn upper(self) -> Option<Level> {
        match self {
            Level::Province => None,
            Level::City => Some(Level::Province),
            Level::County => Some(Level::City),
        }
    }
}

/// A department's identifier in the organization registry, e.g. `130000-public-security`.
///
/// The registry assigns it; the domain only requires 1–64 characters without control characters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DepartmentCode(String);

impl DepartmentCode {
    /// Parses a department code.
    pub fn parse(code: &str) -> Result<Self, DomainError> {
        let valid =
            !code.is_empty() && code.chars().count() <= 64 && !code.chars().any(char::is_control);
        if valid {
            Ok(Self(code.to_owned()))
        } else {
            Err(DomainError::validation(
                "department",
                format!("`{code}` is not a department code"),
            ))
        }
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for DepartmentCode {
    type Error = DomainError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<DepartmentCode> for String {
    fn from(value: DepartmentCode) -> Self {
        value.0
    }
}

impl fmt::Display for DepartmentCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What kind of body a department is (第四、五、六、三十三、三十七条).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum DepartmentKind {
    /// 政务部门: collects data, compiles catalog entries, provides and requests data (第六条).
    Department,
    /// 政务数据主管部门: one per region and level (第五条).
    DataAuthority,
    /// 人民政府: approves negative-list entries (第四、十五条).
    Government,
    /// 网信部门 (第三十三条).
    CyberspaceAdministration,
    /// 公安机关 (第三十三条). Also a department in its own right (it compiles the population base data).
    PublicSecurity,
    /// 保密行政主管部门 (第三十三、三十五条).
    SecrecyBureau,
    /// 受委托第三方 bound to a principal department (第三十七条).
    ThirdParty,
}

impl DepartmentKind {
    /// Whether this kind holds and provides government data of its own (第二条: 政务部门 are administrative
    /// organs; a contractor is not).
    pub fn is_government_body(self) -> bool {
        !matches!(self, DepartmentKind::ThirdParty)
    }
}

/// A department as the engine saw it when it resolved the actor: what authorization needs.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DepartmentRef {
    /// Registry code.
    pub code: DepartmentCode,
    /// Name at the time (for a readable record).
    pub name: String,
    /// Kind of body.
    pub kind: DepartmentKind,
    /// Division code of its region.
    pub region: RegionCode,
    /// Level of its region.
    pub level: Level,
    /// For a third party (第三十七条): the department that commissioned it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal: Option<DepartmentCode>,
}

impl DepartmentRef {
    /// Whether this department is the data authority of exactly `region` at `level` (同级政务数据主管部门).
    pub fn is_authority_of(&self, region: &RegionCode, level: Level) -> bool {
        self.kind == DepartmentKind::DataAuthority && &self.region == region && self.level == level
    }
}

/// A natural person acting for a department (the 经办人 or 审核人 named in the record).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PersonId(pub String);

/// The capacity in which a person acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 经办人: prepares and submits.
    Clerk,
    /// 审核人: reviews and decides on behalf of an authority.
    Reviewer,
    /// 负责人: the head or responsible office lead; decides and approves.
    Leader,
    /// The engine's deadline scheduler: may only record missed deadlines.
    Scheduler,
}

/// Who issued a command: department (as resolved by the engine), person and role.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Actor {
    /// The acting department.
    pub department: DepartmentRef,
    /// The acting person.
    pub person: PersonId,
    /// The capacity.
    pub role: Role,
}
