//! Identifiers and qualified names, folded and quoted exactly as PostgreSQL does.

use std::fmt;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

/// PostgreSQL's NAMEDATALEN - 1: identifiers longer than this many bytes are truncated.
pub const MAX_IDENTIFIER_BYTES: usize = 63;

/// A schema-qualified object name, both parts already folded (unquoted → lower case,
/// quoted → kept as spelled, truncated to 63 bytes).
///
/// Serialises as its SQL spelling (`public."User"`), so it can key JSON objects.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct QualifiedName {
    pub schema: String,
    pub name: String,
}

impl QualifiedName {
    pub fn new(schema: impl Into<String>, name: impl Into<String>) -> Self {
        QualifiedName {
            schema: schema.into(),
            name: name.into(),
        }
    }

    /// `public.users` → the name in the default schema `public`.
    pub fn public(name: impl Into<String>) -> Self {
        QualifiedName::new("public", name)
    }

    /// Reads a name in SQL syntax: `users`, `public.users`, `public."User"`, `"my schema".t`.
    /// Unquoted parts fold to lower case; a name without a schema is in `public`.
    pub fn parse(text: &str) -> Result<QualifiedName, String> {
        let parts = split_qualified(text)?;
        match parts.as_slice() {
            [name] => Ok(QualifiedName::public(name.clone())),
            [schema, name] => Ok(QualifiedName::new(schema.clone(), name.clone())),
            _ => Err(format!("`{text}` is not a name of the form schema.name")),
        }
    }

    /// A derived name in the same schema (e.g. `users` → `users_pkey`).
    pub fn sibling(&self, name: impl Into<String>) -> Self {
        QualifiedName::new(self.schema.clone(), name)
    }
}

/// Prints as SQL: `public.users`, `public."User"` (what `format('%I.%I', ...)` prints).
impl fmt::Display for QualifiedName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_quoted_ident(f, &self.schema)?;
        f.write_char('.')?;
        write_quoted_ident(f, &self.name)
    }
}

impl Serialize for QualifiedName {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for QualifiedName {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        QualifiedName::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(feature = "tsify")]
#[wasm_bindgen::prelude::wasm_bindgen(typescript_custom_section)]
const QUALIFIED_NAME_TS: &str = r#"/** A schema-qualified name in SQL syntax: `public."User"`. */
export type QualifiedName = string;"#;

/// Splits `a."B".c` into folded parts, with quotes honoured (`""` inside quotes is one `"`).
pub fn split_qualified(text: &str) -> Result<Vec<String>, String> {
    let mut parts = Vec::new();
    let mut chars = text.trim().chars().peekable();
    loop {
        let mut part = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next() {
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        part.push('"');
                    }
                    Some('"') => break,
                    Some(c) => part.push(c),
                    None => return Err(format!("`{text}` has an unterminated quoted identifier")),
                }
            }
            if part.is_empty() {
                return Err(format!("`{text}` has an empty quoted identifier"));
            }
            parts.push(truncate_ident(part).0);
        } else {
            while let Some(&c) = chars.peek() {
                if c == '.' {
                    break;
                }
                if c == '"' || c.is_whitespace() {
                    return Err(format!("`{text}` is not a valid name (unexpected `{c}`)"));
                }
                part.push(c);
                chars.next();
            }
            if part.is_empty() {
                return Err(format!("`{text}` is not a valid name (an empty part)"));
            }
            parts.push(fold_ident(&part, false).0);
        }
        match chars.next() {
            None => return Ok(parts),
            Some('.') => continue,
            Some(c) => return Err(format!("`{text}` is not a valid name (unexpected `{c}`)")),
        }
    }
}

/// Words PostgreSQL quotes in `quote_ident` (reserved, type-function-name and column-name keywords).
/// Unreserved keywords are not quoted by PostgreSQL and are not listed.
const QUOTED_KEYWORDS: &[&str] = &[
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "between",
    "bigint",
    "binary",
    "bit",
    "boolean",
    "both",
    "case",
    "cast",
    "char",
    "character",
    "check",
    "coalesce",
    "collate",
    "collation",
    "column",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "dec",
    "decimal",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "exists",
    "extract",
    "false",
    "fetch",
    "float",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "greatest",
    "group",
    "grouping",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "inout",
    "int",
    "integer",
    "intersect",
    "interval",
    "into",
    "is",
    "isnull",
    "join",
    "json",
    "json_array",
    "json_arrayagg",
    "json_exists",
    "json_object",
    "json_objectagg",
    "json_query",
    "json_scalar",
    "json_serialize",
    "json_table",
    "json_value",
    "lateral",
    "leading",
    "least",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "merge_action",
    "national",
    "natural",
    "nchar",
    "none",
    "normalize",
    "not",
    "notnull",
    "null",
    "nullif",
    "numeric",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "out",
    "outer",
    "overlaps",
    "overlay",
    "placing",
    "position",
    "precision",
    "primary",
    "real",
    "references",
    "returning",
    "right",
    "row",
    "select",
    "session_user",
    "setof",
    "similar",
    "smallint",
    "some",
    "substring",
    "symmetric",
    "system_user",
    "table",
    "tablesample",
    "then",
    "time",
    "timestamp",
    "to",
    "trailing",
    "treat",
    "trim",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "values",
    "varchar",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
    "xmlattributes",
    "xmlconcat",
    "xmlelement",
    "xmlexists",
    "xmlforest",
    "xmlnamespaces",
    "xmlparse",
    "xmlpi",
    "xmlroot",
    "xmlserialize",
    "xmltable",
];

