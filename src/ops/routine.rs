//! Functions, triggers, policies and row-level security: replaced as opaque text (the planner
//! cannot see inside them), new ones in expand, removed ones in contract.

use super::{Context, StepDraft, key};
use crate::diff::Change;
use crate::model::{Function, FunctionKind, Policy, QualifiedName, Trigger, quote_ident};
use crate::plan::{LockDuration, PhaseName};
use crate::render::steps::{
    self, NO_BODY_CHECK, as_written, create_or_replace, drop_routine, routine_kind as kind,
};

/// Tables and types named in a function's result and argument types (a result `SETOF customer`
/// needs the table first). Names that are not created by the plan add no edge.
fn signature_needs(f: &Function) -> Vec<String> {
    let mut out = Vec::new();
    let result = f.returns.trim();
    let result = result.strip_prefix("SETOF ").unwrap_or(result);
    let mut words: Vec<&str> = vec![result];
    for arg in f.id.arguments.split(',') {
        words.extend(arg.split_whitespace());
    }
    for w in words {
        let w = w.trim().trim_end_matches("[]");
        if w.is_empty() || w.contains('(') {
            continue;
        }
        if let Ok(name) = QualifiedName::parse(w) {
            out.push(key::table(&name));
            out.push(key::type_(&name));
        }
    }
    out
}

fn function_keys(f: &Function) -> Vec<String> {
    vec![
        key::function(&f.id.to_string()),
        key::function_name(&f.id.name),
    ]
}

fn policy_sql(table: &QualifiedName, p: &Policy) -> String {
    crate::render::ddl::create_policy(table, p)
}

fn trigger_sql(table: &QualifiedName, t: &Trigger) -> Vec<String> {
    let mut v = vec![as_written(&t.definition)];
    if !t.enabled {
        v.push(steps::disable_trigger(table, &t.name));
    }
    v
}

