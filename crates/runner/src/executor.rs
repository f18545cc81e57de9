//! Runs a plan's steps by plan-v1.md's execution rules:
//! - `transactional: true`: the step's statements and its history row in one transaction, under
//!   `SET LOCAL lock_timeout` and `SET LOCAL statement_timeout`;
//! - `transactional: false`: each statement alone in autocommit (the same timeouts set for the
//!   session), the count of statements done kept in the history so a rerun skips them; a
//!   `CREATE INDEX CONCURRENTLY` that left an INVALID index behind is dropped concurrently and rebuilt;
//! - `repeat_until_zero_rows: true`: the batch statement run until it affects 0 rows, each batch in
//!   its own transaction together with the update of the step's cursor in the history.
//!
//! A lock timeout (or deadlock, or serialization failure) rolls the attempt back and retries it
//! after an exponential backoff with jitter, up to `max_attempts`; then the run stops cleanly:
//! nothing of the step is half-applied, and the history says where it stopped.

use std::time::{Duration, Instant, SystemTime};

use postgres::Client;
use shiftplan::{PhaseName, Step};

use crate::error::{RunError, describe, is_retryable};
use crate::history::History;
use crate::progress::Progress;
use crate::sql;

/// How steps are run.
#[derive(Debug, Clone)]
pub struct ExecOptions {
    /// `SET LOCAL lock_timeout`: the longest any application query waits behind one of our locks.
    pub lock_timeout: Duration,
    /// `statement_timeout` of each statement (zero: none).
    pub statement_timeout: Duration,
    /// Attempts of a step (or a backfill batch) that times out on a lock, before the run stops.
    pub max_attempts: u32,
    /// First backoff after a lock timeout; doubled per attempt, up to `backoff_max`, with jitter.
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// The time one backfill batch should take: batch sizes adapt to it.
    pub batch_time: Duration,
    /// Batch size bounds.
    pub min_batch: i64,
    pub max_batch: i64,
    /// Optional cap on the backfill's rate.
    pub max_rows_per_second: Option<f64>,
}

impl Default for ExecOptions {
    fn default() -> Self {
        ExecOptions {
            lock_timeout: Duration::from_secs(2),
            statement_timeout: Duration::ZERO,
            max_attempts: 10,
            backoff_base: Duration::from_millis(250),
            backoff_max: Duration::from_secs(15),
            batch_time: Duration::from_millis(250),
            min_batch: 10,
            max_batch: 100_000,
            max_rows_per_second: None,
        }
    }
}

/// Apply a step, or roll it back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Apply,
    Rollback,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Apply => "apply",
            Action::Rollback => "rollback",
        }
    }

    fn outcome(self) -> &'static str {
        match self {
            Action::Apply => "applied",
            Action::Rollback => "rolled_back",
        }
    }
}

pub struct Executor<'a> {
    pub client: &'a mut Client,
    pub history: &'a History,
    pub plan_id: &'a str,
    pub options: &'a ExecOptions,
    pub progress: &'a Progress,
}

