//! Rename a column without breaking running code: a new column under the new name (expand), a
//! trigger keeping both in sync (dual_write), a batched backfill, NOT NULL carried over online
//! (backfill), then the trigger and the old column dropped and the default set (contract).
//! Indexes and constraints over the column are carried over by their own recipes
//! ([`crate::diff::Placement::Shadow`]). A type change through a shadow column
//! ([`super::column_type`]) is the same recipe with the new column swapped in at contract.

use super::column::{backfill_step, drop_trigger_step, not_null_steps, trigger_step};
use super::{Context, StepDraft, key, sequences_in, type_needs};
use crate::diff::Change;
use crate::model::{Column, QualifiedName, quote_ident};
use crate::plan::{LockDuration, PhaseName};
use crate::render::alter::temporary_name;
use crate::render::format::format_type as type_sql;
use crate::render::steps::{self, field, row_expression};

pub fn steps(change: &Change, cx: &Context<'_>) -> Vec<StepDraft> {
    match change {
        Change::RenameColumn {
            table,
            from,
            to,
            transform,
            table_columns,
        } => {
            let sync = Sync {
                table,
                old: from,
                new: to,
                new_physical: &to.name,
                transform: transform.as_ref(),
                table_columns,
            };
            let mut out = sync.expand_to_backfill(cx);
            let mut contract = sync.contract_base(format!(
                "drop the old column {table}.{} of the rename to {}",
                quote_ident(&from.name),
                quote_ident(&to.name)
            ));
            // A rebuilt enum's column gets its default from the rebuild, after the type is new.
            if let Some(d) = to.default.as_ref().filter(|_| !rebuilt(&to.data_type, cx)) {
                contract = contract
                    .sql(crate::render::ddl::set_default(table, &to.name, Some(d)))
                    .needs_all(sequences_in(d).iter().map(key::sequence));
            }
            out.push(contract.hazard(
                "old-shape-removed",
                format!(
                    "the old column {table}.{} is dropped: code that still uses the old name fails",
                    quote_ident(&from.name)
                ),
                format!(
                    "Deploy code that uses {} before contract.",
                    quote_ident(&to.name)
                ),
            ));
            out
        }
        _ => Vec::new(),
    }
}

/// Whether `t` is an enum the plan rebuilds in contract.
fn rebuilt(t: &crate::model::TypeName, cx: &Context<'_>) -> bool {
    matches!(&t.base, crate::model::BaseType::User(name) if cx.rebuilt_enums.contains(name))
}

/// `expr` converted from one type to another. A direct cast within a family PostgreSQL casts
/// between (numbers, character strings, date/times, json/jsonb, one type with other modifiers);
/// through `text` otherwise (enums, domains, json → bytea...): every type reads and prints text,
/// so the conversion is valid SQL and fails only on values the new type cannot read.
fn cast(expr: &str, from: &crate::model::TypeName, to: &crate::model::TypeName) -> String {
    steps::cast(expr, to, !casts_directly(from, to))
}

/// Whether PostgreSQL casts `from` to `to` directly (see [`cast`]); otherwise the conversion goes
/// through text and is proven for no value.
fn casts_directly(from: &crate::model::TypeName, to: &crate::model::TypeName) -> bool {
    use crate::model::BaseType;
    const FAMILIES: &[&[&str]] = &[
        &[
            "smallint",
            "integer",
            "bigint",
            "numeric",
            "real",
            "double precision",
        ],
        &["text", "character varying", "character"],
        &[
            "timestamp without time zone",
            "timestamp with time zone",
            "date",
        ],
        &["json", "jsonb"],
    ];
    from.array_dimensions == to.array_dimensions
        && match (&from.base, &to.base) {
            (a, b) if a == b => true,
            // Every type casts to and from text (its I/O conversion).
            (BaseType::Builtin(a), _) | (_, BaseType::Builtin(a)) if a == "text" => true,
            (BaseType::Builtin(a), BaseType::Builtin(b)) => FAMILIES
                .iter()
                .any(|f| f.contains(&a.as_str()) && f.contains(&b.as_str())),
            _ => false,
        }
}

/// Two physical columns kept equal by trigger: `old` (the `from` column) and the new one, named
/// `new_physical` until contract (the final name for a rename, a temporary one for a type change).
pub struct Sync<'a> {
    pub table: &'a QualifiedName,
    pub old: &'a Column,
    pub new: &'a Column,
    pub new_physical: &'a str,
    pub transform: Option<&'a (String, String)>,
    pub table_columns: &'a [String],
}

