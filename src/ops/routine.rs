//! Functions, triggers, policies and row-level security: replaced as opaque text (the planner
//! cannot see inside them), new ones in expand, removed ones in contract.

use super::{Context, StepDraft, key};
use crate::diff::Change;
use crate::model::{Function, FunctionKind, Policy, QualifiedName, Trigger, quote_ident};
use crate::plan::{LockDuration, PhaseName};

fn kind(f: &Function) -> &'static str {
    match f.kind {
        FunctionKind::Function => "FUNCTION",
        FunctionKind::Procedure => "PROCEDURE",
        FunctionKind::Aggregate => "AGGREGATE",
    }
}

fn drop_function_sql(f: &Function) -> String {
    format!("DROP {} {}", kind(f), f.id)
}

/// `CREATE FUNCTION` → `CREATE OR REPLACE FUNCTION` (the definition as written).
fn or_replace(definition: &str) -> String {
    let trimmed = definition.trim_start();
    let upper = trimmed.to_ascii_uppercase();
    if upper.starts_with("CREATE OR REPLACE") {
        return trimmed.to_string();
    }
    match trimmed.get(..6) {
        Some(w) if w.eq_ignore_ascii_case("CREATE") => {
            format!("CREATE OR REPLACE{}", &trimmed[6..])
        }
        _ => trimmed.to_string(),
    }
}

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

/// Function bodies may name objects created later in the plan: their check waits for the call.
const NO_BODY_CHECK: &str = "SET LOCAL check_function_bodies = off";

fn policy_sql(table: &QualifiedName, p: &Policy) -> String {
    crate::render::ddl::create_policy(table, p)
}

fn trigger_sql(table: &QualifiedName, t: &Trigger) -> Vec<String> {
    let mut v = vec![t.definition.trim().trim_end_matches(';').to_string()];
    if !t.enabled {
        v.push(format!(
            "ALTER TABLE {table} DISABLE TRIGGER {}",
            quote_ident(&t.name)
        ));
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
            .sql(f.definition.trim().trim_end_matches(';').to_string())
            .rollback(drop_function_sql(f))
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
            .sql(drop_function_sql(f))
            .rollback(NO_BODY_CHECK)
            .rollback(f.definition.trim().trim_end_matches(';').to_string())
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
                    .sql(drop_function_sql(from))
                    .sql(to.definition.trim().trim_end_matches(';').to_string())
                    .rollback(drop_function_sql(to))
                    .rollback(from.definition.trim().trim_end_matches(';').to_string());
            } else {
                s = s
                    .sql(or_replace(&to.definition).trim_end_matches(';').to_string())
                    .rollback(
                        or_replace(&from.definition)
                            .trim_end_matches(';')
                            .to_string(),
                    );
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
            .rollback(format!(
                "DROP TRIGGER {} ON {table}",
                quote_ident(&trigger.name)
            ))
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
            .sql(format!(
                "DROP TRIGGER {} ON {table}",
                quote_ident(&trigger.name)
            ))
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
            .rollback(format!(
                "DROP POLICY {} ON {table}",
                quote_ident(&policy.name)
            ))
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
            .sql(format!(
                "DROP POLICY {} ON {table}",
                quote_ident(&policy.name)
            ))
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
            let sql = |(rls, force): (bool, bool)| {
                vec![
                    format!(
                        "ALTER TABLE {table} {} ROW LEVEL SECURITY",
                        if rls { "ENABLE" } else { "DISABLE" }
                    ),
                    format!(
                        "ALTER TABLE {table} {}FORCE ROW LEVEL SECURITY",
                        if force { "" } else { "NO " }
                    ),
                ]
            };
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