impl Executor<'_> {
    /// Applies (or rolls back) one step, recording it in the history.
    pub fn run_step(
        &mut self,
        phase: PhaseName,
        step: &Step,
        action: Action,
    ) -> Result<(), RunError> {
        let statements = match action {
            Action::Apply => &step.sql,
            Action::Rollback => &step.rollback,
        };
        let started = Instant::now();
        if statements.is_empty() {
            // Nothing to run (an irreversible step rolled back with --accept-data-loss, or a step
            // whose undo is a no-op): recorded, so status and later phases see it.
            self.history
                .insert_run(
                    self.client,
                    self.plan_id,
                    phase,
                    &step.id,
                    action.as_str(),
                    1,
                    SystemTime::now(),
                    action.outcome(),
                    None,
                    None,
                )
                .map_err(|e| RunError::database("recording the step", &e))?;
        } else if step.repeat_until_zero_rows
            && (action == Action::Apply || sql::find_limit(&statements[0]).is_some())
        {
            let statement = statements.first().map(String::as_str).unwrap_or_default();
            self.backfill(phase, step, statement, action)?;
        } else if step.transactional {
            self.transactional(phase, step, statements, action)?;
        } else {
            self.autocommit(phase, step, statements, action)?;
        }
        self.progress.line(&format!(
            "  {} {} ({}) in {}",
            step.id,
            action.outcome().replace('_', " "),
            step.change,
            format_duration(started.elapsed())
        ));
        Ok(())
    }

    fn timeouts(&self, local: bool) -> String {
        let set = if local { "SET LOCAL" } else { "SET" };
        format!(
            "{set} lock_timeout = '{}ms'; {set} statement_timeout = '{}ms'",
            self.options.lock_timeout.as_millis(),
            self.options.statement_timeout.as_millis()
        )
    }

    fn stop_message(
        &self,
        step: &Step,
        action: Action,
        index: usize,
        error: &postgres::Error,
        after: &str,
    ) -> RunError {
        RunError::Database(format!(
            "step {} ({}) failed at statement {} of {}: {}\n  {after}",
            step.id,
            step.change,
            index + 1,
            match action {
                Action::Apply => step.sql.len(),
                Action::Rollback => step.rollback.len(),
            },
            describe(error),
        ))
    }

    #[allow(clippy::too_many_arguments)]
    fn record_attempt(
        &mut self,
        phase: PhaseName,
        step: &Step,
        action: Action,
        attempt: u32,
        started: SystemTime,
        outcome: &str,
        error: &postgres::Error,
    ) {
        let text = describe(error);
        // Best effort: the error itself is what the operator must see if even this fails.
        let _ = self.history.insert_run(
            self.client,
            self.plan_id,
            phase,
            &step.id,
            action.as_str(),
            attempt as i32,
            started,
            outcome,
            Some(&text),
            None,
        );
    }

    /// Waits before the next attempt, or says that attempts are exhausted.
    fn backoff(&self, step: &Step, attempt: u32, error: &postgres::Error) -> bool {
        if attempt >= self.options.max_attempts {
            return false;
        }
        let wait = backoff_delay(self.options.backoff_base, self.options.backoff_max, attempt);
        self.progress.line(&format!(
            "  {}: {} — attempt {attempt} of {}, retrying in {}",
            step.id,
            describe(error),
            self.options.max_attempts,
            format_duration(wait)
        ));
        std::thread::sleep(wait);
        true
    }

    fn transactional(
        &mut self,
        phase: PhaseName,
        step: &Step,
        statements: &[String],
        action: Action,
    ) -> Result<(), RunError> {
        let mut attempt = 1;
        let timeouts = self.timeouts(true);
        let history = self.history;
        loop {
            let started = SystemTime::now();
            let mut failed_at = 0;
            let result = (|| -> Result<(), postgres::Error> {
                let mut tx = self.client.transaction()?;
                tx.batch_execute(&timeouts)?;
                for (i, statement) in statements.iter().enumerate() {
                    failed_at = i;
                    tx.batch_execute(statement)?;
                }
                failed_at = statements.len().saturating_sub(1);
                history.insert_run(
                    &mut tx,
                    self.plan_id,
                    phase,
                    &step.id,
                    action.as_str(),
                    attempt as i32,
                    started,
                    action.outcome(),
                    None,
                    None,
                )?;
                tx.commit()
            })();
            match result {
                Ok(()) => return Ok(()),
                Err(error) if is_retryable(&error) => {
                    self.record_attempt(
                        phase,
                        step,
                        action,
                        attempt,
                        started,
                        "lock_timeout",
                        &error,
                    );
                    if !self.backoff(step, attempt, &error) {
                        return Err(self.stop_message(step, action, failed_at, &error, &format!(
                            "gave up after {attempt} attempts; the step's transaction was rolled back, nothing of it is applied. \
                             Run the same command again later (or raise --lock-timeout / --max-attempts)."
                        )));
                    }
                    attempt += 1;
                }
                Err(error) => {
                    self.record_attempt(phase, step, action, attempt, started, "failed", &error);
                    return Err(self.stop_message(step, action, failed_at, &error,
                        "the step's transaction was rolled back: nothing of it is applied, and the history says where the run stopped."));
                }
            }
        }
    }

    fn autocommit(
        &mut self,
        phase: PhaseName,
        step: &Step,
        statements: &[String],
        action: Action,
    ) -> Result<(), RunError> {
        let done = match action {
            Action::Apply => self
                .history
                .resumable_cursor(self.client, self.plan_id, &step.id)?
                .and_then(|c| c.get("statements_done").and_then(|v| v.as_u64()))
                .unwrap_or(0) as usize,
            Action::Rollback => 0,
        };
        let db = |e: postgres::Error| RunError::database("recording the step", &e);
        let run_id = self
            .history
            .insert_run(
                self.client,
                self.plan_id,
                phase,
                &step.id,
                action.as_str(),
                1,
                SystemTime::now(),
                "running",
                None,
                None,
            )
            .map_err(db)?;
        self.history
            .save_cursor(
                self.client,
                run_id,
                &serde_json::json!({ "statements_done": done }),
                0,
            )
            .map_err(db)?;
        self.client
            .batch_execute(&self.timeouts(false))
            .map_err(|e| RunError::database("setting timeouts", &e))?;
        for (index, statement) in statements.iter().enumerate().skip(done) {
            let mut attempt = 1;
            loop {
                let started = SystemTime::now();
                let result = self.run_autocommit_statement(statement);
                match result {
                    Ok(()) => break,
                    Err(error) if is_retryable(&error) => {
                        self.record_attempt(
                            phase,
                            step,
                            action,
                            attempt,
                            started,
                            "lock_timeout",
                            &error,
                        );
                        if !self.backoff(step, attempt, &error) {
                            let _ = self.history.finish_run(
                                self.client,
                                run_id,
                                "failed",
                                Some(&describe(&error)),
                            );
                            let _ = self
                                .client
                                .batch_execute("RESET lock_timeout; RESET statement_timeout");
                            return Err(self.stop_message(step, action, index, &error, &format!(
                                "gave up after {attempt} attempts; {index} statement(s) of the step are done and recorded; \
                                 running the same command again resumes at this statement."
                            )));
                        }
                        attempt += 1;
                    }
                    Err(error) => {
                        let _ = self.history.finish_run(
                            self.client,
                            run_id,
                            "failed",
                            Some(&describe(&error)),
                        );
                        let _ = self
                            .client
                            .batch_execute("RESET lock_timeout; RESET statement_timeout");
                        return Err(self.stop_message(step, action, index, &error, &format!(
                            "{index} statement(s) of the step are done and recorded; running the same command again resumes at this statement."
                        )));
                    }
                }
            }
            self.history
                .save_cursor(
                    self.client,
                    run_id,
                    &serde_json::json!({ "statements_done": index + 1 }),
                    0,
                )
                .map_err(db)?;
        }
        self.history
            .finish_run(self.client, run_id, action.outcome(), None)
            .map_err(db)?;
        self.client
            .batch_execute("RESET lock_timeout; RESET statement_timeout")
            .map_err(|e| RunError::database("resetting timeouts", &e))?;
        Ok(())
    }

    /// One autocommit statement, made safe to re-run: an index that a `CREATE INDEX CONCURRENTLY`
    /// already built is kept, one it left INVALID is dropped concurrently and rebuilt.
    fn run_autocommit_statement(&mut self, statement: &str) -> Result<(), postgres::Error> {
        if let Some(index) = sql::concurrent_index_target(statement) {
            let row = self.client.query_opt(
                "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                 JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2",
                &[&index.schema, &index.name],
            )?;
            match row.map(|r| r.get::<_, bool>(0)) {
                Some(true) if sql::has_if_not_exists(statement) => {}
                Some(true) => {
                    self.progress.line(&format!(
                        "  index {index} exists and is valid (built by an earlier run): kept"
                    ));
                    return Ok(());
                }
                Some(false) => {
                    self.progress.line(&format!(
                        "  index {index} is INVALID (an earlier CREATE INDEX CONCURRENTLY failed): dropping it concurrently and rebuilding"
                    ));
                    self.client
                        .batch_execute(&format!("DROP INDEX CONCURRENTLY IF EXISTS {index}"))?;
                }
                None => {}
            }
            let result = self.client.batch_execute(statement);
            if result.is_err() {
                // Leave nothing INVALID behind: the next attempt (or the next run) rebuilds it.
                let _ = self.drop_invalid_index(&index);
            }
            return result;
        }
        if let Some(index) = sql::concurrent_index_drop(statement) {
            let exists = self
                .client
                .query_one("SELECT to_regclass($1) IS NOT NULL", &[&index.to_string()])?
                .get::<_, bool>(0);
            if !exists {
                self.progress.line(&format!(
                    "  index {index} is already gone (dropped by an earlier run): skipped"
                ));
                return Ok(());
            }
        }
        self.client.batch_execute(statement)
    }

    fn drop_invalid_index(
        &mut self,
        index: &shiftplan::model::QualifiedName,
    ) -> Result<(), postgres::Error> {
        let invalid = self
            .client
            .query_opt(
                "SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                 JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2 AND NOT i.indisvalid",
                &[&index.schema, &index.name],
            )?
            .is_some();
        if invalid {
            self.client
                .batch_execute(&format!("DROP INDEX CONCURRENTLY IF EXISTS {index}"))?;
        }
        Ok(())
    }

    /// Runs a batch statement until it affects no row, each batch in its own transaction with the
    /// cursor. With a statement [`sql::RangedBatch`] can restrict (PostgreSQL 14+), the batches walk
    /// the table's pages in ranges sized to the time budget (each range repeated until it has no
    /// row left), then one sweep of the statement as written catches anything outside the ranges;
    /// otherwise the statement's LIMIT is sized to the time budget.
    fn backfill(
        &mut self,
        phase: PhaseName,
        step: &Step,
        statement: &str,
        action: Action,
    ) -> Result<(), RunError> {
        let db = |e: postgres::Error| RunError::database("recording the backfill", &e);
        let resumed = match action {
            Action::Apply => self
                .history
                .resumable_cursor(self.client, self.plan_id, &step.id)?,
            Action::Rollback => None,
        };
        let mut cursor: BackfillCursor = resumed
            .clone()
            .and_then(|c| serde_json::from_value(c).ok())
            .unwrap_or_default();
        let limit = sql::find_limit(statement);
        let planned = limit.as_ref().map(|l| l.value).unwrap_or(0);
        let server: i32 = self
            .client
            .query_one("SELECT current_setting('server_version_num')::int", &[])
            .map_err(|e| RunError::database("reading the server version", &e))?
            .get(0);
        let ranged = if server >= 140000 {
            sql::RangedBatch::new(statement)
        } else {
            None
        };
        let mut rows_per_page = 100i64;
        if let Some(ranged) = &ranged {
            let row = self
                .client
                .query_one(
                    "SELECT (pg_relation_size(c.oid) / current_setting('block_size')::bigint)::bigint, greatest(c.reltuples, 0)::bigint, c.relpages::bigint
                     FROM pg_class c WHERE c.oid = to_regclass($1)",
                    &[&ranged.relation],
                )
                .map_err(|e| RunError::database("reading the size of the backfilled table", &e))?;
            let (pages, tuples, stat_pages): (i64, i64, i64) = (row.get(0), row.get(1), row.get(2));
            rows_per_page = if stat_pages > 0 && tuples > 0 {
                (tuples / stat_pages).max(1)
            } else {
                100
            };
            if cursor.end_page.is_none() {
                cursor.next_page = Some(0);
                cursor.end_page = Some(pages);
            }
        }
        let start_rows = if cursor.batch_size > 0 {
            cursor.batch_size
        } else if planned > 0 {
            planned
        } else {
            1000
        };
        let mut row_sizer = BatchSizer::new(start_rows, self.options);
        let start_pages = cursor
            .batch_pages
            .unwrap_or((start_rows / rows_per_page).max(1));
        let mut page_sizer = BatchSizer {
            size: start_pages.max(1),
            budget: self.options.batch_time,
            min: 1,
            max: 1_000_000,
        };
        if resumed.is_some() {
            self.progress.line(&format!(
                "  {}: resuming the backfill after {} rows in {} batches",
                step.id, cursor.rows, cursor.batches
            ));
        }
        let run_id = self
            .history
            .insert_run(
                self.client,
                self.plan_id,
                phase,
                &step.id,
                action.as_str(),
                1,
                SystemTime::now(),
                "running",
                None,
                Some(cursor.rows),
            )
            .map_err(db)?;
        cursor.batch_size = row_sizer.size;
        cursor.batch_pages = ranged.as_ref().map(|_| page_sizer.size);
        self.history
            .save_cursor(self.client, run_id, &cursor.to_json(), cursor.rows)
            .map_err(db)?;
        let estimate = self.estimate_rows(step);
        let timeouts = self.timeouts(true);
        let history = self.history;
        let mut progress = self.progress.backfill(
            &format!("{} {}", step.id, step.change),
            estimate,
            cursor.rows.max(0) as u64,
        );
        loop {
            // The next batch: a page range, or the statement as written with its LIMIT sized.
            let range = match (&ranged, cursor.next_page, cursor.end_page) {
                (Some(ranged), Some(next), Some(end)) if next < end => {
                    let last = (next + page_sizer.size).min(end);
                    let cap = (page_sizer.size * rows_per_page * 4).max(1000);
                    Some((ranged.render(statement, next, last, cap), last, cap))
                }
                _ => None,
            };
            let batch_sql = match (&range, &limit) {
                (Some((sql, _, _)), _) => sql.clone(),
                (None, Some(l)) => l.rewrite(statement, row_sizer.size),
                (None, None) => statement.to_string(),
            };
            let mut attempt = 1;
            let (affected, elapsed, next_cursor) = loop {
                let started = SystemTime::now();
                let clock = Instant::now();
                let result = (|| -> Result<(u64, BackfillCursor), postgres::Error> {
                    let mut tx = self.client.transaction()?;
                    tx.batch_execute(&timeouts)?;
                    let affected = tx.execute(batch_sql.as_str(), &[])?;
                    let mut next = cursor.clone();
                    next.batches += 1;
                    next.rows += affected as i64;
                    if let Some((_, last, cap)) = &range
                        && (affected as i64) < *cap
                    {
                        // The range is done (a full batch means rows may be left: run it again).
                        next.next_page = Some(*last);
                    }
                    next.batch_size = row_sizer.size;
                    next.batch_pages = ranged.as_ref().map(|_| page_sizer.size);
                    history.save_cursor(&mut tx, run_id, &next.to_json(), next.rows)?;
                    tx.commit()?;
                    Ok((affected, next))
                })();
                match result {
                    Ok((affected, next)) => break (affected, clock.elapsed(), next),
                    Err(error) if is_retryable(&error) => {
                        self.record_attempt(
                            phase,
                            step,
                            action,
                            attempt,
                            started,
                            "lock_timeout",
                            &error,
                        );
                        if !self.backoff(step, attempt, &error) {
                            let _ = self.history.finish_run(
                                self.client,
                                run_id,
                                "failed",
                                Some(&describe(&error)),
                            );
                            return Err(self.stop_message(step, action, 0, &error, &format!(
                                "gave up after {attempt} attempts at batch {}; {} rows are done and the cursor is saved; \
                                 running the same command again resumes the backfill.", cursor.batches + 1, cursor.rows
                            )));
                        }
                        attempt += 1;
                    }
                    Err(error) => {
                        let _ = self.history.finish_run(
                            self.client,
                            run_id,
                            "failed",
                            Some(&describe(&error)),
                        );
                        return Err(self.stop_message(step, action, 0, &error, &format!(
                            "batch {} was rolled back; {} rows are done and the cursor is saved; running the same command again resumes the backfill.",
                            cursor.batches + 1, cursor.rows
                        )));
                    }
                }
            };
            cursor = next_cursor;
            if range.is_some() {
                page_sizer.observe_time(elapsed);
            } else {
                if affected == 0 {
                    break;
                }
                if limit.is_some() {
                    row_sizer.observe(affected as i64, elapsed);
                }
            }
            progress.update(
                cursor.rows.max(0) as u64,
                if range.is_some() {
                    page_sizer.size * rows_per_page
                } else {
                    row_sizer.size
                },
            );
            if let Some(rate) = self.options.max_rows_per_second
                && rate > 0.0
            {
                let minimum = Duration::from_secs_f64(affected as f64 / rate);
                if minimum > elapsed {
                    std::thread::sleep(minimum - elapsed);
                }
            }
        }
        progress.finish(cursor.rows.max(0) as u64);
        self.history
            .finish_run(self.client, run_id, action.outcome(), None)
            .map_err(db)?;
        Ok(())
    }

    /// The planner's estimate of the rows of the step's table (for the progress bar).
    fn estimate_rows(&mut self, step: &Step) -> u64 {
        let Some(relation) = step.lock.relations.first() else {
            return 0;
        };
        self.client
            .query_opt(
                "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass($1)",
                &[relation],
            )
            .ok()
            .flatten()
            .map(|r| r.get::<_, i64>(0).max(0) as u64)
            .unwrap_or(0)
    }
}

