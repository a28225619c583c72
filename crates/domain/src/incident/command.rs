//! Commands of a security incident.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::actor::{DepartmentCode, DepartmentRef};
use crate::deadline::{DeadlineId, MarkOverdue, RemindDeadline};

/// 事件级别: the severity of a data security incident; it sets the reporting window (第三十四条 Decision).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// 一般.
    General,
    /// 较大.
    Larger,
    /// 重大.
    Major,
    /// 特别重大.
    EspeciallyMajor,
}

/// 事件类别: what happened to the data (第三十四条: 泄露, 未经授权的访问 …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentCategory {
    /// 数据泄露.
    Leak,
    /// 未经授权的访问.
    UnauthorizedAccess,
    /// 篡改.
    Tampering,
    /// 丢失或损毁.
    Loss,
    /// 滥用或未经许可的扩散 (第四十一条第六项).
    Misuse,
    /// 其他 (the description says what).
    Other,
}

/// A catalog entry affected by an incident, with its provider as the catalog records it (passed in by the
/// engine; aggregates do not read each other).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AffectedEntry {
    /// The catalog entry (aggregate id).
    pub entry_id: String,
    /// Its provider department (政务数据提供部门), to be informed.
    pub provider: DepartmentCode,
}

/// The bodies an incident is reported to (第三十四条: 网信、公安、政务数据主管等部门), as the engine resolved them
/// from the registry for the reporting department's region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportTargets {
    /// 网信部门 (kind `cyberspace_administration`).
    pub cyberspace: DepartmentRef,
    /// 公安机关 (kind `public_security`).
    pub public_security: DepartmentRef,
    /// 政务数据主管部门 of the department's region and level.
    pub data_authority: DepartmentRef,
}

/// One of the three bodies an incident is reported to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportTarget {
    /// 网信部门.
    Cyberspace,
    /// 公安机关.
    PublicSecurity,
    /// 政务数据主管部门.
    DataAuthority,
}

impl ReportTarget {
    /// All three, in report order.
    pub const ALL: [ReportTarget; 3] = [
        ReportTarget::Cyberspace,
        ReportTarget::PublicSecurity,
        ReportTarget::DataAuthority,
    ];

    /// The key used in deadline ids (`incident_report:<key>`).
    pub fn key(self) -> &'static str {
        match self {
            ReportTarget::Cyberspace => "cyberspace",
            ReportTarget::PublicSecurity => "public_security",
            ReportTarget::DataAuthority => "data_authority",
        }
    }

    /// The deadline of reporting to this body.
    pub fn deadline(self) -> DeadlineId {
        DeadlineId(format!("incident_report:{}", self.key()))
    }
}

/// Who the investigation found responsible for a leak (第四十二、四十三条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResponsibleParty {
    /// 政务部门及其工作人员 (第四十二条).
    Staff {
        /// The department whose staff it was.
        department: DepartmentCode,
    },
    /// 受委托的第三方 (第四十三条).
    ThirdParty {
        /// The contractor.
        contractor: DepartmentCode,
        /// The engagement (third-party aggregate id) it worked under, if any.
        engagement_id: Option<String>,
    },
    /// External attack or not determined.
    External,
}

/// 报告数据安全事件: the department records an incident it suffered (第三十四条); opens the inform and report
/// deadlines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportIncident {
    /// When it was detected: the reporting windows count from here.
    pub detected_at: DateTime<Utc>,
    /// Category.
    pub category: IncidentCategory,
    /// Severity.
    pub severity: Severity,
    /// Affected catalog entries and their providers.
    pub affected_entries: Vec<AffectedEntry>,
    /// Affected share grants (grant aggregate ids).
    pub affected_grants: Vec<String>,
    /// Whether personal information is involved (第三十六条).
    pub personal_information: bool,
    /// What happened.
    pub description: String,
    /// The bodies to report to.
    pub report_to: ReportTargets,
}

/// 采取处置措施: record the immediate measures taken (第三十四条: 立即采取处置措施).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordImmediateMeasures {
    /// What was done (isolation, revoking access …).
    pub measures: String,
    /// When the measures were taken.
    pub taken_at: DateTime<Utc>,
}

/// 告知提供部门: inform one affected provider department (第三十四条: 及时告知政务数据提供部门).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InformProvider {
    /// The provider.
    pub provider: DepartmentCode,
    /// How it was informed (platform notice, telephone, document number …).
    pub channel: String,
}

/// 报告: report the incident to one of 网信, 公安 or the data authority (第三十四条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportToBody {
    /// Which body.
    pub target: ReportTarget,
    /// The report's reference (document number, receipt).
    pub reference: String,
}

/// 调查: record the investigation's findings (第三十四条; evidence for 第四十一条第六项, 第四十二、四十三条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordInvestigation {
    /// Findings.
    pub findings: String,
    /// Whether data was found to have leaked (泄漏).
    pub leak_confirmed: bool,
    /// Who was found responsible.
    pub responsible: ResponsibleParty,
}

/// 处置完毕: record that the incident was resolved (第三十四条: 应急处置).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResolveIncident {
    /// How it was resolved.
    pub resolution: String,
}

/// 事后复盘: record the post-incident review (第三十四条; 第三十七条: 事后追溯).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordPostIncidentReview {
    /// Lessons and improvements.
    pub conclusions: String,
}

/// 结案: close the incident; refused while an inform or report is outstanding (第三十四条).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CloseIncident {}

/// Every command of a security incident.
// The opening command carries the three bodies as resolved; commands are built once and moved once.
#[allow(
    clippy::large_enum_variant,
    reason = "the opening command carries the resolved bodies"
)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum IncidentCommand {
    /// See [`ReportIncident`].
    ReportIncident(ReportIncident),
    /// See [`RecordImmediateMeasures`].
    RecordImmediateMeasures(RecordImmediateMeasures),
    /// See [`InformProvider`].
    InformProvider(InformProvider),
    /// See [`ReportToBody`].
    ReportToBody(ReportToBody),
    /// See [`RecordInvestigation`].
    RecordInvestigation(RecordInvestigation),
    /// See [`ResolveIncident`].
    ResolveIncident(ResolveIncident),
    /// See [`RecordPostIncidentReview`].
    RecordPostIncidentReview(RecordPostIncidentReview),
    /// See [`CloseIncident`].
    CloseIncident(CloseIncident),
    /// See [`MarkOverdue`].
    MarkOverdue(MarkOverdue),
    /// See [`RemindDeadline`]: 催办提醒, the scheduler's reminder before a due day where the rule set
    /// configures one (always refused here: the windows of 第三十四条 are clock hours).
    RemindDeadline(RemindDeadline),
}
