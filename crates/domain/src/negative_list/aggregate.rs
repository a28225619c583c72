//! The negative-list application aggregate.

use chrono::{DateTime, Utc};
use cqrs_es::Aggregate;
use cqrs_es::event_sink::EventSink;
use serde::{Deserialize, Serialize};

use crate::actor::{Actor, DepartmentKind, DepartmentRef};
use crate::authorization::{Action, Subject, authorize};
use crate::decide::Decide;
use crate::envelope::CommandEnvelope;
use crate::error::DomainError;
use crate::negative_list::command::{
    ApplyForNegativeListing, BasisKind, LegalBasis, ListedEntry, NegativeListCommand,
    UpperAuthority,
};
use crate::negative_list::event::{
    EntryDelisted, EntryListed, ListingPhase, NegativeListEvent, NegativeListingApplied,
    NegativeListingDecided, NegativeListingFiled, NegativeListingReviewed,
};
use crate::services::DomainServices;
use crate::text::is_blank;

/// Where the application stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListingStatus {
    /// Nothing recorded.
    #[default]
    New,
    /// Applied; awaiting the authority's review.
    Applied(ListingPhase),
    /// Endorsed by the authority; awaiting the government.
    Endorsed(ListingPhase),
    /// The listing was refused by the authority or the government (final).
    Refused,
    /// On the negative list: the entry is 不予共享.
    Listed,
    /// Removed from the negative list (final).
    Delisted,
}

/// What the listing application established: who applied, for which entry, on which basis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Application {
    applicant: DepartmentRef,
    entry: ListedEntry,
    legal_basis: LegalBasis,
}

/// A negative-list application (不予共享申请) for one catalog entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NegativeListing {
    status: ListingStatus,
    application: Option<Application>,
    /// Whether the last listing or delisting has been filed with the upper-level authority.
    filed: bool,
    /// The instant of the latest recorded fact (see `Decide::last_instant`).
    #[serde(default)]
    last_at: Option<DateTime<Utc>>,
}

impl NegativeListing {
    /// Where the application stands.
    pub fn status(&self) -> ListingStatus {
        self.status
    }

    /// Whether the last listing or delisting was filed with the upper-level authority.
    pub fn is_filed(&self) -> bool {
        self.filed
    }

    fn application(&self, action: &'static str) -> Result<&Application, DomainError> {
        self.application
            .as_ref()
            .ok_or_else(|| DomainError::invalid_state(action, "nothing has been applied for"))
    }

    fn label(&self) -> String {
        format!("the application is {:?}", self.status).to_lowercase()
    }

    fn apply_listing(
        &self,
        actor: Actor,
        at: DateTime<Utc>,
        c: ApplyForNegativeListing,
    ) -> Result<NegativeListEvent, DomainError> {
        authorize(
            Action::ApplyNegativeListing,
            &actor,
            &Subject::of(&actor.department),
        )?;
        if self.status != ListingStatus::New {
            return Err(DomainError::invalid_state(
                "apply for listing",
                self.label(),
            ));
        }
        if !matches!(
            c.legal_basis.kind,
            BasisKind::Law | BasisKind::AdministrativeRegulation
        ) {
            return Err(DomainError::validation(
                "legal_basis",
                "不予共享 needs a basis in law or administrative regulation (第十五条)",
            ));
        }
        if is_blank(&c.legal_basis.instrument) || is_blank(&c.legal_basis.article) {
            return Err(DomainError::validation(
                "legal_basis",
                "names the instrument and the article",
            ));
        }
        if is_blank(&c.entry.entry_id) || is_blank(&c.reason) {
            return Err(DomainError::validation(
                "entry",
                "names the entry and the reason",
            ));
        }
        Ok(NegativeListEvent::NegativeListingApplied(
            NegativeListingApplied {
                phase: ListingPhase::Listing,
                applicant: actor.department.clone(),
                entry: c.entry,
                legal_basis: c.legal_basis,
                reason: c.reason,
                by: actor,
                at,
            },
        ))
    }

    fn check_upper(applicant: &DepartmentRef, upper: &UpperAuthority) -> Result<(), DomainError> {
        match (applicant.level.upper(), upper) {
            (None, UpperAuthority::National { name }) if !is_blank(name) => Ok(()),
            (Some(level), UpperAuthority::Registered(d))
                if d.kind == DepartmentKind::DataAuthority
                    && d.level == level
                    && d.region.covers(d.level, &applicant.region) =>
            {
                Ok(())
            }
            _ => Err(DomainError::validation(
                "upper_authority",
                format!(
                    "not the data authority one level above {} (第十五条)",
                    applicant.region
                ),
            )),
        }
    }
}

impl Decide for NegativeListing {
    type Body = NegativeListCommand;

