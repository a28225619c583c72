//! The policy "provision issues the grant" (第十九、二十二条), run durably on a real SQLite file and on a
//! fresh database of the throwaway PostgreSQL cluster: one grant per provision, with the provision's facts,
//! under the id derived from the ShareProvided position; restarts, a crash between issuing and advancing,
//! and two instances issue nothing twice; a refusal for good is reported and passed.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use chrono::Duration as Minutes;
use common::*;
use govshare_domain::grant::{GrantIssued, ProvisionFacts};
use govshare_domain::share_application::{AgreeToShare, ProvideShare, ShareCommand, ShareProvided};
use govshare_domain::{PersonId, Role};
use govshare_engine::{Command, Engine};
use govshare_policies::{
    Checkpoint, Intent, PROVISION_ISSUES_GRANT, PassReport, Policy, PolicyConfig, PolicyError,
    PolicyRunner, ProvisionIssuesGrant, policy_command_id,
};
use govshare_projections::ReadDb;
use govshare_scheduler::{PolicyWorker, ReadDbCheckpoint};
use govshare_store::{Position, RecordedEvent};

fn config() -> PolicyConfig {
    PolicyConfig::default()
        .with_person(PersonId("授权策略".into()))
        .with_interval(Duration::from_millis(50))
}

fn worker(engine: &Engine, db: &ReadDb) -> PolicyWorker {
    PolicyWorker::new(engine.clone(), db, Arc::new(ProvisionIssuesGrant), config()).unwrap()
}

fn share(application: &str, command: ShareCommand) -> Command {
    Command::ShareApplication {
        id: application.into(),
        command,
    }
}

/// Submits, reviews, agrees to and provides `application` (the conditional population entry of 河北省公安厅
/// to 河北省卫生健康委员会), naming `grant` for the grant (第十九条); returns the ShareProvided event.
async fn provide(f: &Fixture, application: &str, grant: &str) -> RecordedEvent {
    f.submit(application).await;
    f.clock.advance(Minutes::minutes(30));
    f.forward(application).await;
    f.clock.advance(Minutes::minutes(30));
    f.run(
        "130000-public-security",
        Role::Leader,
        share(
            application,
            ShareCommand::AgreeToShare(AgreeToShare {
                conditions: Some("仅限身份核验，不得留存".into()),
            }),
        ),
    )
    .await;
    f.clock.advance(Minutes::minutes(30));
    let recorded = f
        .run(
            AUTHORITY,
            Role::Reviewer,
            share(
                application,
                ShareCommand::ProvideShare(ProvideShare {
                    grant_id: grant.into(),
                }),
            ),
        )
        .await;
    f.clock.advance(Minutes::minutes(20));
    recorded
        .events
        .into_iter()
        .find(|e| e.event_type == "ShareProvided")
        .unwrap()
}

async fn grants(f: &Fixture) -> Vec<RecordedEvent> {
    f.log()
        .await
        .into_iter()
        .filter(|e| e.event_type == "GrantIssued")
        .collect()
}

fn issued_count(report: &PassReport) -> usize {
    report.issued.len()
}

async fn provision_issues_exactly_one_grant_with_its_facts(f: Fixture) {
    let provided_event = provide(&f, "SA-P1", "GR-2026-0001").await;
    let provided: ShareProvided = provided_event.payload.deserialize().unwrap();
    let w = worker(f.engine(), f.db());
    let report = w.pass().await.unwrap();
    assert_eq!(issued_count(&report), 1, "{report:?}");
    assert!(report.refused.is_empty() && report.deferred.is_none());
    assert_eq!(
        report.checkpoint,
        f.head().await - 1,
        "up to the head the pass began at"
    );

    let grants = grants(&f).await;
    assert_eq!(grants.len(), 1);
    let grant = &grants[0];
    assert_eq!(grant.stream.aggregate_id, "GR-2026-0001");
    assert!(
        grant.recorded_at >= provided_event.recorded_at && grant.recorded_at > bj(2026, 1, 1, 0, 0)
    );
    // The grant's command record carries the id derived from the ShareProvided position.
    let derived = policy_command_id(PROVISION_ISSUES_GRANT, provided_event.position);
    assert_eq!(grant.metadata.command_id, derived);
    assert_eq!(
        derived,
        govshare_engine::derived_command_id(
            "provision_grant",
            &provided_event.position.to_string()
        )
    );
    assert_eq!(
        grant.metadata.causation_id,
        Some(provided_event.metadata.event_id)
    );
    assert_eq!(report.issued[0].command_id, derived);
    assert_eq!(grant.metadata.actor.role, "scheduler");
    assert_eq!(grant.metadata.actor.department, AUTHORITY);
    let issued: GrantIssued = grant.payload.deserialize().unwrap();
    assert_eq!(issued.provision, ProvisionFacts::from(&provided));
    assert_eq!(issued.grantee.code, code("130000-health"));
    assert_eq!(issued.authority.code, code(AUTHORITY));
    assert_eq!(issued.purpose_code, provided.scenario.purpose_code);
    assert_eq!(issued.valid_from, provided.scenario.use_from);
    assert_eq!(issued.valid_until, provided.scenario.use_until);
    assert_eq!(issued.conditions, provided.conditions);
    assert_eq!(issued.entries.len(), 1);
    assert_eq!(issued.entries[0].entry_id, POPULATION);
    assert_eq!(issued.entries[0].provider, code("130000-public-security"));
    assert_eq!(issued.entries[0].data_items, provided.scenario.data_items);

    // A second pass finds nothing new.
    let again = w.pass().await.unwrap();
    assert_eq!(issued_count(&again), 0);
    assert_eq!(grants_len(&f).await, 1);
}

