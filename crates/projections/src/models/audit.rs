//! The audit trail: every event of the log with who / when / what / position / hash, by case, by
//! department, by person, by business transaction.
//!
//! Built from the store's record alone (no domain decoding), so it covers every aggregate kind, and
//! an event the domain no longer decodes still appears. The payload itself is not copied: read it
//! from the log at the entry's position (`EventStore::read_all(position, 1)`).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use govshare_store::{Position, RecordedEvent, StreamId};

use crate::db::{ReadDb, to_position};
use crate::error::Result;
use crate::models::util::{from_nanos, nanos};
use crate::page::{Page, PageRequest};
use crate::projection::Projection;
use crate::sql::{Dialect, Names, Row, SqlValue, Tx};

/// Projection name.
pub const NAME: &str = "audit";
const TABLES: &[&str] = &["events"];

/// The audit-trail projection.
#[derive(Clone, Copy, Debug, Default)]
pub struct AuditTrail;

#[async_trait]
impl Projection for AuditTrail {
    fn name(&self) -> &'static str {
        NAME
    }

    fn version(&self) -> u32 {
        1
    }

    fn tables(&self) -> &'static [&'static str] {
        TABLES
    }

    fn schema(&self, _dialect: Dialect) -> Vec<String> {
        vec![
            "CREATE TABLE {events} (\
                position BIGINT PRIMARY KEY, \
                recorded_at BIGINT NOT NULL, \
                aggregate_type TEXT NOT NULL, \
                aggregate_id TEXT NOT NULL, \
                sequence BIGINT NOT NULL, \
                event_type TEXT NOT NULL, \
                schema_version BIGINT NOT NULL, \
                department TEXT NOT NULL, \
                person TEXT NOT NULL, \
                role TEXT NOT NULL, \
                event_id TEXT NOT NULL, \
                command_id TEXT NOT NULL, \
                correlation_id TEXT NOT NULL, \
                causation_id TEXT, \
                rule_set_id TEXT, \
                rule_set_version TEXT, \
                hash TEXT NOT NULL)"
                .into(),
            "CREATE INDEX {events}_case ON {events} (aggregate_type, aggregate_id, position)"
                .into(),
            "CREATE INDEX {events}_dept ON {events} (department, position)".into(),
            "CREATE INDEX {events}_person ON {events} (person, position)".into(),
            "CREATE INDEX {events}_corr ON {events} (correlation_id, position)".into(),
        ]
    }

    async fn apply(&self, tx: &mut Tx<'_>, e: &RecordedEvent) -> Result<()> {
        let m = &e.metadata;
        tx.execute(
            "INSERT INTO {events} (position, recorded_at, aggregate_type, aggregate_id, sequence, \
             event_type, schema_version, department, person, role, event_id, command_id, \
             correlation_id, causation_id, rule_set_id, rule_set_version, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
            &[
                e.position.into(),
                nanos(e.recorded_at).into(),
                e.stream.aggregate_type.as_str().into(),
                e.stream.aggregate_id.as_str().into(),
                e.sequence.into(),
                e.event_type.as_str().into(),
                e.schema_version.into(),
                m.actor.department.as_str().into(),
                m.actor.person.as_str().into(),
                m.actor.role.as_str().into(),
                m.event_id.to_string().into(),
                m.command_id.to_string().into(),
                m.correlation_id.to_string().into(),
                m.causation_id.map(|c| c.to_string()).into(),
                m.rule_set.as_ref().map(|r| r.id.clone()).into(),
                m.rule_set.as_ref().map(|r| r.version.clone()).into(),
                hex::encode(e.hash).into(),
            ],
        )
        .await?;
        Ok(())
    }
}

/// One event of the trail.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct AuditEntry {
    /// Global position.
    pub position: Position,
    /// When it was recorded (UTC).
    pub recorded_at: DateTime<Utc>,
    /// The case: the aggregate's stream.
    pub stream: StreamId,
    /// Sequence within the stream.
    pub sequence: u64,
    /// What happened: the event type.
    pub event_type: String,
    /// The event's schema version as stored.
    pub schema_version: u32,
    /// Acting department (code).
    pub department: String,
    /// Acting person.
    pub person: String,
    /// Role acted under.
    pub role: String,
    /// Event id.
    pub event_id: String,
    /// The command that produced it.
    pub command_id: String,
    /// The business transaction.
    pub correlation_id: String,
    /// The cause, if recorded.
    pub causation_id: Option<String>,
    /// The rule set `(id, version)` the decision was taken under, if recorded.
    pub rule_set: Option<(String, String)>,
    /// The chain hash (hex).
    pub hash: String,
}

