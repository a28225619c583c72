//! Fuzzing the evidence-bundle checker ([`check_bundle_json`], what `govshare audit check-bundle` runs) with
//! real bundles and mutations of them: a case recorded through the engine (application, grant, use,
//! verification request, interleaved with another case) exported and signed at a checkpoint, and the
//! golden bundle of `tests/golden/bundle_v1.json`. Mutations: bytes of the file flipped, inserted, deleted
//! or cut off; JSON fields dropped, duplicated, renamed or retyped; events reordered, dropped, duplicated or
//! swapped with each other's fields; a payload, id, actor, instant, hash or digest altered (with or without
//! recomputing every hash after it, as a forger would); the signature, its key, instant, reason or
//! checkpoint altered; commands dropped, duplicated or altered; the case's streams changed.
//!
//! Properties: the checker never panics; the unmodified bundles check (positive control); a bundle that
//! checks against the trusted key has the signed content of the original (every event's hashed fields, every
//! command's digested fields and positions, the checkpoint and its signature; the case's streams as a set,
//! the commands in any order) — every mutation of signed content is refused with a [`BundleFinding`].
//!
//! The number of cases is bounded for CI (see `DEFAULT_CASES`); run it longer with
//!
//! ```text
//! GOVSHARE_FUZZ_CASES=100000 cargo test --release -p govshare-audit --test fuzz_bundle
//! ```
//!
//! See `docs/fuzzing.md`.

mod common;

#[path = "../../workdays/tests/support/fuzz.rs"]
mod support;

use std::collections::BTreeSet;
use std::sync::OnceLock;

use chrono::{TimeZone, Utc};
use common::*;
use govshare_audit::{
    BundleFinding, BundleOptions, EvidenceBundle, SignReason, SigningKey, VerifyingKey,
    check_bundle, check_bundle_json, export_bundle, sign_checkpoint,
};
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::Value;
use support::*;

/// Cases per property by default: the suite runs in well under 20 s in a debug build on two cores.
const DEFAULT_CASES: u32 = 48;

const GOLDEN: &str = include_str!("golden/bundle_v1.json");

/// The bundle format's field names.
const KEYS: &[&str] = &[
    "format",
    "application_id",
    "streams",
    "aggregate_type",
    "aggregate_id",
    "chain",
    "from",
    "prev_hash",
    "checkpoint",
    "position",
    "hash",
    "signed",
    "signed_at",
    "reason",
    "public_key",
    "signature",
    "events",
    "in_case",
    "sequence",
    "event_type",
    "schema_version",
    "payload",
    "event_id",
    "command_id",
    "correlation_id",
    "causation_id",
    "actor_department",
    "actor_person",
    "actor_role",
    "rule_set",
    "id",
    "version",
    "recorded_at",
    "command_digest",
    "commands",
    "stream",
    "first_position",
    "last_position",
    "stream_version",
    "command_type",
    "issued_at",
    "ShareApplication",
    "Grant",
    "Verification",
];

/// A bundle and the key its checkpoint is signed with.
struct Seed {
    bundle: EvidenceBundle,
    key: VerifyingKey,
}

/// The engine's case, exported once: its checkpoint signed by a fixed key, one more event recorded after
/// it (outside the proof); and the golden bundle.
fn seeds() -> &'static [Seed] {
    static SEEDS: OnceLock<Vec<Seed>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let key = SigningKey::from_bytes(&[7; 32]);
        let recorded = runtime.block_on(async {
            let f = Fixture::sqlite().await;
            f.cases().await;
            let head = f.store().head().await.unwrap();
            let signed = sign_checkpoint(
                &key,
                &head,
                Utc.with_ymd_and_hms(2026, 3, 3, 0, 0, 0).unwrap(),
                SignReason::Interval,
            );
            f.run(
                "130000-health",
                govshare_domain::Role::Clerk,
                submit("SA-2026-0003"),
            )
            .await;
            export_bundle(
                f.store(),
                APP,
                &BundleOptions {
                    signatures: vec![signed],
                    ..BundleOptions::default()
                },
            )
            .await
            .unwrap()
        });
        vec![
            Seed {
                bundle: recorded,
                key: key.verifying_key(),
            },
            Seed {
                bundle: serde_json::from_str(GOLDEN).unwrap(),
                key: SigningKey::from_bytes(&[1; 32]).verifying_key(),
            },
        ]
    })
}

/// What a trusted signature vouches for, in a comparable form: the case's streams as a set, the commands
/// by id (their order is not signed), everything else as is.
fn signed_content(bundle: &EvidenceBundle) -> EvidenceBundle {
    let mut b = bundle.clone();
    b.streams = b
        .streams
        .iter()
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    b.commands.sort_by_key(|c| c.command_id);
    b
}

