//! Chain verification against kept and signed checkpoints.

mod common;

use common::*;
use govshare_audit::{AuditError, ChainFinding, verify};

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
    an_intact_log_verifies_against_a_kept_checkpoint,
    one_changed_byte_of_a_stored_payload_is_named_by_position,
);

mod cases {
    use super::*;

    pub async fn an_intact_log_verifies_against_a_kept_checkpoint(f: Fixture) {
        let kept = f.store().checkpoint().await.unwrap();
        f.cases().await;
        let report = verify(f.store(), Some(&kept)).await.unwrap();
        assert_eq!(report.head, f.store().head().await.unwrap());
        assert_eq!(report.kept, Some(kept));
    }

    pub async fn one_changed_byte_of_a_stored_payload_is_named_by_position(f: Fixture) {
        f.cases().await;
        let target = position_of(f.store(), "ShareApplication", APP, "ProviderAgreed").await;
        let f = flip_payload_byte(f, target).await;
        let err = verify(f.store(), None).await.unwrap_err();
        match err.finding() {
            Some(finding @ ChainFinding::ChainBroken { position, .. }) => {
                assert_eq!(*position, target);
                assert_eq!(finding.position(), target);
            }
            other => panic!("{other:?} from {err}"),
        }
    }
}

mod signed {
    use chrono::Duration;
    use govshare_audit::{
        CheckpointSigner, SignReason, SignatureFile, SignedVerifyOptions, generate_key, load_key,
        verify_signed,
    };
    use govshare_domain::Role;
    use govshare_store::Checkpoint;

    use super::*;

    struct Signing {
        dir: tempfile::TempDir,
        file: SignatureFile,
        public: govshare_audit::VerifyingKey,
    }

    fn signing() -> Signing {
        let dir = tempfile::tempdir().unwrap();
        let public = generate_key(&dir.path().join("checkpoint.key")).unwrap();
        let file = SignatureFile::new(dir.path().join("checkpoints.jsonl"));
        Signing { dir, file, public }
    }

    async fn start_signer(f: &Fixture, s: &Signing) -> Result<CheckpointSigner, AuditError> {
        let key = load_key(&s.dir.path().join("checkpoint.key")).unwrap();
        CheckpointSigner::start(f.engine.store().clone(), key, s.file.clone(), f.clock_now()).await
    }

    /// Rewrites the stored payload at `position` and recomputes every chain hash from there to the head
    /// (and the head), as someone with write access to the file but without the key would.
    fn rewrite_with_recomputed_chain(conn: &rusqlite::Connection, position: u64) {
        conn.execute_batch("DROP TRIGGER govshare_events_no_update")
            .unwrap();
        let payload: String = conn
            .query_row(
                "SELECT payload FROM govshare_events WHERE position = ?1",
                [position as i64],
                |r| r.get(0),
            )
            .unwrap();
        let changed = payload.replacen("仅限身份核验", "仅限身份核验及统计", 1);
        assert_ne!(changed, payload);
        conn.execute(
            "UPDATE govshare_events SET payload = ?1 WHERE position = ?2",
            rusqlite::params![changed, position as i64],
        )
        .unwrap();
        recompute_chain(conn, position);
    }

