//! Planning trigger.dev's schema after its first 400 migrations → its final state (820), beside
//! ingestion of the same two files, in one run (ratios, not absolute times, are what to compare).
//!
//! The two dumps come from `scripts/triggerdev-states target/triggerdev-states` (pg_dump of each
//! state of the migration history; needs PostgreSQL once, then cached under target/).
//! Quick run: `cargo bench -p shiftplan --bench plan_triggerdev -- --warm-up-time 1 --measurement-time 3`.
//! `PLAN_TRIGGERDEV_FROM` / `PLAN_TRIGGERDEV_TO` name other dumps of the same pair (scripts/bench-migra
//! passes the dumps of the two databases it gives migra, so both tools see exactly the same pair).

use std::path::{Path, PathBuf};

use criterion::{Criterion, black_box, criterion_group, criterion_main};
use shiftplan::{Hints, PlanOptions, Source};

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}. Generate the trigger.dev states first: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres scripts/triggerdev-states target/triggerdev-states",
            path.display()
        )
    })
}

fn bench(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/triggerdev-states");
    let last = std::fs::read_to_string(root.join("names.txt"))
        .map(|t| t.lines().count())
        .unwrap_or(820);
    let dump = |var: &str, default: PathBuf| {
        read(&std::env::var_os(var).map(PathBuf::from).unwrap_or(default))
    };
    let before = dump("PLAN_TRIGGERDEV_FROM", root.join("0400.sql"));
    let after = dump("PLAN_TRIGGERDEV_TO", root.join(format!("{last:04}.sql")));
    // New NOT NULL columns without a default need a value for old rows: the hints say which.
    let hints: Hints = serde_json::from_str(&read(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/triggerdev-400-final.hints.json"),
    ))
    .unwrap_or_else(|e| panic!("benches/triggerdev-400-final.hints.json: {e}"));
    let options = PlanOptions::default();
    let plan = shiftplan::plan(
        Source::new("0400.sql", &before),
        Source::new("final.sql", &after),
        &hints,
        &options,
    )
    .unwrap_or_else(|e| panic!("planning failed: {e:?}"));
    eprintln!(
        "plan 0400 → {last:04}: {} steps, safety {}",
        plan.steps().count(),
        plan.safety.as_str()
    );
    let mut group = c.benchmark_group("triggerdev");
    group.sample_size(20);
    group.bench_function("ingest both files", |b| {
        b.iter(|| {
            let a = shiftplan::inspect("0400.sql", black_box(&before));
            let z = shiftplan::inspect("final.sql", black_box(&after));
            (a.catalog.tables.len(), z.catalog.tables.len())
        })
    });
    group.bench_function("plan 400 → final", |b| {
        b.iter(|| {
            shiftplan::plan(
                Source::new("0400.sql", black_box(&before)),
                Source::new("final.sql", black_box(&after)),
                &hints,
                &options,
            )
            .map(|p| p.steps().count())
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
