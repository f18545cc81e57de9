//! Columns: add (nullable, constant default, NOT NULL with a backfill hint, volatile default,
//! identity, generated) and drop. Also the pieces other column recipes share: the online NOT NULL
//! (CHECK NOT VALID → VALIDATE → SET NOT NULL → drop the check) and batched backfills.

use super::{BATCH_SIZE, Context, StepDraft, key, sequences_in, type_needs};
use crate::diagnostic::{Diagnostic, json_string};
use crate::diff::Change;
use crate::model::{Column, QualifiedName, quote_ident};
use crate::plan::{LockDuration, PhaseName};
use crate::render::alter::{self, temporary_name};
use crate::render::steps::{self, row_expression};

pub fn steps(change: &Change, cx: &Context<'_>) -> Result<Vec<StepDraft>, Diagnostic> {
    match change {
        Change::AddColumn {
            table,
            column,
            backfill,
            table_columns,
        } => add(table, column, backfill.as_deref(), table_columns, cx),
        Change::DropColumn { table, column } => Ok(vec![drop(table, column)]),
        _ => Ok(Vec::new()),
    }
}

/// Functions whose value changes per row: a default calling one rewrites the table when added.
pub fn is_volatile(expr: &str) -> bool {
    const VOLATILE: &[&str] = &[
        "nextval(",
        "random(",
        "gen_random_uuid(",
        "uuid_generate_",
        "clock_timestamp(",
        "timeofday(",
        "gen_random_bytes(",
        "txid_current(",
        "uuid_v7(",
        "uuidv7(",
        "uuidv4(",
    ];
    let lower = expr.to_ascii_lowercase();
    VOLATILE.iter().any(|f| lower.contains(f))
}

fn column_keys(table: &QualifiedName, column: &Column) -> Vec<String> {
    let mut k = vec![key::table(table)];
    k.extend(type_needs(&column.data_type));
    if let Some(d) = &column.default {
        k.extend(sequences_in(d).iter().map(key::sequence));
    }
    k
}

