//! The catalog-entry aggregate.

use chrono::{DateTime, NaiveDate, Utc};
use cqrs_es::Aggregate;
use cqrs_es::event_sink::EventSink;
use serde::{Deserialize, Serialize};

use crate::actor::{Actor, DepartmentRef};
use crate::authorization::{Action, Subject, authorize, authorize_category};
use crate::catalog::command::{
    CatalogCommand, RecordCatalogChange, RecordDelisting, RecordNegativeListing, RecordSync,
    RegisterAggregation,
};
use crate::catalog::event::{
    AggregationRegistered, AggregationSynced, CatalogChangeRecorded, CatalogEntryApproved,
    CatalogEntryDrafted, CatalogEntryReturned, CatalogEntryRevised, CatalogEntrySubmitted,
    CatalogEvent, NotSharedListingRecorded, NotSharedListingRemoved, UpdateExtensionRefused,
    UpdateExtensionRequested,
};
use crate::catalog::metadata::{
    AggregationMethod, AggregationMode, CatalogMetadata, ShareAttribute,
};
use crate::deadline::{DeadlineId, Deadlines, Obligation};
use crate::decide::Decide;
use crate::envelope::CommandEnvelope;
use crate::error::DomainError;
use crate::instant::{beijing_date, check_date, check_instant};
use crate::rules::DeadlineRule;
use crate::services::{CategoryClass, DomainServices};
use crate::text::is_blank;

/// Where an entry is in its lifecycle.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum EntryStatus {
    /// Nothing recorded yet.
    #[default]
    New,
    /// 草稿: the working copy is being prepared.
    Draft,
    /// 待审核: submitted to the authority.
    Submitted,
    /// 已退回: returned with reasons.
    Returned,
    /// 已发布: the working copy was approved and is the published version.
    Approved,
}

/// The published version of an entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedVersion {
    /// Version number (1 for the first approval).
    pub version: u32,
    /// The metadata as published.
    pub metadata: CatalogMetadata,
    /// 发布日期.
    pub published_on: NaiveDate,
}

/// An open catalog change (第十一条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenChange {
    /// Sequence number of the change.
    pub change: u32,
    /// The department's current update deadline.
    pub update_deadline: DeadlineId,
    /// Whether an extension request awaits the authority.
    pub extension_pending: bool,
    /// Extensions granted during this change, across every update deadline it opened: 第十一条 allows one
    /// extension per change, and a return that restarts the clock does not renew it.
    #[serde(default)]
    pub extensions: u32,
}

/// A catalog entry (政务数据目录条目).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CatalogEntry {
    provider: Option<DepartmentRef>,
    status: EntryStatus,
    working: Option<CatalogMetadata>,
    category_class: Option<CategoryClass>,
    published: Option<PublishedVersion>,
    change: Option<OpenChange>,
    changes: u32,
    update_deadlines: u32,
    review_deadlines: u32,
    review_deadline: Option<DeadlineId>,
    listing: Option<String>,
    aggregation: Option<AggregationMethod>,
    last_synced_at: Option<DateTime<Utc>>,
    deadlines: Deadlines,
    /// The instant of the latest recorded fact (see `Decide::last_instant`).
    #[serde(default)]
    last_at: Option<DateTime<Utc>>,
}

impl CatalogEntry {
    /// Lifecycle status.
    pub fn status(&self) -> EntryStatus {
        self.status
    }

    /// The provider department.
    pub fn provider(&self) -> Option<&DepartmentRef> {
        self.provider.as_ref()
    }

    /// The published version, if any.
    pub fn published(&self) -> Option<&PublishedVersion> {
        self.published.as_ref()
    }

    /// The working copy (draft, submitted or returned metadata; the published metadata once approved).
    pub fn working(&self) -> Option<&CatalogMetadata> {
        self.working.as_ref()
    }

    /// The open catalog change, if any.
    pub fn open_change(&self) -> Option<&OpenChange> {
        self.change.as_ref()
    }

