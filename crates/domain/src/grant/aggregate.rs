//! The grant aggregate.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use cqrs_es::Aggregate;
use cqrs_es::event_sink::EventSink;
use serde::{Deserialize, Serialize};

use crate::actor::{Actor, DepartmentRef};
use crate::authorization::{Action, Subject, authorize};
use crate::decide::Decide;
use crate::envelope::CommandEnvelope;
use crate::error::DomainError;
use crate::grant::command::{GrantCommand, IssueGrant, RecordGrantUse};
use crate::grant::event::{
    GrantEvent, GrantExpired, GrantIssued, GrantRevoked, GrantUseRecorded, GrantViolationRecorded,
    UseViolation,
};
use crate::instant::beijing_date;
use crate::services::DomainServices;
use crate::text::is_blank;

/// Where a grant is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GrantStatus {
    /// Nothing recorded yet.
    #[default]
    New,
    /// In force.
    Active,
    /// Revoked by the issuing authority.
    Revoked,
    /// Past its validity period.
    Expired,
}

/// A grant of shared data bound to its scenario (第二十二条). Keeps counters of uses and their ids, not the
/// uses.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Grant {
    issued: Option<GrantIssued>,
    status: GrantStatus,
    revoked_at: Option<DateTime<Utc>>,
    uses: u64,
    records: u64,
    violations: u64,
    /// The ids of the uses recorded (each is recorded once).
    #[serde(default)]
    use_ids: BTreeSet<String>,
    /// The instant of the latest recorded fact (see `Decide::last_instant`).
    #[serde(default)]
    last_at: Option<DateTime<Utc>>,
}

impl Grant {
    /// Where the grant is.
    pub fn status(&self) -> GrantStatus {
        self.status
    }

    /// The issuing fact (scope, purpose, validity), once issued.
    pub fn issued(&self) -> Option<&GrantIssued> {
        self.issued.as_ref()
    }

    /// Uses recorded.
    pub fn uses(&self) -> u64 {
        self.uses
    }

    /// Records used in total.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// Uses recorded as violations.
    pub fn violations(&self) -> u64 {
        self.violations
    }

    fn require_issued(&self, action: &'static str) -> Result<&GrantIssued, DomainError> {
        self.issued
            .as_ref()
            .ok_or_else(|| DomainError::invalid_state(action, "the grant was not issued"))
    }

    fn issue(
        &self,
        actor: Actor,
        at: DateTime<Utc>,
        c: IssueGrant,
    ) -> Result<Vec<GrantEvent>, DomainError> {
        authorize(Action::IssueGrant, &actor, &Subject::of(&c.authority))?;
        if self.status != GrantStatus::New {
            return Err(DomainError::invalid_state(
                "issue",
                "the grant already exists",
            ));
        }
        check_against_provision(&c, at)?;
        Ok(vec![GrantEvent::GrantIssued(GrantIssued {
            provision: c.provision,
            grantee: c.grantee,
            authority: c.authority,
            entries: c.entries,
            purpose: c.purpose,
            purpose_code: c.purpose_code,
            valid_from: c.valid_from,
            valid_until: c.valid_until,
            access_mode: c.access_mode,
            conditions: c.conditions,
            by: actor,
            at,
        })])
    }

