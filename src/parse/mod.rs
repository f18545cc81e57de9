//! SQL text → [`Catalog`]. The only module that touches sqlparser.
//!
//! The text is split into statements by our own lexer ([`split`]): dollar quotes with tags,
//! nested comments, E'' strings, psql meta-command lines and COPY data blocks. Each statement is
//! then read by a recognizer for the DDL the model holds (tables, columns, constraints, indexes,
//! types, domains, sequences, views, functions, triggers, policies, comments); its expressions
//! are taken from the source text (dump text is PostgreSQL's own deparse) and normalised
//! ([`expr`]); a view's query is deparsed from sqlparser's tree as pg_get_viewdef prints it
//! (`viewdef`), or kept as written where the deparser does not know it. A statement no recognizer
//! claims is checked against PostgreSQL's commands and object kinds ([`commands`]): one that
//! begins as a PostgreSQL statement is kept as an opaque object (or recorded as ignored, with the
//! reason, when it cannot change the schema); any other is an error naming file, line and column.
//! No statement is dropped silently.

mod commands;
mod cursor;
mod ddl;
pub mod expr;
pub mod lexer;
pub mod naming;
mod objects;
pub mod split;
pub mod types;
mod viewdef;

use serde::{Deserialize, Serialize};

use crate::diagnostic::{Diagnostic, Position};
use crate::model::Catalog;

pub use cursor::ParseError;

/// The result of reading one SQL file: the model, what happened to each statement, diagnostics.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "tsify",
    derive(tsify::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
pub struct Inspection {
    pub catalog: Catalog,
    pub statements: Vec<StatementOutcome>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Inspection {
    /// How many statements were understood, ignored, not understood.
    pub fn counts(&self) -> (usize, usize, usize) {
        let mut n = (0, 0, 0);
        for s in &self.statements {
            match s.status {
                StatementStatus::Understood => n.0 += 1,
                StatementStatus::Ignored => n.1 += 1,
                StatementStatus::NotUnderstood => n.2 += 1,
            }
        }
        n
    }

    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.is_error())
    }
}

