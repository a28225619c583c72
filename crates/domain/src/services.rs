//! What every aggregate's decisions may consult besides its own state: calendar, rule set, configuration.

use std::collections::BTreeMap;

use govshare_workdays::Calendar;
use serde::{Deserialize, Serialize};

use crate::actor::DepartmentCode;
use crate::error::DomainError;
use crate::rules::RuleSet;

/// Whether a catalog category is base data or thematic data (第十二条).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CategoryClass {
    /// 基础数据 (人口, 法人, 自然资源和空间地理, 宏观经济, 社会信用, 电子证照): aggregated physically (第十八条).
    Base,
    /// 主题数据 (社会保障, 医疗健康 …): aggregated physically or logically (第十八条).
    Thematic,
}

/// One configured category: its class and the departments that compile it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryAssignment {
    /// Base or thematic.
    pub class: CategoryClass,
    /// Departments (at any level) that compile and maintain entries in this category.
    pub departments: Vec<DepartmentCode>,
}

/// 第十二条 as configuration: which departments compile which base and thematic categories.
///
/// File form: `{"categories": {"人口": {"class": "base", "departments": ["130000-public-security"]}}}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryAssignments {
    /// Category name → assignment.
    pub categories: BTreeMap<String, CategoryAssignment>,
}

impl CategoryAssignments {
    /// Parses a configuration file's text (the caller reads the file).
    pub fn from_json(text: &str) -> Result<Self, DomainError> {
        serde_json::from_str(text)
            .map_err(|e| DomainError::validation("category_assignments", e.to_string()))
    }

    /// The assignment of a category, if configured.
    pub fn get(&self, category: &str) -> Option<&CategoryAssignment> {
        self.categories.get(category)
    }
}

/// The aggregates' `Services`: everything a decision may consult besides state, command and instant.
#[derive(Debug, Clone)]
pub struct DomainServices {
    /// The working-day calendar.
    pub calendar: Calendar,
    /// The jurisdiction's rule set.
    pub rules: RuleSet,
    /// Base and thematic category assignments (第十二条).
    pub categories: CategoryAssignments,
}

impl DomainServices {
    /// Bundles calendar, rule set and configuration.
    pub fn new(calendar: Calendar, rules: RuleSet, categories: CategoryAssignments) -> Self {
        DomainServices {
            calendar,
            rules,
            categories,
        }
    }
}
