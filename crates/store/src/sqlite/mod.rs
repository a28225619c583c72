//! Embedded SQLite backend: one file, WAL, `synchronous=FULL`, one writer thread doing group
//! commit, separate read connections.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;

use async_trait::async_trait;
use fs4::fs_std::FileExt;
use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension, TransactionBehavior, params};
use tokio::sync::oneshot;
use uuid::Uuid;

use crate::commands::{EventKey, StoredBody, StoredCommand, Tamper};
use crate::decode::{decode_hash, decode_rule_set, decode_u32, decode_u64};
use crate::error::{Result, StoreError};
use crate::plan::{
    KnownCommand, Lookups, Plan, PreparedAppend, StoreConfig, keys, plan_batch, prepare,
};
use crate::store::{EventStore, RawEvent, RawLog, read_command, verify_chain};
use crate::types::{
    AppendOutcome, AppendRequest, Checkpoint, Position, RecordedCommand, RecordedEvent, Snapshot,
    StreamId, StreamRead, VerifyReport,
};

/// `PRAGMA application_id` of a govshare store: ASCII "GSES".
pub const APPLICATION_ID: i32 = 0x4753_4553;

/// Schema migrations, applied in order; `PRAGMA user_version` is the number applied.
const MIGRATIONS: &[&str] = &[
    include_str!("0001_init.sql"),
    include_str!("0002_commands.sql"),
];

const EVENT_COLUMNS: &str = "position, aggregate_type, aggregate_id, sequence, event_type, \
     schema_version, payload, event_id, command_id, correlation_id, causation_id, \
     actor_department, actor_person, actor_role, rule_set_id, rule_set_version, recorded_at_ns, hash";

/// The recorded head and the largest stored position, from one consistent read.
const HEAD_AND_LAST_SQL: &str = "SELECT h.position, h.hash, (SELECT max(position) FROM govshare_events) \
     FROM govshare_head h WHERE h.id = 1";

/// The SQLite event store. Cheap to clone; all clones share one writer.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

enum Msg {
    Append(PreparedAppend, oneshot::Sender<Result<AppendOutcome>>),
    Snapshot(Snapshot, oneshot::Sender<Result<()>>),
}

struct Inner {
    path: PathBuf,
    config: StoreConfig,
    sender: Mutex<Option<mpsc::Sender<Msg>>>,
    writer: Mutex<Option<JoinHandle<()>>>,
    readers: Mutex<Vec<Connection>>,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Closing the channel ends the writer after its current batch; joining it releases the
        // file lock before the store is considered gone.
        self.sender
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        let handle = self
            .writer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(handle) = handle {
            let _ = handle.join();
        }
    }
}

fn code(e: &rusqlite::Error) -> Option<ErrorCode> {
    match e {
        rusqlite::Error::SqliteFailure(err, _) => Some(err.code),
        _ => None,
    }
}

fn lock_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(".lock");
    PathBuf::from(name)
}

