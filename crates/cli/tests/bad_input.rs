//! Bad input to the `govshare` binary's file options (docs/bad-input.md): a path leading out of the working
//! directory to a file that is not what the option reads, a directory, a file that does not exist, a
//! binary file, an endless device and an empty file. Each is refused with exit status 2 and one `error: …`
//! line naming the file, without echoing its contents, within seconds (never a hang, never a panic).

mod support;

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::Demo;

/// A path that climbs out of any working directory to /etc/passwd (a readable text file that is no
/// arrangement, key, bundle or settings file).
const TRAVERSAL: &str = "../../../../../../../../../../../../etc/passwd";

/// The bad files every file option is tried with: (what, path). The working directory of the runs is
/// `dir`, so [`TRAVERSAL`] resolves to /etc/passwd.
fn bad_files(dir: &Path) -> Vec<(&'static str, String)> {
    let binary = dir.join("binary.bin");
    let mut bytes: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
    bytes.extend_from_slice(&[0xFF, 0xFE, 0x00, 0xC3, 0x28]);
    std::fs::write(&binary, bytes).unwrap();
    let empty = dir.join("empty.json");
    std::fs::write(&empty, b"").unwrap();
    let directory = dir.join("a-directory");
    std::fs::create_dir_all(&directory).unwrap();
    vec![
        ("traversal", TRAVERSAL.to_owned()),
        ("directory", directory.display().to_string()),
        (
            "missing",
            dir.join("no-such-file.json").display().to_string(),
        ),
        ("binary", binary.display().to_string()),
        ("endless", "/dev/zero".to_owned()),
        ("empty", empty.display().to_string()),
    ]
}

/// Runs `govshare args` in `dir`; the run must end within 20 seconds.
fn run(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_govshare"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("govshare {args:?} did not end within 20 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stdout = String::new();
    let mut stderr = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    (status.code(), stdout, stderr)
}

/// Asserts that `govshare args` (run in `dir`) is refused as bad input: status 2, nothing on stdout, one
/// `error: …` line that names `file`, holds nothing of /etc/passwd and no panic. Returns the line.
#[track_caller]
fn refused(dir: &Path, args: &[&str], file: &str) -> String {
    let (code, stdout, stderr) = run(dir, args);
    assert_eq!(
        code,
        Some(2),
        "{args:?}: stdout {stdout:?}, stderr {stderr:?}"
    );
    assert!(stdout.is_empty(), "{args:?} printed {stdout:?}");
    assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr:?}");
    assert!(stderr.starts_with("error: "), "{args:?}: {stderr:?}");
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr:?}");
    assert!(
        !stderr.contains("root:"),
        "{args:?} echoed the file: {stderr:?}"
    );
    // The path as given, or (a database opened) resolved.
    let named = stderr.contains(file) || (file == TRAVERSAL && stderr.contains("/etc/passwd"));
    assert!(named, "{args:?} does not name {file}: {stderr:?}");
    stderr
}

/// Runs `args` with `{}` replaced by each bad file, expecting each refused.
fn each_bad_file(dir: &Path, args: &[&str]) {
    each_bad_file_except(dir, args, &[]);
}

/// [`each_bad_file`], but for the kinds of file in `valid` (which the option accepts, e.g. an empty
/// signature file holds no signatures).
fn each_bad_file_except(dir: &Path, args: &[&str], valid: &[&str]) {
    for (what, file) in bad_files(dir) {
        if valid.contains(&what) {
            continue;
        }
        let args: Vec<&str> = args
            .iter()
            .map(|a| if *a == "{}" { file.as_str() } else { a })
            .collect();
        let line = refused(dir, &args, &file);
        eprintln!("{what}: {line}");
    }
}

#[test]
fn calendar_file_options_refuse_bad_files() {
    let dir = tempfile::tempdir().unwrap();
    each_bad_file(
        dir.path(),
        &["calendar", "due", "2026-01-05", "3", "--calendar", "{}"],
    );
    each_bad_file(
        dir.path(),
        &["calendar", "is-workday", "2026-01-05", "--calendar", "{}"],
    );
    each_bad_file(dir.path(), &["calendar", "check", "{}"]);
}

