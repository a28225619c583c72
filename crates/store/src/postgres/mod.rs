//! PostgreSQL backend: several processes may append to one database at once.
//!
//! Each process runs one writer task that commits all waiting appends in one transaction (group
//! commit). The transaction first locks the single `govshare_head` row, which serialises writers
//! of all processes: positions are allocated, rows inserted and the head advanced while the lock
//! is held, so commit order equals position order and a rolled-back append leaves no gap.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Arc;

use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::{Connection, Executor, PgConnection, PgPool, Row};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use crate::commands::{EventKey, StoredBody, StoredCommand};
use crate::decode::{decode_hash, decode_rule_set, decode_u32, decode_u64};
use crate::error::{Result, StoreError};
use crate::plan::{
    Keys, KnownCommand, Lookups, Plan, PreparedAppend, StoreConfig, keys, plan_batch, prepare,
};
use crate::store::{EventStore, RawEvent, RawLog, read_command, verify_chain};
use crate::types::{
    AppendOutcome, AppendRequest, Checkpoint, Position, RecordedCommand, RecordedEvent, Snapshot,
    StreamId, StreamRead, VerifyReport,
};

/// Schema migrations, applied in order and recorded in `govshare_schema`.
const MIGRATIONS: &[&str] = &[
    include_str!("0001_init.sql"),
    include_str!("0002_commands.sql"),
];

/// Advisory lock key taken while migrating ("govshare" in ASCII).
const MIGRATION_LOCK: i64 = 0x676f_7673_6861_7265;

const EVENT_COLUMNS: &str = "position, aggregate_type, aggregate_id, sequence, event_type, \
     schema_version, payload, event_id, command_id, correlation_id, causation_id, \
     actor_department, actor_person, actor_role, rule_set_id, rule_set_version, recorded_at_ns, hash";

/// The recorded head and the largest stored position, from one statement's snapshot.
const HEAD_AND_LAST_SQL: &str = "SELECT h.position, h.hash, (SELECT max(position) FROM govshare_events) \
     FROM govshare_head h WHERE h.id = 1";

/// The PostgreSQL event store. Cheap to clone; all clones share one writer task.
#[derive(Clone, Debug)]
pub struct PostgresStore {
    inner: Arc<Inner>,
}

type Job = (PreparedAppend, oneshot::Sender<Result<AppendOutcome>>);

#[derive(Debug)]
struct Inner {
    pool: PgPool,
    config: StoreConfig,
    sender: mpsc::UnboundedSender<Job>,
}

/// How long a read waits for a connection: while the database is down, a read fails after this (and the server
/// answers "not ready" or a retryable 503) instead of waiting out sqlx's default of 30 seconds.
const ACQUIRE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

impl PostgresStore {
    /// Connects to the database at `url` (e.g. `postgres://user@host:5432/db`), creating or
    /// migrating the schema. Must be called within a tokio runtime, which runs the writer task.
    pub async fn connect(url: &str, config: StoreConfig) -> Result<Self> {
        let base = PgConnectOptions::from_str(url)?;
        // A generic plan cached while a table was small keeps scanning it sequentially after it
        // has grown. Readers plan each statement afresh; the writer, whose statements all have
        // an index to use, keeps its cached plans and is kept off sequential scans instead.
        let read_options = base
            .clone()
            .options([("plan_cache_mode", "force_custom_plan")]);
        let write_options = base.options([("enable_seqscan", "off")]);
        let mut conn = PgConnection::connect_with(&write_options).await?;
        migrate(&mut conn).await?;
        let pool = PgPoolOptions::new()
            .max_connections(config.read_connections.max(1))
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(read_options)
            .await?;
        let (sender, receiver) = mpsc::unbounded_channel();
        tokio::spawn(writer_loop(
            write_options,
            Some(conn),
            receiver,
            config.max_batch.max(1),
        ));
        Ok(Self {
            inner: Arc::new(Inner {
                pool,
                config,
                sender,
            }),
        })
    }

    /// The read pool, for tooling that needs direct SQL access.
    #[doc(hidden)]
    pub fn pool(&self) -> &PgPool {
        &self.inner.pool
    }
}

async fn migrate(conn: &mut PgConnection) -> Result<()> {
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(MIGRATION_LOCK)
        .execute(&mut *conn)
        .await?;
    let result = migrate_locked(conn).await;
    let unlock = sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(MIGRATION_LOCK)
        .execute(&mut *conn)
        .await;
    result?;
    unlock?;
    Ok(())
}

