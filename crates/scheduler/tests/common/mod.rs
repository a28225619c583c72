//! Fixtures of the scheduler suite: an engine on a real SQLite file or on a fresh database of the
//! throwaway PostgreSQL cluster, with a manual clock, a small province, the read models running, and a
//! scheduler; restartable.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use govshare_domain::catalog::{
    AggregationMode, CatalogCommand, CatalogMetadata, DataItem, DraftCatalogEntry, OpenAttribute,
    SecurityLevel, ShareAttribute, ShareMode, SubmitCatalogEntry, UpdateFrequency, UsageScope,
};
use govshare_domain::organization::{OrganizationCommand, RegisterDepartment, RegisterRegion};
use govshare_domain::share_application::{
    ApplicationScenario, DataHolder, ForwardToProvider, RequestedEntry, ShareCommand,
    SubmitShareApplication,
};
use govshare_domain::{
    CategoryAssignments, DepartmentCode, DepartmentKind, DepartmentRef, Level, PersonId,
    RegionCode, Role,
};
use govshare_engine::{Command, CommandRequest, Engine, EngineConfig, ManualClock, Recorded};
use govshare_projections::{ReadDb, RunnerConfig, RunnerHandle, models};
use govshare_scheduler::{Scheduler, SchedulerConfig};
use govshare_store::{RecordedEvent, StreamId};
use govshare_testkit::shared_cluster;
use uuid::Uuid;

pub const POPULATION: &str = "catalog-130000-public-security-0001";
pub const AUTHORITY: &str = "130000-data-authority";

pub enum Backend {
    Sqlite(tempfile::TempDir),
    Postgres(String),
}

pub struct Live {
    pub engine: Engine,
    pub db: ReadDb,
    pub runner: RunnerHandle,
    pub scheduler: Scheduler,
}

pub struct Fixture {
    pub clock: Arc<ManualClock>,
    pub backend: Backend,
    live: Option<Live>,
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

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub fn engine_config(
    location: &str,
    clock: Arc<ManualClock>,
    calendar_files: &[PathBuf],
) -> EngineConfig {
    let categories = CategoryAssignments::from_json(
        r#"{"categories": {"人口": {"class": "base", "departments": ["130000-public-security"]}}}"#,
    )
    .unwrap();
    let mut config = EngineConfig::new(location)
        .with_clock(clock)
        .with_categories(categories);
    config.calendar_files = calendar_files.to_vec();
    config
}

pub async fn fresh_database() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let name = format!(
        "sched_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    );
    shared_cluster().create_database(&name).await.unwrap()
}

pub fn scheduler_config() -> SchedulerConfig {
    SchedulerConfig::default()
        .with_interval(Duration::from_millis(50))
        .with_catch_up_timeout(Duration::from_secs(20))
}

pub async fn runner(db: &ReadDb, engine: &Engine) -> RunnerHandle {
    govshare_projections::start(
        db.clone(),
        engine.store().clone(),
        models::all(),
        RunnerConfig::default(),
    )
    .await
    .unwrap()
}

impl Fixture {
    pub async fn sqlite() -> Self {
        Self::sqlite_at(start()).await
    }

    pub async fn postgres() -> Self {
        Self::postgres_at(start()).await
    }

    pub async fn sqlite_at(at: DateTime<Utc>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        Self::open(Backend::Sqlite(dir), at).await
    }

    pub async fn postgres_at(at: DateTime<Utc>) -> Self {
        Self::open(Backend::Postgres(fresh_database().await), at).await
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.backend, Backend::Postgres(_))
    }

    pub fn location(&self) -> String {
        location(&self.backend)
    }

    fn live(&self) -> &Live {
        self.live.as_ref().unwrap()
    }

    pub fn engine(&self) -> &Engine {
        &self.live().engine
    }

    pub fn db(&self) -> &ReadDb {
        &self.live().db
    }

    pub fn runner(&self) -> &RunnerHandle {
        &self.live().runner
    }

    pub fn scheduler(&self) -> &Scheduler {
        &self.live().scheduler
    }

    async fn start_live(
        location: &str,
        clock: Arc<ManualClock>,
        calendar_files: &[PathBuf],
    ) -> Live {
        let engine = Engine::open(engine_config(location, clock, calendar_files))
            .await
            .unwrap();
        let db = ReadDb::open(location).await.unwrap();
        let runner = runner(&db, &engine).await;
        let scheduler = Scheduler::new(engine.clone(), db.clone(), scheduler_config());
        Live {
            engine,
            db,
            runner,
            scheduler,
        }
    }

