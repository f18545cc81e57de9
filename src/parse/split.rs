//! Splits SQL text into statements as psql does: at top-level `;`, with psql meta-command lines
//! (`\restrict`, `\c db`) as statements of their own, COPY ... FROM stdin data blocks skipped up to
//! `\.`, and `BEGIN ATOMIC ... END` function bodies kept whole.

use super::lexer::{LexError, Lexer, Token, TokenKind};

/// One statement: its byte range in the file (without the closing `;`) and its tokens.
#[derive(Debug, Clone)]
pub struct RawStatement {
    pub start: usize,
    pub end: usize,
    pub tokens: Vec<Token>,
    /// Whether `standard_conforming_strings` was on when it was read.
    pub standard_conforming_strings: bool,
    /// Ended by `;` (false for a psql line, or the last statement of a file without `;`).
    pub terminated: bool,
}

impl RawStatement {
    pub fn text<'a>(&self, src: &'a str) -> &'a str {
        src.get(self.start..self.end).unwrap_or("")
    }

    pub fn is_meta(&self) -> bool {
        self.tokens.len() == 1 && self.tokens[0].kind == TokenKind::Meta
    }
}

fn word_is(src: &str, t: &Token, w: &str) -> bool {
    t.kind == TokenKind::Word && t.text(src).eq_ignore_ascii_case(w)
}

/// Splits `src`; lexing problems (unterminated quotes and comments) come back with their offsets.
pub fn split(src: &str) -> (Vec<RawStatement>, Vec<LexError>) {
    let mut splitter = Splitter::new(src);
    let mut out = Vec::with_capacity(src.len() / 256 + 1);
    while let Some(stmt) = splitter.next_statement() {
        out.push(stmt);
    }
    (out, splitter.into_errors())
}

/// Statements one at a time, so a large file is read without holding every token at once.
pub struct Splitter<'a> {
    src: &'a str,
    lx: Lexer<'a>,
    tokens: Vec<Token>,
    /// Depth of BEGIN ATOMIC ... END nesting in a CREATE FUNCTION/PROCEDURE.
    atomic_depth: usize,
    scs: bool,
    /// A token buffer handed back by the reader of the last statement, reused for the next.
    spare: Option<Vec<Token>>,
}

impl<'a> Splitter<'a> {
    pub fn new(src: &'a str) -> Self {
        Splitter {
            src,
            lx: Lexer::new(src),
            tokens: Vec::with_capacity(64),
            atomic_depth: 0,
            scs: true,
            spare: None,
        }
    }

    /// Gives a statement's token buffer back for reuse.
    pub fn recycle(&mut self, mut tokens: Vec<Token>) {
        tokens.clear();
        self.spare = Some(tokens);
    }

    /// The lexing problems met so far.
    pub fn errors(&self) -> &[LexError] {
        &self.lx.errors
    }

    pub fn into_errors(self) -> Vec<LexError> {
        self.lx.errors
    }

