#![allow(dead_code)] // Shared by the proof and plan_cli test crates, which each use part of it.
//! A small executor for the proof tests that follows plan-v1.md's execution rules exactly:
//! a transactional step's statements in one transaction; a non-transactional step's statements
//! one by one in autocommit; a `repeat_until_zero_rows` step's statement again and again (each
//! batch its own transaction) until it affects no row. No history, no retries: a failure fails
//! the test with the step and statement that failed.
//!
//! It repeats, on purpose, what `shiftplan_runner::executor` does: the proof checks the planner's
//! plans against the spec's execution rules, so it must not be able to pass because of a runner
//! bug (or fail because of one). Keep it this small and independent of the runner's code.
//!
//! Catalogs are compared through tests/tools/pg-catalog-snapshot.sql (run by psql).

pub mod locks;

use std::path::{Path, PathBuf};
use std::process::Command;

use postgres::Client;
use shiftplan::{Plan, Step};

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs `statements` the way `step` says (its `sql` or its `rollback`).
pub fn run_statements(
    client: &mut Client,
    step: &Step,
    statements: &[String],
) -> Result<(), String> {
    let fail = |s: &str, e: postgres::Error| {
        format!("{} ({}): `{s}`: {}", step.id, step.change, describe(&e))
    };
    if step.repeat_until_zero_rows && statements.len() == 1 && statements == step.sql.as_slice() {
        let s = &statements[0];
        for _ in 0..1_000_000 {
            let affected = client.execute(s.as_str(), &[]).map_err(|e| fail(s, e))?;
            if affected == 0 {
                return Ok(());
            }
        }
        return Err(format!("{}: the batch never reached 0 rows", step.id));
    }
    if step.transactional {
        let mut tx = client.transaction().map_err(|e| fail("BEGIN", e))?;
        for s in statements {
            tx.batch_execute(s).map_err(|e| fail(s, e))?;
        }
        tx.commit().map_err(|e| fail("COMMIT", e))?;
    } else {
        for s in statements {
            client.batch_execute(s).map_err(|e| fail(s, e))?;
        }
    }
    Ok(())
}

pub fn describe(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{}: {}", db.code().code(), db.message()),
        None => e.to_string(),
    }
}

pub fn apply(client: &mut Client, steps: &[&Step]) -> Result<(), String> {
    for step in steps {
        run_statements(client, step, &step.sql)?;
    }
    Ok(())
}

/// The rollbacks of `steps`, in reverse order.
pub fn roll_back(client: &mut Client, steps: &[&Step]) -> Result<(), String> {
    for step in steps.iter().rev() {
        if !step.reversible {
            return Err(format!("{} ({}) is not reversible", step.id, step.change));
        }
        run_statements(client, step, &step.rollback)?;
    }
    Ok(())
}

pub fn pre_contract(plan: &Plan) -> Vec<&Step> {
    plan.phases
        .iter()
        .filter(|p| p.name != shiftplan::PhaseName::Contract)
        .flat_map(|p| p.steps.iter())
        .collect()
}

/// The catalog snapshot of a database (tests/tools/pg-catalog-snapshot.sql through psql).
pub fn snapshot(url: &str) -> Result<serde_json::Value, String> {
    snapshot_without(url, None)
}

/// The catalog snapshot of a database, leaving out the schema `exclude` (e.g. the runner's history).
pub fn snapshot_without(url: &str, exclude: Option<&str>) -> Result<serde_json::Value, String> {
    let script = repo_root().join("tests/tools/pg-catalog-snapshot.sql");
    let mut psql = Command::new("psql");
    psql.args(["-X", "-q", "-At", "-v", "ON_ERROR_STOP=1"]);
    if let Some(schema) = exclude {
        psql.args(["-v", &format!("exclude=^{schema}$")]);
    }
    let out = psql
        .arg("-f")
        .arg(&script)
        .arg(url)
        .output()
        .map_err(|e| format!("cannot run psql (install the PostgreSQL client): {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "psql failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("snapshot is not JSON: {e}"))
}

/// Where two snapshots differ, one line per difference.
pub fn differences(expected: &serde_json::Value, actual: &serde_json::Value) -> Vec<String> {
    shiftplan::render::snapshot::diff(expected, actual)
}

/// An md5 of every row of every table of `tables`, in a stable order.
pub fn data_checksums(
    client: &mut Client,
    tables: &[String],
) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for t in tables {
        let row = client
            .query_one(&format!("SELECT count(*)::text || ':' || coalesce(md5(string_agg(x::text, '|' ORDER BY x::text)), '') FROM {t} x"), &[])
            .map_err(|e| format!("checksum of {t}: {}", describe(&e)))?;
        out.push((t.clone(), row.get::<_, String>(0)));
    }
    Ok(out)
}
