//! The HTTP service: commands per second and per-command latency over HTTP on loopback, at 1, 8 and 64
//! concurrent clients, on a SQLite file and on PostgreSQL; the server's peak resident memory; and, in the
//! same run, the same commands through `Engine::execute` in-process, so that the table shows what HTTP,
//! JSON and token authentication cost on top of the command path.
//!
//! Run: `cargo bench -p govshare-bench --bench http`. Prints Markdown tables.
//!
//! - `GOVSHARE_BENCH_SECS`: seconds of commands per cell (default 10).
//! - `GOVSHARE_BENCH_QUERY_SECS`: seconds of inbox queries per cell (default 3; 0 leaves them out).
//! - `GOVSHARE_BENCH_CLIENTS`: the concurrencies, comma-separated (default `1,8,64`).
//! - `GOVSHARE_BENCH_ONLY`: a comma-separated subset of `sqlite,postgres`.
//!
//! The server runs in its own process, so that its peak resident set (`VmHWM`) is its own: the bench
//! re-executes its own binary with `GOVSHARE_BENCH_HTTP_SERVER` set to the database (a SQLite path or a
//! `postgres://` URL of the throwaway cluster the parent started). That child opens `govshare_app::App`
//! with its background work (`run_background`, as `govshare serve` does), records a small province,
//! issues three tokens per client, binds 127.0.0.1:0, prints its address and the tokens as one JSON line
//! and serves until its stdin closes. Every cell (backend × clients) gets a fresh database and a fresh
//! server.
//!
//! Workload: each client takes share applications of its own (unique ids) through four commands —
//! submit (a requesting department's clerk), forward to the provider (the data authority's reviewer),
//! agree (the provider's leader, 河北省公安厅), provide (the authority's reviewer) — each a
//! `POST /v1/commands/share_application/{id}` with a fresh `Idempotency-Key`, one after the other, until
//! the cell's time is up (a started application is finished). One application per client is run first
//! and not counted (warm-up). Latency is from sending the request to having read the whole answer.
//! Clients are tokio tasks of this process sharing one `reqwest::Client` (keep-alive, one connection
//! per client); each client has its own three tokens.
//!
//! Peer: the same clients, commands and actors through `Engine::execute` of an `App` opened in this
//! process on a fresh database of the same backend (also with its background work running).
//!
//! Query row: 60 applications are submitted and left in the data authority's inbox, then every client
//! asks `GET /v1/departments/{authority}/inbox?limit=50` over and over (in-process:
//! `applications::inbox`, first page of 50).

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{Datelike, FixedOffset, Utc};
use govshare_app::App;
use govshare_bench::machine::{
    busy_between, env_f64, fsync_rate, load_average, machine_cpu, process_cpu, quantile, status_kb,
};
use govshare_bench::province::{POLICE, REQUESTERS, open_app};
use govshare_bench::server::{Server, TokenFor, problem, serve_if_child};
use govshare_domain::share_application::{
    AgreeToShare, ApplicationScenario, ForwardToProvider, ProvideShare, ShareCommand,
    SubmitShareApplication,
};
use govshare_domain::{PersonId, Role};
use govshare_engine::{Command, CommandRequest, requested_entry};
use govshare_projections::PageRequest;
use govshare_projections::models::applications;
use govshare_testkit::PgCluster;
use govshare_testkit::province::{self, AUTHORITY, POPULATION};
use serde_json::Value;
use uuid::Uuid;
/// Applications left in the authority's inbox for the query row.
const INBOX_FILL: usize = 60;

// ---------------------------------------------------------------------------------------------
// The workload
// ---------------------------------------------------------------------------------------------

/// Who acts on a step: the client's requesting department, the data authority or the provider.
#[derive(Clone, Copy)]
enum Who {
    Requester,
    Authority,
    Police,
}

fn actor(client: usize, who: Who) -> (String, Role, String) {
    let person = format!("client-{client}");
    match who {
        Who::Requester => (
            REQUESTERS[client % REQUESTERS.len()].0.to_owned(),
            Role::Clerk,
            person,
        ),
        Who::Authority => (AUTHORITY.to_owned(), Role::Reviewer, person),
        Who::Police => (POLICE.to_owned(), Role::Leader, person),
    }
}

