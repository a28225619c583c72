//! The collection-list aggregate.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use cqrs_es::Aggregate;
use cqrs_es::event_sink::EventSink;
use serde::{Deserialize, Serialize};

use crate::actor::{DepartmentCode, DepartmentRef};
use crate::authorization::{Action, Subject, authorize};
use crate::collection_list::command::{
    ApplyCollectionChange, CollectionItem, CollectionListCommand, DuplicationJustification,
    SharedSource,
};
use crate::collection_list::event::{
    CollectionChangeApplied, CollectionChangeDecided, CollectionListDerived, CollectionListEvent,
};
use crate::decide::Decide;
use crate::envelope::CommandEnvelope;
use crate::error::DomainError;
use crate::services::DomainServices;
use crate::text::is_blank;

/// A change awaiting the authority's decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingChange {
    /// Sequence number.
    pub change: u32,
    /// Items to add.
    pub add: Vec<CollectionItem>,
    /// Data items to remove.
    pub remove: Vec<String>,
}

/// A department's collection responsibility list (采集责任清单).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectionList {
    department: Option<DepartmentRef>,
    version: u32,
    items: Vec<CollectionItem>,
    pending: Option<PendingChange>,
    changes: u32,
    justified: Vec<(SharedSource, DuplicationJustification)>,
    /// The instant of the latest recorded fact (see `Decide::last_instant`).
    #[serde(default)]
    last_at: Option<DateTime<Utc>>,
}

impl CollectionList {
    /// Current list version (0 before derivation).
    pub fn version(&self) -> u32 {
        self.version
    }

    /// Current items.
    pub fn items(&self) -> &[CollectionItem] {
        &self.items
    }

    /// The change awaiting a decision.
    pub fn pending(&self) -> Option<&PendingChange> {
        self.pending.as_ref()
    }

    /// Every duplicate collection in force or applied for, with its justification: what an assessor checks.
    pub fn justified_duplicates(&self) -> &[(SharedSource, DuplicationJustification)] {
        &self.justified
    }

    fn department(&self, action: &'static str) -> Result<&DepartmentRef, DomainError> {
        self.department
            .as_ref()
            .ok_or_else(|| DomainError::invalid_state(action, "no list has been derived"))
    }

    fn check_change(
        &self,
        department: &DepartmentRef,
        c: &ApplyCollectionChange,
    ) -> Result<(), DomainError> {
        if self.pending.is_some() {
            return Err(DomainError::invalid_state(
                "apply for a change",
                "a change awaits a decision",
            ));
        }
        DomainError::require_text("reason", &c.reason, "a change states its reason (第十四条)")?;
        if c.add.is_empty() && c.remove.is_empty() {
            return Err(DomainError::validation(
                "add",
                "a change adds or removes something",
            ));
        }
        check_items(&c.add)?;
        for name in &c.remove {
            if !self.items.iter().any(|i| &i.data_item == name) {
                return Err(DomainError::validation(
                    "remove",
                    format!("{name} is not on the list"),
                ));
            }
        }
        for item in &c.add {
            if self.items.iter().any(|i| i.data_item == item.data_item) {
                return Err(DomainError::validation(
                    "add",
                    format!("{} is already on the list", item.data_item),
                ));
            }
        }
        check_duplicates(&department.code, &c.add, &c.overlaps, &c.justifications)
    }
}

fn check_items(items: &[CollectionItem]) -> Result<(), DomainError> {
    let mut seen = BTreeSet::new();
    for item in items {
        if is_blank(&item.data_item) || is_blank(&item.entry_id) || item.entry_version == 0 {
            return Err(DomainError::validation(
                "items",
                "each item names a data item of an approved entry (第十三条)",
            ));
        }
        if !seen.insert(item.data_item.as_str()) {
            return Err(DomainError::validation(
                "items",
                format!("{} is listed twice", item.data_item),
            ));
        }
    }
    Ok(())
}

/// 第十三条: an item another department already provides for sharing may be collected only with a recorded
/// justification.
fn check_duplicates(
    department: &DepartmentCode,
    items: &[CollectionItem],
    overlaps: &[SharedSource],
    justifications: &[DuplicationJustification],
) -> Result<(), DomainError> {
    for overlap in overlaps {
        if &overlap.provider == department {
            return Err(DomainError::validation(
                "overlaps",
                "a department's own data is not a duplicate",
            ));
        }
        if !items.iter().any(|i| i.data_item == overlap.data_item) {
            return Err(DomainError::validation(
                "overlaps",
                format!("{} is not being collected", overlap.data_item),
            ));
        }
    }
    let unjustified: Vec<String> = overlaps
        .iter()
        .filter(|o| {
            !justifications
                .iter()
                .any(|j| j.data_item == o.data_item && !is_blank(&j.justification))
        })
        .map(|o| o.data_item.clone())
        .collect();
    if unjustified.is_empty() {
        Ok(())
    } else {
        Err(DomainError::DuplicateCollection { items: unjustified })
    }
}

