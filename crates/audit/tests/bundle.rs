//! Evidence bundles: export, offline check, tampering, the golden format.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use govshare_audit::{
    BUNDLE_FORMAT, BundleFinding, BundleOptions, CheckpointSigner, EvidenceBundle, SignatureFile,
    check_bundle, check_bundle_file, check_bundle_json, export_bundle, generate_key, load_key,
    write_bundle,
};
use govshare_store::StreamId;

/// The case's bundle, its checkpoint signed by a fresh key.
async fn signed_bundle(
    f: &Fixture,
) -> (
    EvidenceBundle,
    govshare_audit::VerifyingKey,
    tempfile::TempDir,
) {
    let dir = tempfile::tempdir().unwrap();
    let key_path = dir.path().join("checkpoint.key");
    let public = generate_key(&key_path).unwrap();
    let file = SignatureFile::new(dir.path().join("checkpoints.jsonl"));
    let signer = CheckpointSigner::start(
        f.engine.store().clone(),
        load_key(&key_path).unwrap(),
        file.clone(),
        f.clock_now(),
    )
    .await
    .unwrap();
    f.cases().await;
    signer.tick(f.clock_now()).await.unwrap().unwrap();
    // Events after the signed checkpoint are not part of the proof.
    f.run(
        "130000-health",
        govshare_domain::Role::Clerk,
        submit("SA-2026-0003"),
    )
    .await;
    let bundle = export_bundle(
        f.store(),
        APP,
        &BundleOptions {
            signatures: file.read().unwrap(),
            ..BundleOptions::default()
        },
    )
    .await
    .unwrap();
    (bundle, public, dir)
}

