//! `--format sql`: a script `psql -v ON_ERROR_STOP=1 -f` runs. Phases in order, each headed by its
//! checkpoint as a comment; transactional steps in BEGIN/COMMIT; others statement by statement;
//! backfill loops as top-level `DO` blocks that COMMIT per batch (PostgreSQL 11+).

use crate::plan::{Phase, Plan, Step};

fn comment_lines(text: &str) -> String {
    text.lines().map(|l| format!("-- {l}\n")).collect()
}

fn statement(sql: &str) -> String {
    let s = sql.trim_end();
    if s.ends_with(';') {
        format!("{s}\n")
    } else {
        format!("{s};\n")
    }
}

fn header(step: &Step) -> String {
    let mut out = format!("-- {}: {}\n", step.id, step.change);
    out.push_str(&format!(
        "--   lock: {} on {} ({})\n",
        step.lock.level,
        if step.lock.relations.is_empty() {
            "-".to_string()
        } else {
            step.lock.relations.join(", ")
        },
        serde_json::to_value(step.lock.duration)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    ));
    for h in &step.hazards {
        out.push_str(&format!(
            "--   {} [{}]: {}\n",
            h.code,
            h.severity.as_str(),
            h.message
        ));
    }
    out
}

/// The SQL of a list of statements run the way a step says.
fn body(sql: &[String], transactional: bool, repeat: bool) -> String {
    let mut out = String::new();
    if repeat {
        for s in sql {
            out.push_str(&format!(
                "DO $shiftplan_batch$\nDECLARE\n  affected bigint;\nBEGIN\n  LOOP\n    {};\n    GET DIAGNOSTICS affected = ROW_COUNT;\n    COMMIT;\n    EXIT WHEN affected = 0;\n  END LOOP;\nEND\n$shiftplan_batch$;\n",
                s.trim_end().trim_end_matches(';')
            ));
        }
    } else if transactional && !sql.is_empty() {
        out.push_str("BEGIN;\n");
        for s in sql {
            out.push_str(&statement(s));
        }
        out.push_str("COMMIT;\n");
    } else {
        for s in sql {
            out.push_str(&statement(s));
        }
    }
    out
}

/// The steps of one phase, forwards.
pub fn phase_up(phase: &Phase) -> String {
    let mut out = format!("-- ==== phase {} ====\n", phase.name);
    if let Some(c) = &phase.app_checkpoint {
        out.push_str(&comment_lines(&format!("checkpoint: {c}")));
    }
    for step in &phase.steps {
        out.push('\n');
        out.push_str(&header(step));
        out.push_str(&body(
            &step.sql,
            step.transactional,
            step.repeat_until_zero_rows,
        ));
    }
    out
}

/// The rollbacks of one phase's steps, in reverse order.
pub fn phase_down(phase: &Phase) -> String {
    let mut out = format!(
        "-- ==== rollback of phase {} (steps in reverse order) ====\n",
        phase.name
    );
    for step in phase.steps.iter().rev() {
        out.push('\n');
        out.push_str(&format!("-- undo {}: {}\n", step.id, step.change));
        if !step.reversible {
            out.push_str(
                "--   not reversible: no statement can undo this step (see its hazards)\n",
            );
            continue;
        }
        if step.rollback.is_empty() {
            out.push_str("--   nothing to undo\n");
        }
        out.push_str(&body(&step.rollback, step.transactional, false));
    }
    out
}

/// The whole plan as one psql script.
pub fn script(plan: &Plan) -> String {
    let mut out = format!(
        "-- shiftplan plan ({}) for PostgreSQL {}\n-- from {}\n-- to   {}\n-- safety: {}\n-- run: psql -v ON_ERROR_STOP=1 -f THIS_FILE \"$DATABASE_URL\"\n\\set ON_ERROR_STOP on\n",
        plan.format,
        plan.server_version,
        plan.from_fingerprint,
        plan.to_fingerprint,
        plan.safety.as_str()
    );
    for d in &plan.diagnostics {
        out.push_str(&comment_lines(&d.to_string()));
    }
    if plan.phases.is_empty() {
        out.push_str("-- the schemas are the same: nothing to do\n");
    }
    for phase in &plan.phases {
        out.push('\n');
        out.push_str(&phase_up(phase));
    }
    out
}
