//! The deadline scheduler on both backends: every case runs against a real SQLite file and against a
//! fresh database of a throwaway PostgreSQL cluster, with the read models running.

mod common;

use common::*;

macro_rules! suite {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    cases::$case(Fixture::sqlite).await;
                }
            )*
        }
        mod postgres {
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    cases::$case(Fixture::postgres).await;
                }
            )*
        }
    };
}

suite!(
    art41_a_missed_deadline_is_marked_once_under_the_derived_id,
    art41_a_second_tick_and_a_restarted_scheduler_record_nothing_more,
    art41_a_deadline_met_before_it_is_due_is_never_marked,
    art41_the_due_instant_itself_is_still_on_time,
    art41_run_marks_a_deadline_once_the_clock_passes_its_due_day,
    art41_a_final_refusal_is_reported_once_and_not_retried,
    art19_recompute_after_a_years_arrangement_is_loaded_moves_the_due_day,
);

/// Two schedulers, each with its own engine and store connection, ticking at once on one PostgreSQL
/// database: every miss is recorded once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn art41_two_schedulers_on_postgres_record_each_miss_once() {
    cases::art41_two_schedulers_on_postgres_record_each_miss_once().await;
}

mod cases {
    use std::future::Future;
    use std::sync::Arc;

    use chrono::Duration;
    use govshare_domain::{DeadlineMissed, Role};
    use govshare_engine::{Engine, ManualClock};
    use govshare_projections::models::{deadlines, liabilities};
    use govshare_scheduler::{
        Scheduler, SchedulerError, mark_overdue_command_id, recompute_command_id,
    };
    use govshare_store::{PostgresStore, StoreConfig};

    use super::*;

    const REVIEW: &str = "share_conditional_review#1";

    /// Submitted Monday 2026-03-02 09:00; the review is due at the end of Thursday 2026-03-05.
    async fn submitted(f: &Fixture, app: &str) {
        f.submit(app).await;
        let tick = f.scheduler().tick().await.unwrap();
        assert!(tick.marked.is_empty() && tick.due == 0, "{tick:?}");
    }

    pub async fn art41_a_missed_deadline_is_marked_once_under_the_derived_id<F, Fut>(open: F)
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Fixture>,
    {
        let f = open().await;
        submitted(&f, "SA-1").await;
        f.clock.set(bj(2026, 3, 6, 9, 0));
        let tick = f.scheduler().tick().await.unwrap();
        assert_eq!(tick.due, 1, "{tick:?}");
        assert_eq!(tick.marked.len(), 1, "{tick:?}");
        let marked = &tick.marked[0];
        let expected_id = mark_overdue_command_id(&application("SA-1"), REVIEW);
        assert_eq!(marked.command_id, expected_id);
        assert_eq!(marked.deadline.deadline_id, REVIEW);

        let misses = f.misses().await;
        assert_eq!(misses.len(), 1);
        let miss = &misses[0];
        assert_eq!(miss.position, marked.position);
        assert_eq!(miss.metadata.command_id, expected_id);
        assert_eq!(miss.stream, application("SA-1"));
        assert_eq!(miss.metadata.actor.department, AUTHORITY);
        assert_eq!(miss.metadata.actor.role, "scheduler");
        let missed: DeadlineMissed =
            serde_json::from_value(miss.payload.to_value().unwrap()).unwrap();
        assert_eq!(missed.owed_by.as_str(), AUTHORITY);
        assert_eq!(missed.marked_at, bj(2026, 3, 6, 9, 0));

        // The read model shows it missed, still owed.
        f.runner()
            .wait_for(
                deadlines::NAME,
                marked.position,
                std::time::Duration::from_secs(10),
            )
            .await
            .unwrap();
        let rows = deadlines::of_case(f.db(), &application("SA-1"))
            .await
            .unwrap();
        assert!(rows[0].missed);
        assert_eq!(rows[0].state, deadlines::DeadlineState::Open);

        // And the liabilities model names the authority answerable for its neglect (第四十条), proven by
        // that event.
        f.runner()
            .wait_for(
                liabilities::NAME,
                marked.position,
                std::time::Duration::from_secs(10),
            )
            .await
            .unwrap();
        let facts = liabilities::list(
            f.db(),
            &liabilities::LiabilityFilter {
                case: Some(application("SA-1")),
                ..Default::default()
            },
            &govshare_projections::PageRequest::first(100),
        )
        .await
        .unwrap()
        .items;
        let proven: Vec<_> = facts
            .iter()
            .filter(|fact| fact.position == marked.position)
            .collect();
        assert_eq!(proven.len(), 1, "{facts:?}");
        assert_eq!(proven[0].event_type, "DeadlineMissed");
        assert_eq!(proven[0].department, AUTHORITY);
        assert_eq!(
            proven[0].item,
            govshare_domain::liability::LiabilityItem::AuthorityNeglect
        );
        assert_eq!(proven[0].citation, "第四十条");
        assert_eq!(
            proven[0].missed_rule.as_deref(),
            Some("share_conditional_review")
        );
    }

