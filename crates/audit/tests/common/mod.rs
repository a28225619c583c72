//! Fixtures of the audit suite: a province recorded through the engine on a real SQLite file or a fresh
//! database of the throwaway PostgreSQL cluster, and ways to tamper with the stored log as someone with
//! write access to the database would.
#![allow(dead_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use govshare_audit::DecisionInputs;
use govshare_domain::catalog::{CatalogMetadata, ShareAttribute, ShareMode};
use govshare_domain::grant::{
    GrantCommand, GrantedEntry, IssueGrant, ProvisionFacts, RecordGrantUse,
};
use govshare_domain::share_application::{
    AgreeToShare, ApplicationScenario, DataHolder, ForwardToProvider, ProvideShare, RefusalBasis,
    RefusalBasisKind, RefuseToShare, RequestedEntry, ShareCommand, SubmitShareApplication,
};
use govshare_domain::verification::{
    FileVerificationRequest, ForwardVerificationRequest, VerificationCommand, VerificationSubject,
};
use govshare_domain::{DepartmentKind, DepartmentRef, Level, PersonId, Role};
use govshare_engine::{Command, CommandRequest, Engine, EngineConfig, ManualClock, Recorded};
use govshare_store::hash::{CommandInput, HashInput, format_timestamp};
use govshare_store::{EventStore, StoreConfig};
pub use govshare_testkit::province::{
    self, AUTHORITY, POPULATION, SOCIAL_SECURITY, categories, code, population_metadata, region,
    social_security_metadata, start,
};
use govshare_testkit::shared_cluster;
use uuid::Uuid;

/// The provided application: the case of the evidence bundle.
pub const APP: &str = "SA-2026-0001";
/// The refused application.
pub const REFUSED: &str = "SA-2026-0002";
pub const GRANT: &str = "GR-2026-0001";
pub const VERIFICATION: &str = "VR-2026-0001";

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

/// What the engine was configured with, for re-validation.
pub fn inputs() -> DecisionInputs {
    DecisionInputs::default().with_categories(categories())
}

pub fn config(store: String, clock: Arc<ManualClock>) -> EngineConfig {
    EngineConfig {
        store,
        ..EngineConfig::new("unused")
            .with_clock(clock)
            .with_categories(categories())
            .with_seed(7)
    }
}

pub async fn fresh_database() -> String {
    shared_cluster().fresh_database("audit").await.unwrap()
}