/// Quotes an identifier when PostgreSQL's `quote_ident` would.
pub fn quote_ident(ident: &str) -> String {
    let mut out = String::with_capacity(ident.len() + 2);
    // Writing to a String cannot fail.
    let _ = write_quoted_ident(&mut out, ident);
    out
}

/// Writes [`quote_ident`]'s text without building a string: names are printed (and serialised,
/// as object keys and fingerprinted JSON) hundreds of thousands of times while planning.
pub fn write_quoted_ident(out: &mut impl fmt::Write, ident: &str) -> fmt::Result {
    let bytes = ident.as_bytes();
    // Byte by byte: a non-ASCII character's bytes are all >= 0x80, so it is quoted, as a char is.
    let plain = matches!(bytes.first(), Some(b'a'..=b'z' | b'_'))
        && bytes
            .iter()
            .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_' | b'$'))
        && QUOTED_KEYWORDS.binary_search(&ident).is_err();
    if plain {
        return out.write_str(ident);
    }
    out.write_char('"')?;
    let mut rest = ident;
    while let Some(quote) = rest.find('"') {
        out.write_str(&rest[..=quote])?;
        out.write_char('"')?;
        rest = &rest[quote + 1..];
    }
    out.write_str(rest)?;
    out.write_char('"')
}

/// Folds an identifier as the PostgreSQL lexer does: unquoted → ASCII lower case; quoted → as spelled.
/// Returns the folded name and whether it had to be truncated to 63 bytes.
pub fn fold_ident(ident: &str, quoted: bool) -> (String, bool) {
    let folded = if quoted {
        ident.to_string()
    } else {
        ident.to_ascii_lowercase()
    };
    truncate_ident(folded)
}

/// Truncates to at most 63 bytes on a character boundary, as PostgreSQL does.
pub fn truncate_ident(mut ident: String) -> (String, bool) {
    if ident.len() <= MAX_IDENTIFIER_BYTES {
        return (ident, false);
    }
    let mut cut = MAX_IDENTIFIER_BYTES;
    while !ident.is_char_boundary(cut) {
        cut -= 1;
    }
    ident.truncate(cut);
    (ident, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyword_list_is_sorted_for_binary_search() {
        let mut sorted = QUOTED_KEYWORDS.to_vec();
        sorted.sort_unstable();
        assert_eq!(sorted, QUOTED_KEYWORDS);
    }

    #[test]
    fn quoting_follows_quote_ident() {
        assert_eq!(quote_ident("users"), "users");
        assert_eq!(quote_ident("User"), "\"User\"");
        assert_eq!(quote_ident("user"), "\"user\"");
        assert_eq!(quote_ident("1abc"), "\"1abc\"");
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(quote_ident("name"), "name");
        assert_eq!(QualifiedName::public("User").to_string(), "public.\"User\"");
        // Every quote doubled, at either end too; non-ASCII letters and `$` first are quoted.
        assert_eq!(quote_ident("\"a\"\"b\""), "\"\"\"a\"\"\"\"b\"\"\"");
        assert_eq!(quote_ident("café"), "\"café\"");
        assert_eq!(quote_ident("$a"), "\"$a\"");
        assert_eq!(quote_ident("a$1_"), "a$1_");
        assert_eq!(quote_ident(""), "\"\"");
        assert_eq!(
            QualifiedName::new("my schema", "t").to_string(),
            "\"my schema\".t"
        );
    }

    #[test]
    fn parsing_sql_names() {
        assert_eq!(
            QualifiedName::parse("Users").unwrap(),
            QualifiedName::public("users")
        );
        assert_eq!(
            QualifiedName::parse("public.\"User\"").unwrap(),
            QualifiedName::public("User")
        );
        assert_eq!(
            QualifiedName::parse("\"a.b\".\"x\"\"y\"").unwrap(),
            QualifiedName::new("a.b", "x\"y")
        );
        assert!(QualifiedName::parse("a.b.c").is_err());
        assert!(QualifiedName::parse("\"open").is_err());
        assert!(QualifiedName::parse("").is_err());
        assert!(QualifiedName::parse("a b").is_err());
        let n = QualifiedName::new("my schema", "Tbl");
        assert_eq!(QualifiedName::parse(&n.to_string()).unwrap(), n);
        let json = serde_json::to_string(&n).unwrap();
        assert_eq!(json, r#""\"my schema\".\"Tbl\"""#);
        assert_eq!(serde_json::from_str::<QualifiedName>(&json).unwrap(), n);
    }

    #[test]
    fn folding_and_truncation() {
        assert_eq!(fold_ident("Users", false), ("users".into(), false));
        assert_eq!(fold_ident("Users", true), ("Users".into(), false));
        let long = "a".repeat(70);
        assert_eq!(fold_ident(&long, false).0.len(), 63);
        let multibyte = "é".repeat(40); // 80 bytes
        let (t, truncated) = fold_ident(&multibyte, true);
        assert!(truncated);
        assert_eq!(t.len(), 62);
    }
}
