//! The policy runner: follows the log from the policy's checkpoint and issues what each event causes.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use govshare_domain::{PersonId, Role};
use govshare_engine::{CommandRequest, Engine, Recorded};
use govshare_store::{Position, RecordedEvent};
use tracing::Instrument;
use uuid::Uuid;

use crate::checkpoint::Checkpoint;
use crate::error::PolicyError;
use crate::policy::{Policy, policy_command_id};

/// How a [`PolicyRunner`] runs. Every instance on one database must use the same `person`: it is part of
/// the request a derived command id stands for, and the engine refuses an id reused for another request.
#[derive(Debug, Clone)]
pub struct PolicyConfig {
    /// The person recorded as acting for the policy (default `govshare-policy`).
    pub person: PersonId,
    /// Events read from the log at a time (default 500).
    pub batch_size: usize,
    /// Wall-clock pause between two passes of [`PolicyRunner::run`] (default 5 s).
    pub interval: Duration,
}

impl Default for PolicyConfig {
    fn default() -> Self {
        PolicyConfig {
            person: PersonId("govshare-policy".to_owned()),
            batch_size: 500,
            interval: Duration::from_secs(5),
        }
    }
}

impl PolicyConfig {
    /// Records `person` as acting for the policy.
    pub fn with_person(mut self, person: PersonId) -> Self {
        self.person = person;
        self
    }

    /// Passes every `interval` in [`PolicyRunner::run`].
    pub fn with_interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }
}

/// A command a pass recorded (or found recorded under its derived id).
#[derive(Debug, Clone, PartialEq)]
pub struct Issued {
    /// Position of the causing event.
    pub cause: Position,
    /// The derived command id.
    pub command_id: Uuid,
    /// What the engine answered (`retry: true` when the id had been recorded before, e.g. by an instance
    /// that crashed before advancing its checkpoint).
    pub recorded: Recorded,
}

/// An event the policy was refused for good on: logged, reported, and passed.
#[derive(Debug)]
pub struct Refused {
    /// Position of the causing event.
    pub cause: Position,
    /// The derived command id.
    pub command_id: Uuid,
    /// Why.
    pub error: PolicyError,
}

/// What one [`PolicyRunner::pass`] did.
#[derive(Debug)]
pub struct PassReport {
    /// The policy.
    pub policy: &'static str,
    /// The checkpoint when the pass began.
    pub from: Position,
    /// The checkpoint when it ended.
    pub checkpoint: Position,
    /// Commands recorded now.
    pub issued: Vec<Issued>,
    /// Commands found already recorded under their derived id: nothing was written.
    pub already_recorded: Vec<Issued>,
    /// Causing events for which nothing was owed any more (e.g. the act was recorded by other means).
    pub nothing_owed: Vec<Position>,
    /// Refused for good.
    pub refused: Vec<Refused>,
    /// The event the pass stopped at, refused for now: the next pass tries it again.
    pub deferred: Option<Refused>,
}

/// Runs one [`Policy`] against the log from its [`Checkpoint`], issuing through the engine in the
/// scheduler's role.
#[derive(Debug, Clone)]
pub struct PolicyRunner {
    engine: Engine,
    policy: Arc<dyn Policy>,
    checkpoint: Arc<dyn Checkpoint>,
    config: PolicyConfig,
}

impl PolicyRunner {
    /// A runner of `policy` issuing through `engine`, keeping its position in `checkpoint`.
    pub fn new(
        engine: Engine,
        policy: Arc<dyn Policy>,
        checkpoint: Arc<dyn Checkpoint>,
        config: PolicyConfig,
    ) -> Self {
        PolicyRunner {
            engine,
            policy,
            checkpoint,
            config,
        }
    }

