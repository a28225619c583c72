//! 考核评价 the assessment report of 第三十八条: the report `GET /v1/assessment` answers
//! (`govshare_server::reports::assessment_report`, computed by `govshare-report`; nothing is counted here),
//! with inline SVG charts, a period picker, its CSV, and for each indicator the events it counts.
//! Visibility as on the API: a data authority sees its region (or one department), any other department
//! its own.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Datelike;
use govshare_projections::models::audit;
use govshare_report::indicators::{Measure, definition};
use govshare_report::{
    AssessmentReport, AssessmentRequest, DepartmentAssessment, Format, Indicator, Period, Scope,
};
use govshare_server::reports::{assessment_report, report_problem};
use govshare_server::{Code, Problem};
use maud::{Markup, html};

use crate::i18n::{self, Lang};
use crate::layout::page;
use crate::{Console, PageError, Viewer};

/// At most this many events are listed for one indicator.
const MAX_EVENTS: usize = 500;

/// The period and scope a page asks for.
#[derive(Debug, Clone)]
struct Choice {
    period: Period,
    scope: Scope,
}

impl Choice {
    fn query(&self) -> String {
        format!("period={}&scope={}", self.period, self.scope)
    }
}

/// The period of `?period=` (`2026`, `2026Q3`, `2026-09`), else of the picker's `?year=&part=` (`part`
/// empty for the year, `Q1`…`Q4`, or `01`…`12`), else the current year (Beijing).
fn period(params: &HashMap<String, String>, today: chrono::NaiveDate) -> Result<Period, Problem> {
    let text = match params
        .get("period")
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
    {
        Some(p) => p.to_owned(),
        None => {
            let year = params
                .get("year")
                .map(|y| y.trim().to_owned())
                .filter(|y| !y.is_empty())
                .unwrap_or_else(|| today.year().to_string());
            match params.get("part").map(|p| p.trim()).unwrap_or("") {
                "" => year,
                q if q.starts_with('Q') => format!("{year}{q}"),
                m => format!("{year}-{m}"),
            }
        }
    };
    text.parse().map_err(|e| report_problem(e, "period"))
}

/// The scope of `?scope=` (`region:<code>` or `department:<code>`), else the viewer's: its region for a
/// data authority, its own department otherwise. Whether it may see it is the API's rule, checked when the
/// report is computed.
fn scope(params: &HashMap<String, String>, viewer: &Viewer) -> Result<Scope, Problem> {
    match params
        .get("scope")
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
    {
        Some(s) => s.parse().map_err(|e| report_problem(e, "scope")),
        None => Ok(match (&viewer.region, viewer.authority) {
            (Some(region), true) => Scope::Region(region.clone()),
            _ => Scope::Department(viewer.caller.actor.department.as_str().to_owned()),
        }),
    }
}

async fn report(
    console: &Console,
    viewer: &Viewer,
    params: &HashMap<String, String>,
) -> Result<(Choice, AssessmentReport), PageError> {
    let now = console.app.engine().clock().now();
    let today = govshare_workdays::beijing_date(now);
    let choice = Choice {
        period: period(params, today).map_err(viewer.failed())?,
        scope: scope(params, viewer).map_err(viewer.failed())?,
    };
    let request = AssessmentRequest {
        period: choice.period,
        scope: choice.scope.clone(),
        as_of: now,
    };
    let report = assessment_report(&console.app, &viewer.caller, &request)
        .await
        .map_err(viewer.failed())?;
    Ok((choice, report))
}

fn report_lang(lang: Lang) -> govshare_report::Lang {
    match lang {
        Lang::Zh => govshare_report::Lang::Zh,
        Lang::En => govshare_report::Lang::En,
    }
}

fn indicator_name(lang: Lang, key: &str) -> String {
    definition(key).map_or_else(|| key.to_owned(), |d| lang.pick(d.zh, d.en).to_owned())
}

/// Deadlines first settled in the period: (on time, late or missed), over the indicators counting them.
fn deadlines(d: &DepartmentAssessment) -> (u64, u64) {
    let (mut on_time, mut settled) = (0, 0);
    for i in d
        .indicators
        .iter()
        .filter(|i| i.measure == Measure::DeadlinesOnTime)
    {
        on_time += i.numerator;
        settled += i.denominator.unwrap_or(0);
    }
    (on_time, settled.saturating_sub(on_time))
}

fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "—".to_owned(), |r| format!("{:.1}%", r * 100.0))
}

const LABEL_W: f64 = 300.0;
const BAR_W: f64 = 760.0;
const ROW_H: f64 = 30.0;

fn short(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    if chars.len() > 16 {
        format!("{}…", chars[..15].iter().collect::<String>())
    } else {
        name.to_owned()
    }
}

/// Horizontal bars of each department's score out of 100.
fn score_chart(lang: Lang, departments: &[DepartmentAssessment]) -> Markup {
    let height = ROW_H * departments.len() as f64 + 40.0;
    let width = LABEL_W + BAR_W + 80.0;
    html! {
        svg #score-chart role="img" aria-labelledby="score-title score-desc" width=(width) height=(height)
            viewBox=(format!("0 0 {width} {height}")) xmlns="http://www.w3.org/2000/svg" {
            title #score-title { (lang.pick("各部门考核得分（满分 100）", "Score by department (out of 100)")) }
            desc #score-desc { (lang.pick("每个部门一条横条，长度为得分。", "One bar per department, its length the score.")) }
            @for tick in [0u32, 25, 50, 75, 100] {
                @let x = LABEL_W + BAR_W * f64::from(tick) / 100.0;
                line x1=(x) x2=(x) y1="4" y2=(height - 24.0) stroke="#d5dbe2" {}
                text x=(x) y=(height - 8.0) font-size="12" text-anchor="middle" fill="#5b6673" { (tick) }
            }
            @for (n, d) in departments.iter().enumerate() {
                @let y = 6.0 + ROW_H * n as f64;
                text x=(LABEL_W - 8.0) y=(y + 17.0) font-size="14" text-anchor="end" fill="#1d2733" { (short(&d.name)) }
                @match d.score {
                    Some(score) => {
                        rect x=(LABEL_W) y=(y) width=(BAR_W * score.clamp(0.0, 100.0) / 100.0) height=(ROW_H - 8.0) fill="#0b4f9c" {}
                        text x=(LABEL_W + BAR_W * score.clamp(0.0, 100.0) / 100.0 + 6.0) y=(y + 17.0) font-size="13" fill="#1d2733" { (format!("{score:.1}")) }
                    }
                    None => {
                        text x=(LABEL_W + 6.0) y=(y + 17.0) font-size="13" fill="#5b6673" { (lang.pick("无可评分指标", "nothing to score")) }
                    }
                }
            }
        }
    }
}

/// Stacked bars of the deadlines each department settled in the period: on time, late or missed.
fn deadline_chart(lang: Lang, departments: &[DepartmentAssessment]) -> Markup {
    let counts: Vec<(u64, u64)> = departments.iter().map(deadlines).collect();
    let max = counts.iter().map(|(a, b)| a + b).max().unwrap_or(0).max(1) as f64;
    let height = ROW_H * departments.len() as f64 + 56.0;
    let width = LABEL_W + BAR_W + 120.0;
    html! {
        svg #deadline-chart role="img" aria-labelledby="deadline-title deadline-desc" width=(width) height=(height)
            viewBox=(format!("0 0 {width} {height}")) xmlns="http://www.w3.org/2000/svg" {
            title #deadline-title { (lang.pick("各部门期限办理情况", "Deadlines settled by department")) }
            desc #deadline-desc { (lang.pick("绿色为按时办结的期限数，红色为逾期办结或未办的期限数。", "Green: deadlines met on time; red: met late or missed.")) }
            rect x=(LABEL_W) y="4" width="14" height="14" fill="#1b6e3a" {}
            text x=(LABEL_W + 20.0) y="16" font-size="13" fill="#1d2733" { (lang.pick("按时", "on time")) }
            rect x=(LABEL_W + 110.0) y="4" width="14" height="14" fill="#b3261e" {}
            text x=(LABEL_W + 130.0) y="16" font-size="13" fill="#1d2733" { (lang.pick("逾期或未办", "late or missed")) }
            @for (n, (d, (on_time, late))) in departments.iter().zip(&counts).enumerate() {
                @let y = 30.0 + ROW_H * n as f64;
                @let good = BAR_W * *on_time as f64 / max;
                @let bad = BAR_W * *late as f64 / max;
                text x=(LABEL_W - 8.0) y=(y + 17.0) font-size="14" text-anchor="end" fill="#1d2733" { (short(&d.name)) }
                rect x=(LABEL_W) y=(y) width=(good) height=(ROW_H - 8.0) fill="#1b6e3a" {}
                rect x=(LABEL_W + good) y=(y) width=(bad) height=(ROW_H - 8.0) fill="#b3261e" {}
                text x=(LABEL_W + good + bad + 6.0) y=(y + 17.0) font-size="13" fill="#1d2733" {
                    (on_time) " / " (on_time + late)
                    @if on_time + late > 0 { " (" (format!("{:.0}%", *on_time as f64 * 100.0 / (on_time + late) as f64)) ")" }
                }
            }
        }
    }
}