impl SqliteStore {
    /// Opens (creating if missing) the store at `path`.
    ///
    /// Fails with [`StoreError::Locked`] if it is already open, in this or another process,
    /// under whatever name (the path is resolved to the file it names, through symlinks and
    /// `..`, before the lock is taken), and with [`StoreError::NotAGovshareStore`] if the file is
    /// not a govshare store.
    pub async fn open(path: impl AsRef<Path>, config: StoreConfig) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        tokio::task::spawn_blocking(move || Self::open_blocking(path, config))
            .await
            .map_err(|e| StoreError::Backend(e.to_string()))?
    }

    /// The store file: the opened path with symlinks and `..` resolved.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    fn open_blocking(given: PathBuf, config: StoreConfig) -> Result<Self> {
        // The lock is keyed by the file itself, however it is named (a symlink, `x/../x.db`, a
        // relative path): create the file if it is missing, then resolve the name.
        OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&given)?;
        let path = std::fs::canonicalize(&given)?;
        let lock = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(lock_path(&path))?;
        if !FileExt::try_lock_exclusive(&lock)? {
            return Err(StoreError::Locked { path: given });
        }
        let mut conn = Connection::open(&path)?;
        let not_ours =
            |what: &str| StoreError::NotAGovshareStore(format!("{} ({what})", path.display()));
        let map_open_err = |e: rusqlite::Error| match code(&e) {
            Some(ErrorCode::NotADatabase) => not_ours("not a SQLite database"),
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Locked {
                path: given.clone(),
            },
            _ => StoreError::Sqlite(e),
        };
        let app_id: i32 = conn
            .query_row("PRAGMA application_id", [], |r| r.get(0))
            .map_err(map_open_err)?;
        let objects: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .map_err(map_open_err)?;
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(map_open_err)?;
        if app_id != APPLICATION_ID && !(app_id == 0 && objects == 0) {
            return Err(not_ours("foreign application id or existing tables"));
        }
        if app_id == APPLICATION_ID && version > MIGRATIONS.len() as i64 {
            return Err(not_ours("schema is newer than this version supports"));
        }
        conn.busy_timeout(std::time::Duration::from_millis(0))?;
        let mode: String = conn
            .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
            .map_err(map_open_err)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Backend(format!(
                "could not switch {} to WAL (mode is {mode})",
                path.display()
            )));
        }
        conn.execute_batch(
            "PRAGMA synchronous=FULL; PRAGMA foreign_keys=OFF; PRAGMA cache_size=-65536;",
        )?;
        // Fails at once if some other program holds the write lock.
        conn.execute_batch("BEGIN IMMEDIATE; COMMIT;")
            .map_err(map_open_err)?;
        let applied = if app_id == APPLICATION_ID { version } else { 0 };
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(applied as usize) {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute_batch(sql)?;
            tx.execute_batch(&format!(
                "PRAGMA application_id={APPLICATION_ID}; PRAGMA user_version={};",
                i + 1
            ))?;
            tx.commit()?;
        }
        conn.busy_timeout(std::time::Duration::from_secs(5))?;

        let (sender, receiver) = mpsc::channel();
        let max_batch = config.max_batch.max(1);
        let writer = std::thread::Builder::new()
            .name("govshare-sqlite-writer".into())
            .spawn(move || writer_loop(conn, receiver, max_batch, lock))?;
        Ok(Self {
            inner: Arc::new(Inner {
                path,
                config,
                sender: Mutex::new(Some(sender)),
                writer: Mutex::new(Some(writer)),
                readers: Mutex::new(Vec::new()),
            }),
        })
    }

    fn send(&self, msg: Msg) -> Result<()> {
        let guard = self
            .inner
            .sender
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        match guard.as_ref() {
            Some(sender) => sender.send(msg).map_err(|_| StoreError::Closed),
            None => Err(StoreError::Closed),
        }
    }

    async fn read<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
    {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let pooled = inner
                .readers
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .pop();
            let conn = match pooled {
                Some(conn) => conn,
                None => open_reader(&inner.path)?,
            };
            let result = f(&conn);
            let mut pool = inner.readers.lock().unwrap_or_else(PoisonError::into_inner);
            if pool.len() < inner.config.read_connections as usize {
                pool.push(conn);
            }
            result
        })
        .await
        .map_err(|e| StoreError::Backend(e.to_string()))?
    }
}

fn open_reader(path: &Path) -> Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.execute_batch(
        "PRAGMA query_only=ON; PRAGMA cache_size=-32768; PRAGMA mmap_size=268435456;",
    )?;
    Ok(conn)
}

fn writer_loop(mut conn: Connection, receiver: mpsc::Receiver<Msg>, max_batch: usize, lock: File) {
    while let Ok(first) = receiver.recv() {
        let mut batch = vec![first];
        while batch.len() < max_batch {
            match receiver.try_recv() {
                Ok(msg) => batch.push(msg),
                Err(_) => break,
            }
        }
        let span = tracing::debug_span!("sqlite.group_commit", appends = batch.len());
        let _entered = span.enter();
        process_batch(&mut conn, batch);
    }
    drop(conn);
    // Unlocked only once the connection is closed.
    drop(lock);
}

fn process_batch(conn: &mut Connection, batch: Vec<Msg>) {
    let mut appends = Vec::new();
    let mut append_replies = Vec::new();
    let mut snapshots = Vec::new();
    let mut snapshot_replies = Vec::new();
    for msg in batch {
        match msg {
            Msg::Append(job, reply) => {
                appends.push(job);
                append_replies.push(reply);
            }
            Msg::Snapshot(snapshot, reply) => {
                snapshots.push(snapshot);
                snapshot_replies.push(reply);
            }
        }
    }
    match commit_batch(conn, appends, &snapshots) {
        Ok((plan, snapshot_results)) => {
            for (reply, result) in append_replies.into_iter().zip(plan.results) {
                let _ = reply.send(result);
            }
            for (reply, result) in snapshot_replies.into_iter().zip(snapshot_results) {
                let _ = reply.send(result);
            }
        }
        Err(err) => {
            tracing::warn!(error = %err, "sqlite group commit failed; nothing of it was written");
            let answer = err.for_failed_group();
            for reply in append_replies {
                let _ = reply.send(Err(answer.for_failed_group()));
            }
            for reply in snapshot_replies {
                let _ = reply.send(Err(answer.for_failed_group()));
            }
        }
    }
}