    fn decide(
        &self,
        command: CommandEnvelope<NegativeListCommand>,
        _services: &DomainServices,
    ) -> Result<Vec<NegativeListEvent>, DomainError> {
        let CommandEnvelope { actor, at, body } = command;
        match body {
            NegativeListCommand::ApplyForNegativeListing(c) => {
                Ok(vec![self.apply_listing(actor, at, c)?])
            }
            NegativeListCommand::ReviewNegativeListing(c) => {
                let app = self.application("review")?;
                let applicant = &app.applicant;
                authorize(
                    Action::ReviewNegativeListing,
                    &actor,
                    &Subject::of(applicant),
                )?;
                let ListingStatus::Applied(phase) = self.status else {
                    return Err(DomainError::invalid_state("review", self.label()));
                };
                if !c.endorse && is_blank(&c.opinion) {
                    return Err(DomainError::validation(
                        "opinion",
                        "a refusal states its reasons",
                    ));
                }
                Ok(vec![NegativeListEvent::NegativeListingReviewed(
                    NegativeListingReviewed {
                        phase,
                        endorsed: c.endorse,
                        opinion: c.opinion,
                        by: actor,
                        at,
                    },
                )])
            }
            NegativeListCommand::DecideNegativeListing(c) => {
                let app = self.application("decide")?;
                let applicant = &app.applicant;
                authorize(
                    Action::ApproveNegativeListing,
                    &actor,
                    &Subject::of(applicant),
                )?;
                let ListingStatus::Endorsed(phase) = self.status else {
                    return Err(DomainError::invalid_state("decide", self.label()));
                };
                let mut events = vec![NegativeListEvent::NegativeListingDecided(
                    NegativeListingDecided {
                        phase,
                        approved: c.approve,
                        opinion: c.opinion,
                        by: actor,
                        at,
                    },
                )];
                if c.approve {
                    let (entry, region, level) =
                        (app.entry.clone(), applicant.region.clone(), applicant.level);
                    events.push(match phase {
                        ListingPhase::Listing => NegativeListEvent::EntryListed(EntryListed {
                            entry,
                            legal_basis: app.legal_basis.clone(),
                            region,
                            level,
                            at,
                        }),
                        ListingPhase::Delisting => {
                            NegativeListEvent::EntryDelisted(EntryDelisted {
                                entry,
                                region,
                                level,
                                at,
                            })
                        }
                    });
                }
                Ok(events)
            }
            NegativeListCommand::FileNegativeListing(c) => {
                let app = self.application("file")?;
                let applicant = &app.applicant;
                authorize(
                    Action::ReviewNegativeListing,
                    &actor,
                    &Subject::of(applicant),
                )?;
                let phase = match self.status {
                    ListingStatus::Listed if !self.filed => ListingPhase::Listing,
                    ListingStatus::Delisted if !self.filed => ListingPhase::Delisting,
                    _ => {
                        return Err(DomainError::invalid_state(
                            "file",
                            format!("{}, filed: {}", self.label(), self.filed),
                        ));
                    }
                };
                Self::check_upper(applicant, &c.upper_authority)?;
                Ok(vec![NegativeListEvent::NegativeListingFiled(
                    NegativeListingFiled {
                        phase,
                        upper_authority: c.upper_authority,
                        by: actor,
                        at,
                    },
                )])
            }
            NegativeListCommand::ApplyForDelisting(c) => {
                let app = self.application("apply for delisting")?;
                let applicant = &app.applicant;
                authorize(
                    Action::ApplyNegativeListing,
                    &actor,
                    &Subject::of(applicant),
                )?;
                if self.status != ListingStatus::Listed {
                    return Err(DomainError::invalid_state(
                        "apply for delisting",
                        self.label(),
                    ));
                }
                DomainError::require_text(
                    "reason",
                    &c.reason,
                    "states why the data can now be shared",
                )?;
                Ok(vec![NegativeListEvent::NegativeListingApplied(
                    NegativeListingApplied {
                        phase: ListingPhase::Delisting,
                        applicant: applicant.clone(),
                        entry: app.entry.clone(),
                        legal_basis: app.legal_basis.clone(),
                        reason: c.reason,
                        by: actor,
                        at,
                    },
                )])
            }
        }
    }

    fn last_instant(&self) -> Option<DateTime<Utc>> {
        self.last_at
    }
}

impl Aggregate for NegativeListing {
    const TYPE: &'static str = "NegativeListing";
    type Command = CommandEnvelope<NegativeListCommand>;
    type Event = NegativeListEvent;
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
            NegativeListEvent::NegativeListingApplied(e) => {
                if e.phase == ListingPhase::Listing {
                    self.application = Some(Application {
                        applicant: e.applicant,
                        entry: e.entry,
                        legal_basis: e.legal_basis,
                    });
                }
                self.status = ListingStatus::Applied(e.phase);
            }
            NegativeListEvent::NegativeListingReviewed(e) => {
                self.status = match (e.endorsed, e.phase) {
                    (true, phase) => ListingStatus::Endorsed(phase),
                    (false, ListingPhase::Listing) => ListingStatus::Refused,
                    // A refused delisting leaves the entry listed.
                    (false, ListingPhase::Delisting) => ListingStatus::Listed,
                };
            }
            NegativeListEvent::NegativeListingDecided(e) => {
                if !e.approved {
                    self.status = match e.phase {
                        ListingPhase::Listing => ListingStatus::Refused,
                        ListingPhase::Delisting => ListingStatus::Listed,
                    };
                }
            }
            NegativeListEvent::EntryListed(_) => {
                self.status = ListingStatus::Listed;
                self.filed = false;
            }
            NegativeListEvent::EntryDelisted(_) => {
                self.status = ListingStatus::Delisted;
                self.filed = false;
            }
            NegativeListEvent::NegativeListingFiled(_) => self.filed = true,
        }
    }
}
