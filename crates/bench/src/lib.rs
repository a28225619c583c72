//! Benchmarks of govshare's read side, of its HTTP service and of the system under load live in
//! `benches/`; this library holds what they share: the machine facts they report ([`machine`]), the
//! province they act in ([`province`]) and the server child they measure ([`server`]).
//!
//! `cargo bench -p govshare-bench --bench read_side` prints the tables of `docs/benchmarks.md`
//! ("Read side"); `cargo bench -p govshare-bench --bench http` those of "HTTP service: commands over
//! loopback"; `cargo bench -p govshare-bench --bench load` those of "System under load".
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod machine;
pub mod province;
pub mod server;
