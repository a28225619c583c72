//! The stored form of domain events and commands. Golden files in `tests/golden/` hold the exact records
//! the store keeps; `GOLDEN_UPDATE=1` rewrites them (a change is a change of the record format and needs an
//! upcaster).

use std::collections::BTreeSet;
use std::path::PathBuf;

use chrono::{TimeZone, Utc};
use govshare_codec::{
    CalendarRef, CommandContext, KINDS, Kind, decode_command, decode_event, encode_command,
    encode_event,
};
use govshare_domain::share_application::{
    ForwardToProvider, ShareApplication, ShareCommand, ShareEvent,
};
use govshare_domain::{Actor, CommandEnvelope, RuleSet};
use govshare_store::hash::canonical_json;
use govshare_store::{
    Actor as StoreActor, EventMetadata, Payload, RecordedEvent, StreamId, Upcasters,
};
use serde_json::json;
use uuid::Uuid;

fn golden(name: &str, text: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("GOLDEN_UPDATE").is_some() {
        std::fs::write(&path, text).unwrap();
    }
    let kept = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("missing {}; run with GOLDEN_UPDATE=1", path.display()));
    assert_eq!(text, kept, "stored form of {name} changed");
}

/// The domain's golden share-application event (the domain crate keeps its serialized form).
fn submitted() -> ShareEvent {
    let text = include_str!("../../domain/tests/golden/share_application_submitted.json");
    serde_json::from_str(text).unwrap()
}

fn recorded(event_type: &str, payload: serde_json::Value) -> RecordedEvent {
    RecordedEvent {
        position: 7,
        stream: ShareApplication::stream("share-2026-000123"),
        sequence: 1,
        event_type: event_type.into(),
        schema_version: 1,
        payload: Payload::from_value(&payload),
        metadata: EventMetadata {
            event_id: Uuid::from_u128(1),
            command_id: Uuid::from_u128(2),
            correlation_id: Uuid::from_u128(2),
            causation_id: None,
            actor: StoreActor {
                department: "130102-health".into(),
                person: "张三".into(),
                role: "clerk".into(),
            },
            rule_set: None,
        },
        recorded_at: Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap(),
        hash: [0; 32],
    }
}

#[test]
fn every_aggregate_kind_is_registered_once() {
    let unique: BTreeSet<&str> = KINDS.iter().copied().collect();
    assert_eq!(unique.len(), KINDS.len());
    assert_eq!(KINDS.len(), 13);
    assert!(unique.contains(<ShareApplication as cqrs_es::Aggregate>::TYPE));
}

#[test]
fn an_event_is_stored_under_its_variant_name_with_the_variant_body() {
    let event = submitted();
    let encoded = encode_event::<ShareApplication>(&event).unwrap();
    assert_eq!(encoded.event_type, "ShareApplicationSubmitted");
    assert_eq!(encoded.schema_version, 1);
    assert!(encoded.payload.get("ShareApplicationSubmitted").is_none());
    assert_eq!(encoded.payload["application_id"], "share-2026-000123");
    golden(
        "share_application_submitted.payload.json",
        &(canonical_json(&encoded.payload) + "\n"),
    );
    let back = decode_event::<ShareApplication>(
        &recorded(&encoded.event_type, encoded.payload),
        &Upcasters::new(),
    )
    .unwrap();
    assert_eq!(back, event);
}

#[test]
fn a_record_of_another_kind_or_shape_is_a_typed_error() {
    let mut record = recorded("ShareApplicationSubmitted", json!({"nonsense": true}));
    assert!(decode_event::<ShareApplication>(&record, &Upcasters::new()).is_err());
    record.stream = StreamId::new("Grant", "g-1");
    let err = decode_event::<ShareApplication>(&record, &Upcasters::new()).unwrap_err();
    assert!(err.to_string().contains("Grant"), "{err}");
}

