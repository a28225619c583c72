//! The HTTP service against a real server bound to 127.0.0.1:0, on a SQLite file and on a throwaway
//! PostgreSQL 15 database: a conditional application (第十九条) from submission to provision through two
//! departments' tokens, a refusal overturned through an objection, and a problem+json refusal for every kind
//! of bad request, with the log's head unchanged after each refusal.

use std::sync::{Arc, Mutex};

use chrono::{Datelike, Utc};
use govshare_app::{App, AppConfig};
use govshare_domain::share_application::{
    AgreeToShare, ConcludeObjection, ForwardToProvider, ObjectionOutcome, ProvideShare,
    RaiseObjection, RefusalBasis, RefusalBasisKind, RefuseToShare, ShareCommand,
    WithdrawShareApplication,
};

use govshare_e2e::http::{Tokens, assert_problem, tokens};
use govshare_e2e::province::{AUTHORITY, HEALTH, MARKET, POLICE, POPULATION, seed, submission};
use govshare_engine::EngineConfig;
use govshare_server::{AppHandle, ServerConfig, TokenStore};
use govshare_store::EventStore;
use govshare_testkit::province;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::sync::oneshot;
use uuid::Uuid;

const APPLICATION: &str = "SA-HTTP-0001";

struct Fixture {
    base: String,
    client: reqwest::Client,
    store: Arc<dyn EventStore>,
    tokens: Tokens,
    stop: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
    app: Option<App>,
    /// Every command body sent: (aggregate, body, status of the answer).
    sent: Mutex<Vec<(String, Value, StatusCode)>>,
    /// Every GET answered: (path and query, status, body).
    read: Mutex<Vec<(String, StatusCode, Value)>>,
}

async fn start(db: &str) -> Fixture {
    let config =
        AppConfig::with_engine(EngineConfig::new(db).with_categories(province::categories()));
    let app = App::open(config).await.unwrap();
    seed(&app).await;
    let store = TokenStore::open(db).await.unwrap();
    let tokens = tokens(&store).await;
    // The suite sends bursts no client would; the rate limit is tested in ops.rs.
    let config = ServerConfig {
        rate_limit: None,
        ..ServerConfig::default()
    };
    let handle = AppHandle::new(&app, store, config);
    let govshare_e2e::Running {
        base,
        stop,
        task: server,
    } = govshare_e2e::serve(handle).await;
    Fixture {
        base,
        client: reqwest::Client::new(),
        store: app.store().clone(),
        tokens,
        stop: Some(stop),
        server: Some(server),
        app: Some(app),
        sent: Mutex::default(),
        read: Mutex::default(),
    }
}

impl Fixture {
    async fn head(&self) -> u64 {
        self.store.head().await.unwrap().position
    }

    async fn command(
        &self,
        token: &str,
        aggregate: &str,
        id: &str,
        key: Uuid,
        body: &Value,
    ) -> reqwest::Response {
        let response = self
            .client
            .post(format!("{}/v1/commands/{aggregate}/{id}", self.base))
            .bearer_auth(token)
            .header("Idempotency-Key", key.to_string())
            .json(body)
            .send()
            .await
            .unwrap();
        self.sent
            .lock()
            .unwrap()
            .push((aggregate.to_owned(), body.clone(), response.status()));
        response
    }

    async fn share(&self, token: &str, command: ShareCommand) -> (Value, Uuid) {
        self.share_on(APPLICATION, token, command).await
    }

    async fn share_on(&self, id: &str, token: &str, command: ShareCommand) -> (Value, Uuid) {
        let key = Uuid::new_v4();
        let body = serde_json::to_value(&command).unwrap();
        let response = self
            .command(token, "share_application", id, key, &body)
            .await;
        let status = response.status();
        let json: Value = response.json().await.unwrap();
        assert_eq!(status, StatusCode::OK, "{json}");
        (json, key)
    }

    async fn get(&self, token: &str, path: &str) -> (StatusCode, Value) {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        self.read
            .lock()
            .unwrap()
            .push((path.to_owned(), status, body.clone()));
        (status, body)
    }

