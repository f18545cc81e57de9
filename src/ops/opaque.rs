//! Domains and composite types (created from their definition, replaced by drop + create), and
//! statements the model keeps as text: carried as `unknown-effect` steps, never skipped.

use super::{Context, StepDraft, key};
use crate::diff::{Change, TypeDefinition};
use crate::plan::PhaseName;
use crate::render::alter::comment_on;
use crate::render::{ddl, steps};

/// `CREATE DOMAIN` or `CREATE TYPE ... AS (...)`, then its comment.
fn create_sql(definition: &TypeDefinition) -> Vec<String> {
    let (create, kind, name, comment) = match definition {
        TypeDefinition::Domain(d) => (ddl::create_domain(d), "DOMAIN", &d.name, &d.comment),
        TypeDefinition::Composite(t) => {
            (ddl::create_composite_type(t), "TYPE", &t.name, &t.comment)
        }
    };
    let mut out = vec![create];
    if let Some(c) = comment {
        out.push(comment_on(kind, &name.to_string(), Some(c)));
    }
    out
}

pub fn steps(change: &Change, _cx: &Context<'_>) -> Vec<StepDraft> {
    match change {
        Change::CreateType { definition, needs } => {
            let (kind, name) = (definition.kind(), definition.name());
            let mut s = StepDraft::new(PhaseName::Expand, format!("create {kind} {name}"))
                .rollback(steps::drop_object(kind, name))
                .creates(key::type_(name))
                .needs(key::schema(&name.schema))
                .needs_all(needs.iter().cloned());
            s.sql = create_sql(definition);
            vec![s]
        }
        Change::DropType { definition } => {
            let (kind, name) = (definition.kind(), definition.name());
            let mut s = StepDraft::new(PhaseName::Contract, format!("drop {kind} {name}"))
                .sql(steps::drop_object(kind, name))
                .drops(key::type_(name))
                .needs_old(key::schema(&name.schema));
            s.rollback = create_sql(definition);
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
