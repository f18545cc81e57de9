use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::{exit, read_input};

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The schema file (hand-written DDL or pg_dump --schema-only output).
    pub file: PathBuf,
    #[arg(long, value_enum, default_value_t = InspectFormat::Text)]
    pub format: InspectFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum InspectFormat {
    Text,
    Json,
}

pub fn run(args: InspectArgs) -> u8 {
    let sql = match read_input(&args.file) {
        Ok(sql) => sql,
        Err(code) => return code,
    };
    let name = args.file.display().to_string();
    let inspection = shiftplan::inspect(&name, &sql);
    match args.format {
        InspectFormat::Json => match serde_json::to_string_pretty(&inspection) {
            Ok(json) => println!("{json}"),
            Err(e) => {
                eprintln!("error: {e}");
                return exit::BAD_INPUT;
            }
        },
        InspectFormat::Text => {
            for d in &inspection.diagnostics {
                eprintln!("{d}");
            }
        }
    }
    if inspection.diagnostics.iter().any(|d| d.is_error()) { exit::BAD_INPUT } else { exit::OK }
}
