//! 第三十八条: every indicator of the assessment report on the real domain events of a year of the demo
//! province (every command through the engine), on a SQLite file and on a PostgreSQL database. Each test
//! checks one indicator: it is counted somewhere, its rate is numerator ÷ denominator, and every position it
//! names is an event of the kinds the indicator counts.

mod common;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use common::*;
use govshare_projections::PageRequest;
use govshare_projections::models::assessment;
use govshare_projections::models::deadlines::{self, DeadlineFilter, DeadlineState};
use govshare_report::{AssessmentReport, Format, Indicator, Lang, Period, render};

/// What a year of the demo gave, computed once per backend.
struct Year {
    report: AssessmentReport,
    types: BTreeMap<u64, String>,
    /// Oracle from the `deadlines` model: per department, (on time, settled) provider-reply deadlines.
    provider_reply: BTreeMap<String, (u64, u64)>,
    /// Entries placed on the negative list (第十五条): (provider, position of the listing, case id).
    listed: Vec<(String, u64, String)>,
    /// The case of the event at each position.
    cases: BTreeMap<u64, String>,
    /// Oracle from the raw log (payloads read as JSON, no read model, no domain type): per provider,
    /// (refusals in 2026, of them overturned by an upheld objection by as_of, replies in 2026).
    refusals: BTreeMap<String, (u64, u64, u64)>,
}

fn as_of() -> chrono::DateTime<chrono::Utc> {
    bj(2027, 2, 1, 0)
}

fn build(backend: Backend) -> Year {
    block_on(move || async move {
        let demo = Demo::run(backend, 12).await;
        let report = demo.everyone(Period::Year(2026), as_of()).await;
        let types = demo.event_types().await;
        let cases = demo.event_cases().await;
        let log = demo.log().await;
        let mut refusals: BTreeMap<String, (u64, u64, u64)> = BTreeMap::new();
        for e in &log {
            let replied = matches!(e.event_type.as_str(), "ProviderRefused" | "ProviderAgreed");
            if !replied || !Period::Year(2026).contains(e.recorded_at) || e.recorded_at > as_of() {
                continue;
            }
            let payload = e.payload.to_value().unwrap();
            let by = payload["by"]["department"]["code"]
                .as_str()
                .unwrap()
                .to_owned();
            let entry = refusals.entry(by).or_default();
            entry.2 += 1;
            if e.event_type == "ProviderRefused" {
                entry.0 += 1;
                let overturned = log.iter().any(|c| {
                    c.stream == e.stream
                        && c.position > e.position
                        && c.recorded_at <= as_of()
                        && c.event_type == "ObjectionConcluded"
                        && c.payload.to_value().unwrap()["outcome"] == "upheld"
                });
                entry.1 += u64::from(overturned);
            }
        }
        let listed = assessment::list(
            &demo.db,
            &assessment::AssessmentFilter {
                fact: Some(assessment::FactKind::CatalogEntryListed),
                ..Default::default()
            },
            &PageRequest::first(100),
        )
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|f| (f.department, f.position, f.case.aggregate_id))
        .collect();
        let mut provider_reply: BTreeMap<String, (u64, u64)> = BTreeMap::new();
        let mut page = PageRequest::first(1000);
        let year = Period::Year(2026);
        loop {
            let got = deadlines::list(&demo.db, &DeadlineFilter::default(), &page)
                .await
                .unwrap();
            for d in &got.items {
                if d.what != "share_provider_reply" {
                    continue;
                }
                // The first outcome: a recorded miss, else the act (on time unless late).
                let (at, on_time) = match (d.missed_at, d.met_at, d.state) {
                    (Some(m), _, _) => (m, false),
                    (None, Some(met), DeadlineState::Met) => (met, d.late == Some(false)),
                    _ => continue,
                };
                if year.contains(at) {
                    let e = provider_reply.entry(d.owed_by.clone()).or_default();
                    e.0 += u64::from(on_time);
                    e.1 += 1;
                }
            }
            match got.next {
                Some(next) => page = PageRequest::after(next, 1000),
                None => break,
            }
        }
        Year {
            report,
            types,
            provider_reply,
            listed,
            cases,
            refusals,
        }
    })
}

