//! Re-validation of every recorded decision, on both backends.

mod common;

use common::*;
use govshare_audit::{RevalidationFinding, RevalidationOptions, revalidate};

macro_rules! suite {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    cases::$case(Fixture::sqlite().await).await;
                }
            )*
        }
        mod postgres {
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    cases::$case(Fixture::postgres().await).await;
                }
            )*
        }
    };
}

suite!(
    every_event_of_an_honest_log_is_reproduced_by_the_rules,
    a_provision_of_a_refused_application_appended_with_a_made_up_command_is_named_by_position,
);

mod cases {
    use super::*;

    pub async fn every_event_of_an_honest_log_is_reproduced_by_the_rules(f: Fixture) {
        f.cases().await;
        let head = f.head().await;
        let report = revalidate(f.store(), RevalidationOptions::with_inputs(inputs()))
            .await
            .unwrap();
        assert!(report.passed(), "{:#?}", report.findings);
        assert_eq!(report.to, head);
        assert_eq!(report.events, head);
        assert_eq!(report.events_reproduced, head);
        assert_eq!(report.commands_revalidated, report.appends);
        assert_eq!(report.commands_skipped, 0);
    }

    pub async fn a_provision_of_a_refused_application_appended_with_a_made_up_command_is_named_by_position(
        f: Fixture,
    ) {
        f.cases().await;
        let injected = inject_provision_of_refused(&f).await;
        // The chain is intact: the store recomputed it.
        govshare_audit::verify(f.store(), None).await.unwrap();
        let report = revalidate(f.store(), RevalidationOptions::with_inputs(inputs()))
            .await
            .unwrap();
        assert!(!report.passed());
        assert_eq!(report.findings.len(), 1, "{:#?}", report.findings);
        match &report.findings[0] {
            RevalidationFinding::CommandRefusedOnReplay {
                position,
                last_position,
                command_type,
                ..
            } => {
                assert_eq!(*position, injected);
                assert_eq!(*last_position, injected);
                assert_eq!(command_type, "ShareApplication.ProvideShare");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(report.findings[0].position(), injected);
    }
}

mod sqlite_only {
    use chrono::Duration;
    use govshare_audit::RevalidationFinding;
    use govshare_store::StreamId;
    use govshare_store::hash::format_timestamp;
    use uuid::Uuid;

    use super::*;

    /// Inserts by SQL a `ShareProvided` for the refused application, with a command record of a made-up
    /// `ProvideShare`, recomputing the chain hash with the command digest and moving the head: the store's
    /// own verification cannot tell it from a real append.
    async fn inject_by_sql(f: Fixture) -> (Fixture, u64) {
        let store = f.store();
        let head = store.head().await.unwrap();
        let provided = store
            .read_stream(
                &StreamId::new("ShareApplication", APP),
                govshare_store::StreamRead::all(),
            )
            .await
            .unwrap()
            .into_iter()
            .find(|e| e.event_type == "ShareProvided")
            .unwrap();
        let mut payload = provided.payload.to_value().unwrap();
        payload["application_id"] = REFUSED.into();
        let payload = govshare_store::hash::canonical_json(&payload);
        let mut command = store
            .read_command(provided.metadata.command_id)
            .await
            .unwrap()
            .unwrap()
            .command
            .unwrap();
        let at = f.clock_now() + Duration::hours(1);
        command.issued_at = at;
        let command_payload = govshare_store::hash::canonical_json(&command.payload);
        let sequence = store
            .read_stream(
                &StreamId::new("ShareApplication", REFUSED),
                govshare_store::StreamRead::all(),
            )
            .await
            .unwrap()
            .len() as u64
            + 1;
        let position = head.position + 1;
        let command_id = Uuid::from_u128(0xF0F0_0002);
        let event_id = Uuid::from_u128(0xF0F0_2002);
        let digest =
            forged_command_digest(command_id, &command.command_type, &command_payload, &at);
        let actor = &provided.metadata.actor;
        let rule_set = provided.metadata.rule_set.clone().unwrap();
        let hash = forged_hash(
            &head.hash,
            position,
            "ShareApplication",
            REFUSED,
            sequence,
            "ShareProvided",
            &payload,
            event_id,
            command_id,
            (&actor.department, &actor.person, &actor.role),
            Some((&rule_set.id, &rule_set.version)),
            &at,
            Some(&digest),
        );
        let ns = at.timestamp_nanos_opt().unwrap();
        let actor = actor.clone();
        let command_type = command.command_type.clone();
        assert_eq!(format_timestamp(&at).len(), 30);
        let f = f
            .tamper_sqlite(move |conn| {
                conn.execute(
                    "INSERT INTO govshare_events (position, aggregate_type, aggregate_id, sequence, event_type, \
                     schema_version, payload, event_id, command_id, correlation_id, causation_id, \
                     actor_department, actor_person, actor_role, rule_set_id, rule_set_version, recorded_at_ns, hash) \
                     VALUES (?1, 'ShareApplication', ?2, ?3, 'ShareProvided', 1, ?4, ?5, ?6, ?6, NULL, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                    rusqlite::params![
                        position as i64,
                        REFUSED,
                        sequence as i64,
                        payload,
                        event_id.as_bytes().to_vec(),
                        command_id.as_bytes().to_vec(),
                        actor.department,
                        actor.person,
                        actor.role,
                        rule_set.id,
                        rule_set.version,
                        ns,
                        hash.to_vec(),
                    ],
                )
                .unwrap();
                conn.execute(
                    "INSERT INTO govshare_commands (command_id, aggregate_type, aggregate_id, first_position, \
                     last_position, stream_version, command_type, command_schema_version, command_payload, \
                     command_issued_at_ns) VALUES (?1, 'ShareApplication', ?2, ?3, ?3, ?4, ?5, 1, ?6, ?7)",
                    rusqlite::params![
                        command_id.as_bytes().to_vec(),
                        REFUSED,
                        position as i64,
                        sequence as i64,
                        command_type,
                        command_payload,
                        ns,
                    ],
                )
                .unwrap();
                conn.execute(
                    "UPDATE govshare_head SET position = ?1, hash = ?2 WHERE id = 1",
                    rusqlite::params![position as i64, hash.to_vec()],
                )
                .unwrap();
            })
            .await;
        (f, position)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_event_inserted_by_sql_with_a_recomputed_chain_passes_verify_but_not_revalidation() {
        let f = Fixture::sqlite().await;
        f.cases().await;
        let (f, injected) = inject_by_sql(f).await;
        let chain = govshare_audit::verify(f.store(), None).await.unwrap();
        assert_eq!(chain.head.position, injected);

        let report = revalidate(f.store(), RevalidationOptions::with_inputs(inputs()))
            .await
            .unwrap();
        let positions: Vec<u64> = report.findings.iter().map(|f| f.position()).collect();
        assert_eq!(positions, vec![injected], "{:#?}", report.findings);
        assert!(matches!(
            report.findings[0],
            RevalidationFinding::CommandRefusedOnReplay { .. }
        ));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_event_appended_without_a_command_is_named_by_position() {
        use govshare_store::{AppendRequest, EventMetadata, ExpectedVersion, NewEvent};
        let f = Fixture::sqlite().await;
        f.cases().await;
        let store = f.store();
        let stream = StreamId::new("ShareApplication", REFUSED);
        let version = store
            .read_stream(&stream, govshare_store::StreamRead::all())
            .await
            .unwrap()
            .len() as u64;
        let command_id = Uuid::from_u128(0xF0F0_0003);
        let outcome = store
            .append(AppendRequest {
                stream,
                expected_version: ExpectedVersion::Exact(version),
                command_id,
                recorded_at: f.clock_now(),
                command: None,
                events: vec![NewEvent {
                    event_type: "ShareApplicationWithdrawn".into(),
                    schema_version: 1,
                    payload: serde_json::json!({"reason": "撤回", "at": f.clock_now()}),
                    metadata: EventMetadata {
                        event_id: Uuid::from_u128(0xF0F0_3003),
                        command_id,
                        correlation_id: command_id,
                        causation_id: None,
                        actor: govshare_store::Actor {
                            department: "130000-health".into(),
                            person: "某人".into(),
                            role: "clerk".into(),
                        },
                        rule_set: None,
                    },
                }],
            })
            .await
            .unwrap();
        let report = revalidate(store, RevalidationOptions::with_inputs(inputs()))
            .await
            .unwrap();
        assert!(
            report.findings.iter().any(|finding| matches!(
                finding,
                RevalidationFinding::EventWithoutCommand { position, .. } if *position == outcome.first_position
            )),
            "{:#?}",
            report.findings
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn art12_without_the_category_assignments_the_catalog_submissions_are_refused_on_replay()
    {
        let f = Fixture::sqlite().await;
        let report = revalidate(f.store(), RevalidationOptions::default())
            .await
            .unwrap();
        let refused: Vec<&RevalidationFinding> = report
            .findings
            .iter()
            .filter(|f| matches!(f, RevalidationFinding::CommandRefusedOnReplay { .. }))
            .collect();
        // Both catalog entries name a configured category (人口, 社会保障): their drafts are refused
        // without the configuration, and nothing else is.
        assert!(!refused.is_empty());
        for finding in refused {
            let RevalidationFinding::CommandRefusedOnReplay { stream, .. } = finding else {
                unreachable!()
            };
            assert_eq!(stream.aggregate_type, "CatalogEntry");
        }
        let with = revalidate(f.store(), RevalidationOptions::with_inputs(inputs()))
            .await
            .unwrap();
        assert!(with.passed(), "{:#?}", with.findings);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_recorded_calendar_file_that_is_not_supplied_is_a_finding_not_a_failure() {
        use govshare_engine::{Engine, ManualClock};
        use std::sync::Arc;
        // An engine that loaded an extra arrangement file (the shipped 2026 arrangement, reloaded: the
        // years do not change, but its digest is recorded with every command).
        let dir = tempfile::tempdir().unwrap();
        let calendar = dir.path().join("extra.json");
        let text = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../workdays/data/cn-holidays.json"),
        )
        .unwrap();
        std::fs::write(&calendar, &text).unwrap();
        let clock = Arc::new(ManualClock::new(start()));
        let mut config = config(dir.path().join("g.db").display().to_string(), clock);
        config.calendar_files = vec![calendar];
        let engine = Engine::open(config).await.unwrap();
        engine
            .bootstrap(
                Uuid::from_u128(1),
                govshare_domain::PersonId("王主任".into()),
                govshare_domain::organization::RegisterRegion {
                    code: region("130000"),
                    name: "河北省".into(),
                    level: govshare_domain::Level::Province,
                    parent: None,
                },
                govshare_domain::organization::RegisterDepartment {
                    code: code("130000-data-authority"),
                    name: "河北省政务服务管理办公室".into(),
                    region: region("130000"),
                    kind: govshare_domain::DepartmentKind::DataAuthority,
                    principal: None,
                },
            )
            .await
            .unwrap();
        let store = engine.store().as_ref();
        let without = revalidate(store, RevalidationOptions::with_inputs(inputs()))
            .await
            .unwrap();
        assert!(!without.passed());
        assert_eq!(without.commands_skipped, 2);
        assert!(matches!(
            &without.findings[..],
            [RevalidationFinding::ContextUnavailable { first_position: 1, commands: 2, reason }]
                if reason.contains("not supplied")
        ));
        let with = revalidate(
            store,
            RevalidationOptions::with_inputs(inputs().with_calendar_json(text)),
        )
        .await
        .unwrap();
        assert!(with.passed(), "{:#?}", with.findings);
    }
}