fn picker(lang: Lang, choice: &Choice, authority: bool) -> Markup {
    let (year, part) = match choice.period {
        Period::Year(y) => (y, String::new()),
        Period::Quarter(y, q) => (y, format!("Q{q}")),
        Period::Month(y, m) => (y, format!("{m:02}")),
    };
    html! {
        form.filter.noprint method="get" action="/console/assessment" aria-label=(lang.pick("考核期间", "Period")) {
            div {
                label for="year" { (lang.pick("年度", "Year")) }
                input #year type="number" name="year" min="2000" max="2100" value=(year) style="width:7em";
            }
            div {
                label for="part" { (lang.pick("期间", "Period")) }
                select #part name="part" {
                    option value="" selected[part.is_empty()] { (lang.pick("全年", "whole year")) }
                    @for q in 1..=4u32 {
                        @let key = format!("Q{q}");
                        option value=(key) selected[part == key] { (lang.pick("第", "Q")) (q) (lang.pick("季度", "")) }
                    }
                    @for m in 1..=12u32 {
                        @let key = format!("{m:02}");
                        option value=(key) selected[part == key] { (m) (lang.pick("月", "")) @if lang == Lang::En { " (month)" } }
                    }
                }
            }
            @if authority || matches!(choice.scope, Scope::Department(_)) {
                input type="hidden" name="scope" value=(choice.scope.to_string());
            }
            button.primary type="submit" { (lang.pick("查看", "Show")) }
        }
    }
}

fn scope_text(lang: Lang, scope: &Scope) -> String {
    match scope {
        Scope::Region(code) => format!("{}{code}", lang.pick("行政区划 ", "region ")),
        Scope::Department(code) => format!("{}{code}", lang.pick("部门 ", "department ")),
    }
}

