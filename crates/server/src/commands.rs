//! `POST /v1/commands/{aggregate}/{id}`: one command of the engine's [`Command`] enum, its body the
//! aggregate's command as the engine's JSON names it (`{"SubmitShareApplication": {…}}`), the
//! `Idempotency-Key` header its command id, the token's actor its caller.

use std::time::Instant;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use govshare_engine::{Command, CommandRequest, REGISTRY_ID, Recorded};
use govshare_store::{RecordedEvent, StreamId};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use uuid::Uuid;

use crate::AppHandle;
use crate::auth::Caller;
use crate::openapi as doc;
use crate::problem::{Code, Problem};

/// The header carrying the command id.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// The header set on the answer to a retried command id (nothing was recorded now).
pub const REPLAYED: &str = "idempotent-replayed";

/// The aggregates a command may address, as the path names them (the engine's `aggregate` tags).
pub const AGGREGATES: [&str; 13] = [
    "organization",
    "catalog",
    "negative_list",
    "published_catalog",
    "collection_list",
    "share_application",
    "grant",
    "verification",
    "incident",
    "third_party",
    "supervision",
    "city_platform",
    "authorized_operation",
];

/// What a recorded command answers (the same body for a retry of its command id).
#[derive(Debug, Serialize)]
pub struct CommandResponse<'a> {
    /// The command id (the Idempotency-Key).
    pub command_id: Uuid,
    /// The case the command addressed.
    pub stream: &'a StreamId,
    /// The case's version after the command.
    pub stream_version: u64,
    /// The position of the last event recorded (for `min_position` on queries; 0 when none).
    pub position: u64,
    /// The events recorded, with positions and hashes.
    pub events: &'a [RecordedEvent],
}

