//! Quality-verification requests (校核, 第二十条): each request with its step (filed → forwarded →
//! answered → accepted, or disputed → concluded), the party that owes the next act and its due instant,
//! the extensions granted or refused, and the outcome (explained or corrected).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cqrs_es::Aggregate;
use govshare_domain::verification::{
    Verification, VerificationEvent, VerificationOutcome, VerificationStatus, VerificationSubject,
};
use govshare_store::{Position, RecordedEvent};
use serde::{Deserialize, Serialize};

use crate::db::ReadDb;
use crate::decode;
use crate::error::{ProjectionError, Result};
use crate::models::util::{
    ListQuery, enum_name, from_nanos, json, load_state, nanos, parse_json, state_text,
};
use crate::page::{Page, PageRequest};
use crate::projection::Projection;
use crate::sql::{Dialect, Names, Row, Tx};

/// Projection name.
pub const NAME: &str = "verifications";
const TABLES: &[&str] = &["requests"];

/// The verification-request projection.
#[derive(Clone, Copy, Debug, Default)]
pub struct VerificationsProjection;

#[derive(Debug, Default, Serialize, Deserialize)]
struct Folded {
    request: Verification,
    extension_requested: Option<u32>,
    extensions_refused: u32,
    outcome: Option<VerificationOutcome>,
    dispute_authority: Option<String>,
    correction_required: Option<bool>,
}

