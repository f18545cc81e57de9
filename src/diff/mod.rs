//! Two catalogs + hints → the changes between them (a closed set of change kinds).
//!
//! Renames come only from hints. A dropped and an added column (or table) of the same shape are
//! reported as a likely rename in the diagnostics, never applied. A hint that names something
//! absent is an error.

pub mod columns;
mod hints;

use crate::model::SortedMap;
use crate::model::SortedSet;

use crate::diagnostic::Diagnostic;
use crate::hints::Hints;
use crate::model::{
    Catalog, Column, ColumnRef, CompositeType, Constraint, ConstraintKind, Domain, EnumType,
    Extension, Function, Identity, Index, IndexKeyExpr, OpaqueObject, Policy, QualifiedName,
    Sequence, SqlExpr, Table, Trigger, View,
};
use crate::plan::PhaseName;

pub use hints::{ResolvedHints, locate};

/// A column an enum rebuild switches to the new type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RebuiltColumn {
    /// Its name when the rebuild runs (the `to` name).
    pub column: ColumnRef,
    /// The column is renamed by a hint: the plan adds it under its `to` name with the type (still
    /// the old one) in expand, and the rebuild switches that new column.
    pub renamed: bool,
    /// Tables (`to` names) inheriting the column (partitions, INHERITS children), which the
    /// ALTER TABLE on its table rewrites and locks too.
    pub descendants: Vec<QualifiedName>,
    pub array_dimensions: u8,
    /// A default may be set when the rebuild runs (the `from` one, or the `to` one when its own
    /// step runs first): it is dropped before the type changes, as PostgreSQL cannot cast it.
    pub had_default: bool,
    /// The `to` default, set again afterwards.
    pub default: Option<SqlExpr>,
}

/// A type the plan creates or drops from its definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeDefinition {
    Domain(Domain),
    Composite(CompositeType),
}

impl TypeDefinition {
    pub fn name(&self) -> &QualifiedName {
        match self {
            TypeDefinition::Domain(d) => &d.name,
            TypeDefinition::Composite(t) => &t.name,
        }
    }

    /// `domain` or `type`, as the step's change text and `DROP` say it.
    pub fn kind(&self) -> &'static str {
        match self {
            TypeDefinition::Domain(_) => "domain",
            TypeDefinition::Composite(_) => "type",
        }
    }
}

/// A table property that changes, with its `from` and `to` values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableProperty {
    /// `SET UNLOGGED` (`unlogged`) or `SET LOGGED`: the table is rewritten.
    Persistence { unlogged: bool },
    /// Storage parameters (`name=value` each): all of `from` reset, all of `to` set.
    StorageParameters { from: Vec<String>, to: Vec<String> },
    /// `SET TABLESPACE` (`None`: the database's default, `pg_default`). `partitioned`: the table
    /// holds no rows (only its future partitions go there), so nothing is copied.
    /// `materialized_view`: the relation is a materialized view, moved (copied) as a table is.
    Tablespace {
        from: Option<String>,
        to: Option<String>,
        partitioned: bool,
        materialized_view: bool,
    },
    /// `REPLICA IDENTITY` (`None`: `DEFAULT`; else as written, e.g. `FULL`, `USING INDEX i`).
    ReplicaIdentity {
        from: Option<String>,
        to: Option<String>,
    },
    /// A column's generated expression: the column is dropped and added again (or, from a stored
    /// generated column to a plain one, keeps its values with `DROP EXPRESSION`). No way back.
    Generated { from: Box<Column>, to: Box<Column> },
}

impl TableProperty {
    /// What changes, as the step's change text says it (`persistence of t to UNLOGGED`).
    pub fn what(&self, table: &QualifiedName) -> String {
        match self {
            TableProperty::Persistence { unlogged } => format!(
                "persistence of {table} to {}",
                if *unlogged { "UNLOGGED" } else { "LOGGED" }
            ),
            TableProperty::StorageParameters { .. } => format!("storage parameters of {table}"),
            TableProperty::Tablespace { .. } => format!("tablespace of {table}"),
            TableProperty::ReplicaIdentity { .. } => format!("replica identity of {table}"),
            TableProperty::Generated { to, .. } => format!(
                "generated expression of column {table}.{}",
                crate::model::quote_ident(&to.name)
            ),
        }
    }

    /// The table is rewritten (copied) under ACCESS EXCLUSIVE.
    pub fn rewrite(&self) -> bool {
        match self {
            TableProperty::Persistence { .. } => true,
            TableProperty::Tablespace { partitioned, .. } => !partitioned,
            TableProperty::StorageParameters { .. } | TableProperty::ReplicaIdentity { .. } => {
                false
            }
            TableProperty::Generated { to, .. } => to.generated.is_some(),
        }
    }
}