fn commit_batch(
    conn: &mut Connection,
    jobs: Vec<PreparedAppend>,
    snapshots: &[Snapshot],
) -> Result<(Plan, Vec<Result<()>>)> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let head = {
        let (position, hash): (i64, Vec<u8>) = tx
            .prepare_cached("SELECT position, hash FROM govshare_head WHERE id = 1")?
            .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        let position = decode_u64(position, 0, "head position")?;
        Checkpoint {
            position,
            hash: decode_hash(&hash, position)?,
        }
    };
    let keys = keys(&jobs);
    let mut lookups = Lookups::default();
    {
        for id in keys.command_ids {
            if let Some(record) = load_command(&tx, id)? {
                let verdict = check_command(&tx, &record)?.map(|()| KnownCommand {
                    first_position: record.first_position,
                    last_position: record.last_position,
                    stream_version: record.stream_version,
                });
                lookups.commands.insert(id, verdict);
            }
        }
        let mut st = tx.prepare_cached(
            "SELECT max(sequence) FROM govshare_events WHERE aggregate_type = ?1 AND aggregate_id = ?2",
        )?;
        for stream in keys.streams {
            let version: Option<i64> = st
                .query_row(params![stream.aggregate_type, stream.aggregate_id], |r| {
                    r.get(0)
                })?;
            if let Some(v) = version {
                lookups
                    .versions
                    .insert(stream, decode_u64(v, 0, "sequence")?);
            }
        }
        let mut st = tx.prepare_cached("SELECT 1 FROM govshare_events WHERE event_id = ?1")?;
        for id in keys.event_ids {
            if st.exists([&id.as_bytes()[..]])? {
                lookups.event_ids.insert(id);
            }
        }
    }

    let plan = plan_batch(head, &jobs, &lookups);
    if !plan.accepted.is_empty() {
        let mut insert_event = tx.prepare_cached(&format!(
            "INSERT INTO govshare_events ({EVENT_COLUMNS}) VALUES \
             (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)"
        ))?;
        let mut insert_command = tx.prepare_cached(&format!(
            "INSERT INTO govshare_commands ({COMMAND_COLUMNS}) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
        ))?;
        for acc in &plan.accepted {
            let job = &jobs[acc.index];
            for (i, (event, hash)) in job.events.iter().zip(&acc.hashes).enumerate() {
                let m = &event.metadata;
                insert_event.execute(params![
                    (acc.first_position + i as u64) as i64,
                    job.stream.aggregate_type,
                    job.stream.aggregate_id,
                    (acc.first_sequence + i as u64) as i64,
                    event.event_type,
                    i64::from(event.schema_version),
                    event.payload,
                    &m.event_id.as_bytes()[..],
                    &m.command_id.as_bytes()[..],
                    &m.correlation_id.as_bytes()[..],
                    m.causation_id.as_ref().map(|c| &c.as_bytes()[..]),
                    m.actor.department,
                    m.actor.person,
                    m.actor.role,
                    m.rule_set.as_ref().map(|r| r.id.as_str()),
                    m.rule_set.as_ref().map(|r| r.version.as_str()),
                    job.recorded_at_ns,
                    &hash[..],
                ])?;
            }
            insert_command.execute(params![
                &job.command_id.as_bytes()[..],
                job.stream.aggregate_type,
                job.stream.aggregate_id,
                acc.outcome.first_position as i64,
                acc.outcome.last_position as i64,
                acc.outcome.stream_version as i64,
                job.command.as_ref().map(|c| c.command_type.as_str()),
                job.command.as_ref().map(|c| i64::from(c.schema_version)),
                job.command.as_ref().map(|c| c.payload.as_str()),
                job.command.as_ref().map(|c| c.issued_at_ns),
            ])?;
        }
        tx.prepare_cached("UPDATE govshare_head SET position = ?1, hash = ?2 WHERE id = 1")?
            .execute(params![plan.head.position as i64, &plan.head.hash[..]])?;
    }

    let mut snapshot_results = Vec::with_capacity(snapshots.len());
    if !snapshots.is_empty() {
        let mut version_of = tx.prepare_cached(
            "SELECT max(sequence) FROM govshare_events WHERE aggregate_type = ?1 AND aggregate_id = ?2",
        )?;
        let mut upsert = tx.prepare_cached(
            "INSERT INTO govshare_snapshots (aggregate_type, aggregate_id, sequence, state_version, state) \
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (aggregate_type, aggregate_id) DO UPDATE SET \
             sequence = excluded.sequence, state_version = excluded.state_version, state = excluded.state",
        )?;
        for snapshot in snapshots {
            let s = &snapshot.stream;
            let actual: Option<i64> =
                version_of.query_row(params![s.aggregate_type, s.aggregate_id], |r| r.get(0))?;
            let actual = decode_u64(actual.unwrap_or(0), 0, "sequence")?;
            if snapshot.sequence > actual {
                snapshot_results.push(Err(StoreError::SnapshotAhead {
                    stream: s.clone(),
                    sequence: snapshot.sequence,
                    actual,
                }));
                continue;
            }
            upsert.execute(params![
                s.aggregate_type,
                s.aggregate_id,
                snapshot.sequence as i64,
                i64::from(snapshot.state_version),
                crate::canonical::canonical_json(&snapshot.state),
            ])?;
            snapshot_results.push(Ok(()));
        }
    }
    tx.commit()?;
    Ok((plan, snapshot_results))
}

