//! Property tests of the accountability facts (第二十二、三十四、三十七、三十九、四十一条): whatever the instants,
//! delays, windows and scopes, every report, inform and use is recorded; a late act is recorded late and
//! paired with exactly one missed fact owed by the department that owed it; a use outside its grant or
//! engagement is a violation fact attributed to the answerable department, and a use within never is; public
//! criticism needs a recorded ground.

mod common;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use common::*;
use govshare_domain::catalog::ShareMode;
use govshare_domain::grant::{
    Grant, GrantCommand, GrantEvent, GrantedEntry, IssueGrant, ProvisionFacts, RecordGrantUse,
    RevokeGrant, UseViolation,
};
use govshare_domain::incident::{
    AffectedEntry, IncidentCategory, IncidentCommand, IncidentEvent, InformProvider,
    ReportIncident, ReportTarget, ReportTargets, ReportToBody, SecurityIncident, Severity,
};
use govshare_domain::organization::ResponsibleOffice;
use govshare_domain::supervision::{
    AcceptRectification, CriticismGround, IssuePublicCriticism, MarkOverdue, OrderRectification,
    RecordInspection, RejectRectification, ReportRectification, Supervision, SupervisionCommand,
    SupervisionEvent,
};
use govshare_domain::third_party::{
    EndEngagement, EngageThirdParty, EngagementTerm, RecordContractorUse, RecordPriorReview,
    ThirdPartyCommand, ThirdPartyEngagement, ThirdPartyEvent,
};
use govshare_domain::{DeadlineRule, DeadlineSet, DepartmentCode, DomainError, RuleSet};
use govshare_workdays::{Calendar, Coverage};
use proptest::prelude::*;

/// Minutes in 48 hours: the longest report or inform delay drawn (第三十四条).
const MAX_DELAY_MINUTES: i64 = 48 * 60;

/// A delay in minutes: anywhere in 0..=48h, or within a minute of `window` hours (the boundary).
#[derive(Debug, Clone, Copy)]
enum Delay {
    Any(i64),
    NearWindow(i64),
}

impl Delay {
    fn minutes(self, window_hours: u32) -> i64 {
        match self {
            Delay::Any(m) => m,
            Delay::NearWindow(jitter) => {
                (i64::from(window_hours) * 60 + jitter).clamp(0, MAX_DELAY_MINUTES)
            }
        }
    }
}

fn arb_delay() -> impl Strategy<Value = Delay> {
    prop_oneof![
        3 => (0..=MAX_DELAY_MINUTES).prop_map(Delay::Any),
        1 => (-1i64..=1).prop_map(Delay::NearWindow),
    ]
}

fn arb_severity() -> impl Strategy<Value = Severity> {
    prop_oneof![
        Just(Severity::General),
        Just(Severity::Larger),
        Just(Severity::Major),
        Just(Severity::EspeciallyMajor),
    ]
}

/// The `hebei-2022` windows, or random windows of 1..=48 hours per severity.
fn arb_windows() -> impl Strategy<Value = Option<[u32; 4]>> {
    prop_oneof![
        Just(None),
        [1u32..=48, 1u32..=48, 1u32..=48, 1u32..=48].prop_map(Some)
    ]
}

fn window_of(rules: &RuleSet, severity: Severity) -> u32 {
    let h = &rules.options.incident_report_hours;
    match severity {
        Severity::General => h.general,
        Severity::Larger => h.larger,
        Severity::Major => h.major,
        Severity::EspeciallyMajor => h.especially_major,
    }
}

/// An instant some minutes after 1 January 2026 00:00 Beijing time.
fn after_2026(minutes: i64) -> DateTime<Utc> {
    bj(2026, 1, 1, 0, 0) + Duration::minutes(minutes)
}

/// An act of the reporting department after an incident (第三十四条).
#[derive(Debug, Clone)]
enum IncidentAct {
    Report(ReportTarget),
    Inform(DepartmentCode),
}

/// The providers that may be affected; the reporter (卫健委) itself is among them and is never informed.
fn possible_providers() -> [DepartmentCode; 4] {
    [
        code("130000-public-security"),
        code("130000-human-resources"),
        code("130000-market-regulation"),
        code("130000-health"),
    ]
}