    /// The policy's name.
    pub fn name(&self) -> &'static str {
        self.policy.name()
    }

    /// The checkpoint.
    pub fn checkpoint(&self) -> &Arc<dyn Checkpoint> {
        &self.checkpoint
    }

    /// One pass: from the checkpoint to the log's head as it was when the pass began, acts on every event
    /// the policy wants and advances the checkpoint past each event once its command is recorded or
    /// refused for good. Stops at the first event refused for now ([`PassReport::deferred`]). Fails only
    /// when the log or the checkpoint cannot be read or advanced; the checkpoint then stands where it
    /// stood, and the next pass starts there (re-issuing the same ids).
    pub async fn pass(&self) -> Result<PassReport, PolicyError> {
        let span = tracing::info_span!(
            "policy.pass",
            policy = self.policy.name(),
            from = tracing::field::Empty,
            to = tracing::field::Empty,
            issued = tracing::field::Empty,
            refused = tracing::field::Empty,
        );
        async move {
            let result = self.pass_inner().await;
            let span = tracing::Span::current();
            match &result {
                Ok(report) => {
                    span.record("from", report.from);
                    span.record("to", report.checkpoint);
                    span.record("issued", report.issued.len());
                    span.record("refused", report.refused.len());
                }
                Err(error) => {
                    tracing::warn!(%error, retryable = error.is_retryable(), "policy pass failed");
                }
            }
            result
        }
        .instrument(span)
        .await
    }

    async fn pass_inner(&self) -> Result<PassReport, PolicyError> {
        let from = self.checkpoint.load().await?;
        let head = self.engine.store().head().await?.position;
        let mut report = PassReport {
            policy: self.policy.name(),
            from,
            checkpoint: from,
            issued: Vec::new(),
            already_recorded: Vec::new(),
            nothing_owed: Vec::new(),
            refused: Vec::new(),
            deferred: None,
        };
        let batch_size = self.config.batch_size.max(1);
        let mut at = from;
        while at < head {
            let batch = self.engine.store().read_all(at + 1, batch_size).await?;
            let Some(last) = batch.last().map(|e| e.position) else {
                break;
            };
            for event in batch.iter().filter(|e| e.position <= head) {
                if self.policy.wants(event) {
                    if !self.act(event, &mut report).await {
                        report.checkpoint = self.checkpoint.advance(at).await?;
                        return Ok(report);
                    }
                    at = event.position;
                    report.checkpoint = self.checkpoint.advance(at).await?;
                } else {
                    at = event.position;
                }
            }
            at = at.max(last.min(head));
            report.checkpoint = self.checkpoint.advance(at).await?;
        }
        Ok(report)
    }

    /// Acts on one wanted event; `false` when it is refused for now (the pass stops before it).
    async fn act(&self, event: &RecordedEvent, report: &mut PassReport) -> bool {
        let cause = event.position;
        let command_id = policy_command_id(self.policy.name(), cause);
        let outcome = match self.policy.intent(&self.engine, event).await {
            Ok(Some(intent)) => {
                let mut request = CommandRequest::new(
                    command_id,
                    intent.department,
                    self.config.person.clone(),
                    Role::Scheduler,
                    intent.command,
                );
                request.causation_id = Some(event.metadata.event_id);
                self.engine
                    .execute_scheduled(request)
                    .await
                    .map(Some)
                    .map_err(PolicyError::from)
            }
            Ok(None) => Ok(None),
            Err(e) => Err(e),
        };
        match outcome {
            Ok(Some(recorded)) => {
                let issued = Issued {
                    cause,
                    command_id,
                    recorded,
                };
                if issued.recorded.retry {
                    report.already_recorded.push(issued);
                } else {
                    report.issued.push(issued);
                }
                true
            }
            Ok(None) => {
                report.nothing_owed.push(cause);
                true
            }
            Err(error) if error.is_retryable() => {
                tracing::info!(cause, %command_id, %error, "deferred to the next pass");
                report.deferred = Some(Refused {
                    cause,
                    command_id,
                    error,
                });
                false
            }
            Err(error) => {
                tracing::error!(cause, %command_id, %error, "refused for good; passed");
                report.refused.push(Refused {
                    cause,
                    command_id,
                    error,
                });
                true
            }
        }
    }

    /// Passes at once, then every `interval`, until `shutdown` completes. A failed pass is logged and the
    /// next one starts from the checkpoint again. Stopping in the middle of a pass is safe: the commands
    /// are idempotent under their derived ids.
    pub async fn run<F>(&self, shutdown: F)
    where
        F: Future<Output = ()>,
    {
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                biased;
                () = &mut shutdown => return,
                _ = self.pass() => {}
            }
            tokio::select! {
                biased;
                () = &mut shutdown => return,
                () = tokio::time::sleep(self.config.interval) => {}
            }
        }
    }
}