const COMMAND_COLUMNS: &str = "command_id, aggregate_type, aggregate_id, first_position, \
     last_position, stream_version, command_type, command_schema_version, command_payload, \
     command_issued_at_ns";

fn command_from_row(row: &rusqlite::Row<'_>) -> Result<StoredCommand> {
    let first_position = decode_u64(row.get(3)?, 0, "first_position")?;
    let c = corrupt(first_position);
    Ok(StoredCommand {
        command_id: uuid_at(row, 0, first_position)?,
        stream: StreamId::new(
            row.get::<_, String>(1).map_err(&c)?,
            row.get::<_, String>(2).map_err(&c)?,
        ),
        first_position,
        last_position: decode_u64(row.get(4).map_err(&c)?, first_position, "last_position")?,
        stream_version: decode_u64(row.get(5).map_err(&c)?, first_position, "stream_version")?,
        body: StoredBody::from_columns(
            row.get(6).map_err(&c)?,
            row.get(7).map_err(&c)?,
            row.get(8).map_err(&c)?,
            row.get(9).map_err(&c)?,
            first_position,
        )?,
    })
}

/// The record of one command, unchecked.
fn load_command(conn: &Connection, id: Uuid) -> Result<Option<StoredCommand>> {
    let mut st = conn.prepare_cached(&format!(
        "SELECT {COMMAND_COLUMNS} FROM govshare_commands WHERE command_id = ?1"
    ))?;
    let mut rows = st.query([&id.as_bytes()[..]])?;
    rows.next()?.map(command_from_row).transpose()
}

/// Checks a command record against the events it points at, reading them lazily.
fn check_command(
    conn: &Connection,
    record: &StoredCommand,
) -> Result<std::result::Result<(), Tamper>> {
    let Some((lo, hi)) = record.neighbourhood() else {
        return record.check_against(std::iter::empty());
    };
    let mut st = conn.prepare_cached(
        "SELECT position, aggregate_type, aggregate_id, sequence, command_id \
         FROM govshare_events WHERE position >= ?1 AND position <= ?2 ORDER BY position",
    )?;
    let mut rows = st.query(params![clamp(lo), clamp(hi)])?;
    let events = std::iter::from_fn(|| match rows.next() {
        Ok(Some(row)) => Some(event_key_from_row(row)),
        Ok(None) => None,
        Err(e) => Some(Err(e.into())),
    });
    record.check_against(events)
}

fn event_key_from_row(row: &rusqlite::Row<'_>) -> Result<EventKey> {
    let position = decode_u64(row.get(0)?, 0, "position")?;
    let c = corrupt(position);
    Ok(EventKey {
        position,
        stream: StreamId::new(
            row.get::<_, String>(1).map_err(&c)?,
            row.get::<_, String>(2).map_err(&c)?,
        ),
        sequence: decode_u64(row.get(3).map_err(&c)?, position, "sequence")?,
        command_id: uuid_at(row, 4, position)?,
    })
}