/// One statement of the input and what the model made of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "tsify",
    derive(tsify::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
pub struct StatementOutcome {
    pub line: u32,
    pub column: u32,
    /// The statement's first words (`CREATE TABLE public.users`), for reports.
    pub summary: String,
    pub status: StatementStatus,
    /// Why it was ignored or not understood.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "tsify",
    derive(tsify::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
#[serde(rename_all = "snake_case")]
pub enum StatementStatus {
    /// Applied to the model.
    Understood,
    /// Does not change the schema (SET, OWNER TO, GRANT, ...): recorded with the reason.
    Ignored,
    /// Could not be read: an error diagnostic says where and why.
    NotUnderstood,
}

/// Reads SQL DDL (hand-written or `pg_dump --schema-only`) into a catalog.
pub fn inspect(file: &str, sql: &str) -> Inspection {
    inspect_onto(Catalog::default(), file, sql)
}

/// Applies SQL DDL on top of an existing catalog (a migration on the state before it).
pub fn inspect_onto(catalog: Catalog, file: &str, sql: &str) -> Inspection {
    let mut ingest = Ingest::new(catalog, file, sql);
    ingest.run();
    ingest.finish()
}

/// What one recognizer made of a statement.
pub(crate) enum Outcome {
    Understood,
    Ignored(String),
}

pub(crate) struct Ingest<'s> {
    pub file: &'s str,
    pub src: &'s str,
    pub catalog: Catalog,
    /// Where unqualified names go (the first schema of `search_path`).
    pub default_schema: String,
    /// The schemas of `search_path` (pg_catalog and `$user` left out), in order.
    pub search_path: Vec<String>,
    /// How many schemas of `search_path` come before pg_catalog when it was written in it
    /// (0 when left out: PostgreSQL then searches it first, implicitly).
    pub pg_catalog_at: usize,
    /// `SET default_tablespace` (None: the database's default), for the indexes behind
    /// constraints created after it (how pg_dump writes a constraint's index tablespace).
    pub default_tablespace: Option<String>,
    /// The output columns and types of the views deparsed so far (not part of the model: what
    /// a later view reading them needs).
    pub view_columns: viewdef::ViewColumns,
    pub statements: Vec<StatementOutcome>,
    pub diagnostics: Vec<Diagnostic>,
    /// Columns in scope for conditions (CHECK, index predicates, policies), with their types.
    pub expr_columns: crate::model::SortedMap<String, crate::model::TypeName>,
    /// The ALTER TABLE being read was written `ONLY` (no recursion into partitions).
    pub alter_only: bool,
    /// The table whose columns conditions see (besides `expr_columns`).
    pub expr_table: Option<crate::model::QualifiedName>,
    /// Names of indexes, constraint indexes and identity sequences by (schema, name), so that
    /// checking a new relation name does not scan every table. Rebuilt when `index_names_dirty`.
    pub index_names: std::collections::HashMap<String, std::collections::HashSet<String>>,
    pub index_names_dirty: bool,
    /// Line starts, for offset → position.
    line_starts: Vec<usize>,
    /// The file name shared by every source position recorded in `catalog.sources`.
    source_file: std::sync::Arc<str>,
}

impl<'s> Ingest<'s> {
    fn new(catalog: Catalog, file: &'s str, src: &'s str) -> Self {
        let mut line_starts = vec![0];
        for (i, b) in src.bytes().enumerate() {
            if b == b'\n' {
                line_starts.push(i + 1);
            }
        }
        Ingest {
            file,
            src,
            catalog,
            default_schema: "public".into(),
            search_path: vec!["public".into()],
            pg_catalog_at: 0,
            default_tablespace: None,
            view_columns: Default::default(),
            statements: Vec::new(),
            diagnostics: Vec::new(),
            expr_columns: Default::default(),
            expr_table: None,
            alter_only: false,
            index_names: Default::default(),
            index_names_dirty: true,
            line_starts,
            source_file: std::sync::Arc::from(file),
        }
    }

    pub fn position(&self, offset: usize) -> Position {
        let offset = offset.min(self.src.len());
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let start = self.line_starts.get(line).copied().unwrap_or(0);
        let mut s = start.min(offset);
        while !self.src.is_char_boundary(s) {
            s += 1;
        }
        let mut e = offset;
        while !self.src.is_char_boundary(e) {
            e -= 1;
        }
        let column = self.src.get(s..e.max(s)).map_or(0, |t| t.chars().count()) + 1;
        Position {
            line: line as u32 + 1,
            column: column as u32,
        }
    }

    /// The position of `offset` in this file, for `catalog.sources`.
    pub fn source_at(&self, offset: usize) -> crate::model::SourcePosition {
        crate::model::SourcePosition {
            file: self.source_file.clone(),
            position: self.position(offset),
        }
    }

    pub fn diag(&mut self, d: Diagnostic, offset: usize) {
        let p = self.position(offset);
        self.diagnostics.push(d.at(self.file, p));
    }

    pub fn warn(&mut self, code: &str, message: impl Into<String>, offset: usize) {
        self.diag(Diagnostic::warning(code, message), offset);
    }

    pub fn note(&mut self, code: &str, message: impl Into<String>, offset: usize) {
        self.diag(Diagnostic::note(code, message), offset);
    }

    fn run(&mut self) {
        if self.src.trim().is_empty() {
            return;
        }
        let src = self.src;
        let mut splitter = split::Splitter::new(src);
        let mut reported = 0;
        while let Some(raw) = splitter.next_statement() {
            // Lexing problems met while reading this statement, in file order.
            let errors = splitter.errors();
            for e in errors.get(reported..).unwrap_or(&[]) {
                self.diag(
                    Diagnostic::error("syntax-error", e.message.clone()),
                    e.offset,
                );
            }
            reported = errors.len();
            let p = self.position(raw.start);
            let summary = summarize(raw.text(src));
            let outcome = if raw.tokens.iter().any(|t| t.unterminated) {
                Err(ParseError {
                    offset: raw.start,
                    message: "the statement is cut short by an unterminated quote or comment"
                        .into(),
                })
            } else {
                self.statement(&raw)
            };
            let (status, reason) = match outcome {
                Ok(Outcome::Understood) => (StatementStatus::Understood, None),
                Ok(Outcome::Ignored(r)) => (StatementStatus::Ignored, Some(r)),
                Err(e) => {
                    if !raw.tokens.iter().any(|t| t.unterminated) {
                        self.diag(
                            Diagnostic::error("syntax-error", e.message.clone()),
                            e.offset,
                        );
                    }
                    (StatementStatus::NotUnderstood, Some(e.message))
                }
            };
            self.statements.push(StatementOutcome {
                line: p.line,
                column: p.column,
                summary,
                status,
                reason,
            });
            splitter.recycle(raw.tokens);
        }
        for e in splitter.errors().get(reported..).unwrap_or(&[]) {
            self.diag(
                Diagnostic::error("syntax-error", e.message.clone()),
                e.offset,
            );
        }
    }

    fn finish(self) -> Inspection {
        Inspection {
            catalog: self.catalog,
            statements: self.statements,
            diagnostics: self.diagnostics,
        }
    }
}

/// The first words of a statement, whitespace collapsed, at most 60 characters.
fn summarize(text: &str) -> String {
    let mut out = String::new();
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
        if out.chars().count() >= 60 {
            break;
        }
    }
    if out.chars().count() > 60 {
        let cut: String = out.chars().take(57).collect();
        out = format!("{cut}...");
    }
    out
}