/// Where a backfill is: saved in the history (`backfill_cursor`) after every batch.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct BackfillCursor {
    pub batches: i64,
    /// Rows updated in all.
    pub rows: i64,
    /// The LIMIT of the next batch run as written.
    #[serde(default)]
    pub batch_size: i64,
    /// Page ranges: the next page to do, the end (the table's size when the backfill began), and
    /// the pages per batch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_page: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_page: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_pages: Option<i64>,
}

impl BackfillCursor {
    fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

/// Sizes backfill batches so each takes about `batch_time`: the next size is the last one scaled
/// by budget / elapsed, by at most ×2 up and ×½ down per batch, within [min_batch, max_batch].
#[derive(Debug, Clone)]
pub struct BatchSizer {
    pub size: i64,
    budget: Duration,
    min: i64,
    max: i64,
}

impl BatchSizer {
    pub fn new(start: i64, options: &ExecOptions) -> BatchSizer {
        let min = options.min_batch.max(1);
        let max = options.max_batch.max(min);
        BatchSizer {
            size: start.clamp(min, max),
            budget: options.batch_time,
            min,
            max,
        }
    }

    pub fn observe(&mut self, affected: i64, elapsed: Duration) {
        if affected < self.size / 2 {
            // A short batch (the end of the table) says nothing about the rate.
            return;
        }
        self.observe_time(elapsed);
    }

