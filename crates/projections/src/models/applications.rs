//! Share applications (第十九、二十一条) with their current step, its due instant and the party that
//! owes the next act: a department's **inbox** (what it owes, by due instant) and **outbox** (what it
//! applied for).
//!
//! The row keeps the application's folded domain state (`ShareApplication`, the aggregate's own
//! `apply`), so the step and the party owing it are exactly what the aggregate would decide from.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cqrs_es::Aggregate;
use govshare_domain::share_application::{ShareApplication, ShareEvent, SharePath, ShareStatus};
use govshare_store::{Position, RecordedEvent};

use crate::db::ReadDb;
use crate::decode;
use crate::error::{ProjectionError, Result};
use crate::models::util::{enum_name, from_nanos, nanos, state_text};
use crate::page::{Page, PageRequest};
use crate::projection::Projection;
use crate::sql::{Dialect, Names, Row, SqlValue, Tx};

/// Projection name.
pub const NAME: &str = "applications";
const TABLES: &[&str] = &["applications"];

/// The act a requester owes after 退回补正 (no deadline runs for it).
pub const RESUBMIT: &str = "resubmit";

/// The share-applications projection.
#[derive(Clone, Copy, Debug, Default)]
pub struct ApplicationsProjection;

struct Owed {
    by: String,
    act: String,
    deadline: Option<String>,
    due_at: Option<DateTime<Utc>>,
    reminded_at: Option<DateTime<Utc>>,
}

/// Who owes the next act of an application, and by when.
fn owed(app: &ShareApplication) -> Option<Owed> {
    let status = app.status();
    if status.is_final() {
        return None;
    }
    if status == ShareStatus::ReturnedForSupplement {
        return app.requester().map(|r| Owed {
            by: r.code.as_str().to_owned(),
            act: RESUBMIT.to_owned(),
            deadline: None,
            due_at: None,
            reminded_at: None,
        });
    }
    let id = app.open_deadline()?;
    let tracked = app.deadlines().get(id)?;
    if !tracked.is_open() {
        return None;
    }
    let d = &tracked.current;
    Some(Owed {
        by: d.obligation.owed_by.as_str().to_owned(),
        act: d.obligation.what.key().to_owned(),
        deadline: Some(id.0.clone()),
        due_at: Some(d.due_at),
        reminded_at: tracked.reminded_at,
    })
}

