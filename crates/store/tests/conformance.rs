//! The conformance suite: every case runs against a real SQLite file and against a fresh database
//! of a throwaway PostgreSQL cluster started by the test harness.

mod common;

use common::*;

/// Canonical JSON text of a value, as the store keeps it.
fn canonical(value: &serde_json::Value) -> String {
    govshare_store::hash::canonical_json(value)
}

/// Instantiates each case once per backend.
macro_rules! conformance {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let fixture = Fixture::sqlite().await;
                    cases::$case(&fixture).await;
                }
            )*
        }
        mod postgres {
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let fixture = Fixture::postgres().await;
                    cases::$case(&fixture).await;
                }
            )*
        }
    };
}

conformance!(
    read_after_write_round_trips_every_field,
    conflict_is_typed_and_appends_nothing,
    retried_command_id_appends_nothing,
    dense_commit_ordered_positions_under_16_writers,
    stream_reads_honour_bounds,
    failed_append_leaves_nothing_behind,
    refuses_oversized_payload_and_missing_actor,
    flipped_payload_byte_is_named_by_verify,
    deleted_tail_is_caught_against_checkpoint,
    rewritten_history_is_caught_against_checkpoint,
    global_log_streams_in_batches,
    snapshots_round_trip,
    verify_never_false_alarms_on_a_live_log,
    edited_command_record_is_caught_by_retry_and_verify,
    schema_1_store_migrates_on_open,
    command_is_recorded_and_read_back,
    invalid_command_record_is_refused,
    tampered_command_body_is_named_by_verify,
);

mod cases {
    use std::collections::HashMap;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    use futures::TryStreamExt;
    use govshare_store::hash::{command_digest, recompute_hash, recompute_hash_with_command};
    use govshare_store::{
        Checkpoint, ExpectedVersion, RecordedCommand, Snapshot, StoreError, StreamRead, log_stream,
    };
    use serde_json::json;
    use uuid::Uuid;

    use super::*;

    pub async fn read_after_write_round_trips_every_field(f: &Fixture) {
        let s = stream("r1");
        assert_eq!(f.store.head().await.unwrap(), Checkpoint::GENESIS);
        let req = request(&s, ExpectedVersion::NoStream, 3);
        let outcome = f.store.append(req.clone()).await.unwrap();
        assert_eq!(
            (
                outcome.first_position,
                outcome.last_position,
                outcome.stream_version
            ),
            (1, 3, 3)
        );
        assert!(!outcome.deduplicated);

        let read = f.store.read_stream(&s, StreamRead::all()).await.unwrap();
        assert_eq!(read.len(), 3);
        for (i, (got, sent)) in read.iter().zip(&req.events).enumerate() {
            assert_eq!(got.position, i as u64 + 1);
            assert_eq!(got.sequence, i as u64 + 1);
            assert_eq!(got.stream, s);
            assert_eq!(got.event_type, sent.event_type);
            assert_eq!(got.schema_version, sent.schema_version);
            assert_eq!(got.payload.to_value().unwrap(), sent.payload);
            assert_eq!(
                got.payload,
                govshare_store::Payload::from_value(&sent.payload)
            );
            assert_eq!(got.metadata, sent.metadata);
            assert_eq!(got.recorded_at, req.recorded_at);
        }
        let mut prev = [0u8; 32];
        for e in &read {
            assert_eq!(recompute_hash(&prev, e), e.hash);
            prev = e.hash;
        }
        let head = f.store.head().await.unwrap();
        assert_eq!(
            head,
            Checkpoint {
                position: 3,
                hash: prev
            }
        );
        assert_eq!(f.store.read_all(1, 10).await.unwrap(), read);
        let report = f.store.verify(1, None).await.unwrap();
        assert_eq!((report.from, report.to, report.last_hash), (1, 3, prev));
    }

    pub async fn conflict_is_typed_and_appends_nothing(f: &Fixture) {
        let s = stream("c1");
        f.store
            .append(request(&s, ExpectedVersion::NoStream, 2))
            .await
            .unwrap();
        for expected in [
            ExpectedVersion::NoStream,
            ExpectedVersion::Exact(1),
            ExpectedVersion::Exact(3),
        ] {
            match f.store.append(request(&s, expected, 1)).await {
                Err(StoreError::Conflict {
                    stream,
                    expected: e,
                    actual,
                }) => {
                    assert_eq!(stream, s);
                    assert_eq!(e, expected);
                    assert_eq!(actual, 2);
                }
                other => panic!("expected a conflict, got {other:?}"),
            }
        }
        assert_eq!(f.store.head().await.unwrap().position, 2);
        let ok = f
            .store
            .append(request(&s, ExpectedVersion::Exact(2), 1))
            .await
            .unwrap();
        assert_eq!((ok.first_position, ok.stream_version), (3, 3));
        f.store
            .append(request(&s, ExpectedVersion::Any, 1))
            .await
            .unwrap();
        f.store.verify(1, None).await.unwrap();
    }

