//! Errors as `application/problem+json` (RFC 9457): a stable `type` URI per code, the HTTP status, a short
//! `title` fixed per code, a `detail` for this occurrence, and the extension members `code`, `article` (when
//! the domain refused under a provision), `rule` (the authorization row), `field` (when input was bad) and
//! `retryable`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use govshare_domain::DomainError;
use govshare_engine::EngineError;
use govshare_projections::ProjectionError;
use serde::Serialize;

use crate::tokens::TokenError;

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// The prefix of every problem `type`; the code follows it.
pub const TYPE_PREFIX: &str = "urn:govshare:problem:";

/// The stable problem codes. Each has one status and one title; `docs/ARCHITECTURE.md` and the README name
/// the URI form (`urn:govshare:problem:<code>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// 400: the body is not JSON.
    MalformedJson,
    /// 400: a header, path or query parameter is malformed (the field names it).
    BadRequest,
    /// 401: no bearer token.
    MissingToken,
    /// 401: the token is not one this server issued.
    InvalidToken,
    /// 401: the token's expiry has passed.
    ExpiredToken,
    /// 401: the token was revoked.
    RevokedToken,
    /// 403: the domain's authorization table refused the actor.
    Forbidden,
    /// 403: the token's department may not see this resource.
    NotVisible,
    /// 404: no such resource or route.
    NotFound,
    /// 405: the route exists, not with this method.
    MethodNotAllowed,
    /// 409: the command does not fit the case's current state.
    StateConflict,
    /// 409: the rules refused the command as things stand (a deadline passed, not yet due, …).
    Refused,
    /// 409: other writers kept moving the case; retry.
    Conflict,
    /// 413: the body is larger than the server accepts.
    BodyTooLarge,
    /// 415: the body is not `application/json`.
    UnsupportedMediaType,
    /// 422: the body is JSON but does not fit the command (unknown field, wrong type, bad value).
    Validation,
    /// 422: a date or instant outside the years the working-day calendar counts.
    DateOutOfRange,
    /// 422: the Idempotency-Key was already used for another request.
    IdempotencyKeyReused,
    /// 503: the store or the read models cannot be reached.
    Unavailable,
    /// 503: a read model has not yet reached the position asked for.
    ProjectionLagging,
    /// 507: the event store's disk is full; nothing was recorded (retry with the same `Idempotency-Key`
    /// once space is freed).
    StorageFull,
    /// 503: not ready (store unreachable or read models rebuilding).
    NotReady,
    /// 503: the request took longer than the server's `request_timeout`; a command may or may not have
    /// been recorded (retry with the same `Idempotency-Key`).
    Timeout,
    /// 429: the token (or, without one, the client address) sent more requests than its rate limit allows;
    /// `Retry-After` says when to try again.
    RateLimited,
    /// 500: something the server cannot explain (a damaged record, a bug).
    Internal,
}

