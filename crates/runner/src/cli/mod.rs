//! Command-line interface, as ../shared/spec/plan-v1.md ("Native CLI") defines it.
//! One file per command.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod apply;
mod database;
mod inspect;
mod plan;
mod rollback;
mod status;
mod verify;

/// Exit codes of plan-v1.md.
pub mod exit {
    /// Done.
    pub const OK: u8 = 0;
    /// The plan holds a hazard at or above `--fail-on`.
    pub const HAZARD: u8 = 1;
    /// Bad input (the message names file, line and column).
    pub const BAD_INPUT: u8 = 2;
    /// A database error.
    pub const DATABASE: u8 = 3;
}

#[derive(Debug, Parser)]
#[command(
    name = "shiftplan",
    version,
    about = "Zero-downtime PostgreSQL schema migrations: plan, apply, roll back."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read a schema file and print its model (or a summary of it).
    Inspect(inspect::InspectArgs),
    /// Plan the migration from one schema to another.
    Plan(plan::PlanArgs),
    /// Apply a plan's phases to a database, with history, lock, retries and resumable backfill.
    Apply(apply::ApplyArgs),
    /// Each phase and step of a plan on a database: state, duration, and the next action.
    Status(status::StatusArgs),
    /// Undo the applied steps of one phase, in reverse.
    Rollback(rollback::RollbackArgs),
    /// Check the database's schema is the one the applied phases should have produced.
    Verify(verify::VerifyArgs),
}

pub fn run(cli: Cli) -> ExitCode {
    let code = match cli.command {
        Command::Inspect(args) => inspect::run(args),
        Command::Plan(args) => plan::run(args),
        Command::Apply(args) => apply::run(args),
        Command::Status(args) => status::run(args),
        Command::Rollback(args) => rollback::run(args),
        Command::Verify(args) => verify::run(args),
    };
    ExitCode::from(code)
}

/// Reads a file for a command, or prints why not (exit code 2).
pub(crate) fn read_input(path: &PathBuf) -> Result<String, u8> {
    std::fs::read(path)
        .map_err(|e| {
            eprintln!("error: cannot read {}: {e}", path.display());
            exit::BAD_INPUT
        })
        .and_then(|bytes| {
            String::from_utf8(bytes).map_err(|e| {
                let position = shiftplan::Position::of_offset(
                    &String::from_utf8_lossy(&e.as_bytes()[..e.utf8_error().valid_up_to()]),
                    e.utf8_error().valid_up_to(),
                );
                eprintln!(
                    "{}:{}:{}: error: the file is not UTF-8 text",
                    path.display(),
                    position.line,
                    position.column
                );
                exit::BAD_INPUT
            })
        })
}
