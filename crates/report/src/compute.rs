//! The indicators of one department from its facts (第三十八条). Pure: the facts in, the indicators out.

use std::collections::{BTreeMap, BTreeSet};

use govshare_domain::RuleSet;
use govshare_projections::models::assessment::{AssessmentFact, FactKind, outcome};

use crate::indicators::{Definition, Direction, INDICATORS, Measure};
use crate::{Indicator, Period};

/// A case and the detail within it (a deadline id, a use id, an order number).
type Key = (String, String, String);

fn key(f: &AssessmentFact) -> Key {
    (
        f.case.aggregate_type.clone(),
        f.case.aggregate_id.clone(),
        f.detail.clone(),
    )
}

fn case_of(f: &AssessmentFact) -> (String, String) {
    (f.case.aggregate_type.clone(), f.case.aggregate_id.clone())
}

/// What an indicator counted: the numerator's positions and the denominator's (None for a count).
struct Tally {
    numerator: BTreeSet<u64>,
    denominator: Option<BTreeSet<u64>>,
    // Facts counted besides numerator and denominator (e.g. the objection that overturned a refusal).
    context: BTreeSet<u64>,
    numerator_count: u64,
    denominator_count: u64,
}

/// Every indicator of one department, in the order of [`INDICATORS`]. `facts` are the department's facts
/// recorded at or before the report's instant.
pub(crate) fn indicators(
    facts: &[AssessmentFact],
    period: Period,
    rules: &RuleSet,
) -> Vec<Indicator> {
    INDICATORS
        .iter()
        .map(|d| {
            let t = tally(d, facts, period);
            let weight = match d.measure {
                Measure::Count => 0,
                _ => rules.assessment.weight(d.key),
            };
            let rate = match (&t.denominator, t.denominator_count) {
                (Some(_), n) if n > 0 => Some(t.numerator_count as f64 / n as f64),
                _ => None,
            };
            let mut positions: BTreeSet<u64> = t.numerator.clone();
            if let Some(den) = &t.denominator {
                positions.extend(den.iter().copied());
            }
            positions.extend(t.context.iter().copied());
            Indicator {
                key: d.key,
                article: d.article,
                measure: d.measure,
                direction: d.direction,
                weight,
                numerator: t.numerator_count,
                denominator: t.denominator.as_ref().map(|_| t.denominator_count),
                rate,
                numerator_positions: t.numerator.into_iter().collect(),
                positions: positions.into_iter().collect(),
            }
        })
        .collect()
}

/// The weighted score out of 100: Σ weight × (rate, or 1 − rate where lower is better) ÷ Σ weight, over the
/// indicators with a rate and a weight.
pub(crate) fn score(indicators: &[Indicator]) -> Option<f64> {
    let mut total = 0u64;
    let mut sum = 0.0;
    for i in indicators {
        if let (Some(rate), true) = (i.rate, i.weight > 0) {
            let good = match i.direction {
                Direction::Higher => rate,
                Direction::Lower => 1.0 - rate,
            };
            sum += f64::from(i.weight) * good;
            total += u64::from(i.weight);
        }
    }
    (total > 0).then(|| 100.0 * sum / total as f64)
}

