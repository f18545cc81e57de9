//! Which table locks a step really takes, read from pg_locks before its transaction commits, and
//! whether they are those its `lock` says (used by the proof and by the trigger.dev history).

use std::collections::{BTreeMap, BTreeSet};

use super::{describe, run_statements};

/// The oids of the relations that exist among `relations` (`schema.name` as SQL spells them).
pub fn oids(client: &mut postgres::Client, relations: &[String]) -> Result<BTreeSet<u32>, String> {
    let mut out = BTreeSet::new();
    for r in relations {
        let row = client
            .query_one("SELECT to_regclass($1)::oid", &[r])
            .map_err(|e| format!("oid of {r}: {}", describe(&e)))?;
        if let Some(oid) = row.get::<_, Option<u32>>(0) {
            out.insert(oid);
        }
    }
    Ok(out)
}

/// PostgreSQL's table lock modes, weakest first (the ranks of the conflict table).
const LOCK_MODES: [&str; 8] = [
    "ACCESS SHARE",
    "ROW SHARE",
    "ROW EXCLUSIVE",
    "SHARE UPDATE EXCLUSIVE",
    "SHARE",
    "SHARE ROW EXCLUSIVE",
    "EXCLUSIVE",
    "ACCESS EXCLUSIVE",
];

/// 0 for `NONE`, 1 for ACCESS SHARE ... 8 for ACCESS EXCLUSIVE.
pub fn lock_rank(level: &str) -> Option<usize> {
    if level == "NONE" {
        return Some(0);
    }
    LOCK_MODES.iter().position(|m| *m == level).map(|p| p + 1)
}

/// The strongest lock mode held on each relation, by oid: (`schema.name`, mode).
pub type Held = BTreeMap<u32, (String, String)>;

/// The locks a step's statements hold, by relation (oid, and `schema.name` as PostgreSQL quotes
/// it after the step), on
/// tables, partitioned tables, views, materialized views and sequences that existed before the
/// step: the strongest mode of each, read from pg_locks before the step's transaction commits.
/// A non-transactional step's statements each run in a transaction of their own to be observed
/// (what autocommit does), except those that cannot run in one (CONCURRENTLY): those run on a
/// connection of their own while another holds a transaction open, and are observed while they
/// wait for it ([`run_concurrently_observed`]). A `repeat_until_zero_rows` step is observed on
/// its first batch. `url` is the database's, for those extra connections. The flag says whether
/// every statement was observed (one that never waited was not).
pub fn run_observing_locks(
    url: &str,
    client: &mut postgres::Client,
    step: &shiftplan::Step,
) -> Result<(Held, bool), String> {
    let fail = |s: &str, e: postgres::Error| {
        format!("{} ({}): `{s}`: {}", step.id, step.change, describe(&e))
    };
    let own_pid: i32 = client
        .query_one("SELECT pg_backend_pid()", &[])
        .map_err(|e| fail("pg_backend_pid()", e))?
        .get(0);
    // Relations created by the step have oids past every one that existed before it.
    let next_oid: u32 = client
        .query_one("SELECT max(oid)::oid FROM pg_class", &[])
        .map_err(|e| fail("max(oid)", e))?
        .get::<_, u32>(0)
        + 1;
    let mut held = BTreeMap::<u32, (String, String)>::new();
    let mut complete = true;
    let mut note = |rows: Vec<postgres::Row>| {
        for row in rows {
            let (oid, relation, mode): (u32, String, String) = (row.get(0), row.get(1), row.get(2));
            let mode = mode.strip_suffix("Lock").unwrap_or(&mode).chars().fold(
                String::new(),
                |mut out, c| {
                    if c.is_uppercase() && !out.is_empty() {
                        out.push(' ');
                    }
                    out.push(c.to_ascii_uppercase());
                    out
                },
            );
            let stronger = held
                .get(&oid)
                .is_none_or(|(_, m)| lock_rank(m) < lock_rank(&mode));
            if stronger {
                held.insert(oid, (relation, mode));
            }
        }
    };
    let observed_tx = |client: &mut postgres::Client,
                       statements: &[String]|
     -> Result<(Vec<postgres::Row>, u64), String> {
        let mut tx = client.transaction().map_err(|e| fail("BEGIN", e))?;
        let mut affected = 0;
        for s in statements {
            affected = if statements.len() == 1 {
                tx.execute(s.as_str(), &[]).map_err(|e| fail(s, e))?
            } else {
                tx.batch_execute(s).map_err(|e| fail(s, e))?;
                0
            };
        }
        let rows = tx
            .query(HELD, &[&next_oid, &own_pid])
            .map_err(|e| fail("pg_locks", e))?;
        tx.commit().map_err(|e| fail("COMMIT", e))?;
        Ok((rows, affected))
    };
    if step.repeat_until_zero_rows && step.sql.len() == 1 {
        let (rows, affected) = observed_tx(client, &step.sql)?;
        note(rows);
        if affected > 0 {
            run_statements(client, step, &step.sql)?;
        }
    } else if step.transactional {
        let (rows, _) = observed_tx(client, &step.sql)?;
        note(rows);
    } else {
        for s in &step.sql {
            if s.contains("CONCURRENTLY") {
                match run_concurrently_observed(url, client, s, &step.lock.relations, next_oid)
                    .map_err(|e| format!("{} ({}): `{s}`: {e}", step.id, step.change))?
                {
                    Some(rows) => note(rows),
                    None => complete = false,
                }
            } else {
                let (rows, _) = observed_tx(client, std::slice::from_ref(s))?;
                note(rows);
            }
        }
    }
    Ok((held, complete))
}