    pub async fn retried_command_id_appends_nothing(f: &Fixture) {
        let s = stream("i1");
        let req = request(&s, ExpectedVersion::NoStream, 2);
        let first = f.store.append(req.clone()).await.unwrap();
        f.store
            .append(request(&s, ExpectedVersion::Exact(2), 1))
            .await
            .unwrap();
        // A retry after the stream moved on would conflict; the command id wins.
        let retry = f.store.append(req.clone()).await.unwrap();
        assert!(retry.deduplicated);
        assert_eq!(
            (
                retry.first_position,
                retry.last_position,
                retry.stream_version
            ),
            (
                first.first_position,
                first.last_position,
                first.stream_version
            )
        );
        // A retry that no version check would refuse is still recognised by its command id.
        let any = request(&s, ExpectedVersion::Any, 1);
        let original = f.store.append(any.clone()).await.unwrap();
        let again = f.store.append(any).await.unwrap();
        assert!(again.deduplicated);
        assert_eq!(again.first_position, original.first_position);
        // Concurrent retries of one fresh command: exactly one writes.
        let req2 = request(&s, ExpectedVersion::Exact(4), 2);
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let store = f.store.clone();
                let req = req2.clone();
                tokio::spawn(async move { store.append(req).await })
            })
            .collect();
        let mut written = 0;
        let mut outcomes = Vec::new();
        for h in handles {
            let o = h.await.unwrap().unwrap();
            written += usize::from(!o.deduplicated);
            outcomes.push((o.first_position, o.last_position));
        }
        assert_eq!(written, 1);
        assert!(outcomes.iter().all(|o| *o == (5, 6)));
        assert_eq!(f.store.head().await.unwrap().position, 6);
        assert_eq!(f.store.read_all(1, 100).await.unwrap().len(), 6);
        f.store.verify(1, None).await.unwrap();
    }

    pub async fn dense_commit_ordered_positions_under_16_writers(f: &Fixture) {
        const WRITERS: usize = 16;
        const COMMANDS: usize = 20;
        let done = Arc::new(AtomicBool::new(false));
        // A reader tails the log while the writers run: every batch must continue exactly where
        // the previous one ended, so no smaller position can ever appear later.
        let tail = {
            let store = f.store.clone();
            let done = done.clone();
            tokio::spawn(async move {
                let mut next = 1u64;
                loop {
                    let finished = done.load(Ordering::SeqCst);
                    let batch = store.read_all(next, 64).await.unwrap();
                    for e in &batch {
                        assert_eq!(e.position, next, "tailing reader saw a gap or reordering");
                        next += 1;
                    }
                    if batch.is_empty() {
                        if finished {
                            return next - 1;
                        }
                        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
                    }
                }
            })
        };
        let writers: Vec<_> = (0..WRITERS)
            .map(|w| {
                let store = f.store.clone();
                tokio::spawn(async move {
                    let own = stream(&format!("writer-{w}"));
                    let shared = stream("shared");
                    let mut total = 0u64;
                    for c in 0..COMMANDS {
                        let n = 1 + (w + c) % 3;
                        let req = if c.is_multiple_of(4) {
                            request(&shared, ExpectedVersion::Any, n)
                        } else {
                            request(&own, ExpectedVersion::Any, n)
                        };
                        let o = store.append(req).await.unwrap();
                        assert_eq!(o.last_position - o.first_position + 1, n as u64);
                        total += n as u64;
                    }
                    total
                })
            })
            .collect();
        let mut total = 0;
        for w in writers {
            total += w.await.unwrap();
        }
        done.store(true, Ordering::SeqCst);
        let seen = tail.await.unwrap();
        assert_eq!(seen, total);

        let all: Vec<_> = log_stream(&*f.store, 1, 100).try_collect().await.unwrap();
        assert_eq!(all.len() as u64, total);
        let mut per_stream: HashMap<_, u64> = HashMap::new();
        let mut per_command: HashMap<Uuid, Vec<u64>> = HashMap::new();
        for (i, e) in all.iter().enumerate() {
            assert_eq!(e.position, i as u64 + 1);
            let seq = per_stream.entry(e.stream.clone()).or_default();
            *seq += 1;
            assert_eq!(e.sequence, *seq, "stream {} sequence", e.stream);
            per_command
                .entry(e.metadata.command_id)
                .or_default()
                .push(e.position);
        }
        // Each command's events are contiguous: appends are never interleaved.
        for positions in per_command.values() {
            assert!(positions.windows(2).all(|w| w[1] == w[0] + 1));
        }
        assert_eq!(f.store.head().await.unwrap().position, total);
        f.store.verify(1, None).await.unwrap();
    }

    pub async fn stream_reads_honour_bounds(f: &Fixture) {
        let a = stream("b-a");
        let b = stream("b-b");
        for i in 0..4 {
            let mut req = request(&a, ExpectedVersion::Exact(i), 1);
            req.recorded_at = at(i as i64 * 10);
            f.store.append(req).await.unwrap();
            f.store
                .append(request(&b, ExpectedVersion::Any, 1))
                .await
                .unwrap();
        }
        // a has positions 1, 3, 5, 7 at t = 0, 10, 20, 30.
        let seqs = |v: Vec<govshare_store::RecordedEvent>| {
            v.iter()
                .map(|e| (e.sequence, e.position))
                .collect::<Vec<_>>()
        };
        let all = f.store.read_stream(&a, StreamRead::all()).await.unwrap();
        assert_eq!(seqs(all), vec![(1, 1), (2, 3), (3, 5), (4, 7)]);
        let upto = StreamRead {
            up_to_position: Some(5),
            ..StreamRead::default()
        };
        assert_eq!(
            seqs(f.store.read_stream(&a, upto).await.unwrap()),
            vec![(1, 1), (2, 3), (3, 5)]
        );
        let instant = StreamRead {
            up_to_instant: Some(at(15)),
            ..StreamRead::default()
        };
        assert_eq!(
            seqs(f.store.read_stream(&a, instant).await.unwrap()),
            vec![(1, 1), (2, 3)]
        );
        let after = StreamRead {
            after_sequence: 2,
            ..StreamRead::default()
        };
        assert_eq!(
            seqs(f.store.read_stream(&a, after).await.unwrap()),
            vec![(3, 5), (4, 7)]
        );
        assert!(
            f.store
                .read_stream(&stream("none"), StreamRead::all())
                .await
                .unwrap()
                .is_empty()
        );
    }

    pub async fn failed_append_leaves_nothing_behind(f: &Fixture) {
        let s = stream("f1");
        let first = request(&s, ExpectedVersion::NoStream, 2);
        f.store.append(first.clone()).await.unwrap();
        let head = f.store.head().await.unwrap();

        // Third event too large: nothing of the command is written.
        let mut big = request(&s, ExpectedVersion::Exact(2), 3);
        big.events[2].payload = json!({"blob": "x".repeat(PAYLOAD_LIMIT)});
        assert!(matches!(
            f.store.append(big.clone()).await,
            Err(StoreError::PayloadTooLarge { .. })
        ));
        // An event id that is already recorded: refused as a whole.
        let mut dup = request(&s, ExpectedVersion::Exact(2), 2);
        dup.events[1].metadata.event_id = first.events[0].metadata.event_id;
        assert!(matches!(
            f.store.append(dup.clone()).await,
            Err(StoreError::DuplicateEventId(id)) if id == first.events[0].metadata.event_id
        ));
        assert_eq!(f.store.head().await.unwrap(), head);
        assert_eq!(f.store.read_all(1, 100).await.unwrap().len(), 2);
        // The refused command ids were not consumed.
        big.events[2].payload = json!({"small": true});
        let o = f.store.append(big).await.unwrap();
        assert!(!o.deduplicated);
        assert_eq!((o.first_position, o.stream_version), (3, 5));

        // In one group commit, failing appends do not take the others down.
        let mut handles = Vec::new();
        for i in 0..12u64 {
            let store = f.store.clone();
            let req = if i.is_multiple_of(3) {
                request(&s, ExpectedVersion::Exact(0), 2)
            } else {
                request(&stream(&format!("f-ok-{i}")), ExpectedVersion::NoStream, 2)
            };
            handles.push(tokio::spawn(async move { (i, store.append(req).await) }));
        }
        for h in handles {
            let (i, r) = h.await.unwrap();
            if i.is_multiple_of(3) {
                assert!(matches!(r, Err(StoreError::Conflict { .. })), "{r:?}");
            } else {
                assert!(r.is_ok(), "{r:?}");
            }
        }
        let all = f.store.read_all(1, 1000).await.unwrap();
        assert_eq!(all.len(), 5 + 8 * 2);
        assert_eq!(f.store.head().await.unwrap().position, all.len() as u64);
        f.store.verify(1, None).await.unwrap();
    }

    pub async fn refuses_oversized_payload_and_missing_actor(f: &Fixture) {
        let s = stream("v1");
        let mut big = request(&s, ExpectedVersion::Any, 1);
        big.events[0].payload = json!({"blob": "y".repeat(PAYLOAD_LIMIT)});
        match f.store.append(big).await {
            Err(StoreError::PayloadTooLarge { size, limit }) => {
                assert_eq!(limit, PAYLOAD_LIMIT);
                assert!(size > limit);
            }
            other => panic!("expected PayloadTooLarge, got {other:?}"),
        }
        // Empty, white space, and characters that print as nothing (zero-width space,
        // non-joiner, joiner, word joiner, byte-order mark).
        let blanks = [
            "",
            "  ",
            "\u{200B}",
            "\u{200C}",
            "\u{200D}",
            "\u{2060}",
            "\u{FEFF}",
            " \u{200B}\t\u{FEFF} ",
        ];
        for field in ["department", "person", "role"] {
            for blank in blanks {
                let mut req = request(&s, ExpectedVersion::Any, 2);
                let actor = &mut req.events[1].metadata.actor;
                match field {
                    "department" => actor.department = blank.into(),
                    "person" => actor.person = blank.into(),
                    _ => actor.role = blank.into(),
                }
                match f.store.append(req).await {
                    Err(StoreError::MissingActor { field: got }) => assert_eq!(got, field),
                    other => panic!("{field} {blank:?}: expected MissingActor, got {other:?}"),
                }
            }
        }
        for blank in blanks {
            let mut req = request(&s, ExpectedVersion::Any, 1);
            req.events[0].event_type = blank.into();
            assert!(
                matches!(f.store.append(req).await, Err(StoreError::InvalidEvent(_))),
                "event type {blank:?}"
            );
            let req = request(&stream(blank), ExpectedVersion::Any, 1);
            assert!(
                matches!(f.store.append(req).await, Err(StoreError::InvalidEvent(_))),
                "aggregate id {blank:?}"
            );
        }
        // Visible text around an invisible character is not blank.
        let mut req = request(&s, ExpectedVersion::Any, 1);
        req.events[0].metadata.actor.person = "Li\u{200B}Wei".into();
        let outcome = f.store.append(req).await.unwrap();
        let read = f.store.read_all(outcome.first_position, 1).await.unwrap();
        assert_eq!(read[0].metadata.actor.person, "Li\u{200B}Wei");
        let mut mismatched = request(&s, ExpectedVersion::Any, 1);
        mismatched.events[0].metadata.command_id = Uuid::new_v4();
        assert!(matches!(
            f.store.append(mismatched).await,
            Err(StoreError::InvalidEvent(_))
        ));
        let mut empty = request(&s, ExpectedVersion::Any, 1);
        empty.events.clear();
        assert!(matches!(
            f.store.append(empty).await,
            Err(StoreError::InvalidEvent(_))
        ));
        // Only the one valid append was written.
        assert_eq!(f.store.head().await.unwrap().position, 1);
    }

    pub async fn flipped_payload_byte_is_named_by_verify(f: &Fixture) {
        for i in 0..5 {
            f.store
                .append(request(
                    &stream(&format!("t{i}")),
                    ExpectedVersion::NoStream,
                    2,
                ))
                .await
                .unwrap();
        }
        f.store.verify(1, None).await.unwrap();
        let target = 7;
        let stored = f.stored_payload(target).await;
        // Flip the lowest bit of one ASCII digit: still valid JSON, one byte different.
        let at = stored.find(|c: char| c.is_ascii_digit()).unwrap();
        let mut bytes = stored.into_bytes();
        bytes[at] ^= 1;
        let tampered = String::from_utf8(bytes).unwrap();
        f.exec_tampering(&format!(
            "UPDATE govshare_events SET payload = {} WHERE position = {target}",
            lit(&tampered)
        ))
        .await;
        match f.store.verify(1, None).await {
            Err(StoreError::TamperDetected { position, .. }) => assert_eq!(position, target),
            other => panic!("expected tamper at {target}, got {other:?}"),
        }
        // Ranges that do not include the altered event still verify.
        f.store.verify(1, Some(target - 1)).await.unwrap();
        match f.store.verify(target, Some(target)).await {
            Err(StoreError::TamperDetected { position, .. }) => assert_eq!(position, target),
            other => panic!("expected tamper at {target}, got {other:?}"),
        }
    }

    pub async fn deleted_tail_is_caught_against_checkpoint(f: &Fixture) {
        for i in 0..5 {
            f.store
                .append(request(
                    &stream(&format!("d{i}")),
                    ExpectedVersion::NoStream,
                    2,
                ))
                .await
                .unwrap();
        }
        let kept = f.store.checkpoint().await.unwrap();
        assert_eq!(kept.position, 10);
        f.store.verify_against(&kept).await.unwrap();
        let eight = f.store.read_all(8, 1).await.unwrap().remove(0);

        // A careless deletion is caught by the recorded head alone.
        f.exec_tampering("DELETE FROM govshare_events WHERE position > 8")
            .await;
        assert!(matches!(
            f.store.verify(1, None).await,
            Err(StoreError::TamperDetected { position: 9, .. })
        ));
        // A careful attacker also rewinds the head: only the kept checkpoint can tell.
        f.exec_tampering(&format!(
            "UPDATE govshare_head SET position = 8, hash = {} WHERE id = 1",
            blob(&f.raw, &eight.hash)
        ))
        .await;
        f.store.verify(1, None).await.unwrap();
        match f.store.verify_against(&kept).await {
            Err(StoreError::TamperDetected { position, detail }) => {
                assert_eq!(position, 9, "{detail}");
            }
            other => panic!("expected truncation to be detected, got {other:?}"),
        }
    }

    pub async fn rewritten_history_is_caught_against_checkpoint(f: &Fixture) {
        for i in 0..4 {
            f.store
                .append(request(
                    &stream(&format!("w{i}")),
                    ExpectedVersion::NoStream,
                    2,
                ))
                .await
                .unwrap();
        }
        let kept = f.store.checkpoint().await.unwrap();
        // Rewrite event 3 and recompute every later hash and the head, as an attacker who knows
        // the algorithm would.
        let mut events = f.store.read_all(1, 100).await.unwrap();
        events[2].payload = govshare_store::Payload::from_value(&json!({"dataset": "forged"}));
        let mut prev = events[1].hash;
        let mut sql = String::new();
        for e in events.iter_mut().skip(2) {
            e.hash = recompute_hash(&prev, e);
            prev = e.hash;
            sql.push_str(&format!(
                "UPDATE govshare_events SET payload = {}, hash = {} WHERE position = {};\n",
                lit(e.payload.as_str()),
                blob(&f.raw, &e.hash),
                e.position
            ));
        }
        sql.push_str(&format!(
            "UPDATE govshare_head SET hash = {} WHERE id = 1;",
            blob(&f.raw, &prev)
        ));
        f.exec_tampering(&sql).await;
        // Self-consistent again...
        f.store.verify(1, None).await.unwrap();
        // ...but not with what the auditor kept.
        match f.store.verify_against(&kept).await {
            Err(StoreError::TamperDetected { position, .. }) => assert_eq!(position, kept.position),
            other => panic!("expected rewrite to be detected, got {other:?}"),
        }
    }

    pub async fn global_log_streams_in_batches(f: &Fixture) {
        for i in 0..30u64 {
            f.store
                .append(request(
                    &stream(&format!("g{}", i % 7)),
                    ExpectedVersion::Any,
                    1 + (i % 2) as usize,
                ))
                .await
                .unwrap();
        }
        let head = f.store.head().await.unwrap().position;
        assert_eq!(head, 45);
        for batch in [1, 7, 45, 1000] {
            let all: Vec<_> = log_stream(&*f.store, 1, batch).try_collect().await.unwrap();
            assert_eq!(all.len() as u64, head);
            assert!(
                all.iter()
                    .enumerate()
                    .all(|(i, e)| e.position == i as u64 + 1)
            );
        }
        let tail: Vec<_> = log_stream(&*f.store, 40, 4).try_collect().await.unwrap();
        assert_eq!(tail.first().map(|e| e.position), Some(40));
        assert_eq!(tail.len(), 6);
        assert_eq!(f.store.read_all(46, 10).await.unwrap().len(), 0);
    }

    pub async fn snapshots_round_trip(f: &Fixture) {
        let s = stream("s1");
        f.store
            .append(request(&s, ExpectedVersion::NoStream, 3))
            .await
            .unwrap();
        assert_eq!(f.store.load_snapshot(&s).await.unwrap(), None);
        let snap = Snapshot {
            stream: s.clone(),
            sequence: 2,
            state_version: 1,
            state: json!({"count": 2, "z": [1, 2], "a": null}),
        };
        f.store.save_snapshot(&snap).await.unwrap();
        assert_eq!(f.store.load_snapshot(&s).await.unwrap(), Some(snap.clone()));
        let newer = Snapshot {
            sequence: 3,
            ..snap.clone()
        };
        f.store.save_snapshot(&newer).await.unwrap();
        assert_eq!(f.store.load_snapshot(&s).await.unwrap(), Some(newer));
        let ahead = Snapshot {
            sequence: 4,
            ..snap
        };
        assert!(matches!(
            f.store.save_snapshot(&ahead).await,
            Err(StoreError::SnapshotAhead { actual: 3, .. })
        ));
        // Snapshots are not part of the log.
        assert_eq!(f.store.head().await.unwrap().position, 3);
        f.store.verify(1, None).await.unwrap();
    }

    pub async fn verify_never_false_alarms_on_a_live_log(f: &Fixture) {
        const WRITERS: usize = 16;
        // The writers stop once the log has this many events, or when verification is done.
        const CAP: u64 = 4000;
        const MAX_ROUNDS: usize = 40;
        let stop = Arc::new(AtomicBool::new(false));
        let writers: Vec<_> = (0..WRITERS)
            .map(|w| {
                let store = f.store.clone();
                let stop = stop.clone();
                tokio::spawn(async move {
                    let own = stream(&format!("live-{w}"));
                    let mut c = 0usize;
                    while !stop.load(Ordering::SeqCst) {
                        let req = if c.is_multiple_of(5) {
                            request(&stream("live-shared"), ExpectedVersion::Any, 1 + c % 3)
                        } else {
                            request(&own, ExpectedVersion::Any, 1 + c % 3)
                        };
                        if store.append(req).await.unwrap().last_position >= CAP {
                            return;
                        }
                        c += 1;
                        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
                    }
                })
            })
            .collect();
        while f.store.head().await.unwrap().position < 100 {
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        }
        let first_checkpoint = f.store.checkpoint().await.unwrap();
        // Rounds during which the log grew while verification ran.
        let mut overlapped = 0;
        let mut rounds = 0;
        while rounds < MAX_ROUNDS && !writers.iter().all(|w| w.is_finished()) {
            rounds += 1;
            let before = f.store.head().await.unwrap();
            let report = f
                .store
                .verify(1, None)
                .await
                .unwrap_or_else(|e| panic!("false alarm in round {rounds}: {e}"));
            assert!(report.to >= before.position);
            let checkpoint = f.store.checkpoint().await.unwrap();
            for kept in [first_checkpoint, checkpoint] {
                let report = f
                    .store
                    .verify_against(&kept)
                    .await
                    .unwrap_or_else(|e| panic!("false alarm against {kept:?}: {e}"));
                assert!(report.to >= kept.position);
            }
            // A range inside what is committed, and a range ending at the moving head.
            let middle = checkpoint.position / 2;
            f.store
                .verify(middle, Some(checkpoint.position))
                .await
                .unwrap();
            f.store.verify(middle, None).await.unwrap();
            if f.store.head().await.unwrap().position > before.position {
                overlapped += 1;
            }
        }
        stop.store(true, Ordering::SeqCst);
        for w in writers {
            w.await.unwrap();
        }
        assert!(
            overlapped > 0,
            "the writers never appended during verification"
        );
        let head = f.store.head().await.unwrap();
        let report = f.store.verify(1, None).await.unwrap();
        assert_eq!((report.to, report.last_hash), (head.position, head.hash));
    }

    pub async fn edited_command_record_is_caught_by_retry_and_verify(f: &Fixture) {
        // Five commands of two events each, one stream each: command k holds 2k+1..=2k+2.
        let mut requests = Vec::new();
        for i in 0..5 {
            let req = request(&stream(&format!("cr{i}")), ExpectedVersion::NoStream, 2);
            f.store.append(req.clone()).await.unwrap();
            requests.push(req);
        }
        f.store.verify(1, None).await.unwrap();
        let target = &requests[1];
        let id = uuid_lit(&f.raw, target.command_id);
        let restore = format!(
            "UPDATE govshare_commands SET aggregate_id = 'cr1', first_position = 3, \
             last_position = 4, stream_version = 2 WHERE command_id = {id}"
        );
        // (edit, position named by the retry, position named by verify)
        let edits = [
            // The range reaches into the next command's events.
            ("last_position = 5, stream_version = 3", 5, 5),
            // The range is moved onto the next command's events.
            ("first_position = 5, last_position = 6", 4, 3),
            // The range is cut short.
            ("last_position = 3, stream_version = 1", 4, 4),
            // Another stream.
            ("aggregate_id = 'cr4'", 3, 3),
            // Another stream version.
            ("stream_version = 7", 4, 4),
        ];
        for (edit, retry_at, verify_at) in edits {
            f.exec_tampering(&format!(
                "UPDATE govshare_commands SET {edit} WHERE command_id = {id}"
            ))
            .await;
            assert_tamper_at(f.store.append(target.clone()).await, retry_at, edit);
            assert_tamper_at(f.store.verify(1, None).await, verify_at, edit);
            assert_tamper_at(
                f.store
                    .verify_against(&f.store.checkpoint().await.unwrap())
                    .await,
                verify_at,
                edit,
            );
            f.exec_tampering(&restore).await;
            f.store.verify(1, None).await.unwrap();
        }
        // The retry is believed again once the record is true.
        let retry = f.store.append(target.clone()).await.unwrap();
        assert!(retry.deduplicated);
        assert_eq!((retry.first_position, retry.last_position), (3, 4));

        // A ranged verification checks the records of the appends it covers, including one
        // that began before its first position.
        f.exec_tampering(&format!(
            "UPDATE govshare_commands SET stream_version = 9 WHERE command_id = {id}"
        ))
        .await;
        assert_tamper_at(
            f.store.verify(4, Some(6)).await,
            4,
            "range from inside the append",
        );
        f.store.verify(5, Some(10)).await.unwrap();
        f.exec_tampering(&restore).await;

        // A forged record for a command that never ran.
        let forged = uuid_lit(&f.raw, Uuid::new_v4());
        f.exec_tampering(&format!(
            "INSERT INTO govshare_commands (command_id, aggregate_type, aggregate_id, \
             first_position, last_position, stream_version) \
             VALUES ({forged}, 'SharingRequest', 'cr3', 7, 8, 2)"
        ))
        .await;
        assert_tamper_at(f.store.verify(1, None).await, 7, "forged extra record");
        // Without the forged record the log verifies again.
        f.exec_tampering(&format!(
            "DELETE FROM govshare_commands WHERE command_id = {forged}"
        ))
        .await;
        f.store.verify(1, None).await.unwrap();
    }

    /// Turns a store of the current schema back into one of schema version 1, which is exactly
    /// what `0001_init.sql` creates, with its data.
    fn downgrade_to_schema_1(raw: &Raw) -> &'static str {
        match raw {
            Raw::Sqlite(_) => {
                "DROP INDEX govshare_commands_first_position; \
                 ALTER TABLE govshare_commands DROP COLUMN command_type; \
                 ALTER TABLE govshare_commands DROP COLUMN command_schema_version; \
                 ALTER TABLE govshare_commands DROP COLUMN command_payload; \
                 ALTER TABLE govshare_commands DROP COLUMN command_issued_at_ns; \
                 PRAGMA user_version = 1;"
            }
            Raw::Postgres(_) => {
                "DROP INDEX govshare_commands_first_position; \
                 ALTER TABLE govshare_commands DROP COLUMN command_type, \
                 DROP COLUMN command_schema_version, DROP COLUMN command_payload, \
                 DROP COLUMN command_issued_at_ns; \
                 DELETE FROM govshare_schema WHERE version > 1;"
            }
        }
    }

    pub async fn schema_1_store_migrates_on_open(f: &Fixture) {
        let g = f.another().await;
        let s = stream("m1");
        let first = request(&s, ExpectedVersion::NoStream, 2);
        g.store.append(first.clone()).await.unwrap();
        g.store
            .append(request(&stream("m2"), ExpectedVersion::NoStream, 3))
            .await
            .unwrap();
        let kept = g.store.checkpoint().await.unwrap();
        let current = g.schema_version().await;
        let sql = downgrade_to_schema_1(&g.raw);
        let g = g.reopened_after(sql).await;
        assert_eq!(g.schema_version().await, current);
        g.store.verify_against(&kept).await.unwrap();
        let retry = g.store.append(first.clone()).await.unwrap();
        assert!(retry.deduplicated);
        assert_eq!((retry.first_position, retry.last_position), (1, 2));
        let next = g
            .store
            .append(request(&s, ExpectedVersion::Exact(2), 1))
            .await
            .unwrap();
        assert_eq!((next.first_position, next.stream_version), (6, 3));
        let with_command = request_with_command(&s, ExpectedVersion::Exact(3), 2);
        g.store.append(with_command.clone()).await.unwrap();
        let old = g
            .store
            .read_command(first.command_id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((old.last_position, old.command), (2, None));
        let new = g.store.read_command(with_command.command_id).await;
        assert_eq!(new.unwrap().unwrap().command, with_command.command);
        g.store.verify_against(&kept).await.unwrap();
        g.store.verify(1, None).await.unwrap();
    }

    pub async fn command_is_recorded_and_read_back(f: &Fixture) {
        let s = stream("cmd1");
        f.store
            .append(request(&s, ExpectedVersion::NoStream, 1))
            .await
            .unwrap();
        let req = request_with_command(&s, ExpectedVersion::Exact(1), 3);
        let outcome = f.store.append(req.clone()).await.unwrap();
        assert_eq!((outcome.first_position, outcome.last_position), (2, 4));
        let expected = RecordedCommand {
            command_id: req.command_id,
            stream: s.clone(),
            first_position: 2,
            last_position: 4,
            stream_version: 4,
            command: req.command.clone(),
        };
        assert_eq!(
            f.store.read_command(req.command_id).await.unwrap(),
            Some(expected.clone())
        );
        // Every event of the append hashes with the command's digest.
        let digest = command_digest(&req.command_id, req.command.as_ref().unwrap());
        let events = f.store.read_all(1, 10).await.unwrap();
        assert_eq!(recompute_hash(&[0; 32], &events[0]), events[0].hash);
        for w in events.windows(2) {
            assert_eq!(
                recompute_hash_with_command(&w[0].hash, &w[1], Some(&digest)),
                w[1].hash
            );
            assert_ne!(recompute_hash(&w[0].hash, &w[1]), w[1].hash);
        }
        // A retry returns the original outcome and leaves the recorded command as it was, even
        // with another body.
        let mut retry = req.clone();
        retry.command.as_mut().unwrap().payload = json!({"forged": true});
        let again = f.store.append(retry).await.unwrap();
        assert!(again.deduplicated);
        assert_eq!((again.first_position, again.last_position), (2, 4));
        assert_eq!(
            f.store.read_command(req.command_id).await.unwrap(),
            Some(expected)
        );
        // An append without a command is recorded with `command: None`.
        let plain = f.store.read_command(events[0].metadata.command_id).await;
        let plain = plain.unwrap().unwrap();
        assert_eq!((plain.first_position, plain.command), (1, None));
        assert_eq!(f.store.read_command(Uuid::new_v4()).await.unwrap(), None);
        // Commands in one group commit, some with and some without a body.
        let handles: Vec<_> = (0..10)
            .map(|i| {
                let store = f.store.clone();
                let req = if i % 2 == 0 {
                    request_with_command(
                        &stream(&format!("cmd-g{i}")),
                        ExpectedVersion::NoStream,
                        2,
                    )
                } else {
                    request(&stream(&format!("cmd-g{i}")), ExpectedVersion::NoStream, 2)
                };
                tokio::spawn(async move { (store.append(req.clone()).await.unwrap(), req) })
            })
            .collect();
        for h in handles {
            let (outcome, req) = h.await.unwrap();
            let got = f.store.read_command(req.command_id).await.unwrap().unwrap();
            assert_eq!(got.first_position, outcome.first_position);
            assert_eq!(got.command, req.command);
        }
        f.store.verify(1, None).await.unwrap();
    }

    pub async fn invalid_command_record_is_refused(f: &Fixture) {
        let s = stream("cmd-invalid");
        for blank in [
            "",
            "  ",
            "\t\n",
            "\u{200B}",
            "\u{FEFF}\u{2060}",
            "\u{200C}\u{200D} ",
        ] {
            let mut req = request_with_command(&s, ExpectedVersion::Any, 1);
            req.command.as_mut().unwrap().command_type = blank.into();
            match f.store.append(req.clone()).await {
                Err(StoreError::InvalidCommand(_)) => {}
                other => panic!("blank command type {blank:?}: got {other:?}"),
            }
            assert_eq!(f.store.read_command(req.command_id).await.unwrap(), None);
        }
        let mut big = request_with_command(&s, ExpectedVersion::Any, 1);
        big.command.as_mut().unwrap().payload = json!({"blob": "z".repeat(PAYLOAD_LIMIT)});
        match f.store.append(big.clone()).await {
            Err(StoreError::PayloadTooLarge { size, limit }) => {
                assert_eq!(limit, PAYLOAD_LIMIT);
                assert!(size > limit);
            }
            other => panic!("expected PayloadTooLarge, got {other:?}"),
        }
        assert_eq!(f.store.read_command(big.command_id).await.unwrap(), None);
        assert_eq!(f.store.head().await.unwrap(), Checkpoint::GENESIS);
        // The refused command ids were not consumed.
        big.command.as_mut().unwrap().payload = json!({"small": true});
        assert!(!f.store.append(big).await.unwrap().deduplicated);
    }

    pub async fn tampered_command_body_is_named_by_verify(f: &Fixture) {
        // Commands of two events each: command k holds 2k+1..=2k+2; command 1 has no body.
        let mut requests = Vec::new();
        for i in 0..4 {
            let s = stream(&format!("cmd-t{i}"));
            let req = if i == 1 {
                request(&s, ExpectedVersion::NoStream, 2)
            } else {
                request_with_command(&s, ExpectedVersion::NoStream, 2)
            };
            f.store.append(req.clone()).await.unwrap();
            requests.push(req);
        }
        f.store.verify(1, None).await.unwrap();
        let kept = f.store.checkpoint().await.unwrap();
        let target = uuid_lit(&f.raw, requests[2].command_id);
        let plain = uuid_lit(&f.raw, requests[1].command_id);
        let stored_payload = crate::canonical(&requests[2].command.as_ref().unwrap().payload);
        let restore = format!(
            "UPDATE govshare_commands SET command_type = 'SharingRequest.SubmitRequest', \
             command_schema_version = 3, command_payload = {}, command_issued_at_ns = {} \
             WHERE command_id = {target}",
            lit(&stored_payload),
            at(-1).timestamp_nanos_opt().unwrap()
        );
        let flipped = stored_payload.replace("population", "populatioN");
        // (edit of command 2's record, the position verify names, and the position named by a
        // verification of event 6 alone, whose hash is checked with the edited record)
        let edits = [
            (format!("command_payload = {}", lit(&flipped)), 5, 6),
            (
                "command_type = 'SharingRequest.WithdrawRequest'".to_owned(),
                5,
                6,
            ),
            ("command_schema_version = 4".to_owned(), 5, 6),
            (
                "command_issued_at_ns = command_issued_at_ns + 1".to_owned(),
                5,
                6,
            ),
            // Not decodable at all: reported at the record's first position.
            ("command_payload = NULL".to_owned(), 5, 5),
        ];
        for (edit, position, alone) in &edits {
            f.exec_tampering(&format!(
                "UPDATE govshare_commands SET {edit} WHERE command_id = {target}"
            ))
            .await;
            assert_tamper_at(f.store.verify(1, None).await, *position, edit);
            assert_tamper_at(f.store.verify_against(&kept).await, *position, edit);
            assert_tamper_at(f.store.verify(4, Some(6)).await, *position, edit);
            assert_tamper_at(f.store.verify(6, Some(6)).await, *alone, edit);
            assert_tamper_at(
                f.store.read_command(requests[2].command_id).await,
                *position,
                edit,
            );
            f.store.verify(1, Some(4)).await.unwrap();
            f.exec_tampering(&restore).await;
            f.store.verify_against(&kept).await.unwrap();
        }
        // A body given to an append that recorded none.
        f.exec_tampering(&format!(
            "UPDATE govshare_commands SET command_type = 'X', command_schema_version = 1, \
             command_payload = '{{}}', command_issued_at_ns = 0 WHERE command_id = {plain}"
        ))
        .await;
        assert_tamper_at(f.store.verify(1, None).await, 3, "body added");
        assert_tamper_at(
            f.store.read_command(requests[1].command_id).await,
            3,
            "body added",
        );
    }
}
