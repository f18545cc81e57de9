//! The proof on a real PostgreSQL, for every planner fixture of tests/fixtures:
//! 1. load `from` + `seed.sql` rows; apply the steps before contract, exactly as the plan says;
//! 2. between dual_write and contract, run `dual_write.sql` (old-name and new-name writes, each
//!    checked visible in the other shape) in a transaction that is rolled back;
//! 3. run the rollbacks of those steps in reverse: the catalog equals `from` loaded alone and no
//!    row changed (added enum values stay, as the plan's hazard says);
//! 4. apply every step: the catalog equals `to` loaded alone, and no step whose lock does not say
//!    `rewrite` gave a table of its lock a new relfilenode (PostgreSQL rewrote it); each step holds
//!    (pg_locks, before its transaction commits) no table lock stronger than its lock's level, and
//!    names among its relations every table it locks in SHARE UPDATE EXCLUSIVE or stronger.
//!
//! A fixture planned for a newer PostgreSQL than the server's (`options.json`, e.g. 18's NOT NULL
//! NOT VALID) cannot run there: its schemas, rows and writes are proven with the plan for the
//! server's version, and the test says so. Its own shapes are checked by its snapshots, by
//! tests/npm/pg18-syntax.test.js (PostgreSQL 18's parser) and proven on PostgreSQL 18 by
//! tests/npm/pg18-proof.test.js (PGlite).

mod proof_support;

use std::path::{Path, PathBuf};

use proof_support::locks::{check_lock, oids, run_observing_locks};
use proof_support::*;
use shiftplan::{Hints, PlanOptions, Source};
use shiftplan_runner::testing::TestDatabase;

