//! Fixtures of the scheduler suite: an engine on a real SQLite file or on a fresh database of the
//! throwaway PostgreSQL cluster, with a manual clock, a small province, the read models running, and a
//! scheduler; restartable.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use govshare_domain::share_application::{ForwardToProvider, ShareCommand};
use govshare_domain::{DepartmentKind, PersonId, Role};
use govshare_engine::{Command, CommandRequest, Engine, EngineConfig, ManualClock, Recorded};
use govshare_projections::{ReadDb, RunnerConfig, RunnerHandle, models};
use govshare_scheduler::{Scheduler, SchedulerConfig};
use govshare_store::{RecordedEvent, StreamId};
pub use govshare_testkit::province::{
    self, AUTHORITY, POPULATION, bj, categories, code, population_metadata, start,
};
use govshare_testkit::shared_cluster;
use uuid::Uuid;

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
    /// A rule-set file the engine decides under instead of `hebei-2022`.
    pub rule_set: Option<PathBuf>,
    live: Option<Live>,
    next: AtomicU32,
}

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub fn engine_config(
    location: &str,
    clock: Arc<ManualClock>,
    calendar_files: &[PathBuf],
) -> EngineConfig {
    let mut config = EngineConfig::new(location)
        .with_clock(clock)
        .with_categories(categories());
    config.calendar_files = calendar_files.to_vec();
    config
}

pub async fn fresh_database() -> String {
    shared_cluster().fresh_database("sched").await.unwrap()
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
        rule_set: Option<&PathBuf>,
    ) -> Live {
        let mut config = engine_config(location, clock, calendar_files);
        if let Some(path) = rule_set {
            config.rule_set = govshare_engine::RuleSetSource::File(path.clone());
        }
        let engine = Engine::open(config).await.unwrap();
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
        Self::open_with(backend, at, None).await
    }

    /// A fixture whose engine decides under the rule-set file `rule_set`.
    pub async fn open_with(backend: Backend, at: DateTime<Utc>, rule_set: Option<PathBuf>) -> Self {
        let clock = Arc::new(ManualClock::new(at));
        let live =
            Self::start_live(&location(&backend), clock.clone(), &[], rule_set.as_ref()).await;
        let f = Fixture {
            clock,
            backend,
            rule_set,
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
        let live = Self::start_live(
            &self.location(),
            self.clock.clone(),
            calendar_files,
            self.rule_set.as_ref(),
        )
        .await;
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
        let (province, authority) = province::bootstrap();
        self.engine()
            .bootstrap(self.id(), PersonId("王主任".into()), province, authority)
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
                province::register(c, name, "130000", kind),
            )
            .await;
        }
        let provider = "130000-public-security";
        for (department, role, command) in
            province::publication(POPULATION, provider, population_metadata())
        {
            self.run(&department, role, command).await;
        }
    }

    /// 河北省卫生健康委员会 applies for the (conditional) population entry: the authority owes its review
    /// within 3 working days (第十九条).
    pub async fn submit(&self, application: &str) -> Recorded {
        self.run(
            "130000-health",
            Role::Clerk,
            province::population_request(application),
        )
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

    /// The events of the log of one type.
    pub async fn events_of(&self, event_type: &str) -> Vec<RecordedEvent> {
        self.log()
            .await
            .into_iter()
            .filter(|e| e.event_type == event_type)
            .collect()
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
