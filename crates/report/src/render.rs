//! The report's formats: JSON, CSV (one row per department × indicator), Markdown and a self-contained HTML
//! page (inline CSS and SVG, no script, no external asset). Chinese first ([`Lang::Zh`]), English on request.

use std::fmt::Write;
use std::str::FromStr;

use crate::indicators::{Measure, definition};
use crate::{ARTICLE, AssessmentReport, DepartmentAssessment, Indicator, ReportError, Scope};

/// An output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// Pretty JSON (fields in declaration order).
    Json,
    /// CSV, one row per department × indicator.
    Csv,
    /// Markdown tables.
    Markdown,
    /// A self-contained HTML page.
    Html,
}

impl FromStr for Format {
    type Err = ReportError;

    /// `json`, `csv`, `markdown` (or `md`), `html`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "json" => Ok(Format::Json),
            "csv" => Ok(Format::Csv),
            "markdown" | "md" => Ok(Format::Markdown),
            "html" => Ok(Format::Html),
            _ => Err(ReportError::InvalidFormat(s.to_owned())),
        }
    }
}

/// The language of names and headings (JSON keys stay English either way).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Lang {
    /// 中文 (default).
    #[default]
    Zh,
    /// English.
    En,
}

impl FromStr for Lang {
    type Err = ReportError;

    /// `zh` or `en`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "zh" | "zh-cn" | "cn" => Ok(Lang::Zh),
            "en" => Ok(Lang::En),
            _ => Err(ReportError::InvalidLang(s.to_owned())),
        }
    }
}

/// The report in `format`, names and headings in `lang`.
pub fn render(report: &AssessmentReport, format: Format, lang: Lang) -> String {
    match format {
        Format::Json => json(report),
        Format::Csv => csv(report, lang),
        Format::Markdown => markdown(report, lang),
        Format::Html => html(report, lang),
    }
}

struct Text {
    title: &'static str,
    period: &'static str,
    scope: &'static str,
    as_of: &'static str,
    rule_set: &'static str,
    score: &'static str,
    indicator: &'static str,
    article: &'static str,
    numerator: &'static str,
    denominator: &'static str,
    rate: &'static str,
    weight: &'static str,
    positions: &'static str,
    none: &'static str,
    region: &'static str,
    department: &'static str,
    scores: &'static str,
    no_departments: &'static str,
    note: &'static str,
}

const ZH: Text = Text {
    title: "政务数据共享考核评价报告",
    period: "考核期间",
    scope: "考核范围",
    as_of: "数据截止时点",
    rule_set: "规则集",
    score: "综合得分",
    indicator: "指标",
    article: "依据",
    numerator: "分子",
    denominator: "分母",
    rate: "比率",
    weight: "权重",
    positions: "事件位置",
    none: "—",
    region: "行政区划",
    department: "部门",
    scores: "各部门综合得分",
    no_departments: "考核范围内没有已登记的部门。",
    note: "只计入截止时点前记录的事实；比率分母为零时不计算，综合得分为有比率的加权指标的加权平均（越低越好的指标按 1 − 比率 计分）。",
};

const EN: Text = Text {
    title: "Government data sharing assessment report",
    period: "Period",
    scope: "Scope",
    as_of: "Facts recorded up to",
    rule_set: "Rule set",
    score: "Score",
    indicator: "Indicator",
    article: "Article",
    numerator: "Numerator",
    denominator: "Denominator",
    rate: "Rate",
    weight: "Weight",
    positions: "Event positions",
    none: "—",
    region: "Region",
    department: "Department",
    scores: "Scores by department",
    no_departments: "No department is registered in the scope.",
    note: "Only facts recorded up to the instant above count; a rate with a zero denominator is not computed; the score is the weighted mean of the weighted indicators with a rate (lower-is-better indicators count as 1 − rate).",
};

fn text(lang: Lang) -> &'static Text {
    match lang {
        Lang::Zh => &ZH,
        Lang::En => &EN,
    }
}

