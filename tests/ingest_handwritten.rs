//! Hand-written DDL (aliases, serial, inline constraints, unnamed constraints and indexes,
//! literal defaults, IN lists, ...) gives the model PostgreSQL itself builds from it, and the same
//! model as pg_dump's spelling of that schema. Each `tests/fixtures/handwritten/X.sql` has beside
//! it `X.catalog.json` (the catalog snapshot of X.sql loaded into PostgreSQL 15) and `X.dump.sql`
//! (pg_dump --schema-only of that database): `scripts/catalog-oracle X.sql X.dump.sql > X.catalog.json`.

use std::path::{Path, PathBuf};

use shiftplan::Catalog;
use shiftplan::render::snapshot::{diff, snapshot};

fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/handwritten");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixtures folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|x| x == "sql") && !p.to_string_lossy().ends_with(".dump.sql")
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no fixtures in {}", dir.display());
    files
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn ingest(path: &Path) -> (Catalog, Vec<String>) {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let inspection = shiftplan::inspect(&name, &read(path));
    let errors = inspection
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.to_string())
        .collect();
    (inspection.catalog, errors)
}

#[test]
fn hand_written_schemas_and_their_dumps_match_postgresql() {
    let mut report = Vec::new();
    for f in fixtures() {
        let oracle: serde_json::Value =
            serde_json::from_str(&read(&f.with_extension("catalog.json"))).expect("oracle is JSON");
        for file in [f.clone(), f.with_extension("dump.sql")] {
            let (catalog, errors) = ingest(&file);
            report.extend(errors);
            for d in diff(&oracle, &snapshot(&catalog)) {
                report.push(format!("{}: {d}", file.display()));
            }
        }
    }
    assert!(
        report.is_empty(),
        "differences from PostgreSQL:\n{}",
        report.join("\n")
    );
}

/// Function bodies and view queries are kept as written, so they differ between spellings;
/// everything else of the model must be equal.
fn without_texts(mut c: Catalog) -> Catalog {
    for f in c.functions.values_mut() {
        f.definition.clear();
    }
    for v in c.views.values_mut() {
        v.definition.clear();
    }
    c
}

#[test]
fn hand_written_and_pg_dump_spellings_give_equal_models() {
    for f in fixtures() {
        let (a, _) = ingest(&f);
        let (b, _) = ingest(&f.with_extension("dump.sql"));
        let (a, b) = (without_texts(a), without_texts(b));
        if a != b {
            let d = diff(
                &serde_json::to_value(&a).unwrap_or_default(),
                &serde_json::to_value(&b).unwrap_or_default(),
            );
            panic!(
                "{}: the two spellings give different models:\n{}",
                f.display(),
                d.join("\n")
            );
        }
    }
}

#[test]
fn hand_written_schemas_round_trip_through_render() {
    for f in fixtures() {
        let (a, _) = ingest(&f);
        let script = shiftplan::render::ddl::catalog_script(&a);
        let again = shiftplan::inspect("rendered.sql", &script);
        let errors: Vec<String> = again
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.to_string())
            .collect();
        assert!(
            errors.is_empty(),
            "{}: rendered DDL does not read back:\n{}\n{script}",
            f.display(),
            errors.join("\n")
        );
        if again.catalog != a {
            let d = diff(
                &serde_json::to_value(&a).unwrap_or_default(),
                &serde_json::to_value(&again.catalog).unwrap_or_default(),
            );
            panic!(
                "{}: models differ after a round trip:\n{}",
                f.display(),
                d.join("\n")
            );
        }
    }
}

