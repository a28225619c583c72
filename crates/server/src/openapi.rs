//! The OpenAPI 3.1 document of the service, generated from the handlers' `#[utoipa::path]` annotations, and
//! the schemas of the bodies the handlers send and take.
//!
//! The commands of the share application and the catalog entry, and the rows of the applications, deadlines
//! and catalog read models, are described field by field from the types themselves: `govshare-domain` and
//! `govshare-projections` derive `utoipa::ToSchema` under their optional `openapi` feature, which this crate
//! enables (serde's renames, tags and skips are honoured; dates are `format: date`, instants `format:
//! date-time`). The other bodies of those crates are described as JSON objects with a description of what
//! they hold. The server's own bodies (pages, the command answer, problems) are described field by field.
//!
//! `GET /openapi.json` serves the document; `GET /api` (see [`crate::page`]) renders it as a page.

use axum::Json;
use axum::response::IntoResponse;
use govshare_domain::catalog::CatalogCommand;
use govshare_domain::share_application::ShareCommand;
use govshare_projections::models::applications::ApplicationView;
use govshare_projections::models::catalog::EntryView;
use govshare_projections::models::deadlines::DeadlineItem;
use serde::Serialize;
use utoipa::openapi::path::Operation;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::{AnyOfBuilder, ObjectBuilder, Schema, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr};
use utoipa::{Modify, OpenApi, PartialSchema, ToSchema};

use crate::problem::PROBLEM_JSON;

/// The name of the bearer security scheme in `components.securitySchemes`.
pub const BEARER: &str = "bearer";

/// The document's tags, in the order the API page shows them.
pub const TAGS: [&str; 4] = ["commands", "queries", "reports", "service"];

/// The OpenAPI document (derived from the annotations of every handler the router serves).
#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "govshare HTTP API",
        description = "河北省政务数据共享条例 government data-sharing engine: JSON commands through the engine, JSON queries over the read models, bearer tokens bound to one actor, problem+json errors (RFC 9457).",
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    paths(
        crate::healthz,
        crate::readyz,
        crate::metrics::metrics,
        openapi_json,
        crate::page::api_page,
        crate::commands::execute,
        crate::queries::inbox,
        crate::queries::outbox,
        crate::queries::department_grants,
        crate::queries::application,
        crate::queries::timeline,
        crate::queries::catalog_entries,
        crate::queries::catalog_entry,
        crate::queries::deadline_list,
        crate::queries::grant,
        crate::queries::grant_uses,
        crate::reports::department_incidents,
        crate::reports::department_trail,
        crate::reports::incident,
        crate::reports::assessment,
        crate::reports::evidence,
    ),
    components(schemas(Problem, ShareCommand, CatalogCommand)),
    modifiers(&CommonResponses),
    tags(
        (name = "commands", description = "命令 commands: one command of the engine per request, the token's actor its caller"),
        (name = "queries", description = "查询 queries: the share workflow's read models, filtered to what the token's department may see"),
        (name = "reports", description = "报告 reports: incidents, audit trails, the assessment report (第三十八条) and evidence bundles"),
        (name = "service", description = "服务 service: liveness, readiness, metrics and this document (no token needed)"),
    ),
)]
pub struct ApiDoc;

/// The document as served.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// `GET /openapi.json`: the OpenAPI 3.1 document (public).
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "service",
    operation_id = "openapi",
    summary = "接口文档 the OpenAPI 3.1 document of this service",
    description = "Generated from the code; public (no token needed).",
    responses(
        (status = 200, description = "The OpenAPI 3.1 document", body = Object, content_type = "application/json"),
    ),
)]
pub async fn openapi_json() -> impl IntoResponse {
    Json(document())
}

/// Adds the bearer scheme, and to every operation the answers every route may give: 429 (the rate limit),
/// 503 (the request deadline; for those that read the store or the read models also their failures) and
/// 500 always; 401 for operations that need a token.
struct CommonResponses;

impl Modify for CommonResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A token issued with `govshare token issue`, bound to one department, person and role",
                    ))
                    .build(),
            ),
        );
        for (path, item) in openapi.paths.paths.iter_mut() {
            let needs_store = path.starts_with("/v1/") || path == "/readyz";
            for operation in [&mut item.get, &mut item.post].into_iter().flatten() {
                add_common(operation, needs_store);
            }
            if let Some(command) = item
                .post
                .as_mut()
                .filter(|_| path.starts_with("/v1/commands/"))
            {
                command.responses.responses.entry("507".into()).or_insert_with(|| {
                    problem(
                        "存储空间已满 the event store's disk is full: nothing was recorded; retry with the same `Idempotency-Key` once space is freed (`storage-full`); `Retry-After` is set",
                    )
                });
            }
        }
    }
}