fn year(backend: Backend) -> &'static Year {
    static SQLITE: OnceLock<Year> = OnceLock::new();
    static POSTGRES: OnceLock<Year> = OnceLock::new();
    match backend {
        Backend::Sqlite => SQLITE.get_or_init(|| build(Backend::Sqlite)),
        Backend::Postgres => POSTGRES.get_or_init(|| build(Backend::Postgres)),
    }
}

/// Every department's instance of one indicator.
fn all<'a>(y: &'a Year, key: &str) -> Vec<(&'a str, &'a Indicator)> {
    y.report
        .departments
        .iter()
        .flat_map(|d| {
            d.indicators
                .iter()
                .filter(move |i| i.key == key)
                .map(move |i| (d.code.as_str(), i))
        })
        .collect()
}

/// The indicator is consistent everywhere, counted somewhere, and names only events of `types`.
fn check(y: &Year, key: &str, types: &[&str]) -> Vec<(String, Indicator)> {
    let found = all(y, key);
    assert!(!found.is_empty(), "{key}: no department");
    let mut counted = false;
    for (dept, i) in &found {
        match i.denominator {
            None => assert_eq!(i.rate, None, "{key} of {dept}: a count has no rate"),
            Some(0) => assert_eq!(i.rate, None, "{key} of {dept}: never divide by zero"),
            Some(n) => {
                assert!(i.numerator <= n, "{key} of {dept}: {} > {n}", i.numerator);
                assert_eq!(i.rate, Some(i.numerator as f64 / n as f64));
            }
        }
        counted |= i.numerator > 0 || i.denominator.unwrap_or(0) > 0;
        assert!(
            i.numerator_positions
                .iter()
                .all(|p| i.positions.contains(p))
        );
        assert!(i.positions.windows(2).all(|w| w[0] < w[1]), "ascending");
        for p in &i.positions {
            let t = y.types.get(p).map(String::as_str).unwrap_or("?");
            assert!(types.contains(&t), "{key} of {dept}: position {p} is {t}");
        }
    }
    assert!(counted, "{key}: nothing counted in a year of the demo");
    found
        .into_iter()
        .map(|(d, i)| (d.to_owned(), i.clone()))
        .collect()
}

fn art38_catalog_entries_compiled_counts_drafted_entries(b: Backend) {
    check(
        year(b),
        "catalog_entries_compiled",
        &["CatalogEntryDrafted"],
    );
}

fn art11_art38_catalog_update_on_time_counts_first_outcomes(b: Backend) {
    check(
        year(b),
        "catalog_update_on_time",
        &["DeadlineMet", "DeadlineMissed"],
    );
}

fn art16_art38_aggregation_rate_counts_shareable_entries_aggregated(b: Backend) {
    let found = check(
        year(b),
        "aggregation_rate",
        &["CatalogEntryApproved", "AggregationRegistered"],
    );
    assert!(found.iter().any(|(_, i)| i.numerator > 0));
    // 第十五条: an entry listed as not shared leaves the denominator until approved again; the demo lists
    // one, and the provider's stock counts no approval of it older than the listing.
    let y = year(b);
    assert!(!y.listed.is_empty(), "the demo lists an entry");
    for (provider, listing, entry) in &y.listed {
        let (_, i) = found.iter().find(|(d, _)| d == provider).unwrap();
        assert!(
            i.positions.iter().all(|p| {
                y.types[p] != "CatalogEntryApproved" || &y.cases[p] != entry || p > listing
            }),
            "{provider}: an approval before the listing still counted"
        );
    }
}

fn art10_art38_catalog_versions_published_by_the_authority(b: Backend) {
    let found = check(
        year(b),
        "catalog_versions_published",
        &["CatalogVersionPublished"],
    );
    assert!(
        found
            .iter()
            .filter(|(_, i)| i.numerator > 0)
            .all(|(d, _)| d.contains("data-authority")),
        "only authorities publish catalog versions"
    );
}

