//! The authorization table (`docs/authorization.md`): one test per denied row, through the aggregates.

mod common;

use common::*;
use govshare_domain::catalog::{
    AggregationMethod, CatalogCommand, CatalogEntry, DraftCatalogEntry, MarkOverdue, RecordSync,
    RegisterAggregation, SubmitCatalogEntry,
};
use govshare_domain::collection_list::{
    ApplyCollectionChange, CollectionList, CollectionListCommand, DeriveCollectionList,
};
use govshare_domain::negative_list::{
    ApplyForNegativeListing, BasisKind, DecideNegativeListing, LegalBasis, ListedEntry,
    NegativeListCommand, NegativeListing, ReviewNegativeListing,
};
use govshare_domain::organization::{
    DesignateResponsibleOffice, OrganizationCommand, OrganizationRegistry, RegisterDepartment,
    RegisterRegion, ResponsibleOffice,
};
use govshare_domain::published_catalog::{
    PublishCatalogVersion, PublishedCatalog, PublishedCatalogCommand, PublishedEntryRef,
};
use govshare_domain::{Actor, DeadlineId, DeadlineRule, DepartmentRef, DomainError, Level, Rule};

fn denied_by<T: std::fmt::Debug>(result: Result<T, DomainError>, rule: Rule) {
    match result {
        Err(DomainError::Forbidden(f)) => assert_eq!(f.rule, rule, "{}", f.reason),
        other => panic!("expected {rule} to deny, got {other:?}"),
    }
}

fn catalog(
    actor: Actor,
    body: CatalogCommand,
) -> Result<Vec<govshare_domain::catalog::CatalogEvent>, DomainError> {
    when::<CatalogEntry>(
        services(),
        published_population_history(),
        cmd(actor, bj(2026, 3, 10, 9, 0), body),
    )
}

fn submit() -> CatalogCommand {
    CatalogCommand::SubmitCatalogEntry(SubmitCatalogEntry {
        authority: province_authority(),
    })
}

/// AUTH-01: the scheduler may record missed deadlines and nothing else.
#[test]
fn auth01_scheduler_may_only_mark_overdue() {
    denied_by(
        catalog(scheduler(), submit()),
        Rule::SchedulerOnlyMarksOverdue,
    );
    denied_by(
        catalog(
            scheduler(),
            CatalogCommand::ApproveCatalogEntry(Default::default()),
        ),
        Rule::SchedulerOnlyMarksOverdue,
    );
}

/// AUTH-02: a missed deadline is recorded only by the scheduler, not by an interested party.
#[test]
fn auth02_mark_overdue_only_by_scheduler() {
    let mark = || {
        CatalogCommand::MarkOverdue(MarkOverdue {
            deadline: DeadlineId::new(DeadlineRule::CatalogUpdate, 1),
        })
    };
    denied_by(
        catalog(leader(province_authority()), mark()),
        Rule::OverdueByScheduler,
    );
    denied_by(
        catalog(clerk(province_public_security()), mark()),
        Rule::OverdueByScheduler,
    );
}

/// AUTH-02 (digest Decision, "Counting working days"): provisional deadlines are recomputed only by the
/// scheduler after it loads a year's holiday arrangement; `tests/deadline_recompute.rs` denies it again on the
/// share application and the supervision case.
#[test]
fn auth02_recompute_deadlines_only_by_scheduler() {
    let recompute = || CatalogCommand::RecomputeDeadlines(Default::default());
    denied_by(
        catalog(leader(province_authority()), recompute()),
        Rule::OverdueByScheduler,
    );
    denied_by(
        catalog(clerk(province_public_security()), recompute()),
        Rule::OverdueByScheduler,
    );
    assert_eq!(catalog(scheduler(), recompute()).expect("allowed"), vec![]);
}