fn submission(id: &str) -> ShareCommand {
    let today = Utc::now()
        .with_timezone(&FixedOffset::east_opt(8 * 3600).unwrap())
        .date_naive();
    ShareCommand::SubmitShareApplication(SubmitShareApplication {
        application_id: id.into(),
        entries: vec![requested_entry(POPULATION)],
        scenario: ApplicationScenario {
            purpose: "医疗救助对象身份核验".into(),
            purpose_code: "SC-130000-WJ-2026-001".into(),
            legal_basis: "《社会救助暂行办法》第二十八条".into(),
            business_system: "河北省医疗救助管理系统".into(),
            data_items: vec!["公民身份号码".into(), "姓名".into()],
            use_from: today,
            use_until: today.with_year(today.year() + 1).unwrap_or(today),
            expected_frequency: "每日约2000次".into(),
        },
        materials: vec!["共享需求说明.pdf".into()],
        route: vec![],
    })
}

/// The four steps of application `n` of `client`: its id and (actor, command) in order.
fn steps(client: usize, n: usize) -> (String, [(Who, ShareCommand); 4]) {
    let id = format!("SA-HB-{client:02}-{n:06}");
    let steps = [
        (Who::Requester, submission(&id)),
        (
            Who::Authority,
            ShareCommand::ForwardToProvider(ForwardToProvider {
                review_opinion: "应用场景明确，依据充分，转提供部门".into(),
            }),
        ),
        (
            Who::Police,
            ShareCommand::AgreeToShare(AgreeToShare {
                conditions: Some("仅限身份核验，不得留存".into()),
            }),
        ),
        (
            Who::Authority,
            ShareCommand::ProvideShare(ProvideShare {
                grant_id: format!("GR-HB-{client:02}-{n:06}"),
            }),
        ),
    ];
    (id, steps)
}

// ---------------------------------------------------------------------------------------------
// Two ways to send a command: over HTTP, or to the engine in this process
// ---------------------------------------------------------------------------------------------

/// Sends commands and queries as one client. `Err` carries a short description of a refusal.
trait Target: Send + Sync + 'static {
    fn command(
        &self,
        client: usize,
        who: Who,
        id: &str,
        command: ShareCommand,
    ) -> impl Future<Output = Result<(), String>> + Send;
    /// The first page (50) of the authority's inbox; the number of items.
    fn inbox(&self, client: usize) -> impl Future<Output = Result<usize, String>> + Send;
}

struct ClientTokens {
    requester: String,
    authority: String,
    police: String,
}

struct Http {
    base: String,
    client: reqwest::Client,
    tokens: Vec<ClientTokens>,
}

impl Target for Http {
    async fn command(
        &self,
        client: usize,
        who: Who,
        id: &str,
        command: ShareCommand,
    ) -> Result<(), String> {
        let tokens = &self.tokens[client];
        let token = match who {
            Who::Requester => &tokens.requester,
            Who::Authority => &tokens.authority,
            Who::Police => &tokens.police,
        };
        let body = serde_json::to_value(&command).unwrap();
        let response = self
            .client
            .post(format!("{}/v1/commands/share_application/{id}", self.base))
            .bearer_auth(token)
            .header("Idempotency-Key", Uuid::new_v4().to_string())
            .json(&body)
            .send()
            .await
            .map_err(|e| format!("transport: {e}"))?;
        let status = response.status();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| format!("transport: {e}"))?;
        if status.is_success() {
            Ok(())
        } else {
            Err(problem(status.as_u16(), &bytes))
        }
    }

    async fn inbox(&self, client: usize) -> Result<usize, String> {
        let response = self
            .client
            .get(format!(
                "{}/v1/departments/{AUTHORITY}/inbox?limit=50",
                self.base
            ))
            .bearer_auth(&self.tokens[client].authority)
            .send()
            .await
            .map_err(|e| format!("transport: {e}"))?;
        let status = response.status();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| format!("transport: {e}"))?;
        if !status.is_success() {
            return Err(problem(status.as_u16(), &bytes));
        }
        let page: Value = serde_json::from_slice(&bytes).unwrap();
        Ok(page["items"].as_array().map_or(0, Vec::len))
    }
}

struct InProcess {
    app: App,
}

impl Target for InProcess {
    async fn command(
        &self,
        client: usize,
        who: Who,
        id: &str,
        command: ShareCommand,
    ) -> Result<(), String> {
        let (department, role, person) = actor(client, who);
        let request = CommandRequest::new(
            Uuid::new_v4(),
            province::code(&department),
            PersonId(person),
            role,
            Command::ShareApplication {
                id: id.to_owned(),
                command,
            },
        );
        self.app
            .engine()
            .execute(request)
            .await
            .map(|_| ())
            .map_err(|e| {
                let text = e.to_string();
                text.chars().take(80).collect()
            })
    }

