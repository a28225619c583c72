//! The published-catalog aggregate.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use cqrs_es::Aggregate;
use cqrs_es::event_sink::EventSink;
use serde::{Deserialize, Serialize};

use crate::actor::DepartmentRef;
use crate::authorization::{Action, Subject, authorize};
use crate::decide::Decide;
use crate::envelope::CommandEnvelope;
use crate::error::DomainError;
use crate::instant::beijing_date;
use crate::published_catalog::command::PublishedCatalogCommand;
use crate::published_catalog::event::{CatalogVersionPublished, PublishedCatalogEvent};
use crate::services::DomainServices;

/// A version as remembered by the aggregate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionSummary {
    /// Number.
    pub number: u32,
    /// Date.
    pub published_on: NaiveDate,
    /// How many entries it names.
    pub entries: usize,
}

/// The catalog of one authority's region and level, as a series of published versions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedCatalog {
    authority: Option<DepartmentRef>,
    versions: Vec<VersionSummary>,
    /// The instant of the latest recorded fact (see `Decide::last_instant`).
    #[serde(default)]
    last_at: Option<DateTime<Utc>>,
}

impl PublishedCatalog {
    /// The versions published so far.
    pub fn versions(&self) -> &[VersionSummary] {
        &self.versions
    }
}

impl Decide for PublishedCatalog {
    type Body = PublishedCatalogCommand;

    fn decide(
        &self,
        command: CommandEnvelope<PublishedCatalogCommand>,
        _services: &DomainServices,
    ) -> Result<Vec<PublishedCatalogEvent>, DomainError> {
        let CommandEnvelope {
            actor,
            at,
            body: PublishedCatalogCommand::PublishCatalogVersion(c),
        } = command;
        // The first publication fixes whose catalog this is; the publisher must be that level's authority.
        let authority = self
            .authority
            .clone()
            .unwrap_or_else(|| actor.department.clone());
        authorize(Action::PublishCatalog, &actor, &Subject::of(&authority))?;
        let expected = self.versions.last().map_or(1, |v| v.number + 1);
        if c.number != expected {
            return Err(DomainError::validation(
                "number",
                format!("the next version is {expected}"),
            ));
        }
        if c.entries.is_empty() {
            return Err(DomainError::validation(
                "entries",
                "a published catalog names its entries",
            ));
        }
        let mut seen = BTreeSet::new();
        for entry in &c.entries {
            if !seen.insert(entry.entry_id.as_str()) {
                return Err(DomainError::validation(
                    "entries",
                    format!("{} is named twice", entry.entry_id),
                ));
            }
            if entry.version == 0 {
                return Err(DomainError::validation(
                    "entries",
                    format!("{} has no approved version", entry.entry_id),
                ));
            }
        }
        let published_on = beijing_date("at", at)?;
        if self
            .versions
            .last()
            .is_some_and(|v| v.published_on > published_on)
        {
            return Err(DomainError::validation(
                "at",
                "a version cannot predate the previous one",
            ));
        }
        Ok(vec![PublishedCatalogEvent::CatalogVersionPublished(
            CatalogVersionPublished {
                authority,
                number: c.number,
                published_on,
                entries: c.entries,
                by: actor,
                at,
            },
        )])
    }

    fn last_instant(&self) -> Option<DateTime<Utc>> {
        self.last_at
    }
}

impl Aggregate for PublishedCatalog {
    const TYPE: &'static str = "PublishedCatalog";
    type Command = CommandEnvelope<PublishedCatalogCommand>;
    type Event = PublishedCatalogEvent;
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
        let PublishedCatalogEvent::CatalogVersionPublished(e) = event;
        self.versions.push(VersionSummary {
            number: e.number,
            published_on: e.published_on,
            entries: e.entries.len(),
        });
        self.authority = Some(e.authority);
    }
}
