//! Tables: create (plain DDL: a new table has no readers), drop (contract only, data loss, not
//! reversible), recreate (no ALTER form: dangerous), and table properties with an ALTER form
//! (with a materialized view's tablespace, which PostgreSQL moves as it moves a table's: a copy
//! under ACCESS EXCLUSIVE, measured on PostgreSQL 15).

use super::{Context, StepDraft, key, sequences_in, type_needs};
use crate::diff::Change;
use crate::model::{ConstraintKind, Table, quote_ident};
use crate::plan::{LockDuration, PhaseName};
use crate::render::{alter, ddl};

pub fn steps(change: &Change, cx: &Context<'_>) -> Vec<StepDraft> {
    match change {
        Change::CreateTable {
            table,
            inline_foreign_keys,
        } => vec![lock_parents(create(table, *inline_foreign_keys), table, cx)],
        Change::DropTable { table } => vec![drop(table)],
        Change::RecreateTable { from, to } => {
            let mut s = drop(from);
            s.change = format!("recreate table {}", to.name);
            s.sql.extend(create_table_sql(to, true));
            for i in to.indexes.values() {
                s.sql.push(alter::create_index(&to.name, i, &i.name, false));
            }
            s.creates.extend(create(to, true).creates);
            s = s.hazard(
                "table-recreated",
                format!("{} changes partitioning or inheritance: it is dropped and created again, and its rows are lost", to.name),
                "Copy the rows into a new table by hand (create, backfill, swap names) if they matter.",
            );
            vec![s]
        }
        Change::AlterTableProperty { table, property } => {
            let what = property.what(table);
            let rewrite = property.rewrite();
            let (sql, rollback) = alter::alter_table_property(table, property);
            let reversible = !rollback.is_empty();
            let phase = if reversible {
                PhaseName::Expand
            } else {
                PhaseName::Contract
            };
            let mut s = StepDraft::new(phase, format!("change {what}"))
                .lock(
                    "ACCESS EXCLUSIVE",
                    &[table],
                    if rewrite {
                        LockDuration::Rewrite
                    } else {
                        LockDuration::Instant
                    },
                )
                .needs(key::table(table));
            s.sql = sql;
            s.reversible = reversible;
            s.rollback = rollback;
            if rewrite {
                s = s.hazard(
                    "access-exclusive-rewrite",
                    format!("changing {what} rewrites {table} under ACCESS EXCLUSIVE: reads and writes wait until it ends"),
                    "Run the step in a quiet window, or copy into a new table.",
                );
            }
            if !reversible {
                s = s.hazard(
                    "column-drop",
                    format!("changing {what} drops and adds the column: its values are computed again or lost"),
                    "Back up the values first if they matter.",
                );
            }
            vec![s]
        }
        _ => Vec::new(),
    }
}

/// `CREATE TABLE` ([`ddl::create_table`]: columns, keys, checks), then its foreign keys (when
/// `inline_foreign_keys`; else they come as steps of their own) and NOT VALID constraints.
pub fn create_table_sql(t: &Table, inline_foreign_keys: bool) -> Vec<String> {
    let mut out = vec![ddl::create_table(t)];
    if t.partition_of.is_some() {
        // A partition takes its columns from the parent; its own defaults follow.
        for c in t.columns.values() {
            if let Some(d) = &c.default {
                out.push(ddl::set_default(&t.name, &c.name, Some(d)));
            }
        }
    }
    for c in t.constraints.values() {
        let fk = matches!(c.kind, ConstraintKind::ForeignKey { .. });
        if (fk && inline_foreign_keys) || (!fk && c.not_valid) {
            out.push(alter::add_constraint(&t.name, c, c.not_valid));
        }
    }
    if let Some(r) = &t.replica_identity {
        out.push(alter::replica_identity(&t.name, Some(r)));
    }
    out
}

fn create(t: &Table, inline_foreign_keys: bool) -> StepDraft {
    let mut s = StepDraft::new(PhaseName::Expand, format!("create table {}", t.name));
    // A partition is detached first: a foreign key to its partitioned table depends on it.
    if let Some(p) = &t.partition_of {
        s = s.rollback(alter::detach_partition(&p.parent, &t.name));
    }
    let mut s = s
        .rollback(ddl::drop_table(&t.name))
        .creates(key::table(&t.name))
        .needs(key::schema(&t.name.schema));
    s.sql = create_table_sql(t, inline_foreign_keys);
    for c in t.columns.values() {
        s = s
            .creates(key::column(&t.name, &c.name))
            .needs_all(type_needs(&c.data_type));
        if let Some(d) = &c.default {
            s = s.needs_all(sequences_in(d).iter().map(key::sequence));
        }
        if c.not_null {
            s = s.creates(format!("not null {}.{}", t.name, quote_ident(&c.name)));
        }
    }
    let mut locked = Vec::new();
    for c in t.constraints.values() {
        match &c.kind {
            ConstraintKind::ForeignKey {
                references,
                referenced_columns,
                ..
            } if inline_foreign_keys => {
                if *references != t.name {
                    s = s
                        .needs(key::table(references))
                        .needs(key::unique(references, referenced_columns));
                    locked.push(references.clone());
                }
                s = s.creates(key::constraint(&t.name, &c.name));
            }
            ConstraintKind::ForeignKey { .. } => {}
            ConstraintKind::PrimaryKey { columns, .. } | ConstraintKind::Unique { columns, .. } => {
                s = s
                    .creates(key::constraint(&t.name, &c.name))
                    .creates(key::unique(&t.name, columns));
            }
            _ => s = s.creates(key::constraint(&t.name, &c.name)),
        }
    }
    if let Some(p) = &t.partition_of {
        s = s.needs(key::table(&p.parent));
    }
    for p in &t.inherits {
        s = s.needs(key::table(p));
    }
    if locked.is_empty() {
        s
    } else {
        let refs: Vec<&crate::model::QualifiedName> = locked.iter().collect();
        s.lock("SHARE ROW EXCLUSIVE", &refs, LockDuration::Instant)
    }
}

