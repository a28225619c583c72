//! The composition root of govshare: one place that wires a configuration into a running deployment.
//!
//! [`App::open`] opens the store the configuration names (a SQLite file or a `postgres://` URL), builds the
//! [`Engine`] on it, starts the projection runner over the read models ([`models::all`] by default) and, when a
//! signing key is configured, the [`CheckpointSigner`] (which checks the signature file and signs the head
//! `startup`). [`App::run_background`] starts the deadline scheduler, the event-driven policies
//! ([`govshare_scheduler::policies`]: "provision issues the grant") and the interval signature;
//! [`App::shutdown`] stops the scheduler and the policies, signs the head once more (`shutdown`) and stops
//! the runner.
//!
//! The server (`govshare-server`) and the command-line tool hold no logic of their own: they build an
//! [`AppConfig`], open an [`App`] (or, for the audit's read-only commands, [`open_store`]) and call the
//! libraries.
//!
//! ```no_run
//! # async fn example() -> Result<(), govshare_app::AppError> {
//! use std::time::Duration;
//! use govshare_app::{App, AppConfig, SigningConfig};
//!
//! let config = AppConfig::new("/var/lib/govshare/govshare.db")
//!     .with_signing(SigningConfig::new("/etc/govshare/checkpoint.key", "/var/lib/govshare/checkpoints.jsonl")
//!         .with_interval(Duration::from_secs(600)));
//! let mut app = App::open(config).await?;
//! app.run_background();
//! // … app.engine().execute(…) …
//! let last = app.shutdown().await?;
//! # Ok(()) }
//! ```
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use govshare_audit::{AuditError, CheckpointSigner, SignReason, SignatureFile, SignedCheckpoint};
use govshare_engine::{Engine, EngineConfig, EngineError};
use govshare_policies::PolicyConfig;
use govshare_projections::{Projection, ProjectionError, ReadDb, RunnerConfig, RunnerHandle};
use govshare_scheduler::{PolicyWorker, Scheduler, SchedulerConfig};
use govshare_store::{EventStore, StoreConfig, StoreError};
use thiserror::Error;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tracing::Instrument;

pub use govshare_projections::models;

/// Why the application could not be opened, run or stopped.
#[derive(Debug, Error)]
pub enum AppError {
    /// The configuration is unusable (a missing database file where one must exist, a bad projection name).
    #[error("配置无效 bad configuration: {0}")]
    Config(String),
    /// The store could not be opened or read.
    #[error("事件库不可用 store unavailable: {0}")]
    Store(#[from] StoreError),
    /// The engine could not be built (its configuration, or its store).
    #[error("引擎 engine: {0}")]
    Engine(#[from] EngineError),
    /// The read models could not be opened, run or queried.
    #[error("读模型 read models: {0}")]
    Projections(#[from] ProjectionError),
    /// The checkpoint signer refused to start or sign (a finding about the log, or a key or file problem).
    #[error("签名检查点 signed checkpoints: {0}")]
    Signing(#[from] AuditError),
}

impl AppError {
    /// Whether the error is a finding about the log (it was altered), as opposed to a failure to run.
    pub fn is_finding(&self) -> bool {
        matches!(self, AppError::Signing(e) if e.finding().is_some())
    }
}

/// Where the engine's signed checkpoints come from: the key (kept outside the database) and the file the
/// signatures are appended to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningConfig {
    /// The Ed25519 key file (`govshare_audit::load_key`).
    pub key_file: PathBuf,
    /// The signature file (JSON lines, only appended to).
    pub signature_file: PathBuf,
    /// How often [`App::run_background`] signs the head if it moved (default 10 minutes).
    pub interval: Duration,
    /// Generate the key file (and `<key>.pub` with the public key) if it does not exist (default false).
    pub generate_key: bool,
}

impl SigningConfig {
    /// Signs with `key_file` into `signature_file` every 10 minutes.
    pub fn new(key_file: impl Into<PathBuf>, signature_file: impl Into<PathBuf>) -> Self {
        SigningConfig {
            key_file: key_file.into(),
            signature_file: signature_file.into(),
            interval: Duration::from_secs(600),
            generate_key: false,
        }
    }

    /// Signs every `interval`.
    pub fn with_interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// Generates the key if its file does not exist.
    pub fn generating_key(mut self) -> Self {
        self.generate_key = true;
        self
    }
}

/// Everything a deployment is built from.
#[derive(Clone)]
pub struct AppConfig {
    /// The engine's configuration; its `store` is the database (a SQLite path or a `postgres://` URL), its
    /// rule set, calendar files, category assignments, clock and ids are the engine's.
    pub engine: EngineConfig,
    /// Create a SQLite database that does not exist (default true). Tools that only read set it to false.
    pub create_if_missing: bool,
    /// Signed checkpoints, if a key is configured.
    pub signing: Option<SigningConfig>,
    /// The deadline scheduler.
    pub scheduler: SchedulerConfig,
    /// The event-driven policies (the person acting for them, the pause between passes).
    pub policies: PolicyConfig,
    /// The projection runner.
    pub runner: RunnerConfig,
    /// The read models run (default [`models::all`]).
    pub projections: Vec<Arc<dyn Projection>>,
}

impl std::fmt::Debug for AppConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.projections.iter().map(|p| p.name()).collect();
        f.debug_struct("AppConfig")
            .field("engine", &self.engine)
            .field("create_if_missing", &self.create_if_missing)
            .field("signing", &self.signing)
            .field("scheduler", &self.scheduler)
            .field("policies", &self.policies)
            .field("runner", &self.runner)
            .field("projections", &names)
            .finish()
    }
}

impl AppConfig {
    /// Defaults on `database`: the engine's defaults (hebei-2022, the official calendar, the system clock),
    /// every read model, no signing.
    pub fn new(database: impl Into<String>) -> Self {
        AppConfig::with_engine(EngineConfig::new(database))
    }

