//! Tables, their columns, constraints, indexes, triggers and policies.

use crate::model::SortedMap;
use crate::model::SortedSet;

use super::{
    Change, Differ, Placement, TableProperty, constraint_columns, index_columns, mentions,
};
use crate::diagnostic::{Diagnostic, json_string};
use crate::model::{
    BaseType, Column, Constraint, ConstraintKind, Index, QualifiedName, Table, TypeModifier,
    TypeName, quote_ident,
};
use crate::plan::PhaseName;
use crate::render::alter::temporary_name;

/// Suffix of a shadow column (type change) and of objects built before their final name is free.
pub const SHADOW_SUFFIX: &str = "_shiftplan_new";
pub const TEMPORARY_SUFFIX: &str = "_shiftplan";

/// The schema of the views that show `schema`'s tables in their new shape until contract.
pub fn new_shape_schema(schema: &str) -> String {
    temporary_name(schema, SHADOW_SUFFIX)
}

/// Columns replaced by new physical columns, by `to` table: final name → name while building.
type Replaced = SortedMap<QualifiedName, SortedMap<String, String>>;

impl Differ<'_> {
    pub(super) fn tables(&mut self) {
        let replaced = self.replaced_columns();
        let new_tables: SortedSet<QualifiedName> = self
            .to
            .tables
            .keys()
            .filter(|n| {
                !self.from.tables.contains_key(*n) && !self.hints.tables_back.contains_key(*n)
            })
            .cloned()
            .collect();
        let in_cycle = fk_cycles(self.to, &new_tables);
        for (name, tt) in &self.to.tables {
            let source = self
                .hints
                .tables_back
                .get(name)
                .cloned()
                .unwrap_or_else(|| name.clone());
            match self.from.tables.get(&source) {
                Some(ft) => {
                    let ft = &self.with_renamed_enums(ft);
                    if source != *name {
                        self.push(Change::RenameTable {
                            from: source.clone(),
                            to: name.clone(),
                        });
                    }
                    self.table_pair(ft, tt, &replaced);
                }
                None => self.new_table(tt, !in_cycle.contains(name)),
            }
        }
        let dropped: SortedSet<QualifiedName> = self
            .from
            .tables
            .keys()
            .filter(|n| !self.to.tables.contains_key(*n) && !self.hints.tables.contains_key(*n))
            .cloned()
            .collect();
        // Dropped tables that reference each other: their foreign keys go first, as steps of their own.
        let drop_cycle = fk_cycles(self.from, &dropped);
        for (name, ft) in &self.from.tables {
            if self.to.tables.contains_key(name) || self.hints.tables.contains_key(name) {
                continue;
            }
            let mut ft = ft.clone();
            if drop_cycle.contains(name) {
                let fks: Vec<Constraint> = ft
                    .constraints
                    .values()
                    .filter(|c| matches!(&c.kind, ConstraintKind::ForeignKey { references, .. } if drop_cycle.contains(references) && references != name))
                    .cloned()
                    .collect();
                for c in fks {
                    ft.constraints.remove(&c.name);
                    self.push(Change::DropConstraint {
                        table: name.clone(),
                        constraint: c,
                    });
                }
            }
            let ft = &ft;
            let alike: Vec<&QualifiedName> = new_tables
                .iter()
                .filter(|n| self.to.tables.get(*n).is_some_and(|tt| same_shape(ft, tt)))
                .collect();
            let candidates = alike
                .iter()
                .map(|n| RenameCandidate {
                    name: n.name.clone(),
                    shown: n.to_string(),
                    hint: format!(
                        "{{\"kind\": \"table\", \"from\": {}, \"to\": {}}}",
                        json_string(&name.to_string()),
                        json_string(&n.to_string())
                    ),
                    same_properties: true,
                })
                .collect();
            let kind = RenameKind {
                one: " is added with the same columns",
                many: "tables with the same columns",
                plan: "creates",
            };
            let what = format!("table {name}");
            if let Some((note, best)) = likely_rename(&what, &name.name, candidates, &kind) {
                let at = alike.get(best).and_then(|n| self.to.sources.table(n));
                self.out.diagnostics.push(note.at_source(at));
            }
            for c in ft.columns.keys() {
                self.touched
                    .insert((name.clone(), c.clone()), PhaseName::Contract);
            }
            self.push(Change::DropTable { table: ft.clone() });
        }
        self.new_shape_views(&replaced);
    }

    /// Views that show tables with shadow columns in their `to` shape ([`Change::NewShapeViews`]).
    fn new_shape_views(&mut self, replaced: &Replaced) {
        let mut by_schema: SortedMap<String, Vec<super::NewShapeTable>> = SortedMap::new();
        for (name, columns) in replaced {
            if columns
                .iter()
                .all(|(final_name, physical)| final_name == physical)
            {
                continue;
            }
            let Some(tt) = self.to.tables.get(name) else {
                continue;
            };
            let view_columns = tt
                .columns
                .keys()
                .map(|c| (c.clone(), columns.get(c).unwrap_or(c).clone()))
                .collect();
            by_schema
                .entry(name.schema.clone())
                .or_default()
                .push((name.clone(), view_columns));
        }
        for (schema, tables) in by_schema {
            self.push(Change::NewShapeViews {
                view_schema: new_shape_schema(&schema),
                schema,
                tables,
            });
        }
    }

    /// A table of `from` as it reads once its renamed enums have their new names: the types of
    /// its columns and the casts of their defaults (what PostgreSQL shows after ALTER TYPE RENAME).
    fn with_renamed_enums(&self, t: &Table) -> Table {
        let mut t = t.clone();
        for (from, to) in &self.hints.enums {
            let spell = |n: &QualifiedName| {
                crate::render::format::format_type(&TypeName {
                    base: BaseType::User(n.clone()),
                    modifiers: Vec::new(),
                    array_dimensions: 0,
                })
            };
            let (old, new) = (format!("::{}", spell(from)), format!("::{}", spell(to)));
            for c in t.columns.values_mut() {
                if c.data_type.base == BaseType::User(from.clone()) {
                    c.data_type.base = BaseType::User(to.clone());
                }
                if let Some(d) = &mut c.default {
                    *d = replace_cast(d, &old, &new);
                }
            }
        }
        t
    }

    /// First pass: which columns become new physical columns (renames, shadow type changes).
    fn replaced_columns(&self) -> Replaced {
        let mut out = Replaced::new();
        for (name, tt) in &self.to.tables {
            let source = self.hints.tables_back.get(name).unwrap_or(name);
            let Some(ft) = self.from.tables.get(source) else {
                continue;
            };
            let ft = &self.with_renamed_enums(ft);
            let renames = self.hints.columns.get(name);
            for tc in tt.columns.values() {
                let from_name = renames.and_then(|r| r.get(&tc.name)).unwrap_or(&tc.name);
                let Some(fc) = ft.columns.get(from_name) else {
                    continue;
                };
                if fc.name != tc.name {
                    out.entry(name.clone())
                        .or_default()
                        .insert(tc.name.clone(), tc.name.clone());
                } else if self.type_change(name, fc, tc) == Some(false) {
                    out.entry(name.clone())
                        .or_default()
                        .insert(tc.name.clone(), temporary_name(&tc.name, SHADOW_SUFFIX));
                }
            }
        }
        out
    }

    /// None: same type; Some(true): in place; Some(false): through a shadow column.
    fn type_change(&self, table: &QualifiedName, fc: &Column, tc: &Column) -> Option<bool> {
        let transform = self
            .hints
            .transforms
            .contains_key(&(table.clone(), tc.name.clone()));
        if fc.data_type == tc.data_type && fc.collation == tc.collation && !transform {
            return None;
        }
        Some(
            !transform
                && fc.collation == tc.collation
                && binary_coercible(&fc.data_type, &tc.data_type),
        )
    }

    fn new_table(&mut self, t: &Table, inline_foreign_keys: bool) {
        let t = &self.without_partition_clones(t);
        self.push(Change::CreateTable {
            table: t.clone(),
            inline_foreign_keys,
        });
        if !inline_foreign_keys {
            for c in t.constraints.values() {
                if matches!(c.kind, ConstraintKind::ForeignKey { .. }) {
                    self.push(Change::AddConstraint {
                        table: t.name.clone(),
                        constraint: c.clone(),
                        placement: Placement::NewTable,
                    });
                }
            }
        }
        for i in t.indexes.values() {
            self.push(Change::CreateIndex {
                table: t.name.clone(),
                index: i.clone(),
                placement: Placement::NewTable,
            });
        }
        self.table_comments(None, t);
        for tr in t.triggers.values() {
            self.push(Change::CreateTrigger {
                table: t.name.clone(),
                trigger: tr.clone(),
                replaced: false,
            });
        }
        if t.row_level_security || t.force_row_level_security {
            self.push(Change::SetRowLevelSecurity {
                table: t.name.clone(),
                from: (false, false),
                to: (t.row_level_security, t.force_row_level_security),
            });
        }
        for p in t.policies.values() {
            self.push(Change::CreatePolicy {
                table: t.name.clone(),
                policy: p.clone(),
                replaced: false,
            });
        }
    }

    /// A new partition of a partitioned table without what `CREATE TABLE ... PARTITION OF` gives
    /// it by itself from the parent as the parent is before the plan (or as it is created, when the
    /// parent is new): a copy of each primary key and unique constraint (named for the partition),
    /// of each foreign key and check (same names), and of each index (attached to the parent's).
    /// Written in the statement, or created after it, they would be refused as duplicates.
    fn without_partition_clones(&self, t: &Table) -> Table {
        let mut t = t.clone();
        let Some(parent) = t.partition_of.as_ref().map(|p| p.parent.clone()) else {
            return t;
        };
        let Some(to_parent) = self.to.tables.get(&parent) else {
            return t;
        };
        let source = self.hints.tables_back.get(&parent).unwrap_or(&parent);
        let from_parent = self.from.tables.get(source);
        // The parent's objects that exist when the partition is created.
        let kept_constraint = |c: &Constraint| match from_parent {
            None => true,
            Some(fp) => fp.constraints.values().any(|f| {
                f.name == c.name && same_constraint(f, c) && f.index_options == c.index_options
            }),
        };
        let parent_constraints: Vec<&Constraint> = to_parent
            .constraints
            .values()
            .filter(|c| kept_constraint(c))
            .collect();
        t.constraints.retain(|_, c| {
            !parent_constraints.iter().any(|p| match p.kind {
                ConstraintKind::PrimaryKey { .. } | ConstraintKind::Unique { .. } => {
                    same_constraint(p, c) && p.index_options == c.index_options
                }
                _ => p.name == c.name && same_constraint(p, c),
            })
        });
        t.indexes.retain(|_, i| {
            !i.attached_to.as_ref().is_some_and(|a| {
                a.schema == parent.schema
                    && to_parent.indexes.contains_key(&a.name)
                    && from_parent.is_none_or(|fp| {
                        fp.indexes
                            .get(&a.name)
                            .is_some_and(|f| to_parent.indexes.get(&a.name) == Some(f))
                    })
            })
        });
        t
    }

    fn table_comments(&mut self, ft: Option<&Table>, tt: &Table) {
        let rel = crate::ops::key::table(&tt.name);
        if ft.map_or(&None, |f| &f.comment) != &tt.comment {
            self.comment(
                "TABLE",
                Some(tt.name.clone()),
                tt.name.to_string(),
                rel.clone(),
                ft.and_then(|f| f.comment.clone()),
                tt.comment.clone(),
            );
        }
        for c in tt.columns.values() {
            let old = ft.and_then(|f| {
                let from_name = self
                    .hints
                    .columns
                    .get(&tt.name)
                    .and_then(|r| r.get(&c.name))
                    .unwrap_or(&c.name);
                f.columns.get(from_name)
            });
            let renamed = old.is_some_and(|o| o.name != c.name);
            let old_comment = if renamed {
                None
            } else {
                old.and_then(|o| o.comment.clone())
            };
            if old_comment != c.comment {
                let key = crate::ops::key::column(&tt.name, &c.name);
                self.comment(
                    "COLUMN",
                    Some(tt.name.clone()),
                    format!("{}.{}", tt.name, quote_ident(&c.name)),
                    key,
                    old_comment,
                    c.comment.clone(),
                );
            }
        }
        for con in tt.constraints.values() {
            let old = ft
                .and_then(|f| f.constraints.get(&con.name))
                .and_then(|c| c.comment.clone());
            if old != con.comment {
                let key = crate::ops::key::constraint(&tt.name, &con.name);
                self.comment(
                    "CONSTRAINT",
                    Some(tt.name.clone()),
                    format!("{} ON {}", quote_ident(&con.name), tt.name),
                    key,
                    old,
                    con.comment.clone(),
                );
            }
        }
        for i in tt.indexes.values() {
            let old = ft
                .and_then(|f| f.indexes.get(&i.name))
                .and_then(|x| x.comment.clone());
            if old != i.comment {
                let key = crate::ops::key::index(&tt.name.schema, &i.name);
                self.comment(
                    "INDEX",
                    Some(tt.name.sibling(i.name.clone())),
                    tt.name.sibling(i.name.clone()).to_string(),
                    key,
                    old,
                    i.comment.clone(),
                );
            }
        }
    }

    fn table_pair(&mut self, ft: &Table, tt: &Table, replaced: &Replaced) {
        let name = &tt.name;
        if ft.partition_by != tt.partition_by
            || ft.partition_of != tt.partition_of
            || ft.inherits != tt.inherits
        {
            for c in ft.columns.keys() {
                self.touched
                    .insert((ft.name.clone(), c.clone()), PhaseName::Contract);
            }
            self.recreate.insert(ft.name.clone());
            self.push(Change::RecreateTable {
                from: Box::new(ft.clone()),
                to: Box::new(tt.clone()),
            });
            return;
        }
        self.table_properties(ft, tt);
        let mine = replaced.get(name).cloned().unwrap_or_default();
        let renames = self.hints.columns.get(name).cloned().unwrap_or_default();
        let table_columns: Vec<String> = ft.columns.keys().cloned().collect();
        // Columns of the old table that go away physically (dropped, renamed, swapped).
        let mut old_gone: SortedSet<String> = SortedSet::new();
        let mut added = Vec::new();
        for tc in tt.columns.values() {
            let from_name = renames.get(&tc.name).unwrap_or(&tc.name);
            let Some(fc) = ft.columns.get(from_name) else {
                let backfill = self
                    .hints
                    .backfill
                    .get(&(name.clone(), tc.name.clone()))
                    .cloned();
                added.push(tc.clone());
                self.push(Change::AddColumn {
                    table: name.clone(),
                    column: tc.clone(),
                    backfill,
                    table_columns: table_columns.clone(),
                });
                continue;
            };
            let transform = self
                .hints
                .transforms
                .get(&(name.clone(), tc.name.clone()))
                .cloned();
            if fc.name != tc.name {
                old_gone.insert(fc.name.clone());
                self.touched
                    .insert((ft.name.clone(), fc.name.clone()), PhaseName::Contract);
                self.push(Change::RenameColumn {
                    table: name.clone(),
                    from: fc.clone(),
                    to: tc.clone(),
                    transform,
                    table_columns: table_columns.clone(),
                });
                continue;
            }
            match self.type_change(name, fc, tc) {
                Some(false) => {
                    old_gone.insert(fc.name.clone());
                    self.touched
                        .insert((ft.name.clone(), fc.name.clone()), PhaseName::Contract);
                    self.push(Change::ChangeColumnType {
                        table: name.clone(),
                        from: fc.clone(),
                        to: tc.clone(),
                        transform,
                        in_place: false,
                        table_columns: table_columns.clone(),
                    });
                    continue;
                }
                Some(true) => {
                    self.touched
                        .insert((ft.name.clone(), fc.name.clone()), PhaseName::Expand);
                    self.push(Change::ChangeColumnType {
                        table: name.clone(),
                        from: fc.clone(),
                        to: tc.clone(),
                        transform: None,
                        in_place: true,
                        table_columns: table_columns.clone(),
                    });
                }
                None => {}
            }
            if fc.generated != tc.generated {
                self.touched
                    .insert((ft.name.clone(), fc.name.clone()), PhaseName::Contract);
                self.push(Change::AlterTableProperty {
                    table: name.clone(),
                    property: TableProperty::Generated {
                        from: Box::new(fc.clone()),
                        to: Box::new(tc.clone()),
                    },
                });
                continue;
            }
            if fc.identity != tc.identity {
                self.push(Change::AlterIdentity {
                    table: name.clone(),
                    column: tc.name.clone(),
                    from: fc.identity.clone(),
                    to: tc.identity.clone(),
                });
            }
            if fc.not_null != tc.not_null {
                if tc.not_null {
                    let backfill = self
                        .hints
                        .backfill
                        .get(&(name.clone(), tc.name.clone()))
                        .cloned();
                    self.push(Change::SetNotNull {
                        table: name.clone(),
                        column: tc.name.clone(),
                        backfill,
                    });
                } else {
                    self.push(Change::DropNotNull {
                        table: name.clone(),
                        column: tc.name.clone(),
                    });
                }
            }
            if fc.default != tc.default && tc.identity.is_none() {
                self.push(Change::SetDefault {
                    table: name.clone(),
                    column: tc.name.clone(),
                    from: fc.default.clone(),
                    to: tc.default.clone(),
                });
            }
        }
        let paired_from: SortedSet<&String> = tt
            .columns
            .keys()
            .map(|c| renames.get(c).unwrap_or(c))
            .filter(|c| ft.columns.contains_key(*c))
            .collect();
        for fc in ft.columns.values() {
            if paired_from.contains(&fc.name) {
                continue;
            }
            let alike: Vec<&Column> = added
                .iter()
                .filter(|a| a.data_type == fc.data_type && !ft.columns.contains_key(&a.name))
                .collect();
            let candidates = alike
                .iter()
                .map(|a| RenameCandidate {
                    name: a.name.clone(),
                    shown: quote_ident(&a.name),
                    hint: format!(
                        "{{\"kind\": \"column\", \"table\": {}, \"from\": {}, \"to\": {}}}",
                        json_string(&name.to_string()),
                        json_string(&fc.name),
                        json_string(&a.name)
                    ),
                    same_properties: a.not_null == fc.not_null && a.default == fc.default,
                })
                .collect();
            let kind = RenameKind {
                one: " of the same type is added",
                many: "columns of the same type",
                plan: "adds",
            };
            let what = format!("column {name}.{}", quote_ident(&fc.name));
            if let Some((note, best)) = likely_rename(&what, &fc.name, candidates, &kind) {
                let at = alike
                    .get(best)
                    .and_then(|a| self.to.sources.column(name, &a.name));
                self.out.diagnostics.push(note.at_source(at));
            }
            old_gone.insert(fc.name.clone());
            self.touched
                .insert((ft.name.clone(), fc.name.clone()), PhaseName::Contract);
            self.push(Change::DropColumn {
                table: name.clone(),
                column: fc.clone(),
            });
        }
        self.constraints(ft, tt, &mine, &old_gone, replaced);
        self.indexes(ft, tt, &mine, &old_gone);
        self.table_comments(Some(ft), tt);
        self.triggers_and_policies(ft, tt);
    }

    fn table_properties(&mut self, ft: &Table, tt: &Table) {
        let name = &tt.name;
        let mut property = |property| {
            self.push(Change::AlterTableProperty {
                table: name.clone(),
                property,
            })
        };
        if ft.unlogged != tt.unlogged {
            property(TableProperty::Persistence {
                unlogged: tt.unlogged,
            });
        }
        if ft.options != tt.options {
            property(TableProperty::StorageParameters {
                from: ft.options.clone(),
                to: tt.options.clone(),
            });
        }
        if ft.tablespace != tt.tablespace {
            property(TableProperty::Tablespace {
                from: ft.tablespace.clone(),
                to: tt.tablespace.clone(),
                partitioned: tt.partition_by.is_some(),
                materialized_view: false,
            });
        }
        if ft.replica_identity != tt.replica_identity {
            property(TableProperty::ReplicaIdentity {
                from: ft.replica_identity.clone(),
                to: tt.replica_identity.clone(),
            });
        }
        if (ft.row_level_security, ft.force_row_level_security)
            != (tt.row_level_security, tt.force_row_level_security)
        {
            self.push(Change::SetRowLevelSecurity {
                table: name.clone(),
                from: (ft.row_level_security, ft.force_row_level_security),
                to: (tt.row_level_security, tt.force_row_level_security),
            });
        }
    }

    /// A constraint of `from` as it reads under the `to` names (renamed tables and columns).
    fn renamed_constraint(&self, table: &QualifiedName, c: &Constraint) -> Constraint {
        let mut c = c.clone();
        let col_map = |t: &QualifiedName, cols: &mut Vec<String>| {
            if let Some(m) = self.hints.columns.get(t) {
                for col in cols.iter_mut() {
                    if let Some((to, _)) = m.iter().find(|(_, from)| *from == col) {
                        *col = to.clone();
                    }
                }
            }
        };
        match &mut c.kind {
            ConstraintKind::PrimaryKey { columns, include }
            | ConstraintKind::Unique {
                columns, include, ..
            } => {
                col_map(table, columns);
                col_map(table, include);
            }
            ConstraintKind::ForeignKey {
                columns,
                references,
                referenced_columns,
                ..
            } => {
                col_map(table, columns);
                *references = self.hints.table_to(references);
                col_map(references, referenced_columns);
            }
            _ => {}
        }
        c
    }

    fn constraints(
        &mut self,
        ft: &Table,
        tt: &Table,
        mine: &SortedMap<String, String>,
        old_gone: &SortedSet<String>,
        replaced: &Replaced,
    ) {
        let name = &tt.name;
        let reads_replaced = |c: &Constraint| -> bool {
            let own = match constraint_columns(c) {
                Some(cols) => cols.iter().any(|x| mine.contains_key(x)),
                None => mine.keys().any(|m| mentions(&constraint_text(c), m)),
            };
            let foreign = match &c.kind {
                ConstraintKind::ForeignKey {
                    references,
                    referenced_columns,
                    ..
                } => replaced
                    .get(references)
                    .is_some_and(|m| referenced_columns.iter().any(|x| m.contains_key(x))),
                _ => false,
            };
            own || foreign
        };
        let dies = |c: &Constraint| -> bool {
            let own = match constraint_columns(c) {
                Some(cols) => cols.iter().any(|x| old_gone.contains(x)),
                None => old_gone.iter().any(|m| mentions(&constraint_text(c), m)),
            };
            let foreign = match &c.kind {
                ConstraintKind::ForeignKey {
                    references,
                    referenced_columns,
                    ..
                } => {
                    let to_ref = self.hints.table_to(references);
                    let renames = self.hints.columns.get(&to_ref);
                    replaced.get(&to_ref).is_some_and(|m| {
                        referenced_columns.iter().any(|x| {
                            let final_name = renames
                                .and_then(|r| r.iter().find(|(_, f)| *f == x).map(|(t, _)| t))
                                .unwrap_or(x);
                            m.contains_key(final_name)
                        })
                    })
                }
                _ => false,
            };
            own || foreign
        };
        // Plain renames: one dropped and one added constraint with the same definition.
        let mut renamed_from: SortedSet<String> = SortedSet::new();
        let mut renamed_to: SortedSet<String> = SortedSet::new();
        for (tn, tc) in &tt.constraints {
            if ft.constraints.contains_key(tn) || reads_replaced(tc) {
                continue;
            }
            let found = ft.constraints.iter().find(|(fname, fc)| {
                !tt.constraints.contains_key(*fname)
                    && !renamed_from.contains(*fname)
                    && !dies(fc)
                    && same_constraint(&self.renamed_constraint(name, fc), tc)
            });
            if let Some((fname, _)) = found {
                renamed_from.insert(fname.clone());
                renamed_to.insert(tn.clone());
                self.push(Change::RenameConstraint {
                    table: name.clone(),
                    from: fname.clone(),
                    to: tn.clone(),
                });
                if let Some(fc) = ft.constraints.get(fname) {
                    self.constraint_index_options(tt, fc, tc);
                }
            }
        }
        for (fname, fc) in &ft.constraints {
            if renamed_from.contains(fname) {
                continue;
            }
            let keep = tt.constraints.get(fname).is_some_and(|tc| {
                !dies(fc)
                    && !reads_replaced(tc)
                    && same_constraint(&self.renamed_constraint(name, fc), tc)
                    && (fc.not_valid || !tc.not_valid)
            });
            if !keep {
                self.push(Change::DropConstraint {
                    table: name.clone(),
                    constraint: fc.clone(),
                });
            }
        }
        let index_names: SortedSet<&String> = ft.indexes.keys().collect();
        for (tn, tc) in &tt.constraints {
            if renamed_to.contains(tn) {
                continue;
            }
            let old = ft.constraints.get(tn);
            let taken = old.is_some() || index_names.contains(tn);
            if reads_replaced(tc) {
                let placement = match constraint_columns(tc) {
                    Some(_)
                        if !matches!(tc.kind, ConstraintKind::ForeignKey { .. })
                            || !self.fk_target_swapped(tc, replaced) =>
                    {
                        Placement::Shadow {
                            columns: mine.clone(),
                            temporary_name: taken.then(|| temporary_name(tn, TEMPORARY_SUFFIX)),
                        }
                    }
                    _ => Placement::AfterSwap {
                        columns: mine.keys().cloned().collect(),
                    },
                };
                self.push(Change::AddConstraint {
                    table: name.clone(),
                    constraint: tc.clone(),
                    placement,
                });
                continue;
            }
            match old {
                None => self.push(Change::AddConstraint {
                    table: name.clone(),
                    constraint: tc.clone(),
                    placement: Placement::Existing,
                }),
                Some(fc) => {
                    let same = !dies(fc) && same_constraint(&self.renamed_constraint(name, fc), tc);
                    let added = !same || (!fc.not_valid && tc.not_valid);
                    if same && fc.not_valid && !tc.not_valid {
                        self.push(Change::ValidateConstraint {
                            table: name.clone(),
                            constraint: tc.clone(),
                        });
                    } else if added {
                        self.push(Change::AddConstraint {
                            table: name.clone(),
                            constraint: tc.clone(),
                            placement: Placement::Existing,
                        });
                    }
                    if !added {
                        self.constraint_index_options(tt, fc, tc);
                    }
                }
            }
        }
    }

    /// The storage parameters of a kept (or renamed) constraint's index, `fc` → `tc`: changed in
    /// place. PostgreSQL has no `ALTER INDEX ... SET` for the partitioned index of a partitioned
    /// table (each partition's own index can be changed, and is, as the partition's constraint):
    /// the plan says it leaves the parent's as they are.
    fn constraint_index_options(&mut self, tt: &Table, fc: &Constraint, tc: &Constraint) {
        if fc.index_options == tc.index_options {
            return;
        }
        if tt.partition_by.is_some() {
            self.out.diagnostics.push(Diagnostic::warning(
                "partitioned-index-options",
                format!(
                    "the storage parameters of constraint {} on {} change ({} → {}), but PostgreSQL cannot change them on a partitioned table's index: the plan leaves them; drop and add the constraint by hand if new partitions must get them",
                    quote_ident(&tc.name),
                    tt.name,
                    options_text(&fc.index_options),
                    options_text(&tc.index_options)
                ),
            ));
            return;
        }
        self.push(Change::SetConstraintIndexOptions {
            table: tt.name.clone(),
            constraint: tc.name.clone(),
            from: fc.index_options.clone(),
            to: tc.index_options.clone(),
        });
    }

    /// A foreign key whose referenced columns are swapped (type change): it can only be added
    /// once the referenced table has its final columns.
    fn fk_target_swapped(&self, c: &Constraint, replaced: &Replaced) -> bool {
        match &c.kind {
            ConstraintKind::ForeignKey {
                references,
                referenced_columns,
                ..
            } => replaced.get(references).is_some_and(|m| {
                referenced_columns
                    .iter()
                    .any(|x| m.get(x).is_some_and(|b| b != x))
            }),
            _ => false,
        }
    }

    fn indexes(
        &mut self,
        ft: &Table,
        tt: &Table,
        mine: &SortedMap<String, String>,
        old_gone: &SortedSet<String>,
    ) {
        let name = &tt.name;
        let reads = |i: &Index, set: &dyn Fn(&str) -> bool| -> bool {
            match index_columns(i) {
                Some(cols) => cols.iter().any(|c| set(c)),
                None => {
                    let text = crate::render::alter::create_index(name, i, &i.name, false);
                    let on = text.split_once(" USING ").map_or(text.as_str(), |(_, r)| r);
                    // Any column of the table mentioned in the keys or predicate.
                    tt.columns
                        .keys()
                        .chain(ft.columns.keys())
                        .any(|c| set(c) && mentions(on, c))
                }
            }
        };
        let reads_replaced = |i: &Index| reads(i, &|c| mine.contains_key(c));
        let dies = |i: &Index| reads(i, &|c| old_gone.contains(c));
        let renamed_index = |i: &Index| -> Index {
            let mut i = i.clone();
            if let Some(m) = self.hints.columns.get(name) {
                for k in &mut i.keys {
                    if let crate::model::IndexKeyExpr::Column(c) = &mut k.expression
                        && let Some((to, _)) = m.iter().find(|(_, f)| *f == c)
                    {
                        *c = to.clone();
                    }
                }
            }
            i
        };
        let mut renamed_from = SortedSet::new();
        let mut renamed_to = SortedSet::new();
        for (tn, ti) in &tt.indexes {
            if ft.indexes.contains_key(tn) || reads_replaced(ti) {
                continue;
            }
            let hinted = self
                .hints
                .indexes
                .iter()
                .find(|(_, t)| t.schema == name.schema && t.name == *tn)
                .map(|(f, _)| f.name.clone());
            let found = ft.indexes.iter().find(|(fname, fi)| {
                !tt.indexes.contains_key(*fname)
                    && !renamed_from.contains(*fname)
                    && !dies(fi)
                    && (hinted.as_ref() == Some(*fname) || same_index(&renamed_index(fi), ti))
            });
            if let Some((fname, fi)) = found {
                renamed_from.insert(fname.clone());
                renamed_to.insert(tn.clone());
                self.push(Change::RenameIndex {
                    table: name.clone(),
                    from: fname.clone(),
                    to: tn.clone(),
                });
                if !same_index(&renamed_index(fi), ti) {
                    let mut old = ti.clone();
                    old.name = tn.clone();
                    let mut renamed = fi.clone();
                    renamed.name = tn.clone();
                    self.push(Change::ReplaceIndex {
                        table: name.clone(),
                        from: renamed,
                        to: ti.clone(),
                    });
                }
            }
        }
        for (fname, fi) in &ft.indexes {
            if renamed_from.contains(fname) {
                continue;
            }
            match tt.indexes.get(fname) {
                Some(ti) if !dies(fi) && !reads_replaced(ti) => {
                    if !same_index(&renamed_index(fi), ti) {
                        self.push(Change::ReplaceIndex {
                            table: name.clone(),
                            from: fi.clone(),
                            to: ti.clone(),
                        });
                    }
                }
                _ => self.push(Change::DropIndex {
                    table: name.clone(),
                    index: fi.clone(),
                }),
            }
        }
        for (tn, ti) in &tt.indexes {
            if renamed_to.contains(tn) {
                continue;
            }
            let old = ft.indexes.get(tn);
            if reads_replaced(ti) {
                let taken = old.is_some() || ft.constraints.contains_key(tn);
                let placement = if index_columns(ti).is_some() {
                    Placement::Shadow {
                        columns: mine.clone(),
                        temporary_name: taken.then(|| temporary_name(tn, TEMPORARY_SUFFIX)),
                    }
                } else {
                    Placement::AfterSwap {
                        columns: mine.keys().cloned().collect(),
                    }
                };
                self.push(Change::CreateIndex {
                    table: name.clone(),
                    index: ti.clone(),
                    placement,
                });
            } else if old.is_none() {
                self.push(Change::CreateIndex {
                    table: name.clone(),
                    index: ti.clone(),
                    placement: Placement::Existing,
                });
            } else if old.is_some_and(&dies) {
                self.push(Change::CreateIndex {
                    table: name.clone(),
                    index: ti.clone(),
                    placement: Placement::AfterSwap { columns: vec![] },
                });
            }
        }
    }

    fn triggers_and_policies(&mut self, ft: &Table, tt: &Table) {
        let name = &tt.name;
        for (n, t) in &ft.triggers {
            match tt.triggers.get(n) {
                Some(new) if same_trigger(t, new, &ft.name, name) => {}
                other => self.push(Change::DropTrigger {
                    table: name.clone(),
                    trigger: t.clone(),
                    replaced: other.is_some(),
                }),
            }
        }
        for (n, t) in &tt.triggers {
            match ft.triggers.get(n) {
                Some(old) if same_trigger(old, t, &ft.name, name) => {}
                other => self.push(Change::CreateTrigger {
                    table: name.clone(),
                    trigger: t.clone(),
                    replaced: other.is_some(),
                }),
            }
        }
        for (n, p) in &ft.policies {
            match tt.policies.get(n) {
                Some(new) if same_policy(p, new) => {}
                other => self.push(Change::DropPolicy {
                    table: name.clone(),
                    policy: p.clone(),
                    replaced: other.is_some(),
                }),
            }
        }
        for (n, p) in &tt.policies {
            match ft.policies.get(n) {
                Some(old) if same_policy(old, p) => {}
                other => self.push(Change::CreatePolicy {
                    table: name.clone(),
                    policy: p.clone(),
                    replaced: other.is_some(),
                }),
            }
        }
    }
}

