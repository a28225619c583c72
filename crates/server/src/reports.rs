//! The read routes beyond the share workflow: a department's incidents and audit trail, one incident with
//! its informs and reports, the assessment report (第三十八条, `govshare-report`), and a case's evidence
//! bundle (`govshare-audit`, from the raw log).

use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use govshare_audit::{AuditError, BundleOptions, EvidenceBundle};
use govshare_projections::models::{applications, audit, incidents};
use govshare_report::{AssessmentRequest, Format, Lang, Period, ReportError, Scope};
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

use crate::AppHandle;
use crate::auth::Caller;
use crate::openapi as doc;
use crate::problem::{Code, Problem};
use crate::queries::{ListParams, PageBody, ReadParams};

fn query<T>(q: Result<Query<T>, QueryRejection>) -> Result<T, Problem> {
    q.map(|Query(t)| t)
        .map_err(|e| Problem::new(Code::BadRequest, e.body_text()))
}

fn path<T>(p: Result<Path<T>, PathRejection>) -> Result<T, Problem> {
    p.map(|Path(t)| t)
        .map_err(|e| Problem::new(Code::BadRequest, e.body_text()))
}

/// `GET /v1/departments/{code}/incidents`: the security incidents a department reported (第三十四条).
#[utoipa::path(
    get,
    path = "/v1/departments/{code}/incidents",
    tag = "reports",
    operation_id = "department_incidents",
    summary = "安全事件 security incidents the department reported (第三十四条)",
    params(("code" = String, Path, description = "The department code, e.g. `130000-health`"), ListParams),
    responses(
        (status = 200, description = "One page of incidents", body = doc::IncidentPage),
        (status = 400, description = "请求格式错误 a malformed path or query parameter, or a foreign cursor (`bad-request`)", body = doc::Problem, content_type = "application/problem+json"),
        (status = 403, description = "无权查看 the token's department may see only its own lists; a data authority sees all (`not-visible`)", body = doc::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
pub async fn department_incidents(
    State(app): State<AppHandle>,
    caller: Caller,
    code: Result<Path<String>, PathRejection>,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<Json<PageBody<incidents::IncidentView>>, Problem> {
    let code = path(code)?;
    let params = query(params)?;
    app.may_see_department(&caller, &code).await?;
    app.wait(incidents::NAME, params.min_position).await?;
    Ok(Json(
        incidents::list(&app.db, Some(&code), &params.page())
            .await?
            .into(),
    ))
}

/// An incident with the informs and reports it owes.
#[derive(Debug, Serialize)]
pub struct IncidentBody {
    /// The incident.
    pub incident: incidents::IncidentView,
    /// Its informs and reports, by deadline id.
    pub reports: Vec<incidents::ReportView>,
}

/// `GET /v1/incidents/{id}`: one incident with its informs and reports.
#[utoipa::path(
    get,
    path = "/v1/incidents/{id}",
    tag = "reports",
    operation_id = "incident",
    summary = "安全事件 one incident with the informs and reports it owes",
    params(("id" = String, Path, description = "The incident id"), ReadParams),
    responses(
        (status = 200, description = "The incident and its reports", body = doc::Incident),
        (status = 400, description = "请求格式错误 a malformed path or query parameter, or a foreign cursor (`bad-request`)", body = doc::Problem, content_type = "application/problem+json"),
        (status = 403, description = "无权查看 only its reporter or a data authority (`not-visible`)", body = doc::Problem, content_type = "application/problem+json"),
        (status = 404, description = "不存在 no such incident (`not-found`)", body = doc::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
pub async fn incident(
    State(app): State<AppHandle>,
    caller: Caller,
    id: Result<Path<String>, PathRejection>,
    params: Result<Query<ReadParams>, QueryRejection>,
) -> Result<Json<IncidentBody>, Problem> {
    let id = path(id)?;
    let params = query(params)?;
    app.wait(incidents::NAME, params.min_position).await?;
    let Some(incident) = incidents::get(&app.db, &id).await? else {
        return Err(Problem::new(Code::NotFound, format!("no incident {id}")));
    };
    app.may_see_department(&caller, &incident.reporter).await?;
    let reports = incidents::reports(&app.db, &id).await?;
    Ok(Json(IncidentBody { incident, reports }))
}

/// `GET /v1/departments/{code}/trail`: the events a department's staff recorded, in log order.
#[utoipa::path(
    get,
    path = "/v1/departments/{code}/trail",
    tag = "reports",
    operation_id = "department_trail",
    summary = "操作记录 the events the department's staff recorded, in log order",
    params(("code" = String, Path, description = "The department code, e.g. `130000-health`"), ListParams),
    responses(
        (status = 200, description = "One page of audit entries", body = doc::AuditPage),
        (status = 400, description = "请求格式错误 a malformed path or query parameter, or a foreign cursor (`bad-request`)", body = doc::Problem, content_type = "application/problem+json"),
        (status = 403, description = "无权查看 the token's department may see only its own lists; a data authority sees all (`not-visible`)", body = doc::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
pub async fn department_trail(
    State(app): State<AppHandle>,
    caller: Caller,
    code: Result<Path<String>, PathRejection>,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<Json<PageBody<audit::AuditEntry>>, Problem> {
    let code = path(code)?;
    let params = query(params)?;
    app.may_see_department(&caller, &code).await?;
    app.wait(audit::NAME, params.min_position).await?;
    let filter = audit::AuditFilter::Department(code);
    Ok(Json(
        audit::trail(&app.db, &filter, &params.page()).await?.into(),
    ))
}

/// Parameters of the assessment report.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AssessmentParams {
    /// `2026`, `2026Q3` or `2026-09` (Beijing dates).
    pub period: String,
    /// `region:<code>` or `department:<code>`.
    pub scope: String,
    /// Only facts recorded at or before this instant count (RFC 3339; default: now).
    #[param(value_type = Option<String>, format = DateTime)]
    pub as_of: Option<chrono::DateTime<chrono::Utc>>,
    /// `json` (default), `csv`, `markdown` or `html`.
    pub format: Option<String>,
    /// `zh` (default) or `en`.
    pub lang: Option<String>,
}

/// The assessment report of 第三十八条 for `caller`, as `GET /v1/assessment` computes it: a region is for a
/// data authority's token (`not-visible` otherwise), a department for its own or a data authority's; the
/// read model is first brought up to the log's head. The web console shows the same report.
pub async fn assessment_report(
    app: &AppHandle,
    caller: &Caller,
    request: &AssessmentRequest,
) -> Result<govshare_report::AssessmentReport, Problem> {
    match &request.scope {
        Scope::Department(code) => app.may_see_department(caller, code).await?,
        Scope::Region(_) => {
            if !app.is_authority(caller).await? {
                return Err(Problem::new(
                    Code::NotVisible,
                    "a region's assessment is for a data authority's token",
                )
                .with_field("scope"));
            }
        }
    }
    // The report counts what the read model has applied: let it reach the log's head first.
    let head = app
        .engine
        .store()
        .head()
        .await
        .map_err(|e| Problem::from(govshare_engine::EngineError::from(e)))?;
    app.wait(
        govshare_projections::models::assessment::NAME,
        Some(head.position),
    )
    .await?;
    govshare_report::assessment(&app.db, &app.engine.services().rules, request)
        .await
        .map_err(|e| report_problem(e, "scope"))
}

/// The problem of a period, scope, format or language that does not parse (`field` names it), as the
/// API answers it.
pub fn report_problem(error: ReportError, field: &str) -> Problem {
    match error {
        ReportError::ReadModel(e) => e.into(),
        ReportError::UnknownDepartment(_) => Problem::new(Code::NotFound, error.to_string()),
        ReportError::PeriodAfterAsOf { .. } => {
            Problem::new(Code::Validation, error.to_string()).with_field("period")
        }
        other => Problem::new(Code::BadRequest, other.to_string()).with_field(field),
    }
}

/// `GET /v1/assessment?period=&scope=&as_of=&format=&lang=`: the assessment report of 第三十八条. A data
/// authority may ask for any scope; a department for its own.
#[utoipa::path(
    get,
    path = "/v1/assessment",
    tag = "reports",
    operation_id = "assessment",
    summary = "考核 the assessment report of 第三十八条",
    params(AssessmentParams),
    responses(
        (status = 200, description = "The report in the format asked for", content(
            (doc::AssessmentReport = "application/json"),
            (String = "text/csv; charset=utf-8"),
            (String = "text/markdown; charset=utf-8"),
            (String = "text/html; charset=utf-8"),
        )),
        (status = 400, description = "请求格式错误 a malformed period, scope, format or lang (`bad-request`, `field` names it)", body = doc::Problem, content_type = "application/problem+json"),
        (status = 403, description = "无权查看 a region is for a data authority's token, a department for its own or a data authority's (`not-visible`)", body = doc::Problem, content_type = "application/problem+json"),
        (status = 404, description = "不存在 no such department (`not-found`)", body = doc::Problem, content_type = "application/problem+json"),
        (status = 422, description = "字段无效 the period begins after `as_of` (`validation`)", body = doc::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
pub async fn assessment(
    State(app): State<AppHandle>,
    caller: Caller,
    params: Result<Query<AssessmentParams>, QueryRejection>,
) -> Result<Response, Problem> {
    let params = query(params)?;
    let period: Period = params
        .period
        .parse()
        .map_err(|e| report_problem(e, "period"))?;
    let scope: Scope = params
        .scope
        .parse()
        .map_err(|e| report_problem(e, "scope"))?;
    let format: Format = params
        .format
        .as_deref()
        .unwrap_or("json")
        .parse()
        .map_err(|e| report_problem(e, "format"))?;
    let lang: Lang = match params.lang.as_deref() {
        Some(l) => l.parse().map_err(|e| report_problem(e, "lang"))?,
        None => Lang::default(),
    };
    let request = AssessmentRequest {
        period,
        scope,
        as_of: params.as_of.unwrap_or_else(chrono::Utc::now),
    };
    let report = assessment_report(&app, &caller, &request).await?;
    let content_type = match format {
        Format::Json => "application/json",
        Format::Csv => "text/csv; charset=utf-8",
        Format::Markdown => "text/markdown; charset=utf-8",
        Format::Html => "text/html; charset=utf-8",
    };
    let body = govshare_report::render(&report, format, lang);
    Ok((
        StatusCode::OK,
        [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
        body,
    )
        .into_response())
}

/// `GET /v1/applications/{id}/evidence`: the case's evidence bundle — its events and commands with the chain
/// proof from its first event to the log's head, checkable offline (`govshare audit check-bundle`).
#[utoipa::path(
    get,
    path = "/v1/applications/{id}/evidence",
    tag = "reports",
    operation_id = "evidence",
    summary = "证据包 the case's evidence bundle, checkable offline",
    params(("id" = String, Path, description = "The share application id")),
    responses(
        (status = 200, description = "The evidence bundle", body = doc::EvidenceBundle),
        (status = 400, description = "请求格式错误 a malformed path or query parameter, or a foreign cursor (`bad-request`)", body = doc::Problem, content_type = "application/problem+json"),
        (status = 403, description = "无权查看 the token's department is not a party (`not-visible`)", body = doc::Problem, content_type = "application/problem+json"),
        (status = 404, description = "不存在 no such share application (`not-found`)", body = doc::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
pub async fn evidence(
    State(app): State<AppHandle>,
    caller: Caller,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<EvidenceBundle>, Problem> {
    let id = path(id)?;
    Ok(Json(evidence_bundle(&app, &caller, &id).await?))
}

/// The evidence bundle of share application `id` for `caller`, as `GET /v1/applications/{id}/evidence`
/// answers it: `not-found` without the application, `not-visible` unless the caller's department is a
/// party (or a data authority). The web console's download is the same bundle.
pub async fn evidence_bundle(
    app: &AppHandle,
    caller: &Caller,
    id: &str,
) -> Result<EvidenceBundle, Problem> {
    let Some(view) = applications::get(&app.db, id).await? else {
        return Err(Problem::new(
            Code::NotFound,
            format!("no share application {id}"),
        ));
    };
    app.may_see_application(caller, &view).await?;
    govshare_audit::export_bundle(&**app.engine.store(), id, &BundleOptions::default())
        .await
        .map_err(|e| match e {
            AuditError::Store(e) => Problem::from(govshare_engine::EngineError::from(e)),
            other => Problem::internal("exporting the evidence bundle", &other),
        })
}
