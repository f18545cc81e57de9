//! Views and materialized views: created after what they read, dropped before it changes, and
//! recreated around changes to columns they read.

use super::{Context, StepDraft, key};
use crate::diff::Change;
use crate::model::View;
use crate::plan::{LockDuration, PhaseName};

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
        k.extend(cols.iter().map(|c| key::converted(rel, c)));
    }
    k
}

pub fn steps(change: &Change, cx: &Context<'_>) -> Vec<StepDraft> {
    match change {
        Change::RenameView { from, to } => rename(from, to),
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

/// Rename a view without breaking running code, as a table rename does: renamed (and moved) in
/// expand, with a view under the old name reading it until contract.
fn rename(from: &View, to: &View) -> Vec<StepDraft> {
    let (f, t) = (&from.name, &to.name);
    let kind = if from.materialized {
        "MATERIALIZED VIEW"
    } else {
        "VIEW"
    };
    let moved = crate::model::QualifiedName::new(&t.schema, &f.name);
    let mut expand = StepDraft::new(
        PhaseName::Expand,
        format!(
            "rename {} {f} to {t}, keeping {f} as a view",
            kind.to_lowercase()
        ),
    );
    if f.schema != t.schema {
        expand = expand.sql(crate::render::alter::set_schema(kind, f, &t.schema));
    }
    if f.name != t.name {
        expand = expand.sql(crate::render::alter::rename_view(
            &moved,
            &t.name,
            from.materialized,
        ));
    }
    expand = expand
        .sql(crate::render::alter::create_compatibility_view(f, t))
        .rollback(format!("DROP VIEW {f}"));
    if f.name != t.name {
        expand = expand.rollback(crate::render::alter::rename_view(
            t,
            &f.name,
            from.materialized,
        ));
    }
    if f.schema != t.schema {
        expand = expand.rollback(crate::render::alter::set_schema(kind, &moved, &f.schema));
    }
    let mut expand = expand
        .lock("ACCESS EXCLUSIVE", &[f], LockDuration::Instant)
        .drops(key::table(f))
        .creates(key::table(t))
        .needs(key::schema(&t.schema));
    if from.materialized {
        expand = expand.hazard(
            "view-rename-compatibility",
            format!("{f} becomes a plain view over the materialized view {t} until contract; old code that refreshes {f} (REFRESH MATERIALIZED VIEW) fails"),
            format!("Deploy code that refreshes {t} before this step, or refresh it from the new code only."),
        );
    }
    let contract = StepDraft::new(
        PhaseName::Contract,
        format!("drop the compatibility view {f}"),
    )
    .sql(format!("DROP VIEW {f}"))
    .rollback(crate::render::alter::create_compatibility_view(f, t))
    .lock("ACCESS EXCLUSIVE", &[f], LockDuration::Instant)
    .needs(key::table(t))
    .hazard(
        "old-shape-removed",
        format!(
            "code that still uses the old name {} fails from now on",
            crate::model::quote_ident(&f.name)
        ),
        format!("Deploy code that uses {t} before contract."),
    );
    vec![expand, contract]
}
