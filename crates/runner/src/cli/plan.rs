use std::path::PathBuf;

use clap::Args;

use super::{exit, read_input};

#[derive(Debug, Args)]
pub struct PlanArgs {
    #[arg(long)]
    pub from: PathBuf,
    #[arg(long)]
    pub to: PathBuf,
    #[arg(long)]
    pub hints: Option<PathBuf>,
    #[arg(long = "pg-version", default_value_t = 15)]
    pub pg_version: u32,
}

pub fn run(args: PlanArgs) -> u8 {
    let (from, to) = match (read_input(&args.from), read_input(&args.to)) {
        (Ok(f), Ok(t)) => (f, t),
        (Err(c), _) | (_, Err(c)) => return c,
    };
    let from_name = args.from.display().to_string();
    let to_name = args.to.display().to_string();
    let options = shiftplan::PlanOptions { server_version: args.pg_version };
    match shiftplan::plan(
        shiftplan::Source::new(&from_name, &from),
        shiftplan::Source::new(&to_name, &to),
        &shiftplan::Hints::default(),
        &options,
    ) {
        Ok(plan) => {
            println!("{}", serde_json::to_string_pretty(&plan).unwrap_or_default());
            exit::OK
        }
        Err(diagnostics) => {
            for d in diagnostics {
                eprintln!("{d}");
            }
            exit::BAD_INPUT
        }
    }
}
