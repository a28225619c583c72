//! The projection runner: one task per projection that holds the projection's lease, catches up
//! from its checkpoint in large batches, follows the log with low latency, and carries out rebuilds.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use govshare_store::{EventStore, Position};
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

use crate::db::{Lag, ProjectionState, ReadDb, WorkConn};
use crate::error::{ProjectionError, Result};
use crate::lease::{Lease, Leases};
use crate::projection::Projection;
use crate::registry::{
    ApplyBatch, BatchOutcome, BeforeCommit, DropGeneration, ReadRegistered, Register, Registered,
    StartBuild, Switch,
};
use crate::sql::{Names, check_identifier};

/// How a runner works.
#[derive(Clone)]
pub struct RunnerConfig {
    /// Events read and applied per transaction (default 1000).
    pub batch_size: usize,
    /// How often the log's head is polled for new events when nothing woke the runner (default
    /// 50 ms). [`RunnerHandle::notify`] and [`RunnerHandle::wait_for`] poll at once.
    pub poll_interval: Duration,
    /// How often a standby runner tries to take a projection's lease (default 500 ms).
    pub lease_retry: Duration,
    /// How often an idle runner checks its lease and looks for rebuilds requested by other
    /// processes (default 1 s).
    pub idle_recheck: Duration,
    /// Longest wait between attempts after a failed batch (default 10 s; doubling from 50 ms).
    pub max_backoff: Duration,
    /// Drop a retired generation's tables right after switching away from it (default true).
    pub drop_retired: bool,
    /// Fault injection for tests: called after a batch is applied and its checkpoint written,
    /// before the commit; returning `true` rolls the transaction back.
    pub before_commit: Option<BeforeCommit>,
}

impl Default for RunnerConfig {
    fn default() -> Self {
        Self {
            batch_size: 1000,
            poll_interval: Duration::from_millis(50),
            lease_retry: Duration::from_millis(500),
            idle_recheck: Duration::from_secs(1),
            max_backoff: Duration::from_secs(10),
            drop_retired: true,
            before_commit: None,
        }
    }
}

impl fmt::Debug for RunnerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunnerConfig")
            .field("batch_size", &self.batch_size)
            .field("poll_interval", &self.poll_interval)
            .field("lease_retry", &self.lease_retry)
            .field("idle_recheck", &self.idle_recheck)
            .field("max_backoff", &self.max_backoff)
            .field("drop_retired", &self.drop_retired)
            .field("before_commit", &self.before_commit.is_some())
            .finish()
    }
}

/// What one runner knows about a projection it runs (or stands by for).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProjectionStatus {
    /// Projection name.
    pub name: &'static str,
    /// Whether this runner holds the projection's lease and applies it.
    pub leader: bool,
    /// The registry's record (active and building generations, checkpoints).
    pub state: Option<ProjectionState>,
    /// The log's head.
    pub head: Position,
    /// `head - active checkpoint`.
    pub lag: u64,
    /// The last error this runner met applying the projection, if its last attempt failed.
    pub last_error: Option<String>,
}

struct Slot {
    projection: Arc<dyn Projection>,
    wake: Notify,
    checkpoint: watch::Sender<Position>,
    leader: AtomicBool,
    last_error: Mutex<Option<String>>,
}

struct Shared {
    db: ReadDb,
    store: Arc<dyn EventStore>,
    config: RunnerConfig,
    leases: Leases,
    slots: HashMap<&'static str, Slot>,
    wake_head: Notify,
    head: watch::Sender<Position>,
    stop: watch::Sender<bool>,
}

/// A running set of projections. Dropping it stops them (and, on PostgreSQL, closes the lease
/// connection, so that a standby runner takes over); [`RunnerHandle::shutdown`] stops them and
/// waits for the tasks to end.
pub struct RunnerHandle {
    shared: Arc<Shared>,
    tasks: Vec<JoinHandle<()>>,
}

