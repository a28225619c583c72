//! The verification-request aggregate.

use chrono::{DateTime, Utc};
use cqrs_es::Aggregate;
use cqrs_es::event_sink::EventSink;
use serde::{Deserialize, Serialize};

use crate::actor::{Actor, DepartmentRef};
use crate::authorization::{Action, Subject, authorize};
use crate::deadline::{DeadlineId, Deadlines, Obligation};
use crate::decide::Decide;
use crate::envelope::CommandEnvelope;
use crate::error::DomainError;
use crate::rules::DeadlineRule;
use crate::services::DomainServices;
use crate::text::is_blank;
use crate::verification::command::{
    FileVerificationRequest, RequestVerificationExtension, VerificationCommand, VerificationOutcome,
};
use crate::verification::event::{
    VerificationAnswered, VerificationDisputeConcluded, VerificationEvent,
    VerificationExtensionRefused, VerificationExtensionRequested, VerificationForwarded,
    VerificationRequested, VerificationResultAccepted, VerificationResultDisputed,
};

/// 第二十条: one extension (延长期限不超过10个工作日 reads as a single extension).
const MAX_EXTENSIONS: u32 = 1;

/// Where a verification request is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VerificationStatus {
    /// Nothing recorded yet.
    #[default]
    New,
    /// Filed with the authority, awaiting forwarding.
    Filed,
    /// With the provider, awaiting its answer.
    Forwarded,
    /// Answered, awaiting the requester.
    Answered,
    /// The requester accepted the answer.
    Accepted,
    /// Disputed, awaiting the authority's conclusion.
    Disputed,
    /// The authority concluded the dispute.
    Concluded,
}

/// A quality-verification request (校核申请, 第二十条).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Verification {
    requested: Option<VerificationRequested>,
    status: VerificationStatus,
    open: Option<DeadlineId>,
    answer_deadline: Option<DeadlineId>,
    extension_pending: Option<u32>,
    deadlines: Deadlines,
    /// The instant of the latest recorded fact (see `Decide::last_instant`).
    #[serde(default)]
    last_at: Option<DateTime<Utc>>,
}

impl Verification {
    /// Where the request is.
    pub fn status(&self) -> VerificationStatus {
        self.status
    }

    /// The request as filed.
    pub fn requested(&self) -> Option<&VerificationRequested> {
        self.requested.as_ref()
    }

    /// The request's deadlines.
    pub fn deadlines(&self) -> &Deadlines {
        &self.deadlines
    }

    fn filed(
        &self,
        action: &'static str,
    ) -> Result<(&DepartmentRef, &DepartmentRef, &DepartmentRef), DomainError> {
        self.requested
            .as_ref()
            .map(|r| (&r.requester, &r.authority, &r.provider))
            .ok_or_else(|| DomainError::invalid_state(action, "no request was filed"))
    }

    fn require(&self, action: &'static str, status: VerificationStatus) -> Result<(), DomainError> {
        if self.status == status {
            Ok(())
        } else {
            Err(DomainError::invalid_state(
                action,
                format!("the request is {:?}", self.status).to_lowercase(),
            ))
        }
    }

    fn set(
        &self,
        what: DeadlineRule,
        owed_by: &DepartmentRef,
        from: DateTime<Utc>,
        services: &DomainServices,
    ) -> Result<VerificationEvent, DomainError> {
        let obligation = Obligation {
            what,
            owed_by: owed_by.code.clone(),
        };
        let id = self.deadlines.next_id(what);
        Ok(Deadlines::set_from_instant(id, obligation, from, services)?.into())
    }

    fn meet_open(&self, at: DateTime<Utc>) -> Result<Vec<VerificationEvent>, DomainError> {
        self.deadlines.meet_open(self.open.as_ref(), at)
    }

    fn file(
        &self,
        actor: Actor,
        at: DateTime<Utc>,
        c: FileVerificationRequest,
        services: &DomainServices,
    ) -> Result<Vec<VerificationEvent>, DomainError> {
        authorize(
            Action::RequestShare,
            &actor,
            &Subject::of(&actor.department),
        )?;
        if self.status != VerificationStatus::New {
            return Err(DomainError::invalid_state(
                "file",
                "the request already exists",
            ));
        }
        let requester = &actor.department;
        if !c
            .authority
            .is_authority_of(&requester.region, requester.level)
        {
            return Err(DomainError::validation(
                "authority",
                format!(
                    "{} is not the requester's own data authority (本级政务数据主管部门, 第二十条)",
                    c.authority.code
                ),
            ));
        }
        DomainError::require_text(
            "defect",
            &c.defect,
            "a request describes the suspected defect (第二十条)",
        )?;
        let authority = c.authority.clone();
        Ok(vec![
            VerificationEvent::VerificationRequested(VerificationRequested {
                requester: requester.clone(),
                subject: c.subject,
                provider: c.provider,
                authority: c.authority,
                data_items: c.data_items,
                defect: c.defect,
                by: actor,
                at,
            }),
            self.set(DeadlineRule::VerificationForward, &authority, at, services)?,
        ])
    }

