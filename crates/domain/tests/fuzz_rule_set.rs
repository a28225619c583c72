//! Fuzzing the loader of rule-set files ([`RuleSet::from_json`], what `RuleSetSource::File` of the engine's
//! configuration reads) with arbitrary bytes, JSON of random shapes, and mutations of the built-in rule sets
//! (the shipped `rulesets/*.json` and the built-ins serialized back): day counts negative, zero, huge or
//! fractional, keys missing, unknown or renamed, sections retyped.
//!
//! Properties: the loader never panics; a refusal is a [`DomainError::Validation`] naming a field of the
//! rule set; an accepted rule set satisfies the documented checks (every working-day length and every
//! reporting window at least 1, a version, an id), serializes and loads back to an equal rule set, agrees
//! with the file (as `serde_json` parses it) on every field both have, and counts each of its deadlines on
//! the official calendar without a panic (a result or a typed calendar error).
//!
//! The number of cases is bounded for CI (see `DEFAULT_CASES`); run it longer with
//!
//! ```text
//! GOVSHARE_FUZZ_CASES=100000 cargo test --release -p govshare-domain --test fuzz_rule_set
//! ```
//!
//! See `docs/fuzzing.md`.

#[path = "../../workdays/tests/support/fuzz.rs"]
mod support;

use chrono::NaiveDate;
use govshare_domain::{DeadlineRule, DomainError, RuleSet};
use govshare_workdays::{Calendar, Coverage};
use proptest::prelude::*;
use serde_json::Value;
use support::*;

/// Cases per property by default: the suite runs in well under 20 s in a debug build on two cores.
const DEFAULT_CASES: u32 = 512;

const HEBEI: &str = include_str!("../rulesets/hebei-2022.json");
const NATIONAL: &str = include_str!("../rulesets/national-2016.json");

/// The rule-set format's field names, and a few near misses.
const KEYS: &[&str] = &[
    "id",
    "version",
    "title",
    "source",
    "coverage",
    "provisional",
    "strict",
    "deadlines",
    "options",
    "sources",
    "assessment",
    "reminders",
    "working_days_before",
    "catalog_update",
    "catalog_update_extension",
    "catalog_update_max_extensions",
    "catalog_review",
    "share_unconditional_provide",
    "share_conditional_review",
    "share_provider_reply",
    "share_provide_after_reply",
    "objection_coordination",
    "objection_provide",
    "verification_forward",
    "verification_answer",
    "verification_extension_max",
    "share_route_forward",
    "rectification",
    "incident_inform_provider",
    "incident_report",
    "return_restarts_update_clock",
    "review_deadline_for_new_entries",
    "supplement_restarts_authority_clock",
    "base_data_physical_only",
    "refusal_reason_min_chars",
    "refusal_stock_phrases",
    "incident_report_hours",
    "general",
    "larger",
    "major",
    "especially_major",
    "aggregation_rate",
    "provider_reply_on_time",
    "refusal_rate",
    "Catalog_Update",
    "catalogUpdate",
];

fn seeds() -> Vec<Value> {
    vec![
        serde_json::from_str(HEBEI).unwrap(),
        serde_json::from_str(NATIONAL).unwrap(),
        serde_json::to_value(RuleSet::hebei_2022()).unwrap(),
        serde_json::to_value(RuleSet::national_2016()).unwrap(),
        serde_json::json!({"id": "minimal", "version": 1}),
        serde_json::json!({
            "id": "with-reminders", "version": 3, "coverage": "strict",
            "reminders": {"working_days_before": 2, "deadlines": {"catalog_update": 3, "rectification": 0}}
        }),
    ]
}

fn check(text: &str) -> Result<(), TestCaseError> {
    let rules = match RuleSet::from_json(text) {
        Ok(rules) => rules,
        Err(DomainError::Validation { field, reason }) => {
            prop_assert!(field.starts_with("rule_set"), "refusal names {field}");
            prop_assert!(!reason.is_empty());
            return Ok(());
        }
        Err(other) => {
            return Err(TestCaseError::fail(format!(
                "refused with an error of another kind: {other:?}"
            )));
        }
    };
    // The documented checks hold.
    prop_assert!(!rules.id.trim().is_empty());
    prop_assert!(rules.version >= 1);
    for rule in DeadlineRule::ALL {
        if rule.counts_working_days() {
            prop_assert!(
                rules.days(rule) >= 1,
                "{} is {}",
                rule.key(),
                rules.days(rule)
            );
        }
    }
    let h = &rules.options.incident_report_hours;
    prop_assert!(
        [h.general, h.larger, h.major, h.especially_major]
            .iter()
            .all(|&n| n >= 1)
    );
    prop_assert_ne!(rules.reminders.working_days_before, Some(0));
    // Round trip, and agreement with the file on every field both have.
    let back = serde_json::to_value(&rules).unwrap();
    let again = RuleSet::from_json(&back.to_string())
        .map_err(|e| TestCaseError::fail(format!("a serialized rule set does not load: {e}")))?;
    prop_assert_eq!(&again, &rules);
    // Text whose ignored parts `serde_json::Value` refuses (see the support module) has no oracle.
    if let Ok(input) = serde_json::from_str::<Value>(text)
        && let Some(path) = disagreement(&input, &back, String::new())
    {
        return Err(TestCaseError::fail(format!(
            "loading changed {path}: {input} became {back}"
        )));
    }
    // Its deadlines count on the official calendar, or fail with a typed error.
    let calendar = Calendar::official();
    for from in [
        NaiveDate::from_ymd_opt(2026, 9, 30).unwrap(),
        NaiveDate::from_ymd_opt(2199, 12, 31).unwrap(),
    ] {
        for rule in DeadlineRule::ALL {
            let n = rules.days(rule);
            if let Ok(deadline) = calendar.due(from, n, rules.coverage) {
                let _ = calendar.extend(
                    &deadline,
                    rules.deadlines.verification_extension_max,
                    Coverage::Provisional,
                );
                let _ = calendar.extend(
                    &deadline,
                    rules.deadlines.catalog_update_extension,
                    rules.coverage,
                );
                if let Some(lead) = rules.reminder_lead(rule) {
                    let _ = calendar.due(from, n.saturating_sub(lead), rules.coverage);
                }
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(DEFAULT_CASES))]

    #[test]
    fn arbitrary_bytes_are_refused_with_a_typed_error(text in arb_text()) {
        check(&text)?;
    }

    #[test]
    fn json_of_random_shape_is_refused_or_loads_faithfully(doc in arb_json(KEYS)) {
        check(&doc.to_string())?;
        // The same shape as a section of an otherwise valid rule set.
        for section in ["deadlines", "options", "assessment", "reminders", "sources", "coverage"] {
            let file = serde_json::json!({"id": "x", "version": 1, section: doc.clone()});
            check(&file.to_string())?;
        }
    }

    #[test]
    fn mutated_rule_sets_are_refused_or_load_faithfully((_, text) in mutated(seeds(), KEYS)) {
        check(&text)?;
    }
}

#[test]
fn the_seeds_load_and_round_trip() {
    for seed in seeds() {
        let text = seed.to_string();
        assert!(RuleSet::from_json(&text).is_ok(), "{text}");
        check(&text).unwrap();
    }
}
