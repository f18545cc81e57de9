//! Expression text, canonical as PostgreSQL prints it back with `search_path = public`.
//!
//! Dump input is already PostgreSQL's deparse: its text is kept, only `public.` qualifications are
//! dropped (they print unqualified with `search_path = public`). Hand-written input gets the common
//! normalisations: one space between tokens, identifiers folded and quoted as `quote_ident` does,
//! keywords in the case ruleutils prints, type aliases in casts (`::int` → `::integer`),
//! `nextval('s')` → `nextval('s'::regclass)`, and literal defaults cast to the column's type.
//! Conditions and defaults are read by a small typed parser that prints ruleutils' forms: every
//! operator parenthesised, `IS [NOT] DISTINCT FROM` (`NOT (a IS DISTINCT FROM b)`), `IS NOT FALSE`,
//! `AT TIME ZONE 'utc'::text`, casts of columns and calls as `(x)::type`, literal arguments of
//! text parameters as `'x'::text`, literals beside COALESCE/NULLIF/GREATEST/LEAST typed,
//! `EXTRACT(field FROM x)` (numeric), `x = ANY (ARRAY[literals])` coerced to `x`'s type, and a
//! CASE in ruleutils' layout (keywords on lines of their own, `ELSE NULL::type`; simple CASE
//! with its WHEN values coerced to the subject's type, nested CASE on lines of its own, numeric
//! results resolved to one type with integers cast to numeric).

use super::cursor::Cursor;
use super::lexer::{TokenKind, string_value};
use super::types::parse_type;
use crate::model::{TypeName, fold_ident, quote_ident};
use crate::render::format::{format_type, format_type_for_cast};

/// Words ruleutils prints in upper case (all reserved, so never bare column names).
const UPPER_WORDS: &[&str] = &[
    "all",
    "and",
    "any",
    "array",
    "between",
    "case",
    "coalesce",
    "collate",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "distinct",
    "else",
    "end",
    "exists",
    "extract",
    "from",
    "greatest",
    "ilike",
    "in",
    "is",
    "least",
    "like",
    "localtime",
    "localtimestamp",
    "not",
    "null",
    "nullif",
    "or",
    "overlaps",
    "row",
    "session_user",
    "similar",
    "some",
    "symmetric",
    "then",
    "to",
    "when",
    "with",
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
        if is_public(c, k)
            && k + 2 < b
            && c.toks[k + 1].kind == TokenKind::Dot
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
                let mut sub =
                    Cursor::new(c.src, &c.toks[..b], c.end, c.standard_conforming_strings);
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
                    && c.toks
                        .get(k + 1)
                        .is_some_and(|n| n.kind == TokenKind::RParen);
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

fn push_gap(
    out: &mut String,
    c: &Cursor<'_>,
    prev_end: Option<usize>,
    start: usize,
    kind: TokenKind,
) {
    let Some(p) = prev_end else { return };
    if p >= start {
        return;
    }
    // A line break in the source is kept as written: PostgreSQL's own deparse of CASE spans
    // lines (pg_get_indexdef), and dump text is that deparse.
    if let Some(gap) = c.src.get(p..start)
        && gap.contains('\n')
        && gap.chars().all(char::is_whitespace)
    {
        out.push_str(gap);
        return;
    }
    if out.ends_with('(') || out.ends_with('[') || out.ends_with("::") || out.is_empty() {
        return;
    }
    if matches!(
        kind,
        TokenKind::RParen | TokenKind::RBracket | TokenKind::Comma | TokenKind::LBracket
    ) {
        return;
    }
    if c.src.get(start..).is_some_and(|r| r.starts_with("::")) {
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
        let inner = text
            .get(1..text.len().saturating_sub(1))
            .unwrap_or("")
            .replace("\"\"", "\"");
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
                    Some(
                        TokenKind::Word
                            | TokenKind::QuotedIdent
                            | TokenKind::Dot
                            | TokenKind::LBracket
                            | TokenKind::RBracket
                            | TokenKind::Number
                    )
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
    if is_atomic(c, a, b) {
        text
    } else {
        format!("({text})")
    }
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
                // A bit-string constant B'1010' prints as '1010'.
                let text = match text.strip_prefix(['b', 'B']) {
                    Some(rest) if rest.starts_with('\'') => rest.to_string(),
                    _ => text,
                };
                return Some(format!("{text}::{}", format_type_for_cast(column_type)));
            }
            TokenKind::Number => {
                let text = c.text(&t);
                if let Ok(v) = text.parse::<i64>()
                    && i32::try_from(v).is_err()
                {
                    return Some(format!("'{v}'::bigint"));
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
    if let Some(t) = array_literal_with_cast(c, a, b) {
        return Some(t);
    }
    let mut p = CondParser {
        c,
        i: a,
        b: b.min(c.toks.len()),
        cols: &SortedMap::new(),
        domain: false,
        depth: 0,
    };
    let parsed = if b.saturating_sub(a) <= 1500 {
        p.or().ok().filter(|_| p.i == p.b)
    } else {
        None
    };
    let text = match parsed {
        Some(e) => print(&e),
        None => expr_text(c, a, b, false),
    };
    if text == "NULL" || (text.starts_with("NULL::") && !text.contains(' ')) {
        return None;
    }
    Some(text)
}

/// `ARRAY['a', 'b']::T[]` → `ARRAY['a'::T, 'b'::T]`: PostgreSQL pushes the cast into the
/// elements of an array of literals.
fn array_literal_with_cast(c: &Cursor<'_>, a: usize, b: usize) -> Option<String> {
    if !c.kw_at_index(a, "array") || c.kind_at_index(a + 1) != Some(TokenKind::LBracket) {
        return None;
    }
    let mut k = a + 2;
    let mut items = Vec::new();
    while c.kind_at_index(k) == Some(TokenKind::String) {
        items.push(c.text(&c.toks[k]).to_string());
        k += 1;
        if c.kind_at_index(k) == Some(TokenKind::Comma) {
            k += 1;
        } else {
            break;
        }
    }
    if items.is_empty()
        || c.kind_at_index(k) != Some(TokenKind::RBracket)
        || c.toks.get(k + 1).is_none_or(|t| c.text(t) != "::")
    {
        return None;
    }
    let mut sub = Cursor::new(c.src, &c.toks[..b], c.end, c.standard_conforming_strings);
    sub.i = k + 2;
    let (ty, _) = parse_type(&mut sub, "public").ok()?;
    if sub.i != b || ty.array_dimensions == 0 {
        return None;
    }
    let element = TypeName {
        array_dimensions: 0,
        ..ty
    };
    let cast = format_type_for_cast(&element);
    let parts: Vec<String> = items.iter().map(|i| format!("{i}::{cast}")).collect();
    Some(format!("ARRAY[{}]", parts.join(", ")))
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
            (
                "nextval('public.bans_id_seq'::regclass)",
                "nextval('bans_id_seq'::regclass)",
            ),
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
            (
                "nextval( 'Users_id_seq' )",
                "nextval('users_id_seq'::regclass)",
            ),
            ("x::int", "x::integer"),
            ("\"name\" IS  NOT null", "name IS NOT NULL"),
        ] {
            assert_eq!(with_tokens(i, |c, n| expr_text(c, 0, n, false)), o);
        }
    }

    #[test]
    fn literal_defaults_get_the_column_cast() {
        let text = TypeName {
            base: BaseType::Builtin("text".into()),
            modifiers: vec![],
            array_dimensions: 0,
        };
        let vc = TypeName {
            base: BaseType::Builtin("character varying".into()),
            modifiers: vec![10.into()],
            array_dimensions: 0,
        };
        assert_eq!(
            with_tokens("'x'", |c, n| default_text(c, 0, n, &text)),
            Some("'x'::text".into())
        );
        assert_eq!(
            with_tokens("'x'", |c, n| default_text(c, 0, n, &vc)),
            Some("'x'::character varying".into())
        );
        assert_eq!(
            with_tokens("-1", |c, n| default_text(c, 0, n, &text)),
            Some("'-1'::integer".into())
        );
        assert_eq!(
            with_tokens("NULL", |c, n| default_text(c, 0, n, &text)),
            None
        );
        assert_eq!(
            with_tokens("0", |c, n| default_text(c, 0, n, &text)),
            Some("0".into())
        );
    }

    #[test]
    fn conditions_are_parenthesised() {
        assert_eq!(
            with_tokens("a > 0", |c, n| condition_text(c, 0, n, false)),
            "(a > 0)"
        );
        assert_eq!(
            with_tokens("(a > 0)", |c, n| condition_text(c, 0, n, false)),
            "(a > 0)"
        );
        assert_eq!(
            with_tokens("f(a)", |c, n| condition_text(c, 0, n, false)),
            "f(a)"
        );
    }
}

// ---------------------------------------------------------------- boolean conditions

use crate::model::SortedMap;

use crate::model::BaseType;

/// A literal's kind, for the casts PostgreSQL adds when it resolves an operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lit {
    None,
    Str,
    Int,
    Num,
}