/// How a constraint or index is put in place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placement {
    /// On a table created by the same plan: plain DDL, no online shape needed.
    NewTable,
    /// On an existing table: the online shape (CONCURRENTLY, NOT VALID + VALIDATE, USING INDEX).
    Existing,
    /// Over columns that are replaced by new physical columns (a rename or a type change through
    /// a shadow column): built on the new columns (`columns`: final name → name while building)
    /// under `temporary_name` when the final name is still taken, renamed in contract.
    Shadow {
        columns: SortedMap<String, String>,
        temporary_name: Option<String>,
    },
    /// After the swap of the columns it reads (contract): expressions the planner cannot map.
    AfterSwap { columns: Vec<String> },
}

/// A table of [`Change::NewShapeViews`] and its view's columns: (final name, physical name).
pub type NewShapeTable = (QualifiedName, Vec<(String, String)>);

/// The shadowed columns of [`Change::NewShapeViews`]' tables (`public.t.c`): those whose view
/// column reads another physical column.
pub fn shadowed_columns(tables: &[NewShapeTable]) -> Vec<String> {
    tables
        .iter()
        .flat_map(|(t, cols)| {
            cols.iter()
                .filter(|(n, p)| n != p)
                .map(move |(n, _)| format!("{t}.{}", crate::model::quote_ident(n)))
        })
        .collect()
}