/// AUTH-02: a reminder before a due day (催办提醒, configured in the rule set) is recorded only by the
/// scheduler; `tests/reminders.rs` denies it again on a share application.
#[test]
fn auth02_remind_deadline_only_by_scheduler() {
    let remind = || {
        CatalogCommand::RemindDeadline(govshare_domain::RemindDeadline {
            deadline: DeadlineId::new(DeadlineRule::CatalogUpdate, 1),
        })
    };
    denied_by(
        catalog(leader(province_authority()), remind()),
        Rule::OverdueByScheduler,
    );
    denied_by(
        catalog(clerk(province_public_security()), remind()),
        Rule::OverdueByScheduler,
    );
}

/// AUTH-03: a department acts only on its own entries, applications and lists; a third party has none.
#[test]
fn auth03_department_acts_only_on_its_own() {
    denied_by(
        catalog(clerk(province_market()), submit()),
        Rule::OwnDepartment,
    );
    let draft = cmd(
        clerk(contractor_of_public_security()),
        bj(2026, 3, 2, 9, 0),
        CatalogCommand::DraftCatalogEntry(DraftCatalogEntry {
            metadata: social_security_metadata(),
        }),
    );
    denied_by(
        when::<CatalogEntry>(services(), vec![], draft),
        Rule::OwnDepartment,
    );
    let office = cmd(
        leader(province_market()),
        bj(2026, 1, 6, 9, 0),
        OrganizationCommand::DesignateResponsibleOffice(DesignateResponsibleOffice {
            department: code("130000-data-authority"),
            office: ResponsibleOffice {
                name: "数据处".to_owned(),
                head: "赵敏".to_owned(),
                contact: "-".to_owned(),
            },
        }),
    );
    denied_by(
        when::<OrganizationRegistry>(services(), registry(), office),
        Rule::OwnDepartment,
    );
    let list = history::<CollectionList>(services, vec![derive_list()]);
    let change = cmd(
        clerk(province_market()),
        bj(2026, 5, 7, 9, 0),
        CollectionListCommand::ApplyCollectionChange(ApplyCollectionChange {
            add: vec![],
            remove: vec!["参保状态".to_owned()],
            reason: "x".to_owned(),
            overlaps: vec![],
            justifications: vec![],
        }),
    );
    denied_by(
        when::<CollectionList>(services(), list, change),
        Rule::OwnDepartment,
    );
}

/// AUTH-04: an aggregation sync is recorded by the provider or a third party the provider commissioned.
#[test]
fn auth04_sync_only_by_provider_or_its_contractor() {
    let mut given = published_population_history();
    given.extend(history_on::<CatalogEntry>(
        &given,
        vec![cmd(
            clerk(province_public_security()),
            bj(2026, 3, 5, 9, 0),
            CatalogCommand::RegisterAggregation(RegisterAggregation {
                method: AggregationMethod::Physical {
                    full: true,
                    real_time: true,
                },
            }),
        )],
    ));
    let mut others_contractor = contractor_of_public_security();
    others_contractor.principal = Some(code("130000-market-regulation"));
    let sync = |actor| {
        cmd(
            actor,
            bj(2026, 3, 6, 2, 0),
            CatalogCommand::RecordSync(RecordSync {
                synced_at: bj(2026, 3, 6, 1, 0),
            }),
        )
    };
    denied_by(
        when::<CatalogEntry>(services(), given.clone(), sync(clerk(others_contractor))),
        Rule::ProviderOrContractor,
    );
    denied_by(
        when::<CatalogEntry>(services(), given, sync(clerk(province_market()))),
        Rule::ProviderOrContractor,
    );
}

