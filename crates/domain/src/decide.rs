//! The pure decision entry point: `decide(state, envelope, services) -> events | refusal`.
//!
//! Every aggregate implements [`Decide`]; its `cqrs_es::Aggregate::handle` is one call to
//! [`handle_with_sink`]. The engine, the audit's re-validation and tests call [`decide`] directly, without a
//! cqrs-es `EventSink`: nothing is applied or written, the caller gets the events the rules produce.

use chrono::{DateTime, Utc};
use cqrs_es::Aggregate;
use cqrs_es::event_sink::EventSink;

use crate::envelope::CommandEnvelope;
use crate::error::DomainError;
use crate::instant::check_instant;
use crate::services::DomainServices;

/// An aggregate whose decisions are a pure function of (state, command envelope, services).
pub trait Decide:
    Aggregate<Error = DomainError, Services = DomainServices> + Default + Clone
{
    /// The command body this aggregate decides on (the envelope's `body`).
    type Body;

    /// The events the rules produce for `command` in the current state, or why it is refused.
    ///
    /// Callers should use [`decide`], which also refuses envelopes whose instant is unusable.
    fn decide(
        &self,
        command: CommandEnvelope<Self::Body>,
        services: &DomainServices,
    ) -> Result<Vec<Self::Event>, DomainError>;

    /// The instant of the latest event folded into this state (`None` for a new aggregate): a command
    /// dated before it is refused, so that no step can be recorded as happening before an earlier one.
    fn last_instant(&self) -> Option<DateTime<Utc>>;
}

/// Decides `command` against `state`: the one entry point used by the engine, the audit and tests.
///
/// Before the aggregate's rules, it refuses an envelope instant the calendar cannot count
/// ([`DomainError::InstantOutOfRange`]: every deadline is counted on its Beijing date) and one earlier than
/// the latest recorded fact ([`DomainError::Backdated`]: otherwise a provision dated before its submission
/// would count as on time, 第十九、四十一条). The same instant as the latest fact is accepted: several acts
/// may be recorded at once.
pub fn decide<A: Decide>(
    state: &A,
    command: CommandEnvelope<A::Body>,
    services: &DomainServices,
) -> Result<Vec<A::Event>, DomainError> {
    check_instant("at", command.at)?;
    if let Some(latest) = state.last_instant()
        && command.at < latest
    {
        return Err(DomainError::Backdated {
            at: command.at,
            latest,
        });
    }
    state.decide(command, services)
}

/// The body of every aggregate's `cqrs_es::Aggregate::handle`: decide, then write each event to the sink
/// (which applies it).
pub async fn handle_with_sink<A>(
    state: &mut A,
    command: CommandEnvelope<A::Body>,
    services: &DomainServices,
    sink: &EventSink<A>,
) -> Result<(), DomainError>
where
    A: Decide,
{
    for event in decide(state, command, services)? {
        sink.write(event, state).await;
    }
    Ok(())
}
