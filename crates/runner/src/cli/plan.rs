//! `shiftplan plan`: plans the migration between two schema files (plan-v1.md, "Native CLI").

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use shiftplan::{Plan, Severity};

use super::{exit, read_input};

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The schema before the migration (SQL DDL or pg_dump --schema-only).
    #[arg(long)]
    pub from: PathBuf,
    /// The schema after the migration.
    #[arg(long)]
    pub to: PathBuf,
    /// Hints: renames, backfill expressions, transforms (JSON).
    #[arg(long)]
    pub hints: Option<PathBuf>,
    /// The PostgreSQL major version to plan for (11–18).
    #[arg(long = "pg-version", default_value_t = 15)]
    pub pg_version: u32,
    #[arg(long, value_enum, default_value_t = PlanFormat::Json)]
    pub format: PlanFormat,
    /// Also write plan.json and one up and one down .sql file per phase into DIR.
    #[arg(long = "out-dir")]
    pub out_dir: Option<PathBuf>,
    /// Plan new NOT NULL columns without a default or backfill hint as a plain ADD COLUMN, which
    /// only works on empty tables (flagged dangerous), instead of failing.
    #[arg(long = "assume-empty-tables")]
    pub assume_empty_tables: bool,
    /// Exit with 1 when the plan holds a hazard at or above this severity.
    #[arg(long = "fail-on", value_enum, default_value_t = FailOn::Dangerous)]
    pub fail_on: FailOn,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PlanFormat {
    Json,
    Sql,
    Markdown,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FailOn {
    Safe,
    Careful,
    Dangerous,
    /// Never exit with 1 for hazards.
    Never,
}

impl FailOn {
    fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Safe => Some(Severity::Safe),
            FailOn::Careful => Some(Severity::Careful),
            FailOn::Dangerous => Some(Severity::Dangerous),
            FailOn::Never => None,
        }
    }
}

/// Reads the hints file; a JSON error names file, line and column.
fn read_hints(path: &Path) -> Result<(shiftplan::Hints, String), u8> {
    let text = read_input(&path.to_path_buf())?;
    let hints = serde_json::from_str(&text).map_err(|e| {
        eprintln!(
            "{}:{}:{}: error: bad hints: {e}",
            path.display(),
            e.line(),
            e.column()
        );
        exit::BAD_INPUT
    })?;
    Ok((hints, text))
}

/// The plan in the chosen format.
pub fn render(plan: &Plan, format: PlanFormat) -> String {
    match format {
        PlanFormat::Json => {
            let mut s = serde_json::to_string_pretty(plan).unwrap_or_default();
            s.push('\n');
            s
        }
        PlanFormat::Sql => shiftplan::render::plan_sql::script(plan),
        PlanFormat::Markdown => shiftplan::render::markdown::render(plan),
    }
}

/// plan.json plus `NN-phase.up.sql` and `NN-phase.down.sql` per phase.
pub fn write_out_dir(plan: &Plan, dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut written = Vec::new();
    let json = dir.join("plan.json");
    std::fs::write(&json, render(plan, PlanFormat::Json))?;
    written.push(json);
    for (n, phase) in plan.phases.iter().enumerate() {
        let up = dir.join(format!("{:02}-{}.up.sql", n + 1, phase.name));
        std::fs::write(&up, shiftplan::render::plan_sql::phase_up(phase))?;
        let down = dir.join(format!("{:02}-{}.down.sql", n + 1, phase.name));
        std::fs::write(&down, shiftplan::render::plan_sql::phase_down(phase))?;
        written.push(up);
        written.push(down);
    }
    Ok(written)
}

pub fn run(args: PlanArgs) -> u8 {
    let (from, to) = match (read_input(&args.from), read_input(&args.to)) {
        (Ok(f), Ok(t)) => (f, t),
        (Err(c), _) | (_, Err(c)) => return c,
    };
    let (hints, hints_text) = match &args.hints {
        Some(p) => match read_hints(p) {
            Ok(h) => h,
            Err(c) => return c,
        },
        None => (shiftplan::Hints::default(), String::new()),
    };
    let from_name = args.from.display().to_string();
    let to_name = args.to.display().to_string();
    let options = shiftplan::PlanOptions {
        server_version: args.pg_version,
        assume_empty_tables: args.assume_empty_tables,
    };
    let plan = match shiftplan::plan(
        shiftplan::Source::new(&from_name, &from),
        shiftplan::Source::new(&to_name, &to),
        &hints,
        &options,
    ) {
        Ok(plan) => plan,
        Err(diagnostics) => {
            for mut d in diagnostics {
                if d.file.as_deref() == Some("hints") {
                    d.file = args
                        .hints
                        .as_ref()
                        .map(|p| p.display().to_string())
                        .or(d.file);
                    // Messages about a hint start with where it is (`renames[0]: ...`).
                    let at = d
                        .message
                        .split_once(": ")
                        .map(|(a, _)| a.to_string())
                        .unwrap_or_default();
                    if let Some(p) = shiftplan::diff::locate(&hints_text, &at) {
                        d.line = Some(p.line);
                        d.column = Some(p.column);
                    }
                }
                eprintln!("{d}");
            }
            return exit::BAD_INPUT;
        }
    };
    for d in &plan.diagnostics {
        eprintln!("{d}");
    }
    print!("{}", render(&plan, args.format));
    if let Some(dir) = &args.out_dir
        && let Err(e) = write_out_dir(&plan, dir)
    {
        eprintln!("error: cannot write {}: {e}", dir.display());
        return exit::BAD_INPUT;
    }
    match args.fail_on.threshold() {
        Some(t)
            if plan
                .steps()
                .any(|s| s.hazards.iter().any(|h| h.severity >= t)) =>
        {
            eprintln!(
                "plan safety is {}: at or above --fail-on {}",
                plan.safety.as_str(),
                t.as_str()
            );
            exit::HAZARD
        }
        _ => exit::OK,
    }
}
