//! `govshare audit …`: the auditor's commands on the raw log (all of it in `govshare-audit`, opened
//! through `govshare-app`; this module parses and prints).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};
use govshare_app::{SigningConfig, default_signature_file, open_store, sign_once};
use govshare_audit::{
    AsOf, BundleOptions, DecisionInputs, RevalidationOptions, SignatureFile, SignedCheckpoint,
    SignedVerifyOptions, VerifyingKey,
};
use govshare_engine::{Clock, SystemClock};
use govshare_store::{EventStore, Position, StreamId};

use crate::Report;
use crate::common::{DbArg, app_error, audit_error, one_line, open_error, runtime};
use crate::error::CliError;
use crate::input::input_file;

/// The audit's subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum AuditCommand {
    /// Verify the hash chain and, when the engine signed checkpoints, every signature against the log.
    #[command(after_help = crate::EXIT_CODES)]
    Verify(VerifyArgs),
    /// Print the log's head (a checkpoint to keep); with --key, sign it and append the signature (`manual`, or
    /// `shutdown` again while the engine is stopped).
    #[command(after_help = crate::EXIT_CODES)]
    Checkpoint(CheckpointArgs),
    /// The state of one stream (TYPE/ID) as of an instant or a position, as JSON, folded from the raw log.
    #[command(after_help = crate::EXIT_CODES)]
    AsOf(AsOfArgs),
    /// Re-decide every recorded command with its recorded rule set and calendar; name every event the
    /// rules would not have produced.
    #[command(after_help = crate::EXIT_CODES)]
    Revalidate(RevalidateArgs),
    /// Export one share application's case with its chain proof as an evidence bundle (JSON).
    #[command(after_help = crate::EXIT_CODES)]
    Export(ExportArgs),
    /// Check an evidence bundle offline (no database needed).
    #[command(after_help = crate::EXIT_CODES)]
    CheckBundle(CheckBundleArgs),
}

/// Arguments of `audit verify`.
#[derive(Debug, Args)]
pub(crate) struct VerifyArgs {
    #[command(flatten)]
    db: DbArg,
    /// The engine's signature file (default: <db>.checkpoints.jsonl beside a SQLite file, if it exists).
    #[arg(long, value_name = "FILE", value_parser = input_file())]
    checkpoint: Option<PathBuf>,
    /// The engine's public key (64 hex digits) the signatures must be made with; required when the
    /// signature file holds signatures.
    #[arg(long, value_name = "FILE", value_parser = input_file())]
    public_key: Option<PathBuf>,
    /// The engine's key file, to take the public key from instead of --public-key.
    #[arg(long, value_name = "FILE", value_parser = input_file(), conflicts_with = "public_key")]
    key: Option<PathBuf>,
    /// Require the head itself to be signed (a stopped engine's database, an archive).
    #[arg(long)]
    require_signed_head: bool,
}

/// Arguments of `audit checkpoint`.
#[derive(Debug, Args)]
pub(crate) struct CheckpointArgs {
    #[command(flatten)]
    db: DbArg,
    /// Sign the head with this key file and append the signature to the signature file.
    #[arg(long, value_name = "FILE", value_parser = input_file())]
    key: Option<PathBuf>,
    /// The signature file (default: <db>.checkpoints.jsonl beside a SQLite file).
    #[arg(long, value_name = "FILE")]
    checkpoint: Option<PathBuf>,
}

/// Arguments of `audit as-of`.
#[derive(Debug, Args)]
pub(crate) struct AsOfArgs {
    #[command(flatten)]
    db: DbArg,
    /// The stream, as TYPE/ID (e.g. ShareApplication/SA-2026-0001).
    #[arg(value_name = "STREAM", value_parser = parse_stream)]
    stream: StreamId,
    /// An RFC 3339 instant (2026-03-02T09:00:00+08:00) or a global position (a whole number).
    #[arg(value_name = "INSTANT|POSITION", value_parser = parse_as_of)]
    at: AsOf,
}

