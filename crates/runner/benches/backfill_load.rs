//! Benchmark: the planner's rename-column plan (tests/fixtures/rename_column) on a table of N rows (default 1,000,000;
//! `SHIFTPLAN_BENCH_ROWS`) while 2 clients of the old and 2 of the new application version read and
//! write (70 % reads, 20 % updates, 10 % inserts, 2 ms apart), against the same load without
//! migration; and the backfill rate against one single UPDATE of the whole table.
//!
//! `cargo bench -p shiftplan-runner --bench backfill_load` (a database of its own per measurement,
//! on DATABASE_URL's server or the local one; see `shiftplan_runner::testing`).

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use shiftplan::PhaseName;
use shiftplan_runner::executor::ExecOptions;
use shiftplan_runner::plan_file::LoadedPlan;
use shiftplan_runner::progress::{Progress, ProgressMode};
use shiftplan_runner::runner::{ApplyOptions, Selection, Target, apply};
use shiftplan_runner::testing::TestDatabase;
use shiftplan_runner::workload::{
    AppVersion, RenameScenario, backfill_measure, migrate_under_load, percentile, start_client,
};

fn main() {
    if let Err(e) = run() {
        eprintln!("benchmark failed: {e}");
        std::process::exit(1);
    }
}

fn fixture() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/rename_column")
}

/// The planner's plan for the fixture, as a plan file would hold it.
fn planner_plan() -> Result<LoadedPlan, Box<dyn std::error::Error>> {
    let read = |n: &str| std::fs::read_to_string(fixture().join(n));
    let hints: shiftplan::Hints = serde_json::from_str(&read("hints.json")?)?;
    let plan = shiftplan::plan(
        shiftplan::Source::new("from.sql", &read("from.sql")?),
        shiftplan::Source::new("to.sql", &read("to.sql")?),
        &hints,
        &shiftplan::PlanOptions::default(),
    )
    .map_err(|d| format!("planning failed: {d:?}"))?;
    Ok(LoadedPlan::parse(
        "rename_column plan",
        &serde_json::to_string(&plan)?,
    )?)
}

fn database(name: &str, rows: i64) -> Result<TestDatabase, Box<dyn std::error::Error>> {
    let db = TestDatabase::create(name)?;
    db.execute(&std::fs::read_to_string(fixture().join("from.sql"))?)?;
    db.execute(&format!(
        "INSERT INTO public.users SELECT g, 'user ' || g, 'u' || g || '@example.com' FROM generate_series(1, {rows}) g; \
         ANALYZE public.users; CHECKPOINT"
    ))?;
    Ok(db)
}