fn add(
    table: &QualifiedName,
    column: &Column,
    backfill: Option<&str>,
    table_columns: &[String],
    cx: &Context<'_>,
) -> Result<Vec<StepDraft>, Diagnostic> {
    let c = quote_ident(&column.name);
    let what = format!("{table}.{c}");
    let needs = column_keys(table, column);
    let volatile_default = column.default.as_deref().filter(|d| is_volatile(d));
    let constant_default = column.default.as_deref().filter(|d| !is_volatile(d));
    if let (Some(identity), None) = (&column.identity, &column.generated) {
        return Ok(identity_steps(table, column, identity, cx));
    }
    let rewrite_kind = if column.generated.as_ref().is_some_and(|g| g.stored) {
        Some("a stored generated column")
    } else {
        None
    };
    let base = StepDraft::new(PhaseName::Expand, format!("add column {what}"))
        .lock("ACCESS EXCLUSIVE", &[table], LockDuration::Instant)
        .rollback(crate::render::ddl::drop_column(table, &column.name))
        .creates(key::column(table, &column.name))
        .needs_all(needs.clone());

    // Stored generated columns: PostgreSQL fills them by rewriting the table, and no version can
    // turn a filled plain column into a generated one without rewriting it again.
    if let Some(kind) = rewrite_kind {
        let step = base
            .sql(crate::render::ddl::add_column(table, column))
            .lock("ACCESS EXCLUSIVE", &[table], LockDuration::Rewrite)
            .hazard(
                "access-exclusive-rewrite",
                format!("adding {kind} {what} rewrites {table} and its indexes under ACCESS EXCLUSIVE: reads and writes of {table} wait until it ends"),
                format!("PostgreSQL {} cannot make an existing column generated without this rewrite{}. Run the step in a quiet window, or, for a large table, keep a plain column filled by a BEFORE INSERT OR UPDATE trigger computing the expression and backfill it in batches (the target schema then declares a plain column, not a generated one).", cx.server_version, if cx.server_version >= 17 { " (ALTER COLUMN SET EXPRESSION rewrites too)" } else { "" }),
            );
        return Ok(vec![step]);
    }
    let fast_default = cx.server_version >= 11;
    // Plain cases: nullable without a hint, or a constant default PostgreSQL stores in the catalog.
    if backfill.is_none()
        && volatile_default.is_none()
        && (!column.not_null || constant_default.is_some())
    {
        let mut step = base.sql(crate::render::ddl::add_column(table, column));
        if column.default.is_some() && !fast_default {
            step = step.lock("ACCESS EXCLUSIVE", &[table], LockDuration::Rewrite).hazard(
                "access-exclusive-rewrite",
                format!("before PostgreSQL 11, adding {what} with a default rewrites {table} under ACCESS EXCLUSIVE"),
                "Add the column without a default, SET DEFAULT, then backfill old rows in batches.",
            );
        }
        return Ok(vec![step]);
    }
    let fill = match (backfill, volatile_default) {
        (Some(b), _) => b.to_string(),
        (None, Some(d)) => d.to_string(),
        (None, None) if cx.assume_empty_tables => {
            return Ok(vec![base.sql(crate::render::ddl::add_column(table, column)).hazard(
                "not-null-without-backfill",
                format!("{what} is added NOT NULL without a default or a backfill hint: the step fails if {table} has rows"),
                format!("Give a backfill hint for {what} unless {table} is empty."),
            )]);
        }
        (None, None) => {
            return Err(Diagnostic::error(
                "not-null-needs-backfill",
                format!(
                    "column {what} is added NOT NULL without a default: existing rows need a value. Add a backfill hint: {{\"backfill\": [{{\"table\": {}, \"column\": {}, \"expression\": \"...\"}}]}}",
                    json_string(&table.to_string()),
                    json_string(&column.name)
                ),
            )
            .at_source(cx.to.sources.column(table, &column.name)));
        }
    };
    // Nullable column, default for new rows, batched backfill, then NOT NULL online.
    let mut plain = column.clone();
    plain.not_null = false;
    plain.default = None;
    let mut first = base.sql(crate::render::ddl::add_column(table, &plain));
    if let Some(d) = &column.default {
        first = first.sql(crate::render::ddl::set_default(
            table,
            &column.name,
            Some(d),
        ));
    }
    let mut out = vec![first];
    let mut tail = Vec::new();
    if backfill.is_some() {
        // Old code inserts rows without the column: a trigger fills it until contract.
        let function = table.sibling(temporary_name(
            &format!("{}_{}", table.name, column.name),
            "_shiftplan_fill",
        ));
        let trigger = function.name.clone();
        let value = row_expression(&fill, table, table_columns, "NEW", &[]);
        let body = steps::fill_trigger_body(&column.name, &value);
        out.push(trigger_step(
            PhaseName::DualWrite,
            table,
            &function,
            &trigger,
            &body,
            &format!("fill {what} for writers that do not set it"),
        ));
        tail.push(drop_trigger_step(
            table,
            &function,
            &trigger,
            &format!("drop the fill trigger of {what}"),
            &body,
        ));
    }
    out.push(backfill_step(table, &column.name, &fill, &[]));
    if column.not_null {
        out.extend(not_null_steps(
            table,
            &column.name,
            PhaseName::Backfill,
            cx.server_version,
        ));
    }
    out.extend(tail);
    Ok(out)
}