#[derive(Debug, Clone)]
enum E {
    /// Printed as is; `lit` says whether it is a bare literal, `col` the type of a bare column.
    Atom {
        text: String,
        lit: Lit,
        col: Option<TypeName>,
    },
    Op {
        op: String,
        l: Box<E>,
        r: Box<E>,
    },
    /// A node PostgreSQL builds whole (BETWEEN's AND): never merged into a surrounding AND/OR.
    Keep(Box<E>),
    Bool {
        and: bool,
        items: Vec<E>,
    },
    Not(Box<E>),
    Null {
        e: Box<E>,
        not: bool,
    },
    AnyAll {
        op: String,
        l: Box<E>,
        kw: String,
        r: String,
        /// The elements when `r` is `ARRAY[...]` of literals.
        array: Option<Vec<E>>,
    },
    InList {
        l: Box<E>,
        items: Vec<E>,
        not: bool,
    },
    /// `l IS [NOT] DISTINCT FROM r`.
    Distinct {
        l: Box<E>,
        r: Box<E>,
        not: bool,
    },
    /// `e IS [NOT] TRUE | FALSE | UNKNOWN`.
    IsBool {
        e: Box<E>,
        what: &'static str,
        not: bool,
    },
    /// `l AT TIME ZONE r`.
    AtTimeZone {
        l: Box<E>,
        r: Box<E>,
    },
    /// `CASE [subject] WHEN c THEN r ... [ELSE e] END`; with a subject, each `c` is the value
    /// compared with it, already printed.
    Case {
        subject: Option<Box<E>>,
        whens: Vec<(E, E)>,
        /// The ELSE result (`NULL::type` when written as NULL or left out).
        otherwise: Box<E>,
        /// `text` (string results) or `boolean` (condition results).
        ty: TypeName,
    },
}

struct CondParser<'c, 'a> {
    c: &'c Cursor<'a>,
    i: usize,
    b: usize,
    cols: &'c SortedMap<String, TypeName>,
    domain: bool,
    depth: usize,
}

type R<T> = Result<T, ()>;

const MAX_DEPTH: usize = 48;

const COMPARISONS: &[&str] = &["=", "<>", "!=", "<", ">", "<=", ">="];

impl<'c, 'a> CondParser<'c, 'a> {
    /// A parser for the tokens `[i, b)` inside this one.
    fn sub(&self, i: usize, b: usize, depth: usize) -> CondParser<'c, 'a> {
        CondParser {
            c: self.c,
            i,
            b,
            cols: self.cols,
            domain: self.domain,
            depth,
        }
    }

