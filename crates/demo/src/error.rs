//! The demo's one error type.

use govshare_engine::EngineError;
use govshare_store::StoreError;
use thiserror::Error;

/// Why the demo stopped. Nothing the demo records is undone: the log is append-only, so a failed run leaves
/// a partial history (run again on a fresh database).
#[derive(Debug, Error)]
pub enum DemoError {
    /// The database already holds events: the demo seeds a fresh province and refuses to mix its history
    /// into an existing one.
    #[error(
        "数据库已有 {events} 个事件，演示只在空数据库上运行 (the demo seeds a fresh database): {location}"
    )]
    NotEmpty {
        /// The store location (as given).
        location: String,
        /// Events already recorded.
        events: u64,
    },
    /// The options are outside what the demo supports.
    #[error("演示参数无效 (invalid option) {option}: {reason}")]
    InvalidOptions {
        /// The option.
        option: &'static str,
        /// Why.
        reason: String,
    },
    /// The embedded organisation or catalog data does not fit the domain (a bug in the demo data).
    #[error("演示数据有误 (demo data): {0}")]
    Data(String),
    /// A date or time of the simulation could not be computed.
    #[error("演示时间计算失败 (time): {0}")]
    Time(String),
    /// The store could not be opened or read.
    #[error("无法打开或读取数据库 (store) {location}: {source}")]
    Store {
        /// The store location.
        location: String,
        /// The store's error.
        #[source]
        source: StoreError,
    },
    /// The engine refused or failed a command the scenario expected to succeed.
    #[error("{step}: {source}")]
    Engine {
        /// The scenario step, in words.
        step: String,
        /// The engine's error.
        #[source]
        source: EngineError,
    },
    /// The policy "provision issues the grant" failed or was refused where the scenario expected a grant.
    #[error("{step}: {source}")]
    Policy {
        /// The scenario step, in words.
        step: String,
        /// The policy's error.
        #[source]
        source: govshare_policies::PolicyError,
    },
    /// The engine accepted a command the scenario tries on purpose to show a refusal.
    #[error("预期被拒绝的操作被接受 (expected a refusal): {0}")]
    UnexpectedAcceptance(String),
}

impl DemoError {
    /// Whether the error lies in what the caller gave (a database that is not empty or cannot be opened, an
    /// option out of range) rather than in the demo or the engine.
    pub fn is_input_error(&self) -> bool {
        match self {
            DemoError::NotEmpty { .. }
            | DemoError::InvalidOptions { .. }
            | DemoError::Store { .. } => true,
            DemoError::Engine { source, .. } => matches!(source, EngineError::Unavailable(_)),
            DemoError::Data(_)
            | DemoError::Time(_)
            | DemoError::Policy { .. }
            | DemoError::UnexpectedAcceptance(_) => false,
        }
    }
}