async fn migrate_locked(conn: &mut PgConnection) -> Result<()> {
    let (has_schema, has_events): (bool, bool) = sqlx::query_as(
        "SELECT to_regclass('govshare_schema') IS NOT NULL, to_regclass('govshare_events') IS NOT NULL",
    )
    .fetch_one(&mut *conn)
    .await?;
    if has_events && !has_schema {
        return Err(StoreError::NotAGovshareStore(
            "database has a govshare_events table but no govshare_schema".into(),
        ));
    }
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS govshare_schema (\
         version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
    )
    .execute(&mut *conn)
    .await?;
    let applied: i32 = sqlx::query_scalar("SELECT coalesce(max(version), 0) FROM govshare_schema")
        .fetch_one(&mut *conn)
        .await?;
    if applied as usize > MIGRATIONS.len() {
        return Err(StoreError::NotAGovshareStore(format!(
            "database schema version {applied} is newer than this version supports"
        )));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(applied.max(0) as usize) {
        let mut tx = conn.begin().await?;
        sqlx::raw_sql(sql).execute(&mut *tx).await?;
        sqlx::query("INSERT INTO govshare_schema (version) VALUES ($1)")
            .bind((i + 1) as i32)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
    }
    Ok(())
}

async fn writer_loop(
    options: PgConnectOptions,
    mut conn: Option<PgConnection>,
    mut receiver: mpsc::UnboundedReceiver<Job>,
    max_batch: usize,
) {
    let mut cache = Cache::default();
    // Head row locked by the previous batch's commit message, when more work was waiting.
    let mut locked: Option<Checkpoint> = None;
    while let Some(first) = receiver.recv().await {
        let mut batch = vec![first];
        while batch.len() < max_batch {
            match receiver.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let (jobs, replies): (Vec<_>, Vec<_>) = batch.into_iter().unzip();
        let chain = !receiver.is_empty();
        let mut result = match conn.as_mut() {
            Some(c) => commit_batch(c, &mut cache, &jobs, &mut locked, chain).await,
            None => match PgConnection::connect_with(&options).await {
                Ok(c) => commit_batch(conn.insert(c), &mut cache, &jobs, &mut locked, chain).await,
                Err(e) => Err(StoreError::Postgres(e)),
            },
        };
        // A connection lost since the last group (the server restarted, a proxy cut it) is replaced once
        // and the group redone from fresh lookups: an append the lost connection may have committed is
        // then recognised by its command id, so none is written twice.
        if result.as_ref().is_err_and(is_connection_lost) && conn.is_some() {
            tracing::info!("postgres connection lost; reconnecting and redoing the group commit");
            cache = Cache::default();
            locked = None;
            result = match PgConnection::connect_with(&options).await {
                Ok(c) => commit_batch(conn.insert(c), &mut cache, &jobs, &mut locked, chain).await,
                Err(e) => Err(StoreError::Postgres(e)),
            };
        }
        match result {
            Ok(plan) => {
                for (reply, result) in replies.into_iter().zip(plan.results) {
                    let _ = reply.send(result);
                }
            }
            Err(err) => {
                tracing::warn!(error = %err, "postgres group commit failed; nothing of it was written");
                // The connection may be broken or mid-transaction: start afresh next time.
                conn = None;
                cache = Cache::default();
                locked = None;
                for reply in replies {
                    let _ = reply.send(Err(err.for_failed_group()));
                }
            }
        }
    }
}

/// What this writer knows about the database as of its own last commit. While the head is still
/// where that commit left it, no other process has written anything, so the stream versions
/// remembered here are current and the lookup round trip can be skipped.
#[derive(Debug, Default)]
struct Cache {
    head: Option<Checkpoint>,
    versions: HashMap<StreamId, u64>,
    /// Another process appended recently: batches take the head lock first (and chain into one
    /// another) instead of trying the guarded statement, which would mostly find the head moved.
    contended: bool,
}

/// Streams remembered at most; the cache starts over beyond that.
const CACHE_STREAMS: usize = 100_000;

impl Cache {
    /// Lookups answered from memory, valid if the head is still `self.head` and every stream is
    /// known. Command ids and event ids are assumed new: a repeated one makes the insert violate
    /// a unique constraint, and the batch is then redone with real lookups.
    fn lookups(&self, keys: &Keys) -> Option<(Checkpoint, Lookups)> {
        let head = self.head?;
        let mut lookups = Lookups::default();
        for stream in &keys.streams {
            let version = *self.versions.get(stream)?;
            if version > 0 {
                lookups.versions.insert(stream.clone(), version);
            }
        }
        Some((head, lookups))
    }

    /// Takes note of the current head, read from the database: if another process moved it,
    /// the remembered stream versions may be stale and are forgotten.
    fn observe(&mut self, head: &Checkpoint) -> bool {
        let moved = self.head.as_ref() != Some(head);
        if moved {
            self.versions.clear();
            self.head = Some(*head);
        }
        moved
    }

    fn remember(&mut self, keys: &Keys, lookups: &Lookups, plan: &Plan, jobs: &[PreparedAppend]) {
        if self.versions.len() > CACHE_STREAMS {
            self.versions.clear();
        }
        for stream in &keys.streams {
            let version = lookups.versions.get(stream).copied().unwrap_or(0);
            self.versions.insert(stream.clone(), version);
        }
        for acc in &plan.accepted {
            if let Some(job) = jobs.get(acc.index) {
                self.versions
                    .insert(job.stream.clone(), acc.outcome.stream_version);
            }
        }
        self.head = Some(plan.head);
    }

    fn forget(&mut self) {
        self.head = None;
        self.versions.clear();
    }
}

/// Whether the connection itself failed (rather than a statement on a working connection): I/O,
/// protocol or TLS errors, and the server's connection-exception and shutdown codes.
fn is_connection_lost(err: &StoreError) -> bool {
    match err {
        StoreError::Postgres(
            sqlx::Error::Io(_) | sqlx::Error::Protocol(_) | sqlx::Error::Tls(_),
        ) => true,
        StoreError::Postgres(sqlx::Error::Database(db)) => db
            .code()
            .is_some_and(|code| code.starts_with("08") || code.starts_with("57P")),
        _ => false,
    }
}

fn is_unique_violation(err: &StoreError) -> bool {
    matches!(err, StoreError::Postgres(sqlx::Error::Database(db)) if db.code().as_deref() == Some("23505"))
}

/// One group commit.
///
/// Normally one round trip: the batch is planned against the head this writer last wrote (and
/// the stream versions it remembers) and written by one statement that advances the head only if
/// it is still that head (autocommit, so the statement is its own transaction). A lookup round
/// trip comes first when the cache cannot answer (a stream new to this writer) or when the cached
/// answer refuses an append (which might be a retry that only the lookup recognises); the lookup
/// reads the head too, and the statement is then guarded by that head.
///
/// When the guard fails, another process has appended: the batch is redone under the head lock
/// ([`locked_commit`]), and so are the following batches while other processes keep appending.
#[tracing::instrument(level = "debug", skip_all, fields(appends = jobs.len()), err)]
async fn commit_batch(
    conn: &mut PgConnection,
    cache: &mut Cache,
    jobs: &[PreparedAppend],
    locked: &mut Option<Checkpoint>,
    chain: bool,
) -> Result<Plan> {
    let keys = keys(jobs);
    if locked.is_none() && !cache.contended {
        if let Some(plan) = guarded_commit(conn, cache, jobs, &keys).await? {
            return Ok(plan);
        }
        tracing::debug!("the head moved: redoing the batch under the head lock");
    }
    locked_commit(conn, cache, jobs, &keys, locked, chain).await
}

/// The batch in one statement guarded by the expected head, without a lock. `None` when the head
/// was not the expected one (nothing was written).
async fn guarded_commit(
    conn: &mut PgConnection,
    cache: &mut Cache,
    jobs: &[PreparedAppend],
    keys: &Keys,
) -> Result<Option<Plan>> {
    if let Some((head, cached)) = cache.lookups(keys) {
        let plan = plan_batch(head, jobs, &cached);
        if plan.results.iter().all(|r| r.is_ok()) {
            match insert(conn, jobs, &plan, &head).await {
                Ok(true) => {
                    cache.remember(keys, &cached, &plan, jobs);
                    return Ok(Some(plan));
                }
                Ok(false) => {
                    cache.contended = true;
                    cache.forget();
                    return Ok(None);
                }
                // A repeated command or event id: a retry, which the lookup below recognises.
                Err(e) if is_unique_violation(&e) => cache.forget(),
                Err(e) => return Err(e),
            }
        }
    }
    let (head, lookups) = lookup(conn, keys).await?;
    let Some(head) = head else {
        return Err(StoreError::NotAGovshareStore(
            "govshare_head has no row".into(),
        ));
    };
    cache.observe(&head);
    let plan = plan_batch(head, jobs, &lookups);
    if plan.accepted.is_empty() {
        // Every answer comes from one consistent read: nothing to write.
        cache.remember(keys, &lookups, &plan, jobs);
        return Ok(Some(plan));
    }
    match insert(conn, jobs, &plan, &head).await {
        Ok(true) => {
            cache.remember(keys, &lookups, &plan, jobs);
            Ok(Some(plan))
        }
        Ok(false) => {
            cache.contended = true;
            cache.forget();
            Ok(None)
        }
        Err(e) if is_unique_violation(&e) => {
            cache.contended = true;
            cache.forget();
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// The batch under the head lock: begin and lock the head, insert everything, commit; and only
/// two round trips under load, when the commit message also begins the next transaction and
/// locks the head for the batch already waiting (`chain`; the lock is handed over in `locked`).
/// A lookup of command ids, stream versions and event ids is added when the cache cannot answer
/// (another process wrote, a stream is new to this writer) or when the cached answer refuses an
/// append.
async fn locked_commit(
    conn: &mut PgConnection,
    cache: &mut Cache,
    jobs: &[PreparedAppend],
    keys: &Keys,
    locked: &mut Option<Checkpoint>,
    chain: bool,
) -> Result<Plan> {
    for attempt in 0..2 {
        let head = match locked.take() {
            Some(head) => head,
            None => lock_head(conn).await?,
        };
        // Unmoved since this writer's last commit: nobody else is appending, so the next batch
        // may go back to the guarded statement and this one need not chain.
        cache.contended = cache.observe(&head);
        let chain = chain && cache.contended;
        if attempt == 0
            && let Some((_, cached)) = cache.lookups(keys)
        {
            let plan = plan_batch(head, jobs, &cached);
            if plan.results.iter().all(|r| r.is_ok()) {
                match insert(conn, jobs, &plan, &head).await {
                    Ok(true) => {
                        *locked = finish(conn, chain).await?;
                        cache.remember(keys, &cached, &plan, jobs);
                        return Ok(plan);
                    }
                    Ok(false) => return Err(head_moved_under_lock()),
                    Err(e) if is_unique_violation(&e) => {
                        conn.execute("ROLLBACK").await?;
                        cache.forget();
                        continue;
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        let (_, lookups) = lookup(conn, keys).await?;
        let plan = plan_batch(head, jobs, &lookups);
        if plan.accepted.is_empty() {
            conn.execute("ROLLBACK").await?;
        } else {
            if !insert(conn, jobs, &plan, &head).await? {
                return Err(head_moved_under_lock());
            }
            *locked = finish(conn, chain).await?;
        }
        cache.remember(keys, &lookups, &plan, jobs);
        return Ok(plan);
    }
    Err(StoreError::Backend(
        "group commit did not converge after a unique-constraint retry".into(),
    ))
}

fn head_moved_under_lock() -> StoreError {
    StoreError::Backend("govshare_head changed while this writer held its lock".into())
}

/// Commits; with `chain`, the same message begins the next transaction and locks the head,
/// which is returned.
async fn finish(conn: &mut PgConnection, chain: bool) -> Result<Option<Checkpoint>> {
    if !chain {
        conn.execute("COMMIT").await?;
        return Ok(None);
    }
    let rows = conn
        .fetch_all(
            "COMMIT; BEGIN; SELECT position, hash FROM govshare_head WHERE id = 1 FOR UPDATE",
        )
        .await?;
    head_from_rows(&rows).map(Some)
}

fn head_from_rows(rows: &[PgRow]) -> Result<Checkpoint> {
    let row = rows
        .first()
        .ok_or_else(|| StoreError::NotAGovshareStore("govshare_head has no row".into()))?;
    let position = decode_u64(row.try_get(0)?, 0, "head position")?;
    let hash: Vec<u8> = row.try_get(1)?;
    Ok(Checkpoint {
        position,
        hash: decode_hash(&hash, position)?,
    })
}

/// Begins a transaction and locks the head row. Simple-query protocol: both statements travel
/// in one message. Later statements take their snapshots after the lock is granted.
async fn lock_head(conn: &mut PgConnection) -> Result<Checkpoint> {
    let rows = conn
        .fetch_all("BEGIN; SELECT position, hash FROM govshare_head WHERE id = 1 FOR UPDATE")
        .await?;
    head_from_rows(&rows)
}

/// The lookups of a batch's keys, and the head, from one statement's snapshot.
async fn lookup(conn: &mut PgConnection, keys: &Keys) -> Result<(Option<Checkpoint>, Lookups)> {
    let types: Vec<&str> = keys
        .streams
        .iter()
        .map(|s| s.aggregate_type.as_str())
        .collect();
    let ids: Vec<&str> = keys
        .streams
        .iter()
        .map(|s| s.aggregate_id.as_str())
        .collect();
    let rows = sqlx::query(LOOKUP_SQL)
        .bind(&keys.command_ids)
        .bind(&types)
        .bind(&ids)
        .bind(&keys.event_ids)
        .fetch_all(&mut *conn)
        .await?;
    let mut lookups = Lookups::default();
    let mut head = None;
    let mut records = Vec::new();
    let mut around: HashMap<Uuid, Vec<EventKey>> = HashMap::new();
    for row in rows {
        match row.try_get::<i32, _>(0)? {
            0 => records.push(StoredCommand {
                command_id: row.try_get(1)?,
                stream: StreamId::new(row.try_get::<String, _>(3)?, row.try_get::<String, _>(4)?),
                first_position: decode_u64(row.try_get(5)?, 0, "first_position")?,
                last_position: decode_u64(row.try_get(6)?, 0, "last_position")?,
                stream_version: decode_u64(row.try_get(7)?, 0, "stream_version")?,
                body: None,
            }),
            1 => {
                if let Some(v) = row.try_get::<Option<i64>, _>(7)? {
                    lookups.versions.insert(
                        StreamId::new(row.try_get::<String, _>(3)?, row.try_get::<String, _>(4)?),
                        decode_u64(v, 0, "sequence")?,
                    );
                }
            }
            2 => {
                lookups.event_ids.insert(row.try_get(1)?);
            }
            4 => {
                let position = decode_u64(row.try_get(5)?, 0, "head position")?;
                let hash: Vec<u8> = row.try_get(8)?;
                head = Some(Checkpoint {
                    position,
                    hash: decode_hash(&hash, position)?,
                });
            }
            _ => {
                let position = decode_u64(row.try_get(5)?, 0, "position")?;
                around.entry(row.try_get(1)?).or_default().push(EventKey {
                    position,
                    stream: StreamId::new(
                        row.try_get::<String, _>(3)?,
                        row.try_get::<String, _>(4)?,
                    ),
                    sequence: decode_u64(row.try_get(6)?, position, "sequence")?,
                    command_id: row.try_get(2)?,
                });
            }
        }
    }
    for record in records {
        let mut events = around.remove(&record.command_id).unwrap_or_default();
        events.sort_by_key(|e| e.position);
        let verdict = record
            .check_against(events.into_iter().map(Ok))?
            .map(|()| KnownCommand {
                first_position: record.first_position,
                last_position: record.last_position,
                stream_version: record.stream_version,
            });
        lookups.commands.insert(record.command_id, verdict);
    }
    Ok((head, lookups))
}

/// Lookups of a batch's keys in one round trip: kind 0 = known command, 1 = stream version,
/// 2 = recorded event id, 3 = an event in or next to the range of a known command (`id` is the
/// command, `id2` the event's command id), against which the command's record is checked, and
/// 4 = the head (`a`, `h`). One statement, so all of it is one consistent snapshot.
const LOOKUP_SQL: &str = "\
SELECT 0 AS kind, c.command_id AS id, NULL::uuid AS id2, c.aggregate_type AS t, \
       c.aggregate_id AS i, c.first_position AS a, c.last_position AS b, c.stream_version AS v, \
       NULL::bytea AS h \
  FROM govshare_commands c WHERE c.command_id = ANY($1) \
UNION ALL \
SELECT 1, NULL, NULL, s.t, s.i, NULL, NULL, \
       (SELECT max(e.sequence) FROM govshare_events e \
         WHERE e.aggregate_type = s.t AND e.aggregate_id = s.i), NULL \
  FROM UNNEST($2::text[], $3::text[]) AS s(t, i) \
UNION ALL \
SELECT 2, e.event_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL \
  FROM govshare_events e WHERE e.event_id = ANY($4) \
UNION ALL \
SELECT 3, c.command_id, e.command_id, e.aggregate_type, e.aggregate_id, e.position, e.sequence, \
       NULL, NULL \
  FROM govshare_commands c JOIN govshare_events e \
    ON e.position BETWEEN c.first_position - 1 AND c.last_position + 1 \
 WHERE c.command_id = ANY($1) AND c.first_position <= c.last_position \
UNION ALL \
SELECT 4, NULL, NULL, NULL, NULL, h.position, NULL, NULL, h.hash \
  FROM govshare_head h WHERE h.id = 1";

/// Inserts events and command records and advances the head, in one statement, if the head is
/// still the expected one ($29, $30): the update of the head row comes first (waiting for its
/// lock, if another transaction holds it, and then reading the row that transaction left) and
/// the inserts only happen if it found the expected head. Returns one row: whether it did.
fn insert_sql() -> String {
    format!(
        "WITH head AS (UPDATE govshare_head SET position = $31, hash = $32 \
         WHERE id = 1 AND position = $29 AND hash = $30 RETURNING id), \
         ev AS (INSERT INTO govshare_events ({EVENT_COLUMNS}) SELECT * FROM UNNEST(\
         $1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::bigint[], $7::text[], \
         $8::uuid[], $9::uuid[], $10::uuid[], $11::uuid[], $12::text[], $13::text[], $14::text[], \
         $15::text[], $16::text[], $17::bigint[], $18::bytea[]) WHERE EXISTS (SELECT 1 FROM head)), \
         cmd AS (INSERT INTO govshare_commands ({COMMAND_COLUMNS}) SELECT * FROM UNNEST(\
         $19::uuid[], $20::text[], $21::text[], $22::bigint[], $23::bigint[], $24::bigint[], \
         $25::text[], $26::bigint[], $27::text[], $28::bigint[]) WHERE EXISTS (SELECT 1 FROM head)) \
         SELECT count(*) FROM head"
    )
}

/// Inserts the accepted appends and the command records and advances the head, if the head is
/// still `expected`; returns whether it was (if not, nothing was written).
async fn insert(
    conn: &mut PgConnection,
    jobs: &[PreparedAppend],
    plan: &Plan,
    expected: &Checkpoint,
) -> Result<bool> {
    let n: usize = plan
        .accepted
        .iter()
        .map(|a| jobs.get(a.index).map_or(0, |j| j.events.len()))
        .sum();
    let mut c = EventColumns::with_capacity(n);
    let mut cmd_ids = Vec::with_capacity(plan.accepted.len());
    let mut cmd_types = Vec::with_capacity(plan.accepted.len());
    let mut cmd_aggs = Vec::with_capacity(plan.accepted.len());
    let mut cmd_first = Vec::with_capacity(plan.accepted.len());
    let mut cmd_last = Vec::with_capacity(plan.accepted.len());
    let mut cmd_version = Vec::with_capacity(plan.accepted.len());
    let mut cmd_type: Vec<Option<&str>> = Vec::with_capacity(plan.accepted.len());
    let mut cmd_schema: Vec<Option<i64>> = Vec::with_capacity(plan.accepted.len());
    let mut cmd_payload: Vec<Option<&str>> = Vec::with_capacity(plan.accepted.len());
    let mut cmd_issued: Vec<Option<i64>> = Vec::with_capacity(plan.accepted.len());
    for acc in &plan.accepted {
        let Some(job) = jobs.get(acc.index) else {
            continue;
        };
        for (i, (event, hash)) in job.events.iter().zip(&acc.hashes).enumerate() {
            let m = &event.metadata;
            c.position.push((acc.first_position + i as u64) as i64);
            c.aggregate_type.push(job.stream.aggregate_type.as_str());
            c.aggregate_id.push(job.stream.aggregate_id.as_str());
            c.sequence.push((acc.first_sequence + i as u64) as i64);
            c.event_type.push(event.event_type.as_str());
            c.schema_version.push(i64::from(event.schema_version));
            c.payload.push(event.payload.as_str());
            c.event_id.push(m.event_id);
            c.command_id.push(m.command_id);
            c.correlation_id.push(m.correlation_id);
            c.causation_id.push(m.causation_id);
            c.department.push(m.actor.department.as_str());
            c.person.push(m.actor.person.as_str());
            c.role.push(m.actor.role.as_str());
            c.rule_set_id
                .push(m.rule_set.as_ref().map(|r| r.id.as_str()));
            c.rule_set_version
                .push(m.rule_set.as_ref().map(|r| r.version.as_str()));
            c.recorded_at_ns.push(job.recorded_at_ns);
            c.hash.push(&hash[..]);
        }
        cmd_ids.push(job.command_id);
        cmd_types.push(job.stream.aggregate_type.as_str());
        cmd_aggs.push(job.stream.aggregate_id.as_str());
        cmd_first.push(acc.outcome.first_position as i64);
        cmd_last.push(acc.outcome.last_position as i64);
        cmd_version.push(acc.outcome.stream_version as i64);
        let command = job.command.as_ref();
        cmd_type.push(command.map(|c| c.command_type.as_str()));
        cmd_schema.push(command.map(|c| i64::from(c.schema_version)));
        cmd_payload.push(command.map(|c| c.payload.as_str()));
        cmd_issued.push(command.map(|c| c.issued_at_ns));
    }
    let row = sqlx::query(&insert_sql())
        .bind(&c.position)
        .bind(&c.aggregate_type)
        .bind(&c.aggregate_id)
        .bind(&c.sequence)
        .bind(&c.event_type)
        .bind(&c.schema_version)
        .bind(&c.payload)
        .bind(&c.event_id)
        .bind(&c.command_id)
        .bind(&c.correlation_id)
        .bind(&c.causation_id)
        .bind(&c.department)
        .bind(&c.person)
        .bind(&c.role)
        .bind(&c.rule_set_id)
        .bind(&c.rule_set_version)
        .bind(&c.recorded_at_ns)
        .bind(&c.hash)
        .bind(&cmd_ids)
        .bind(&cmd_types)
        .bind(&cmd_aggs)
        .bind(&cmd_first)
        .bind(&cmd_last)
        .bind(&cmd_version)
        .bind(&cmd_type)
        .bind(&cmd_schema)
        .bind(&cmd_payload)
        .bind(&cmd_issued)
        .bind(expected.position as i64)
        .bind(&expected.hash[..])
        .bind(plan.head.position as i64)
        .bind(&plan.head.hash[..])
        .fetch_one(&mut *conn)
        .await?;
    Ok(row.try_get::<i64, _>(0)? == 1)
}

/// Column arrays for one multi-row insert.
#[derive(Default)]
struct EventColumns<'a> {
    position: Vec<i64>,
    aggregate_type: Vec<&'a str>,
    aggregate_id: Vec<&'a str>,
    sequence: Vec<i64>,
    event_type: Vec<&'a str>,
    schema_version: Vec<i64>,
    payload: Vec<&'a str>,
    event_id: Vec<Uuid>,
    command_id: Vec<Uuid>,
    correlation_id: Vec<Uuid>,
    causation_id: Vec<Option<Uuid>>,
    department: Vec<&'a str>,
    person: Vec<&'a str>,
    role: Vec<&'a str>,
    rule_set_id: Vec<Option<&'a str>>,
    rule_set_version: Vec<Option<&'a str>>,
    recorded_at_ns: Vec<i64>,
    hash: Vec<&'a [u8]>,
}

impl EventColumns<'_> {
    fn with_capacity(n: usize) -> Self {
        Self {
            position: Vec::with_capacity(n),
            aggregate_type: Vec::with_capacity(n),
            aggregate_id: Vec::with_capacity(n),
            sequence: Vec::with_capacity(n),
            event_type: Vec::with_capacity(n),
            schema_version: Vec::with_capacity(n),
            payload: Vec::with_capacity(n),
            event_id: Vec::with_capacity(n),
            command_id: Vec::with_capacity(n),
            correlation_id: Vec::with_capacity(n),
            causation_id: Vec::with_capacity(n),
            department: Vec::with_capacity(n),
            person: Vec::with_capacity(n),
            role: Vec::with_capacity(n),
            rule_set_id: Vec::with_capacity(n),
            rule_set_version: Vec::with_capacity(n),
            recorded_at_ns: Vec::with_capacity(n),
            hash: Vec::with_capacity(n),
        }
    }
}

fn raw_from_row(row: &PgRow) -> Result<RawEvent> {
    let position = decode_u64(row.try_get(0)?, 0, "position")?;
    let c = |e: sqlx::Error| StoreError::Corrupt {
        position,
        detail: e.to_string(),
    };
    let hash: Vec<u8> = row.try_get(17).map_err(c)?;
    Ok(RawEvent {
        position,
        aggregate_type: row.try_get(1).map_err(c)?,
        aggregate_id: row.try_get(2).map_err(c)?,
        sequence: decode_u64(row.try_get(3).map_err(c)?, position, "sequence")?,
        event_type: row.try_get(4).map_err(c)?,
        schema_version: decode_u32(row.try_get(5).map_err(c)?, position, "schema_version")?,
        payload: row.try_get(6).map_err(c)?,
        event_id: row.try_get(7).map_err(c)?,
        command_id: row.try_get(8).map_err(c)?,
        correlation_id: row.try_get(9).map_err(c)?,
        causation_id: row.try_get(10).map_err(c)?,
        department: row.try_get(11).map_err(c)?,
        person: row.try_get(12).map_err(c)?,
        role: row.try_get(13).map_err(c)?,
        rule_set: decode_rule_set(
            row.try_get(14).map_err(c)?,
            row.try_get(15).map_err(c)?,
            position,
        )?,
        recorded_at_ns: row.try_get(16).map_err(c)?,
        hash: decode_hash(&hash, position)?,
    })
}

const COMMAND_COLUMNS: &str = "command_id, aggregate_type, aggregate_id, first_position, \
     last_position, stream_version, command_type, command_schema_version, command_payload, \
     command_issued_at_ns";

fn command_from_row(row: &PgRow) -> Result<StoredCommand> {
    let first_position = decode_u64(row.try_get(3)?, 0, "first_position")?;
    let c = |e: sqlx::Error| StoreError::Corrupt {
        position: first_position,
        detail: e.to_string(),
    };
    Ok(StoredCommand {
        command_id: row.try_get(0).map_err(c)?,
        stream: StreamId::new(
            row.try_get::<String, _>(1).map_err(c)?,
            row.try_get::<String, _>(2).map_err(c)?,
        ),
        first_position,
        last_position: decode_u64(row.try_get(4).map_err(c)?, first_position, "last_position")?,
        stream_version: decode_u64(row.try_get(5).map_err(c)?, first_position, "stream_version")?,
        body: StoredBody::from_columns(
            row.try_get(6).map_err(c)?,
            row.try_get(7).map_err(c)?,
            row.try_get(8).map_err(c)?,
            row.try_get(9).map_err(c)?,
            first_position,
        )?,
    })
}

fn clamp(position: u64) -> i64 {
    i64::try_from(position).unwrap_or(i64::MAX)
}

fn nanos_bound(at: Option<chrono::DateTime<chrono::Utc>>) -> i64 {
    match at {
        None => i64::MAX,
        Some(at) => at.timestamp_nanos_opt().unwrap_or(if at.timestamp() > 0 {
            i64::MAX
        } else {
            i64::MIN
        }),
    }
}

impl PostgresStore {
    async fn raw_query(&self, sql: &str, binds: &[i64]) -> Result<Vec<RawEvent>> {
        let mut query = sqlx::query(sql);
        for b in binds {
            query = query.bind(*b);
        }
        let rows = query.fetch_all(&self.inner.pool).await?;
        rows.iter().map(raw_from_row).collect()
    }
}

#[async_trait]
impl RawLog for PostgresStore {
    async fn raw_range(&self, from: Position, to: Position, max: usize) -> Result<Vec<RawEvent>> {
        self.raw_query(
            &format!(
                "SELECT {EVENT_COLUMNS} FROM govshare_events \
                 WHERE position >= $1 AND position <= $2 ORDER BY position LIMIT $3"
            ),
            &[clamp(from), clamp(to), clamp(max as u64)],
        )
        .await
    }

    async fn raw_commands(&self, from: Position, to: Position) -> Result<Vec<StoredCommand>> {
        let rows = sqlx::query(&format!(
            "SELECT {COMMAND_COLUMNS} FROM govshare_commands \
             WHERE first_position >= $1 AND first_position <= $2 ORDER BY first_position"
        ))
        .bind(clamp(from))
        .bind(clamp(to))
        .fetch_all(&self.inner.pool)
        .await?;
        rows.iter().map(command_from_row).collect()
    }

    async fn raw_command(&self, command_id: Uuid) -> Result<Option<StoredCommand>> {
        let row = sqlx::query(&format!(
            "SELECT {COMMAND_COLUMNS} FROM govshare_commands WHERE command_id = $1"
        ))
        .bind(command_id)
        .fetch_optional(&self.inner.pool)
        .await?;
        row.as_ref().map(command_from_row).transpose()
    }

    async fn stored_hash(&self, position: Position) -> Result<Option<[u8; 32]>> {
        let hash: Option<Vec<u8>> =
            sqlx::query_scalar("SELECT hash FROM govshare_events WHERE position = $1")
                .bind(clamp(position))
                .fetch_optional(&self.inner.pool)
                .await?;
        hash.map(|h| decode_hash(&h, position)).transpose()
    }

    async fn head_and_last(&self) -> Result<(Checkpoint, Position)> {
        let (position, hash, last): (i64, Vec<u8>, Option<i64>) = sqlx::query_as(HEAD_AND_LAST_SQL)
            .fetch_one(&self.inner.pool)
            .await?;
        let position = decode_u64(position, 0, "head position")?;
        let head = Checkpoint {
            position,
            hash: decode_hash(&hash, position)?,
        };
        Ok((head, decode_u64(last.unwrap_or(0), 0, "position")?))
    }

    async fn stored_head(&self) -> Result<Checkpoint> {
        let (position, hash): (i64, Vec<u8>) =
            sqlx::query_as("SELECT position, hash FROM govshare_head WHERE id = 1")
                .fetch_one(&self.inner.pool)
                .await?;
        let position = decode_u64(position, 0, "head position")?;
        Ok(Checkpoint {
            position,
            hash: decode_hash(&hash, position)?,
        })
    }
}

#[async_trait]
impl EventStore for PostgresStore {
    #[tracing::instrument(level = "debug", skip_all, fields(stream = %request.stream, events = request.events.len()), err)]
    async fn append(&self, request: AppendRequest) -> Result<AppendOutcome> {
        let job = prepare(request, &self.inner.config)?;
        let (reply, outcome) = oneshot::channel();
        self.inner
            .sender
            .send((job, reply))
            .map_err(|_| StoreError::Closed)?;
        outcome.await.map_err(|_| StoreError::Closed)?
    }

    #[tracing::instrument(level = "debug", skip(self), err)]
    async fn read_stream(&self, stream: &StreamId, read: StreamRead) -> Result<Vec<RecordedEvent>> {
        let rows = sqlx::query(&format!(
            "SELECT {EVENT_COLUMNS} FROM govshare_events \
             WHERE aggregate_type = $1 AND aggregate_id = $2 AND sequence > $3 \
             AND position <= $4 AND recorded_at_ns <= $5 ORDER BY sequence"
        ))
        .bind(&stream.aggregate_type)
        .bind(&stream.aggregate_id)
        .bind(clamp(read.after_sequence))
        .bind(read.up_to_position.map_or(i64::MAX, clamp))
        .bind(nanos_bound(read.up_to_instant))
        .fetch_all(&self.inner.pool)
        .await?;
        rows.iter()
            .map(|row| raw_from_row(row).map(RawEvent::into_recorded))
            .collect()
    }

    #[tracing::instrument(level = "debug", skip(self), err)]
    async fn read_all(&self, from: Position, max: usize) -> Result<Vec<RecordedEvent>> {
        let raw = self
            .raw_query(
                &format!(
                    "SELECT {EVENT_COLUMNS} FROM govshare_events \
                     WHERE position >= $1 ORDER BY position LIMIT $2"
                ),
                &[clamp(from), clamp(max as u64)],
            )
            .await?;
        Ok(raw.into_iter().map(RawEvent::into_recorded).collect())
    }

    async fn head(&self) -> Result<Checkpoint> {
        self.stored_head().await
    }

    #[tracing::instrument(level = "debug", skip(self), err)]
    async fn read_command(&self, command_id: Uuid) -> Result<Option<RecordedCommand>> {
        read_command(self, command_id).await
    }

    #[tracing::instrument(level = "info", skip(self), err)]
    async fn verify(&self, from: Position, to: Option<Position>) -> Result<VerifyReport> {
        verify_chain(self, from, to, None).await
    }

    #[tracing::instrument(level = "info", skip(self), err)]
    async fn verify_against(&self, checkpoint: &Checkpoint) -> Result<VerifyReport> {
        verify_chain(self, 1, None, Some(*checkpoint)).await
    }

    async fn save_snapshot(&self, snapshot: &Snapshot) -> Result<()> {
        let s = &snapshot.stream;
        let mut tx = self.inner.pool.begin().await?;
        let actual: Option<i64> = sqlx::query_scalar(
            "SELECT max(sequence) FROM govshare_events WHERE aggregate_type = $1 AND aggregate_id = $2",
        )
        .bind(&s.aggregate_type)
        .bind(&s.aggregate_id)
        .fetch_one(&mut *tx)
        .await?;
        let actual = decode_u64(actual.unwrap_or(0), 0, "sequence")?;
        if snapshot.sequence > actual {
            return Err(StoreError::SnapshotAhead {
                stream: s.clone(),
                sequence: snapshot.sequence,
                actual,
            });
        }
        sqlx::query(
            "INSERT INTO govshare_snapshots (aggregate_type, aggregate_id, sequence, state_version, state) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (aggregate_type, aggregate_id) DO UPDATE SET \
             sequence = excluded.sequence, state_version = excluded.state_version, state = excluded.state",
        )
        .bind(&s.aggregate_type)
        .bind(&s.aggregate_id)
        .bind(clamp(snapshot.sequence))
        .bind(i64::from(snapshot.state_version))
        .bind(crate::canonical::canonical_json(&snapshot.state))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn load_snapshot(&self, stream: &StreamId) -> Result<Option<Snapshot>> {
        let row: Option<(i64, i64, String)> = sqlx::query_as(
            "SELECT sequence, state_version, state FROM govshare_snapshots \
             WHERE aggregate_type = $1 AND aggregate_id = $2",
        )
        .bind(&stream.aggregate_type)
        .bind(&stream.aggregate_id)
        .fetch_optional(&self.inner.pool)
        .await?;
        row.map(|(sequence, version, state)| {
            Ok(Snapshot {
                stream: stream.clone(),
                sequence: decode_u64(sequence, 0, "snapshot sequence")?,
                state_version: decode_u32(version, 0, "snapshot state_version")?,
                state: serde_json::from_str(&state)?,
            })
        })
        .transpose()
    }
}
