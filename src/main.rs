//! The `orgcheck` binary: parse arguments, run, map the outcome to an exit code.

use clap::Parser;
use orgcheck::cli::Cli;
use orgcheck::run;

fn main() {
    let cli = Cli::parse();
    let code = match run::run(cli.command) {
        Ok(exit) => exit,
        Err(e) => {
            eprintln!("error: {e}");
            e.exit()
        }
    };
    std::process::exit(code as i32);
}
