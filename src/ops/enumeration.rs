//! Enums: create; add a value as its own non-transactional step, placed with BEFORE/AFTER to keep
//! the declared order, before anything that uses it; rename a value; removal or reordering through
//! a new type swapped in (contract, dangerous); drop.

use super::{Context, StepDraft, key};
use crate::diff::Change;
use crate::model::{BaseType, EnumType, QualifiedName, quote_ident};
use crate::plan::{LockDuration, PhaseName};
use crate::render::alter::{self, temporary_name};
use crate::render::ddl::{self, literal};
use crate::render::steps;

pub fn create_sql(e: &EnumType) -> String {
    ddl::create_enum(e)
}

pub fn steps(change: &Change, cx: &Context<'_>) -> Vec<StepDraft> {
    match change {
        Change::RenameEnum { from, to } => rename(from, to),
        Change::CreateEnum { enum_type } => vec![
            StepDraft::new(PhaseName::Expand, format!("create enum {}", enum_type.name))
                .sql(create_sql(enum_type))
                .rollback(steps::drop_type(&enum_type.name))
                .creates(key::type_(&enum_type.name))
                .needs(key::schema(&enum_type.name.schema)),
        ],
        Change::DropEnum { enum_type } => vec![
            StepDraft::new(PhaseName::Contract, format!("drop enum {}", enum_type.name))
                .sql(steps::drop_type(&enum_type.name))
                .rollback(create_sql(enum_type))
                .drops(key::type_(&enum_type.name))
                .needs_old(key::schema(&enum_type.name.schema)),
        ],
        Change::AddEnumValue {
            name,
            value,
            before,
            after,
            renamed_from,
        } => {
            // After a rollback of the rename the value stays in the type under its old name.
            let stays_in = match renamed_from {
                Some(old) => format!("{name} ({old} once the rename is rolled back)"),
                None => name.to_string(),
            };
            let mut s = StepDraft::new(
                PhaseName::Expand,
                format!("add value {} to enum {stays_in}", literal(value)),
            );
            if let Some(b) = before {
                s = s.needs(key::enum_value(name, b));
            } else if let Some(a) = after {
                s = s.needs(key::enum_value(name, a));
            }
            let mut s = s
                .sql(steps::add_enum_value(
                    name,
                    value,
                    before.as_deref(),
                    after.as_deref(),
                ))
                .non_transactional()
                .needs(key::type_(name))
                .creates(key::enum_value(name, value))
                .creates(format!("enum values {name}"))
                .hazard(
                    "enum-value-irreversible",
                    format!(
                        "the rollback cannot remove {} from {stays_in}: it stays, unused",
                        literal(value)
                    ),
                    "Harmless while no row uses it; rebuild the type to remove it.",
                );
            if cx.server_version < 12 {
                s.change.push_str(
                    " (outside any transaction: PostgreSQL before 12 refuses ADD VALUE in one)",
                );
            }
            vec![s]
        }
        Change::RenameEnumValue { name, from, to } => vec![
            StepDraft::new(
                PhaseName::Expand,
                format!(
                    "rename value {} of enum {name} to {}",
                    literal(from),
                    literal(to)
                ),
            )
            .sql(steps::rename_enum_value(name, from, to))
            .rollback(steps::rename_enum_value(name, to, from))
            .creates(key::enum_value(name, to))
            .needs(key::type_(name))
            .hazard(
                "object-replaced",
                format!(
                    "code that writes {} into {name} fails from now on",
                    literal(from)
                ),
                format!(
                    "Deploy code that accepts both {} and {} first.",
                    literal(from),
                    literal(to)
                ),
            ),
        ],
        Change::RebuildEnum { from, to, columns } => {
            let tmp = to
                .name
                .sibling(temporary_name(&to.name.name, "_shiftplan_new"));
            let mut tmp_enum = to.clone();
            tmp_enum.name = tmp.clone();
            let later = columns_created_after(cx, to, columns);
            let mut problem = format!(
                "{} loses or reorders values: every column of the type is rewritten, and rows holding a removed value make it fail",
                to.name
            );
            if !later.is_empty() {
                problem.push_str(&format!("; the columns the plan gives the type are created after it, in contract, so code cannot use them before: {}", later.join(", ")));
            }
            let mut s = StepDraft::new(
                PhaseName::Contract,
                format!(
                    "rebuild enum {} with values {}",
                    to.name,
                    to.labels.join(", ")
                ),
            )
            .sql(create_sql(&tmp_enum))
            .irreversible()
            .hazard(
                "enum-value-removed",
                problem,
                "Move rows off the removed values first; run in a quiet window.",
            )
            .drops(key::type_(&to.name))
            .creates(key::type_(&to.name))
            .creates(format!("enum values {}", to.name));
            let mut tables = Vec::new();
            for c in columns {
                let (table, column) = (&c.column.table, &c.column.column);
                if c.had_default {
                    s = s.sql(ddl::set_default(table, column, None));
                }
                s = s
                    .sql(steps::retype_to_enum(
                        table,
                        column,
                        &tmp,
                        c.array_dimensions as usize,
                    ))
                    .needs(key::table(table))
                    .creates(key::converted(table, column));
                // A renamed column is created by its rename's recipe, before the rebuild.
                s = if c.renamed {
                    s.needs(key::column(table, column))
                } else {
                    s.drops(key::column(table, column))
                };
                tables.push(table.clone());
                for d in &c.descendants {
                    s = s
                        .drops(key::column(d, column))
                        .creates(key::converted(d, column));
                    tables.push(d.clone());
                }
            }
            s = s
                .sql(steps::drop_type(&from.name))
                .sql(alter::rename_type(&tmp, &to.name.name));
            for c in columns {
                if let Some(d) = &c.default {
                    s = s.sql(ddl::set_default(&c.column.table, &c.column.column, Some(d)));
                }
            }
            tables.sort();
            tables.dedup();
            let refs: Vec<&crate::model::QualifiedName> = tables.iter().collect();
            vec![s.lock("ACCESS EXCLUSIVE", &refs, LockDuration::Rewrite)]
        }
        _ => Vec::new(),
    }
}

