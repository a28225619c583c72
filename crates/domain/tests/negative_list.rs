//! 第十五条: 不予共享 through application with a legal basis → authority review → government approval →
//! listed → filed with the upper-level authority; delisting likewise.

mod common;

use common::*;
use cqrs_es::test::TestFramework;
use govshare_domain::negative_list::{
    ApplyForDelisting, ApplyForNegativeListing, BasisKind, DecideNegativeListing, EntryListed,
    FileNegativeListing, LegalBasis, ListedEntry, ListingPhase, ListingStatus, NegativeListCommand,
    NegativeListEvent, NegativeListing, NegativeListingDecided, ReviewNegativeListing,
    UpperAuthority,
};
use govshare_domain::{CommandEnvelope, DomainError, Level};

fn basis(kind: BasisKind) -> LegalBasis {
    LegalBasis {
        kind,
        instrument: "中华人民共和国统计法".to_owned(),
        article: "第三十九条".to_owned(),
    }
}

fn entry() -> ListedEntry {
    ListedEntry {
        entry_id: "catalog-130100-civil-affairs-0007".to_owned(),
        code: "130100-MZ-00007".to_owned(),
        name: "困难群众个案调查原始资料".to_owned(),
    }
}

fn apply(kind: BasisKind) -> CommandEnvelope<NegativeListCommand> {
    cmd(
        clerk(city_civil_affairs()),
        bj(2026, 4, 1, 9, 0),
        NegativeListCommand::ApplyForNegativeListing(ApplyForNegativeListing {
            entry: entry(),
            legal_basis: basis(kind),
            reason: "统计调查中获得的能够识别单个调查对象的资料不得对外提供".to_owned(),
        }),
    )
}

fn review(endorse: bool) -> CommandEnvelope<NegativeListCommand> {
    cmd(
        reviewer(city_authority()),
        bj(2026, 4, 3, 9, 0),
        NegativeListCommand::ReviewNegativeListing(ReviewNegativeListing {
            endorse,
            opinion: "依据充分".to_owned(),
        }),
    )
}

fn decide(approve: bool) -> CommandEnvelope<NegativeListCommand> {
    cmd(
        leader(city_government()),
        bj(2026, 4, 10, 9, 0),
        NegativeListCommand::DecideNegativeListing(DecideNegativeListing {
            approve,
            opinion: "同意".to_owned(),
        }),
    )
}

fn file() -> CommandEnvelope<NegativeListCommand> {
    cmd(
        reviewer(city_authority()),
        bj(2026, 4, 13, 9, 0),
        NegativeListCommand::FileNegativeListing(FileNegativeListing {
            upper_authority: UpperAuthority::Registered(province_authority()),
        }),
    )
}

fn status(events: &[NegativeListEvent]) -> ListingStatus {
    let mut a = NegativeListing::default();
    for e in events {
        cqrs_es::Aggregate::apply(&mut a, e.clone());
    }
    a.status()
}

/// 第十五条: the basis must be a law or an administrative regulation.
#[test]
fn art15_basis_must_be_law_or_administrative_regulation() {
    for kind in [
        BasisKind::LocalRegulation,
        BasisKind::RuleOrNormativeDocument,
    ] {
        let err = when::<NegativeListing>(services(), vec![], apply(kind)).unwrap_err();
        assert!(matches!(
            err,
            DomainError::Validation {
                field: "legal_basis",
                ..
            }
        ));
    }
    assert!(
        when::<NegativeListing>(
            services(),
            vec![],
            apply(BasisKind::AdministrativeRegulation)
        )
        .is_ok()
    );
}

/// 第十五条: the government's approval lists the entry (same region and level as the applicant).
#[test]
fn art15_government_approval_lists_the_entry() {
    let given = history::<NegativeListing>(services, vec![apply(BasisKind::Law), review(true)]);
    TestFramework::<NegativeListing>::with(services())
        .given(given)
        .when(decide(true))
        .then_expect_events(vec![
            NegativeListEvent::NegativeListingDecided(NegativeListingDecided {
                phase: ListingPhase::Listing,
                approved: true,
                opinion: "同意".to_owned(),
                by: leader(city_government()),
                at: bj(2026, 4, 10, 9, 0),
            }),
            NegativeListEvent::EntryListed(EntryListed {
                entry: entry(),
                legal_basis: basis(BasisKind::Law),
                region: region("130100"),
                level: Level::City,
                at: bj(2026, 4, 10, 9, 0),
            }),
        ]);
}