async fn grants_len(f: &Fixture) -> usize {
    grants(f).await.len()
}

/// 第十九、二十二条: a recorded provision issues exactly one grant, with the provision's facts, acting as
/// the serving authority in the scheduler's role (AUTH-15), under the derived id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn art22_provision_issues_exactly_one_grant_sqlite() {
    provision_issues_exactly_one_grant_with_its_facts(Fixture::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn art22_provision_issues_exactly_one_grant_postgres() {
    provision_issues_exactly_one_grant_with_its_facts(Fixture::postgres().await).await;
}

async fn a_restarted_policy_issues_nothing_twice(mut f: Fixture) {
    provide(&f, "SA-R1", "GR-R1").await;
    let first = worker(f.engine(), f.db()).pass().await.unwrap();
    assert_eq!(issued_count(&first), 1);
    let checkpoint = first.checkpoint;
    f.restart(&[]).await;
    // A new instance on the same database starts at the durable checkpoint.
    let w = worker(f.engine(), f.db());
    assert_eq!(w.runner().checkpoint().load().await.unwrap(), checkpoint);
    let second = w.pass().await.unwrap();
    assert_eq!(second.from, checkpoint);
    assert_eq!(issued_count(&second), 0);
    assert!(second.already_recorded.is_empty() && second.nothing_owed.is_empty());
    // A later provision is issued by the restarted instance, once.
    provide(&f, "SA-R2", "GR-R2").await;
    let third = w.pass().await.unwrap();
    assert_eq!(issued_count(&third), 1);
    assert_eq!(grants_len(&f).await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn art22_restarted_policy_issues_nothing_twice_sqlite() {
    a_restarted_policy_issues_nothing_twice(Fixture::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn art22_restarted_policy_issues_nothing_twice_postgres() {
    a_restarted_policy_issues_nothing_twice(Fixture::postgres().await).await;
}

/// A checkpoint whose first advance fails: the process "crashes" after the command was recorded and
/// before the checkpoint moved.
#[derive(Debug)]
struct CrashOnAdvance {
    inner: ReadDbCheckpoint,
    crashed: AtomicBool,
}

#[async_trait]
impl Checkpoint for CrashOnAdvance {
    async fn load(&self) -> Result<Position, PolicyError> {
        self.inner.load().await
    }

    async fn advance(&self, to: Position) -> Result<Position, PolicyError> {
        if !self.crashed.swap(true, Ordering::SeqCst) {
            return Err(PolicyError::Checkpoint {
                policy: PROVISION_ISSUES_GRANT,
                source: "simulated crash".into(),
            });
        }
        self.inner.advance(to).await
    }
}

/// The policy as the crashed instance ran it: the request it built for a position is built again the
/// same way on the retry (the real policy would find the grant and owe nothing).
#[derive(Debug, Default)]
struct Remembering {
    first: std::sync::Mutex<std::collections::BTreeMap<Position, Intent>>,
}

#[async_trait]
impl Policy for Remembering {
    fn name(&self) -> &'static str {
        PROVISION_ISSUES_GRANT
    }

    fn wants(&self, event: &RecordedEvent) -> bool {
        ProvisionIssuesGrant.wants(event)
    }

    async fn intent(
        &self,
        engine: &Engine,
        event: &RecordedEvent,
    ) -> Result<Option<Intent>, PolicyError> {
        if let Some(intent) = self.first.lock().unwrap().get(&event.position) {
            return Ok(Some(intent.clone()));
        }
        let intent = ProvisionIssuesGrant.intent(engine, event).await?;
        if let Some(i) = &intent {
            self.first.lock().unwrap().insert(event.position, i.clone());
        }
        Ok(intent)
    }
}

async fn a_crash_before_advancing_issues_nothing_twice(f: Fixture) {
    let provided = provide(&f, "SA-C1", "GR-C1").await;
    let policy = Arc::new(Remembering::default());
    let crashing = PolicyRunner::new(
        f.engine().clone(),
        policy.clone(),
        Arc::new(CrashOnAdvance {
            inner: ReadDbCheckpoint::new(f.db(), PROVISION_ISSUES_GRANT).unwrap(),
            crashed: AtomicBool::new(false),
        }),
        config(),
    );
    let error = crashing.pass().await.unwrap_err();
    assert!(error.is_retryable(), "{error}");
    let recorded = grants(&f).await;
    assert_eq!(recorded.len(), 1, "the grant was recorded before the crash");

    // The checkpoint did not move: the restarted instance issues the same request under the same derived
    // id, and the engine answers it from the record.
    let checkpoint = ReadDbCheckpoint::new(f.db(), PROVISION_ISSUES_GRANT).unwrap();
    assert_eq!(checkpoint.load().await.unwrap(), 0);
    let retry = PolicyRunner::new(f.engine().clone(), policy, Arc::new(checkpoint), config());
    let report = retry.pass().await.unwrap();
    assert_eq!(issued_count(&report), 0, "{report:?}");
    assert_eq!(report.already_recorded.len(), 1, "{report:?}");
    let answer = &report.already_recorded[0];
    assert!(answer.recorded.retry);
    assert_eq!(answer.cause, provided.position);
    assert_eq!(answer.recorded.events[0].position, recorded[0].position);
    assert!(report.checkpoint >= provided.position);
    assert_eq!(grants_len(&f).await, 1);

    // The policy itself, from the start of the log, finds the grant and owes nothing.
    let fresh = PolicyRunner::new(
        f.engine().clone(),
        Arc::new(ProvisionIssuesGrant),
        Arc::new(govshare_policies::MemoryCheckpoint::default()),
        config(),
    );
    let report = fresh.pass().await.unwrap();
    assert_eq!(issued_count(&report), 0);
    assert_eq!(report.nothing_owed, vec![provided.position]);
    assert_eq!(grants_len(&f).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn art22_crash_between_issuing_and_advancing_issues_nothing_twice_sqlite() {
    a_crash_before_advancing_issues_nothing_twice(Fixture::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn art22_crash_between_issuing_and_advancing_issues_nothing_twice_postgres() {
    a_crash_before_advancing_issues_nothing_twice(Fixture::postgres().await).await;
}

async fn a_refusal_for_good_is_reported_and_passed(f: Fixture) {
    provide(&f, "SA-D1", "GR-DUP").await;
    // A second application whose provision names a grant id already in use: the grant is refused for
    // good ("the grant already exists"), reported, and the checkpoint moves on.
    let second = provide(&f, "SA-D2", "GR-DUP").await;
    let report = worker(f.engine(), f.db()).pass().await.unwrap();
    assert_eq!(issued_count(&report), 1);
    assert_eq!(report.refused.len(), 1, "{report:?}");
    assert_eq!(report.refused[0].cause, second.position);
    assert!(!report.refused[0].error.is_retryable());
    assert!(report.deferred.is_none());
    assert!(report.checkpoint >= second.position);
    let again = worker(f.engine(), f.db()).pass().await.unwrap();
    assert!(again.refused.is_empty() && again.issued.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn art22_refusal_for_good_is_reported_and_passed_sqlite() {
    a_refusal_for_good_is_reported_and_passed(Fixture::sqlite().await).await;
}

/// Two engines on one PostgreSQL database, each with a policy instance, pass at the same time over three
/// provisions: three grants, each once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn art22_two_instances_on_postgres_issue_each_grant_once() {
    let f = Fixture::postgres().await;
    for n in 1..=3 {
        provide(&f, &format!("SA-T{n}"), &format!("GR-T{n}")).await;
    }
    let location = f.location();
    let other = Engine::open(engine_config(&location, f.clock.clone(), &[]))
        .await
        .unwrap();
    let other_db = ReadDb::open(&location).await.unwrap();
    let a = worker(f.engine(), f.db());
    let b = worker(&other, &other_db);
    let (ra, rb) = tokio::join!(a.pass(), b.pass());
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert!(
        ra.refused.is_empty() && rb.refused.is_empty(),
        "{ra:?} {rb:?}"
    );
    assert_eq!(issued_count(&ra) + issued_count(&rb), 3, "{ra:?} {rb:?}");
    let grants = grants(&f).await;
    assert_eq!(grants.len(), 3);

    // Running (with the lease): one instance follows, the other waits; a new provision is granted once.
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut tasks = Vec::new();
    for w in [a.clone(), b.clone()] {
        let mut stopped = stopped.clone();
        tasks.push(tokio::spawn(async move {
            w.run(async move {
                let _ = stopped.wait_for(|s| *s).await;
            })
            .await;
        }));
    }
    provide(&f, "SA-T4", "GR-T4").await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while grants_len(&f).await < 4 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the grant was not issued"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop.send(true).unwrap();
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(grants_len(&f).await, 4);
}

/// The follower lease: one holder at a time, on both backends.
async fn one_lease_holder(f: Fixture) {
    let location = f.location();
    let other_db = ReadDb::open(&location).await.unwrap();
    let mine = f.db().follower(PROVISION_ISSUES_GRANT).unwrap();
    let theirs = other_db.follower(PROVISION_ISSUES_GRANT).unwrap();
    let lease = mine.try_lease().await.unwrap().expect("free");
    assert!(lease.is_held().await);
    assert!(theirs.try_lease().await.unwrap().is_none());
    lease.release().await;
    drop(mine);
    let taken = theirs.try_lease().await.unwrap();
    assert!(taken.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_policy_lease_holder_sqlite() {
    one_lease_holder(Fixture::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_policy_lease_holder_postgres() {
    one_lease_holder(Fixture::postgres().await).await;
}
