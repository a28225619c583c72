//! The share-application aggregate.

use chrono::{DateTime, Utc};
use cqrs_es::Aggregate;
use cqrs_es::event_sink::EventSink;
use serde::{Deserialize, Serialize};

use crate::actor::{Actor, DepartmentCode, DepartmentRef};
use crate::authorization::{Action, Subject, authorize};
use crate::catalog::ShareAttribute;
use crate::deadline::{DeadlineId, Deadlines, Obligation};
use crate::decide::Decide;
use crate::envelope::CommandEnvelope;
use crate::error::DomainError;
use crate::instant::check_date;
use crate::rules::{DeadlineRule, RuleOptions};
use crate::services::DomainServices;
use crate::share_application::command::{
    AgreeToShare, ApplicationScenario, ProvideShare, RefuseToShare, RequestedEntry,
    ResubmitShareApplication, ReturnForSupplement, ShareCommand, SubmitShareApplication,
};
use crate::share_application::event::{
    ForwardedToProvider, ForwardedToUpperAuthority, ListedEntryCited, ProviderAgreed,
    ProviderRefused, ReturnedForSupplement, ShareApplicationNotAccepted,
    ShareApplicationResubmitted, ShareApplicationSubmitted, ShareApplicationWithdrawn, ShareEvent,
    SharePath, ShareProvided,
};
use crate::share_application::objection::{
    ConcludeObjection, ObjectionConcluded, ObjectionOutcome, ObjectionRaised, RaiseObjection,
};
use crate::share_application::routing::{DataHolder, check_route};
use crate::text::{is_blank, is_invisible, trim_invisible, visible_chars};

/// Where an application is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ShareStatus {
    /// Nothing recorded yet.
    #[default]
    New,
    /// On its cross-level route, awaiting an authority's forwarding (第二十一条).
    InTransit,
    /// Unconditional data at the serving authority, awaiting provision (第十九条).
    AwaitingProvision,
    /// Conditional data under the serving authority's review (第十九条).
    UnderReview,
    /// 退回补正: awaiting the requester's resubmission.
    ReturnedForSupplement,
    /// Forwarded to the provider, awaiting its reply (第十九条).
    AwaitingProviderReply,
    /// The provider agreed; awaiting provision (第十九条).
    Agreed,
    /// The provider refused with reasons (第十九条).
    Refused,
    /// An objection awaits the authority's conclusion (第十九条).
    ObjectionPending,
    /// The objection was upheld; awaiting provision.
    ObjectionUpheld,
    /// The objection was dismissed; the refusal stands.
    ObjectionDismissed,
    /// Provided (第十九条); the grant governs use (第二十二条).
    Provided,
    /// Not accepted: an entry is on the negative list (第十五条).
    NotAccepted,
    /// Withdrawn by the requester.
    Withdrawn,
}

impl ShareStatus {
    /// Whether nothing more can happen to the application.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            ShareStatus::ObjectionDismissed
                | ShareStatus::Provided
                | ShareStatus::NotAccepted
                | ShareStatus::Withdrawn
        )
    }
}

/// A share application (共享申请, 第十九至二十一条).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ShareApplication {
    application_id: String,
    requester: Option<DepartmentRef>,
    entries: Vec<RequestedEntry>,
    scenario: Option<ApplicationScenario>,
    route: Vec<DepartmentRef>,
    path: Option<SharePath>,
    status: ShareStatus,
    holder: usize,
    returned_from: Option<ShareStatus>,
    step_from: Option<DateTime<Utc>>,
    open: Option<DeadlineId>,
    conditions: Option<String>,
    objection_raised: bool,
    provided_after_objection: bool,
    withdrawn_at: Option<DateTime<Utc>>,
    deadlines: Deadlines,
    /// The instant of the latest recorded fact (see `Decide::last_instant`).
    #[serde(default)]
    last_at: Option<DateTime<Utc>>,
}

impl ShareApplication {
    /// Where the application is.
    pub fn status(&self) -> ShareStatus {
        self.status
    }

    /// The requesting department.
    pub fn requester(&self) -> Option<&DepartmentRef> {
        self.requester.as_ref()
    }

    /// The route (第二十一条); the last authority serves the application.
    pub fn route(&self) -> &[DepartmentRef] {
        &self.route
    }

