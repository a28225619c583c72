//! Bearer tokens, each bound to one actor (department, person, role), kept in the server's own table
//! `govshare_server_tokens` in the store's database (never in the event log). Only the SHA-256 hash of a
//! token is stored; the token itself is shown once, when it is issued.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};
use govshare_domain::{DepartmentCode, PersonId, Role};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Row as _};
use thiserror::Error;

/// Every token starts with this prefix (so that it is recognisable in a leaked log line).
pub const TOKEN_PREFIX: &str = "gst_";

const CREATE: &str = "CREATE TABLE IF NOT EXISTS govshare_server_tokens (\
     token_id TEXT PRIMARY KEY, \
     token_hash TEXT NOT NULL UNIQUE, \
     department TEXT NOT NULL, \
     person TEXT NOT NULL, \
     role TEXT NOT NULL, \
     label TEXT NOT NULL, \
     issued_at BIGINT NOT NULL, \
     expires_at BIGINT NOT NULL, \
     revoked_at BIGINT)";

const COLUMNS: &str =
    "token_id, department, person, role, label, issued_at, expires_at, revoked_at";

/// Why a token was not accepted, or the table could not be used.
#[derive(Debug, Error)]
pub enum TokenError {
    /// No token with this hash was issued.
    #[error("unknown token")]
    Unknown,
    /// The token's expiry has passed.
    #[error("token expired")]
    Expired,
    /// The token was revoked.
    #[error("token revoked")]
    Revoked,
    /// No token has this id.
    #[error("no token {0}")]
    NotFound(String),
    /// The request to issue a token is not acceptable.
    #[error("{0}")]
    Invalid(String),
    /// The database could not be used.
    #[error("token table: {0}")]
    Database(String),
}

impl From<rusqlite::Error> for TokenError {
    fn from(e: rusqlite::Error) -> Self {
        TokenError::Database(e.to_string())
    }
}

impl From<sqlx::Error> for TokenError {
    fn from(e: sqlx::Error) -> Self {
        TokenError::Database(e.to_string())
    }
}

/// The actor a token stands for: what the engine receives as the caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenActor {
    /// The department (a registry code).
    pub department: DepartmentCode,
    /// The person.
    pub person: PersonId,
    /// The capacity (clerk, reviewer or leader; never the scheduler's).
    pub role: Role,
}

/// A token as listed (never with its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenInfo {
    /// The token's id, for listing and revoking.
    pub token_id: String,
    /// The actor it is bound to.
    pub actor: TokenActor,
    /// A free label (who it was issued to, what for).
    pub label: String,
    /// When it was issued.
    pub issued_at: DateTime<Utc>,
    /// When it stops being accepted.
    pub expires_at: DateTime<Utc>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A token just issued: its information and the bearer secret, shown once.
#[derive(Clone, PartialEq, Eq)]
pub struct IssuedToken {
    /// What is stored about it.
    pub info: TokenInfo,
    /// The bearer token (`gst_…`); only its hash is stored.
    pub secret: String,
}

impl std::fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedToken")
            .field("info", &self.info)
            .field("secret", &"<redacted>")
            .finish()
    }
}

enum Backend {
    Sqlite {
        path: PathBuf,
        conn: Mutex<Option<rusqlite::Connection>>,
    },
    Postgres(PgPool),
}

/// The token table of one database. Cheap to clone.
#[derive(Clone)]
pub struct TokenStore {
    backend: Arc<Backend>,
}

impl std::fmt::Debug for TokenStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &*self.backend {
            Backend::Sqlite { path, .. } => {
                f.debug_struct("TokenStore").field("sqlite", path).finish()
            }
            Backend::Postgres(_) => f
                .debug_struct("TokenStore")
                .field("postgres", &true)
                .finish(),
        }
    }
}

/// The SHA-256 hash (hex) under which a token is stored.
pub fn token_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

fn seconds(at: DateTime<Utc>) -> i64 {
    at.timestamp()
}

