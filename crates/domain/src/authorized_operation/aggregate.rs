//! The authorized-operation aggregate.

use chrono::{DateTime, NaiveDate, Utc};
use cqrs_es::Aggregate;
use cqrs_es::event_sink::EventSink;
use serde::{Deserialize, Serialize};

use crate::actor::{DepartmentKind, Level};
use crate::authorization::{Action, Subject, authorize};
use crate::authorized_operation::command::{AuthorizedOperationCommand, RecordOperationUse};
use crate::authorized_operation::event::{
    AuthorizedOperationEvent, OperationGranted, OperationRevoked, OperationUseRecorded,
    OperationViolation, OperationViolationRecorded,
};
use crate::decide::Decide;
use crate::envelope::CommandEnvelope;
use crate::error::DomainError;
use crate::instant::beijing_date;
use crate::services::DomainServices;
use crate::text::is_blank;

/// Where an authorized operation stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OperationStatus {
    /// Nothing recorded.
    #[default]
    New,
    /// Granted.
    Granted,
    /// Revoked (final).
    Revoked,
}

/// An authorized operation (授权运营) of named entries by one operator.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AuthorizedOperation {
    status: OperationStatus,
    grant: Option<OperationGranted>,
    revoked_at: Option<DateTime<Utc>>,
    uses: Vec<String>,
    /// The instant of the latest recorded fact (see `Decide::last_instant`).
    #[serde(default)]
    last_at: Option<DateTime<Utc>>,
}

impl AuthorizedOperation {
    /// Where it stands.
    pub fn status(&self) -> OperationStatus {
        self.status
    }

    /// Ids of the uses recorded.
    pub fn uses(&self) -> &[String] {
        &self.uses
    }

    fn granted(&self, action: &'static str) -> Result<&OperationGranted, DomainError> {
        self.grant
            .as_ref()
            .ok_or_else(|| DomainError::invalid_state(action, "nothing has been granted"))
    }

    fn violations(
        &self,
        grant: &OperationGranted,
        c: &RecordOperationUse,
        day: NaiveDate,
    ) -> Vec<OperationViolation> {
        let mut found = Vec::new();
        if !grant.entries.contains(&c.entry_id) {
            found.push(OperationViolation::EntryNotGranted {
                entry_id: c.entry_id.clone(),
            });
        }
        if c.purpose_code != grant.purpose_code {
            found.push(OperationViolation::OtherPurpose {
                used_for: c.purpose_code.clone(),
                granted_for: grant.purpose_code.clone(),
            });
        }
        if day < grant.term.starts_on {
            found.push(OperationViolation::BeforeTerm {
                starts_on: grant.term.starts_on,
            });
        }
        if day > grant.term.ends_on {
            found.push(OperationViolation::AfterExpiry {
                ends_on: grant.term.ends_on,
            });
        }
        if let Some(revoked_at) = self.revoked_at.filter(|r| c.used_at > *r) {
            found.push(OperationViolation::AfterRevocation { revoked_at });
        }
        found
    }
}

impl Decide for AuthorizedOperation {
    type Body = AuthorizedOperationCommand;

