//! Expression text, canonical as PostgreSQL prints it back with `search_path = public`.
//!
//! Dump input is already PostgreSQL's deparse: its text is kept, only `public.` qualifications are
//! dropped (they print unqualified with `search_path = public`). Hand-written input gets the common
//! normalisations: one space between tokens, identifiers folded and quoted as `quote_ident` does,
//! keywords in the case ruleutils prints, type aliases in casts (`::int` → `::integer`),
//! `nextval('s')` → `nextval('s'::regclass)`, and literal defaults cast to the column's type.

use super::cursor::Cursor;
use super::lexer::{TokenKind, string_value};
use super::types::parse_type;
use crate::model::{TypeName, fold_ident, quote_ident};
use crate::render::format::{format_type, format_type_for_cast};

/// Words ruleutils prints in upper case (all reserved, so never bare column names).
const UPPER_WORDS: &[&str] = &[
    "all", "and", "any", "array", "between", "case", "coalesce", "collate", "current_catalog",
    "current_date", "current_role", "current_schema", "current_time", "current_timestamp",
    "current_user", "distinct", "else", "end", "exists", "extract", "from", "greatest", "ilike", "in",
    "is", "least", "like", "localtime", "localtimestamp", "not", "null", "nullif", "or", "overlaps",
    "row", "session_user", "similar", "some", "symmetric", "then", "when",
];

/// Canonical text of the tokens `[a, b)` of the cursor's statement.
pub fn expr_text(c: &Cursor<'_>, a: usize, b: usize, domain: bool) -> String {
    let mut out = String::new();
    let mut k = a;
    let mut prev_end: Option<usize> = None;
    let b = b.min(c.toks.len());
    while k < b {
        let t = c.toks[k];
        // `public.x` → `x`.
        if is_public(c, k) && k + 2 < b && c.toks[k + 1].kind == TokenKind::Dot
            && matches!(c.toks[k + 2].kind, TokenKind::Word | TokenKind::QuotedIdent)
        {
            push_gap(&mut out, c, prev_end, t.start, TokenKind::Word);
            out.push_str(&word_text(c, k + 2, domain));
            prev_end = Some(c.toks[k + 2].end);
            k += 3;
            continue;
        }
        push_gap(&mut out, c, prev_end, t.start, t.kind);
        match t.kind {
            TokenKind::Operator if c.text(&t) == "::" => {
                out.push_str("::");
                // The type that follows, canonical.
                let mut sub = Cursor::new(c.src, &c.toks[..b], c.end, c.standard_conforming_strings);
                sub.i = k + 1;
                match parse_type(&mut sub, "public") {
                    Ok((ty, _)) if sub.i > k + 1 => {
                        out.push_str(&format_type(&ty));
                        prev_end = Some(c.toks[sub.i - 1].end);
                        k = sub.i;
                        continue;
                    }
                    _ => {}
                }
            }
            TokenKind::String => {
                let text = c.text(&t);
                let casts_to_regclass = k + 2 < b
                    && c.text(&c.toks[k + 1]) == "::"
                    && c.toks[k + 2].kind == TokenKind::Word
                    && c.text(&c.toks[k + 2]).eq_ignore_ascii_case("regclass");
                let nextval_arg = k >= 2
                    && c.toks[k - 1].kind == TokenKind::LParen
                    && c.toks[k - 2].kind == TokenKind::Word
                    && c.text(&c.toks[k - 2]).eq_ignore_ascii_case("nextval")
                    && c.toks.get(k + 1).is_some_and(|n| n.kind == TokenKind::RParen);
                if casts_to_regclass || nextval_arg {
                    let value = string_value(text, c.standard_conforming_strings);
                    out.push_str(&regclass_literal(&value));
                    if nextval_arg {
                        out.push_str("::regclass");
                    }
                } else {
                    out.push_str(text);
                }
            }
            TokenKind::Word | TokenKind::QuotedIdent => out.push_str(&word_text(c, k, domain)),
            _ => out.push_str(c.text(&t)),
        }
        prev_end = Some(t.end);
        k += 1;
    }
    out
}

fn is_public(c: &Cursor<'_>, k: usize) -> bool {
    let t = c.toks[k];
    match t.kind {
        TokenKind::Word => c.text(&t).eq_ignore_ascii_case("public"),
        TokenKind::QuotedIdent => c.text(&t) == "\"public\"",
        _ => false,
    }
}

