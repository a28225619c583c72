//! Opening a store of either backend from a location string.

use std::sync::Arc;

use crate::error::Result;
use crate::plan::StoreConfig;
use crate::postgres::PostgresStore;
use crate::sqlite::SqliteStore;
use crate::store::EventStore;

/// Opens a store from a location: `postgres://…` or `postgresql://…` for PostgreSQL, anything
/// else (optionally prefixed `sqlite:`) is a SQLite file path.
pub async fn open(location: &str, config: StoreConfig) -> Result<Arc<dyn EventStore>> {
    if location.starts_with("postgres://") || location.starts_with("postgresql://") {
        Ok(Arc::new(PostgresStore::connect(location, config).await?))
    } else {
        let path = location.strip_prefix("sqlite:").unwrap_or(location);
        Ok(Arc::new(SqliteStore::open(path, config).await?))
    }
}