fn run_incident(
    services: &govshare_domain::DomainServices,
    given: &[IncidentEvent],
    at: DateTime<Utc>,
    body: IncidentCommand,
) -> Result<Vec<IncidentEvent>, DomainError> {
    when::<SecurityIncident>(
        services.clone(),
        given.to_vec(),
        cmd(clerk(province_health()), at, body),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// 第三十四条/第四十一条: whatever the severity, the rule set's windows, the detection instant and the
    /// delays and order of the reports to 网信, 公安 and the data authority and the informs of each affected
    /// provider, every report and inform is recorded; it is late exactly when its delay from detection exceeds
    /// the window for the severity; every late one is paired with exactly one missed fact owed by the
    /// reporting department, an on-time one with none.
    #[test]
    fn art34_41_incident_reports_late_exactly_after_the_window(
        severity in arb_severity(),
        windows in arb_windows(),
        detected_minutes in 0i64..(2 * 365 * 24 * 60),
        affected in proptest::collection::vec(any::<bool>(), 4),
        delays in proptest::collection::vec(arb_delay(), 7),
        order in Just((0usize..7).collect::<Vec<_>>()).prop_shuffle(),
    ) {
        let mut rules = RuleSet::hebei_2022();
        if let Some([general, larger, major, especially_major]) = windows {
            let h = &mut rules.options.incident_report_hours;
            h.general = general;
            h.larger = larger;
            h.major = major;
            h.especially_major = especially_major;
        }
        let window = window_of(&rules, severity);
        let services = services_with(rules);
        let detected = after_2026(detected_minutes);
        let providers = possible_providers();
        let affected_entries: Vec<AffectedEntry> = providers
            .iter()
            .zip(&affected)
            .filter(|(_, a)| **a)
            .enumerate()
            .map(|(i, (p, _))| AffectedEntry { entry_id: format!("catalog-{p}-{i:04}"), provider: p.clone() })
            .collect();
        // Each affected provider other than the reporter, once, in code order.
        let to_inform: Vec<DepartmentCode> = affected_entries
            .iter()
            .map(|e| e.provider.clone())
            .filter(|p| *p != code("130000-health"))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let mut events = run_incident(
            &services,
            &[],
            detected,
            IncidentCommand::ReportIncident(ReportIncident {
                detected_at: detected,
                category: IncidentCategory::Leak,
                severity,
                affected_entries,
                affected_grants: vec![],
                personal_information: true,
                description: "接口被异常批量调用".to_owned(),
                report_to: ReportTargets {
                    cyberspace: province_cyberspace(),
                    public_security: province_public_security(),
                    data_authority: province_authority(),
                },
            }),
        )
        .expect("the incident is reported");
        match &events[0] {
            IncidentEvent::IncidentReported(r) => {
                prop_assert_eq!(r.report_within_hours, window);
                prop_assert_eq!(&r.providers_to_inform, &to_inform);
            }
            other => prop_assert!(false, "unexpected {other:?}"),
        }
        let sets = events.iter().filter(|e| matches!(e, IncidentEvent::DeadlineSet(_))).count();
        prop_assert_eq!(sets, 3 + to_inform.len());

        // Acts 0..3 are the bodies, 3..7 the providers (skipped when not to be informed).
        let acts: Vec<IncidentAct> = ReportTarget::ALL
            .into_iter()
            .map(IncidentAct::Report)
            .chain(providers.iter().cloned().map(IncidentAct::Inform))
            .collect();
        let due_at = detected + Duration::hours(i64::from(window));
        let mut expected_late = 0usize;
        // The record is chronological: acts are recorded in the order of their instants (the shuffled order
        // decides only between acts at the same instant).
        let mut order = order;
        order.sort_by_key(|&i| delays[i].minutes(window));
        for i in order {
            let act = &acts[i];
            if let IncidentAct::Inform(p) = act && !to_inform.contains(p) {
                continue;
            }
            let delay = delays[i].minutes(window);
            let at = detected + Duration::minutes(delay);
            let late = delay > i64::from(window) * 60;
            prop_assert_eq!(late, at > due_at);
            expected_late += usize::from(late);
            let body = match act {
                IncidentAct::Report(target) => IncidentCommand::ReportToBody(ReportToBody {
                    target: *target,
                    reference: format!("冀卫健安〔2026〕{}号", target.key()),
                }),
                IncidentAct::Inform(provider) => IncidentCommand::InformProvider(InformProvider {
                    provider: provider.clone(),
                    channel: "平台安全通报".to_owned(),
                }),
            };
            let new = run_incident(&services, &events, at, body).expect("a late act is still accepted");
            let (deadline, recorded_late) = match (&new[0], act) {
                (IncidentEvent::IncidentReportedToBody(r), IncidentAct::Report(target)) => {
                    prop_assert_eq!(r.target, *target);
                    (r.deadline.clone(), r.late)
                }
                (IncidentEvent::ProviderInformed(r), IncidentAct::Inform(provider)) => {
                    prop_assert_eq!(&r.provider, provider);
                    (r.deadline.clone(), r.late)
                }
                (other, _) => {
                    prop_assert!(false, "unexpected {other:?} for {act:?}");
                    unreachable!()
                }
            };
            prop_assert_eq!(recorded_late, late, "delay {} min, window {} h", delay, window);
            let met: Vec<_> = new.iter().filter_map(|e| match e { IncidentEvent::DeadlineMet(m) => Some(m), _ => None }).collect();
            let missed: Vec<_> = new.iter().filter_map(|e| match e { IncidentEvent::DeadlineMissed(m) => Some(m), _ => None }).collect();
            prop_assert_eq!(met.len(), 1);
            prop_assert_eq!(&met[0].id, &deadline);
            prop_assert_eq!(met[0].late, late);
            prop_assert_eq!(met[0].due_at, due_at);
            prop_assert_eq!(missed.len(), usize::from(late));
            if let Some(m) = missed.first() {
                prop_assert_eq!(&m.id, &deadline);
                prop_assert_eq!(&m.owed_by, &code("130000-health"));
                prop_assert_eq!(m.due_at, due_at);
            }
            prop_assert_eq!(new.len(), 2 + usize::from(late));
            events.extend(new);
        }
        let recorded = events.iter().filter(|e| matches!(e, IncidentEvent::IncidentReportedToBody(_) | IncidentEvent::ProviderInformed(_))).count();
        prop_assert_eq!(recorded, 3 + to_inform.len());
        let missed = events.iter().filter(|e| matches!(e, IncidentEvent::DeadlineMissed(_))).count();
        prop_assert_eq!(missed, expected_late);
    }
}

// ---------------------------------------------------------------------------------------------------------
// 第三十九条: rectification.

fn inspect_at(at: DateTime<Utc>) -> govshare_domain::CommandEnvelope<SupervisionCommand> {
    cmd(
        reviewer(city_authority()),
        at,
        SupervisionCommand::RecordInspection(RecordInspection {
            inspected: city_civil_affairs(),
            inspected_on: beijing_date(at),
            findings: vec!["低保对象信息目录逾期未更新".to_owned()],
        }),
    )
}

fn order_at(
    at: DateTime<Utc>,
    working_days: Option<u32>,
) -> govshare_domain::CommandEnvelope<SupervisionCommand> {
    cmd(
        leader(city_authority()),
        at,
        SupervisionCommand::OrderRectification(OrderRectification {
            requirements: "完成目录更新".to_owned(),
            working_days,
        }),
    )
}

fn report_rectification_at(
    at: DateTime<Utc>,
) -> govshare_domain::CommandEnvelope<SupervisionCommand> {
    cmd(
        clerk(city_civil_affairs()),
        at,
        SupervisionCommand::ReportRectification(ReportRectification {
            measures: "已更新目录".to_owned(),
        }),
    )
}

fn supervise(
    given: &[SupervisionEvent],
    command: govshare_domain::CommandEnvelope<SupervisionCommand>,
) -> Result<Vec<SupervisionEvent>, DomainError> {
    when::<Supervision>(services(), given.to_vec(), command)
}

/// Inspected an hour before `ordered`, then ordered; returns the history and the rectification deadline.
fn ordered(
    ordered: DateTime<Utc>,
    working_days: Option<u32>,
) -> (Vec<SupervisionEvent>, DeadlineSet) {
    let mut events =
        supervise(&[], inspect_at(ordered - Duration::hours(1))).expect("inspection recorded");
    events.extend(supervise(&events, order_at(ordered, working_days)).expect("order recorded"));
    let set = events
        .iter()
        .find_map(|e| match e {
            SupervisionEvent::DeadlineSet(s) => Some(s.clone()),
            _ => None,
        })
        .expect("the order sets a deadline");
    (events, set)
}

/// The last instant of a Beijing date.
fn end_of_date(day: NaiveDate) -> DateTime<Utc> {
    end_of(
        chrono::Datelike::year(&day),
        chrono::Datelike::month(&day),
        chrono::Datelike::day(&day),
    )
}

/// When the department reports: working days and hours after the order, or within a second of the due
/// instant.
#[derive(Debug, Clone, Copy)]
enum ReportDelay {
    WorkingDaysAndHours(u32, i64),
    NearDue(i64),
}

fn arb_report_delay() -> impl Strategy<Value = ReportDelay> {
    prop_oneof![
        3 => (0u32..=40, 0i64..24).prop_map(|(d, h)| ReportDelay::WorkingDaysAndHours(d, h)),
        1 => (-1i64..=1).prop_map(ReportDelay::NearDue),
    ]
}

/// The instant `delay` after `from` on the official calendar.
fn report_instant(
    calendar: &Calendar,
    from: DateTime<Utc>,
    due_at: DateTime<Utc>,
    delay: ReportDelay,
) -> DateTime<Utc> {
    match delay {
        ReportDelay::NearDue(s) => due_at + Duration::seconds(s),
        ReportDelay::WorkingDaysAndHours(days, hours) => {
            let mut day = beijing_date(from);
            for _ in 0..days {
                day = day.succ_opt().expect("next day");
                while !calendar.is_working_day(day) {
                    day = day.succ_opt().expect("next day");
                }
            }
            from + Duration::days((day - beijing_date(from)).num_days()) + Duration::hours(hours)
        }
    }
}

fn arb_working_days() -> impl Strategy<Value = Option<u32>> {
    prop_oneof![Just(None), (1u32..=30).prop_map(Some)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// 第三十九条/第四十一条: for any order instant and length, the rectification is due at the end of the N-th
    /// working day after the order; a report after the due instant is recorded late with exactly one missed
    /// fact owed by the ordered department, a report up to it is on time with none.
    #[test]
    fn art39_41_rectification_reported_late_exactly_after_due(
        order_minutes in 0i64..(600 * 24 * 60),
        working_days in arb_working_days(),
        delay in arb_report_delay(),
    ) {
        let calendar = Calendar::official();
        let at_order = after_2026(order_minutes) + Duration::hours(2);
        let (given, set) = ordered(at_order, working_days);
        let n = working_days.unwrap_or_else(|| RuleSet::hebei_2022().days(DeadlineRule::Rectification));
        prop_assert_eq!(set.working_days, n);
        prop_assert_eq!(&set.obligation.owed_by, &city_civil_affairs().code);
        let span = calendar
            .working_days_between(beijing_date(at_order), set.due_date, Coverage::Provisional)
            .expect("span");
        prop_assert_eq!(span.days, i64::from(n));
        prop_assert!(calendar.is_working_day(set.due_date));
        prop_assert_eq!(set.due_at, end_of_date(set.due_date));

        let at = report_instant(&calendar, at_order, set.due_at, delay).max(at_order);
        let late = at > set.due_at;
        let events = supervise(&given, report_rectification_at(at)).expect("a late report is still accepted");
        match &events[0] {
            SupervisionEvent::RectificationReported(r) => {
                prop_assert_eq!(r.late, late);
                prop_assert_eq!(r.order, 1);
            }
            other => prop_assert!(false, "unexpected {other:?}"),
        }
        let missed: Vec<_> = events.iter().filter_map(|e| match e { SupervisionEvent::DeadlineMissed(m) => Some(m), _ => None }).collect();
        prop_assert_eq!(missed.len(), usize::from(late));
        if let Some(m) = missed.first() {
            prop_assert_eq!(&m.owed_by, &city_civil_affairs().code);
            prop_assert_eq!(&m.id, &set.id);
            prop_assert_eq!(m.due_at, set.due_at);
        }
    }

    /// 第三十九条/第四十一条第七项: 通报批评 is issued exactly when the record holds a ground — a missed
    /// rectification deadline (marked by the scheduler or met late) or a rejected rectification — and names
    /// every such ground; it is refused otherwise, and refused a second time.
    #[test]
    fn art39_public_criticism_only_on_missed_or_rejected(
        order_minutes in 0i64..(600 * 24 * 60),
        has_order in prop::bool::weighted(0.9),
        mark_offset_hours in prop::option::of(-72i64..=72),
        report in prop::option::of(arb_report_delay()),
        decision in prop::option::of(any::<bool>()),
        criticise_offset_hours in 1i64..=240,
    ) {
        let calendar = Calendar::official();
        let at_order = after_2026(order_minutes) + Duration::hours(2);
        // The oracle's due instant: the end of the 20th working day after the order (hebei-2022
        // `rectification`), counted day by day here rather than read from the recorded deadline.
        let oracle_due = {
            let mut day = beijing_date(at_order);
            let mut left = 20;
            while left > 0 {
                day = day.succ_opt().expect("a later day");
                if calendar.is_working_day(day) {
                    left -= 1;
                }
            }
            end_of_date(day)
        };
        let mut expected_missed = false;
        let mut expected_rejected = false;
        let (mut events, due_at, mut last) = if has_order {
            let (events, set) = ordered(at_order, None);
            (events, Some(set), at_order)
        } else {
            let events = supervise(&[], inspect_at(at_order)).expect("inspection recorded");
            (events, None, at_order)
        };
        if let (Some(set), Some(hours)) = (&due_at, mark_offset_hours) {
            let at = (set.due_at + Duration::hours(hours)).max(last);
            let mark = cmd(scheduler(), at, SupervisionCommand::MarkOverdue(MarkOverdue { deadline: set.id.clone() }));
            match supervise(&events, mark) {
                Ok(new) => {
                    prop_assert!(at > oracle_due);
                    expected_missed = true;
                    events.extend(new);
                    last = at;
                }
                Err(DomainError::NotYetDue { .. }) => prop_assert!(at <= oracle_due),
                Err(other) => prop_assert!(false, "unexpected {other}"),
            }
        }
        let mut reported = false;
        if let (Some(set), Some(delay)) = (&due_at, report) {
            let at = report_instant(&calendar, at_order, set.due_at, delay).max(last);
            events.extend(supervise(&events, report_rectification_at(at)).expect("report accepted"));
            expected_missed |= at > oracle_due;
            reported = true;
            last = at;
        }
        if let (true, Some(accept)) = (reported, decision) {
            let body = if accept {
                SupervisionCommand::AcceptRectification(AcceptRectification { opinion: "同意验收".to_owned() })
            } else {
                SupervisionCommand::RejectRectification(RejectRectification { reasons: "台账缺少答复时限字段".to_owned() })
            };
            last += Duration::hours(1);
            events.extend(supervise(&events, cmd(reviewer(city_authority()), last, body)).expect("decision recorded"));
            expected_rejected = !accept;
        }
        let missed = events.iter().filter(|e| matches!(e, SupervisionEvent::DeadlineMissed(_))).count();
        let rejected = events.iter().filter(|e| matches!(e, SupervisionEvent::RectificationRejected(_))).count();
        // The record holds exactly the grounds the oracle expects.
        prop_assert_eq!(missed, usize::from(expected_missed));
        prop_assert_eq!(rejected, usize::from(expected_rejected));
        let criticise = cmd(
            leader(city_authority()),
            last + Duration::hours(criticise_offset_hours),
            SupervisionCommand::IssuePublicCriticism(IssuePublicCriticism {
                reference: "石政数通〔2026〕3号".to_owned(),
                content: "石家庄市民政局未按期整改，予以通报批评".to_owned(),
            }),
        );
        match supervise(&events, criticise.clone()) {
            Ok(new) => {
                prop_assert!(expected_missed || expected_rejected, "criticism without a ground: {events:?}");
                prop_assert_eq!(new.len(), 1);
                let SupervisionEvent::PublicCriticismIssued(issued) = &new[0] else {
                    prop_assert!(false, "unexpected {:?}", new[0]);
                    unreachable!()
                };
                prop_assert_eq!(&issued.department, &city_civil_affairs());
                let overdue = issued.grounds.iter().filter(|g| matches!(g, CriticismGround::Overdue { .. })).count();
                let rejections = issued.grounds.iter().filter(|g| matches!(g, CriticismGround::Rejected { .. })).count();
                prop_assert_eq!(overdue, missed);
                prop_assert_eq!(rejections, rejected);
                events.extend(new);
                let again = supervise(&events, criticise);
                prop_assert!(matches!(again, Err(DomainError::InvalidState { .. })), "second criticism: {again:?}");
            }
            Err(DomainError::InvalidState { .. }) => {
                prop_assert!(!expected_missed && !expected_rejected);
            }
            Err(other) => prop_assert!(false, "unexpected {other}"),
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// 第二十二条: grant usage.

const PURPOSE: &str = "SC-130000-WJ-2026-001";
const ITEMS: [&str; 6] = [
    "公民身份号码",
    "姓名",
    "出生日期",
    "户籍地址",
    "参保状态",
    "联系电话",
];

fn items_of(mask: u8) -> Vec<String> {
    ITEMS
        .iter()
        .enumerate()
        .filter(|(i, _)| mask & (1 << i) != 0)
        .map(|(_, s)| (*s).to_owned())
        .collect()
}

/// A use drawn at random: items (a mask over [`ITEMS`]), whether the purpose matches, and the instant of
/// use in minutes from three days before the first day of validity, or within a second of the revocation
/// (when there is one).
#[derive(Debug, Clone)]
struct GrantUse {
    items: u8,
    same_purpose: bool,
    minutes: i64,
    near_revocation: Option<i64>,
}

fn arb_grant_use() -> impl Strategy<Value = GrantUse> {
    (
        1u8..64,
        prop::bool::weighted(0.7),
        0i64..(60 * 24 * 40),
        prop::option::weighted(0.2, -1i64..=1),
    )
        .prop_map(|(items, same_purpose, minutes, near_revocation)| GrantUse {
            items,
            same_purpose,
            minutes,
            near_revocation,
        })
}

fn start_of_date(day: NaiveDate) -> DateTime<Utc> {
    end_of_date(day) + Duration::nanoseconds(1) - Duration::days(1)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// 第二十二条: every use is recorded; a violation fact attributed to the using (grantee) department is
    /// recorded exactly when the use names items outside the grant, another purpose, a day outside the
    /// validity period, or an instant after revocation — and it names each of those departures, no other.
    #[test]
    fn art22_use_is_a_violation_exactly_when_outside_the_grant(
        first_entry_items in 1u8..64,
        second_entry_items in prop::option::of(1u8..64),
        from_offset_days in 0i64..60,
        validity_days in 0i64..30,
        revoke_after_minutes in prop::option::of(0i64..(60 * 24 * 40)),
        uses in proptest::collection::vec(arb_grant_use(), 1..6),
    ) {
        let valid_from = date(2026, 3, 1) + Duration::days(from_offset_days);
        let valid_until = valid_from + Duration::days(validity_days);
        let mut entries = vec![GrantedEntry {
            entry_id: "catalog-130000-public-security-0001".to_owned(),
            provider: code("130000-public-security"),
            data_items: items_of(first_entry_items),
        }];
        if let Some(mask) = second_entry_items {
            entries.push(GrantedEntry {
                entry_id: "catalog-130000-human-resources-0012".to_owned(),
                provider: code("130000-human-resources"),
                data_items: items_of(mask),
            });
        }
        let granted_mask = first_entry_items | second_entry_items.unwrap_or(0);
        let issued_at = bj(2026, 2, 20, 9, 0);
        let mut events = when::<Grant>(
            services(),
            vec![],
            cmd(reviewer(province_authority()), issued_at, GrantCommand::IssueGrant(IssueGrant {
                provision: ProvisionFacts {
                    application_id: "share-2026-000123".to_owned(),
                    grant_id: "grant-2026-000123".to_owned(),
                    requester: province_health().code,
                    provided_by: province_authority().code,
                    entries: vec![
                        "catalog-130000-public-security-0001".to_owned(),
                        "catalog-130000-human-resources-0012".to_owned(),
                    ],
                    data_items: items_of(u8::MAX),
                    purpose: "医疗救助对象身份核验".to_owned(),
                    purpose_code: PURPOSE.to_owned(),
                    use_from: date(2026, 3, 1),
                    use_until: date(2026, 12, 31),
                    conditions: None,
                    provided_at: issued_at,
                },
                grantee: province_health(),
                authority: province_authority(),
                entries,
                purpose: "医疗救助对象身份核验".to_owned(),
                purpose_code: PURPOSE.to_owned(),
                valid_from,
                valid_until,
                access_mode: ShareMode::Interface,
                conditions: None,
            })),
        )
        .expect("grant issued");
        let window_start = start_of_date(valid_from) - Duration::days(3);
        let revoked_at = revoke_after_minutes.map(|m| window_start + Duration::minutes(m)).map(|at| at.max(issued_at));
        if let Some(at) = revoked_at {
            events.extend(
                when::<Grant>(services(), events.clone(), cmd(reviewer(province_authority()), at, GrantCommand::RevokeGrant(RevokeGrant { reason: "场景已终止".to_owned() })))
                    .expect("revoked"),
            );
        }
        let mut violations = 0usize;
        let mut last_recorded = revoked_at.unwrap_or(issued_at).max(issued_at);
        for (n, u) in uses.iter().enumerate() {
            let used_at = match (revoked_at, u.near_revocation) {
                (Some(r), Some(s)) => r + Duration::seconds(s),
                _ => window_start + Duration::minutes(u.minutes),
            };
            // Uses come from the platform's log in any order; each is recorded when it arrives, never before
            // the record's latest fact.
            let at = used_at.max(last_recorded);
            last_recorded = at;
            let purpose_code = if u.same_purpose { PURPOSE.to_owned() } else { "SC-130000-WJ-2026-999".to_owned() };
            let use_id = format!("use-{n:06}");
            let new = when::<Grant>(
                services(),
                events.clone(),
                cmd(clerk(province_health()), at, GrantCommand::RecordGrantUse(RecordGrantUse {
                    use_id: use_id.clone(),
                    data_items: items_of(u.items),
                    record_count: 1,
                    end_user: "wj-zhangsan".to_owned(),
                    purpose_code,
                    used_at,
                })),
            )
            .expect("every use is recorded");
            let outside_items = u.items & !granted_mask != 0;
            let day = beijing_date(used_at);
            let before = day < valid_from;
            let after = day > valid_until;
            let after_revocation = revoked_at.is_some_and(|r| used_at > r);
            let expected = outside_items || !u.same_purpose || before || after || after_revocation;
            let GrantEvent::GrantUseRecorded(recorded) = &new[0] else {
                prop_assert!(false, "unexpected {:?}", new[0]);
                unreachable!()
            };
            prop_assert_eq!(&recorded.use_id, &use_id);
            let kinds = &recorded.violations;
            prop_assert_eq!(kinds.iter().any(|v| matches!(v, UseViolation::ItemsOutsideGrant { .. })), outside_items);
            if let Some(UseViolation::ItemsOutsideGrant { items }) = kinds.iter().find(|v| matches!(v, UseViolation::ItemsOutsideGrant { .. })) {
                prop_assert_eq!(items, &items_of(u.items & !granted_mask));
            }
            prop_assert_eq!(kinds.iter().any(|v| matches!(v, UseViolation::OtherPurpose { .. })), !u.same_purpose);
            prop_assert_eq!(kinds.iter().any(|v| matches!(v, UseViolation::BeforeValidity { .. })), before);
            prop_assert_eq!(kinds.iter().any(|v| matches!(v, UseViolation::AfterExpiry { .. })), after);
            prop_assert_eq!(kinds.iter().any(|v| matches!(v, UseViolation::AfterRevocation { .. })), after_revocation);
            prop_assert_eq!(new.len(), 1 + usize::from(expected));
            if expected {
                let GrantEvent::GrantViolationRecorded(v) = &new[1] else {
                    prop_assert!(false, "unexpected {:?}", new[1]);
                    unreachable!()
                };
                prop_assert_eq!(&v.attributed_to, &province_health().code);
                prop_assert_eq!(&v.use_id, &use_id);
                prop_assert_eq!(&v.violations, kinds);
                prop_assert_eq!(v.used_at, used_at);
                violations += 1;
            }
            events.extend(new);
        }
        let recorded = events.iter().filter(|e| matches!(e, GrantEvent::GrantUseRecorded(_))).count();
        let recorded_violations = events.iter().filter(|e| matches!(e, GrantEvent::GrantViolationRecorded(_))).count();
        prop_assert_eq!(recorded, uses.len());
        prop_assert_eq!(recorded_violations, violations);
    }
}

// ---------------------------------------------------------------------------------------------------------
// 第三十七条: third-party engagement.

const POPULATION: &str = "catalog-130000-public-security-0001";
const OTHER_ENTRY: &str = "catalog-130000-health-0003";

fn office() -> ResponsibleOffice {
    ResponsibleOffice {
        name: "科技信息化处".to_owned(),
        head: "赵敏".to_owned(),
        contact: "0311-86990000".to_owned(),
    }
}

fn prior_review(
    at: DateTime<Utc>,
    term: EngagementTerm,
    approved: bool,
) -> govshare_domain::CommandEnvelope<ThirdPartyCommand> {
    cmd(
        reviewer(province_public_security()),
        at,
        ThirdPartyCommand::RecordPriorReview(RecordPriorReview {
            contractor: contractor_of_public_security(),
            scope: "人口基础信息库运维".to_owned(),
            systems: vec!["人口信息管理系统".to_owned()],
            data: vec![POPULATION.to_owned()],
            term,
            office: office(),
            approved,
            opinion: if approved { "同意" } else { "不同意" }.to_owned(),
        }),
    )
}

fn engage_at(at: DateTime<Utc>) -> govshare_domain::CommandEnvelope<ThirdPartyCommand> {
    cmd(
        clerk(province_public_security()),
        at,
        ThirdPartyCommand::EngageThirdParty(EngageThirdParty {
            contract_reference: "冀公信合〔2026〕12号".to_owned(),
        }),
    )
}

fn contractor_use(
    at: DateTime<Utc>,
    used_at: DateTime<Utc>,
    entry: &str,
) -> govshare_domain::CommandEnvelope<ThirdPartyCommand> {
    cmd(
        clerk(contractor_of_public_security()),
        at,
        ThirdPartyCommand::RecordContractorUse(RecordContractorUse {
            entry_id: entry.to_owned(),
            purpose: "数据库索引重建".to_owned(),
            used_at,
        }),
    )
}

fn engagement(
    given: &[ThirdPartyEvent],
    command: govshare_domain::CommandEnvelope<ThirdPartyCommand>,
) -> Result<Vec<ThirdPartyEvent>, DomainError> {
    when::<ThirdPartyEngagement>(services(), given.to_vec(), command)
}

/// One step of an engagement's timeline, at minutes after the prior review.
#[derive(Debug, Clone)]
enum Timed {
    Engage,
    End,
    Use { in_scope: bool },
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// 第三十七条: with uses recorded as they happen, a contractor's use is a violation fact, attributed to
    /// the engaging department, exactly when it is outside an approved engagement in force — not yet engaged
    /// (engagement needs an approved prior review first), before or after the term, after the engagement
    /// ended, or of data outside its scope; a use within is recorded with no violation.
    #[test]
    fn art37_contractor_use_is_a_violation_exactly_outside_the_engagement(
        approved in prop::bool::weighted(0.85),
        term_start_days in 0i64..40,
        term_days in 0i64..60,
        engage_minutes in 0i64..(60 * 24 * 45),
        end_minutes in prop::option::of(0i64..(60 * 24 * 120)),
        uses in proptest::collection::vec((0i64..(60 * 24 * 120), prop::bool::weighted(0.8)), 1..8),
    ) {
        let reviewed_at = bj(2026, 4, 20, 9, 0);
        let term = EngagementTerm {
            starts_on: date(2026, 5, 1) + Duration::days(term_start_days),
            ends_on: date(2026, 5, 1) + Duration::days(term_start_days + term_days),
        };
        let mut timeline: Vec<(i64, Timed)> = vec![(engage_minutes, Timed::Engage)];
        if let Some(m) = end_minutes {
            timeline.push((m.max(engage_minutes), Timed::End));
        }
        timeline.extend(uses.iter().map(|(m, in_scope)| (*m, Timed::Use { in_scope: *in_scope })));
        // Stable: at equal instants the engagement comes before its end and the uses.
        timeline.sort_by_key(|(m, _)| *m);

        let mut events = engagement(&[], prior_review(reviewed_at, term, approved)).expect("review recorded");
        let mut engaged_at: Option<DateTime<Utc>> = None;
        let mut ended_at: Option<DateTime<Utc>> = None;
        let mut violations = 0usize;
        let mut seq = 0u32;
        for (minutes, step) in timeline {
            let at = reviewed_at + Duration::minutes(minutes);
            match step {
                Timed::Engage => {
                    let result = engagement(&events, engage_at(at));
                    let may = approved && beijing_date(at) <= term.ends_on;
                    prop_assert_eq!(result.is_ok(), may, "engage at {}: {:?}", at, result);
                    if let Ok(new) = result {
                        events.extend(new);
                        engaged_at = Some(at);
                    }
                }
                Timed::End => {
                    let result = engagement(&events, cmd(clerk(province_public_security()), at, ThirdPartyCommand::EndEngagement(EndEngagement { reason: "合同履行完毕".to_owned() })));
                    prop_assert_eq!(result.is_ok(), engaged_at.is_some());
                    if let Ok(new) = result {
                        events.extend(new);
                        ended_at = Some(at);
                    }
                }
                Timed::Use { in_scope } => {
                    let entry = if in_scope { POPULATION } else { OTHER_ENTRY };
                    let new = engagement(&events, contractor_use(at, at, entry)).expect("every use is recorded");
                    seq += 1;
                    let in_force = engaged_at.is_some_and(|e| at >= e)
                        && ended_at.is_none_or(|e| at <= e)
                        && term.covers(beijing_date(at));
                    let expected = !(in_force && in_scope);
                    let ThirdPartyEvent::ContractorUseRecorded(recorded) = &new[0] else {
                        prop_assert!(false, "unexpected {:?}", new[0]);
                        unreachable!()
                    };
                    prop_assert_eq!(recorded.use_seq, seq);
                    prop_assert_eq!(&recorded.contractor, &contractor_of_public_security().code);
                    prop_assert_eq!(recorded.within_engagement, !expected, "use at {} of {}", at, entry);
                    prop_assert_eq!(new.len(), 1 + usize::from(expected));
                    if expected {
                        let ThirdPartyEvent::ThirdPartyViolationRecorded(v) = &new[1] else {
                            prop_assert!(false, "unexpected {:?}", new[1]);
                            unreachable!()
                        };
                        prop_assert_eq!(&v.engaging, &province_public_security().code);
                        prop_assert_eq!(&v.contractor, &contractor_of_public_security().code);
                        prop_assert_eq!(v.use_seq, seq);
                        prop_assert_eq!(v.used_at, at);
                        violations += 1;
                    }
                    events.extend(new);
                }
            }
        }
        let recorded_violations = events.iter().filter(|e| matches!(e, ThirdPartyEvent::ThirdPartyViolationRecorded(_))).count();
        prop_assert_eq!(recorded_violations, violations);
    }
}

/// 第三十七条: a use is judged against the engagement as it stood at the instant of use. A use that happened
/// before the engagement (here even before the prior review) but is recorded afterwards is not within it and is
/// recorded as a violation.
#[test]
fn art37_use_before_engagement_recorded_later_is_a_violation() {
    let term = EngagementTerm {
        starts_on: date(2026, 5, 1),
        ends_on: date(2026, 11, 30),
    };
    let mut events =
        engagement(&[], prior_review(bj(2026, 5, 20, 9, 0), term, true)).expect("review recorded");
    events.extend(engagement(&events, engage_at(bj(2026, 5, 25, 9, 0))).expect("engaged"));
    let new = engagement(
        &events,
        contractor_use(bj(2026, 5, 26, 9, 0), bj(2026, 5, 10, 9, 0), POPULATION),
    )
    .expect("recorded");
    assert!(
        matches!(
            new.as_slice(),
            [
                ThirdPartyEvent::ContractorUseRecorded(r),
                ThirdPartyEvent::ThirdPartyViolationRecorded(_)
            ] if !r.within_engagement
        ),
        "a use on 10 May, before the 20 May review and 25 May engagement, is not within it: {new:?}"
    );
}
