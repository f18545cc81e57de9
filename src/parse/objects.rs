//! Recognizers for the other objects: sequences, types, domains, views, functions, triggers,
//! policies, schemas, extensions, comments, and DROP.

use super::cursor::{Cursor, PResult, ParseError, WrittenName};
use super::ddl::{
    WrittenSequenceOptions, builtin, normalize_sequence_options, options_list, paren_tokens,
};
use super::expr::{condition_text, default_text};
use super::lexer::TokenKind;
use super::split::RawStatement;
use super::types::parse_type;
use super::{Ingest, Outcome, commands};
use crate::model::{
    ColumnRef, CompositeType, ConstraintKind, Domain, EnumType, Extension, Function, FunctionId,
    FunctionKind, Namespace, Policy, QualifiedName, Sequence, SequenceOptions, Trigger, View,
    quote_ident,
};
use crate::render::format::{format_type, visible_name};

impl Ingest<'_> {
    // ---------------------------------------------------------------- sequences

    pub(crate) fn create_sequence(&mut self, c: &mut Cursor<'_>) -> PResult<Outcome> {
        c.expect_kw("sequence")?;
        let if_not_exists = c.eat_kws(&["if", "not", "exists"]);
        let n = c.name()?;
        self.check_truncated(&n);
        let name = self.qualify(&n);
        if self.relation_name_taken(&name.schema, &name.name) {
            if if_not_exists {
                return Ok(Outcome::Understood);
            }
            return Err(ParseError {
                offset: n.offset,
                message: format!("relation {name} already exists"),
            });
        }
        let mut w = WrittenSequenceOptions::default();
        self.sequence_options(c, &mut w)?;
        c.expect_end()?;
        let data_type = w.data_type.clone().unwrap_or_else(|| builtin("bigint"));
        let raw = SequenceOptions {
            start: w.start,
            increment: w.increment,
            min_value: w.min_value.flatten(),
            max_value: w.max_value.flatten(),
            cache: w.cache,
            cycle: w.cycle.unwrap_or(false),
        };
        let options = normalize_sequence_options(&data_type, &raw);
        let owned_by = match &w.owned_by {
            Some(Some(o)) => self.column_ref(o)?,
            _ => None,
        };
        self.catalog.sequences.insert(
            name.clone(),
            Sequence {
                name,
                data_type,
                options,
                owned_by,
                comment: None,
            },
        );
        Ok(Outcome::Understood)
    }

    /// `table.column` or `schema.table.column`.
    fn column_ref(&self, n: &WrittenName) -> PResult<Option<ColumnRef>> {
        let (table, column) = match n.parts.as_slice() {
            [t, c] => (
                QualifiedName::new(self.default_schema.clone(), t.clone()),
                c.clone(),
            ),
            [s, t, c] => (QualifiedName::new(s.clone(), t.clone()), c.clone()),
            _ => {
                return Err(ParseError {
                    offset: n.offset,
                    message: "OWNED BY needs table.column".into(),
                });
            }
        };
        if !self
            .catalog
            .tables
            .get(&table)
            .is_some_and(|t| t.columns.contains_key(&column))
        {
            return Err(ParseError {
                offset: n.offset,
                message: format!("column \"{column}\" of relation {table} does not exist"),
            });
        }
        Ok(Some(ColumnRef { table, column }))
    }

    pub(crate) fn alter_sequence(&mut self, c: &mut Cursor<'_>) -> PResult<Outcome> {
        c.expect_kw("sequence")?;
        let if_exists = c.eat_kws(&["if", "exists"]);
        let n = c.name()?;
        let name = self.qualify(&n);
        if !self.catalog.sequences.contains_key(&name) {
            if if_exists {
                return Ok(Outcome::Understood);
            }
            return Err(ParseError {
                offset: n.offset,
                message: format!("sequence {name} does not exist"),
            });
        }
        if c.eat_kws(&["rename", "to"]) {
            let (new, _) = c.ident()?;
            if let Some(mut s) = self.catalog.sequences.remove(&name) {
                s.name = name.sibling(new);
                self.catalog.sequences.insert(s.name.clone(), s);
            }
            return Ok(Outcome::Understood);
        }
        let mut w = WrittenSequenceOptions::default();
        self.sequence_options(c, &mut w)?;
        c.expect_end()?;
        let owned_by = match &w.owned_by {
            Some(Some(o)) => Some(self.column_ref(o)?),
            Some(None) => Some(None),
            None => None,
        };
        if let Some(s) = self.catalog.sequences.get_mut(&name) {
            let mut o = s.options.clone();
            if let Some(t) = w.data_type.clone() {
                s.data_type = t;
            }
            w.apply_to(&mut o);
            s.options = normalize_sequence_options(&s.data_type, &o);
            if let Some(ob) = owned_by {
                s.owned_by = ob;
            }
        }
        Ok(Outcome::Understood)
    }

    pub(crate) fn alter_index(&mut self, c: &mut Cursor<'_>) -> PResult<Outcome> {
        c.expect_kw("index")?;
        if c.is_kws(&["all", "in"]) {
            return Ok(Outcome::Ignored(
                "tablespace moves are not part of the model".into(),
            ));
        }
        let if_exists = c.eat_kws(&["if", "exists"]);
        let n = c.name()?;
        let q = self.qualify(&n);
        let Some(table) = self.index_table(&q) else {
            if if_exists {
                return Ok(Outcome::Understood);
            }
            return Err(ParseError {
                offset: n.offset,
                message: format!("index {q} does not exist"),
            });
        };
        if c.eat_kws(&["rename", "to"]) {
            let (new, _) = c.ident()?;
            if let Some(t) = self.catalog.tables.get_mut(&table) {
                if let Some(mut idx) = t.indexes.remove(&q.name) {
                    idx.name = new.clone();
                    t.indexes.insert(new, idx);
                } else if let Some(mut con) = t.constraints.remove(&q.name) {
                    // Renaming a constraint's index renames the constraint.
                    con.name = new.clone();
                    t.constraints.insert(new, con);
                }
            } else if let Some(v) = self.catalog.views.get_mut(&table)
                && let Some(mut idx) = v.indexes.remove(&q.name)
            {
                idx.name = new.clone();
                v.indexes.insert(new, idx);
            }
            return Ok(Outcome::Understood);
        }
        if c.eat_kws(&["attach", "partition"]) {
            // ALTER INDEX parent_index ATTACH PARTITION child_index: the child's index is attached.
            let p = c.name()?;
            let child = self.qualify(&p);
            if let Some(child_table) = self.index_table(&child)
                && let Some(idx) = self
                    .catalog
                    .tables
                    .get_mut(&child_table)
                    .and_then(|t| t.indexes.get_mut(&child.name))
            {
                idx.attached_to = Some(q.clone());
            }
            let _ = table;
            return Ok(Outcome::Understood);
        }
        if c.eat_kws(&["set", "tablespace"]) {
            let tablespace = super::ddl::tablespace_name(c.ident()?.0);
            c.eat_kw("nowait");
            c.expect_end()?;
            if let Some(t) = self.catalog.tables.get_mut(&table) {
                if let Some(i) = t.indexes.get_mut(&q.name) {
                    i.tablespace = tablespace;
                } else if let Some(k) = t.constraints.get_mut(&q.name) {
                    k.index_tablespace = tablespace;
                }
            } else if let Some(i) = self
                .catalog
                .views
                .get_mut(&table)
                .and_then(|v| v.indexes.get_mut(&q.name))
            {
                i.tablespace = tablespace;
            }
            return Ok(Outcome::Understood);
        }
        if c.eat_kw("set")
            || c.eat_kw("reset")
            || c.eat_kw("alter")
            || c.eat_kw("depends")
            || c.eat_kw("no")
        {
            return Ok(Outcome::Ignored(
                "index storage settings are not part of the model".into(),
            ));
        }
        c.error("unsupported ALTER INDEX action")
    }

    /// The table (or materialized view) an index named `q` belongs to.
    pub(crate) fn index_table(&self, q: &QualifiedName) -> Option<QualifiedName> {
        for t in self.catalog.tables.values() {
            if t.name.schema == q.schema
                && (t.indexes.contains_key(&q.name)
                    || t.constraints.get(&q.name).is_some_and(|c| {
                        matches!(
                            c.kind,
                            ConstraintKind::PrimaryKey { .. }
                                | ConstraintKind::Unique { .. }
                                | ConstraintKind::Exclude { .. }
                        )
                    }))
            {
                return Some(t.name.clone());
            }
        }
        for v in self.catalog.views.values() {
            if v.name.schema == q.schema && v.indexes.contains_key(&q.name) {
                return Some(v.name.clone());
            }
        }
        None
    }

    // ---------------------------------------------------------------- types

    pub(crate) fn create_type(
        &mut self,
        c: &mut Cursor<'_>,
        raw: &RawStatement,
    ) -> PResult<Outcome> {
        c.expect_kw("type")?;
        let n = c.name()?;
        self.check_truncated(&n);
        let name = self.qualify(&n);
        if c.at_end() {
            // A shell type: filled in by a later CREATE TYPE.
            return Ok(Outcome::Ignored(
                "a shell type (defined fully by a later statement)".into(),
            ));
        }
        c.eat_kw("as");
        if self.type_exists(&name) {
            return Err(ParseError {
                offset: n.offset,
                message: format!("type {name} already exists"),
            });
        }
        if c.eat_kw("enum") {
            c.expect_kind(TokenKind::LParen, "`(`")?;
            let mut labels = Vec::new();
            if !c.eat_kind(TokenKind::RParen) {
                loop {
                    labels.push(c.string()?);
                    if c.eat_kind(TokenKind::Comma) {
                        continue;
                    }
                    c.expect_kind(TokenKind::RParen, "`,` or `)`")?;
                    break;
                }
            }
            c.expect_end()?;
            self.catalog.enums.insert(
                name.clone(),
                EnumType {
                    name,
                    labels,
                    comment: None,
                },
            );
            return Ok(Outcome::Understood);
        }
        if c.is_kind(TokenKind::LParen) {
            // Composite type, or a base type `(INPUT = ..., OUTPUT = ...)`.
            let is_base = c.peek_at(1).is_some_and(|t| t.kind == TokenKind::Word)
                && c.peek_at(2).is_some_and(|t| c.text(t) == "=");
            if is_base {
                self.opaque("base type", &name.to_string(), raw);
                self.note(
                    "opaque-statement",
                    "a base type is kept as an opaque statement",
                    raw.start,
                );
                return Ok(Outcome::Understood);
            }
            c.i += 1;
            let mut attributes = indexmap::IndexMap::new();
            if !c.eat_kind(TokenKind::RParen) {
                loop {
                    let (attr, _) = c.ident()?;
                    let (t, _) = parse_type(c, &self.default_schema)?;
                    if c.eat_kw("collate") {
                        c.name()?;
                    }
                    attributes.insert(attr, t);
                    if c.eat_kind(TokenKind::Comma) {
                        continue;
                    }
                    c.expect_kind(TokenKind::RParen, "`,` or `)`")?;
                    break;
                }
            }
            c.expect_end()?;
            self.catalog.composite_types.insert(
                name.clone(),
                CompositeType {
                    name,
                    attributes,
                    comment: None,
                },
            );
            return Ok(Outcome::Understood);
        }
        if c.eat_kw("range") {
            self.opaque("range type", &name.to_string(), raw);
            self.note(
                "opaque-statement",
                "a range type is kept as an opaque statement",
                raw.start,
            );
            return Ok(Outcome::Understood);
        }
        c.error("expected AS ENUM, AS (...), AS RANGE or a base type definition")
    }

    fn type_exists(&self, name: &QualifiedName) -> bool {
        self.catalog.enums.contains_key(name)
            || self.catalog.domains.contains_key(name)
            || self.catalog.composite_types.contains_key(name)
    }

    pub(crate) fn alter_type(&mut self, c: &mut Cursor<'_>) -> PResult<Outcome> {
        c.expect_kw("type")?;
        let n = c.name()?;
        let name = self.qualify(&n);
        if c.eat_kws(&["add", "value"]) {
            let if_not_exists = c.eat_kws(&["if", "not", "exists"]);
            let label = c.string()?;
            let position = if c.eat_kw("before") {
                Some((true, c.string()?))
            } else if c.eat_kw("after") {
                Some((false, c.string()?))
            } else {
                None
            };
            c.expect_end()?;
            let e = self
                .catalog
                .enums
                .get_mut(&name)
                .ok_or_else(|| ParseError {
                    offset: n.offset,
                    message: format!("enum type {name} does not exist"),
                })?;
            if e.labels.contains(&label) {
                if if_not_exists {
                    return Ok(Outcome::Understood);
                }
                return Err(ParseError {
                    offset: n.offset,
                    message: format!("enum label \"{label}\" already exists"),
                });
            }
            match position {
                None => e.labels.push(label),
                Some((before, other)) => {
                    let i =
                        e.labels
                            .iter()
                            .position(|l| *l == other)
                            .ok_or_else(|| ParseError {
                                offset: n.offset,
                                message: format!("\"{other}\" is not an existing enum label"),
                            })?;
                    e.labels.insert(if before { i } else { i + 1 }, label);
                }
            }
            return Ok(Outcome::Understood);
        }
        if c.eat_kws(&["rename", "value"]) {
            let old = c.string()?;
            c.expect_kw("to")?;
            let new = c.string()?;
            let e = self
                .catalog
                .enums
                .get_mut(&name)
                .ok_or_else(|| ParseError {
                    offset: n.offset,
                    message: format!("enum type {name} does not exist"),
                })?;
            match e.labels.iter_mut().find(|l| **l == old) {
                Some(l) => *l = new,
                None => {
                    return Err(ParseError {
                        offset: n.offset,
                        message: format!("\"{old}\" is not an existing enum label"),
                    });
                }
            }
            return Ok(Outcome::Understood);
        }
        if c.eat_kws(&["rename", "to"]) {
            let (new, _) = c.ident()?;
            let new_name = name.sibling(new);
            if let Some(mut e) = self.catalog.enums.remove(&name) {
                e.name = new_name.clone();
                self.catalog.enums.insert(new_name.clone(), e);
            } else if let Some(mut t) = self.catalog.composite_types.remove(&name) {
                t.name = new_name.clone();
                self.catalog.composite_types.insert(new_name.clone(), t);
            } else {
                return Err(ParseError {
                    offset: n.offset,
                    message: format!("type {name} does not exist"),
                });
            }
            self.retype(&name, &new_name);
            return Ok(Outcome::Understood);
        }
        if c.eat_kws(&["set", "schema"]) {
            let (schema, _) = c.ident()?;
            let new_name = QualifiedName::new(schema, name.name.clone());
            if let Some(mut e) = self.catalog.enums.remove(&name) {
                e.name = new_name.clone();
                self.catalog.enums.insert(new_name.clone(), e);
            }
            self.retype(&name, &new_name);
            return Ok(Outcome::Understood);
        }
        Ok(Outcome::Ignored(
            "ALTER TYPE action does not change the model".into(),
        ))
    }

    /// Columns of a renamed type follow it.
    fn retype(&mut self, old: &QualifiedName, new: &QualifiedName) {
        use crate::model::BaseType;
        for t in self.catalog.tables.values_mut() {
            for col in t.columns.values_mut() {
                if col.data_type.base == BaseType::User(old.clone()) {
                    col.data_type.base = BaseType::User(new.clone());
                }
            }
        }
    }

    pub(crate) fn create_domain(&mut self, c: &mut Cursor<'_>) -> PResult<Outcome> {
        c.expect_kw("domain")?;
        let n = c.name()?;
        let name = self.qualify(&n);
        c.eat_kw("as");
        let (data_type, _) = parse_type(c, &self.default_schema)?;
        let mut d = Domain {
            name: name.clone(),
            data_type,
            not_null: false,
            default: None,
            collation: None,
            checks: Default::default(),
            comment: None,
        };
        let mut unnamed = 0;
        loop {
            let cname = if c.eat_kw("constraint") {
                Some(c.ident()?.0)
            } else {
                None
            };
            if c.eat_kws(&["not", "null"]) {
                d.not_null = true;
            } else if c.eat_kw("null") {
                d.not_null = false;
            } else if c.eat_kw("default") {
                let (a, b) = c.until(|k, i| {
                    k.kw_at_index(i, "constraint")
                        || k.kw_at_index(i, "check")
                        || (k.kw_at_index(i, "not") && k.kw_at_index(i + 1, "null"))
                        || k.kw_at_index(i, "collate")
                })?;
                d.default = default_text(c, a, b, &d.data_type);
            } else if c.eat_kw("collate") {
                d.collation = Some(c.name()?.last().to_string());
            } else if c.eat_kw("check") {
                let (a, b) = paren_tokens(c)?;
                let expr = super::expr::condition_text_typed(
                    c,
                    a,
                    b,
                    &[("value".to_string(), d.data_type.clone())]
                        .into_iter()
                        .collect(),
                    true,
                );
                let cn = match cname {
                    Some(x) => x,
                    None => {
                        unnamed += 1;
                        let base = super::naming::make_object_name(&name.name, None, "check");
                        if unnamed == 1 {
                            base
                        } else {
                            super::naming::make_object_name(
                                &name.name,
                                None,
                                &format!("check{}", unnamed - 1),
                            )
                        }
                    }
                };
                c.eat_kws(&["not", "valid"]);
                d.checks.insert(cn, expr);
            } else if cname.is_some() {
                return c.error("expected a constraint after CONSTRAINT name");
            } else {
                break;
            }
        }
        c.expect_end()?;
        self.catalog.domains.insert(name, d);
        Ok(Outcome::Understood)
    }

    pub(crate) fn alter_domain(&mut self, c: &mut Cursor<'_>) -> PResult<Outcome> {
        c.expect_kw("domain")?;
        let n = c.name()?;
        let name = self.qualify(&n);
        let Some(mut d) = self.catalog.domains.get(&name).cloned() else {
            return Err(ParseError {
                offset: n.offset,
                message: format!("domain {name} does not exist"),
            });
        };
        if c.eat_kw("add") {
            let cname = if c.eat_kw("constraint") {
                Some(c.ident()?.0)
            } else {
                None
            };
            c.expect_kw("check")?;
            let (a, b) = paren_tokens(c)?;
            let expr = super::expr::condition_text_typed(
                c,
                a,
                b,
                &[("value".to_string(), d.data_type.clone())]
                    .into_iter()
                    .collect(),
                true,
            );
            c.eat_kws(&["not", "valid"]);
            let cn = cname.unwrap_or_else(|| {
                super::naming::choose_name(&name.name, None, "check", |x| d.checks.contains_key(x))
            });
            d.checks.insert(cn, expr);
        } else if c.eat_kws(&["drop", "constraint"]) {
            c.eat_kws(&["if", "exists"]);
            let (cn, _) = c.ident()?;
            d.checks.remove(&cn);
        } else if c.eat_kws(&["set", "not", "null"]) {
            d.not_null = true;
        } else if c.eat_kws(&["drop", "not", "null"]) {
            d.not_null = false;
        } else if c.eat_kws(&["set", "default"]) {
            let (a, b) = c.until(|_, _| false)?;
            d.default = default_text(c, a, b, &d.data_type);
        } else if c.eat_kws(&["drop", "default"]) {
            d.default = None;
        } else if c.eat_kws(&["validate", "constraint"]) {
            c.ident()?;
        } else {
            return Ok(Outcome::Ignored(
                "ALTER DOMAIN action does not change the model".into(),
            ));
        }
        self.catalog.domains.insert(name, d);
        Ok(Outcome::Understood)
    }

    // ---------------------------------------------------------------- views

    pub(crate) fn create_view(
        &mut self,
        c: &mut Cursor<'_>,
        raw: &RawStatement,
        or_replace: bool,
    ) -> PResult<Outcome> {
        let materialized = c.eat_kw("materialized");
        c.eat_kw("recursive");
        c.expect_kw("view")?;
        let if_not_exists = c.eat_kws(&["if", "not", "exists"]);
        let n = c.name()?;
        self.check_truncated(&n);
        let name = self.qualify(&n);
        let columns = if c.is_kind(TokenKind::LParen) {
            c.ident_list()?
        } else {
            Vec::new()
        };
        let mut options = Vec::new();
        let mut written_tablespace = None;
        loop {
            if c.eat_kw("with") {
                options = options_list(c)?;
            } else if c.eat_kw("using") {
                c.ident()?;
            } else if c.eat_kw("tablespace") {
                written_tablespace = Some(c.ident()?.0);
            } else {
                break;
            }
        }
        // A materialized view's: written (pg_default: the database's default), else
        // `SET default_tablespace` (PostgreSQL creates it as it creates a table).
        let tablespace = match written_tablespace {
            _ if !materialized => None,
            Some(written) => super::ddl::tablespace_name(written),
            None => self.default_tablespace.clone(),
        };
        c.expect_kw("as")?;
        let as_end = c.prev_end();
        let mut with_no_data = false;
        let mut end_tok = c.toks.len();
        let nt = c.toks.len();
        if materialized && nt >= 2 && c.kw_at_index(nt - 1, "data") {
            if nt >= 3 && c.kw_at_index(nt - 2, "no") && c.kw_at_index(nt - 3, "with") {
                with_no_data = true;
                end_tok = nt - 3;
            } else if c.kw_at_index(nt - 2, "with") {
                end_tok = nt - 2;
            }
        }
        let mut check_option = None;
        if !materialized
            && nt >= 3
            && c.kw_at_index(nt - 1, "option")
            && c.kw_at_index(nt - 2, "check")
        {
            let mut k = nt - 3;
            if c.kw_at_index(k, "local") || c.kw_at_index(k, "cascaded") {
                check_option = Some(c.text(&c.toks[k]).to_ascii_lowercase());
                k = k.saturating_sub(1);
            } else {
                check_option = Some("cascaded".into());
            }
            if c.kw_at_index(k, "with") {
                end_tok = k;
            }
        }
        if let Some(co) = check_option {
            options.push(format!("check_option={co}"));
            options.sort();
        }
        if c.i >= end_tok {
            return c.error("expected the view's query after AS");
        }
        let query_end = c.toks[end_tok - 1].end;
        // Reads come from the query as written (the definition drops `public.`).
        let written_query = self.src.get(as_end..query_end).unwrap_or("");
        // PostgreSQL's deparse of the query when the deparser knows all of it, else the text as
        // written (a dump's text is PostgreSQL's deparse already).
        // What it reads: every relation the deparser resolved (sub-queries included), else the
        // relations named after FROM and JOIN.
        let deparsed = super::viewdef::deparse_view(
            written_query,
            &columns,
            &self.catalog,
            &self.view_columns,
            &|name: &str| self.resolve_relation(name),
        );
        let (definition, reads, output_columns) = match deparsed {
            Some(d) => (
                d.text,
                d.relations.into_iter().map(|r| (r, Vec::new())).collect(),
                d.columns,
            ),
            None => (
                view_definition(written_query),
                view_reads(written_query, &|name: &str| self.resolve_relation(name)),
                None,
            ),
        };
        if self.catalog.views.contains_key(&name) && !or_replace {
            if if_not_exists {
                return Ok(Outcome::Understood);
            }
            return Err(ParseError {
                offset: n.offset,
                message: format!("relation {name} already exists"),
            });
        }
        let _ = raw;
        let indexes = self
            .catalog
            .views
            .get(&name)
            .map(|v| v.indexes.clone())
            .unwrap_or_default();
        let comment = self
            .catalog
            .views
            .get(&name)
            .and_then(|v| v.comment.clone());
        match output_columns {
            Some(cols) => {
                self.view_columns.insert(name.clone(), cols);
            }
            None => {
                self.view_columns.remove(&name);
            }
        }
        self.catalog.views.insert(
            name.clone(),
            View {
                name,
                materialized,
                definition,
                columns,
                reads,
                options,
                with_no_data,
                indexes,
                comment,
                tablespace,
            },
        );
        Ok(Outcome::Understood)
    }

    pub(crate) fn alter_view(&mut self, c: &mut Cursor<'_>) -> PResult<Outcome> {
        c.eat_kw("materialized");
        c.expect_kw("view")?;
        if c.is_kws(&["all", "in", "tablespace"]) {
            return Ok(Outcome::Ignored(
                "tablespace moves are not part of the model".into(),
            ));
        }
        let if_exists = c.eat_kws(&["if", "exists"]);
        let n = c.name()?;
        let name = self.qualify(&n);
        if !self.catalog.views.contains_key(&name) {
            if if_exists {
                return Ok(Outcome::Understood);
            }
            return Err(ParseError {
                offset: n.offset,
                message: format!("view {name} does not exist"),
            });
        }
        if c.eat_kws(&["rename", "to"]) {
            let (new, _) = c.ident()?;
            if let Some(mut v) = self.catalog.views.remove(&name) {
                v.name = name.sibling(new);
                self.catalog.views.insert(v.name.clone(), v);
            }
            return Ok(Outcome::Understood);
        }
        if c.is_kws(&["set", "tablespace"]) {
            return self.set_view_tablespace(c, &name, n.offset);
        }
        Ok(Outcome::Ignored(
            "ALTER VIEW action does not change the model".into(),
        ))
    }

    /// `SET TABLESPACE x [NOWAIT]` on a view (`ALTER MATERIALIZED VIEW`, or `ALTER TABLE` on a
    /// materialized view, which PostgreSQL accepts too): only a materialized view has one.
    pub(crate) fn set_view_tablespace(
        &mut self,
        c: &mut Cursor<'_>,
        name: &QualifiedName,
        offset: usize,
    ) -> PResult<Outcome> {
        c.expect_kws(&["set", "tablespace"])?;
        let tablespace = super::ddl::tablespace_name(c.ident()?.0);
        c.eat_kw("nowait");
        c.expect_end()?;
        if let Some(v) = self.catalog.views.get_mut(name) {
            if !v.materialized {
                return Err(ParseError {
                    offset,
                    message: format!(
                        "ALTER action SET TABLESPACE cannot be performed on view {name}: only a materialized view has a tablespace"
                    ),
                });
            }
            v.tablespace = tablespace;
        }
        Ok(Outcome::Understood)
    }

    /// An unqualified relation name as the search_path finds it (the first schema holding a
    /// table or view of that name), else in the default schema.
    pub(crate) fn resolve_relation(&self, name: &str) -> QualifiedName {
        for schema in &self.search_path {
            let q = QualifiedName::new(schema.clone(), name);
            if self.catalog.tables.contains_key(&q) || self.catalog.views.contains_key(&q) {
                return q;
            }
        }
        QualifiedName::new(self.default_schema.clone(), name)
    }

    /// An unqualified function name as PostgreSQL's search_path finds it: pg_catalog where the
    /// path puts it (first when not written), holding `builtin` names; the other schemas of the
    /// path, holding the functions the catalog defines; else the default schema (a function
    /// defined outside this input).
    pub(crate) fn resolve_function(&self, name: &str, builtin: &[&str]) -> QualifiedName {
        let in_catalog = |schema: &str| {
            self.catalog
                .functions
                .keys()
                .any(|k| k.name.schema == schema && k.name.name == name)
        };
        for (at, schema) in self.search_path.iter().enumerate() {
            if at == self.pg_catalog_at && builtin.contains(&name) {
                return QualifiedName::new("pg_catalog", name);
            }
            if in_catalog(schema) {
                return QualifiedName::new(schema.clone(), name);
            }
        }
        if self.pg_catalog_at >= self.search_path.len() && builtin.contains(&name) {
            return QualifiedName::new("pg_catalog", name);
        }
        QualifiedName::new(self.default_schema.clone(), name)
    }

    // ---------------------------------------------------------------- functions

    pub(crate) fn create_function(
        &mut self,
        c: &mut Cursor<'_>,
        raw: &RawStatement,
    ) -> PResult<Outcome> {
        let kind = if c.eat_kw("procedure") {
            FunctionKind::Procedure
        } else {
            c.expect_kw("function")?;
            FunctionKind::Function
        };
        let n = c.name()?;
        let name = self.qualify(&n);
        let args = self.function_arguments(c)?;
        let mut returns = String::new();
        if c.eat_kw("returns") {
            if c.eat_kw("table") {
                let (a, b) = paren_tokens(c)?;
                let mut sub =
                    Cursor::new(c.src, &c.toks[..b], c.end, c.standard_conforming_strings);
                sub.i = a;
                let mut cols = Vec::new();
                while sub.i < b {
                    let (cn, _) = sub.ident()?;
                    let (t, _) = parse_type(&mut sub, &self.default_schema)?;
                    cols.push(format!("{} {}", quote_ident(&cn), format_type(&t)));
                    if !sub.eat_kind(TokenKind::Comma) {
                        break;
                    }
                }
                returns = format!("TABLE({})", cols.join(", "));
            } else {
                let setof = c.eat_kw("setof");
                let (t, _) = parse_type(c, &self.default_schema)?;
                returns = format!("{}{}", if setof { "SETOF " } else { "" }, format_type(&t));
            }
        } else if kind == FunctionKind::Function {
            let outs: Vec<&Argument> = args
                .iter()
                .filter(|a| a.mode == "OUT" || a.mode == "INOUT")
                .collect();
            returns = match outs.as_slice() {
                [one] => one.type_text.clone(),
                [] => return c.error("a function needs RETURNS"),
                _ => "record".into(),
            };
        }
        let mut language = String::new();
        // LANGUAGE may come anywhere among the options.
        let mut k = c.i;
        while k + 1 < c.toks.len() {
            if c.kw_at_index(k, "language") {
                let t = c.toks[k + 1];
                language = match t.kind {
                    TokenKind::String => {
                        super::lexer::string_value(c.text(&t), true).to_ascii_lowercase()
                    }
                    _ => c.text(&t).trim_matches('"').to_ascii_lowercase(),
                };
                break;
            }
            k += 1;
        }
        if language.is_empty() {
            language = "sql".into();
        }
        let identity = args
            .iter()
            .filter(|a| a.mode != "TABLE")
            .map(|a| {
                let mut s = String::new();
                if kind == FunctionKind::Procedure && (a.mode.is_empty() || a.mode == "IN") {
                    // pg_get_function_identity_arguments spells IN out for procedures.
                    s.push_str("IN ");
                } else if !a.mode.is_empty() && a.mode != "IN" {
                    s.push_str(&a.mode);
                    s.push(' ');
                }
                if let Some(n) = &a.name {
                    s.push_str(&quote_ident(n));
                    s.push(' ');
                }
                s.push_str(&a.type_text);
                s
            })
            .collect::<Vec<_>>()
            .join(", ");
        let definition = self.qualified_text(raw.start, raw.end, &n, &name.to_string());
        let id = FunctionId {
            name,
            arguments: identity,
        };
        let comment = self
            .catalog
            .functions
            .get(&id)
            .and_then(|f| f.comment.clone());
        self.catalog.functions.insert(
            id.clone(),
            Function {
                id,
                kind,
                returns,
                language,
                definition,
                comment,
            },
        );
        Ok(Outcome::Understood)
    }

    /// `( [mode] [name] type [DEFAULT expr], ... )`.
    fn function_arguments(&mut self, c: &mut Cursor<'_>) -> PResult<Vec<Argument>> {
        function_arguments(c, &self.default_schema)
    }
}