    /// The entries requested, with their facts at submission.
    pub fn entries(&self) -> &[RequestedEntry] {
        &self.entries
    }

    /// The current scenario.
    pub fn scenario(&self) -> Option<&ApplicationScenario> {
        self.scenario.as_ref()
    }

    /// The deadline of the step now owed, if any.
    pub fn open_deadline(&self) -> Option<&DeadlineId> {
        self.open.as_ref()
    }

    /// Whether the data was provided after an upheld objection.
    pub fn provided_after_objection(&self) -> bool {
        self.provided_after_objection
    }

    /// The application's deadlines.
    pub fn deadlines(&self) -> &Deadlines {
        &self.deadlines
    }

    fn requester_subject(&self, action: &'static str) -> Result<Subject, DomainError> {
        self.requester
            .as_ref()
            .map(Subject::of)
            .ok_or_else(|| DomainError::invalid_state(action, "no application was submitted"))
    }

    fn serving(&self, action: &'static str) -> Result<&DepartmentRef, DomainError> {
        self.route
            .last()
            .ok_or_else(|| DomainError::invalid_state(action, "no application was submitted"))
    }

    fn own_authority(&self, action: &'static str) -> Result<&DepartmentRef, DomainError> {
        self.route
            .first()
            .ok_or_else(|| DomainError::invalid_state(action, "no application was submitted"))
    }

    /// The party that replies for the provider on the conditional path: the providing department, or for
    /// State Council data the provincial (serving) authority that coordinates it (第二十一条 Decision).
    fn provider_party(
        &self,
        action: &'static str,
    ) -> Result<(DepartmentCode, Action, Subject), DomainError> {
        let serving = self.serving(action)?;
        match self.entries.first().map(|e| &e.holder) {
            Some(DataHolder::Department { provider }) => Ok((
                provider.code.clone(),
                Action::ReplyToShareRequest,
                Subject::of(provider),
            )),
            Some(DataHolder::StateCouncil { .. }) => Ok((
                serving.code.clone(),
                Action::ServeShareRequest,
                Subject::of(serving),
            )),
            None => Err(DomainError::invalid_state(
                action,
                "no application was submitted",
            )),
        }
    }

    fn state_label(&self) -> String {
        format!("the application is {:?}", self.status).to_lowercase()
    }

    fn require(&self, action: &'static str, allowed: &[ShareStatus]) -> Result<(), DomainError> {
        if allowed.contains(&self.status) {
            Ok(())
        } else {
            Err(DomainError::invalid_state(action, self.state_label()))
        }
    }

    /// The status at the serving authority on receipt, by path.
    fn receipt_status(&self) -> ShareStatus {
        match self.path {
            Some(SharePath::Conditional) => ShareStatus::UnderReview,
            _ => ShareStatus::AwaitingProvision,
        }
    }

    /// The deadline a step owes and who owes it.
    fn step_obligation(
        &self,
        status: ShareStatus,
        holder: usize,
    ) -> Result<Option<Obligation>, DomainError> {
        let at = |i: usize| {
            self.route
                .get(i)
                .map(|d| d.code.clone())
                .ok_or_else(|| DomainError::invalid_state("route", "the route has no such hop"))
        };
        let last = self.route.len().saturating_sub(1);
        let (what, owed_by) = match status {
            ShareStatus::InTransit => (DeadlineRule::ShareRouteForward, at(holder)?),
            ShareStatus::AwaitingProvision => (DeadlineRule::ShareUnconditionalProvide, at(last)?),
            ShareStatus::UnderReview => (DeadlineRule::ShareConditionalReview, at(last)?),
            ShareStatus::AwaitingProviderReply => (
                DeadlineRule::ShareProviderReply,
                self.provider_party("reply")?.0,
            ),
            ShareStatus::Agreed => (DeadlineRule::ShareProvideAfterReply, at(last)?),
            ShareStatus::ObjectionPending => (DeadlineRule::ObjectionCoordination, at(0)?),
            ShareStatus::ObjectionUpheld => (DeadlineRule::ObjectionProvide, at(last)?),
            _ => return Ok(None),
        };
        Ok(Some(Obligation { what, owed_by }))
    }

