//! How a PostgreSQL 15 statement may begin: its commands, and the kinds of object that CREATE,
//! ALTER, DROP and COMMENT ON name. A statement that no recognizer claims is checked here: one
//! that begins as PostgreSQL's grammar allows is recorded as ignored (with the reason) or kept
//! opaque; anything else is an error at the word that is not PostgreSQL's. The lists are those of
//! the PostgreSQL 15 manual's "SQL Commands" part, so the check accepts every statement
//! PostgreSQL knows, whatever sqlparser's grammar covers, and names the word it does not know.

use super::cursor::{Cursor, ParseError};
use super::lexer::TokenKind;
use super::split::RawStatement;

/// The words a PostgreSQL 15 statement begins with (`(` and psql meta-commands aside).
const COMMANDS: &[&str] = &[
    "abort",
    "alter",
    "analyse",
    "analyze",
    "begin",
    "call",
    "checkpoint",
    "close",
    "cluster",
    "comment",
    "commit",
    "copy",
    "create",
    "deallocate",
    "declare",
    "delete",
    "discard",
    "do",
    "drop",
    "end",
    "execute",
    "explain",
    "fetch",
    "grant",
    "import",
    "insert",
    "listen",
    "load",
    "lock",
    "merge",
    "move",
    "notify",
    "prepare",
    "reassign",
    "refresh",
    "reindex",
    "release",
    "reset",
    "revoke",
    "rollback",
    "savepoint",
    "security",
    "select",
    "set",
    "show",
    "start",
    "table",
    "truncate",
    "unlisten",
    "update",
    "vacuum",
    "values",
    "with",
];

/// The kinds of object CREATE, ALTER, DROP and COMMENT ON name besides [`OPAQUE_KINDS`] (the
/// union: ALTER SYSTEM, DROP OWNED and the like are read as kinds too). Longer spellings first
/// where one begins another.
const OBJECT_KINDS: &[&[&str]] = &[
    &["aggregate"],
    &["column"],
    &["constraint", "trigger"],
    &["constraint"],
    &["default", "privileges"],
    &["domain"],
    &["extension"],
    &["function"],
    &["global", "temporary"],
    &["index"],
    &["large", "object"],
    &["local", "temporary"],
    &["materialized", "view"],
    &["or", "replace"],
    &["owned"],
    &["policy"],
    &["procedure"],
    &["recursive", "view"],
    &["routine"],
    &["schema"],
    &["sequence"],
    &["system"],
    &["table"],
    &["temp"],
    &["temporary"],
    &["text", "search"],
    &["trigger"],
    &["trusted"],
    &["type"],
    &["unique", "index"],
    &["unlogged"],
    &["view"],
];

/// The kinds of object the model keeps as opaque statements (CREATE ... kept as written, DROP ...
/// removing what the CREATE kept), and the cluster-wide kinds that are not part of a schema.
/// Longer spellings first where one begins another.
const OPAQUE_KINDS: &[&[&str]] = &[
    &["event", "trigger"],
    &["publication"],
    &["subscription"],
    &["cast"],
    &["rule"],
    &["language"],
    &["trusted", "language"],
    &["procedural", "language"],
    &["trusted", "procedural", "language"],
    &["operator", "class"],
    &["operator", "family"],
    &["operator"],
    &["collation"],
    &["conversion"],
    &["default", "conversion"],
    &["foreign", "data", "wrapper"],
    &["foreign", "table"],
    &["server"],
    &["statistics"],
    &["text", "search", "configuration"],
    &["text", "search", "dictionary"],
    &["text", "search", "parser"],
    &["text", "search", "template"],
    &["transform"],
    &["access", "method"],
    &["user", "mapping"],
    &["tablespace"],
    &["role"],
    &["user"],
    &["group"],
    &["database"],
];

