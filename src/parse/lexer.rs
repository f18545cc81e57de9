//! A PostgreSQL lexer over byte offsets: enough to split a file into statements exactly as psql
//! would (dollar quotes with tags, nested block comments, E'' strings, psql meta-commands, COPY
//! data blocks) and to let the recognizers take source slices of expressions.
//!
//! It never fails and never panics: an unterminated string, quoted identifier, dollar quote or
//! comment becomes a token that runs to the end of the input, flagged `unterminated`.

/// What a token is. Words keep their spelling; callers fold them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// An unquoted identifier or keyword.
    Word,
    /// `"Quoted"`.
    QuotedIdent,
    /// `'text'`, `E'text'`, `U&'text'`, `B'0101'`, `X'ff'`, `N'text'`.
    String,
    /// `$tag$ ... $tag$`.
    DollarString,
    Number,
    /// `$1`.
    Param,
    /// An operator (`=`, `<>`, `::`, `->>`, `||`, ...).
    Operator,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Semicolon,
    Dot,
    Colon,
    /// A psql meta-command line (`\restrict key`), from the backslash to the end of the line.
    Meta,
    /// Any other byte (a stray control character, a lone `\` inside a statement).
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub start: usize,
    pub end: usize,
    /// A string, quoted identifier, dollar quote or comment that never closed.
    pub unterminated: bool,
}

impl Token {
    pub fn text<'a>(&self, src: &'a str) -> &'a str {
        src.get(self.start..self.end).unwrap_or("")
    }
}

/// A lexing problem (an unterminated quote or comment), at a byte offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexError {
    pub offset: usize,
    pub message: String,
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

fn is_ident_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

fn is_op_char(b: u8) -> bool {
    matches!(
        b,
        b'+' | b'-'
            | b'*'
            | b'/'
            | b'<'
            | b'>'
            | b'='
            | b'~'
            | b'!'
            | b'@'
            | b'#'
            | b'%'
            | b'^'
            | b'&'
            | b'|'
            | b'`'
            | b'?'
    )
}

/// The lexer state; `standard_conforming_strings = off` (old dumps) makes `\` an escape in plain
/// strings too.
pub struct Lexer<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
    pub standard_conforming_strings: bool,
    pub errors: Vec<LexError>,
}

impl<'a> Lexer<'a> {
    pub fn new(src: &'a str) -> Self {
        Lexer {
            src,
            bytes: src.as_bytes(),
            pos: 0,
            standard_conforming_strings: true,
            errors: Vec::new(),
        }
    }

    pub fn position(&self) -> usize {
        self.pos
    }

    pub fn set_position(&mut self, pos: usize) {
        self.pos = pos.min(self.bytes.len());
    }

    fn at(&self, i: usize) -> u8 {
        self.bytes.get(i).copied().unwrap_or(0)
    }

    /// Skips whitespace and comments. Returns false at the end of input.
    pub fn skip_trivia(&mut self) -> bool {
        loop {
            let b = self.at(self.pos);
            if self.pos >= self.bytes.len() {
                return false;
            }
            if b.is_ascii_whitespace() {
                self.pos += 1;
            } else if b == b'-' && self.at(self.pos + 1) == b'-' {
                while self.pos < self.bytes.len() && self.at(self.pos) != b'\n' {
                    self.pos += 1;
                }
            } else if b == b'/' && self.at(self.pos + 1) == b'*' {
                let start = self.pos;
                self.pos += 2;
                let mut depth = 1usize;
                while self.pos < self.bytes.len() && depth > 0 {
                    if self.at(self.pos) == b'/' && self.at(self.pos + 1) == b'*' {
                        depth += 1;
                        self.pos += 2;
                    } else if self.at(self.pos) == b'*' && self.at(self.pos + 1) == b'/' {
                        depth -= 1;
                        self.pos += 2;
                    } else {
                        self.pos += 1;
                    }
                }
                if depth > 0 {
                    self.errors.push(LexError {
                        offset: start,
                        message: "unterminated /* comment".into(),
                    });
                }
            } else {
                return true;
            }
        }
    }

