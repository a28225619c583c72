//! Golden files of the sharing chapter (第十九至二十二条): the serialized form of a representative event of
//! each aggregate — share application, grant, verification — is the legal record and must stay readable.
//! Each test compares with `tests/golden/<name>.json` and deserializes the file back. `GOLDEN_UPDATE=1`
//! rewrites the files (a change is a change of the record format and needs an upcaster).

mod common;
mod share_fixtures;

use std::path::PathBuf;

use common::*;
use cqrs_es::DomainEvent;
use govshare_domain::grant::{GrantEvent, GrantViolationRecorded, UseViolation};
use govshare_domain::rules::RuleSetRef;
use govshare_domain::share_application::{ObjectionConcluded, ObjectionOutcome};
use govshare_domain::share_application::{
    ProviderRefused, ShareApplicationSubmitted, ShareEvent, SharePath,
};
use govshare_domain::verification::{VerificationEvent, VerificationExtensionRequested};
use govshare_domain::{DeadlineId, DeadlineRule};
use serde::Serialize;
use serde::de::DeserializeOwned;
use share_fixtures::*;

fn check<E: DomainEvent + Serialize + DeserializeOwned>(name: &str, event: E, event_type: &str) {
    assert_eq!(event.event_type(), event_type);
    assert_eq!(event.event_version(), "1");
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(format!("{name}.json"));
    let text = serde_json::to_string_pretty(&event).expect("serializes") + "\n";
    if std::env::var_os("GOLDEN_UPDATE").is_some() {
        std::fs::write(&path, &text).expect("writes golden file");
    }
    let golden = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("missing {}; run with GOLDEN_UPDATE=1", path.display()));
    assert_eq!(text, golden, "serialized form of {name} changed");
    let back: E = serde_json::from_str(&golden).expect("golden file deserializes");
    assert_eq!(back, event);
}

#[test]
fn golden_share_application_submitted() {
    check(
        "share_application_submitted",
        ShareEvent::ShareApplicationSubmitted(ShareApplicationSubmitted {
            application_id: APP.to_owned(),
            requester: county_health(),
            entries: vec![population_entry()],
            scenario: scenario(&["公民身份号码", "姓名"]),
            scenario_missing: vec![],
            materials: vec!["共享需求说明.pdf".to_owned()],
            route: vec![county_authority(), city_authority(), province_authority()],
            path: SharePath::Conditional,
            rule_set: RuleSetRef {
                id: "hebei-2022".to_owned(),
                version: 1,
            },
            by: clerk(county_health()),
            at: bj(2026, 9, 28, 9, 0),
        }),
        "ShareApplicationSubmitted",
    );
}

#[test]
fn golden_share_provider_refused() {
    check(
        "share_provider_refused",
        ShareEvent::ProviderRefused(ProviderRefused {
            reasons: REAL_REASONS.to_owned(),
            basis: refusal_basis(),
            by: leader(province_public_security()),
            at: bj(2026, 10, 13, 9, 0),
        }),
        "ProviderRefused",
    );
}

#[test]
fn golden_share_objection_concluded() {
    check(
        "share_objection_concluded",
        ShareEvent::ObjectionConcluded(ObjectionConcluded {
            outcome: ObjectionOutcome::Upheld,
            conclusion: "经协调, 公安厅同意按最小必要提供".to_owned(),
            by: leader(province_authority()),
            at: bj(2026, 3, 25, 16, 0),
        }),
        "ObjectionConcluded",
    );
}

#[test]
fn golden_grant_violation_recorded() {
    check(
        "grant_violation_recorded",
        GrantEvent::GrantViolationRecorded(GrantViolationRecorded {
            use_id: "use-000001".to_owned(),
            violations: vec![
                UseViolation::OtherPurpose {
                    used_for: "SC-130000-WJ-2026-099".to_owned(),
                    granted_for: PURPOSE.to_owned(),
                },
                UseViolation::ItemsOutsideGrant {
                    items: vec!["出生日期".to_owned()],
                },
            ],
            attributed_to: code("130000-health"),
            used_at: bj(2026, 4, 1, 10, 0),
            at: bj(2026, 4, 1, 10, 0),
        }),
        "GrantViolationRecorded",
    );
}

#[test]
fn golden_verification_extension_requested() {
    check(
        "verification_extension_requested",
        VerificationEvent::VerificationExtensionRequested(VerificationExtensionRequested {
            deadline: DeadlineId::new(DeadlineRule::VerificationAnswer, 1),
            due_at: end_of(2026, 4, 21),
            working_days: 5,
            max_working_days: 10,
            reason: "需逐条比对户籍底册, 涉及多个县级公安机关".to_owned(),
            by: leader(province_public_security()),
            at: bj(2026, 4, 15, 9, 0),
        }),
        "VerificationExtensionRequested",
    );
}
