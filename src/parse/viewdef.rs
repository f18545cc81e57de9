//! A view's query as PostgreSQL 15's `pg_get_viewdef(view)` prints it (ruleutils with
//! PRETTYFLAG_INDENT, wrap column 0), deparsed from sqlparser's tree of the query and the
//! catalog's relations:
//!
//! - every column qualified by the name of the relation of the FROM list that holds it;
//! - relation names made unique across a query and its sub-queries (`fc` → `fc_1`), as
//!   `set_rtable_names` does, and the columns of the inner query printed with the new name;
//! - joins parenthesised left-deep, each on a line of its own (`     JOIN b ON ((...))`);
//! - every operator parenthesised, and the implicit casts PostgreSQL adds made visible, typed
//!   from the catalog's column types (`varchar || 'x'` → `((c)::text || 'x'::text)`);
//! - the layout: target list one column a line, FROM/WHERE/GROUP BY/ORDER BY on lines of their
//!   own, searched CASE keywords on lines of their own, sort keys that are calls in parentheses.
//!
//! Anything the deparser does not know (LATERAL, WITH, functions in FROM, a column it cannot
//! place, a literal whose type it cannot tell) makes it give up: the caller keeps the text as written
//! (dump text is PostgreSQL's own deparse already).

use super::ddl::builtin;
use crate::model::SortedMap;
use crate::model::SortedSet;
use crate::render::ddl::literal as literal_text;
use sqlparser::ast::{
    BinaryOperator, CastKind, DataType, Distinct, DuplicateTreatment, Expr, FunctionArg,
    FunctionArgExpr, FunctionArguments, GroupByExpr, Ident, InTarget, JoinConstraint, JoinOperator,
    LimitClause, ObjectName, ObjectNamePart, OrderBy, OrderByKind, OrderBySort, Query, Select,
    SelectItem, SelectItemQualifiedWildcardKind, SetExpr, SetOperator, SetQuantifier, TableFactor,
    TableWithJoins, UnaryOperator, Value,
};

/// The builtin numeric types, as format_type names them.
const NUMERIC_TYPES: &[&str] = &[
    "smallint",
    "integer",
    "bigint",
    "numeric",
    "real",
    "double precision",
];

use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::Token;

use crate::model::{BaseType, Catalog, QualifiedName, TypeName, quote_ident};
use crate::render::format::format_type_for_cast;

const STD: i32 = 8;
const JOIN: i32 = 4;
const VAR: i32 = 4;

type R<T> = Result<T, ()>;

/// The output columns of views deparsed so far, with their types (what `SELECT * FROM view`
/// and `view.column` need).
pub(crate) type ViewColumns = SortedMap<QualifiedName, Vec<(String, TypeName)>>;

/// A view's query as deparsed: the text pg_get_viewdef prints (with the closing `;`), every
/// relation it reads (sub-queries included), and its output columns when all their types are
/// known.
pub(crate) struct Deparsed {
    pub text: String,
    pub relations: SortedSet<QualifiedName>,
    pub columns: Option<Vec<(String, TypeName)>>,
}

/// The query text after `AS` deparsed, or None when the query uses something this deparser
/// does not know.
pub(crate) fn deparse_view(
    query: &str,
    columns: &[String],
    catalog: &Catalog,
    views: &ViewColumns,
    resolve: &dyn Fn(&str) -> QualifiedName,
) -> Option<Deparsed> {
    // `TABLE x` (which sqlparser does not read as a query) is `SELECT * FROM x`.
    let trimmed = query.trim_start();
    let rewritten;
    let query = match trimmed.get(..6) {
        Some(head)
            if head
                .get(..5)
                .is_some_and(|w| w.eq_ignore_ascii_case("table"))
                && head.as_bytes().get(5).is_some_and(u8::is_ascii_whitespace) =>
        {
            rewritten = format!("SELECT * FROM {}", trimmed.get(6..).unwrap_or(""));
            rewritten.as_str()
        }
        _ => query,
    };
    // sqlparser's query parser only (not parse_statements): what it reaches is all of sqlparser
    // the WebAssembly module carries (ARCHITECTURE.md, "The npm package's size and speed").
    let mut parser = Parser::new(&PostgreSqlDialect {})
        .with_recursion_limit(64)
        .try_with_sql(query)
        .ok()?;
    let q = parser.parse_query().ok()?;
    while parser.consume_token(&Token::SemiColon) {}
    if parser.peek_token_ref().token != Token::EOF {
        return None;
    }
    let mut d = Deparser {
        catalog,
        views,
        resolve,
        levels: Vec::new(),
        // PostgreSQL 15 keeps the rule's OLD and NEW entries in a view's range table: their
        // names are taken, in the query and its sub-queries.
        reserved: vec!["old".into(), "new".into()],
        indent: 0,
        relations: SortedSet::new(),
        names_visible: true,
        last_names: Vec::new(),
    };
    let mut text = String::new();
    let types = d.query_into(&q, columns, &mut text).ok()?;
    text.push(';');
    // The names the outermost SELECT printed (`*` expanded); every branch of set operations
    // prints the first's.
    let names = Some(d.last_names.clone());
    let output = names.filter(|n| n.len() == types.len()).and_then(|names| {
        names
            .into_iter()
            .zip(types)
            .map(|(n, t)| match t {
                Ty::Known(t) => Some((n, t)),
                _ => None,
            })
            .collect()
    });
    Some(Deparsed {
        text,
        relations: d.relations,
        columns: output,
    })
}

#[derive(Debug, Clone, PartialEq)]
enum Ty {
    Known(TypeName),
    /// A string literal not yet given a type.
    Literal,
    /// A type this deparser cannot tell.
    Unknown,
}

fn is_builtin(t: &Ty, names: &[&str]) -> bool {
    matches!(t, Ty::Known(TypeName { base: BaseType::Builtin(b), array_dimensions: 0, .. }) if names.contains(&b.as_str()))
}

fn is_stringy(t: &Ty) -> bool {
    is_builtin(t, &["text", "character varying", "character"])
}

fn same_type(a: &TypeName, b: &TypeName) -> bool {
    a.base == b.base && a.array_dimensions == b.array_dimensions
}

/// One entry of a query level's FROM list.
struct Rte {
    /// The name the query refers to it by (its alias, else the relation's name).
    written: String,
    /// The unique name ruleutils prints.
    refname: String,
    /// Its columns and their types, when known.
    columns: Option<Vec<(String, TypeName)>>,
}

struct Deparser<'a> {
    catalog: &'a Catalog,
    views: &'a ViewColumns,
    resolve: &'a dyn Fn(&str) -> QualifiedName,
    levels: Vec<Vec<Rte>>,
    /// Names taken at every level (the view's OLD and NEW).
    reserved: Vec<String>,
    indent: i32,
    /// Every relation of every FROM list.
    relations: SortedSet<QualifiedName>,
    /// Whether the query being printed names its columns for a reader (not a sub-query of an
    /// expression, whose `?column?` is left unsaid).
    names_visible: bool,
    /// The output column names of the SELECT printed last (the outermost one, at the end).
    last_names: Vec<String>,
}

/// A column reference resolved to its relation.
struct Var {
    text: String,
    column: String,
    ty: Ty,
}

fn trim_spaces(out: &mut String) {
    while out.ends_with(' ') {
        out.pop();
    }
}

fn ident_text(i: &Ident) -> String {
    if i.quote_style.is_some() {
        i.value.clone()
    } else {
        i.value.to_ascii_lowercase()
    }
}

fn object_parts(n: &ObjectName) -> R<Vec<String>> {
    n.0.iter()
        .map(|p| match p {
            ObjectNamePart::Identifier(i) => Ok(ident_text(i)),
            _ => Err(()),
        })
        .collect()
}

