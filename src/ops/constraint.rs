//! Constraints in their online shapes. CHECK and FOREIGN KEY: `NOT VALID`, then `VALIDATE` in its
//! own step (SHARE UPDATE EXCLUSIVE). PRIMARY KEY and UNIQUE: a unique index built CONCURRENTLY,
//! then `ADD CONSTRAINT ... USING INDEX` (instant). EXCLUDE: no online form (dangerous). Drops in
//! contract. On new tables: plain DDL. Over replaced columns: built on the new column, renamed
//! (or attached) in contract. The storage parameters of a kept constraint's index: `ALTER INDEX ...
//! SET / RESET` in place (SHARE UPDATE EXCLUSIVE on the index for a btree's parameters).

use crate::model::SortedMap;

use super::{Context, StepDraft, key};
use crate::diff::{Change, Placement, constraint_columns};
use crate::model::{
    Constraint, ConstraintKind, Index, IndexKey, IndexKeyExpr, QualifiedName, quote_ident,
};
use crate::plan::{LockDuration, PhaseName};
use crate::render::alter;

pub fn steps(change: &Change, cx: &Context<'_>) -> Vec<StepDraft> {
    match change {
        Change::AddConstraint {
            table,
            constraint,
            placement,
        } => add(table, constraint, placement, cx),
        Change::DropConstraint { table, constraint } => vec![drop(table, constraint)],
        Change::ValidateConstraint { table, constraint } => vec![validate(
            table,
            constraint,
            &constraint.name,
            PhaseName::Expand,
        )],
        Change::RenameConstraint { table, from, to } => vec![
            StepDraft::new(
                PhaseName::Expand,
                format!(
                    "rename constraint {} of {table} to {}",
                    quote_ident(from),
                    quote_ident(to)
                ),
            )
            .sql(alter::rename_constraint(table, from, to))
            .rollback(alter::rename_constraint(table, to, from))
            .lock("ACCESS EXCLUSIVE", &[table], LockDuration::Instant)
            .drops(key::constraint(table, from))
            .creates(key::constraint(table, to))
            .needs(key::table(table)),
        ],
        Change::SetConstraintIndexOptions {
            table,
            constraint,
            from,
            to,
        } => vec![set_index_options(table, constraint, from, to)],
        _ => Vec::new(),
    }
}

/// The storage parameters of a constraint's index, changed in place. PostgreSQL 15 takes SHARE
/// UPDATE EXCLUSIVE on the index alone for a btree's `fillfactor` and `deduplicate_items`
/// (measured: the table is not locked, the index not rebuilt; the new fill factor applies to pages
/// written from now on); other parameters are taken as ACCESS EXCLUSIVE, the most any takes.
fn set_index_options(
    table: &QualifiedName,
    constraint: &str,
    from: &[String],
    to: &[String],
) -> StepDraft {
    let index = table.sibling(constraint.to_string());
    let light = from.iter().chain(to).all(|o| {
        let name = o.split_once('=').map_or(o.as_str(), |(k, _)| k);
        matches!(name, "fillfactor" | "deduplicate_items")
    });
    let mut s = StepDraft::new(
        PhaseName::Expand,
        format!(
            "change storage parameters of the index of constraint {} on {table}",
            quote_ident(constraint)
        ),
    )
    .lock(
        if light {
            "SHARE UPDATE EXCLUSIVE"
        } else {
            "ACCESS EXCLUSIVE"
        },
        &[&index],
        LockDuration::Instant,
    )
    .needs(key::constraint(table, constraint));
    s.sql = alter::set_index_options(&index, from, to);
    s.rollback = alter::set_index_options(&index, to, from);
    s
}

fn what(table: &QualifiedName, c: &Constraint) -> String {
    format!("constraint {} on {table}", quote_ident(&c.name))
}

/// Keys a constraint needs: its table and columns, and for a foreign key the referenced table
/// and a unique constraint or index over the referenced columns.
fn needs(
    table: &QualifiedName,
    c: &Constraint,
    columns: &SortedMap<String, String>,
) -> Vec<String> {
    let mut k = vec![key::table(table)];
    if let Some(cols) = constraint_columns(c) {
        k.extend(
            cols.iter()
                .map(|x| key::column(table, columns.get(x).unwrap_or(x))),
        );
    }
    if let ConstraintKind::ForeignKey {
        references,
        referenced_columns,
        ..
    } = &c.kind
    {
        k.push(key::table(references));
        k.push(key::unique(references, referenced_columns));
    }
    k
}

