//! 第三十四条: data security incidents — immediate measures, informing each affected provider, reporting to
//! 网信, 公安 and the data authority, each a separate fact timed in clock hours by severity (rule-set Decision:
//! 1 hour for 较大 and above, 24 hours for 一般); investigation, resolution, review, closure. 第四十一条: late
//! reports are accepted, recorded late and attributed to the reporting department.

mod common;

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use common::*;
use cqrs_es::DomainEvent;
use cqrs_es::test::TestFramework;
use govshare_domain::incident::{
    AffectedEntry, CloseIncident, IncidentCategory, IncidentCommand, IncidentEvent,
    IncidentReported, IncidentReportedToBody, IncidentStatus, InformProvider, MarkOverdue,
    ProviderInformed, RecordImmediateMeasures, RecordInvestigation, RecordPostIncidentReview,
    ReportIncident, ReportTarget, ReportTargets, ReportToBody, ResolveIncident, ResponsibleParty,
    SecurityIncident, Severity,
};
use govshare_domain::rules::RuleSetRef;
use govshare_domain::{
    CommandEnvelope, DeadlineId, DeadlineMet, DeadlineMissed, DeadlineRule, DeadlineSet,
    DomainError, Obligation, Rule, RuleSet,
};

const DETECTED: (i32, u32, u32, u32, u32) = (2026, 5, 12, 10, 0);

fn detected() -> DateTime<Utc> {
    let (y, m, d, h, min) = DETECTED;
    bj(y, m, d, h, min)
}

fn targets() -> ReportTargets {
    ReportTargets {
        cyberspace: province_cyberspace(),
        public_security: province_public_security(),
        data_authority: province_authority(),
    }
}

fn report_command(severity: Severity) -> ReportIncident {
    ReportIncident {
        detected_at: detected(),
        category: IncidentCategory::Leak,
        severity,
        affected_entries: vec![
            AffectedEntry {
                entry_id: "catalog-130000-public-security-0001".to_owned(),
                provider: code("130000-public-security"),
            },
            AffectedEntry {
                entry_id: "catalog-130000-human-resources-0012".to_owned(),
                provider: code("130000-human-resources"),
            },
            AffectedEntry {
                entry_id: "catalog-130000-health-0003".to_owned(),
                provider: code("130000-health"),
            },
        ],
        affected_grants: vec!["grant-2026-0042".to_owned()],
        personal_information: true,
        description: "医保结算前置库接口被异常批量调用，疑似导出人口与参保信息".to_owned(),
        report_to: targets(),
    }
}

fn report(severity: Severity) -> CommandEnvelope<IncidentCommand> {
    cmd(
        clerk(province_health()),
        bj(2026, 5, 12, 10, 10),
        IncidentCommand::ReportIncident(report_command(severity)),
    )
}

fn reported(severity: Severity) -> Vec<IncidentEvent> {
    history::<SecurityIncident>(services, vec![report(severity)])
}

fn on(
    given: &[IncidentEvent],
    at: DateTime<Utc>,
    body: IncidentCommand,
) -> Result<Vec<IncidentEvent>, DomainError> {
    when::<SecurityIncident>(
        services(),
        given.to_vec(),
        cmd(clerk(province_health()), at, body),
    )
}

fn inform(provider: &str) -> IncidentCommand {
    IncidentCommand::InformProvider(InformProvider {
        provider: code(provider),
        channel: "平台安全通报".to_owned(),
    })
}

fn report_to(target: ReportTarget) -> IncidentCommand {
    IncidentCommand::ReportToBody(ReportToBody {
        target,
        reference: format!("冀卫健安〔2026〕{}号", target.key()),
    })
}

fn hebei() -> RuleSetRef {
    RuleSetRef {
        id: "hebei-2022".to_owned(),
        version: 1,
    }
}

fn hour_deadline(id: &str, what: DeadlineRule, hours: i64) -> DeadlineSet {
    DeadlineSet {
        id: DeadlineId(id.to_owned()),
        obligation: Obligation {
            what,
            owed_by: code("130000-health"),
        },
        from: detected(),
        from_date: date(2026, 5, 12),
        working_days: 0,
        due_date: beijing_date(detected() + chrono::TimeDelta::hours(hours)),
        due_at: detected() + chrono::TimeDelta::hours(hours),
        rule_set: hebei(),
        provisional: false,
    }
}

