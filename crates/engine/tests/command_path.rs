//! The command path on both backends: every case runs against a real SQLite file and against a fresh
//! database of a throwaway PostgreSQL cluster.

mod common;

use common::*;

macro_rules! suite {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    cases::$case(&Fixture::sqlite().await).await;
                }
            )*
        }
        mod postgres {
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    cases::$case(&Fixture::postgres().await).await;
                }
            )*
        }
    };
}

suite!(
    art19_conditional_application_from_submission_to_provision,
    retried_command_id_returns_the_original_and_writes_nothing,
    reused_command_id_with_another_command_is_refused,
    art15_art19_art21_facts_resolved_at_submission_are_recorded,
    unknown_actor_is_refused_with_nothing_written,
    art19_another_department_cannot_act_on_the_case,
    art19_command_in_the_wrong_state_is_refused_with_nothing_written,
    scheduler_role_is_the_engines_own,
    two_engines_racing_on_one_application_stay_consistent,
    art41_a_lagging_clock_never_dates_a_step_before_the_last,
    state_rebuilt_from_snapshot_and_tail_equals_the_cached_state,
    the_command_is_recorded_with_its_events,
    art22_a_grant_carries_the_recorded_provision_not_the_callers_facts,
    art22_a_grant_before_provision_is_refused_with_nothing_written,
);

mod cases {
    use std::sync::Arc;

    use chrono::Duration;
    use govshare_codec::{StoredCommand, decode_command};
    use govshare_domain::Role;
    use govshare_domain::catalog::ShareAttribute;
    use govshare_domain::share_application::DataHolder;
    use govshare_domain::share_application::{
        RefusalBasis, RefusalBasisKind, RefuseToShare, ShareApplication, ShareCommand, ShareStatus,
    };
    use govshare_engine::{Clock, Command, EngineError, ManualClock};
    use govshare_store::{StreamId, StreamRead};

    use super::*;

    async fn head(f: &Fixture) -> u64 {
        f.engine.store().head().await.unwrap().position
    }

    pub async fn art19_conditional_application_from_submission_to_provision(f: &Fixture) {
        let submitted = f
            .run("130000-health", Role::Clerk, submit_conditional())
            .await;
        assert_eq!(types(&submitted)[0], "ShareApplicationSubmitted");
        f.clock.advance(Duration::hours(2));
        f.run("130000-data-authority", Role::Reviewer, forward())
            .await;
        f.clock.advance(Duration::days(1));
        f.run("130000-public-security", Role::Leader, agree()).await;
        f.clock.advance(Duration::hours(3));
        let provided = f
            .run("130000-data-authority", Role::Reviewer, provide())
            .await;
        assert!(
            types(&provided).contains(&"ShareProvided"),
            "{:?}",
            types(&provided)
        );

        let (application, version) = f.engine.load::<ShareApplication>(APP).await.unwrap();
        assert_eq!(application.status(), ShareStatus::Provided);
        let history = f
            .engine
            .history(&StreamId::new("ShareApplication", APP))
            .await
            .unwrap();
        assert_eq!(history.len() as u64, version);
        assert!(history.windows(2).all(|w| w[0].position < w[1].position));
        assert!(history.iter().all(|e| {
            e.metadata
                .rule_set
                .as_ref()
                .is_some_and(|r| r.id == "hebei-2022")
        }));
        f.engine.store().verify(1, None).await.unwrap();
    }

    pub async fn retried_command_id_returns_the_original_and_writes_nothing(f: &Fixture) {
        let request = f.request("130000-health", Role::Clerk, submit_conditional());
        let first = f.engine.execute(request.clone()).await.unwrap();
        let before = head(f).await;
        f.clock.advance(Duration::days(2));
        let again = f.engine.execute(request).await.unwrap();
        assert!(again.retry);
        assert!(!first.retry);
        assert_eq!(again.events, first.events);
        assert_eq!(again.stream_version, first.stream_version);
        assert_eq!(head(f).await, before);
    }

    pub async fn reused_command_id_with_another_command_is_refused(f: &Fixture) {
        let request = f.request("130000-health", Role::Clerk, submit_conditional());
        f.engine.execute(request.clone()).await.unwrap();
        let before = head(f).await;
        let mut other = request;
        other.command = share(ShareCommand::WithdrawShareApplication(
            govshare_domain::share_application::WithdrawShareApplication {
                reason: "业务调整".into(),
            },
        ));
        let err = f.engine.execute(other).await.unwrap_err();
        assert!(
            matches!(err, EngineError::CommandIdReused { .. }),
            "{err:?}"
        );
        assert_eq!(head(f).await, before);
    }