fn same_trigger(
    a: &crate::model::Trigger,
    b: &crate::model::Trigger,
    at: &QualifiedName,
    bt: &QualifiedName,
) -> bool {
    let adef = a.definition.replace(&at.to_string(), &bt.to_string());
    adef == b.definition && a.enabled == b.enabled && a.function == b.function
}

fn same_policy(a: &crate::model::Policy, b: &crate::model::Policy) -> bool {
    let mut a = a.clone();
    a.comment = b.comment.clone();
    a == *b
}

fn constraint_text(c: &Constraint) -> String {
    crate::render::format::constraint_def(c)
}

fn same_constraint(a: &Constraint, b: &Constraint) -> bool {
    a.kind == b.kind && a.deferrable == b.deferrable && a.initially_deferred == b.initially_deferred
}

fn same_index(a: &Index, b: &Index) -> bool {
    let mut a = a.clone();
    a.name = b.name.clone();
    a.comment = b.comment.clone();
    a == *b
}

fn same_shape(a: &Table, b: &Table) -> bool {
    a.columns.len() == b.columns.len()
        && a.columns
            .iter()
            .all(|(n, c)| b.columns.get(n).is_some_and(|d| d.data_type == c.data_type))
}

/// `text` with every cast `old` (`::mood`, also `::mood[]`) spelled `new`.
fn replace_cast(text: &str, old: &str, new: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(old) {
        let after = &rest[at + old.len()..];
        let ends = after
            .chars()
            .next()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == '$' || c == '.'));
        out.push_str(&rest[..at]);
        out.push_str(if ends { new } else { old });
        rest = after;
    }
    out.push_str(rest);
    out
}