/// Handles one command.
#[utoipa::path(
    post,
    path = "/v1/commands/{aggregate}/{id}",
    tag = "commands",
    operation_id = "execute",
    summary = "执行命令 one command of the engine",
    params(("aggregate" = String, Path, description = "One of the engine's `Command` tags: organization, catalog, negative_list, published_catalog, collection_list, share_application, grant, verification, incident, third_party, supervision, city_platform, authorized_operation"), ("id" = String, Path, description = "The case id (`registry` for organization)"), ("Idempotency-Key" = String, Header, description = "The command id: a fresh UUID, reused only to retry")),
    request_body(content = doc::CommandBody, description = "The aggregate's command as the engine serializes it", content_type = "application/json"),
    responses(
        (status = 200, description = "Recorded (or, with `Idempotent-Replayed: true`, the answer to an earlier request with this key)", body = doc::CommandAnswer),
        (status = 400, description = "请求格式错误 the body is not JSON (`malformed-json`) or the Idempotency-Key is missing or not a UUID (`bad-request`)", body = doc::Problem, content_type = "application/problem+json"),
        (status = 403, description = "无权执行 the domain's authorization table refused the actor (`forbidden`, `rule` names the row)", body = doc::Problem, content_type = "application/problem+json"),
        (status = 404, description = "不存在 no such aggregate or case (`not-found`)", body = doc::Problem, content_type = "application/problem+json"),
        (status = 409, description = "冲突 not in this state (`state-conflict`), refused by the rules (`refused`, `article` names the provision) or concurrent writers (`conflict`, retryable)", body = doc::Problem, content_type = "application/problem+json"),
        (status = 413, description = "请求体过大 the body is larger than the server accepts (`body-too-large`)", body = doc::Problem, content_type = "application/problem+json"),
        (status = 415, description = "内容类型不支持 the body is not declared application/json (`unsupported-media-type`)", body = doc::Problem, content_type = "application/problem+json"),
        (status = 422, description = "字段无效 the body does not fit the command (`validation`), a date outside the calendar (`date-out-of-range`) or the key was used for another request (`idempotency-key-reused`)", body = doc::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
pub async fn execute(
    State(app): State<AppHandle>,
    path: Result<Path<(String, String)>, PathRejection>,
    caller: Result<Caller, Problem>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let started = Instant::now();
    let mut labels = Labels::default();
    let result = run(&app, path, caller, &headers, body, &mut labels).await;
    let (outcome, events) = match &result {
        Ok(recorded) if recorded.retry => ("replayed", None),
        Ok(recorded) => ("recorded", Some(recorded.events.len())),
        Err(problem) => (problem.code.as_str(), None),
    };
    app.metrics.command(
        labels.aggregate,
        &labels.command,
        outcome,
        started.elapsed(),
        events,
    );
    match result {
        Ok(recorded) => respond(&recorded),
        Err(problem) => problem.into_response(),
    }
}

/// The metric labels of a command, filled in as far as the request was understood (bounded values only:
/// a known aggregate, a command type that parsed).
struct Labels {
    aggregate: &'static str,
    command: String,
}

impl Default for Labels {
    fn default() -> Self {
        Labels {
            aggregate: UNKNOWN,
            command: UNKNOWN.to_owned(),
        }
    }
}

/// The label of what was not understood.
const UNKNOWN: &str = "unknown";

async fn run(
    app: &AppHandle,
    path: Result<Path<(String, String)>, PathRejection>,
    caller: Result<Caller, Problem>,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
    labels: &mut Labels,
) -> Result<Recorded, Problem> {
    if let Ok(Path((aggregate, _))) = &path
        && let Some(known) = AGGREGATES.iter().find(|a| **a == aggregate.as_str())
    {
        labels.aggregate = known;
    }
    let caller = caller?;
    let Path((aggregate, id)) = path.map_err(|e| Problem::new(Code::BadRequest, e.body_text()))?;
    if !AGGREGATES.contains(&aggregate.as_str()) {
        return Err(Problem::new(
            Code::NotFound,
            format!(
                "no aggregate {aggregate:?} (one of {})",
                AGGREGATES.join(", ")
            ),
        ));
    }
    check_json_content_type(headers)?;
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Problem::new(
                Code::BodyTooLarge,
                format!("the body exceeds {} bytes", app.config.body_limit),
            )
        } else {
            Problem::new(Code::BadRequest, e.body_text())
        }
    })?;
    let command_id = idempotency_key(headers)?;
    let value = parse_json(&body)?;
    if let Some(field) = nul_text(&value, String::new()) {
        return Err(Problem::new(
            Code::Validation,
            "a text holds the NUL character (\\u0000), which no text of the record may contain",
        )
        .with_field(field));
    }
    let command = parse_command_value(&aggregate, id, &value)?;
    if let Some(name) = variant_name(&value) {
        labels.command = name.to_owned();
    }
    app.execute_for(&caller, command_id, command).await
}

/// The variant name of an externally tagged command (`{"AgreeToShare": {…}}` or `"Withdraw"`); once the
/// command parsed, one of the enum's names.
fn variant_name(value: &Value) -> Option<&str> {
    match value {
        Value::String(name) => Some(name),
        Value::Object(map) if map.len() == 1 => map.keys().next().map(String::as_str),
        _ => None,
    }
}

impl AppHandle {
    /// Executes `command` through [`govshare_engine::Engine::execute`] with the caller's actor, under
    /// `command_id` (a retried id answers the original record): the domain authorizes and decides.
    pub async fn execute_for(
        &self,
        caller: &Caller,
        command_id: Uuid,
        command: Command,
    ) -> Result<Recorded, Problem> {
        let request = CommandRequest::new(
            command_id,
            caller.actor.department.clone(),
            caller.actor.person.clone(),
            caller.actor.role,
            command,
        );
        Ok(self.engine.execute(request).await?)
    }
}

fn respond(recorded: &Recorded) -> Response {
    let body = CommandResponse {
        command_id: recorded.command_id,
        stream: &recorded.stream,
        stream_version: recorded.stream_version,
        position: recorded.last_position(),
        events: &recorded.events,
    };
    let mut response = match serde_json::to_vec(&body) {
        Ok(bytes) => (
            StatusCode::OK,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            bytes,
        )
            .into_response(),
        Err(e) => Problem::internal("encoding the answer", &e).into_response(),
    };
    if recorded.retry {
        response
            .headers_mut()
            .insert(REPLAYED, HeaderValue::from_static("true"));
    }
    response
}

