//! Single-runner leases: at most one runner applies each projection.
//!
//! - PostgreSQL: a session advisory lock (`pg_try_advisory_lock`) per projection, taken on one
//!   dedicated connection per runner. When that connection dies (the process crashed, the network
//!   dropped) the server releases the locks and a standby runner's next attempt takes them. Each
//!   batch transaction checks in `pg_locks` that the lock is still held by that connection, so a
//!   runner that lost its lease cannot commit a batch after another took over.
//! - SQLite: an exclusive `flock` on `<store>.rm-<name>.lock`, held while the runner runs. (The store
//!   file itself is held by one process, which therefore runs the projections.)

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use fs4::fs_std::FileExt;
use sha2::{Digest, Sha256};
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection};

use crate::error::Result;
use crate::registry::Fence;

/// The advisory lock key of a projection: the first 8 bytes of SHA-256("govshare-projection:" + name).
pub fn lease_key(name: &str) -> i64 {
    let digest = Sha256::digest(format!("govshare-projection:{name}").as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(bytes)
}

/// The leases of one runner.
#[derive(Debug)]
pub(crate) enum Leases {
    Sqlite { path: PathBuf },
    Postgres(Arc<PgLeases>),
}

#[derive(Debug)]
pub(crate) struct PgLeases {
    options: PgConnectOptions,
    state: tokio::sync::Mutex<PgLeaseState>,
}

#[derive(Debug, Default)]
struct PgLeaseState {
    conn: Option<PgConnection>,
    pid: i32,
    /// Incremented on every new connection: leases of an older epoch died with their connection.
    epoch: u64,
    held: HashSet<i64>,
}

/// A lease held.
#[derive(Debug)]
pub(crate) enum Lease {
    Sqlite(#[allow(dead_code)] File),
    Postgres {
        key: i64,
        pid: i32,
        epoch: u64,
        leases: Arc<PgLeases>,
    },
}

fn lock_path(db: &Path, name: &str) -> PathBuf {
    let mut file = db.as_os_str().to_os_string();
    file.push(format!(".rm-{name}.lock"));
    PathBuf::from(file)
}

impl Leases {
    pub(crate) fn sqlite(path: &Path) -> Self {
        Leases::Sqlite {
            path: path.to_path_buf(),
        }
    }

    pub(crate) fn postgres(options: PgConnectOptions) -> Self {
        Leases::Postgres(Arc::new(PgLeases {
            options,
            state: tokio::sync::Mutex::new(PgLeaseState::default()),
        }))
    }

    /// Takes the lease of projection `name` if nobody holds it.
    pub(crate) async fn try_acquire(&self, name: &str) -> Result<Option<Lease>> {
        match self {
            Leases::Sqlite { path } => {
                let file = OpenOptions::new()
                    .read(true)
                    .write(true)
                    .create(true)
                    .truncate(false)
                    .open(lock_path(path, name))?;
                if FileExt::try_lock_exclusive(&file)? {
                    Ok(Some(Lease::Sqlite(file)))
                } else {
                    Ok(None)
                }
            }
            Leases::Postgres(leases) => {
                let key = lease_key(name);
                let mut state = leases.state.lock().await;
                if state.held.contains(&key) {
                    return Ok(None);
                }
                if state.conn.is_none() {
                    let mut conn = PgConnection::connect_with(&leases.options).await?;
                    let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
                        .fetch_one(&mut conn)
                        .await?;
                    state.conn = Some(conn);
                    state.pid = pid;
                    state.epoch += 1;
                    state.held.clear();
                }
                let Some(conn) = state.conn.as_mut() else {
                    return Ok(None);
                };
                let got = sqlx::query_scalar::<_, bool>("SELECT pg_try_advisory_lock($1)")
                    .bind(key)
                    .fetch_one(conn)
                    .await;
                match got {
                    Ok(true) => {
                        state.held.insert(key);
                        Ok(Some(Lease::Postgres {
                            key,
                            pid: state.pid,
                            epoch: state.epoch,
                            leases: leases.clone(),
                        }))
                    }
                    Ok(false) => Ok(None),
                    Err(e) => {
                        state.conn = None;
                        state.held.clear();
                        Err(e.into())
                    }
                }
            }
        }
    }
}

impl Lease {
    /// What a batch transaction checks (PostgreSQL only).
    pub(crate) fn fence(&self) -> Option<Fence> {
        match self {
            Lease::Sqlite(_) => None,
            Lease::Postgres { key, pid, .. } => Some(Fence {
                pid: *pid,
                key: *key,
            }),
        }
    }

    /// Whether the lease is still held (its connection alive).
    pub(crate) async fn check(&self) -> bool {
        match self {
            Lease::Sqlite(_) => true,
            Lease::Postgres { epoch, leases, .. } => {
                let mut state = leases.state.lock().await;
                if state.epoch != *epoch {
                    return false;
                }
                let Some(conn) = state.conn.as_mut() else {
                    return false;
                };
                if conn.ping().await.is_ok() {
                    true
                } else {
                    state.conn = None;
                    state.held.clear();
                    false
                }
            }
        }
    }

    /// Gives the lease back.
    pub(crate) async fn release(self) {
        if let Lease::Postgres {
            key, epoch, leases, ..
        } = self
        {
            let mut state = leases.state.lock().await;
            if state.epoch != epoch {
                return;
            }
            state.held.remove(&key);
            if let Some(conn) = state.conn.as_mut() {
                let _ = sqlx::query("SELECT pg_advisory_unlock($1)")
                    .bind(key)
                    .execute(conn)
                    .await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_differ_by_name() {
        assert_ne!(lease_key("audit"), lease_key("deadlines"));
        assert_eq!(lease_key("audit"), lease_key("audit"));
    }
}
