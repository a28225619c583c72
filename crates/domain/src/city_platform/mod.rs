//! City platforms (市级政务大数据平台, 第三十一条).
//!
//! A city uses the provincial platform in principle; one that must build its own submits the plan (建设方案)
//! to the provincial data authority, which approves or rejects it (a rejected plan may be revised and
//! resubmitted). Only an approved platform's synchronisation with the provincial platform (对接和数据同步,
//! recorded by the city's authority) and the data returned to it (回流, recorded by the provincial authority)
//! are recorded. One aggregate per city platform.

mod aggregate;
mod command;
mod event;

pub use aggregate::{CityPlatform, PlatformStatus};
pub use command::{
    ApprovePlatformPlan, CityPlatformCommand, RecordDataReturn, RecordPlatformSync,
    RejectPlatformPlan, SubmitPlatformPlan,
};
pub use event::{
    CityPlatformEvent, DataReturned, PlatformPlanApproved, PlatformPlanRejected,
    PlatformPlanSubmitted, PlatformSynced,
};
