//! One file per change kind: its phased steps, rollback, lock and hazards (Reshape-style: each
//! recipe owns its whole lifecycle). A recipe turns one [`Change`] into [`StepDraft`]s, in the
//! order they must run; the planner adds the edges between recipes from the keys each step
//! creates, drops and needs (see [`crate::plan`]).

use crate::diff::Change;
use crate::hazard;
use crate::model::{BaseType, Catalog, QualifiedName, TypeName};
use crate::plan::{Hazard, Lock, LockDuration, PhaseName};

pub mod column;
pub mod column_default;
pub mod column_not_null;
pub mod column_rename;
pub mod column_type;
pub mod constraint;
pub mod enumeration;
pub mod index;
pub mod new_shape_view;
pub mod opaque;
pub mod routine;
pub mod schema_object;
pub mod sequence;
pub mod table;
pub mod table_rename;
pub mod view;

/// Rows per backfill batch.
pub const BATCH_SIZE: u32 = 1000;

/// What a recipe needs to know beyond its change.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub from: &'a Catalog,
    pub to: &'a Catalog,
    pub server_version: u32,
    /// See [`crate::PlanOptions::assume_empty_tables`].
    pub assume_empty_tables: bool,
    /// Enums rebuilt in contract ([`Change::RebuildEnum`]): until then the type under that name
    /// is the old one, which a column the plan adds before contract is given.
    pub rebuilt_enums: &'a crate::model::SortedSet<QualifiedName>,
}

/// The enums `changes` rebuild ([`Context::rebuilt_enums`]).
pub fn rebuilt_enums(changes: &[Change]) -> crate::model::SortedSet<QualifiedName> {
    changes
        .iter()
        .filter_map(|c| match c {
            Change::RebuildEnum { to, .. } => Some(to.name.clone()),
            _ => None,
        })
        .collect()
}

/// A step before ordering: what the plan's [`crate::plan::Step`] holds, plus the keys that order it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepDraft {
    pub phase: PhaseName,
    pub change: String,
    pub sql: Vec<String>,
    pub rollback: Vec<String>,
    pub reversible: bool,
    pub transactional: bool,
    pub repeat_until_zero_rows: bool,
    pub lock: Lock,
    pub hazards: Vec<Hazard>,
    /// Objects this step makes exist: every step that `needs` one runs after it.
    pub creates: Vec<String>,
    /// Objects this step removes (or replaces): every step that `needs_old` one runs before it,
    /// and a step that creates one again runs after it.
    pub drops: Vec<String>,
    /// Objects that must exist in their new shape when this step runs.
    pub needs: Vec<String>,
    /// Objects this step uses in their old shape: it runs before they are dropped.
    pub needs_old: Vec<String>,
}

impl StepDraft {
    pub fn new(phase: PhaseName, change: impl Into<String>) -> Self {
        StepDraft {
            phase,
            change: change.into(),
            sql: Vec::new(),
            rollback: Vec::new(),
            reversible: true,
            transactional: true,
            repeat_until_zero_rows: false,
            lock: Lock {
                level: "NONE".into(),
                relations: Vec::new(),
                duration: LockDuration::Instant,
            },
            hazards: Vec::new(),
            creates: Vec::new(),
            drops: Vec::new(),
            needs: Vec::new(),
            needs_old: Vec::new(),
        }
    }

    pub fn sql(mut self, statement: impl Into<String>) -> Self {
        self.sql.push(statement.into());
        self
    }

    pub fn rollback(mut self, statement: impl Into<String>) -> Self {
        self.rollback.push(statement.into());
        self
    }

    /// No statement can undo this step (data is gone): rollback stays empty.
    pub fn irreversible(mut self) -> Self {
        self.reversible = false;
        self.rollback.clear();
        self
    }

    /// Each statement runs alone in autocommit.
    pub fn non_transactional(mut self) -> Self {
        self.transactional = false;
        self
    }

    pub fn batched(mut self) -> Self {
        self.repeat_until_zero_rows = true;
        self.transactional = false;
        self
    }

    /// [`StepDraft::lock`] of one relation, instant: `(level, relation)`.
    pub fn lock_with(self, (level, relation): (&str, QualifiedName)) -> Self {
        self.lock(level, &[&relation], LockDuration::Instant)
    }

    pub fn lock(
        mut self,
        level: &str,
        relations: &[&QualifiedName],
        duration: LockDuration,
    ) -> Self {
        self.lock = Lock {
            level: level.to_string(),
            relations: relations.iter().map(|r| r.to_string()).collect(),
            duration,
        };
        self
    }