/// Checks `text` as a bundle file against the seed's key and without a key.
fn check(seed: &Seed, text: &str) -> Result<(), TestCaseError> {
    let original = signed_content(&seed.bundle);
    match check_bundle_json(text, Some(&seed.key)) {
        Ok(report) => {
            let bundle: EvidenceBundle = serde_json::from_str(text)
                .map_err(|e| TestCaseError::fail(format!("checked text that is no bundle: {e}")))?;
            prop_assert_eq!(
                signed_content(&bundle),
                original.clone(),
                "a bundle with other signed content checks against the trusted key"
            );
            prop_assert_eq!(report.events, bundle.events.len());
        }
        Err(finding) => {
            prop_assert!(!finding.to_string().is_empty());
        }
    }
    // Without a trusted key the check proves the chain up to the checkpoint it carries, signed or not.
    if check_bundle_json(text, None).is_ok() {
        let bundle: EvidenceBundle = serde_json::from_str(text).unwrap();
        let mut unsigned = signed_content(&bundle);
        let mut expected = original;
        if unsigned.chain.signed.is_none() {
            expected.chain.signed = None;
        }
        unsigned.chain.signed = expected.chain.signed.clone();
        prop_assert_eq!(unsigned, expected, "a bundle with other content checks");
    }
    Ok(())
}

/// One typed edit of a bundle.
#[derive(Debug, Clone)]
enum Edit {
    /// Change one string field of an event (by field number) to another text.
    EventText(Index, u8, String),
    /// Flip one byte of one string field of an event.
    EventByte(Index, u8, Index, u8),
    /// Change one number of an event (position, sequence, schema version).
    EventNumber(Index, u8, u64),
    /// Toggle an event's `in_case`.
    ToggleInCase(Index),
    /// Swap two events; with `true`, swap only their payloads.
    SwapEvents(Index, Index, bool),
    /// Remove an event.
    RemoveEvent(Index),
    /// Duplicate an event.
    DuplicateEvent(Index),
    /// Change one field of a command.
    CommandField(Index, u8, u64, String),
    /// Remove or duplicate a command.
    RemoveCommand(Index, bool),
    /// Change the checkpoint, the proof's start or its previous hash.
    Chain(u8, u64, Index),
    /// Change the signature's fields.
    Signature(u8, Index, u8),
    /// Change the case's streams or application.
    Case(u8, Index, String),
}

fn edit() -> impl Strategy<Value = Edit> {
    let number = prop_oneof![
        Just(0u64),
        0u64..64,
        Just(u64::MAX),
        Just(u64::MAX - 1),
        Just(u64::from(u32::MAX)),
        Just(u64::from(u32::MAX) + 1),
        Just(1u64 << 63),
    ];
    prop_oneof![
        3 => (any::<Index>(), 0u8..14, nasty_string()).prop_map(|(i, f, s)| Edit::EventText(i, f, s)),
        4 => (any::<Index>(), 0u8..14, any::<Index>(), 1u8..=255).prop_map(|(i, f, b, m)| Edit::EventByte(i, f, b, m)),
        2 => (any::<Index>(), 0u8..3, number.clone()).prop_map(|(i, f, n)| Edit::EventNumber(i, f, n)),
        1 => any::<Index>().prop_map(Edit::ToggleInCase),
        2 => (any::<Index>(), any::<Index>(), any::<bool>()).prop_map(|(i, j, p)| Edit::SwapEvents(i, j, p)),
        1 => any::<Index>().prop_map(Edit::RemoveEvent),
        1 => any::<Index>().prop_map(Edit::DuplicateEvent),
        3 => (any::<Index>(), 0u8..9, number.clone(), nasty_string()).prop_map(|(i, f, n, s)| Edit::CommandField(i, f, n, s)),
        1 => (any::<Index>(), any::<bool>()).prop_map(|(i, d)| Edit::RemoveCommand(i, d)),
        2 => (0u8..6, number, any::<Index>()).prop_map(|(f, n, i)| Edit::Chain(f, n, i)),
        2 => (0u8..7, any::<Index>(), 1u8..=255).prop_map(|(f, i, m)| Edit::Signature(f, i, m)),
        2 => (0u8..5, any::<Index>(), prop_oneof![Just("SA-2026-0002".to_owned()), Just("GR-2026-0001".to_owned()), nasty_string()]).prop_map(|(f, i, s)| Edit::Case(f, i, s)),
    ]
}

fn flip(text: &mut String, at: &Index, mask: u8) {
    if text.is_empty() {
        text.push(char::from(mask & 0x7f));
        return;
    }
    let mut bytes = std::mem::take(text).into_bytes();
    let i = at.index(bytes.len());
    bytes[i] ^= mask;
    *text = String::from_utf8_lossy(&bytes).into_owned();
}

