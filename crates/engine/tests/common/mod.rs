//! Fixtures of the engine suite: an engine on a real SQLite file or on a fresh database of the throwaway
//! PostgreSQL cluster, with a manual clock, and a small province to act in.
#![allow(dead_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use govshare_domain::catalog::{
    AggregationMode, CatalogCommand, CatalogMetadata, DataItem, DraftCatalogEntry, OpenAttribute,
    SecurityLevel, ShareAttribute, ShareMode, SubmitCatalogEntry, UpdateFrequency, UsageScope,
};
use govshare_domain::organization::{OrganizationCommand, RegisterDepartment, RegisterRegion};
use govshare_domain::share_application::{
    AgreeToShare, ApplicationScenario, ForwardToProvider, ProvideShare, RequestedEntry,
    ShareCommand, SubmitShareApplication,
};
use govshare_domain::share_application::DataHolder;
use govshare_domain::{
    CategoryAssignments, DepartmentCode, DepartmentKind, DepartmentRef, Level, PersonId, RegionCode, Role,
};
use govshare_engine::{Command, CommandRequest, Engine, EngineConfig, ManualClock, Recorded};
use govshare_store::{EventStore, PostgresStore, StoreConfig};
use govshare_testkit::shared_cluster;
use uuid::Uuid;

pub const APP: &str = "SA-2026-0001";
pub const POPULATION: &str = "catalog-130000-public-security-0001";
pub const SOCIAL_SECURITY: &str = "catalog-130000-human-resources-0001";

pub enum Backend {
    Sqlite(tempfile::TempDir),
    Postgres(String),
}

pub struct Fixture {
    pub engine: Engine,
    pub clock: Arc<ManualClock>,
    pub backend: Backend,
    next: AtomicU32,
}

/// 2026-03-02 09:00 Beijing time, a Monday.
pub fn start() -> DateTime<Utc> {
    bj(2026, 3, 2, 9, 0)
}

pub fn bj(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    chrono::FixedOffset::east_opt(8 * 3600)
        .unwrap()
        .with_ymd_and_hms(y, m, d, h, min, 0)
        .unwrap()
        .with_timezone(&Utc)
}

pub fn config(clock: Arc<ManualClock>) -> EngineConfig {
    let categories = CategoryAssignments::from_json(
        r#"{"categories": {
            "人口": {"class": "base", "departments": ["130000-public-security"]},
            "社会保障": {"class": "thematic", "departments": ["130000-human-resources"]}
        }}"#,
    )
    .unwrap();
    EngineConfig::new("unused")
        .with_clock(clock)
        .with_categories(categories)
}

pub async fn fresh_database() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let name = format!(
        "engine_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    );
    shared_cluster().create_database(&name).await.unwrap()
}

impl Fixture {
    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("govshare.db");
        let clock = Arc::new(ManualClock::new(start()));
        let engine = Engine::open(EngineConfig {
            store: path.display().to_string(),
            ..config(clock.clone())
        })
        .await
        .unwrap();
        Self::seeded(engine, clock, Backend::Sqlite(dir)).await
    }

    pub async fn postgres() -> Self {
        let url = fresh_database().await;
        let clock = Arc::new(ManualClock::new(start()));
        let engine = Engine::open(EngineConfig {
            store: url.clone(),
            ..config(clock.clone())
        })
        .await
        .unwrap();
        Self::seeded(engine, clock, Backend::Postgres(url)).await
    }

    /// A second engine on the same data, with its own cache and its own clock: on PostgreSQL its own
    /// store connection; on SQLite (one opener per file) the same store handle.
    pub async fn second_engine(&self, clock: Arc<ManualClock>) -> Engine {
        let store: Arc<dyn EventStore> = match &self.backend {
            Backend::Postgres(url) => {
                Arc::new(PostgresStore::connect(url, StoreConfig::default()).await.unwrap())
            }
            Backend::Sqlite(_) => self.engine.store().clone(),
        };
        Engine::with_store(store, config(clock)).unwrap()
    }

    /// Reopens the SQLite store in a new engine with an empty cache (the first one is dropped).
    pub async fn sqlite_path(&self) -> Option<std::path::PathBuf> {
        match &self.backend {
            Backend::Sqlite(dir) => Some(dir.path().join("govshare.db")),
            Backend::Postgres(_) => None,
        }
    }

    async fn seeded(engine: Engine, clock: Arc<ManualClock>, backend: Backend) -> Self {
        let f = Fixture {
            engine,
            clock,
            backend,
            next: AtomicU32::new(1),
        };
        f.seed().await;
        f
    }

    pub fn id(&self) -> Uuid {
        Uuid::from_u128(0xE000_0000 + u128::from(self.next.fetch_add(1, Ordering::SeqCst)))
    }

    pub fn request(&self, department: &str, role: Role, command: Command) -> CommandRequest {
        CommandRequest::new(self.id(), code(department), PersonId(format!("{department}-经办人")), role, command)
    }

    pub async fn run(&self, department: &str, role: Role, command: Command) -> Recorded {
        self.engine
            .execute(self.request(department, role, command))
            .await
            .unwrap_or_else(|e| panic!("{department} was refused: {e}"))
    }

    /// The province: 河北省 with 石家庄市, the provincial data authority, public security, health, human
    /// resources and cyberspace bodies, and two published catalog entries.
    async fn seed(&self) {
        self.engine
            .bootstrap(
                self.id(),
                PersonId("王主任".into()),
                RegisterRegion {
                    code: region("130000"),
                    name: "河北省".into(),
                    level: Level::Province,
                    parent: None,
                },
                RegisterDepartment {
                    code: code("130000-data-authority"),
                    name: "河北省政务服务管理办公室".into(),
                    region: region("130000"),
                    kind: DepartmentKind::DataAuthority,
                    principal: None,
                },
            )
            .await
            .unwrap();
        let register = |c: &str, name: &str, r: &str, kind| Command::Organization {
            command: OrganizationCommand::RegisterDepartment(RegisterDepartment {
                code: code(c),
                name: name.into(),
                region: region(r),
                kind,
                principal: None,
            }),
        };
        let authority = "130000-data-authority";
        self.run(
            authority,
            Role::Leader,
            Command::Organization {
                command: OrganizationCommand::RegisterRegion(RegisterRegion {
                    code: region("130100"),
                    name: "石家庄市".into(),
                    level: Level::City,
                    parent: Some(region("130000")),
                }),
            },
        )
        .await;
        for (c, name, r, kind) in [
            ("130000-public-security", "河北省公安厅", "130000", DepartmentKind::PublicSecurity),
            ("130000-health", "河北省卫生健康委员会", "130000", DepartmentKind::Department),
            ("130000-human-resources", "河北省人力资源和社会保障厅", "130000", DepartmentKind::Department),
            ("130000-cyberspace", "中共河北省委网络安全和信息化委员会办公室", "130000", DepartmentKind::CyberspaceAdministration),
            ("130100-data-authority", "石家庄市政务服务管理办公室", "130100", DepartmentKind::DataAuthority),
            ("130100-health", "石家庄市卫生健康委员会", "130100", DepartmentKind::Department),
        ] {
            self.run(authority, Role::Leader, register(c, name, r, kind)).await;
        }
        self.publish(POPULATION, "130000-public-security", population_metadata())
            .await;
        self.publish(SOCIAL_SECURITY, "130000-human-resources", social_security_metadata())
            .await;
    }

    pub async fn publish(&self, id: &str, provider: &str, metadata: CatalogMetadata) {
        let catalog = |command| Command::Catalog {
            id: id.into(),
            command,
        };
        self.run(
            provider,
            Role::Clerk,
            catalog(CatalogCommand::DraftCatalogEntry(DraftCatalogEntry { metadata })),
        )
        .await;
        self.run(
            provider,
            Role::Clerk,
            catalog(CatalogCommand::SubmitCatalogEntry(SubmitCatalogEntry {
                authority: placeholder(),
            })),
        )
        .await;
        self.run(
            "130000-data-authority",
            Role::Reviewer,
            catalog(CatalogCommand::ApproveCatalogEntry(Default::default())),
        )
        .await;
    }
}

