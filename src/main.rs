//! The `pencil` binary: parses the command line, runs the event loop, maps errors to exit codes
//! (2: bad flags or config, 1: cannot start, e.g. a port in use or a refused snapshot).

use pencil::config::{self, Command};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match config::parse_args(&args) {
        Ok(Command::Help) => {
            print!("{}", config::usage());
            ExitCode::SUCCESS
        }
        Ok(Command::Version) => {
            println!("pencil {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Ok(Command::Run(cfg)) => match pencil::app::run(*cfg) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("pencil: {e}");
                ExitCode::from(1)
            }
        },
        Err(e) => {
            eprintln!("pencil: {e}");
            eprintln!("try 'pencil --help'");
            ExitCode::from(2)
        }
    }
}
