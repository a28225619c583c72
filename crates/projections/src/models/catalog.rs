//! The current catalog (第九至十二条): each entry with its provider, status and published version; and
//! the numbered, dated catalog versions an authority published (第十条) with the entries of each.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use cqrs_es::Aggregate;
use govshare_domain::catalog::{CatalogEntry, EntryStatus};
use govshare_domain::published_catalog::{PublishedCatalog, PublishedCatalogEvent};
use govshare_store::{Position, RecordedEvent};

use crate::db::ReadDb;
use crate::decode;
use crate::error::{ProjectionError, Result};
use crate::models::util::{enum_name, from_nanos, nanos, state_text};
use crate::page::{Page, PageRequest};
use crate::projection::Projection;
use crate::sql::{Dialect, Names, Row, SqlValue, Tx};

/// Projection name.
pub const NAME: &str = "catalog";
const TABLES: &[&str] = &["entries", "versions", "version_entries"];

/// The catalog projection.
#[derive(Clone, Copy, Debug, Default)]
pub struct CatalogProjection;

#[async_trait]
impl Projection for CatalogProjection {
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
                status TEXT NOT NULL, \
                name TEXT, \
                code TEXT, \
                published_version BIGINT, \
                published_on TEXT, \
                share_attribute TEXT, \
                listing TEXT, \
                updated_at BIGINT NOT NULL, \
                last_position BIGINT NOT NULL, \
                state TEXT NOT NULL)"
                .into(),
            "CREATE INDEX {entries}_provider ON {entries} (provider, entry_id)".into(),
            "CREATE TABLE {versions} (\
                authority TEXT NOT NULL, \
                number BIGINT NOT NULL, \
                published_on TEXT NOT NULL, \
                entries BIGINT NOT NULL, \
                published_at BIGINT NOT NULL, \
                position BIGINT NOT NULL, \
                PRIMARY KEY (authority, number))"
                .into(),
            "CREATE TABLE {version_entries} (\
                authority TEXT NOT NULL, \
                number BIGINT NOT NULL, \
                entry_id TEXT NOT NULL, \
                code TEXT NOT NULL, \
                name TEXT NOT NULL, \
                provider TEXT NOT NULL, \
                version BIGINT NOT NULL, \
                PRIMARY KEY (authority, number, entry_id))"
                .into(),
        ]
    }

    fn wants(&self, event: &RecordedEvent) -> bool {
        decode::is::<CatalogEntry>(event) || decode::is::<PublishedCatalog>(event)
    }

    async fn apply(&self, tx: &mut Tx<'_>, e: &RecordedEvent) -> Result<()> {
        if decode::is::<PublishedCatalog>(e) {
            let PublishedCatalogEvent::CatalogVersionPublished(v) =
                decode::event::<PublishedCatalog>(e)?;
            let authority = v.authority.code.as_str();
            tx.execute(
                "INSERT INTO {versions} (authority, number, published_on, entries, published_at, \
                 position) VALUES ($1, $2, $3, $4, $5, $6)",
                &[
                    authority.into(),
                    v.number.into(),
                    v.published_on.to_string().into(),
                    (v.entries.len() as u64).into(),
                    nanos(v.at).into(),
                    e.position.into(),
                ],
            )
            .await?;
            for entry in &v.entries {
                tx.execute(
                    "INSERT INTO {version_entries} (authority, number, entry_id, code, name, \
                     provider, version) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    &[
                        authority.into(),
                        v.number.into(),
                        entry.entry_id.as_str().into(),
                        entry.code.as_str().into(),
                        entry.name.as_str().into(),
                        entry.provider.as_str().into(),
                        entry.version.into(),
                    ],
                )
                .await?;
            }
            return Ok(());
        }
        let id = e.stream.aggregate_id.as_str();
        let event = decode::event::<CatalogEntry>(e)?;
        let mut entry: CatalogEntry = crate::models::util::load_state(
            tx,
            "SELECT state FROM {entries} WHERE entry_id = $1",
            id,
        )
        .await?;
        entry.apply(event);
        let Some(provider) = entry.provider().map(|p| p.code.as_str().to_owned()) else {
            return Err(ProjectionError::decode(
                e.position,
                format!("catalog entry {id} has events before its draft"),
            ));
        };
        let metadata = entry
            .published()
            .map(|p| &p.metadata)
            .or_else(|| entry.working());
        let published = entry.published();
        tx.execute(
            "INSERT INTO {entries} (entry_id, provider, status, name, code, published_version, \
             published_on, share_attribute, listing, updated_at, last_position, state) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
             ON CONFLICT (entry_id) DO UPDATE SET provider = $2, status = $3, name = $4, code = $5, \
             published_version = $6, published_on = $7, share_attribute = $8, listing = $9, \
             updated_at = $10, last_position = $11, state = $12",
            &[
                id.into(),
                provider.into(),
                enum_name(&entry.status()).into(),
                metadata.map(|m| m.name.clone()).into(),
                metadata.map(|m| m.code.clone()).into(),
                published.map(|p| i64::from(p.version)).into(),
                published.map(|p| p.published_on.to_string()).into(),
                metadata
                    .map(|m| serde_json::to_string(&m.share_attribute))
                    .transpose()?
                    .into(),
                entry.listing().map(str::to_owned).into(),
                nanos(e.recorded_at).into(),
                e.position.into(),
                state_text(&entry)?.into(),
            ],
        )
        .await?;
        Ok(())
    }
}

