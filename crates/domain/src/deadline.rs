//! Deadlines as facts, shared by every aggregate (第十一、十九、二十、四十一条).
//!
//! A deadline is *set* by a [`DeadlineSet`] fact recording what is owed, by whom, from which instant, how many
//! working days, the due Beijing date and instant, the rule set and version, and whether the calendar was
//! provisional — or, for the incident reports of 第三十四条, a span of clock hours
//! ([`Deadlines::set_within_hours`]). Meeting it ([`DeadlineMet`]), extending it ([`DeadlineExtended`]) and
//! missing it ([`DeadlineMissed`]) are facts too, and so is recomputing a provisional one once the missing year's
//! holiday arrangement is loaded ([`DeadlineRecomputed`]), and reminding the owing party before the due day where
//! the rule set configures reminders ([`DeadlineReminded`], an operational measure, not a duty of the
//! regulation). A late act is still accepted (the duty does not
//! lapse) and recorded with `late: true`, paired with a missed fact attributed to the owing party (第四十一条),
//! unless the scheduler recorded the miss already.
//!
//! An aggregate keeps a [`Deadlines`] ledger in its state, asks it for the facts to emit (`set_*`, `meet`,
//! `extend`, `mark_overdue`, `recompute_provisional`, `remind`) and feeds every emitted fact back through
//! [`Deadlines::apply`]. The ledger only computes; it never decides whether an act is allowed.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Utc};
use govshare_workdays::{Coverage, Deadline, beijing_offset};
use serde::{Deserialize, Serialize};

use crate::actor::{Actor, DepartmentCode};
pub use crate::deadline_id::DeadlineId;
use crate::error::DomainError;
use crate::instant::{beijing_date, check_date};
use crate::rules::{DeadlineRule, RuleSetRef};
use crate::services::DomainServices;

// `DeadlineId` lives in its own leaf module so that errors can name deadlines without depending on the
// ledger; its constructor from a rule is here, next to the rules it counts.
impl DeadlineId {
    /// The `seq`-th deadline of `rule` in an aggregate.
    pub fn new(rule: DeadlineRule, seq: u32) -> Self {
        DeadlineId(format!("{}#{seq}", rule.key()))
    }
}

/// What is owed and by whom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Obligation {
    /// The act owed, named by its rule-set key.
    pub what: DeadlineRule,
    /// The department that owes it; a miss is attributed to it (第四十一条).
    pub owed_by: DepartmentCode,
}

/// 期限起算: a deadline was set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadlineSet {
    /// Deadline id within the aggregate.
    pub id: DeadlineId,
    /// What is owed, by whom.
    pub obligation: Obligation,
    /// The instant counting runs from (for a dated event such as a change of law: 00:00 Beijing time of that
    /// date).
    pub from: DateTime<Utc>,
    /// The Beijing date counting starts after (not itself counted; 民法典第二百零一条).
    pub from_date: NaiveDate,
    /// Working days allowed.
    pub working_days: u32,
    /// The Beijing date of the last working day allowed.
    pub due_date: NaiveDate,
    /// The last on-time instant (end of `due_date`, Beijing time), in UTC.
    pub due_at: DateTime<Utc>,
    /// The rule set and version the length came from.
    pub rule_set: RuleSetRef,
    /// Whether the span reaches into a year with no published holiday arrangement.
    pub provisional: bool,
}

/// 期限履行: the owed act was performed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadlineMet {
    /// Deadline id.
    pub id: DeadlineId,
    /// Who owed the act.
    pub owed_by: DepartmentCode,
    /// When the act was performed.
    pub at: DateTime<Utc>,
    /// The due instant it was measured against.
    pub due_at: DateTime<Utc>,
    /// Whether the act came after the due instant.
    pub late: bool,
}

/// 期限延长: the deadline was extended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadlineExtended {
    /// Deadline id.
    pub id: DeadlineId,
    /// Working days added, counted from the previous due date.
    pub by_working_days: u32,
    /// Total working days now allowed.
    pub working_days: u32,
    /// New due Beijing date.
    pub new_due_date: NaiveDate,
    /// New last on-time instant.
    pub new_due_at: DateTime<Utc>,
    /// Who consented.
    pub approved_by: Actor,
    /// The rule set and version the extension length came from.
    pub rule_set: RuleSetRef,
    /// Whether the extended span is provisional.
    pub provisional: bool,
}