    /// The negative-list application the entry is listed by, if it is 不予共享.
    pub fn listing(&self) -> Option<&str> {
        self.listing.as_deref()
    }

    /// The registered aggregation method.
    pub fn aggregation(&self) -> Option<&AggregationMethod> {
        self.aggregation.as_ref()
    }

    /// Last synchronisation of a physical aggregation.
    pub fn last_synced_at(&self) -> Option<DateTime<Utc>> {
        self.last_synced_at
    }

    /// The entry's deadlines.
    pub fn deadlines(&self) -> &Deadlines {
        &self.deadlines
    }

    fn version_in_work(&self) -> u32 {
        self.published.as_ref().map_or(1, |p| p.version + 1)
    }

    fn provider_subject(
        &self,
        action: &'static str,
    ) -> Result<(&DepartmentRef, Subject), DomainError> {
        let provider = self
            .provider
            .as_ref()
            .ok_or_else(|| DomainError::invalid_state(action, "the entry has not been drafted"))?;
        Ok((provider, Subject::of(provider)))
    }

    fn state_label(&self) -> String {
        format!("the entry is {:?}", self.status).to_lowercase()
    }

    /// Checks metadata against configuration and the entry's listing; returns the category class seen.
    fn check_metadata(
        &self,
        actor: &Actor,
        metadata: &CatalogMetadata,
        services: &DomainServices,
    ) -> Result<Option<CategoryClass>, DomainError> {
        metadata.validate()?;
        if metadata.share_attribute == ShareAttribute::NotShared && self.listing.is_none() {
            return Err(DomainError::validation(
                "share_attribute",
                "不予共享 only once the entry is listed on the negative list (第十五条)",
            ));
        }
        let Some(category) = &metadata.category else {
            return Ok(None);
        };
        let assignment = services.categories.get(category).ok_or_else(|| {
            DomainError::validation(
                "category",
                format!("{category} is not a configured category"),
            )
        })?;
        authorize_category(actor, category, Some(&assignment.departments))?;
        if assignment.class == CategoryClass::Base
            && services.rules.options.base_data_physical_only
            && metadata.aggregation_mode != AggregationMode::Physical
        {
            return Err(DomainError::validation(
                "aggregation_mode",
                "base data is aggregated physically (第十八条)",
            ));
        }
        Ok(Some(assignment.class))
    }

    fn require_submitted(&self, action: &'static str) -> Result<(), DomainError> {
        if self.status == EntryStatus::Submitted {
            Ok(())
        } else {
            Err(DomainError::invalid_state(action, self.state_label()))
        }
    }

    fn require_change(&self, action: &'static str) -> Result<&OpenChange, DomainError> {
        self.change
            .as_ref()
            .ok_or_else(|| DomainError::invalid_state(action, "no catalog change is open"))
    }

    fn require_pending_extension(&self, action: &'static str) -> Result<&OpenChange, DomainError> {
        let change = self.require_change(action)?;
        if change.extension_pending {
            Ok(change)
        } else {
            Err(DomainError::invalid_state(
                action,
                "no extension request is pending",
            ))
        }
    }

    fn meet_review(&self, at: DateTime<Utc>) -> Result<Vec<CatalogEvent>, DomainError> {
        self.deadlines.meet_open(self.review_deadline.as_ref(), at)
    }