/// One change between the two schemas. Each kind has its recipe in [`crate::ops`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    CreateSchema {
        name: String,
    },
    DropSchema {
        name: String,
    },
    CreateExtension {
        extension: Extension,
    },
    DropExtension {
        extension: Extension,
    },
    AlterExtension {
        from: Extension,
        to: Extension,
    },
    /// `COMMENT ON <kind> <object>`: `relation` is the relation whose lock it takes (the table of
    /// a column or constraint; the table, index, view or sequence commented on), `None` for
    /// objects that are not relations (schemas, types, functions).
    SetComment {
        kind: String,
        relation: Option<QualifiedName>,
        object: String,
        key: String,
        from: Option<String>,
        to: Option<String>,
    },
    CreateEnum {
        enum_type: EnumType,
    },
    DropEnum {
        enum_type: EnumType,
    },
    /// `renamed_from`: the enum's `from` name when a hint renames it (its name again after a
    /// rollback, where the added value stays).
    AddEnumValue {
        name: QualifiedName,
        value: String,
        before: Option<String>,
        after: Option<String>,
        renamed_from: Option<QualifiedName>,
    },
    RenameEnumValue {
        name: QualifiedName,
        from: String,
        to: String,
    },
    /// `ALTER TYPE ... RENAME TO` (and SET SCHEMA), with a domain over the renamed type under the
    /// old name until contract, for code that names the old type.
    RenameEnum {
        from: QualifiedName,
        to: QualifiedName,
    },
    /// Values removed or reordered: a new type swapped in for every column that uses it when the
    /// rebuild runs (the `from` columns the plan keeps, under their `to` names).
    RebuildEnum {
        from: EnumType,
        to: EnumType,
        columns: Vec<RebuiltColumn>,
    },
    CreateSequence {
        sequence: Sequence,
    },
    DropSequence {
        sequence: Sequence,
    },
    AlterSequence {
        from: Sequence,
        to: Sequence,
    },
    SetSequenceOwner {
        sequence: QualifiedName,
        from: Option<ColumnRef>,
        to: Option<ColumnRef>,
    },
    /// `inline_foreign_keys`: false when the table is in a cycle of new tables (its foreign keys
    /// then come as separate [`Change::AddConstraint`]s).
    CreateTable {
        table: Table,
        inline_foreign_keys: bool,
    },
    DropTable {
        table: Table,
    },
    /// A change with no ALTER form (partitioning, inheritance): dropped and created again.
    RecreateTable {
        from: Box<Table>,
        to: Box<Table>,
    },
    /// A table property with an ALTER form (persistence, storage options, tablespace, replica
    /// identity, a column's generated expression), or a materialized view's tablespace;
    /// [`crate::render::alter::alter_table_property`] writes its statements.
    AlterTableProperty {
        table: QualifiedName,
        property: TableProperty,
    },
    RenameTable {
        from: QualifiedName,
        to: QualifiedName,
    },
    /// `backfill`: the hint expression for old rows (needed when the column is NOT NULL without
    /// a constant default).
    AddColumn {
        table: QualifiedName,
        column: Column,
        backfill: Option<String>,
        table_columns: Vec<String>,
    },
    DropColumn {
        table: QualifiedName,
        column: Column,
    },
    /// A new column under the new name, kept in sync by trigger, backfilled; the old one dropped
    /// in contract. `transform`: (up, down) when the type changes too.
    RenameColumn {
        table: QualifiedName,
        from: Column,
        to: Column,
        transform: Option<(String, String)>,
        table_columns: Vec<String>,
    },
    /// `in_place`: binary-coercible, catalog-only; else a shadow column swapped in at contract.
    ChangeColumnType {
        table: QualifiedName,
        from: Column,
        to: Column,
        transform: Option<(String, String)>,
        in_place: bool,
        table_columns: Vec<String>,
    },
    /// `backfill`: the hint expression for rows that hold NULL.
    SetNotNull {
        table: QualifiedName,
        column: String,
        backfill: Option<String>,
    },
    DropNotNull {
        table: QualifiedName,
        column: String,
    },
    SetDefault {
        table: QualifiedName,
        column: String,
        from: Option<String>,
        to: Option<String>,
    },
    AlterIdentity {
        table: QualifiedName,
        column: String,
        from: Option<Identity>,
        to: Option<Identity>,
    },
    AddConstraint {
        table: QualifiedName,
        constraint: Constraint,
        placement: Placement,
    },
    DropConstraint {
        table: QualifiedName,
        constraint: Constraint,
    },
    ValidateConstraint {
        table: QualifiedName,
        constraint: Constraint,
    },
    RenameConstraint {
        table: QualifiedName,
        from: String,
        to: String,
    },
    /// The storage parameters (`WITH (...)`, `name=value`) of the index behind a primary key or
    /// unique constraint, changed in place (`ALTER INDEX ... SET / RESET`, the index is not rebuilt).
    SetConstraintIndexOptions {
        table: QualifiedName,
        constraint: String,
        from: Vec<String>,
        to: Vec<String>,
    },
    CreateIndex {
        table: QualifiedName,
        index: Index,
        placement: Placement,
    },
    DropIndex {
        table: QualifiedName,
        index: Index,
    },
    /// A changed definition: built under a temporary name, the old one dropped, the new renamed.
    ReplaceIndex {
        table: QualifiedName,
        from: Index,
        to: Index,
    },
    RenameIndex {
        table: QualifiedName,
        from: String,
        to: String,
    },
    /// `ALTER VIEW ... RENAME TO` (and SET SCHEMA), with a view under the old name reading the
    /// renamed one until contract.
    RenameView {
        from: View,
        to: View,
    },
    /// `recreated`: the view existed and is created again around a change to what it reads.
    CreateView {
        view: View,
        phase: PhaseName,
        recreated: bool,
    },
    DropView {
        view: View,
        phase: PhaseName,
        recreated: bool,
    },
    CreateFunction {
        function: Function,
    },
    DropFunction {
        function: Function,
    },
    ReplaceFunction {
        from: Function,
        to: Function,
    },
    CreateTrigger {
        table: QualifiedName,
        trigger: Trigger,
        replaced: bool,
    },
    DropTrigger {
        table: QualifiedName,
        trigger: Trigger,
        replaced: bool,
    },
    CreatePolicy {
        table: QualifiedName,
        policy: Policy,
        replaced: bool,
    },
    DropPolicy {
        table: QualifiedName,
        policy: Policy,
        replaced: bool,
    },
    SetRowLevelSecurity {
        table: QualifiedName,
        from: (bool, bool),
        to: (bool, bool),
    },
    /// Domains and composite types, created from their definition (`needs`: the keys of the
    /// types it uses).
    CreateType {
        definition: TypeDefinition,
        needs: Vec<String>,
    },
    DropType {
        definition: TypeDefinition,
    },
    /// Tables of one schema whose columns change type through a shadow column: between
    /// dual_write and contract, code written for the new schema reaches them through views in
    /// `view_schema` that show every column of the `to` table under its final name (the shadow
    /// column under the name it takes at contract), as pgroll's and Reshape's versioned schemas do.
    /// `tables`: each table with its view's columns, (final name, physical name while dual-writing).
    NewShapeViews {
        schema: String,
        view_schema: String,
        tables: Vec<NewShapeTable>,
    },
    /// A statement the model keeps as text: carried as an `unknown-effect` step.
    Opaque {
        object: OpaqueObject,
        added: bool,
    },
}

/// The changes between two catalogs, and the diagnostics found on the way (likely renames).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diff {
    pub changes: Vec<Change>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Compares `from` with `to`. Errors: hints naming something absent.
pub fn diff(from: &Catalog, to: &Catalog, hints: &Hints) -> Result<Diff, Vec<Diagnostic>> {
    let resolved = hints::resolve(from, to, hints)?;
    let mut out = Diff::default();
    let mut d = Differ {
        from,
        to,
        hints: &resolved,
        out: &mut out,
        recreate: SortedSet::new(),
        touched: SortedMap::new(),
    };
    d.run();
    Ok(out)
}

struct Differ<'a> {
    from: &'a Catalog,
    to: &'a Catalog,
    hints: &'a ResolvedHints,
    out: &'a mut Diff,
    /// Tables dropped and created again ([`Change::RecreateTable`]).
    recreate: SortedSet<QualifiedName>,
    /// Columns (of the `from` schema, by table) that change shape under a view: the phase in which.
    touched: SortedMap<(QualifiedName, String), PhaseName>,
}