impl Deparser<'_> {
    /// ruleutils' appendContextKeyword.
    fn keyword(&mut self, out: &mut String, word: &str, before: i32, after: i32, plus: i32) {
        self.indent += before;
        trim_spaces(out);
        out.push('\n');
        let amount = self.indent.max(0) + plus;
        out.push_str(&" ".repeat(amount.max(0) as usize));
        out.push_str(word);
        self.indent = (self.indent + after).max(0);
    }

    /// ruleutils' get_query_def: a SELECT, or set operations of SELECTs. Returns the types of
    /// the output columns.
    fn query_into(&mut self, q: &Query, names: &[String], out: &mut String) -> R<Vec<Ty>> {
        if q.with.is_some() || q.fetch.is_some() || !q.locks.is_empty() {
            return Err(());
        }
        match &*q.body {
            SetExpr::Select(select) => {
                // The FROM list's names are chosen before anything of this level is printed.
                self.enter(select)?;
                let result = self.select(
                    select,
                    (q.order_by.as_ref(), q.limit_clause.as_ref()),
                    names,
                    false,
                    out,
                );
                self.levels.pop();
                result
            }
            SetExpr::SetOperation { .. } => {
                if q.order_by.is_some() || q.limit_clause.is_some() {
                    return Err(());
                }
                // Every branch's columns are named as the first branch's (or the view's list).
                let names = if names.is_empty() {
                    first_branch_names(&q.body)?
                } else {
                    names.to_vec()
                };
                self.setop(&q.body, &names, out)
            }
            SetExpr::Query(inner) if q.order_by.is_none() && q.limit_clause.is_none() => {
                self.query_into(inner, names, out)
            }
            _ => Err(()),
        }
    }

    /// ruleutils' get_setop_query: a branch, or `l UNION [ALL] r` with parentheses where the
    /// operator changes on the left or a set operation is on the right.
    fn setop(&mut self, e: &SetExpr, names: &[String], out: &mut String) -> R<Vec<Ty>> {
        if let Some((left, op, all, right)) = setop_node(e) {
            let paren = setop_node(left).is_some_and(|(_, lop, lall, _)| lop != op || lall != all);
            let sub = if paren { STD } else { 0 };
            if paren {
                out.push('(');
                self.keyword(out, "", sub, 0, 0);
            }
            let lt = self.setop(left, names, out)?;
            if paren {
                self.keyword(out, ") ", -sub, 0, 0);
            } else {
                self.keyword(out, "", -sub, 0, 0);
            }
            out.push_str(match op {
                SetOperator::Union => "UNION ",
                SetOperator::Intersect => "INTERSECT ",
                SetOperator::Except => "EXCEPT ",
                _ => return Err(()),
            });
            if all {
                out.push_str("ALL ");
            }
            let paren = setop_node(right).is_some();
            let sub = if paren { STD } else { 0 };
            if paren {
                out.push('(');
            }
            self.keyword(out, "", sub, 0, 0);
            let rt = self.setop(right, names, out)?;
            self.indent -= sub;
            if paren {
                self.keyword(out, ")", 0, 0, 0);
            }
            // Branches whose column types differ get casts this deparser does not add.
            let same = lt.len() == rt.len()
                && lt.iter().zip(&rt).all(|pair| match pair {
                    (Ty::Known(a), Ty::Known(b)) => same_type(a, b),
                    _ => false,
                });
            if !same {
                return Err(());
            }
            return Ok(lt);
        }
        match e {
            SetExpr::Select(select) => {
                self.enter(select)?;
                let result = self.select(select, (None, None), names, true, out);
                self.levels.pop();
                result
            }
            // A branch with ORDER BY or LIMIT is parenthesised.
            SetExpr::Query(q) if matches!(&*q.body, SetExpr::Select(_)) => {
                let paren = q.order_by.is_some() || q.limit_clause.is_some();
                if paren {
                    out.push('(');
                }
                let types = self.query_into(q, names, out)?;
                if paren {
                    out.push(')');
                }
                Ok(types)
            }
            _ => Err(()),
        }
    }

    fn enter(&mut self, select: &Select) -> R<()> {
        let mut taken: Vec<String> = self.reserved.clone();
        for level in &self.levels {
            taken.extend(level.iter().map(|r| r.refname.clone()));
        }
        let mut rtes = Vec::new();
        for twj in &select.from {
            let (base, joins) = left_deep(twj)?;
            self.collect_rtes(base, &mut rtes, &mut taken)?;
            for j in joins {
                self.collect_rtes(&j.relation, &mut rtes, &mut taken)?;
            }
        }
        self.levels.push(rtes);
        Ok(())
    }

    fn collect_rtes(
        &mut self,
        f: &TableFactor,
        rtes: &mut Vec<Rte>,
        taken: &mut Vec<String>,
    ) -> R<()> {
        // A sub-query in FROM: its columns are its output columns, typed by deparsing it.
        if let TableFactor::Derived {
            lateral: false,
            subquery,
            alias: Some(alias),
            sample: None,
        } = f
        {
            if !alias.columns.is_empty() {
                return Err(());
            }
            let names = first_branch_names(&subquery.body)?;
            let saved = self.indent;
            let types = self.query_into(subquery, &[], &mut String::new());
            self.indent = saved;
            let mut columns = Vec::new();
            for (n, t) in names.into_iter().zip(types?) {
                match t {
                    Ty::Known(t) => columns.push((n, t)),
                    _ => return Err(()),
                }
            }
            let written = ident_text(&alias.name);
            let refname = unique_name(&written, taken);
            rtes.push(Rte {
                written,
                refname,
                columns: Some(columns),
            });
            return Ok(());
        }
        let TableFactor::Table {
            name,
            alias,
            args: None,
            with_hints,
            version: None,
            ..
        } = f
        else {
            return Err(());
        };
        if !with_hints.is_empty() {
            return Err(());
        }
        let parts = object_parts(name)?;
        let qualified = match parts.as_slice() {
            [n] => (self.resolve)(n),
            [s, n] => QualifiedName::new(s.clone(), n.clone()),
            _ => return Err(()),
        };
        let columns = if let Some(t) = self.catalog.tables.get(&qualified) {
            Some(
                t.columns
                    .values()
                    .map(|c| (c.name.clone(), c.data_type.clone()))
                    .collect(),
            )
        } else if self.catalog.views.contains_key(&qualified) {
            self.views.get(&qualified).cloned()
        } else {
            return Err(());
        };
        let written = match alias {
            Some(a) if a.columns.is_empty() => ident_text(&a.name),
            Some(_) => return Err(()),
            None => qualified.name.clone(),
        };
        let refname = unique_name(&written, taken);
        self.relations.insert(qualified);
        rtes.push(Rte {
            written,
            refname,
            columns,
        });
        Ok(())
    }

    /// A SELECT; `branch`: one of set operations (whose literal columns are typed by the other
    /// branches, which this deparser does not do).
    fn select(
        &mut self,
        s: &Select,
        (order_by, limit_clause): (Option<&OrderBy>, Option<&LimitClause>),
        names: &[String],
        branch: bool,
        out: &mut String,
    ) -> R<Vec<Ty>> {
        if s.top.is_some()
            || s.into.is_some()
            || !s.lateral_views.is_empty()
            || s.prewhere.is_some()
            || !s.named_window.is_empty()
            || s.qualify.is_some()
            || s.exclude.is_some()
            || !s.cluster_by.is_empty()
            || !s.distribute_by.is_empty()
            || !s.sort_by.is_empty()
        {
            return Err(());
        }
        self.indent += STD;
        out.push_str(" SELECT");
        match &s.distinct {
            None => {}
            Some(Distinct::Distinct) => out.push_str(" DISTINCT"),
            Some(_) => return Err(()),
        }
        let targets = self.targets(s)?;
        if !names.is_empty() && names.len() != targets.len() {
            return Err(());
        }
        let mut types = Vec::new();
        let mut shown_names = Vec::new();
        for (i, (expr, name)) in targets.iter().enumerate() {
            out.push_str(if i == 0 { " " } else { ", " });
            let mut item = String::new();
            let (text, var) = match expr {
                Target::Var(v) => {
                    types.push(v.ty.clone());
                    (v.text.clone(), Some(v.column.clone()))
                }
                Target::Expr(e) => {
                    let (text, ty) = self.expr(e, &mut item.clone())?;
                    match ty {
                        // An output column of an untyped literal is text.
                        Ty::Literal if !branch => {
                            types.push(Ty::Known(builtin("text")));
                            (format!("{text}::text"), None)
                        }
                        Ty::Literal => return Err(()),
                        ty => {
                            types.push(ty);
                            (text, None)
                        }
                    }
                }
            };
            item.push_str(&text);
            let shown = names.get(i).unwrap_or(name);
            shown_names.push(shown.clone());
            let unsaid = !self.names_visible && shown == "?column?";
            if var.as_deref() != Some(shown.as_str()) && !unsaid {
                item.push_str(" AS ");
                item.push_str(&quote_ident(shown));
            }
            if item.starts_with('\n') {
                trim_spaces(out);
            } else if i > 0 {
                self.keyword(out, "", -STD, STD, VAR);
            }
            out.push_str(&item);
        }
        self.from(&s.from, out)?;
        if let Some(w) = &s.selection {
            self.keyword(out, " WHERE ", -STD, STD, 1);
            let text = self.expr(w, out)?.0;
            out.push_str(&text);
        }
        match &s.group_by {
            GroupByExpr::Expressions(items, modifiers) if modifiers.is_empty() => {
                if !items.is_empty() {
                    self.keyword(out, " GROUP BY ", -STD, STD, 1);
                    for (i, g) in items.iter().enumerate() {
                        if i > 0 {
                            out.push_str(", ");
                        }
                        let e = self.group_key(g, &targets)?;
                        let text = self.sort_key(&e, out)?;
                        out.push_str(&text);
                    }
                }
            }
            _ => return Err(()),
        }
        if let Some(h) = &s.having {
            self.keyword(out, " HAVING ", -STD, STD, 0);
            let text = self.expr(h, out)?.0;
            out.push_str(&text);
        }
        if let Some(ob) = order_by {
            let OrderByKind::Expressions(items) = &ob.kind else {
                return Err(());
            };
            if ob.interpolate.is_some() {
                return Err(());
            }
            self.keyword(out, " ORDER BY ", -STD, STD, 1);
            for (i, o) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                if o.with_fill.is_some() {
                    return Err(());
                }
                let e = self.order_key(&o.expr, &targets, names)?;
                let text = self.sort_key(&e, out)?;
                out.push_str(&text);
                let desc = match o.options.sort {
                    None | Some(OrderBySort::Asc) => false,
                    Some(OrderBySort::Desc) => true,
                    Some(_) => return Err(()),
                };
                if desc {
                    out.push_str(" DESC");
                }
                match (o.options.nulls_first, desc) {
                    (Some(true), false) => out.push_str(" NULLS FIRST"),
                    (Some(false), true) => out.push_str(" NULLS LAST"),
                    _ => {}
                }
            }
        }
        match limit_clause {
            None => {}
            Some(LimitClause::LimitOffset {
                limit,
                offset,
                limit_by,
            }) if limit_by.is_empty() => {
                if let Some(o) = offset {
                    self.keyword(out, " OFFSET ", -STD, STD, 0);
                    out.push_str(&integer(&o.value)?);
                }
                if let Some(l) = limit {
                    self.keyword(out, " LIMIT ", -STD, STD, 0);
                    out.push_str(&integer(l)?);
                }
            }
            Some(_) => return Err(()),
        }
        self.indent -= STD;
        self.last_names = shown_names;
        Ok(types)
    }

    /// The output columns: each a resolved column or an expression, with its name.
    fn targets<'q>(&mut self, s: &'q Select) -> R<Vec<(Target<'q>, String)>> {
        let mut out = Vec::new();
        for item in &s.projection {
            match item {
                SelectItem::UnnamedExpr(e) => {
                    let name = column_name(e);
                    out.push((self.target(e)?, name));
                }
                SelectItem::ExprWithAlias { expr, alias } => {
                    out.push((self.target(expr)?, ident_text(alias)));
                }
                SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(..) => {
                    let (opts, only) = match item {
                        SelectItem::Wildcard(opts) => (opts, None),
                        SelectItem::QualifiedWildcard(
                            SelectItemQualifiedWildcardKind::ObjectName(n),
                            opts,
                        ) => match object_parts(n)?.as_slice() {
                            [q] => (opts, Some(q.clone())),
                            _ => return Err(()),
                        },
                        _ => return Err(()),
                    };
                    if !opts_empty(opts) {
                        return Err(());
                    }
                    let level = self.levels.last().ok_or(())?;
                    if only
                        .as_ref()
                        .is_some_and(|q| !level.iter().any(|r| r.written == *q))
                    {
                        return Err(());
                    }
                    for r in level
                        .iter()
                        .filter(|r| only.as_ref().is_none_or(|q| r.written == *q))
                    {
                        for (c, t) in r.columns.as_ref().ok_or(())? {
                            out.push((
                                Target::Var(Var {
                                    text: format!("{}.{}", quote_ident(&r.refname), quote_ident(c)),
                                    column: c.clone(),
                                    ty: Ty::Known(t.clone()),
                                }),
                                c.clone(),
                            ));
                        }
                    }
                }
                _ => return Err(()),
            }
        }
        Ok(out)
    }

    fn target<'q>(&mut self, e: &'q Expr) -> R<Target<'q>> {
        Ok(match self.var(e)? {
            Some(v) => Target::Var(v),
            None => Target::Expr(e),
        })
    }

    /// A GROUP BY key: an input column first, then an output column name or position.
    fn group_key<'q>(&mut self, e: &'q Expr, targets: &[(Target<'q>, String)]) -> R<Key<'q>> {
        if let Some(t) = position(e, targets)? {
            return Ok(t);
        }
        if let Expr::Identifier(i) = e
            && self.var(e).is_err()
        {
            let n = ident_text(i);
            if let Some((t, _)) = targets.iter().find(|(_, name)| *name == n) {
                return Ok(target_expr(t));
            }
        }
        Ok(Key::Expr(e))
    }

    /// An ORDER BY key: an output column name or position first, then an input column.
    fn order_key<'q>(
        &mut self,
        e: &'q Expr,
        targets: &[(Target<'q>, String)],
        names: &[String],
    ) -> R<Key<'q>> {
        if let Some(t) = position(e, targets)? {
            return Ok(t);
        }
        if let Expr::Identifier(i) = e {
            let n = ident_text(i);
            let found = targets
                .iter()
                .enumerate()
                .find(|(k, (_, name))| names.get(*k).unwrap_or(name) == &n);
            if let Some((_, (t, _))) = found {
                return Ok(target_expr(t));
            }
        }
        Ok(Key::Expr(e))
    }

    /// ruleutils' get_rule_sortgroupclause: calls and aggregates in parentheses.
    fn sort_key(&mut self, key: &Key, out: &mut String) -> R<String> {
        let e = match key {
            Key::Column(text) => return Ok(text.clone()),
            Key::Expr(e) => strip_nested(e),
        };
        let (text, _) = self.expr(e, out)?;
        Ok(match e {
            Expr::Function(_) | Expr::Substring { .. } => format!("({text})"),
            _ => text,
        })
    }

    fn from(&mut self, from: &[TableWithJoins], out: &mut String) -> R<()> {
        let mut idx = 0;
        for (i, twj) in from.iter().enumerate() {
            if i == 0 {
                self.keyword(out, " FROM ", -STD, STD, 2);
            } else {
                out.push_str(", ");
            }
            let (base, joins) = left_deep(twj)?;
            let mut item = String::new();
            for _ in &joins {
                item.push('(');
            }
            item.push_str(&self.relation(base, idx)?);
            idx += 1;
            for j in joins {
                let (word, constraint) = match &j.join_operator {
                    JoinOperator::Join(c) | JoinOperator::Inner(c) => (" JOIN ", c),
                    JoinOperator::Left(c) | JoinOperator::LeftOuter(c) => (" LEFT JOIN ", c),
                    JoinOperator::Right(c) | JoinOperator::RightOuter(c) => (" RIGHT JOIN ", c),
                    JoinOperator::FullOuter(c) => (" FULL JOIN ", c),
                    JoinOperator::CrossJoin(c) => (" CROSS JOIN ", c),
                    _ => return Err(()),
                };
                self.keyword(&mut item, word, -STD, STD, JOIN);
                item.push_str(&self.relation(&j.relation, idx)?);
                idx += 1;
                match constraint {
                    JoinConstraint::On(e) => {
                        item.push_str(" ON (");
                        let text = self.expr(e, &mut item)?.0;
                        item.push_str(&text);
                        item.push(')');
                    }
                    JoinConstraint::None if word == " CROSS JOIN " => {}
                    _ => return Err(()),
                }
                item.push(')');
            }
            if i > 0 && !item.starts_with('\n') {
                self.keyword(out, "", -STD, STD, VAR);
            }
            out.push_str(&item);
        }
        Ok(())
    }

    fn relation(&mut self, f: &TableFactor, idx: usize) -> R<String> {
        if let TableFactor::Derived { subquery, .. } = f {
            let refname = self
                .levels
                .last()
                .and_then(|l| l.get(idx))
                .ok_or(())?
                .refname
                .clone();
            let saved = self.indent;
            let mut text = String::from("(");
            self.query_into(subquery, &[], &mut text)?;
            self.indent = saved;
            text.push_str(") ");
            text.push_str(&quote_ident(&refname));
            return Ok(text);
        }
        let TableFactor::Table { name, alias, .. } = f else {
            return Err(());
        };
        let parts = object_parts(name)?;
        let rte = self.levels.last().and_then(|l| l.get(idx)).ok_or(())?;
        let q = match parts.as_slice() {
            [n] => (self.resolve)(n),
            [s, n] => QualifiedName::new(s.clone(), n.clone()),
            _ => return Err(()),
        };
        let mut text = if q.schema == "public" {
            quote_ident(&q.name)
        } else {
            format!("{}.{}", quote_ident(&q.schema), quote_ident(&q.name))
        };
        if alias.is_some() || rte.refname != q.name {
            text.push(' ');
            text.push_str(&quote_ident(&rte.refname));
        }
        Ok(text)
    }

    /// A column reference resolved through the levels, innermost first; None when `e` is not a
    /// column reference.
    fn var(&self, e: &Expr) -> R<Option<Var>> {
        let (qualifier, column) = match strip_nested(e) {
            Expr::Identifier(i) => (None, ident_text(i)),
            Expr::CompoundIdentifier(parts) => match parts.as_slice() {
                [t, c] => (Some(ident_text(t)), ident_text(c)),
                _ => return Err(()),
            },
            _ => return Ok(None),
        };
        for level in self.levels.iter().rev() {
            let mut found: Option<&Rte> = None;
            let mut ty = Ty::Unknown;
            for r in level {
                match &qualifier {
                    Some(q) if *q == r.written => {
                        ty = match &r.columns {
                            Some(cols) => match cols.iter().find(|(n, _)| *n == column) {
                                Some((_, t)) => Ty::Known(t.clone()),
                                None => return Err(()),
                            },
                            None => Ty::Unknown,
                        };
                        found = Some(r);
                        break;
                    }
                    Some(_) => {}
                    None => match &r.columns {
                        Some(cols) => {
                            if let Some((_, t)) = cols.iter().find(|(n, _)| *n == column) {
                                if found.is_some() {
                                    return Err(());
                                }
                                found = Some(r);
                                ty = Ty::Known(t.clone());
                            }
                        }
                        // A relation whose columns are unknown could hold it.
                        None => return Err(()),
                    },
                }
            }
            if let Some(r) = found {
                return Ok(Some(Var {
                    text: format!("{}.{}", quote_ident(&r.refname), quote_ident(&column)),
                    column,
                    ty,
                }));
            }
        }
        Err(())
    }

    /// An expression as get_rule_expr prints it, and its type. `out` is the text printed so far
    /// (for keywords ruleutils puts on lines of their own).
    fn expr(&mut self, e: &Expr, out: &mut String) -> R<(String, Ty)> {
        if let Some(v) = self.var(e)? {
            return Ok((v.text, v.ty));
        }
        match e {
            Expr::Nested(x) => self.expr(x, out),
            Expr::Value(v) => literal(&v.value),
            Expr::UnaryOp {
                op: UnaryOperator::Not,
                expr,
            } => {
                let (t, _) = self.expr(expr, out)?;
                Ok((format!("(NOT {t})"), Ty::Known(builtin("boolean"))))
            }
            Expr::IsNull(x) | Expr::IsNotNull(x) => {
                let (t, _) = self.expr(x, out)?;
                let not = if matches!(e, Expr::IsNotNull(_)) {
                    "NOT "
                } else {
                    ""
                };
                Ok((format!("({t} IS {not}NULL)"), Ty::Known(builtin("boolean"))))
            }
            Expr::Cast {
                kind: CastKind::DoubleColon | CastKind::Cast,
                expr,
                data_type,
                format: None,
            } => self.cast(expr, data_type, out),
            Expr::Function(f) => self.function(f, out),
            Expr::UnaryOp {
                op: UnaryOperator::Minus,
                expr,
            } => {
                // `-5` is the constant -5 (printed '-5'::integer); `-x` the operator.
                if let Expr::Value(v) = &**expr
                    && let (text, Ty::Known(t)) = literal(&v.value)?
                    && is_builtin(&Ty::Known(t.clone()), &["integer", "bigint", "numeric"])
                {
                    let cast = format_type_for_cast(&t);
                    return Ok((format!("'-{text}'::{cast}"), Ty::Known(t)));
                }
                let (text, ty) = self.expr(expr, out)?;
                if !is_builtin(&ty, NUMERIC_TYPES) {
                    return Err(());
                }
                Ok((format!("(- {text})"), ty))
            }
            Expr::BinaryOp {
                left,
                op:
                    op @ (BinaryOperator::PGLikeMatch
                    | BinaryOperator::PGNotLikeMatch
                    | BinaryOperator::PGILikeMatch
                    | BinaryOperator::PGNotILikeMatch),
                right,
            } => {
                let sym = match op {
                    BinaryOperator::PGLikeMatch => "~~",
                    BinaryOperator::PGNotLikeMatch => "!~~",
                    BinaryOperator::PGILikeMatch => "~~*",
                    _ => "!~~*",
                };
                self.like(left, sym, right, out)
            }
            Expr::Like {
                negated,
                any: false,
                expr,
                pattern,
                escape_char: None,
            }
            | Expr::ILike {
                negated,
                any: false,
                expr,
                pattern,
                escape_char: None,
            } => {
                let op = match (matches!(e, Expr::ILike { .. }), negated) {
                    (false, false) => "~~",
                    (false, true) => "!~~",
                    (true, false) => "~~*",
                    (true, true) => "!~~*",
                };
                self.like(expr, op, pattern, out)
            }
            Expr::AnyOp {
                left,
                compare_op,
                right,
                is_some: false,
            } => self.quantified(left, compare_op, "ANY", right, out),
            Expr::AllOp {
                left,
                compare_op,
                right,
            } => self.quantified(left, compare_op, "ALL", right, out),
            Expr::Array(a) if a.named => {
                let mut parts = Vec::new();
                let mut elem: Option<TypeName> = None;
                for x in &a.elem {
                    let (text, ty) = self.expr(x, out)?;
                    let Ty::Known(t) = ty else {
                        return Err(());
                    };
                    if elem.as_ref().is_some_and(|e| !same_type(e, &t)) {
                        return Err(());
                    }
                    elem.get_or_insert(t);
                    parts.push(text);
                }
                let mut t = elem.ok_or(())?;
                if t.array_dimensions > 0 {
                    return Err(());
                }
                t.array_dimensions = 1;
                t.modifiers.clear();
                Ok((format!("ARRAY[{}]", parts.join(", ")), Ty::Known(t)))
            }
            Expr::Between {
                expr,
                negated,
                low,
                high,
            } => {
                let (lo, _) = self.binary(
                    expr,
                    if *negated {
                        &BinaryOperator::Lt
                    } else {
                        &BinaryOperator::GtEq
                    },
                    low,
                    out,
                )?;
                let (hi, _) = self.binary(
                    expr,
                    if *negated {
                        &BinaryOperator::Gt
                    } else {
                        &BinaryOperator::LtEq
                    },
                    high,
                    out,
                )?;
                let word = if *negated { "OR" } else { "AND" };
                Ok((format!("({lo} {word} {hi})"), Ty::Known(builtin("boolean"))))
            }
            Expr::IsDistinctFrom(l, r) | Expr::IsNotDistinctFrom(l, r) => {
                // The operands as `=` coerces them.
                let (_, _, a, b) = self.binary_parts(l, &BinaryOperator::Eq, r, out)?;
                let text = format!("({a} IS DISTINCT FROM {b})");
                let text = if matches!(e, Expr::IsNotDistinctFrom(..)) {
                    format!("(NOT {text})")
                } else {
                    text
                };
                Ok((text, Ty::Known(builtin("boolean"))))
            }
            Expr::Exists { subquery, negated } => {
                let saved = self.indent;
                let mut text = String::from("(EXISTS (");
                let visible = std::mem::replace(&mut self.names_visible, false);
                let result = self.query_into(subquery, &[], &mut text);
                self.names_visible = visible;
                result?;
                self.indent = saved;
                text.push_str("))");
                if *negated {
                    text = format!("(NOT {text})");
                }
                Ok((text, Ty::Known(builtin("boolean"))))
            }
            Expr::In {
                expr,
                target: InTarget::List(items),
                negated,
                global: false,
            } => self.in_list(expr, items, *negated, out),
            Expr::In {
                expr,
                target: InTarget::Subquery(q),
                negated,
                global: false,
            } => {
                let (l, lt) = self.expr(expr, out)?;
                let saved = self.indent;
                let mut text = format!("({l} IN (");
                let visible = std::mem::replace(&mut self.names_visible, false);
                let types = self.query_into(q, &[], &mut text);
                self.names_visible = visible;
                let types = types?;
                self.indent = saved;
                // Only where no cast is needed: the sub-query's column has `x`'s type.
                match (&lt, types.as_slice()) {
                    (Ty::Known(a), [Ty::Known(b)]) if same_type(a, b) => {}
                    _ => return Err(()),
                }
                text.push_str("))");
                if *negated {
                    text = format!("(NOT {text})");
                }
                Ok((text, Ty::Known(builtin("boolean"))))
            }
            Expr::BinaryOp { left, op, right } => self.binary(left, op, right, out),
            // `substring(x FROM a FOR b)` and `substring(x, a, b)`: the function
            // "substring"(x, a, b).
            Expr::Substring {
                expr,
                substring_from: Some(from),
                substring_for,
                ..
            } => {
                let mut parts = vec![self.expr(expr, out)?, self.expr(from, out)?];
                if let Some(f) = substring_for {
                    parts.push(self.expr(f, out)?);
                }
                let types: Vec<Ty> = parts.iter().map(|(_, t)| t.clone()).collect();
                let (params, result) = self.resolve_call(None, "substring", &types, false)?;
                let args: Vec<String> = parts
                    .into_iter()
                    .zip(&params)
                    .map(|((text, ty), p)| match p {
                        Some(p) => coerced(text, &ty, p),
                        None => text,
                    })
                    .collect();
                Ok((format!("\"substring\"({})", args.join(", ")), result))
            }
            Expr::Case {
                operand,
                conditions,
                else_result,
                ..
            } => self.case(operand.as_deref(), conditions, else_result.as_deref(), out),
            Expr::Subquery(q) => {
                let saved = self.indent;
                let mut text = String::from("(");
                let visible = std::mem::replace(&mut self.names_visible, false);
                let types = self.query_into(q, &[], &mut text);
                self.names_visible = visible;
                let types = types?;
                self.indent = saved;
                // A scalar sub-query has the type of its one column.
                let [ty] = <[Ty; 1]>::try_from(types).map_err(|_| ())?;
                text.push(')');
                Ok((text, ty))
            }
            _ => Err(()),
        }
    }

    fn binary(
        &mut self,
        l: &Expr,
        op: &BinaryOperator,
        r: &Expr,
        out: &mut String,
    ) -> R<(String, Ty)> {
        self.binary_parts(l, op, r, out)
            .map(|(text, ty, _, _)| (text, ty))
    }

    /// A binary operator's text and type, and its operands as coerced.
    fn binary_parts(
        &mut self,
        l: &Expr,
        op: &BinaryOperator,
        r: &Expr,
        out: &mut String,
    ) -> R<(String, Ty, String, String)> {
        let boolean = Ty::Known(builtin("boolean"));
        match op {
            BinaryOperator::And | BinaryOperator::Or => {
                let word = if matches!(op, BinaryOperator::And) {
                    "AND"
                } else {
                    "OR"
                };
                let mut items = Vec::new();
                flatten_bool(l, op, &mut items);
                flatten_bool(r, op, &mut items);
                let mut parts = Vec::new();
                for i in items {
                    parts.push(self.expr(i, out)?.0);
                }
                let text = format!("({})", parts.join(&format!(" {word} ")));
                return Ok((text, boolean, String::new(), String::new()));
            }
            _ => {}
        }
        let sym = match op {
            BinaryOperator::StringConcat => "||",
            BinaryOperator::Eq => "=",
            BinaryOperator::NotEq => "<>",
            BinaryOperator::Lt => "<",
            BinaryOperator::LtEq => "<=",
            BinaryOperator::Gt => ">",
            BinaryOperator::GtEq => ">=",
            BinaryOperator::Plus => "+",
            BinaryOperator::Minus => "-",
            BinaryOperator::Multiply => "*",
            BinaryOperator::Divide => "/",
            _ => return Err(()),
        };
        let (ltext, lt) = self.expr(l, out)?;
        let (rtext, rt) = self.expr(r, out)?;
        let comparison = ["=", "<>", "<", "<=", ">", ">="].contains(&sym);
        // The type both sides are coerced to, and the result's.
        let (common, result) = match sym {
            "||" => {
                let texty = |t: &Ty| is_stringy(t) || *t == Ty::Literal;
                if texty(&lt) && texty(&rt) && (lt != Ty::Literal || rt != Ty::Literal) {
                    (Some(builtin("text")), Ty::Known(builtin("text")))
                } else {
                    return Err(());
                }
            }
            _ => {
                let common = operator_common(&lt, &rt, comparison)?;
                let result = if comparison {
                    boolean
                } else {
                    common.clone().map(Ty::Known).unwrap_or(Ty::Unknown)
                };
                (common, result)
            }
        };
        let (lt_text, rt_text) = match &common {
            Some(c) => (coerced(ltext, &lt, c), coerced(rtext, &rt, c)),
            None => (ltext, rtext),
        };
        Ok((
            format!("({lt_text} {sym} {rt_text})"),
            result,
            lt_text,
            rt_text,
        ))
    }

    fn cast(&mut self, e: &Expr, dt: &DataType, out: &mut String) -> R<(String, Ty)> {
        let to = type_of_data_type(dt)?;
        let cast = format_type_for_cast(&to);
        let (text, ty) = self.expr(e, out)?;
        let text = match &ty {
            Ty::Literal => format!("{text}::{cast}"),
            Ty::Known(t) if same_type(t, &to) && t.modifiers == to.modifiers => text,
            _ => format!("({text})::{cast}"),
        };
        Ok((text, Ty::Known(to)))
    }

    fn function(&mut self, f: &sqlparser::ast::Function, out: &mut String) -> R<(String, Ty)> {
        if f.filter.is_some()
            || f.over.is_some()
            || !f.within_group.is_empty()
            || f.null_treatment.is_some()
            || !matches!(f.parameters, FunctionArguments::None)
        {
            return Err(());
        }
        let parts = object_parts(&f.name)?;
        let (schema, name) = match parts.as_slice() {
            [n] => (None, n.clone()),
            [s, n] => (Some(s.clone()), n.clone()),
            _ => return Err(()),
        };
        let FunctionArguments::List(list) = &f.args else {
            return Err(());
        };
        if !list.clauses.is_empty() {
            return Err(());
        }
        let mut args = Vec::new();
        let mut types = Vec::new();
        let mut star = false;
        for a in &list.args {
            match a {
                FunctionArg::Unnamed(FunctionArgExpr::Expr(x)) => {
                    let (text, ty) = self.expr(x, out)?;
                    args.push(text);
                    types.push(ty);
                }
                FunctionArg::Unnamed(FunctionArgExpr::Wildcard) if list.args.len() == 1 => {
                    star = true;
                }
                _ => return Err(()),
            }
        }
        // COALESCE, GREATEST, LEAST: not functions; their arguments meet at one type (as CASE
        // results do), printed in upper case.
        if schema.is_none()
            && ["coalesce", "greatest", "least"].contains(&name.as_str())
            && list.duplicate_treatment.is_none()
            && !star
        {
            let common = case_common(&types.iter().collect::<Vec<_>>())?;
            let args: Vec<String> = args
                .into_iter()
                .zip(&types)
                .map(|(text, ty)| coerced(text, ty, &common))
                .collect();
            return Ok((
                format!("{}({})", name.to_ascii_uppercase(), args.join(", ")),
                Ty::Known(common),
            ));
        }
        // The function's parameter types decide the casts PostgreSQL adds to the arguments.
        let (params, result) = self.resolve_call(schema.as_deref(), &name, &types, star)?;
        let args: Vec<String> = args
            .into_iter()
            .zip(&types)
            .zip(&params)
            .map(|((text, ty), param)| match param {
                Some(p) => coerced(text, ty, p),
                None => text,
            })
            .collect();
        let mut text = match schema {
            Some(s) if s != "public" => format!("{}.{}", quote_ident(&s), quote_ident(&name)),
            _ => quote_ident(&name),
        };
        text.push('(');
        match list.duplicate_treatment {
            Some(DuplicateTreatment::Distinct) => text.push_str("DISTINCT "),
            Some(DuplicateTreatment::All) | None => {}
        }
        if star {
            text.push('*');
        }
        text.push_str(&args.join(", "));
        text.push(')');
        Ok((text, result))
    }

    /// The parameter type each argument is coerced to (None: taken as it is) and the result
    /// type of a call: a function or aggregate of the catalog, or a builtin whose signature is
    /// known here. Anything else is not deparsed (its implicit casts are unknown).
    fn resolve_call(
        &self,
        schema: Option<&str>,
        name: &str,
        args: &[Ty],
        star: bool,
    ) -> R<(Vec<Option<TypeName>>, Ty)> {
        let user: Vec<_> = self
            .catalog
            .functions
            .values()
            .filter(|f| {
                f.id.name.name == name
                    && match schema {
                        Some(s) => f.id.name.schema == s,
                        None => f.id.name.schema == "public",
                    }
            })
            .collect();
        if !user.is_empty() {
            let mut matching = Vec::new();
            for f in user {
                let params = parameter_types(&f.id.arguments)?;
                if star && params.is_empty() && f.id.arguments == "*" {
                    matching.push((Vec::new(), f));
                } else if !star && params.len() == args.len() {
                    matching.push((params, f));
                }
            }
            let [(params, f)] = matching.as_slice() else {
                return Err(());
            };
            let mut coercions = Vec::new();
            for (a, p) in args.iter().zip(params) {
                coercions.push(argument_coercion(a, p)?);
            }
            let result = parse_type_text(&f.returns)
                .map(Ty::Known)
                .unwrap_or(Ty::Unknown);
            return Ok((coercions, result));
        }
        if schema.is_some_and(|s| s != "pg_catalog") {
            return Err(());
        }
        let text = builtin("text");
        let integer = builtin("integer");
        let texts = |n: usize| -> R<Vec<Option<TypeName>>> {
            args.iter()
                .take(n)
                .map(|a| argument_coercion(a, &text))
                .collect()
        };
        let numeric_arg = |a: &Ty| is_builtin(a, NUMERIC_TYPES);
        let n = args.len();
        Ok(match (name, n) {
            ("upper" | "lower" | "initcap" | "md5" | "btrim" | "ltrim" | "rtrim", 1) => {
                (texts(1)?, Ty::Known(text.clone()))
            }
            ("length" | "char_length", 1) => (texts(1)?, Ty::Known(integer.clone())),
            ("replace", 3) => (texts(3)?, Ty::Known(text.clone())),
            ("substring" | "left" | "right", 2) | ("substring", 3) => {
                let mut c = texts(1)?;
                for a in &args[1..] {
                    c.push(argument_coercion(a, &integer)?);
                }
                (c, Ty::Known(text.clone()))
            }
            ("count", 0) if star => (Vec::new(), Ty::Known(builtin("bigint"))),
            ("count", 1) if args[0] != Ty::Literal && args[0] != Ty::Unknown => {
                (vec![None], Ty::Known(builtin("bigint")))
            }
            ("sum" | "avg", 1) if numeric_arg(&args[0]) => {
                let result = if is_builtin(&args[0], &["real", "double precision"]) {
                    args[0].clone()
                } else if name == "sum" && is_builtin(&args[0], &["smallint", "integer"]) {
                    Ty::Known(builtin("bigint"))
                } else {
                    Ty::Known(builtin("numeric"))
                };
                let result = if name == "avg" && is_builtin(&args[0], &["real"]) {
                    Ty::Known(builtin("double precision"))
                } else {
                    result
                };
                (vec![None], result)
            }
            // No max(varchar): varchar is compared as text.
            ("max" | "min", 1) if is_builtin(&args[0], &["character varying", "character"]) => {
                (vec![Some(text.clone())], Ty::Known(text.clone()))
            }
            ("max" | "min", 1) if matches!(args[0], Ty::Known(_)) => (vec![None], args[0].clone()),
            ("random", 0) => (Vec::new(), Ty::Known(builtin("double precision"))),
            ("now", 0) => (Vec::new(), Ty::Known(builtin("timestamp with time zone"))),
            _ => return Err(()),
        })
    }

    /// `l ~~ r` (LIKE) and its kin: both sides as text.
    fn like(&mut self, l: &Expr, op: &str, r: &Expr, out: &mut String) -> R<(String, Ty)> {
        let text = builtin("text");
        let (l, lt) = self.expr(l, out)?;
        let (r, rt) = self.expr(r, out)?;
        let l = coerced(
            l,
            &lt,
            argument_coercion(&lt, &text)?.as_ref().unwrap_or(&text),
        );
        let r = coerced(
            r,
            &rt,
            argument_coercion(&rt, &text)?.as_ref().unwrap_or(&text),
        );
        Ok((format!("({l} {op} {r})"), Ty::Known(builtin("boolean"))))
    }

    /// `l = ANY (array)` / `l <> ALL (array)` as PostgreSQL prints them, where the array's
    /// elements have `l`'s type already (as PostgreSQL's own print has them).
    fn quantified(
        &mut self,
        l: &Expr,
        op: &BinaryOperator,
        kw: &str,
        r: &Expr,
        out: &mut String,
    ) -> R<(String, Ty)> {
        let sym = match op {
            BinaryOperator::Eq => "=",
            BinaryOperator::NotEq => "<>",
            _ => return Err(()),
        };
        let (lt_text, lt) = self.expr(l, out)?;
        let (rt_text, rt) = self.expr(r, out)?;
        match (&lt, &rt) {
            (Ty::Known(a), Ty::Known(b))
                if b.array_dimensions == 1 && a.array_dimensions == 0 && a.base == b.base => {}
            _ => return Err(()),
        }
        Ok((
            format!("({lt_text} {sym} {kw} ({rt_text}))"),
            Ty::Known(builtin("boolean")),
        ))
    }

    /// `x IN (a, b)` as PostgreSQL stores it: `x = ANY (ARRAY[a, b])` (`<> ALL` for NOT IN),
    /// for literals of the column's type; a varchar column compares as text with the array
    /// built as varchar[] and cast to text[].
    fn in_list(
        &mut self,
        x: &Expr,
        items: &[Expr],
        negated: bool,
        out: &mut String,
    ) -> R<(String, Ty)> {
        // One value is a plain comparison.
        if let [one] = items {
            let op = if negated {
                BinaryOperator::NotEq
            } else {
                BinaryOperator::Eq
            };
            return self.binary(x, &op, one, out);
        }
        let (l, lt) = self.expr(x, out)?;
        let Ty::Known(t) = &lt else {
            return Err(());
        };
        let mut parts = Vec::new();
        for i in items {
            let (text, ty) = self.expr(i, out)?;
            match ty {
                Ty::Literal => parts.push(format!("{text}::{}", format_type_for_cast(t))),
                Ty::Known(it) if same_type(&it, t) => parts.push(text),
                _ => return Err(()),
            }
        }
        let op = if negated { "<> ALL" } else { "= ANY" };
        let text = if is_builtin(&lt, &["character varying"]) {
            format!("(({l})::text {op} ((ARRAY[{}])::text[]))", parts.join(", "))
        } else {
            format!("({l} {op} (ARRAY[{}]))", parts.join(", "))
        };
        Ok((text, Ty::Known(builtin("boolean"))))
    }

    fn case(
        &mut self,
        operand: Option<&Expr>,
        whens: &[sqlparser::ast::CaseWhen],
        otherwise: Option<&Expr>,
        out: &mut String,
    ) -> R<(String, Ty)> {
        let mut text = String::new();
        self.keyword(&mut text, "CASE", 0, VAR, 0);
        let subject = match operand {
            Some(x) => {
                let (t, ty) = self.expr(x, out)?;
                text.push(' ');
                text.push_str(&t);
                Some(ty)
            }
            None => None,
        };
        let lead = format!("\n{}", " ".repeat(self.indent.max(0) as usize));
        let mut arms = Vec::new();
        for w in whens {
            let (mut c, ct) = self.expr(&w.condition, out)?;
            if let Some(st) = &subject {
                // `CASE x WHEN v`: v compared with x, coerced as `x = v` would be.
                if let Some(common) = operator_common(st, &ct, true)? {
                    c = coerced(c, &ct, &common);
                }
            }
            let r = self.expr(&w.result, out)?;
            arms.push((c, r));
        }
        let other = match otherwise {
            Some(e) if !matches!(strip_nested(e), Expr::Value(v) if v.value == Value::Null) => {
                Some(self.expr(e, out)?)
            }
            _ => None,
        };
        let types: Vec<&Ty> = arms
            .iter()
            .map(|(_, (_, t))| t)
            .chain(other.iter().map(|(_, t)| t))
            .collect();
        let ty = case_common(&types)?;
        // A result that starts a line of its own (a nested CASE) follows THEN/ELSE directly.
        let after = |r: String| {
            if r.starts_with('\n') {
                r
            } else {
                format!(" {r}")
            }
        };
        for (c, (r, rt)) in arms {
            text.push_str(&format!(
                "{lead}WHEN {c} THEN{}",
                after(coerced(r, &rt, &ty))
            ));
        }
        match other {
            Some((r, rt)) => text.push_str(&format!("{lead}ELSE{}", after(coerced(r, &rt, &ty)))),
            None => text.push_str(&format!("{lead}ELSE NULL::{}", format_type_for_cast(&ty))),
        }
        self.keyword(&mut text, "END", -VAR, 0, 0);
        Ok((text, Ty::Known(ty)))
    }
}

/// An expression's text where PostgreSQL coerces it to `to` (an implicit cast made visible).
fn coerced(text: String, ty: &Ty, to: &TypeName) -> String {
    let cast = format_type_for_cast(to);
    match ty {
        Ty::Literal => format!("{text}::{cast}"),
        Ty::Known(t) if !same_type(t, to) => format!("({text})::{cast}"),
        _ => text,
    }
}

/// An output column: a resolved column, or an expression (borrowed: cloning sqlparser's tree
/// would bring its Clone code into the WebAssembly module).
enum Target<'q> {
    Var(Var),
    Expr(&'q Expr),
}

/// A GROUP BY / ORDER BY key: a column already printed, or an expression.
enum Key<'q> {
    Column(String),
    Expr(&'q Expr),
}

/// The key of an output column.
fn target_expr<'q>(t: &Target<'q>) -> Key<'q> {
    match t {
        Target::Expr(e) => Key::Expr(e),
        Target::Var(v) => Key::Column(v.text.clone()),
    }
}