    /// The deadline fact of entering `status` (at `holder` on the route), counted from `from`.
    fn enter(
        &self,
        status: ShareStatus,
        holder: usize,
        from: DateTime<Utc>,
        services: &DomainServices,
    ) -> Result<Vec<ShareEvent>, DomainError> {
        match self.step_obligation(status, holder)? {
            Some(obligation) => {
                let id = self.deadlines.next_id(obligation.what);
                Ok(vec![
                    Deadlines::set_from_instant(id, obligation, from, services)?.into(),
                ])
            }
            None => Ok(Vec::new()),
        }
    }

    /// The facts of performing the step now owed at `at`.
    fn meet_open(&self, at: DateTime<Utc>) -> Result<Vec<ShareEvent>, DomainError> {
        self.deadlines.meet_open(self.open.as_ref(), at)
    }

    fn require_complete_scenario(&self, action: &'static str) -> Result<(), DomainError> {
        let missing = self.scenario.as_ref().map(ApplicationScenario::missing);
        match missing {
            Some(m) if m.is_empty() => Ok(()),
            Some(m) => Err(DomainError::invalid_state(
                action,
                format!(
                    "the scenario lacks {}: return it for supplement (第十九条)",
                    m.join(", ")
                ),
            )),
            None => Err(DomainError::invalid_state(
                action,
                "no application was submitted",
            )),
        }
    }

    fn submit(
        &self,
        actor: Actor,
        at: DateTime<Utc>,
        c: SubmitShareApplication,
        services: &DomainServices,
    ) -> Result<Vec<ShareEvent>, DomainError> {
        authorize(
            Action::RequestShare,
            &actor,
            &Subject::of(&actor.department),
        )?;
        if self.status != ShareStatus::New {
            return Err(DomainError::invalid_state(
                "submit",
                "the application already exists",
            ));
        }
        DomainError::require_text("application_id", &c.application_id, "must not be empty")?;
        if c.entries.is_empty() {
            return Err(DomainError::validation(
                "entries",
                "an application names at least one catalog entry (第十九条)",
            ));
        }
        for entry in &c.entries {
            if entry.share_attribute == ShareAttribute::NotShared
                && entry.negative_listing.is_none()
            {
                return Err(DomainError::validation(
                    "entries",
                    format!(
                        "{} is 不予共享 without a negative listing (第十五条)",
                        entry.entry_id
                    ),
                ));
            }
        }
        check_scenario(&c.scenario, &c.entries)?;
        let holders: Vec<DataHolder> = c.entries.iter().map(|e| e.holder.clone()).collect();
        check_route(&actor.department, &c.route, &holders)?;
        let path = share_path(&c.entries)?;
        let scenario_missing = c.scenario.missing();
        let listed: Vec<ListedEntryCited> = c
            .entries
            .iter()
            .filter_map(|e| {
                e.negative_listing.as_ref().map(|l| ListedEntryCited {
                    entry_id: e.entry_id.clone(),
                    listing: l.clone(),
                })
            })
            .collect();
        let route_len = c.route.len();
        let mut events = vec![ShareEvent::ShareApplicationSubmitted(
            ShareApplicationSubmitted {
                application_id: c.application_id,
                requester: actor.department.clone(),
                entries: c.entries,
                scenario: c.scenario,
                scenario_missing,
                materials: c.materials,
                route: c.route,
                path,
                rule_set: services.rules.reference(),
                by: actor,
                at,
            },
        )];
        if path == SharePath::NotAccepted {
            events.push(ShareEvent::ShareApplicationNotAccepted(
                ShareApplicationNotAccepted { listed, at },
            ));
            return Ok(events);
        }
        // The first deadline is computed on the state the submission leads to.
        let mut next = self.clone();
        for e in &events {
            next.apply_event(e.clone());
        }
        let status = if route_len > 1 {
            ShareStatus::InTransit
        } else {
            next.receipt_status()
        };
        events.extend(next.enter(status, 0, at, services)?);
        Ok(events)
    }