fn corrupt(position: Position) -> impl Fn(rusqlite::Error) -> StoreError {
    move |e| StoreError::Corrupt {
        position,
        detail: e.to_string(),
    }
}

fn uuid_at(row: &rusqlite::Row<'_>, i: usize, position: Position) -> Result<Uuid> {
    let bytes = row.get_ref(i).map_err(corrupt(position))?;
    let bytes = bytes.as_blob().map_err(|e| StoreError::Corrupt {
        position,
        detail: e.to_string(),
    })?;
    Uuid::from_slice(bytes).map_err(|e| StoreError::Corrupt {
        position,
        detail: e.to_string(),
    })
}

fn raw_from_row(row: &rusqlite::Row<'_>) -> Result<RawEvent> {
    let position = decode_u64(row.get(0)?, 0, "position")?;
    let c = corrupt(position);
    let causation_id = match row.get_ref(10).map_err(&c)? {
        rusqlite::types::ValueRef::Null => None,
        _ => Some(uuid_at(row, 10, position)?),
    };
    let hash: Vec<u8> = row.get(17).map_err(&c)?;
    Ok(RawEvent {
        position,
        aggregate_type: row.get(1).map_err(&c)?,
        aggregate_id: row.get(2).map_err(&c)?,
        sequence: decode_u64(row.get(3).map_err(&c)?, position, "sequence")?,
        event_type: row.get(4).map_err(&c)?,
        schema_version: decode_u32(row.get(5).map_err(&c)?, position, "schema_version")?,
        payload: row.get(6).map_err(&c)?,
        event_id: uuid_at(row, 7, position)?,
        command_id: uuid_at(row, 8, position)?,
        correlation_id: uuid_at(row, 9, position)?,
        causation_id,
        department: row.get(11).map_err(&c)?,
        person: row.get(12).map_err(&c)?,
        role: row.get(13).map_err(&c)?,
        rule_set: decode_rule_set(row.get(14).map_err(&c)?, row.get(15).map_err(&c)?, position)?,
        recorded_at_ns: row.get(16).map_err(&c)?,
        hash: decode_hash(&hash, position)?,
    })
}

/// Decodes a row straight into a recorded event.
fn recorded_from_row(row: &rusqlite::Row<'_>) -> Result<RecordedEvent> {
    raw_from_row(row).map(RawEvent::into_recorded)
}

fn query_recorded(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
    capacity: usize,
) -> Result<Vec<RecordedEvent>> {
    let mut st = conn.prepare_cached(sql)?;
    let mut rows = st.query(params)?;
    let mut out = Vec::with_capacity(capacity);
    while let Some(row) = rows.next()? {
        out.push(recorded_from_row(row)?);
    }
    Ok(out)
}