fn name(i: &Indicator, lang: Lang) -> &'static str {
    match (definition(i.key), lang) {
        (Some(d), Lang::Zh) => d.zh,
        (Some(d), Lang::En) => d.en,
        (None, _) => i.key,
    }
}

fn scope_text(scope: &Scope, lang: Lang) -> String {
    match (scope, lang) {
        (Scope::Region(c), Lang::Zh) => format!("行政区划 {c}"),
        (Scope::Department(c), Lang::Zh) => format!("部门 {c}"),
        (Scope::Region(c), Lang::En) => format!("region {c}"),
        (Scope::Department(c), Lang::En) => format!("department {c}"),
    }
}

fn rate_text(rate: Option<f64>) -> String {
    rate.map_or_else(String::new, |r| format!("{:.1}%", r * 100.0))
}

fn as_of_text(report: &AssessmentReport) -> String {
    // Shown in Beijing time, the time of every legal day in the report.
    let beijing = report.as_of + chrono::TimeDelta::hours(8);
    format!(
        "{} (UTC+08:00)",
        beijing.naive_utc().format("%Y-%m-%d %H:%M:%S")
    )
}

fn title(lang: Lang) -> String {
    format!("{}（{}）", text(lang).title, ARTICLE)
}

fn json(report: &AssessmentReport) -> String {
    // Serializing plain structs, strings and numbers cannot fail; an empty object would show it did.
    let mut out = serde_json::to_string_pretty(report).unwrap_or_else(|_| "{}".to_owned());
    out.push('\n');
    out
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

fn csv(report: &AssessmentReport, lang: Lang) -> String {
    let t = text(lang);
    let mut out = String::new();
    let header = [
        t.period,
        "as_of",
        t.region,
        "department",
        t.department,
        "indicator",
        t.indicator,
        t.article,
        t.numerator,
        t.denominator,
        t.rate,
        t.weight,
        t.score,
    ];
    out.push_str(&header.map(csv_field).join(","));
    out.push_str("\r\n");
    for d in &report.departments {
        for i in &d.indicators {
            let row = [
                report.period.to_string(),
                report.as_of.to_rfc3339(),
                d.region.clone(),
                d.code.clone(),
                d.name.clone(),
                i.key.to_owned(),
                name(i, lang).to_owned(),
                i.article.to_owned(),
                i.numerator.to_string(),
                i.denominator.map(|n| n.to_string()).unwrap_or_default(),
                i.rate.map(|r| format!("{r:.6}")).unwrap_or_default(),
                i.weight.to_string(),
                d.score.map(|s| format!("{s:.6}")).unwrap_or_default(),
            ];
            out.push_str(&row.map(|f| csv_field(&f)).join(","));
            out.push_str("\r\n");
        }
    }
    out
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn positions_text(i: &Indicator) -> String {
    const SHOWN: usize = 12;
    let mut s: Vec<String> = i.positions.iter().take(SHOWN).map(u64::to_string).collect();
    if i.positions.len() > SHOWN {
        s.push(format!("… (+{})", i.positions.len() - SHOWN));
    }
    s.join(", ")
}

fn markdown(report: &AssessmentReport, lang: Lang) -> String {
    let t = text(lang);
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", md_cell(&title(lang)));
    let _ = writeln!(
        out,
        "- {}: {} ({} – {})",
        t.period, report.period, report.first_day, report.last_day
    );
    let _ = writeln!(
        out,
        "- {}: {}",
        t.scope,
        md_cell(&scope_text(&report.scope, lang))
    );
    let _ = writeln!(out, "- {}: {}", t.as_of, as_of_text(report));
    let _ = writeln!(
        out,
        "- {}: {} v{}\n",
        t.rule_set, report.rule_set.id, report.rule_set.version
    );
    let _ = writeln!(out, "{}\n", t.note);
    if report.departments.is_empty() {
        let _ = writeln!(out, "{}", t.no_departments);
    }
    for d in &report.departments {
        let _ = writeln!(
            out,
            "## {} {} ({} {})\n",
            md_cell(&d.name),
            md_cell(&d.code),
            t.region,
            md_cell(&d.region)
        );
        let _ = writeln!(
            out,
            "{}: **{}**\n",
            t.score,
            d.score.map_or(t.none.to_owned(), |s| format!("{s:.1}"))
        );
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            t.indicator, t.article, t.numerator, t.denominator, t.rate, t.weight, t.positions
        );
        let _ = writeln!(out, "| --- | --- | ---: | ---: | ---: | ---: | --- |");
        for i in &d.indicators {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} |",
                name(i, lang),
                i.article,
                i.numerator,
                i.denominator.map_or(t.none.to_owned(), |n| n.to_string()),
                i.rate.map_or(t.none.to_owned(), |r| rate_text(Some(r))),
                i.weight,
                positions_text(i)
            );
        }
        out.push('\n');
    }
    out
}

