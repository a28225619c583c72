//! Bad input over HTTP, one test per kind of `docs/bad-input.md`: each request gets its problem+json answer
//! (status, `type`, `code`, the field where one is named), nothing is recorded (the log's head is unchanged)
//! unless the row is about a valid but odd value, and the server still answers `/healthz` afterwards. The
//! rows run on a SQLite file; the SQL-metacharacter rows also run on PostgreSQL.

use std::sync::Arc;

use govshare_app::{App, AppConfig};
use govshare_domain::catalog::{AggregationMethod, CatalogCommand, RegisterAggregation};
use govshare_domain::share_application::{ForwardToProvider, ShareCommand};
use govshare_e2e::http::{Tokens, assert_problem, tokens};
use govshare_e2e::province::{HEALTH, POLICE, POPULATION, seed, submission};
use govshare_engine::EngineConfig;
use govshare_server::{AppHandle, ServerConfig, TokenStore};
use govshare_store::EventStore;
use govshare_testkit::province;
use reqwest::StatusCode;
use reqwest::header::HeaderValue;
use serde_json::{Value, json};
use uuid::Uuid;

/// The body limit of this suite's server: large enough that a 1 MiB text and 100 000 nested arrays reach
/// the JSON parser and the store.
const BODY_LIMIT: usize = 4 * 1024 * 1024;

/// Health's application, forwarded to Police (who owes the next act) before each test's refusals.
const CASE: &str = "SA-BAD-0001";

struct Server {
    base: String,
    client: reqwest::Client,
    store: Arc<dyn EventStore>,
    t: Tokens,
    _dir: Option<tempfile::TempDir>,
    running: Option<govshare_e2e::Running>,
    app: Option<App>,
}

/// A seeded province on a fresh SQLite file, served with [`BODY_LIMIT`], with [`CASE`] submitted and
/// forwarded.
async fn on_sqlite() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("govshare.db").display().to_string();
    let mut server = start(&db).await;
    server._dir = Some(dir);
    server
}

async fn on_postgres(name: &str) -> Server {
    let url = govshare_testkit::shared_cluster()
        .fresh_database(name)
        .await
        .unwrap();
    start(&url).await
}

async fn start(db: &str) -> Server {
    let config =
        AppConfig::with_engine(EngineConfig::new(db).with_categories(province::categories()));
    let app = App::open(config).await.unwrap();
    seed(&app).await;
    let token_store = TokenStore::open(db).await.unwrap();
    let t = tokens(&token_store).await;
    let config = ServerConfig {
        body_limit: BODY_LIMIT,
        rate_limit: None,
        ..ServerConfig::default()
    };
    let running = govshare_e2e::serve(AppHandle::new(&app, token_store, config)).await;
    let server = Server {
        base: running.base.clone(),
        client: reqwest::Client::new(),
        store: app.store().clone(),
        t,
        _dir: None,
        running: Some(running),
        app: Some(app),
    };
    let health = server.t.health.clone();
    let authority = server.t.authority.clone();
    server.ok(&health, CASE, &json_of(submission(CASE))).await;
    let forward = ShareCommand::ForwardToProvider(ForwardToProvider {
        review_opinion: "应用场景明确，转提供部门".into(),
    });
    server.ok(&authority, CASE, &json_of(forward)).await;
    server
}

fn json_of(command: ShareCommand) -> Value {
    serde_json::to_value(command).unwrap()
}

