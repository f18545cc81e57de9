//! ALTER-level SQL the recipes need beyond [`crate::render::ddl`] (which has CREATE statements and
//! the plain ALTERs): NOT VALID / VALIDATE / USING INDEX, CONCURRENTLY, renames, comments, and
//! temporary names. Every function returns one statement without a trailing semicolon.

use crate::diff::TableProperty;
use crate::model::{Constraint, Index, QualifiedName, SequenceOptions, quote_ident};
use crate::render::ddl::{self, literal};
use crate::render::format::constraint_def;

/// Sequence options as `CREATE SEQUENCE` takes them (`SEQUENCE NAME s START WITH 1 ...`).
pub fn sequence_options(options: &SequenceOptions, name: Option<&QualifiedName>) -> String {
    let mut parts = Vec::new();
    if let Some(name) = name {
        parts.push(format!("SEQUENCE NAME {name}"));
    }
    if let Some(v) = options.start {
        parts.push(format!("START WITH {v}"));
    }
    if let Some(v) = options.increment {
        parts.push(format!("INCREMENT BY {v}"));
    }
    if let Some(v) = options.min_value {
        parts.push(format!("MINVALUE {v}"));
    }
    if let Some(v) = options.max_value {
        parts.push(format!("MAXVALUE {v}"));
    }
    if let Some(v) = options.cache {
        parts.push(format!("CACHE {v}"));
    }
    if options.cycle {
        parts.push("CYCLE".to_string());
    }
    parts.join(" ")
}

/// `(a > 0)` → `a > 0` when the parentheses enclose the whole expression.
pub fn strip_outer_parens(expr: &str) -> &str {
    let t = expr.trim();
    if !(t.starts_with('(') && t.ends_with(')')) {
        return t;
    }
    let mut depth = 0i32;
    let mut quoted = false;
    for (i, c) in t.char_indices() {
        match c {
            '\'' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => {
                depth -= 1;
                if depth == 0 && i != t.len() - 1 {
                    return t;
                }
            }
            _ => {}
        }
    }
    &t[1..t.len() - 1]
}

/// `CREATE [UNIQUE] INDEX [CONCURRENTLY] name ON table USING ...` ([`ddl::create_index`]) under `name`.
pub fn create_index(
    table: &QualifiedName,
    index: &Index,
    name: &str,
    concurrently: bool,
) -> String {
    let mut named = index.clone();
    named.name = name.to_string();
    if concurrently {
        ddl::create_index_concurrently(table, &named)
    } else {
        ddl::create_index(table, &named)
    }
}

/// The unique index behind a constraint, built in the constraint's index tablespace
/// (`TABLESPACE x` follows `WITH (...)`; the index has no WHERE clause).
pub fn create_constraint_index(
    table: &QualifiedName,
    index: &Index,
    name: &str,
    concurrently: bool,
    tablespace: Option<&str>,
) -> String {
    let mut sql = create_index(table, index, name, concurrently);
    if let Some(ts) = tablespace {
        sql.push_str(&format!(" TABLESPACE {}", crate::model::quote_ident(ts)));
    }
    sql
}

pub fn drop_index(schema: &str, name: &str, concurrently: bool) -> String {
    format!(
        "DROP INDEX {}{}",
        if concurrently { "CONCURRENTLY " } else { "" },
        QualifiedName::new(schema, name)
    )
}

pub fn rename_index(schema: &str, from: &str, to: &str) -> String {
    format!(
        "ALTER INDEX {} RENAME TO {}",
        QualifiedName::new(schema, from),
        quote_ident(to)
    )
}

/// `ALTER INDEX ... RESET (...)` for the storage parameters of `from` that `to` has not, then
/// `ALTER INDEX ... SET (...)` for those of `to` that `from` has not (`name=value` each).
pub fn set_index_options(index: &QualifiedName, from: &[String], to: &[String]) -> Vec<String> {
    let name = |o: &String| o.split_once('=').map_or(o.clone(), |(k, _)| k.to_string());
    let kept: Vec<String> = to.iter().map(name).collect();
    let reset: Vec<String> = from
        .iter()
        .map(name)
        .filter(|k| !kept.contains(k))
        .collect();
    let set: Vec<String> = to.iter().filter(|o| !from.contains(o)).cloned().collect();
    let mut out = Vec::new();
    if !reset.is_empty() {
        out.push(format!("ALTER INDEX {index} RESET ({})", reset.join(", ")));
    }
    if !set.is_empty() {
        out.push(format!(
            "ALTER INDEX {index} SET ({})",
            crate::render::format::reloptions(&set)
        ));
    }
    out
}

/// `ALTER TABLE parent DETACH PARTITION child`.
pub fn detach_partition(parent: &QualifiedName, child: &QualifiedName) -> String {
    format!("ALTER TABLE {parent} DETACH PARTITION {child}")
}

