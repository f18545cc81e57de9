//! Diagnostics: every message the library gives about its input, with the position it points at.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(
    feature = "tsify",
    derive(tsify::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
#[serde(rename_all = "snake_case")]
pub enum DiagnosticSeverity {
    Note,
    Warning,
    Error,
}

/// A message about the input. `file`, `line` and `column` (1-based) point at the cause when it has
/// a place in a file; a message about the schemas as a whole (a likely rename) may have none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "tsify",
    derive(tsify::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
pub struct Diagnostic {
    pub severity: DiagnosticSeverity,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    /// A stable kebab-case code for the kind of message (`unterminated-string`, `likely-rename`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

impl Diagnostic {
    pub fn new(severity: DiagnosticSeverity, code: &str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity,
            message: message.into(),
            file: None,
            line: None,
            column: None,
            code: Some(code.to_string()),
        }
    }

    pub fn error(code: &str, message: impl Into<String>) -> Self {
        Diagnostic::new(DiagnosticSeverity::Error, code, message)
    }

    pub fn warning(code: &str, message: impl Into<String>) -> Self {
        Diagnostic::new(DiagnosticSeverity::Warning, code, message)
    }

    pub fn note(code: &str, message: impl Into<String>) -> Self {
        Diagnostic::new(DiagnosticSeverity::Note, code, message)
    }

    pub fn at(mut self, file: &str, position: Position) -> Self {
        self.file = Some(file.to_string());
        self.line = Some(position.line);
        self.column = Some(position.column);
        self
    }

    /// Points at where an object was defined, when that is known.
    pub fn at_source(mut self, at: Option<&crate::model::SourcePosition>) -> Self {
        if let Some(at) = at {
            self.file = Some(at.file.to_string());
            self.line = Some(at.position.line);
            self.column = Some(at.position.column);
        }
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == DiagnosticSeverity::Error
    }
}

/// `text` as a JSON string literal (quotes and backslashes escaped), for the hints a diagnostic
/// proposes: a user pastes them into a hints file as they are, and the page reads them back with
/// `JSON.parse`.
pub fn json_string(text: &str) -> String {
    serde_json::Value::from(text).to_string()
}

/// `file:line:column: severity: message`, the shape compilers print.
impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{file}")?;
            if let (Some(line), Some(column)) = (self.line, self.column) {
                write!(f, ":{line}:{column}")?;
            }
            write!(f, ": ")?;
        }
        let severity = match self.severity {
            DiagnosticSeverity::Note => "note",
            DiagnosticSeverity::Warning => "warning",
            DiagnosticSeverity::Error => "error",
        };
        write!(f, "{severity}: {}", self.message)
    }
}

/// A 1-based line and column (columns count characters, as editors do).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[cfg_attr(
    feature = "tsify",
    derive(tsify::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
pub struct Position {
    pub line: u32,
    pub column: u32,
}

impl Position {
    /// The position of byte `offset` in `text` (clamped to the text's end).
    pub fn of_offset(text: &str, offset: usize) -> Position {
        let offset = offset.min(text.len());
        let mut line = 1u32;
        let mut line_start = 0usize;
        for (i, b) in text.as_bytes()[..offset].iter().enumerate() {
            if *b == b'\n' {
                line += 1;
                line_start = i + 1;
            }
        }
        let mut start = line_start;
        while !text.is_char_boundary(start) {
            start += 1;
        }
        let mut end = offset;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let column = text
            .get(start..end.max(start))
            .map_or(0, |s| s.chars().count()) as u32
            + 1;
        Position { line, column }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proposed_hint_names_are_json_strings() {
        assert_eq!(json_string("public.users"), r#""public.users""#);
        assert_eq!(
            json_string(r#"public."TaskRun""#),
            r#""public.\"TaskRun\"""#
        );
        assert_eq!(json_string(r"a\b"), r#""a\\b""#);
    }

    #[test]
    fn positions_count_lines_and_characters() {
        let text = "ab\ncé d";
        assert_eq!(
            Position::of_offset(text, 0),
            Position { line: 1, column: 1 }
        );
        assert_eq!(
            Position::of_offset(text, 3),
            Position { line: 2, column: 1 }
        );
        assert_eq!(
            Position::of_offset(text, 6),
            Position { line: 2, column: 3 }
        );
        assert_eq!(
            Position::of_offset(text, 999),
            Position { line: 2, column: 5 }
        );
    }
}