    /// The rest of the current line (for psql meta-commands and COPY data), moving past it.
    pub fn take_line(&mut self) -> (usize, usize) {
        let start = self.pos;
        while self.pos < self.bytes.len() && self.at(self.pos) != b'\n' {
            self.pos += 1;
        }
        let end = self.pos;
        if self.pos < self.bytes.len() {
            self.pos += 1;
        }
        (start, end)
    }

    /// The next token, or None at the end of input (trivia skipped first).
    pub fn next_token(&mut self) -> Option<Token> {
        if !self.skip_trivia() {
            return None;
        }
        let start = self.pos;
        let b = self.at(start);
        let tok = |kind, end: usize| {
            Some(Token {
                kind,
                start,
                end,
                unterminated: false,
            })
        };
        match b {
            b'(' => {
                self.pos += 1;
                tok(TokenKind::LParen, self.pos)
            }
            b')' => {
                self.pos += 1;
                tok(TokenKind::RParen, self.pos)
            }
            b'[' => {
                self.pos += 1;
                tok(TokenKind::LBracket, self.pos)
            }
            b']' => {
                self.pos += 1;
                tok(TokenKind::RBracket, self.pos)
            }
            b',' => {
                self.pos += 1;
                tok(TokenKind::Comma, self.pos)
            }
            b';' => {
                self.pos += 1;
                tok(TokenKind::Semicolon, self.pos)
            }
            b':' => {
                if self.at(start + 1) == b':' || self.at(start + 1) == b'=' {
                    self.pos += 2;
                    tok(TokenKind::Operator, self.pos)
                } else {
                    self.pos += 1;
                    tok(TokenKind::Colon, self.pos)
                }
            }
            b'.' if self.at(start + 1).is_ascii_digit() => Some(self.number()),
            b'.' => {
                self.pos += 1;
                tok(TokenKind::Dot, self.pos)
            }
            b'0'..=b'9' => Some(self.number()),
            b'\'' => Some(self.string(start, start, !self.standard_conforming_strings)),
            b'"' => Some(self.quoted_ident(start)),
            b'$' => Some(self.dollar(start)),
            b'\\' => {
                let (_, end) = self.take_line();
                let end = if end > start { end } else { start + 1 };
                tok(TokenKind::Meta, end)
            }
            _ if is_ident_start(b) => {
                // String prefixes: E'..', B'..', X'..', N'..', U&'..'.
                let next = self.at(start + 1);
                if next == b'\'' && matches!(b, b'e' | b'E') {
                    return Some(self.string(start, start + 1, true));
                }
                if next == b'\'' && matches!(b, b'b' | b'B' | b'x' | b'X' | b'n' | b'N') {
                    return Some(self.string(start, start + 1, !self.standard_conforming_strings));
                }
                if matches!(b, b'u' | b'U') && next == b'&' && self.at(start + 2) == b'\'' {
                    return Some(self.string(start, start + 2, false));
                }
                if matches!(b, b'u' | b'U') && next == b'&' && self.at(start + 2) == b'"' {
                    self.pos = start + 2;
                    let mut t = self.quoted_ident(start + 2);
                    t.start = start;
                    return Some(t);
                }
                let mut end = start + 1;
                while end < self.bytes.len() && is_ident_char(self.at(end)) {
                    end += 1;
                }
                self.pos = end;
                tok(TokenKind::Word, end)
            }
            _ if is_op_char(b) => {
                let mut end = start;
                while end < self.bytes.len() && is_op_char(self.at(end)) {
                    // A comment start ends the operator.
                    if end > start
                        && ((self.at(end) == b'-' && self.at(end + 1) == b'-')
                            || (self.at(end) == b'/' && self.at(end + 1) == b'*'))
                    {
                        break;
                    }
                    end += 1;
                }
                self.pos = end;
                tok(TokenKind::Operator, end)
            }
            _ => {
                // One character (which may be multi-byte).
                let mut end = start + 1;
                while end < self.bytes.len() && !self.src.is_char_boundary(end) {
                    end += 1;
                }
                self.pos = end;
                tok(TokenKind::Other, end)
            }
        }
    }