    fn record_use(
        &self,
        actor: Actor,
        at: DateTime<Utc>,
        c: RecordGrantUse,
    ) -> Result<Vec<GrantEvent>, DomainError> {
        let issued = self.require_issued("record a use")?;
        authorize(
            Action::RecordGrantUse,
            &actor,
            &Subject::of(&issued.grantee),
        )?;
        // A duplicated use id is refused, not absorbed: the id names one entry of the platform's log, so a
        // second record under it either counts one use twice (two uses, two violations against the grantee,
        // 第四十一条) or hides a different use behind it. A retried command is absorbed earlier, by the
        // engine's idempotency on the command id; a second command with the same use id is a second claim.
        if self.use_ids.contains(&c.use_id) {
            return Err(DomainError::DuplicateUse { use_id: c.use_id });
        }
        if is_blank(&c.use_id) || is_blank(&c.end_user) {
            return Err(DomainError::validation(
                "use",
                "a use names its id and its end user (第二十二条)",
            ));
        }
        if c.data_items.is_empty() {
            return Err(DomainError::validation(
                "data_items",
                "a use names the data items used",
            ));
        }
        if c.used_at > at {
            return Err(DomainError::validation(
                "used_at",
                "a use is recorded once it has happened",
            ));
        }
        let used_on = beijing_date("used_at", c.used_at)?;
        let violations = self.violations_of(issued, &c, used_on);
        let mut events = vec![GrantEvent::GrantUseRecorded(GrantUseRecorded {
            use_id: c.use_id.clone(),
            data_items: c.data_items,
            record_count: c.record_count,
            end_user: c.end_user,
            purpose_code: c.purpose_code,
            used_at: c.used_at,
            violations: violations.clone(),
            by: actor,
            at,
        })];
        if !violations.is_empty() {
            events.push(GrantEvent::GrantViolationRecorded(GrantViolationRecorded {
                use_id: c.use_id,
                violations,
                attributed_to: issued.grantee.code.clone(),
                used_at: c.used_at,
                at,
            }));
        }
        Ok(events)
    }

    /// How a use departs from the grant (第二十二条).
    fn violations_of(
        &self,
        issued: &GrantIssued,
        c: &RecordGrantUse,
        day: NaiveDate,
    ) -> Vec<UseViolation> {
        let mut violations = Vec::new();
        let outside: Vec<String> = c
            .data_items
            .iter()
            .filter(|item| !issued.entries.iter().any(|e| e.data_items.contains(item)))
            .cloned()
            .collect();
        if !outside.is_empty() {
            violations.push(UseViolation::ItemsOutsideGrant { items: outside });
        }
        if c.purpose_code != issued.purpose_code {
            violations.push(UseViolation::OtherPurpose {
                used_for: c.purpose_code.clone(),
                granted_for: issued.purpose_code.clone(),
            });
        }
        if day < issued.valid_from {
            violations.push(UseViolation::BeforeValidity {
                valid_from: issued.valid_from,
            });
        }
        if day > issued.valid_until {
            violations.push(UseViolation::AfterExpiry {
                valid_until: issued.valid_until,
            });
        }
        if let Some(revoked_at) = self.revoked_at
            && c.used_at > revoked_at
        {
            violations.push(UseViolation::AfterRevocation { revoked_at });
        }
        violations
    }

    /// The grantee.
    pub fn grantee(&self) -> Option<&DepartmentRef> {
        self.issued.as_ref().map(|i| &i.grantee)
    }
}

/// 第十九、二十二条: a grant follows the provision of its application and is bound to its scenario: the
/// requester and the serving authority that provided, the entries provided, the data items requested, the
/// scenario's purpose code, the provider's conditions, and the requested period of use.
fn check_against_provision(c: &IssueGrant, at: DateTime<Utc>) -> Result<(), DomainError> {
    let p = &c.provision;
    DomainError::require_text(
        "provision.application_id",
        &p.application_id,
        "names the application provided (第二十二条)",
    )?;
    DomainError::require_text(
        "purpose",
        &c.purpose,
        "a grant states the scenario's purpose (第二十二条)",
    )?;
    DomainError::require_text(
        "purpose_code",
        &c.purpose_code,
        "a grant names the scenario's purpose code (第二十二条)",
    )?;
    if at < p.provided_at {
        return Err(DomainError::validation(
            "provision.provided_at",
            "a grant follows the provision (第十九条)",
        ));
    }
    if c.grantee.code != p.requester {
        return Err(DomainError::validation(
            "grantee",
            format!(
                "{} did not request {} (第二十二条)",
                c.grantee.code, p.application_id
            ),
        ));
    }
    if c.authority.code != p.provided_by {
        return Err(DomainError::validation(
            "authority",
            format!(
                "{} did not provide {} (第十九条)",
                c.authority.code, p.application_id
            ),
        ));
    }
    if c.purpose_code != p.purpose_code {
        return Err(DomainError::validation(
            "purpose_code",
            format!(
                "the scenario's purpose code is {} (第二十二条: 不得改变使用用途)",
                p.purpose_code
            ),
        ));
    }
    if c.conditions != p.conditions {
        return Err(DomainError::validation(
            "conditions",
            "a grant carries the provider's conditions as agreed (第十九条)",
        ));
    }
    if c.entries.is_empty() {
        return Err(DomainError::validation(
            "entries",
            "a grant names each entry's data items (第二十二条)",
        ));
    }
    let mut seen = BTreeSet::new();
    for entry in &c.entries {
        if !p.entries.contains(&entry.entry_id) {
            return Err(DomainError::validation(
                "entries",
                format!("{} was not provided (第二十二条)", entry.entry_id),
            ));
        }
        if !seen.insert(entry.entry_id.as_str()) {
            return Err(DomainError::validation(
                "entries",
                format!("{} is named twice", entry.entry_id),
            ));
        }
        if entry.data_items.is_empty() || entry.data_items.iter().any(|i| is_blank(i)) {
            return Err(DomainError::validation(
                "entries",
                "a grant names each entry's data items (第二十二条)",
            ));
        }
        if let Some(item) = entry.data_items.iter().find(|i| !p.data_items.contains(i)) {
            return Err(DomainError::validation(
                "entries",
                format!("{item} was not requested (第二十二条: 不得扩大使用范围)"),
            ));
        }
    }
    if c.valid_from > c.valid_until {
        return Err(DomainError::validation(
            "valid_until",
            "the validity period ends before it starts",
        ));
    }
    if c.valid_from < p.use_from || c.valid_until > p.use_until {
        return Err(DomainError::validation(
            "valid_until",
            format!(
                "validity lies within the requested period of use {} to {} (第二十二条)",
                p.use_from, p.use_until
            ),
        ));
    }
    Ok(())
}