impl Code {
    /// The code as it appears in the `type` URI and the `code` member.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::MalformedJson => "malformed-json",
            Code::BadRequest => "bad-request",
            Code::MissingToken => "missing-token",
            Code::InvalidToken => "invalid-token",
            Code::ExpiredToken => "expired-token",
            Code::RevokedToken => "revoked-token",
            Code::Forbidden => "forbidden",
            Code::NotVisible => "not-visible",
            Code::NotFound => "not-found",
            Code::MethodNotAllowed => "method-not-allowed",
            Code::StateConflict => "state-conflict",
            Code::Refused => "refused",
            Code::Conflict => "conflict",
            Code::BodyTooLarge => "body-too-large",
            Code::UnsupportedMediaType => "unsupported-media-type",
            Code::Validation => "validation",
            Code::DateOutOfRange => "date-out-of-range",
            Code::IdempotencyKeyReused => "idempotency-key-reused",
            Code::Unavailable => "unavailable",
            Code::ProjectionLagging => "projection-lagging",
            Code::StorageFull => "storage-full",
            Code::NotReady => "not-ready",
            Code::Timeout => "timeout",
            Code::RateLimited => "rate-limited",
            Code::Internal => "internal",
        }
    }

    /// The HTTP status.
    pub fn status(self) -> StatusCode {
        match self {
            Code::MalformedJson | Code::BadRequest => StatusCode::BAD_REQUEST,
            Code::MissingToken | Code::InvalidToken | Code::ExpiredToken | Code::RevokedToken => {
                StatusCode::UNAUTHORIZED
            }
            Code::Forbidden | Code::NotVisible => StatusCode::FORBIDDEN,
            Code::NotFound => StatusCode::NOT_FOUND,
            Code::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Code::StateConflict | Code::Refused | Code::Conflict => StatusCode::CONFLICT,
            Code::BodyTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Code::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Code::Validation | Code::DateOutOfRange | Code::IdempotencyKeyReused => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            Code::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            Code::StorageFull => StatusCode::INSUFFICIENT_STORAGE,
            Code::Unavailable | Code::ProjectionLagging | Code::NotReady | Code::Timeout => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            Code::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The fixed, human-readable summary.
    pub fn title(self) -> &'static str {
        match self {
            Code::MalformedJson => "请求体不是合法的 JSON malformed JSON",
            Code::BadRequest => "请求格式错误 bad request",
            Code::MissingToken => "缺少访问令牌 missing bearer token",
            Code::InvalidToken => "访问令牌无效 invalid token",
            Code::ExpiredToken => "访问令牌已过期 token expired",
            Code::RevokedToken => "访问令牌已撤销 token revoked",
            Code::Forbidden => "无权执行 not allowed",
            Code::NotVisible => "无权查看 not visible to this department",
            Code::NotFound => "不存在 not found",
            Code::MethodNotAllowed => "方法不允许 method not allowed",
            Code::StateConflict => "当前状态不允许 conflicts with the current state",
            Code::Refused => "规则拒绝 refused by the rules",
            Code::Conflict => "并发冲突 concurrent change",
            Code::BodyTooLarge => "请求体过大 body too large",
            Code::UnsupportedMediaType => "内容类型不支持 unsupported media type",
            Code::Validation => "字段无效 invalid input",
            Code::DateOutOfRange => "日期超出日历范围 date out of range",
            Code::IdempotencyKeyReused => "幂等键已用于其他请求 idempotency key reused",
            Code::Unavailable => "服务暂不可用 unavailable",
            Code::ProjectionLagging => "读模型尚未更新 read model behind",
            Code::StorageFull => "存储空间已满 storage full",
            Code::NotReady => "尚未就绪 not ready",
            Code::Timeout => "处理超时 request timed out",
            Code::RateLimited => "请求过于频繁 too many requests",
            Code::Internal => "内部错误 internal error",
        }
    }
}

/// One problem, ready to be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The stable code (it gives the `type`, `title` and `status`).
    pub code: Code,
    /// What happened this time.
    pub detail: String,
    /// The article of the regulation a refusal rests on.
    pub article: Option<&'static str>,
    /// The authorization rule that denied the actor (`AUTH-03` …).
    pub rule: Option<&'static str>,
    /// The field of the input that was bad (a JSON path, a header or a parameter name).
    pub field: Option<String>,
    /// Whether the same request may succeed later unchanged.
    pub retryable: Option<bool>,
    /// Seconds for the `Retry-After` header (a 503 without it says 1).
    pub retry_after: Option<u64>,
}

/// The body as sent.
#[derive(Serialize)]
struct Body<'a> {
    #[serde(rename = "type")]
    type_uri: String,
    title: &'static str,
    status: u16,
    detail: &'a str,
    code: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    article: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    retryable: Option<bool>,
}

impl Serialize for Problem {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Body {
            type_uri: format!("{TYPE_PREFIX}{}", self.code.as_str()),
            title: self.code.title(),
            status: self.code.status().as_u16(),
            detail: &self.detail,
            code: self.code.as_str(),
            article: self.article,
            rule: self.rule,
            field: self.field.as_deref(),
            retryable: self.retryable,
        }
        .serialize(serializer)
    }
}

impl Problem {
    /// A problem of `code` with `detail`.
    pub fn new(code: Code, detail: impl Into<String>) -> Self {
        Problem {
            code,
            detail: detail.into(),
            article: None,
            rule: None,
            field: None,
            retryable: None,
            retry_after: None,
        }
    }

    /// Names the bad field.
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// Names the article.
    pub fn with_article(mut self, article: Option<&'static str>) -> Self {
        self.article = article;
        self
    }

    pub(crate) fn retryable(mut self, retryable: bool) -> Self {
        self.retryable = Some(retryable);
        self
    }

    /// Sets `Retry-After` (whole seconds, at least 1).
    pub fn with_retry_after(mut self, wait: std::time::Duration) -> Self {
        let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        self.retry_after = Some(seconds.max(1));
        self
    }

