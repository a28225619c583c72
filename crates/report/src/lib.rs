//! The assessment report of the Hebei regulation on government data sharing (考核评价, 第三十八条): for each
//! department of a scope, over a period, the indicators of its duties — catalog compilation and changes
//! (第九至十一条), aggregation (第十六条), sharing as provider and as data authority (第十九、二十一条),
//! quality verification (第二十条), use of grants (第二十二条), security incidents (第三十四条) and
//! rectification (第三十九条) — each with numerator, denominator, rate, article and the log positions of the
//! facts it counts, and a score weighted by the rule set's `assessment` weights.
//!
//! The report reads the `assessment` read model only (`govshare_projections::models::assessment`), never
//! the log writer. **Reproducible:** only facts recorded at or before `as_of` count, every list is ordered by
//! a key, so the report as of an instant is the same, byte for byte, whenever it is computed.
//!
//! ```no_run
//! # async fn example(db: &govshare_projections::ReadDb) -> Result<(), govshare_report::ReportError> {
//! use govshare_report::{AssessmentRequest, Format, Lang, Scope, assessment, render};
//!
//! let request = AssessmentRequest {
//!     period: "2026Q3".parse()?,
//!     scope: Scope::Region("130000".into()),
//!     as_of: chrono::DateTime::parse_from_rfc3339("2026-10-09T00:00:00+08:00").unwrap_or_default().into(),
//! };
//! let report = assessment(db, &govshare_domain::RuleSet::hebei_2022(), &request).await?;
//! let page = render(&report, Format::Html, Lang::Zh);
//! # let _ = page; Ok(()) }
//! ```
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod compute;
mod error;
pub mod indicators;
mod period;
mod render;

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use govshare_domain::{RuleSet, RuleSetRef};
use govshare_projections::ReadDb;
use govshare_projections::models::assessment::{self as model, DepartmentFilter};
use govshare_projections::{MAX_LIMIT, PageRequest};
use serde::Serialize;

pub use error::ReportError;
pub use indicators::{Definition, Direction, INDICATORS, Measure};
pub use period::Period;
pub use render::{Format, Lang, render};

/// The article the report implements.
pub const ARTICLE: &str = "第三十八条";

/// Whom the report covers.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "kind", content = "code", rename_all = "snake_case")]
pub enum Scope {
    /// Every department registered in the region (exactly this division code) at or before `as_of`.
    Region(String),
    /// One department.
    Department(String),
}

impl FromStr for Scope {
    type Err = ReportError;

    /// `region:130000` or `department:130000-public-security`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().split_once(':') {
            Some(("region", code)) if !code.trim().is_empty() => {
                Ok(Scope::Region(code.trim().to_owned()))
            }
            Some(("department", code)) if !code.trim().is_empty() => {
                Ok(Scope::Department(code.trim().to_owned()))
            }
            _ => Err(ReportError::InvalidScope(s.to_owned())),
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::Region(code) => write!(f, "region:{code}"),
            Scope::Department(code) => write!(f, "department:{code}"),
        }
    }
}

/// What to report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssessmentRequest {
    /// The period assessed (Beijing dates).
    pub period: Period,
    /// The departments assessed.
    pub scope: Scope,
    /// Only facts recorded at or before this instant count.
    pub as_of: DateTime<Utc>,
}

/// The assessment report (第三十八条).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AssessmentReport {
    /// Always 第三十八条.
    pub article: &'static str,
    /// The period assessed.
    pub period: Period,
    /// Its first Beijing date.
    pub first_day: NaiveDate,
    /// Its last Beijing date.
    pub last_day: NaiveDate,
    /// Whom it covers.
    pub scope: Scope,
    /// Facts recorded after this instant are not counted.
    pub as_of: DateTime<Utc>,
    /// The rule set whose weights score it.
    pub rule_set: RuleSetRef,
    /// One entry per department, by code.
    pub departments: Vec<DepartmentAssessment>,
}

/// One department's assessment.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DepartmentAssessment {
    /// Registry code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Region.
    pub region: String,
    /// Weighted score out of 100 over the indicators with a rate and a weight; `None` when none has both.
    pub score: Option<f64>,
    /// Every indicator, in the order of [`INDICATORS`].
    pub indicators: Vec<Indicator>,
}