pub fn region(c: &str) -> RegionCode {
    RegionCode::parse(c).unwrap()
}

pub fn code(c: &str) -> DepartmentCode {
    DepartmentCode::parse(c).unwrap()
}

/// What a caller puts in a field the engine resolves: it is replaced.
pub fn placeholder() -> DepartmentRef {
    DepartmentRef {
        code: code("130000-data-authority"),
        name: String::new(),
        kind: DepartmentKind::Department,
        region: region("130000"),
        level: Level::Province,
        principal: None,
    }
}

fn item(name: &str) -> DataItem {
    DataItem {
        name: name.into(),
        data_type: "字符型C".into(),
    }
}

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

/// An entry as a caller names it: only the id and the items count; every fact is the engine's to resolve.
pub fn asked(entry_id: &str) -> RequestedEntry {
    RequestedEntry {
        entry_id: entry_id.into(),
        code: String::new(),
        name: String::new(),
        version: 0,
        share_attribute: ShareAttribute::Unconditional,
        holder: DataHolder::Department {
            provider: placeholder(),
        },
        items: vec![],
        negative_listing: None,
    }
}

pub fn scenario(items: &[&str]) -> ApplicationScenario {
    ApplicationScenario {
        purpose: "医疗救助对象身份核验".into(),
        purpose_code: "SC-130000-WJ-2026-001".into(),
        legal_basis: "《社会救助暂行办法》第二十八条".into(),
        business_system: "河北省医疗救助管理系统".into(),
        data_items: items.iter().map(|s| (*s).to_owned()).collect(),
        use_from: NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
        use_until: NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
        expected_frequency: "每日约2000次".into(),
    }
}

pub fn share(command: ShareCommand) -> Command {
    Command::ShareApplication {
        id: APP.into(),
        command,
    }
}

pub fn submit_conditional() -> Command {
    share(ShareCommand::SubmitShareApplication(SubmitShareApplication {
        application_id: APP.into(),
        entries: vec![asked(POPULATION)],
        scenario: scenario(&["公民身份号码", "姓名"]),
        materials: vec!["共享需求说明.pdf".into()],
        route: vec![],
    }))
}

pub fn forward() -> Command {
    share(ShareCommand::ForwardToProvider(ForwardToProvider {
        review_opinion: "应用场景明确，依据充分，转提供部门".into(),
    }))
}

pub fn agree() -> Command {
    share(ShareCommand::AgreeToShare(AgreeToShare {
        conditions: Some("仅限身份核验，不得留存".into()),
    }))
}

pub fn provide() -> Command {
    share(ShareCommand::ProvideShare(ProvideShare {
        grant_id: "GR-2026-0001".into(),
    }))
}

pub fn types(recorded: &Recorded) -> Vec<&str> {
    recorded.events.iter().map(|e| e.event_type.as_str()).collect()
}
