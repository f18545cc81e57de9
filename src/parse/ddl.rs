//! Recognizers for tables, columns, constraints and indexes, and the statement dispatch.

use super::cursor::{Cursor, PResult, ParseError, WrittenName};
use super::expr::{default_text, expr_text};
use super::lexer::TokenKind;
use super::naming::{choose_name, index_column_names, join_limited};
use super::split::RawStatement;
use super::types::{Serial, parse_type};
use super::{Ingest, Outcome, commands};
use crate::model::{
    BaseType, Column, ColumnRef, Constraint, ConstraintKind, Generated, Identity, Index, IndexKey,
    IndexKeyExpr, PartitionOf, QualifiedName, ReferentialAction, Sequence, SequenceOptions, Table,
    TypeName, quote_ident,
};

/// A tablespace as the model holds it: None for the database's default (`''`, `pg_default`).
pub(crate) fn tablespace_name(name: String) -> Option<String> {
    if name.is_empty() || name == "pg_default" {
        None
    } else {
        Some(name)
    }
}

/// A constraint as read, before it is named and added.
pub(crate) struct PendingConstraint {
    pub name: Option<String>,
    pub kind: ConstraintKind,
    pub deferrable: bool,
    pub initially_deferred: bool,
    pub not_valid: bool,
    /// The column it was written on (column constraints), for naming.
    pub column: Option<String>,
    /// A foreign key written without referenced columns: they are the referenced primary key's.
    pub references_primary_key: bool,
    /// `WITH (...)` storage parameters of a primary key's or unique constraint's index.
    pub index_options: Vec<String>,
    /// `USING INDEX TABLESPACE x` of a primary key's, unique or exclusion constraint's index.
    pub index_tablespace: Option<String>,
    pub offset: usize,
}

/// Sequence options as written (`None`: not mentioned).
#[derive(Default)]
pub(crate) struct WrittenSequenceOptions {
    pub data_type: Option<TypeName>,
    pub start: Option<i64>,
    pub increment: Option<i64>,
    pub min_value: Option<Option<i64>>,
    pub max_value: Option<Option<i64>>,
    pub cache: Option<i64>,
    pub cycle: Option<bool>,
    pub owned_by: Option<Option<WrittenName>>,
    pub sequence_name: Option<WrittenName>,
}

impl WrittenSequenceOptions {
    /// Overrides the options this statement mentions (ALTER SEQUENCE, ALTER COLUMN ... SET).
    pub(crate) fn apply_to(&self, o: &mut SequenceOptions) {
        if let Some(v) = self.increment {
            o.increment = Some(v);
        }
        if let Some(v) = self.start {
            o.start = Some(v);
        }
        if let Some(v) = self.min_value {
            o.min_value = v;
        }
        if let Some(v) = self.max_value {
            o.max_value = v;
        }
        if let Some(v) = self.cache {
            o.cache = Some(v);
        }
        if let Some(v) = self.cycle {
            o.cycle = v;
        }
    }
}

pub(crate) fn type_bounds(t: &TypeName) -> (i64, i64) {
    match &t.base {
        BaseType::Builtin(b) if b == "smallint" => (i16::MIN as i64, i16::MAX as i64),
        BaseType::Builtin(b) if b == "integer" => (i32::MIN as i64, i32::MAX as i64),
        _ => (i64::MIN, i64::MAX),
    }
}

pub(crate) fn builtin(name: &str) -> TypeName {
    TypeName {
        base: BaseType::Builtin(name.into()),
        modifiers: Vec::new(),
        array_dimensions: 0,
    }
}

/// Stores only what differs from PostgreSQL's defaults for the sequence's type, so two spellings
/// (`START WITH 1 NO MINVALUE` and nothing) give equal options.
pub(crate) fn normalize_sequence_options(
    data_type: &TypeName,
    o: &SequenceOptions,
) -> SequenceOptions {
    let (tmin, tmax) = type_bounds(data_type);
    let inc = o.increment.unwrap_or(1);
    let asc = inc > 0;
    let dmin = if asc { 1 } else { tmin };
    let dmax = if asc { tmax } else { -1 };
    let min = o.min_value.unwrap_or(dmin);
    let max = o.max_value.unwrap_or(dmax);
    let dstart = if asc { min } else { max };
    SequenceOptions {
        start: o.start.filter(|s| *s != dstart),
        increment: o.increment.filter(|i| *i != 1),
        min_value: o.min_value.filter(|m| *m != dmin),
        max_value: o.max_value.filter(|m| *m != dmax),
        cache: o.cache.filter(|c| *c != 1),
        cycle: o.cycle,
    }
}

