//! `govshare serve`: the HTTP service (all of it in `govshare-server`, on `govshare-app`; this module parses,
//! seeds the demo when asked, prints the demo tokens and waits for Ctrl-C).

use std::io::Write;
use std::net::SocketAddr;

use clap::Args;
use govshare_app::{App, AppConfig};
use govshare_demo::{DemoError, DemoOptions};
use govshare_domain::{DepartmentCode, PersonId, Role};
use govshare_engine::EngineConfig;
use govshare_server::{AppHandle, ServerConfig, TokenActor, TokenStore};

use crate::Report;
use crate::common::{app_error, one_line, open_error};
use crate::error::CliError;

/// The demo's provider department (河北省公安厅) and data authority (河北省政务服务管理办公室).
const DEMO_PROVIDER: &str = "130000-public-security";
const DEMO_AUTHORITY: &str = "130000-data-authority";

/// Arguments of `serve`.
#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// The address to listen on.
    #[arg(
        long,
        value_name = "ADDR",
        env = "GOVSHARE_ADDR",
        default_value = "127.0.0.1:8080"
    )]
    addr: SocketAddr,
    /// The database: a SQLite file (created if missing) or a postgres:// URL.
    #[arg(
        long,
        value_name = "FILE|URL",
        env = "GOVSHARE_DB",
        default_value = "govshare.db"
    )]
    db: String,
    /// Log lines on stderr as text or as JSON objects (one per line); the level filter is RUST_LOG
    /// (default info).
    #[arg(long, value_name = "FORMAT", env = "GOVSHARE_LOG_FORMAT", default_value = "text", value_parser = ["text", "json"])]
    log_format: String,
    /// The 第十二条 category assignments (JSON, as `govshare demo --categories-out` writes them); without it
    /// and without --demo, catalog entries may name no base or thematic category.
    #[arg(long, value_name = "FILE", env = "GOVSHARE_CATEGORIES")]
    categories: Option<std::path::PathBuf>,
    /// Seed the demo province first (on a database without events), configure its 第十二条 category
    /// assignments, and print a token for a provider department and one for the data authority.
    #[arg(long)]
    demo: bool,
}

/// Completes on Ctrl-C (SIGINT) or, on Unix, SIGTERM (what a service manager sends to stop the service).
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    result = tokio::signal::ctrl_c() => {
                        if let Err(e) = result {
                            tracing::warn!(error = %e, "cannot listen for Ctrl-C; stopping");
                        }
                    }
                    _ = terminate.recv() => tracing::info!("SIGTERM: stopping"),
                }
                return;
            }
            Err(e) => tracing::warn!(error = %e, "cannot listen for SIGTERM; Ctrl-C only"),
        }
    }
    if let Err(e) = tokio::signal::ctrl_c().await {
        tracing::warn!(error = %e, "cannot listen for Ctrl-C; stopping");
    }
}

/// Runs the server until Ctrl-C or SIGTERM.
pub(crate) fn run(args: ServeArgs) -> Result<Report, CliError> {
    let runtime = crate::common::runtime()?;
    runtime.block_on(serve(args))
}

fn say(line: &str) {
    let mut stdout = std::io::stdout().lock();
    // Nothing useful can be done if stdout is gone; the server still runs.
    let _ = writeln!(stdout, "{line}");
    let _ = stdout.flush();
}

/// The months the demo simulates: up to a year, never past `now` (the server's clock continues from there).
fn demo_months(now: chrono::DateTime<chrono::Utc>) -> Result<u32, CliError> {
    use chrono::Datelike;
    let start =
        govshare_demo::demo_start().map_err(|e| CliError::Failed(one_line(&e.to_string())))?;
    let mut months = (now.year() - start.year()) * 12 + now.month() as i32 - start.month() as i32;
    if now.day() < start.day() {
        months -= 1;
    }
    Ok(u32::try_from(months.clamp(0, 12)).unwrap_or(0))
}

