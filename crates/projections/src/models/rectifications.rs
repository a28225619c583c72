//! Rectifications (督促整改, 第三十九条): every supervision case (inspection and findings) and every
//! rectification order with its due instant and outcome — reported (on time or late), accepted, rejected
//! (evidence of 拒不整改, 第四十一条第七项) or overdue — and public criticism.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use cqrs_es::Aggregate;
use govshare_domain::supervision::{Supervision, SupervisionEvent, SupervisionStatus};
use govshare_store::{Position, RecordedEvent};
use serde::{Deserialize, Serialize};

use crate::db::ReadDb;
use crate::decode;
use crate::error::{ProjectionError, Result};
use crate::models::util::{
    ListQuery, enum_name, from_nanos, json, load_state, nanos, parse_date, parse_json, state_text,
};
use crate::page::{Page, PageRequest};
use crate::projection::Projection;
use crate::sql::{Dialect, Names, Row, SqlValue, Tx};

/// Projection name.
pub const NAME: &str = "rectifications";
const TABLES: &[&str] = &["cases", "orders"];

/// The rectifications projection.
#[derive(Clone, Copy, Debug, Default)]
pub struct RectificationsProjection;

#[derive(Debug, Default, Serialize, Deserialize)]
struct Folded {
    case: Supervision,
    inspected: String,
    authority: String,
    inspected_on: Option<NaiveDate>,
    findings: Vec<String>,
    criticised_at: Option<DateTime<Utc>>,
    criticism_position: Option<Position>,
}