/// A new identity column on an existing table without the rewrite of `ADD COLUMN ... GENERATED
/// AS IDENTITY` (measured on PostgreSQL 15, 2M rows: 2.9 s under ACCESS EXCLUSIVE, new
/// relfilenode). Expand: a plain nullable column whose default takes values from a temporary
/// sequence with the identity's options, so every new row gets one. Backfill: old rows from the
/// same sequence in batches, NOT NULL online, then `ALTER COLUMN ... ADD GENERATED ... AS
/// IDENTITY` on the NOT NULL column, which only changes the catalog (measured: 0.9 ms, same
/// relfilenode), its sequence set to where the temporary one stopped, which is dropped.
fn identity_steps(
    table: &QualifiedName,
    column: &Column,
    identity: &crate::model::Identity,
    cx: &Context<'_>,
) -> Vec<StepDraft> {
    let c = quote_ident(&column.name);
    let what = format!("{table}.{c}");
    let temporary = table.sibling(temporary_name(
        &format!("{}_{}", table.name, column.name),
        "_shiftplan_seq",
    ));
    let identity_sequence = identity.sequence.clone().unwrap_or_else(|| {
        table.sibling(crate::parse::naming::make_object_name(
            &table.name,
            Some(&column.name),
            "seq",
        ))
    });
    let sequence = crate::model::Sequence {
        name: temporary.clone(),
        data_type: column.data_type.clone(),
        options: identity.options.clone(),
        owned_by: None,
        comment: None,
    };
    let nextval = alter::nextval(&temporary);
    let mut plain = column.clone();
    plain.identity = None;
    plain.not_null = false;
    plain.default = None;
    let add = StepDraft::new(
        PhaseName::Expand,
        format!("add column {what}, numbered from a temporary sequence until it becomes an identity column"),
    )
    .sql(crate::render::ddl::create_sequence(&sequence))
    .sql(crate::render::ddl::add_column(table, &plain))
    .sql(crate::render::ddl::set_default(table, &column.name, Some(&nextval)))
    .rollback(crate::render::ddl::drop_column(table, &column.name))
    .rollback(steps::drop_sequence(&temporary))
    .lock("ACCESS EXCLUSIVE", &[table], LockDuration::Instant)
    .creates(key::column(table, &column.name))
    .creates(key::sequence(&temporary))
    .needs_all(column_keys(table, column));
    let fill = backfill_step_of(table, &column.name, &nextval, &[], false);
    let mut out = vec![add, fill];
    out.extend(not_null_steps(
        table,
        &column.name,
        PhaseName::Backfill,
        cx.server_version,
    ));
    let (to_identity, from_identity) = (
        super::column_default::identity_sql(table, &column.name, None, Some(identity)),
        super::column_default::identity_sql(table, &column.name, Some(identity), None),
    );
    let mut convert = StepDraft::new(
        PhaseName::Backfill,
        format!("make {what} an identity column, continuing its numbers"),
    )
    .sql(crate::render::ddl::set_default(table, &column.name, None));
    convert.sql.extend(to_identity);
    convert = convert
        .sql(alter::copy_sequence_state(&temporary, &identity_sequence))
        .sql(steps::drop_sequence(&temporary))
        .rollback(crate::render::ddl::create_sequence(&sequence))
        .rollback(alter::copy_sequence_state(&identity_sequence, &temporary));
    convert.rollback.extend(from_identity);
    convert = convert
        .rollback(crate::render::ddl::set_default(
            table,
            &column.name,
            Some(&nextval),
        ))
        .lock("ACCESS EXCLUSIVE", &[table], LockDuration::Instant)
        .needs(format!("not null {table}.{c}"))
        .drops(key::sequence(&temporary))
        .creates(key::sequence(&identity_sequence));
    out.push(convert);
    out
}

fn drop(table: &QualifiedName, column: &Column) -> StepDraft {
    let what = format!("{table}.{}", quote_ident(&column.name));
    let mut step = StepDraft::new(PhaseName::Contract, format!("drop column {what}"))
        .sql(crate::render::ddl::drop_column(table, &column.name))
        .irreversible()
        .lock("ACCESS EXCLUSIVE", &[table], LockDuration::Instant)
        .hazard(
            "column-drop",
            format!("dropping {what} loses its data; code that still reads or writes it fails"),
            format!("Deploy code that no longer uses {what} before contract; back up the column if its data may be needed."),
        )
        .drops(key::column(table, &column.name))
        .needs_old(key::table(table));
    step.needs_old.extend(type_needs(&column.data_type));
    if let Some(d) = &column.default {
        step.needs_old
            .extend(sequences_in(d).iter().map(key::sequence));
    }
    step
}

