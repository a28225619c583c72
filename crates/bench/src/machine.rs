//! Facts about the machine and the processes of a run: CPU time, resident memory, the disk's fsync rate
//! and the load average, all read from `/proc` or measured directly.

use std::io::{Seek, SeekFrom, Write};
use std::path::Path;
use std::time::{Duration, Instant};

/// User + system CPU time of a process (`/proc/<pid>/stat` fields 14 and 15, clock ticks of 10 ms);
/// `"self"` for this process. Zero if the process is gone.
pub fn process_cpu(pid: &str) -> Duration {
    let fields = stat_fields(pid);
    let ticks = fields.get(11).copied().unwrap_or(0) + fields.get(12).copied().unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

/// The numeric fields of `/proc/<pid>/stat` after the command name (field 3, the state, reads as 0).
fn stat_fields(pid: &str) -> Vec<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let rest = stat.rsplit(')').next().unwrap_or("");
    rest.split_whitespace()
        .map(|f| f.parse::<u64>().unwrap_or(0))
        .collect()
}

/// (busy, total) jiffies of all CPUs of the machine, every process included.
pub fn machine_cpu() -> (u64, u64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let Some(line) = stat.lines().next() else {
        return (0, 0);
    };
    let v: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|f| f.parse().ok())
        .collect();
    let total: u64 = v.iter().take(8).sum();
    let idle = v.get(3).copied().unwrap_or(0) + v.get(4).copied().unwrap_or(0);
    (total.saturating_sub(idle), total)
}

/// The busy fraction of the machine's CPUs between two [`machine_cpu`] readings.
pub fn busy_between(before: (u64, u64), after: (u64, u64)) -> f64 {
    let busy = after.0.saturating_sub(before.0) as f64;
    let total = after.1.saturating_sub(before.1).max(1) as f64;
    busy / total
}

/// A `/proc/<pid>/status` field in kB (`VmHWM:`, `VmRSS:`); 0 if unreadable.
pub fn status_kb(pid: &str, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Durable 8 kB overwrites per second on a file in `dir`: `File::sync_all` (fsync) and
/// `File::sync_data` (fdatasync), 2 s each — the probe of the engine's command-path bench.
pub fn fsync_rate(dir: &Path) -> std::io::Result<(f64, f64)> {
    let path = dir.join("fsync.test");
    let mut file = std::fs::File::create(&path)?;
    let block = [0x5au8; 8192];
    let mut rate = |data_only: bool| -> std::io::Result<f64> {
        let begin = Instant::now();
        let mut n = 0u64;
        while begin.elapsed() < Duration::from_secs(2) {
            file.seek(SeekFrom::Start(0))?;
            file.write_all(&block)?;
            if data_only {
                file.sync_data()?;
            } else {
                file.sync_all()?;
            }
            n += 1;
        }
        Ok(n as f64 / begin.elapsed().as_secs_f64())
    };
    let full = rate(false)?;
    let data = rate(true)?;
    std::fs::remove_file(path)?;
    Ok((full, data))
}

/// The 1-, 5- and 15-minute load averages (`/proc/loadavg`), as `uptime` shows them.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The `q`-quantile of sorted durations (nearest rank); zero for none.
pub fn quantile(sorted: &[Duration], q: f64) -> Duration {
    let rank = (sorted.len() as f64 * q).ceil() as usize;
    sorted
        .get(rank.saturating_sub(1))
        .copied()
        .unwrap_or_default()
}

/// A number from the environment, or `default`.
pub fn env_f64(name: &str, default: f64) -> f64 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// Whether `part` is in the comma-separated `GOVSHARE_BENCH_ONLY`-style list in `variable` (every part when
/// it is unset).
pub fn selected(variable: &str, part: &str) -> bool {
    std::env::var(variable)
        .map(|only| only.split(',').any(|b| b.trim() == part))
        .unwrap_or(true)
}
