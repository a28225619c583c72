//! The security-incident aggregate.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use cqrs_es::Aggregate;
use cqrs_es::event_sink::EventSink;
use serde::{Deserialize, Serialize};

use crate::actor::{Actor, DepartmentCode, DepartmentKind, DepartmentRef};
use crate::authorization::{Action, Subject, authorize};
use crate::deadline::{DeadlineId, Deadlines, Obligation};
use crate::decide::Decide;
use crate::envelope::CommandEnvelope;
use crate::error::DomainError;
use crate::incident::command::{
    IncidentCommand, InformProvider, RecordInvestigation, ReportIncident, ReportTarget,
    ReportTargets, ReportToBody, Severity,
};
use crate::incident::event::{
    ImmediateMeasuresRecorded, IncidentClosed, IncidentEvent, IncidentInvestigated,
    IncidentReported, IncidentReportedToBody, IncidentResolved, PostIncidentReviewRecorded,
    ProviderInformed,
};
use crate::rules::DeadlineRule;
use crate::services::DomainServices;

/// Where an incident stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentStatus {
    /// Nothing recorded.
    #[default]
    New,
    /// 已报告: being handled.
    Reported,
    /// 已调查.
    Investigated,
    /// 已处置.
    Resolved,
    /// 已复盘.
    Reviewed,
    /// 已结案 (final).
    Closed,
}

/// A data security incident (政务数据安全事件, 第三十四条).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SecurityIncident {
    status: IncidentStatus,
    reporter: Option<DepartmentRef>,
    #[serde(default)]
    detected_at: Option<DateTime<Utc>>,
    report_to: Option<ReportTargets>,
    personal_information: bool,
    providers_to_inform: Vec<DepartmentCode>,
    informed: BTreeSet<DepartmentCode>,
    reported: BTreeSet<ReportTarget>,
    measures_recorded: bool,
    late_reports: u32,
    deadlines: Deadlines,
    /// The instant of the latest recorded fact (see `Decide::last_instant`).
    #[serde(default)]
    last_at: Option<DateTime<Utc>>,
}

/// The deadline of informing `provider`.
fn inform_deadline(provider: &DepartmentCode) -> DeadlineId {
    DeadlineId(format!("incident_inform_provider:{provider}"))
}

impl SecurityIncident {
    /// Where the incident stands.
    pub fn status(&self) -> IncidentStatus {
        self.status
    }

    /// The reporting department.
    pub fn reporter(&self) -> Option<&DepartmentRef> {
        self.reporter.as_ref()
    }

    /// Providers still to be informed.
    pub fn providers_not_informed(&self) -> Vec<&DepartmentCode> {
        self.providers_to_inform
            .iter()
            .filter(|p| !self.informed.contains(*p))
            .collect()
    }

    /// Bodies not yet reported to.
    pub fn bodies_not_reported(&self) -> Vec<ReportTarget> {
        ReportTarget::ALL
            .into_iter()
            .filter(|t| !self.reported.contains(t))
            .collect()
    }

    /// Whether immediate measures have been recorded.
    pub fn measures_recorded(&self) -> bool {
        self.measures_recorded
    }

    /// The incident's deadlines.
    pub fn deadlines(&self) -> &Deadlines {
        &self.deadlines
    }

    fn reporter_subject(&self, action: &'static str) -> Result<Subject, DomainError> {
        self.reporter
            .as_ref()
            .map(Subject::of)
            .ok_or_else(|| DomainError::invalid_state(action, "no incident has been reported"))
    }

    fn label(&self) -> String {
        format!("the incident is {:?}", self.status).to_lowercase()
    }

    fn require_open(&self, action: &'static str) -> Result<(), DomainError> {
        if self.status == IncidentStatus::Closed {
            Err(DomainError::invalid_state(action, self.label()))
        } else {
            Ok(())
        }
    }

    fn require(&self, action: &'static str, status: IncidentStatus) -> Result<(), DomainError> {
        if self.status == status {
            Ok(())
        } else {
            Err(DomainError::invalid_state(action, self.label()))
        }
    }

