//! The native side of the npm benchmark (tests/npm/bench.js): times `shiftplan::plan` in-process on
//! two schema files, as the benchmark times `plan()` in Node, so both figures come from one run.
//!
//! `cargo run --release -p shiftplan-wasm --example native_plan_timing -- FROM.sql TO.sql RUNS`
//! prints `{"runs": N, "median_ms": M, "min_ms": m, "steps": S}`.

use std::process::ExitCode;
use std::time::Instant;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [from_path, to_path, runs] = args.as_slice() else {
        eprintln!("usage: native_plan_timing FROM.sql TO.sql RUNS");
        return ExitCode::from(2);
    };
    let read = |path: &str| std::fs::read_to_string(path).map_err(|e| eprintln!("error: cannot read {path}: {e}"));
    let (Ok(from), Ok(to)) = (read(from_path), read(to_path)) else {
        return ExitCode::from(2);
    };
    let Ok(runs) = runs.parse::<usize>() else {
        eprintln!("error: RUNS must be a number, not {runs}");
        return ExitCode::from(2);
    };
    let hints = shiftplan::Hints::default();
    let options = shiftplan::PlanOptions::default();
    let plan_once = || {
        shiftplan::plan(
            shiftplan::Source::new(from_path, &from),
            shiftplan::Source::new(to_path, &to),
            &hints,
            &options,
        )
    };
    // One warm-up run, which also tells whether the input plans at all.
    let steps = match plan_once() {
        Ok(plan) => plan.steps().count(),
        Err(diagnostics) => {
            for d in diagnostics {
                eprintln!("{d}");
            }
            return ExitCode::from(2);
        }
    };
    let mut times: Vec<f64> = (0..runs.max(1))
        .map(|_| {
            let start = Instant::now();
            let result = plan_once();
            let elapsed = start.elapsed().as_secs_f64() * 1000.0;
            drop(result);
            elapsed
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    let min = times[0];
    println!("{{\"runs\": {}, \"median_ms\": {median:.3}, \"min_ms\": {min:.3}, \"steps\": {steps}}}", times.len());
    ExitCode::SUCCESS
}