    pub async fn art41_a_second_tick_and_a_restarted_scheduler_record_nothing_more<F, Fut>(open: F)
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Fixture>,
    {
        let mut f = open().await;
        submitted(&f, "SA-1").await;
        f.clock.set(bj(2026, 3, 6, 9, 0));
        assert_eq!(f.scheduler().tick().await.unwrap().marked.len(), 1);
        let head = f.head().await;

        f.clock.advance(Duration::hours(1));
        let again = f.scheduler().tick().await.unwrap();
        assert!(again.marked.is_empty() && again.due == 0, "{again:?}");

        // A scheduler started afresh in the same process issues the same id: answered as a retry.
        let fresh = Scheduler::new(f.engine().clone(), f.db().clone(), scheduler_config());
        assert!(fresh.tick().await.unwrap().marked.is_empty());
        drop(fresh);

        // The whole process restarted.
        f.restart(&[]).await;
        f.clock.advance(Duration::days(3));
        let after = f.scheduler().tick().await.unwrap();
        assert!(after.marked.is_empty(), "{after:?}");
        assert_eq!(f.head().await, head);
        assert_eq!(f.misses().await.len(), 1);

        // Issued again by hand under the derived id (a scheduler that crashed before its view moved):
        // the engine answers with the original record.
        let request = govshare_engine::CommandRequest::new(
            mark_overdue_command_id(&application("SA-1"), REVIEW),
            code(AUTHORITY),
            govshare_domain::PersonId("govshare-scheduler".into()),
            Role::Scheduler,
            govshare_engine::Command::ShareApplication {
                id: "SA-1".into(),
                command: govshare_domain::share_application::ShareCommand::MarkOverdue(
                    govshare_domain::MarkOverdue {
                        deadline: govshare_domain::DeadlineId(REVIEW.into()),
                    },
                ),
            },
        );
        let retried = f.engine().execute_scheduled(request).await.unwrap();
        assert!(retried.retry);
        assert_eq!(f.head().await, head);
    }

    pub async fn art41_a_deadline_met_before_it_is_due_is_never_marked<F, Fut>(open: F)
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Fixture>,
    {
        let f = open().await;
        submitted(&f, "SA-1").await;
        f.clock.advance(Duration::hours(2));
        f.forward("SA-1").await; // meets the review; the provider's reply is due 2026-03-09
        f.clock.set(bj(2026, 3, 9, 12, 0));
        let tick = f.scheduler().tick().await.unwrap();
        assert!(tick.marked.is_empty() && tick.due == 0, "{tick:?}");
        assert!(f.misses().await.is_empty());

        // Past the provider's reply: only that one is marked, never the review met in time.
        f.clock.set(bj(2026, 3, 10, 9, 0));
        let tick = f.scheduler().tick().await.unwrap();
        assert_eq!(tick.marked.len(), 1, "{tick:?}");
        assert_eq!(
            tick.marked[0].deadline.deadline_id,
            "share_provider_reply#1"
        );
        assert_eq!(f.misses().await.len(), 1);
    }