#[async_trait]
impl Projection for VerificationsProjection {
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
            "CREATE TABLE {requests} (\
                request_id TEXT PRIMARY KEY, \
                requester TEXT NOT NULL, \
                provider TEXT NOT NULL, \
                authority TEXT NOT NULL, \
                subject TEXT NOT NULL, \
                data_items TEXT NOT NULL, \
                defect TEXT NOT NULL, \
                status TEXT NOT NULL, \
                owed_by TEXT, \
                owed_act TEXT, \
                deadline_id TEXT, \
                due_at BIGINT, \
                missed BIGINT NOT NULL, \
                extensions BIGINT NOT NULL, \
                extension_requested BIGINT, \
                extensions_refused BIGINT NOT NULL, \
                outcome TEXT, \
                correction_required BIGINT, \
                filed_at BIGINT NOT NULL, \
                updated_at BIGINT NOT NULL, \
                last_position BIGINT NOT NULL, \
                state TEXT NOT NULL)"
                .into(),
            "CREATE INDEX {requests}_owed ON {requests} (owed_by, due_at, request_id)".into(),
            "CREATE INDEX {requests}_requester ON {requests} (requester, request_id)".into(),
            "CREATE INDEX {requests}_provider ON {requests} (provider, request_id)".into(),
        ]
    }

    fn wants(&self, event: &RecordedEvent) -> bool {
        decode::is::<Verification>(event)
    }

    async fn apply(&self, tx: &mut Tx<'_>, e: &RecordedEvent) -> Result<()> {
        let id = e.stream.aggregate_id.as_str();
        let event = decode::event::<Verification>(e)?;
        let mut f: Folded =
            load_state(tx, "SELECT state FROM {requests} WHERE request_id = $1", id).await?;
        match &event {
            VerificationEvent::VerificationExtensionRequested(x) => {
                f.extension_requested = Some(x.working_days);
            }
            VerificationEvent::VerificationExtensionRefused(_) => {
                f.extension_requested = None;
                f.extensions_refused += 1;
            }
            VerificationEvent::DeadlineExtended(_) => f.extension_requested = None,
            VerificationEvent::VerificationAnswered(a) => f.outcome = Some(a.outcome.clone()),
            VerificationEvent::VerificationResultDisputed(d) => {
                f.dispute_authority = Some(d.authority.as_str().to_owned());
            }
            VerificationEvent::VerificationDisputeConcluded(c) => {
                f.correction_required = Some(c.correction_required);
            }
            _ => {}
        }
        f.request.apply(event);
        let Some(requested) = f.request.requested().cloned() else {
            return Err(ProjectionError::decode(
                e.position,
                format!("verification request {id} has events before its filing"),
            ));
        };
        let status = f.request.status();
        let open = f
            .request
            .deadlines()
            .iter()
            .filter(|d| d.is_open())
            .max_by_key(|d| d.current.from);
        let (owed_by, owed_act) = match (open, status) {
            (Some(d), _) => (
                Some(d.current.obligation.owed_by.as_str().to_owned()),
                Some(d.current.obligation.what.key().to_owned()),
            ),
            (None, VerificationStatus::Answered) => (
                Some(requested.requester.code.as_str().to_owned()),
                Some("accept_or_dispute".to_owned()),
            ),
            (None, VerificationStatus::Disputed) => (
                f.dispute_authority.clone(),
                Some("conclude_dispute".to_owned()),
            ),
            (None, _) => (None, None),
        };
        let answer_extensions: u32 = f.request.deadlines().iter().map(|d| d.extensions).sum();
        tx.execute(
            "INSERT INTO {requests} (request_id, requester, provider, authority, subject, data_items, \
             defect, status, owed_by, owed_act, deadline_id, due_at, missed, extensions, \
             extension_requested, extensions_refused, outcome, correction_required, filed_at, \
             updated_at, last_position, state) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, \
             $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22) \
             ON CONFLICT (request_id) DO UPDATE SET requester = $2, provider = $3, authority = $4, \
             subject = $5, data_items = $6, defect = $7, status = $8, owed_by = $9, owed_act = $10, \
             deadline_id = $11, due_at = $12, missed = $13, extensions = $14, \
             extension_requested = $15, extensions_refused = $16, outcome = $17, \
             correction_required = $18, filed_at = $19, updated_at = $20, last_position = $21, \
             state = $22",
            &[
                id.into(),
                requested.requester.code.as_str().into(),
                requested.provider.code.as_str().into(),
                requested.authority.code.as_str().into(),
                json(&requested.subject)?.into(),
                json(&requested.data_items)?.into(),
                requested.defect.as_str().into(),
                enum_name(&status).into(),
                owed_by.into(),
                owed_act.into(),
                open.map(|d| d.current.id.0.clone()).into(),
                open.map(|d| nanos(d.current.due_at)).into(),
                open.is_some_and(|d| d.missed).into(),
                answer_extensions.into(),
                f.extension_requested.map(i64::from).into(),
                f.extensions_refused.into(),
                f.outcome.as_ref().map(json).transpose()?.into(),
                f.correction_required.map(i64::from).into(),
                nanos(requested.at).into(),
                nanos(e.recorded_at).into(),
                e.position.into(),
                state_text(&f)?.into(),
            ],
        )
        .await?;
        Ok(())
    }
}

/// A verification request as the read model shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerificationView {
    /// Request (aggregate) id.
    pub request_id: String,
    /// The requesting department.
    pub requester: String,
    /// The provider that owes the answer.
    pub provider: String,
    /// The requester's authority, which owes the forwarding.
    pub authority: String,
    /// The grant or entry concerned.
    pub subject: VerificationSubject,
    /// 信息项 concerned.
    pub data_items: Vec<String>,
    /// The suspected defect.
    pub defect: String,
    /// The step (`filed`, `forwarded`, `answered`, `accepted`, `disputed`, `concluded`).
    pub status: VerificationStatus,
    /// The department that owes the next act.
    pub owed_by: Option<String>,
    /// The act owed: a deadline's rule key (`verification_forward`, `verification_answer`), or
    /// `accept_or_dispute` (the requester) or `conclude_dispute` (the authority), which have no deadline.
    pub owed_act: Option<String>,
    /// The open deadline.
    pub deadline_id: Option<String>,
    /// Its due instant (moved by an approved extension).
    pub due_at: Option<DateTime<Utc>>,
    /// Whether the open deadline was marked missed (第四十一条).
    pub missed: bool,
    /// Extensions granted (第二十条: one, of at most 10 working days).
    pub extensions: u32,
    /// Working days of an extension asked for and not yet decided.
    pub extension_requested: Option<u32>,
    /// Extensions refused.
    pub extensions_refused: u32,
    /// The provider's answer.
    pub outcome: Option<VerificationOutcome>,
    /// The authority's conclusion of a dispute: whether the provider must correct the data.
    pub correction_required: Option<bool>,
    /// When filed.
    pub filed_at: DateTime<Utc>,
    /// Position of its last event.
    pub last_position: Position,
}