/// 逾期: the deadline passed without the owed act, attributed to the owing party (第四十一条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadlineMissed {
    /// Deadline id.
    pub id: DeadlineId,
    /// Who owed the act.
    pub owed_by: DepartmentCode,
    /// The due instant that passed.
    pub due_at: DateTime<Utc>,
    /// When the miss was recorded (the scheduler's tick, or the late act itself).
    pub marked_at: DateTime<Utc>,
}

/// 期限重新计算: an open provisional deadline was recomputed after the holiday arrangement of a year it reaches
/// into was loaded (digest, "Counting working days", Decision: "when that year's arrangement is loaded, every
/// open provisional deadline is recomputed and the change recorded").
///
/// The counting is unchanged (民法典第二百零一条: the start day is not counted; the deadline is the end of the
/// last working day): the same `from_date` and the same total `working_days` (any extension included), on the
/// calendar now loaded. Only the due date, the due instant and the provisional flag can change; the rule set
/// that gave the length stands. Recorded only when the due date or the flag changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadlineRecomputed {
    /// Deadline id.
    pub id: DeadlineId,
    /// Who owes the act (unchanged).
    pub owed_by: DepartmentCode,
    /// The Beijing date counting starts after (unchanged).
    pub from_date: NaiveDate,
    /// Total working days allowed, extensions included (unchanged).
    pub working_days: u32,
    /// The due Beijing date before the recomputation.
    pub previous_due_date: NaiveDate,
    /// The last on-time instant before the recomputation.
    pub previous_due_at: DateTime<Utc>,
    /// The recomputed due Beijing date.
    pub due_date: NaiveDate,
    /// The recomputed last on-time instant (end of `due_date`, Beijing time), in UTC.
    pub due_at: DateTime<Utc>,
    /// Whether the span still reaches into a year with no published holiday arrangement.
    pub provisional: bool,
    /// The years of the counted span whose published holiday arrangement the recomputation used, ascending
    /// (a year of the span missing here was counted with weekends only).
    pub calendar_years: Vec<i32>,
}

/// The body of the scheduler's `RecomputeDeadlines` command, the same on every aggregate with working-day
/// deadlines (catalog entry, share application, verification request, supervision case): 重新计算期限 after a
/// year's holiday arrangement was loaded (digest, "Counting working days", Decision; 第十一、十九、二十、三十九条
/// deadlines). Authorized like `MarkOverdue` (AUTH-02, scheduler only); idempotent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecomputeDeadlines {}

/// The body of the scheduler's `MarkOverdue` command, the same on every aggregate with deadlines (catalog
/// entry, share application, verification request, security incident, supervision case): 记录逾期, record that
/// a deadline passed without the owed act, attributed to the party that owed it (第四十一条). Scheduler only
/// (AUTH-02). Refused up to the due instant ([`DomainError::NotYetDue`]) and while a timely extension request
/// awaits its decision ([`DomainError::ExtensionPending`]), both retryable ([`DomainError::is_retryable`]);
/// idempotent after the miss is recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MarkOverdue {
    /// The deadline.
    pub deadline: DeadlineId,
}

/// 催办提醒: the owing party was reminded that a working-day deadline falls due within the rule set's
/// configured lead ([`crate::rules::Reminders`]), before the due day.
///
/// The deadline itself is the article's (第十一、十九、二十、二十一、三十九条, as its rule key names); the
/// reminder is an operational measure of the platform, not a duty the regulation sets: the regulation
/// prescribes no reminder, and a reminder neither moves the due instant nor excuses a miss (第四十一条). Recorded
/// at most once per deadline, only while it is open and not yet due, and only from the reminder point on: the
/// end of the working day after which no more than `working_days_before` working days remain, counted on the
/// calendar the command was decided with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadlineReminded {
    /// Deadline id.
    pub id: DeadlineId,
    /// What is owed (the rule key, naming the article).
    pub what: DeadlineRule,
    /// Who owes the act and is reminded.
    pub owed_by: DepartmentCode,
    /// The Beijing due date reminded of.
    pub due_date: NaiveDate,
    /// The last on-time instant reminded of.
    pub due_at: DateTime<Utc>,
    /// The configured lead: the reminder falls due once no more than this many working days remain.
    pub working_days_before: u32,
    /// The reminder point: the end of the working day after which `working_days_before` working days
    /// remain (the end of the start day when the deadline is no longer than the lead).
    pub remind_from: DateTime<Utc>,
    /// When the reminder was recorded (the scheduler's tick).
    pub reminded_at: DateTime<Utc>,
    /// The rule set and version the lead came from.
    pub rule_set: RuleSetRef,
}