    fn return_for_supplement(
        &self,
        actor: Actor,
        at: DateTime<Utc>,
        c: ReturnForSupplement,
    ) -> Result<Vec<ShareEvent>, DomainError> {
        let action = "return for supplement";
        let holding = self
            .route
            .get(self.holder)
            .ok_or_else(|| DomainError::invalid_state(action, "no application was submitted"))?;
        authorize(Action::ServeShareRequest, &actor, &Subject::of(holding))?;
        self.require(
            action,
            &[
                ShareStatus::InTransit,
                ShareStatus::AwaitingProvision,
                ShareStatus::UnderReview,
            ],
        )?;
        let missing: Vec<String> = c.missing.into_iter().filter(|m| !is_blank(m)).collect();
        if missing.is_empty() {
            return Err(DomainError::validation(
                "missing",
                "a return for supplement names what is missing (第十九条)",
            ));
        }
        let mut events = vec![ShareEvent::ReturnedForSupplement(ReturnedForSupplement {
            missing,
            by: actor,
            at,
        })];
        events.extend(self.meet_open(at)?);
        Ok(events)
    }

    fn resubmit(
        &self,
        actor: Actor,
        at: DateTime<Utc>,
        c: ResubmitShareApplication,
        services: &DomainServices,
    ) -> Result<Vec<ShareEvent>, DomainError> {
        let subject = self.requester_subject("resubmit")?;
        authorize(Action::RequestShare, &actor, &subject)?;
        self.require("resubmit", &[ShareStatus::ReturnedForSupplement])?;
        check_scenario(&c.scenario, &self.entries)?;
        let resume = self.returned_from.unwrap_or_else(|| self.receipt_status());
        let restart = services.rules.options.supplement_restarts_authority_clock;
        let from = if restart {
            at
        } else {
            self.step_from.unwrap_or(at)
        };
        let mut events = vec![ShareEvent::ShareApplicationResubmitted(
            ShareApplicationResubmitted {
                scenario_missing: c.scenario.missing(),
                scenario: c.scenario,
                materials: c.materials,
                clock_restarted: restart,
                by: actor,
                at,
            },
        )];
        events.extend(self.enter(resume, self.holder, from, services)?);
        Ok(events)
    }

    fn agree(
        &self,
        actor: Actor,
        at: DateTime<Utc>,
        c: AgreeToShare,
        services: &DomainServices,
    ) -> Result<Vec<ShareEvent>, DomainError> {
        let action = "agree to share";
        let (_, auth_action, subject) = self.provider_party(action)?;
        authorize(auth_action, &actor, &subject)?;
        self.require(action, &[ShareStatus::AwaitingProviderReply])?;
        if c.conditions.as_ref().is_some_and(|s| is_blank(s)) {
            return Err(DomainError::validation(
                "conditions",
                "state the conditions or give none",
            ));
        }
        let mut events = vec![ShareEvent::ProviderAgreed(ProviderAgreed {
            conditions: c.conditions,
            by: actor,
            at,
        })];
        events.extend(self.meet_open(at)?);
        events.extend(self.enter(ShareStatus::Agreed, self.holder, at, services)?);
        Ok(events)
    }

    fn refuse(
        &self,
        actor: Actor,
        at: DateTime<Utc>,
        c: RefuseToShare,
        options: &RuleOptions,
    ) -> Result<Vec<ShareEvent>, DomainError> {
        let action = "refuse to share";
        let (_, auth_action, subject) = self.provider_party(action)?;
        authorize(auth_action, &actor, &subject)?;
        self.require(action, &[ShareStatus::AwaitingProviderReply])?;
        check_refusal_reasons(&c.reasons, options)?;
        if is_blank(&c.basis.instrument) || is_blank(&c.basis.provision) {
            return Err(DomainError::validation(
                "basis",
                "a refusal names the law, regulation or national policy and the provision relied on \
                 (第十九条)",
            ));
        }
        let mut events = vec![ShareEvent::ProviderRefused(ProviderRefused {
            reasons: c.reasons,
            basis: c.basis,
            by: actor,
            at,
        })];
        events.extend(self.meet_open(at)?);
        Ok(events)
    }