/// `USING INDEX TABLESPACE` of a constraint is kept, written or set by pg_dump's
/// `SET default_tablespace`, left out of pg_get_constraintdef's text (the oracle's), and rendered
/// back. (Fixtures loaded into PostgreSQL cannot create tablespaces, so this one is checked here.)
#[test]
fn a_constraint_index_tablespace_is_kept_and_rendered() {
    let sql = "CREATE TABLE t (id int, code text, \
        CONSTRAINT t_pkey PRIMARY KEY (id) WITH (fillfactor=90) USING INDEX TABLESPACE fast, \
        CONSTRAINT t_code_key UNIQUE (code) USING INDEX TABLESPACE pg_default);\n\
        CREATE TABLE u (id int NOT NULL);\n\
        SET default_tablespace = archive;\n\
        ALTER TABLE ONLY u ADD CONSTRAINT u_pkey PRIMARY KEY (id);\n\
        SET default_tablespace = '';\n\
        ALTER TABLE ONLY u ADD CONSTRAINT u_id_key UNIQUE (id);\n";
    let inspection = shiftplan::inspect("ts.sql", sql);
    assert!(!inspection.has_errors(), "{:?}", inspection.diagnostics);
    let c = &inspection.catalog;
    let ts = |t: &str, n: &str| {
        c.tables[&shiftplan::model::QualifiedName::public(t)].constraints[n]
            .index_tablespace
            .clone()
    };
    assert_eq!(ts("t", "t_pkey").as_deref(), Some("fast"));
    assert_eq!(
        ts("t", "t_code_key"),
        None,
        "pg_default is the database's default"
    );
    assert_eq!(ts("u", "u_pkey").as_deref(), Some("archive"));
    assert_eq!(ts("u", "u_id_key"), None);
    let snap = snapshot(c);
    assert_eq!(
        snap["tables"]["public.t"]["constraints"]["t_pkey"],
        "PRIMARY KEY (id)"
    );
    let script = shiftplan::render::ddl::catalog_script(c);
    assert!(
        script.contains("USING INDEX TABLESPACE fast")
            && script.contains("USING INDEX TABLESPACE archive"),
        "{script}"
    );
    let again = shiftplan::inspect("rendered.sql", &script);
    assert_eq!(again.catalog.tables, c.tables, "{script}");
}

/// A trigger's function written without a schema is found as PostgreSQL's search_path finds it:
/// pg_catalog first unless the path places it later, then the schemas of the path holding a
/// function of that name, else the default schema (a function defined outside this input).
#[test]
fn an_unqualified_trigger_function_resolves_like_the_search_path() {
    let function = |sql: &str| {
        let inspection = shiftplan::inspect("trg.sql", sql);
        assert!(!inspection.has_errors(), "{:?}", inspection.diagnostics);
        inspection.catalog.tables[&shiftplan::model::QualifiedName::public("t")].triggers["tr"]
            .function
            .to_string()
    };
    let table = "CREATE TABLE t (id int, doc tsvector, title text);\n";
    let builtin = "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW \
        EXECUTE FUNCTION tsvector_update_trigger(doc, 'pg_catalog.english', title);\n";
    let own = "CREATE FUNCTION public.tsvector_update_trigger() RETURNS trigger \
        LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;\n";
    // The builtin, with pg_catalog implicitly first.
    assert_eq!(
        function(&format!("{table}{builtin}")),
        "pg_catalog.tsvector_update_trigger"
    );
    // pg_dump's empty search_path: still pg_catalog.
    assert_eq!(
        function(
            &format!(
                "SELECT pg_catalog.set_config('search_path', '', false);\n\
             CREATE TABLE public.t (id int, doc tsvector, title text);\n{builtin}"
            )
            .replace(" ON t ", " ON public.t ")
        ),
        "pg_catalog.tsvector_update_trigger"
    );
    // A public function of the same name loses to pg_catalog when pg_catalog is implicit...
    assert_eq!(
        function(&format!("{table}{own}{builtin}")),
        "pg_catalog.tsvector_update_trigger"
    );
    // ... and wins when the path puts pg_catalog after public (sakila's `public, pg_catalog`).
    assert_eq!(
        function(&format!(
            "SET search_path = public, pg_catalog;\n{table}{own}{builtin}"
        )),
        "public.tsvector_update_trigger"
    );
    // A function not defined here and not a builtin: the default schema.
    assert_eq!(
        function(&format!(
            "{table}CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION touch();\n"
        )),
        "public.touch"
    );
}