impl fmt::Debug for RunnerHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: Vec<_> = self.shared.slots.keys().collect();
        names.sort();
        f.debug_struct("RunnerHandle")
            .field("projections", &names)
            .field("dialect", &self.shared.db.dialect())
            .finish_non_exhaustive()
    }
}

/// Starts running `projections` over `store`'s log into `db` (the same database).
///
/// Registers each projection that is new here (its first generation, empty, with its views), so
/// that queries work at once; then one task per projection takes the projection's lease (or
/// stands by for it) and applies the log from the checkpoint.
pub async fn start(
    db: ReadDb,
    store: Arc<dyn EventStore>,
    projections: Vec<Arc<dyn Projection>>,
    config: RunnerConfig,
) -> Result<RunnerHandle> {
    let mut seen = HashSet::new();
    for p in &projections {
        check_identifier("projection", p.name())?;
        for t in p.tables() {
            check_identifier("table", t)?;
        }
        if p.tables().is_empty() {
            return Err(ProjectionError::Definition(format!(
                "projection {} declares no table",
                p.name()
            )));
        }
        if !seen.insert(p.name()) {
            return Err(ProjectionError::Definition(format!(
                "projection {} is given twice",
                p.name()
            )));
        }
    }
    let mut conn = db.work_connection().await?;
    for p in &projections {
        conn.transaction(Arc::new(Names::none(db.dialect())), Register(p.clone()))
            .await?;
    }
    drop(conn);
    let leases = match (db.sqlite_path(), db.pg_options()) {
        (Some(path), _) => Leases::sqlite(path),
        (None, Some(options)) => Leases::postgres(options.clone()),
        (None, None) => return Err(ProjectionError::Task("no database".into())),
    };
    let head = store.head().await?.position;
    let slots = projections
        .iter()
        .map(|p| {
            (
                p.name(),
                Slot {
                    projection: p.clone(),
                    wake: Notify::new(),
                    checkpoint: watch::Sender::new(0),
                    leader: AtomicBool::new(false),
                    last_error: Mutex::new(None),
                },
            )
        })
        .collect();
    let shared = Arc::new(Shared {
        db,
        store,
        config,
        leases,
        slots,
        wake_head: Notify::new(),
        head: watch::Sender::new(head),
        stop: watch::Sender::new(false),
    });
    let mut tasks = vec![tokio::spawn(watch_head(shared.clone()))];
    for p in projections {
        tasks.push(tokio::spawn(run_projection(shared.clone(), p.name())));
    }
    Ok(RunnerHandle { shared, tasks })
}

/// Polls the log's head every `poll_interval`, or at once when woken.
async fn watch_head(shared: Arc<Shared>) {
    let mut stop = shared.stop.subscribe();
    loop {
        if *stop.borrow() {
            return;
        }
        match shared.store.head().await {
            Ok(head) => {
                shared.head.send_if_modified(|h| {
                    let moved = *h != head.position;
                    *h = head.position;
                    moved
                });
            }
            Err(e) => {
                tracing::warn!(error = %e, "projection runner: reading the log's head failed")
            }
        }
        tokio::select! {
            _ = stop.changed() => {}
            _ = shared.wake_head.notified() => {}
            _ = tokio::time::sleep(shared.config.poll_interval) => {}
        }
    }
}

enum Progress {
    /// Something was applied or changed: look again at once.
    Worked,
    /// Caught up.
    Idle,
    /// Another runner holds the lease.
    Standby,
}

struct Worker {
    shared: Arc<Shared>,
    name: &'static str,
    projection: Arc<dyn Projection>,
    conn: Option<WorkConn>,
    lease: Option<Lease>,
    registered: bool,
}