/// Which events of the trail to list (always in position order).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuditFilter {
    /// Every event.
    All,
    /// The events of one case (stream).
    Case(StreamId),
    /// The events a department's staff recorded.
    Department(String),
    /// The events one person recorded.
    Person(String),
    /// The events of one business transaction (correlation id).
    Correlation(String),
}

const COLUMNS: &str = "position, recorded_at, aggregate_type, aggregate_id, sequence, event_type, \
     schema_version, department, person, role, event_id, command_id, correlation_id, causation_id, \
     rule_set_id, rule_set_version, hash";

fn entry(row: &Row) -> Result<AuditEntry> {
    let rule_set = match (row.opt_text(14)?, row.opt_text(15)?) {
        (Some(id), Some(version)) => Some((id, version)),
        _ => None,
    };
    Ok(AuditEntry {
        position: row.u64(0)?,
        recorded_at: from_nanos(row.i64(1)?),
        stream: StreamId::new(row.text(2)?, row.text(3)?),
        sequence: row.u64(4)?,
        event_type: row.text(5)?,
        schema_version: u32::try_from(row.i64(6)?).unwrap_or(0),
        department: row.text(7)?,
        person: row.text(8)?,
        role: row.text(9)?,
        event_id: row.text(10)?,
        command_id: row.text(11)?,
        correlation_id: row.text(12)?,
        causation_id: row.opt_text(13)?,
        rule_set,
        hash: row.text(16)?,
    })
}

/// Lists the trail, filtered, in position order.
pub async fn trail(
    db: &ReadDb,
    filter: &AuditFilter,
    page: &PageRequest,
) -> Result<Page<AuditEntry>> {
    let (tag, condition, mut params): (&str, &str, Vec<SqlValue>) = match filter {
        AuditFilter::All => ("audit.all", "1 = 1", vec![]),
        AuditFilter::Case(s) => (
            "audit.case",
            "aggregate_type = $1 AND aggregate_id = $2",
            vec![
                s.aggregate_type.as_str().into(),
                s.aggregate_id.as_str().into(),
            ],
        ),
        AuditFilter::Department(d) => ("audit.department", "department = $1", vec![d.into()]),
        AuditFilter::Person(p) => ("audit.person", "person = $1", vec![p.into()]),
        AuditFilter::Correlation(c) => ("audit.correlation", "correlation_id = $1", vec![c.into()]),
    };
    let after = match &page.after {
        Some(cursor) => cursor
            .decode(tag, &[true])?
            .into_iter()
            .next()
            .unwrap_or(SqlValue::from(0i64)),
        None => SqlValue::from(0i64),
    };
    let limit = page.clamped_limit();
    let n = params.len();
    params.push(after);
    params.push((limit + 1).into());
    let sql = format!(
        "SELECT {COLUMNS} FROM {{events}} WHERE {condition} AND position > ${} \
         ORDER BY position LIMIT ${}",
        n + 1,
        n + 2
    );
    let names = Names::views(db.dialect(), NAME, TABLES);
    let rows = db.query(&names, &sql, params).await?;
    let items = rows.iter().map(entry).collect::<Result<Vec<_>>>()?;
    Ok(Page::from_fetched(items, limit, tag, |e| {
        vec![SqlValue::from(e.position)]
    }))
}

/// One entry by position.
pub async fn at_position(db: &ReadDb, position: Position) -> Result<Option<AuditEntry>> {
    let names = Names::views(db.dialect(), NAME, TABLES);
    let rows = db
        .query(
            &names,
            &format!("SELECT {COLUMNS} FROM {{events}} WHERE position = $1"),
            vec![position.into()],
        )
        .await?;
    rows.first().map(entry).transpose()
}

/// Number of events in the trail (equals the projection's checkpoint once caught up).
pub async fn count(db: &ReadDb) -> Result<Position> {
    let names = Names::views(db.dialect(), NAME, TABLES);
    let rows = db
        .query(&names, "SELECT count(*) FROM {events}", vec![])
        .await?;
    Ok(rows
        .first()
        .map(|r| r.i64(0))
        .transpose()?
        .map_or(0, to_position))
}
