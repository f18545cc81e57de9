//! A real history: trigger.dev's 820 consecutive Prisma migrations (tests/corpus/triggerdev).
//!
//! `scripts/triggerdev-states` replays them on PostgreSQL and keeps, after every migration k, the
//! `pg_dump --schema-only` and the catalog snapshot (tests/tools/pg-catalog-snapshot.sql). This
//! test then walks the history on one database: for each k it plans dump k-1 → dump k (no hints),
//! applies the plan with the runner exactly as an operator would (`apply --through contract`), and
//! compares the database's catalog snapshot with the snapshot of state k. Before applying, it also
//! checks that the runner's drift detection (introspection of the live database) agrees with the
//! plan's `from` (parse of the dump): the two must see the same schema.
//!
//! A migration whose plan is refused (other than for a backfill hint, see `Outcome`), fails, or
//! ends in a different catalog is recorded, and the database is reloaded from dump k so the walk
//! goes on. Every outcome is written to target/triggerdev-history-report.txt; the test fails when
//! fewer migrations are proven than [`PROVEN_AS_THEY_ARE`] / [`PROVEN_IN_ALL`] (raise them as the
//! planner improves), or when drift detection and the plan disagree on any state.

mod proof_support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use proof_support::locks::{check_lock, oids, run_observing_locks};
use proof_support::{differences, repo_root, snapshot_without};
use shiftplan::{Hints, PhaseName, PlanOptions, Source};
use shiftplan_runner::executor::ExecOptions;
use shiftplan_runner::plan_file::LoadedPlan;
use shiftplan_runner::progress::{Progress, ProgressMode};
use shiftplan_runner::runner::{self, ApplyOptions, Selection, Target};
use shiftplan_runner::testing::TestDatabase;

const HISTORY_SCHEMA: &str = "shiftplan";

/// Migrations proven with no hint and default options (the rest add NOT NULL columns without a
/// default, which the planner must refuse without a backfill hint).
const PROVEN_AS_THEY_ARE: usize = 728;
/// Migrations proven in all, counting those planned again with `assume_empty_tables`.
const PROVEN_IN_ALL: usize = 820;

/// The per-state dumps and snapshots, made once and kept under target/ (once per run too: the
/// tests of this file run in parallel, and two replays into one folder would mix).
fn states() -> PathBuf {
    static STATES: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    STATES.get_or_init(make_states).clone()
}

fn make_states() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target"));
    let dir = target.join("triggerdev-states");
    if !dir.join("DONE").exists() {
        let db = TestDatabase::create("triggerdev_states")
            .expect("a PostgreSQL database for the replay");
        let status = Command::new(repo_root().join("scripts/triggerdev-states"))
            .arg(&dir)
            .env("DATABASE_URL", db.url())
            .status()
            .expect("scripts/triggerdev-states runs (bash, psql and pg_dump are needed)");
        assert!(status.success(), "scripts/triggerdev-states failed");
    }
    dir
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Loads a pg_dump file into a fresh database (psql, since dumps hold psql meta-commands).
fn database_at(dump: &Path) -> TestDatabase {
    let db = TestDatabase::create("triggerdev_history").expect("a PostgreSQL database");
    let out = Command::new("psql")
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-f"])
        .arg(dump)
        .arg(db.url())
        .output()
        .expect("psql runs");
    assert!(
        out.status.success(),
        "loading {}: {}",
        dump.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    db
}

/// The catalog snapshot without our history schema.
fn snapshot(url: &str) -> serde_json::Value {
    snapshot_without(url, Some(HISTORY_SCHEMA)).unwrap_or_else(|e| panic!("snapshot: {e}"))
}

/// What became of one migration.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    /// Planned, applied, and the catalog equals the state after the migration.
    Proven,
    /// The planner refused it as the spec says it must (a new NOT NULL column without a default
    /// needs a backfill hint, and the history gives none); planned again with
    /// `assume_empty_tables` (true of these databases), applied, and the catalog is right.
    ProvenAssumingEmpty,
    PlanError(String),
    ApplyError(String),
    CatalogDiffers(String),
}

impl Outcome {
    fn label(&self) -> &'static str {
        match self {
            Outcome::Proven => "proven",
            Outcome::ProvenAssumingEmpty => "proven-assuming-empty-tables",
            Outcome::PlanError(_) => "plan-error",
            Outcome::ApplyError(_) => "apply-error",
            Outcome::CatalogDiffers(_) => "catalog-differs",
        }
    }
}

/// Whether every error is the refusal to add a NOT NULL column without a backfill hint.
fn needs_hint_only(diagnostics: &[shiftplan::Diagnostic]) -> bool {
    let mut errors = diagnostics.iter().filter(|d| d.is_error()).peekable();
    errors.peek().is_some() && errors.all(|d| d.code.as_deref() == Some("not-null-needs-backfill"))
}