fn add_common(operation: &mut Operation, needs_store: bool) {
    let secured = operation
        .security
        .as_ref()
        .is_some_and(|requirements| !requirements.is_empty());
    let responses = &mut operation.responses.responses;
    if secured {
        responses.entry("401".into()).or_insert_with(|| {
            problem(
                "缺少或无效的令牌 no, an unknown, an expired or a revoked bearer token (`missing-token`, `invalid-token`, `expired-token`, `revoked-token`)",
            )
        });
    }
    responses.entry("429".into()).or_insert_with(|| {
        problem(
            "请求过于频繁 over the rate limit of the token, or without a token of the client's address (`rate-limited`); `Retry-After` says when to retry",
        )
    });
    responses.entry("503".into()).or_insert_with(|| {
        if needs_store {
            problem(
                "暂不可用 the store or the read models cannot be reached, a read model has not reached `min_position` in time (`unavailable`, `projection-lagging`, `not-ready`), or the request ran past the server's deadline (`timeout`); `Retry-After` is set",
            )
        } else {
            problem(
                "处理超时 the request ran past the server's deadline (`timeout`); `Retry-After` is set",
            )
        }
    });
    responses
        .entry("500".into())
        .or_insert_with(|| problem("内部错误 something the server cannot explain (`internal`)"));
}

/// A problem+json response with `description`.
fn problem(description: &str) -> RefOr<Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                PROBLEM_JSON,
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .build(),
            )
            .build(),
    )
}

/// An error (RFC 9457 problem details), sent as `application/problem+json`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// `urn:govshare:problem:<code>`.
    #[serde(rename = "type")]
    #[schema(example = "urn:govshare:problem:not-visible")]
    pub type_uri: String,
    /// Fixed per code (Chinese, then English).
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What happened this time.
    pub detail: String,
    /// The stable code, e.g. `validation`, `not-visible`, `state-conflict`.
    pub code: String,
    /// The article of the regulation a domain refusal rests on.
    pub article: Option<String>,
    /// The authorization rule that denied the actor (`AUTH-03` …).
    pub rule: Option<String>,
    /// The JSON path, header or parameter that was bad.
    pub field: Option<String>,
    /// Whether the same request may succeed later unchanged.
    pub retryable: Option<bool>,
}

/// `GET /healthz`: the process answers.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok`.
    pub status: String,
}

/// `GET /readyz`: ready.
#[derive(Debug, Serialize, ToSchema)]
pub struct Ready {
    /// `ready`.
    pub status: String,
    /// The position of the log's last event.
    pub head: u64,
    /// Each read model's checkpoint (the log position it has applied; `null` before its first run).
    #[schema(value_type = Object)]
    pub read_models: serde_json::Value,
}

/// What a recorded command answers (the same body, with `Idempotent-Replayed: true`, for a retry of its
/// command id).
#[derive(Debug, Serialize, ToSchema)]
pub struct CommandAnswer {
    /// The command id (the Idempotency-Key, a UUID).
    pub command_id: String,
    /// The case the command addressed: its aggregate type and id.
    #[schema(value_type = Object)]
    pub stream: serde_json::Value,
    /// The case's version after the command.
    pub stream_version: u64,
    /// The position of the last event recorded (for `min_position` on queries; 0 when none).
    pub position: u64,
    /// The events recorded, with positions and hashes.
    #[schema(value_type = Vec<Object>)]
    pub events: Vec<serde_json::Value>,
}

macro_rules! page {
    ($name:ident, $what:literal) => {
        page!($name, $what, Object);
    };
    ($name:ident, $what:literal, $item:ty) => {
        #[doc = concat!("One page of ", $what, ".")]
        #[derive(Debug, Serialize, ToSchema)]
        pub struct $name {
            #[doc = concat!("The items: ", $what, ".")]
            #[schema(value_type = Vec<$item>)]
            pub items: Vec<serde_json::Value>,
            /// The cursor of the next page (`null` on the last page).
            pub next_cursor: Option<String>,
        }
    };
}