    fn number(&mut self) -> Token {
        let start = self.pos;
        let mut end = start;
        let mut seen_dot = false;
        let mut seen_exp = false;
        while end < self.bytes.len() {
            let c = self.at(end);
            if c.is_ascii_digit() || c == b'_' {
                end += 1;
            } else if c == b'.' && !seen_dot && !seen_exp && self.at(end + 1) != b'.' {
                seen_dot = true;
                end += 1;
            } else if (c == b'e' || c == b'E') && !seen_exp {
                let n = self.at(end + 1);
                if n.is_ascii_digit()
                    || ((n == b'+' || n == b'-') && self.at(end + 2).is_ascii_digit())
                {
                    seen_exp = true;
                    end += 2;
                } else {
                    break;
                }
            } else if (c == b'x' || c == b'X' || c == b'o' || c == b'O' || c == b'b' || c == b'B')
                && end == start + 1
                && self.at(start) == b'0'
            {
                end += 1;
            } else {
                break;
            }
        }
        self.pos = end;
        Token {
            kind: TokenKind::Number,
            start,
            end,
            unterminated: false,
        }
    }

    /// A string starting at `start` whose opening quote is at `quote`.
    fn string(&mut self, start: usize, quote: usize, backslash_escapes: bool) -> Token {
        let mut i = quote + 1;
        loop {
            if i >= self.bytes.len() {
                self.errors.push(LexError {
                    offset: start,
                    message: "unterminated string literal".into(),
                });
                self.pos = self.bytes.len();
                return Token {
                    kind: TokenKind::String,
                    start,
                    end: self.pos,
                    unterminated: true,
                };
            }
            let c = self.at(i);
            if backslash_escapes && c == b'\\' {
                i += 2;
            } else if c == b'\'' {
                if self.at(i + 1) == b'\'' {
                    i += 2;
                } else {
                    i += 1;
                    // Adjacent literals separated by a newline continue the string (SQL standard).
                    let mut j = i;
                    let mut newline = false;
                    while j < self.bytes.len() && self.at(j).is_ascii_whitespace() {
                        newline |= self.at(j) == b'\n';
                        j += 1;
                    }
                    if newline && self.at(j) == b'\'' {
                        i = j + 1;
                        continue;
                    }
                    self.pos = i;
                    return Token {
                        kind: TokenKind::String,
                        start,
                        end: i,
                        unterminated: false,
                    };
                }
            } else {
                i += 1;
            }
        }
    }

    fn quoted_ident(&mut self, start: usize) -> Token {
        let mut i = start + 1;
        loop {
            if i >= self.bytes.len() {
                self.errors.push(LexError {
                    offset: start,
                    message: "unterminated quoted identifier".into(),
                });
                self.pos = self.bytes.len();
                return Token {
                    kind: TokenKind::QuotedIdent,
                    start,
                    end: self.pos,
                    unterminated: true,
                };
            }
            if self.at(i) == b'"' {
                if self.at(i + 1) == b'"' {
                    i += 2;
                    continue;
                }
                self.pos = i + 1;
                return Token {
                    kind: TokenKind::QuotedIdent,
                    start,
                    end: i + 1,
                    unterminated: false,
                };
            }
            i += 1;
        }
    }

    fn dollar(&mut self, start: usize) -> Token {
        let next = self.at(start + 1);
        if next.is_ascii_digit() {
            let mut end = start + 1;
            while self.at(end).is_ascii_digit() {
                end += 1;
            }
            self.pos = end;
            return Token {
                kind: TokenKind::Param,
                start,
                end,
                unterminated: false,
            };
        }
        // $tag$ where tag is an identifier without `$`, or empty.
        let mut end = start + 1;
        if is_ident_start(next) {
            while end < self.bytes.len() && is_ident_char(self.at(end)) && self.at(end) != b'$' {
                end += 1;
            }
        }
        if self.at(end) != b'$' {
            self.pos = start + 1;
            return Token {
                kind: TokenKind::Other,
                start,
                end: start + 1,
                unterminated: false,
            };
        }
        let tag = &self.bytes[start..=end];
        let body = end + 1;
        let found = find_bytes(&self.bytes[body.min(self.bytes.len())..], tag);
        match found {
            Some(rel) => {
                let close = body + rel + tag.len();
                self.pos = close;
                Token {
                    kind: TokenKind::DollarString,
                    start,
                    end: close,
                    unterminated: false,
                }
            }
            None => {
                self.errors.push(LexError {
                    offset: start,
                    message: format!(
                        "unterminated dollar-quoted string (no closing {})",
                        String::from_utf8_lossy(tag)
                    ),
                });
                self.pos = self.bytes.len();
                Token {
                    kind: TokenKind::DollarString,
                    start,
                    end: self.pos,
                    unterminated: true,
                }
            }
        }
    }
}