fn instant(secs: i64) -> Result<DateTime<Utc>, TokenError> {
    DateTime::from_timestamp(secs, 0)
        .ok_or_else(|| TokenError::Database(format!("bad instant {secs}")))
}

fn role_name(role: Role) -> Result<String, TokenError> {
    match serde_json::to_value(role) {
        Ok(serde_json::Value::String(s)) => Ok(s),
        _ => Err(TokenError::Invalid(format!("role {role:?}"))),
    }
}

/// Parses a role as the engine's JSON names it (`clerk`, `reviewer`, `leader`); the scheduler's role is
/// the engine's own and is refused.
pub fn parse_role(text: &str) -> Result<Role, TokenError> {
    match serde_json::from_value::<Role>(serde_json::Value::String(text.to_owned())) {
        Ok(Role::Scheduler) => Err(TokenError::Invalid(
            "the scheduler's role is the engine's own; no token carries it".into(),
        )),
        Ok(role) => Ok(role),
        Err(_) => Err(TokenError::Invalid(format!(
            "unknown role {text:?} (clerk, reviewer or leader)"
        ))),
    }
}

struct RawRow {
    token_id: String,
    department: String,
    person: String,
    role: String,
    label: String,
    issued_at: i64,
    expires_at: i64,
    revoked_at: Option<i64>,
}

impl RawRow {
    fn info(self) -> Result<TokenInfo, TokenError> {
        Ok(TokenInfo {
            token_id: self.token_id,
            actor: TokenActor {
                department: DepartmentCode::parse(&self.department)
                    .map_err(|e| TokenError::Database(e.to_string()))?,
                person: PersonId(self.person),
                role: serde_json::from_value(serde_json::Value::String(self.role))
                    .map_err(|e| TokenError::Database(e.to_string()))?,
            },
            label: self.label,
            issued_at: instant(self.issued_at)?,
            expires_at: instant(self.expires_at)?,
            revoked_at: self.revoked_at.map(instant).transpose()?,
        })
    }

    fn from_sqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<RawRow> {
        Ok(RawRow {
            token_id: row.get(0)?,
            department: row.get(1)?,
            person: row.get(2)?,
            role: row.get(3)?,
            label: row.get(4)?,
            issued_at: row.get(5)?,
            expires_at: row.get(6)?,
            revoked_at: row.get(7)?,
        })
    }

    fn from_pg(row: &sqlx::postgres::PgRow) -> Result<RawRow, sqlx::Error> {
        Ok(RawRow {
            token_id: row.try_get(0)?,
            department: row.try_get(1)?,
            person: row.try_get(2)?,
            role: row.try_get(3)?,
            label: row.try_get(4)?,
            issued_at: row.try_get(5)?,
            expires_at: row.try_get(6)?,
            revoked_at: row.try_get(7)?,
        })
    }
}

impl TokenStore {
    /// Opens the token table of a store location (a SQLite path, optionally `sqlite:`-prefixed, which must
    /// exist, or a `postgres://` URL), creating the table if needed.
    pub async fn open(location: &str) -> Result<TokenStore, TokenError> {
        let store = match govshare_app::sqlite_path(location) {
            None => {
                let options = PgConnectOptions::from_str(location)?;
                // Every request with a token reads this table: as many connections as the store's read pool.
                let pool = PgPoolOptions::new()
                    .max_connections(4)
                    .acquire_timeout(Duration::from_secs(5))
                    .connect_with(options)
                    .await?;
                sqlx::query(CREATE).execute(&pool).await?;
                TokenStore {
                    backend: Arc::new(Backend::Postgres(pool)),
                }
            }
            Some(path) => {
                if !path.is_file() {
                    return Err(TokenError::Invalid(format!(
                        "数据库文件不存在 no database file {}",
                        path.display()
                    )));
                }
                let store = TokenStore {
                    backend: Arc::new(Backend::Sqlite {
                        path: path.to_path_buf(),
                        conn: Mutex::new(None),
                    }),
                };
                store
                    .sqlite(|conn| Ok(conn.execute(CREATE, []).map(|_| ())?))
                    .await?;
                store
            }
        };
        Ok(store)
    }

