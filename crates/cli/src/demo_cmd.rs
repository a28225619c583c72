//! `govshare demo`: seeds a fresh database with the demo province and simulates months of data sharing
//! (all of it in `govshare-demo`; this module parses and prints).

use std::path::PathBuf;

use clap::Args;
use govshare_app::{App, AppConfig, SigningConfig, default_signature_file};
use govshare_demo::{DemoError, DemoOptions, MAX_MONTHS};

use crate::Report;
use crate::common::{app_error, open_error};
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
    /// Sign the demo's head with this Ed25519 key file (created, with `<FILE>.pub`, if missing) through the
    /// application's checkpoint signer, so that `audit verify` has signatures to check.
    #[arg(long, value_name = "FILE")]
    key: Option<PathBuf>,
    /// The signature file (default: <db>.checkpoints.jsonl beside the SQLite file).
    #[arg(long, value_name = "FILE", requires = "key")]
    checkpoint: Option<PathBuf>,
    /// Write the demo province's 第十二条 category assignments (JSON) here, for `audit revalidate --categories`.
    #[arg(long, value_name = "FILE")]
    categories_out: Option<PathBuf>,
}

/// Runs the demo and returns what to print: the summary table, then `head <position> <hash>`.
pub(crate) fn run(args: DemoArgs) -> Result<Report, CliError> {
    let db = args.db.to_string_lossy().into_owned();
    let options = DemoOptions {
        seed: args.seed,
        months: args.months,
    };
    let signature_file = match (&args.key, args.checkpoint.clone()) {
        (None, _) => None,
        (Some(_), Some(file)) => Some(file),
        (Some(_), None) => Some(default_signature_file(&db).ok_or_else(|| {
            CliError::BadInput(
                "PostgreSQL 数据库需用 --checkpoint 指定签名文件 name the signature file with --checkpoint"
                    .into(),
            )
        })?),
    };
    let runtime = crate::common::runtime()?;
    let summary = runtime
        .block_on(govshare_demo::run_on(&db, options))
        .map_err(|e: DemoError| {
            if e.is_input_error() {
                CliError::BadInput(one_line(&e.to_string()))
            } else {
                CliError::Failed(one_line(&e.to_string()))
            }
        })?;
    let mut notes = Vec::new();
    if let Some(path) = &args.categories_out {
        let categories = govshare_demo::category_assignments()
            .map_err(|e| CliError::Failed(one_line(&e.to_string())))?;
        let text = serde_json::to_string_pretty(&categories)
            .map_err(|e| CliError::Failed(format!("category assignments: {e}")))?;
        std::fs::write(path, format!("{text}\n"))
            .map_err(|e| CliError::BadInput(format!("cannot write {}: {e}", path.display())))?;
        notes.push(format!(
            "第十二条目录分类 category assignments: {}",
            path.display()
        ));
    }
    if let (Some(key), Some(file)) = (args.key, signature_file) {
        let config = AppConfig::new(db.clone())
            .existing_only()
            .with_signing(SigningConfig::new(key, &file).generating_key());
        let signed = runtime.block_on(async {
            let app = App::open(config).await.map_err(open_error)?;
            app.shutdown().await.map_err(app_error)
        })?;
        if let Some(signed) = signed {
            notes.push(format!(
                "签名检查点 signed checkpoint: position {} → {}",
                signed.position,
                file.display()
            ));
        }
    }
    Ok(Report {
        stdout: format!(
            "{summary}\nhead {} {}\n",
            summary.head_position, summary.head_hash
        ),
        notes,
        failure: None,
    })
}

/// Error messages are printed on one line.
fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}