    /// Defaults around an engine configuration.
    pub fn with_engine(engine: EngineConfig) -> Self {
        AppConfig {
            engine,
            create_if_missing: true,
            signing: None,
            scheduler: SchedulerConfig::default(),
            policies: PolicyConfig::default(),
            runner: RunnerConfig::default(),
            projections: models::all(),
        }
    }

    /// The database location.
    pub fn database(&self) -> &str {
        &self.engine.store
    }

    /// Signs checkpoints as `signing` says.
    pub fn with_signing(mut self, signing: SigningConfig) -> Self {
        self.signing = Some(signing);
        self
    }

    /// Refuses a SQLite database that does not exist instead of creating it.
    pub fn existing_only(mut self) -> Self {
        self.create_if_missing = false;
        self
    }

    /// Runs only the read models named (all of them if `names` is empty); an unknown name is
    /// [`AppError::Config`].
    pub fn with_projection_names(mut self, names: &[&str]) -> Result<Self, AppError> {
        if names.is_empty() {
            return Ok(self);
        }
        let all = models::all();
        let mut chosen = Vec::new();
        for name in names {
            let projection = all.iter().find(|p| p.name() == *name).ok_or_else(|| {
                AppError::Config(format!(
                    "没有名为 {name:?} 的读模型 no read model named {name:?} (known: {})",
                    projection_names().join(", ")
                ))
            })?;
            chosen.push(projection.clone());
        }
        self.projections = chosen;
        Ok(self)
    }
}

/// The names of every read model, in [`models::all`]'s order.
pub fn projection_names() -> Vec<&'static str> {
    models::all().iter().map(|p| p.name()).collect()
}

/// The SQLite file a location names, if it is not a PostgreSQL URL.
pub fn sqlite_path(database: &str) -> Option<&Path> {
    if is_postgres(database) {
        None
    } else {
        Some(Path::new(
            database.strip_prefix("sqlite:").unwrap_or(database),
        ))
    }
}

fn is_postgres(database: &str) -> bool {
    database.starts_with("postgres://") || database.starts_with("postgresql://")
}

/// Where signatures of a SQLite database are kept by default: `<file>.checkpoints.jsonl` beside it (`None`
/// for PostgreSQL, whose signature file must be named).
pub fn default_signature_file(database: &str) -> Option<PathBuf> {
    sqlite_path(database).map(|path| {
        let mut name = path.as_os_str().to_owned();
        name.push(".checkpoints.jsonl");
        PathBuf::from(name)
    })
}

fn check_exists(database: &str) -> Result<(), AppError> {
    if let Some(path) = sqlite_path(database)
        && !path.is_file()
    {
        return Err(AppError::Config(format!(
            "数据库文件不存在 no database file {}",
            path.display()
        )));
    }
    Ok(())
}

/// Opens only the event store (for the audit, which reads the raw log and nothing else). A SQLite file that
/// does not exist is refused, never created.
pub async fn open_store(database: &str) -> Result<Arc<dyn EventStore>, AppError> {
    check_exists(database)?;
    Ok(govshare_store::open(database, StoreConfig::default()).await?)
}

/// Opens the signer for a one-off signature (an operator's `manual` checkpoint while the engine is not
/// running): the same checks as the engine's start, nothing signed yet.
pub async fn open_signer(
    store: Arc<dyn EventStore>,
    signing: &SigningConfig,
) -> Result<CheckpointSigner, AppError> {
    let key = load_or_generate_key(signing)?;
    Ok(CheckpointSigner::resume(store, key, SignatureFile::new(&signing.signature_file)).await?)
}

