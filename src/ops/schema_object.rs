//! Schemas, extensions and comments.

use super::{Context, StepDraft, key};
use crate::diff::Change;
use crate::model::{Extension, quote_ident};
use crate::plan::{LockDuration, PhaseName};
use crate::render::alter::comment_on;
use crate::render::steps;

fn create_extension(e: &Extension) -> String {
    crate::render::ddl::create_extension(e)
}

pub fn steps(change: &Change, _cx: &Context<'_>) -> Vec<StepDraft> {
    match change {
        Change::CreateSchema { name } => vec![
            StepDraft::new(
                PhaseName::Expand,
                format!("create schema {}", quote_ident(name)),
            )
            .sql(steps::create_schema(name))
            .rollback(steps::drop_schema(name))
            .creates(key::schema(name)),
        ],
        Change::DropSchema { name } => vec![
            StepDraft::new(
                PhaseName::Contract,
                format!("drop schema {}", quote_ident(name)),
            )
            .sql(steps::drop_schema(name))
            .rollback(steps::create_schema(name))
            .drops(key::schema(name)),
        ],
        Change::CreateExtension { extension } => vec![
            StepDraft::new(
                PhaseName::Expand,
                format!("create extension {}", extension.name),
            )
            .sql(create_extension(extension))
            .rollback(steps::drop_extension(&extension.name))
            .creates(key::extension(&extension.name))
            .needs_all(extension.schema.iter().map(|s| key::schema(s)))
            .hazard(
                "security-change",
                format!(
                    "extension {} adds objects and may change behaviour",
                    extension.name
                ),
                "Review the extension; it may need superuser rights.",
            ),
        ],
        Change::DropExtension { extension } => vec![
            StepDraft::new(
                PhaseName::Contract,
                format!("drop extension {}", extension.name),
            )
            .sql(steps::drop_extension(&extension.name))
            .rollback(create_extension(extension))
            .drops(key::extension(&extension.name))
            .hazard(
                "security-change",
                format!("extension {} and its objects go", extension.name),
                "Check nothing uses its types or functions.",
            ),
        ],
        Change::AlterExtension { from, to } => {
            let mut s = StepDraft::new(PhaseName::Expand, format!("alter extension {}", to.name))
                .creates(key::extension(&to.name));
            if from.schema != to.schema
                && let (Some(a), Some(b)) = (&from.schema, &to.schema)
            {
                s = s
                    .sql(steps::set_extension_schema(&to.name, b))
                    .rollback(steps::set_extension_schema(&to.name, a));
            }
            if from.version != to.version
                && let Some(v) = &to.version
            {
                s = s.sql(steps::update_extension(&to.name, v));
                if let Some(old) = &from.version {
                    s = s.rollback(steps::update_extension(&to.name, old));
                }
            }
            if from.comment != to.comment {
                s = s
                    .sql(comment_on(
                        "EXTENSION",
                        &quote_ident(&to.name),
                        to.comment.as_deref(),
                    ))
                    .rollback(comment_on(
                        "EXTENSION",
                        &quote_ident(&to.name),
                        from.comment.as_deref(),
                    ));
            }
            vec![s.hazard(
                "security-change",
                format!("extension {} changes", to.name),
                "Review the extension's release notes.",
            )]
        }
        Change::SetComment {
            kind,
            relation,
            object,
            key,
            from,
            to,
        } => {
            let step = StepDraft::new(
                PhaseName::Expand,
                format!(
                    "{} comment on {} {object}",
                    if to.is_some() { "set" } else { "remove" },
                    kind.to_ascii_lowercase()
                ),
            )
            .sql(comment_on(kind, object, to.as_deref()))
            .rollback(comment_on(kind, object, from.as_deref()))
            .needs(key.clone());
            // Measured on PostgreSQL 15: a comment on a constraint takes ACCESS SHARE on its table;
            // on a relation or its column, SHARE UPDATE EXCLUSIVE on the relation (reads and writes
            // go on; VACUUM and other DDL on it wait). Schemas, types and functions take a lock on
            // the object only.
            let step = match relation {
                Some(relation) if kind == "CONSTRAINT" => {
                    step.lock("ACCESS SHARE", &[relation], LockDuration::Instant)
                }
                Some(relation) => {
                    step.lock("SHARE UPDATE EXCLUSIVE", &[relation], LockDuration::Instant)
                }
                None => step,
            };
            vec![step]
        }
        _ => Vec::new(),
    }
}
