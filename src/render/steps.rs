//! The statements and expressions the recipes of [`crate::ops`] run that no other render module
//! spells: drops of single objects, the schema/extension/sequence/enum/routine ALTERs, and the
//! pieces of the online recipes (fill and sync triggers, batched backfills, the NOT NULL check).
//! The ops decide what runs; these functions only spell it. Every statement comes back without a
//! trailing semicolon.

use std::fmt::Display;

use crate::model::{
    ColumnRef, Function, FunctionKind, Identity, QualifiedName, Sequence, SequenceOptions,
    TypeName, quote_ident,
};
use crate::render::alter::{alter_column, sequence_options};
use crate::render::ddl::literal;
use crate::render::format::format_type;

/// `DROP <KIND> name`, for objects the model names by kind (a type kept as text, a routine).
pub fn drop_object(kind: &str, name: &dyn Display) -> String {
    format!("DROP {} {name}", kind.to_ascii_uppercase())
}

/// `DROP [MATERIALIZED] VIEW name`.
pub fn drop_view(name: &QualifiedName, materialized: bool) -> String {
    drop_object(
        if materialized {
            "MATERIALIZED VIEW"
        } else {
            "VIEW"
        },
        name,
    )
}

/// `DROP SEQUENCE name`.
pub fn drop_sequence(name: &QualifiedName) -> String {
    drop_object("SEQUENCE", name)
}

/// `DROP TYPE name`.
pub fn drop_type(name: &QualifiedName) -> String {
    drop_object("TYPE", name)
}

/// `DROP DOMAIN name`.
pub fn drop_domain(name: &QualifiedName) -> String {
    drop_object("DOMAIN", name)
}

/// A statement the model keeps as written (a definition, an opaque statement), without the
/// surrounding blanks and the closing `;`.
pub fn as_written(sql: &str) -> String {
    sql.trim().trim_end_matches(';').to_string()
}

// Schemas and extensions.

/// `CREATE SCHEMA name`.
pub fn create_schema(name: &str) -> String {
    format!("CREATE SCHEMA {}", quote_ident(name))
}

/// `DROP SCHEMA name`.
pub fn drop_schema(name: &str) -> String {
    format!("DROP SCHEMA {}", quote_ident(name))
}

/// `DROP EXTENSION name`.
pub fn drop_extension(name: &str) -> String {
    format!("DROP EXTENSION {}", quote_ident(name))
}

/// `ALTER EXTENSION name SET SCHEMA schema`.
pub fn set_extension_schema(name: &str, schema: &str) -> String {
    format!(
        "ALTER EXTENSION {} SET SCHEMA {}",
        quote_ident(name),
        quote_ident(schema)
    )
}

/// `ALTER EXTENSION name UPDATE TO 'version'`.
pub fn update_extension(name: &str, version: &str) -> String {
    format!(
        "ALTER EXTENSION {} UPDATE TO {}",
        quote_ident(name),
        literal(version)
    )
}

// Sequences and identity columns.

/// `ALTER SEQUENCE s OWNED BY t.c`, or `OWNED BY NONE` without an owner.
pub fn sequence_owner(sequence: &QualifiedName, owner: Option<&ColumnRef>) -> String {
    match owner {
        Some(o) => format!(
            "ALTER SEQUENCE {sequence} OWNED BY {}.{}",
            o.table,
            quote_ident(&o.column)
        ),
        None => format!("ALTER SEQUENCE {sequence} OWNED BY NONE"),
    }
}

/// `ALTER SEQUENCE s AS type ...` with every option spelled out (defaults included), so that it
/// sets the sequence to `s` whatever it was before.
pub fn alter_sequence(s: &Sequence) -> String {
    let o = &s.options;
    let mut parts = vec![format!("AS {}", format_type(&s.data_type))];
    parts.push(
        o.increment
            .map_or("INCREMENT BY 1".into(), |v| format!("INCREMENT BY {v}")),
    );
    parts.push(
        o.min_value
            .map_or("NO MINVALUE".into(), |v| format!("MINVALUE {v}")),
    );
    parts.push(
        o.max_value
            .map_or("NO MAXVALUE".into(), |v| format!("MAXVALUE {v}")),
    );
    if let Some(v) = o.start {
        parts.push(format!("START WITH {v}"));
    }
    parts.push(o.cache.map_or("CACHE 1".into(), |v| format!("CACHE {v}")));
    parts.push(if o.cycle {
        "CYCLE".into()
    } else {
        "NO CYCLE".into()
    });
    format!("ALTER SEQUENCE {} {}", s.name, parts.join(" "))
}