/// Signs the head once, outside a running engine (an operator's checkpoint): `shutdown` again if the
/// engine's last signature is its shutdown signature (it is still stopped, so nothing may follow this one
/// either until it starts), `manual` otherwise. Makes the signer's checks first.
pub async fn sign_once(
    store: Arc<dyn EventStore>,
    signing: &SigningConfig,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<SignedCheckpoint, AppError> {
    let span = tracing::info_span!("app.sign", reason = tracing::field::Empty);
    async move {
        let signer = open_signer(store, signing).await?;
        let stopped = SignatureFile::new(&signing.signature_file)
            .read()?
            .last()
            .is_some_and(|last| last.reason == SignReason::Shutdown);
        let reason = if stopped {
            SignReason::Shutdown
        } else {
            SignReason::Manual
        };
        tracing::Span::current().record("reason", reason.as_str());
        Ok(signer.sign(reason, now).await?)
    }
    .instrument(span)
    .await
}

fn load_or_generate_key(signing: &SigningConfig) -> Result<govshare_audit::SigningKey, AppError> {
    if signing.generate_key && !signing.key_file.exists() {
        let public = govshare_audit::generate_key(&signing.key_file)?;
        let mut name = signing.key_file.as_os_str().to_owned();
        name.push(".pub");
        let pub_file = PathBuf::from(name);
        std::fs::write(
            &pub_file,
            format!("{}\n", govshare_audit::public_key_hex(&public)),
        )
        .map_err(|e| {
            AppError::Config(format!(
                "无法写入公钥 cannot write {}: {e}",
                pub_file.display()
            ))
        })?;
        tracing::info!(key = %signing.key_file.display(), "signing key generated");
    }
    Ok(govshare_audit::load_key(&signing.key_file)?)
}

struct Background {
    stop: oneshot::Sender<()>,
    scheduler: JoinHandle<()>,
    policies: Vec<JoinHandle<()>>,
    ticker: Option<JoinHandle<()>>,
}

/// A running deployment: the engine, the read models and their runner, the scheduler, the policies and the
/// signer.
pub struct App {
    engine: Engine,
    db: ReadDb,
    runner: Option<RunnerHandle>,
    signer: Option<Arc<CheckpointSigner>>,
    signing_interval: Duration,
    scheduler: SchedulerConfig,
    policies: PolicyConfig,
    background: Option<Background>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("runner", &self.runner)
            .field("signer", &self.signer)
            .field("running", &self.background.is_some())
            .finish_non_exhaustive()
    }
}

impl App {
    /// Opens the store, builds the engine, starts the projection runner and, if a key is configured, the
    /// signer (which signs the head `startup` after checking the signature file against the log).
    pub async fn open(config: AppConfig) -> Result<App, AppError> {
        let span = tracing::info_span!("app.open", signing = config.signing.is_some());
        async move {
            if !config.create_if_missing {
                check_exists(config.database())?;
            }
            let database = config.database().to_owned();
            let engine = Engine::open(config.engine).await?;
            let db = ReadDb::open(&database).await?;
            let runner = govshare_projections::start(
                db.clone(),
                engine.store().clone(),
                config.projections,
                config.runner,
            )
            .await?;
            let (signer, signing_interval) = match &config.signing {
                Some(signing) => {
                    let key = load_or_generate_key(signing)?;
                    let signer = CheckpointSigner::start(
                        engine.store().clone(),
                        key,
                        SignatureFile::new(&signing.signature_file),
                        engine.clock().now(),
                    )
                    .await?;
                    (Some(Arc::new(signer)), signing.interval)
                }
                None => (None, Duration::from_secs(600)),
            };
            tracing::info!("app opened");
            Ok(App {
                engine,
                db,
                runner: Some(runner),
                signer,
                signing_interval,
                scheduler: config.scheduler,
                policies: config.policies,
                background: None,
            })
        }
        .instrument(span)
        .await
    }

    /// The engine: every command goes through it.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The event store.
    pub fn store(&self) -> &Arc<dyn EventStore> {
        self.engine.store()
    }

    /// The read-model database.
    pub fn read_db(&self) -> &ReadDb {
        &self.db
    }

    /// The projection runner (`wait_for`, `status`, `lag`, `rebuild`).
    pub fn runner(&self) -> Result<&RunnerHandle, AppError> {
        self.runner
            .as_ref()
            .ok_or_else(|| AppError::Config("the runner is stopped".into()))
    }

    /// The checkpoint signer, if a key is configured.
    pub fn signer(&self) -> Option<&Arc<CheckpointSigner>> {
        self.signer.as_ref()
    }

