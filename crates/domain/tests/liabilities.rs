//! Chapter 7 (第四十至四十三条): every listed failure maps to facts the domain records; the mapping is code
//! (`govshare_domain::liability`) and `docs/regulation-map.md`, and they agree.

mod common;

use std::collections::HashMap;

use common::*;
use cqrs_es::DomainEvent;
use govshare_domain::incident::{
    AffectedEntry, IncidentCategory, IncidentCommand, IncidentEvent, RecordInvestigation,
    ReportIncident, ReportTarget, ReportTargets, ReportToBody, ResponsibleParty, SecurityIncident,
    Severity,
};
use govshare_domain::liability::{
    EVIDENCE, LiabilityItem, evidence_for, items_proven_by, items_proven_by_missed,
};
use govshare_domain::supervision::{
    OrderRectification, RecordInspection, RejectRectification, ReportRectification, Supervision,
    SupervisionCommand, SupervisionEvent,
};
use govshare_domain::{DeadlineId, DeadlineRule};

/// The event-type names of every aggregate, as their `DomainEvent` impls write them.
const EVENT_SOURCES: [&str; 13] = [
    include_str!("../src/organization/event.rs"),
    include_str!("../src/catalog/event.rs"),
    include_str!("../src/negative_list/event.rs"),
    include_str!("../src/published_catalog/event.rs"),
    include_str!("../src/collection_list/event.rs"),
    include_str!("../src/share_application/event.rs"),
    include_str!("../src/grant/event.rs"),
    include_str!("../src/verification/event.rs"),
    include_str!("../src/incident/event.rs"),
    include_str!("../src/third_party/event.rs"),
    include_str!("../src/supervision/event.rs"),
    include_str!("../src/city_platform/event.rs"),
    include_str!("../src/authorized_operation/event.rs"),
];

/// 第四十至四十三条: every item has at least one recorded fact that proves or refutes it.
#[test]
fn art41_every_item_has_evidence() {
    for item in LiabilityItem::ALL {
        assert!(
            evidence_for(item).next().is_some(),
            "{item:?} ({}) has no evidence",
            item.citation()
        );
    }
}

/// The evidence names only event types some aggregate really records.
#[test]
fn art41_evidence_names_recorded_event_types() {
    for e in EVIDENCE {
        let needle = format!("=> \"{}\"", e.event_type);
        assert!(
            EVENT_SOURCES.iter().any(|s| s.contains(&needle)),
            "{} is not an event type of any aggregate",
            e.event_type
        );
        assert_eq!(
            e.missed.is_some(),
            e.event_type == "DeadlineMissed",
            "{e:?}"
        );
    }
}

/// 第四十一条: the facts named by the issue map to their items — a missed share deadline, a grant-use
/// violation, a false-data finding from verification, a refused rectification, a leak in an incident.
#[test]
fn art41_named_facts_map_to_their_items() {
    assert_eq!(
        items_proven_by_missed(DeadlineRule::ShareProviderReply),
        vec![LiabilityItem::ShareNotServed]
    );
    assert_eq!(
        items_proven_by_missed(DeadlineRule::CatalogUpdate),
        vec![LiabilityItem::CatalogNotMaintained]
    );
    assert_eq!(
        items_proven_by_missed(DeadlineRule::CatalogReview),
        vec![LiabilityItem::AuthorityNeglect]
    );
    assert_eq!(
        items_proven_by_missed(DeadlineRule::Rectification),
        vec![LiabilityItem::RefusedRectification]
    );
    assert_eq!(
        items_proven_by_missed(DeadlineRule::IncidentReport),
        vec![LiabilityItem::OtherBreach]
    );
    assert!(
        items_proven_by_missed(DeadlineRule::CatalogUpdateExtension).is_empty(),
        "a length, not an obligation"
    );
    assert_eq!(
        items_proven_by("GrantViolationRecorded"),
        vec![
            LiabilityItem::MisuseOfSharedData,
            LiabilityItem::LossOfControl
        ]
    );
    assert_eq!(
        items_proven_by("VerificationAnswered"),
        vec![LiabilityItem::FalseOrUnusableData]
    );
    assert_eq!(
        items_proven_by("RectificationRejected"),
        vec![LiabilityItem::RefusedRectification]
    );
    assert_eq!(
        items_proven_by("IncidentInvestigated"),
        vec![
            LiabilityItem::LossOfControl,
            LiabilityItem::StaffLeak,
            LiabilityItem::ThirdPartyLeak
        ]
    );
    assert_eq!(
        items_proven_by("ThirdPartyViolationRecorded"),
        vec![
            LiabilityItem::MisuseOfSharedData,
            LiabilityItem::LossOfControl,
            LiabilityItem::ThirdPartyLeak
        ]
    );
    assert!(
        items_proven_by("DeadlineMissed").is_empty(),
        "a miss proves an item through its obligation"
    );
    assert!(items_proven_by("CatalogEntryDrafted").is_empty());
}

