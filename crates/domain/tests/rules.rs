//! Rule sets as data: the built-in `hebei-2022` and `national-2016`, files, defaults.

use govshare_domain::{DeadlineRule, RuleSet, RuleSetRef};
use govshare_workdays::Coverage;

/// 第十一、十九、二十条: hebei-2022 carries the digest's numbers and Decisions.
#[test]
fn hebei_2022_has_the_digest_numbers() {
    let r = RuleSet::hebei_2022();
    assert_eq!(
        r.reference(),
        RuleSetRef {
            id: "hebei-2022".to_owned(),
            version: 1
        }
    );
    assert_eq!(r.coverage, Coverage::Provisional);
    let expected = [
        (DeadlineRule::CatalogUpdate, 10),
        (DeadlineRule::CatalogUpdateExtension, 20),
        (DeadlineRule::CatalogReview, 10),
        (DeadlineRule::ShareUnconditionalProvide, 3),
        (DeadlineRule::ShareConditionalReview, 3),
        (DeadlineRule::ShareProviderReply, 5),
        (DeadlineRule::ShareProvideAfterReply, 3),
        (DeadlineRule::ObjectionCoordination, 10),
        (DeadlineRule::ObjectionProvide, 3),
        (DeadlineRule::VerificationForward, 3),
        (DeadlineRule::VerificationAnswer, 10),
        (DeadlineRule::VerificationExtensionMax, 10),
    ];
    for (rule, days) in expected {
        assert_eq!(r.days(rule), days, "{}", rule.key());
    }
    assert_eq!(r.deadlines.catalog_update_max_extensions, 1);
    assert!(r.options.return_restarts_update_clock);
    assert!(r.options.base_data_physical_only);
    assert_eq!(RuleSet::default(), r);
}

/// national-2016: a provider replies to a conditional request within 10 working days; the rest is defaults.
#[test]
fn national_2016_differs_only_by_configuration() {
    let n = RuleSet::national_2016();
    assert_eq!(n.id, "national-2016");
    assert_eq!(n.days(DeadlineRule::ShareProviderReply), 10);
    assert_eq!(n.days(DeadlineRule::CatalogUpdate), 10);
    assert_eq!(RuleSet::builtin_by_id("national-2016"), Some(n));
    assert!(RuleSet::builtin_by_id("nowhere").is_none());
}

