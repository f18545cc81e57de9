//! Indexes: created and dropped CONCURRENTLY (plain inside tables created by the same plan and
//! on partitioned tables, where CONCURRENTLY does not exist); a changed definition is built under
//! a temporary name, the old one dropped, the new one renamed; renames are catalog-only.

use super::{Context, StepDraft, key};
use crate::diff::columns::TEMPORARY_SUFFIX;
use crate::diff::{Change, Placement, index_columns};
use crate::model::{Index, IndexKeyExpr, QualifiedName, quote_ident};
use crate::plan::{LockDuration, PhaseName};
use crate::render::alter::{self, temporary_name};

pub fn steps(change: &Change, cx: &Context<'_>) -> Vec<StepDraft> {
    match change {
        Change::CreateIndex {
            table,
            index,
            placement,
        } => create(table, index, placement, cx),
        Change::DropIndex { table, index } => vec![drop(table, index, cx)],
        Change::ReplaceIndex { table, from, to } => replace(table, from, to, cx),
        Change::RenameIndex { table, from, to } => vec![
            StepDraft::new(
                PhaseName::Expand,
                format!(
                    "rename index {} to {}",
                    table.sibling(from.clone()),
                    quote_ident(to)
                ),
            )
            .sql(alter::rename_index(&table.schema, from, to))
            .rollback(alter::rename_index(&table.schema, to, from))
            .lock_with(rename_lock(table, from, cx))
            .drops(key::index(&table.schema, from))
            .creates(key::index(&table.schema, to)),
        ],
        _ => Vec::new(),
    }
}

/// Whether CONCURRENTLY can be used on this relation.
fn concurrent(table: &QualifiedName, index: &Index, cx: &Context<'_>) -> bool {
    let partitioned = cx
        .to
        .tables
        .get(table)
        .or_else(|| cx.from.tables.get(table))
        .is_some_and(|t| t.partition_by.is_some());
    !partitioned && !index.only
}

fn column_keys(
    table: &QualifiedName,
    index: &Index,
    map: Option<&crate::model::SortedMap<String, String>>,
) -> Vec<String> {
    let mut k = vec![key::table(table)];
    for key_ in &index.keys {
        if let IndexKeyExpr::Column(c) = &key_.expression {
            let c = map.and_then(|m| m.get(c)).unwrap_or(c);
            k.push(key::column(table, c));
        }
    }
    k
}

fn build(
    table: &QualifiedName,
    index: &Index,
    name: &str,
    phase: PhaseName,
    concurrently: bool,
    new_table: bool,
) -> StepDraft {
    let mut s = StepDraft::new(
        phase,
        format!("create index {} on {table}", quote_ident(name)),
    )
    .sql(alter::create_index(table, index, name, concurrently))
    .rollback(alter::drop_index(&table.schema, name, concurrently))
    .creates(key::index(&table.schema, name));
    if index.unique
        && let Some(cols) = index_columns(index).filter(|_| index.predicate.is_none())
    {
        let keys: Vec<String> = cols.into_iter().take(index.keys.len()).collect();
        s = s.creates(key::unique(table, &keys));
    }
    if concurrently {
        s.non_transactional()
            .lock("SHARE UPDATE EXCLUSIVE", &[table], LockDuration::Build)
            .hazard(
                "index-build-concurrently",
                format!(
                    "builds {} on {table} while reads and writes go on",
                    quote_ident(name)
                ),
                "If it fails, run the rollback (drops the invalid index) and the step again.",
            )
    } else if new_table {
        s.lock("SHARE", &[table], LockDuration::Instant)
    } else {
        s.lock("SHARE", &[table], LockDuration::Build).hazard(
            "unknown-effect",
            format!("{table} is partitioned: the index is built without CONCURRENTLY and blocks writes while it builds"),
            "Build the index on each partition CONCURRENTLY first, then create it ON ONLY the parent and attach them.",
        )
    }
}

