//! Chapter 7 (法律责任, 第四十至四十三条) as code: which recorded facts prove, or let an auditor refute, each
//! listed failure.
//!
//! The domain records no "liability" events: every failure the regulation lists is already a fact some
//! aggregate records — a missed deadline attributed to the owing party, a violation, a rejected rectification,
//! a false-data finding from verification, a leak found by an incident investigation. [`EVIDENCE`] is that
//! mapping, one row per (item, event type, condition), mirrored in `docs/regulation-map.md`. Events of the
//! sharing chapter (`share_application` with its objections, `grant`, `verification`) are named by their recorded
//! event types.
//!
//! The draft numbers two items of 第四十一条 "(三)"; [`LiabilityItem`] names them by content and
//! [`LiabilityItem::citation`] gives the position in the text.

use serde::{Deserialize, Serialize};

use crate::rules::DeadlineRule;

/// A failure listed in chapter 7.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LiabilityItem {
    /// 第四十条: the data authority does not perform its duties (不依法履行职责).
    AuthorityNeglect,
    /// 第四十一条第一项: 未按本办法规定编制、更新和维护政务数据目录.
    CatalogNotMaintained,
    /// 第四十一条第二项: 随意采集、扩大采集范围、重复采集.
    CollectionBeyondScope,
    /// 第四十一条第三项 (first): 未将政务数据归集到省一体化政务大数据体系.
    NotAggregated,
    /// 第四十一条第三项 (second): 未按规定受理共享申请, 不及时提供共享.
    ShareNotServed,
    /// 第四十一条第四项: 提供不真实、不准确、不全面的目录和数据, 未及时更新, 数据无法使用.
    FalseOrUnusableData,
    /// 第四十一条第五项: 共享数据用于履职以外, 擅自转让给第三方, 开展经营性活动.
    MisuseOfSharedData,
    /// 第四十一条第六项: 管理失控, 致使滥用、非授权使用、未经许可的扩散以及泄漏.
    LossOfControl,
    /// 第四十一条第七项: 对责令整改的问题拒不整改.
    RefusedRectification,
    /// 第四十一条第八项: 其他违反本办法规定的行为.
    OtherBreach,
    /// 第四十二条: staff leak, sell or unlawfully provide secrets or personal information.
    StaffLeak,
    /// 第四十三条: a commissioned third party leaks, sells or unlawfully provides data.
    ThirdPartyLeak,
}

impl LiabilityItem {
    /// Every item, in the order of the text.
    pub const ALL: [LiabilityItem; 12] = [
        LiabilityItem::AuthorityNeglect,
        LiabilityItem::CatalogNotMaintained,
        LiabilityItem::CollectionBeyondScope,
        LiabilityItem::NotAggregated,
        LiabilityItem::ShareNotServed,
        LiabilityItem::FalseOrUnusableData,
        LiabilityItem::MisuseOfSharedData,
        LiabilityItem::LossOfControl,
        LiabilityItem::RefusedRectification,
        LiabilityItem::OtherBreach,
        LiabilityItem::StaffLeak,
        LiabilityItem::ThirdPartyLeak,
    ];

    /// Where the item stands in the text, e.g. `第四十一条第三项(二)` for the second item numbered (三).
    pub fn citation(self) -> &'static str {
        match self {
            LiabilityItem::AuthorityNeglect => "第四十条",
            LiabilityItem::CatalogNotMaintained => "第四十一条第(一)项",
            LiabilityItem::CollectionBeyondScope => "第四十一条第(二)项",
            LiabilityItem::NotAggregated => "第四十一条第(三)项(归集)",
            LiabilityItem::ShareNotServed => "第四十一条第(三)项(共享)",
            LiabilityItem::FalseOrUnusableData => "第四十一条第(四)项",
            LiabilityItem::MisuseOfSharedData => "第四十一条第(五)项",
            LiabilityItem::LossOfControl => "第四十一条第(六)项",
            LiabilityItem::RefusedRectification => "第四十一条第(七)项",
            LiabilityItem::OtherBreach => "第四十一条第(八)项",
            LiabilityItem::StaffLeak => "第四十二条",
            LiabilityItem::ThirdPartyLeak => "第四十三条",
        }
    }
}

