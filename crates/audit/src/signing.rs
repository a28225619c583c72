//! Signed checkpoints: the engine's Ed25519 signature over its head, kept outside the database.
//!
//! Someone who can write the database can rewrite history and recompute every chain hash, but cannot sign:
//! the key lives in a file outside the database. [`crate::verify_signed`] checks the log against every
//! signature, so a rewrite of anything up to the last signed checkpoint, and any append made while the
//! engine was stopped, is detected.
//!
//! **The signed message** (`docs/audit.md`) is the concatenation of five fields, each written as its length
//! in bytes (u64 big-endian) followed by the bytes, exactly like the chain's event encoding:
//!
//! | # | field | bytes |
//! | --- | --- | --- |
//! | 0 | domain tag | ASCII `govshare/checkpoint/v1` (22 bytes) |
//! | 1 | position | u64 big-endian (8 bytes) |
//! | 2 | chain hash at that position | 32 bytes |
//! | 3 | signed at | ASCII RFC 3339, UTC, nine fraction digits, `Z` (30 bytes) |
//! | 4 | reason | ASCII `startup`, `interval`, `shutdown` or `manual` |
//!
//! The signature is pure Ed25519 (RFC 8032) over those bytes.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use govshare_store::hash::format_timestamp;
use govshare_store::{Checkpoint, EventStore, Position};
use serde::{Deserialize, Serialize};
use tracing::Instrument;

use crate::error::{AuditError, ChainFinding, Result};

/// First field of the signed message; changes if its layout ever changes.
pub const CHECKPOINT_DOMAIN_TAG: &[u8] = b"govshare/checkpoint/v1";

/// Why the engine signed its head.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignReason {
    /// On starting, after checking that nothing was appended since its shutdown signature.
    Startup,
    /// Periodically while running.
    Interval,
    /// On shutdown: nothing may follow until the next startup signature.
    Shutdown,
    /// On an operator's request.
    Manual,
}

impl SignReason {
    /// The name in the signed message and the signature file.
    pub fn as_str(self) -> &'static str {
        match self {
            SignReason::Startup => "startup",
            SignReason::Interval => "interval",
            SignReason::Shutdown => "shutdown",
            SignReason::Manual => "manual",
        }
    }
}

/// A checkpoint signed with the engine's key: one line of the signature file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedCheckpoint {
    /// Position of the head signed.
    pub position: Position,
    /// Chain hash at that position (hex).
    #[serde(with = "hex_bytes")]
    pub hash: [u8; 32],
    /// When it was signed (RFC 3339, UTC, nine fraction digits).
    #[serde(with = "timestamp")]
    pub signed_at: DateTime<Utc>,
    /// Why.
    pub reason: SignReason,
    /// The signer's Ed25519 public key (hex).
    #[serde(with = "hex_bytes")]
    pub public_key: [u8; 32],
    /// The Ed25519 signature of [`signed_message`] (hex).
    #[serde(with = "hex_bytes")]
    pub signature: [u8; 64],
}

impl SignedCheckpoint {
    /// The checkpoint it signs.
    pub fn checkpoint(&self) -> Checkpoint {
        Checkpoint {
            position: self.position,
            hash: self.hash,
        }
    }

    /// The bytes its signature covers.
    pub fn message(&self) -> Vec<u8> {
        signed_message(&self.checkpoint(), &self.signed_at, self.reason)
    }

    /// Checks the signature, and that the signer is `trusted` when given.
    pub fn verify(&self, trusted: Option<&VerifyingKey>) -> std::result::Result<(), String> {
        if let Some(trusted) = trusted
            && trusted.as_bytes() != &self.public_key
        {
            return Err(format!(
                "signed by key {}, not by the trusted key {}",
                hex::encode(self.public_key),
                hex::encode(trusted.as_bytes())
            ));
        }
        let key = VerifyingKey::from_bytes(&self.public_key)
            .map_err(|e| format!("public key is not an Ed25519 key: {e}"))?;
        key.verify_strict(&self.message(), &Signature::from_bytes(&self.signature))
            .map_err(|_| "the signature does not verify".to_owned())
    }
}

fn field(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
    out.extend_from_slice(bytes);
}

/// The bytes signed for `checkpoint` (see the module documentation for the layout).
pub fn signed_message(
    checkpoint: &Checkpoint,
    signed_at: &DateTime<Utc>,
    reason: SignReason,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(160);
    field(&mut out, CHECKPOINT_DOMAIN_TAG);
    field(&mut out, &checkpoint.position.to_be_bytes());
    field(&mut out, &checkpoint.hash);
    field(&mut out, format_timestamp(signed_at).as_bytes());
    field(&mut out, reason.as_str().as_bytes());
    out
}

