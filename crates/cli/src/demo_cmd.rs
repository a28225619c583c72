//! `govshare demo`: seeds a fresh database with the demo province and simulates months of data sharing
//! (all of it in `govshare-demo`; this module parses and prints).

use std::path::PathBuf;

use clap::Args;
use govshare_demo::{DemoError, DemoOptions, MAX_MONTHS};

use crate::Report;
use crate::error::CliError;

/// Arguments of `demo`.
#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// The database to seed: a SQLite file (created if missing) or a postgres:// URL. It must hold no events.
    #[arg(long, value_name = "FILE", default_value = "govshare.db")]
    db: PathBuf,
    /// Varies the scenario; the same seed records the same history and the same head hash.
    #[arg(long, value_name = "N", default_value_t = 1)]
    seed: u64,
    /// Months to simulate after seeding (0 seeds only).
    #[arg(long, value_name = "N", default_value_t = 12, value_parser = clap::value_parser!(u32).range(0..=i64::from(MAX_MONTHS)))]
    months: u32,
}

/// Runs the demo and returns what to print: the summary table, then `head <position> <hash>`.
pub(crate) fn run(args: DemoArgs) -> Result<Report, CliError> {
    let db = args.db.to_string_lossy().into_owned();
    let options = DemoOptions {
        seed: args.seed,
        months: args.months,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Failed(format!("cannot start the runtime: {e}")))?;
    let summary = runtime
        .block_on(govshare_demo::run_on(&db, options))
        .map_err(|e: DemoError| {
            if e.is_input_error() {
                CliError::BadInput(one_line(&e.to_string()))
            } else {
                CliError::Failed(one_line(&e.to_string()))
            }
        })?;
    Ok(Report {
        stdout: format!(
            "{summary}\nhead {} {}\n",
            summary.head_position, summary.head_hash
        ),
        notes: Vec::new(),
    })
}

/// Error messages are printed on one line.
fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}
