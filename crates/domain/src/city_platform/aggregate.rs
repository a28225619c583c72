//! The city-platform aggregate: commands, events and decisions.

use chrono::{DateTime, Utc};
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use serde::{Deserialize, Serialize};

use crate::actor::{Actor, DepartmentKind, DepartmentRef, Level};
use crate::authorization::{Action, Subject, authorize};
use crate::decide::Decide;
use crate::envelope::CommandEnvelope;
use crate::error::DomainError;
use crate::services::DomainServices;

/// 报送建设方案: the city's data authority submits its own platform's plan to the provincial authority
/// (第三十一条: 确需自行建设的,应当将建设方案报省政务数据主管部门审核).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmitPlatformPlan {
    /// Title of the plan.
    pub title: String,
    /// Why the city must build its own platform (确需自行建设).
    pub necessity: String,
    /// How it meets the province-wide standards and keeps the provincial platform's basic functions.
    pub conformity: String,
    /// The provincial data authority, as the engine resolved it.
    pub provincial_authority: DepartmentRef,
}

/// 审核通过: the provincial authority approves the plan (第三十一条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovePlatformPlan {
    /// Opinion.
    pub opinion: String,
}

/// 审核不通过: the provincial authority rejects the plan with reasons (第三十一条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectPlatformPlan {
    /// Reasons.
    pub reasons: String,
}

/// 对接和数据同步: record a synchronisation of the city platform with the provincial platform (第三十一条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordPlatformSync {
    /// When the synchronisation completed.
    pub synced_at: DateTime<Utc>,
    /// Catalog entries synchronised.
    pub entries: Vec<String>,
}

/// 数据回流: record data returned from the provincial platform to the city platform (第三十一条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordDataReturn {
    /// When it was returned.
    pub returned_at: DateTime<Utc>,
    /// Catalog entries returned.
    pub entries: Vec<String>,
    /// The city's request it answers (按照各地需求).
    pub demand: String,
}

/// Every command of a city platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CityPlatformCommand {
    /// See [`SubmitPlatformPlan`].
    SubmitPlatformPlan(SubmitPlatformPlan),
    /// See [`ApprovePlatformPlan`].
    ApprovePlatformPlan(ApprovePlatformPlan),
    /// See [`RejectPlatformPlan`].
    RejectPlatformPlan(RejectPlatformPlan),
    /// See [`RecordPlatformSync`].
    RecordPlatformSync(RecordPlatformSync),
    /// See [`RecordDataReturn`].
    RecordDataReturn(RecordDataReturn),
}

/// 建设方案已报送 (第三十一条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformPlanSubmitted {
    /// Sequence number of the submission.
    pub plan: u32,
    /// The city's data authority.
    pub city_authority: DepartmentRef,
    /// Title.
    pub title: String,
    /// Necessity.
    pub necessity: String,
    /// Conformity with the provincial standards.
    pub conformity: String,
    /// The provincial authority it was submitted to.
    pub provincial_authority: DepartmentRef,
    /// Who submitted it.
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// 建设方案已审核通过 (第三十一条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformPlanApproved {
    /// The plan approved.
    pub plan: u32,
    /// Opinion.
    pub opinion: String,
    /// Who approved it.
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// 建设方案未通过 (第三十一条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformPlanRejected {
    /// The plan rejected.
    pub plan: u32,
    /// Reasons.
    pub reasons: String,
    /// Who rejected it.
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// 已与省平台同步 (第三十一条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformSynced {
    /// When.
    pub synced_at: DateTime<Utc>,
    /// Entries.
    pub entries: Vec<String>,
    /// Who recorded it.
    pub by: Actor,
    /// When recorded.
    pub at: DateTime<Utc>,
}

/// 数据已回流 (第三十一条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataReturned {
    /// When.
    pub returned_at: DateTime<Utc>,
    /// Entries.
    pub entries: Vec<String>,
    /// The city's demand it answers.
    pub demand: String,
    /// Who recorded it.
    pub by: Actor,
    /// When recorded.
    pub at: DateTime<Utc>,
}

/// Every event of a city platform.
// The opening variant carries both authorities as resolved; events are built once and moved a few times.
#[allow(
    clippy::large_enum_variant,
    reason = "the opening variant carries the resolved parties"
)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CityPlatformEvent {
    /// See [`PlatformPlanSubmitted`].
    PlatformPlanSubmitted(PlatformPlanSubmitted),
    /// See [`PlatformPlanApproved`].
    PlatformPlanApproved(PlatformPlanApproved),
    /// See [`PlatformPlanRejected`].
    PlatformPlanRejected(PlatformPlanRejected),
    /// See [`PlatformSynced`].
    PlatformSynced(PlatformSynced),
    /// See [`DataReturned`].
    DataReturned(DataReturned),
}