async fn serve(args: ServeArgs) -> Result<Report, CliError> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // A subscriber may already be set (tests); then theirs stays.
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if args.log_format == "json" {
        logs.json()
            .with_current_span(true)
            .with_span_list(false)
            .try_init()
    } else {
        logs.try_init()
    };
    let mut engine = EngineConfig::new(args.db.clone());
    if args.demo {
        let categories = govshare_demo::category_assignments()
            .map_err(|e| CliError::Failed(one_line(&e.to_string())))?;
        engine = engine.with_categories(categories);
        let options = DemoOptions {
            months: demo_months(chrono::Utc::now())?,
            ..DemoOptions::default()
        };
        match govshare_demo::run_on(&args.db, options).await {
            Ok(summary) => say(&format!(
                "演示数据 demo seeded: {} events, head {} {}",
                summary.total_events(),
                summary.head_position,
                summary.head_hash
            )),
            Err(DemoError::NotEmpty { events, .. }) => say(&format!(
                "演示数据 demo not seeded: the database already holds {events} events"
            )),
            Err(e) if e.is_input_error() => {
                return Err(CliError::BadInput(one_line(&e.to_string())));
            }
            Err(e) => return Err(CliError::Failed(one_line(&e.to_string()))),
        }
    }
    if let Some(file) = &args.categories {
        engine.categories = govshare_engine::CategorySource::File(file.clone());
    }
    let mut app = App::open(AppConfig::with_engine(engine))
        .await
        .map_err(open_error)?;
    let tokens = TokenStore::open(&args.db)
        .await
        .map_err(|e| CliError::Failed(one_line(&e.to_string())))?;
    if args.demo {
        for (variable, department, person, role) in [
            (
                "PROVIDER_TOKEN",
                DEMO_PROVIDER,
                "演示 提供部门负责人",
                Role::Leader,
            ),
            (
                "AUTHORITY_TOKEN",
                DEMO_AUTHORITY,
                "演示 主管部门审核人",
                Role::Reviewer,
            ),
        ] {
            let actor = TokenActor {
                department: DepartmentCode::parse(department)
                    .map_err(|e| CliError::Failed(e.to_string()))?,
                person: PersonId(person.into()),
                role,
            };
            let issued =
                crate::token_cmd::issue_for(app.engine(), &tokens, actor, "serve --demo", 30)
                    .await?;
            say(&format!(
                "export {variable}={}   # {department} ({role:?}), expires {}",
                issued.secret,
                issued.info.expires_at.to_rfc3339()
            ));
        }
    }
    // Serve once the read models have caught up with the log (a query right after start sees the demo).
    let head = app
        .store()
        .head()
        .await
        .map_err(|e| CliError::Failed(one_line(&e.to_string())))?
        .position;
    let runner = app.runner().map_err(app_error)?;
    if let Err(e) = runner
        .wait_for_all(head, std::time::Duration::from_secs(120))
        .await
    {
        tracing::warn!(error = %e, "read models still catching up; serving anyway");
    }
    app.run_background();
    let handle = AppHandle::new(&app, tokens, ServerConfig::default());
    let listener = govshare_server::bind(args.addr)
        .await
        .map_err(|e| CliError::BadInput(one_line(&e.to_string())))?;
    let local = listener
        .local_addr()
        .map_or_else(|_| args.addr.to_string(), |a| a.to_string());
    say(&format!(
        "listening on http://{local} (Ctrl-C stops); API 文档 documentation: http://{local}/api; \
         控制台 web console: http://{local}/console"
    ));
    let router = govshare_server::router_with(handle.clone(), govshare_console::router(handle));
    let served = govshare_server::serve_router_on(listener, router, stop_signal()).await;
    // Requests in flight have finished: stop the scheduler, sign (if configured) and stop the runner.
    let stopped = app.shutdown().await.map_err(app_error);
    served.map_err(|e| CliError::Failed(one_line(&e.to_string())))?;
    stopped?;
    Ok(Report {
        stdout: String::new(),
        notes: vec![],
        failure: None,
    })
}
