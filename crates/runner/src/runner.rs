//! The runner's commands on a database: apply, rollback, status, verify (plan-v1.md "Native CLI").

use std::collections::BTreeMap;
use std::time::Duration;

use postgres::Client;
use shiftplan::{PhaseName, Plan, Step};

use crate::drift;
use crate::error::{RunError, describe};
use crate::executor::{Action, ExecOptions, Executor, format_duration};
use crate::history::{History, StepRecord, StepState, phase_state};
use crate::introspect::introspect;
use crate::plan_file::LoadedPlan;
use crate::progress::Progress;

/// The advisory lock key held while a runner works on a database ("shiftpla" in ASCII): one runner
/// at a time per database, whatever the plan (two plans changing one database at once could
/// interleave their steps).
pub const ADVISORY_LOCK_KEY: i64 = 0x7368_6966_7470_6c61;

/// Where and how to run.
#[derive(Debug, Clone)]
pub struct Target {
    pub database_url: String,
    /// The history schema (`shiftplan`).
    pub history_schema: String,
}

/// Which phases `apply` runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selection {
    /// This phase only (the phases before it must be applied).
    Phase(PhaseName),
    /// Every phase up to and including this one.
    Through(PhaseName),
}

#[derive(Debug, Clone)]
pub struct ApplyOptions {
    pub selection: Selection,
    pub dry_run: bool,
    /// Apply even when the live schema differs from the plan's `from` schema.
    pub force: bool,
    /// Fail at once when another runner holds the lock.
    pub no_wait: bool,
    /// Run before contract (e.g. pg_dump); its failure stops the run.
    pub backup_command: Option<String>,
    pub exec: ExecOptions,
}

impl ApplyOptions {
    /// Options for a plain apply: no dry run, no --force, waiting for the lock, no backup command.
    pub fn new(selection: Selection, exec: ExecOptions) -> ApplyOptions {
        ApplyOptions {
            selection,
            dry_run: false,
            force: false,
            no_wait: false,
            backup_command: None,
            exec,
        }
    }
}

/// Connects, naming the server (never the password) when it fails.
pub fn connect(url: &str) -> Result<Client, RunError> {
    let mut config: postgres::Config = url
        .parse()
        .map_err(|e| RunError::BadInput(format!("error: the database URL is not valid: {e}")))?;
    if config.get_application_name().is_none() {
        config.application_name("shiftplan");
    }
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(Duration::from_secs(10));
    }
    config.connect(postgres::NoTls).map_err(|e| {
        let hosts: Vec<String> = config
            .get_hosts()
            .iter()
            .map(|h| match h {
                postgres::config::Host::Tcp(h) => h.clone(),
                postgres::config::Host::Unix(p) => p.display().to_string(),
            })
            .collect();
        let port = config.get_ports().first().copied().unwrap_or(5432);
        RunError::Database(format!(
            "error: cannot connect to database `{}` on {}:{port} as `{}`: {}",
            config.get_dbname().unwrap_or("(default)"),
            if hosts.is_empty() {
                "localhost".to_string()
            } else {
                hosts.join(",")
            },
            config.get_user().unwrap_or("(default user)"),
            describe(&e)
        ))
    })
}

/// Takes the runner's advisory lock: at once, or after waiting (with a message) unless `no_wait`.
pub fn lock(client: &mut Client, no_wait: bool, progress: &Progress) -> Result<(), RunError> {
    let db = |e: postgres::Error| RunError::database("taking the runner's advisory lock", &e);
    let got: bool = client
        .query_one("SELECT pg_try_advisory_lock($1)", &[&ADVISORY_LOCK_KEY])
        .map_err(db)?
        .get(0);
    if got {
        return Ok(());
    }
    let holder = client
        .query_opt(
            "SELECT l.pid, coalesce(a.application_name, ''), coalesce(a.client_addr::text, 'local')
             FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
             WHERE l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
               AND l.classid = ($1 >> 32)::oid AND l.objid = ($1 & 4294967295)::oid AND l.objsubid = 1",
            &[&ADVISORY_LOCK_KEY],
        )
        .ok()
        .flatten()
        .map(|r| format!("server process {} ({} from {})", r.get::<_, i32>(0), r.get::<_, String>(1), r.get::<_, String>(2)))
        .unwrap_or_else(|| "another session".to_string());
    if no_wait {
        return Err(RunError::Database(format!(
            "error: another shiftplan runner is working on this database ({holder} holds the lock); \
             not waiting (--no-wait). Run again when it is done, or see `shiftplan status`."
        )));
    }
    progress.line(&format!("another shiftplan runner is working on this database ({holder}); waiting for it to finish..."));
    // Polled, never a blocking pg_advisory_lock: a session waiting inside a statement holds a
    // snapshot, and the other runner's CREATE INDEX CONCURRENTLY waits for every such snapshot to
    // end: a deadlock. Between tries this session is idle, outside any transaction.
    let mut pause = Duration::from_millis(100);
    loop {
        std::thread::sleep(pause);
        let got: bool = client
            .query_one("SELECT pg_try_advisory_lock($1)", &[&ADVISORY_LOCK_KEY])
            .map_err(db)?
            .get(0);
        if got {
            progress.line("the other runner finished; going on");
            return Ok(());
        }
        pause = (pause * 2).min(Duration::from_secs(1));
    }
}