/// `name`, or `name_1`, `name_2`, ... when taken (set_rtable_names); taken from then on.
fn unique_name(name: &str, taken: &mut Vec<String>) -> String {
    let mut refname = name.to_string();
    let mut counter = 0;
    while taken.contains(&refname) {
        counter += 1;
        refname = format!("{name}_{counter}");
    }
    taken.push(refname.clone());
    refname
}

/// A set operation's parts: left, operator, ALL, right (through parentheses that hold nothing
/// else).
fn setop_node(e: &SetExpr) -> Option<(&SetExpr, &SetOperator, bool, &SetExpr)> {
    match e {
        SetExpr::SetOperation {
            left,
            op,
            set_quantifier,
            right,
        } => Some((left, op, *set_quantifier == SetQuantifier::All, right)),
        SetExpr::Query(q)
            if q.order_by.is_none()
                && q.limit_clause.is_none()
                && q.with.is_none()
                && q.fetch.is_none() =>
        {
            setop_node(&q.body)
        }
        _ => None,
    }
}

/// The output column names of the first branch of set operations (named as written).
fn first_branch_names(e: &SetExpr) -> R<Vec<String>> {
    match e {
        SetExpr::SetOperation { left, .. } => first_branch_names(left),
        SetExpr::Query(q) => first_branch_names(&q.body),
        SetExpr::Select(s) => s
            .projection
            .iter()
            .map(|item| match item {
                SelectItem::UnnamedExpr(e) => Ok(column_name(e)),
                SelectItem::ExprWithAlias { alias, .. } => Ok(ident_text(alias)),
                _ => Err(()),
            })
            .collect(),
        _ => Err(()),
    }
}

