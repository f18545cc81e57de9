//! The planner's rename-column plan (tests/fixtures/rename_column) on a 1M-row table while clients of the old and the new application version
//! read and write: no application transaction fails, none waits longer than lock_timeout on our
//! account, and no write of theirs is overwritten with a stale value. (Latency percentiles and the
//! backfill rate against one single UPDATE are measured by `cargo bench --bench backfill_load`.)

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use shiftplan_runner::executor::ExecOptions;
use shiftplan_runner::runner::Target;
use shiftplan_runner::workload::{RenameScenario, migrate_under_load};
use support::*;

const ROWS: i64 = 1_000_000;

#[test]
fn rename_column_on_a_million_rows_under_load_fails_no_application_transaction() {
    let db = shiftplan_runner::testing::TestDatabase::create("load_rename")
        .unwrap_or_else(|e| panic!("{e}"));
    let from =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/rename_column/from.sql");
    db.execute(&std::fs::read_to_string(from).unwrap()).unwrap();
    db.execute(&format!(
        "INSERT INTO public.users SELECT g, 'user ' || g, 'u' || g || '@example.com' FROM generate_series(1, {ROWS}) g; ANALYZE public.users"
    ))
    .unwrap();
    let plan_file = planner_plan("rename_column", "load");
    let plan =
        shiftplan_runner::plan_file::LoadedPlan::read(&plan_file).unwrap_or_else(|e| panic!("{e}"));
    let _ = std::fs::remove_file(&plan_file);
    let steps = plan.plan.steps().count();
    let target = Target {
        database_url: db.url().to_string(),
        history_schema: "shiftplan".into(),
    };
    let exec = ExecOptions::default();
    let scenario = RenameScenario {
        table: "public.users".into(),
        key: "id".into(),
        old_column: "fullname".into(),
        new_column: "name".into(),
        existing_keys: ROWS,
        clients_per_version: 2,
        pause: Duration::from_millis(2),
    };
    let run =
        migrate_under_load(&plan, &target, &exec, &scenario).unwrap_or_else(|e| panic!("{e}"));

    let failures: Vec<&String> = run.clients.iter().flat_map(|c| c.failures.iter()).collect();
    let transactions: u64 = run.clients.iter().map(|c| c.transactions).sum();
    assert!(
        transactions > 1000,
        "the application ran {transactions} transactions"
    );
    assert!(
        failures.is_empty(),
        "{} of {transactions} application transactions failed: {:?}",
        failures.len(),
        &failures[..failures.len().min(5)]
    );
    let worst = run
        .clients
        .iter()
        .flat_map(|c| c.latencies())
        .max()
        .unwrap_or_default();
    // lock_timeout, plus scheduling slack on a shared 2-core machine.
    assert!(
        worst < exec.lock_timeout + Duration::from_secs(1),
        "an application transaction took {worst:?}"
    );
    assert!(
        run.backfill_rows >= ROWS - 50_000,
        "the backfill updated {} rows",
        run.backfill_rows
    );

    // Every row is there under the new name; untouched rows keep their value; rows the
    // application wrote hold one of the values it wrote (never the stale original).
    let mut written: BTreeMap<i64, BTreeSet<String>> = BTreeMap::new();
    let mut inserted = 0usize;
    for client in &run.clients {
        for (key, value) in &client.updated {
            written.entry(*key).or_default().insert(value.clone());
        }
        inserted += client.inserted.len();
    }
    assert_eq!(
        query_i64(&db, "SELECT count(*) FROM public.users"),
        ROWS + inserted as i64
    );
    assert_eq!(
        query_i64(&db, "SELECT count(*) FROM public.users WHERE name IS NULL"),
        0
    );
    let mut client = db.connect().unwrap();
    let rows = client
        .query(
            "SELECT id, name FROM public.users WHERE id <= $1 AND name <> 'user ' || id",
            &[&ROWS],
        )
        .unwrap();
    for row in &rows {
        let (id, name): (i64, String) = (row.get(0), row.get(1));
        assert!(
            written
                .get(&id)
                .is_some_and(|values| values.contains(&name)),
            "row {id} holds {name:?}, which no client wrote"
        );
    }
    for (id, values) in written.iter().filter(|(id, _)| **id <= ROWS).take(2000) {
        let name: String = client
            .query_one("SELECT name FROM public.users WHERE id = $1", &[id])
            .unwrap()
            .get(0);
        assert!(
            values.contains(&name),
            "row {id}: the application's write was overwritten with {name:?}"
        );
    }
    let counts = applied_counts(&db);
    assert!(
        counts.len() == steps && counts.values().all(|c| *c == 1),
        "{counts:?}"
    );
}
