//! Helpers shared by the read models.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{ProjectionError, Result};
use crate::sql::Tx;

/// An instant as nanoseconds since the Unix epoch (saturating outside 1677–2262).
pub(crate) fn nanos(at: DateTime<Utc>) -> i64 {
    at.timestamp_nanos_opt().unwrap_or(if at.timestamp() < 0 {
        i64::MIN
    } else {
        i64::MAX
    })
}

/// Nanoseconds since the Unix epoch as an instant.
pub(crate) fn from_nanos(ns: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_nanos(ns)
}

/// The serde name of a unit enum value (`snake_case` for the domain's statuses).
pub(crate) fn enum_name<T: Serialize + std::fmt::Debug>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => format!("{value:?}"),
    }
}

/// Loads an aggregate's folded state kept by a read model (`template` selects one `state` text
/// column by `$1` = id), or the default state.
pub(crate) async fn load_state<S: DeserializeOwned + Default>(
    tx: &mut Tx<'_>,
    template: &str,
    id: &str,
) -> Result<S> {
    match tx.query_opt(template, &[id.into()]).await? {
        Some(row) => Ok(serde_json::from_str(&row.text(0)?)?),
        None => Ok(S::default()),
    }
}

/// The folded state as stored text.
pub(crate) fn state_text<S: Serialize>(state: &S) -> Result<String> {
    serde_json::to_string(state).map_err(ProjectionError::from)
}
