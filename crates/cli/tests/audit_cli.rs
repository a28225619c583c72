//! End-to-end tests of `govshare audit …` on a demo database, altered with the `sqlite3` tool as someone with
//! write access to the file (but not the engine's key) could.

mod support;

use chrono::{DateTime, Utc};
use govshare_store::hash::{CommandInput, HashInput, canonical_json, format_timestamp};
use serde_json::Value;
use support::{Demo, assert_bad_input, assert_status, govshare, path, quote, stderr, stdout};

fn text(row: &Value, column: &str) -> String {
    row[column]
        .as_str()
        .unwrap_or_else(|| panic!("{column} in {row}"))
        .to_owned()
}

/// The first application the demo provided data for.
fn first_provided_case(demo: &Demo) -> String {
    text(
        &demo.query(
            "SELECT aggregate_id FROM govshare_events WHERE event_type = 'ShareProvided'
              ORDER BY position LIMIT 1",
        )[0],
        "aggregate_id",
    )
}

fn int(row: &Value, column: &str) -> i64 {
    row[column]
        .as_i64()
        .unwrap_or_else(|| panic!("{column} in {row}"))
}

fn bytes<const N: usize>(hex_text: &str) -> [u8; N] {
    hex::decode(hex_text).unwrap().try_into().unwrap()
}

#[test]
fn audit_verify_passes_on_the_signed_demo_and_names_the_position_of_one_changed_payload_byte() {
    let demo = Demo::new(true);
    let public_key = path(&demo.public_key);
    let ok = govshare(&[
        "audit",
        "verify",
        "--db",
        demo.db(),
        "--public-key",
        public_key,
    ]);
    assert_status(&ok, 0);
    assert!(stdout(&ok).contains("通过 ok"), "{}", stdout(&ok));
    assert!(stdout(&ok).contains("2 个通过 verified"), "{}", stdout(&ok));
    let signed_head = govshare(&[
        "audit",
        "verify",
        "--db",
        demo.db(),
        "--key",
        path(&demo.key),
        "--require-signed-head",
    ]);
    assert_status(&signed_head, 0);

    // One byte of the payload at position 100, changed with sqlite3 after dropping the append-only guard.
    demo.execute(
        "DROP TRIGGER govshare_events_no_update;
         UPDATE govshare_events
            SET payload = substr(payload, 1, 2)
                       || CASE substr(payload, 3, 1) WHEN 'a' THEN 'b' ELSE 'a' END
                       || substr(payload, 4)
          WHERE position = 100;",
    );
    let tampered = govshare(&[
        "audit",
        "verify",
        "--db",
        demo.db(),
        "--public-key",
        public_key,
    ]);
    assert_status(&tampered, 1);
    let message = stderr(&tampered);
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(message.starts_with("error: "), "{message}");
    assert!(message.contains("position 100"), "{message}");

    // Without signatures the chain alone still finds it.
    std::fs::remove_file(demo.dir.path().join("govshare.db.checkpoints.jsonl")).unwrap();
    let chain_only = govshare(&["audit", "verify", "--db", demo.db()]);
    assert_status(&chain_only, 1);
    assert!(
        stderr(&chain_only).contains("position 100"),
        "{}",
        stderr(&chain_only)
    );
}

