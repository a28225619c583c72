//! Collection responsibility lists (采集责任清单, 第十三、十四条): each department's list as the authority
//! derived it, with its version, items and the duplicate collections recorded with their justifications,
//! and every change applied for and decided.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cqrs_es::Aggregate;
use govshare_domain::collection_list::{
    CollectionItem, CollectionList, CollectionListEvent, DuplicationJustification, SharedSource,
};
use govshare_store::{Position, RecordedEvent};
use serde::{Deserialize, Serialize};

use crate::db::ReadDb;
use crate::decode;
use crate::error::{ProjectionError, Result};
use crate::models::util::{ListQuery, from_nanos, json, load_state, nanos, parse_json, state_text};
use crate::page::{Page, PageRequest};
use crate::projection::Projection;
use crate::sql::{Dialect, Names, Row, Tx};

/// Projection name.
pub const NAME: &str = "collection";
const TABLES: &[&str] = &["lists", "changes"];

/// The collection-list projection.
#[derive(Clone, Copy, Debug, Default)]
pub struct CollectionProjection;

#[derive(Debug, Default, Serialize, Deserialize)]
struct Folded {
    list: CollectionList,
    department: String,
    derived_at: Option<DateTime<Utc>>,
}

#[async_trait]
impl Projection for CollectionProjection {
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
            "CREATE TABLE {lists} (\
                list_id TEXT PRIMARY KEY, \
                department TEXT NOT NULL, \
                version BIGINT NOT NULL, \
                items TEXT NOT NULL, \
                item_count BIGINT NOT NULL, \
                pending_change BIGINT, \
                changes BIGINT NOT NULL, \
                duplicates TEXT NOT NULL, \
                duplicate_count BIGINT NOT NULL, \
                derived_at BIGINT NOT NULL, \
                updated_at BIGINT NOT NULL, \
                last_position BIGINT NOT NULL, \
                state TEXT NOT NULL)"
                .into(),
            "CREATE INDEX {lists}_department ON {lists} (department, list_id)".into(),
            "CREATE TABLE {changes} (\
                list_id TEXT NOT NULL, \
                change BIGINT NOT NULL, \
                department TEXT NOT NULL, \
                additions TEXT NOT NULL, \
                removals TEXT NOT NULL, \
                reason TEXT NOT NULL, \
                overlapping TEXT NOT NULL, \
                justifications TEXT NOT NULL, \
                applied_at BIGINT NOT NULL, \
                applied_position BIGINT NOT NULL, \
                decision TEXT NOT NULL, \
                opinion TEXT, \
                version_after BIGINT, \
                decided_at BIGINT, \
                decided_position BIGINT, \
                PRIMARY KEY (list_id, change))"
                .into(),
            "CREATE INDEX {changes}_decision ON {changes} (decision, list_id, change)".into(),
            "CREATE INDEX {changes}_department ON {changes} (department, list_id, change)".into(),
        ]
    }

    fn wants(&self, event: &RecordedEvent) -> bool {
        decode::is::<CollectionList>(event)
    }

    async fn apply(&self, tx: &mut Tx<'_>, e: &RecordedEvent) -> Result<()> {
        let id = e.stream.aggregate_id.as_str();
        let event = decode::event::<CollectionList>(e)?;
        let mut f: Folded =
            load_state(tx, "SELECT state FROM {lists} WHERE list_id = $1", id).await?;
        match &event {
            CollectionListEvent::CollectionListDerived(d) => {
                f.department = d.department.code.as_str().to_owned();
                f.derived_at = Some(d.at);
            }
            CollectionListEvent::CollectionChangeApplied(c) => {
                tx.execute(
                    "INSERT INTO {changes} (list_id, change, department, additions, removals, reason, \
                     overlapping, justifications, applied_at, applied_position, decision) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'pending')",
                    &[
                        id.into(),
                        c.change.into(),
                        f.department.as_str().into(),
                        json(&c.add)?.into(),
                        json(&c.remove)?.into(),
                        c.reason.as_str().into(),
                        json(&c.overlaps)?.into(),
                        json(&c.justifications)?.into(),
                        nanos(c.at).into(),
                        e.position.into(),
                    ],
                )
                .await?;
            }
            CollectionListEvent::CollectionChangeDecided(d) => {
                tx.execute(
                    "UPDATE {changes} SET decision = $3, opinion = $4, version_after = $5, \
                     decided_at = $6, decided_position = $7 WHERE list_id = $1 AND change = $2",
                    &[
                        id.into(),
                        d.change.into(),
                        if d.approved { "approved" } else { "rejected" }.into(),
                        d.opinion.as_str().into(),
                        d.version.into(),
                        nanos(d.at).into(),
                        e.position.into(),
                    ],
                )
                .await?;
            }
        }
        f.list.apply(event);
        let Some(derived_at) = f.derived_at else {
            return Err(ProjectionError::decode(
                e.position,
                format!("collection list {id} has events before its derivation"),
            ));
        };
        let duplicates: Vec<Duplicate> = f
            .list
            .justified_duplicates()
            .iter()
            .map(|(source, justification)| Duplicate {
                source: source.clone(),
                justification: justification.clone(),
            })
            .collect();
        let changes = changes_count(tx, id).await?;
        tx.execute(
            "INSERT INTO {lists} (list_id, department, version, items, item_count, pending_change, \
             changes, duplicates, duplicate_count, derived_at, updated_at, last_position, state) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
             ON CONFLICT (list_id) DO UPDATE SET department = $2, version = $3, items = $4, \
             item_count = $5, pending_change = $6, changes = $7, duplicates = $8, \
             duplicate_count = $9, derived_at = $10, updated_at = $11, last_position = $12, state = $13",
            &[
                id.into(),
                f.department.as_str().into(),
                f.list.version().into(),
                json(&f.list.items())?.into(),
                (f.list.items().len() as u64).into(),
                f.list.pending().map(|p| i64::from(p.change)).into(),
                changes.into(),
                json(&duplicates)?.into(),
                (duplicates.len() as u64).into(),
                nanos(derived_at).into(),
                nanos(e.recorded_at).into(),
                e.position.into(),
                state_text(&f)?.into(),
            ],
        )
        .await?;
        Ok(())
    }
}

