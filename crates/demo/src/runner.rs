//! The runner: every command of the demo goes through here, to the engine, in the order of a simulated
//! agenda driven by the manual clock.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use govshare_domain::{DeadlineId, DeadlineMissed, DeadlineSet, DepartmentCode, PersonId, Role};
use govshare_engine::{
    Command, CommandRequest, Engine, EngineError, ManualClock, Recorded, derived_command_id,
};

use govshare_policies::{MemoryCheckpoint, PolicyConfig, PolicyRunner, ProvisionIssuesGrant};

use crate::data::World;
use crate::error::DemoError;
use crate::rng::SplitMix64;
use crate::scenario::{Cases, Task};
use crate::time::{Workdays, at_time, date_of};

/// An open deadline the scheduler watches: the aggregate it belongs to and when it falls due.
#[derive(Debug, Clone)]
struct Watched {
    due_at: DateTime<Utc>,
    /// Ticks at which the rules said "not now" (e.g. an extension asked for in time still awaits its answer).
    deferred: u32,
}

/// How many ticks the scheduler keeps asking about a deadline the rules will not yet let it mark.
const MAX_DEFERRALS: u32 = 20;

/// The state of one demo run.
pub(crate) struct Runner<'a> {
    pub engine: &'a Engine,
    pub clock: &'a ManualClock,
    pub world: World,
    pub rng: SplitMix64,
    /// Commands the engine accepted (including the scheduler's).
    pub commands: u64,
    /// Commands tried on purpose to show a refusal, and refused.
    pub refusals: u64,
    /// Missed deadlines recorded, by the department that owed the act (第四十一条).
    pub missed_by: BTreeMap<String, u32>,
    /// Open deadlines: (aggregate type, aggregate id, deadline id) → due instant.
    watched: BTreeMap<(String, String, String), Watched>,
    agenda: BTreeMap<(DateTime<Utc>, u64), Task>,
    seq: u64,
    /// The end of the simulated period: nothing on the agenda after it is done.
    pub end: DateTime<Utc>,
    /// The cases of the simulation.
    pub cases: Cases,
    /// Approved versions of catalog entries revised after publication (others are at version 1).
    pub entry_versions: BTreeMap<String, u32>,
    /// The policy "provision issues the grant" (第十九、二十二条), run by the platform beside the engine;
    /// its checkpoint is kept in memory, the demo driving the passes itself.
    pub grant_policy: PolicyRunner,
}

impl<'a> Runner<'a> {
    pub(crate) fn new(
        engine: &'a Engine,
        clock: &'a ManualClock,
        world: World,
        seed: u64,
        end: DateTime<Utc>,
    ) -> Self {
        let platform = world.authority_of(&world.province().code);
        let grant_policy = PolicyRunner::new(
            engine.clone(),
            Arc::new(ProvisionIssuesGrant),
            Arc::new(MemoryCheckpoint::default()),
            PolicyConfig::default().with_person(PersonId(world.person(&platform, Role::Scheduler))),
        );
        Runner {
            grant_policy,
            engine,
            clock,
            world,
            rng: SplitMix64::new(seed),
            commands: 0,
            refusals: 0,
            missed_by: BTreeMap::new(),
            watched: BTreeMap::new(),
            agenda: BTreeMap::new(),
            seq: 0,
            end,
            cases: Cases::default(),
            entry_versions: BTreeMap::new(),
        }
    }

