//! Deadlines: every deadline fact of every aggregate (catalog entries, share applications,
//! verification requests, incidents, supervision cases), indexed by due instant and by the
//! department that owes the act.
//!
//! A deadline is `open` from its `DeadlineSet` until a `DeadlineMet` (`met`), or until the share
//! application it belongs to is withdrawn before it fell due (`withdrawn`: a step not yet due when the
//! requester withdrew is no longer owed). `DeadlineExtended` and `DeadlineRecomputed` move its due
//! instant. `DeadlineMissed` marks it `missed` (attributed to the owing department, 第四十一条) but does
//! not close it: the duty does not lapse, and a late act still meets it. `DeadlineReminded` records when
//! the owing department was reminded before the due day (`reminded_at`; only where the rule set
//! configures reminders).

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use govshare_domain::DeadlineFact;
use govshare_domain::share_application::{ShareApplication, ShareEvent};
use govshare_store::{Position, RecordedEvent, StreamId};

use crate::db::ReadDb;
use crate::decode;
use crate::error::{ProjectionError, Result};
use crate::models::util::{from_nanos, nanos};
use crate::page::{Page, PageRequest};
use crate::projection::Projection;
use crate::sql::{Dialect, Names, Row, SqlValue, Tx};

/// Projection name.
pub const NAME: &str = "deadlines";
const TABLES: &[&str] = &["deadlines"];

/// The deadlines projection.
#[derive(Clone, Copy, Debug, Default)]
pub struct DeadlinesProjection;