fn push_gap(out: &mut String, c: &Cursor<'_>, prev_end: Option<usize>, start: usize, kind: TokenKind) {
    let Some(p) = prev_end else { return };
    if p >= start {
        return;
    }
    // A line break in the source is kept as written: PostgreSQL's own deparse of CASE spans
    // lines (pg_get_indexdef), and dump text is that deparse.
    if let Some(gap) = c.src.get(p..start) {
        if gap.contains('\n') && gap.chars().all(char::is_whitespace) {
            out.push_str(gap);
            return;
        }
    }
    if out.ends_with('(') || out.ends_with('[') || out.ends_with("::") || out.is_empty() {
        return;
    }
    if matches!(kind, TokenKind::RParen | TokenKind::RBracket | TokenKind::Comma) {
        return;
    }
    let _ = c;
    out.push(' ');
}

/// A word or quoted identifier, in the case and quoting ruleutils prints.
fn word_text(c: &Cursor<'_>, k: usize, domain: bool) -> String {
    let t = c.toks[k];
    let text = c.text(&t);
    if t.kind == TokenKind::QuotedIdent {
        let inner = text.get(1..text.len().saturating_sub(1)).unwrap_or("").replace("\"\"", "\"");
        if inner.is_empty() || text.starts_with("U&") {
            return text.to_string();
        }
        return quote_ident(&fold_ident(&inner, true).0);
    }
    let lower = text.to_ascii_lowercase();
    if UPPER_WORDS.binary_search(&lower.as_str()).is_ok() {
        return lower.to_ascii_uppercase();
    }
    if domain && lower == "value" {
        return "VALUE".to_string();
    }
    fold_ident(text, false).0
}

/// `'public.users_id_seq'` → `'users_id_seq'`; `'"Users_id_seq"'` kept; a mixed-case name in
/// hand-written input (`'Users_id_seq'`) folds as regclass input does.
fn regclass_literal(value: &str) -> String {
    let parts = match crate::model::split_qualified(value) {
        Ok(p) => p,
        Err(_) => return format!("'{}'", value.replace('\'', "''")),
    };
    let printed = match parts.as_slice() {
        [schema, name] if schema == "public" => quote_ident(name),
        [schema, name] => format!("{}.{}", quote_ident(schema), quote_ident(name)),
        [name] => quote_ident(name),
        _ => value.to_string(),
    };
    format!("'{}'", printed.replace('\'', "''"))
}

/// Is the expression one unit that PostgreSQL prints without added parentheses (a column, a
/// constant, a function call, a parenthesised group, a cast of one of those)?
pub fn is_atomic(c: &Cursor<'_>, a: usize, b: usize) -> bool {
    if a >= b {
        return true;
    }
    // Skip a trailing `::type` chain: check the head only.
    let mut k = a;
    let kind = c.kind_at_index(k);
    match kind {
        Some(TokenKind::LParen) => {
            k = match_close(c, k, b);
        }
        Some(TokenKind::Word) | Some(TokenKind::QuotedIdent) => {
            // Qualified name parts, then an optional call.
            k += 1;
            while k + 1 < b && c.kind_at_index(k) == Some(TokenKind::Dot) {
                k += 2;
            }
            if c.kind_at_index(k) == Some(TokenKind::LParen) && k < b {
                k = match_close(c, k, b);
            }
        }
        Some(TokenKind::String) | Some(TokenKind::Number) | Some(TokenKind::DollarString) => k += 1,
        _ => return false,
    }
    while k < b {
        let t = c.toks[k];
        if t.kind == TokenKind::Operator && c.text(&t) == "::" {
            // The type: words, dots, (mods), [].
            k += 1;
            while k < b
                && matches!(
                    c.kind_at_index(k),
                    Some(TokenKind::Word | TokenKind::QuotedIdent | TokenKind::Dot | TokenKind::LBracket | TokenKind::RBracket | TokenKind::Number)
                )
            {
                k += 1;
            }
            if c.kind_at_index(k) == Some(TokenKind::LParen) {
                k = match_close(c, k, b);
            }
            continue;
        }
        return false;
    }
    true
}

