//! `GET /metrics`: the service's Prometheus metrics in the OpenMetrics text format (`prometheus-client`).
//!
//! Counted as they happen: commands by aggregate, command type and outcome, their latency and the events each
//! recorded; HTTP requests by route template (the [`crate::ROUTES`] path, never the raw URI, so the label
//! values are bounded), method and status, with their latency. Read at scrape time, through the same calls
//! `/readyz` makes and a counting query of `govshare-projections`: each read model's lag behind the log's
//! head, whether it is being rebuilt, and the number of open and overdue deadlines. Only counts: no label
//! names a department, a case or a person.

use std::time::Duration;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use govshare_projections::models::deadlines;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use crate::AppHandle;
use crate::problem::Problem;

/// The media type of the exposition.
pub const OPENMETRICS_TEXT: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The `route` label of a request no route matched (404s).
pub const UNMATCHED: &str = "unmatched";

/// Latency buckets, in seconds (the default request timeout is 30 s).
const SECONDS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// Events recorded per command.
const EVENTS: [f64; 8] = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0];

fn seconds_histogram() -> Histogram {
    Histogram::new(SECONDS)
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CommandLabels {
    aggregate: String,
    command: String,
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct AggregateLabels {
    aggregate: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HttpLabels {
    route: String,
    method: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
    method: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ModelLabels {
    model: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DeadlineLabels {
    status: String,
}

/// The metrics of one server (shared by its handlers through [`AppHandle`]).
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    commands: Family<CommandLabels, Counter>,
    command_seconds: Family<AggregateLabels, Histogram, fn() -> Histogram>,
    command_events: Histogram,
    http_requests: Family<HttpLabels, Counter>,
    http_seconds: Family<RouteLabels, Histogram, fn() -> Histogram>,
    log_head: Gauge,
    projection_lag: Family<ModelLabels, Gauge>,
    projection_rebuilding: Family<ModelLabels, Gauge>,
    deadlines: Family<DeadlineLabels, Gauge>,
    /// One scrape at a time: each clears and refills the scrape-time gauges.
    scrape: tokio::sync::Mutex<()>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// Every metric, registered and at zero.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("govshare");
        let commands = Family::<CommandLabels, Counter>::default();
        registry.register(
            "commands",
            "Commands answered, by aggregate, command type (the JSON variant name, `unknown` when the body did not parse) and outcome (`recorded`, `replayed` or the problem code of the refusal)",
            commands.clone(),
        );
        let command_seconds: Family<AggregateLabels, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(seconds_histogram);
        registry.register(
            "command_duration_seconds",
            "Time to answer a command, by aggregate",
            command_seconds.clone(),
        );
        let command_events = Histogram::new(EVENTS);
        registry.register(
            "command_events",
            "Events appended to the log per recorded command (the append batch size)",
            command_events.clone(),
        );
        let http_requests = Family::<HttpLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by route template, method and status",
            http_requests.clone(),
        );
        let http_seconds: Family<RouteLabels, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(seconds_histogram);
        registry.register(
            "http_request_duration_seconds",
            "Time to answer an HTTP request, by route template and method",
            http_seconds.clone(),
        );
        let log_head = Gauge::default();
        registry.register(
            "log_head_position",
            "Position of the last event in the log (read at scrape time)",
            log_head.clone(),
        );
        let projection_lag = Family::<ModelLabels, Gauge>::default();
        registry.register(
            "projection_lag_events",
            "Events a read model's active generation is behind the log's head (read at scrape time)",
            projection_lag.clone(),
        );
        let projection_rebuilding = Family::<ModelLabels, Gauge>::default();
        registry.register(
            "projection_rebuilding",
            "1 while a read model is being rebuilt, else 0 (read at scrape time)",
            projection_rebuilding.clone(),
        );
        let deadlines = Family::<DeadlineLabels, Gauge>::default();
        registry.register(
            "deadlines",
            "Deadlines still owed: `open` (not yet due or not yet marked missed) and `overdue` (marked missed, 第四十一条), read at scrape time",
            deadlines.clone(),
        );
        Metrics {
            registry,
            commands,
            command_seconds,
            command_events,
            http_requests,
            http_seconds,
            log_head,
            projection_lag,
            projection_rebuilding,
            deadlines,
            scrape: tokio::sync::Mutex::new(()),
        }
    }

    /// One command answered: `outcome` is `recorded`, `replayed` or a problem code; `events` the number of
    /// events a recorded command appended.
    pub fn command(
        &self,
        aggregate: &str,
        command: &str,
        outcome: &str,
        elapsed: Duration,
        events: Option<usize>,
    ) {
        self.commands
            .get_or_create(&CommandLabels {
                aggregate: aggregate.to_owned(),
                command: command.to_owned(),
                outcome: outcome.to_owned(),
            })
            .inc();
        self.command_seconds
            .get_or_create(&AggregateLabels {
                aggregate: aggregate.to_owned(),
            })
            .observe(elapsed.as_secs_f64());
        if let Some(events) = events {
            self.command_events.observe(events as f64);
        }
    }

    /// One HTTP request answered.
    pub fn http(&self, route: &str, method: &str, status: u16, elapsed: Duration) {
        self.http_requests
            .get_or_create(&HttpLabels {
                route: route.to_owned(),
                method: method.to_owned(),
                status,
            })
            .inc();
        self.http_seconds
            .get_or_create(&RouteLabels {
                route: route.to_owned(),
                method: method.to_owned(),
            })
            .observe(elapsed.as_secs_f64());
    }

    /// The exposition, after reading the scrape-time gauges from `app`. What cannot be read is left out
    /// (and logged) rather than reported stale; the counters are always there.
    async fn render(&self, app: &AppHandle) -> Result<String, std::fmt::Error> {
        let _one = self.scrape.lock().await;
        self.read_gauges(app).await;
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)?;
        Ok(text)
    }

    async fn read_gauges(&self, app: &AppHandle) {
        self.projection_lag.clear();
        self.projection_rebuilding.clear();
        self.deadlines.clear();
        let head = match app.engine.store().head().await {
            Ok(head) => head.position,
            Err(e) => {
                tracing::warn!(error = %e, "metrics: the store cannot be read");
                return;
            }
        };
        self.log_head.set(gauge_value(head));
        for name in govshare_app::projection_names() {
            match app.db.projection_state(name).await {
                Ok(state) => {
                    let labels = ModelLabels {
                        model: name.to_owned(),
                    };
                    let checkpoint = state.as_ref().map_or(0, |s| s.active.checkpoint);
                    let building = state.as_ref().is_some_and(|s| s.building.is_some());
                    self.projection_lag
                        .get_or_create(&labels)
                        .set(gauge_value(head.saturating_sub(checkpoint)));
                    self.projection_rebuilding
                        .get_or_create(&labels)
                        .set(i64::from(building));
                }
                Err(e) => {
                    tracing::warn!(error = %e, model = name, "metrics: a read model cannot be read");
                }
            }
        }
        let overdue = deadlines::DeadlineFilter {
            state: Some(deadlines::DeadlineState::Open),
            missed: Some(true),
            ..Default::default()
        };
        for (status, filter) in [
            ("open", deadlines::DeadlineFilter::open()),
            ("overdue", overdue),
        ] {
            match deadlines::count(&app.db, &filter).await {
                Ok(n) => {
                    self.deadlines
                        .get_or_create(&DeadlineLabels {
                            status: status.to_owned(),
                        })
                        .set(gauge_value(n));
                }
                Err(e) => tracing::warn!(error = %e, "metrics: the deadlines cannot be counted"),
            }
        }
    }
}

fn gauge_value(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The `method` label: the standard methods by name, anything else `other` (the label stays bounded).
fn method_label(method: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Counts every request by its route template (from the router's [`MatchedPath`]), method and status.
pub(crate) async fn count_requests(
    State(app): State<AppHandle>,
    request: Request,
    next: Next,
) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or(UNMATCHED, MatchedPath::as_str)
        .to_owned();
    let method = method_label(request.method());
    let started = std::time::Instant::now();
    let response = next.run(request).await;
    app.metrics.http(
        &route,
        method,
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}

/// `GET /metrics`: the exposition (public, like `/healthz`: counts only).
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "service",
    operation_id = "metrics",
    summary = "指标 Prometheus metrics: commands, HTTP requests, read-model lag, deadlines (counts only)",
    description = "The OpenMetrics text format (Prometheus scrapes it); public (no token needed). `docs/http.md` lists the metrics.",
    responses(
        (status = 200, description = "The exposition", body = String, content_type = "application/openmetrics-text"),
    ),
)]
pub async fn metrics(State(app): State<AppHandle>) -> Response {
    match app.metrics.render(&app).await {
        Ok(text) => (
            StatusCode::OK,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static(OPENMETRICS_TEXT),
            )],
            text,
        )
            .into_response(),
        Err(e) => Problem::internal("encoding the metrics", &e).into_response(),
    }
}
