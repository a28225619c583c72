//! Two servers on one PostgreSQL database, as the README's deployment behind a load balancer runs them: each
//! opens its own `App` (store, engine, read-model runner, scheduler) on the same database. A command through one
//! is read through the other; a retry of its `Idempotency-Key` through the other answers the original and
//! records nothing; commands sent through both at once are all recorded once, in one chain that verifies.

use govshare_app::{App, AppConfig};
use govshare_domain::Role;
use govshare_e2e::province::{AUTHORITY, HEALTH, seed, submission, token};
use govshare_engine::EngineConfig;
use govshare_server::{AppHandle, ServerConfig, TokenStore};
use govshare_testkit::province;
use reqwest::StatusCode;
use serde_json::Value;
use uuid::Uuid;

struct Instance {
    base: String,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
    app: App,
}

async fn instance(url: &str) -> Instance {
    let config =
        AppConfig::with_engine(EngineConfig::new(url).with_categories(province::categories()));
    let mut app = App::open(config).await.unwrap();
    app.run_background();
    let tokens = TokenStore::open(url).await.unwrap();
    let handle = AppHandle::new(&app, tokens, ServerConfig::default());
    let govshare_e2e::Running { base, stop, task } = govshare_e2e::serve(handle).await;
    Instance {
        base,
        stop,
        task,
        app,
    }
}

async fn submit(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    id: &str,
    key: Uuid,
) -> reqwest::Response {
    let body = serde_json::to_value(submission(id)).unwrap();
    client
        .post(format!("{base}/v1/commands/share_application/{id}"))
        .bearer_auth(token)
        .header("Idempotency-Key", key.to_string())
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_on_one_postgres_database_serve_one_log() {
    let url = govshare_testkit::shared_cluster()
        .fresh_database("two_servers")
        .await
        .unwrap();
    let a = instance(&url).await;
    seed(&a.app).await;
    let b = instance(&url).await;
    // One token table: a token issued through one instance's store is accepted by both.
    let tokens = TokenStore::open(&url).await.unwrap();
    let health = token(&tokens, HEALTH, Role::Clerk).await;
    let authority = token(&tokens, AUTHORITY, Role::Reviewer).await;
    let client = reqwest::Client::new();

    // Written through A, read through B once B's read models have reached the command's position.
    let key = Uuid::new_v4();
    let response = submit(&client, &a.base, &health, "SA-TWO-0001", key).await;
    assert_eq!(response.status(), StatusCode::OK);
    let recorded: Value = response.json().await.unwrap();
    let position = recorded["position"].as_u64().unwrap();
    let read = client
        .get(format!(
            "{}/v1/applications/SA-TWO-0001?min_position={position}",
            b.base
        ))
        .bearer_auth(&authority)
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), StatusCode::OK);
    let case: Value = read.json().await.unwrap();
    assert_eq!(
        case["application"]["application_id"], "SA-TWO-0001",
        "{case}"
    );

    // The same key through B: the original answer, nothing recorded again.
    let head = a.app.store().head().await.unwrap().position;
    let retried = submit(&client, &b.base, &health, "SA-TWO-0001", key).await;
    assert_eq!(retried.status(), StatusCode::OK);
    assert_eq!(
        retried.headers().get("idempotent-replayed").unwrap(),
        "true"
    );
    let again: Value = retried.json().await.unwrap();
    assert_eq!(again, recorded);
    assert_eq!(b.app.store().head().await.unwrap().position, head);

    // Both at once, on the same and on different cases: every command answers once, and the log holds each
    // application's submission once.
    let mut sends = Vec::new();
    for n in 0..12 {
        let base = if n % 2 == 0 { &a.base } else { &b.base };
        let id = format!("SA-TWO-{:04}", 100 + n / 2);
        let (client, base, health) = (client.clone(), base.clone(), health.clone());
        sends.push(tokio::spawn(async move {
            let response = submit(&client, &base, &health, &id, Uuid::new_v4()).await;
            (id, response.status())
        }));
    }
    let mut accepted = std::collections::BTreeMap::<String, u32>::new();
    for send in sends {
        let (id, status) = send.await.unwrap();
        // Two submissions of one case race: one is recorded, the other refused (the case exists).
        assert!(matches!(status.as_u16(), 200 | 409), "{id}: {status}");
        if status == StatusCode::OK {
            *accepted.entry(id).or_default() += 1;
        }
    }
    assert_eq!(accepted.len(), 6, "{accepted:?}");
    assert!(accepted.values().all(|n| *n == 1), "{accepted:?}");

    // One chain, verified from the raw log.
    let store = a.app.store().clone();
    let head = store.head().await.unwrap();
    let submitted = store
        .read_all(1, 10_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.event_type == "ShareApplicationSubmitted")
        .count();
    assert_eq!(submitted, 7);
    let report = govshare_audit::verify(store.as_ref(), None)
        .await
        .unwrap_or_else(|e| panic!("the chain does not verify: {e}"));
    assert_eq!(report.head, head);

    for instance in [a, b] {
        let _ = instance.stop.send(());
        instance.task.await.unwrap();
        instance.app.shutdown().await.unwrap();
    }
}