fn first_line(text: &str) -> String {
    text.lines()
        .next()
        .unwrap_or("")
        .chars()
        .take(240)
        .collect()
}

/// The plan of migration `k` (state k-1 → state k, no hints), and whether it was planned assuming
/// empty tables: a new NOT NULL column without a default needs a backfill hint, and the history
/// gives none, so the planner must refuse; these databases hold no rows, so such a migration is
/// planned again as the user of an empty database would (`--assume-empty-tables`).
fn plan_migration(
    dir: &Path,
    k: usize,
) -> (Result<shiftplan::Plan, Vec<shiftplan::Diagnostic>>, bool) {
    let from_sql = read(&dir.join(format!("{:04}.sql", k - 1)));
    let to_sql = read(&dir.join(format!("{k:04}.sql")));
    let plan_with = |options: &PlanOptions| {
        shiftplan::plan(
            Source::new(&format!("{:04}.sql", k - 1), &from_sql),
            Source::new(&format!("{k:04}.sql"), &to_sql),
            &Hints::default(),
            options,
        )
    };
    match plan_with(&PlanOptions::default()) {
        Err(diagnostics) if needs_hint_only(&diagnostics) => (
            plan_with(&PlanOptions {
                assume_empty_tables: true,
                ..PlanOptions::default()
            }),
            true,
        ),
        other => (other, false),
    }
}

