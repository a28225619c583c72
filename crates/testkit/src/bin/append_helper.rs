//! Appends commands to a PostgreSQL store from a separate OS process.
//!
//! Usage: `govshare-store-append-helper <url> <label> <commands> <concurrency>`. Prints the number
//! of events it appended.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match govshare_testkit::append_helper::HelperArgs::parse(&args) {
        Ok(args) => match args.run_blocking() {
            Ok(total) => {
                println!("{total}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{e}");
                ExitCode::FAILURE
            }
        },
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
    }
}