/// Missing fields of an older file take the documented defaults.
#[test]
fn missing_fields_take_defaults() {
    let r = RuleSet::from_json(r#"{"id": "old", "version": 1}"#).unwrap();
    assert_eq!(r.deadlines, RuleSet::hebei_2022().deadlines);
    assert_eq!(r.options, RuleSet::hebei_2022().options);
    assert_eq!(r.coverage, Coverage::Provisional);
}

/// Invalid files are refused with a typed error, not a panic.
#[test]
fn invalid_files_are_refused() {
    assert!(RuleSet::from_json("{").is_err());
    assert!(RuleSet::from_json(r#"{"id": "", "version": 1}"#).is_err());
    assert!(RuleSet::from_json(r#"{"id": "x", "version": 0}"#).is_err());
    assert!(
        RuleSet::from_json(r#"{"id": "x", "version": 1, "deadlines": {"catalog_review": 0}}"#)
            .is_err()
    );
    assert!(RuleSet::from_json(r#"{"id": "x", "version": 1, "coverage": "sometimes"}"#).is_err());
}

/// A rule set round-trips through its file format.
#[test]
fn rule_set_round_trips() {
    let r = RuleSet::hebei_2022();
    let text = serde_json::to_string(&r).unwrap();
    assert_eq!(RuleSet::from_json(&text).unwrap(), r);
}

/// 第三十八条: hebei-2022 states its assessment weights explicitly; they are the defaults and add up to 100.
#[test]
fn art38_hebei_2022_states_the_assessment_weights() {
    let r = RuleSet::hebei_2022();
    assert!(HEBEI_JSON.contains("\"assessment\""));
    assert_eq!(r.assessment, govshare_domain::AssessmentWeights::default());
    let total: u32 = r.assessment.entries().iter().map(|(_, w)| w).sum();
    assert_eq!(total, 100);
    assert_eq!(r.assessment.weight("provider_reply_on_time"), 15);
    assert_eq!(r.assessment.weight("share_requests_received"), 0);
}

/// 第三十八条: a file without an `assessment` section (every file written before it existed) reads with the
/// default weights, and a rule set with default weights serializes without the section, as before.
#[test]
fn art38_assessment_weights_default_and_stay_out_of_the_serialized_form() {
    let old = RuleSet::from_json(r#"{"id": "old", "version": 1}"#).unwrap();
    assert!(old.assessment.is_default());
    let text = serde_json::to_string(&RuleSet::hebei_2022()).unwrap();
    assert!(!text.contains("\"assessment\":"), "{text}");
    let partial =
        RuleSet::from_json(r#"{"id": "w", "version": 1, "assessment": {"refusal_rate": 30}}"#)
            .unwrap();
    assert_eq!(partial.assessment.refusal_rate, 30);
    assert_eq!(partial.assessment.aggregation_rate, 10);
    let text = serde_json::to_string(&partial).unwrap();
    assert_eq!(RuleSet::from_json(&text).unwrap(), partial);
    assert!(
        RuleSet::from_json(r#"{"id": "w", "version": 1, "assessment": {"refusals": 30}}"#).is_err()
    );
}

/// Reminders (催办提醒) are not prescribed by the regulation: the shipped rule sets configure none, and a rule
/// set without them serializes without the section, as before reminders existed.
#[test]
fn reminders_absent_from_the_shipped_rule_sets_and_their_serialized_form() {
    for r in [RuleSet::hebei_2022(), RuleSet::national_2016()] {
        assert!(r.reminders.is_none(), "{}", r.id);
        assert_eq!(r.reminder_lead(DeadlineRule::ShareProviderReply), None);
        let text = serde_json::to_string(&r).unwrap();
        assert!(!text.contains("reminders"), "{text}");
    }
    assert!(!HEBEI_JSON.contains("reminders"));
}

/// A rule set configures one lead for every working-day deadline and overrides it by deadline key (0: none
/// for that deadline); the clock-hour windows of 第三十四条 and the extension lengths take none.
#[test]
fn reminders_by_default_lead_and_by_deadline_and_round_trip() {
    let r = RuleSet::from_json(
        r#"{"id": "r", "version": 1, "reminders": {"working_days_before": 2,
            "deadlines": {"catalog_update": 4, "rectification": 0}}}"#,
    )
    .unwrap();
    assert_eq!(r.reminder_lead(DeadlineRule::ShareProviderReply), Some(2));
    assert_eq!(r.reminder_lead(DeadlineRule::CatalogUpdate), Some(4));
    assert_eq!(r.reminder_lead(DeadlineRule::Rectification), None);
    assert_eq!(r.reminder_lead(DeadlineRule::IncidentReport), None);
    assert_eq!(r.reminder_lead(DeadlineRule::CatalogUpdateExtension), None);
    let text = serde_json::to_string(&r).unwrap();
    assert!(text.contains("\"reminders\":"), "{text}");
    assert_eq!(RuleSet::from_json(&text).unwrap(), r);
    let only = RuleSet::from_json(
        r#"{"id": "r", "version": 1, "reminders": {"deadlines": {"verification_answer": 3}}}"#,
    )
    .unwrap();
    assert_eq!(
        only.reminder_lead(DeadlineRule::VerificationAnswer),
        Some(3)
    );
    assert_eq!(only.reminder_lead(DeadlineRule::VerificationForward), None);
}

/// Invalid reminder sections are refused with a typed error.
#[test]
fn invalid_reminders_are_refused() {
    for text in [
        r#"{"id": "r", "version": 1, "reminders": {"working_days_before": 0}}"#,
        r#"{"id": "r", "version": 1, "reminders": {"deadlines": {"incident_report": 1}}}"#,
        r#"{"id": "r", "version": 1, "reminders": {"deadlines": {"nowhere": 1}}}"#,
        r#"{"id": "r", "version": 1, "reminders": {"days_before": 1}}"#,
    ] {
        assert!(RuleSet::from_json(text).is_err(), "{text}");
    }
}

const HEBEI_JSON: &str = include_str!("../rulesets/hebei-2022.json");

/// Every rule's key reads back as the rule, and serde writes the same key.
#[test]
fn deadline_rule_keys_read_back() {
    for rule in DeadlineRule::ALL {
        assert_eq!(DeadlineRule::from_key(rule.key()), Some(rule));
        assert_eq!(
            serde_json::to_value(rule).unwrap(),
            serde_json::Value::String(rule.key().to_owned())
        );
    }
    assert_eq!(DeadlineRule::from_key("nowhere"), None);
}
