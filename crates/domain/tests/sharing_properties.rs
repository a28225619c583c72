//! Property (第十九、二十一、四十一条): for random sequences of commands by random parties against a share
//! application, the aggregate never records provision of a not-shared entry, records a refusal exactly when
//! it states real reasons, and every recorded step is either on time or paired with a missed-deadline fact
//! attributed to the party that owed it.
//!
//! The oracles are written here from the rules, not taken from the aggregate: who owes each step is a
//! hand-written table of the steps of 第十九、二十一条 for the fixtures' parties; each due instant is counted
//! day by day on the official calendar; a refusal's reasons are judged by the rule (visible characters
//! against the rule set's minimum, the stock phrases).

mod common;
mod share_fixtures;

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Duration, Utc};
use common::*;
use govshare_domain::share_application::{
    AgreeToShare, ConcludeObjection, ForwardToProvider, ForwardToUpperAuthority, MarkOverdue,
    ObjectionOutcome, ProvideShare, RaiseObjection, RefuseToShare, ResubmitShareApplication,
    ReturnForSupplement, ShareApplication, ShareCommand, ShareEvent, SharePath,
    WithdrawShareApplication,
};
use govshare_domain::{Actor, DeadlineId, DeadlineRule, DepartmentCode, DomainServices, RuleSet};
use govshare_workdays::Calendar;
use proptest::prelude::*;
use share_fixtures::*;

const REASONS: [&str; 11] = [
    "",
    "  ",
    "\u{200B}\u{200B}\u{200B}\u{200B}\u{200B}\u{200B}\u{200B}\u{200B}\u{200B}\u{200B}",
    "不同意\u{FEFF}",
    "不同意",
    "不予共享。",
    "太敏感",
    REAL_REASONS,
    "该数据涉及未成年人个人信息, 依法仅限监护相关事项使用",
    "申请场景与所列信息项无对应关系, 超出最小必要范围",
    "Refused",
];

fn actors() -> Vec<Actor> {
    vec![
        reviewer(county_authority()),
        reviewer(city_authority()),
        reviewer(province_authority()),
        clerk(province_authority()),
        leader(province_public_security()),
        clerk(province_health()),
        clerk(county_health()),
        leader(province_market()),
        scheduler(),
    ]
}

#[derive(Debug, Clone)]
enum Step {
    Upward,
    ToProvider,
    Agree,
    Refuse(usize),
    Provide,
    Return,
    Resubmit,
    Withdraw,
    Object,
    Conclude(bool),
    Mark(usize),
}

fn step() -> impl Strategy<Value = Step> {
    // Withdrawal ends everything, so it is rare; the conditional path's steps are frequent.
    prop_oneof![
        9 => Just(Step::Upward),
        12 => Just(Step::ToProvider),
        3 => Just(Step::Agree),
        15 => (0..REASONS.len()).prop_map(Step::Refuse),
        8 => Just(Step::Provide),
        2 => Just(Step::Return),
        4 => Just(Step::Resubmit),
        1 => Just(Step::Withdraw),
        8 => Just(Step::Object),
        8 => any::<bool>().prop_map(Step::Conclude),
        5 => (0..8usize).prop_map(Step::Mark),
    ]
}

fn body(step: &Step, set: &[DeadlineId]) -> ShareCommand {
    match step {
        Step::Upward => ShareCommand::ForwardToUpperAuthority(ForwardToUpperAuthority {}),
        Step::ToProvider => ShareCommand::ForwardToProvider(ForwardToProvider {
            review_opinion: "同意转送".to_owned(),
        }),
        Step::Agree => ShareCommand::AgreeToShare(AgreeToShare { conditions: None }),
        Step::Refuse(i) => ShareCommand::RefuseToShare(RefuseToShare {
            reasons: REASONS[*i].to_owned(),
            basis: refusal_basis(),
        }),
        Step::Provide => ShareCommand::ProvideShare(ProvideShare {
            grant_id: GRANT.to_owned(),
        }),
        Step::Return => ShareCommand::ReturnForSupplement(ReturnForSupplement {
            missing: vec!["materials".to_owned()],
        }),
        Step::Resubmit => ShareCommand::ResubmitShareApplication(ResubmitShareApplication {
            scenario: scenario(&["公民身份号码"]),
            materials: vec!["补正材料.pdf".to_owned()],
        }),
        Step::Withdraw => ShareCommand::WithdrawShareApplication(WithdrawShareApplication {
            reason: "不再需要".to_owned(),
        }),
        Step::Object => ShareCommand::RaiseObjection(RaiseObjection {
            reasons: "履职确需".to_owned(),
        }),
        Step::Conclude(up) => ShareCommand::ConcludeObjection(ConcludeObjection {
            outcome: if *up {
                ObjectionOutcome::Upheld
            } else {
                ObjectionOutcome::Dismissed
            },
            conclusion: "协调结论".to_owned(),
        }),
        Step::Mark(i) => ShareCommand::MarkOverdue(MarkOverdue {
            deadline: set
                .get(i % set.len().max(1))
                .cloned()
                .unwrap_or_else(|| DeadlineId::new(DeadlineRule::ShareRouteForward, 1)),
        }),
    }
}

