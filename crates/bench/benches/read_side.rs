//! The read side over the demo province's log: how fast every read model is built from position 0,
//! how fast the audit re-validates the log, and how long the inbox query takes — on a SQLite file and on
//! PostgreSQL, in one run on one machine.
//!
//! Run: `cargo bench -p govshare-bench --bench read_side`. Prints Markdown tables.
//! `GOVSHARE_BENCH_MONTHS` sets the demo's months (default 12); `GOVSHARE_BENCH_ONLY` (a comma-separated
//! subset of `sqlite,postgres`) limits what is measured.
//!
//! - **Build from zero**: a runner with every model of `models::all()` starts on an empty read side and
//!   catches up with the whole log (each model its own task, connection and transactions, the default
//!   batch of 1 000 events); rate = events of the log ÷ seconds until every model has applied the head.
//! - **Rebuild**: `RunnerHandle::rebuild` of every model at once while the live tables keep serving, until
//!   every new generation has switched over; and one model at a time.
//! - **Re-validation**: `govshare_audit::revalidate` of the whole log (every recorded command decided again
//!   against the state before it); median of three runs.
//! - **Inbox**: `applications::inbox` (first page of 50) of the department that owes the most, 500
//!   queries one after another; median and 99th percentile.
//! - **Report**: `govshare_report::assessment` of the province's own departments (region 130000) for the
//!   demo's first year, as of the end of the log, rendered as Markdown; 50 runs, median and 99th percentile.
//!
//! The runner polls every millisecond here (50 ms by default), so that the rates measure applying events,
//! not the wait for the next poll.

use std::sync::Arc;
use std::time::{Duration, Instant};

use govshare_audit::{DecisionInputs, RevalidationOptions};
use govshare_demo::{DemoOptions, category_assignments, demo_start};
use govshare_domain::RuleSet;
use govshare_engine::Clock;
use govshare_engine::{Engine, EngineConfig, ManualClock};
use govshare_projections::models::{self, applications};
use govshare_projections::{PageRequest, ReadDb, RunnerConfig};
use govshare_report::{AssessmentRequest, Format, Lang, Period, Scope};
use govshare_testkit::PgCluster;

const WAIT: Duration = Duration::from_secs(1800);

fn selected(backend: &str) -> bool {
    std::env::var("GOVSHARE_BENCH_ONLY")
        .map(|only| only.split(',').any(|b| b.trim() == backend))
        .unwrap_or(true)
}