    fn kw(&self, w: &str) -> bool {
        self.i < self.b && self.c.kw_at_index(self.i, w)
    }
    fn kind(&self) -> Option<TokenKind> {
        if self.i < self.b {
            self.c.kind_at_index(self.i)
        } else {
            None
        }
    }
    fn op_text(&self) -> Option<&str> {
        if self.kind() == Some(TokenKind::Operator) {
            Some(self.c.text(&self.c.toks[self.i]))
        } else {
            None
        }
    }
    fn close_of(&self, open: usize) -> R<usize> {
        let mut depth = 0;
        for k in open..self.b {
            match self.c.kind_at_index(k) {
                Some(TokenKind::LParen) | Some(TokenKind::LBracket) => depth += 1,
                Some(TokenKind::RParen) | Some(TokenKind::RBracket) => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(k);
                    }
                }
                _ => {}
            }
        }
        Err(())
    }

    fn or(&mut self) -> R<E> {
        // Deeper nesting than this falls back to the text as written (no deep recursion).
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(());
        }
        let first = self.and()?;
        let mut items = vec![first];
        while self.kw("or") {
            self.i += 1;
            items.push(self.and()?);
        }
        self.depth -= 1;
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            flatten(false, items)
        })
    }
    fn and(&mut self) -> R<E> {
        let first = self.not()?;
        let mut items = vec![first];
        while self.kw("and") {
            self.i += 1;
            items.push(self.not()?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            flatten(true, items)
        })
    }
    fn not(&mut self) -> R<E> {
        let mut nots = 0usize;
        while self.kw("not") {
            self.i += 1;
            nots += 1;
        }
        let mut e = self.is()?;
        for _ in 0..nots {
            e = E::Not(Box::new(e));
        }
        Ok(e)
    }
    fn is(&mut self) -> R<E> {
        let mut e = self.cmp()?;
        loop {
            if self.kw("is") {
                self.i += 1;
                let not = self.kw("not");
                if not {
                    self.i += 1;
                }
                if self.kw("null") {
                    self.i += 1;
                    e = E::Null {
                        e: Box::new(e),
                        not,
                    };
                    continue;
                }
                if self.kw("distinct") && self.c.kw_at_index(self.i + 1, "from") {
                    self.i += 2;
                    let r = self.cmp()?;
                    e = E::Distinct {
                        l: Box::new(e),
                        r: Box::new(r),
                        not,
                    };
                    continue;
                }
                if let Some(what) = ["TRUE", "FALSE", "UNKNOWN"]
                    .into_iter()
                    .find(|w| self.kw(&w.to_ascii_lowercase()))
                {
                    self.i += 1;
                    e = E::IsBool {
                        e: Box::new(e),
                        what,
                        not,
                    };
                    continue;
                }
                return Err(());
            }
            if self.kw("isnull") || self.kw("notnull") {
                let not = self.kw("notnull");
                self.i += 1;
                e = E::Null {
                    e: Box::new(e),
                    not,
                };
                continue;
            }
            return Ok(e);
        }
    }
    fn cmp(&mut self) -> R<E> {
        let l = self.like_in()?;
        if let Some(op) = self.op_text().filter(|o| COMPARISONS.contains(o)).map(|o| {
            if o == "!=" {
                "<>".to_string()
            } else {
                o.to_string()
            }
        }) {
            self.i += 1;
            if self.kw("any") || self.kw("all") || self.kw("some") {
                let kw = self.c.text(&self.c.toks[self.i]).to_ascii_uppercase();
                let kw = if kw == "SOME" { "ANY".to_string() } else { kw };
                self.i += 1;
                if self.kind() != Some(TokenKind::LParen) {
                    return Err(());
                }
                let close = self.close_of(self.i)?;
                let r = expr_text(self.c, self.i + 1, close, self.domain);
                let array = self.literal_array(self.i + 1, close);
                self.i = close + 1;
                return Ok(E::AnyAll {
                    op,
                    l: Box::new(l),
                    kw,
                    r,
                    array,
                });
            }
            let r = self.like_in()?;
            return Ok(E::Op {
                op,
                l: Box::new(l),
                r: Box::new(r),
            });
        }
        Ok(l)
    }
    /// The literal elements of `ARRAY[...]` spanning exactly `[a, b)`, if that is what it is.
    fn literal_array(&self, a: usize, b: usize) -> Option<Vec<E>> {
        if !self.c.kw_at_index(a, "array")
            || self.c.kind_at_index(a + 1) != Some(TokenKind::LBracket)
            || self.close_of(a + 1).ok()? + 1 != b
        {
            return None;
        }
        let mut sub = self.sub(a + 2, b - 1, self.depth + 1);
        let mut items = Vec::new();
        loop {
            let e = sub.add().ok()?;
            if !matches!(
                e,
                E::Atom {
                    lit: Lit::Str | Lit::Int | Lit::Num,
                    ..
                }
            ) {
                return None;
            }
            items.push(e);
            if sub.kind() == Some(TokenKind::Comma) {
                sub.i += 1;
                continue;
            }
            break;
        }
        (sub.i == b - 1).then_some(items)
    }

    fn like_in(&mut self) -> R<E> {
        let l = self.add()?;
        let not = self.kw("not")
            && (self.c.kw_at_index(self.i + 1, "in")
                || self.c.kw_at_index(self.i + 1, "like")
                || self.c.kw_at_index(self.i + 1, "ilike"));
        if not {
            self.i += 1;
        }
        if self.kw("in") {
            self.i += 1;
            if self.kind() != Some(TokenKind::LParen) {
                return Err(());
            }
            let close = self.close_of(self.i)?;
            if self.c.kw_at_index(self.i + 1, "select") {
                return Err(());
            }
            let mut sub = self.sub(self.i + 1, close, self.depth);
            let mut items = Vec::new();
            loop {
                items.push(sub.add()?);
                if sub.kind() == Some(TokenKind::Comma) {
                    sub.i += 1;
                    continue;
                }
                break;
            }
            if sub.i != close {
                return Err(());
            }
            self.i = close + 1;
            return Ok(E::InList {
                l: Box::new(l),
                items,
                not,
            });
        }
        if self.kw("like") || self.kw("ilike") {
            let case = self.kw("ilike");
            self.i += 1;
            let r = self.add()?;
            if self.kw("escape") {
                return Err(());
            }
            let op = match (not, case) {
                (false, false) => "~~",
                (true, false) => "!~~",
                (false, true) => "~~*",
                (true, true) => "!~~*",
            };
            return Ok(E::Op {
                op: op.into(),
                l: Box::new(l),
                r: Box::new(r),
            });
        }
        let not_between = self.kw("not") && self.c.kw_at_index(self.i + 1, "between");
        if not_between {
            self.i += 1;
        }
        if self.kw("between") && !self.c.kw_at_index(self.i + 1, "symmetric") {
            self.i += 1;
            let low = self.add()?;
            if !self.kw("and") {
                return Err(());
            }
            self.i += 1;
            let high = self.add()?;
            let (lo_op, hi_op) = if not_between {
                ("<", ">")
            } else {
                (">=", "<=")
            };
            let items = vec![
                E::Op {
                    op: lo_op.into(),
                    l: Box::new(l.clone()),
                    r: Box::new(low),
                },
                E::Op {
                    op: hi_op.into(),
                    l: Box::new(l),
                    r: Box::new(high),
                },
            ];
            return Ok(E::Keep(Box::new(E::Bool {
                and: !not_between,
                items,
            })));
        }
        if not || not_between {
            return Err(());
        }
        if self.kw("between") || self.kw("similar") {
            return Err(());
        }
        Ok(l)
    }
    fn add(&mut self) -> R<E> {
        let mut l = self.mul()?;
        while let Some(op) = self
            .op_text()
            .filter(|o| !COMPARISONS.contains(o) && !["*", "/", "%", "::"].contains(o))
            .map(str::to_string)
        {
            self.i += 1;
            let r = self.mul()?;
            l = E::Op {
                op,
                l: Box::new(l),
                r: Box::new(r),
            };
        }
        Ok(l)
    }
    fn mul(&mut self) -> R<E> {
        let mut l = self.at_time_zone()?;
        while let Some(op) = self
            .op_text()
            .filter(|o| ["*", "/", "%"].contains(o))
            .map(str::to_string)
        {
            self.i += 1;
            let r = self.at_time_zone()?;
            l = E::Op {
                op,
                l: Box::new(l),
                r: Box::new(r),
            };
        }
        Ok(l)
    }
    /// The first of `words` in `[from, to)` outside parentheses and nested CASEs.
    fn top_level_kw(&self, from: usize, to: usize, words: &[&str]) -> Option<usize> {
        let mut parens = 0i32;
        let mut cases = 0i32;
        for k in from..to {
            match self.c.kind_at_index(k) {
                Some(TokenKind::LParen) | Some(TokenKind::LBracket) => parens += 1,
                Some(TokenKind::RParen) | Some(TokenKind::RBracket) => parens -= 1,
                _ => {}
            }
            if parens != 0 {
                continue;
            }
            if self.c.kw_at_index(k, "case") {
                cases += 1;
            } else if self.c.kw_at_index(k, "end") && cases > 0 {
                cases -= 1;
            } else if cases == 0 && words.iter().any(|w| self.c.kw_at_index(k, w)) {
                return Some(k);
            }
        }
        None
    }

    /// A CASE at the cursor (searched or simple, possibly nested), moving past its END; None
    /// (cursor unmoved) for anything the printer would not print as ruleutils does.
    fn case(&mut self) -> Option<E> {
        let start = self.i;
        let end = self.top_level_kw(start + 1, self.b, &["end"])?;
        let mut sub = self.sub(start + 1, end, self.depth + 1);
        if sub.depth > MAX_DEPTH {
            return None;
        }
        // `CASE x WHEN v ...`: the subject, compared with each WHEN value.
        let first_when = sub.top_level_kw(sub.i, end, &["when"])?;
        let subject = if first_when > sub.i {
            let mut s = sub.sub(sub.i, first_when, sub.depth);
            let e = s.or().ok().filter(|_| s.i == first_when)?;
            sub.i = first_when;
            Some(e)
        } else {
            None
        };
        let mut whens = Vec::new();
        let mut otherwise = None;
        while sub.kw("when") {
            sub.i += 1;
            let then_at = sub.top_level_kw(sub.i, end, &["then"])?;
            let mut cond = sub.sub(sub.i, then_at, sub.depth);
            let c = cond.or().ok().filter(|_| cond.i == then_at)?;
            let c = match &subject {
                // The value as PostgreSQL coerces it for `subject = value`.
                Some(x) => E::Atom {
                    text: operand(&c, x),
                    lit: Lit::None,
                    col: None,
                },
                None => c,
            };
            let stop = sub
                .top_level_kw(then_at + 1, end, &["when", "else"])
                .unwrap_or(end);
            let mut result = sub.sub(then_at + 1, stop, sub.depth);
            let r = result.or().ok().filter(|_| result.i == stop)?;
            whens.push((c, r));
            sub.i = stop;
        }
        if whens.is_empty() {
            return None;
        }
        if sub.kw("else") {
            let mut result = sub.sub(sub.i + 1, end, sub.depth);
            let r = result.or().ok().filter(|_| result.i == end)?;
            // ELSE NULL is what no ELSE means: a null of the CASE's type.
            if !matches!(&r, E::Atom { text, lit: Lit::None, .. } if text == "NULL") {
                otherwise = Some(r);
            }
        } else if sub.i != end {
            return None;
        }
        // The CASE's type, which its results are coerced to: all strings (text), all conditions
        // (boolean), or numbers (the widest of integer and numeric; integers beside numerics
        // are cast).
        let results: Vec<&E> = whens
            .iter()
            .map(|(_, r)| r)
            .chain(otherwise.as_ref())
            .collect();
        let condition = |e: &E| match e {
            E::Op { op, .. } => {
                COMPARISONS.contains(&op.as_str()) || op.starts_with("!~") || op.starts_with("~~")
            }
            E::Bool { .. }
            | E::Not(_)
            | E::Null { .. }
            | E::Distinct { .. }
            | E::IsBool { .. }
            | E::InList { .. }
            | E::AnyAll { .. }
            | E::Keep(_) => true,
            E::Atom {
                text,
                lit: Lit::None,
                col: None,
            } => text == "true" || text == "false",
            _ => false,
        };
        let mut kinds = Vec::new();
        for e in &results {
            let kind = match e {
                E::Atom { lit: Lit::Str, .. } => "text",
                E::Atom { lit: Lit::Int, .. } => "integer",
                E::Atom { lit: Lit::Num, .. } => "numeric",
                E::Atom {
                    text,
                    lit: Lit::None,
                    ..
                } if text.starts_with("NULL::") => continue,
                E::Atom {
                    text,
                    lit: Lit::None,
                    ..
                } if text.starts_with('\'') && text.ends_with("'::text") => "text",
                // PostgreSQL's own print of a coerced result (`(1)::numeric`).
                E::Atom {
                    text,
                    lit: Lit::None,
                    ..
                } if text.ends_with("::numeric") => "numeric",
                E::Case { ty, .. } => match &ty.base {
                    BaseType::Builtin(b)
                        if ty.array_dimensions == 0
                            && ["text", "boolean", "integer", "numeric"].contains(&b.as_str()) =>
                    {
                        match b.as_str() {
                            "text" => "text",
                            "boolean" => "boolean",
                            "integer" => "integer",
                            _ => "numeric",
                        }
                    }
                    _ => return None,
                },
                e if condition(e) => "boolean",
                _ => return None,
            };
            kinds.push(kind);
        }
        let numbers = |k: &&str| *k == "integer" || *k == "numeric";
        let ty = match kinds.first() {
            Some(k) if kinds.iter().all(|x| x == k) => builtin_type(k),
            Some(_) if kinds.iter().all(numbers) => builtin_type("numeric"),
            _ => return None,
        };
        let numeric = matches!(&ty.base, BaseType::Builtin(b) if b == "numeric");
        // A nested integer CASE among numeric results would be cast whole: not printed here.
        if numeric
            && results
                .iter()
                .any(|e| matches!(e, E::Case { ty, .. } if is_integer_family(ty)))
        {
            return None;
        }
        let typed = |e: E| match e {
            E::Atom {
                text,
                lit: Lit::Str,
                ..
            } => E::Atom {
                text: format!("{text}::text"),
                lit: Lit::None,
                col: None,
            },
            E::Atom {
                text,
                lit: Lit::Int,
                ..
            } if numeric => E::Atom {
                text: format!("({text})::numeric"),
                lit: Lit::None,
                col: None,
            },
            other => other,
        };
        let otherwise = otherwise.map(typed).unwrap_or_else(|| E::Atom {
            text: format!("NULL::{}", format_type(&ty)),
            lit: Lit::None,
            col: None,
        });
        self.i = end + 1;
        Some(E::Case {
            subject: subject.map(Box::new),
            whens: whens.into_iter().map(|(c, r)| (c, typed(r))).collect(),
            otherwise: Box::new(otherwise),
            ty,
        })
    }

    /// `AT TIME ZONE` binds tighter than `*` and looser than `::` (gram.y's precedence).
    fn at_time_zone(&mut self) -> R<E> {
        let mut l = self.primary()?;
        while self.kw("at")
            && self.c.kw_at_index(self.i + 1, "time")
            && self.c.kw_at_index(self.i + 2, "zone")
        {
            self.i += 3;
            let r = self.primary()?;
            l = E::AtTimeZone {
                l: Box::new(l),
                r: Box::new(r),
            };
        }
        Ok(l)
    }

    fn primary(&mut self) -> R<E> {
        let start = self.i;
        let mut lit = Lit::None;
        let mut col = None;
        let mut inner: Option<E> = None;
        match self.kind() {
            None => return Err(()),
            Some(TokenKind::LParen) => {
                let close = self.close_of(self.i)?;
                if self.c.kw_at_index(self.i + 1, "select") {
                    return Err(());
                }
                let mut sub = self.sub(self.i + 1, close, self.depth + 1);
                let e = sub.or()?;
                if sub.i != close {
                    return Err(());
                }
                inner = Some(e);
                self.i = close + 1;
            }
            Some(TokenKind::Operator)
                if self.op_text() == Some("-")
                    && self.c.kind_at_index(self.i + 1) == Some(TokenKind::Number) =>
            {
                self.i += 2;
                lit = Lit::Int;
            }
            Some(TokenKind::String) => {
                self.i += 1;
                lit = Lit::Str;
            }
            Some(TokenKind::Number) => {
                let t = self.c.text(&self.c.toks[self.i]);
                lit = if t.contains(['.', 'e', 'E']) {
                    Lit::Num
                } else {
                    Lit::Int
                };
                self.i += 1;
            }
            Some(TokenKind::Word) | Some(TokenKind::QuotedIdent) => {
                let w = self.c.text(&self.c.toks[self.i]).to_ascii_lowercase();
                if self.c.toks[self.i].kind == TokenKind::Word
                    && [
                        "and", "or", "not", "is", "in", "like", "ilike", "between", "select",
                        "then", "else", "when", "end",
                    ]
                    .contains(&w.as_str())
                {
                    return Err(());
                }
                let typed_literal = if self.c.toks[self.i].kind == TokenKind::Word
                    && TYPED_LITERAL_TYPES.contains(&w.as_str())
                {
                    let mut sub = Cursor::new(
                        self.c.src,
                        &self.c.toks[..self.b],
                        self.c.end,
                        self.c.standard_conforming_strings,
                    );
                    sub.i = self.i;
                    match parse_type(&mut sub, "public") {
                        Ok((ty, _))
                            if sub.kind_at_index(sub.i) == Some(TokenKind::String)
                                && sub.i < self.b =>
                        {
                            let lit = self.c.text(&self.c.toks[sub.i]).to_string();
                            self.i = sub.i + 1;
                            Some(format!("{lit}::{}", format_type(&ty)))
                        }
                        _ => None,
                    }
                } else {
                    None
                };
                if let Some(text) = typed_literal {
                    inner = Some(E::Atom {
                        text,
                        lit: Lit::None,
                        col: None,
                    });
                } else if w == "case"
                    && self.c.toks[self.i].kind == TokenKind::Word
                    && let Some(case) = self.case()
                {
                    inner = Some(case);
                } else if w == "case" && self.c.toks[self.i].kind == TokenKind::Word {
                    let mut depth = 0;
                    let mut k = self.i;
                    loop {
                        if k >= self.b {
                            return Err(());
                        }
                        if self.c.kw_at_index(k, "case") {
                            depth += 1;
                        } else if self.c.kw_at_index(k, "end") {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        k += 1;
                    }
                    self.i = k + 1;
                } else {
                    self.i += 1;
                    while self.kind() == Some(TokenKind::Dot)
                        && matches!(
                            self.c.kind_at_index(self.i + 1),
                            Some(TokenKind::Word | TokenKind::QuotedIdent)
                        )
                    {
                        self.i += 2;
                    }
                    if self.kind() == Some(TokenKind::LParen) && w != "array" {
                        let close = self.close_of(self.i)?;
                        let name_end = self.i;
                        let call = self.call(start, name_end, close);
                        self.i = close + 1;
                        if let Some((text, result)) = call {
                            inner = Some(E::Atom {
                                text,
                                lit: Lit::None,
                                col: result,
                            });
                        }
                    } else if self.kind() == Some(TokenKind::LParen)
                        || (w == "array" && self.kind() == Some(TokenKind::LBracket))
                    {
                        let close = self.close_of(self.i)?;
                        self.i = close + 1;
                    } else if self.i == start + 1
                        && self.c.toks[start].kind == TokenKind::Word
                        && matches!(w.as_str(), "true" | "false" | "null")
                    {
                    } else if self.i == start + 1 {
                        let name = if self.c.toks[start].kind == TokenKind::QuotedIdent {
                            let s = self.c.text(&self.c.toks[start]);
                            s.get(1..s.len().saturating_sub(1))
                                .unwrap_or("")
                                .replace("\"\"", "\"")
                        } else {
                            w.clone()
                        };
                        col = self.cols.get(&name).cloned();
                    }
                }
            }
            _ => return Err(()),
        }
        // Postfix: subscripts, casts, COLLATE.
        let before_postfix = self.i;
        let mut casts: Vec<TypeName> = Vec::new();
        let mut only_casts = true;
        loop {
            if self.kind() == Some(TokenKind::LBracket) {
                self.i = self.close_of(self.i)? + 1;
                only_casts = false;
            } else if self.op_text() == Some("::") {
                let mut sub = Cursor::new(
                    self.c.src,
                    &self.c.toks[..self.b],
                    self.c.end,
                    self.c.standard_conforming_strings,
                );
                sub.i = self.i + 1;
                match parse_type(&mut sub, "public") {
                    Ok((ty, _)) => casts.push(ty),
                    Err(_) => return Err(()),
                }
                self.i = sub.i;
            } else if self.kw("collate") {
                self.i += 2;
                only_casts = false;
            } else {
                break;
            }
        }
        // A cast of a column, a call or a parenthesised expression prints as `(x)::type`
        // (ruleutils' get_coercion_expr); casts of literals become constants, kept as written.
        let castable = lit == Lit::None
            && (inner.is_some()
                || (before_postfix == start + 1
                    && self.c.toks[start].kind == TokenKind::QuotedIdent)
                || (before_postfix == start + 1
                    && self.c.toks[start].kind == TokenKind::Word
                    && !matches!(
                        self.c
                            .text(&self.c.toks[start])
                            .to_ascii_lowercase()
                            .as_str(),
                        "true" | "false" | "null" | "array" | "case" | "row"
                    )
                    && UPPER_WORDS
                        .binary_search(
                            &self
                                .c
                                .text(&self.c.toks[start])
                                .to_ascii_lowercase()
                                .as_str(),
                        )
                        .is_err()));
        if only_casts && !casts.is_empty() && castable {
            let mut text = match inner {
                Some(e) => print(&e),
                None => expr_text(self.c, start, before_postfix, self.domain),
            };
            for ty in &casts {
                text = format!("({text})::{}", format_type(ty));
            }
            return Ok(E::Atom {
                text,
                lit: Lit::None,
                col: casts.pop(),
            });
        }
        if self.i == before_postfix {
            if let Some(e) = inner {
                return Ok(e);
            }
        } else {
            lit = Lit::None;
            col = None;
        }
        let text = if lit == Lit::Int && self.c.text(&self.c.toks[start]) == "-" {
            let n = self.c.text(&self.c.toks[start + 1]);
            format!(
                "'-{n}'::{}",
                if n.parse::<i64>()
                    .ok()
                    .and_then(|v| i32::try_from(-v).ok())
                    .is_some()
                {
                    "integer"
                } else if n.parse::<i64>().is_ok() {
                    "bigint"
                } else {
                    "numeric"
                }
            )
        } else {
            expr_text(self.c, start, self.i, self.domain)
        };
        let lit = if text.starts_with('\'') && lit == Lit::Int {
            Lit::None
        } else {
            lit
        };
        Ok(E::Atom { text, lit, col })
    }
}

