//! The indicators of the assessment (第三十八条): one table, in the report's order. `docs/assessment.md`
//! carries the same table, and a test keeps them equal.

use serde::Serialize;

/// How an indicator is counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// A number of facts recorded in the period (no denominator, no rate, no weight).
    Count,
    /// The first outcomes of deadlines of the listed rules recorded in the period: on time over all.
    DeadlinesOnTime,
    /// The first outcomes of deadlines of the listed rules recorded in the period: late or missed over all.
    DeadlinesLate,
    /// A ratio of facts defined by the indicator.
    Ratio,
}

/// Whether a higher rate is better (it counts towards the score as is) or worse (as one minus the rate).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// A higher rate is better.
    Higher,
    /// A lower rate is better.
    Lower,
}

/// One indicator's definition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Definition {
    /// Key (the rule set's weight key for weighted indicators).
    pub key: &'static str,
    /// Chinese name.
    pub zh: &'static str,
    /// English name.
    pub en: &'static str,
    /// Article(s) the duty comes from; every indicator is assessed under 第三十八条.
    pub article: &'static str,
    /// How it is counted.
    pub measure: Measure,
    /// Which way is better.
    pub direction: Direction,
    /// For deadline indicators: the deadline rule keys counted.
    pub rules: &'static [&'static str],
    /// The formula, in Chinese.
    pub formula_zh: &'static str,
    /// The formula, in English.
    pub formula_en: &'static str,
    /// The events counted.
    pub events: &'static str,
}

const fn count(
    key: &'static str,
    zh: &'static str,
    en: &'static str,
    article: &'static str,
    formula_zh: &'static str,
    formula_en: &'static str,
    events: &'static str,
) -> Definition {
    Definition {
        key,
        zh,
        en,
        article,
        measure: Measure::Count,
        direction: Direction::Higher,
        rules: &[],
        formula_zh,
        formula_en,
        events,
    }
}

#[allow(clippy::too_many_arguments)]
const fn deadlines(
    key: &'static str,
    zh: &'static str,
    en: &'static str,
    article: &'static str,
    rules: &'static [&'static str],
    late: bool,
    formula_zh: &'static str,
    formula_en: &'static str,
) -> Definition {
    Definition {
        key,
        zh,
        en,
        article,
        measure: if late {
            Measure::DeadlinesLate
        } else {
            Measure::DeadlinesOnTime
        },
        direction: if late {
            Direction::Lower
        } else {
            Direction::Higher
        },
        rules,
        formula_zh,
        formula_en,
        events: "DeadlineMet, DeadlineMissed",
    }
}

#[allow(clippy::too_many_arguments)]
const fn ratio(
    key: &'static str,
    zh: &'static str,
    en: &'static str,
    article: &'static str,
    direction: Direction,
    formula_zh: &'static str,
    formula_en: &'static str,
    events: &'static str,
) -> Definition {
    Definition {
        key,
        zh,
        en,
        article,
        measure: Measure::Ratio,
        direction,
        rules: &[],
        formula_zh,
        formula_en,
        events,
    }
}

