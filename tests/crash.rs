//! The server killed with SIGKILL under load, again and again, on a SQLite file and on PostgreSQL. After every
//! restart: each command the server acknowledged is in the log, and its client, retrying with the same
//! `Idempotency-Key`, gets the original answer (nothing recorded twice); a command cut off by the kill is either
//! recorded once by the retry or answered as already recorded — never refused. At the end the hash chain verifies
//! (`govshare audit verify`) and every read model equals a fresh rebuild from position 0.
//!
//! The same checks after two other faults: PostgreSQL restarted under load (the server reports not ready while
//! it is down and recovers by itself, without a restart of its own), and the disk of a SQLite store filled up
//! under load (commands answer 507 `storage-full` and record nothing; once space is freed the same commands
//! are recorded, without a restart).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use govshare_app::{App, AppConfig};
use govshare_domain::Role;
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

impl Server {
    /// The token `serve --demo` printed as `export <name>=…`.
    fn token(&self, name: &str) -> String {
        self.tokens
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("serve printed no {name}"))
            .1
            .clone()
    }

    /// Stops the server with SIGTERM and waits for it to exit.
    fn stop(mut self) {
        Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        let _ = self.child.wait();
    }
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

impl Sent {
    /// [`draft`] `n`, with a fresh key, not sent yet.
    fn draft(n: usize) -> Sent {
        let (id, body) = draft(n);
        Sent {
            id,
            key: Uuid::new_v4(),
            body,
            answer: None,
            refused: None,
        }
    }
}

/// What the load does when the server cannot record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    /// The server is killed: a client stops at its first unanswered send.
    Kill,
    /// The database goes away for a while: a retryable 503 (or 507) is noted, and the client waits a little
    /// and goes on with its next command.
    Outage,
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

