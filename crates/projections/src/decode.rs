//! Decoding stored events into the domain's types, as the codec stores them: an event is kept under
//! its variant name (`event_type`) with the variant's body as payload.

use cqrs_es::Aggregate;
use govshare_domain::DeadlineFact;
use govshare_domain::catalog::CatalogEntry;
use govshare_domain::incident::SecurityIncident;
use govshare_domain::share_application::ShareApplication;
use govshare_domain::supervision::Supervision;
use govshare_domain::verification::Verification;
use govshare_store::RecordedEvent;
use serde_json::{Map, Value};

use crate::error::{ProjectionError, Result};

/// Whether a record belongs to aggregate kind `A`.
pub(crate) fn is<A: Aggregate>(record: &RecordedEvent) -> bool {
    record.stream.aggregate_type == A::TYPE
}

/// Decodes a record of aggregate kind `A` into its domain event.
pub(crate) fn event<A: Aggregate>(record: &RecordedEvent) -> Result<A::Event> {
    if !is::<A>(record) {
        return Err(ProjectionError::decode(
            record.position,
            format!(
                "record of {} read as {}",
                record.stream.aggregate_type,
                A::TYPE
            ),
        ));
    }
    let payload = record
        .payload
        .to_value()
        .map_err(|e| ProjectionError::decode(record.position, e))?;
    let tagged = if payload.is_null() {
        Value::String(record.event_type.clone())
    } else {
        let mut map = Map::with_capacity(1);
        map.insert(record.event_type.clone(), payload);
        Value::Object(map)
    };
    serde_json::from_value(tagged).map_err(|e| {
        ProjectionError::decode(
            record.position,
            format!("{} does not decode: {e}", record.event_type),
        )
    })
}

/// The deadline fact a record is, whatever its aggregate kind (catalog entries, share applications,
/// verification requests, incidents, supervision cases keep deadlines).
pub(crate) fn deadline_fact(record: &RecordedEvent) -> Result<Option<DeadlineFact>> {
    if !record.event_type.starts_with("Deadline") {
        return Ok(None);
    }
    Ok(match record.stream.aggregate_type.as_str() {
        t if t == CatalogEntry::TYPE => event::<CatalogEntry>(record)?.deadline_fact(),
        t if t == ShareApplication::TYPE => event::<ShareApplication>(record)?.deadline_fact(),
        t if t == Verification::TYPE => event::<Verification>(record)?.deadline_fact(),
        t if t == SecurityIncident::TYPE => event::<SecurityIncident>(record)?.deadline_fact(),
        t if t == Supervision::TYPE => event::<Supervision>(record)?.deadline_fact(),
        _ => None,
    })
}