/// The per-object fingerprints of the live schema.
pub fn live_objects(
    client: &mut Client,
    target: &Target,
) -> Result<BTreeMap<String, String>, RunError> {
    let catalog = introspect(client, &target.history_schema)?;
    Ok(shiftplan::fingerprint::object_fingerprints(&catalog))
}

/// Checks the live schema is the plan's `from` schema.
fn check_from(
    client: &mut Client,
    target: &Target,
    plan: &LoadedPlan,
    force: bool,
    progress: &Progress,
) -> Result<(), RunError> {
    let catalog = introspect(client, &target.history_schema)?;
    if shiftplan::fingerprint::fingerprint(&catalog) == plan.plan.from_fingerprint {
        return Ok(());
    }
    let live = shiftplan::fingerprint::object_fingerprints(&catalog);
    let expected = drift::without_schema(&plan.plan.objects.from, &target.history_schema);
    let mut differences = drift::compare(&expected, &live);
    drift::explain_columns(
        &mut differences,
        &plan.plan.objects.columns.from,
        &shiftplan::fingerprint::column_shapes(&catalog),
    );
    let unchecked = drift::unchecked(&expected);
    if !unchecked.is_empty() {
        progress.line(&format!(
            "note: not checked against the database (kept as SQL text by the model): {}",
            unchecked.join(", ")
        ));
    }
    if differences.is_empty() {
        return Ok(());
    }
    let list = drift::describe(&differences);
    let message = format!(
        "the database's schema is not the one this plan starts from ({} differing object{}):\n{list}",
        differences.len(),
        if differences.len() == 1 { "" } else { "s" }
    );
    if force {
        progress.line(&format!("warning: {message}\n  applying anyway (--force)"));
        return Ok(());
    }
    Err(RunError::Drift(format!(
        "{}: error: {message}\nNothing was applied. Plan again from this database's schema, or pass --force to apply anyway.",
        plan.source
    )))
}

fn check_server_version(
    client: &mut Client,
    plan: &Plan,
    force: bool,
    progress: &Progress,
) -> Result<(), RunError> {
    let version: i32 = client
        .query_one("SELECT current_setting('server_version_num')::int", &[])
        .map_err(|e| RunError::database("reading the server version", &e))?
        .get(0);
    let major = (version / 10000) as u32;
    if major < plan.server_version && !force {
        return Err(RunError::BadInput(format!(
            "error: the plan was made for PostgreSQL {} but the server runs PostgreSQL {major}: its statements may not run here. \
             Plan again with --pg-version {major}, or pass --force.",
            plan.server_version
        )));
    }
    if major != plan.server_version {
        progress.line(&format!(
            "note: the plan was made for PostgreSQL {}, the server runs PostgreSQL {major}",
            plan.server_version
        ));
    }
    Ok(())
}

/// The phases `selection` runs, in order, or why it cannot.
fn phases_to_run(
    plan: &Plan,
    selection: Selection,
    records: &BTreeMap<String, StepRecord>,
) -> Result<Vec<PhaseName>, RunError> {
    let last = match selection {
        Selection::Phase(p) | Selection::Through(p) => p,
    };
    let present: Vec<PhaseName> = plan.phases.iter().map(|p| p.name).collect();
    if let Selection::Phase(p) = selection {
        for earlier in present.iter().filter(|e| **e < p) {
            if phase_state(plan, *earlier, records) != StepState::Applied {
                return Err(RunError::BadInput(format!(
                    "error: phase {earlier} is not applied yet, and it comes before {p}: apply --phase {earlier} first (or --through {p})"
                )));
            }
        }
        return Ok(if present.contains(&p) {
            vec![p]
        } else {
            Vec::new()
        });
    }
    Ok(present.into_iter().filter(|p| *p <= last).collect())
}

