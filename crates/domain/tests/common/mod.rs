//! Fixtures shared by the integration tests: the demo organisations of Hebei (real division codes and
//! provincial department names, copied from the project's demo data), actors, services and histories.
#![allow(dead_code)]

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use cqrs_es::Aggregate;
use cqrs_es::test::TestFramework;
use govshare_domain::catalog::{
    AggregationMode, CatalogCommand, CatalogEvent, CatalogMetadata, DataItem, DraftCatalogEntry,
    OpenAttribute, SecurityLevel, ShareAttribute, ShareMode, SubmitCatalogEntry, UpdateFrequency,
    UsageScope,
};
use govshare_domain::{
    Actor, CategoryAssignments, CommandEnvelope, DepartmentCode, DepartmentKind, DepartmentRef,
    DomainServices, Level, PersonId, RegionCode, Role, RuleSet,
};
use govshare_workdays::{Calendar, beijing_offset};

pub const CATEGORIES_JSON: &str = include_str!("../fixtures/categories.json");

pub fn services() -> DomainServices {
    services_with(RuleSet::hebei_2022())
}

pub fn services_with(rules: RuleSet) -> DomainServices {
    let categories = CategoryAssignments::from_json(CATEGORIES_JSON).expect("fixture parses");
    DomainServices::new(Calendar::official(), rules, categories)
}

/// An instant given in Beijing time.
pub fn bj(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    beijing_offset()
        .with_ymd_and_hms(y, m, d, h, min, 0)
        .single()
        .expect("valid")
        .with_timezone(&Utc)
}

/// The last on-time instant of a Beijing date.
pub fn end_of(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    let date = NaiveDate::from_ymd_opt(y, m, d).expect("valid");
    date.and_hms_nano_opt(23, 59, 59, 999_999_999)
        .expect("valid")
        .and_local_timezone(beijing_offset())
        .single()
        .expect("valid")
        .with_timezone(&Utc)
}

/// The Beijing date of an ordinary instant, through the domain's checked conversion (the calendar crate's
/// `beijing_date` panics on extreme instants and is disallowed in this crate).
pub fn beijing_date(at: DateTime<Utc>) -> NaiveDate {
    govshare_domain::instant::beijing_date("at", at).expect("an ordinary instant")
}

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid")
}

pub fn region(code: &str) -> RegionCode {
    RegionCode::parse(code).expect("valid region")
}

pub fn code(c: &str) -> DepartmentCode {
    DepartmentCode::parse(c).expect("valid code")
}

fn dept(c: &str, name: &str, kind: DepartmentKind, r: &str, level: Level) -> DepartmentRef {
    DepartmentRef {
        code: code(c),
        name: name.to_owned(),
        kind,
        region: region(r),
        level,
        principal: None,
    }
}

// Provincial bodies (河北省).
pub fn province_government() -> DepartmentRef {
    dept(
        "130000-government",
        "河北省人民政府",
        DepartmentKind::Government,
        "130000",
        Level::Province,
    )
}
pub fn province_authority() -> DepartmentRef {
    dept(
        "130000-data-authority",
        "河北省政务服务管理办公室",
        DepartmentKind::DataAuthority,
        "130000",
        Level::Province,
    )
}
pub fn province_public_security() -> DepartmentRef {
    dept(
        "130000-public-security",
        "河北省公安厅",
        DepartmentKind::PublicSecurity,
        "130000",
        Level::Province,
    )
}
pub fn province_market() -> DepartmentRef {
    dept(
        "130000-market-regulation",
        "河北省市场监督管理局",
        DepartmentKind::Department,
        "130000",
        Level::Province,
    )
}
pub fn province_hrss() -> DepartmentRef {
    dept(
        "130000-human-resources",
        "河北省人力资源和社会保障厅",
        DepartmentKind::Department,
        "130000",
        Level::Province,
    )
}
pub fn province_statistics() -> DepartmentRef {
    dept(
        "130000-statistics",
        "河北省统计局",
        DepartmentKind::Department,
        "130000",
        Level::Province,
    )
}
pub fn province_health() -> DepartmentRef {
    dept(
        "130000-health",
        "河北省卫生健康委员会",
        DepartmentKind::Department,
        "130000",
        Level::Province,
    )
}
pub fn province_cyberspace() -> DepartmentRef {
    dept(
        "130000-cyberspace",
        "中共河北省委网络安全和信息化委员会办公室",
        DepartmentKind::CyberspaceAdministration,
        "130000",
        Level::Province,
    )
}
/// A contractor maintaining the provincial public security department's systems (第三十七条).
pub fn contractor_of_public_security() -> DepartmentRef {
    DepartmentRef {
        principal: Some(code("130000-public-security")),
        ..dept(
            "130000-ps-contractor",
            "河北某信息技术有限公司",
            DepartmentKind::ThirdParty,
            "130000",
            Level::Province,
        )
    }
}

