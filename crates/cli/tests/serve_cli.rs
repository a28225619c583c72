//! End-to-end tests of `govshare token issue|list|revoke` and `govshare serve --demo`.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

use support::{Demo, assert_bad_input, assert_status, govshare, stderr, stdout};

#[test]
fn tokens_are_issued_once_listed_without_secrets_and_revoked() {
    let demo = Demo::new(false);
    let issued = govshare(&[
        "token",
        "issue",
        "--db",
        demo.db(),
        "--department",
        "130000-public-security",
        "--person",
        "李四",
        "--role",
        "reviewer",
        "--label",
        "接口联调",
    ]);
    assert_status(&issued, 0);
    let secret = stdout(&issued).trim().to_owned();
    assert!(secret.starts_with("gst_") && secret.len() == 68, "{secret}");
    assert!(stderr(&issued).contains("only its hash is stored"));

    let listed = govshare(&["token", "list", "--db", demo.db()]);
    assert_status(&listed, 0);
    let out = stdout(&listed);
    assert!(!out.contains(&secret), "a listing never shows the secret");
    let row = out.lines().nth(1).unwrap();
    assert!(
        row.contains("130000-public-security") && row.contains("reviewer"),
        "{out}"
    );
    assert!(row.contains("active") && row.contains("接口联调"), "{out}");
    let token_id = row.split_whitespace().next().unwrap().to_owned();

    let revoked = govshare(&["token", "revoke", "--db", demo.db(), &token_id]);
    assert_status(&revoked, 0);
    assert!(stdout(&revoked).starts_with(&format!("revoked {token_id}")));
    let listed = govshare(&["token", "list", "--db", demo.db()]);
    assert!(stdout(&listed).lines().nth(1).unwrap().contains("revoked"));

    // Bad input: an unregistered department, the scheduler's role, an unknown token id.
    for args in [
        ["--department", "999999-nobody", "--role", "clerk"],
        [
            "--department",
            "130000-public-security",
            "--role",
            "scheduler",
        ],
    ] {
        let mut all = vec!["token", "issue", "--db", demo.db(), "--person", "张三"];
        all.extend(args);
        assert_bad_input(&govshare(&all));
    }
    assert_bad_input(&govshare(&[
        "token",
        "revoke",
        "--db",
        demo.db(),
        "no-such-id",
    ]));
    // A category file that does not exist stops `serve` before it listens.
    assert_bad_input(&govshare(&[
        "serve",
        "--db",
        demo.db(),
        "--addr",
        "127.0.0.1:0",
        "--categories",
        "/nonexistent/categories.json",
    ]));
}

/// Interrupts the server when the test ends, even when it failed half-way.
struct Interrupt(std::process::Child);

impl Drop for Interrupt {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(Some(_))) {
            return;
        }
        let _ = Command::new("kill")
            .args(["-INT", &self.0.id().to_string()])
            .status();
        let _ = self.0.wait();
    }
}

fn http_get(addr: &str, path: &str, token: &str) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
}

#[test]
fn serve_demo_seeds_prints_two_tokens_serves_and_stops_on_ctrl_c() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("govshare.db");
    let child = Command::new(env!("CARGO_BIN_EXE_govshare"))
        .args([
            "serve",
            "--demo",
            "--addr",
            "127.0.0.1:0",
            "--db",
            db.to_str().unwrap(),
        ])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut child = Interrupt(child);
    let mut lines = BufReader::new(child.0.stdout.take().unwrap()).lines();
    let mut tokens = Vec::new();
    let addr = loop {
        let line = lines.next().expect("serve ended early").unwrap();
        if let Some(rest) = line.strip_prefix("export ") {
            let (name, value) = rest.split_once('=').unwrap();
            tokens.push((
                name.to_owned(),
                value.split_whitespace().next().unwrap().to_owned(),
            ));
        }
        if let Some(rest) = line.strip_prefix("listening on http://") {
            break rest.split_whitespace().next().unwrap().to_owned();
        }
    };
    let names: Vec<&str> = tokens.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["PROVIDER_TOKEN", "AUTHORITY_TOKEN"]);

    let provider = &tokens[0].1;
    let authority = &tokens[1].1;
    let answer = http_get(
        &addr,
        "/v1/catalog/entries?provider=130000-public-security&limit=1",
        provider,
    );
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        answer.contains("catalog-130000-public-security-0001"),
        "{answer}"
    );
    let answer = http_get(
        &addr,
        "/v1/departments/130000-data-authority/outbox",
        provider,
    );
    assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
    let answer = http_get(&addr, "/v1/departments/130000-health/outbox", authority);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    // The web console is served beside the API.
    let answer = http_get(&addr, "/console/login", "");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("访问令牌"), "{answer}");

    let interrupted = Command::new("kill")
        .args(["-INT", &child.0.id().to_string()])
        .status()
        .unwrap();
    assert!(interrupted.success());
    let status = child.0.wait().unwrap();
    assert_eq!(status.code(), Some(0));
}

/// The settings file gives the database, the address and the limits; a flag wins over it; a key the file
/// may not have stops `serve` with one line naming its line (exit 2).
#[test]
fn serve_takes_its_settings_from_a_toml_file_and_flags_win() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("govshare.db");
    let config = dir.path().join("govshare.toml");
    std::fs::write(
        &config,
        format!(
            "addr = \"127.0.0.1:0\"\ndb = {:?}\nlog_format = \"json\"\n\n[limits]\nrate_per_second = 1\nrate_burst = 1\n",
            db.to_str().unwrap()
        ),
    )
    .unwrap();
    let start = |extra: &[&str]| {
        let child = Command::new(env!("CARGO_BIN_EXE_govshare"))
            .args(["serve", "--config", config.to_str().unwrap()])
            .args(extra)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut child = Interrupt(child);
        let mut lines = BufReader::new(child.0.stdout.take().unwrap()).lines();
        let addr = loop {
            let line = lines.next().expect("serve ended early").unwrap();
            if let Some(rest) = line.strip_prefix("listening on http://") {
                break rest.split_whitespace().next().unwrap().to_owned();
            }
        };
        (child, addr)
    };
    // The file's rate: one request, then 429 with Retry-After.
    let (child, addr) = start(&[]);
    assert!(http_get(&addr, "/healthz", "").starts_with("HTTP/1.1 200"));
    let limited = http_get(&addr, "/healthz", "");
    assert!(limited.starts_with("HTTP/1.1 429"), "{limited}");
    assert!(
        limited.to_ascii_lowercase().contains("retry-after:"),
        "{limited}"
    );
    drop(child);
    assert!(db.exists(), "the file's database was used");
    // --rate-limit 0 (a flag) disables what the file set.
    let (child, addr) = start(&["--rate-limit", "0"]);
    for _ in 0..5 {
        let answer = http_get(&addr, "/healthz", "");
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    }
    drop(child);

    std::fs::write(&config, "addr = \"127.0.0.1:0\"\n\n[limits]\nrate = 5\n").unwrap();
    let refused = govshare(&["serve", "--config", config.to_str().unwrap()]);
    assert_bad_input(&refused);
    assert!(stderr(&refused).contains("line 4"), "{}", stderr(&refused));
    let missing = govshare(&["serve", "--config", "/nonexistent/govshare.toml"]);
    assert_bad_input(&missing);
}