/// A BEFORE INSERT OR UPDATE row trigger with its function.
pub fn trigger_step(
    phase: PhaseName,
    table: &QualifiedName,
    function: &QualifiedName,
    trigger: &str,
    body: &str,
    change: &str,
) -> StepDraft {
    StepDraft::new(phase, change.to_string())
        .sql(steps::create_trigger_function(function, body))
        .sql(steps::create_row_trigger(table, trigger, function))
        .rollback(steps::drop_trigger(table, trigger))
        .rollback(steps::drop_trigger_function(function))
        .lock("SHARE ROW EXCLUSIVE", &[table], LockDuration::Instant)
        .hazard(
            "dual-write-trigger",
            format!(
                "trigger {} on {table} runs on every INSERT and UPDATE until contract",
                quote_ident(trigger)
            ),
            "Keep the window until contract short.",
        )
        .creates(key::trigger(table, trigger))
        .needs(key::table(table))
}

/// Contract: the trigger and its function go.
pub fn drop_trigger_step(
    table: &QualifiedName,
    function: &QualifiedName,
    trigger: &str,
    change: &str,
    body: &str,
) -> StepDraft {
    StepDraft::new(PhaseName::Contract, change.to_string())
        .sql(steps::drop_trigger(table, trigger))
        .sql(steps::drop_trigger_function(function))
        .rollback(steps::create_trigger_function(function, body))
        .rollback(steps::create_row_trigger(table, trigger, function))
        .lock("ACCESS EXCLUSIVE", &[table], LockDuration::Instant)
        .drops(key::trigger(table, trigger))
        .needs(key::table(table))
}

/// One batch of a backfill: rows where `column` is NULL and `value` is not get `value`.
pub fn backfill_step(
    table: &QualifiedName,
    column: &str,
    value: &str,
    extra_filter: &[String],
) -> StepDraft {
    backfill_step_of(table, column, value, extra_filter, true)
}

/// [`backfill_step`]; `value_may_be_null`: false when `value` never gives NULL (a `nextval`,
/// which must not be called to filter rows).
fn backfill_step_of(
    table: &QualifiedName,
    column: &str,
    value: &str,
    extra_filter: &[String],
    value_may_be_null: bool,
) -> StepDraft {
    let c = quote_ident(column);
    StepDraft::new(PhaseName::Backfill, format!("backfill {table}.{c}"))
        .sql(steps::backfill_batch(
            table,
            column,
            value,
            value_may_be_null,
            extra_filter,
            BATCH_SIZE,
        ))
        .batched()
        .lock("ROW EXCLUSIVE", &[table], LockDuration::Batched)
        .hazard(
            "backfill-updates-rows",
            format!(
                "updates every row of {table} where {c} is NULL, {BATCH_SIZE} rows per transaction"
            ),
            "Run off-peak; the step is resumable: running it again continues where it stopped.",
        )
        .creates(key::filled(table, column))
        .needs(key::column(table, column))
}

/// The name of the temporary CHECK that proves a column NOT NULL.
pub fn not_null_check_name(table: &QualifiedName, column: &str) -> String {
    temporary_name(&format!("{}_{}", table.name, column), "_not_null_shiftplan")
}

/// PostgreSQL's name for the not-null constraint of a column (`<table>_<column>_not_null`), which
/// from 18 on is a row of pg_constraint that NOT VALID / VALIDATE CONSTRAINT act on.
pub fn not_null_constraint_name(table: &QualifiedName, column: &str) -> String {
    crate::parse::naming::make_object_name(&table.name, Some(column), "not_null")
}

/// `NOT NULL NOT VALID` (a not-null constraint that checks new rows only) exists from 18 on.
pub const NOT_NULL_NOT_VALID_SINCE: u32 = 18;

