//! An application's workload on a table, for the load test and the benchmark: clients of the old
//! application version (reading and writing the old column) and of the new one (the new column),
//! each running short autocommit transactions, every one timed and every failure kept.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// One application version's view of the table.
#[derive(Debug, Clone)]
pub struct AppVersion {
    /// `old` or `new`, for reports.
    pub label: String,
    pub table: String,
    pub key: String,
    /// The column this version reads and writes.
    pub column: String,
}

/// What a client did.
#[derive(Debug, Clone, Default)]
pub struct ClientReport {
    pub label: String,
    pub transactions: u64,
    /// When each transaction started, and how long it took.
    pub samples: Vec<(Instant, Duration)>,
    pub failures: Vec<String>,
    /// Keys this client inserted, and keys it updated with the value it wrote.
    pub inserted: Vec<i64>,
    pub updated: Vec<(i64, String)>,
}

/// Starts one client: until `stop`, a mix of 70 % reads by key, 20 % updates of the version's
/// column, 10 % inserts (keys from `first_insert_key` up), with `pause` between transactions.
/// Keys read and updated are drawn from `1..=existing_keys`.
pub fn start_client(
    url: String,
    version: AppVersion,
    existing_keys: i64,
    first_insert_key: i64,
    pause: Duration,
    seed: u64,
    stop: Arc<AtomicBool>,
) -> JoinHandle<ClientReport> {
    std::thread::spawn(move || {
        let mut report = ClientReport {
            label: version.label.clone(),
            ..ClientReport::default()
        };
        let mut client = match postgres::Client::connect(&url, postgres::NoTls) {
            Ok(client) => client,
            Err(e) => {
                report.failures.push(format!("connect: {e}"));
                return report;
            }
        };
        let select = format!(
            "SELECT {} FROM {} WHERE {} = $1",
            version.column, version.table, version.key
        );
        let update = format!(
            "UPDATE {} SET {} = $2 WHERE {} = $1",
            version.table, version.column, version.key
        );
        let insert = format!(
            "INSERT INTO {} ({}, {}) VALUES ($1, $2)",
            version.table, version.key, version.column
        );
        let mut state = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407)
            | 1;
        let mut next_random = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut next_insert = first_insert_key;
        let mut n = 0u64;
        while !stop.load(Ordering::Relaxed) {
            n += 1;
            let dice = next_random() % 10;
            let key = (next_random() % existing_keys.max(1) as u64) as i64 + 1;
            let started = Instant::now();
            let result = if dice < 7 {
                client.query_opt(&select, &[&key]).map(|_| ())
            } else if dice < 9 {
                let value = format!("{} app {} #{n}", version.label, seed);
                let result = client.execute(&update, &[&key, &value]).map(|_| ());
                if result.is_ok() {
                    report.updated.push((key, value));
                }
                result
            } else {
                let key = next_insert;
                next_insert += 1;
                let value = format!("{} app {} insert {key}", version.label, seed);
                let result = client.execute(&insert, &[&key, &value]).map(|_| ());
                if result.is_ok() {
                    report.inserted.push(key);
                }
                result
            };
            report.samples.push((started, started.elapsed()));
            report.transactions += 1;
            if let Err(e) = result {
                report.failures.push(crate::error::describe(&e));
            }
            if !pause.is_zero() {
                std::thread::sleep(pause);
            }
        }
        report
    })
}

/// The rows the plan's batched (repeat_until_zero_rows) step updated and the time it took, from
/// the history of its applied run.
pub fn backfill_measure(
    plan: &crate::plan_file::LoadedPlan,
    target: &crate::runner::Target,
) -> Result<(i64, Duration), crate::error::RunError> {
    let batched: Vec<String> = plan
        .plan
        .steps()
        .filter(|s| s.repeat_until_zero_rows)
        .map(|s| s.id.clone())
        .collect();
    let mut client = crate::runner::connect(&target.database_url)?;
    let row = client
        .query_one(
            &format!(
                "SELECT coalesce(sum(rows_affected), 0)::bigint, coalesce(sum(duration_ms), 0)::bigint FROM {}.step_runs
                 WHERE plan_id = $1 AND outcome = 'applied' AND step = ANY($2)",
                shiftplan::model::quote_ident(&target.history_schema)
            ),
            &[&plan.identity, &batched],
        )
        .map_err(|e| crate::error::RunError::database("reading the history", &e))?;
    Ok((
        row.get(0),
        Duration::from_millis(row.get::<_, i64>(1).max(0) as u64),
    ))
}

/// A percentile of some latencies (0.5 for the median).
pub fn percentile(latencies: &[Duration], fraction: f64) -> Duration {
    if latencies.is_empty() {
        return Duration::ZERO;
    }
    let mut sorted = latencies.to_vec();
    sorted.sort();
    let index = ((sorted.len() as f64 - 1.0) * fraction.clamp(0.0, 1.0)).round() as usize;
    sorted.get(index).copied().unwrap_or_default()
}

impl ClientReport {
    pub fn latencies(&self) -> impl Iterator<Item = Duration> + '_ {
        self.samples.iter().map(|(_, d)| *d)
    }
}

