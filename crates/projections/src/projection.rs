//! The [`Projection`] trait: what a read model declares and how it applies one event.

use std::fmt;

use async_trait::async_trait;
use govshare_store::RecordedEvent;

use crate::error::Result;
use crate::sql::{Dialect, Tx};

/// A read model built from the global log.
///
/// The runner creates the projection's tables (one set per *generation*, named
/// `rm_<name>_v<generation>_<table>`), points the stable views `rm_<name>_<table>` at the active
/// generation, and calls [`Projection::apply`] for every event of the log in position order, in
/// batches; each batch runs in one database transaction together with the update of the
/// generation's checkpoint, so an event's effect and the checkpoint that covers it commit or
/// roll back together.
///
/// `apply` must be a pure function of the tables and the event: no clock, no randomness, no I/O but
/// the transaction. A rebuild from position 0 then yields exactly the tables the live runner built.
/// It must not await anything but the [`Tx`] (on SQLite it is driven on a blocking thread).
#[async_trait]
pub trait Projection: Send + Sync + fmt::Debug + 'static {
    /// The projection's name, `[a-z][a-z0-9_]*`, at most 20 bytes; also its tables' prefix.
    fn name(&self) -> &'static str;

    /// Version of the schema and of `apply`'s meaning. When the active generation was built by
    /// another version, the runner builds a new generation from position 0 and switches to it once
    /// it has caught up, serving the old tables meanwhile.
    fn version(&self) -> u32;

    /// The placeholders of the projection's tables (`[a-z][a-z0-9_]*`, at most 20 bytes each).
    fn tables(&self) -> &'static [&'static str];

    /// The DDL creating the tables and indexes of one generation, as templates (see [`crate::sql`]):
    /// `CREATE TABLE {events} (…)`, `CREATE INDEX {events}_by_case ON {events} (…)`.
    fn schema(&self, dialect: Dialect) -> Vec<String>;

    /// Whether the projection cares about an event at all; events it does not care about only move
    /// the checkpoint. The default is every event.
    fn wants(&self, event: &RecordedEvent) -> bool {
        let _ = event;
        true
    }

    /// Applies one event inside the batch's transaction.
    async fn apply(&self, tx: &mut Tx<'_>, event: &RecordedEvent) -> Result<()>;
}
