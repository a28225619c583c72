//! The command path: actor → clock → facts → state → decide → append (with the command) → cache.

use std::any::Any;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use govshare_codec::{
    CalendarRef, CommandContext, Kind, StoredCommand, decode_event, encode_command, encode_event,
    store_actor, store_rule_set,
};
use govshare_domain::organization::OrganizationRegistry;
use govshare_domain::{Actor, CommandEnvelope, DepartmentRef, DomainServices, Role};
use govshare_store::{
    AppendRequest, EventMetadata, EventStore, ExpectedVersion, NewEvent, RecordedCommand,
    RecordedEvent, Snapshot, StoreError, StreamId, StreamRead,
};
use lru::LruCache;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use tracing::Instrument;
use uuid::Uuid;

use crate::clock::Clock;
use crate::command::{Command, CommandRequest, REGISTRY_ID, Recorded};
use crate::config::{EngineConfig, redact};
use crate::error::EngineError;
use crate::facts;
use crate::ids::IdGenerator;

type Result<T> = std::result::Result<T, EngineError>;

/// A state in the cache, type-erased: `Arc<A>` for the stream's aggregate kind.
#[derive(Clone)]
struct Cached {
    state: Arc<dyn Any + Send + Sync>,
    version: u64,
}

struct Inner {
    store: Arc<dyn EventStore>,
    services: DomainServices,
    calendar: CalendarRef,
    categories_digest: Option<String>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
    cache: Mutex<LruCache<StreamId, Cached>>,
    snapshot_every: u64,
    max_attempts: u32,
}

/// The govshare engine: the one path by which anything is recorded.
///
/// Cheap to clone (an `Arc` inside); share one per process. Several processes may run engines on one
/// PostgreSQL database: each decides against the state it has, the store refuses an append to a stream that
/// moved, and the engine reloads and decides again.
///
/// ```no_run
/// # async fn example() -> Result<(), govshare_engine::EngineError> {
/// use govshare_engine::{Engine, EngineConfig};
///
/// let engine = Engine::open(EngineConfig::new("govshare.db")).await?;
/// let head = engine.store().head().await?;
/// println!("{} events recorded", head.position);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("store", &self.inner.store)
            .field("rule_set", &self.inner.services.rules.reference())
            .field("calendar", &self.inner.calendar)
            .finish_non_exhaustive()
    }
}

/// The digest by which a retried command id is recognised as the same command: the caller's request as
/// it arrived (before the engine resolved any fact).
fn request_digest(request: &CommandRequest) -> Result<String> {
    let value = serde_json::to_value((
        &request.department,
        &request.person,
        &request.role,
        &request.command,
    ))
    .map_err(|e| EngineError::InvalidRequest {
        field: "command",
        reason: e.to_string(),
    })?;
    Ok(hex::encode(Sha256::digest(
        govshare_store::hash::canonical_json(&value).as_bytes(),
    )))
}

impl Engine {
    /// Opens the store the configuration names (creating a SQLite file if needed) and builds the engine.
    ///
    /// ```no_run
    /// # async fn example() -> Result<(), govshare_engine::EngineError> {
    /// use std::sync::Arc;
    /// use chrono::{TimeZone, Utc};
    /// use govshare_engine::{Engine, EngineConfig, ManualClock};
    ///
    /// let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap()));
    /// let engine = Engine::open(EngineConfig::new("/tmp/demo.db").with_clock(clock).with_seed(1)).await?;
    /// # Ok(()) }
    /// ```
    pub async fn open(config: EngineConfig) -> Result<Engine> {
        let span = tracing::info_span!("engine.open", store = %redact(&config.store));
        async {
            let store = govshare_store::open(&config.store, config.store_config.clone())
                .await
                .map_err(EngineError::Unavailable)?;
            Engine::with_store(store, config)
        }
        .instrument(span)
        .await
    }

