//! trigger.dev's 820 Prisma migrations, applied in order onto one model, give the model of the
//! schema PostgreSQL holds after running them (final_schema.catalog.json).

mod support;

use shiftplan::render::snapshot::{diff, snapshot};
use support::corpus;

#[test]
fn all_triggerdev_migrations_in_order_give_the_final_catalog() {
    let dir = corpus().join("triggerdev/migrations");
    let migrations = support::triggerdev_migrations();
    assert_eq!(migrations.len(), 820, "the corpus holds 820 migrations");
    let mut catalog = shiftplan::Catalog::default();
    let mut problems = Vec::new();
    for m in &migrations {
        let sql = std::fs::read_to_string(m).expect("readable migration");
        let name = m.strip_prefix(&dir).unwrap_or(m).display().to_string();
        let inspection = shiftplan::parse::inspect_onto(catalog, &name, &sql);
        for d in inspection.diagnostics.iter().filter(|d| d.is_error()) {
            problems.push(d.to_string());
        }
        catalog = inspection.catalog;
    }
    let oracle: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(corpus().join("triggerdev/final_schema.catalog.json"))
            .expect("oracle"),
    )
    .expect("oracle is JSON");
    let differences = diff(&oracle, &snapshot(&catalog));
    assert!(
        problems.is_empty() && differences.is_empty(),
        "{} errors, {} differences:\n{}\n{}",
        problems.len(),
        differences.len(),
        problems.join("\n"),
        differences.join("\n")
    );
}
