//! 提出共享申请 a new share application (第十九条): the requester's form. It becomes the engine's
//! `SubmitShareApplication` as the API would receive it (`commands::parse_command`: a date not in
//! `YYYY-MM-DD` is refused with its field) and is executed with the session's actor; the engine resolves the
//! entries' facts from the catalog and decides. A refusal is shown on the form, with what was typed, and
//! records nothing. The application id and the command id are minted with the page, so submitting the
//! same form twice records once.

use std::collections::HashMap;

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use govshare_engine::requested_entry;
use govshare_server::commands::parse_command;
use govshare_server::{Code, Problem};
use maud::{Markup, html};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::i18n::Lang;
use crate::layout::{self, page};
use crate::session::CSRF_FIELD;
use crate::{Console, PageError, Viewer};

const ID_FIELD: &str = "application_id";
const COMMAND_ID_FIELD: &str = "command_id";

/// The form's fields: name, Chinese label, English label, multi-line.
const FIELDS: [(&str, &str, &str, bool); 10] = [
    (
        "entries",
        "申请的目录条目（每行一个条目编号）",
        "Catalog entries (one entry id a line)",
        true,
    ),
    ("purpose", "申请用途", "Purpose", false),
    ("purpose_code", "应用场景编号", "Scenario code", false),
    ("legal_basis", "依据", "Legal basis", false),
    (
        "business_system",
        "使用的业务系统",
        "Business system",
        false,
    ),
    (
        "data_items",
        "申请的信息项（每行一个）",
        "Data items (one a line)",
        true,
    ),
    (
        "use_from",
        "使用起始日期（YYYY-MM-DD）",
        "Use from (YYYY-MM-DD)",
        false,
    ),
    (
        "use_until",
        "使用截止日期（YYYY-MM-DD）",
        "Use until (YYYY-MM-DD)",
        false,
    ),
    (
        "expected_frequency",
        "预计使用频度",
        "Expected frequency",
        false,
    ),
    (
        "materials",
        "申请材料（每行一个文件名）",
        "Supporting materials (one file name a line)",
        true,
    ),
];

fn list(fields: &HashMap<String, String>, name: &str) -> Vec<String> {
    fields
        .get(name)
        .map(String::as_str)
        .unwrap_or("")
        .split(['\n', ',', '，', '、'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The engine's command (as JSON, the API's body) from the form's fields.
fn command(fields: &HashMap<String, String>) -> Result<Value, Problem> {
    let text = |name: &str| {
        fields
            .get(name)
            .map(|s| s.trim().to_owned())
            .unwrap_or_default()
    };
    let entries = list(fields, "entries")
        .iter()
        .map(|id| serde_json::to_value(requested_entry(id)))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Problem::internal("encoding the form", &e))?;
    Ok(json!({"SubmitShareApplication": {
        "application_id": text(ID_FIELD),
        "entries": entries,
        "scenario": {
            "purpose": text("purpose"),
            "purpose_code": text("purpose_code"),
            "legal_basis": text("legal_basis"),
            "business_system": text("business_system"),
            "data_items": list(fields, "data_items"),
            // Dates as typed: the command's parsing refuses any that is not YYYY-MM-DD.
            "use_from": text("use_from"),
            "use_until": text("use_until"),
            "expected_frequency": text("expected_frequency"),
        },
        "materials": list(fields, "materials"),
        "route": [],
    }}))
}

/// A new application id: `SA-` and the Beijing date, then 8 random hex digits.
fn new_id(console: &Console) -> String {
    let today = govshare_workdays::beijing_date(console.app.engine().clock().now());
    let random = Uuid::new_v4().simple().to_string();
    format!("SA-{}-{}", today.format("%Y%m%d"), &random[..8])
}

/// `GET /console/apply?entry=<id>`.
pub(crate) async fn form(
    State(console): State<Console>,
    viewer: Viewer,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let mut fields = HashMap::new();
    if let Some(entry) = params.get("entry").filter(|e| !e.trim().is_empty()) {
        fields.insert("entries".to_owned(), entry.trim().to_owned());
    }
    let today = govshare_workdays::beijing_date(console.app.engine().clock().now());
    fields.insert("use_from".to_owned(), today.to_string());
    fields.insert(ID_FIELD.to_owned(), new_id(&console));
    fields.insert(COMMAND_ID_FIELD.to_owned(), Uuid::new_v4().to_string());
    Ok(render(&viewer, &fields, None))
}

/// `POST /console/apply`: the submission, through the engine.
pub(crate) async fn submit(
    State(console): State<Console>,
    viewer: Viewer,
    form: Result<Form<HashMap<String, String>>, FormRejection>,
) -> Result<Response, PageError> {
    let fields = form.map(|Form(f)| f).unwrap_or_default();
    // The CSRF token first: a forged form does nothing at all.
    viewer.check_csrf(fields.get(CSRF_FIELD))?;
    match execute(&console, &viewer, &fields).await {
        Ok((id, position)) => Ok(Redirect::to(&format!(
            "/console/applications/{id}?after={position}"
        ))
        .into_response()),
        Err(problem) => Ok(render(&viewer, &fields, Some(&problem))),
    }
}

async fn execute(
    console: &Console,
    viewer: &Viewer,
    fields: &HashMap<String, String>,
) -> Result<(String, u64), Problem> {
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
    let id = fields
        .get(ID_FIELD)
        .map(|s| s.trim().to_owned())
        .unwrap_or_default();
    let body = serde_json::to_vec(&command(fields)?)
        .map_err(|e| Problem::internal("encoding the form", &e))?;
    let command = parse_command("share_application", id.clone(), &body)?;
    let recorded = console
        .app
        .execute_for(&viewer.caller, command_id, command)
        .await?;
    Ok((id, recorded.last_position()))
}

fn error_box(lang: Lang, problem: &Problem) -> Markup {
    let (title, text) = layout::problem_text(lang, problem);
    html! {
        div.error #apply-error role="alert" {
            strong { (title) }
            (text)
            @if let Some(field) = &problem.field { br; span.muted { (lang.pick("涉及：", "Field: ")) (field) } }
            br; (lang.pick("未记录任何内容。", "Nothing was recorded."))
        }
    }
}

