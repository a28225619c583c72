//! The demo end to end on real SQLite files: a year covers every path of the regulation, the history is
//! reproducible from the seed, and the log verifies.

use std::collections::BTreeSet;

use govshare_demo::{DemoError, DemoOptions, DemoSummary, run_on};
use govshare_store::{Checkpoint, RecordedEvent, StoreConfig};

fn db(dir: &tempfile::TempDir, name: &str) -> String {
    dir.path().join(name).display().to_string()
}

async fn log(path: &str) -> Vec<RecordedEvent> {
    let store = govshare_store::open(path, StoreConfig::default())
        .await
        .unwrap();
    let mut events = Vec::new();
    loop {
        let batch = store.read_all(events.len() as u64 + 1, 4096).await.unwrap();
        if batch.is_empty() {
            break;
        }
        events.extend(batch);
    }
    events
}

fn payload_field(event: &RecordedEvent, field: &str) -> serde_json::Value {
    event
        .payload
        .to_value()
        .unwrap()
        .get(field)
        .cloned()
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_year_covers_every_path_and_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let path = db(&dir, "year.db");
    let summary: DemoSummary = run_on(
        &path,
        DemoOptions {
            seed: 1,
            months: 12,
        },
    )
    .await
    .unwrap();
    println!("{summary}");

    // 第十九条 and 第二十一条: every path of a share application.
    for event_type in [
        "ShareApplicationSubmitted",
        "ShareProvided",
        "ProviderAgreed",
        "ProviderRefused",
        "ObjectionRaised",
        "ObjectionConcluded",
        "ForwardedToUpperAuthority",
        "ReturnedForSupplement",
        "ShareApplicationResubmitted",
        "ShareApplicationWithdrawn",
        "ShareApplicationNotAccepted",
        // 第二十二条: grants, uses, a use outside the grant.
        "GrantIssued",
        "GrantUseRecorded",
        "GrantViolationRecorded",
        // 第二十条: verification, with an extension.
        "VerificationRequested",
        "VerificationExtensionRequested",
        "DeadlineExtended",
        "VerificationAnswered",
        // 第三十四条: incidents, informs and reports.
        "IncidentReported",
        "ProviderInformed",
        "IncidentReportedToBody",
        "IncidentClosed",
        // 第三十九条: supervision.
        "RectificationOrdered",
        "PublicCriticismIssued",
        "RectificationAccepted",
        // 第四十一条: missed deadlines.
        "DeadlineMissed",
        // Seeding: 第五、六、九至十八条.
        "DepartmentRegistered",
        "ResponsibleOfficeDesignated",
        "CatalogEntryApproved",
        "EntryListed",
        "NegativeListingFiled",
        "CollectionListDerived",
        "CatalogVersionPublished",
    ] {
        assert!(
            summary.count(event_type) > 0,
            "no {event_type} in\n{summary}"
        );
    }
    // The refusals the scenario shows on purpose: 不予共享 before listing (第十五条), a stock-phrase refusal
    // (第十九条), an extension beyond 10 working days (第二十条).
    assert_eq!(summary.refusals_expected, 3);
    assert!(summary.verified);
    assert_eq!(summary.total_events(), summary.head_position);

    let events = log(&path).await;
    assert_eq!(events.len() as u64, summary.head_position);
    let outcomes: BTreeSet<String> = events
        .iter()
        .filter(|e| e.event_type == "ObjectionConcluded")
        .map(|e| {
            payload_field(e, "outcome")
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    assert!(
        outcomes.contains("upheld") && outcomes.contains("dismissed"),
        "{outcomes:?}"
    );
    let late_reports: BTreeSet<bool> = events
        .iter()
        .filter(|e| e.event_type == "IncidentReportedToBody")
        .map(|e| payload_field(e, "late").as_bool().unwrap_or_default())
        .collect();
    assert_eq!(
        late_reports,
        BTreeSet::from([false, true]),
        "timely and late reports"
    );
    assert!(
        events
            .iter()
            .any(|e| e.event_type == "DeadlineMissed" && e.metadata.actor.role == "scheduler"),
        "the scheduler records missed deadlines"
    );
    // 第十九、二十二条: every grant is issued once, by the policy "provision issues the grant", in the
    // scheduler's role, under the id derived from its application's ShareProvided position.
    let provided: std::collections::BTreeMap<String, u64> = events
        .iter()
        .filter(|e| e.event_type == "ShareProvided")
        .map(|e| (e.stream.aggregate_id.clone(), e.position))
        .collect();
    let grants: Vec<&RecordedEvent> = events
        .iter()
        .filter(|e| e.event_type == "GrantIssued")
        .collect();
    assert!(!grants.is_empty());
    for grant in &grants {
        let application = payload_field(grant, "provision")
            .get("application_id")
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_owned();
        let cause = provided[&application];
        assert_eq!(
            grant.metadata.command_id,
            govshare_policies::policy_command_id(govshare_policies::PROVISION_ISSUES_GRANT, cause),
            "{application}"
        );
        assert_eq!(grant.metadata.actor.role, "scheduler");
    }
    let granted: BTreeSet<&str> = grants
        .iter()
        .map(|g| g.stream.aggregate_id.as_str())
        .collect();
    assert_eq!(granted.len(), grants.len(), "one grant per provision");
    let hops: BTreeSet<u64> = events
        .iter()
        .filter(|e| e.event_type == "ForwardedToUpperAuthority")
        .filter_map(|e| payload_field(e, "hop").as_u64())
        .collect();
    assert!(
        hops.contains(&2),
        "a county application climbs two levels (第二十一条): {hops:?}"
    );
    // 第十二条: entries carry their base or thematic category.
    let classes: BTreeSet<String> = events
        .iter()
        .filter(|e| e.event_type == "CatalogEntryDrafted")
        .filter_map(|e| {
            payload_field(e, "category_class")
                .as_str()
                .map(str::to_owned)
        })
        .collect();
    assert_eq!(
        classes,
        BTreeSet::from(["base".to_owned(), "thematic".to_owned()])
    );
    // Every instant of the history lies within 2026–2027 and never goes back.
    assert!(
        events
            .windows(2)
            .all(|w| w[0].recorded_at <= w[1].recorded_at)
    );

    // An auditor's independent check against the head the demo printed.
    let store = govshare_store::open(&path, StoreConfig::default())
        .await
        .unwrap();
    let mut hash = [0u8; 32];
    for (i, byte) in hash.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&summary.head_hash[2 * i..2 * i + 2], 16).unwrap();
    }
    store
        .verify_against(&Checkpoint {
            position: summary.head_position,
            hash,
        })
        .await
        .unwrap();
    drop(store);

    // The demo seeds a fresh database only.
    let err = run_on(&path, DemoOptions::default()).await.unwrap_err();
    assert!(matches!(err, DemoError::NotEmpty { .. }), "{err}");
    assert!(err.is_input_error());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seed_decides_the_history() {
    let dir = tempfile::tempdir().unwrap();
    let options = |seed| DemoOptions { seed, months: 3 };
    let a = run_on(&db(&dir, "a.db"), options(7)).await.unwrap();
    let b = run_on(&db(&dir, "b.db"), options(7)).await.unwrap();
    let c = run_on(&db(&dir, "c.db"), options(8)).await.unwrap();
    assert_eq!(
        (a.head_position, &a.head_hash),
        (b.head_position, &b.head_hash)
    );
    assert_eq!(a, b);
    assert_ne!(a.head_hash, c.head_hash);
}

#[tokio::test]
async fn options_out_of_range_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let err = run_on(
        &db(&dir, "x.db"),
        DemoOptions {
            seed: 1,
            months: 1000,
        },
    )
    .await
    .unwrap_err();
    assert!(
        matches!(
            err,
            DemoError::InvalidOptions {
                option: "months",
                ..
            }
        ),
        "{err}"
    );
}
