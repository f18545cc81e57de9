//! Bad input and a database that is not the plan's: a clear message, the exit code of plan-v1.md
//! (2 bad input, 3 database error), and nothing applied.

mod support;

use shiftplan_runner::testing::TestDatabase;
use support::*;

const FIXTURE: &str = "rename_column";

fn nothing_applied(db: &TestDatabase) {
    assert_eq!(
        query_i64(
            db,
            "SELECT count(*) FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'name'"
        ),
        0,
        "nothing applied"
    );
    let history = query_i64(
        db,
        "SELECT count(*) FROM pg_namespace WHERE nspname = 'shiftplan'",
    );
    if history > 0 {
        assert_eq!(
            query_i64(
                db,
                "SELECT count(*) FROM shiftplan.step_runs WHERE outcome = 'applied'"
            ),
            0
        );
    }
}

fn temp_file(db: &TestDatabase, name: &str, contents: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("{}-{name}", db.name()));
    std::fs::write(&path, contents).unwrap();
    path
}

#[test]
fn missing_corrupted_and_malformed_plans_are_bad_input() {
    let db = database_with("bad_plans", FIXTURE);
    let out = shiftplan(&[
        "apply",
        "/nonexistent/plan.json",
        "--database-url",
        db.url(),
        "--through",
        "contract",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("/nonexistent/plan.json: cannot read the plan"),
        "{}",
        text(&out)
    );

    let good = std::fs::read_to_string(plan_path(FIXTURE)).unwrap();
    let truncated = temp_file(&db, "truncated.json", &good[..good.len() / 2]);
    let out = shiftplan(&[
        "apply",
        truncated.to_str().unwrap(),
        "--database-url",
        db.url(),
        "--through",
        "contract",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let message = String::from_utf8_lossy(&out.stderr);
    let lines = good[..good.len() / 2].lines().count();
    assert!(
        message.starts_with(&format!("{}:{lines}:", truncated.display())),
        "names file and line: {message}"
    );
    assert!(
        message.contains("not a shiftplan plan document"),
        "{message}"
    );

    let cases = [
        (
            good.replace("\"shiftplan.plan/1\"", "\"shiftplan.plan/9\""),
            "format is `shiftplan.plan/9`",
        ),
        (
            good.replacen("\"depends_on\": []", "\"depends_on\": [\"s9\"]", 1),
            "step s1 depends on s9",
        ),
        (
            good.replacen("\"id\": \"s2\"", "\"id\": \"s1\"", 1),
            "step id s1 appears twice",
        ),
        (
            good.replace("\"safety\": \"dangerous\"", "\"safety\": \"safe\""),
            "the plan was edited",
        ),
        (
            good.replacen("\"name\": \"expand\"", "\"name\": \"shrink\"", 1),
            "unknown variant `shrink`",
        ),
    ];
    for (contents, expected) in cases {
        let path = temp_file(&db, "malformed.json", &contents);
        let out = shiftplan(&[
            "apply",
            path.to_str().unwrap(),
            "--database-url",
            db.url(),
            "--through",
            "contract",
        ]);
        assert_eq!(out.status.code(), Some(2), "{expected}: {}", text(&out));
        let message = String::from_utf8_lossy(&out.stderr);
        assert!(
            message.contains(expected) && message.contains(&path.display().to_string()),
            "{expected}: {message}"
        );
        let _ = std::fs::remove_file(path);
    }
    let _ = std::fs::remove_file(truncated);
    nothing_applied(&db);
}

#[test]
fn a_tampered_plan_is_refused_after_it_was_first_applied() {
    let db = database_with("bad_tampered", FIXTURE);
    let plan = plan_path(FIXTURE);
    let out = shiftplan(&[
        "apply",
        plan.to_str().unwrap(),
        "--database-url",
        db.url(),
        "--phase",
        "expand",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let tampered = std::fs::read_to_string(&plan)
        .unwrap()
        .replace("SET name = fullname", "SET name = upper(fullname)");
    let path = temp_file(&db, "tampered.json", &tampered);
    for command in [
        vec![
            "apply",
            path.to_str().unwrap(),
            "--database-url",
            db.url(),
            "--through",
            "contract",
        ],
        vec!["status", path.to_str().unwrap(), "--database-url", db.url()],
        vec![
            "rollback",
            path.to_str().unwrap(),
            "--database-url",
            db.url(),
            "--phase",
            "expand",
        ],
    ] {
        let out = shiftplan(&command);
        assert_eq!(out.status.code(), Some(2), "{}", text(&out));
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("differs from the one recorded"),
            "{}",
            text(&out)
        );
    }
    assert_eq!(
        query_i64(&db, "SELECT count(*) FROM shiftplan.step_runs"),
        2,
        "only expand's two steps"
    );
    // A reformatted but identical plan is the same plan.
    let reformatted: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&plan).unwrap()).unwrap();
    let compact = temp_file(
        &db,
        "compact.json",
        &serde_json::to_string(&reformatted).unwrap(),
    );
    let out = shiftplan(&[
        "status",
        compact.to_str().unwrap(),
        "--database-url",
        db.url(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let _ = std::fs::remove_file(path);
    let _ = std::fs::remove_file(compact);
}

#[test]
fn unreachable_databases_and_wrong_credentials_are_database_errors() {
    let plan = plan_path(FIXTURE);
    let plan = plan.to_str().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let unreachable = format!("postgres://postgres@127.0.0.1:{port}/postgres");
    let out = shiftplan(&[
        "apply",
        plan,
        "--database-url",
        &unreachable,
        "--through",
        "contract",
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let message = String::from_utf8_lossy(&out.stderr);
    assert!(
        message.contains(&format!(
            "cannot connect to database `postgres` on 127.0.0.1:{port}"
        )),
        "{message}"
    );

    let db = database_with("bad_credentials", FIXTURE);
    let config: postgres::Config = db.url().parse().unwrap();
    let host = match &config.get_hosts()[0] {
        postgres::config::Host::Tcp(h) => h.clone(),
        postgres::config::Host::Unix(p) => p.display().to_string(),
    };
    let port = config.get_ports()[0];
    let wrong_user = format!(
        "host={host} port={port} user=no_such_role_shiftplan password=secret dbname={}",
        db.name()
    );
    let out = shiftplan(&[
        "apply",
        plan,
        "--database-url",
        &wrong_user,
        "--through",
        "contract",
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let message = String::from_utf8_lossy(&out.stderr);
    assert!(
        message.contains("as `no_such_role_shiftplan`") && !message.contains("secret"),
        "{message}"
    );

    let no_db = format!("host={host} port={port} user=postgres dbname=no_such_database_shiftplan");
    let out = shiftplan(&["status", plan, "--database-url", &no_db]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no_such_database_shiftplan"),
        "{}",
        text(&out)
    );

    let out = shiftplan(&[
        "apply",
        plan,
        "--database-url",
        "postgres://[bad",
        "--through",
        "contract",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("database URL is not valid"),
        "{}",
        text(&out)
    );
    let out = shiftplan(&["apply", plan, "--through", "contract"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("DATABASE_URL"),
        "{}",
        text(&out)
    );
    nothing_applied(&db);
}

#[test]
fn drift_is_refused_with_the_differing_objects_and_nothing_applied() {
    let db = database_with("bad_drift", FIXTURE);
    db.execute("ALTER TABLE public.users ADD COLUMN nickname text; CREATE TABLE public.audit (id int); CREATE TYPE public.mood AS ENUM ('ok')")
        .unwrap();
    db.execute("ALTER TABLE public.users ALTER COLUMN email TYPE varchar(200), ALTER COLUMN email SET DEFAULT 'x', ALTER COLUMN fullname DROP NOT NULL")
        .unwrap();
    let plan = plan_path(FIXTURE);
    let plan = plan.to_str().unwrap();
    for command in [
        vec![
            "apply",
            plan,
            "--database-url",
            db.url(),
            "--through",
            "contract",
        ],
        vec![
            "apply",
            plan,
            "--database-url",
            db.url(),
            "--through",
            "contract",
            "--dry-run",
        ],
    ] {
        let out = shiftplan(&command);
        assert_eq!(out.status.code(), Some(2), "{}", text(&out));
        let message = String::from_utf8_lossy(&out.stderr);
        assert!(
            message.contains("not the one this plan starts from (3 differing objects)"),
            "{message}"
        );
        assert!(
            message.contains("  - enum public.mood: in the database, but not expected"),
            "{message}"
        );
        assert!(
            message.contains("  - table public.audit: in the database, but not expected"),
            "{message}"
        );
        assert!(
            message.contains("  - table public.users: defined differently in the database"),
            "{message}"
        );
        // Drift in a column names the column and what differs in it.
        for detail in [
            "      public.users.email: type character varying(200), expected text; default 'x'::character varying, expected none",
            "      public.users.fullname: nullable, expected NOT NULL",
            "      public.users.nickname: in the database, but not expected",
        ] {
            assert!(message.contains(detail), "{detail}\n{message}");
        }
        assert!(
            message.contains("Nothing was applied") && message.contains("--force"),
            "{message}"
        );
    }
    assert_eq!(
        query_i64(
            &db,
            "SELECT count(*) FROM pg_namespace WHERE nspname = 'shiftplan'"
        ),
        0,
        "no history either"
    );
    nothing_applied(&db);
    let verify = shiftplan(&["verify", plan, "--database-url", db.url()]);
    assert_eq!(verify.status.code(), Some(2), "{}", text(&verify));
    assert!(
        String::from_utf8_lossy(&verify.stderr).contains("table public.users")
            && String::from_utf8_lossy(&verify.stderr)
                .contains("public.users.fullname: nullable, expected NOT NULL"),
        "{}",
        text(&verify)
    );

    // A plan for another schema altogether.
    let other = TestDatabase::create("bad_other_schema").unwrap_or_else(|e| panic!("{e}"));
    other
        .execute("CREATE TABLE public.orders (id bigint PRIMARY KEY)")
        .unwrap();
    let out = shiftplan(&[
        "apply",
        plan,
        "--database-url",
        other.url(),
        "--phase",
        "expand",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let message = String::from_utf8_lossy(&out.stderr);
    assert!(
        message.contains("table public.users: expected, but missing")
            && message.contains("table public.orders: in the database"),
        "{message}"
    );

    // --force applies anyway, with the list as a warning.
    let forced = shiftplan(&[
        "apply",
        plan,
        "--database-url",
        db.url(),
        "--phase",
        "expand",
        "--force",
    ]);
    assert_eq!(forced.status.code(), Some(0), "{}", text(&forced));
    assert!(
        String::from_utf8_lossy(&forced.stderr).contains("applying anyway (--force)"),
        "{}",
        text(&forced)
    );
}
