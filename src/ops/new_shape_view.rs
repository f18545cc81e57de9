//! The new shape of tables whose columns change type through a shadow column, for the code written
//! for the new schema: a column keeps its name but, until contract, its new type lives in the
//! shadow column (`<column>_shiftplan_new`). Like pgroll's and Reshape's versioned schemas, a schema
//! `<schema>_shiftplan_new` (dual_write) holds one simple view per such table that shows every
//! column of the `to` table under its final name; PostgreSQL can insert, update and delete through
//! such a view, and the table's sync trigger keeps the old column in step. New code connects with
//! `search_path = <schema>_shiftplan_new, <schema>`: before contract it finds the views, after it
//! the tables (contract swaps the columns in, then drops the views and their schema; PostgreSQL
//! skips a schema of the search_path that does not exist).

use super::{Context, StepDraft, key, sequences_in};
use crate::diff::Change;
use crate::model::{QualifiedName, quote_ident};
use crate::plan::{LockDuration, PhaseName};
use crate::render::alter::{create_column_view, set_view_default};
use crate::render::steps;

/// `security_invoker` views (privileges and row-level security of the caller) exist from 15 on.
const SECURITY_INVOKER_SINCE: u32 = 15;

pub fn steps(change: &Change, cx: &Context<'_>) -> Vec<StepDraft> {
    let Change::NewShapeViews {
        schema,
        view_schema,
        tables,
    } = change
    else {
        return Vec::new();
    };
    let invoker = cx.server_version >= SECURITY_INVOKER_SINCE;
    let view_of = |t: &QualifiedName| QualifiedName::new(view_schema, &t.name);
    let names: Vec<String> = tables.iter().map(|(t, _)| t.to_string()).collect();
    let tables_ref: Vec<&QualifiedName> = tables.iter().map(|(t, _)| t).collect();
    let views: Vec<QualifiedName> = tables.iter().map(|(t, _)| view_of(t)).collect();
    let views_ref: Vec<&QualifiedName> = views.iter().collect();

    let mut create = StepDraft::new(
        PhaseName::DualWrite,
        format!(
            "show {} in the new shape as views in schema {}",
            names.join(", "),
            quote_ident(view_schema)
        ),
    )
    .sql(steps::create_schema(view_schema))
    .lock("ACCESS SHARE", &tables_ref, LockDuration::Instant)
    .creates(key::schema(view_schema))
    .needs(key::schema(schema));
    for (table, columns) in tables {
        let view = view_of(table);
        create
            .sql
            .extend(view_sql(&view, table, columns, invoker, cx));
        create = create
            .creates(key::table(&view))
            .needs(key::table(table))
            .needs_all(columns.iter().map(|(_, p)| key::column(table, p)));
        for d in defaults(table, columns, cx) {
            create = create.needs_all(sequences_in(&d.1).iter().map(key::sequence));
        }
    }
    for view in views.iter().rev() {
        create = create.rollback(steps::drop_view(view, false));
    }
    create = create.rollback(steps::drop_schema(view_schema));
    let shadowed = crate::diff::shadowed_columns(tables);
    let has = if shadowed.len() == 1 {
        "has its new type"
    } else {
        "have their new types"
    };
    let path = format!("{}, {}", quote_ident(view_schema), quote_ident(schema));
    let (message, help) = if invoker {
        (
            format!(
                "code written for the new schema reaches {} through the views of schema {} until contract (there {} already {has}); the views check the caller's privileges and row-level security (security_invoker)",
                names.join(", "),
                quote_ident(view_schema),
                shadowed.join(", ")
            ),
            format!(
                "Deploy the new code with search_path = {path}, and grant its role USAGE on schema {} and the privileges it has on the tables on their views.",
                quote_ident(view_schema)
            ),
        )
    } else {
        (
            format!(
                "code written for the new schema reaches {} through the views of schema {} until contract (there {} already {has}); before PostgreSQL 15 the views run with their owner's privileges, so a table owner's view bypasses row-level security",
                names.join(", "),
                quote_ident(view_schema),
                shadowed.join(", ")
            ),
            format!(
                "Deploy the new code with search_path = {path}; grant its role USAGE on schema {} and only the privileges it has on the tables on their views; on tables with row-level security, keep new code on the old shape until contract.",
                quote_ident(view_schema)
            ),
        )
    };
    create = create.hazard("new-shape-view", message, help);

    // Contract: after the swaps (the views then read the final columns), the views go.
    let mut drop = StepDraft::new(
        PhaseName::Contract,
        format!(
            "drop the new-shape views of {} and schema {}",
            names.join(", "),
            quote_ident(view_schema)
        ),
    )
    .lock("ACCESS EXCLUSIVE", &views_ref, LockDuration::Instant)
    .hazard(
        "new-shape-view",
        format!(
            "the views of schema {} go: code with search_path = {path} now finds the tables, in their final shape; code that names the schema {} explicitly fails",
            quote_ident(view_schema),
            quote_ident(view_schema)
        ),
        "Name the tables unqualified, through the search_path, as the backfill checkpoint says.",
    );
    for view in views.iter().rev() {
        drop = drop
            .sql(steps::drop_view(view, false))
            .drops(key::table(view));
    }
    drop = drop
        .sql(steps::drop_schema(view_schema))
        .drops(key::schema(view_schema))
        .rollback(steps::create_schema(view_schema));
    for (table, columns) in tables {
        let final_columns: Vec<(String, String)> = columns
            .iter()
            .map(|(n, _)| (n.clone(), n.clone()))
            .collect();
        drop.rollback.extend(view_sql(
            &view_of(table),
            table,
            &final_columns,
            invoker,
            cx,
        ));
        drop = drop.needs_all(
            columns
                .iter()
                .filter(|(n, p)| n != p)
                .map(|(n, _)| key::column(table, n)),
        );
    }
    vec![create, drop]
}

/// The `to` defaults of the shadowed columns of a table: (column, default).
fn defaults(
    table: &QualifiedName,
    columns: &[(String, String)],
    cx: &Context<'_>,
) -> Vec<(String, String)> {
    let to_table = cx.to.tables.get(table);
    columns
        .iter()
        .filter(|(n, p)| n != p)
        .filter_map(|(n, _)| {
            let d = to_table?.columns.get(n)?.default.clone()?;
            Some((n.clone(), d))
        })
        .collect()
}

/// The view, and the `to` defaults of its shadowed columns: an INSERT through the view that
/// leaves such a column out gets its new default.
fn view_sql(
    view: &QualifiedName,
    table: &QualifiedName,
    columns: &[(String, String)],
    invoker: bool,
    cx: &Context<'_>,
) -> Vec<String> {
    let mut out = vec![create_column_view(view, table, columns, invoker)];
    for (name, d) in defaults(table, columns, cx) {
        out.push(set_view_default(view, &name, &d));
    }
    out
}
