//! The faults the runner must survive, on a real PostgreSQL: a SIGKILL in the middle of a backfill,
//! two runners at once, a session holding a conflicting lock, a CREATE INDEX CONCURRENTLY that left
//! an INVALID index behind.

mod support;

use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use shiftplan_runner::testing::{TestDatabase, wait_until};
use support::*;

const FIXTURE: &str = "rename_column";

fn seed(db: &TestDatabase, rows: i64) {
    db.execute(&format!(
        "INSERT INTO public.users SELECT g, 'user ' || g, CASE WHEN g % 3 = 0 THEN NULL ELSE 'u' || g || '@example.com' END
         FROM generate_series(1, {rows}) g; ANALYZE public.users"
    ))
    .unwrap();
}

fn checksum(db: &TestDatabase) -> String {
    query_string(
        db,
        "SELECT md5(string_agg(id || ':' || fullname || ':' || coalesce(email, '-'), ',' ORDER BY id)) FROM public.users",
    )
}

fn apply_cmd(db: &TestDatabase, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_shiftplan"));
    command
        .arg("apply")
        .arg(plan_path(FIXTURE))
        .args(["--database-url", db.url(), "--progress", "lines"])
        .args(args)
        .env_remove("DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

#[test]
fn sigkill_in_the_middle_of_a_backfill_then_apply_again_completes() {
    let db = database_with("fault_sigkill", FIXTURE);
    seed(&db, 300_000);
    let before = checksum(&db);
    let out = apply_cmd(&db, &["--through", "dual_write"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    // Slow enough to be killed in the middle: about 3 s for 300k rows.
    let mut child = apply_cmd(
        &db,
        &[
            "--phase",
            "backfill",
            "--max-rows-per-second",
            "100000",
            "--batch-time",
            "50ms",
        ],
    )
    .spawn()
    .unwrap();
    let mut client = db.connect().unwrap();
    let mid_way = wait_until(Duration::from_secs(60), || {
        client
            .query_opt("SELECT rows_affected FROM shiftplan.step_runs WHERE step = 's4' AND outcome = 'running'", &[])
            .ok()
            .flatten()
            .and_then(|r| r.get::<_, Option<i64>>(0))
            .is_some_and(|rows| rows >= 60_000)
    });
    assert!(mid_way, "the backfill never reached 60k rows");
    child.kill().unwrap(); // SIGKILL
    let killed = child.wait_with_output().unwrap();
    assert_eq!(
        killed.status.code(),
        None,
        "killed by a signal: {}",
        text(&killed)
    );
    let done_at_kill: i64 = query_i64(
        &db,
        "SELECT rows_affected FROM shiftplan.step_runs WHERE step = 's4' AND outcome = 'running'",
    );
    let filled = query_i64(
        &db,
        "SELECT count(*) FROM public.users WHERE name IS NOT DISTINCT FROM fullname",
    );
    assert!(
        done_at_kill > 0 && done_at_kill < 300_000,
        "killed mid-way: {done_at_kill} rows"
    );
    assert_eq!(
        filled, done_at_kill,
        "the saved cursor counts exactly the committed batches"
    );

    let status = shiftplan(&[
        "status",
        plan_path(FIXTURE).to_str().unwrap(),
        "--database-url",
        db.url(),
    ]);
    let status = String::from_utf8_lossy(&status.stdout).to_string();
    assert!(
        status.contains("backfill    partial")
            && status.contains("apply --phase backfill again to resume"),
        "{status}"
    );

    let resumed = apply_cmd(&db, &["--through", "contract"]).output().unwrap();
    assert_eq!(resumed.status.code(), Some(0), "{}", text(&resumed));
    let log = String::from_utf8_lossy(&resumed.stderr);
    assert!(
        log.contains(&format!("resuming the backfill after {done_at_kill} rows")),
        "{log}"
    );

    assert_eq!(
        query_string(
            &db,
            "SELECT md5(string_agg(id || ':' || name || ':' || coalesce(email, '-'), ',' ORDER BY id)) FROM public.users"
        ),
        before,
        "no row lost or changed"
    );
    let counts = applied_counts(&db);
    assert_eq!(counts.len(), 6, "{counts:?}");
    assert!(
        counts.values().all(|c| *c == 1),
        "each step applied once: {counts:?}"
    );
    assert_eq!(
        query_i64(
            &db,
            "SELECT rows_affected FROM shiftplan.step_runs WHERE step = 's4' AND outcome = 'applied'"
        ),
        300_000,
        "the resumed run went on from the cursor: every row updated once in all"
    );
    assert_eq!(
        query_i64(
            &db,
            "SELECT count(*) FROM shiftplan.step_runs WHERE step = 's4' AND outcome = 'interrupted'"
        ),
        1
    );
}

#[test]
fn two_runners_at_once_apply_each_step_once() {
    let db = database_with("fault_two_runners", FIXTURE);
    seed(&db, 20_000);
    let before = checksum(&db);
    let args = ["--through", "contract", "--max-rows-per-second", "40000"];
    let first = apply_cmd(&db, &args).spawn().unwrap();
    let second = apply_cmd(&db, &args).spawn().unwrap();
    let first = first.wait_with_output().unwrap();
    let second = second.wait_with_output().unwrap();
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));
    assert_eq!(second.status.code(), Some(0), "{}", text(&second));
    let logs = format!(
        "{}{}",
        String::from_utf8_lossy(&first.stderr),
        String::from_utf8_lossy(&second.stderr)
    );
    assert!(
        logs.contains("another shiftplan runner is working on this database"),
        "{logs}"
    );
    let counts = applied_counts(&db);
    assert_eq!(counts.len(), 6, "{counts:?}");
    assert!(counts.values().all(|c| *c == 1), "{counts:?}");
    let verify = shiftplan(&[
        "verify",
        plan_path(FIXTURE).to_str().unwrap(),
        "--database-url",
        db.url(),
    ]);
    assert_eq!(verify.status.code(), Some(0), "{}", text(&verify));
    assert_eq!(
        query_string(
            &db,
            "SELECT md5(string_agg(id || ':' || name || ':' || coalesce(email, '-'), ',' ORDER BY id)) FROM public.users"
        ),
        before
    );

    // --no-wait fails fast while another runner holds the lock.
    let mut holder = db.connect().unwrap();
    holder
        .execute(
            "SELECT pg_advisory_lock($1)",
            &[&shiftplan_runner::runner::ADVISORY_LOCK_KEY],
        )
        .unwrap();
    let started = Instant::now();
    let out = apply_cmd(&db, &["--through", "contract", "--no-wait"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not waiting (--no-wait)"),
        "{}",
        text(&out)
    );
    assert!(started.elapsed() < Duration::from_secs(5));
}

/// Application queries on the table, timed, until `stop`: their longest wait.
fn application_load(url: String, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<Vec<Duration>> {
    std::thread::spawn(move || {
        let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        let mut latencies = Vec::new();
        let mut i = 0i64;
        while !stop.load(Ordering::Relaxed) {
            i += 1;
            let started = Instant::now();
            client
                .query_one(
                    "SELECT count(*) FROM public.users WHERE id = $1",
                    &[&(i % 1000 + 1)],
                )
                .unwrap();
            latencies.push(started.elapsed());
            std::thread::sleep(Duration::from_millis(5));
        }
        latencies
    })
}

#[test]
fn a_conflicting_lock_times_out_retries_and_succeeds_without_making_the_application_wait() {
    let db = database_with("fault_lock", FIXTURE);
    seed(&db, 1000);
    // A long transaction that has read the table: ALTER TABLE must wait for it.
    let mut blocker = db.connect().unwrap();
    let mut tx = blocker.transaction().unwrap();
    tx.query("SELECT count(*) FROM public.users", &[]).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let load = application_load(db.url().to_string(), stop.clone());
    let child = apply_cmd(
        &db,
        &[
            "--phase",
            "expand",
            "--lock-timeout",
            "300ms",
            "--max-attempts",
            "30",
        ],
    )
    .spawn()
    .unwrap();
    let mut watcher = db.connect().unwrap();
    let timed_out = wait_until(Duration::from_secs(30), || {
        watcher
            .query_one("SELECT count(*) FROM shiftplan.step_runs WHERE step = 's1' AND outcome = 'lock_timeout'", &[])
            .map(|r| r.get::<_, i64>(0) >= 2)
            .unwrap_or(false)
    });
    assert!(timed_out, "s1 never timed out on the lock");
    assert_eq!(
        watcher.query_one("SELECT count(*) FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'name'", &[]).unwrap().get::<_, i64>(0),
        0,
        "nothing half-applied while it waits"
    );
    tx.commit().unwrap();
    let out = child.wait_with_output().unwrap();
    stop.store(true, Ordering::Relaxed);
    let latencies = load.join().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("retrying in"),
        "{}",
        text(&out)
    );
    assert_eq!(applied_counts(&db).get("s1"), Some(&1));
    let worst = latencies.iter().max().copied().unwrap_or_default();
    assert!(
        latencies.len() > 20,
        "the application ran {} queries",
        latencies.len()
    );
    // lock_timeout (300 ms) plus scheduling slack on a busy 2-core machine.
    assert!(
        worst < Duration::from_millis(600),
        "an application query waited {worst:?} (lock_timeout 300 ms)"
    );
}

#[test]
fn lock_timeouts_beyond_the_attempts_stop_cleanly_and_apply_resumes() {
    let db = database_with("fault_lock_exhausted", FIXTURE);
    seed(&db, 100);
    let mut blocker = db.connect().unwrap();
    let mut tx = blocker.transaction().unwrap();
    tx.query("SELECT count(*) FROM public.users", &[]).unwrap();
    let out = apply_cmd(
        &db,
        &[
            "--phase",
            "expand",
            "--lock-timeout",
            "100ms",
            "--max-attempts",
            "3",
        ],
    )
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let message = String::from_utf8_lossy(&out.stderr);
    assert!(
        message.contains("gave up after 3 attempts")
            && message.contains("nothing of it is applied"),
        "{message}"
    );
    tx.commit().unwrap();
    drop(blocker);
    assert_eq!(
        query_i64(
            &db,
            "SELECT count(*) FROM shiftplan.step_runs WHERE step = 's1' AND outcome = 'lock_timeout'"
        ),
        3
    );
    assert_eq!(
        query_i64(
            &db,
            "SELECT count(*) FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'name'"
        ),
        0
    );
    let status = shiftplan(&[
        "status",
        plan_path(FIXTURE).to_str().unwrap(),
        "--database-url",
        db.url(),
    ]);
    let status = String::from_utf8_lossy(&status.stdout).to_string();
    assert!(
        status.contains("3 lock timeout(s) retried") && status.contains("lock timeout"),
        "{status}"
    );
    let again = apply_cmd(&db, &["--phase", "expand"]).output().unwrap();
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
    assert_eq!(applied_counts(&db).get("s1"), Some(&1));
}

#[test]
fn an_invalid_index_left_by_a_failed_concurrent_build_is_dropped_and_rebuilt() {
    let db = database_with("fault_invalid_index", FIXTURE);
    seed(&db, 1000);
    // An earlier run's CREATE INDEX CONCURRENTLY of users_name_idx failed and left it INVALID
    // (here: a unique build over duplicates). It is not in the plan's `from` schema: --force.
    let failed = db.execute(
        "CREATE UNIQUE INDEX CONCURRENTLY users_name_idx ON public.users ((email IS NULL))",
    );
    assert!(failed.is_err());
    assert_eq!(
        query_i64(
            &db,
            "SELECT count(*) FROM pg_index WHERE indexrelid = 'public.users_name_idx'::regclass AND NOT indisvalid"
        ),
        1
    );
    let out = apply_cmd(&db, &["--phase", "expand", "--force"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("is INVALID"),
        "{}",
        text(&out)
    );
    assert_eq!(
        query_string(
            &db,
            "SELECT pg_get_indexdef('public.users_name_idx'::regclass)"
        ),
        "CREATE INDEX users_name_idx ON public.users USING btree (name)"
    );
    assert_eq!(
        query_i64(&db, "SELECT count(*) FROM pg_index WHERE NOT indisvalid"),
        0
    );
}

#[test]
fn rows_written_during_the_backfill_keep_their_new_values() {
    let db = database_with("fault_concurrent_writes", FIXTURE);
    seed(&db, 50_000);
    let out = apply_cmd(&db, &["--through", "dual_write"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stop = Arc::new(AtomicBool::new(false));
    let written = Arc::new(Mutex::new(Vec::new()));
    let writer = {
        let (url, stop, written) = (db.url().to_string(), stop.clone(), written.clone());
        std::thread::spawn(move || {
            let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
            let mut id = 7i64;
            while !stop.load(Ordering::Relaxed) {
                id = (id * 7919) % 50_000 + 1;
                // Old and new application versions, alternately.
                let sql = if id % 2 == 0 {
                    "UPDATE public.users SET fullname = 'old app ' || id WHERE id = $1"
                } else {
                    "UPDATE public.users SET name = 'new app ' || id WHERE id = $1"
                };
                client.execute(sql, &[&id]).unwrap();
                written.lock().unwrap().push(id);
            }
        })
    };
    let out = apply_cmd(
        &db,
        &[
            "--phase",
            "backfill",
            "--max-rows-per-second",
            "50000",
            "--batch-time",
            "50ms",
        ],
    )
    .output()
    .unwrap();
    stop.store(true, Ordering::Relaxed);
    writer.join().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let written = written.lock().unwrap().clone();
    assert!(
        written.len() > 50,
        "the application wrote during the backfill ({} writes)",
        written.len()
    );
    assert_eq!(
        query_i64(
            &db,
            "SELECT count(*) FROM public.users WHERE name IS DISTINCT FROM fullname"
        ),
        0
    );
    let mut client = db.connect().unwrap();
    for id in written.iter().take(200) {
        let row = client
            .query_one("SELECT name FROM public.users WHERE id = $1", &[id])
            .unwrap();
        let name: String = row.get(0);
        let expected = if id % 2 == 0 {
            format!("old app {id}")
        } else {
            format!("new app {id}")
        };
        assert_eq!(name, expected, "row {id} kept the application's write");
    }
}