    fn raise_objection(
        &self,
        actor: Actor,
        at: DateTime<Utc>,
        c: RaiseObjection,
        services: &DomainServices,
    ) -> Result<Vec<ShareEvent>, DomainError> {
        let subject = self.requester_subject("raise an objection")?;
        authorize(Action::RequestShare, &actor, &subject)?;
        self.require("raise an objection", &[ShareStatus::Refused])?;
        if self.objection_raised {
            return Err(DomainError::invalid_state(
                "raise an objection",
                "an objection to this refusal was already concluded",
            ));
        }
        DomainError::require_text(
            "reasons",
            &c.reasons,
            "an objection states its reasons (第十九条)",
        )?;
        let authority = self.own_authority("raise an objection")?.clone();
        let mut events = vec![ShareEvent::ObjectionRaised(ObjectionRaised {
            reasons: c.reasons,
            coordinating_authority: authority,
            by: actor,
            at,
        })];
        events.extend(self.enter(ShareStatus::ObjectionPending, self.holder, at, services)?);
        Ok(events)
    }

    fn conclude_objection(
        &self,
        actor: Actor,
        at: DateTime<Utc>,
        c: ConcludeObjection,
        services: &DomainServices,
    ) -> Result<Vec<ShareEvent>, DomainError> {
        let action = "conclude an objection";
        let authority = self.own_authority(action)?;
        authorize(Action::ServeShareRequest, &actor, &Subject::of(authority))?;
        self.require(action, &[ShareStatus::ObjectionPending])?;
        DomainError::require_text(
            "conclusion",
            &c.conclusion,
            "the conclusion is stated (第十九条: 作出处理结论)",
        )?;
        let outcome = c.outcome;
        let mut events = vec![ShareEvent::ObjectionConcluded(ObjectionConcluded {
            outcome,
            conclusion: c.conclusion,
            by: actor,
            at,
        })];
        events.extend(self.meet_open(at)?);
        if outcome == ObjectionOutcome::Upheld {
            events.extend(self.enter(ShareStatus::ObjectionUpheld, self.holder, at, services)?);
        }
        Ok(events)
    }

    fn provide(
        &self,
        actor: Actor,
        at: DateTime<Utc>,
        c: ProvideShare,
    ) -> Result<Vec<ShareEvent>, DomainError> {
        let action = "provide";
        authorize(
            Action::ServeShareRequest,
            &actor,
            &Subject::of(self.serving(action)?),
        )?;
        self.require(
            action,
            &[
                ShareStatus::AwaitingProvision,
                ShareStatus::Agreed,
                ShareStatus::ObjectionUpheld,
            ],
        )?;
        self.require_complete_scenario(action)?;
        DomainError::require_text("grant_id", &c.grant_id, "must not be empty")?;
        // Never provide 不予共享 data (第十五条); the path excludes it, this guards the record itself.
        if let Some(e) = self.entries.iter().find(|e| {
            e.share_attribute == ShareAttribute::NotShared || e.negative_listing.is_some()
        }) {
            return Err(DomainError::validation(
                "entries",
                format!("{} is 不予共享 (第十五条)", e.entry_id),
            ));
        }
        let (requester, scenario) = match (&self.requester, &self.scenario) {
            (Some(r), Some(s)) => (r.code.clone(), s.clone()),
            _ => {
                return Err(DomainError::invalid_state(
                    action,
                    "no application was submitted",
                ));
            }
        };
        let mut events = vec![ShareEvent::ShareProvided(ShareProvided {
            application_id: self.application_id.clone(),
            grant_id: c.grant_id,
            requester,
            entries: self.entries.iter().map(|e| e.entry_id.clone()).collect(),
            scenario,
            conditions: self.conditions.clone(),
            after_objection: self.status == ShareStatus::ObjectionUpheld,
            by: actor,
            at,
        })];
        events.extend(self.meet_open(at)?);
        Ok(events)
    }

