//! Column defaults (SET / DROP DEFAULT: catalog-only) and identity (ADD / DROP / SET GENERATED).

use super::{Context, StepDraft, key, sequences_in};
use crate::diff::Change;
use crate::model::{Identity, QualifiedName, quote_ident};
use crate::plan::{LockDuration, PhaseName};
use crate::render::steps;

pub fn steps(change: &Change, cx: &Context<'_>) -> Vec<StepDraft> {
    match change {
        Change::SetDefault {
            table,
            column,
            from,
            to,
        } => {
            let what = format!("{table}.{}", quote_ident(column));
            let change = match to {
                Some(d) => format!("set default of {what} to {d}"),
                None => format!("drop default of {what}"),
            };
            let mut step = StepDraft::new(PhaseName::Expand, change)
                .sql(crate::render::ddl::set_default(
                    table,
                    column,
                    to.as_deref(),
                ))
                .rollback(crate::render::ddl::set_default(
                    table,
                    column,
                    from.as_deref(),
                ))
                .lock("ACCESS EXCLUSIVE", &[table], LockDuration::Instant)
                .needs(key::column(table, column));
            // A default may name enum values added (or a type rebuilt) by the plan.
            if let Some(c) = cx.to.tables.get(table).and_then(|t| t.columns.get(column)) {
                step = step.needs_all(super::type_needs(&c.data_type));
            }
            if let Some(d) = to {
                step = step.needs_all(sequences_in(d).iter().map(key::sequence));
            }
            if let Some(d) = from {
                step = step.needs_old_all(sequences_in(d).iter().map(key::sequence));
            }
            vec![step]
        }
        Change::AlterIdentity {
            table,
            column,
            from,
            to,
        } => vec![identity(table, column, from.as_ref(), to.as_ref())],
        _ => Vec::new(),
    }
}

pub fn identity_sql(
    table: &QualifiedName,
    column: &str,
    from: Option<&Identity>,
    to: Option<&Identity>,
) -> Vec<String> {
    match (from, to) {
        (None, None) => Vec::new(),
        (Some(_), None) => vec![steps::drop_identity(table, column)],
        (None, Some(i)) => vec![steps::add_identity(table, column, i)],
        (Some(a), Some(b)) => {
            let mut sql = Vec::new();
            if a.always != b.always {
                sql.push(steps::set_generated(table, column, b));
            }
            if a.options != b.options {
                sql.push(steps::set_identity_options(table, column, &b.options));
            }
            sql
        }
    }
}

fn identity(
    table: &QualifiedName,
    column: &str,
    from: Option<&Identity>,
    to: Option<&Identity>,
) -> StepDraft {
    let what = format!("{table}.{}", quote_ident(column));
    let mut step = StepDraft::new(PhaseName::Expand, format!("change identity of {what}"))
        .lock("ACCESS EXCLUSIVE", &[table], LockDuration::Instant)
        .needs(key::column(table, column))
        .needs(format!("not null {table}.{}", quote_ident(column)));
    step.sql = identity_sql(table, column, from, to);
    step.rollback = identity_sql(table, column, to, from);
    step
}