/// A LIMIT or OFFSET count: an integer literal.
fn integer(e: &Expr) -> R<String> {
    match strip_nested(e) {
        Expr::Value(v) => match &v.value {
            Value::Number(n, false) if n.bytes().all(|b| b.is_ascii_digit()) => Ok(n.clone()),
            _ => Err(()),
        },
        _ => Err(()),
    }
}

/// `ORDER BY 2` / `GROUP BY 2`: the output column at that position.
fn position<'q>(e: &Expr, targets: &[(Target<'q>, String)]) -> R<Option<Key<'q>>> {
    if let Expr::Value(v) = e
        && let Value::Number(n, _) = &v.value
    {
        let k: usize = n.parse().map_err(|_| ())?;
        let (t, _) = targets.get(k.checked_sub(1).ok_or(())?).ok_or(())?;
        return Ok(Some(target_expr(t)));
    }
    Ok(None)
}

fn opts_empty(o: &sqlparser::ast::WildcardAdditionalOptions) -> bool {
    o.opt_ilike.is_none()
        && o.opt_exclude.is_none()
        && o.opt_except.is_none()
        && o.opt_replace.is_none()
        && o.opt_rename.is_none()
}

/// A FROM item as its first relation and the joins that follow, left to right; parentheses
/// around the left side of a join (how ruleutils prints them) are the same tree. A join whose
/// right side is itself a join is not handled.
fn left_deep(twj: &TableWithJoins) -> R<(&TableFactor, Vec<&sqlparser::ast::Join>)> {
    let (base, mut joins) = match &twj.relation {
        TableFactor::NestedJoin {
            table_with_joins,
            alias: None,
        } => left_deep(table_with_joins)?,
        other => (other, Vec::new()),
    };
    joins.extend(twj.joins.iter());
    Ok((base, joins))
}

