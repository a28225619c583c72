//! `govshare replay`: rebuilds read models from position 0 into fresh tables and switches over once they
//! have caught up (the runner's rebuild, opened through `govshare-app`); a progress bar on stderr, the
//! rate at the end.

use std::time::{Duration, Instant};

use clap::Args;
use govshare_app::{App, AppConfig, projection_names};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::Report;
use crate::common::{DbArg, app_error, one_line, open_error, runtime};
use crate::error::CliError;

/// Arguments of `replay`.
#[derive(Debug, Args)]
pub(crate) struct ReplayArgs {
    #[command(flatten)]
    db: DbArg,
    /// Rebuild only this read model (default: all of them).
    #[arg(long, value_name = "NAME")]
    projection: Option<String>,
}

/// Gives up when a rebuild makes no progress for this long.
const STALLED: Duration = Duration::from_secs(300);
const POLL: Duration = Duration::from_millis(100);

/// Rebuilds and reports the rate.
pub(crate) fn run(args: ReplayArgs) -> Result<Report, CliError> {
    let names: Vec<&str> = match &args.projection {
        Some(name) => vec![name.as_str()],
        None => projection_names(),
    };
    runtime()?.block_on(async move {
        let config = AppConfig::new(args.db.db.clone())
            .existing_only()
            .with_projection_names(&names)
            .map_err(open_error)?;
        let app = App::open(config).await.map_err(open_error)?;
        let result = replay(&app, &names).await;
        app.shutdown().await.map_err(app_error)?;
        result
    })
}

fn failed(e: impl std::fmt::Display) -> CliError {
    CliError::Failed(one_line(&e.to_string()))
}

async fn replay(app: &App, names: &[&str]) -> Result<Report, CliError> {
    let runner = app.runner().map_err(app_error)?;
    let head = app.store().head().await.map_err(failed)?.position;
    let started = Instant::now();
    let mut generations = Vec::new();
    for name in names {
        generations.push((*name, runner.rebuild(name).await.map_err(failed)?));
    }
    let total = head * names.len() as u64;
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(
        "重放 replay {bar:40} {pos}/{len} 事件 events ({per_sec}, {eta})",
    ) {
        bar.set_style(style);
    }
    let mut last_progress = (0, Instant::now());
    loop {
        let status = runner.status().await.map_err(failed)?;
        let mut done = 0;
        let mut switched = 0;
        for (name, generation) in &generations {
            let Some(state) = status
                .iter()
                .find(|s| s.name == *name)
                .and_then(|s| s.state.as_ref())
            else {
                continue;
            };
            if state.active.generation >= *generation {
                done += head;
                switched += 1;
            } else if let Some(building) = &state.building {
                done += building.checkpoint.min(head);
            }
        }
        bar.set_position(done);
        if switched == generations.len() {
            break;
        }
        if done > last_progress.0 {
            last_progress = (done, Instant::now());
        } else if last_progress.1.elapsed() > STALLED {
            bar.abandon();
            let errors: Vec<String> = status
                .iter()
                .filter_map(|s| s.last_error.as_ref().map(|e| format!("{}: {e}", s.name)))
                .collect();
            return Err(CliError::Failed(one_line(&format!(
                "重放停滞 replay made no progress for {}s {}",
                STALLED.as_secs(),
                errors.join("; ")
            ))));
        }
        tokio::time::sleep(POLL).await;
    }
    bar.finish_and_clear();
    let elapsed = started.elapsed().as_secs_f64();
    let rate = if elapsed > 0.0 {
        total as f64 / elapsed
    } else {
        0.0
    };
    let mut out = String::new();
    for (name, generation) in &generations {
        out.push_str(&format!(
            "  {name:<16} 第 {generation} 代 generation {generation}\n"
        ));
    }
    out.push_str(&format!(
        "重放 replayed {} 个读模型 read model(s) × {head} 个事件 events = {total}，用时 in {elapsed:.2}s，速率 rate {rate:.0} 事件/秒 events/s\n",
        names.len()
    ));
    Ok(Report {
        stdout: out,
        ..Report::default()
    })
}