fn create(
    table: &QualifiedName,
    index: &Index,
    placement: &Placement,
    cx: &Context<'_>,
) -> Vec<StepDraft> {
    match placement {
        Placement::NewTable => vec![
            build(table, index, &index.name, PhaseName::Expand, false, true)
                .needs_all(column_keys(table, index, None)),
        ],
        Placement::Existing => {
            let c = concurrent(table, index, cx);
            vec![
                build(table, index, &index.name, PhaseName::Expand, c, false)
                    .needs_all(column_keys(table, index, None)),
            ]
        }
        Placement::AfterSwap { columns } => {
            let c = concurrent(table, index, cx);
            vec![
                build(table, index, &index.name, PhaseName::Contract, c, false)
                    .needs_all(column_keys(table, index, None))
                    .needs_all(columns.iter().map(|x| key::column(table, x))),
            ]
        }
        Placement::Shadow {
            columns,
            temporary_name,
        } => {
            let name = temporary_name.clone().unwrap_or_else(|| index.name.clone());
            let mut mapped = index.clone();
            for k in &mut mapped.keys {
                if let IndexKeyExpr::Column(c) = &mut k.expression
                    && let Some(b) = columns.get(c)
                {
                    *c = b.clone();
                }
            }
            for c in &mut mapped.include {
                if let Some(b) = columns.get(c) {
                    *c = b.clone();
                }
            }
            let filled: Vec<String> = index_columns(index)
                .unwrap_or_default()
                .iter()
                .filter_map(|c| columns.get(c).map(|b| key::filled(table, b)))
                .collect();
            let conc = concurrent(table, index, cx);
            let mut out = vec![
                build(table, &mapped, &name, PhaseName::Backfill, conc, false)
                    .needs_all(column_keys(table, &mapped, None))
                    .needs_all(filled),
            ];
            if name != index.name {
                out.push(
                    StepDraft::new(
                        PhaseName::Contract,
                        format!(
                            "rename index {} to {}",
                            table.sibling(name.clone()),
                            quote_ident(&index.name)
                        ),
                    )
                    .sql(alter::rename_index(&table.schema, &name, &index.name))
                    .rollback(alter::rename_index(&table.schema, &index.name, &name))
                    .lock_with(rename_lock(table, &name, cx))
                    .creates(key::index(&table.schema, &index.name)),
                );
            }
            out
        }
    }
}

fn drop(table: &QualifiedName, index: &Index, cx: &Context<'_>) -> StepDraft {
    let c = concurrent(table, index, cx);
    let mut s = StepDraft::new(
        PhaseName::Contract,
        format!("drop index {}", table.sibling(index.name.clone())),
    )
    .sql(alter::drop_index(&table.schema, &index.name, c))
    .rollback(alter::create_index(table, index, &index.name, c))
    .lock(
        if c {
            "SHARE UPDATE EXCLUSIVE"
        } else {
            "ACCESS EXCLUSIVE"
        },
        &[table],
        LockDuration::Instant,
    )
    .hazard(
        "index-drop",
        format!(
            "queries that used {} on {table} lose it",
            quote_ident(&index.name)
        ),
        "Check pg_stat_user_indexes that the index is unused before contract.",
    )
    .drops(key::index(&table.schema, &index.name))
    .needs_old(key::table(table))
    .needs_old_all(column_keys(table, index, None).into_iter().skip(1));
    if c {
        s = s.non_transactional();
    }
    if index.unique
        && let Some(cols) = index_columns(index)
    {
        let keys: Vec<String> = cols.into_iter().take(index.keys.len()).collect();
        s = s.drops(key::unique(table, &keys));
    }
    s
}

fn replace(table: &QualifiedName, from: &Index, to: &Index, cx: &Context<'_>) -> Vec<StepDraft> {
    let c = concurrent(table, to, cx);
    let tmp = temporary_name(&to.name, TEMPORARY_SUFFIX);
    let first =
        build(table, to, &tmp, PhaseName::Expand, c, false).needs_all(column_keys(table, to, None));
    let mut dropped = drop(table, from, cx);
    dropped.change = format!(
        "drop the old definition of index {}",
        table.sibling(from.name.clone())
    );
    let rename = StepDraft::new(
        PhaseName::Contract,
        format!(
            "rename index {} to {}",
            table.sibling(tmp.clone()),
            quote_ident(&to.name)
        ),
    )
    .sql(alter::rename_index(&table.schema, &tmp, &to.name))
    .rollback(alter::rename_index(&table.schema, &to.name, &tmp))
    .lock_with(rename_lock(table, &tmp, cx))
    .creates(key::index(&table.schema, &to.name));
    vec![first, dropped, rename]
}

/// The lock `ALTER INDEX … RENAME` takes: from PostgreSQL 12, SHARE UPDATE EXCLUSIVE on the index
/// alone (measured on 15: reads, writes and other index builds go on); before 12, ACCESS
/// EXCLUSIVE, stated on its table.
fn rename_lock(
    table: &QualifiedName,
    index: &str,
    cx: &Context<'_>,
) -> (&'static str, QualifiedName) {
    if cx.server_version >= 12 {
        ("SHARE UPDATE EXCLUSIVE", table.sibling(index.to_string()))
    } else {
        ("ACCESS EXCLUSIVE", table.clone())
    }
}