/// The starting submission: unconditional (1), listed (2), a county request routed over two hops (3), or
/// conditional (any other).
fn submission(kind: usize, at: DateTime<Utc>) -> govshare_domain::CommandEnvelope<ShareCommand> {
    match kind {
        1 => submit_unconditional(at),
        2 => share(
            clerk(province_health()),
            at,
            submit_body(
                vec![listed_entry()],
                &["个案编号"],
                vec![province_authority()],
            ),
        ),
        3 => share(
            clerk(county_health()),
            at,
            submit_body(
                vec![population_entry()],
                &["公民身份号码"],
                vec![county_authority(), city_authority(), province_authority()],
            ),
        ),
        _ => submit_conditional(at),
    }
}

// ---------------------------------------------------------------------------------------------------------
// The oracle: 第十九、二十一条 written out by hand for the fixtures above, without the aggregate's code.

/// Which path of 第十九条 a submission kind follows, and the route it names (第二十一条).
fn oracle_case(kind: usize) -> (Option<bool>, Vec<DepartmentCode>) {
    let province = || vec![province_authority().code];
    match kind {
        // 社会保险参保信息: unconditional.
        1 => (Some(false), province()),
        // A listed entry: not accepted, no step is owed (第十五条).
        2 => (None, province()),
        // 人口基础信息 (conditional) for a county department: 长安区 → 石家庄市 → 河北省.
        3 => (
            Some(true),
            vec![
                county_authority().code,
                city_authority().code,
                province_authority().code,
            ],
        ),
        _ => (Some(true), province()),
    }
}

/// The step an application owes, as 第十九、二十一条 describe it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Owed {
    /// The authority at this hop of the route forwards to the next (第二十一条).
    Forward(usize),
    /// The serving authority reviews conditional data (第十九条: 3).
    Review,
    /// The serving authority provides unconditional data (第十九条: 3).
    Provide,
    /// The provider replies (第十九条: 5).
    Reply,
    /// The serving authority provides after the provider agreed (第十九条: 3).
    ProvideAfterReply,
    /// The requester's own authority concludes the objection (第十九条 Decision: 10).
    Conclude,
    /// The serving authority provides after an upheld objection (第十九条 Decision: 3).
    ProvideAfterObjection,
    /// Nothing is owed: refused, returned to the requester, or finished.
    Nothing,
}

/// The rule-set key, the working days (hebei-2022) and the party that owes each step: the hand-written table
/// the property checks the recorded deadlines against. The provider of 人口基础信息 is 河北省公安厅.
fn owed_table(owed: Owed, route: &[DepartmentCode]) -> Option<(&'static str, u32, DepartmentCode)> {
    let serving = route.last().cloned()?;
    Some(match owed {
        Owed::Forward(hop) => ("share_route_forward", 3, route.get(hop).cloned()?),
        Owed::Review => ("share_conditional_review", 3, serving),
        Owed::Provide => ("share_unconditional_provide", 3, serving),
        Owed::Reply => ("share_provider_reply", 5, province_public_security().code),
        Owed::ProvideAfterReply => ("share_provide_after_reply", 3, serving),
        Owed::Conclude => ("objection_coordination", 10, route.first().cloned()?),
        Owed::ProvideAfterObjection => ("objection_provide", 3, serving),
        Owed::Nothing => return None,
    })
}

/// The step owed after an event, from the step owed before it (the transitions of 第十九、二十一条).
struct Model {
    conditional: bool,
    hops: usize,
    owed: Owed,
    returned_from: Owed,
}

impl Model {
    fn new(conditional: bool, hops: usize) -> Self {
        Model {
            conditional,
            hops,
            owed: Owed::Nothing,
            returned_from: Owed::Nothing,
        }
    }