fn render(
    viewer: &Viewer,
    fields: &HashMap<String, String>,
    problem: Option<&Problem>,
) -> Response {
    let lang = viewer.lang;
    let value = |name: &str| fields.get(name).cloned().unwrap_or_default();
    // The field a refusal names (`scenario.use_until` → `use_until`).
    let bad = problem
        .and_then(|p| p.field.as_deref())
        .map(|f| f.rsplit('.').next().unwrap_or(f).to_owned());
    let invalid = |name: &str| bad.as_deref() == Some(name);
    let title = lang.pick("提出共享申请", "New share application");
    let status = problem.map_or(StatusCode::OK, Problem::status);
    let body = html! {
        h1 { (title) }
        p.muted {
            (lang.pick("以本部门（", "As your department ("))
            (viewer.department_name)
            (lang.pick("）名义通过共享平台提出申请（第十九条）。目录条目的共享属性、提供部门与信息项由系统从已发布目录中核定；应用场景缺项的申请会被退回补正。",
                "), through the sharing platform (article 19). The entries' share attribute, provider and data items are taken from the published catalog; an application with blank parts of its scenario is returned for supplement."))
        }
        form.act #apply method="post" action="/console/apply" aria-labelledby="apply-h" {
            h2 #apply-h { (lang.pick("申请内容", "The application")) }
            @if let Some(p) = problem { (error_box(lang, p)) }
            input type="hidden" name=(CSRF_FIELD) value=(viewer.csrf);
            input type="hidden" name=(COMMAND_ID_FIELD) value=(value(COMMAND_ID_FIELD));
            input type="hidden" name=(ID_FIELD) value=(value(ID_FIELD));
            p { (lang.pick("申请编号 ", "Application id ")) code { (value(ID_FIELD)) } }
            @for (name, zh, en, multiline) in FIELDS {
                label for=(format!("apply-{name}")) { (lang.pick(zh, en)) }
                @if multiline {
                    textarea id=(format!("apply-{name}")) name=(name) aria-invalid=[invalid(name).then_some("true")] { (value(name)) }
                } @else {
                    input id=(format!("apply-{name}")) type="text" name=(name) value=(value(name))
                        aria-invalid=[invalid(name).then_some("true")];
                }
            }
            button.primary type="submit" { (lang.pick("提交申请", "Submit")) }
        }
    };
    (status, page(lang, title, Some(viewer), body)).into_response()
}
