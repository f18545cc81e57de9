//! Domains and composite types (created from their definition, replaced by drop + create), and
//! statements the model keeps as text: carried as `unknown-effect` steps, never skipped.

use super::{Context, StepDraft, key};
use crate::diff::Change;
use crate::model::{CompositeType, Domain};
use crate::plan::PhaseName;
use crate::render::alter::comment_on;
use crate::render::{ddl, steps};

pub fn domain_sql(d: &Domain) -> Vec<String> {
    let mut out = vec![ddl::create_domain(d)];
    if let Some(c) = &d.comment {
        out.push(comment_on("DOMAIN", &d.name.to_string(), Some(c)));
    }
    out
}

pub fn composite_sql(t: &CompositeType) -> Vec<String> {
    let mut out = vec![ddl::create_composite_type(t)];
    if let Some(c) = &t.comment {
        out.push(comment_on("TYPE", &t.name.to_string(), Some(c)));
    }
    out
}

pub fn steps(change: &Change, _cx: &Context<'_>) -> Vec<StepDraft> {
    match change {
        Change::CreateType {
            kind,
            name,
            sql,
            needs,
        } => {
            let mut s = StepDraft::new(PhaseName::Expand, format!("create {kind} {name}"))
                .rollback(steps::drop_object(kind, name))
                .creates(key::type_(name))
                .needs(key::schema(&name.schema))
                .needs_all(needs.iter().cloned());
            s.sql = sql.clone();
            vec![s]
        }
        Change::DropType {
            kind,
            name,
            sql,
            needs: _,
        } => {
            let mut s = StepDraft::new(PhaseName::Contract, format!("drop {kind} {name}"))
                .sql(steps::drop_object(kind, name))
                .drops(key::type_(name))
                .needs_old(key::schema(&name.schema));
            s.rollback = sql.clone();
            vec![s]
        }
        Change::Opaque { object, added } => {
            let what = if object.identity.is_empty() {
                object.kind.clone()
            } else {
                format!("{} {}", object.kind, object.identity)
            };
            let mut s = StepDraft::new(
                PhaseName::Contract,
                format!(
                    "{} {what} (kept as text)",
                    if *added { "run" } else { "remove" }
                ),
            )
            .irreversible()
            .hazard(
                "unknown-effect",
                format!(
                    "the planner keeps {what} as text and cannot tell what it locks or changes"
                ),
                "Read the statement; run it in a quiet window if it may lock or rewrite.",
            );
            if *added {
                s = s.sql(steps::as_written(&object.sql));
            } else {
                s = s.sql(steps::drop_object(&object.kind, &object.identity));
            }
            vec![s]
        }
        _ => Vec::new(),
    }
}