/// The types of a function's identity arguments (`p_id integer, OUT x text` → `["integer"]`),
/// without OUT arguments: what tells overloads apart.
fn identity_types(arguments: &str) -> Option<Vec<String>> {
    let text = format!("({arguments})");
    let mut lx = super::lexer::Lexer::new(&text);
    let mut toks = Vec::new();
    while let Some(t) = lx.next_token() {
        toks.push(t);
    }
    let mut c = Cursor::new(&text, &toks, text.len(), true);
    let args = function_arguments(&mut c, "public").ok()?;
    Some(
        args.into_iter()
            .filter(|a| a.mode != "OUT")
            .map(|a| a.type_text)
            .collect(),
    )
}

/// `( [mode] [name] type [DEFAULT expr], ... )`.
fn function_arguments(c: &mut Cursor<'_>, default_schema: &str) -> PResult<Vec<Argument>> {
    {
        let (a, b) = paren_tokens(c)?;
        let mut sub = Cursor::new(c.src, &c.toks[..b], c.end, c.standard_conforming_strings);
        sub.i = a;
        let mut out = Vec::new();
        while sub.i < b {
            let mut mode = String::new();
            for m in ["inout", "in", "out", "variadic"] {
                if sub.is_kw(m)
                    && !sub
                        .kind_at_index(sub.i + 1)
                        .is_some_and(|k| matches!(k, TokenKind::Comma | TokenKind::RParen))
                {
                    sub.i += 1;
                    mode = m.to_ascii_uppercase();
                    break;
                }
            }
            if sub.i >= b {
                break;
            }
            // Try `type` alone; else `name type`.
            let save = sub.i;
            let mut name = None;
            let plain = parse_type(&mut sub, default_schema);
            let ends_here = |s: &Cursor<'_>| {
                s.i >= b || s.is_kind(TokenKind::Comma) || s.is_kw("default") || s.is_op("=")
            };
            let ty = match plain {
                Ok((t, _)) if ends_here(&sub) => t,
                _ => {
                    sub.i = save;
                    let (n, _) = sub.ident()?;
                    name = Some(n);
                    // `name IN type` (mode after name).
                    for m in ["inout", "in", "out", "variadic"] {
                        if mode.is_empty()
                            && sub.is_kw(m)
                            && !sub
                                .kind_at_index(sub.i + 1)
                                .is_some_and(|k| matches!(k, TokenKind::Comma | TokenKind::RParen))
                        {
                            sub.i += 1;
                            mode = m.to_ascii_uppercase();
                            break;
                        }
                    }
                    parse_type(&mut sub, default_schema)?.0
                }
            };
            if sub.eat_kw("default") || sub.eat_op("=") {
                sub.until(|k, i| k.kind_at_index(i) == Some(TokenKind::Comma))?;
            }
            out.push(Argument {
                mode,
                name,
                type_text: format_type(&ty),
            });
            if !sub.eat_kind(TokenKind::Comma) {
                break;
            }
        }
        if sub.i < b {
            return sub.error("unexpected text in the argument list");
        }
        Ok(out)
    }
}

