//! The server killed with SIGKILL under load, again and again, on a SQLite file and on PostgreSQL. After every
//! restart: each command the server acknowledged is in the log, and its client, retrying with the same
//! `Idempotency-Key`, gets the original answer (nothing recorded twice); a command cut off by the kill is either
//! recorded once by the retry or answered as already recorded — never refused. At the end the hash chain verifies
//! (`govshare audit verify`) and every read model equals a fresh rebuild from position 0.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use govshare_app::{App, AppConfig};
use govshare_projections::models;
use serde_json::{Value, json};
use uuid::Uuid;

const ROUNDS: usize = 3;
const CLIENTS: usize = 4;
/// How long the load runs before the kill.
const LOAD: Duration = Duration::from_millis(1500);

/// A `govshare serve` process; killed with SIGKILL when dropped.
struct Server {
    child: Child,
    base: String,
    tokens: Vec<(String, String)>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(db: &str, demo: bool) -> Server {
    let mut command = Command::new(govshare_e2e::govshare_binary());
    command.args([
        "serve",
        "--db",
        db,
        "--addr",
        "127.0.0.1:0",
        "--rate-limit",
        "0",
    ]);
    if demo {
        command.arg("--demo");
    }
    let child = command
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        // GOVSHARE_CRASH_LOGS=1 shows the server's log.
        .stderr(if std::env::var_os("GOVSHARE_CRASH_LOGS").is_some() {
            Stdio::inherit()
        } else {
            Stdio::null()
        })
        .spawn()
        .unwrap();
    // Owned by `Server` from here on: killed and reaped on every path, a failed start included.
    let mut server = Server {
        child,
        base: String::new(),
        tokens: Vec::new(),
    };
    let stdout = server.child.stdout.take().unwrap();
    let (send, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if send.send(line).is_err() {
                break;
            }
        }
    });
    loop {
        let line = lines
            .recv_timeout(Duration::from_secs(300))
            .expect("serve printed no `listening on` line");
        if let Some(export) = line.strip_prefix("export ") {
            let assignment = export.split_whitespace().next().unwrap();
            let (name, value) = assignment.split_once('=').unwrap();
            server.tokens.push((name.to_owned(), value.to_owned()));
        }
        if let Some(rest) = line.strip_prefix("listening on http://") {
            let addr = rest.split_whitespace().next().unwrap();
            server.base = format!("http://{addr}");
            return server;
        }
    }
}

/// A provider's draft of a new catalog entry (第九条), unique by `n`.
fn draft(n: usize) -> (String, Value) {
    let id = format!("catalog-130000-public-security-8{n:03}");
    let body = json!({"DraftCatalogEntry": {"metadata": {
        "name": format!("压力测试目录{n}"), "code": format!("130000-GA-8{n:04}"),
        "classification": "主题信息资源/交通", "category": null, "summary": "崩溃恢复测试",
        "format": "数据库", "items": [{"name": "号牌号码", "data_type": "字符型C"}],
        "share_attribute": {"conditional": {"conditions": "仅用于本部门法定职责范围内的核验"}},
        "share_mode": "interface", "open_attribute": "not_open", "update_frequency": "daily",
        "security_level": "important",
        "usage_scope": "all_departments", "aggregation_mode": "physical", "related_resources": [],
        "involves_state_secret": false}}});
    (id, body)
}

/// One command sent: its case, key and body, and the answer if the server gave one before it died.
#[derive(Debug, Clone)]
struct Sent {
    id: String,
    key: Uuid,
    body: Value,
    answer: Option<Value>,
    /// The refusal the server answered instead (status, problem), if it answered one.
    refused: Option<(u16, Value)>,
}

async fn post(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    sent: &Sent,
) -> reqwest::Result<reqwest::Response> {
    client
        .post(format!("{base}/v1/commands/catalog/{}", sent.id))
        .bearer_auth(token)
        .header("Idempotency-Key", sent.key.to_string())
        .json(&sent.body)
        .send()
        .await
}

