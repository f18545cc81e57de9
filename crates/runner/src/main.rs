use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = shiftplan_runner::cli::Cli::parse();
    shiftplan_runner::cli::run(cli)
}
