//! Throwaway PostgreSQL clusters for tests and benchmarks.
//!
//! [`PgCluster::start`] runs `initdb` and `pg_ctl` from `GOVSHARE_PG_BIN` or the newest
//! `/usr/lib/postgresql/*/bin`, in a fresh temporary directory, listening on a free port of
//! 127.0.0.1 with its socket inside that directory and `fsync=on`. PostgreSQL refuses to run as
//! root, so when the current user is root the directory is given to the `postgres` user and the
//! tools run through `runuser -u postgres --`. A watchdog process stops the cluster and removes
//! the directory once the process that started it exits, even if it never drops the cluster.

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;

use sqlx::Connection;

/// A running throwaway cluster; stopped and deleted on drop.
#[derive(Debug)]
pub struct PgCluster {
    dir: Option<tempfile::TempDir>,
    data: PathBuf,
    bin: PathBuf,
    port: u16,
    as_postgres: bool,
    watchdog: Option<Child>,
    running: bool,
}

/// The directory holding `initdb` and `pg_ctl`.
pub fn pg_bin_dir() -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os("GOVSHARE_PG_BIN") {
        let dir = PathBuf::from(dir);
        return if dir.join("initdb").is_file() {
            Ok(dir)
        } else {
            Err(format!("GOVSHARE_PG_BIN={} has no initdb", dir.display()))
        };
    }
    let root = Path::new("/usr/lib/postgresql");
    let entries = std::fs::read_dir(root).map_err(|e| {
        format!(
            "no PostgreSQL installation under {} ({e}); install PostgreSQL or set GOVSHARE_PG_BIN",
            root.display()
        )
    })?;
    let mut found: Vec<(u32, PathBuf)> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin).ok_or_else(|| {
        format!(
            "no {}/*/bin/initdb; install PostgreSQL or set GOVSHARE_PG_BIN",
            root.display()
        )
    })
}

fn is_root() -> bool {
    // Effective uid is the second number of the `Uid:` line.
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(|uid| uid == "0"))
        })
        .unwrap_or(false)
}

fn run(cmd: &mut Command, what: &str) -> Result<(), String> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{what}: cannot run: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{what} failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn free_port() -> Result<u16, String> {
    let listener =
        TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port on 127.0.0.1: {e}"))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| format!("no free port on 127.0.0.1: {e}"))
}

fn quote(p: &Path) -> String {
    format!("'{}'", p.display().to_string().replace('\'', "'\\''"))
}

impl PgCluster {
    /// Creates and starts a cluster.
    pub fn start() -> Result<Self, String> {
        let bin = pg_bin_dir()?;
        let dir = tempfile::Builder::new()
            .prefix("govshare-pg-")
            .tempdir()
            .map_err(|e| format!("cannot create a temporary directory: {e}"))?;
        let as_postgres = is_root();
        if as_postgres {
            run(
                Command::new("chown")
                    .arg("postgres:postgres")
                    .arg(dir.path()),
                "chown of the cluster directory to the postgres user",
            )?;
        }
        let data = dir.path().join("data");
        let mut cluster = Self {
            data,
            bin,
            port: 0,
            as_postgres,
            watchdog: None,
            running: false,
            dir: Some(dir),
        };
        run(
            cluster.tool("initdb").arg("-D").arg(&cluster.data).args([
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-sync",
            ]),
            "initdb",
        )?;
        let dir_path = cluster.dir_path().to_path_buf();
        // Retried because another process may take the port between probing and binding.
        let mut last_error = String::new();
        for _ in 0..5 {
            cluster.port = free_port()?;
            match cluster.pg_ctl_start() {
                Ok(()) => {
                    cluster.running = true;
                    break;
                }
                Err(e) => {
                    let log =
                        std::fs::read_to_string(dir_path.join("postgres.log")).unwrap_or_default();
                    last_error = format!("{e}\n{log}");
                }
            }
        }
        if !cluster.running {
            return Err(last_error);
        }
        cluster.watchdog = cluster.spawn_watchdog().ok();
        Ok(cluster)
    }

