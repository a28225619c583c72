//! What the HTTP service offers operators, against a real server bound to 127.0.0.1:0: `/metrics` after a
//! recorded, a replayed and a refused command (on a SQLite file and on a throwaway PostgreSQL 15 database),
//! the rate limit (429 with `Retry-After`, per token), the request deadline (503 `timeout`, and a retry with
//! the same Idempotency-Key recording the command once), and `/readyz` while a read model is rebuilt.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration as StdDuration;

use govshare_app::{App, AppConfig};
use govshare_domain::Role;
use govshare_domain::share_application::{ShareCommand, WithdrawShareApplication};
use govshare_e2e::province::{AUTHORITY, HEALTH, POLICE, seed, submission, token};
use govshare_engine::EngineConfig;
use govshare_projections::{BatchInfo, BeforeCommit};
use govshare_server::{AppHandle, RateLimit, ServerConfig, TokenStore};
use govshare_testkit::province;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::sync::oneshot;
use uuid::Uuid;

const COMMAND_ROUTE: &str = "/v1/commands/{aggregate}/{id}";

struct Fixture {
    base: String,
    client: reqwest::Client,
    app: Option<App>,
    health: String,
    police: String,
    authority: String,
    stop: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
}

/// A seeded province behind a server with `config`; `hold`, when given, rolls back every batch of a
/// rebuilt generation (above the first) while it is set.
async fn start(db: &str, config: ServerConfig, hold: Option<Arc<AtomicBool>>) -> Fixture {
    let mut app_config =
        AppConfig::with_engine(EngineConfig::new(db).with_categories(province::categories()));
    if let Some(hold) = hold {
        let hook: BeforeCommit =
            Arc::new(move |batch: &BatchInfo| batch.generation > 1 && hold.load(Ordering::SeqCst));
        app_config.runner.before_commit = Some(hook);
        // A rolled-back batch is retried after a backoff; keep it short so the switch-over follows at once.
        app_config.runner.max_backoff = StdDuration::from_millis(100);
    }
    let app = App::open(app_config).await.unwrap();
    seed(&app).await;
    let tokens = TokenStore::open(db).await.unwrap();
    let health = token(&tokens, HEALTH, Role::Clerk).await;
    let police = token(&tokens, POLICE, Role::Leader).await;
    let authority = token(&tokens, AUTHORITY, Role::Reviewer).await;
    let handle = AppHandle::new(&app, tokens, config);
    let govshare_e2e::Running { base, stop, task } = govshare_e2e::serve(handle).await;
    Fixture {
        base,
        client: reqwest::Client::new(),
        app: Some(app),
        health,
        police,
        authority,
        stop: Some(stop),
        server: Some(task),
    }
}

impl Fixture {
    fn app(&self) -> &App {
        self.app.as_ref().unwrap()
    }

    async fn head(&self) -> u64 {
        self.app().store().head().await.unwrap().position
    }

    async fn command(
        &self,
        token: &str,
        id: &str,
        key: Uuid,
        command: &ShareCommand,
    ) -> reqwest::Response {
        self.client
            .post(format!("{}/v1/commands/share_application/{id}", self.base))
            .bearer_auth(token)
            .header("Idempotency-Key", key.to_string())
            .json(command)
            .send()
            .await
            .unwrap()
    }

    async fn get(&self, token: Option<&str>, path: &str) -> reqwest::Response {
        let mut request = self.client.get(format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.unwrap()
    }

    async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.unwrap();
        }
        if let Some(app) = self.app.take() {
            app.shutdown().await.unwrap();
        }
    }
}

/// A problem+json answer with `status` and `code`; its body.
async fn problem(response: reqwest::Response, status: u16, code: &str) -> (Value, Option<String>) {
    assert_eq!(response.status().as_u16(), status);
    assert_eq!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/problem+json")
    );
    let retry_after = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["status"], status, "{body}");
    assert_eq!(body["type"], format!("urn:govshare:problem:{code}"));
    (body, retry_after)
}

/// One sample of an exposition: the metric name, its labels, its value.
type Sample = (String, BTreeMap<String, String>, f64);

