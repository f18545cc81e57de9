//! Sequences: create, drop (contract), options, and OWNED BY.

use super::{Context, StepDraft, key};
use crate::diff::Change;
use crate::model::{ColumnRef, Sequence, quote_ident};
use crate::plan::{LockDuration, PhaseName};
use crate::render::format::format_type as type_sql;

pub fn create_sql(s: &Sequence) -> String {
    crate::render::ddl::create_sequence(s)
}

fn owner_sql(seq: &crate::model::QualifiedName, owner: Option<&ColumnRef>) -> String {
    match owner {
        Some(o) => format!(
            "ALTER SEQUENCE {seq} OWNED BY {}.{}",
            o.table,
            quote_ident(&o.column)
        ),
        None => format!("ALTER SEQUENCE {seq} OWNED BY NONE"),
    }
}

fn alter_sql(s: &Sequence) -> String {
    let o = &s.options;
    let mut parts = vec![format!("AS {}", type_sql(&s.data_type))];
    parts.push(
        o.increment
            .map_or("INCREMENT BY 1".into(), |v| format!("INCREMENT BY {v}")),
    );
    parts.push(
        o.min_value
            .map_or("NO MINVALUE".into(), |v| format!("MINVALUE {v}")),
    );
    parts.push(
        o.max_value
            .map_or("NO MAXVALUE".into(), |v| format!("MAXVALUE {v}")),
    );
    if let Some(v) = o.start {
        parts.push(format!("START WITH {v}"));
    }
    parts.push(o.cache.map_or("CACHE 1".into(), |v| format!("CACHE {v}")));
    parts.push(if o.cycle {
        "CYCLE".into()
    } else {
        "NO CYCLE".into()
    });
    format!("ALTER SEQUENCE {} {}", s.name, parts.join(" "))
}

pub fn steps(change: &Change, _cx: &Context<'_>) -> Vec<StepDraft> {
    match change {
        Change::CreateSequence { sequence } => vec![
            StepDraft::new(
                PhaseName::Expand,
                format!("create sequence {}", sequence.name),
            )
            .sql(create_sql(sequence))
            .rollback(format!("DROP SEQUENCE {}", sequence.name))
            .creates(key::sequence(&sequence.name))
            .needs(key::schema(&sequence.name.schema)),
        ],
        Change::DropSequence { sequence } => vec![
            StepDraft::new(
                PhaseName::Contract,
                format!("drop sequence {}", sequence.name),
            )
            .sql(format!("DROP SEQUENCE {}", sequence.name))
            .irreversible()
            .hazard(
                "table-drop",
                format!("sequence {} and its current value are lost", sequence.name),
                "Drop it once nothing uses it.",
            )
            .drops(key::sequence(&sequence.name))
            .needs_old(key::schema(&sequence.name.schema)),
        ],
        Change::AlterSequence { from, to } => vec![
            StepDraft::new(PhaseName::Expand, format!("alter sequence {}", to.name))
                .sql(alter_sql(to))
                .rollback(alter_sql(from))
                .lock("SHARE ROW EXCLUSIVE", &[&to.name], LockDuration::Instant)
                .needs(key::sequence(&to.name)),
        ],
        Change::SetSequenceOwner { sequence, from, to } => {
            let mut s = StepDraft::new(
                PhaseName::Expand,
                format!("set owner of sequence {sequence}"),
            )
            .sql(owner_sql(sequence, to.as_ref()))
            .rollback(owner_sql(sequence, from.as_ref()))
            // Measured on PostgreSQL 15: OWNED BY takes SHARE ROW EXCLUSIVE on the sequence
            // (nextval() waits for it, briefly).
            .lock("SHARE ROW EXCLUSIVE", &[sequence], LockDuration::Instant)
            .needs(key::sequence(sequence));
            if let Some(o) = to {
                s = s.needs(key::column(&o.table, &o.column));
            }
            if from.is_some() && to.is_none() {
                s.phase = PhaseName::Contract;
            }
            vec![s]
        }
        _ => Vec::new(),
    }
}
