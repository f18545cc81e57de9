//! Shared by the runner's integration tests: fixtures, the `shiftplan` binary, database checks.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use shiftplan_runner::plan_file::LoadedPlan;
use shiftplan_runner::testing::TestDatabase;

pub fn fixture_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The fixture's plan file (`plan.json`, fingerprints filled in from its schemas).
pub fn plan_path(name: &str) -> PathBuf {
    fixture_dir(name).join("plan.json")
}

pub fn from_sql(name: &str) -> String {
    std::fs::read_to_string(fixture_dir(name).join("from.sql")).unwrap()
}

pub fn load_plan(name: &str) -> LoadedPlan {
    LoadedPlan::read(&plan_path(name)).unwrap_or_else(|e| panic!("{e}"))
}

/// A database of its own holding the fixture's `from` schema.
pub fn database_with(name: &str, fixture: &str) -> TestDatabase {
    let db = TestDatabase::create(name).unwrap_or_else(|e| panic!("{e}"));
    db.execute(&from_sql(fixture)).unwrap();
    db
}

/// Runs the `shiftplan` binary.
pub fn shiftplan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_shiftplan"))
        .args(args)
        .env_remove("DATABASE_URL")
        .output()
        .expect("the shiftplan binary runs")
}

pub fn text(output: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

pub fn query_i64(db: &TestDatabase, sql: &str) -> i64 {
    db.connect().unwrap().query_one(sql, &[]).unwrap().get(0)
}

pub fn query_string(db: &TestDatabase, sql: &str) -> String {
    db.connect().unwrap().query_one(sql, &[]).unwrap().get(0)
}

/// Rows of `shiftplan.step_runs` as (step, action, outcome), in order.
pub fn history(db: &TestDatabase) -> Vec<(String, String, String)> {
    db.connect()
        .unwrap()
        .query(
            "SELECT step, action, outcome FROM shiftplan.step_runs ORDER BY id",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect()
}

/// How many `applied` rows each step has.
pub fn applied_counts(db: &TestDatabase) -> std::collections::BTreeMap<String, i64> {
    db.connect()
        .unwrap()
        .query("SELECT step, count(*) FROM shiftplan.step_runs WHERE outcome = 'applied' GROUP BY step", &[])
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
}

/// The planner's plan for one of the repository's fixtures (tests/fixtures/NAME: from.sql, to.sql,
/// hints.json), written to a file of its own.
pub fn planner_plan(fixture: &str, file_tag: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(fixture);
    let read = |n: &str| std::fs::read_to_string(dir.join(n)).ok();
    let hints: shiftplan::Hints = read("hints.json")
        .map(|t| serde_json::from_str(&t).unwrap())
        .unwrap_or_default();
    plan_file(
        &read("from.sql").unwrap(),
        &read("to.sql").unwrap(),
        &hints,
        &format!("{fixture}-{file_tag}"),
    )
}

/// The planner's plan between two SQL texts, written to a file of its own (`tag` names it).
pub fn plan_file(from: &str, to: &str, hints: &shiftplan::Hints, tag: &str) -> PathBuf {
    let plan = shiftplan::plan(
        shiftplan::Source::new("from.sql", from),
        shiftplan::Source::new("to.sql", to),
        hints,
        &shiftplan::PlanOptions::default(),
    )
    .unwrap_or_else(|d| panic!("planning {tag}: {d:?}"));
    let path = std::env::temp_dir().join(format!("shiftplan-{tag}-{}.json", std::process::id()));
    std::fs::write(&path, serde_json::to_string_pretty(&plan).unwrap()).unwrap();
    path
}