/// Arguments of `audit revalidate`.
#[derive(Debug, Args)]
pub(crate) struct RevalidateArgs {
    #[command(flatten)]
    db: DbArg,
    /// The 第十二条 category assignments the engine ran with (JSON), which the log does not record.
    #[arg(long, value_name = "FILE", value_parser = input_file())]
    categories: Option<PathBuf>,
    /// A rule-set file recorded commands may name besides the built-in ones (repeatable).
    #[arg(long = "rule-set", value_name = "FILE", value_parser = input_file())]
    rule_sets: Vec<PathBuf>,
    /// An extra holiday arrangement file recorded commands may name (repeatable).
    #[arg(long = "calendar", value_name = "FILE", value_parser = input_file())]
    calendars: Vec<PathBuf>,
    /// Re-validate up to this position (default: the head).
    #[arg(long, value_name = "POSITION")]
    to: Option<Position>,
}

/// Arguments of `audit export`.
#[derive(Debug, Args)]
pub(crate) struct ExportArgs {
    #[command(flatten)]
    db: DbArg,
    /// The share application whose case is exported.
    #[arg(value_name = "CASE")]
    case: String,
    /// The bundle file to write.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: PathBuf,
    /// The signature file whose checkpoints may end the proof (default: <db>.checkpoints.jsonl, if it exists).
    #[arg(long, value_name = "FILE", value_parser = input_file())]
    checkpoint: Option<PathBuf>,
}

/// Arguments of `audit check-bundle`.
#[derive(Debug, Args)]
pub(crate) struct CheckBundleArgs {
    /// The bundle file.
    #[arg(value_name = "FILE", value_parser = input_file())]
    file: PathBuf,
    /// The engine's public key (64 hex digits) a signed checkpoint must be made with.
    #[arg(long, value_name = "FILE", value_parser = input_file())]
    public_key: Option<PathBuf>,
}

/// Runs an audit subcommand.
pub(crate) fn run(command: AuditCommand) -> Result<Report, CliError> {
    match command {
        AuditCommand::CheckBundle(args) => check_bundle(args),
        command => runtime()?.block_on(run_on_db(command)),
    }
}

async fn run_on_db(command: AuditCommand) -> Result<Report, CliError> {
    match command {
        AuditCommand::Verify(args) => verify(args).await,
        AuditCommand::Checkpoint(args) => checkpoint(args).await,
        AuditCommand::AsOf(args) => as_of(args).await,
        AuditCommand::Revalidate(args) => revalidate(args).await,
        AuditCommand::Export(args) => export(args).await,
        AuditCommand::CheckBundle(args) => check_bundle(args),
    }
}

async fn store(db: &DbArg) -> Result<Arc<dyn EventStore>, CliError> {
    open_store(&db.db).await.map_err(open_error)
}

fn report(stdout: String) -> Report {
    Report {
        stdout,
        ..Report::default()
    }
}

/// The signature file named, or the default one beside a SQLite database. A named file must exist; the
/// default one may be absent (no signatures).
fn signature_file(db: &str, named: Option<&Path>) -> Result<Option<PathBuf>, CliError> {
    match named {
        Some(path) if path.is_file() => Ok(Some(path.to_owned())),
        Some(path) => Err(CliError::BadInput(format!(
            "签名文件不存在 no signature file {}",
            path.display()
        ))),
        None => Ok(default_signature_file(db).filter(|p| p.is_file())),
    }
}

fn read_signatures(path: Option<&Path>) -> Result<Vec<SignedCheckpoint>, CliError> {
    match path {
        Some(path) => SignatureFile::new(path).read().map_err(audit_error),
        None => Ok(Vec::new()),
    }
}

/// An error reading the input file `path`, naming the file when the message does not.
fn naming(path: &Path, error: govshare_audit::AuditError) -> CliError {
    let shown = path.display().to_string();
    match audit_error(error) {
        CliError::BadInput(message) if !message.contains(&shown) => {
            CliError::BadInput(format!("{shown}: {message}"))
        }
        other => other,
    }
}