/// Signs `checkpoint` with `key`.
pub fn sign_checkpoint(
    key: &SigningKey,
    checkpoint: &Checkpoint,
    signed_at: DateTime<Utc>,
    reason: SignReason,
) -> SignedCheckpoint {
    let signature = key.sign(&signed_message(checkpoint, &signed_at, reason));
    SignedCheckpoint {
        position: checkpoint.position,
        hash: checkpoint.hash,
        signed_at,
        reason,
        public_key: key.verifying_key().to_bytes(),
        signature: signature.to_bytes(),
    }
}

/// Creates a new signing key in `path`: a random 32-byte Ed25519 seed written as 64 hex digits, file mode
/// 0600. Refuses to overwrite an existing file. Keep the file outside the database's directory and its
/// backups; give auditors the public key it returns ([`public_key_hex`]).
pub fn generate_key(path: &Path) -> Result<VerifyingKey> {
    let mut seed = [0u8; 32];
    getrandom::getrandom(&mut seed).map_err(|e| AuditError::Random(e.to_string()))?;
    let key = SigningKey::from_bytes(&seed);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            AuditError::KeyExists {
                path: path.to_owned(),
            }
        } else {
            AuditError::io(path, e)
        }
    })?;
    let mut text = hex::encode(seed);
    text.push('\n');
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| AuditError::io(path, e))?;
    Ok(key.verifying_key())
}

/// Reads a signing key file: a 32-byte seed, as 64 hex digits (surrounding whitespace ignored) or as 32 raw
/// bytes. On Unix a file readable by its group or by others is refused.
pub fn load_key(path: &Path) -> Result<SigningKey> {
    let bytes = std::fs::read(path).map_err(|e| AuditError::io(path, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map_err(|e| AuditError::io(path, e))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(AuditError::BadKey {
                what: path.display().to_string(),
                reason: format!(
                    "mode {:o} lets others read the key; use chmod 600",
                    mode & 0o777
                ),
            });
        }
    }
    let bad = |reason: &str| AuditError::BadKey {
        what: path.display().to_string(),
        reason: reason.to_owned(),
    };
    let seed: [u8; 32] = if bytes.len() == 32 {
        let mut seed = [0u8; 32];
        seed.copy_from_slice(&bytes);
        seed
    } else {
        let text = std::str::from_utf8(&bytes)
            .map_err(|_| bad("neither 32 raw bytes nor 64 hex digits"))?
            .trim();
        let mut seed = [0u8; 32];
        hex::decode_to_slice(text, &mut seed)
            .map_err(|_| bad("neither 32 raw bytes nor 64 hex digits"))?;
        seed
    };
    Ok(SigningKey::from_bytes(&seed))
}

/// A public key as hex (what auditors are given).
pub fn public_key_hex(key: &VerifyingKey) -> String {
    hex::encode(key.as_bytes())
}

/// Parses a public key from hex.
pub fn parse_public_key(text: &str) -> Result<VerifyingKey> {
    let bad = |reason: String| AuditError::BadKey {
        what: "public key".into(),
        reason,
    };
    let mut bytes = [0u8; 32];
    hex::decode_to_slice(text.trim(), &mut bytes)
        .map_err(|e| bad(format!("not 64 hex digits: {e}")))?;
    VerifyingKey::from_bytes(&bytes).map_err(|e| bad(e.to_string()))
}

/// The file of signed checkpoints: JSON lines, one [`SignedCheckpoint`] per line, only ever appended to.
#[derive(Debug, Clone)]
pub struct SignatureFile {
    path: PathBuf,
}

impl SignatureFile {
    /// The file at `path` (created on the first append).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        SignatureFile { path: path.into() }
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one signed checkpoint and syncs the file.
    pub fn append(&self, signed: &SignedCheckpoint) -> Result<()> {
        let mut line = serde_json::to_string(signed).map_err(|e| AuditError::BadSignatureFile {
            path: self.path.clone(),
            line: 0,
            reason: e.to_string(),
        })?;
        line.push('\n');
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(|e| AuditError::io(&self.path, e))?;
        file.write_all(line.as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(|e| AuditError::io(&self.path, e))
    }

    /// Every signed checkpoint in the file, in file order (none if the file does not exist). Blank lines
    /// are ignored; any other line that is not a signed checkpoint is an error naming it.
    pub fn read(&self) -> Result<Vec<SignedCheckpoint>> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(AuditError::io(&self.path, e)),
        };
        parse_signatures(&text).map_err(|(line, reason)| AuditError::BadSignatureFile {
            path: self.path.clone(),
            line,
            reason,
        })
    }
}

