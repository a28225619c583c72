//! The JSON queries: each a typed query function of `govshare-projections`, cursor-paginated as the read
//! model offers, filtered to what the token's department may see.
//!
//! Visibility (the read side of the regulation's division of duties; commands are authorized by the domain):
//! a department sees its own inbox, outbox, grants and deadlines, and the share applications and grants it
//! is a party to (requester, an authority on the route, the department owing the next act, a provider of a
//! requested entry, grantee or issuing authority). A data authority (政务数据主管部门) sees them all. The
//! catalog is visible to every token.

use std::time::Duration;

use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use govshare_domain::DepartmentKind;
use govshare_projections::models::{applications, audit, catalog, deadlines, grants};
use govshare_projections::{Cursor, Page, PageRequest};
use govshare_store::StreamId;
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

use crate::AppHandle;
use crate::auth::Caller;
use crate::openapi as doc;
use crate::problem::{Code, Problem};

/// Pagination and read-your-writes parameters of every list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Items per page (1–1000, default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
    /// Wait (briefly) until the read model has applied this log position, e.g. a command's `position`.
    pub min_position: Option<u64>,
}

impl ListParams {
    pub(crate) fn page(&self) -> PageRequest {
        let limit = self.limit.unwrap_or(100);
        match &self.cursor {
            Some(c) => PageRequest::after(Cursor::from_string(c.clone()), limit),
            None => PageRequest::first(limit),
        }
    }
}

/// Read-your-writes parameter of single-resource queries.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReadParams {
    /// Wait (briefly) until the read model has applied this log position.
    pub min_position: Option<u64>,
}

/// One page of a list.
#[derive(Debug, Serialize)]
pub struct PageBody<T> {
    /// The items.
    pub items: Vec<T>,
    /// The cursor of the next page (`null` on the last page).
    pub next_cursor: Option<String>,
}

impl<T> From<Page<T>> for PageBody<T> {
    fn from(page: Page<T>) -> Self {
        PageBody {
            items: page.items,
            next_cursor: page.next.map(|c| c.as_str().to_owned()),
        }
    }
}

fn query<T>(q: Result<Query<T>, QueryRejection>) -> Result<T, Problem> {
    q.map(|Query(t)| t)
        .map_err(|e| Problem::new(Code::BadRequest, e.body_text()))
}

fn path<T>(p: Result<Path<T>, PathRejection>) -> Result<T, Problem> {
    p.map(|Path(t)| t)
        .map_err(|e| Problem::new(Code::BadRequest, e.body_text()))
}

impl AppHandle {
    /// Waits (up to the configured read wait) until the read model `model` has applied `position`.
    pub async fn wait(&self, model: &str, position: Option<u64>) -> Result<(), Problem> {
        if let Some(position) = position {
            self.db
                .wait_for(
                    model,
                    position,
                    self.config.effective_read_wait(),
                    Duration::from_millis(10),
                )
                .await?;
        }
        Ok(())
    }

    /// Whether the caller's department is a data authority (it sees every department's lists).
    pub async fn is_authority(&self, caller: &Caller) -> Result<bool, Problem> {
        let registry = self.engine.registry().await?;
        Ok(registry
            .department(&caller.actor.department)
            .is_some_and(|d| d.kind == DepartmentKind::DataAuthority))
    }

    /// `Ok` if the caller may see the lists (inbox, outbox, grants, deadlines) of `department`: its own, or
    /// any for a data authority; else `not-visible`.
    pub async fn may_see_department(
        &self,
        caller: &Caller,
        department: &str,
    ) -> Result<(), Problem> {
        if caller.actor.department.as_str() == department || self.is_authority(caller).await? {
            Ok(())
        } else {
            Err(Problem::new(
                Code::NotVisible,
                format!(
                    "{} may not see the lists of {department}",
                    caller.actor.department.as_str()
                ),
            ))
        }
    }
}

fn not_visible(caller: &Caller, what: &str) -> Problem {
    Problem::new(
        Code::NotVisible,
        format!(
            "{} is not a party to {what}",
            caller.actor.department.as_str()
        ),
    )
}

