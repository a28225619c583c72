//! Benchmarks of govshare's read side and of its HTTP service live in `benches/`; this crate has no
//! library code.
//!
//! `cargo bench -p govshare-bench --bench read_side` prints the tables of `docs/benchmarks.md`
//! ("Read side"); `cargo bench -p govshare-bench --bench http` those of "HTTP service: commands over
//! loopback".