impl Sync<'_> {
    fn function(&self) -> QualifiedName {
        self.table.sibling(temporary_name(
            &format!("{}_{}", self.table.name, self.new_physical),
            "_shiftplan_sync",
        ))
    }

    /// The new value from a row of the old shape (`record`: NEW or OLD), as PL/pgSQL.
    fn up(&self, record: &str) -> String {
        match self.transform {
            Some((up, _)) => row_expression(up, self.table, self.table_columns, record, &[]),
            None if self.old.data_type == self.new.data_type => field(record, &self.old.name),
            None => cast(
                &field(record, &self.old.name),
                &self.old.data_type,
                &self.new.data_type,
            ),
        }
    }

    /// The old value from a row of the new shape, as PL/pgSQL.
    fn down(&self, record: &str) -> String {
        match self.transform {
            Some((_, down)) => {
                let columns: Vec<String> = self
                    .table_columns
                    .iter()
                    .filter(|c| **c != self.old.name)
                    .cloned()
                    .collect();
                row_expression(
                    down,
                    self.table,
                    &columns,
                    record,
                    &[(self.new.name.clone(), self.new_physical.to_string())],
                )
            }
            None if self.old.data_type == self.new.data_type => field(record, self.new_physical),
            None => cast(
                &field(record, self.new_physical),
                &self.new.data_type,
                &self.old.data_type,
            ),
        }
    }

    /// The new value in SQL over the table's own row (for the backfill UPDATE).
    fn up_sql(&self) -> String {
        match self.transform {
            Some((up, _)) => steps::parenthesized(up),
            None if self.old.data_type == self.new.data_type => quote_ident(&self.old.name),
            None => cast(
                &quote_ident(&self.old.name),
                &self.old.data_type,
                &self.new.data_type,
            ),
        }
    }

    fn body(&self) -> String {
        steps::sync_trigger_body(
            &self.old.name,
            self.new_physical,
            &self.up("NEW"),
            &self.down("NEW"),
            &self.up("OLD"),
        )
    }

    /// Expand (new column), dual_write (trigger), backfill (batches, then NOT NULL online).
    pub fn expand_to_backfill(&self, cx: &Context<'_>) -> Vec<StepDraft> {
        let table = self.table;
        let mut physical = self.new.clone();
        physical.name = self.new_physical.to_string();
        physical.not_null = false;
        physical.default = None;
        physical.identity = None;
        physical.generated = None;
        physical.comment = None;
        let what = format!("{table}.{}", quote_ident(self.new_physical));
        let mut add = StepDraft::new(
            PhaseName::Expand,
            format!(
                "add column {what} (new shape of {table}.{})",
                quote_ident(&self.old.name)
            ),
        )
        .sql(crate::render::ddl::add_column(table, &physical))
        .rollback(crate::render::ddl::drop_column(table, self.new_physical))
        .lock("ACCESS EXCLUSIVE", &[table], LockDuration::Instant)
        .creates(key::column(table, self.new_physical))
        .needs(key::table(table));
        // The type of a rebuilt enum is the old one until the rebuild, which switches this column:
        // the column is added before it, with the type as it is.
        if rebuilt(&self.new.data_type, cx) && self.new.data_type == self.old.data_type {
            add = add.needs_old_all(type_needs(&self.new.data_type));
        } else {
            add = add.needs_all(type_needs(&self.new.data_type));
        }
        if self.new_physical == self.new.name {
            add = add.creates(key::column(table, &self.new.name));
        }
        let mut sync = trigger_step(
            PhaseName::DualWrite,
            table,
            &self.function(),
            &self.function().name,
            &self.body(),
            &format!(
                "keep {table}.{} and {what} in sync",
                quote_ident(&self.old.name)
            ),
        );
        let (old_type, new_type) = (&self.old.data_type, &self.new.data_type);
        let both_directions_cast =
            casts_directly(old_type, new_type) && casts_directly(new_type, old_type);
        if self.transform.is_none() && old_type != new_type && !both_directions_cast {
            sync = sync.hazard(
                "type-change-unproven-cast",
                format!(
                    "{} and {} have no cast between them: values go through text, and every value the other type cannot read makes the backfill and the application's writes fail once this trigger is installed",
                    type_sql(old_type),
                    type_sql(new_type)
                ),
                format!("Give a transforms hint for {table}.{} that converts every value.", quote_ident(&self.new.name)),
            );
        } else if self.transform.is_none() && old_type != new_type {
            sync = sync.hazard(
                "type-change-cast",
                format!(
                    "values are converted between {} and {} with plain casts",
                    type_sql(&self.old.data_type),
                    type_sql(&self.new.data_type)
                ),
                format!(
                    "Give a transforms hint for {table}.{} if a cast can fail or lose information.",
                    quote_ident(&self.new.name)
                ),
            );
        }
        let backfill = backfill_step(table, self.new_physical, &self.up_sql(), &[]);
        let mut out = vec![add, sync, backfill];
        if self.new.not_null {
            out.extend(not_null_steps(
                table,
                self.new_physical,
                PhaseName::Backfill,
                cx.server_version,
            ));
        }
        out
    }

    /// Contract: the trigger, its function and the old column go (one transaction).
    pub fn contract_base(&self, change: String) -> StepDraft {
        let function = self.function();
        let dropped =
            drop_trigger_step(self.table, &function, &function.name, &change, &self.body());
        let mut step = StepDraft::new(PhaseName::Contract, change)
            .lock("ACCESS EXCLUSIVE", &[self.table], LockDuration::Instant)
            .irreversible()
            .drops(key::column(self.table, &self.old.name))
            .needs(key::table(self.table));
        step.sql = dropped.sql;
        step.drops.extend(dropped.drops);
        step.sql
            .push(crate::render::ddl::drop_column(self.table, &self.old.name));
        step.needs_old.extend(type_needs(&self.old.data_type));
        if let Some(d) = &self.old.default {
            step.needs_old
                .extend(sequences_in(d).iter().map(key::sequence));
        }
        step
    }
}