    /// Builds an engine on a store the caller opened (the configuration's `store` is then ignored): e.g. two
    /// engines sharing one PostgreSQL store handle, or a store opened with a tuned `StoreConfig`.
    ///
    /// ```no_run
    /// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
    /// use govshare_engine::{Engine, EngineConfig};
    ///
    /// let store = govshare_store::open("postgres://govshare@db/govshare", Default::default()).await?;
    /// let engine = Engine::with_store(store, EngineConfig::default())?;
    /// # Ok(()) }
    /// ```
    pub fn with_store(store: Arc<dyn EventStore>, config: EngineConfig) -> Result<Engine> {
        let (services, calendar) = config.services()?;
        let categories_digest = if services.categories.categories.is_empty() {
            None
        } else {
            let value = serde_json::to_value(&services.categories)
                .map_err(|e| EngineError::Config(format!("category assignments: {e}")))?;
            Some(hex::encode(Sha256::digest(
                govshare_store::hash::canonical_json(&value).as_bytes(),
            )))
        };
        let capacity = NonZeroUsize::new(config.cache_capacity.max(1))
            .ok_or_else(|| EngineError::Config("cache capacity must be positive".into()))?;
        Ok(Engine {
            inner: Arc::new(Inner {
                store,
                services,
                calendar,
                categories_digest,
                clock: config.clock,
                ids: config.ids,
                cache: Mutex::new(LruCache::new(capacity)),
                snapshot_every: config.snapshot_every,
                max_attempts: config.max_attempts.max(1),
            }),
        })
    }

    /// The event store (for reads: the log, its head, verification).
    pub fn store(&self) -> &Arc<dyn EventStore> {
        &self.inner.store
    }

    /// The calendar, rule set and category assignments decisions are taken with.
    pub fn services(&self) -> &DomainServices {
        &self.inner.services
    }

