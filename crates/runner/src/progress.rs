//! What the runner tells the operator while it works: a progress bar with rate and ETA on a
//! terminal (indicatif), plain log lines otherwise (CI logs, files, pipes).

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressMode {
    /// A bar redrawn in place (stderr is a terminal).
    Bar,
    /// One line per step, and a line every few seconds of a backfill.
    Lines,
}

impl ProgressMode {
    pub fn detect() -> ProgressMode {
        if std::io::stderr().is_terminal() {
            ProgressMode::Bar
        } else {
            ProgressMode::Lines
        }
    }
}

#[derive(Debug, Clone)]
pub struct Progress {
    pub mode: ProgressMode,
}

impl Progress {
    pub fn new(mode: ProgressMode) -> Progress {
        Progress { mode }
    }

    /// A line of the run's log (stderr, so stdout stays free for `--format json`).
    pub fn line(&self, text: &str) {
        eprintln!("{text}");
    }

    pub fn backfill(&self, label: &str, estimated_total: u64, done: u64) -> BackfillProgress {
        let bar = match self.mode {
            ProgressMode::Bar => {
                let bar = ProgressBar::with_draw_target(
                    Some(estimated_total.max(done)),
                    ProgressDrawTarget::stderr(),
                );
                let style = ProgressStyle::with_template(
                    "{prefix} [{bar:30}] {human_pos}/~{human_len} rows, ETA {eta}{msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> ");
                bar.set_style(style);
                bar.set_prefix(label.to_string());
                bar.set_position(done);
                Some(bar)
            }
            ProgressMode::Lines => None,
        };
        BackfillProgress {
            label: label.to_string(),
            estimated_total,
            start_rows: done,
            started: Instant::now(),
            last_line: Instant::now(),
            bar,
        }
    }
}

pub struct BackfillProgress {
    label: String,
    estimated_total: u64,
    start_rows: u64,
    started: Instant,
    last_line: Instant,
    bar: Option<ProgressBar>,
}

impl BackfillProgress {
    /// After a batch: `rows` done in all, the next batch's size.
    pub fn update(&mut self, rows: u64, batch_size: i64) {
        if let Some(bar) = &self.bar {
            if rows > bar.length().unwrap_or(0) {
                bar.set_length(rows);
            }
            bar.set_position(rows);
            let elapsed = self.started.elapsed().as_secs_f64().max(1e-3);
            let rate = rows.saturating_sub(self.start_rows) as f64 / elapsed;
            bar.set_message(format!(", {rate:.0} rows/s, batch {batch_size}"));
            return;
        }
        if self.last_line.elapsed() >= Duration::from_secs(2) {
            self.last_line = Instant::now();
            eprintln!("{}", self.summary(rows, Some(batch_size)));
        }
    }

    pub fn finish(self, rows: u64) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        eprintln!("{}", self.summary(rows, None));
    }

    fn summary(&self, rows: u64, batch_size: Option<i64>) -> String {
        let elapsed = self.started.elapsed().as_secs_f64().max(1e-3);
        let rate = (rows.saturating_sub(self.start_rows)) as f64 / elapsed;
        let mut text = format!("  {}: {rows} rows", self.label);
        if self.estimated_total > 0 && batch_size.is_some() {
            let percent = (rows as f64 / self.estimated_total as f64 * 100.0).min(100.0);
            text.push_str(&format!(" of ~{} ({percent:.0}%)", self.estimated_total));
        }
        text.push_str(&format!(", {rate:.0} rows/s"));
        if let Some(size) = batch_size {
            if rate > 0.0 && self.estimated_total > rows {
                let eta = (self.estimated_total - rows) as f64 / rate;
                text.push_str(&format!(", ETA {eta:.0} s"));
            }
            text.push_str(&format!(", batch {size}"));
        } else {
            text.push_str(&format!(" in {elapsed:.1} s"));
        }
        text
    }
}
