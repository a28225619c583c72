//! The command path end to end: govshare's `Engine::execute` against cqrs-es 0.5's
//! `CqrsFramework` (sqlite-es, postgres-es), on the same `ShareApplication` aggregate and the same
//! command sequence, side by side on the same machine, disk and PostgreSQL cluster.
//!
//! Run: `cargo bench -p govshare-engine --bench command_path`. Prints Markdown tables.
//! `GOVSHARE_BENCH_APPS` sets the number of share applications per cell (default 300);
//! `GOVSHARE_BENCH_ONLY` (a comma-separated subset of `sqlite,postgres`) limits what is measured.
//!
//! Each application goes through four commands: submit (a conditional catalog entry) → forward to
//! the provider → agree → provide. With *c* concurrent callers, caller *k* drives applications
//! *k*, *k + c*, … one after the other, each through its four steps. A command counts once its
//! call returned, i.e. after a durable commit.
//!
//! - govshare: `Engine::execute` with the caller's request as an API client sends it (department
//!   code, person, role, the entry named by id): the engine resolves the actor against the registry
//!   and the entry's facts and route from the catalog, decides, and appends the events with the
//!   command record. The store's default durability (SQLite `synchronous=FULL`; PostgreSQL
//!   `fsync=on`, `synchronous_commit=on`).
//! - peer: `CqrsFramework<ShareApplication, _>` from sqlite-es / postgres-es (no queries, no
//!   snapshots, the helpers' 10-connection pools), executing `CommandEnvelope<ShareCommand>`s whose
//!   actor and facts are already resolved: the envelopes govshare recorded for a template
//!   application, decoded from its command records. The peer cannot resolve facts, so it is
//!   spared that work.
//!
//! Besides throughput, each govshare cell counts the store calls the engine makes per command and
//! their mean latency (through a thin counting wrapper around the store), and every cell reports
//! the process's CPU time per command.

use std::collections::HashMap;
use std::future::Future;
use std::io::{Seek, SeekFrom, Write};
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use cqrs_es::CqrsFramework;
use cqrs_es::persist::PersistedEventStore;
use govshare_codec::decode_command;
use govshare_domain::catalog::{
    AggregationMode, CatalogCommand, CatalogMetadata, DataItem, DraftCatalogEntry, OpenAttribute,
    SecurityLevel, ShareAttribute, ShareMode, SubmitCatalogEntry, UpdateFrequency, UsageScope,
};
use govshare_domain::organization::{OrganizationCommand, RegisterDepartment, RegisterRegion};
use govshare_domain::share_application::{
    AgreeToShare, ApplicationScenario, DataHolder, ForwardToProvider, ProvideShare,
    ShareApplication, ShareCommand, SubmitShareApplication,
};
use govshare_domain::{
    CommandEnvelope, DepartmentCode, DepartmentKind, DomainServices, Level, PersonId, RegionCode,
    Role,
};
use govshare_engine::{
    Command, CommandRequest, Engine, EngineConfig, ManualClock, named_department, requested_entry,
};
use govshare_store::{
    AppendOutcome, AppendRequest, Checkpoint, EventStore, RecordedCommand, RecordedEvent, Snapshot,
    StreamId, StreamRead, VerifyReport,
};
use govshare_testkit::PgCluster;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use uuid::Uuid;

const CALLERS: [usize; 3] = [1, 8, 32];
const ENTRY: &str = "catalog-130000-public-security-0001";
const AUTHORITY: &str = "130000-data-authority";
const REQUESTER: &str = "130000-health";
const PROVIDER: &str = "130000-public-security";

// ---------------------------------------------------------------------------------------------
// The province and the commands
// ---------------------------------------------------------------------------------------------

/// 2026-03-02 09:00 Beijing time, a Monday: every command of the run is taken at this instant.
fn start() -> DateTime<Utc> {
    chrono::FixedOffset::east_opt(8 * 3600)
        .unwrap()
        .with_ymd_and_hms(2026, 3, 2, 9, 0, 0)
        .unwrap()
        .with_timezone(&Utc)
}