/// `GET /v1/departments/{code}/inbox`: the applications on which the department owes the next act.
#[utoipa::path(
    get,
    path = "/v1/departments/{code}/inbox",
    tag = "queries",
    operation_id = "inbox",
    summary = "待办 inbox: applications on which the department owes the next act, soonest due first",
    params(("code" = String, Path, description = "The department code, e.g. `130000-health`"), ListParams),
    responses(
        (status = 200, description = "One page of applications", body = doc::ApplicationPage),
        (status = 400, description = "请求格式错误 a malformed path or query parameter, or a foreign cursor (`bad-request`)", body = doc::Problem, content_type = "application/problem+json"),
        (status = 403, description = "无权查看 the token's department may see only its own lists; a data authority sees all (`not-visible`)", body = doc::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
pub async fn inbox(
    State(app): State<AppHandle>,
    caller: Caller,
    code: Result<Path<String>, PathRejection>,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<Json<PageBody<applications::ApplicationView>>, Problem> {
    let code = path(code)?;
    let params = query(params)?;
    app.may_see_department(&caller, &code).await?;
    app.wait(applications::NAME, params.min_position).await?;
    Ok(Json(
        applications::inbox(&app.db, &code, &params.page())
            .await?
            .into(),
    ))
}

/// `GET /v1/departments/{code}/outbox`: the applications the department submitted.
#[utoipa::path(
    get,
    path = "/v1/departments/{code}/outbox",
    tag = "queries",
    operation_id = "outbox",
    summary = "已申请 outbox: applications the department submitted",
    params(("code" = String, Path, description = "The department code, e.g. `130000-health`"), ListParams),
    responses(
        (status = 200, description = "One page of applications", body = doc::ApplicationPage),
        (status = 400, description = "请求格式错误 a malformed path or query parameter, or a foreign cursor (`bad-request`)", body = doc::Problem, content_type = "application/problem+json"),
        (status = 403, description = "无权查看 the token's department may see only its own lists; a data authority sees all (`not-visible`)", body = doc::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
pub async fn outbox(
    State(app): State<AppHandle>,
    caller: Caller,
    code: Result<Path<String>, PathRejection>,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<Json<PageBody<applications::ApplicationView>>, Problem> {
    let code = path(code)?;
    let params = query(params)?;
    app.may_see_department(&caller, &code).await?;
    app.wait(applications::NAME, params.min_position).await?;
    Ok(Json(
        applications::outbox(&app.db, &code, &params.page())
            .await?
            .into(),
    ))
}

/// `GET /v1/departments/{code}/grants`: the grants the department holds.
#[utoipa::path(
    get,
    path = "/v1/departments/{code}/grants",
    tag = "queries",
    operation_id = "department_grants",
    summary = "已获授权 grants the department holds",
    params(("code" = String, Path, description = "The department code, e.g. `130000-health`"), ListParams),
    responses(
        (status = 200, description = "One page of grants", body = doc::GrantPage),
        (status = 400, description = "请求格式错误 a malformed path or query parameter, or a foreign cursor (`bad-request`)", body = doc::Problem, content_type = "application/problem+json"),
        (status = 403, description = "无权查看 the token's department may see only its own lists; a data authority sees all (`not-visible`)", body = doc::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
pub async fn department_grants(
    State(app): State<AppHandle>,
    caller: Caller,
    code: Result<Path<String>, PathRejection>,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<Json<PageBody<grants::GrantView>>, Problem> {
    let code = path(code)?;
    let params = query(params)?;
    app.may_see_department(&caller, &code).await?;
    app.wait(grants::NAME, params.min_position).await?;
    Ok(Json(
        grants::of_grantee(&app.db, &code, &params.page())
            .await?
            .into(),
    ))
}

/// A share application with its deadlines.
#[derive(Debug, Serialize)]
pub struct CaseBody {
    /// The application as the read model shows it.
    pub application: applications::ApplicationView,
    /// Every deadline of the case, in the order set.
    pub deadlines: Vec<deadlines::DeadlineItem>,
}

impl AppHandle {
    /// Whether the caller is a party to the application (requester, an authority on its route, the
    /// department owing the next act, a provider of a requested entry) or a data authority.
    pub async fn may_see_application(
        &self,
        caller: &Caller,
        view: &applications::ApplicationView,
    ) -> Result<(), Problem> {
        let me = caller.actor.department.as_str();
        let party = view.requester == me
            || view.serving == me
            || view.route.iter().any(|d| d == me)
            || view.owed_by.as_deref() == Some(me);
        if party || self.is_authority(caller).await? {
            return Ok(());
        }
        // The entries' providers come from the catalog model, which may lag behind the applications model:
        // let it reach the application's last event (the entries were recorded before it).
        self.wait(catalog::NAME, Some(view.last_position)).await?;
        for entry in &view.entries {
            if catalog::entry(&self.db, entry)
                .await?
                .is_some_and(|e| e.provider == me)
            {
                return Ok(());
            }
        }
        Err(not_visible(
            caller,
            &format!("share application {}", view.application_id),
        ))
    }
}

/// The share application `id` if the caller may see it ([`AppHandle::may_see_application`]): `not-found`
/// when there is none, `not-visible` when the caller is not a party.
pub async fn visible_application(
    app: &AppHandle,
    caller: &Caller,
    id: &str,
) -> Result<applications::ApplicationView, Problem> {
    let Some(view) = applications::get(&app.db, id).await? else {
        return Err(Problem::new(
            Code::NotFound,
            format!("no share application {id}"),
        ));
    };
    app.may_see_application(caller, &view).await?;
    Ok(view)
}

/// `GET /v1/applications/{id}`: one share application (a case) with its deadlines.
#[utoipa::path(
    get,
    path = "/v1/applications/{id}",
    tag = "queries",
    operation_id = "application",
    summary = "共享申请 a share application with its deadlines",
    params(("id" = String, Path, description = "The share application id"), ReadParams),
    responses(
        (status = 200, description = "The application and its deadlines", body = doc::Case),
        (status = 400, description = "请求格式错误 a malformed path or query parameter, or a foreign cursor (`bad-request`)", body = doc::Problem, content_type = "application/problem+json"),
        (status = 403, description = "无权查看 the token's department is not a party (`not-visible`)", body = doc::Problem, content_type = "application/problem+json"),
        (status = 404, description = "不存在 no such share application (`not-found`)", body = doc::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
pub async fn application(
    State(app): State<AppHandle>,
    caller: Caller,
    id: Result<Path<String>, PathRejection>,
    params: Result<Query<ReadParams>, QueryRejection>,
) -> Result<Json<CaseBody>, Problem> {
    let id = path(id)?;
    let params = query(params)?;
    app.wait(applications::NAME, params.min_position).await?;
    app.wait(deadlines::NAME, params.min_position).await?;
    let application = visible_application(&app, &caller, &id).await?;
    let deadlines = deadlines::of_case(&app.db, &StreamId::new("ShareApplication", &id)).await?;
    Ok(Json(CaseBody {
        application,
        deadlines,
    }))
}

/// `GET /v1/applications/{id}/timeline`: the case's audit trail, in log order.
#[utoipa::path(
    get,
    path = "/v1/applications/{id}/timeline",
    tag = "queries",
    operation_id = "timeline",
    summary = "办理记录 the application's audit trail, in log order",
    params(("id" = String, Path, description = "The share application id"), ListParams),
    responses(
        (status = 200, description = "One page of audit entries", body = doc::AuditPage),
        (status = 400, description = "请求格式错误 a malformed path or query parameter, or a foreign cursor (`bad-request`)", body = doc::Problem, content_type = "application/problem+json"),
        (status = 403, description = "无权查看 the token's department is not a party (`not-visible`)", body = doc::Problem, content_type = "application/problem+json"),
        (status = 404, description = "不存在 no such share application (`not-found`)", body = doc::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
pub async fn timeline(
    State(app): State<AppHandle>,
    caller: Caller,
    id: Result<Path<String>, PathRejection>,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<Json<PageBody<audit::AuditEntry>>, Problem> {
    let id = path(id)?;
    let params = query(params)?;
    app.wait(applications::NAME, params.min_position).await?;
    app.wait(audit::NAME, params.min_position).await?;
    visible_application(&app, &caller, &id).await?;
    let filter = audit::AuditFilter::Case(StreamId::new("ShareApplication", &id));
    Ok(Json(
        audit::trail(&app.db, &filter, &params.page()).await?.into(),
    ))
}

/// Parameters of the catalog list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CatalogParams {
    /// Only this provider's entries.
    pub provider: Option<String>,
    /// Only published entries.
    #[serde(default)]
    pub published: bool,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Items per page (1–1000, default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
    /// Wait (briefly) until the read model has applied this log position, e.g. a command's `position`.
    pub min_position: Option<u64>,
}

/// `GET /v1/catalog/entries`: catalog entries by id.
#[utoipa::path(
    get,
    path = "/v1/catalog/entries",
    tag = "queries",
    operation_id = "catalog_entries",
    summary = "目录 catalog entries by id (every token)",
    params(CatalogParams),
    responses(
        (status = 200, description = "One page of catalog entries", body = doc::EntryPage),
        (status = 400, description = "请求格式错误 a malformed path or query parameter, or a foreign cursor (`bad-request`)", body = doc::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
pub async fn catalog_entries(
    State(app): State<AppHandle>,
    _caller: Caller,
    params: Result<Query<CatalogParams>, QueryRejection>,
) -> Result<Json<PageBody<catalog::EntryView>>, Problem> {
    let params = query(params)?;
    app.wait(catalog::NAME, params.min_position).await?;
    let page = ListParams {
        cursor: params.cursor.clone(),
        limit: params.limit,
        min_position: None,
    }
    .page();
    Ok(Json(
        catalog::entries(&app.db, params.provider.as_deref(), params.published, &page)
            .await?
            .into(),
    ))
}

/// `GET /v1/catalog/entries/{id}`: one catalog entry.
#[utoipa::path(
    get,
    path = "/v1/catalog/entries/{id}",
    tag = "queries",
    operation_id = "catalog_entry",
    summary = "目录条目 one catalog entry (every token)",
    params(("id" = String, Path, description = "The catalog entry id"), ReadParams),
    responses(
        (status = 200, description = "The catalog entry", body = govshare_projections::models::catalog::EntryView),
        (status = 400, description = "请求格式错误 a malformed path or query parameter, or a foreign cursor (`bad-request`)", body = doc::Problem, content_type = "application/problem+json"),
        (status = 404, description = "不存在 no such catalog entry (`not-found`)", body = doc::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
pub async fn catalog_entry(
    State(app): State<AppHandle>,
    _caller: Caller,
    id: Result<Path<String>, PathRejection>,
    params: Result<Query<ReadParams>, QueryRejection>,
) -> Result<Json<catalog::EntryView>, Problem> {
    let id = path(id)?;
    let params = query(params)?;
    app.wait(catalog::NAME, params.min_position).await?;
    catalog::entry(&app.db, &id)
        .await?
        .map(Json)
        .ok_or_else(|| Problem::new(Code::NotFound, format!("no catalog entry {id}")))
}

/// Which deadlines to list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineStatus {
    /// Open and not yet missed.
    #[default]
    Open,
    /// Open and marked missed (第四十一条): the act is still owed.
    Overdue,
}

/// Parameters of the deadline list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DeadlineParams {
    /// `open` (default) or `overdue`.
    #[serde(default)]
    #[param(inline)]
    pub status: DeadlineStatus,
    /// The owing department (default: the token's own; another needs a data authority's token).
    pub owed_by: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Items per page (1–1000, default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
    /// Wait (briefly) until the read model has applied this log position, e.g. a command's `position`.
    pub min_position: Option<u64>,
}

/// `GET /v1/deadlines?status=open|overdue&owed_by=`: deadlines by due instant.
#[utoipa::path(
    get,
    path = "/v1/deadlines",
    tag = "queries",
    operation_id = "deadlines",
    summary = "时限 open or missed deadlines by due instant",
    params(DeadlineParams),
    responses(
        (status = 200, description = "One page of deadlines", body = doc::DeadlinePage),
        (status = 400, description = "请求格式错误 a malformed path or query parameter, or a foreign cursor (`bad-request`)", body = doc::Problem, content_type = "application/problem+json"),
        (status = 403, description = "无权查看 `owed_by` names another department and the token is not a data authority's (`not-visible`)", body = doc::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
pub async fn deadline_list(
    State(app): State<AppHandle>,
    caller: Caller,
    params: Result<Query<DeadlineParams>, QueryRejection>,
) -> Result<Json<PageBody<deadlines::DeadlineItem>>, Problem> {
    let params = query(params)?;
    app.wait(deadlines::NAME, params.min_position).await?;
    let page = ListParams {
        cursor: params.cursor.clone(),
        limit: params.limit,
        min_position: None,
    }
    .page();
    Ok(Json(
        visible_deadlines(&app, &caller, params.status, params.owed_by.clone(), &page)
            .await?
            .into(),
    ))
}

/// The deadlines in `status` owed by `owed_by`, by due instant, as the caller may see them: its own
/// department's by default; another department's, or (with `owed_by` `None`) every department's, only for a
/// data authority (`not-visible` otherwise).
pub async fn visible_deadlines(
    app: &AppHandle,
    caller: &Caller,
    status: DeadlineStatus,
    owed_by: Option<String>,
    page: &PageRequest,
) -> Result<Page<deadlines::DeadlineItem>, Problem> {
    let authority = app.is_authority(caller).await?;
    let owed_by = match owed_by {
        Some(d) => {
            if d != caller.actor.department.as_str() && !authority {
                return Err(Problem::new(
                    Code::NotVisible,
                    format!(
                        "{} may not see the deadlines of {d}",
                        caller.actor.department.as_str()
                    ),
                )
                .with_field("owed_by"));
            }
            Some(d)
        }
        None if authority => None,
        None => Some(caller.actor.department.as_str().to_owned()),
    };
    let mut filter = match status {
        DeadlineStatus::Open => deadlines::DeadlineFilter::open(),
        DeadlineStatus::Overdue => deadlines::DeadlineFilter {
            state: Some(deadlines::DeadlineState::Open),
            missed: Some(true),
            ..Default::default()
        },
    };
    filter.owed_by = owed_by;
    Ok(deadlines::list(&app.db, &filter, page).await?)
}

async fn visible_grant(
    app: &AppHandle,
    caller: &Caller,
    id: &str,
) -> Result<grants::GrantView, Problem> {
    let Some(grant) = grants::get(&app.db, id).await? else {
        return Err(Problem::new(Code::NotFound, format!("no grant {id}")));
    };
    let me = caller.actor.department.as_str();
    if grant.grantee == me || grant.authority == me || app.is_authority(caller).await? {
        Ok(grant)
    } else {
        Err(not_visible(caller, &format!("grant {id}")))
    }
}

/// `GET /v1/grants/{id}`: one grant.
#[utoipa::path(
    get,
    path = "/v1/grants/{id}",
    tag = "queries",
    operation_id = "grant",
    summary = "授权 one grant (grantee, issuing authority, a data authority)",
    params(("id" = String, Path, description = "The grant id"), ReadParams),
    responses(
        (status = 200, description = "The grant", body = doc::Grant),
        (status = 400, description = "请求格式错误 a malformed path or query parameter, or a foreign cursor (`bad-request`)", body = doc::Problem, content_type = "application/problem+json"),
        (status = 403, description = "无权查看 the token's department is not a party (`not-visible`)", body = doc::Problem, content_type = "application/problem+json"),
        (status = 404, description = "不存在 no such grant (`not-found`)", body = doc::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
pub async fn grant(
    State(app): State<AppHandle>,
    caller: Caller,
    id: Result<Path<String>, PathRejection>,
    params: Result<Query<ReadParams>, QueryRejection>,
) -> Result<Json<grants::GrantView>, Problem> {
    let id = path(id)?;
    let params = query(params)?;
    app.wait(grants::NAME, params.min_position).await?;
    Ok(Json(visible_grant(&app, &caller, &id).await?))
}

/// `GET /v1/grants/{id}/uses`: the uses recorded against a grant.
#[utoipa::path(
    get,
    path = "/v1/grants/{id}/uses",
    tag = "queries",
    operation_id = "grant_uses",
    summary = "使用记录 the uses recorded against a grant",
    params(("id" = String, Path, description = "The grant id"), ListParams),
    responses(
        (status = 200, description = "One page of uses", body = doc::UsePage),
        (status = 400, description = "请求格式错误 a malformed path or query parameter, or a foreign cursor (`bad-request`)", body = doc::Problem, content_type = "application/problem+json"),
        (status = 403, description = "无权查看 the token's department is not a party (`not-visible`)", body = doc::Problem, content_type = "application/problem+json"),
        (status = 404, description = "不存在 no such grant (`not-found`)", body = doc::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
pub async fn grant_uses(
    State(app): State<AppHandle>,
    caller: Caller,
    id: Result<Path<String>, PathRejection>,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<Json<PageBody<grants::UseView>>, Problem> {
    let id = path(id)?;
    let params = query(params)?;
    app.wait(grants::NAME, params.min_position).await?;
    visible_grant(&app, &caller, &id).await?;
    Ok(Json(
        grants::uses(&app.db, &id, &params.page()).await?.into(),
    ))
}