/// What an apply did.
#[derive(Debug, Clone, Default)]
pub struct ApplyReport {
    pub steps_applied: Vec<String>,
    pub phases_applied: Vec<PhaseName>,
    /// Set when every phase is applied and the live schema differs from the plan's `to` schema.
    pub differs_from_target: Vec<drift::ObjectDifference>,
}

pub fn apply(
    plan: &LoadedPlan,
    target: &Target,
    options: &ApplyOptions,
    progress: &Progress,
) -> Result<ApplyReport, RunError> {
    let mut client = connect(&target.database_url)?;
    let history = History::new(&target.history_schema);
    if options.dry_run {
        dry_run(&mut client, plan, target, &history, options, progress)?;
        return Ok(ApplyReport::default());
    }
    lock(&mut client, options.no_wait, progress)?;
    check_server_version(&mut client, &plan.plan, options.force, progress)?;
    let history_exists = history.exists(&mut client)?;
    let recorded = if history_exists {
        history.recorded_checksum(&mut client, &plan.identity)?
    } else {
        None
    };
    if let Some(recorded) = &recorded
        && *recorded != plan.checksum
    {
        // record_plan gives the message.
        history.record_plan(&mut client, plan)?;
    }
    let mut records = if recorded.is_some() {
        history.step_records(&mut client, &plan.identity)?
    } else {
        BTreeMap::new()
    };
    if records.is_empty() {
        check_from(&mut client, target, plan, options.force, progress)?;
    }
    history.ensure(&mut client)?;
    history.record_plan(&mut client, plan)?;
    let interrupted = history.take_interrupted(&mut client, &plan.identity)?;
    for step in interrupted.keys() {
        progress.line(&format!(
            "step {step} was interrupted by an earlier run that stopped: resuming it"
        ));
    }
    if !interrupted.is_empty() {
        records = history.step_records(&mut client, &plan.identity)?;
    }
    if fully_applied(&plan.plan, &records) && reverted(&mut client, target, plan)? {
        let marked = history.mark_reverted(
            &mut client,
            &plan.identity,
            "the database's schema was the plan's `from` schema again: the transition was reverted outside this plan",
        )?;
        progress.line(&format!(
            "every step of this plan is recorded as applied, but the database's schema is the plan's `from` schema again \
             (the transition was reverted outside this plan): {marked} step(s) recorded as rolled back; applying it again"
        ));
        records = history.step_records(&mut client, &plan.identity)?;
    }
    let phases = phases_to_run(&plan.plan, options.selection, &records)?;
    if let Selection::Phase(p) = options.selection
        && phases.is_empty()
    {
        progress.line(&format!(
            "the plan has no step in phase {p}: nothing to apply"
        ));
    }
    let mut report = ApplyReport::default();
    for phase_name in phases {
        let Some(phase) = plan.plan.phases.iter().find(|p| p.name == phase_name) else {
            continue;
        };
        let pending: Vec<&Step> = phase
            .steps
            .iter()
            .filter(|s| records.get(&s.id).map(|r| r.state) != Some(StepState::Applied))
            .collect();
        if pending.is_empty() {
            progress.line(&format!("phase {phase_name}: already applied"));
            continue;
        }
        progress.line(&format!(
            "phase {phase_name}: {} step(s) to apply",
            pending.len()
        ));
        if let Some(checkpoint) = &phase.app_checkpoint {
            progress.line(&format!("  checkpoint before this phase: {checkpoint}"));
        }
        if phase_name == PhaseName::Contract
            && let Some(command) = &options.backup_command
        {
            run_backup(command, &target.database_url, progress)?;
        }
        let mut executor = Executor {
            client: &mut client,
            history: &history,
            plan_id: &plan.identity,
            options: &options.exec,
            progress,
        };
        for step in pending {
            executor.run_step(phase_name, step, Action::Apply)?;
            report.steps_applied.push(step.id.clone());
        }
        let objects = live_objects(&mut client, target)?;
        history.record_snapshot(&mut client, &plan.identity, phase_name, "apply", &objects)?;
        report.phases_applied.push(phase_name);
        records = history.step_records(&mut client, &plan.identity)?;
    }
    let all_applied = plan
        .plan
        .phases
        .iter()
        .all(|p| phase_state(&plan.plan, p.name, &records) == StepState::Applied);
    if all_applied && !report.steps_applied.is_empty() {
        let catalog = introspect(&mut client, &target.history_schema)?;
        let live = shiftplan::fingerprint::object_fingerprints(&catalog);
        report.differs_from_target = drift::compare(
            &drift::without_schema(&plan.plan.objects.to, &target.history_schema),
            &live,
        );
        drift::explain_columns(
            &mut report.differs_from_target,
            &plan.plan.objects.columns.to,
            &shiftplan::fingerprint::column_shapes(&catalog),
        );
        if !report.differs_from_target.is_empty() {
            progress.line(&format!(
                "warning: every step is applied, but the schema differs from the plan's target:\n{}",
                drift::describe(&report.differs_from_target)
            ));
        } else {
            // This plan undid any recorded plan that goes the other way: their history says so.
            for reverse in history.reverse_plans(
                &mut client,
                &plan.plan.from_fingerprint,
                &plan.plan.to_fingerprint,
            )? {
                if reverse == plan.identity {
                    continue;
                }
                let marked = history.mark_reverted(
                    &mut client,
                    &reverse,
                    &format!("reverted by plan {}", plan.identity),
                )?;
                if marked > 0 {
                    progress.line(&format!(
                        "plan {reverse} goes the other way: this plan reverted it, and its {marked} applied step(s) are recorded as rolled back"
                    ));
                }
            }
        }
    }
    progress.line(&next_action_line(&plan.plan, &records));
    Ok(report)
}

