//! Views and materialized views: created after what they read, dropped before it changes, and
//! recreated around changes to columns they read.

use super::{Context, StepDraft, key};
use crate::diff::Change;
use crate::model::View;
use crate::plan::LockDuration;

pub fn create_sql(v: &View) -> String {
    crate::render::ddl::create_view(v)
}

fn drop_sql(v: &View) -> String {
    format!(
        "DROP {}VIEW {}",
        if v.materialized { "MATERIALIZED " } else { "" },
        v.name
    )
}

fn read_keys(v: &View, catalog: &crate::model::Catalog) -> Vec<String> {
    let mut k = vec![key::schema(&v.name.schema)];
    for (rel, cols) in &crate::diff::view_reads(v, catalog) {
        k.push(key::table(rel));
        k.extend(cols.iter().map(|c| key::column(rel, c)));
    }
    k
}

pub fn steps(change: &Change, cx: &Context<'_>) -> Vec<StepDraft> {
    match change {
        Change::CreateView {
            view,
            phase,
            recreated,
        } => {
            let kind = if view.materialized {
                "materialized view"
            } else {
                "view"
            };
            let mut s = StepDraft::new(
                *phase,
                format!(
                    "{} {kind} {}",
                    if *recreated { "recreate" } else { "create" },
                    view.name
                ),
            )
            .sql(create_sql(view))
            .rollback(drop_sql(view))
            .creates(key::table(&view.name))
            .needs_all(read_keys(view, cx.to));
            let reads: Vec<&crate::model::QualifiedName> = view.reads.keys().collect();
            s = s.lock(
                "ACCESS SHARE",
                &reads,
                if view.materialized {
                    LockDuration::Scan
                } else {
                    LockDuration::Instant
                },
            );
            for i in view.indexes.values() {
                s = s.sql(crate::render::alter::create_index(
                    &view.name, i, &i.name, false,
                ));
            }
            if *recreated {
                s = s.hazard(
                    "view-recreated",
                    format!("{} is dropped before the change to what it reads and created again here; queries on it fail in between", view.name),
                    "Keep the window short, or keep code away from the view during it.",
                );
            }
            vec![s]
        }
        Change::DropView {
            view,
            phase,
            recreated,
        } => {
            let kind = if view.materialized {
                "materialized view"
            } else {
                "view"
            };
            let mut s = StepDraft::new(
                *phase,
                format!(
                    "drop {kind} {}{}",
                    view.name,
                    if *recreated {
                        " (created again below)"
                    } else {
                        ""
                    }
                ),
            )
            .sql(drop_sql(view))
            .rollback(create_sql(view))
            .lock("ACCESS EXCLUSIVE", &[&view.name], LockDuration::Instant)
            .drops(key::table(&view.name))
            .needs_old_all(read_keys(view, cx.from));
            for i in view.indexes.values() {
                s = s.rollback(crate::render::alter::create_index(
                    &view.name, i, &i.name, false,
                ));
            }
            vec![s]
        }
        _ => Vec::new(),
    }
}