#[async_trait]
impl Projection for ApplicationsProjection {
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
            "CREATE TABLE {applications} (\
                application_id TEXT PRIMARY KEY, \
                requester TEXT NOT NULL, \
                serving TEXT NOT NULL, \
                path TEXT NOT NULL, \
                status TEXT NOT NULL, \
                is_final BIGINT NOT NULL, \
                route TEXT NOT NULL, \
                entries TEXT NOT NULL, \
                owed_by TEXT, \
                owed_act TEXT, \
                deadline_id TEXT, \
                due_at BIGINT, \
                due_key BIGINT NOT NULL, \
                grant_id TEXT, \
                submitted_at BIGINT NOT NULL, \
                updated_at BIGINT NOT NULL, \
                last_position BIGINT NOT NULL, \
                state TEXT NOT NULL, \
                reminded_at BIGINT)"
                .into(),
            "CREATE INDEX {applications}_inbox ON {applications} (owed_by, due_key, application_id)"
                .into(),
            "CREATE INDEX {applications}_outbox ON {applications} \
             (requester, submitted_at, application_id)"
                .into(),
        ]
    }

    fn wants(&self, event: &RecordedEvent) -> bool {
        decode::is::<ShareApplication>(event)
    }

    async fn apply(&self, tx: &mut Tx<'_>, e: &RecordedEvent) -> Result<()> {
        let id = e.stream.aggregate_id.as_str();
        let event = decode::event::<ShareApplication>(e)?;
        let previous = tx
            .query_opt(
                "SELECT state, path, submitted_at, grant_id FROM {applications} \
                 WHERE application_id = $1",
                &[id.into()],
            )
            .await?;
        let (mut app, mut path, mut submitted_at, mut grant_id) = match previous {
            Some(row) => (
                serde_json::from_str::<ShareApplication>(&row.text(0)?)?,
                row.text(1)?,
                row.i64(2)?,
                row.opt_text(3)?,
            ),
            None => (
                ShareApplication::default(),
                String::new(),
                nanos(e.recorded_at),
                None,
            ),
        };
        match &event {
            ShareEvent::ShareApplicationSubmitted(s) => {
                path = enum_name(&s.path);
                submitted_at = nanos(s.at);
            }
            ShareEvent::ShareProvided(p) => grant_id = Some(p.grant_id.clone()),
            _ => {}
        }
        app.apply(event);
        let Some(requester) = app.requester().map(|r| r.code.as_str().to_owned()) else {
            return Err(ProjectionError::decode(
                e.position,
                format!("share application {id} has events before its submission"),
            ));
        };
        let route: Vec<&str> = app.route().iter().map(|d| d.code.as_str()).collect();
        let serving = route.last().copied().unwrap_or_default().to_owned();
        let entries: Vec<&str> = app.entries().iter().map(|x| x.entry_id.as_str()).collect();
        let owed = owed(&app);
        let due_at = owed.as_ref().and_then(|o| o.due_at).map(nanos);
        tx.execute(
            "INSERT INTO {applications} (application_id, requester, serving, path, status, is_final, \
             route, entries, owed_by, owed_act, deadline_id, due_at, due_key, grant_id, submitted_at, \
             updated_at, last_position, state, reminded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, \
             $19) \
             ON CONFLICT (application_id) DO UPDATE SET requester = $2, serving = $3, path = $4, \
             status = $5, is_final = $6, route = $7, entries = $8, owed_by = $9, owed_act = $10, \
             deadline_id = $11, due_at = $12, due_key = $13, grant_id = $14, submitted_at = $15, \
             updated_at = $16, last_position = $17, state = $18, reminded_at = $19",
            &[
                id.into(),
                requester.into(),
                serving.into(),
                path.into(),
                enum_name(&app.status()).into(),
                app.status().is_final().into(),
                serde_json::to_string(&route)?.into(),
                serde_json::to_string(&entries)?.into(),
                owed.as_ref().map(|o| o.by.clone()).into(),
                owed.as_ref().map(|o| o.act.clone()).into(),
                owed.as_ref().and_then(|o| o.deadline.clone()).into(),
                due_at.into(),
                due_at.unwrap_or(i64::MAX).into(),
                grant_id.into(),
                submitted_at.into(),
                nanos(e.recorded_at).into(),
                e.position.into(),
                state_text(&app)?.into(),
                owed.as_ref().and_then(|o| o.reminded_at).map(nanos).into(),
            ],
        )
        .await?;
        Ok(())
    }
}

/// A share application as the read model shows it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApplicationView {
    /// The application's id.
    pub application_id: String,
    /// The requesting department.
    pub requester: String,
    /// The authority that serves it (last on the route).
    pub serving: String,
    /// Unconditional, conditional or not accepted.
    pub path: Option<SharePath>,
    /// The current step.
    pub status: ShareStatus,
    /// The authorities it passes (第二十一条).
    pub route: Vec<String>,
    /// The catalog entries requested.
    pub entries: Vec<String>,
    /// The department that owes the next act, if one is owed.
    pub owed_by: Option<String>,
    /// The act owed (a deadline rule key such as `share_provider_reply`, or [`RESUBMIT`]).
    pub owed_act: Option<String>,
    /// The deadline of the act, if one runs.
    pub deadline_id: Option<String>,
    /// When the act is due.
    pub due_at: Option<DateTime<Utc>>,
    /// When the department owing the act was reminded of its deadline (催办提醒, where the rule set
    /// configures reminders).
    pub reminded_at: Option<DateTime<Utc>>,
    /// The grant issued on provision.
    pub grant_id: Option<String>,
    /// When it was submitted.
    pub submitted_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// Position of its last event.
    #[cfg_attr(feature = "openapi", schema(value_type = u64))]
    pub last_position: Position,
}

const COLUMNS: &str = "application_id, requester, serving, path, status, route, entries, owed_by, \
     owed_act, deadline_id, due_at, grant_id, submitted_at, updated_at, last_position, due_key, \
     reminded_at";

fn parse_enum<T: serde::de::DeserializeOwned>(index: usize, text: &str) -> Result<T> {
    serde_json::from_value(serde_json::Value::String(text.to_owned())).map_err(|e| {
        ProjectionError::Column {
            index,
            detail: format!("{text}: {e}"),
        }
    })
}

