//! A `govshare` HTTP server in a child process of a bench, so that its resident memory and CPU time are its
//! own: the bench re-executes its own binary with [`SERVER_ROLE`] set to the database; [`serve_if_child`]
//! at the top of the bench's `main` turns that process into the server.
//!
//! The child opens `govshare_app::App` on the database (read-model runner with every model, and
//! `run_background` — scheduler and policies — as `govshare serve` does), records the province first if
//! asked ([`crate::province::record`]), issues one token per actor the parent listed, serves
//! `govshare_server::router` with `ServerConfig::default()` less the rate limit on 127.0.0.1:0, prints its
//! address and the tokens as one JSON line and serves until its stdin closes.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command as Process, Stdio};
use std::time::{Duration, Instant};

use chrono::Utc;
use govshare_domain::{PersonId, Role};
use govshare_server::{AppHandle, ServerConfig, TokenActor, TokenStore};
use govshare_testkit::province;
use serde_json::{Value, json};

/// Set in the re-executed child: the database it serves.
pub const SERVER_ROLE: &str = "GOVSHARE_BENCH_HTTP_SERVER";
/// Set in the re-executed child: the actors to issue tokens for, as JSON.
const SERVER_ACTORS: &str = "GOVSHARE_BENCH_HTTP_ACTORS";
/// Set in the re-executed child: `1` to record the province before serving.
const SERVER_SEED: &str = "GOVSHARE_BENCH_HTTP_SEED";

/// Who a token stands for: department code, role and person.
pub type TokenFor = (String, Role, String);

/// If this process is a server child of a bench, serves until stdin closes and returns `true`; else
/// returns `false` at once.
pub fn serve_if_child() -> bool {
    let Ok(database) = std::env::var(SERVER_ROLE) else {
        return false;
    };
    let actors: Vec<Vec<TokenFor>> = std::env::var(SERVER_ACTORS)
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default();
    let seed = std::env::var(SERVER_SEED).is_ok_and(|s| s == "1");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("tokio runtime: {e}"));
    runtime.block_on(async move {
        let fail = |what: &str, e: &dyn std::fmt::Display| -> ! {
            panic!("bench server on {database}: {what}: {e}")
        };
        let app = crate::province::open_app(&database, seed)
            .await
            .unwrap_or_else(|e| fail("open", &e));
        let store = TokenStore::open(&database)
            .await
            .unwrap_or_else(|e| fail("token store", &e));
        let now = Utc::now();
        let mut tokens = Vec::new();
        for client in &actors {
            let mut issued = Vec::new();
            for (department, role, person) in client {
                let token = store
                    .issue(
                        TokenActor {
                            department: province::code(department),
                            person: PersonId(person.clone()),
                            role: *role,
                        },
                        "bench",
                        now,
                        now + chrono::Duration::days(1),
                    )
                    .await
                    .unwrap_or_else(|e| fail("token", &e));
                issued.push(token.secret);
            }
            tokens.push(issued);
        }
        let handle = AppHandle::new(
            &app,
            store,
            // The limiter would cap each token at its default rate: the benches measure the service.
            ServerConfig {
                rate_limit: None,
                ..ServerConfig::default()
            },
        );
        let listener = govshare_server::bind(([127, 0, 0, 1], 0).into())
            .await
            .unwrap_or_else(|e| fail("bind", &e));
        let address = listener
            .local_addr()
            .unwrap_or_else(|e| fail("address", &e));
        println!(
            "{}",
            json!({"base": format!("http://{address}"), "tokens": tokens})
        );
        let _ = std::io::stdout().flush();
        let (closed, stdin_closed) = tokio::sync::oneshot::channel::<()>();
        std::thread::spawn(move || {
            let mut sink = Vec::new();
            let _ = std::io::stdin().read_to_end(&mut sink);
            let _ = closed.send(());
        });
        govshare_server::serve_on(listener, handle, async {
            let _ = stdin_closed.await;
        })
        .await
        .unwrap_or_else(|e| fail("serve", &e));
        app.shutdown()
            .await
            .unwrap_or_else(|e| fail("shutdown", &e));
    });
    true
}

/// A server child of this bench.
#[derive(Debug)]
pub struct Server {
    child: Child,
    stdin: Option<ChildStdin>,
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// The tokens' secrets, per client in the order of the actors given to [`Server::start`].
    pub tokens: Vec<Vec<String>>,
}

impl Server {
    /// Starts a child serving `database` with a token for each of `actors` (per client); `seed` records the
    /// province first. Returns once it listens.
    pub async fn start(
        database: &str,
        actors: &[Vec<TokenFor>],
        seed: bool,
    ) -> Result<Server, String> {
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let actors = serde_json::to_string(actors).map_err(|e| e.to_string())?;
        let mut child = Process::new(exe)
            .env(SERVER_ROLE, database)
            .env(SERVER_ACTORS, actors)
            .env(SERVER_SEED, if seed { "1" } else { "0" })
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("spawning the server child: {e}"))?;
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let line = tokio::task::spawn_blocking(move || {
            let mut line = String::new();
            BufReader::new(stdout).read_line(&mut line).map(|_| line)
        })
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
        let hello: Value = serde_json::from_str(&line)
            .map_err(|e| format!("the server child said {line:?}: {e}"))?;
        let tokens = hello["tokens"]
            .as_array()
            .ok_or("no tokens")?
            .iter()
            .map(|client| {
                client
                    .as_array()
                    .map(|t| {
                        t.iter()
                            .map(|s| s.as_str().unwrap_or_default().to_owned())
                            .collect()
                    })
                    .unwrap_or_default()
            })
            .collect();
        Ok(Server {
            child,
            stdin,
            base: hello["base"].as_str().ok_or("no base")?.to_owned(),
            tokens,
        })
    }

    /// The child's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Closes its stdin and waits for it to finish the requests in flight and shut the app down (killed
    /// after 60 s).
    pub fn stop(mut self) {
        drop(self.stdin.take());
        let begin = Instant::now();
        loop {
            if matches!(self.child.try_wait(), Ok(Some(_)) | Err(_)) {
                return;
            }
            if begin.elapsed() > Duration::from_secs(60) {
                eprintln!("the server child did not stop; killing it");
                let _ = self.child.kill();
                let _ = self.child.wait();
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// The short form of a refusal for counting: the status and the problem+json `code`
/// (`409 state-conflict`), `?` when the body has none.
pub fn problem(status: u16, body: &[u8]) -> String {
    let code = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v["code"].as_str().map(str::to_owned))
        .unwrap_or_else(|| "?".into());
    format!("{status} {code}")
}