/// Inserts with sqlite3 a `ShareProvided` for an application its provider refused, with a made-up
/// `ProvideShare` command record, the chain hash recomputed over it and the head moved: the store's own
/// verification cannot tell it from a real append. Returns its position.
fn inject_provision_of_a_refused_application(demo: &Demo) -> u64 {
    let head = &demo.query("SELECT position, hex(hash) AS hash FROM govshare_head")[0];
    let head_position = int(head, "position") as u64;
    let head_hash: [u8; 32] = bytes(&text(head, "hash"));
    let provided = &demo.query(
        "SELECT payload, hex(command_id) AS command_id, actor_department, actor_person, actor_role,
                rule_set_id, rule_set_version, schema_version
           FROM govshare_events WHERE event_type = 'ShareProvided' ORDER BY position LIMIT 1",
    )[0];
    let refused = demo.query(
        "SELECT aggregate_id FROM govshare_events WHERE event_type = 'ProviderRefused'
            AND aggregate_id NOT IN (SELECT aggregate_id FROM govshare_events WHERE event_type = 'ShareProvided')
          ORDER BY position LIMIT 1",
    );
    let refused = text(&refused[0], "aggregate_id");
    let sequence = int(
        &demo.query(&format!(
            "SELECT max(sequence) AS s FROM govshare_events
              WHERE aggregate_type = 'ShareApplication' AND aggregate_id = {}",
            quote(&refused)
        ))[0],
        "s",
    ) as u64
        + 1;
    let command = &demo.query(&format!(
        "SELECT command_type, command_schema_version, command_payload FROM govshare_commands
          WHERE command_id = X'{}'",
        text(provided, "command_id")
    ))[0];
    let last_ns = int(
        &demo.query("SELECT max(recorded_at_ns) AS ns FROM govshare_events")[0],
        "ns",
    );

    let mut payload: Value = serde_json::from_str(&text(provided, "payload")).unwrap();
    payload["application_id"] = refused.clone().into();
    let payload = canonical_json(&payload);
    let at_ns = last_ns + 3_600_000_000_000;
    let at: DateTime<Utc> = DateTime::from_timestamp_nanos(at_ns);
    let at_text = format_timestamp(&at);
    let command_id = uuid_bytes(0xF0F0_0002);
    let event_id = uuid_bytes(0xF0F0_2002);
    let command_type = text(command, "command_type");
    let command_payload = text(command, "command_payload");
    let digest = CommandInput {
        command_type: &command_type,
        schema_version: int(command, "command_schema_version") as u32,
        payload: &command_payload,
        issued_at: &at_text,
        command_id: &command_id,
    }
    .digest();
    let (department, person, role) = (
        text(provided, "actor_department"),
        text(provided, "actor_person"),
        text(provided, "actor_role"),
    );
    let (rule_set_id, rule_set_version) = (
        text(provided, "rule_set_id"),
        text(provided, "rule_set_version"),
    );
    let position = head_position + 1;
    let hash = HashInput {
        position,
        aggregate_type: "ShareApplication",
        aggregate_id: &refused,
        sequence,
        event_type: "ShareProvided",
        schema_version: int(provided, "schema_version") as u32,
        payload: &payload,
        event_id: &event_id,
        command_id: &command_id,
        correlation_id: &command_id,
        causation_id: None,
        department: &department,
        person: &person,
        role: &role,
        rule_set: Some((&rule_set_id, &rule_set_version)),
        recorded_at: &at_text,
        command_digest: Some(&digest),
    }
    .chain_hash(&head_hash);

    let command_id = hex::encode(command_id);
    let hash = hex::encode(hash);
    demo.execute(&format!(
        "BEGIN;
         INSERT INTO govshare_events (position, aggregate_type, aggregate_id, sequence, event_type,
             schema_version, payload, event_id, command_id, correlation_id, causation_id, actor_department,
             actor_person, actor_role, rule_set_id, rule_set_version, recorded_at_ns, hash)
         VALUES ({position}, 'ShareApplication', {refused}, {sequence}, 'ShareProvided', {schema}, {payload},
             X'{event_id}', X'{command_id}', X'{command_id}', NULL, {department}, {person}, {role},
             {rule_set_id}, {rule_set_version}, {at_ns}, X'{hash}');
         INSERT INTO govshare_commands (command_id, aggregate_type, aggregate_id, first_position, last_position,
             stream_version, command_type, command_schema_version, command_payload, command_issued_at_ns)
         VALUES (X'{command_id}', 'ShareApplication', {refused}, {position}, {position}, {sequence},
             {command_type}, {command_schema}, {command_payload}, {at_ns});
         UPDATE govshare_head SET position = {position}, hash = X'{hash}' WHERE id = 1;
         COMMIT;",
        refused = quote(&refused),
        schema = int(provided, "schema_version"),
        payload = quote(&payload),
        event_id = hex::encode(event_id),
        department = quote(&department),
        person = quote(&person),
        role = quote(&role),
        rule_set_id = quote(&rule_set_id),
        rule_set_version = quote(&rule_set_version),
        command_type = quote(&command_type),
        command_schema = int(command, "command_schema_version"),
        command_payload = quote(&command_payload),
    ));
    position
}