fn strip_nested(e: &Expr) -> &Expr {
    let mut e = e;
    while let Expr::Nested(x) = e {
        e = x;
    }
    e
}

fn flatten_bool<'e>(e: &'e Expr, op: &BinaryOperator, items: &mut Vec<&'e Expr>) {
    // PostgreSQL's parser merges `a AND b AND c` (as written, without parentheses) into one node.
    match e {
        Expr::BinaryOp { left, op: o, right } if o == op => {
            flatten_bool(left, op, items);
            items.push(right);
        }
        _ => items.push(e),
    }
}

/// The name PostgreSQL gives an output column left unnamed (FigureColname).
fn column_name(e: &Expr) -> String {
    match e {
        Expr::Identifier(i) => ident_text(i),
        Expr::CompoundIdentifier(p) => p.last().map(ident_text).unwrap_or_default(),
        Expr::Nested(x) => column_name(x),
        Expr::Function(f) => f
            .name
            .0
            .last()
            .and_then(|p| match p {
                ObjectNamePart::Identifier(i) => Some(ident_text(i)),
                _ => None,
            })
            .unwrap_or_else(|| "?column?".into()),
        Expr::Cast {
            expr, data_type, ..
        } => {
            let inner = column_name(expr);
            if inner != "?column?" {
                inner
            } else {
                type_of_data_type(data_type)
                    .ok()
                    .and_then(|t| match t.base {
                        BaseType::Builtin(b) => Some(builtin_internal_name(&b)),
                        _ => None,
                    })
                    .unwrap_or_else(|| "?column?".into())
            }
        }
        Expr::Case { .. } => "case".into(),
        Expr::Substring { .. } => "substring".into(),
        // A scalar sub-query is named as its one column.
        Expr::Subquery(q) => first_branch_names(&q.body)
            .ok()
            .and_then(|n| n.into_iter().next())
            .unwrap_or_else(|| "?column?".into()),
        _ => "?column?".into(),
    }
}

