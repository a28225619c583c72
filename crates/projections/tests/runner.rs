//! The runner's guarantees, each case on a real SQLite file and on a fresh database of a throwaway
//! PostgreSQL cluster: catch-up and follow, crash safety of the transactional checkpoint, rebuild and
//! switch-over, `wait_for`, lag; on PostgreSQL, the single-runner lease and its takeover.

mod common;

use common::*;

/// Instantiates each case once per backend.
macro_rules! both_backends {
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

both_backends!(
    catches_up_in_batches_then_follows,
    failure_between_apply_and_commit_neither_loses_nor_doubles,
    crash_mid_catch_up_resumes_from_the_checkpoint,
    rebuild_from_zero_yields_the_live_tables_while_queries_are_served,
    version_change_rebuilds_and_switches,
    wait_for_returns_once_the_position_is_applied,
    audit_trail_pages_through_every_event,
);

mod cases {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::time::Duration;

    use govshare_projections::models::audit::{self, AuditFilter, AuditTrail};
    use govshare_projections::{PageRequest, Projection, ProjectionError, RunnerConfig};
    use govshare_store::StreamId;

    use super::*;

    const WAIT: Duration = Duration::from_secs(30);

    pub async fn catches_up_in_batches_then_follows(f: &Fixture) {
        let head = f.append(120, 10, 7).await;
        assert_eq!(head, 1200);
        let counter = Counter::new();
        let runner = f.start(vec![counter.clone()], fast()).await;
        runner.wait_for("counter", head, WAIT).await.unwrap();
        assert_eq!(totals(&f.db).await, (1200, triangle(1200)));
        let lag = runner.lag("counter").await.unwrap();
        assert_eq!((lag.head, lag.checkpoint, lag.behind), (1200, 1200, 0));

        // Following: new events are applied without anyone asking.
        let head = f.append(3, 2, 2).await;
        tokio::time::timeout(WAIT, async {
            while totals(&f.db).await.0 < head as i64 {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        .await
        .unwrap();
        assert_eq!(totals(&f.db).await, (head as i64, triangle(head)));
        assert_eq!(counter.applied.load(Ordering::SeqCst), head as usize);
        let status = runner.status().await.unwrap();
        assert_eq!(status.len(), 1);
        assert!(status[0].leader);
        assert_eq!(status[0].lag, 0);
        runner.shutdown().await;
    }

    pub async fn failure_between_apply_and_commit_neither_loses_nor_doubles(f: &Fixture) {
        let head = f.append(50, 20, 5).await;
        let injected = Arc::new(AtomicUsize::new(0));
        let hook_count = injected.clone();
        let config = RunnerConfig {
            // Every other batch fails once after its events and checkpoint were written.
            before_commit: Some(Arc::new(move |batch| {
                let n = hook_count.load(Ordering::SeqCst);
                if batch.from % 400 == 201 && n < 10 {
                    hook_count.fetch_add(1, Ordering::SeqCst);
                    return true;
                }
                false
            })),
            ..fast()
        };
        let counter = Counter::new();
        let runner = f.start(vec![counter.clone()], config).await;
        runner.wait_for("counter", head, WAIT).await.unwrap();
        assert!(injected.load(Ordering::SeqCst) >= 2);
        // The rolled-back batches were applied twice by the projection, but committed once.
        assert!(counter.applied.load(Ordering::SeqCst) > head as usize);
        assert_eq!(totals(&f.db).await, (head as i64, triangle(head)));
        let per_stream: i64 = streams(&f.db).await.iter().map(|s| s.1).sum();
        assert_eq!(per_stream, head as i64);
        runner.shutdown().await;
    }

    pub async fn crash_mid_catch_up_resumes_from_the_checkpoint(f: &Fixture) {
        let head = f.append(40, 25, 4).await;
        // The first runner fails every batch from position 401 on, and is then dropped (a crash).
        let config = RunnerConfig {
            before_commit: Some(Arc::new(|batch| batch.to > 400)),
            ..fast()
        };
        let first = f.start(vec![Counter::new()], config).await;
        first.wait_for("counter", 400, WAIT).await.unwrap();
        let stuck = first
            .wait_for("counter", 401, Duration::from_millis(300))
            .await;
        assert!(matches!(
            stuck,
            Err(ProjectionError::Timeout { reached: 400, .. })
        ));
        drop(first);
        assert_eq!(totals(&f.db).await, (400, triangle(400)));

        let counter = Counter::new();
        let second = f.start(vec![counter.clone()], fast()).await;
        second.wait_for("counter", head, WAIT).await.unwrap();
        assert_eq!(totals(&f.db).await, (head as i64, triangle(head)));
        assert_eq!(
            counter.applied.load(Ordering::SeqCst),
            (head - 400) as usize
        );
        second.shutdown().await;
    }

    pub async fn rebuild_from_zero_yields_the_live_tables_while_queries_are_served(f: &Fixture) {
        let head = f.append(60, 15, 6).await;
        let runner = f
            .start(
                vec![Counter::new(), Arc::new(AuditTrail) as Arc<dyn Projection>],
                fast(),
            )
            .await;
        runner.wait_for_all(head, WAIT).await.unwrap();
        let live_streams = streams(&f.db).await;
        let live_totals = totals(&f.db).await;
        let live_audit = all_audit(f).await;
        assert_eq!(live_audit.len(), head as usize);

        let generation = runner.rebuild("counter").await.unwrap();
        assert_eq!(generation, 2);
        let audit_generation = runner.rebuild("audit").await.unwrap();
        assert_eq!(audit_generation, 2);
        // Queries keep answering, from the old generation, then from the new one.
        let stop = Arc::new(AtomicBool::new(false));
        let reader = {
            let db = f.db.clone();
            let stop = stop.clone();
            tokio::spawn(async move {
                let mut answered = 0;
                while !stop.load(Ordering::SeqCst) {
                    let t = totals(&db).await;
                    assert_eq!(t, live_totals);
                    answered += 1;
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
                answered
            })
        };
        runner
            .wait_for_generation("counter", generation, WAIT)
            .await
            .unwrap();
        runner
            .wait_for_generation("audit", audit_generation, WAIT)
            .await
            .unwrap();
        stop.store(true, Ordering::SeqCst);
        assert!(reader.await.unwrap() > 0);
        let state = f.db.projection_state("counter").await.unwrap().unwrap();
        assert_eq!(state.active.generation, 2);
        assert_eq!(state.active.checkpoint, head);
        assert_eq!(state.building, None);
        assert_eq!(streams(&f.db).await, live_streams);
        assert_eq!(totals(&f.db).await, live_totals);
        assert_eq!(all_audit(f).await, live_audit);

        // The live runner goes on with the new generation.
        let head = f.append(2, 3, 1).await;
        runner.wait_for_all(head, WAIT).await.unwrap();
        assert_eq!(totals(&f.db).await, (head as i64, triangle(head)));
        runner.shutdown().await;
    }

    pub async fn version_change_rebuilds_and_switches(f: &Fixture) {
        let head = f.append(10, 10, 2).await;
        let v1 = f.start(vec![Counter::versioned(1)], fast()).await;
        v1.wait_for("counter", head, WAIT).await.unwrap();
        v1.shutdown().await;

        let v2 = Counter::versioned(2);
        let runner = f.start(vec![v2.clone()], fast()).await;
        runner
            .wait_for_generation("counter", 2, WAIT)
            .await
            .unwrap();
        let state = f.db.projection_state("counter").await.unwrap().unwrap();
        assert_eq!((state.active.generation, state.active.version), (2, 2));
        assert_eq!(totals(&f.db).await, (head as i64, triangle(head)));
        assert_eq!(v2.applied.load(Ordering::SeqCst), head as usize);
        runner.shutdown().await;
    }

    pub async fn wait_for_returns_once_the_position_is_applied(f: &Fixture) {
        let runner = f
            .start(vec![Arc::new(AuditTrail) as Arc<dyn Projection>], fast())
            .await;
        for round in 0..5 {
            let position = f.append(1, 3, 1).await;
            runner.wait_for("audit", position, WAIT).await.unwrap();
            // Read-your-writes: the entry is there as soon as wait_for returns.
            let entry = audit::at_position(&f.db, position).await.unwrap();
            assert!(entry.is_some(), "round {round}");
        }
        let head = f.store.head().await.unwrap().position;
        let beyond = runner
            .wait_for("audit", head + 1, Duration::from_millis(200))
            .await;
        assert!(matches!(
            beyond,
            Err(ProjectionError::Timeout { wanted, reached, .. }) if wanted == head + 1 && reached == head
        ));
        assert_eq!(runner.lag("audit").await.unwrap().behind, 0);
        runner.shutdown().await;
    }

    pub async fn audit_trail_pages_through_every_event(f: &Fixture) {
        let head = f.append(30, 4, 3).await;
        let runner = f
            .start(vec![Arc::new(AuditTrail) as Arc<dyn Projection>], fast())
            .await;
        runner.wait_for("audit", head, WAIT).await.unwrap();
        let all = all_audit(f).await;
        assert_eq!(all.len(), head as usize);
        assert!(all.windows(2).all(|w| w[0].position + 1 == w[1].position));
        let first = &all[0];
        assert_eq!(first.event_type, "Counted");
        assert_eq!(first.hash.len(), 64);
        assert_eq!(first.rule_set, Some(("hebei-2022".into(), "1".into())));

        let case = StreamId::new("Counter", "c-1");
        let mut page = PageRequest::first(7);
        let mut of_case = Vec::new();
        loop {
            let p = audit::trail(&f.db, &AuditFilter::Case(case.clone()), &page)
                .await
                .unwrap();
            of_case.extend(p.items);
            match p.next {
                Some(next) => page = PageRequest::after(next, 7),
                None => break,
            }
        }
        assert_eq!(of_case.len(), 40);
        assert!(of_case.iter().all(|e| e.stream == case));

        let by_person = audit::trail(
            &f.db,
            &AuditFilter::Person("person-0".into()),
            &PageRequest::first(1000),
        )
        .await
        .unwrap();
        assert_eq!(by_person.items.len(), 30);
        assert!(by_person.next.is_none());
        let by_department = audit::trail(
            &f.db,
            &AuditFilter::Department("dept-1".into()),
            &PageRequest::first(1000),
        )
        .await
        .unwrap();
        assert_eq!(by_department.items.len(), 30);
        // A cursor of one list is refused by another.
        let p = audit::trail(&f.db, &AuditFilter::All, &PageRequest::first(2))
            .await
            .unwrap();
        let wrong = audit::trail(
            &f.db,
            &AuditFilter::Person("person-0".into()),
            &PageRequest::after(p.next.unwrap(), 2),
        )
        .await;
        assert!(matches!(wrong, Err(ProjectionError::InvalidCursor)));
        runner.shutdown().await;
    }

    async fn all_audit(f: &Fixture) -> Vec<audit::AuditEntry> {
        let mut out = Vec::new();
        let mut page = PageRequest::first(97);
        loop {
            let p = audit::trail(&f.db, &AuditFilter::All, &page).await.unwrap();
            out.extend(p.items);
            match p.next {
                Some(next) => page = PageRequest::after(next, 97),
                None => return out,
            }
        }
    }
}

/// PostgreSQL only: several engine processes, one runner per projection.
mod lease {
    use std::sync::Arc;
    use std::sync::atomic::Ordering;
    use std::time::Duration;

    use govshare_projections::ReadDb;
    use govshare_store::{EventStore, PostgresStore, StoreConfig};

    use super::*;

    const WAIT: Duration = Duration::from_secs(30);

    async fn until(what: &str, mut check: impl AsyncFnMut() -> bool) {
        tokio::time::timeout(WAIT, async {
            while !check().await {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
        .await
        .unwrap_or_else(|_| panic!("timed out waiting until {what}"));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn only_one_runner_applies_and_a_standby_takes_over_when_the_holder_goes() {
        let f = Fixture::postgres().await;
        let head = f.append(20, 10, 3).await;
        let a = Counter::new();
        let runner_a = f.start(vec![a.clone()], fast()).await;
        runner_a.wait_for("counter", head, WAIT).await.unwrap();
        assert!(runner_a.is_leader("counter"));

        // A second process: its own store handle and read side on the same database.
        let store_b: Arc<dyn EventStore> = Arc::new(
            PostgresStore::connect(f.location(), StoreConfig::default())
                .await
                .unwrap(),
        );
        let db_b = ReadDb::open(f.location()).await.unwrap();
        let b = Counter::new();
        let runner_b =
            govshare_projections::start(db_b.clone(), store_b.clone(), vec![b.clone()], fast())
                .await
                .unwrap();
        let head = f.append(10, 10, 3).await;
        runner_b.wait_for("counter", head, WAIT).await.unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(runner_a.is_leader("counter"));
        assert!(!runner_b.is_leader("counter"));
        assert_eq!(b.applied.load(Ordering::SeqCst), 0);
        assert_eq!(a.applied.load(Ordering::SeqCst), head as usize);

        // The holder goes away: its lease connection closes and the standby takes over.
        drop(runner_a);
        until("the standby leads", async || runner_b.is_leader("counter")).await;
        let head2 = f.append(10, 10, 3).await;
        runner_b.wait_for("counter", head2, WAIT).await.unwrap();
        assert_eq!(b.applied.load(Ordering::SeqCst), (head2 - head) as usize);
        assert_eq!(totals(&f.db).await, (head2 as i64, triangle(head2)));
        runner_b.shutdown().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_holder_whose_lease_connection_dies_stops_applying() {
        let f = Fixture::postgres().await;
        let a = Counter::new();
        let runner_a = f.start(vec![a.clone()], fast()).await;
        let head = f.append(5, 10, 2).await;
        runner_a.wait_for("counter", head, WAIT).await.unwrap();
        assert!(runner_a.is_leader("counter"));
        let b = Counter::new();
        let db_b = ReadDb::open(f.location()).await.unwrap();
        let runner_b = govshare_projections::start(db_b, f.store.clone(), vec![b.clone()], fast())
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(!runner_b.is_leader("counter"));

        // Kill the holder's lease connection, as if its process had died.
        let key = govshare_projections::lease_key("counter");
        let killed =
            f.db.query_view(
                "counter",
                &["totals"],
                "SELECT pg_terminate_backend(l.pid) FROM pg_locks l \
                 JOIN pg_database d ON d.oid = l.database AND d.datname = current_database() \
                 WHERE l.locktype = 'advisory' AND l.classid::bigint = $1 \
                 AND l.objid::bigint = $2 AND l.granted",
                vec![
                    (((key as u64) >> 32) as i64).into(),
                    (((key as u64) & 0xffff_ffff) as i64).into(),
                ],
            )
            .await
            .unwrap();
        assert_eq!(killed.len(), 1);
        until("the standby leads", async || runner_b.is_leader("counter")).await;
        let head2 = f.append(10, 10, 3).await;
        runner_b.wait_for("counter", head2, WAIT).await.unwrap();
        runner_a.wait_for("counter", head2, WAIT).await.unwrap();
        assert_eq!(totals(&f.db).await, (head2 as i64, triangle(head2)));
        assert_eq!(
            a.applied.load(Ordering::SeqCst) + b.applied.load(Ordering::SeqCst),
            head2 as usize
        );
        runner_a.shutdown().await;
        runner_b.shutdown().await;
    }
}