/// 第十五条: the order is fixed — no government decision before the authority's review, no filing before
/// listing.
#[test]
fn art15_steps_in_order() {
    let applied = history::<NegativeListing>(services, vec![apply(BasisKind::Law)]);
    assert!(matches!(
        when::<NegativeListing>(services(), applied.clone(), decide(true)).unwrap_err(),
        DomainError::InvalidState { .. }
    ));
    assert!(matches!(
        when::<NegativeListing>(services(), applied, file()).unwrap_err(),
        DomainError::InvalidState { .. }
    ));
}

/// 第十五条: refusal by the authority or by the government ends the application unlisted.
#[test]
fn art15_refusals_leave_the_entry_unlisted() {
    let refused_by_authority =
        history::<NegativeListing>(services, vec![apply(BasisKind::Law), review(false)]);
    assert_eq!(status(&refused_by_authority), ListingStatus::Refused);
    let refused_by_government = history::<NegativeListing>(
        services,
        vec![apply(BasisKind::Law), review(true), decide(false)],
    );
    assert_eq!(status(&refused_by_government), ListingStatus::Refused);
    assert!(
        !refused_by_government
            .iter()
            .any(|e| matches!(e, NegativeListEvent::EntryListed(_)))
    );
}

/// 第十五条: the listing is filed with the upper-level authority (for a city: the provincial authority),
/// once; another body is refused.
#[test]
fn art15_listing_filed_with_upper_level_authority() {
    let listed = history::<NegativeListing>(
        services,
        vec![apply(BasisKind::Law), review(true), decide(true)],
    );
    let wrong = cmd(
        reviewer(city_authority()),
        bj(2026, 4, 13, 9, 0),
        NegativeListCommand::FileNegativeListing(FileNegativeListing {
            upper_authority: UpperAuthority::Registered(baoding_authority()),
        }),
    );
    assert!(matches!(
        when::<NegativeListing>(services(), listed.clone(), wrong).unwrap_err(),
        DomainError::Validation {
            field: "upper_authority",
            ..
        }
    ));
    let national = cmd(
        reviewer(city_authority()),
        bj(2026, 4, 13, 9, 0),
        NegativeListCommand::FileNegativeListing(FileNegativeListing {
            upper_authority: UpperAuthority::National {
                name: "国家数据局".to_owned(),
            },
        }),
    );
    assert!(when::<NegativeListing>(services(), listed.clone(), national).is_err());
    let mut filed = listed;
    filed.extend(history_on::<NegativeListing>(&filed, vec![file()]));
    assert!(
        matches!(filed.last(), Some(NegativeListEvent::NegativeListingFiled(f)) if f.phase == ListingPhase::Listing)
    );
    assert!(matches!(
        when::<NegativeListing>(services(), filed, file()).unwrap_err(),
        DomainError::InvalidState { .. }
    ));
}

/// 第十五条: delisting runs the same path and is recorded and filed likewise.
#[test]
fn art15_delisting_recorded_likewise() {
    let delist = cmd(
        clerk(city_civil_affairs()),
        bj(2027, 3, 1, 9, 0),
        NegativeListCommand::ApplyForDelisting(ApplyForDelisting {
            reason: "资料已脱敏".to_owned(),
        }),
    );
    let events = history::<NegativeListing>(
        services,
        vec![
            apply(BasisKind::Law),
            review(true),
            decide(true),
            file(),
            delist,
            CommandEnvelope {
                at: bj(2027, 3, 3, 9, 0),
                ..review(true)
            },
            CommandEnvelope {
                at: bj(2027, 3, 10, 9, 0),
                ..decide(true)
            },
            CommandEnvelope {
                at: bj(2027, 3, 12, 9, 0),
                ..file()
            },
        ],
    );
    assert_eq!(status(&events), ListingStatus::Delisted);
    assert!(
        events
            .iter()
            .any(|e| matches!(e, NegativeListEvent::EntryDelisted(_)))
    );
    assert!(
        matches!(events.last(), Some(NegativeListEvent::NegativeListingFiled(f)) if f.phase == ListingPhase::Delisting)
    );
}
