//! Column type changes. Binary-coercible ones (a wider varchar, varchar → text, a wider numeric)
//! in place, catalog-only. Others through a shadow column: added in expand, kept in sync by a
//! trigger using the `transforms` hint (or plain casts, with a hazard), backfilled, and swapped in
//! at contract (old column dropped, shadow renamed to the final name, default set).

use super::column::{NOT_NULL_NOT_VALID_SINCE, not_null_constraint_name};
use super::column_rename::Sync;
use super::{Context, StepDraft, key, sequences_in, type_needs};
use crate::diff::Change;
use crate::diff::columns::SHADOW_SUFFIX;
use crate::model::quote_ident;
use crate::plan::{LockDuration, PhaseName};
use crate::render::alter::temporary_name;
use crate::render::format::format_type as type_sql;

pub fn steps(change: &Change, cx: &Context<'_>) -> Vec<StepDraft> {
    let Change::ChangeColumnType {
        table,
        from,
        to,
        transform,
        in_place,
        table_columns,
    } = change
    else {
        return Vec::new();
    };
    let what = format!("{table}.{}", quote_ident(&to.name));
    if *in_place {
        let step = StepDraft::new(
            PhaseName::Expand,
            format!(
                "change type of {what} from {} to {}",
                type_sql(&from.data_type),
                type_sql(&to.data_type)
            ),
        )
        .sql(crate::render::ddl::alter_column_type(
            table,
            &to.name,
            &to.data_type,
            None,
        ))
        .rollback(crate::render::ddl::alter_column_type(
            table,
            &to.name,
            &from.data_type,
            None,
        ))
        .lock("ACCESS EXCLUSIVE", &[table], LockDuration::Instant)
        .hazard(
            "type-change-in-place",
            format!(
                "{} is binary-coercible to {}: only the catalog changes",
                type_sql(&from.data_type),
                type_sql(&to.data_type)
            ),
            "As is.",
        )
        .drops(key::column(table, &to.name))
        .creates(key::column(table, &to.name))
        .needs_all(type_needs(&to.data_type));
        return vec![step];
    }
    let shadow = temporary_name(&to.name, SHADOW_SUFFIX);
    let sync = Sync {
        table,
        old: from,
        new: to,
        new_physical: &shadow,
        transform: transform.as_ref(),
        table_columns,
    };
    let mut out = sync.expand_to_backfill(cx);
    let mut swap = sync
        .contract_base(format!(
            "swap in the new {what} ({} → {})",
            type_sql(&from.data_type),
            type_sql(&to.data_type)
        ))
        .sql(crate::render::ddl::rename_column(table, &shadow, &to.name))
        .creates(key::column(table, &to.name))
        .hazard(
            "old-shape-removed",
            format!(
                "the old {what} of type {} is dropped and replaced by the new column",
                type_sql(&from.data_type)
            ),
            format!(
                "Deploy code that works with {what} as {} before contract.",
                type_sql(&to.data_type)
            ),
        );
    if let Some(d) = &to.default {
        swap = swap
            .sql(crate::render::ddl::set_default(table, &to.name, Some(d)))
            .needs_all(sequences_in(d).iter().map(key::sequence));
    }
    if to.not_null {
        if cx.server_version >= NOT_NULL_NOT_VALID_SINCE {
            // PostgreSQL 18's not-null constraint keeps the shadow's name through the rename.
            swap = swap.sql(crate::render::alter::rename_constraint(
                table,
                &not_null_constraint_name(table, &shadow),
                &not_null_constraint_name(table, &to.name),
            ));
        }
        swap = swap.creates(format!("not null {table}.{}", quote_ident(&to.name)));
    }
    out.push(swap);
    out
}
