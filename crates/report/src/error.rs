//! Typed errors of the report.

use govshare_projections::ProjectionError;

/// Why a report could not be computed or a request not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A period that is not `2026`, `2026Q3` or `2026-09`.
    #[error("考核期间 {input} 无效 (invalid period): {reason}")]
    InvalidPeriod {
        /// The text given.
        input: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A format name that is not json, csv, markdown or html.
    #[error("输出格式 {0} 无效 (invalid format): expected json, csv, markdown or html")]
    InvalidFormat(String),
    /// A language that is not zh or en.
    #[error("语言 {0} 无效 (invalid language): expected zh or en")]
    InvalidLang(String),
    /// A scope that is not `region:<code>` or `department:<code>`.
    #[error("考核范围 {0} 无效 (invalid scope): expected region:<code> or department:<code>")]
    InvalidScope(String),
    /// The department is not in the registry as of the report's instant.
    #[error("部门 {0} 未登记 (department not registered as of the report's instant)")]
    UnknownDepartment(String),
    /// The period starts after the report's instant: nothing of it can have been recorded.
    #[error("考核期间 {period} 晚于截止时点 {as_of} (the period starts after as_of)")]
    PeriodAfterAsOf {
        /// The period.
        period: String,
        /// The instant.
        as_of: String,
    },
    /// A read model could not be queried.
    #[error("读取读模型失败 (read model): {0}")]
    ReadModel(#[from] ProjectionError),
}
