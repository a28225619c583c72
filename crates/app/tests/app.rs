//! The composition root on a real SQLite file and on a fresh PostgreSQL database: open, record through the
//! engine, the read models reach the head, shutdown signs the final head, reopen.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use govshare_app::{App, AppConfig, AppError, SigningConfig, models, open_store};
use govshare_audit::{SignReason, SignatureFile, SignedVerifyOptions, load_key, verify_signed};
use govshare_domain::{DepartmentKind, PersonId, Role};
use govshare_engine::{Command, CommandRequest, EngineConfig, ManualClock};
use govshare_scheduler::SchedulerConfig;
use govshare_testkit::province::{self, AUTHORITY, POPULATION, code, population_metadata};
use uuid::Uuid;

fn config(database: &str, dir: &Path, clock: Arc<ManualClock>) -> AppConfig {
    let engine = EngineConfig::new(database)
        .with_clock(clock)
        .with_categories(province::categories());
    AppConfig::with_engine(engine).with_signing(
        SigningConfig::new(dir.join("engine.key"), dir.join("checkpoints.jsonl"))
            .with_interval(Duration::from_millis(200))
            .generating_key(),
    )
}

async fn run(
    app: &App,
    n: &mut u128,
    department: &str,
    role: Role,
    command: govshare_engine::Command,
) {
    *n += 1;
    app.engine()
        .execute(CommandRequest::new(
            Uuid::from_u128(*n),
            code(department),
            PersonId("王主任".into()),
            role,
            command,
        ))
        .await
        .unwrap_or_else(|e| panic!("{department}: {e}"));
}

/// 河北省 with its data authority, public security and health, and the population entry published; returns
/// the last command number used.
async fn seed_province(app: &App) -> u128 {
    let (region, authority) = province::bootstrap();
    app.engine()
        .bootstrap(
            Uuid::from_u128(1),
            PersonId("王主任".into()),
            region,
            authority,
        )
        .await
        .unwrap();
    let mut n = 1;
    for (c, name, kind) in [
        (
            "130000-public-security",
            "河北省公安厅",
            DepartmentKind::PublicSecurity,
        ),
        (
            "130000-health",
            "河北省卫生健康委员会",
            DepartmentKind::Department,
        ),
    ] {
        run(
            app,
            &mut n,
            AUTHORITY,
            Role::Leader,
            province::register(c, name, "130000", kind),
        )
        .await;
    }
    for (department, role, command) in
        province::publication(POPULATION, "130000-public-security", population_metadata())
    {
        run(app, &mut n, &department, role, command).await;
    }
    n
}

