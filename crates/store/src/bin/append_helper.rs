//! Appends commands to a PostgreSQL store from a separate OS process; used by the multi-process
//! conformance test.
//!
//! Usage: `govshare-store-append-helper <url> <label> <commands> <concurrency>`. Prints the number
//! of events it appended.

use std::process::ExitCode;
use std::sync::Arc;

use chrono::Utc;
use govshare_store::{
    Actor, AppendRequest, EventMetadata, EventStore, ExpectedVersion, NewEvent, PostgresStore,
    StoreConfig, StreamId,
};
use uuid::Uuid;

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

async fn run(
    url: String,
    label: String,
    commands: usize,
    concurrency: usize,
) -> Result<u64, String> {
    let store: Arc<dyn EventStore> = Arc::new(
        PostgresStore::connect(&url, StoreConfig::default())
            .await
            .map_err(|e| e.to_string())?,
    );
    let mut tasks = Vec::new();
    for w in 0..concurrency {
        let store = store.clone();
        let label = label.clone();
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

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let [_, url, label, commands, concurrency] = args.as_slice() else {
        eprintln!("usage: govshare-store-append-helper <url> <label> <commands> <concurrency>");
        return ExitCode::from(2);
    };
    let (Ok(commands), Ok(concurrency)) = (commands.parse(), concurrency.parse::<usize>()) else {
        eprintln!("commands and concurrency must be numbers");
        return ExitCode::from(2);
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(
        url.clone(),
        label.clone(),
        commands,
        concurrency.max(1),
    )) {
        Ok(total) => {
            println!("{total}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