fn query_raw(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
    capacity: usize,
) -> Result<Vec<RawEvent>> {
    let mut st = conn.prepare_cached(sql)?;
    let mut rows = st.query(params)?;
    let mut out = Vec::with_capacity(capacity);
    while let Some(row) = rows.next()? {
        out.push(raw_from_row(row)?);
    }
    Ok(out)
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

fn clamp(position: u64) -> i64 {
    i64::try_from(position).unwrap_or(i64::MAX)
}

#[async_trait]
impl RawLog for SqliteStore {
    async fn raw_range(&self, from: Position, to: Position, max: usize) -> Result<Vec<RawEvent>> {
        self.read(move |conn| {
            query_raw(
                conn,
                &format!(
                    "SELECT {EVENT_COLUMNS} FROM govshare_events \
                     WHERE position >= ?1 AND position <= ?2 ORDER BY position LIMIT ?3"
                ),
                params![clamp(from), clamp(to), clamp(max as u64)],
                max.min(65536),
            )
        })
        .await
    }

    async fn raw_commands(&self, from: Position, to: Position) -> Result<Vec<StoredCommand>> {
        self.read(move |conn| {
            let mut st = conn.prepare_cached(&format!(
                "SELECT {COMMAND_COLUMNS} FROM govshare_commands \
                 WHERE first_position >= ?1 AND first_position <= ?2 ORDER BY first_position"
            ))?;
            let mut rows = st.query(params![clamp(from), clamp(to)])?;
            let mut out = Vec::new();
            while let Some(row) = rows.next()? {
                out.push(command_from_row(row)?);
            }
            Ok(out)
        })
        .await
    }

    async fn raw_command(&self, command_id: Uuid) -> Result<Option<StoredCommand>> {
        self.read(move |conn| load_command(conn, command_id)).await
    }

    async fn stored_hash(&self, position: Position) -> Result<Option<[u8; 32]>> {
        self.read(move |conn| {
            let hash: Option<Vec<u8>> = conn
                .prepare_cached("SELECT hash FROM govshare_events WHERE position = ?1")?
                .query_row([clamp(position)], |r| r.get(0))
                .optional()?;
            hash.map(|h| decode_hash(&h, position)).transpose()
        })
        .await
    }

    async fn head_and_last(&self) -> Result<(Checkpoint, Position)> {
        self.read(|conn| {
            let (position, hash, last): (i64, Vec<u8>, Option<i64>) = conn
                .prepare_cached(HEAD_AND_LAST_SQL)?
                .query_row([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            let position = decode_u64(position, 0, "head position")?;
            let head = Checkpoint {
                position,
                hash: decode_hash(&hash, position)?,
            };
            Ok((head, decode_u64(last.unwrap_or(0), 0, "position")?))
        })
        .await
    }

    async fn stored_head(&self) -> Result<Checkpoint> {
        self.read(|conn| {
            let (position, hash): (i64, Vec<u8>) = conn
                .prepare_cached("SELECT position, hash FROM govshare_head WHERE id = 1")?
                .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            let position = decode_u64(position, 0, "head position")?;
            Ok(Checkpoint {
                position,
                hash: decode_hash(&hash, position)?,
            })
        })
        .await
    }
}

#[async_trait]
impl EventStore for SqliteStore {
    #[tracing::instrument(level = "debug", skip_all, fields(stream = %request.stream, events = request.events.len()), err)]
    async fn append(&self, request: AppendRequest) -> Result<AppendOutcome> {
        let job = prepare(request, &self.inner.config)?;
        let (reply, outcome) = oneshot::channel();
        self.send(Msg::Append(job, reply))?;
        outcome.await.map_err(|_| StoreError::Closed)?
    }

    #[tracing::instrument(level = "debug", skip(self), err)]
    async fn read_stream(&self, stream: &StreamId, read: StreamRead) -> Result<Vec<RecordedEvent>> {
        let stream = stream.clone();
        self.read(move |conn| {
            query_recorded(
                conn,
                &format!(
                    "SELECT {EVENT_COLUMNS} FROM govshare_events \
                         WHERE aggregate_type = ?1 AND aggregate_id = ?2 AND sequence > ?3 \
                         AND position <= ?4 AND recorded_at_ns <= ?5 ORDER BY sequence"
                ),
                params![
                    stream.aggregate_type,
                    stream.aggregate_id,
                    clamp(read.after_sequence),
                    read.up_to_position.map_or(i64::MAX, clamp),
                    nanos_bound(read.up_to_instant),
                ],
                16,
            )
        })
        .await
    }

    #[tracing::instrument(level = "debug", skip(self), err)]
    async fn read_all(&self, from: Position, max: usize) -> Result<Vec<RecordedEvent>> {
        self.read(move |conn| {
            query_recorded(
                conn,
                &format!(
                    "SELECT {EVENT_COLUMNS} FROM govshare_events \
                     WHERE position >= ?1 ORDER BY position LIMIT ?2"
                ),
                params![clamp(from), clamp(max as u64)],
                max.min(65536),
            )
        })
        .await
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
        let (reply, done) = oneshot::channel();
        self.send(Msg::Snapshot(snapshot.clone(), reply))?;
        done.await.map_err(|_| StoreError::Closed)?
    }

    async fn load_snapshot(&self, stream: &StreamId) -> Result<Option<Snapshot>> {
        let stream = stream.clone();
        self.read(move |conn| {
            let row: Option<(i64, i64, String)> = conn
                .prepare_cached(
                    "SELECT sequence, state_version, state FROM govshare_snapshots \
                     WHERE aggregate_type = ?1 AND aggregate_id = ?2",
                )?
                .query_row(params![stream.aggregate_type, stream.aggregate_id], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })
                .optional()?;
            row.map(|(sequence, version, state)| {
                Ok(Snapshot {
                    sequence: decode_u64(sequence, 0, "snapshot sequence")?,
                    state_version: decode_u32(version, 0, "snapshot state_version")?,
                    state: serde_json::from_str(&state)?,
                    stream,
                })
            })
            .transpose()
        })
        .await
    }
}