#[async_trait]
impl Projection for DeadlinesProjection {
    fn name(&self) -> &'static str {
        NAME
    }

    fn version(&self) -> u32 {
        // 2: `reminded_at`.
        2
    }

    fn tables(&self) -> &'static [&'static str] {
        TABLES
    }

    fn schema(&self, _dialect: Dialect) -> Vec<String> {
        vec![
            "CREATE TABLE {deadlines} (\
                aggregate_type TEXT NOT NULL, \
                aggregate_id TEXT NOT NULL, \
                deadline_id TEXT NOT NULL, \
                what TEXT NOT NULL, \
                owed_by TEXT NOT NULL, \
                from_at BIGINT NOT NULL, \
                working_days BIGINT NOT NULL, \
                due_date TEXT NOT NULL, \
                due_at BIGINT NOT NULL, \
                provisional BIGINT NOT NULL, \
                extensions BIGINT NOT NULL, \
                state TEXT NOT NULL, \
                missed BIGINT NOT NULL, \
                missed_at BIGINT, \
                met_at BIGINT, \
                late BIGINT, \
                rule_set_id TEXT NOT NULL, \
                rule_set_version BIGINT NOT NULL, \
                set_position BIGINT NOT NULL, \
                last_position BIGINT NOT NULL, \
                reminded_at BIGINT, \
                PRIMARY KEY (aggregate_type, aggregate_id, deadline_id))"
                .into(),
            "CREATE INDEX {deadlines}_due ON {deadlines} \
             (state, due_at, aggregate_type, aggregate_id, deadline_id)"
                .into(),
            "CREATE INDEX {deadlines}_owed ON {deadlines} \
             (owed_by, state, due_at, aggregate_type, aggregate_id, deadline_id)"
                .into(),
        ]
    }

    fn wants(&self, event: &RecordedEvent) -> bool {
        event.event_type.starts_with("Deadline")
            || (decode::is::<ShareApplication>(event)
                && event.event_type == "ShareApplicationWithdrawn")
    }

    async fn apply(&self, tx: &mut Tx<'_>, e: &RecordedEvent) -> Result<()> {
        let kind = e.stream.aggregate_type.as_str();
        let id = e.stream.aggregate_id.as_str();
        if decode::is::<ShareApplication>(e) && e.event_type == "ShareApplicationWithdrawn" {
            if let ShareEvent::ShareApplicationWithdrawn(w) = decode::event::<ShareApplication>(e)?
            {
                tx.execute(
                    "UPDATE {deadlines} SET state = 'withdrawn', last_position = $3 \
                     WHERE aggregate_type = $1 AND aggregate_id = $2 AND state = 'open' \
                     AND due_at >= $4",
                    &[
                        kind.into(),
                        id.into(),
                        e.position.into(),
                        nanos(w.at).into(),
                    ],
                )
                .await?;
            }
            return Ok(());
        }
        let Some(fact) = decode::deadline_fact(e)? else {
            return Ok(());
        };
        match fact {
            DeadlineFact::Set(d) => {
                tx.execute(
                    "INSERT INTO {deadlines} (aggregate_type, aggregate_id, deadline_id, what, owed_by, \
                     from_at, working_days, due_date, due_at, provisional, extensions, state, missed, \
                     missed_at, met_at, late, rule_set_id, rule_set_version, set_position, last_position, \
                     reminded_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0, 'open', 0, NULL, NULL, NULL, \
                     $11, $12, $13, $13, NULL) \
                     ON CONFLICT (aggregate_type, aggregate_id, deadline_id) DO UPDATE SET \
                     what = $4, owed_by = $5, from_at = $6, working_days = $7, due_date = $8, \
                     due_at = $9, provisional = $10, extensions = 0, state = 'open', missed = 0, \
                     missed_at = NULL, met_at = NULL, late = NULL, rule_set_id = $11, \
                     rule_set_version = $12, set_position = $13, last_position = $13, \
                     reminded_at = NULL",
                    &[
                        kind.into(),
                        id.into(),
                        d.id.0.as_str().into(),
                        d.obligation.what.key().into(),
                        d.obligation.owed_by.as_str().into(),
                        nanos(d.from).into(),
                        d.working_days.into(),
                        d.due_date.to_string().into(),
                        nanos(d.due_at).into(),
                        d.provisional.into(),
                        d.rule_set.id.as_str().into(),
                        d.rule_set.version.into(),
                        e.position.into(),
                    ],
                )
                .await?;
            }
            DeadlineFact::Met(m) => {
                tx.execute(
                    "UPDATE {deadlines} SET state = 'met', met_at = $4, late = $5, last_position = $6 \
                     WHERE aggregate_type = $1 AND aggregate_id = $2 AND deadline_id = $3",
                    &[
                        kind.into(),
                        id.into(),
                        m.id.0.as_str().into(),
                        nanos(m.at).into(),
                        m.late.into(),
                        e.position.into(),
                    ],
                )
                .await?;
            }
            DeadlineFact::Extended(x) => {
                tx.execute(
                    "UPDATE {deadlines} SET working_days = $4, due_date = $5, due_at = $6, \
                     provisional = $7, extensions = extensions + 1, last_position = $8 \
                     WHERE aggregate_type = $1 AND aggregate_id = $2 AND deadline_id = $3",
                    &[
                        kind.into(),
                        id.into(),
                        x.id.0.as_str().into(),
                        x.working_days.into(),
                        x.new_due_date.to_string().into(),
                        nanos(x.new_due_at).into(),
                        x.provisional.into(),
                        e.position.into(),
                    ],
                )
                .await?;
            }
            DeadlineFact::Missed(m) => {
                tx.execute(
                    "UPDATE {deadlines} SET missed = 1, missed_at = $4, last_position = $5 \
                     WHERE aggregate_type = $1 AND aggregate_id = $2 AND deadline_id = $3",
                    &[
                        kind.into(),
                        id.into(),
                        m.id.0.as_str().into(),
                        nanos(m.marked_at).into(),
                        e.position.into(),
                    ],
                )
                .await?;
            }
            DeadlineFact::Recomputed(r) => {
                tx.execute(
                    "UPDATE {deadlines} SET due_date = $4, due_at = $5, provisional = $6, \
                     last_position = $7 \
                     WHERE aggregate_type = $1 AND aggregate_id = $2 AND deadline_id = $3",
                    &[
                        kind.into(),
                        id.into(),
                        r.id.0.as_str().into(),
                        r.due_date.to_string().into(),
                        nanos(r.due_at).into(),
                        r.provisional.into(),
                        e.position.into(),
                    ],
                )
                .await?;
            }
            DeadlineFact::Reminded(r) => {
                tx.execute(
                    "UPDATE {deadlines} SET reminded_at = $4, last_position = $5 \
                     WHERE aggregate_type = $1 AND aggregate_id = $2 AND deadline_id = $3",
                    &[
                        kind.into(),
                        id.into(),
                        r.id.0.as_str().into(),
                        nanos(r.reminded_at).into(),
                        e.position.into(),
                    ],
                )
                .await?;
            }
        }
        Ok(())
    }
}

/// Where a deadline stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum DeadlineState {
    /// The owed act is outstanding (it may already be marked missed).
    Open,
    /// The owed act was performed (possibly late).
    Met,
    /// The share application was withdrawn before the step fell due: no longer owed.
    Withdrawn,
}

impl DeadlineState {
    fn parse(s: &str) -> Result<Self> {
        match s {
            "open" => Ok(Self::Open),
            "met" => Ok(Self::Met),
            "withdrawn" => Ok(Self::Withdrawn),
            other => Err(ProjectionError::Column {
                index: 11,
                detail: format!("unknown deadline state {other}"),
            }),
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Met => "met",
            Self::Withdrawn => "withdrawn",
        }
    }
}

/// The case a deadline belongs to, as [`StreamId`] serializes it (the schema of the `openapi` feature only).
#[cfg(feature = "openapi")]
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
struct DeadlineCase {
    /// The aggregate type, e.g. `ShareApplication`.
    aggregate_type: String,
    /// The case id.
    aggregate_id: String,
}

