//! Fuzzing the decoders of commands and stored records: the JSON body of `POST /v1/commands/{aggregate}/{id}`
//! decoded into each aggregate's command enum (what the HTTP service does with `serde_json` before its
//! strict unknown-field check), [`decode_command`] of a stored command record, and [`decode_event`] of a
//! stored event record (event name, schema version, upcasters, payload).
//!
//! Inputs: arbitrary bytes; JSON of random shapes (keys taken from the domain's golden files); mutations of
//! valid bodies and records (the golden files of `govshare-domain` and of this crate, and command bodies
//! written here): fields dropped, duplicated, renamed or retyped, numbers huge, negative or fractional,
//! strings empty, huge, exotic or with NUL, dates impossible, names of other variants and kinds.
//!
//! Properties: no decoder panics; a refusal is a typed error (`serde_json::Error`, [`CodecError`]); a value
//! that decodes re-encodes and decodes to an equal value, and agrees with the input (as `serde_json` parses
//! it) on every field both have; an unmodified golden record decodes and re-encodes to exactly the golden
//! text.
//!
//! The number of cases is bounded for CI (see `DEFAULT_CASES`); run it longer with
//!
//! ```text
//! GOVSHARE_FUZZ_CASES=100000 cargo test --release -p govshare-codec --test fuzz
//! ```
//!
//! See `docs/fuzzing.md`.

#[path = "../../workdays/tests/support/fuzz.rs"]
mod support;

use std::collections::BTreeSet;
use std::sync::OnceLock;

use chrono::{TimeZone, Utc};
use govshare_codec::{
    CodecError, Kind, decode_command, decode_event, encode_command, encode_event,
};
use govshare_domain::authorized_operation::{AuthorizedOperation, AuthorizedOperationCommand};
use govshare_domain::catalog::{CatalogCommand, CatalogEntry};
use govshare_domain::city_platform::{CityPlatform, CityPlatformCommand};
use govshare_domain::collection_list::{CollectionList, CollectionListCommand};
use govshare_domain::grant::{Grant, GrantCommand};
use govshare_domain::incident::{IncidentCommand, SecurityIncident};
use govshare_domain::negative_list::{NegativeListCommand, NegativeListing};
use govshare_domain::organization::{OrganizationCommand, OrganizationRegistry};
use govshare_domain::published_catalog::{PublishedCatalog, PublishedCatalogCommand};
use govshare_domain::share_application::{ShareApplication, ShareCommand};
use govshare_domain::supervision::{Supervision, SupervisionCommand};
use govshare_domain::third_party::{ThirdPartyCommand, ThirdPartyEngagement};
use govshare_domain::verification::{Verification, VerificationCommand};
use govshare_store::{Actor as StoreActor, CommandRecord, EventMetadata, Payload, RecordedEvent};
use proptest::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use support::*;
use uuid::Uuid;

/// Cases per property by default: the suite runs in well under 20 s in a debug build on two cores.
const DEFAULT_CASES: u32 = 256;

/// The domain's golden events (`{"Variant": body}`), with the aggregate kind of each.
const GOLDEN_EVENTS: &[(&str, &str)] = &[
    (
        "AuthorizedOperation",
        include_str!("../../domain/tests/golden/authorized_operation_violation_recorded.json"),
    ),
    (
        "CatalogEntry",
        include_str!("../../domain/tests/golden/catalog_deadline_missed.json"),
    ),
    (
        "CatalogEntry",
        include_str!("../../domain/tests/golden/catalog_deadline_recomputed.json"),
    ),
    (
        "CatalogEntry",
        include_str!("../../domain/tests/golden/catalog_deadline_reminded.json"),
    ),
    (
        "CatalogEntry",
        include_str!("../../domain/tests/golden/catalog_deadline_set.json"),
    ),
    (
        "CatalogEntry",
        include_str!("../../domain/tests/golden/catalog_entry_submitted.json"),
    ),
    (
        "CityPlatform",
        include_str!("../../domain/tests/golden/city_platform_data_returned.json"),
    ),
    (
        "CollectionList",
        include_str!("../../domain/tests/golden/collection_list_change_applied.json"),
    ),
    (
        "Grant",
        include_str!("../../domain/tests/golden/grant_violation_recorded.json"),
    ),
    (
        "SecurityIncident",
        include_str!("../../domain/tests/golden/incident_reported_to_body.json"),
    ),
    (
        "NegativeListing",
        include_str!("../../domain/tests/golden/negative_list_entry_listed.json"),
    ),
    (
        "OrganizationRegistry",
        include_str!("../../domain/tests/golden/organization_department_registered.json"),
    ),
    (
        "PublishedCatalog",
        include_str!("../../domain/tests/golden/published_catalog_version_published.json"),
    ),
    (
        "ShareApplication",
        include_str!("../../domain/tests/golden/share_application_submitted.json"),
    ),
    (
        "ShareApplication",
        include_str!("../../domain/tests/golden/share_objection_concluded.json"),
    ),
    (
        "ShareApplication",
        include_str!("../../domain/tests/golden/share_provider_refused.json"),
    ),
    (
        "Supervision",
        include_str!("../../domain/tests/golden/supervision_public_criticism_issued.json"),
    ),
    (
        "ThirdPartyEngagement",
        include_str!("../../domain/tests/golden/third_party_violation_recorded.json"),
    ),
    (
        "Verification",
        include_str!("../../domain/tests/golden/verification_extension_requested.json"),
    ),
];

