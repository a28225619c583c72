//! The city-platform aggregate.

use chrono::{DateTime, Utc};
use cqrs_es::Aggregate;
use cqrs_es::event_sink::EventSink;
use serde::{Deserialize, Serialize};

use crate::actor::{DepartmentKind, DepartmentRef, Level};
use crate::authorization::{Action, Subject, authorize};
use crate::city_platform::command::CityPlatformCommand;
use crate::city_platform::event::{
    CityPlatformEvent, DataReturned, PlatformPlanApproved, PlatformPlanRejected,
    PlatformPlanSubmitted, PlatformSynced,
};
use crate::decide::Decide;
use crate::envelope::CommandEnvelope;
use crate::error::DomainError;
use crate::services::DomainServices;
use crate::text::is_blank;

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
                if is_blank(&c.title) || is_blank(&c.necessity) {
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
                if c.entries.is_empty() || is_blank(&c.demand) {
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