/// `TABLESPACE` of CREATE TABLE and CREATE INDEX is kept, written or set by pg_dump's
/// `SET default_tablespace` (a partition takes its parent's when it names none), left out of
/// pg_get_indexdef's text (the oracle's) and of the JSON when None, and rendered back.
#[test]
fn table_and_index_tablespaces_are_kept_and_rendered() {
    let sql = "CREATE TABLE t (id int, code text) TABLESPACE fast;\n\
        CREATE INDEX t_code_idx ON t (code) WITH (fillfactor=80) TABLESPACE fast WHERE code <> '';\n\
        CREATE TABLE d (id int) TABLESPACE pg_default;\n\
        CREATE INDEX d_id_idx ON d (id) TABLESPACE pg_default;\n\
        CREATE TABLE p (id int) PARTITION BY RANGE (id) TABLESPACE fast;\n\
        CREATE TABLE p1 PARTITION OF p FOR VALUES FROM (0) TO (10);\n\
        CREATE MATERIALIZED VIEW mt TABLESPACE fast AS SELECT t.id FROM t;\n\
        CREATE MATERIALIZED VIEW md TABLESPACE pg_default AS SELECT t.id FROM t;\n\
        SET default_tablespace = archive;\n\
        CREATE TABLE u (id int);\n\
        CREATE INDEX u_id_idx ON u USING btree (id);\n\
        CREATE MATERIALIZED VIEW mu AS SELECT u.id FROM u WITH NO DATA;\n\
        CREATE VIEW pv AS SELECT u.id FROM u;\n\
        SET default_tablespace = '';\n\
        CREATE TABLE v (id int);\n\
        CREATE INDEX v_id_idx ON v USING btree (id);\n\
        CREATE MATERIALIZED VIEW mv AS SELECT v.id FROM v;\n";
    let inspection = shiftplan::inspect("ts.sql", sql);
    assert!(!inspection.has_errors(), "{:?}", inspection.diagnostics);
    let c = &inspection.catalog;
    let table = |t: &str| &c.tables[&shiftplan::model::QualifiedName::public(t)];
    let ts = |t: &str| table(t).tablespace.clone();
    let its = |t: &str, i: &str| table(t).indexes[i].tablespace.clone();
    assert_eq!(ts("t").as_deref(), Some("fast"));
    assert_eq!(its("t", "t_code_idx").as_deref(), Some("fast"));
    assert_eq!(ts("d"), None, "pg_default is the database's default");
    assert_eq!(its("d", "d_id_idx"), None);
    assert_eq!(
        ts("p1").as_deref(),
        Some("fast"),
        "a partition takes its parent's"
    );
    assert_eq!(ts("u").as_deref(), Some("archive"));
    assert_eq!(its("u", "u_id_idx").as_deref(), Some("archive"));
    assert_eq!(ts("v"), None);
    assert_eq!(its("v", "v_id_idx"), None);
    let vts = |v: &str| {
        c.views[&shiftplan::model::QualifiedName::public(v)]
            .tablespace
            .clone()
    };
    assert_eq!(vts("mt").as_deref(), Some("fast"));
    assert_eq!(vts("md"), None, "pg_default is the database's default");
    assert_eq!(
        vts("mu").as_deref(),
        Some("archive"),
        "SET default_tablespace applies to materialized views"
    );
    assert_eq!(vts("pv"), None, "a plain view has no tablespace");
    assert_eq!(vts("mv"), None);
    let snap = snapshot(c);
    assert_eq!(
        snap["tables"]["public.t"]["indexes"]["t_code_idx"],
        "CREATE INDEX t_code_idx ON public.t USING btree (code) WITH (fillfactor='80') \
         WHERE (code <> ''::text)"
    );
    let json = serde_json::to_value(c).unwrap();
    assert_eq!(json["tables"]["public.t"]["tablespace"], "fast");
    assert!(json["tables"]["public.v"].get("tablespace").is_none());
    assert_eq!(json["views"]["public.mu"]["tablespace"], "archive");
    assert!(json["views"]["public.mv"].get("tablespace").is_none());
    assert!(json["views"]["public.pv"].get("tablespace").is_none());
    assert!(
        json["tables"]["public.v"]["indexes"]["v_id_idx"]
            .get("tablespace")
            .is_none()
    );
    let script = shiftplan::render::ddl::catalog_script(c);
    assert!(
        script.contains("TABLESPACE fast WHERE") && script.contains(") TABLESPACE archive"),
        "{script}"
    );
    let again = shiftplan::inspect("rendered.sql", &script);
    assert!(!again.has_errors(), "{:?}", again.diagnostics);
    assert_eq!(again.catalog.tables, c.tables, "{script}");
    assert!(
        script.contains("CREATE MATERIALIZED VIEW public.mu TABLESPACE archive AS"),
        "{script}"
    );
    assert_eq!(again.catalog.views, c.views, "{script}");
}