    fn apply_event(&mut self, event: ShareEvent) {
        self.last_at = self.last_at.max(event.at());
        if let Some(fact) = event.deadline_fact() {
            self.deadlines.apply(&fact);
        }
        match event {
            ShareEvent::ShareApplicationSubmitted(e) => {
                self.application_id = e.application_id;
                self.requester = Some(e.requester);
                self.entries = e.entries;
                self.scenario = Some(e.scenario);
                self.route = e.route;
                self.path = Some(e.path);
                self.holder = 0;
                self.status = if e.path == SharePath::NotAccepted {
                    ShareStatus::NotAccepted
                } else if self.route.len() > 1 {
                    ShareStatus::InTransit
                } else {
                    self.receipt_status()
                };
            }
            ShareEvent::ShareApplicationNotAccepted(_) => self.status = ShareStatus::NotAccepted,
            ShareEvent::ForwardedToUpperAuthority(_) => {
                self.holder += 1;
                self.status = if self.holder + 1 >= self.route.len() {
                    self.receipt_status()
                } else {
                    ShareStatus::InTransit
                };
            }
            ShareEvent::ReturnedForSupplement(_) => {
                self.returned_from = Some(self.status);
                self.status = ShareStatus::ReturnedForSupplement;
            }
            ShareEvent::ShareApplicationResubmitted(e) => {
                self.scenario = Some(e.scenario);
                self.status = self
                    .returned_from
                    .take()
                    .unwrap_or_else(|| self.receipt_status());
            }
            ShareEvent::ShareApplicationWithdrawn(e) => {
                self.status = ShareStatus::Withdrawn;
                self.withdrawn_at = Some(e.at);
            }
            ShareEvent::ForwardedToProvider(_) => self.status = ShareStatus::AwaitingProviderReply,
            ShareEvent::ProviderAgreed(e) => {
                self.conditions = e.conditions;
                self.status = ShareStatus::Agreed;
            }
            ShareEvent::ProviderRefused(_) => self.status = ShareStatus::Refused,
            ShareEvent::ObjectionRaised(_) => {
                self.objection_raised = true;
                self.status = ShareStatus::ObjectionPending;
            }
            ShareEvent::ObjectionConcluded(e) => {
                self.status = match e.outcome {
                    ObjectionOutcome::Upheld => ShareStatus::ObjectionUpheld,
                    ObjectionOutcome::Dismissed => ShareStatus::ObjectionDismissed,
                };
            }
            ShareEvent::ShareProvided(e) => {
                self.provided_after_objection = e.after_objection;
                self.status = ShareStatus::Provided;
            }
            ShareEvent::DeadlineSet(e) => {
                self.step_from = Some(e.from);
                self.open = Some(e.id);
            }
            ShareEvent::DeadlineMet(e) => {
                if self.open.as_ref() == Some(&e.id) {
                    self.open = None;
                }
            }
            ShareEvent::DeadlineExtended(_)
            | ShareEvent::DeadlineMissed(_)
            | ShareEvent::DeadlineRecomputed(_)
            | ShareEvent::DeadlineReminded(_) => {}
        }
    }
}

/// The scenario's data items lie within the requested entries, and its period is ordered.
fn check_scenario(
    scenario: &ApplicationScenario,
    entries: &[RequestedEntry],
) -> Result<(), DomainError> {
    if let Some(item) = scenario
        .data_items
        .iter()
        .filter(|i| !is_blank(i))
        .find(|i| !entries.iter().any(|e| e.items.contains(i)))
    {
        return Err(DomainError::validation(
            "scenario.data_items",
            format!("{item} is not a data item of the requested entries"),
        ));
    }
    if scenario.use_from > scenario.use_until {
        return Err(DomainError::validation(
            "scenario.use_until",
            "the period of use ends before it starts",
        ));
    }
    // A period of use in years the calendar does not count (year 0, 99999) is no period a grant can be
    // held to (第二十二条).
    check_date("scenario.use_from", scenario.use_from)?;
    check_date("scenario.use_until", scenario.use_until)?;
    Ok(())
}

/// The path of 第十九条 the entries lead to. An application is homogeneous (Decision): all unconditional
/// (any providers), or all conditional from one provider; a listed entry makes it not accepted.
fn share_path(entries: &[RequestedEntry]) -> Result<SharePath, DomainError> {
    let listed = entries
        .iter()
        .any(|e| e.negative_listing.is_some() || e.share_attribute == ShareAttribute::NotShared);
    if listed {
        return Ok(SharePath::NotAccepted);
    }
    let conditional = entries
        .iter()
        .filter(|e| matches!(e.share_attribute, ShareAttribute::Conditional { .. }))
        .count();
    if conditional == 0 {
        return Ok(SharePath::Unconditional);
    }
    if conditional < entries.len() {
        return Err(DomainError::validation(
            "entries",
            "unconditional and conditional entries follow different paths (第十九条): apply separately",
        ));
    }
    let holder_key = |h: &DataHolder| match h {
        DataHolder::Department { provider } => provider.code.as_str().to_owned(),
        DataHolder::StateCouncil { department } => format!("state-council:{department}"),
    };
    let first = entries.first().map(|e| holder_key(&e.holder));
    if entries.iter().any(|e| Some(holder_key(&e.holder)) != first) {
        return Err(DomainError::validation(
            "entries",
            "a conditional application concerns one provider, which replies for all of it: apply \
             separately",
        ));
    }
    Ok(SharePath::Conditional)
}