    /// The independent check of the OpenAPI document's schemas: every command body the server accepted (serde
    /// parsed it) and every answer it gave to a GET is valid against its schema in the served document.
    async fn check_against_document(&self) {
        let doc: Value = self
            .client
            .get(format!("{}/openapi.json", self.base))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let sent = std::mem::take(&mut *self.sent.lock().unwrap());
        let mut detailed = 0;
        for (aggregate, body, status) in &sent {
            if *status != StatusCode::OK {
                continue;
            }
            let component = match aggregate.as_str() {
                "share_application" => "ShareCommand",
                "catalog" => "CatalogCommand",
                _ => "CommandBody",
            };
            if component != "CommandBody" {
                detailed += 1;
            }
            for name in [component, "CommandBody"] {
                let schema = json!({ "$ref": format!("#/components/schemas/{name}") });
                assert_valid(
                    &doc,
                    &schema,
                    body,
                    &format!("{aggregate} command as {name}"),
                );
            }
        }
        assert!(
            detailed >= 5,
            "too few accepted share_application or catalog commands to check the schemas: {detailed}"
        );
        let read = std::mem::take(&mut *self.read.lock().unwrap());
        let mut answers = 0;
        for (path, status, body) in &read {
            if *status != StatusCode::OK {
                continue;
            }
            let Some(schema) = answer_schema(&doc, path) else {
                panic!("GET {path} answered 200 but the document has no JSON answer for it");
            };
            assert_valid(&doc, &schema, body, &format!("GET {path}"));
            answers += 1;
        }
        assert!(
            answers >= 5,
            "too few answers to check the schemas: {answers}"
        );
    }

    /// A refusal: the status, the problem+json body with its code (and field, if given), and the log's head
    /// unchanged.
    async fn refused(
        &self,
        response: reqwest::Response,
        head: u64,
        status: u16,
        code: &str,
        field: Option<&str>,
    ) -> Value {
        let problem = assert_problem(response, status, code, field).await;
        assert_eq!(self.head().await, head, "a refusal recorded something");
        problem
    }

    async fn stop(mut self) {
        self.check_against_document().await;
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

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["application_id"].as_str().unwrap().to_owned())
        .collect()
}