pub fn alter_column(table: &QualifiedName, column: &str, action: &str) -> String {
    format!(
        "ALTER TABLE {table} ALTER COLUMN {} {action}",
        quote_ident(column)
    )
}

/// The statements that change a table property from its `from` value to its `to` value, and
/// those that change it back (none for a generated expression): `SET [UN]LOGGED`; storage
/// parameters (every old one reset, then every new one set); `SET TABLESPACE` of a table or
/// materialized view (`pg_default` for none); `REPLICA IDENTITY` (`DEFAULT` for none); a generated expression (`DROP EXPRESSION` from
/// a stored generated column to a plain one without default or identity, else the column dropped
/// and added again).
pub fn alter_table_property(
    table: &QualifiedName,
    property: &TableProperty,
) -> (Vec<String>, Vec<String>) {
    let persistence = |unlogged: bool| {
        vec![format!(
            "ALTER TABLE {table} SET {}",
            if unlogged { "UNLOGGED" } else { "LOGGED" }
        )]
    };
    let storage = |from: &[String], to: &[String]| {
        let mut sql = Vec::new();
        if !from.is_empty() {
            let reset: Vec<&str> = from
                .iter()
                .map(|o| o.split('=').next().unwrap_or(o))
                .collect();
            sql.push(format!("ALTER TABLE {table} RESET ({})", reset.join(", ")));
        }
        if !to.is_empty() {
            sql.push(format!("ALTER TABLE {table} SET ({})", to.join(", ")));
        }
        sql
    };
    match property {
        TableProperty::Persistence { unlogged } => (persistence(*unlogged), persistence(!unlogged)),
        TableProperty::StorageParameters { from, to } => (storage(from, to), storage(to, from)),
        TableProperty::Tablespace {
            from,
            to,
            materialized_view,
            ..
        } => {
            let kind = if *materialized_view {
                "MATERIALIZED VIEW"
            } else {
                "TABLE"
            };
            (
                vec![set_tablespace(kind, table, to.as_deref())],
                vec![set_tablespace(kind, table, from.as_deref())],
            )
        }
        TableProperty::ReplicaIdentity { from, to } => (
            vec![replica_identity(table, to.as_deref())],
            vec![replica_identity(table, from.as_deref())],
        ),
        TableProperty::Generated { from, to } => {
            let keeps_values = from.generated.as_ref().is_some_and(|g| g.stored)
                && to.generated.is_none()
                && to.default.is_none()
                && to.identity.is_none();
            let sql = if keeps_values {
                vec![alter_column(table, &from.name, "DROP EXPRESSION")]
            } else {
                vec![
                    ddl::drop_column(table, &from.name),
                    ddl::add_column(table, to),
                ]
            };
            (sql, Vec::new())
        }
    }
}

/// `ALTER <kind> name SET TABLESPACE ts` (`pg_default`, the database's default, for none).
pub fn set_tablespace(kind: &str, name: &QualifiedName, tablespace: Option<&str>) -> String {
    format!(
        "ALTER {kind} {name} SET TABLESPACE {}",
        quote_ident(tablespace.unwrap_or("pg_default"))
    )
}

/// `ALTER TABLE t REPLICA IDENTITY <identity>` (`DEFAULT` for none).
pub fn replica_identity(table: &QualifiedName, identity: Option<&str>) -> String {
    format!(
        "ALTER TABLE {table} REPLICA IDENTITY {}",
        identity.unwrap_or("DEFAULT")
    )
}

/// `ALTER TABLE t ADD CONSTRAINT name <definition> [NOT VALID]`.
pub fn add_constraint(table: &QualifiedName, constraint: &Constraint, not_valid: bool) -> String {
    format!(
        "ALTER TABLE {table} ADD CONSTRAINT {} {}{}",
        quote_ident(&constraint.name),
        constraint_def(constraint),
        if not_valid { " NOT VALID" } else { "" }
    )
}

/// `ALTER TABLE t ADD CONSTRAINT name PRIMARY KEY|UNIQUE USING INDEX idx`.
pub fn add_constraint_using_index(
    table: &QualifiedName,
    name: &str,
    primary_key: bool,
    index: &str,
    deferrable: (bool, bool),
) -> String {
    let mut out = format!(
        "ALTER TABLE {table} ADD CONSTRAINT {} {} USING INDEX {}",
        quote_ident(name),
        if primary_key { "PRIMARY KEY" } else { "UNIQUE" },
        quote_ident(index)
    );
    if deferrable.0 {
        out.push_str(" DEFERRABLE");
        if deferrable.1 {
            out.push_str(" INITIALLY DEFERRED");
        }
    }
    out
}

/// `nextval('s'::regclass)`, as PostgreSQL deparses a column default.
pub fn nextval(sequence: &QualifiedName) -> String {
    format!("nextval({}::regclass)", literal(&sequence.to_string()))
}