struct Row {
    backend: &'static str,
    events: u64,
    commands: u64,
    build: f64,
    rebuild_all: f64,
    rebuild_each: Vec<(&'static str, f64)>,
    revalidate: f64,
    inbox_department: String,
    inbox_items: usize,
    inbox_p50: Duration,
    inbox_p99: Duration,
    report_departments: usize,
    report_p50: Duration,
    report_p99: Duration,
}

fn main() {
    let months: u32 = std::env::var("GOVSHARE_BENCH_MONTHS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(bench(months));
}

async fn bench(months: u32) {
    let dir = tempfile::tempdir().unwrap();
    let cluster = selected("postgres")
        .then(|| PgCluster::start().unwrap_or_else(|e| panic!("PostgreSQL: {e}")));
    let mut rows = Vec::new();
    if selected("sqlite") {
        let path = dir.path().join("demo.db").display().to_string();
        rows.push(measure("SQLite", path, months).await);
    }
    if let Some(cluster) = &cluster {
        let url = cluster.fresh_database("bench").await.unwrap();
        rows.push(measure("PostgreSQL", url, months).await);
    }
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());

    println!();
    println!(
        "The demo's log (seed 1, {months} months), `nproc` = {cpus}; every read model of `models::all()` ({} models).",
        models::all().len()
    );
    println!();
    println!(
        "| backend | events | commands | build from zero, events/s | rebuild all (live), events/s | re-validation, events/s | re-validation, commands/s | inbox p50 | inbox p99 | report p50 | report p99 |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for r in &rows {
        println!(
            "| {} | {} | {} | {:.0} | {:.0} | {:.0} | {:.0} | {:.2} ms | {:.2} ms | {:.1} ms | {:.1} ms |",
            r.backend,
            r.events,
            r.commands,
            r.events as f64 / r.build,
            r.events as f64 / r.rebuild_all,
            r.events as f64 / r.revalidate,
            r.commands as f64 / r.revalidate,
            r.inbox_p50.as_secs_f64() * 1e3,
            r.inbox_p99.as_secs_f64() * 1e3,
            r.report_p50.as_secs_f64() * 1e3,
            r.report_p99.as_secs_f64() * 1e3,
        );
    }
    println!();
    for r in &rows {
        println!(
            "Inbox on {}: `{}`, {} item(s) on the first page.",
            r.backend, r.inbox_department, r.inbox_items
        );
        println!(
            "Report on {}: {} department(s) of region 130000, 17 indicators each.",
            r.backend, r.report_departments
        );
    }
    println!();
    println!("Rebuild of one model at a time, events/s:");
    println!();
    let names: Vec<&str> = rows
        .first()
        .map(|r| r.rebuild_each.iter().map(|(n, _)| *n).collect())
        .unwrap_or_default();
    println!(
        "| backend | {} |",
        names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(" | ")
    );
    println!("| --- |{}", " ---: |".repeat(names.len()));
    for r in &rows {
        println!(
            "| {} | {} |",
            r.backend,
            r.rebuild_each
                .iter()
                .map(|(_, s)| format!("{:.0}", r.events as f64 / s))
                .collect::<Vec<_>>()
                .join(" | ")
        );
    }
}

async fn measure(backend: &'static str, location: String, months: u32) -> Row {
    eprintln!("{backend}: recording the demo ({months} months)");
    let clock = Arc::new(ManualClock::new(demo_start().unwrap()));
    let engine = Engine::open(
        EngineConfig::new(location.clone())
            .with_clock(clock.clone())
            .with_seed(1)
            .with_categories(category_assignments().unwrap()),
    )
    .await
    .unwrap();
    govshare_demo::run(&engine, &clock, DemoOptions { seed: 1, months })
        .await
        .unwrap();
    let head = engine.store().head().await.unwrap().position;
    eprintln!("{backend}: {head} events");

    eprintln!("{backend}: re-validation");
    let mut runs = Vec::new();
    let mut commands = 0;
    for _ in 0..3 {
        let started = Instant::now();
        let report = govshare_audit::revalidate(
            engine.store().as_ref(),
            RevalidationOptions {
                inputs: DecisionInputs::default().with_categories(category_assignments().unwrap()),
                ..RevalidationOptions::default()
            },
        )
        .await
        .unwrap();
        runs.push(started.elapsed().as_secs_f64());
        assert!(report.findings.is_empty(), "{:?}", report.findings);
        commands = report.commands_revalidated;
    }
    runs.sort_by(f64::total_cmp);
    let revalidate = runs[1];

    eprintln!("{backend}: build from zero");
    let db = ReadDb::open(&location).await.unwrap();
    let started = Instant::now();
    let runner = govshare_projections::start(
        db.clone(),
        engine.store().clone(),
        models::all(),
        RunnerConfig {
            poll_interval: Duration::from_millis(1),
            ..RunnerConfig::default()
        },
    )
    .await
    .unwrap();
    runner.wait_for_all(head, WAIT).await.unwrap();
    let build = started.elapsed().as_secs_f64();

    eprintln!("{backend}: rebuild all");
    let started = Instant::now();
    let mut generations = Vec::new();
    for p in models::all() {
        generations.push((p.name(), runner.rebuild(p.name()).await.unwrap()));
    }
    for (name, generation) in &generations {
        runner
            .wait_for_generation(name, *generation, WAIT)
            .await
            .unwrap();
    }
    let rebuild_all = started.elapsed().as_secs_f64();

    eprintln!("{backend}: rebuild each");
    let mut rebuild_each = Vec::new();
    for p in models::all() {
        let started = Instant::now();
        let generation = runner.rebuild(p.name()).await.unwrap();
        runner
            .wait_for_generation(p.name(), generation, WAIT)
            .await
            .unwrap();
        rebuild_each.push((p.name(), started.elapsed().as_secs_f64()));
    }

    eprintln!("{backend}: inbox");
    let all = applications::list(&db, &PageRequest::first(1000))
        .await
        .unwrap()
        .items;
    let mut owing: Vec<(String, usize)> = Vec::new();
    for app in &all {
        if let Some(d) = &app.owed_by {
            match owing.iter_mut().find(|(o, _)| o == d) {
                Some((_, n)) => *n += 1,
                None => owing.push((d.clone(), 1)),
            }
        }
    }
    owing.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let department = owing
        .first()
        .map_or_else(|| "130000-data-authority".to_owned(), |(d, _)| d.clone());
    let page = PageRequest::first(50);
    let mut latencies = Vec::new();
    let mut items = 0;
    for _ in 0..500 {
        let started = Instant::now();
        let inbox = applications::inbox(&db, &department, &page).await.unwrap();
        latencies.push(started.elapsed());
        items = inbox.items.len();
    }
    latencies.sort();

    eprintln!("{backend}: report");
    let request = AssessmentRequest {
        period: Period::year(2026).unwrap(),
        scope: Scope::Region("130000".into()),
        as_of: clock.now(),
    };
    let rules = RuleSet::hebei_2022();
    let mut report_latencies = Vec::new();
    let mut report_departments = 0;
    for _ in 0..50 {
        let started = Instant::now();
        let report = govshare_report::assessment(&db, &rules, &request)
            .await
            .unwrap();
        let text = govshare_report::render(&report, Format::Markdown, Lang::Zh);
        report_latencies.push(started.elapsed());
        assert!(!text.is_empty());
        report_departments = report.departments.len();
    }
    report_latencies.sort();
    runner.shutdown().await;
    Row {
        backend,
        events: head,
        commands,
        build,
        rebuild_all,
        rebuild_each,
        revalidate,
        inbox_department: department,
        inbox_items: items,
        inbox_p50: latencies[latencies.len() / 2],
        inbox_p99: latencies[latencies.len() * 99 / 100],
        report_departments,
        report_p50: report_latencies[report_latencies.len() / 2],
        report_p99: report_latencies[report_latencies.len() * 99 / 100],
    }
}