/// The catalog name of a builtin type (what FigureColname uses for a cast).
fn builtin_internal_name(b: &str) -> String {
    match b {
        "character varying" => "varchar",
        "integer" => "int4",
        "bigint" => "int8",
        "smallint" => "int2",
        "boolean" => "bool",
        "character" => "bpchar",
        "double precision" => "float8",
        "real" => "float4",
        "timestamp without time zone" => "timestamp",
        "timestamp with time zone" => "timestamptz",
        other => other,
    }
    .to_string()
}

fn literal(v: &Value) -> R<(String, Ty)> {
    match v {
        Value::SingleQuotedString(s) => Ok((literal_text(s), Ty::Literal)),
        Value::Number(n, false) => {
            if n.bytes().all(|b| b.is_ascii_digit()) {
                let ty = match n.parse::<i64>() {
                    Ok(x) if i32::try_from(x).is_ok() => "integer",
                    Ok(_) => "bigint",
                    Err(_) => "numeric",
                };
                Ok((n.clone(), Ty::Known(builtin(ty))))
            } else if n.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
                Ok((n.clone(), Ty::Known(builtin("numeric"))))
            } else {
                Err(())
            }
        }
        Value::Boolean(b) => Ok((b.to_string(), Ty::Known(builtin("boolean")))),
        _ => Err(()),
    }
}