page!(
    ApplicationPage,
    "share applications as the applications read model shows them",
    ApplicationView
);
page!(
    GrantPage,
    "grants (id, grantee, issuing authority, entries, conditions, validity, status)"
);
page!(AuditPage, "audit-trail entries, in log order");
page!(
    EntryPage,
    "catalog entries as the catalog read model shows them",
    EntryView
);
page!(
    DeadlinePage,
    "deadlines as the deadlines read model shows them",
    DeadlineItem
);
page!(UsePage, "the uses recorded against a grant");
page!(
    IncidentPage,
    "security incidents (第三十四条) a department reported"
);

/// A share application with its deadlines.
#[derive(Debug, Serialize, ToSchema)]
pub struct Case {
    /// The application as the applications read model shows it.
    #[schema(value_type = ApplicationView)]
    pub application: serde_json::Value,
    /// Every deadline of the case, in the order set.
    #[schema(value_type = Vec<DeadlineItem>)]
    pub deadlines: Vec<serde_json::Value>,
}

/// An incident with the informs and reports it owes.
#[derive(Debug, Serialize, ToSchema)]
pub struct Incident {
    /// The incident.
    #[schema(value_type = Object)]
    pub incident: serde_json::Value,
    /// Its informs and reports, by deadline id.
    #[schema(value_type = Vec<Object>)]
    pub reports: Vec<serde_json::Value>,
}

/// The body of a command: the aggregate's command as the engine deserializes it (serde's externally tagged
/// form), one key naming the command, e.g. `{"AgreeToShare": {"conditions": "仅限身份核验"}}`; a command without
/// fields is `{"ApproveCatalogEntry": {}}`. The share application's ([`ShareCommand`]) and the catalog entry's
/// ([`CatalogCommand`]) commands are described field by field; the other aggregates' are JSON objects of the
/// same form (`docs/http.md`). A field the command does not have, or a value of the wrong type, is refused
/// (422) with its JSON path in `field`.
#[derive(Debug, Clone, Copy)]
pub struct CommandBody;

impl PartialSchema for CommandBody {
    fn schema() -> RefOr<Schema> {
        let other = ObjectBuilder::new()
            .schema_type(Type::Object)
            .title(Some("OtherCommand"))
            .description(Some(
                "A command of another aggregate (organization, negative_list, published_catalog, collection_list, grant, verification, incident, third_party, supervision, city_platform, authorized_operation): one key naming the command, its value the command's fields",
            ))
            .min_properties(Some(1))
            .max_properties(Some(1));
        AnyOfBuilder::new()
            .item(Ref::from_schema_name(ShareCommand::name()))
            .item(Ref::from_schema_name(CatalogCommand::name()))
            .item(other)
            .description(Some(
                "The aggregate's command, one key naming it: a ShareCommand for share_application, a CatalogCommand for catalog, an object of the same form for the other aggregates",
            ))
            .examples([serde_json::json!({"AgreeToShare": {"conditions": "仅限身份核验"}})])
            .into()
    }
}

impl ToSchema for CommandBody {
    fn name() -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed("CommandBody")
    }
}

/// A JSON object whose fields are another crate's serde form, named in the document with a description.
macro_rules! object {
    ($(#[doc = $doc:literal])+ $name:ident $(, example = $example:expr)?) => {
        $(#[doc = $doc])+
        #[derive(Debug, Clone, Copy)]
        pub struct $name;

        impl PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                let description: &[&str] = &[$($doc.trim()),+];
                #[allow(unused_mut)]
                let mut object = ObjectBuilder::new()
                    .schema_type(Type::Object)
                    .description(Some(description.join(" ")));
                $(object = object.examples([$example]);)?
                object.into()
            }
        }

        impl ToSchema for $name {
            fn name() -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed(stringify!($name))
            }
        }
    };
}

object!(
    /// A grant as the grants read model shows it (id, grantee, issuing authority, entries, conditions,
    /// validity, status).
    Grant
);
object!(
    /// A case's evidence bundle: its events and commands with the chain proof from its first event to the
    /// log's head, checkable offline with `govshare audit check-bundle`.
    EvidenceBundle
);
object!(
    /// The assessment report of 第三十八条 in JSON (`docs/assessment.md`).
    AssessmentReport
);