async fn run_projection(shared: Arc<Shared>, name: &'static str) {
    let Some(slot) = shared.slots.get(name) else {
        return;
    };
    let mut worker = Worker {
        shared: shared.clone(),
        name,
        projection: slot.projection.clone(),
        conn: None,
        lease: None,
        registered: false,
    };
    let mut stop = shared.stop.subscribe();
    let mut head = shared.head.subscribe();
    let initial_backoff = Duration::from_millis(50);
    let mut backoff = initial_backoff;
    loop {
        if *stop.borrow() {
            break;
        }
        let result = worker.step().await;
        slot.leader.store(worker.lease.is_some(), Ordering::Relaxed);
        match result {
            Ok(Progress::Worked) => {
                backoff = initial_backoff;
                *slot
                    .last_error
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner) = None;
            }
            Ok(Progress::Idle) => {
                backoff = initial_backoff;
                *slot
                    .last_error
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner) = None;
                head.mark_unchanged();
                let recheck = tokio::select! {
                    _ = stop.changed() => false,
                    _ = head.changed() => false,
                    _ = slot.wake.notified() => false,
                    _ = tokio::time::sleep(shared.config.idle_recheck) => true,
                };
                if recheck
                    && let Some(lease) = &worker.lease
                    && !lease.check().await
                {
                    tracing::warn!(projection = name, "projection lease lost");
                    worker.lose_lease().await;
                }
            }
            Ok(Progress::Standby) => {
                tokio::select! {
                    _ = stop.changed() => {}
                    _ = tokio::time::sleep(shared.config.lease_retry) => {}
                }
            }
            Err(e) => {
                tracing::warn!(projection = name, error = %e, "projection batch failed; retrying");
                *slot
                    .last_error
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner) = Some(e.to_string());
                if matches!(e, ProjectionError::LeaseLost(_)) {
                    worker.lose_lease().await;
                    slot.leader.store(false, Ordering::Relaxed);
                }
                tokio::select! {
                    _ = stop.changed() => {}
                    _ = tokio::time::sleep(backoff) => {}
                }
                backoff = (backoff * 2).min(shared.config.max_backoff);
            }
        }
    }
    if let Some(lease) = worker.lease.take() {
        lease.release().await;
    }
    slot.leader.store(false, Ordering::Relaxed);
}

impl Worker {
    async fn lose_lease(&mut self) {
        if let Some(lease) = self.lease.take() {
            lease.release().await;
        }
        self.registered = false;
    }

    fn names_none(&self) -> Arc<Names> {
        Arc::new(Names::none(self.shared.db.dialect()))
    }

    async fn conn(&mut self) -> Result<&mut WorkConn> {
        if self.conn.is_none() {
            self.conn = Some(self.shared.db.work_connection().await?);
        }
        self.conn
            .as_mut()
            .ok_or_else(|| ProjectionError::Task("no connection".into()))
    }

    async fn step(&mut self) -> Result<Progress> {
        if self.lease.is_none() {
            match self.shared.leases.try_acquire(self.name).await? {
                Some(lease) => {
                    tracing::info!(projection = self.name, "projection lease taken");
                    self.lease = Some(lease);
                    self.registered = false;
                    // Leadership is visible before anything this lease applies is.
                    if let Some(slot) = self.shared.slots.get(self.name) {
                        slot.leader.store(true, Ordering::Release);
                    }
                }
                None => return Ok(Progress::Standby),
            }
        }
        let names = self.names_none();
        let projection = self.projection.clone();
        let name = self.name;
        let registered = if self.registered {
            self.conn()
                .await?
                .transaction(names.clone(), ReadRegistered(name))
                .await?
        } else {
            None
        };
        let registered = match registered {
            Some(r) => r,
            None => {
                let r = self
                    .conn()
                    .await?
                    .transaction(names.clone(), Register(projection.clone()))
                    .await?;
                self.registered = true;
                r
            }
        };
        if let Some(slot) = self.shared.slots.get(self.name) {
            slot.checkpoint.send_if_modified(|c| {
                let moved = *c != registered.active.checkpoint;
                *c = registered.active.checkpoint;
                moved
            });
        }
        let mine = i64::from(projection.version());
        let building = registered.building.as_ref().filter(|b| b.version == mine);
        if registered.active.version != mine && building.is_none() {
            let generation = self
                .conn()
                .await?
                .transaction(names, StartBuild(projection))
                .await?;
            tracing::info!(
                projection = self.name,
                generation,
                from_version = registered.active.version,
                to_version = mine,
                "projection version changed; rebuilding"
            );
            return Ok(Progress::Worked);
        }
        let head = *self.shared.head.borrow();
        let mut worked = false;
        if registered.active.version == mine && registered.active.checkpoint < head {
            worked |= self
                .apply(&registered, registered.active.generation)
                .await?;
        }
        if let Some(building) = building {
            if building.checkpoint < head {
                worked |= self.apply(&registered, building.generation).await?;
            } else {
                worked |= self.switch(head).await?;
            }
        }
        Ok(if worked {
            Progress::Worked
        } else {
            Progress::Idle
        })
    }