/// 第三十四条: a 重大 incident records its facts and opens one-hour windows from detection, owed by the
/// reporting department: one per affected provider other than itself, and one each for 网信, 公安 and the
/// data authority.
#[test]
fn art34_major_incident_opens_one_hour_window_per_provider_and_body() {
    let mut expected = vec![IncidentEvent::IncidentReported(IncidentReported {
        reporter: province_health(),
        detected_at: detected(),
        category: IncidentCategory::Leak,
        severity: Severity::Major,
        affected_entries: report_command(Severity::Major).affected_entries,
        affected_grants: vec!["grant-2026-0042".to_owned()],
        personal_information: true,
        description: report_command(Severity::Major).description,
        report_to: targets(),
        providers_to_inform: vec![
            code("130000-human-resources"),
            code("130000-public-security"),
        ],
        report_within_hours: 1,
        rule_set: hebei(),
        by: clerk(province_health()),
        at: bj(2026, 5, 12, 10, 10),
    })];
    for id in [
        "incident_inform_provider:130000-human-resources",
        "incident_inform_provider:130000-public-security",
    ] {
        expected.push(IncidentEvent::DeadlineSet(hour_deadline(
            id,
            DeadlineRule::IncidentInformProvider,
            1,
        )));
    }
    for id in [
        "incident_report:cyberspace",
        "incident_report:public_security",
        "incident_report:data_authority",
    ] {
        expected.push(IncidentEvent::DeadlineSet(hour_deadline(
            id,
            DeadlineRule::IncidentReport,
            1,
        )));
    }
    TestFramework::<SecurityIncident>::with(services())
        .given_no_previous_events()
        .when(report(Severity::Major))
        .then_expect_events(expected);
}

/// 第三十四条 Decision: a 一般 incident is reported within 24 hours; 较大 and 特别重大 within one hour.
#[test]
fn art34_window_depends_on_severity() {
    for (severity, hours) in [
        (Severity::General, 24),
        (Severity::Larger, 1),
        (Severity::Major, 1),
        (Severity::EspeciallyMajor, 1),
    ] {
        let events = reported(severity);
        let IncidentEvent::IncidentReported(r) = &events[0] else {
            panic!("reported first")
        };
        assert_eq!(r.report_within_hours, hours);
        let IncidentEvent::DeadlineSet(d) = events.last().unwrap() else {
            panic!("deadline last")
        };
        assert_eq!(
            d.due_at,
            detected() + chrono::TimeDelta::hours(hours.into())
        );
        assert_eq!(d.working_days, 0);
    }
    // 24 hours from 10:00 on 12 May falls on 13 May (Beijing date of the due instant).
    let events = reported(Severity::General);
    let IncidentEvent::DeadlineSet(d) = events.last().unwrap() else {
        panic!("deadline last")
    };
    assert_eq!(d.due_date, date(2026, 5, 13));
}

/// 第三十四条, 第四十一条 (acceptance): a 重大 incident detected at 10:00 is reported to 网信 at 10:40 and to the
/// data authority at 10:55 (in time), but to 公安 only at 11:10, 70 minutes after detection: that report is
/// accepted, recorded late, and the miss is attributed to the reporting department.
#[test]
fn art34_art41_major_incident_reported_to_public_security_after_70_minutes_is_late() {
    let mut given = reported(Severity::Major);
    for (at, target) in [
        (bj(2026, 5, 12, 10, 40), ReportTarget::Cyberspace),
        (bj(2026, 5, 12, 10, 55), ReportTarget::DataAuthority),
    ] {
        let events = on(&given, at, report_to(target)).unwrap();
        assert_eq!(events.len(), 2, "report and met, no miss");
        let IncidentEvent::IncidentReportedToBody(r) = &events[0] else {
            panic!("report first")
        };
        assert!(!r.late);
        assert_eq!(
            events[1],
            IncidentEvent::DeadlineMet(DeadlineMet {
                id: target.deadline(),
                owed_by: code("130000-health"),
                at,
                due_at: bj(2026, 5, 12, 11, 0),
                late: false,
            })
        );
        given.extend(events);
    }
    let late_at = bj(2026, 5, 12, 11, 10);
    TestFramework::<SecurityIncident>::with(services())
        .given(given)
        .when(cmd(
            clerk(province_health()),
            late_at,
            report_to(ReportTarget::PublicSecurity),
        ))
        .then_expect_events(vec![
            IncidentEvent::IncidentReportedToBody(IncidentReportedToBody {
                target: ReportTarget::PublicSecurity,
                body: province_public_security(),
                reference: "冀卫健安〔2026〕public_security号".to_owned(),
                deadline: DeadlineId("incident_report:public_security".to_owned()),
                late: true,
                by: clerk(province_health()),
                at: late_at,
            }),
            IncidentEvent::DeadlineMet(DeadlineMet {
                id: DeadlineId("incident_report:public_security".to_owned()),
                owed_by: code("130000-health"),
                at: late_at,
                due_at: bj(2026, 5, 12, 11, 0),
                late: true,
            }),
            IncidentEvent::DeadlineMissed(DeadlineMissed {
                id: DeadlineId("incident_report:public_security".to_owned()),
                owed_by: code("130000-health"),
                due_at: bj(2026, 5, 12, 11, 0),
                marked_at: late_at,
            }),
        ]);
}

