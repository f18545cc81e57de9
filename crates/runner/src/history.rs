//! The history: a schema of its own (`shiftplan` by default) holding each plan run on this
//! database (identity, checksum of its JSON, the JSON) and one row per step run.
//!
//! ```text
//! shiftplan.plans      plan_id (FROM->TO fingerprints), from/to fingerprints, checksum, plan (JSON), recorded_at
//! shiftplan.step_runs  id, plan_id, phase, step, action (apply | rollback), attempt, started_at,
//!                      finished_at, duration_ms, outcome, error, backfill_cursor (JSON), rows_affected,
//!                      note (why a row was recorded without running: a transition reverted outside the plan)
//! shiftplan.snapshots  plan_id, phase, action, objects (per-object fingerprints after it), recorded_at
//! ```
//! Outcomes: `running` (a non-transactional step or a backfill under way: its cursor is kept after
//! every batch), `applied`, `rolled_back`, `lock_timeout` (an attempt that timed out and was
//! retried), `failed`, `interrupted` (a run whose runner died; the next run continues from its cursor).
//!
//! A plan whose transition was undone outside it (its reverse plan applied, or the schema put back
//! by hand) gets `rollback` / `rolled_back` rows with a `note` for its applied steps
//! ([`History::mark_reverted`]): like sqlx's `migrate revert` and pgroll's rollback, the history
//! then no longer says it is applied, and `apply` runs it again.

use std::collections::BTreeMap;
use std::time::SystemTime;

use postgres::GenericClient;
use shiftplan::{PhaseName, Plan};

use crate::error::RunError;
use crate::plan_file::LoadedPlan;

/// The history schema's name, quoted for SQL.
#[derive(Debug, Clone)]
pub struct History {
    pub schema: String,
    quoted: String,
}

/// The state of one step, from its latest decisive run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepState {
    Pending,
    /// Started (a backfill or a non-transactional step) and not finished: resumable.
    Partial,
    Applied,
    RolledBack,
}

impl StepState {
    pub fn as_str(self) -> &'static str {
        match self {
            StepState::Pending => "pending",
            StepState::Partial => "partial",
            StepState::Applied => "applied",
            StepState::RolledBack => "rolled_back",
        }
    }
}

/// What the history says about one step.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StepRecord {
    pub state: StepState,
    /// Duration of the run that applied (or rolled back) it, in milliseconds.
    pub duration_ms: Option<i64>,
    /// Attempts that timed out on a lock before it went through.
    pub lock_timeouts: i64,
    pub rows_affected: Option<i64>,
    pub last_error: Option<String>,
    /// The backfill cursor (or the count of statements done) of an unfinished run.
    pub cursor: Option<serde_json::Value>,
    pub finished_at: Option<String>,
    /// Why the latest decisive row was recorded without running the step (a reverted transition).
    pub note: Option<String>,
}

impl History {
    pub fn new(schema: &str) -> History {
        History {
            schema: schema.to_string(),
            quoted: shiftplan::model::quote_ident(schema),
        }
    }

    fn table(&self, name: &str) -> String {
        format!("{}.{name}", self.quoted)
    }

    /// Whether the history schema exists (read-only commands do not create it).
    pub fn exists(&self, client: &mut impl GenericClient) -> Result<bool, RunError> {
        let row = client
            .query_one(
                "SELECT to_regclass($1) IS NOT NULL",
                &[&self.table("step_runs")],
            )
            .map_err(|e| RunError::database("reading the history", &e))?;
        Ok(row.get(0))
    }

    /// Creates the history schema and tables when absent.
    pub fn ensure(&self, client: &mut impl GenericClient) -> Result<(), RunError> {
        let sql = format!(
            "CREATE SCHEMA IF NOT EXISTS {schema};
             CREATE TABLE IF NOT EXISTS {plans} (
               plan_id text PRIMARY KEY,
               from_fingerprint text NOT NULL,
               to_fingerprint text NOT NULL,
               checksum text NOT NULL,
               plan jsonb NOT NULL,
               source text,
               recorded_at timestamptz NOT NULL DEFAULT now()
             );
             CREATE TABLE IF NOT EXISTS {runs} (
               id bigserial PRIMARY KEY,
               plan_id text NOT NULL REFERENCES {plans} (plan_id),
               phase text NOT NULL,
               step text NOT NULL,
               action text NOT NULL CHECK (action IN ('apply', 'rollback')),
               attempt integer NOT NULL DEFAULT 1,
               started_at timestamptz NOT NULL,
               finished_at timestamptz,
               duration_ms bigint,
               outcome text NOT NULL CHECK (outcome IN ('running', 'applied', 'rolled_back', 'lock_timeout', 'failed', 'interrupted')),
               error text,
               backfill_cursor jsonb,
               rows_affected bigint,
               note text
             );
             ALTER TABLE {runs} ADD COLUMN IF NOT EXISTS note text;
             CREATE INDEX IF NOT EXISTS step_runs_plan_step ON {runs} (plan_id, step, id);
             CREATE TABLE IF NOT EXISTS {snapshots} (
               plan_id text NOT NULL REFERENCES {plans} (plan_id),
               phase text NOT NULL,
               action text NOT NULL,
               objects jsonb NOT NULL,
               recorded_at timestamptz NOT NULL DEFAULT now(),
               PRIMARY KEY (plan_id, phase, action)
             );",
            schema = self.quoted,
            plans = self.table("plans"),
            runs = self.table("step_runs"),
            snapshots = self.table("snapshots"),
        );
        client
            .batch_execute(&sql)
            .map_err(|e| RunError::database("creating the history schema", &e))
    }