    pub fn next_statement(&mut self) -> Option<RawStatement> {
        let src = self.src;
        while let Some(tok) = self.lx.next_token() {
            match tok.kind {
                TokenKind::Meta => {
                    // psql reads a backslash command wherever it appears; it does not end the
                    // query being collected, so a statement around it continues.
                    return Some(RawStatement {
                        start: tok.start,
                        end: tok.end,
                        tokens: vec![tok],
                        standard_conforming_strings: self.scs,
                        terminated: false,
                    });
                }
                TokenKind::Semicolon if self.atomic_depth == 0 => {
                    if self.tokens.is_empty() {
                        continue;
                    }
                    let fresh = self.spare.take().unwrap_or_else(|| Vec::with_capacity(64));
                    let tokens = std::mem::replace(&mut self.tokens, fresh);
                    let stmt = RawStatement {
                        start: tokens[0].start,
                        end: tokens.last().map_or(tok.start, |t| t.end),
                        tokens,
                        standard_conforming_strings: self.scs,
                        terminated: true,
                    };
                    if let Some(on) = standard_conforming_setting(src, &stmt.tokens) {
                        self.scs = on;
                        self.lx.standard_conforming_strings = on;
                    }
                    if is_copy_from_stdin(src, &stmt.tokens) {
                        // The data follows on the next line, up to a line `\.`.
                        self.lx.take_line();
                        while self.lx.position() < src.len() {
                            let (s, e) = self.lx.take_line();
                            if src
                                .get(s..e)
                                .is_some_and(|l| l.trim_end_matches('\r') == "\\.")
                            {
                                break;
                            }
                        }
                    }
                    return Some(stmt);
                }
                _ => {
                    let tokens = &self.tokens;
                    if tokens.len() >= 2 && is_routine(src, tokens) {
                        let prev = tokens[tokens.len() - 1];
                        let opens = (word_is(src, &tok, "atomic") && word_is(src, &prev, "begin"))
                            || (self.atomic_depth > 0
                                && (word_is(src, &tok, "case") || word_is(src, &tok, "begin")));
                        if opens {
                            self.atomic_depth += 1;
                        } else if self.atomic_depth > 0 && word_is(src, &tok, "end") {
                            self.atomic_depth -= 1;
                        }
                    }
                    self.tokens.push(tok);
                }
            }
        }
        if self.tokens.is_empty() {
            return None;
        }
        let tokens = std::mem::take(&mut self.tokens);
        Some(RawStatement {
            start: tokens[0].start,
            end: tokens.last().map_or(0, |t| t.end),
            tokens,
            standard_conforming_strings: self.scs,
            terminated: false,
        })
    }
}

fn is_routine(src: &str, tokens: &[Token]) -> bool {
    if !word_is(src, &tokens[0], "create") {
        return false;
    }
    let mut i = 1;
    if tokens.len() > 3 && word_is(src, &tokens[1], "or") && word_is(src, &tokens[2], "replace") {
        i = 3;
    }
    tokens
        .get(i)
        .is_some_and(|t| word_is(src, t, "function") || word_is(src, t, "procedure"))
}

fn standard_conforming_setting(src: &str, tokens: &[Token]) -> Option<bool> {
    if tokens.len() >= 3
        && word_is(src, &tokens[0], "set")
        && word_is(src, &tokens[1], "standard_conforming_strings")
    {
        let value = tokens
            .last()?
            .text(src)
            .trim_matches('\'')
            .to_ascii_lowercase();
        return match value.as_str() {
            "off" | "false" => Some(false),
            "on" | "true" => Some(true),
            _ => None,
        };
    }
    None
}

fn is_copy_from_stdin(src: &str, tokens: &[Token]) -> bool {
    !tokens.is_empty()
        && word_is(src, &tokens[0], "copy")
        && tokens
            .windows(2)
            .any(|w| word_is(src, &w[0], "from") && word_is(src, &w[1], "stdin"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(src: &str) -> Vec<String> {
        split(src)
            .0
            .iter()
            .map(|s| s.text(src).to_string())
            .collect()
    }

    #[test]
    fn splits_at_top_level_semicolons() {
        let src = "\\restrict abc\nSET a = 1;\nCREATE FUNCTION f() RETURNS int AS $$ select 1; $$ LANGUAGE sql;\n-- x;\n/* ; */ SELECT ';';";
        assert_eq!(
            texts(src),
            vec![
                "\\restrict abc",
                "SET a = 1",
                "CREATE FUNCTION f() RETURNS int AS $$ select 1; $$ LANGUAGE sql",
                "SELECT ';'"
            ]
        );
    }

    #[test]
    fn skips_copy_data() {
        let src = "COPY t (a) FROM stdin;\n1;2\nx\n\\.\nCREATE TABLE u ();";
        assert_eq!(
            texts(src),
            vec!["COPY t (a) FROM stdin", "CREATE TABLE u ()"]
        );
    }

    #[test]
    fn keeps_begin_atomic_bodies() {
        let src = "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true THEN 1 END; END; SELECT 2;";
        assert_eq!(
            texts(src),
            vec![
                "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true THEN 1 END; END",
                "SELECT 2"
            ]
        );
    }

    #[test]
    fn old_dumps_with_backslash_escapes() {
        let src = "SET standard_conforming_strings = off;\nSELECT 'a\\';b';\nSELECT 2;";
        assert_eq!(
            texts(src),
            vec![
                "SET standard_conforming_strings = off",
                "SELECT 'a\\';b'",
                "SELECT 2"
            ]
        );
    }
}