    fn report(
        &self,
        actor: Actor,
        at: DateTime<Utc>,
        c: ReportIncident,
        services: &DomainServices,
    ) -> Result<Vec<IncidentEvent>, DomainError> {
        authorize(
            Action::HandleSecurityIncident,
            &actor,
            &Subject::of(&actor.department),
        )?;
        if self.status != IncidentStatus::New {
            return Err(DomainError::invalid_state(
                "report",
                "the incident is already reported",
            ));
        }
        DomainError::require_text(
            "description",
            &c.description,
            "describe the incident (第三十四条)",
        )?;
        if c.detected_at > at {
            return Err(DomainError::validation(
                "detected_at",
                "an incident is reported once detected",
            ));
        }
        let reporter = actor.department.clone();
        check_targets(&reporter, &c.report_to)?;
        let providers_to_inform: Vec<DepartmentCode> = c
            .affected_entries
            .iter()
            .map(|e| e.provider.clone())
            .filter(|p| *p != reporter.code)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let hours = {
            let h = &services.rules.options.incident_report_hours;
            match c.severity {
                Severity::General => h.general,
                Severity::Larger => h.larger,
                Severity::Major => h.major,
                Severity::EspeciallyMajor => h.especially_major,
            }
        };
        let rule_set = services.rules.reference();
        let mut deadlines = Vec::new();
        for provider in &providers_to_inform {
            let obligation = Obligation {
                what: DeadlineRule::IncidentInformProvider,
                owed_by: reporter.code.clone(),
            };
            deadlines.push(Deadlines::set_within_hours(
                inform_deadline(provider),
                obligation,
                c.detected_at,
                hours,
                rule_set.clone(),
            )?);
        }
        for target in ReportTarget::ALL {
            let obligation = Obligation {
                what: DeadlineRule::IncidentReport,
                owed_by: reporter.code.clone(),
            };
            deadlines.push(Deadlines::set_within_hours(
                target.deadline(),
                obligation,
                c.detected_at,
                hours,
                rule_set.clone(),
            )?);
        }
        let mut events = vec![IncidentEvent::IncidentReported(IncidentReported {
            reporter,
            detected_at: c.detected_at,
            category: c.category,
            severity: c.severity,
            affected_entries: c.affected_entries,
            affected_grants: c.affected_grants,
            personal_information: c.personal_information,
            description: c.description,
            report_to: c.report_to,
            providers_to_inform,
            report_within_hours: hours,
            rule_set,
            by: actor,
            at,
        })];
        events.extend(deadlines.into_iter().map(Into::into));
        Ok(events)
    }

    fn inform(
        &self,
        actor: Actor,
        at: DateTime<Utc>,
        c: InformProvider,
    ) -> Result<Vec<IncidentEvent>, DomainError> {
        let subject = self.reporter_subject("inform a provider")?;
        authorize(Action::HandleSecurityIncident, &actor, &subject)?;
        self.require_open("inform a provider")?;
        if !self.providers_to_inform.contains(&c.provider) {
            return Err(DomainError::validation(
                "provider",
                format!("{} provides no affected entry", c.provider),
            ));
        }
        if self.informed.contains(&c.provider) {
            return Err(DomainError::invalid_state(
                "inform a provider",
                format!("{} is already informed", c.provider),
            ));
        }
        DomainError::require_text("channel", &c.channel, "state how the provider was informed")?;
        let deadline = inform_deadline(&c.provider);
        let facts: Vec<IncidentEvent> = self.deadlines.meet_events(&deadline, at)?;
        let late = self
            .deadlines
            .get(&deadline)
            .is_some_and(|d| at > d.current.due_at);
        let mut events = vec![IncidentEvent::ProviderInformed(ProviderInformed {
            provider: c.provider,
            channel: c.channel,
            deadline,
            late,
            by: actor,
            at,
        })];
        events.extend(facts);
        Ok(events)
    }

    fn report_to_body(
        &self,
        actor: Actor,
        at: DateTime<Utc>,
        c: ReportToBody,
    ) -> Result<Vec<IncidentEvent>, DomainError> {
        let subject = self.reporter_subject("report to a body")?;
        authorize(Action::HandleSecurityIncident, &actor, &subject)?;
        self.require_open("report to a body")?;
        let targets = self
            .report_to
            .as_ref()
            .ok_or_else(|| DomainError::invalid_state("report to a body", "no targets recorded"))?;
        if self.reported.contains(&c.target) {
            return Err(DomainError::invalid_state(
                "report to a body",
                format!("already reported to {}", c.target.key()),
            ));
        }
        DomainError::require_text("reference", &c.reference, "state the report's reference")?;
        let body = match c.target {
            ReportTarget::Cyberspace => targets.cyberspace.clone(),
            ReportTarget::PublicSecurity => targets.public_security.clone(),
            ReportTarget::DataAuthority => targets.data_authority.clone(),
        };
        let deadline = c.target.deadline();
        let facts: Vec<IncidentEvent> = self.deadlines.meet_events(&deadline, at)?;
        let late = self
            .deadlines
            .get(&deadline)
            .is_some_and(|d| at > d.current.due_at);
        let mut events = vec![IncidentEvent::IncidentReportedToBody(
            IncidentReportedToBody {
                target: c.target,
                body,
                reference: c.reference,
                deadline,
                late,
                by: actor,
                at,
            },
        )];
        events.extend(facts);
        Ok(events)
    }