    /// Scales the size by budget / elapsed (for page ranges, whatever the rows they held).
    pub fn observe_time(&mut self, elapsed: Duration) {
        let ratio = self.budget.as_secs_f64() / elapsed.as_secs_f64().max(1e-4);
        let ratio = ratio.clamp(0.5, 2.0);
        self.size = ((self.size as f64 * ratio).round() as i64).clamp(self.min, self.max);
    }
}

/// Exponential backoff with equal jitter: half the doubled delay, plus a random part of the other half.
pub fn backoff_delay(base: Duration, max: Duration, attempt: u32) -> Duration {
    let exponent = attempt.saturating_sub(1).min(20);
    let full = base.saturating_mul(1u32 << exponent).min(max);
    let half = full / 2;
    half + half.mul_f64(random_fraction())
}

/// A number in [0, 1) from the clock and the process id (jitter needs no better randomness).
fn random_fraction() -> f64 {
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let mut x = nanos ^ ((std::process::id() as u64) << 32) ^ 0x9E37_79B9_7F4A_7C15;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    (x >> 11) as f64 / (1u64 << 53) as f64
}

pub fn format_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        format!("{ms} ms")
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_within_jitter_and_caps() {
        let base = Duration::from_millis(100);
        let max = Duration::from_secs(1);
        for attempt in 1..=8 {
            let full = base.saturating_mul(1 << (attempt - 1)).min(max);
            let d = backoff_delay(base, max, attempt);
            assert!(
                d >= full / 2 && d <= full,
                "attempt {attempt}: {d:?} not within [{:?}, {full:?}]",
                full / 2
            );
        }
    }

    #[test]
    fn batch_sizes_follow_the_time_budget() {
        let options = ExecOptions {
            batch_time: Duration::from_millis(200),
            ..ExecOptions::default()
        };
        let mut sizer = BatchSizer::new(1000, &options);
        sizer.observe(1000, Duration::from_millis(50));
        assert_eq!(sizer.size, 2000, "fast batches grow, at most twice");
        sizer.observe(2000, Duration::from_millis(400));
        assert_eq!(sizer.size, 1000, "slow batches shrink");
        sizer.observe(1000, Duration::from_millis(250));
        assert_eq!(sizer.size, 800);
        sizer.observe(3, Duration::from_millis(1));
        assert_eq!(sizer.size, 800, "the last short batch does not count");
        let mut tiny = BatchSizer::new(5, &options);
        assert_eq!(tiny.size, options.min_batch);
        tiny.observe(10, Duration::from_secs(10));
        assert_eq!(tiny.size, options.min_batch);
    }
}