/// `ALTER TABLE ... SET TABLESPACE` and `ALTER INDEX ... SET TABLESPACE` move what the model
/// holds (an index, or a constraint's index).
#[test]
fn set_tablespace_moves_tables_and_indexes() {
    let sql = "CREATE TABLE t (id int PRIMARY KEY, code text);\n\
        CREATE INDEX t_code_idx ON t (code);\n\
        ALTER TABLE t SET TABLESPACE fast;\n\
        ALTER INDEX t_code_idx SET TABLESPACE fast;\n\
        ALTER INDEX t_pkey SET TABLESPACE archive NOWAIT;\n\
        CREATE MATERIALIZED VIEW m AS SELECT t.id FROM t;\n\
        CREATE MATERIALIZED VIEW n AS SELECT t.id FROM t;\n\
        ALTER MATERIALIZED VIEW m SET TABLESPACE fast;\n\
        ALTER TABLE n SET TABLESPACE archive NOWAIT;\n";
    let inspection = shiftplan::inspect("ts.sql", sql);
    assert!(!inspection.has_errors(), "{:?}", inspection.diagnostics);
    let t = &inspection.catalog.tables[&shiftplan::model::QualifiedName::public("t")];
    assert_eq!(t.tablespace.as_deref(), Some("fast"));
    assert_eq!(t.indexes["t_code_idx"].tablespace.as_deref(), Some("fast"));
    assert_eq!(
        t.constraints["t_pkey"].index_tablespace.as_deref(),
        Some("archive")
    );
    let view = |c: &shiftplan::Catalog, v: &str| {
        c.views[&shiftplan::model::QualifiedName::public(v)]
            .tablespace
            .clone()
    };
    assert_eq!(view(&inspection.catalog, "m").as_deref(), Some("fast"));
    assert_eq!(
        view(&inspection.catalog, "n").as_deref(),
        Some("archive"),
        "ALTER TABLE moves a materialized view too (PostgreSQL accepts it)"
    );
    let back = shiftplan::inspect(
        "back.sql",
        &format!(
            "{sql}ALTER TABLE t SET TABLESPACE pg_default;\n\
             ALTER MATERIALIZED VIEW IF EXISTS m SET TABLESPACE pg_default;\n"
        ),
    );
    assert!(!back.has_errors(), "{:?}", back.diagnostics);
    let t = &back.catalog.tables[&shiftplan::model::QualifiedName::public("t")];
    assert_eq!(t.tablespace, None);
    assert_eq!(view(&back.catalog, "m"), None);
    // A plain view has no tablespace: PostgreSQL refuses to move one, and so does the parser.
    let plain = shiftplan::inspect(
        "plain.sql",
        "CREATE VIEW pv AS SELECT 1 AS x;\nALTER VIEW pv SET TABLESPACE fast;\n",
    );
    assert!(plain.has_errors(), "{:?}", plain.diagnostics);
    // `ALL IN TABLESPACE` moves are not part of the model: ignored with that reason.
    let all = shiftplan::inspect(
        "all.sql",
        "ALTER MATERIALIZED VIEW ALL IN TABLESPACE fast SET TABLESPACE archive;\n",
    );
    assert!(!all.has_errors(), "{:?}", all.diagnostics);
}