/// 第三十四条: each affected provider is informed separately; a department that provides no affected entry,
/// or one already informed, is refused.
#[test]
fn art34_each_provider_is_informed_separately() {
    let given = reported(Severity::Major);
    let events = on(
        &given,
        bj(2026, 5, 12, 10, 30),
        inform("130000-public-security"),
    )
    .unwrap();
    assert_eq!(
        events[0],
        IncidentEvent::ProviderInformed(ProviderInformed {
            provider: code("130000-public-security"),
            channel: "平台安全通报".to_owned(),
            deadline: DeadlineId("incident_inform_provider:130000-public-security".to_owned()),
            late: false,
            by: clerk(province_health()),
            at: bj(2026, 5, 12, 10, 30),
        })
    );
    let mut after = given.clone();
    after.extend(events);
    let err = on(
        &after,
        bj(2026, 5, 12, 10, 35),
        inform("130000-public-security"),
    )
    .unwrap_err();
    assert!(matches!(err, DomainError::InvalidState { .. }));
    let err = on(&after, bj(2026, 5, 12, 10, 35), inform("130000-statistics")).unwrap_err();
    assert!(matches!(
        err,
        DomainError::Validation {
            field: "provider",
            ..
        }
    ));
    let err = on(
        &after,
        bj(2026, 5, 12, 10, 36),
        report_to(ReportTarget::Cyberspace),
    )
    .and_then(|e| {
        let mut again = after.clone();
        again.extend(e);
        on(
            &again,
            bj(2026, 5, 12, 10, 37),
            report_to(ReportTarget::Cyberspace),
        )
    })
    .unwrap_err();
    assert!(matches!(err, DomainError::InvalidState { .. }));
}

/// 第三十四条: the bodies reported to must be a cyberspace administration and a public security organ over the
/// reporter, and its same-level data authority; an incident cannot be dated after it is reported.
#[test]
fn art34_report_targets_must_be_competent() {
    let mut wrong = report_command(Severity::Major);
    wrong.report_to.public_security = province_market();
    let err = when::<SecurityIncident>(
        services(),
        vec![],
        cmd(
            clerk(province_health()),
            bj(2026, 5, 12, 10, 10),
            IncidentCommand::ReportIncident(wrong),
        ),
    )
    .unwrap_err();
    assert!(matches!(
        err,
        DomainError::Validation {
            field: "report_to.public_security",
            ..
        }
    ));
    let mut wrong = report_command(Severity::Major);
    wrong.report_to.data_authority = city_authority();
    let err = when::<SecurityIncident>(
        services(),
        vec![],
        cmd(
            clerk(province_health()),
            bj(2026, 5, 12, 10, 10),
            IncidentCommand::ReportIncident(wrong),
        ),
    )
    .unwrap_err();
    assert!(matches!(
        err,
        DomainError::Validation {
            field: "report_to.data_authority",
            ..
        }
    ));
    let mut future = report_command(Severity::Major);
    future.detected_at = bj(2026, 5, 12, 11, 0);
    let err = when::<SecurityIncident>(
        services(),
        vec![],
        cmd(
            clerk(province_health()),
            bj(2026, 5, 12, 10, 10),
            IncidentCommand::ReportIncident(future),
        ),
    )
    .unwrap_err();
    assert!(matches!(
        err,
        DomainError::Validation {
            field: "detected_at",
            ..
        }
    ));
}

