//! The registry of projections and their generations, and the transactions that change it: first
//! registration, starting a rebuild, applying a batch with its checkpoint, switching to a rebuilt
//! generation, dropping a retired one.
//!
//! ```text
//! rm_registry    (name PK, active_generation, building_generation NULL, next_generation)
//! rm_generations (name, generation PK, version, state building|active|retired|dropped, tables, checkpoint)
//! ```

use std::sync::Arc;

use async_trait::async_trait;
use govshare_store::{Position, RecordedEvent};
use tracing::Instrument;

use crate::db::{TxOp, to_position};
use crate::error::{ProjectionError, Result};
use crate::projection::Projection;
use crate::sql::{Dialect, Names, Row, Tx, check_identifier, generation_table, view_name};

/// Advisory lock serialising registry DDL on PostgreSQL ("rm-regist" in ASCII).
const REGISTRY_LOCK: i64 = 0x726d_2d72_6567_6973;

const REGISTRY_DDL: &str = "\
CREATE TABLE IF NOT EXISTS rm_registry (\
    name TEXT PRIMARY KEY, \
    active_generation BIGINT NOT NULL, \
    building_generation BIGINT, \
    next_generation BIGINT NOT NULL); \
CREATE TABLE IF NOT EXISTS rm_generations (\
    name TEXT NOT NULL, \
    generation BIGINT NOT NULL, \
    version BIGINT NOT NULL, \
    state TEXT NOT NULL, \
    tables TEXT NOT NULL, \
    checkpoint BIGINT NOT NULL, \
    PRIMARY KEY (name, generation));";

/// What a runner needs to know about a generation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Generation {
    pub generation: i64,
    pub version: i64,
    pub checkpoint: Position,
}

/// The registry row of one projection, with its generations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Registered {
    pub active: Generation,
    pub building: Option<Generation>,
}

/// The PostgreSQL lease a batch is fenced by: the backend pid of the lease connection and the
/// advisory lock key it must hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Fence {
    pub pid: i32,
    pub key: i64,
}

/// Called after a batch is applied and its checkpoint written, before the commit; returning `true`
/// aborts the transaction (fault injection for tests).
pub type BeforeCommit = Arc<dyn Fn(&BatchInfo) -> bool + Send + Sync>;

/// One batch, as the fault-injection hook sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchInfo {
    /// Projection.
    pub projection: &'static str,
    /// Generation written.
    pub generation: i64,
    /// First position of the batch.
    pub from: Position,
    /// Last position of the batch.
    pub to: Position,
}