/// Index after the `)` matching the `(` at `k`.
fn match_close(c: &Cursor<'_>, k: usize, b: usize) -> usize {
    let mut depth = 0i32;
    let mut i = k;
    while i < b {
        match c.kind_at_index(i) {
            Some(TokenKind::LParen) | Some(TokenKind::LBracket) => depth += 1,
            Some(TokenKind::RParen) | Some(TokenKind::RBracket) => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    b
}

/// A boolean expression as pg_get_constraintdef prints it inside `CHECK (...)`: parenthesised
/// unless it is one unit.
pub fn condition_text(c: &Cursor<'_>, a: usize, b: usize, domain: bool) -> String {
    let text = expr_text(c, a, b, domain);
    if is_atomic(c, a, b) { text } else { format!("({text})") }
}

/// A column default as pg_get_expr prints it: a bare literal gets the column type's cast
/// (`'x'` → `'x'::text`, `-1` → `'-1'::integer`); `NULL` is no default at all.
pub fn default_text(c: &Cursor<'_>, a: usize, b: usize, column_type: &TypeName) -> Option<String> {
    let n = b.saturating_sub(a);
    if n == 1 {
        let t = c.toks[a];
        match t.kind {
            TokenKind::String => {
                let text = expr_text(c, a, b, false);
                return Some(format!("{text}::{}", format_type_for_cast(column_type)));
            }
            TokenKind::Number => {
                let text = c.text(&t);
                if let Ok(v) = text.parse::<i64>() {
                    if i32::try_from(v).is_err() {
                        return Some(format!("'{v}'::bigint"));
                    }
                }
                return Some(text.to_string());
            }
            TokenKind::Word if c.text(&t).eq_ignore_ascii_case("null") => return None,
            _ => {}
        }
    }
    if n == 2 && c.text(&c.toks[a]) == "-" && c.toks[a + 1].kind == TokenKind::Number {
        let text = c.text(&c.toks[a + 1]);
        let cast = match text.parse::<i64>() {
            Ok(v) if i32::try_from(-v).is_ok() => "integer",
            Ok(_) => "bigint",
            Err(_) => "numeric",
        };
        return Some(format!("'-{text}'::{cast}"));
    }
    let text = expr_text(c, a, b, false);
    if text == "NULL" || (text.starts_with("NULL::") && !text.contains(' ')) {
        return None;
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::BaseType;
    use crate::parse::lexer::Lexer;

    fn with_tokens<R>(src: &str, f: impl FnOnce(&Cursor<'_>, usize) -> R) -> R {
        let mut lx = Lexer::new(src);
        let mut toks = Vec::new();
        while let Some(t) = lx.next_token() {
            toks.push(t);
        }
        let c = Cursor::new(src, &toks, src.len(), true);
        f(&c, toks.len())
    }

    #[test]
    fn upper_words_sorted() {
        let mut s = UPPER_WORDS.to_vec();
        s.sort_unstable();
        assert_eq!(s, UPPER_WORDS);
    }

    #[test]
    fn dump_text_is_kept_without_public() {
        for (i, o) in [
            ("nextval('public.bans_id_seq'::regclass)", "nextval('bans_id_seq'::regclass)"),
            ("'G'::public.mpaa_rating", "'G'::mpaa_rating"),
            ("((amount >= (0)::numeric))", "((amount >= (0)::numeric))"),
            ("lower((name)::text)", "lower((name)::text)"),
            ("(VALUE >= 1901)", "(VALUE >= 1901)"),
            ("ARRAY['a'::text, 'b'::text]", "ARRAY['a'::text, 'b'::text]"),
            ("'{}'::character varying[]", "'{}'::character varying[]"),
            ("now()", "now()"),
        ] {
            assert_eq!(with_tokens(i, |c, n| expr_text(c, 0, n, true)), o);
        }
    }

    #[test]
    fn hand_written_text_is_normalised() {
        for (i, o) in [
            ("NOW()", "now()"),
            ("current_timestamp", "CURRENT_TIMESTAMP"),
            ("nextval( 'Users_id_seq' )", "nextval('users_id_seq'::regclass)"),
            ("x::int", "x::integer"),
            ("\"name\" IS  NOT null", "name IS NOT NULL"),
        ] {
            assert_eq!(with_tokens(i, |c, n| expr_text(c, 0, n, false)), o);
        }
    }

    #[test]
    fn literal_defaults_get_the_column_cast() {
        let text = TypeName { base: BaseType::Builtin("text".into()), modifiers: vec![], array_dimensions: 0 };
        let vc = TypeName { base: BaseType::Builtin("character varying".into()), modifiers: vec![10], array_dimensions: 0 };
        assert_eq!(with_tokens("'x'", |c, n| default_text(c, 0, n, &text)), Some("'x'::text".into()));
        assert_eq!(with_tokens("'x'", |c, n| default_text(c, 0, n, &vc)), Some("'x'::character varying".into()));
        assert_eq!(with_tokens("-1", |c, n| default_text(c, 0, n, &text)), Some("'-1'::integer".into()));
        assert_eq!(with_tokens("NULL", |c, n| default_text(c, 0, n, &text)), None);
        assert_eq!(with_tokens("0", |c, n| default_text(c, 0, n, &text)), Some("0".into()));
    }

    #[test]
    fn conditions_are_parenthesised() {
        assert_eq!(with_tokens("a > 0", |c, n| condition_text(c, 0, n, false)), "(a > 0)");
        assert_eq!(with_tokens("(a > 0)", |c, n| condition_text(c, 0, n, false)), "(a > 0)");
        assert_eq!(with_tokens("f(a)", |c, n| condition_text(c, 0, n, false)), "f(a)");
    }
}