impl Differ<'_> {
    fn push(&mut self, change: Change) {
        self.out.changes.push(change);
    }

    fn run(&mut self) {
        self.schemas_and_extensions();
        self.types();
        self.sequences();
        self.functions();
        self.tables();
        self.views();
        self.opaque();
    }

    fn schemas_and_extensions(&mut self) {
        // Every database has the schema `public`: never created nor dropped, only commented.
        let public = crate::model::Namespace {
            name: "public".into(),
            comment: None,
        };
        for (name, ns) in &self.to.schemas {
            let old = self
                .from
                .schemas
                .get(name)
                .or((name == "public").then_some(&public));
            match old {
                None => {
                    self.push(Change::CreateSchema { name: name.clone() });
                    if ns.comment.is_some() {
                        self.comment(
                            "SCHEMA",
                            None,
                            crate::model::quote_ident(name),
                            crate::ops::key::schema(name),
                            None,
                            ns.comment.clone(),
                        );
                    }
                }
                Some(old) if old.comment != ns.comment => self.comment(
                    "SCHEMA",
                    None,
                    crate::model::quote_ident(name),
                    crate::ops::key::schema(name),
                    old.comment.clone(),
                    ns.comment.clone(),
                ),
                Some(_) => {}
            }
        }
        for (name, ns) in &self.from.schemas {
            if self.to.schemas.contains_key(name) {
                continue;
            }
            if name != "public" {
                self.push(Change::DropSchema { name: name.clone() });
            } else if ns.comment.is_some() {
                self.comment(
                    "SCHEMA",
                    None,
                    "public".into(),
                    crate::ops::key::schema(name),
                    ns.comment.clone(),
                    None,
                );
            }
        }
        for (name, ext) in &self.to.extensions {
            match self.from.extensions.get(name) {
                None => self.push(Change::CreateExtension {
                    extension: ext.clone(),
                }),
                Some(old) if old != ext => self.push(Change::AlterExtension {
                    from: old.clone(),
                    to: ext.clone(),
                }),
                Some(_) => {}
            }
        }
        for (name, ext) in &self.from.extensions {
            if !self.to.extensions.contains_key(name) {
                self.push(Change::DropExtension {
                    extension: ext.clone(),
                });
            }
        }
    }

    fn comment(
        &mut self,
        kind: &str,
        relation: Option<QualifiedName>,
        object: String,
        key: String,
        from: Option<String>,
        to: Option<String>,
    ) {
        self.push(Change::SetComment {
            kind: kind.to_string(),
            relation,
            object,
            key,
            from,
            to,
        });
    }

    fn types(&mut self) {
        for (name, e) in &self.to.enums {
            let renamed_from = self
                .hints
                .enums
                .iter()
                .find(|(_, t)| *t == name)
                .map(|(f, _)| f.clone());
            match renamed_from
                .as_ref()
                .and_then(|f| self.from.enums.get(f))
                .or_else(|| self.from.enums.get(name))
            {
                None => self.push(Change::CreateEnum {
                    enum_type: e.clone(),
                }),
                Some(old) => {
                    if let Some(f) = &renamed_from {
                        self.push(Change::RenameEnum {
                            from: f.clone(),
                            to: name.clone(),
                        });
                    }
                    let mut old = old.clone();
                    old.name = name.clone();
                    self.enum_change(&old, e)
                }
            }
        }
        for (name, e) in &self.from.enums {
            if !self.to.enums.contains_key(name) && !self.hints.enums.contains_key(name) {
                self.push(Change::DropEnum {
                    enum_type: e.clone(),
                });
            }
        }
        // A type whose definition changes is dropped and created again.
        for (name, dom) in &self.to.domains {
            match self.from.domains.get(name) {
                Some(old) if old == dom => {}
                old => {
                    if let Some(old) = old {
                        self.push(Change::DropType {
                            definition: TypeDefinition::Domain(old.clone()),
                        });
                    }
                    self.push(Change::CreateType {
                        definition: TypeDefinition::Domain(dom.clone()),
                        needs: crate::ops::type_needs(&dom.data_type),
                    });
                }
            }
        }
        for (name, dom) in &self.from.domains {
            if !self.to.domains.contains_key(name) {
                self.push(Change::DropType {
                    definition: TypeDefinition::Domain(dom.clone()),
                });
            }
        }
        for (name, ct) in &self.to.composite_types {
            match self.from.composite_types.get(name) {
                Some(old) if old == ct => {}
                old => {
                    if let Some(old) = old {
                        self.push(Change::DropType {
                            definition: TypeDefinition::Composite(old.clone()),
                        });
                    }
                    self.push(Change::CreateType {
                        definition: TypeDefinition::Composite(ct.clone()),
                        needs: ct
                            .attributes
                            .values()
                            .flat_map(crate::ops::type_needs)
                            .collect(),
                    });
                }
            }
        }
        for (name, ct) in &self.from.composite_types {
            if !self.to.composite_types.contains_key(name) {
                self.push(Change::DropType {
                    definition: TypeDefinition::Composite(ct.clone()),
                });
            }
        }
    }

    fn enum_change(&mut self, old: &EnumType, new: &EnumType) {
        let mut labels = old.labels.clone();
        for (from, to) in self.hints.enum_values.get(&new.name).into_iter().flatten() {
            if let Some(l) = labels.iter_mut().find(|l| *l == from) {
                *l = to.clone();
                self.push(Change::RenameEnumValue {
                    name: new.name.clone(),
                    from: from.clone(),
                    to: to.clone(),
                });
            }
        }
        // Additions only: the old labels, in order, are a subsequence of the new ones.
        let mut it = new.labels.iter();
        let subsequence = labels.iter().all(|l| it.any(|n| n == l));
        if subsequence {
            for (i, label) in new.labels.iter().enumerate() {
                if labels.contains(label) {
                    continue;
                }
                let next_old = new.labels[i + 1..]
                    .iter()
                    .find(|l| labels.contains(l))
                    .cloned();
                let (before, after) = if i > 0 {
                    (None, new.labels.get(i - 1).cloned())
                } else {
                    (next_old, None)
                };
                let renamed_from = self
                    .hints
                    .enums
                    .iter()
                    .find(|(_, t)| **t == new.name)
                    .map(|(f, _)| f.clone());
                self.push(Change::AddEnumValue {
                    name: new.name.clone(),
                    value: label.clone(),
                    before,
                    after,
                    renamed_from,
                });
            }
        } else {
            // The columns that exist, with the enum, when the rebuild runs (contract): those of
            // `from` under their `to` names, unless the plan drops them, recreates their table, or
            // changes their type (those recipes drop the old column before the rebuild,
            // `needs_old`, and add the new one after it, `needs`). A column renamed by a hint is
            // added under its new name in expand, with the type as it is then, and switched by the
            // rebuild like the others. Columns the plan adds with the enum come after the
            // rebuild, which creates the type under its final name.
            let mut columns = Vec::new();
            let enum_type = crate::model::BaseType::User(old.name.clone());
            for ft in self.from.tables.values() {
                if self.recreate.contains(&ft.name) {
                    continue;
                }
                for fc in ft.columns.values() {
                    // A column inherited from a parent (partition, INHERITS) changes with it.
                    if fc.data_type.base != enum_type
                        || ft
                            .parents()
                            .filter_map(|p| self.from.tables.get(p))
                            .any(|p| p.columns.contains_key(&fc.name))
                    {
                        continue;
                    }
                    let to_ref = self.hints.renamed_column_ref(&ColumnRef {
                        table: ft.name.clone(),
                        column: fc.name.clone(),
                    });
                    // A renamed column (same table) gets a new column of the type in expand, while
                    // the type is the old one: the rebuild switches that new column.
                    let renamed = to_ref.column != fc.name;
                    let Some(tc) = self
                        .to
                        .tables
                        .get(&to_ref.table)
                        .and_then(|t| t.columns.get(&to_ref.column))
                    else {
                        continue;
                    };
                    if tc.data_type.base != crate::model::BaseType::User(new.name.clone())
                        || tc.data_type.array_dimensions != fc.data_type.array_dimensions
                    {
                        continue;
                    }
                    // Views reading the column are dropped before the rebuild and created again.
                    self.touched
                        .insert((ft.name.clone(), fc.name.clone()), PhaseName::Contract);
                    // The tables that inherit the column: ALTER TABLE rewrites them too.
                    let mut descendants = Vec::new();
                    let mut parents = vec![ft.name.clone()];
                    while let Some(parent) = parents.pop() {
                        for child in self.from.tables.values() {
                            if child.parents().any(|p| *p == parent)
                                && child.columns.contains_key(&fc.name)
                                && !descendants.contains(&self.hints.table_to(&child.name))
                            {
                                descendants.push(self.hints.table_to(&child.name));
                                self.touched.insert(
                                    (child.name.clone(), fc.name.clone()),
                                    PhaseName::Contract,
                                );
                                parents.push(child.name.clone());
                            }
                        }
                    }
                    descendants.sort();
                    columns.push(RebuiltColumn {
                        column: to_ref,
                        renamed,
                        descendants,
                        array_dimensions: tc.data_type.array_dimensions,
                        had_default: fc.default.is_some() || tc.default.is_some(),
                        default: tc.default.clone(),
                    });
                }
            }
            let mut renamed = old.clone();
            renamed.labels = labels;
            self.push(Change::RebuildEnum {
                from: renamed,
                to: new.clone(),
                columns,
            });
        }
        if old.comment != new.comment {
            self.comment(
                "TYPE",
                None,
                new.name.to_string(),
                crate::ops::key::type_(&new.name),
                old.comment.clone(),
                new.comment.clone(),
            );
        }
    }

    fn sequences(&mut self) {
        let identity: SortedSet<QualifiedName> = [self.from, self.to]
            .iter()
            .flat_map(|c| c.tables.values())
            .flat_map(|t| t.columns.values())
            .filter_map(|c| c.identity.as_ref().and_then(|i| i.sequence.clone()))
            .collect();
        for (name, seq) in &self.to.sequences {
            if identity.contains(name) {
                continue;
            }
            match self.from.sequences.get(name) {
                None => {
                    let mut bare = seq.clone();
                    bare.owned_by = None;
                    self.push(Change::CreateSequence { sequence: bare });
                    if seq.owned_by.is_some() {
                        self.push(Change::SetSequenceOwner {
                            sequence: name.clone(),
                            from: None,
                            to: seq.owned_by.clone(),
                        });
                    }
                }
                Some(old) => {
                    if old.data_type != seq.data_type || old.options != seq.options {
                        self.push(Change::AlterSequence {
                            from: old.clone(),
                            to: seq.clone(),
                        });
                    }
                    let old_owner = old
                        .owned_by
                        .as_ref()
                        .map(|o| self.hints.renamed_column_ref(o));
                    if old_owner != seq.owned_by {
                        self.push(Change::SetSequenceOwner {
                            sequence: name.clone(),
                            from: old.owned_by.clone(),
                            to: seq.owned_by.clone(),
                        });
                    }
                    if old.comment != seq.comment {
                        self.comment(
                            "SEQUENCE",
                            Some(name.clone()),
                            name.to_string(),
                            crate::ops::key::sequence(name),
                            old.comment.clone(),
                            seq.comment.clone(),
                        );
                    }
                }
            }
        }
        for (name, seq) in &self.from.sequences {
            if identity.contains(name) || self.to.sequences.contains_key(name) {
                continue;
            }
            // A sequence owned by a column goes with its table or column.
            let owner_gone = seq.owned_by.as_ref().is_some_and(|o| {
                let renamed = self.hints.renamed_column_ref(o);
                self.to
                    .tables
                    .get(&renamed.table)
                    .is_none_or(|t| !t.columns.contains_key(&renamed.column))
            });
            if !owner_gone {
                self.push(Change::DropSequence {
                    sequence: seq.clone(),
                });
            }
        }
    }

    fn functions(&mut self) {
        for (id, f) in &self.to.functions {
            match self.from.functions.get(id) {
                None => self.push(Change::CreateFunction {
                    function: f.clone(),
                }),
                Some(old)
                    if old.definition != f.definition
                        || old.returns != f.returns
                        || old.kind != f.kind =>
                {
                    self.push(Change::ReplaceFunction {
                        from: old.clone(),
                        to: f.clone(),
                    })
                }
                Some(_) => {}
            }
            if let Some(old) = self.from.functions.get(id)
                && old.comment != f.comment
            {
                self.comment(
                    function_kind(f),
                    None,
                    id.to_string(),
                    crate::ops::key::function(&id.to_string()),
                    old.comment.clone(),
                    f.comment.clone(),
                );
            }
        }
        for (id, f) in &self.from.functions {
            if !self.to.functions.contains_key(id) {
                self.push(Change::DropFunction {
                    function: f.clone(),
                });
            }
        }
    }

    fn views(&mut self) {
        // Views to drop and create again: changed definitions, and views reading a touched column
        // or a view that is itself recreated (to a fixpoint).
        let mut recreate: SortedMap<QualifiedName, PhaseName> = SortedMap::new();
        let mut renamed_changed: SortedSet<QualifiedName> = SortedSet::new();
        for (name, old) in &self.from.views {
            let renamed = self
                .hints
                .views
                .get(name)
                .or_else(|| self.hints.tables.get(name))
                .cloned()
                .unwrap_or_else(|| name.clone());
            let Some(new) = self.to.views.get(&renamed) else {
                continue;
            };
            let mut phase = None;
            let mut old_renamed = self.with_renamed_views(old);
            old_renamed.name = new.name.clone();
            if !same_view(&old_renamed, new) {
                if self.hints.views.contains_key(name) {
                    // Not renamed after all: created anew, the old one dropped in contract.
                    renamed_changed.insert(name.clone());
                } else {
                    phase = Some(PhaseName::Expand);
                }
            }
            for (rel, cols) in &view_reads(old, self.from) {
                for c in cols {
                    if let Some(p) = self.touched.get(&(rel.clone(), c.clone())) {
                        phase = Some(phase.map_or(*p, |q: PhaseName| q.max(*p)));
                    }
                }
                if self.recreate.contains(rel) {
                    phase = Some(phase.map_or(PhaseName::Expand, |q| q.max(PhaseName::Expand)));
                }
            }
            if let Some(p) = phase {
                recreate.insert(name.clone(), p);
            }
        }
        loop {
            let mut grew = false;
            for (name, old) in &self.from.views {
                if recreate.contains_key(name) || !self.to.views.contains_key(name) {
                    continue;
                }
                let phase = old
                    .reads
                    .keys()
                    .filter_map(|r| recreate.get(r))
                    .max()
                    .copied();
                if let Some(p) = phase {
                    recreate.insert(name.clone(), p);
                    grew = true;
                }
            }
            if !grew {
                break;
            }
        }
        let mut renamed_to: SortedSet<QualifiedName> = SortedSet::new();
        for (name, old) in &self.from.views {
            if let Some(target) = self.hints.views.get(name) {
                match (recreate.get(name), self.to.views.get(target)) {
                    (None, Some(new)) if !renamed_changed.contains(name) => {
                        renamed_to.insert(target.clone());
                        self.push(Change::RenameView {
                            from: old.clone(),
                            to: new.clone(),
                        });
                        let mut old_renamed = old.clone();
                        old_renamed.name = new.name.clone();
                        self.view_comment(old, new);
                        self.view_tablespace(old, new);
                        self.view_indexes(&old_renamed, new);
                    }
                    (phase, _) => {
                        let phase = phase.copied().unwrap_or(PhaseName::Contract);
                        self.out.diagnostics.push(Diagnostic::warning(
                            "rename-not-kept",
                            format!(
                                "view {name} is renamed to {target}, but its definition or what it reads changes too: the plan creates {target} and drops {name} ({phase}) instead of renaming"
                            ),
                        ));
                        self.push(Change::DropView {
                            view: old.clone(),
                            phase,
                            recreated: false,
                        });
                    }
                }
                continue;
            }
            match recreate.get(name) {
                Some(phase) => {
                    self.push(Change::DropView {
                        view: old.clone(),
                        phase: *phase,
                        recreated: true,
                    });
                    if let Some(new) = self.to.views.get(name) {
                        self.push(Change::CreateView {
                            view: new.clone(),
                            phase: *phase,
                            recreated: true,
                        });
                    }
                }
                None if !self.to.views.contains_key(name) => self.push(Change::DropView {
                    view: old.clone(),
                    phase: PhaseName::Contract,
                    recreated: false,
                }),
                None => {
                    if let Some(new) = self.to.views.get(name) {
                        self.view_comment(old, new);
                        self.view_tablespace(old, new);
                        self.view_indexes(old, new);
                    }
                }
            }
        }
        for (name, new) in &self.to.views {
            if !self.from.views.contains_key(name) && !renamed_to.contains(name) {
                self.push(Change::CreateView {
                    view: new.clone(),
                    phase: PhaseName::Expand,
                    recreated: false,
                });
            }
        }
    }

    /// A view of `from` as PostgreSQL shows it once the views renamed by hints (in their own
    /// schema) have their new names: a view reads relations by OID, so its text follows.
    fn with_renamed_views(&self, v: &View) -> View {
        let mut v = v.clone();
        for (f, t) in &self.hints.views {
            if f.schema == t.schema && v.reads.contains_key(f) {
                v.definition = replace_word(
                    &v.definition,
                    &crate::model::quote_ident(&f.name),
                    &crate::model::quote_ident(&t.name),
                );
            }
        }
        v
    }

    /// The comment of a kept (or renamed) view, when it changes.
    fn view_comment(&mut self, old: &View, new: &View) {
        if old.comment != new.comment {
            let kind = if new.materialized {
                "MATERIALIZED VIEW"
            } else {
                "VIEW"
            };
            self.comment(
                kind,
                Some(new.name.clone()),
                new.name.to_string(),
                crate::ops::key::table(&new.name),
                old.comment.clone(),
                new.comment.clone(),
            );
        }
    }

    /// The tablespace of a kept (or renamed) materialized view, when it changes. (A view created
    /// again is created in its `to` tablespace.)
    fn view_tablespace(&mut self, old: &View, new: &View) {
        if old.tablespace != new.tablespace && new.materialized {
            self.push(Change::AlterTableProperty {
                table: new.name.clone(),
                property: TableProperty::Tablespace {
                    from: old.tablespace.clone(),
                    to: new.tablespace.clone(),
                    partitioned: false,
                    materialized_view: true,
                },
            });
        }
    }

    fn view_indexes(&mut self, old: &View, new: &View) {
        for (n, i) in &new.indexes {
            match old.indexes.get(n) {
                None => self.push(Change::CreateIndex {
                    table: new.name.clone(),
                    index: i.clone(),
                    placement: Placement::Existing,
                }),
                Some(o) if o != i => self.push(Change::ReplaceIndex {
                    table: new.name.clone(),
                    from: o.clone(),
                    to: i.clone(),
                }),
                Some(_) => {}
            }
        }
        for (n, i) in &old.indexes {
            if !new.indexes.contains_key(n) {
                self.push(Change::DropIndex {
                    table: old.name.clone(),
                    index: i.clone(),
                });
            }
        }
    }

    fn opaque(&mut self) {
        let key = |o: &OpaqueObject| (o.kind.clone(), o.identity.clone(), o.sql.clone());
        let old: std::collections::BTreeSet<_> = self.from.opaque.iter().map(key).collect();
        let new: std::collections::BTreeSet<_> = self.to.opaque.iter().map(key).collect();
        for o in &self.from.opaque {
            if !new.contains(&key(o)) {
                self.push(Change::Opaque {
                    object: o.clone(),
                    added: false,
                });
            }
        }
        for o in &self.to.opaque {
            if !old.contains(&key(o)) {
                self.push(Change::Opaque {
                    object: o.clone(),
                    added: true,
                });
            }
        }
    }
}