async fn suite(db: &str) {
    let f = start(db).await;
    let t = &f.tokens;

    // Health, the requester, submits; the authority finds it in its inbox.
    let (submitted, _) = f.share(&t.health, submission(APPLICATION)).await;
    let position = submitted["position"].as_u64().unwrap();
    assert!(position > 0);
    assert_eq!(submitted["stream"]["aggregate_id"], APPLICATION);
    let (status, inbox) = f
        .get(
            &t.authority,
            &format!("/v1/departments/{AUTHORITY}/inbox?min_position={position}"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{inbox}");
    assert_eq!(ids(&inbox), vec![APPLICATION]);
    let (status, outbox) = f
        .get(
            &t.health,
            &format!("/v1/departments/{HEALTH}/outbox?min_position={position}"),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ids(&outbox), vec![APPLICATION]);

    // The authority forwards it to the provider.
    let forward = ShareCommand::ForwardToProvider(ForwardToProvider {
        review_opinion: "应用场景明确，依据充分，转提供部门".into(),
    });
    let (forwarded, forward_key) = f.share(&t.authority, forward.clone()).await;
    let position = forwarded["position"].as_u64().unwrap();
    let (_, inbox) = f
        .get(
            &t.police,
            &format!("/v1/departments/{POLICE}/inbox?min_position={position}"),
        )
        .await;
    assert_eq!(ids(&inbox), vec![APPLICATION]);

    // ---- Refusals: each one problem+json, nothing recorded. ----
    let head = f.head().await;
    let agree = json!({"AgreeToShare": {"conditions": "仅限身份核验，不得留存"}});

    // A replayed Idempotency-Key gets the original answer and records nothing.
    let replay = f
        .command(
            &t.authority,
            "share_application",
            APPLICATION,
            forward_key,
            &serde_json::to_value(&forward).unwrap(),
        )
        .await;
    assert_eq!(replay.status(), StatusCode::OK);
    assert_eq!(
        replay
            .headers()
            .get("idempotent-replayed")
            .and_then(|v| v.to_str().ok()),
        Some("true")
    );
    let replayed: Value = replay.json().await.unwrap();
    assert_eq!(replayed, forwarded);
    assert_eq!(f.head().await, head);
    // The same key with another body.
    let response = f
        .command(
            &t.police,
            "share_application",
            APPLICATION,
            forward_key,
            &agree,
        )
        .await;
    f.refused(
        response,
        head,
        422,
        "idempotency-key-reused",
        Some("Idempotency-Key"),
    )
    .await;
    // Malformed JSON.
    let response = f
        .client
        .post(format!(
            "{}/v1/commands/share_application/{APPLICATION}",
            f.base
        ))
        .bearer_auth(&t.police)
        .header("Idempotency-Key", Uuid::new_v4().to_string())
        .header("Content-Type", "application/json")
        .body("{\"AgreeToShare\": {")
        .send()
        .await
        .unwrap();
    f.refused(response, head, 400, "malformed-json", None).await;
    // An unknown field.
    let response = f
        .command(
            &t.police,
            "share_application",
            APPLICATION,
            Uuid::new_v4(),
            &json!({"AgreeToShare": {"conditions": null, "colour": "red"}}),
        )
        .await;
    f.refused(
        response,
        head,
        422,
        "validation",
        Some("AgreeToShare.colour"),
    )
    .await;
    // A wrong type.
    let response = f
        .command(
            &t.police,
            "share_application",
            APPLICATION,
            Uuid::new_v4(),
            &json!({"AgreeToShare": {"conditions": 42}}),
        )
        .await;
    f.refused(
        response,
        head,
        422,
        "validation",
        Some("AgreeToShare.conditions"),
    )
    .await;
    // No token, a wrong one, an expired one, a revoked one.
    let response = f
        .client
        .post(format!(
            "{}/v1/commands/share_application/{APPLICATION}",
            f.base
        ))
        .header("Idempotency-Key", Uuid::new_v4().to_string())
        .json(&agree)
        .send()
        .await
        .unwrap();
    assert!(response.headers().contains_key("www-authenticate"));
    f.refused(response, head, 401, "missing-token", None).await;
    for (token, code) in [
        (format!("gst_{}", "0".repeat(64)), "invalid-token"),
        ("not-a-token".to_owned(), "invalid-token"),
        (t.expired.clone(), "expired-token"),
        (t.revoked.clone(), "revoked-token"),
    ] {
        let response = f
            .command(
                &token,
                "share_application",
                APPLICATION,
                Uuid::new_v4(),
                &agree,
            )
            .await;
        f.refused(response, head, 401, code, None).await;
        let response = f
            .client
            .get(format!("{}/v1/departments/{HEALTH}/outbox", f.base))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        f.refused(response, head, 401, code, None).await;
    }
    // Another department acting on the case (the domain's table: AUTH-03), and seeing it.
    let withdraw = serde_json::to_value(ShareCommand::WithdrawShareApplication(
        WithdrawShareApplication {
            reason: "不再需要".into(),
        },
    ))
    .unwrap();
    let response = f
        .command(
            &t.market,
            "share_application",
            APPLICATION,
            Uuid::new_v4(),
            &withdraw,
        )
        .await;
    let problem = f.refused(response, head, 403, "forbidden", None).await;
    assert!(problem["rule"].as_str().unwrap().starts_with("AUTH-"));
    let response = f
        .client
        .get(format!("{}/v1/applications/{APPLICATION}", f.base))
        .bearer_auth(&t.market)
        .send()
        .await
        .unwrap();
    f.refused(response, head, 403, "not-visible", None).await;
    let response = f
        .client
        .get(format!("{}/v1/departments/{HEALTH}/outbox", f.base))
        .bearer_auth(&t.market)
        .send()
        .await
        .unwrap();
    f.refused(response, head, 403, "not-visible", None).await;
    // A state conflict: the requester cannot provide.
    let response = f
        .command(
            &t.health,
            "share_application",
            APPLICATION,
            Uuid::new_v4(),
            &json!({"ProvideShare": {"grant_id": "GR-X"}}),
        )
        .await;
    assert!(matches!(response.status().as_u16(), 403 | 409));
    assert_eq!(f.head().await, head);
    // A date that does not exist.
    let mut body = serde_json::to_value(submission("SA-HTTP-0009")).unwrap();
    body["SubmitShareApplication"]["scenario"]["use_until"] = json!("2026-02-30");
    let response = f
        .command(
            &t.health,
            "share_application",
            "SA-HTTP-0009",
            Uuid::new_v4(),
            &body,
        )
        .await;
    f.refused(
        response,
        head,
        422,
        "validation",
        Some("SubmitShareApplication.scenario.use_until"),
    )
    .await;
    // Well-formed dates outside the years the working-day calendar counts (1949–2199): a 第十一条 update
    // deadline counted from a change in 1900 cannot be computed, and a change dated 2200 lies beyond it.
    for (aggregate, id, token, body, field) in [
        (
            "catalog",
            POPULATION,
            &t.police,
            json!({"RecordCatalogChange": {"cause": "law_or_regulation",
                "description": "《河北省数据条例》修订", "changed_on": "1900-03-01"}}),
            "changed_on",
        ),
        (
            "catalog",
            POPULATION,
            &t.police,
            json!({"RecordCatalogChange": {"cause": "law_or_regulation",
                "description": "《河北省数据条例》修订", "changed_on": "2200-03-01"}}),
            "changed_on",
        ),
    ] {
        let response = f.command(token, aggregate, id, Uuid::new_v4(), &body).await;
        let status = response.status().as_u16();
        let problem: Value = response.json().await.unwrap();
        assert_eq!(status, 422, "{body}: {problem}");
        assert!(
            matches!(
                problem["type"].as_str(),
                Some("urn:govshare:problem:date-out-of-range" | "urn:govshare:problem:validation")
            ),
            "{body}: {problem}"
        );
        assert_eq!(problem["field"], json!(field), "{body}: {problem}");
        assert_eq!(f.head().await, head, "{body} recorded something");
    }
    // A method the route does not take.
    let response = f
        .client
        .delete(format!("{}/v1/applications/{APPLICATION}", f.base))
        .bearer_auth(&t.health)
        .send()
        .await
        .unwrap();
    f.refused(response, head, 405, "method-not-allowed", None)
        .await;
    // An oversized body.
    let big = json!({"AgreeToShare": {"conditions": "长".repeat(40_000)}});
    let response = f
        .command(
            &t.police,
            "share_application",
            APPLICATION,
            Uuid::new_v4(),
            &big,
        )
        .await;
    f.refused(response, head, 413, "body-too-large", None).await;
    // A body that is not JSON by its type.
    let response = f
        .client
        .post(format!(
            "{}/v1/commands/share_application/{APPLICATION}",
            f.base
        ))
        .bearer_auth(&t.police)
        .header("Idempotency-Key", Uuid::new_v4().to_string())
        .header("Content-Type", "text/plain")
        .body(agree.to_string())
        .send()
        .await
        .unwrap();
    f.refused(response, head, 415, "unsupported-media-type", None)
        .await;
    // No Idempotency-Key; an unknown aggregate; an unknown route.
    let response = f
        .client
        .post(format!(
            "{}/v1/commands/share_application/{APPLICATION}",
            f.base
        ))
        .bearer_auth(&t.police)
        .json(&agree)
        .send()
        .await
        .unwrap();
    f.refused(response, head, 400, "bad-request", Some("Idempotency-Key"))
        .await;
    let response = f
        .command(&t.police, "nothing", "x", Uuid::new_v4(), &agree)
        .await;
    f.refused(response, head, 404, "not-found", None).await;
    let response = f
        .client
        .get(format!("{}/v1/nothing", f.base))
        .send()
        .await
        .unwrap();
    f.refused(response, head, 404, "not-found", None).await;

    // ---- The provider agrees with conditions; the authority provides. ----
    let (agreed, _) = f
        .share(
            &t.police,
            ShareCommand::AgreeToShare(AgreeToShare {
                conditions: Some("仅限身份核验，不得留存".into()),
            }),
        )
        .await;
    assert!(agreed["position"].as_u64().unwrap() > head);
    let (provided, _) = f
        .share(
            &t.authority,
            ShareCommand::ProvideShare(ProvideShare {
                grant_id: "GR-HTTP-0001".into(),
            }),
        )
        .await;
    let position = provided["position"].as_u64().unwrap();

    let (status, case) = f
        .get(
            &t.health,
            &format!("/v1/applications/{APPLICATION}?min_position={position}"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{case}");
    assert_eq!(case["application"]["status"], "provided", "{case}");
    assert_eq!(case["application"]["grant_id"], "GR-HTTP-0001");
    assert!(!case["deadlines"].as_array().unwrap().is_empty());
    // The provider sees the case it provides for; its inbox is empty again.
    let (status, seen) = f
        .get(&t.police, &format!("/v1/applications/{APPLICATION}"))
        .await;
    assert_eq!(status, StatusCode::OK, "{seen}");
    let (_, inbox) = f
        .get(
            &t.police,
            &format!("/v1/departments/{POLICE}/inbox?min_position={position}"),
        )
        .await;
    assert!(ids(&inbox).is_empty());

    // The timeline, two events a page.
    let (status, first) = f
        .get(
            &t.health,
            &format!("/v1/applications/{APPLICATION}/timeline?limit=2&min_position={position}"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(first["items"].as_array().unwrap().len(), 2);
    let cursor = first["next_cursor"].as_str().unwrap().to_owned();
    let mut events: Vec<String> = first["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event_type"].as_str().unwrap().to_owned())
        .collect();
    let mut next = Some(cursor);
    while let Some(cursor) = next {
        let (status, page) = f
            .get(
                &t.health,
                &format!("/v1/applications/{APPLICATION}/timeline?limit=2&cursor={cursor}"),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        events.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["event_type"].as_str().unwrap().to_owned()),
        );
        next = page["next_cursor"].as_str().map(str::to_owned);
    }
    assert!(events.len() >= 4, "{events:?}");
    let (status, _) = f
        .get(
            &t.health,
            &format!("/v1/applications/{APPLICATION}/timeline?cursor=zz"),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // The catalog, the open deadlines, the grant.
    let (status, catalog) = f
        .get(
            &t.market,
            &format!("/v1/catalog/entries?published=true&min_position={position}"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{catalog}");
    assert_eq!(catalog["items"][0]["entry_id"], POPULATION);
    let (status, deadlines) = f.get(&t.authority, "/v1/deadlines?status=open").await;
    assert_eq!(status, StatusCode::OK, "{deadlines}");
    assert!(deadlines["items"].is_array());
    let (status, _) = f
        .get(&t.market, &format!("/v1/deadlines?owed_by={POLICE}"))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, overdue) = f.get(&t.police, "/v1/deadlines?status=overdue").await;
    assert_eq!(status, StatusCode::OK);
    assert!(overdue["items"].as_array().unwrap().is_empty());
    let (status, grants) = f
        .get(
            &t.health,
            &format!("/v1/departments/{HEALTH}/grants?min_position={position}"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{grants}");
    // Whether provision issues the grant is the grant policy's (planned); the list answers either way.
    assert!(grants["items"].is_array());
    let (status, _) = f.get(&t.market, "/v1/grants/GR-NONE").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // ---- A refusal overturned through an objection (第十九条). ----
    const SECOND: &str = "SA-HTTP-0002";
    f.share_on(SECOND, &t.health, submission(SECOND)).await;
    f.share_on(SECOND, &t.authority, forward.clone()).await;
    f.share_on(
        SECOND,
        &t.police,
        ShareCommand::RefuseToShare(RefuseToShare {
            reasons: "申请的数据项超出履职需要".into(),
            basis: RefusalBasis {
                kind: RefusalBasisKind::Law,
                instrument: "《中华人民共和国个人信息保护法》".into(),
                provision: "第六条".into(),
            },
        }),
    )
    .await;
    let (objected, _) = f
        .share_on(
            SECOND,
            &t.health,
            ShareCommand::RaiseObjection(RaiseObjection {
                reasons: "身份核验属于医疗救助的法定职责".into(),
            }),
        )
        .await;
    let position = objected["position"].as_u64().unwrap();
    let (_, inbox) = f
        .get(
            &t.authority,
            &format!("/v1/departments/{AUTHORITY}/inbox?min_position={position}"),
        )
        .await;
    assert!(ids(&inbox).contains(&SECOND.to_owned()), "{inbox}");
    // The provider cannot conclude the objection; the authority can.
    let conclude = ShareCommand::ConcludeObjection(ConcludeObjection {
        outcome: ObjectionOutcome::Upheld,
        conclusion: "异议成立，应予共享".into(),
    });
    let head = f.head().await;
    let response = f
        .command(
            &t.police,
            "share_application",
            SECOND,
            Uuid::new_v4(),
            &serde_json::to_value(&conclude).unwrap(),
        )
        .await;
    f.refused(response, head, 403, "forbidden", None).await;
    f.share_on(SECOND, &t.authority, conclude).await;
    let (provided, _) = f
        .share_on(
            SECOND,
            &t.authority,
            ShareCommand::ProvideShare(ProvideShare {
                grant_id: "GR-HTTP-0002".into(),
            }),
        )
        .await;
    let position = provided["position"].as_u64().unwrap();
    let (status, case) = f
        .get(
            &t.health,
            &format!("/v1/applications/{SECOND}?min_position={position}"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{case}");
    assert_eq!(case["application"]["status"], "provided", "{case}");
    let (_, outbox) = f
        .get(
            &t.health,
            &format!("/v1/departments/{HEALTH}/outbox?min_position={position}"),
        )
        .await;
    assert_eq!(ids(&outbox), vec![APPLICATION, SECOND]);

    // The case's evidence bundle checks offline; another department cannot export it.
    let response = f
        .client
        .get(format!("{}/v1/applications/{APPLICATION}/evidence", f.base))
        .bearer_auth(&t.health)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    let report = govshare_audit::check_bundle_json(&text, None).unwrap();
    assert!(report.case_events >= 4, "{report:?}");
    let (status, _) = f
        .get(
            &t.market,
            &format!("/v1/applications/{APPLICATION}/evidence"),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The assessment report (第三十八条): a region's for the authority, a department's own for it.
    let year = Utc::now().year();
    let (status, report) = f
        .get(
            &t.authority,
            &format!("/v1/assessment?period={year}&scope=region:130000"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["article"], "第三十八条", "{report}");
    let (status, _) = f
        .get(
            &t.market,
            &format!("/v1/assessment?period={year}&scope=region:130000"),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let response = f
        .client
        .get(format!(
            "{}/v1/assessment?period={year}&scope=department:{MARKET}&format=csv",
            f.base
        ))
        .bearer_auth(&t.market)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let (status, problem) = f
        .get(
            &t.authority,
            "/v1/assessment?period=someday&scope=region:130000",
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(problem["field"], "period");

    // Incidents and a department's audit trail.
    let (status, incidents) = f
        .get(&t.health, &format!("/v1/departments/{HEALTH}/incidents"))
        .await;
    assert_eq!(status, StatusCode::OK, "{incidents}");
    assert!(incidents["items"].as_array().unwrap().is_empty());
    let (status, trail) = f
        .get(
            &t.health,
            &format!("/v1/departments/{HEALTH}/trail?min_position={position}"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{trail}");
    let trail = trail["items"].as_array().unwrap();
    assert!(!trail.is_empty() && trail.iter().all(|e| e["department"] == HEALTH));
    let (status, _) = f
        .get(&t.market, &format!("/v1/departments/{HEALTH}/trail"))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Health and readiness.
    let (status, _) = f.get("", "/healthz").await;
    assert_eq!(status, StatusCode::OK);
    let (status, ready) = f.get("", "/readyz").await;
    assert_eq!(status, StatusCode::OK, "{ready}");
    assert_eq!(ready["head"], f.head().await);

    f.stop().await;
}

/// The schema of the 200 JSON answer of `GET path` (its query string ignored), as the document names it.
fn answer_schema(doc: &Value, path: &str) -> Option<Value> {
    let path = path.split('?').next().unwrap_or(path);
    let segments: Vec<&str> = path.split('/').collect();
    let (_, item) = doc["paths"].as_object()?.iter().find(|(template, _)| {
        let parts: Vec<&str> = template.split('/').collect();
        parts.len() == segments.len()
            && parts
                .iter()
                .zip(&segments)
                .all(|(t, s)| t == s || (t.starts_with('{') && t.ends_with('}')))
    })?;
    let schema = &item["get"]["responses"]["200"]["content"]["application/json"]["schema"];
    (!schema.is_null()).then(|| schema.clone())
}

/// Validates `instance` against `schema` (which may refer into the document's components) with JSON Schema
/// 2020-12, formats (`date`, `date-time`) asserted; panics with every complaint.
fn assert_valid(doc: &Value, schema: &Value, instance: &Value, what: &str) {
    let mut root = schema.clone();
    root["components"] = doc["components"].clone();
    let validator = jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&root)
        .unwrap_or_else(|e| panic!("{what}: the schema does not compile: {e}"));
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{} ({}): {e}", e.instance_path(), e.schema_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what}: the document's schema refuses what the server accepted or answered:\n{}\n{instance}",
        errors.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("govshare.db").display().to_string();
    suite(&db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_on_postgres() {
    let url = govshare_testkit::shared_cluster()
        .fresh_database("server")
        .await
        .unwrap();
    suite(&url).await;
}
