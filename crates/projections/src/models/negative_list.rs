//! The negative list (负面清单, 第十五条): every listing application with its phase (列入 / 移出) and where
//! it stands (applied → endorsed by the authority → decided by the people's government → listed or
//! delisted → filed with the upper-level authority), and the entries on the list of each region.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cqrs_es::Aggregate;
use govshare_domain::negative_list::{
    LegalBasis, ListingPhase, ListingStatus, NegativeListEvent, NegativeListing, UpperAuthority,
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
use crate::sql::{Dialect, Names, Row, SqlValue, Tx};

/// Projection name.
pub const NAME: &str = "negative_list";
const TABLES: &[&str] = &["listings"];

/// The negative-list projection.
#[derive(Clone, Copy, Debug, Default)]
pub struct NegativeListProjection;

/// The aggregate's folded state and the facts the view shows.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Folded {
    listing: NegativeListing,
    entry_id: String,
    entry_code: String,
    entry_name: String,
    applicant: String,
    region: String,
    level: String,
    phase: Option<ListingPhase>,
    legal_basis: Option<LegalBasis>,
    reason: String,
    upper_authority: Option<UpperAuthority>,
    applied_at: Option<DateTime<Utc>>,
    listed_at: Option<DateTime<Utc>>,
    delisted_at: Option<DateTime<Utc>>,
    filed_at: Option<DateTime<Utc>>,
    listed_position: Option<Position>,
}

#[async_trait]
impl Projection for NegativeListProjection {
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
            "CREATE TABLE {listings} (\
                listing_id TEXT PRIMARY KEY, \
                entry_id TEXT NOT NULL, \
                entry_code TEXT NOT NULL, \
                entry_name TEXT NOT NULL, \
                applicant TEXT NOT NULL, \
                region TEXT NOT NULL, \
                level TEXT NOT NULL, \
                phase TEXT NOT NULL, \
                status TEXT NOT NULL, \
                status_detail TEXT NOT NULL, \
                filed BIGINT NOT NULL, \
                legal_basis TEXT NOT NULL, \
                reason TEXT NOT NULL, \
                upper_authority TEXT, \
                applied_at BIGINT NOT NULL, \
                listed_at BIGINT, \
                delisted_at BIGINT, \
                filed_at BIGINT, \
                listed_position BIGINT, \
                updated_at BIGINT NOT NULL, \
                last_position BIGINT NOT NULL, \
                state TEXT NOT NULL)"
                .into(),
            "CREATE INDEX {listings}_status ON {listings} (status, region, listing_id)".into(),
            "CREATE INDEX {listings}_applicant ON {listings} (applicant, listing_id)".into(),
            "CREATE INDEX {listings}_entry ON {listings} (entry_id, listing_id)".into(),
        ]
    }

    fn wants(&self, event: &RecordedEvent) -> bool {
        decode::is::<NegativeListing>(event)
    }

    async fn apply(&self, tx: &mut Tx<'_>, e: &RecordedEvent) -> Result<()> {
        let id = e.stream.aggregate_id.as_str();
        let event = decode::event::<NegativeListing>(e)?;
        let mut f: Folded =
            load_state(tx, "SELECT state FROM {listings} WHERE listing_id = $1", id).await?;
        match &event {
            NegativeListEvent::NegativeListingApplied(a) => {
                f.entry_id = a.entry.entry_id.clone();
                f.entry_code = a.entry.code.clone();
                f.entry_name = a.entry.name.clone();
                f.applicant = a.applicant.code.as_str().to_owned();
                f.region = a.applicant.region.as_str().to_owned();
                f.level = enum_name(&a.applicant.level);
                f.phase = Some(a.phase);
                f.legal_basis = Some(a.legal_basis.clone());
                f.reason = a.reason.clone();
                f.applied_at = Some(a.at);
            }
            NegativeListEvent::EntryListed(l) => {
                f.region = l.region.as_str().to_owned();
                f.level = enum_name(&l.level);
                f.listed_at = Some(l.at);
                f.listed_position = Some(e.position);
            }
            NegativeListEvent::EntryDelisted(d) => f.delisted_at = Some(d.at),
            NegativeListEvent::NegativeListingFiled(x) => {
                f.upper_authority = Some(x.upper_authority.clone());
                f.filed_at = Some(x.at);
            }
            NegativeListEvent::NegativeListingReviewed(_)
            | NegativeListEvent::NegativeListingDecided(_) => {}
        }
        f.listing.apply(event);
        let (Some(phase), Some(basis), Some(applied_at)) =
            (f.phase, f.legal_basis.as_ref(), f.applied_at)
        else {
            return Err(ProjectionError::decode(
                e.position,
                format!("negative listing {id} has events before its application"),
            ));
        };
        let status = f.listing.status();
        tx.execute(
            "INSERT INTO {listings} (listing_id, entry_id, entry_code, entry_name, applicant, region, \
             level, phase, status, status_detail, filed, legal_basis, reason, upper_authority, \
             applied_at, listed_at, delisted_at, filed_at, listed_position, updated_at, last_position, \
             state) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
             $18, $19, $20, $21, $22) \
             ON CONFLICT (listing_id) DO UPDATE SET entry_id = $2, entry_code = $3, entry_name = $4, \
             applicant = $5, region = $6, level = $7, phase = $8, status = $9, status_detail = $10, \
             filed = $11, legal_basis = $12, reason = $13, upper_authority = $14, applied_at = $15, \
             listed_at = $16, delisted_at = $17, filed_at = $18, listed_position = $19, \
             updated_at = $20, last_position = $21, state = $22",
            &[
                id.into(),
                f.entry_id.as_str().into(),
                f.entry_code.as_str().into(),
                f.entry_name.as_str().into(),
                f.applicant.as_str().into(),
                f.region.as_str().into(),
                f.level.as_str().into(),
                enum_name(&phase).into(),
                status_key(status).into(),
                json(&status)?.into(),
                f.listing.is_filed().into(),
                json(basis)?.into(),
                f.reason.as_str().into(),
                f.upper_authority.as_ref().map(json).transpose()?.into(),
                nanos(applied_at).into(),
                f.listed_at.map(nanos).into(),
                f.delisted_at.map(nanos).into(),
                f.filed_at.map(nanos).into(),
                f.listed_position.map(|p| i64::try_from(p).unwrap_or(i64::MAX)).into(),
                nanos(e.recorded_at).into(),
                e.position.into(),
                state_text(&f)?.into(),
            ],
        )
        .await?;
        Ok(())
    }
}

