//! Decoding of stored column values, shared by both backends.

use crate::error::{Result, StoreError};
use crate::types::Position;

/// A stored non-negative integer.
pub(crate) fn decode_u64(value: i64, position: Position, column: &str) -> Result<u64> {
    u64::try_from(value).map_err(|_| StoreError::Corrupt {
        position,
        detail: format!("{column} is negative"),
    })
}

pub(crate) fn decode_u32(value: i64, position: Position, column: &str) -> Result<u32> {
    u32::try_from(value).map_err(|_| StoreError::Corrupt {
        position,
        detail: format!("{column} is out of range"),
    })
}

pub(crate) fn decode_hash(bytes: &[u8], position: Position) -> Result<[u8; 32]> {
    <[u8; 32]>::try_from(bytes).map_err(|_| StoreError::Corrupt {
        position,
        detail: format!("stored hash has {} bytes", bytes.len()),
    })
}

pub(crate) fn decode_rule_set(
    id: Option<String>,
    version: Option<String>,
    position: Position,
) -> Result<Option<(String, String)>> {
    match (id, version) {
        (None, None) => Ok(None),
        (Some(id), Some(version)) => Ok(Some((id, version))),
        _ => Err(StoreError::Corrupt {
            position,
            detail: "rule set id and version must both be present or both absent".into(),
        }),
    }
}