/// Parses the OpenMetrics text format as far as this server writes it: `# HELP`/`# TYPE` lines, samples
/// `name{label="value",…} value`, and the closing `# EOF`. Panics on anything else.
fn parse_exposition(text: &str) -> Vec<Sample> {
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.last(), Some(&"# EOF"), "the exposition is not closed");
    let mut typed = Vec::new();
    let mut samples = Vec::new();
    for line in &lines[..lines.len() - 1] {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').unwrap();
            assert!(["counter", "gauge", "histogram"].contains(&kind), "{line}");
            typed.push(name.to_owned());
            continue;
        }
        if line.starts_with("# HELP ") || line.starts_with("# UNIT ") {
            continue;
        }
        assert!(!line.starts_with('#'), "unexpected comment {line}");
        let name_end = line.find(['{', ' ']).unwrap();
        let name = &line[..name_end];
        assert!(
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
            "{line}"
        );
        let mut labels = BTreeMap::new();
        let mut rest = &line[name_end..];
        if let Some(inner) = rest.strip_prefix('{') {
            let mut chars = inner.char_indices();
            let mut key = String::new();
            loop {
                let (i, c) = chars.next().unwrap();
                match c {
                    '}' => {
                        rest = &inner[i + 1..];
                        break;
                    }
                    ',' => {}
                    '=' => {
                        assert_eq!(chars.next().unwrap().1, '"', "{line}");
                        let mut value = String::new();
                        loop {
                            match chars.next().unwrap().1 {
                                '"' => break,
                                '\\' => match chars.next().unwrap().1 {
                                    'n' => value.push('\n'),
                                    other => value.push(other),
                                },
                                other => value.push(other),
                            }
                        }
                        labels.insert(std::mem::take(&mut key), value);
                    }
                    other => key.push(other),
                }
            }
        }
        let value: f64 = rest.trim().parse().unwrap_or_else(|_| panic!("{line}"));
        assert!(
            typed.iter().any(|family| name.starts_with(family.as_str())),
            "a sample without its # TYPE: {line}"
        );
        samples.push((name.to_owned(), labels, value));
    }
    samples
}

/// The value of the sample `name` with exactly `labels` (0 when absent).
fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> f64 {
    let wanted: BTreeMap<String, String> = labels
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    samples
        .iter()
        .find(|(n, l, _)| n == name && *l == wanted)
        .map_or(0.0, |(_, _, v)| *v)
}

async fn scrape(f: &Fixture) -> (String, Vec<Sample>) {
    let response = f.get(None, "/metrics").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text")
    );
    let text = response.text().await.unwrap();
    let samples = parse_exposition(&text);
    (text, samples)
}

