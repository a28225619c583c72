//! Rate limits and the request deadline.
//!
//! A token bucket per bearer token (keyed by the token id, once the token authenticated), and one per client
//! address for requests without a valid token (the public routes, and refused tokens, so guessing secrets is
//! limited too); `governor`'s keyed limiter. Over the limit is 429 `rate-limited` with `Retry-After`.
//! Every request has a deadline ([`crate::ServerConfig::request_timeout`]); past it the answer is 503
//! `timeout`.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{Extensions, HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::AppHandle;
use crate::problem::{Code, Problem};

/// A token bucket: `burst` requests at once, refilled at `per_second` (0 counts as 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Sustained requests per second.
    pub per_second: u32,
    /// Requests allowed at once (the bucket's size).
    pub burst: u32,
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit {
            per_second: 50,
            burst: 100,
        }
    }
}

/// Whose bucket a request draws from.
#[derive(Debug, Clone, Hash, PartialEq, Eq)]
pub(crate) enum Key {
    /// An authenticated token, by id.
    Token(String),
    /// No valid token: the client's address.
    Peer(IpAddr),
    /// No valid token and no known address (a router served without connection info): one shared bucket.
    Anonymous,
}

impl Key {
    /// The peer's bucket, from the connection info `serve_on` records.
    pub(crate) fn peer(extensions: &Extensions) -> Key {
        extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(Key::Anonymous, |ConnectInfo(addr)| Key::Peer(addr.ip()))
    }
}

/// Buckets are dropped once full again (an idle key costs nothing) every this many checks.
const RETAIN_EVERY: u64 = 4096;

/// The server's keyed rate limiter.
#[derive(Debug)]
pub(crate) struct Limiter {
    buckets: DefaultKeyedRateLimiter<Key>,
    checks: AtomicU64,
}

impl Limiter {
    pub(crate) fn new(limit: RateLimit) -> Self {
        let nonzero = |n: u32| NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::per_second(nonzero(limit.per_second)).allow_burst(nonzero(limit.burst));
        Limiter {
            buckets: RateLimiter::keyed(quota),
            checks: AtomicU64::new(0),
        }
    }

    /// Takes one request from `key`'s bucket, or 429 with the wait until it may.
    pub(crate) fn check(&self, key: &Key) -> Result<(), Problem> {
        if self.checks.fetch_add(1, Ordering::Relaxed) % RETAIN_EVERY == RETAIN_EVERY - 1 {
            self.buckets.retain_recent();
        }
        self.buckets.check_key(key).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            match key {
                Key::Token(id) => {
                    tracing::warn!(token = %id, wait_ms = wait.as_millis() as u64, "rate limited")
                }
                Key::Peer(ip) => {
                    tracing::warn!(peer = %ip, wait_ms = wait.as_millis() as u64, "rate limited")
                }
                Key::Anonymous => tracing::warn!(wait_ms = wait.as_millis() as u64, "rate limited"),
            }
            Problem::new(
                Code::RateLimited,
                "more requests than the rate limit allows; retry after the Retry-After seconds",
            )
            .retryable(true)
            .with_retry_after(wait)
        })
    }
}

impl AppHandle {
    /// Takes one request from the bucket of the token `token_id` (nothing when rate limits are off), or 429
    /// `rate-limited`: for routes of a caller's own (the web console) whose requests are made on behalf of
    /// a token without carrying it (`Caller` draws from the same bucket for the API's routes).
    pub fn limit_token(&self, token_id: &str) -> Result<(), Problem> {
        self.limit(&Key::Token(token_id.to_owned()))
    }

    /// Takes one request from the bucket of the client's address (as [`crate::serve_on`] records it in
    /// the request's extensions; one shared bucket without it), or 429 `rate-limited`: for the requests of
    /// a caller's own routes made without a token (the console's sign-in page).
    pub fn limit_peer(&self, extensions: &Extensions) -> Result<(), Problem> {
        self.limit(&Key::peer(extensions))
    }
}

/// Requests draw from their address's bucket here, except `/v1` requests with an `Authorization` header,
/// which are limited once their token is known (see [`crate::Caller`]).
pub(crate) async fn limit_anonymous(
    State(app): State<AppHandle>,
    request: Request,
    next: Next,
) -> Response {
    // Only the `/v1` routes authenticate (and then draw from the token's bucket, or the address's for a
    // refused token); anywhere else an Authorization header must not exempt a request from its address's.
    let authenticates =
        request.uri().path().starts_with("/v1/") && has_credentials(request.headers());
    if !authenticates && let Err(problem) = app.limit(&Key::peer(request.extensions())) {
        return problem.into_response();
    }
    next.run(request).await
}

fn has_credentials(headers: &HeaderMap) -> bool {
    headers.contains_key(header::AUTHORIZATION)
}

/// Answers 503 `timeout` when the request runs past the configured deadline. The handler's future is
/// dropped: a command may or may not have reached the log, and a retry with the same `Idempotency-Key`
/// finds out (the engine's command record answers it once).
pub(crate) async fn deadline(
    State(app): State<AppHandle>,
    request: Request,
    next: Next,
) -> Response {
    let limit = app.config.request_timeout;
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(timeout_ms = limit.as_millis() as u64, "request timed out");
            Problem::new(
                Code::Timeout,
                format!(
                    "the request took longer than {} ms; a command may or may not have been recorded: retry it with the same Idempotency-Key",
                    limit.as_millis()
                ),
            )
            .retryable(true)
            .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::ServerConfig;

    #[test]
    fn a_bucket_refuses_past_its_burst_with_a_wait_and_keys_are_separate() {
        let limiter = Limiter::new(RateLimit {
            per_second: 1,
            burst: 2,
        });
        let a = Key::Token("a".into());
        assert!(limiter.check(&a).is_ok());
        assert!(limiter.check(&a).is_ok());
        let problem = limiter.check(&a).unwrap_err();
        assert_eq!(problem.code, Code::RateLimited);
        assert_eq!(problem.status().as_u16(), 429);
        assert_eq!(problem.retry_after, Some(1));
        assert_eq!(problem.retryable, Some(true));
        assert!(limiter.check(&Key::Token("b".into())).is_ok());
        assert!(limiter.check(&Key::Anonymous).is_ok());
    }

    #[test]
    fn zero_settings_count_as_one() {
        let limiter = Limiter::new(RateLimit {
            per_second: 0,
            burst: 0,
        });
        assert!(limiter.check(&Key::Anonymous).is_ok());
        assert!(limiter.check(&Key::Anonymous).is_err());
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        let p = |d| Problem::new(Code::RateLimited, "x").with_retry_after(d);
        assert_eq!(p(Duration::from_millis(1)).retry_after, Some(1));
        assert_eq!(p(Duration::ZERO).retry_after, Some(1));
        assert_eq!(p(Duration::from_millis(1500)).retry_after, Some(2));
        assert_eq!(p(Duration::from_secs(3)).retry_after, Some(3));
    }

    #[test]
    fn the_read_wait_stays_shorter_than_the_request_deadline() {
        let default = ServerConfig::default();
        assert_eq!(default.effective_read_wait(), Duration::from_secs(5));
        let short = ServerConfig {
            request_timeout: Duration::from_secs(2),
            ..ServerConfig::default()
        };
        assert_eq!(short.effective_read_wait(), Duration::from_millis(1600));
    }
}