/// The status without its phase: `new`, `applied`, `endorsed`, `refused`, `listed`, `delisted`.
fn status_key(status: ListingStatus) -> &'static str {
    match status {
        ListingStatus::New => "new",
        ListingStatus::Applied(_) => "applied",
        ListingStatus::Endorsed(_) => "endorsed",
        ListingStatus::Refused => "refused",
        ListingStatus::Listed => "listed",
        ListingStatus::Delisted => "delisted",
    }
}

/// Which step a listing application is at, for filtering (the phase is a separate filter).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ListingStep {
    /// Applied; awaiting the authority's review.
    Applied,
    /// Endorsed by the authority; awaiting the people's government.
    Endorsed,
    /// Refused by the authority or the government.
    Refused,
    /// On the negative list.
    Listed,
    /// Taken off the negative list.
    Delisted,
}

impl ListingStep {
    fn key(self) -> &'static str {
        match self {
            Self::Applied => "applied",
            Self::Endorsed => "endorsed",
            Self::Refused => "refused",
            Self::Listed => "listed",
            Self::Delisted => "delisted",
        }
    }
}

/// A listing application as the read model shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListingView {
    /// The application (aggregate) id.
    pub listing_id: String,
    /// The catalog entry concerned.
    pub entry_id: String,
    /// Its code.
    pub entry_code: String,
    /// Its name.
    pub entry_name: String,
    /// The applying department (the entry's provider).
    pub applicant: String,
    /// The region of the list (the applicant's).
    pub region: String,
    /// The level of the list (`province`, `city`, `county`).
    pub level: String,
    /// 列入 or 移出: the phase of the latest application.
    pub phase: ListingPhase,
    /// Where it stands (the aggregate's own status).
    pub status: ListingStatus,
    /// Whether the latest listing or delisting was filed with the upper-level authority.
    pub filed: bool,
    /// The basis in law or administrative regulation.
    pub legal_basis: LegalBasis,
    /// The applicant's reason.
    pub reason: String,
    /// Where it was filed.
    pub upper_authority: Option<UpperAuthority>,
    /// When applied.
    pub applied_at: DateTime<Utc>,
    /// When listed.
    pub listed_at: Option<DateTime<Utc>>,
    /// When delisted.
    pub delisted_at: Option<DateTime<Utc>>,
    /// When filed.
    pub filed_at: Option<DateTime<Utc>>,
    /// Position of the `EntryListed` fact.
    pub listed_position: Option<Position>,
    /// Position of its last event.
    pub last_position: Position,
}

