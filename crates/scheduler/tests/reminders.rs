//! Deadline reminders (催办提醒) on both backends: with a rule set that configures them, the scheduler
//! records one `DeadlineReminded` per deadline once its reminder point has passed — once across ticks,
//! restarts and two instances — and none under a rule set without reminders (the shipped `hebei-2022`: the
//! regulation prescribes none). The deadline is the authority's review of 第十九条: submitted Monday
//! 2026-03-02 09:00, due at the end of Thursday 03-05; one working day before it, the reminder point is the
//! end of Wednesday 03-04.

mod common;

use common::*;

macro_rules! suite {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    cases::$case(|rules| async move {
                        let dir = tempfile::tempdir().unwrap();
                        Fixture::open_with(Backend::Sqlite(dir), start(), rules).await
                    })
                    .await;
                }
            )*
        }
        mod postgres {
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    cases::$case(|rules| async move {
                        Fixture::open_with(Backend::Postgres(fresh_database().await), start(), rules)
                            .await
                    })
                    .await;
                }
            )*
        }
    };
}

suite!(
    art19_a_reminder_is_recorded_once_past_the_reminder_point,
    art19_no_reminder_when_the_rule_set_configures_none,
);

/// Two schedulers, each with its own engine and store connection, ticking at once on one PostgreSQL
/// database: every reminder is recorded once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn art19_two_schedulers_on_postgres_record_each_reminder_once() {
    cases::art19_two_schedulers_on_postgres_record_each_reminder_once().await;
}

mod cases {
    use std::future::Future;
    use std::path::PathBuf;
    use std::sync::Arc;

    use chrono::Duration;
    use govshare_domain::{DeadlineReminded, DeadlineRule, Role};
    use govshare_engine::{Engine, ManualClock, RuleSetSource};
    use govshare_projections::PageRequest;
    use govshare_projections::models::{applications, deadlines};
    use govshare_scheduler::{Scheduler, remind_deadline_command_id};
    use govshare_store::{PostgresStore, StoreConfig};

    use super::*;

    const REVIEW: &str = "share_conditional_review#1";