fn read_public_key(path: &Path) -> Result<VerifyingKey, CliError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        CliError::BadInput(format!("公钥文件 public key file {}: {e}", path.display()))
    })?;
    govshare_audit::parse_public_key(text.trim()).map_err(|e| {
        CliError::BadInput(one_line(&format!(
            "公钥文件 public key file {}: {e}",
            path.display()
        )))
    })
}

fn hex(hash: &[u8; 32]) -> String {
    hash.iter().map(|b| format!("{b:02x}")).collect()
}

async fn verify(args: VerifyArgs) -> Result<Report, CliError> {
    let file = signature_file(&args.db.db, args.checkpoint.as_deref())?;
    let signatures = read_signatures(file.as_deref())?;
    let trusted = match (&args.public_key, &args.key) {
        (Some(path), _) => Some(read_public_key(path)?),
        (None, Some(key)) => Some(
            govshare_audit::load_key(key)
                .map_err(audit_error)?
                .verifying_key(),
        ),
        (None, None) => None,
    };
    let store = store(&args.db).await?;
    let mut out = String::new();
    if signatures.is_empty() {
        if args.require_signed_head {
            return Err(CliError::BadInput(
                "没有签名检查点 no signed checkpoints to require a signed head with".into(),
            ));
        }
        let chain = govshare_audit::verify(store.as_ref(), None)
            .await
            .map_err(audit_error)?;
        out.push_str(&format!(
            "哈希链 chain     通过 ok\n日志头 head      位置 position {}，哈希 hash {}\n签名 signatures  无 none\n",
            chain.head.position,
            hex(&chain.head.hash)
        ));
        return Ok(report(out));
    }
    let Some(trusted) = trusted else {
        return Err(CliError::BadInput(format!(
            "{} 个签名检查点需以引擎公钥核验：请给出 --public-key 或 --key ({} signed checkpoints need the engine's public key)",
            signatures.len(),
            signatures.len()
        )));
    };
    let signed = govshare_audit::verify_signed(
        store.as_ref(),
        &signatures,
        &trusted,
        SignedVerifyOptions {
            require_signed_head: args.require_signed_head,
        },
    )
    .await
    .map_err(audit_error)?;
    out.push_str(&format!(
        "哈希链 chain     通过 ok\n日志头 head      位置 position {}，哈希 hash {}\n",
        signed.chain.head.position,
        hex(&signed.chain.head.hash)
    ));
    out.push_str(&format!(
        "签名 signatures  {} 个通过 verified，最后签名位置 last signed position {}\n",
        signed.signatures,
        signed.last_signed.map_or(0, |c| c.position)
    ));
    if let Some(from) = signed.unsigned_from {
        out.push_str(&format!(
            "未签名 unsigned  位置 position {from}..={}（尚无签名覆盖 not yet covered by a signature）\n",
            signed.chain.head.position
        ));
    }
    Ok(report(out))
}

async fn checkpoint(args: CheckpointArgs) -> Result<Report, CliError> {
    let store = store(&args.db).await?;
    let Some(key) = args.key else {
        let head = store
            .head()
            .await
            .map_err(|e| CliError::Failed(one_line(&e.to_string())))?;
        return Ok(report(format!(
            "head {} {}\n",
            head.position,
            hex(&head.hash)
        )));
    };
    let file = match args
        .checkpoint
        .or_else(|| default_signature_file(&args.db.db))
    {
        Some(file) => file,
        None => {
            return Err(CliError::BadInput(
                "PostgreSQL 数据库需用 --checkpoint 指定签名文件 name the signature file with --checkpoint".into(),
            ));
        }
    };
    let signed = sign_once(store, &SigningConfig::new(key, &file), SystemClock.now())
        .await
        .map_err(app_error)?;
    let line = serde_json::to_string(&signed)
        .map_err(|e| CliError::Failed(format!("cannot print the signature: {e}")))?;
    Ok(report(format!(
        "head {} {}\n{line}\n",
        signed.position,
        hex(&signed.hash)
    )))
}

