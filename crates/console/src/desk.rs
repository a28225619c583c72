//! 部门工作台 the department desk: what the signed-in department owes (its inbox and every open deadline it
//! owes), soonest due first, with the working days left; what it waits for from others (its outbox).

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use govshare_domain::DeadlineId;
use govshare_domain::organization::OrganizationRegistry;
use govshare_projections::PageRequest;
use govshare_projections::models::{applications, deadlines};
use govshare_workdays::{Calendar, Coverage, beijing_date};
use maud::{Markup, html};

use crate::i18n::{self, Lang};
use crate::layout::page;
use crate::{Console, PageError, Viewer};

/// How many rows each list shows.
const ROWS: u32 = 200;

/// Where a due instant stands as of now: overdue, or the working days left after today (on the official
/// calendar, through `govshare-workdays`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Due {
    /// The due instant has passed.
    Overdue,
    /// Working days left after today (0: due today).
    Left(i64),
    /// The calendar cannot count the span (a date outside the years it counts).
    Unknown,
}

impl Due {
    pub(crate) fn of(calendar: &Calendar, now: DateTime<Utc>, due_at: DateTime<Utc>) -> Due {
        if due_at < now {
            return Due::Overdue;
        }
        calendar
            .working_days_between(
                beijing_date(now),
                beijing_date(due_at),
                Coverage::Provisional,
            )
            .map_or(Due::Unknown, |span| Due::Left(span.days))
    }

    pub(crate) fn overdue(self) -> bool {
        self == Due::Overdue
    }

    pub(crate) fn cell(self, lang: Lang) -> Markup {
        html! {
            @match self {
                Due::Overdue => span.bad { (lang.pick("已逾期", "overdue")) },
                Due::Left(0) => span.bad { (lang.pick("今日截止", "due today")) },
                Due::Left(n) => { (lang.pick("剩余 ", "")) strong { (n) } (lang.pick(" 个工作日", " working days left")) },
                Due::Unknown => span.muted { "—" },
            }
        }
    }
}

/// A department's name from the registry (its code if unknown).
pub(crate) fn name(registry: &OrganizationRegistry, code: &str) -> String {
    registry
        .departments()
        .find(|d| d.code.as_str() == code)
        .map_or_else(|| code.to_owned(), |d| d.name.clone())
}

