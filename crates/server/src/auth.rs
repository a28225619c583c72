//! The caller: the actor of the bearer token on the request. Its token's rate-limit bucket is drawn from
//! here, once the token is known.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};

use crate::AppHandle;
use crate::limit::Key;
use crate::problem::{Code, Problem};
use crate::tokens::{TokenActor, TokenInfo};

/// The authenticated caller of a request: the actor its token is bound to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The token's id (logged, never the secret).
    pub token_id: String,
    /// The actor the engine receives.
    pub actor: TokenActor,
}

impl FromRequestParts<AppHandle> for Caller {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppHandle) -> Result<Self, Problem> {
        // Without the header the request already drew from its address's bucket (`limit_anonymous`).
        let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
            return Err(Problem::new(
                Code::MissingToken,
                "send Authorization: Bearer <token> (issued with `govshare token issue`)",
            ));
        };
        match authenticate(value, state).await {
            Ok(info) => {
                tracing::Span::current().record("token", info.token_id.as_str());
                state.limit(&Key::Token(info.token_id.clone()))?;
                Ok(Caller {
                    token_id: info.token_id,
                    actor: info.actor,
                })
            }
            Err(problem) => {
                // A refused token draws from its address's bucket: guessing secrets is limited too.
                state.limit(&Key::peer(&parts.extensions))?;
                Err(problem)
            }
        }
    }
}

impl AppHandle {
    /// The caller a bearer token secret stands for, if the token is known, unexpired now and not revoked
    /// (the check every `/v1` request and every console request makes). Records the token id on the
    /// request's span.
    pub async fn verify_token(&self, secret: &str) -> Result<Caller, Problem> {
        let info = self
            .tokens
            .authenticate(secret.trim(), chrono::Utc::now())
            .await?;
        tracing::Span::current().record("token", info.token_id.as_str());
        Ok(Caller {
            token_id: info.token_id,
            actor: info.actor,
        })
    }
}

async fn authenticate(value: &HeaderValue, state: &AppHandle) -> Result<TokenInfo, Problem> {
    let text = value
        .to_str()
        .map_err(|_| Problem::new(Code::InvalidToken, "the Authorization header is not ASCII"))?;
    let Some((scheme, secret)) = text.split_once(' ') else {
        return Err(Problem::new(
            Code::InvalidToken,
            "expected Authorization: Bearer <token>",
        ));
    };
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(Problem::new(
            Code::InvalidToken,
            "expected the Bearer scheme",
        ));
    }
    Ok(state
        .tokens
        .authenticate(secret.trim(), chrono::Utc::now())
        .await?)
}