    pub(crate) fn workdays(&self) -> Workdays<'a> {
        Workdays::new(self.engine.services())
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        use govshare_engine::Clock as _;
        self.clock.now()
    }

    /// Today's Beijing date.
    pub(crate) fn today(&self) -> NaiveDate {
        date_of(self.now())
    }

    /// Moves the clock forward by `minutes` (the next step of a sitting: a few minutes later).
    pub(crate) fn pass(&self, minutes: i64) {
        self.clock.advance(Duration::minutes(minutes));
    }

    /// Moves the clock to `at`, never backwards.
    pub(crate) fn move_to(&self, at: DateTime<Utc>) {
        if at > self.now() {
            self.clock.set(at);
        }
    }

    /// A working hour of the day: 9:00–16:55, in five-minute steps.
    pub(crate) fn office_time(&mut self) -> (u32, u32) {
        (self.rng.range(9, 16), self.rng.range(0, 11) * 5)
    }

    /// Puts `task` on the agenda at `at`.
    pub(crate) fn schedule_at(&mut self, at: DateTime<Utc>, task: Task) {
        self.seq += 1;
        self.agenda.insert((at, self.seq), task);
    }

    /// Puts `task` on the agenda during office hours of the `days`-th working day after today (0: today, or
    /// the next working day), never earlier than now.
    pub(crate) fn schedule_in(&mut self, days: u32, task: Task) -> Result<(), DemoError> {
        let date = self.workdays().after(self.today(), days)?;
        let (h, m) = self.office_time();
        let mut at = at_time(date, h, m)?;
        if at <= self.now() {
            at = self.now() + Duration::minutes(i64::from(self.rng.range(10, 40)));
        }
        self.schedule_at(at, task);
        Ok(())
    }

    /// The next task on the agenda due no later than the end of the period.
    pub(crate) fn next_task(&mut self) -> Option<(DateTime<Utc>, Task)> {
        let (&key, _) = self.agenda.first_key_value()?;
        if key.0 > self.end {
            return None;
        }
        self.agenda.remove(&key).map(|task| (key.0, task))
    }

    fn request(
        &self,
        department: &str,
        role: Role,
        command: Command,
    ) -> Result<CommandRequest, DemoError> {
        let code = DepartmentCode::parse(department)
            .map_err(|e| DemoError::Data(format!("部门代码 {department}: {e}")))?;
        Ok(CommandRequest::new(
            self.engine.ids().next_id(),
            code,
            PersonId(self.world.person(department, role)),
            role,
            command,
        ))
    }

    /// Executes one command that the scenario expects to be recorded.
    pub(crate) async fn exec(
        &mut self,
        department: &str,
        role: Role,
        command: Command,
        step: impl FnOnce() -> String,
    ) -> Result<Recorded, DemoError> {
        let request = self.request(department, role, command)?;
        match self.engine.execute(request).await {
            Ok(recorded) => {
                self.commands += 1;
                self.watch(&recorded)?;
                Ok(recorded)
            }
            Err(source) => Err(DemoError::Engine {
                step: step(),
                source,
            }),
        }
    }

    /// Tries a command the rules must refuse (to show the refusal in the demo): counts it, records nothing.
    pub(crate) async fn expect_refusal(
        &mut self,
        department: &str,
        role: Role,
        command: Command,
        what: &str,
    ) -> Result<(), DemoError> {
        let request = self.request(department, role, command)?;
        match self.engine.execute(request).await {
            Ok(_) => Err(DemoError::UnexpectedAcceptance(what.to_owned())),
            Err(EngineError::Refused { source, article }) => {
                tracing::info!(what, article = article.unwrap_or(""), reason = %source, "expected refusal");
                self.refusals += 1;
                Ok(())
            }
            Err(source) => Err(DemoError::Engine {
                step: what.to_owned(),
                source,
            }),
        }
    }

    /// Follows the deadline facts a command recorded, so that the scheduler knows what falls due.
    pub(crate) fn watch(&mut self, recorded: &Recorded) -> Result<(), DemoError> {
        let stream = &recorded.stream;
        for event in &recorded.events {
            let key = |id: &DeadlineId| {
                (
                    stream.aggregate_type.clone(),
                    stream.aggregate_id.clone(),
                    id.0.clone(),
                )
            };
            let bad = |e: serde_json::Error| DemoError::Data(format!("{}: {e}", event.event_type));
            match event.event_type.as_str() {
                "DeadlineSet" => {
                    let set: DeadlineSet = event.payload.deserialize().map_err(bad)?;
                    self.watched.insert(
                        key(&set.id),
                        Watched {
                            due_at: set.due_at,
                            deferred: 0,
                        },
                    );
                }
                "DeadlineExtended" | "DeadlineRecomputed" => {
                    let value = event.payload.to_value().map_err(bad)?;
                    let id = value.get("id").and_then(|v| v.as_str()).unwrap_or_default();
                    let due = value
                        .get("new_due_at")
                        .or_else(|| value.get("due_at"))
                        .cloned()
                        .map(serde_json::from_value::<DateTime<Utc>>)
                        .transpose()
                        .map_err(bad)?;
                    if let (Some(w), Some(due)) =
                        (self.watched.get_mut(&key(&DeadlineId(id.to_owned()))), due)
                    {
                        w.due_at = due;
                    }
                }
                "DeadlineMet" => {
                    let value = event.payload.to_value().map_err(bad)?;
                    let id = value.get("id").and_then(|v| v.as_str()).unwrap_or_default();
                    self.watched.remove(&key(&DeadlineId(id.to_owned())));
                }
                "DeadlineMissed" => {
                    let missed: DeadlineMissed = event.payload.deserialize().map_err(bad)?;
                    self.watched.remove(&key(&missed.id));
                    *self
                        .missed_by
                        .entry(missed.owed_by.to_string())
                        .or_insert(0) += 1;
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The scheduler's tick (第四十一条): every watched deadline whose last on-time instant has passed is
    /// recorded as missed, through `execute_scheduled`, with an id derived from the deadline so that a
    /// second scheduler would issue the same command.
    pub(crate) async fn tick(&mut self) -> Result<(), DemoError> {
        let now = self.now();
        let due: Vec<((String, String, String), Watched)> = self
            .watched
            .iter()
            .filter(|(_, w)| w.due_at < now)
            .map(|(k, w)| (k.clone(), w.clone()))
            .collect();
        let platform = self.world.authority_of(&self.world.province().code);
        for (key, watched) in due {
            // Whatever the outcome, the deadline leaves the watch list: its miss is recorded now, the rules
            // say nothing more is owed (a withdrawn application), or it is put back to be asked again.
            self.watched.remove(&key);
            let (kind, id, deadline) = &key;
            let Some(command) =
                crate::scenario::mark_overdue(kind, id, DeadlineId(deadline.clone()))
            else {
                continue;
            };
            let code = DepartmentCode::parse(&platform)
                .map_err(|e| DemoError::Data(format!("部门代码 {platform}: {e}")))?;
            // The id follows from the deadline: a second scheduler, or this one restarted, issues the same.
            let request = CommandRequest::new(
                derived_command_id("mark-overdue", &format!("{kind}/{id}/{deadline}")),
                code,
                PersonId(self.world.person(&platform, Role::Scheduler)),
                Role::Scheduler,
                command,
            );
            match self.engine.execute_scheduled(request).await {
                Ok(recorded) => {
                    self.commands += 1;
                    self.watch(&recorded)?;
                }
                // "Not now": e.g. an extension asked for in time awaits the authority (第十一条). A refused
                // command records nothing, so the same id is asked again at the next tick.
                Err(EngineError::Refused { source, .. }) if watched.deferred < MAX_DEFERRALS => {
                    tracing::debug!(%kind, %id, %deadline, reason = %source, "overdue deferred");
                    self.watched.insert(
                        key.clone(),
                        Watched {
                            deferred: watched.deferred + 1,
                            ..watched
                        },
                    );
                }
                Err(source) => {
                    return Err(DemoError::Engine {
                        step: format!("记录逾期 {kind} {id} {deadline}"),
                        source,
                    });
                }
            }
        }
        Ok(())
    }
}