/// The type both operands of a comparison or arithmetic operator are coerced to (None: each
/// keeps its own).
fn operator_common(lt: &Ty, rt: &Ty, comparison: bool) -> R<Option<TypeName>> {
    let is = |t: &TypeName, names: &[&str]| is_builtin(&Ty::Known(t.clone()), names);
    let datetime = [
        "date",
        "timestamp without time zone",
        "timestamp with time zone",
    ];
    let integers = ["smallint", "integer", "bigint"];
    Ok(match (lt, rt) {
        // A literal takes the other side's type (varchar compares as text).
        (Ty::Literal, Ty::Known(t)) | (Ty::Known(t), Ty::Literal) => {
            if is(t, &["character varying"]) {
                Some(builtin("text"))
            } else {
                Some(t.clone())
            }
        }
        (Ty::Known(a), Ty::Known(b)) => {
            if same_type(a, b) {
                // varchar has no operators of its own: both sides as text.
                if is(a, &["character varying"]) {
                    Some(builtin("text"))
                } else {
                    Some(a.clone())
                }
            } else if let Some(n) = numeric_common(a, b) {
                Some(n)
            } else if is(a, &integers) && is(b, &integers) {
                // Cross-type integer operators: no casts.
                None
            } else if comparison && is(a, &datetime) && is(b, &datetime) {
                // Cross-type date/timestamp comparisons: no casts.
                None
            } else if is(a, &["text", "character varying"]) && is(b, &["text", "character varying"])
                || is(a, &["text", "character"]) && is(b, &["text", "character"])
            {
                Some(builtin("text"))
            } else {
                return Err(());
            }
        }
        // Two literals, or a side whose type is unknown here: the casts cannot be told.
        _ => return Err(()),
    })
}

/// The type the results of a CASE resolve to (select_common_type): text for string literals
/// alone, the widest of numeric types, text for mixed string types, else one type for all.
fn case_common(types: &[&Ty]) -> R<TypeName> {
    let known: Vec<&TypeName> = types
        .iter()
        .filter_map(|t| match t {
            Ty::Known(t) => Some(t),
            _ => None,
        })
        .collect();
    if types.iter().any(|t| **t == Ty::Unknown) {
        return Err(());
    }
    let Some(first) = known.first() else {
        return Ok(builtin("text"));
    };
    let mut common = (*first).clone();
    for t in &known[1..] {
        if same_type(&common, t) {
            continue;
        }
        common = if let Some(n) = numeric_common(&common, t) {
            n
        } else if is_stringy(&Ty::Known(common.clone())) && is_stringy(&Ty::Known((*t).clone())) {
            builtin("text")
        } else {
            let rank = |t: &TypeName| {
                ["smallint", "integer", "bigint"]
                    .iter()
                    .position(|n| matches!(&t.base, BaseType::Builtin(b) if b == n))
            };
            match (rank(&common), rank(t)) {
                (Some(a), Some(b)) => {
                    if a >= b {
                        common
                    } else {
                        (*t).clone()
                    }
                }
                _ => return Err(()),
            }
        };
    }
    Ok(common)
}

