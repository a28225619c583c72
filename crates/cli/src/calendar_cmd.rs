//! `govshare calendar …`: deadlines, working days and arrangement files, on the official holiday calendar
//! of [`govshare_workdays`] (2018–2026 built in, later years from `--calendar FILE`).

use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate, Weekday};
use clap::{Args, Subcommand};
use govshare_workdays::{
    Arrangements, Calendar, CalendarError, Coverage, Deadline, LoadError, YearArrangement,
};
use serde::Serialize;

use crate::error::CliError;
use crate::input::{When, input_file, parse_when, parse_working_days};
use crate::{EXIT_CODES, Report};

/// The `calendar` subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum CalendarCommand {
    /// Print the due Beijing date of "within N working days from FROM" (the start day is not counted; the
    /// deadline is the end, 24:00 Beijing time, of the N-th working day after it).
    #[command(after_help = EXIT_CODES)]
    Due(DueArgs),
    /// Print `true` if DATE is a working day, `false` otherwise.
    #[command(after_help = EXIT_CODES)]
    IsWorkday(IsWorkdayArgs),
    /// Print the number of working days after FROM up to and including TO (negative if TO is earlier).
    #[command(after_help = EXIT_CODES)]
    Between(BetweenArgs),
    /// Validate a holiday arrangement file and summarise it per year.
    #[command(after_help = EXIT_CODES)]
    Check(CheckArgs),
}

/// Extra arrangement files, shared by the subcommands that compute.
#[derive(Debug, Args)]
pub(crate) struct CalendarFiles {
    /// Add the years of a holiday arrangement file (same format as the built-in one, e.g. next year's
    /// arrangement). Repeatable.
    #[arg(long = "calendar", value_name = "FILE", value_parser = input_file())]
    files: Vec<PathBuf>,
}

/// Arguments of `calendar due`.
#[derive(Debug, Args)]
pub(crate) struct DueArgs {
    /// Start day: a Beijing date `YYYY-MM-DD`, or an RFC 3339 instant whose Beijing date is the start day.
    #[arg(value_parser = parse_when)]
    from: When,
    /// Number of working days (0 or more).
    // Negative numbers reach the parser, which explains the problem, instead of being taken for a flag.
    #[arg(value_parser = parse_working_days, allow_negative_numbers = true)]
    n: u32,
    /// Fail if the span reaches into a year with no holiday arrangement loaded, instead of answering
    /// provisionally (weekends only).
    #[arg(long)]
    strict: bool,
    /// Print the deadline as a JSON object.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    calendars: CalendarFiles,
}

/// Arguments of `calendar is-workday`.
#[derive(Debug, Args)]
pub(crate) struct IsWorkdayArgs {
    /// A Beijing date `YYYY-MM-DD`, or an RFC 3339 instant (its Beijing date).
    #[arg(value_parser = parse_when)]
    date: When,
    #[command(flatten)]
    calendars: CalendarFiles,
}

/// Arguments of `calendar between`.
#[derive(Debug, Args)]
pub(crate) struct BetweenArgs {
    /// First day (not counted): a Beijing date `YYYY-MM-DD`, or an RFC 3339 instant (its Beijing date).
    #[arg(value_parser = parse_when)]
    from: When,
    /// Last day (counted): a Beijing date `YYYY-MM-DD`, or an RFC 3339 instant (its Beijing date).
    #[arg(value_parser = parse_when)]
    to: When,
    /// Fail if the span reaches into a year with no holiday arrangement loaded.
    #[arg(long)]
    strict: bool,
    #[command(flatten)]
    calendars: CalendarFiles,
}

/// Arguments of `calendar check`.
#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// The arrangement file (JSON, the format of the built-in crates/workdays/data/cn-holidays.json).
    #[arg(value_parser = input_file())]
    file: PathBuf,
}

/// The `--json` form of a deadline: `due_at` in Beijing time rather than UTC.
#[derive(Debug, Serialize)]
struct DueJson {
    from_date: NaiveDate,
    working_days: u32,
    due_date: NaiveDate,
    due_at: String,
    provisional: bool,
}

impl From<&Deadline> for DueJson {
    fn from(deadline: &Deadline) -> Self {
        Self {
            from_date: deadline.from_date,
            working_days: deadline.working_days,
            due_date: deadline.due_date,
            due_at: deadline.due_at_beijing(),
            provisional: deadline.provisional,
        }
    }
}

/// Runs one `calendar` subcommand.
pub(crate) fn run(command: CalendarCommand) -> Result<Report, CliError> {
    match command {
        CalendarCommand::Due(args) => due(&args),
        CalendarCommand::IsWorkday(args) => is_workday(&args),
        CalendarCommand::Between(args) => between(&args),
        CalendarCommand::Check(args) => check(&args),
    }
}

fn due(args: &DueArgs) -> Result<Report, CliError> {
    let calendar = load_calendar(&args.calendars.files)?;
    let from = args.from.beijing_date();
    let deadline = calendar
        .due(from, args.n, coverage(args.strict))
        .map_err(calendar_error)?;
    let stdout = if args.json {
        let json = serde_json::to_string(&DueJson::from(&deadline))
            .map_err(|e| CliError::Failed(format!("cannot write JSON: {e}")))?;
        format!("{json}\n")
    } else {
        format!("{}\n", deadline.due_date)
    };
    let notes = if deadline.provisional {
        vec![provisional_note(&calendar, from, deadline.due_date)]
    } else {
        Vec::new()
    };
    Ok(Report {
        stdout,
        notes,
        failure: None,
    })
}

