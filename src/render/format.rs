//! Model objects as PostgreSQL's catalog functions print them, with `search_path = public`
//! (what ../shared/tools/pg-catalog-snapshot.sql sees): `format_type`, `pg_get_constraintdef`,
//! `pg_get_indexdef`, `pg_get_triggerdef`-style text.
//!
//! Names in the `public` schema print unqualified, as PostgreSQL prints a visible object; other
//! schemas are qualified. `pg_get_indexdef` always qualifies the table.

use crate::model::{
    BaseType, Constraint, ConstraintKind, Index, IndexKey, IndexKeyExpr, QualifiedName,
    ReferentialAction, TypeModifier, TypeName, quote_ident,
};

/// A relation, type or function name as PostgreSQL prints it with `search_path = public`.
pub fn visible_name(name: &QualifiedName) -> String {
    if name.schema == "public" || name.schema == "pg_catalog" {
        quote_ident(&name.name)
    } else {
        name.to_string()
    }
}

/// `format_type(atttypid, atttypmod)`.
pub fn format_type(t: &TypeName) -> String {
    let mut out = match &t.base {
        BaseType::Builtin(base) => {
            let mods = join_modifiers(&t.modifiers);
            if let Some(rest) = base.strip_prefix("timestamp ") {
                if mods.is_empty() {
                    base.clone()
                } else {
                    format!("timestamp{mods} {rest}")
                }
            } else if let Some(rest) = base.strip_prefix("time ") {
                if mods.is_empty() {
                    base.clone()
                } else {
                    format!("time{mods} {rest}")
                }
            } else {
                format!("{base}{mods}")
            }
        }
        BaseType::User(name) => format!("{}{}", visible_name(name), join_modifiers(&t.modifiers)),
    };
    if t.array_dimensions > 0 {
        out.push_str("[]");
    }
    out
}

/// The type as a cast prints it in an expression (`'x'::character varying`: no length modifier).
pub fn format_type_for_cast(t: &TypeName) -> String {
    let bare = TypeName {
        base: t.base.clone(),
        modifiers: Vec::new(),
        array_dimensions: t.array_dimensions,
    };
    match &t.base {
        BaseType::Builtin(b) if b == "character" => {
            if t.array_dimensions > 0 {
                "bpchar[]".into()
            } else {
                "bpchar".into()
            }
        }
        BaseType::Builtin(b) if b == "bit" => {
            format!("\"bit\"{}", if t.array_dimensions > 0 { "[]" } else { "" })
        }
        _ => format_type(&bare),
    }
}

fn join_modifiers(m: &[TypeModifier]) -> String {
    if m.is_empty() {
        return String::new();
    }
    let parts: Vec<String> = m.iter().map(|v| v.to_string()).collect();
    format!("({})", parts.join(","))
}

fn ident_list(cols: &[String]) -> String {
    cols.iter()
        .map(|c| quote_ident(c))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn referential_action(a: ReferentialAction) -> &'static str {
    match a {
        ReferentialAction::NoAction => "NO ACTION",
        ReferentialAction::Restrict => "RESTRICT",
        ReferentialAction::Cascade => "CASCADE",
        ReferentialAction::SetNull => "SET NULL",
        ReferentialAction::SetDefault => "SET DEFAULT",
    }
}

/// `pg_get_constraintdef(oid)`: `PRIMARY KEY (id)`, `FOREIGN KEY (a) REFERENCES t(id) ON DELETE CASCADE`,
/// without the index's storage parameters and tablespace (which the catalog function leaves out).
pub fn constraint_catalog_def(c: &Constraint) -> String {
    if c.index_options.is_empty() && c.index_tablespace.is_none() {
        constraint_def(c)
    } else {
        let bare = Constraint {
            index_options: Vec::new(),
            index_tablespace: None,
            ..c.clone()
        };
        constraint_def(&bare)
    }
}