fn event_text(e: &mut govshare_audit::BundledEvent, field: u8) -> &mut String {
    match field {
        0 => &mut e.aggregate_type,
        1 => &mut e.aggregate_id,
        2 => &mut e.event_type,
        3..=5 => &mut e.payload,
        6 => &mut e.actor_department,
        7 => &mut e.actor_person,
        8 => &mut e.actor_role,
        9 => &mut e.recorded_at,
        10 => e.command_digest.get_or_insert_with(String::new),
        11 => &mut e.hash,
        12 => {
            &mut e
                .rule_set
                .get_or_insert_with(|| govshare_audit::BundledRuleSet {
                    id: String::new(),
                    version: String::new(),
                })
                .version
        }
        _ => {
            &mut e
                .rule_set
                .get_or_insert_with(|| govshare_audit::BundledRuleSet {
                    id: String::new(),
                    version: String::new(),
                })
                .id
        }
    }
}

fn apply(bundle: &mut EvidenceBundle, edit: &Edit) {
    let n = bundle.events.len();
    match edit {
        Edit::EventText(i, f, s) if n > 0 => {
            *event_text(&mut bundle.events[i.index(n)], *f) = s.clone();
        }
        Edit::EventByte(i, f, b, m) if n > 0 => {
            flip(event_text(&mut bundle.events[i.index(n)], *f), b, *m);
        }
        Edit::EventNumber(i, f, v) if n > 0 => {
            let e = &mut bundle.events[i.index(n)];
            match f {
                0 => e.position = *v,
                1 => e.sequence = *v,
                _ => e.schema_version = u32::try_from(*v).unwrap_or(u32::MAX),
            }
        }
        Edit::ToggleInCase(i) if n > 0 => {
            let e = &mut bundle.events[i.index(n)];
            e.in_case = !e.in_case;
        }
        Edit::SwapEvents(i, j, payload_only) if n > 0 => {
            let (a, b) = (i.index(n), j.index(n));
            if *payload_only {
                let pa = bundle.events[a].payload.clone();
                bundle.events[a].payload = std::mem::replace(&mut bundle.events[b].payload, pa);
            } else {
                bundle.events.swap(a, b);
            }
        }
        Edit::RemoveEvent(i) if n > 0 => {
            bundle.events.remove(i.index(n));
        }
        Edit::DuplicateEvent(i) if n > 0 => {
            let e = bundle.events[i.index(n)].clone();
            bundle.events.insert(i.index(n), e);
        }
        Edit::CommandField(i, f, v, s) if !bundle.commands.is_empty() => {
            let len = bundle.commands.len();
            let c = &mut bundle.commands[i.index(len)];
            match f {
                0 => c.first_position = *v,
                1 => c.last_position = *v,
                2 => c.stream_version = *v,
                3 => c.schema_version = u32::try_from(*v).unwrap_or(u32::MAX),
                4 => c.command_type = s.clone(),
                5 => c.payload = s.clone(),
                6 => c.issued_at = s.clone(),
                7 => c.stream.aggregate_id = s.clone(),
                _ => c.command_id = uuid::Uuid::from_u128(u128::from(*v)),
            }
        }
        Edit::RemoveCommand(i, duplicate) if !bundle.commands.is_empty() => {
            let at = i.index(bundle.commands.len());
            if *duplicate {
                let c = bundle.commands[at].clone();
                bundle.commands.push(c);
            } else {
                bundle.commands.remove(at);
            }
        }
        Edit::Chain(f, v, i) => {
            let chain = &mut bundle.chain;
            match f {
                0 => chain.from = *v,
                1 => chain.checkpoint.position = *v,
                2 => chain.checkpoint.hash[i.index(32)] ^= 1,
                3 => flip(&mut chain.prev_hash, i, 1),
                4 => chain.prev_hash = "0".repeat(64),
                _ => {
                    // Point the proof at the last event's hash (a forger's move after recomputing).
                    if let Some(h) = bundle.events.last().and_then(|e| hex_hash(&e.hash)) {
                        chain.checkpoint.hash = h;
                    }
                }
            }
        }
        Edit::Signature(f, i, m) => {
            let Some(signed) = &mut bundle.chain.signed else {
                return;
            };
            match f {
                0 => signed.signature[i.index(64)] ^= m,
                1 => signed.public_key[i.index(32)] ^= m,
                2 => signed.hash[i.index(32)] ^= m,
                3 => signed.position = signed.position.wrapping_add(u64::from(*m)),
                4 => signed.signed_at += chrono::Duration::nanoseconds(i64::from(*m)),
                5 => {
                    signed.reason = match signed.reason {
                        SignReason::Interval => SignReason::Shutdown,
                        _ => SignReason::Interval,
                    }
                }
                _ => bundle.chain.signed = None,
            }
        }
        Edit::Case(f, i, s) => match f {
            0 => bundle.application_id = s.clone(),
            1 if !bundle.streams.is_empty() => {
                bundle.streams.remove(i.index(bundle.streams.len()));
            }
            2 if !bundle.streams.is_empty() => {
                let st = bundle.streams[i.index(bundle.streams.len())].clone();
                bundle.streams.push(st);
            }
            3 => bundle
                .streams
                .push(govshare_store::StreamId::new("Grant", s.clone())),
            _ => bundle.streams.reverse(),
        },
        _ => {}
    }
}