#[test]
fn a_command_is_stored_with_its_context_and_decodes_back() {
    let actor: Actor = serde_json::from_value(json!({
        "department": {
            "code": "130000-data-authority",
            "name": "河北省政务服务管理办公室",
            "kind": "data_authority",
            "region": "130000",
            "level": "province"
        },
        "person": "李审核",
        "role": "reviewer"
    }))
    .unwrap();
    let envelope = CommandEnvelope::new(
        actor.clone(),
        Utc.with_ymd_and_hms(2026, 3, 2, 6, 30, 0).unwrap(),
        ShareCommand::ForwardToProvider(ForwardToProvider {
            review_opinion: "应用场景明确，转提供部门".into(),
        }),
    );
    let context = CommandContext {
        actor,
        rule_set: RuleSet::hebei_2022().reference(),
        calendar: CalendarRef {
            years: (2018, 2026),
            extra: vec![],
        },
        categories: None,
        request_digest: Some("00".repeat(32)),
    };
    let record = encode_command::<ShareApplication>(&envelope, &context).unwrap();
    assert_eq!(record.command_type, "ShareApplication.ForwardToProvider");
    golden(
        "forward_to_provider.command.json",
        &(canonical_json(&record.payload) + "\n"),
    );
    let (back, back_context) = decode_command::<ShareApplication>(&record).unwrap();
    assert_eq!(back, envelope);
    assert_eq!(back_context, context);
}

/// The scheduler's reminder (催办提醒) of a catalog update deadline, as the domain keeps its serialized form.
fn reminded() -> govshare_domain::DeadlineReminded {
    let text = include_str!("../../domain/tests/golden/catalog_deadline_reminded.json");
    let value: serde_json::Value = serde_json::from_str(text).unwrap();
    serde_json::from_value(value["DeadlineReminded"].clone()).unwrap()
}

#[test]
fn a_deadline_reminder_is_stored_as_deadline_reminded_version_1_on_every_kind_with_deadlines() {
    use govshare_domain::catalog::{CatalogEntry, CatalogEvent};
    use govshare_domain::incident::{IncidentEvent, SecurityIncident};
    use govshare_domain::supervision::{Supervision, SupervisionEvent};
    use govshare_domain::verification::{Verification, VerificationEvent};

    let body = reminded();
    let encoded =
        encode_event::<CatalogEntry>(&CatalogEvent::DeadlineReminded(body.clone())).unwrap();
    assert_eq!(encoded.event_type, "DeadlineReminded");
    assert_eq!(encoded.schema_version, 1);
    assert_eq!(
        <CatalogEntry as Kind>::event_schema_version("DeadlineReminded"),
        1
    );
    golden(
        "deadline_reminded.payload.json",
        &(canonical_json(&encoded.payload) + "\n"),
    );
    let mut record = recorded(&encoded.event_type, encoded.payload.clone());
    record.stream = CatalogEntry::stream("catalog-130000-public-security-0001");
    let back = decode_event::<CatalogEntry>(&record, &Upcasters::new()).unwrap();
    assert_eq!(back, CatalogEvent::DeadlineReminded(body.clone()));

    // The same name, version and payload on every other kind that keeps deadlines.
    let others = [
        encode_event::<ShareApplication>(&ShareEvent::DeadlineReminded(body.clone())).unwrap(),
        encode_event::<Verification>(&VerificationEvent::DeadlineReminded(body.clone())).unwrap(),
        encode_event::<SecurityIncident>(&IncidentEvent::DeadlineReminded(body.clone())).unwrap(),
        encode_event::<Supervision>(&SupervisionEvent::DeadlineReminded(body)).unwrap(),
    ];
    for other in others {
        assert_eq!(other.event_type, "DeadlineReminded");
        assert_eq!(other.schema_version, 1);
        assert_eq!(other.payload, encoded.payload);
    }
}

/// Found by `tests/fuzz.rs`: the record's command type was checked for its aggregate prefix only, so a
/// record of `ShareApplication.AgreeToShare` holding a `ForwardToProvider` body decoded, and re-encoded as
/// another record.
#[test]
fn a_command_record_whose_type_names_another_command_is_refused() {
    let payload: serde_json::Value =
        serde_json::from_str(include_str!("golden/forward_to_provider.command.json")).unwrap();
    let record = govshare_store::CommandRecord {
        command_type: "ShareApplication.AgreeToShare".into(),
        schema_version: 1,
        payload,
        issued_at: Utc.with_ymd_and_hms(2026, 3, 2, 6, 30, 0).unwrap(),
    };
    let err = decode_command::<ShareApplication>(&record).unwrap_err();
    assert!(
        matches!(
            &err,
            govshare_codec::CodecError::CommandTypeMismatch { declared, encoded }
                if declared == "ShareApplication.AgreeToShare"
                    && encoded == "ShareApplication.ForwardToProvider"
        ),
        "{err:?}"
    );
    let fine = govshare_store::CommandRecord {
        command_type: "ShareApplication.ForwardToProvider".into(),
        ..record
    };
    assert!(decode_command::<ShareApplication>(&fine).is_ok());
}