/// The stored command record of this crate's golden file (`ShareApplication.ForwardToProvider`).
const GOLDEN_COMMAND: &str = include_str!("golden/forward_to_provider.command.json");

/// The aggregate kinds of the store (`Kind::TYPE`), the path names of the HTTP service.
const AGGREGATES: &[&str] = &[
    "organization",
    "catalog",
    "negative_list",
    "published_catalog",
    "collection_list",
    "share_application",
    "grant",
    "verification",
    "incident",
    "third_party",
    "supervision",
    "city_platform",
    "authorized_operation",
];

fn golden_events() -> Vec<(&'static str, String, Value)> {
    GOLDEN_EVENTS
        .iter()
        .map(|(kind, text)| {
            let value: Value = serde_json::from_str(text).unwrap();
            let (name, body) = value.as_object().unwrap().iter().next().unwrap();
            (*kind, name.clone(), body.clone())
        })
        .collect()
}

/// Valid command bodies of a share application, as a client sends them (the submission is the golden
/// event's fields that the command has).
fn share_bodies() -> Vec<Value> {
    let submitted: Value = serde_json::from_str(GOLDEN_EVENTS[13].1).unwrap();
    let s = &submitted["ShareApplicationSubmitted"];
    let submit = json!({"SubmitShareApplication": {
        "application_id": s["application_id"],
        "entries": s["entries"],
        "scenario": s["scenario"],
        "materials": s["materials"],
        "route": s["route"],
    }});
    let scenario = s["scenario"].clone();
    vec![
        submit,
        json!({"ForwardToUpperAuthority": {}}),
        json!({"ReturnForSupplement": {"missing": ["legal_basis", "材料"]}}),
        json!({"ResubmitShareApplication": {"scenario": scenario, "materials": ["补充材料.pdf"]}}),
        json!({"WithdrawShareApplication": {"reason": "业务调整"}}),
        json!({"ForwardToProvider": {"review_opinion": "应用场景明确，转提供部门"}}),
        json!({"AgreeToShare": {"conditions": "仅限身份核验"}}),
        json!({"AgreeToShare": {"conditions": null}}),
        json!({"RefuseToShare": {
            "reasons": "申请的数据项涉及个人隐私，依法不予共享",
            "basis": {"kind": "law", "instrument": "中华人民共和国个人信息保护法", "provision": "第十三条"}
        }}),
        json!({"ProvideShare": {"grant_id": "grant-2026-000001"}}),
        json!({"MarkOverdue": {"deadline": "share_provider_reply#1"}}),
        json!({"RemindDeadline": {"deadline": "share_provider_reply#1"}}),
        json!({"RecomputeDeadlines": {}}),
    ]
}

/// Every object key and variant name of the golden files: the field names random documents use.
fn keys() -> &'static [&'static str] {
    static KEYS: OnceLock<&'static [&'static str]> = OnceLock::new();
    KEYS.get_or_init(|| {
        fn walk(value: &Value, out: &mut BTreeSet<String>) {
            match value {
                Value::Object(map) => {
                    for (k, v) in map {
                        out.insert(k.clone());
                        walk(v, out);
                    }
                }
                Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
                Value::String(s) if s.len() < 40 => {
                    out.insert(s.clone());
                }
                _ => {}
            }
        }
        let mut out = BTreeSet::new();
        for (_, text) in GOLDEN_EVENTS {
            walk(&serde_json::from_str(text).unwrap(), &mut out);
        }
        for body in share_bodies() {
            walk(&body, &mut out);
        }
        walk(&serde_json::from_str(GOLDEN_COMMAND).unwrap(), &mut out);
        let leaked: Vec<&'static str> = out
            .into_iter()
            .map(|s| &*Box::leak(s.into_boxed_str()))
            .collect();
        Box::leak(leaked.into_boxed_slice())
    })
}

