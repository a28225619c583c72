//! What a demo run recorded, and its readable table.

use std::collections::BTreeMap;
use std::fmt;

use chrono::NaiveDate;
use serde::Serialize;

/// The outcome of a demo run: what was recorded and the head of the log an auditor would keep.
///
/// ```
/// use govshare_demo::DemoSummary;
///
/// let summary = DemoSummary::default();
/// assert!(summary.to_string().contains("事件类型"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DemoSummary {
    /// The seed the run was varied by.
    pub seed: u64,
    /// Months simulated after seeding.
    pub months: u32,
    /// First simulated day (Beijing date).
    pub from: Option<NaiveDate>,
    /// Last simulated day (Beijing date).
    pub until: Option<NaiveDate>,
    /// Commands the engine recorded (each is one call of `execute`, `bootstrap` or `execute_scheduled`;
    /// a scheduler command that found nothing to record counts too).
    pub commands: u64,
    /// Commands the scenario tried on purpose to show the rules refusing them (not recorded).
    pub refusals_expected: u64,
    /// Events recorded, per event type.
    pub events: BTreeMap<String, u64>,
    /// Position of the last event (the number of events in the log).
    pub head_position: u64,
    /// Chain hash at the head, hex.
    pub head_hash: String,
    /// Whether the whole hash chain verified after the run.
    pub verified: bool,
}

impl DemoSummary {
    /// Events recorded of one type (0 if none).
    pub fn count(&self, event_type: &str) -> u64 {
        self.events.get(event_type).copied().unwrap_or(0)
    }

    /// All events recorded.
    pub fn total_events(&self) -> u64 {
        self.events.values().sum()
    }
}

/// The Chinese name of an event type, as the platform shows it.
fn label(event_type: &str) -> &'static str {
    match event_type {
        "RegionRegistered" => "行政区划已登记",
        "DepartmentRegistered" => "政务部门已登记",
        "DepartmentChanged" => "政务部门已变更",
        "ResponsibleOfficeDesignated" => "专门机构已明确",
        "CatalogEntryDrafted" => "目录已编制",
        "CatalogEntryRevised" => "目录已修改",
        "CatalogEntrySubmitted" => "目录已报送审核",
        "CatalogEntryApproved" => "目录已审核通过",
        "CatalogEntryReturned" => "目录已退回",
        "CatalogChangeRecorded" => "目录变化已记录",
        "UpdateExtensionRequested" => "已申请延长更新期限",
        "UpdateExtensionRefused" => "延长更新期限未获同意",
        "NotSharedListingRecorded" => "目录已记载列入负面清单",
        "NotSharedListingRemoved" => "目录已记载移出负面清单",
        "AggregationRegistered" => "归集方式已登记",
        "AggregationSynced" => "汇聚同步已记录",
        "NegativeListingApplied" => "负面清单已申请",
        "NegativeListingReviewed" => "负面清单已审核",
        "NegativeListingDecided" => "负面清单已批准",
        "EntryListed" => "已列入负面清单",
        "EntryDelisted" => "已移出负面清单",
        "NegativeListingFiled" => "负面清单已备案",
        "CatalogVersionPublished" => "政务数据目录已发布",
        "CollectionListDerived" => "采集责任清单已形成",
        "CollectionChangeApplied" => "采集清单变更已申请",
        "CollectionChangeDecided" => "采集清单变更已决定",
        "ShareApplicationSubmitted" => "共享申请已提交",
        "ShareApplicationNotAccepted" => "共享申请不予受理",
        "ForwardedToUpperAuthority" => "已逐级转报",
        "ReturnedForSupplement" => "已退回补正",
        "ShareApplicationResubmitted" => "已补正重新提交",
        "ShareApplicationWithdrawn" => "共享申请已撤回",
        "ForwardedToProvider" => "已审核转提供部门",
        "ProviderAgreed" => "提供部门同意共享",
        "ProviderRefused" => "提供部门不同意共享",
        "ObjectionRaised" => "异议已提出",
        "ObjectionConcluded" => "异议已作出处理结论",
        "ShareProvided" => "数据已提供",
        "GrantIssued" => "已授权使用",
        "GrantUseRecorded" => "使用已记录",
        "GrantViolationRecorded" => "违规使用已记录",
        "GrantRevoked" => "授权已撤销",
        "GrantExpired" => "授权已到期",
        "VerificationRequested" => "校核申请已提出",
        "VerificationForwarded" => "校核申请已转提供部门",
        "VerificationExtensionRequested" => "已申请延长校核期限",
        "VerificationExtensionRefused" => "延长校核期限未获同意",
        "VerificationAnswered" => "校核结果已反馈",
        "VerificationResultAccepted" => "校核结果已接受",
        "VerificationResultDisputed" => "校核结果有异议",
        "VerificationDisputeConcluded" => "校核异议已作出结论",
        "IncidentReported" => "数据安全事件已报告",
        "ImmediateMeasuresRecorded" => "处置措施已采取",
        "ProviderInformed" => "已告知提供部门",
        "IncidentReportedToBody" => "已向有关部门报告",
        "IncidentInvestigated" => "事件调查已完成",
        "IncidentResolved" => "事件处置完毕",
        "PostIncidentReviewRecorded" => "事后复盘已完成",
        "IncidentClosed" => "事件已结案",
        "InspectionRecorded" => "监督检查已记录",
        "RectificationOrdered" => "已责令整改",
        "RectificationReported" => "整改情况已报告",
        "RectificationAccepted" => "整改已验收",
        "RectificationRejected" => "整改未通过",
        "PublicCriticismIssued" => "已通报批评",
        "DeadlineSet" => "期限起算",
        "DeadlineMet" => "期限履行",
        "DeadlineExtended" => "期限延长",
        "DeadlineMissed" => "逾期",
        "DeadlineRecomputed" => "期限重新计算",
        "DeadlineReminded" => "催办提醒",
        _ => "",
    }
}