/// Whether every step of a plan that has steps is recorded as applied.
fn fully_applied(plan: &Plan, records: &BTreeMap<String, StepRecord>) -> bool {
    plan.steps().next().is_some()
        && plan
            .phases
            .iter()
            .all(|p| phase_state(plan, p.name, records) == StepState::Applied)
}

/// Whether the live schema is the plan's `from` schema and not its `to` schema: a plan recorded as
/// applied whose transition was reverted outside it (its reverse plan, or by hand).
fn reverted(client: &mut Client, target: &Target, plan: &LoadedPlan) -> Result<bool, RunError> {
    if plan.plan.from_fingerprint == plan.plan.to_fingerprint {
        return Ok(false);
    }
    let catalog = introspect(client, &target.history_schema)?;
    let whole = shiftplan::fingerprint::fingerprint(&catalog);
    if whole == plan.plan.to_fingerprint {
        return Ok(false);
    }
    if whole == plan.plan.from_fingerprint {
        return Ok(true);
    }
    let live = shiftplan::fingerprint::object_fingerprints(&catalog);
    let from = drift::without_schema(&plan.plan.objects.from, &target.history_schema);
    let to = drift::without_schema(&plan.plan.objects.to, &target.history_schema);
    Ok(drift::compare(&from, &live).is_empty() && !drift::compare(&to, &live).is_empty())
}

fn dry_run(
    client: &mut Client,
    plan: &LoadedPlan,
    target: &Target,
    history: &History,
    options: &ApplyOptions,
    progress: &Progress,
) -> Result<(), RunError> {
    check_server_version(client, &plan.plan, options.force, progress)?;
    let records = if history.exists(client)? {
        if let Some(recorded) = history.recorded_checksum(client, &plan.identity)?
            && recorded != plan.checksum
        {
            return Err(RunError::BadInput(format!(
                "{}: error: this plan (checksum {}) differs from the one recorded in the history under the same fingerprints \
                 (checksum {recorded})",
                plan.source, plan.checksum
            )));
        }
        history.step_records(client, &plan.identity)?
    } else {
        BTreeMap::new()
    };
    // A plan recorded as applied whose transition was reverted runs again (see `apply`).
    let records = if fully_applied(&plan.plan, &records) && reverted(client, target, plan)? {
        progress.line(
            "every step of this plan is recorded as applied, but the database's schema is the plan's `from` schema again: \
             apply would record it as rolled back and run it again",
        );
        BTreeMap::new()
    } else {
        records
    };
    if records.is_empty() {
        check_from(client, target, plan, options.force, progress)?;
    }
    let phases = phases_to_run(&plan.plan, options.selection, &records)?;
    println!(
        "-- dry run: nothing is executed. Lock timeout {}.",
        format_duration(options.exec.lock_timeout)
    );
    for phase_name in phases {
        let Some(phase) = plan.plan.phases.iter().find(|p| p.name == phase_name) else {
            continue;
        };
        println!("\n-- phase {phase_name}");
        if let Some(checkpoint) = &phase.app_checkpoint {
            println!("-- checkpoint: {checkpoint}");
        }
        if phase_name == PhaseName::Contract
            && let Some(command) = &options.backup_command
        {
            println!("-- would run the backup command first: {command}");
        }
        for step in &phase.steps {
            let state = records
                .get(&step.id)
                .map(|r| r.state)
                .unwrap_or(StepState::Pending);
            if state == StepState::Applied {
                println!("-- {} ({}): already applied", step.id, step.change);
                continue;
            }
            let how = if step.repeat_until_zero_rows {
                "batches, each its own transaction, until 0 rows"
            } else if step.transactional {
                "one transaction"
            } else {
                "autocommit, statement by statement"
            };
            println!(
                "-- {} ({}) [{}; lock {} on {}]",
                step.id,
                step.change,
                how,
                step.lock.level,
                step.lock.relations.join(", ")
            );
            for statement in &step.sql {
                println!("{};", statement.trim_end().trim_end_matches(';'));
            }
        }
    }
    Ok(())
}

