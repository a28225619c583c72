//! The third-party engagement aggregate.

use chrono::{DateTime, NaiveDate, Utc};
use cqrs_es::Aggregate;
use cqrs_es::event_sink::EventSink;
use serde::{Deserialize, Serialize};

use crate::actor::{Actor, DepartmentKind, DepartmentRef};
use crate::authorization::{Action, Subject, authorize};
use crate::decide::Decide;
use crate::envelope::CommandEnvelope;
use crate::error::DomainError;
use crate::instant::beijing_date;
use crate::services::DomainServices;
use crate::text::is_blank;
use crate::third_party::command::{
    EngagementTerm, RecordContractorUse, RecordPriorReview, ThirdPartyCommand,
};
use crate::third_party::event::{
    ContractorUseRecorded, EngagementEnded, PriorReviewRecorded, ThirdPartyEngaged,
    ThirdPartyEvent, ThirdPartyViolationRecorded, ViolationReason,
};

/// Where an engagement stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EngagementStatus {
    /// Nothing recorded.
    #[default]
    New,
    /// The last prior review refused the engagement.
    ReviewRefused,
    /// The prior review approved it; not yet engaged.
    ReviewApproved,
    /// Engaged.
    Engaged,
    /// Ended (final).
    Ended,
}

/// A third-party engagement (委托第三方, 第三十七条).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ThirdPartyEngagement {
    status: EngagementStatus,
    engaging: Option<DepartmentRef>,
    review: Option<PriorReviewRecorded>,
    reviews: u32,
    term: Option<EngagementTerm>,
    engaged_at: Option<DateTime<Utc>>,
    data: Vec<String>,
    ended_at: Option<DateTime<Utc>>,
    uses: u32,
    violations: u32,
    /// The instant of the latest recorded fact (see `Decide::last_instant`).
    #[serde(default)]
    last_at: Option<DateTime<Utc>>,
}

impl ThirdPartyEngagement {
    /// Where the engagement stands.
    pub fn status(&self) -> EngagementStatus {
        self.status
    }

    /// Uses recorded.
    pub fn uses(&self) -> u32 {
        self.uses
    }

    /// Violations recorded.
    pub fn violations(&self) -> u32 {
        self.violations
    }

    fn subject(&self, action: &'static str) -> Result<Subject, DomainError> {
        self.engaging
            .as_ref()
            .map(Subject::of)
            .ok_or_else(|| DomainError::invalid_state(action, "no prior review is recorded"))
    }

    fn label(&self) -> String {
        format!("the engagement is {:?}", self.status).to_lowercase()
    }

    fn review(
        &self,
        actor: Actor,
        at: DateTime<Utc>,
        c: RecordPriorReview,
    ) -> Result<Vec<ThirdPartyEvent>, DomainError> {
        let engaging = self
            .engaging
            .clone()
            .unwrap_or_else(|| actor.department.clone());
        authorize(
            Action::ReviewThirdPartyEngagement,
            &actor,
            &Subject::of(&engaging),
        )?;
        if !matches!(
            self.status,
            EngagementStatus::New | EngagementStatus::ReviewRefused
        ) {
            return Err(DomainError::invalid_state(
                "record a prior review",
                self.label(),
            ));
        }
        if c.contractor.kind != DepartmentKind::ThirdParty
            || c.contractor.principal.as_ref() != Some(&engaging.code)
        {
            return Err(DomainError::validation(
                "contractor",
                format!(
                    "{} is not a third party bound to {} (第三十七条)",
                    c.contractor.code, engaging.code
                ),
            ));
        }
        if is_blank(&c.scope) || c.data.is_empty() || c.systems.is_empty() {
            return Err(DomainError::validation(
                "scope",
                "state the scope, the systems and the data touched (第三十七条: 明确工作规范)",
            ));
        }
        if c.term.starts_on > c.term.ends_on {
            return Err(DomainError::validation(
                "term",
                "the term ends before it starts",
            ));
        }
        DomainError::require_text(
            "office",
            &c.office.name,
            "name the responsible office (第六条)",
        )?;
        DomainError::require_text("opinion", &c.opinion, "state the review opinion")?;
        Ok(vec![ThirdPartyEvent::PriorReviewRecorded(
            PriorReviewRecorded {
                review: self.reviews + 1,
                engaging,
                contractor: c.contractor,
                scope: c.scope,
                systems: c.systems,
                data: c.data,
                term: c.term,
                office: c.office,
                approved: c.approved,
                opinion: c.opinion,
                by: actor,
                at,
            },
        )])
    }

