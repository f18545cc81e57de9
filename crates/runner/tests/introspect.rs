//! Introspection gives the catalog the parser gives: the SQL of a schema, loaded into a real
//! PostgreSQL and read back by `introspect`, equals `shiftplan::inspect` of the same SQL, object by
//! object. Without that, every real plan would be refused as drift.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use shiftplan_runner::introspect::introspect;
use shiftplan_runner::testing::TestDatabase;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Empties the database: every schema but the system ones, extensions, publications; then `public`.
fn reset(db: &TestDatabase) {
    db.execute(
        "DO $$ DECLARE r record; BEGIN
           FOR r IN SELECT pubname FROM pg_publication LOOP EXECUTE format('DROP PUBLICATION %I', r.pubname); END LOOP;
           FOR r IN SELECT extname FROM pg_extension WHERE extname <> 'plpgsql' LOOP EXECUTE format('DROP EXTENSION %I CASCADE', r.extname); END LOOP;
           FOR r IN SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema' LOOP
             EXECUTE format('DROP SCHEMA %I CASCADE', r.nspname); END LOOP;
           CREATE SCHEMA public; COMMENT ON SCHEMA public IS 'standard public schema';
         END $$",
    )
    .unwrap_or_else(|e| panic!("reset: {}", shiftplan_runner::error::describe(&e)));
}

/// The objects whose JSON differs, with both JSONs.
fn compare(db: &TestDatabase, name: &str, sql: &str) -> Vec<String> {
    let inspection = shiftplan::inspect(name, sql);
    let errors: Vec<_> = inspection
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .collect();
    assert!(errors.is_empty(), "{name}: {errors:?}");
    reset(db);
    db.execute(sql)
        .unwrap_or_else(|e| panic!("{name}: {}", shiftplan_runner::error::describe(&e)));
    let mut client = db.connect().unwrap();
    let live = introspect(&mut client, "shiftplan").unwrap_or_else(|e| panic!("{e}"));
    let mut parsed = inspection.catalog;
    let mut live = live;
    // A function's definition is kept as written by the parser (and rebuilt in pg_dump's form by
    // introspection): its text cannot be compared, the rest of the function can (drift detection
    // compares functions by presence, see drift::compare).
    for f in parsed
        .functions
        .values_mut()
        .chain(live.functions.values_mut())
    {
        f.definition.clear();
    }
    let as_objects = |c: &shiftplan::Catalog| -> BTreeMap<String, serde_json::Value> {
        let v = serde_json::to_value(c).unwrap();
        let mut out = BTreeMap::new();
        for (kind, map) in v.as_object().unwrap() {
            if let Some(map) = map.as_object() {
                for (k, o) in map {
                    out.insert(format!("{kind} {k}"), o.clone());
                }
            }
            // `opaque` objects are kept as SQL text: introspection cannot read them back (see drift::checkable).
        }
        out
    };
    let (a, b) = (as_objects(&parsed), as_objects(&live));
    let mut out = Vec::new();
    for key in a.keys().chain(b.keys().filter(|k| !a.contains_key(*k))) {
        let (pa, lb) = (a.get(key), b.get(key));
        if pa != lb {
            out.push(format!(
                "{name}: {key}\n  parsed: {}\n  live:   {}",
                pa.map(|v| v.to_string()).unwrap_or("-".into()),
                lb.map(|v| v.to_string()).unwrap_or("-".into())
            ));
        }
    }
    if out.is_empty() {
        let (a, b) = (
            shiftplan::fingerprint::object_fingerprints(&parsed),
            shiftplan::fingerprint::object_fingerprints(&live),
        );
        assert!(
            shiftplan_runner::drift::compare(&a, &b).is_empty(),
            "{name}"
        );
    }
    out
}

#[test]
fn introspection_gives_the_catalog_the_parser_gives() {
    let mut all = Vec::new();
    let mut files: Vec<PathBuf> = vec![support::fixture_dir("rename_column").join("from.sql")];
    for entry in std::fs::read_dir(repo().join("tests/fixtures")).unwrap() {
        let dir = entry.unwrap().path();
        for f in ["from.sql", "to.sql"] {
            if dir.join(f).exists() && !dir.join("error.txt").exists() {
                files.push(dir.join(f));
            }
        }
    }
    files.sort();
    // danbooru: a pg_dump of a large real schema (extensions, trigram indexes, expression indexes).
    // sakila: its trigger calls the builtin tsvector_update_trigger unqualified (pg_catalog's).
    // Hand-written DDL whose stored forms PostgreSQL rewrites (expressions, constraint storage,
    // views).
    for f in [
        "tests/fixtures/handwritten/normalisations.sql",
        "tests/fixtures/handwritten/storage.sql",
        // Partitions: each holds its own copy of the parent's keys (named for the partition, with
        // the parent's storage parameters), foreign keys and checks, as pg_constraint shows.
        "tests/fixtures/handwritten/partitions.sql",
        "tests/corpus/danbooru/structure.sql",
        "tests/corpus/sakila-postgres/postgres-sakila-schema.sql",
    ] {
        files.push(repo().join(f));
    }
    let db = TestDatabase::create("introspect").unwrap_or_else(|e| panic!("{e}"));
    for f in files {
        let sql = std::fs::read_to_string(&f).unwrap();
        all.extend(compare(&db, &f.display().to_string(), &sql));
    }
    assert!(
        all.is_empty(),
        "{} differences:\n{}",
        all.len(),
        all.join("\n")
    );
}