/// `CLIENTS` clients drafting entries for `length` or until the server dies; every send, answered or not.
async fn load(base: &str, token: &str, first: usize, length: Duration) -> Vec<Sent> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let deadline = Instant::now() + length;
    let mut tasks = Vec::new();
    for c in 0..CLIENTS {
        let (client, base, token) = (client.clone(), base.to_owned(), token.to_owned());
        tasks.push(tokio::spawn(async move {
            let mut sent = Vec::new();
            for k in 0.. {
                let (id, body) = draft(first + c * 200 + k);
                let mut one = Sent {
                    id,
                    key: Uuid::new_v4(),
                    body,
                    answer: None,
                    refused: None,
                };
                let outcome = post(&client, &base, &token, &one).await;
                let stop = match outcome {
                    Ok(response) => {
                        let status = response.status().as_u16();
                        let body: Value = response.json().await.unwrap_or(Value::Null);
                        if status == 200 {
                            one.answer = Some(body);
                        } else {
                            one.refused = Some((status, body));
                        }
                        false
                    }
                    // The server is gone: this one is in doubt.
                    Err(_) => true,
                };
                sent.push(one);
                if stop || Instant::now() > deadline {
                    break;
                }
            }
            sent
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    all
}

/// `post`, retried as a client is told to: a 503 marked `retryable` is sent again (same key) after its
/// `Retry-After`, up to 30 times.
async fn post_as_told(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    sent: &Sent,
) -> reqwest::Response {
    for _ in 0..30 {
        let response = post(client, base, token, sent).await.unwrap();
        if response.status() != 503 {
            return response;
        }
        let wait = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(1);
        let problem: Value = response.json().await.unwrap_or(Value::Null);
        assert_eq!(problem["retryable"], true, "{problem}");
        tokio::time::sleep(Duration::from_secs(wait.min(5))).await;
    }
    panic!("{}: still unavailable after 30 retries", sent.id);
}

/// Every send retried with its key: an acknowledged one must answer its original answer, marked replayed
/// (nothing recorded twice); one the server never acknowledged (cut off, or refused while the store was away)
/// is recorded once now or answered as already recorded — never refused. Returns them all, acknowledged.
async fn settle(base: &str, token: &str, acknowledged: Vec<Sent>, unsettled: &[Sent]) -> Vec<Sent> {
    let client = reqwest::Client::new();
    for one in &acknowledged {
        let response = post_as_told(&client, base, token, one).await;
        assert_eq!(response.status(), 200, "{}: lost", one.id);
        assert_eq!(
            response.headers()["idempotent-replayed"],
            "true",
            "{}",
            one.id
        );
        let answer: Value = response.json().await.unwrap();
        assert_eq!(
            Some(&answer),
            one.answer.as_ref(),
            "{}: another answer on retry",
            one.id
        );
    }
    let mut all = acknowledged;
    for one in unsettled {
        let response = post_as_told(&client, base, token, one).await;
        assert_eq!(
            response.status(),
            200,
            "{}: the retry of an unacknowledged send was refused",
            one.id
        );
        let mut one = one.clone();
        one.answer = Some(response.json().await.unwrap());
        all.push(one);
    }
    all
}

/// `govshare audit verify` on `db` passes, and no two answers name one position.
fn assert_log_holds(db: &str, acknowledged: &[Sent]) -> u64 {
    let verified = Command::new(govshare_e2e::govshare_binary())
        .args(["audit", "verify", "--db", db])
        .output()
        .unwrap();
    assert!(
        verified.status.success(),
        "the chain does not verify: {}",
        String::from_utf8_lossy(&verified.stdout)
    );
    let mut positions: Vec<u64> = acknowledged
        .iter()
        .map(|s| s.answer.as_ref().unwrap()["position"].as_u64().unwrap())
        .collect();
    positions.sort_unstable();
    positions.dedup();
    assert_eq!(
        positions.len(),
        acknowledged.len(),
        "two commands answered with one position"
    );
    positions.last().copied().unwrap_or(0)
}

async fn crash_and_recover(db: &str, is_sqlite: bool) {
    let server = start(db, true);
    let provider = server
        .tokens
        .iter()
        .find(|(n, _)| n == "PROVIDER_TOKEN")
        .unwrap()
        .1
        .clone();
    let mut server = Some(server);
    let mut acknowledged: Vec<Sent> = Vec::new();
    for round in 0..ROUNDS {
        let running = server.take().unwrap();
        let base = running.base.clone();
        let pid = running.child.id();
        // The kill lands while the clients are sending.
        let killer = std::thread::spawn(move || {
            std::thread::sleep(LOAD);
            let status = Command::new("kill")
                .args(["-9", &pid.to_string()])
                .status()
                .unwrap();
            assert!(status.success());
        });
        let sent = load(&base, &provider, round * 1000, LOAD * 4).await;
        killer.join().unwrap();
        let refused: Vec<_> = sent.iter().filter_map(|s| s.refused.as_ref()).collect();
        assert!(refused.is_empty(), "refused under load: {refused:?}");
        drop(running);
        assert!(
            sent.iter().filter(|s| s.answer.is_some()).count() >= CLIENTS,
            "too little load: {sent:?}"
        );

        eprintln!(
            "round {round}: {} acknowledged, {} cut off by the kill",
            sent.iter().filter(|s| s.answer.is_some()).count(),
            sent.iter().filter(|s| s.answer.is_none()).count()
        );
        let restarted = start(db, false);
        let cut_off: Vec<Sent> = sent
            .iter()
            .filter(|s| s.answer.is_none())
            .cloned()
            .collect();
        acknowledged.extend(sent.into_iter().filter(|s| s.answer.is_some()));
        acknowledged = settle(&restarted.base, &provider, acknowledged, &cut_off).await;
        server = Some(restarted);
    }
    // A clean stop, then the raw log and the read models, checked from outside the server.
    let last = server.take().unwrap();
    Command::new("kill")
        .args(["-TERM", &last.child.id().to_string()])
        .status()
        .unwrap();
    drop(last);

    let last_position = assert_log_holds(db, &acknowledged);

    let app = App::open(AppConfig::new(db)).await.unwrap();
    let head = app.store().head().await.unwrap().position;
    assert!(head >= last_position);
    let runner = app.runner().unwrap();
    runner
        .wait_for_all(head, Duration::from_secs(120))
        .await
        .unwrap();
    let live = govshare_e2e::dump_read_models(app.read_db()).await;
    for projection in models::all() {
        let generation = runner.rebuild(projection.name()).await.unwrap();
        runner
            .wait_for_generation(projection.name(), generation, Duration::from_secs(120))
            .await
            .unwrap();
    }
    let rebuilt = govshare_e2e::dump_read_models(app.read_db()).await;
    assert_eq!(live.len(), rebuilt.len());
    for ((model, table, live_rows), (_, _, rebuilt_rows)) in live.iter().zip(&rebuilt) {
        assert_eq!(
            live_rows, rebuilt_rows,
            "{model}.{table} differs from a fresh rebuild after the kills"
        );
    }
    app.shutdown().await.unwrap();
    if is_sqlite {
        assert!(Path::new(db).exists());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_kill_9_under_load_loses_nothing_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("govshare.db").display().to_string();
    crash_and_recover(&db, true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_kill_9_under_load_loses_nothing_acknowledged() {
    let url = govshare_testkit::shared_cluster()
        .fresh_database("crash")
        .await
        .unwrap();
    crash_and_recover(&url, false).await;
}
