//! The supervision aggregate.

use chrono::{DateTime, Utc};
use cqrs_es::Aggregate;
use cqrs_es::event_sink::EventSink;
use serde::{Deserialize, Serialize};

use crate::actor::DepartmentRef;
use crate::authorization::{Action, Subject, authorize};
use crate::deadline::{DeadlineId, Deadlines, Obligation};
use crate::decide::Decide;
use crate::envelope::CommandEnvelope;
use crate::error::DomainError;
use crate::instant::beijing_date;
use crate::rules::DeadlineRule;
use crate::services::DomainServices;
use crate::supervision::command::SupervisionCommand;
use crate::supervision::event::{
    CriticismGround, InspectionRecorded, PublicCriticismIssued, RectificationAccepted,
    RectificationOrdered, RectificationRejected, RectificationReported, SupervisionEvent,
};
use crate::text::is_blank;

/// Where a supervision case stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SupervisionStatus {
    /// Nothing recorded.
    #[default]
    New,
    /// Inspected; no order yet.
    Inspected,
    /// Rectification ordered; awaiting the department's report.
    Ordered,
    /// Reported; awaiting the authority.
    Reported,
    /// Accepted (final for the case, though criticism on earlier grounds remains possible).
    Accepted,
    /// Rejected; the authority may order again or criticise.
    Rejected,
}

/// A supervision case (监督检查) of one department.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Supervision {
    status: SupervisionStatus,
    inspected: Option<DepartmentRef>,
    findings: Vec<String>,
    orders: u32,
    rejected_orders: Vec<u32>,
    criticised: bool,
    deadlines: Deadlines,
    /// The instant of the latest recorded fact (see `Decide::last_instant`).
    #[serde(default)]
    last_at: Option<DateTime<Utc>>,
}

impl Supervision {
    /// Where the case stands.
    pub fn status(&self) -> SupervisionStatus {
        self.status
    }

    /// Whether public criticism has been issued.
    pub fn criticised(&self) -> bool {
        self.criticised
    }

    /// The case's deadlines.
    pub fn deadlines(&self) -> &Deadlines {
        &self.deadlines
    }

    fn subject(&self, action: &'static str) -> Result<(&DepartmentRef, Subject), DomainError> {
        let inspected = self
            .inspected
            .as_ref()
            .ok_or_else(|| DomainError::invalid_state(action, "no inspection is recorded"))?;
        Ok((inspected, Subject::of(inspected)))
    }

    fn label(&self) -> String {
        format!("the case is {:?}", self.status).to_lowercase()
    }

    fn current_deadline(&self) -> DeadlineId {
        DeadlineId::new(DeadlineRule::Rectification, self.orders)
    }

    /// The recorded facts that allow criticism: missed rectification deadlines and rejected rectifications.
    fn criticism_grounds(&self) -> Vec<CriticismGround> {
        let overdue =
            self.deadlines
                .iter()
                .filter(|d| d.missed)
                .map(|d| CriticismGround::Overdue {
                    deadline: d.current.id.clone(),
                    due_at: d.current.due_at,
                });
        let rejected = self
            .rejected_orders
            .iter()
            .map(|&order| CriticismGround::Rejected { order });
        overdue.chain(rejected).collect()
    }
}

impl Decide for Supervision {
    type Body = SupervisionCommand;

