//! Golden files of the serialized format, the worked hash example of `docs/event-store.md`, and
//! upcasting of stored payloads. Set `GOVSHARE_BLESS=1` to rewrite the golden files after an
//! intended format change.

mod common;

use std::path::{Path, PathBuf};

use chrono::{TimeZone, Utc};
use govshare_store::hash::{GENESIS_HASH, HashInput, canonical_json, format_timestamp};
use govshare_store::{
    Actor, AppendRequest, EventMetadata, EventStore, ExpectedVersion, NewEvent, RecordedEvent,
    RuleSetRef, SqliteStore, StreamId, StreamRead, Upcaster, Upcasters,
};
use serde_json::{Value, json};
use uuid::Uuid;

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

fn check_golden(name: &str, actual: &str) {
    let path = golden_dir().join(name);
    if std::env::var_os("GOVSHARE_BLESS").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run with GOVSHARE_BLESS=1 to create)",
            path.display()
        )
    });
    assert_eq!(actual, expected, "golden file {name} differs");
}

/// The example event of `docs/event-store.md`.
fn example_request() -> AppendRequest {
    let command_id = Uuid::parse_str("22222222-2222-4222-8222-222222222222").unwrap();
    AppendRequest {
        stream: StreamId::new("SharingRequest", "req-2024-0001"),
        expected_version: ExpectedVersion::NoStream,
        command_id,
        recorded_at: Utc.with_ymd_and_hms(2024, 3, 1, 8, 30, 0).single().unwrap(),
        events: vec![NewEvent {
            event_type: "RequestSubmitted".into(),
            schema_version: 1,
            payload: json!({"purpose": "社保核验", "datasets": ["household"], "rows": 12}),
            metadata: EventMetadata {
                event_id: Uuid::parse_str("11111111-1111-4111-8111-111111111111").unwrap(),
                command_id,
                correlation_id: Uuid::parse_str("33333333-3333-4333-8333-333333333333").unwrap(),
                causation_id: None,
                actor: Actor {
                    department: "HBDSB".into(),
                    person: "Li Wei".into(),
                    role: "officer".into(),
                },
                rule_set: Some(RuleSetRef {
                    id: "hebei-2024".into(),
                    version: "1".into(),
                }),
            },
        }],
    }
}

fn example_input_hex() -> (String, String) {
    let req = example_request();
    let e = &req.events[0];
    let m = &e.metadata;
    let payload = canonical_json(&e.payload);
    let recorded_at = format_timestamp(&req.recorded_at);
    let input = HashInput {
        position: 1,
        aggregate_type: &req.stream.aggregate_type,
        aggregate_id: &req.stream.aggregate_id,
        sequence: 1,
        event_type: &e.event_type,
        schema_version: e.schema_version,
        payload: &payload,
        event_id: m.event_id.as_bytes(),
        command_id: m.command_id.as_bytes(),
        correlation_id: m.correlation_id.as_bytes(),
        causation_id: None,
        department: &m.actor.department,
        person: &m.actor.person,
        role: &m.actor.role,
        rule_set: Some(("hebei-2024", "1")),
        recorded_at: &recorded_at,
    };
    (
        hex::encode(input.encode()),
        hex::encode(input.chain_hash(&GENESIS_HASH)),
    )
}

async fn stored_example() -> RecordedEvent {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("g.sqlite"), common::config())
        .await
        .unwrap();
    let req = example_request();
    store.append(req.clone()).await.unwrap();
    store
        .read_stream(&req.stream, StreamRead::all())
        .await
        .unwrap()
        .remove(0)
}

#[tokio::test]
async fn recorded_event_json_matches_golden() {
    let event = stored_example().await;
    let mut json = serde_json::to_string_pretty(&event).unwrap();
    json.push('\n');
    check_golden("recorded_event.json", &json);
    let back: RecordedEvent = serde_json::from_str(&json).unwrap();
    assert_eq!(back, event);
}

