//! `govshare`: the command-line front end of the govshare engine.
//!
//! The binary is thin: it parses arguments, calls the libraries and prints. Results go to stdout in a
//! machine-friendly form; notes (provisional results) and errors go to stderr.

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod audit_cmd;
mod calendar_cmd;
mod common;
mod demo_cmd;
mod error;
mod inbox_cmd;
mod input;
mod replay_cmd;
mod report_cmd;
mod serve_cmd;
mod token_cmd;

use std::io::Write;
use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::{Parser, Subcommand};

use crate::calendar_cmd::CalendarCommand;
use crate::error::CliError;

/// Shown at the end of `--help`: the exit codes scripts can rely on.
pub(crate) const EXIT_CODES: &str = "\
Exit status:
  0  success
  1  a finding or a request that could not be answered: the chain, a signature or a bundle does not verify,
     re-validation names events the rules would not have produced (the position is named), or e.g.
     --strict and a year with no holiday arrangement loaded
  2  bad input: a malformed argument, an unreadable or invalid file, a database file that does not exist
     or a server that cannot be reached, an unknown stream, department or read model
Errors are one line on stderr, starting with 'error: '.";

/// Command-line front end of govshare, the Hebei government data-sharing workflow engine.
#[derive(Debug, Parser)]
#[command(name = "govshare", version, after_help = EXIT_CODES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Working-day calendar: deadlines, working days, holiday arrangement files (Beijing time).
    #[command(subcommand, after_help = EXIT_CODES)]
    Calendar(CalendarCommand),
    /// Seed a fresh database with the Hebei demo province and simulate months of data sharing; prints a
    /// summary and the head checkpoint (`head <position> <hash>`).
    #[command(after_help = EXIT_CODES)]
    Demo(demo_cmd::DemoArgs),
    /// Rebuild the read models (all, or one) from position 0 and switch over; prints the rate.
    #[command(after_help = EXIT_CODES)]
    Replay(replay_cmd::ReplayArgs),
    /// Audit the raw log: chain and signed checkpoints, state as of a point, re-validation, evidence bundles.
    #[command(subcommand, after_help = EXIT_CODES)]
    Audit(audit_cmd::AuditCommand),
    /// What a department owes on share applications, soonest due first.
    #[command(after_help = EXIT_CODES)]
    Inbox(inbox_cmd::InboxArgs),
    /// Reports over the read models: the assessment of 第三十八条.
    #[command(subcommand, after_help = EXIT_CODES)]
    Report(report_cmd::ReportCommand),
    /// Serve the HTTP API (JSON commands and queries, bearer tokens) until Ctrl-C; with --demo, seed the demo
    /// province first and print two ready-to-paste tokens.
    #[command(after_help = EXIT_CODES)]
    Serve(serve_cmd::ServeArgs),
    /// The HTTP API's bearer tokens: issue (printed once; only the hash is stored), list, revoke.
    #[command(subcommand, after_help = EXIT_CODES)]
    Token(token_cmd::TokenCommand),
}

/// What a command prints: `stdout` verbatim, each note as a `note: …` line on stderr, then, if the command
/// found something wrong after printing its results (re-validation findings), the error and its status.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Report {
    pub stdout: String,
    pub notes: Vec<String>,
    pub failure: Option<CliError>,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return clap_exit(&err),
    };
    let result = match cli.command {
        Command::Calendar(command) => calendar_cmd::run(command),
        Command::Demo(args) => demo_cmd::run(args),
        Command::Replay(args) => replay_cmd::run(args),
        Command::Audit(command) => audit_cmd::run(command),
        Command::Inbox(args) => inbox_cmd::run(args),
        Command::Report(command) => report_cmd::run(command),
        Command::Serve(args) => serve_cmd::run(args),
        Command::Token(command) => token_cmd::run(command),
    };
    let result = result.and_then(|report| {
        print(&report)?;
        report.failure.map_or(Ok(()), Err)
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(err.exit_code())
        }
    }
}

fn print(report: &Report) -> Result<(), CliError> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(report.stdout.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| CliError::Failed(format!("cannot write to stdout: {e}")))?;
    let mut stderr = std::io::stderr().lock();
    for note in &report.notes {
        // Nothing useful can be done if stderr itself is gone.
        let _ = writeln!(stderr, "note: {note}");
    }
    Ok(())
}

/// Help and version go out as clap writes them; usage errors are squeezed onto one `error: …` line (clap's
/// own rendering spans several) and exit with the bad-input status.
fn clap_exit(err: &clap::Error) -> ExitCode {
    match err.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            // `exit` would end the process from inside a library; print and map the code ourselves.
            let _ = err.print();
            if err.use_stderr() {
                ExitCode::from(CliError::BAD_INPUT)
            } else {
                ExitCode::SUCCESS
            }
        }
        _ => {
            eprintln!("{}", one_line(&err.render().to_string()));
            ExitCode::from(CliError::BAD_INPUT)
        }
    }
}

/// Joins the lines of a clap error message up to its usage block.
fn one_line(rendered: &str) -> String {
    rendered
        .lines()
        .map(str::trim)
        .take_while(|line| !line.starts_with("Usage:") && !line.starts_with("For more information"))
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn clap_errors_become_one_line() {
        let rendered = "error: the following required arguments were not provided:\n  <N>\n\n\
                        Usage: govshare calendar due <FROM> <N>\n\nFor more information, try '--help'.\n";
        assert_eq!(
            one_line(rendered),
            "error: the following required arguments were not provided: <N>"
        );
    }
}