/// Binary-coercible type changes PostgreSQL makes without a rewrite.
pub fn binary_coercible(from: &TypeName, to: &TypeName) -> bool {
    if from.array_dimensions != to.array_dimensions {
        return false;
    }
    let (BaseType::Builtin(f), BaseType::Builtin(t)) = (&from.base, &to.base) else {
        return false;
    };
    let widen = |fm: &[TypeModifier], tm: &[TypeModifier]| {
        tm.is_empty() || (fm.len() == tm.len() && fm.iter().zip(tm).all(|(a, b)| b >= a))
    };
    match (f.as_str(), t.as_str()) {
        ("character varying", "character varying") | ("bit varying", "bit varying") => {
            widen(&from.modifiers, &to.modifiers)
        }
        ("character varying", "text") | ("character", "text") => true,
        ("text", "character varying") => to.modifiers.is_empty(),
        ("numeric", "numeric") => {
            to.modifiers.is_empty()
                || (from.modifiers.len() == 2
                    && to.modifiers.len() == 2
                    && to.modifiers.get(1) == from.modifiers.get(1)
                    && to.modifiers.first() >= from.modifiers.first())
        }
        ("cidr", "inet") | ("xml", "text") => true,
        _ => false,
    }
}

/// New tables whose foreign keys form a cycle among new tables (self-references excluded).
fn fk_cycles(
    to: &crate::model::Catalog,
    new_tables: &SortedSet<QualifiedName>,
) -> SortedSet<QualifiedName> {
    use petgraph::graph::DiGraph;
    let mut g = DiGraph::<QualifiedName, ()>::new();
    let mut ids = SortedMap::new();
    for n in new_tables {
        ids.insert(n.clone(), g.add_node(n.clone()));
    }
    for n in new_tables {
        let Some(t) = to.tables.get(n) else { continue };
        for c in t.constraints.values() {
            if let ConstraintKind::ForeignKey { references, .. } = &c.kind
                && let (Some(a), Some(b)) = (ids.get(n), ids.get(references))
                && a != b
            {
                g.add_edge(*a, *b, ());
            }
        }
    }
    let mut out = SortedSet::new();
    for scc in petgraph::algo::tarjan_scc(&g) {
        if scc.len() > 1 {
            for i in scc {
                if let Some(n) = g.node_weight(i) {
                    out.insert(n.clone());
                }
            }
        }
    }
    out
}