/// 第十九条: a refusal states real reasons. Refused: blank (white space and invisible characters only), one of
/// the rule set's stock phrases, or fewer visible characters than the rule set's minimum.
///
/// A stock phrase is recognised ignoring case, white space and invisible characters anywhere (a zero-width
/// space inside 不同意 does not make it a reason) and trailing punctuation (不予共享。 is 不予共享).
pub fn check_refusal_reasons(reasons: &str, options: &RuleOptions) -> Result<(), DomainError> {
    if is_blank(reasons) {
        return Err(DomainError::validation(
            "reasons",
            "a refusal states its reasons (第十九条)",
        ));
    }
    let shown = trim_invisible(reasons);
    let normalized = stock_form(reasons);
    if options
        .refusal_stock_phrases
        .iter()
        .any(|p| stock_form(p) == normalized)
    {
        return Err(DomainError::validation(
            "reasons",
            format!("「{shown}」 is a stock phrase, not a reason (第十九条)"),
        ));
    }
    let content = visible_chars(reasons);
    let min = usize::try_from(options.refusal_reason_min_chars).unwrap_or(usize::MAX);
    if content < min {
        return Err(DomainError::validation(
            "reasons",
            format!("a reason of {content} characters states nothing; at least {min} (第十九条)"),
        ));
    }
    Ok(())
}

/// The form a text is compared with the stock phrases in: without white space and invisible characters,
/// without trailing punctuation, lower case.
fn stock_form(text: &str) -> String {
    let visible: String = text.chars().filter(|c| !is_invisible(*c)).collect();
    visible
        .trim_end_matches(|c: char| c.is_ascii_punctuation() || "。！，；、：？".contains(c))
        .to_lowercase()
}

impl Decide for ShareApplication {
    type Body = ShareCommand;