async fn as_of(args: AsOfArgs) -> Result<Report, CliError> {
    let store = store(&args.db).await?;
    let state = govshare_audit::as_of_json(store.as_ref(), &args.stream, args.at)
        .await
        .map_err(audit_error)?;
    if state.version == 0 {
        let exists = govshare_audit::as_of_json(store.as_ref(), &args.stream, AsOf::Head)
            .await
            .map_err(audit_error)?
            .version
            > 0;
        if !exists {
            return Err(CliError::BadInput(format!(
                "日志中没有这个流 no stream {} in the log",
                args.stream
            )));
        }
    }
    let text = serde_json::to_string_pretty(&state)
        .map_err(|e| CliError::Failed(format!("cannot print the state: {e}")))?;
    Ok(report(format!("{text}\n")))
}

async fn revalidate(args: RevalidateArgs) -> Result<Report, CliError> {
    let mut inputs = DecisionInputs::default();
    if let Some(path) = &args.categories {
        inputs = inputs
            .with_categories_file(path)
            .map_err(|e| naming(path, e))?;
    }
    for path in &args.rule_sets {
        inputs = inputs
            .with_rule_set_file(path)
            .map_err(|e| naming(path, e))?;
    }
    for path in &args.calendars {
        // Only compared by digest with what recorded commands name; a file that is no arrangement file
        // could never match, so it is refused as the `calendar` commands refuse it.
        let text = std::fs::read_to_string(path).map_err(|e| {
            CliError::BadInput(one_line(&format!("cannot read {}: {e}", path.display())))
        })?;
        govshare_workdays::Arrangements::from_json(&text)
            .map_err(|e| CliError::BadInput(one_line(&format!("{}: {e}", path.display()))))?;
        inputs = inputs.with_calendar_json(text);
    }
    let store = store(&args.db).await?;
    let mut options = RevalidationOptions::with_inputs(inputs);
    options.to = args.to;
    let result = govshare_audit::revalidate(store.as_ref(), options)
        .await
        .map_err(audit_error)?;
    let mut out = format!(
        "重新验证 revalidated  至位置 to position {}：{} 个事件 events，{} 条命令重新判定 commands re-decided，{} 条跳过 skipped，{} 个事件复现 events reproduced\n速率 rate  {:.0} 事件/秒 events/s\n",
        result.to,
        result.events,
        result.commands_revalidated,
        result.commands_skipped,
        result.events_reproduced,
        result.events_per_second()
    );
    for finding in &result.findings {
        out.push_str(&format!(
            "位置 position {}: {}\n",
            finding.position(),
            one_line(&finding.to_string())
        ));
    }
    if result.findings_not_kept > 0 {
        out.push_str(&format!(
            "另有 {} 处未列出 more findings not listed\n",
            result.findings_not_kept
        ));
    }
    let failure = if result.passed() {
        None
    } else {
        let first = result.findings.first().map(|f| f.position());
        Some(CliError::Failed(match first {
            Some(position) => format!(
                "重新验证未通过 revalidation failed: {} finding(s), the first at position {position}",
                result.findings.len() as u64 + result.findings_not_kept
            ),
            None => format!(
                "重新验证未通过 revalidation failed: {} command(s) could not be re-decided",
                result.commands_skipped
            ),
        }))
    };
    Ok(Report {
        stdout: out,
        notes: Vec::new(),
        failure,
    })
}

