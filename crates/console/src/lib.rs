//! The web console of govshare (政务数据共享应用管理控制台): server-rendered HTML pages, Chinese first with an
//! English switch, mounted under `/console` next to the HTTP API of `govshare-server`.
//!
//! The console holds no rule. It signs a person in with the same bearer token as the API
//! ([`govshare_server::AppHandle::verify_token`], checked again on every request, so an expired or revoked token
//! ends the session); every list and page is read through the same query functions of `govshare-projections`
//! and the same visibility rules as the API ([`govshare_server::queries::visible_application`],
//! [`govshare_server::AppHandle::may_see_department`]); every action is a command of the engine, parsed as the
//! API parses it ([`govshare_server::commands::parse_command`]) and executed with the token's actor
//! ([`govshare_server::AppHandle::execute_for`]), so the domain authorizes and decides. A refusal is shown on
//! the page and records nothing.
//!
//! | route | page |
//! | --- | --- |
//! | `GET /console/login`, `POST /console/login` | 登录 sign-in: paste a token |
//! | `POST /console/logout` | 退出 sign-out |
//! | `GET /console` | 部门工作台 the department desk: what it owes, what it waits for |
//! | `GET /console/applications/{id}`, `POST /console/applications/{id}` | 案件详情 a share application: timeline, deadlines, the actions open to the signed-in actor |
//! | `GET /console/overview` | 主管部门总览 open and overdue deadlines by department (a data authority sees all) |
//! | `GET /console/catalog` | 目录 the catalog, by provider, published only |
//! | `GET /console/apply`, `POST /console/apply` | 提出共享申请 a new share application |
//! | `GET /console/assessment`, `GET /console/assessment.csv`, `GET /console/assessment/events` | 考核评价 the assessment report of 第三十八条 (the API's), its CSV, the events an indicator counts |
//! | `GET /console/audit`, `POST /console/audit` | 审计 the log's head, a chain verification or re-validation run on demand |
//! | `GET /console/applications/{id}/evidence` | 证据包 a case's evidence bundle (JSON, the API's) |
//!
//! Rate limits: a signed-in request draws from its session token's bucket (`AppHandle::limit_token`), the
//! sign-in page and requests without a session from the client address's (`AppHandle::limit_peer`).
//!
//! Sessions: the cookie `govshare_console` holds a random session id (32 bytes, hex), `HttpOnly`,
//! `SameSite=Strict`, `Path=/console`; the id maps, in this process's memory, to the token and the session's
//! CSRF token. The token itself never goes back to the browser, sign-out ends the session on the server, and a
//! restart signs everyone out. Every POST form carries the session's CSRF token in a hidden field (the sign-in
//! form a one-off token also set as a cookie), checked before anything else. Language: `?lang=en` or
//! `?lang=zh` (remembered in the cookie `govshare_console_lang`); Chinese by default.
//!
//! ```no_run
//! # async fn example(handle: govshare_server::AppHandle) -> Result<(), Box<dyn std::error::Error>> {
//! let router = govshare_server::router_with(handle.clone(), govshare_console::router(handle));
//! let listener = govshare_server::bind("127.0.0.1:8080".parse()?).await?;
//! govshare_server::serve_router_on(listener, router, std::future::pending::<()>()).await?;
//! # Ok(()) }
//! ```
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod apply;
mod assessment;
mod audit;
mod case;
mod catalog;
mod desk;
mod i18n;
mod layout;
mod login;
mod overview;
mod overview_cases;
mod session;

use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use govshare_server::{AppHandle, Caller, Problem};
use thiserror::Error;

pub use i18n::Lang;
pub use session::{CSRF_FIELD, LANG_COOKIE, SESSION_COOKIE};

/// The path every console page lives under.
pub const BASE: &str = "/console";

/// What the console's handlers share: the server's handle and the signed-in sessions.
#[derive(Debug, Clone)]
pub struct Console {
    app: AppHandle,
    sessions: Arc<session::Sessions>,
    /// Held while a chain verification or re-validation runs: one at a time.
    audit_run: Arc<tokio::sync::Mutex<()>>,
}