    /// Records the plan, or checks it is the one recorded under its identity.
    pub fn record_plan(
        &self,
        client: &mut impl GenericClient,
        plan: &LoadedPlan,
    ) -> Result<(), RunError> {
        if let Some(recorded) = self.recorded_checksum(client, &plan.identity)? {
            if recorded != plan.checksum {
                return Err(RunError::BadInput(format!(
                    "{}: error: this plan (checksum {}) differs from the one recorded in the history under the same \
                     fingerprints (checksum {recorded}): it was edited after it was first applied. Apply the recorded \
                     plan, or roll back and plan again",
                    plan.source, plan.checksum
                )));
            }
            return Ok(());
        }
        let json: serde_json::Value = serde_json::from_str(&plan.json)
            .map_err(|e| RunError::BadInput(format!("{}: {e}", plan.source)))?;
        client
            .execute(
                &format!(
                    "INSERT INTO {} (plan_id, from_fingerprint, to_fingerprint, checksum, plan, source) VALUES ($1, $2, $3, $4, $5, $6)",
                    self.table("plans")
                ),
                &[
                    &plan.identity,
                    &plan.plan.from_fingerprint,
                    &plan.plan.to_fingerprint,
                    &plan.checksum,
                    &json,
                    &plan.source,
                ],
            )
            .map_err(|e| RunError::database("recording the plan", &e))?;
        Ok(())
    }

    /// The checksum recorded under an identity, if any.
    pub fn recorded_checksum(
        &self,
        client: &mut impl GenericClient,
        identity: &str,
    ) -> Result<Option<String>, RunError> {
        let row = client
            .query_opt(
                &format!(
                    "SELECT checksum FROM {} WHERE plan_id = $1",
                    self.table("plans")
                ),
                &[&identity],
            )
            .map_err(|e| RunError::database("reading the history", &e))?;
        Ok(row.map(|r| r.get(0)))
    }