/// AUTH-05: reviews belong to the data authority of the provider's own region and level — not another
/// region's, not another level's, not a department's.
#[test]
fn auth05_only_same_level_authority_reviews() {
    let submitted = history::<CatalogEntry>(services, published_population_entry()[..2].to_vec());
    let approve = |actor| {
        cmd(
            actor,
            bj(2026, 3, 3, 9, 0),
            CatalogCommand::ApproveCatalogEntry(Default::default()),
        )
    };
    denied_by(
        when::<CatalogEntry>(
            services(),
            submitted.clone(),
            approve(reviewer(city_authority())),
        ),
        Rule::SameLevelAuthority,
    );
    denied_by(
        when::<CatalogEntry>(
            services(),
            submitted.clone(),
            approve(reviewer(province_market())),
        ),
        Rule::SameLevelAuthority,
    );
    denied_by(
        when::<CatalogEntry>(
            services(),
            submitted,
            approve(reviewer(province_cyberspace())),
        ),
        Rule::SameLevelAuthority,
    );
    let publish = cmd(
        leader(province_public_security()),
        bj(2026, 7, 1, 9, 0),
        PublishedCatalogCommand::PublishCatalogVersion(PublishCatalogVersion {
            number: 1,
            entries: vec![PublishedEntryRef {
                entry_id: "e".to_owned(),
                code: "c".to_owned(),
                name: "n".to_owned(),
                provider: code("130000-public-security"),
                version: 1,
            }],
        }),
    );
    denied_by(
        when::<PublishedCatalog>(services(), vec![], publish),
        Rule::SameLevelAuthority,
    );
    let derive_by_city = cmd(
        reviewer(city_authority()),
        bj(2026, 5, 6, 9, 0),
        derive_list().body,
    );
    denied_by(
        when::<CollectionList>(services(), vec![], derive_by_city),
        Rule::SameLevelAuthority,
    );
}

/// AUTH-06: an authority's clerk prepares but does not decide.
#[test]
fn auth06_authority_clerk_cannot_decide() {
    let submitted = history::<CatalogEntry>(services, published_population_entry()[..2].to_vec());
    let approve = cmd(
        clerk(province_authority()),
        bj(2026, 3, 3, 9, 0),
        CatalogCommand::ApproveCatalogEntry(Default::default()),
    );
    denied_by(
        when::<CatalogEntry>(services(), submitted, approve),
        Rule::AuthorityDecisionRole,
    );
    let applied = history::<NegativeListing>(services, vec![apply_listing()]);
    let review = cmd(
        clerk(city_authority()),
        bj(2026, 4, 3, 9, 0),
        NegativeListCommand::ReviewNegativeListing(ReviewNegativeListing {
            endorse: true,
            opinion: String::new(),
        }),
    );
    denied_by(
        when::<NegativeListing>(services(), applied, review),
        Rule::AuthorityDecisionRole,
    );
}

fn apply_listing() -> govshare_domain::CommandEnvelope<NegativeListCommand> {
    cmd(
        clerk(city_civil_affairs()),
        bj(2026, 4, 1, 9, 0),
        NegativeListCommand::ApplyForNegativeListing(ApplyForNegativeListing {
            entry: ListedEntry {
                entry_id: "e-7".to_owned(),
                code: "130100-MZ-00007".to_owned(),
                name: "个案资料".to_owned(),
            },
            legal_basis: LegalBasis {
                kind: BasisKind::Law,
                instrument: "中华人民共和国统计法".to_owned(),
                article: "第三十九条".to_owned(),
            },
            reason: "不得对外提供".to_owned(),
        }),
    )
}

fn endorsed_listing() -> Vec<govshare_domain::negative_list::NegativeListEvent> {
    history::<NegativeListing>(
        services,
        vec![
            apply_listing(),
            cmd(
                reviewer(city_authority()),
                bj(2026, 4, 3, 9, 0),
                NegativeListCommand::ReviewNegativeListing(ReviewNegativeListing {
                    endorse: true,
                    opinion: String::new(),
                }),
            ),
        ],
    )
}

fn decide(actor: Actor) -> govshare_domain::CommandEnvelope<NegativeListCommand> {
    cmd(
        actor,
        bj(2026, 4, 10, 9, 0),
        NegativeListCommand::DecideNegativeListing(DecideNegativeListing {
            approve: true,
            opinion: String::new(),
        }),
    )
}