/// A catalog entry as the read model shows it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EntryView {
    /// Entry id.
    pub entry_id: String,
    /// Providing department.
    pub provider: String,
    /// Draft, submitted, returned, approved.
    pub status: EntryStatus,
    /// Name (published metadata, or the working draft's before the first approval).
    pub name: Option<String>,
    /// Catalog code.
    pub code: Option<String>,
    /// Version now published.
    pub published_version: Option<u32>,
    /// 发布日期 of that version.
    pub published_on: Option<NaiveDate>,
    /// The share attribute (JSON of the domain's `ShareAttribute`).
    pub share_attribute: Option<String>,
    /// The negative listing it is on, if any (第十五条).
    pub listing: Option<String>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// Position of its last event.
    #[cfg_attr(feature = "openapi", schema(value_type = u64))]
    pub last_position: Position,
}

fn parse_date(index: usize, text: Option<String>) -> Result<Option<NaiveDate>> {
    text.map(|t| {
        t.parse().map_err(|_| ProjectionError::Column {
            index,
            detail: format!("{t} is not a date"),
        })
    })
    .transpose()
}

const ENTRY_COLUMNS: &str = "entry_id, provider, status, name, code, published_version, \
     published_on, share_attribute, listing, updated_at, last_position";

fn entry_view(row: &Row) -> Result<EntryView> {
    let status = row.text(2)?;
    Ok(EntryView {
        entry_id: row.text(0)?,
        provider: row.text(1)?,
        status: serde_json::from_value(serde_json::Value::String(status.clone())).map_err(|e| {
            ProjectionError::Column {
                index: 2,
                detail: format!("{status}: {e}"),
            }
        })?,
        name: row.opt_text(3)?,
        code: row.opt_text(4)?,
        published_version: row.opt_i64(5)?.and_then(|v| u32::try_from(v).ok()),
        published_on: parse_date(6, row.opt_text(6)?)?,
        share_attribute: row.opt_text(7)?,
        listing: row.opt_text(8)?,
        updated_at: from_nanos(row.i64(9)?),
        last_position: row.u64(10)?,
    })
}

fn names(db: &ReadDb) -> Names {
    Names::views(db.dialect(), NAME, TABLES)
}

/// One entry.
pub async fn entry(db: &ReadDb, entry_id: &str) -> Result<Option<EntryView>> {
    let rows = db
        .query(
            &names(db),
            &format!("SELECT {ENTRY_COLUMNS} FROM {{entries}} WHERE entry_id = $1"),
            vec![entry_id.into()],
        )
        .await?;
    rows.first().map(entry_view).transpose()
}

const ENTRIES: &str = "catalog.entries";