impl Ingest<'_> {
    pub(crate) fn qualify(&self, n: &WrittenName) -> QualifiedName {
        n.qualify(&self.default_schema)
    }

    /// A name that was written too long is truncated, with a note.
    pub(crate) fn check_truncated(&mut self, n: &WrittenName) {
        if n.truncated {
            self.note(
                "identifier-truncated",
                format!(
                    "identifier `{}` is longer than 63 bytes; PostgreSQL truncates it",
                    n.last()
                ),
                n.offset,
            );
        }
    }

    pub(crate) fn statement(&mut self, raw: &RawStatement) -> PResult<Outcome> {
        if raw.is_meta() {
            return Ok(Outcome::Ignored("psql meta-command".into()));
        }
        let mut c = Cursor::new(
            self.src,
            &raw.tokens,
            raw.end,
            raw.standard_conforming_strings,
        );
        let first = match c.peek() {
            Some(t) if t.kind == TokenKind::Word => c.text(t).to_ascii_lowercase(),
            Some(t) if t.kind == TokenKind::LParen => "(".to_string(),
            _ => return self.fallback(raw, "the statement does not start with a keyword"),
        };
        // ALTER ... OWNER TO role: ownership is not part of the model.
        if first == "alter" && raw.tokens.len() >= 3 {
            let n = raw.tokens.len();
            let cc = Cursor::new(self.src, &raw.tokens, raw.end, true);
            if cc.kw_at_index(n - 3, "owner") && cc.kw_at_index(n - 2, "to") {
                return Ok(Outcome::Ignored(
                    "ownership (OWNER TO) is not part of the model".into(),
                ));
            }
        }
        match first.as_str() {
            "set" | "reset" => {
                self.session_setting(&mut c);
                Ok(Outcome::Ignored("session setting".into()))
            }
            "select" | "(" | "with" | "values" | "table" | "explain" | "show" => {
                if first == "select" {
                    self.select_set_config(&mut c);
                }
                Ok(Outcome::Ignored(
                    "a query: does not change the schema".into(),
                ))
            }
            "begin" | "commit" | "start" | "end" | "rollback" | "savepoint" | "release"
            | "abort" | "prepare" => Ok(Outcome::Ignored("transaction control".into())),
            "insert" | "update" | "delete" | "copy" | "truncate" | "merge" => {
                Ok(Outcome::Ignored("changes data, not the schema".into()))
            }
            "grant" | "revoke" => Ok(Outcome::Ignored(
                "privileges are not part of the model".into(),
            )),
            "analyze" | "analyse" | "vacuum" | "cluster" | "reindex" | "checkpoint" | "listen"
            | "notify" | "unlisten" | "discard" | "lock" | "refresh" | "load" | "security"
            | "deallocate" => Ok(Outcome::Ignored(
                "maintenance or session command: does not change the schema".into(),
            )),
            "create" => self.create(&mut c, raw),
            "alter" => self.alter(&mut c, raw),
            "drop" => {
                self.index_names_dirty = true;
                self.drop(&mut c, raw)
            }
            "comment" => self.comment(&mut c),
            "do" => self.do_block(&mut c, raw),
            _ => self.fallback(raw, "not a statement that changes the schema"),
        }
    }

    /// `DO $$ ... $$`: the DDL statements of a PL/pgSQL body (migrations guard DDL with
    /// `IF NOT EXISTS (...) THEN ... END IF`) are applied as if every branch that runs them is
    /// taken; one that cannot apply (the object already exists) is a warning. A body with other
    /// effects (dynamic EXECUTE, loops over the catalog) is kept as an opaque statement.
    fn do_block(&mut self, c: &mut Cursor<'_>, raw: &RawStatement) -> PResult<Outcome> {
        c.expect_kw("do")?;
        if c.eat_kw("language") {
            c.next();
        }
        let body_tok = c.expect_kind(TokenKind::DollarString, "a dollar-quoted body")?;
        if c.eat_kw("language") {
            let lang = c.ident()?.0;
            if lang != "plpgsql" {
                self.opaque("do block", "DO", raw);
                self.warn(
                    "opaque-statement",
                    format!("a DO block in {lang} is kept as an opaque statement"),
                    raw.start,
                );
                return Ok(Outcome::Understood);
            }
        }
        let text = c.text(body_tok);
        let tag_len = text[1..].find('$').map_or(2, |i| i + 2);
        let body_start = body_tok.start + tag_len;
        let body_end = body_tok.end.saturating_sub(tag_len).max(body_start);
        let body = self.src.get(body_start..body_end).unwrap_or("");
        let (mut inner, _) = super::split::split(body);
        let mut applied = 0;
        let mut opaque_reason: Option<&str> = None;
        for st in &mut inner {
            for t in &mut st.tokens {
                t.start += body_start;
                t.end += body_start;
            }
            st.start += body_start;
            st.end += body_start;
            // Find where a DDL statement starts in this chunk: at its start or after a PL/pgSQL
            // keyword that opens a block or branch.
            let cc = Cursor::new(self.src, &st.tokens, st.end, st.standard_conforming_strings);
            let mut k = 0;
            let ddl_start = loop {
                if k >= st.tokens.len() {
                    break None;
                }
                let starts = ["create", "alter", "drop", "comment"]
                    .iter()
                    .any(|w| cc.kw_at_index(k, w));
                let after_opener = k == 0
                    || ["begin", "then", "else", "loop"]
                        .iter()
                        .any(|w| cc.kw_at_index(k - 1, w));
                if starts && after_opener {
                    break Some(k);
                }
                if cc.kw_at_index(k, "execute") {
                    opaque_reason = Some("runs dynamic SQL (EXECUTE)");
                }
                k += 1;
            };
            let Some(k) = ddl_start else { continue };
            let sub = RawStatement {
                start: st.tokens[k].start,
                end: st.end,
                tokens: st.tokens[k..].to_vec(),
                standard_conforming_strings: st.standard_conforming_strings,
                terminated: true,
            };
            match self.statement(&sub) {
                Ok(Outcome::Understood) => applied += 1,
                Ok(Outcome::Ignored(_)) => {}
                Err(e) => self.warn(
                    "do-block-statement",
                    format!(
                        "a statement inside a DO block was not applied: {}",
                        e.message
                    ),
                    e.offset,
                ),
            }
        }
        if let Some(reason) = opaque_reason {
            self.opaque("do block", "DO", raw);
            self.warn(
                "opaque-statement",
                format!("a DO block {reason}: kept as an opaque statement"),
                raw.start,
            );
            return Ok(Outcome::Understood);
        }
        if applied == 0 {
            return Ok(Outcome::Ignored(
                "a DO block without DDL: does not change the schema".into(),
            ));
        }
        self.note(
            "do-block",
            format!(
                "DO block: {applied} DDL statement(s) inside applied as if their IF branches run"
            ),
            raw.start,
        );
        Ok(Outcome::Understood)
    }

    /// A statement no recognizer claims: ignored, with the reason, when it begins as a
    /// PostgreSQL statement does ([`commands::check`]); an error at the word that does not fit
    /// otherwise.
    pub(crate) fn fallback(&mut self, raw: &RawStatement, what: &str) -> PResult<Outcome> {
        match commands::check(self.src, raw) {
            Ok(()) => Ok(Outcome::Ignored(what.to_string())),
            Err(e) => Err(ParseError {
                offset: e.offset,
                message: format!("not understood: {}", e.message),
            }),
        }
    }

    /// The statement text from `start` to `end` with the name written at `name` replaced by
    /// `qualified` (so the text means the same under any search_path).
    pub(crate) fn qualified_text(
        &self,
        start: usize,
        end: usize,
        name: &WrittenName,
        qualified: &str,
    ) -> String {
        if name.parts.len() > 1 || name.offset < start || name.end > end {
            return self.src.get(start..end).unwrap_or("").to_string();
        }
        format!(
            "{}{qualified}{}",
            self.src.get(start..name.offset).unwrap_or(""),
            self.src.get(name.end..end).unwrap_or("")
        )
    }

    pub(crate) fn opaque(&mut self, kind: &str, identity: &str, raw: &RawStatement) {
        let sql = raw.text(self.src).to_string();
        self.opaque_text(kind, identity, sql);
    }

    pub(crate) fn opaque_text(&mut self, kind: &str, identity: &str, sql: String) {
        let obj = crate::model::OpaqueObject {
            kind: kind.into(),
            identity: identity.into(),
            sql,
        };
        // The same statement again (CREATE OR REPLACE) replaces the earlier one.
        if let Some(existing) = self.catalog.opaque.iter_mut().find(|o| {
            !identity.is_empty()
                && identity != "DO"
                && o.kind == obj.kind
                && o.identity == obj.identity
        }) {
            *existing = obj;
        } else {
            self.catalog.opaque.push(obj);
        }
    }

    /// The identity an opaque object of `kind` is kept under, read at `c` (just after the kind
    /// words, past any IF [NOT] EXISTS): its name, quoted where needed and, for the kinds that
    /// live in a schema, with the schema (the search_path's first when it is not written); `name
    /// ON table` for a rule, `(source AS target)` for a cast; empty when there is no name to
    /// read. CREATE and DROP read it alike, so that a DROP finds what the CREATE kept however
    /// each spells the name.
    pub(crate) fn opaque_identity(&self, c: &mut Cursor<'_>, kind: &[&str]) -> String {
        if kind == ["cast"] {
            let (a, b) = c.paren_group().unwrap_or((c.offset(), c.offset()));
            return format!("({})", self.src.get(a..b).unwrap_or("").trim());
        }
        let Ok(n) = c.name() else {
            return String::new();
        };
        let mut identity = if commands::in_schema(kind) {
            self.qualify(&n).to_string()
        } else {
            n.parts
                .iter()
                .map(|p| quote_ident(p))
                .collect::<Vec<_>>()
                .join(".")
        };
        if kind == ["rule"] {
            // Rules are per table: `CREATE RULE r AS ON event TO table`, `DROP RULE r ON table`.
            let table_at = |kw: &str| (c.i..c.toks.len()).find(|&i| c.kw_at_index(i, kw));
            let on = table_at("to").or_else(|| table_at("on"));
            if let Some(i) = on {
                let mut k = Cursor::new(c.src, c.toks, c.end, true);
                k.i = i + 1;
                if let Ok(t) = k.name() {
                    identity = format!("{identity} ON {}", self.qualify(&t));
                }
            }
        }
        identity
    }

    fn session_setting(&mut self, c: &mut Cursor<'_>) {
        // SET [SESSION|LOCAL] search_path {TO|=} a, b
        if c.eat_kw("reset") {
            if c.eat_kw("search_path") || c.eat_kw("all") {
                self.set_search_path(&["public".to_string()]);
            }
            return;
        }
        c.eat_kw("set");
        c.eat_kw("session");
        c.eat_kw("local");
        if c.eat_kw("default_tablespace") {
            if !c.eat_kw("to") {
                c.eat_op("=");
            }
            self.default_tablespace = match c.next() {
                Some(t) if t.kind == TokenKind::String => {
                    tablespace_name(super::lexer::string_value(c.text(t), true))
                }
                Some(t)
                    if t.kind == TokenKind::Word && c.text(t).eq_ignore_ascii_case("default") =>
                {
                    None
                }
                Some(t) if matches!(t.kind, TokenKind::Word | TokenKind::QuotedIdent) => {
                    c.i -= 1;
                    c.ident().ok().and_then(|(s, _)| tablespace_name(s))
                }
                _ => None,
            };
            return;
        }
        if c.eat_kw("search_path") {
            c.eat_kw("to");
            c.eat_op("=");
            let mut schemas = Vec::new();
            while let Some(t) = c.next() {
                match t.kind {
                    TokenKind::Word | TokenKind::QuotedIdent => {
                        c.i -= 1;
                        if let Ok((s, _)) = c.ident() {
                            schemas.push(s);
                        }
                    }
                    TokenKind::String => schemas.push(super::lexer::string_value(c.text(t), true)),
                    _ => {}
                }
            }
            self.set_search_path(&schemas);
        }
    }

    fn set_search_path(&mut self, schemas: &[String]) {
        let usable: Vec<String> = schemas
            .iter()
            .filter(|s| {
                !s.is_empty()
                    && s.as_str() != "pg_catalog"
                    && s.as_str() != "\"$user\""
                    && s.as_str() != "$user"
            })
            .cloned()
            .collect();
        self.default_schema = usable.first().cloned().unwrap_or_else(|| "public".into());
        // pg_catalog is searched where it is written, else before everything else.
        self.pg_catalog_at = schemas
            .iter()
            .position(|s| s == "pg_catalog")
            .map_or(0, |at| {
                usable.iter().filter(|u| schemas[..at].contains(u)).count()
            });
        self.search_path = usable;
    }

    fn select_set_config(&mut self, c: &mut Cursor<'_>) {
        // SELECT pg_catalog.set_config('search_path', '', false)
        let toks = c.toks;
        let n = toks.len();
        let mut i = 0;
        while i < n {
            if c.kw_at_index(i, "set_config") && i + 3 < n {
                let mut k = Cursor::new(c.src, toks, c.end, true);
                k.i = i + 1;
                if k.eat_kind(TokenKind::LParen)
                    && let Ok(name) = k.string()
                    && name == "search_path"
                    && k.eat_kind(TokenKind::Comma)
                    && let Ok(value) = k.string()
                {
                    let parts: Vec<String> =
                        value.split(',').map(|s| s.trim().to_string()).collect();
                    self.set_search_path(&parts);
                }
            }
            i += 1;
        }
    }

    fn create(&mut self, c: &mut Cursor<'_>, raw: &RawStatement) -> PResult<Outcome> {
        c.expect_kw("create")?;
        let or_replace = c.eat_kws(&["or", "replace"]);
        if c.is_kw("temp")
            || c.is_kw("temporary")
            || c.is_kws(&["global", "temporary"])
            || c.is_kws(&["local", "temporary"])
        {
            return Ok(Outcome::Ignored(
                "temporary objects are not part of the schema".into(),
            ));
        }
        if c.eat_kw("unlogged") {
            if c.is_kw("table") {
                return self.create_table(c, true);
            }
            if c.is_kw("sequence") {
                return self.create_sequence(c);
            }
            return c.error("expected TABLE or SEQUENCE after UNLOGGED");
        }
        if c.is_kw("table") {
            return self.create_table(c, false);
        }
        if c.is_kw("index") || c.is_kws(&["unique", "index"]) {
            return self.create_index(c);
        }
        if c.is_kw("sequence") {
            return self.create_sequence(c);
        }
        if c.is_kw("type") {
            return self.create_type(c, raw);
        }
        if c.is_kw("domain") {
            return self.create_domain(c);
        }
        if c.is_kw("view") || c.is_kw("materialized") || c.is_kws(&["recursive", "view"]) {
            return self.create_view(c, raw, or_replace);
        }
        if c.is_kw("function") || c.is_kw("procedure") {
            return self.create_function(c, raw);
        }
        if c.is_kw("aggregate") {
            return self.create_aggregate(c, raw);
        }
        if c.is_kw("trigger") || c.is_kws(&["constraint", "trigger"]) {
            return self.create_trigger(c);
        }
        if c.is_kw("schema") {
            return self.create_schema(c);
        }
        if c.is_kw("extension") {
            return self.create_extension(c);
        }
        if c.is_kw("policy") {
            return self.create_policy(c);
        }
        self.create_other(c, raw)
    }

    /// CREATE of an object kind the model has no place for: kept opaque when it is one of
    /// PostgreSQL's kinds, an error otherwise.
    fn create_other(&mut self, c: &mut Cursor<'_>, raw: &RawStatement) -> PResult<Outcome> {
        if let Some(kind) = commands::opaque_kind(c) {
            let kind_text = commands::kind_text(kind);
            if matches!(
                kind_text.as_str(),
                "role" | "user" | "group" | "database" | "tablespace" | "user mapping"
            ) {
                return Ok(Outcome::Ignored(format!(
                    "{kind_text}: cluster-wide, not part of the schema"
                )));
            }
            c.eat_kws(&["if", "not", "exists"]);
            let identity = self.opaque_identity(c, kind);
            self.opaque(&kind_text, &identity, raw);
            self.note(
                "opaque-statement",
                format!(
                    "CREATE {} is kept as an opaque statement: the model has no place for it",
                    kind_text.to_ascii_uppercase()
                ),
                raw.start,
            );
            return Ok(Outcome::Understood);
        }
        // Every kind of object PostgreSQL 15 can CREATE is read above or is an opaque kind.
        c.error(format!(
            "not understood: {} is not a kind of object PostgreSQL creates",
            c.describe_next()
        ))
    }

    // ---------------------------------------------------------------- tables

    fn create_table(&mut self, c: &mut Cursor<'_>, unlogged: bool) -> PResult<Outcome> {
        c.expect_kw("table")?;
        let if_not_exists = c.eat_kws(&["if", "not", "exists"]);
        let written = c.name()?;
        self.check_truncated(&written);
        let name = self.qualify(&written);
        if self.catalog.tables.contains_key(&name) {
            if if_not_exists {
                self.note(
                    "already-exists",
                    format!("table {name} already exists: CREATE TABLE IF NOT EXISTS does nothing"),
                    written.offset,
                );
                return Ok(Outcome::Understood);
            }
            return Err(ParseError {
                offset: written.offset,
                message: format!("table {name} is already defined"),
            });
        }
        if c.is_kw("as") || (c.is_kind(TokenKind::LParen) && is_create_table_as(c)) {
            let start = c.toks.first().map_or(written.offset, |t| t.start);
            let sql = self.qualified_text(start, c.end, &written, &name.to_string());
            self.opaque_text("table as query", &name.to_string(), sql);
            self.warn(
                "opaque-statement",
                format!("CREATE TABLE {name} AS a query: its columns cannot be known without running the query; kept as an opaque statement"),
                written.offset,
            );
            return Ok(Outcome::Understood);
        }
        let mut table = Table::new(name.clone());
        table.unlogged = unlogged;
        self.expr_columns.clear();
        self.expr_table = None;
        let mut pending: Vec<PendingConstraint> = Vec::new();
        let mut serials: Vec<(String, Serial)> = Vec::new();
        if c.eat_kw("partition") {
            c.expect_kw("of")?;
            let parent = c.name()?;
            let parent = self.qualify(&parent);
            // Columns come from the parent.
            let parent_table = self.catalog.tables.get(&parent).cloned();
            match parent_table {
                Some(p) => {
                    for (n, col) in &p.columns {
                        let mut col = col.clone();
                        col.comment = None;
                        col.identity = None;
                        table.columns.insert(n.clone(), col);
                    }
                }
                None => {
                    self.warn(
                        "unknown-table",
                        format!("partition parent {parent} is not defined"),
                        c.offset(),
                    );
                }
            }
            self.expr_columns = table
                .columns
                .iter()
                .map(|(k, v)| (k.clone(), v.data_type.clone()))
                .collect();
            self.expr_table = None;
            if c.is_kind(TokenKind::LParen) {
                self.table_elements(c, &mut table, &mut pending, &mut serials, true)?;
            }
            let bound = self.partition_bound(c)?;
            table.partition_of = Some(PartitionOf { parent, bound });
        } else if c.is_kw("of") {
            return Err(ParseError {
                offset: c.offset(),
                message: "typed tables (CREATE TABLE ... OF type) are not supported".into(),
            });
        } else {
            self.table_elements(c, &mut table, &mut pending, &mut serials, false)?;
        }
        self.table_tail(c, &mut table)?;
        c.expect_end()?;
        // Written (pg_default: the database's default), else a partition's parent's, else
        // `SET default_tablespace` (DefineRelation's order).
        table.tablespace = match table.tablespace.take() {
            Some(written) => tablespace_name(written),
            None => table
                .partition_of
                .as_ref()
                .and_then(|p| self.catalog.tables.get(&p.parent))
                .and_then(|p| p.tablespace.clone())
                .or_else(|| self.default_tablespace.clone()),
        };
        self.catalog.tables.insert(name.clone(), table);
        let at = self.source_at(c.toks.first().map_or(written.offset, |t| t.start));
        self.catalog.sources.set_table(&name, at);
        for (col, kind) in serials {
            self.make_serial(&name, &col, kind);
        }
        // Identity columns get their sequence's name and normalised options.
        let identity_columns: Vec<String> = self.catalog.tables[&name]
            .columns
            .values()
            .filter(|c| c.identity.is_some())
            .map(|c| c.name.clone())
            .collect();
        if !identity_columns.is_empty() {
            self.index_names_dirty = true;
        }
        for col in identity_columns {
            if let Some(mut cd) = self
                .catalog
                .tables
                .get(&name)
                .and_then(|t| t.columns.get(&col))
                .cloned()
            {
                self.settle_identity(&name, &mut cd);
                if let Some(slot) = self
                    .catalog
                    .tables
                    .get_mut(&name)
                    .and_then(|t| t.columns.get_mut(&col))
                {
                    *slot = cd;
                }
            }
        }
        let parent_of_partition = self
            .catalog
            .tables
            .get(&name)
            .and_then(|t| t.partition_of.as_ref())
            .map(|p| p.parent.clone());
        // Index-backed constraints are named first, then checks, then foreign keys.
        pending.sort_by_key(|p| match p.kind {
            ConstraintKind::PrimaryKey { .. }
            | ConstraintKind::Unique { .. }
            | ConstraintKind::Exclude { .. } => 0,
            ConstraintKind::Check { .. } => 1,
            ConstraintKind::ForeignKey { .. } => 2,
        });
        for p in pending {
            self.add_constraint(&name, p)?;
        }
        if let Some(parent) = parent_of_partition {
            self.clone_into_partition(&parent, &name);
        }
        Ok(Outcome::Understood)
    }

    /// A new partition gets what PostgreSQL gives it from its partitioned parent: a copy of each
    /// primary key, unique constraint and index (named for the partition, indexes attached to the
    /// parent's), and the parent's foreign keys and checks under the same names.
    pub(crate) fn clone_into_partition(&mut self, parent: &QualifiedName, child: &QualifiedName) {
        let Some(p) = self.catalog.tables.get(parent).cloned() else {
            return;
        };
        for con in p.constraints.values() {
            if self
                .catalog
                .tables
                .get(child)
                .is_some_and(|t| t.constraints.values().any(|c| c.kind == con.kind))
            {
                continue;
            }
            let name = match &con.kind {
                ConstraintKind::ForeignKey { .. } | ConstraintKind::Check { .. } => {
                    Some(con.name.clone())
                }
                _ => None,
            };
            let pend = PendingConstraint {
                name,
                kind: con.kind.clone(),
                deferrable: con.deferrable,
                initially_deferred: con.initially_deferred,
                not_valid: con.not_valid,
                column: None,
                references_primary_key: false,
                index_options: con.index_options.clone(),
                index_tablespace: con.index_tablespace.clone(),
                offset: 0,
            };
            let _ = self.add_constraint(child, pend);
        }
        for idx in p.indexes.values() {
            self.clone_index_into_partition(parent, idx, child);
        }
    }

    fn clone_index_into_partition(
        &mut self,
        parent: &QualifiedName,
        idx: &Index,
        child: &QualifiedName,
    ) {
        let partitioned = self
            .catalog
            .tables
            .get(child)
            .is_some_and(|t| t.partition_by.is_some());
        let key_names: Vec<Option<String>> = idx
            .keys
            .iter()
            .map(|k| match &k.expression {
                IndexKeyExpr::Column(c) => Some(c.clone()),
                IndexKeyExpr::Expression(e) => e
                    .split('(')
                    .next()
                    .filter(|f| !f.is_empty() && !f.contains(' '))
                    .map(str::to_string),
            })
            .collect();
        self.refresh_index_names();
        let schema = child.schema.clone();
        let name = choose_name(
            &child.name,
            Some(&index_column_names(&key_names)),
            "idx",
            |n| self.relation_name_taken(&schema, n),
        );
        let mut copy = idx.clone();
        copy.name = name.clone();
        copy.only = partitioned;
        copy.attached_to = Some(parent.sibling(idx.name.clone()));
        copy.comment = None;
        self.note_index_name(&schema, &name);
        if let Some(t) = self.catalog.tables.get_mut(child) {
            t.indexes.insert(name, copy);
        }
    }

    fn table_tail(&mut self, c: &mut Cursor<'_>, table: &mut Table) -> PResult<()> {
        loop {
            if c.eat_kw("inherits") {
                c.expect_kind(TokenKind::LParen, "`(`")?;
                loop {
                    let n = c.name()?;
                    let q = self.qualify(&n);
                    if let Some(parent) = self.catalog.tables.get(&q) {
                        for (cn, col) in &parent.columns {
                            if !table.columns.contains_key(cn) {
                                let mut col = col.clone();
                                col.comment = None;
                                table.columns.insert(cn.clone(), col);
                            }
                        }
                    }
                    table.inherits.push(q);
                    if !c.eat_kind(TokenKind::Comma) {
                        break;
                    }
                }
                c.expect_kind(TokenKind::RParen, "`)`")?;
            } else if c.eat_kws(&["partition", "by"]) {
                let start = c.i;
                let strategy = c.ident()?.0.to_ascii_uppercase();
                let (a, b) = paren_tokens(c)?;
                let _ = start;
                let keys = expr_text(c, a, b, false);
                table.partition_by = Some(format!("{strategy} ({keys})"));
            } else if c.eat_kw("using") {
                c.ident()?;
            } else if c.eat_kw("with") {
                table.options = options_list(c)?;
            } else if c.eat_kws(&["without", "oids"]) {
            } else if c.eat_kw("tablespace") {
                // As written here; settled by the caller.
                table.tablespace = Some(c.ident()?.0);
            } else if c.eat_kws(&["on", "commit"]) {
                while c.ident().is_ok() && !c.at_end() {}
            } else {
                return Ok(());
            }
        }
    }

    fn partition_bound(&mut self, c: &mut Cursor<'_>) -> PResult<String> {
        if c.eat_kw("default") {
            return Ok("DEFAULT".into());
        }
        c.expect_kws(&["for", "values"])?;
        let start = c.i;
        let (_, end) = c.until(|k, i| {
            k.kw_at_index(i, "partition")
                || k.kw_at_index(i, "tablespace")
                || k.kw_at_index(i, "with")
                    && !k.kw_at_index(start, "with")
                    && i > start + 1
                    && k.kind_at_index(i + 1) == Some(TokenKind::LParen)
                    && k.kw_at_index(i - 1, ")")
        })?;
        let text = expr_text(c, start, end, false);
        // pg_get_expr prints these bound keywords in upper case (modulus/remainder stay lower).
        let text: Vec<String> = text
            .split(' ')
            .map(
                |w| match w.trim_matches(|ch: char| ch == '(' || ch == ')' || ch == ',') {
                    "minvalue" | "maxvalue" => w.to_ascii_uppercase(),
                    _ => w.to_string(),
                },
            )
            .collect();
        Ok(format!("FOR VALUES {}", text.join(" ")))
    }

    fn table_elements(
        &mut self,
        c: &mut Cursor<'_>,
        table: &mut Table,
        pending: &mut Vec<PendingConstraint>,
        serials: &mut Vec<(String, Serial)>,
        partition: bool,
    ) -> PResult<()> {
        c.expect_kind(TokenKind::LParen, "`(`")?;
        if c.eat_kind(TokenKind::RParen) {
            return Ok(());
        }
        loop {
            if c.is_any_kw(&[
                "constraint",
                "primary",
                "unique",
                "check",
                "foreign",
                "exclude",
            ]) {
                let name = if c.eat_kw("constraint") {
                    Some(c.ident()?.0)
                } else {
                    None
                };
                let p = self.table_constraint(c, name)?;
                pending.push(p);
            } else if c.is_kw("like") {
                return c.error("CREATE TABLE (LIKE ...) is not supported");
            } else {
                let offset = c.offset();
                let (col_name, truncated) = c.ident()?;
                if truncated {
                    self.note(
                        "identifier-truncated",
                        format!(
                            "column name `{col_name}` was longer than 63 bytes and is truncated"
                        ),
                        offset,
                    );
                }
                if partition
                    && (c.eat_kws(&["with", "options"]) || table.columns.contains_key(&col_name))
                {
                    // A partition's column options: constraints and defaults on an inherited column.
                    let mut col = table
                        .columns
                        .get(&col_name)
                        .cloned()
                        .unwrap_or_else(|| Column::new(col_name.clone(), builtin("text")));
                    self.column_constraints(c, table, &mut col, pending)?;
                    table.columns.insert(col_name, col);
                } else {
                    if table.columns.contains_key(&col_name) {
                        let inherited = !table.inherits.is_empty();
                        if !inherited {
                            return Err(ParseError {
                                offset,
                                message: format!("column \"{col_name}\" specified more than once"),
                            });
                        }
                    }
                    let (data_type, serial) = parse_type(c, &self.default_schema)?;
                    self.expr_columns
                        .insert(col_name.clone(), data_type.clone());
                    let mut col = Column::new(col_name.clone(), data_type);
                    self.column_constraints(c, table, &mut col, pending)?;
                    if let Some(kind) = serial {
                        col.not_null = true;
                        serials.push((col_name.clone(), kind));
                    }
                    let at = self.source_at(offset);
                    self.catalog.sources.set_column(&table.name, &col_name, at);
                    table.columns.insert(col_name, col);
                }
            }
            if c.eat_kind(TokenKind::Comma) {
                continue;
            }
            c.expect_kind(TokenKind::RParen, "`,` or `)` in the column list")?;
            return Ok(());
        }
    }

    /// Column constraints and options after the type, up to `,` or `)`.
    pub(crate) fn column_constraints(
        &mut self,
        c: &mut Cursor<'_>,
        table: &Table,
        col: &mut Column,
        pending: &mut Vec<PendingConstraint>,
    ) -> PResult<()> {
        let _ = table;
        loop {
            let offset = c.offset();
            let name = if c.eat_kw("constraint") {
                Some(c.ident()?.0)
            } else {
                None
            };
            if c.eat_kws(&["not", "null"]) {
                col.not_null = true;
            } else if c.eat_kw("null") {
                col.not_null = false;
            } else if c.eat_kw("default") {
                let (a, b) = c.until(|k, i| is_column_constraint_start(k, i))?;
                if a == b {
                    return c.error("expected an expression after DEFAULT");
                }
                col.default = default_text(c, a, b, &col.data_type);
            } else if c.eat_kw("collate") {
                let n = c.name()?;
                col.collation = Some(n.last().to_string());
            } else if c.is_kw("generated") {
                c.i += 1;
                if c.eat_kw("always") {
                    if c.is_kw("as") && c.peek_at(1).is_some_and(|t| t.kind == TokenKind::LParen) {
                        c.i += 1;
                        let (a, b) = paren_tokens(c)?;
                        let expression = self.cond(c, a, b);
                        let stored = if c.eat_kw("stored") {
                            true
                        } else {
                            !c.eat_kw("virtual")
                        };
                        col.generated = Some(Generated { expression, stored });
                        continue;
                    }
                    c.expect_kws(&["as", "identity"])?;
                    let opts = self.identity_options(c)?;
                    col.identity = Some(Identity {
                        always: true,
                        sequence: opts.0,
                        options: opts.1,
                    });
                    col.not_null = true;
                } else {
                    c.expect_kws(&["by", "default", "as", "identity"])?;
                    let opts = self.identity_options(c)?;
                    col.identity = Some(Identity {
                        always: false,
                        sequence: opts.0,
                        options: opts.1,
                    });
                    col.not_null = true;
                }
            } else if c.is_kw("primary")
                || c.is_kw("unique")
                || c.is_kw("check")
                || c.is_kw("references")
            {
                if c.is_kw("references") {
                    let mut p = self.references(c, vec![col.name.clone()], name.clone(), offset)?;
                    p.column = Some(col.name.clone());
                    self.constraint_attributes(c, &mut p)?;
                    pending.push(p);
                } else {
                    let is_pk = c.is_kw("primary");
                    let is_unique = c.is_kw("unique");
                    let mut p = if is_pk || is_unique {
                        // Inline: the column list is this column.
                        c.i += 1;
                        if is_pk {
                            c.expect_kw("key")?;
                        }
                        let nulls_not_distinct = c.eat_kws(&["nulls", "not", "distinct"]);
                        c.eat_kws(&["nulls", "distinct"]);
                        let (include, index_options, index_tablespace) =
                            self.index_parameters(c)?;
                        let columns = vec![col.name.clone()];
                        let kind = if is_pk {
                            ConstraintKind::PrimaryKey { columns, include }
                        } else {
                            ConstraintKind::Unique {
                                columns,
                                include,
                                nulls_not_distinct,
                            }
                        };
                        PendingConstraint {
                            name: name.clone(),
                            kind,
                            deferrable: false,
                            initially_deferred: false,
                            not_valid: false,
                            column: Some(col.name.clone()),
                            references_primary_key: false,
                            index_options,
                            index_tablespace,
                            offset,
                        }
                    } else {
                        let mut p = self.table_constraint(c, name.clone())?;
                        p.column = Some(col.name.clone());
                        p
                    };
                    self.constraint_attributes(c, &mut p)?;
                    if is_pk {
                        col.not_null = true;
                    }
                    pending.push(p);
                }
            } else if c.is_kw("deferrable")
                || c.is_kw("initially")
                || c.is_kws(&["not", "deferrable"])
            {
                match pending.last_mut() {
                    Some(p) => self.constraint_attributes(c, p)?,
                    None => return c.error("DEFERRABLE without a constraint"),
                }
            } else if c.eat_kw("storage") || c.eat_kw("compression") {
                c.ident()?;
            } else {
                if name.is_some() {
                    return c.error("expected a constraint after CONSTRAINT name");
                }
                return Ok(());
            }
        }
    }

    /// `( SEQUENCE NAME x START WITH 1 ... )` after AS IDENTITY.
    fn identity_options(
        &mut self,
        c: &mut Cursor<'_>,
    ) -> PResult<(Option<QualifiedName>, SequenceOptions)> {
        let mut w = WrittenSequenceOptions::default();
        if c.is_kind(TokenKind::LParen) {
            c.i += 1;
            self.sequence_options(c, &mut w)?;
            c.expect_kind(TokenKind::RParen, "`)` after identity options")?;
        }
        let seq = w.sequence_name.as_ref().map(|n| self.qualify(n));
        let data_type = builtin("bigint");
        let raw = SequenceOptions {
            start: w.start,
            increment: w.increment,
            min_value: w.min_value.flatten(),
            max_value: w.max_value.flatten(),
            cache: w.cache,
            cycle: w.cycle.unwrap_or(false),
        };
        // Identity options are normalised against the column's type later (it may not be bigint).
        let _ = data_type;
        Ok((seq, raw))
    }

    /// Sequence options in any order; stops at a token that is not one.
    pub(crate) fn sequence_options(
        &mut self,
        c: &mut Cursor<'_>,
        w: &mut WrittenSequenceOptions,
    ) -> PResult<()> {
        loop {
            if c.eat_kw("as") {
                w.data_type = Some(parse_type(c, &self.default_schema)?.0);
            } else if c.eat_kw("increment") {
                c.eat_kw("by");
                w.increment = Some(c.integer()?);
            } else if c.eat_kws(&["no", "minvalue"]) {
                w.min_value = Some(None);
            } else if c.eat_kws(&["no", "maxvalue"]) {
                w.max_value = Some(None);
            } else if c.eat_kws(&["no", "cycle"]) {
                w.cycle = Some(false);
            } else if c.eat_kw("minvalue") {
                w.min_value = Some(Some(c.integer()?));
            } else if c.eat_kw("maxvalue") {
                w.max_value = Some(Some(c.integer()?));
            } else if c.eat_kw("start") {
                c.eat_kw("with");
                w.start = Some(c.integer()?);
            } else if c.eat_kw("restart") {
                c.eat_kw("with");
                if c.is_kind(TokenKind::Number) || c.is_op("-") {
                    c.integer()?;
                }
            } else if c.eat_kw("cache") {
                w.cache = Some(c.integer()?);
            } else if c.eat_kw("cycle") {
                w.cycle = Some(true);
            } else if c.eat_kws(&["owned", "by"]) {
                if c.eat_kw("none") {
                    w.owned_by = Some(None);
                } else {
                    w.owned_by = Some(Some(c.name()?));
                }
            } else if c.eat_kws(&["sequence", "name"]) {
                w.sequence_name = Some(c.name()?);
            } else if c.eat_kw("logged") || c.eat_kw("unlogged") {
            } else {
                // `)` of the parenthesised list, or the end of the options.
                return Ok(());
            }
        }
    }

    /// A table constraint after its optional `CONSTRAINT name`.
    pub(crate) fn table_constraint(
        &mut self,
        c: &mut Cursor<'_>,
        name: Option<String>,
    ) -> PResult<PendingConstraint> {
        let offset = c.offset();
        let mut p = if c.eat_kws(&["primary", "key"]) {
            let columns = c.ident_list()?;
            let (include, index_options, index_tablespace) = self.index_parameters(c)?;
            PendingConstraint {
                index_options,
                index_tablespace,
                ..pending(
                    name,
                    ConstraintKind::PrimaryKey { columns, include },
                    offset,
                )
            }
        } else if c.eat_kw("unique") {
            let nulls_not_distinct = c.eat_kws(&["nulls", "not", "distinct"]);
            c.eat_kws(&["nulls", "distinct"]);
            let columns = c.ident_list()?;
            let (include, index_options, index_tablespace) = self.index_parameters(c)?;
            PendingConstraint {
                index_options,
                index_tablespace,
                ..pending(
                    name,
                    ConstraintKind::Unique {
                        columns,
                        include,
                        nulls_not_distinct,
                    },
                    offset,
                )
            }
        } else if c.eat_kw("check") {
            let (a, b) = paren_tokens(c)?;
            let expression = self.cond(c, a, b);
            let no_inherit = c.eat_kws(&["no", "inherit"]);
            pending(
                name,
                ConstraintKind::Check {
                    expression,
                    no_inherit,
                },
                offset,
            )
        } else if c.eat_kws(&["foreign", "key"]) {
            let columns = c.ident_list()?;
            self.references(c, columns, name, offset)?
        } else if c.is_kw("exclude") {
            let start = c.i;
            c.i += 1;
            let method = if c.eat_kw("using") {
                c.ident()?.0
            } else {
                "btree".to_string()
            };
            let (a, b) = paren_tokens(c)?;
            let elements = expr_text(c, a, b, false);
            let mut definition = format!("EXCLUDE USING {method} ({elements})");
            // The index's storage parameters are not kept for exclusion constraints (as before).
            let (include, _, index_tablespace) = self.index_parameters(c)?;
            if !include.is_empty() {
                definition.push_str(&format!(
                    " INCLUDE ({})",
                    include
                        .iter()
                        .map(|s| quote_ident(s))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            if c.eat_kw("where") {
                let (a, b) = paren_tokens(c)?;
                definition.push_str(&format!(" WHERE ({})", self.cond(c, a, b)));
            }
            let _ = start;
            PendingConstraint {
                index_tablespace,
                ..pending(name, ConstraintKind::Exclude { definition }, offset)
            }
        } else {
            return c.error("expected PRIMARY KEY, UNIQUE, CHECK, FOREIGN KEY or EXCLUDE");
        };
        self.constraint_attributes(c, &mut p)?;
        Ok(p)
    }

    /// `INCLUDE (...)`, `WITH (...)`, `USING INDEX TABLESPACE x` after a PK/UNIQUE/EXCLUDE.
    #[allow(clippy::type_complexity)]
    fn index_parameters(
        &mut self,
        c: &mut Cursor<'_>,
    ) -> PResult<(Vec<String>, Vec<String>, Option<String>)> {
        let mut include = Vec::new();
        let mut options = Vec::new();
        let mut tablespace = None;
        loop {
            if c.eat_kw("include") {
                include = c.ident_list()?;
            } else if c.is_kw("with") && c.peek_at(1).is_some_and(|t| t.kind == TokenKind::LParen) {
                c.i += 1;
                options = options_list(c)?;
            } else if c.eat_kws(&["using", "index", "tablespace"]) {
                tablespace = tablespace_name(c.ident()?.0);
            } else {
                return Ok((include, options, tablespace));
            }
        }
    }

    fn references(
        &mut self,
        c: &mut Cursor<'_>,
        columns: Vec<String>,
        name: Option<String>,
        offset: usize,
    ) -> PResult<PendingConstraint> {
        c.expect_kw("references")?;
        let t = c.name()?;
        let references = self.qualify(&t);
        let (referenced_columns, by_pk) = if c.is_kind(TokenKind::LParen) {
            (c.ident_list()?, false)
        } else {
            (Vec::new(), true)
        };
        let mut on_delete = ReferentialAction::NoAction;
        let mut on_update = ReferentialAction::NoAction;
        let mut match_full = false;
        loop {
            if c.eat_kw("match") {
                let m = c.ident()?.0;
                match_full = m == "full";
                if m == "partial" {
                    return c.error("MATCH PARTIAL is not implemented by PostgreSQL");
                }
            } else if c.eat_kws(&["on", "delete"]) {
                on_delete = referential_action(c)?;
            } else if c.eat_kws(&["on", "update"]) {
                on_update = referential_action(c)?;
            } else {
                break;
            }
        }
        let mut p = pending(
            name,
            ConstraintKind::ForeignKey {
                columns,
                references,
                referenced_columns,
                on_delete,
                on_update,
                match_full,
            },
            offset,
        );
        p.references_primary_key = by_pk;
        Ok(p)
    }

    pub(crate) fn constraint_attributes(
        &mut self,
        c: &mut Cursor<'_>,
        p: &mut PendingConstraint,
    ) -> PResult<()> {
        loop {
            if c.eat_kw("deferrable") {
                p.deferrable = true;
            } else if c.eat_kws(&["not", "deferrable"]) {
                p.deferrable = false;
            } else if c.eat_kws(&["initially", "deferred"]) {
                p.initially_deferred = true;
                p.deferrable = true;
            } else if c.eat_kws(&["initially", "immediate"]) {
                p.initially_deferred = false;
            } else if c.eat_kws(&["not", "valid"]) {
                p.not_valid = true;
            } else if c.eat_kws(&["no", "inherit"]) {
                if let ConstraintKind::Check { no_inherit, .. } = &mut p.kind {
                    *no_inherit = true;
                }
            } else if c.eat_kw("enforced") {
            } else {
                return Ok(());
            }
        }
    }

    /// ALTER TABLE (without ONLY) on a partitioned table adds the constraint to its partitions
    /// too: keys under the partition's own names, foreign keys and checks under the same name.
    fn add_constraint_recursing(
        &mut self,
        table: &QualifiedName,
        p: PendingConstraint,
    ) -> PResult<()> {
        let partitioned = self
            .catalog
            .tables
            .get(table)
            .is_some_and(|t| t.partition_by.is_some());
        let copy = (!self.alter_only && partitioned).then(|| PendingConstraint {
            name: p.name.clone(),
            kind: p.kind.clone(),
            deferrable: p.deferrable,
            initially_deferred: p.initially_deferred,
            not_valid: p.not_valid,
            column: p.column.clone(),
            references_primary_key: p.references_primary_key,
            index_options: p.index_options.clone(),
            index_tablespace: p.index_tablespace.clone(),
            offset: p.offset,
        });
        self.add_constraint(table, p)?;
        if let Some(copy) = copy {
            let partitions: Vec<QualifiedName> = self
                .catalog
                .tables
                .values()
                .filter(|t| t.partition_of.as_ref().is_some_and(|x| &x.parent == table))
                .map(|t| t.name.clone())
                .collect();
            for child in partitions {
                let keeps_name = matches!(
                    copy.kind,
                    ConstraintKind::ForeignKey { .. } | ConstraintKind::Check { .. }
                );
                let mut c = PendingConstraint {
                    name: if keeps_name { copy.name.clone() } else { None },
                    kind: copy.kind.clone(),
                    column: None,
                    ..copy_fields(&copy)
                };
                if keeps_name && c.name.is_none() {
                    // The parent's chosen name: the constraint just added with this definition.
                    c.name = self
                        .catalog
                        .tables
                        .get(table)
                        .and_then(|t| t.constraints.values().find(|x| x.kind == copy.kind))
                        .map(|x| x.name.clone());
                }
                self.add_constraint(&child, c)?;
            }
        }
        Ok(())
    }

    /// Names and adds a constraint to a table.
    pub(crate) fn add_constraint(
        &mut self,
        table: &QualifiedName,
        mut p: PendingConstraint,
    ) -> PResult<()> {
        // A foreign key without columns references the primary key.
        if let ConstraintKind::ForeignKey {
            references,
            referenced_columns,
            ..
        } = &mut p.kind
            && p.references_primary_key
        {
            let pk = self
                .catalog
                .tables
                .get(references)
                .and_then(|t| t.primary_key())
                .and_then(|k| match &k.kind {
                    ConstraintKind::PrimaryKey { columns, .. } => Some(columns.clone()),
                    _ => None,
                });
            match pk {
                Some(cols) => *referenced_columns = cols,
                None => {
                    // A migration read alone references tables defined by earlier ones: the
                    // rest of the statement is kept, this foreign key cannot be.
                    let message = if self.catalog.tables.contains_key(references) {
                        format!(
                            "there is no primary key for referenced table {references}: the foreign key is left out of the model"
                        )
                    } else {
                        format!(
                            "referenced table {references} is not defined here: the foreign key is left out of the model"
                        )
                    };
                    self.warn("unresolved-reference", message, p.offset);
                    return Ok(());
                }
            }
        }
        if !self.catalog.tables.contains_key(table) {
            return Err(ParseError {
                offset: p.offset,
                message: format!("table {table} is not defined"),
            });
        }
        // Check the columns exist.
        let missing = {
            let t = &self.catalog.tables[table];
            let cols: Vec<&String> = match &p.kind {
                ConstraintKind::PrimaryKey { columns, include }
                | ConstraintKind::Unique {
                    columns, include, ..
                } => columns.iter().chain(include.iter()).collect(),
                ConstraintKind::ForeignKey { columns, .. } => columns.iter().collect(),
                _ => Vec::new(),
            };
            cols.into_iter()
                .find(|c| !t.columns.contains_key(*c))
                .cloned()
        };
        if let Some(m) = missing {
            return Err(ParseError {
                offset: p.offset,
                message: format!("column \"{m}\" named in key does not exist in {table}"),
            });
        }
        let name = match p.name.take() {
            Some(n) => n,
            None => self.choose_constraint_name(table, &p),
        };
        if self.catalog.tables[table].constraints.contains_key(&name) {
            return Err(ParseError {
                offset: p.offset,
                message: format!("constraint \"{name}\" for relation {table} already exists"),
            });
        }
        let t = self
            .catalog
            .tables
            .get_mut(table)
            .ok_or_else(|| ParseError {
                offset: p.offset,
                message: format!("table {table} is not defined"),
            })?;
        if let ConstraintKind::PrimaryKey { columns, .. } = &p.kind {
            for col in columns {
                if let Some(cd) = t.columns.get_mut(col) {
                    cd.not_null = true;
                }
            }
        }
        let index_backed = matches!(
            p.kind,
            ConstraintKind::PrimaryKey { .. }
                | ConstraintKind::Unique { .. }
                | ConstraintKind::Exclude { .. }
        );
        let schema = table.schema.clone();
        let constraint_name = name.clone();
        t.constraints.insert(
            name.clone(),
            Constraint {
                name,
                kind: p.kind,
                deferrable: p.deferrable,
                initially_deferred: p.initially_deferred,
                not_valid: p.not_valid,
                comment: None,
                index_options: p.index_options,
                // Written on the constraint, else `SET default_tablespace` (pg_dump's form).
                index_tablespace: if index_backed {
                    p.index_tablespace
                        .or_else(|| self.default_tablespace.clone())
                } else {
                    None
                },
            },
        );
        if index_backed {
            self.note_index_name(&schema, &constraint_name);
        }
        Ok(())
    }

    fn choose_constraint_name(&self, table: &QualifiedName, p: &PendingConstraint) -> String {
        let schema = table.schema.clone();
        match &p.kind {
            ConstraintKind::PrimaryKey { .. } => choose_name(&table.name, None, "pkey", |n| {
                self.relation_name_taken(&schema, n)
            }),
            ConstraintKind::Unique { columns, .. } => {
                let cols: Vec<Option<String>> = columns.iter().map(|c| Some(c.clone())).collect();
                choose_name(&table.name, Some(&index_column_names(&cols)), "key", |n| {
                    self.relation_name_taken(&schema, n)
                })
            }
            ConstraintKind::Exclude { definition } => {
                let cols = exclude_column_names(definition);
                choose_name(&table.name, Some(&index_column_names(&cols)), "excl", |n| {
                    self.relation_name_taken(&schema, n)
                })
            }
            ConstraintKind::ForeignKey { columns, .. } => {
                choose_name(&table.name, Some(&join_limited(columns)), "fkey", |n| {
                    self.constraint_name_taken(&schema, n)
                })
            }
            ConstraintKind::Check { expression, .. } => {
                // PostgreSQL names a check after its column when the expression references
                // exactly one column, written as a column constraint or not.
                let column = match self.catalog.tables.get(table) {
                    Some(t) => {
                        let used = referenced_columns(expression, t);
                        if used.len() == 1 {
                            used.into_iter().next()
                        } else {
                            None
                        }
                    }
                    None => p.column.clone(),
                };
                choose_name(&table.name, column.as_deref(), "check", |n| {
                    self.constraint_name_taken(&schema, n)
                })
            }
        }
    }

    /// Rebuilds the set of index-like relation names if something may have changed it.
    pub(crate) fn refresh_index_names(&mut self) {
        if !self.index_names_dirty {
            return;
        }
        let mut set: std::collections::HashMap<String, std::collections::HashSet<String>> =
            Default::default();
        for t in self.catalog.tables.values() {
            let names = set.entry(t.name.schema.clone()).or_default();
            for n in t.indexes.keys() {
                names.insert(n.clone());
            }
            for (n, c) in &t.constraints {
                if matches!(
                    c.kind,
                    ConstraintKind::PrimaryKey { .. }
                        | ConstraintKind::Unique { .. }
                        | ConstraintKind::Exclude { .. }
                ) {
                    names.insert(n.clone());
                }
            }
            for c in t.columns.values() {
                if let Some(s) = c.identity.as_ref().and_then(|i| i.sequence.as_ref()) {
                    set.entry(s.schema.clone())
                        .or_default()
                        .insert(s.name.clone());
                }
            }
        }
        for v in self.catalog.views.values() {
            let names = set.entry(v.name.schema.clone()).or_default();
            for n in v.indexes.keys() {
                names.insert(n.clone());
            }
        }
        self.index_names = set;
        self.index_names_dirty = false;
    }

    /// Records a new index-like name (keeps the set current without a rebuild).
    pub(crate) fn note_index_name(&mut self, schema: &str, name: &str) {
        if !self.index_names_dirty {
            self.index_names
                .entry(schema.to_string())
                .or_default()
                .insert(name.to_string());
        }
    }

    /// Is a relation (table, index, sequence, view) of this name in the schema?
    pub(crate) fn relation_name_taken(&self, schema: &str, name: &str) -> bool {
        let q = QualifiedName::new(schema, name);
        if self.catalog.tables.contains_key(&q)
            || self.catalog.sequences.contains_key(&q)
            || self.catalog.views.contains_key(&q)
        {
            return true;
        }
        if !self.index_names_dirty {
            return self
                .index_names
                .get(schema)
                .is_some_and(|names| names.contains(name));
        }
        self.catalog
            .tables
            .values()
            .filter(|t| t.name.schema == schema)
            .any(|t| {
                t.indexes.contains_key(name)
                    || t.constraints.get(name).is_some_and(|c| {
                        matches!(
                            c.kind,
                            ConstraintKind::PrimaryKey { .. }
                                | ConstraintKind::Unique { .. }
                                | ConstraintKind::Exclude { .. }
                        )
                    })
                    || t.columns.values().any(|c| {
                        c.identity
                            .as_ref()
                            .and_then(|i| i.sequence.as_ref())
                            .is_some_and(|s| s.name == name)
                    })
            })
            || self
                .catalog
                .views
                .values()
                .filter(|v| v.name.schema == schema)
                .any(|v| v.indexes.contains_key(name))
    }

    pub(crate) fn constraint_name_taken(&self, schema: &str, name: &str) -> bool {
        self.catalog
            .tables
            .values()
            .filter(|t| t.name.schema == schema)
            .any(|t| t.constraints.contains_key(name))
    }

    /// A serial column: its owned sequence `t_col_seq` and the nextval default.
    fn make_serial(&mut self, table: &QualifiedName, column: &str, kind: Serial) {
        let schema = table.schema.clone();
        let seq_name = choose_name(&table.name, Some(column), "seq", |n| {
            self.relation_name_taken(&schema, n)
        });
        let seq = QualifiedName::new(schema, seq_name);
        let data_type = builtin(match kind {
            Serial::Small => "smallint",
            Serial::Regular => "integer",
            Serial::Big => "bigint",
        });
        self.catalog.sequences.insert(
            seq.clone(),
            Sequence {
                name: seq.clone(),
                data_type,
                options: SequenceOptions::default(),
                owned_by: Some(ColumnRef {
                    table: table.clone(),
                    column: column.to_string(),
                }),
                comment: None,
            },
        );
        let literal = crate::render::format::visible_name(&seq);
        if let Some(col) = self
            .catalog
            .tables
            .get_mut(table)
            .and_then(|t| t.columns.get_mut(column))
        {
            col.default = Some(format!(
                "nextval('{}'::regclass)",
                literal.replace('\'', "''")
            ));
        }
    }

    /// Fixes up an identity column's sequence name and options once the column's type is known.
    pub(crate) fn settle_identity(&self, table: &QualifiedName, col: &mut Column) {
        let schema = table.schema.clone();
        if let Some(identity) = &mut col.identity {
            if identity.sequence.is_none() {
                let n = choose_name(&table.name, Some(&col.name), "seq", |n| {
                    self.relation_name_taken(&schema, n)
                });
                identity.sequence = Some(QualifiedName::new(schema, n));
            }
            identity.options = normalize_sequence_options(&col.data_type, &identity.options);
        }
    }

    // ---------------------------------------------------------------- ALTER TABLE

    fn alter(&mut self, c: &mut Cursor<'_>, raw: &RawStatement) -> PResult<Outcome> {
        c.expect_kw("alter")?;
        if c.is_kw("table") {
            return self.alter_table(c, raw);
        }
        if c.is_kw("sequence") {
            return self.alter_sequence(c);
        }
        if c.is_kw("index") {
            self.index_names_dirty = true;
            return self.alter_index(c);
        }
        if c.is_kw("type") {
            return self.alter_type(c);
        }
        if c.is_kw("domain") {
            return self.alter_domain(c);
        }
        if c.is_kw("view") || c.is_kws(&["materialized", "view"]) {
            return self.alter_view(c);
        }
        if c.is_kw("function") || c.is_kw("procedure") || c.is_kw("aggregate") || c.is_kw("routine")
        {
            return self.alter_function(c, raw);
        }
        if c.is_kw("schema") {
            c.i += 1;
            let (old, _) = c.ident()?;
            if c.eat_kws(&["rename", "to"]) {
                let (new, _) = c.ident()?;
                return self.rename_schema(&old, &new, raw.start);
            }
            return self.fallback(
                raw,
                "ALTER SCHEMA other than RENAME does not change the model",
            );
        }
        if c.is_kw("extension") {
            c.i += 1;
            let (name, _) = c.ident()?;
            if c.eat_kw("update") {
                if c.eat_kw("to") {
                    let v = c.string().or_else(|_| c.ident().map(|x| x.0))?;
                    if let Some(e) = self.catalog.extensions.get_mut(&name) {
                        e.version = Some(v);
                    }
                }
                return Ok(Outcome::Understood);
            }
            if c.eat_kws(&["set", "schema"]) {
                let (s, _) = c.ident()?;
                if let Some(e) = self.catalog.extensions.get_mut(&name) {
                    e.schema = Some(s);
                }
                return Ok(Outcome::Understood);
            }
            return Ok(Outcome::Ignored(
                "ALTER EXTENSION member changes are not part of the model".into(),
            ));
        }
        if c.is_kw("trigger") {
            c.i += 1;
            let (old, _) = c.ident()?;
            c.expect_kw("on")?;
            let t = c.name()?;
            let table = self.qualify(&t);
            c.expect_kws(&["rename", "to"])?;
            let (new, _) = c.ident()?;
            let tbl = self.table_mut(&table, t.offset)?;
            let mut trig = tbl
                .triggers
                .shift_remove_or(&old)
                .ok_or_else(|| ParseError {
                    offset: t.offset,
                    message: format!("trigger \"{old}\" for table {table} does not exist"),
                })?;
            trig.definition = trig.definition.replacen(
                &format!("CREATE TRIGGER {} ", quote_ident(&old)),
                &format!("CREATE TRIGGER {} ", quote_ident(&new)),
                1,
            );
            trig.name = new.clone();
            tbl.triggers.insert(new, trig);
            return Ok(Outcome::Understood);
        }
        if c.is_kw("policy") {
            return self.alter_policy(c);
        }
        if c.is_kws(&["default", "privileges"]) {
            return Ok(Outcome::Ignored(
                "privileges are not part of the model".into(),
            ));
        }
        if c.is_any_kw(&["role", "user", "database", "system", "group", "tablespace"]) {
            return Ok(Outcome::Ignored(
                "cluster-wide setting: not part of the schema".into(),
            ));
        }
        if c.is_kw("language")
            || c.is_kws(&["procedural", "language"])
            || c.is_kw("publication")
            || c.is_kws(&["event", "trigger"])
            || c.is_kw("operator")
            || c.is_kw("collation")
            || c.is_kw("server")
            || c.is_kw("subscription")
            || c.is_kws(&["text", "search"])
            || c.is_kws(&["foreign", "data"])
            || c.is_kw("statistics")
        {
            self.opaque(
                "alter",
                &raw.text(self.src)
                    .split_whitespace()
                    .take(4)
                    .collect::<Vec<_>>()
                    .join(" "),
                raw,
            );
            self.note(
                "opaque-statement",
                "kept as an opaque statement: the model has no place for it",
                raw.start,
            );
            return Ok(Outcome::Understood);
        }
        self.fallback(raw, "not a statement that changes the schema")
    }

    /// The columns a condition on this table sees, with their types.
    /// (Read from the catalog only when a condition needs them.)
    pub(crate) fn set_expr_columns(&mut self, table: &QualifiedName) {
        self.expr_columns.clear();
        self.expr_table = Some(table.clone());
    }

    /// A condition over the columns in scope, as PostgreSQL prints it.
    pub(crate) fn cond(&self, c: &Cursor<'_>, a: usize, b: usize) -> String {
        match self
            .expr_table
            .as_ref()
            .and_then(|t| self.catalog.tables.get(t))
        {
            Some(t) => {
                let mut cols: crate::model::SortedMap<String, TypeName> = t
                    .columns
                    .iter()
                    .map(|(k, v)| (k.clone(), v.data_type.clone()))
                    .collect();
                cols.extend(
                    self.expr_columns
                        .iter()
                        .map(|(k, v)| (k.clone(), v.clone())),
                );
                super::expr::condition_text_typed(c, a, b, &cols, false)
            }
            None => super::expr::condition_text_typed(c, a, b, &self.expr_columns, false),
        }
    }

    /// Partitions and inheritance children of a table, and theirs, recursively.
    pub(crate) fn children_of(&self, table: &QualifiedName) -> Vec<QualifiedName> {
        let mut out: Vec<QualifiedName> = Vec::new();
        let mut frontier = vec![table.clone()];
        while let Some(parent) = frontier.pop() {
            for t in self.catalog.tables.values() {
                let is_child = t.partition_of.as_ref().is_some_and(|p| p.parent == parent)
                    || t.inherits.contains(&parent);
                if is_child && !out.contains(&t.name) && &t.name != table {
                    out.push(t.name.clone());
                    frontier.push(t.name.clone());
                }
            }
        }
        out
    }

    pub(crate) fn table_mut(&mut self, name: &QualifiedName, offset: usize) -> PResult<&mut Table> {
        self.catalog.tables.get_mut(name).ok_or_else(|| ParseError {
            offset,
            message: format!("relation {name} does not exist"),
        })
    }

    fn alter_table(&mut self, c: &mut Cursor<'_>, raw: &RawStatement) -> PResult<Outcome> {
        c.expect_kw("table")?;
        if c.is_kws(&["all", "in", "tablespace"]) {
            return Ok(Outcome::Ignored(
                "tablespace moves are not part of the model".into(),
            ));
        }
        let if_exists = c.eat_kws(&["if", "exists"]);
        let only = c.eat_kw("only");
        let written = c.name()?;
        c.eat_op("*");
        self.alter_only = only;
        let mut table = self.qualify(&written);
        if !self.catalog.tables.contains_key(&table) {
            if self.catalog.views.contains_key(&table)
                || self.catalog.sequences.contains_key(&table)
            {
                // ALTER TABLE works on views and sequences too (old dumps: OWNER TO, etc.).
                return self.alter_table_on_other(c, &table, raw);
            }
            if if_exists {
                self.note(
                    "unknown-table",
                    format!("table {table} does not exist: ALTER TABLE IF EXISTS does nothing"),
                    written.offset,
                );
                return Ok(Outcome::Understood);
            }
            return Err(ParseError {
                offset: written.offset,
                message: format!("relation {table} does not exist"),
            });
        }
        self.set_expr_columns(&table);
        if c.is_kw("rename") || c.is_kws(&["set", "schema"]) {
            self.index_names_dirty = true;
        }
        // RENAME forms take the whole statement.
        if c.eat_kw("rename") {
            if c.eat_kw("to") {
                let (new, _) = c.ident()?;
                self.rename_table(&table, &new);
                return Ok(Outcome::Understood);
            }
            if c.eat_kw("constraint") {
                let (old, _) = c.ident()?;
                c.expect_kw("to")?;
                let (new, _) = c.ident()?;
                let t = self.table_mut(&table, written.offset)?;
                let mut con = t.constraints.remove(&old).ok_or_else(|| ParseError {
                    offset: written.offset,
                    message: format!("constraint \"{old}\" of relation {table} does not exist"),
                })?;
                con.name = new.clone();
                t.constraints.insert(new, con);
                return Ok(Outcome::Understood);
            }
            c.eat_kw("column");
            let (old, _) = c.ident()?;
            c.expect_kw("to")?;
            let (new, _) = c.ident()?;
            for child in self.children_of(&table) {
                if self
                    .catalog
                    .tables
                    .get(&child)
                    .is_some_and(|t| t.columns.contains_key(&old))
                {
                    self.rename_column(&child, &old, &new, written.offset)?;
                }
            }
            self.rename_column(&table, &old, &new, written.offset)?;
            return Ok(Outcome::Understood);
        }
        if c.eat_kws(&["set", "schema"]) {
            let (schema, _) = c.ident()?;
            let new = QualifiedName::new(schema, table.name.clone());
            self.move_table(&table, &new);
            return Ok(Outcome::Understood);
        }
        loop {
            self.alter_table_action(c, &mut table, raw)?;
            if !c.eat_kind(TokenKind::Comma) {
                break;
            }
        }
        c.expect_end()?;
        Ok(Outcome::Understood)
    }

    fn alter_table_on_other(
        &mut self,
        c: &mut Cursor<'_>,
        name: &QualifiedName,
        raw: &RawStatement,
    ) -> PResult<Outcome> {
        if c.eat_kws(&["rename", "to"]) {
            let (new, _) = c.ident()?;
            let new_name = name.sibling(new);
            if let Some(mut v) = self.catalog.views.remove(name) {
                v.name = new_name.clone();
                self.catalog.views.insert(new_name, v);
            } else if let Some(mut s) = self.catalog.sequences.remove(name) {
                s.name = new_name.clone();
                self.catalog.sequences.insert(new_name, s);
            }
            return Ok(Outcome::Understood);
        }
        if c.is_kws(&["set", "tablespace"]) && self.catalog.views.contains_key(name) {
            let offset = c.offset();
            return self.set_view_tablespace(c, name, offset);
        }
        self.fallback(
            raw,
            "ALTER TABLE on a view or sequence: no change to the model",
        )
    }

    fn alter_table_action(
        &mut self,
        c: &mut Cursor<'_>,
        table: &mut QualifiedName,
        raw: &RawStatement,
    ) -> PResult<()> {
        let offset = c.offset();
        // Only actions that drop or rename can free or change an index-like name; additions keep
        // the set current themselves.
        let alter_without_identity = c.is_kw("alter")
            && !c.toks[c.i..]
                .iter()
                .any(|t| t.kind == TokenKind::Word && c.text(t).eq_ignore_ascii_case("identity"));
        let changes_names = !alter_without_identity
            && !c.is_any_kw(&[
                "add", "enable", "disable", "force", "validate", "replica", "set", "reset",
                "attach", "detach", "cluster",
            ]);
        if changes_names {
            self.index_names_dirty = true;
        }
        let _ = raw;
        if c.eat_kw("add") {
            if c.is_any_kw(&[
                "constraint",
                "primary",
                "unique",
                "check",
                "foreign",
                "exclude",
            ]) {
                let name = if c.eat_kw("constraint") {
                    Some(c.ident()?.0)
                } else {
                    None
                };
                if c.is_kw("unique") || c.is_kws(&["primary", "key"]) {
                    // ADD ... USING INDEX name
                    let save = c.i;
                    let is_pk = c.is_kw("primary");
                    c.i += if is_pk { 2 } else { 1 };
                    if c.eat_kws(&["using", "index"]) {
                        let (idx, _) = c.ident()?;
                        return self.constraint_using_index(table, name, is_pk, &idx, c, offset);
                    }
                    c.i = save;
                }
                let p = self.table_constraint(c, name)?;
                return self.add_constraint_recursing(table, p);
            }
            c.eat_kw("column");
            let if_not_exists = c.eat_kws(&["if", "not", "exists"]);
            let (col_name, _) = c.ident()?;
            if self
                .catalog
                .tables
                .get(table)
                .is_some_and(|t| t.columns.contains_key(&col_name))
            {
                if if_not_exists {
                    // Skip the definition.
                    c.until(|k, i| k.kind_at_index(i) == Some(TokenKind::Comma))?;
                    return Ok(());
                }
                return Err(ParseError {
                    offset,
                    message: format!("column \"{col_name}\" of relation {table} already exists"),
                });
            }
            let (data_type, serial) = parse_type(c, &self.default_schema)?;
            self.expr_columns
                .insert(col_name.clone(), data_type.clone());
            let mut col = Column::new(col_name.clone(), data_type);
            let mut pend = Vec::new();
            let snapshot = self
                .catalog
                .tables
                .get(table)
                .cloned()
                .ok_or_else(|| ParseError {
                    offset,
                    message: format!("relation {table} does not exist"),
                })?;
            self.column_constraints(c, &snapshot, &mut col, &mut pend)?;
            if serial.is_some() {
                col.not_null = true;
            }
            self.settle_identity(table, &mut col);
            if col.identity.is_some() {
                self.index_names_dirty = true;
            }
            // Partitions and inheritance children get the column too.
            for child in self.children_of(table) {
                if let Some(t) = self.catalog.tables.get_mut(&child)
                    && !t.columns.contains_key(&col_name)
                {
                    let mut cc = col.clone();
                    cc.identity = None;
                    cc.comment = None;
                    t.columns.insert(col_name.clone(), cc);
                }
            }
            self.table_mut(table, offset)?
                .columns
                .insert(col_name.clone(), col);
            let at = self.source_at(offset);
            self.catalog.sources.set_column(table, &col_name, at);
            if let Some(kind) = serial {
                self.make_serial(table, &col_name, kind);
            }
            for p in pend {
                self.add_constraint_recursing(table, p)?;
            }
            return Ok(());
        }
        if c.eat_kw("drop") {
            if c.eat_kw("constraint") {
                let if_exists = c.eat_kws(&["if", "exists"]);
                let (name, _) = c.ident()?;
                c.eat_kw("cascade");
                c.eat_kw("restrict");
                let t = self.table_mut(table, offset)?;
                if t.constraints.remove(&name).is_none() && !if_exists {
                    return Err(ParseError {
                        offset,
                        message: format!(
                            "constraint \"{name}\" of relation {table} does not exist"
                        ),
                    });
                }
                return Ok(());
            }
            c.eat_kw("column");
            let if_exists = c.eat_kws(&["if", "exists"]);
            let (name, _) = c.ident()?;
            let cascade = c.eat_kw("cascade");
            c.eat_kw("restrict");
            let exists = self
                .catalog
                .tables
                .get(table)
                .is_some_and(|t| t.columns.contains_key(&name));
            if !exists {
                if if_exists {
                    return Ok(());
                }
                return Err(ParseError {
                    offset,
                    message: format!("column \"{name}\" of relation {table} does not exist"),
                });
            }
            for child in self.children_of(table) {
                self.drop_column(&child, &name, cascade);
            }
            self.drop_column(table, &name, cascade);
            return Ok(());
        }
        if c.eat_kw("alter") {
            c.eat_kw("column");
            let (col, _) = c.ident()?;
            if !self
                .catalog
                .tables
                .get(table)
                .is_some_and(|t| t.columns.contains_key(&col))
            {
                return Err(ParseError {
                    offset,
                    message: format!("column \"{col}\" of relation {table} does not exist"),
                });
            }
            if c.eat_kws(&["set", "default"]) {
                let (a, b) = c.until(|k, i| k.kind_at_index(i) == Some(TokenKind::Comma))?;
                let ty = self.catalog.tables[&*table].columns[&col].data_type.clone();
                let d = default_text(c, a, b, &ty);
                self.column_mut(table, &col, offset)?.default = d;
                return Ok(());
            }
            if c.eat_kws(&["drop", "default"]) {
                self.column_mut(table, &col, offset)?.default = None;
                return Ok(());
            }
            if c.eat_kws(&["set", "not", "null"]) {
                self.column_mut(table, &col, offset)?.not_null = true;
                return Ok(());
            }
            if c.eat_kws(&["drop", "not", "null"]) {
                self.column_mut(table, &col, offset)?.not_null = false;
                return Ok(());
            }
            if c.eat_kws(&["set", "data", "type"]) || c.eat_kw("type") {
                let (ty, _) = parse_type(c, &self.default_schema)?;
                let mut collation = None;
                if c.eat_kw("collate") {
                    collation = Some(c.name()?.last().to_string());
                }
                if c.eat_kw("using") {
                    c.until(|k, i| k.kind_at_index(i) == Some(TokenKind::Comma))?;
                }
                let cd = self.column_mut(table, &col, offset)?;
                cd.data_type = ty;
                cd.collation = collation;
                return Ok(());
            }
            if c.eat_kw("add") {
                let always = if c.eat_kws(&["generated", "always"]) {
                    true
                } else {
                    c.expect_kws(&["generated", "by", "default"])?;
                    false
                };
                c.expect_kws(&["as", "identity"])?;
                let (sequence, options) = self.identity_options(c)?;
                let mut cd = self.catalog.tables[&*table].columns[&col].clone();
                cd.identity = Some(Identity {
                    always,
                    sequence,
                    options,
                });
                cd.not_null = true;
                self.settle_identity(table, &mut cd);
                if let Some(seq) = cd.identity.as_ref().and_then(|i| i.sequence.clone()) {
                    self.note_index_name(&seq.schema, &seq.name);
                }
                *self.column_mut(table, &col, offset)? = cd;
                return Ok(());
            }
            if c.eat_kws(&["drop", "identity"]) {
                c.eat_kws(&["if", "exists"]);
                self.column_mut(table, &col, offset)?.identity = None;
                return Ok(());
            }
            if c.eat_kws(&["drop", "expression"]) {
                c.eat_kws(&["if", "exists"]);
                self.column_mut(table, &col, offset)?.generated = None;
                return Ok(());
            }
            if c.eat_kws(&["set", "generated"])
                || c.is_kw("set")
                || c.is_kw("restart")
                || c.is_kw("reset")
            {
                // SET STATISTICS / SET STORAGE / SET (options) / identity option changes.
                if c.is_kws(&["set", "statistics"])
                    || c.is_kws(&["set", "storage"])
                    || c.is_kws(&["set", "compression"])
                    || c.is_kw("reset")
                    || c.is_kws(&["set", "("])
                {
                    c.until(|k, i| k.kind_at_index(i) == Some(TokenKind::Comma))?;
                    return Ok(());
                }
                let mut w = WrittenSequenceOptions::default();
                let mut always = None;
                loop {
                    if c.eat_kws(&["set", "generated", "always"])
                        || c.eat_kws(&["generated", "always"])
                    {
                        always = Some(true);
                    } else if c.eat_kws(&["set", "generated", "by", "default"])
                        || c.eat_kws(&["generated", "by", "default"])
                    {
                        always = Some(false);
                    } else if c.eat_kw("set") || c.is_kw("restart") {
                        self.sequence_options(c, &mut w)?;
                    } else {
                        break;
                    }
                }
                let cd = self.column_mut(table, &col, offset)?;
                let ty = cd.data_type.clone();
                if let Some(id) = &mut cd.identity {
                    if let Some(a) = always {
                        id.always = a;
                    }
                    let mut o = id.options.clone();
                    w.apply_to(&mut o);
                    id.options = normalize_sequence_options(&ty, &o);
                }
                return Ok(());
            }
            return c.error("unsupported ALTER COLUMN action");
        }
        if c.eat_kws(&["validate", "constraint"]) {
            let (name, _) = c.ident()?;
            let t = self.table_mut(table, offset)?;
            match t.constraints.get_mut(&name) {
                Some(con) => con.not_valid = false,
                None => {
                    return Err(ParseError {
                        offset,
                        message: format!(
                            "constraint \"{name}\" of relation {table} does not exist"
                        ),
                    });
                }
            }
            return Ok(());
        }
        if c.eat_kws(&["enable", "row", "level", "security"]) {
            self.table_mut(table, offset)?.row_level_security = true;
            return Ok(());
        }
        if c.eat_kws(&["disable", "row", "level", "security"]) {
            self.table_mut(table, offset)?.row_level_security = false;
            return Ok(());
        }
        if c.eat_kws(&["force", "row", "level", "security"]) {
            self.table_mut(table, offset)?.force_row_level_security = true;
            return Ok(());
        }
        if c.eat_kws(&["no", "force", "row", "level", "security"]) {
            self.table_mut(table, offset)?.force_row_level_security = false;
            return Ok(());
        }
        if c.eat_kws(&["attach", "partition"]) {
            let n = c.name()?;
            let child = self.qualify(&n);
            let bound = self.partition_bound(c)?;
            let parent = table.clone();
            let t = self.table_mut(&child, n.offset)?;
            t.partition_of = Some(PartitionOf {
                parent: parent.clone(),
                bound,
            });
            self.clone_into_partition(&parent, &child);
            return Ok(());
        }
        if c.eat_kws(&["detach", "partition"]) {
            let n = c.name()?;
            let child = self.qualify(&n);
            c.eat_kw("concurrently");
            c.eat_kw("finalize");
            let t = self.table_mut(&child, n.offset)?;
            t.partition_of = None;
            return Ok(());
        }
        if c.eat_kws(&["replica", "identity"]) {
            // As the model keeps it (and introspection reads it): NOTHING, FULL, or USING INDEX
            // with the index's name as SQL spells it; DEFAULT is none.
            let identity = if c.eat_kw("default") {
                None
            } else if c.eat_kw("full") {
                Some("FULL".to_string())
            } else if c.eat_kw("nothing") {
                Some("NOTHING".to_string())
            } else if c.eat_kws(&["using", "index"]) {
                let (index, _) = c.ident()?;
                Some(format!("USING INDEX {}", crate::model::quote_ident(&index)))
            } else {
                return c.error("expected DEFAULT, FULL, NOTHING or USING INDEX");
            };
            self.table_mut(table, offset)?.replica_identity = identity;
            return Ok(());
        }
        if c.eat_kw("enable") || c.eat_kw("disable") {
            let enable = c.kw_at_index(c.i - 1, "enable");
            c.eat_kw("always");
            c.eat_kw("replica");
            if c.eat_kw("trigger") {
                if c.eat_kw("all") || c.eat_kw("user") {
                    let t = self.table_mut(table, offset)?;
                    for trig in t.triggers.values_mut() {
                        trig.enabled = enable;
                    }
                    return Ok(());
                }
                let (name, _) = c.ident()?;
                let t = self.table_mut(table, offset)?;
                if let Some(trig) = t.triggers.get_mut(&name) {
                    trig.enabled = enable;
                    return Ok(());
                }
                return Err(ParseError {
                    offset,
                    message: format!("trigger \"{name}\" for table {table} does not exist"),
                });
            }
            if c.eat_kw("rule") {
                c.ident()?;
                return Ok(());
            }
            return c.error("expected TRIGGER, RULE or ROW LEVEL SECURITY");
        }
        if c.eat_kw("set") {
            if c.eat_kw("logged") {
                self.table_mut(table, offset)?.unlogged = false;
                return Ok(());
            }
            if c.eat_kw("unlogged") {
                self.table_mut(table, offset)?.unlogged = true;
                return Ok(());
            }
            if c.is_kind(TokenKind::LParen) {
                let opts = options_list(c)?;
                let t = self.table_mut(table, offset)?;
                for o in opts {
                    let key = o.split('=').next().unwrap_or("").to_string();
                    t.options
                        .retain(|x| x.split('=').next() != Some(key.as_str()));
                    t.options.push(o);
                }
                t.options.sort();
                return Ok(());
            }
            if c.eat_kw("tablespace") {
                let tablespace = tablespace_name(c.ident()?.0);
                c.eat_kw("nowait");
                self.table_mut(table, offset)?.tablespace = tablespace;
                return Ok(());
            }
            // SET ACCESS METHOD, SET WITHOUT CLUSTER, ...
            c.until(|k, i| k.kind_at_index(i) == Some(TokenKind::Comma))?;
            return Ok(());
        }
        if c.eat_kw("reset") {
            let (a, b) = paren_tokens(c)?;
            let names: Vec<String> = (a..b)
                .filter_map(|i| {
                    if c.kind_at_index(i) == Some(TokenKind::Word) {
                        Some(c.text(&c.toks[i]).to_ascii_lowercase())
                    } else {
                        None
                    }
                })
                .collect();
            let t = self.table_mut(table, offset)?;
            t.options.retain(|o| {
                !names
                    .iter()
                    .any(|n| o.split('=').next() == Some(n.as_str()))
            });
            return Ok(());
        }
        if c.eat_kw("cluster")
            || c.is_kw("inherit")
            || c.is_kws(&["no", "inherit"])
            || c.is_kw("owner")
            || c.is_kw("of")
            || c.is_kws(&["not", "of"])
        {
            c.until(|k, i| k.kind_at_index(i) == Some(TokenKind::Comma))?;
            return Ok(());
        }
        c.error("unsupported ALTER TABLE action")
    }

    fn constraint_using_index(
        &mut self,
        table: &QualifiedName,
        name: Option<String>,
        is_pk: bool,
        idx: &str,
        c: &mut Cursor<'_>,
        offset: usize,
    ) -> PResult<()> {
        let t = self.table_mut(table, offset)?;
        let index = t.indexes.remove(idx).ok_or_else(|| ParseError {
            offset,
            message: format!("index \"{idx}\" does not exist on {table}"),
        })?;
        let columns: Vec<String> = index
            .keys
            .iter()
            .filter_map(|k| match &k.expression {
                IndexKeyExpr::Column(c) => Some(c.clone()),
                IndexKeyExpr::Expression(_) => None,
            })
            .collect();
        let kind = if is_pk {
            ConstraintKind::PrimaryKey {
                columns,
                include: index.include.clone(),
            }
        } else {
            ConstraintKind::Unique {
                columns,
                include: index.include.clone(),
                nulls_not_distinct: index.nulls_not_distinct,
            }
        };
        let mut p = pending(Some(name.unwrap_or_else(|| idx.to_string())), kind, offset);
        // The index keeps its storage parameters as the constraint's.
        p.index_options = index.options;
        self.constraint_attributes(c, &mut p)?;
        self.add_constraint(table, p)
    }

    fn column_mut(
        &mut self,
        table: &QualifiedName,
        col: &str,
        offset: usize,
    ) -> PResult<&mut Column> {
        self.catalog
            .tables
            .get_mut(table)
            .and_then(|t| t.columns.get_mut(col))
            .ok_or_else(|| ParseError {
                offset,
                message: format!("column \"{col}\" of relation {table} does not exist"),
            })
    }

    fn drop_column(&mut self, table: &QualifiedName, name: &str, cascade: bool) {
        let _ = cascade;
        if let Some(t) = self.catalog.tables.get_mut(table) {
            t.columns.shift_remove(name);
            // Constraints and indexes on the column go with it.
            t.constraints
                .retain(|_, con| !constraint_uses_column(con, name));
            t.indexes.retain(|_, idx| !index_uses_column(idx, name));
        }
        // Sequences owned by the column are dropped with it.
        let owned: Vec<QualifiedName> = self
            .catalog
            .sequences
            .values()
            .filter(|s| {
                s.owned_by
                    .as_ref()
                    .is_some_and(|o| &o.table == table && o.column == name)
            })
            .map(|s| s.name.clone())
            .collect();
        for s in owned {
            self.catalog.sequences.remove(&s);
        }
    }

    fn rename_column(
        &mut self,
        table: &QualifiedName,
        old: &str,
        new: &str,
        offset: usize,
    ) -> PResult<()> {
        let t = self.table_mut(table, offset)?;
        let Some(idx) = t.columns.get_index_of(old) else {
            return Err(ParseError {
                offset,
                message: format!("column \"{old}\" of relation {table} does not exist"),
            });
        };
        if t.columns.contains_key(new) {
            return Err(ParseError {
                offset,
                message: format!("column \"{new}\" of relation {table} already exists"),
            });
        }
        let mut col = t
            .columns
            .shift_remove_index(idx)
            .map(|(_, c)| c)
            .ok_or_else(|| ParseError {
                offset,
                message: "column vanished".into(),
            })?;
        col.name = new.to_string();
        t.columns
            .shift_insert(idx.min(t.columns.len()), new.to_string(), col);
        let rename = |v: &mut String| {
            if v == old {
                *v = new.to_string();
            }
        };
        for con in t.constraints.values_mut() {
            match &mut con.kind {
                ConstraintKind::PrimaryKey { columns, include }
                | ConstraintKind::Unique {
                    columns, include, ..
                } => {
                    columns.iter_mut().for_each(rename);
                    include.iter_mut().for_each(rename);
                }
                ConstraintKind::ForeignKey { columns, .. } => columns.iter_mut().for_each(rename),
                ConstraintKind::Check { expression, .. } => {
                    *expression = rename_ident_in(expression, old, new)
                }
                ConstraintKind::Exclude { definition } => {
                    *definition = rename_ident_in(definition, old, new)
                }
            }
        }
        for idx in t.indexes.values_mut() {
            for k in &mut idx.keys {
                match &mut k.expression {
                    IndexKeyExpr::Column(c) => rename(c),
                    IndexKeyExpr::Expression(e) => *e = rename_ident_in(e, old, new),
                }
            }
            idx.include.iter_mut().for_each(rename);
            if let Some(p) = &mut idx.predicate {
                *p = rename_ident_in(p, old, new);
            }
        }
        // Foreign keys of other tables that reference this column.
        for other in self.catalog.tables.values_mut() {
            for con in other.constraints.values_mut() {
                if let ConstraintKind::ForeignKey {
                    references,
                    referenced_columns,
                    ..
                } = &mut con.kind
                    && references == table
                {
                    referenced_columns.iter_mut().for_each(rename);
                }
            }
        }
        for s in self.catalog.sequences.values_mut() {
            if let Some(o) = &mut s.owned_by
                && &o.table == table
                && o.column == old
            {
                o.column = new.to_string();
            }
        }
        self.catalog.sources.rename_column(table, old, new);
        Ok(())
    }

    fn rename_table(&mut self, old: &QualifiedName, new_name: &str) {
        let new = old.sibling(new_name);
        self.move_table(old, &new);
    }

    fn move_table(&mut self, old: &QualifiedName, new: &QualifiedName) {
        let Some(mut t) = self.catalog.tables.remove(old) else {
            return;
        };
        self.catalog.sources.rename_table(old, new);
        t.name = new.clone();
        for trig in t.triggers.values_mut() {
            trig.definition =
                trig.definition
                    .replacen(&format!(" ON {old} "), &format!(" ON {new} "), 1);
        }
        self.catalog.tables.insert(new.clone(), t);
        for other in self.catalog.tables.values_mut() {
            for con in other.constraints.values_mut() {
                if let ConstraintKind::ForeignKey { references, .. } = &mut con.kind
                    && references == old
                {
                    *references = new.clone();
                }
            }
            if let Some(p) = &mut other.partition_of
                && &p.parent == old
            {
                p.parent = new.clone();
            }
        }
        for s in self.catalog.sequences.values_mut() {
            if let Some(o) = &mut s.owned_by
                && &o.table == old
            {
                o.table = new.clone();
            }
        }
    }

    fn rename_schema(&mut self, old: &str, new: &str, offset: usize) -> PResult<Outcome> {
        let Some(mut ns) = self.catalog.schemas.remove(old) else {
            return Err(ParseError {
                offset,
                message: format!("schema \"{old}\" does not exist"),
            });
        };
        ns.name = new.to_string();
        self.catalog.schemas.insert(new.to_string(), ns);
        let tables: Vec<QualifiedName> = self
            .catalog
            .tables
            .keys()
            .filter(|k| k.schema == old)
            .cloned()
            .collect();
        for t in tables {
            let n = QualifiedName::new(new, t.name.clone());
            self.move_table(&t, &n);
        }
        Ok(Outcome::Understood)
    }

    // ---------------------------------------------------------------- indexes

    fn create_index(&mut self, c: &mut Cursor<'_>) -> PResult<Outcome> {
        let unique = c.eat_kw("unique");
        c.expect_kw("index")?;
        c.eat_kw("concurrently");
        let if_not_exists = c.eat_kws(&["if", "not", "exists"]);
        let mut name: Option<WrittenName> = None;
        if !c.is_kw("on") {
            name = Some(c.name()?);
        }
        c.expect_kw("on")?;
        let only = c.eat_kw("only");
        let tw = c.name()?;
        let table = self.qualify(&tw);
        self.set_expr_columns(&table);
        let method = if c.eat_kw("using") {
            c.ident()?.0
        } else {
            "btree".to_string()
        };
        c.expect_kind(TokenKind::LParen, "`(` before the index keys")?;
        let mut keys = Vec::new();
        let mut key_names: Vec<Option<String>> = Vec::new();
        loop {
            let (key, kname) = self.index_key(c, &method)?;
            keys.push(key);
            key_names.push(kname);
            if c.eat_kind(TokenKind::Comma) {
                continue;
            }
            c.expect_kind(TokenKind::RParen, "`,` or `)` in the index keys")?;
            break;
        }
        let mut include = Vec::new();
        let mut nulls_not_distinct = false;
        let mut options = Vec::new();
        let mut predicate = None;
        // Written, else `SET default_tablespace` (pg_dump's form).
        let mut tablespace = self.default_tablespace.clone();
        loop {
            if c.eat_kw("include") {
                include = c.ident_list()?;
            } else if c.eat_kws(&["nulls", "not", "distinct"]) {
                nulls_not_distinct = true;
            } else if c.eat_kws(&["nulls", "distinct"]) {
            } else if c.eat_kw("with") {
                options = options_list(c)?;
            } else if c.eat_kw("tablespace") {
                tablespace = tablespace_name(c.ident()?.0);
            } else if c.eat_kw("where") {
                let (a, b) = c.until(|_, _| false)?;
                predicate = Some(self.cond(c, a, b));
            } else {
                break;
            }
        }
        c.expect_end()?;
        let is_view = self
            .catalog
            .views
            .get(&table)
            .is_some_and(|v| v.materialized);
        if !self.catalog.tables.contains_key(&table) && !is_view {
            return Err(ParseError {
                offset: tw.offset,
                message: format!("relation {table} does not exist"),
            });
        }
        self.refresh_index_names();
        let schema = table.schema.clone();
        let index_name = match &name {
            Some(n) => {
                self.check_truncated(n);
                n.last().to_string()
            }
            None => {
                let cols = index_column_names(&key_names);
                choose_name(&table.name, Some(&cols), "idx", |n| {
                    self.relation_name_taken(&schema, n)
                })
            }
        };
        if self.relation_name_taken(&schema, &index_name) {
            if if_not_exists {
                self.note(
                    "already-exists",
                    format!("relation \"{index_name}\" already exists: CREATE INDEX IF NOT EXISTS does nothing"),
                    tw.offset,
                );
                return Ok(Outcome::Understood);
            }
            return Err(ParseError {
                offset: tw.offset,
                message: format!("relation \"{index_name}\" already exists"),
            });
        }
        // An index on a partitioned table is a partitioned index whichever way it was written
        // (pg_get_indexdef prints it `ON ONLY`; pg_dump writes it so).
        let partitioned = self
            .catalog
            .tables
            .get(&table)
            .is_some_and(|t| t.partition_by.is_some());
        let index = Index {
            name: index_name.clone(),
            unique,
            method,
            keys,
            include,
            predicate,
            nulls_not_distinct,
            options,
            only: only || partitioned,
            attached_to: None,
            comment: None,
            tablespace,
        };
        self.note_index_name(&schema, &index_name);
        let partitions: Vec<QualifiedName> = if partitioned && !only {
            self.catalog
                .tables
                .values()
                .filter(|t| t.partition_of.as_ref().is_some_and(|p| p.parent == table))
                .map(|t| t.name.clone())
                .collect()
        } else {
            Vec::new()
        };
        let for_partitions = index.clone();
        if is_view {
            if let Some(v) = self.catalog.views.get_mut(&table) {
                v.indexes.insert(index_name, index);
            }
        } else if let Some(t) = self.catalog.tables.get_mut(&table) {
            t.indexes.insert(index_name, index);
        }
        for child in partitions {
            self.clone_index_into_partition(&table, &for_partitions, &child);
        }
        Ok(Outcome::Understood)
    }

    /// One index key: the key and the name it gives an unnamed index (None: `expr`).
    fn index_key(
        &mut self,
        c: &mut Cursor<'_>,
        method: &str,
    ) -> PResult<(IndexKey, Option<String>)> {
        let expression;
        let mut kname = None;
        if c.is_kind(TokenKind::LParen) {
            let (a, b) = paren_tokens(c)?;
            let inner = self.cond(c, a, b);
            if super::expr::is_atomic(c, a, b) && is_function_call(c, a, b) {
                kname = function_name(c, a);
                expression = IndexKeyExpr::Expression(inner);
            } else {
                expression = IndexKeyExpr::Expression(format!("({inner})"));
            }
        } else if c.is_ident()
            && c.peek_at(1)
                .is_some_and(|t| t.kind == TokenKind::LParen || t.kind == TokenKind::Dot)
        {
            let a = c.i;
            let (_, b) = c.until(|k, i| {
                matches!(k.kind_at_index(i), Some(TokenKind::Comma))
                    || (k.kind_at_index(i) == Some(TokenKind::RParen))
                    || (i > a
                        && k.kind_at_index(i - 1) == Some(TokenKind::RParen)
                        && k.kind_at_index(i) != Some(TokenKind::LParen)
                        && k.kind_at_index(i) != Some(TokenKind::Operator))
            })?;
            kname = function_name(c, a);
            expression = IndexKeyExpr::Expression(self.cond(c, a, b));
        } else {
            let (col, _) = c.ident()?;
            kname = Some(col.clone());
            expression = IndexKeyExpr::Column(col);
        }
        let mut key = IndexKey {
            expression,
            collation: None,
            opclass: None,
            descending: false,
            nulls_first: None,
        };
        if c.eat_kw("collate") {
            let n = c.name()?;
            key.collation = Some(quote_ident(n.last()));
        }
        if c.is_ident() && !c.is_kw("asc") && !c.is_kw("desc") && !c.is_kw("nulls") {
            let n = c.name()?;
            let q = n.qualify("public");
            let opclass = crate::render::format::visible_name(&q);
            // pg_get_indexdef leaves out the default operator class of the key's type.
            let default_for_method = matches!(
                (method, opclass.as_str()),
                ("gin", "array_ops" | "jsonb_ops" | "tsvector_ops")
            );
            if !default_for_method {
                key.opclass = Some(opclass);
            }
            if c.is_kind(TokenKind::LParen) {
                let (a, b) = paren_tokens(c)?;
                let params = expr_text(c, a, b, false);
                if let Some(o) = &mut key.opclass {
                    o.push_str(&format!(" ({params})"));
                }
            }
        }
        if c.eat_kw("desc") {
            key.descending = true;
        } else {
            c.eat_kw("asc");
        }
        if c.eat_kws(&["nulls", "first"]) {
            key.nulls_first = if key.descending { None } else { Some(true) };
        } else if c.eat_kws(&["nulls", "last"]) {
            key.nulls_first = if key.descending { Some(false) } else { None };
        }
        Ok((key, kname))
    }
}

fn copy_fields(p: &PendingConstraint) -> PendingConstraint {
    PendingConstraint {
        name: None,
        kind: p.kind.clone(),
        deferrable: p.deferrable,
        initially_deferred: p.initially_deferred,
        not_valid: p.not_valid,
        column: None,
        references_primary_key: p.references_primary_key,
        index_options: p.index_options.clone(),
        index_tablespace: p.index_tablespace.clone(),
        offset: p.offset,
    }
}

fn pending(name: Option<String>, kind: ConstraintKind, offset: usize) -> PendingConstraint {
    PendingConstraint {
        name,
        kind,
        deferrable: false,
        initially_deferred: false,
        not_valid: false,
        column: None,
        references_primary_key: false,
        index_options: Vec::new(),
        index_tablespace: None,
        offset,
    }
}

fn referential_action(c: &mut Cursor<'_>) -> PResult<ReferentialAction> {
    let a = if c.eat_kws(&["no", "action"]) {
        ReferentialAction::NoAction
    } else if c.eat_kw("restrict") {
        ReferentialAction::Restrict
    } else if c.eat_kw("cascade") {
        ReferentialAction::Cascade
    } else if c.eat_kws(&["set", "null"]) {
        ReferentialAction::SetNull
    } else if c.eat_kws(&["set", "default"]) {
        ReferentialAction::SetDefault
    } else {
        return c.error("expected NO ACTION, RESTRICT, CASCADE, SET NULL or SET DEFAULT");
    };
    if matches!(
        a,
        ReferentialAction::SetNull | ReferentialAction::SetDefault
    ) && c.is_kind(TokenKind::LParen)
    {
        return c.error("ON DELETE SET NULL/DEFAULT with a column list is not supported");
    }
    Ok(a)
}

/// Token indexes inside a `( ... )` group at the cursor; moves past the `)`.
pub(crate) fn paren_tokens(c: &mut Cursor<'_>) -> PResult<(usize, usize)> {
    let open = c.i;
    c.expect_kind(TokenKind::LParen, "`(`")?;
    let a = c.i;
    let mut depth = 1i32;
    while let Some(t) = c.next() {
        match t.kind {
            TokenKind::LParen | TokenKind::LBracket => depth += 1,
            TokenKind::RParen | TokenKind::RBracket => {
                depth -= 1;
                if depth == 0 {
                    return Ok((a, c.i - 1));
                }
            }
            _ => {}
        }
    }
    Err(ParseError {
        offset: c.toks.get(open).map_or(c.end, |t| t.start),
        message: "`(` is never closed".into(),
    })
}

/// `(fillfactor=70, autovacuum_enabled = false)` → `["autovacuum_enabled=false", "fillfactor=70"]`.
pub(crate) fn options_list(c: &mut Cursor<'_>) -> PResult<Vec<String>> {
    let (a, b) = paren_tokens(c)?;
    let text = expr_text(c, a, b, false);
    let mut out: Vec<String> = crate::render::format::split_top_level(&text, ',')
        .into_iter()
        .map(|o| {
            let mut parts = o.splitn(2, '=');
            let k = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            match parts.next() {
                Some(v) => format!("{k}={}", v.trim().trim_matches('\'')),
                None => format!("{k}=true"),
            }
        })
        .filter(|o| o != "=true")
        .collect();
    out.sort();
    Ok(out)
}

fn is_create_table_as(c: &Cursor<'_>) -> bool {
    // CREATE TABLE t (a, b) AS SELECT: a column-name list followed by AS.
    let mut depth = 0;
    for i in c.i..c.toks.len() {
        match c.kind_at_index(i) {
            Some(TokenKind::LParen) => depth += 1,
            Some(TokenKind::RParen) => {
                depth -= 1;
                if depth == 0 {
                    return c.kw_at_index(i + 1, "as");
                }
            }
            _ => {}
        }
    }
    false
}

fn is_column_constraint_start(c: &Cursor<'_>, i: usize) -> bool {
    match c.kind_at_index(i) {
        Some(TokenKind::Comma) => true,
        Some(TokenKind::Word) => {
            (c.kw_at_index(i, "not") && c.kw_at_index(i + 1, "null"))
                || (c.kw_at_index(i, "not") && c.kw_at_index(i + 1, "deferrable"))
                || (c.kw_at_index(i, "null")
                    && i > 0
                    && !c.kw_at_index(i - 1, "default")
                    && !c.kw_at_index(i - 1, "is")
                    && !c.kw_at_index(i - 1, "not")
                    // `CASE ... THEN NULL ... ELSE NULL END` in a default.
                    && !c.kw_at_index(i - 1, "then")
                    && !c.kw_at_index(i - 1, "else"))
                || [
                    "constraint",
                    "check",
                    "generated",
                    "unique",
                    "primary",
                    "references",
                    "collate",
                    "deferrable",
                    "initially",
                ]
                .iter()
                .any(|k| c.kw_at_index(i, k))
        }
        _ => false,
    }
}

fn is_function_call(c: &Cursor<'_>, a: usize, b: usize) -> bool {
    if !matches!(
        c.kind_at_index(a),
        Some(TokenKind::Word | TokenKind::QuotedIdent)
    ) {
        return false;
    }
    let mut k = a + 1;
    while c.kind_at_index(k) == Some(TokenKind::Dot) {
        k += 2;
    }
    if c.kind_at_index(k) != Some(TokenKind::LParen) {
        return false;
    }
    // The group closes at b.
    let mut depth = 0;
    for i in k..b {
        match c.kind_at_index(i) {
            Some(TokenKind::LParen) | Some(TokenKind::LBracket) => depth += 1,
            Some(TokenKind::RParen) | Some(TokenKind::RBracket) => {
                depth -= 1;
                if depth == 0 {
                    return i + 1 == b;
                }
            }
            _ => {}
        }
    }
    false
}

fn function_name(c: &Cursor<'_>, a: usize) -> Option<String> {
    let mut k = a;
    while c.kind_at_index(k + 1) == Some(TokenKind::Dot) {
        k += 2;
    }
    let t = c.toks.get(k)?;
    match t.kind {
        TokenKind::Word => Some(c.text(t).to_ascii_lowercase()),
        TokenKind::QuotedIdent => {
            let s = c.text(t);
            Some(
                s.get(1..s.len().saturating_sub(1))
                    .unwrap_or("")
                    .replace("\"\"", "\""),
            )
        }
        _ => None,
    }
}

/// The column names an EXCLUDE definition's elements name (`expr` for expressions).
fn exclude_column_names(definition: &str) -> Vec<Option<String>> {
    let Some(open) = definition.find('(') else {
        return Vec::new();
    };
    let rest = &definition[open..];
    let Some(close) = crate::render::format::matching_paren(rest) else {
        return Vec::new();
    };
    crate::render::format::split_top_level(&rest[1..close], ',')
        .into_iter()
        .map(|e| {
            let head = e
                .trim()
                .split(" WITH ")
                .next()
                .unwrap_or("")
                .trim()
                .to_string();
            if head
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
                && !head.is_empty()
            {
                Some(head)
            } else {
                None
            }
        })
        .collect()
}

/// Column names of `table` an expression mentions (for naming `t_col_check`).
fn referenced_columns(expression: &str, table: &Table) -> Vec<String> {
    let mut lx = super::lexer::Lexer::new(expression);
    let mut toks = Vec::new();
    while let Some(t) = lx.next_token() {
        toks.push(t);
    }
    let mut used: Vec<String> = Vec::new();
    for (i, t) in toks.iter().enumerate() {
        let name = match t.kind {
            TokenKind::Word => t.text(expression).to_ascii_lowercase(),
            TokenKind::QuotedIdent => {
                let s = t.text(expression);
                s.get(1..s.len().saturating_sub(1))
                    .unwrap_or("")
                    .replace("\"\"", "\"")
            }
            _ => continue,
        };
        let after_cast = i > 0 && toks[i - 1].text(expression) == "::";
        let is_call = toks.get(i + 1).is_some_and(|n| n.kind == TokenKind::LParen);
        if !after_cast && !is_call && table.columns.contains_key(&name) && !used.contains(&name) {
            used.push(name);
        }
    }
    used
}

fn constraint_uses_column(con: &Constraint, col: &str) -> bool {
    match &con.kind {
        ConstraintKind::PrimaryKey { columns, include }
        | ConstraintKind::Unique {
            columns, include, ..
        } => columns.iter().chain(include.iter()).any(|c| c == col),
        ConstraintKind::ForeignKey { columns, .. } => columns.iter().any(|c| c == col),
        ConstraintKind::Check { expression, .. } => mentions_ident(expression, col),
        ConstraintKind::Exclude { definition } => mentions_ident(definition, col),
    }
}

fn index_uses_column(idx: &Index, col: &str) -> bool {
    idx.keys.iter().any(|k| match &k.expression {
        IndexKeyExpr::Column(c) => c == col,
        IndexKeyExpr::Expression(e) => mentions_ident(e, col),
    }) || idx.include.iter().any(|c| c == col)
        || idx
            .predicate
            .as_ref()
            .is_some_and(|p| mentions_ident(p, col))
}

/// Does the expression mention this identifier (outside string literals)?
pub(crate) fn mentions_ident(expression: &str, ident: &str) -> bool {
    let mut lx = super::lexer::Lexer::new(expression);
    while let Some(t) = lx.next_token() {
        let name = match t.kind {
            TokenKind::Word => t.text(expression).to_ascii_lowercase(),
            TokenKind::QuotedIdent => {
                let s = t.text(expression);
                s.get(1..s.len().saturating_sub(1))
                    .unwrap_or("")
                    .replace("\"\"", "\"")
            }
            _ => continue,
        };
        if name == ident {
            return true;
        }
    }
    false
}

/// Renames an identifier in expression text (token-wise, outside strings).
pub(crate) fn rename_ident_in(expression: &str, old: &str, new: &str) -> String {
    let mut lx = super::lexer::Lexer::new(expression);
    let mut out = String::new();
    let mut last = 0;
    while let Some(t) = lx.next_token() {
        let name = match t.kind {
            TokenKind::Word => t.text(expression).to_ascii_lowercase(),
            TokenKind::QuotedIdent => {
                let s = t.text(expression);
                s.get(1..s.len().saturating_sub(1))
                    .unwrap_or("")
                    .replace("\"\"", "\"")
            }
            _ => continue,
        };
        if name == old {
            out.push_str(expression.get(last..t.start).unwrap_or(""));
            out.push_str(&quote_ident(new));
            last = t.end;
        }
    }
    out.push_str(expression.get(last..).unwrap_or(""));
    out
}

trait ShiftRemoveOr<V> {
    fn shift_remove_or(&mut self, k: &str) -> Option<V>;
}

impl<V> ShiftRemoveOr<V> for crate::model::SortedMap<String, V> {
    fn shift_remove_or(&mut self, k: &str) -> Option<V> {
        self.remove(k)
    }
}