/// Decodes a command body the way the HTTP service does (`serde_json` into a `Value`, then into the
/// aggregate's command); checks the round trip and the agreement with the input on shared fields.
fn body_as<T>(value: &Value) -> Result<bool, TestCaseError>
where
    T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let Ok(typed) = serde_json::from_value::<T>(value.clone()) else {
        return Ok(false);
    };
    let back = serde_json::to_value(&typed)
        .map_err(|e| TestCaseError::fail(format!("a decoded command does not encode: {e}")))?;
    let again: T = serde_json::from_value(back.clone())
        .map_err(|e| TestCaseError::fail(format!("a re-encoded command does not decode: {e}")))?;
    prop_assert_eq!(&again, &typed, "round trip changed the command");
    if let Some(path) = disagreement(value, &back, String::new()) {
        return Err(TestCaseError::fail(format!(
            "decoding changed the field {path}: {value} became {back}"
        )));
    }
    Ok(true)
}

/// A body as every aggregate's command; the number of aggregates that accept it.
fn any_body(text: &[u8]) -> Result<usize, TestCaseError> {
    // The HTTP service parses the bytes first; text that is not JSON is its `malformed-json` answer.
    let Ok(value) = serde_json::from_slice::<Value>(text) else {
        return Ok(0);
    };
    let accepted = [
        body_as::<OrganizationCommand>(&value)?,
        body_as::<CatalogCommand>(&value)?,
        body_as::<NegativeListCommand>(&value)?,
        body_as::<PublishedCatalogCommand>(&value)?,
        body_as::<CollectionListCommand>(&value)?,
        body_as::<ShareCommand>(&value)?,
        body_as::<GrantCommand>(&value)?,
        body_as::<VerificationCommand>(&value)?,
        body_as::<IncidentCommand>(&value)?,
        body_as::<ThirdPartyCommand>(&value)?,
        body_as::<SupervisionCommand>(&value)?,
        body_as::<CityPlatformCommand>(&value)?,
        body_as::<AuthorizedOperationCommand>(&value)?,
    ];
    Ok(accepted.iter().filter(|a| **a).count())
}