/// Every byte but ASCII letters, digits and `-` percent-encoded: a text as one path segment or query value.
fn enc(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'-' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

impl Server {
    async fn head(&self) -> u64 {
        self.store.head().await.unwrap().position
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// `POST /v1/commands/share_application/{id}` (id percent-encoded) with a fresh key.
    async fn share(&self, token: &str, id: &str, body: &Value) -> reqwest::Response {
        self.command(token, "share_application", id, Uuid::new_v4(), body)
            .await
    }

    async fn command(
        &self,
        token: &str,
        aggregate: &str,
        id: &str,
        key: Uuid,
        body: &Value,
    ) -> reqwest::Response {
        self.client
            .post(self.url(&format!("/v1/commands/{aggregate}/{}", enc(id))))
            .bearer_auth(token)
            .header("Idempotency-Key", key.to_string())
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// A share command that must be recorded; its answer.
    async fn ok(&self, token: &str, id: &str, body: &Value) -> Value {
        let response = self.share(token, id, body).await;
        let status = response.status();
        let answer: Value = response.json().await.unwrap();
        assert_eq!(status, StatusCode::OK, "{answer}");
        answer
    }

    /// A raw body posted to [`CASE`] as Police, declared JSON.
    async fn raw(&self, body: impl Into<reqwest::Body>) -> reqwest::Response {
        self.client
            .post(self.url(&format!("/v1/commands/share_application/{CASE}")))
            .bearer_auth(&self.t.police)
            .header("Idempotency-Key", Uuid::new_v4().to_string())
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap()
    }

    async fn get(&self, token: &str, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    /// The invariant of every row: the log's head is `head` and the server answers `/healthz`.
    async fn intact(&self, head: u64) {
        assert_eq!(self.head().await, head, "a refusal recorded something");
        let health = self.client.get(self.url("/healthz")).send().await.unwrap();
        assert_eq!(
            health.status(),
            StatusCode::OK,
            "the server stopped answering"
        );
    }

    /// A refusal (see [`assert_problem`]) that recorded nothing and left the server answering.
    async fn refused(
        &self,
        response: reqwest::Response,
        head: u64,
        status: u16,
        code: &str,
        field: Option<&str>,
    ) -> Value {
        let problem = assert_problem(response, status, code, field).await;
        self.intact(head).await;
        problem
    }

    async fn stop(mut self) {
        if let Some(running) = self.running.take() {
            let _ = running.stop.send(());
            running.task.await.unwrap();
        }
        if let Some(app) = self.app.take() {
            app.shutdown().await.unwrap();
        }
    }
}

fn agree() -> Value {
    json!({"AgreeToShare": {"conditions": "仅限身份核验，不得留存"}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_json_is_400_malformed_json() {
    let s = on_sqlite().await;
    let head = s.head().await;
    for body in [
        "{\"AgreeToShare\": {",
        "{\"AgreeToShare\": {\"conditions\": \"x\",}}",
        "",
        "AgreeToShare",
        "{\"AgreeToShare\": {\"conditions\": \"x\"}} trailing",
    ] {
        let response = s.raw(body).await;
        s.refused(response, head, 400, "malformed-json", None).await;
    }
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deeply_nested_json_is_refused_without_overflowing_the_stack() {
    let s = on_sqlite().await;
    let head = s.head().await;
    // 100 000 nested arrays (200 000 bytes, under this server's limit): the parser's depth limit refuses
    // them before any recursion could exhaust the stack.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let response = s.raw(deep).await;
    s.refused(response, head, 400, "malformed-json", None).await;
    // The same depth inside a command's field, and objects instead of arrays.
    let inner = format!(
        "{{\"AgreeToShare\": {{\"conditions\": {}{}}}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let response = s.raw(inner).await;
    s.refused(response, head, 400, "malformed-json", None).await;
    let objects = format!("{}{}", "{\"a\":".repeat(50_000), "}".repeat(50_000));
    let response = s.raw(objects).await;
    s.refused(response, head, 400, "malformed-json", None).await;
    // Unclosed: the parser stops at its depth limit without reading to the end.
    let response = s.raw("[".repeat(1_000_000)).await;
    s.refused(response, head, 400, "malformed-json", None).await;
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_fields_are_422_validation_naming_the_field() {
    let s = on_sqlite().await;
    let head = s.head().await;
    let police = s.t.police.clone();
    let response = s
        .share(
            &police,
            CASE,
            &json!({"AgreeToShare": {"conditions": "x", "colour": "red"}}),
        )
        .await;
    s.refused(
        response,
        head,
        422,
        "validation",
        Some("AgreeToShare.colour"),
    )
    .await;
    let response = s.share(&police, CASE, &json!({"Frobnicate": {}})).await;
    s.refused(response, head, 422, "validation", None).await;
    let mut body = json_of(submission("SA-BAD-0002"));
    body["SubmitShareApplication"]["scenario"]["priority"] = json!("urgent");
    let health = s.t.health.clone();
    let response = s.share(&health, "SA-BAD-0002", &body).await;
    s.refused(
        response,
        head,
        422,
        "validation",
        Some("SubmitShareApplication.scenario.priority"),
    )
    .await;
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_types_are_422_validation_naming_the_field() {
    let s = on_sqlite().await;
    let head = s.head().await;
    let police = s.t.police.clone();
    let health = s.t.health.clone();
    let response = s
        .share(&police, CASE, &json!({"AgreeToShare": {"conditions": 42}}))
        .await;
    s.refused(
        response,
        head,
        422,
        "validation",
        Some("AgreeToShare.conditions"),
    )
    .await;
    for (pointer, value, field) in [
        (
            "/SubmitShareApplication/scenario/data_items",
            json!("公民身份号码"),
            "SubmitShareApplication.scenario.data_items",
        ),
        (
            "/SubmitShareApplication/scenario/use_from",
            json!(20260101),
            "SubmitShareApplication.scenario.use_from",
        ),
        (
            "/SubmitShareApplication/materials",
            json!({"file": "x.pdf"}),
            "SubmitShareApplication.materials",
        ),
        (
            "/SubmitShareApplication/application_id",
            json!(null),
            "SubmitShareApplication.application_id",
        ),
    ] {
        let mut body = json_of(submission("SA-BAD-0002"));
        *body.pointer_mut(pointer).unwrap() = value;
        let response = s.share(&health, "SA-BAD-0002", &body).await;
        s.refused(response, head, 422, "validation", Some(field))
            .await;
    }
    for body in [json!([]), json!(null), json!("AgreeToShare"), json!(7)] {
        let response = s.share(&police, CASE, &body).await;
        s.refused(response, head, 422, "validation", None).await;
    }
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_over_the_limit_is_413_body_too_large() {
    let s = on_sqlite().await;
    let head = s.head().await;
    let big = json!({"AgreeToShare": {"conditions": "长".repeat(BODY_LIMIT / 3 + 1)}});
    let police = s.t.police.clone();
    let response = s.share(&police, CASE, &big).await;
    s.refused(response, head, 413, "body-too-large", None).await;
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_text_under_the_body_limit_is_422_not_recorded() {
    let s = on_sqlite().await;
    let head = s.head().await;
    let health = s.t.health.clone();
    let mut body = json_of(submission("SA-BAD-0002"));
    body["SubmitShareApplication"]["scenario"]["purpose"] = json!("x".repeat(1024 * 1024));
    let response = s.share(&health, "SA-BAD-0002", &body).await;
    s.refused(response, head, 422, "validation", Some("command"))
        .await;
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_utf8_in_the_body_is_400_malformed_json() {
    let s = on_sqlite().await;
    let head = s.head().await;
    let mut body = b"{\"AgreeToShare\": {\"conditions\": \"".to_vec();
    body.extend_from_slice(&[0xFF, 0xFE, 0xC3, 0x28]);
    body.extend_from_slice(b"\"}}");
    let response = s.raw(body).await;
    s.refused(response, head, 400, "malformed-json", None).await;
    // A lone surrogate escaped in JSON is not a character either.
    let response = s
        .raw("{\"AgreeToShare\": {\"conditions\": \"\\ud800\"}}")
        .await;
    s.refused(response, head, 400, "malformed-json", None).await;
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_utf8_in_a_header_is_refused() {
    let s = on_sqlite().await;
    let head = s.head().await;
    let bytes = HeaderValue::from_bytes(&[0x62, 0xFF, 0xFE, 0x80]).unwrap();
    // In the Idempotency-Key.
    let response = s
        .client
        .post(s.url(&format!("/v1/commands/share_application/{CASE}")))
        .bearer_auth(&s.t.police)
        .header("Idempotency-Key", bytes.clone())
        .json(&agree())
        .send()
        .await
        .unwrap();
    s.refused(response, head, 400, "bad-request", Some("Idempotency-Key"))
        .await;
    // In the Authorization header, on a command and on a query.
    let mut authorization = b"Bearer ".to_vec();
    authorization.extend_from_slice(&[0xFF, 0xFE, 0x80]);
    let authorization = HeaderValue::from_bytes(&authorization).unwrap();
    let response = s
        .client
        .post(s.url(&format!("/v1/commands/share_application/{CASE}")))
        .header("Authorization", authorization.clone())
        .header("Idempotency-Key", Uuid::new_v4().to_string())
        .json(&agree())
        .send()
        .await
        .unwrap();
    s.refused(response, head, 401, "invalid-token", None).await;
    let response = s
        .client
        .get(s.url(&format!("/v1/applications/{CASE}")))
        .header("Authorization", authorization)
        .send()
        .await
        .unwrap();
    s.refused(response, head, 401, "invalid-token", None).await;
    // In the Content-Type.
    let response = s
        .client
        .post(s.url(&format!("/v1/commands/share_application/{CASE}")))
        .bearer_auth(&s.t.police)
        .header("Idempotency-Key", Uuid::new_v4().to_string())
        .header("Content-Type", bytes)
        .body(agree().to_string())
        .send()
        .await
        .unwrap();
    s.refused(response, head, 415, "unsupported-media-type", None)
        .await;
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_utf8_in_the_path_or_query_is_400_bad_request() {
    let s = on_sqlite().await;
    let head = s.head().await;
    let police = s.t.police.clone();
    let response = s
        .client
        .post(s.url("/v1/commands/share_application/SA-%FF%FE"))
        .bearer_auth(&police)
        .header("Idempotency-Key", Uuid::new_v4().to_string())
        .json(&agree())
        .send()
        .await
        .unwrap();
    s.refused(response, head, 400, "bad-request", None).await;
    for path in [
        "/v1/applications/SA-%FF%FE".to_owned(),
        "/v1/applications/SA-%C3%28/timeline".to_owned(),
        format!("/v1/departments/{POLICE}/inbox?cursor=%FF%FE"),
    ] {
        let response = s.get(&police, &path).await;
        s.refused(response, head, 400, "bad-request", None).await;
    }
    // A query value is decoded leniently (each invalid sequence becomes U+FFFD): as a filter it matches
    // nothing.
    let response = s.get(&police, "/v1/catalog/entries?provider=%FF").await;
    assert_eq!(response.status(), StatusCode::OK);
    let page: Value = response.json().await.unwrap();
    assert_eq!(page["items"], json!([]), "{page}");
    s.intact(head).await;
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn impossible_dates_are_422_validation() {
    let s = on_sqlite().await;
    let head = s.head().await;
    let health = s.t.health.clone();
    for date in [
        "2023-02-30",
        "2023-13-01",
        "2023-00-10",
        "2023-04-31",
        "2023-1-1",
        "01/02/2023",
        "",
    ] {
        let mut body = json_of(submission("SA-BAD-0002"));
        body["SubmitShareApplication"]["scenario"]["use_until"] = json!(date);
        let response = s.share(&health, "SA-BAD-0002", &body).await;
        let problem = s.refused(response, head, 422, "validation", None).await;
        // serde names the field; chrono reads `2023-1-1` as a date, which then ends the period before it
        // starts, and the domain names the field.
        assert!(
            problem["field"]
                .as_str()
                .is_some_and(|f| f.ends_with("scenario.use_until")),
            "{date}: {problem}"
        );
    }
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_of_range_dates_and_instants_are_422() {
    let s = on_sqlite().await;
    let health = s.t.health.clone();
    let police = s.t.police.clone();
    // Years the calendar does not count (1949–2199), in the period of use; a year of five digits is no
    // date to serde.
    for (from, until, code, field) in [
        (
            "0000-01-01",
            "0000-12-31",
            "date-out-of-range",
            "scenario.use_from",
        ),
        (
            "99999-01-01",
            "99999-12-31",
            "validation",
            "SubmitShareApplication.scenario.use_from",
        ),
        (
            "1900-01-01",
            "2026-12-31",
            "date-out-of-range",
            "scenario.use_from",
        ),
        (
            "2026-01-01",
            "2300-12-31",
            "date-out-of-range",
            "scenario.use_until",
        ),
    ] {
        let head = s.head().await;
        let mut body = json_of(submission("SA-BAD-0002"));
        body["SubmitShareApplication"]["scenario"]["use_from"] = json!(from);
        body["SubmitShareApplication"]["scenario"]["use_until"] = json!(until);
        let response = s.share(&health, "SA-BAD-0002", &body).await;
        s.refused(response, head, 422, code, Some(field)).await;
    }
    // Instants far in the past and the future: a sync of a physically aggregated entry.
    let register = CatalogCommand::RegisterAggregation(RegisterAggregation {
        method: AggregationMethod::Physical {
            full: true,
            real_time: true,
        },
    });
    let response = s
        .command(
            &police,
            "catalog",
            POPULATION,
            Uuid::new_v4(),
            &serde_json::to_value(register).unwrap(),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let head = s.head().await;
    for (instant, code, field) in [
        ("0001-01-01T00:00:00Z", "date-out-of-range", "synced_at"),
        ("1900-01-01T00:00:00Z", "date-out-of-range", "synced_at"),
        ("9999-12-31T23:59:59Z", "date-out-of-range", "synced_at"),
        // Near chrono's largest instant: its Beijing date is not computed past the end.
        ("+262142-12-31T23:59:59Z", "date-out-of-range", "synced_at"),
        ("2026-02-30T00:00:00Z", "validation", "RecordSync.synced_at"),
        ("2026-01-01T25:00:00Z", "validation", "RecordSync.synced_at"),
        ("2026-01-01", "validation", "RecordSync.synced_at"),
        // Within the calendar's years but after now: no sync has happened yet.
        ("2199-12-31T00:00:00Z", "validation", "synced_at"),
    ] {
        let body = json!({"RecordSync": {"synced_at": instant}});
        let response = s
            .command(&police, "catalog", POPULATION, Uuid::new_v4(), &body)
            .await;
        s.refused(response, head, 422, code, Some(field)).await;
    }
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_departments_case_is_403_to_read_and_to_act_on() {
    let s = on_sqlite().await;
    let head = s.head().await;
    let market = s.t.market.clone();
    // Read once the read models hold the case (before, the case is 404 to every department).
    for path in [
        format!("/v1/applications/{CASE}?min_position={head}"),
        format!("/v1/applications/{CASE}/timeline?min_position={head}"),
        format!("/v1/applications/{CASE}/evidence"),
        format!("/v1/departments/{HEALTH}/outbox?min_position={head}"),
        format!("/v1/departments/{POLICE}/inbox?min_position={head}"),
        format!("/v1/departments/{HEALTH}/trail?min_position={head}"),
        format!("/v1/deadlines?owed_by={POLICE}&min_position={head}"),
    ] {
        let response = s.get(&market, &path).await;
        let status = response.status().as_u16();
        let problem: Value = response.json().await.unwrap();
        assert_eq!(status, 403, "{path}: {problem}");
        assert_eq!(problem["code"], "not-visible", "{path}: {problem}");
        s.intact(head).await;
    }
    // Acting on it: withdrawing Health's application, agreeing in Police's stead.
    for body in [
        json!({"WithdrawShareApplication": {"reason": "不再需要"}}),
        agree(),
    ] {
        let response = s.share(&market, CASE, &body).await;
        let problem = s.refused(response, head, 403, "forbidden", None).await;
        assert!(
            problem["rule"].as_str().unwrap().starts_with("AUTH-"),
            "{problem}"
        );
    }
    // Submitting under the id of Health's case.
    let response = s.share(&market, CASE, &json_of(submission(CASE))).await;
    assert!(
        matches!(response.status().as_u16(), 403 | 409),
        "{}",
        response.status()
    );
    s.intact(head).await;
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_revoked_and_malformed_tokens_are_401() {
    let s = on_sqlite().await;
    let head = s.head().await;
    let bad: Vec<(Option<String>, &str)> = vec![
        (None, "missing-token"),
        (Some(format!("Bearer {}", s.t.expired)), "expired-token"),
        (Some(format!("Bearer {}", s.t.revoked)), "revoked-token"),
        (
            Some(format!("Bearer gst_{}", "0".repeat(64))),
            "invalid-token",
        ),
        (Some("Bearer".to_owned()), "invalid-token"),
        (Some("Bearer ".to_owned()), "invalid-token"),
        (Some(format!("Basic {}", s.t.police)), "invalid-token"),
        (Some(s.t.police.clone()), "invalid-token"),
        (Some(format!("Bearer {}x", s.t.police)), "invalid-token"),
        (Some("Bearer ' OR 1=1 --".to_owned()), "invalid-token"),
    ];
    for (authorization, code) in bad {
        let mut command = s
            .client
            .post(s.url(&format!("/v1/commands/share_application/{CASE}")))
            .header("Idempotency-Key", Uuid::new_v4().to_string())
            .json(&agree());
        let mut query = s
            .client
            .get(s.url(&format!("/v1/departments/{HEALTH}/outbox")));
        if let Some(value) = &authorization {
            command = command.header("Authorization", value);
            query = query.header("Authorization", value);
        }
        let response = command.send().await.unwrap();
        assert!(response.headers().contains_key("www-authenticate"));
        s.refused(response, head, 401, code, None).await;
        let response = query.send().await.unwrap();
        s.refused(response, head, 401, code, None).await;
    }
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replayed_idempotency_key_answers_once_and_refuses_another_body() {
    let s = on_sqlite().await;
    let police = s.t.police.clone();
    let key = Uuid::new_v4();
    let first = s
        .command(&police, "share_application", CASE, key, &agree())
        .await;
    assert_eq!(first.status(), StatusCode::OK);
    let original: Value = first.json().await.unwrap();
    let head = s.head().await;
    // The same key and body: the original answer, marked replayed, nothing recorded again.
    for _ in 0..3 {
        let replay = s
            .command(&police, "share_application", CASE, key, &agree())
            .await;
        assert_eq!(replay.status(), StatusCode::OK);
        assert_eq!(
            replay
                .headers()
                .get("idempotent-replayed")
                .and_then(|v| v.to_str().ok()),
            Some("true")
        );
        let answer: Value = replay.json().await.unwrap();
        assert_eq!(answer, original);
        s.intact(head).await;
    }
    let recorded = s
        .store
        .read_all(0, 10_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.metadata.command_id == key)
        .count();
    assert_eq!(recorded, original["events"].as_array().unwrap().len());
    // The same key with another body, and with the same body from another department.
    let other = json!({"AgreeToShare": {"conditions": "另一条件"}});
    let response = s
        .command(&police, "share_application", CASE, key, &other)
        .await;
    s.refused(
        response,
        head,
        422,
        "idempotency-key-reused",
        Some("Idempotency-Key"),
    )
    .await;
    let market = s.t.market.clone();
    let response = s
        .command(&market, "share_application", CASE, key, &agree())
        .await;
    s.refused(
        response,
        head,
        422,
        "idempotency-key-reused",
        Some("Idempotency-Key"),
    )
    .await;
    // Keys that are no UUID.
    for value in [
        "",
        "not-a-uuid",
        "00000000-0000-0000-0000-000000000000",
        "'; DROP TABLE events; --",
    ] {
        let response = s
            .client
            .post(s.url(&format!("/v1/commands/share_application/{CASE}")))
            .bearer_auth(&police)
            .header("Idempotency-Key", value)
            .json(&other)
            .send()
            .await
            .unwrap();
        s.refused(response, head, 400, "bad-request", Some("Idempotency-Key"))
            .await;
    }
    s.stop().await;
}

/// The SQL metacharacters every text is tried with.
const METACHARACTERS: [&str; 6] = [
    "'; DROP TABLE events; --",
    "\" OR 1=1",
    "%",
    "_",
    "\\",
    "\u{0}",
];

/// Each metacharacter in every text field of a share application and in its id (a path segment): the
/// application is recorded and read back equal through the case, the outbox and the evidence bundle, or
/// refused with a 422; in query parameters and path segments of the queries it finds nothing (never
/// everything, as `%` would in a `LIKE`) or is refused with a 400.
async fn sql_metacharacters(s: &Server) {
    let health = s.t.health.clone();
    let authority = s.t.authority.clone();
    for (n, meta) in METACHARACTERS.iter().enumerate() {
        let id = format!("SA-META-{n}{meta}");
        let text = |field: &str| format!("{field} {meta} 文本");
        let mut body = json_of(submission(&id));
        let scenario = &mut body["SubmitShareApplication"]["scenario"];
        for field in [
            "purpose",
            "purpose_code",
            "legal_basis",
            "business_system",
            "expected_frequency",
        ] {
            scenario[field] = json!(text(field));
        }
        body["SubmitShareApplication"]["materials"] = json!([text("materials")]);
        let head = s.head().await;
        let response = s.share(&health, &id, &body).await;
        if meta.contains('\0') {
            // NUL: refused in the path (400), and in every text of the body (422, the field named).
            s.refused(response, head, 400, "bad-request", Some("path"))
                .await;
            let plain = format!("SA-META-{n}");
            body["SubmitShareApplication"]["application_id"] = json!(plain);
            let response = s.share(&health, &plain, &body).await;
            let problem = s.refused(response, head, 422, "validation", None).await;
            assert_eq!(
                problem["field"], "SubmitShareApplication.materials[0]",
                "{problem}"
            );
            for field in [
                "purpose",
                "purpose_code",
                "legal_basis",
                "business_system",
                "expected_frequency",
            ] {
                let mut body = json_of(submission(&plain));
                body["SubmitShareApplication"]["scenario"][field] = json!(text(field));
                let response = s.share(&health, &plain, &body).await;
                s.refused(
                    response,
                    head,
                    422,
                    "validation",
                    Some(&format!("SubmitShareApplication.scenario.{field}")),
                )
                .await;
            }
            continue;
        }
        let status = response.status().as_u16();
        let answer: Value = response.json().await.unwrap();
        assert_eq!(status, 200, "{meta:?}: {answer}");
        let position = answer["position"].as_u64().unwrap();
        assert_eq!(answer["stream"]["aggregate_id"], json!(id));
        // The case, by its id in the path.
        let response = s
            .get(
                &health,
                &format!("/v1/applications/{}?min_position={position}", enc(&id)),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        let case: Value = response.json().await.unwrap();
        assert_eq!(case["application"]["application_id"], json!(id), "{case}");
        // The submission as recorded, from the evidence bundle.
        let response = s
            .get(&health, &format!("/v1/applications/{}/evidence", enc(&id)))
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        let bundle: Value = response.json().await.unwrap();
        let submitted = bundle["events"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| {
                e["event_type"] == "ShareApplicationSubmitted" && e["aggregate_id"] == json!(id)
            })
            .unwrap_or_else(|| panic!("{meta:?}: no submission in {bundle}"));
        let payload: Value = serde_json::from_str(submitted["payload"].as_str().unwrap()).unwrap();
        assert_eq!(payload["application_id"], json!(id));
        assert_eq!(
            payload["scenario"],
            body["SubmitShareApplication"]["scenario"]
        );
        assert_eq!(
            payload["materials"],
            body["SubmitShareApplication"]["materials"]
        );
        // The timeline.
        let response = s
            .get(&health, &format!("/v1/applications/{}/timeline", enc(&id)))
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        let timeline: Value = response.json().await.unwrap();
        assert!(
            timeline["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|e| e["stream"]["aggregate_id"] == json!(id)),
            "{timeline}"
        );
    }
    // A data item that is not the entry's: refused, whatever its characters.
    for meta in METACHARACTERS {
        let head = s.head().await;
        let mut body = json_of(submission("SA-META-ITEM"));
        body["SubmitShareApplication"]["scenario"]["data_items"] = json!(["姓名", meta]);
        let response = s.share(&health, "SA-META-ITEM", &body).await;
        let problem = assert_problem(response, 422, "validation", None).await;
        assert!(
            problem["field"]
                .as_str()
                .is_some_and(|f| f.contains("data_items")),
            "{problem}"
        );
        s.intact(head).await;
    }
    // In the queries' path segments and parameters: nothing found, or a 400; never a 500, never all.
    let head = s.head().await;
    for meta in METACHARACTERS {
        let m = enc(meta);
        for (token, path) in [
            (&authority, format!("/v1/applications/{m}")),
            (&authority, format!("/v1/applications/{m}/timeline")),
            (&authority, format!("/v1/grants/{m}")),
            (&authority, format!("/v1/incidents/{m}")),
            (&authority, format!("/v1/catalog/entries/{m}")),
            (&authority, format!("/v1/departments/{m}/inbox")),
            (&authority, format!("/v1/departments/{m}/outbox")),
            (&authority, format!("/v1/departments/{m}/grants")),
            (&authority, format!("/v1/departments/{m}/trail")),
            (&authority, format!("/v1/departments/{m}/incidents")),
            (&authority, format!("/v1/deadlines?owed_by={m}")),
            (&authority, format!("/v1/catalog/entries?provider={m}")),
            (
                &authority,
                format!("/v1/departments/{HEALTH}/outbox?cursor={m}"),
            ),
            (&authority, format!("/v1/deadlines?status={m}")),
            (
                &authority,
                format!("/v1/assessment?period={m}&scope=region:130000"),
            ),
            (&authority, format!("/v1/assessment?period=2026&scope={m}")),
        ] {
            let response = s.get(token, &path).await;
            let status = response.status().as_u16();
            let body: Value = response.json().await.unwrap();
            match status {
                200 => {
                    let items = body["items"].as_array();
                    assert!(
                        items.is_some_and(Vec::is_empty),
                        "{path}: found something: {body}"
                    );
                }
                400 | 403 | 404 | 422 => {
                    assert!(body["code"].is_string(), "{path}: {body}");
                }
                _ => panic!("{path}: {status} {body}"),
            }
            s.intact(head).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sql_metacharacters_on_sqlite() {
    let s = on_sqlite().await;
    sql_metacharacters(&s).await;
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sql_metacharacters_on_postgres() {
    let s = on_postgres("bad_input_sql").await;
    sql_metacharacters(&s).await;
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blank_texts_are_422_validation() {
    let s = on_sqlite().await;
    let head = s.head().await;
    let health = s.t.health.clone();
    let police = s.t.police.clone();
    for blank in ["", "   ", "\u{3000}\t\n", "\u{200B}\u{FEFF}"] {
        let response = s
            .share(
                &health,
                CASE,
                &json!({"WithdrawShareApplication": {"reason": blank}}),
            )
            .await;
        s.refused(response, head, 422, "validation", None).await;
        let response = s
            .share(
                &police,
                CASE,
                &json!({"RefuseToShare": {"reasons": blank,
                    "basis": {"kind": "law", "instrument": "《中华人民共和国个人信息保护法》", "provision": "第六条"}}}),
            )
            .await;
        s.refused(response, head, 422, "validation", None).await;
        let response = s
            .share(
                &police,
                CASE,
                &json!({"RefuseToShare": {"reasons": "超出履职需要",
                    "basis": {"kind": "law", "instrument": blank, "provision": "第六条"}}}),
            )
            .await;
        s.refused(response, head, 422, "validation", None).await;
        let response = s
            .share(
                &police,
                CASE,
                &json!({"AgreeToShare": {"conditions": blank}}),
            )
            .await;
        s.refused(response, head, 422, "validation", None).await;
        // A blank application id, in the body and in the path.
        let mut body = json_of(submission(blank));
        body["SubmitShareApplication"]["application_id"] = json!(blank);
        let response = s
            .share(&health, &format!("SA-BLANK{}", blank.len()), &body)
            .await;
        s.refused(response, head, 422, "validation", None).await;
    }
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blank_scenario_texts_are_recorded_as_missing() {
    // 第十九条: an application whose scenario lacks a part is received and returned for supplement, so
    // the submission is recorded, naming what is missing.
    let s = on_sqlite().await;
    let head = s.head().await;
    let health = s.t.health.clone();
    let mut body = json_of(submission("SA-BLANK-SCENARIO"));
    body["SubmitShareApplication"]["scenario"]["purpose"] = json!(" \u{3000} ");
    body["SubmitShareApplication"]["scenario"]["legal_basis"] = json!("\u{200B}");
    let answer = s.ok(&health, "SA-BLANK-SCENARIO", &body).await;
    let position = answer["position"].as_u64().unwrap();
    assert!(position > head);
    assert_eq!(
        answer["events"][0]["payload"]["scenario_missing"],
        json!(["purpose", "legal_basis"]),
        "{answer}"
    );
    s.intact(position).await;
    s.stop().await;
}

/// `docs/bad-input.md` cites, in the last column of its tables, the tests that prove each row, as
/// `` `tests/bad_input.rs::name` `` or `` `crates/cli/tests/bad_input.rs::name` ``. Every citation is a test
/// function of that file, every row cites at least one, and every test of both files is cited.
#[test]
fn the_bad_input_table_cites_tests_that_exist() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap();
    let doc = std::fs::read_to_string(root.join("docs/bad-input.md")).unwrap();
    let mut tests = std::collections::BTreeSet::new();
    for file in ["tests/bad_input.rs", "crates/cli/tests/bad_input.rs"] {
        let source = std::fs::read_to_string(root.join(file)).unwrap();
        let mut attribute = false;
        for line in source.lines().map(str::trim) {
            if line.starts_with("#[test]") || line.starts_with("#[tokio::test") {
                attribute = true;
            } else if attribute
                && let Some(rest) = line.strip_prefix("async fn ").or(line.strip_prefix("fn "))
            {
                let name = rest.split('(').next().unwrap();
                tests.insert(format!("{file}::{name}"));
                attribute = false;
            }
        }
    }
    assert!(tests.len() >= 20, "{tests:?}");
    let mut cited = std::collections::BTreeSet::new();
    let mut rows = 0;
    for line in doc.lines().filter(|l| l.starts_with('|')) {
        let last = line
            .trim()
            .trim_end_matches('|')
            .rsplit('|')
            .next()
            .unwrap()
            .trim();
        if last == "test" || last.starts_with("---") {
            continue;
        }
        rows += 1;
        let citations: Vec<&str> = last
            .split('`')
            .skip(1)
            .step_by(2)
            .filter(|c| c.contains("::"))
            .collect();
        assert!(!citations.is_empty(), "a row cites no test: {line}");
        for citation in citations {
            assert!(
                tests.contains(citation),
                "docs/bad-input.md cites {citation}, which is no test:\n{line}"
            );
            cited.insert(citation.to_owned());
        }
    }
    assert!(rows >= 30, "only {rows} rows");
    let this = "tests/bad_input.rs::the_bad_input_table_cites_tests_that_exist";
    let uncited: Vec<&String> = tests
        .iter()
        .filter(|t| !cited.contains(*t) && t.as_str() != this)
        .collect();
    assert!(
        uncited.is_empty(),
        "tests no row of docs/bad-input.md cites: {uncited:?}"
    );
}