fn generated(identity: &Identity) -> &'static str {
    if identity.always {
        "ALWAYS"
    } else {
        "BY DEFAULT"
    }
}

/// `ALTER TABLE t ALTER COLUMN c ADD GENERATED ALWAYS|BY DEFAULT AS IDENTITY [(options)]`.
pub fn add_identity(table: &QualifiedName, column: &str, identity: &Identity) -> String {
    let options = sequence_options(&identity.options, identity.sequence.as_ref());
    let options = if options.is_empty() {
        String::new()
    } else {
        format!(" ({options})")
    };
    alter_column(
        table,
        column,
        &format!("ADD GENERATED {} AS IDENTITY{options}", generated(identity)),
    )
}

/// `ALTER TABLE t ALTER COLUMN c DROP IDENTITY`.
pub fn drop_identity(table: &QualifiedName, column: &str) -> String {
    alter_column(table, column, "DROP IDENTITY")
}

/// `ALTER TABLE t ALTER COLUMN c SET GENERATED ALWAYS|BY DEFAULT`.
pub fn set_generated(table: &QualifiedName, column: &str, identity: &Identity) -> String {
    alter_column(
        table,
        column,
        &format!("SET GENERATED {}", generated(identity)),
    )
}

/// `ALTER TABLE t ALTER COLUMN c SET INCREMENT BY ... SET [NO] CYCLE`: the identity sequence's
/// options set to `options` (the ones given, and CYCLE always).
pub fn set_identity_options(
    table: &QualifiedName,
    column: &str,
    options: &SequenceOptions,
) -> String {
    let o = options;
    let mut parts = Vec::new();
    if let Some(v) = o.increment {
        parts.push(format!("SET INCREMENT BY {v}"));
    }
    if let Some(v) = o.start {
        parts.push(format!("SET START WITH {v}"));
    }
    if let Some(v) = o.min_value {
        parts.push(format!("SET MINVALUE {v}"));
    }
    if let Some(v) = o.max_value {
        parts.push(format!("SET MAXVALUE {v}"));
    }
    if let Some(v) = o.cache {
        parts.push(format!("SET CACHE {v}"));
    }
    parts.push(if o.cycle {
        "SET CYCLE".into()
    } else {
        "SET NO CYCLE".into()
    });
    alter_column(table, column, &parts.join(" "))
}

// Indexes and constraints.

/// `DROP INDEX CONCURRENTLY IF EXISTS name`: the rollback of a concurrent build, which may have
/// left an invalid index or none.
pub fn drop_index_if_built(index: &QualifiedName) -> String {
    format!("DROP INDEX CONCURRENTLY IF EXISTS {index}")
}

/// `ALTER TABLE t ADD CONSTRAINT name CHECK (c IS NOT NULL) NOT VALID`.
pub fn add_not_null_check(table: &QualifiedName, name: &str, column: &str) -> String {
    format!(
        "ALTER TABLE {table} ADD CONSTRAINT {} CHECK ({} IS NOT NULL) NOT VALID",
        quote_ident(name),
        quote_ident(column)
    )
}

// Enums.

/// `ALTER TYPE e ADD VALUE IF NOT EXISTS 'v' [BEFORE 'b' | AFTER 'a']` (BEFORE wins when both
/// are given).
pub fn add_enum_value(
    enum_type: &QualifiedName,
    value: &str,
    before: Option<&str>,
    after: Option<&str>,
) -> String {
    let mut sql = format!(
        "ALTER TYPE {enum_type} ADD VALUE IF NOT EXISTS {}",
        literal(value)
    );
    if let Some(b) = before {
        sql.push_str(&format!(" BEFORE {}", literal(b)));
    } else if let Some(a) = after {
        sql.push_str(&format!(" AFTER {}", literal(a)));
    }
    sql
}