/// The table locks (see [`run_observing_locks`]) of backend `$2` on relations older than `$1`.
const HELD: &str = "SELECT c.oid, quote_ident(n.nspname) || '.' || quote_ident(c.relname), l.mode \
    FROM pg_locks l JOIN pg_class c ON c.oid = l.relation \
    JOIN pg_namespace n ON n.oid = c.relnamespace \
    WHERE l.pid = $2 AND l.locktype = 'relation' AND l.granted \
      AND c.relkind IN ('r', 'p', 'v', 'm', 'S') \
      AND c.relnamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace) \
      AND c.oid < $1::oid";

/// Runs a statement that cannot run in a transaction (CREATE/DROP INDEX CONCURRENTLY, REINDEX
/// CONCURRENTLY, DETACH PARTITION CONCURRENTLY) on a connection of its own, while another
/// connection holds a REPEATABLE READ transaction open with ACCESS SHARE on `relations`: such a
/// statement waits between its phases for older snapshots or lockers, and while it waits, its
/// table locks are read from pg_locks. `None` when it finished without waiting.
fn run_concurrently_observed(
    url: &str,
    client: &mut postgres::Client,
    statement: &str,
    relations: &[String],
    next_oid: u32,
) -> Result<Option<Vec<postgres::Row>>, String> {
    let connect = || postgres::Client::connect(url, postgres::NoTls).map_err(|e| describe(&e));
    let mut blocker = connect()?;
    let mut runner = connect()?;
    let runner_pid: i32 = runner
        .query_one("SELECT pg_backend_pid()", &[])
        .map_err(|e| describe(&e))?
        .get(0);
    blocker
        .batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT 1")
        .map_err(|e| describe(&e))?;
    for r in relations {
        let exists: bool = blocker
            .query_one("SELECT to_regclass($1) IS NOT NULL", &[r])
            .map_err(|e| describe(&e))?
            .get(0);
        if exists {
            blocker
                .batch_execute(&format!("LOCK TABLE {r} IN ACCESS SHARE MODE"))
                .map_err(|e| describe(&e))?;
        }
    }
    let sql = statement.to_string();
    let running = std::thread::spawn(move || runner.batch_execute(&sql).map_err(|e| describe(&e)));
    let mut observed = None;
    let started = std::time::Instant::now();
    while !running.is_finished() && started.elapsed() < std::time::Duration::from_secs(60) {
        let waiting: bool = client
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE pid = $1 AND NOT granted)",
                &[&runner_pid],
            )
            .map_err(|e| describe(&e))?
            .get(0);
        if waiting {
            observed = Some(
                client
                    .query(HELD, &[&next_oid, &runner_pid])
                    .map_err(|e| describe(&e))?,
            );
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    blocker.batch_execute("COMMIT").map_err(|e| describe(&e))?;
    running
        .join()
        .map_err(|_| "the statement's thread panicked".to_string())??;
    Ok(observed)
}

/// What the step's `lock` says against what it held (`named`: the oids of the relations its lock
/// names, resolved before it ran, so a renamed relation is still the one named): no relation
/// locked more strongly than the step's level (ACCESS SHARE, which only waits for ACCESS
/// EXCLUSIVE, aside), and every relation it locked in SHARE UPDATE EXCLUSIVE or stronger (modes
/// that make writes, DDL or VACUUM wait) named among its relations. Steps whose hazard says
/// their effect is unknown (statements kept as text) are not held to a lock they cannot know.
pub fn check_lock(step: &shiftplan::Step, named: &BTreeSet<u32>, held: &Held) -> Vec<String> {
    let mut wrong = Vec::new();
    if step.hazards.iter().any(|h| h.code == "unknown-effect") {
        return wrong;
    }
    let declared = lock_rank(&step.lock.level).unwrap_or(0);
    for (oid, (relation, mode)) in held {
        let rank = lock_rank(mode).unwrap_or(0);
        if rank > declared.max(1) {
            wrong.push(format!(
                "{} ({}) holds {mode} on {relation}, but its lock says {} on {:?}",
                step.id, step.change, step.lock.level, step.lock.relations
            ));
        } else if rank >= 4 && !named.contains(oid) {
            wrong.push(format!(
                "{} ({}) holds {mode} on {relation}, which its lock does not name ({:?})",
                step.id, step.change, step.lock.relations
            ));
        }
    }
    wrong
}
