//! Grants of shared data (第二十二条) and every use recorded against them, with the violations a use
//! was found to be (扩大使用范围、改变使用用途, use outside validity or after revocation), attributed to
//! the grantee.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use govshare_domain::grant::{Grant, GrantEvent};
use govshare_store::{Position, RecordedEvent};

use crate::db::ReadDb;
use crate::decode;
use crate::error::{ProjectionError, Result};
use crate::models::util::{from_nanos, nanos};
use crate::page::{Page, PageRequest};
use crate::projection::Projection;
use crate::sql::{Dialect, Names, Row, SqlValue, Tx};

/// Projection name.
pub const NAME: &str = "grants";
const TABLES: &[&str] = &["grants", "uses"];

/// The grants projection.
#[derive(Clone, Copy, Debug, Default)]
pub struct GrantsProjection;

#[async_trait]
impl Projection for GrantsProjection {
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
            "CREATE TABLE {grants} (\
                grant_id TEXT PRIMARY KEY, \
                application_id TEXT NOT NULL, \
                grantee TEXT NOT NULL, \
                authority TEXT NOT NULL, \
                purpose_code TEXT NOT NULL, \
                valid_from TEXT NOT NULL, \
                valid_until TEXT NOT NULL, \
                entries TEXT NOT NULL, \
                status TEXT NOT NULL, \
                uses BIGINT NOT NULL, \
                violating_uses BIGINT NOT NULL, \
                issued_at BIGINT NOT NULL, \
                updated_at BIGINT NOT NULL, \
                last_position BIGINT NOT NULL)"
                .into(),
            "CREATE INDEX {grants}_grantee ON {grants} (grantee, grant_id)".into(),
            "CREATE TABLE {uses} (\
                position BIGINT PRIMARY KEY, \
                grant_id TEXT NOT NULL, \
                use_id TEXT NOT NULL, \
                grantee TEXT NOT NULL, \
                used_at BIGINT NOT NULL, \
                record_count BIGINT NOT NULL, \
                end_user TEXT NOT NULL, \
                purpose_code TEXT NOT NULL, \
                data_items TEXT NOT NULL, \
                violations TEXT NOT NULL, \
                violating BIGINT NOT NULL)"
                .into(),
            "CREATE INDEX {uses}_grant ON {uses} (grant_id, position)".into(),
            "CREATE INDEX {uses}_violating ON {uses} (violating, grantee, position)".into(),
        ]
    }

    fn wants(&self, event: &RecordedEvent) -> bool {
        decode::is::<Grant>(event)
    }

    async fn apply(&self, tx: &mut Tx<'_>, e: &RecordedEvent) -> Result<()> {
        let id = e.stream.aggregate_id.as_str();
        match decode::event::<Grant>(e)? {
            GrantEvent::GrantIssued(g) => {
                let entries: Vec<&str> = g.entries.iter().map(|x| x.entry_id.as_str()).collect();
                tx.execute(
                    "INSERT INTO {grants} (grant_id, application_id, grantee, authority, purpose_code, \
                     valid_from, valid_until, entries, status, uses, violating_uses, issued_at, \
                     updated_at, last_position) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'issued', 0, 0, $9, $9, $10)",
                    &[
                        id.into(),
                        g.application_id().into(),
                        g.grantee.code.as_str().into(),
                        g.authority.code.as_str().into(),
                        g.purpose_code.as_str().into(),
                        g.valid_from.to_string().into(),
                        g.valid_until.to_string().into(),
                        serde_json::to_string(&entries)?.into(),
                        nanos(g.at).into(),
                        e.position.into(),
                    ],
                )
                .await?;
            }
            GrantEvent::GrantUseRecorded(u) => {
                let grantee = tx
                    .query_opt(
                        "SELECT grantee FROM {grants} WHERE grant_id = $1",
                        &[id.into()],
                    )
                    .await?
                    .map(|r| r.text(0))
                    .transpose()?
                    .unwrap_or_default();
                let violating = !u.violations.is_empty();
                tx.execute(
                    "INSERT INTO {uses} (position, grant_id, use_id, grantee, used_at, record_count, \
                     end_user, purpose_code, data_items, violations, violating) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                    &[
                        e.position.into(),
                        id.into(),
                        u.use_id.as_str().into(),
                        grantee.into(),
                        nanos(u.used_at).into(),
                        u.record_count.into(),
                        u.end_user.as_str().into(),
                        u.purpose_code.as_str().into(),
                        serde_json::to_string(&u.data_items)?.into(),
                        serde_json::to_string(&u.violations)?.into(),
                        violating.into(),
                    ],
                )
                .await?;
                tx.execute(
                    "UPDATE {grants} SET uses = uses + 1, violating_uses = violating_uses + $2, \
                     updated_at = $3, last_position = $4 WHERE grant_id = $1",
                    &[
                        id.into(),
                        i64::from(violating).into(),
                        nanos(u.at).into(),
                        e.position.into(),
                    ],
                )
                .await?;
            }
            GrantEvent::GrantViolationRecorded(_) => {
                // The use it concerns carries the same violations; the fact is in the audit trail.
            }
            GrantEvent::GrantRevoked(r) => {
                set_status(tx, id, "revoked", r.at, e.position).await?;
            }
            GrantEvent::GrantExpired(x) => {
                set_status(tx, id, "expired", x.at, e.position).await?;
            }
        }
        Ok(())
    }
}