fn uuid_bytes(n: u128) -> [u8; 16] {
    n.to_be_bytes()
}

#[test]
fn art19_revalidate_passes_on_the_demo_and_names_an_injected_provision_of_a_refused_application() {
    let demo = Demo::new(false);
    let categories = path(&demo.categories);
    let honest = govshare(&[
        "audit",
        "revalidate",
        "--db",
        demo.db(),
        "--categories",
        categories,
    ]);
    assert_status(&honest, 0);
    assert!(stdout(&honest).contains("events/s"), "{}", stdout(&honest));

    let position = inject_provision_of_a_refused_application(&demo);
    // The chain was recomputed: verification alone passes …
    let verify = govshare(&["audit", "verify", "--db", demo.db()]);
    assert_status(&verify, 0);
    assert!(
        stdout(&verify).contains(&format!("position {position}")),
        "{}",
        stdout(&verify)
    );
    // … re-validation names the forged provision by its position.
    let forged = govshare(&[
        "audit",
        "revalidate",
        "--db",
        demo.db(),
        "--categories",
        categories,
    ]);
    assert_status(&forged, 1);
    let listed = stdout(&forged);
    assert!(
        listed.contains(&format!("位置 position {position}:")),
        "{listed}"
    );
    assert!(
        listed.contains("ShareProvided") || listed.contains("ProvideShare"),
        "{listed}"
    );
    let message = stderr(&forged);
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(
        message.contains(&format!("position {position}")),
        "{message}"
    );
}