async fn metrics_suite(db: &str) {
    let f = start(db, ServerConfig::default(), None).await;
    let id = "SA-OPS-0001";

    // Recorded, then the same request again (replayed), then a refusal, then a body that is not JSON.
    let key = Uuid::new_v4();
    let response = f.command(&f.health, id, key, &submission(id)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let recorded: Value = response.json().await.unwrap();
    let events = recorded["events"].as_array().unwrap().len();
    let position = recorded["position"].as_u64().unwrap();
    let response = f.command(&f.health, id, key, &submission(id)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["idempotent-replayed"], "true");
    let withdraw = ShareCommand::WithdrawShareApplication(WithdrawShareApplication {
        reason: "不再需要".into(),
    });
    let response = f.command(&f.police, id, Uuid::new_v4(), &withdraw).await;
    problem(response, 403, "forbidden").await;
    let response = f
        .client
        .post(format!("{}/v1/commands/share_application/{id}", f.base))
        .bearer_auth(&f.health)
        .header("Idempotency-Key", Uuid::new_v4().to_string())
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .unwrap();
    problem(response, 400, "malformed-json").await;
    let response = f.get(None, "/v1/no-such-route").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);

    // The deadlines the read model lists, once it has the submission.
    let response = f
        .get(
            Some(&f.authority),
            &format!("/v1/deadlines?status=open&min_position={position}"),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let open: Value = response.json().await.unwrap();
    let open = open["items"].as_array().unwrap().len();
    assert!(open > 0, "the submission sets a deadline");

    let (text, samples) = scrape(&f).await;
    let commands = "govshare_commands_total";
    let share = ("aggregate", "share_application");
    let submit = ("command", "SubmitShareApplication");
    assert_eq!(
        value(
            &samples,
            commands,
            &[share, submit, ("outcome", "recorded")]
        ),
        1.0,
        "{text}"
    );
    assert_eq!(
        value(
            &samples,
            commands,
            &[share, submit, ("outcome", "replayed")]
        ),
        1.0,
        "{text}"
    );
    assert_eq!(
        value(
            &samples,
            commands,
            &[
                share,
                ("command", "WithdrawShareApplication"),
                ("outcome", "forbidden")
            ]
        ),
        1.0,
        "{text}"
    );
    assert_eq!(
        value(
            &samples,
            commands,
            &[share, ("command", "unknown"), ("outcome", "malformed-json")]
        ),
        1.0,
        "{text}"
    );
    assert_eq!(
        value(
            &samples,
            "govshare_command_duration_seconds_count",
            &[share]
        ),
        4.0,
        "{text}"
    );
    // Only the recorded command appended a batch.
    assert_eq!(value(&samples, "govshare_command_events_count", &[]), 1.0);
    assert_eq!(
        value(&samples, "govshare_command_events_sum", &[]),
        events as f64
    );
    // HTTP requests by route template, never the raw path.
    let requests = "govshare_http_requests_total";
    let post = ("method", "POST");
    assert_eq!(
        value(
            &samples,
            requests,
            &[("route", COMMAND_ROUTE), post, ("status", "200")]
        ),
        2.0,
        "{text}"
    );
    assert_eq!(
        value(
            &samples,
            requests,
            &[("route", COMMAND_ROUTE), post, ("status", "403")]
        ),
        1.0
    );
    assert_eq!(
        value(
            &samples,
            requests,
            &[("route", "unmatched"), ("method", "GET"), ("status", "404")]
        ),
        1.0
    );
    assert_eq!(
        value(
            &samples,
            "govshare_http_request_duration_seconds_count",
            &[("route", COMMAND_ROUTE), post]
        ),
        4.0
    );
    assert!(!text.contains(id) && !text.contains("no-such-route"));
    // Scrape-time gauges: the head, each read model's lag, the deadlines; counts only, no department.
    assert_eq!(
        value(&samples, "govshare_log_head_position", &[]),
        f.head().await as f64
    );
    for model in govshare_app::projection_names() {
        assert!(
            samples
                .iter()
                .any(|(n, l, _)| n == "govshare_projection_lag_events"
                    && l.get("model").map(String::as_str) == Some(model)),
            "no lag for {model}: {text}"
        );
        assert_eq!(
            value(
                &samples,
                "govshare_projection_rebuilding",
                &[("model", model)]
            ),
            0.0
        );
    }
    assert_eq!(
        value(
            &samples,
            "govshare_projection_lag_events",
            &[("model", "deadlines")]
        ),
        0.0,
        "{text}"
    );
    assert_eq!(
        value(&samples, "govshare_deadlines", &[("status", "open")]),
        open as f64,
        "{text}"
    );
    assert_eq!(
        value(&samples, "govshare_deadlines", &[("status", "overdue")]),
        0.0
    );
    assert!(!text.contains(HEALTH) && !text.contains(POLICE) && !text.contains(AUTHORITY));
    // The scrape itself is counted by the next one.
    let (_, samples) = scrape(&f).await;
    assert_eq!(
        value(
            &samples,
            requests,
            &[("route", "/metrics"), ("method", "GET"), ("status", "200")]
        ),
        1.0
    );

    f.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("govshare.db").display().to_string();
    metrics_suite(&db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_on_postgres() {
    let url = govshare_testkit::shared_cluster()
        .fresh_database("ops")
        .await
        .unwrap();
    metrics_suite(&url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_per_token_answers_429_with_retry_after() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("govshare.db").display().to_string();
    let burst = 3;
    let config = ServerConfig {
        rate_limit: Some(RateLimit {
            per_second: 1,
            burst,
        }),
        ..ServerConfig::default()
    };
    let f = start(&db, config, None).await;
    let entries = "/v1/catalog/entries";

    // The bucket starts full: `burst` requests pass, then (refilled at 1 a second) one is refused.
    for _ in 0..burst {
        let response = f.get(Some(&f.health), entries).await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    let mut limited = None;
    for _ in 0..10 {
        let response = f.get(Some(&f.health), entries).await;
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(response);
            break;
        }
    }
    let (body, retry_after) = problem(limited.expect("never limited"), 429, "rate-limited").await;
    assert_eq!(body["retryable"], true);
    let seconds: u64 = retry_after.expect("no Retry-After").parse().unwrap();
    assert!((1..=2).contains(&seconds), "Retry-After {seconds}");

    // Another token has its own bucket.
    let response = f.get(Some(&f.police), entries).await;
    assert_eq!(response.status(), StatusCode::OK);

    // Without a token the client's address has one bucket; a refused token draws from it too.
    for _ in 0..burst {
        assert_eq!(f.get(None, "/healthz").await.status(), StatusCode::OK);
    }
    let mut limited = false;
    for _ in 0..10 {
        if f.get(None, "/healthz").await.status() == StatusCode::TOO_MANY_REQUESTS {
            limited = true;
            break;
        }
    }
    assert!(limited, "the address was never limited");
    let response = f.get(Some("not-a-token"), entries).await;
    problem(response, 429, "rate-limited").await;
    // The authenticated tokens are still served.
    let response = f.get(Some(&f.authority), entries).await;
    assert_eq!(response.status(), StatusCode::OK);

    f.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeout_answers_503_and_a_retry_records_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("govshare.db").display().to_string();
    let config = ServerConfig {
        request_timeout: StdDuration::from_secs(1),
        // Not shorter than the deadline: queries wait four fifths of it instead.
        read_wait: StdDuration::from_secs(5),
        ..ServerConfig::default()
    };
    let f = start(&db, config, None).await;
    let head = f.head().await;

    // A query waiting for a position far ahead answers `projection-lagging` before the deadline.
    let response = f
        .get(
            Some(&f.health),
            &format!("/v1/deadlines?min_position={}", head + 1_000_000),
        )
        .await;
    problem(response, 503, "projection-lagging").await;

    // Another connection holds the database's write lock: the command cannot append before the deadline.
    let lock = rusqlite::Connection::open(&db).unwrap();
    lock.execute_batch("BEGIN IMMEDIATE").unwrap();
    let id = "SA-OPS-0002";
    let key = Uuid::new_v4();
    let response = f.command(&f.health, id, key, &submission(id)).await;
    let (body, retry_after) = problem(response, 503, "timeout").await;
    assert_eq!(body["retryable"], true);
    assert_eq!(retry_after.as_deref(), Some("1"));
    assert!(body["detail"].as_str().unwrap().contains("Idempotency-Key"));
    lock.execute_batch("COMMIT").unwrap();
    drop(lock);

    // The command may or may not have been recorded; the retry with the same key records it once.
    let response = f.command(&f.health, id, key, &submission(id)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let answer: Value = response.json().await.unwrap();
    let events = answer["events"].as_array().unwrap().len() as u64;
    assert!(events > 0);
    assert_eq!(f.head().await, head + events);
    let response = f.command(&f.health, id, key, &submission(id)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["idempotent-replayed"], "true");
    assert_eq!(f.head().await, head + events);

    f.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_is_not_ready_while_a_read_model_is_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("govshare.db").display().to_string();
    let hold = Arc::new(AtomicBool::new(false));
    let f = start(&db, ServerConfig::default(), Some(hold.clone())).await;
    let head = f.head().await;
    let runner = f.app().runner().unwrap();
    runner
        .wait_for_all(head, StdDuration::from_secs(30))
        .await
        .unwrap();
    let response = f.get(None, "/readyz").await;
    assert_eq!(response.status(), StatusCode::OK);

    // The rebuild's batches are rolled back while held: the new generation stays `building`.
    hold.store(true, Ordering::SeqCst);
    let generation = runner.rebuild("deadlines").await.unwrap();
    assert!(generation > 1);
    let response = f.get(None, "/readyz").await;
    let (body, _) = problem(response, 503, "not-ready").await;
    assert!(
        body["detail"].as_str().unwrap().contains("deadlines"),
        "{body}"
    );
    let (text, samples) = scrape(&f).await;
    assert_eq!(
        value(
            &samples,
            "govshare_projection_rebuilding",
            &[("model", "deadlines")]
        ),
        1.0,
        "{text}"
    );

    // Released, the rebuild catches up and switches over; the service is ready again.
    hold.store(false, Ordering::SeqCst);
    runner
        .wait_for_generation("deadlines", generation, StdDuration::from_secs(30))
        .await
        .unwrap();
    let response = f.get(None, "/readyz").await;
    assert_eq!(response.status(), StatusCode::OK);
    let ready: Value = response.json().await.unwrap();
    assert_eq!(ready["status"], "ready");
    assert_eq!(ready["read_models"]["deadlines"], json!(head));

    f.stop().await;
}
