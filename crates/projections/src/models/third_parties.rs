//! Third-party engagements (委托第三方, 第三十七条): prior review (事前审核), the engagement's terms, every
//! use of data the contractor made (事中留痕), and the uses that were violations (事后追溯), attributed to
//! the engaging department (第四十一条第五、六项) and the contractor (第四十三条).

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use cqrs_es::Aggregate;
use govshare_domain::third_party::{
    EngagementStatus, ThirdPartyEngagement, ThirdPartyEvent, ViolationReason,
};
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
use crate::sql::{Dialect, Names, Row, Tx};

/// Projection name.
pub const NAME: &str = "third_parties";
const TABLES: &[&str] = &["engagements", "uses"];

/// The third-party projection.
#[derive(Clone, Copy, Debug, Default)]
pub struct ThirdPartiesProjection;

#[derive(Debug, Default, Serialize, Deserialize)]
struct Folded {
    engagement: ThirdPartyEngagement,
    engaging: String,
    contractor: String,
    scope: String,
    systems: Vec<String>,
    data: Vec<String>,
    term: Option<(NaiveDate, NaiveDate)>,
    reviews: u32,
    review_approved: bool,
    review_position: Option<Position>,
    contract_reference: Option<String>,
    engaged_at: Option<DateTime<Utc>>,
    ended_at: Option<DateTime<Utc>>,
}

#[async_trait]
impl Projection for ThirdPartiesProjection {
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
            "CREATE TABLE {engagements} (\
                engagement_id TEXT PRIMARY KEY, \
                engaging TEXT NOT NULL, \
                contractor TEXT NOT NULL, \
                scope TEXT NOT NULL, \
                systems TEXT NOT NULL, \
                data TEXT NOT NULL, \
                starts_on TEXT NOT NULL, \
                ends_on TEXT NOT NULL, \
                status TEXT NOT NULL, \
                reviews BIGINT NOT NULL, \
                review_approved BIGINT NOT NULL, \
                review_position BIGINT NOT NULL, \
                contract_reference TEXT, \
                engaged_at BIGINT, \
                ended_at BIGINT, \
                uses BIGINT NOT NULL, \
                violations BIGINT NOT NULL, \
                updated_at BIGINT NOT NULL, \
                last_position BIGINT NOT NULL, \
                state TEXT NOT NULL)"
                .into(),
            "CREATE INDEX {engagements}_engaging ON {engagements} (engaging, engagement_id)".into(),
            "CREATE INDEX {engagements}_contractor ON {engagements} (contractor, engagement_id)"
                .into(),
            "CREATE TABLE {uses} (\
                position BIGINT PRIMARY KEY, \
                engagement_id TEXT NOT NULL, \
                use_seq BIGINT NOT NULL, \
                engaging TEXT NOT NULL, \
                contractor TEXT NOT NULL, \
                entry_id TEXT NOT NULL, \
                purpose TEXT NOT NULL, \
                used_at BIGINT NOT NULL, \
                within_engagement BIGINT NOT NULL, \
                violation TEXT, \
                violation_position BIGINT)"
                .into(),
            "CREATE INDEX {uses}_engagement ON {uses} (engagement_id, position)".into(),
            "CREATE INDEX {uses}_violations ON {uses} (within_engagement, engaging, position)"
                .into(),
        ]
    }

    fn wants(&self, event: &RecordedEvent) -> bool {
        decode::is::<ThirdPartyEngagement>(event)
    }

    async fn apply(&self, tx: &mut Tx<'_>, e: &RecordedEvent) -> Result<()> {
        let id = e.stream.aggregate_id.as_str();
        let event = decode::event::<ThirdPartyEngagement>(e)?;
        let mut f: Folded = load_state(
            tx,
            "SELECT state FROM {engagements} WHERE engagement_id = $1",
            id,
        )
        .await?;
        match &event {
            ThirdPartyEvent::PriorReviewRecorded(r) => {
                f.engaging = r.engaging.code.as_str().to_owned();
                f.contractor = r.contractor.code.as_str().to_owned();
                f.scope = r.scope.clone();
                f.systems = r.systems.clone();
                f.data = r.data.clone();
                f.term = Some((r.term.starts_on, r.term.ends_on));
                f.reviews = r.review;
                f.review_approved = r.approved;
                f.review_position = Some(e.position);
            }
            ThirdPartyEvent::ThirdPartyEngaged(g) => {
                f.contractor = g.contractor.code.as_str().to_owned();
                f.scope = g.scope.clone();
                f.systems = g.systems.clone();
                f.data = g.data.clone();
                f.term = Some((g.term.starts_on, g.term.ends_on));
                f.contract_reference = Some(g.contract_reference.clone());
                f.engaged_at = Some(g.at);
            }
            ThirdPartyEvent::EngagementEnded(x) => f.ended_at = Some(x.at),
            ThirdPartyEvent::ContractorUseRecorded(u) => {
                tx.execute(
                    "INSERT INTO {uses} (position, engagement_id, use_seq, engaging, contractor, \
                     entry_id, purpose, used_at, within_engagement) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    &[
                        e.position.into(),
                        id.into(),
                        u.use_seq.into(),
                        f.engaging.as_str().into(),
                        u.contractor.as_str().into(),
                        u.entry_id.as_str().into(),
                        u.purpose.as_str().into(),
                        nanos(u.used_at).into(),
                        u.within_engagement.into(),
                    ],
                )
                .await?;
            }
            ThirdPartyEvent::ThirdPartyViolationRecorded(v) => {
                tx.execute(
                    "UPDATE {uses} SET within_engagement = 0, violation = $3, violation_position = $4 \
                     WHERE engagement_id = $1 AND use_seq = $2",
                    &[
                        id.into(),
                        v.use_seq.into(),
                        enum_name(&v.reason).into(),
                        e.position.into(),
                    ],
                )
                .await?;
            }
        }
        f.engagement.apply(event);
        let (Some((starts_on, ends_on)), Some(review_position)) = (f.term, f.review_position)
        else {
            return Err(ProjectionError::decode(
                e.position,
                format!("engagement {id} has events before its prior review"),
            ));
        };
        tx.execute(
            "INSERT INTO {engagements} (engagement_id, engaging, contractor, scope, systems, data, \
             starts_on, ends_on, status, reviews, review_approved, review_position, \
             contract_reference, engaged_at, ended_at, uses, violations, updated_at, last_position, \
             state) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, \
             $17, $18, $19, $20) \
             ON CONFLICT (engagement_id) DO UPDATE SET engaging = $2, contractor = $3, scope = $4, \
             systems = $5, data = $6, starts_on = $7, ends_on = $8, status = $9, reviews = $10, \
             review_approved = $11, review_position = $12, contract_reference = $13, \
             engaged_at = $14, ended_at = $15, uses = $16, violations = $17, updated_at = $18, \
             last_position = $19, state = $20",
            &[
                id.into(),
                f.engaging.as_str().into(),
                f.contractor.as_str().into(),
                f.scope.as_str().into(),
                json(&f.systems)?.into(),
                json(&f.data)?.into(),
                starts_on.to_string().into(),
                ends_on.to_string().into(),
                enum_name(&f.engagement.status()).into(),
                f.reviews.into(),
                f.review_approved.into(),
                review_position.into(),
                f.contract_reference.clone().into(),
                f.engaged_at.map(nanos).into(),
                f.ended_at.map(nanos).into(),
                f.engagement.uses().into(),
                f.engagement.violations().into(),
                nanos(e.recorded_at).into(),
                e.position.into(),
                state_text(&f)?.into(),
            ],
        )
        .await?;
        Ok(())
    }
}