    fn pg_ctl_start(&self) -> Result<(), String> {
        let dir_path = self.dir_path();
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=on -c max_connections=200",
            self.port,
            quote(dir_path)
        );
        run(
            self.tool("pg_ctl")
                .arg("-D")
                .arg(&self.data)
                .arg("-l")
                .arg(dir_path.join("postgres.log"))
                .args(["-w", "-t", "60", "-o", &options, "start"]),
            "pg_ctl start",
        )
    }

    /// Shuts the server down as an operator's restart does (`pg_ctl stop -m fast`: open connections are
    /// ended, transactions in flight rolled back), keeping its data; [`PgCluster::start_server`] starts it
    /// again on the same port.
    pub fn stop_server(&mut self) -> Result<(), String> {
        if self.running {
            run(
                self.tool("pg_ctl")
                    .arg("-D")
                    .arg(&self.data)
                    .args(["-m", "fast", "-w", "stop"]),
                "pg_ctl stop",
            )?;
            self.running = false;
        }
        Ok(())
    }

    /// Starts a server stopped by [`PgCluster::stop_server`] again, on the same port with the same data.
    pub fn start_server(&mut self) -> Result<(), String> {
        if !self.running {
            self.pg_ctl_start()?;
            self.running = true;
        }
        Ok(())
    }

    fn dir_path(&self) -> &Path {
        self.dir
            .as_ref()
            .map(|d| d.path())
            .unwrap_or_else(|| Path::new("/nonexistent"))
    }

    fn tool(&self, name: &str) -> Command {
        let program = self.bin.join(name);
        if self.as_postgres {
            let mut cmd = Command::new("runuser");
            cmd.args(["-u", "postgres", "--"]).arg(program);
            cmd
        } else {
            Command::new(program)
        }
    }

    fn stop_command_line(&self) -> String {
        let pg_ctl = quote(&self.bin.join("pg_ctl"));
        let prefix = if self.as_postgres {
            "runuser -u postgres -- "
        } else {
            ""
        };
        format!("{prefix}{pg_ctl} -D {} -m fast -w stop", quote(&self.data))
    }

    fn spawn_watchdog(&self) -> std::io::Result<Child> {
        let script = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 0.5; done; {stop} >/dev/null 2>&1; rm -rf {dir}",
            pid = std::process::id(),
            stop = self.stop_command_line(),
            dir = quote(self.dir_path()),
        );
        // Its own process group, so that signals sent to the group of the process under watch
        // (e.g. by `timeout`) do not take the watchdog down with it.
        Command::new("sh")
            .arg("-c")
            .arg(script)
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
    }

    /// TCP port of the server.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Connection URL of database `db` as the `postgres` superuser.
    pub fn url(&self, db: &str) -> String {
        format!(
            "postgres://postgres@127.0.0.1:{}/{db}?sslmode=disable",
            self.port
        )
    }

    /// CPU time (user + system) of this cluster's server: the postmaster's own and that of its reaped
    /// children (`/proc/<pid>/stat` fields 14–17), plus its live children's (backends, WAL writer,
    /// checkpointer …). Zero when no postmaster listening on this cluster's port is found. For benchmarks:
    /// the difference of two readings is what the database spent in between.
    pub fn server_cpu(&self) -> std::time::Duration {
        let port = self.port.to_string();
        let Ok(entries) = std::fs::read_dir("/proc") else {
            return std::time::Duration::ZERO;
        };
        let pids: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|name| name.bytes().all(|b| b.is_ascii_digit()))
            .collect();
        let postmaster = pids.iter().find(|pid| {
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            let args: Vec<&[u8]> = cmdline.split(|&b| b == 0).collect();
            args.first().is_some_and(|a| a.ends_with(b"postgres"))
                && args
                    .windows(2)
                    .any(|w| w[0] == b"-p" && w[1] == port.as_bytes())
        });
        let Some(postmaster) = postmaster else {
            return std::time::Duration::ZERO;
        };
        let own = stat_fields(postmaster);
        let mut ticks: u64 = own.iter().skip(11).take(4).sum();
        let parent: u64 = postmaster.parse().unwrap_or(0);
        for pid in &pids {
            let f = stat_fields(pid);
            // Field 4 (ppid) is index 1.
            if f.get(1) == Some(&parent) {
                ticks += f.get(11).copied().unwrap_or(0) + f.get(12).copied().unwrap_or(0);
            }
        }
        // Clock ticks of 10 ms.
        std::time::Duration::from_millis(ticks * 10)
    }

    /// Creates an empty database and returns its URL.
    pub async fn create_database(&self, name: &str) -> Result<String, String> {
        let mut conn = sqlx::PgConnection::connect(&self.url("postgres"))
            .await
            .map_err(|e| format!("connecting to the test cluster: {e}"))?;
        sqlx::raw_sql(&format!("CREATE DATABASE \"{}\"", name.replace('"', "")))
            .execute(&mut conn)
            .await
            .map_err(|e| format!("CREATE DATABASE {name}: {e}"))?;
        Ok(self.url(name))
    }

    /// Creates an empty database with a name unique in this cluster (`<prefix>_<pid>_<n>`) and returns its
    /// URL: each test gets its own database on the shared cluster.
    pub async fn fresh_database(&self, prefix: &str) -> Result<String, String> {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.create_database(&format!("{prefix}_{}_{n}", std::process::id()))
            .await
    }

    /// Stops the server and deletes its directory.
    pub fn stop(&mut self) {
        if self.running {
            let _ = run(
                self.tool("pg_ctl")
                    .arg("-D")
                    .arg(&self.data)
                    .args(["-m", "fast", "-w", "stop"]),
                "pg_ctl stop",
            );
            self.running = false;
        }
        if let Some(mut watchdog) = self.watchdog.take() {
            let _ = watchdog.kill();
            let _ = watchdog.wait();
        }
        if let Some(dir) = self.dir.take() {
            let _ = dir.close();
        }
    }
}

/// The numeric fields of `/proc/<pid>/stat` after the command name (field 3, the state, reads as 0).
fn stat_fields(pid: &str) -> Vec<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let rest = stat.rsplit(')').next().unwrap_or("");
    rest.split_whitespace()
        .map(|f| f.parse::<u64>().unwrap_or(0))
        .collect()
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        self.stop();
    }
}

/// One cluster shared by all tests of a test binary, started on first use and stopped by its
/// watchdog when the binary exits.
///
/// # Panics
/// If the cluster cannot be started: PostgreSQL tests must fail, not be skipped.
#[allow(clippy::panic)]
pub fn shared_cluster() -> &'static PgCluster {
    static CLUSTER: OnceLock<Result<PgCluster, String>> = OnceLock::new();
    match CLUSTER.get_or_init(PgCluster::start) {
        Ok(cluster) => cluster,
        Err(e) => panic!("could not start the throwaway PostgreSQL cluster for the tests: {e}"),
    }
}