/// One deadline.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeadlineItem {
    /// The case (aggregate stream) it belongs to.
    #[cfg_attr(feature = "openapi", schema(value_type = DeadlineCase))]
    pub case: StreamId,
    /// Its id within the case, e.g. `share_provider_reply#1`.
    pub deadline_id: String,
    /// The act owed (rule key, e.g. `share_provider_reply`).
    pub what: String,
    /// The department that owes it.
    pub owed_by: String,
    /// The instant counting runs from.
    pub from: DateTime<Utc>,
    /// Working days allowed (0 for the clock-hour windows of 第三十四条).
    pub working_days: u32,
    /// The due Beijing date.
    pub due_date: NaiveDate,
    /// The last on-time instant.
    pub due_at: DateTime<Utc>,
    /// Whether the computation is provisional (a year without a published holiday arrangement).
    pub provisional: bool,
    /// Extensions granted.
    pub extensions: u32,
    /// Open, met or withdrawn.
    pub state: DeadlineState,
    /// Whether a miss was recorded (第四十一条).
    pub missed: bool,
    /// When the miss was recorded.
    pub missed_at: Option<DateTime<Utc>>,
    /// When the act was performed.
    pub met_at: Option<DateTime<Utc>>,
    /// Whether the act came late.
    pub late: Option<bool>,
    /// The rule set `(id, version)` the length came from.
    pub rule_set: (String, u32),
    /// Position of the `DeadlineSet` fact.
    #[cfg_attr(feature = "openapi", schema(value_type = u64))]
    pub set_position: Position,
    /// Position of the last fact that changed it.
    #[cfg_attr(feature = "openapi", schema(value_type = u64))]
    pub last_position: Position,
    /// When the owing department was reminded before the due day (`DeadlineReminded`), if it was.
    pub reminded_at: Option<DateTime<Utc>>,
}

/// Which deadlines to list; always ordered by due instant.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeadlineFilter {
    /// Only deadlines in this state (`None`: any).
    pub state: Option<DeadlineState>,
    /// Only deadlines missed (`Some(true)`) or not missed (`Some(false)`).
    pub missed: Option<bool>,
    /// Only deadlines owed by this department.
    pub owed_by: Option<String>,
    /// Only deadlines due at or before this instant.
    pub due_by: Option<DateTime<Utc>>,
    /// Only deadlines reminded of (`Some(true)`) or not (`Some(false)`).
    pub reminded: Option<bool>,
}

impl DeadlineFilter {
    /// Open deadlines not yet marked missed: every `DeadlineSet` not yet met, missed or withdrawn.
    pub fn open() -> Self {
        Self {
            state: Some(DeadlineState::Open),
            missed: Some(false),
            ..Self::default()
        }
    }

    /// Open deadlines, the missed ones included (the act is still owed).
    pub fn outstanding() -> Self {
        Self {
            state: Some(DeadlineState::Open),
            ..Self::default()
        }
    }

    /// Restricted to one owing department.
    pub fn owed_by(mut self, department: impl Into<String>) -> Self {
        self.owed_by = Some(department.into());
        self
    }

    /// Restricted to deadlines due at or before `at` (for the scheduler: `open().due_by(now)`).
    pub fn due_by(mut self, at: DateTime<Utc>) -> Self {
        self.due_by = Some(at);
        self
    }

    /// Restricted to deadlines not yet reminded of (for the scheduler's reminders).
    pub fn not_reminded(mut self) -> Self {
        self.reminded = Some(false);
        self
    }
}

const COLUMNS: &str = "aggregate_type, aggregate_id, deadline_id, what, owed_by, from_at, \
     working_days, due_date, due_at, provisional, extensions, state, missed, missed_at, met_at, late, \
     rule_set_id, rule_set_version, set_position, last_position, reminded_at";

fn item(row: &Row) -> Result<DeadlineItem> {
    let due_date = row.text(7)?;
    Ok(DeadlineItem {
        case: StreamId::new(row.text(0)?, row.text(1)?),
        deadline_id: row.text(2)?,
        what: row.text(3)?,
        owed_by: row.text(4)?,
        from: from_nanos(row.i64(5)?),
        working_days: u32::try_from(row.i64(6)?).unwrap_or(0),
        due_date: due_date.parse().map_err(|_| ProjectionError::Column {
            index: 7,
            detail: format!("{due_date} is not a date"),
        })?,
        due_at: from_nanos(row.i64(8)?),
        provisional: row.bool(9)?,
        extensions: u32::try_from(row.i64(10)?).unwrap_or(0),
        state: DeadlineState::parse(&row.text(11)?)?,
        missed: row.bool(12)?,
        missed_at: row.opt_i64(13)?.map(from_nanos),
        met_at: row.opt_i64(14)?.map(from_nanos),
        late: row.opt_i64(15)?.map(|v| v != 0),
        rule_set: (row.text(16)?, u32::try_from(row.i64(17)?).unwrap_or(0)),
        set_position: row.u64(18)?,
        last_position: row.u64(19)?,
        reminded_at: row.opt_i64(20)?.map(from_nanos),
    })
}