/// One indicator of one department.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Indicator {
    /// Key (see [`INDICATORS`]).
    pub key: &'static str,
    /// Article the duty comes from.
    pub article: &'static str,
    /// How it is counted.
    pub measure: Measure,
    /// Which way is better.
    pub direction: Direction,
    /// Weight from the rule set (0 for counts).
    pub weight: u32,
    /// The facts counted in the numerator (for a count, the count).
    pub numerator: u64,
    /// The facts counted in the denominator; `None` for a count.
    pub denominator: Option<u64>,
    /// numerator ÷ denominator; `None` for a count or when the denominator is 0.
    pub rate: Option<f64>,
    /// Positions of the events counted in the numerator, ascending.
    pub numerator_positions: Vec<u64>,
    /// Positions of every event the indicator counts (numerator and denominator), ascending.
    pub positions: Vec<u64>,
}

/// Computes the assessment report (第三十八条) from the `assessment` read model as of `request.as_of`,
/// scored with `rules`' assessment weights.
///
/// The caller makes sure the read model has caught up with the log up to `as_of` (for instance with
/// `RunnerHandle::wait_for`); facts recorded after `as_of` are never counted.
pub async fn assessment(
    db: &ReadDb,
    rules: &RuleSet,
    request: &AssessmentRequest,
) -> Result<AssessmentReport, ReportError> {
    use tracing::Instrument;
    let span = tracing::info_span!(
        "report.assessment",
        period = %request.period,
        scope = %request.scope,
        as_of = %request.as_of,
        departments = tracing::field::Empty,
    );
    // `instrument`, not `enter`: an entered guard held across awaits would make the future `!Send`.
    compute_report(db, rules, request).instrument(span).await
}

async fn compute_report(
    db: &ReadDb,
    rules: &RuleSet,
    request: &AssessmentRequest,
) -> Result<AssessmentReport, ReportError> {
    if request.period.start() > request.as_of {
        return Err(ReportError::PeriodAfterAsOf {
            period: request.period.to_string(),
            as_of: request.as_of.to_rfc3339(),
        });
    }
    let filter = match &request.scope {
        Scope::Region(code) => DepartmentFilter {
            region: Some(code.clone()),
            code: None,
            registered_until: Some(request.as_of),
        },
        Scope::Department(code) => DepartmentFilter {
            region: None,
            code: Some(code.clone()),
            registered_until: Some(request.as_of),
        },
    };
    let departments = all_departments(db, &filter).await?;
    if let (Scope::Department(code), true) = (&request.scope, departments.is_empty()) {
        return Err(ReportError::UnknownDepartment(code.clone()));
    }
    tracing::Span::current().record("departments", departments.len());
    let mut assessed = Vec::with_capacity(departments.len());
    for d in departments {
        let facts = facts_of(db, &d.code, request.as_of).await?;
        let indicators = compute::indicators(&facts, request.period, rules);
        let score = compute::score(&indicators);
        assessed.push(DepartmentAssessment {
            code: d.code,
            name: d.name,
            region: d.region,
            score,
            indicators,
        });
    }
    Ok(AssessmentReport {
        article: ARTICLE,
        period: request.period,
        first_day: request.period.first_day(),
        last_day: request.period.last_day(),
        scope: request.scope.clone(),
        as_of: request.as_of,
        rule_set: rules.reference(),
        departments: assessed,
    })
}

async fn all_departments(
    db: &ReadDb,
    filter: &DepartmentFilter,
) -> Result<Vec<model::AssessedDepartment>, ReportError> {
    let mut out = Vec::new();
    let mut page = PageRequest::first(MAX_LIMIT);
    loop {
        let got = model::departments(db, filter, &page).await?;
        out.extend(got.items);
        match got.next {
            Some(next) => page = PageRequest::after(next, MAX_LIMIT),
            None => return Ok(out),
        }
    }
}

async fn facts_of(
    db: &ReadDb,
    department: &str,
    as_of: DateTime<Utc>,
) -> Result<Vec<model::AssessmentFact>, ReportError> {
    let filter = model::AssessmentFilter {
        department: Some(department.to_owned()),
        recorded_until: Some(as_of),
        ..model::AssessmentFilter::default()
    };
    let mut out = Vec::new();
    let mut page = PageRequest::first(MAX_LIMIT);
    loop {
        let got = model::list(db, &filter, &page).await?;
        out.extend(got.items);
        match got.next {
            Some(next) => page = PageRequest::after(next, MAX_LIMIT),
            None => return Ok(out),
        }
    }
}