/// The constraint as DDL writes it (pg_dump's `pg_get_constraintdef` in full-command form): the
/// catalog text plus `WITH (...)` storage parameters of a primary key's or unique constraint's
/// index.
pub fn constraint_def(c: &Constraint) -> String {
    let mut with = if c.index_options.is_empty() {
        String::new()
    } else {
        format!(" WITH ({})", reloptions(&c.index_options))
    };
    if let Some(ts) = &c.index_tablespace {
        with.push_str(&format!(" USING INDEX TABLESPACE {}", quote_ident(ts)));
    }
    let mut out = match &c.kind {
        ConstraintKind::PrimaryKey { columns, include } => {
            let mut s = format!("PRIMARY KEY ({})", ident_list(columns));
            if !include.is_empty() {
                s.push_str(&format!(" INCLUDE ({})", ident_list(include)));
            }
            s.push_str(&with);
            s
        }
        ConstraintKind::Unique {
            columns,
            include,
            nulls_not_distinct,
        } => {
            let mut s = String::from("UNIQUE ");
            if *nulls_not_distinct {
                s.push_str("NULLS NOT DISTINCT ");
            }
            s.push_str(&format!("({})", ident_list(columns)));
            if !include.is_empty() {
                s.push_str(&format!(" INCLUDE ({})", ident_list(include)));
            }
            s.push_str(&with);
            s
        }
        ConstraintKind::ForeignKey {
            columns,
            references,
            referenced_columns,
            on_delete,
            on_update,
            match_full,
        } => {
            let mut s = format!(
                "FOREIGN KEY ({}) REFERENCES {}({})",
                ident_list(columns),
                visible_name(references),
                ident_list(referenced_columns)
            );
            if *match_full {
                s.push_str(" MATCH FULL");
            }
            if *on_update != ReferentialAction::NoAction {
                s.push_str(" ON UPDATE ");
                s.push_str(referential_action(*on_update));
            }
            if *on_delete != ReferentialAction::NoAction {
                s.push_str(" ON DELETE ");
                s.push_str(referential_action(*on_delete));
            }
            s
        }
        ConstraintKind::Check {
            expression,
            no_inherit,
        } => {
            let mut s = format!("CHECK ({expression})");
            if *no_inherit {
                s.push_str(" NO INHERIT");
            }
            s
        }
        ConstraintKind::Exclude { definition } => match &c.index_tablespace {
            // The tablespace goes before the WHERE clause (gram.y's order).
            Some(_) => match definition.rfind(" WHERE (") {
                Some(at) => format!("{}{with}{}", &definition[..at], &definition[at..]),
                None => format!("{definition}{with}"),
            },
            None => definition.clone(),
        },
    };
    if c.deferrable {
        out.push_str(" DEFERRABLE");
    }
    if c.initially_deferred {
        out.push_str(" INITIALLY DEFERRED");
    }
    if c.not_valid {
        out.push_str(" NOT VALID");
    }
    out
}

/// One index key as pg_get_indexdef prints it.
pub fn index_key(k: &IndexKey) -> String {
    let mut s = match &k.expression {
        IndexKeyExpr::Column(c) => quote_ident(c),
        IndexKeyExpr::Expression(e) => e.clone(),
    };
    if let Some(coll) = &k.collation {
        s.push_str(" COLLATE ");
        s.push_str(coll);
    }
    if let Some(op) = &k.opclass {
        s.push(' ');
        s.push_str(op);
    }
    if k.descending {
        s.push_str(" DESC");
    }
    match k.nulls_first {
        Some(true) => s.push_str(" NULLS FIRST"),
        Some(false) => s.push_str(" NULLS LAST"),
        None => {}
    }
    s
}

/// `pg_get_indexdef(indexrelid)` for an index on `table` (which leaves the tablespace out).
pub fn index_def(table: &QualifiedName, index: &Index) -> String {
    index_statement(table, index, false)
}

/// [`index_def`], with `TABLESPACE x` after `WITH (...)` when `with_tablespace` (gram.y's order:
/// before the WHERE clause).
pub fn index_statement(table: &QualifiedName, index: &Index, with_tablespace: bool) -> String {
    let keys: Vec<String> = index.keys.iter().map(index_key).collect();
    let mut s = format!(
        "CREATE {}INDEX {} ON {}{} USING {} ({})",
        if index.unique { "UNIQUE " } else { "" },
        quote_ident(&index.name),
        if index.only { "ONLY " } else { "" },
        table,
        index.method,
        keys.join(", ")
    );
    if !index.include.is_empty() {
        s.push_str(&format!(" INCLUDE ({})", ident_list(&index.include)));
    }
    if index.nulls_not_distinct {
        s.push_str(" NULLS NOT DISTINCT");
    }
    if !index.options.is_empty() {
        s.push_str(&format!(" WITH ({})", reloptions(&index.options)));
    }
    if let (true, Some(ts)) = (with_tablespace, &index.tablespace) {
        s.push_str(&format!(" TABLESPACE {}", quote_ident(ts)));
    }
    if let Some(p) = &index.predicate {
        s.push_str(&format!(" WHERE {p}"));
    }
    s
}