/// The result of [`migrate_under_load`].
#[derive(Debug, Clone, Default)]
pub struct MigrationUnderLoad {
    /// Every client's report (old clients stop before contract; new ones start after dual_write).
    pub clients: Vec<ClientReport>,
    /// Latencies of the transactions that ran while the backfill ran (both versions).
    pub backfill_latencies: Vec<Duration>,
    /// Rows the batched backfill step updated, and how long that step took (from the history).
    pub backfill_rows: i64,
    pub backfill_time: Duration,
    /// Wall time of the whole backfill phase (the batched step and the others of the phase).
    pub backfill_phase_time: Duration,
    /// Per phase: name and wall time.
    pub phases: Vec<(String, Duration)>,
}

/// What [`migrate_under_load`] needs to know about the plan: a rename of `old_column` to
/// `new_column` of `table` keyed by `key`, whose plan is `plan`.
#[derive(Debug, Clone)]
pub struct RenameScenario {
    pub table: String,
    pub key: String,
    pub old_column: String,
    pub new_column: String,
    /// Keys `1..=existing_keys` exist.
    pub existing_keys: i64,
    pub clients_per_version: usize,
    pub pause: Duration,
}

/// Applies a rename-column plan phase by phase while clients of both application versions work,
/// as an operator would: old clients throughout expand, dual_write and backfill; new clients from
/// dual_write on; the old ones stop (the deploy) before contract.
pub fn migrate_under_load(
    plan: &crate::plan_file::LoadedPlan,
    target: &crate::runner::Target,
    exec: &crate::executor::ExecOptions,
    scenario: &RenameScenario,
) -> Result<MigrationUnderLoad, crate::error::RunError> {
    use crate::runner::{ApplyOptions, Selection, apply};
    use shiftplan::PhaseName;
    let progress = crate::progress::Progress::new(crate::progress::ProgressMode::Lines);
    let version = |label: &str, column: &str| AppVersion {
        label: label.to_string(),
        table: scenario.table.clone(),
        key: scenario.key.clone(),
        column: column.to_string(),
    };
    let start = |version: AppVersion, index: usize, stop: &Arc<AtomicBool>| {
        let seed = index as u64 + if version.label == "old" { 1 } else { 1001 };
        start_client(
            target.database_url.clone(),
            version,
            scenario.existing_keys,
            scenario.existing_keys * 10 + seed as i64 * 1_000_000,
            scenario.pause,
            seed,
            stop.clone(),
        )
    };
    let stop_old = Arc::new(AtomicBool::new(false));
    let stop_new = Arc::new(AtomicBool::new(false));
    let old: Vec<_> = (0..scenario.clients_per_version)
        .map(|i| start(version("old", &scenario.old_column), i, &stop_old))
        .collect();
    let mut result = MigrationUnderLoad::default();
    let run_phase = |phase: PhaseName,
                     result: &mut MigrationUnderLoad|
     -> Result<Duration, crate::error::RunError> {
        let options = ApplyOptions::new(Selection::Phase(phase), exec.clone());
        let started = Instant::now();
        apply(plan, target, &options, &progress)?;
        let took = started.elapsed();
        result.phases.push((phase.as_str().to_string(), took));
        Ok(took)
    };
    let outcome = (|| {
        std::thread::sleep(Duration::from_millis(500));
        run_phase(PhaseName::Expand, &mut result)?;
        run_phase(PhaseName::DualWrite, &mut result)?;
        Ok::<(), crate::error::RunError>(())
    })();
    let new: Vec<_> = (0..scenario.clients_per_version)
        .map(|i| start(version("new", &scenario.new_column), i, &stop_new))
        .collect();
    let mut backfill_window = (Instant::now(), Instant::now());
    let outcome = outcome.and_then(|()| {
        std::thread::sleep(Duration::from_millis(500));
        backfill_window.0 = Instant::now();
        result.backfill_phase_time = run_phase(PhaseName::Backfill, &mut result)?;
        backfill_window.1 = Instant::now();
        Ok(())
    });
    stop_old.store(true, Ordering::Relaxed);
    let mut clients: Vec<ClientReport> = old.into_iter().filter_map(|h| h.join().ok()).collect();
    let outcome = outcome.and_then(|()| run_phase(PhaseName::Contract, &mut result).map(|_| ()));
    std::thread::sleep(Duration::from_millis(300));
    stop_new.store(true, Ordering::Relaxed);
    clients.extend(new.into_iter().filter_map(|h| h.join().ok()));
    outcome?;
    result.backfill_latencies = clients
        .iter()
        .flat_map(|c| c.samples.iter())
        .filter(|(at, _)| *at >= backfill_window.0 && *at <= backfill_window.1)
        .map(|(_, d)| *d)
        .collect();
    let (rows, time) = backfill_measure(plan, target)?;
    result.backfill_rows = rows;
    result.backfill_time = time;
    result.clients = clients;
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_of_latencies() {
        let l: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&l, 0.5), Duration::from_millis(51));
        assert_eq!(percentile(&l, 0.99), Duration::from_millis(99));
        assert_eq!(percentile(&l, 1.0), Duration::from_millis(100));
        assert_eq!(percentile(&[], 0.5), Duration::ZERO);
    }
}