impl CondParser<'_, '_> {
    /// A function call `name(args)` with its arguments normalised and the implicit casts
    /// PostgreSQL shows for common text and text-search functions, and its result type when
    /// evident; None to keep it as written.
    fn call(
        &self,
        name_start: usize,
        open: usize,
        close: usize,
    ) -> Option<(String, Option<TypeName>)> {
        let name = expr_text(self.c, name_start, open, self.domain);
        let fname = name
            .rsplit('.')
            .next()
            .unwrap_or(&name)
            .to_ascii_lowercase();
        if fname == "extract" && !name.contains('.') {
            return self.extract(open, close);
        }
        // Split the arguments at top-level commas.
        let mut args = Vec::new();
        let mut depth = 0;
        let mut from = open + 1;
        for k in open + 1..close {
            match self.c.kind_at_index(k) {
                Some(TokenKind::LParen) | Some(TokenKind::LBracket) => depth += 1,
                Some(TokenKind::RParen) | Some(TokenKind::RBracket) => depth -= 1,
                Some(TokenKind::Comma) if depth == 0 => {
                    args.push((from, k));
                    from = k + 1;
                }
                Some(TokenKind::Word) if depth == 0 => {
                    let w = self.c.text(&self.c.toks[k]).to_ascii_lowercase();
                    if [
                        "distinct", "order", "from", "for", "all", "variadic", "filter", "over",
                        "within", "as",
                    ]
                    .contains(&w.as_str())
                    {
                        return None;
                    }
                }
                Some(TokenKind::Operator)
                    if depth == 0 && matches!(self.c.text(&self.c.toks[k]), "=>" | ":=") =>
                {
                    return None;
                }
                _ => {}
            }
        }
        if from < close {
            args.push((from, close));
        } else if !args.is_empty() {
            return None;
        }
        let mut printed = Vec::new();
        let n = args.len();
        // COALESCE, NULLIF, GREATEST, LEAST: literals take the type of the typed arguments.
        let common_type = if COMMON_TYPE_FUNCTIONS.contains(&fname.as_str()) {
            args.iter().find_map(|&(a, b)| {
                let mut sub = self.sub(a, b, self.depth + 1);
                let e = sub.or().ok().filter(|_| sub.i == b)?;
                match e {
                    E::Atom { col: Some(t), .. } => Some(t),
                    _ => None,
                }
            })
        } else {
            None
        };
        for (i, (a, b)) in args.into_iter().enumerate() {
            let mut sub = CondParser {
                c: self.c,
                i: a,
                b,
                cols: self.cols,
                domain: self.domain,
                depth: self.depth + 1,
            };
            let e = sub.or().ok()?;
            if sub.i != b {
                return None;
            }
            let is_ts = TS_FUNCTIONS.contains(&fname.as_str());
            let text_arg =
                TEXT_FUNCTIONS.contains(&fname.as_str()) || (is_ts && !(n == 2 && i == 0));
            let regconfig_arg = is_ts && n == 2 && i == 0;
            let literal_text_arg = LITERAL_TEXT_FUNCTIONS.contains(&fname.as_str());
            let p = match &e {
                E::Atom {
                    text,
                    lit: Lit::Str,
                    ..
                } if regconfig_arg => format!("{text}::regconfig"),
                E::Atom {
                    text,
                    lit: Lit::Str,
                    ..
                } if literal_text_arg => format!("{text}::text"),
                E::Atom {
                    text,
                    lit: Lit::Str,
                    ..
                } if COMMON_TYPE_FUNCTIONS.contains(&fname.as_str()) => {
                    match common_type.as_ref() {
                        Some(t) => format!("{text}::{}", format_type_for_cast(t)),
                        None => text.clone(),
                    }
                }
                E::Atom {
                    text,
                    lit: Lit::Str,
                    ..
                } if text_arg => format!("{text}::text"),
                E::Atom {
                    text, col: Some(t), ..
                } if text_arg && is_varchar(t) => format!("({text})::text"),
                other => print(other),
            };
            // Keep a line break written before the argument (pg_get_indexdef's CASE layout).
            let sep = if i == 0 {
                String::new()
            } else if p.starts_with('\n') {
                // A CASE starts its own line; ruleutils drops the space after the comma.
                ",".to_string()
            } else {
                let gap = self
                    .c
                    .src
                    .get(self.c.toks[a - 1].end..self.c.toks[a].start)
                    .unwrap_or(" ");
                if gap.contains('\n') && gap.chars().all(char::is_whitespace) {
                    format!(",{gap}")
                } else {
                    ", ".to_string()
                }
            };
            printed.push(format!("{sep}{p}"));
        }
        let result = if COMMON_TYPE_FUNCTIONS.contains(&fname.as_str()) {
            common_type
        } else if fname == "date_part" && !name.contains('.') {
            Some(builtin_type("double precision"))
        } else if TEXT_RESULT_FUNCTIONS.contains(&fname.as_str()) && !name.contains('.') {
            Some(builtin_type("text"))
        } else {
            None
        };
        Some((format!("{name}({})", printed.concat()), result))
    }
}