fn record(kind: &str, event_type: &str, schema_version: u32, payload: &Value) -> RecordedEvent {
    RecordedEvent {
        position: 7,
        stream: govshare_store::StreamId::new(kind, "case-1"),
        sequence: 1,
        event_type: event_type.into(),
        schema_version,
        payload: Payload::from_value(payload),
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

/// Decodes a stored event as kind `A`; on success, checks that it re-encodes to a record of the same name
/// whose payload decodes to the same event and agrees with the stored one on shared fields.
fn event_as<A: Kind>(rec: &RecordedEvent) -> Result<Option<Value>, TestCaseError>
where
    A::Body: Serialize + DeserializeOwned + Clone + Send + Sync,
{
    let upcasters = A::upcasters();
    let event = match decode_event::<A>(rec, &upcasters) {
        Ok(event) => event,
        Err(CodecError::WrongKind { .. } | CodecError::Decode { .. } | CodecError::Upcast(_)) => {
            return Ok(None);
        }
        Err(e) => return Err(TestCaseError::fail(format!("unexpected refusal: {e:?}"))),
    };
    prop_assert_eq!(rec.stream.aggregate_type.as_str(), A::TYPE);
    let encoded = encode_event::<A>(&event)
        .map_err(|e| TestCaseError::fail(format!("a decoded event does not encode: {e}")))?;
    prop_assert_eq!(&encoded.event_type, &rec.event_type);
    let again = decode_event::<A>(
        &record(
            A::TYPE,
            &encoded.event_type,
            encoded.schema_version,
            &encoded.payload,
        ),
        &upcasters,
    )
    .map_err(|e| TestCaseError::fail(format!("a re-encoded event does not decode: {e}")))?;
    prop_assert_eq!(&again, &event, "round trip changed the event");
    let stored = rec.payload.to_value().unwrap();
    if let Some(path) = disagreement(&stored, &encoded.payload, String::new()) {
        return Err(TestCaseError::fail(format!(
            "decoding changed the field {path}: {stored} became {}",
            encoded.payload
        )));
    }
    Ok(Some(encoded.payload))
}

/// A stored event as whichever kind its record names.
fn any_event(rec: &RecordedEvent) -> Result<Option<Value>, TestCaseError> {
    match rec.stream.aggregate_type.as_str() {
        "OrganizationRegistry" => event_as::<OrganizationRegistry>(rec),
        "CatalogEntry" => event_as::<CatalogEntry>(rec),
        "NegativeListing" => event_as::<NegativeListing>(rec),
        "PublishedCatalog" => event_as::<PublishedCatalog>(rec),
        "CollectionList" => event_as::<CollectionList>(rec),
        "ShareApplication" => event_as::<ShareApplication>(rec),
        "Grant" => event_as::<Grant>(rec),
        "Verification" => event_as::<Verification>(rec),
        "SecurityIncident" => event_as::<SecurityIncident>(rec),
        "ThirdPartyEngagement" => event_as::<ThirdPartyEngagement>(rec),
        "Supervision" => event_as::<Supervision>(rec),
        "CityPlatform" => event_as::<CityPlatform>(rec),
        "AuthorizedOperation" => event_as::<AuthorizedOperation>(rec),
        // Any other kind read as a share application: a typed `WrongKind`.
        _ => event_as::<ShareApplication>(rec),
    }
}

/// A stored command record: decodes, or is refused with a typed error; a decoded one re-encodes to the
/// same record.
fn command_record(rec: &CommandRecord) -> Result<bool, TestCaseError> {
    let (envelope, context) = match decode_command::<ShareApplication>(rec) {
        Ok(decoded) => decoded,
        Err(CodecError::CommandTypeMismatch { declared, encoded }) => {
            prop_assert_eq!(&declared, &rec.command_type);
            prop_assert_ne!(&declared, &encoded);
            return Ok(false);
        }
        Err(CodecError::WrongKind { .. } | CodecError::Decode { .. }) => return Ok(false),
        Err(e) => return Err(TestCaseError::fail(format!("unexpected refusal: {e:?}"))),
    };
    let again = encode_command::<ShareApplication>(&envelope, &context)
        .map_err(|e| TestCaseError::fail(format!("a decoded command does not encode: {e}")))?;
    let (back, back_context) = decode_command::<ShareApplication>(&again)
        .map_err(|e| TestCaseError::fail(format!("a re-encoded command does not decode: {e}")))?;
    prop_assert_eq!(&back, &envelope);
    prop_assert_eq!(&back_context, &context);
    prop_assert_eq!(
        &again.command_type,
        &rec.command_type,
        "the record's command type is not its body's"
    );
    // The record's schema version is not read (commands have a single version and no upcaster): a record
    // of any version decodes as the current one.
    prop_assert_eq!(
        again.schema_version,
        ShareApplication::COMMAND_SCHEMA_VERSION
    );
    prop_assert_eq!(again.issued_at, rec.issued_at);
    if let Some(path) = disagreement(&rec.payload, &again.payload, String::new()) {
        return Err(TestCaseError::fail(format!(
            "decoding changed the field {path}: {} became {}",
            rec.payload, again.payload
        )));
    }
    Ok(true)
}

fn golden_command_record() -> CommandRecord {
    CommandRecord {
        command_type: "ShareApplication.ForwardToProvider".into(),
        schema_version: 1,
        payload: serde_json::from_str(GOLDEN_COMMAND).unwrap(),
        issued_at: Utc.with_ymd_and_hms(2026, 3, 2, 6, 30, 0).unwrap(),
    }
}

/// Event names of every golden event, and a few that are no event.
fn event_name() -> impl Strategy<Value = String> {
    let names: Vec<String> = golden_events().into_iter().map(|(_, n, _)| n).collect();
    prop_oneof![
        4 => proptest::sample::select(names),
        1 => proptest::sample::select(vec![
            "".to_owned(),
            "DeadlineSet".to_owned(),
            "ShareApplicationSubmitted ".to_owned(),
            "shareapplicationsubmitted".to_owned(),
            "Submitted".to_owned(),
        ]),
    ]
}

/// Aggregate kinds, and a few that are none.
fn kind_name() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => proptest::sample::select(govshare_codec::KINDS).prop_map(str::to_owned),
        1 => proptest::sample::select(AGGREGATES).prop_map(str::to_owned),
        1 => Just("Unknown".to_owned()),
    ]
}