    fn decide(
        &self,
        command: CommandEnvelope<ShareCommand>,
        services: &DomainServices,
    ) -> Result<Vec<ShareEvent>, DomainError> {
        let CommandEnvelope { actor, at, body } = command;
        match body {
            ShareCommand::SubmitShareApplication(c) => self.submit(actor, at, c, services),
            ShareCommand::ForwardToUpperAuthority(_) => {
                let action = "forward to the upper-level authority";
                self.require(action, &[ShareStatus::InTransit])?;
                let from = self
                    .route
                    .get(self.holder)
                    .ok_or_else(|| DomainError::invalid_state(action, "the route has ended"))?;
                authorize(Action::ServeShareRequest, &actor, &Subject::of(from))?;
                let next = self.holder + 1;
                let to = self
                    .route
                    .get(next)
                    .ok_or_else(|| DomainError::invalid_state(action, "the route has ended"))?;
                let mut events = vec![ShareEvent::ForwardedToUpperAuthority(
                    ForwardedToUpperAuthority {
                        hop: u32::try_from(next).unwrap_or(u32::MAX),
                        from: from.code.clone(),
                        to: to.clone(),
                        by: actor,
                        at,
                    },
                )];
                events.extend(self.meet_open(at)?);
                let status = if next + 1 == self.route.len() {
                    self.receipt_status()
                } else {
                    ShareStatus::InTransit
                };
                events.extend(self.enter(status, next, at, services)?);
                Ok(events)
            }
            ShareCommand::ReturnForSupplement(c) => self.return_for_supplement(actor, at, c),
            ShareCommand::ResubmitShareApplication(c) => self.resubmit(actor, at, c, services),
            ShareCommand::WithdrawShareApplication(c) => {
                let subject = self.requester_subject("withdraw")?;
                authorize(Action::RequestShare, &actor, &subject)?;
                if self.status == ShareStatus::New || self.status.is_final() {
                    return Err(DomainError::invalid_state("withdraw", self.state_label()));
                }
                DomainError::require_text(
                    "reason",
                    &c.reason,
                    "a withdrawal states its reason (第十九条)",
                )?;
                Ok(vec![ShareEvent::ShareApplicationWithdrawn(
                    ShareApplicationWithdrawn {
                        reason: c.reason,
                        by: actor,
                        at,
                    },
                )])
            }
            ShareCommand::ForwardToProvider(c) => {
                let action = "forward to the provider";
                authorize(
                    Action::ServeShareRequest,
                    &actor,
                    &Subject::of(self.serving(action)?),
                )?;
                self.require(action, &[ShareStatus::UnderReview])?;
                self.require_complete_scenario(action)?;
                DomainError::require_text(
                    "review_opinion",
                    &c.review_opinion,
                    "the authority states its review opinion (第十九条: 审核)",
                )?;
                let (provider, _, _) = self.provider_party(action)?;
                let mut events = vec![ShareEvent::ForwardedToProvider(ForwardedToProvider {
                    provider,
                    review_opinion: c.review_opinion,
                    by: actor,
                    at,
                })];
                events.extend(self.meet_open(at)?);
                events.extend(self.enter(
                    ShareStatus::AwaitingProviderReply,
                    self.holder,
                    at,
                    services,
                )?);
                Ok(events)
            }
            ShareCommand::AgreeToShare(c) => self.agree(actor, at, c, services),
            ShareCommand::RefuseToShare(c) => self.refuse(actor, at, c, &services.rules.options),
            ShareCommand::RaiseObjection(c) => self.raise_objection(actor, at, c, services),
            ShareCommand::ConcludeObjection(c) => self.conclude_objection(actor, at, c, services),
            ShareCommand::ProvideShare(c) => self.provide(actor, at, c),
            ShareCommand::MarkOverdue(c) => {
                let subject = self.requester_subject("mark a deadline overdue")?;
                authorize(Action::MarkOverdue, &actor, &subject)?;
                let tracked = self
                    .deadlines
                    .get(&c.deadline)
                    .ok_or_else(|| DomainError::UnknownDeadline(c.deadline.clone()))?;
                // A step not yet due when the requester withdrew was no longer owed.
                if let Some(withdrawn_at) = self.withdrawn_at
                    && tracked.is_open()
                    && tracked.current.due_at >= withdrawn_at
                {
                    return Ok(Vec::new());
                }
                self.deadlines.mark_overdue_events(&c.deadline, at)
            }
            ShareCommand::RemindDeadline(c) => {
                let subject = self.requester_subject("remind of a deadline")?;
                authorize(Action::RemindDeadline, &actor, &subject)?;
                // A step the requester withdrew from is no longer owed (第十九条): nothing to remind of.
                if let Some(withdrawn_at) = self.withdrawn_at
                    && self.deadlines.get(&c.deadline).is_some_and(|d| d.is_open())
                {
                    return Err(DomainError::invalid_state(
                        "remind of a deadline",
                        format!(
                            "the application was withdrawn at {withdrawn_at}; {} is no longer owed",
                            c.deadline
                        ),
                    ));
                }
                self.deadlines.remind_events(&c.deadline, at, services)
            }
            ShareCommand::RecomputeDeadlines(_) => {
                let subject = self.requester_subject("recompute deadlines")?;
                authorize(Action::RecomputeDeadlines, &actor, &subject)?;
                // A finished application owes no further step: its open deadlines (a withdrawal leaves the
                // step then owed unmet in the ledger) are no longer open, so nothing is recomputed.
                if self.status.is_final() {
                    return Ok(Vec::new());
                }
                self.deadlines.recompute_events(services)
            }
        }
    }

    fn last_instant(&self) -> Option<DateTime<Utc>> {
        self.last_at
    }
}

impl Aggregate for ShareApplication {
    const TYPE: &'static str = "ShareApplication";
    type Command = CommandEnvelope<ShareCommand>;
    type Event = ShareEvent;
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
        self.apply_event(event);
    }
}