fn is_workday(args: &IsWorkdayArgs) -> Result<Report, CliError> {
    let calendar = load_calendar(&args.calendars.files)?;
    let date = args.date.beijing_date();
    let notes = if calendar.is_covered(date.year()) {
        Vec::new()
    } else {
        vec![format!(
            "provisional: no holiday arrangement is loaded for {}; only weekends count as rest days",
            date.year()
        )]
    };
    Ok(Report {
        stdout: format!("{}\n", calendar.is_working_day(date)),
        notes,
        failure: None,
    })
}

fn between(args: &BetweenArgs) -> Result<Report, CliError> {
    let calendar = load_calendar(&args.calendars.files)?;
    let (from, to) = (args.from.beijing_date(), args.to.beijing_date());
    let span = calendar
        .working_days_between(from, to, coverage(args.strict))
        .map_err(calendar_error)?;
    let notes = if span.provisional {
        vec![provisional_note(&calendar, from.min(to), from.max(to))]
    } else {
        Vec::new()
    };
    Ok(Report {
        stdout: format!("{}\n", span.days),
        notes,
        failure: None,
    })
}

fn check(args: &CheckArgs) -> Result<Report, CliError> {
    let path = &args.file;
    let text = read(path)?;
    let invalid = |e: LoadError| CliError::BadInput(format!("{}: {e}", path.display()));
    let arrangements = Arrangements::from_json(&text).map_err(invalid)?;
    // Also what `--calendar` does with the file: a year already built in must be identical to it.
    let calendar = Calendar::official()
        .with_extra_json(&text)
        .map_err(invalid)?;

    let years: Vec<i32> = arrangements.years().collect();
    let (Some(first), Some(last)) = (years.first(), years.last()) else {
        return Err(CliError::BadInput(format!(
            "{}: the file covers no year",
            path.display()
        )));
    };
    let mut lines = vec![
        format!("years covered: {first}-{last} ({} years)", years.len()),
        format!(
            "{:<6}{:>18}{:>17}{:>14}",
            "year", "weekday_days_off", "makeup_workdays", "working_days"
        ),
    ];
    for &year in &years {
        let Some(arrangement) = arrangements.year(year) else {
            continue;
        };
        lines.push(format!(
            "{:<6}{:>18}{:>17}{:>14}",
            year,
            weekday_days_off(arrangement),
            arrangement.makeup_workdays.len(),
            working_days_in_year(&calendar, year)?,
        ));
    }
    lines.push(String::new());
    Ok(Report {
        stdout: lines.join("\n"),
        notes: Vec::new(),
        failure: None,
    })
}

/// The built-in calendar plus the years of each file, in order.
fn load_calendar(files: &[PathBuf]) -> Result<Calendar, CliError> {
    let mut calendar = Calendar::official();
    for path in files {
        let text = read(path)?;
        calendar = calendar
            .with_extra_json(&text)
            .map_err(|e| CliError::BadInput(format!("{}: {e}", path.display())))?;
    }
    Ok(calendar)
}

fn read(path: &Path) -> Result<String, CliError> {
    std::fs::read_to_string(path)
        .map_err(|e| CliError::BadInput(format!("cannot read {}: {e}", path.display())))
}

fn coverage(strict: bool) -> Coverage {
    if strict {
        Coverage::Strict
    } else {
        Coverage::Provisional
    }
}

fn calendar_error(error: CalendarError) -> CliError {
    match error {
        CalendarError::UncoveredYear(_) => CliError::Failed(format!(
            "{error}; load it with --calendar FILE, or drop --strict for a provisional answer"
        )),
        CalendarError::OutOfRange => {
            CliError::Failed("the result falls outside the dates that can be counted".to_owned())
        }
    }
}

/// The note for a result that counted weekends only in some years of `(from, to]`.
fn provisional_note(calendar: &Calendar, from: NaiveDate, to: NaiveDate) -> String {
    let first = from.succ_opt().unwrap_or(from).year();
    let missing: Vec<String> = (first..=to.year())
        .filter(|&year| !calendar.is_covered(year))
        .map(|year| year.to_string())
        .collect();
    format!(
        "provisional: no holiday arrangement is loaded for {}; only weekends were counted as rest days there",
        missing.join(", ")
    )
}

/// Days off falling on Monday to Friday (those inside weekends cost no working day).
fn weekday_days_off(arrangement: &YearArrangement) -> usize {
    arrangement
        .days_off
        .iter()
        .filter(|date| !matches!(date.weekday(), Weekday::Sat | Weekday::Sun))
        .count()
}

fn working_days_in_year(calendar: &Calendar, year: i32) -> Result<i64, CliError> {
    let out_of_range = || {
        CliError::Failed(format!(
            "year {year} is outside the dates that can be counted"
        ))
    };
    let before = year
        .checked_sub(1)
        .and_then(|previous| NaiveDate::from_ymd_opt(previous, 12, 31))
        .ok_or_else(out_of_range)?;
    let last = NaiveDate::from_ymd_opt(year, 12, 31).ok_or_else(out_of_range)?;
    calendar
        .working_days_between(before, last, Coverage::Strict)
        .map(|span| span.days)
        .map_err(calendar_error)
}