fn art19_art38_share_requests_received_by_the_provider(b: Backend) {
    check(
        year(b),
        "share_requests_received",
        &["ShareApplicationSubmitted"],
    );
}

fn art19_art38_provider_reply_on_time_agrees_with_the_deadlines_model(b: Backend) {
    let y = year(b);
    let found = check(
        y,
        "provider_reply_on_time",
        &["DeadlineMet", "DeadlineMissed"],
    );
    for (dept, i) in found {
        let (on_time, settled) = y.provider_reply.get(&dept).copied().unwrap_or((0, 0));
        assert_eq!(
            (i.numerator, i.denominator),
            (on_time, Some(settled)),
            "{dept}"
        );
    }
}

fn art19_art38_refusal_rate_counts_refusals_among_replies(b: Backend) {
    let found = check(
        year(b),
        "refusal_rate",
        &["ProviderAgreed", "ProviderRefused"],
    );
    assert!(found.iter().any(|(_, i)| i.numerator > 0), "a refusal");
    for (dept, i) in &found {
        let (refused, _, replies) = year(b).refusals.get(dept).copied().unwrap_or_default();
        assert_eq!(
            (i.numerator, i.denominator),
            (refused, Some(replies)),
            "{dept}"
        );
    }
    for (_, i) in found {
        for p in &i.numerator_positions {
            assert_eq!(year(b).types[p], "ProviderRefused");
        }
    }
}

fn art38_refusal_overturned_by_objection_counts_against_the_provider(b: Backend) {
    let y = year(b);
    let found = check(
        y,
        "refusals_overturned",
        &["ProviderRefused", "ObjectionConcluded"],
    );
    let overturned: Vec<&(String, Indicator)> =
        found.iter().filter(|(_, i)| i.numerator > 0).collect();
    assert!(!overturned.is_empty(), "an upheld objection in the demo");
    for (dept, i) in overturned {
        // The refusal is the provider's own, and the upheld conclusion is among the positions.
        for p in &i.numerator_positions {
            assert_eq!(y.types[p], "ProviderRefused");
        }
        assert!(
            i.positions
                .iter()
                .any(|p| y.types[p] == "ObjectionConcluded"),
            "{dept}"
        );
        let refusals = all(y, "refusal_rate")
            .into_iter()
            .find(|(d, _)| d == dept)
            .map(|(_, r)| r.numerator)
            .unwrap();
        assert!(i.numerator <= refusals);
    }
    // Every provider's numbers agree with the oracle read from the raw log.
    for (dept, i) in &found {
        let (refused, overturned, _) = y.refusals.get(dept).copied().unwrap_or_default();
        assert_eq!(
            (i.numerator, i.denominator),
            (overturned, Some(refused)),
            "{dept}"
        );
    }
}

fn art19_art38_authority_review_and_provision_on_time(b: Backend) {
    let y = year(b);
    for key in ["authority_review_on_time", "authority_provision_on_time"] {
        let found = check(y, key, &["DeadlineMet", "DeadlineMissed"]);
        assert!(
            found
                .iter()
                .filter(|(_, i)| i.denominator.unwrap_or(0) > 0)
                .all(|(d, _)| d.contains("data-authority")),
            "{key}: only authorities review and provide"
        );
    }
}

fn art20_art38_verification_on_time_and_extension_rate(b: Backend) {
    let y = year(b);
    check(
        y,
        "verification_on_time",
        &["DeadlineMet", "DeadlineMissed"],
    );
    let found = check(
        y,
        "verification_extension_rate",
        &["DeadlineSet", "DeadlineExtended"],
    );
    assert!(found.iter().any(|(_, i)| i.numerator > 0), "an extension");
}

fn art34_art38_incidents_and_report_timeliness(b: Backend) {
    let y = year(b);
    check(y, "incidents_reported", &["IncidentReported"]);
    let found = check(
        y,
        "incident_report_on_time",
        &["DeadlineMet", "DeadlineMissed"],
    );
    assert!(
        found
            .iter()
            .any(|(_, i)| i.numerator < i.denominator.unwrap_or(0)),
        "a late incident report"
    );
}

