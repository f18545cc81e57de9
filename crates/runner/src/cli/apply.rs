use clap::Args;
use shiftplan::PhaseName;

use super::database::{DatabaseArgs, ExecArgs, fail};
use super::exit;
use crate::runner::{ApplyOptions, Selection};

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("selection").required(true).args(["phase", "through"])))]
pub struct ApplyArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Apply this phase only (the phases before it must be applied).
    #[arg(long, value_parser = parse_phase)]
    pub phase: Option<PhaseName>,
    /// Apply every phase up to and including this one.
    #[arg(long, value_parser = parse_phase)]
    pub through: Option<PhaseName>,
    /// Print what would run; change nothing.
    #[arg(long = "dry-run")]
    pub dry_run: bool,
    /// Apply even if the database's schema differs from the plan's starting schema (or server version).
    #[arg(long)]
    pub force: bool,
    /// A shell command run before contract (e.g. 'pg_dump "$DATABASE_URL" > before-contract.sql'); its failure stops the run.
    #[arg(long = "backup-command")]
    pub backup_command: Option<String>,
    #[command(flatten)]
    pub exec: ExecArgs,
}

pub fn parse_phase(text: &str) -> Result<PhaseName, String> {
    PhaseName::parse(text)
        .ok_or_else(|| format!("`{text}` is not a phase: expand, dual_write, backfill or contract"))
}

pub fn run(args: ApplyArgs) -> u8 {
    let (plan, target) = match args.database.load() {
        Ok(loaded) => loaded,
        Err(e) => return fail(e),
    };
    let exec = match args.exec.options() {
        Ok(exec) => exec,
        Err(e) => return fail(e),
    };
    let selection = match (args.phase, args.through) {
        (Some(p), _) => Selection::Phase(p),
        (None, Some(p)) => Selection::Through(p),
        (None, None) => {
            return fail(crate::error::RunError::BadInput(
                "error: pass --phase NAME or --through NAME".into(),
            ));
        }
    };
    let options = ApplyOptions {
        selection,
        dry_run: args.dry_run,
        force: args.force,
        no_wait: args.exec.no_wait,
        backup_command: args.backup_command,
        exec,
    };
    let progress = args.exec.progress();
    match crate::runner::apply(&plan, &target, &options, &progress) {
        Ok(_) => exit::OK,
        Err(e) => fail(e),
    }
}