async fn case_event_count(f: &Fixture) -> usize {
    let mut n = 0;
    for (t, id) in [
        ("ShareApplication", APP),
        ("Grant", GRANT),
        ("Verification", VERIFICATION),
    ] {
        n += f
            .store()
            .read_stream(&StreamId::new(t, id), govshare_store::StreamRead::all())
            .await
            .unwrap()
            .len();
    }
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_case_bundle_holds_the_application_its_grant_and_verification_and_checks_offline() {
    let f = Fixture::sqlite().await;
    let (bundle, public, dir) = signed_bundle(&f).await;
    assert_eq!(bundle.format, BUNDLE_FORMAT);
    assert_eq!(
        bundle.streams,
        vec![
            StreamId::new("Grant", GRANT),
            StreamId::new("ShareApplication", APP),
            StreamId::new("Verification", VERIFICATION),
        ]
    );
    let signed = bundle.chain.signed.clone().unwrap();
    assert_eq!(bundle.chain.checkpoint, signed.checkpoint());
    assert!(bundle.chain.checkpoint.position < f.head().await);

    let report = check_bundle(&bundle, Some(&public)).unwrap();
    assert_eq!(report.case_events, case_event_count(&f).await);
    assert!(
        report.events > report.case_events,
        "the refused application's events lie between"
    );
    assert_eq!(report.commands, bundle.commands.len());
    assert!(report.case_events_without_command.is_empty());
    assert_eq!(
        report.signed_by,
        Some(govshare_audit::public_key_hex(&public))
    );

    // Through a file, as it is handed over.
    let path = dir.path().join("bundle.json");
    write_bundle(&bundle, &path).unwrap();
    let back: EvidenceBundle =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(back, bundle);
    assert_eq!(check_bundle_file(&path, Some(&public)).unwrap(), Ok(report));

    // Another key's checkpoint is not trusted.
    let other = govshare_audit::SigningKey::from_bytes(&[9; 32]).verifying_key();
    assert!(matches!(
        check_bundle(&bundle, Some(&other)),
        Err(BundleFinding::BadSignature { .. })
    ));
    offline_python_check(&path, Some(&govshare_audit::public_key_hex(&public)), true);
}

/// The byte range of the JSON object of the event at `position` in a pretty-printed bundle.
fn event_span(text: &str, position: u64) -> std::ops::Range<usize> {
    let marker = format!("\n    {{\n      \"position\": {position},\n");
    let start = text.find(&marker).unwrap() + 1;
    let end = start + text[start..].find("\n    }").unwrap() + "\n    }".len();
    start..end
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn any_one_changed_byte_of_a_bundled_event_fails_the_check() {
    let f = Fixture::sqlite().await;
    let (mut bundle, _, _dir) = signed_bundle(&f).await;
    // The signature is checked elsewhere; without it each of the thousands of checks below is fast.
    bundle.chain.signed = None;
    let text = serde_json::to_string_pretty(&bundle).unwrap();
    check_bundle_json(&text, None).unwrap();
    let provided = position_of(f.store(), "ShareApplication", APP, "ShareProvided").await;
    let refused = position_of(f.store(), "ShareApplication", REFUSED, "ProviderRefused").await;
    assert!(
        bundle
            .events
            .iter()
            .any(|e| e.position == refused && !e.in_case)
    );
    for position in [provided, refused] {
        let span = event_span(&text, position);
        assert!(span.len() > 500, "{span:?}");
        let mut altered_hashes = 0;
        for i in span {
            let mut bytes = text.as_bytes().to_vec();
            bytes[i] ^= 0x01;
            // A byte that no longer makes UTF-8 fails as unreadable.
            let Ok(changed) = String::from_utf8(bytes) else {
                continue;
            };
            match check_bundle_json(&changed, None) {
                Ok(_) => panic!(
                    "byte {i} ({:?}) of the event at position {position} changed and the bundle still checks",
                    &text[i.saturating_sub(20)..(i + 20).min(text.len())]
                ),
                Err(BundleFinding::EventAltered { position: at, .. }) => {
                    assert_eq!(at, position);
                    altered_hashes += 1;
                }
                Err(_) => {}
            }
        }
        assert!(altered_hashes > 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_event_in_the_bundle_with_recomputed_hashes_no_longer_reaches_the_signed_checkpoint()
 {
    let f = Fixture::sqlite().await;
    let (mut bundle, public, _dir) = signed_bundle(&f).await;
    // Whoever edits the bundle can recompute every event's hash after an edit, but not the signature.
    let i = bundle
        .events
        .iter()
        .position(|e| e.event_type == "ProviderAgreed")
        .unwrap();
    bundle.events[i].payload = bundle.events[i].payload.replace("仅限身份核验", "不限用途");
    let err = check_bundle(&bundle, Some(&public)).unwrap_err();
    assert_eq!(err.position(), Some(bundle.events[i].position));
    recompute_hashes(&mut bundle);
    assert!(matches!(
        check_bundle(&bundle, Some(&public)),
        Err(BundleFinding::CheckpointNotReached { .. })
    ));
    bundle.chain.checkpoint.hash = hex_hash(&bundle.events.last().unwrap().hash).unwrap();
    assert!(matches!(
        check_bundle(&bundle, Some(&public)),
        Err(BundleFinding::BadSignature { .. })
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bundle_that_hides_a_case_stream_does_not_check() {
    let f = Fixture::sqlite().await;
    let (mut bundle, public, _dir) = signed_bundle(&f).await;
    // Hiding the verification request: unmark its events and drop its stream and commands.
    bundle
        .streams
        .retain(|s| s.aggregate_type != "Verification");
    bundle
        .commands
        .retain(|c| c.stream.aggregate_type != "Verification");
    for e in &mut bundle.events {
        if e.aggregate_type == "Verification" {
            e.in_case = false;
        }
    }
    assert!(matches!(
        check_bundle(&bundle, Some(&public)),
        Err(BundleFinding::Inconsistent { .. })
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bundle_ends_at_the_head_without_signatures_and_refuses_a_kept_checkpoint_before_the_case_ends()
 {
    let f = Fixture::sqlite().await;
    let early = f.store().checkpoint().await.unwrap();
    f.cases().await;
    let bundle = export_bundle(f.store(), APP, &BundleOptions::default())
        .await
        .unwrap();
    assert_eq!(bundle.chain.checkpoint, f.store().head().await.unwrap());
    assert!(bundle.chain.signed.is_none());
    check_bundle(&bundle, None).unwrap();
    assert!(matches!(
        check_bundle(
            &bundle,
            Some(&govshare_audit::SigningKey::from_bytes(&[1; 32]).verifying_key())
        ),
        Err(BundleFinding::BadSignature { .. })
    ));
    let err = export_bundle(
        f.store(),
        APP,
        &BundleOptions {
            kept: Some(early),
            ..BundleOptions::default()
        },
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, govshare_audit::AuditError::Invalid { .. }),
        "{err}"
    );
    let err = export_bundle(f.store(), "SA-NONE", &BundleOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(err, govshare_audit::AuditError::Invalid { .. }),
        "{err}"
    );
}

/// Runs the standalone Python checker (`crates/audit/tools/check_bundle.py`), which knows nothing of
/// govshare but the documented encodings, and asserts its verdict.
fn offline_python_check(path: &Path, public_key: Option<&str>, expect_ok: bool) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/check_bundle.py");
    let mut command = std::process::Command::new("python3");
    command.arg(&script).arg(path);
    if let Some(key) = public_key {
        command.args(["--public-key", key]);
    }
    let output = match command.output() {
        Ok(output) => output,
        Err(e) => {
            eprintln!("python3 is not available ({e}): the standalone checker was not run");
            return;
        }
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    if stderr.contains("No module named 'cryptography'") {
        eprintln!(
            "the cryptography package is not installed: the standalone signature check was not run"
        );
        return offline_python_check(path, None, expect_ok);
    }
    assert_eq!(
        output.status.success(),
        expect_ok,
        "check_bundle.py: {stdout}{stderr}"
    );
}

mod golden {
    use chrono::{TimeZone, Utc};
    use govshare_audit::{SignReason, sign_checkpoint};
    use govshare_store::{
        Actor, AppendRequest, CommandRecord, EventMetadata, EventStore, ExpectedVersion, NewEvent,
        RuleSetRef, SqliteStore, StoreConfig,
    };
    use serde_json::json;
    use uuid::Uuid;

    use super::*;

    fn golden_path() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/bundle_v1.json")
    }

    async fn append(
        store: &SqliteStore,
        n: u128,
        stream: (&str, &str),
        version: u64,
        event_type: &str,
        payload: serde_json::Value,
        with_command: bool,
    ) {
        let command_id = Uuid::from_u128(0x1000 + n);
        let at = Utc.with_ymd_and_hms(2026, 3, 2, 1, n as u32, 0).unwrap();
        store
            .append(AppendRequest {
                stream: StreamId::new(stream.0, stream.1),
                expected_version: ExpectedVersion::Exact(version),
                command_id,
                recorded_at: at,
                command: with_command.then(|| CommandRecord {
                    command_type: format!("{}.Do{n}", stream.0),
                    schema_version: 1,
                    payload: json!({"body": {format!("Do{n}"): {"n": n as u64}}, "context": {"note": "golden"}}),
                    issued_at: at,
                }),
                events: vec![NewEvent {
                    event_type: event_type.into(),
                    schema_version: 1,
                    payload,
                    metadata: EventMetadata {
                        event_id: Uuid::from_u128(0x2000 + n),
                        command_id,
                        correlation_id: command_id,
                        causation_id: (n == 3).then(|| Uuid::from_u128(0x3000)),
                        actor: Actor {
                            department: "130000-data-authority".into(),
                            person: "王主任".into(),
                            role: "reviewer".into(),
                        },
                        rule_set: Some(RuleSetRef {
                            id: "hebei-2022".into(),
                            version: "1".into(),
                        }),
                    },
                }],
            })
            .await
            .unwrap();
    }

    /// A small log written straight through the store, so that the golden file pins the bundle format and
    /// nothing of the domain's payloads: another case's event, the case's submission, another stream, the
    /// case's withdrawal recorded without a command, another event.
    async fn golden_bundle() -> EvidenceBundle {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path().join("g.db"), StoreConfig::default())
            .await
            .unwrap();
        append(
            &store,
            1,
            ("CatalogEntry", "C-1"),
            0,
            "CatalogEntryDrafted",
            json!({"name": "户籍人口"}),
            true,
        )
        .await;
        append(
            &store,
            2,
            ("ShareApplication", "SA-G"),
            0,
            "ShareApplicationSubmitted",
            json!({"application_id": "SA-G", "purpose": "身份核验"}),
            true,
        )
        .await;
        append(
            &store,
            3,
            ("CatalogEntry", "C-1"),
            1,
            "CatalogEntrySubmitted",
            json!({"note": "line\nbreak \"quoted\""}),
            true,
        )
        .await;
        append(
            &store,
            4,
            ("ShareApplication", "SA-G"),
            1,
            "ShareApplicationWithdrawn",
            json!({"reason": "撤回"}),
            false,
        )
        .await;
        append(
            &store,
            5,
            ("CatalogEntry", "C-1"),
            2,
            "CatalogEntryApproved",
            json!({}),
            true,
        )
        .await;
        let head = store.head().await.unwrap();
        let key = govshare_audit::SigningKey::from_bytes(&[1; 32]);
        let signed = sign_checkpoint(
            &key,
            &head,
            Utc.with_ymd_and_hms(2026, 3, 2, 2, 0, 0).unwrap(),
            SignReason::Shutdown,
        );
        export_bundle(
            &store,
            "SA-G",
            &BundleOptions {
                signatures: vec![signed],
                ..BundleOptions::default()
            },
        )
        .await
        .unwrap()
    }

    #[tokio::test]
    async fn the_bundle_format_is_the_golden_file() {
        let bundle = golden_bundle().await;
        let text = format!("{}\n", serde_json::to_string_pretty(&bundle).unwrap());
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::create_dir_all(golden_path().parent().unwrap()).unwrap();
            std::fs::write(golden_path(), &text).unwrap();
        }
        let golden = std::fs::read_to_string(golden_path()).unwrap();
        assert_eq!(
            text, golden,
            "run with UPDATE_GOLDEN=1 to accept a deliberate format change"
        );
    }

    #[test]
    fn the_golden_bundle_checks_here_and_with_the_standalone_checker() {
        let key = govshare_audit::SigningKey::from_bytes(&[1; 32]).verifying_key();
        let report = check_bundle_file(&golden_path(), Some(&key))
            .unwrap()
            .unwrap();
        assert_eq!(report.from, 2);
        assert_eq!(report.checkpoint.position, 5);
        assert_eq!(report.case_events, 2);
        assert_eq!(report.commands, 1);
        assert_eq!(report.case_events_without_command, vec![4]);
        let hex_key = govshare_audit::public_key_hex(&key);
        offline_python_check(&golden_path(), Some(&hex_key), true);

        // One character of a bundled payload changed: both checkers refuse it.
        let text = std::fs::read_to_string(golden_path()).unwrap();
        let changed = text.replacen("身份核验", "身份核對", 1);
        assert_ne!(changed, text);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("changed.json");
        std::fs::write(&path, &changed).unwrap();
        assert!(matches!(
            check_bundle_file(&path, Some(&key)).unwrap(),
            Err(BundleFinding::EventAltered { position: 2, .. })
        ));
        offline_python_check(&path, Some(&hex_key), false);
    }
}