/// The locks a new table takes on the tables it joins (measured on PostgreSQL 15): a partition,
/// ACCESS EXCLUSIVE on its partitioned table and SHARE ROW EXCLUSIVE on the tables the parent's
/// foreign keys reference and on those whose foreign keys reference the parent (it gets their
/// triggers); an inheritance child, SHARE UPDATE EXCLUSIVE on its parents.
fn lock_parents(s: StepDraft, t: &Table, cx: &Context<'_>) -> StepDraft {
    let mut relations: Vec<crate::model::QualifiedName> = Vec::new();
    let mut level = None;
    if let Some(p) = &t.partition_of {
        level = Some("ACCESS EXCLUSIVE");
        relations.push(p.parent.clone());
        let parent = cx
            .to
            .tables
            .get(&p.parent)
            .or(cx.from.tables.get(&p.parent));
        for c in parent.iter().flat_map(|p| p.constraints.values()) {
            if let ConstraintKind::ForeignKey { references, .. } = &c.kind {
                relations.push(references.clone());
            }
        }
        for other in cx.to.tables.values() {
            let refers = other.constraints.values().any(|c| {
                matches!(&c.kind, ConstraintKind::ForeignKey { references, .. } if *references == p.parent)
            });
            if refers && other.name != t.name {
                relations.push(other.name.clone());
            }
        }
    } else if !t.inherits.is_empty() {
        level = Some("SHARE UPDATE EXCLUSIVE");
        relations.extend(t.inherits.iter().cloned());
    }
    let Some(level) = level else {
        return s;
    };
    // The foreign keys' own SHARE ROW EXCLUSIVE locks stay named beside the parent's.
    for r in &s.lock.relations {
        if !relations.iter().any(|q| q.to_string() == *r) {
            relations.extend(cx.to.tables.keys().find(|q| q.to_string() == *r).cloned());
        }
    }
    relations.sort();
    relations.dedup();
    let refs: Vec<&crate::model::QualifiedName> = relations.iter().collect();
    s.lock(level, &refs, LockDuration::Instant)
}

fn drop(t: &Table) -> StepDraft {
    // Its foreign keys' triggers go from the tables they reference, and a partition from its
    // partitioned table: those are locked too (measured on PostgreSQL 15).
    let mut locked = vec![&t.name];
    if let Some(p) = &t.partition_of {
        locked.push(&p.parent);
    }
    for c in t.constraints.values() {
        if let ConstraintKind::ForeignKey { references, .. } = &c.kind
            && !locked.contains(&references)
        {
            locked.push(references);
        }
    }
    let mut s = StepDraft::new(PhaseName::Contract, format!("drop table {}", t.name))
        .sql(ddl::drop_table(&t.name))
        .irreversible()
        .lock("ACCESS EXCLUSIVE", &locked, LockDuration::Instant)
        .hazard(
            "table-drop",
            format!("dropping {} loses its rows; code that still uses it fails", t.name),
            format!("Deploy code that no longer uses {} before contract; back it up if its data may be needed.", t.name),
        )
        .drops(key::table(&t.name))
        .needs_old(key::schema(&t.name.schema));
    for c in t.columns.values() {
        s = s
            .drops(key::column(&t.name, &c.name))
            .needs_old_all(type_needs(&c.data_type));
    }
    for c in t.constraints.values() {
        s = s.drops(key::constraint(&t.name, &c.name));
        if let ConstraintKind::PrimaryKey { columns, .. } | ConstraintKind::Unique { columns, .. } =
            &c.kind
        {
            s = s.drops(key::unique(&t.name, columns));
        }
    }
    for i in t.indexes.keys() {
        s = s.drops(key::index(&t.name.schema, i));
    }
    for tr in t.triggers.values() {
        s = s.needs_old(key::function_name(&tr.function));
    }
    // Dropped before the tables it references, when they go too.
    for c in t.constraints.values() {
        if let ConstraintKind::ForeignKey { references, .. } = &c.kind
            && *references != t.name
        {
            s = s.needs_old(key::table(references));
        }
    }
    s
}