    async fn sqlite<T, F>(&self, work: F) -> Result<T, TokenError>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Connection) -> Result<T, TokenError> + Send + 'static,
    {
        let backend = self.backend.clone();
        tokio::task::spawn_blocking(move || {
            let Backend::Sqlite { path, conn } = &*backend else {
                return Err(TokenError::Database("not a SQLite database".into()));
            };
            let mut guard = conn.lock().unwrap_or_else(PoisonError::into_inner);
            if guard.is_none() {
                *guard = Some(open_sqlite(path)?);
            }
            match guard.as_ref() {
                Some(c) => work(c),
                None => Err(TokenError::Database("no connection".into())),
            }
        })
        .await
        .map_err(|e| TokenError::Database(e.to_string()))?
    }

    /// Issues a token for `actor` valid until `expires_at`; returns it with its secret (shown once).
    pub async fn issue(
        &self,
        actor: TokenActor,
        label: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<IssuedToken, TokenError> {
        if actor.role == Role::Scheduler {
            return Err(TokenError::Invalid(
                "the scheduler's role is the engine's own; no token carries it".into(),
            ));
        }
        if actor.person.0.trim().is_empty() {
            return Err(TokenError::Invalid("the person must be named".into()));
        }
        let mut random = [0u8; 32];
        getrandom::getrandom(&mut random)
            .map_err(|e| TokenError::Database(format!("no randomness: {e}")))?;
        let secret = format!("{TOKEN_PREFIX}{}", hex::encode(random));
        let info = TokenInfo {
            token_id: uuid::Uuid::new_v4().to_string(),
            actor,
            label: label.to_owned(),
            issued_at: DateTime::from_timestamp(now.timestamp(), 0).unwrap_or(now),
            expires_at: DateTime::from_timestamp(expires_at.timestamp(), 0).unwrap_or(expires_at),
            revoked_at: None,
        };
        let hash = token_hash(&secret);
        let role = role_name(info.actor.role)?;
        let sql = "INSERT INTO govshare_server_tokens (token_id, token_hash, department, person, role, \
                   label, issued_at, expires_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL)";
        match &*self.backend {
            Backend::Postgres(pool) => {
                sqlx::query(sql)
                    .bind(&info.token_id)
                    .bind(&hash)
                    .bind(info.actor.department.as_str())
                    .bind(&info.actor.person.0)
                    .bind(&role)
                    .bind(&info.label)
                    .bind(seconds(info.issued_at))
                    .bind(seconds(info.expires_at))
                    .execute(pool)
                    .await?;
            }
            Backend::Sqlite { .. } => {
                let i = info.clone();
                self.sqlite(move |conn| {
                    conn.execute(
                        &sql.replace('$', "?"),
                        rusqlite::params![
                            i.token_id,
                            hash,
                            i.actor.department.as_str(),
                            i.actor.person.0,
                            role,
                            i.label,
                            seconds(i.issued_at),
                            seconds(i.expires_at)
                        ],
                    )?;
                    Ok(())
                })
                .await?;
            }
        }
        Ok(IssuedToken { info, secret })
    }

    /// Every token issued, oldest first.
    pub async fn list(&self) -> Result<Vec<TokenInfo>, TokenError> {
        let sql =
            format!("SELECT {COLUMNS} FROM govshare_server_tokens ORDER BY issued_at, token_id");
        let raw = match &*self.backend {
            Backend::Postgres(pool) => sqlx::query(&sql)
                .fetch_all(pool)
                .await?
                .iter()
                .map(RawRow::from_pg)
                .collect::<Result<Vec<_>, _>>()?,
            Backend::Sqlite { .. } => {
                self.sqlite(move |conn| {
                    let mut stmt = conn.prepare(&sql)?;
                    let rows = stmt
                        .query_map([], RawRow::from_sqlite)?
                        .collect::<Result<Vec<_>, _>>()?;
                    Ok(rows)
                })
                .await?
            }
        };
        raw.into_iter().map(RawRow::info).collect()
    }

    async fn find(
        &self,
        column: &'static str,
        value: String,
    ) -> Result<Option<TokenInfo>, TokenError> {
        let sql = format!("SELECT {COLUMNS} FROM govshare_server_tokens WHERE {column} = $1");
        let raw = match &*self.backend {
            Backend::Postgres(pool) => sqlx::query(&sql)
                .bind(value)
                .fetch_optional(pool)
                .await?
                .as_ref()
                .map(RawRow::from_pg)
                .transpose()?,
            Backend::Sqlite { .. } => {
                self.sqlite(move |conn| {
                    let mut stmt = conn.prepare(&sql.replace('$', "?"))?;
                    let mut rows = stmt.query_map([value], RawRow::from_sqlite)?;
                    Ok(rows.next().transpose()?)
                })
                .await?
            }
        };
        raw.map(RawRow::info).transpose()
    }

    /// Revokes a token by id (revoking it again changes nothing); returns it as it now stands.
    pub async fn revoke(
        &self,
        token_id: &str,
        now: DateTime<Utc>,
    ) -> Result<TokenInfo, TokenError> {
        let sql = "UPDATE govshare_server_tokens SET revoked_at = $1 WHERE token_id = $2 AND revoked_at IS NULL";
        let at = seconds(now);
        match &*self.backend {
            Backend::Postgres(pool) => {
                sqlx::query(sql)
                    .bind(at)
                    .bind(token_id)
                    .execute(pool)
                    .await?;
            }
            Backend::Sqlite { .. } => {
                let id = token_id.to_owned();
                self.sqlite(move |conn| {
                    conn.execute(&sql.replace('$', "?"), rusqlite::params![at, id])?;
                    Ok(())
                })
                .await?;
            }
        }
        self.find("token_id", token_id.to_owned())
            .await?
            .ok_or_else(|| TokenError::NotFound(token_id.to_owned()))
    }

    /// The token a bearer secret stands for, if it is known, unexpired at `now` and not revoked.
    pub async fn authenticate(
        &self,
        secret: &str,
        now: DateTime<Utc>,
    ) -> Result<TokenInfo, TokenError> {
        if !secret.starts_with(TOKEN_PREFIX) {
            return Err(TokenError::Unknown);
        }
        let info = self
            .find("token_hash", token_hash(secret))
            .await?
            .ok_or(TokenError::Unknown)?;
        if info.revoked_at.is_some() {
            return Err(TokenError::Revoked);
        }
        if info.expires_at <= now {
            return Err(TokenError::Expired);
        }
        Ok(info)
    }

    /// Whether the table can be read (for readiness).
    pub async fn ping(&self) -> Result<(), TokenError> {
        match &*self.backend {
            Backend::Postgres(pool) => {
                sqlx::query("SELECT 1").execute(pool).await?;
            }
            Backend::Sqlite { .. } => {
                self.sqlite(|conn| {
                    conn.query_row("SELECT count(*) FROM govshare_server_tokens", [], |r| {
                        r.get::<_, i64>(0)
                    })?;
                    Ok(())
                })
                .await?;
            }
        }
        Ok(())
    }
}

fn open_sqlite(path: &Path) -> Result<rusqlite::Connection, TokenError> {
    let conn = rusqlite::Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(Duration::from_secs(10))?;
    Ok(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_parse_as_the_engine_names_them_and_the_scheduler_is_refused() {
        assert_eq!(parse_role("reviewer").unwrap(), Role::Reviewer);
        assert!(parse_role("scheduler").is_err());
        assert!(parse_role("admin").is_err());
    }

    #[test]
    fn the_hash_is_sha256_hex() {
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