/// 第四十一条: the scheduler records a passed window (refused before the due instant, idempotent); the
/// later report is still accepted, recorded late, with no second miss.
#[test]
fn art41_mark_overdue_on_a_reporting_window() {
    let given = reported(Severity::Major);
    let mark = |at| {
        cmd(
            scheduler(),
            at,
            IncidentCommand::MarkOverdue(MarkOverdue {
                deadline: ReportTarget::PublicSecurity.deadline(),
            }),
        )
    };
    let err = when::<SecurityIncident>(services(), given.clone(), mark(bj(2026, 5, 12, 11, 0)))
        .unwrap_err();
    assert!(matches!(err, DomainError::NotYetDue { .. }));
    let missed =
        when::<SecurityIncident>(services(), given.clone(), mark(bj(2026, 5, 12, 11, 1))).unwrap();
    assert_eq!(
        missed,
        vec![IncidentEvent::DeadlineMissed(DeadlineMissed {
            id: ReportTarget::PublicSecurity.deadline(),
            owed_by: code("130000-health"),
            due_at: bj(2026, 5, 12, 11, 0),
            marked_at: bj(2026, 5, 12, 11, 1),
        })]
    );
    let mut after = given;
    after.extend(missed);
    assert!(
        when::<SecurityIncident>(services(), after.clone(), mark(bj(2026, 5, 12, 11, 2)))
            .unwrap()
            .is_empty()
    );
    let late = on(
        &after,
        bj(2026, 5, 12, 13, 0),
        report_to(ReportTarget::PublicSecurity),
    )
    .unwrap();
    assert_eq!(late.len(), 2);
    assert!(matches!(&late[1], IncidentEvent::DeadlineMet(m) if m.late));
}

fn full_handling() -> Vec<IncidentEvent> {
    let mut events = reported(Severity::Larger);
    let steps = vec![
        (
            bj(2026, 5, 12, 10, 15),
            IncidentCommand::RecordImmediateMeasures(RecordImmediateMeasures {
                measures: "关闭前置库接口，吊销相关调用凭证".to_owned(),
                taken_at: bj(2026, 5, 12, 10, 5),
            }),
        ),
        (bj(2026, 5, 12, 10, 20), inform("130000-public-security")),
        (bj(2026, 5, 12, 10, 21), inform("130000-human-resources")),
        (bj(2026, 5, 12, 10, 30), report_to(ReportTarget::Cyberspace)),
        (
            bj(2026, 5, 12, 10, 31),
            report_to(ReportTarget::PublicSecurity),
        ),
        (
            bj(2026, 5, 12, 10, 32),
            report_to(ReportTarget::DataAuthority),
        ),
        (
            bj(2026, 5, 14, 16, 0),
            IncidentCommand::RecordInvestigation(RecordInvestigation {
                findings: "运维外包人员违规导出数据".to_owned(),
                leak_confirmed: true,
                responsible: ResponsibleParty::ThirdParty {
                    contractor: code("130000-ps-contractor"),
                    engagement_id: Some("engagement-2026-007".to_owned()),
                },
            }),
        ),
        (
            bj(2026, 5, 15, 9, 0),
            IncidentCommand::ResolveIncident(ResolveIncident {
                resolution: "数据已追回，漏洞已修复".to_owned(),
            }),
        ),
        (
            bj(2026, 5, 20, 9, 0),
            IncidentCommand::RecordPostIncidentReview(RecordPostIncidentReview {
                conclusions: "接口增加批量调用阈值告警".to_owned(),
            }),
        ),
    ];
    for (at, body) in steps {
        let new = on(&events, at, body).expect("step succeeds");
        events.extend(new);
    }
    events
}