impl CondParser<'_, '_> {
    /// `EXTRACT(field FROM x)`: the field in lower case (it becomes a text constant), the source
    /// normalised; the result is numeric (PostgreSQL 14+).
    fn extract(&self, open: usize, close: usize) -> Option<(String, Option<TypeName>)> {
        let field_at = open + 1;
        let field = match self.c.kind_at_index(field_at)? {
            TokenKind::Word => self.c.text(&self.c.toks[field_at]).to_ascii_lowercase(),
            TokenKind::String => {
                string_value(self.c.text(&self.c.toks[field_at]), true).to_ascii_lowercase()
            }
            _ => return None,
        };
        if !field
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
            || !self.c.kw_at_index(field_at + 1, "from")
        {
            return None;
        }
        let mut sub = self.sub(field_at + 2, close, self.depth + 1);
        let e = sub.or().ok()?;
        if sub.i != close {
            return None;
        }
        Some((
            format!("EXTRACT({field} FROM {})", print(&e)),
            Some(builtin_type("numeric")),
        ))
    }
}

/// Type names that may prefix a string literal (`interval '1 day'` → `'1 day'::interval`).
const TYPED_LITERAL_TYPES: &[&str] = &[
    "bigint",
    "boolean",
    "date",
    "int",
    "integer",
    "interval",
    "json",
    "jsonb",
    "numeric",
    "text",
    "time",
    "timestamp",
    "timestamptz",
    "uuid",
];

