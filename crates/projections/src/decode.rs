//! Decoding stored events into the domain's types with the one codec the engine writes with
//! (`govshare-codec`): an event is kept under its variant name (`event_type`) with the variant's body
//! as payload, and older payload versions are upcast.

use cqrs_es::Aggregate;
use govshare_codec::Kind;
use govshare_domain::DeadlineFact;
use govshare_domain::catalog::CatalogEntry;
use govshare_domain::incident::SecurityIncident;
use govshare_domain::share_application::ShareApplication;
use govshare_domain::supervision::Supervision;
use govshare_domain::verification::Verification;
use govshare_store::RecordedEvent;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{ProjectionError, Result};

/// Whether a record belongs to aggregate kind `A`.
pub(crate) fn is<A: Aggregate>(record: &RecordedEvent) -> bool {
    record.stream.aggregate_type == A::TYPE
}

/// Decodes a record of aggregate kind `A` into its domain event through the shared codec
/// (`govshare_codec::decode_event`), upcasting older payloads the way the engine reads them.
pub(crate) fn event<A: Kind>(record: &RecordedEvent) -> Result<A::Event>
where
    A::Body: Serialize + DeserializeOwned + Clone + Send + Sync,
{
    govshare_codec::decode_event::<A>(record, &A::upcasters())
        .map_err(|e| ProjectionError::decode(record.position, e))
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