impl CityPlatformEvent {
    /// The instant this event records an act at (`None` for the deadline facts that record none:
    /// set, extended, recomputed).
    pub fn at(&self) -> Option<DateTime<Utc>> {
        match self {
            CityPlatformEvent::PlatformPlanSubmitted(e) => Some(e.at),
            CityPlatformEvent::PlatformPlanApproved(e) => Some(e.at),
            CityPlatformEvent::PlatformPlanRejected(e) => Some(e.at),
            CityPlatformEvent::PlatformSynced(e) => Some(e.at),
            CityPlatformEvent::DataReturned(e) => Some(e.at),
        }
    }
}

impl DomainEvent for CityPlatformEvent {
    fn event_type(&self) -> String {
        match self {
            CityPlatformEvent::PlatformPlanSubmitted(_) => "PlatformPlanSubmitted",
            CityPlatformEvent::PlatformPlanApproved(_) => "PlatformPlanApproved",
            CityPlatformEvent::PlatformPlanRejected(_) => "PlatformPlanRejected",
            CityPlatformEvent::PlatformSynced(_) => "PlatformSynced",
            CityPlatformEvent::DataReturned(_) => "DataReturned",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}

/// Where a city platform stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlatformStatus {
    /// Nothing recorded.
    #[default]
    New,
    /// A plan awaits the provincial authority.
    Submitted,
    /// The last plan was rejected.
    Rejected,
    /// Approved: the platform may be built, synchronised and receive returned data.
    Approved,
}

/// A city's own platform (市级政务大数据平台, 第三十一条).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CityPlatform {
    status: PlatformStatus,
    city_authority: Option<DepartmentRef>,
    plans: u32,
    last_synced_at: Option<DateTime<Utc>>,
    returns: u32,
    /// The instant of the latest recorded fact (see `Decide::last_instant`).
    #[serde(default)]
    last_at: Option<DateTime<Utc>>,
}

impl CityPlatform {
    /// Where the platform stands.
    pub fn status(&self) -> PlatformStatus {
        self.status
    }

    /// Last synchronisation with the provincial platform.
    pub fn last_synced_at(&self) -> Option<DateTime<Utc>> {
        self.last_synced_at
    }

    /// Data returns recorded.
    pub fn returns(&self) -> u32 {
        self.returns
    }

    fn subject(&self, action: &'static str) -> Result<Subject, DomainError> {
        self.city_authority
            .as_ref()
            .map(Subject::of)
            .ok_or_else(|| DomainError::invalid_state(action, "no plan has been submitted"))
    }

    fn require(&self, action: &'static str, status: PlatformStatus) -> Result<(), DomainError> {
        if self.status == status {
            Ok(())
        } else {
            Err(DomainError::invalid_state(
                action,
                format!("the platform is {:?}", self.status).to_lowercase(),
            ))
        }
    }
}

impl Decide for CityPlatform {
    type Body = CityPlatformCommand;

