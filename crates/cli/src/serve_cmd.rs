//! `govshare serve`: the HTTP service (all of it in `govshare-server`, on `govshare-app`; this module parses,
//! seeds the demo when asked, prints the demo tokens and waits for Ctrl-C).

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;
use govshare_app::{App, AppConfig};
use govshare_demo::{DemoError, DemoOptions};
use govshare_domain::{DepartmentCode, PersonId, Role};
use govshare_engine::EngineConfig;
use govshare_server::config::{Limits, LogFormat, SettingsFile};
use govshare_server::{AppHandle, ServerConfig, TokenActor, TokenStore};

use crate::Report;
use crate::common::{app_error, one_line, open_error};
use crate::error::CliError;
use crate::input::input_file;

/// The demo's provider department (河北省公安厅) and data authority (河北省政务服务管理办公室).
const DEMO_PROVIDER: &str = "130000-public-security";
const DEMO_AUTHORITY: &str = "130000-data-authority";

/// Arguments of `serve`. Each setting comes from its flag, else its environment variable, else the
/// `--config` file, else its default (`govshare_server::config`).
#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// A TOML settings file (keys: addr, db, log_format, categories and a [limits] table with body_bytes,
    /// read_wait_ms, request_timeout_ms, rate_per_second, rate_burst; see docs/http.md).
    #[arg(long, value_name = "FILE", env = "GOVSHARE_CONFIG", value_parser = input_file())]
    config: Option<PathBuf>,
    /// The address to listen on [default: 127.0.0.1:8080].
    #[arg(long, value_name = "ADDR", env = "GOVSHARE_ADDR")]
    addr: Option<SocketAddr>,
    /// The database: a SQLite file (created if missing) or a postgres:// URL [default: govshare.db].
    #[arg(long, value_name = "FILE|URL", env = "GOVSHARE_DB")]
    db: Option<String>,
    /// Log lines on stderr as text or as JSON objects (one per line); the level filter is RUST_LOG
    /// (default info) [default: text].
    #[arg(long, value_name = "FORMAT", env = "GOVSHARE_LOG_FORMAT", value_parser = ["text", "json"])]
    log_format: Option<String>,
    /// The 第十二条 category assignments (JSON, as `govshare demo --categories-out` writes them); without it
    /// and without --demo, catalog entries may name no base or thematic category.
    #[arg(long, value_name = "FILE", env = "GOVSHARE_CATEGORIES", value_parser = input_file())]
    categories: Option<PathBuf>,
    /// Largest request body in bytes; larger is 413 [default: 65536].
    #[arg(long, value_name = "BYTES", env = "GOVSHARE_BODY_LIMIT")]
    body_limit: Option<usize>,
    /// How long a query with min_position waits for its read model, in milliseconds [default: 5000].
    #[arg(long, value_name = "MS", env = "GOVSHARE_READ_WAIT_MS")]
    read_wait_ms: Option<u64>,
    /// Every request's deadline in milliseconds; past it 503 `timeout` [default: 30000].
    #[arg(long, value_name = "MS", env = "GOVSHARE_REQUEST_TIMEOUT_MS")]
    request_timeout_ms: Option<u64>,
    /// Requests per second per token (or client address without one); over it 429; 0 disables
    /// [default: 50].
    #[arg(long, value_name = "N", env = "GOVSHARE_RATE_LIMIT")]
    rate_limit: Option<u32>,
    /// Requests a token may send at once before the rate applies [default: 100].
    #[arg(long, value_name = "N", env = "GOVSHARE_RATE_BURST")]
    rate_burst: Option<u32>,
    /// Seed the demo province first (on a database without events), configure its 第十二条 category
    /// assignments, and print a token for a provider department and one for the data authority.
    #[arg(long)]
    demo: bool,
}

/// The settings `serve` runs with, resolved from flags, environment, file and defaults.
struct Settings {
    addr: SocketAddr,
    db: String,
    json_logs: bool,
    categories: Option<PathBuf>,
    server: ServerConfig,
}

fn settings(args: &ServeArgs) -> Result<Settings, CliError> {
    let file = match &args.config {
        Some(path) => {
            SettingsFile::load(path).map_err(|e| CliError::BadInput(one_line(&e.to_string())))?
        }
        None => SettingsFile::default(),
    };
    let flags = Limits {
        body_bytes: args.body_limit,
        read_wait_ms: args.read_wait_ms,
        request_timeout_ms: args.request_timeout_ms,
        rate_per_second: args.rate_limit,
        rate_burst: args.rate_burst,
    };
    let server = flags
        .or(file.limits)
        .server_config()
        .map_err(|e| CliError::BadInput(one_line(&e.to_string())))?;
    let json_logs = match (&args.log_format, file.log_format) {
        (Some(flag), _) => flag == "json",
        (None, Some(format)) => format == LogFormat::Json,
        (None, None) => false,
    };
    Ok(Settings {
        addr: args
            .addr
            .or(file.addr)
            .unwrap_or(SocketAddr::from(([127, 0, 0, 1], 8080))),
        db: args
            .db
            .clone()
            .or(file.db)
            .unwrap_or_else(|| "govshare.db".to_owned()),
        json_logs,
        categories: args.categories.clone().or(file.categories),
        server,
    })
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
    let settings = settings(&args)?;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // A subscriber may already be set (tests); then theirs stays.
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if settings.json_logs {
        logs.json()
            .with_current_span(true)
            .with_span_list(false)
            .try_init()
    } else {
        logs.try_init()
    };
    let mut engine = EngineConfig::new(settings.db.clone());
    if args.demo {
        let categories = govshare_demo::category_assignments()
            .map_err(|e| CliError::Failed(one_line(&e.to_string())))?;
        engine = engine.with_categories(categories);
        let options = DemoOptions {
            months: demo_months(chrono::Utc::now())?,
            ..DemoOptions::default()
        };
        match govshare_demo::run_on(&settings.db, options).await {
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
    if let Some(file) = &settings.categories {
        engine.categories = govshare_engine::CategorySource::File(file.clone());
    }
    let mut app = App::open(AppConfig::with_engine(engine))
        .await
        .map_err(open_error)?;
    let tokens = TokenStore::open(&settings.db)
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
    let handle = AppHandle::new(&app, tokens, settings.server);
    let listener = govshare_server::bind(settings.addr)
        .await
        .map_err(|e| CliError::BadInput(one_line(&e.to_string())))?;
    let local = listener
        .local_addr()
        .map_or_else(|_| settings.addr.to_string(), |a| a.to_string());
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
