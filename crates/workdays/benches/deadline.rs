//! Deadline arithmetic: `Calendar::due` (table lookups, constant time) against the day-by-day loop it
//! replaced, on the same fixed pseudo-random start dates, for 20- and 3-working-day spans.
//!
//! Run with `cargo bench -p govshare-workdays --bench deadline`. Each iteration computes one deadline per
//! start date; throughput is reported in deadlines (elements) per second.

use std::hint::black_box;
use std::time::Duration;

use chrono::{Days, NaiveDate};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use govshare_workdays::{Calendar, Coverage};

/// Number of start dates per iteration.
const DATES: usize = 1024;

/// `DATES` start dates spread over 2018-01-01..=2026-12-31 (the built-in years), from a fixed-seed linear
/// congruential generator so every run measures the same inputs without a `rand` dependency.
fn start_dates() -> Vec<NaiveDate> {
    let first = NaiveDate::from_ymd_opt(2018, 1, 1).unwrap();
    let last = NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
    let span = u64::try_from((last - first).num_days() + 1).unwrap();
    // Knuth's MMIX constants; the high bits are the well-mixed ones.
    let mut state: u64 = 0x2018_2026;
    (0..DATES)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            first + Days::new((state >> 33) % span)
        })
        .collect()
}

fn deadlines(c: &mut Criterion) {
    let calendar = Calendar::official();
    let dates = start_dates();

    for n in [20u32, 3] {
        // Both sides must agree, or the comparison is meaningless.
        for &from in &dates {
            let due = calendar.due(from, n, Coverage::Provisional).unwrap();
            assert_eq!(
                Some(due.due_date),
                calendar.due_date_day_by_day(from, n),
                "{from} + {n}"
            );
        }

        let mut group = c.benchmark_group(format!("due_{n}_working_days"));
        group.throughput(Throughput::Elements(DATES as u64));
        group.bench_with_input(BenchmarkId::new("calendar_due", n), &dates, |b, dates| {
            b.iter(|| {
                for &from in dates {
                    black_box(calendar.due(black_box(from), black_box(n), Coverage::Provisional))
                        .ok();
                }
            });
        });
        group.bench_with_input(
            BenchmarkId::new("day_by_day_loop", n),
            &dates,
            |b, dates| {
                b.iter(|| {
                    for &from in dates {
                        black_box(calendar.due_date_day_by_day(black_box(from), black_box(n)));
                    }
                });
            },
        );
        group.finish();
    }
}

criterion_group! {
    name = benches;
    // Short runs: the machine is shared with other builds; see docs/benchmarks.md.
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(20);
    targets = deadlines
}
criterion_main!(benches);