impl Fixture {
    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("govshare.db");
        let clock = Arc::new(ManualClock::new(start()));
        let engine = Engine::open(config(path.display().to_string(), clock.clone()))
            .await
            .unwrap();
        Self::seeded(engine, clock, Backend::Sqlite(dir)).await
    }

    pub async fn postgres() -> Self {
        let url = fresh_database().await;
        let clock = Arc::new(ManualClock::new(start()));
        let engine = Engine::open(config(url.clone(), clock.clone()))
            .await
            .unwrap();
        Self::seeded(engine, clock, Backend::Postgres(url)).await
    }

    pub fn store(&self) -> &dyn EventStore {
        self.engine.store().as_ref()
    }

    pub fn sqlite_path(&self) -> Option<std::path::PathBuf> {
        match &self.backend {
            Backend::Sqlite(dir) => Some(dir.path().join("govshare.db")),
            Backend::Postgres(_) => None,
        }
    }

    /// Runs `change` on the raw database with the engine (and its store) closed, as someone with write
    /// access to the file would, and reopens the engine. SQLite only.
    pub async fn tamper_sqlite(self, change: impl FnOnce(&rusqlite::Connection)) -> Fixture {
        let Fixture {
            engine,
            clock,
            backend,
            next,
        } = self;
        let path = match &backend {
            Backend::Sqlite(dir) => dir.path().join("govshare.db"),
            Backend::Postgres(_) => panic!("tamper_sqlite on PostgreSQL"),
        };
        drop(engine);
        {
            let conn = rusqlite::Connection::open(&path).unwrap();
            change(&conn);
        }
        let engine = Engine::open(config(path.display().to_string(), clock.clone()))
            .await
            .unwrap();
        Fixture {
            engine,
            clock,
            backend,
            next,
        }
    }

    /// Runs SQL statements on the PostgreSQL database directly.
    pub async fn postgres_sql(&self, statements: &[&str]) {
        use sqlx::Connection;
        let Backend::Postgres(url) = &self.backend else {
            panic!("postgres_sql on SQLite");
        };
        let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
        for statement in statements {
            sqlx::query(statement).execute(&mut conn).await.unwrap();
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
        Uuid::from_u128(0xA000_0000 + u128::from(self.next.fetch_add(1, Ordering::SeqCst)))
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

    pub async fn head(&self) -> u64 {
        self.store().head().await.unwrap().position
    }

    /// The province: 河北省 with its bodies and two published catalog entries.
    async fn seed(&self) {
        let (region, authority) = province::bootstrap();
        self.engine
            .bootstrap(self.id(), PersonId("王主任".into()), region, authority)
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
            (
                "130000-human-resources",
                "河北省人力资源和社会保障厅",
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

    /// Two applications for the population entry, interleaved: `APP` provided, granted, used and
    /// questioned by a verification request; `REFUSED` refused by the provider.
    pub async fn cases(&self) {
        let authority = "130000-data-authority";
        let health = "130000-health";
        let security = "130000-public-security";
        self.run(health, Role::Clerk, submit(APP)).await;
        self.clock.advance(Duration::hours(1));
        self.run(health, Role::Clerk, submit(REFUSED)).await;
        self.clock.advance(Duration::hours(1));
        self.run(authority, Role::Reviewer, share(APP, forward()))
            .await;
        self.run(authority, Role::Reviewer, share(REFUSED, forward()))
            .await;
        self.clock.advance(Duration::days(1));
        self.run(security, Role::Leader, share(APP, agree())).await;
        self.run(security, Role::Leader, share(REFUSED, refuse()))
            .await;
        self.clock.advance(Duration::hours(3));
        self.run(
            authority,
            Role::Reviewer,
            share(
                APP,
                ShareCommand::ProvideShare(ProvideShare {
                    grant_id: GRANT.into(),
                }),
            ),
        )
        .await;
        self.clock.advance(Duration::hours(1));
        self.run(authority, Role::Reviewer, issue_grant()).await;
        self.clock.advance(Duration::days(1));
        self.run(
            health,
            Role::Clerk,
            Command::Grant {
                id: GRANT.into(),
                command: GrantCommand::RecordGrantUse(RecordGrantUse {
                    use_id: "USE-0001".into(),
                    data_items: vec!["公民身份号码".into()],
                    record_count: 12,
                    end_user: "医疗救助窗口-张三".into(),
                    purpose_code: "SC-130000-WJ-2026-001".into(),
                    used_at: self.clock_now(),
                }),
            },
        )
        .await;
        self.clock.advance(Duration::hours(2));
        self.run(
            health,
            Role::Clerk,
            Command::Verification {
                id: VERIFICATION.into(),
                command: VerificationCommand::FileVerificationRequest(FileVerificationRequest {
                    subject: VerificationSubject::Grant {
                        grant_id: GRANT.into(),
                        entry_id: POPULATION.into(),
                    },
                    provider: dept("130000-public-security"),
                    authority: placeholder(),
                    data_items: vec!["姓名".into()],
                    defect: "12条记录姓名与户籍登记不一致".into(),
                }),
            },
        )
        .await;
        self.clock.advance(Duration::hours(1));
        self.run(
            authority,
            Role::Reviewer,
            Command::Verification {
                id: VERIFICATION.into(),
                command: VerificationCommand::ForwardVerificationRequest(
                    ForwardVerificationRequest {},
                ),
            },
        )
        .await;
        self.clock.advance(Duration::hours(1));
    }

    pub fn clock_now(&self) -> DateTime<Utc> {
        use govshare_engine::Clock;
        self.clock.now()
    }
}

/// A department reference the engine resolves from the registry.
pub fn dept(c: &str) -> DepartmentRef {
    DepartmentRef {
        code: code(c),
        name: String::new(),
        kind: DepartmentKind::Department,
        region: region("130000"),
        level: Level::Province,
        principal: None,
    }
}

/// What a caller puts in a field the engine resolves: it is replaced.
pub fn placeholder() -> DepartmentRef {
    dept("130000-data-authority")
}

/// An entry as a caller names it; the engine resolves its facts.
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

pub fn scenario() -> ApplicationScenario {
    ApplicationScenario {
        purpose: "医疗救助对象身份核验".into(),
        purpose_code: "SC-130000-WJ-2026-001".into(),
        legal_basis: "《社会救助暂行办法》第二十八条".into(),
        business_system: "河北省医疗救助管理系统".into(),
        data_items: vec!["公民身份号码".into(), "姓名".into()],
        use_from: NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
        use_until: NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
        expected_frequency: "每日约2000次".into(),
    }
}

pub fn share(id: &str, command: ShareCommand) -> Command {
    Command::ShareApplication {
        id: id.into(),
        command,
    }
}

pub fn submit(id: &str) -> Command {
    share(
        id,
        ShareCommand::SubmitShareApplication(SubmitShareApplication {
            application_id: id.into(),
            entries: vec![asked(POPULATION)],
            scenario: scenario(),
            materials: vec!["共享需求说明.pdf".into()],
            route: vec![],
        }),
    )
}

pub fn forward() -> ShareCommand {
    ShareCommand::ForwardToProvider(ForwardToProvider {
        review_opinion: "应用场景明确，依据充分，转提供部门".into(),
    })
}

pub fn agree() -> ShareCommand {
    ShareCommand::AgreeToShare(AgreeToShare {
        conditions: Some("仅限身份核验，不得留存".into()),
    })
}

pub fn refuse() -> ShareCommand {
    ShareCommand::RefuseToShare(RefuseToShare {
        reasons: "涉及个人隐私，申请用途超出法定职责".into(),
        basis: RefusalBasis {
            kind: RefusalBasisKind::Law,
            instrument: "《中华人民共和国个人信息保护法》".into(),
            provision: "第三十四条".into(),
        },
    })
}

pub fn issue_grant() -> Command {
    let nothing = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap();
    Command::Grant {
        id: GRANT.into(),
        command: GrantCommand::IssueGrant(IssueGrant {
            // Replaced by the engine with the recorded provision.
            provision: ProvisionFacts {
                application_id: APP.into(),
                grant_id: GRANT.into(),
                requester: code("130000-health"),
                provided_by: code("130000-data-authority"),
                entries: vec![],
                data_items: vec![],
                purpose: String::new(),
                purpose_code: String::new(),
                use_from: nothing,
                use_until: nothing,
                conditions: None,
                provided_at: start(),
            },
            grantee: placeholder(),
            authority: placeholder(),
            entries: vec![GrantedEntry {
                entry_id: POPULATION.into(),
                provider: code("130000-public-security"),
                data_items: vec!["公民身份号码".into(), "姓名".into()],
            }],
            purpose: "医疗救助对象身份核验".into(),
            purpose_code: "SC-130000-WJ-2026-001".into(),
            valid_from: NaiveDate::from_ymd_opt(2026, 3, 3).unwrap(),
            valid_until: NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
            access_mode: ShareMode::Interface,
            conditions: Some("仅限身份核验，不得留存".into()),
        }),
    }
}

/// Position of the first event of `event_type` in stream `aggregate_type/id`.
pub async fn position_of(
    store: &dyn EventStore,
    aggregate_type: &str,
    id: &str,
    event_type: &str,
) -> u64 {
    store
        .read_stream(
            &govshare_store::StreamId::new(aggregate_type, id),
            govshare_store::StreamRead::all(),
        )
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.event_type == event_type)
        .unwrap_or_else(|| panic!("no {event_type} in {aggregate_type}/{id}"))
        .position
}

/// Default store configuration (for reopening).
pub fn store_config() -> StoreConfig {
    StoreConfig::default()
}

/// The chain hash of a row about to be inserted by hand, as someone recomputing the chain would.
#[allow(clippy::too_many_arguments)]
pub fn forged_hash(
    prev: &[u8; 32],
    position: u64,
    aggregate_type: &str,
    aggregate_id: &str,
    sequence: u64,
    event_type: &str,
    payload: &str,
    event_id: Uuid,
    command_id: Uuid,
    actor: (&str, &str, &str),
    rule_set: Option<(&str, &str)>,
    recorded_at: &DateTime<Utc>,
    command_digest: Option<&[u8; 32]>,
) -> [u8; 32] {
    let recorded_at = format_timestamp(recorded_at);
    HashInput {
        position,
        aggregate_type,
        aggregate_id,
        sequence,
        event_type,
        schema_version: 1,
        payload,
        event_id: event_id.as_bytes(),
        command_id: command_id.as_bytes(),
        correlation_id: command_id.as_bytes(),
        causation_id: None,
        department: actor.0,
        person: actor.1,
        role: actor.2,
        rule_set,
        recorded_at: &recorded_at,
        command_digest,
    }
    .chain_hash(prev)
}

/// The digest of a forged command record.
pub fn forged_command_digest(
    command_id: Uuid,
    command_type: &str,
    payload: &str,
    issued_at: &DateTime<Utc>,
) -> [u8; 32] {
    let issued_at = format_timestamp(issued_at);
    CommandInput {
        command_type,
        schema_version: 1,
        payload,
        issued_at: &issued_at,
        command_id: command_id.as_bytes(),
    }
    .digest()
}

/// Appends, straight through the store (so the chain and the command record are consistent), a
/// `ShareProvided` for the refused application with a made-up `ProvideShare` command: what someone with
/// write access to the database and the store library could do. Returns its position.
pub async fn inject_provision_of_refused(f: &Fixture) -> u64 {
    use govshare_store::{
        AppendRequest, EventMetadata, ExpectedVersion, NewEvent, StreamId, StreamRead,
    };
    let store = f.store();
    let provided = store
        .read_stream(&StreamId::new("ShareApplication", APP), StreamRead::all())
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.event_type == "ShareProvided")
        .unwrap();
    let mut payload = provided.payload.to_value().unwrap();
    payload["application_id"] = REFUSED.into();
    payload["grant_id"] = "GR-FORGED".into();
    let mut command = store
        .read_command(provided.metadata.command_id)
        .await
        .unwrap()
        .unwrap()
        .command
        .unwrap();
    command.payload["body"]["ProvideShare"]["grant_id"] = "GR-FORGED".into();
    let now = f.clock_now();
    command.issued_at = now;
    let stream = StreamId::new("ShareApplication", REFUSED);
    let version = store
        .read_stream(&stream, StreamRead::all())
        .await
        .unwrap()
        .len() as u64;
    let command_id = Uuid::from_u128(0xF0F0_0001);
    let outcome = store
        .append(AppendRequest {
            stream,
            expected_version: ExpectedVersion::Exact(version),
            command_id,
            recorded_at: now,
            command: Some(command),
            events: vec![NewEvent {
                event_type: "ShareProvided".into(),
                schema_version: 1,
                payload,
                metadata: EventMetadata {
                    event_id: Uuid::from_u128(0xF0F0_1001),
                    command_id,
                    correlation_id: command_id,
                    causation_id: None,
                    actor: provided.metadata.actor.clone(),
                    rule_set: provided.metadata.rule_set.clone(),
                },
            }],
        })
        .await
        .unwrap();
    outcome.first_position
}

/// Changes one byte of the stored payload at `position` (an ASCII letter of a key, flipped to another),
/// with the append-only guard removed as someone with write access could.
pub async fn flip_payload_byte(f: Fixture, position: u64) -> Fixture {
    fn flipped(payload: &str) -> String {
        let mut bytes = payload.as_bytes().to_vec();
        let i = bytes.iter().position(|b| b.is_ascii_lowercase()).unwrap();
        bytes[i] ^= 0x01;
        String::from_utf8(bytes).unwrap()
    }
    match &f.backend {
        Backend::Sqlite(_) => {
            f.tamper_sqlite(|conn| {
                let payload: String = conn
                    .query_row(
                        "SELECT payload FROM govshare_events WHERE position = ?1",
                        [position as i64],
                        |r| r.get(0),
                    )
                    .unwrap();
                conn.execute_batch("DROP TRIGGER govshare_events_no_update")
                    .unwrap();
                conn.execute(
                    "UPDATE govshare_events SET payload = ?1 WHERE position = ?2",
                    rusqlite::params![flipped(&payload), position as i64],
                )
                .unwrap();
            })
            .await
        }
        Backend::Postgres(url) => {
            use sqlx::{Connection, Row};
            let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
            let row = sqlx::query("SELECT payload FROM govshare_events WHERE position = $1")
                .bind(position as i64)
                .fetch_one(&mut conn)
                .await
                .unwrap();
            let payload: String = row.get(0);
            sqlx::query("ALTER TABLE govshare_events DISABLE TRIGGER USER")
                .execute(&mut conn)
                .await
                .unwrap();
            sqlx::query("UPDATE govshare_events SET payload = $1 WHERE position = $2")
                .bind(flipped(&payload))
                .bind(position as i64)
                .execute(&mut conn)
                .await
                .unwrap();
            f
        }
    }
}

/// A 32-byte hash from its hex text, if it is one.
pub fn hex_hash(text: &str) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(text, &mut out).ok()?;
    Some(out)
}