/// AUTH-07: only the people's government of the applicant's region and level approves a negative listing.
#[test]
fn auth07_only_same_level_government_approves_negative_listing() {
    denied_by(
        when::<NegativeListing>(
            services(),
            endorsed_listing(),
            decide(leader(province_government())),
        ),
        Rule::SameLevelGovernment,
    );
    denied_by(
        when::<NegativeListing>(
            services(),
            endorsed_listing(),
            decide(leader(city_authority())),
        ),
        Rule::SameLevelGovernment,
    );
}

/// AUTH-08: a government's approval is given by a leader.
#[test]
fn auth08_government_decision_needs_leader() {
    denied_by(
        when::<NegativeListing>(
            services(),
            endorsed_listing(),
            decide(reviewer(city_government())),
        ),
        Rule::GovernmentLeader,
    );
}

fn registry() -> Vec<govshare_domain::organization::OrganizationEvent> {
    let p = || reviewer(province_authority());
    history::<OrganizationRegistry>(
        services,
        vec![
            cmd(
                p(),
                bj(2026, 1, 5, 9, 0),
                OrganizationCommand::RegisterRegion(RegisterRegion {
                    code: region("130000"),
                    name: "河北省".to_owned(),
                    level: Level::Province,
                    parent: None,
                }),
            ),
            cmd(
                p(),
                bj(2026, 1, 5, 9, 0),
                OrganizationCommand::RegisterRegion(RegisterRegion {
                    code: region("130100"),
                    name: "石家庄市".to_owned(),
                    level: Level::City,
                    parent: Some(region("130000")),
                }),
            ),
            cmd(
                p(),
                bj(2026, 1, 5, 9, 0),
                OrganizationCommand::RegisterRegion(RegisterRegion {
                    code: region("130600"),
                    name: "保定市".to_owned(),
                    level: Level::City,
                    parent: Some(region("130000")),
                }),
            ),
            register(p(), &province_authority()),
            register(p(), &province_market()),
        ],
    )
}

fn register(
    actor: Actor,
    d: &DepartmentRef,
) -> govshare_domain::CommandEnvelope<OrganizationCommand> {
    cmd(
        actor,
        bj(2026, 1, 5, 10, 0),
        OrganizationCommand::RegisterDepartment(RegisterDepartment {
            code: d.code.clone(),
            name: d.name.clone(),
            region: d.region.clone(),
            kind: d.kind,
            principal: d.principal.clone(),
        }),
    )
}

/// AUTH-09: the registry is kept by the data authority whose region covers the registered body.
#[test]
fn auth09_registry_jurisdiction() {
    denied_by(
        when::<OrganizationRegistry>(
            services(),
            registry(),
            register(reviewer(baoding_authority()), &city_public_security()),
        ),
        Rule::RegistryJurisdiction,
    );
    denied_by(
        when::<OrganizationRegistry>(
            services(),
            registry(),
            register(leader(province_market()), &city_public_security()),
        ),
        Rule::RegistryJurisdiction,
    );
    denied_by(
        when::<OrganizationRegistry>(
            services(),
            registry(),
            register(reviewer(city_authority()), &province_statistics()),
        ),
        Rule::RegistryJurisdiction,
    );
    // A clerk of the right authority registers nothing either (AUTH-06).
    denied_by(
        when::<OrganizationRegistry>(
            services(),
            registry(),
            register(clerk(province_authority()), &province_statistics()),
        ),
        Rule::AuthorityDecisionRole,
    );
}

/// AUTH-10: a department's responsible office is designated by its leader.
#[test]
fn auth10_office_designated_by_leader() {
    let office = cmd(
        clerk(province_market()),
        bj(2026, 1, 6, 9, 0),
        OrganizationCommand::DesignateResponsibleOffice(DesignateResponsibleOffice {
            department: code("130000-market-regulation"),
            office: ResponsibleOffice {
                name: "信息中心".to_owned(),
                head: "赵敏".to_owned(),
                contact: "-".to_owned(),
            },
        }),
    );
    denied_by(
        when::<OrganizationRegistry>(services(), registry(), office),
        Rule::OfficeByLeader,
    );
}