    fn record_change(
        &self,
        actor: Actor,
        at: DateTime<Utc>,
        c: RecordCatalogChange,
        services: &DomainServices,
    ) -> Result<Vec<CatalogEvent>, DomainError> {
        let (provider, subject) = self.provider_subject("record a catalog change")?;
        authorize(Action::CompileCatalogEntry, &actor, &subject)?;
        if self.published.is_none() {
            return Err(DomainError::invalid_state(
                "record a catalog change",
                "the entry was never published",
            ));
        }
        if self.change.is_some() {
            return Err(DomainError::invalid_state(
                "record a catalog change",
                "a change is already open",
            ));
        }
        if self.status == EntryStatus::Submitted {
            return Err(DomainError::invalid_state(
                "record a catalog change",
                self.state_label(),
            ));
        }
        DomainError::require_text(
            "description",
            &c.description,
            "state what changed (第十一条)",
        )?;
        // The date is the client's: refuse it under its own name before the calendar counts from it.
        check_date("changed_on", c.changed_on)?;
        if c.changed_on > beijing_date("at", at)? {
            return Err(DomainError::validation(
                "changed_on",
                "a change is recorded once it has happened",
            ));
        }
        let change = self.changes + 1;
        let id = DeadlineId::new(DeadlineRule::CatalogUpdate, self.update_deadlines + 1);
        let obligation = Obligation {
            what: DeadlineRule::CatalogUpdate,
            owed_by: provider.code.clone(),
        };
        let set = Deadlines::set_from_date(id, obligation, c.changed_on, services)?;
        Ok(vec![
            CatalogEvent::CatalogChangeRecorded(CatalogChangeRecorded {
                change,
                cause: c.cause,
                description: c.description,
                changed_on: c.changed_on,
                by: actor,
                at,
            }),
            set.into(),
        ])
    }

    fn record_listing(
        &self,
        actor: Actor,
        at: DateTime<Utc>,
        c: RecordNegativeListing,
    ) -> Result<Vec<CatalogEvent>, DomainError> {
        let (_, subject) = self.provider_subject("record a negative listing")?;
        authorize(Action::ReviewNegativeListing, &actor, &subject)?;
        if let Some(existing) = &self.listing {
            return Err(DomainError::invalid_state(
                "record a negative listing",
                format!("listed by {existing}"),
            ));
        }
        if is_blank(&c.listing_id) || is_blank(&c.legal_basis) {
            return Err(DomainError::validation(
                "listing",
                "names the listing and its legal basis (第十五条)",
            ));
        }
        if c.listed_at > at {
            return Err(DomainError::validation(
                "listed_at",
                "a listing is recorded once it has happened",
            ));
        }
        let previous_share_attribute = self
            .working
            .as_ref()
            .map(|m| m.share_attribute.clone())
            .ok_or_else(|| {
                DomainError::invalid_state("record a negative listing", "there is no metadata")
            })?;
        Ok(vec![CatalogEvent::NotSharedListingRecorded(
            NotSharedListingRecorded {
                listing_id: c.listing_id,
                legal_basis: c.legal_basis,
                approved_by_government: c.approved_by_government,
                listed_at: c.listed_at,
                previous_share_attribute,
                by: actor,
                at,
            },
        )])
    }

    fn record_delisting(
        &self,
        actor: Actor,
        at: DateTime<Utc>,
        c: RecordDelisting,
    ) -> Result<Vec<CatalogEvent>, DomainError> {
        let (_, subject) = self.provider_subject("record a delisting")?;
        authorize(Action::ReviewNegativeListing, &actor, &subject)?;
        match &self.listing {
            Some(id) if *id == c.listing_id => {}
            Some(id) => {
                return Err(DomainError::validation(
                    "listing_id",
                    format!("the entry is listed by {id}"),
                ));
            }
            None => {
                return Err(DomainError::invalid_state(
                    "record a delisting",
                    "the entry is not listed",
                ));
            }
        }
        if c.delisted_at > at {
            return Err(DomainError::validation(
                "delisted_at",
                "a delisting is recorded once it has happened",
            ));
        }
        Ok(vec![CatalogEvent::NotSharedListingRemoved(
            NotSharedListingRemoved {
                listing_id: c.listing_id,
                delisted_at: c.delisted_at,
                by: actor,
                at,
            },
        )])
    }

