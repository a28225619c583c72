//! The read-model database: the store's own SQLite file or PostgreSQL database, reached through
//! connections of its own (never the store's writer).

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use govshare_store::{EventStore, Position};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection, PgPool};

use crate::error::{ProjectionError, Result};
use crate::sql::{
    Dialect, Names, Row, SqlValue, Tx, TxConn, check_identifier, pg_pool_query, sqlite_query,
};

/// How long a SQLite connection waits for the write lock (held by the store's writer or another
/// projection's batch) before giving up.
pub(crate) const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Idle SQLite read connections kept for queries.
const SQLITE_IDLE_READERS: usize = 4;

/// Attempts of a query that raced a generation switch (its table was dropped under it).
const QUERY_ATTEMPTS: usize = 3;

/// The database the read models live in: the event store's SQLite file or PostgreSQL database.
/// Cheap to clone.
#[derive(Clone, Debug)]
pub struct ReadDb {
    inner: Arc<Inner>,
}

#[derive(Debug)]
enum Inner {
    Sqlite {
        path: PathBuf,
        readers: Mutex<Vec<rusqlite::Connection>>,
    },
    Postgres {
        options: Box<PgConnectOptions>,
        pool: PgPool,
    },
}

impl ReadDb {
    /// Opens the read side of a store location, as `govshare_store::open` names it:
    /// `postgres://…` / `postgresql://…`, or a SQLite path (optionally prefixed `sqlite:`).
    ///
    /// The store must have been opened (created) first: a SQLite file that is not a govshare store
    /// is refused with [`ProjectionError::NotAStore`] rather than turned into one.
    pub async fn open(location: &str) -> Result<Self> {
        if location.starts_with("postgres://") || location.starts_with("postgresql://") {
            Self::postgres(location).await
        } else {
            Self::sqlite(location.strip_prefix("sqlite:").unwrap_or(location)).await
        }
    }

    /// Opens the read side of a SQLite store file.
    pub async fn sqlite(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let check = path.clone();
        let conn = blocking(move || open_sqlite(&check)).await?;
        let app_id: i32 = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
        if app_id != govshare_store::APPLICATION_ID {
            return Err(ProjectionError::NotAStore(path.display().to_string()));
        }
        Ok(Self {
            inner: Arc::new(Inner::Sqlite {
                path,
                readers: Mutex::new(vec![conn]),
            }),
        })
    }

    /// Opens the read side of a PostgreSQL store database.
    pub async fn postgres(url: &str) -> Result<Self> {
        let options = PgConnectOptions::from_str(url)?;
        // While the database is down, a query fails after 5 s (the server answers a retryable 503) instead of
        // waiting out sqlx's default of 30 s.
        let pool = PgPoolOptions::new()
            .max_connections(4)
            .acquire_timeout(std::time::Duration::from_secs(5))
            .connect_with(options.clone())
            .await?;
        let is_store: bool =
            sqlx::query_scalar("SELECT to_regclass('govshare_events') IS NOT NULL")
                .fetch_one(&pool)
                .await?;
        if !is_store {
            return Err(ProjectionError::NotAStore(redact(url)));
        }
        Ok(Self {
            inner: Arc::new(Inner::Postgres {
                options: Box::new(options),
                pool,
            }),
        })
    }

    /// The dialect of the database.
    pub fn dialect(&self) -> Dialect {
        match &*self.inner {
            Inner::Sqlite { .. } => Dialect::Sqlite,
            Inner::Postgres { .. } => Dialect::Postgres,
        }
    }

    /// A new connection for a runner's batches or its lease.
    pub(crate) async fn work_connection(&self) -> Result<WorkConn> {
        match &*self.inner {
            Inner::Sqlite { path, .. } => {
                let path = path.clone();
                let conn = blocking(move || open_sqlite(&path)).await?;
                Ok(WorkConn::Sqlite(Arc::new(Mutex::new(conn))))
            }
            Inner::Postgres { options, .. } => Ok(WorkConn::Postgres {
                options: options.clone(),
                conn: None,
            }),
        }
    }

    /// The SQLite file, for lock files beside it.
    pub(crate) fn sqlite_path(&self) -> Option<&Path> {
        match &*self.inner {
            Inner::Sqlite { path, .. } => Some(path),
            Inner::Postgres { .. } => None,
        }
    }

    /// PostgreSQL connection options, for the lease connection.
    pub(crate) fn pg_options(&self) -> Option<&PgConnectOptions> {
        match &*self.inner {
            Inner::Postgres { options, .. } => Some(&**options),
            Inner::Sqlite { .. } => None,
        }
    }

