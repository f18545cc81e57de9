//! A cursor over one statement's tokens, for the recognizers.

use super::lexer::{Token, TokenKind, string_value};
use crate::model::{QualifiedName, fold_ident};

/// A recognizer's complaint, at a byte offset of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub offset: usize,
    pub message: String,
}

pub type PResult<T> = Result<T, ParseError>;

/// A name as written: its parts folded, plus whether any part was truncated to 63 bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenName {
    pub parts: Vec<String>,
    pub truncated: bool,
    pub offset: usize,
    /// Where the name ends in the file (after its last part).
    pub end: usize,
}

impl WrittenName {
    /// Qualified in `default_schema` when written without a schema.
    pub fn qualify(&self, default_schema: &str) -> QualifiedName {
        match self.parts.as_slice() {
            [name] => QualifiedName::new(default_schema, name.clone()),
            [.., schema, name] => QualifiedName::new(schema.clone(), name.clone()),
            [] => QualifiedName::new(default_schema, ""),
        }
    }

    pub fn last(&self) -> &str {
        self.parts.last().map_or("", |s| s.as_str())
    }
}

pub struct Cursor<'a> {
    pub src: &'a str,
    pub toks: &'a [Token],
    pub i: usize,
    /// Where the statement ends (for errors at its end).
    pub end: usize,
    pub standard_conforming_strings: bool,
}

impl<'a> Cursor<'a> {
    pub fn new(
        src: &'a str,
        toks: &'a [Token],
        end: usize,
        standard_conforming_strings: bool,
    ) -> Self {
        Cursor {
            src,
            toks,
            i: 0,
            end,
            standard_conforming_strings,
        }
    }

    pub fn at_end(&self) -> bool {
        self.i >= self.toks.len()
    }