fn code(c: &str) -> DepartmentCode {
    DepartmentCode::parse(c).unwrap()
}

fn region(c: &str) -> RegionCode {
    RegionCode::parse(c).unwrap()
}

fn request(department: &str, role: Role, command: Command) -> CommandRequest {
    CommandRequest::new(
        Uuid::now_v7(),
        code(department),
        PersonId(format!("{department}-经办人")),
        role,
        command,
    )
}

async fn run(engine: &Engine, department: &str, role: Role, command: Command) {
    if let Err(e) = engine.execute(request(department, role, command)).await {
        panic!("seeding: {department} was refused: {e}");
    }
}

fn population_metadata() -> CatalogMetadata {
    let item = |name: &str| DataItem {
        name: name.into(),
        data_type: "字符型C".into(),
    };
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

/// The small province of the engine's tests: 河北省 and 石家庄市, the provincial data authority,
/// public security, health, human resources and cyberspace bodies, and the published, conditional
/// population entry of 河北省公安厅.
async fn seed(engine: &Engine) {
    engine
        .bootstrap(
            Uuid::now_v7(),
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
    let organization = |command| Command::Organization { command };
    run(
        engine,
        AUTHORITY,
        Role::Leader,
        organization(OrganizationCommand::RegisterRegion(RegisterRegion {
            code: region("130100"),
            name: "石家庄市".into(),
            level: Level::City,
            parent: Some(region("130000")),
        })),
    )
    .await;
    for (c, name, r, kind) in [
        (
            PROVIDER,
            "河北省公安厅",
            "130000",
            DepartmentKind::PublicSecurity,
        ),
        (
            REQUESTER,
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
        let command = OrganizationCommand::RegisterDepartment(RegisterDepartment {
            code: code(c),
            name: name.into(),
            region: region(r),
            kind,
            principal: None,
        });
        run(engine, AUTHORITY, Role::Leader, organization(command)).await;
    }
    let catalog = |command| Command::Catalog {
        id: ENTRY.into(),
        command,
    };
    run(
        engine,
        PROVIDER,
        Role::Clerk,
        catalog(CatalogCommand::DraftCatalogEntry(DraftCatalogEntry {
            metadata: population_metadata(),
        })),
    )
    .await;
    run(
        engine,
        PROVIDER,
        Role::Clerk,
        catalog(CatalogCommand::SubmitCatalogEntry(SubmitCatalogEntry {
            authority: named_department(code(AUTHORITY)),
        })),
    )
    .await;
    run(
        engine,
        AUTHORITY,
        Role::Reviewer,
        catalog(CatalogCommand::ApproveCatalogEntry(Default::default())),
    )
    .await;
}

fn app_id(i: usize) -> String {
    format!("SA-2026-{i:06}")
}

fn grant_id(i: usize) -> String {
    format!("GR-2026-{i:06}")
}

fn scenario() -> ApplicationScenario {
    ApplicationScenario {
        purpose: "医疗救助对象身份核验".into(),
        purpose_code: "SC-130000-WJ-2026-001".into(),
        legal_basis: "《社会救助暂行办法》第二十八条".into(),
        business_system: "河北省医疗救助管理系统".into(),
        data_items: vec!["公民身份号码".into(), "姓名".into()],
        use_from: chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
        use_until: chrono::NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
        expected_frequency: "每日约2000次".into(),
    }
}

/// The four steps of application `i`, as requests to the engine.
fn steps(i: usize) -> [CommandRequest; 4] {
    let id = app_id(i);
    let share = |command| Command::ShareApplication {
        id: id.clone(),
        command,
    };
    [
        request(
            REQUESTER,
            Role::Clerk,
            share(ShareCommand::SubmitShareApplication(
                SubmitShareApplication {
                    application_id: id.clone(),
                    entries: vec![requested_entry(ENTRY)],
                    scenario: scenario(),
                    materials: vec!["共享需求说明.pdf".into()],
                    route: vec![],
                },
            )),
        ),
        request(
            AUTHORITY,
            Role::Reviewer,
            share(ShareCommand::ForwardToProvider(ForwardToProvider {
                review_opinion: "应用场景明确，依据充分，转提供部门".into(),
            })),
        ),
        request(
            PROVIDER,
            Role::Leader,
            share(ShareCommand::AgreeToShare(AgreeToShare {
                conditions: Some("仅限身份核验，不得留存".into()),
            })),
        ),
        request(
            AUTHORITY,
            Role::Reviewer,
            share(ShareCommand::ProvideShare(ProvideShare {
                grant_id: grant_id(i),
            })),
        ),
    ]
}

/// The four envelopes govshare recorded for one application, actor and facts resolved: what the
/// peer executes, with only the application and grant ids changed.
#[derive(Clone)]
struct Templates([CommandEnvelope<ShareCommand>; 4]);

impl Templates {
    /// Runs a template application through `engine` and decodes its four command records.
    async fn record(engine: &Engine) -> Self {
        let mut envelopes = Vec::new();
        for request in steps(999_999) {
            let command_id = request.command_id;
            engine.execute(request).await.unwrap();
            let stored = engine
                .store()
                .read_command(command_id)
                .await
                .unwrap()
                .expect("the command is recorded");
            let record = stored.command.expect("with its command record");
            let (envelope, _context) = decode_command::<ShareApplication>(&record).unwrap();
            envelopes.push(envelope);
        }
        let templates = Templates(envelopes.try_into().unwrap());
        // The facts really were resolved from the catalog: a peer command with placeholders would
        // not be the same command.
        match &templates.0[0].body {
            ShareCommand::SubmitShareApplication(c) => {
                let entry = &c.entries[0];
                assert_eq!(entry.name, "户籍人口基本信息");
                assert!(matches!(
                    entry.share_attribute,
                    ShareAttribute::Conditional { .. }
                ));
                assert!(
                    matches!(&entry.holder, DataHolder::Department { provider } if provider.name == "河北省公安厅")
                );
                assert_eq!(c.route.len(), 1);
            }
            other => panic!("{other:?}"),
        }
        templates
    }

    fn steps(&self, i: usize) -> [PeerCommand; 4] {
        let id = app_id(i);
        let mut out = self.0.clone();
        if let ShareCommand::SubmitShareApplication(c) = &mut out[0].body {
            c.application_id = id.clone();
        }
        if let ShareCommand::ProvideShare(c) = &mut out[3].body {
            c.grant_id = grant_id(i);
        }
        out.map(|envelope| {
            let actor = &envelope.actor;
            let metadata = HashMap::from([
                ("command_id".into(), Uuid::now_v7().to_string()),
                ("actor.department".into(), actor.department.code.to_string()),
                ("actor.person".into(), actor.person.0.clone()),
                ("actor.role".into(), format!("{:?}", actor.role)),
                ("rule_set.id".into(), "hebei-2022".into()),
                ("rule_set.version".into(), "1".into()),
            ]);
            PeerCommand {
                aggregate_id: id.clone(),
                envelope,
                metadata,
            }
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Driving callers
// ---------------------------------------------------------------------------------------------

trait Executor: Send + Sync + 'static {
    type Cmd: Send + 'static;
    fn execute(&self, command: Self::Cmd) -> impl Future<Output = ()> + Send;
}

/// What one cell measured.
#[derive(Clone, Copy, Default)]
struct Measured {
    rate: f64,
    cpu_us_per_command: f64,
    /// CPU of the PostgreSQL server (postmaster and backends) per command, when measured.
    server_us_per_command: Option<f64>,
    machine_busy: f64,
}

/// Runs `work` (one list of commands per caller, executed in order) and measures it.
/// `server` is the PostgreSQL cluster whose CPU is to be counted too.
async fn drive<E: Executor>(
    executor: Arc<E>,
    work: Vec<Vec<E::Cmd>>,
    server: Option<&PgCluster>,
) -> Measured {
    let commands: usize = work.iter().map(Vec::len).sum();
    let server_cpu = server.map(PgCluster::server_cpu);
    let cpu = process_cpu();
    let machine = machine_cpu();
    let begin = Instant::now();
    let tasks: Vec<_> = work
        .into_iter()
        .map(|list| {
            let executor = executor.clone();
            tokio::spawn(async move {
                for command in list {
                    executor.execute(command).await;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let elapsed = begin.elapsed().as_secs_f64();
    let cpu = process_cpu().saturating_sub(cpu);
    let (busy, total) = machine_cpu();
    let server_cpu = server
        .zip(server_cpu)
        .map(|(cluster, before)| cluster.server_cpu().saturating_sub(before));
    Measured {
        rate: commands as f64 / elapsed,
        cpu_us_per_command: cpu.as_secs_f64() * 1e6 / commands as f64,
        server_us_per_command: server_cpu.map(|c| c.as_secs_f64() * 1e6 / commands as f64),
        machine_busy: (busy - machine.0) as f64 / ((total - machine.1).max(1)) as f64,
    }
}

/// `apps` applications shared among `callers`, four commands each, built before measuring.
fn distribute<T>(apps: usize, callers: usize, steps: impl Fn(usize) -> [T; 4]) -> Vec<Vec<T>> {
    let mut work: Vec<Vec<T>> = (0..callers).map(|_| Vec::new()).collect();
    for i in 0..apps {
        work[i % callers].extend(steps(i));
    }
    work
}

struct Ours {
    engine: Engine,
    cold: bool,
}

impl Executor for Ours {
    type Cmd = CommandRequest;
    async fn execute(&self, request: CommandRequest) {
        if self.cold {
            self.engine.clear_cache();
        }
        if let Err(e) = self.engine.execute(request).await {
            panic!("govshare refused a benchmark command: {e}");
        }
    }
}

struct PeerCommand {
    aggregate_id: String,
    envelope: CommandEnvelope<ShareCommand>,
    metadata: HashMap<String, String>,
}

struct Peer<R: cqrs_es::persist::PersistedEventRepository> {
    cqrs: CqrsFramework<ShareApplication, PersistedEventStore<R, ShareApplication>>,
}

impl<R: cqrs_es::persist::PersistedEventRepository + 'static> Executor for Peer<R> {
    type Cmd = PeerCommand;
    async fn execute(&self, c: PeerCommand) {
        if let Err(e) = self
            .cqrs
            .execute_with_metadata(&c.aggregate_id, c.envelope, c.metadata)
            .await
        {
            panic!("the peer refused a benchmark command: {e}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Counting the engine's store calls
// ---------------------------------------------------------------------------------------------

const CALLS: [&str; 6] = [
    "append",
    "read_command",
    "read_stream",
    "read_all",
    "load_snapshot",
    "other",
];

#[derive(Default)]
struct CallStats {
    calls: [AtomicU64; 6],
    nanos: [AtomicU64; 6],
}

impl CallStats {
    fn reset(&self) {
        for i in 0..CALLS.len() {
            self.calls[i].store(0, Ordering::Relaxed);
            self.nanos[i].store(0, Ordering::Relaxed);
        }
    }

    fn snapshot(&self) -> [(u64, u64); 6] {
        std::array::from_fn(|i| {
            (
                self.calls[i].load(Ordering::Relaxed),
                self.nanos[i].load(Ordering::Relaxed),
            )
        })
    }
}

/// The store, with each call counted and timed (two clock reads and two atomic adds a call).
#[derive(Debug)]
struct Counting {
    inner: Arc<dyn EventStore>,
    stats: Arc<CallStats>,
}

impl std::fmt::Debug for CallStats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CallStats")
    }
}

impl Counting {
    async fn timed<T>(&self, which: usize, call: impl Future<Output = T>) -> T {
        let begin = Instant::now();
        let out = call.await;
        self.stats.calls[which].fetch_add(1, Ordering::Relaxed);
        self.stats.nanos[which].fetch_add(begin.elapsed().as_nanos() as u64, Ordering::Relaxed);
        out
    }
}

#[async_trait]
impl EventStore for Counting {
    async fn append(&self, request: AppendRequest) -> govshare_store::Result<AppendOutcome> {
        self.timed(0, self.inner.append(request)).await
    }
    async fn read_command(
        &self,
        command_id: Uuid,
    ) -> govshare_store::Result<Option<RecordedCommand>> {
        self.timed(1, self.inner.read_command(command_id)).await
    }
    async fn read_stream(
        &self,
        stream: &StreamId,
        read: StreamRead,
    ) -> govshare_store::Result<Vec<RecordedEvent>> {
        self.timed(2, self.inner.read_stream(stream, read)).await
    }
    async fn read_all(
        &self,
        from: govshare_store::Position,
        max: usize,
    ) -> govshare_store::Result<Vec<RecordedEvent>> {
        self.timed(3, self.inner.read_all(from, max)).await
    }
    async fn load_snapshot(&self, stream: &StreamId) -> govshare_store::Result<Option<Snapshot>> {
        self.timed(4, self.inner.load_snapshot(stream)).await
    }
    async fn head(&self) -> govshare_store::Result<Checkpoint> {
        self.timed(5, self.inner.head()).await
    }
    async fn verify(
        &self,
        from: govshare_store::Position,
        to: Option<govshare_store::Position>,
    ) -> govshare_store::Result<VerifyReport> {
        self.timed(5, self.inner.verify(from, to)).await
    }
    async fn verify_against(
        &self,
        checkpoint: &Checkpoint,
    ) -> govshare_store::Result<VerifyReport> {
        self.timed(5, self.inner.verify_against(checkpoint)).await
    }
    async fn save_snapshot(&self, snapshot: &Snapshot) -> govshare_store::Result<()> {
        self.timed(5, self.inner.save_snapshot(snapshot)).await
    }
}

// ---------------------------------------------------------------------------------------------
// Systems under test
// ---------------------------------------------------------------------------------------------

/// An engine on `store`, seeded with the province, its store calls counted.
async fn engine_on(store: Arc<dyn EventStore>, stats: Arc<CallStats>) -> Engine {
    let clock = Arc::new(ManualClock::new(start()));
    let counted: Arc<dyn EventStore> = Arc::new(Counting {
        inner: store,
        stats,
    });
    // 第十二条: the population category is compiled by public security, as in the engine's tests.
    let categories = govshare_domain::CategoryAssignments::from_json(
        r#"{"categories": {"人口": {"class": "base", "departments": ["130000-public-security"]}}}"#,
    )
    .unwrap();
    let config = EngineConfig::new("unused")
        .with_clock(clock)
        .with_categories(categories);
    let engine = Engine::with_store(counted, config).unwrap();
    seed(&engine).await;
    engine
}

async fn sqlite_engine(dir: &std::path::Path, n: usize, stats: Arc<CallStats>) -> Engine {
    let path = dir.join(format!("govshare-{n}.db"));
    let store = govshare_store::open(&path.display().to_string(), Default::default())
        .await
        .unwrap();
    engine_on(store, stats).await
}

async fn postgres_engine(cluster: &PgCluster, n: usize, stats: Arc<CallStats>) -> Engine {
    let url = cluster
        .create_database(&format!("govshare_{n}"))
        .await
        .unwrap();
    let store = govshare_store::open(&url, Default::default())
        .await
        .unwrap();
    engine_on(store, stats).await
}

const PEER_SQLITE_DDL: &str = "
CREATE TABLE events (
  aggregate_type text NOT NULL, aggregate_id text NOT NULL,
  sequence integer CHECK (sequence >= 0) NOT NULL,
  event_type text NOT NULL, event_version text NOT NULL,
  payload text NOT NULL, metadata text NOT NULL,
  PRIMARY KEY (aggregate_type, aggregate_id, sequence)) STRICT;
CREATE TABLE snapshots (
  aggregate_type text NOT NULL, aggregate_id text NOT NULL,
  last_sequence integer CHECK (last_sequence >= 0) NOT NULL,
  current_snapshot integer CHECK (current_snapshot >= 0) NOT NULL,
  payload text NOT NULL,
  PRIMARY KEY (aggregate_type, aggregate_id, last_sequence)) STRICT;";

const PEER_PG_DDL: &str = "
CREATE TABLE events (
  aggregate_type text NOT NULL, aggregate_id text NOT NULL,
  sequence bigint CHECK (sequence >= 0) NOT NULL,
  event_type text NOT NULL, event_version text NOT NULL,
  payload json NOT NULL, metadata json NOT NULL,
  PRIMARY KEY (aggregate_type, aggregate_id, sequence));
CREATE TABLE snapshots (
  aggregate_type text NOT NULL, aggregate_id text NOT NULL,
  last_sequence bigint CHECK (last_sequence >= 0) NOT NULL,
  current_snapshot bigint CHECK (current_snapshot >= 0) NOT NULL,
  payload json NOT NULL,
  PRIMARY KEY (aggregate_type, aggregate_id, last_sequence));";

/// sqlite-es's `sqlite_cqrs` on a pool configured as its `default_sqlite_pool` does (WAL, 10
/// connections), with the given synchronous mode.
async fn peer_sqlite(
    path: &std::path::Path,
    sync: SqliteSynchronous,
    services: DomainServices,
) -> Arc<Peer<sqlite_es::SqliteEventRepository>> {
    let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))
        .unwrap()
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(sync)
        .foreign_keys(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(10)
        .connect_with(options)
        .await
        .unwrap();
    sqlx::raw_sql(PEER_SQLITE_DDL).execute(&pool).await.unwrap();
    Arc::new(Peer {
        cqrs: sqlite_es::sqlite_cqrs(pool, vec![], services),
    })
}

/// postgres-es's `postgres_cqrs` on the pool of its `default_postgress_pool` (10 connections).
async fn peer_postgres(
    cluster: &PgCluster,
    n: usize,
    services: DomainServices,
) -> Arc<Peer<postgres_es::PostgresEventRepository>> {
    let url = cluster.create_database(&format!("peer_{n}")).await.unwrap();
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(10)
        .connect(&url)
        .await
        .unwrap();
    sqlx::raw_sql(PEER_PG_DDL).execute(&pool).await.unwrap();
    Arc::new(Peer {
        cqrs: postgres_es::postgres_cqrs(pool, vec![], services),
    })
}

// ---------------------------------------------------------------------------------------------
// Machine facts
// ---------------------------------------------------------------------------------------------

/// The fields of `/proc/<pid>/stat` after the parenthesised command name (field 3 first).
fn stat_fields(pid: &str) -> Vec<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let rest = stat.rsplit(')').next().unwrap_or("");
    rest.split_whitespace()
        .map(|f| f.parse::<u64>().unwrap_or(0))
        .collect()
}

/// Clock ticks (10 ms) as a duration.
fn ticks(n: u64) -> Duration {
    Duration::from_millis(n * 10)
}

/// User + system CPU time of this process (from `/proc/self/stat`: utime and stime are fields 14
/// and 15).
fn process_cpu() -> Duration {
    let f = stat_fields("self");
    ticks(f.get(11).copied().unwrap_or(0) + f.get(12).copied().unwrap_or(0))
}

/// (busy, total) jiffies of all CPUs of the machine, every process included.
fn machine_cpu() -> (u64, u64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let Some(line) = stat.lines().next() else {
        return (0, 0);
    };
    let v: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|f| f.parse().ok())
        .collect();
    let total: u64 = v.iter().take(8).sum();
    let idle = v.get(3).copied().unwrap_or(0) + v.get(4).copied().unwrap_or(0);
    (total - idle, total)
}

/// Durable 8 kB overwrites per second on a file in `dir`: `File::sync_all` (fsync) and
/// `File::sync_data` (fdatasync), 2 s each.
fn fsync_rate(dir: &std::path::Path) -> (f64, f64) {
    let path = dir.join("fsync.test");
    let mut file = std::fs::File::create(&path).unwrap();
    let block = [0x5au8; 8192];
    let mut rate = |data_only: bool| {
        let begin = Instant::now();
        let mut n = 0u64;
        while begin.elapsed() < Duration::from_secs(2) {
            file.seek(SeekFrom::Start(0)).unwrap();
            file.write_all(&block).unwrap();
            if data_only {
                file.sync_data().unwrap();
            } else {
                file.sync_all().unwrap();
            }
            n += 1;
        }
        n as f64 / begin.elapsed().as_secs_f64()
    };
    let full = rate(false);
    let data = rate(true);
    let _ = std::fs::remove_file(path);
    (full, data)
}

/// `VmHWM` and `VmRSS` of this process, as `/proc/self/status` gives them.
fn memory() -> (String, String) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .map(|l| l[name.len()..].trim().to_owned())
            .unwrap_or_else(|| "n/a".into())
    };
    (field("VmHWM:"), field("VmRSS:"))
}

// ---------------------------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------------------------

fn selected(part: &str) -> bool {
    std::env::var("GOVSHARE_BENCH_ONLY")
        .map_or(true, |only| only.split(',').any(|p| p.trim() == part))
}

struct Row {
    backend: &'static str,
    callers: usize,
    ours: Measured,
    cold: Measured,
    peer: Measured,
    peer_normal: Option<Measured>,
    calls: [(u64, u64); 6],
    commands: u64,
}

fn main() {
    let apps: usize = std::env::var("GOVSHARE_BENCH_APPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(bench(apps.max(1)));
}

async fn bench(apps: usize) {
    let dir = tempfile::tempdir().unwrap();
    eprintln!("timing fsync");
    let (fsync, fdatasync) = fsync_rate(dir.path());
    let cluster = selected("postgres")
        .then(|| PgCluster::start().unwrap_or_else(|e| panic!("PostgreSQL: {e}")));
    let stats = Arc::new(CallStats::default());
    let mut n = 0;
    let mut fresh = || {
        n += 1;
        n
    };

    // The template: the commands govshare records, decoded, for the peer.
    let template_engine = sqlite_engine(dir.path(), fresh(), stats.clone()).await;
    let templates = Templates::record(&template_engine).await;
    let services = template_engine.services().clone();
    drop(template_engine);

    let mut rows = Vec::new();
    let total_commands = 4 * apps as u64;
    for backend in ["SQLite", "PostgreSQL"] {
        let on_postgres = backend == "PostgreSQL";
        if !selected(if on_postgres { "postgres" } else { "sqlite" }) {
            continue;
        }
        for callers in CALLERS {
            eprintln!("{backend}: {apps} applications, {callers} caller(s)");
            let server = cluster.as_ref().filter(|_| on_postgres);
            let ours_engine = match &cluster {
                Some(c) if on_postgres => postgres_engine(c, fresh(), stats.clone()).await,
                _ => sqlite_engine(dir.path(), fresh(), stats.clone()).await,
            };
            stats.reset();
            let ours = drive(
                Arc::new(Ours {
                    engine: ours_engine,
                    cold: false,
                }),
                distribute(apps, callers, steps),
                server,
            )
            .await;
            let calls = stats.snapshot();

            let work = distribute(apps, callers, |i| templates.steps(i));
            let (peer, peer_normal) = match &cluster {
                Some(c) if on_postgres => {
                    let peer = peer_postgres(c, fresh(), services.clone()).await;
                    (drive(peer, work, server).await, None)
                }
                _ => {
                    let path = dir.path().join(format!("peer-{}.db", fresh()));
                    let peer = peer_sqlite(&path, SqliteSynchronous::Full, services.clone()).await;
                    let full = drive(peer, work, None).await;
                    let path = dir.path().join(format!("peer-{}.db", fresh()));
                    let peer =
                        peer_sqlite(&path, SqliteSynchronous::Normal, services.clone()).await;
                    let work = distribute(apps, callers, |i| templates.steps(i));
                    (full, Some(drive(peer, work, None).await))
                }
            };

            let cold_engine = match &cluster {
                Some(c) if on_postgres => postgres_engine(c, fresh(), stats.clone()).await,
                _ => sqlite_engine(dir.path(), fresh(), stats.clone()).await,
            };
            let cold = drive(
                Arc::new(Ours {
                    engine: cold_engine,
                    cold: true,
                }),
                distribute(apps, callers, steps),
                server,
            )
            .await;
            rows.push(Row {
                backend,
                callers,
                ours,
                cold,
                peer,
                peer_normal,
                calls,
                commands: total_commands,
            });
        }
    }
    let (hwm, rss) = memory();
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());

    println!();
    println!(
        "Commands per second, {apps} applications × 4 commands per cell, `nproc` = {cpus}; \
         fsync: {fsync:.0} File::sync_all/s, {fdatasync:.0} File::sync_data/s (8 kB overwrite, same directory)."
    );
    println!();
    println!(
        "| backend | callers | govshare | cqrs-es peer, durable | govshare ÷ peer | cqrs-es peer, synchronous=NORMAL | govshare, cold cache |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    for r in &rows {
        let normal = r
            .peer_normal
            .map_or("—".to_owned(), |m| format!("{:.0}", m.rate));
        println!(
            "| {} | {} | {:.0} | {:.0} | {:.1}× | {} | {:.0} |",
            r.backend,
            r.callers,
            r.ours.rate,
            r.peer.rate,
            r.ours.rate / r.peer.rate,
            normal,
            r.cold.rate,
        );
    }
    println!();
    println!("CPU per command (govshare warm cache / durable peer):");
    println!();
    println!(
        "| backend | callers | bench process, µs | PostgreSQL server, µs | machine CPU busy (all processes) |"
    );
    println!("| --- | ---: | ---: | ---: | ---: |");
    for r in &rows {
        let server = match (r.ours.server_us_per_command, r.peer.server_us_per_command) {
            (Some(ours), Some(peer)) => format!("{ours:.0} / {peer:.0}"),
            _ => "—".to_owned(),
        };
        println!(
            "| {} | {} | {:.0} / {:.0} | {} | {:.0} % / {:.0} % |",
            r.backend,
            r.callers,
            r.ours.cpu_us_per_command,
            r.peer.cpu_us_per_command,
            server,
            r.ours.machine_busy * 100.0,
            r.peer.machine_busy * 100.0,
        );
    }
    println!();
    println!("govshare (warm cache): store calls per command, mean latency per call:");
    println!();
    println!("| backend | callers | {} |", CALLS.join(" | "));
    println!("| --- | ---: |{}", " ---: |".repeat(CALLS.len()));
    for r in &rows {
        let cells: Vec<String> = r
            .calls
            .iter()
            .map(|&(calls, nanos)| {
                if calls == 0 {
                    "0".into()
                } else {
                    format!(
                        "{:.2} × {:.2} ms",
                        calls as f64 / r.commands as f64,
                        nanos as f64 / calls as f64 / 1e6
                    )
                }
            })
            .collect();
        println!("| {} | {} | {} |", r.backend, r.callers, cells.join(" | "));
    }
    println!();
    println!("Memory after the run: VmHWM {hwm}, VmRSS {rss}.");
    println!();
    println!("Targets:");
    for r in &rows {
        let ratio = r.ours.rate / r.peer.rate;
        match (r.backend, r.callers) {
            ("SQLite", 32) => println!(
                "- SQLite, 32 callers, ≥ 20× the durable peer: {} ({ratio:.1}×)",
                verdict(ratio >= 20.0)
            ),
            ("PostgreSQL", 32) => println!(
                "- PostgreSQL, 32 callers, ≥ 5× postgres-es: {} ({ratio:.1}×)",
                verdict(ratio >= 5.0)
            ),
            ("PostgreSQL", c) => println!(
                "- PostgreSQL, {c} caller(s), not slower than postgres-es: {} ({ratio:.2}×)",
                verdict(ratio >= 1.0)
            ),
            _ => {}
        }
        if let Some(normal) = r.peer_normal {
            let ratio = r.ours.rate / normal.rate;
            println!(
                "- SQLite, {} caller(s), above the peer's synchronous=NORMAL: {} ({ratio:.2}×)",
                r.callers,
                verdict(ratio > 1.0)
            );
        }
    }
    drop(cluster);
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "missed" }
}
