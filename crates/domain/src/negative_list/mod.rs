//! The negative list (负面清单, 第十五条): the only way a catalog entry becomes 不予共享.
//!
//! One aggregate per application concerning one entry: the department applies with a basis in law or
//! administrative regulation → the same-level data authority reviews → the people's government of that
//! level approves → the entry is listed → the list is filed (备案) with the upper-level authority. Delisting
//! runs the same path and is recorded the same way. The engine then tells the catalog entry
//! (`RecordNegativeListing` / `RecordDelisting`), which refuses 不予共享 until it is listed.

mod aggregate;
mod command;
mod event;

pub use aggregate::{ListingStatus, NegativeListing};
pub use command::{
    ApplyForDelisting, ApplyForNegativeListing, BasisKind, DecideNegativeListing,
    FileNegativeListing, LegalBasis, ListedEntry, NegativeListCommand, ReviewNegativeListing,
    UpperAuthority,
};
pub use event::{
    EntryDelisted, EntryListed, ListingPhase, NegativeListEvent, NegativeListingApplied,
    NegativeListingDecided, NegativeListingFiled, NegativeListingReviewed,
};
