//! Commands of a share application.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::actor::DepartmentRef;
use crate::catalog::ShareAttribute;
use crate::deadline::{MarkOverdue, RecomputeDeadlines, RemindDeadline};
use crate::share_application::objection::{ConcludeObjection, RaiseObjection};
use crate::share_application::routing::DataHolder;
use crate::text::is_blank;

/// 应用场景: what the data is for (第十九条: 申请应当明确政务数据的应用场景). Use of the data is bound to it
/// (第二十二条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApplicationScenario {
    /// 使用用途: the purpose, in words.
    pub purpose: String,
    /// A stable code of the purpose (场景编号); every recorded use of the data names it (第二十二条).
    pub purpose_code: String,
    /// 依据: the legal basis of the duty the data serves (依法履职, 第十九条).
    pub legal_basis: String,
    /// 应用系统: the business system that will use the data.
    pub business_system: String,
    /// 信息项: the data items asked for.
    pub data_items: Vec<String>,
    /// 使用期限: first day of use (Beijing date).
    pub use_from: NaiveDate,
    /// 使用期限: last day of use (Beijing date).
    pub use_until: NaiveDate,
    /// 预计使用频度, e.g. 每日约2000次.
    pub expected_frequency: String,
}

impl ApplicationScenario {
    /// The parts of the scenario that are missing (blank); a return for supplement names them.
    pub fn missing(&self) -> Vec<String> {
        let text = [
            ("purpose", &self.purpose),
            ("purpose_code", &self.purpose_code),
            ("legal_basis", &self.legal_basis),
            ("business_system", &self.business_system),
            ("expected_frequency", &self.expected_frequency),
        ];
        let mut missing: Vec<String> = text
            .iter()
            .filter(|(_, v)| is_blank(v))
            .map(|(k, _)| (*k).to_owned())
            .collect();
        if self.data_items.iter().all(|i| is_blank(i)) {
            missing.push("data_items".to_owned());
        }
        missing
    }
}

/// The facts of one requested catalog entry at submission, as the engine resolved them from the catalog and
/// the negative list. Recorded in the submission: the decision rests on them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RequestedEntry {
    /// Catalog entry aggregate id.
    pub entry_id: String,
    /// 资源代码.
    pub code: String,
    /// 资源名称.
    pub name: String,
    /// The published version seen.
    pub version: u32,
    /// 共享属性 as published (with its conditions if conditional).
    pub share_attribute: ShareAttribute,
    /// Who holds the data: a department of the province, or a State Council department.
    pub holder: DataHolder,
    /// 信息项 of the entry.
    pub items: Vec<String>,
    /// The negative-list application that lists the entry as 不予共享, if it is listed (第十五条).
    pub negative_listing: Option<String>,
}

/// 提出共享申请: a department applies for catalog entries through the platform, stating the application
/// scenario (第十九条). The acting department is the requester.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubmitShareApplication {
    /// The application's id (the aggregate id; the grant refers to it).
    pub application_id: String,
    /// The entries asked for, with their facts at submission.
    pub entries: Vec<RequestedEntry>,
    /// 应用场景.
    pub scenario: ApplicationScenario,
    /// 申请材料: names of the supporting documents attached.
    pub materials: Vec<String>,
    /// The authorities the application passes (第二十一条): the requester's own first, the serving authority
    /// last; one authority when the data is held at the requester's level.
    pub route: Vec<DepartmentRef>,
}

/// 逐级转报: the authority holding the application forwards it to the upper-level authority (第二十一条).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ForwardToUpperAuthority {}

/// 退回补正: the authority holding the application returns it because the scenario or materials are missing
/// (第十九条 Decision).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReturnForSupplement {
    /// What must be supplied.
    pub missing: Vec<String>,
}

/// 补正后重新提交: the requester resubmits with the scenario and materials supplemented; the authority's
/// clock restarts (第十九条 Decision, `supplement_restarts_authority_clock`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResubmitShareApplication {
    /// The supplemented scenario (its data items stay within the requested entries).
    pub scenario: ApplicationScenario,
    /// The supporting documents now attached.
    pub materials: Vec<String>,
}

/// 撤回申请: the requester withdraws its application (第十九条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WithdrawShareApplication {
    /// Why.
    pub reason: String,
}

/// 审核后转至提供部门: the serving authority has reviewed a conditional request and forwards it to the
/// provider (第十九条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ForwardToProvider {
    /// 审核意见.
    pub review_opinion: String,
}

/// 同意共享: the provider agrees, possibly with conditions of use (第十九条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgreeToShare {
    /// Conditions the requester's use must respect, if any.
    pub conditions: Option<String>,
}

/// The kind of provision a refusal relies on: 第十九条 allows a refusal only where a law, a regulation or
/// national policy provides (法律、法规或者国家政策另有规定).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum RefusalBasisKind {
    /// 法律.
    Law,
    /// 行政法规.
    AdministrativeRegulation,
    /// 地方性法规.
    LocalRegulation,
    /// 国家政策.
    NationalPolicy,
}

/// The provision a refusal relies on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefusalBasis {
    /// Kind of instrument.
    pub kind: RefusalBasisKind,
    /// Title of the instrument.
    pub instrument: String,
    /// The article or clause relied on.
    pub provision: String,
}

/// 不同意共享: the provider refuses, stating its reasons and the provision relied on (第十九条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefuseToShare {
    /// 不予共享的理由.
    pub reasons: String,
    /// The law, regulation or national policy relied on.
    pub basis: RefusalBasis,
}

/// 提供数据: the serving authority provides the data (第十九条); the engine then issues the grant with this
/// id (第二十二条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProvideShare {
    /// The id of the grant the engine will issue.
    pub grant_id: String,
}

/// Every command of a share application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ShareCommand {
    /// See [`SubmitShareApplication`].
    SubmitShareApplication(SubmitShareApplication),
    /// See [`ForwardToUpperAuthority`].
    ForwardToUpperAuthority(ForwardToUpperAuthority),
    /// See [`ReturnForSupplement`].
    ReturnForSupplement(ReturnForSupplement),
    /// See [`ResubmitShareApplication`].
    ResubmitShareApplication(ResubmitShareApplication),
    /// See [`WithdrawShareApplication`].
    WithdrawShareApplication(WithdrawShareApplication),
    /// See [`ForwardToProvider`].
    ForwardToProvider(ForwardToProvider),
    /// See [`AgreeToShare`].
    AgreeToShare(AgreeToShare),
    /// See [`RefuseToShare`].
    RefuseToShare(RefuseToShare),
    /// See [`RaiseObjection`].
    RaiseObjection(RaiseObjection),
    /// See [`ConcludeObjection`].
    ConcludeObjection(ConcludeObjection),
    /// See [`ProvideShare`].
    ProvideShare(ProvideShare),
    /// See [`MarkOverdue`].
    MarkOverdue(MarkOverdue),
    /// See [`RecomputeDeadlines`]: 重新计算期限, the scheduler's recomputation of the open provisional deadlines
    /// after a year's holiday arrangement is loaded (digest Decision, "Counting working days").
    RecomputeDeadlines(RecomputeDeadlines),
    /// See [`RemindDeadline`]: 催办提醒, the scheduler's reminder before a due day where the rule set
    /// configures one (an operational measure).
    RemindDeadline(RemindDeadline),
}
