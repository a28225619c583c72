//! The HTTP service of govshare, on the composition root [`govshare_app::App`]. It holds no logic of its
//! own: every command goes through [`govshare_engine::Engine::execute`] with the token's actor as the
//! caller, every query through a typed query function of `govshare-projections`.
//!
//! Routes (JSON; errors are `application/problem+json`, see [`problem`]):
//!
//! | route | what |
//! | --- | --- |
//! | `GET /healthz` | the process answers |
//! | `GET /readyz` | the store and the read models can be reached and no read model is rebuilding |
//! | `GET /metrics` | Prometheus metrics, counts only ([`metrics`]) |
//! | `POST /v1/commands/{aggregate}/{id}` | one command (`Idempotency-Key`: the command id) |
//! | `GET /v1/departments/{code}/inbox` | applications on which the department owes the next act |
//! | `GET /v1/departments/{code}/outbox` | applications the department submitted |
//! | `GET /v1/departments/{code}/grants` | grants the department holds |
//! | `GET /v1/applications/{id}` | a share application with its deadlines |
//! | `GET /v1/applications/{id}/timeline` | its audit trail |
//! | `GET /v1/catalog/entries`, `GET /v1/catalog/entries/{id}` | the catalog |
//! | `GET /v1/deadlines?status=open\|overdue` | open or missed deadlines |
//! | `GET /v1/grants/{id}`, `GET /v1/grants/{id}/uses` | a grant and its uses |
//! | `GET /v1/departments/{code}/incidents`, `GET /v1/incidents/{id}` | security incidents (第三十四条) |
//! | `GET /v1/departments/{code}/trail` | the events a department's staff recorded |
//! | `GET /v1/assessment?period=&scope=` | the assessment report (第三十八条) |
//! | `GET /v1/applications/{id}/evidence` | a case's evidence bundle, checkable offline |
//! | `GET /openapi.json` | the OpenAPI 3.1 document, generated from the handlers ([`openapi`]) |
//! | `GET /api` | that document as a page, rendered by the server ([`page`]) |
//!
//! [`ROUTES`] is the one list the router is built from. Every request draws from a rate-limit bucket (its
//! token's, or without one its address's) and runs under a deadline ([`limit`]; [`ServerConfig`]).
//! [`router_with`] adds a caller's routes (the web console of `govshare-console`) beside them, under the same
//! limits, and [`serve_router_on`] serves such a router.
//!
//! ```no_run
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! use govshare_app::{App, AppConfig};
//! use govshare_server::{AppHandle, ServerConfig, TokenStore};
//!
//! let mut app = App::open(AppConfig::new("govshare.db")).await?;
//! app.run_background();
//! let tokens = TokenStore::open("govshare.db").await?;
//! let handle = AppHandle::new(&app, tokens, ServerConfig::default());
//! // Serves until the future completes (e.g. Ctrl-C), then finishes the requests in flight.
//! govshare_server::serve("127.0.0.1:8080".parse()?, handle, std::future::pending::<()>()).await?;
//! app.shutdown().await?;
//! # Ok(()) }
//! ```
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod auth;
pub mod commands;
pub mod config;
pub mod limit;
pub mod metrics;
pub mod openapi;
pub mod page;
pub mod problem;
pub mod queries;
pub mod reports;
pub mod tokens;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use govshare_app::App;
use govshare_engine::Engine;
use govshare_projections::ReadDb;
use serde_json::json;
use thiserror::Error;
use tracing::Instrument;

pub use auth::Caller;
pub use limit::RateLimit;
pub use metrics::Metrics;
pub use problem::{Code, Problem};
pub use tokens::{IssuedToken, TokenActor, TokenError, TokenInfo, TokenStore};

/// The header carrying the request id (taken from the request if it sends a sane one, else minted).
pub const REQUEST_ID: &str = "x-request-id";