fn schema_version() -> impl Strategy<Value = u32> {
    prop_oneof![8 => Just(1u32), 1 => Just(0u32), 1 => Just(2u32), 1 => Just(u32::MAX)]
}

/// A golden event, its payload mutated, and sometimes its name, kind or version changed.
fn mutated_event() -> impl Strategy<Value = RecordedEvent> {
    let goldens = golden_events();
    let payloads: Vec<Value> = goldens.iter().map(|(_, _, b)| b.clone()).collect();
    (
        mutated(payloads, keys()),
        proptest::option::weighted(0.2, event_name()),
        proptest::option::weighted(0.1, kind_name()),
        schema_version(),
    )
        .prop_filter_map(
            "the store keeps JSON payloads only",
            move |((which, text), name, kind, version)| {
                let payload: Value = serde_json::from_str(&text).ok()?;
                let (golden_kind, golden_name, _) = &goldens[which];
                Some(record(
                    kind.as_deref().unwrap_or(golden_kind),
                    name.as_deref().unwrap_or(golden_name),
                    version,
                    &payload,
                ))
            },
        )
}

proptest! {
    #![proptest_config(config(DEFAULT_CASES))]

    #[test]
    fn arbitrary_bytes_are_no_command(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        any_body(&bytes)?;
    }

    #[test]
    fn json_of_random_shape_decodes_into_a_command_only_faithfully(doc in arb_json(keys())) {
        any_body(doc.to_string().as_bytes())?;
        // The same shape under each variant name of a share application's commands.
        for body in share_bodies() {
            let name = body.as_object().unwrap().keys().next().unwrap().clone();
            any_body(json!({name: doc.clone()}).to_string().as_bytes())?;
        }
    }

    #[test]
    fn mutated_command_bodies_decode_faithfully_or_not_at_all(
        (_, text) in mutated(share_bodies(), keys())
    ) {
        any_body(text.as_bytes())?;
    }

    #[test]
    fn mutated_stored_events_decode_faithfully_or_are_refused(rec in mutated_event()) {
        any_event(&rec)?;
    }

    #[test]
    fn random_payloads_under_every_event_name_are_refused_or_decode_faithfully(
        doc in arb_json(keys()),
        name in event_name(),
        kind in kind_name(),
    ) {
        any_event(&record(&kind, &name, 1, &doc))?;
    }

    #[test]
    fn mutated_stored_commands_decode_faithfully_or_are_refused(
        (_, text) in mutated(vec![serde_json::from_str(GOLDEN_COMMAND).unwrap()], keys()),
        command_type in prop_oneof![
            6 => Just("ShareApplication.ForwardToProvider".to_owned()),
            1 => Just("ShareApplication.AgreeToShare".to_owned()),
            1 => Just("Grant.ForwardToProvider".to_owned()),
            1 => Just("ShareApplication".to_owned()),
        ],
        version in schema_version(),
    ) {
        if let Ok(payload) = serde_json::from_str::<Value>(&text) {
            command_record(&CommandRecord { command_type, schema_version: version, payload, ..golden_command_record() })?;
        }
    }
}

#[test]
fn the_seeds_decode_and_re_encode_to_the_golden_text() {
    for body in share_bodies() {
        assert!(
            any_body(body.to_string().as_bytes()).unwrap() >= 1,
            "{body} is no command"
        );
    }
    for (kind, name, body) in golden_events() {
        let encoded = any_event(&record(kind, &name, 1, &body))
            .unwrap()
            .unwrap_or_else(|| panic!("golden {name} of {kind} does not decode"));
        assert_eq!(encoded, body, "golden {name} re-encodes differently");
    }
    let golden = golden_command_record();
    assert!(command_record(&golden).unwrap());
    let (envelope, context) = decode_command::<ShareApplication>(&golden).unwrap();
    let again = encode_command::<ShareApplication>(&envelope, &context).unwrap();
    assert_eq!(
        govshare_store::hash::canonical_json(&again.payload) + "\n",
        GOLDEN_COMMAND
    );
}