    async fn inbox(&self, _client: usize) -> Result<usize, String> {
        applications::inbox(self.app.read_db(), AUTHORITY, &PageRequest::first(50))
            .await
            .map(|page| page.items.len())
            .map_err(|e| e.to_string())
    }
}

// ---------------------------------------------------------------------------------------------
// Driving clients
// ---------------------------------------------------------------------------------------------

/// What a phase measured.
#[derive(Default)]
struct Measured {
    /// Operations per second over the phase's wall time.
    rate: f64,
    p50: Duration,
    p99: Duration,
    count: usize,
    errors: BTreeMap<String, usize>,
    /// CPU time of this process per operation.
    own_cpu_us: f64,
    /// CPU time of the server process per operation (HTTP only).
    server_cpu_us: Option<f64>,
    /// Busy fraction of the machine's CPUs during the phase (every process).
    machine_busy: f64,
}

#[derive(Default)]
struct ClientRun {
    latencies: Vec<Duration>,
    errors: Vec<String>,
}

/// Every client runs applications (four commands each) until `secs` have passed, at least `min_apps`
/// each; `first` numbers the applications so that ids never repeat within a database.
async fn commands<T: Target>(
    target: &Arc<T>,
    clients: usize,
    secs: f64,
    min_apps: usize,
    first: usize,
    server: Option<u32>,
) -> Measured {
    let deadline = Instant::now() + Duration::from_secs_f64(secs);
    let tasks = (0..clients).map(|client| {
        let target = target.clone();
        tokio::spawn(async move {
            let mut run = ClientRun::default();
            let mut n = first;
            while n - first < min_apps || Instant::now() < deadline {
                let (id, steps) = steps(client, n);
                n += 1;
                for (who, command) in steps {
                    let begin = Instant::now();
                    let result = target.command(client, who, &id, command).await;
                    run.latencies.push(begin.elapsed());
                    if let Err(e) = result {
                        run.errors.push(e);
                        // The application cannot go on: start the next one.
                        break;
                    }
                }
            }
            run
        })
    });
    measure(tasks, server).await
}

/// Every client asks for the authority's inbox until `secs` have passed.
async fn queries<T: Target>(
    target: &Arc<T>,
    clients: usize,
    secs: f64,
    server: Option<u32>,
) -> Measured {
    let deadline = Instant::now() + Duration::from_secs_f64(secs);
    let tasks = (0..clients).map(|client| {
        let target = target.clone();
        tokio::spawn(async move {
            let mut run = ClientRun::default();
            while Instant::now() < deadline {
                let begin = Instant::now();
                let result = target.inbox(client).await;
                run.latencies.push(begin.elapsed());
                match result {
                    Ok(n) if n >= 50 => {}
                    Ok(n) => run.errors.push(format!("short page ({n} items)")),
                    Err(e) => run.errors.push(e),
                }
            }
            run
        })
    });
    measure(tasks, server).await
}

async fn measure(
    tasks: impl Iterator<Item = tokio::task::JoinHandle<ClientRun>>,
    server: Option<u32>,
) -> Measured {
    let own = process_cpu("self");
    let server_cpu = server.map(|pid| process_cpu(&pid.to_string()));
    let machine = machine_cpu();
    let begin = Instant::now();
    let tasks: Vec<_> = tasks.collect();
    let mut latencies = Vec::new();
    let mut errors = BTreeMap::new();
    for task in tasks {
        let run = task.await.unwrap();
        latencies.extend(run.latencies);
        for e in run.errors {
            *errors.entry(e).or_insert(0) += 1;
        }
    }
    let elapsed = begin.elapsed().as_secs_f64();
    let count = latencies.len();
    let per_op = |cpu: Duration| cpu.as_secs_f64() * 1e6 / count.max(1) as f64;
    latencies.sort_unstable();
    Measured {
        rate: count as f64 / elapsed,
        p50: quantile(&latencies, 0.50),
        p99: quantile(&latencies, 0.99),
        count,
        errors,
        own_cpu_us: per_op(process_cpu("self") - own),
        server_cpu_us: server
            .zip(server_cpu)
            .map(|(pid, before)| per_op(process_cpu(&pid.to_string()) - before)),
        machine_busy: busy_between(machine, machine_cpu()),
    }
}