/// The body of the scheduler's `RemindDeadline` command, the same on every aggregate with deadlines (catalog
/// entry, share application, verification request, security incident, supervision case): 催办提醒, remind the
/// owing party of a working-day deadline before its due day, as the rule set's `reminders` section configures
/// (an operational measure; the deadline is its article's, e.g. 第十九条). Scheduler only (AUTH-02). Refused
/// when the rule set configures no reminder for the deadline ([`DomainError::NoReminderConfigured`], as for
/// every deadline under the shipped rule sets), before the reminder point ([`DomainError::NotYetRemindable`],
/// retryable), for a deadline not open (met, missed or past due, withdrawn) or counted in clock hours, and a
/// second time for the same deadline ([`DomainError::AlreadyReminded`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RemindDeadline {
    /// The deadline.
    pub deadline: DeadlineId,
}

/// Any deadline fact; every aggregate's event enum converts from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeadlineFact {
    /// See [`DeadlineSet`].
    Set(DeadlineSet),
    /// See [`DeadlineMet`].
    Met(DeadlineMet),
    /// See [`DeadlineExtended`].
    Extended(DeadlineExtended),
    /// See [`DeadlineMissed`].
    Missed(DeadlineMissed),
    /// See [`DeadlineRecomputed`].
    Recomputed(DeadlineRecomputed),
    /// See [`DeadlineReminded`].
    Reminded(DeadlineReminded),
}

impl DeadlineFact {
    /// The instant the fact records an act at, if it records one: the act meeting the deadline, the
    /// recording of the miss, or the reminder. Setting, extending and recomputing a deadline record no instant of their own
    /// (they accompany the act that caused them).
    pub fn at(&self) -> Option<DateTime<Utc>> {
        match self {
            DeadlineFact::Met(met) => Some(met.at),
            DeadlineFact::Missed(missed) => Some(missed.marked_at),
            DeadlineFact::Reminded(reminded) => Some(reminded.reminded_at),
            DeadlineFact::Set(_) | DeadlineFact::Extended(_) | DeadlineFact::Recomputed(_) => None,
        }
    }
}

/// One deadline as the ledger knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackedDeadline {
    /// The fact that set it, with `due_date`, `due_at`, `working_days` and `provisional` updated by
    /// extensions.
    pub current: DeadlineSet,
    /// Extensions granted.
    pub extensions: u32,
    /// When it was met, if it was.
    pub met_at: Option<DateTime<Utc>>,
    /// Whether a miss has been recorded.
    pub missed: bool,
    /// When the owing party was reminded, if it was ([`DeadlineReminded`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reminded_at: Option<DateTime<Utc>>,
}

impl TrackedDeadline {
    /// Whether the owed act is still outstanding.
    pub fn is_open(&self) -> bool {
        self.met_at.is_none()
    }
}

/// The deadlines of one aggregate.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadlines {
    all: BTreeMap<DeadlineId, TrackedDeadline>,
}

impl Deadlines {
    /// A deadline by id.
    pub fn get(&self, id: &DeadlineId) -> Option<&TrackedDeadline> {
        self.all.get(id)
    }

    /// Every deadline, in id order.
    pub fn iter(&self) -> impl Iterator<Item = &TrackedDeadline> {
        self.all.values()
    }

    /// The id of the next deadline of `rule`: one more than the number already set for it.
    pub fn next_id(&self, rule: DeadlineRule) -> DeadlineId {
        let n = self
            .iter()
            .filter(|d| d.current.obligation.what == rule)
            .count();
        DeadlineId::new(rule, u32::try_from(n).unwrap_or(u32::MAX).saturating_add(1))
    }

    /// Sets a deadline counted from an instant: the instant's Beijing date is the start day
    /// ("自收到…之日起").
    pub fn set_from_instant(
        id: DeadlineId,
        obligation: Obligation,
        from: DateTime<Utc>,
        services: &DomainServices,
    ) -> Result<DeadlineFact, DomainError> {
        let from_date = beijing_date("from", from)?;
        Self::set(id, obligation, from, from_date, services)
    }

