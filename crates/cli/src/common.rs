//! What the commands that open a database share: the runtime, the `--db` option and the mapping of library
//! errors onto the exit statuses.

use clap::Args;
use govshare_app::AppError;
use govshare_audit::AuditError;

use crate::error::CliError;

/// The database option every command that reads the log takes.
#[derive(Debug, Clone, Args)]
pub(crate) struct DbArg {
    /// The database: a SQLite file (it must exist) or a postgres:// URL.
    #[arg(long, value_name = "FILE|URL", default_value = "govshare.db")]
    pub db: String,
}

/// A runtime for one command.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CliError::Failed(format!("cannot start the runtime: {e}")))
}

/// Error messages are printed on one line.
pub(crate) fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Opening a database: a finding about the log is status 1; anything else (a missing file, an
/// unreachable server, a bad key file or configuration) is bad input.
pub(crate) fn open_error(err: AppError) -> CliError {
    if err.is_finding() {
        CliError::Failed(one_line(&err.to_string()))
    } else {
        CliError::BadInput(one_line(&err.to_string()))
    }
}

/// A failure after opening: findings and failures are status 1, bad configuration 2.
pub(crate) fn app_error(err: AppError) -> CliError {
    match err {
        AppError::Config(_) => CliError::BadInput(one_line(&err.to_string())),
        AppError::Signing(e) => audit_error(e),
        other => CliError::Failed(one_line(&other.to_string())),
    }
}

/// The audit's errors: a finding names its position and is status 1; unreadable files, keys and unknown
/// streams are bad input (2); a store that fails while being read is status 1.
pub(crate) fn audit_error(err: AuditError) -> CliError {
    match &err {
        AuditError::Tampered(finding) => CliError::Failed(one_line(&format!(
            "发现篡改 tampering detected at position {}: {finding}",
            finding.position()
        ))),
        AuditError::Io { .. }
        | AuditError::KeyExists { .. }
        | AuditError::BadKey { .. }
        | AuditError::BadSignatureFile { .. }
        | AuditError::UnknownKind(_)
        | AuditError::Invalid { .. } => CliError::BadInput(one_line(&err.to_string())),
        AuditError::Store(_) | AuditError::Codec(_) | AuditError::Random(_) => {
            CliError::Failed(one_line(&err.to_string()))
        }
    }
}

/// Display width of a table cell: CJK characters take two columns.
pub(crate) fn width(text: &str) -> usize {
    text.chars()
        .map(|c| if (c as u32) >= 0x1100 { 2 } else { 1 })
        .sum()
}

/// Lays out rows as columns separated by two spaces.
pub(crate) fn table(rows: &[Vec<String>]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|i| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .map(|c| width(c))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            line.push_str(cell);
            if i + 1 < row.len() {
                let pad = widths[i].saturating_sub(width(cell)) + 2;
                line.push_str(&" ".repeat(pad));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cjk_cells_are_two_columns_wide() {
        let rows = vec![
            vec!["申请编号".to_owned(), "x".to_owned()],
            vec!["SA-1".to_owned(), "y".to_owned()],
        ];
        assert_eq!(table(&rows), "申请编号  x\nSA-1      y\n");
    }
}
