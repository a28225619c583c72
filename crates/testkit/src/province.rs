//! A small province for tests that act through the engine: 河北省 with its data authority and a few
//! provincial bodies, two catalog entries (one conditional, one unconditional) and the 第十二条 category
//! assignments that let their providers compile them.
//!
//! The commands are returned, not executed: each suite runs them through its own fixture, with its own
//! command ids and persons.

use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use govshare_domain::catalog::{
    AggregationMode, CatalogCommand, CatalogMetadata, DataItem, DraftCatalogEntry, OpenAttribute,
    SecurityLevel, ShareAttribute, ShareMode, SubmitCatalogEntry, UpdateFrequency, UsageScope,
};
use govshare_domain::organization::{OrganizationCommand, RegisterDepartment, RegisterRegion};
use govshare_domain::share_application::{
    ApplicationScenario, DataHolder, RequestedEntry, ShareCommand, SubmitShareApplication,
};
use govshare_domain::{
    CategoryAssignment, CategoryAssignments, CategoryClass, DepartmentCode, DepartmentKind, Level,
    RegionCode, Role,
};
use govshare_engine::{Command, named_department};

/// The provincial data authority (河北省政务服务管理办公室).
pub const AUTHORITY: &str = "130000-data-authority";
/// 户籍人口基本信息 of 河北省公安厅: conditional, base category 人口.
pub const POPULATION: &str = "catalog-130000-public-security-0001";
/// 社会保险参保信息 of 河北省人力资源和社会保障厅: unconditional, thematic category 社会保障.
pub const SOCIAL_SECURITY: &str = "catalog-130000-human-resources-0001";

/// A Beijing wall-clock instant.
pub fn bj(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    let beijing = FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| panic!("UTC+8"));
    match beijing.with_ymd_and_hms(y, m, d, h, min, 0).single() {
        Some(at) => at.with_timezone(&Utc),
        None => panic!("{y}-{m}-{d} {h}:{min} is not a Beijing instant"),
    }
}

/// 2026-03-02 09:00 Beijing time, a Monday.
pub fn start() -> DateTime<Utc> {
    bj(2026, 3, 2, 9, 0)
}

/// A division code from a literal.
pub fn region(code: &str) -> RegionCode {
    RegionCode::parse(code).unwrap_or_else(|e| panic!("{e}"))
}

/// A department code from a literal.
pub fn code(code: &str) -> DepartmentCode {
    DepartmentCode::parse(code).unwrap_or_else(|e| panic!("{e}"))
}

/// 第十二条: 人口 is compiled by public security, 社会保障 by human resources and social security.
pub fn categories() -> CategoryAssignments {
    let assign = |class, department: &str| CategoryAssignment {
        class,
        departments: vec![code(department)],
    };
    CategoryAssignments {
        categories: [
            (
                "人口".to_owned(),
                assign(CategoryClass::Base, "130000-public-security"),
            ),
            (
                "社会保障".to_owned(),
                assign(CategoryClass::Thematic, "130000-human-resources"),
            ),
        ]
        .into_iter()
        .collect(),
    }
}

/// The first region and the authority that registers itself (`Engine::bootstrap`).
pub fn bootstrap() -> (RegisterRegion, RegisterDepartment) {
    (
        RegisterRegion {
            code: region("130000"),
            name: "河北省".into(),
            level: Level::Province,
            parent: None,
        },
        RegisterDepartment {
            code: code(AUTHORITY),
            name: "河北省政务服务管理办公室".into(),
            region: region("130000"),
            kind: DepartmentKind::DataAuthority,
            principal: None,
        },
    )
}

/// The authority's command registering one department (第五条).
pub fn register(department: &str, name: &str, in_region: &str, kind: DepartmentKind) -> Command {
    Command::Organization {
        command: OrganizationCommand::RegisterDepartment(RegisterDepartment {
            code: code(department),
            name: name.into(),
            region: region(in_region),
            kind,
            principal: None,
        }),
    }
}

