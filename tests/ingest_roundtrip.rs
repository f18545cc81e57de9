//! Round trip: the model of every corpus schema, rendered back to DDL (render::ddl) and read
//! again, gives an equal model.

use std::path::{Path, PathBuf};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

fn check(sql_file: &str) {
    check_at(&corpus(), sql_file);
}

fn check_at(dir: &Path, sql_file: &str) {
    let sql =
        std::fs::read_to_string(dir.join(sql_file)).unwrap_or_else(|e| panic!("{sql_file}: {e}"));
    let first = shiftplan::inspect(sql_file, &sql);
    let script = shiftplan::render::ddl::catalog_script(&first.catalog);
    let second = shiftplan::inspect("rendered.sql", &script);
    let errors: Vec<String> = second
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.to_string())
        .collect();
    assert!(
        errors.is_empty(),
        "{sql_file}: the rendered DDL does not read back:\n{}",
        errors.join("\n")
    );
    let a = shiftplan::render::snapshot::snapshot(&first.catalog);
    let b = shiftplan::render::snapshot::snapshot(&second.catalog);
    let d = shiftplan::render::snapshot::diff(&a, &b);
    assert!(
        d.is_empty(),
        "{sql_file}: snapshots differ after a round trip:\n{}",
        d.join("\n")
    );
    if first.catalog != second.catalog {
        let ja = serde_json::to_value(&first.catalog).unwrap_or_default();
        let jb = serde_json::to_value(&second.catalog).unwrap_or_default();
        let d = shiftplan::render::snapshot::diff(&ja, &jb);
        panic!(
            "{sql_file}: models differ after a round trip:\n{}",
            d.join("\n")
        );
    }
}

#[test]
fn pagila_jsonb() {
    check("pagila/pagila-schema-jsonb.sql");
}

#[test]
fn chinook_dump() {
    check("chinook-postgres/chinook_pg15_schema_dump.sql");
}

#[test]
fn danbooru() {
    check("danbooru/structure.sql");
}

#[test]
fn sakila() {
    check("sakila-postgres/postgres-sakila-schema.sql");
}

#[test]
fn triggerdev_final_schema() {
    check("triggerdev/final_schema.sql");
}

#[test]
fn postgrest_fixture() {
    check("postgrest-fixture/schema.sql");
}

#[test]
fn supabase_platform() {
    check("supabase-platform/schema-15.sql");
}

#[test]
fn pagila_postgresql_18() {
    check("pagila/pagila-schema.sql");
}

#[test]
fn basejump_final_schema() {
    check("basejump-supabase/final_schema.sql");
}

#[test]
fn chinook_hand_written_with_data() {
    check("chinook-postgres/Chinook_PostgreSql.sql");
}

#[test]
fn hand_written_fixtures() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/handwritten");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .expect("fixtures folder")
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().to_string()))
        .filter(|n| n.ends_with(".sql"))
        .collect();
    files.sort();
    assert!(files.iter().any(|f| f == "storage.sql"), "{files:?}");
    for f in files {
        check_at(&dir, &f);
    }
}
