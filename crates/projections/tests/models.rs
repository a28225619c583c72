//! The read models over a log of real domain events (decided by the domain's pure `decide`, stored as
//! the codec stores them), each case on a SQLite file and on a PostgreSQL database.

#[path = "common/mod.rs"]
mod backend;
// The domain crate's own test fixtures (organisations, actors, services, share-application commands), used
// as they are: `share_fixtures` names them as `crate::common`.
#[path = "../../domain/tests/common/mod.rs"]
mod common;
#[path = "../../domain/tests/share_fixtures/mod.rs"]
mod share_fixtures;

use backend::*;

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
    inbox_shows_what_a_department_owes_with_the_due_instant,
    deadlines_met_late_missed_and_withdrawn,
    rebuilt_read_models_equal_the_live_ones,
    grant_uses_and_violations,
    negative_list_phases_and_status,
    collection_lists_and_aggregation_status,
    verification_step_due_and_extension,
    incident_report_timeliness,
    rectification_orders_rejected_and_overdue,
    third_party_engagements_and_violations,
    liabilities_with_the_positions_that_prove_them,
    assessment_facts_name_the_department_and_the_outcome,
);

mod cases {
    use std::time::Duration;

    use chrono::{DateTime, Utc};
    use cqrs_es::DomainEvent;
    use govshare_domain::share_application::{
        ShareApplication, ShareCommand, ShareStatus, WithdrawShareApplication,
    };
    use govshare_domain::{CommandEnvelope, DeadlineId, DeadlineRule, Decide};
    use govshare_projections::models::applications::{self, ApplicationView};
    use govshare_projections::models::deadlines::{self, DeadlineFilter, DeadlineState};
    use govshare_projections::models::{self, audit};
    use govshare_projections::{PageRequest, RunnerHandle};
    use govshare_store::{AppendRequest, EventMetadata, ExpectedVersion, NewEvent, StreamId};
    use serde::Serialize;
    use uuid::Uuid;

    use super::common::*;
    use super::share_fixtures::*;
    use super::*;

    const WAIT: Duration = Duration::from_secs(30);
    const AUTHORITY: &str = "130000-data-authority";
    const PROVIDER: &str = "130000-public-security";
    const REQUESTER: &str = "130000-health";

    /// One aggregate's history, decided by the domain and appended command by command.
    struct Case<A: Decide> {
        id: String,
        state: A,
        version: u64,
    }

    impl<A> Case<A>
    where
        A: govshare_codec::Kind + Decide<Services = govshare_domain::DomainServices>,
        A::Body: Serialize + serde::de::DeserializeOwned + Clone + Send + Sync,
    {
        fn new(id: &str) -> Self {
            Self {
                id: id.to_owned(),
                state: A::default(),
                version: 0,
            }
        }

        async fn run(&mut self, f: &Fixture, command: CommandEnvelope<A::Body>) -> u64 {
            self.run_with(f, command, &services()).await
        }

        async fn run_with(
            &mut self,
            f: &Fixture,
            command: CommandEnvelope<A::Body>,
            services: &govshare_domain::DomainServices,
        ) -> u64 {
            let actor = command.actor.clone();
            let at = command.at;
            let events = govshare_domain::decide(&self.state, command, services).unwrap();
            for e in &events {
                self.state.apply(e.clone());
            }
            append::<A>(f, &self.id, &actor, at, &events, self.version).await;
            self.version += events.len() as u64;
            f.store.head().await.unwrap().position
        }
    }

    /// Stores events through the codec the engine writes with.
    async fn append<A: govshare_codec::Kind>(
        f: &Fixture,
        id: &str,
        actor: &govshare_domain::Actor,
        at: DateTime<Utc>,
        events: &[A::Event],
        version: u64,
    ) where
        A::Body: Serialize + serde::de::DeserializeOwned + Clone + Send + Sync,
    {
        let command_id = Uuid::new_v4();
        let store_actor = govshare_codec::store_actor(actor);
        let events = events
            .iter()
            .map(|e| {
                let encoded = govshare_codec::encode_event::<A>(e).unwrap();
                assert_eq!(encoded.event_type, e.event_type());
                NewEvent {
                    event_type: encoded.event_type,
                    schema_version: encoded.schema_version,
                    payload: encoded.payload,
                    metadata: EventMetadata {
                        event_id: Uuid::new_v4(),
                        command_id,
                        correlation_id: command_id,
                        causation_id: None,
                        actor: store_actor.clone(),
                        rule_set: Some(govshare_store::RuleSetRef {
                            id: "hebei-2022".into(),
                            version: "1".into(),
                        }),
                    },
                }
            })
            .collect();
        f.store
            .append(AppendRequest {
                stream: StreamId::new(A::TYPE, id),
                expected_version: ExpectedVersion::Exact(version),
                command_id,
                recorded_at: at,
                command: None,
                events,
            })
            .await
            .unwrap();
    }

    fn with_id(
        mut command: CommandEnvelope<ShareCommand>,
        id: &str,
    ) -> CommandEnvelope<ShareCommand> {
        if let ShareCommand::SubmitShareApplication(s) = &mut command.body {
            s.application_id = id.to_owned();
        }
        command
    }

    async fn start_all(f: &Fixture) -> RunnerHandle {
        f.start(models::all(), fast()).await
    }

    async fn inbox(f: &Fixture, department: &str) -> Vec<ApplicationView> {
        applications::inbox(&f.db, department, &PageRequest::first(100))
            .await
            .unwrap()
            .items
    }