/// An added object that may be a dropped one renamed (same column types, or same type).
struct RenameCandidate {
    /// The bare name, compared with the dropped object's.
    name: String,
    /// The name as the note writes it.
    shown: String,
    /// The rename hint proposing it, as JSON.
    hint: String,
    /// It keeps the dropped object's other properties too (a column's nullability and default).
    same_properties: bool,
}

/// The words of a likely-rename note for one kind of object.
struct RenameKind {
    /// After the one candidate's name: ` of the same type is added`.
    one: &'static str,
    /// The candidates when there are several: `columns of the same type`.
    many: &'static str,
    /// What the plan does instead of renaming: the plan drops and `adds`.
    plan: &'static str,
}

/// How many candidates a likely-rename note names; it says how many more there are.
pub const RENAME_CANDIDATES_NAMED: usize = 5;

/// The likely-rename note about a dropped object (`what`, named `dropped`) that `candidates` (in
/// definition order) may be a rename of, and the index of the best candidate, whose definition it
/// points at; None without candidates. One note per dropped object, however many candidates: they
/// are named best first ([`rename_rank`]), at most [`RENAME_CANDIDATES_NAMED`] of them and how
/// many more, and the note proposes the rename hint of the best one.
fn likely_rename(
    what: &str,
    dropped: &str,
    candidates: Vec<RenameCandidate>,
    kind: &RenameKind,
) -> Option<(Diagnostic, usize)> {
    // The best few, picked one at a time (a sort of every candidate is more code in WebAssembly
    // than the few it names need).
    let ranks: Vec<(usize, bool, usize)> = candidates
        .iter()
        .enumerate()
        .map(|(i, c)| rename_rank(dropped, c, i))
        .collect();
    let mut order: Vec<usize> = Vec::new();
    while order.len() < RENAME_CANDIDATES_NAMED {
        let Some(next) = (0..ranks.len())
            .filter(|i| !order.contains(i))
            .min_by_key(|&i| ranks[i])
        else {
            break;
        };
        order.push(next);
    }
    let best = *order.first()?;
    let hint = &candidates[best].hint;
    let message = if candidates.len() == 1 {
        format!(
            "{what} is dropped and {}{}: if it is a rename, say so in the hints ({hint}); the plan drops and {}",
            candidates[best].shown, kind.one, kind.plan
        )
    } else {
        let named: Vec<&str> = order
            .iter()
            .map(|&i| candidates[i].shown.as_str())
            .collect();
        let more = match candidates.len() - named.len() {
            0 => String::new(),
            n => format!(" and {n} more"),
        };
        format!(
            "{what} is dropped and {} {} are added (closest name first: {}{more}): if one is a rename, say so in the hints ({hint}); the plan drops and {}",
            candidates.len(),
            kind.many,
            named.join(", "),
            kind.plan
        )
    };
    Some((Diagnostic::note("likely-rename", message), best))
}

