//! Domains and composite types (created from their definition, replaced by drop + create), and
//! statements the model keeps as text: carried as `unknown-effect` steps, never skipped.

use super::{Context, StepDraft, key};
use crate::diff::Change;
use crate::model::{CompositeType, Domain, quote_ident};
use crate::plan::PhaseName;
use crate::render::alter::{collation_sql_pub, type_sql};

pub fn domain_sql(d: &Domain) -> Vec<String> {
    let mut sql = format!("CREATE DOMAIN {} AS {}", d.name, type_sql(&d.data_type));
    if let Some(c) = &d.collation {
        sql.push_str(&format!(" COLLATE {}", collation_sql_pub(c)));
    }
    if let Some(x) = &d.default {
        sql.push_str(&format!(" DEFAULT {x}"));
    }
    if d.not_null {
        sql.push_str(" NOT NULL");
    }
    for (n, e) in &d.checks {
        sql.push_str(&format!(" CONSTRAINT {} CHECK ({})", quote_ident(n), crate::render::alter::strip_outer_parens(e)));
    }
    let mut out = vec![sql];
    if let Some(c) = &d.comment {
        out.push(crate::render::alter::comment_on("DOMAIN", &d.name.to_string(), Some(c)));
    }
    out
}

pub fn composite_sql(t: &CompositeType) -> Vec<String> {
    let attrs = t.attributes.iter().map(|(n, ty)| format!("{} {}", quote_ident(n), type_sql(ty))).collect::<Vec<_>>().join(", ");
    let mut out = vec![format!("CREATE TYPE {} AS ({attrs})", t.name)];
    if let Some(c) = &t.comment {
        out.push(crate::render::alter::comment_on("TYPE", &t.name.to_string(), Some(c)));
    }
    out
}

pub fn steps(change: &Change, _cx: &Context<'_>) -> Vec<StepDraft> {
    match change {
        Change::CreateType { kind, name, sql, needs } => {
            let mut s = StepDraft::new(PhaseName::Expand, format!("create {kind} {name}"))
                .rollback(format!("DROP {} {name}", kind.to_ascii_uppercase()))
                .creates(key::type_(name))
                .needs(key::schema(&name.schema))
                .needs_all(needs.iter().cloned());
            s.sql = sql.clone();
            vec![s]
        }
        Change::DropType { kind, name, sql, needs: _ } => {
            let mut s = StepDraft::new(PhaseName::Contract, format!("drop {kind} {name}"))
                .sql(format!("DROP {} {name}", kind.to_ascii_uppercase()))
                .drops(key::type_(name))
                .needs_old(key::schema(&name.schema));
            s.rollback = sql.clone();
            vec![s]
        }
        Change::Opaque { object, added } => {
            let what = if object.identity.is_empty() { object.kind.clone() } else { format!("{} {}", object.kind, object.identity) };
            let mut s = StepDraft::new(PhaseName::Contract, format!("{} {what} (kept as text)", if *added { "run" } else { "remove" }))
                .irreversible()
                .hazard(
                    "unknown-effect",
                    format!("the planner keeps {what} as text and cannot tell what it locks or changes"),
                    "Read the statement; run it in a quiet window if it may lock or rewrite.",
                );
            if *added {
                s = s.sql(object.sql.trim().trim_end_matches(';').to_string());
            } else {
                s = s.sql(format!("DROP {} {}", object.kind.to_ascii_uppercase(), object.identity));
            }
            vec![s]
        }
        _ => Vec::new(),
    }
}
