//! Catalog entries (第九至十二条) and their aggregation (第十六至十八条).
//!
//! Lifecycle: draft → submitted → approved (published in the catalog as a numbered version) or returned with
//! reasons → revised → submitted … An approved entry is revised into its next version the same way.
//!
//! Catalog changes (第十一条): a change of law or duties opens the department's update deadline (10 working
//! days from the date of the change); one extension (+20) with the authority's consent, asked before the
//! deadline; submission meets it and opens the authority's review (10 working days from receipt); a return
//! restarts the department's clock (Decision). State-secret data is refused (第二条); 不予共享 only once listed
//! on the negative list (第十五条); base and thematic categories are compiled by their configured departments
//! (第十二条); base data is aggregated physically (第十八条).

mod aggregate;
mod command;
mod event;
mod metadata;

pub use crate::deadline::{MarkOverdue, RecomputeDeadlines, RemindDeadline};
pub use aggregate::{CatalogEntry, EntryStatus, OpenChange, PublishedVersion};
pub use command::{
    ApproveCatalogEntry, CatalogCommand, ChangeCause, ConsentToExtension, DraftCatalogEntry,
    RecordCatalogChange, RecordDelisting, RecordNegativeListing, RecordSync, RefuseExtension,
    RegisterAggregation, RequestUpdateExtension, ReturnCatalogEntry, ReviseCatalogEntry,
    SubmitCatalogEntry,
};
pub use event::{
    AggregationRegistered, AggregationSynced, CatalogChangeRecorded, CatalogEntryApproved,
    CatalogEntryDrafted, CatalogEntryReturned, CatalogEntryRevised, CatalogEntrySubmitted,
    CatalogEvent, NotSharedListingRecorded, NotSharedListingRemoved, UpdateExtensionRefused,
    UpdateExtensionRequested,
};
pub use metadata::{
    AggregationMethod, AggregationMode, CatalogMetadata, DataItem, OpenAttribute, SecurityLevel,
    ShareAttribute, ShareMode, UpdateFrequency, UsageScope,
};