/// AUTH-11 (第十二条): base and thematic categories are compiled by their configured departments.
#[test]
fn auth11_category_owner() {
    let draft = cmd(
        clerk(province_health()),
        bj(2026, 3, 2, 9, 0),
        CatalogCommand::DraftCatalogEntry(DraftCatalogEntry {
            metadata: social_security_metadata(),
        }),
    );
    denied_by(
        when::<CatalogEntry>(services(), vec![], draft),
        Rule::CategoryOwner,
    );
}

fn derive_list() -> govshare_domain::CommandEnvelope<CollectionListCommand> {
    cmd(
        reviewer(province_authority()),
        bj(2026, 5, 6, 9, 0),
        CollectionListCommand::DeriveCollectionList(DeriveCollectionList {
            department: province_hrss(),
            items: vec![govshare_domain::collection_list::CollectionItem {
                data_item: "参保状态".to_owned(),
                entry_id: "catalog-130000-human-resources-0012".to_owned(),
                entry_version: 1,
            }],
            overlaps: vec![],
            justifications: vec![],
        }),
    )
}

/// `docs/authorization.md` lists every rule id with its denied test, and every test named there exists here.
#[test]
fn authorization_doc_matches_the_table() {
    let doc = include_str!("../../../docs/authorization.md");
    let this = include_str!("authorization.rs");
    for rule in Rule::ALL {
        let row = doc
            .lines()
            .find(|l| l.starts_with(&format!("| {} ", rule.id())))
            .unwrap_or_else(|| panic!("{} has no row in docs/authorization.md", rule.id()));
        let test = row
            .split('`')
            .find(|s| s.starts_with("auth"))
            .unwrap_or_else(|| panic!("{} names no test", rule.id()));
        assert!(
            this.contains(&format!("fn {test}()")),
            "{test} is not a test in tests/authorization.rs"
        );
    }
}

/// AUTH-15 (第十九、二十二条): the scheduler role issues a grant only as the serving authority that provided the
/// application (the policy "provision issues the grant"), never for another authority; AUTH-01 still keeps it
/// from every other sharing act, revocation included.
#[test]
fn auth15_scheduler_issues_only_the_providing_authoritys_grant() {
    use govshare_domain::authorization::{Action, Subject, authorize};
    let serving = Subject::of(&province_authority());
    let as_serving = actor(province_authority(), govshare_domain::Role::Scheduler);
    assert_eq!(authorize(Action::IssueGrant, &as_serving, &serving), Ok(()));
    let as_city = actor(city_authority(), govshare_domain::Role::Scheduler);
    match authorize(Action::IssueGrant, &as_city, &serving) {
        Err(f) => assert_eq!(f.rule, Rule::GrantFollowsProvision, "{}", f.reason),
        Ok(()) => panic!("expected AUTH-15 to deny"),
    }
    match authorize(Action::ServeShareRequest, &as_serving, &serving) {
        Err(f) => assert_eq!(f.rule, Rule::SchedulerOnlyMarksOverdue, "{}", f.reason),
        Ok(()) => panic!("expected AUTH-01 to deny"),
    }
    // People of the serving authority issue as before (AUTH-05/06).
    assert_eq!(
        authorize(
            Action::IssueGrant,
            &reviewer(province_authority()),
            &serving
        ),
        Ok(())
    );
    match authorize(Action::IssueGrant, &clerk(province_authority()), &serving) {
        Err(f) => assert_eq!(f.rule, Rule::AuthorityDecisionRole, "{}", f.reason),
        Ok(()) => panic!("expected AUTH-06 to deny"),
    }
}