    fn register_aggregation(
        &self,
        actor: Actor,
        at: DateTime<Utc>,
        c: RegisterAggregation,
        services: &DomainServices,
    ) -> Result<Vec<CatalogEvent>, DomainError> {
        let (_, subject) = self.provider_subject("register aggregation")?;
        authorize(Action::CompileCatalogEntry, &actor, &subject)?;
        let published = self.published.as_ref().ok_or_else(|| {
            DomainError::invalid_state("register aggregation", "the entry is not published")
        })?;
        // The listing takes effect at once, before any revision of the published metadata.
        let share_attribute = if self.listing.is_some() {
            ShareAttribute::NotShared
        } else {
            published.metadata.share_attribute.clone()
        };
        if share_attribute == ShareAttribute::NotShared {
            return Err(DomainError::validation(
                "share_attribute",
                "only unconditional and conditional data are aggregated (第十六条)",
            ));
        }
        match &c.method {
            AggregationMethod::Physical { full, real_time } => {
                if !(*full && *real_time) {
                    return Err(DomainError::validation(
                        "method",
                        "physical aggregation is full and real-time (第十七条)",
                    ));
                }
            }
            AggregationMethod::Logical { endpoint } => {
                DomainError::require_text(
                    "method",
                    endpoint,
                    "logical access names its interface (第十七条)",
                )?;
                if self.category_class == Some(CategoryClass::Base)
                    && services.rules.options.base_data_physical_only
                {
                    return Err(DomainError::validation(
                        "method",
                        "base data is aggregated physically (第十八条)",
                    ));
                }
            }
        }
        Ok(vec![CatalogEvent::AggregationRegistered(
            AggregationRegistered {
                method: c.method,
                previous: self.aggregation.clone(),
                share_attribute,
                category_class: self.category_class,
                by: actor,
                at,
            },
        )])
    }

    fn record_sync(
        &self,
        actor: Actor,
        at: DateTime<Utc>,
        c: RecordSync,
    ) -> Result<Vec<CatalogEvent>, DomainError> {
        let (_, subject) = self.provider_subject("record a sync")?;
        authorize(Action::RecordAggregationSync, &actor, &subject)?;
        if !matches!(self.aggregation, Some(AggregationMethod::Physical { .. })) {
            return Err(DomainError::invalid_state(
                "record a sync",
                "the entry is not aggregated physically",
            ));
        }
        // A sync dated in a year the calendar does not count (year 1, before 1949) is no fact of 第十七条.
        check_instant("synced_at", c.synced_at)?;
        if c.synced_at > at {
            return Err(DomainError::validation(
                "synced_at",
                "a sync is recorded once it has happened",
            ));
        }
        if self.last_synced_at.is_some_and(|last| c.synced_at < last) {
            return Err(DomainError::validation(
                "synced_at",
                "earlier than the last recorded sync",
            ));
        }
        Ok(vec![CatalogEvent::AggregationSynced(AggregationSynced {
            synced_at: c.synced_at,
            by: actor,
            at,
        })])
    }
}

impl Decide for CatalogEntry {
    type Body = CatalogCommand;