/// Functions of text whose arguments PostgreSQL casts to text (varchar columns, literals).
const TEXT_FUNCTIONS: &[&str] = &[
    "btrim",
    "char_length",
    "character_length",
    "initcap",
    "left",
    "length",
    "lower",
    "ltrim",
    "md5",
    "octet_length",
    "replace",
    "reverse",
    "right",
    "rtrim",
    "split_part",
    "strpos",
    "unaccent",
    "upper",
];

/// Functions whose parameters that take string literals are all `text`: a literal argument prints
/// as `'x'::text` (`date_trunc('day'::text, now())`). Arguments of other types are left alone.
const LITERAL_TEXT_FUNCTIONS: &[&str] = &[
    "current_setting",
    "date_part",
    "date_trunc",
    "format",
    "lpad",
    "regexp_match",
    "regexp_matches",
    "regexp_replace",
    "regexp_split_to_array",
    "repeat",
    "rpad",
    "starts_with",
    "substr",
    "timezone",
    "to_char",
    "to_date",
    "to_timestamp",
    "translate",
];

/// Functions whose untyped literal arguments take the type of the others.
const COMMON_TYPE_FUNCTIONS: &[&str] = &["coalesce", "greatest", "least", "nullif"];

/// Functions returning text, for the casts PostgreSQL shows on literals compared with them
/// (`lower(x) = 'a'::text`) or beside them in COALESCE and its kind.
const TEXT_RESULT_FUNCTIONS: &[&str] = &[
    "btrim",
    "concat",
    "concat_ws",
    "current_setting",
    "format",
    "initcap",
    "lower",
    "lpad",
    "ltrim",
    "md5",
    "regexp_replace",
    "repeat",
    "replace",
    "reverse",
    "rpad",
    "rtrim",
    "split_part",
    "substr",
    "to_char",
    "translate",
    "upper",
];