fn art22_art38_usage_violation_counts_against_the_grantee(b: Backend) {
    let found = check(year(b), "usage_violation_rate", &["GrantUseRecorded"]);
    assert!(found.iter().any(|(_, i)| i.numerator > 0), "a violation");
}

fn art39_art38_rectification_overdue_and_rejected(b: Backend) {
    let y = year(b);
    check(
        y,
        "rectification_overdue_rate",
        &["DeadlineMet", "DeadlineMissed"],
    );
    check(
        y,
        "rectification_rejected_rate",
        &["RectificationReported", "RectificationRejected"],
    );
}

fn art38_score_is_the_weighted_mean_of_the_rates(b: Backend) {
    let y = year(b);
    let weights = govshare_domain::RuleSet::hebei_2022().assessment;
    for d in &y.report.departments {
        // Oracle: the same formula, written out independently.
        let mut num = 0.0;
        let mut den = 0.0;
        for i in &d.indicators {
            let w = weights.weight(i.key);
            if let (Some(r), true) = (i.rate, w > 0) {
                let good = if i.direction == govshare_report::Direction::Lower {
                    1.0 - r
                } else {
                    r
                };
                num += f64::from(w) * good;
                den += f64::from(w);
            }
        }
        let expected = (den > 0.0).then(|| 100.0 * num / den);
        match (d.score, expected) {
            (Some(a), Some(b)) => assert!((a - b).abs() < 1e-9, "{}: {a} vs {b}", d.code),
            (a, b) => assert_eq!(a, b, "{}", d.code),
        }
    }
    assert!(y.report.departments.iter().any(|d| d.score.is_some()));
}

fn art38_every_format_renders_every_department(b: Backend) {
    let y = year(b);
    let csv = render(&y.report, Format::Csv, Lang::Zh);
    assert_eq!(
        csv.lines().count(),
        1 + y.report.departments.len() * govshare_report::INDICATORS.len()
    );
    for format in [Format::Json, Format::Markdown, Format::Html] {
        let out = render(&y.report, format, Lang::Zh);
        for d in &y.report.departments {
            assert!(out.contains(&d.code), "{format:?} lacks {}", d.code);
        }
    }
}

macro_rules! both_backends {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[test]
                fn $case() {
                    super::$case(super::Backend::Sqlite);
                }
            )*
        }
        mod postgres {
            $(
                #[test]
                fn $case() {
                    super::$case(super::Backend::Postgres);
                }
            )*
        }
    };
}

both_backends!(
    art38_catalog_entries_compiled_counts_drafted_entries,
    art11_art38_catalog_update_on_time_counts_first_outcomes,
    art16_art38_aggregation_rate_counts_shareable_entries_aggregated,
    art10_art38_catalog_versions_published_by_the_authority,
    art19_art38_share_requests_received_by_the_provider,
    art19_art38_provider_reply_on_time_agrees_with_the_deadlines_model,
    art19_art38_refusal_rate_counts_refusals_among_replies,
    art38_refusal_overturned_by_objection_counts_against_the_provider,
    art19_art38_authority_review_and_provision_on_time,
    art20_art38_verification_on_time_and_extension_rate,
    art34_art38_incidents_and_report_timeliness,
    art22_art38_usage_violation_counts_against_the_grantee,
    art39_art38_rectification_overdue_and_rejected,
    art38_score_is_the_weighted_mean_of_the_rates,
    art38_every_format_renders_every_department,
);

/// The same seeded history gives the same report, byte for byte, on SQLite and on PostgreSQL.
#[test]
fn art38_report_is_the_same_on_both_backends() {
    let a = render(&year(Backend::Sqlite).report, Format::Json, Lang::Zh);
    let b = render(&year(Backend::Postgres).report, Format::Json, Lang::Zh);
    assert!(a == b, "the reports differ between backends");
}