    fn decide(
        &self,
        command: CommandEnvelope<CatalogCommand>,
        services: &DomainServices,
    ) -> Result<Vec<CatalogEvent>, DomainError> {
        let CommandEnvelope { actor, at, body } = command;
        match body {
            CatalogCommand::DraftCatalogEntry(c) => {
                authorize(
                    Action::CompileCatalogEntry,
                    &actor,
                    &Subject::of(&actor.department),
                )?;
                if self.status != EntryStatus::New {
                    return Err(DomainError::invalid_state(
                        "draft",
                        "the entry already exists",
                    ));
                }
                let category_class = self.check_metadata(&actor, &c.metadata, services)?;
                Ok(vec![CatalogEvent::CatalogEntryDrafted(
                    CatalogEntryDrafted {
                        provider: actor.department.clone(),
                        metadata: c.metadata,
                        category_class,
                        by: actor,
                        at,
                    },
                )])
            }
            CatalogCommand::ReviseCatalogEntry(c) => {
                let (_, subject) = self.provider_subject("revise")?;
                authorize(Action::CompileCatalogEntry, &actor, &subject)?;
                if self.status == EntryStatus::Submitted {
                    return Err(DomainError::invalid_state("revise", self.state_label()));
                }
                let category_class = self.check_metadata(&actor, &c.metadata, services)?;
                Ok(vec![CatalogEvent::CatalogEntryRevised(
                    CatalogEntryRevised {
                        version: self.version_in_work(),
                        metadata: c.metadata,
                        category_class,
                        by: actor,
                        at,
                    },
                )])
            }
            CatalogCommand::RecordCatalogChange(c) => self.record_change(actor, at, c, services),
            CatalogCommand::SubmitCatalogEntry(c) => {
                let (provider, subject) = self.provider_subject("submit")?;
                authorize(Action::CompileCatalogEntry, &actor, &subject)?;
                if !c
                    .authority
                    .is_authority_of(&provider.region, provider.level)
                {
                    return Err(DomainError::validation(
                        "authority",
                        format!(
                            "{} is not the data authority of the provider's region and level",
                            c.authority.code
                        ),
                    ));
                }
                if !matches!(self.status, EntryStatus::Draft | EntryStatus::Returned) {
                    return Err(DomainError::invalid_state("submit", self.state_label()));
                }
                let working = self.working.as_ref().ok_or_else(|| {
                    DomainError::invalid_state("submit", "there is no working copy")
                })?;
                let mut events = vec![CatalogEvent::CatalogEntrySubmitted(CatalogEntrySubmitted {
                    version: self.version_in_work(),
                    share_attribute: working.share_attribute.clone(),
                    authority: c.authority.clone(),
                    change: self.change.as_ref().map(|c| c.change),
                    by: actor.clone(),
                    at,
                })];
                if let Some(change) = &self.change {
                    events.extend(
                        self.deadlines
                            .meet_events::<CatalogEvent>(&change.update_deadline, at)?,
                    );
                }
                // 第十一条 sets the review deadline for updated entries; a first submission only if configured.
                let is_update = self.published.is_some() || self.change.is_some();
                if is_update || services.rules.options.review_deadline_for_new_entries {
                    let id =
                        DeadlineId::new(DeadlineRule::CatalogReview, self.review_deadlines + 1);
                    let obligation = Obligation {
                        what: DeadlineRule::CatalogReview,
                        owed_by: c.authority.code,
                    };
                    events.push(Deadlines::set_from_instant(id, obligation, at, services)?.into());
                }
                Ok(events)
            }
            CatalogCommand::ApproveCatalogEntry(_) => {
                let (_, subject) = self.provider_subject("approve")?;
                authorize(Action::ReviewCatalogEntry, &actor, &subject)?;
                self.require_submitted("approve")?;
                let mut events = vec![CatalogEvent::CatalogEntryApproved(CatalogEntryApproved {
                    version: self.version_in_work(),
                    published_on: beijing_date("at", at)?,
                    by: actor,
                    at,
                })];
                events.extend(self.meet_review(at)?);
                Ok(events)
            }
            CatalogCommand::ReturnCatalogEntry(c) => {
                let (provider, subject) = self.provider_subject("return")?;
                authorize(Action::ReviewCatalogEntry, &actor, &subject)?;
                self.require_submitted("return")?;
                DomainError::require_text(
                    "reasons",
                    &c.reasons,
                    "a return states its reasons (第十一条)",
                )?;
                let mut events = vec![CatalogEvent::CatalogEntryReturned(CatalogEntryReturned {
                    version: self.version_in_work(),
                    reasons: c.reasons,
                    by: actor,
                    at,
                })];
                events.extend(self.meet_review(at)?);
                if self.change.is_some() && services.rules.options.return_restarts_update_clock {
                    let id =
                        DeadlineId::new(DeadlineRule::CatalogUpdate, self.update_deadlines + 1);
                    let obligation = Obligation {
                        what: DeadlineRule::CatalogUpdate,
                        owed_by: provider.code.clone(),
                    };
                    events.push(Deadlines::set_from_instant(id, obligation, at, services)?.into());
                }
                Ok(events)
            }
            CatalogCommand::RequestUpdateExtension(c) => {
                let (_, subject) = self.provider_subject("request an extension")?;
                authorize(Action::CompileCatalogEntry, &actor, &subject)?;
                let change = self.require_change("request an extension")?;
                if change.extension_pending {
                    return Err(DomainError::invalid_state(
                        "request an extension",
                        "a request is already pending",
                    ));
                }
                DomainError::require_text(
                    "reason",
                    &c.reason,
                    "an extension states its special reason (第十一条)",
                )?;
                let max = services.rules.deadlines.catalog_update_max_extensions;
                // The limit is per change (第十一条: 延长一次), not per deadline: a return opens a fresh
                // update deadline but not a fresh extension.
                if change.extensions >= max {
                    return Err(DomainError::ExtensionLimitReached {
                        deadline: change.update_deadline.clone(),
                        allowed: max,
                    });
                }
                self.deadlines
                    .check_extension_request(&change.update_deadline, at, max)?;
                let due_at = self
                    .deadlines
                    .get(&change.update_deadline)
                    .map_or(at, |d| d.current.due_at);
                Ok(vec![CatalogEvent::UpdateExtensionRequested(
                    UpdateExtensionRequested {
                        deadline: change.update_deadline.clone(),
                        due_at,
                        reason: c.reason,
                        by: actor,
                        at,
                    },
                )])
            }
            CatalogCommand::ConsentToExtension(_) => {
                let (_, subject) = self.provider_subject("consent to an extension")?;
                authorize(Action::ReviewCatalogEntry, &actor, &subject)?;
                let change = self.require_pending_extension("consent to an extension")?;
                let fact = self.deadlines.extend(
                    &change.update_deadline,
                    DeadlineRule::CatalogUpdateExtension,
                    &actor,
                    services,
                )?;
                Ok(vec![fact.into()])
            }
            CatalogCommand::RefuseExtension(c) => {
                let (_, subject) = self.provider_subject("refuse an extension")?;
                authorize(Action::ReviewCatalogEntry, &actor, &subject)?;
                let change = self.require_pending_extension("refuse an extension")?;
                DomainError::require_text("reasons", &c.reasons, "a refusal states its reasons")?;
                Ok(vec![CatalogEvent::UpdateExtensionRefused(
                    UpdateExtensionRefused {
                        deadline: change.update_deadline.clone(),
                        reasons: c.reasons,
                        by: actor,
                        at,
                    },
                )])
            }
            CatalogCommand::RecordNegativeListing(c) => self.record_listing(actor, at, c),
            CatalogCommand::RecordDelisting(c) => self.record_delisting(actor, at, c),
            CatalogCommand::RegisterAggregation(c) => {
                self.register_aggregation(actor, at, c, services)
            }
            CatalogCommand::RecordSync(c) => self.record_sync(actor, at, c),
            CatalogCommand::MarkOverdue(c) => {
                let (_, subject) = self.provider_subject("mark a deadline overdue")?;
                authorize(Action::MarkOverdue, &actor, &subject)?;
                // A timely extension request keeps the deadline open until the authority answers it.
                if let Some(change) = &self.change
                    && change.extension_pending
                    && change.update_deadline == c.deadline
                    && self.deadlines.get(&c.deadline).is_some_and(|d| !d.missed)
                {
                    return Err(DomainError::ExtensionPending {
                        deadline: c.deadline,
                    });
                }
                self.deadlines.mark_overdue_events(&c.deadline, at)
            }
            CatalogCommand::RemindDeadline(c) => {
                let (_, subject) = self.provider_subject("remind of a deadline")?;
                authorize(Action::RemindDeadline, &actor, &subject)?;
                self.deadlines.remind_events(&c.deadline, at, services)
            }
            CatalogCommand::RecomputeDeadlines(_) => {
                let (_, subject) = self.provider_subject("recompute deadlines")?;
                authorize(Action::RecomputeDeadlines, &actor, &subject)?;
                self.deadlines.recompute_events(services)
            }
        }
    }