/// Escapes text for HTML element content and attribute values.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const CSS: &str = "\
body{font-family:\"Noto Sans CJK SC\",\"Noto Sans SC\",\"Source Han Sans SC\",\"PingFang SC\",\"Microsoft YaHei\",sans-serif;\
margin:24px auto;max-width:1180px;color:#1f2933;background:#fff;line-height:1.5}\
h1{font-size:24px;margin:0 0 8px;color:#9b1c1c}h2{font-size:18px;margin:28px 0 8px;border-bottom:2px solid #e5e7eb;padding-bottom:4px}\
dl.meta{display:grid;grid-template-columns:max-content auto;gap:2px 16px;margin:0 0 8px;font-size:14px}\
dl.meta dt{color:#52606d}dl.meta dd{margin:0}\
p.note{font-size:13px;color:#52606d;margin:4px 0 16px}\
table{border-collapse:collapse;width:100%;font-size:13px;table-layout:fixed}\
col.c-name{width:20%}col.c-art{width:21%}col.c-num{width:7%}col.c-bar{width:196px}col.c-pos{width:auto}\
th,td{border:1px solid #d9e2ec;padding:4px 6px;text-align:left;vertical-align:middle}\
th{background:#f0f4f8}td.n{text-align:right;font-variant-numeric:tabular-nums}\
td.pos{font-size:11px;color:#52606d;overflow-wrap:anywhere}\
.score{font-size:15px;margin:4px 0 8px}.score b{font-size:20px;color:#0b6e4f}\
svg text{font-size:12px;fill:#1f2933}\
";

fn bar_svg(rate: Option<f64>, lower_is_better: bool) -> String {
    const W: f64 = 180.0;
    match rate {
        None => String::new(),
        Some(r) => {
            let r = r.clamp(0.0, 1.0);
            let good = if lower_is_better { 1.0 - r } else { r };
            let color = if good >= 0.9 {
                "#2f9e44"
            } else if good >= 0.6 {
                "#f59f00"
            } else {
                "#e03131"
            };
            format!(
                "<svg width=\"{W}\" height=\"14\" viewBox=\"0 0 {W} 14\" role=\"img\"><rect x=\"0\" y=\"2\" width=\"{W}\" height=\"10\" fill=\"#e9ecef\"/><rect x=\"0\" y=\"2\" width=\"{:.1}\" height=\"10\" fill=\"{color}\"/></svg>",
                W * r
            )
        }
    }
}

fn scores_svg(departments: &[DepartmentAssessment]) -> String {
    const LABEL: f64 = 330.0;
    const BAR: f64 = 600.0;
    const ROW: f64 = 22.0;
    let height = ROW * departments.len() as f64 + 8.0;
    let width = LABEL + BAR + 60.0;
    let mut s = format!(
        "<svg width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\">"
    );
    for (n, d) in departments.iter().enumerate() {
        let y = ROW * n as f64 + 4.0;
        let _ = write!(
            s,
            "<text x=\"{:.0}\" y=\"{:.0}\" text-anchor=\"end\">{}</text>",
            LABEL - 8.0,
            y + 13.0,
            escape(&d.name)
        );
        let _ = write!(
            s,
            "<rect x=\"{LABEL}\" y=\"{y}\" width=\"{BAR}\" height=\"16\" fill=\"#e9ecef\"/>"
        );
        if let Some(score) = d.score {
            let _ = write!(
                s,
                "<rect x=\"{LABEL}\" y=\"{y}\" width=\"{:.1}\" height=\"16\" fill=\"#1c7ed6\"/><text x=\"{:.1}\" y=\"{:.0}\">{score:.1}</text>",
                BAR * (score / 100.0).clamp(0.0, 1.0),
                LABEL + BAR + 6.0,
                y + 13.0
            );
        } else {
            let _ = write!(
                s,
                "<text x=\"{:.1}\" y=\"{:.0}\">—</text>",
                LABEL + BAR + 6.0,
                y + 13.0
            );
        }
    }
    s.push_str("</svg>");
    s
}

fn html(report: &AssessmentReport, lang: Lang) -> String {
    let t = text(lang);
    let html_lang = match lang {
        Lang::Zh => "zh-CN",
        Lang::En => "en",
    };
    let mut out = String::new();
    let title = escape(&title(lang));
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{html_lang}\">\n<head>\n<meta charset=\"utf-8\">\n<title>{title}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<h1>{title}</h1>\n"
    );
    let _ = write!(
        out,
        "<dl class=\"meta\"><dt>{}</dt><dd>{} ({} – {})</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{} v{}</dd></dl>\n<p class=\"note\">{}</p>\n",
        t.period,
        report.period,
        report.first_day,
        report.last_day,
        t.scope,
        escape(&scope_text(&report.scope, lang)),
        t.as_of,
        escape(&as_of_text(report)),
        t.rule_set,
        escape(&report.rule_set.id),
        report.rule_set.version,
        escape(t.note)
    );
    if report.departments.is_empty() {
        let _ = writeln!(out, "<p>{}</p>", t.no_departments);
    } else {
        let _ = writeln!(
            out,
            "<h2>{}</h2>\n{}",
            t.scores,
            scores_svg(&report.departments)
        );
    }
    for d in &report.departments {
        let _ = write!(
            out,
            "<h2>{} <small>{} · {} {}</small></h2>\n<p class=\"score\">{}: <b>{}</b></p>\n",
            escape(&d.name),
            escape(&d.code),
            t.region,
            escape(&d.region),
            t.score,
            d.score.map_or(t.none.to_owned(), |s| format!("{s:.1}"))
        );
        let _ = writeln!(
            out,
            "<table><colgroup><col class=\"c-name\"><col class=\"c-art\"><col class=\"c-num\"><col class=\"c-num\"><col class=\"c-num\"><col class=\"c-bar\"><col class=\"c-num\"><col class=\"c-pos\"></colgroup><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th></th><th>{}</th><th>{}</th></tr></thead><tbody>",
            t.indicator, t.article, t.numerator, t.denominator, t.rate, t.weight, t.positions
        );
        for i in &d.indicators {
            let lower = i.direction == crate::Direction::Lower;
            let _ = writeln!(
                out,
                "<tr><td>{}{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"bar\">{}</td><td class=\"n\">{}</td><td class=\"pos\">{}</td></tr>",
                escape(name(i, lang)),
                if lower && i.measure != Measure::Count {
                    " ↓"
                } else {
                    ""
                },
                escape(i.article),
                i.numerator,
                i.denominator.map_or(t.none.to_owned(), |n| n.to_string()),
                i.rate.map_or(t.none.to_owned(), |r| rate_text(Some(r))),
                bar_svg(i.rate, lower),
                i.weight,
                escape(&positions_text(i))
            );
        }
        out.push_str("</tbody></table>\n");
    }
    out.push_str("</body>\n</html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_markup() {
        assert_eq!(
            escape("<a href=\"x\">&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn csv_quotes_separators() {
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("plain"), "plain");
    }
}