    fn decide(
        &self,
        command: CommandEnvelope<CityPlatformCommand>,
        _services: &DomainServices,
    ) -> Result<Vec<CityPlatformEvent>, DomainError> {
        let CommandEnvelope { actor, at, body } = command;
        match body {
            CityPlatformCommand::SubmitPlatformPlan(c) => {
                let city = self
                    .city_authority
                    .clone()
                    .unwrap_or_else(|| actor.department.clone());
                authorize(Action::SubmitCityPlatform, &actor, &Subject::of(&city))?;
                if !matches!(self.status, PlatformStatus::New | PlatformStatus::Rejected) {
                    return Err(DomainError::invalid_state(
                        "submit a plan",
                        format!("the platform is {:?}", self.status).to_lowercase(),
                    ));
                }
                // Counties build no platform of their own (第三十一条第三款); only a city's authority submits.
                if city.kind != DepartmentKind::DataAuthority || city.level != Level::City {
                    return Err(DomainError::validation(
                        "city_authority",
                        "only a city's data authority submits a platform plan (第三十一条)",
                    ));
                }
                let p = &c.provincial_authority;
                if !(p.kind == DepartmentKind::DataAuthority
                    && p.level == Level::Province
                    && p.region.covers(Level::Province, &city.region))
                {
                    return Err(DomainError::validation(
                        "provincial_authority",
                        format!(
                            "{} is not the provincial data authority over the city",
                            p.code
                        ),
                    ));
                }
                if c.title.trim().is_empty() || c.necessity.trim().is_empty() {
                    return Err(DomainError::validation(
                        "plan",
                        "a plan has a title and states why the city must build its own (确需自行建设)",
                    ));
                }
                Ok(vec![CityPlatformEvent::PlatformPlanSubmitted(
                    PlatformPlanSubmitted {
                        plan: self.plans + 1,
                        city_authority: city,
                        title: c.title,
                        necessity: c.necessity,
                        conformity: c.conformity,
                        provincial_authority: c.provincial_authority,
                        by: actor,
                        at,
                    },
                )])
            }
            CityPlatformCommand::ApprovePlatformPlan(c) => {
                let subject = self.subject("approve a plan")?;
                authorize(Action::DecideCityPlatform, &actor, &subject)?;
                self.require("approve a plan", PlatformStatus::Submitted)?;
                Ok(vec![CityPlatformEvent::PlatformPlanApproved(
                    PlatformPlanApproved {
                        plan: self.plans,
                        opinion: c.opinion,
                        by: actor,
                        at,
                    },
                )])
            }
            CityPlatformCommand::RejectPlatformPlan(c) => {
                let subject = self.subject("reject a plan")?;
                authorize(Action::DecideCityPlatform, &actor, &subject)?;
                self.require("reject a plan", PlatformStatus::Submitted)?;
                DomainError::require_text("reasons", &c.reasons, "a rejection states its reasons")?;
                Ok(vec![CityPlatformEvent::PlatformPlanRejected(
                    PlatformPlanRejected {
                        plan: self.plans,
                        reasons: c.reasons,
                        by: actor,
                        at,
                    },
                )])
            }
            CityPlatformCommand::RecordPlatformSync(c) => {
                let subject = self.subject("record a sync")?;
                authorize(Action::SubmitCityPlatform, &actor, &subject)?;
                self.require("record a sync", PlatformStatus::Approved)?;
                if c.synced_at > at || self.last_synced_at.is_some_and(|last| c.synced_at < last) {
                    return Err(DomainError::validation(
                        "synced_at",
                        "a sync is recorded once it happened, in order",
                    ));
                }
                if c.entries.is_empty() {
                    return Err(DomainError::validation(
                        "entries",
                        "name the entries synchronised",
                    ));
                }
                Ok(vec![CityPlatformEvent::PlatformSynced(PlatformSynced {
                    synced_at: c.synced_at,
                    entries: c.entries,
                    by: actor,
                    at,
                })])
            }
            CityPlatformCommand::RecordDataReturn(c) => {
                let subject = self.subject("record a data return")?;
                authorize(Action::RecordDataReturn, &actor, &subject)?;
                self.require("record a data return", PlatformStatus::Approved)?;
                if c.returned_at > at {
                    return Err(DomainError::validation(
                        "returned_at",
                        "a return is recorded once it happened",
                    ));
                }
                if c.entries.is_empty() || c.demand.trim().is_empty() {
                    return Err(DomainError::validation(
                        "entries",
                        "name the entries returned and the demand they answer (按照各地需求)",
                    ));
                }
                Ok(vec![CityPlatformEvent::DataReturned(DataReturned {
                    returned_at: c.returned_at,
                    entries: c.entries,
                    demand: c.demand,
                    by: actor,
                    at,
                })])
            }
        }
    }

    fn last_instant(&self) -> Option<DateTime<Utc>> {
        self.last_at
    }
}

impl Aggregate for CityPlatform {
    const TYPE: &'static str = "CityPlatform";
    type Command = CommandEnvelope<CityPlatformCommand>;
    type Event = CityPlatformEvent;
    type Error = DomainError;
    type Services = DomainServices;

    async fn handle(
        &mut self,
        command: Self::Command,
        services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        crate::decide::handle_with_sink(self, command, services, sink).await
    }

    fn apply(&mut self, event: Self::Event) {
        self.last_at = self.last_at.max(event.at());
        match event {
            CityPlatformEvent::PlatformPlanSubmitted(e) => {
                self.plans = e.plan;
                self.city_authority = Some(e.city_authority);
                self.status = PlatformStatus::Submitted;
            }
            CityPlatformEvent::PlatformPlanApproved(_) => self.status = PlatformStatus::Approved,
            CityPlatformEvent::PlatformPlanRejected(_) => self.status = PlatformStatus::Rejected,
            CityPlatformEvent::PlatformSynced(e) => self.last_synced_at = Some(e.synced_at),
            CityPlatformEvent::DataReturned(_) => self.returns += 1,
        }
    }
}