    pub fn hazard(
        mut self,
        code: &str,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> Self {
        self.hazards.push(hazard::hazard(code, message, help));
        self
    }

    pub fn creates(mut self, key: impl Into<String>) -> Self {
        self.creates.push(key.into());
        self
    }

    pub fn drops(mut self, key: impl Into<String>) -> Self {
        self.drops.push(key.into());
        self
    }

    pub fn needs(mut self, key: impl Into<String>) -> Self {
        self.needs.push(key.into());
        self
    }

    pub fn needs_all(mut self, keys: impl IntoIterator<Item = String>) -> Self {
        self.needs.extend(keys);
        self
    }

    pub fn needs_old(mut self, key: impl Into<String>) -> Self {
        self.needs_old.push(key.into());
        self
    }

    pub fn needs_old_all(mut self, keys: impl IntoIterator<Item = String>) -> Self {
        self.needs_old.extend(keys);
        self
    }
}

/// Ordering keys: one spelling per kind of object.
pub mod key {
    use crate::model::QualifiedName;

    pub fn schema(name: &str) -> String {
        format!("schema {}", crate::model::quote_ident(name))
    }
    pub fn extension(name: &str) -> String {
        format!("extension {name}")
    }
    pub fn table(name: &QualifiedName) -> String {
        format!("relation {name}")
    }
    pub fn column(table: &QualifiedName, column: &str) -> String {
        format!("column {table}.{}", crate::model::quote_ident(column))
    }
    /// A column converted to its final type where it stands (an enum rebuild): views reading it
    /// are created again after.
    pub fn converted(table: &QualifiedName, column: &str) -> String {
        format!(
            "converted column {table}.{}",
            crate::model::quote_ident(column)
        )
    }
    /// Rows of a column filled by a backfill.
    pub fn filled(table: &QualifiedName, column: &str) -> String {
        format!("filled {table}.{}", crate::model::quote_ident(column))
    }
    pub fn type_(name: &QualifiedName) -> String {
        format!("type {name}")
    }
    pub fn enum_value(name: &QualifiedName, value: &str) -> String {
        format!("enum value {name}.{value}")
    }
    pub fn index(schema: &str, name: &str) -> String {
        format!("index {}", QualifiedName::new(schema, name))
    }
    pub fn constraint(table: &QualifiedName, name: &str) -> String {
        format!("constraint {table}.{}", crate::model::quote_ident(name))
    }
    /// A unique index or constraint over these columns (what a foreign key needs).
    pub fn unique(table: &QualifiedName, columns: &[String]) -> String {
        format!("unique {table}({})", columns.join(","))
    }
    pub fn sequence(name: &QualifiedName) -> String {
        format!("relation {name}")
    }
    pub fn function(id: &str) -> String {
        format!("function {id}")
    }
    /// Any function of this name (triggers name functions without arguments).
    pub fn function_name(name: &QualifiedName) -> String {
        format!("function name {name}")
    }
    pub fn trigger(table: &QualifiedName, name: &str) -> String {
        format!("trigger {table}.{}", crate::model::quote_ident(name))
    }
}

/// Keys of a type: a user-defined type and its schema (built-in types need nothing).
pub fn type_needs(t: &TypeName) -> Vec<String> {
    match &t.base {
        BaseType::User(name) => vec![
            key::type_(name),
            key::schema(&name.schema),
            format!("enum values {name}"),
        ],
        BaseType::Builtin(_) => Vec::new(),
    }
}

/// Sequences named in `nextval('...'::regclass)` calls of an expression.
pub fn sequences_in(expr: &str) -> Vec<QualifiedName> {
    let mut out = Vec::new();
    let mut rest = expr;
    while let Some(at) = rest.find("nextval('") {
        rest = &rest[at + "nextval('".len()..];
        // The literal ends at a single quote not doubled.
        let mut end = None;
        let bytes = rest.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'\'' {
                if bytes.get(i + 1) == Some(&b'\'') {
                    i += 2;
                    continue;
                }
                end = Some(i);
                break;
            }
            i += 1;
        }
        let Some(end) = end else { break };
        if let Ok(name) = QualifiedName::parse(&rest[..end].replace("''", "'")) {
            out.push(name);
        }
        rest = &rest[end..];
    }
    out
}