    /// Applies the next batch to a generation; whether anything happened.
    async fn apply(&mut self, registered: &Registered, generation: i64) -> Result<bool> {
        let checkpoint = if generation == registered.active.generation {
            registered.active.checkpoint
        } else {
            registered.building.as_ref().map_or(0, |b| b.checkpoint)
        };
        let events = self
            .shared
            .store
            .read_all(checkpoint + 1, self.shared.config.batch_size.max(1))
            .await?;
        if events.is_empty() {
            return Ok(false);
        }
        let projection = self.projection.clone();
        let names = Arc::new(Names::generation(
            self.shared.db.dialect(),
            projection.name(),
            generation,
            projection.tables(),
        ));
        let op = ApplyBatch {
            projection,
            generation,
            events,
            fence: self.lease.as_ref().and_then(Lease::fence),
            before_commit: self.shared.config.before_commit.clone(),
        };
        let outcome = self.conn().await?.transaction(names, op).await?;
        match outcome {
            BatchOutcome::Applied {
                checkpoint: reached,
                ..
            } => {
                if generation == registered.active.generation
                    && let Some(slot) = self.shared.slots.get(self.name)
                {
                    slot.checkpoint.send_replace(reached);
                }
                Ok(true)
            }
            BatchOutcome::Stale => Ok(true),
        }
    }

    /// Switches to the rebuilt generation if it has caught up; whether it did.
    async fn switch(&mut self, head: Position) -> Result<bool> {
        let names = self.names_none();
        let op = Switch {
            projection: self.projection.clone(),
            min_checkpoint: head,
        };
        let Some(retired) = self.conn().await?.transaction(names.clone(), op).await? else {
            return Ok(false);
        };
        tracing::info!(
            projection = self.name,
            retired,
            "rebuilt projection caught up; queries switched to it"
        );
        if self.shared.config.drop_retired {
            let op = DropGeneration {
                name: self.name,
                generation: retired,
            };
            self.conn().await?.transaction(names, op).await?;
        }
        Ok(true)
    }
}

impl RunnerHandle {
    /// The read-model database.
    pub fn db(&self) -> &ReadDb {
        &self.shared.db
    }

    /// Tells the runner that events were appended: it reads the head at once instead of at the
    /// next poll.
    pub fn notify(&self) {
        self.shared.wake_head.notify_one();
    }

    /// Whether this runner holds the lease of projection `name` and applies it.
    pub fn is_leader(&self, name: &str) -> bool {
        self.shared
            .slots
            .get(name)
            .is_some_and(|s| s.leader.load(Ordering::Acquire))
    }