#[tokio::test]
async fn canonical_encoding_and_hash_match_golden_and_store() {
    let (encoding, hash) = example_input_hex();
    check_golden("example_encoding.hex", &format!("{encoding}\n"));
    check_golden("example_hash.hex", &format!("{hash}\n"));
    let stored = stored_example().await;
    assert_eq!(hex::encode(stored.hash), hash);
}

#[test]
fn documented_worked_example_is_what_the_code_computes() {
    let doc = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/event-store.md"),
    )
    .unwrap();
    // The document shows the encoding wrapped at 64 hex digits per line.
    let doc_hex: String = doc
        .split("<!-- example-encoding -->")
        .nth(1)
        .and_then(|s| s.split("```").nth(1))
        .unwrap()
        .chars()
        .filter(char::is_ascii_hexdigit)
        .collect();
    let (encoding, hash) = example_input_hex();
    assert_eq!(
        doc_hex, encoding,
        "encoding in docs/event-store.md is stale"
    );
    assert!(
        doc.contains(&format!("`{hash}`")),
        "hash in docs/event-store.md is stale: {hash}"
    );
}

struct SplitName;

impl Upcaster for SplitName {
    fn event_type(&self) -> &str {
        "ApplicantRegistered"
    }
    fn from_version(&self) -> u32 {
        1
    }
    fn upcast(&self, mut payload: Value) -> Result<Value, String> {
        let obj = payload.as_object_mut().ok_or("payload is not an object")?;
        let name = obj
            .remove("name")
            .and_then(|n| n.as_str().map(str::to_owned))
            .ok_or("v1 payload has no name")?;
        let (family, given) = name.split_once(' ').unwrap_or((&name, ""));
        obj.insert("family_name".into(), family.into());
        obj.insert("given_name".into(), given.into());
        Ok(payload)
    }
}

struct AddDepartmentCode;

impl Upcaster for AddDepartmentCode {
    fn event_type(&self) -> &str {
        "ApplicantRegistered"
    }
    fn from_version(&self) -> u32 {
        2
    }
    fn upcast(&self, mut payload: Value) -> Result<Value, String> {
        let obj = payload.as_object_mut().ok_or("payload is not an object")?;
        obj.insert("department_code".into(), "unknown".into());
        Ok(payload)
    }
}

#[tokio::test]
async fn upcasters_chain_on_read_and_leave_stored_bytes_alone() {
    let v1: Value = serde_json::from_str(
        &std::fs::read_to_string(golden_dir().join("applicant_v1.json")).unwrap(),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("u.sqlite"), common::config())
        .await
        .unwrap();
    let mut req = example_request();
    req.events[0].event_type = "ApplicantRegistered".into();
    req.events[0].payload = v1.clone();
    store.append(req.clone()).await.unwrap();
    let stored = store
        .read_stream(&req.stream, StreamRead::all())
        .await
        .unwrap()
        .remove(0);

    let upcasters = Upcasters::new().with(SplitName).with(AddDepartmentCode);
    let up = upcasters.upcast_event(&stored).unwrap();
    assert_eq!(up.schema_version, 3);
    let mut text = serde_json::to_string_pretty(&up.payload).unwrap();
    text.push('\n');
    check_golden("applicant_v3.json", &text);

    // Only the step from v2 applies to a v2 payload; other types pass through.
    let (v, _) = upcasters
        .upcast("ApplicantRegistered", 2, json!({"family_name": "Li"}))
        .unwrap();
    assert_eq!(v, 3);
    assert_eq!(
        upcasters.upcast("Other", 1, json!(1)).unwrap(),
        (1, json!(1))
    );
    assert!(
        upcasters
            .upcast("ApplicantRegistered", 1, json!({"no_name": true}))
            .is_err()
    );

    assert_eq!(stored.payload.to_value().unwrap(), v1);
    store.verify(1, None).await.unwrap();
}