/// The recipe of a change: its steps in the order they run. An error when the change cannot be
/// planned safely without more input (a NOT NULL column without a backfill hint).
pub fn steps(
    change: &Change,
    cx: &Context<'_>,
) -> Result<Vec<StepDraft>, crate::diagnostic::Diagnostic> {
    Ok(match change {
        Change::AddColumn { .. } | Change::DropColumn { .. } => return column::steps(change, cx),
        Change::CreateSchema { .. }
        | Change::DropSchema { .. }
        | Change::CreateExtension { .. }
        | Change::DropExtension { .. }
        | Change::AlterExtension { .. }
        | Change::SetComment { .. } => schema_object::steps(change, cx),
        Change::CreateEnum { .. }
        | Change::DropEnum { .. }
        | Change::AddEnumValue { .. }
        | Change::RenameEnumValue { .. }
        | Change::RenameEnum { .. }
        | Change::RebuildEnum { .. } => enumeration::steps(change, cx),
        Change::CreateSequence { .. }
        | Change::DropSequence { .. }
        | Change::AlterSequence { .. }
        | Change::SetSequenceOwner { .. } => sequence::steps(change, cx),
        Change::CreateTable { .. }
        | Change::DropTable { .. }
        | Change::RecreateTable { .. }
        | Change::AlterTableProperty { .. } => table::steps(change, cx),
        Change::RenameTable { .. } => table_rename::steps(change, cx),
        Change::RenameColumn { .. } => column_rename::steps(change, cx),
        Change::ChangeColumnType { .. } => column_type::steps(change, cx),
        Change::SetNotNull { .. } | Change::DropNotNull { .. } => {
            column_not_null::steps(change, cx)
        }
        Change::SetDefault { .. } | Change::AlterIdentity { .. } => {
            column_default::steps(change, cx)
        }
        Change::AddConstraint { .. }
        | Change::DropConstraint { .. }
        | Change::ValidateConstraint { .. }
        | Change::RenameConstraint { .. }
        | Change::SetConstraintIndexOptions { .. } => constraint::steps(change, cx),
        Change::CreateIndex { .. }
        | Change::DropIndex { .. }
        | Change::ReplaceIndex { .. }
        | Change::RenameIndex { .. } => index::steps(change, cx),
        Change::CreateView { .. } | Change::DropView { .. } | Change::RenameView { .. } => {
            view::steps(change, cx)
        }
        Change::CreateFunction { .. }
        | Change::DropFunction { .. }
        | Change::ReplaceFunction { .. }
        | Change::CreateTrigger { .. }
        | Change::DropTrigger { .. }
        | Change::CreatePolicy { .. }
        | Change::DropPolicy { .. }
        | Change::SetRowLevelSecurity { .. } => routine::steps(change, cx),
        Change::NewShapeViews { .. } => new_shape_view::steps(change, cx),
        Change::CreateType { .. } | Change::DropType { .. } | Change::Opaque { .. } => {
            opaque::steps(change, cx)
        }
    })
}

/// Where a change sorts among steps the dependency graph leaves unordered: schemas and types
/// first, then tables, columns, constraints, indexes, views, routines, comments, opaque text.
pub fn rank(change: &Change) -> u8 {
    match change {
        Change::CreateSchema { .. }
        | Change::CreateExtension { .. }
        | Change::AlterExtension { .. } => 0,
        Change::CreateEnum { .. }
        | Change::RenameEnum { .. }
        | Change::AddEnumValue { .. }
        | Change::RenameEnumValue { .. }
        | Change::CreateType { .. } => 1,
        Change::RenameTable { .. } => 2,
        Change::CreateSequence { .. } | Change::AlterSequence { .. } => 3,
        Change::CreateFunction { .. } | Change::ReplaceFunction { .. } => 4,
        Change::CreateTable { .. }
        | Change::RecreateTable { .. }
        | Change::AlterTableProperty { .. } => 5,
        Change::DropView { .. } => 6,
        Change::AddColumn { .. }
        | Change::DropColumn { .. }
        | Change::RenameColumn { .. }
        | Change::ChangeColumnType { .. }
        | Change::SetNotNull { .. }
        | Change::DropNotNull { .. }
        | Change::SetDefault { .. }
        | Change::AlterIdentity { .. } => 7,
        Change::SetSequenceOwner { .. } => 8,
        Change::DropConstraint { .. }
        | Change::DropIndex { .. }
        | Change::DropTrigger { .. }
        | Change::DropPolicy { .. } => 9,
        Change::AddConstraint { .. }
        | Change::ValidateConstraint { .. }
        | Change::RenameConstraint { .. }
        | Change::SetConstraintIndexOptions { .. } => 10,
        Change::CreateIndex { .. } | Change::ReplaceIndex { .. } | Change::RenameIndex { .. } => 11,
        Change::CreateView { .. } | Change::NewShapeViews { .. } | Change::RenameView { .. } => 12,
        Change::CreateTrigger { .. }
        | Change::CreatePolicy { .. }
        | Change::SetRowLevelSecurity { .. } => 13,
        Change::SetComment { .. } => 14,
        Change::DropTable { .. } => 15,
        Change::DropSequence { .. } | Change::DropFunction { .. } | Change::RebuildEnum { .. } => {
            16
        }
        Change::DropEnum { .. } | Change::DropType { .. } | Change::DropExtension { .. } => 17,
        Change::DropSchema { .. } => 18,
        Change::Opaque { .. } => 19,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nextval_sequences_are_found() {
        assert_eq!(
            sequences_in("nextval('public.users_id_seq'::regclass)"),
            vec![QualifiedName::public("users_id_seq")]
        );
        assert_eq!(
            sequences_in("nextval('\"S\".\"X\"'::regclass) + 1"),
            vec![QualifiedName::new("S", "X")]
        );
        assert!(sequences_in("now()").is_empty());
    }
}