    fn investigate(
        &self,
        actor: Actor,
        at: DateTime<Utc>,
        c: RecordInvestigation,
    ) -> Result<Vec<IncidentEvent>, DomainError> {
        let subject = self.reporter_subject("record the investigation")?;
        authorize(Action::HandleSecurityIncident, &actor, &subject)?;
        self.require("record the investigation", IncidentStatus::Reported)?;
        DomainError::require_text(
            "findings",
            &c.findings,
            "state the investigation's findings",
        )?;
        Ok(vec![IncidentEvent::IncidentInvestigated(
            IncidentInvestigated {
                findings: c.findings,
                leak_confirmed: c.leak_confirmed,
                responsible: c.responsible,
                personal_information: self.personal_information,
                by: actor,
                at,
            },
        )])
    }
}

/// The bodies must be of the right kind and have jurisdiction over the reporter; the data authority is the
/// reporter's same-level authority (第三十四条).
fn check_targets(reporter: &DepartmentRef, targets: &ReportTargets) -> Result<(), DomainError> {
    let body_ok = |body: &DepartmentRef, kind: DepartmentKind| {
        body.kind == kind && body.region.covers(body.level, &reporter.region)
    };
    if !body_ok(
        &targets.cyberspace,
        DepartmentKind::CyberspaceAdministration,
    ) {
        return Err(DomainError::validation(
            "report_to.cyberspace",
            format!(
                "{} is not a cyberspace administration over the reporter",
                targets.cyberspace.code
            ),
        ));
    }
    if !body_ok(&targets.public_security, DepartmentKind::PublicSecurity) {
        return Err(DomainError::validation(
            "report_to.public_security",
            format!(
                "{} is not a public security organ over the reporter",
                targets.public_security.code
            ),
        ));
    }
    if !targets
        .data_authority
        .is_authority_of(&reporter.region, reporter.level)
    {
        return Err(DomainError::validation(
            "report_to.data_authority",
            format!(
                "{} is not the reporter's same-level data authority",
                targets.data_authority.code
            ),
        ));
    }
    Ok(())
}

impl Decide for SecurityIncident {
    type Body = IncidentCommand;