/// Integer and numeric operands meet at the wider type.
fn numeric_common(a: &TypeName, b: &TypeName) -> Option<TypeName> {
    let rank = |t: &TypeName| match &t.base {
        BaseType::Builtin(n) if t.array_dimensions == 0 => match n.as_str() {
            "smallint" => Some(0),
            "integer" => Some(1),
            "bigint" => Some(2),
            "numeric" => Some(3),
            "real" => Some(4),
            "double precision" => Some(5),
            _ => None,
        },
        _ => None,
    };
    let (ra, rb) = (rank(a)?, rank(b)?);
    if ra == rb {
        return Some(builtin(match &a.base {
            BaseType::Builtin(n) => n.as_str(),
            _ => return None,
        }));
    }
    // Integers of different widths compare without casts (cross-type operators).
    if ra <= 2 && rb <= 2 {
        return None;
    }
    Some(if ra > rb { a.clone() } else { b.clone() })
}

/// How an argument meets a parameter of type `p`: as it is (None), with a cast PostgreSQL adds
/// (a literal typed, varchar as text, an integer widened), or not at all.
fn argument_coercion(a: &Ty, p: &TypeName) -> R<Option<TypeName>> {
    match a {
        Ty::Literal => Ok(Some(p.clone())),
        Ty::Known(t) if same_type(t, p) => Ok(None),
        Ty::Known(t) => {
            let stringy = |x: &TypeName| is_stringy(&Ty::Known(x.clone()));
            let widened = numeric_common(t, p).is_some_and(|c| same_type(&c, p))
                || (is_builtin(a, &["smallint", "integer"])
                    && matches!(&p.base, BaseType::Builtin(b) if b == "integer" || b == "bigint"));
            if (stringy(t) && matches!(&p.base, BaseType::Builtin(b) if b == "text")) || widened {
                Ok(Some(p.clone()))
            } else {
                Err(())
            }
        }
        Ty::Unknown => Err(()),
    }
}

/// The parameter types of a function's identity arguments (`p_id integer, text`): OUT
/// parameters left out, names and modes dropped.
fn parameter_types(arguments: &str) -> R<Vec<TypeName>> {
    let mut out = Vec::new();
    if arguments.trim().is_empty() || arguments == "*" {
        return Ok(out);
    }
    for piece in crate::render::format::split_top_level(arguments, ',') {
        let mut words: Vec<&str> = piece.split_whitespace().collect();
        let mode = words.first().map(|w| w.to_ascii_lowercase());
        match mode.as_deref() {
            Some("out") => continue,
            Some("in" | "inout" | "variadic") => {
                words.remove(0);
            }
            _ => {}
        }
        let joined = words.join(" ");
        let ty = parse_type_text(&joined).or_else(|_| {
            let rest = words.get(1..).ok_or(())?.join(" ");
            parse_type_text(&rest)
        })?;
        out.push(ty);
    }
    Ok(out)
}

/// A sqlparser data type as the model's type name: written out for the model's own type parser
/// (not with sqlparser's Display, which would bring all of its printing into the WebAssembly
/// module). Types not listed are not deparsed.
fn type_of_data_type(dt: &DataType) -> R<TypeName> {
    parse_type_text(&data_type_text(dt)?)
}

fn data_type_text(dt: &DataType) -> R<String> {
    use sqlparser::ast::{ArrayElemTypeDef, CharacterLength, ExactNumberInfo, TimezoneInfo};
    let length = |l: &Option<CharacterLength>| match l {
        None => Ok(String::new()),
        Some(CharacterLength::IntegerLength { length, unit: None }) => Ok(format!("({length})")),
        Some(_) => Err(()),
    };
    let exact = |e: &ExactNumberInfo| match e {
        ExactNumberInfo::None => String::new(),
        ExactNumberInfo::Precision(p) => format!("({p})"),
        ExactNumberInfo::PrecisionAndScale(p, s) => format!("({p},{s})"),
    };
    let precision = |p: &Option<u64>| p.map(|p| format!("({p})")).unwrap_or_default();
    let zone = |z: &TimezoneInfo| match z {
        TimezoneInfo::WithTimeZone => Ok(" with time zone"),
        TimezoneInfo::None | TimezoneInfo::WithoutTimeZone => Ok(""),
        _ => Err(()),
    };
    Ok(match dt {
        DataType::Character(l) | DataType::Char(l) => format!("character{}", length(l)?),
        DataType::CharacterVarying(l) | DataType::CharVarying(l) | DataType::Varchar(l) => {
            format!("character varying{}", length(l)?)
        }
        DataType::Text => "text".into(),
        DataType::Uuid => "uuid".into(),
        DataType::Bytea => "bytea".into(),
        DataType::JSON => "json".into(),
        DataType::JSONB => "jsonb".into(),
        DataType::Numeric(e) | DataType::Decimal(e) => format!("numeric{}", exact(e)),
        DataType::Int2(None) | DataType::SmallInt(None) => "smallint".into(),
        DataType::Int(None) | DataType::Int4(None) | DataType::Integer(None) => "integer".into(),
        DataType::Int8(None) | DataType::BigInt(None) => "bigint".into(),
        DataType::Float4 | DataType::Real => "real".into(),
        DataType::Float8 | DataType::DoublePrecision => "double precision".into(),
        DataType::Bool | DataType::Boolean => "boolean".into(),
        DataType::Date => "date".into(),
        DataType::Timestamp(p, z) => format!("timestamp{}{}", precision(p), zone(z)?),
        DataType::Time(p, z) => format!("time{}{}", precision(p), zone(z)?),
        DataType::Custom(name, modifiers) if modifiers.is_empty() => object_parts(name)?
            .iter()
            .map(|p| quote_ident(p))
            .collect::<Vec<_>>()
            .join("."),
        DataType::Array(ArrayElemTypeDef::SquareBracket(inner, None)) => {
            format!("{}[]", data_type_text(inner)?)
        }
        _ => return Err(()),
    })
}

/// A type written as text (`character varying(10)`, `public.mpaa_rating`), read by the model's
/// own type parser; the whole text must be the type.
fn parse_type_text(text: &str) -> R<TypeName> {
    let text = text.trim();
    let mut lx = super::lexer::Lexer::new(text);
    let mut toks = Vec::new();
    while let Some(t) = lx.next_token() {
        toks.push(t);
    }
    let mut c = super::cursor::Cursor::new(text, &toks, text.len(), true);
    let (t, serial) = super::types::parse_type(&mut c, "public").map_err(|_| ())?;
    if serial.is_some() || !c.at_end() {
        return Err(());
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deparse(schema: &str, query: &str) -> Option<String> {
        let catalog = crate::inspect("t.sql", schema).catalog;
        deparse_view(query, &[], &catalog, &ViewColumns::new(), &|n: &str| {
            QualifiedName::new("public", n)
        })
        .map(|d| d.text)
    }

    #[test]
    fn names_repeated_in_a_sub_query_are_made_unique() {
        let s = "CREATE TABLE a (id integer, name varchar(10));";
        assert_eq!(
            deparse(
                s,
                "SELECT a.id, (SELECT max(a.id) FROM a WHERE a.name = 'x') AS m FROM a"
            )
            .as_deref(),
            Some(
                " SELECT a.id,\n    ( SELECT max(a_1.id) AS max\n           FROM a a_1\n          \
                 WHERE ((a_1.name)::text = 'x'::text)) AS m\n   FROM a;"
            )
        );
    }

    #[test]
    fn the_relations_read_include_those_of_sub_queries_and_comma_lists() {
        let s = "CREATE TABLE a (id integer); CREATE TABLE b (a_id integer); CREATE TABLE c (x integer);";
        let catalog = crate::inspect("t.sql", s).catalog;
        let deparsed = deparse_view(
            "SELECT a.id FROM a, b WHERE b.a_id = a.id AND a.id = (SELECT max(x) FROM c)",
            &[],
            &catalog,
            &ViewColumns::new(),
            &|n: &str| QualifiedName::new("public", n),
        )
        .expect("deparsed");
        let names: Vec<String> = deparsed.relations.iter().map(|q| q.name.clone()).collect();
        assert_eq!(names, ["a", "b", "c"]);
    }

    #[test]
    fn table_x_is_select_star() {
        let s = "CREATE TABLE a (id integer);";
        assert_eq!(
            deparse(s, "TABLE a").as_deref(),
            Some(" SELECT a.id\n   FROM a;")
        );
    }

    #[test]
    fn what_it_does_not_know_is_left_to_the_caller() {
        let s = "CREATE TABLE a (id integer, name varchar(10));";
        // A WITH query, branches of different types, a column no relation holds, an untyped
        // function this deparser has no signature for.
        assert_eq!(
            deparse(s, "WITH x AS (SELECT id FROM a) SELECT id FROM x"),
            None
        );
        assert_eq!(
            deparse(s, "SELECT id FROM a UNION SELECT name FROM a"),
            None
        );
        assert_eq!(deparse(s, "SELECT nope FROM a"), None);
        assert_eq!(deparse(s, "SELECT no_such_function(id) FROM a"), None);
    }
}