const COLUMNS: &str = "listing_id, entry_id, entry_code, entry_name, applicant, region, level, phase, \
     status_detail, filed, legal_basis, reason, upper_authority, applied_at, listed_at, delisted_at, \
     filed_at, listed_position, last_position";

fn view(r: &Row) -> Result<ListingView> {
    Ok(ListingView {
        listing_id: r.text(0)?,
        entry_id: r.text(1)?,
        entry_code: r.text(2)?,
        entry_name: r.text(3)?,
        applicant: r.text(4)?,
        region: r.text(5)?,
        level: r.text(6)?,
        phase: parse_json(7, &format!("\"{}\"", r.text(7)?))?,
        status: parse_json(8, &r.text(8)?)?,
        filed: r.bool(9)?,
        legal_basis: parse_json(10, &r.text(10)?)?,
        reason: r.text(11)?,
        upper_authority: r.opt_text(12)?.map(|t| parse_json(12, &t)).transpose()?,
        applied_at: from_nanos(r.i64(13)?),
        listed_at: r.opt_i64(14)?.map(from_nanos),
        delisted_at: r.opt_i64(15)?.map(from_nanos),
        filed_at: r.opt_i64(16)?.map(from_nanos),
        listed_position: r.opt_i64(17)?.and_then(|p| u64::try_from(p).ok()),
        last_position: r.u64(18)?,
    })
}

fn names(db: &ReadDb) -> Names {
    Names::views(db.dialect(), NAME, TABLES)
}

/// One listing application.
pub async fn get(db: &ReadDb, listing_id: &str) -> Result<Option<ListingView>> {
    let rows = db
        .query(
            &names(db),
            &format!("SELECT {COLUMNS} FROM {{listings}} WHERE listing_id = $1"),
            vec![listing_id.into()],
        )
        .await?;
    rows.first().map(view).transpose()
}

/// Which listing applications to list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListingFilter {
    /// Only at this step.
    pub step: Option<ListingStep>,
    /// Only of this phase.
    pub phase: Option<ListingPhase>,
    /// Only of this region's list.
    pub region: Option<String>,
    /// Only of this applicant.
    pub applicant: Option<String>,
    /// Only concerning this catalog entry.
    pub entry_id: Option<String>,
    /// Only filed (`Some(true)`) or not yet filed (`Some(false)`).
    pub filed: Option<bool>,
}

const LIST: &str = "negative_list.list";
const ORDER: &[(&str, bool)] = &[("listing_id", false)];

/// Listing applications by id, filtered.
pub async fn list(
    db: &ReadDb,
    filter: &ListingFilter,
    page: &PageRequest,
) -> Result<Page<ListingView>> {
    ListQuery::new(LIST, COLUMNS, "listings", ORDER)
        .filter_opt("status = ?", filter.step.map(ListingStep::key))
        .filter_opt("phase = ?", filter.phase.map(|p| enum_name(&p)))
        .filter_opt("region = ?", filter.region.as_deref())
        .filter_opt("applicant = ?", filter.applicant.as_deref())
        .filter_opt("entry_id = ?", filter.entry_id.as_deref())
        .filter_opt("filed = ?", filter.filed.map(SqlValue::from))
        .page(db, &names(db), page, view, |v| {
            vec![v.listing_id.as_str().into()]
        })
        .await
}

/// The negative list of a region: the entries listed there now (第十五条), by application id.
pub async fn listed(db: &ReadDb, region: &str, page: &PageRequest) -> Result<Page<ListingView>> {
    list(
        db,
        &ListingFilter {
            step: Some(ListingStep::Listed),
            region: Some(region.to_owned()),
            ..ListingFilter::default()
        },
        page,
    )
    .await
}

/// Listings and delistings decided but not yet filed with the upper-level authority.
pub async fn awaiting_filing(db: &ReadDb, page: &PageRequest) -> Result<Page<ListingView>> {
    ListQuery::new("negative_list.awaiting_filing", COLUMNS, "listings", ORDER)
        .condition("status IN ('listed', 'delisted')")
        .filter("filed = ?", false)
        .page(db, &names(db), page, view, |v| {
            vec![v.listing_id.as_str().into()]
        })
        .await
}
