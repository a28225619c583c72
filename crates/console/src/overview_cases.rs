//! The authority overview's case sections: objections in coordination (第十九条、第二十三条), security
//! incidents and the timeliness of their informs and reports (第三十四条), and rectification orders. Each
//! reads its read model's query functions under the API's visibility: a data authority sees every
//! department's; another department only the cases it is a party to (an application's parties as
//! `may_see_application` says; an incident it reported; an order it must carry out).

use chrono::{DateTime, Utc};
use govshare_domain::incident::IncidentStatus;
use govshare_domain::share_application::ShareStatus;
use govshare_projections::models::rectifications::{self, OrderFilter, OrderOutcome, OrderView};
use govshare_projections::models::{applications, incidents};
use govshare_projections::{Page, PageRequest};
use maud::{Markup, html};

use crate::desk::name;
use crate::i18n::{self, Lang};
use crate::{Console, PageError, Viewer};

/// At most this many rows are read from each model.
const MAX: usize = 5_000;

async fn read_all<T, F, Fut>(viewer: &Viewer, mut fetch: F) -> Result<Vec<T>, PageError>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: std::future::Future<Output = govshare_projections::Result<Page<T>>>,
{
    let mut items = Vec::new();
    let mut request = PageRequest::first(500);
    loop {
        let page = fetch(request).await.map_err(viewer.failed())?;
        items.extend(page.items);
        match page.next {
            Some(next) if items.len() < MAX => request = PageRequest::after(next, 500),
            _ => return Ok(items),
        }
    }
}

/// The applications whose objection awaits the authority's conclusion, visible to the viewer.
pub(crate) async fn objections(
    console: &Console,
    viewer: &Viewer,
) -> Result<Vec<applications::ApplicationView>, PageError> {
    let db = console.app.read_db();
    let all = read_all(viewer, |r| async move { applications::list(db, &r).await }).await?;
    let mut visible = Vec::new();
    for view in all
        .into_iter()
        .filter(|a| a.status == ShareStatus::ObjectionPending)
    {
        if console
            .app
            .may_see_application(&viewer.caller, &view)
            .await
            .is_ok()
        {
            visible.push(view);
        }
    }
    Ok(visible)
}

/// An incident with its informs and reports.
pub(crate) struct Incident {
    view: incidents::IncidentView,
    reports: Vec<incidents::ReportView>,
}

/// The incidents the viewer may see (a data authority: all; else those its department reported).
pub(crate) async fn incidents(
    console: &Console,
    viewer: &Viewer,
) -> Result<Vec<Incident>, PageError> {
    let db = console.app.read_db();
    let me = viewer.caller.actor.department.as_str().to_owned();
    let reporter = (!viewer.authority).then_some(me);
    let reporter = reporter.as_deref();
    let views = read_all(viewer, |r| async move {
        incidents::list(db, reporter, &r).await
    })
    .await?;
    let mut out = Vec::with_capacity(views.len());
    for view in views {
        let reports = incidents::reports(db, &view.incident_id)
            .await
            .map_err(viewer.failed())?;
        out.push(Incident { view, reports });
    }
    Ok(out)
}

/// The rectification orders the viewer may see (a data authority: all; else those its department must
/// carry out).
pub(crate) async fn orders(
    console: &Console,
    viewer: &Viewer,
) -> Result<Vec<OrderView>, PageError> {
    let db = console.app.read_db();
    let filter = OrderFilter {
        inspected: (!viewer.authority).then(|| viewer.caller.actor.department.as_str().to_owned()),
        ..OrderFilter::default()
    };
    let filter = &filter;
    read_all(viewer, |r| async move {
        rectifications::orders(db, filter, &r).await
    })
    .await
}

fn incident_status(lang: Lang, status: IncidentStatus) -> &'static str {
    match status {
        IncidentStatus::New => lang.pick("新建", "new"),
        IncidentStatus::Reported => lang.pick("已报告", "reported"),
        IncidentStatus::Investigated => lang.pick("已调查", "investigated"),
        IncidentStatus::Resolved => lang.pick("已处置", "resolved"),
        IncidentStatus::Reviewed => lang.pick("已复盘", "reviewed"),
        IncidentStatus::Closed => lang.pick("已结案", "closed"),
    }
}

fn outcome(lang: Lang, outcome: OrderOutcome) -> &'static str {
    match outcome {
        OrderOutcome::Ordered => lang.pick("整改中", "ordered, open"),
        OrderOutcome::Reported => lang.pick("已报告整改情况，待验收", "rectification reported"),
        OrderOutcome::Accepted => lang.pick("已验收（办结）", "accepted (done)"),
        OrderOutcome::Rejected => lang.pick("验收未通过，整改中", "rejected, open"),
    }
}

/// Whether an order still awaits rectification or its acceptance.
fn open(o: &OrderView) -> bool {
    o.outcome != OrderOutcome::Accepted
}

