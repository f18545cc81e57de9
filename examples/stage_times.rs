//! Where planning trigger.dev 400 → final spends its time (minimum of 20 runs per stage).
use std::time::{Duration, Instant};
fn min_of<T>(f: impl Fn() -> T) -> Duration {
    (0..20)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(f());
            t.elapsed()
        })
        .min()
        .unwrap_or_default()
}
fn main() {
    let a = std::fs::read_to_string("target/triggerdev-states/0400.sql")
        .expect("run scripts/triggerdev-states target/triggerdev-states");
    let b = std::fs::read_to_string("target/triggerdev-states/0820.sql").expect("states");
    let hints: shiftplan::Hints = serde_json::from_str(
        &std::fs::read_to_string("benches/triggerdev-400-final.hints.json").unwrap_or_default(),
    )
    .unwrap_or_default();
    let x = shiftplan::inspect("a", &a).catalog;
    let y = shiftplan::inspect("b", &b).catalog;
    let d = shiftplan::diff::diff(&x, &y, &hints).unwrap_or_default();
    let cx = shiftplan::ops::Context {
        from: &x,
        to: &y,
        server_version: 15,
        assume_empty_tables: false,
        rebuilt_enums: &shiftplan::ops::rebuilt_enums(&d.changes),
    };
    println!(
        "parse both   {:?}",
        min_of(|| (shiftplan::inspect("a", &a), shiftplan::inspect("b", &b)))
    );
    println!(
        "diff         {:?}",
        min_of(|| shiftplan::diff::diff(&x, &y, &hints))
    );
    println!(
        "fingerprints {:?}",
        min_of(|| (
            shiftplan::fingerprint::fingerprint(&x),
            shiftplan::fingerprint::fingerprint(&y)
        ))
    );
    println!(
        "object fps   {:?}",
        min_of(|| (
            shiftplan::fingerprint::object_fingerprints(&x),
            shiftplan::fingerprint::object_fingerprints(&y)
        ))
    );
    println!(
        "recipes      {:?}",
        min_of(|| d
            .changes
            .iter()
            .map(|c| shiftplan::ops::steps(c, &cx).map(|v| v.len()).unwrap_or(0))
            .sum::<usize>())
    );
    println!(
        "plan_catalogs {:?}",
        min_of(|| shiftplan::plan::plan_catalogs(&x, &y, &hints, &Default::default()))
    );
}
