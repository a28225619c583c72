//! End-to-end tests of `govshare demo`: the built binary, run as a user would.

use std::process::{Command, Output};

fn govshare(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_govshare"))
        .args(args)
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

/// The `head <position> <hash>` line the demo ends with.
fn head(output: &Output) -> String {
    assert!(output.status.success(), "stderr: {}", stderr(output));
    let text = stdout(output);
    let line = text
        .lines()
        .rfind(|l| l.starts_with("head "))
        .unwrap_or_else(|| panic!("no head line in {text}"));
    let parts: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(parts.len(), 3, "{line}");
    assert!(parts[1].parse::<u64>().unwrap() > 0, "{line}");
    assert_eq!(parts[2].len(), 64, "{line}");
    line.to_owned()
}

#[test]
fn one_seed_gives_one_head_and_a_used_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.db");
    let b = dir.path().join("b.db");
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
    let first = govshare(&["demo", "--db", a, "--seed", "5", "--months", "2"]);
    let second = govshare(&["demo", "--db", b, "--seed", "5", "--months", "2"]);
    assert_eq!(head(&first), head(&second));
    let text = stdout(&first);
    assert!(text.contains("共享申请已提交"), "{text}");
    assert!(text.contains("ShareProvided"), "{text}");

    // A database that already holds events: one line on stderr, exit status 2, nothing on stdout.
    let again = govshare(&["demo", "--db", a, "--seed", "5", "--months", "2"]);
    assert_eq!(again.status.code(), Some(2), "stderr: {}", stderr(&again));
    assert!(stdout(&again).is_empty());
    let message = stderr(&again);
    assert_eq!(message.lines().count(), 1, "{message:?}");
    assert!(message.starts_with("error: "), "{message:?}");
}

#[test]
fn bad_options_exit_2_on_one_line() {
    for args in [
        &["demo", "--months", "x"][..],
        &["demo", "--seed", "-1"][..],
        &["demo", "--months", "61"][..],
    ] {
        let output = govshare(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert_eq!(
            stderr(&output).lines().count(),
            1,
            "{args:?}: {}",
            stderr(&output)
        );
    }
}

#[test]
fn a_demo_signed_with_a_key_prints_the_same_and_leaves_a_signed_head() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.db");
    let signed = dir.path().join("signed.db");
    let key = dir.path().join("engine.key");
    let (plain, signed, key_arg) = (
        plain.to_str().unwrap(),
        signed.to_str().unwrap(),
        key.to_str().unwrap(),
    );
    let without = govshare(&["demo", "--db", plain, "--months", "1"]);
    let with = govshare(&["demo", "--db", signed, "--months", "1", "--key", key_arg]);
    assert_eq!(stdout(&without), stdout(&with));
    assert!(
        stderr(&with).contains("签名检查点 signed checkpoint"),
        "{}",
        stderr(&with)
    );
    let public = dir.path().join("engine.key.pub");
    let verify = govshare(&[
        "audit",
        "verify",
        "--db",
        signed,
        "--public-key",
        public.to_str().unwrap(),
        "--require-signed-head",
    ]);
    assert!(verify.status.success(), "{}", stderr(&verify));
}