const TAG: &str = "deadlines.list";

/// The SQL conditions and parameters of `filter` (`$1`, `$2`, … in order).
fn conditions(filter: &DeadlineFilter) -> (Vec<String>, Vec<SqlValue>) {
    let mut conditions: Vec<String> = Vec::new();
    let mut params: Vec<SqlValue> = Vec::new();
    let mut bind = |condition: &str, value: SqlValue, params: &mut Vec<SqlValue>| {
        params.push(value);
        conditions.push(condition.replace('?', &format!("${}", params.len())));
    };
    if let Some(state) = filter.state {
        bind("state = ?", state.as_str().into(), &mut params);
    }
    if let Some(missed) = filter.missed {
        bind("missed = ?", missed.into(), &mut params);
    }
    if let Some(owed_by) = &filter.owed_by {
        bind("owed_by = ?", owed_by.into(), &mut params);
    }
    if let Some(due_by) = filter.due_by {
        bind("due_at <= ?", nanos(due_by).into(), &mut params);
    }
    match filter.reminded {
        Some(true) => conditions.push("reminded_at IS NOT NULL".to_owned()),
        Some(false) => conditions.push("reminded_at IS NULL".to_owned()),
        None => {}
    }
    (conditions, params)
}

fn where_clause(conditions: &[String]) -> String {
    if conditions.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conditions.join(" AND "))
    }
}

/// How many deadlines `filter` selects (for gauges such as the server's `/metrics`: a count, no rows).
pub async fn count(db: &ReadDb, filter: &DeadlineFilter) -> Result<u64> {
    let (conditions, params) = conditions(filter);
    let sql = format!(
        "SELECT COUNT(*) FROM {{deadlines}} {}",
        where_clause(&conditions)
    );
    let names = Names::views(db.dialect(), NAME, TABLES);
    let rows = db.query(&names, &sql, params).await?;
    match rows.first() {
        Some(row) => row.u64(0),
        None => Ok(0),
    }
}

/// Lists deadlines by due instant (then case and id), filtered.
pub async fn list(
    db: &ReadDb,
    filter: &DeadlineFilter,
    page: &PageRequest,
) -> Result<Page<DeadlineItem>> {
    let (mut conditions, mut params) = conditions(filter);
    if let Some(cursor) = &page.after {
        let key = cursor.decode(TAG, &[true, false, false, false])?;
        let n = params.len();
        params.extend(key);
        conditions.push(format!(
            "(due_at, aggregate_type, aggregate_id, deadline_id) > (${}, ${}, ${}, ${})",
            n + 1,
            n + 2,
            n + 3,
            n + 4
        ));
    }
    let limit = page.clamped_limit();
    params.push((limit + 1).into());
    let where_clause = where_clause(&conditions);
    let sql = format!(
        "SELECT {COLUMNS} FROM {{deadlines}} {where_clause} \
         ORDER BY due_at, aggregate_type, aggregate_id, deadline_id LIMIT ${}",
        params.len()
    );
    let names = Names::views(db.dialect(), NAME, TABLES);
    let rows = db.query(&names, &sql, params).await?;
    let items = rows.iter().map(item).collect::<Result<Vec<_>>>()?;
    Ok(Page::from_fetched(items, limit, TAG, |d| {
        vec![
            nanos(d.due_at).into(),
            d.case.aggregate_type.as_str().into(),
            d.case.aggregate_id.as_str().into(),
            d.deadline_id.as_str().into(),
        ]
    }))
}

/// Open deadlines (not met, not missed, not withdrawn) by due instant: [`DeadlineFilter::open`].
pub async fn open(db: &ReadDb, page: &PageRequest) -> Result<Page<DeadlineItem>> {
    list(db, &DeadlineFilter::open(), page).await
}

/// Every deadline of one case, in the order they were set.
pub async fn of_case(db: &ReadDb, case: &StreamId) -> Result<Vec<DeadlineItem>> {
    let names = Names::views(db.dialect(), NAME, TABLES);
    let rows = db
        .query(
            &names,
            &format!(
                "SELECT {COLUMNS} FROM {{deadlines}} WHERE aggregate_type = $1 AND aggregate_id = $2 \
                 ORDER BY set_position"
            ),
            vec![
                case.aggregate_type.as_str().into(),
                case.aggregate_id.as_str().into(),
            ],
        )
        .await?;
    rows.iter().map(item).collect()
}