fn view(row: &Row) -> Result<ApplicationView> {
    let path = row.text(3)?;
    Ok(ApplicationView {
        application_id: row.text(0)?,
        requester: row.text(1)?,
        serving: row.text(2)?,
        path: if path.is_empty() {
            None
        } else {
            Some(parse_enum(3, &path)?)
        },
        status: parse_enum(4, &row.text(4)?)?,
        route: serde_json::from_str(&row.text(5)?)?,
        entries: serde_json::from_str(&row.text(6)?)?,
        owed_by: row.opt_text(7)?,
        owed_act: row.opt_text(8)?,
        deadline_id: row.opt_text(9)?,
        due_at: row.opt_i64(10)?.map(from_nanos),
        reminded_at: row.opt_i64(16)?.map(from_nanos),
        grant_id: row.opt_text(11)?,
        submitted_at: from_nanos(row.i64(12)?),
        updated_at: from_nanos(row.i64(13)?),
        last_position: row.u64(14)?,
    })
}

fn names(db: &ReadDb) -> Names {
    Names::views(db.dialect(), NAME, TABLES)
}

/// One application.
pub async fn get(db: &ReadDb, application_id: &str) -> Result<Option<ApplicationView>> {
    let rows = db
        .query(
            &names(db),
            &format!("SELECT {COLUMNS} FROM {{applications}} WHERE application_id = $1"),
            vec![application_id.into()],
        )
        .await?;
    rows.first().map(view).transpose()
}

const INBOX: &str = "applications.inbox";
const OUTBOX: &str = "applications.outbox";
const ALL: &str = "applications.all";

/// A department's inbox: the applications on which it owes the next act, soonest due first (acts
/// without a deadline last).
pub async fn inbox(
    db: &ReadDb,
    department: &str,
    page: &PageRequest,
) -> Result<Page<ApplicationView>> {
    let limit = page.clamped_limit();
    let mut params: Vec<SqlValue> = vec![department.into()];
    let after = match &page.after {
        Some(c) => {
            params.extend(c.decode(INBOX, &[true, false])?);
            "AND (due_key, application_id) > ($2, $3)"
        }
        None => "",
    };
    params.push((limit + 1).into());
    let sql = format!(
        "SELECT {COLUMNS} FROM {{applications}} WHERE owed_by = $1 AND is_final = 0 {after} \
         ORDER BY due_key, application_id LIMIT ${}",
        params.len()
    );
    let rows = db.query(&names(db), &sql, params).await?;
    let items = rows
        .iter()
        .map(|r| Ok((view(r)?, r.i64(15)?)))
        .collect::<Result<Vec<_>>>()?;
    let page = Page::from_fetched(items, limit, INBOX, |(v, due_key)| {
        vec![(*due_key).into(), v.application_id.as_str().into()]
    });
    Ok(Page {
        items: page.items.into_iter().map(|(v, _)| v).collect(),
        next: page.next,
    })
}

/// A department's outbox: the applications it submitted, oldest first, whatever their state.
pub async fn outbox(
    db: &ReadDb,
    department: &str,
    page: &PageRequest,
) -> Result<Page<ApplicationView>> {
    let limit = page.clamped_limit();
    let mut params: Vec<SqlValue> = vec![department.into()];
    let after = match &page.after {
        Some(c) => {
            params.extend(c.decode(OUTBOX, &[true, false])?);
            "AND (submitted_at, application_id) > ($2, $3)"
        }
        None => "",
    };
    params.push((limit + 1).into());
    let sql = format!(
        "SELECT {COLUMNS} FROM {{applications}} WHERE requester = $1 {after} \
         ORDER BY submitted_at, application_id LIMIT ${}",
        params.len()
    );
    let rows = db.query(&names(db), &sql, params).await?;
    let items = rows.iter().map(view).collect::<Result<Vec<_>>>()?;
    Ok(Page::from_fetched(items, limit, OUTBOX, |v| {
        vec![
            nanos(v.submitted_at).into(),
            v.application_id.as_str().into(),
        ]
    }))
}

/// Every application, by id.
pub async fn list(db: &ReadDb, page: &PageRequest) -> Result<Page<ApplicationView>> {
    let limit = page.clamped_limit();
    let mut params: Vec<SqlValue> = Vec::new();
    let after = match &page.after {
        Some(c) => {
            params.extend(c.decode(ALL, &[false])?);
            "WHERE application_id > $1"
        }
        None => "",
    };
    params.push((limit + 1).into());
    let sql = format!(
        "SELECT {COLUMNS} FROM {{applications}} {after} ORDER BY application_id LIMIT ${}",
        params.len()
    );
    let rows = db.query(&names(db), &sql, params).await?;
    let items = rows.iter().map(view).collect::<Result<Vec<_>>>()?;
    Ok(Page::from_fetched(items, limit, ALL, |v| {
        vec![v.application_id.as_str().into()]
    }))
}