impl Ingest<'_> {
    pub(crate) fn create_aggregate(
        &mut self,
        c: &mut Cursor<'_>,
        raw: &RawStatement,
    ) -> PResult<Outcome> {
        c.expect_kw("aggregate")?;
        let n = c.name()?;
        let name = self.qualify(&n);
        let star = c.is_kind(TokenKind::LParen)
            && c.peek_at(1).is_some_and(|t| c.text(t) == "*")
            && c.peek_at(2).is_some_and(|t| t.kind == TokenKind::RParen);
        let args = if star {
            c.i += 3;
            vec![Argument {
                mode: String::new(),
                name: None,
                type_text: "*".into(),
            }]
        } else if c.is_kind(TokenKind::LParen)
            && !c.is_kw_at(1, "sfunc")
            && !c.is_kw_at(1, "basetype")
        {
            self.function_arguments(c)?
        } else {
            Vec::new()
        };
        let (a, b) = paren_tokens(c)?;
        let mut stype = None;
        let mut finalfunc = None;
        let mut k = a;
        while k + 2 < b + 1 {
            if c.kw_at_index(k, "stype") && c.toks.get(k + 1).is_some_and(|t| c.text(t) == "=") {
                let mut sub = Cursor::new(c.src, &c.toks[..b], c.end, true);
                sub.i = k + 2;
                stype = parse_type(&mut sub, &self.default_schema)
                    .ok()
                    .map(|x| format_type(&x.0));
            }
            if c.kw_at_index(k, "finalfunc") && c.toks.get(k + 1).is_some_and(|t| c.text(t) == "=")
            {
                let mut sub = Cursor::new(c.src, &c.toks[..b], c.end, true);
                sub.i = k + 2;
                finalfunc = sub.name().ok().map(|w| self.qualify(&w));
            }
            k += 1;
        }
        let mut returns = stype.unwrap_or_default();
        if let Some(f) = finalfunc
            && let Some(func) = self.catalog.functions.values().find(|x| x.id.name == f)
        {
            returns = func.returns.clone();
        }
        let identity = args
            .iter()
            .map(|a| a.type_text.clone())
            .collect::<Vec<_>>()
            .join(", ");
        let id = FunctionId {
            name,
            arguments: identity,
        };
        self.catalog.functions.insert(
            id.clone(),
            Function {
                id,
                kind: FunctionKind::Aggregate,
                returns,
                language: "internal".into(),
                definition: raw.text(self.src).to_string(),
                comment: None,
            },
        );
        Ok(Outcome::Understood)
    }

    pub(crate) fn alter_function(
        &mut self,
        c: &mut Cursor<'_>,
        raw: &RawStatement,
    ) -> PResult<Outcome> {
        c.i += 1;
        let n = c.name()?;
        let name = self.qualify(&n);
        let args = if c.is_kind(TokenKind::LParen) {
            Some(self.function_arguments(c)?)
        } else {
            None
        };
        if c.eat_kws(&["rename", "to"]) {
            let (new, _) = c.ident()?;
            let key = self.find_function(&name, args.as_deref());
            if let Some(k) = key {
                if let Some(mut f) = self.catalog.functions.remove(&k) {
                    f.id.name = name.sibling(new);
                    self.catalog.functions.insert(f.id.clone(), f);
                }
                return Ok(Outcome::Understood);
            }
            return Err(ParseError {
                offset: n.offset,
                message: format!("function {name} does not exist"),
            });
        }
        let _ = raw;
        Ok(Outcome::Ignored(
            "ALTER FUNCTION settings are not part of the model".into(),
        ))
    }

    fn find_function(&self, name: &QualifiedName, args: Option<&[Argument]>) -> Option<FunctionId> {
        let types: Option<Vec<String>> = args.map(|a| {
            a.iter()
                .filter(|x| x.mode != "OUT")
                .map(|x| x.type_text.clone())
                .collect()
        });
        self.catalog
            .functions
            .keys()
            .find(|id| {
                &id.name == name
                    && types.as_ref().is_none_or(|t| {
                        identity_types(&id.arguments).is_some_and(|mine| mine == *t)
                    })
            })
            .cloned()
    }

    // ---------------------------------------------------------------- triggers and policies

    pub(crate) fn create_trigger(&mut self, c: &mut Cursor<'_>) -> PResult<Outcome> {
        let constraint = c.eat_kw("constraint");
        c.expect_kw("trigger")?;
        let (name, _) = c.ident()?;
        let timing = if c.eat_kw("before") {
            "BEFORE"
        } else if c.eat_kw("after") {
            "AFTER"
        } else {
            c.expect_kws(&["instead", "of"])?;
            "INSTEAD OF"
        };
        let mut insert = false;
        let mut delete = false;
        let mut update: Option<Vec<String>> = None;
        let mut truncate = false;
        loop {
            if c.eat_kw("insert") {
                insert = true;
            } else if c.eat_kw("delete") {
                delete = true;
            } else if c.eat_kw("truncate") {
                truncate = true;
            } else if c.eat_kw("update") {
                let mut cols = Vec::new();
                if c.eat_kw("of") {
                    loop {
                        cols.push(c.ident()?.0);
                        if !c.eat_kind(TokenKind::Comma) {
                            break;
                        }
                    }
                }
                update = Some(cols);
            } else {
                return c.error("expected INSERT, UPDATE, DELETE or TRUNCATE");
            }
            if !c.eat_kw("or") {
                break;
            }
        }
        c.expect_kw("on")?;
        let tn = c.name()?;
        let table = self.qualify(&tn);
        let mut from = None;
        let mut deferrable = false;
        let mut deferred = false;
        let mut referencing = Vec::new();
        let mut for_each_row = false;
        let mut when = None;
        loop {
            if c.eat_kw("from") {
                let f = c.name()?;
                from = Some(self.qualify(&f));
            } else if c.eat_kws(&["not", "deferrable"]) {
            } else if c.eat_kw("deferrable") {
                deferrable = true;
            } else if c.eat_kws(&["initially", "deferred"]) {
                deferred = true;
            } else if c.eat_kws(&["initially", "immediate"]) {
            } else if c.eat_kw("referencing") {
                loop {
                    let which = if c.eat_kw("old") {
                        "OLD"
                    } else if c.eat_kw("new") {
                        "NEW"
                    } else {
                        break;
                    };
                    if !c.eat_kw("table") {
                        c.eat_kw("row");
                    }
                    c.eat_kw("as");
                    let (alias, _) = c.ident()?;
                    referencing.push((which, alias));
                }
            } else if c.eat_kw("for") {
                c.eat_kw("each");
                if c.eat_kw("row") {
                    for_each_row = true;
                } else {
                    c.expect_kw("statement")?;
                }
            } else if c.eat_kw("when") {
                let (a, b) = paren_tokens(c)?;
                when = Some(condition_text(c, a, b, false));
            } else {
                break;
            }
        }
        c.expect_kw("execute")?;
        if !c.eat_kw("function") {
            c.expect_kw("procedure")?;
        }
        let fname = c.name()?;
        let function = match fname.parts.as_slice() {
            [one] => self.resolve_function(one, BUILTIN_TRIGGER_FUNCTIONS),
            _ => self.qualify(&fname),
        };
        let (a, b) = paren_tokens(c)?;
        let mut args = Vec::new();
        let mut k = a;
        while k < b {
            let t = c.toks[k];
            match t.kind {
                TokenKind::Comma => {}
                TokenKind::String => args.push(super::lexer::string_value(
                    c.text(&t),
                    c.standard_conforming_strings,
                )),
                _ => args.push(c.text(&t).to_string()),
            }
            k += 1;
        }
        c.expect_end()?;
        let mut events = Vec::new();
        if insert {
            events.push("INSERT".to_string());
        }
        if delete {
            events.push("DELETE".to_string());
        }
        if let Some(cols) = &update {
            if cols.is_empty() {
                events.push("UPDATE".to_string());
            } else {
                events.push(format!(
                    "UPDATE OF {}",
                    cols.iter()
                        .map(|x| quote_ident(x))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
        if truncate {
            events.push("TRUNCATE".to_string());
        }
        let mut def = format!(
            "CREATE {}TRIGGER {} {} {} ON {}",
            if constraint { "CONSTRAINT " } else { "" },
            quote_ident(&name),
            timing,
            events.join(" OR "),
            table
        );
        if let Some(f) = &from {
            def.push_str(&format!(" FROM {f}"));
        }
        if constraint {
            if deferrable {
                def.push_str(" DEFERRABLE");
            } else {
                def.push_str(" NOT DEFERRABLE");
            }
            def.push_str(if deferred {
                " INITIALLY DEFERRED"
            } else {
                " INITIALLY IMMEDIATE"
            });
        }
        if !referencing.is_empty() {
            def.push_str(" REFERENCING");
            for which in ["OLD", "NEW"] {
                for (w, alias) in &referencing {
                    if *w == which {
                        def.push_str(&format!(" {w} TABLE AS {}", quote_ident(alias)));
                    }
                }
            }
        }
        def.push_str(if for_each_row {
            " FOR EACH ROW"
        } else {
            " FOR EACH STATEMENT"
        });
        if let Some(w) = &when {
            def.push_str(&format!(" WHEN {w}"));
        }
        let quoted: Vec<String> = args
            .iter()
            .map(|a| format!("'{}'", a.replace('\'', "''")))
            .collect();
        def.push_str(&format!(
            " EXECUTE FUNCTION {}({})",
            visible_name(&function),
            quoted.join(", ")
        ));
        if !self.catalog.tables.contains_key(&table) {
            let (code, message) = if self.catalog.views.contains_key(&table) {
                // Triggers on views (INSTEAD OF) have no place in the model's View.
                (
                    "opaque-statement",
                    format!("trigger {name} on view {table} is kept as an opaque statement"),
                )
            } else {
                // A migration file commonly adds a trigger to a table another file defines
                // (Supabase's auth.users): kept as it was written, so the statement is not lost,
                // with a note that the table is not defined in this input.
                (
                    "undefined-relation",
                    format!(
                        "trigger {name} is on {table}, which this input does not define; \
                         it is kept as an opaque statement"
                    ),
                )
            };
            let start = c.toks.first().map_or(0, |t| t.start);
            let sql = self.qualified_text(start, c.end, &tn, &table.to_string());
            self.opaque_text(
                "trigger",
                &format!("{} ON {table}", quote_ident(&name)),
                sql,
            );
            self.note(code, message, tn.offset);
            return Ok(Outcome::Understood);
        }
        let t = self.table_mut(&table, tn.offset)?;
        if t.triggers.contains_key(&name) && !c.kw_at_index(1, "replace") {
            // CREATE OR REPLACE TRIGGER replaces; plain CREATE of an existing name fails.
            if !(c.kw_at_index(1, "or")) {
                return Err(ParseError {
                    offset: tn.offset,
                    message: format!("trigger \"{name}\" for relation {table} already exists"),
                });
            }
        }
        t.triggers.insert(
            name.clone(),
            Trigger {
                name,
                definition: def,
                function,
                enabled: true,
                comment: None,
            },
        );
        Ok(Outcome::Understood)
    }

    pub(crate) fn create_policy(&mut self, c: &mut Cursor<'_>) -> PResult<Outcome> {
        c.expect_kw("policy")?;
        let (name, _) = c.ident()?;
        c.expect_kw("on")?;
        let tn = c.name()?;
        let table = self.qualify(&tn);
        self.set_expr_columns(&table);
        let mut p = Policy {
            name: name.clone(),
            permissive: true,
            command: "ALL".into(),
            roles: Vec::new(),
            using: None,
            with_check: None,
            comment: None,
        };
        self.policy_clauses(c, &mut p)?;
        c.expect_end()?;
        let t = self.table_mut(&table, tn.offset)?;
        if t.policies.contains_key(&name) {
            return Err(ParseError {
                offset: tn.offset,
                message: format!("policy \"{name}\" for table {table} already exists"),
            });
        }
        if p.roles.is_empty() {
            p.roles.push("public".into());
        }
        t.policies.insert(name, p);
        Ok(Outcome::Understood)
    }

    fn policy_clauses(&mut self, c: &mut Cursor<'_>, p: &mut Policy) -> PResult<()> {
        loop {
            if c.eat_kw("as") {
                if c.eat_kw("restrictive") {
                    p.permissive = false;
                } else {
                    c.expect_kw("permissive")?;
                    p.permissive = true;
                }
            } else if c.eat_kw("for") {
                p.command = c.ident()?.0.to_ascii_uppercase();
            } else if c.eat_kw("to") {
                p.roles.clear();
                loop {
                    let (r, _) = c.ident()?;
                    p.roles.push(r);
                    if !c.eat_kind(TokenKind::Comma) {
                        break;
                    }
                }
                p.roles.sort();
            } else if c.eat_kw("using") {
                let (a, b) = paren_tokens(c)?;
                p.using = Some(self.cond(c, a, b));
            } else if c.eat_kws(&["with", "check"]) {
                let (a, b) = paren_tokens(c)?;
                p.with_check = Some(self.cond(c, a, b));
            } else {
                return Ok(());
            }
        }
    }

    pub(crate) fn alter_policy(&mut self, c: &mut Cursor<'_>) -> PResult<Outcome> {
        c.expect_kw("policy")?;
        let (name, _) = c.ident()?;
        c.expect_kw("on")?;
        let tn = c.name()?;
        let table = self.qualify(&tn);
        self.set_expr_columns(&table);
        if c.eat_kws(&["rename", "to"]) {
            let (new, _) = c.ident()?;
            let t = self.table_mut(&table, tn.offset)?;
            let mut p = t.policies.remove(&name).ok_or_else(|| ParseError {
                offset: tn.offset,
                message: format!("policy \"{name}\" does not exist"),
            })?;
            p.name = new.clone();
            t.policies.insert(new, p);
            return Ok(Outcome::Understood);
        }
        let mut p = self
            .catalog
            .tables
            .get(&table)
            .and_then(|t| t.policies.get(&name))
            .cloned()
            .ok_or_else(|| ParseError {
                offset: tn.offset,
                message: format!("policy \"{name}\" for table {table} does not exist"),
            })?;
        self.policy_clauses(c, &mut p)?;
        c.expect_end()?;
        self.table_mut(&table, tn.offset)?.policies.insert(name, p);
        Ok(Outcome::Understood)
    }

    // ---------------------------------------------------------------- schemas, extensions

    pub(crate) fn create_schema(&mut self, c: &mut Cursor<'_>) -> PResult<Outcome> {
        c.expect_kw("schema")?;
        let if_not_exists = c.eat_kws(&["if", "not", "exists"]);
        let name = if c.eat_kw("authorization") {
            c.ident()?.0
        } else {
            let (n, _) = c.ident()?;
            if c.eat_kw("authorization") {
                c.ident()?;
            }
            n
        };
        if !c.at_end() {
            return c.error("CREATE SCHEMA with schema elements is not supported: create them in separate statements");
        }
        if self.catalog.schemas.contains_key(&name) && !if_not_exists && name != "public" {
            return Err(ParseError {
                offset: c.offset(),
                message: format!("schema \"{name}\" already exists"),
            });
        }
        // `public` exists in every database: the model holds it only to carry a comment.
        if name != "public" {
            self.catalog
                .schemas
                .entry(name.clone())
                .or_insert(Namespace {
                    name,
                    comment: None,
                });
        }
        Ok(Outcome::Understood)
    }

    pub(crate) fn create_extension(&mut self, c: &mut Cursor<'_>) -> PResult<Outcome> {
        c.expect_kw("extension")?;
        c.eat_kws(&["if", "not", "exists"]);
        let (name, _) = c.ident()?;
        let mut e = Extension {
            name: name.clone(),
            schema: None,
            version: None,
            comment: None,
        };
        c.eat_kw("with");
        loop {
            if c.eat_kw("schema") {
                e.schema = Some(c.ident()?.0);
            } else if c.eat_kw("version") {
                e.version = Some(c.string().or_else(|_| c.ident().map(|x| x.0))?);
            } else if c.eat_kw("cascade") {
            } else if c.eat_kw("from") {
                c.next();
            } else {
                break;
            }
        }
        c.expect_end()?;
        if let Some(old) = self.catalog.extensions.get(&name) {
            e.comment = old.comment.clone();
        }
        self.catalog.extensions.insert(name, e);
        Ok(Outcome::Understood)
    }

    // ---------------------------------------------------------------- DROP

    pub(crate) fn drop(&mut self, c: &mut Cursor<'_>, raw: &RawStatement) -> PResult<Outcome> {
        c.expect_kw("drop")?;
        let kind = if c.eat_kw("table") {
            "table"
        } else if c.eat_kw("index") {
            c.eat_kw("concurrently");
            "index"
        } else if c.eat_kw("sequence") {
            "sequence"
        } else if c.eat_kws(&["materialized", "view"]) || c.eat_kw("view") {
            "view"
        } else if c.eat_kw("type") {
            "type"
        } else if c.eat_kw("domain") {
            "domain"
        } else if c.eat_kw("schema") {
            "schema"
        } else if c.eat_kw("extension") {
            "extension"
        } else if c.eat_kw("function")
            || c.eat_kw("procedure")
            || c.eat_kw("aggregate")
            || c.eat_kw("routine")
        {
            "function"
        } else if c.eat_kw("trigger") {
            "trigger"
        } else if c.eat_kw("policy") {
            "policy"
        } else if c.is_kw("owned")
            || c.is_kw("role")
            || c.is_kw("user")
            || c.is_kw("database")
            || c.is_kw("group")
            || c.is_kw("tablespace")
        {
            return Ok(Outcome::Ignored(
                "cluster-wide objects are not part of the schema".into(),
            ));
        } else if let Some(kind) = commands::opaque_kind(c) {
            return Ok(self.drop_opaque(c, kind));
        } else {
            return self.fallback(raw, "DROP of an object kind the model does not hold");
        };
        let if_exists = c.eat_kws(&["if", "exists"]);
        if kind == "trigger" || kind == "policy" {
            let (name, _) = c.ident()?;
            c.expect_kw("on")?;
            let tn = c.name()?;
            let table = self.qualify(&tn);
            let Some(t) = self.catalog.tables.get_mut(&table) else {
                if if_exists {
                    return Ok(Outcome::Understood);
                }
                return Err(ParseError {
                    offset: tn.offset,
                    message: format!("relation {table} does not exist"),
                });
            };
            let removed = if kind == "trigger" {
                t.triggers.remove(&name).is_some()
            } else {
                t.policies.remove(&name).is_some()
            };
            if !removed && !if_exists {
                return Err(ParseError {
                    offset: tn.offset,
                    message: format!("{kind} \"{name}\" for table {table} does not exist"),
                });
            }
            return Ok(Outcome::Understood);
        }
        loop {
            let n = c.name()?;
            let args = if kind == "function" && c.is_kind(TokenKind::LParen) {
                Some(self.function_arguments(c)?)
            } else {
                None
            };
            let found = self.drop_one(kind, &n, args.as_deref());
            if !found && !if_exists {
                return Err(ParseError {
                    offset: n.offset,
                    message: format!("{kind} {} does not exist", self.qualify(&n)),
                });
            }
            if !c.eat_kind(TokenKind::Comma) {
                break;
            }
        }
        let cascade = c.eat_kw("cascade");
        let _ = cascade;
        c.eat_kw("restrict");
        c.expect_end()?;
        Ok(Outcome::Understood)
    }

    /// DROP of objects the model keeps opaque (`DROP EVENT TRIGGER t`, `DROP RULE r ON t`): the
    /// opaque objects their CREATE kept, found by kind and identity, leave the model. A name the
    /// model does not hold is noted (the object may come from outside the files read).
    /// (Cluster-wide kinds, DROP ROLE and the like, are ignored before this.)
    fn drop_opaque(&mut self, c: &mut Cursor<'_>, kind: &[&str]) -> Outcome {
        let kind_text = commands::kind_text(kind);
        let if_exists = c.eat_kws(&["if", "exists"]);
        loop {
            let at = c.offset();
            let identity = self.opaque_identity(c, kind);
            let before = self.catalog.opaque.len();
            self.catalog
                .opaque
                .retain(|o| !(o.kind == kind_text && o.identity == identity));
            if self.catalog.opaque.len() == before && !if_exists {
                self.note(
                    "drop-unknown",
                    format!(
                        "DROP {} {identity}: no such object in the schema read so far",
                        kind_text.to_ascii_uppercase()
                    ),
                    at,
                );
            }
            // `DROP CAST (a AS b)` and `DROP RULE r ON t` name one object; the others a list.
            if matches!(kind, ["cast"] | ["rule"]) || !c.eat_kind(TokenKind::Comma) {
                break;
            }
        }
        Outcome::Understood
    }

    fn drop_one(&mut self, kind: &str, n: &WrittenName, args: Option<&[Argument]>) -> bool {
        let q = self.qualify(n);
        match kind {
            "table" => {
                let found = self.catalog.tables.remove(&q).is_some();
                if found {
                    self.catalog.sources.remove_table(&q);
                    self.catalog
                        .sequences
                        .retain(|_, s| s.owned_by.as_ref().is_none_or(|o| o.table != q));
                    // Foreign keys that reference it go (DROP ... CASCADE; without CASCADE PostgreSQL refuses).
                    for t in self.catalog.tables.values_mut() {
                        t.constraints.retain(|_, c| !matches!(&c.kind, ConstraintKind::ForeignKey { references, .. } if *references == q));
                    }
                }
                found
            }
            "index" => match self.index_table(&q) {
                Some(t) => {
                    if let Some(tbl) = self.catalog.tables.get_mut(&t) {
                        tbl.indexes.remove(&q.name).is_some()
                    } else if let Some(v) = self.catalog.views.get_mut(&t) {
                        v.indexes.remove(&q.name).is_some()
                    } else {
                        false
                    }
                }
                None => false,
            },
            "sequence" => self.catalog.sequences.remove(&q).is_some(),
            "view" => self.catalog.views.remove(&q).is_some(),
            "type" => {
                self.catalog.enums.remove(&q).is_some()
                    || self.catalog.composite_types.remove(&q).is_some()
                    || self.catalog.domains.remove(&q).is_some()
            }
            "domain" => self.catalog.domains.remove(&q).is_some(),
            "schema" => self.catalog.schemas.remove(n.last()).is_some(),
            "extension" => self.catalog.extensions.remove(n.last()).is_some(),
            "function" => match self.find_function(&q, args) {
                Some(id) => self.catalog.functions.remove(&id).is_some(),
                None => false,
            },
            _ => false,
        }
    }

    // ---------------------------------------------------------------- COMMENT ON

    pub(crate) fn comment(&mut self, c: &mut Cursor<'_>) -> PResult<Outcome> {
        c.expect_kws(&["comment", "on"])?;
        let offset = c.offset();
        let kind = if c.eat_kws(&["materialized", "view"]) {
            "view".to_string()
        } else if c.eat_kws(&["foreign", "table"]) {
            "foreign table".to_string()
        } else if c.eat_kws(&["event", "trigger"]) {
            "event trigger".to_string()
        } else {
            c.ident()?.0
        };
        let not_modeled = |kind: &str| {
            Outcome::Ignored(format!(
                "comments on {kind} objects are not part of the model"
            ))
        };
        match kind.as_str() {
            "table" | "view" | "sequence" | "type" | "domain" | "index" | "schema"
            | "extension" | "column" => {
                let n = c.name()?;
                c.expect_kw("is")?;
                let text = comment_text(c)?;
                if kind == "column" && n.parts.len() >= 2 {
                    let owner = WrittenName {
                        parts: n.parts[..n.parts.len() - 1].to_vec(),
                        ..n.clone()
                    };
                    let owner = self.qualify(&owner);
                    if self.catalog.views.contains_key(&owner)
                        || self.catalog.composite_types.contains_key(&owner)
                    {
                        return Ok(not_modeled("view column or type attribute"));
                    }
                }
                let found = self.set_comment(&kind, &n, text);
                if !found {
                    return Err(ParseError {
                        offset: n.offset,
                        message: format!("{kind} {} does not exist", n.parts.join(".")),
                    });
                }
                Ok(Outcome::Understood)
            }
            "constraint" | "trigger" | "policy" => {
                let (name, _) = c.ident()?;
                c.expect_kw("on")?;
                c.eat_kw("domain");
                let tn = c.name()?;
                let table = self.qualify(&tn);
                c.expect_kw("is")?;
                let text = comment_text(c)?;
                if let Some(d) = self.catalog.domains.get(&table) {
                    let _ = d;
                    return Ok(not_modeled("domain constraint"));
                }
                let t = self.table_mut(&table, tn.offset)?;
                let slot = match kind.as_str() {
                    "constraint" => t.constraints.get_mut(&name).map(|x| &mut x.comment),
                    "trigger" => t.triggers.get_mut(&name).map(|x| &mut x.comment),
                    _ => t.policies.get_mut(&name).map(|x| &mut x.comment),
                };
                match slot {
                    Some(s) => {
                        *s = text;
                        Ok(Outcome::Understood)
                    }
                    None => Err(ParseError {
                        offset: tn.offset,
                        message: format!("{kind} \"{name}\" of {table} does not exist"),
                    }),
                }
            }
            "function" | "procedure" | "aggregate" | "routine" => {
                let n = c.name()?;
                let q = self.qualify(&n);
                let args = if c.is_kind(TokenKind::LParen) {
                    Some(self.function_arguments(c)?)
                } else {
                    None
                };
                c.expect_kw("is")?;
                let text = comment_text(c)?;
                match self.find_function(&q, args.as_deref()) {
                    Some(id) => {
                        if let Some(f) = self.catalog.functions.get_mut(&id) {
                            f.comment = text;
                        }
                        Ok(Outcome::Understood)
                    }
                    None => Err(ParseError {
                        offset: n.offset,
                        message: format!("function {q} does not exist"),
                    }),
                }
            }
            _ => {
                let _ = offset;
                Ok(not_modeled(&kind))
            }
        }
    }

    fn set_comment(&mut self, kind: &str, n: &WrittenName, text: Option<String>) -> bool {
        match kind {
            "column" => {
                let (table, col) = match n.parts.as_slice() {
                    [t, col] => (
                        QualifiedName::new(self.default_schema.clone(), t.clone()),
                        col.clone(),
                    ),
                    [s, t, col] => (QualifiedName::new(s.clone(), t.clone()), col.clone()),
                    _ => return false,
                };
                if let Some(column) = self
                    .catalog
                    .tables
                    .get_mut(&table)
                    .and_then(|t| t.columns.get_mut(&col))
                {
                    column.comment = text;
                    return true;
                }
                false
            }
            "schema" => {
                let name = n.last().to_string();
                if name == "public" {
                    let ns = self
                        .catalog
                        .schemas
                        .entry(name.clone())
                        .or_insert(Namespace {
                            name,
                            comment: None,
                        });
                    ns.comment = text;
                    return true;
                }
                match self.catalog.schemas.get_mut(&name) {
                    Some(s) => {
                        s.comment = text;
                        true
                    }
                    None => false,
                }
            }
            "extension" => match self.catalog.extensions.get_mut(n.last()) {
                Some(e) => {
                    e.comment = text;
                    true
                }
                None => false,
            },
            _ => {
                let q = self.qualify(n);
                if let Some(t) = self.catalog.tables.get_mut(&q)
                    && kind == "table"
                {
                    t.comment = text;
                    return true;
                }
                if let Some(v) = self.catalog.views.get_mut(&q) {
                    v.comment = text;
                    return true;
                }
                if let Some(s) = self.catalog.sequences.get_mut(&q) {
                    s.comment = text;
                    return true;
                }
                if let Some(e) = self.catalog.enums.get_mut(&q) {
                    e.comment = text;
                    return true;
                }
                if let Some(d) = self.catalog.domains.get_mut(&q) {
                    d.comment = text;
                    return true;
                }
                if let Some(t) = self.catalog.composite_types.get_mut(&q) {
                    t.comment = text;
                    return true;
                }
                if kind == "index"
                    && let Some(tn) = self.index_table(&q)
                {
                    if let Some(t) = self.catalog.tables.get_mut(&tn) {
                        if let Some(i) = t.indexes.get_mut(&q.name) {
                            i.comment = text;
                            return true;
                        }
                        // The index of a constraint: not modeled separately.
                        return true;
                    }
                    if let Some(v) = self.catalog.views.get_mut(&tn)
                        && let Some(i) = v.indexes.get_mut(&q.name)
                    {
                        i.comment = text;
                        return true;
                    }
                }
                false
            }
        }
    }
}

fn comment_text(c: &mut Cursor<'_>) -> PResult<Option<String>> {
    if c.eat_kw("null") {
        return Ok(None);
    }
    let s = c.string()?;
    // Adjacent literals concatenate: 'a' 'b' on separate lines are one string (lexer handles it).
    c.expect_end()?;
    Ok(Some(s))
}

pub(crate) struct Argument {
    pub mode: String,
    pub name: Option<String>,
    pub type_text: String,
}

/// The query of a view as pg_get_viewdef prints it: dump text after `AS` is PostgreSQL's own
/// deparse (a newline, then ` SELECT ...`), with `public.` dropped and a closing `;`.
fn view_definition(text: &str) -> String {
    let body = text.strip_prefix('\n').unwrap_or(text);
    let body = if body.starts_with(' ') {
        body.to_string()
    } else {
        format!(" {}", body.trim_start())
    };
    let body = strip_public(body.trim_end());
    format!("{body};")
}

/// Removes `public.` qualifications outside string literals and quoted identifiers.
pub fn strip_public(text: &str) -> String {
    let mut lx = super::lexer::Lexer::new(text);
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    let mut prev: Option<super::lexer::Token> = None;
    let mut pending: Option<super::lexer::Token> = None;
    while let Some(t) = lx.next_token() {
        if let Some(p) = pending.take()
            && t.kind == TokenKind::Dot
            && prev.is_some_and(|x| x == p)
        {
            // Remove `public` and the dot.
            out.push_str(text.get(last..p.start).unwrap_or(""));
            last = t.end;
            prev = Some(t);
            continue;
        }
        let is_public = t.kind == TokenKind::Word
            && t.text(text) == "public"
            && !prev.is_some_and(|p| p.kind == TokenKind::Dot);
        if is_public {
            pending = Some(t);
        }
        prev = Some(t);
    }
    out.push_str(text.get(last..).unwrap_or(""));
    out
}

/// Relations a view's query names after FROM or JOIN (best effort, by tokens).
fn view_reads(
    definition: &str,
    resolve: &dyn Fn(&str) -> QualifiedName,
) -> crate::model::SortedMap<QualifiedName, Vec<String>> {
    let mut lx = super::lexer::Lexer::new(definition);
    let mut toks = Vec::new();
    while let Some(t) = lx.next_token() {
        toks.push(t);
    }
    let mut out = crate::model::SortedMap::new();
    let src = definition;
    let word = |i: usize| -> Option<String> {
        let t = toks.get(i)?;
        match t.kind {
            TokenKind::Word => Some(t.text(src).to_ascii_lowercase()),
            TokenKind::QuotedIdent => {
                let s = t.text(src);
                Some(
                    s.get(1..s.len().saturating_sub(1))
                        .unwrap_or("")
                        .replace("\"\"", "\""),
                )
            }
            _ => None,
        }
    };
    let mut i = 0;
    while i < toks.len() {
        let is_from = toks[i].kind == TokenKind::Word && {
            let w = toks[i].text(src).to_ascii_lowercase();
            w == "from" || w == "join"
        };
        if is_from {
            let mut k = i + 1;
            while toks.get(k).is_some_and(|t| t.kind == TokenKind::LParen) {
                k += 1;
            }
            if toks.get(k).is_some_and(|t| {
                t.kind == TokenKind::Word && t.text(src).eq_ignore_ascii_case("only")
            }) {
                k += 1;
            }
            if let Some(first) = word(k)
                && first != "select"
                && first != "lateral"
                && toks.get(k + 1).is_none_or(|t| t.kind != TokenKind::LParen)
            {
                let name = if toks.get(k + 1).is_some_and(|t| t.kind == TokenKind::Dot) {
                    match word(k + 2) {
                        Some(second) => QualifiedName::new(first, second),
                        None => resolve(&first),
                    }
                } else {
                    resolve(&first)
                };
                out.entry(name).or_insert_with(Vec::new);
            }
        }
        i += 1;
    }
    out
}

/// pg_catalog's trigger functions (PostgreSQL 15: `SELECT proname FROM pg_proc WHERE pronamespace =
/// 'pg_catalog'::regnamespace AND prorettype = 'trigger'::regtype AND pronargs = 0`): the only
/// builtins a trigger can execute.
const BUILTIN_TRIGGER_FUNCTIONS: &[&str] = &[
    "RI_FKey_cascade_del",
    "RI_FKey_cascade_upd",
    "RI_FKey_check_ins",
    "RI_FKey_check_upd",
    "RI_FKey_noaction_del",
    "RI_FKey_noaction_upd",
    "RI_FKey_restrict_del",
    "RI_FKey_restrict_upd",
    "RI_FKey_setdefault_del",
    "RI_FKey_setdefault_upd",
    "RI_FKey_setnull_del",
    "RI_FKey_setnull_upd",
    "suppress_redundant_updates_trigger",
    "tsvector_update_trigger",
    "tsvector_update_trigger_column",
    "unique_key_recheck",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_is_stripped_outside_strings() {
        assert_eq!(
            strip_public(" SELECT a.x FROM public.a WHERE b = 'public.c'"),
            " SELECT a.x FROM a WHERE b = 'public.c'"
        );
        assert_eq!(strip_public("public.f(public.t.x)"), "f(t.x)");
    }

    /// The opaque objects left after reading `sql`, as `kind identity`, and the diagnostics' codes.
    fn opaque_after(sql: &str) -> (Vec<String>, Vec<String>) {
        let inspection = crate::parse::inspect("schema.sql", sql);
        let objects = inspection
            .catalog
            .opaque
            .iter()
            .map(|o| format!("{} {}", o.kind, o.identity))
            .collect();
        let codes = inspection
            .diagnostics
            .iter()
            .map(|d| d.code.clone().unwrap_or_default())
            .collect();
        (objects, codes)
    }

    #[test]
    fn drop_removes_the_opaque_object_its_create_kept() {
        let (objects, codes) = opaque_after(
            "CREATE EVENT TRIGGER audit ON ddl_command_end EXECUTE FUNCTION f();\n\
             CREATE PUBLICATION pub_a FOR ALL TABLES;\n\
             CREATE PUBLICATION pub_b FOR ALL TABLES;\n\
             CREATE TABLE t (a int);\n\
             CREATE RULE r AS ON INSERT TO t DO INSTEAD NOTHING;\n\
             CREATE CAST (text AS int4) WITH INOUT;\n\
             CREATE TEXT SEARCH CONFIGURATION english_simple (COPY = english);\n\
             DROP TEXT SEARCH CONFIGURATION public.english_simple;\n\
             DROP EVENT TRIGGER audit;\n\
             DROP PUBLICATION IF EXISTS pub_a, pub_b;\n\
             DROP RULE r ON t;\n\
             DROP CAST (text AS int4);",
        );
        assert_eq!(objects, Vec::<String>::new());
        assert!(!codes.iter().any(|c| c == "drop-unknown"), "{codes:?}");
    }

    #[test]
    fn a_drop_of_an_opaque_object_not_read_is_noted() {
        let (objects, codes) = opaque_after(
            "CREATE PUBLICATION kept FOR ALL TABLES;\nDROP PUBLICATION elsewhere;\n\
             DROP PUBLICATION IF EXISTS quiet;",
        );
        assert_eq!(objects, vec!["publication kept"]);
        assert_eq!(
            codes.iter().filter(|c| *c == "drop-unknown").count(),
            1,
            "{codes:?}"
        );
    }
}
