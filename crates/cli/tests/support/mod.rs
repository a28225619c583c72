//! Shared by the end-to-end suites: the built binary, a demo database, and the `sqlite3` command-line tool
//! used to alter it as someone with write access to the file would.

#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub const SQLITE3: &str = "/usr/bin/sqlite3";

pub fn govshare(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_govshare"))
        .args(args)
        .output()
        .unwrap()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

/// Asserts the exit status, showing both streams when it differs.
#[track_caller]
pub fn assert_status(output: &Output, code: i32) {
    assert_eq!(
        output.status.code(),
        Some(code),
        "stdout: {}\nstderr: {}",
        stdout(output),
        stderr(output)
    );
}

/// Asserts a bad-input failure: status 2 and exactly one `error: …` line on stderr.
#[track_caller]
pub fn assert_bad_input(output: &Output) {
    assert_status(output, 2);
    let message = stderr(output);
    assert_eq!(message.lines().count(), 1, "{message:?}");
    assert!(message.starts_with("error: "), "{message:?}");
    assert!(!message.contains("panicked"), "{message:?}");
}

/// A demo database in a temporary directory.
pub struct Demo {
    pub dir: tempfile::TempDir,
    pub db: PathBuf,
    pub key: PathBuf,
    pub public_key: PathBuf,
    pub categories: PathBuf,
}

impl Demo {
    /// `govshare demo --months 2`, signing its head with a fresh key when `signed`.
    pub fn new(signed: bool) -> Demo {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("govshare.db");
        let key = dir.path().join("engine.key");
        let categories = dir.path().join("categories.json");
        let mut args = vec![
            "demo".to_owned(),
            "--db".to_owned(),
            path(&db).to_owned(),
            "--months".to_owned(),
            "2".to_owned(),
            "--categories-out".to_owned(),
            path(&categories).to_owned(),
        ];
        if signed {
            args.extend(["--key".to_owned(), path(&key).to_owned()]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = govshare(&args);
        assert_status(&output, 0);
        let public_key = dir.path().join("engine.key.pub");
        if signed {
            assert!(public_key.is_file());
        }
        Demo {
            dir,
            db,
            key,
            public_key,
            categories,
        }
    }

    pub fn db(&self) -> &str {
        path(&self.db)
    }

    /// Runs a query with `sqlite3 -json` and returns its rows.
    pub fn query(&self, sql: &str) -> Vec<serde_json::Value> {
        let output = sqlite3(&self.db, &["-json"], sql);
        let text = String::from_utf8(output).unwrap();
        if text.trim().is_empty() {
            return Vec::new();
        }
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
    }

    /// Runs a script with `sqlite3`.
    pub fn execute(&self, script: &str) {
        sqlite3(&self.db, &[], script);
    }
}

pub fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Runs `sqlite3 [flags] DB` with `script` on stdin. The tool is required: a machine without it fails the
/// suite (CI installs it).
pub fn sqlite3(db: &Path, flags: &[&str], script: &str) -> Vec<u8> {
    assert!(
        Path::new(SQLITE3).is_file(),
        "{SQLITE3} is required by this suite (apt-get install sqlite3)"
    );
    let mut child = Command::new(SQLITE3)
        .args(flags)
        .arg("-bail")
        .arg(db)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "sqlite3 failed on {script}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// A SQL string literal.
pub fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}