    /// Runs one query template against the views (or registry tables) named by `names`. A query that
    /// raced a switch-over and found its table gone is run again.
    pub(crate) async fn query(
        &self,
        names: &Names,
        template: &str,
        params: Vec<SqlValue>,
    ) -> Result<Vec<Row>> {
        let sql = names.render(template)?;
        let mut attempt = 1;
        loop {
            let result = self.query_sql(&sql, &params).await;
            match result {
                Err(e) if e.is_missing_relation() && attempt < QUERY_ATTEMPTS => {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                other => return other,
            }
        }
    }

    /// Runs one query template over the views of a projection's tables (`{table}` placeholders
    /// name the views `rm_<projection>_<table>`; see [`crate::sql`]). For projections defined
    /// outside this crate; the read models of [`crate::models`] have typed queries.
    pub async fn query_view(
        &self,
        projection: &str,
        tables: &[&str],
        template: &str,
        params: Vec<SqlValue>,
    ) -> Result<Vec<Row>> {
        check_identifier("projection", projection)?;
        for t in tables {
            check_identifier("table", t)?;
        }
        let names = Names::views(self.dialect(), projection, tables);
        self.query(&names, template, params).await
    }

    async fn query_sql(&self, sql: &str, params: &[SqlValue]) -> Result<Vec<Row>> {
        match &*self.inner {
            Inner::Sqlite { .. } => {
                let conn = self.take_reader().await?;
                let db = self.clone();
                let sql = sql.to_owned();
                let params = params.to_vec();
                blocking(move || {
                    let result = sqlite_query(&conn, &sql, &params);
                    db.give_back(conn);
                    result
                })
                .await
            }
            Inner::Postgres { pool, .. } => pg_pool_query(pool, sql, params).await,
        }
    }

    async fn take_reader(&self) -> Result<rusqlite::Connection> {
        let Inner::Sqlite { path, readers } = &*self.inner else {
            return Err(ProjectionError::Task("not a SQLite database".into()));
        };
        let idle = readers.lock().unwrap_or_else(PoisonError::into_inner).pop();
        match idle {
            Some(conn) => Ok(conn),
            None => {
                let path = path.clone();
                blocking(move || open_sqlite(&path)).await
            }
        }
    }

    fn give_back(&self, conn: rusqlite::Connection) {
        if let Inner::Sqlite { readers, .. } = &*self.inner {
            let mut idle = readers.lock().unwrap_or_else(PoisonError::into_inner);
            if idle.len() < SQLITE_IDLE_READERS {
                idle.push(conn);
            }
        }
    }

    /// The registry's view of one projection: its active generation and checkpoint, and the
    /// generation being rebuilt, if any. `None` when the projection was never run here.
    pub async fn projection_state(&self, name: &str) -> Result<Option<ProjectionState>> {
        let names = Names::none(self.dialect());
        let rows = self
            .query(
                &names,
                "SELECT r.active_generation, a.version, a.checkpoint, r.building_generation, \
                 b.version, b.checkpoint \
                 FROM rm_registry r \
                 JOIN rm_generations a ON a.name = r.name AND a.generation = r.active_generation \
                 LEFT JOIN rm_generations b ON b.name = r.name AND b.generation = r.building_generation \
                 WHERE r.name = $1",
                vec![name.into()],
            )
            .await;
        let rows = match rows {
            Err(e) if e.is_missing_relation() => return Ok(None),
            other => other?,
        };
        let Some(row) = rows.into_iter().next() else {
            return Ok(None);
        };
        let building = match row.opt_i64(3)? {
            Some(generation) => Some(GenerationState {
                generation,
                version: row.opt_i64(4)?.unwrap_or_default(),
                checkpoint: to_position(row.opt_i64(5)?.unwrap_or_default()),
            }),
            None => None,
        };
        Ok(Some(ProjectionState {
            name: name.to_owned(),
            active: GenerationState {
                generation: row.i64(0)?,
                version: row.i64(1)?,
                checkpoint: to_position(row.i64(2)?),
            },
            building,
        }))
    }

    /// The position a projection's active generation has applied (0 if it never ran).
    pub async fn checkpoint(&self, name: &str) -> Result<Position> {
        Ok(self
            .projection_state(name)
            .await?
            .map_or(0, |s| s.active.checkpoint))
    }

    /// How far a projection is behind the log's head.
    pub async fn lag(&self, store: &dyn EventStore, name: &str) -> Result<Lag> {
        let checkpoint = self.checkpoint(name).await?;
        let head = store.head().await?.position;
        Ok(Lag {
            head,
            checkpoint,
            behind: head.saturating_sub(checkpoint),
        })
    }

    /// Waits until a projection's active generation has applied `position`, polling its checkpoint
    /// every `poll` (for a process that does not run the projection itself; the runner's handle
    /// also wakes on its own commits, see `RunnerHandle::wait_for`).
    pub async fn wait_for(
        &self,
        name: &str,
        position: Position,
        timeout: Duration,
        poll: Duration,
    ) -> Result<()> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let reached = self.checkpoint(name).await?;
            if reached >= position {
                return Ok(());
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(ProjectionError::Timeout {
                    projection: name.to_owned(),
                    wanted: position,
                    reached,
                });
            }
            tokio::time::sleep_until(deadline.min(tokio::time::Instant::now() + poll)).await;
        }
    }
}

