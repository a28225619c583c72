//! What an [`crate::Engine`] is built from.

use std::path::PathBuf;
use std::sync::Arc;

use govshare_domain::{CategoryAssignments, DomainServices, RuleSet};
use govshare_store::StoreConfig;
use govshare_workdays::Calendar;
use sha2::{Digest, Sha256};

use crate::clock::{Clock, SystemClock};
use crate::error::EngineError;
use crate::ids::{IdGenerator, UuidV7};
use govshare_codec::CalendarRef;

/// Which rule set decisions are taken under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleSetSource {
    /// A rule set shipped with the domain: `hebei-2022` (the default) or `national-2016`.
    Builtin(String),
    /// A rule-set file of the same shape.
    File(PathBuf),
}

impl Default for RuleSetSource {
    fn default() -> Self {
        RuleSetSource::Builtin("hebei-2022".to_owned())
    }
}

/// Where the 第十二条 category assignments (which departments compile which base and thematic categories)
/// come from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum CategorySource {
    /// None configured: entries may name no base or thematic category (AUTH-11).
    #[default]
    Unrestricted,
    /// Given in code.
    Inline(CategoryAssignments),
    /// A JSON file (`{"categories": {"人口": {"class": "base", "departments": [...]}}}`).
    File(PathBuf),
}

/// The engine's configuration. [`EngineConfig::default`] opens `govshare.db` in the working directory
/// with the `hebei-2022` rules, the official calendar, the system clock and UUIDv7 ids.
///
/// ```
/// use govshare_engine::EngineConfig;
///
/// let config = EngineConfig::new("/tmp/example.db").with_seed(7);
/// assert_eq!(config.store, "/tmp/example.db");
/// ```
#[derive(Clone)]
pub struct EngineConfig {
    /// A SQLite file path (optionally `sqlite:`-prefixed) or a `postgres://` URL.
    pub store: String,
    /// Tuning of the store (batch sizes, payload limit).
    pub store_config: StoreConfig,
    /// Extra official arrangement files (JSON, same shape as the shipped ones), loaded in order.
    pub calendar_files: Vec<PathBuf>,
    /// The rule set.
    pub rule_set: RuleSetSource,
    /// 第十二条 category assignments.
    pub categories: CategorySource,
    /// The clock.
    pub clock: Arc<dyn Clock>,
    /// The id generator.
    pub ids: Arc<dyn IdGenerator>,
    /// Save a snapshot when a stream's version reaches a multiple of this (0: never).
    pub snapshot_every: u64,
    /// How many aggregates the engine keeps in memory.
    pub cache_capacity: usize,
    /// How many times a command is decided again after losing a race for its stream.
    pub max_attempts: u32,
}

impl std::fmt::Debug for EngineConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineConfig")
            .field("store", &redact(&self.store))
            .field("calendar_files", &self.calendar_files)
            .field("rule_set", &self.rule_set)
            .field("categories", &self.categories)
            .field("clock", &self.clock)
            .field("ids", &self.ids)
            .field("snapshot_every", &self.snapshot_every)
            .field("cache_capacity", &self.cache_capacity)
            .field("max_attempts", &self.max_attempts)
            .finish_non_exhaustive()
    }
}

/// A location without its password, for logs.
pub(crate) fn redact(location: &str) -> String {
    match (location.find("://"), location.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://***@{}", &location[..scheme], &location[at + 1..])
        }
        _ => location.to_owned(),
    }
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig::new("govshare.db")
    }
}

impl EngineConfig {
    /// Defaults with the given store location.
    pub fn new(store: impl Into<String>) -> Self {
        EngineConfig {
            store: store.into(),
            store_config: StoreConfig::default(),
            calendar_files: Vec::new(),
            rule_set: RuleSetSource::default(),
            categories: CategorySource::Unrestricted,
            clock: Arc::new(SystemClock),
            ids: Arc::new(UuidV7),
            snapshot_every: 100,
            cache_capacity: 10_000,
            max_attempts: 8,
        }
    }

    /// Uses `clock` instead of the system clock.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Uses these category assignments (第十二条).
    pub fn with_categories(mut self, categories: CategoryAssignments) -> Self {
        self.categories = CategorySource::Inline(categories);
        self
    }

    /// Uses reproducible ids from `seed` instead of UUIDv7.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.ids = Arc::new(crate::ids::SeededIds::new(seed));
        self
    }

    /// Reads the files the configuration names and builds the decision services.
    pub(crate) fn services(&self) -> Result<(DomainServices, CalendarRef), EngineError> {
        let mut calendar = Calendar::official();
        let mut extra = Vec::new();
        for path in &self.calendar_files {
            let text = read(path, "calendar file")?;
            calendar = calendar
                .with_extra_json(&text)
                .map_err(|e| EngineError::Config(format!("{}: {e}", path.display())))?;
            extra.push(hex::encode(Sha256::digest(text.as_bytes())));
        }
        let rules = match &self.rule_set {
            RuleSetSource::Builtin(id) => RuleSet::builtin_by_id(id)
                .ok_or_else(|| EngineError::Config(format!("no built-in rule set {id:?}")))?,
            RuleSetSource::File(path) => RuleSet::from_json(&read(path, "rule-set file")?)
                .map_err(|e| EngineError::Config(format!("{}: {e}", path.display())))?,
        };
        let categories = match &self.categories {
            CategorySource::Unrestricted => CategoryAssignments::default(),
            CategorySource::Inline(assignments) => assignments.clone(),
            CategorySource::File(path) => CategoryAssignments::from_json(&read(path, "category file")?)
                .map_err(|e| EngineError::Config(format!("{}: {e}", path.display())))?,
        };
        let years = calendar.arrangements().years();
        let (first, last) = years.fold((i32::MAX, i32::MIN), |(lo, hi), y| (lo.min(y), hi.max(y)));
        let calendar_ref = CalendarRef {
            years: if first <= last { (first, last) } else { (0, 0) },
            extra,
        };
        Ok((DomainServices::new(calendar, rules, categories), calendar_ref))
    }
}

fn read(path: &PathBuf, what: &str) -> Result<String, EngineError> {
    std::fs::read_to_string(path)
        .map_err(|e| EngineError::Config(format!("{what} {}: {e}", path.display())))
}