    pub async fn inbox_shows_what_a_department_owes_with_the_due_instant(f: &Fixture) {
        let runner = start_all(f).await;
        let mut app = Case::<ShareApplication>::new(APP);

        // Submitted (conditional data): the authority owes its review within 3 working days.
        let submitted = bj(2026, 3, 9, 9, 0);
        let position = app.run(f, submit_conditional(submitted)).await;
        runner.wait_for_all(position, WAIT).await.unwrap();
        let owed = inbox(f, AUTHORITY).await;
        assert_eq!(owed.len(), 1);
        assert_eq!(owed[0].application_id, APP);
        assert_eq!(owed[0].status, ShareStatus::UnderReview);
        assert_eq!(
            owed[0].owed_act.as_deref(),
            Some("share_conditional_review")
        );
        assert_eq!(owed[0].due_at, Some(end_of(2026, 3, 12)));
        assert!(inbox(f, PROVIDER).await.is_empty());

        // Forwarded: now the provider owes its reply within 5 working days of the forwarding.
        let position = app
            .run(f, forward_to_provider(bj(2026, 3, 10, 10, 0)))
            .await;
        runner.wait_for_all(position, WAIT).await.unwrap();
        assert!(inbox(f, AUTHORITY).await.is_empty());
        let owed = inbox(f, PROVIDER).await;
        assert_eq!(owed.len(), 1);
        assert_eq!(owed[0].status, ShareStatus::AwaitingProviderReply);
        assert_eq!(owed[0].owed_act.as_deref(), Some("share_provider_reply"));
        assert_eq!(owed[0].owed_by.as_deref(), Some(PROVIDER));
        assert_eq!(owed[0].due_at, Some(end_of(2026, 3, 17)));

        // Agreed: the authority owes provision within 3 working days of the reply.
        let position = app.run(f, agree(bj(2026, 3, 16, 11, 0))).await;
        runner.wait_for_all(position, WAIT).await.unwrap();
        assert!(inbox(f, PROVIDER).await.is_empty());
        let owed = inbox(f, AUTHORITY).await;
        assert_eq!(owed.len(), 1);
        assert_eq!(owed[0].status, ShareStatus::Agreed);
        assert_eq!(
            owed[0].owed_act.as_deref(),
            Some("share_provide_after_reply")
        );
        assert_eq!(owed[0].due_at, Some(end_of(2026, 3, 19)));

        // The requester's outbox shows its application and where it stands.
        let outbox = applications::outbox(&f.db, REQUESTER, &PageRequest::first(10))
            .await
            .unwrap();
        assert_eq!(outbox.items.len(), 1);
        assert_eq!(outbox.items[0].status, ShareStatus::Agreed);
        assert_eq!(outbox.items[0].requester, REQUESTER);
        assert_eq!(outbox.items[0].route, vec![AUTHORITY.to_owned()]);

        // The open deadlines agree with the inbox.
        let open = deadlines::open(&f.db, &PageRequest::first(10))
            .await
            .unwrap();
        assert_eq!(open.items.len(), 1);
        assert_eq!(open.items[0].owed_by, AUTHORITY);
        assert_eq!(open.items[0].what, "share_provide_after_reply");
        assert_eq!(open.items[0].due_at, end_of(2026, 3, 19));
        let history = deadlines::of_case(&f.db, &StreamId::new("ShareApplication", APP))
            .await
            .unwrap();
        assert_eq!(history.len(), 3);
        assert!(history[..2].iter().all(|d| d.state == DeadlineState::Met));
        assert!(history.iter().all(|d| !d.missed));

        // Provided: nobody owes anything; the grant is named.
        let position = app.run(f, provide(bj(2026, 3, 18, 15, 0))).await;
        runner.wait_for_all(position, WAIT).await.unwrap();
        assert!(inbox(f, AUTHORITY).await.is_empty());
        let view = applications::get(&f.db, APP).await.unwrap().unwrap();
        assert_eq!(view.status, ShareStatus::Provided);
        assert_eq!(view.grant_id.as_deref(), Some(GRANT));
        assert_eq!(view.owed_by, None);
        assert!(
            deadlines::open(&f.db, &PageRequest::first(10))
                .await
                .unwrap()
                .items
                .is_empty()
        );
        runner.shutdown().await;
    }

    pub async fn deadlines_met_late_missed_and_withdrawn(f: &Fixture) {
        let runner = start_all(f).await;
        // A: unconditional, provided late (after 2026-03-12): met late, and the miss attributed.
        let mut late = Case::<ShareApplication>::new("app-late");
        late.run(
            f,
            with_id(submit_unconditional(bj(2026, 3, 9, 9, 0)), "app-late"),
        )
        .await;
        // B: unconditional, withdrawn before its due date: no longer owed.
        let mut withdrawn = Case::<ShareApplication>::new("app-withdrawn");
        withdrawn
            .run(
                f,
                with_id(submit_unconditional(bj(2026, 3, 10, 9, 0)), "app-withdrawn"),
            )
            .await;
        // C: unconditional, still open.
        let mut open = Case::<ShareApplication>::new("app-open");
        let position = open
            .run(
                f,
                with_id(submit_unconditional(bj(2026, 3, 11, 9, 0)), "app-open"),
            )
            .await;
        runner.wait_for_all(position, WAIT).await.unwrap();
        let listed = deadlines::open(&f.db, &PageRequest::first(2))
            .await
            .unwrap();
        assert_eq!(listed.items.len(), 2);
        assert_eq!(listed.items[0].case.aggregate_id, "app-late");
        let rest = deadlines::open(&f.db, &PageRequest::after(listed.next.unwrap(), 2))
            .await
            .unwrap();
        assert_eq!(rest.items.len(), 1);
        assert_eq!(rest.items[0].case.aggregate_id, "app-open");
        assert!(rest.next.is_none());

        withdrawn
            .run(
                f,
                share(
                    clerk(province_health()),
                    bj(2026, 3, 11, 10, 0),
                    ShareCommand::WithdrawShareApplication(WithdrawShareApplication {
                        reason: "业务调整, 不再需要".into(),
                    }),
                ),
            )
            .await;
        let position = late.run(f, provide(bj(2026, 3, 13, 10, 0))).await;
        runner.wait_for_all(position, WAIT).await.unwrap();

        let open_now = deadlines::open(&f.db, &PageRequest::first(10))
            .await
            .unwrap();
        assert_eq!(open_now.items.len(), 1);
        assert_eq!(open_now.items[0].case.aggregate_id, "app-open");
        let of_late = deadlines::of_case(&f.db, &StreamId::new("ShareApplication", "app-late"))
            .await
            .unwrap();
        assert_eq!(of_late.len(), 1);
        let d = &of_late[0];
        assert_eq!(d.state, DeadlineState::Met);
        assert_eq!(d.late, Some(true));
        assert!(d.missed);
        assert_eq!(d.owed_by, AUTHORITY);
        assert_eq!(
            d.deadline_id,
            DeadlineId::new(DeadlineRule::ShareUnconditionalProvide, 1).0
        );
        let missed = deadlines::list(
            &f.db,
            &DeadlineFilter {
                missed: Some(true),
                ..DeadlineFilter::default()
            }
            .owed_by(AUTHORITY),
            &PageRequest::first(10),
        )
        .await
        .unwrap();
        assert_eq!(missed.items.len(), 1);
        // Counting selects what listing does.
        let count = |filter: DeadlineFilter| {
            let db = f.db.clone();
            async move { deadlines::count(&db, &filter).await.unwrap() }
        };
        assert_eq!(count(DeadlineFilter::open()).await, 1);
        assert_eq!(
            count(
                DeadlineFilter {
                    missed: Some(true),
                    ..DeadlineFilter::default()
                }
                .owed_by(AUTHORITY)
            )
            .await,
            1
        );
        assert_eq!(
            count(DeadlineFilter::open().due_by(end_of(2026, 3, 16))).await,
            1
        );
        assert_eq!(
            count(DeadlineFilter::open().due_by(end_of(2026, 3, 13))).await,
            0
        );
        let of_withdrawn =
            deadlines::of_case(&f.db, &StreamId::new("ShareApplication", "app-withdrawn"))
                .await
                .unwrap();
        assert_eq!(of_withdrawn[0].state, DeadlineState::Withdrawn);
        // What the scheduler asks: open, not yet marked, due by an instant.
        let due = deadlines::list(
            &f.db,
            &DeadlineFilter::open().due_by(end_of(2026, 3, 16)),
            &PageRequest::first(10),
        )
        .await
        .unwrap();
        assert_eq!(due.items.len(), 1);
        let due_earlier = deadlines::list(
            &f.db,
            &DeadlineFilter::open().due_by(end_of(2026, 3, 13)),
            &PageRequest::first(10),
        )
        .await
        .unwrap();
        assert!(due_earlier.items.is_empty());
        let view = applications::get(&f.db, "app-withdrawn")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(view.status, ShareStatus::Withdrawn);
        assert_eq!(view.owed_by, None);
        runner.shutdown().await;
    }

