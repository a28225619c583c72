//! Data security incidents (政务数据安全事件, 第三十四条).
//!
//! One aggregate per incident. The department that suffers it reports it (detected at, category, severity
//! 一般 / 较大 / 重大 / 特别重大, affected entries and grants, personal information involved, description) and
//! names, as the engine resolved them, the 网信, 公安 and data-authority bodies it reports to. Reporting opens
//! one deadline per duty, owed by the department and counted in clock hours from detection by severity
//! (rule-set option `incident_report_hours`; **Decision**: 1 hour for 较大 and above, 24 hours for 一般):
//! informing each affected provider department (告知提供部门) and reporting to each of the three bodies. Each
//! inform and report is a separate, timed fact; a late one is accepted and recorded late with the miss
//! attributed to the department (第四十一条). Immediate measures (立即采取处置措施), the investigation (which
//! records whether data leaked and who was responsible: 第四十一条第六项, 第四十二、四十三条), the resolution,
//! the post-incident review and the closure follow. An incident closes only once every inform and report has
//! been made.

mod aggregate;
mod command;
mod event;

pub use crate::deadline::{MarkOverdue, RemindDeadline};
pub use aggregate::{IncidentStatus, SecurityIncident};
pub use command::{
    AffectedEntry, CloseIncident, IncidentCategory, IncidentCommand, InformProvider,
    RecordImmediateMeasures, RecordInvestigation, RecordPostIncidentReview, ReportIncident,
    ReportTarget, ReportTargets, ReportToBody, ResolveIncident, ResponsibleParty, Severity,
};
pub use event::{
    ImmediateMeasuresRecorded, IncidentClosed, IncidentEvent, IncidentInvestigated,
    IncidentReported, IncidentReportedToBody, IncidentResolved, PostIncidentReviewRecorded,
    ProviderInformed,
};