/// Display width in a terminal: CJK and full-width characters take two columns.
fn width(text: &str) -> usize {
    text.chars()
        .map(|c| match c as u32 {
            0x1100..=0x115F
            | 0x2E80..=0xA4CF
            | 0xAC00..=0xD7A3
            | 0xF900..=0xFAFF
            | 0xFE30..=0xFE4F
            | 0xFF00..=0xFF60
            | 0xFFE0..=0xFFE6 => 2,
            _ => 1,
        })
        .sum()
}

fn pad(text: &str, to: usize) -> String {
    let mut out = text.to_owned();
    out.extend(std::iter::repeat_n(' ', to.saturating_sub(width(text))));
    out
}

impl fmt::Display for DemoSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "河北省政务数据共享应用管理演示 (govshare demo)")?;
        let period = match (self.from, self.until) {
            (Some(a), Some(b)) => format!("{a} 至 {b}"),
            _ => "-".to_owned(),
        };
        writeln!(f, "  随机种子 seed        {}", self.seed)?;
        writeln!(
            f,
            "  模拟期间 period      {period}（{} 个月 months）",
            self.months
        )?;
        writeln!(f, "  命令数 commands      {}", self.commands)?;
        writeln!(f, "  事件数 events        {}", self.total_events())?;
        writeln!(
            f,
            "  预期拒绝 refusals    {}（规则按设计拒绝的操作，未记录）",
            self.refusals_expected
        )?;
        writeln!(f)?;
        let rows: Vec<(String, &String, &u64)> = self
            .events
            .iter()
            .map(|(k, v)| (label(k).to_owned(), k, v))
            .collect();
        let w0 = rows
            .iter()
            .map(|r| width(&r.0))
            .max()
            .unwrap_or(0)
            .max(width("事件类型"));
        let w1 = rows
            .iter()
            .map(|r| r.1.len())
            .max()
            .unwrap_or(0)
            .max("event type".len());
        writeln!(
            f,
            "  {}  {}  {:>6}",
            pad("事件类型", w0),
            pad("event type", w1),
            "数量"
        )?;
        for (zh, en, n) in &rows {
            writeln!(f, "  {}  {}  {n:>8}", pad(zh, w0), pad(en, w1))?;
        }
        writeln!(f)?;
        writeln!(
            f,
            "  哈希链校验 verify    {}",
            if self.verified {
                "通过 ok"
            } else {
                "未通过 FAILED"
            }
        )?;
        write!(
            f,
            "  日志头 head          位置 position {}，哈希 hash {}",
            self.head_position, self.head_hash
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cjk_counts_two_columns() {
        assert_eq!(width("逾期"), 4);
        assert_eq!(width("ab"), 2);
        assert_eq!(pad("逾期", 6), "逾期  ");
    }

    #[test]
    fn table_shows_chinese_and_english_names() {
        let mut summary = DemoSummary::default();
        summary.events.insert("ShareProvided".into(), 12);
        summary.head_position = 12;
        summary.head_hash = "ab".repeat(32);
        let text = summary.to_string();
        assert!(text.contains("数据已提供"));
        assert!(text.contains("ShareProvided"));
        assert!(text.contains(&"ab".repeat(32)));
    }
}
