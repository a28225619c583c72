//! `govshare inbox`: what a department owes on share applications, soonest due first (the read model
//! `applications`, brought up to the log's head through `govshare-app`).

use std::time::Duration;

use chrono::{DateTime, FixedOffset, Utc};
use clap::{Args, ValueEnum};
use govshare_app::{App, AppConfig, models};
use govshare_domain::DepartmentCode;
use govshare_projections::{MAX_LIMIT, PageRequest};

use crate::Report;
use crate::common::{DbArg, app_error, one_line, open_error, runtime, table};
use crate::error::CliError;

/// Language of the table's headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Lang {
    /// 中文 (default).
    Zh,
    /// English.
    En,
}

/// Arguments of `inbox`.
#[derive(Debug, Args)]
pub(crate) struct InboxArgs {
    #[command(flatten)]
    db: DbArg,
    /// The department's code (e.g. 130000-public-security).
    #[arg(long, value_name = "CODE")]
    department: String,
    /// Language of the headers.
    #[arg(long, value_enum, default_value_t = Lang::Zh)]
    lang: Lang,
}

const CATCH_UP: Duration = Duration::from_secs(600);

/// Lists the department's inbox.
pub(crate) fn run(args: InboxArgs) -> Result<Report, CliError> {
    let department = DepartmentCode::parse(&args.department)
        .map_err(|e| CliError::BadInput(one_line(&format!("--department: {e}"))))?;
    runtime()?.block_on(async move {
        let config = AppConfig::new(args.db.db.clone())
            .existing_only()
            .with_projection_names(&[models::applications::NAME])
            .map_err(open_error)?;
        let app = App::open(config).await.map_err(open_error)?;
        let result = list(&app, &department, args.lang).await;
        app.shutdown().await.map_err(app_error)?;
        result
    })
}

async fn list(app: &App, department: &DepartmentCode, lang: Lang) -> Result<Report, CliError> {
    let registry = app
        .engine()
        .registry()
        .await
        .map_err(|e| CliError::Failed(one_line(&e.to_string())))?;
    if registry.department(department).is_none() {
        return Err(CliError::BadInput(format!(
            "未登记的部门 department {department} is not registered"
        )));
    }
    let head = app
        .store()
        .head()
        .await
        .map_err(|e| CliError::Failed(one_line(&e.to_string())))?;
    let runner = app.runner().map_err(app_error)?;
    runner
        .wait_for(models::applications::NAME, head.position, CATCH_UP)
        .await
        .map_err(|e| CliError::Failed(one_line(&e.to_string())))?;
    let mut items = Vec::new();
    let mut page = PageRequest::first(MAX_LIMIT);
    loop {
        let got = models::applications::inbox(app.read_db(), department.as_str(), &page)
            .await
            .map_err(|e| CliError::Failed(one_line(&e.to_string())))?;
        items.extend(got.items);
        match got.next {
            Some(cursor) => page = PageRequest::after(cursor, MAX_LIMIT),
            None => break,
        }
    }
    let header: Vec<String> = match lang {
        Lang::Zh => [
            "到期（北京时间）",
            "申请编号",
            "申请部门",
            "应办事项",
            "状态",
        ],
        Lang::En => [
            "Due (Beijing)",
            "Application",
            "Requester",
            "Act owed",
            "Status",
        ],
    }
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    let mut rows = vec![header];
    for item in &items {
        rows.push(vec![
            item.due_at.map_or_else(|| "—".to_owned(), beijing),
            item.application_id.clone(),
            item.requester.clone(),
            item.owed_act
                .as_deref()
                .map_or_else(|| "—".to_owned(), |act| with_article(app, act)),
            serde_json::to_value(item.status)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
        ]);
    }
    let title = match lang {
        Lang::Zh => format!("{department} 待办 {} 件\n", items.len()),
        Lang::En => format!("{department} owes {} act(s)\n", items.len()),
    };
    Ok(Report {
        stdout: format!("{title}{}", table(&rows)),
        ..Report::default()
    })
}

/// The act with the article its deadline rests on, as the engine's rule set cites it: `share_provider_reply
/// （第十九条）`.
fn with_article(app: &App, act: &str) -> String {
    let article = app
        .engine()
        .services()
        .rules
        .sources
        .get(act)
        .and_then(|source| source.split([':', '：']).next())
        .map(str::trim)
        .filter(|a| a.starts_with('第'));
    match article {
        Some(article) => format!("{act}（{article}）"),
        None => act.to_owned(),
    }
}

/// An instant as Beijing wall-clock time.
fn beijing(at: DateTime<Utc>) -> String {
    match FixedOffset::east_opt(govshare_workdays::BEIJING_OFFSET_SECONDS) {
        Some(offset) => at
            .with_timezone(&offset)
            .format("%Y-%m-%d %H:%M")
            .to_string(),
        None => at.format("%Y-%m-%dT%H:%MZ").to_string(),
    }
}