    fn request_extension(
        &self,
        actor: Actor,
        at: DateTime<Utc>,
        c: RequestVerificationExtension,
        services: &DomainServices,
    ) -> Result<Vec<VerificationEvent>, DomainError> {
        let (_, _, provider) = self.filed("request an extension")?;
        authorize(Action::ReplyToShareRequest, &actor, &Subject::of(provider))?;
        self.require("request an extension", VerificationStatus::Forwarded)?;
        if self.extension_pending.is_some() {
            return Err(DomainError::invalid_state(
                "request an extension",
                "a request is already pending",
            ));
        }
        let max = services.rules.days(DeadlineRule::VerificationExtensionMax);
        if c.working_days == 0 || c.working_days > max {
            return Err(DomainError::validation(
                "working_days",
                format!(
                    "an extension is 1 to {max} working days (第二十条: 延长期限不超过{max}个工作日)"
                ),
            ));
        }
        DomainError::require_text(
            "reason",
            &c.reason,
            "an extension states its reason (第二十条)",
        )?;
        let id = self.answer_deadline.clone().ok_or_else(|| {
            DomainError::invalid_state("request an extension", "no answer is owed")
        })?;
        self.deadlines
            .check_extension_request(&id, at, MAX_EXTENSIONS)?;
        let due_at = self.deadlines.get(&id).map_or(at, |d| d.current.due_at);
        Ok(vec![VerificationEvent::VerificationExtensionRequested(
            VerificationExtensionRequested {
                deadline: id,
                due_at,
                working_days: c.working_days,
                max_working_days: max,
                reason: c.reason,
                by: actor,
                at,
            },
        )])
    }

    fn pending_extension(&self, action: &'static str) -> Result<(DeadlineId, u32), DomainError> {
        match (&self.answer_deadline, self.extension_pending) {
            (Some(id), Some(days)) => Ok((id.clone(), days)),
            _ => Err(DomainError::invalid_state(
                action,
                "no extension request is pending",
            )),
        }
    }
}

impl Decide for Verification {
    type Body = VerificationCommand;