/// The index PostgreSQL builds for a primary key, unique or exclusion constraint, as
/// pg_get_indexdef prints it; None for other kinds.
pub fn constraint_index_def(
    table: &QualifiedName,
    partitioned: bool,
    c: &Constraint,
) -> Option<String> {
    let on = if partitioned {
        format!("ONLY {table}")
    } else {
        table.to_string()
    };
    let table = &on;
    match &c.kind {
        ConstraintKind::PrimaryKey { columns, include }
        | ConstraintKind::Unique {
            columns, include, ..
        } => {
            let mut s = format!(
                "CREATE UNIQUE INDEX {} ON {} USING btree ({})",
                quote_ident(&c.name),
                table,
                ident_list(columns)
            );
            if !include.is_empty() {
                s.push_str(&format!(" INCLUDE ({})", ident_list(include)));
            }
            if let ConstraintKind::Unique {
                nulls_not_distinct: true,
                ..
            } = &c.kind
            {
                s.push_str(" NULLS NOT DISTINCT");
            }
            if !c.index_options.is_empty() {
                s.push_str(&format!(" WITH ({})", reloptions(&c.index_options)));
            }
            Some(s)
        }
        ConstraintKind::Exclude { definition } => {
            // EXCLUDE USING gist (room WITH =, during WITH &&) [INCLUDE (..)] [WHERE (..)]
            let rest = definition.strip_prefix("EXCLUDE ")?;
            let (method, rest) = match rest.strip_prefix("USING ") {
                Some(r) => {
                    let end = r.find(' ').unwrap_or(r.len());
                    (&r[..end], r.get(end..).unwrap_or("").trim_start())
                }
                None => ("btree", rest),
            };
            let close = matching_paren(rest)?;
            let inner = rest.get(1..close)?;
            let keys: Vec<String> = split_top_level(inner, ',')
                .into_iter()
                .map(|k| match k.rfind(" WITH ") {
                    Some(p) => k[..p].trim().to_string(),
                    None => k.trim().to_string(),
                })
                .collect();
            let tail = rest.get(close + 1..).unwrap_or("");
            Some(format!(
                "CREATE INDEX {} ON {} USING {} ({}){}",
                quote_ident(&c.name),
                table,
                method,
                keys.join(", "),
                tail
            ))
        }
        _ => None,
    }
}

/// Storage parameters as flatten_reloptions prints them: `fillfactor='90'` (a value that is not a
/// plain identifier is quoted).
pub fn reloptions(options: &[String]) -> String {
    options
        .iter()
        .map(|o| match o.split_once('=') {
            Some((k, v)) if quote_ident(v) == v => format!("{k}={v}"),
            Some((k, v)) => format!("{k}='{}'", v.replace('\'', "''")),
            None => o.clone(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Index of the `)` matching the `(` at position 0, skipping quoted text.
pub fn matching_paren(s: &str) -> Option<usize> {
    let mut depth = 0i32;
    let mut quote: Option<u8> = None;
    for (i, b) in s.bytes().enumerate() {
        match quote {
            Some(q) => {
                if b == q {
                    quote = None;
                }
            }
            None => match b {
                b'\'' | b'"' => quote = Some(b),
                b'(' => depth += 1,
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(i);
                    }
                }
                _ => {}
            },
        }
    }
    None
}

/// Splits at `sep` outside parentheses, brackets and quotes.
pub fn split_top_level(s: &str, sep: char) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    let mut cur = String::new();
    for ch in s.chars() {
        match quote {
            Some(q) => {
                if ch == q {
                    quote = None;
                }
                cur.push(ch);
            }
            None => match ch {
                '\'' | '"' => {
                    quote = Some(ch);
                    cur.push(ch);
                }
                '(' | '[' => {
                    depth += 1;
                    cur.push(ch);
                }
                ')' | ']' => {
                    depth -= 1;
                    cur.push(ch);
                }
                c if c == sep && depth == 0 => out.push(std::mem::take(&mut cur)),
                c => cur.push(c),
            },
        }
    }
    if !cur.trim().is_empty() || !out.is_empty() {
        out.push(cur);
    }
    out
}