    pub async fn art41_the_due_instant_itself_is_still_on_time<F, Fut>(open: F)
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Fixture>,
    {
        let f = open().await;
        submitted(&f, "SA-1").await;
        let due = deadlines::of_case(f.db(), &application("SA-1")).await;
        let due = match due {
            Ok(rows) if !rows.is_empty() => rows[0].due_at,
            _ => {
                f.runner()
                    .wait_for(
                        deadlines::NAME,
                        f.head().await,
                        std::time::Duration::from_secs(10),
                    )
                    .await
                    .unwrap();
                deadlines::of_case(f.db(), &application("SA-1"))
                    .await
                    .unwrap()[0]
                    .due_at
            }
        };
        assert_eq!(due, bj(2026, 3, 6, 0, 0) - Duration::nanoseconds(1));
        f.clock.set(due);
        let tick = f.scheduler().tick().await.unwrap();
        assert!(
            tick.marked.is_empty() && tick.deferred.is_empty(),
            "{tick:?}"
        );
        f.clock.set(due + Duration::nanoseconds(1));
        assert_eq!(f.scheduler().tick().await.unwrap().marked.len(), 1);
    }

    pub async fn art41_run_marks_a_deadline_once_the_clock_passes_its_due_day<F, Fut>(open: F)
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Fixture>,
    {
        let f = open().await;
        f.submit("SA-1").await;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let scheduler = Scheduler::new(f.engine().clone(), f.db().clone(), scheduler_config());
        let task = tokio::spawn(async move {
            scheduler
                .run(async {
                    let _ = stopped.await;
                })
                .await;
        });
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        assert!(f.misses().await.is_empty());
        f.clock.set(bj(2026, 3, 6, 0, 1));
        let mut waited = 0;
        while f.misses().await.is_empty() {
            assert!(
                waited < 200,
                "no miss recorded after the clock passed the due day"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            waited += 1;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        stop.send(()).unwrap();
        task.await.unwrap();
        assert_eq!(f.misses().await.len(), 1);
    }

    pub async fn art41_a_final_refusal_is_reported_once_and_not_retried<F, Fut>(open: F)
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Fixture>,
    {
        // An acting department the registry does not know: the engine refuses for good.
        let f = open().await;
        submitted(&f, "SA-1").await;
        let mut config = scheduler_config();
        config.person = govshare_domain::PersonId(" ".into());
        let scheduler = Scheduler::new(f.engine().clone(), f.db().clone(), config);
        f.clock.set(bj(2026, 3, 6, 9, 0));
        let tick = scheduler.tick().await.unwrap();
        assert_eq!(tick.refused.len(), 1, "{tick:?}");
        assert!(!tick.refused[0].error.is_retryable());
        assert!(matches!(tick.refused[0].error, SchedulerError::Engine(_)));
        let again = scheduler.tick().await.unwrap();
        assert!(again.refused.is_empty(), "{again:?}");
        assert_eq!(again.skipped.len(), 1);
        assert!(f.misses().await.is_empty());
    }

    pub async fn art19_recompute_after_a_years_arrangement_is_loaded_moves_the_due_day<F, Fut>(
        open: F,
    ) where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Fixture>,
    {
        let mut f = open().await;
        // Wednesday 2026-12-30: three working days reach into 2027, whose arrangement is not shipped.
        f.clock.set(bj(2026, 12, 30, 9, 0));
        f.submit("SA-1").await;
        f.runner()
            .wait_for(
                deadlines::NAME,
                f.head().await,
                std::time::Duration::from_secs(10),
            )
            .await
            .unwrap();
        let before = &deadlines::of_case(f.db(), &application("SA-1"))
            .await
            .unwrap()[0];
        assert!(before.provisional);
        assert_eq!(before.due_date, date(2027, 1, 4)); // 12-31, 01-01 (a weekday, provisionally), 01-04

        let err = f
            .scheduler()
            .recompute_after_calendar_load(&[2027])
            .await
            .unwrap_err();
        assert!(
            matches!(err, SchedulerError::CalendarNotLoaded { year: 2027 }),
            "{err:?}"
        );

        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("cn-holidays-2027.json");
        std::fs::write(
            &file,
            r#"{"timezone":"Asia/Shanghai","first_year":2027,"last_year":2027,"years":{"2027":{
                "holidays":[{"name":"元旦","days_off":["2027-01-01","2027-01-02","2027-01-03"]}],
                "makeup_workdays":[]}}}"#,
        )
        .unwrap();
        f.restart(&[file]).await;
        let report = f
            .scheduler()
            .recompute_after_calendar_load(&[2027])
            .await
            .unwrap();
        assert_eq!(report.recomputed.len(), 1, "{report:?}");
        assert_eq!(report.recomputed[0].case, application("SA-1"));
        assert_eq!(
            report.recomputed[0].command_id,
            recompute_command_id(&application("SA-1"), &[2027])
        );
        let again = f
            .scheduler()
            .recompute_after_calendar_load(&[2027])
            .await
            .unwrap();
        assert!(again.recomputed.is_empty(), "{again:?}");