/// An engagement as the read model shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EngagementView {
    /// Engagement (aggregate) id.
    pub engagement_id: String,
    /// The engaging (principal) department.
    pub engaging: String,
    /// The contractor.
    pub contractor: String,
    /// 工作范围.
    pub scope: String,
    /// Systems concerned.
    pub systems: Vec<String>,
    /// Catalog entries whose data it may touch.
    pub data: Vec<String>,
    /// First day of the term.
    pub starts_on: NaiveDate,
    /// Last day of the term.
    pub ends_on: NaiveDate,
    /// Where it stands.
    pub status: EngagementStatus,
    /// Prior reviews recorded.
    pub reviews: u32,
    /// Whether the latest prior review approved it.
    pub review_approved: bool,
    /// Position of the latest prior review (事前审核).
    pub review_position: Position,
    /// Contract reference.
    pub contract_reference: Option<String>,
    /// When engaged.
    pub engaged_at: Option<DateTime<Utc>>,
    /// When ended.
    pub ended_at: Option<DateTime<Utc>>,
    /// Uses recorded (事中留痕).
    pub uses: u32,
    /// Uses that were violations.
    pub violations: u32,
    /// Position of its last event.
    pub last_position: Position,
}

const ENGAGEMENT_COLUMNS: &str = "engagement_id, engaging, contractor, scope, systems, data, starts_on, \
     ends_on, status, reviews, review_approved, review_position, contract_reference, engaged_at, \
     ended_at, uses, violations, last_position";

