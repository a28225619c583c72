//! 审计 audit: the log's head (position and chain hash, as the store records it); on demand (a POST form,
//! one run at a time, for a data authority) a chain verification (`govshare_audit::verify`: every hash
//! recomputed from the stored bytes) or a re-validation (`govshare_audit::revalidate`: every recorded
//! command decided again); and a case's evidence bundle, the API's
//! (`govshare_server::reports::evidence_bundle`).

use std::collections::HashMap;

use axum::Form;
use axum::Json;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use govshare_audit::{
    AuditError, ChainReport, DecisionInputs, RevalidationOptions, RevalidationReport,
};
use govshare_server::reports::evidence_bundle;
use govshare_server::{Code, Problem};
use govshare_store::Checkpoint;
use maud::{Markup, html};

use crate::i18n::Lang;
use crate::layout::page;
use crate::session::CSRF_FIELD;
use crate::{Console, PageError, Viewer};

/// What a run found.
#[derive(Debug)]
enum Outcome {
    Verified(ChainReport),
    Tampered(String, u64),
    Revalidated(RevalidationReport),
    Failed(String),
    Busy,
}

fn hash(checkpoint: &Checkpoint) -> String {
    hex::encode(checkpoint.hash)
}

/// `GET /console/applications/{id}/evidence`: the case's evidence bundle as JSON, the same as
/// `GET /v1/applications/{id}/evidence` (same visibility: a party or a data authority).
pub(crate) async fn evidence(
    State(console): State<Console>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let bundle = evidence_bundle(&console.app, &viewer.caller, &id)
        .await
        .map_err(viewer.failed())?;
    let mut response = Json(bundle).into_response();
    let file = format!("attachment; filename=\"evidence-{id}.json\"");
    if let Ok(value) = HeaderValue::from_str(&file) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

/// `GET /console/audit`.
pub(crate) async fn show(
    State(console): State<Console>,
    viewer: Viewer,
) -> Result<Response, PageError> {
    render(&console, &viewer, None).await
}

/// `POST /console/audit` (`run=verify` or `run=revalidate`): runs it now and shows what it found.
pub(crate) async fn run(
    State(console): State<Console>,
    viewer: Viewer,
    form: Result<Form<HashMap<String, String>>, FormRejection>,
) -> Result<Response, PageError> {
    let fields = form.map(|Form(f)| f).unwrap_or_default();
    viewer.check_csrf(fields.get(CSRF_FIELD))?;
    if !viewer.authority {
        return Err(viewer.failed()(Problem::new(
            Code::Forbidden,
            viewer.lang.pick(
                "只有政务数据主管部门可以运行全量校验",
                "only a data authority may run a verification of the whole log",
            ),
        )));
    }
    // One run at a time: a full pass over a large log is not to be started twice at once.
    let Ok(_running) = console.audit_run.try_lock() else {
        return render(&console, &viewer, Some(Outcome::Busy)).await;
    };
    let store = console.app.engine().store();
    let outcome = match fields.get("run").map(String::as_str) {
        Some("revalidate") => {
            let services = console.app.engine().services();
            let inputs = DecisionInputs {
                rule_sets: vec![services.rules.clone()],
                calendar_files: Vec::new(),
                categories: services.categories.clone(),
            };
            match govshare_audit::revalidate(&**store, RevalidationOptions::with_inputs(inputs))
                .await
            {
                Ok(report) => Outcome::Revalidated(report),
                Err(e) => Outcome::Failed(e.to_string()),
            }
        }
        _ => match govshare_audit::verify(&**store, None).await {
            Ok(report) => Outcome::Verified(report),
            Err(AuditError::Tampered(finding)) => {
                Outcome::Tampered(finding.to_string(), finding.position())
            }
            Err(e) => Outcome::Failed(e.to_string()),
        },
    };
    render(&console, &viewer, Some(outcome)).await
}

fn outcome(lang: Lang, outcome: &Outcome) -> Markup {
    html! {
        @match outcome {
            Outcome::Verified(report) => div.notice #result role="status" {
                strong { (lang.pick("已校验：哈希链完整", "Verified: the hash chain is intact")) }
                p {
                    (lang.pick("刚刚从存储的字节重新计算了从位置 1 到位置 ", "Every hash was recomputed just now from the stored bytes, from position 1 to position "))
                    strong { (report.head.position) }
                    (lang.pick(" 的每个哈希，终点哈希 ", "; it ends at hash "))
                    code { (hash(&report.head)) }
                }
            },
            Outcome::Tampered(finding, position) => div.error #result role="alert" {
                strong { (lang.pick("校验失败：日志被篡改", "Verification failed: the log was tampered with")) }
                p { (lang.pick("首个异常位置 ", "First bad position ")) (position) "：" (finding) }
            },
            Outcome::Revalidated(report) => div #result role="status" class=(if report.passed() { "notice" } else { "error" }) {
                strong {
                    @if report.passed() { (lang.pick("重新校核通过：规则重现了每一个记录的事件", "Re-validation passed: the rules reproduce every recorded event")) }
                    @else { (lang.pick("重新校核发现问题", "Re-validation found problems")) }
                }
                p {
                    (lang.pick("至位置 ", "Up to position ")) (report.to) "；"
                    (lang.pick("事件 ", "events ")) (report.events) "，"
                    (lang.pick("重新判定的命令 ", "commands decided again ")) (report.commands_revalidated) "，"
                    (lang.pick("未判定 ", "skipped ")) (report.commands_skipped) "，"
                    (lang.pick("重现的事件 ", "events reproduced ")) (report.events_reproduced) "；"
                    (lang.pick("用时 ", "took ")) (format!("{:.2} s", report.elapsed.as_secs_f64()))
                }
                @if !report.findings.is_empty() {
                    ul {
                        @for f in report.findings.iter().take(50) {
                            li { (lang.pick("位置 ", "position ")) (f.position()) "：" (f) }
                        }
                    }
                    @if report.findings.len() > 50 || report.findings_not_kept > 0 {
                        p { (lang.pick("另有更多发现未列出。", "More findings are not listed.")) }
                    }
                }
            },
            Outcome::Failed(error) => div.error #result role="alert" {
                strong { (lang.pick("未能完成校验（不表示已校验）", "The run could not finish (nothing was verified)")) }
                p { (error) }
            },
            Outcome::Busy => div.error #result role="alert" {
                strong { (lang.pick("已有一个校验正在运行，请稍后再试。", "A run is already in progress; try again shortly.")) }
            },
        }
    }
}