async fn export(args: ExportArgs) -> Result<Report, CliError> {
    let file = signature_file(&args.db.db, args.checkpoint.as_deref())?;
    let signatures = read_signatures(file.as_deref())?;
    let store = store(&args.db).await?;
    let options = BundleOptions {
        signatures,
        ..BundleOptions::default()
    };
    let bundle = govshare_audit::export_bundle(store.as_ref(), &args.case, &options)
        .await
        .map_err(audit_error)?;
    govshare_audit::write_bundle(&bundle, &args.output).map_err(audit_error)?;
    let case_events = bundle.events.iter().filter(|e| e.in_case).count();
    Ok(report(format!(
        "证据包 bundle  {}：案件 case {}，{} 个事件 events（本案 of the case {}），{} 条命令 commands，检查点 checkpoint {}{}\n",
        args.output.display(),
        bundle.application_id,
        bundle.events.len(),
        case_events,
        bundle.commands.len(),
        bundle.chain.checkpoint.position,
        if bundle.chain.signed.is_some() {
            "（已签名 signed）"
        } else {
            "（未签名 unsigned）"
        }
    )))
}

fn check_bundle(args: CheckBundleArgs) -> Result<Report, CliError> {
    let trusted = args
        .public_key
        .as_deref()
        .map(read_public_key)
        .transpose()?;
    let checked =
        govshare_audit::check_bundle_file(&args.file, trusted.as_ref()).map_err(audit_error)?;
    match checked {
        Ok(found) => Ok(report(format!(
            "证据包 bundle  通过 ok：案件 case {}，位置 positions {}..={}，{} 个事件 events（本案 of the case {}），{} 条命令 commands，{}\n",
            found.application_id,
            found.from,
            found.checkpoint.position,
            found.events,
            found.case_events,
            found.commands,
            match &found.signed_by {
                Some(key) => format!("签名公钥 signed by {key}"),
                None => "检查点未签名 checkpoint not signed".to_owned(),
            }
        ))),
        // A file that is no bundle at all (not JSON, not UTF-8) is bad input, not a finding about a bundle.
        Err(finding @ govshare_audit::BundleFinding::Unreadable { .. }) => Err(CliError::BadInput(
            one_line(&format!("{}: {finding}", args.file.display())),
        )),
        Err(finding) => Err(CliError::Failed(one_line(&match finding.position() {
            Some(position) => {
                format!("证据包未通过 bundle check failed at position {position}: {finding}")
            }
            None => format!("证据包未通过 bundle check failed: {finding}"),
        }))),
    }
}

/// `TYPE/ID`.
fn parse_stream(raw: &str) -> Result<StreamId, String> {
    match raw.split_once('/') {
        Some((kind, id)) if !kind.is_empty() && !id.is_empty() => Ok(StreamId::new(kind, id)),
        _ => Err(format!(
            "{raw:?} is not a stream (TYPE/ID, e.g. ShareApplication/SA-2026-0001)"
        )),
    }
}

/// A position (digits) or an RFC 3339 instant.
fn parse_as_of(raw: &str) -> Result<AsOf, String> {
    if !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit()) {
        return raw
            .parse::<Position>()
            .map(AsOf::Position)
            .map_err(|_| format!("{raw} is not a position"));
    }
    DateTime::parse_from_rfc3339(raw)
        .map(|at| AsOf::Instant(at.with_timezone(&Utc)))
        .map_err(|_| {
            format!(
                "{raw:?} is neither a position nor an RFC 3339 instant (2026-03-02T09:00:00+08:00)"
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_and_points() {
        assert_eq!(
            parse_stream("ShareApplication/SA-1"),
            Ok(StreamId::new("ShareApplication", "SA-1"))
        );
        assert!(parse_stream("ShareApplication").is_err());
        assert!(parse_stream("/x").is_err());
        assert_eq!(parse_as_of("120"), Ok(AsOf::Position(120)));
        assert!(matches!(
            parse_as_of("2026-03-02T09:00:00+08:00"),
            Ok(AsOf::Instant(_))
        ));
        for raw in ["", "-1", "2026-03-02", "2026-13-02T09:00:00Z", "soon"] {
            assert!(parse_as_of(raw).is_err(), "{raw}");
        }
    }
}
