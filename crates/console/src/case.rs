//! 案件详情 one share application: its facts, deadlines and timeline, and the acts open to the signed-in
//! department as forms. A form becomes the engine's command (parsed as the API parses it) and is executed with
//! the session's actor; a refusal is shown on the page, with what was typed, and records nothing.

use std::collections::HashMap;

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use govshare_domain::DeadlineId;
use govshare_projections::PageRequest;
use govshare_projections::models::{applications, audit, catalog, deadlines};
use govshare_server::commands::parse_command;
use govshare_server::queries::visible_application;
use govshare_server::{Code, Problem};
use govshare_store::StreamId;
use maud::{Markup, html};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::desk::{Due, name};
use crate::i18n::{self, Lang};
use crate::layout::{self, page};
use crate::session::CSRF_FIELD;
use crate::{Console, PageError, Viewer};

/// The form field naming the act.
const ACT_FIELD: &str = "act";
/// The form field carrying the command id (minted with the page: submitting twice records once).
const COMMAND_ID_FIELD: &str = "command_id";

/// The acts a form may ask for (each one command of the share application).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Act {
    Agree,
    Refuse,
    Forward,
    Return,
    ForwardUp,
    Provide,
    Object,
    Conclude,
    Resubmit,
    Withdraw,
}

const ACTS: [Act; 10] = [
    Act::Agree,
    Act::Refuse,
    Act::Forward,
    Act::Return,
    Act::ForwardUp,
    Act::Provide,
    Act::Object,
    Act::Conclude,
    Act::Resubmit,
    Act::Withdraw,
];