/// Parses the text of a signature file; on error, the 1-based line number and why.
pub fn parse_signatures(text: &str) -> std::result::Result<Vec<SignedCheckpoint>, (usize, String)> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| serde_json::from_str(line).map_err(|e| (i + 1, e.to_string())))
        .collect()
}

/// The engine's signer: signs the head on starting, at an interval and on shutdown, appending to the
/// signature file. One signer per deployment (several engine processes on one PostgreSQL database share
/// one signer, run by one of them).
///
/// ```no_run
/// # async fn example(store: std::sync::Arc<dyn govshare_store::EventStore>) -> Result<(), govshare_audit::AuditError> {
/// use std::path::Path;
/// use std::sync::Arc;
/// use std::time::Duration;
/// use govshare_audit::{CheckpointSigner, SignatureFile, load_key};
///
/// let key = load_key(Path::new("/etc/govshare/checkpoint.key"))?;
/// let signer = Arc::new(
///     CheckpointSigner::start(store, key, SignatureFile::new("/var/lib/govshare/checkpoints.jsonl"), chrono::Utc::now()).await?,
/// );
/// let ticker = signer.clone().spawn_interval(Duration::from_secs(600), chrono::Utc::now);
/// // … run the engine …
/// ticker.abort();
/// signer.shutdown(chrono::Utc::now()).await?;
/// # Ok(()) }
/// ```
pub struct CheckpointSigner {
    store: Arc<dyn EventStore>,
    key: SigningKey,
    file: SignatureFile,
    last: Mutex<Checkpoint>,
}

impl std::fmt::Debug for CheckpointSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CheckpointSigner")
            .field("public_key", &public_key_hex(&self.key.verifying_key()))
            .field("file", &self.file)
            .finish_non_exhaustive()
    }
}

impl CheckpointSigner {
    /// Starts signing. Before signing anything, checks the file's last signature (it must be this key's and
    /// the log must still pass through it) and, if the engine last stopped cleanly, that nothing was
    /// appended since its shutdown signature; then verifies the chain from there to the head and signs the
    /// head (`startup`).
    pub async fn start(
        store: Arc<dyn EventStore>,
        key: SigningKey,
        file: SignatureFile,
        now: DateTime<Utc>,
    ) -> Result<Self> {
        let span = tracing::info_span!("audit.signer.start", file = %file.path.display());
        async {
            let signer = Self::resume(store, key, file).await?;
            signer.sign_head(SignReason::Startup, now, true).await?;
            Ok(signer)
        }
        .instrument(span)
        .await
    }

    /// Makes the same checks as [`Self::start`] (the file's last signature is this key's and, after a
    /// `shutdown` signature, nothing was appended since) but signs nothing: for a one-off signature with
    /// [`Self::sign`] (`manual`) by an operator's tool while the engine is not running.
    pub async fn resume(
        store: Arc<dyn EventStore>,
        key: SigningKey,
        file: SignatureFile,
    ) -> Result<Self> {
        let span = tracing::info_span!("audit.signer.resume", file = %file.path.display());
        async {
            let previous = file.read()?;
            let last = match previous.last() {
                None => Checkpoint::GENESIS,
                Some(last) => {
                    let index = previous.len() - 1;
                    last.verify(Some(&key.verifying_key())).map_err(|detail| {
                        AuditError::Tampered(ChainFinding::BadSignature {
                            index,
                            position: last.position,
                            detail,
                        })
                    })?;
                    let head = store.head().await?;
                    if last.reason == SignReason::Shutdown && head.position > last.position {
                        return Err(AuditError::Tampered(ChainFinding::UnsignedExtension {
                            first_position: last.position + 1,
                            shutdown_position: last.position,
                        }));
                    }
                    last.checkpoint()
                }
            };
            Ok(CheckpointSigner {
                store,
                key,
                file,
                last: Mutex::new(last),
            })
        }
        .instrument(span)
        .await
    }

    /// The public key auditors verify with.
    pub fn public_key(&self) -> VerifyingKey {
        self.key.verifying_key()
    }