fn pair(
    overlaps: &[SharedSource],
    justifications: &[DuplicationJustification],
) -> Vec<(SharedSource, DuplicationJustification)> {
    overlaps
        .iter()
        .filter_map(|o| {
            justifications
                .iter()
                .find(|j| j.data_item == o.data_item)
                .map(|j| (o.clone(), j.clone()))
        })
        .collect()
}

impl Decide for CollectionList {
    type Body = CollectionListCommand;

    fn decide(
        &self,
        command: CommandEnvelope<CollectionListCommand>,
        _services: &DomainServices,
    ) -> Result<Vec<CollectionListEvent>, DomainError> {
        let CommandEnvelope { actor, at, body } = command;
        match body {
            CollectionListCommand::DeriveCollectionList(c) => {
                let department = self.department.as_ref().unwrap_or(&c.department);
                authorize(
                    Action::DecideCollectionList,
                    &actor,
                    &Subject::of(department),
                )?;
                if department.code != c.department.code {
                    return Err(DomainError::validation(
                        "department",
                        format!("this is {}'s list", department.code),
                    ));
                }
                if self.pending.is_some() {
                    return Err(DomainError::invalid_state(
                        "derive the list",
                        "a change awaits a decision",
                    ));
                }
                check_items(&c.items)?;
                check_duplicates(&c.department.code, &c.items, &c.overlaps, &c.justifications)?;
                Ok(vec![CollectionListEvent::CollectionListDerived(
                    CollectionListDerived {
                        department: c.department,
                        version: self.version + 1,
                        items: c.items,
                        overlaps: c.overlaps,
                        justifications: c.justifications,
                        by: actor,
                        at,
                    },
                )])
            }
            CollectionListCommand::ApplyCollectionChange(c) => {
                let department = self.department("apply for a change")?;
                authorize(
                    Action::ApplyCollectionChange,
                    &actor,
                    &Subject::of(department),
                )?;
                self.check_change(department, &c)?;
                Ok(vec![CollectionListEvent::CollectionChangeApplied(
                    CollectionChangeApplied {
                        change: self.changes + 1,
                        add: c.add,
                        remove: c.remove,
                        reason: c.reason,
                        overlaps: c.overlaps,
                        justifications: c.justifications,
                        by: actor,
                        at,
                    },
                )])
            }
            CollectionListCommand::DecideCollectionChange(c) => {
                let department = self.department("decide a change")?;
                authorize(
                    Action::DecideCollectionList,
                    &actor,
                    &Subject::of(department),
                )?;
                let pending = self.pending.as_ref().ok_or_else(|| {
                    DomainError::invalid_state("decide a change", "no change awaits a decision")
                })?;
                if !c.approve && is_blank(&c.opinion) {
                    return Err(DomainError::validation(
                        "opinion",
                        "a refusal states its reasons",
                    ));
                }
                Ok(vec![CollectionListEvent::CollectionChangeDecided(
                    CollectionChangeDecided {
                        change: pending.change,
                        approved: c.approve,
                        version: if c.approve {
                            self.version + 1
                        } else {
                            self.version
                        },
                        opinion: c.opinion,
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

impl Aggregate for CollectionList {
    const TYPE: &'static str = "CollectionList";
    type Command = CommandEnvelope<CollectionListCommand>;
    type Event = CollectionListEvent;
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
            CollectionListEvent::CollectionListDerived(e) => {
                self.justified = pair(&e.overlaps, &e.justifications);
                self.department = Some(e.department);
                self.version = e.version;
                self.items = e.items;
            }
            CollectionListEvent::CollectionChangeApplied(e) => {
                self.changes = e.change;
                self.justified.extend(pair(&e.overlaps, &e.justifications));
                self.pending = Some(PendingChange {
                    change: e.change,
                    add: e.add,
                    remove: e.remove,
                });
            }
            CollectionListEvent::CollectionChangeDecided(e) => {
                if let Some(pending) = self.pending.take()
                    && e.approved
                {
                    self.items
                        .retain(|i| !pending.remove.contains(&i.data_item));
                    self.items.extend(pending.add);
                    self.version = e.version;
                }
            }
        }
    }
}
