//! Rule sets (第十九至二十二条): `hebei-2022` and `national-2016` both state the number of every sharing step,
//! with the source of each, and the refusal-reason options.

use govshare_domain::{DeadlineRule, RuleSet};

const SHARING: [(DeadlineRule, u32, u32); 10] = [
    (DeadlineRule::ShareUnconditionalProvide, 3, 3),
    (DeadlineRule::ShareConditionalReview, 3, 3),
    (DeadlineRule::ShareProviderReply, 5, 10),
    (DeadlineRule::ShareProvideAfterReply, 3, 3),
    (DeadlineRule::ObjectionCoordination, 10, 10),
    (DeadlineRule::ObjectionProvide, 3, 3),
    (DeadlineRule::ShareRouteForward, 3, 3),
    (DeadlineRule::VerificationForward, 3, 3),
    (DeadlineRule::VerificationAnswer, 10, 10),
    (DeadlineRule::VerificationExtensionMax, 10, 10),
];

/// 第十九至二十一条: every sharing number, in both built-in rule sets, stated in the file with its source.
#[test]
fn art19_to_21_both_rule_sets_state_every_sharing_number_with_its_source() {
    let hebei = RuleSet::hebei_2022();
    let national = RuleSet::national_2016();
    let national_file: serde_json::Value =
        serde_json::from_str(include_str!("../rulesets/national-2016.json")).unwrap();
    let hebei_file: serde_json::Value =
        serde_json::from_str(include_str!("../rulesets/hebei-2022.json")).unwrap();
    for (rule, h, n) in SHARING {
        assert_eq!(hebei.days(rule), h, "{}", rule.key());
        assert_eq!(national.days(rule), n, "{}", rule.key());
        for (file, rules) in [(&hebei_file, &hebei), (&national_file, &national)] {
            assert!(
                file["deadlines"][rule.key()].is_u64(),
                "{} does not state {}",
                rules.id,
                rule.key()
            );
            assert!(
                rules.sources.contains_key(rule.key()),
                "{} gives no source for {}",
                rules.id,
                rule.key()
            );
        }
    }
}

/// 第十九条: the refusal-reason options are the rule set's, with defaults for older files.
#[test]
fn art19_refusal_options_have_defaults() {
    let hebei = RuleSet::hebei_2022();
    assert_eq!(hebei.options.refusal_reason_min_chars, 10);
    for phrase in ["不同意", "不予共享", "无", "其他", "no", "refused"] {
        assert!(
            hebei
                .options
                .refusal_stock_phrases
                .iter()
                .any(|p| p == phrase),
            "{phrase}"
        );
    }
    let old = RuleSet::from_json(r#"{"id": "old", "version": 1}"#).unwrap();
    assert_eq!(
        old.options.refusal_stock_phrases,
        hebei.options.refusal_stock_phrases
    );
    assert_eq!(old.deadlines.share_route_forward, 3);
    assert!(
        RuleSet::from_json(r#"{"id": "x", "version": 1, "deadlines": {"share_route_forward": 0}}"#)
            .is_err()
    );
}