async fn set_status(
    tx: &mut Tx<'_>,
    id: &str,
    status: &str,
    at: DateTime<Utc>,
    position: Position,
) -> Result<()> {
    tx.execute(
        "UPDATE {grants} SET status = $2, updated_at = $3, last_position = $4 WHERE grant_id = $1",
        &[id.into(), status.into(), nanos(at).into(), position.into()],
    )
    .await?;
    Ok(())
}

/// A grant as the read model shows it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct GrantView {
    /// Grant id.
    pub grant_id: String,
    /// The share application it was issued on.
    pub application_id: String,
    /// The department allowed to use the data.
    pub grantee: String,
    /// The authority that issued it.
    pub authority: String,
    /// The scenario's purpose code the data is bound to.
    pub purpose_code: String,
    /// First day of validity.
    pub valid_from: NaiveDate,
    /// Last day of validity.
    pub valid_until: NaiveDate,
    /// Catalog entries granted.
    pub entries: Vec<String>,
    /// `issued`, `revoked` or `expired`.
    pub status: String,
    /// Uses recorded.
    pub uses: u64,
    /// Uses that were violations.
    pub violating_uses: u64,
    /// When it was issued.
    pub issued_at: DateTime<Utc>,
    /// Position of its last event.
    pub last_position: Position,
}

/// One recorded use of a grant.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct UseView {
    /// Position of the use's event (proves it).
    pub position: Position,
    /// Grant used.
    pub grant_id: String,
    /// Use id.
    pub use_id: String,
    /// The grantee.
    pub grantee: String,
    /// When the data was used.
    pub used_at: DateTime<Utc>,
    /// Records used.
    pub record_count: u64,
    /// The end user.
    pub end_user: String,
    /// Purpose code of the use.
    pub purpose_code: String,
    /// Data items used.
    pub data_items: Vec<String>,
    /// The violations (JSON of the domain's `UseViolation`s; empty array when none).
    pub violations: String,
    /// Whether the use was a violation (第二十二条).
    pub violating: bool,
}

fn date(index: usize, text: String) -> Result<NaiveDate> {
    text.parse().map_err(|_| ProjectionError::Column {
        index,
        detail: format!("{text} is not a date"),
    })
}

const GRANT_COLUMNS: &str = "grant_id, application_id, grantee, authority, purpose_code, valid_from, \
     valid_until, entries, status, uses, violating_uses, issued_at, last_position";

fn grant_view(r: &Row) -> Result<GrantView> {
    Ok(GrantView {
        grant_id: r.text(0)?,
        application_id: r.text(1)?,
        grantee: r.text(2)?,
        authority: r.text(3)?,
        purpose_code: r.text(4)?,
        valid_from: date(5, r.text(5)?)?,
        valid_until: date(6, r.text(6)?)?,
        entries: serde_json::from_str(&r.text(7)?)?,
        status: r.text(8)?,
        uses: r.u64(9)?,
        violating_uses: r.u64(10)?,
        issued_at: from_nanos(r.i64(11)?),
        last_position: r.u64(12)?,
    })
}

const USE_COLUMNS: &str = "position, grant_id, use_id, grantee, used_at, record_count, end_user, \
     purpose_code, data_items, violations, violating";