// 石家庄市 and 长安区.
pub fn city_government() -> DepartmentRef {
    dept(
        "130100-government",
        "石家庄市人民政府",
        DepartmentKind::Government,
        "130100",
        Level::City,
    )
}
pub fn city_authority() -> DepartmentRef {
    dept(
        "130100-data-authority",
        "石家庄市政务服务管理办公室",
        DepartmentKind::DataAuthority,
        "130100",
        Level::City,
    )
}
pub fn city_public_security() -> DepartmentRef {
    dept(
        "130100-public-security",
        "石家庄市公安局",
        DepartmentKind::PublicSecurity,
        "130100",
        Level::City,
    )
}
pub fn city_civil_affairs() -> DepartmentRef {
    dept(
        "130100-civil-affairs",
        "石家庄市民政局",
        DepartmentKind::Department,
        "130100",
        Level::City,
    )
}
pub fn county_authority() -> DepartmentRef {
    dept(
        "130102-data-authority",
        "长安区政务服务管理办公室",
        DepartmentKind::DataAuthority,
        "130102",
        Level::County,
    )
}
pub fn baoding_authority() -> DepartmentRef {
    dept(
        "130600-data-authority",
        "保定市政务服务管理办公室",
        DepartmentKind::DataAuthority,
        "130600",
        Level::City,
    )
}

pub fn actor(department: DepartmentRef, role: Role) -> Actor {
    let person = match role {
        Role::Clerk => "张明",
        Role::Reviewer => "李华",
        Role::Leader => "王强",
        Role::Scheduler => "scheduler",
    };
    Actor {
        department,
        person: PersonId(person.to_owned()),
        role,
    }
}

pub fn clerk(d: DepartmentRef) -> Actor {
    actor(d, Role::Clerk)
}
pub fn reviewer(d: DepartmentRef) -> Actor {
    actor(d, Role::Reviewer)
}
pub fn leader(d: DepartmentRef) -> Actor {
    actor(d, Role::Leader)
}
pub fn scheduler() -> Actor {
    actor(province_authority(), Role::Scheduler)
}

pub fn cmd<T>(actor: Actor, at: DateTime<Utc>, body: T) -> CommandEnvelope<T> {
    CommandEnvelope::new(actor, at, body)
}

/// Runs commands in order from no history and returns every event: a history built by the domain itself.
pub fn history<A: Aggregate>(
    services: fn() -> A::Services,
    commands: Vec<A::Command>,
) -> Vec<A::Event>
where
    A::Error: std::fmt::Debug,
{
    let mut events = Vec::new();
    for command in commands {
        let new = TestFramework::<A>::with(services())
            .given(events.clone())
            .when(command)
            .inspect_result()
            .expect("history command succeeds");
        events.extend(new);
    }
    events
}

/// Runs one command on a history.
pub fn when<A: Aggregate>(
    services: A::Services,
    given: Vec<A::Event>,
    command: A::Command,
) -> Result<Vec<A::Event>, A::Error> {
    TestFramework::<A>::with(services)
        .given(given)
        .when(command)
        .inspect_result()
}