/// Why the server could not start or stopped abnormally.
#[derive(Debug, Error)]
pub enum ServerError {
    /// The address could not be bound.
    #[error("无法监听 cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Serving failed.
    #[error("服务中断 serving failed: {0}")]
    Serve(#[source] std::io::Error),
}

/// The server's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    /// Largest request body accepted (default 64 KiB); larger is 413.
    pub body_limit: usize,
    /// How long a query with `min_position` waits for its read model (default 5 s); then 503
    /// `projection-lagging`. Kept shorter than `request_timeout`: if it is not, the server uses four fifths
    /// of `request_timeout` (see [`ServerConfig::effective_read_wait`]).
    pub read_wait: Duration,
    /// The deadline of every request (default 30 s); past it the answer is 503 `timeout`. A command cut
    /// off may or may not have been recorded: the client retries with the same `Idempotency-Key`.
    pub request_timeout: Duration,
    /// The token bucket of each bearer token, and of each client address for requests without a valid
    /// token (default 50 per second, burst 100); over it is 429 `rate-limited`. `None` disables it.
    pub rate_limit: Option<RateLimit>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            body_limit: 64 * 1024,
            read_wait: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
            rate_limit: Some(RateLimit::default()),
        }
    }
}

impl ServerConfig {
    /// The wait a query with `min_position` gets: `read_wait`, or four fifths of `request_timeout` when
    /// `read_wait` is not shorter, so that the query answers `projection-lagging` before the request's
    /// deadline cuts it off.
    pub fn effective_read_wait(&self) -> Duration {
        if self.read_wait < self.request_timeout {
            self.read_wait
        } else {
            self.request_timeout.mul_f64(0.8)
        }
    }
}

/// What the handlers share: the engine, the read models and the token table of one running [`App`].
#[derive(Debug, Clone)]
pub struct AppHandle {
    engine: Engine,
    db: ReadDb,
    tokens: TokenStore,
    config: ServerConfig,
    metrics: Arc<Metrics>,
    limiter: Option<Arc<limit::Limiter>>,
}

impl AppHandle {
    /// The handle of a running application (with fresh metrics and rate-limit buckets).
    pub fn new(app: &App, tokens: TokenStore, config: ServerConfig) -> Self {
        if config.read_wait >= config.request_timeout {
            tracing::warn!(
                read_wait_ms = config.read_wait.as_millis() as u64,
                request_timeout_ms = config.request_timeout.as_millis() as u64,
                "read_wait is not shorter than request_timeout; queries wait four fifths of request_timeout"
            );
        }
        AppHandle {
            engine: app.engine().clone(),
            db: app.read_db().clone(),
            tokens,
            limiter: config.rate_limit.map(|l| Arc::new(limit::Limiter::new(l))),
            config,
            metrics: Arc::new(Metrics::new()),
        }
    }

    /// The server's metrics (what `GET /metrics` exposes).
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// Takes one request from `key`'s bucket (nothing when rate limits are off).
    pub(crate) fn limit(&self, key: &limit::Key) -> Result<(), Problem> {
        match &self.limiter {
            Some(limiter) => limiter.check(key),
            None => Ok(()),
        }
    }

    /// The engine commands go through.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The read models queries read.
    pub fn read_db(&self) -> &ReadDb {
        &self.db
    }

    /// The token table.
    pub fn tokens(&self) -> &TokenStore {
        &self.tokens
    }

    /// The server's settings.
    pub fn config(&self) -> &ServerConfig {
        &self.config
    }
}

/// One route the router serves: its method, its path (axum's `{param}` syntax, which is OpenAPI's) and the
/// method router that handles it. [`ROUTES`] is the one list the router is built from; the OpenAPI document
/// ([`openapi::ApiDoc`]) must name exactly these (a test compares both ways, against a running server).
#[derive(Debug, Clone, Copy)]
pub struct Route {
    /// `GET` or `POST`.
    pub method: &'static str,
    /// The path, e.g. `/v1/grants/{id}`.
    pub path: &'static str,
    handler: fn() -> MethodRouter<AppHandle>,
}

const fn route(
    method: &'static str,
    path: &'static str,
    handler: fn() -> MethodRouter<AppHandle>,
) -> Route {
    Route {
        method,
        path,
        handler,
    }
}