pub fn steps(change: &Change, _cx: &Context<'_>) -> Vec<StepDraft> {
    match change {
        Change::CreateFunction { function: f } => {
            let mut s = StepDraft::new(
                PhaseName::Expand,
                format!("create {} {}", kind(f).to_ascii_lowercase(), f.id),
            )
            .sql(NO_BODY_CHECK)
            .sql(as_written(&f.definition))
            .rollback(drop_routine(f))
            .needs(key::schema(&f.id.name.schema))
            .needs_all(signature_needs(f));
            for k in function_keys(f) {
                s = s.creates(k);
            }
            vec![s]
        }
        Change::DropFunction { function: f } => {
            let mut s = StepDraft::new(
                PhaseName::Contract,
                format!("drop {} {}", kind(f).to_ascii_lowercase(), f.id),
            )
            .sql(drop_routine(f))
            .rollback(NO_BODY_CHECK)
            .rollback(as_written(&f.definition))
            .needs_old(key::schema(&f.id.name.schema));
            for k in function_keys(f) {
                s = s.drops(k);
            }
            vec![s]
        }
        Change::ReplaceFunction { from, to } => {
            let mut s = StepDraft::new(
                PhaseName::Expand,
                format!("replace {} {}", kind(to).to_ascii_lowercase(), to.id),
            )
            .sql(NO_BODY_CHECK)
            .rollback(NO_BODY_CHECK)
            .hazard(
                "object-replaced",
                format!(
                    "{} {} gets a new definition; callers see it at once",
                    kind(to).to_ascii_lowercase(),
                    to.id
                ),
                "Review the new definition: it must suit every deployed application version.",
            );
            if from.returns != to.returns
                || from.kind != to.kind
                || to.kind == FunctionKind::Aggregate
            {
                s = s
                    .sql(drop_routine(from))
                    .sql(as_written(&to.definition))
                    .rollback(drop_routine(to))
                    .rollback(as_written(&from.definition));
            } else {
                s = s
                    .sql(create_or_replace(&to.definition))
                    .rollback(create_or_replace(&from.definition));
            }
            for k in function_keys(to) {
                s = s.creates(k);
            }
            vec![s]
        }
        Change::CreateTrigger {
            table,
            trigger,
            replaced,
        } => {
            let mut s = StepDraft::new(
                PhaseName::Expand,
                format!(
                    "{} trigger {} on {table}",
                    if *replaced { "recreate" } else { "create" },
                    quote_ident(&trigger.name)
                ),
            )
            .rollback(steps::drop_trigger(table, &trigger.name))
            .lock("SHARE ROW EXCLUSIVE", &[table], LockDuration::Instant)
            .creates(key::trigger(table, &trigger.name))
            .needs(key::table(table))
            .needs(key::function_name(&trigger.function));
            s.sql = trigger_sql(table, trigger);
            if *replaced {
                s = s.hazard(
                    "object-replaced",
                    format!(
                        "trigger {} on {table} changes; writes see the new behaviour at once",
                        quote_ident(&trigger.name)
                    ),
                    "Review the new trigger: it must suit every deployed application version.",
                );
            }
            vec![s]
        }
        Change::DropTrigger {
            table,
            trigger,
            replaced,
        } => {
            let phase = if *replaced {
                PhaseName::Expand
            } else {
                PhaseName::Contract
            };
            let mut s = StepDraft::new(
                phase,
                format!("drop trigger {} on {table}", quote_ident(&trigger.name)),
            )
            .sql(steps::drop_trigger(table, &trigger.name))
            .lock("ACCESS EXCLUSIVE", &[table], LockDuration::Instant)
            .drops(key::trigger(table, &trigger.name))
            .needs_old(key::function_name(&trigger.function))
            .needs_old(key::table(table));
            s.rollback = trigger_sql(table, trigger);
            vec![s]
        }
        Change::CreatePolicy {
            table,
            policy,
            replaced,
        } => vec![
            StepDraft::new(
                PhaseName::Expand,
                format!(
                    "{} policy {} on {table}",
                    if *replaced { "recreate" } else { "create" },
                    quote_ident(&policy.name)
                ),
            )
            .sql(policy_sql(table, policy))
            .rollback(steps::drop_policy(table, &policy.name))
            .lock("ACCESS EXCLUSIVE", &[table], LockDuration::Instant)
            .creates(format!("policy {table}.{}", quote_ident(&policy.name)))
            .needs(key::table(table))
            .hazard(
                "security-change",
                format!(
                    "policy {} changes who may see or change rows of {table}",
                    quote_ident(&policy.name)
                ),
                "Review the policy by hand.",
            ),
        ],
        Change::DropPolicy {
            table,
            policy,
            replaced,
        } => vec![
            StepDraft::new(
                if *replaced {
                    PhaseName::Expand
                } else {
                    PhaseName::Contract
                },
                format!("drop policy {} on {table}", quote_ident(&policy.name)),
            )
            .sql(steps::drop_policy(table, &policy.name))
            .rollback(policy_sql(table, policy))
            .lock("ACCESS EXCLUSIVE", &[table], LockDuration::Instant)
            .drops(format!("policy {table}.{}", quote_ident(&policy.name)))
            .needs_old(key::table(table))
            .hazard(
                "security-change",
                format!(
                    "policy {} on {table} no longer applies",
                    quote_ident(&policy.name)
                ),
                "Review by hand.",
            ),
        ],
        Change::SetRowLevelSecurity { table, from, to } => {
            let sql = |(rls, force): (bool, bool)| steps::row_level_security(table, rls, force);
            let mut s = StepDraft::new(
                PhaseName::Expand,
                format!("set row-level security of {table}"),
            )
            .lock("ACCESS EXCLUSIVE", &[table], LockDuration::Instant)
            .needs(key::table(table))
            .hazard(
                "security-change",
                format!("row-level security of {table} changes"),
                "Create the policies users need before enabling it.",
            );
            s.sql = sql(*to);
            s.rollback = sql(*from);
            vec![s]
        }
        _ => Vec::new(),
    }
}