#[async_trait]
impl Projection for RectificationsProjection {
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
            "CREATE TABLE {cases} (\
                case_id TEXT PRIMARY KEY, \
                inspected TEXT NOT NULL, \
                authority TEXT NOT NULL, \
                inspected_on TEXT NOT NULL, \
                findings TEXT NOT NULL, \
                status TEXT NOT NULL, \
                orders BIGINT NOT NULL, \
                criticised BIGINT NOT NULL, \
                criticised_at BIGINT, \
                criticism_position BIGINT, \
                updated_at BIGINT NOT NULL, \
                last_position BIGINT NOT NULL, \
                state TEXT NOT NULL)"
                .into(),
            "CREATE INDEX {cases}_inspected ON {cases} (inspected, case_id)".into(),
            "CREATE TABLE {orders} (\
                case_id TEXT NOT NULL, \
                order_no BIGINT NOT NULL, \
                inspected TEXT NOT NULL, \
                authority TEXT NOT NULL, \
                requirements TEXT NOT NULL, \
                working_days BIGINT NOT NULL, \
                deadline_id TEXT NOT NULL, \
                ordered_at BIGINT NOT NULL, \
                due_at BIGINT, \
                outcome TEXT NOT NULL, \
                overdue BIGINT NOT NULL, \
                overdue_position BIGINT, \
                reported_at BIGINT, \
                reported_late BIGINT, \
                measures TEXT, \
                decided_at BIGINT, \
                decision_text TEXT, \
                ordered_position BIGINT NOT NULL, \
                decided_position BIGINT, \
                last_position BIGINT NOT NULL, \
                PRIMARY KEY (case_id, order_no))"
                .into(),
            "CREATE INDEX {orders}_outcome ON {orders} (outcome, due_at, case_id, order_no)".into(),
            "CREATE INDEX {orders}_inspected ON {orders} (inspected, due_at, case_id, order_no)"
                .into(),
        ]
    }

    fn wants(&self, event: &RecordedEvent) -> bool {
        decode::is::<Supervision>(event)
    }

    async fn apply(&self, tx: &mut Tx<'_>, e: &RecordedEvent) -> Result<()> {
        let id = e.stream.aggregate_id.as_str();
        let event = decode::event::<Supervision>(e)?;
        let mut f: Folded =
            load_state(tx, "SELECT state FROM {cases} WHERE case_id = $1", id).await?;
        let p = e.position;
        match &event {
            SupervisionEvent::InspectionRecorded(i) => {
                f.inspected = i.inspected.code.as_str().to_owned();
                f.authority = i.by.department.code.as_str().to_owned();
                f.inspected_on = Some(i.inspected_on);
                f.findings = i.findings.clone();
            }
            SupervisionEvent::RectificationOrdered(o) => {
                tx.execute(
                    "INSERT INTO {orders} (case_id, order_no, inspected, authority, requirements, \
                     working_days, deadline_id, ordered_at, outcome, overdue, ordered_position, \
                     last_position) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'ordered', 0, $9, $9)",
                    &[
                        id.into(),
                        o.order.into(),
                        f.inspected.as_str().into(),
                        o.by.department.code.as_str().into(),
                        o.requirements.as_str().into(),
                        o.working_days.into(),
                        o.deadline.0.as_str().into(),
                        nanos(o.at).into(),
                        p.into(),
                    ],
                )
                .await?;
            }
            SupervisionEvent::RectificationReported(r) => {
                tx.execute(
                    "UPDATE {orders} SET outcome = 'reported', reported_at = $3, reported_late = $4, \
                     measures = $5, last_position = $6 WHERE case_id = $1 AND order_no = $2",
                    &[
                        id.into(),
                        r.order.into(),
                        nanos(r.at).into(),
                        r.late.into(),
                        r.measures.as_str().into(),
                        p.into(),
                    ],
                )
                .await?;
            }
            SupervisionEvent::RectificationAccepted(a) => {
                decide(tx, id, a.order, "accepted", a.at, &a.opinion, p).await?;
            }
            SupervisionEvent::RectificationRejected(r) => {
                decide(tx, id, r.order, "rejected", r.at, &r.reasons, p).await?;
            }
            SupervisionEvent::PublicCriticismIssued(c) => {
                f.criticised_at = Some(c.at);
                f.criticism_position = Some(p);
            }
            SupervisionEvent::DeadlineSet(d) => {
                tx.execute(
                    "UPDATE {orders} SET due_at = $3 WHERE case_id = $1 AND deadline_id = $2",
                    &[id.into(), d.id.0.as_str().into(), nanos(d.due_at).into()],
                )
                .await?;
            }
            SupervisionEvent::DeadlineExtended(x) => {
                tx.execute(
                    "UPDATE {orders} SET due_at = $3 WHERE case_id = $1 AND deadline_id = $2",
                    &[
                        id.into(),
                        x.id.0.as_str().into(),
                        nanos(x.new_due_at).into(),
                    ],
                )
                .await?;
            }
            SupervisionEvent::DeadlineRecomputed(r) => {
                tx.execute(
                    "UPDATE {orders} SET due_at = $3 WHERE case_id = $1 AND deadline_id = $2",
                    &[id.into(), r.id.0.as_str().into(), nanos(r.due_at).into()],
                )
                .await?;
            }
            SupervisionEvent::DeadlineMissed(m) => {
                tx.execute(
                    "UPDATE {orders} SET overdue = 1, overdue_position = $3, last_position = $3 \
                     WHERE case_id = $1 AND deadline_id = $2",
                    &[id.into(), m.id.0.as_str().into(), p.into()],
                )
                .await?;
            }
            SupervisionEvent::DeadlineMet(_) | SupervisionEvent::DeadlineReminded(_) => {}
        }
        f.case.apply(event);
        // The order's due instant when its deadline was set before the order row existed.
        for d in f.case.deadlines().iter() {
            tx.execute(
                "UPDATE {orders} SET due_at = $3 WHERE case_id = $1 AND deadline_id = $2 \
                 AND due_at IS NULL",
                &[
                    id.into(),
                    d.current.id.0.as_str().into(),
                    nanos(d.current.due_at).into(),
                ],
            )
            .await?;
        }
        let Some(inspected_on) = f.inspected_on else {
            return Err(ProjectionError::decode(
                e.position,
                format!("supervision case {id} has events before its inspection"),
            ));
        };
        let orders = tx
            .query_opt(
                "SELECT COUNT(*) FROM {orders} WHERE case_id = $1",
                &[id.into()],
            )
            .await?
            .map(|r| r.i64(0))
            .transpose()?
            .unwrap_or(0);
        tx.execute(
            "INSERT INTO {cases} (case_id, inspected, authority, inspected_on, findings, status, \
             orders, criticised, criticised_at, criticism_position, updated_at, last_position, state) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
             ON CONFLICT (case_id) DO UPDATE SET inspected = $2, authority = $3, inspected_on = $4, \
             findings = $5, status = $6, orders = $7, criticised = $8, criticised_at = $9, \
             criticism_position = $10, updated_at = $11, last_position = $12, state = $13",
            &[
                id.into(),
                f.inspected.as_str().into(),
                f.authority.as_str().into(),
                inspected_on.to_string().into(),
                json(&f.findings)?.into(),
                enum_name(&f.case.status()).into(),
                orders.into(),
                f.case.criticised().into(),
                f.criticised_at.map(nanos).into(),
                f.criticism_position
                    .map(|x| i64::try_from(x).unwrap_or(i64::MAX))
                    .into(),
                nanos(e.recorded_at).into(),
                p.into(),
                state_text(&f)?.into(),
            ],
        )
        .await?;
        Ok(())
    }
}