/// 415 unless the body is declared `application/json` (or a `+json` type).
fn check_json_content_type(headers: &HeaderMap) -> Result<(), Problem> {
    let declared = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        });
    match declared {
        Some(t)
            if t == "application/json"
                || (t.starts_with("application/") && t.ends_with("+json")) =>
        {
            Ok(())
        }
        Some(t) => Err(Problem::new(
            Code::UnsupportedMediaType,
            format!("the body is declared {t:?}; send application/json"),
        )
        .with_field("Content-Type")),
        None => Err(Problem::new(
            Code::UnsupportedMediaType,
            "no Content-Type; send application/json",
        )
        .with_field("Content-Type")),
    }
}

fn idempotency_key(headers: &HeaderMap) -> Result<Uuid, Problem> {
    let bad = |detail: &str| Problem::new(Code::BadRequest, detail).with_field("Idempotency-Key");
    let value = headers.get(IDEMPOTENCY_KEY).ok_or_else(|| {
        bad("every command needs an Idempotency-Key header: a fresh UUID, reused only to retry")
    })?;
    let text = value
        .to_str()
        .map_err(|_| bad("the Idempotency-Key is not ASCII"))?;
    let key =
        Uuid::parse_str(text.trim()).map_err(|_| bad("the Idempotency-Key must be a UUID"))?;
    if key.is_nil() {
        return Err(bad("the nil UUID is not an Idempotency-Key"));
    }
    Ok(key)
}

/// The engine's command for `aggregate`/`id` with `body` as the aggregate's command.
pub fn parse_command(aggregate: &str, id: String, body: &[u8]) -> Result<Command, Problem> {
    parse_command_value(aggregate, id, &parse_json(body)?)
}

fn parse_json(body: &[u8]) -> Result<Value, Problem> {
    serde_json::from_slice(body)
        .map_err(|e| Problem::new(Code::MalformedJson, format!("the body is not JSON: {e}")))
}

/// The engine's command for `aggregate`/`id` with `value` (the parsed body) as the aggregate's command.
pub fn parse_command_value(aggregate: &str, id: String, value: &Value) -> Result<Command, Problem> {
    use govshare_domain::{
        authorized_operation, catalog, city_platform, collection_list, grant, incident,
        negative_list, organization, published_catalog, share_application, supervision,
        third_party, verification,
    };
    Ok(match aggregate {
        "organization" => {
            if id != REGISTRY_ID {
                return Err(Problem::new(
                    Code::NotFound,
                    format!("the organization registry's id is {REGISTRY_ID:?}"),
                ));
            }
            Command::Organization {
                command: decode::<organization::OrganizationCommand>(value)?,
            }
        }
        "catalog" => Command::Catalog {
            id,
            command: decode::<catalog::CatalogCommand>(value)?,
        },
        "negative_list" => Command::NegativeList {
            id,
            command: decode::<negative_list::NegativeListCommand>(value)?,
        },
        "published_catalog" => Command::PublishedCatalog {
            id,
            command: decode::<published_catalog::PublishedCatalogCommand>(value)?,
        },
        "collection_list" => Command::CollectionList {
            id,
            command: decode::<collection_list::CollectionListCommand>(value)?,
        },
        "share_application" => Command::ShareApplication {
            id,
            command: decode::<share_application::ShareCommand>(value)?,
        },
        "grant" => Command::Grant {
            id,
            command: decode::<grant::GrantCommand>(value)?,
        },
        "verification" => Command::Verification {
            id,
            command: decode::<verification::VerificationCommand>(value)?,
        },
        "incident" => Command::Incident {
            id,
            command: decode::<incident::IncidentCommand>(value)?,
        },
        "third_party" => Command::ThirdParty {
            id,
            command: decode::<third_party::ThirdPartyCommand>(value)?,
        },
        "supervision" => Command::Supervision {
            id,
            command: decode::<supervision::SupervisionCommand>(value)?,
        },
        "city_platform" => Command::CityPlatform {
            id,
            command: decode::<city_platform::CityPlatformCommand>(value)?,
        },
        "authorized_operation" => Command::AuthorizedOperation {
            id,
            command: decode::<authorized_operation::AuthorizedOperationCommand>(value)?,
        },
        other => {
            return Err(Problem::new(
                Code::NotFound,
                format!("no aggregate {other:?}"),
            ));
        }
    })
}