/// Every route the server answers (anything else is 404 `not-found`, or 405 on a known path).
pub const ROUTES: &[Route] = &[
    route("GET", "/healthz", || get(healthz)),
    route("GET", "/readyz", || get(readyz)),
    route("GET", "/metrics", || get(metrics::metrics)),
    route("GET", "/openapi.json", || get(openapi::openapi_json)),
    route("GET", "/api", || get(page::api_page)),
    route("POST", "/v1/commands/{aggregate}/{id}", || {
        post(commands::execute)
    }),
    route("GET", "/v1/departments/{code}/inbox", || {
        get(queries::inbox)
    }),
    route("GET", "/v1/departments/{code}/outbox", || {
        get(queries::outbox)
    }),
    route("GET", "/v1/departments/{code}/grants", || {
        get(queries::department_grants)
    }),
    route("GET", "/v1/applications/{id}", || get(queries::application)),
    route("GET", "/v1/applications/{id}/timeline", || {
        get(queries::timeline)
    }),
    route("GET", "/v1/catalog/entries", || {
        get(queries::catalog_entries)
    }),
    route("GET", "/v1/catalog/entries/{id}", || {
        get(queries::catalog_entry)
    }),
    route("GET", "/v1/deadlines", || get(queries::deadline_list)),
    route("GET", "/v1/grants/{id}", || get(queries::grant)),
    route("GET", "/v1/grants/{id}/uses", || get(queries::grant_uses)),
    route("GET", "/v1/departments/{code}/incidents", || {
        get(reports::department_incidents)
    }),
    route("GET", "/v1/departments/{code}/trail", || {
        get(reports::department_trail)
    }),
    route("GET", "/v1/incidents/{id}", || get(reports::incident)),
    route("GET", "/v1/assessment", || get(reports::assessment)),
    route("GET", "/v1/applications/{id}/evidence", || {
        get(reports::evidence)
    }),
];

/// Every route of [`ROUTES`], with the body limit, the rate limit of requests without a token, the request
/// deadline, the HTTP metrics and a tracing span (with a request id) per request, from the innermost out.
/// Requests are limited by client address only when served by [`serve_on`] (which records it); a router
/// served otherwise puts every request without a token in one bucket.
pub fn router(handle: AppHandle) -> Router {
    router_with(handle, Router::new())
}

/// The routes of [`ROUTES`] and those of `extra` (e.g. the web console of `govshare-console`, which must not
/// set a fallback nor repeat a route of the API), with the same body limit, request span and 404/405 answers.
/// The routes of `extra` are not rate-limited here: they draw from a bucket themselves, with
/// [`AppHandle::limit_token`] or [`AppHandle::limit_peer`].
pub fn router_with(handle: AppHandle, extra: Router) -> Router {
    let body_limit = handle.config.body_limit;
    ROUTES
        .iter()
        .fold(Router::new(), |router, route| {
            router.route(route.path, (route.handler)())
        })
        .with_state(handle.clone())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        // The API's routes and its 404s: requests without a token draw from their address's bucket. The
        // routes of `extra` limit themselves (`AppHandle::limit_token`, `AppHandle::limit_peer`): the
        // console's signed-in pages draw from their session's token bucket.
        .layer(middleware::from_fn_with_state(
            handle.clone(),
            limit::limit_anonymous,
        ))
        .merge(extra)
        .layer(middleware::from_fn(refuse_nul))
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(middleware::from_fn_with_state(
            handle.clone(),
            limit::deadline,
        ))
        .layer(middleware::from_fn_with_state(
            handle.clone(),
            metrics::count_requests,
        ))
        .layer(middleware::from_fn(request_context))
}

async fn not_found() -> Problem {
    Problem::new(Code::NotFound, "no such route")
}

async fn method_not_allowed() -> Problem {
    Problem::new(
        Code::MethodNotAllowed,
        "the route does not take this method",
    )
}

/// `GET /healthz`: the process answers.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "service",
    operation_id = "healthz",
    summary = "存活 liveness: the process answers",
    responses((status = 200, description = "The process answers", body = openapi::Health)),
)]
async fn healthz() -> impl IntoResponse {
    axum::Json(json!({"status": "ok"}))
}