    /// The step owed on the serving authority's receipt.
    fn at_serving_authority(&self) -> Owed {
        if self.conditional {
            Owed::Review
        } else {
            Owed::Provide
        }
    }

    fn after(&mut self, event: &ShareEvent) {
        self.owed = match event {
            ShareEvent::ShareApplicationSubmitted(_) if self.hops > 1 => Owed::Forward(0),
            ShareEvent::ShareApplicationSubmitted(_) => self.at_serving_authority(),
            ShareEvent::ForwardedToUpperAuthority(_) => match self.owed {
                Owed::Forward(hop) if hop + 2 < self.hops => Owed::Forward(hop + 1),
                _ => self.at_serving_authority(),
            },
            ShareEvent::ReturnedForSupplement(_) => {
                self.returned_from = self.owed;
                Owed::Nothing
            }
            ShareEvent::ShareApplicationResubmitted(_) => self.returned_from,
            ShareEvent::ForwardedToProvider(_) => Owed::Reply,
            ShareEvent::ProviderAgreed(_) => Owed::ProvideAfterReply,
            ShareEvent::ObjectionRaised(_) => Owed::Conclude,
            ShareEvent::ObjectionConcluded(c) if c.outcome == ObjectionOutcome::Upheld => {
                Owed::ProvideAfterObjection
            }
            ShareEvent::ProviderRefused(_)
            | ShareEvent::ObjectionConcluded(_)
            | ShareEvent::ShareProvided(_)
            | ShareEvent::ShareApplicationWithdrawn(_)
            | ShareEvent::ShareApplicationNotAccepted(_) => Owed::Nothing,
            ShareEvent::DeadlineSet(_)
            | ShareEvent::DeadlineMet(_)
            | ShareEvent::DeadlineExtended(_)
            | ShareEvent::DeadlineMissed(_)
            | ShareEvent::DeadlineRecomputed(_)
            | ShareEvent::DeadlineReminded(_) => self.owed,
        };
    }
}

/// White space and the invisible characters the fixtures use.
fn shows_nothing(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}'
        )
}

/// 第十九条 with the rule set's options, written from the rule: a refusal states reasons of at least the
/// minimum number of visible characters that are not one of the stock phrases (compared without white space,
/// invisible characters and trailing punctuation, ignoring case).
fn oracle_reasons_acceptable(reasons: &str, rules: &RuleSet) -> bool {
    let visible = |s: &str| -> String { s.chars().filter(|c| !shows_nothing(*c)).collect() };
    let stock_form = |s: &str| -> String {
        visible(s)
            .trim_end_matches([
                '。', '！', '，', '；', '、', '：', '？', '.', '!', ',', ';', ':', '?',
            ])
            .to_lowercase()
    };
    let shown = visible(reasons);
    !shown.is_empty()
        && !rules
            .options
            .refusal_stock_phrases
            .iter()
            .any(|p| stock_form(p) == stock_form(reasons))
        && shown.chars().count() >= rules.options.refusal_reason_min_chars as usize
}

/// The last instant of the `n`-th working day after `from` (第十九条 counting: the start day is not counted),
/// found by walking the official calendar day by day.
fn oracle_due_at(from: DateTime<Utc>, n: u32) -> DateTime<Utc> {
    let calendar = Calendar::official();
    let mut day = beijing_date(from);
    let mut left = n;
    while left > 0 {
        day = day.succ_opt().expect("a later day");
        if calendar.is_working_day(day) {
            left -= 1;
        }
    }
    end_of(day.year(), day.month(), day.day())
}