/// 第三十四条: measures, informs, reports, investigation (recording a confirmed leak by a third party),
/// resolution, review, closure; closing is refused while an inform or report is outstanding.
#[test]
fn art34_full_handling_and_closure() {
    let events = full_handling();
    let closed = on(
        &events,
        bj(2026, 5, 20, 10, 0),
        IncidentCommand::CloseIncident(CloseIncident {}),
    )
    .unwrap();
    assert!(matches!(&closed[0], IncidentEvent::IncidentClosed(c) if c.late_reports == 0));
    let mut all = events.clone();
    all.extend(closed);
    let mut incident = SecurityIncident::default();
    for e in all.clone() {
        cqrs_es::Aggregate::apply(&mut incident, e);
    }
    assert_eq!(incident.status(), IncidentStatus::Closed);
    let err = on(
        &all,
        bj(2026, 5, 21, 9, 0),
        inform("130000-public-security"),
    )
    .unwrap_err();
    assert!(matches!(err, DomainError::InvalidState { .. }));

    // Without the report to the data authority, the same history cannot close.
    let without: Vec<IncidentEvent> = events
        .into_iter()
        .filter(|e| {
            !matches!(e, IncidentEvent::IncidentReportedToBody(r) if r.target == ReportTarget::DataAuthority)
                && !matches!(e, IncidentEvent::DeadlineMet(m) if m.id == ReportTarget::DataAuthority.deadline())
        })
        .collect();
    let err = on(
        &without,
        bj(2026, 5, 20, 10, 0),
        IncidentCommand::CloseIncident(CloseIncident {}),
    )
    .unwrap_err();
    assert!(matches!(
        err,
        DomainError::InvalidState {
            action: "close",
            ..
        }
    ));
}

/// 第三十四条: the steps follow in order — no resolution before the investigation, no closure before review.
#[test]
fn art34_steps_follow_in_order() {
    let given = reported(Severity::General);
    let err = on(
        &given,
        bj(2026, 5, 13, 9, 0),
        IncidentCommand::ResolveIncident(ResolveIncident {
            resolution: "x".to_owned(),
        }),
    )
    .unwrap_err();
    assert!(matches!(err, DomainError::InvalidState { .. }));
    let err = on(
        &given,
        bj(2026, 5, 13, 9, 0),
        IncidentCommand::CloseIncident(CloseIncident {}),
    )
    .unwrap_err();
    assert!(matches!(err, DomainError::InvalidState { .. }));
    let err = on(&[], bj(2026, 5, 13, 9, 0), inform("130000-public-security")).unwrap_err();
    assert!(matches!(err, DomainError::InvalidState { .. }));
}

/// 第三十四条 Decision: the reporting windows are rule-set values; a jurisdiction's file may set them.
#[test]
fn art34_windows_come_from_the_rule_set() {
    let rules = RuleSet::from_json(
        r#"{"id": "elsewhere", "version": 3, "options": {"incident_report_hours": {"general": 12, "major": 2}}}"#,
    )
    .unwrap();
    assert_eq!(
        rules.options.incident_report_hours.larger, 1,
        "unstated values take the defaults"
    );
    let events = TestFramework::<SecurityIncident>::with(services_with(rules))
        .given_no_previous_events()
        .when(report(Severity::Major))
        .inspect_result()
        .unwrap();
    let IncidentEvent::IncidentReported(r) = &events[0] else {
        panic!("reported first")
    };
    assert_eq!(r.report_within_hours, 2);
    assert_eq!(
        r.rule_set,
        RuleSetRef {
            id: "elsewhere".to_owned(),
            version: 3
        }
    );
    assert!(
        RuleSet::from_json(
            r#"{"id": "x", "version": 1, "options": {"incident_report_hours": {"general": 0}}}"#
        )
        .is_err()
    );
    let hebei = RuleSet::hebei_2022().options.incident_report_hours;
    assert_eq!(
        (
            hebei.general,
            hebei.larger,
            hebei.major,
            hebei.especially_major
        ),
        (24, 1, 1, 1)
    );
}