/// The `to` columns of a rebuilt enum that the rebuild does not switch: the plan creates them
/// (new tables, added, renamed or retyped columns) after the rebuild, with the final type.
/// Columns inherited from a parent are left out (they come with it).
fn columns_created_after(
    cx: &Context<'_>,
    to: &EnumType,
    switched: &[crate::diff::RebuiltColumn],
) -> Vec<String> {
    let mut out = Vec::new();
    for t in cx.to.tables.values() {
        for c in t.columns.values() {
            let inherited = t
                .parents()
                .filter_map(|p| cx.to.tables.get(p))
                .any(|p| p.columns.contains_key(&c.name));
            let is_switched = switched.iter().any(|r| {
                r.column.column == c.name
                    && (r.column.table == t.name || r.descendants.contains(&t.name))
            });
            if c.data_type.base == BaseType::User(to.name.clone()) && !inherited && !is_switched {
                out.push(format!("{}.{}", t.name, quote_ident(&c.name)));
            }
        }
    }
    out
}

/// `ALTER TYPE from RENAME TO` (SET SCHEMA first when the schema changes) and a domain over the
/// renamed type under the old name, so code that names the old type keeps working until contract.
fn rename(from: &QualifiedName, to: &QualifiedName) -> Vec<StepDraft> {
    let moved = QualifiedName::new(&to.schema, &from.name);
    let mut expand = StepDraft::new(
        PhaseName::Expand,
        format!("rename enum {from} to {to}, keeping {from} as a domain over it"),
    );
    if from.schema != to.schema {
        expand = expand.sql(alter::set_schema("TYPE", from, &to.schema));
    }
    if from.name != to.name {
        expand = expand.sql(alter::rename_type(&moved, &to.name));
    }
    expand = expand
        .sql(alter::create_domain_over(from, to))
        .rollback(steps::drop_domain(from));
    if from.name != to.name {
        expand = expand.rollback(alter::rename_type(to, &from.name));
    }
    if from.schema != to.schema {
        expand = expand.rollback(alter::set_schema("TYPE", &moved, &from.schema));
    }
    let expand = expand
        .lock("ACCESS EXCLUSIVE", &[from], LockDuration::Instant)
        .hazard(
            "enum-renamed",
            format!("enum {from} is renamed to {to} now, while old code runs: until contract {from} is a domain over {to}, so values cast to {from} can still be written, but a comparison of a column with a value cast to {from} (col = 'x'::{from}, an ORM's CAST($1 AS {from})) and enum_range(NULL::{from}) fail: PostgreSQL has no operator or enum function between the enum and the domain"),
            format!("Before this plan, deploy code that does not name the type {from} (compare with text parameters, or cast to text); then deploy code that names {to}, before contract."),
        )
        .creates(key::type_(to))
        .creates(format!("enum values {to}"))
        .needs(key::schema(&to.schema));
    let contract = StepDraft::new(
        PhaseName::Contract,
        format!("drop the compatibility domain {from} of enum {to}"),
    )
    .sql(steps::drop_domain(from))
    .rollback(alter::create_domain_over(from, to))
    .lock("ACCESS EXCLUSIVE", &[from], LockDuration::Instant)
    .drops(key::type_(from))
    .needs(key::type_(to))
    .hazard(
        "old-shape-removed",
        format!("code that still names the type {from} fails from now on"),
        format!("Deploy code that names {to} before contract."),
    );
    vec![expand, contract]
}
