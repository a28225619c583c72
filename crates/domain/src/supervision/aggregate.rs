//! The supervision aggregate: commands, events and decisions.

use chrono::{DateTime, NaiveDate, Utc};
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use serde::{Deserialize, Serialize};

use crate::actor::{Actor, DepartmentRef};
use crate::authorization::{Action, Subject, authorize};
use crate::deadline::{
    DeadlineExtended, DeadlineFact, DeadlineId, DeadlineMet, DeadlineMissed, DeadlineRecomputed,
    DeadlineSet, Deadlines, Obligation, RecomputeDeadlines,
};
use crate::decide::Decide;
use crate::envelope::CommandEnvelope;
use crate::error::DomainError;
use crate::instant::beijing_date;
use crate::rules::DeadlineRule;
use crate::services::DomainServices;

/// 监督检查: record an inspection of a department's data-sharing work and its findings (第三十九条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordInspection {
    /// The inspected department as the engine resolved it.
    pub inspected: DepartmentRef,
    /// The Beijing date of the inspection.
    pub inspected_on: NaiveDate,
    /// Findings: the problems found (empty when none were found).
    pub findings: Vec<String>,
}

/// 督促整改: order rectification of the findings (第三十九条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderRectification {
    /// What must be rectified.
    pub requirements: String,
    /// Working days allowed, if the order sets its own length; otherwise the rule set's `rectification`.
    pub working_days: Option<u32>,
}

/// 报告整改情况: the department reports what it did (第三十九条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportRectification {
    /// What was done.
    pub measures: String,
}

/// 整改验收通过: the authority accepts the rectification (第三十九条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcceptRectification {
    /// Opinion.
    pub opinion: String,
}

/// 整改不通过: the authority rejects the rectification with reasons (第三十九条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectRectification {
    /// Reasons.
    pub reasons: String,
}

/// 通报批评: issue public criticism after an overdue or rejected rectification (第三十九条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuePublicCriticism {
    /// The notice's reference (文号).
    pub reference: String,
    /// Its content.
    pub content: String,
}

/// 记录逾期: the scheduler records that a rectification deadline passed (第四十一条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarkOverdue {
    /// The deadline.
    pub deadline: DeadlineId,
}

/// Every command of a supervision case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SupervisionCommand {
    /// See [`RecordInspection`].
    RecordInspection(RecordInspection),
    /// See [`OrderRectification`].
    OrderRectification(OrderRectification),
    /// See [`ReportRectification`].
    ReportRectification(ReportRectification),
    /// See [`AcceptRectification`].
    AcceptRectification(AcceptRectification),
    /// See [`RejectRectification`].
    RejectRectification(RejectRectification),
    /// See [`IssuePublicCriticism`].
    IssuePublicCriticism(IssuePublicCriticism),
    /// See [`MarkOverdue`].
    MarkOverdue(MarkOverdue),
    /// See [`RecomputeDeadlines`]: 重新计算期限, the scheduler's recomputation of the open provisional deadlines
    /// after a year's holiday arrangement is loaded (digest Decision, "Counting working days").
    RecomputeDeadlines(RecomputeDeadlines),
}

/// 监督检查已记录 (第三十九条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InspectionRecorded {
    /// The inspected department.
    pub inspected: DepartmentRef,
    /// Date of the inspection.
    pub inspected_on: NaiveDate,
    /// Findings.
    pub findings: Vec<String>,
    /// Who recorded it (the authority).
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// 已责令整改 (第三十九条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RectificationOrdered {
    /// Sequence number of the order in the case.
    pub order: u32,
    /// What must be rectified.
    pub requirements: String,
    /// Working days allowed.
    pub working_days: u32,
    /// Whether the order set its own length (otherwise the rule set's `rectification`).
    pub length_set_by_order: bool,
    /// The deadline it opens.
    pub deadline: DeadlineId,
    /// Who ordered it.
    pub by: Actor,
    /// When (the deadline counts from here).
    pub at: DateTime<Utc>,
}

/// 整改情况已报告 (第三十九条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RectificationReported {
    /// The order answered.
    pub order: u32,
    /// What was done.
    pub measures: String,
    /// Whether it came after the deadline.
    pub late: bool,
    /// Who reported.
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// 整改已验收 (第三十九条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RectificationAccepted {
    /// The order.
    pub order: u32,
    /// Opinion.
    pub opinion: String,
    /// Who accepted.
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// 整改未通过 (evidence for 第四十一条第七项, 拒不整改).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RectificationRejected {
    /// The order.
    pub order: u32,
    /// Reasons.
    pub reasons: String,
    /// Who rejected.
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// A recorded fact that allows public criticism.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CriticismGround {
    /// A rectification deadline was missed.
    Overdue {
        /// The deadline.
        deadline: DeadlineId,
        /// Its due instant.
        due_at: DateTime<Utc>,
    },
    /// A rectification was rejected.
    Rejected {
        /// The order whose rectification was rejected.
        order: u32,
    },
}

