//! Commands of a catalog entry.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::actor::{DepartmentCode, DepartmentRef};
use crate::catalog::metadata::{AggregationMethod, CatalogMetadata};
use crate::deadline::{MarkOverdue, RecomputeDeadlines, RemindDeadline};

/// 编制目录: draft a new entry; the acting department becomes its provider (第九条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DraftCatalogEntry {
    /// The metadata.
    pub metadata: CatalogMetadata,
}

/// 修改目录: revise the working copy (a draft, a returned entry, or the next version of a published one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReviseCatalogEntry {
    /// The new metadata.
    pub metadata: CatalogMetadata,
}

/// Why a catalog change is required (第十一条).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ChangeCause {
    /// 法律法规调整.
    LawOrRegulation,
    /// 职责变化.
    Duties,
}

/// 目录变化: record that a change of law or of duties requires this entry to be updated (第十一条); opens the
/// department's update deadline counted from the date of the change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecordCatalogChange {
    /// The cause.
    pub cause: ChangeCause,
    /// What changed (the instrument or the reform), for the record.
    pub description: String,
    /// The Beijing date of the change (变化之日).
    pub changed_on: NaiveDate,
}

/// 报送审核: submit the working copy to the same-level authority (第十一条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubmitCatalogEntry {
    /// The same-level data authority (同级政务数据主管部门) as the engine resolved it from the registry; it owes
    /// the review and is recorded.
    pub authority: DepartmentRef,
}

/// 审核通过: approve the submitted entry; it is published in the catalog as a new version (第十一条).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApproveCatalogEntry {}

/// 退回: return the submitted entry with reasons (第十一条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReturnCatalogEntry {
    /// 退回理由.
    pub reasons: String,
}

/// 申请延长更新期限: ask the authority for the one extension of the update deadline, before it is due
/// (第十一条: 因特殊原因需要延长).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RequestUpdateExtension {
    /// 特殊原因.
    pub reason: String,
}

/// 同意延长: the authority consents to the pending extension request (第十一条).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConsentToExtension {}

/// 不同意延长: the authority refuses the pending extension request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefuseExtension {
    /// Reasons.
    pub reasons: String,
}

/// 列入负面清单: record that the entry was placed on the negative list; only then is it 不予共享 (第十五条).
/// Issued by the same-level authority once the negative-list application is approved and listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecordNegativeListing {
    /// The negative-list application (aggregate id) that listed it.
    pub listing_id: String,
    /// The legal basis as approved.
    pub legal_basis: String,
    /// The people's government that approved it.
    pub approved_by_government: DepartmentCode,
    /// When it was listed.
    pub listed_at: DateTime<Utc>,
}

/// 移出负面清单: record that the entry was removed from the negative list (第十五条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecordDelisting {
    /// The negative-list application that delisted it.
    pub listing_id: String,
    /// When it was delisted.
    pub delisted_at: DateTime<Utc>,
}

/// 登记归集方式: register how the entry is aggregated to the provincial system (第十六至十八条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegisterAggregation {
    /// Physical (full, real-time) or logical (interface endpoint).
    pub method: AggregationMethod,
}

/// 记录汇聚同步: record a synchronisation of a physically aggregated entry (第十七条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecordSync {
    /// When the provincial copy was brought up to date.
    pub synced_at: DateTime<Utc>,
}

/// Every command of a catalog entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum CatalogCommand {
    /// See [`DraftCatalogEntry`].
    DraftCatalogEntry(DraftCatalogEntry),
    /// See [`ReviseCatalogEntry`].
    ReviseCatalogEntry(ReviseCatalogEntry),
    /// See [`RecordCatalogChange`].
    RecordCatalogChange(RecordCatalogChange),
    /// See [`SubmitCatalogEntry`].
    SubmitCatalogEntry(SubmitCatalogEntry),
    /// See [`ApproveCatalogEntry`].
    ApproveCatalogEntry(ApproveCatalogEntry),
    /// See [`ReturnCatalogEntry`].
    ReturnCatalogEntry(ReturnCatalogEntry),
    /// See [`RequestUpdateExtension`].
    RequestUpdateExtension(RequestUpdateExtension),
    /// See [`ConsentToExtension`].
    ConsentToExtension(ConsentToExtension),
    /// See [`RefuseExtension`].
    RefuseExtension(RefuseExtension),
    /// See [`RecordNegativeListing`].
    RecordNegativeListing(RecordNegativeListing),
    /// See [`RecordDelisting`].
    RecordDelisting(RecordDelisting),
    /// See [`RegisterAggregation`].
    RegisterAggregation(RegisterAggregation),
    /// See [`RecordSync`].
    RecordSync(RecordSync),
    /// See [`MarkOverdue`].
    MarkOverdue(MarkOverdue),
    /// See [`RecomputeDeadlines`]: 重新计算期限, the scheduler's recomputation of the open provisional deadlines
    /// after a year's holiday arrangement is loaded (digest Decision, "Counting working days").
    RecomputeDeadlines(RecomputeDeadlines),
    /// See [`RemindDeadline`]: 催办提醒, the scheduler's reminder before a due day where the rule set
    /// configures one (an operational measure).
    RemindDeadline(RemindDeadline),
}
