//! Aggregation status of catalog entries (归集, 第十六至十八条): for every entry, whether it must be
//! aggregated (published and shareable: 应归尽归), how (物理汇聚 full and real-time, or 逻辑接入 through an
//! interface), when it was registered and when a physical copy was last synchronised. A published
//! shareable entry with no registered aggregation is `pending`: the evidence of 第四十一条第三项 (未归集).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cqrs_es::Aggregate;
use govshare_domain::CategoryClass;
use govshare_domain::catalog::{AggregationMethod, CatalogEntry, CatalogEvent, ShareAttribute};
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
pub const NAME: &str = "aggregation";
const TABLES: &[&str] = &["entries"];

/// The aggregation-status projection.
#[derive(Clone, Copy, Debug, Default)]
pub struct AggregationProjection;

#[derive(Debug, Default, Serialize, Deserialize)]
struct Folded {
    entry: CatalogEntry,
    category_class: Option<CategoryClass>,
    registered_at: Option<DateTime<Utc>>,
    registered_position: Option<Position>,
    syncs: u64,
    published_at: Option<DateTime<Utc>>,
}

/// Where an entry's aggregation stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AggregationStatus {
    /// Not published yet: nothing to aggregate.
    NotPublished,
    /// Published but not shareable (不予共享, or on the negative list): not aggregated (第十六条).
    NotShareable,
    /// Published and shareable, no aggregation registered (应归尽归 not yet met).
    Pending,
    /// 物理汇聚 registered.
    Physical,
    /// 逻辑接入 registered.
    Logical,
}

impl AggregationStatus {
    fn key(self) -> &'static str {
        match self {
            Self::NotPublished => "not_published",
            Self::NotShareable => "not_shareable",
            Self::Pending => "pending",
            Self::Physical => "physical",
            Self::Logical => "logical",
        }
    }

    fn parse(index: usize, s: &str) -> Result<Self> {
        Ok(match s {
            "not_published" => Self::NotPublished,
            "not_shareable" => Self::NotShareable,
            "pending" => Self::Pending,
            "physical" => Self::Physical,
            "logical" => Self::Logical,
            other => {
                return Err(ProjectionError::Column {
                    index,
                    detail: format!("unknown aggregation status {other}"),
                });
            }
        })
    }
}

fn status_of(entry: &CatalogEntry) -> AggregationStatus {
    let Some(published) = entry.published() else {
        return AggregationStatus::NotPublished;
    };
    match entry.aggregation() {
        Some(AggregationMethod::Physical { .. }) => AggregationStatus::Physical,
        Some(AggregationMethod::Logical { .. }) => AggregationStatus::Logical,
        None if entry.listing().is_some()
            || published.metadata.share_attribute == ShareAttribute::NotShared =>
        {
            AggregationStatus::NotShareable
        }
        None => AggregationStatus::Pending,
    }
}

fn share_key(attribute: &ShareAttribute) -> &'static str {
    match attribute {
        ShareAttribute::Unconditional => "unconditional",
        ShareAttribute::Conditional { .. } => "conditional",
        ShareAttribute::NotShared => "not_shared",
    }
}

#[async_trait]
impl Projection for AggregationProjection {
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
            "CREATE TABLE {entries} (\
                entry_id TEXT PRIMARY KEY, \
                provider TEXT NOT NULL, \
                name TEXT, \
                code TEXT, \
                category_class TEXT, \
                share_attribute TEXT, \
                status TEXT NOT NULL, \
                method TEXT, \
                published_at BIGINT, \
                registered_at BIGINT, \
                registered_position BIGINT, \
                last_synced_at BIGINT, \
                syncs BIGINT NOT NULL, \
                updated_at BIGINT NOT NULL, \
                last_position BIGINT NOT NULL, \
                state TEXT NOT NULL)"
                .into(),
            "CREATE INDEX {entries}_status ON {entries} (status, provider, entry_id)".into(),
            "CREATE INDEX {entries}_provider ON {entries} (provider, entry_id)".into(),
        ]
    }

    fn wants(&self, event: &RecordedEvent) -> bool {
        decode::is::<CatalogEntry>(event)
    }

    async fn apply(&self, tx: &mut Tx<'_>, e: &RecordedEvent) -> Result<()> {
        let id = e.stream.aggregate_id.as_str();
        let event = decode::event::<CatalogEntry>(e)?;
        let mut f: Folded =
            load_state(tx, "SELECT state FROM {entries} WHERE entry_id = $1", id).await?;
        match &event {
            CatalogEvent::CatalogEntryDrafted(d) => f.category_class = d.category_class,
            CatalogEvent::AggregationRegistered(r) => {
                if r.category_class.is_some() {
                    f.category_class = r.category_class;
                }
                f.registered_at = Some(r.at);
                f.registered_position = Some(e.position);
            }
            CatalogEvent::AggregationSynced(_) => f.syncs += 1,
            CatalogEvent::CatalogEntryApproved(a) => f.published_at = Some(a.at),
            _ => {}
        }
        f.entry.apply(event);
        let Some(provider) = f.entry.provider().map(|p| p.code.as_str().to_owned()) else {
            return Err(ProjectionError::decode(
                e.position,
                format!("catalog entry {id} has events before its draft"),
            ));
        };
        let metadata = f
            .entry
            .published()
            .map(|p| &p.metadata)
            .or_else(|| f.entry.working());
        tx.execute(
            "INSERT INTO {entries} (entry_id, provider, name, code, category_class, share_attribute, \
             status, method, published_at, registered_at, registered_position, last_synced_at, syncs, \
             updated_at, last_position, state) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) \
             ON CONFLICT (entry_id) DO UPDATE SET provider = $2, name = $3, code = $4, \
             category_class = $5, share_attribute = $6, status = $7, method = $8, published_at = $9, \
             registered_at = $10, registered_position = $11, last_synced_at = $12, syncs = $13, \
             updated_at = $14, last_position = $15, state = $16",
            &[
                id.into(),
                provider.into(),
                metadata.map(|m| m.name.clone()).into(),
                metadata.map(|m| m.code.clone()).into(),
                f.category_class.map(|c| enum_name(&c)).into(),
                metadata.map(|m| share_key(&m.share_attribute)).into(),
                status_of(&f.entry).key().into(),
                f.entry.aggregation().map(json).transpose()?.into(),
                f.published_at.map(nanos).into(),
                f.registered_at.map(nanos).into(),
                f.registered_position
                    .map(|p| i64::try_from(p).unwrap_or(i64::MAX))
                    .into(),
                f.entry.last_synced_at().map(nanos).into(),
                f.syncs.into(),
                nanos(e.recorded_at).into(),
                e.position.into(),
                state_text(&f)?.into(),
            ],
        )
        .await?;
        Ok(())
    }
}

