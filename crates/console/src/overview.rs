//! 主管部门总览 the authority overview: open and overdue deadlines by department, and every overdue one. The
//! deadlines are read as the API reads them (`queries::visible_deadlines`): a data authority sees every
//! department's; any other department sees only its own. Then objections in coordination, security incidents
//! and rectification orders (`overview_cases`).

use std::collections::BTreeMap;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use govshare_domain::DeadlineId;
use govshare_projections::PageRequest;
use govshare_projections::models::deadlines::DeadlineItem;
use govshare_server::queries::{DeadlineStatus, visible_deadlines};
use maud::html;

use crate::desk::{Due, name};
use crate::i18n;
use crate::layout::page;
use crate::{Console, PageError, Viewer, overview_cases};

/// At most this many deadlines are read per status.
const MAX: usize = 20_000;

async fn all(
    console: &Console,
    viewer: &Viewer,
    status: DeadlineStatus,
) -> Result<Vec<DeadlineItem>, PageError> {
    let mut items = Vec::new();
    let mut request = PageRequest::first(1000);
    loop {
        let page = visible_deadlines(&console.app, &viewer.caller, status, None, &request)
            .await
            .map_err(viewer.failed())?;
        items.extend(page.items);
        match page.next {
            Some(next) if items.len() < MAX => request = PageRequest::after(next, 1000),
            _ => return Ok(items),
        }
    }
}

#[derive(Debug, Default)]
struct Row {
    open: usize,
    overdue: usize,
    missed: usize,
    soonest: Option<chrono::DateTime<chrono::Utc>>,
}

/// `GET /console/overview`.
pub(crate) async fn overview(
    State(console): State<Console>,
    viewer: Viewer,
) -> Result<Response, PageError> {
    let lang = viewer.lang;
    let mut items = all(&console, &viewer, DeadlineStatus::Open).await?;
    items.extend(all(&console, &viewer, DeadlineStatus::Overdue).await?);
    let engine = console.app.engine();
    let registry = engine.registry().await.map_err(viewer.failed())?;
    let now = engine.clock().now();
    let calendar = &engine.services().calendar;
    let objections = overview_cases::objections(&console, &viewer).await?;
    let incidents = overview_cases::incidents(&console, &viewer).await?;
    let orders = overview_cases::orders(&console, &viewer).await?;
    let mut rows: BTreeMap<String, Row> = BTreeMap::new();
    let mut overdue: Vec<&DeadlineItem> = Vec::new();
    for d in &items {
        let row = rows.entry(d.owed_by.clone()).or_default();
        row.open += 1;
        if d.missed {
            row.missed += 1;
        }
        if d.missed || Due::of(calendar, now, d.due_at).overdue() {
            row.overdue += 1;
            overdue.push(d);
        }
        row.soonest = Some(row.soonest.map_or(d.due_at, |s| s.min(d.due_at)));
    }
    overdue.sort_by(|a, b| (a.due_at, &a.deadline_id).cmp(&(b.due_at, &b.deadline_id)));
    let mut by_department: Vec<(&String, &Row)> = rows.iter().collect();
    by_department.sort_by(|a, b| b.1.overdue.cmp(&a.1.overdue).then(a.0.cmp(b.0)));
    let title = lang.pick("主管部门总览", "Authority overview");
    let body = html! {
        h1 { (title) }
        p.muted {
            @if viewer.authority {
                (lang.pick("全部部门的未办结时限。", "Every department's open deadlines."))
            } @else {
                (lang.pick("仅政务数据主管部门可查看全部部门；此处只列出本部门。", "Only a data authority sees every department; this lists yours."))
            }
            " " (lang.pick("当前时间（北京时间）：", "Now (Beijing time): ")) (i18n::beijing(now))
        }
        section aria-labelledby="by-h" {
            h2 #by-h { (lang.pick("按部门统计", "By department")) }
            @if by_department.is_empty() {
                p.muted { (lang.pick("没有未办结的时限。", "No open deadlines.")) }
            } @else {
                table #by-department {
                    caption { (lang.pick("逾期多的部门在前。", "Most overdue first.")) }
                    thead { tr {
                        th scope="col" { (lang.pick("部门", "Department")) }
                        th scope="col" { (lang.pick("未办结", "Open")) }
                        th scope="col" { (lang.pick("已逾期", "Overdue")) }
                        th scope="col" { (lang.pick("其中已记录逾期", "Miss recorded")) }
                        th scope="col" { (lang.pick("最早截止", "Soonest due")) }
                    } }
                    tbody {
                        @for (code, row) in &by_department {
                            tr.overdue[row.overdue > 0] {
                                td { (name(&registry, code)) br; span.muted { (code) } }
                                td { (row.open) }
                                td { (row.overdue) }
                                td { (row.missed) }
                                td { (row.soonest.map(i18n::beijing).unwrap_or_default()) }
                            }
                        }
                    }
                }
            }
        }
        section aria-labelledby="late-h" {
            h2 #late-h { (lang.pick("逾期时限", "Overdue deadlines")) }
            @if overdue.is_empty() {
                p.muted { (lang.pick("没有逾期。", "Nothing overdue.")) }
            } @else {
                table #overdue {
                    thead { tr {
                        th scope="col" { (lang.pick("案件", "Case")) }
                        th scope="col" { (lang.pick("事项", "Act")) }
                        th scope="col" { (lang.pick("条款", "Article")) }
                        th scope="col" { (lang.pick("承办部门", "Owed by")) }
                        th scope="col" { (lang.pick("截止", "Due")) }
                        th scope="col" { (lang.pick("情况", "State")) }
                    } }
                    tbody {
                        @for d in &overdue {
                            tr.overdue {
                                td {
                                    @if d.case.aggregate_type == "ShareApplication" {
                                        a href=(format!("/console/applications/{}", d.case.aggregate_id)) { (d.case.aggregate_id) }
                                    } @else {
                                        (d.case.aggregate_id) " " span.muted { "(" (d.case.aggregate_type) ")" }
                                    }
                                }
                                td { (i18n::act(lang, &d.what)) }
                                td { (DeadlineId(d.deadline_id.clone()).article().unwrap_or("—")) }
                                td { (name(&registry, &d.owed_by)) }
                                td { (i18n::beijing(d.due_at)) }
                                td { @if d.missed { (lang.pick("已记录逾期（第四十一条）", "miss recorded (art. 41)")) } @else { (lang.pick("已过截止，待记录", "past due, not yet recorded")) } }
                            }
                        }
                    }
                }
            }
        }
        (overview_cases::sections(lang, &registry, now, &objections, &incidents, &orders))
    };
    Ok(page(lang, title, Some(&viewer), body).into_response())
}