/// `CLIENTS` clients drafting entries for `length` (or, under [`Fault::Kill`], until the server dies); every
/// send, answered or not. A send answered with a retryable 503/507 is kept with neither answer nor refusal:
/// it is in doubt, as a cut-off one is.
async fn load(base: &str, token: &str, first: usize, length: Duration, fault: Fault) -> Vec<Sent> {
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
                let mut one = Sent::draft(first + c * 10_000 + k);
                let outcome = post(&client, &base, &token, &one).await;
                let stop = match outcome {
                    Ok(response) => {
                        let status = response.status().as_u16();
                        let body: Value = response.json().await.unwrap_or(Value::Null);
                        if status == 200 {
                            one.answer = Some(body);
                        } else if fault == Fault::Outage
                            && matches!(status, 503 | 507)
                            && body["retryable"] == true
                        {
                            tokio::time::sleep(Duration::from_millis(200)).await;
                        } else {
                            one.refused = Some((status, body));
                        }
                        false
                    }
                    // The server is gone: this one is in doubt.
                    Err(_) => fault == Fault::Kill,
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
        if !matches!(response.status().as_u16(), 503 | 507) {
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
    let provider = server.token("PROVIDER_TOKEN");
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
        let sent = load(&base, &provider, round * 100_000, LOAD * 4, Fault::Kill).await;
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
    server.take().unwrap().stop();

    let last_position = assert_log_holds(db, &acknowledged);
    assert_models_equal_rebuild(db, last_position).await;
    if is_sqlite {
        assert!(Path::new(db).exists());
    }
}

/// Opened from outside the server: the read models, once caught up, equal a fresh rebuild from position 0.
async fn assert_models_equal_rebuild(db: &str, last_position: u64) {
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

/// `GET {base}{path}` until `accept` holds for its status and problem code, for at most `within`; the statuses
/// seen on the way.
async fn poll_until(
    base: &str,
    path: &str,
    within: Duration,
    accept: impl Fn(u16, &Value) -> bool,
) -> Vec<u16> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .build()
        .unwrap();
    let deadline = Instant::now() + within;
    let mut seen = Vec::new();
    loop {
        if let Ok(response) = client.get(format!("{base}{path}")).send().await {
            let status = response.status().as_u16();
            let body: Value = response.json().await.unwrap_or(Value::Null);
            seen.push(status);
            if accept(status, &body) {
                return seen;
            }
        }
        assert!(
            Instant::now() < deadline,
            "{path}: not as expected within {within:?}; statuses {seen:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The live server's catalog model reaches the newest of `acknowledged` by itself (a query with
/// `min_position` answers it within a minute): the read models recovered from the fault without a restart.
async fn assert_catalog_catches_up(base: &str, token: &str, acknowledged: &[Sent]) {
    let newest = acknowledged
        .iter()
        .max_by_key(|s| s.answer.as_ref().unwrap()["position"].as_u64())
        .unwrap();
    let position = newest.answer.as_ref().unwrap()["position"]
        .as_u64()
        .unwrap();
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let response = client
            .get(format!(
                "{base}/v1/catalog/entries/{}?min_position={position}",
                newest.id
            ))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        if status == 200 {
            return;
        }
        let problem: Value = response.json().await.unwrap_or(Value::Null);
        assert!(
            status == 503 && Instant::now() < deadline,
            "the catalog model did not reach position {position}: {status} {problem}"
        );
    }
}

/// The small province seeded in `db`, a server on it, and clients sending drafts for `length` under
/// [`Fault::Outage`] while `fault` runs from [`LOAD`] on; returns the server, the clients' token and their sends
/// split into acknowledged and in doubt (answered a retryable 503/507 or cut off). None may be refused.
async fn under_load(
    db: &str,
    length: Duration,
    fault: impl AsyncFnOnce(&str),
) -> (Server, String, Vec<Sent>, Vec<Sent>) {
    let provider = seed_province(db).await;
    let server = start(db, false);
    let (base, token) = (server.base.clone(), provider.clone());
    let clients = tokio::spawn(async move { load(&base, &token, 0, length, Fault::Outage).await });
    tokio::time::sleep(LOAD).await;
    fault(&server.base).await;
    let sent = clients.await.unwrap();
    let refused: Vec<_> = sent.iter().filter_map(|s| s.refused.as_ref()).collect();
    assert!(refused.is_empty(), "refused under the fault: {refused:?}");
    let (acknowledged, in_doubt): (Vec<Sent>, Vec<Sent>) =
        sent.into_iter().partition(|s| s.answer.is_some());
    eprintln!(
        "{} acknowledged, {} answered a retryable 503/507 or cut off",
        acknowledged.len(),
        in_doubt.len()
    );
    assert!(
        acknowledged.len() >= CLIENTS && !in_doubt.is_empty(),
        "the fault did not land under load"
    );
    (server, provider, acknowledged, in_doubt)
}

/// The suites' small province recorded in `db` (faster than the demo), and a token of 河北省公安厅's leader,
/// who drafts the catalog entries of the load.
async fn seed_province(db: &str) -> String {
    let engine = govshare_engine::EngineConfig::new(db)
        .with_categories(govshare_testkit::province::categories());
    let app = App::open(AppConfig::with_engine(engine)).await.unwrap();
    govshare_e2e::province::seed(&app).await;
    app.shutdown().await.unwrap();
    let tokens = govshare_server::TokenStore::open(db).await.unwrap();
    govshare_e2e::province::token(&tokens, govshare_e2e::province::POLICE, Role::Leader).await
}

/// One new draft, sent once (no retry): the server must record it at the first attempt.
async fn record_one_more(base: &str, token: &str, n: usize) -> Sent {
    let mut one = Sent::draft(n);
    let response = post(&reqwest::Client::new(), base, token, &one)
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "{}: {body}", one.id);
    one.answer = Some(body);
    one
}

/// PostgreSQL stopped (`pg_ctl stop -m fast`, its connections cut) for two seconds while clients send
/// commands, then started again: while it is down `/readyz` answers 503 `not-ready` and commands a retryable
/// 503; once it is back the same server process is ready again by itself, the first command after that is
/// recorded at the first attempt, and every command — acknowledged before the restart or answered 503 during
/// it — answers its retry as recorded once. The chain verifies and the read models equal a fresh rebuild.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_restart_under_load_is_not_ready_then_recovers_losing_nothing() {
    // A cluster of its own: the shared one must not go down under other tests.
    let mut cluster = govshare_testkit::PgCluster::start().unwrap();
    let url = cluster.fresh_database("restart").await.unwrap();
    let (server, provider, mut acknowledged, in_doubt) =
        under_load(&url, Duration::from_secs(8), async |base: &str| {
            tokio::task::block_in_place(|| cluster.stop_server()).unwrap();
            poll_until(
                base,
                "/readyz",
                Duration::from_secs(20),
                |status, problem| status == 503 && problem["code"] == "not-ready",
            )
            .await;
            tokio::time::sleep(Duration::from_secs(2)).await;
            tokio::task::block_in_place(|| cluster.start_server()).unwrap();
            poll_until(base, "/readyz", Duration::from_secs(60), |status, _| {
                status == 200
            })
            .await;
        })
        .await;
    let after = record_one_more(&server.base, &provider, 900_000).await;
    acknowledged.push(after);
    let acknowledged = settle(&server.base, &provider, acknowledged, &in_doubt).await;
    assert_catalog_catches_up(&server.base, &provider, &acknowledged).await;
    server.stop();

    let last_position = assert_log_holds(&url, &acknowledged);
    assert_models_equal_rebuild(&url, last_position).await;
}

/// A tmpfs of `size` mounted on a fresh temporary directory (root, or passwordless sudo, needed: the suite
/// fails rather than skips without it); unmounted when dropped.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(size: &str) -> SmallDisk {
        let dir = tempfile::tempdir().unwrap();
        let root = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
        let mut mount = Command::new(if root { "mount" } else { "sudo" });
        if !root {
            mount.args(["-n", "mount"]);
        }
        let status = mount
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0777"),
                "tmpfs",
            ])
            .arg(dir.path())
            .status()
            .unwrap();
        assert!(
            status.success(),
            "cannot mount a {size} tmpfs on {} (the full-disk test needs root or passwordless sudo)",
            dir.path().display()
        );
        SmallDisk { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Fills the disk with a ballast file until the next write fails with ENOSPC.
    fn fill(&self) -> std::path::PathBuf {
        use std::io::Write;
        let path = self.path().join("ballast");
        let mut file = std::fs::File::create(&path).unwrap();
        for chunk in [1 << 20, 4096, 512] {
            let block = vec![0u8; chunk];
            loop {
                match file.write_all(&block) {
                    Ok(()) => {}
                    Err(e) if e.raw_os_error() == Some(28) => break,
                    Err(e) => panic!("filling {}: {e}", path.display()),
                }
            }
        }
        let _ = file.sync_all();
        path
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let root = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
        let mut umount = Command::new(if root { "umount" } else { "sudo" });
        if !root {
            umount.args(["-n", "umount"]);
        }
        let _ = umount.arg("-l").arg(self.dir.path()).status();
    }
}