fn function_kind(f: &Function) -> &'static str {
    match f.kind {
        crate::model::FunctionKind::Function => "FUNCTION",
        crate::model::FunctionKind::Procedure => "PROCEDURE",
        crate::model::FunctionKind::Aggregate => "AGGREGATE",
    }
}

fn same_view(a: &View, b: &View) -> bool {
    a.materialized == b.materialized
        && normalize_ws(&a.definition) == normalize_ws(&b.definition)
        && a.columns == b.columns
        && a.options == b.options
        && a.with_no_data == b.with_no_data
}

fn normalize_ws(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .trim_end_matches(';')
        .trim()
        .to_string()
}

/// What a view reads: its `reads`, with the columns of each relation filled in from the
/// definition (every column of the relation it mentions, or all of them for `*`) when the model
/// could not resolve them.
pub fn view_reads(
    view: &View,
    catalog: &Catalog,
) -> crate::model::SortedMap<QualifiedName, Vec<String>> {
    let mut out = crate::model::SortedMap::new();
    for (rel, cols) in &view.reads {
        let mut cols = cols.clone();
        if cols.is_empty() {
            let all: Vec<String> = match (catalog.tables.get(rel), catalog.views.get(rel)) {
                (Some(t), _) => t.columns.keys().cloned().collect(),
                _ => Vec::new(),
            };
            let star = view.definition.contains('*') && !view.definition.contains("count(*)");
            cols = all
                .into_iter()
                .filter(|c| star || mentions(&view.definition, c))
                .collect();
        }
        out.insert(rel.clone(), cols);
    }
    out
}

