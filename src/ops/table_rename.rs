//! Rename a table without breaking running code: rename it and put an updatable view under the
//! old name (expand); the view goes in contract.

use super::{Context, StepDraft, key};
use crate::diff::Change;
use crate::model::quote_ident;
use crate::plan::{LockDuration, PhaseName};
use crate::render::{alter, steps};

pub fn steps(change: &Change, cx: &Context<'_>) -> Vec<StepDraft> {
    let Change::RenameTable { from, to } = change else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let moved = from.schema != to.schema;
    let mut expand = StepDraft::new(PhaseName::Expand, format!("rename table {from} to {to}, keeping {from} as a view"))
        .lock("ACCESS EXCLUSIVE", &[from], LockDuration::Instant)
        .drops(key::table(from))
        .creates(key::table(to))
        .needs(key::schema(&to.schema))
        .hazard(
            "table-rename-view",
            format!("{from} becomes a view over {to} until contract; old code that needs a real table there (ALTER, TRUNCATE, ON CONFLICT ON CONSTRAINT) fails"),
            format!("Deploy code that uses {to} before contract."),
        );
    let mut step_name = from.clone();
    if moved {
        expand = expand.sql(alter::set_schema("TABLE", from, &to.schema));
        step_name = from.sibling(from.name.clone());
        step_name.schema = to.schema.clone();
    }
    if step_name.name != to.name {
        expand = expand.sql(crate::render::ddl::rename_table(&step_name, &to.name));
    }
    expand = expand.sql(alter::create_compatibility_view(from, to));
    expand = expand.rollback(steps::drop_view(from, false));
    if step_name.name != to.name {
        expand = expand.rollback(crate::render::ddl::rename_table(to, &step_name.name));
    }
    if moved {
        expand = expand.rollback(alter::set_schema("TABLE", &step_name, &from.schema));
    }
    out.push(expand);
    // The view reads every column of the old table: changes that drop or retype one wait for it.
    let columns: Vec<String> = cx
        .from
        .tables
        .get(from)
        .map(|t| t.columns.keys().map(|c| key::column(to, c)).collect())
        .unwrap_or_default();
    out.push(
        StepDraft::new(
            PhaseName::Contract,
            format!("drop the compatibility view {from}"),
        )
        .needs_old_all(columns)
        .sql(steps::drop_view(from, false))
        .rollback(alter::create_compatibility_view(from, to))
        .lock("ACCESS EXCLUSIVE", &[from], LockDuration::Instant)
        .needs(key::table(to))
        .hazard(
            "old-shape-removed",
            format!(
                "code that still uses the old name {} fails from now on",
                quote_ident(&from.name)
            ),
            format!("Deploy code that uses {to} before contract."),
        ),
    );
    out
}
