//! Benchmarks of govshare's read side live in `benches/`; this crate has no library code.
//!
//! `cargo bench -p govshare-bench --bench read_side` prints the tables of `docs/benchmarks.md`
//! ("Read side").