/// The catalog's entries by id, optionally of one provider only, optionally published ones only.
pub async fn entries(
    db: &ReadDb,
    provider: Option<&str>,
    published_only: bool,
    page: &PageRequest,
) -> Result<Page<EntryView>> {
    let limit = page.clamped_limit();
    let mut conditions: Vec<String> = Vec::new();
    let mut params: Vec<SqlValue> = Vec::new();
    if let Some(p) = provider {
        params.push(p.into());
        conditions.push(format!("provider = ${}", params.len()));
    }
    if published_only {
        conditions.push("published_version IS NOT NULL".into());
    }
    if let Some(c) = &page.after {
        params.extend(c.decode(ENTRIES, &[false])?);
        conditions.push(format!("entry_id > ${}", params.len()));
    }
    params.push((limit + 1).into());
    let where_clause = if conditions.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conditions.join(" AND "))
    };
    let sql = format!(
        "SELECT {ENTRY_COLUMNS} FROM {{entries}} {where_clause} ORDER BY entry_id LIMIT ${}",
        params.len()
    );
    let rows = db.query(&names(db), &sql, params).await?;
    let items = rows.iter().map(entry_view).collect::<Result<Vec<_>>>()?;
    Ok(Page::from_fetched(items, limit, ENTRIES, |v| {
        vec![v.entry_id.as_str().into()]
    }))
}

/// A published catalog version (第十条).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CatalogVersion {
    /// The publishing authority.
    pub authority: String,
    /// Version number.
    pub number: u32,
    /// 发布日期.
    pub published_on: NaiveDate,
    /// Number of entries.
    pub entries: u64,
    /// When it was recorded.
    pub published_at: DateTime<Utc>,
    /// Position of the event.
    pub position: Position,
}

/// One entry of a published version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionEntry {
    /// Entry id.
    pub entry_id: String,
    /// Catalog code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Providing department.
    pub provider: String,
    /// The entry's version in this catalog version.
    pub version: u32,
}

const VERSIONS: &str = "catalog.versions";
const VERSION_ENTRIES: &str = "catalog.version_entries";

/// Published catalog versions, by authority and number; optionally of one authority.
pub async fn versions(
    db: &ReadDb,
    authority: Option<&str>,
    page: &PageRequest,
) -> Result<Page<CatalogVersion>> {
    let limit = page.clamped_limit();
    let mut conditions: Vec<String> = Vec::new();
    let mut params: Vec<SqlValue> = Vec::new();
    if let Some(a) = authority {
        params.push(a.into());
        conditions.push(format!("authority = ${}", params.len()));
    }
    if let Some(c) = &page.after {
        let n = params.len();
        params.extend(c.decode(VERSIONS, &[false, true])?);
        conditions.push(format!("(authority, number) > (${}, ${})", n + 1, n + 2));
    }
    params.push((limit + 1).into());
    let where_clause = if conditions.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conditions.join(" AND "))
    };
    let sql = format!(
        "SELECT authority, number, published_on, entries, published_at, position FROM {{versions}} \
         {where_clause} ORDER BY authority, number LIMIT ${}",
        params.len()
    );
    let rows = db.query(&names(db), &sql, params).await?;
    let items = rows
        .iter()
        .map(|r| {
            Ok(CatalogVersion {
                authority: r.text(0)?,
                number: u32::try_from(r.i64(1)?).unwrap_or(0),
                published_on: parse_date(2, Some(r.text(2)?))?.unwrap_or_default(),
                entries: r.u64(3)?,
                published_at: from_nanos(r.i64(4)?),
                position: r.u64(5)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Page::from_fetched(items, limit, VERSIONS, |v| {
        vec![v.authority.as_str().into(), v.number.into()]
    }))
}

/// The entries of one published version, by entry id.
pub async fn version_entries(
    db: &ReadDb,
    authority: &str,
    number: u32,
    page: &PageRequest,
) -> Result<Page<VersionEntry>> {
    let limit = page.clamped_limit();
    let mut params: Vec<SqlValue> = vec![authority.into(), number.into()];
    let after = match &page.after {
        Some(c) => {
            params.extend(c.decode(VERSION_ENTRIES, &[false])?);
            "AND entry_id > $3"
        }
        None => "",
    };
    params.push((limit + 1).into());
    let sql = format!(
        "SELECT entry_id, code, name, provider, version FROM {{version_entries}} \
         WHERE authority = $1 AND number = $2 {after} ORDER BY entry_id LIMIT ${}",
        params.len()
    );
    let rows = db.query(&names(db), &sql, params).await?;
    let items = rows
        .iter()
        .map(|r| {
            Ok(VersionEntry {
                entry_id: r.text(0)?,
                code: r.text(1)?,
                name: r.text(2)?,
                provider: r.text(3)?,
                version: u32::try_from(r.i64(4)?).unwrap_or(0),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Page::from_fetched(items, limit, VERSION_ENTRIES, |v| {
        vec![v.entry_id.as_str().into()]
    }))
}