#[test]
fn art12_revalidate_without_the_category_assignments_is_a_finding_not_a_crash() {
    let demo = Demo::new(false);
    let output = govshare(&["audit", "revalidate", "--db", demo.db()]);
    assert_status(&output, 1);
    assert!(
        stdout(&output).contains("is not a configured category"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn an_exported_case_checks_offline_without_the_database_and_fails_after_one_changed_byte() {
    let demo = Demo::new(true);
    let case = first_provided_case(&demo);
    let bundle = demo.dir.path().join("bundle.json");
    let export = govshare(&[
        "audit",
        "export",
        "--db",
        demo.db(),
        &case,
        "-o",
        path(&bundle),
    ]);
    assert_status(&export, 0);
    assert!(
        stdout(&export).contains("已签名 signed"),
        "{}",
        stdout(&export)
    );

    // The database (and everything beside it but the bundle and the public key) is gone.
    for entry in std::fs::read_dir(demo.dir.path()).unwrap() {
        let entry = entry.unwrap().path();
        if entry != bundle && entry != demo.public_key {
            std::fs::remove_file(&entry).unwrap();
        }
    }
    assert!(!demo.db.exists());
    let public_key = path(&demo.public_key);
    let checked = govshare(&[
        "audit",
        "check-bundle",
        path(&bundle),
        "--public-key",
        public_key,
    ]);
    assert_status(&checked, 0);
    assert!(stdout(&checked).contains(&case), "{}", stdout(&checked));

    // One hex digit of an event's stored hash, changed.
    let mut text = std::fs::read(&bundle).unwrap();
    let marker = b"\"hash\": \"";
    let at = text
        .windows(marker.len())
        .position(|w| w == marker)
        .unwrap()
        + marker.len();
    text[at] = if text[at] == b'0' { b'1' } else { b'0' };
    std::fs::write(&bundle, &text).unwrap();
    let altered = govshare(&[
        "audit",
        "check-bundle",
        path(&bundle),
        "--public-key",
        public_key,
    ]);
    assert_status(&altered, 1);
    let message = stderr(&altered);
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(message.contains("position"), "{message}");
}

#[test]
fn audit_checkpoint_prints_the_head_and_with_a_key_appends_a_signature_that_verifies() {
    let demo = Demo::new(true);
    let head = govshare(&["audit", "checkpoint", "--db", demo.db()]);
    assert_status(&head, 0);
    let line = stdout(&head);
    assert!(line.starts_with("head "), "{line}");

    let signed = govshare(&[
        "audit",
        "checkpoint",
        "--db",
        demo.db(),
        "--key",
        path(&demo.key),
    ]);
    assert_status(&signed, 0);
    let out = stdout(&signed);
    assert!(out.starts_with(line.trim_end()), "{out}");
    let json: Value = serde_json::from_str(out.lines().nth(1).unwrap()).unwrap();
    // The demo's engine has stopped (its last signature is `shutdown`): it stays stopped.
    assert_eq!(json["reason"], "shutdown");
    let verify = govshare(&[
        "audit",
        "verify",
        "--db",
        demo.db(),
        "--public-key",
        path(&demo.public_key),
        "--require-signed-head",
    ]);
    assert_status(&verify, 0);
    assert!(
        stdout(&verify).contains("3 个通过 verified"),
        "{}",
        stdout(&verify)
    );
}

#[test]
fn audit_as_of_prints_a_stream_state_as_json_at_a_position_and_at_an_instant() {
    let demo = Demo::new(false);
    let case = first_provided_case(&demo);
    let stream = format!("ShareApplication/{case}");
    let at_head = govshare(&["audit", "as-of", "--db", demo.db(), &stream, "100000"]);
    assert_status(&at_head, 0);
    let state: Value = serde_json::from_str(&stdout(&at_head)).unwrap();
    assert!(state["version"].as_u64().unwrap() > 1, "{state}");
    assert_eq!(state["state"]["status"], "provided");

    let before = govshare(&[
        "audit",
        "as-of",
        "--db",
        demo.db(),
        &stream,
        "2026-01-01T00:00:00Z",
    ]);
    assert_status(&before, 0);
    let state: Value = serde_json::from_str(&stdout(&before)).unwrap();
    assert_eq!(state["version"], 0, "{state}");
}

#[test]
fn bad_input_exits_2_on_one_line() {
    let demo = Demo::new(false);
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.db");
    let missing = path(&missing);
    let bundle = dir.path().join("missing.json");
    for args in [
        &[
            "audit",
            "as-of",
            "--db",
            demo.db(),
            "ShareApplication/SA-NONE",
            "1",
        ][..],
        &["audit", "as-of", "--db", demo.db(), "Nothing/x", "1"][..],
        &[
            "audit",
            "as-of",
            "--db",
            demo.db(),
            "ShareApplication/SA-2026-0001",
            "2026-02-30T00:00:00Z",
        ][..],
        &["audit", "as-of", "--db", demo.db(), "ShareApplication", "1"][..],
        &["audit", "verify", "--db", missing][..],
        &["audit", "revalidate", "--db", missing][..],
        &[
            "audit",
            "revalidate",
            "--db",
            demo.db(),
            "--categories",
            missing,
        ][..],
        &[
            "audit",
            "export",
            "--db",
            demo.db(),
            "SA-NONE",
            "-o",
            path(&bundle),
        ][..],
        &["audit", "check-bundle", path(&bundle)][..],
        &[
            "audit",
            "verify",
            "--db",
            demo.db(),
            "--checkpoint",
            missing,
        ][..],
        &[
            "audit",
            "verify",
            "--db",
            "postgres://govshare@127.0.0.1:1/govshare",
        ][..],
        &[
            "inbox",
            "--db",
            "postgres://govshare@127.0.0.1:1/govshare",
            "--department",
            "130000-health",
        ][..],
        &["inbox", "--db", missing, "--department", "130000-health"][..],
        &["inbox", "--db", demo.db(), "--department", "130000-nobody"][..],
        &["replay", "--db", demo.db(), "--projection", "nothing"][..],
        &["replay", "--db", missing][..],
    ] {
        let output = govshare(args);
        assert_bad_input(&output);
    }
    assert!(!dir.path().join("missing.db").exists());
}