#[test]
fn serve_file_options_refuse_bad_files_before_serving() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("serve.db").display().to_string();
    // An empty settings file is a valid one (every key has a default).
    each_bad_file_except(
        dir.path(),
        &[
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--db",
            &db,
            "--config",
            "{}",
        ],
        &["empty"],
    );
    each_bad_file(
        dir.path(),
        &[
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--db",
            &db,
            "--categories",
            "{}",
        ],
    );
}

#[test]
fn audit_file_options_refuse_bad_files() {
    let demo = Demo::new(true);
    let dir = demo.dir.path().to_path_buf();
    let db = demo.db().to_owned();
    each_bad_file(&dir, &["audit", "check-bundle", "{}"]);
    let bundle = dir.join("bundle.json");
    let case = first_case(&demo);
    let (code, _, stderr) = run(
        &dir,
        &[
            "audit",
            "export",
            "--db",
            &db,
            &case,
            "-o",
            bundle.to_str().unwrap(),
        ],
    );
    assert_eq!(code, Some(0), "{stderr}");
    let bundle = bundle.display().to_string();
    each_bad_file(
        &dir,
        &["audit", "check-bundle", &bundle, "--public-key", "{}"],
    );
    each_bad_file(
        &dir,
        &["audit", "verify", "--db", &db, "--public-key", "{}"],
    );
    each_bad_file(&dir, &["audit", "verify", "--db", &db, "--key", "{}"]);
    // An empty signature file holds no signatures.
    each_bad_file_except(
        &dir,
        &["audit", "verify", "--db", &db, "--checkpoint", "{}"],
        &["empty"],
    );
    each_bad_file(
        &dir,
        &["audit", "revalidate", "--db", &db, "--categories", "{}"],
    );
    each_bad_file(
        &dir,
        &["audit", "revalidate", "--db", &db, "--rule-set", "{}"],
    );
    each_bad_file(
        &dir,
        &["audit", "revalidate", "--db", &db, "--calendar", "{}"],
    );
}

#[test]
fn the_database_option_refuses_bad_files() {
    let dir = tempfile::tempdir().unwrap();
    for (what, file) in bad_files(dir.path()) {
        // An empty file is a valid, empty SQLite database; it holds no log.
        if what == "empty" {
            continue;
        }
        for args in [
            vec!["audit", "verify", "--db", &file],
            vec!["token", "list", "--db", &file],
            vec!["inbox", "--db", &file, "--department", "130000-health"],
        ] {
            let line = refused(dir.path(), &args, &file);
            eprintln!("{what}: {line}");
        }
    }
}

#[test]
fn output_options_refuse_a_directory_and_a_missing_folder() {
    let demo = Demo::new(false);
    let dir = demo.dir.path().to_path_buf();
    let db = demo.db().to_owned();
    let case = first_case(&demo);
    let missing_folder = dir.join("no-such-folder").join("out.json");
    for out in [dir.clone(), missing_folder] {
        let out = out.display().to_string();
        let line = refused(
            &dir,
            &["audit", "export", "--db", &db, &case, "-o", &out],
            &out,
        );
        eprintln!("export: {line}");
        let line = refused(
            &dir,
            &[
                "report",
                "assessment",
                "--db",
                &db,
                "--period",
                "2026",
                "--region",
                "130000",
                "-o",
                &out,
            ],
            &out,
        );
        eprintln!("report: {line}");
    }
}

fn first_case(demo: &Demo) -> String {
    demo.query(
        "SELECT aggregate_id FROM govshare_events WHERE aggregate_type = 'ShareApplication'
          ORDER BY position LIMIT 1",
    )[0]["aggregate_id"]
        .as_str()
        .unwrap()
        .to_owned()
}
