//! The native side of the npm benchmark (tests/npm/bench.js): times `shiftplan::plan` in-process on
//! two schema files, as the benchmark times `plan()` in Node, so both figures come from one run.
//!
//! `cargo run --release -p shiftplan-wasm --example native_plan_timing -- FROM.sql TO.sql RUNS [HINTS.json]`
//! prints `{"steps": S, "times_ms": [t1, t2, ...]}` (one time per run, after one warm-up run).

use std::process::ExitCode;
use std::time::Instant;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (from_path, to_path, runs, hints_path) = match args.as_slice() {
        [from, to, runs] => (from, to, runs, None),
        [from, to, runs, hints] => (from, to, runs, Some(hints)),
        _ => {
            eprintln!("usage: native_plan_timing FROM.sql TO.sql RUNS [HINTS.json]");
            return ExitCode::from(2);
        }
    };
    let read = |path: &str| {
        std::fs::read_to_string(path).map_err(|e| eprintln!("error: cannot read {path}: {e}"))
    };
    let (Ok(from), Ok(to)) = (read(from_path), read(to_path)) else {
        return ExitCode::from(2);
    };
    let Ok(runs) = runs.parse::<usize>() else {
        eprintln!("error: RUNS must be a number, not {runs}");
        return ExitCode::from(2);
    };
    let hints = match hints_path {
        None => shiftplan::Hints::default(),
        Some(path) => {
            let Ok(text) = read(path) else {
                return ExitCode::from(2);
            };
            match shiftplan::Hints::from_json(path, &text) {
                Ok(hints) => hints,
                Err(d) => {
                    eprintln!("{d}");
                    return ExitCode::from(2);
                }
            }
        }
    };
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
    let times: Vec<f64> = (0..runs.max(1))
        .map(|_| {
            let start = Instant::now();
            let result = plan_once();
            let elapsed = start.elapsed().as_secs_f64() * 1000.0;
            drop(result);
            elapsed
        })
        .collect();
    let times: Vec<String> = times.iter().map(|t| format!("{t:.3}")).collect();
    println!(
        "{{\"steps\": {steps}, \"times_ms\": [{}]}}",
        times.join(", ")
    );
    ExitCode::SUCCESS
}