    /// Signs the current head for `reason` and appends the signature to the file, after verifying the chain
    /// from the last signed checkpoint to the head (so that a rewrite of the unsigned tail is never signed).
    pub async fn sign(&self, reason: SignReason, now: DateTime<Utc>) -> Result<SignedCheckpoint> {
        self.sign_head(reason, now, true)
            .await?
            .ok_or_else(|| AuditError::invalid("signer", "nothing signed"))
    }

    /// The interval signature: signs the head only if it moved since the last signature.
    pub async fn tick(&self, now: DateTime<Utc>) -> Result<Option<SignedCheckpoint>> {
        self.sign_head(SignReason::Interval, now, false).await
    }

    /// Signs the head on shutdown. Nothing may be appended after it until the next [`Self::start`].
    pub async fn shutdown(&self, now: DateTime<Utc>) -> Result<SignedCheckpoint> {
        self.sign(SignReason::Shutdown, now).await
    }

    /// Runs [`Self::tick`] every `every` until the task is aborted, reading the time from `now` (the
    /// engine's clock). A failure is logged and retried at the next tick.
    pub fn spawn_interval<F>(
        self: Arc<Self>,
        every: Duration,
        now: F,
    ) -> tokio::task::JoinHandle<()>
    where
        F: Fn() -> DateTime<Utc> + Send + Sync + 'static,
    {
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(every);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            ticker.tick().await;
            loop {
                ticker.tick().await;
                if let Err(e) = self.tick(now()).await {
                    tracing::warn!(error = %e, "checkpoint not signed");
                }
            }
        })
    }

    async fn sign_head(
        &self,
        reason: SignReason,
        now: DateTime<Utc>,
        even_if_unchanged: bool,
    ) -> Result<Option<SignedCheckpoint>> {
        let last = *self.last.lock().unwrap_or_else(|e| e.into_inner());
        let head = self.store.head().await?;
        if !even_if_unchanged && head == last {
            return Ok(None);
        }
        if head.position < last.position {
            return Err(AuditError::Tampered(ChainFinding::Truncated {
                position: last.position,
                head: head.position,
            }));
        }
        // The unsigned tail, from the last signed checkpoint on, must chain from it.
        let stored = stored_hash(self.store.as_ref(), last.position).await?;
        if stored != Some(last.hash) {
            return Err(AuditError::Tampered(ChainFinding::CheckpointMismatch {
                position: last.position,
                earliest: 1,
                expected: hex::encode(last.hash),
                found: stored.map(hex::encode).unwrap_or_default(),
            }));
        }
        if head.position > last.position {
            let report = self
                .store
                .verify(last.position + 1, Some(head.position))
                .await?;
            if report.last_hash != head.hash {
                return Err(AuditError::Tampered(ChainFinding::ChainBroken {
                    position: head.position,
                    detail: "the recorded head's hash is not the chain's".into(),
                }));
            }
        }
        let signed = sign_checkpoint(&self.key, &head, now, reason);
        self.file.append(&signed)?;
        *self.last.lock().unwrap_or_else(|e| e.into_inner()) = head;
        tracing::info!(
            position = head.position,
            reason = reason.as_str(),
            "checkpoint signed"
        );
        Ok(Some(signed))
    }
}

/// The stored chain hash at `position` (the genesis hash at 0), or `None` past the end of the log.
pub(crate) async fn stored_hash(
    store: &dyn EventStore,
    position: Position,
) -> Result<Option<[u8; 32]>> {
    if position == 0 {
        return Ok(Some(govshare_store::hash::GENESIS_HASH));
    }
    Ok(store
        .read_all(position, 1)
        .await?
        .into_iter()
        .find(|e| e.position == position)
        .map(|e| e.hash))
}

mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer, const N: usize>(
        bytes: &[u8; N],
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>, const N: usize>(
        d: D,
    ) -> Result<[u8; N], D::Error> {
        let text = String::deserialize(d)?;
        let mut out = [0u8; N];
        hex::decode_to_slice(text, &mut out).map_err(D::Error::custom)?;
        Ok(out)
    }
}

pub(crate) mod timestamp {
    use chrono::{DateTime, Utc};
    use govshare_store::hash::format_timestamp;
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(at: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_timestamp(at))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let text = String::deserialize(d)?;
        DateTime::parse_from_rfc3339(&text)
            .map(|t| t.with_timezone(&Utc))
            .map_err(D::Error::custom)
    }
}