impl Act {
    fn key(self) -> &'static str {
        match self {
            Act::Agree => "agree",
            Act::Refuse => "refuse",
            Act::Forward => "forward",
            Act::Return => "return",
            Act::ForwardUp => "forward_up",
            Act::Provide => "provide",
            Act::Object => "object",
            Act::Conclude => "conclude",
            Act::Resubmit => "resubmit",
            Act::Withdraw => "withdraw",
        }
    }

    fn parse(key: &str) -> Option<Act> {
        ACTS.into_iter().find(|a| a.key() == key)
    }

    fn title(self, lang: Lang) -> &'static str {
        match self {
            Act::Agree => lang.pick("同意共享", "Agree to share"),
            Act::Refuse => lang.pick("不同意共享", "Refuse to share"),
            Act::Forward => lang.pick(
                "审核通过，转提供部门",
                "Approve and forward to the provider",
            ),
            Act::Return => lang.pick("退回补正", "Return for supplement"),
            Act::ForwardUp => lang.pick("逐级转报上级主管部门", "Forward to the upper authority"),
            Act::Provide => lang.pick("提供数据", "Provide the data"),
            Act::Object => lang.pick("提出异议", "Raise an objection"),
            Act::Conclude => lang.pick("作出异议处理结论", "Conclude the objection"),
            Act::Resubmit => lang.pick("补正后重新提交", "Supplement and resubmit"),
            Act::Withdraw => lang.pick("撤回申请", "Withdraw the application"),
        }
    }

    /// The engine's command (as JSON, the API's body) from the form's fields.
    fn command(self, fields: &HashMap<String, String>) -> Value {
        let text = |name: &str| {
            fields
                .get(name)
                .map(|s| s.trim().to_owned())
                .unwrap_or_default()
        };
        let list = |name: &str| -> Vec<String> {
            text(name)
                .split(['\n', ',', '，', '、'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        };
        let optional = |name: &str| {
            let t = text(name);
            if t.is_empty() {
                Value::Null
            } else {
                Value::String(t)
            }
        };
        match self {
            Act::Agree => json!({"AgreeToShare": {"conditions": optional("conditions")}}),
            Act::Refuse => json!({"RefuseToShare": {
                "reasons": text("reasons"),
                "basis": {"kind": text("kind"), "instrument": text("instrument"), "provision": text("provision")},
            }}),
            Act::Forward => {
                json!({"ForwardToProvider": {"review_opinion": text("review_opinion")}})
            }
            Act::Return => json!({"ReturnForSupplement": {"missing": list("missing")}}),
            Act::ForwardUp => json!({"ForwardToUpperAuthority": {}}),
            Act::Provide => json!({"ProvideShare": {"grant_id": text("grant_id")}}),
            Act::Object => json!({"RaiseObjection": {"reasons": text("reasons")}}),
            Act::Conclude => json!({"ConcludeObjection": {
                "outcome": text("outcome"), "conclusion": text("conclusion"),
            }}),
            Act::Resubmit => json!({"ResubmitShareApplication": {
                "scenario": {
                    "purpose": text("purpose"),
                    "purpose_code": text("purpose_code"),
                    "legal_basis": text("legal_basis"),
                    "business_system": text("business_system"),
                    "data_items": list("data_items"),
                    // Dates as typed: the command's parsing refuses any that is not YYYY-MM-DD.
                    "use_from": text("use_from"),
                    "use_until": text("use_until"),
                    "expected_frequency": text("expected_frequency"),
                },
                "materials": list("materials"),
            }}),
            Act::Withdraw => json!({"WithdrawShareApplication": {"reason": text("reason")}}),
        }
    }
}

/// The acts offered to the signed-in department: those of the act the read model says it owes, the
/// requester's objection to a refusal and its withdrawal. Offering is presentation only: whatever is sent,
/// the engine authorizes and decides.
fn offered(view: &applications::ApplicationView, me: &str) -> Vec<Act> {
    let mut acts = Vec::new();
    if view.owed_by.as_deref() == Some(me) {
        acts.extend(match view.owed_act.as_deref() {
            Some("share_provider_reply") => &[Act::Agree, Act::Refuse][..],
            Some("share_conditional_review") => &[Act::Forward, Act::Return][..],
            Some(
                "share_unconditional_provide" | "share_provide_after_reply" | "objection_provide",
            ) => &[Act::Provide][..],
            Some("share_route_forward") => &[Act::ForwardUp][..],
            Some("objection_coordination") => &[Act::Conclude][..],
            Some(applications::RESUBMIT) => &[Act::Resubmit][..],
            _ => &[][..],
        });
    }
    if view.requester == me {
        if view.status == govshare_domain::share_application::ShareStatus::Refused {
            acts.push(Act::Object);
        }
        if !view.status.is_final() {
            acts.push(Act::Withdraw);
        }
    }
    acts
}

/// A refused form: which act, why, and what was typed (shown again).
#[derive(Debug)]
struct Failure {
    act: Option<Act>,
    problem: Problem,
    fields: HashMap<String, String>,
}

/// `GET /console/applications/{id}` (`?after=<position>`: wait until the views show that position).
pub(crate) async fn show(
    State(console): State<Console>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let after = params.get("after").and_then(|p| p.parse::<u64>().ok());
    render(&console, &viewer, &id, after, None).await
}

/// `POST /console/applications/{id}`: one act, through the engine.
pub(crate) async fn act(
    State(console): State<Console>,
    viewer: Viewer,
    Path(id): Path<String>,
    form: Result<Form<HashMap<String, String>>, FormRejection>,
) -> Result<Response, PageError> {
    let lang = viewer.lang;
    let fields = form.map(|Form(f)| f).unwrap_or_default();
    // The CSRF token first: a forged form does nothing at all.
    viewer.check_csrf(fields.get(CSRF_FIELD))?;
    // The same visibility as the API: a department that is not a party gets 403 and nothing is tried.
    visible_application(&console.app, &viewer.caller, &id)
        .await
        .map_err(viewer.failed())?;
    let act = fields.get(ACT_FIELD).and_then(|a| Act::parse(a));
    let outcome = match act {
        None => Err(
            Problem::new(Code::Validation, lang.pick("未知的办理事项", "unknown act"))
                .with_field(ACT_FIELD),
        ),
        Some(act) => execute(&console, &viewer, &id, act, &fields).await,
    };
    match outcome {
        Ok(position) => Ok(
            Redirect::to(&format!("/console/applications/{id}?after={position}")).into_response(),
        ),
        Err(problem) => {
            render(
                &console,
                &viewer,
                &id,
                None,
                Some(Failure {
                    act,
                    problem,
                    fields,
                }),
            )
            .await
        }
    }
}

async fn execute(
    console: &Console,
    viewer: &Viewer,
    id: &str,
    act: Act,
    fields: &HashMap<String, String>,
) -> Result<u64, Problem> {
    let command_id = fields
        .get(COMMAND_ID_FIELD)
        .and_then(|c| Uuid::parse_str(c.trim()).ok())
        .filter(|c| !c.is_nil())
        .ok_or_else(|| {
            Problem::new(
                Code::Validation,
                "the form's command id is missing or not a UUID",
            )
            .with_field(COMMAND_ID_FIELD)
        })?;
    let body = serde_json::to_vec(&act.command(fields))
        .map_err(|e| Problem::internal("encoding the form", &e))?;
    let command = parse_command("share_application", id.to_owned(), &body)?;
    let recorded = console
        .app
        .execute_for(&viewer.caller, command_id, command)
        .await?;
    Ok(recorded.last_position())
}

async fn render(
    console: &Console,
    viewer: &Viewer,
    id: &str,
    after: Option<u64>,
    failure: Option<Failure>,
) -> Result<Response, PageError> {
    let lang = viewer.lang;
    let app = &console.app;
    for model in [applications::NAME, deadlines::NAME, audit::NAME] {
        app.wait(model, after).await.map_err(viewer.failed())?;
    }
    let view = visible_application(app, &viewer.caller, id)
        .await
        .map_err(viewer.failed())?;
    let db = app.read_db();
    let stream = StreamId::new("ShareApplication", id);
    let case_deadlines = deadlines::of_case(db, &stream)
        .await
        .map_err(viewer.failed())?;
    let mut trail = Vec::new();
    let filter = audit::AuditFilter::Case(stream);
    let mut request = PageRequest::first(1000);
    loop {
        let page = audit::trail(db, &filter, &request)
            .await
            .map_err(viewer.failed())?;
        trail.extend(page.items);
        match page.next {
            Some(next) if trail.len() < 10_000 => request = PageRequest::after(next, 1000),
            _ => break,
        }
    }
    // The catalog is visible to every department (as on the API).
    let mut entries = Vec::new();
    for entry in &view.entries {
        let found = catalog::entry(db, entry).await.map_err(viewer.failed())?;
        entries.push((entry.clone(), found));
    }
    let registry = app.engine().registry().await.map_err(viewer.failed())?;
    let now = app.engine().clock().now();
    let calendar = &app.engine().services().calendar;
    let me = viewer.caller.actor.department.as_str();
    let acts = offered(&view, me);
    let status = failure
        .as_ref()
        .map_or(StatusCode::OK, |f| f.problem.status());
    let due = view.due_at.map(|at| Due::of(calendar, now, at));
    let title = format!(
        "{} {}",
        lang.pick("共享申请", "Share application"),
        view.application_id
    );

    let body = html! {
        p.noprint {
            a href="/console" { "← " (lang.pick("返回工作台", "Back to the desk")) }
            " · " a #evidence-link href=(format!("/console/applications/{}/evidence", view.application_id)) download { (lang.pick("下载证据包（JSON）", "Download the evidence bundle (JSON)")) }
        }
        h1 { (title) }
        @if after.is_some() && failure.is_none() {
            p.notice role="status" { (lang.pick("已办理，已记入办理记录。", "Done: recorded in the case's timeline.")) }
        }
        @if let Some(f) = failure.as_ref().filter(|f| f.act.is_none()) {
            (error_box(lang, &f.problem))
        }
        section aria-labelledby="facts-h" {
            h2 #facts-h { (lang.pick("基本情况", "Summary")) }
            dl.facts {
                dt { (lang.pick("状态", "Status")) } dd #status { strong { (i18n::status(lang, view.status)) } }
                dt { (lang.pick("申请部门", "Requester")) } dd { (name(&registry, &view.requester)) }
                dt { (lang.pick("受理的主管部门", "Serving authority")) } dd { (name(&registry, &view.serving)) }
                @if view.route.len() > 1 {
                    dt { (lang.pick("转报路径", "Route")) }
                    dd { @for (i, d) in view.route.iter().enumerate() { @if i > 0 { " → " } (name(&registry, d)) } }
                }
                dt { (lang.pick("申请的目录", "Entries")) }
                dd {
                    @for (i, (id, entry)) in entries.iter().enumerate() {
                        @if i > 0 { br; }
                        @if let Some(e) = entry {
                            (e.name.as_deref().unwrap_or(id)) " " span.muted { (e.code.as_deref().unwrap_or_default()) " · " (id) }
                        } @else { (id) }
                    }
                }
                dt { (lang.pick("提交时间", "Submitted")) } dd { (i18n::beijing(view.submitted_at)) }
                dt { (lang.pick("当前应办", "Next act")) }
                dd {
                    @if let (Some(by), Some(act)) = (&view.owed_by, &view.owed_act) {
                        (name(&registry, by)) "：" (i18n::act(lang, act))
                        @if let Some(at) = view.due_at { " · " (lang.pick("截止 ", "due ")) (i18n::beijing(at)) " · " }
                        @if let Some(d) = due { span.overdue[d.overdue()] { (d.cell(lang)) } }
                    } @else { span.muted { (lang.pick("无", "none")) } }
                }
                @if let Some(grant) = &view.grant_id {
                    dt { (lang.pick("授权编号", "Grant")) } dd { (grant) }
                }
            }
        }
        section.actions-section.noprint aria-labelledby="acts-h" {
            h2 #acts-h { (lang.pick("可办理事项", "What you can do now")) }
            @if acts.is_empty() {
                p.muted { (lang.pick("本部门当前无需办理本案。", "Nothing is owed by your department on this case now.")) }
            } @else {
                div.actions {
                    @for act in &acts {
                        (act_form(lang, viewer, &view, *act, failure.as_ref().filter(|f| f.act == Some(*act))))
                    }
                }
            }
            @if let Some(f) = failure.as_ref().filter(|f| f.act.is_some_and(|a| !acts.contains(&a))) {
                (error_box(lang, &f.problem))
            }
        }
        section aria-labelledby="deadlines-h" {
            h2 #deadlines-h { (lang.pick("办理时限", "Deadlines")) }
            @if case_deadlines.is_empty() {
                p.muted { (lang.pick("暂无。", "None.")) }
            } @else {
                table #case-deadlines {
                    thead { tr {
                        th scope="col" { (lang.pick("事项", "Act")) }
                        th scope="col" { (lang.pick("条款", "Article")) }
                        th scope="col" { (lang.pick("承办部门", "Owed by")) }
                        th scope="col" { (lang.pick("起算", "From")) }
                        th scope="col" { (lang.pick("工作日", "Working days")) }
                        th scope="col" { (lang.pick("截止", "Due")) }
                        th scope="col" { (lang.pick("办理情况", "State")) }
                    } }
                    tbody {
                        @for d in &case_deadlines {
                            @let open_overdue = d.state == deadlines::DeadlineState::Open && (d.missed || d.due_at < now);
                            tr.overdue[open_overdue || d.late == Some(true)] {
                                td { (i18n::act(lang, &d.what)) br; span.muted { (d.deadline_id) } }
                                td.nowrap { (DeadlineId(d.deadline_id.clone()).article().unwrap_or("—")) }
                                td { (name(&registry, &d.owed_by)) }
                                td { (i18n::beijing(d.from)) }
                                td { (d.working_days) @if d.extensions > 0 { " (+" (d.extensions) ")" } @if d.provisional { " " span.tag { (lang.pick("暂定", "provisional")) } } }
                                td { (i18n::beijing(d.due_at)) }
                                td { (deadline_state(lang, d, calendar, now)) }
                            }
                        }
                    }
                }
            }
        }
        section aria-labelledby="timeline-h" {
            h2 #timeline-h { (lang.pick("办理记录", "Timeline")) }
            table #timeline {
                caption { (lang.pick("按记录顺序；时间为北京时间。", "In log order; Beijing time.")) }
                thead { tr {
                    th scope="col" { (lang.pick("序号", "Position")) }
                    th scope="col" { (lang.pick("时间", "When")) }
                    th scope="col" { (lang.pick("事项", "What")) }
                    th scope="col" { (lang.pick("条款", "Article")) }
                    th scope="col" { (lang.pick("部门", "Department")) }
                    th scope="col" { (lang.pick("经办人", "Who")) }
                } }
                tbody {
                    @for e in &trail {
                        @let (label, article) = i18n::event(lang, &e.event_type);
                        @let deadline = deadline_of(e, &case_deadlines);
                        tr.overdue[e.event_type == "DeadlineMissed"] {
                            td { (e.position) }
                            td.nowrap { (i18n::beijing(e.recorded_at)) }
                            td {
                                (label)
                                @if let Some(d) = deadline {
                                    br;
                                    span.muted {
                                        (i18n::act(lang, &d.what))
                                        @if e.event_type == "DeadlineSet" {
                                            " · " (d.working_days) (lang.pick(" 个工作日，截止 ", " working days, due ")) (i18n::beijing(d.due_at))
                                        }
                                    }
                                }
                            }
                            td.nowrap { (article.or_else(|| deadline.and_then(|d| DeadlineId(d.deadline_id.clone()).article())).unwrap_or("—")) }
                            td { (name(&registry, &e.department)) }
                            td { (e.person) " · " (i18n::role_named(lang, &e.role)) }
                        }
                    }
                }
            }
        }
    };
    Ok((status, page(lang, &title, Some(viewer), body)).into_response())
}