    /// Waits until projection `name` has applied `position` (read-your-writes after an append at
    /// that position), or fails with [`ProjectionError::Timeout`]. Works whichever process runs the
    /// projection: it reads the checkpoint from the database, and wakes at once on this runner's own
    /// commits.
    pub async fn wait_for(&self, name: &str, position: Position, timeout: Duration) -> Result<()> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut local = self
            .shared
            .slots
            .get(name)
            .map(|s| s.checkpoint.subscribe());
        loop {
            let reached = self.shared.db.checkpoint(name).await?;
            if reached >= position {
                return Ok(());
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(ProjectionError::Timeout {
                    projection: name.to_owned(),
                    wanted: position,
                    reached,
                });
            }
            self.notify();
            let poll = tokio::time::sleep_until(
                deadline.min(tokio::time::Instant::now() + self.shared.config.poll_interval),
            );
            match local.as_mut() {
                Some(rx) => {
                    tokio::select! {
                        _ = rx.changed() => {}
                        _ = poll => {}
                    }
                }
                None => poll.await,
            }
        }
    }

    /// [`RunnerHandle::wait_for`] for every projection of this runner.
    pub async fn wait_for_all(&self, position: Position, timeout: Duration) -> Result<()> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut names: Vec<&'static str> = self.shared.slots.keys().copied().collect();
        names.sort_unstable();
        for name in names {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            self.wait_for(name, position, left).await?;
        }
        Ok(())
    }

    /// How far projection `name` is behind the log's head.
    pub async fn lag(&self, name: &str) -> Result<Lag> {
        self.shared.db.lag(&*self.shared.store, name).await
    }

    /// What this runner knows of each of its projections, by name.
    pub async fn status(&self) -> Result<Vec<ProjectionStatus>> {
        let head = self.shared.store.head().await?.position;
        let mut out = Vec::new();
        let mut names: Vec<&'static str> = self.shared.slots.keys().copied().collect();
        names.sort_unstable();
        for name in names {
            let Some(slot) = self.shared.slots.get(name) else {
                continue;
            };
            let state = self.shared.db.projection_state(name).await?;
            let checkpoint = state.as_ref().map_or(0, |s| s.active.checkpoint);
            out.push(ProjectionStatus {
                name,
                leader: slot.leader.load(Ordering::Relaxed),
                state,
                head,
                lag: head.saturating_sub(checkpoint),
                last_error: slot
                    .last_error
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .clone(),
            });
        }
        Ok(out)
    }

    /// Starts rebuilding projection `name` from position 0 into a new generation of tables; queries
    /// keep reading the active generation until the new one has caught up, when they are switched
    /// over in one transaction. Returns the new generation (the one already being built, if a
    /// rebuild is under way). Whichever runner holds the lease carries it out.
    pub async fn rebuild(&self, name: &str) -> Result<i64> {
        let slot = self
            .shared
            .slots
            .get(name)
            .ok_or_else(|| ProjectionError::UnknownProjection(name.to_owned()))?;
        let mut conn = self.shared.db.work_connection().await?;
        let generation = conn
            .transaction(
                Arc::new(Names::none(self.shared.db.dialect())),
                StartBuild(slot.projection.clone()),
            )
            .await?;
        slot.wake.notify_one();
        Ok(generation)
    }

    /// Waits until generation `generation` (or a later one) of projection `name` serves queries.
    pub async fn wait_for_generation(
        &self,
        name: &str,
        generation: i64,
        timeout: Duration,
    ) -> Result<()> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let state = self.shared.db.projection_state(name).await?;
            let active = state.as_ref().map_or(0, |s| s.active.generation);
            if active >= generation {
                return Ok(());
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(ProjectionError::Timeout {
                    projection: name.to_owned(),
                    wanted: u64::try_from(generation).unwrap_or(0),
                    reached: u64::try_from(active).unwrap_or(0),
                });
            }
            if let Some(slot) = self.shared.slots.get(name) {
                slot.wake.notify_one();
            }
            tokio::time::sleep(self.shared.config.poll_interval).await;
        }
    }

    /// Stops every projection task and waits for them to end (a batch under way commits or rolls
    /// back first); leases are released.
    pub async fn shutdown(mut self) {
        self.shared.stop.send_replace(true);
        for task in self.tasks.drain(..) {
            let _ = task.await;
        }
    }
}

impl Drop for RunnerHandle {
    fn drop(&mut self) {
        self.shared.stop.send_replace(true);
        for task in &self.tasks {
            task.abort();
        }
    }
}