/// Draft, submit and approve one catalog entry (第十一条): (acting department, role, command) in order.
pub fn publication(
    entry: &str,
    provider: &str,
    metadata: CatalogMetadata,
) -> [(String, Role, Command); 3] {
    let catalog = |command| Command::Catalog {
        id: entry.into(),
        command,
    };
    [
        (
            provider.to_owned(),
            Role::Clerk,
            catalog(CatalogCommand::DraftCatalogEntry(DraftCatalogEntry {
                metadata,
            })),
        ),
        (
            provider.to_owned(),
            Role::Clerk,
            catalog(CatalogCommand::SubmitCatalogEntry(SubmitCatalogEntry {
                authority: named_department(code(AUTHORITY)),
            })),
        ),
        (
            AUTHORITY.to_owned(),
            Role::Reviewer,
            catalog(CatalogCommand::ApproveCatalogEntry(Default::default())),
        ),
    ]
}

fn item(name: &str) -> DataItem {
    DataItem {
        name: name.into(),
        data_type: "字符型C".into(),
    }
}

/// 户籍人口基本信息: conditional (第十五条), items 公民身份号码, 姓名, 出生日期.
pub fn population_metadata() -> CatalogMetadata {
    CatalogMetadata {
        name: "户籍人口基本信息".into(),
        code: "130000-GA-00001".into(),
        classification: "基础信息资源/人口信息".into(),
        category: Some("人口".into()),
        summary: "全省户籍人口的身份与户籍登记信息".into(),
        format: "数据库".into(),
        items: vec![item("公民身份号码"), item("姓名"), item("出生日期")],
        share_attribute: ShareAttribute::Conditional {
            conditions: "用于本部门法定职责范围内的身份核验".into(),
        },
        share_mode: ShareMode::Interface,
        open_attribute: OpenAttribute::NotOpen,
        update_frequency: UpdateFrequency::Daily,
        security_level: SecurityLevel::Important,
        usage_scope: UsageScope::AllDepartments,
        aggregation_mode: AggregationMode::Physical,
        related_resources: vec![],
        involves_state_secret: false,
    }
}

/// 社会保险参保信息: unconditional, items 公民身份号码, 参保状态.
pub fn social_security_metadata() -> CatalogMetadata {
    CatalogMetadata {
        name: "社会保险参保信息".into(),
        code: "130000-RS-00001".into(),
        classification: "主题信息资源/社会保障".into(),
        category: Some("社会保障".into()),
        summary: "全省企业职工基本养老保险参保登记信息".into(),
        format: "数据库".into(),
        items: vec![item("公民身份号码"), item("参保状态")],
        share_attribute: ShareAttribute::Unconditional,
        share_mode: ShareMode::Interface,
        open_attribute: OpenAttribute::ConditionallyOpen,
        update_frequency: UpdateFrequency::Monthly,
        security_level: SecurityLevel::General,
        usage_scope: UsageScope::AllDepartments,
        aggregation_mode: AggregationMode::Logical,
        related_resources: vec![],
        involves_state_secret: false,
    }
}

/// A share application for [`POPULATION`] for 医疗救助 identity checks, as a requester sends it: the entry by
/// id only (its code, name, version, attribute and holder are placeholders the engine's fact resolution
/// replaces with the catalog's), no route.
pub fn population_request(application: &str) -> Command {
    let date = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
    Command::ShareApplication {
        id: application.into(),
        command: ShareCommand::SubmitShareApplication(SubmitShareApplication {
            application_id: application.into(),
            entries: vec![RequestedEntry {
                entry_id: POPULATION.into(),
                code: String::new(),
                name: String::new(),
                version: 0,
                share_attribute: ShareAttribute::Unconditional,
                holder: DataHolder::Department {
                    provider: named_department(code(AUTHORITY)),
                },
                items: vec![],
                negative_listing: None,
            }],
            scenario: ApplicationScenario {
                purpose: "医疗救助对象身份核验".into(),
                purpose_code: "SC-130000-WJ-2026-001".into(),
                legal_basis: "《社会救助暂行办法》第二十八条".into(),
                business_system: "河北省医疗救助管理系统".into(),
                data_items: vec!["公民身份号码".into(), "姓名".into()],
                use_from: date(2026, 3, 1),
                use_until: date(2027, 12, 31),
                expected_frequency: "每日约2000次".into(),
            },
            materials: vec!["共享需求说明.pdf".into()],
            route: vec![],
        }),
    }
}