/// Submits [`INBOX_FILL`] applications (left waiting for the authority) and waits until the inbox shows
/// a full first page.
async fn fill_inbox<T: Target>(target: &Arc<T>) {
    for n in 0..INBOX_FILL {
        let id = format!("SA-HB-INBOX-{n:04}");
        target
            .command(0, Who::Requester, &id, submission(&id))
            .await
            .unwrap();
    }
    let begin = Instant::now();
    while target.inbox(0).await.unwrap() < 50 {
        assert!(
            begin.elapsed() < Duration::from_secs(60),
            "the inbox read model did not catch up"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

// ---------------------------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------------------------

fn selected(backend: &str) -> bool {
    govshare_bench::machine::selected("GOVSHARE_BENCH_ONLY", backend)
}

/// Each client's three actors, in [`Who`] order: requester, authority, provider.
fn token_actors(clients: usize) -> Vec<Vec<TokenFor>> {
    (0..clients)
        .map(|client| {
            [Who::Requester, Who::Authority, Who::Police]
                .into_iter()
                .map(|who| actor(client, who))
                .collect()
        })
        .collect()
}

struct Row {
    backend: &'static str,
    clients: usize,
    http: Measured,
    http_query: Option<Measured>,
    local: Measured,
    local_query: Option<Measured>,
    /// The server's resident set once seeded and listening, and its peak over the cell, in kB.
    rss_idle_kb: u64,
    hwm_kb: u64,
    load: String,
}

fn main() {
    if serve_if_child() {
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(bench());
}

async fn bench() {
    let secs = env_f64("GOVSHARE_BENCH_SECS", 10.0);
    let query_secs = env_f64("GOVSHARE_BENCH_QUERY_SECS", 3.0);
    let concurrencies: Vec<usize> = std::env::var("GOVSHARE_BENCH_CLIENTS")
        .ok()
        .map(|s| s.split(',').filter_map(|c| c.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1, 8, 64]);
    let dir = tempfile::tempdir().unwrap();
    eprintln!("timing fsync");
    let (fsync, fdatasync) = fsync_rate(dir.path()).unwrap();
    let cluster = selected("postgres")
        .then(|| PgCluster::start().unwrap_or_else(|e| panic!("PostgreSQL: {e}")));
    let mut n = 0;
    let reqwest = reqwest::Client::builder()
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap();

    let mut rows = Vec::new();
    for backend in ["SQLite", "PostgreSQL"] {
        let on_postgres = backend == "PostgreSQL";
        if !selected(if on_postgres { "postgres" } else { "sqlite" }) {
            continue;
        }
        let cluster = cluster.as_ref().filter(|_| on_postgres);
        for &clients in &concurrencies {
            let load = load_average();
            eprintln!("{backend}, {clients} client(s): HTTP (load average {load})");
            let mut server = Server::start(
                &fresh(cluster, dir.path(), &mut n).await,
                &token_actors(clients),
                true,
            )
            .await
            .unwrap();
            let pid = server.pid();
            let rss_idle_kb = status_kb(&pid.to_string(), "VmRSS:");
            let http = Arc::new(Http {
                base: server.base.clone(),
                client: reqwest.clone(),
                tokens: std::mem::take(&mut server.tokens)
                    .into_iter()
                    .map(|t| ClientTokens {
                        requester: t[0].clone(),
                        authority: t[1].clone(),
                        police: t[2].clone(),
                    })
                    .collect(),
            });
            commands(&http, clients, 0.0, 1, 0, None).await;
            let http_run = commands(&http, clients, secs, 0, 1, Some(pid)).await;
            let http_query = if query_secs > 0.0 {
                fill_inbox(&http).await;
                Some(queries(&http, clients, query_secs, Some(pid)).await)
            } else {
                None
            };
            let hwm_kb = status_kb(&pid.to_string(), "VmHWM:");
            // Keep the reqwest connections from lingering into the next cell.
            drop(http);
            tokio::task::spawn_blocking(move || server.stop())
                .await
                .unwrap();

            eprintln!("{backend}, {clients} client(s): in-process");
            let local = Arc::new(InProcess {
                app: open_app(&fresh(cluster, dir.path(), &mut n).await, true)
                    .await
                    .unwrap(),
            });
            commands(&local, clients, 0.0, 1, 0, None).await;
            let local_run = commands(&local, clients, secs, 0, 1, None).await;
            let local_query = if query_secs > 0.0 {
                fill_inbox(&local).await;
                Some(queries(&local, clients, query_secs, None).await)
            } else {
                None
            };
            match Arc::try_unwrap(local) {
                Ok(local) => {
                    local.app.shutdown().await.unwrap();
                }
                Err(_) => panic!("a client task outlived its phase"),
            }
            rows.push(Row {
                backend,
                clients,
                http: http_run,
                http_query,
                local: local_run,
                local_query,
                rss_idle_kb,
                hwm_kb,
                load,
            });
        }
    }
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    report(&rows, secs, query_secs, cpus, fsync, fdatasync);
    drop(cluster);
}

/// A fresh database: a new SQLite file in `dir`, or a new database on the cluster.
async fn fresh(cluster: Option<&PgCluster>, dir: &std::path::Path, n: &mut usize) -> String {
    *n += 1;
    match cluster {
        Some(c) => c.fresh_database("http").await.unwrap(),
        None => dir.join(format!("http-{n}.db")).display().to_string(),
    }
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1e3)
}

fn mib(kb: u64) -> String {
    format!("{:.1}", kb as f64 / 1024.0)
}

fn report(rows: &[Row], secs: f64, query_secs: f64, cpus: usize, fsync: f64, fdatasync: f64) {
    println!();
    println!(
        "Commands over HTTP on loopback, {secs} s per cell (plus one warm-up application per client), \
         `nproc` = {cpus}; fsync: {fsync:.0} File::sync_all/s, {fdatasync:.0} File::sync_data/s \
         (8 kB overwrite, same directory)."
    );
    println!();
    println!(
        "| backend | clients | commands/s | p50 ms | p99 ms | in-process commands/s | in-process p50 ms | in-process p99 ms | HTTP ÷ in-process | server RSS idle → peak MiB |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for r in rows {
        println!(
            "| {} | {} | {:.0} | {} | {} | {:.0} | {} | {} | {:.2} | {} → {} |",
            r.backend,
            r.clients,
            r.http.rate,
            ms(r.http.p50),
            ms(r.http.p99),
            r.local.rate,
            ms(r.local.p50),
            ms(r.local.p99),
            r.http.rate / r.local.rate,
            mib(r.rss_idle_kb),
            mib(r.hwm_kb),
        );
    }
    if query_secs > 0.0 {
        println!();
        println!(
            "Inbox queries (`GET /v1/departments/{AUTHORITY}/inbox?limit=50`, 50 items), {query_secs} s per cell:"
        );
        println!();
        println!(
            "| backend | clients | queries/s | p50 ms | p99 ms | in-process queries/s | in-process p50 ms | in-process p99 ms | HTTP ÷ in-process |"
        );
        println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        for r in rows {
            let (Some(h), Some(l)) = (&r.http_query, &r.local_query) else {
                continue;
            };
            println!(
                "| {} | {} | {:.0} | {} | {} | {:.0} | {} | {} | {:.2} |",
                r.backend,
                r.clients,
                h.rate,
                ms(h.p50),
                ms(h.p99),
                l.rate,
                ms(l.p50),
                ms(l.p99),
                h.rate / l.rate,
            );
        }
    }
    println!();
    println!("CPU per command and the machine's load:");
    println!();
    println!(
        "| backend | clients | commands (HTTP / in-process) | server process µs | bench process (clients) µs | in-process µs | machine busy (HTTP / in-process) | load average at start |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
    for r in rows {
        println!(
            "| {} | {} | {} / {} | {:.0} | {:.0} | {:.0} | {:.0} % / {:.0} % | {} |",
            r.backend,
            r.clients,
            r.http.count,
            r.local.count,
            r.http.server_cpu_us.unwrap_or(0.0),
            r.http.own_cpu_us,
            r.local.own_cpu_us,
            r.http.machine_busy * 100.0,
            r.local.machine_busy * 100.0,
            r.load,
        );
    }
    println!();
    let mut any = false;
    for r in rows {
        let phases = [
            ("HTTP commands", Some(&r.http)),
            ("in-process commands", Some(&r.local)),
            ("HTTP queries", r.http_query.as_ref()),
            ("in-process queries", r.local_query.as_ref()),
        ];
        for (what, m) in phases {
            let Some(m) = m else { continue };
            for (error, count) in &m.errors {
                any = true;
                println!("- {} × {}, {what}: {count} × {error}", r.backend, r.clients);
            }
        }
    }
    if !any {
        println!("No command or query was refused.");
    }
}
