//! The planner's own plans (every fixture of tests/fixtures), applied by the runner through the
//! binary on a database holding the fixture's `from` schema and rows: the drift check passes (the
//! live schema is the plan's `from`), every phase applies, `verify` finds the plan's `to`; and the
//! phases before contract roll back to `from`.

mod support;

use std::path::{Path, PathBuf};

use shiftplan::{Hints, PlanOptions, Source};
use shiftplan_runner::testing::TestDatabase;
use support::*;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixtures() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(repo().join("tests/fixtures"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("from.sql").exists() && !p.join("error.txt").exists())
        .collect();
    dirs.sort();
    dirs
}

/// Applies the fixture's plan with the runner; returns what went wrong, if anything.
fn run(dir: &Path, db: &TestDatabase) -> Result<(), String> {
    let read = |n: &str| std::fs::read_to_string(dir.join(n)).ok();
    let from = read("from.sql").unwrap_or_default();
    let to = read("to.sql").unwrap_or_default();
    let hints: Hints = read("hints.json")
        .map(|t| serde_json::from_str(&t).unwrap())
        .unwrap_or_default();
    let plan = shiftplan::plan(
        Source::new("from.sql", &from),
        Source::new("to.sql", &to),
        &hints,
        &PlanOptions::default(),
    )
    .map_err(|e| format!("planning failed: {e:?}"))?;
    let plan_file = std::env::temp_dir().join(format!("{}-plan.json", db.name()));
    std::fs::write(&plan_file, serde_json::to_string_pretty(&plan).unwrap()).unwrap();
    let plan_path = plan_file.to_str().unwrap();
    db.execute(&from).map_err(|e| format!("from.sql: {e}"))?;
    if let Some(seed) = read("seed.sql") {
        db.execute(&seed).map_err(|e| format!("seed.sql: {e}"))?;
    }
    let check = |args: &[&str], what: &str| -> Result<String, String> {
        let out = shiftplan(args);
        if out.status.code() == Some(0) {
            Ok(format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ))
        } else {
            Err(format!("{what}: {}", text(&out)))
        }
    };
    let has = |phase: &str| plan.phases.iter().any(|p| p.name.as_str() == phase);
    let before_contract = ["expand", "dual_write", "backfill"]
        .into_iter()
        .rfind(|p| has(p));
    if let Some(last) = before_contract {
        check(
            &[
                "apply",
                plan_path,
                "--database-url",
                db.url(),
                "--through",
                last,
                "--progress",
                "lines",
            ],
            "apply before contract",
        )?;
        check(
            &["verify", plan_path, "--database-url", db.url()],
            "verify between phases",
        )?;
        for phase in ["backfill", "dual_write", "expand"]
            .into_iter()
            .filter(|p| has(p))
        {
            check(
                &[
                    "rollback",
                    plan_path,
                    "--database-url",
                    db.url(),
                    "--phase",
                    phase,
                ],
                &format!("rollback {phase}"),
            )?;
        }
        check(
            &["verify", plan_path, "--database-url", db.url()],
            "verify after rollback (the from schema)",
        )?;
    }
    check(
        &[
            "apply",
            plan_path,
            "--database-url",
            db.url(),
            "--through",
            "contract",
            "--progress",
            "lines",
        ],
        "apply through contract",
    )?;
    let verified = check(
        &["verify", plan_path, "--database-url", db.url()],
        "verify after contract",
    )?;
    if plan.steps().next().is_some() && !verified.contains("target schema") {
        return Err(format!("verify compared with something else: {verified}"));
    }
    let _ = std::fs::remove_file(plan_file);
    Ok(())
}

#[test]
fn the_planners_plans_apply_roll_back_and_verify_with_the_runner() {
    let mut failures = Vec::new();
    let fixtures = fixtures();
    assert!(fixtures.len() >= 10, "planner fixtures: {fixtures:?}");
    for dir in &fixtures {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let db = TestDatabase::create(&format!("pp_{name}")).unwrap_or_else(|e| panic!("{e}"));
        if let Err(e) = run(dir, &db) {
            failures.push(format!("{name}: {e}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} fixtures failed:\n{}",
        failures.len(),
        fixtures.len(),
        failures.join("\n\n")
    );
}