    /// Sets a deadline counted from a Beijing date ("自变化之日起"); the recorded instant is 00:00 Beijing
    /// time of that date.
    pub fn set_from_date(
        id: DeadlineId,
        obligation: Obligation,
        from_date: NaiveDate,
        services: &DomainServices,
    ) -> Result<DeadlineFact, DomainError> {
        check_date("from_date", from_date)?;
        let from = from_date
            .and_time(NaiveTime::MIN)
            .and_local_timezone(beijing_offset())
            .single()
            .ok_or_else(|| {
                DomainError::validation("date", format!("{from_date} is not representable"))
            })?
            .with_timezone(&Utc);
        Self::set(id, obligation, from, from_date, services)
    }

    fn set(
        id: DeadlineId,
        obligation: Obligation,
        from: DateTime<Utc>,
        from_date: NaiveDate,
        services: &DomainServices,
    ) -> Result<DeadlineFact, DomainError> {
        let rules = &services.rules;
        let computed =
            services
                .calendar
                .due(from_date, rules.days(obligation.what), rules.coverage)?;
        Ok(DeadlineFact::Set(DeadlineSet {
            id,
            obligation,
            from,
            from_date,
            working_days: computed.working_days,
            due_date: computed.due_date,
            due_at: computed.due_at,
            rule_set: rules.reference(),
            provisional: computed.provisional,
        }))
    }

    /// Sets a deadline of `working_days` counted from an instant, when the length is not the rule set's
    /// default for the obligation but stated by the act that opens it (e.g. a rectification order that sets
    /// its own period, 第三十九条). The rule-set reference is still recorded.
    pub fn set_from_instant_for_days(
        id: DeadlineId,
        obligation: Obligation,
        from: DateTime<Utc>,
        working_days: u32,
        services: &DomainServices,
    ) -> Result<DeadlineFact, DomainError> {
        let rules = &services.rules;
        let from_date = beijing_date("from", from)?;
        let computed = services
            .calendar
            .due(from_date, working_days, rules.coverage)?;
        Ok(DeadlineFact::Set(DeadlineSet {
            id,
            obligation,
            from,
            from_date,
            working_days: computed.working_days,
            due_date: computed.due_date,
            due_at: computed.due_at,
            rule_set: rules.reference(),
            provisional: computed.provisional,
        }))
    }

    /// Sets a deadline of `hours` elapsed clock hours from an instant (第三十四条: incident reports), not
    /// working days: `working_days` is 0, `due_at` is `from` plus the hours, `due_date` its Beijing date, and
    /// the span is never provisional (no calendar is involved). The hours are `due_at - from`; the act that
    /// opens such a deadline also records them. [`Deadlines::meet`] and [`Deadlines::mark_overdue`] work
    /// unchanged; [`Deadlines::extend`] does not apply.
    pub fn set_within_hours(
        id: DeadlineId,
        obligation: Obligation,
        from: DateTime<Utc>,
        hours: u32,
        rule_set: RuleSetRef,
    ) -> Result<DeadlineFact, DomainError> {
        let due_at = from
            .checked_add_signed(chrono::TimeDelta::hours(i64::from(hours)))
            .ok_or_else(|| {
                DomainError::validation("hours", format!("{hours} hours after {from} overflow"))
            })?;
        Ok(DeadlineFact::Set(DeadlineSet {
            id,
            obligation,
            from,
            from_date: beijing_date("from", from)?,
            working_days: 0,
            due_date: beijing_date("due_at", due_at)?,
            due_at,
            rule_set,
            provisional: false,
        }))
    }

    fn tracked(&self, id: &DeadlineId) -> Result<&TrackedDeadline, DomainError> {
        self.all
            .get(id)
            .ok_or_else(|| DomainError::UnknownDeadline(id.clone()))
    }

