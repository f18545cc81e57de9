//! SET / DROP NOT NULL on an existing column. SET: NULLs filled by a batched backfill when a
//! hint gives the value, then CHECK NOT VALID → VALIDATE → SET NOT NULL → drop the check, in
//! contract (old code may still write NULLs until then). DROP: instant, in expand, so new code
//! may write NULLs; careful for old readers.

use super::column::{backfill_step, not_null_steps};
use super::{Context, StepDraft, key};
use crate::diff::Change;
use crate::model::quote_ident;
use crate::plan::{LockDuration, PhaseName};
use crate::render::steps::parenthesized;

pub fn steps(change: &Change, cx: &Context<'_>) -> Vec<StepDraft> {
    match change {
        Change::SetNotNull {
            table,
            column,
            backfill,
        } => {
            let mut out = Vec::new();
            if let Some(b) = backfill {
                // The NULLs of an existing column are overwritten: no rollback can tell them
                // apart again, so this runs in contract.
                let mut fill = backfill_step(table, column, &parenthesized(b), &[]).irreversible();
                fill.phase = PhaseName::Contract;
                fill.hazards[0].message.push_str(&format!("; the NULLs of {table}.{} are overwritten and cannot be restored by a rollback", quote_ident(column)));
                out.push(fill);
            }
            out.extend(not_null_steps(
                table,
                column,
                PhaseName::Contract,
                cx.server_version,
            ));
            out
        }
        Change::DropNotNull { table, column } => {
            let what = format!("{table}.{}", quote_ident(column));
            vec![StepDraft::new(PhaseName::Expand, format!("drop NOT NULL of {what}"))
                .sql(crate::render::ddl::set_not_null(table, column, false))
                .rollback(crate::render::ddl::set_not_null(table, column, true))
                .lock("ACCESS EXCLUSIVE", &[table], LockDuration::Instant)
                .hazard(
                    "not-null-dropped",
                    format!("{what} may hold NULL from now on; code that assumes it never does may break"),
                    "Deploy readers that handle NULL before writers that store it.",
                )
                .needs(key::column(table, column))
                .drops(format!("not null {table}.{}", quote_ident(column)))]
        }
        _ => Vec::new(),
    }
}