fn lock_relations(table: &QualifiedName, c: &Constraint) -> Vec<QualifiedName> {
    let mut r = vec![table.clone()];
    if let ConstraintKind::ForeignKey { references, .. } = &c.kind
        && references != table
    {
        r.push(references.clone());
    }
    r
}

fn unique_columns(c: &Constraint) -> Option<(bool, &Vec<String>, &Vec<String>, bool)> {
    match &c.kind {
        ConstraintKind::PrimaryKey { columns, include } => Some((true, columns, include, false)),
        ConstraintKind::Unique {
            columns,
            include,
            nulls_not_distinct,
        } => Some((false, columns, include, *nulls_not_distinct)),
        _ => None,
    }
}

/// The unique index that backs a primary key or unique constraint, under `name`, over the
/// columns as they are named while it is built.
fn backing_index(c: &Constraint, name: &str, map: &SortedMap<String, String>) -> Option<Index> {
    let (_, columns, include, nnd) = unique_columns(c)?;
    let m = |x: &String| map.get(x).cloned().unwrap_or_else(|| x.clone());
    Some(Index {
        name: name.to_string(),
        unique: true,
        method: "btree".into(),
        keys: columns
            .iter()
            .map(|x| IndexKey {
                expression: IndexKeyExpr::Column(m(x)),
                collation: None,
                opclass: None,
                descending: false,
                nulls_first: None,
            })
            .collect(),
        include: include.iter().map(m).collect(),
        predicate: None,
        nulls_not_distinct: nnd,
        options: c.index_options.clone(),
        only: false,
        attached_to: None,
        tablespace: None,
        comment: None,
    })
}

fn mapped(c: &Constraint, map: &SortedMap<String, String>, name: &str) -> Constraint {
    let mut c = c.clone();
    c.name = name.to_string();
    let m = |cols: &mut Vec<String>| {
        for x in cols.iter_mut() {
            if let Some(y) = map.get(x) {
                *x = y.clone();
            }
        }
    };
    match &mut c.kind {
        ConstraintKind::PrimaryKey { columns, include }
        | ConstraintKind::Unique {
            columns, include, ..
        } => {
            m(columns);
            m(include);
        }
        ConstraintKind::ForeignKey { columns, .. } => m(columns),
        _ => {}
    }
    c
}