    /// The engine's clock.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.inner.clock
    }

    /// The engine's id generator.
    pub fn ids(&self) -> &Arc<dyn IdGenerator> {
        &self.inner.ids
    }

    /// Executes one command: resolves the actor against the registry, reads the clock once, resolves the
    /// facts the domain trusts, decides against the aggregate's current state and records the events
    /// together with the command. A command id that was recorded before gets its original answer with
    /// `retry: true` and nothing is written.
    ///
    /// The scheduler's role is refused here: the engine's own scheduler uses [`Engine::execute_scheduled`].
    ///
    /// ```no_run
    /// # async fn example(engine: govshare_engine::Engine) -> Result<(), govshare_engine::EngineError> {
    /// use govshare_domain::{DepartmentCode, PersonId, Role};
    /// use govshare_domain::share_application::{AgreeToShare, ShareCommand};
    /// use govshare_engine::{Command, CommandRequest};
    ///
    /// let recorded = engine
    ///     .execute(CommandRequest::new(
    ///         engine.ids().next_id(),
    ///         DepartmentCode::parse("130000-public-security").unwrap(),
    ///         govshare_domain::PersonId("李四".into()),
    ///         Role::Reviewer,
    ///         Command::ShareApplication {
    ///             id: "SA-1".into(),
    ///             command: ShareCommand::AgreeToShare(AgreeToShare { conditions: None }),
    ///         },
    ///     ))
    ///     .await?;
    /// for event in &recorded.events {
    ///     println!("{} {}", event.position, event.event_type);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn execute(&self, request: CommandRequest) -> Result<Recorded> {
        if request.role == Role::Scheduler {
            return Err(EngineError::RoleNotAllowed {
                role: "scheduler".into(),
            });
        }
        self.run(request, None).await
    }

    /// The scheduler's path: the same as [`Engine::execute`], for requests in the scheduler's role only
    /// (`MarkOverdue`, `RecomputeDeadlines`, `RemindDeadline`; and the policies' commands, e.g. `IssueGrant` as
    /// the serving authority after a provision; `docs/authorization.md` AUTH-01/02/15). The command id should be
    /// derived from what is marked, so that two schedulers, or one restarted, record it once.
    ///
    /// ```no_run
    /// # async fn example(engine: govshare_engine::Engine, deadline: govshare_domain::DeadlineId) -> Result<(), govshare_engine::EngineError> {
    /// use govshare_domain::share_application::{MarkOverdue, ShareCommand};
    /// use govshare_domain::{DepartmentCode, PersonId, Role};
    /// use govshare_engine::{Command, CommandRequest, derived_command_id};
    ///
    /// let request = CommandRequest::new(
    ///     derived_command_id("mark-overdue", &format!("ShareApplication/SA-1/{deadline}")),
    ///     DepartmentCode::parse("130000-data-authority").unwrap(),
    ///     PersonId("期限调度".into()),
    ///     Role::Scheduler,
    ///     Command::ShareApplication {
    ///         id: "SA-1".into(),
    ///         command: ShareCommand::MarkOverdue(MarkOverdue { deadline }),
    ///     },
    /// );
    /// engine.execute_scheduled(request).await?;
    /// # Ok(()) }
    /// ```
    pub async fn execute_scheduled(&self, request: CommandRequest) -> Result<Recorded> {
        if request.role != Role::Scheduler {
            return Err(EngineError::RoleNotAllowed {
                role: format!("{:?}", request.role).to_lowercase(),
            });
        }
        self.run(request, None).await
    }

    /// Registers the deployment's first region and its data authority on an empty registry: the only
    /// commands whose actor cannot be resolved from the registry, because it does not exist yet. The
    /// authority registers itself (第五条); both commands are recorded like any other. Called again once the
    /// authority is registered, it records nothing.
    ///
    /// ```no_run
    /// # async fn example(engine: govshare_engine::Engine) -> Result<(), Box<dyn std::error::Error>> {
    /// use govshare_domain::organization::{RegisterDepartment, RegisterRegion};
    /// use govshare_domain::{DepartmentCode, DepartmentKind, Level, PersonId, RegionCode};
    ///
    /// engine
    ///     .bootstrap(
    ///         engine.ids().next_id(),
    ///         PersonId("王主任".into()),
    ///         RegisterRegion { code: RegionCode::parse("130000")?, name: "河北省".into(), level: Level::Province, parent: None },
    ///         RegisterDepartment {
    ///             code: DepartmentCode::parse("130000-data-authority")?,
    ///             name: "河北省政务服务管理办公室".into(),
    ///             region: RegionCode::parse("130000")?,
    ///             kind: DepartmentKind::DataAuthority,
    ///             principal: None,
    ///         },
    ///     )
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn bootstrap(
        &self,
        command_id: Uuid,
        person: govshare_domain::PersonId,
        province: govshare_domain::organization::RegisterRegion,
        authority: govshare_domain::organization::RegisterDepartment,
    ) -> Result<Vec<Recorded>> {
        use govshare_domain::organization::OrganizationCommand;
        let (registry, _) = self
            .state::<OrganizationRegistry>(REGISTRY_ID, true)
            .await?;
        if registry.department(&authority.code).is_some() {
            // Already bootstrapped: answer as a retry would.
            let first = self
                .replay_if_recorded(command_id, None)
                .await?
                .into_iter()
                .collect::<Vec<_>>();
            return Ok(first);
        }
        if registry.region(&province.code).is_some() {
            return Err(EngineError::InvalidRequest {
                field: "province",
                reason: "the registry is not empty: register further bodies through execute".into(),
            });
        }
        if authority.kind != govshare_domain::DepartmentKind::DataAuthority
            || authority.region != province.code
        {
            return Err(EngineError::InvalidRequest {
                field: "authority",
                reason: "the first body registered is the province's data authority (第五条)"
                    .into(),
            });
        }
        let actor = Actor {
            department: DepartmentRef {
                code: authority.code.clone(),
                name: authority.name.clone(),
                kind: authority.kind,
                region: province.code.clone(),
                level: province.level,
                principal: None,
            },
            person: person.clone(),
            role: Role::Leader,
        };
        let second = Uuid::new_v5(&command_id, b"authority");
        let mut out = Vec::new();
        for (id, command) in [
            (command_id, OrganizationCommand::RegisterRegion(province)),
            (second, OrganizationCommand::RegisterDepartment(authority)),
        ] {
            let request = CommandRequest::new(
                id,
                actor.department.code.clone(),
                person.clone(),
                Role::Leader,
                Command::Organization { command },
            );
            out.push(self.run(request, Some(actor.clone())).await?);
        }
        Ok(out)
    }

    async fn run(&self, request: CommandRequest, actor: Option<Actor>) -> Result<Recorded> {
        let span = tracing::info_span!(
            "command",
            command_id = %request.command_id,
            aggregate = request.command.aggregate_type(),
            id = request.command.aggregate_id(),
            department = request.department.as_str(),
            outcome = tracing::field::Empty,
        );
        async move {
            let result = self.run_inner(request, actor).await;
            let outcome = match &result {
                Ok(r) if r.retry => "retry",
                Ok(_) => "recorded",
                Err(e) => error_kind(e),
            };
            tracing::Span::current().record("outcome", outcome);
            result
        }
        .instrument(span)
        .await
    }

    async fn run_inner(&self, request: CommandRequest, actor: Option<Actor>) -> Result<Recorded> {
        if request.command_id.is_nil() {
            return Err(EngineError::InvalidRequest {
                field: "command_id",
                reason: "the nil UUID is not an identifier".into(),
            });
        }
        let digest = request_digest(&request)?;
        // A retried command id is recognised where it matters, without a read on the common path: when the
        // rules refuse or produce nothing (the state moved on since the original), and when the store
        // reports the id as already appended.
        match self.decide_fresh(&request, actor, &digest).await {
            Ok(recorded) if !recorded.events.is_empty() || recorded.retry => Ok(recorded),
            Err(EngineError::Unavailable(e)) => Err(EngineError::Unavailable(e)),
            other => match self
                .replay_if_recorded(request.command_id, Some(&digest))
                .await?
            {
                Some(original) => Ok(original),
                None => other,
            },
        }
    }

    async fn decide_fresh(
        &self,
        request: &CommandRequest,
        actor: Option<Actor>,
        digest: &str,
    ) -> Result<Recorded> {
        let registry = self.registry().await?;
        let actor = match actor {
            Some(actor) => actor,
            None => resolve_actor(&registry, request)?,
        };
        let command = facts::resolve(self, &registry, &actor, request.command.clone()).await?;
        let ctx = Ctx {
            request,
            actor,
            digest: digest.to_owned(),
        };
        match command {
            Command::Organization { command } => {
                self.decide_and_append::<OrganizationRegistry>(REGISTRY_ID, command, ctx)
                    .await
            }
            Command::Catalog { id, command } => {
                self.decide_and_append::<govshare_domain::catalog::CatalogEntry>(&id, command, ctx)
                    .await
            }
            Command::NegativeList { id, command } => {
                self.decide_and_append::<govshare_domain::negative_list::NegativeListing>(
                    &id, command, ctx,
                )
                .await
            }
            Command::PublishedCatalog { id, command } => {
                self.decide_and_append::<govshare_domain::published_catalog::PublishedCatalog>(
                    &id, command, ctx,
                )
                .await
            }
            Command::CollectionList { id, command } => {
                self.decide_and_append::<govshare_domain::collection_list::CollectionList>(
                    &id, command, ctx,
                )
                .await
            }
            Command::ShareApplication { id, command } => {
                self.decide_and_append::<govshare_domain::share_application::ShareApplication>(
                    &id, command, ctx,
                )
                .await
            }
            Command::Grant { id, command } => {
                self.decide_and_append::<govshare_domain::grant::Grant>(&id, command, ctx)
                    .await
            }
            Command::Verification { id, command } => {
                self.decide_and_append::<govshare_domain::verification::Verification>(
                    &id, command, ctx,
                )
                .await
            }
            Command::Incident { id, command } => {
                self.decide_and_append::<govshare_domain::incident::SecurityIncident>(
                    &id, command, ctx,
                )
                .await
            }
            Command::ThirdParty { id, command } => {
                self.decide_and_append::<govshare_domain::third_party::ThirdPartyEngagement>(
                    &id, command, ctx,
                )
                .await
            }
            Command::Supervision { id, command } => {
                self.decide_and_append::<govshare_domain::supervision::Supervision>(
                    &id, command, ctx,
                )
                .await
            }
            Command::CityPlatform { id, command } => {
                self.decide_and_append::<govshare_domain::city_platform::CityPlatform>(
                    &id, command, ctx,
                )
                .await
            }
            Command::AuthorizedOperation { id, command } => self
                .decide_and_append::<govshare_domain::authorized_operation::AuthorizedOperation>(
                    &id, command, ctx,
                )
                .await,
        }
    }

    /// The organization registry as of now (caught up with the log).
    pub async fn registry(&self) -> Result<OrganizationRegistry> {
        Ok(self.load::<OrganizationRegistry>(REGISTRY_ID).await?.0)
    }

    /// If `command_id` was recorded, its original answer (and, given the request's digest, a refusal when
    /// the id was used for a different request).
    async fn replay_if_recorded(
        &self,
        command_id: Uuid,
        digest: Option<&str>,
    ) -> Result<Option<Recorded>> {
        let Some(prior) = self.inner.store.read_command(command_id).await? else {
            return Ok(None);
        };
        if let (Some(digest), Some(record)) = (digest, prior.command.as_ref()) {
            let stored: StoredCommand<serde_json::Value> =
                serde_json::from_value(record.payload.clone())
                    .map_err(|e| EngineError::Corrupt(format!("command {command_id}: {e}")))?;
            if stored.context.request_digest.as_deref() != Some(digest) {
                return Err(EngineError::CommandIdReused { command_id });
            }
        }
        Ok(Some(self.recorded_from(prior).await?))
    }

    async fn recorded_from(&self, prior: RecordedCommand) -> Result<Recorded> {
        let count = usize::try_from(prior.last_position + 1 - prior.first_position)
            .map_err(|_| EngineError::Corrupt("command spans too many events".into()))?;
        let events: Vec<RecordedEvent> = self
            .inner
            .store
            .read_all(prior.first_position, count)
            .await?
            .into_iter()
            .filter(|e| e.metadata.command_id == prior.command_id)
            .collect();
        Ok(Recorded {
            command_id: prior.command_id,
            stream: prior.stream,
            events,
            stream_version: prior.stream_version,
            retry: true,
        })
    }

    async fn decide_and_append<A>(&self, id: &str, body: A::Body, ctx: Ctx<'_>) -> Result<Recorded>
    where
        A: Kind,
        A::Body: Serialize + DeserializeOwned + Clone + Send + Sync,
    {
        if id.trim().is_empty() || id.chars().all(is_blank_char) {
            return Err(EngineError::InvalidRequest {
                field: "id",
                reason: "names the aggregate".into(),
            });
        }
        let stream = A::stream(id);
        let context = CommandContext {
            actor: ctx.actor.clone(),
            rule_set: self.inner.services.rules.reference(),
            calendar: self.inner.calendar.clone(),
            categories: self.inner.categories_digest.clone(),
            request_digest: Some(ctx.digest.clone()),
        };
        let mut attempt = 0;
        loop {
            attempt += 1;
            let (state, version) = self.state::<A>(id, attempt > 1).await?;
            // The later of the clock and the aggregate's last event: clock skew between instances on one
            // database never dates a step before the one it follows.
            let now = later(self.inner.clock.now(), state.last_instant());
            let envelope = CommandEnvelope::new(ctx.actor.clone(), now, body.clone());
            let events =
                govshare_domain::decide(state.as_ref(), envelope.clone(), &self.inner.services)?;
            if events.is_empty() {
                return Ok(Recorded {
                    command_id: ctx.request.command_id,
                    stream,
                    events: Vec::new(),
                    stream_version: version,
                    retry: false,
                });
            }
            let append = self
                .append_request::<A>(&stream, version, now, &events, &envelope, &context, &ctx)?;
            let appended = self
                .inner
                .store
                .append(append)
                .instrument(tracing::debug_span!("append", stream = %stream, events = events.len()))
                .await;
            match appended {
                Ok(outcome) if outcome.deduplicated => {
                    // Another instance recorded the same command id meanwhile.
                    return self
                        .replay_if_recorded(ctx.request.command_id, Some(&ctx.digest))
                        .await?
                        .ok_or_else(|| {
                            EngineError::Corrupt("deduplicated command has no record".into())
                        });
                }
                Ok(outcome) => {
                    let mut next = (*state).clone();
                    for event in events {
                        next.apply(event);
                    }
                    let next = Arc::new(next);
                    self.cache_put(&stream, next.clone(), outcome.stream_version);
                    self.maybe_snapshot::<A>(&stream, version, outcome.stream_version, &next)
                        .await;
                    let count = usize::try_from(outcome.last_position + 1 - outcome.first_position)
                        .map_err(|_| EngineError::Corrupt("append spans too many events".into()))?;
                    let recorded = self
                        .inner
                        .store
                        .read_all(outcome.first_position, count)
                        .await?;
                    return Ok(Recorded {
                        command_id: ctx.request.command_id,
                        stream,
                        events: recorded,
                        stream_version: outcome.stream_version,
                        retry: false,
                    });
                }
                Err(StoreError::Conflict { .. }) if attempt < self.inner.max_attempts => {
                    tracing::debug!(attempt, "stream moved; deciding again");
                    self.cache_remove(&stream);
                }
                Err(StoreError::Conflict { .. }) => {
                    self.cache_remove(&stream);
                    return Err(EngineError::Conflict {
                        stream: stream.to_string(),
                        attempts: attempt,
                    });
                }
                Err(e) => {
                    self.cache_remove(&stream);
                    return Err(e.into());
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn append_request<A>(
        &self,
        stream: &StreamId,
        version: u64,
        now: DateTime<Utc>,
        events: &[A::Event],
        envelope: &CommandEnvelope<A::Body>,
        context: &CommandContext,
        ctx: &Ctx<'_>,
    ) -> Result<AppendRequest>
    where
        A: Kind,
        A::Body: Serialize + DeserializeOwned + Clone + Send + Sync,
    {
        let request = ctx.request;
        let actor = store_actor(&ctx.actor);
        let rule_set = Some(store_rule_set(&self.inner.services.rules.reference()));
        let mut new_events = Vec::with_capacity(events.len());
        for event in events {
            let encoded = encode_event::<A>(event)?;
            new_events.push(NewEvent {
                event_type: encoded.event_type,
                schema_version: encoded.schema_version,
                payload: encoded.payload,
                metadata: EventMetadata {
                    event_id: self.inner.ids.next_id(),
                    command_id: request.command_id,
                    correlation_id: request.correlation_id.unwrap_or(request.command_id),
                    causation_id: request.causation_id,
                    actor: actor.clone(),
                    rule_set: rule_set.clone(),
                },
            });
        }
        Ok(AppendRequest {
            stream: stream.clone(),
            expected_version: ExpectedVersion::Exact(version),
            command_id: request.command_id,
            recorded_at: now,
            events: new_events,
            command: Some(encode_command::<A>(envelope, context)?),
        })
    }

    /// The current state of aggregate `id` of kind `A` and its stream version (0 for none), caught up with
    /// the log.
    ///
    /// ```no_run
    /// # async fn example(engine: govshare_engine::Engine) -> Result<(), govshare_engine::EngineError> {
    /// use govshare_domain::share_application::ShareApplication;
    ///
    /// let (application, version) = engine.load::<ShareApplication>("SA-1").await?;
    /// println!("{:?} after {version} events", application.status());
    /// # Ok(()) }
    /// ```
    pub async fn load<A>(&self, id: &str) -> Result<(A, u64)>
    where
        A: Kind,
        A::Body: Serialize + DeserializeOwned + Clone + Send + Sync,
    {
        let stream = A::stream(id);
        let (state, version) = self.state::<A>(id, false).await?;
        let tail = self
            .inner
            .store
            .read_stream(
                &stream,
                StreamRead {
                    after_sequence: version,
                    ..StreamRead::default()
                },
            )
            .await?;
        if tail.is_empty() {
            return Ok(((*state).clone(), version));
        }
        let (state, version) = fold::<A>(&stream, (*state).clone(), version, &tail)?;
        let state = Arc::new(state);
        self.cache_put(&stream, state.clone(), version);
        Ok(((*state).clone(), version))
    }

    /// Every event of one stream, in order.
    ///
    /// ```no_run
    /// # async fn example(engine: govshare_engine::Engine) -> Result<(), govshare_engine::EngineError> {
    /// use govshare_store::StreamId;
    ///
    /// for event in engine.history(&StreamId::new("ShareApplication", "SA-1")).await? {
    ///     println!("{} {} {}", event.position, event.recorded_at, event.event_type);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn history(&self, stream: &StreamId) -> Result<Vec<RecordedEvent>> {
        Ok(self
            .inner
            .store
            .read_stream(stream, StreamRead::all())
            .await?)
    }

    /// The state from the cache, or rebuilt from the latest snapshot and the events after it (`fresh`
    /// skips the cache).
    async fn state<A>(&self, id: &str, fresh: bool) -> Result<(Arc<A>, u64)>
    where
        A: Kind,
        A::Body: Serialize + DeserializeOwned + Clone + Send + Sync,
    {
        let stream = A::stream(id);
        if !fresh
            && let Some(cached) = self.cache_get(&stream)
            && let Ok(state) = cached.state.downcast::<A>()
        {
            return Ok((state, cached.version));
        }
        let snapshot = self
            .inner
            .store
            .load_snapshot(&stream)
            .await?
            .filter(|s| s.state_version == A::STATE_VERSION);
        let (state, version) = match snapshot {
            Some(s) => match serde_json::from_value::<A>(s.state) {
                Ok(state) => (state, s.sequence),
                // An unreadable snapshot is only a lost shortcut: rebuild from the events.
                Err(_) => (A::default(), 0),
            },
            None => (A::default(), 0),
        };
        let events = self
            .inner
            .store
            .read_stream(
                &stream,
                StreamRead {
                    after_sequence: version,
                    ..StreamRead::default()
                },
            )
            .await?;
        let (state, version) = fold::<A>(&stream, state, version, &events)?;
        let state = Arc::new(state);
        self.cache_put(&stream, state.clone(), version);
        Ok((state, version))
    }

    async fn maybe_snapshot<A>(&self, stream: &StreamId, before: u64, after: u64, state: &Arc<A>)
    where
        A: Kind,
        A::Body: Serialize + DeserializeOwned + Clone + Send + Sync,
    {
        let every = self.inner.snapshot_every;
        if every == 0 || before / every == after / every {
            return;
        }
        let Ok(value) = serde_json::to_value(state.as_ref()) else {
            return;
        };
        let snapshot = Snapshot {
            stream: stream.clone(),
            sequence: after,
            state_version: A::STATE_VERSION,
            state: value,
        };
        // A failed snapshot costs only speed; the command is already recorded.
        if let Err(e) = self.inner.store.save_snapshot(&snapshot).await {
            tracing::warn!(stream = %stream, error = %e, "snapshot not saved");
        }
    }

    fn cache_get(&self, stream: &StreamId) -> Option<Cached> {
        self.lock_cache().get(stream).cloned()
    }

    fn cache_put<A: Send + Sync + 'static>(&self, stream: &StreamId, state: Arc<A>, version: u64) {
        let mut cache = self.lock_cache();
        // Never replace a newer state with an older one (two commands on one stream may finish in any order).
        if cache.peek(stream).is_some_and(|c| c.version > version) {
            return;
        }
        cache.put(stream.clone(), Cached { state, version });
    }

    fn cache_remove(&self, stream: &StreamId) {
        self.lock_cache().pop(stream);
    }

    fn lock_cache(&self) -> std::sync::MutexGuard<'_, LruCache<StreamId, Cached>> {
        // The cache holds only copies of recorded states; a poisoned lock still holds valid ones.
        self.inner.cache.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Forgets every cached state (the next command on each aggregate reads it from the store).
    pub fn clear_cache(&self) {
        self.lock_cache().clear();
    }
}

struct Ctx<'a> {
    request: &'a CommandRequest,
    actor: Actor,
    digest: String,
}

fn fold<A>(
    stream: &StreamId,
    mut state: A,
    mut version: u64,
    events: &[RecordedEvent],
) -> Result<(A, u64)>
where
    A: Kind,
    A::Body: Serialize + DeserializeOwned + Clone + Send + Sync,
{
    let upcasters = A::upcasters();
    for event in events {
        if event.sequence != version + 1 {
            return Err(EngineError::Corrupt(format!(
                "stream {stream} jumps from sequence {version} to {} at position {}",
                event.sequence, event.position
            )));
        }
        state.apply(decode_event::<A>(event, &upcasters)?);
        version = event.sequence;
    }
    Ok((state, version))
}

/// The actor of a request, as the registry knows its department now.
fn resolve_actor(registry: &OrganizationRegistry, request: &CommandRequest) -> Result<Actor> {
    let department = registry
        .department_ref(&request.department)
        .ok_or_else(|| EngineError::UnknownActor {
            department: request.department.as_str().to_owned(),
        })?;
    if request.person.0.chars().all(is_blank_char) {
        return Err(EngineError::InvalidRequest {
            field: "person",
            reason: "names the acting person".into(),
        });
    }
    Ok(Actor {
        department,
        person: request.person.clone(),
        role: request.role,
    })
}

fn later(clock: DateTime<Utc>, last: Option<DateTime<Utc>>) -> DateTime<Utc> {
    match last {
        Some(last) if last > clock => last,
        _ => clock,
    }
}

/// Whitespace or an invisible format character.
pub(crate) fn is_blank_char(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}'
        )
}

fn error_kind(error: &EngineError) -> &'static str {
    match error {
        EngineError::Refused { .. } => "refused",
        EngineError::Forbidden(_) => "forbidden",
        EngineError::UnknownActor { .. } => "unknown_actor",
        EngineError::RoleNotAllowed { .. } => "role_not_allowed",
        EngineError::NotFound { .. } => "not_found",
        EngineError::InvalidRequest { .. } => "invalid",
        EngineError::CommandIdReused { .. } => "command_id_reused",
        EngineError::Conflict { .. } => "conflict",
        EngineError::Unavailable(_) => "unavailable",
        EngineError::Corrupt(_) => "corrupt",
        EngineError::Config(_) => "config",
    }
}