    /// The facts of performing the owed act at `at`: met (late or not) and, when late and no miss is
    /// recorded yet, the miss attributed to the owing party. Meeting an already met deadline yields nothing.
    pub fn meet(
        &self,
        id: &DeadlineId,
        at: DateTime<Utc>,
    ) -> Result<Vec<DeadlineFact>, DomainError> {
        let tracked = self.tracked(id)?;
        if !tracked.is_open() {
            return Ok(Vec::new());
        }
        let d = &tracked.current;
        let late = at > d.due_at;
        let mut facts = vec![DeadlineFact::Met(DeadlineMet {
            id: id.clone(),
            owed_by: d.obligation.owed_by.clone(),
            at,
            due_at: d.due_at,
            late,
        })];
        if late && !tracked.missed {
            facts.push(DeadlineFact::Missed(DeadlineMissed {
                id: id.clone(),
                owed_by: d.obligation.owed_by.clone(),
                due_at: d.due_at,
                marked_at: at,
            }));
        }
        Ok(facts)
    }

    /// [`Deadlines::meet`], as an aggregate's events.
    pub fn meet_events<E: From<DeadlineFact>>(
        &self,
        id: &DeadlineId,
        at: DateTime<Utc>,
    ) -> Result<Vec<E>, DomainError> {
        Ok(self.meet(id, at)?.into_iter().map(E::from).collect())
    }

    /// [`Deadlines::meet_events`] for the deadline now open, if any; nothing when none is.
    pub fn meet_open<E: From<DeadlineFact>>(
        &self,
        open: Option<&DeadlineId>,
        at: DateTime<Utc>,
    ) -> Result<Vec<E>, DomainError> {
        match open {
            Some(id) => self.meet_events(id, at),
            None => Ok(Vec::new()),
        }
    }

    /// Refuses an extension asked at `at` if the deadline is closed, already due, or extended `max` times.
    pub fn check_extension_request(
        &self,
        id: &DeadlineId,
        at: DateTime<Utc>,
        max: u32,
    ) -> Result<(), DomainError> {
        let tracked = self.tracked(id)?;
        if !tracked.is_open() {
            return Err(DomainError::invalid_state(
                "extend a deadline",
                format!("{id} is already met"),
            ));
        }
        if tracked.extensions >= max {
            return Err(DomainError::ExtensionLimitReached {
                deadline: id.clone(),
                allowed: max,
            });
        }
        if at > tracked.current.due_at {
            return Err(DomainError::ExtensionTooLate {
                deadline: id.clone(),
                due_at: tracked.current.due_at,
            });
        }
        Ok(())
    }

    /// The fact of extending a deadline by the rule set's `rule` length, counted from its current due date.
    pub fn extend(
        &self,
        id: &DeadlineId,
        rule: DeadlineRule,
        approved_by: &Actor,
        services: &DomainServices,
    ) -> Result<DeadlineFact, DomainError> {
        self.extend_by_days(id, services.rules.days(rule), approved_by, services)
    }

    /// The fact of extending a deadline by `days` working days, counted from its current due date (e.g. the
    /// number of working days asked for, 第二十条).
    pub fn extend_by_days(
        &self,
        id: &DeadlineId,
        days: u32,
        approved_by: &Actor,
        services: &DomainServices,
    ) -> Result<DeadlineFact, DomainError> {
        let tracked = self.tracked(id)?;
        let d = &tracked.current;
        let rules = &services.rules;
        let base = Deadline {
            from_date: d.from_date,
            working_days: d.working_days,
            due_date: d.due_date,
            due_at: d.due_at,
            provisional: d.provisional,
        };
        let extended = services.calendar.extend(&base, days, rules.coverage)?;
        Ok(DeadlineFact::Extended(DeadlineExtended {
            id: id.clone(),
            by_working_days: days,
            working_days: extended.working_days,
            new_due_date: extended.due_date,
            new_due_at: extended.due_at,
            approved_by: approved_by.clone(),
            rule_set: rules.reference(),
            provisional: extended.provisional,
        }))
    }

    /// `MarkOverdue` at `now`: refused before the due instant; a deadline already met or already marked
    /// yields nothing (idempotent); otherwise the miss.
    pub fn mark_overdue(
        &self,
        id: &DeadlineId,
        now: DateTime<Utc>,
    ) -> Result<Vec<DeadlineFact>, DomainError> {
        let tracked = self.tracked(id)?;
        if tracked.missed || !tracked.is_open() {
            return Ok(Vec::new());
        }
        let d = &tracked.current;
        if now <= d.due_at {
            return Err(DomainError::NotYetDue {
                deadline: id.clone(),
                due_at: d.due_at,
            });
        }
        Ok(vec![DeadlineFact::Missed(DeadlineMissed {
            id: id.clone(),
            owed_by: d.obligation.owed_by.clone(),
            due_at: d.due_at,
            marked_at: now,
        })])
    }