/// A SQLite store on a small disk filled up under load: commands answer 507 `storage-full` (retryable,
/// `Retry-After`) and record nothing, the server stays up and keeps answering queries; once the ballast is
/// removed the same server records again, every command acknowledged before the disk filled answers its retry
/// as the original, and every one answered 507 is recorded once by its retry. After a restart the chain verifies
/// and the read models equal a fresh rebuild.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_full_disk_refuses_clearly_loses_nothing_and_recovers_when_space_returns() {
    let disk = SmallDisk::mount("48m");
    let db = disk.path().join("govshare.db").display().to_string();
    let mut ballast = None;
    let (server, provider, mut acknowledged, full) =
        under_load(&db, Duration::from_secs(6), async |_: &str| {
            ballast = Some(tokio::task::block_in_place(|| disk.fill()));
        })
        .await;
    let ballast = ballast.unwrap();

    // What a client is told, in full.
    let client = reqwest::Client::new();
    let probe = Sent::draft(800_000);
    let response = post(&client, &server.base, &provider, &probe)
        .await
        .unwrap();
    assert_eq!(response.status(), 507);
    assert!(response.headers().contains_key("retry-after"));
    let problem: Value = response.json().await.unwrap();
    assert_eq!(problem["code"], "storage-full", "{problem}");
    assert_eq!(problem["retryable"], true, "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("disk is full: nothing was recorded"),
        "{problem}"
    );
    let full = [full, vec![probe]].concat();
    // Still up, and still answering what it has.
    poll_until(
        &server.base,
        "/healthz",
        Duration::from_secs(5),
        |status, _| status == 200,
    )
    .await;
    let (id, _) = draft(0);
    let entry = client
        .get(format!("{}/v1/catalog/entries/{id}", server.base))
        .bearer_auth(&provider)
        .send()
        .await
        .unwrap();
    assert_eq!(entry.status(), 200, "a query on a full disk");

    std::fs::remove_file(&ballast).unwrap();
    let after = record_one_more(&server.base, &provider, 900_000).await;
    acknowledged.push(after);
    let acknowledged = settle(&server.base, &provider, acknowledged, &full).await;
    assert_catalog_catches_up(&server.base, &provider, &acknowledged).await;
    server.stop();

    let last_position = assert_log_holds(&db, &acknowledged);
    let restarted = start(&db, false);
    restarted.stop();
    assert_models_equal_rebuild(&db, last_position).await;
}
