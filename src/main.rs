//! The `gethere` binary: parse arguments, call the library, print, map errors to exit codes
//! (0 answer, 1 valid question without an answer, 2 error). Nothing else lives here.

use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = gethere::cli::Cli::parse_with_origins();
    let now = chrono::Utc::now().timestamp();
    match gethere::app::run(cli, now) {
        Ok(out) => {
            let _ = std::io::stderr().write_all(out.stderr.as_bytes());
            let mut stdout = std::io::stdout().lock();
            // A closed pipe (`gethere … | head`) is not an error worth a message.
            if stdout
                .write_all(out.stdout.as_bytes())
                .and_then(|_| stdout.flush())
                .is_err()
            {
                return ExitCode::from(out.code as u8);
            }
            ExitCode::from(out.code as u8)
        }
        Err(e) => {
            let e = anyhow::Error::from(e);
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