async fn decide(
    tx: &mut Tx<'_>,
    id: &str,
    order: u32,
    outcome: &str,
    at: DateTime<Utc>,
    text: &str,
    position: Position,
) -> Result<()> {
    tx.execute(
        "UPDATE {orders} SET outcome = $3, decided_at = $4, decision_text = $5, \
         decided_position = $6, last_position = $6 WHERE case_id = $1 AND order_no = $2",
        &[
            id.into(),
            order.into(),
            outcome.into(),
            nanos(at).into(),
            text.into(),
            position.into(),
        ],
    )
    .await?;
    Ok(())
}

/// A supervision case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseView {
    /// Case (aggregate) id.
    pub case_id: String,
    /// The inspected department.
    pub inspected: String,
    /// The authority that inspected.
    pub authority: String,
    /// Date of the inspection.
    pub inspected_on: NaiveDate,
    /// Findings.
    pub findings: Vec<String>,
    /// Where the case stands.
    pub status: SupervisionStatus,
    /// Rectification orders issued.
    pub orders: u64,
    /// Whether public criticism was issued (通报批评).
    pub criticised: bool,
    /// When.
    pub criticised_at: Option<DateTime<Utc>>,
    /// Position of the `PublicCriticismIssued` fact.
    pub criticism_position: Option<Position>,
    /// Position of its last event.
    pub last_position: Position,
}

const CASE_COLUMNS: &str = "case_id, inspected, authority, inspected_on, findings, status, orders, \
     criticised, criticised_at, criticism_position, last_position";

fn case_view(r: &Row) -> Result<CaseView> {
    Ok(CaseView {
        case_id: r.text(0)?,
        inspected: r.text(1)?,
        authority: r.text(2)?,
        inspected_on: parse_date(3, &r.text(3)?)?,
        findings: parse_json(4, &r.text(4)?)?,
        status: parse_json(5, &format!("\"{}\"", r.text(5)?))?,
        orders: r.u64(6)?,
        criticised: r.bool(7)?,
        criticised_at: r.opt_i64(8)?.map(from_nanos),
        criticism_position: r.opt_i64(9)?.and_then(|x| u64::try_from(x).ok()),
        last_position: r.u64(10)?,
    })
}

/// What became of a rectification order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OrderOutcome {
    /// Ordered; the department has not reported.
    Ordered,
    /// Reported; awaiting the authority.
    Reported,
    /// Accepted (验收通过).
    Accepted,
    /// Rejected (整改未通过: evidence of 拒不整改).
    Rejected,
}

impl OrderOutcome {
    fn key(self) -> &'static str {
        match self {
            Self::Ordered => "ordered",
            Self::Reported => "reported",
            Self::Accepted => "accepted",
            Self::Rejected => "rejected",
        }
    }

    fn parse(index: usize, s: &str) -> Result<Self> {
        Ok(match s {
            "ordered" => Self::Ordered,
            "reported" => Self::Reported,
            "accepted" => Self::Accepted,
            "rejected" => Self::Rejected,
            other => {
                return Err(ProjectionError::Column {
                    index,
                    detail: format!("unknown order outcome {other}"),
                });
            }
        })
    }
}

/// A rectification order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderView {
    /// The case.
    pub case_id: String,
    /// Sequence number of the order in the case.
    pub order: u32,
    /// The department that must rectify.
    pub inspected: String,
    /// The authority that ordered it.
    pub authority: String,
    /// What must be rectified.
    pub requirements: String,
    /// Working days allowed.
    pub working_days: u32,
    /// The deadline it opened.
    pub deadline_id: String,
    /// When ordered.
    pub ordered_at: DateTime<Utc>,
    /// When the rectification is due.
    pub due_at: Option<DateTime<Utc>>,
    /// What became of it.
    pub outcome: OrderOutcome,
    /// Whether the deadline was marked missed (overdue, 第四十一条第七项).
    pub overdue: bool,
    /// Position of the `DeadlineMissed` fact.
    pub overdue_position: Option<Position>,
    /// When the department reported its rectification.
    pub reported_at: Option<DateTime<Utc>>,
    /// Whether the report came after the deadline.
    pub reported_late: Option<bool>,
    /// What the department did.
    pub measures: Option<String>,
    /// When the authority accepted or rejected it.
    pub decided_at: Option<DateTime<Utc>>,
    /// Its opinion or reasons.
    pub decision_text: Option<String>,
    /// Position of the order.
    pub ordered_position: Position,
    /// Position of the acceptance or rejection.
    pub decided_position: Option<Position>,
}