/// `SELECT setval('to', last_value, is_called) FROM from`: `to` continues where `from` stopped.
pub fn copy_sequence_state(from: &QualifiedName, to: &QualifiedName) -> String {
    format!(
        "SELECT setval({}, last_value, is_called) FROM {from}",
        literal(&to.to_string())
    )
}

/// `ALTER TABLE t ADD CONSTRAINT name NOT NULL c NOT VALID` (PostgreSQL 18+).
pub fn add_not_null_not_valid(table: &QualifiedName, name: &str, column: &str) -> String {
    format!(
        "ALTER TABLE {table} ADD CONSTRAINT {} NOT NULL {} NOT VALID",
        quote_ident(name),
        quote_ident(column)
    )
}

pub fn validate_constraint(table: &QualifiedName, name: &str) -> String {
    format!(
        "ALTER TABLE {table} VALIDATE CONSTRAINT {}",
        quote_ident(name)
    )
}

pub fn rename_constraint(table: &QualifiedName, from: &str, to: &str) -> String {
    format!(
        "ALTER TABLE {table} RENAME CONSTRAINT {} TO {}",
        quote_ident(from),
        quote_ident(to)
    )
}

pub fn set_schema(kind: &str, name: &QualifiedName, schema: &str) -> String {
    format!("ALTER {kind} {name} SET SCHEMA {}", quote_ident(schema))
}

/// `ALTER TYPE t RENAME TO name`.
pub fn rename_type(name: &QualifiedName, to: &str) -> String {
    format!("ALTER TYPE {name} RENAME TO {}", quote_ident(to))
}

/// `ALTER VIEW v RENAME TO name` (`ALTER MATERIALIZED VIEW` for a materialized one).
pub fn rename_view(name: &QualifiedName, to: &str, materialized: bool) -> String {
    format!(
        "ALTER {}VIEW {name} RENAME TO {}",
        if materialized { "MATERIALIZED " } else { "" },
        quote_ident(to)
    )
}

/// `CREATE DOMAIN name AS base`: a stand-in under an old type name.
pub fn create_domain_over(name: &QualifiedName, base: &QualifiedName) -> String {
    format!("CREATE DOMAIN {name} AS {base}")
}

/// `CREATE VIEW name AS SELECT * FROM relation`: a stand-in under an old relation name.
pub fn create_compatibility_view(name: &QualifiedName, relation: &QualifiedName) -> String {
    format!("CREATE VIEW {name} AS SELECT * FROM {relation}")
}

/// `COMMENT ON <kind> <name> IS '...'|NULL`.
pub fn comment_on(kind: &str, name: &str, comment: Option<&str>) -> String {
    format!(
        "COMMENT ON {kind} {name} IS {}",
        comment.map_or("NULL".to_string(), literal)
    )
}

/// A name for a temporary object derived from `base`, at most 63 bytes: `base` is cut so that
/// `suffix` always survives.
pub fn temporary_name(base: &str, suffix: &str) -> String {
    let room = 63usize.saturating_sub(suffix.len());
    let mut cut = base.len().min(room);
    while !base.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}{suffix}", &base[..cut])
}

/// `CREATE VIEW view [WITH (security_invoker = true)] AS SELECT <columns> FROM table`, each
/// column `(final name, physical name)` shown under its final name.
pub fn create_column_view(
    view: &QualifiedName,
    table: &QualifiedName,
    columns: &[(String, String)],
    security_invoker: bool,
) -> String {
    let list: Vec<String> = columns
        .iter()
        .map(|(name, physical)| {
            if name == physical {
                quote_ident(name)
            } else {
                format!("{} AS {}", quote_ident(physical), quote_ident(name))
            }
        })
        .collect();
    format!(
        "CREATE VIEW {view}{} AS SELECT {} FROM {table}",
        if security_invoker {
            " WITH (security_invoker = true)"
        } else {
            ""
        },
        list.join(", ")
    )
}

/// `ALTER VIEW view ALTER COLUMN c SET DEFAULT expr`: what an INSERT through the view gets.
pub fn set_view_default(view: &QualifiedName, column: &str, default: &str) -> String {
    format!(
        "ALTER VIEW {view} ALTER COLUMN {} SET DEFAULT {default}",
        quote_ident(column)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outer_parentheses() {
        assert_eq!(strip_outer_parens("(a > 0)"), "a > 0");
        assert_eq!(
            strip_outer_parens("(a > 0) AND (b > 0)"),
            "(a > 0) AND (b > 0)"
        );
        assert_eq!(strip_outer_parens("(x = ')')"), "x = ')'");
    }

    #[test]
    fn temporary_names_fit_63_bytes() {
        let n = temporary_name(&"x".repeat(70), "_shiftplan_new");
        assert_eq!(n.len(), 63);
        assert!(n.ends_with("_shiftplan_new"));
    }
}