/// `ALTER TYPE e RENAME VALUE 'from' TO 'to'`.
pub fn rename_enum_value(enum_type: &QualifiedName, from: &str, to: &str) -> String {
    format!(
        "ALTER TYPE {enum_type} RENAME VALUE {} TO {}",
        literal(from),
        literal(to)
    )
}

/// `ALTER TABLE t ALTER COLUMN c TYPE e[] USING c::text::e[]`: a column of an enum (or an array
/// of one, `array_dimensions` deep) switched to another enum through its labels.
pub fn retype_to_enum(
    table: &QualifiedName,
    column: &str,
    enum_type: &QualifiedName,
    array_dimensions: usize,
) -> String {
    let q = quote_ident(column);
    let dims = "[]".repeat(array_dimensions);
    format!(
        "ALTER TABLE {table} ALTER COLUMN {q} TYPE {enum_type}{dims} USING {q}::text::{enum_type}{dims}"
    )
}

// Routines, triggers, policies, row-level security.

/// Function bodies may name objects created later in the plan: their check waits for the call.
pub const NO_BODY_CHECK: &str = "SET LOCAL check_function_bodies = off";

/// `FUNCTION`, `PROCEDURE` or `AGGREGATE`.
pub fn routine_kind(f: &Function) -> &'static str {
    match f.kind {
        FunctionKind::Function => "FUNCTION",
        FunctionKind::Procedure => "PROCEDURE",
        FunctionKind::Aggregate => "AGGREGATE",
    }
}

/// `DROP FUNCTION|PROCEDURE|AGGREGATE name(arguments)`.
pub fn drop_routine(f: &Function) -> String {
    drop_object(routine_kind(f), &f.id)
}

/// A routine's definition as written, `CREATE` made `CREATE OR REPLACE`, without the closing `;`.
pub fn create_or_replace(definition: &str) -> String {
    let trimmed = definition.trim_start();
    let upper = trimmed.to_ascii_uppercase();
    let replaced = if upper.starts_with("CREATE OR REPLACE") {
        trimmed.to_string()
    } else {
        match trimmed.get(..6) {
            Some(w) if w.eq_ignore_ascii_case("CREATE") => {
                format!("CREATE OR REPLACE{}", &trimmed[6..])
            }
            _ => trimmed.to_string(),
        }
    };
    replaced.trim_end_matches(';').to_string()
}

/// `DROP TRIGGER name ON table`.
pub fn drop_trigger(table: &QualifiedName, trigger: &str) -> String {
    format!("DROP TRIGGER {} ON {table}", quote_ident(trigger))
}

/// `ALTER TABLE t DISABLE TRIGGER name`.
pub fn disable_trigger(table: &QualifiedName, trigger: &str) -> String {
    format!(
        "ALTER TABLE {table} DISABLE TRIGGER {}",
        quote_ident(trigger)
    )
}

/// `DROP POLICY name ON table`.
pub fn drop_policy(table: &QualifiedName, policy: &str) -> String {
    format!("DROP POLICY {} ON {table}", quote_ident(policy))
}

/// `ALTER TABLE t ENABLE|DISABLE ROW LEVEL SECURITY` and `ALTER TABLE t [NO] FORCE ROW LEVEL
/// SECURITY`.
pub fn row_level_security(table: &QualifiedName, enabled: bool, forced: bool) -> Vec<String> {
    vec![
        format!(
            "ALTER TABLE {table} {} ROW LEVEL SECURITY",
            if enabled { "ENABLE" } else { "DISABLE" }
        ),
        format!(
            "ALTER TABLE {table} {}FORCE ROW LEVEL SECURITY",
            if forced { "" } else { "NO " }
        ),
    ]
}

// The pieces of the online column recipes: triggers that keep columns filled or in sync, and
// batched backfills.

/// `CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $shiftplan$ body $shiftplan$`.
pub fn create_trigger_function(function: &QualifiedName, body: &str) -> String {
    format!(
        "CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $shiftplan$\n{body}\n$shiftplan$"
    )
}

/// `DROP FUNCTION f()`: a trigger function (no arguments).
pub fn drop_trigger_function(function: &QualifiedName) -> String {
    format!("DROP FUNCTION {function}()")
}