    fn recompute_chain(conn: &rusqlite::Connection, from: u64) {
        use govshare_store::hash::{CommandInput, HashInput, format_timestamp};
        let mut prev: [u8; 32] = if from == 1 {
            [0; 32]
        } else {
            let h: Vec<u8> = conn
                .query_row(
                    "SELECT hash FROM govshare_events WHERE position = ?1",
                    [(from - 1) as i64],
                    |r| r.get(0),
                )
                .unwrap();
            h.try_into().unwrap()
        };
        let mut stmt = conn
            .prepare(
                "SELECT e.position, e.aggregate_type, e.aggregate_id, e.sequence, e.event_type, e.schema_version, \
                 e.payload, e.event_id, e.command_id, e.correlation_id, e.causation_id, e.actor_department, \
                 e.actor_person, e.actor_role, e.rule_set_id, e.rule_set_version, e.recorded_at_ns, \
                 c.command_type, c.command_schema_version, c.command_payload, c.command_issued_at_ns \
                 FROM govshare_events e LEFT JOIN govshare_commands c ON c.command_id = e.command_id \
                 WHERE e.position >= ?1 ORDER BY e.position",
            )
            .unwrap();
        let rows: Vec<(i64, [u8; 32])> = stmt
            .query_map([from as i64], |r| {
                let position: i64 = r.get(0)?;
                let at = |ns: i64| format_timestamp(&chrono::DateTime::from_timestamp_nanos(ns));
                let command_id: Vec<u8> = r.get(8)?;
                let command_type: Option<String> = r.get(17)?;
                let digest = match command_type {
                    Some(command_type) => {
                        let schema: i64 = r.get(18)?;
                        let payload: String = r.get(19)?;
                        let issued: i64 = r.get(20)?;
                        Some(
                            CommandInput {
                                command_type: &command_type,
                                schema_version: schema as u32,
                                payload: &payload,
                                issued_at: &at(issued),
                                command_id: &command_id,
                            }
                            .digest(),
                        )
                    }
                    None => None,
                };
                let causation: Option<Vec<u8>> = r.get(10)?;
                let rule_id: Option<String> = r.get(14)?;
                let rule_version: Option<String> = r.get(15)?;
                let strings: Vec<String> = [1, 2, 4, 6, 11, 12, 13]
                    .iter()
                    .map(|&i| r.get::<_, String>(i))
                    .collect::<Result<_, _>>()?;
                let event_id: Vec<u8> = r.get(7)?;
                let correlation: Vec<u8> = r.get(9)?;
                let recorded = at(r.get(16)?);
                let input = HashInput {
                    position: position as u64,
                    aggregate_type: &strings[0],
                    aggregate_id: &strings[1],
                    sequence: r.get::<_, i64>(3)? as u64,
                    event_type: &strings[2],
                    schema_version: r.get::<_, i64>(5)? as u32,
                    payload: &strings[3],
                    event_id: &event_id,
                    command_id: &command_id,
                    correlation_id: &correlation,
                    causation_id: causation.as_deref(),
                    department: &strings[4],
                    person: &strings[5],
                    role: &strings[6],
                    rule_set: rule_id.as_deref().zip(rule_version.as_deref()),
                    recorded_at: &recorded,
                    command_digest: digest.as_ref(),
                };
                Ok((position, input.encode()))
            })
            .unwrap()
            .map(|row| {
                let (position, encoded) = row.unwrap();
                use sha2::Digest;
                let mut hasher = sha2::Sha256::new();
                hasher.update(prev);
                hasher.update(&encoded);
                prev = hasher.finalize().into();
                (position, prev)
            })
            .collect();
        drop(stmt);
        for (position, hash) in &rows {
            conn.execute(
                "UPDATE govshare_events SET hash = ?1 WHERE position = ?2",
                rusqlite::params![hash.to_vec(), position],
            )
            .unwrap();
        }
        let (last, hash) = rows.last().unwrap();
        conn.execute(
            "UPDATE govshare_head SET position = ?1, hash = ?2 WHERE id = 1",
            rusqlite::params![last, hash.to_vec()],
        )
        .unwrap();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_signature_of_a_running_and_stopped_engine_verifies() {
        let f = Fixture::sqlite().await;
        let s = signing();
        let signer = start_signer(&f, &s).await.unwrap();
        f.cases().await;
        assert!(signer.tick(f.clock_now()).await.unwrap().is_some());
        // Nothing moved: an interval tick signs nothing.
        assert!(signer.tick(f.clock_now()).await.unwrap().is_none());
        f.run("130000-health", Role::Clerk, submit("SA-2026-0003"))
            .await;
        let report = verify_signed(
            f.store(),
            &s.file.read().unwrap(),
            &s.public,
            SignedVerifyOptions::default(),
        )
        .await
        .unwrap();
        assert_eq!(report.signatures, 2);
        assert_eq!(
            report.unsigned_from,
            Some(report.last_signed.unwrap().position + 1)
        );
        // Strict: the unsigned tail of a running engine is named.
        let err = verify_signed(
            f.store(),
            &s.file.read().unwrap(),
            &s.public,
            SignedVerifyOptions {
                require_signed_head: true,
            },
        )
        .await
        .unwrap_err();
        assert!(
            matches!(err.finding(), Some(ChainFinding::UnsignedTail { .. })),
            "{err}"
        );

        let last = signer.shutdown(f.clock_now()).await.unwrap();
        assert_eq!(last.reason, SignReason::Shutdown);
        assert_eq!(last.position, f.head().await);
        let report = verify_signed(
            f.store(),
            &s.file.read().unwrap(),
            &s.public,
            SignedVerifyOptions {
                require_signed_head: true,
            },
        )
        .await
        .unwrap();
        assert_eq!(report.unsigned_from, None);
        // Restarting checks and signs again.
        drop(signer);
        start_signer(&f, &s).await.unwrap();
        let lines = s.file.read().unwrap();
        assert_eq!(
            lines.iter().map(|l| l.reason).collect::<Vec<_>>(),
            vec![
                SignReason::Startup,
                SignReason::Interval,
                SignReason::Shutdown,
                SignReason::Startup
            ]
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn resume_signs_nothing_until_asked_and_refuses_events_appended_after_a_shutdown_signature()
     {
        let f = Fixture::sqlite().await;
        let s = signing();
        let key = || load_key(&s.dir.path().join("checkpoint.key")).unwrap();
        let signer = start_signer(&f, &s).await.unwrap();
        f.cases().await;
        signer.shutdown(f.clock_now()).await.unwrap();
        drop(signer);

        // A one-off signature of the stopped engine's head: the checks, then only what is asked. Signed
        // `shutdown` again (the engine is still stopped), so nothing may follow it either.
        let resumed = CheckpointSigner::resume(f.engine.store().clone(), key(), s.file.clone())
            .await
            .unwrap();
        assert_eq!(s.file.read().unwrap().len(), 2);
        let again = resumed
            .sign(SignReason::Shutdown, f.clock_now())
            .await
            .unwrap();
        assert_eq!(again.position, f.head().await);
        verify_signed(
            f.store(),
            &s.file.read().unwrap(),
            &s.public,
            SignedVerifyOptions {
                require_signed_head: true,
            },
        )
        .await
        .unwrap();
        drop(resumed);

        // After the shutdown signature someone appends without the key: resume refuses, like start.
        let forged = inject_provision_of_refused(&f).await;
        let refused = CheckpointSigner::resume(f.engine.store().clone(), key(), s.file.clone())
            .await
            .unwrap_err();
        assert!(
            matches!(refused.finding(), Some(ChainFinding::UnsignedExtension { first_position, .. }) if *first_position == forged),
            "{refused}"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn events_appended_with_a_recomputed_chain_after_the_shutdown_signature_are_detected() {
        let f = Fixture::sqlite().await;
        let s = signing();
        let signer = start_signer(&f, &s).await.unwrap();
        f.cases().await;
        let shutdown = signer.shutdown(f.clock_now()).await.unwrap();
        drop(signer);
        // Someone with the database but not the key appends through the store: the chain is recomputed
        // and the store's own verification passes.
        let forged = inject_provision_of_refused(&f).await;
        assert_eq!(forged, shutdown.position + 1);
        verify(f.store(), Some(&shutdown.checkpoint()))
            .await
            .unwrap();

        let err = verify_signed(
            f.store(),
            &s.file.read().unwrap(),
            &s.public,
            SignedVerifyOptions::default(),
        )
        .await
        .unwrap_err();
        assert_eq!(
            err.finding(),
            Some(&ChainFinding::UnsignedExtension {
                first_position: forged,
                shutdown_position: shutdown.position
            })
        );
        assert_eq!(err.finding().unwrap().position(), forged);
        // The engine refuses to start signing over it.
        let refused = start_signer(&f, &s).await.unwrap_err();
        assert!(
            matches!(refused.finding(), Some(ChainFinding::UnsignedExtension { first_position, .. }) if *first_position == forged),
            "{refused}"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn history_rewritten_with_a_recomputed_chain_before_a_signed_checkpoint_is_detected() {
        let f = Fixture::sqlite().await;
        let s = signing();
        let signer = start_signer(&f, &s).await.unwrap();
        let seeded = f.head().await;
        f.cases().await;
        let signed = signer.tick(f.clock_now()).await.unwrap().unwrap();
        f.clock.advance(Duration::hours(1));
        f.run("130000-health", Role::Clerk, submit("SA-2026-0003"))
            .await;
        drop(signer);
        let target = position_of(f.store(), "ShareApplication", APP, "ProviderAgreed").await;
        assert!(target > seeded && target <= signed.position);
        let f = f
            .tamper_sqlite(move |conn| rewrite_with_recomputed_chain(conn, target))
            .await;
        // The chain itself is consistent again.
        verify(f.store(), None).await.unwrap();

        let err = verify_signed(
            f.store(),
            &s.file.read().unwrap(),
            &s.public,
            SignedVerifyOptions::default(),
        )
        .await
        .unwrap_err();
        match err.finding() {
            Some(ChainFinding::CheckpointMismatch {
                position, earliest, ..
            }) => {
                assert_eq!(*position, signed.position);
                // The startup signature at the end of seeding still matches: the rewrite lies after it.
                assert_eq!(*earliest, seeded + 1);
            }
            other => panic!("{other:?} from {err}"),
        }
        // A kept checkpoint names the same rewrite.
        let kept = Checkpoint {
            position: signed.position,
            hash: signed.hash,
        };
        assert!(matches!(
            verify(f.store(), Some(&kept)).await.unwrap_err().finding(),
            Some(ChainFinding::CheckpointMismatch { .. })
        ));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_signature_by_another_key_or_an_altered_signature_line_is_refused() {
        let f = Fixture::sqlite().await;
        let s = signing();
        let signer = start_signer(&f, &s).await.unwrap();
        let mut lines = s.file.read().unwrap();
        drop(signer);
        let other = signing();
        let err = verify_signed(
            f.store(),
            &lines,
            &other.public,
            SignedVerifyOptions::default(),
        )
        .await
        .unwrap_err();
        assert!(
            matches!(
                err.finding(),
                Some(ChainFinding::BadSignature { index: 0, .. })
            ),
            "{err}"
        );
        lines[0].position -= 1;
        let err = verify_signed(f.store(), &lines, &s.public, SignedVerifyOptions::default())
            .await
            .unwrap_err();
        assert!(
            matches!(
                err.finding(),
                Some(ChainFinding::BadSignature { index: 0, .. })
            ),
            "{err}"
        );
    }

    #[test]
    fn a_key_file_is_never_overwritten_and_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        let public = generate_key(&path).unwrap();
        assert!(matches!(
            generate_key(&path),
            Err(AuditError::KeyExists { .. })
        ));
        assert_eq!(load_key(&path).unwrap().verifying_key(), public);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            assert!(matches!(load_key(&path), Err(AuditError::BadKey { .. })));
        }
        // A raw 32-byte seed loads too.
        let raw = dir.path().join("raw");
        std::fs::write(&raw, [7u8; 32]).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&raw, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        assert_eq!(
            load_key(&raw).unwrap().to_bytes(),
            govshare_audit::SigningKey::from_bytes(&[7u8; 32]).to_bytes()
        );
    }

    #[test]
    fn the_signed_message_is_the_documented_bytes() {
        use chrono::TimeZone;
        let checkpoint = Checkpoint {
            position: 1,
            hash: [0xab; 32],
        };
        let at = chrono::Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap();
        let message = govshare_audit::signed_message(&checkpoint, &at, SignReason::Shutdown);
        let mut expected = Vec::new();
        for field in [
            &b"govshare/checkpoint/v1"[..],
            &1u64.to_be_bytes(),
            &[0xab; 32],
            b"2026-03-02T01:00:00.000000000Z",
            b"shutdown",
        ] {
            expected.extend_from_slice(&(field.len() as u64).to_be_bytes());
            expected.extend_from_slice(field);
        }
        assert_eq!(message, expected);
        // Ed25519 is deterministic: a fixed seed gives a fixed signature (pinned for other implementations).
        let key = govshare_audit::SigningKey::from_bytes(&[1u8; 32]);
        let signed = govshare_audit::sign_checkpoint(&key, &checkpoint, at, SignReason::Shutdown);
        assert!(signed.verify(Some(&key.verifying_key())).is_ok());
        let line = serde_json::to_string(&signed).unwrap();
        let back: govshare_audit::SignedCheckpoint = serde_json::from_str(&line).unwrap();
        assert_eq!(back, signed);
        assert!(
            line.contains("\"signed_at\":\"2026-03-02T01:00:00.000000000Z\""),
            "{line}"
        );
    }
}