    fn decide(
        &self,
        command: CommandEnvelope<VerificationCommand>,
        services: &DomainServices,
    ) -> Result<Vec<VerificationEvent>, DomainError> {
        let CommandEnvelope { actor, at, body } = command;
        match body {
            VerificationCommand::FileVerificationRequest(c) => self.file(actor, at, c, services),
            VerificationCommand::ForwardVerificationRequest(_) => {
                let (_, authority, provider) = self.filed("forward")?;
                authorize(Action::ServeShareRequest, &actor, &Subject::of(authority))?;
                self.require("forward", VerificationStatus::Filed)?;
                let mut events = vec![VerificationEvent::VerificationForwarded(
                    VerificationForwarded {
                        provider: provider.code.clone(),
                        by: actor,
                        at,
                    },
                )];
                events.extend(self.meet_open(at)?);
                events.push(self.set(DeadlineRule::VerificationAnswer, provider, at, services)?);
                Ok(events)
            }
            VerificationCommand::RequestVerificationExtension(c) => {
                self.request_extension(actor, at, c, services)
            }
            VerificationCommand::ApproveVerificationExtension(_) => {
                let (_, authority, _) = self.filed("approve an extension")?;
                authorize(Action::ServeShareRequest, &actor, &Subject::of(authority))?;
                let (id, days) = self.pending_extension("approve an extension")?;
                // 第二十条: the extension is the number of working days asked for (at most the maximum),
                // counted from the current due day.
                Ok(vec![
                    self.deadlines
                        .extend_by_days(&id, days, &actor, services)?
                        .into(),
                ])
            }
            VerificationCommand::RefuseVerificationExtension(c) => {
                let (_, authority, _) = self.filed("refuse an extension")?;
                authorize(Action::ServeShareRequest, &actor, &Subject::of(authority))?;
                let (id, _) = self.pending_extension("refuse an extension")?;
                DomainError::require_text("reasons", &c.reasons, "a refusal states its reasons")?;
                Ok(vec![VerificationEvent::VerificationExtensionRefused(
                    VerificationExtensionRefused {
                        deadline: id,
                        reasons: c.reasons,
                        by: actor,
                        at,
                    },
                )])
            }
            VerificationCommand::AnswerVerification(c) => {
                let (_, _, provider) = self.filed("answer")?;
                authorize(Action::ReplyToShareRequest, &actor, &Subject::of(provider))?;
                self.require("answer", VerificationStatus::Forwarded)?;
                let blank = match &c.outcome {
                    VerificationOutcome::Explained { explanation } => is_blank(explanation),
                    VerificationOutcome::Corrected { corrections, .. } => {
                        corrections.iter().all(|x| is_blank(x))
                    }
                };
                if blank {
                    return Err(DomainError::validation(
                        "outcome",
                        "an answer explains the data or states what was corrected (第二十条: 释明或者修复)",
                    ));
                }
                let mut events = vec![VerificationEvent::VerificationAnswered(
                    VerificationAnswered {
                        outcome: c.outcome,
                        by: actor,
                        at,
                    },
                )];
                events.extend(self.meet_open(at)?);
                Ok(events)
            }
            VerificationCommand::AcceptVerificationResult(_) => {
                let (requester, _, _) = self.filed("accept")?;
                authorize(Action::RequestShare, &actor, &Subject::of(requester))?;
                self.require("accept", VerificationStatus::Answered)?;
                Ok(vec![VerificationEvent::VerificationResultAccepted(
                    VerificationResultAccepted { by: actor, at },
                )])
            }
            VerificationCommand::DisputeVerificationResult(c) => {
                let (requester, authority, _) = self.filed("dispute")?;
                authorize(Action::RequestShare, &actor, &Subject::of(requester))?;
                self.require("dispute", VerificationStatus::Answered)?;
                DomainError::require_text("reasons", &c.reasons, "a dispute states its reasons")?;
                Ok(vec![
                    VerificationEvent::VerificationResultDisputed(VerificationResultDisputed {
                        reasons: c.reasons,
                        authority: authority.code.clone(),
                        by: actor,
                        at,
                    }),
                    self.set(DeadlineRule::ObjectionCoordination, authority, at, services)?,
                ])
            }
            VerificationCommand::ConcludeVerificationDispute(c) => {
                let (_, authority, _) = self.filed("conclude a dispute")?;
                authorize(Action::ServeShareRequest, &actor, &Subject::of(authority))?;
                self.require("conclude a dispute", VerificationStatus::Disputed)?;
                DomainError::require_text("conclusion", &c.conclusion, "the conclusion is stated")?;
                let mut events = vec![VerificationEvent::VerificationDisputeConcluded(
                    VerificationDisputeConcluded {
                        conclusion: c.conclusion,
                        correction_required: c.correction_required,
                        by: actor,
                        at,
                    },
                )];
                events.extend(self.meet_open(at)?);
                Ok(events)
            }
            VerificationCommand::MarkOverdue(c) => {
                let (requester, _, _) = self.filed("mark a deadline overdue")?;
                authorize(Action::MarkOverdue, &actor, &Subject::of(requester))?;
                // An extension asked for in time keeps the answer open until the authority decides.
                if self.extension_pending.is_some()
                    && self.answer_deadline.as_ref() == Some(&c.deadline)
                    && self.deadlines.get(&c.deadline).is_some_and(|d| !d.missed)
                {
                    return Err(DomainError::ExtensionPending {
                        deadline: c.deadline,
                    });
                }
                self.deadlines.mark_overdue_events(&c.deadline, at)
            }
            VerificationCommand::RemindDeadline(c) => {
                let (requester, _, _) = self.filed("remind of a deadline")?;
                authorize(Action::RemindDeadline, &actor, &Subject::of(requester))?;
                self.deadlines.remind_events(&c.deadline, at, services)
            }
            VerificationCommand::RecomputeDeadlines(_) => {
                let (requester, _, _) = self.filed("recompute deadlines")?;
                authorize(Action::RecomputeDeadlines, &actor, &Subject::of(requester))?;
                self.deadlines.recompute_events(services)
            }
        }
    }

    fn last_instant(&self) -> Option<DateTime<Utc>> {
        self.last_at
    }
}

impl Aggregate for Verification {
    const TYPE: &'static str = "Verification";
    type Command = CommandEnvelope<VerificationCommand>;
    type Event = VerificationEvent;
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
        if let Some(fact) = event.deadline_fact() {
            self.deadlines.apply(&fact);
        }
        match event {
            VerificationEvent::VerificationRequested(e) => {
                self.requested = Some(e);
                self.status = VerificationStatus::Filed;
            }
            VerificationEvent::VerificationForwarded(_) => {
                self.status = VerificationStatus::Forwarded;
            }
            VerificationEvent::VerificationExtensionRequested(e) => {
                self.extension_pending = Some(e.working_days);
            }
            VerificationEvent::VerificationExtensionRefused(_)
            | VerificationEvent::DeadlineExtended(_) => self.extension_pending = None,
            VerificationEvent::VerificationAnswered(_) => {
                self.status = VerificationStatus::Answered;
                self.extension_pending = None;
            }
            VerificationEvent::VerificationResultAccepted(_) => {
                self.status = VerificationStatus::Accepted;
            }
            VerificationEvent::VerificationResultDisputed(_) => {
                self.status = VerificationStatus::Disputed;
            }
            VerificationEvent::VerificationDisputeConcluded(_) => {
                self.status = VerificationStatus::Concluded;
            }
            VerificationEvent::DeadlineSet(e) => {
                if e.obligation.what == DeadlineRule::VerificationAnswer {
                    self.answer_deadline = Some(e.id.clone());
                }
                self.open = Some(e.id);
            }
            VerificationEvent::DeadlineMet(e) => {
                if self.open.as_ref() == Some(&e.id) {
                    self.open = None;
                }
            }
            VerificationEvent::DeadlineMissed(_)
            | VerificationEvent::DeadlineRecomputed(_)
            | VerificationEvent::DeadlineReminded(_) => {}
        }
    }
}