    fn last_instant(&self) -> Option<DateTime<Utc>> {
        self.last_at
    }
}

impl Aggregate for CatalogEntry {
    const TYPE: &'static str = "CatalogEntry";
    type Command = CommandEnvelope<CatalogCommand>;
    type Event = CatalogEvent;
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
            CatalogEvent::CatalogEntryDrafted(e) => {
                self.provider = Some(e.provider);
                self.working = Some(e.metadata);
                self.category_class = e.category_class;
                self.status = EntryStatus::Draft;
            }
            CatalogEvent::CatalogEntryRevised(e) => {
                self.working = Some(e.metadata);
                self.category_class = e.category_class;
                self.status = EntryStatus::Draft;
            }
            CatalogEvent::CatalogChangeRecorded(e) => {
                self.changes = e.change;
                self.change = Some(OpenChange {
                    change: e.change,
                    update_deadline: DeadlineId::new(
                        DeadlineRule::CatalogUpdate,
                        self.update_deadlines + 1,
                    ),
                    extension_pending: false,
                    extensions: 0,
                });
            }
            CatalogEvent::CatalogEntrySubmitted(_) => {
                self.status = EntryStatus::Submitted;
                // Submission meets the update deadline a pending request asked to extend: the request lapses,
                // so that a later consent cannot extend the deadline a return opens instead.
                if let Some(change) = &mut self.change {
                    change.extension_pending = false;
                }
            }
            CatalogEvent::CatalogEntryApproved(e) => {
                if let Some(metadata) = self.working.clone() {
                    self.published = Some(PublishedVersion {
                        version: e.version,
                        metadata,
                        published_on: e.published_on,
                    });
                }
                self.status = EntryStatus::Approved;
                self.change = None;
                self.review_deadline = None;
            }
            CatalogEvent::CatalogEntryReturned(_) => {
                self.status = EntryStatus::Returned;
                self.review_deadline = None;
            }
            CatalogEvent::UpdateExtensionRequested(_) => {
                if let Some(change) = &mut self.change {
                    change.extension_pending = true;
                }
            }
            CatalogEvent::UpdateExtensionRefused(_) => {
                if let Some(change) = &mut self.change {
                    change.extension_pending = false;
                }
            }
            CatalogEvent::DeadlineExtended(_) => {
                if let Some(change) = &mut self.change {
                    change.extension_pending = false;
                    change.extensions += 1;
                }
            }
            CatalogEvent::NotSharedListingRecorded(e) => {
                self.listing = Some(e.listing_id);
                // Listing is the legal act that makes the data 不予共享 (第十五条); it takes effect at once.
                for metadata in [
                    self.working.as_mut(),
                    self.published.as_mut().map(|p| &mut p.metadata),
                ]
                .into_iter()
                .flatten()
                {
                    metadata.share_attribute = ShareAttribute::NotShared;
                }
            }
            CatalogEvent::NotSharedListingRemoved(_) => self.listing = None,
            CatalogEvent::AggregationRegistered(e) => self.aggregation = Some(e.method),
            CatalogEvent::AggregationSynced(e) => self.last_synced_at = Some(e.synced_at),
            CatalogEvent::DeadlineSet(e) => match e.obligation.what {
                DeadlineRule::CatalogUpdate => {
                    self.update_deadlines += 1;
                    if let Some(change) = &mut self.change {
                        change.update_deadline = e.id;
                    }
                }
                DeadlineRule::CatalogReview => {
                    self.review_deadlines += 1;
                    self.review_deadline = Some(e.id);
                }
                _ => {}
            },
            CatalogEvent::DeadlineMet(_)
            | CatalogEvent::DeadlineMissed(_)
            | CatalogEvent::DeadlineRecomputed(_)
            | CatalogEvent::DeadlineReminded(_) => {}
        }
    }
}