    /// `hebei-2022` with reminders one working day before every working-day deadline, as a file.
    fn reminder_rules() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hebei-2022-reminders.json");
        std::fs::write(
            &path,
            r#"{"id": "hebei-2022-reminders", "version": 1, "reminders": {"working_days_before": 1}}"#,
        )
        .unwrap();
        (dir, path)
    }

    async fn reminders(f: &Fixture) -> Vec<govshare_store::RecordedEvent> {
        f.events_of("DeadlineReminded").await
    }

    pub async fn art19_a_reminder_is_recorded_once_past_the_reminder_point<F, Fut>(open: F)
    where
        F: FnOnce(Option<PathBuf>) -> Fut,
        Fut: Future<Output = Fixture>,
    {
        let (_dir, rules) = reminder_rules();
        let mut f = open(Some(rules)).await;
        f.submit("SA-1").await;

        // Up to the end of Wednesday 03-04 more than one working day remains: nothing to remind of.
        f.clock.set(bj(2026, 3, 4, 23, 59));
        let tick = f.scheduler().tick().await.unwrap();
        assert_eq!(tick.reminders.due, 0, "{tick:?}");
        assert!(reminders(&f).await.is_empty());

        // Thursday morning: the review is due today; reminded once, under the derived id.
        f.clock.set(bj(2026, 3, 5, 9, 0));
        let tick = f.scheduler().tick().await.unwrap();
        assert!(tick.marked.is_empty(), "{tick:?}");
        assert_eq!(tick.reminders.due, 1, "{tick:?}");
        assert_eq!(tick.reminders.reminded.len(), 1, "{tick:?}");
        let reminded = &tick.reminders.reminded[0];
        let expected_id = remind_deadline_command_id(&application("SA-1"), REVIEW);
        assert_eq!(reminded.command_id, expected_id);
        assert_eq!(reminded.deadline.deadline_id, REVIEW);
        assert_eq!(reminded.working_days_before, 1);
        assert_eq!(
            reminded.remind_from,
            bj(2026, 3, 5, 0, 0) - Duration::nanoseconds(1)
        );

        let recorded = reminders(&f).await;
        assert_eq!(recorded.len(), 1);
        let event = &recorded[0];
        assert_eq!(event.position, reminded.position);
        assert_eq!(event.metadata.command_id, expected_id);
        assert_eq!(event.stream, application("SA-1"));
        assert_eq!(event.metadata.actor.department, AUTHORITY);
        assert_eq!(event.metadata.actor.role, "scheduler");
        let body: DeadlineReminded =
            serde_json::from_value(event.payload.to_value().unwrap()).unwrap();
        assert_eq!(body.what, DeadlineRule::ShareConditionalReview);
        assert_eq!(body.owed_by.as_str(), AUTHORITY);
        assert_eq!(body.due_date, date(2026, 3, 5));
        assert_eq!(body.working_days_before, 1);
        assert_eq!(body.reminded_at, bj(2026, 3, 5, 9, 0));
        assert_eq!(body.rule_set.id, "hebei-2022-reminders");

        // The read models show it: the deadline, and the authority's inbox.
        f.runner()
            .wait_for(
                applications::NAME,
                reminded.position,
                std::time::Duration::from_secs(10),
            )
            .await
            .unwrap();
        f.runner()
            .wait_for(
                deadlines::NAME,
                reminded.position,
                std::time::Duration::from_secs(10),
            )
            .await
            .unwrap();
        let rows = deadlines::of_case(f.db(), &application("SA-1"))
            .await
            .unwrap();
        assert_eq!(rows[0].reminded_at, Some(bj(2026, 3, 5, 9, 0)));
        let inbox = applications::inbox(f.db(), AUTHORITY, &PageRequest::first(10))
            .await
            .unwrap();
        assert_eq!(inbox.items[0].reminded_at, Some(bj(2026, 3, 5, 9, 0)));

        // Later ticks, a fresh scheduler and a restarted process record nothing more.
        let head = f.head().await;
        f.clock.advance(Duration::hours(1));
        let again = f.scheduler().tick().await.unwrap();
        assert_eq!(again.reminders.due, 0, "{again:?}");
        let fresh = Scheduler::new(f.engine().clone(), f.db().clone(), scheduler_config());
        assert!(fresh.tick().await.unwrap().reminders.reminded.is_empty());
        drop(fresh);
        f.restart(&[]).await;
        let after = f.scheduler().tick().await.unwrap();
        assert!(after.reminders.reminded.is_empty(), "{after:?}");
        assert_eq!(f.head().await, head);
        assert_eq!(reminders(&f).await.len(), 1);

        // Issued again by hand under the derived id: the engine answers with the original record.
        let request = govshare_engine::CommandRequest::new(
            expected_id,
            code(AUTHORITY),
            govshare_domain::PersonId("govshare-scheduler".into()),
            Role::Scheduler,
            govshare_engine::Command::ShareApplication {
                id: "SA-1".into(),
                command: govshare_domain::share_application::ShareCommand::RemindDeadline(
                    govshare_domain::RemindDeadline {
                        deadline: govshare_domain::DeadlineId(REVIEW.into()),
                    },
                ),
            },
        );
        assert!(f.engine().execute_scheduled(request).await.unwrap().retry);
        assert_eq!(f.head().await, head);

        // Friday: the miss is recorded (第四十一条); no second reminder.
        f.clock.set(bj(2026, 3, 6, 9, 0));
        let friday = f.scheduler().tick().await.unwrap();
        assert_eq!(friday.marked.len(), 1, "{friday:?}");
        assert!(friday.reminders.reminded.is_empty(), "{friday:?}");
        assert_eq!(reminders(&f).await.len(), 1);
    }

    pub async fn art19_no_reminder_when_the_rule_set_configures_none<F, Fut>(open: F)
    where
        F: FnOnce(Option<PathBuf>) -> Fut,
        Fut: Future<Output = Fixture>,
    {
        let f = open(None).await;
        f.submit("SA-1").await;
        f.clock.set(bj(2026, 3, 5, 9, 0));
        let tick = f.scheduler().tick().await.unwrap();
        assert_eq!(tick.reminders.due, 0, "{tick:?}");
        assert!(tick.reminders.reminded.is_empty());
        f.clock.set(bj(2026, 3, 5, 23, 0));
        assert!(
            f.scheduler()
                .tick()
                .await
                .unwrap()
                .reminders
                .reminded
                .is_empty()
        );
        assert!(reminders(&f).await.is_empty());
    }

    pub async fn art19_two_schedulers_on_postgres_record_each_reminder_once() {
        let (_dir, rules) = reminder_rules();
        let f = Fixture::open_with(
            Backend::Postgres(fresh_database().await),
            start(),
            Some(rules.clone()),
        )
        .await;
        let apps: Vec<String> = (1..=6).map(|i| format!("SA-{i}")).collect();
        for app in &apps {
            f.submit(app).await;
        }
        f.clock.set(bj(2026, 3, 5, 9, 0));
        let url = f.location();
        let second_clock = Arc::new(ManualClock::new(bj(2026, 3, 5, 9, 0)));
        let store = Arc::new(
            PostgresStore::connect(&url, StoreConfig::default())
                .await
                .unwrap(),
        );
        let mut config = engine_config(&url, second_clock, &[]);
        config.rule_set = RuleSetSource::File(rules);
        let second_engine = Engine::with_store(store, config).unwrap();
        let second_db = govshare_projections::ReadDb::open(&url).await.unwrap();
        let second = Scheduler::new(second_engine, second_db, scheduler_config());
        let first = f.scheduler();

        let (a, b) = tokio::join!(first.tick(), second.tick());
        let (a, b) = (a.unwrap(), b.unwrap());
        // Each lists what its view held unreminded; between them every reminder is recorded once, and
        // whatever one lists that the other recorded is answered as already recorded.
        assert_eq!(
            a.reminders.reminded.len() + b.reminders.reminded.len(),
            apps.len(),
            "{a:?} {b:?}"
        );
        for t in [&a, &b] {
            assert!(t.reminders.due <= apps.len(), "{t:?}");
            assert_eq!(
                t.reminders.reminded.len() + t.reminders.already_recorded.len(),
                t.reminders.due,
                "{t:?}"
            );
            assert!(
                t.reminders.refused.is_empty() && t.reminders.deferred.is_empty(),
                "{t:?}"
            );
        }
        let recorded = f.events_of("DeadlineReminded").await;
        assert_eq!(recorded.len(), apps.len());
        let mut ids: Vec<_> = recorded.iter().map(|e| e.metadata.command_id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), apps.len());

        let (a, b) = tokio::join!(first.tick(), second.tick());
        assert!(
            a.unwrap().reminders.reminded.is_empty() && b.unwrap().reminders.reminded.is_empty()
        );
        assert_eq!(f.events_of("DeadlineReminded").await.len(), apps.len());
    }
}
