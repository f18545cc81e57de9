//! Sequences: create, drop (contract), options, and OWNED BY.

use super::{Context, StepDraft, key};
use crate::diff::Change;
use crate::model::Sequence;
use crate::plan::{LockDuration, PhaseName};
use crate::render::steps;

pub fn create_sql(s: &Sequence) -> String {
    crate::render::ddl::create_sequence(s)
}

pub fn steps(change: &Change, _cx: &Context<'_>) -> Vec<StepDraft> {
    match change {
        Change::CreateSequence { sequence } => vec![
            StepDraft::new(
                PhaseName::Expand,
                format!("create sequence {}", sequence.name),
            )
            .sql(create_sql(sequence))
            .rollback(steps::drop_sequence(&sequence.name))
            .creates(key::sequence(&sequence.name))
            .needs(key::schema(&sequence.name.schema)),
        ],
        Change::DropSequence { sequence } => vec![
            StepDraft::new(
                PhaseName::Contract,
                format!("drop sequence {}", sequence.name),
            )
            .sql(steps::drop_sequence(&sequence.name))
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
                .sql(steps::alter_sequence(to))
                .rollback(steps::alter_sequence(from))
                .lock("SHARE ROW EXCLUSIVE", &[&to.name], LockDuration::Instant)
                .needs(key::sequence(&to.name)),
        ],
        Change::SetSequenceOwner { sequence, from, to } => {
            let mut s = StepDraft::new(
                PhaseName::Expand,
                format!("set owner of sequence {sequence}"),
            )
            .sql(steps::sequence_owner(sequence, to.as_ref()))
            .rollback(steps::sequence_owner(sequence, from.as_ref()))
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
