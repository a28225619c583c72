//! Cursor pagination: every list query takes a [`PageRequest`] (an opaque cursor and a limit) and
//! returns a [`Page`] (the items and the cursor of the next page).
//!
//! A cursor encodes the sort key of the last item returned, tagged with the query it belongs to; the
//! next page starts strictly after that key (keyset pagination), so pages neither skip nor repeat
//! items while the read model grows.

use std::fmt;

use serde_json::Value;

use crate::error::{ProjectionError, Result};
use crate::sql::SqlValue;

/// Largest page served.
pub const MAX_LIMIT: u32 = 1000;

/// An opaque position in a list: the key of the last item of a page.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Cursor(String);

impl Cursor {
    /// The cursor as text (to hand to a client).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A cursor received from a client; checked when used.
    pub fn from_string(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    pub(crate) fn encode(query: &str, key: &[SqlValue]) -> Self {
        let mut parts = vec![Value::String(query.to_owned())];
        parts.extend(key.iter().map(|v| match v {
            SqlValue::Int(Some(i)) => Value::from(*i),
            SqlValue::Text(Some(t)) => Value::String(t.clone()),
            SqlValue::Int(None) | SqlValue::Text(None) => Value::Null,
        }));
        Self(hex::encode(Value::Array(parts).to_string()))
    }

    /// The key, checked against the query and the key's shape: `kinds` holds `true` for an integer
    /// and `false` for a text part.
    pub(crate) fn decode(&self, query: &str, kinds: &[bool]) -> Result<Vec<SqlValue>> {
        let bytes = hex::decode(&self.0).map_err(|_| ProjectionError::InvalidCursor)?;
        let Ok(Value::Array(parts)) = serde_json::from_slice::<Value>(&bytes) else {
            return Err(ProjectionError::InvalidCursor);
        };
        let Some((tag, key)) = parts.split_first() else {
            return Err(ProjectionError::InvalidCursor);
        };
        if tag.as_str() != Some(query) || key.len() != kinds.len() {
            return Err(ProjectionError::InvalidCursor);
        }
        key.iter()
            .zip(kinds)
            .map(|(v, int)| match (v, int) {
                (Value::Number(n), true) => n
                    .as_i64()
                    .map(SqlValue::from)
                    .ok_or(ProjectionError::InvalidCursor),
                (Value::String(s), false) => Ok(SqlValue::from(s.clone())),
                _ => Err(ProjectionError::InvalidCursor),
            })
            .collect()
    }
}

impl fmt::Debug for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Cursor({})", self.0)
    }
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Which page of a list to return.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageRequest {
    /// Start after this cursor (`None`: the first page).
    pub after: Option<Cursor>,
    /// At most this many items (clamped to 1..=[`MAX_LIMIT`]).
    pub limit: u32,
}

impl PageRequest {
    /// The first page of `limit` items.
    pub fn first(limit: u32) -> Self {
        Self { after: None, limit }
    }

    /// The page after `cursor`.
    pub fn after(cursor: Cursor, limit: u32) -> Self {
        Self {
            after: Some(cursor),
            limit,
        }
    }

    pub(crate) fn clamped_limit(&self) -> i64 {
        i64::from(self.limit.clamp(1, MAX_LIMIT))
    }
}

impl Default for PageRequest {
    fn default() -> Self {
        Self::first(100)
    }
}

/// One page of a list.
#[derive(Clone, Debug, PartialEq)]
pub struct Page<T> {
    /// The items, in the list's order.
    pub items: Vec<T>,
    /// The cursor of the next page; `None` on the last page.
    pub next: Option<Cursor>,
}

impl<T> Page<T> {
    /// Builds a page from up to `limit + 1` fetched items: the extra one only says there is more.
    pub(crate) fn from_fetched(
        mut items: Vec<T>,
        limit: i64,
        query: &str,
        key: impl Fn(&T) -> Vec<SqlValue>,
    ) -> Self {
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        let more = items.len() > limit;
        items.truncate(limit);
        let next = if more {
            items.last().map(|last| Cursor::encode(query, &key(last)))
        } else {
            None
        };
        Self { items, next }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_is_bound_to_its_query() {
        let c = Cursor::encode("audit.case", &[SqlValue::from(42i64), SqlValue::from("x")]);
        assert_eq!(
            c.decode("audit.case", &[true, false]).unwrap(),
            vec![SqlValue::from(42i64), SqlValue::from("x")]
        );
        assert!(c.decode("audit.person", &[true, false]).is_err());
        assert!(c.decode("audit.case", &[true]).is_err());
        assert!(c.decode("audit.case", &[false, false]).is_err());
        assert!(
            Cursor::from_string("zz")
                .decode("audit.case", &[true])
                .is_err()
        );
    }
}
