//! Published catalog versions (第十条): a data authority publishes its level's catalog as a numbered, dated
//! version naming the entries and their versions. One aggregate per authority.

mod aggregate;
mod command;
mod event;

pub use aggregate::{PublishedCatalog, VersionSummary};
pub use command::{PublishCatalogVersion, PublishedCatalogCommand, PublishedEntryRef};
pub use event::{CatalogVersionPublished, PublishedCatalogEvent};
