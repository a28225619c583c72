//! Sessions: a random id in an `HttpOnly`, `SameSite=Strict` cookie, mapped in memory to the bearer token and
//! the session's CSRF token; the viewer of each request, re-checked against the token table.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use govshare_domain::DepartmentKind;

use crate::i18n::Lang;
use crate::{Console, PageError, Viewer};

/// The session cookie (a random id; the token stays on the server).
pub const SESSION_COOKIE: &str = "govshare_console";

/// The cookie remembering the language.
pub const LANG_COOKIE: &str = "govshare_console_lang";

/// The one-off cookie of the sign-in form (double-submit CSRF token: there is no session yet).
pub(crate) const LOGIN_COOKIE: &str = "govshare_console_login";

/// The hidden field of every POST form carrying the CSRF token.
pub const CSRF_FIELD: &str = "csrf";

/// How long a session lasts without signing in again (the token's own expiry and revocation end it sooner).
const SESSION_LIFETIME: Duration = Duration::from_secs(12 * 3600);

/// At most this many sessions are kept; the oldest go first.
const MAX_SESSIONS: usize = 10_000;

#[derive(Debug, Clone)]
struct Session {
    secret: String,
    csrf: String,
    started: Instant,
}

/// The signed-in sessions of this process.
#[derive(Debug, Default)]
pub(crate) struct Sessions {
    map: Mutex<HashMap<String, Session>>,
}

/// 32 random bytes, hex.
pub(crate) fn random_token() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes)?;
    Ok(hex::encode(bytes))
}

impl Sessions {
    /// A new session for the bearer token `secret`: its id and CSRF token.
    pub(crate) fn start(&self, secret: String) -> Result<(String, String), getrandom::Error> {
        let id = random_token()?;
        let csrf = random_token()?;
        let mut map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        map.retain(|_, s| s.started.elapsed() < SESSION_LIFETIME);
        if map.len() >= MAX_SESSIONS
            && let Some(oldest) = map
                .iter()
                .min_by_key(|(_, s)| s.started)
                .map(|(k, _)| k.clone())
        {
            map.remove(&oldest);
        }
        map.insert(
            id.clone(),
            Session {
                secret,
                csrf: csrf.clone(),
                started: Instant::now(),
            },
        );
        Ok((id, csrf))
    }

    fn get(&self, id: &str) -> Option<Session> {
        let mut map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        match map.get(id) {
            Some(s) if s.started.elapsed() < SESSION_LIFETIME => Some(s.clone()),
            Some(_) => {
                map.remove(id);
                None
            }
            None => None,
        }
    }

    /// Ends a session.
    pub(crate) fn end(&self, id: &str) {
        self.map
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(id);
    }
}

/// The value of cookie `name`, if the request sends it.
pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_owned())
}

/// `Set-Cookie` of a new session.
pub(crate) fn session_cookie(id: &str) -> String {
    format!("{SESSION_COOKIE}={id}; Path=/console; HttpOnly; SameSite=Strict")
}

/// `Set-Cookie` ending a session in the browser.
pub(crate) fn clear_session_cookie() -> String {
    format!("{SESSION_COOKIE}=; Path=/console; HttpOnly; SameSite=Strict; Max-Age=0")
}

/// `Set-Cookie` of the sign-in form's one-off CSRF token.
pub(crate) fn login_cookie(value: &str) -> String {
    format!("{LOGIN_COOKIE}={value}; Path=/console/login; HttpOnly; SameSite=Strict")
}

/// `Set-Cookie` remembering the language (a year).
pub(crate) fn lang_cookie(lang: Lang) -> String {
    format!(
        "{LANG_COOKIE}={}; Path=/console; SameSite=Strict; Max-Age=31536000",
        lang.code()
    )
}

/// Compares two secrets in time independent of where they differ.
pub(crate) fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The signed-in session of a request, found by [`authenticate`]: its id, the caller its token stands for
/// now and its CSRF token.
#[derive(Debug, Clone)]
pub(crate) struct SignedIn {
    caller: govshare_server::Caller,
    csrf: String,
}

/// Every console request draws from a rate-limit bucket here: a signed-in session's from its token's
/// bucket (the token is checked first: an expired or revoked one ends the session), anything else — the
/// sign-in page, a request without a session — from its client address's. The session found is handed to
/// the page ([`Viewer`]) in the request's extensions.
pub(crate) async fn authenticate(
    axum::extract::State(console): axum::extract::State<Console>,
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let lang = Lang::of_headers(request.headers(), request.uri().query());
    let path = request.uri().path();
    let session = if path == "/console/login" {
        None
    } else {
        cookie(request.headers(), SESSION_COOKIE)
            .and_then(|id| console.sessions.get(&id).map(|s| (id, s)))
    };
    let mut signed_in = None;
    if let Some((id, session)) = session {
        match console.app.verify_token(&session.secret).await {
            Ok(caller) => signed_in = Some((caller, session.csrf)),
            Err(problem) if problem.status().as_u16() == 401 => console.sessions.end(&id),
            Err(problem) => return PageError::Problem(lang, problem).into_response(),
        }
    }
    let limited = match &signed_in {
        Some((caller, _)) => console.app.limit_token(&caller.token_id),
        None => console.app.limit_peer(request.extensions()),
    };
    if let Err(problem) = limited {
        return PageError::Problem(lang, problem).into_response();
    }
    if let Some((caller, csrf)) = signed_in {
        request.extensions_mut().insert(SignedIn { caller, csrf });
    }
    next.run(request).await
}

impl FromRequestParts<Console> for Viewer {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &Console) -> Result<Self, PageError> {
        let lang = Lang::of(parts);
        // Found (and its token checked, its rate limit drawn) by `authenticate`.
        let SignedIn { caller, csrf } = parts
            .extensions
            .get::<SignedIn>()
            .cloned()
            .ok_or(PageError::SignIn)?;
        let registry = state
            .app
            .engine()
            .registry()
            .await
            .map_err(|e| PageError::Problem(lang, e.into()))?;
        let department = registry.department(&caller.actor.department);
        Ok(Viewer {
            department_name: department.map_or_else(
                || caller.actor.department.as_str().to_owned(),
                |d| d.name.clone(),
            ),
            region: department.map(|d| d.region.as_str().to_owned()),
            authority: department.is_some_and(|d| d.kind == DepartmentKind::DataAuthority),
            caller,
            csrf,
            lang,
        })
    }
}

impl Viewer {
    /// `Ok` if the form's CSRF field is this session's token.
    pub(crate) fn check_csrf(&self, sent: Option<&String>) -> Result<(), PageError> {
        match sent {
            Some(sent) if same_secret(sent, &self.csrf) => Ok(()),
            _ => Err(PageError::Csrf(self.lang)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_by_name() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            "a=1; govshare_console=abc; govshare_console_lang=en"
                .parse()
                .unwrap(),
        );
        assert_eq!(cookie(&headers, SESSION_COOKIE).as_deref(), Some("abc"));
        assert_eq!(cookie(&headers, LANG_COOKIE).as_deref(), Some("en"));
        assert_eq!(cookie(&headers, "b"), None);
    }

    #[test]
    fn sessions_start_and_end() {
        let sessions = Sessions::default();
        let (id, csrf) = sessions.start("gst_x".into()).unwrap();
        assert_eq!(id.len(), 64);
        assert_ne!(id, csrf);
        assert_eq!(sessions.get(&id).unwrap().secret, "gst_x");
        sessions.end(&id);
        assert!(sessions.get(&id).is_none());
        assert!(same_secret("abc", "abc") && !same_secret("abc", "abd") && !same_secret("a", "ab"));
    }
}