const ORDER_COLUMNS: &str = "case_id, order_no, inspected, authority, requirements, working_days, \
     deadline_id, ordered_at, due_at, outcome, overdue, overdue_position, reported_at, reported_late, \
     measures, decided_at, decision_text, ordered_position, decided_position";

fn order_view(r: &Row) -> Result<OrderView> {
    Ok(OrderView {
        case_id: r.text(0)?,
        order: u32::try_from(r.i64(1)?).unwrap_or(0),
        inspected: r.text(2)?,
        authority: r.text(3)?,
        requirements: r.text(4)?,
        working_days: u32::try_from(r.i64(5)?).unwrap_or(0),
        deadline_id: r.text(6)?,
        ordered_at: from_nanos(r.i64(7)?),
        due_at: r.opt_i64(8)?.map(from_nanos),
        outcome: OrderOutcome::parse(9, &r.text(9)?)?,
        overdue: r.bool(10)?,
        overdue_position: r.opt_i64(11)?.and_then(|x| u64::try_from(x).ok()),
        reported_at: r.opt_i64(12)?.map(from_nanos),
        reported_late: r.opt_i64(13)?.map(|v| v != 0),
        measures: r.opt_text(14)?,
        decided_at: r.opt_i64(15)?.map(from_nanos),
        decision_text: r.opt_text(16)?,
        ordered_position: r.u64(17)?,
        decided_position: r.opt_i64(18)?.and_then(|x| u64::try_from(x).ok()),
    })
}

fn names(db: &ReadDb) -> Names {
    Names::views(db.dialect(), NAME, TABLES)
}

/// One supervision case.
pub async fn case(db: &ReadDb, case_id: &str) -> Result<Option<CaseView>> {
    let rows = db
        .query(
            &names(db),
            &format!("SELECT {CASE_COLUMNS} FROM {{cases}} WHERE case_id = $1"),
            vec![case_id.into()],
        )
        .await?;
    rows.first().map(case_view).transpose()
}

/// Supervision cases by id, optionally of one inspected department.
pub async fn cases(
    db: &ReadDb,
    inspected: Option<&str>,
    page: &PageRequest,
) -> Result<Page<CaseView>> {
    ListQuery::new(
        "rectifications.cases",
        CASE_COLUMNS,
        "cases",
        &[("case_id", false)],
    )
    .filter_opt("inspected = ?", inspected)
    .page(db, &names(db), page, case_view, |c| {
        vec![c.case_id.as_str().into()]
    })
    .await
}

/// Which orders to list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OrderFilter {
    /// Only of this department.
    pub inspected: Option<String>,
    /// Only with this outcome.
    pub outcome: Option<OrderOutcome>,
    /// Only overdue (`Some(true)`) or not (`Some(false)`).
    pub overdue: Option<bool>,
}

/// Rectification orders by due instant (then case and order), filtered.
pub async fn orders(
    db: &ReadDb,
    filter: &OrderFilter,
    page: &PageRequest,
) -> Result<Page<OrderView>> {
    ListQuery::new(
        "rectifications.orders",
        ORDER_COLUMNS,
        "orders",
        &[
            ("COALESCE(due_at, 9223372036854775807)", true),
            ("case_id", false),
            ("order_no", true),
        ],
    )
    .filter_opt("inspected = ?", filter.inspected.as_deref())
    .filter_opt("outcome = ?", filter.outcome.map(OrderOutcome::key))
    .filter_opt("overdue = ?", filter.overdue.map(SqlValue::from))
    .page(db, &names(db), page, order_view, |o| {
        vec![
            o.due_at.map_or(i64::MAX, nanos).into(),
            o.case_id.as_str().into(),
            o.order.into(),
        ]
    })
    .await
}

/// The orders of one case, in order.
pub async fn orders_of_case(db: &ReadDb, case_id: &str) -> Result<Vec<OrderView>> {
    let rows = db
        .query(
            &names(db),
            &format!("SELECT {ORDER_COLUMNS} FROM {{orders}} WHERE case_id = $1 ORDER BY order_no"),
            vec![case_id.into()],
        )
        .await?;
    rows.iter().map(order_view).collect()
}