    /// An unexpected failure: logged in full, reported without internals.
    pub fn internal(what: &str, error: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %error, "{what}");
        Problem::new(Code::Internal, format!("{what} failed; see the server log"))
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.code.status()
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = self.status();
        let unauthorized = status == StatusCode::UNAUTHORIZED;
        let body = match serde_json::to_vec(&self) {
            Ok(body) => body,
            Err(_) => br#"{"type":"urn:govshare:problem:internal","status":500}"#.to_vec(),
        };
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if unauthorized {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"govshare\""),
            );
        }
        if let Some(seconds) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        } else if status == StatusCode::SERVICE_UNAVAILABLE
            || status == StatusCode::INSUFFICIENT_STORAGE
        {
            headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}

impl From<EngineError> for Problem {
    fn from(error: EngineError) -> Self {
        let detail = error.to_string();
        let retryable = error.is_retryable();
        match error {
            EngineError::Refused { source, article } => {
                let code = match &source {
                    DomainError::Validation { .. }
                    | DomainError::StateSecret
                    | DomainError::DuplicateCollection { .. }
                    | DomainError::UnknownDeadline(_) => Code::Validation,
                    DomainError::Calendar(_)
                    | DomainError::InstantOutOfRange { .. }
                    | DomainError::DateOutOfRange { .. } => Code::DateOutOfRange,
                    DomainError::InvalidState { .. } | DomainError::Backdated { .. } => {
                        Code::StateConflict
                    }
                    _ => Code::Refused,
                };
                let field = match &source {
                    DomainError::Validation { field, .. }
                    | DomainError::InstantOutOfRange { field, .. }
                    | DomainError::DateOutOfRange { field, .. } => Some(*field),
                    _ => None,
                };
                let mut problem = Problem::new(code, source.to_string())
                    .with_article(article)
                    .retryable(retryable);
                problem.field = field.map(str::to_owned);
                problem
            }
            EngineError::Forbidden(forbidden) => {
                let mut problem = Problem::new(Code::Forbidden, forbidden.reason.clone());
                problem.rule = Some(forbidden.rule.id());
                problem
            }
            EngineError::UnknownActor { .. } | EngineError::RoleNotAllowed { .. } => {
                Problem::new(Code::Forbidden, detail)
            }
            EngineError::NotFound { .. } => Problem::new(Code::NotFound, detail),
            EngineError::InvalidRequest { field, reason } => {
                Problem::new(Code::Validation, reason).with_field(field)
            }
            EngineError::CommandIdReused { .. } => {
                Problem::new(Code::IdempotencyKeyReused, detail).with_field("Idempotency-Key")
            }
            EngineError::Conflict { .. } => Problem::new(Code::Conflict, detail).retryable(true),
            EngineError::Unavailable(e) if e.is_storage_full() => {
                tracing::error!(error = %e, "the event store's disk is full");
                Problem::new(
                    Code::StorageFull,
                    "the event store's disk is full: nothing was recorded; send the command again with the same Idempotency-Key once space is freed",
                )
                .retryable(true)
            }
            EngineError::Unavailable(e) => {
                tracing::warn!(error = %e, "store unavailable");
                Problem::new(Code::Unavailable, "the event store cannot be reached").retryable(true)
            }
            EngineError::Corrupt(_) | EngineError::Config(_) => {
                Problem::internal("the command", &detail)
            }
        }
    }
}

impl From<ProjectionError> for Problem {
    fn from(error: ProjectionError) -> Self {
        match error {
            ProjectionError::InvalidCursor => {
                Problem::new(Code::BadRequest, "the cursor does not belong to this list")
                    .with_field("cursor")
            }
            ProjectionError::Timeout { .. } => {
                Problem::new(Code::ProjectionLagging, error.to_string()).retryable(true)
            }
            ProjectionError::Sqlite(_)
            | ProjectionError::Postgres(_)
            | ProjectionError::Store(_)
            | ProjectionError::Io(_)
            | ProjectionError::Shutdown => {
                tracing::warn!(error = %error, "read models unavailable");
                Problem::new(Code::Unavailable, "the read models cannot be reached").retryable(true)
            }
            other => Problem::internal("the query", &other),
        }
    }
}

impl From<TokenError> for Problem {
    fn from(error: TokenError) -> Self {
        match error {
            TokenError::Unknown => Problem::new(Code::InvalidToken, "the token is not recognised"),
            TokenError::Expired => Problem::new(Code::ExpiredToken, "the token has expired"),
            TokenError::Revoked => Problem::new(Code::RevokedToken, "the token was revoked"),
            TokenError::NotFound(id) => Problem::new(Code::NotFound, format!("no token {id}")),
            TokenError::Invalid(reason) => Problem::new(Code::BadRequest, reason),
            TokenError::Database(e) => {
                tracing::warn!(error = %e, "token table unavailable");
                Problem::new(Code::Unavailable, "the token table cannot be reached").retryable(true)
            }
        }
    }
}