fn fixtures() -> Vec<PathBuf> {
    let root = repo_root().join("tests/fixtures");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("tests/fixtures exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("from.sql").exists() && !p.join("error.txt").exists())
        .collect();
    dirs.sort();
    dirs
}

fn load(db: &TestDatabase, sql: &str) -> Result<(), String> {
    db.execute(sql)
        .map_err(|e| format!("loading SQL: {}", describe(&e)))
}

/// The major version of the server the tests run on.
fn server_major() -> Result<u32, String> {
    let db = TestDatabase::create("proof_version").map_err(|e| e.to_string())?;
    let mut client = db.connect().map_err(|e| e.to_string())?;
    let row = client
        .query_one(
            "SELECT current_setting('server_version_num')::int / 10000",
            &[],
        )
        .map_err(|e| describe(&e))?;
    Ok(row.get::<_, i32>(0) as u32)
}

/// The relfilenode of each of `relations` that is a table or materialized view (a rewrite gives a
/// new one). Sequences are left out: ALTER SEQUENCE gives its one page a new relfilenode, which
/// is instant.
fn relfilenodes(
    client: &mut postgres::Client,
    relations: &[String],
) -> Result<std::collections::BTreeMap<String, u32>, String> {
    let mut out = std::collections::BTreeMap::new();
    for r in relations {
        let row = client
            .query_opt(
                "SELECT pg_relation_filenode(c.oid)::oid FROM pg_class c WHERE c.oid = to_regclass($1) AND c.relkind IN ('r', 'p', 'm')",
                &[r],
            )
            .map_err(|e| format!("relfilenode of {r}: {}", describe(&e)))?;
        if let Some(node) = row.and_then(|row| row.get::<_, Option<u32>>(0)) {
            out.insert(r.clone(), node);
        }
    }
    Ok(out)
}

fn prove(dir: &Path, server: u32, notes: &mut Vec<String>) -> Result<(), String> {
    let read = |n: &str| std::fs::read_to_string(dir.join(n)).ok();
    let from = read("from.sql").unwrap_or_default();
    let to = read("to.sql").unwrap_or_default();
    let hints: Hints = read("hints.json")
        .map(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
        .transpose()?
        .unwrap_or_default();
    let mut options: PlanOptions = read("options.json")
        .map(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
        .transpose()?
        .unwrap_or_default();
    if options.server_version > server {
        notes.push(format!(
            "{}: planned for PostgreSQL {server} instead of {} (the server's version)",
            dir.file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default(),
            options.server_version
        ));
        options.server_version = server;
    }
    let plan = shiftplan::plan(
        Source::new("from.sql", &from),
        Source::new("to.sql", &to),
        &hints,
        &options,
    )
    .map_err(|e| format!("planning failed: {e:?}"))?;

    let expected_from = {
        let db = TestDatabase::create("proof_from").map_err(|e| e.to_string())?;
        load(&db, &from)?;
        snapshot(db.url())?
    };
    let expected_to = {
        let db = TestDatabase::create("proof_to").map_err(|e| e.to_string())?;
        load(&db, &to)?;
        snapshot(db.url())?
    };
    let db = TestDatabase::create("proof_work").map_err(|e| e.to_string())?;
    load(&db, &from)?;
    if let Some(seed) = read("seed.sql") {
        load(&db, &seed).map_err(|e| format!("seed.sql: {e}"))?;
    }
    let tables: Vec<String> = shiftplan::inspect("from.sql", &from)
        .catalog
        .tables
        .keys()
        .map(|t| t.to_string())
        .collect();
    let mut client = db.connect().map_err(|e| e.to_string())?;
    let rows_before = data_checksums(&mut client, &tables)?;

    let early = pre_contract(&plan);
    apply(&mut client, &early).map_err(|e| format!("applying the steps before contract: {e}"))?;
    if let Some(writes) = read("dual_write.sql") {
        let mut tx = client.transaction().map_err(|e| e.to_string())?;
        tx.batch_execute(&writes)
            .map_err(|e| format!("dual_write.sql: {}", describe(&e)))?;
        tx.rollback().map_err(|e| e.to_string())?;
    }
    roll_back(&mut client, &early).map_err(|e| format!("rolling back: {e}"))?;
    let mut after_rollback = snapshot(db.url())?;
    let mut expected = expected_from.clone();
    let enum_values_stay = early.iter().any(|s| {
        s.hazards
            .iter()
            .any(|h| h.code == "enum-value-irreversible")
    });
    if enum_values_stay {
        after_rollback.as_object_mut().map(|o| o.remove("enums"));
        expected.as_object_mut().map(|o| o.remove("enums"));
    }
    let diff = differences(&expected, &after_rollback);
    if !diff.is_empty() {
        return Err(format!(
            "after rollback the catalog is not `from`:\n  {}",
            diff.join("\n  ")
        ));
    }
    let rows_after = data_checksums(&mut client, &tables)?;
    if rows_after != rows_before {
        return Err(format!(
            "rows changed by apply + rollback: {rows_before:?} → {rows_after:?}"
        ));
    }

    for step in plan.steps() {
        let before = relfilenodes(&mut client, &step.lock.relations)?;
        let named = oids(&mut client, &step.lock.relations)?;
        let (held, _) = run_observing_locks(db.url(), &mut client, step)
            .map_err(|e| format!("applying every step: {e}"))?;
        let wrong = check_lock(step, &named, &held);
        if !wrong.is_empty() {
            return Err(format!(
                "locks taken are not those the plan says:\n  {}",
                wrong.join("\n  ")
            ));
        }
        let after = relfilenodes(&mut client, &step.lock.relations)?;
        if step.lock.duration != shiftplan::LockDuration::Rewrite {
            for (relation, node) in &before {
                if after.get(relation).is_some_and(|n| n != node) {
                    return Err(format!(
                        "{} ({}) rewrote {relation} (new relfilenode) but its lock says {:?}",
                        step.id, step.change, step.lock.duration
                    ));
                }
            }
        }
    }
    let diff = differences(&expected_to, &snapshot(db.url())?);
    if !diff.is_empty() {
        return Err(format!(
            "after the whole plan the catalog is not `to`:\n  {}",
            diff.join("\n  ")
        ));
    }
    Ok(())
}

#[test]
fn every_fixture_plan_is_proven_on_postgresql() {
    let dirs = fixtures();
    assert!(dirs.len() >= 20, "fixtures not found");
    let only = std::env::var("PROOF_ONLY").ok();
    let server = server_major().expect("the server's version");
    let mut failures = Vec::new();
    let mut notes = Vec::new();
    let mut proven = 0;
    for dir in &dirs {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        if only.as_ref().is_some_and(|o| !name.contains(o.as_str())) {
            continue;
        }
        match prove(dir, server, &mut notes) {
            Ok(()) => proven += 1,
            Err(e) => failures.push(format!("{name}: {e}")),
        }
    }
    for n in &notes {
        eprintln!("{n}");
    }
    eprintln!(
        "proven on PostgreSQL {server}: {proven}/{}",
        proven + failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Corpus schemas that have a catalog oracle: (schema file, oracle).
fn corpus_with_oracles() -> Vec<(PathBuf, PathBuf)> {
    let root = repo_root().join("tests/corpus");
    let mut out = Vec::new();
    for dir in std::fs::read_dir(&root)
        .expect("tests/corpus exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
    {
        for file in std::fs::read_dir(&dir)
            .into_iter()
            .flatten()
            .filter_map(|e| e.ok().map(|e| e.path()))
        {
            let name = file.to_string_lossy().to_string();
            if let Some(stem) = name.strip_suffix(".catalog.json") {
                let sql = PathBuf::from(format!("{stem}.sql"));
                if sql.exists() {
                    out.push((sql, file.clone()));
                }
            }
        }
    }
    out.sort();
    out
}

#[test]
fn from_nothing_the_plan_recreates_every_corpus_schema_exactly() {
    let corpus = corpus_with_oracles();
    assert!(
        corpus.len() >= 4,
        "corpus schemas with oracles not found in tests/corpus: {corpus:?}"
    );
    let mut failures = Vec::new();
    for (sql_path, oracle_path) in &corpus {
        let sql = std::fs::read_to_string(sql_path).unwrap_or_default();
        let name = sql_path.display().to_string();
        let plan = match shiftplan::plan(
            Source::new("empty.sql", ""),
            Source::new(&name, &sql),
            &Hints::default(),
            &PlanOptions::default(),
        ) {
            Ok(p) => p,
            Err(e) => {
                failures.push(format!("{name}: planning failed: {e:?}"));
                continue;
            }
        };
        let db = TestDatabase::create("proof_corpus").expect("test database");
        let mut client = db.connect().expect("connect");
        let steps: Vec<&shiftplan::Step> = plan.steps().collect();
        if let Err(e) = apply(&mut client, &steps) {
            failures.push(format!("{name}: {e}"));
            continue;
        }
        let oracle: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(oracle_path).unwrap_or_default())
                .expect("oracle JSON");
        let diff = differences(&oracle, &snapshot(db.url()).expect("snapshot"));
        if !diff.is_empty() {
            failures.push(format!(
                "{name}: the catalog differs from its oracle:\n  {}",
                diff.join("\n  ")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