/// Recomputes every event's hash after an edit, as someone forging a bundle would.
pub fn recompute_hashes(bundle: &mut govshare_audit::EvidenceBundle) {
    let Some(mut prev) = hex_hash(&bundle.chain.prev_hash) else {
        return;
    };
    for e in &mut bundle.events {
        let digest = e.command_digest.as_deref().and_then(hex_hash);
        let causation = e.causation_id.map(|c| *c.as_bytes());
        let hash = HashInput {
            position: e.position,
            aggregate_type: &e.aggregate_type,
            aggregate_id: &e.aggregate_id,
            sequence: e.sequence,
            event_type: &e.event_type,
            schema_version: e.schema_version,
            payload: &e.payload,
            event_id: e.event_id.as_bytes(),
            command_id: e.command_id.as_bytes(),
            correlation_id: e.correlation_id.as_bytes(),
            causation_id: causation.as_ref().map(|c| &c[..]),
            department: &e.actor_department,
            person: &e.actor_person,
            role: &e.actor_role,
            rule_set: e
                .rule_set
                .as_ref()
                .map(|r| (r.id.as_str(), r.version.as_str())),
            recorded_at: &e.recorded_at,
            command_digest: digest.as_ref(),
        }
        .chain_hash(&prev);
        e.hash = hex::encode(hash);
        prev = hash;
    }
}
