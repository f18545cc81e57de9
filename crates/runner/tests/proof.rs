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

/// The oids of the relations that exist among `relations` (`schema.name` as SQL spells them).
fn oids(
    client: &mut postgres::Client,
    relations: &[String],
) -> Result<std::collections::BTreeSet<u32>, String> {
    let mut out = std::collections::BTreeSet::new();
    for r in relations {
        let row = client
            .query_one("SELECT to_regclass($1)::oid", &[r])
            .map_err(|e| format!("oid of {r}: {}", describe(&e)))?;
        if let Some(oid) = row.get::<_, Option<u32>>(0) {
            out.insert(oid);
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
        let held = run_observing_locks(&mut client, step)
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

/// PostgreSQL's table lock modes, weakest first (the ranks of the conflict table).
const LOCK_MODES: [&str; 8] = [
    "ACCESS SHARE",
    "ROW SHARE",
    "ROW EXCLUSIVE",
    "SHARE UPDATE EXCLUSIVE",
    "SHARE",
    "SHARE ROW EXCLUSIVE",
    "EXCLUSIVE",
    "ACCESS EXCLUSIVE",
];

/// 0 for `NONE`, 1 for ACCESS SHARE ... 8 for ACCESS EXCLUSIVE.
fn lock_rank(level: &str) -> Option<usize> {
    if level == "NONE" {
        return Some(0);
    }
    LOCK_MODES.iter().position(|m| *m == level).map(|p| p + 1)
}

/// The locks a step's statements hold, by relation (oid, and `schema.name` as PostgreSQL quotes
/// it after the step), on
/// tables, partitioned tables, views, materialized views and sequences that existed before the
/// step: the strongest mode of each, read from pg_locks before the step's transaction commits.
/// A non-transactional step's statements each run in a transaction of their own to be observed
/// (what autocommit does), except those that cannot run in one (CONCURRENTLY): those run as they
/// are and are not observed. A `repeat_until_zero_rows` step is observed on its first batch.
fn run_observing_locks(
    client: &mut postgres::Client,
    step: &shiftplan::Step,
) -> Result<std::collections::BTreeMap<u32, (String, String)>, String> {
    const HELD: &str = "SELECT c.oid, quote_ident(n.nspname) || '.' || quote_ident(c.relname), l.mode \
        FROM pg_locks l JOIN pg_class c ON c.oid = l.relation \
        JOIN pg_namespace n ON n.oid = c.relnamespace \
        WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.granted \
          AND c.relkind IN ('r', 'p', 'v', 'm', 'S') \
          AND c.relnamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace) \
          AND c.oid < $1::oid";
    let fail = |s: &str, e: postgres::Error| {
        format!("{} ({}): `{s}`: {}", step.id, step.change, describe(&e))
    };
    // Relations created by the step have oids past every one that existed before it.
    let next_oid: u32 = client
        .query_one("SELECT max(oid)::oid FROM pg_class", &[])
        .map_err(|e| fail("max(oid)", e))?
        .get::<_, u32>(0)
        + 1;
    let mut held = std::collections::BTreeMap::<u32, (String, String)>::new();
    let mut note = |rows: Vec<postgres::Row>| {
        for row in rows {
            let (oid, relation, mode): (u32, String, String) = (row.get(0), row.get(1), row.get(2));
            let mode = mode.strip_suffix("Lock").unwrap_or(&mode).chars().fold(
                String::new(),
                |mut out, c| {
                    if c.is_uppercase() && !out.is_empty() {
                        out.push(' ');
                    }
                    out.push(c.to_ascii_uppercase());
                    out
                },
            );
            let stronger = held
                .get(&oid)
                .is_none_or(|(_, m)| lock_rank(m) < lock_rank(&mode));
            if stronger {
                held.insert(oid, (relation, mode));
            }
        }
    };
    let observed_tx = |client: &mut postgres::Client,
                       statements: &[String]|
     -> Result<(Vec<postgres::Row>, u64), String> {
        let mut tx = client.transaction().map_err(|e| fail("BEGIN", e))?;
        let mut affected = 0;
        for s in statements {
            affected = if statements.len() == 1 {
                tx.execute(s.as_str(), &[]).map_err(|e| fail(s, e))?
            } else {
                tx.batch_execute(s).map_err(|e| fail(s, e))?;
                0
            };
        }
        let rows = tx
            .query(HELD, &[&next_oid])
            .map_err(|e| fail("pg_locks", e))?;
        tx.commit().map_err(|e| fail("COMMIT", e))?;
        Ok((rows, affected))
    };
    if step.repeat_until_zero_rows && step.sql.len() == 1 {
        let (rows, affected) = observed_tx(client, &step.sql)?;
        note(rows);
        if affected > 0 {
            run_statements(client, step, &step.sql)?;
        }
    } else if step.transactional {
        let (rows, _) = observed_tx(client, &step.sql)?;
        note(rows);
    } else {
        for s in &step.sql {
            if s.contains("CONCURRENTLY") {
                client.batch_execute(s).map_err(|e| fail(s, e))?;
            } else {
                let (rows, _) = observed_tx(client, std::slice::from_ref(s))?;
                note(rows);
            }
        }
    }
    Ok(held)
}

/// What the step's `lock` says against what it held (`named`: the oids of the relations its lock
/// names, resolved before it ran, so a renamed relation is still the one named): no relation
/// locked more strongly than the step's level (ACCESS SHARE, which only waits for ACCESS
/// EXCLUSIVE, aside), and every relation it locked in SHARE UPDATE EXCLUSIVE or stronger (modes
/// that make writes, DDL or VACUUM wait) named among its relations. Steps whose hazard says
/// their effect is unknown (statements kept as text) are not held to a lock they cannot know.
fn check_lock(
    step: &shiftplan::Step,
    named: &std::collections::BTreeSet<u32>,
    held: &std::collections::BTreeMap<u32, (String, String)>,
) -> Vec<String> {
    let mut wrong = Vec::new();
    if step.hazards.iter().any(|h| h.code == "unknown-effect") {
        return wrong;
    }
    let declared = lock_rank(&step.lock.level).unwrap_or(0);
    for (oid, (relation, mode)) in held {
        let rank = lock_rank(mode).unwrap_or(0);
        if rank > declared.max(1) {
            wrong.push(format!(
                "{} ({}) holds {mode} on {relation}, but its lock says {} on {:?}",
                step.id, step.change, step.lock.level, step.lock.relations
            ));
        } else if rank >= 4 && !named.contains(oid) {
            wrong.push(format!(
                "{} ({}) holds {mode} on {relation}, which its lock does not name ({:?})",
                step.id, step.change, step.lock.relations
            ));
        }
    }
    wrong
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