const COLUMNS: &str = "request_id, requester, provider, authority, subject, data_items, defect, status, \
     owed_by, owed_act, deadline_id, due_at, missed, extensions, extension_requested, \
     extensions_refused, outcome, correction_required, filed_at, last_position";

fn view(r: &Row) -> Result<VerificationView> {
    Ok(VerificationView {
        request_id: r.text(0)?,
        requester: r.text(1)?,
        provider: r.text(2)?,
        authority: r.text(3)?,
        subject: parse_json(4, &r.text(4)?)?,
        data_items: parse_json(5, &r.text(5)?)?,
        defect: r.text(6)?,
        status: parse_json(7, &format!("\"{}\"", r.text(7)?))?,
        owed_by: r.opt_text(8)?,
        owed_act: r.opt_text(9)?,
        deadline_id: r.opt_text(10)?,
        due_at: r.opt_i64(11)?.map(from_nanos),
        missed: r.bool(12)?,
        extensions: u32::try_from(r.i64(13)?).unwrap_or(0),
        extension_requested: r.opt_i64(14)?.and_then(|v| u32::try_from(v).ok()),
        extensions_refused: u32::try_from(r.i64(15)?).unwrap_or(0),
        outcome: r.opt_text(16)?.map(|t| parse_json(16, &t)).transpose()?,
        correction_required: r.opt_i64(17)?.map(|v| v != 0),
        filed_at: from_nanos(r.i64(18)?),
        last_position: r.u64(19)?,
    })
}

fn names(db: &ReadDb) -> Names {
    Names::views(db.dialect(), NAME, TABLES)
}

/// One request.
pub async fn get(db: &ReadDb, request_id: &str) -> Result<Option<VerificationView>> {
    let rows = db
        .query(
            &names(db),
            &format!("SELECT {COLUMNS} FROM {{requests}} WHERE request_id = $1"),
            vec![request_id.into()],
        )
        .await?;
    rows.first().map(view).transpose()
}

/// What a department owes on verification requests, soonest due first (acts without a deadline
/// last, by id).
pub async fn owed_by(
    db: &ReadDb,
    department: &str,
    page: &PageRequest,
) -> Result<Page<VerificationView>> {
    // Acts without a deadline sort after every due instant.
    ListQuery::new(
        "verifications.owed_by",
        COLUMNS,
        "requests",
        &[
            ("COALESCE(due_at, 9223372036854775807)", true),
            ("request_id", false),
        ],
    )
    .filter("owed_by = ?", department)
    .page(db, &names(db), page, view, |v| {
        vec![
            v.due_at.map_or(i64::MAX, nanos).into(),
            v.request_id.as_str().into(),
        ]
    })
    .await
}

/// Which requests to list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VerificationFilter {
    /// Only of this requester.
    pub requester: Option<String>,
    /// Only of this provider.
    pub provider: Option<String>,
    /// Only at this step.
    pub status: Option<VerificationStatus>,
}

/// Requests by id, filtered.
pub async fn list(
    db: &ReadDb,
    filter: &VerificationFilter,
    page: &PageRequest,
) -> Result<Page<VerificationView>> {
    ListQuery::new(
        "verifications.list",
        COLUMNS,
        "requests",
        &[("request_id", false)],
    )
    .filter_opt("requester = ?", filter.requester.as_deref())
    .filter_opt("provider = ?", filter.provider.as_deref())
    .filter_opt("status = ?", filter.status.map(|s| enum_name(&s)))
    .page(db, &names(db), page, view, |v| {
        vec![v.request_id.as_str().into()]
    })
    .await
}