/// Every step of every migration's plan takes the table locks its plan says (pg_locks, read
/// before the step's transaction commits; see proof_support/locks.rs): 820 real migrations' worth
/// of DDL, applied step by step on one database walking the history.
#[test]
fn triggerdev_history_steps_take_the_locks_they_say() {
    let dir = states();
    let names: Vec<String> = read(&dir.join("names.txt"))
        .lines()
        .map(str::to_string)
        .collect();
    let dump = |k: usize| dir.join(format!("{k:04}.sql"));
    let mut db = database_at(&dump(0));
    let mut wrong: Vec<String> = Vec::new();
    let (mut steps, mut unobserved, mut unplanned, mut failed) = (0usize, 0usize, 0usize, 0usize);
    for (k, name) in (1..=names.len()).zip(&names) {
        // Whether the database is now at state k.
        let mut at_k = true;
        match plan_migration(&dir, k).0 {
            Err(_) => {
                unplanned += 1;
                at_k = false;
            }
            Ok(plan) => {
                let mut client = db.connect().expect("connect");
                for step in plan.steps() {
                    let named = oids(&mut client, &step.lock.relations).expect("oids");
                    match run_observing_locks(db.url(), &mut client, step) {
                        Ok((_, false)) => unobserved += 1,
                        Ok((held, true)) => {
                            steps += 1;
                            wrong.extend(
                                check_lock(step, &named, &held)
                                    .into_iter()
                                    .map(|w| format!("{name}: {w}")),
                            );
                        }
                        Err(_) => {
                            // The history test says why; here the walk goes on from state k.
                            failed += 1;
                            at_k = false;
                            break;
                        }
                    }
                }
            }
        }
        if !at_k {
            db = database_at(&dump(k));
        }
    }
    println!(
        "trigger.dev history: {steps} steps' locks observed, {} wrong; {unobserved} steps with a \
         CONCURRENTLY statement that never waited, so not observed; {unplanned} migrations not \
         planned and {failed} not applied (the history test accounts for those)",
        wrong.len()
    );
    assert!(
        wrong.is_empty(),
        "steps took locks their plans do not say:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn triggerdev_history_plans_apply_to_the_next_state() {
    let dir = states();
    let names: Vec<String> = read(&dir.join("names.txt"))
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(
        names.len(),
        820,
        "scripts/triggerdev-states gives 820 migrations"
    );
    let dump = |k: usize| dir.join(format!("{k:04}.sql"));
    let progress = Progress::new(ProgressMode::Lines);
    let options = ApplyOptions {
        selection: Selection::Through(PhaseName::Contract),
        dry_run: false,
        // The drift check is measured separately below, so that a disagreement between parse and
        // introspection is counted rather than hiding what the plan does.
        force: true,
        no_wait: true,
        backup_command: None,
        exec: ExecOptions::default(),
    };

    let mut db = database_at(&dump(0));
    let mut outcomes: BTreeMap<String, Outcome> = BTreeMap::new();
    let mut drift_agrees = 0usize;
    let mut drift_disagreements: Vec<String> = Vec::new();
    for (k, name) in (1..=names.len()).zip(&names) {
        let (planned, assumed_empty) = plan_migration(&dir, k);
        let outcome = match planned {
            Err(diagnostics) => {
                let error = diagnostics
                    .iter()
                    .find(|d| d.is_error())
                    .map(|d| d.to_string())
                    .unwrap_or_default();
                Outcome::PlanError(first_line(&error))
            }
            Ok(plan) => {
                let target = Target {
                    database_url: db.url().to_string(),
                    history_schema: HISTORY_SCHEMA.into(),
                };
                // Drift detection: does introspection of the live database give the plan's `from`?
                let mut client = db.connect().expect("connect");
                match runner::live_objects(&mut client, &target) {
                    Ok(live) if live == plan.objects.from => drift_agrees += 1,
                    Ok(live) => {
                        let differing: Vec<&String> = plan
                            .objects
                            .from
                            .keys()
                            .chain(live.keys())
                            .filter(|key| plan.objects.from.get(*key) != live.get(*key))
                            .collect();
                        drift_disagreements.push(format!("{name}: {differing:?}"));
                    }
                    Err(e) => {
                        drift_disagreements.push(format!("{name}: introspection failed: {e}"))
                    }
                }
                drop(client);
                let json = serde_json::to_string_pretty(&plan).expect("a plan serialises");
                let loaded = LoadedPlan::parse(&format!("{name}.plan.json"), &json)
                    .expect("our own plan loads");
                let applied = runner::apply(&loaded, &target, &options, &progress);
                // Each migration is its own plan on this database; the same transition can come
                // back later in the history (a column dropped and added again), so the history
                // of the last one must not make the runner take the next for already applied.
                db.execute(&format!("DROP SCHEMA IF EXISTS {HISTORY_SCHEMA} CASCADE"))
                    .expect("drop the history schema");
                match applied {
                    Err(e) => Outcome::ApplyError(first_line(&e.to_string())),
                    Ok(_) => {
                        let expected: serde_json::Value =
                            serde_json::from_str(&read(&dir.join(format!("{k:04}.json"))))
                                .expect("state snapshot is JSON");
                        let diff = differences(&expected, &snapshot(db.url()));
                        match (diff.is_empty(), assumed_empty) {
                            (true, false) => Outcome::Proven,
                            (true, true) => Outcome::ProvenAssumingEmpty,
                            (false, _) => Outcome::CatalogDiffers(first_line(&diff.join("; "))),
                        }
                    }
                }
            }
        };
        if outcome != Outcome::Proven {
            // Go on from the true state after this migration.
            db = database_at(&dump(k));
        }
        outcomes.insert(name.clone(), outcome);
    }

    let proven = outcomes.values().filter(|o| **o == Outcome::Proven).count();
    let proven_assuming_empty = outcomes
        .values()
        .filter(|o| **o == Outcome::ProvenAssumingEmpty)
        .count();
    let mut by_label: BTreeMap<&str, usize> = BTreeMap::new();
    for o in outcomes.values() {
        *by_label.entry(o.label()).or_default() += 1;
    }
    println!(
        "trigger.dev history: {proven}/{n} migrations planned, applied and proven as they are; {} of {n} with the \
         refusals to add NOT NULL columns without a backfill hint planned again assuming empty tables; {by_label:?}",
        proven + proven_assuming_empty,
        n = names.len()
    );
    println!(
        "drift detection agrees with the plan's `from` on {drift_agrees} of {} applied plans",
        drift_agrees + drift_disagreements.len()
    );
    for d in &drift_disagreements {
        println!("  drift disagreement: {d}");
    }

    // Every migration that is not proven as it is, with why.
    let mut report = String::new();
    for (name, outcome) in &outcomes {
        let detail = match outcome {
            Outcome::Proven => continue,
            Outcome::ProvenAssumingEmpty => String::new(),
            Outcome::PlanError(m) | Outcome::ApplyError(m) | Outcome::CatalogDiffers(m) => {
                format!(": {m}")
            }
        };
        report.push_str(&format!("{name} {}{detail}\n", outcome.label()));
    }
    let report_path = dir.with_file_name("triggerdev-history-report.txt");
    std::fs::write(&report_path, &report).expect("write the report");
    println!(
        "every migration not proven as it is: {}",
        report_path.display()
    );
    assert!(
        proven >= PROVEN_AS_THEY_ARE && proven + proven_assuming_empty >= PROVEN_IN_ALL,
        "fewer migrations proven than before ({proven} as they are, {} in all; expected at least \
         {PROVEN_AS_THEY_ARE} and {PROVEN_IN_ALL}):\n{report}",
        proven + proven_assuming_empty
    );
    assert!(
        drift_disagreements.is_empty(),
        "introspection and parse disagree:\n{}",
        drift_disagreements.join("\n")
    );
}