    /// [`Deadlines::mark_overdue`], as an aggregate's events.
    pub fn mark_overdue_events<E: From<DeadlineFact>>(
        &self,
        id: &DeadlineId,
        now: DateTime<Utc>,
    ) -> Result<Vec<E>, DomainError> {
        Ok(self
            .mark_overdue(id, now)?
            .into_iter()
            .map(E::from)
            .collect())
    }

    /// `RemindDeadline` at `now` (催办提醒, an operational measure): the reminder of an open working-day deadline,
    /// once, from its reminder point up to its due instant, with the lead the rule set in `services`
    /// configures for the deadline's rule ([`crate::rules::RuleSet::reminder_lead`]). The reminder point is the end of the
    /// `(working_days - lead)`-th working day after the start day (the end of the start day when the deadline
    /// is no longer than the lead), counted on the calendar in `services` from the deadline's own start day
    /// and total working days (extensions and recomputations included).
    ///
    /// Refused: no lead configured ([`DomainError::NoReminderConfigured`]); a clock-hour window (第三十四条)
    /// or a deadline met, missed or past due; a second reminder ([`DomainError::AlreadyReminded`]); before the
    /// reminder point ([`DomainError::NotYetRemindable`], retryable). An aggregate refuses a withdrawn step
    /// itself.
    pub fn remind(
        &self,
        id: &DeadlineId,
        now: DateTime<Utc>,
        services: &DomainServices,
    ) -> Result<Vec<DeadlineFact>, DomainError> {
        let tracked = self.tracked(id)?;
        let d = &tracked.current;
        let rules = &services.rules;
        let lead = rules.reminder_lead(d.obligation.what).ok_or_else(|| {
            DomainError::NoReminderConfigured {
                deadline: id.clone(),
            }
        })?;
        if d.working_days == 0 {
            return Err(DomainError::invalid_state(
                "remind of a deadline",
                format!("{id} is counted in clock hours (第三十四条), not working days"),
            ));
        }
        if let Some(at) = tracked.met_at {
            return Err(DomainError::invalid_state(
                "remind of a deadline",
                format!("{id} was met at {at}"),
            ));
        }
        if tracked.missed || now > d.due_at {
            return Err(DomainError::invalid_state(
                "remind of a deadline",
                format!("{id} was due at {} and is past due", d.due_at),
            ));
        }
        if let Some(at) = tracked.reminded_at {
            return Err(DomainError::AlreadyReminded {
                deadline: id.clone(),
                at,
            });
        }
        let remind_from = Self::remind_from(d.from_date, d.working_days, lead, services)?;
        if now <= remind_from {
            return Err(DomainError::NotYetRemindable {
                deadline: id.clone(),
                remind_from,
            });
        }
        Ok(vec![DeadlineFact::Reminded(DeadlineReminded {
            id: id.clone(),
            what: d.obligation.what,
            owed_by: d.obligation.owed_by.clone(),
            due_date: d.due_date,
            due_at: d.due_at,
            working_days_before: lead,
            remind_from,
            reminded_at: now,
            rule_set: rules.reference(),
        })])
    }

    /// The reminder point of a deadline of `working_days` working days counted after the Beijing date
    /// `from_date`, for a lead of `lead` working days: the end of the `(working_days - lead)`-th working day
    /// after the start day (the end of the start day itself when the deadline is no longer than the lead).
    /// Counted provisionally where the calendar lacks a year, like a recomputation: the deadline exists
    /// already. The scheduler finds the deadlines to remind of with the same computation.
    pub fn remind_from(
        from_date: NaiveDate,
        working_days: u32,
        lead: u32,
        services: &DomainServices,
    ) -> Result<DateTime<Utc>, DomainError> {
        let days = working_days.saturating_sub(lead);
        let point = services
            .calendar
            .due(from_date, days, Coverage::Provisional)?;
        Ok(point.due_at)
    }

    /// [`Deadlines::remind`], as an aggregate's events.
    pub fn remind_events<E: From<DeadlineFact>>(
        &self,
        id: &DeadlineId,
        now: DateTime<Utc>,
        services: &DomainServices,
    ) -> Result<Vec<E>, DomainError> {
        Ok(self
            .remind(id, now, services)?
            .into_iter()
            .map(E::from)
            .collect())
    }

