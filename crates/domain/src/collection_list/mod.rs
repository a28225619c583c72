//! Collection responsibility lists (采集责任清单, 第十三、十四条): one aggregate per department.
//!
//! The authority derives a department's list from the catalog (第十三条); the department applies for changes
//! and the authority decides (第十四条). Collecting a data item another department already provides for
//! sharing is refused (不得重复采集、多头采集) unless a justification is recorded; the overlap and the
//! justification are facts in the event, where an assessor sees them (第三十八、四十一条).

mod aggregate;
mod command;
mod event;

pub use aggregate::{CollectionList, PendingChange};
pub use command::{
    ApplyCollectionChange, CollectionItem, CollectionListCommand, DecideCollectionChange,
    DeriveCollectionList, DuplicationJustification, SharedSource,
};
pub use event::{
    CollectionChangeApplied, CollectionChangeDecided, CollectionListDerived, CollectionListEvent,
};
