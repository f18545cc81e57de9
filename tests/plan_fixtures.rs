//! Data-driven snapshots of the planner: every directory of tests/fixtures is one case
//! (`from.sql`, `to.sql`, optional `hints.json`), checked against `plan.json`, `plan.sql` and
//! `plan.md` beside it, or `error.txt` when planning must fail. `UPDATE_EXPECT=1` rewrites them.

use std::path::{Path, PathBuf};

use shiftplan::{Hints, PlanOptions, Source};

fn fixtures() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("tests/fixtures exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("from.sql").exists())
        .collect();
    dirs.sort();
    dirs
}

/// Compares `actual` with the file, or writes it under UPDATE_EXPECT. Returns a failure message.
fn expect_file(path: &Path, actual: &str) -> Option<String> {
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(path, actual).expect("write snapshot");
        return None;
    }
    let expected = std::fs::read_to_string(path).unwrap_or_default();
    (expected != actual).then(|| {
        let line = expected.lines().zip(actual.lines()).position(|(a, b)| a != b).map_or(
            expected.lines().count().min(actual.lines().count()) + 1,
            |n| n + 1,
        );
        format!("{} differs from the plan (first at line {line}); run with UPDATE_EXPECT=1 if the change is intended", path.display())
    })
}

/// Plans one fixture and checks its snapshots.
fn check(dir: &Path) -> Vec<String> {
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).ok();
    let from = read("from.sql").unwrap_or_default();
    let to = read("to.sql").unwrap_or_default();
    let hints: Hints = match read("hints.json") {
        Some(text) => match serde_json::from_str(&text) {
            Ok(h) => h,
            Err(e) => return vec![format!("{}: bad hints.json: {e}", dir.display())],
        },
        None => Hints::default(),
    };
    // options.json: planner options (e.g. {"server_version": 11}); PostgreSQL 15 by default.
    let options: PlanOptions = match read("options.json") {
        Some(text) => match serde_json::from_str(&text) {
            Ok(o) => o,
            Err(e) => return vec![format!("{}: bad options.json: {e}", dir.display())],
        },
        None => PlanOptions::default(),
    };
    let result = shiftplan::plan(
        Source::new("from.sql", &from),
        Source::new("to.sql", &to),
        &hints,
        &options,
    );
    let mut failures = Vec::new();
    match result {
        Ok(plan) => {
            if dir.join("error.txt").exists() {
                failures.push(format!(
                    "{}: planning was expected to fail (error.txt)",
                    dir.display()
                ));
            }
            let json = serde_json::to_string_pretty(&plan).unwrap_or_default() + "\n";
            failures.extend(expect_file(&dir.join("plan.json"), &json));
            failures.extend(expect_file(
                &dir.join("plan.sql"),
                &shiftplan::render::plan_sql::script(&plan),
            ));
            failures.extend(expect_file(
                &dir.join("plan.md"),
                &shiftplan::render::markdown::render(&plan),
            ));
            // Same input, byte-identical output.
            let again = shiftplan::plan(
                Source::new("from.sql", &from),
                Source::new("to.sql", &to),
                &hints,
                &options,
            );
            if again
                .map(|p| serde_json::to_string_pretty(&p).unwrap_or_default() + "\n")
                .as_deref()
                != Ok(json.as_str())
            {
                failures.push(format!(
                    "{}: a second run gave a different plan",
                    dir.display()
                ));
            }
        }
        Err(diagnostics) => {
            let text: String = diagnostics.iter().map(|d| format!("{d}\n")).collect();
            if !dir.join("error.txt").exists() && std::env::var_os("UPDATE_EXPECT").is_none() {
                failures.push(format!("{}: planning failed:\n{text}", dir.display()));
            } else {
                failures.extend(expect_file(&dir.join("error.txt"), &text));
            }
        }
    }
    failures
}

#[test]
fn every_fixture_matches_its_snapshots() {
    let dirs = fixtures();
    assert!(
        dirs.len() >= 20,
        "expected the fixture directories, found {}",
        dirs.len()
    );
    let failures: Vec<String> = dirs.iter().flat_map(|d| check(d)).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn planning_a_schema_against_itself_gives_no_step() {
    for dir in fixtures() {
        for file in ["from.sql", "to.sql"] {
            let sql = std::fs::read_to_string(dir.join(file)).unwrap_or_default();
            let plan = shiftplan::plan(
                Source::new(file, &sql),
                Source::new(file, &sql),
                &Hints::default(),
                &PlanOptions::default(),
            )
            .unwrap_or_else(|e| panic!("{}/{file}: {e:?}", dir.display()));
            assert_eq!(
                plan.steps().count(),
                0,
                "{}/{file} against itself",
                dir.display()
            );
        }
    }
}

#[test]
fn every_corpus_schema_planned_against_itself_gives_no_step() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut files = Vec::new();
    for dir in std::fs::read_dir(&root)
        .expect("tests/corpus exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
    {
        for f in std::fs::read_dir(&dir)
            .into_iter()
            .flatten()
            .filter_map(|e| e.ok().map(|e| e.path()))
        {
            if f.extension().is_some_and(|e| e == "sql")
                && f.with_extension("catalog.json").exists()
            {
                files.push(f);
            }
        }
    }
    files.sort();
    assert!(files.len() >= 4, "{files:?}");
    for f in files {
        let sql = std::fs::read_to_string(&f).unwrap_or_default();
        let name = f.display().to_string();
        let plan = shiftplan::plan(
            Source::new(&name, &sql),
            Source::new(&name, &sql),
            &Hints::default(),
            &PlanOptions::default(),
        )
        .unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_eq!(plan.steps().count(), 0, "{name} against itself");
        assert_eq!(plan.from_fingerprint, plan.to_fingerprint);
    }
}
