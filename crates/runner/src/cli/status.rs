use clap::{Args, ValueEnum};

use super::database::{DatabaseArgs, fail};
use super::exit;
use crate::executor::format_duration;
use crate::runner::Status;

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[arg(long, value_enum, default_value_t = StatusFormat::Text)]
    pub format: StatusFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum StatusFormat {
    Text,
    Json,
}

pub fn run(args: StatusArgs) -> u8 {
    let (plan, target) = match args.database.load() {
        Ok(loaded) => loaded,
        Err(e) => return fail(e),
    };
    let status = match crate::runner::status(&plan, &target) {
        Ok(status) => status,
        Err(e) => return fail(e),
    };
    match args.format {
        StatusFormat::Json => match serde_json::to_string_pretty(&status) {
            Ok(json) => println!("{json}"),
            Err(e) => return fail(crate::error::RunError::Database(e.to_string())),
        },
        StatusFormat::Text => print!("{}", render(&status)),
    }
    exit::OK
}

/// The status as text: each phase and step with its state and duration, then the next action.
pub fn render(status: &Status) -> String {
    let mut out = String::new();
    let ms = |v: i64| format_duration(std::time::Duration::from_millis(v.max(0) as u64));
    if !status.recorded {
        out.push_str("this plan was never applied to this database\n");
    }
    for phase in &status.phases {
        out.push_str(&format!("{:<11} {:<12}", phase.name.as_str(), phase.state));
        if phase.duration_ms > 0 {
            out.push_str(&format!(" {}", ms(phase.duration_ms)));
        }
        out.push('\n');
        if let Some(checkpoint) = &phase.app_checkpoint {
            out.push_str(&format!("  checkpoint: {checkpoint}\n"));
        }
        for step in &phase.steps {
            out.push_str(&format!(
                "  {:<5} {:<12} {}",
                step.id, step.state, step.change
            ));
            if let Some(d) = step.duration_ms {
                out.push_str(&format!(" — {}", ms(d)));
            }
            if let Some(rows) = step.rows_affected {
                out.push_str(&format!(", {rows} rows"));
            }
            if step.lock_timeouts > 0 {
                out.push_str(&format!(", {} lock timeout(s) retried", step.lock_timeouts));
            }
            out.push('\n');
            if let Some(error) = &step.last_error {
                out.push_str(&format!("        last error: {error}\n"));
            }
            if let Some(note) = &step.note {
                out.push_str(&format!("        {note}\n"));
            }
        }
    }
    out.push_str(&format!("next: {}\n", status.next_action));
    out
}