/// The deadline a deadline event of the timeline is about, matched by the positions the deadlines view keeps
/// (set at `set_position`; the last change at `last_position`), else by the instant of a met or missed fact
/// when only one deadline has it.
fn deadline_of<'a>(
    entry: &audit::AuditEntry,
    all: &'a [deadlines::DeadlineItem],
) -> Option<&'a deadlines::DeadlineItem> {
    let kind = entry.event_type.as_str();
    if kind == "DeadlineSet" {
        return all.iter().find(|d| d.set_position == entry.position);
    }
    if !kind.starts_with("Deadline") {
        return None;
    }
    if let Some(d) = all.iter().find(|d| d.last_position == entry.position) {
        return Some(d);
    }
    let at = Some(entry.recorded_at);
    let mut by_instant = all.iter().filter(|d| match kind {
        "DeadlineMet" => d.met_at == at,
        "DeadlineMissed" => d.missed_at == at,
        _ => false,
    });
    match (by_instant.next(), by_instant.next()) {
        (Some(d), None) => Some(d),
        _ => None,
    }
}

fn deadline_state(
    lang: Lang,
    d: &deadlines::DeadlineItem,
    calendar: &govshare_workdays::Calendar,
    now: chrono::DateTime<chrono::Utc>,
) -> Markup {
    html! {
        @match d.state {
            deadlines::DeadlineState::Open => {
                @if d.missed {
                    span.bad { (lang.pick("已逾期（已记录）", "missed (recorded)")) }
                } @else {
                    (lang.pick("办理中 · ", "open · ")) (Due::of(calendar, now, d.due_at).cell(lang))
                }
            }
            deadlines::DeadlineState::Met => {
                @if d.late == Some(true) {
                    span.bad { (lang.pick("逾期办结", "met late")) }
                } @else {
                    span.ok { (lang.pick("按时办结", "met on time")) }
                }
                @if let Some(at) = d.met_at { br; span.muted { (i18n::beijing(at)) } }
            }
            deadlines::DeadlineState::Withdrawn => span.muted { (lang.pick("申请已撤回", "withdrawn")) },
        }
    }
}