/// How a mutated bundle is written: compact, pretty, or pretty with bytes edited.
#[derive(Debug, Clone)]
enum Form {
    Compact,
    Pretty,
    Bytes(Vec<ByteEdit>),
}

fn form() -> impl Strategy<Value = Form> {
    prop_oneof![
        2 => Just(Form::Compact),
        2 => Just(Form::Pretty),
        1 => proptest::collection::vec(byte_edit(), 1..4).prop_map(Form::Bytes),
    ]
}

fn write(bundle: &EvidenceBundle, form: &Form) -> String {
    match form {
        Form::Compact => serde_json::to_string(bundle).unwrap(),
        Form::Pretty => serde_json::to_string_pretty(bundle).unwrap(),
        Form::Bytes(edits) => edit_bytes(&serde_json::to_string_pretty(bundle).unwrap(), edits),
    }
}

proptest! {
    #![proptest_config(support::config(DEFAULT_CASES))]

    #[test]
    fn typed_edits_of_a_bundle_are_refused_unless_they_keep_its_signed_content(
        which in any::<Index>(),
        edits in proptest::collection::vec(edit(), 1..4),
        forge in any::<bool>(),
        form in form(),
    ) {
        let seed = &seeds()[which.index(seeds().len())];
        let mut bundle = seed.bundle.clone();
        for e in &edits {
            apply(&mut bundle, e);
        }
        if forge {
            recompute_hashes(&mut bundle);
        }
        check(seed, &write(&bundle, &form))?;
    }

    #[test]
    fn json_edits_of_a_bundle_are_refused_unless_they_keep_its_signed_content(
        which in any::<Index>(),
        mutations in proptest::collection::vec(mutation(KEYS), 1..4),
        edits in proptest::option::weighted(0.2, proptest::collection::vec(byte_edit(), 1..3)),
    ) {
        let seed = &seeds()[which.index(seeds().len())];
        let value = serde_json::to_value(&seed.bundle).unwrap();
        let text = mutate(&value, &mutations);
        let text = match edits {
            Some(edits) => edit_bytes(&text, &edits),
            None => text,
        };
        check(seed, &text)?;
    }

    #[test]
    fn arbitrary_text_and_json_are_refused_as_unreadable_or_inconsistent(
        text in arb_text(),
        doc in arb_json(KEYS),
    ) {
        let seed = &seeds()[1];
        check(seed, &text)?;
        check(seed, &doc.to_string())?;
        // The random document in place of one section of a real bundle.
        let mut value = serde_json::to_value(&seed.bundle).unwrap();
        if let (Value::Object(map), Value::Object(doc)) = (&mut value, &doc) {
            for (k, v) in doc {
                map.insert(k.clone(), v.clone());
            }
        }
        check(seed, &value.to_string())?;
    }
}

#[test]
fn the_unmodified_bundles_check_in_every_form() {
    for seed in seeds() {
        for form in [Form::Compact, Form::Pretty] {
            let text = write(&seed.bundle, &form);
            let report = check_bundle_json(&text, Some(&seed.key)).unwrap();
            assert_eq!(report.events, seed.bundle.events.len());
            assert!(report.case_events > 0);
            check(seed, &text).unwrap();
        }
        assert!(check_bundle(&seed.bundle, None).is_ok());
    }
    // The recorded case spans the application, its grant and its verification request.
    assert_eq!(seeds()[0].bundle.streams.len(), 3);
    assert!(matches!(
        check_bundle_json("{}", None),
        Err(BundleFinding::Unreadable { .. })
    ));
}

/// Found while writing this suite (its edits reach it, rarely): a command's span was computed as
/// `last_position - first_position + 1`, which overflows (a panic in a debug build, a wrong count in a
/// release build) for a bundled command claiming positions `0..=u64::MAX`.
#[test]
fn a_command_claiming_every_position_is_refused_not_overflowing() {
    let seed = &seeds()[1];
    let mut bundle = seed.bundle.clone();
    bundle.commands[0].first_position = 0;
    bundle.commands[0].last_position = u64::MAX;
    let finding = check_bundle(&bundle, Some(&seed.key)).unwrap_err();
    assert!(
        matches!(finding, BundleFinding::CommandMismatch { .. }),
        "{finding:?}"
    );
    check(seed, &serde_json::to_string(&bundle).unwrap()).unwrap();
}