/// AUTH-12..14 (chapters 4–7): the denied paths at the table itself; `tests/third_party.rs`,
/// `tests/supervision.rs`, `tests/city_platform.rs` and `tests/authorized_operation.rs` deny them again through
/// the aggregates.
mod accountability {
    use super::common::*;
    use govshare_domain::authorization::{Action, Subject, authorize};
    use govshare_domain::{Role, Rule};

    fn denied(result: Result<(), govshare_domain::Forbidden>, rule: Rule) {
        match result {
            Err(f) => assert_eq!(f.rule, rule, "{}", f.reason),
            Ok(()) => panic!("expected {rule} to deny"),
        }
    }

    /// AUTH-12 (第六、三十七条): the prior review of an engagement is recorded by a reviewer or leader of the
    /// engaging department, never by its clerk, another department or the contractor.
    #[test]
    fn auth12_prior_review_by_reviewer_or_leader() {
        let subject = Subject::of(&province_public_security());
        let act = Action::ReviewThirdPartyEngagement;
        denied(
            authorize(act, &clerk(province_public_security()), &subject),
            Rule::PriorReviewByOffice,
        );
        denied(
            authorize(act, &reviewer(province_market()), &subject),
            Rule::OwnDepartment,
        );
        denied(
            authorize(act, &leader(contractor_of_public_security()), &subject),
            Rule::OwnDepartment,
        );
        assert!(authorize(act, &reviewer(province_public_security()), &subject).is_ok());
    }

    /// AUTH-13 (第三十九条): public criticism comes from the same-level authority or government only.
    #[test]
    fn auth13_criticism_by_authority_or_government() {
        let subject = Subject::of(&city_civil_affairs());
        let act = Action::IssuePublicCriticism;
        denied(
            authorize(act, &leader(province_authority()), &subject),
            Rule::CriticismByAuthorityOrGovernment,
        );
        denied(
            authorize(act, &leader(city_public_security()), &subject),
            Rule::CriticismByAuthorityOrGovernment,
        );
        denied(
            authorize(act, &leader(baoding_authority()), &subject),
            Rule::CriticismByAuthorityOrGovernment,
        );
        denied(
            authorize(act, &clerk(city_authority()), &subject),
            Rule::AuthorityDecisionRole,
        );
        denied(
            authorize(act, &reviewer(city_government()), &subject),
            Rule::GovernmentLeader,
        );
        assert!(authorize(act, &reviewer(city_authority()), &subject).is_ok());
        assert!(authorize(act, &leader(city_government()), &subject).is_ok());
    }

    /// AUTH-14 (第二十八、三十一条): only the provincial authority decides city platforms, returns data and
    /// grants authorized operation; its decisions need a reviewer or leader.
    #[test]
    fn auth14_provincial_authority_only() {
        let subject = Subject::of(&city_authority());
        for act in [
            Action::DecideCityPlatform,
            Action::RecordDataReturn,
            Action::GrantAuthorizedOperation,
            Action::RecordOperationUse,
        ] {
            denied(
                authorize(act, &leader(city_authority()), &subject),
                Rule::ProvincialAuthority,
            );
            denied(
                authorize(act, &leader(province_public_security()), &subject),
                Rule::ProvincialAuthority,
            );
            assert!(authorize(act, &reviewer(province_authority()), &subject).is_ok());
        }
        denied(
            authorize(
                Action::DecideCityPlatform,
                &clerk(province_authority()),
                &subject,
            ),
            Rule::AuthorityDecisionRole,
        );
        denied(
            authorize(
                Action::GrantAuthorizedOperation,
                &clerk(province_authority()),
                &subject,
            ),
            Rule::AuthorityDecisionRole,
        );
        assert!(
            authorize(
                Action::RecordDataReturn,
                &clerk(province_authority()),
                &subject
            )
            .is_ok()
        );
        let scheduler = actor(province_authority(), Role::Scheduler);
        denied(
            authorize(Action::RecordOperationUse, &scheduler, &subject),
            Rule::SchedulerOnlyMarksOverdue,
        );
    }
}
