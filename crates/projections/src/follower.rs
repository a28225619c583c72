//! Checkpoints and leases of log *followers*: workers beside the runner that read the global log and act
//! on it through the engine (the policies of `govshare-scheduler`) instead of writing tables.
//!
//! A follower's effect is a command recorded in the log, not a row in the read database, so its
//! checkpoint cannot commit in the same transaction as its effect. It is kept here instead, in
//! `rm_followers` (one row per follower), and only ever moves forward: a follower advances it after its
//! effect is recorded, and an effect issued again after a crash (under the same derived command id) is
//! answered by the engine from the record. The lease is the projection runner's (a PostgreSQL advisory
//! lock on the follower's own connection, or a lock file beside the SQLite store), under the name
//! `follower:<name>`, so that one instance follows at a time.

use std::sync::Arc;

use async_trait::async_trait;
use govshare_store::Position;
use tokio::sync::Mutex;

use crate::db::{ReadDb, TxOp, WorkConn, to_position};
use crate::error::{ProjectionError, Result};
use crate::lease::{Lease, Leases};
use crate::sql::{Dialect, Names, Tx, check_identifier};

/// Advisory lock serialising the followers' DDL on PostgreSQL ("rm-follo" in ASCII).
const FOLLOWERS_LOCK: i64 = 0x726d_2d66_6f6c_6c6f;

const FOLLOWERS_DDL: &str =
    "CREATE TABLE IF NOT EXISTS rm_followers (name TEXT PRIMARY KEY, checkpoint BIGINT NOT NULL)";

/// The checkpoint of one follower, on a connection of its own.
///
/// ```no_run
/// # async fn example(db: govshare_projections::ReadDb) -> govshare_projections::Result<()> {
/// let follower = db.follower("provision_grant")?;
/// let from = follower.checkpoint().await? + 1;
/// // … act on the events from `from` on, then:
/// follower.advance(from).await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Follower {
    db: ReadDb,
    name: String,
    conn: Arc<Mutex<Option<WorkConn>>>,
}

/// A follower's lease: while held, no other instance holds the lease of the same follower.
#[derive(Debug)]
pub struct FollowerLease {
    lease: Lease,
    // The PostgreSQL lease lives on the connection the `Leases` hold; keep them together.
    _leases: Leases,
}

impl ReadDb {
    /// The checkpoint of follower `name` (`[a-z][a-z0-9_]*`, at most 20 bytes).
    pub fn follower(&self, name: &str) -> Result<Follower> {
        check_identifier("follower", name)?;
        Ok(Follower {
            db: self.clone(),
            name: name.to_owned(),
            conn: Arc::new(Mutex::new(None)),
        })
    }
}

impl Follower {
    /// The follower's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The last position the follower has dealt with (0 if it never advanced).
    pub async fn checkpoint(&self) -> Result<Position> {
        self.transaction(Read {
            name: self.name.clone(),
        })
        .await
    }

    /// Moves the checkpoint to `to` unless it already stands there or further (another instance, or an
    /// earlier run, went on); returns where it stands now.
    pub async fn advance(&self, to: Position) -> Result<Position> {
        let to = i64::try_from(to).map_err(|_| ProjectionError::Column {
            index: 0,
            detail: format!("position {to} does not fit a BIGINT"),
        })?;
        self.transaction(Advance {
            name: self.name.clone(),
            to,
        })
        .await
    }

    /// Takes the follower's lease if no other instance holds it. Dropping the lease (or the process
    /// dying) gives it back.
    pub async fn try_lease(&self) -> Result<Option<FollowerLease>> {
        let leases = match (self.db.sqlite_path(), self.db.pg_options()) {
            (Some(path), _) => Leases::sqlite(path),
            (None, Some(options)) => Leases::postgres(options.clone()),
            (None, None) => return Err(ProjectionError::Task("no database".into())),
        };
        let name = format!("follower_{}", self.name);
        Ok(leases.try_acquire(&name).await?.map(|lease| FollowerLease {
            lease,
            _leases: leases,
        }))
    }

    async fn transaction<O: TxOp>(&self, op: O) -> Result<O::Out> {
        let mut conn = self.conn.lock().await;
        if conn.is_none() {
            *conn = Some(self.db.work_connection().await?);
        }
        let Some(work) = conn.as_mut() else {
            return Err(ProjectionError::Task("no connection".into()));
        };
        let names = Arc::new(Names::none(self.db.dialect()));
        let result = work.transaction(names, op).await;
        if result.is_err() && self.db.dialect() == Dialect::Sqlite {
            // A fresh connection next time; the PostgreSQL one reconnects by itself.
            *conn = None;
        }
        result
    }
}

impl FollowerLease {
    /// Whether the lease is still held (on PostgreSQL: its connection is alive).
    pub async fn is_held(&self) -> bool {
        self.lease.check().await
    }

    /// Gives the lease back.
    pub async fn release(self) {
        self.lease.release().await;
    }
}

async fn ensure_table(tx: &mut Tx<'_>) -> Result<()> {
    if tx.dialect() == Dialect::Postgres {
        tx.query("SELECT pg_advisory_xact_lock($1)", &[FOLLOWERS_LOCK.into()])
            .await?;
    }
    tx.batch(FOLLOWERS_DDL).await
}

async fn current(tx: &mut Tx<'_>, name: &str) -> Result<Position> {
    let row = tx
        .query_opt(
            "SELECT checkpoint FROM rm_followers WHERE name = $1",
            &[name.into()],
        )
        .await?;
    Ok(match row {
        Some(row) => to_position(row.i64(0)?),
        None => 0,
    })
}

struct Read {
    name: String,
}

#[async_trait]
impl TxOp for Read {
    type Out = Position;
    async fn run(self, tx: &mut Tx<'_>) -> Result<Position> {
        ensure_table(tx).await?;
        current(tx, &self.name).await
    }
}

struct Advance {
    name: String,
    to: i64,
}

#[async_trait]
impl TxOp for Advance {
    type Out = Position;
    async fn run(self, tx: &mut Tx<'_>) -> Result<Position> {
        ensure_table(tx).await?;
        tx.execute(
            "INSERT INTO rm_followers (name, checkpoint) VALUES ($1, $2) \
             ON CONFLICT (name) DO UPDATE SET checkpoint = excluded.checkpoint \
             WHERE rm_followers.checkpoint < excluded.checkpoint",
            &[self.name.as_str().into(), self.to.into()],
        )
        .await?;
        current(tx, &self.name).await
    }
}