/// The order of rename candidates, best first: the fewest single-letter edits between the names
/// (Levenshtein distance, with case and underscores ignored, so `full_name`, `fullName` and
/// `FullName` are one name), then those that keep the dropped object's other properties, then
/// definition order. Stable: the same schemas always give the same order.
fn rename_rank(
    dropped: &str,
    candidate: &RenameCandidate,
    position: usize,
) -> (usize, bool, usize) {
    let fold = |s: &str| -> Vec<char> {
        s.chars()
            .filter(|c| *c != '_')
            .flat_map(char::to_lowercase)
            .collect()
    };
    (
        edit_distance(&fold(dropped), &fold(&candidate.name)),
        !candidate.same_properties,
        position,
    )
}

/// Levenshtein distance: the fewest insertions, deletions and substitutions from `a` to `b`.
fn edit_distance(a: &[char], b: &[char]) -> usize {
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut diagonal = i;
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if ca == cb {
                diagonal
            } else {
                1 + diagonal.min(above).min(row[j])
            };
            diagonal = above;
        }
    }
    row[b.len()]
}

/// Storage parameters as a note writes them: `(fillfactor=70)`, or `none`.
fn options_text(options: &[String]) -> String {
    if options.is_empty() {
        "none".to_string()
    } else {
        format!("({})", options.join(", "))
    }
}