/// The console's routes under [`BASE`], to be merged with the API (`govshare_server::router_with`).
pub fn router(handle: AppHandle) -> Router {
    let console = Console {
        app: handle,
        sessions: Arc::new(session::Sessions::default()),
        audit_run: Arc::new(tokio::sync::Mutex::new(())),
    };
    Router::new()
        .route(BASE, get(desk::desk))
        .route("/console/", get(|| async { Redirect::to(BASE) }))
        .route("/console/login", get(login::form).post(login::sign_in))
        .route("/console/logout", post(login::sign_out))
        .route(
            "/console/applications/{id}",
            get(case::show).post(case::act),
        )
        .route("/console/applications/{id}/evidence", get(audit::evidence))
        .route("/console/apply", get(apply::form).post(apply::submit))
        .route("/console/overview", get(overview::overview))
        .route("/console/catalog", get(catalog::browse))
        .route(
            "/console/catalog/negative-list",
            get(catalog::negative_list),
        )
        .route("/console/assessment", get(assessment::show))
        .route("/console/assessment.csv", get(assessment::csv))
        .route("/console/assessment/events", get(assessment::events))
        .route("/console/audit", get(audit::show).post(audit::run))
        .route("/console/audit/evidence", get(audit::evidence_by_form))
        .route("/console/{*rest}", get(not_found).post(not_found))
        .layer(middleware::from_fn_with_state(
            console.clone(),
            session::authenticate,
        ))
        .layer(middleware::from_fn(remember_lang))
        .with_state(console)
}

/// Why a page could not be shown.
#[derive(Debug, Error)]
pub(crate) enum PageError {
    /// No session, or its token is no longer accepted: sign in.
    #[error("未登录 not signed in")]
    SignIn,
    /// The POST form's CSRF token is missing or wrong: nothing was done.
    #[error("表单已失效 the form's CSRF token is missing or wrong")]
    Csrf(Lang),
    /// A refusal or failure of the API's kind (not visible, not found, unavailable …).
    #[error("{}", .1.detail)]
    Problem(Lang, Problem),
    /// The same, to a signed-in viewer (the page keeps its header: who is signed in, sign-out).
    #[error("{}", .1.detail)]
    Viewed(Box<Viewer>, Problem),
}

impl Viewer {
    /// The error page of a problem, for this viewer.
    pub(crate) fn failed<E: Into<Problem>>(&self) -> impl Fn(E) -> PageError + '_ {
        move |e| PageError::Viewed(Box::new(self.clone()), e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::SignIn => Redirect::to("/console/login").into_response(),
            PageError::Csrf(lang) => layout::error_page(
                lang,
                None,
                StatusCode::FORBIDDEN,
                lang.pick("表单已失效", "Form expired"),
                lang.pick(
                    "表单缺少或带有错误的防伪令牌（CSRF），未执行任何操作。请返回页面重新提交。",
                    "The form's anti-forgery (CSRF) token is missing or wrong; nothing was done. Go back, reload the page and submit again.",
                ),
            ),
            PageError::Problem(lang, problem) => {
                let (title, text) = layout::problem_text(lang, &problem);
                layout::error_page(lang, None, problem.status(), &title, &text)
            }
            PageError::Viewed(viewer, problem) => {
                let lang = viewer.lang;
                let (title, text) = layout::problem_text(lang, &problem);
                layout::error_page(lang, Some(&viewer), problem.status(), &title, &text)
            }
        }
    }
}

/// The signed-in person of a request: the session and the caller its token stands for now.
#[derive(Debug, Clone)]
pub(crate) struct Viewer {
    pub(crate) caller: Caller,
    pub(crate) csrf: String,
    pub(crate) lang: Lang,
    pub(crate) department_name: String,
    /// The division code of the department's region.
    pub(crate) region: Option<String>,
    pub(crate) authority: bool,
}

async fn not_found(lang: Lang) -> Response {
    layout::error_page(
        lang,
        None,
        StatusCode::NOT_FOUND,
        lang.pick("页面不存在", "No such page"),
        lang.pick("控制台没有这个页面。", "The console has no such page."),
    )
}

/// `?lang=en|zh` switches the language and is remembered in a cookie.
async fn remember_lang(request: Request, next: Next) -> Response {
    let chosen = request.uri().query().and_then(i18n::lang_in_query);
    let mut response = next.run(request).await;
    if let Some(lang) = chosen
        && let Ok(value) = HeaderValue::from_str(&session::lang_cookie(lang))
    {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}