/// AUTH-03, AUTH-01, AUTH-02 (第三十四条): only the reporting department handles its incident; the scheduler
/// only marks windows overdue, and nobody else may.
#[test]
fn art34_authorization_denied_paths() {
    let given = reported(Severity::Major);
    let denied = |actor, body| match when::<SecurityIncident>(
        services(),
        given.clone(),
        cmd(actor, bj(2026, 5, 12, 10, 30), body),
    ) {
        Err(DomainError::Forbidden(f)) => f.rule,
        other => panic!("expected a refusal, got {other:?}"),
    };
    assert_eq!(
        denied(
            clerk(province_market()),
            report_to(ReportTarget::Cyberspace)
        ),
        Rule::OwnDepartment
    );
    assert_eq!(
        denied(
            clerk(contractor_of_public_security()),
            inform("130000-public-security")
        ),
        Rule::OwnDepartment
    );
    assert_eq!(
        denied(scheduler(), report_to(ReportTarget::Cyberspace)),
        Rule::SchedulerOnlyMarksOverdue
    );
    let mark = IncidentCommand::MarkOverdue(MarkOverdue {
        deadline: ReportTarget::Cyberspace.deadline(),
    });
    assert_eq!(
        denied(leader(province_authority()), mark),
        Rule::OverdueByScheduler
    );
    let err = when::<SecurityIncident>(
        services(),
        vec![],
        cmd(
            clerk(contractor_of_public_security()),
            bj(2026, 5, 12, 10, 10),
            IncidentCommand::ReportIncident(report_command(Severity::Major)),
        ),
    )
    .unwrap_err();
    assert!(matches!(err, DomainError::Forbidden(f) if f.rule == Rule::OwnDepartment));
}

fn golden<E: DomainEvent + serde::Serialize + serde::de::DeserializeOwned>(
    name: &str,
    event: E,
    event_type: &str,
) {
    assert_eq!(event.event_type(), event_type);
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(format!("{name}.json"));
    let text = serde_json::to_string_pretty(&event).expect("serializes") + "\n";
    if std::env::var_os("GOLDEN_UPDATE").is_some() {
        std::fs::write(&path, &text).expect("writes golden file");
    }
    let stored = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("missing {}; run with GOLDEN_UPDATE=1", path.display()));
    assert_eq!(text, stored, "serialized form of {name} changed");
    assert_eq!(
        serde_json::from_str::<E>(&stored).expect("deserializes"),
        event
    );
}

/// Golden file: the late report to 公安 is part of the legal record.
#[test]
fn golden_incident_reported_to_body() {
    golden(
        "incident_reported_to_body",
        IncidentEvent::IncidentReportedToBody(IncidentReportedToBody {
            target: ReportTarget::PublicSecurity,
            body: province_public_security(),
            reference: "冀卫健安〔2026〕17号".to_owned(),
            deadline: ReportTarget::PublicSecurity.deadline(),
            late: true,
            by: clerk(province_health()),
            at: bj(2026, 5, 12, 11, 10),
        }),
        "IncidentReportedToBody",
    );
}

/// 第三十四条: immediate measures answer the incident, so they cannot be dated before its detection; measures
/// at the instant of detection are accepted.
#[test]
fn art34_measures_dated_before_detection_are_refused() {
    let given = reported(Severity::Major);
    let measures = |taken_at| {
        IncidentCommand::RecordImmediateMeasures(RecordImmediateMeasures {
            measures: "封禁异常调用账号, 关闭前置库外网访问".to_owned(),
            taken_at,
        })
    };
    let err = on(
        &given,
        bj(2026, 5, 12, 10, 30),
        measures(detected() - chrono::Duration::minutes(5)),
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            DomainError::Validation {
                field: "taken_at",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.article(), Some("第三十四条"));
    let events = on(&given, bj(2026, 5, 12, 10, 30), measures(detected())).unwrap();
    assert!(matches!(
        &events[..],
        [IncidentEvent::ImmediateMeasuresRecorded(m)] if m.taken_at == detected()
    ));
}

/// 第三十四条: the reporting windows are clock hours; a rule set's working-day reminders never apply to them,
/// even where every working-day deadline is reminded of.
#[test]
fn art34_reporting_windows_take_no_working_day_reminder() {
    let rules = RuleSet::from_json(
        r#"{"id": "hebei-2022-reminders", "version": 1, "reminders": {"working_days_before": 1}}"#,
    )
    .unwrap();
    let err = when::<SecurityIncident>(
        services_with(rules),
        reported(Severity::General),
        cmd(
            scheduler(),
            bj(2026, 5, 12, 11, 0),
            IncidentCommand::RemindDeadline(govshare_domain::RemindDeadline {
                deadline: ReportTarget::PublicSecurity.deadline(),
            }),
        ),
    )
    .unwrap_err();
    assert_eq!(
        err,
        DomainError::NoReminderConfigured {
            deadline: ReportTarget::PublicSecurity.deadline(),
        }
    );
}
