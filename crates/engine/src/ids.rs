//! Identifiers the engine mints: event ids, and command ids for commands it issues itself.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

use uuid::Uuid;

/// A source of unique identifiers.
pub trait IdGenerator: Send + Sync + fmt::Debug {
    /// A fresh identifier.
    fn next_id(&self) -> Uuid;
}

/// Time-ordered UUIDv7 identifiers (the default): they keep the store's indexes append-mostly.
#[derive(Debug, Clone, Copy, Default)]
pub struct UuidV7;

impl IdGenerator for UuidV7 {
    fn next_id(&self) -> Uuid {
        Uuid::now_v7()
    }
}

/// Reproducible identifiers from a seed: the same seed gives the same sequence, so a demo run twice
/// records byte-identical history (and the same head hash).
///
/// ```
/// use govshare_engine::{IdGenerator, SeededIds};
///
/// let (a, b) = (SeededIds::new(7), SeededIds::new(7));
/// assert_eq!(a.next_id(), b.next_id());
/// assert_ne!(a.next_id(), SeededIds::new(8).next_id());
/// ```
#[derive(Debug)]
pub struct SeededIds {
    seed: u64,
    counter: AtomicU64,
}

impl SeededIds {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Self {
        SeededIds {
            seed,
            counter: AtomicU64::new(0),
        }
    }
}

/// SplitMix64: a well-mixed bijection of a 64-bit counter.
fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

impl IdGenerator for SeededIds {
    fn next_id(&self) -> Uuid {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let hi = splitmix64(self.seed ^ splitmix64(n));
        let lo = splitmix64(hi ^ n.rotate_left(17));
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&hi.to_be_bytes());
        bytes[8..].copy_from_slice(&lo.to_be_bytes());
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    }
}

/// A command id derived from a name and a namespace: the scheduler and the policies issue commands whose
/// ids follow from what caused them (a deadline, an event's position), so that two instances, or one
/// restarted, issue the same id and the store records it once.
pub fn derived_command_id(namespace: &str, name: &str) -> Uuid {
    Uuid::new_v5(
        &Uuid::NAMESPACE_OID,
        format!("govshare:{namespace}:{name}").as_bytes(),
    )
}
