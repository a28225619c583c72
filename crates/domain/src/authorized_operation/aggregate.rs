//! The authorized-operation aggregate: commands, events and decisions.

use chrono::{DateTime, NaiveDate, Utc};
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use serde::{Deserialize, Serialize};

use crate::actor::{Actor, DepartmentKind, DepartmentRef, Level};
use crate::authorization::{Action, Subject, authorize};
use crate::decide::Decide;
use crate::envelope::CommandEnvelope;
use crate::error::DomainError;
use crate::instant::beijing_date;
use crate::services::DomainServices;

/// 运营主体: the operator granted the use (a legal person outside government).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Operator {
    /// Name.
    pub name: String,
    /// 统一社会信用代码 (18 characters).
    pub credit_code: String,
}

/// 授权期限, in Beijing dates, both days included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperationTerm {
    /// First day.
    pub starts_on: NaiveDate,
    /// Last day.
    pub ends_on: NaiveDate,
}

/// 授权运营: grant an operator the use of named entries for social use (第二十八条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantOperation {
    /// The operator.
    pub operator: Operator,
    /// Catalog entries (aggregate ids) granted.
    pub entries: Vec<String>,
    /// The permitted use (应用场景) as a purpose code.
    pub purpose_code: String,
    /// The scope in words.
    pub scope: String,
    /// Term.
    pub term: OperationTerm,
}

/// 撤销授权运营: revoke the grant (第二十八条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevokeOperation {
    /// Why.
    pub reason: String,
}

/// 记录运营使用 (第二十八条): a use under the grant, from the provincial platform's log. Recorded whether or not it keeps
/// within the grant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordOperationUse {
    /// The use's id.
    pub use_id: String,
    /// The entry used.
    pub entry_id: String,
    /// The purpose code the use was made under.
    pub purpose_code: String,
    /// Records read.
    pub record_count: u64,
    /// When.
    pub used_at: DateTime<Utc>,
}

/// Every command of an authorized operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AuthorizedOperationCommand {
    /// See [`GrantOperation`].
    GrantOperation(GrantOperation),
    /// See [`RevokeOperation`].
    RevokeOperation(RevokeOperation),
    /// See [`RecordOperationUse`].
    RecordOperationUse(RecordOperationUse),
}

/// 已授权运营 (第二十八条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperationGranted {
    /// The granting provincial authority.
    pub authority: DepartmentRef,
    /// The operator.
    pub operator: Operator,
    /// Entries granted.
    pub entries: Vec<String>,
    /// Purpose code.
    pub purpose_code: String,
    /// Scope.
    pub scope: String,
    /// Term.
    pub term: OperationTerm,
    /// Who granted it.
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// 授权运营已撤销 (第二十八条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperationRevoked {
    /// Why.
    pub reason: String,
    /// Who revoked it.
    pub by: Actor,
    /// When (uses after this instant are violations).
    pub at: DateTime<Utc>,
}

/// How a use departed from the grant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum OperationViolation {
    /// An entry not granted.
    EntryNotGranted {
        /// The entry used.
        entry_id: String,
    },
    /// Another purpose than granted.
    OtherPurpose {
        /// Purpose code of the use.
        used_for: String,
        /// Purpose code granted.
        granted_for: String,
    },
    /// Before the term.
    BeforeTerm {
        /// First day of the term.
        starts_on: NaiveDate,
    },
    /// After the term.
    AfterExpiry {
        /// Last day of the term.
        ends_on: NaiveDate,
    },
    /// After revocation.
    AfterRevocation {
        /// When revoked.
        revoked_at: DateTime<Utc>,
    },
}

/// 运营使用已记录 (第二十八条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperationUseRecorded {
    /// The use's id.
    pub use_id: String,
    /// Entry used.
    pub entry_id: String,
    /// Purpose code of the use.
    pub purpose_code: String,
    /// Records read.
    pub record_count: u64,
    /// When used.
    pub used_at: DateTime<Utc>,
    /// How it departed from the grant (empty: within it).
    pub violations: Vec<OperationViolation>,
    /// Who recorded it.
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// 违规运营使用 (第二十八条; evidence for 第四十一条第五项 where the granting is at issue).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperationViolationRecorded {
    /// The use.
    pub use_id: String,
    /// The operator answerable.
    pub operator: Operator,
    /// How it departed.
    pub violations: Vec<OperationViolation>,
    /// When used.
    pub used_at: DateTime<Utc>,
    /// When recorded.
    pub at: DateTime<Utc>,
}

/// Every event of an authorized operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AuthorizedOperationEvent {
    /// See [`OperationGranted`].
    OperationGranted(OperationGranted),
    /// See [`OperationRevoked`].
    OperationRevoked(OperationRevoked),
    /// See [`OperationUseRecorded`].
    OperationUseRecorded(OperationUseRecorded),
    /// See [`OperationViolationRecorded`].
    OperationViolationRecorded(OperationViolationRecorded),
}

impl AuthorizedOperationEvent {
    /// The instant this event records an act at (`None` for the deadline facts that record none:
    /// set, extended, recomputed).
    pub fn at(&self) -> Option<DateTime<Utc>> {
        match self {
            AuthorizedOperationEvent::OperationGranted(e) => Some(e.at),
            AuthorizedOperationEvent::OperationRevoked(e) => Some(e.at),
            AuthorizedOperationEvent::OperationUseRecorded(e) => Some(e.at),
            AuthorizedOperationEvent::OperationViolationRecorded(e) => Some(e.at),
        }
    }
}

impl DomainEvent for AuthorizedOperationEvent {
    fn event_type(&self) -> String {
        match self {
            AuthorizedOperationEvent::OperationGranted(_) => "OperationGranted",
            AuthorizedOperationEvent::OperationRevoked(_) => "OperationRevoked",
            AuthorizedOperationEvent::OperationUseRecorded(_) => "OperationUseRecorded",
            AuthorizedOperationEvent::OperationViolationRecorded(_) => "OperationViolationRecorded",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}

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
                if c.operator.name.trim().is_empty() || c.operator.credit_code.chars().count() != 18
                {
                    return Err(DomainError::validation(
                        "operator",
                        "name the operator and its 18-character unified social credit code",
                    ));
                }
                if c.entries.is_empty()
                    || c.purpose_code.trim().is_empty()
                    || c.scope.trim().is_empty()
                {
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
                if c.use_id.trim().is_empty() || self.uses.contains(&c.use_id) {
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
