use clap::Args;
use shiftplan::PhaseName;

use super::apply::parse_phase;
use super::database::{DatabaseArgs, ExecArgs, fail};
use super::exit;

#[derive(Debug, Args)]
pub struct RollbackArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// The phase whose applied steps are undone, in reverse (later phases must be rolled back first).
    #[arg(long, value_parser = parse_phase)]
    pub phase: PhaseName,
    /// Roll back even when the phase holds irreversible steps (their data is not restored).
    #[arg(long = "accept-data-loss")]
    pub accept_data_loss: bool,
    #[command(flatten)]
    pub exec: ExecArgs,
}

pub fn run(args: RollbackArgs) -> u8 {
    let (plan, target) = match args.database.load() {
        Ok(loaded) => loaded,
        Err(e) => return fail(e),
    };
    let exec = match args.exec.options() {
        Ok(exec) => exec,
        Err(e) => return fail(e),
    };
    let progress = args.exec.progress();
    match crate::runner::rollback(
        &plan,
        &target,
        args.phase,
        args.accept_data_loss,
        args.exec.no_wait,
        &exec,
        &progress,
    ) {
        Ok(_) => exit::OK,
        Err(e) => fail(e),
    }
}