/// Text-search functions: `to_tsvector('english', x)` → `to_tsvector('english'::regconfig, x)`.
const TS_FUNCTIONS: &[&str] = &[
    "phraseto_tsquery",
    "plainto_tsquery",
    "to_tsquery",
    "to_tsvector",
    "websearch_to_tsquery",
];

/// makeAndExpr / makeOrExpr: `a AND b AND c` is one node, built by appending to the left
/// operand when that is the same operator; a right operand stays nested.
fn flatten(and: bool, items: Vec<E>) -> E {
    let mut iter = items.into_iter();
    let mut out = match iter.next() {
        Some(E::Bool { and: a, items }) if a == and => items,
        Some(first) => vec![first],
        None => Vec::new(),
    };
    out.extend(iter);
    E::Bool { and, items: out }
}

fn builtin_type(name: &str) -> TypeName {
    TypeName {
        base: BaseType::Builtin(name.into()),
        modifiers: Vec::new(),
        array_dimensions: 0,
    }
}

fn is_varchar(t: &TypeName) -> bool {
    t.array_dimensions == 0 && matches!(&t.base, BaseType::Builtin(b) if b == "character varying")
}

fn is_float_or_numeric(t: &TypeName) -> Option<&'static str> {
    if t.array_dimensions > 0 {
        return None;
    }
    match &t.base {
        BaseType::Builtin(b) if b == "numeric" => Some("numeric"),
        BaseType::Builtin(b) if b == "double precision" => Some("double precision"),
        BaseType::Builtin(b) if b == "real" => Some("real"),
        _ => None,
    }
}

fn is_integer_family(t: &TypeName) -> bool {
    t.array_dimensions == 0
        && matches!(&t.base, BaseType::Builtin(b) if b == "smallint" || b == "integer" || b == "bigint")
}

/// The type of an operand when it is evident (a column, a literal number, arithmetic of those).
fn type_of(e: &E) -> Option<TypeName> {
    let builtin = |n: &str| TypeName {
        base: BaseType::Builtin(n.into()),
        modifiers: Vec::new(),
        array_dimensions: 0,
    };
    match e {
        E::Atom { col: Some(t), .. } => Some(t.clone()),
        E::Case { ty, .. } => Some(ty.clone()),
        E::Atom { lit: Lit::Int, .. } => Some(builtin("integer")),
        E::Atom { lit: Lit::Num, .. } => Some(builtin("numeric")),
        E::Op { op, l, r } if ["+", "-", "*", "/", "%"].contains(&op.as_str()) => {
            let (a, b) = (type_of(l)?, type_of(r)?);
            if is_float_or_numeric(&a).is_some() {
                Some(a)
            } else {
                Some(b)
            }
        }
        _ => None,
    }
}

/// An operand printed for a comparison with `other` (PostgreSQL's implicit casts made visible).
fn operand(e: &E, other: &E) -> String {
    // An integer column (or integer arithmetic) against numeric/float is cast up.
    if let (Some(mine), Some(theirs)) = (type_of(e), type_of(other))
        && is_integer_family(&mine)
        && !matches!(e, E::Atom { lit: Lit::Int, .. })
        && let Some(n) = is_float_or_numeric(&theirs)
    {
        return format!("({})::{n}", print(e));
    }
    if let (
        E::Atom {
            text,
            lit: Lit::Str,
            ..
        },
        E::Case { ty, .. },
    ) = (e, other)
    {
        return format!("{text}::{}", format_type_for_cast(ty));
    }
    // A number compared with a numeric or float CASE takes its type.
    if let (
        E::Atom {
            text,
            lit: lit @ (Lit::Int | Lit::Num),
            ..
        },
        E::Case { ty, .. },
    ) = (e, other)
        && let Some(n) = is_float_or_numeric(ty)
        && (*lit == Lit::Int || n != "numeric")
    {
        return format!("({text})::{n}");
    }
    if let (E::Atom { text, lit, .. }, E::Atom { col: Some(t), .. }) = (e, other) {
        match lit {
            Lit::Str => {
                let cast = if is_varchar(t) {
                    "text".to_string()
                } else {
                    format_type_for_cast(t)
                };
                return format!("{text}::{cast}");
            }
            Lit::Int | Lit::Num => {
                if let Some(n) = is_float_or_numeric(t)
                    && (*lit == Lit::Int || n != "numeric")
                {
                    return format!("({text})::{n}");
                }
            }
            Lit::None => {}
        }
    }
    if let (
        E::Atom {
            text, col: Some(t), ..
        },
        E::Atom { lit: Lit::Str, .. },
    ) = (e, other)
        && is_varchar(t)
    {
        return format!("({text})::text");
    }
    print(e)
}