/// NOT NULL without a long ACCESS EXCLUSIVE scan. PostgreSQL 18+: ADD CONSTRAINT ... NOT NULL
/// ... NOT VALID (instant) → VALIDATE CONSTRAINT (SHARE UPDATE EXCLUSIVE scan). Before: CHECK (c IS
/// NOT NULL) NOT VALID → VALIDATE → SET NOT NULL (12+ uses the check, no scan) → drop the check.
pub fn not_null_steps(
    table: &QualifiedName,
    column: &str,
    phase: PhaseName,
    server_version: u32,
) -> Vec<StepDraft> {
    if server_version >= NOT_NULL_NOT_VALID_SINCE {
        return not_null_not_valid_steps(table, column, phase);
    }
    let c = quote_ident(column);
    let check = not_null_check_name(table, column);
    let add_check = steps::add_not_null_check(table, &check, column);
    let what = format!("{table}.{c}");
    let first = StepDraft::new(
        phase,
        format!("add NOT VALID check that {what} is not null"),
    )
    .sql(add_check.clone())
    .rollback(crate::render::ddl::drop_constraint(table, &check))
    .lock("ACCESS EXCLUSIVE", &[table], LockDuration::Instant)
    .needs(key::column(table, column))
    .needs(key::filled(table, column));
    let second = StepDraft::new(phase, format!("validate the not-null check of {what}"))
        .sql(alter::validate_constraint(table, &check))
        .lock("SHARE UPDATE EXCLUSIVE", &[table], LockDuration::Scan)
        .hazard(
            "validate-scan",
            format!("scans {table} to prove {c} holds no NULL; reads and writes go on"),
            format!("If it fails, fill the NULLs of {what} and run the step again."),
        );
    let mut third = StepDraft::new(phase, format!("set {what} NOT NULL"))
        .sql(crate::render::ddl::set_not_null(table, column, true))
        .sql(crate::render::ddl::drop_constraint(table, &check))
        .rollback(crate::render::ddl::set_not_null(table, column, false))
        .rollback(add_check)
        .lock("ACCESS EXCLUSIVE", &[table], LockDuration::Instant)
        .creates(format!("not null {table}.{c}"));
    if server_version < 12 {
        third.lock.duration = LockDuration::Scan;
        third = third.hazard(
            "not-null-full-scan",
            format!("PostgreSQL {server_version} scans {table} under ACCESS EXCLUSIVE to set {c} NOT NULL, even with the validated check"),
            "Run the step in a quiet window, or plan for PostgreSQL 12 or later.",
        );
    }
    vec![first, second, third]
}

/// PostgreSQL 18+: the column's own not-null constraint, added NOT VALID, then validated.
fn not_null_not_valid_steps(
    table: &QualifiedName,
    column: &str,
    phase: PhaseName,
) -> Vec<StepDraft> {
    let c = quote_ident(column);
    let name = not_null_constraint_name(table, column);
    let what = format!("{table}.{c}");
    let first = StepDraft::new(
        phase,
        format!(
            "add NOT VALID not-null constraint {} on {what}",
            quote_ident(&name)
        ),
    )
    .sql(alter::add_not_null_not_valid(table, &name, column))
    .rollback(crate::render::ddl::drop_constraint(table, &name))
    .lock("ACCESS EXCLUSIVE", &[table], LockDuration::Instant)
    .needs(key::column(table, column))
    .needs(key::filled(table, column));
    let second = StepDraft::new(phase, format!("validate the not-null constraint of {what}"))
        .sql(alter::validate_constraint(table, &name))
        .lock("SHARE UPDATE EXCLUSIVE", &[table], LockDuration::Scan)
        .hazard(
            "validate-scan",
            format!("scans {table} to prove {c} holds no NULL; reads and writes go on"),
            format!("If it fails, fill the NULLs of {what} and run the step again."),
        )
        .creates(format!("not null {table}.{c}"));
    vec![first, second]
}
