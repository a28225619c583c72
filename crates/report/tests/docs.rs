//! `docs/assessment.md` carries the indicator table of the code (`govshare_report::INDICATORS` with the
//! hebei-2022 weights); this test keeps them equal (`GOVSHARE_BLESS=1` rewrites the table in the document).

use govshare_domain::RuleSet;
use govshare_report::{Direction, INDICATORS, Measure};

const BEGIN: &str = "<!-- indicators:begin (generated from the code; a test keeps it equal) -->";
const END: &str = "<!-- indicators:end -->";

fn table() -> String {
    let weights = RuleSet::hebei_2022().assessment;
    let mut out = String::from(
        "| key | 指标 | indicator | article | measure | better | weight | formula (公式) | events counted |\n\
         | --- | --- | --- | --- | --- | --- | ---: | --- | --- |\n",
    );
    for d in INDICATORS {
        let measure = match d.measure {
            Measure::Count => "count",
            Measure::DeadlinesOnTime => "deadlines on time",
            Measure::DeadlinesLate => "deadlines late",
            Measure::Ratio => "ratio",
        };
        let better = match (d.measure, d.direction) {
            (Measure::Count, _) => "—",
            (_, Direction::Higher) => "higher",
            (_, Direction::Lower) => "lower",
        };
        let weight = if d.measure == Measure::Count {
            0
        } else {
            weights.weight(d.key)
        };
        let events = if d.rules.is_empty() {
            d.events.to_owned()
        } else {
            format!(
                "{} of {}",
                d.events,
                d.rules
                    .iter()
                    .map(|r| format!("`{r}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        out.push_str(&format!(
            "| `{}` | {} | {} | {}、第三十八条 | {measure} | {better} | {weight} | {}; {} | {events} |\n",
            d.key, d.zh, d.en, d.article, d.formula_zh, d.formula_en
        ));
    }
    out
}

#[test]
fn art38_assessment_doc_matches_the_indicators() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/assessment.md");
    let doc = std::fs::read_to_string(path).unwrap();
    let (head, rest) = doc.split_once(BEGIN).expect("the begin marker");
    let (current, tail) = rest.split_once(END).expect("the end marker");
    let expected = format!("\n{}", table());
    if std::env::var_os("GOVSHARE_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(path, format!("{head}{BEGIN}{expected}{END}{tail}")).unwrap();
        return;
    }
    assert!(
        current == expected,
        "docs/assessment.md's table differs from the code; GOVSHARE_BLESS=1 rewrites it:\n{expected}"
    );
}