impl Decide for Grant {
    type Body = GrantCommand;

    fn decide(
        &self,
        command: CommandEnvelope<GrantCommand>,
        _services: &DomainServices,
    ) -> Result<Vec<GrantEvent>, DomainError> {
        let CommandEnvelope { actor, at, body } = command;
        match body {
            GrantCommand::IssueGrant(c) => self.issue(actor, at, c),
            GrantCommand::RecordGrantUse(c) => self.record_use(actor, at, c),
            GrantCommand::RevokeGrant(c) => {
                let issued = self.require_issued("revoke")?;
                authorize(
                    Action::ServeShareRequest,
                    &actor,
                    &Subject::of(&issued.authority),
                )?;
                if self.status != GrantStatus::Active {
                    return Err(DomainError::invalid_state(
                        "revoke",
                        format!("the grant is {:?}", self.status).to_lowercase(),
                    ));
                }
                DomainError::require_text("reason", &c.reason, "a revocation states its reason")?;
                Ok(vec![GrantEvent::GrantRevoked(GrantRevoked {
                    reason: c.reason,
                    by: actor,
                    at,
                })])
            }
            GrantCommand::RecordGrantExpiry(_) => {
                let issued = self.require_issued("record expiry")?;
                authorize(
                    Action::ServeShareRequest,
                    &actor,
                    &Subject::of(&issued.authority),
                )?;
                if self.status != GrantStatus::Active {
                    return Err(DomainError::invalid_state(
                        "record expiry",
                        format!("the grant is {:?}", self.status).to_lowercase(),
                    ));
                }
                if beijing_date("at", at)? <= issued.valid_until {
                    return Err(DomainError::invalid_state(
                        "record expiry",
                        format!("the grant is valid until {}", issued.valid_until),
                    ));
                }
                Ok(vec![GrantEvent::GrantExpired(GrantExpired {
                    valid_until: issued.valid_until,
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

impl Aggregate for Grant {
    const TYPE: &'static str = "Grant";
    type Command = CommandEnvelope<GrantCommand>;
    type Event = GrantEvent;
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
            GrantEvent::GrantIssued(e) => {
                self.issued = Some(e);
                self.status = GrantStatus::Active;
            }
            GrantEvent::GrantUseRecorded(e) => {
                self.use_ids.insert(e.use_id);
                self.uses += 1;
                self.records = self.records.saturating_add(e.record_count);
            }
            GrantEvent::GrantViolationRecorded(_) => self.violations += 1,
            GrantEvent::GrantRevoked(e) => {
                self.status = GrantStatus::Revoked;
                self.revoked_at = Some(e.at);
            }
            GrantEvent::GrantExpired(_) => self.status = GrantStatus::Expired,
        }
    }
}