/// The columns a constraint reads on its own table.
pub(crate) fn constraint_columns(c: &Constraint) -> Option<Vec<String>> {
    match &c.kind {
        ConstraintKind::PrimaryKey { columns, include }
        | ConstraintKind::Unique {
            columns, include, ..
        } => Some(columns.iter().chain(include).cloned().collect()),
        ConstraintKind::ForeignKey { columns, .. } => Some(columns.clone()),
        ConstraintKind::Check { .. } | ConstraintKind::Exclude { .. } => None,
    }
}

/// The columns an index reads, when all its keys are plain columns and it has no predicate.
pub(crate) fn index_columns(i: &Index) -> Option<Vec<String>> {
    if i.predicate.is_some() {
        return None;
    }
    let mut out = Vec::new();
    for k in &i.keys {
        match &k.expression {
            IndexKeyExpr::Column(c) => out.push(c.clone()),
            IndexKeyExpr::Expression(_) => return None,
        }
    }
    out.extend(i.include.iter().cloned());
    Some(out)
}

/// `text` with every whole-word `old` (an identifier, as [`mentions`] finds it) spelled `new`.
fn replace_word(text: &str, old: &str, new: &str) -> String {
    let is_word = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut previous: Option<char> = None;
    while let Some(at) = rest.find(old) {
        let before = rest[..at].chars().next_back().or(previous);
        let after = rest[at + old.len()..].chars().next();
        out.push_str(&rest[..at]);
        if before.is_none_or(|c| !is_word(c)) && after.is_none_or(|c| !is_word(c)) {
            out.push_str(new);
        } else {
            out.push_str(old);
        }
        previous = old.chars().next_back();
        rest = &rest[at + old.len()..];
    }
    out.push_str(rest);
    out
}

/// Whether an expression mentions an identifier (as a whole word, quoted or not).
pub(crate) fn mentions(expr: &str, ident: &str) -> bool {
    let quoted = format!("\"{ident}\"");
    if expr.contains(&quoted) {
        return true;
    }
    let bytes = expr.as_bytes();
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'$';
    let mut start = 0;
    while let Some(pos) = expr[start..].find(ident) {
        let at = start + pos;
        let before = at == 0 || !is_word(bytes[at - 1]);
        let end = at + ident.len();
        let after = end >= bytes.len() || !is_word(bytes[end]);
        if before && after {
            return true;
        }
        start = at + ident.len().max(1);
        if start >= expr.len() {
            break;
        }
    }
    false
}

#[cfg(test)]
mod tests;
