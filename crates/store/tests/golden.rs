//! Golden files of the serialized format, the worked hash example of `docs/event-store.md`, and
//! upcasting of stored payloads. Set `GOVSHARE_BLESS=1` to rewrite the golden files after an
//! intended format change.

mod common;

use std::path::{Path, PathBuf};

use chrono::{TimeZone, Utc};
use govshare_store::hash::{
    CommandInput, GENESIS_HASH, HashInput, canonical_json, command_digest, format_timestamp,
    recompute_hash_with_command,
};
use govshare_store::{
    Actor, AppendRequest, CommandRecord, EventMetadata, EventStore, ExpectedVersion, NewEvent,
    RecordedCommand, RecordedEvent, RuleSetRef, SqliteStore, StreamId, StreamRead, Upcaster,
    Upcasters,
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
        command: None,
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
        command_digest: None,
    };
    (
        hex::encode(input.encode()),
        hex::encode(input.chain_hash(&GENESIS_HASH)),
    )
}

/// The command of the second worked example of `docs/event-store.md`: the example event, with
/// the command that produced it recorded.
fn example_command() -> CommandRecord {
    CommandRecord {
        command_type: "SharingRequest.SubmitRequest".into(),
        schema_version: 2,
        payload: json!({"purpose": "社保核验", "datasets": ["household"]}),
        issued_at: Utc
            .with_ymd_and_hms(2024, 3, 1, 8, 29, 59)
            .single()
            .unwrap()
            .checked_add_signed(chrono::Duration::milliseconds(250))
            .unwrap(),
    }
}

fn example_request_with_command() -> AppendRequest {
    AppendRequest {
        command: Some(example_command()),
        ..example_request()
    }
}

/// (command encoding, command digest, event encoding, event hash), in hex.
fn example_with_command_hex() -> (String, String, String, String) {
    let req = example_request_with_command();
    let command = example_command();
    let payload = canonical_json(&command.payload);
    let issued_at = format_timestamp(&command.issued_at);
    let command_input = CommandInput {
        command_type: &command.command_type,
        schema_version: command.schema_version,
        payload: &payload,
        issued_at: &issued_at,
        command_id: req.command_id.as_bytes(),
    };
    let digest = command_input.digest();
    assert_eq!(digest, command_digest(&req.command_id, &command));

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
        command_digest: Some(&digest),
    };
    (
        hex::encode(command_input.encode()),
        hex::encode(digest),
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

#[tokio::test]
async fn command_encoding_digest_and_hash_match_golden_and_store() {
    let (command_encoding, digest, encoding, hash) = example_with_command_hex();
    check_golden(
        "example_command_encoding.hex",
        &format!("{command_encoding}\n"),
    );
    check_golden("example_command_digest.hex", &format!("{digest}\n"));
    check_golden(
        "example_with_command_encoding.hex",
        &format!("{encoding}\n"),
    );
    check_golden("example_with_command_hash.hex", &format!("{hash}\n"));
    // Without a command the encoding is the 17 fields as before; with one, the same bytes
    // followed by the length-prefixed digest.
    let (plain, _) = example_input_hex();
    assert_eq!(encoding, format!("{plain}0000000000000020{digest}"));

    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("c.sqlite"), common::config())
        .await
        .unwrap();
    let req = example_request_with_command();
    store.append(req.clone()).await.unwrap();
    let event = store
        .read_stream(&req.stream, StreamRead::all())
        .await
        .unwrap()
        .remove(0);
    assert_eq!(hex::encode(event.hash), hash);
    let digest_bytes = command_digest(&req.command_id, &example_command());
    assert_eq!(
        recompute_hash_with_command(&GENESIS_HASH, &event, Some(&digest_bytes)),
        event.hash
    );
    let recorded = store.read_command(req.command_id).await.unwrap().unwrap();
    assert_eq!(recorded.command, Some(example_command()));
    let mut json = serde_json::to_string_pretty(&recorded).unwrap();
    json.push('\n');
    check_golden("recorded_command.json", &json);
    let back: RecordedCommand = serde_json::from_str(&json).unwrap();
    assert_eq!(back, recorded);
    store.verify(1, None).await.unwrap();
}

/// The hex digits of the first code block after `marker` in the document.
fn doc_block_hex(doc: &str, marker: &str) -> String {
    doc.split(marker)
        .nth(1)
        .and_then(|s| s.split("```").nth(1))
        .unwrap_or_else(|| panic!("docs/event-store.md has no block after {marker}"))
        .chars()
        .filter(char::is_ascii_hexdigit)
        .collect()
}

#[test]
fn documented_example_with_command_is_what_the_code_computes() {
    let doc = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/event-store.md"),
    )
    .unwrap();
    let (command_encoding, digest, encoding, hash) = example_with_command_hex();
    assert_eq!(
        doc_block_hex(&doc, "<!-- example-command-encoding -->"),
        command_encoding,
        "command encoding in docs/event-store.md is stale"
    );
    assert_eq!(
        doc_block_hex(&doc, "<!-- example-with-command-encoding -->"),
        encoding,
        "encoding of the event with a command in docs/event-store.md is stale"
    );
    for value in [digest, hash] {
        assert!(
            doc.contains(&format!("`{value}`")),
            "docs/event-store.md lacks {value}"
        );
    }
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