    /// Inserts a finished run row (used inside a step's transaction, or alone in autocommit).
    #[allow(clippy::too_many_arguments)]
    pub fn insert_run(
        &self,
        client: &mut impl GenericClient,
        plan_id: &str,
        phase: PhaseName,
        step: &str,
        action: &str,
        attempt: i32,
        started: SystemTime,
        outcome: &str,
        error: Option<&str>,
        rows: Option<i64>,
    ) -> Result<i64, postgres::Error> {
        let row = client.query_one(
            &format!(
                "INSERT INTO {} (plan_id, phase, step, action, attempt, started_at, finished_at, duration_ms, outcome, error, rows_affected)
                 VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $7 <> 'running' THEN clock_timestamp() END,
                         CASE WHEN $7 <> 'running' THEN (extract(epoch FROM clock_timestamp() - $6) * 1000)::bigint END,
                         $7, $8, $9)
                 RETURNING id",
                self.table("step_runs")
            ),
            &[&plan_id, &phase.as_str(), &step, &action, &attempt, &started, &outcome, &error, &rows],
        )?;
        Ok(row.get(0))
    }

    /// Saves a running step's cursor (a backfill's progress, or the statements done).
    pub fn save_cursor(
        &self,
        client: &mut impl GenericClient,
        run_id: i64,
        cursor: &serde_json::Value,
        rows: i64,
    ) -> Result<(), postgres::Error> {
        client.execute(
            &format!(
                "UPDATE {} SET backfill_cursor = $2, rows_affected = $3 WHERE id = $1",
                self.table("step_runs")
            ),
            &[&run_id, cursor, &rows],
        )?;
        Ok(())
    }

    /// Ends a running row with an outcome.
    pub fn finish_run(
        &self,
        client: &mut impl GenericClient,
        run_id: i64,
        outcome: &str,
        error: Option<&str>,
    ) -> Result<(), postgres::Error> {
        client.execute(
            &format!(
                "UPDATE {} SET outcome = $2, error = $3, finished_at = clock_timestamp(),
                        duration_ms = (extract(epoch FROM clock_timestamp() - started_at) * 1000)::bigint
                 WHERE id = $1",
                self.table("step_runs")
            ),
            &[&run_id, &outcome, &error],
        )?;
        Ok(())
    }

    /// Marks the `running` rows of a plan as `interrupted` (their runner died: we hold the lock now)
    /// and returns the latest cursor of each step that had one.
    pub fn take_interrupted(
        &self,
        client: &mut impl GenericClient,
        plan_id: &str,
    ) -> Result<BTreeMap<String, serde_json::Value>, RunError> {
        let rows = client
            .query(
                &format!(
                    "UPDATE {} SET outcome = 'interrupted', finished_at = clock_timestamp(),
                            error = 'the runner stopped before the step finished'
                     WHERE plan_id = $1 AND outcome = 'running' RETURNING step, backfill_cursor",
                    self.table("step_runs")
                ),
                &[&plan_id],
            )
            .map_err(|e| RunError::database("reading the history", &e))?;
        let mut out = BTreeMap::new();
        for row in rows {
            let step: String = row.get(0);
            if let Some(cursor) = row.get::<_, Option<serde_json::Value>>(1) {
                out.insert(step, cursor);
            }
        }
        Ok(out)
    }

    /// The latest cursor of a step's unfinished runs (interrupted, failed or timed out), if its
    /// latest decisive state is not applied.
    pub fn resumable_cursor(
        &self,
        client: &mut impl GenericClient,
        plan_id: &str,
        step: &str,
    ) -> Result<Option<serde_json::Value>, RunError> {
        let row = client
            .query_opt(
                &format!(
                    "SELECT backfill_cursor FROM {} WHERE plan_id = $1 AND step = $2 AND action = 'apply'
                       AND backfill_cursor IS NOT NULL
                       AND id > COALESCE((SELECT max(id) FROM {runs} WHERE plan_id = $1 AND step = $2 AND outcome IN ('applied', 'rolled_back')), 0)
                     ORDER BY id DESC LIMIT 1",
                    self.table("step_runs"),
                    runs = self.table("step_runs")
                ),
                &[&plan_id, &step],
            )
            .map_err(|e| RunError::database("reading the history", &e))?;
        Ok(row.and_then(|r| r.get::<_, Option<serde_json::Value>>(0)))
    }

    /// Each step's record, keyed by step id (steps never run are absent).
    pub fn step_records(
        &self,
        client: &mut impl GenericClient,
        plan_id: &str,
    ) -> Result<BTreeMap<String, StepRecord>, RunError> {
        let rows = client
            .query(
                &format!(
                    "SELECT step, action, outcome, duration_ms, error, backfill_cursor, rows_affected,
                            to_char(finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),
                            to_jsonb(r) ->> 'note'
                     FROM {} r WHERE plan_id = $1 ORDER BY id",
                    self.table("step_runs")
                ),
                &[&plan_id],
            )
            .map_err(|e| RunError::database("reading the history", &e))?;
        let mut out: BTreeMap<String, StepRecord> = BTreeMap::new();
        for row in rows {
            let step: String = row.get(0);
            let action: String = row.get(1);
            let outcome: String = row.get(2);
            let record = out.entry(step).or_insert(StepRecord {
                state: StepState::Pending,
                duration_ms: None,
                lock_timeouts: 0,
                rows_affected: None,
                last_error: None,
                cursor: None,
                finished_at: None,
                note: None,
            });
            match (action.as_str(), outcome.as_str()) {
                (_, "applied") => {
                    record.state = StepState::Applied;
                    record.duration_ms = row.get(3);
                    record.rows_affected = row.get(6);
                    record.finished_at = row.get(7);
                    record.last_error = None;
                    record.cursor = None;
                    record.note = None;
                }
                (_, "rolled_back") => {
                    record.state = StepState::RolledBack;
                    record.duration_ms = row.get(3);
                    record.finished_at = row.get(7);
                    record.last_error = None;
                    record.cursor = None;
                    record.note = row.get(8);
                }
                ("apply", "lock_timeout") => {
                    record.lock_timeouts += 1;
                    record.last_error = row.get(4);
                }
                (action, outcome) => {
                    // running / failed / interrupted: partial when it left a cursor behind.
                    if let Some(cursor) = row.get::<_, Option<serde_json::Value>>(5) {
                        if action == "apply" {
                            record.state = StepState::Partial;
                        }
                        record.cursor = Some(cursor);
                        record.rows_affected = row.get(6);
                    }
                    if outcome != "running" {
                        record.last_error = row.get(4);
                    }
                }
            }
        }
        Ok(out)
    }

    /// Records the steps of a plan that are applied as rolled back, without running anything: its
    /// transition was reverted outside it (`note` says how). Returns how many steps it marked.
    pub fn mark_reverted(
        &self,
        client: &mut impl GenericClient,
        plan_id: &str,
        note: &str,
    ) -> Result<u64, RunError> {
        client
            .execute(
                &format!(
                    "INSERT INTO {runs} (plan_id, phase, step, action, started_at, finished_at, duration_ms, outcome, note)
                     SELECT plan_id, phase, step, 'rollback', clock_timestamp(), clock_timestamp(), 0, 'rolled_back', $2
                     FROM (SELECT DISTINCT ON (step) plan_id, phase, step, outcome, id FROM {runs}
                           WHERE plan_id = $1 AND outcome IN ('applied', 'rolled_back') ORDER BY step, id DESC) latest
                     WHERE outcome = 'applied'
                     ORDER BY id DESC",
                    runs = self.table("step_runs")
                ),
                &[&plan_id, &note],
            )
            .map_err(|e| RunError::database("recording the reverted plan", &e))
    }

    /// The recorded plans that go the other way (`to` → `from`): applying one reverts the other.
    pub fn reverse_plans(
        &self,
        client: &mut impl GenericClient,
        from_fingerprint: &str,
        to_fingerprint: &str,
    ) -> Result<Vec<String>, RunError> {
        let rows = client
            .query(
                &format!(
                    "SELECT plan_id FROM {} WHERE from_fingerprint = $1 AND to_fingerprint = $2 ORDER BY plan_id",
                    self.table("plans")
                ),
                &[&to_fingerprint, &from_fingerprint],
            )
            .map_err(|e| RunError::database("reading the history", &e))?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    /// Records the per-object fingerprints of the live schema after a phase was applied or rolled back.
    pub fn record_snapshot(
        &self,
        client: &mut impl GenericClient,
        plan_id: &str,
        phase: PhaseName,
        action: &str,
        objects: &BTreeMap<String, String>,
    ) -> Result<(), RunError> {
        let json = serde_json::to_value(objects).map_err(|e| RunError::Database(e.to_string()))?;
        client
            .execute(
                &format!(
                    "INSERT INTO {} (plan_id, phase, action, objects) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (plan_id, phase, action) DO UPDATE SET objects = EXCLUDED.objects, recorded_at = now()",
                    self.table("snapshots")
                ),
                &[&plan_id, &phase.as_str(), &action, &json],
            )
            .map_err(|e| RunError::database("recording the schema snapshot", &e))?;
        Ok(())
    }

    /// The per-object fingerprints recorded after a phase was applied.
    pub fn snapshot(
        &self,
        client: &mut impl GenericClient,
        plan_id: &str,
        phase: PhaseName,
    ) -> Result<Option<BTreeMap<String, String>>, RunError> {
        let row = client
            .query_opt(
                &format!(
                    "SELECT objects FROM {} WHERE plan_id = $1 AND phase = $2 AND action = 'apply'",
                    self.table("snapshots")
                ),
                &[&plan_id, &phase.as_str()],
            )
            .map_err(|e| RunError::database("reading the history", &e))?;
        Ok(row.and_then(|r| serde_json::from_value(r.get::<_, serde_json::Value>(0)).ok()))
    }
}

/// The state of each phase of a plan, from its steps' states.
pub fn phase_state(
    plan: &Plan,
    phase: PhaseName,
    records: &BTreeMap<String, StepRecord>,
) -> StepState {
    let Some(phase) = plan.phases.iter().find(|p| p.name == phase) else {
        return StepState::Pending;
    };
    let states: Vec<StepState> = phase
        .steps
        .iter()
        .map(|s| {
            records
                .get(&s.id)
                .map(|r| r.state)
                .unwrap_or(StepState::Pending)
        })
        .collect();
    if states.is_empty() {
        return StepState::Pending;
    }
    if states.iter().all(|s| *s == StepState::Applied) {
        StepState::Applied
    } else if states
        .iter()
        .any(|s| matches!(s, StepState::Applied | StepState::Partial))
    {
        StepState::Partial
    } else if states.contains(&StepState::RolledBack) {
        StepState::RolledBack
    } else {
        StepState::Pending
    }
}