async fn changes_count(tx: &mut Tx<'_>, id: &str) -> Result<i64> {
    Ok(tx
        .query_opt(
            "SELECT COUNT(*) FROM {changes} WHERE list_id = $1",
            &[id.into()],
        )
        .await?
        .map(|r| r.i64(0))
        .transpose()?
        .unwrap_or(0))
}

/// A duplicate collection in force or applied for, with the justification recorded for it (第十三条:
/// 不得重复采集 without one).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Duplicate {
    /// The data item and the department that already provides it.
    pub source: SharedSource,
    /// Why the department collects it all the same.
    pub justification: DuplicationJustification,
}

/// A department's collection list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CollectionListView {
    /// The list (aggregate) id.
    pub list_id: String,
    /// The department.
    pub department: String,
    /// The list's version (1 when derived, +1 per approved change).
    pub version: u32,
    /// The items it must collect.
    pub items: Vec<CollectionItem>,
    /// The change awaiting the authority's decision.
    pub pending_change: Option<u32>,
    /// Changes applied for.
    pub changes: u64,
    /// Duplicate collections with their justifications (what an assessor checks, 第三十八条).
    pub duplicates: Vec<Duplicate>,
    /// When the authority derived it.
    pub derived_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// Position of its last event.
    pub last_position: Position,
}

const LIST_COLUMNS: &str = "list_id, department, version, items, pending_change, changes, duplicates, \
     derived_at, updated_at, last_position";

fn list_view(r: &Row) -> Result<CollectionListView> {
    Ok(CollectionListView {
        list_id: r.text(0)?,
        department: r.text(1)?,
        version: u32::try_from(r.i64(2)?).unwrap_or(0),
        items: parse_json(3, &r.text(3)?)?,
        pending_change: r.opt_i64(4)?.and_then(|v| u32::try_from(v).ok()),
        changes: r.u64(5)?,
        duplicates: parse_json(6, &r.text(6)?)?,
        derived_at: from_nanos(r.i64(7)?),
        updated_at: from_nanos(r.i64(8)?),
        last_position: r.u64(9)?,
    })
}

/// How a change was decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChangeDecision {
    /// Awaiting the authority.
    Pending,
    /// Approved: the list moved to a new version.
    Approved,
    /// Rejected.
    Rejected,
}

impl ChangeDecision {
    fn key(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
        }
    }

    fn parse(index: usize, s: &str) -> Result<Self> {
        match s {
            "pending" => Ok(Self::Pending),
            "approved" => Ok(Self::Approved),
            "rejected" => Ok(Self::Rejected),
            other => Err(ProjectionError::Column {
                index,
                detail: format!("unknown decision {other}"),
            }),
        }
    }
}

