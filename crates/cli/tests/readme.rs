//! The README's promises, kept by running them: its run command is `serve --demo`, which seeds a fresh database
//! and prints the tokens, and every `curl` example in it then works as written, against that server on the
//! address the README names (127.0.0.1:8080), with the printed `export` lines as the only set-up.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const RUN: &str = "cargo run --release --locked -p govshare-cli -- serve --demo";
const TEST: &str = "cargo test --workspace --locked";
const ADDR: &str = "127.0.0.1:8080";

fn readme() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The bodies of the README's ```sh blocks, in order.
fn sh_blocks(text: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        match (&mut current, line.trim_end()) {
            (None, "```sh") => current = Some(String::new()),
            (Some(block), "```") => {
                blocks.push(block.trim_end().to_owned());
                current = None;
            }
            (Some(block), _) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    assert!(current.is_none(), "an unterminated ```sh block");
    blocks
}

/// Kills the server if the test fails before it stops it.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn readme_set_up_commands_are_the_run_and_test_commands() {
    let blocks = sh_blocks(&readme());
    assert_eq!(blocks.first().map(String::as_str), Some(RUN));
    assert_eq!(blocks.get(1).map(String::as_str), Some(TEST));
}

#[test]
fn every_curl_example_in_the_readme_works_against_serve_demo() {
    let text = readme();
    let blocks = sh_blocks(&text);
    let curls: Vec<&String> = blocks.iter().filter(|b| b.contains("curl ")).collect();
    assert!(
        curls.len() >= 4,
        "the README's tour has lost its curl examples"
    );
    for block in &curls {
        assert!(
            block.contains(&format!("http://{ADDR}/")),
            "a curl example not on {ADDR}:\n{block}"
        );
    }
    if let Err(e) = std::net::TcpListener::bind(ADDR) {
        panic!("{ADDR} is taken ({e}); the README's examples need it free");
    }

    // The run command's arguments after `--`, run by the binary cargo built for this test, in a fresh
    // directory (the default database is ./govshare.db).
    let args: Vec<&str> = RUN
        .split_once(" -- ")
        .map(|(_, a)| a.split_whitespace().collect())
        .unwrap_or_default();
    let dir = tempfile::tempdir().unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_govshare"))
        .args(&args)
        .current_dir(dir.path())
        .env_remove("GOVSHARE_DB")
        .env_remove("GOVSHARE_ADDR")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut server = Server(child);
    let stdout = server.0.stdout.take().unwrap();
    let (lines, received) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let mut exports = Vec::new();
    loop {
        let line = received
            .recv_timeout(Duration::from_secs(600))
            .expect("serve --demo printed no `listening on` line");
        if let Some(export) = line.strip_prefix("export ") {
            let assignment = export.split_whitespace().next().unwrap_or_default();
            let (name, value) = assignment.split_once('=').unwrap();
            exports.push((name.to_owned(), value.to_owned()));
        }
        if line.starts_with("listening on ") {
            assert!(line.contains(ADDR), "{line}");
            break;
        }
    }
    let names: Vec<&str> = exports.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["PROVIDER_TOKEN", "AUTHORITY_TOKEN"]);

    let run = |block: &str| -> String {
        let output = Command::new("bash")
            .arg("-euo")
            .arg("pipefail")
            .arg("-c")
            .arg(block)
            .envs(exports.iter().map(|(n, v)| (n, v)))
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(
            output.status.success(),
            "the README example failed ({}):\n{block}\nstdout: {stdout}\nstderr: {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(!stdout.trim().is_empty(), "no answer to:\n{block}");
        stdout
    };
    for block in curls {
        let first = run(block);
        if block.contains("-X POST") {
            // The README promises that running a command twice answers the same and records nothing again.
            let second = run(block);
            assert_eq!(first, second, "a retried command answered differently");
            assert!(first.contains("\"events\""), "{first}");
        } else if !block.contains("format=markdown") {
            // One JSON answer per curl, back to back.
            let answers: Vec<serde_json::Value> = serde_json::Deserializer::from_str(&first)
                .into_iter()
                .collect::<Result<_, _>>()
                .unwrap_or_else(|e| panic!("not JSON ({e}): {first}"));
            assert_eq!(answers.len(), block.matches("curl ").count(), "{first}");
            for answer in answers {
                assert!(answer.get("type").is_none(), "a problem: {answer}");
            }
        } else {
            assert!(first.contains("第三十八条"), "{first}");
        }
    }

    // SIGTERM stops it gracefully: exit status 0.
    let pid = server.0.id().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(killed.success());
    let status = server.0.wait().unwrap();
    assert!(status.success(), "serve ended with {status}");
}