    pub fn peek(&self) -> Option<&'a Token> {
        self.toks.get(self.i)
    }

    pub fn peek_at(&self, n: usize) -> Option<&'a Token> {
        self.toks.get(self.i + n)
    }

    pub fn offset(&self) -> usize {
        self.peek().map_or(self.end, |t| t.start)
    }

    /// Byte offset where the previous token ended.
    pub fn prev_end(&self) -> usize {
        if self.i == 0 {
            self.toks.first().map_or(self.end, |t| t.start)
        } else {
            self.toks[self.i - 1].end
        }
    }

    pub fn text(&self, t: &Token) -> &'a str {
        t.text(self.src)
    }

    pub fn error<T>(&self, message: impl Into<String>) -> PResult<T> {
        Err(ParseError {
            offset: self.offset(),
            message: message.into(),
        })
    }

    pub fn describe_next(&self) -> String {
        match self.peek() {
            None => "the end of the statement".to_string(),
            Some(t) => {
                let text = self.text(t);
                let short: String = text.chars().take(30).collect();
                format!("`{short}`")
            }
        }
    }

    pub fn next(&mut self) -> Option<&'a Token> {
        let t = self.toks.get(self.i);
        if t.is_some() {
            self.i += 1;
        }
        t
    }

    pub fn is_kw_at(&self, n: usize, kw: &str) -> bool {
        self.peek_at(n)
            .is_some_and(|t| t.kind == TokenKind::Word && self.text(t).eq_ignore_ascii_case(kw))
    }

    pub fn is_kw(&self, kw: &str) -> bool {
        self.is_kw_at(0, kw)
    }

    /// Is the current token any one of these keywords?
    pub fn is_any_kw(&self, kws: &[&str]) -> bool {
        kws.iter().any(|kw| self.is_kw(kw))
    }

    pub fn is_kws(&self, kws: &[&str]) -> bool {
        kws.iter().enumerate().all(|(n, kw)| self.is_kw_at(n, kw))
    }

    pub fn eat_kw(&mut self, kw: &str) -> bool {
        if self.is_kw(kw) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    pub fn eat_kws(&mut self, kws: &[&str]) -> bool {
        if self.is_kws(kws) {
            self.i += kws.len();
            true
        } else {
            false
        }
    }

    pub fn expect_kw(&mut self, kw: &str) -> PResult<()> {
        if self.eat_kw(kw) {
            Ok(())
        } else {
            self.error(format!(
                "expected {} but found {}",
                kw.to_ascii_uppercase(),
                self.describe_next()
            ))
        }
    }

    pub fn expect_kws(&mut self, kws: &[&str]) -> PResult<()> {
        for kw in kws {
            self.expect_kw(kw)?;
        }
        Ok(())
    }

    pub fn is_kind(&self, kind: TokenKind) -> bool {
        self.peek().is_some_and(|t| t.kind == kind)
    }

    pub fn eat_kind(&mut self, kind: TokenKind) -> bool {
        if self.is_kind(kind) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    pub fn expect_kind(&mut self, kind: TokenKind, what: &str) -> PResult<&'a Token> {
        match self.peek() {
            Some(t) if t.kind == kind => {
                self.i += 1;
                Ok(t)
            }
            _ => self.error(format!(
                "expected {what} but found {}",
                self.describe_next()
            )),
        }
    }

    pub fn is_op(&self, op: &str) -> bool {
        self.peek()
            .is_some_and(|t| t.kind == TokenKind::Operator && self.text(t) == op)
    }

    pub fn eat_op(&mut self, op: &str) -> bool {
        if self.is_op(op) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    /// An identifier: a word (folded to lower case) or a quoted identifier (as spelled).
    pub fn ident(&mut self) -> PResult<(String, bool)> {
        match self.peek() {
            Some(t) if t.kind == TokenKind::Word => {
                self.i += 1;
                Ok(fold_ident(self.text(t), false))
            }
            Some(t) if t.kind == TokenKind::QuotedIdent && !t.unterminated => {
                self.i += 1;
                let raw = self.text(t);
                let inner = raw.strip_prefix("U&").unwrap_or(raw);
                let inner = &inner[1..inner.len().saturating_sub(1).max(1)];
                if inner.is_empty() {
                    return Err(ParseError {
                        offset: t.start,
                        message: "zero-length delimited identifier".into(),
                    });
                }
                Ok(fold_ident(&inner.replace("\"\"", "\""), true))
            }
            _ => self.error(format!(
                "expected a name but found {}",
                self.describe_next()
            )),
        }
    }

    pub fn is_ident(&self) -> bool {
        self.peek()
            .is_some_and(|t| matches!(t.kind, TokenKind::Word | TokenKind::QuotedIdent))
    }

    /// `a`, `a.b`, `a.b.c`.
    pub fn name(&mut self) -> PResult<WrittenName> {
        let offset = self.offset();
        let (first, mut truncated) = self.ident()?;
        let mut parts = vec![first];
        while self.is_kind(TokenKind::Dot)
            && self
                .peek_at(1)
                .is_some_and(|t| matches!(t.kind, TokenKind::Word | TokenKind::QuotedIdent))
        {
            self.i += 1;
            let (p, t) = self.ident()?;
            truncated |= t;
            parts.push(p);
        }
        Ok(WrittenName {
            parts,
            truncated,
            offset,
            end: self.prev_end(),
        })
    }

    /// `( name, name )`.
    pub fn ident_list(&mut self) -> PResult<Vec<String>> {
        self.expect_kind(TokenKind::LParen, "`(`")?;
        let mut out = Vec::new();
        if self.eat_kind(TokenKind::RParen) {
            return Ok(out);
        }
        loop {
            out.push(self.ident()?.0);
            if self.eat_kind(TokenKind::Comma) {
                continue;
            }
            self.expect_kind(TokenKind::RParen, "`,` or `)`")?;
            return Ok(out);
        }
    }

    /// A string literal's value.
    pub fn string(&mut self) -> PResult<String> {
        match self.peek() {
            Some(t)
                if matches!(t.kind, TokenKind::String | TokenKind::DollarString)
                    && !t.unterminated =>
            {
                self.i += 1;
                Ok(string_value(self.text(t), self.standard_conforming_strings))
            }
            _ => self.error(format!(
                "expected a string literal but found {}",
                self.describe_next()
            )),
        }
    }

    /// A signed integer.
    pub fn integer(&mut self) -> PResult<i64> {
        let negative = self.eat_op("-");
        if !negative {
            self.eat_op("+");
        }
        match self.peek() {
            Some(t) if t.kind == TokenKind::Number => {
                let text = self.text(t).replace('_', "");
                match text.parse::<i64>() {
                    Ok(v) => {
                        self.i += 1;
                        Ok(if negative {
                            v.checked_neg().unwrap_or(i64::MIN)
                        } else {
                            v
                        })
                    }
                    Err(_) => {
                        // -9223372036854775808 does not fit before negation.
                        if negative && text == "9223372036854775808" {
                            self.i += 1;
                            return Ok(i64::MIN);
                        }
                        self.error(format!("`{text}` is not an integer in range"))
                    }
                }
            }
            _ => self.error(format!(
                "expected a number but found {}",
                self.describe_next()
            )),
        }
    }

    /// Skips a balanced `( ... )` group starting at the current `(`; returns the byte range inside.
    pub fn paren_group(&mut self) -> PResult<(usize, usize)> {
        let open = self.expect_kind(TokenKind::LParen, "`(`")?;
        let inner_start = open.end;
        let mut depth = 1usize;
        while let Some(t) = self.next() {
            match t.kind {
                TokenKind::LParen | TokenKind::LBracket => depth += 1,
                TokenKind::RParen | TokenKind::RBracket => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok((inner_start, t.start));
                    }
                }
                _ => {}
            }
        }
        Err(ParseError {
            offset: open.start,
            message: "unbalanced parenthesis: `(` is never closed".into(),
        })
    }

    /// Token index range from the current token up to (not including) the first token at nesting
    /// depth 0 for which `stop` holds, or the end. Moves past the range.
    pub fn until(&mut self, mut stop: impl FnMut(&Self, usize) -> bool) -> PResult<(usize, usize)> {
        let start = self.i;
        let mut depth = 0i32;
        while let Some(t) = self.peek() {
            if depth == 0 && stop(self, self.i) {
                break;
            }
            match t.kind {
                TokenKind::LParen | TokenKind::LBracket => depth += 1,
                TokenKind::RParen | TokenKind::RBracket => {
                    depth -= 1;
                    if depth < 0 {
                        break;
                    }
                }
                _ => {}
            }
            self.i += 1;
        }
        Ok((start, self.i))
    }

    /// Byte range covered by token indexes `[a, b)`.
    pub fn span(&self, a: usize, b: usize) -> (usize, usize) {
        if a >= b || b > self.toks.len() {
            let o = self.toks.get(a).map_or(self.end, |t| t.start);
            return (o, o);
        }
        (self.toks[a].start, self.toks[b - 1].end)
    }

    /// True when the token at index `i` is the keyword `kw`.
    pub fn kw_at_index(&self, i: usize, kw: &str) -> bool {
        self.toks
            .get(i)
            .is_some_and(|t| t.kind == TokenKind::Word && self.text(t).eq_ignore_ascii_case(kw))
    }

    pub fn kind_at_index(&self, i: usize) -> Option<TokenKind> {
        self.toks.get(i).map(|t| t.kind)
    }

    pub fn expect_end(&self) -> PResult<()> {
        if self.at_end() {
            Ok(())
        } else {
            self.error(format!("unexpected {}", self.describe_next()))
        }
    }
}