/// Every indicator, in the report's order.
pub const INDICATORS: &[Definition] = &[
    count(
        "catalog_entries_compiled",
        "目录编制数",
        "Catalog entries compiled",
        "第九条",
        "期间内起草的目录条目数",
        "catalog entries drafted in the period",
        "CatalogEntryDrafted",
    ),
    deadlines(
        "catalog_update_on_time",
        "目录按时更新率",
        "Catalog changes updated on time",
        "第十一条",
        &["catalog_update"],
        false,
        "按时更新的目录变更 ÷ 期间内有结果的目录更新期限",
        "catalog updates met on time ÷ catalog-update deadlines first settled in the period",
    ),
    ratio(
        "aggregation_rate",
        "共享数据归集率",
        "Shareable entries aggregated",
        "第十六条",
        Direction::Higher,
        "期末已登记归集的可共享条目 ÷ 期末已发布且未列入负面清单的可共享条目",
        "shareable approved entries with an aggregation registered by the period's end ÷ shareable approved entries not listed since, by then",
        "CatalogEntryApproved, NotSharedListingRecorded, AggregationRegistered",
    ),
    count(
        "catalog_versions_published",
        "目录版本发布数",
        "Catalog versions published",
        "第十条",
        "期间内发布的目录版本数",
        "catalog versions published in the period",
        "CatalogVersionPublished",
    ),
    count(
        "share_requests_received",
        "收到共享申请数",
        "Share requests received",
        "第十九条",
        "期间内申请其数据的共享申请数",
        "share applications in the period requesting the department's data",
        "ShareApplicationSubmitted",
    ),
    deadlines(
        "provider_reply_on_time",
        "提供部门按时答复率",
        "Provider replies on time",
        "第十九条",
        &["share_provider_reply"],
        false,
        "按时答复 ÷ 期间内有结果的答复期限",
        "replies on time ÷ reply deadlines first settled in the period",
    ),
    ratio(
        "refusal_rate",
        "拒绝共享率",
        "Refusal rate",
        "第十九条",
        Direction::Lower,
        "拒绝 ÷ 期间内的答复（同意与拒绝）",
        "refusals ÷ replies (agreed and refused) in the period",
        "ProviderAgreed, ProviderRefused",
    ),
    ratio(
        "refusals_overturned",
        "拒绝被异议推翻率",
        "Refusals overturned by objection",
        "第十九条",
        Direction::Lower,
        "截止时点前异议成立的拒绝 ÷ 期间内的拒绝",
        "refusals of the period overturned by an upheld objection by as_of ÷ refusals in the period",
        "ProviderRefused, ObjectionConcluded (upheld)",
    ),
    deadlines(
        "authority_review_on_time",
        "主管部门按时审核率",
        "Authority reviews and forwards on time",
        "第十一条、第十九条、第二十一条",
        &[
            "catalog_review",
            "share_conditional_review",
            "share_route_forward",
            "objection_coordination",
        ],
        false,
        "按时审核、转送、协调 ÷ 期间内有结果的审核期限",
        "reviews, forwards and coordinations on time ÷ such deadlines first settled in the period",
    ),
    deadlines(
        "authority_provision_on_time",
        "主管部门按时提供率",
        "Authority provisions on time",
        "第十九条",
        &[
            "share_unconditional_provide",
            "share_provide_after_reply",
            "objection_provide",
        ],
        false,
        "按时提供 ÷ 期间内有结果的提供期限",
        "provisions on time ÷ provision deadlines first settled in the period",
    ),
    deadlines(
        "verification_on_time",
        "数据校核按时办理率",
        "Verification steps on time",
        "第二十条",
        &["verification_forward", "verification_answer"],
        false,
        "按时转送与反馈 ÷ 期间内有结果的校核期限",
        "forwards and answers on time ÷ verification deadlines first settled in the period",
    ),
    ratio(
        "verification_extension_rate",
        "数据校核延期率",
        "Verification answers extended",
        "第二十条",
        Direction::Lower,
        "截止时点前延期的校核反馈期限 ÷ 期间内设定的校核反馈期限",
        "answer deadlines of the period extended by as_of ÷ answer deadlines set in the period",
        "DeadlineSet, DeadlineExtended (verification_answer)",
    ),
    count(
        "incidents_reported",
        "安全事件数",
        "Security incidents reported",
        "第三十四条",
        "期间内报告的安全事件数",
        "security incidents reported in the period",
        "IncidentReported",
    ),
    deadlines(
        "incident_report_on_time",
        "安全事件按时报告率",
        "Incident reports and notices on time",
        "第三十四条",
        &["incident_report", "incident_inform_provider"],
        false,
        "按时报告与告知 ÷ 期间内有结果的报告期限",
        "reports and notices on time ÷ reporting deadlines first settled in the period",
    ),
    ratio(
        "usage_violation_rate",
        "超授权使用率",
        "Grant uses outside the grant",
        "第二十二条",
        Direction::Lower,
        "违规使用 ÷ 期间内记录的使用",
        "uses recorded as violations ÷ uses recorded in the period",
        "GrantUseRecorded, GrantViolationRecorded",
    ),
    deadlines(
        "rectification_overdue_rate",
        "整改逾期率",
        "Rectifications overdue",
        "第三十九条",
        &["rectification"],
        true,
        "逾期或未按时整改 ÷ 期间内有结果的整改期限",
        "rectifications late or missed ÷ rectification deadlines first settled in the period",
    ),
    ratio(
        "rectification_rejected_rate",
        "整改未通过率",
        "Rectification reports rejected",
        "第三十九条",
        Direction::Lower,
        "被驳回的整改报告 ÷ 期间内的整改报告",
        "rectification reports rejected ÷ rectification reports in the period",
        "RectificationReported, RectificationRejected",
    ),
];

/// The definition of an indicator by key.
pub fn definition(key: &str) -> Option<&'static Definition> {
    INDICATORS.iter().find(|d| d.key == key)
}