fn indicator_rows(lang: Lang, choice: &Choice, d: &DepartmentAssessment) -> Markup {
    html! {
        table.indicators {
            caption { (d.name) " · " (lang.pick("得分 ", "score ")) (d.score.map_or_else(|| "—".to_owned(), |s| format!("{s:.1}"))) }
            thead { tr {
                th scope="col" { (lang.pick("指标", "Indicator")) }
                th scope="col" { (lang.pick("条款", "Article")) }
                th scope="col" { (lang.pick("分子", "Numerator")) }
                th scope="col" { (lang.pick("分母", "Denominator")) }
                th scope="col" { (lang.pick("比率", "Rate")) }
                th scope="col" { (lang.pick("权重", "Weight")) }
                th scope="col" { (lang.pick("明细", "Events")) }
            } }
            tbody {
                @for i in &d.indicators {
                    tr {
                        td { (indicator_name(lang, i.key)) }
                        td.nowrap { (i.article) }
                        td { (i.numerator) }
                        td { (i.denominator.map_or_else(|| "—".to_owned(), |n| n.to_string())) }
                        td { (percent(i.rate)) }
                        td { (i.weight) }
                        td.nowrap {
                            @if i.positions.is_empty() { span.muted { "0" } } @else {
                                a href=(format!("/console/assessment/events?period={}&scope=department:{}&indicator={}", choice.period, d.code, i.key)) {
                                    (i.positions.len()) (lang.pick(" 条事件", " events"))
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `GET /console/assessment?period=|year=&part=&scope=`.
pub(crate) async fn show(
    State(console): State<Console>,
    viewer: Viewer,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let lang = viewer.lang;
    let (choice, report) = report(&console, &viewer, &params).await?;
    let title = lang.pick("考核评价", "Assessment");
    let csv = format!(
        "/console/assessment.csv?{}&lang={}",
        choice.query(),
        lang.code()
    );
    let body = html! {
        h1 { (title) " " span.muted { (report.period) } }
        p.muted {
            (lang.pick("依据第三十八条；", "Under article 38; "))
            (scope_text(lang, &report.scope)) " · "
            (report.first_day) " – " (report.last_day) " · "
            (lang.pick("统计截至（北京时间）", "as of (Beijing time) ")) (i18n::beijing(report.as_of)) " · "
            (lang.pick("规则集 ", "rule set ")) (report.rule_set.id) " v" (report.rule_set.version)
        }
        (picker(lang, &choice, viewer.authority))
        p.noprint {
            a #csv href=(csv) download { (lang.pick("下载 CSV", "Download CSV")) }
            @if viewer.authority && matches!(report.scope, Scope::Department(_)) {
                @if let Some(region) = &viewer.region {
                    " · " a href=(format!("/console/assessment?period={}&scope=region:{region}", choice.period)) { (lang.pick("返回全区", "Back to the region")) }
                }
            }
        }
        @if report.departments.is_empty() {
            section { p.muted { (lang.pick("该范围内没有部门。", "No department in this scope.")) } }
        } @else {
            section aria-labelledby="charts-h" {
                h2 #charts-h { (lang.pick("图表", "Charts")) }
                figure {
                    figcaption { (lang.pick("考核得分（满分 100，按规则集的考核权重加权）", "Score (out of 100, weighted by the rule set's assessment weights)")) }
                    (score_chart(lang, &report.departments))
                }
                figure {
                    figcaption { (lang.pick("期间内有结果的期限：按时办结 / 全部", "Deadlines settled in the period: met on time / all")) }
                    (deadline_chart(lang, &report.departments))
                }
            }
            @if let [only] = report.departments.as_slice() {
                section aria-labelledby="ind-h" {
                    h2 #ind-h { (lang.pick("指标", "Indicators")) }
                    (indicator_rows(lang, &choice, only))
                    p.muted { (lang.pick("“明细”列出该指标计入的日志事件（分子与分母）。", "“Events” lists the log events the indicator counts (numerator and denominator).")) }
                }
            } @else {
                section aria-labelledby="dep-h" {
                    h2 #dep-h { (lang.pick("各部门", "Departments")) }
                    table #departments {
                        thead { tr {
                            th scope="col" { (lang.pick("部门", "Department")) }
                            th scope="col" { (lang.pick("得分", "Score")) }
                            th scope="col" { (lang.pick("按时办结期限", "Deadlines on time")) }
                            th scope="col" { (lang.pick("逾期或未办", "Late or missed")) }
                            th scope="col" { (lang.pick("指标明细", "Indicators")) }
                        } }
                        tbody {
                            @for d in &report.departments {
                                @let (on_time, late) = deadlines(d);
                                tr.overdue[late > 0] {
                                    td { (d.name) br; span.muted { (d.code) } }
                                    td { (d.score.map_or_else(|| "—".to_owned(), |s| format!("{s:.1}"))) }
                                    td { (on_time) }
                                    td { (late) }
                                    td { a href=(format!("/console/assessment?period={}&scope=department:{}", choice.period, d.code)) { (lang.pick("查看", "Open")) } }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(page(lang, title, Some(&viewer), body).into_response())
}

/// `GET /console/assessment.csv?period=&scope=&lang=`: the report's CSV (`govshare-report`'s renderer, as
/// `GET /v1/assessment?format=csv`).
pub(crate) async fn csv(
    State(console): State<Console>,
    viewer: Viewer,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let (choice, report) = report(&console, &viewer, &params).await?;
    let body = govshare_report::render(&report, Format::Csv, report_lang(viewer.lang));
    let file = format!(
        "attachment; filename=\"assessment-{}-{}.csv\"",
        choice.period,
        match &choice.scope {
            Scope::Region(c) | Scope::Department(c) => c,
        }
    );
    let mut response = (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/csv; charset=utf-8"),
        )],
        body,
    )
        .into_response();
    if let Ok(value) = HeaderValue::from_str(&file) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

/// `GET /console/assessment/events?period=&scope=department:<code>&indicator=<key>`: the log events an
/// indicator counts for one department (the report's own positions), each read from the audit trail.
pub(crate) async fn events(
    State(console): State<Console>,
    viewer: Viewer,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let lang = viewer.lang;
    let (choice, report) = report(&console, &viewer, &params).await?;
    let key = params.get("indicator").map(String::as_str).unwrap_or("");
    let found: Option<(&DepartmentAssessment, &Indicator)> = report
        .departments
        .iter()
        .find_map(|d| d.indicators.iter().find(|i| i.key == key).map(|i| (d, i)));
    let Some((department, indicator)) = found.filter(|_| report.departments.len() == 1) else {
        return Err(viewer.failed()(
            Problem::new(
                Code::NotFound,
                lang.pick(
                    "没有这个指标（明细按单个部门查看）",
                    "no such indicator (events are listed for one department)",
                ),
            )
            .with_field("indicator"),
        ));
    };
    let app = &console.app;
    let last = indicator.positions.last().copied();
    app.wait(audit::NAME, last).await.map_err(viewer.failed())?;
    let mut entries = Vec::new();
    for position in indicator.positions.iter().take(MAX_EVENTS) {
        if let Some(entry) = audit::at_position(app.read_db(), *position)
            .await
            .map_err(viewer.failed())?
        {
            entries.push(entry);
        }
    }
    let registry = app.engine().registry().await.map_err(viewer.failed())?;
    let name = indicator_name(lang, indicator.key);
    let title = lang.pick("指标明细", "Indicator events");
    let back = format!("/console/assessment?{}", choice.query());
    let body = html! {
        h1 { (name) " " span.muted { (report.period) } }
        p.muted {
            (department.name) " · " (indicator.article) " · "
            (lang.pick("分子 ", "numerator ")) (indicator.numerator)
            @if let Some(d) = indicator.denominator { " / " (lang.pick("分母 ", "denominator ")) (d) }
            " · " (percent(indicator.rate))
        }
        @if let Some(def) = definition(indicator.key) {
            p { (lang.pick(def.formula_zh, def.formula_en)) }
        }
        p.noprint { a href=(back) { (lang.pick("← 返回考核评价", "← Back to the assessment")) } }
        section aria-labelledby="ev-h" {
            h2 #ev-h { (lang.pick("计入的事件", "Events counted")) }
            @if indicator.positions.len() > MAX_EVENTS {
                p.muted { (lang.pick("仅列出前 ", "Only the first ")) (MAX_EVENTS) (lang.pick(" 条。", " are listed.")) }
            }
            table #events {
                thead { tr {
                    th scope="col" { (lang.pick("位置", "Position")) }
                    th scope="col" { (lang.pick("计入", "Counted in")) }
                    th scope="col" { (lang.pick("时间", "Recorded")) }
                    th scope="col" { (lang.pick("事件", "Event")) }
                    th scope="col" { (lang.pick("案件", "Case")) }
                    th scope="col" { (lang.pick("部门 · 人员", "Department · person")) }
                } }
                tbody {
                    @for e in &entries {
                        @let numerator = indicator.numerator_positions.binary_search(&e.position).is_ok();
                        tr {
                            td { (e.position) }
                            td { @if numerator { (lang.pick("分子", "numerator")) } @else { span.muted { (lang.pick("分母", "denominator")) } } }
                            td.nowrap { (i18n::beijing(e.recorded_at)) }
                            td { (i18n::event(lang, &e.event_type).0) br; span.muted { (e.event_type) } }
                            td {
                                @if e.stream.aggregate_type == "ShareApplication" {
                                    a href=(format!("/console/applications/{}", e.stream.aggregate_id)) { (e.stream.aggregate_id) }
                                } @else {
                                    (e.stream.aggregate_id) " " span.muted { "(" (e.stream.aggregate_type) ")" }
                                }
                            }
                            td { (crate::desk::name(&registry, &e.department)) " · " (e.person) }
                        }
                    }
                }
            }
        }
    };
    Ok(page(lang, title, Some(&viewer), body).into_response())
}