fn use_view(r: &Row) -> Result<UseView> {
    Ok(UseView {
        position: r.u64(0)?,
        grant_id: r.text(1)?,
        use_id: r.text(2)?,
        grantee: r.text(3)?,
        used_at: from_nanos(r.i64(4)?),
        record_count: r.u64(5)?,
        end_user: r.text(6)?,
        purpose_code: r.text(7)?,
        data_items: serde_json::from_str(&r.text(8)?)?,
        violations: r.text(9)?,
        violating: r.bool(10)?,
    })
}

fn names(db: &ReadDb) -> Names {
    Names::views(db.dialect(), NAME, TABLES)
}

/// One grant.
pub async fn get(db: &ReadDb, grant_id: &str) -> Result<Option<GrantView>> {
    let rows = db
        .query(
            &names(db),
            &format!("SELECT {GRANT_COLUMNS} FROM {{grants}} WHERE grant_id = $1"),
            vec![grant_id.into()],
        )
        .await?;
    rows.first().map(grant_view).transpose()
}

const GRANTS: &str = "grants.of_grantee";
const USES: &str = "grants.uses";
const VIOLATIONS: &str = "grants.violations";

/// The grants a department holds, by grant id.
pub async fn of_grantee(db: &ReadDb, grantee: &str, page: &PageRequest) -> Result<Page<GrantView>> {
    let limit = page.clamped_limit();
    let mut params: Vec<SqlValue> = vec![grantee.into()];
    let after = match &page.after {
        Some(c) => {
            params.extend(c.decode(GRANTS, &[false])?);
            "AND grant_id > $2"
        }
        None => "",
    };
    params.push((limit + 1).into());
    let sql = format!(
        "SELECT {GRANT_COLUMNS} FROM {{grants}} WHERE grantee = $1 {after} \
         ORDER BY grant_id LIMIT ${}",
        params.len()
    );
    let rows = db.query(&names(db), &sql, params).await?;
    let items = rows.iter().map(grant_view).collect::<Result<Vec<_>>>()?;
    Ok(Page::from_fetched(items, limit, GRANTS, |g| {
        vec![g.grant_id.as_str().into()]
    }))
}

/// The uses of one grant, in the order they were recorded.
pub async fn uses(db: &ReadDb, grant_id: &str, page: &PageRequest) -> Result<Page<UseView>> {
    let limit = page.clamped_limit();
    let mut params: Vec<SqlValue> = vec![grant_id.into()];
    let after = match &page.after {
        Some(c) => {
            params.extend(c.decode(USES, &[true])?);
            "AND position > $2"
        }
        None => "",
    };
    params.push((limit + 1).into());
    let sql = format!(
        "SELECT {USE_COLUMNS} FROM {{uses}} WHERE grant_id = $1 {after} \
         ORDER BY position LIMIT ${}",
        params.len()
    );
    let rows = db.query(&names(db), &sql, params).await?;
    let items = rows.iter().map(use_view).collect::<Result<Vec<_>>>()?;
    Ok(Page::from_fetched(items, limit, USES, |u| {
        vec![u.position.into()]
    }))
}

/// Uses that were violations (第二十二条), optionally of one grantee, in the order recorded.
pub async fn violations(
    db: &ReadDb,
    grantee: Option<&str>,
    page: &PageRequest,
) -> Result<Page<UseView>> {
    let limit = page.clamped_limit();
    let mut conditions = vec!["violating = 1".to_owned()];
    let mut params: Vec<SqlValue> = Vec::new();
    if let Some(g) = grantee {
        params.push(g.into());
        conditions.push(format!("grantee = ${}", params.len()));
    }
    if let Some(c) = &page.after {
        params.extend(c.decode(VIOLATIONS, &[true])?);
        conditions.push(format!("position > ${}", params.len()));
    }
    params.push((limit + 1).into());
    let sql = format!(
        "SELECT {USE_COLUMNS} FROM {{uses}} WHERE {} ORDER BY position LIMIT ${}",
        conditions.join(" AND "),
        params.len()
    );
    let rows = db.query(&names(db), &sql, params).await?;
    let items = rows.iter().map(use_view).collect::<Result<Vec<_>>>()?;
    Ok(Page::from_fetched(items, limit, VIOLATIONS, |u| {
        vec![u.position.into()]
    }))
}