/// Deserializes a command strictly: a wrong type or value names its JSON path, and a field the command does
/// not have is refused (the domain's types accept unknown fields; here they are found by comparing the input
/// with the command serialized back).
pub fn decode<T: DeserializeOwned + Serialize>(value: &Value) -> Result<T, Problem> {
    let typed: T = serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        Problem::new(Code::Validation, inner).with_field(path)
    })?;
    let back = serde_json::to_value(&typed).map_err(|e| Problem::internal("re-encoding", &e))?;
    if let Some(path) = unknown_field(value, &back, String::new()) {
        return Err(
            Problem::new(Code::Validation, format!("unknown field {path}")).with_field(path),
        );
    }
    Ok(typed)
}

/// The path of the first string of `value` (a key or a value) holding the NUL character, which PostgreSQL
/// cannot store in a text column: every backend refuses it alike, before the store is reached.
fn nul_text(value: &Value, path: String) -> Option<String> {
    let join = |key: &str| {
        if path.is_empty() {
            key.to_owned()
        } else {
            format!("{path}.{key}")
        }
    };
    match value {
        Value::String(text) => text.contains('\0').then_some(path),
        Value::Object(map) => map.iter().find_map(|(key, value)| {
            if key.contains('\0') {
                Some(join(key))
            } else {
                nul_text(value, join(key))
            }
        }),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(n, item)| nul_text(item, format!("{path}[{n}]"))),
        _ => None,
    }
}

/// The path of the first key of `input` that `output` (the same value deserialized and serialized back)
/// lacks. A key whose value is null, an empty object or an empty array may be absent from the output
/// (an optional field left out when serialized).
fn unknown_field(input: &Value, output: &Value, path: String) -> Option<String> {
    match (input, output) {
        (Value::Object(i), Value::Object(o)) => i.iter().find_map(|(key, value)| {
            let here = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            match o.get(key) {
                Some(out) => unknown_field(value, out, here),
                None => {
                    let empty = match value {
                        Value::Null => true,
                        Value::Object(m) => m.is_empty(),
                        Value::Array(a) => a.is_empty(),
                        _ => false,
                    };
                    (!empty).then_some(here)
                }
            }
        }),
        (Value::Array(i), Value::Array(o)) if i.len() == o.len() => i
            .iter()
            .zip(o)
            .enumerate()
            .find_map(|(n, (a, b))| unknown_field(a, b, format!("{path}[{n}]"))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use govshare_domain::share_application::ShareCommand;

    #[test]
    fn unknown_fields_are_named_by_their_path() {
        let ok = serde_json::json!({"AgreeToShare": {"conditions": null}});
        assert!(decode::<ShareCommand>(&ok).is_ok());
        let extra = serde_json::json!({"AgreeToShare": {"conditions": "x", "colour": "red"}});
        let problem = decode::<ShareCommand>(&extra).unwrap_err();
        assert_eq!(problem.status().as_u16(), 422);
        assert_eq!(problem.field.as_deref(), Some("AgreeToShare.colour"));
    }

    #[test]
    fn wrong_types_name_the_field() {
        let wrong = serde_json::json!({"ProvideShare": {"grant_id": 7}});
        let problem = decode::<ShareCommand>(&wrong).unwrap_err();
        assert_eq!(problem.code, Code::Validation);
        assert_eq!(problem.field.as_deref(), Some("ProvideShare.grant_id"));
    }

    #[test]
    fn malformed_json_is_400_and_an_unknown_aggregate_404() {
        assert_eq!(
            parse_command("share_application", "SA-1".into(), b"{")
                .unwrap_err()
                .status()
                .as_u16(),
            400
        );
        assert_eq!(
            parse_command("nope", "x".into(), b"{}")
                .unwrap_err()
                .status()
                .as_u16(),
            404
        );
    }
}
