//! Planner diagnostics about objects of the schemas (a NOT NULL column without a backfill, a
//! likely rename) point at the definition in the file: `to.sql:line:column`. Positions are a side
//! table of the catalog: they never make catalogs differ nor change a plan.

use shiftplan::{Diagnostic, Hints, PlanOptions, Source};

fn plan(from: &str, to: &str) -> Result<shiftplan::Plan, Vec<Diagnostic>> {
    shiftplan::plan(
        Source::new("from.sql", from),
        Source::new("to.sql", to),
        &Hints::default(),
        &PlanOptions::default(),
    )
}

fn place(d: &Diagnostic) -> String {
    format!(
        "{}:{}:{} {}",
        d.file.as_deref().unwrap_or("-"),
        d.line.unwrap_or(0),
        d.column.unwrap_or(0),
        d.code.as_deref().unwrap_or("-")
    )
}

#[test]
fn not_null_without_backfill_points_at_the_column_definition() {
    let from = "CREATE TABLE users (id bigint PRIMARY KEY);\n";
    let to =
        "-- target\nCREATE TABLE users (\n  id bigint PRIMARY KEY,\n    email text NOT NULL\n);\n";
    let errors = plan(from, to).expect_err("needs a backfill hint");
    let places: Vec<String> = errors.iter().map(place).collect();
    assert_eq!(places, ["to.sql:4:5 not-null-needs-backfill"]);
}

#[test]
fn not_null_added_by_alter_table_points_at_the_clause() {
    let from = "CREATE TABLE users (id bigint PRIMARY KEY);\n";
    let to = "CREATE TABLE users (id bigint PRIMARY KEY);\nALTER TABLE users\n  ADD COLUMN name text,\n  ADD COLUMN email text NOT NULL;\n";
    let errors = plan(from, to).expect_err("needs a backfill hint");
    let places: Vec<String> = errors.iter().map(place).collect();
    assert_eq!(places, ["to.sql:4:3 not-null-needs-backfill"]);
}

#[test]
fn likely_renames_point_at_the_added_table_and_column() {
    let from = "CREATE TABLE users (id bigint PRIMARY KEY, name text);\nCREATE TABLE old_t (a int, b text);\n";
    let to = "CREATE TABLE users (\n  id bigint PRIMARY KEY,\n  full_name text\n);\n\n  CREATE TABLE new_t (a int, b text);\n";
    let plan = plan(from, to).expect("plans");
    let mut places: Vec<String> = plan.diagnostics.iter().map(place).collect();
    places.sort();
    assert_eq!(
        places,
        ["to.sql:3:3 likely-rename", "to.sql:6:3 likely-rename"]
    );
}

#[test]
fn a_likely_rename_with_several_candidates_points_at_the_best_one() {
    let from = "CREATE TABLE users (id bigint PRIMARY KEY, fullname text);\n";
    let to =
        "CREATE TABLE users (\n  id bigint PRIMARY KEY,\n  email text,\n    full_name text\n);\n";
    let plan = plan(from, to).expect("plans");
    let places: Vec<String> = plan.diagnostics.iter().map(place).collect();
    assert_eq!(places, ["to.sql:4:5 likely-rename"]);
}

#[test]
fn positions_follow_renames_across_migrations() {
    let first = shiftplan::inspect("1.sql", "CREATE TABLE a (x int);\n");
    let second = shiftplan::parse::inspect_onto(
        first.catalog,
        "2.sql",
        "ALTER TABLE a RENAME TO b;\nALTER TABLE b RENAME COLUMN x TO y;\nALTER TABLE b ADD COLUMN z int;\n",
    );
    let c = &second.catalog;
    let b = shiftplan::model::QualifiedName::new("public", "b");
    let at = |p: Option<&shiftplan::model::SourcePosition>| {
        p.map(|p| format!("{}:{}:{}", p.file, p.position.line, p.position.column))
    };
    assert_eq!(at(c.sources.table(&b)).as_deref(), Some("1.sql:1:1"));
    assert_eq!(at(c.sources.column(&b, "y")).as_deref(), Some("1.sql:1:17"));
    assert_eq!(at(c.sources.column(&b, "z")).as_deref(), Some("2.sql:3:15"));
    assert_eq!(c.sources.column(&b, "x"), None);
}

#[test]
fn positions_change_neither_equality_nor_the_plan() {
    let from = "CREATE TABLE t (id int PRIMARY KEY);";
    let to_a = "CREATE TABLE t (id int PRIMARY KEY, note text);";
    let to_b = "\n\n-- the same schema, laid out differently\nCREATE TABLE t (\n    id int PRIMARY KEY,\n    note text\n);\n";
    let a = shiftplan::inspect("a.sql", to_a).catalog;
    let b = shiftplan::inspect("b.sql", to_b).catalog;
    assert_eq!(a, b);
    assert_eq!(
        serde_json::to_string(&a).expect("json"),
        serde_json::to_string(&b).expect("json")
    );
    let plan_a = serde_json::to_string(&plan(from, to_a).expect("plans")).expect("json");
    let plan_b = serde_json::to_string(&plan(from, to_b).expect("plans")).expect("json");
    assert_eq!(plan_a, plan_b);
}