/// `x = ANY (ARRAY[literals])` as PostgreSQL coerces it: string literals take the column's type
/// (a varchar column compares as text), an array of integers is cast whole to a numeric or float
/// column's array type (`(ARRAY[1, 2])::numeric[]`), integers among numerics are cast one by one.
/// Returns the left side and the array, or None to print as written.
fn any_array(l: &E, items: &[E]) -> Option<(String, String)> {
    let lt = type_of(l)?;
    let texts = |f: &dyn Fn(&E) -> String| items.iter().map(f).collect::<Vec<_>>().join(", ");
    let all = |k: Lit| {
        items
            .iter()
            .all(|i| matches!(i, E::Atom { lit, .. } if *lit == k))
    };
    let text_of = |i: &E| match i {
        E::Atom { text, .. } => text.clone(),
        other => print(other),
    };
    if all(Lit::Str) {
        if lt.array_dimensions > 0 {
            return None;
        }
        if is_varchar(&lt) {
            let array = texts(&|i| format!("{}::text", text_of(i)));
            return Some((format!("({})::text", print(l)), format!("ARRAY[{array}]")));
        }
        let cast = format_type_for_cast(&lt);
        let array = texts(&|i| format!("{}::{cast}", text_of(i)));
        return Some((print(l), format!("ARRAY[{array}]")));
    }
    if !items.iter().all(|i| {
        matches!(
            i,
            E::Atom {
                lit: Lit::Int | Lit::Num,
                ..
            }
        )
    }) {
        return None;
    }
    let plain = format!("ARRAY[{}]", texts(&|i| text_of(i)));
    if is_integer_family(&lt) && all(Lit::Int) {
        return Some((print(l), plain));
    }
    let n = is_float_or_numeric(&lt)?;
    if all(Lit::Int) || n != "numeric" {
        return Some((print(l), format!("({plain})::{n}[]")));
    }
    let array = texts(&|i| match i {
        E::Atom {
            text,
            lit: Lit::Int,
            ..
        } => format!("({text})::numeric"),
        other => text_of(other),
    });
    Some((print(l), format!("ARRAY[{array}]")))
}

/// A space and the text, or the text alone when it starts on a new line (ruleutils drops the
/// trailing space before a keyword it puts on a line of its own, such as CASE).
fn spaced(text: String) -> String {
    if text.starts_with('\n') {
        text
    } else {
        format!(" {text}")
    }
}

fn print(e: &E) -> String {
    match e {
        E::Atom { text, .. } => text.clone(),
        E::Op { op, l, r } => format!("({} {op}{})", operand(l, r), spaced(operand(r, l))),
        E::Bool { and, items } => {
            let word = if *and { " AND" } else { " OR" };
            let mut out = String::from("(");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(word);
                    out.push_str(&spaced(print(item)));
                } else {
                    out.push_str(&print(item));
                }
            }
            out.push(')');
            out
        }
        E::Not(x) => format!("(NOT{})", spaced(print(x))),
        E::Keep(x) => print(x),
        E::Null { e, not } => format!("({} IS {}NULL)", print(e), if *not { "NOT " } else { "" }),
        E::Distinct { l, r, not } => {
            let text = format!("({} IS DISTINCT FROM {})", operand(l, r), operand(r, l));
            if *not { format!("(NOT {text})") } else { text }
        }
        E::IsBool { e, what, not } => {
            format!("({} IS {}{what})", print(e), if *not { "NOT " } else { "" })
        }
        E::Case {
            subject,
            whens,
            otherwise,
            ..
        } => {
            // ruleutils' pretty layout: each keyword on its own line, WHEN/ELSE indented 4; a
            // nested CASE starts its own line after THEN/ELSE, indented 4 more.
            let nested = |e: &E| {
                let text = print(e);
                if text.starts_with('\n') {
                    text.replace('\n', "\n    ")
                } else {
                    format!(" {text}")
                }
            };
            let mut out = String::from("\nCASE");
            if let Some(x) = subject {
                out.push(' ');
                out.push_str(&print(x));
            }
            for (c, r) in whens {
                out.push_str(&format!("\n    WHEN {} THEN{}", print(c), nested(r)));
            }
            out.push_str(&format!("\n    ELSE{}", nested(otherwise)));
            out.push_str("\nEND");
            out
        }
        E::AtTimeZone { l, r } => {
            let zone = match &**r {
                E::Atom {
                    text,
                    lit: Lit::Str,
                    ..
                } => format!("{text}::text"),
                other => print(other),
            };
            format!("({} AT TIME ZONE {zone})", print(l))
        }
        E::AnyAll {
            op,
            l,
            kw,
            r,
            array,
        } => {
            let typed = array.as_ref().and_then(|items| any_array(l, items));
            match typed {
                Some((left, array)) => format!("({left} {op} {kw} ({array}))"),
                None => format!("({} {op} {kw} ({r}))", print(l)),
            }
        }
        E::InList { l, items, not } => {
            if let E::Atom {
                col: Some(t), text, ..
            } = &**l
                && is_varchar(t)
                && items
                    .iter()
                    .all(|i| matches!(i, E::Atom { lit: Lit::Str, .. }))
            {
                // varchar = ANY: the array is built as varchar[] and cast to text[].
                let parts: Vec<String> = items
                    .iter()
                    .map(|i| format!("{}::character varying", print(i)))
                    .collect();
                return format!(
                    "(({text})::text {} ((ARRAY[{}])::text[]))",
                    if *not { "<> ALL" } else { "= ANY" },
                    parts.join(", ")
                );
            }
            let parts: Vec<String> = items.iter().map(|i| operand(i, l)).collect();
            let left = match (&**l, items.first()) {
                (
                    E::Atom {
                        col: Some(t), text, ..
                    },
                    Some(E::Atom { lit: Lit::Str, .. }),
                ) if is_varchar(t) => {
                    format!("({text})::text")
                }
                _ => print(l),
            };
            format!(
                "({left} {} (ARRAY[{}]))",
                if *not { "<> ALL" } else { "= ANY" },
                parts.join(", ")
            )
        }
    }
}

/// A boolean condition (CHECK, index predicate, policy, trigger WHEN) as PostgreSQL prints it:
/// every operator parenthesised, `IN (...)` as `= ANY (ARRAY[...])`, literals cast to the type
/// of the column they are compared with. `cols` holds the types of the columns in scope.
/// Anything the small parser does not know falls back to [`condition_text`].
pub fn condition_text_typed(
    c: &Cursor<'_>,
    a: usize,
    b: usize,
    cols: &SortedMap<String, TypeName>,
    domain: bool,
) -> String {
    // Very long conditions are kept as written: the printed tree would be as deep as the
    // condition is long.
    if b.saturating_sub(a) > 1500 {
        return condition_text(c, a, b, domain);
    }
    let mut p = CondParser {
        c,
        i: a,
        b: b.min(c.toks.len()),
        cols,
        domain,
        depth: 0,
    };
    match p.or() {
        Ok(e) if p.i == p.b => print(&e),
        _ => condition_text(c, a, b, domain),
    }
}