/// Metadata of the provincial population base-data entry (人口基础信息), compiled by 河北省公安厅.
pub fn population_metadata() -> CatalogMetadata {
    CatalogMetadata {
        name: "人口基础信息".to_owned(),
        code: "130000-GA-00001".to_owned(),
        classification: "基础信息资源/人口信息".to_owned(),
        category: Some("人口".to_owned()),
        summary: "全省户籍人口的身份与户籍登记信息".to_owned(),
        format: "数据库/Oracle".to_owned(),
        items: vec![
            DataItem {
                name: "公民身份号码".to_owned(),
                data_type: "字符型C".to_owned(),
            },
            DataItem {
                name: "姓名".to_owned(),
                data_type: "字符型C".to_owned(),
            },
            DataItem {
                name: "出生日期".to_owned(),
                data_type: "日期型D".to_owned(),
            },
        ],
        share_attribute: ShareAttribute::Conditional {
            conditions: "用于政务服务身份核验".to_owned(),
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

/// Metadata of a thematic entry (社会保障) of 河北省人力资源和社会保障厅.
pub fn social_security_metadata() -> CatalogMetadata {
    CatalogMetadata {
        name: "社会保险参保信息".to_owned(),
        code: "130000-RS-00012".to_owned(),
        classification: "主题信息资源/社会保障".to_owned(),
        category: Some("社会保障".to_owned()),
        summary: "全省企业职工基本养老保险参保登记信息".to_owned(),
        format: "数据库/MySQL".to_owned(),
        items: vec![
            DataItem {
                name: "公民身份号码".to_owned(),
                data_type: "字符型C".to_owned(),
            },
            DataItem {
                name: "参保状态".to_owned(),
                data_type: "字符型C".to_owned(),
            },
        ],
        share_attribute: ShareAttribute::Unconditional,
        share_mode: ShareMode::Interface,
        open_attribute: OpenAttribute::ConditionallyOpen,
        update_frequency: UpdateFrequency::Monthly,
        security_level: SecurityLevel::General,
        usage_scope: UsageScope::AllDepartments,
        aggregation_mode: AggregationMode::Logical,
        related_resources: vec!["130000-GA-00001".to_owned()],
        involves_state_secret: false,
    }
}

/// Commands that draft, submit and approve the population entry (version 1 published on 2026-03-02).
pub fn published_population_entry() -> Vec<CommandEnvelope<CatalogCommand>> {
    vec![
        cmd(
            clerk(province_public_security()),
            bj(2026, 3, 2, 9, 0),
            CatalogCommand::DraftCatalogEntry(DraftCatalogEntry {
                metadata: population_metadata(),
            }),
        ),
        cmd(
            clerk(province_public_security()),
            bj(2026, 3, 2, 10, 0),
            CatalogCommand::SubmitCatalogEntry(SubmitCatalogEntry {
                authority: province_authority(),
            }),
        ),
        cmd(
            reviewer(province_authority()),
            bj(2026, 3, 2, 15, 0),
            CatalogCommand::ApproveCatalogEntry(Default::default()),
        ),
    ]
}

pub fn published_population_history() -> Vec<CatalogEvent> {
    history::<govshare_domain::catalog::CatalogEntry>(services, published_population_entry())
}

/// Runs further commands on an existing history and returns only the new events.
pub fn history_on<A: Aggregate<Services = DomainServices>>(
    given: &[A::Event],
    commands: Vec<A::Command>,
) -> Vec<A::Event>
where
    A::Error: std::fmt::Debug,
{
    let mut events = given.to_vec();
    let start = events.len();
    for command in commands {
        let new = TestFramework::<A>::with(services())
            .given(events.clone())
            .when(command)
            .inspect_result()
            .expect("history command succeeds");
        events.extend(new);
    }
    events.split_off(start)
}
