//! Ingestion speed, as ratios measured in one run:
//! - shiftplan's ingestion (split + recognise + model) of trigger.dev's final_schema.sql and
//!   danbooru's structure.sql beside sqlparser's raw parse of the same statements (already
//!   split, so sqlparser is not charged for splitting). Target: ingestion <= 1.3x raw parse.
//! - scaling: a schema of N renamed copies of trigger.dev's schema (each in its own schemas),
//!   N = 1, 4, 16. Target: linear (16x input <= 18x time).
//!
//! `cargo bench -p shiftplan --bench ingest` (criterion's report), then a summary of the ratios
//! from a separate timing loop in the same process.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;

fn corpus(file: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus")
        .join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The statements of a file, as texts (split by shiftplan's splitter, outside the timing).
fn statements(sql: &str) -> Vec<String> {
    let (stmts, _) = shiftplan::parse::split::split(sql);
    stmts
        .iter()
        .filter(|s| !s.is_meta())
        .map(|s| s.text(sql).to_string())
        .collect()
}

/// sqlparser's parse of every statement (errors included: it does the work up to the error).
fn raw_parse(statements: &[String]) -> usize {
    let dialect = PostgreSqlDialect {};
    let mut ok = 0;
    for s in statements {
        if Parser::parse_sql(&dialect, s).is_ok() {
            ok += 1;
        }
    }
    ok
}

/// The model of a file (its drop is not part of the ingestion time: callers drop it untimed).
fn ingest(sql: &str) -> shiftplan::Inspection {
    shiftplan::inspect("bench.sql", sql)
}

/// N copies of trigger.dev's dump, each copy's objects in schemas of their own.
fn copies(base: &str, n: usize) -> String {
    let mut out = String::with_capacity(base.len() * n + 64 * n);
    for k in 0..n {
        out.push_str(&format!("CREATE SCHEMA s{k};\n"));
        out.push_str(
            &base
                .replace("public.", &format!("s{k}."))
                .replace("triggerdotdev_events", &format!("ev{k}")),
        );
        out.push('\n');
    }
    out
}

/// Fastest of `runs` timings of each closure, the two run alternately so that load from other
/// processes falls on both alike (the minimum is the least disturbed measurement).
fn paired_min<A, B>(
    runs: usize,
    mut a: impl FnMut() -> A,
    mut b: impl FnMut() -> B,
) -> (Duration, Duration) {
    let mut best = (Duration::MAX, Duration::MAX);
    for _ in 0..runs {
        let t = Instant::now();
        let out_a = a();
        best.0 = best.0.min(t.elapsed());
        drop(out_a);
        let t = Instant::now();
        let out_b = b();
        best.1 = best.1.min(t.elapsed());
        drop(out_b);
    }
    best
}

fn main() {
    let trigger = corpus("triggerdev/final_schema.sql");
    let danbooru = corpus("danbooru/structure.sql");
    let trigger_statements = statements(&trigger);
    let danbooru_statements = statements(&danbooru);

    let mut c = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args();

    let mut g = c.benchmark_group("ingest_vs_raw_parse");
    g.bench_function("triggerdev/shiftplan_ingest", |b| {
        b.iter_with_large_drop(|| ingest(black_box(&trigger)))
    });
    g.bench_function("triggerdev/sqlparser_raw_parse", |b| {
        b.iter(|| raw_parse(black_box(&trigger_statements)))
    });
    g.bench_function("danbooru/shiftplan_ingest", |b| {
        b.iter_with_large_drop(|| ingest(black_box(&danbooru)))
    });
    g.bench_function("danbooru/sqlparser_raw_parse", |b| {
        b.iter(|| raw_parse(black_box(&danbooru_statements)))
    });
    g.finish();

    let scaled: Vec<(usize, String)> = [1usize, 4, 16]
        .iter()
        .map(|&n| (n, copies(&trigger, n)))
        .collect();
    let mut g = c.benchmark_group("scaling_triggerdev_copies");
    for (n, sql) in &scaled {
        g.bench_with_input(BenchmarkId::from_parameter(n), sql, |b, sql| {
            b.iter_with_large_drop(|| ingest(black_box(sql)))
        });
    }
    g.finish();
    c.final_summary();

    // The ratios, measured here in one run (fastest of alternating runs).
    let runs = 30;
    let (t_ingest, t_raw) = paired_min(
        runs,
        || black_box(ingest(&trigger)),
        || black_box(raw_parse(&trigger_statements)),
    );
    let (d_ingest, d_raw) = paired_min(
        runs,
        || black_box(ingest(&danbooru)),
        || black_box(raw_parse(&danbooru_statements)),
    );
    println!(
        "summary: triggerdev/final_schema.sql ingest {t_ingest:?}, sqlparser raw parse {t_raw:?}, ratio {:.2}",
        t_ingest.as_secs_f64() / t_raw.as_secs_f64()
    );
    println!(
        "summary: danbooru/structure.sql ingest {d_ingest:?}, sqlparser raw parse {d_raw:?}, ratio {:.2}",
        d_ingest.as_secs_f64() / d_raw.as_secs_f64()
    );
    let one = &scaled[0].1;
    for (n, sql) in &scaled[1..] {
        let (t1, tn) = paired_min(
            if *n >= 16 { 10 } else { 20 },
            || black_box(ingest(one)),
            || black_box(ingest(sql)),
        );
        println!(
            "summary: N=1 {t1:?}; N={n} copies ({} bytes, {} tables) {tn:?}: {:.2}x the N=1 time for {n}x the input",
            sql.len(),
            ingest(sql).catalog.tables.len(),
            tn.as_secs_f64() / t1.as_secs_f64()
        );
    }
}