        f.runner()
            .wait_for(
                deadlines::NAME,
                f.head().await,
                std::time::Duration::from_secs(10),
            )
            .await
            .unwrap();
        let after = &deadlines::of_case(f.db(), &application("SA-1"))
            .await
            .unwrap()[0];
        assert!(!after.provisional);
        assert_eq!(after.due_date, date(2027, 1, 5));

        // On the provisional due day's morning after, nothing is missed any more.
        f.clock.set(bj(2027, 1, 5, 9, 0));
        assert!(f.scheduler().tick().await.unwrap().marked.is_empty());
        f.clock.set(bj(2027, 1, 6, 9, 0));
        assert_eq!(f.scheduler().tick().await.unwrap().marked.len(), 1);
    }

    pub async fn art41_two_schedulers_on_postgres_record_each_miss_once() {
        let f = Fixture::postgres().await;
        let apps: Vec<String> = (1..=6).map(|i| format!("SA-{i}")).collect();
        for app in &apps {
            f.submit(app).await;
        }
        f.clock.set(bj(2026, 3, 6, 9, 0));
        let url = f.location();
        let second_clock = Arc::new(ManualClock::new(bj(2026, 3, 6, 9, 0)));
        let store = Arc::new(
            PostgresStore::connect(&url, StoreConfig::default())
                .await
                .unwrap(),
        );
        let second_engine =
            Engine::with_store(store, engine_config(&url, second_clock, &[])).unwrap();
        let second_db = govshare_projections::ReadDb::open(&url).await.unwrap();
        let second = Scheduler::new(second_engine, second_db, scheduler_config());
        let first = f.scheduler();

        let (a, b) = tokio::join!(first.tick(), second.tick());
        let (a, b) = (a.unwrap(), b.unwrap());
        // Each miss is recorded by exactly one of them. How many each lists depends on the race: a tick that
        // reads the view after the other has marked some sees fewer due; one that reads it before finds the
        // other's miss already recorded under the derived id. Nothing is skipped, deferred or refused.
        assert_eq!(a.marked.len() + b.marked.len(), apps.len(), "{a:?} {b:?}");
        for tick in [&a, &b] {
            assert!(tick.due <= apps.len(), "{tick:?}");
            assert_eq!(
                tick.due,
                tick.marked.len() + tick.already_recorded.len(),
                "{tick:?}"
            );
            assert!(
                tick.skipped.is_empty() && tick.deferred.is_empty() && tick.refused.is_empty(),
                "{tick:?}"
            );
        }
        let mut keys: Vec<_> = a
            .marked
            .iter()
            .chain(&b.marked)
            .map(|m| m.deadline.clone())
            .collect();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), apps.len(), "{a:?} {b:?}");
        let misses = f.misses().await;
        assert_eq!(misses.len(), apps.len());
        let mut ids: Vec<_> = misses.iter().map(|e| e.metadata.command_id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), apps.len());

        let (a, b) = tokio::join!(first.tick(), second.tick());
        assert!(a.unwrap().marked.is_empty() && b.unwrap().marked.is_empty());
        assert_eq!(f.misses().await.len(), apps.len());
    }
}