fn add(
    table: &QualifiedName,
    c: &Constraint,
    placement: &Placement,
    cx: &Context<'_>,
) -> Vec<StepDraft> {
    let no_map = SortedMap::new();
    let rels = lock_relations(table, c);
    let rel_refs: Vec<&QualifiedName> = rels.iter().collect();
    let mut common = |s: StepDraft, map: &SortedMap<String, String>| -> StepDraft {
        let mut s = s.needs_all(needs(table, c, map));
        if let Some((_, cols, _, _)) = unique_columns(c) {
            s = s.creates(key::unique(table, cols));
        }
        s.creates(key::constraint(table, &c.name))
    };
    let mut out = Vec::new();
    if let (Some(_), true) = (unique_columns(c).filter(|u| u.3), cx.server_version < 15) {
        out.push(
            StepDraft::new(
                PhaseName::Expand,
                format!("check {} needs PostgreSQL 15", what(table, c)),
            )
            .hazard(
                "unknown-effect",
                format!(
                    "{} uses NULLS NOT DISTINCT, which PostgreSQL {} does not have: the step fails",
                    what(table, c),
                    cx.server_version
                ),
                "Plan for PostgreSQL 15 or later, or drop NULLS NOT DISTINCT.",
            ),
        );
    }
    match placement {
        Placement::NewTable => {
            out.push(common(
                StepDraft::new(PhaseName::Expand, format!("add {}", what(table, c)))
                    .sql(alter::add_constraint(table, c, c.not_valid))
                    .rollback(crate::render::ddl::drop_constraint(table, &c.name))
                    .lock(
                        if matches!(c.kind, ConstraintKind::ForeignKey { .. }) {
                            "SHARE ROW EXCLUSIVE"
                        } else {
                            "ACCESS EXCLUSIVE"
                        },
                        &rel_refs,
                        LockDuration::Instant,
                    ),
                &no_map,
            ));
        }
        Placement::Existing => out.extend(online(
            table,
            c,
            &c.name,
            &no_map,
            PhaseName::Expand,
            &rel_refs,
            &mut common,
        )),
        Placement::AfterSwap { columns } => {
            let mut steps = online(
                table,
                c,
                &c.name,
                &no_map,
                PhaseName::Contract,
                &rel_refs,
                &mut common,
            );
            if let Some(first) = steps.first_mut() {
                first
                    .needs
                    .extend(columns.iter().map(|x| key::column(table, x)));
            }
            out.extend(steps);
        }
        Placement::Shadow {
            columns,
            temporary_name,
        } => {
            let build_name = temporary_name.clone().unwrap_or_else(|| c.name.clone());
            let build = mapped(c, columns, &build_name);
            let mut filled: Vec<String> = constraint_columns(c)
                .unwrap_or_default()
                .iter()
                .filter_map(|x| columns.get(x).map(|b| key::filled(table, b)))
                .collect();
            filled.sort();
            filled.dedup();
            if let Some((pk, cols, _, _)) = unique_columns(c) {
                let index = backing_index(c, &build_name, columns)
                    .unwrap_or_else(|| empty_index(&build_name));
                out.push(
                    StepDraft::new(PhaseName::Backfill, format!("build unique index {} for {}", quote_ident(&build_name), what(table, c)))
                        .sql(alter::create_constraint_index(table, &index, &build_name, true, c.index_tablespace.as_deref()))
                        .rollback(alter::drop_index(&table.schema, &build_name, true))
                        .non_transactional()
                        .lock("SHARE UPDATE EXCLUSIVE", &[table], LockDuration::Build)
                        .hazard("index-build-concurrently", format!("builds {} on {table} while writes go on", quote_ident(&build_name)), "If it fails, run the rollback (drops the invalid index) and the step again.")
                        .needs_all(filled.clone())
                        .needs_all(cols.iter().map(|x| key::column(table, columns.get(x).unwrap_or(x))))
                        .creates(key::index(&table.schema, &build_name)),
                );
                let mut attach = StepDraft::new(
                    PhaseName::Contract,
                    format!(
                        "add {} using index {}",
                        what(table, c),
                        quote_ident(&build_name)
                    ),
                )
                .sql(alter::add_constraint_using_index(
                    table,
                    &c.name,
                    pk,
                    &build_name,
                    (c.deferrable, c.initially_deferred),
                ))
                .rollback(crate::render::ddl::drop_constraint(table, &c.name))
                .lock("ACCESS EXCLUSIVE", &[table], LockDuration::Instant)
                .needs_all(cols.iter().map(|x| key::column(table, x)));
                if pk {
                    attach = attach.needs_all(
                        cols.iter()
                            .map(|x| format!("not null {table}.{}", quote_ident(x))),
                    );
                }
                out.push(common(attach, &no_map));
            } else {
                let mut steps = online(
                    table,
                    &build,
                    &build_name,
                    columns,
                    PhaseName::Backfill,
                    &rel_refs,
                    &mut |s, _| s,
                );
                for s in &mut steps {
                    s.needs.extend(filled.iter().cloned());
                    s.needs.extend(needs(table, c, columns));
                }
                if let Some(last) = steps.last_mut() {
                    last.creates.push(key::constraint(table, &build_name));
                }
                out.extend(steps);
                if build_name != c.name {
                    out.push(
                        StepDraft::new(
                            PhaseName::Contract,
                            format!(
                                "rename constraint {} of {table} to {}",
                                quote_ident(&build_name),
                                quote_ident(&c.name)
                            ),
                        )
                        .sql(alter::rename_constraint(table, &build_name, &c.name))
                        .rollback(alter::rename_constraint(table, &c.name, &build_name))
                        .lock("ACCESS EXCLUSIVE", &[table], LockDuration::Instant)
                        .creates(key::constraint(table, &c.name))
                        .needs(key::table(table)),
                    );
                }
            }
        }
    }
    out
}

fn empty_index(name: &str) -> Index {
    Index {
        name: name.to_string(),
        unique: true,
        method: "btree".into(),
        keys: Vec::new(),
        include: Vec::new(),
        predicate: None,
        nulls_not_distinct: false,
        options: Vec::new(),
        only: false,
        attached_to: None,
        tablespace: None,
        comment: None,
    }
}