/// Ready when the store's head and the token table can be read and no read model is being rebuilt.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "service",
    operation_id = "readyz",
    summary = "就绪 readiness: the store, the token table and the read models can be reached, none is being rebuilt",
    responses((status = 200, description = "Ready, with the log's head and each read model's checkpoint", body = openapi::Ready)),
)]
async fn readyz(State(app): State<AppHandle>) -> Response {
    let head = match app.engine.store().head().await {
        Ok(head) => head,
        Err(e) => {
            tracing::warn!(error = %e, "not ready: store");
            return Problem::new(Code::NotReady, "the event store cannot be reached")
                .into_response();
        }
    };
    if let Err(e) = app.tokens.ping().await {
        tracing::warn!(error = %e, "not ready: tokens");
        return Problem::new(Code::NotReady, "the token table cannot be reached").into_response();
    }
    let mut models = serde_json::Map::new();
    for name in govshare_app::projection_names() {
        match app.db.projection_state(name).await {
            Ok(Some(state)) => {
                if state.building.is_some() {
                    return Problem::new(
                        Code::NotReady,
                        format!("the read model {name} is being rebuilt"),
                    )
                    .into_response();
                }
                models.insert(name.to_owned(), json!(state.active.checkpoint));
            }
            Ok(None) => {
                models.insert(name.to_owned(), serde_json::Value::Null);
            }
            Err(e) => {
                tracing::warn!(error = %e, "not ready: read models");
                return Problem::new(Code::NotReady, "the read models cannot be reached")
                    .into_response();
            }
        }
    }
    (
        StatusCode::OK,
        axum::Json(json!({"status": "ready", "head": head.position, "read_models": models})),
    )
        .into_response()
}

/// 400 `bad-request` for a path or query holding an encoded NUL character (`%00`): no id, code or parameter
/// contains one, and PostgreSQL cannot bind a text holding it (the store would be reported unreachable).
async fn refuse_nul(request: Request, next: Next) -> Response {
    let uri = request.uri();
    let holds_nul = |text: &str| {
        text.as_bytes()
            .windows(3)
            .any(|w| w.eq_ignore_ascii_case(b"%00"))
    };
    let field = if holds_nul(uri.path()) {
        Some("path")
    } else if uri.query().is_some_and(holds_nul) {
        Some("query")
    } else {
        None
    };
    match field {
        Some(field) => Problem::new(
            Code::BadRequest,
            format!(
                "the {field} holds a NUL character (%00), which no id, code or parameter contains"
            ),
        )
        .with_field(field)
        .into_response(),
        None => next.run(request).await,
    }
}

/// A span per request carrying its id, method, path and (once answered) status; the id is echoed in the
/// `x-request-id` response header.
async fn request_context(request: Request, next: Next) -> Response {
    let id = request
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 128
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned);
    let span = tracing::info_span!(
        "http",
        request_id = %id,
        method = %request.method(),
        path = %request.uri().path(),
        token = tracing::field::Empty,
        status = tracing::field::Empty,
    );
    let started = std::time::Instant::now();
    let mut response = next.run(request).instrument(span.clone()).await;
    let status = response.status().as_u16();
    span.record("status", status);
    span.in_scope(|| {
        tracing::info!(
            status,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "answered"
        );
    });
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    response
}

/// Binds `addr` (port 0 picks a free port).
pub async fn bind(addr: SocketAddr) -> Result<tokio::net::TcpListener, ServerError> {
    tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| ServerError::Bind { addr, source })
}

/// Serves `handle` on `listener` until `shutdown` completes, then finishes the requests in flight.
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    handle: AppHandle,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    serve_router_on(listener, router(handle), shutdown).await
}

/// Serves a router built by the caller (e.g. [`router_with`] the console) on `listener` until `shutdown`
/// completes, then finishes the requests in flight.
pub async fn serve_router_on(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(%addr, "serving");
    }
    // The peer's address keys the rate limit of requests without a token.
    let service = router.into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, service)
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(ServerError::Serve)?;
    tracing::info!("stopped serving; requests in flight finished");
    Ok(())
}

/// Binds `addr` and serves `handle` until `shutdown` completes (see [`serve_on`]).
pub async fn serve(
    addr: SocketAddr,
    handle: AppHandle,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    serve_on(bind(addr).await?, handle, shutdown).await
}