/// `CREATE TRIGGER name BEFORE INSERT OR UPDATE ON t FOR EACH ROW EXECUTE FUNCTION f()`.
pub fn create_row_trigger(
    table: &QualifiedName,
    trigger: &str,
    function: &QualifiedName,
) -> String {
    format!(
        "CREATE TRIGGER {} BEFORE INSERT OR UPDATE ON {table} FOR EACH ROW EXECUTE FUNCTION {function}()",
        quote_ident(trigger)
    )
}

/// `record.c` (`NEW.c`, `OLD.c`): a field of a trigger's row.
pub fn field(record: &str, column: &str) -> String {
    format!("{record}.{}", quote_ident(column))
}

/// `(expr)`: an expression given as text (a hint), parenthesized to be used as an operand.
pub fn parenthesized(expr: &str) -> String {
    format!("({})", expr.trim())
}

/// `expr::type`, or `expr::text::type` through text (`through_text`).
pub fn cast(expr: &str, to: &TypeName, through_text: bool) -> String {
    if through_text {
        format!("{expr}::text::{}", format_type(to))
    } else {
        format!("{expr}::{}", format_type(to))
    }
}

/// `expr` evaluated over a row of `record` (`NEW`/`OLD`): a bare column is read directly, any
/// other expression through a one-row subquery exposing the row's columns under their names
/// (`renamed`: (column name in `expr`, field of the record) overrides).
pub fn row_expression(
    expr: &str,
    table: &QualifiedName,
    columns: &[String],
    record: &str,
    renamed: &[(String, String)],
) -> String {
    let trimmed = expr.trim();
    let of = |c: &str| {
        renamed
            .iter()
            .find(|(n, _)| n == c)
            .map_or(c.to_string(), |(_, f)| f.clone())
    };
    if let Some(c) = columns
        .iter()
        .chain(renamed.iter().map(|(n, _)| n))
        .find(|c| quote_ident(c) == trimmed)
    {
        return field(record, &of(c));
    }
    let mut names: Vec<&String> = columns.iter().collect();
    for (n, _) in renamed {
        if !names.contains(&n) {
            names.push(n);
        }
    }
    let fields = names
        .iter()
        .map(|c| format!("{} AS {}", field(record, &of(c)), quote_ident(c)))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "(SELECT {trimmed} FROM (SELECT {fields}) AS {})",
        quote_ident(&table.name)
    )
}

/// The body of a trigger that sets `column` to `value` on rows written without it.
pub fn fill_trigger_body(column: &str, value: &str) -> String {
    let c = quote_ident(column);
    format!(
        "BEGIN\n  IF NEW.{c} IS NULL THEN\n    NEW.{c} := {value};\n  END IF;\n  RETURN NEW;\nEND"
    )
}

/// The body of a trigger that keeps `old` and `new` equal: an INSERT fills whichever of the two
/// the writer left NULL, an UPDATE carries over the one that changed. `up_new` / `up_old`: the
/// new value from NEW / OLD; `down_new`: the old value from NEW (PL/pgSQL expressions).
pub fn sync_trigger_body(
    old: &str,
    new: &str,
    up_new: &str,
    down_new: &str,
    up_old: &str,
) -> String {
    let o = quote_ident(old);
    let n = quote_ident(new);
    format!(
        "BEGIN\n  IF TG_OP = 'INSERT' THEN\n    IF NEW.{n} IS NULL THEN\n      NEW.{n} := {up_new};\n    ELSE\n      NEW.{o} := {down_new};\n    END IF;\n  ELSIF NEW.{o} IS DISTINCT FROM OLD.{o} THEN\n    NEW.{n} := {up_new};\n  ELSIF NEW.{n} IS DISTINCT FROM OLD.{n} AND NEW.{n} IS DISTINCT FROM {up_old} THEN\n    NEW.{o} := {down_new};\n  END IF;\n  RETURN NEW;\nEND"
    )
}

/// One batch of a backfill: `UPDATE t SET c = value` on at most `limit` rows where `c` is NULL
/// (and `value` is not, when `value_may_be_null`; a `nextval` must not be called to filter rows),
/// and every condition of `extra_filter` (the runner rewrites the `LIMIT` to fit its time budget).
pub fn backfill_batch(
    table: &QualifiedName,
    column: &str,
    value: &str,
    value_may_be_null: bool,
    extra_filter: &[String],
    limit: u32,
) -> String {
    let c = quote_ident(column);
    let mut filter = vec![format!("{c} IS NULL")];
    if value_may_be_null {
        filter.push(format!("({value}) IS NOT NULL"));
    }
    filter.extend(extra_filter.iter().cloned());
    format!(
        "UPDATE {table} SET {c} = {value} WHERE ctid = ANY (ARRAY(SELECT ctid FROM {table} WHERE {} LIMIT {limit} FOR UPDATE))",
        filter.join(" AND ")
    )
}