fn tally(d: &Definition, facts: &[AssessmentFact], period: Period) -> Tally {
    let in_period = |f: &&AssessmentFact| period.contains(f.recorded_at);
    let of = |kind: FactKind| facts.iter().filter(move |f| f.fact == kind);
    match (d.measure, d.key) {
        (Measure::Count, _) => {
            let kind = match d.key {
                "catalog_entries_compiled" => FactKind::CatalogEntryDrafted,
                "catalog_versions_published" => FactKind::CatalogVersionPublished,
                "share_requests_received" => FactKind::ShareRequestReceived,
                _ => FactKind::IncidentReported,
            };
            let counted: BTreeSet<u64> = of(kind).filter(in_period).map(|f| f.position).collect();
            Tally {
                numerator_count: counted.len() as u64,
                denominator_count: 0,
                numerator: counted,
                denominator: None,
                context: BTreeSet::new(),
            }
        }
        (Measure::DeadlinesOnTime | Measure::DeadlinesLate, _) => {
            // A deadline's first outcome: met on time, met late, or missed (a later act after a miss is
            // `met_after_miss` and not counted again).
            let first: Vec<&AssessmentFact> = of(FactKind::Deadline)
                .filter(in_period)
                .filter(|f| f.rule.as_deref().is_some_and(|r| d.rules.contains(&r)))
                .filter(|f| {
                    matches!(
                        f.outcome.as_str(),
                        outcome::MET_ON_TIME | outcome::MET_LATE | outcome::MISSED
                    )
                })
                .collect();
            let on_time = |f: &&&AssessmentFact| f.outcome == outcome::MET_ON_TIME;
            let numerator: BTreeSet<u64> = if d.measure == Measure::DeadlinesOnTime {
                first.iter().filter(on_time).map(|f| f.position).collect()
            } else {
                first
                    .iter()
                    .filter(|f| !on_time(f))
                    .map(|f| f.position)
                    .collect()
            };
            ratio(numerator, first.iter().map(|f| f.position).collect())
        }
        (_, "aggregation_rate") => {
            // A stock at the period's end: the latest approval of each entry says whether it is shareable.
            let before_end = |f: &&AssessmentFact| f.recorded_at < period.end();
            let mut latest: BTreeMap<(String, String), &AssessmentFact> = BTreeMap::new();
            // Facts are in log order; a listing on the negative list (第十五条) ends shareability until the
            // entry is approved again.
            for f in facts.iter().filter(|f| {
                matches!(
                    f.fact,
                    FactKind::CatalogEntryApproved | FactKind::CatalogEntryListed
                )
            }) {
                if before_end(&f) {
                    latest.insert(case_of(f), f);
                }
            }
            let mut aggregated: BTreeMap<(String, String), u64> = BTreeMap::new();
            for f in of(FactKind::AggregationRegistered).filter(before_end) {
                aggregated.entry(case_of(f)).or_insert(f.position);
            }
            let shareable: Vec<(&(String, String), &&AssessmentFact)> = latest
                .iter()
                .filter(|(_, f)| {
                    f.fact == FactKind::CatalogEntryApproved && f.outcome == "shareable"
                })
                .collect();
            let mut numerator = BTreeSet::new();
            let mut context = BTreeSet::new();
            for (case, approval) in &shareable {
                if let Some(p) = aggregated.get(*case) {
                    numerator.insert(approval.position);
                    context.insert(*p);
                }
            }
            let mut t = ratio(
                numerator,
                shareable.iter().map(|(_, f)| f.position).collect(),
            );
            t.context = context;
            t
        }
        (_, "refusal_rate") => {
            let replies: Vec<&AssessmentFact> =
                of(FactKind::ProviderReply).filter(in_period).collect();
            ratio(
                replies
                    .iter()
                    .filter(|f| f.outcome == "refused")
                    .map(|f| f.position)
                    .collect(),
                replies.iter().map(|f| f.position).collect(),
            )
        }
        (_, "refusals_overturned") => {
            let refusals: Vec<&AssessmentFact> = of(FactKind::ProviderReply)
                .filter(in_period)
                .filter(|f| f.outcome == "refused")
                .collect();
            let upheld: Vec<&AssessmentFact> = of(FactKind::ObjectionConcluded)
                .filter(|f| f.outcome == "upheld")
                .collect();
            let mut numerator = BTreeSet::new();
            let mut context = BTreeSet::new();
            for r in &refusals {
                if let Some(u) = upheld
                    .iter()
                    .find(|u| case_of(u) == case_of(r) && u.position > r.position)
                {
                    numerator.insert(r.position);
                    context.insert(u.position);
                }
            }
            let mut t = ratio(numerator, refusals.iter().map(|f| f.position).collect());
            t.context = context;
            t
        }
        (_, "verification_extension_rate") => {
            let rule = |f: &&AssessmentFact| f.rule.as_deref() == Some("verification_answer");
            let set: Vec<&AssessmentFact> = of(FactKind::Deadline)
                .filter(in_period)
                .filter(rule)
                .filter(|f| f.outcome == outcome::SET)
                .collect();
            let extended: Vec<&AssessmentFact> = of(FactKind::Deadline)
                .filter(rule)
                .filter(|f| f.outcome == outcome::EXTENDED)
                .collect();
            let mut numerator = BTreeSet::new();
            let mut context = BTreeSet::new();
            for s in &set {
                if let Some(x) = extended
                    .iter()
                    .find(|x| key(x) == key(s) && x.position > s.position)
                {
                    numerator.insert(s.position);
                    context.insert(x.position);
                }
            }
            let mut t = ratio(numerator, set.iter().map(|f| f.position).collect());
            t.context = context;
            t
        }
        (_, "usage_violation_rate") => {
            let uses: Vec<&AssessmentFact> = of(FactKind::GrantUse).filter(in_period).collect();
            let violations: BTreeSet<Key> = of(FactKind::GrantViolation).map(key).collect();
            ratio(
                uses.iter()
                    .filter(|u| violations.contains(&key(u)))
                    .map(|f| f.position)
                    .collect(),
                uses.iter().map(|f| f.position).collect(),
            )
        }
        (_, "rectification_rejected_rate") => {
            let reports: Vec<&AssessmentFact> = of(FactKind::RectificationReported).collect();
            let counted: Vec<&&AssessmentFact> = reports
                .iter()
                .filter(|f| period.contains(f.recorded_at))
                .collect();
            let mut numerator = BTreeSet::new();
            let mut context = BTreeSet::new();
            // A rejection answers the latest report of the same order before it.
            for r in of(FactKind::RectificationRejected) {
                let answered = reports
                    .iter()
                    .filter(|p| key(p) == key(r) && p.position < r.position)
                    .map(|p| p.position)
                    .max();
                if let Some(p) = answered
                    && counted.iter().any(|c| c.position == p)
                {
                    numerator.insert(p);
                    context.insert(r.position);
                }
            }
            let mut t = ratio(numerator, counted.iter().map(|f| f.position).collect());
            t.context = context;
            t
        }
        _ => ratio(BTreeSet::new(), BTreeSet::new()),
    }
}

fn ratio(numerator: BTreeSet<u64>, denominator: BTreeSet<u64>) -> Tally {
    Tally {
        numerator_count: numerator.len() as u64,
        denominator_count: denominator.len() as u64,
        numerator,
        denominator: Some(denominator),
        context: BTreeSet::new(),
    }
}