/// A catalog entry's aggregation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AggregationView {
    /// Entry id.
    pub entry_id: String,
    /// Providing department.
    pub provider: String,
    /// Name.
    pub name: Option<String>,
    /// Code.
    pub code: Option<String>,
    /// `base` or `thematic` (第十二条), if its category has a class: base data is aggregated
    /// physically (第十八条).
    pub category_class: Option<String>,
    /// `unconditional`, `conditional` or `not_shared`.
    pub share_attribute: Option<String>,
    /// Where its aggregation stands.
    pub status: AggregationStatus,
    /// The registered method.
    pub method: Option<AggregationMethod>,
    /// When the entry was (last) approved for publication.
    pub published_at: Option<DateTime<Utc>>,
    /// When the aggregation was (last) registered.
    pub registered_at: Option<DateTime<Utc>>,
    /// Position of that `AggregationRegistered` fact.
    pub registered_position: Option<Position>,
    /// Last synchronisation of a physical copy.
    pub last_synced_at: Option<DateTime<Utc>>,
    /// Synchronisations recorded.
    pub syncs: u64,
    /// Position of its last event.
    pub last_position: Position,
}

const COLUMNS: &str = "entry_id, provider, name, code, category_class, share_attribute, status, method, \
     published_at, registered_at, registered_position, last_synced_at, syncs, last_position";

fn view(r: &Row) -> Result<AggregationView> {
    Ok(AggregationView {
        entry_id: r.text(0)?,
        provider: r.text(1)?,
        name: r.opt_text(2)?,
        code: r.opt_text(3)?,
        category_class: r.opt_text(4)?,
        share_attribute: r.opt_text(5)?,
        status: AggregationStatus::parse(6, &r.text(6)?)?,
        method: r.opt_text(7)?.map(|t| parse_json(7, &t)).transpose()?,
        published_at: r.opt_i64(8)?.map(from_nanos),
        registered_at: r.opt_i64(9)?.map(from_nanos),
        registered_position: r.opt_i64(10)?.and_then(|p| u64::try_from(p).ok()),
        last_synced_at: r.opt_i64(11)?.map(from_nanos),
        syncs: r.u64(12)?,
        last_position: r.u64(13)?,
    })
}

fn names(db: &ReadDb) -> Names {
    Names::views(db.dialect(), NAME, TABLES)
}

/// One entry's aggregation.
pub async fn entry(db: &ReadDb, entry_id: &str) -> Result<Option<AggregationView>> {
    let rows = db
        .query(
            &names(db),
            &format!("SELECT {COLUMNS} FROM {{entries}} WHERE entry_id = $1"),
            vec![entry_id.into()],
        )
        .await?;
    rows.first().map(view).transpose()
}

/// Entries by provider and id, optionally of one status and one provider.
pub async fn list(
    db: &ReadDb,
    status: Option<AggregationStatus>,
    provider: Option<&str>,
    page: &PageRequest,
) -> Result<Page<AggregationView>> {
    ListQuery::new(
        "aggregation.list",
        COLUMNS,
        "entries",
        &[("provider", false), ("entry_id", false)],
    )
    .filter_opt("status = ?", status.map(AggregationStatus::key))
    .filter_opt("provider = ?", provider)
    .page(db, &names(db), page, view, |v| {
        vec![v.provider.as_str().into(), v.entry_id.as_str().into()]
    })
    .await
}

/// Published shareable entries with no aggregation registered (应归尽归 not met, 第四十一条第三项), by
/// provider and id.
pub async fn pending(
    db: &ReadDb,
    provider: Option<&str>,
    page: &PageRequest,
) -> Result<Page<AggregationView>> {
    list(db, Some(AggregationStatus::Pending), provider, page).await
}