/// `GET /console`.
pub(crate) async fn desk(
    State(console): State<Console>,
    viewer: Viewer,
) -> Result<Response, PageError> {
    let lang = viewer.lang;
    let app = &console.app;
    let me = viewer.caller.actor.department.as_str().to_owned();
    app.may_see_department(&viewer.caller, &me)
        .await
        .map_err(viewer.failed())?;
    let db = app.read_db();
    let first = PageRequest::first(ROWS);
    let inbox = applications::inbox(db, &me, &first)
        .await
        .map_err(viewer.failed())?;
    let outbox = applications::outbox(db, &me, &first)
        .await
        .map_err(viewer.failed())?;
    let owed = deadlines::list(
        db,
        &deadlines::DeadlineFilter::outstanding().owed_by(&me),
        &first,
    )
    .await
    .map_err(viewer.failed())?;
    let registry = app.engine().registry().await.map_err(viewer.failed())?;
    let now = app.engine().clock().now();
    let calendar = &app.engine().services().calendar;
    let due = |at: Option<DateTime<Utc>>| at.map(|at| Due::of(calendar, now, at));

    let title = lang.pick("部门工作台", "Department desk");
    let overdue_count = inbox
        .items
        .iter()
        .filter(|a| due(a.due_at).is_some_and(Due::overdue))
        .count();
    let body = html! {
        h1 { (title) " — " (viewer.department_name) }
        p.muted {
            (lang.pick("当前时间（北京时间）：", "Now (Beijing time): ")) (i18n::beijing(now))
            @if overdue_count > 0 {
                " · " span.bad { (lang.pick("逾期待办 ", "overdue: ")) (overdue_count) }
            }
        }
        p.noprint { a #apply-link href="/console/apply" { (lang.pick("＋ 提出共享申请", "+ New share application")) } }
        section aria-labelledby="inbox-h" {
            h2 #inbox-h { (lang.pick("待办：本部门应办理的申请", "Owed by us: applications awaiting our act")) }
            @if inbox.items.is_empty() {
                p.muted { (lang.pick("暂无待办。", "Nothing owed.")) }
            } @else {
                table #inbox {
                    caption { (lang.pick("按截止时间排序，最早到期在前；逾期以红色标出。", "Soonest due first; overdue in red.")) }
                    thead { tr {
                        th scope="col" { (lang.pick("申请编号", "Application")) }
                        th scope="col" { (lang.pick("申请部门", "Requester")) }
                        th scope="col" { (lang.pick("应办事项", "Act owed")) }
                        th scope="col" { (lang.pick("状态", "Status")) }
                        th scope="col" { (lang.pick("截止时间", "Due")) }
                        th scope="col" { (lang.pick("剩余工作日", "Working days left")) }
                    } }
                    tbody {
                        @for a in &inbox.items {
                            @let d = due(a.due_at);
                            tr.overdue[d.is_some_and(Due::overdue)] {
                                td { a href=(format!("/console/applications/{}", a.application_id)) { (a.application_id) } }
                                td { (name(&registry, &a.requester)) }
                                td { (a.owed_act.as_deref().map(|k| i18n::act(lang, k)).unwrap_or_default()) }
                                td { (i18n::status(lang, a.status)) }
                                td { (a.due_at.map(i18n::beijing).unwrap_or_else(|| "—".into())) }
                                td { @if let Some(d) = d { (d.cell(lang)) } @else { span.muted { "—" } } }
                            }
                        }
                    }
                }
                @if inbox.next.is_some() { p.muted { (lang.pick("仅显示前 200 条。", "Showing the first 200.")) } }
            }
        }
        section aria-labelledby="outbox-h" {
            h2 #outbox-h { (lang.pick("等待他方：本部门提出的申请", "Waiting for others: applications we submitted")) }
            @if outbox.items.is_empty() {
                p.muted { (lang.pick("暂无申请。", "No applications.")) }
            } @else {
                table #outbox {
                    thead { tr {
                        th scope="col" { (lang.pick("申请编号", "Application")) }
                        th scope="col" { (lang.pick("状态", "Status")) }
                        th scope="col" { (lang.pick("当前承办部门", "Now with")) }
                        th scope="col" { (lang.pick("应办事项", "Act owed")) }
                        th scope="col" { (lang.pick("截止时间", "Due")) }
                        th scope="col" { (lang.pick("剩余工作日", "Working days left")) }
                    } }
                    tbody {
                        @for a in &outbox.items {
                            @let d = due(a.due_at);
                            tr.overdue[d.is_some_and(Due::overdue)] {
                                td { a href=(format!("/console/applications/{}", a.application_id)) { (a.application_id) } }
                                td { (i18n::status(lang, a.status)) }
                                td { (a.owed_by.as_deref().map(|c| name(&registry, c)).unwrap_or_else(|| "—".into())) }
                                td { (a.owed_act.as_deref().map(|k| i18n::act(lang, k)).unwrap_or_default()) }
                                td { (a.due_at.map(i18n::beijing).unwrap_or_else(|| "—".into())) }
                                td { @if let Some(d) = d { (d.cell(lang)) } @else { span.muted { "—" } } }
                            }
                        }
                    }
                }
            }
        }
        section aria-labelledby="owed-h" {
            h2 #owed-h { (lang.pick("本部门全部未办结时限", "Every open deadline we owe")) }
            @if owed.items.is_empty() {
                p.muted { (lang.pick("暂无。", "None.")) }
            } @else {
                table #deadlines {
                    caption { (lang.pick("含目录更新、数据校核等各类事项。", "Catalog updates, verifications and every other case.")) }
                    thead { tr {
                        th scope="col" { (lang.pick("案件", "Case")) }
                        th scope="col" { (lang.pick("事项", "Act")) }
                        th scope="col" { (lang.pick("条款", "Article")) }
                        th scope="col" { (lang.pick("截止时间", "Due")) }
                        th scope="col" { (lang.pick("剩余工作日", "Working days left")) }
                    } }
                    tbody {
                        @for d in &owed.items {
                            @let left = Due::of(calendar, now, d.due_at);
                            tr.overdue[left.overdue() || d.missed] {
                                td {
                                    @if d.case.aggregate_type == "ShareApplication" {
                                        a href=(format!("/console/applications/{}", d.case.aggregate_id)) { (d.case.aggregate_id) }
                                    } @else {
                                        (d.case.aggregate_id) " " span.muted { "(" (d.case.aggregate_type) ")" }
                                    }
                                }
                                td { (i18n::act(lang, &d.what)) }
                                td { (DeadlineId(d.deadline_id.clone()).article().unwrap_or("—")) }
                                td { (i18n::beijing(d.due_at)) }
                                td { (left.cell(lang)) @if d.missed { " " span.tag.bad { (lang.pick("已记录逾期", "miss recorded")) } } }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(page(lang, title, Some(&viewer), body).into_response())
}
