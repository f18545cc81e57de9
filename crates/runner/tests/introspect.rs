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

/// A tablespace of the test server's for one test, dropped (with its directory) afterwards.
struct Tablespace<'a> {
    db: &'a TestDatabase,
    name: String,
    dir: PathBuf,
}

impl<'a> Tablespace<'a> {
    /// Creates one in a new directory under the temporary directory, owned by the `postgres` user
    /// when the tests run as root (PostgreSQL takes only a directory its server user owns). `Err`
    /// says why there is none: a server on another machine cannot use a local directory.
    fn create(db: &'a TestDatabase) -> Result<Tablespace<'a>, String> {
        let name = format!("shiftplan_ts_{}", std::process::id());
        let dir = std::env::temp_dir().join(&name);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let root = std::process::Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
        if root {
            let chown = std::process::Command::new("chown")
                .arg("postgres")
                .arg(&dir)
                .status();
            if !chown.is_ok_and(|s| s.success()) {
                return Err(format!("cannot chown {} to postgres", dir.display()));
            }
        }
        let ts = Tablespace { db, name, dir };
        db.execute(&format!(
            "CREATE TABLESPACE {} LOCATION '{}'",
            ts.name,
            ts.dir.display()
        ))
        .map_err(|e| shiftplan_runner::error::describe(&e))?;
        Ok(ts)
    }
}

impl Drop for Tablespace<'_> {
    fn drop(&mut self) {
        reset(self.db);
        let _ = self
            .db
            .execute(&format!("DROP TABLESPACE IF EXISTS {}", self.name));
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Tablespaces of tables, indexes and materialized views (written, or set by pg_dump's
/// `SET default_tablespace`) are read back as the parser has them: the parser's fixtures cannot
/// create a tablespace, so this test makes one on the test server.
#[test]
fn tablespaces_are_read_back_as_the_parser_has_them() {
    let db = TestDatabase::create("introspect_ts").unwrap_or_else(|e| panic!("{e}"));
    let ts = match Tablespace::create(&db) {
        Ok(ts) => ts,
        Err(why) => {
            // Only a server that cannot reach this machine's directories gets here.
            eprintln!("SKIPPED: no tablespace can be created on the test server: {why}");
            return;
        }
    };
    let t = &ts.name;
    let sql = format!(
        "CREATE TABLE public.t (id integer, code text) TABLESPACE {t};\n\
         CREATE INDEX t_code_idx ON public.t USING btree (code) TABLESPACE {t};\n\
         CREATE TABLE public.u (id integer);\n\
         CREATE MATERIALIZED VIEW public.mt TABLESPACE {t} AS\n SELECT t.id\n   FROM public.t;\n\
         CREATE INDEX mt_id_idx ON public.mt USING btree (id) TABLESPACE {t};\n\
         CREATE MATERIALIZED VIEW public.md AS\n SELECT u.id\n   FROM public.u;\n\
         SET default_tablespace = {t};\n\
         CREATE MATERIALIZED VIEW public.ms AS\n SELECT u.id\n   FROM public.u\n  WITH NO DATA;\n\
         CREATE VIEW public.pv AS\n SELECT u.id\n   FROM public.u;\n\
         SET default_tablespace = '';\n"
    );
    let differences = compare(&db, "tablespaces.sql", &sql);
    assert!(differences.is_empty(), "{}", differences.join("\n"));
    // The catalog holds them (not two catalogs that both dropped them).
    let parsed = shiftplan::inspect("tablespaces.sql", &sql).catalog;
    let view = |v: &str| {
        parsed.views[&shiftplan::model::QualifiedName::public(v)]
            .tablespace
            .clone()
    };
    assert_eq!(view("mt").as_deref(), Some(t.as_str()));
    assert_eq!(view("ms").as_deref(), Some(t.as_str()));
    assert_eq!(view("md"), None);
    drop(ts);
}