fn run_backup(command: &str, database_url: &str, progress: &Progress) -> Result<(), RunError> {
    progress.line(&format!("  backup before contract: {command}"));
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(command)
        .env("DATABASE_URL", database_url)
        .status()
        .map_err(|e| {
            RunError::Database(format!(
                "error: the backup command could not start: {e}; contract not applied"
            ))
        })?;
    if !status.success() {
        return Err(RunError::Database(format!(
            "error: the backup command failed ({status}); contract not applied. Fix the backup, then apply --phase contract again."
        )));
    }
    Ok(())
}

/// What a rollback did.
#[derive(Debug, Clone, Default)]
pub struct RollbackReport {
    pub steps_rolled_back: Vec<String>,
}

pub fn rollback(
    plan: &LoadedPlan,
    target: &Target,
    phase_name: PhaseName,
    accept_data_loss: bool,
    no_wait: bool,
    exec: &ExecOptions,
    progress: &Progress,
) -> Result<RollbackReport, RunError> {
    let mut client = connect(&target.database_url)?;
    let history = History::new(&target.history_schema);
    lock(&mut client, no_wait, progress)?;
    if !history.exists(&mut client)?
        || history
            .recorded_checksum(&mut client, &plan.identity)?
            .is_none()
    {
        return Err(RunError::BadInput(format!(
            "{}: error: this plan was never applied to this database: nothing to roll back",
            plan.source
        )));
    }
    history.record_plan(&mut client, plan)?;
    history.take_interrupted(&mut client, &plan.identity)?;
    let records = history.step_records(&mut client, &plan.identity)?;
    for later in plan
        .plan
        .phases
        .iter()
        .rev()
        .filter(|p| p.name > phase_name)
    {
        let state = phase_state(&plan.plan, later.name, &records);
        if matches!(state, StepState::Applied | StepState::Partial) {
            return Err(RunError::BadInput(format!(
                "error: phase {} is {} and comes after {phase_name}: roll back --phase {} first",
                later.name,
                state.as_str(),
                later.name
            )));
        }
    }
    let Some(phase) = plan.plan.phases.iter().find(|p| p.name == phase_name) else {
        return Err(RunError::BadInput(format!(
            "{}: error: the plan has no phase {phase_name}",
            plan.source
        )));
    };
    let to_undo: Vec<&Step> = phase
        .steps
        .iter()
        .rev()
        .filter(|s| {
            matches!(
                records.get(&s.id).map(|r| r.state),
                Some(StepState::Applied | StepState::Partial)
            )
        })
        .collect();
    if to_undo.is_empty() {
        progress.line(&format!(
            "phase {phase_name}: nothing applied, nothing to roll back"
        ));
        return Ok(RollbackReport::default());
    }
    let irreversible: Vec<&&Step> = to_undo.iter().filter(|s| !s.reversible).collect();
    if !irreversible.is_empty() && !accept_data_loss {
        let list = irreversible
            .iter()
            .map(|s| {
                let why = s
                    .hazards
                    .iter()
                    .map(|h| h.message.as_str())
                    .collect::<Vec<_>>()
                    .join("; ");
                format!(
                    "  - {} ({}){}",
                    s.id,
                    s.change,
                    if why.is_empty() {
                        String::new()
                    } else {
                        format!(": {why}")
                    }
                )
            })
            .collect::<Vec<_>>()
            .join("\n");
        return Err(RunError::BadInput(format!(
            "error: phase {phase_name} holds irreversible steps: no statement can bring back what they removed:\n{list}\n\
             Nothing was rolled back. Restore from the backup taken before contract, or pass --accept-data-loss to roll \
             back the other steps and record these as rolled back."
        )));
    }
    progress.line(&format!(
        "rolling back phase {phase_name}: {} step(s), in reverse",
        to_undo.len()
    ));
    let mut report = RollbackReport::default();
    let mut executor = Executor {
        client: &mut client,
        history: &history,
        plan_id: &plan.identity,
        options: exec,
        progress,
    };
    for step in to_undo {
        if !step.reversible {
            progress.line(&format!(
                "  {} is irreversible: its data is not restored (--accept-data-loss)",
                step.id
            ));
        }
        executor.run_step(phase_name, step, Action::Rollback)?;
        report.steps_rolled_back.push(step.id.clone());
    }
    let objects = live_objects(&mut client, target)?;
    history.record_snapshot(
        &mut client,
        &plan.identity,
        phase_name,
        "rollback",
        &objects,
    )?;
    let records = history.step_records(&mut client, &plan.identity)?;
    progress.line(&next_action_line(&plan.plan, &records));
    Ok(report)
}

