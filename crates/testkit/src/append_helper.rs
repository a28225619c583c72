//! Appends commands to a PostgreSQL store from a separate OS process; used by the multi-process
//! tests.
//!
//! Two ways to run it in another process:
//!
//! * the `govshare-store-append-helper` binary of this crate:
//!   `govshare-store-append-helper <url> <label> <commands> <concurrency>`, which prints the
//!   number of events it appended;
//! * from another crate's test binary, which cannot name this crate's binary: the test binary
//!   re-executes itself. It declares one test that calls [`run_if_child`], and the test that
//!   needs the other process spawns [`child_command`] and reads the count back with
//!   [`parse_child_output`]:
//!
//! ```no_run
//! # use govshare_testkit::append_helper::{HelperArgs, child_command, parse_child_output, run_if_child};
//! #[test]
//! fn append_helper_child() {
//!     run_if_child();
//! }
//!
//! # fn two_processes(url: String) {
//! let args = HelperArgs { url, label: "p1".into(), commands: 100, concurrency: 8 };
//! let out = child_command("append_helper_child", &args).unwrap().output().unwrap();
//! let appended = parse_child_output(&out).unwrap();
//! # }
//! ```
//!
//! Each command goes to a stream of its own process (`<label>-<c mod 5>`) or, every third
//! command, to the stream `shared-by-processes`, with 1 to 3 events, expected version `Any`,
//! and the actor person set to the label.

use std::process::{Command, Output};
use std::sync::Arc;

use chrono::Utc;
use govshare_store::{
    Actor, AppendRequest, EventMetadata, EventStore, ExpectedVersion, NewEvent, PostgresStore,
    StoreConfig, StreamId,
};
use uuid::Uuid;

/// Environment variable carrying the helper's arguments into a re-executed test binary.
pub const CHILD_ENV: &str = "GOVSHARE_APPEND_HELPER_ARGS";

/// Prefix of the line a re-executed child prints with its count.
const CHILD_MARKER: &str = "govshare-append-helper appended ";

/// What one helper process does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HelperArgs {
    /// PostgreSQL URL of the store.
    pub url: String,
    /// Name of this process; recorded as the actor person and in stream ids.
    pub label: String,
    /// Number of commands to append.
    pub commands: usize,
    /// Concurrent appending tasks.
    pub concurrency: usize,
}

impl HelperArgs {
    /// Parses `<url> <label> <commands> <concurrency>`.
    pub fn parse(args: &[String]) -> Result<Self, String> {
        let [url, label, commands, concurrency] = args else {
            return Err(
                "usage: govshare-store-append-helper <url> <label> <commands> <concurrency>".into(),
            );
        };
        let (Ok(commands), Ok(concurrency)) = (commands.parse(), concurrency.parse::<usize>())
        else {
            return Err("commands and concurrency must be numbers".into());
        };
        Ok(Self {
            url: url.clone(),
            label: label.clone(),
            commands,
            concurrency: concurrency.max(1),
        })
    }

    fn to_args(&self) -> Vec<String> {
        vec![
            self.url.clone(),
            self.label.clone(),
            self.commands.to_string(),
            self.concurrency.to_string(),
        ]
    }

    /// Appends the commands; returns the number of events appended.
    pub async fn run(&self) -> Result<u64, String> {
        let store: Arc<dyn EventStore> = Arc::new(
            PostgresStore::connect(&self.url, StoreConfig::default())
                .await
                .map_err(|e| e.to_string())?,
        );
        let concurrency = self.concurrency.max(1);
        let mut tasks = Vec::new();
        for w in 0..concurrency {
            let store = store.clone();
            let label = self.label.clone();
            let commands = self.commands;
            tasks.push(tokio::spawn(async move {
                let mut events = 0u64;
                for c in (w..commands).step_by(concurrency) {
                    let outcome = store
                        .append(request(&label, c))
                        .await
                        .map_err(|e| e.to_string())?;
                    events += outcome.last_position - outcome.first_position + 1;
                }
                Ok::<u64, String>(events)
            }));
        }
        let mut total = 0;
        for t in tasks {
            total += t.await.map_err(|e| e.to_string())??;
        }
        Ok(total)
    }

    /// [`HelperArgs::run`] on a runtime of its own.
    pub fn run_blocking(&self) -> Result<u64, String> {
        let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
        runtime.block_on(self.run())
    }
}

fn request(label: &str, c: usize) -> AppendRequest {
    let command_id = Uuid::new_v4();
    let stream = if c.is_multiple_of(3) {
        StreamId::new("SharingRequest", "shared-by-processes")
    } else {
        StreamId::new("SharingRequest", format!("{label}-{}", c % 5))
    };
    AppendRequest {
        stream,
        expected_version: ExpectedVersion::Any,
        command_id,
        recorded_at: Utc::now(),
        command: None,
        events: (0..1 + c % 3)
            .map(|i| NewEvent {
                event_type: "DataShared".into(),
                schema_version: 1,
                payload: serde_json::json!({"process": label, "command": c, "event": i}),
                metadata: EventMetadata {
                    event_id: Uuid::new_v4(),
                    command_id,
                    correlation_id: command_id,
                    causation_id: None,
                    actor: Actor {
                        department: "dept".into(),
                        person: label.into(),
                        role: "writer".into(),
                    },
                    rule_set: None,
                },
            })
            .collect(),
    }
}

/// A command that re-executes the current test binary, running only the test `test_name`, which
/// must call [`run_if_child`]; that child then appends as `args` says.
pub fn child_command(test_name: &str, args: &HelperArgs) -> Result<Command, String> {
    let exe = std::env::current_exe().map_err(|e| format!("current test executable: {e}"))?;
    let mut cmd = Command::new(exe);
    cmd.args([test_name, "--exact", "--nocapture", "--test-threads", "1"])
        .env(CHILD_ENV, args.to_args().join("\u{1f}"));
    Ok(cmd)
}

/// In a test binary started by [`child_command`], runs the helper and prints its count; anywhere
/// else returns at once. Returns whether it ran.
///
/// # Panics
/// If the helper fails, so that the child exits unsuccessfully.
#[allow(clippy::panic)]
pub fn run_if_child() -> bool {
    let Some(raw) = std::env::var_os(CHILD_ENV) else {
        return false;
    };
    let raw = raw.to_string_lossy().into_owned();
    let args: Vec<String> = raw.split('\u{1f}').map(str::to_owned).collect();
    let result = HelperArgs::parse(&args).and_then(|a| a.run_blocking());
    match result {
        Ok(total) => {
            // libtest prints the test's name on the same line first.
            println!("\n{CHILD_MARKER}{total}");
            true
        }
        Err(e) => panic!("append helper failed: {e}"),
    }
}

/// The count a child started by [`child_command`] printed, or why there is none.
pub fn parse_child_output(output: &Output) -> Result<u64, String> {
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!(
            "append helper child failed ({}): {stdout}{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    stdout
        .lines()
        .find_map(|l| l.split_once(CHILD_MARKER).map(|(_, count)| count))
        .ok_or_else(|| format!("append helper child printed no count: {stdout}"))?
        .trim()
        .parse()
        .map_err(|e| format!("append helper child count: {e}"))
}
