//! Third parties (受委托第三方, 第三十七条): prior review (事前审核), traces while working (事中留痕), tracing
//! afterwards (事后追溯).
//!
//! One aggregate per engagement of one contractor by one department. The engaging department's responsible
//! office (第六条; named in the command as the registry holds it) reviews the proposed engagement — scope,
//! systems, data touched, term — and the review is recorded by a reviewer or leader of that department
//! (AUTH-12). Only an approved review lets the department engage the contractor. Every use of shared data by
//! the contractor is recorded against the engagement; a use outside an approved, unexpired, unended
//! engagement, or of data it does not cover, is accepted into the record together with a
//! [`ThirdPartyViolationRecorded`] fact (第三十七条: 不得擅自留存、使用; evidence for 第四十一条第五、六项 and
//! 第四十三条). The department ends the engagement.

mod aggregate;
mod command;
mod event;

pub use aggregate::{EngagementStatus, ThirdPartyEngagement};
pub use command::{
    EndEngagement, EngageThirdParty, EngagementTerm, RecordContractorUse, RecordPriorReview,
    ThirdPartyCommand,
};
pub use event::{
    ContractorUseRecorded, EngagementEnded, PriorReviewRecorded, ThirdPartyEngaged,
    ThirdPartyEvent, ThirdPartyViolationRecorded, ViolationReason,
};
