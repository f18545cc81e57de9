use clap::Args;

use super::database::{DatabaseArgs, fail};
use super::exit;
use crate::error::RunError;

#[derive(Debug, Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
}

pub fn run(args: VerifyArgs) -> u8 {
    let (plan, target) = match args.database.load() {
        Ok(loaded) => loaded,
        Err(e) => return fail(e),
    };
    let verification = crate::runner::verify(&plan, &target);
    if let Ok(v) = &verification {
        for allowed in &v.allowed {
            println!("note: {allowed}");
        }
    }
    match verification {
        Ok(v) if v.differences.is_empty() => {
            println!("ok: the database matches {}", v.expected);
            exit::OK
        }
        Ok(v) => fail(RunError::Drift(format!(
            "error: the database differs from {} ({} object(s)):\n{}",
            v.expected,
            v.differences.len(),
            crate::drift::describe(&v.differences)
        ))),
        Err(e) => fail(e),
    }
}