/// One phase's state, for `status`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PhaseStatus {
    pub name: PhaseName,
    pub state: &'static str,
    pub app_checkpoint: Option<String>,
    pub duration_ms: i64,
    pub steps: Vec<StepStatus>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct StepStatus {
    pub id: String,
    pub change: String,
    pub state: &'static str,
    pub duration_ms: Option<i64>,
    pub lock_timeouts: i64,
    pub rows_affected: Option<i64>,
    pub finished_at: Option<String>,
    pub last_error: Option<String>,
    pub cursor: Option<serde_json::Value>,
    /// Why it was recorded without running (a transition reverted outside the plan).
    pub note: Option<String>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Status {
    pub plan: String,
    pub checksum: String,
    /// Whether the history holds this plan with the same checksum (false: never applied here).
    pub recorded: bool,
    pub phases: Vec<PhaseStatus>,
    pub next_action: String,
}

pub fn status(plan: &LoadedPlan, target: &Target) -> Result<Status, RunError> {
    let mut client = connect(&target.database_url)?;
    let history = History::new(&target.history_schema);
    let mut recorded = false;
    let records = if history.exists(&mut client)? {
        match history.recorded_checksum(&mut client, &plan.identity)? {
            Some(checksum) if checksum != plan.checksum => {
                return Err(RunError::BadInput(format!(
                    "{}: error: this plan (checksum {}) differs from the one recorded under the same fingerprints (checksum {checksum})",
                    plan.source, plan.checksum
                )));
            }
            Some(_) => {
                recorded = true;
                history.step_records(&mut client, &plan.identity)?
            }
            None => BTreeMap::new(),
        }
    } else {
        BTreeMap::new()
    };
    Ok(status_of(plan, &records, recorded))
}

pub fn status_of(
    plan: &LoadedPlan,
    records: &BTreeMap<String, StepRecord>,
    recorded: bool,
) -> Status {
    let phases = plan
        .plan
        .phases
        .iter()
        .map(|phase| {
            let steps: Vec<StepStatus> = phase
                .steps
                .iter()
                .map(|step| {
                    let record = records.get(&step.id);
                    StepStatus {
                        id: step.id.clone(),
                        change: step.change.clone(),
                        state: record
                            .map(|r| r.state)
                            .unwrap_or(StepState::Pending)
                            .as_str(),
                        duration_ms: record.and_then(|r| r.duration_ms),
                        lock_timeouts: record.map(|r| r.lock_timeouts).unwrap_or(0),
                        rows_affected: record.and_then(|r| r.rows_affected),
                        finished_at: record.and_then(|r| r.finished_at.clone()),
                        last_error: record.and_then(|r| r.last_error.clone()),
                        cursor: record.and_then(|r| r.cursor.clone()),
                        note: record.and_then(|r| r.note.clone()),
                    }
                })
                .collect();
            PhaseStatus {
                name: phase.name,
                state: phase_state(&plan.plan, phase.name, records).as_str(),
                app_checkpoint: phase.app_checkpoint.clone(),
                duration_ms: steps.iter().filter_map(|s| s.duration_ms).sum(),
                steps,
            }
        })
        .collect();
    Status {
        plan: plan.identity.clone(),
        checksum: plan.checksum.clone(),
        recorded,
        phases,
        next_action: next_action(&plan.plan, records),
    }
}

fn next_action_line(plan: &Plan, records: &BTreeMap<String, StepRecord>) -> String {
    format!("next: {}", next_action(plan, records))
}

/// The next thing to do, in words.
pub fn next_action(plan: &Plan, records: &BTreeMap<String, StepRecord>) -> String {
    if plan.phases.iter().all(|p| p.steps.is_empty()) {
        return "nothing to do: the plan has no step (the schemas are the same)".to_string();
    }
    for phase in &plan.phases {
        match phase_state(plan, phase.name, records) {
            StepState::Applied => continue,
            StepState::Partial => {
                let stuck = phase
                    .steps
                    .iter()
                    .find(|s| records.get(&s.id).map(|r| r.state) != Some(StepState::Applied));
                let detail = stuck
                    .map(|s| {
                        let error = records.get(&s.id).and_then(|r| r.last_error.clone());
                        match error {
                            Some(e) => format!(" (step {} stopped: {e})", s.id),
                            None => format!(" (step {} is next)", s.id),
                        }
                    })
                    .unwrap_or_default();
                return format!(
                    "phase {} is partly applied{detail}: run apply --phase {} again to resume it, or rollback --phase {}",
                    phase.name, phase.name, phase.name
                );
            }
            StepState::Pending | StepState::RolledBack => {
                return match &phase.app_checkpoint {
                    Some(checkpoint) => checkpoint_then_apply(checkpoint, phase.name),
                    None => format!("apply --phase {}", phase.name),
                };
            }
        }
    }
    "done: every phase is applied; `verify` checks the schema is the plan's target".to_string()
}

/// The next action when a checkpoint comes first. A checkpoint is either what to deploy (`the code
/// that reads name`) or a sentence saying what must hold (`Every instance of the application runs
/// the version written for the new schema.`); `Nothing to deploy first...` needs no action.
fn checkpoint_then_apply(checkpoint: &str, phase: PhaseName) -> String {
    let text = checkpoint.trim().trim_end_matches('.');
    let lower = text.to_lowercase();
    if lower.starts_with("nothing to deploy") {
        return format!("apply --phase {phase}");
    }
    if let Some(rest) = lower.strip_prefix("deploy ") {
        return format!(
            "deploy {}, then apply --phase {phase}",
            &text[text.len() - rest.len()..]
        );
    }
    if text.chars().next().is_some_and(char::is_uppercase) {
        return format!(
            "make sure that {}{}, then apply --phase {phase}",
            lower.get(..1).unwrap_or(""),
            text.get(1..).unwrap_or("")
        );
    }
    format!("deploy {text}, then apply --phase {phase}")
}

/// What `verify` found.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Verification {
    /// What the live schema was compared with, in words.
    pub expected: String,
    pub differences: Vec<drift::ObjectDifference>,
    /// Differences plan-v1.md allows, in words (an enum keeps the values a rolled-back step added).
    pub allowed: Vec<String>,
}