async fn render(
    console: &Console,
    viewer: &Viewer,
    result: Option<Outcome>,
) -> Result<Response, PageError> {
    let lang = viewer.lang;
    let head = console
        .app
        .engine()
        .store()
        .head()
        .await
        .map_err(|e| viewer.failed()(govshare_engine::EngineError::from(e)))?;
    let status = match &result {
        Some(Outcome::Tampered(..)) => StatusCode::CONFLICT,
        Some(Outcome::Failed(_)) => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::OK,
    };
    let title = lang.pick("审计", "Audit");
    let body = html! {
        h1 { (title) }
        @if let Some(result) = &result { (outcome(lang, result)) }
        section aria-labelledby="head-h" {
            h2 #head-h { (lang.pick("日志头部检查点", "The log's head checkpoint")) }
            dl.facts #head {
                dt { (lang.pick("位置", "Position")) } dd #head-position { (head.position) }
                dt { (lang.pick("链哈希", "Chain hash")) } dd { code #head-hash { (hash(&head)) } }
            }
            p.muted {
                (lang.pick(
                    "以上为存储记录的头部，本页显示时并未重新计算；只有下面的“校验哈希链”会从第一个事件起重新计算每个哈希。",
                    "This is the head the store records; it is not recomputed to show this page. Only “Verify the hash chain” below recomputes every hash from the first event."))
            }
        }
        section aria-labelledby="run-h" {
            h2 #run-h { (lang.pick("按需校验", "Run a check now")) }
            @if viewer.authority {
                div.actions {
                    form.act #verify method="post" action="/console/audit" {
                        h3 { (lang.pick("校验哈希链", "Verify the hash chain")) }
                        p.muted { (lang.pick("从存储的字节重新计算整条哈希链，并核对命令记录与头部。日志大时需要一些时间。", "Recomputes the whole chain from the stored bytes and checks the command records and the head. Takes a while on a large log.")) }
                        input type="hidden" name=(CSRF_FIELD) value=(viewer.csrf);
                        input type="hidden" name="run" value="verify";
                        button.primary type="submit" { (lang.pick("立即校验", "Verify now")) }
                    }
                    form.act #revalidate method="post" action="/console/audit" {
                        h3 { (lang.pick("重新校核决定", "Re-validate the decisions")) }
                        p.muted { (lang.pick("用每条命令记录的规则集和日历重新判定，核对规则是否产生了记录的事件；使用本服务配置的规则集与第十二条分类（未加载额外的日历安排文件）。", "Decides every recorded command again with the rule set and calendar it recorded and checks that the rules produce the recorded events; uses this server's rule set and article 12 categories (no extra calendar arrangement files are loaded).")) }
                        input type="hidden" name=(CSRF_FIELD) value=(viewer.csrf);
                        input type="hidden" name="run" value="revalidate";
                        button.primary type="submit" { (lang.pick("立即重新校核", "Re-validate now")) }
                    }
                }
            } @else {
                p.muted { (lang.pick("全量校验由政务数据主管部门运行。", "A data authority runs checks of the whole log.")) }
            }
        }
        section aria-labelledby="bundle-h" {
            h2 #bundle-h { (lang.pick("证据包", "Evidence bundle")) }
            p.muted { (lang.pick("一个共享申请的事件、命令与哈希链证明（JSON），可离线校验（govshare audit check-bundle）。仅当事部门或主管部门可下载。", "A share application's events, commands and chain proof (JSON), checkable offline (govshare audit check-bundle). For the parties and a data authority.")) }
            form.filter method="get" action="/console/audit/evidence" {
                div {
                    label for="application" { (lang.pick("共享申请编号", "Share application id")) }
                    input #application type="text" name="id" required;
                }
                button.primary type="submit" { (lang.pick("下载证据包", "Download the bundle")) }
            }
        }
    };
    Ok((status, page(lang, title, Some(viewer), body)).into_response())
}

/// `GET /console/audit/evidence?id=`: the form's way to the bundle of a typed id.
pub(crate) async fn evidence_by_form(
    axum::extract::Query(params): axum::extract::Query<HashMap<String, String>>,
) -> Response {
    let id = params.get("id").map(|s| s.trim()).unwrap_or("");
    let encoded: String = id
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    axum::response::Redirect::to(&format!("/console/applications/{encoded}/evidence"))
        .into_response()
}
