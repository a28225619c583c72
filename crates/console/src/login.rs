//! 登录 / 退出: sign in by pasting a bearer token (the same as the API's); sign out.

use std::collections::HashMap;

use axum::Form;
use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use govshare_server::{Code, Problem};
use maud::html;

use crate::i18n::Lang;
use crate::layout::page;
use crate::session::{self, CSRF_FIELD, LOGIN_COOKIE, SESSION_COOKIE};
use crate::{Console, PageError, Viewer};

/// The form field of the token.
const TOKEN_FIELD: &str = "token";

fn login_page(lang: Lang, status: StatusCode, error: Option<&str>) -> Response {
    let nonce = match session::random_token() {
        Ok(n) => n,
        Err(e) => {
            return PageError::Problem(lang, Problem::internal("a random token", &e))
                .into_response();
        }
    };
    let title = lang.pick("登录", "Sign in");
    let body = html! {
        div.login {
            h1 { (title) }
            section {
                p {
                    (lang.pick(
                        "请粘贴本部门的访问令牌（与 API 相同，由 govshare token issue 签发，以 gst_ 开头）。令牌只保存在服务器端，浏览器只收到会话标识。",
                        "Paste your department's access token (the same as the API's, issued with govshare token issue, starting gst_). The token stays on the server; the browser only gets a session id."))
                }
                @if let Some(error) = error {
                    div.error role="alert" #login-error {
                        strong { (lang.pick("登录失败", "Sign-in failed")) }
                        (error)
                    }
                }
                form method="post" action="/console/login" {
                    input type="hidden" name=(CSRF_FIELD) value=(nonce);
                    label for="token" { (lang.pick("访问令牌", "Access token")) }
                    input #token type="password" name=(TOKEN_FIELD) required autocomplete="off"
                        spellcheck="false" autofocus
                        aria-describedby=[error.map(|_| "login-error")];
                    button.primary type="submit" { (lang.pick("登录", "Sign in")) }
                }
            }
        }
    };
    let mut response = (status, page(lang, title, None, body)).into_response();
    if let Ok(value) = HeaderValue::from_str(&session::login_cookie(&nonce)) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// `GET /console/login`.
pub(crate) async fn form(lang: Lang) -> Response {
    login_page(lang, StatusCode::OK, None)
}

/// `POST /console/login`: the token is checked as the API checks it; a session starts.
pub(crate) async fn sign_in(
    State(console): State<Console>,
    lang: Lang,
    headers: HeaderMap,
    form: Result<Form<HashMap<String, String>>, FormRejection>,
) -> Response {
    let Ok(Form(fields)) = form else {
        return PageError::Csrf(lang).into_response();
    };
    let expected = session::cookie(&headers, LOGIN_COOKIE);
    match (expected, fields.get(CSRF_FIELD)) {
        (Some(expected), Some(sent)) if session::same_secret(&expected, sent) => {}
        _ => return PageError::Csrf(lang).into_response(),
    }
    let secret = fields
        .get(TOKEN_FIELD)
        .map(|s| s.trim().to_owned())
        .unwrap_or_default();
    if let Err(problem) = console.app.verify_token(&secret).await {
        let text = match problem.code {
            Code::ExpiredToken => lang.pick("令牌已过期。", "The token has expired."),
            Code::RevokedToken => lang.pick("令牌已撤销。", "The token was revoked."),
            Code::InvalidToken | Code::MissingToken => {
                lang.pick("令牌无效。", "The token is not recognised.")
            }
            _ => {
                return PageError::Problem(lang, problem).into_response();
            }
        };
        return login_page(lang, StatusCode::UNAUTHORIZED, Some(text));
    }
    let (id, _csrf) = match console.sessions.start(secret) {
        Ok(started) => started,
        Err(e) => {
            return PageError::Problem(lang, Problem::internal("a session id", &e)).into_response();
        }
    };
    let mut response = Redirect::to("/console").into_response();
    for cookie in [
        session::session_cookie(&id),
        format!("{LOGIN_COOKIE}=; Path=/console/login; HttpOnly; SameSite=Strict; Max-Age=0"),
    ] {
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

/// `POST /console/logout`: ends the session on the server and in the browser.
pub(crate) async fn sign_out(
    State(console): State<Console>,
    viewer: Viewer,
    headers: HeaderMap,
    form: Result<Form<HashMap<String, String>>, FormRejection>,
) -> Result<Response, PageError> {
    let fields = form.map(|Form(f)| f).unwrap_or_default();
    viewer.check_csrf(fields.get(CSRF_FIELD))?;
    if let Some(id) = session::cookie(&headers, SESSION_COOKIE) {
        console.sessions.end(&id);
    }
    let mut response = Redirect::to("/console/login").into_response();
    if let Ok(value) = HeaderValue::from_str(&session::clear_session_cookie()) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(response)
}