/// Enum differences the plan says its rollback leaves (plan-v1.md: PostgreSQL cannot drop an enum
/// value; the step's hazard `enum-value-irreversible` says so): moved from `differences` to `allowed`.
fn allow_kept_enum_values(
    plan: &Plan,
    records: &BTreeMap<String, StepRecord>,
    verification: &mut Verification,
) {
    let kept: Vec<&Step> = plan
        .steps()
        .filter(|s| records.get(&s.id).map(|r| r.state) == Some(StepState::RolledBack))
        .filter(|s| {
            s.hazards
                .iter()
                .any(|h| h.code == "enum-value-irreversible")
        })
        .collect();
    verification.differences.retain(|d| {
        let Some(name) = d.object.strip_prefix("enum ") else { return true };
        let steps: Vec<&str> = kept.iter().filter(|s| s.change.contains(name)).map(|s| s.id.as_str()).collect();
        if d.difference != drift::Difference::Changed || steps.is_empty() {
            return true;
        }
        verification.allowed.push(format!(
            "enum {name} keeps the values added by rolled-back step(s) {} (PostgreSQL cannot drop an enum value)",
            steps.join(", ")
        ));
        false
    });
}

pub fn verify(plan: &LoadedPlan, target: &Target) -> Result<Verification, RunError> {
    let mut client = connect(&target.database_url)?;
    let history = History::new(&target.history_schema);
    let records = if history.exists(&mut client)?
        && history
            .recorded_checksum(&mut client, &plan.identity)?
            .is_some()
    {
        history.record_plan(&mut client, plan)?;
        history.step_records(&mut client, &plan.identity)?
    } else {
        BTreeMap::new()
    };
    let catalog = introspect(&mut client, &target.history_schema)?;
    let live = shiftplan::fingerprint::object_fingerprints(&catalog);
    let states: Vec<(PhaseName, StepState)> = plan
        .plan
        .phases
        .iter()
        .map(|p| (p.name, phase_state(&plan.plan, p.name, &records)))
        .collect();
    let objects = &shiftplan::plan::ObjectFingerprints {
        from: drift::without_schema(&plan.plan.objects.from, &target.history_schema),
        to: drift::without_schema(&plan.plan.objects.to, &target.history_schema),
        columns: plan.plan.objects.columns.clone(),
    };
    let live_columns = shiftplan::fingerprint::column_shapes(&catalog);
    let no_columns = BTreeMap::new();
    let (expected_text, expected, expected_columns) =
        if states.iter().all(|(_, s)| *s == StepState::Applied) && !states.is_empty() {
            if shiftplan::fingerprint::fingerprint(&catalog) == plan.plan.to_fingerprint {
                return Ok(Verification {
                    expected: "the plan's target schema (`to`)".into(),
                    ..Verification::default()
                });
            }
            (
                "the plan's target schema (`to`)".to_string(),
                objects.to.clone(),
                &objects.columns.to,
            )
        } else if states
            .iter()
            .all(|(_, s)| matches!(s, StepState::Pending | StepState::RolledBack))
        {
            if shiftplan::fingerprint::fingerprint(&catalog) == plan.plan.from_fingerprint {
                return Ok(Verification {
                    expected: "the plan's starting schema (`from`)".into(),
                    ..Verification::default()
                });
            }
            (
                "the plan's starting schema (`from`)".to_string(),
                objects.from.clone(),
                &objects.columns.from,
            )
        } else {
            // Between two phases: the schema recorded when the last applied phase finished; without
            // one (or while a phase is partly applied), the objects the plan leaves alone.
            let last_applied = states
                .iter()
                .rev()
                .find(|(_, s)| *s == StepState::Applied)
                .map(|(p, _)| *p);
            let partial = states
                .iter()
                .find(|(_, s)| *s == StepState::Partial)
                .map(|(p, _)| *p);
            let snapshot = match (partial, last_applied) {
                (None, Some(phase)) => history
                    .snapshot(&mut client, &plan.identity, phase)?
                    .map(|s| (phase, s)),
                _ => None,
            };
            match snapshot {
                // The snapshot holds object fingerprints only: no column to name.
                Some((phase, snapshot)) => (
                    format!("the schema recorded when phase {phase} was applied"),
                    snapshot,
                    &no_columns,
                ),
                None => {
                    let untouched = drift::untouched(&objects.from, &objects.to);
                    let live_untouched: BTreeMap<String, String> = live
                        .iter()
                        .filter(|(k, _)| untouched.contains_key(*k))
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect();
                    let text = match partial {
                        Some(phase) => format!(
                            "the objects the plan leaves alone (phase {phase} is partly applied)"
                        ),
                        None => "the objects the plan leaves alone".to_string(),
                    };
                    let mut differences = drift::compare(&untouched, &live_untouched);
                    drift::explain_columns(&mut differences, &objects.columns.from, &live_columns);
                    return Ok(Verification {
                        expected: text,
                        differences,
                        ..Verification::default()
                    });
                }
            }
        };
    let mut differences = drift::compare(&expected, &live);
    drift::explain_columns(&mut differences, expected_columns, &live_columns);
    let mut verification = Verification {
        expected: expected_text,
        differences,
        ..Verification::default()
    };
    allow_kept_enum_values(&plan.plan, &records, &mut verification);
    Ok(verification)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkpoints_read_as_the_next_action() {
        let c = PhaseName::Contract;
        assert_eq!(
            checkpoint_then_apply("the code that reads `name`", c),
            "deploy the code that reads `name`, then apply --phase contract"
        );
        assert_eq!(
            checkpoint_then_apply("Deploy the new version.", c),
            "deploy the new version, then apply --phase contract"
        );
        assert_eq!(
            checkpoint_then_apply(
                "Every instance runs the new version; nothing uses column public.users.fullname any more.",
                c
            ),
            "make sure that every instance runs the new version; nothing uses column public.users.fullname any more, then apply --phase contract"
        );
        assert_eq!(
            checkpoint_then_apply(
                "Nothing to deploy first: the application keeps working.",
                PhaseName::DualWrite
            ),
            "apply --phase dual_write"
        );
    }
}