    pub async fn art15_art19_art21_facts_resolved_at_submission_are_recorded(f: &Fixture) {
        // The caller claims the entry is unconditional and held by the data authority; the catalog says
        // conditional, held by 河北省公安厅. The record holds the catalog's facts.
        let submitted = f
            .run("130000-health", Role::Clerk, submit_conditional())
            .await;
        let payload = submitted.events[0].payload.to_value().unwrap();
        let entry: govshare_domain::share_application::RequestedEntry =
            serde_json::from_value(payload["entries"][0].clone()).unwrap();
        assert_eq!(entry.name, "户籍人口基本信息");
        assert_eq!(entry.version, 1);
        assert!(matches!(
            entry.share_attribute,
            ShareAttribute::Conditional { .. }
        ));
        match &entry.holder {
            DataHolder::Department { provider } => {
                assert_eq!(provider.code.as_str(), "130000-public-security");
                assert_eq!(provider.name, "河北省公安厅");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(entry.items, ["公民身份号码", "姓名", "出生日期"]);
        assert_eq!(entry.negative_listing, None);
        let route: Vec<String> = payload["route"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["code"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(route, ["130000-data-authority"]);
        assert_eq!(payload["requester"]["name"], "河北省卫生健康委员会");
    }

    pub async fn unknown_actor_is_refused_with_nothing_written(f: &Fixture) {
        let before = head(f).await;
        let err = f
            .engine
            .execute(f.request("130999-nobody", Role::Clerk, submit_conditional()))
            .await
            .unwrap_err();
        assert!(matches!(err, EngineError::UnknownActor { .. }), "{err:?}");
        assert_eq!(head(f).await, before);
    }

    pub async fn art19_another_department_cannot_act_on_the_case(f: &Fixture) {
        f.run("130000-health", Role::Clerk, submit_conditional())
            .await;
        f.run("130000-data-authority", Role::Reviewer, forward())
            .await;
        let before = head(f).await;
        // Only the provider replies (第十九条); 人社厅 holds nothing here.
        let err = f
            .engine
            .execute(f.request("130000-human-resources", Role::Leader, agree()))
            .await
            .unwrap_err();
        assert!(matches!(err, EngineError::Forbidden(_)), "{err:?}");
        assert_eq!(head(f).await, before);
    }

    pub async fn art19_command_in_the_wrong_state_is_refused_with_nothing_written(f: &Fixture) {
        f.run("130000-health", Role::Clerk, submit_conditional())
            .await;
        let before = head(f).await;
        let err = f
            .engine
            .execute(f.request("130000-data-authority", Role::Reviewer, provide()))
            .await
            .unwrap_err();
        assert!(matches!(err, EngineError::Refused { .. }), "{err:?}");
        assert_eq!(head(f).await, before);
    }

    pub async fn scheduler_role_is_the_engines_own(f: &Fixture) {
        let err = f
            .engine
            .execute(f.request("130000-data-authority", Role::Scheduler, forward()))
            .await
            .unwrap_err();
        assert!(matches!(err, EngineError::RoleNotAllowed { .. }), "{err:?}");
        let err = f
            .engine
            .execute_scheduled(f.request("130000-data-authority", Role::Reviewer, forward()))
            .await
            .unwrap_err();
        assert!(matches!(err, EngineError::RoleNotAllowed { .. }), "{err:?}");
    }

    pub async fn two_engines_racing_on_one_application_stay_consistent(f: &Fixture) {
        f.run("130000-health", Role::Clerk, submit_conditional())
            .await;
        f.run("130000-data-authority", Role::Reviewer, forward())
            .await;
        let other = f
            .second_engine(Arc::new(ManualClock::new(f.clock.now())))
            .await;
        // Both engines have the application cached before either decides.
        f.engine.load::<ShareApplication>(APP).await.unwrap();
        other.load::<ShareApplication>(APP).await.unwrap();
        let refuse = share(ShareCommand::RefuseToShare(RefuseToShare {
            reasons: "申请的出生日期信息项超出身份核验所需的最小范围，且未说明必要性".into(),
            basis: RefusalBasis {
                kind: RefusalBasisKind::Law,
                instrument: "中华人民共和国个人信息保护法".into(),
                provision: "第三十四条".into(),
            },
        }));
        let a = f.request("130000-public-security", Role::Leader, agree());
        let b = f.request("130000-public-security", Role::Leader, refuse);
        let (ra, rb) = tokio::join!(f.engine.execute(a), other.execute(b));
        let outcomes = [ra.is_ok(), rb.is_ok()];
        assert_eq!(
            outcomes.iter().filter(|ok| **ok).count(),
            1,
            "{ra:?} {rb:?}"
        );
        let loser = match (ra, rb) {
            (Ok(_), Err(e)) | (Err(e), Ok(_)) => e,
            other => panic!("exactly one should win: {other:?}"),
        };
        assert!(matches!(loser, EngineError::Refused { .. }), "{loser:?}");
        let history = f
            .engine
            .history(&StreamId::new("ShareApplication", APP))
            .await
            .unwrap();
        let replies = history
            .iter()
            .filter(|e| e.event_type == "ProviderAgreed" || e.event_type == "ProviderRefused")
            .count();
        assert_eq!(replies, 1);
        // Both engines now agree on the state.
        let (x, _) = f.engine.load::<ShareApplication>(APP).await.unwrap();
        let (y, _) = other.load::<ShareApplication>(APP).await.unwrap();
        assert_eq!(x, y);
    }

    pub async fn art41_a_lagging_clock_never_dates_a_step_before_the_last(f: &Fixture) {
        f.run("130000-health", Role::Clerk, submit_conditional())
            .await;
        f.clock.advance(Duration::hours(5));
        let forwarded = f
            .run("130000-data-authority", Role::Reviewer, forward())
            .await;
        let last = forwarded.events.last().unwrap().recorded_at;
        // A second instance whose clock is a day behind.
        let behind = Arc::new(ManualClock::new(f.clock.now() - Duration::days(1)));
        let other = f.second_engine(behind).await;
        let agreed = other
            .execute(f.request("130000-public-security", Role::Leader, agree()))
            .await
            .unwrap();
        assert!(agreed.events.iter().all(|e| e.recorded_at >= last));
    }

    pub async fn state_rebuilt_from_snapshot_and_tail_equals_the_cached_state(f: &Fixture) {
        f.run("130000-health", Role::Clerk, submit_conditional())
            .await;
        f.run("130000-data-authority", Role::Reviewer, forward())
            .await;
        f.run("130000-public-security", Role::Leader, agree()).await;
        let (cached, version) = f.engine.load::<ShareApplication>(APP).await.unwrap();
        f.engine
            .store()
            .save_snapshot(&govshare_store::Snapshot {
                stream: StreamId::new("ShareApplication", APP),
                sequence: 2,
                state_version: <ShareApplication as govshare_codec::Kind>::STATE_VERSION,
                state: serde_json::to_value(&{
                    let fresh = f.second_engine(f.clock.clone()).await;
                    // The state after two events, built by the same fold.
                    let events = fresh
                        .store()
                        .read_stream(&StreamId::new("ShareApplication", APP), StreamRead::all())
                        .await
                        .unwrap();
                    let mut state = ShareApplication::default();
                    let upcasters = govshare_store::Upcasters::new();
                    for e in &events[..2] {
                        cqrs_es::Aggregate::apply(
                            &mut state,
                            govshare_codec::decode_event::<ShareApplication>(e, &upcasters)
                                .unwrap(),
                        );
                    }
                    state
                })
                .unwrap(),
            })
            .await
            .unwrap();
        f.engine.clear_cache();
        let (rebuilt, rebuilt_version) = f.engine.load::<ShareApplication>(APP).await.unwrap();
        assert_eq!(rebuilt_version, version);
        assert_eq!(rebuilt, cached);
    }

    pub async fn the_command_is_recorded_with_its_events(f: &Fixture) {
        let request = f.request("130000-health", Role::Clerk, submit_conditional());
        let recorded = f.engine.execute(request.clone()).await.unwrap();
        let stored = f
            .engine
            .store()
            .read_command(request.command_id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.first_position, recorded.events[0].position);
        let record = stored.command.unwrap();
        assert_eq!(
            record.command_type,
            "ShareApplication.SubmitShareApplication"
        );
        let (envelope, context) = decode_command::<ShareApplication>(&record).unwrap();
        assert_eq!(envelope.actor.department.name, "河北省卫生健康委员会");
        assert_eq!(context.rule_set.id, "hebei-2022");
        // The stored body carries the resolved facts, so re-deciding it needs nothing but the log.
        let _: StoredCommand<serde_json::Value> = serde_json::from_value(record.payload).unwrap();
        match envelope.body {
            ShareCommand::SubmitShareApplication(c) => {
                assert_eq!(c.entries[0].name, "户籍人口基本信息");
                assert_eq!(c.route.len(), 1);
            }
            other => panic!("{other:?}"),
        }
    }

    fn issue_grant(application_id: &str, items: &[&str]) -> Command {
        use govshare_domain::grant::{GrantCommand, GrantedEntry, IssueGrant, ProvisionFacts};
        let nothing = chrono::NaiveDate::from_ymd_opt(2000, 1, 1).unwrap();
        Command::Grant {
            id: "GR-2026-0001".into(),
            command: GrantCommand::IssueGrant(IssueGrant {
                // Whatever the caller claims about the provision is replaced by the record.
                provision: ProvisionFacts {
                    application_id: application_id.into(),
                    grant_id: "GR-2026-0001".into(),
                    requester: code("130000-human-resources"),
                    provided_by: code("130000-human-resources"),
                    entries: vec![],
                    data_items: vec!["全部".into()],
                    purpose: "任意".into(),
                    purpose_code: "X".into(),
                    use_from: nothing,
                    use_until: chrono::NaiveDate::from_ymd_opt(2099, 12, 31).unwrap(),
                    conditions: None,
                    provided_at: start(),
                },
                grantee: placeholder(),
                authority: placeholder(),
                entries: vec![GrantedEntry {
                    entry_id: POPULATION.into(),
                    provider: code("130000-public-security"),
                    data_items: items.iter().map(|s| (*s).to_owned()).collect(),
                }],
                purpose: "医疗救助对象身份核验".into(),
                purpose_code: "SC-130000-WJ-2026-001".into(),
                valid_from: chrono::NaiveDate::from_ymd_opt(2026, 3, 3).unwrap(),
                valid_until: chrono::NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
                access_mode: govshare_domain::catalog::ShareMode::Interface,
                conditions: Some("仅限身份核验，不得留存".into()),
            }),
        }
    }

    pub async fn art22_a_grant_carries_the_recorded_provision_not_the_callers_facts(f: &Fixture) {
        f.run("130000-health", Role::Clerk, submit_conditional())
            .await;
        f.run("130000-data-authority", Role::Reviewer, forward())
            .await;
        f.run("130000-public-security", Role::Leader, agree()).await;
        f.run("130000-data-authority", Role::Reviewer, provide())
            .await;
        let issued = f
            .run(
                "130000-data-authority",
                Role::Reviewer,
                issue_grant(APP, &["公民身份号码", "姓名"]),
            )
            .await;
        let payload = issued.events[0].payload.to_value().unwrap();
        assert_eq!(payload["provision"]["requester"], "130000-health");
        assert_eq!(payload["provision"]["use_until"], "2026-12-31");
        assert_eq!(
            payload["provision"]["data_items"],
            serde_json::json!(["公民身份号码", "姓名"])
        );
        assert_eq!(payload["grantee"]["code"], "130000-health");
        assert_eq!(payload["authority"]["code"], "130000-data-authority");
        // 第二十二条: items beyond what was requested are refused.
        let before = head(f).await;
        let mut wider = issue_grant(APP, &["公民身份号码", "出生日期"]);
        if let Command::Grant { id, .. } = &mut wider {
            *id = "GR-2026-0002".into();
        }
        let err = f
            .engine
            .execute(f.request("130000-data-authority", Role::Reviewer, wider))
            .await
            .unwrap_err();
        assert!(matches!(err, EngineError::Refused { .. }), "{err:?}");
        assert_eq!(head(f).await, before);
    }

    pub async fn art22_a_grant_before_provision_is_refused_with_nothing_written(f: &Fixture) {
        f.run("130000-health", Role::Clerk, submit_conditional())
            .await;
        let before = head(f).await;
        let err = f
            .engine
            .execute(f.request(
                "130000-data-authority",
                Role::Reviewer,
                issue_grant(APP, &["公民身份号码"]),
            ))
            .await
            .unwrap_err();
        assert!(matches!(err, EngineError::InvalidRequest { .. }), "{err:?}");
        assert_eq!(head(f).await, before);
    }
}