fn error_box(lang: Lang, problem: &Problem) -> Markup {
    let (title, text) = layout::problem_text(lang, problem);
    html! {
        div.error role="alert" {
            strong { (title) }
            (text)
            @if let Some(field) = &problem.field { br; span.muted { (lang.pick("涉及：", "Field: ")) (field_label(lang, field)) } }
            br; (lang.pick("未记录任何内容。", "Nothing was recorded."))
        }
    }
}

/// The form field a refusal names (a JSON path of the command, or the domain's field name), as labelled.
fn field_label(lang: Lang, field: &str) -> String {
    let last = field.rsplit('.').next().unwrap_or(field);
    let label = match last {
        "basis" => lang.pick(
            "不予共享的依据（名称与条款）",
            "the basis (instrument and provision)",
        ),
        "instrument" => lang.pick("依据名称", "instrument"),
        "provision" => lang.pick("条款", "provision"),
        "kind" => lang.pick("依据类别", "kind of basis"),
        "reasons" => lang.pick("理由", "reasons"),
        "reason" => lang.pick("撤回原因", "reason"),
        "conditions" => lang.pick("使用条件", "conditions"),
        "review_opinion" => lang.pick("审核意见", "review opinion"),
        "missing" => lang.pick("需补正的内容", "what must be supplied"),
        "grant_id" => lang.pick("授权编号", "grant id"),
        "outcome" => lang.pick("结论", "outcome"),
        "conclusion" => lang.pick("处理意见", "conclusion"),
        "act" => lang.pick("办理事项", "act"),
        "command_id" => lang.pick("表单编号", "form id"),
        "purpose" => lang.pick("使用用途", "purpose"),
        "purpose_code" => lang.pick("场景编号", "purpose code"),
        "legal_basis" => lang.pick("履职依据", "legal basis"),
        "business_system" => lang.pick("应用系统", "business system"),
        "data_items" => lang.pick("信息项", "data items"),
        "use_from" => lang.pick("使用起始日期", "first day of use"),
        "use_until" => lang.pick("使用截止日期", "last day of use"),
        "expected_frequency" => lang.pick("预计使用频度", "expected frequency"),
        "materials" => lang.pick("申请材料", "materials"),
        "scenario" => lang.pick("应用场景", "scenario"),
        _ => return field.to_owned(),
    };
    label.to_owned()
}

