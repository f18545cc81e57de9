//! `shiftplan plan` through the binary: formats, --out-dir, --fail-on, exit codes, bad input,
//! and the `--format sql` script run by psql on a real database.

mod proof_support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use proof_support::{differences, repo_root, snapshot};
use shiftplan_runner::testing::TestDatabase;

fn fixture(name: &str, file: &str) -> PathBuf {
    repo_root().join("tests/fixtures").join(name).join(file)
}

fn plan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_shiftplan"))
        .arg("plan")
        .args(args)
        .output()
        .expect("run shiftplan")
}

fn arg(p: &Path) -> &str {
    p.to_str().unwrap_or_default()
}

#[test]
fn formats_match_the_fixture_snapshots_and_fail_on_sets_the_exit_code() {
    let (from, to, hints) = (
        fixture("rename_column", "from.sql"),
        fixture("rename_column", "to.sql"),
        fixture("rename_column", "hints.json"),
    );
    let base = [
        "--from",
        arg(&from),
        "--to",
        arg(&to),
        "--hints",
        arg(&hints),
    ];
    let md = plan(&[&base[..], &["--format", "markdown"]].concat());
    assert_eq!(
        md.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&md.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&md.stdout),
        std::fs::read_to_string(fixture("rename_column", "plan.md")).unwrap()
    );
    let json = plan(&base);
    let parsed: shiftplan::Plan = serde_json::from_slice(&json.stdout).expect("plan JSON");
    assert_eq!(parsed.safety, shiftplan::Severity::Careful);
    // A careful plan fails `--fail-on careful` (exit 1) and is still printed.
    let strict = plan(&[&base[..], &["--fail-on", "careful", "--format", "sql"]].concat());
    assert_eq!(strict.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&strict.stdout),
        std::fs::read_to_string(fixture("rename_column", "plan.sql")).unwrap()
    );
    // A dangerous plan fails the default.
    let drop = plan(&[
        "--from",
        arg(&fixture("drop_table", "from.sql")),
        "--to",
        arg(&fixture("drop_table", "to.sql")),
    ]);
    assert_eq!(drop.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&drop.stderr).contains("dangerous"));
    let never = plan(&[
        "--from",
        arg(&fixture("drop_table", "from.sql")),
        "--to",
        arg(&fixture("drop_table", "to.sql")),
        "--fail-on",
        "never",
    ]);
    assert_eq!(never.status.code(), Some(0));
}

#[test]
fn out_dir_holds_plan_json_and_an_up_and_down_file_per_phase() {
    let dir = std::env::temp_dir().join(format!("shiftplan_out_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = plan(&[
        "--from",
        arg(&fixture("rename_column", "from.sql")),
        "--to",
        arg(&fixture("rename_column", "to.sql")),
        "--hints",
        arg(&fixture("rename_column", "hints.json")),
        "--out-dir",
        dir.to_str().unwrap_or_default(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "01-expand.down.sql",
            "01-expand.up.sql",
            "02-dual_write.down.sql",
            "02-dual_write.up.sql",
            "03-backfill.down.sql",
            "03-backfill.up.sql",
            "04-contract.down.sql",
            "04-contract.up.sql",
            "plan.json"
        ]
    );
    let down = std::fs::read_to_string(dir.join("04-contract.down.sql")).unwrap();
    assert!(down.contains("not reversible"), "{down}");
    let up = std::fs::read_to_string(dir.join("02-dual_write.up.sql")).unwrap();
    assert!(up.contains("CREATE TRIGGER"), "{up}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_input_exits_2_naming_file_line_and_column() {
    let dir = std::env::temp_dir().join(format!("shiftplan_bad_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad_hints = dir.join("hints.json");
    std::fs::write(&bad_hints, "{\n  \"renames\": [ oops ]\n}").unwrap();
    let from = fixture("rename_column", "from.sql");
    let to = fixture("rename_column", "to.sql");
    let out = plan(&[
        "--from",
        arg(&from),
        "--to",
        arg(&to),
        "--hints",
        arg(&bad_hints),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("{}:2:", bad_hints.display())),
        "{err}"
    );

    let absent = dir.join("absent.json");
    std::fs::write(&absent, "{\"renames\": [\n  {\"kind\": \"column\", \"table\": \"public.users\", \"from\": \"nope\", \"to\": \"name\"}\n]}").unwrap();
    let out = plan(&[
        "--from",
        arg(&from),
        "--to",
        arg(&to),
        "--hints",
        arg(&absent),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!(
            "{}:2:3: error: renames[0]: rename hint: column nope",
            absent.display()
        )),
        "{err}"
    );

    let bad_sql = dir.join("bad.sql");
    std::fs::write(
        &bad_sql,
        "CREATE TABLE t (id int);\nCREATE TABLE u (id int,, x);\n",
    )
    .unwrap();
    let out = plan(&["--from", arg(&from), "--to", arg(&bad_sql)]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("{}:2:", bad_sql.display())), "{err}");

    let missing = plan(&["--from", arg(&from), "--to", "/nonexistent/x.sql"]);
    assert_eq!(missing.status.code(), Some(2));
    let version = plan(&["--from", arg(&from), "--to", arg(&to), "--pg-version", "10"]);
    assert_eq!(version.status.code(), Some(2));
    let no_hint = plan(&[
        "--from",
        arg(&fixture("add_column_not_null_without_hint", "from.sql")),
        "--to",
        arg(&fixture("add_column_not_null_without_hint", "to.sql")),
    ]);
    assert_eq!(no_hint.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&no_hint.stderr).contains("backfill hint"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_sql_script_runs_in_psql_and_gives_the_target_schema() {
    let (from, to, hints) = (
        fixture("rename_column", "from.sql"),
        fixture("rename_column", "to.sql"),
        fixture("rename_column", "hints.json"),
    );
    let out = plan(&[
        "--from",
        arg(&from),
        "--to",
        arg(&to),
        "--hints",
        arg(&hints),
        "--format",
        "sql",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let script = std::env::temp_dir().join(format!("shiftplan_script_{}.sql", std::process::id()));
    std::fs::write(&script, &out.stdout).unwrap();
    let db = TestDatabase::create("plan_cli_psql").expect("test database");
    db.execute(&std::fs::read_to_string(&from).unwrap())
        .unwrap();
    db.execute(&std::fs::read_to_string(fixture("rename_column", "seed.sql")).unwrap())
        .unwrap();
    let run = Command::new("psql")
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-f"])
        .arg(&script)
        .arg(db.url())
        .output()
        .expect("psql");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let expected = {
        let fresh = TestDatabase::create("plan_cli_to").expect("test database");
        fresh
            .execute(&std::fs::read_to_string(&to).unwrap())
            .unwrap();
        snapshot(fresh.url()).unwrap()
    };
    let diff = differences(&expected, &snapshot(db.url()).unwrap());
    assert!(diff.is_empty(), "{diff:?}");
    let _ = std::fs::remove_file(&script);
}