    fn record_use(
        &self,
        actor: Actor,
        at: DateTime<Utc>,
        c: RecordContractorUse,
    ) -> Result<Vec<ThirdPartyEvent>, DomainError> {
        let subject = self.subject("record a use")?;
        authorize(Action::RecordThirdPartyUse, &actor, &subject)?;
        let contractor = self
            .review
            .as_ref()
            .map(|r| r.contractor.code.clone())
            .ok_or_else(|| {
                DomainError::invalid_state("record a use", "no prior review is recorded")
            })?;
        if actor.department.kind == DepartmentKind::ThirdParty
            && actor.department.code != contractor
        {
            return Err(DomainError::validation(
                "contractor",
                format!(
                    "{} is not the contractor of this engagement",
                    actor.department.code
                ),
            ));
        }
        if c.used_at > at {
            return Err(DomainError::validation(
                "used_at",
                "a use is recorded once it has happened",
            ));
        }
        if is_blank(&c.entry_id) || is_blank(&c.purpose) {
            return Err(DomainError::validation(
                "use",
                "name the entry used and the purpose (事中留痕)",
            ));
        }
        let used_on = beijing_date("used_at", c.used_at)?;
        let reason = self.violation(&c, used_on);
        let use_seq = self.uses + 1;
        let mut events = vec![ThirdPartyEvent::ContractorUseRecorded(
            ContractorUseRecorded {
                use_seq,
                contractor: contractor.clone(),
                entry_id: c.entry_id.clone(),
                purpose: c.purpose,
                used_at: c.used_at,
                within_engagement: reason.is_none(),
                by: actor,
                at,
            },
        )];
        if let Some(reason) = reason {
            events.push(ThirdPartyEvent::ThirdPartyViolationRecorded(
                ThirdPartyViolationRecorded {
                    use_seq,
                    contractor,
                    engaging: subject.department,
                    reason,
                    entry_id: c.entry_id,
                    used_at: c.used_at,
                    at,
                },
            ));
        }
        Ok(events)
    }

    /// Why a use falls outside the engagement, if it does: the engagement's state at the instant of use.
    fn violation(&self, c: &RecordContractorUse, day: NaiveDate) -> Option<ViolationReason> {
        let Some(term) = &self.term else {
            return Some(ViolationReason::NotEngaged);
        };
        // The use is judged against the engagement as it stood at the instant of use, which may be
        // earlier than when the use is recorded: nothing was in force before the engagement was made.
        if self.engaged_at.is_none_or(|engaged| c.used_at < engaged) {
            Some(ViolationReason::NotEngaged)
        } else if self.ended_at.is_some_and(|ended| c.used_at > ended) {
            Some(ViolationReason::AfterEnd)
        } else if day < term.starts_on {
            Some(ViolationReason::BeforeTerm)
        } else if day > term.ends_on {
            Some(ViolationReason::Expired)
        } else if !self.data.contains(&c.entry_id) {
            Some(ViolationReason::OutsideScope)
        } else {
            None
        }
    }
}

impl Decide for ThirdPartyEngagement {
    type Body = ThirdPartyCommand;

    fn decide(
        &self,
        command: CommandEnvelope<ThirdPartyCommand>,
        _services: &DomainServices,
    ) -> Result<Vec<ThirdPartyEvent>, DomainError> {
        let CommandEnvelope { actor, at, body } = command;
        match body {
            ThirdPartyCommand::RecordPriorReview(c) => self.review(actor, at, c),
            ThirdPartyCommand::EngageThirdParty(c) => {
                let subject = self.subject("engage")?;
                authorize(Action::EngageThirdParty, &actor, &subject)?;
                // 事前审核 comes first: no engagement without an approved review.
                let review = match (&self.status, &self.review) {
                    (EngagementStatus::ReviewApproved, Some(r)) => r,
                    _ => return Err(DomainError::invalid_state("engage", self.label())),
                };
                DomainError::require_text(
                    "contract_reference",
                    &c.contract_reference,
                    "name the contract",
                )?;
                if beijing_date("at", at)? > review.term.ends_on {
                    return Err(DomainError::validation(
                        "term",
                        "the reviewed term has already expired",
                    ));
                }
                Ok(vec![ThirdPartyEvent::ThirdPartyEngaged(
                    ThirdPartyEngaged {
                        review: review.review,
                        contractor: review.contractor.clone(),
                        scope: review.scope.clone(),
                        systems: review.systems.clone(),
                        data: review.data.clone(),
                        term: review.term,
                        contract_reference: c.contract_reference,
                        by: actor,
                        at,
                    },
                )])
            }
            ThirdPartyCommand::RecordContractorUse(c) => self.record_use(actor, at, c),
            ThirdPartyCommand::EndEngagement(c) => {
                let subject = self.subject("end")?;
                authorize(Action::EngageThirdParty, &actor, &subject)?;
                if self.status != EngagementStatus::Engaged {
                    return Err(DomainError::invalid_state("end", self.label()));
                }
                DomainError::require_text("reason", &c.reason, "state why it ends")?;
                Ok(vec![ThirdPartyEvent::EngagementEnded(EngagementEnded {
                    reason: c.reason,
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

impl Aggregate for ThirdPartyEngagement {
    const TYPE: &'static str = "ThirdPartyEngagement";
    type Command = CommandEnvelope<ThirdPartyCommand>;
    type Event = ThirdPartyEvent;
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
            ThirdPartyEvent::PriorReviewRecorded(e) => {
                self.reviews = e.review;
                self.engaging = Some(e.engaging.clone());
                self.status = if e.approved {
                    EngagementStatus::ReviewApproved
                } else {
                    EngagementStatus::ReviewRefused
                };
                self.review = Some(e);
            }
            ThirdPartyEvent::ThirdPartyEngaged(e) => {
                self.status = EngagementStatus::Engaged;
                self.term = Some(e.term);
                self.engaged_at = Some(e.at);
                self.data = e.data;
            }
            ThirdPartyEvent::ContractorUseRecorded(e) => self.uses = e.use_seq,
            ThirdPartyEvent::ThirdPartyViolationRecorded(_) => self.violations += 1,
            ThirdPartyEvent::EngagementEnded(e) => {
                self.status = EngagementStatus::Ended;
                self.ended_at = Some(e.at);
            }
        }
    }
}
