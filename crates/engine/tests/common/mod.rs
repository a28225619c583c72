//! Fixtures of the engine suite: an engine on a real SQLite file or on a fresh database of the throwaway
//! PostgreSQL cluster, with a manual clock, and a small province to act in.
#![allow(dead_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use chrono::NaiveDate;
use govshare_domain::catalog::{CatalogMetadata, ShareAttribute};
use govshare_domain::organization::{OrganizationCommand, RegisterRegion};
use govshare_domain::share_application::DataHolder;
use govshare_domain::share_application::{
    AgreeToShare, ApplicationScenario, ForwardToProvider, ProvideShare, RequestedEntry,
    ShareCommand, SubmitShareApplication,
};
use govshare_domain::{DepartmentKind, DepartmentRef, Level, PersonId, Role};
use govshare_engine::{
    Command, CommandRequest, Engine, EngineConfig, ManualClock, Recorded, named_department,
};
use govshare_store::{EventStore, PostgresStore, StoreConfig};
pub use govshare_testkit::province::{
    self, AUTHORITY, POPULATION, SOCIAL_SECURITY, categories, code, population_metadata, region,
    social_security_metadata, start,
};
use govshare_testkit::shared_cluster;
use uuid::Uuid;

pub const APP: &str = "SA-2026-0001";

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

pub fn config(clock: Arc<ManualClock>) -> EngineConfig {
    EngineConfig::new("unused")
        .with_clock(clock)
        .with_categories(categories())
}

pub async fn fresh_database() -> String {
    shared_cluster().fresh_database("engine").await.unwrap()
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
            Backend::Postgres(url) => Arc::new(
                PostgresStore::connect(url, StoreConfig::default())
                    .await
                    .unwrap(),
            ),
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
        CommandRequest::new(
            self.id(),
            code(department),
            PersonId(format!("{department}-经办人")),
            role,
            command,
        )
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
        let (province, authority) = province::bootstrap();
        self.engine
            .bootstrap(self.id(), PersonId("王主任".into()), province, authority)
            .await
            .unwrap();
        self.run(
            AUTHORITY,
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
            (
                "130000-public-security",
                "河北省公安厅",
                "130000",
                DepartmentKind::PublicSecurity,
            ),
            (
                "130000-health",
                "河北省卫生健康委员会",
                "130000",
                DepartmentKind::Department,
            ),
            (
                "130000-human-resources",
                "河北省人力资源和社会保障厅",
                "130000",
                DepartmentKind::Department,
            ),
            (
                "130000-cyberspace",
                "中共河北省委网络安全和信息化委员会办公室",
                "130000",
                DepartmentKind::CyberspaceAdministration,
            ),
            (
                "130100-data-authority",
                "石家庄市政务服务管理办公室",
                "130100",
                DepartmentKind::DataAuthority,
            ),
            (
                "130100-health",
                "石家庄市卫生健康委员会",
                "130100",
                DepartmentKind::Department,
            ),
        ] {
            self.run(
                AUTHORITY,
                Role::Leader,
                province::register(c, name, r, kind),
            )
            .await;
        }
        self.publish(POPULATION, "130000-public-security", population_metadata())
            .await;
        self.publish(
            SOCIAL_SECURITY,
            "130000-human-resources",
            social_security_metadata(),
        )
        .await;
    }

    pub async fn publish(&self, id: &str, provider: &str, metadata: CatalogMetadata) {
        for (department, role, command) in province::publication(id, provider, metadata) {
            self.run(&department, role, command).await;
        }
    }
}

/// What a caller puts in a field the engine resolves: it is replaced.
pub fn placeholder() -> DepartmentRef {
    named_department(code(AUTHORITY))
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
    share(ShareCommand::SubmitShareApplication(
        SubmitShareApplication {
            application_id: APP.into(),
            entries: vec![asked(POPULATION)],
            scenario: scenario(&["公民身份号码", "姓名"]),
            materials: vec!["共享需求说明.pdf".into()],
            route: vec![],
        },
    ))
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
    recorded
        .events
        .iter()
        .map(|e| e.event_type.as_str())
        .collect()
}
