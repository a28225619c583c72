//! Rebuilding the decision services (calendar, rule set, category assignments) a recorded command was
//! decided with, from what its context names.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use govshare_codec::{CalendarRef, CommandContext};
use govshare_domain::{CategoryAssignments, DomainServices, RuleSet, RuleSetRef};
use govshare_workdays::Calendar;
use sha2::{Digest, Sha256};

use crate::error::{AuditError, Result};

/// What the caller supplies besides the log so that recorded decisions can be re-run: the files the
/// engine was configured with. Nothing here is trusted blindly: a rule set is used only for the id and
/// version a command recorded, an arrangement file only for the digest it recorded.
#[derive(Debug, Clone, Default)]
pub struct DecisionInputs {
    /// Rule sets other than the built-in ones, parsed.
    pub rule_sets: Vec<RuleSet>,
    /// Extra arrangement files (their text, as the engine read them), keyed by their SHA-256.
    pub calendar_files: Vec<String>,
    /// The 第十二条 category assignments the engine was configured with. Commands do not record them (see
    /// `docs/audit.md`); with the wrong ones, catalog decisions that name a category are reported as not
    /// reproduced.
    pub categories: CategoryAssignments,
}

impl DecisionInputs {
    /// Adds a rule-set file's text.
    pub fn with_rule_set_json(mut self, text: &str) -> Result<Self> {
        let rules =
            RuleSet::from_json(text).map_err(|e| AuditError::invalid("rule set", e.to_string()))?;
        self.rule_sets.push(rules);
        Ok(self)
    }

    /// Adds an extra arrangement file's text (checked when a command names its digest).
    pub fn with_calendar_json(mut self, text: impl Into<String>) -> Self {
        self.calendar_files.push(text.into());
        self
    }

    /// Uses these category assignments.
    pub fn with_categories(mut self, categories: CategoryAssignments) -> Self {
        self.categories = categories;
        self
    }

    /// Reads a rule-set file.
    pub fn with_rule_set_file(self, path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| AuditError::io(path, e))?;
        self.with_rule_set_json(&text)
    }

    /// Reads an extra arrangement file.
    pub fn with_calendar_file(self, path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| AuditError::io(path, e))?;
        Ok(self.with_calendar_json(text))
    }

    /// Reads a category assignment file.
    pub fn with_categories_file(self, path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| AuditError::io(path, e))?;
        let categories = CategoryAssignments::from_json(&text)
            .map_err(|e| AuditError::invalid(path.display().to_string(), e.to_string()))?;
        Ok(self.with_categories(categories))
    }
}

/// Rule-set id and version, calendar years and extra digests.
type ContextKey = (String, u32, (i32, i32), Vec<String>);

/// The services of each distinct recorded context, built once.
#[derive(Debug)]
pub(crate) struct ServiceResolver {
    inputs: DecisionInputs,
    calendars_by_digest: HashMap<String, String>,
    built: HashMap<ContextKey, std::result::Result<Arc<DomainServices>, String>>,
}

impl ServiceResolver {
    pub(crate) fn new(inputs: DecisionInputs) -> Self {
        let calendars_by_digest = inputs
            .calendar_files
            .iter()
            .map(|text| (hex::encode(Sha256::digest(text.as_bytes())), text.clone()))
            .collect();
        ServiceResolver {
            inputs,
            calendars_by_digest,
            built: HashMap::new(),
        }
    }

    /// The services the command with this context was decided with, or why they cannot be rebuilt.
    pub(crate) fn services(
        &mut self,
        context: &CommandContext,
    ) -> std::result::Result<Arc<DomainServices>, String> {
        let key: ContextKey = (
            context.rule_set.id.clone(),
            context.rule_set.version,
            context.calendar.years,
            context.calendar.extra.clone(),
        );
        if let Some(built) = self.built.get(&key) {
            return built.clone();
        }
        let built = self
            .build(&context.rule_set, &context.calendar)
            .map(Arc::new);
        self.built.insert(key, built.clone());
        built
    }

    fn build(
        &self,
        rule_set: &RuleSetRef,
        calendar: &CalendarRef,
    ) -> std::result::Result<DomainServices, String> {
        let rules = self.rule_set(rule_set)?;
        let calendar = self.calendar(calendar)?;
        Ok(DomainServices::new(
            calendar,
            rules,
            self.inputs.categories.clone(),
        ))
    }

    fn rule_set(&self, wanted: &RuleSetRef) -> std::result::Result<RuleSet, String> {
        if let Some(supplied) = self
            .inputs
            .rule_sets
            .iter()
            .find(|r| r.reference() == *wanted)
        {
            return Ok(supplied.clone());
        }
        match RuleSet::builtin_by_id(&wanted.id) {
            Some(builtin) if builtin.version == wanted.version => Ok(builtin),
            Some(builtin) => Err(format!(
                "rule set {} version {} was recorded, but the built-in one is version {} and no supplied file has it",
                wanted.id, wanted.version, builtin.version
            )),
            None => Err(format!(
                "rule set {} version {} is not built in and no supplied file has it",
                wanted.id, wanted.version
            )),
        }
    }

    fn calendar(&self, wanted: &CalendarRef) -> std::result::Result<Calendar, String> {
        let mut calendar = Calendar::official();
        for digest in &wanted.extra {
            let text = self.calendars_by_digest.get(digest).ok_or_else(|| {
                format!("arrangement file with SHA-256 {digest} was loaded but is not supplied")
            })?;
            calendar = calendar
                .with_extra_json(text)
                .map_err(|e| format!("arrangement file {digest}: {e}"))?;
        }
        let years = calendar_years(&calendar);
        if years != wanted.years {
            return Err(format!(
                "the calendar covered {}–{} when the command was decided, the rebuilt one covers {}–{}",
                wanted.years.0, wanted.years.1, years.0, years.1
            ));
        }
        Ok(calendar)
    }
}

/// First and last year with an arrangement, as the engine records them (`(0, 0)` for none).
fn calendar_years(calendar: &Calendar) -> (i32, i32) {
    let (first, last) = calendar
        .arrangements()
        .years()
        .fold((i32::MAX, i32::MIN), |(lo, hi), y| (lo.min(y), hi.max(y)));
    if first <= last { (first, last) } else { (0, 0) }
}
