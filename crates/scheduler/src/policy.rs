//! The event-driven policies (`govshare-policies`), run durably: each keeps its checkpoint in the read
//! database (`rm_followers`, see [`govshare_projections::Follower`]) and holds a lease while it runs, so
//! that one instance follows the log per policy on PostgreSQL. Two instances acting at once (a lease lost
//! mid-pass) are harmless too: the commands carry ids derived from the causing event's position and the
//! checkpoint only moves forward.

use std::future::Future;
use std::sync::Arc;

use async_trait::async_trait;
use govshare_engine::Engine;
use govshare_policies::{
    Checkpoint, PassReport, Policy, PolicyConfig, PolicyError, PolicyRunner, ProvisionIssuesGrant,
};
use govshare_projections::{Follower, ProjectionError, ReadDb};
use govshare_store::Position;

/// The policies a deployment runs: "provision issues the grant" (第十九、二十二条).
pub fn policies() -> Vec<Arc<dyn Policy>> {
    vec![Arc::new(ProvisionIssuesGrant)]
}

/// A policy's checkpoint in the read database.
#[derive(Debug, Clone)]
pub struct ReadDbCheckpoint {
    policy: &'static str,
    follower: Follower,
}

impl ReadDbCheckpoint {
    /// The checkpoint of `policy` in `db`.
    pub fn new(db: &ReadDb, policy: &'static str) -> Result<Self, PolicyError> {
        Ok(ReadDbCheckpoint {
            policy,
            follower: db.follower(policy).map_err(|e| error(policy, e))?,
        })
    }
}

fn error(policy: &'static str, e: ProjectionError) -> PolicyError {
    PolicyError::Checkpoint {
        policy,
        source: Box::new(e),
    }
}

#[async_trait]
impl Checkpoint for ReadDbCheckpoint {
    async fn load(&self) -> Result<Position, PolicyError> {
        self.follower
            .checkpoint()
            .await
            .map_err(|e| error(self.policy, e))
    }

    async fn advance(&self, to: Position) -> Result<Position, PolicyError> {
        self.follower
            .advance(to)
            .await
            .map_err(|e| error(self.policy, e))
    }
}

/// One policy, run against the log from its checkpoint in the read database.
///
/// ```no_run
/// # async fn example(engine: govshare_engine::Engine, db: govshare_projections::ReadDb) -> Result<(), govshare_policies::PolicyError> {
/// use govshare_policies::{PolicyConfig, ProvisionIssuesGrant};
/// use govshare_scheduler::PolicyWorker;
///
/// let worker = PolicyWorker::new(engine, &db, std::sync::Arc::new(ProvisionIssuesGrant), PolicyConfig::default())?;
/// let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
/// # drop(stop);
/// worker.run(async { let _ = stopped.await; }).await;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct PolicyWorker {
    runner: PolicyRunner,
    follower: Follower,
    config: PolicyConfig,
}

impl PolicyWorker {
    /// A worker for `policy`, issuing through `engine`, its checkpoint and lease in `db`.
    pub fn new(
        engine: Engine,
        db: &ReadDb,
        policy: Arc<dyn Policy>,
        config: PolicyConfig,
    ) -> Result<Self, PolicyError> {
        let name = policy.name();
        let checkpoint = ReadDbCheckpoint::new(db, name)?;
        let follower = checkpoint.follower.clone();
        Ok(PolicyWorker {
            runner: PolicyRunner::new(engine, policy, Arc::new(checkpoint), config.clone()),
            follower,
            config,
        })
    }

    /// The runner (its policy and checkpoint).
    pub fn runner(&self) -> &PolicyRunner {
        &self.runner
    }

    /// One pass, without taking the lease (tools, tests; safe beside a running instance).
    pub async fn pass(&self) -> Result<PassReport, PolicyError> {
        self.runner.pass().await
    }

    /// Until `shutdown` completes: takes the policy's lease (waiting for it while another instance holds
    /// it), then passes at once and every `interval` while the lease is held. A failed pass is logged and
    /// the next one starts from the checkpoint again.
    pub async fn run<F>(&self, shutdown: F)
    where
        F: Future<Output = ()>,
    {
        let name = self.runner.name();
        tokio::pin!(shutdown);
        loop {
            let lease = tokio::select! {
                biased;
                () = &mut shutdown => return,
                lease = self.follower.try_lease() => lease,
            };
            match lease {
                Ok(Some(lease)) => {
                    tracing::info!(policy = name, "policy lease taken");
                    loop {
                        if !lease.is_held().await {
                            tracing::warn!(policy = name, "policy lease lost");
                            break;
                        }
                        tokio::select! {
                            biased;
                            () = &mut shutdown => {
                                lease.release().await;
                                return;
                            }
                            _ = self.runner.pass() => {}
                        }
                        tokio::select! {
                            biased;
                            () = &mut shutdown => {
                                lease.release().await;
                                return;
                            }
                            () = tokio::time::sleep(self.config.interval) => {}
                        }
                    }
                }
                Ok(None) => tracing::debug!(policy = name, "policy lease held elsewhere"),
                Err(error) => tracing::warn!(policy = name, %error, "policy lease unavailable"),
            }
            tokio::select! {
                biased;
                () = &mut shutdown => return,
                () = tokio::time::sleep(self.config.interval) => {}
            }
        }
    }
}