/// Checks a recorded history against the oracle.
fn check_record(kind: usize, events: &[ShareEvent], rules: &RuleSet) -> Result<(), TestCaseError> {
    let (path, route) = oracle_case(kind);
    let mut model = Model::new(path.unwrap_or(false), route.len());
    // The oracle's owner and due instant of every deadline set so far.
    let mut owed: HashMap<DeadlineId, (DepartmentCode, DateTime<Utc>)> = HashMap::new();
    // The instant of the step that opens the next deadline (the last event that is not a deadline fact).
    let mut step_at: Option<DateTime<Utc>> = None;
    for (i, e) in events.iter().enumerate() {
        model.after(e);
        if e.deadline_fact().is_none() {
            step_at = e.at();
        }
        match e {
            ShareEvent::ShareApplicationSubmitted(s) => {
                let recorded: Vec<DepartmentCode> =
                    s.route.iter().map(|a| a.code.clone()).collect();
                prop_assert_eq!(&recorded, &route);
                prop_assert_eq!(
                    s.path,
                    match path {
                        None => SharePath::NotAccepted,
                        Some(true) => SharePath::Conditional,
                        Some(false) => SharePath::Unconditional,
                    }
                );
            }
            ShareEvent::ShareProvided(p) => {
                prop_assert!(path.is_some(), "a listed entry was provided");
                for id in &p.entries {
                    prop_assert!(
                        id != &listed_entry().entry_id,
                        "provided a not-shared entry {id}"
                    );
                }
            }
            ShareEvent::ProviderRefused(r) => {
                prop_assert!(
                    oracle_reasons_acceptable(&r.reasons, rules),
                    "accepted refusal {:?}",
                    r.reasons
                );
                prop_assert!(
                    !r.basis.instrument.trim().is_empty() && !r.basis.provision.trim().is_empty()
                );
            }
            ShareEvent::DeadlineSet(s) => {
                let Some((key, days, owner)) = owed_table(model.owed, &route) else {
                    prop_assert!(false, "a deadline {} set while nothing is owed", s.id);
                    unreachable!()
                };
                prop_assert_eq!(s.obligation.what.key(), key, "{:?}", model.owed);
                prop_assert_eq!(&s.obligation.owed_by, &owner, "{:?}", model.owed);
                prop_assert_eq!(s.working_days, days);
                let from = step_at.expect("a step opens the deadline");
                let due_at = oracle_due_at(from, days);
                prop_assert_eq!(s.due_at, due_at);
                owed.insert(s.id.clone(), (owner, due_at));
            }
            ShareEvent::DeadlineMet(m) => {
                let (owner, due_at) = owed
                    .get(&m.id)
                    .cloned()
                    .expect("met a deadline that was set");
                prop_assert_eq!(&m.owed_by, &owner);
                prop_assert_eq!(m.late, m.at > due_at);
                if m.late {
                    let paired = events.iter().any(|x| matches!(x, ShareEvent::DeadlineMissed(d) if d.id == m.id && d.owed_by == owner));
                    prop_assert!(paired, "late step {} without a missed fact", m.id);
                }
            }
            ShareEvent::DeadlineMissed(d) => {
                let (owner, due_at) = owed
                    .get(&d.id)
                    .cloned()
                    .expect("missed a deadline that was set");
                prop_assert_eq!(&d.owed_by, &owner);
                prop_assert!(d.marked_at > due_at);
            }
            ShareEvent::DeadlineExtended(_) | ShareEvent::DeadlineRecomputed(_) => {
                prop_assert!(false, "no step of 第十九条 is extended or recomputed here");
            }
            _ => {}
        }
        // Every step an authority or the provider owed is followed by the fact that meets its deadline.
        let owed_step = matches!(
            e,
            ShareEvent::ForwardedToUpperAuthority(_)
                | ShareEvent::ForwardedToProvider(_)
                | ShareEvent::ProviderAgreed(_)
                | ShareEvent::ProviderRefused(_)
                | ShareEvent::ReturnedForSupplement(_)
                | ShareEvent::ObjectionConcluded(_)
                | ShareEvent::ShareProvided(_)
        );
        if owed_step {
            prop_assert!(
                matches!(events.get(i + 1), Some(ShareEvent::DeadlineMet(_))),
                "step {:?} without its deadline fact",
                e
            );
        }
    }
    let missed: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            ShareEvent::DeadlineMissed(d) => Some(d.id.clone()),
            _ => None,
        })
        .collect();
    let mut unique = missed.clone();
    unique.sort();
    unique.dedup();
    prop_assert_eq!(unique.len(), missed.len(), "a miss recorded twice");
    Ok(())
}

/// The step the oracle says is owed after `events`.
fn owed_after(kind: usize, events: &[ShareEvent]) -> Owed {
    let (path, route) = oracle_case(kind);
    let mut model = Model::new(path.unwrap_or(false), route.len());
    for e in events {
        model.after(e);
    }
    model.owed
}

