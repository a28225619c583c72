//! The audit of a govshare log, from the raw records alone: no read model, snapshot or cache is trusted.
//!
//! - **State as of a point** ([`as_of`], [`as_of_json`]): any aggregate folded from its recorded events up
//!   to an instant or a position.
//! - **Re-validation** ([`revalidate`]): every recorded command re-run through the domain's pure
//!   `decide` against the state before it, with the rule set and calendar it recorded; every event the
//!   rules would not have produced, every event without a recorded command and every command the rules now
//!   refuse is a typed [`RevalidationFinding`] naming its position.
//! - **Chain verification** ([`verify`], [`verify_signed`]): the hash chain recomputed from the stored
//!   bytes, against an optional kept checkpoint and against the engine's Ed25519-signed checkpoints
//!   ([`CheckpointSigner`], [`SignedCheckpoint`]), so that whoever can write the database but lacks the key
//!   cannot rewrite history up to a signed checkpoint, nor append while the engine is stopped, undetected.
//! - **Evidence bundles** ([`export_bundle`], [`check_bundle`]): one case's events and commands with the
//!   chain proof up to a checkpoint, as one JSON file checked without the database.
//!
//! `docs/audit.md` specifies the signed message, the bundle format and the offline procedure.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod as_of;
mod bundle;
mod error;
mod kinds;
mod revalidate;
mod services;
mod signing;
mod verify;

pub use as_of::{AsOf, StateAsOf, as_of, as_of_json};
pub use bundle::{
    BUNDLE_FORMAT, BundleFinding, BundleOptions, BundleReport, BundledCommand, BundledEvent,
    BundledRuleSet, ChainProof, EvidenceBundle, check_bundle, check_bundle_file, check_bundle_json,
    export_bundle, write_bundle,
};
pub use ed25519_dalek::{SigningKey, VerifyingKey};
pub use error::{AuditError, ChainFinding, Result};
pub use revalidate::{
    ExpectedEvent, RecordPart, RevalidationFinding, RevalidationOptions, RevalidationReport,
    revalidate,
};
pub use services::DecisionInputs;
pub use signing::{
    CHECKPOINT_DOMAIN_TAG, CheckpointSigner, SignReason, SignatureFile, SignedCheckpoint,
    generate_key, load_key, parse_public_key, parse_signatures, public_key_hex, sign_checkpoint,
    signed_message,
};
pub use verify::{ChainReport, SignedReport, SignedVerifyOptions, verify, verify_signed};
