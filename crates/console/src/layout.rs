//! The page shell: header with the signed-in actor, language switch and sign-out; one small inline
//! stylesheet (no script, no external asset), with a print style.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use govshare_server::{Code, Problem};
use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::Viewer;
use crate::i18n::{self, Lang};
use crate::session::CSRF_FIELD;

const STYLE: &str = r#"
:root{--ink:#1d2733;--muted:#5b6673;--line:#d5dbe2;--brand:#a4161a;--link:#0b4f9c;--bad:#b3261e;--bad-bg:#fdecea;--ok:#1b6e3a;--bg:#f6f7f9}
*{box-sizing:border-box}
body{margin:0;font:16px/1.6 "Noto Sans CJK SC","Noto Sans SC","Source Han Sans SC","PingFang SC","Microsoft YaHei","Noto Serif CJK SC",system-ui,sans-serif;color:var(--ink);background:var(--bg)}
a{color:var(--link)}
a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,textarea:focus-visible,summary:focus-visible{outline:3px solid #f0a500;outline-offset:2px}
.skip{position:absolute;left:-999px;top:0;background:#fff;padding:.5em 1em}
.skip:focus{left:1em;z-index:2}
header.top{background:var(--brand);color:#fff}
header.top .bar{max-width:1200px;margin:0 auto;padding:.6em 1.5em;display:flex;gap:1.5em;align-items:center;flex-wrap:wrap}
header.top a{color:#fff}
header.top .title{font-weight:700;font-size:1.1em;text-decoration:none}
header.top nav ul{list-style:none;display:flex;gap:1.2em;margin:0;padding:0}
header.top .who{margin-left:auto;font-size:.9em}
header.top form{display:inline;margin:0}
header.top button{background:transparent;color:#fff;border:1px solid #fff;border-radius:4px;padding:.15em .7em;font:inherit;font-size:.9em;cursor:pointer}
main{max-width:1200px;margin:0 auto;padding:1.2em 1.5em 3em}
h1{font-size:1.6em;margin:.3em 0 .6em}
h2{font-size:1.25em;margin:1.6em 0 .5em;border-bottom:2px solid var(--line);padding-bottom:.2em}
section{background:#fff;border:1px solid var(--line);border-radius:6px;padding:.4em 1.2em 1em;margin:1em 0}
section>h2:first-child{margin-top:.4em}
table{border-collapse:collapse;width:100%;font-size:.95em}
caption{text-align:left;color:var(--muted);padding:.3em 0}
th,td{border-bottom:1px solid var(--line);padding:.45em .6em;text-align:left;vertical-align:top}
th{background:#eef1f4;font-weight:600;white-space:nowrap}
tr.overdue td{color:var(--bad);background:var(--bad-bg)}
.tag{display:inline-block;border-radius:3px;padding:0 .45em;font-size:.85em;border:1px solid currentColor}
.bad{color:var(--bad);font-weight:600}
.ok{color:var(--ok)}
.muted{color:var(--muted)}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.3em 1.5em;margin:.5em 0}
dl.facts dt{color:var(--muted)}
dl.facts dd{margin:0}
.actions{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:1em;align-items:start}
form.act{border:1px solid var(--line);border-radius:6px;padding:.8em 1em;background:#fbfcfd}
form.act h3{margin:.1em 0 .6em;font-size:1.05em}
label{display:block;font-weight:600;margin:.6em 0 .2em}
input[type=text],input[type=password],select,textarea{width:100%;font:inherit;padding:.4em .5em;border:1px solid #8a96a3;border-radius:4px;background:#fff}
textarea{min-height:4.5em}
[aria-invalid=true]{border:2px solid var(--bad);background:var(--bad-bg)}
figure{margin:.5em 0 1em;overflow-x:auto}
figcaption{font-weight:600;margin:.3em 0}
figure svg{max-width:100%;height:auto}
button.primary{margin-top:.9em;background:var(--link);color:#fff;border:0;border-radius:4px;padding:.5em 1.3em;font:inherit;font-weight:600;cursor:pointer}
button.danger{background:var(--bad)}
.error{border:2px solid var(--bad);background:var(--bad-bg);color:var(--bad);border-radius:6px;padding:.6em 1em;margin:.8em 0}
.error strong{display:block}
.notice{border:1px solid var(--ok);color:var(--ok);background:#eaf6ee;border-radius:6px;padding:.5em 1em}
.login{max-width:560px;margin:3em auto}
form.filter{display:flex;gap:.5em 1.5em;align-items:flex-end;flex-wrap:wrap;margin:.5em 0 1em}
form.filter label{margin:0}
form.filter select{width:auto;min-width:18em}
form.filter button.primary{margin-top:0}
td.nowrap,th.nowrap{white-space:nowrap}
footer{max-width:1200px;margin:0 auto;padding:1em 1.5em;color:var(--muted);font-size:.85em}
@media print{
 header.top,.skip,.actions,form,footer,.noprint{display:none!important}
 body{background:#fff;font-size:10.5pt}
 main{max-width:none;padding:0}
 section{border:0;padding:0;margin:.6em 0}
 a{color:inherit;text-decoration:none}
 tr.overdue td{background:none;font-weight:700}
 h2{break-after:avoid}
 tr{break-inside:avoid}
}
"#;

/// A whole page.
pub(crate) fn page(lang: Lang, title: &str, viewer: Option<&Viewer>, body: Markup) -> Markup {
    let other = match lang {
        Lang::Zh => ("?lang=en", "English"),
        Lang::En => ("?lang=zh", "中文"),
    };
    html! {
        (DOCTYPE)
        html lang=(lang.html()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · " (lang.pick("政务数据共享控制台", "govshare console")) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                a.skip href="#main" { (lang.pick("跳到正文", "Skip to content")) }
                header.top {
                    div.bar {
                        a.title href="/console" { (lang.pick("政务数据共享控制台", "govshare console")) }
                        nav aria-label=(lang.pick("主导航", "Main")) {
                            ul {
                                @if let Some(v) = viewer {
                                    li { a href="/console" { (lang.pick("部门工作台", "Desk")) } }
                                    @if v.authority {
                                        li { a href="/console/overview" { (lang.pick("主管部门总览", "Overview")) } }
                                    }
                                    li { a href="/console/catalog" { (lang.pick("目录", "Catalog")) } }
                                    li { a href="/console/assessment" { (lang.pick("考核评价", "Assessment")) } }
                                    li { a href="/console/audit" { (lang.pick("审计", "Audit")) } }
                                }
                                li { a href=(other.0) lang=(if lang == Lang::Zh { "en" } else { "zh-CN" }) { (other.1) } }
                            }
                        }
                        @if let Some(v) = viewer {
                            div.who {
                                (v.department_name) " · " (v.caller.actor.person.0) " · "
                                (i18n::role(lang, v.caller.actor.role)) " "
                                form method="post" action="/console/logout" {
                                    input type="hidden" name=(CSRF_FIELD) value=(v.csrf);
                                    button type="submit" { (lang.pick("退出", "Sign out")) }
                                }
                            }
                        }
                    }
                }
                main #main tabindex="-1" { (body) }
                footer {
                    (lang.pick("依据《河北省政务数据共享应用管理办法》；时间均为北京时间。",
                        "Under the Hebei regulation on government data sharing; all times are Beijing time."))
                }
            }
        }
    }
}

/// An error page with its status.
pub(crate) fn error_page(
    lang: Lang,
    viewer: Option<&Viewer>,
    status: StatusCode,
    title: &str,
    text: &str,
) -> Response {
    let body = html! {
        h1 { (title) }
        div.error role="alert" { p { (text) } }
        p { a href="/console" { (lang.pick("返回工作台", "Back to the desk")) } }
    };
    (status, page(lang, title, viewer, body)).into_response()
}

/// The title and explanation of a problem, as a person reads it.
pub(crate) fn problem_text(lang: Lang, problem: &Problem) -> (String, String) {
    let title = match problem.code {
        Code::NotVisible => lang.pick("无权查看", "Not visible to your department"),
        Code::Forbidden => lang.pick("无权办理", "Not allowed"),
        Code::NotFound => lang.pick("不存在", "Not found"),
        Code::Validation | Code::BadRequest | Code::MalformedJson => {
            lang.pick("填写有误", "Invalid input")
        }
        Code::DateOutOfRange => lang.pick("日期超出日历范围", "Date out of range"),
        Code::StateConflict => lang.pick("当前状态不允许", "Not possible in the current state"),
        Code::Refused => lang.pick("规则拒绝", "Refused by the rules"),
        Code::Conflict => lang.pick("他人同时修改，请重试", "Changed concurrently; try again"),
        Code::Unavailable | Code::ProjectionLagging | Code::NotReady => {
            lang.pick("服务暂不可用", "Temporarily unavailable")
        }
        Code::StorageFull => lang.pick("存储空间已满", "Storage full"),
        _ => lang.pick("出错了", "Something went wrong"),
    }
    .to_owned();
    let mut text = match problem.code {
        Code::NotVisible => lang
            .pick(
                "您所在部门不是本案当事方，按照数据共享的查看规则不能查看。",
                "Your department is not a party to this case and may not see it.",
            )
            .to_owned(),
        Code::StorageFull => lang
            .pick(
                "服务器存储空间已满，本次操作没有记录。请管理员释放空间后再提交一次。",
                "The server's disk is full; nothing was recorded. Submit again once an administrator has freed space.",
            )
            .to_owned(),
        _ => problem.detail.clone(),
    };
    if let Some(article) = problem.article
        && !text.contains(article)
    {
        text.push_str(&format!(" （{article}）"));
    }
    if let Some(rule) = problem.rule {
        text.push_str(&format!(" [{rule}]"));
    }
    (title, text)
}