/// A projection's generations as the registry records them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProjectionState {
    /// Projection name.
    pub name: String,
    /// The generation queries read.
    pub active: GenerationState,
    /// The generation being rebuilt, if any.
    pub building: Option<GenerationState>,
}

/// One generation of a projection's tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GenerationState {
    /// Generation number (1, 2, …); part of its tables' names.
    pub generation: i64,
    /// The projection version that built it.
    pub version: i64,
    /// Last position applied.
    pub checkpoint: Position,
}

/// How far a projection is behind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lag {
    /// The log's head position.
    pub head: Position,
    /// The projection's checkpoint.
    pub checkpoint: Position,
    /// `head - checkpoint`.
    pub behind: u64,
}

pub(crate) fn to_position(v: i64) -> Position {
    u64::try_from(v).unwrap_or(0)
}

fn redact(url: &str) -> String {
    match url.split_once('@') {
        Some((_, host)) => format!("postgres://…@{host}"),
        None => url.to_owned(),
    }
}

pub(crate) fn open_sqlite(path: &Path) -> Result<rusqlite::Connection> {
    let conn = rusqlite::Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(SQLITE_BUSY_TIMEOUT)?;
    // The store keeps the file in WAL mode (persistent); asking again is harmless and makes sure.
    let _mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
    conn.execute_batch("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=OFF;")?;
    conn.set_prepared_statement_cache_capacity(128);
    Ok(conn)
}

pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ProjectionError::Task(e.to_string()))?
}

/// The work of one transaction.
#[async_trait]
pub(crate) trait TxOp: Send + 'static {
    type Out: Send + 'static;
    async fn run(self, tx: &mut Tx<'_>) -> Result<Self::Out>;
}

/// A runner's own connection for batches (never the store's writer).
pub(crate) enum WorkConn {
    Sqlite(Arc<Mutex<rusqlite::Connection>>),
    Postgres {
        options: Box<PgConnectOptions>,
        conn: Option<PgConnection>,
    },
}

impl std::fmt::Debug for WorkConn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WorkConn::Sqlite(_) => f.write_str("WorkConn::Sqlite"),
            WorkConn::Postgres { conn, .. } => f
                .debug_struct("WorkConn::Postgres")
                .field("connected", &conn.is_some())
                .finish(),
        }
    }
}

impl WorkConn {
    /// Runs `op` in one transaction: committed if it succeeds, rolled back otherwise.
    pub(crate) async fn transaction<O: TxOp>(
        &mut self,
        names: Arc<Names>,
        op: O,
    ) -> Result<O::Out> {
        match self {
            WorkConn::Sqlite(conn) => {
                let conn = conn.clone();
                blocking(move || {
                    let mut guard = conn.lock().unwrap_or_else(PoisonError::into_inner);
                    guard.execute_batch("BEGIN IMMEDIATE")?;
                    let result = {
                        let mut tx = Tx::new(TxConn::Sqlite(&mut guard), names);
                        futures::executor::block_on(op.run(&mut tx))
                    };
                    let result = result.and_then(|out| {
                        guard.execute_batch("COMMIT")?;
                        Ok(out)
                    });
                    if result.is_err() && !guard.is_autocommit() {
                        let _ = guard.execute_batch("ROLLBACK");
                    }
                    result
                })
                .await
            }
            WorkConn::Postgres { options, conn } => {
                if conn.is_none() {
                    *conn = Some(PgConnection::connect_with(options).await?);
                }
                let Some(c) = conn.as_mut() else {
                    return Err(ProjectionError::Task("no connection".into()));
                };
                let result = pg_transaction(c, names, op).await;
                if let Err(e) = &result
                    && matches!(
                        e,
                        ProjectionError::Postgres(
                            sqlx::Error::Io(_)
                                | sqlx::Error::Protocol(_)
                                | sqlx::Error::PoolClosed
                                | sqlx::Error::WorkerCrashed
                        )
                    )
                {
                    // The connection may be broken: start afresh next time.
                    *conn = None;
                }
                result
            }
        }
    }
}

async fn pg_transaction<O: TxOp>(
    conn: &mut PgConnection,
    names: Arc<Names>,
    op: O,
) -> Result<O::Out> {
    let mut txn = conn.begin().await?;
    let result = {
        let mut tx = Tx::new(TxConn::Postgres(&mut txn), names);
        op.run(&mut tx).await
    };
    match result {
        Ok(out) => {
            txn.commit().await?;
            Ok(out)
        }
        Err(e) => {
            let _ = txn.rollback().await;
            Err(e)
        }
    }
}