/// The three sections.
pub(crate) fn sections(
    lang: Lang,
    registry: &govshare_domain::organization::OrganizationRegistry,
    now: DateTime<Utc>,
    objections: &[applications::ApplicationView],
    incidents: &[Incident],
    orders: &[OrderView],
) -> Markup {
    let open_orders = orders.iter().filter(|o| open(o)).count();
    html! {
        section aria-labelledby="objections-h" {
            h2 #objections-h { (lang.pick("异议协调中", "Objections in coordination")) }
            p.muted { (lang.pick("提供部门不同意共享、申请部门提出异议，待主管部门协调处理（第十九条、第二十三条）。", "The provider refused, the requester objected; the authority's conclusion is awaited (arts. 19, 23).")) }
            @if objections.is_empty() {
                p.muted #objections-empty { (lang.pick("没有异议协调中的申请。", "No objection in coordination.")) }
            } @else {
                table #objections {
                    thead { tr {
                        th scope="col" { (lang.pick("案件", "Case")) }
                        th scope="col" { (lang.pick("申请部门", "Requester")) }
                        th scope="col" { (lang.pick("承办部门", "Owed by")) }
                        th scope="col" { (lang.pick("截止", "Due")) }
                        th scope="col" { (lang.pick("状态", "Status")) }
                    } }
                    tbody {
                        @for a in objections {
                            @let late = a.due_at.is_some_and(|d| d < now);
                            tr.overdue[late] {
                                td { a href=(format!("/console/applications/{}", a.application_id)) { (a.application_id) } }
                                td { (name(registry, &a.requester)) }
                                td { (a.owed_by.as_deref().map(|d| name(registry, d)).unwrap_or_else(|| "—".to_owned())) }
                                td { (a.due_at.map(i18n::beijing).unwrap_or_else(|| "—".to_owned())) }
                                td { (i18n::status(lang, a.status)) }
                            }
                        }
                    }
                }
            }
        }
        section aria-labelledby="incidents-h" {
            h2 #incidents-h { (lang.pick("安全事件及报告时效", "Security incidents and report timeliness")) }
            p.muted { (lang.pick("每起事件应在时限内告知提供部门并报告有关部门（第三十四条）：按时、逾期、待报告（已过时限的标红）。", "Each incident's informs and reports are due within their window (art. 34): on time, late, pending (past the window in red).")) }
            @if incidents.is_empty() {
                p.muted #incidents-empty { (lang.pick("没有安全事件。", "No security incidents.")) }
            } @else {
                table #incidents {
                    thead { tr {
                        th scope="col" { (lang.pick("事件", "Incident")) }
                        th scope="col" { (lang.pick("报告部门", "Reporter")) }
                        th scope="col" { (lang.pick("类别 / 等级", "Category / severity")) }
                        th scope="col" { (lang.pick("发现时间", "Detected")) }
                        th scope="col" { (lang.pick("状态", "Status")) }
                        th scope="col" { (lang.pick("按时", "On time")) }
                        th scope="col" { (lang.pick("逾期", "Late")) }
                        th scope="col" { (lang.pick("待报告", "Pending")) }
                        th scope="col" { (lang.pick("最早待报截止", "Next due")) }
                    } }
                    tbody {
                        @for i in incidents {
                            @let on_time = i.reports.iter().filter(|r| r.timeliness == incidents::Timeliness::OnTime).count();
                            @let late = i.reports.iter().filter(|r| r.timeliness == incidents::Timeliness::Late).count();
                            @let pending: Vec<&incidents::ReportView> = i.reports.iter().filter(|r| r.timeliness == incidents::Timeliness::Outstanding).collect();
                            @let past = pending.iter().any(|r| r.missed || r.due_at < now);
                            @let next_due = pending.iter().map(|r| r.due_at).min();
                            tr.overdue[past] {
                                td { (i.view.incident_id) }
                                td { (name(registry, &i.view.reporter)) }
                                td { (i.view.category) " / " (i.view.severity) }
                                td { (i18n::beijing(i.view.detected_at)) }
                                td { (incident_status(lang, i.view.status)) }
                                td { (on_time) }
                                td { span.bad[late > 0] { (late) } }
                                td { (pending.len()) }
                                td { (next_due.map(i18n::beijing).unwrap_or_else(|| "—".to_owned())) }
                            }
                        }
                    }
                }
            }
        }
        section aria-labelledby="orders-h" {
            h2 #orders-h { (lang.pick("整改通知", "Rectification orders")) }
            p.muted {
                (lang.pick("未办结 ", "Open: ")) (open_orders) " · "
                (lang.pick("已办结 ", "done: ")) (orders.len() - open_orders)
            }
            @if orders.is_empty() {
                p.muted #orders-empty { (lang.pick("没有整改通知。", "No rectification orders.")) }
            } @else {
                table #orders {
                    thead { tr {
                        th scope="col" { (lang.pick("督查案件 / 序号", "Case / order")) }
                        th scope="col" { (lang.pick("整改部门", "Department")) }
                        th scope="col" { (lang.pick("下达部门", "Ordered by")) }
                        th scope="col" { (lang.pick("整改要求", "Requirements")) }
                        th scope="col" { (lang.pick("整改期限", "Due")) }
                        th scope="col" { (lang.pick("情况", "State")) }
                    } }
                    tbody {
                        @for o in orders {
                            @let late = open(o) && (o.overdue || o.due_at.is_some_and(|d| d < now));
                            tr.overdue[late] {
                                td { (o.case_id) " #" (o.order) }
                                td { (name(registry, &o.inspected)) }
                                td { (name(registry, &o.authority)) }
                                td { (o.requirements) }
                                td { (o.due_at.map(i18n::beijing).unwrap_or_else(|| "—".to_owned())) }
                                td { (outcome(lang, o.outcome)) @if o.overdue { br; span.bad { (lang.pick("已记录逾期（第四十一条）", "miss recorded (art. 41)")) } } }
                            }
                        }
                    }
                }
            }
        }
    }
}