    fn decide(
        &self,
        command: CommandEnvelope<AuthorizedOperationCommand>,
        _services: &DomainServices,
    ) -> Result<Vec<AuthorizedOperationEvent>, DomainError> {
        let CommandEnvelope { actor, at, body } = command;
        match body {
            AuthorizedOperationCommand::GrantOperation(c) => {
                authorize(
                    Action::GrantAuthorizedOperation,
                    &actor,
                    &Subject::of(&actor.department),
                )?;
                if self.status != OperationStatus::New {
                    return Err(DomainError::invalid_state("grant", "already granted"));
                }
                // AUTH-14 admits a provincial authority over its own region; make the level explicit anyway.
                if actor.department.kind != DepartmentKind::DataAuthority
                    || actor.department.level != Level::Province
                {
                    return Err(DomainError::validation(
                        "authority",
                        "only the provincial data authority grants operation (第二十八条)",
                    ));
                }
                if is_blank(&c.operator.name) || c.operator.credit_code.chars().count() != 18 {
                    return Err(DomainError::validation(
                        "operator",
                        "name the operator and its 18-character unified social credit code",
                    ));
                }
                if c.entries.is_empty() || is_blank(&c.purpose_code) || is_blank(&c.scope) {
                    return Err(DomainError::validation(
                        "scope",
                        "name the entries, the purpose and the scope",
                    ));
                }
                if c.term.starts_on > c.term.ends_on {
                    return Err(DomainError::validation(
                        "term",
                        "the term ends before it starts",
                    ));
                }
                Ok(vec![AuthorizedOperationEvent::OperationGranted(
                    OperationGranted {
                        authority: actor.department.clone(),
                        operator: c.operator,
                        entries: c.entries,
                        purpose_code: c.purpose_code,
                        scope: c.scope,
                        term: c.term,
                        by: actor,
                        at,
                    },
                )])
            }
            AuthorizedOperationCommand::RevokeOperation(c) => {
                let grant = self.granted("revoke")?;
                authorize(
                    Action::GrantAuthorizedOperation,
                    &actor,
                    &Subject::of(&grant.authority),
                )?;
                if self.status != OperationStatus::Granted {
                    return Err(DomainError::invalid_state("revoke", "already revoked"));
                }
                DomainError::require_text("reason", &c.reason, "state why it is revoked")?;
                Ok(vec![AuthorizedOperationEvent::OperationRevoked(
                    OperationRevoked {
                        reason: c.reason,
                        by: actor,
                        at,
                    },
                )])
            }
            AuthorizedOperationCommand::RecordOperationUse(c) => {
                let grant = self.granted("record a use")?;
                authorize(
                    Action::RecordOperationUse,
                    &actor,
                    &Subject::of(&grant.authority),
                )?;
                if is_blank(&c.use_id) || self.uses.contains(&c.use_id) {
                    return Err(DomainError::validation(
                        "use_id",
                        "a use has a new, non-empty id",
                    ));
                }
                if c.used_at > at {
                    return Err(DomainError::validation(
                        "used_at",
                        "a use is recorded once it has happened",
                    ));
                }
                let used_on = beijing_date("used_at", c.used_at)?;
                let violations = self.violations(grant, &c, used_on);
                let mut events = vec![AuthorizedOperationEvent::OperationUseRecorded(
                    OperationUseRecorded {
                        use_id: c.use_id.clone(),
                        entry_id: c.entry_id,
                        purpose_code: c.purpose_code,
                        record_count: c.record_count,
                        used_at: c.used_at,
                        violations: violations.clone(),
                        by: actor,
                        at,
                    },
                )];
                if !violations.is_empty() {
                    events.push(AuthorizedOperationEvent::OperationViolationRecorded(
                        OperationViolationRecorded {
                            use_id: c.use_id,
                            operator: grant.operator.clone(),
                            violations,
                            used_at: c.used_at,
                            at,
                        },
                    ));
                }
                Ok(events)
            }
        }
    }

    fn last_instant(&self) -> Option<DateTime<Utc>> {
        self.last_at
    }
}

impl Aggregate for AuthorizedOperation {
    const TYPE: &'static str = "AuthorizedOperation";
    type Command = CommandEnvelope<AuthorizedOperationCommand>;
    type Event = AuthorizedOperationEvent;
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
            AuthorizedOperationEvent::OperationGranted(e) => {
                self.grant = Some(e);
                self.status = OperationStatus::Granted;
            }
            AuthorizedOperationEvent::OperationRevoked(e) => {
                self.revoked_at = Some(e.at);
                self.status = OperationStatus::Revoked;
            }
            AuthorizedOperationEvent::OperationUseRecorded(e) => self.uses.push(e.use_id),
            AuthorizedOperationEvent::OperationViolationRecorded(_) => {}
        }
    }
}