    /// Starts the deadline scheduler, the event-driven policies and, with a key, the interval signature.
    /// Calling it twice does nothing.
    pub fn run_background(&mut self) {
        if self.background.is_some() {
            return;
        }
        let _span = tracing::info_span!("app.run_background").entered();
        let (stop, stopped) = oneshot::channel::<()>();
        // One stop signal for everything: the scheduler's receiver, and a watch the policies follow.
        let (stop_policies, policies_stopped) = tokio::sync::watch::channel(false);
        let mut policies = Vec::new();
        for policy in govshare_scheduler::policies() {
            let name = policy.name();
            match PolicyWorker::new(self.engine.clone(), &self.db, policy, self.policies.clone()) {
                Ok(worker) => {
                    let mut stopped = policies_stopped.clone();
                    policies.push(tokio::spawn(async move {
                        worker
                            .run(async move {
                                let _ = stopped.wait_for(|stop| *stop).await;
                            })
                            .await;
                    }));
                }
                Err(error) => tracing::error!(policy = name, %error, "policy not started"),
            }
        }
        let scheduler =
            Scheduler::new(self.engine.clone(), self.db.clone(), self.scheduler.clone());
        let scheduler = tokio::spawn(async move {
            scheduler
                .run(async {
                    let _ = stopped.await;
                })
                .await;
            let _ = stop_policies.send(true);
        });
        let ticker = self.signer.as_ref().map(|signer| {
            let clock = self.engine.clock().clone();
            let signer = signer.clone();
            let every = self.signing_interval;
            tokio::spawn(async move {
                let mut ticker = tokio::time::interval(every);
                ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                ticker.tick().await;
                loop {
                    ticker.tick().await;
                    let span = tracing::info_span!("app.sign", reason = "interval");
                    if let Err(e) = signer.tick(clock.now()).instrument(span).await {
                        tracing::warn!(error = %e, "checkpoint not signed");
                    }
                }
            })
        });
        tracing::info!(
            signing = ticker.is_some(),
            policies = policies.len(),
            "scheduler started"
        );
        self.background = Some(Background {
            stop,
            scheduler,
            policies,
            ticker,
        });
    }

    /// Signs the head now (`manual`), if a key is configured.
    pub async fn sign_now(&self) -> Result<Option<SignedCheckpoint>, AppError> {
        let Some(signer) = &self.signer else {
            return Ok(None);
        };
        let span = tracing::info_span!("app.sign", reason = "manual");
        let signed = signer
            .sign(SignReason::Manual, self.engine.clock().now())
            .instrument(span)
            .await?;
        Ok(Some(signed))
    }

    /// Stops the scheduler (after the tick under way) and the policies, signs the head `shutdown` (with a
    /// key) and stops the runner. Returns the shutdown signature.
    pub async fn shutdown(mut self) -> Result<Option<SignedCheckpoint>, AppError> {
        let span = tracing::info_span!("app.shutdown");
        async move {
            if let Some(background) = self.background.take() {
                let _ = background.stop.send(());
                if let Err(e) = background.scheduler.await {
                    tracing::warn!(error = %e, "scheduler task ended abnormally");
                }
                // The scheduler's task tells the policies to stop as it ends; a policy stopped in a pass
                // leaves its checkpoint where its last recorded command put it.
                for policy in background.policies {
                    if let Err(e) = policy.await {
                        tracing::warn!(error = %e, "policy task ended abnormally");
                    }
                }
                if let Some(ticker) = background.ticker {
                    ticker.abort();
                    let _ = ticker.await;
                }
            }
            let signed = match &self.signer {
                Some(signer) => {
                    let span = tracing::info_span!("app.sign", reason = "shutdown");
                    Some(
                        signer
                            .shutdown(self.engine.clock().now())
                            .instrument(span)
                            .await?,
                    )
                }
                None => None,
            };
            if let Some(runner) = self.runner.take() {
                runner.shutdown().await;
            }
            tracing::info!(signed = signed.is_some(), "app stopped");
            Ok(signed)
        }
        .instrument(span)
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_live_beside_a_sqlite_file_and_must_be_named_for_postgres() {
        assert_eq!(
            default_signature_file("/tmp/x/govshare.db"),
            Some(PathBuf::from("/tmp/x/govshare.db.checkpoints.jsonl"))
        );
        assert_eq!(
            default_signature_file("sqlite:a.db"),
            Some(PathBuf::from("a.db.checkpoints.jsonl"))
        );
        assert_eq!(default_signature_file("postgres://u@h/db"), None);
    }

    #[test]
    fn an_unknown_read_model_is_a_configuration_error() {
        let config = AppConfig::new("x.db");
        assert!(matches!(
            config.clone().with_projection_names(&["nope"]),
            Err(AppError::Config(_))
        ));
        let one = config.with_projection_names(&["applications"]).unwrap();
        assert_eq!(one.projections.len(), 1);
    }
}
