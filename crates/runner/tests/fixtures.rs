//! The hand-written plan fixtures: their fingerprints are those of their schemas as introspected
//! from a real database (`from.sql` applied; then every step applied), so drift checks on them
//! mean something. `UPDATE_FIXTURES=1` rewrites plan.json from plan.in.json when they are stale.

mod support;

/// Every fixture directory with a plan.in.json.
const FIXTURES: &[&str] = &["rename_column"];

use shiftplan::Plan;
use shiftplan_runner::introspect::introspect;
use shiftplan_runner::testing::TestDatabase;
use support::*;

fn fill(fixture: &str) -> String {
    let template = std::fs::read_to_string(fixture_dir(fixture).join("plan.in.json")).unwrap();
    let db = TestDatabase::create("fixture_from").unwrap_or_else(|e| panic!("{e}"));
    db.execute(&from_sql(fixture)).unwrap();
    let mut client = db.connect().unwrap();
    let from = introspect(&mut client, "shiftplan").unwrap();
    // Apply every statement in order, as written (a plain run of the plan).
    let plan: Plan = serde_json::from_str(
        &template
            .replace("\"@FROM_OBJECTS@\"", "{}")
            .replace("\"@TO_OBJECTS@\"", "{}")
            .replace("\"@FROM_COLUMNS@\"", "{}")
            .replace("\"@TO_COLUMNS@\"", "{}")
            .replace("@FROM@", &format!("sha256:{}", "0".repeat(64)))
            .replace("@TO@", &format!("sha256:{}", "0".repeat(64))),
    )
    .unwrap();
    for step in plan.steps() {
        for statement in &step.sql {
            client
                .batch_execute(statement)
                .unwrap_or_else(|e| panic!("{}: {e}", step.id));
        }
    }
    let to = introspect(&mut client, "shiftplan").unwrap();
    let objects =
        |c| serde_json::to_string(&shiftplan::fingerprint::object_fingerprints(c)).unwrap();
    let columns = |c| serde_json::to_string(&shiftplan::fingerprint::column_shapes(c)).unwrap();
    template
        .replace("\"@FROM_OBJECTS@\"", &objects(&from))
        .replace("\"@TO_OBJECTS@\"", &objects(&to))
        .replace("\"@FROM_COLUMNS@\"", &columns(&from))
        .replace("\"@TO_COLUMNS@\"", &columns(&to))
        .replace("@FROM@", &shiftplan::fingerprint::fingerprint(&from))
        .replace("@TO@", &shiftplan::fingerprint::fingerprint(&to))
}

#[test]
fn fixture_fingerprints_are_those_of_their_schemas() {
    for fixture in FIXTURES {
        let expected: Plan = serde_json::from_str(&fill(fixture)).unwrap();
        let path = plan_path(fixture);
        let committed: Option<Plan> = std::fs::read_to_string(&path)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok());
        if committed.as_ref() != Some(&expected) {
            if std::env::var_os("UPDATE_FIXTURES").is_some() {
                std::fs::write(
                    &path,
                    serde_json::to_string_pretty(&expected).unwrap() + "\n",
                )
                .unwrap();
            } else {
                panic!(
                    "{} is stale: run with UPDATE_FIXTURES=1 to rewrite it from plan.in.json",
                    path.display()
                );
            }
        }
        assert_ne!(expected.from_fingerprint, expected.to_fingerprint);
        assert!(
            expected.objects.from.contains_key("table public.users"),
            "{:?}",
            expected.objects.from
        );
        assert!(
            expected
                .objects
                .columns
                .from
                .contains_key("public.users.fullname"),
            "{:?}",
            expected.objects.columns.from
        );
    }
}