    fn decide(
        &self,
        command: CommandEnvelope<SupervisionCommand>,
        services: &DomainServices,
    ) -> Result<Vec<SupervisionEvent>, DomainError> {
        let CommandEnvelope { actor, at, body } = command;
        match body {
            SupervisionCommand::RecordInspection(c) => {
                authorize(Action::Supervise, &actor, &Subject::of(&c.inspected))?;
                if self.status != SupervisionStatus::New {
                    return Err(DomainError::invalid_state(
                        "record an inspection",
                        self.label(),
                    ));
                }
                if !c.inspected.kind.is_government_body() {
                    return Err(DomainError::validation(
                        "inspected",
                        "supervision concerns government departments (第三十九条)",
                    ));
                }
                if c.inspected_on > beijing_date("at", at)? {
                    return Err(DomainError::validation(
                        "inspected_on",
                        "an inspection is recorded once it has taken place",
                    ));
                }
                if c.findings.iter().any(|f| is_blank(f)) {
                    return Err(DomainError::validation(
                        "findings",
                        "a finding states the problem",
                    ));
                }
                Ok(vec![SupervisionEvent::InspectionRecorded(
                    InspectionRecorded {
                        inspected: c.inspected,
                        inspected_on: c.inspected_on,
                        findings: c.findings,
                        by: actor,
                        at,
                    },
                )])
            }
            SupervisionCommand::OrderRectification(c) => {
                let (inspected, subject) = self.subject("order rectification")?;
                authorize(Action::Supervise, &actor, &subject)?;
                if !matches!(
                    self.status,
                    SupervisionStatus::Inspected | SupervisionStatus::Rejected
                ) {
                    return Err(DomainError::invalid_state(
                        "order rectification",
                        self.label(),
                    ));
                }
                if self.findings.is_empty() {
                    return Err(DomainError::invalid_state(
                        "order rectification",
                        "the inspection found nothing to rectify",
                    ));
                }
                DomainError::require_text(
                    "requirements",
                    &c.requirements,
                    "state what must be rectified",
                )?;
                let order = self.orders + 1;
                let id = DeadlineId::new(DeadlineRule::Rectification, order);
                let obligation = Obligation {
                    what: DeadlineRule::Rectification,
                    owed_by: inspected.code.clone(),
                };
                let (set, working_days) = match c.working_days {
                    Some(0) => {
                        return Err(DomainError::validation(
                            "working_days",
                            "a rectification period is at least one working day",
                        ));
                    }
                    Some(n) => (
                        Deadlines::set_from_instant_for_days(
                            id.clone(),
                            obligation,
                            at,
                            n,
                            services,
                        )?,
                        n,
                    ),
                    None => (
                        Deadlines::set_from_instant(id.clone(), obligation, at, services)?,
                        services.rules.days(DeadlineRule::Rectification),
                    ),
                };
                Ok(vec![
                    SupervisionEvent::RectificationOrdered(RectificationOrdered {
                        order,
                        requirements: c.requirements,
                        working_days,
                        length_set_by_order: c.working_days.is_some(),
                        deadline: id,
                        by: actor,
                        at,
                    }),
                    set.into(),
                ])
            }
            SupervisionCommand::ReportRectification(c) => {
                let (_, subject) = self.subject("report rectification")?;
                authorize(Action::ReportRectification, &actor, &subject)?;
                if self.status != SupervisionStatus::Ordered {
                    return Err(DomainError::invalid_state(
                        "report rectification",
                        self.label(),
                    ));
                }
                DomainError::require_text("measures", &c.measures, "state what was done")?;
                let id = self.current_deadline();
                let facts: Vec<SupervisionEvent> = self.deadlines.meet_events(&id, at)?;
                let late = self
                    .deadlines
                    .get(&id)
                    .is_some_and(|d| at > d.current.due_at);
                let mut events = vec![SupervisionEvent::RectificationReported(
                    RectificationReported {
                        order: self.orders,
                        measures: c.measures,
                        late,
                        by: actor,
                        at,
                    },
                )];
                events.extend(facts);
                Ok(events)
            }
            SupervisionCommand::AcceptRectification(c) => {
                let (_, subject) = self.subject("accept rectification")?;
                authorize(Action::Supervise, &actor, &subject)?;
                if self.status != SupervisionStatus::Reported {
                    return Err(DomainError::invalid_state(
                        "accept rectification",
                        self.label(),
                    ));
                }
                Ok(vec![SupervisionEvent::RectificationAccepted(
                    RectificationAccepted {
                        order: self.orders,
                        opinion: c.opinion,
                        by: actor,
                        at,
                    },
                )])
            }
            SupervisionCommand::RejectRectification(c) => {
                let (_, subject) = self.subject("reject rectification")?;
                authorize(Action::Supervise, &actor, &subject)?;
                if self.status != SupervisionStatus::Reported {
                    return Err(DomainError::invalid_state(
                        "reject rectification",
                        self.label(),
                    ));
                }
                DomainError::require_text("reasons", &c.reasons, "a rejection states its reasons")?;
                Ok(vec![SupervisionEvent::RectificationRejected(
                    RectificationRejected {
                        order: self.orders,
                        reasons: c.reasons,
                        by: actor,
                        at,
                    },
                )])
            }
            SupervisionCommand::IssuePublicCriticism(c) => {
                let (inspected, subject) = self.subject("issue public criticism")?;
                authorize(Action::IssuePublicCriticism, &actor, &subject)?;
                if self.criticised {
                    return Err(DomainError::invalid_state(
                        "issue public criticism",
                        "criticism has already been issued in this case",
                    ));
                }
                let grounds = self.criticism_grounds();
                if grounds.is_empty() {
                    return Err(DomainError::invalid_state(
                        "issue public criticism",
                        "no rectification is overdue or rejected (第三十九条: 情节严重)",
                    ));
                }
                if is_blank(&c.reference) || is_blank(&c.content) {
                    return Err(DomainError::validation(
                        "criticism",
                        "a notice has a reference and content",
                    ));
                }
                Ok(vec![SupervisionEvent::PublicCriticismIssued(
                    PublicCriticismIssued {
                        department: inspected.clone(),
                        grounds,
                        reference: c.reference,
                        content: c.content,
                        by: actor,
                        at,
                    },
                )])
            }
            SupervisionCommand::MarkOverdue(c) => {
                let (_, subject) = self.subject("mark overdue")?;
                authorize(Action::MarkOverdue, &actor, &subject)?;
                self.deadlines.mark_overdue_events(&c.deadline, at)
            }
            SupervisionCommand::RemindDeadline(c) => {
                let (_, subject) = self.subject("remind of a deadline")?;
                authorize(Action::RemindDeadline, &actor, &subject)?;
                self.deadlines.remind_events(&c.deadline, at, services)
            }
            SupervisionCommand::RecomputeDeadlines(_) => {
                let (_, subject) = self.subject("recompute deadlines")?;
                authorize(Action::RecomputeDeadlines, &actor, &subject)?;
                self.deadlines.recompute_events(services)
            }
        }
    }