/// Every (item, event) row of the code appears in `docs/regulation-map.md`'s chapter-7 table.
#[test]
fn art41_regulation_map_lists_the_evidence() {
    let doc = include_str!("../../../docs/regulation-map.md");
    let section = doc
        .split("## Chapter 7")
        .nth(1)
        .expect("docs/regulation-map.md has a `## Chapter 7` section");
    for item in LiabilityItem::ALL {
        let row = section
            .lines()
            .find(|l| l.starts_with(&format!("| {} ", item.citation())))
            .unwrap_or_else(|| panic!("no row for {}", item.citation()));
        for e in evidence_for(item) {
            let name = match e.missed {
                Some(rule) => format!("`DeadlineMissed` ({})", rule.key()),
                None => format!("`{}`", e.event_type),
            };
            assert!(
                row.contains(&name),
                "row {} does not name {name}",
                item.citation()
            );
        }
    }
}

fn items_of<E: DomainEvent>(
    events: &[E],
    missed_rule: impl Fn(&E) -> Option<DeadlineRule>,
) -> Vec<LiabilityItem> {
    let mut items: Vec<LiabilityItem> = events
        .iter()
        .flat_map(|e| match missed_rule(e) {
            Some(rule) => items_proven_by_missed(rule),
            None => items_proven_by(&e.event_type()),
        })
        .collect();
    items.sort();
    items.dedup();
    items
}

/// An auditor reading real histories: a 重大 incident reported late to 公安, with a leak by a contractor, proves
/// 第四十一条第(六)(八)项 and 第四十三条; a rejected rectification proves 第四十一条第(七)项.
#[test]
fn art41_art43_items_read_from_recorded_histories() {
    let mut incident = history::<SecurityIncident>(
        services,
        vec![cmd(
            clerk(province_health()),
            bj(2026, 5, 12, 10, 10),
            IncidentCommand::ReportIncident(ReportIncident {
                detected_at: bj(2026, 5, 12, 10, 0),
                category: IncidentCategory::Leak,
                severity: Severity::Major,
                affected_entries: vec![AffectedEntry {
                    entry_id: "catalog-130000-public-security-0001".to_owned(),
                    provider: code("130000-public-security"),
                }],
                affected_grants: vec![],
                personal_information: true,
                description: "外包运维人员导出人口信息".to_owned(),
                report_to: ReportTargets {
                    cyberspace: province_cyberspace(),
                    public_security: province_public_security(),
                    data_authority: province_authority(),
                },
            }),
        )],
    );
    incident.extend(history_on::<SecurityIncident>(
        &incident,
        vec![
            cmd(
                clerk(province_health()),
                bj(2026, 5, 12, 11, 10),
                IncidentCommand::ReportToBody(ReportToBody {
                    target: ReportTarget::PublicSecurity,
                    reference: "17".to_owned(),
                }),
            ),
            cmd(
                clerk(province_health()),
                bj(2026, 5, 14, 9, 0),
                IncidentCommand::RecordInvestigation(RecordInvestigation {
                    findings: "外包人员违规导出".to_owned(),
                    leak_confirmed: true,
                    responsible: ResponsibleParty::ThirdParty {
                        contractor: code("130000-ps-contractor"),
                        engagement_id: None,
                    },
                }),
            ),
        ],
    ));
    // A miss names its deadline; the obligation missed is on the DeadlineSet fact with the same id.
    let owed: HashMap<DeadlineId, DeadlineRule> = incident
        .iter()
        .filter_map(|e| match e {
            IncidentEvent::DeadlineSet(s) => Some((s.id.clone(), s.obligation.what)),
            _ => None,
        })
        .collect();
    let items = items_of(&incident, |e| match e {
        IncidentEvent::DeadlineMissed(m) => owed.get(&m.id).copied(),
        _ => None,
    });
    for expected in [
        LiabilityItem::LossOfControl,
        LiabilityItem::OtherBreach,
        LiabilityItem::ThirdPartyLeak,
    ] {
        assert!(
            items.contains(&expected),
            "{expected:?} not proven by {items:?}"
        );
    }

    let supervision = history::<Supervision>(
        services,
        vec![
            cmd(
                reviewer(city_authority()),
                bj(2026, 5, 29, 16, 0),
                SupervisionCommand::RecordInspection(RecordInspection {
                    inspected: city_civil_affairs(),
                    inspected_on: date(2026, 5, 28),
                    findings: vec!["目录逾期未更新".to_owned()],
                }),
            ),
            cmd(
                leader(city_authority()),
                bj(2026, 6, 1, 10, 0),
                SupervisionCommand::OrderRectification(OrderRectification {
                    requirements: "更新目录".to_owned(),
                    working_days: None,
                }),
            ),
            cmd(
                clerk(city_civil_affairs()),
                bj(2026, 6, 29, 10, 0),
                SupervisionCommand::ReportRectification(ReportRectification {
                    measures: "已更新".to_owned(),
                }),
            ),
            cmd(
                reviewer(city_authority()),
                bj(2026, 7, 6, 10, 0),
                SupervisionCommand::RejectRectification(RejectRectification {
                    reasons: "未更新信息项".to_owned(),
                }),
            ),
        ],
    );
    let items = items_of(&supervision, |e| match e {
        SupervisionEvent::DeadlineMissed(_) => Some(DeadlineRule::Rectification),
        _ => None,
    });
    assert_eq!(items, vec![LiabilityItem::RefusedRectification]);
}
