//! Test support for govshare, kept out of the libraries' normal builds: crates use it as a
//! dev-dependency only.
//!
//! * [`PgCluster`] and [`shared_cluster`]: a throwaway PostgreSQL cluster per test binary, so
//!   that PostgreSQL tests run against a real server and fail (never skip) when none starts.
//! * [`append_helper`]: appends commands to a PostgreSQL store from another OS process, for
//!   tests of several processes sharing one database. It runs as the
//!   `govshare-store-append-helper` binary or inside a re-executed test binary
//!   ([`append_helper::child_command`]).
//! * [`province`]: the commands that record a small province (河北省, its data authority, a few bodies,
//!   two published catalog entries) through the engine, for the engine, scheduler and audit suites.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod append_helper;
mod pg;
pub mod province;

pub use pg::{PgCluster, pg_bin_dir, shared_cluster};