    fn last_instant(&self) -> Option<DateTime<Utc>> {
        self.last_at
    }
}

impl Aggregate for Supervision {
    const TYPE: &'static str = "Supervision";
    type Command = CommandEnvelope<SupervisionCommand>;
    type Event = SupervisionEvent;
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
            SupervisionEvent::InspectionRecorded(e) => {
                self.inspected = Some(e.inspected);
                self.findings = e.findings;
                self.status = SupervisionStatus::Inspected;
            }
            SupervisionEvent::RectificationOrdered(e) => {
                self.orders = e.order;
                self.status = SupervisionStatus::Ordered;
            }
            SupervisionEvent::RectificationReported(_) => self.status = SupervisionStatus::Reported,
            SupervisionEvent::RectificationAccepted(_) => self.status = SupervisionStatus::Accepted,
            SupervisionEvent::RectificationRejected(e) => {
                self.rejected_orders.push(e.order);
                self.status = SupervisionStatus::Rejected;
            }
            SupervisionEvent::PublicCriticismIssued(_) => self.criticised = true,
            SupervisionEvent::DeadlineSet(_)
            | SupervisionEvent::DeadlineMet(_)
            | SupervisionEvent::DeadlineExtended(_)
            | SupervisionEvent::DeadlineMissed(_)
            | SupervisionEvent::DeadlineRecomputed(_)
            | SupervisionEvent::DeadlineReminded(_) => {}
        }
    }
}
