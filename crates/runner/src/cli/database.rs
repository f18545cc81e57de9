//! Flags shared by the commands that work on a database (apply, status, rollback, verify).

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};

use crate::error::RunError;
use crate::executor::ExecOptions;
use crate::plan_file::LoadedPlan;
use crate::progress::{Progress, ProgressMode};
use crate::runner::Target;

#[derive(Debug, Args)]
pub struct DatabaseArgs {
    /// The plan document (`shiftplan plan` output).
    pub plan: PathBuf,
    /// postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE (or key=value form); DATABASE_URL stands in.
    #[arg(long = "database-url", env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// The schema holding the runner's history.
    #[arg(long = "history-schema", default_value = "shiftplan")]
    pub history_schema: String,
}

impl DatabaseArgs {
    pub fn load(&self) -> Result<(LoadedPlan, Target), RunError> {
        let plan = LoadedPlan::read(&self.plan)?;
        let database_url = self
            .database_url
            .clone()
            .filter(|u| !u.trim().is_empty())
            .ok_or_else(|| {
                RunError::BadInput(
                    "error: no database: pass --database-url URL or set DATABASE_URL".into(),
                )
            })?;
        if self.history_schema.trim().is_empty() {
            return Err(RunError::BadInput(
                "error: --history-schema is empty".into(),
            ));
        }
        Ok((
            plan,
            Target {
                database_url,
                history_schema: self.history_schema.clone(),
            },
        ))
    }
}

/// How steps run: timeouts, retries, backfill pacing.
#[derive(Debug, Args)]
pub struct ExecArgs {
    /// Longest wait for a lock (SET LOCAL lock_timeout): what an application query may wait behind us.
    #[arg(long = "lock-timeout", default_value = "2s", value_parser = parse_duration)]
    pub lock_timeout: Duration,
    /// statement_timeout of each statement; 0 for none.
    #[arg(long = "statement-timeout", default_value = "0", value_parser = parse_duration)]
    pub statement_timeout: Duration,
    /// Attempts of a step (or a backfill batch) that times out on a lock before the run stops.
    #[arg(long = "max-attempts", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_attempts: u32,
    /// Time one backfill batch should take; batch sizes adapt to it (keep it well under --lock-timeout).
    #[arg(long = "batch-time", default_value = "250ms", value_parser = parse_duration)]
    pub batch_time: Duration,
    /// Cap on the backfill rate, in rows per second.
    #[arg(long = "max-rows-per-second")]
    pub max_rows_per_second: Option<f64>,
    /// Fail at once if another runner holds this database's lock, instead of waiting.
    #[arg(long = "no-wait")]
    pub no_wait: bool,
    /// Progress display: a bar (terminal) or log lines; auto picks by whether stderr is a terminal.
    #[arg(long, value_enum, default_value_t = ProgressArg::Auto)]
    pub progress: ProgressArg,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ProgressArg {
    Auto,
    Bar,
    Lines,
}

impl ExecArgs {
    pub fn options(&self) -> Result<ExecOptions, RunError> {
        if let Some(rate) = self.max_rows_per_second
            && !(rate > 0.0 && rate.is_finite())
        {
            return Err(RunError::BadInput(format!(
                "error: --max-rows-per-second must be a positive number, not {rate}"
            )));
        }
        Ok(ExecOptions {
            lock_timeout: self.lock_timeout,
            statement_timeout: self.statement_timeout,
            max_attempts: self.max_attempts,
            batch_time: self.batch_time,
            max_rows_per_second: self.max_rows_per_second,
            ..ExecOptions::default()
        })
    }

    pub fn progress(&self) -> Progress {
        Progress::new(match self.progress {
            ProgressArg::Auto => ProgressMode::detect(),
            ProgressArg::Bar => ProgressMode::Bar,
            ProgressArg::Lines => ProgressMode::Lines,
        })
    }
}

/// `2s`, `500ms`, `1m`, `1.5s`, `0`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if text == "0" {
        return Ok(Duration::ZERO);
    }
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration (e.g. 2s, 500ms, 1m)"))?;
    let seconds = match unit.trim() {
        "ms" => value / 1000.0,
        "s" => value,
        "m" | "min" => value * 60.0,
        "" => return Err(format!("`{text}` needs a unit: ms, s or m (e.g. 2s)")),
        other => return Err(format!("`{other}` is not a unit of time: use ms, s or m")),
    };
    if !seconds.is_finite() || !(0.0..=86_400.0 * 7.0).contains(&seconds) {
        return Err(format!("`{text}` is out of range"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// Prints a command's error and gives its exit code.
pub fn fail(error: RunError) -> u8 {
    eprintln!("{error}");
    error.exit_code()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_need_a_unit() {
        assert_eq!(parse_duration("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("1m"), Ok(Duration::from_secs(60)));
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        assert!(parse_duration("2").unwrap_err().contains("unit"));
        assert!(parse_duration("2h").is_err());
        assert!(parse_duration("fast").is_err());
    }
}