fn engagement_view(r: &Row) -> Result<EngagementView> {
    Ok(EngagementView {
        engagement_id: r.text(0)?,
        engaging: r.text(1)?,
        contractor: r.text(2)?,
        scope: r.text(3)?,
        systems: parse_json(4, &r.text(4)?)?,
        data: parse_json(5, &r.text(5)?)?,
        starts_on: parse_date(6, &r.text(6)?)?,
        ends_on: parse_date(7, &r.text(7)?)?,
        status: parse_json(8, &format!("\"{}\"", r.text(8)?))?,
        reviews: u32::try_from(r.i64(9)?).unwrap_or(0),
        review_approved: r.bool(10)?,
        review_position: r.u64(11)?,
        contract_reference: r.opt_text(12)?,
        engaged_at: r.opt_i64(13)?.map(from_nanos),
        ended_at: r.opt_i64(14)?.map(from_nanos),
        uses: u32::try_from(r.i64(15)?).unwrap_or(0),
        violations: u32::try_from(r.i64(16)?).unwrap_or(0),
        last_position: r.u64(17)?,
    })
}

/// One use of data by a contractor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContractorUseView {
    /// Position of the use's record (事中留痕).
    pub position: Position,
    /// The engagement.
    pub engagement_id: String,
    /// Sequence number of the use.
    pub use_seq: u32,
    /// The engaging department.
    pub engaging: String,
    /// The contractor.
    pub contractor: String,
    /// The entry used.
    pub entry_id: String,
    /// What for.
    pub purpose: String,
    /// When used.
    pub used_at: DateTime<Utc>,
    /// Whether it was within an approved, unexpired, unended engagement covering the data.
    pub within_engagement: bool,
    /// Why it was a violation (第三十七条: 不得擅自使用).
    pub violation: Option<ViolationReason>,
    /// Position of the `ThirdPartyViolationRecorded` fact that proves it.
    pub violation_position: Option<Position>,
}

const USE_COLUMNS: &str = "position, engagement_id, use_seq, engaging, contractor, entry_id, purpose, \
     used_at, within_engagement, violation, violation_position";

fn use_view(r: &Row) -> Result<ContractorUseView> {
    Ok(ContractorUseView {
        position: r.u64(0)?,
        engagement_id: r.text(1)?,
        use_seq: u32::try_from(r.i64(2)?).unwrap_or(0),
        engaging: r.text(3)?,
        contractor: r.text(4)?,
        entry_id: r.text(5)?,
        purpose: r.text(6)?,
        used_at: from_nanos(r.i64(7)?),
        within_engagement: r.bool(8)?,
        violation: r
            .opt_text(9)?
            .map(|t| parse_json(9, &format!("\"{t}\"")))
            .transpose()?,
        violation_position: r.opt_i64(10)?.and_then(|x| u64::try_from(x).ok()),
    })
}

fn names(db: &ReadDb) -> Names {
    Names::views(db.dialect(), NAME, TABLES)
}

/// One engagement.
pub async fn get(db: &ReadDb, engagement_id: &str) -> Result<Option<EngagementView>> {
    let rows = db
        .query(
            &names(db),
            &format!("SELECT {ENGAGEMENT_COLUMNS} FROM {{engagements}} WHERE engagement_id = $1"),
            vec![engagement_id.into()],
        )
        .await?;
    rows.first().map(engagement_view).transpose()
}

/// Which engagements, or which violations, to list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PartyFilter {
    /// Only of this engaging department.
    pub engaging: Option<String>,
    /// Only of this contractor.
    pub contractor: Option<String>,
}

/// Engagements by id, filtered.
pub async fn list(
    db: &ReadDb,
    filter: &PartyFilter,
    page: &PageRequest,
) -> Result<Page<EngagementView>> {
    ListQuery::new(
        "third_parties.list",
        ENGAGEMENT_COLUMNS,
        "engagements",
        &[("engagement_id", false)],
    )
    .filter_opt("engaging = ?", filter.engaging.as_deref())
    .filter_opt("contractor = ?", filter.contractor.as_deref())
    .page(db, &names(db), page, engagement_view, |v| {
        vec![v.engagement_id.as_str().into()]
    })
    .await
}

/// The uses recorded under one engagement, in the order recorded.
pub async fn uses(
    db: &ReadDb,
    engagement_id: &str,
    page: &PageRequest,
) -> Result<Page<ContractorUseView>> {
    ListQuery::new(
        "third_parties.uses",
        USE_COLUMNS,
        "uses",
        &[("position", true)],
    )
    .filter("engagement_id = ?", engagement_id)
    .page(db, &names(db), page, use_view, |u| vec![u.position.into()])
    .await
}

/// Uses outside the engagement (第三十七条), in the order recorded, filtered by party.
pub async fn violations(
    db: &ReadDb,
    filter: &PartyFilter,
    page: &PageRequest,
) -> Result<Page<ContractorUseView>> {
    ListQuery::new(
        "third_parties.violations",
        USE_COLUMNS,
        "uses",
        &[("position", true)],
    )
    .filter("within_engagement = ?", false)
    .filter_opt("engaging = ?", filter.engaging.as_deref())
    .filter_opt("contractor = ?", filter.contractor.as_deref())
    .page(db, &names(db), page, use_view, |u| vec![u.position.into()])
    .await
}
