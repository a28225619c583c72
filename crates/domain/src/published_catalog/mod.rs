//! Published catalog versions (第十条): a data authority publishes its level's catalog as a numbered, dated
//! version naming the entries and their versions. One aggregate per authority.

mod aggregate;

pub use aggregate::{
    CatalogVersionPublished, PublishCatalogVersion, PublishedCatalog, PublishedCatalogCommand,
    PublishedCatalogEvent, PublishedEntryRef, VersionSummary,
};
