//! 第三十八条: a report as of an instant is reproducible — the same, byte for byte, before and after a year
//! of further events — and its JSON and CSV forms are kept as golden files (`GOVSHARE_BLESS=1` rewrites
//! them). The HTML page is rendered by headless Chromium.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use govshare_report::{AssessmentReport, Format, Lang, Period, Scope, render};

fn q1() -> Period {
    "2026Q1".parse().unwrap()
}

/// A report of 2026Q1 as of 2026-04-01 00:00 Beijing time, in every format.
struct Rendered {
    json: String,
    csv: String,
    markdown: String,
    html: String,
    html_en: String,
}

fn rendered(report: &AssessmentReport) -> Rendered {
    Rendered {
        json: render(report, Format::Json, Lang::Zh),
        csv: render(report, Format::Csv, Lang::Zh),
        markdown: render(report, Format::Markdown, Lang::Zh),
        html: render(report, Format::Html, Lang::Zh),
        html_en: render(report, Format::Html, Lang::En),
    }
}

fn q1_report(months: u32) -> (Rendered, Rendered) {
    block_on(move || async move {
        let demo = Demo::run(Backend::Sqlite, months).await;
        let as_of = bj(2026, 4, 1, 0);
        let everyone = demo.everyone(q1(), as_of).await;
        let province = demo
            .report(q1(), Scope::Region("130000".into()), as_of)
            .await;
        (rendered(&everyone), rendered(&province))
    })
}

fn golden(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name)
}

fn bless() -> bool {
    std::env::var_os("GOVSHARE_BLESS").is_some_and(|v| v == "1")
}

fn check_golden(name: &str, actual: &str) {
    let path = golden(name);
    if bless() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (GOVSHARE_BLESS=1 writes it)", path.display()));
    assert!(
        expected == actual,
        "{name} differs from the golden file (GOVSHARE_BLESS=1 rewrites it)"
    );
}

#[test]
fn art38_report_as_of_a_past_quarter_is_byte_identical_after_a_year_more() {
    // The same seeded province, once run for three months and once for fifteen: the report of the first
    // quarter as of 2026-04-01 sees the same facts, and nothing recorded later.
    let (before, before_province) = q1_report(3);
    let (after, after_province) = q1_report(15);
    for (a, b) in [(&before, &after), (&before_province, &after_province)] {
        assert!(a.json == b.json, "JSON differs after a year more");
        assert!(a.csv == b.csv, "CSV differs after a year more");
        assert!(
            a.markdown == b.markdown,
            "Markdown differs after a year more"
        );
        assert!(a.html == b.html, "HTML differs after a year more");
    }
    assert!(before.json.contains("\"article\": \"第三十八条\""));

    check_golden("assessment-2026Q1.json", &before_province.json);
    check_golden("assessment-2026Q1.csv", &before_province.csv);
    check_golden("assessment-2026Q1.md", &before_province.markdown);

    screenshot(&before_province.html, "zh");
    screenshot(&before_province.html_en, "en");
}

/// Renders the page with headless Chromium; fails (never skips) without it.
fn screenshot(html: &str, lang: &str) {
    let chromium = Path::new("/usr/bin/chromium");
    assert!(
        chromium.exists(),
        "/usr/bin/chromium is missing: apt-get install chromium (see .ci/run)"
    );
    assert!(!html.contains("<script"), "no scripts");
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no external assets"
    );
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    std::fs::write(&page, html).unwrap();
    let png = dir.path().join("report.png");
    let profile = dir.path().join("profile");
    let output = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--window-size=1280,2000")
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    let bytes = std::fs::read(&png).unwrap_or_else(|e| {
        panic!(
            "no screenshot ({e}); chromium said: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG");
    assert!(
        bytes.len() > 20_000,
        "a non-trivial page: {} bytes",
        bytes.len()
    );
    if lang == "zh" {
        let keep =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/images/assessment-report.png");
        if bless() || !keep.exists() {
            std::fs::create_dir_all(keep.parent().unwrap()).unwrap();
            std::fs::copy(&png, &keep).unwrap();
        }
    }
    let out = std::env::temp_dir().join(format!("govshare-assessment-{lang}.png"));
    let _ = std::fs::copy(&png, out);
}