/// One way the record proves (or lets an auditor refute) a liability item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Evidence {
    /// The item.
    pub item: LiabilityItem,
    /// The recorded event type (`DomainEvent::event_type`).
    pub event_type: &'static str,
    /// For `DeadlineMissed`: the obligation missed.
    pub missed: Option<DeadlineRule>,
    /// The aggregate that records it.
    pub aggregate: &'static str,
    /// What about the event proves the item (fields to read), or how its absence or content refutes it.
    pub condition: &'static str,
}

const fn ev(
    item: LiabilityItem,
    event_type: &'static str,
    aggregate: &'static str,
    condition: &'static str,
) -> Evidence {
    Evidence {
        item,
        event_type,
        missed: None,
        aggregate,
        condition,
    }
}

const fn missed(
    item: LiabilityItem,
    rule: DeadlineRule,
    aggregate: &'static str,
    condition: &'static str,
) -> Evidence {
    Evidence {
        item,
        event_type: "DeadlineMissed",
        missed: Some(rule),
        aggregate,
        condition,
    }
}

use LiabilityItem as L;

/// The evidence table of chapter 7 (mirrored in `docs/regulation-map.md`).
pub const EVIDENCE: &[Evidence] = &[
    missed(
        L::AuthorityNeglect,
        DeadlineRule::CatalogReview,
        "CatalogEntry",
        "owed_by: the authority",
    ),
    missed(
        L::AuthorityNeglect,
        DeadlineRule::ShareUnconditionalProvide,
        "ShareApplication",
        "owed_by: the authority",
    ),
    missed(
        L::AuthorityNeglect,
        DeadlineRule::ShareConditionalReview,
        "ShareApplication",
        "owed_by: the authority",
    ),
    missed(
        L::AuthorityNeglect,
        DeadlineRule::ShareProvideAfterReply,
        "ShareApplication",
        "owed_by: the authority",
    ),
    missed(
        L::AuthorityNeglect,
        DeadlineRule::ShareRouteForward,
        "ShareApplication",
        "owed_by: the forwarding authority",
    ),
    missed(
        L::AuthorityNeglect,
        DeadlineRule::ObjectionCoordination,
        "ShareApplication",
        "owed_by: the authority",
    ),
    missed(
        L::AuthorityNeglect,
        DeadlineRule::ObjectionProvide,
        "ShareApplication",
        "owed_by: the authority",
    ),
    missed(
        L::AuthorityNeglect,
        DeadlineRule::VerificationForward,
        "Verification",
        "owed_by: the authority",
    ),
    missed(
        L::CatalogNotMaintained,
        DeadlineRule::CatalogUpdate,
        "CatalogEntry",
        "owed_by: the provider; the update after a change of law or duties came late or not at all",
    ),
    ev(
        L::CatalogNotMaintained,
        "CatalogEntryReturned",
        "CatalogEntry",
        "the authority's reasons show an entry not compiled as required",
    ),
    ev(
        L::CollectionBeyondScope,
        "CollectionListDerived",
        "CollectionList",
        "overlaps with data another department provides, each with its recorded justification (unjustified duplicates are refused, so the list refutes the item)",
    ),
    ev(
        L::CollectionBeyondScope,
        "CollectionChangeApplied",
        "CollectionList",
        "items added, overlaps and justifications",
    ),
    ev(
        L::NotAggregated,
        "CatalogEntryApproved",
        "CatalogEntry",
        "a published shareable entry with no later AggregationRegistered proves it; one with it refutes it",
    ),
    ev(
        L::NotAggregated,
        "AggregationSynced",
        "CatalogEntry",
        "gaps between synced_at of a physical aggregation",
    ),
    missed(
        L::ShareNotServed,
        DeadlineRule::ShareProviderReply,
        "ShareApplication",
        "owed_by: the provider",
    ),
    ev(
        L::ShareNotServed,
        "ObjectionConcluded",
        "ShareApplication",
        "outcome upheld: the provider's refusal had no basis",
    ),
    ev(
        L::FalseOrUnusableData,
        "VerificationAnswered",
        "Verification",
        "outcome corrected: the data provided was wrong",
    ),
    ev(
        L::FalseOrUnusableData,
        "VerificationDisputeConcluded",
        "Verification",
        "correction_required: true",
    ),
    missed(
        L::FalseOrUnusableData,
        DeadlineRule::VerificationAnswer,
        "Verification",
        "owed_by: the provider; data not corrected or explained in time",
    ),
    ev(
        L::MisuseOfSharedData,
        "GrantViolationRecorded",
        "Grant",
        "violations items_outside_grant or other_purpose, attributed_to the using department",
    ),
    ev(
        L::MisuseOfSharedData,
        "ThirdPartyViolationRecorded",
        "ThirdPartyEngagement",
        "shared data used by a contractor outside its engagement; engaging names the department",
    ),
    ev(
        L::LossOfControl,
        "IncidentInvestigated",
        "SecurityIncident",
        "leak_confirmed: true",
    ),
    ev(
        L::LossOfControl,
        "IncidentReported",
        "SecurityIncident",
        "category leak, unauthorized_access or misuse",
    ),
    ev(
        L::LossOfControl,
        "GrantViolationRecorded",
        "Grant",
        "violations after_expiry or after_revocation: unauthorised use",
    ),
    ev(
        L::LossOfControl,
        "ThirdPartyViolationRecorded",
        "ThirdPartyEngagement",
        "any reason: the engaging department lost control of a contractor",
    ),
    ev(
        L::RefusedRectification,
        "RectificationRejected",
        "Supervision",
        "the authority rejected the department's rectification",
    ),
    missed(
        L::RefusedRectification,
        DeadlineRule::Rectification,
        "Supervision",
        "owed_by: the supervised department",
    ),
    ev(
        L::RefusedRectification,
        "PublicCriticismIssued",
        "Supervision",
        "grounds: the overdue or rejected rectifications",
    ),
    missed(
        L::OtherBreach,
        DeadlineRule::IncidentReport,
        "SecurityIncident",
        "owed_by: the department; 第三十四条 report to 网信, 公安 or the data authority late",
    ),
    missed(
        L::OtherBreach,
        DeadlineRule::IncidentInformProvider,
        "SecurityIncident",
        "owed_by: the department; 第三十四条 provider informed late",
    ),
    ev(
        L::StaffLeak,
        "IncidentInvestigated",
        "SecurityIncident",
        "leak_confirmed: true and responsible staff",
    ),
    ev(
        L::ThirdPartyLeak,
        "IncidentInvestigated",
        "SecurityIncident",
        "leak_confirmed: true and responsible third_party",
    ),
    ev(
        L::ThirdPartyLeak,
        "ThirdPartyViolationRecorded",
        "ThirdPartyEngagement",
        "use outside the engagement (不得擅自留存、使用)",
    ),
];

/// The items an event of this type can prove (for `DeadlineMissed`, use [`items_proven_by_missed`]).
pub fn items_proven_by(event_type: &str) -> Vec<LiabilityItem> {
    let mut items: Vec<LiabilityItem> = EVIDENCE
        .iter()
        .filter(|e| e.event_type == event_type && e.missed.is_none())
        .map(|e| e.item)
        .collect();
    items.dedup();
    items
}

/// The items a missed deadline of this obligation proves.
pub fn items_proven_by_missed(rule: DeadlineRule) -> Vec<LiabilityItem> {
    EVIDENCE
        .iter()
        .filter(|e| e.missed == Some(rule))
        .map(|e| e.item)
        .collect()
}

/// The evidence rows for an item.
pub fn evidence_for(item: LiabilityItem) -> impl Iterator<Item = &'static Evidence> {
    EVIDENCE.iter().filter(move |e| e.item == item)
}
