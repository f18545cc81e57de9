//! `shiftplan apply | status | rollback | verify` end to end, through the binary, on a real
//! PostgreSQL (a database of its own per test), with the hand-written rename-column plan.

mod support;

use support::*;

const FIXTURE: &str = "rename_column";

fn seed(db: &shiftplan_runner::testing::TestDatabase, rows: i64) {
    db.execute(&format!(
        "INSERT INTO public.users SELECT g, 'user ' || g, CASE WHEN g % 3 = 0 THEN NULL ELSE 'u' || g || '@example.com' END
         FROM generate_series(1, {rows}) g"
    ))
    .unwrap();
}

fn data_checksum(db: &shiftplan_runner::testing::TestDatabase, name_column: &str) -> String {
    query_string(
        db,
        &format!(
            "SELECT md5(string_agg(id || ':' || {name_column} || ':' || coalesce(email, '-'), ',' ORDER BY id)) FROM public.users"
        ),
    )
}

#[test]
fn apply_through_contract_gives_the_target_and_records_each_step_once() {
    let db = database_with("apply_all", FIXTURE);
    seed(&db, 5000);
    let before = data_checksum(&db, "fullname");
    let plan = plan_path(FIXTURE);
    let plan = plan.to_str().unwrap();
    let out = shiftplan(&[
        "apply",
        plan,
        "--database-url",
        db.url(),
        "--through",
        "contract",
        "--progress",
        "lines",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(log.contains("s4 applied"), "{log}");
    assert!(
        log.contains("checkpoint before this phase: the code that reads and writes only `name`"),
        "{log}"
    );
    assert!(log.contains("next: done"), "{log}");
    assert_eq!(
        data_checksum(&db, "name"),
        before,
        "every row kept, under its new column name"
    );
    let counts = applied_counts(&db);
    assert_eq!(counts.len(), 6, "{counts:?}");
    assert!(counts.values().all(|c| *c == 1), "{counts:?}");
    assert_eq!(
        query_i64(
            &db,
            "SELECT rows_affected FROM shiftplan.step_runs WHERE step = 's4' AND outcome = 'applied'"
        ),
        5000
    );

    let verify = shiftplan(&["verify", plan, "--database-url", db.url()]);
    assert_eq!(verify.status.code(), Some(0), "{}", text(&verify));
    assert!(
        String::from_utf8_lossy(&verify.stdout).contains("target schema"),
        "{}",
        text(&verify)
    );

    let status = shiftplan(&[
        "status",
        plan,
        "--database-url",
        db.url(),
        "--format",
        "json",
    ]);
    assert_eq!(status.status.code(), Some(0), "{}", text(&status));
    let json: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    let states: Vec<(&str, &str)> = json["phases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["name"].as_str().unwrap(), p["state"].as_str().unwrap()))
        .collect();
    assert_eq!(
        states,
        vec![
            ("expand", "applied"),
            ("dual_write", "applied"),
            ("backfill", "applied"),
            ("contract", "applied")
        ]
    );
    assert!(
        json["phases"][2]["steps"][0]["duration_ms"]
            .as_i64()
            .is_some(),
        "{json}"
    );

    // Applying again does nothing and says so.
    let again = shiftplan(&[
        "apply",
        plan,
        "--database-url",
        db.url(),
        "--through",
        "contract",
    ]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("already applied"),
        "{}",
        text(&again)
    );
    assert_eq!(applied_counts(&db).values().sum::<i64>(), 6);
}

#[test]
fn phase_by_phase_with_status_verify_and_rollback_to_the_start() {
    let db = database_with("apply_phases", FIXTURE);
    seed(&db, 2000);
    let before = data_checksum(&db, "fullname");
    let plan_file = plan_path(FIXTURE);
    let plan = plan_file.to_str().unwrap();

    let status = shiftplan(&["status", plan, "--database-url", db.url()]);
    assert_eq!(status.status.code(), Some(0), "{}", text(&status));
    let out = String::from_utf8_lossy(&status.stdout).to_string();
    assert!(
        out.contains("never applied") && out.contains("next: apply --phase expand"),
        "{out}"
    );

    // Contract before the others is refused, and nothing is applied.
    let early = shiftplan(&[
        "apply",
        plan,
        "--database-url",
        db.url(),
        "--phase",
        "contract",
    ]);
    assert_eq!(early.status.code(), Some(2), "{}", text(&early));
    assert!(
        String::from_utf8_lossy(&early.stderr).contains("apply --phase expand first"),
        "{}",
        text(&early)
    );

    for phase in ["expand", "dual_write", "backfill"] {
        let out = shiftplan(&["apply", plan, "--database-url", db.url(), "--phase", phase]);
        assert_eq!(out.status.code(), Some(0), "{phase}: {}", text(&out));
        let verify = shiftplan(&["verify", plan, "--database-url", db.url()]);
        assert_eq!(verify.status.code(), Some(0), "{phase}: {}", text(&verify));
    }
    let status = shiftplan(&["status", plan, "--database-url", db.url()]);
    let out = String::from_utf8_lossy(&status.stdout).to_string();
    assert!(
        out.contains(
            "next: deploy the code that reads and writes only `name`, then apply --phase contract"
        ),
        "{out}"
    );
    assert!(
        out.contains("s4    applied") && out.contains("2000 rows"),
        "{out}"
    );

    // Between dual_write and contract, old and new writers see each other's writes.
    db.execute("INSERT INTO public.users (id, fullname) VALUES (100001, 'old writer')")
        .unwrap();
    db.execute("INSERT INTO public.users (id, name) VALUES (100002, 'new writer')")
        .unwrap();
    db.execute("UPDATE public.users SET name = 'renamed by new' WHERE id = 1")
        .unwrap();
    assert_eq!(
        query_string(&db, "SELECT name FROM public.users WHERE id = 100001"),
        "old writer"
    );
    assert_eq!(
        query_string(&db, "SELECT fullname FROM public.users WHERE id = 100002"),
        "new writer"
    );
    assert_eq!(
        query_string(&db, "SELECT fullname FROM public.users WHERE id = 1"),
        "renamed by new"
    );
    db.execute("DELETE FROM public.users WHERE id > 100000; UPDATE public.users SET fullname = 'user 1' WHERE id = 1").unwrap();

    // Rolling back expand while later phases are applied is refused.
    let refused = shiftplan(&[
        "rollback",
        plan,
        "--database-url",
        db.url(),
        "--phase",
        "expand",
    ]);
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("roll back --phase backfill first"),
        "{}",
        text(&refused)
    );

    for phase in ["backfill", "dual_write", "expand"] {
        let out = shiftplan(&[
            "rollback",
            plan,
            "--database-url",
            db.url(),
            "--phase",
            phase,
        ]);
        assert_eq!(out.status.code(), Some(0), "{phase}: {}", text(&out));
    }
    assert_eq!(
        data_checksum(&db, "fullname"),
        before,
        "no row lost or changed"
    );
    let verify = shiftplan(&["verify", plan, "--database-url", db.url()]);
    assert_eq!(verify.status.code(), Some(0), "{}", text(&verify));
    assert!(
        String::from_utf8_lossy(&verify.stdout).contains("starting schema"),
        "{}",
        text(&verify)
    );
    let status = shiftplan(&[
        "status",
        plan,
        "--database-url",
        db.url(),
        "--format",
        "json",
    ]);
    let json: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(json["phases"][0]["state"], "rolled_back", "{json}");
    assert_eq!(json["next_action"], "apply --phase expand", "{json}");

    // And forward again: the rolled-back plan can be applied anew.
    let out = shiftplan(&[
        "apply",
        plan,
        "--database-url",
        db.url(),
        "--through",
        "contract",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(data_checksum(&db, "name"), before);
}

#[test]
fn contract_rollback_needs_accept_data_loss() {
    let db = database_with("apply_contract_rb", FIXTURE);
    seed(&db, 100);
    let plan_file = plan_path(FIXTURE);
    let plan = plan_file.to_str().unwrap();
    let out = shiftplan(&[
        "apply",
        plan,
        "--database-url",
        db.url(),
        "--through",
        "contract",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let refused = shiftplan(&[
        "rollback",
        plan,
        "--database-url",
        db.url(),
        "--phase",
        "contract",
    ]);
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused));
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(
        message.contains("s6 (drop the old column public.users.fullname")
            && message.contains("--accept-data-loss"),
        "{message}"
    );
    assert_eq!(
        history(&db)
            .iter()
            .filter(|(_, a, _)| a == "rollback")
            .count(),
        0,
        "nothing rolled back"
    );

    // With --accept-data-loss the irreversible step is recorded as rolled back (its column stays
    // gone); the rollback then stops, cleanly, at the first undo that needs what is gone: the index
    // on the dropped column cannot be rebuilt.
    let accepted = shiftplan(&[
        "rollback",
        plan,
        "--database-url",
        db.url(),
        "--phase",
        "contract",
        "--accept-data-loss",
    ]);
    assert_eq!(accepted.status.code(), Some(3), "{}", text(&accepted));
    let message = String::from_utf8_lossy(&accepted.stderr);
    assert!(
        message.contains("step s5 (drop index public.users_fullname_idx) failed")
            && message.contains("fullname"),
        "{message}"
    );
    let rolled: Vec<(String, String)> = history(&db)
        .into_iter()
        .filter(|(_, a, _)| a == "rollback")
        .map(|(s, _, o)| (s, o))
        .collect();
    assert_eq!(
        rolled,
        vec![
            ("s6".to_string(), "rolled_back".to_string()),
            ("s5".to_string(), "failed".to_string())
        ]
    );
    assert_eq!(
        query_i64(
            &db,
            "SELECT count(*) FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'fullname'"
        ),
        0
    );
}

#[test]
fn dry_run_changes_nothing_and_a_failing_backup_stops_contract() {
    let db = database_with("apply_dry", FIXTURE);
    seed(&db, 10);
    let plan_file = plan_path(FIXTURE);
    let plan = plan_file.to_str().unwrap();
    let dry = shiftplan(&[
        "apply",
        plan,
        "--database-url",
        db.url(),
        "--through",
        "contract",
        "--dry-run",
    ]);
    assert_eq!(dry.status.code(), Some(0), "{}", text(&dry));
    let printed = String::from_utf8_lossy(&dry.stdout);
    assert!(
        printed.contains("ALTER TABLE public.users ADD COLUMN name text;"),
        "{printed}"
    );
    assert!(
        printed.contains("-- s4 (backfill public.users.name from fullname) [batches"),
        "{printed}"
    );
    assert_eq!(
        query_i64(
            &db,
            "SELECT count(*) FROM pg_namespace WHERE nspname = 'shiftplan'"
        ),
        0,
        "no history written"
    );
    assert_eq!(
        query_i64(
            &db,
            "SELECT count(*) FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'name'"
        ),
        0
    );

    let failing = shiftplan(&[
        "apply",
        plan,
        "--database-url",
        db.url(),
        "--through",
        "contract",
        "--backup-command",
        "echo backing up; exit 7",
    ]);
    assert_eq!(failing.status.code(), Some(3), "{}", text(&failing));
    assert!(
        String::from_utf8_lossy(&failing.stderr).contains("the backup command failed"),
        "{}",
        text(&failing)
    );
    let counts = applied_counts(&db);
    assert_eq!(
        counts.keys().cloned().collect::<Vec<_>>(),
        vec!["s1", "s2", "s3", "s4"],
        "contract not started"
    );

    let dir = std::env::temp_dir().join(format!("shiftplan-backup-{}", db.name()));
    let backup = format!(
        "mkdir -p {0} && echo \"$DATABASE_URL\" > {0}/url",
        dir.display()
    );
    let ok = shiftplan(&[
        "apply",
        plan,
        "--database-url",
        db.url(),
        "--phase",
        "contract",
        "--backup-command",
        &backup,
    ]);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok));
    assert_eq!(
        std::fs::read_to_string(dir.join("url")).unwrap().trim(),
        db.url()
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_role_without_superuser_applies_rolls_back_and_verifies() {
    let db = shiftplan_runner::testing::TestDatabase::create("apply_plain_role")
        .unwrap_or_else(|e| panic!("{e}"));
    let role = format!("{}_owner", db.name());
    let mut admin = db.connect().unwrap();
    admin
        .batch_execute(&format!(
            "CREATE ROLE \"{role}\" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE; ALTER DATABASE \"{0}\" OWNER TO \"{role}\"; \
             ALTER SCHEMA public OWNER TO \"{role}\"",
            db.name()
        ))
        .unwrap();
    let config: postgres::Config = db.url().parse().unwrap();
    let host = match &config.get_hosts()[0] {
        postgres::config::Host::Tcp(h) => h.clone(),
        postgres::config::Host::Unix(p) => p.display().to_string(),
    };
    let url = format!(
        "host={host} port={} user={role} dbname={}",
        config.get_ports()[0],
        db.name()
    );
    let mut owner = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    owner.batch_execute(&from_sql(FIXTURE)).unwrap();
    owner
        .batch_execute(
            "INSERT INTO public.users SELECT g, 'user ' || g, NULL FROM generate_series(1, 500) g",
        )
        .unwrap();
    drop(owner);
    let plan_file = plan_path(FIXTURE);
    let plan = plan_file.to_str().unwrap();
    for args in [
        vec![
            "apply",
            plan,
            "--database-url",
            &url,
            "--through",
            "backfill",
        ],
        vec!["verify", plan, "--database-url", &url],
        vec![
            "rollback",
            plan,
            "--database-url",
            &url,
            "--phase",
            "backfill",
        ],
        vec!["status", plan, "--database-url", &url],
        vec![
            "apply",
            plan,
            "--database-url",
            &url,
            "--through",
            "contract",
        ],
        vec!["verify", plan, "--database-url", &url],
    ] {
        let out = shiftplan(&args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", text(&out));
    }
    assert_eq!(
        query_i64(
            &db,
            "SELECT count(*) FROM public.users WHERE name = 'user ' || id"
        ),
        500
    );
    drop(admin);
    let server = db.server_url().to_string();
    drop(db);
    let mut server = postgres::Client::connect(&server, postgres::NoTls).unwrap();
    server
        .batch_execute(&format!("DROP ROLE IF EXISTS \"{role}\""))
        .unwrap();
}

#[test]
fn a_plan_whose_transition_was_reverted_is_applied_again() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/add_column_nullable");
    let from = std::fs::read_to_string(dir.join("from.sql")).unwrap();
    let to = std::fs::read_to_string(dir.join("to.sql")).unwrap();
    let hints = shiftplan::Hints::default();
    let forward = plan_file(&from, &to, &hints, "apply-reverted-forward");
    let reverse = plan_file(&to, &from, &hints, "apply-reverted-reverse");
    let (forward, reverse) = (forward.to_str().unwrap(), reverse.to_str().unwrap());
    let db = shiftplan_runner::testing::TestDatabase::create("apply_reverted").unwrap();
    db.execute(&from).unwrap();
    let has_column = |db: &shiftplan_runner::testing::TestDatabase| {
        query_i64(
            db,
            "SELECT count(*) FROM information_schema.columns WHERE table_name = 'orders' AND column_name = 'shipped_at'",
        ) == 1
    };
    let apply = |plan: &str| {
        let out = shiftplan(&[
            "apply",
            plan,
            "--database-url",
            db.url(),
            "--through",
            "contract",
            "--progress",
            "lines",
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        String::from_utf8_lossy(&out.stderr).to_string()
    };
    let status = |plan: &str| -> serde_json::Value {
        let out = shiftplan(&[
            "status",
            plan,
            "--database-url",
            db.url(),
            "--format",
            "json",
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        serde_json::from_slice(&out.stdout).unwrap()
    };

    apply(forward);
    assert!(has_column(&db));
    // The reverse plan undoes the forward one: the history now says so.
    let log = apply(reverse);
    assert!(log.contains("this plan reverted it"), "{log}");
    assert!(!has_column(&db));
    let json = status(forward);
    assert_eq!(json["phases"][0]["state"], "rolled_back", "{json}");
    let note = json["phases"][0]["steps"][0]["note"].as_str().unwrap_or("");
    assert!(note.starts_with("reverted by plan "), "{json}");
    assert_eq!(json["next_action"], "apply --phase expand", "{json}");
    let text_status = shiftplan(&["status", forward, "--database-url", db.url()]);
    assert!(
        String::from_utf8_lossy(&text_status.stdout).contains("reverted by plan "),
        "{}",
        text(&text_status)
    );

    // So the forward plan runs again, instead of being "already applied".
    let log = apply(forward);
    assert!(log.contains("s1 applied"), "{log}");
    assert!(!log.contains("already applied"), "{log}");
    assert!(has_column(&db));
    let verify = shiftplan(&["verify", forward, "--database-url", db.url()]);
    assert_eq!(verify.status.code(), Some(0), "{}", text(&verify));
    assert_eq!(status(reverse)["phases"][0]["state"], "rolled_back");

    // Reverted by hand: the next apply sees the `from` schema, records it, and runs the plan again.
    db.execute("ALTER TABLE public.orders DROP COLUMN shipped_at")
        .unwrap();
    let dry = shiftplan(&[
        "apply",
        forward,
        "--database-url",
        db.url(),
        "--through",
        "contract",
        "--dry-run",
    ]);
    assert_eq!(dry.status.code(), Some(0), "{}", text(&dry));
    let dry_out = String::from_utf8_lossy(&dry.stdout);
    assert!(
        dry_out.contains("ADD COLUMN shipped_at") && !dry_out.contains("already applied"),
        "{}",
        text(&dry)
    );
    assert!(!has_column(&db), "a dry run changes nothing");
    let log = apply(forward);
    assert!(log.contains("reverted outside this plan"), "{log}");
    assert!(log.contains("s1 applied"), "{log}");
    assert!(has_column(&db));
    // Applied while the history says applied and the schema is the target: nothing runs.
    let log = apply(forward);
    assert!(log.contains("phase expand: already applied"), "{log}");
    let forward_rows: Vec<(String, String)> = db
        .connect()
        .unwrap()
        .query(
            "SELECT action, outcome FROM shiftplan.step_runs r JOIN shiftplan.plans p USING (plan_id)
             WHERE p.to_fingerprint <> p.from_fingerprint AND r.plan_id = (SELECT plan_id FROM shiftplan.step_runs ORDER BY id LIMIT 1)
             ORDER BY r.id",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let pair = |a: &str, o: &str| (a.to_string(), o.to_string());
    assert_eq!(
        forward_rows,
        vec![
            pair("apply", "applied"),
            pair("rollback", "rolled_back"),
            pair("apply", "applied"),
            pair("rollback", "rolled_back"),
            pair("apply", "applied"),
        ]
    );
}