/// The opaque kind written at `c`, with the cursor moved past its words.
pub(crate) fn opaque_kind(c: &mut Cursor<'_>) -> Option<&'static [&'static str]> {
    let kind = OPAQUE_KINDS.iter().copied().find(|kind| c.is_kws(kind))?;
    c.i += kind.len();
    Some(kind)
}

/// Whether objects of this opaque kind live in a schema (and are named `schema.name`).
pub(crate) fn in_schema(kind: &[&str]) -> bool {
    matches!(
        kind,
        ["operator", "class" | "family"]
            | ["collation"]
            | ["conversion"]
            | ["default", "conversion"]
            | ["foreign", "table"]
            | ["statistics"]
            | ["text", "search", _]
    )
}

/// What an opaque object of `kind` is called in the model (`event trigger`, `language` for
/// `TRUSTED PROCEDURAL LANGUAGE`).
pub(crate) fn kind_text(kind: &[&str]) -> String {
    kind.iter()
        .filter(|w| !matches!(**w, "trusted" | "procedural"))
        .copied()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether the statement begins as a PostgreSQL statement does: a command word, for CREATE,
/// ALTER, DROP and COMMENT ON a kind of object, and parentheses that pair up. The error names the
/// first word or parenthesis that does not fit.
pub(crate) fn check(src: &str, raw: &RawStatement) -> Result<(), ParseError> {
    let mut c = Cursor::new(src, &raw.tokens, raw.end, raw.standard_conforming_strings);
    let error = |c: &Cursor<'_>, message: String| ParseError {
        offset: c.offset(),
        message,
    };
    match c.peek() {
        Some(t) if t.kind == TokenKind::LParen => {}
        Some(t) if t.kind == TokenKind::Word => {
            let command = c.text(t).to_ascii_lowercase();
            if !COMMANDS.contains(&command.as_str()) {
                return Err(error(
                    &c,
                    format!(
                        "{} does not begin a PostgreSQL statement",
                        c.describe_next()
                    ),
                ));
            }
            c.i += 1;
            let names_a_kind = match command.as_str() {
                "create" | "alter" | "drop" => true,
                "comment" => c.eat_kws(&["on"]),
                _ => false,
            };
            let is_kind = |kinds: &[&[&str]]| kinds.iter().any(|kind| c.is_kws(kind));
            if names_a_kind && !is_kind(OBJECT_KINDS) && !is_kind(OPAQUE_KINDS) {
                return Err(error(
                    &c,
                    format!(
                        "{} is not a kind of object {} takes",
                        c.describe_next(),
                        command.to_ascii_uppercase()
                    ),
                ));
            }
        }
        _ => {
            return Err(error(
                &c,
                format!(
                    "{} does not begin a PostgreSQL statement",
                    c.describe_next()
                ),
            ));
        }
    }
    parentheses_pair_up(&c)
}

/// Every `(` of the statement closed by a `)`, and no `)` without its `(`.
fn parentheses_pair_up(c: &Cursor<'_>) -> Result<(), ParseError> {
    let mut open = Vec::new();
    for t in c.toks {
        match t.kind {
            TokenKind::LParen => open.push(t),
            TokenKind::RParen if open.pop().is_none() => {
                return Err(ParseError {
                    offset: t.start,
                    message: "`)` without its `(`".into(),
                });
            }
            _ => {}
        }
    }
    match open.pop() {
        Some(t) => Err(ParseError {
            offset: t.start,
            message: "`(` is not closed".into(),
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::split::split;

    /// The check's message for each statement of `sql` ("ok" when it passes).
    fn check_all(sql: &str) -> Vec<String> {
        let (statements, errors) = split(sql);
        assert!(errors.is_empty());
        statements
            .iter()
            .map(|raw| match check(sql, raw) {
                Ok(()) => "ok".to_string(),
                Err(e) => format!("{} at {}", e.message, e.offset),
            })
            .collect()
    }

    #[test]
    fn statements_postgresql_knows_pass() {
        let sql = "CALL p(1); IMPORT FOREIGN SCHEMA s FROM SERVER x INTO t; \
                   ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO r; DROP OWNED BY r; \
                   ALTER SYSTEM SET work_mem = '1MB'; COMMENT ON LARGE OBJECT 1 IS 'x'; \
                   (SELECT 1); REASSIGN OWNED BY a TO b; CREATE ACCESS METHOD m TYPE TABLE HANDLER h;";
        assert_eq!(check_all(sql), vec!["ok"; 9]);
    }

    #[test]
    fn the_error_names_the_word_postgresql_does_not_know() {
        let sql = "CREAT TABLE t (a int);\nALTER TABEL t ADD b int;\nDROP TABLES t;\nCOMMENT ON TABEL t IS 'x';";
        assert_eq!(
            check_all(sql),
            vec![
                "`CREAT` does not begin a PostgreSQL statement at 0",
                "`TABEL` is not a kind of object ALTER takes at 29",
                "`TABLES` is not a kind of object DROP takes at 53",
                "`TABEL` is not a kind of object COMMENT takes at 74",
            ]
        );
    }

    #[test]
    fn parentheses_must_pair_up() {
        let sql = "ALTER TABLE t ADD CHECK ((a > 0);\nSELECT 1);";
        assert_eq!(
            check_all(sql),
            vec!["`(` is not closed at 24", "`)` without its `(` at 42"]
        );
    }
}