/// The online shape on an existing table, under `name`.
fn online(
    table: &QualifiedName,
    c: &Constraint,
    name: &str,
    map: &SortedMap<String, String>,
    phase: PhaseName,
    rels: &[&QualifiedName],
    common: &mut dyn FnMut(StepDraft, &SortedMap<String, String>) -> StepDraft,
) -> Vec<StepDraft> {
    let mut named = c.clone();
    named.name = name.to_string();
    match &c.kind {
        ConstraintKind::Check { .. } | ConstraintKind::ForeignKey { .. } => {
            let fk = matches!(c.kind, ConstraintKind::ForeignKey { .. });
            let add = StepDraft::new(phase, format!("add {} NOT VALID", what(table, &named)))
                .sql(alter::add_constraint(table, &named, true))
                .rollback(crate::render::ddl::drop_constraint(table, name))
                .lock(if fk { "SHARE ROW EXCLUSIVE" } else { "ACCESS EXCLUSIVE" }, rels, LockDuration::Instant);
            let add = common(add, map);
            if c.not_valid {
                return vec![add];
            }
            vec![add, validate(table, &named, name, phase)]
        }
        ConstraintKind::PrimaryKey { columns, .. } | ConstraintKind::Unique { columns, .. } => {
            let pk = matches!(c.kind, ConstraintKind::PrimaryKey { .. });
            let index = backing_index(c, name, map).unwrap_or_else(|| empty_index(name));
            let build = StepDraft::new(phase, format!("build unique index {} on {table} CONCURRENTLY", quote_ident(name)))
                .sql(alter::create_constraint_index(table, &index, name, true, c.index_tablespace.as_deref()))
                .rollback(crate::render::steps::drop_index_if_built(&table.sibling(name.to_string())))
                .non_transactional()
                .lock("SHARE UPDATE EXCLUSIVE", &[table], LockDuration::Build)
                .hazard(
                    "index-build-concurrently",
                    format!("builds {} on {table} while writes go on; fails on duplicate values", quote_ident(name)),
                    "If it fails, run the rollback (drops the invalid index), fix the duplicates and run the step again.",
                )
                .needs(key::table(table))
                .needs_all(columns.iter().map(|x| key::column(table, map.get(x).unwrap_or(x))));
            let mut attach = StepDraft::new(phase, format!("add {} using its index", what(table, &named)))
                .sql(alter::add_constraint_using_index(table, name, pk, name, (c.deferrable, c.initially_deferred)))
                .rollback(crate::render::ddl::drop_constraint(table, name))
                .lock("ACCESS EXCLUSIVE", &[table], LockDuration::Instant);
            if pk {
                attach = attach.needs_all(columns.iter().map(|x| format!("not null {table}.{}", quote_ident(x))));
            }
            vec![build, common(attach, map)]
        }
        ConstraintKind::Exclude { .. } => vec![common(
            StepDraft::new(phase, format!("add {}", what(table, &named)))
                .sql(alter::add_constraint(table, &named, false))
                .rollback(crate::render::ddl::drop_constraint(table, name))
                .lock("ACCESS EXCLUSIVE", &[table], LockDuration::Build)
                .hazard(
                    "exclude-constraint-lock",
                    format!("{} builds its index under ACCESS EXCLUSIVE: reads and writes of {table} wait", what(table, &named)),
                    "Run the step in a quiet window; there is no online form.",
                ),
            map,
        )],
    }
}

fn validate(table: &QualifiedName, c: &Constraint, name: &str, phase: PhaseName) -> StepDraft {
    let mut s = StepDraft::new(
        phase,
        format!("validate constraint {} on {table}", quote_ident(name)),
    )
    .sql(alter::validate_constraint(table, name))
    .lock("SHARE UPDATE EXCLUSIVE", &[table], LockDuration::Scan)
    .hazard(
        "validate-scan",
        format!("scans {table} to check existing rows; reads and writes go on"),
        format!(
            "If it fails, fix the rows that violate {} and run the step again.",
            quote_ident(name)
        ),
    )
    .needs(key::constraint(table, name));
    if let ConstraintKind::ForeignKey { references, .. } = &c.kind {
        s.lock.relations.push(references.to_string());
        s.lock.relations.dedup();
    }
    s
}

fn drop(table: &QualifiedName, c: &Constraint) -> StepDraft {
    let rels = lock_relations(table, c);
    let rel_refs: Vec<&QualifiedName> = rels.iter().collect();
    let mut s = StepDraft::new(PhaseName::Contract, format!("drop {}", what(table, c)))
        .sql(crate::render::ddl::drop_constraint(table, &c.name))
        .rollback(alter::add_constraint(table, c, c.not_valid))
        .lock("ACCESS EXCLUSIVE", &rel_refs, LockDuration::Instant)
        .hazard(
            "constraint-drop",
            format!("{} is no longer enforced", what(table, c)),
            "Drop it once no code relies on the database enforcing it.",
        )
        .drops(key::constraint(table, &c.name))
        .needs_old(key::table(table));
    if let Some(cols) = constraint_columns(c) {
        s = s.needs_old_all(cols.iter().map(|x| key::column(table, x)));
    }
    if let Some((_, cols, _, _)) = unique_columns(c) {
        s = s.drops(key::unique(table, cols));
    }
    if let ConstraintKind::ForeignKey {
        references,
        referenced_columns,
        ..
    } = &c.kind
    {
        s = s
            .needs_old(key::table(references))
            .needs_old(key::unique(references, referenced_columns));
    }
    s
}
