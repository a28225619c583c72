//! Chain verification: against an optional kept checkpoint, and against the engine's signed checkpoints.

use ed25519_dalek::VerifyingKey;
use govshare_store::{Checkpoint, EventStore, Position};
use serde::{Deserialize, Serialize};
use tracing::Instrument;

use crate::error::{AuditError, ChainFinding, Result};
use crate::signing::{SignReason, SignedCheckpoint, stored_hash};

/// A log whose chain verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainReport {
    /// The head verified: the chain from position 1 arrives at exactly this hash.
    pub head: Checkpoint,
    /// The kept checkpoint the log was checked against, if any.
    pub kept: Option<Checkpoint>,
}

/// Recomputes the whole chain from the stored bytes (the store's `verify`, which also checks the command
/// records against the events and the recorded head), and, with a kept checkpoint, checks that the log
/// still reaches it with the same hash.
///
/// A tampered log is `Err(AuditError::Tampered(finding))`; `finding.position()` names the first bad
/// position (for a history rewritten with a recomputed chain: the first position it may begin at).
///
/// ```no_run
/// # async fn example(store: &dyn govshare_store::EventStore) {
/// match govshare_audit::verify(store, None).await {
///     Ok(report) => println!("chain intact up to position {}", report.head.position),
///     Err(govshare_audit::AuditError::Tampered(finding)) => {
///         println!("tampered at position {}: {finding}", finding.position())
///     }
///     Err(e) => println!("could not verify: {e}"),
/// }
/// # }
/// ```
pub async fn verify(store: &dyn EventStore, kept: Option<&Checkpoint>) -> Result<ChainReport> {
    let span = tracing::info_span!("audit.verify", kept = kept.map(|k| k.position));
    async {
        let head = verify_chain(store).await?;
        if let Some(kept) = kept {
            check_checkpoint(store, &head, kept, 1).await?;
        }
        Ok(ChainReport {
            head,
            kept: kept.copied(),
        })
    }
    .instrument(span)
    .await
}

async fn verify_chain(store: &dyn EventStore) -> Result<Checkpoint> {
    let report = store.verify(1, None).await?;
    Ok(Checkpoint {
        position: report.to,
        hash: report.last_hash,
    })
}

/// Checks that the verified log (up to `head`) passes through `checkpoint`.
async fn check_checkpoint(
    store: &dyn EventStore,
    head: &Checkpoint,
    checkpoint: &Checkpoint,
    earliest: Position,
) -> Result<()> {
    if checkpoint.position > head.position {
        return Err(AuditError::Tampered(ChainFinding::Truncated {
            position: checkpoint.position,
            head: head.position,
        }));
    }
    let found = stored_hash(store, checkpoint.position).await?;
    if found != Some(checkpoint.hash) {
        return Err(AuditError::Tampered(ChainFinding::CheckpointMismatch {
            position: checkpoint.position,
            earliest: earliest.min(checkpoint.position.max(1)),
            expected: hex::encode(checkpoint.hash),
            found: found.map(hex::encode).unwrap_or_default(),
        }));
    }
    Ok(())
}

/// How strictly [`verify_signed`] treats the events after the last signed checkpoint.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SignedVerifyOptions {
    /// Require the head itself to be signed (a stopped engine's database, or an archive): any event after
    /// the last signed checkpoint is [`ChainFinding::UnsignedTail`]. Otherwise the unsigned tail of a
    /// running engine is reported in [`SignedReport::unsigned_from`].
    pub require_signed_head: bool,
}

/// A log whose chain verified against every signed checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedReport {
    /// The chain.
    pub chain: ChainReport,
    /// Signatures checked.
    pub signatures: usize,
    /// The last signed checkpoint.
    pub last_signed: Option<Checkpoint>,
    /// First position covered by no signature (`None` when the head is signed).
    pub unsigned_from: Option<Position>,
}

/// Verifies the log against the engine's signed checkpoints.
///
/// 1. Every signature verifies and was made by `trusted` (the engine's public key), and their positions
///    never go back ([`ChainFinding::BadSignature`], [`ChainFinding::SignaturesOutOfOrder`]).
/// 2. The whole chain recomputes from the stored bytes ([`ChainFinding::ChainBroken`]).
/// 3. The log reaches every signed position with the signed hash ([`ChainFinding::Truncated`],
///    [`ChainFinding::CheckpointMismatch`], which names the window after the last checkpoint that still
///    matches).
/// 4. Nothing was appended while the engine was stopped: a `shutdown` signature is followed by the next
///    `startup` signature at the same position, and, if it is the last one, by no event
///    ([`ChainFinding::UnsignedExtension`]).
/// 5. With `require_signed_head`, the head itself is signed ([`ChainFinding::UnsignedTail`]).
pub async fn verify_signed(
    store: &dyn EventStore,
    signatures: &[SignedCheckpoint],
    trusted: &VerifyingKey,
    options: SignedVerifyOptions,
) -> Result<SignedReport> {
    let span = tracing::info_span!("audit.verify_signed", signatures = signatures.len());
    async {
        let mut previous: Option<Position> = None;
        for (index, signed) in signatures.iter().enumerate() {
            signed.verify(Some(trusted)).map_err(|detail| {
                AuditError::Tampered(ChainFinding::BadSignature {
                    index,
                    position: signed.position,
                    detail,
                })
            })?;
            if let Some(previous) = previous
                && signed.position < previous
            {
                return Err(AuditError::Tampered(ChainFinding::SignaturesOutOfOrder {
                    index,
                    position: signed.position,
                    previous,
                }));
            }
            previous = Some(signed.position);
        }

        let head = verify_chain(store).await?;

        let mut matching: Position = 0;
        for signed in signatures {
            check_checkpoint(store, &head, &signed.checkpoint(), matching + 1).await?;
            matching = matching.max(signed.position);
        }

        for (i, signed) in signatures.iter().enumerate() {
            if signed.reason != SignReason::Shutdown {
                continue;
            }
            let next_position = match signatures.get(i + 1) {
                Some(next) if next.position == signed.position => continue,
                Some(next) => next.position,
                None if head.position > signed.position => head.position,
                None => continue,
            };
            if next_position > signed.position {
                return Err(AuditError::Tampered(ChainFinding::UnsignedExtension {
                    first_position: signed.position + 1,
                    shutdown_position: signed.position,
                }));
            }
        }

        let last_signed = signatures.last().map(SignedCheckpoint::checkpoint);
        let signed_to = last_signed.map_or(0, |c| c.position);
        let unsigned_from = (head.position > signed_to).then_some(signed_to + 1);
        if options.require_signed_head
            && let Some(first_position) = unsigned_from
        {
            return Err(AuditError::Tampered(ChainFinding::UnsignedTail {
                first_position,
                head: head.position,
            }));
        }
        Ok(SignedReport {
            chain: ChainReport { head, kept: None },
            signatures: signatures.len(),
            last_signed,
            unsigned_from,
        })
    }
    .instrument(span)
    .await
}