    async fn open(backend: Backend, at: DateTime<Utc>) -> Self {
        let clock = Arc::new(ManualClock::new(at));
        let live = Self::start_live(&location(&backend), clock.clone(), &[]).await;
        let f = Fixture {
            clock,
            backend,
            live: Some(live),
            next: AtomicU32::new(1),
        };
        f.seed().await;
        f
    }

    /// Stops the runner, the scheduler and the engine, and opens them again on the same data (with
    /// `calendar_files` as the engine's extra arrangements), as a restarted process would.
    pub async fn restart(&mut self, calendar_files: &[PathBuf]) {
        if let Some(live) = self.live.take() {
            live.runner.shutdown().await;
            drop(live.scheduler);
            drop(live.engine);
        }
        let live = Self::start_live(&self.location(), self.clock.clone(), calendar_files).await;
        self.live = Some(live);
    }

    pub fn id(&self) -> Uuid {
        Uuid::from_u128(0xD000_0000 + u128::from(self.next.fetch_add(1, Ordering::SeqCst)))
    }

    pub async fn run(&self, department: &str, role: Role, command: Command) -> Recorded {
        self.engine()
            .execute(CommandRequest::new(
                self.id(),
                code(department),
                PersonId(format!("{department}-经办人")),
                role,
                command,
            ))
            .await
            .unwrap_or_else(|e| panic!("{department} was refused: {e}"))
    }

    /// 河北省 with its data authority, public security and health; public security's population entry
    /// published.
    async fn seed(&self) {
        self.engine()
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
                    code: code(AUTHORITY),
                    name: "河北省政务服务管理办公室".into(),
                    region: region("130000"),
                    kind: DepartmentKind::DataAuthority,
                    principal: None,
                },
            )
            .await
            .unwrap();
        for (c, name, kind) in [
            (
                "130000-public-security",
                "河北省公安厅",
                DepartmentKind::PublicSecurity,
            ),
            (
                "130000-health",
                "河北省卫生健康委员会",
                DepartmentKind::Department,
            ),
        ] {
            self.run(
                AUTHORITY,
                Role::Leader,
                Command::Organization {
                    command: OrganizationCommand::RegisterDepartment(RegisterDepartment {
                        code: code(c),
                        name: name.into(),
                        region: region("130000"),
                        kind,
                        principal: None,
                    }),
                },
            )
            .await;
        }
        let catalog = |command| Command::Catalog {
            id: POPULATION.into(),
            command,
        };
        let provider = "130000-public-security";
        self.run(
            provider,
            Role::Clerk,
            catalog(CatalogCommand::DraftCatalogEntry(DraftCatalogEntry {
                metadata: population_metadata(),
            })),
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
            AUTHORITY,
            Role::Reviewer,
            catalog(CatalogCommand::ApproveCatalogEntry(Default::default())),
        )
        .await;
    }

    /// 河北省卫生健康委员会 applies for the (conditional) population entry: the authority owes its review
    /// within 3 working days (第十九条).
    pub async fn submit(&self, application: &str) -> Recorded {
        self.run("130000-health", Role::Clerk, submit(application))
            .await
    }

    pub async fn forward(&self, application: &str) -> Recorded {
        self.run(
            AUTHORITY,
            Role::Reviewer,
            Command::ShareApplication {
                id: application.into(),
                command: ShareCommand::ForwardToProvider(ForwardToProvider {
                    review_opinion: "应用场景明确，依据充分，转提供部门".into(),
                }),
            },
        )
        .await
    }

    /// Every event of the log.
    pub async fn log(&self) -> Vec<RecordedEvent> {
        let head = self.engine().store().head().await.unwrap().position;
        self.engine()
            .store()
            .read_all(1, usize::try_from(head).unwrap())
            .await
            .unwrap()
    }

    /// The `DeadlineMissed` events of the log.
    pub async fn misses(&self) -> Vec<RecordedEvent> {
        self.log()
            .await
            .into_iter()
            .filter(|e| e.event_type == "DeadlineMissed")
            .collect()
    }

    pub async fn head(&self) -> u64 {
        self.engine().store().head().await.unwrap().position
    }
}

fn location(backend: &Backend) -> String {
    match backend {
        Backend::Sqlite(dir) => dir.path().join("govshare.db").display().to_string(),
        Backend::Postgres(url) => url.clone(),
    }
}

pub fn application(id: &str) -> StreamId {
    StreamId::new("ShareApplication", id)
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
        code: code(AUTHORITY),
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

pub fn submit(application: &str) -> Command {
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
                    provider: placeholder(),
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