/// 已通报批评 (第三十九条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicCriticismIssued {
    /// The criticised department.
    pub department: DepartmentRef,
    /// The grounds found in the record.
    pub grounds: Vec<CriticismGround>,
    /// Reference.
    pub reference: String,
    /// Content.
    pub content: String,
    /// Who issued it (the authority or the government).
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// Every event of a supervision case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SupervisionEvent {
    /// See [`InspectionRecorded`].
    InspectionRecorded(InspectionRecorded),
    /// See [`RectificationOrdered`].
    RectificationOrdered(RectificationOrdered),
    /// See [`RectificationReported`].
    RectificationReported(RectificationReported),
    /// See [`RectificationAccepted`].
    RectificationAccepted(RectificationAccepted),
    /// See [`RectificationRejected`].
    RectificationRejected(RectificationRejected),
    /// See [`PublicCriticismIssued`].
    PublicCriticismIssued(PublicCriticismIssued),
    /// See [`DeadlineSet`].
    DeadlineSet(DeadlineSet),
    /// See [`DeadlineMet`].
    DeadlineMet(DeadlineMet),
    /// See [`DeadlineExtended`] (not emitted by this aggregate).
    DeadlineExtended(DeadlineExtended),
    /// See [`DeadlineMissed`].
    DeadlineMissed(DeadlineMissed),
    /// See [`DeadlineRecomputed`] (digest Decision: provisional deadlines recomputed once a year's holiday
    /// arrangement is loaded).
    DeadlineRecomputed(DeadlineRecomputed),
}

impl From<DeadlineFact> for SupervisionEvent {
    fn from(fact: DeadlineFact) -> Self {
        match fact {
            DeadlineFact::Set(e) => SupervisionEvent::DeadlineSet(e),
            DeadlineFact::Met(e) => SupervisionEvent::DeadlineMet(e),
            DeadlineFact::Extended(e) => SupervisionEvent::DeadlineExtended(e),
            DeadlineFact::Missed(e) => SupervisionEvent::DeadlineMissed(e),
            DeadlineFact::Recomputed(e) => SupervisionEvent::DeadlineRecomputed(e),
        }
    }
}

impl SupervisionEvent {
    /// The deadline fact this event is, if it is one.
    pub fn deadline_fact(&self) -> Option<DeadlineFact> {
        match self {
            SupervisionEvent::DeadlineSet(e) => Some(DeadlineFact::Set(e.clone())),
            SupervisionEvent::DeadlineMet(e) => Some(DeadlineFact::Met(e.clone())),
            SupervisionEvent::DeadlineExtended(e) => Some(DeadlineFact::Extended(e.clone())),
            SupervisionEvent::DeadlineMissed(e) => Some(DeadlineFact::Missed(e.clone())),
            SupervisionEvent::DeadlineRecomputed(e) => Some(DeadlineFact::Recomputed(e.clone())),
            _ => None,
        }
    }
}

impl SupervisionEvent {
    /// The instant this event records an act at (`None` for the deadline facts that record none:
    /// set, extended, recomputed).
    pub fn at(&self) -> Option<DateTime<Utc>> {
        match self {
            SupervisionEvent::InspectionRecorded(e) => Some(e.at),
            SupervisionEvent::RectificationOrdered(e) => Some(e.at),
            SupervisionEvent::RectificationReported(e) => Some(e.at),
            SupervisionEvent::RectificationAccepted(e) => Some(e.at),
            SupervisionEvent::RectificationRejected(e) => Some(e.at),
            SupervisionEvent::PublicCriticismIssued(e) => Some(e.at),
            SupervisionEvent::DeadlineSet(_) => None,
            SupervisionEvent::DeadlineMet(e) => Some(e.at),
            SupervisionEvent::DeadlineExtended(_) => None,
            SupervisionEvent::DeadlineMissed(e) => Some(e.marked_at),
            SupervisionEvent::DeadlineRecomputed(_) => None,
        }
    }
}

impl DomainEvent for SupervisionEvent {
    fn event_type(&self) -> String {
        match self {
            SupervisionEvent::InspectionRecorded(_) => "InspectionRecorded",
            SupervisionEvent::RectificationOrdered(_) => "RectificationOrdered",
            SupervisionEvent::RectificationReported(_) => "RectificationReported",
            SupervisionEvent::RectificationAccepted(_) => "RectificationAccepted",
            SupervisionEvent::RectificationRejected(_) => "RectificationRejected",
            SupervisionEvent::PublicCriticismIssued(_) => "PublicCriticismIssued",
            SupervisionEvent::DeadlineSet(_) => "DeadlineSet",
            SupervisionEvent::DeadlineMet(_) => "DeadlineMet",
            SupervisionEvent::DeadlineExtended(_) => "DeadlineExtended",
            SupervisionEvent::DeadlineMissed(_) => "DeadlineMissed",
            SupervisionEvent::DeadlineRecomputed(_) => "DeadlineRecomputed",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}

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
                if c.findings.iter().any(|f| f.trim().is_empty()) {
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
                if c.reference.trim().is_empty() || c.content.trim().is_empty() {
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
            | SupervisionEvent::DeadlineRecomputed(_) => {}
        }
    }
}