/// A change of a collection list (第十四条).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChangeView {
    /// The list.
    pub list_id: String,
    /// Sequence number of the change.
    pub change: u32,
    /// The department that applied.
    pub department: String,
    /// Items to add.
    pub add: Vec<CollectionItem>,
    /// Data items to remove.
    pub remove: Vec<String>,
    /// Why.
    pub reason: String,
    /// Added items already provided by other departments.
    pub overlaps: Vec<SharedSource>,
    /// The justifications recorded for them.
    pub justifications: Vec<DuplicationJustification>,
    /// When applied.
    pub applied_at: DateTime<Utc>,
    /// Position of the application.
    pub applied_position: Position,
    /// The authority's decision.
    pub decision: ChangeDecision,
    /// Its opinion.
    pub opinion: Option<String>,
    /// The list version after the decision.
    pub version_after: Option<u32>,
    /// When decided.
    pub decided_at: Option<DateTime<Utc>>,
    /// Position of the decision.
    pub decided_position: Option<Position>,
}

const CHANGE_COLUMNS: &str = "list_id, change, department, additions, removals, reason, overlapping, \
     justifications, applied_at, applied_position, decision, opinion, version_after, decided_at, \
     decided_position";

fn change_view(r: &Row) -> Result<ChangeView> {
    Ok(ChangeView {
        list_id: r.text(0)?,
        change: u32::try_from(r.i64(1)?).unwrap_or(0),
        department: r.text(2)?,
        add: parse_json(3, &r.text(3)?)?,
        remove: parse_json(4, &r.text(4)?)?,
        reason: r.text(5)?,
        overlaps: parse_json(6, &r.text(6)?)?,
        justifications: parse_json(7, &r.text(7)?)?,
        applied_at: from_nanos(r.i64(8)?),
        applied_position: r.u64(9)?,
        decision: ChangeDecision::parse(10, &r.text(10)?)?,
        opinion: r.opt_text(11)?,
        version_after: r.opt_i64(12)?.and_then(|v| u32::try_from(v).ok()),
        decided_at: r.opt_i64(13)?.map(from_nanos),
        decided_position: r.opt_i64(14)?.and_then(|v| u64::try_from(v).ok()),
    })
}

fn names(db: &ReadDb) -> Names {
    Names::views(db.dialect(), NAME, TABLES)
}

/// The collection list of a department (its latest derived list).
pub async fn of_department(db: &ReadDb, department: &str) -> Result<Option<CollectionListView>> {
    let rows = db
        .query(
            &names(db),
            &format!(
                "SELECT {LIST_COLUMNS} FROM {{lists}} WHERE department = $1 \
                 ORDER BY derived_at DESC, list_id LIMIT 1"
            ),
            vec![department.into()],
        )
        .await?;
    rows.first().map(list_view).transpose()
}

/// One collection list.
pub async fn get(db: &ReadDb, list_id: &str) -> Result<Option<CollectionListView>> {
    let rows = db
        .query(
            &names(db),
            &format!("SELECT {LIST_COLUMNS} FROM {{lists}} WHERE list_id = $1"),
            vec![list_id.into()],
        )
        .await?;
    rows.first().map(list_view).transpose()
}

/// Every collection list, by department; `with_duplicates` keeps only the lists that record a duplicate
/// collection (for an assessor, 第三十八条).
pub async fn lists(
    db: &ReadDb,
    with_duplicates: bool,
    page: &PageRequest,
) -> Result<Page<CollectionListView>> {
    let mut q = ListQuery::new(
        "collection.lists",
        LIST_COLUMNS,
        "lists",
        &[("department", false), ("list_id", false)],
    );
    if with_duplicates {
        q = q.condition("duplicate_count > 0");
    }
    q.page(db, &names(db), page, list_view, |v| {
        vec![v.department.as_str().into(), v.list_id.as_str().into()]
    })
    .await
}

/// Which changes to list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChangeFilter {
    /// Only of this department.
    pub department: Option<String>,
    /// Only with this decision (`Pending`: what the authority owes).
    pub decision: Option<ChangeDecision>,
}

/// Changes of collection lists by list and sequence number.
pub async fn changes(
    db: &ReadDb,
    filter: &ChangeFilter,
    page: &PageRequest,
) -> Result<Page<ChangeView>> {
    ListQuery::new(
        "collection.changes",
        CHANGE_COLUMNS,
        "changes",
        &[("list_id", false), ("change", true)],
    )
    .filter_opt("department = ?", filter.department.as_deref())
    .filter_opt("decision = ?", filter.decision.map(ChangeDecision::key))
    .page(db, &names(db), page, change_view, |c| {
        vec![c.list_id.as_str().into(), c.change.into()]
    })
    .await
}