fn find_bytes(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    let first = needle[0];
    let mut i = 0;
    while i + needle.len() <= hay.len() {
        match hay[i..].iter().position(|&b| b == first) {
            Some(p) => {
                i += p;
                if i + needle.len() <= hay.len() && &hay[i..i + needle.len()] == needle {
                    return Some(i);
                }
                i += 1;
            }
            None => return None,
        }
    }
    None
}

/// The value of a string token (`'it''s'` → `it's`, `E'a\nb'` → a newline b, `$$x$$` → `x`).
pub fn string_value(text: &str, standard_conforming_strings: bool) -> String {
    if let Some(rest) = text.strip_prefix('$') {
        // $tag$body$tag$
        if let Some(tag_end) = rest.find('$') {
            let tag_len = tag_end + 2;
            if text.len() >= 2 * tag_len {
                return text[tag_len..text.len() - tag_len].to_string();
            }
        }
        return String::new();
    }
    let (escapes, body) = if let Some(b) = text.strip_prefix(['e', 'E']) {
        (true, b)
    } else if let Some(b) = text.strip_prefix(['n', 'N']) {
        (!standard_conforming_strings, b)
    } else {
        (!standard_conforming_strings, text)
    };
    let body = body.strip_prefix('\'').unwrap_or(body);
    let body = body.strip_suffix('\'').unwrap_or(body);
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' if chars.peek() == Some(&'\'') => {
                chars.next();
                out.push('\'');
            }
            '\'' => {
                // A continuation: skip whitespace and the next opening quote.
                while chars.peek().is_some_and(|c| c.is_whitespace()) {
                    chars.next();
                }
                if chars.peek() == Some(&'\'') {
                    chars.next();
                }
            }
            '\\' if escapes => match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some('b') => out.push('\u{8}'),
                Some('f') => out.push('\u{c}'),
                Some(other) => out.push(other),
                None => {}
            },
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<(TokenKind, String)> {
        let mut lx = Lexer::new(src);
        let mut out = Vec::new();
        while let Some(t) = lx.next_token() {
            out.push((t.kind, t.text(src).to_string()));
        }
        out
    }

    #[test]
    fn lexes_quotes_and_operators() {
        let t =
            kinds("SELECT E'a\\'b', $x$ ; $y$ $x$, \"A\"\"b\", $1::int -- c\n/* a /* b */ */ ->>");
        assert_eq!(
            t,
            vec![
                (TokenKind::Word, "SELECT".into()),
                (TokenKind::String, "E'a\\'b'".into()),
                (TokenKind::Comma, ",".into()),
                (TokenKind::DollarString, "$x$ ; $y$ $x$".into()),
                (TokenKind::Comma, ",".into()),
                (TokenKind::QuotedIdent, "\"A\"\"b\"".into()),
                (TokenKind::Comma, ",".into()),
                (TokenKind::Param, "$1".into()),
                (TokenKind::Operator, "::".into()),
                (TokenKind::Word, "int".into()),
                (TokenKind::Operator, "->>".into()),
            ]
        );
    }

    #[test]
    fn unterminated_things_are_reported() {
        let mut lx = Lexer::new("select 'abc");
        while lx.next_token().is_some() {}
        assert_eq!(lx.errors.len(), 1);
        assert_eq!(lx.errors[0].offset, 7);
        let mut lx = Lexer::new("do $f$ begin");
        while lx.next_token().is_some() {}
        assert!(lx.errors[0].message.contains("$f$"));
    }

    #[test]
    fn string_values() {
        assert_eq!(string_value("'it''s'", true), "it's");
        assert_eq!(string_value("E'a\\nb'", true), "a\nb");
        assert_eq!(string_value("$_$x$_$", true), "x");
        assert_eq!(string_value("'a\\'b'", false), "a'b");
    }
}