fn through(
    plan: &LoadedPlan,
    db: &TestDatabase,
    phase: PhaseName,
    exec: &ExecOptions,
) -> Result<Duration, Box<dyn std::error::Error>> {
    let target = Target {
        database_url: db.url().to_string(),
        history_schema: "shiftplan".into(),
    };
    let options = ApplyOptions::new(Selection::Through(phase), exec.clone());
    let started = Instant::now();
    apply(plan, &target, &options, &Progress::new(ProgressMode::Lines))?;
    Ok(started.elapsed())
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let rows: i64 = std::env::var("SHIFTPLAN_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let clients = 2usize;
    let pause = Duration::from_millis(2);
    let plan = planner_plan()?;
    let exec = ExecOptions::default();

    // 1. The same load with no migration running (both columns exist, the sync trigger is on).
    let baseline_db = database("bench_baseline", rows)?;
    through(&plan, &baseline_db, PhaseName::DualWrite, &exec)?;
    let stop = Arc::new(AtomicBool::new(false));
    let mut handles = Vec::new();
    for (label, column) in [("old", "fullname"), ("new", "name")] {
        for i in 0..clients {
            let version = AppVersion {
                label: label.into(),
                table: "public.users".into(),
                key: "id".into(),
                column: column.into(),
            };
            let seed = i as u64 + if label == "old" { 1 } else { 1001 };
            handles.push(start_client(
                baseline_db.url().to_string(),
                version,
                rows,
                rows * 10 + seed as i64 * 1_000_000,
                pause,
                seed,
                stop.clone(),
            ));
        }
    }
    std::thread::sleep(Duration::from_secs(10));
    stop.store(true, Ordering::Relaxed);
    let baseline: Vec<_> = handles.into_iter().filter_map(|h| h.join().ok()).collect();
    let baseline_latencies: Vec<Duration> = baseline.iter().flat_map(|c| c.latencies()).collect();
    let baseline_failures: usize = baseline.iter().map(|c| c.failures.len()).sum();

    drop(baseline_db);

    // 2. One single UPDATE of the whole table (a fresh table, with the same trigger and index; no load).
    let single_db = database("bench_single", rows)?;
    through(&plan, &single_db, PhaseName::DualWrite, &exec)?;
    let mut client = single_db.connect()?;
    let started = Instant::now();
    let updated = client.execute(
        "UPDATE public.users SET name = fullname WHERE name IS DISTINCT FROM fullname",
        &[],
    )?;
    let single_time = started.elapsed();
    let single_rate = updated as f64 / single_time.as_secs_f64();
    drop(client);
    drop(single_db);

    // 3. The runner's backfill with no load.
    let quiet_db = database("bench_quiet", rows)?;
    through(&plan, &quiet_db, PhaseName::DualWrite, &exec)?;
    through(&plan, &quiet_db, PhaseName::Backfill, &exec)?;
    let quiet_target = Target {
        database_url: quiet_db.url().to_string(),
        history_schema: "shiftplan".into(),
    };
    let (quiet_rows, quiet_time) = backfill_measure(&plan, &quiet_target)?;
    let quiet_rate = quiet_rows as f64 / quiet_time.as_secs_f64();
    drop(quiet_db);

    // 4. The whole plan under load, phase by phase.
    let load_db = database("bench_load", rows)?;
    let target = Target {
        database_url: load_db.url().to_string(),
        history_schema: "shiftplan".into(),
    };
    let scenario = RenameScenario {
        table: "public.users".into(),
        key: "id".into(),
        old_column: "fullname".into(),
        new_column: "name".into(),
        existing_keys: rows,
        clients_per_version: clients,
        pause,
    };
    let run = migrate_under_load(&plan, &target, &exec, &scenario)?;
    let all: Vec<Duration> = run.clients.iter().flat_map(|c| c.latencies()).collect();
    let failures: usize = run.clients.iter().map(|c| c.failures.len()).sum();
    let transactions: u64 = run.clients.iter().map(|c| c.transactions).sum();
    let load_rate = run.backfill_rows as f64 / run.backfill_time.as_secs_f64();
    let over = all.iter().filter(|d| **d > exec.lock_timeout).count();

    println!();
    println!(
        "rename column public.users.fullname -> name, {rows} rows, {clients} old + {clients} new application clients"
    );
    println!(
        "lock_timeout {}, backfill batch time {}",
        ms(exec.lock_timeout),
        ms(exec.batch_time)
    );
    println!();
    println!("application latency           p50        p99        max     transactions  failed");
    println!(
        "  same load, no migration   {:>9}  {:>9}  {:>9}  {:>12}  {:>6}",
        ms(percentile(&baseline_latencies, 0.5)),
        ms(percentile(&baseline_latencies, 0.99)),
        ms(percentile(&baseline_latencies, 1.0)),
        baseline_latencies.len(),
        baseline_failures
    );
    println!(
        "  during the backfill       {:>9}  {:>9}  {:>9}  {:>12}",
        ms(percentile(&run.backfill_latencies, 0.5)),
        ms(percentile(&run.backfill_latencies, 0.99)),
        ms(percentile(&run.backfill_latencies, 1.0)),
        run.backfill_latencies.len()
    );
    println!(
        "  whole migration           {:>9}  {:>9}  {:>9}  {:>12}  {:>6}",
        ms(percentile(&all, 0.5)),
        ms(percentile(&all, 0.99)),
        ms(percentile(&all, 1.0)),
        transactions,
        failures
    );
    println!("  transactions longer than lock_timeout: {over}");
    println!();
    println!(
        "phases under load: {}",
        run.phases
            .iter()
            .map(|(p, d)| format!("{p} {}", ms(*d)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!();
    println!("rates                                    rows/s   vs single UPDATE");
    println!(
        "  single UPDATE of the table (no load)  {single_rate:>9.0}   100 %   ({updated} rows in {})",
        ms(single_time)
    );
    println!(
        "  backfill step, no load                 {quiet_rate:>9.0}   {:>3.0} %   ({quiet_rows} rows in {})",
        quiet_rate / single_rate * 100.0,
        ms(quiet_time)
    );
    println!(
        "  backfill step, under load              {load_rate:>9.0}   {:>3.0} %   ({} rows in {})",
        load_rate / single_rate * 100.0,
        run.backfill_rows,
        ms(run.backfill_time)
    );
    if failures > 0 {
        return Err(format!("{failures} application transactions failed").into());
    }
    Ok(())
}