/// Runs one step: the first actor of the pool whose command is accepted records it. Returns whether it was.
fn run_step(
    svc: &DomainServices,
    events: &mut Vec<ShareEvent>,
    at: DateTime<Utc>,
    step: &Step,
) -> bool {
    let set: Vec<DeadlineId> = events
        .iter()
        .filter_map(|e| match e {
            ShareEvent::DeadlineSet(d) => Some(d.id.clone()),
            _ => None,
        })
        .collect();
    for actor in actors() {
        if let Ok(new) = when::<ShareApplication>(
            svc.clone(),
            events.clone(),
            cmd(actor, at, body(step, &set)),
        ) {
            events.extend(new);
            return true;
        }
    }
    false
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(160))]

    #[test]
    fn art19_art21_art41_share_application_record_is_lawful(
        kind in 0usize..6,
        steps in prop::collection::vec((step(), 0i64..120), 0..24),
    ) {
        let svc: DomainServices = services();
        let mut at = bj(2026, 9, 21, 9, 0);
        let mut events = when::<ShareApplication>(svc.clone(), vec![], submission(kind, at)).expect("submission");
        for (s, hours) in steps {
            at += Duration::hours(hours);
            let owed = owed_after(kind, &events);
            let accepted = run_step(&svc, &mut events, at, &s);
            // 第十九条, conversely: while the provider's reply is owed, a refusal is recorded exactly when the
            // oracle finds real reasons.
            if let (Step::Refuse(i), Owed::Reply) = (&s, owed) {
                prop_assert_eq!(
                    accepted,
                    oracle_reasons_acceptable(REASONS[*i], &svc.rules),
                    "refusal {:?}",
                    REASONS[*i]
                );
            }
        }
        check_record(kind, &events, &svc.rules)?;
    }
}

/// The property's generator reaches provision, refusal, objections and late steps (a guard against a vacuous
/// property): one fixed sequence through the conditional path with a late reply and an upheld objection.
#[test]
fn art19_art41_generator_reaches_provision_refusal_objection_and_misses() {
    let svc = services();
    let mut at = bj(2026, 9, 28, 9, 0);
    let mut events = when::<ShareApplication>(svc.clone(), vec![], submission(0, at)).unwrap();
    for (s, hours) in [
        (Step::ToProvider, 2),
        (Step::Refuse(4), 300),
        (Step::Refuse(8), 1),
        (Step::Object, 1),
        (Step::Conclude(true), 24),
        (Step::Provide, 24),
    ] {
        at += Duration::hours(hours);
        run_step(&svc, &mut events, at, &s);
    }
    assert!(
        events
            .iter()
            .any(|e| matches!(e, ShareEvent::ShareProvided(p) if p.after_objection))
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e, ShareEvent::DeadlineMissed(_)))
    );
    check_record(0, &events, &svc.rules).unwrap();
}

/// The oracle of refusal reasons agrees with the rule on the cases 第十九条 names: blank, invisible, stock
/// phrases, too short, and real reasons.
#[test]
fn art19_refusal_oracle_cases() {
    let rules = RuleSet::hebei_2022();
    for (reasons, acceptable) in [
        ("", false),
        ("\u{3000}\u{200B}\u{FEFF}", false),
        ("不同意", false),
        ("不\u{200B}同意。", false),
        ("REFUSED.", false),
        ("太敏感", false),
        (REAL_REASONS, true),
        ("该数据涉及未成年人个人信息, 依法仅限监护相关事项使用", true),
    ] {
        assert_eq!(
            oracle_reasons_acceptable(reasons, &rules),
            acceptable,
            "{reasons:?}"
        );
    }
}

/// The oracle over a county department's route (第二十一条) through refusal, objection and provision
/// (第十九条): the hops are owed by the forwarding authorities, the objection by the requester's own (county)
/// authority, the steps at the province by the provincial authority and the reply by the provider.
#[test]
fn art19_art21_county_route_steps_are_owed_by_the_oracles_parties() {
    let svc = services();
    let mut at = bj(2026, 9, 21, 9, 0);
    let mut events = when::<ShareApplication>(svc.clone(), vec![], submission(3, at)).unwrap();
    for (s, hours) in [
        (Step::Upward, 2),
        (Step::Upward, 30),
        (Step::ToProvider, 2),
        (Step::Refuse(7), 100),
        (Step::Object, 1),
        (Step::Conclude(true), 24),
        (Step::Provide, 24),
    ] {
        at += Duration::hours(hours);
        assert!(run_step(&svc, &mut events, at, &s), "{s:?}");
    }
    let owners: Vec<(&str, DepartmentCode)> = events
        .iter()
        .filter_map(|e| match e {
            ShareEvent::DeadlineSet(s) => {
                Some((s.obligation.what.key(), s.obligation.owed_by.clone()))
            }
            _ => None,
        })
        .collect();
    assert!(owners.contains(&("objection_coordination", county_authority().code)));
    check_record(3, &events, &svc.rules).unwrap();
}