async fn open_record_sign_reopen(database: String) {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(province::start()));
    let mut app = App::open(config(&database, dir.path(), clock.clone()))
        .await
        .unwrap();
    app.run_background();

    let (region, authority) = province::bootstrap();
    app.engine()
        .bootstrap(
            Uuid::from_u128(1),
            PersonId("王主任".into()),
            region,
            authority,
        )
        .await
        .unwrap();
    let mut n = 1;
    run(
        &app,
        &mut n,
        AUTHORITY,
        Role::Leader,
        province::register(
            "130000-public-security",
            "河北省公安厅",
            "130000",
            DepartmentKind::PublicSecurity,
        ),
    )
    .await;
    for (department, role, command) in
        province::publication(POPULATION, "130000-public-security", population_metadata())
    {
        run(&app, &mut n, &department, role, command).await;
    }

    // The read models reach the head.
    let head = app.store().head().await.unwrap();
    assert!(head.position > 3);
    app.runner()
        .unwrap()
        .wait_for_all(head.position, Duration::from_secs(60))
        .await
        .unwrap();
    let entry = models::catalog::entry(app.read_db(), POPULATION)
        .await
        .unwrap();
    assert!(entry.is_some());
    assert_eq!(
        models::audit::count(app.read_db()).await.unwrap(),
        head.position
    );

    // Shutdown signs the final head, and the signatures verify against the log with the head signed.
    let signed = app.shutdown().await.unwrap().unwrap();
    assert_eq!(signed.reason, SignReason::Shutdown);
    assert_eq!(signed.checkpoint(), head);
    let signatures = SignatureFile::new(dir.path().join("checkpoints.jsonl"))
        .read()
        .unwrap();
    assert_eq!(
        signatures.first().map(|s| s.reason),
        Some(SignReason::Startup)
    );
    let public = load_key(&dir.path().join("engine.key"))
        .unwrap()
        .verifying_key();
    let store = open_store(&database).await.unwrap();
    let report = verify_signed(
        store.as_ref(),
        &signatures,
        &public,
        SignedVerifyOptions {
            require_signed_head: true,
        },
    )
    .await
    .unwrap();
    assert_eq!(report.last_signed, Some(head));
    assert_eq!(report.unsigned_from, None);
    drop(store);

    // Reopening signs `startup` at the same head, and the engine records again.
    let app = App::open(config(&database, dir.path(), clock))
        .await
        .unwrap();
    let mut n = 100;
    run(
        &app,
        &mut n,
        AUTHORITY,
        Role::Leader,
        province::register(
            "130000-health",
            "河北省卫生健康委员会",
            "130000",
            DepartmentKind::Department,
        ),
    )
    .await;
    let after = app.shutdown().await.unwrap().unwrap();
    assert!(after.position > head.position);
    let signatures = SignatureFile::new(dir.path().join("checkpoints.jsonl"))
        .read()
        .unwrap();
    let store = open_store(&database).await.unwrap();
    verify_signed(
        store.as_ref(),
        &signatures,
        &public,
        SignedVerifyOptions {
            require_signed_head: true,
        },
    )
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_open_record_project_and_shutdown_signs_the_final_head() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("govshare.db");
    open_record_sign_reopen(db.to_string_lossy().into_owned()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_open_record_project_and_shutdown_signs_the_final_head() {
    let url = govshare_testkit::shared_cluster()
        .fresh_database("app")
        .await
        .unwrap();
    open_record_sign_reopen(url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_database_file_is_refused_when_only_existing_ones_may_be_opened() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("missing.db");
    let db = db.to_string_lossy().into_owned();
    let err = App::open(AppConfig::new(db.clone()).existing_only())
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Config(_)), "{err}");
    assert!(matches!(
        open_store(&db).await.unwrap_err(),
        AppError::Config(_)
    ));
    assert!(!dir.path().join("missing.db").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_appended_while_the_engine_was_stopped_keep_it_from_signing_again() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir
        .path()
        .join("govshare.db")
        .to_string_lossy()
        .into_owned();
    let clock = Arc::new(ManualClock::new(province::start()));
    let app = App::open(config(&db, dir.path(), clock.clone()))
        .await
        .unwrap();
    app.shutdown().await.unwrap();
    // Someone writes through the engine library without the app (and its key) while it is stopped.
    let engine =
        govshare_engine::Engine::open(EngineConfig::new(db.clone()).with_clock(clock.clone()))
            .await
            .unwrap();
    let (region, authority) = province::bootstrap();
    engine
        .bootstrap(
            Uuid::from_u128(1),
            PersonId("王主任".into()),
            region,
            authority,
        )
        .await
        .unwrap();
    drop(engine);
    let err = App::open(config(&db, dir.path(), clock)).await.unwrap_err();
    assert!(err.is_finding(), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn art41_the_background_scheduler_records_a_missed_deadline_and_the_interval_signature_covers_it()
 {
    let dir = tempfile::tempdir().unwrap();
    let db = dir
        .path()
        .join("govshare.db")
        .to_string_lossy()
        .into_owned();
    let clock = Arc::new(ManualClock::new(province::start()));
    let mut config = config(&db, dir.path(), clock.clone());
    config.scheduler = SchedulerConfig::default().with_interval(Duration::from_millis(100));
    let mut app = App::open(config).await.unwrap();
    let mut n = seed_province(&app).await;
    run(
        &app,
        &mut n,
        "130000-health",
        Role::Clerk,
        province::population_request("SA-2026-0001"),
    )
    .await;

    // A month later nobody has provided: the scheduler, started in the background, records the miss.
    clock.advance(chrono::Duration::days(30));
    app.run_background();
    let store = app.store().clone();
    let mut missed = None;
    for _ in 0..200 {
        let head = store.head().await.unwrap().position;
        missed = store
            .read_all(1, usize::try_from(head).unwrap())
            .await
            .unwrap()
            .into_iter()
            .find(|e| e.event_type == "DeadlineMissed");
        let intervals = SignatureFile::new(dir.path().join("checkpoints.jsonl"))
            .read()
            .unwrap()
            .iter()
            .filter(|s| {
                s.reason == SignReason::Interval
                    && missed.as_ref().is_some_and(|m| s.position >= m.position)
            })
            .count();
        if missed.is_some() && intervals > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let missed = missed.expect("the scheduler recorded no DeadlineMissed");
    assert_eq!(missed.metadata.actor.role, "scheduler");

    let last = app.shutdown().await.unwrap().unwrap();
    assert!(last.position >= missed.position);
    let signatures = SignatureFile::new(dir.path().join("checkpoints.jsonl"))
        .read()
        .unwrap();
    assert!(
        signatures
            .iter()
            .any(|s| s.reason == SignReason::Interval && s.position >= missed.position)
    );
    let public = load_key(&dir.path().join("engine.key"))
        .unwrap()
        .verifying_key();
    verify_signed(
        store.as_ref(),
        &signatures,
        &public,
        SignedVerifyOptions {
            require_signed_head: true,
        },
    )
    .await
    .unwrap();
}

/// 第十九、二十二条: the policies run in the background with the scheduler; a provision is followed by its
/// grant, issued once in the scheduler's role under the id derived from the provision's position, and
/// shutdown stops the policies.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn art22_the_background_policy_issues_the_grant_after_provision() {
    use govshare_domain::share_application::{
        AgreeToShare, ForwardToProvider, ProvideShare, ShareCommand,
    };
    let dir = tempfile::tempdir().unwrap();
    let db = dir
        .path()
        .join("govshare.db")
        .to_string_lossy()
        .into_owned();
    let clock = Arc::new(ManualClock::new(province::start()));
    let mut config = config(&db, dir.path(), clock.clone());
    config.policies =
        govshare_policies::PolicyConfig::default().with_interval(Duration::from_millis(100));
    let mut app = App::open(config).await.unwrap();
    app.run_background();
    let mut n = seed_province(&app).await;
    let application = "SA-2026-0002";
    let share = |command| Command::ShareApplication {
        id: application.into(),
        command,
    };
    run(
        &app,
        &mut n,
        "130000-health",
        Role::Clerk,
        province::population_request(application),
    )
    .await;
    clock.advance(chrono::Duration::minutes(30));
    run(
        &app,
        &mut n,
        AUTHORITY,
        Role::Reviewer,
        share(ShareCommand::ForwardToProvider(ForwardToProvider {
            review_opinion: "应用场景明确，依据充分，转提供部门".into(),
        })),
    )
    .await;
    clock.advance(chrono::Duration::minutes(30));
    run(
        &app,
        &mut n,
        "130000-public-security",
        Role::Leader,
        share(ShareCommand::AgreeToShare(AgreeToShare {
            conditions: None,
        })),
    )
    .await;
    clock.advance(chrono::Duration::minutes(30));
    run(
        &app,
        &mut n,
        AUTHORITY,
        Role::Reviewer,
        share(ShareCommand::ProvideShare(ProvideShare {
            grant_id: "GR-2026-0002".into(),
        })),
    )
    .await;

    let store = app.store().clone();
    let mut found = None;
    for _ in 0..300 {
        let head = store.head().await.unwrap().position;
        let log = store
            .read_all(1, usize::try_from(head).unwrap())
            .await
            .unwrap();
        let provided = log
            .iter()
            .find(|e| e.event_type == "ShareProvided")
            .cloned();
        let grants: Vec<_> = log
            .into_iter()
            .filter(|e| e.event_type == "GrantIssued")
            .collect();
        if let (Some(provided), [grant]) = (provided, grants.as_slice()) {
            found = Some((provided, grant.clone()));
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (provided, grant) = found.expect("the policy issued no grant");
    assert_eq!(grant.stream.aggregate_id, "GR-2026-0002");
    assert_eq!(grant.metadata.actor.role, "scheduler");
    assert_eq!(
        grant.metadata.command_id,
        govshare_policies::policy_command_id(
            govshare_policies::PROVISION_ISSUES_GRANT,
            provided.position
        )
    );
    app.shutdown().await.unwrap();
    // Nothing more after shutdown: the one grant.
    let grants = store
        .read_all(1, 10_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.event_type == "GrantIssued")
        .count();
    assert_eq!(grants, 1);
}
