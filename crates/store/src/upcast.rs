//! Schema evolution: upcasters turn an old payload version into the next one when events are
//! read into domain types. Stored bytes are never rewritten, so verification is unaffected.

use std::collections::HashMap;
use std::fmt;

use serde_json::Value;

use crate::error::{Result, StoreError};
use crate::types::RecordedEvent;

/// Converts payloads of one event type from `from_version` to `from_version + 1`.
pub trait Upcaster: Send + Sync {
    /// Event type handled.
    fn event_type(&self) -> &str;
    /// Version converted from; the result is `from_version() + 1`.
    // Named for the (event type, version) key it registers under, not a `from_*` constructor.
    #[allow(clippy::wrong_self_convention)]
    fn from_version(&self) -> u32;
    /// Performs the conversion.
    fn upcast(&self, payload: Value) -> std::result::Result<Value, String>;
}

/// An event's type, version and payload after upcasting.
#[derive(Clone, Debug, PartialEq)]
pub struct UpcastedEvent {
    /// Event type.
    pub event_type: String,
    /// Version after upcasting.
    pub schema_version: u32,
    /// Payload after upcasting.
    pub payload: Value,
}

/// A registry of upcasters keyed by (event type, from version), applied as a chain.
#[derive(Default)]
pub struct Upcasters {
    by_key: HashMap<(String, u32), Box<dyn Upcaster>>,
}

impl fmt::Debug for Upcasters {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut keys: Vec<_> = self.by_key.keys().collect();
        keys.sort();
        f.debug_struct("Upcasters").field("steps", &keys).finish()
    }
}

impl Upcasters {
    /// No upcasters: every event is read as stored.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an upcaster, replacing one registered for the same (type, version).
    pub fn with(mut self, upcaster: impl Upcaster + 'static) -> Self {
        self.by_key.insert(
            (upcaster.event_type().to_owned(), upcaster.from_version()),
            Box::new(upcaster),
        );
        self
    }

    /// Applies every registered step from `version` on until none applies.
    pub fn upcast(&self, event_type: &str, version: u32, payload: Value) -> Result<(u32, Value)> {
        let mut version = version;
        let mut payload = payload;
        // A chain cannot be longer than the number of registered steps.
        for _ in 0..=self.by_key.len() {
            let Some(step) = self.by_key.get(&(event_type.to_owned(), version)) else {
                return Ok((version, payload));
            };
            payload = step.upcast(payload).map_err(|detail| StoreError::Upcast {
                event_type: event_type.to_owned(),
                version,
                detail,
            })?;
            version = version.checked_add(1).ok_or_else(|| StoreError::Upcast {
                event_type: event_type.to_owned(),
                version,
                detail: "version overflow".into(),
            })?;
        }
        Err(StoreError::Upcast {
            event_type: event_type.to_owned(),
            version,
            detail: "upcaster chain does not terminate".into(),
        })
    }

    /// Whether a step is registered for this event type and version.
    pub fn has_step(&self, event_type: &str, version: u32) -> bool {
        self.by_key.contains_key(&(event_type.to_owned(), version))
    }

    /// Decodes and upcasts a recorded event's payload (the recorded event is left as stored).
    pub fn upcast_event(&self, event: &RecordedEvent) -> Result<UpcastedEvent> {
        let payload = event.payload.to_value().map_err(|e| StoreError::Corrupt {
            position: event.position,
            detail: format!("payload is not JSON: {e}"),
        })?;
        let (schema_version, payload) =
            self.upcast(&event.event_type, event.schema_version, payload)?;
        Ok(UpcastedEvent {
            event_type: event.event_type.clone(),
            schema_version,
            payload,
        })
    }
}