    pub async fn rebuilt_read_models_equal_the_live_ones(f: &Fixture) {
        let runner = start_all(f).await;
        for (i, day) in [9u32, 10, 11, 12].iter().enumerate() {
            let id = format!("app-{i}");
            let mut app = Case::<ShareApplication>::new(&id);
            app.run(f, with_id(submit_conditional(bj(2026, 3, *day, 9, 0)), &id))
                .await;
            if i % 2 == 0 {
                app.run(f, forward_to_provider(bj(2026, 3, *day, 15, 0)))
                    .await;
            }
            if i == 0 {
                app.run(f, agree(bj(2026, 3, 16, 9, 0))).await;
                app.run(f, provide(bj(2026, 3, 20, 9, 0))).await;
            }
            if i == 1 {
                // A reminder (催办提醒) one working day before the review due at the end of 03-13, under a
                // rule set that configures reminders.
                let rules = govshare_domain::RuleSet::from_json(
                    r#"{"id": "hebei-2022-reminders", "version": 1,
                        "reminders": {"working_days_before": 1}}"#,
                )
                .unwrap();
                app.run_with(
                    f,
                    share(
                        scheduler(),
                        bj(2026, 3, 13, 9, 0),
                        ShareCommand::RemindDeadline(govshare_domain::RemindDeadline {
                            deadline: DeadlineId::new(DeadlineRule::ShareConditionalReview, 1),
                        }),
                    ),
                    &services_with(rules),
                )
                .await;
            }
        }
        let head = f.store.head().await.unwrap().position;
        runner.wait_for_all(head, WAIT).await.unwrap();
        let reminded = deadlines::of_case(&f.db, &StreamId::new("ShareApplication", "app-1"))
            .await
            .unwrap();
        assert_eq!(reminded[0].reminded_at, Some(bj(2026, 3, 13, 9, 0)));
        let owed = inbox(f, AUTHORITY).await;
        let app1 = owed.iter().find(|v| v.application_id == "app-1").unwrap();
        assert_eq!(app1.reminded_at, Some(bj(2026, 3, 13, 9, 0)));
        assert!(
            owed.iter()
                .filter(|v| v.application_id != "app-1")
                .all(|v| v.reminded_at.is_none())
        );
        let before = dump(f).await;
        for name in models::all().iter().map(|p| p.name()) {
            let generation = runner.rebuild(name).await.unwrap();
            runner
                .wait_for_generation(name, generation, WAIT)
                .await
                .unwrap();
        }
        assert_eq!(dump(f).await, before);
        runner.shutdown().await;
    }

    pub async fn grant_uses_and_violations(f: &Fixture) {
        use govshare_domain::catalog::ShareMode;
        use govshare_domain::grant::{
            Grant, GrantCommand, GrantedEntry, IssueGrant, RecordGrantUse,
        };
        use govshare_projections::models::grants;

        let runner = start_all(f).await;
        let mut grant = Case::<Grant>::new(GRANT);
        grant
            .run(
                f,
                cmd(
                    reviewer(province_authority()),
                    bj(2026, 3, 18, 9, 0),
                    GrantCommand::IssueGrant(IssueGrant {
                        provision: provision(),
                        grantee: province_health(),
                        authority: province_authority(),
                        entries: vec![GrantedEntry {
                            entry_id: population_entry().entry_id,
                            provider: code(PROVIDER),
                            data_items: vec!["公民身份号码".to_owned(), "姓名".to_owned()],
                        }],
                        purpose: "医疗救助对象身份核验".to_owned(),
                        purpose_code: PURPOSE.to_owned(),
                        valid_from: date(2026, 3, 1),
                        valid_until: date(2026, 12, 31),
                        access_mode: ShareMode::Interface,
                        conditions: Some("仅限核验, 不得留存".to_owned()),
                    }),
                ),
            )
            .await;
        let use_of = |id: &str, purpose: &str, at| {
            cmd(
                clerk(province_health()),
                at,
                GrantCommand::RecordGrantUse(RecordGrantUse {
                    use_id: id.to_owned(),
                    data_items: vec!["公民身份号码".to_owned()],
                    record_count: 1,
                    end_user: "wj-zhangsan".to_owned(),
                    purpose_code: purpose.to_owned(),
                    used_at: at,
                }),
            )
        };
        grant
            .run(f, use_of("use-1", PURPOSE, bj(2026, 3, 19, 9, 0)))
            .await;
        let position = grant
            .run(f, use_of("use-2", "SC-OTHER", bj(2026, 3, 20, 9, 0)))
            .await;
        runner.wait_for_all(position, WAIT).await.unwrap();
        let view = grants::get(&f.db, GRANT).await.unwrap().unwrap();
        assert_eq!(view.grantee, REQUESTER);
        assert_eq!((view.uses, view.violating_uses), (2, 1));
        assert_eq!(view.status, "issued");
        let held = grants::of_grantee(&f.db, REQUESTER, &PageRequest::first(10))
            .await
            .unwrap();
        assert_eq!(held.items.len(), 1);
        let uses = grants::uses(&f.db, GRANT, &PageRequest::first(1))
            .await
            .unwrap();
        assert_eq!(uses.items[0].use_id, "use-1");
        let rest = grants::uses(&f.db, GRANT, &PageRequest::after(uses.next.unwrap(), 1))
            .await
            .unwrap();
        assert_eq!(rest.items[0].use_id, "use-2");
        assert!(rest.items[0].violating);
        let violations = grants::violations(&f.db, Some(REQUESTER), &PageRequest::first(10))
            .await
            .unwrap();
        assert_eq!(violations.items.len(), 1);
        assert!(violations.items[0].violations.contains("other_purpose"));
        runner.shutdown().await;
    }

    pub async fn negative_list_phases_and_status(f: &Fixture) {
        use govshare_domain::negative_list::{
            ApplyForNegativeListing, BasisKind, DecideNegativeListing, FileNegativeListing,
            LegalBasis, ListedEntry, ListingPhase, ListingStatus, NegativeListCommand,
            NegativeListing, ReviewNegativeListing, UpperAuthority,
        };
        use govshare_projections::models::negative_list::{self, ListingFilter, ListingStep};

        let runner = start_all(f).await;
        let apply = |entry: &str, day| {
            cmd(
                clerk(city_civil_affairs()),
                bj(2026, 4, day, 9, 0),
                NegativeListCommand::ApplyForNegativeListing(ApplyForNegativeListing {
                    entry: ListedEntry {
                        entry_id: entry.to_owned(),
                        code: "130100-MZ-00007".to_owned(),
                        name: "困难群众个案调查原始资料".to_owned(),
                    },
                    legal_basis: LegalBasis {
                        kind: BasisKind::Law,
                        instrument: "中华人民共和国统计法".to_owned(),
                        article: "第三十九条".to_owned(),
                    },
                    reason: "统计调查中获得的能够识别单个调查对象的资料不得对外提供".to_owned(),
                }),
            )
        };
        let review = |endorse| {
            cmd(
                reviewer(city_authority()),
                bj(2026, 4, 3, 9, 0),
                NegativeListCommand::ReviewNegativeListing(ReviewNegativeListing {
                    endorse,
                    opinion: "依据充分".to_owned(),
                }),
            )
        };
        let mut listed = Case::<NegativeListing>::new("negative-130100-0003");
        listed
            .run(f, apply("catalog-130100-civil-affairs-0007", 1))
            .await;
        listed.run(f, review(true)).await;
        listed
            .run(
                f,
                cmd(
                    leader(city_government()),
                    bj(2026, 4, 10, 9, 0),
                    NegativeListCommand::DecideNegativeListing(DecideNegativeListing {
                        approve: true,
                        opinion: "同意".to_owned(),
                    }),
                ),
            )
            .await;
        let mut refused = Case::<NegativeListing>::new("negative-130100-0004");
        refused
            .run(f, apply("catalog-130100-civil-affairs-0008", 2))
            .await;
        let position = refused.run(f, review(false)).await;
        runner.wait_for_all(position, WAIT).await.unwrap();

        let view = negative_list::get(&f.db, "negative-130100-0003")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(view.status, ListingStatus::Listed);
        assert_eq!(view.phase, ListingPhase::Listing);
        assert_eq!(view.applicant, "130100-civil-affairs");
        assert_eq!(view.region, "130100");
        assert!(!view.filed);
        assert!(view.listed_position.is_some());
        let on_list = negative_list::listed(&f.db, "130100", &PageRequest::first(10))
            .await
            .unwrap();
        assert_eq!(on_list.items.len(), 1);
        assert_eq!(
            on_list.items[0].entry_id,
            "catalog-130100-civil-affairs-0007"
        );
        let unfiled = negative_list::awaiting_filing(&f.db, &PageRequest::first(10))
            .await
            .unwrap();
        assert_eq!(unfiled.items.len(), 1);
        let refusals = negative_list::list(
            &f.db,
            &ListingFilter {
                step: Some(ListingStep::Refused),
                ..ListingFilter::default()
            },
            &PageRequest::first(10),
        )
        .await
        .unwrap();
        assert_eq!(refusals.items.len(), 1);
        assert_eq!(refusals.items[0].listing_id, "negative-130100-0004");
        // Pagination over both applications of the applicant.
        let by_applicant = ListingFilter {
            applicant: Some("130100-civil-affairs".to_owned()),
            ..ListingFilter::default()
        };
        let first = negative_list::list(&f.db, &by_applicant, &PageRequest::first(1))
            .await
            .unwrap();
        assert_eq!(first.items[0].listing_id, "negative-130100-0003");
        let second = negative_list::list(
            &f.db,
            &by_applicant,
            &PageRequest::after(first.next.unwrap(), 1),
        )
        .await
        .unwrap();
        assert_eq!(second.items[0].listing_id, "negative-130100-0004");
        assert!(second.next.is_none());

        let position = listed
            .run(
                f,
                cmd(
                    reviewer(city_authority()),
                    bj(2026, 4, 13, 9, 0),
                    NegativeListCommand::FileNegativeListing(FileNegativeListing {
                        upper_authority: UpperAuthority::Registered(province_authority()),
                    }),
                ),
            )
            .await;
        runner.wait_for_all(position, WAIT).await.unwrap();
        let view = negative_list::get(&f.db, "negative-130100-0003")
            .await
            .unwrap()
            .unwrap();
        assert!(view.filed);
        assert_eq!(view.filed_at, Some(bj(2026, 4, 13, 9, 0)));
        assert!(
            negative_list::awaiting_filing(&f.db, &PageRequest::first(10))
                .await
                .unwrap()
                .items
                .is_empty()
        );
        runner.shutdown().await;
    }

    pub async fn collection_lists_and_aggregation_status(f: &Fixture) {
        use govshare_domain::catalog::{
            AggregationMethod, CatalogCommand, CatalogEntry, RecordSync, RegisterAggregation,
        };
        use govshare_domain::collection_list::{
            ApplyCollectionChange, CollectionItem, CollectionList, CollectionListCommand,
            DecideCollectionChange, DeriveCollectionList, DuplicationJustification, SharedSource,
        };
        use govshare_projections::models::aggregation::{self, AggregationStatus};
        use govshare_projections::models::collection::{self, ChangeDecision, ChangeFilter};

        let runner = start_all(f).await;
        let item = |name: &str| CollectionItem {
            data_item: name.to_owned(),
            entry_id: "catalog-130000-human-resources-0012".to_owned(),
            entry_version: 1,
        };
        let mut list = Case::<CollectionList>::new("collection-130000-human-resources");
        list.run(
            f,
            cmd(
                reviewer(province_authority()),
                bj(2026, 5, 6, 9, 0),
                CollectionListCommand::DeriveCollectionList(DeriveCollectionList {
                    department: province_hrss(),
                    items: vec![item("参保状态"), item("缴费基数")],
                    overlaps: vec![],
                    justifications: vec![],
                }),
            ),
        )
        .await;
        let position = list
            .run(
                f,
                cmd(
                    clerk(province_hrss()),
                    bj(2026, 5, 7, 9, 0),
                    CollectionListCommand::ApplyCollectionChange(ApplyCollectionChange {
                        add: vec![item("公民身份号码")],
                        remove: vec![],
                        reason: "参保登记须核验身份".to_owned(),
                        overlaps: vec![SharedSource {
                            data_item: "公民身份号码".to_owned(),
                            provider: code(PROVIDER),
                            entry_id: population_entry().entry_id,
                        }],
                        justifications: vec![DuplicationJustification {
                            data_item: "公民身份号码".to_owned(),
                            justification: "《社会保险法》第五十八条要求参保登记时由本部门采集核验"
                                .to_owned(),
                        }],
                    }),
                ),
            )
            .await;
        runner.wait_for_all(position, WAIT).await.unwrap();
        let view = collection::of_department(&f.db, "130000-human-resources")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(view.version, 1);
        assert_eq!(view.items.len(), 2);
        assert_eq!(view.pending_change, Some(1));
        assert_eq!(view.duplicates.len(), 1);
        let pending = collection::changes(
            &f.db,
            &ChangeFilter {
                decision: Some(ChangeDecision::Pending),
                ..ChangeFilter::default()
            },
            &PageRequest::first(10),
        )
        .await
        .unwrap();
        assert_eq!(pending.items.len(), 1);
        assert_eq!(pending.items[0].overlaps.len(), 1);
        let position = list
            .run(
                f,
                cmd(
                    reviewer(province_authority()),
                    bj(2026, 5, 8, 9, 0),
                    CollectionListCommand::DecideCollectionChange(DecideCollectionChange {
                        approve: true,
                        opinion: "同意".to_owned(),
                    }),
                ),
            )
            .await;
        runner.wait_for_all(position, WAIT).await.unwrap();
        let view = collection::get(&f.db, "collection-130000-human-resources")
            .await
            .unwrap()
            .unwrap();
        assert_eq!((view.version, view.items.len()), (2, 3));
        assert_eq!(view.pending_change, None);
        let decided = collection::changes(&f.db, &ChangeFilter::default(), &PageRequest::first(10))
            .await
            .unwrap();
        assert_eq!(decided.items[0].decision, ChangeDecision::Approved);
        assert_eq!(decided.items[0].version_after, Some(2));
        let with_duplicates = collection::lists(&f.db, true, &PageRequest::first(10))
            .await
            .unwrap();
        assert_eq!(with_duplicates.items.len(), 1);

        // Aggregation (第十六至十八条): published and shareable, then registered and synced.
        let mut entry = Case::<CatalogEntry>::new(&population_entry().entry_id);
        let mut position = 0;
        for command in published_population_entry() {
            position = entry.run(f, command).await;
        }
        runner.wait_for_all(position, WAIT).await.unwrap();
        let pending = aggregation::pending(&f.db, Some(PROVIDER), &PageRequest::first(10))
            .await
            .unwrap();
        assert_eq!(pending.items.len(), 1);
        assert_eq!(pending.items[0].category_class.as_deref(), Some("base"));
        assert_eq!(
            pending.items[0].share_attribute.as_deref(),
            Some("conditional")
        );
        entry
            .run(
                f,
                cmd(
                    clerk(province_public_security()),
                    bj(2026, 3, 5, 9, 0),
                    CatalogCommand::RegisterAggregation(RegisterAggregation {
                        method: AggregationMethod::Physical {
                            full: true,
                            real_time: true,
                        },
                    }),
                ),
            )
            .await;
        let position = entry
            .run(
                f,
                cmd(
                    clerk(province_public_security()),
                    bj(2026, 3, 6, 9, 0),
                    CatalogCommand::RecordSync(RecordSync {
                        synced_at: bj(2026, 3, 6, 8, 0),
                    }),
                ),
            )
            .await;
        runner.wait_for_all(position, WAIT).await.unwrap();
        assert!(
            aggregation::pending(&f.db, None, &PageRequest::first(10))
                .await
                .unwrap()
                .items
                .is_empty()
        );
        let view = aggregation::entry(&f.db, &population_entry().entry_id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(view.status, AggregationStatus::Physical);
        assert_eq!(view.syncs, 1);
        assert_eq!(view.last_synced_at, Some(bj(2026, 3, 6, 8, 0)));
        assert!(view.registered_position.is_some());
        runner.shutdown().await;
    }

    pub async fn verification_step_due_and_extension(f: &Fixture) {
        use govshare_domain::verification::{
            AnswerVerification, ApproveVerificationExtension, FileVerificationRequest,
            ForwardVerificationRequest, RequestVerificationExtension, Verification,
            VerificationCommand, VerificationOutcome, VerificationStatus, VerificationSubject,
        };
        use govshare_projections::models::verifications::{self, VerificationFilter};

        let runner = start_all(f).await;
        let mut request = Case::<Verification>::new("verification-2026-0001");
        request
            .run(
                f,
                cmd(
                    clerk(province_health()),
                    bj(2026, 4, 6, 9, 0),
                    VerificationCommand::FileVerificationRequest(FileVerificationRequest {
                        subject: VerificationSubject::Grant {
                            grant_id: GRANT.to_owned(),
                            entry_id: population_entry().entry_id,
                        },
                        provider: province_public_security(),
                        authority: province_authority(),
                        data_items: vec!["姓名".to_owned()],
                        defect: "12条记录姓名与户籍登记不一致".to_owned(),
                    }),
                ),
            )
            .await;
        let position = request
            .run(
                f,
                cmd(
                    reviewer(province_authority()),
                    bj(2026, 4, 7, 9, 0),
                    VerificationCommand::ForwardVerificationRequest(ForwardVerificationRequest {}),
                ),
            )
            .await;
        runner.wait_for_all(position, WAIT).await.unwrap();
        let owed = verifications::owed_by(&f.db, PROVIDER, &PageRequest::first(10))
            .await
            .unwrap();
        assert_eq!(owed.items.len(), 1);
        let v = &owed.items[0];
        assert_eq!(v.status, VerificationStatus::Forwarded);
        assert_eq!(v.owed_act.as_deref(), Some("verification_answer"));
        assert_eq!(v.due_at, Some(end_of(2026, 4, 21)));
        assert!(
            verifications::owed_by(&f.db, AUTHORITY, &PageRequest::first(10))
                .await
                .unwrap()
                .items
                .is_empty()
        );

        let position = request
            .run(
                f,
                cmd(
                    leader(province_public_security()),
                    bj(2026, 4, 15, 9, 0),
                    VerificationCommand::RequestVerificationExtension(
                        RequestVerificationExtension {
                            working_days: 5,
                            reason: "需逐条比对户籍底册".to_owned(),
                        },
                    ),
                ),
            )
            .await;
        runner.wait_for_all(position, WAIT).await.unwrap();
        let v = verifications::get(&f.db, "verification-2026-0001")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(v.extension_requested, Some(5));
        let position = request
            .run(
                f,
                cmd(
                    leader(province_authority()),
                    bj(2026, 4, 16, 9, 0),
                    VerificationCommand::ApproveVerificationExtension(
                        ApproveVerificationExtension {},
                    ),
                ),
            )
            .await;
        runner.wait_for_all(position, WAIT).await.unwrap();
        let v = verifications::get(&f.db, "verification-2026-0001")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(v.extension_requested, None);
        assert_eq!(v.extensions, 1);
        assert_eq!(v.due_at, Some(end_of(2026, 4, 28)));

        let position = request
            .run(
                f,
                cmd(
                    clerk(province_public_security()),
                    bj(2026, 4, 27, 9, 0),
                    VerificationCommand::AnswerVerification(AnswerVerification {
                        outcome: VerificationOutcome::Corrected {
                            corrections: vec!["更正12条记录的姓名".to_owned()],
                            explanation: "生僻字转码错误".to_owned(),
                        },
                    }),
                ),
            )
            .await;
        runner.wait_for_all(position, WAIT).await.unwrap();
        let owed = verifications::owed_by(&f.db, REQUESTER, &PageRequest::first(10))
            .await
            .unwrap();
        assert_eq!(owed.items.len(), 1);
        assert_eq!(owed.items[0].status, VerificationStatus::Answered);
        assert_eq!(owed.items[0].owed_act.as_deref(), Some("accept_or_dispute"));
        assert_eq!(owed.items[0].due_at, None);
        assert!(matches!(
            owed.items[0].outcome,
            Some(VerificationOutcome::Corrected { .. })
        ));
        let of_requester = verifications::list(
            &f.db,
            &VerificationFilter {
                requester: Some(REQUESTER.to_owned()),
                ..VerificationFilter::default()
            },
            &PageRequest::first(10),
        )
        .await
        .unwrap();
        assert_eq!(of_requester.items.len(), 1);
        runner.shutdown().await;
    }

    pub async fn incident_report_timeliness(f: &Fixture) {
        use govshare_domain::incident::{
            AffectedEntry, IncidentCategory, IncidentCommand, IncidentStatus, InformProvider,
            ReportIncident, ReportTarget, ReportTargets, ReportToBody, SecurityIncident, Severity,
        };
        use govshare_projections::models::incidents::{self, Timeliness};

        let runner = start_all(f).await;
        let detected = bj(2026, 5, 12, 10, 0);
        let mut incident = Case::<SecurityIncident>::new("incident-2026-0007");
        let on = |at, body| cmd(clerk(province_health()), at, body);
        incident
            .run(
                f,
                on(
                    bj(2026, 5, 12, 10, 10),
                    IncidentCommand::ReportIncident(ReportIncident {
                        detected_at: detected,
                        category: IncidentCategory::Leak,
                        severity: Severity::Major,
                        affected_entries: vec![
                            AffectedEntry {
                                entry_id: population_entry().entry_id,
                                provider: code(PROVIDER),
                            },
                            AffectedEntry {
                                entry_id: social_security_entry().entry_id,
                                provider: code("130000-human-resources"),
                            },
                        ],
                        affected_grants: vec![GRANT.to_owned()],
                        personal_information: true,
                        description: "医保结算前置库接口被异常批量调用".to_owned(),
                        report_to: ReportTargets {
                            cyberspace: province_cyberspace(),
                            public_security: province_public_security(),
                            data_authority: province_authority(),
                        },
                    }),
                ),
            )
            .await;
        incident
            .run(
                f,
                on(
                    bj(2026, 5, 12, 10, 30),
                    IncidentCommand::InformProvider(InformProvider {
                        provider: code(PROVIDER),
                        channel: "平台安全通报".to_owned(),
                    }),
                ),
            )
            .await;
        let report = |target: ReportTarget| {
            IncidentCommand::ReportToBody(ReportToBody {
                target,
                reference: format!("冀卫健安〔2026〕{}号", target.key()),
            })
        };
        incident
            .run(
                f,
                on(bj(2026, 5, 12, 10, 40), report(ReportTarget::Cyberspace)),
            )
            .await;
        let position = incident
            .run(
                f,
                on(bj(2026, 5, 12, 12, 0), report(ReportTarget::PublicSecurity)),
            )
            .await;
        runner.wait_for_all(position, WAIT).await.unwrap();

        let view = incidents::get(&f.db, "incident-2026-0007")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(view.reporter, REQUESTER);
        assert_eq!(view.status, IncidentStatus::Reported);
        assert_eq!(view.detected_at, detected);
        assert_eq!(view.severity, "major");
        assert_eq!((view.owed, view.late_reports), (2, 1));
        let reports = incidents::reports(&f.db, "incident-2026-0007")
            .await
            .unwrap();
        assert_eq!(reports.len(), 5);
        let by = |target: &str| reports.iter().find(|r| r.target == target).unwrap();
        assert_eq!(by("cyberspace").timeliness, Timeliness::OnTime);
        assert_eq!(by("cyberspace").body, "130000-cyberspace");
        assert_eq!(
            by("cyberspace").due_at,
            detected + chrono::TimeDelta::hours(1)
        );
        assert_eq!(by("public_security").timeliness, Timeliness::Late);
        assert!(by("public_security").done_position.is_some());
        assert_eq!(by(PROVIDER).timeliness, Timeliness::OnTime);
        assert_eq!(by(PROVIDER).kind, "inform_provider");
        assert_eq!(by("data_authority").timeliness, Timeliness::Outstanding);
        let late = incidents::late_reports(&f.db, Some(REQUESTER), &PageRequest::first(10))
            .await
            .unwrap();
        assert_eq!(late.items.len(), 1);
        assert_eq!(late.items[0].body, PROVIDER);
        let outstanding = incidents::outstanding_reports(&f.db, &PageRequest::first(1))
            .await
            .unwrap();
        assert_eq!(outstanding.items.len(), 1);
        let rest = incidents::outstanding_reports(
            &f.db,
            &PageRequest::after(outstanding.next.unwrap(), 1),
        )
        .await
        .unwrap();
        assert_eq!(rest.items.len(), 1);
        assert!(rest.next.is_none());
        assert_eq!(
            incidents::list(&f.db, Some(REQUESTER), &PageRequest::first(10))
                .await
                .unwrap()
                .items
                .len(),
            1
        );
        runner.shutdown().await;
    }

    pub async fn rectification_orders_rejected_and_overdue(f: &Fixture) {
        use govshare_domain::MarkOverdue;
        use govshare_domain::supervision::{
            OrderRectification, RecordInspection, RejectRectification, ReportRectification,
            Supervision, SupervisionCommand, SupervisionStatus,
        };
        use govshare_projections::models::rectifications::{self, OrderFilter, OrderOutcome};

        let runner = start_all(f).await;
        let inspect = || {
            cmd(
                reviewer(city_authority()),
                bj(2026, 5, 29, 16, 0),
                SupervisionCommand::RecordInspection(RecordInspection {
                    inspected: city_civil_affairs(),
                    inspected_on: date(2026, 5, 28),
                    findings: vec!["低保对象信息目录逾期未更新".to_owned()],
                }),
            )
        };
        let order = || {
            cmd(
                leader(city_authority()),
                bj(2026, 6, 1, 10, 0),
                SupervisionCommand::OrderRectification(OrderRectification {
                    requirements: "完成目录更新并建立共享申请台账".to_owned(),
                    working_days: None,
                }),
            )
        };
        // Case A: reported on time, rejected.
        let mut rejected = Case::<Supervision>::new("supervision-130100-0001");
        rejected.run(f, inspect()).await;
        rejected.run(f, order()).await;
        rejected
            .run(
                f,
                cmd(
                    clerk(city_civil_affairs()),
                    bj(2026, 6, 10, 9, 0),
                    SupervisionCommand::ReportRectification(ReportRectification {
                        measures: "已更新目录并建立台账".to_owned(),
                    }),
                ),
            )
            .await;
        rejected
            .run(
                f,
                cmd(
                    reviewer(city_authority()),
                    bj(2026, 7, 6, 9, 0),
                    SupervisionCommand::RejectRectification(RejectRectification {
                        reasons: "台账缺少答复时限字段".to_owned(),
                    }),
                ),
            )
            .await;
        // Case B: never reported, marked overdue.
        let mut overdue = Case::<Supervision>::new("supervision-130100-0002");
        overdue.run(f, inspect()).await;
        overdue.run(f, order()).await;
        let position = overdue
            .run(
                f,
                cmd(
                    scheduler(),
                    bj(2026, 7, 1, 0, 5),
                    SupervisionCommand::MarkOverdue(MarkOverdue {
                        deadline: DeadlineId::new(DeadlineRule::Rectification, 1),
                    }),
                ),
            )
            .await;
        runner.wait_for_all(position, WAIT).await.unwrap();

        let case = rectifications::case(&f.db, "supervision-130100-0001")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(case.status, SupervisionStatus::Rejected);
        assert_eq!(case.inspected, "130100-civil-affairs");
        assert_eq!(case.authority, "130100-data-authority");
        assert_eq!(case.orders, 1);
        let orders = rectifications::orders_of_case(&f.db, "supervision-130100-0001")
            .await
            .unwrap();
        assert_eq!(orders[0].outcome, OrderOutcome::Rejected);
        assert_eq!(orders[0].reported_late, Some(false));
        assert_eq!(orders[0].due_at, Some(end_of(2026, 6, 30)));
        assert!(orders[0].decided_position.is_some());
        let marked = rectifications::orders(
            &f.db,
            &OrderFilter {
                overdue: Some(true),
                ..OrderFilter::default()
            },
            &PageRequest::first(10),
        )
        .await
        .unwrap();
        assert_eq!(marked.items.len(), 1);
        assert_eq!(marked.items[0].case_id, "supervision-130100-0002");
        assert_eq!(marked.items[0].outcome, OrderOutcome::Ordered);
        assert!(marked.items[0].overdue_position.is_some());
        let all = rectifications::orders(
            &f.db,
            &OrderFilter {
                inspected: Some("130100-civil-affairs".to_owned()),
                ..OrderFilter::default()
            },
            &PageRequest::first(1),
        )
        .await
        .unwrap();
        assert_eq!(all.items[0].case_id, "supervision-130100-0001");
        let rest = rectifications::orders(
            &f.db,
            &OrderFilter {
                inspected: Some("130100-civil-affairs".to_owned()),
                ..OrderFilter::default()
            },
            &PageRequest::after(all.next.unwrap(), 1),
        )
        .await
        .unwrap();
        assert_eq!(rest.items[0].case_id, "supervision-130100-0002");
        assert_eq!(
            rectifications::cases(&f.db, None, &PageRequest::first(10))
                .await
                .unwrap()
                .items
                .len(),
            2
        );
        runner.shutdown().await;
    }

    pub async fn third_party_engagements_and_violations(f: &Fixture) {
        use govshare_domain::organization::ResponsibleOffice;
        use govshare_domain::third_party::{
            EngageThirdParty, EngagementStatus, EngagementTerm, RecordContractorUse,
            RecordPriorReview, ThirdPartyCommand, ThirdPartyEngagement, ViolationReason,
        };
        use govshare_projections::models::third_parties::{self, PartyFilter};

        let runner = start_all(f).await;
        let mut engagement = Case::<ThirdPartyEngagement>::new("engagement-130000-ps-0001");
        engagement
            .run(
                f,
                cmd(
                    reviewer(province_public_security()),
                    bj(2026, 5, 20, 9, 0),
                    ThirdPartyCommand::RecordPriorReview(RecordPriorReview {
                        contractor: contractor_of_public_security(),
                        scope: "人口基础信息库运维".to_owned(),
                        systems: vec!["人口信息管理系统".to_owned()],
                        data: vec![population_entry().entry_id],
                        term: EngagementTerm {
                            starts_on: date(2026, 6, 1),
                            ends_on: date(2026, 11, 30),
                        },
                        office: ResponsibleOffice {
                            name: "科技信息化处".to_owned(),
                            head: "赵敏".to_owned(),
                            contact: "0311-86990000".to_owned(),
                        },
                        approved: true,
                        opinion: "同意，须签订保密协议".to_owned(),
                    }),
                ),
            )
            .await;
        engagement
            .run(
                f,
                cmd(
                    clerk(province_public_security()),
                    bj(2026, 5, 25, 9, 0),
                    ThirdPartyCommand::EngageThirdParty(EngageThirdParty {
                        contract_reference: "冀公信合〔2026〕12号".to_owned(),
                    }),
                ),
            )
            .await;
        let use_of = |at, entry: &str| {
            cmd(
                clerk(contractor_of_public_security()),
                at,
                ThirdPartyCommand::RecordContractorUse(RecordContractorUse {
                    entry_id: entry.to_owned(),
                    purpose: "数据库索引重建".to_owned(),
                    used_at: at,
                }),
            )
        };
        engagement
            .run(
                f,
                use_of(bj(2026, 6, 2, 9, 0), &population_entry().entry_id),
            )
            .await;
        let position = engagement
            .run(
                f,
                use_of(bj(2026, 6, 3, 9, 0), &social_security_entry().entry_id),
            )
            .await;
        runner.wait_for_all(position, WAIT).await.unwrap();

        let view = third_parties::get(&f.db, "engagement-130000-ps-0001")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(view.status, EngagementStatus::Engaged);
        assert_eq!(view.engaging, PROVIDER);
        assert_eq!(view.contractor, "130000-ps-contractor");
        assert!(view.review_approved);
        assert_eq!((view.uses, view.violations), (2, 1));
        let uses = third_parties::uses(&f.db, "engagement-130000-ps-0001", &PageRequest::first(1))
            .await
            .unwrap();
        assert!(uses.items[0].within_engagement);
        let rest = third_parties::uses(
            &f.db,
            "engagement-130000-ps-0001",
            &PageRequest::after(uses.next.unwrap(), 1),
        )
        .await
        .unwrap();
        assert!(!rest.items[0].within_engagement);
        let violations = third_parties::violations(
            &f.db,
            &PartyFilter {
                engaging: Some(PROVIDER.to_owned()),
                ..PartyFilter::default()
            },
            &PageRequest::first(10),
        )
        .await
        .unwrap();
        assert_eq!(violations.items.len(), 1);
        assert_eq!(
            violations.items[0].violation,
            Some(ViolationReason::OutsideScope)
        );
        assert!(violations.items[0].violation_position.is_some());
        let of_contractor = third_parties::list(
            &f.db,
            &PartyFilter {
                contractor: Some("130000-ps-contractor".to_owned()),
                ..PartyFilter::default()
            },
            &PageRequest::first(10),
        )
        .await
        .unwrap();
        assert_eq!(of_contractor.items.len(), 1);
        runner.shutdown().await;
    }

    pub async fn liabilities_with_the_positions_that_prove_them(f: &Fixture) {
        use govshare_domain::liability::LiabilityItem;
        use govshare_domain::supervision::{
            OrderRectification, RecordInspection, RejectRectification, ReportRectification,
            Supervision, SupervisionCommand,
        };
        use govshare_projections::models::liabilities::{self, LiabilityFilter};

        let runner = start_all(f).await;
        // 第十九条 served late: the authority's missed deadline (第四十条).
        let mut late = Case::<ShareApplication>::new("app-late");
        late.run(
            f,
            with_id(submit_unconditional(bj(2026, 3, 9, 9, 0)), "app-late"),
        )
        .await;
        late.run(f, provide(bj(2026, 3, 13, 10, 0))).await;
        // 第三十九条: a rejected rectification (第四十一条第七项).
        let mut case = Case::<Supervision>::new("supervision-130100-0001");
        case.run(
            f,
            cmd(
                reviewer(city_authority()),
                bj(2026, 5, 29, 16, 0),
                SupervisionCommand::RecordInspection(RecordInspection {
                    inspected: city_civil_affairs(),
                    inspected_on: date(2026, 5, 28),
                    findings: vec!["共享申请答复超期".to_owned()],
                }),
            ),
        )
        .await;
        case.run(
            f,
            cmd(
                leader(city_authority()),
                bj(2026, 6, 1, 10, 0),
                SupervisionCommand::OrderRectification(OrderRectification {
                    requirements: "建立共享申请台账".to_owned(),
                    working_days: None,
                }),
            ),
        )
        .await;
        case.run(
            f,
            cmd(
                clerk(city_civil_affairs()),
                bj(2026, 6, 10, 9, 0),
                SupervisionCommand::ReportRectification(ReportRectification {
                    measures: "已建立台账".to_owned(),
                }),
            ),
        )
        .await;
        let rejected_at = case
            .run(
                f,
                cmd(
                    reviewer(city_authority()),
                    bj(2026, 7, 6, 9, 0),
                    SupervisionCommand::RejectRectification(RejectRectification {
                        reasons: "台账缺少答复时限字段".to_owned(),
                    }),
                ),
            )
            .await;
        runner.wait_for_all(rejected_at, WAIT).await.unwrap();

        let authority = liabilities::of_department(&f.db, AUTHORITY, &PageRequest::first(10))
            .await
            .unwrap();
        assert_eq!(authority.items.len(), 1);
        let neglect = &authority.items[0];
        assert_eq!(neglect.item, LiabilityItem::AuthorityNeglect);
        assert_eq!(neglect.event_type, "DeadlineMissed");
        assert_eq!(
            neglect.missed_rule.as_deref(),
            Some("share_unconditional_provide")
        );
        assert_eq!(neglect.case, StreamId::new("ShareApplication", "app-late"));
        let proof = audit::at_position(&f.db, neglect.position)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(proof.event_type, "DeadlineMissed");

        let refused = liabilities::proving(
            &f.db,
            LiabilityItem::RefusedRectification,
            &PageRequest::first(10),
        )
        .await
        .unwrap();
        assert_eq!(refused.items.len(), 1);
        assert_eq!(refused.items[0].department, "130100-civil-affairs");
        assert_eq!(refused.items[0].position, rejected_at);
        assert_eq!(refused.items[0].citation, "第四十一条第(七)项");
        assert!(!refused.items[0].evidence.is_empty());
        let all = liabilities::list(&f.db, &LiabilityFilter::default(), &PageRequest::first(1))
            .await
            .unwrap();
        assert_eq!(all.items.len(), 1);
        let rest = liabilities::list(
            &f.db,
            &LiabilityFilter::default(),
            &PageRequest::after(all.next.unwrap(), 10),
        )
        .await
        .unwrap();
        assert_eq!(rest.items.len(), 1);
        assert!(rest.next.is_none());
        runner.shutdown().await;
    }

    /// 第三十八条: the facts the assessment counts, with the department credited and the outcome.
    pub async fn assessment_facts_name_the_department_and_the_outcome(f: &Fixture) {
        use govshare_domain::share_application::{
            ConcludeObjection, ObjectionOutcome, RaiseObjection,
        };
        use govshare_projections::models::assessment::{self, AssessmentFilter, FactKind};

        let runner = start_all(f).await;
        // Unconditional, provided late: the authority's provision deadline met late.
        let mut late = Case::<ShareApplication>::new("app-late");
        late.run(
            f,
            with_id(submit_unconditional(bj(2026, 3, 9, 9, 0)), "app-late"),
        )
        .await;
        late.run(f, provide(bj(2026, 3, 13, 10, 0))).await;
        // Conditional, refused by the provider, objection upheld (第十九条).
        let mut refused = Case::<ShareApplication>::new(APP);
        refused
            .run(f, submit_conditional(bj(2026, 3, 9, 9, 0)))
            .await;
        refused
            .run(f, forward_to_provider(bj(2026, 3, 10, 10, 0)))
            .await;
        refused
            .run(
                f,
                refuse(
                    bj(2026, 3, 12, 10, 0),
                    "涉及公民个人敏感信息, 依据《居民身份证法》第十九条不宜批量提供",
                ),
            )
            .await;
        refused
            .run(
                f,
                share(
                    leader(province_health()),
                    bj(2026, 3, 13, 9, 0),
                    ShareCommand::RaiseObjection(RaiseObjection {
                        reasons: "出生日期为核验医疗救助对象年龄条件所必需".to_owned(),
                    }),
                ),
            )
            .await;
        let concluded = refused
            .run(
                f,
                share(
                    leader(province_authority()),
                    bj(2026, 3, 20, 9, 0),
                    ShareCommand::ConcludeObjection(ConcludeObjection {
                        outcome: ObjectionOutcome::Upheld,
                        conclusion: "经协调, 公安厅同意按最小必要提供".to_owned(),
                    }),
                ),
            )
            .await;
        runner.wait_for_all(concluded, WAIT).await.unwrap();

        let of = |department: &str, fact: FactKind| AssessmentFilter {
            department: Some(department.to_owned()),
            fact: Some(fact),
            ..AssessmentFilter::default()
        };
        let all = PageRequest::first(100);
        let replies = assessment::list(&f.db, &of(PROVIDER, FactKind::ProviderReply), &all)
            .await
            .unwrap();
        assert_eq!(replies.items.len(), 1);
        assert_eq!(replies.items[0].outcome, "refused");
        let objections = assessment::list(&f.db, &of(PROVIDER, FactKind::ObjectionConcluded), &all)
            .await
            .unwrap();
        assert_eq!(
            objections.items.len(),
            1,
            "attributed to the refusing provider"
        );
        assert_eq!(objections.items[0].outcome, "upheld");
        let proof = audit::at_position(&f.db, objections.items[0].position)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(proof.event_type, "ObjectionConcluded");
        assert_eq!(
            objections.items[0].case,
            StreamId::new("ShareApplication", APP)
        );
        let owed = assessment::list(&f.db, &of(AUTHORITY, FactKind::Deadline), &all)
            .await
            .unwrap();
        let outcome = |rule: &str, outcome: &str| {
            owed.items
                .iter()
                .any(|r| r.rule.as_deref() == Some(rule) && r.outcome == outcome)
        };
        assert!(outcome("share_unconditional_provide", "set"));
        assert!(outcome("share_unconditional_provide", "met_late"));
        assert!(outcome("share_conditional_review", "met_on_time"));
        assert!(outcome("objection_coordination", "met_on_time"));
        let provider = assessment::list(&f.db, &of(PROVIDER, FactKind::Deadline), &all)
            .await
            .unwrap();
        assert!(provider.items.iter().any(|r| {
            r.rule.as_deref() == Some("share_provider_reply") && r.outcome == "met_on_time"
        }));
        let received = assessment::list(&f.db, &of(PROVIDER, FactKind::ShareRequestReceived), &all)
            .await
            .unwrap();
        assert_eq!(received.items.len(), 1);
        assert_eq!(received.items[0].detail, APP);

        // As of an instant: nothing recorded later.
        let before = AssessmentFilter {
            recorded_until: Some(bj(2026, 3, 13, 23, 0)),
            ..of(PROVIDER, FactKind::ObjectionConcluded)
        };
        assert!(
            assessment::list(&f.db, &before, &all)
                .await
                .unwrap()
                .items
                .is_empty()
        );

        // Every row, page by page, in log order.
        let mut seen = Vec::new();
        let mut page = PageRequest::first(3);
        loop {
            let got = assessment::list(&f.db, &AssessmentFilter::default(), &page)
                .await
                .unwrap();
            seen.extend(got.items.iter().map(|r| (r.position, r.department.clone())));
            match got.next {
                Some(next) => page = PageRequest::after(next, 3),
                None => break,
            }
        }
        let mut sorted = seen.clone();
        sorted.sort();
        assert_eq!(seen, sorted);
        assert!(seen.len() >= 10, "{seen:?}");
        runner.shutdown().await;
    }

    async fn dump(f: &Fixture) -> String {
        let all = PageRequest::first(1000);
        format!(
            "{:#?}\n{:#?}\n{:#?}\n{:#?}",
            audit::trail(&f.db, &audit::AuditFilter::All, &all)
                .await
                .unwrap(),
            deadlines::list(&f.db, &DeadlineFilter::default(), &all)
                .await
                .unwrap(),
            applications::list(&f.db, &all).await.unwrap(),
            models::assessment::list(&f.db, &Default::default(), &all)
                .await
                .unwrap(),
        )
    }
}