    fn decide(
        &self,
        command: CommandEnvelope<IncidentCommand>,
        services: &DomainServices,
    ) -> Result<Vec<IncidentEvent>, DomainError> {
        let CommandEnvelope { actor, at, body } = command;
        match body {
            IncidentCommand::ReportIncident(c) => self.report(actor, at, c, services),
            IncidentCommand::RecordImmediateMeasures(c) => {
                let subject = self.reporter_subject("record measures")?;
                authorize(Action::HandleSecurityIncident, &actor, &subject)?;
                self.require_open("record measures")?;
                DomainError::require_text(
                    "measures",
                    &c.measures,
                    "state the measures taken (第三十四条)",
                )?;
                if c.taken_at > at {
                    return Err(DomainError::validation(
                        "taken_at",
                        "measures are recorded once taken",
                    ));
                }
                // 第三十四条: measures answer the incident, so they follow its detection; an earlier instant
                // would make the response look immediate when it was not.
                if let Some(detected_at) = self.detected_at
                    && c.taken_at < detected_at
                {
                    return Err(DomainError::validation(
                        "taken_at",
                        format!(
                            "measures are taken after the incident was detected at {detected_at} (第三十四条)"
                        ),
                    ));
                }
                Ok(vec![IncidentEvent::ImmediateMeasuresRecorded(
                    ImmediateMeasuresRecorded {
                        measures: c.measures,
                        taken_at: c.taken_at,
                        by: actor,
                        at,
                    },
                )])
            }
            IncidentCommand::InformProvider(c) => self.inform(actor, at, c),
            IncidentCommand::ReportToBody(c) => self.report_to_body(actor, at, c),
            IncidentCommand::RecordInvestigation(c) => self.investigate(actor, at, c),
            IncidentCommand::ResolveIncident(c) => {
                let subject = self.reporter_subject("resolve")?;
                authorize(Action::HandleSecurityIncident, &actor, &subject)?;
                self.require("resolve", IncidentStatus::Investigated)?;
                DomainError::require_text("resolution", &c.resolution, "state the resolution")?;
                Ok(vec![IncidentEvent::IncidentResolved(IncidentResolved {
                    resolution: c.resolution,
                    by: actor,
                    at,
                })])
            }
            IncidentCommand::RecordPostIncidentReview(c) => {
                let subject = self.reporter_subject("record the review")?;
                authorize(Action::HandleSecurityIncident, &actor, &subject)?;
                self.require("record the review", IncidentStatus::Resolved)?;
                DomainError::require_text(
                    "conclusions",
                    &c.conclusions,
                    "state the review's conclusions",
                )?;
                Ok(vec![IncidentEvent::PostIncidentReviewRecorded(
                    PostIncidentReviewRecorded {
                        conclusions: c.conclusions,
                        by: actor,
                        at,
                    },
                )])
            }
            IncidentCommand::CloseIncident(_) => {
                let subject = self.reporter_subject("close")?;
                authorize(Action::HandleSecurityIncident, &actor, &subject)?;
                self.require("close", IncidentStatus::Reviewed)?;
                // The duties to inform and report do not lapse (第三十四条): closing waits for all of them.
                let missing =
                    self.providers_not_informed().len() + self.bodies_not_reported().len();
                if missing > 0 || !self.measures_recorded {
                    return Err(DomainError::invalid_state(
                        "close",
                        format!(
                            "{missing} inform(s) or report(s) are outstanding or no measures are recorded"
                        ),
                    ));
                }
                Ok(vec![IncidentEvent::IncidentClosed(IncidentClosed {
                    late_reports: self.late_reports,
                    by: actor,
                    at,
                })])
            }
            IncidentCommand::MarkOverdue(c) => {
                let subject = self.reporter_subject("mark overdue")?;
                authorize(Action::MarkOverdue, &actor, &subject)?;
                self.deadlines.mark_overdue_events(&c.deadline, at)
            }
            IncidentCommand::RemindDeadline(c) => {
                let subject = self.reporter_subject("remind of a deadline")?;
                authorize(Action::RemindDeadline, &actor, &subject)?;
                // The windows of 第三十四条 are clock hours: the ledger refuses them a working-day reminder.
                self.deadlines.remind_events(&c.deadline, at, services)
            }
        }
    }

    fn last_instant(&self) -> Option<DateTime<Utc>> {
        self.last_at
    }
}

impl Aggregate for SecurityIncident {
    const TYPE: &'static str = "SecurityIncident";
    type Command = CommandEnvelope<IncidentCommand>;
    type Event = IncidentEvent;
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
            IncidentEvent::IncidentReported(e) => {
                self.reporter = Some(e.reporter);
                self.detected_at = Some(e.detected_at);
                self.report_to = Some(e.report_to);
                self.personal_information = e.personal_information;
                self.providers_to_inform = e.providers_to_inform;
                self.status = IncidentStatus::Reported;
            }
            IncidentEvent::ImmediateMeasuresRecorded(_) => self.measures_recorded = true,
            IncidentEvent::ProviderInformed(e) => {
                self.late_reports += u32::from(e.late);
                self.informed.insert(e.provider);
            }
            IncidentEvent::IncidentReportedToBody(e) => {
                self.late_reports += u32::from(e.late);
                self.reported.insert(e.target);
            }
            IncidentEvent::IncidentInvestigated(_) => self.status = IncidentStatus::Investigated,
            IncidentEvent::IncidentResolved(_) => self.status = IncidentStatus::Resolved,
            IncidentEvent::PostIncidentReviewRecorded(_) => self.status = IncidentStatus::Reviewed,
            IncidentEvent::IncidentClosed(_) => self.status = IncidentStatus::Closed,
            IncidentEvent::DeadlineSet(_)
            | IncidentEvent::DeadlineMet(_)
            | IncidentEvent::DeadlineExtended(_)
            | IncidentEvent::DeadlineMissed(_)
            | IncidentEvent::DeadlineRecomputed(_)
            | IncidentEvent::DeadlineReminded(_) => {}
        }
    }
}