/// One act's form.
fn act_form(
    lang: Lang,
    viewer: &Viewer,
    view: &applications::ApplicationView,
    act: Act,
    failure: Option<&Failure>,
) -> Markup {
    let value = |name: &str| {
        failure
            .and_then(|f| f.fields.get(name))
            .cloned()
            .unwrap_or_default()
    };
    // The field a refusal names (`RefuseToShare.basis.instrument` → `instrument`).
    let bad = failure
        .and_then(|f| f.problem.field.as_deref())
        .map(|f| f.rsplit('.').next().unwrap_or(f).to_owned());
    let invalid = |name: &str| bad.as_deref() == Some(name);
    let key = act.key();
    let fid = |name: &str| format!("{key}-{name}");
    let command_id = Uuid::new_v4();
    let danger = matches!(act, Act::Refuse | Act::Withdraw | Act::Return);
    html! {
        form.act method="post" action=(format!("/console/applications/{}", view.application_id))
            id=(format!("form-{key}")) aria-labelledby=(fid("h")) {
            h3 id=(fid("h")) { (act.title(lang)) }
            @if let Some(f) = failure { (error_box(lang, &f.problem)) }
            input type="hidden" name=(CSRF_FIELD) value=(viewer.csrf);
            input type="hidden" name=(ACT_FIELD) value=(key);
            input type="hidden" name=(COMMAND_ID_FIELD) value=(command_id);
            @match act {
                Act::Agree => {
                    label for=(fid("conditions")) { (lang.pick("使用条件（可不填）", "Conditions of use (optional)")) }
                    textarea id=(fid("conditions")) name="conditions" { (value("conditions")) }
                }
                Act::Refuse => {
                    label for=(fid("reasons")) { (lang.pick("不予共享的理由", "Reasons")) }
                    textarea id=(fid("reasons")) name="reasons" aria-invalid=[invalid("reasons").then_some("true")] { (value("reasons")) }
                    label for=(fid("kind")) { (lang.pick("依据类别", "Kind of basis")) }
                    select id=(fid("kind")) name="kind" {
                        @for (k, zh, en) in [("law", "法律", "law"), ("administrative_regulation", "行政法规", "administrative regulation"), ("local_regulation", "地方性法规", "local regulation"), ("national_policy", "国家政策", "national policy")] {
                            option value=(k) selected[value("kind") == k] { (lang.pick(zh, en)) }
                        }
                    }
                    label for=(fid("instrument")) { (lang.pick("依据名称（法律、法规或政策）", "Instrument (law, regulation or policy)")) }
                    input type="text" id=(fid("instrument")) name="instrument" value=(value("instrument"))
                        aria-invalid=[(invalid("instrument") || invalid("basis")).then_some("true")];
                    label for=(fid("provision")) { (lang.pick("条款", "Provision")) }
                    input type="text" id=(fid("provision")) name="provision" value=(value("provision"))
                        aria-invalid=[(invalid("provision") || invalid("basis")).then_some("true")];
                }
                Act::Forward => {
                    label for=(fid("review_opinion")) { (lang.pick("审核意见", "Review opinion")) }
                    textarea id=(fid("review_opinion")) name="review_opinion" { (value("review_opinion")) }
                }
                Act::Return => {
                    label for=(fid("missing")) { (lang.pick("需补正的内容（每行一项）", "What must be supplied (one per line)")) }
                    textarea id=(fid("missing")) name="missing" { (value("missing")) }
                }
                Act::ForwardUp => {
                    p.muted { (lang.pick("转报至转报路径上的上一级主管部门。", "Forwards to the next authority on the route.")) }
                }
                Act::Provide => {
                    label for=(fid("grant_id")) { (lang.pick("授权编号", "Grant id")) }
                    input type="text" id=(fid("grant_id")) name="grant_id"
                        value=(failure.map_or_else(|| format!("GR-{}", view.application_id), |_| value("grant_id")));
                }
                Act::Object => {
                    label for=(fid("reasons")) { (lang.pick("异议理由", "Reasons")) }
                    textarea id=(fid("reasons")) name="reasons" { (value("reasons")) }
                }
                Act::Conclude => {
                    label for=(fid("outcome")) { (lang.pick("结论", "Outcome")) }
                    select id=(fid("outcome")) name="outcome" {
                        option value="upheld" selected[value("outcome") == "upheld"] { (lang.pick("异议成立", "upheld")) }
                        option value="dismissed" selected[value("outcome") == "dismissed"] { (lang.pick("异议不成立", "dismissed")) }
                    }
                    label for=(fid("conclusion")) { (lang.pick("处理意见", "Conclusion")) }
                    textarea id=(fid("conclusion")) name="conclusion" { (value("conclusion")) }
                }
                Act::Resubmit => {
                    @for (name, zh, en, kind) in [
                        ("purpose", "使用用途", "Purpose", "text"),
                        ("purpose_code", "场景编号", "Purpose code", "text"),
                        ("legal_basis", "履职依据", "Legal basis", "text"),
                        ("business_system", "应用系统", "Business system", "text"),
                        ("data_items", "信息项（每行一项）", "Data items (one per line)", "lines"),
                        ("use_from", "使用起始日期（YYYY-MM-DD）", "First day of use (YYYY-MM-DD)", "date"),
                        ("use_until", "使用截止日期（YYYY-MM-DD）", "Last day of use (YYYY-MM-DD)", "date"),
                        ("expected_frequency", "预计使用频度", "Expected frequency", "text"),
                        ("materials", "申请材料（每行一项）", "Materials (one per line)", "lines"),
                    ] {
                        label for=(fid(name)) { (lang.pick(zh, en)) }
                        @if kind == "lines" {
                            textarea id=(fid(name)) name=(name) aria-invalid=[invalid(name).then_some("true")] { (value(name)) }
                        } @else {
                            input type=(kind) id=(fid(name)) name=(name) value=(value(name))
                                aria-invalid=[invalid(name).then_some("true")];
                        }
                    }
                }
                Act::Withdraw => {
                    label for=(fid("reason")) { (lang.pick("撤回原因", "Reason")) }
                    textarea id=(fid("reason")) name="reason" { (value("reason")) }
                }
            }
            button.primary.danger[danger] type="submit" id=(format!("submit-{key}")) { (act.title(lang)) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_become_the_engines_commands() {
        let mut fields = HashMap::new();
        fields.insert("conditions".to_owned(), "  ".to_owned());
        let agree = Act::Agree.command(&fields);
        assert_eq!(agree, json!({"AgreeToShare": {"conditions": null}}));
        assert!(
            parse_command(
                "share_application",
                "SA-1".into(),
                agree.to_string().as_bytes()
            )
            .is_ok()
        );
        fields.insert("kind".to_owned(), "law".to_owned());
        let refuse = Act::Refuse.command(&fields);
        assert!(
            parse_command(
                "share_application",
                "SA-1".into(),
                refuse.to_string().as_bytes()
            )
            .is_ok()
        );
        fields.insert("missing".to_owned(), "应用场景\n申请材料，依据".to_owned());
        assert_eq!(
            Act::Return.command(&fields),
            json!({"ReturnForSupplement": {"missing": ["应用场景", "申请材料", "依据"]}})
        );
        for act in ACTS {
            assert_eq!(Act::parse(act.key()), Some(act));
        }
    }
}