fn for_update(tx: &Tx<'_>) -> &'static str {
    match tx.dialect() {
        Dialect::Postgres => " FOR UPDATE",
        Dialect::Sqlite => "",
    }
}

async fn lock_registry(tx: &mut Tx<'_>) -> Result<()> {
    if tx.dialect() == Dialect::Postgres {
        tx.query("SELECT pg_advisory_xact_lock($1)", &[REGISTRY_LOCK.into()])
            .await?;
    }
    tx.batch(REGISTRY_DDL).await
}

fn generation_of(row: &Row, offset: usize) -> Result<Option<Generation>> {
    Ok(match row.opt_i64(offset)? {
        Some(generation) => Some(Generation {
            generation,
            version: row.i64(offset + 1)?,
            checkpoint: to_position(row.i64(offset + 2)?),
        }),
        None => None,
    })
}

async fn read_registered(tx: &mut Tx<'_>, name: &str, lock: bool) -> Result<Option<Registered>> {
    let sql = format!(
        "SELECT a.generation, a.version, a.checkpoint, b.generation, b.version, b.checkpoint \
         FROM rm_registry r \
         JOIN rm_generations a ON a.name = r.name AND a.generation = r.active_generation \
         LEFT JOIN rm_generations b ON b.name = r.name AND b.generation = r.building_generation \
         WHERE r.name = $1{}",
        if lock && tx.dialect() == Dialect::Postgres {
            " FOR UPDATE OF r"
        } else {
            ""
        }
    );
    let Some(row) = tx.query_opt(&sql, &[name.into()]).await? else {
        return Ok(None);
    };
    let active = generation_of(&row, 0)?.ok_or_else(|| {
        ProjectionError::Definition(format!("projection {name} has no active generation"))
    })?;
    Ok(Some(Registered {
        active,
        building: generation_of(&row, 3)?,
    }))
}

/// Creates generation `generation`'s tables from the projection's schema.
async fn create_tables(
    tx: &mut Tx<'_>,
    projection: &dyn Projection,
    generation: i64,
) -> Result<()> {
    let names = Names::generation(
        tx.dialect(),
        projection.name(),
        generation,
        projection.tables(),
    );
    for statement in projection.schema(tx.dialect()) {
        let sql = names.render(&statement)?;
        tx.raw(&sql).await?;
    }
    Ok(())
}

async fn insert_generation(
    tx: &mut Tx<'_>,
    projection: &dyn Projection,
    generation: i64,
    state: &str,
) -> Result<()> {
    tx.execute(
        "INSERT INTO rm_generations (name, generation, version, state, tables, checkpoint) \
         VALUES ($1, $2, $3, $4, $5, 0)",
        &[
            projection.name().into(),
            generation.into(),
            projection.version().into(),
            state.into(),
            projection.tables().join(",").into(),
        ],
    )
    .await?;
    Ok(())
}

/// Points the views of `projection` at generation `generation`, dropping views of `old_tables` the
/// projection no longer has.
async fn point_views(
    tx: &mut Tx<'_>,
    projection: &dyn Projection,
    generation: i64,
    old_tables: &[String],
) -> Result<()> {
    let name = projection.name();
    for old in old_tables {
        if !projection.tables().contains(&old.as_str()) {
            check_identifier("table", old)?;
            tx.raw(&format!("DROP VIEW IF EXISTS {}", view_name(name, old)))
                .await?;
        }
    }
    for table in projection.tables() {
        let view = view_name(name, table);
        tx.raw(&format!("DROP VIEW IF EXISTS {view}")).await?;
        tx.raw(&format!(
            "CREATE VIEW {view} AS SELECT * FROM {}",
            generation_table(name, generation, table)
        ))
        .await?;
    }
    Ok(())
}

async fn tables_of(tx: &mut Tx<'_>, name: &str, generation: i64) -> Result<Vec<String>> {
    let row = tx
        .query_opt(
            "SELECT tables FROM rm_generations WHERE name = $1 AND generation = $2",
            &[name.into(), generation.into()],
        )
        .await?;
    let Some(row) = row else {
        return Ok(Vec::new());
    };
    let tables: Vec<String> = row
        .text(0)?
        .split(',')
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect();
    for t in &tables {
        check_identifier("table", t)?;
    }
    Ok(tables)
}

async fn drop_tables(tx: &mut Tx<'_>, name: &str, generation: i64) -> Result<()> {
    for table in tables_of(tx, name, generation).await? {
        tx.raw(&format!(
            "DROP TABLE IF EXISTS {}",
            generation_table(name, generation, &table)
        ))
        .await?;
    }
    tx.execute(
        "UPDATE rm_generations SET state = 'dropped' WHERE name = $1 AND generation = $2",
        &[name.into(), generation.into()],
    )
    .await?;
    Ok(())
}

/// Registers a projection if it is new here: generation 1, empty, active, with its views.
pub(crate) struct Register(pub Arc<dyn Projection>);

#[async_trait]
impl TxOp for Register {
    type Out = Registered;

    async fn run(self, tx: &mut Tx<'_>) -> Result<Registered> {
        let projection = &*self.0;
        lock_registry(tx).await?;
        if let Some(found) = read_registered(tx, projection.name(), true).await? {
            return Ok(found);
        }
        create_tables(tx, projection, 1).await?;
        insert_generation(tx, projection, 1, "active").await?;
        tx.execute(
            "INSERT INTO rm_registry (name, active_generation, building_generation, next_generation) \
             VALUES ($1, 1, NULL, 2)",
            &[projection.name().into()],
        )
        .await?;
        point_views(tx, projection, 1, &[]).await?;
        read_registered(tx, projection.name(), false)
            .await?
            .ok_or_else(|| ProjectionError::UnknownProjection(projection.name().to_owned()))
    }
}

/// Reads the registry row of a projection.
pub(crate) struct ReadRegistered(pub &'static str);

#[async_trait]
impl TxOp for ReadRegistered {
    type Out = Option<Registered>;

    async fn run(self, tx: &mut Tx<'_>) -> Result<Option<Registered>> {
        read_registered(tx, self.0, false).await
    }
}

/// Starts building a new generation of the projection's current version from position 0, unless one
/// is being built already. A generation being built by another version is dropped first. Returns the
/// generation being built.
pub(crate) struct StartBuild(pub Arc<dyn Projection>);

#[async_trait]
impl TxOp for StartBuild {
    type Out = i64;

    async fn run(self, tx: &mut Tx<'_>) -> Result<i64> {
        let projection = &*self.0;
        let name = projection.name();
        lock_registry(tx).await?;
        let registered = read_registered(tx, name, true)
            .await?
            .ok_or_else(|| ProjectionError::UnknownProjection(name.to_owned()))?;
        let version = i64::from(projection.version());
        if let Some(building) = registered.building {
            if building.version == version {
                return Ok(building.generation);
            }
            drop_tables(tx, name, building.generation).await?;
        }
        let row = tx
            .query_opt(
                "SELECT next_generation FROM rm_registry WHERE name = $1",
                &[name.into()],
            )
            .await?
            .ok_or_else(|| ProjectionError::UnknownProjection(name.to_owned()))?;
        let generation = row.i64(0)?;
        create_tables(tx, projection, generation).await?;
        insert_generation(tx, projection, generation, "building").await?;
        tx.execute(
            "UPDATE rm_registry SET building_generation = $2, next_generation = $3 WHERE name = $1",
            &[name.into(), generation.into(), (generation + 1).into()],
        )
        .await?;
        Ok(generation)
    }
}

/// The result of a batch transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BatchOutcome {
    /// Applied (possibly nothing new); the generation's checkpoint is now this.
    Applied { checkpoint: Position, events: usize },
    /// The generation is no longer written by this version (switched away, dropped, other version).
    Stale,
}

/// Applies events to one generation, with its checkpoint, fenced by the lease.
pub(crate) struct ApplyBatch {
    pub projection: Arc<dyn Projection>,
    pub generation: i64,
    pub events: Vec<RecordedEvent>,
    pub fence: Option<Fence>,
    pub before_commit: Option<BeforeCommit>,
}

#[async_trait]
impl TxOp for ApplyBatch {
    type Out = BatchOutcome;

    async fn run(self, tx: &mut Tx<'_>) -> Result<BatchOutcome> {
        let projection = &*self.projection;
        let name = projection.name();
        let sql = format!(
            "SELECT checkpoint, state, version FROM rm_generations \
             WHERE name = $1 AND generation = $2{}",
            for_update(tx)
        );
        let Some(row) = tx
            .query_opt(&sql, &[name.into(), self.generation.into()])
            .await?
        else {
            return Ok(BatchOutcome::Stale);
        };
        let state = row.text(1)?;
        if !(state == "active" || state == "building")
            || row.i64(2)? != i64::from(projection.version())
        {
            return Ok(BatchOutcome::Stale);
        }
        if let Some(fence) = self.fence {
            let key = fence.key as u64;
            let held = tx
                .query_opt(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = $1 \
                     AND classid::bigint = $2 AND objid::bigint = $3 AND objsubid = 1 AND granted",
                    &[
                        i64::from(fence.pid).into(),
                        ((key >> 32) as i64).into(),
                        ((key & 0xffff_ffff) as i64).into(),
                    ],
                )
                .await?
                .map(|r| r.i64(0))
                .transpose()?
                .unwrap_or(0);
            if held == 0 {
                return Err(ProjectionError::LeaseLost(name.to_owned()));
            }
        }
        let checkpoint = to_position(row.i64(0)?);
        let events: Vec<&RecordedEvent> = self
            .events
            .iter()
            .filter(|e| e.position > checkpoint)
            .collect();
        let (Some(first), Some(last)) = (events.first(), events.last()) else {
            return Ok(BatchOutcome::Applied {
                checkpoint,
                events: 0,
            });
        };
        if first.position != checkpoint + 1 {
            return Err(ProjectionError::Gap {
                projection: name.to_owned(),
                expected: checkpoint + 1,
                found: first.position,
            });
        }
        let (from, to) = (first.position, last.position);
        let span = tracing::info_span!(
            "projection.batch",
            projection = name,
            generation = self.generation,
            from,
            to
        );
        async {
            for event in &events {
                if projection.wants(event) {
                    projection.apply(tx, event).await?;
                }
            }
            tx.execute(
                "UPDATE rm_generations SET checkpoint = $3 WHERE name = $1 AND generation = $2",
                &[name.into(), self.generation.into(), to.into()],
            )
            .await?;
            if let Some(hook) = &self.before_commit {
                let info = BatchInfo {
                    projection: name,
                    generation: self.generation,
                    from,
                    to,
                };
                if hook(&info) {
                    return Err(ProjectionError::Injected {
                        projection: name.to_owned(),
                        from,
                        to,
                    });
                }
            }
            Ok(BatchOutcome::Applied {
                checkpoint: to,
                events: events.len(),
            })
        }
        .instrument(span)
        .await
    }
}

/// Switches queries to the generation being built once it has reached `min_checkpoint` and the
/// active generation's checkpoint. Returns the generation retired.
pub(crate) struct Switch {
    pub projection: Arc<dyn Projection>,
    pub min_checkpoint: Position,
}

#[async_trait]
impl TxOp for Switch {
    type Out = Option<i64>;

    async fn run(self, tx: &mut Tx<'_>) -> Result<Option<i64>> {
        let projection = &*self.projection;
        let name = projection.name();
        lock_registry(tx).await?;
        let Some(registered) = read_registered(tx, name, true).await? else {
            return Ok(None);
        };
        let Some(building) = registered.building else {
            return Ok(None);
        };
        if building.version != i64::from(projection.version())
            || building.checkpoint < self.min_checkpoint.max(registered.active.checkpoint)
        {
            return Ok(None);
        }
        let old = registered.active.generation;
        let old_tables = tables_of(tx, name, old).await?;
        tx.execute(
            "UPDATE rm_registry SET active_generation = $2, building_generation = NULL WHERE name = $1",
            &[name.into(), building.generation.into()],
        )
        .await?;
        tx.execute(
            "UPDATE rm_generations SET state = 'retired' WHERE name = $1 AND generation = $2",
            &[name.into(), old.into()],
        )
        .await?;
        tx.execute(
            "UPDATE rm_generations SET state = 'active' WHERE name = $1 AND generation = $2",
            &[name.into(), building.generation.into()],
        )
        .await?;
        point_views(tx, projection, building.generation, &old_tables).await?;
        Ok(Some(old))
    }
}

/// Drops a retired generation's tables.
pub(crate) struct DropGeneration {
    pub name: &'static str,
    pub generation: i64,
}

#[async_trait]
impl TxOp for DropGeneration {
    type Out = ();

    async fn run(self, tx: &mut Tx<'_>) -> Result<()> {
        lock_registry(tx).await?;
        let state = tx
            .query_opt(
                "SELECT state FROM rm_generations WHERE name = $1 AND generation = $2",
                &[self.name.into(), self.generation.into()],
            )
            .await?
            .map(|r| r.text(0))
            .transpose()?;
        if state.as_deref() == Some("retired") {
            drop_tables(tx, self.name, self.generation).await?;
        }
        Ok(())
    }
}
