//! `govshare report assessment`: the assessment report of 第三十八条 (all of it in `govshare-report`, over the
//! `assessment` read model brought up to the log's head through `govshare-app`; this module parses and
//! prints).

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use clap::{ArgGroup, Args, Subcommand};
use govshare_app::{App, AppConfig, models};
use govshare_report::{AssessmentRequest, Format, Lang, Period, ReportError, Scope};

use crate::Report;
use crate::common::{DbArg, app_error, one_line, open_error, runtime};
use crate::error::CliError;

/// Reports.
#[derive(Debug, Subcommand)]
pub(crate) enum ReportCommand {
    /// 考核评价 (第三十八条): the indicators of every department of a region, or of one department, over a
    /// month, a quarter or a year (Beijing dates).
    #[command(after_help = crate::EXIT_CODES)]
    Assessment(AssessmentArgs),
}

/// Arguments of `report assessment`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("scope").required(true).args(["region", "department"])))]
pub(crate) struct AssessmentArgs {
    #[command(flatten)]
    db: DbArg,
    /// The period: a year (2026), a quarter (2026Q3) or a month (2026-09).
    #[arg(long, value_name = "PERIOD", value_parser = parse_period)]
    period: Period,
    /// Every department registered in this division (e.g. 130000 for the province's own departments).
    #[arg(long, value_name = "CODE")]
    region: Option<String>,
    /// One department (e.g. 130000-public-security).
    #[arg(long, value_name = "CODE")]
    department: Option<String>,
    /// Count only facts recorded at or before this instant (RFC 3339, or a date meaning 00:00 Beijing time
    /// of that day); default: now. A report as of a past instant is the same, byte for byte, whenever run.
    #[arg(long, value_name = "INSTANT", value_parser = parse_instant)]
    as_of: Option<DateTime<Utc>>,
    /// Output format: md (markdown), json, csv or html.
    #[arg(long, value_name = "FORMAT", default_value = "md", value_parser = parse_format)]
    format: Format,
    /// Write the report to this file instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
    /// Language of names and headings: zh (default) or en.
    #[arg(long, value_name = "LANG", default_value = "zh", value_parser = parse_lang)]
    lang: Lang,
}

/// How long the read model may take to catch up with the log.
const CATCH_UP: Duration = Duration::from_secs(600);

/// Runs a report command.
pub(crate) fn run(command: ReportCommand) -> Result<Report, CliError> {
    match command {
        ReportCommand::Assessment(args) => assessment(args),
    }
}

fn assessment(args: AssessmentArgs) -> Result<Report, CliError> {
    let scope = match (&args.region, &args.department) {
        (Some(region), None) => Scope::Region(code_arg("--region", region)?),
        (None, Some(department)) => Scope::Department(code_arg("--department", department)?),
        // clap's group makes exactly one of them present; say so rather than guess.
        _ => {
            return Err(CliError::BadInput(
                "name exactly one of --region and --department".into(),
            ));
        }
    };
    let request = AssessmentRequest {
        period: args.period,
        scope,
        as_of: args.as_of.unwrap_or_else(Utc::now),
    };
    let text = runtime()?.block_on(async move {
        let config = AppConfig::new(args.db.db.clone())
            .existing_only()
            .with_projection_names(&[models::assessment::NAME])
            .map_err(open_error)?;
        let app = App::open(config).await.map_err(open_error)?;
        let result = compute(&app, &request, args.format, args.lang).await;
        app.shutdown().await.map_err(app_error)?;
        result
    })?;
    match args.output {
        None => Ok(Report {
            stdout: text,
            ..Report::default()
        }),
        Some(path) => {
            std::fs::write(&path, text.as_bytes()).map_err(|e| {
                CliError::BadInput(one_line(&format!("cannot write {}: {e}", path.display())))
            })?;
            Ok(Report {
                notes: vec![format!(
                    "考核评价报告 assessment report: {}",
                    path.display()
                )],
                ..Report::default()
            })
        }
    }
}

async fn compute(
    app: &App,
    request: &AssessmentRequest,
    format: Format,
    lang: Lang,
) -> Result<String, CliError> {
    let head = app
        .store()
        .head()
        .await
        .map_err(|e| CliError::Failed(one_line(&e.to_string())))?;
    app.runner()
        .map_err(app_error)?
        .wait_for(models::assessment::NAME, head.position, CATCH_UP)
        .await
        .map_err(|e| CliError::Failed(one_line(&e.to_string())))?;
    let rules = &app.engine().services().rules;
    let report = govshare_report::assessment(app.read_db(), rules, request)
        .await
        .map_err(report_error)?;
    Ok(govshare_report::render(&report, format, lang))
}

/// A request the report cannot answer as asked is bad input; a read model that fails is a failure.
fn report_error(err: ReportError) -> CliError {
    match err {
        ReportError::ReadModel(_) => CliError::Failed(one_line(&err.to_string())),
        _ => CliError::BadInput(one_line(&err.to_string())),
    }
}

fn code_arg(flag: &str, raw: &str) -> Result<String, CliError> {
    let code = raw.trim();
    if code.is_empty() || code.chars().any(char::is_whitespace) {
        return Err(CliError::BadInput(format!("{flag}: {raw:?} is not a code")));
    }
    Ok(code.to_owned())
}

fn parse_period(raw: &str) -> Result<Period, String> {
    raw.parse::<Period>().map_err(|e| e.to_string())
}

fn parse_format(raw: &str) -> Result<Format, String> {
    raw.parse::<Format>().map_err(|e| e.to_string())
}

fn parse_lang(raw: &str) -> Result<Lang, String> {
    raw.parse::<Lang>().map_err(|e| e.to_string())
}

/// An RFC 3339 instant, or a date taken as 00:00 Beijing time of that day.
fn parse_instant(raw: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(at) = DateTime::parse_from_rfc3339(raw) {
        return Ok(at.with_timezone(&Utc));
    }
    let bad = || {
        format!(
            "{raw:?} is neither an RFC 3339 instant (2026-10-01T00:00:00+08:00) nor a date (2026-10-01)"
        )
    };
    let date = NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| bad())?;
    let offset =
        chrono::FixedOffset::east_opt(govshare_workdays::BEIJING_OFFSET_SECONDS).ok_or_else(bad)?;
    offset
        .from_local_datetime(&date.and_time(NaiveTime::MIN))
        .single()
        .map(|at| at.with_timezone(&Utc))
        .ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_is_midnight_in_beijing() {
        assert_eq!(
            parse_instant("2026-10-01").unwrap().to_rfc3339(),
            "2026-09-30T16:00:00+00:00"
        );
        assert_eq!(
            parse_instant("2026-10-01T00:00:00+08:00").unwrap(),
            parse_instant("2026-10-01").unwrap()
        );
        for raw in ["", "2026-13-01", "yesterday", "2026-10-01 00:00"] {
            assert!(parse_instant(raw).is_err(), "{raw}");
        }
    }

    #[test]
    fn codes_are_one_word() {
        assert_eq!(code_arg("--region", " 130000 ").unwrap(), "130000");
        assert!(code_arg("--region", "").is_err());
        assert!(code_arg("--department", "130000 public").is_err());
    }
}