#[cfg(test)]
mod tests {
    //! The spellings no fixture plan shows, as the ops wrote them before they moved here.
    use super::*;

    fn t() -> QualifiedName {
        QualifiedName::new("public", "Order")
    }

    #[test]
    fn drops() {
        assert_eq!(
            drop_view(&t(), true),
            "DROP MATERIALIZED VIEW public.\"Order\""
        );
        assert_eq!(drop_view(&t(), false), "DROP VIEW public.\"Order\"");
        assert_eq!(drop_object("domain", &t()), "DROP DOMAIN public.\"Order\"");
        assert_eq!(drop_extension("pg_trgm"), "DROP EXTENSION pg_trgm");
        assert_eq!(
            drop_policy(&t(), "Own"),
            "DROP POLICY \"Own\" ON public.\"Order\""
        );
        assert_eq!(
            drop_index_if_built(&t().sibling("i")),
            "DROP INDEX CONCURRENTLY IF EXISTS public.i"
        );
    }

    #[test]
    fn extensions_and_sequences() {
        assert_eq!(
            set_extension_schema("pg_trgm", "ext"),
            "ALTER EXTENSION pg_trgm SET SCHEMA ext"
        );
        assert_eq!(
            update_extension("pg_trgm", "1.6"),
            "ALTER EXTENSION pg_trgm UPDATE TO '1.6'"
        );
        assert_eq!(
            sequence_owner(&t(), None),
            "ALTER SEQUENCE public.\"Order\" OWNED BY NONE"
        );
        let owner = ColumnRef {
            table: t(),
            column: "Id".into(),
        };
        assert_eq!(
            sequence_owner(&t().sibling("s"), Some(&owner)),
            "ALTER SEQUENCE public.s OWNED BY public.\"Order\".\"Id\""
        );
    }

    #[test]
    fn identity() {
        let options = SequenceOptions {
            start: Some(5),
            increment: Some(2),
            min_value: None,
            max_value: Some(100),
            cache: Some(3),
            cycle: false,
        };
        let by_default = Identity {
            always: false,
            sequence: None,
            options: options.clone(),
        };
        assert_eq!(
            set_generated(&t(), "Id", &by_default),
            "ALTER TABLE public.\"Order\" ALTER COLUMN \"Id\" SET GENERATED BY DEFAULT"
        );
        assert_eq!(
            set_identity_options(&t(), "Id", &options),
            "ALTER TABLE public.\"Order\" ALTER COLUMN \"Id\" SET INCREMENT BY 2 SET START WITH 5 SET MAXVALUE 100 SET CACHE 3 SET NO CYCLE"
        );
        assert_eq!(
            drop_identity(&t(), "Id"),
            "ALTER TABLE public.\"Order\" ALTER COLUMN \"Id\" DROP IDENTITY"
        );
    }

    #[test]
    fn enums_triggers_and_security() {
        assert_eq!(
            add_enum_value(&t(), "new", Some("b"), Some("a")),
            "ALTER TYPE public.\"Order\" ADD VALUE IF NOT EXISTS 'new' BEFORE 'b'"
        );
        assert_eq!(
            disable_trigger(&t(), "Audit"),
            "ALTER TABLE public.\"Order\" DISABLE TRIGGER \"Audit\""
        );
        assert_eq!(
            row_level_security(&t(), false, true),
            [
                "ALTER TABLE public.\"Order\" DISABLE ROW LEVEL SECURITY",
                "ALTER TABLE public.\"Order\" FORCE ROW LEVEL SECURITY"
            ]
        );
        assert_eq!(
            create_or_replace("  create function f() returns int as $$ select 1 $$;"),
            "CREATE OR REPLACE function f() returns int as $$ select 1 $$"
        );
        assert_eq!(create_or_replace("DO nothing;"), "DO nothing");
    }
}
