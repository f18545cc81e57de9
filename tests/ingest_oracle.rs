//! Every schema file of the corpus that has a catalog oracle (`*.catalog.json`, made by loading the
//! file into PostgreSQL 15 and reading the catalog with pg-catalog-snapshot.sql) ingests into a
//! model whose snapshot equals the oracle.

use std::path::{Path, PathBuf};

use shiftplan::render::snapshot::{diff, snapshot};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

/// Ingests `sql_file` and compares its snapshot with the oracle beside it. `known` lists the
/// differences that are expected, each with the reason.
fn check(sql_file: &str) {
    check_with_known(sql_file, &[]);
}

fn check_with_known(sql_file: &str, known: &[&str]) {
    let sql_path = corpus().join(sql_file);
    let oracle_path = sql_path.with_extension("catalog.json");
    let sql = std::fs::read_to_string(&sql_path)
        .unwrap_or_else(|e| panic!("{}: {e}", sql_path.display()));
    let oracle: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&oracle_path)
            .unwrap_or_else(|e| panic!("{}: {e}", oracle_path.display())),
    )
    .expect("oracle is JSON");
    let inspection = shiftplan::inspect(sql_file, &sql);
    let errors: Vec<String> = inspection
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.to_string())
        .collect();
    let all = diff(&oracle, &snapshot(&inspection.catalog));
    let differences: Vec<&String> = all
        .iter()
        .filter(|d| !known.iter().any(|k| d.starts_with(k)))
        .collect();
    for k in known {
        assert!(
            all.iter().any(|d| d.starts_with(k)),
            "{sql_file}: `{k}` is listed as a known difference but is not one any more"
        );
    }
    let mut report = String::new();
    for e in &errors {
        report.push_str(&format!("{e}\n"));
    }
    for d in &differences {
        report.push_str(&format!("{d}\n"));
    }
    assert!(
        errors.is_empty() && differences.is_empty(),
        "{sql_file}: {} errors, {} differences from the oracle:\n{report}",
        errors.len(),
        differences.len()
    );
}

#[test]
fn pagila_jsonb_matches_its_catalog() {
    check("pagila/pagila-schema-jsonb.sql");
}

#[test]
fn chinook_dump_matches_its_catalog() {
    check("chinook-postgres/chinook_pg15_schema_dump.sql");
}

#[test]
fn danbooru_matches_its_catalog() {
    check("danbooru/structure.sql");
}

#[test]
fn sakila_matches_its_catalog() {
    // Sakila's views were dumped by a pre-9.0 pg_dump (one line each): the model holds them as
    // PostgreSQL 15's pg_get_viewdef prints them (src/parse/viewdef.rs).
    check("sakila-postgres/postgres-sakila-schema.sql");
}

#[test]
fn triggerdev_final_schema_matches_its_catalog() {
    check("triggerdev/final_schema.sql");
}