    /// `RecomputeDeadlines` with the calendar now in `services` (digest, "Counting working days", Decision):
    /// every open deadline whose current computation is provisional is counted again from the same
    /// `from_date` for the same total working days (extensions included); a fact is emitted only when the due
    /// date or the provisional flag changes, so a second call yields nothing.
    ///
    /// Not recomputed: a deadline met or already missed (its record stands), a non-provisional one (this
    /// includes the clock-hour windows of 第三十四条, which involve no calendar). A recomputed due instant that
    /// has already passed is only recorded here; the miss is `MarkOverdue`'s to record. Recomputation counts
    /// provisionally whatever the rule set's coverage: a strict rule set never set a provisional deadline, and
    /// an existing deadline is better counted on the calendar now loaded than refused.
    pub fn recompute_provisional(
        &self,
        services: &DomainServices,
    ) -> Result<Vec<DeadlineFact>, DomainError> {
        let calendar = &services.calendar;
        let mut facts = Vec::new();
        for tracked in self.all.values() {
            let d = &tracked.current;
            if !tracked.is_open() || tracked.missed || !d.provisional || d.working_days == 0 {
                continue;
            }
            let computed = calendar.due(d.from_date, d.working_days, Coverage::Provisional)?;
            if computed.due_date == d.due_date
                && computed.due_at == d.due_at
                && computed.provisional == d.provisional
            {
                continue;
            }
            // The years of (from_date, due_date] the arrangement tables were consulted for.
            let first = d.from_date.succ_opt().unwrap_or(d.from_date).year();
            let calendar_years = (first..=computed.due_date.year())
                .filter(|&year| calendar.is_covered(year))
                .collect();
            facts.push(DeadlineFact::Recomputed(DeadlineRecomputed {
                id: d.id.clone(),
                owed_by: d.obligation.owed_by.clone(),
                from_date: d.from_date,
                working_days: d.working_days,
                previous_due_date: d.due_date,
                previous_due_at: d.due_at,
                due_date: computed.due_date,
                due_at: computed.due_at,
                provisional: computed.provisional,
                calendar_years,
            }));
        }
        Ok(facts)
    }

    /// [`Deadlines::recompute_provisional`], as an aggregate's events.
    pub fn recompute_events<E: From<DeadlineFact>>(
        &self,
        services: &DomainServices,
    ) -> Result<Vec<E>, DomainError> {
        Ok(self
            .recompute_provisional(services)?
            .into_iter()
            .map(E::from)
            .collect())
    }

    /// Folds a fact into the ledger. Facts about unknown deadlines are ignored (they cannot have been
    /// emitted by this ledger).
    pub fn apply(&mut self, fact: &DeadlineFact) {
        match fact {
            DeadlineFact::Set(set) => {
                self.all.insert(
                    set.id.clone(),
                    TrackedDeadline {
                        current: set.clone(),
                        extensions: 0,
                        met_at: None,
                        missed: false,
                        reminded_at: None,
                    },
                );
            }
            DeadlineFact::Met(met) => {
                if let Some(t) = self.all.get_mut(&met.id) {
                    t.met_at = Some(met.at);
                }
            }
            DeadlineFact::Extended(ext) => {
                if let Some(t) = self.all.get_mut(&ext.id) {
                    t.extensions += 1;
                    t.current.working_days = ext.working_days;
                    t.current.due_date = ext.new_due_date;
                    t.current.due_at = ext.new_due_at;
                    t.current.provisional = ext.provisional;
                }
            }
            DeadlineFact::Missed(missed) => {
                if let Some(t) = self.all.get_mut(&missed.id) {
                    t.missed = true;
                }
            }
            DeadlineFact::Recomputed(re) => {
                if let Some(t) = self.all.get_mut(&re.id) {
                    t.current.due_date = re.due_date;
                    t.current.due_at = re.due_at;
                    t.current.provisional = re.provisional;
                }
            }
            DeadlineFact::Reminded(reminded) => {
                if let Some(t) = self.all.get_mut(&reminded.id) {
                    t.reminded_at = Some(reminded.reminded_at);
                }
            }
        }
    }
}
