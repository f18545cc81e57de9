//! The little the runner reads of a plan's SQL: the `LIMIT n` of a backfill batch statement (to size
//! batches), and the index a `CREATE INDEX CONCURRENTLY` builds (to repair an INVALID one).

use shiftplan::model::QualifiedName;

/// Where the batch size of a batch statement is written: its last `LIMIT <integer>` outside
/// strings, quoted identifiers and comments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limit {
    /// Byte range of the integer.
    pub start: usize,
    pub end: usize,
    pub value: i64,
}

impl Limit {
    /// The statement with the integer replaced by `size`.
    pub fn rewrite(&self, statement: &str, size: i64) -> String {
        format!(
            "{}{size}{}",
            &statement[..self.start],
            &statement[self.end..]
        )
    }
}

/// Splits SQL into words (identifiers, keywords, numbers, quoted identifiers, operators), with
/// their byte offsets; strings and comments are skipped.
fn words(sql: &str) -> Vec<(usize, usize)> {
    let bytes = sql.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'\'' {
            i += 1;
            while i < bytes.len() {
                if bytes[i] == b'\'' {
                    if bytes.get(i + 1) == Some(&b'\'') {
                        i += 2;
                        continue;
                    }
                    break;
                }
                i += 1;
            }
            i += 1;
        } else if b == b'-' && bytes.get(i + 1) == Some(&b'-') {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
        } else if b == b'/' && bytes.get(i + 1) == Some(&b'*') {
            i += 2;
            while i + 1 < bytes.len() && !(bytes[i] == b'*' && bytes[i + 1] == b'/') {
                i += 1;
            }
            i += 2;
        } else if b == b'$' {
            // Dollar quoting: $tag$ ... $tag$ (skipped whole).
            let tag_end = sql[i + 1..].find('$').map(|j| i + 1 + j);
            match tag_end {
                Some(end)
                    if sql[i + 1..end]
                        .chars()
                        .all(|c| c.is_alphanumeric() || c == '_') =>
                {
                    let tag = &sql[i..=end];
                    match sql[end + 1..].find(tag) {
                        Some(close) => i = end + 1 + close + tag.len(),
                        None => i = bytes.len(),
                    }
                }
                _ => i += 1,
            }
        } else if b == b'"' {
            let start = i;
            i += 1;
            while i < bytes.len() {
                if bytes[i] == b'"' {
                    if bytes.get(i + 1) == Some(&b'"') {
                        i += 2;
                        continue;
                    }
                    break;
                }
                i += 1;
            }
            i = (i + 1).min(bytes.len());
            out.push((start, i));
        } else if b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80 {
            let start = i;
            while i < bytes.len()
                && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] >= 0x80)
            {
                i += 1;
            }
            out.push((start, i));
        } else if b.is_ascii_whitespace() {
            i += 1;
        } else {
            out.push((i, i + 1));
            i += 1;
        }
    }
    out
}

/// The last `LIMIT <integer>` of a statement.
pub fn find_limit(statement: &str) -> Option<Limit> {
    let words = words(statement);
    let text = |w: &(usize, usize)| statement.get(w.0..w.1).unwrap_or("");
    words.windows(2).rev().find_map(|pair| {
        let [keyword, number] = pair else { return None };
        if text(keyword).eq_ignore_ascii_case("limit") {
            let value: i64 = text(number).parse().ok()?;
            Some(Limit {
                start: number.0,
                end: number.1,
                value,
            })
        } else {
            None
        }
    })
}

/// The index a `CREATE [UNIQUE] INDEX CONCURRENTLY [IF NOT EXISTS] name ON [ONLY] table ...` builds,
/// qualified with the table's schema (an index lives in its table's schema).
pub fn concurrent_index_target(statement: &str) -> Option<QualifiedName> {
    let words = words(statement);
    let text: Vec<&str> = words
        .iter()
        .map(|w| statement.get(w.0..w.1).unwrap_or(""))
        .collect();
    let mut i = 0;
    let mut next = |expected: &str| {
        if text
            .get(i)
            .is_some_and(|w| w.eq_ignore_ascii_case(expected))
        {
            i += 1;
            true
        } else {
            false
        }
    };
    if !next("create") {
        return None;
    }
    next("unique");
    if !(next("index") && next("concurrently")) {
        return None;
    }
    if next("if") && !(next("not") && next("exists")) {
        return None;
    }
    let name = text.get(i)?.to_string();
    i += 1;
    if !text.get(i)?.eq_ignore_ascii_case("on") {
        return None;
    }
    i += 1;
    if text.get(i).is_some_and(|w| w.eq_ignore_ascii_case("only")) {
        i += 1;
    }
    // The table: one word, or schema . name.
    let mut table = text.get(i)?.to_string();
    if text.get(i + 1) == Some(&".") {
        table = format!("{table}.{}", text.get(i + 2)?);
    }
    let table = QualifiedName::parse(&table).ok()?;
    let index = shiftplan::model::split_qualified(&name).ok()?.pop()?;
    Some(table.sibling(index))
}

/// The index a `DROP INDEX CONCURRENTLY name` (one index, without IF EXISTS) drops: re-running it
/// after an interrupted run that already dropped it would fail, so the runner checks first.
pub fn concurrent_index_drop(statement: &str) -> Option<QualifiedName> {
    let words = words(statement);
    let text: Vec<&str> = words
        .iter()
        .map(|w| statement.get(w.0..w.1).unwrap_or(""))
        .collect();
    let keyword = |i: usize, k: &str| text.get(i).is_some_and(|w| w.eq_ignore_ascii_case(k));
    if !(keyword(0, "drop") && keyword(1, "index") && keyword(2, "concurrently"))
        || keyword(3, "if")
    {
        return None;
    }
    let mut rest = text.get(3..).unwrap_or(&[]);
    if let [head @ .., last] = rest
        && last.eq_ignore_ascii_case("restrict")
    {
        rest = head;
    }
    let name = match rest {
        [name] => name.to_string(),
        [schema, ".", name] => format!("{schema}.{name}"),
        _ => return None,
    };
    QualifiedName::parse(&name).ok()
}

/// Whether a statement says `IF NOT EXISTS`.
pub fn has_if_not_exists(statement: &str) -> bool {
    let words = words(statement);
    let text: Vec<String> = words
        .iter()
        .map(|w| statement.get(w.0..w.1).unwrap_or("").to_ascii_lowercase())
        .collect();
    text.windows(3).any(|w| w == ["if", "not", "exists"])
}

/// `'text'` as an SQL string literal.
pub fn quote_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_limit_outside_strings_is_found_and_rewritten() {
        let sql = "UPDATE public.users SET name = fullname WHERE id IN (SELECT id FROM public.users \
                   WHERE name IS DISTINCT FROM fullname AND note <> 'LIMIT 9' LIMIT 1000 FOR UPDATE SKIP LOCKED)";
        let limit = find_limit(sql).unwrap();
        assert_eq!(limit.value, 1000);
        let rewritten = limit.rewrite(sql, 25_000);
        assert!(rewritten.contains("LIMIT 25000 FOR UPDATE"));
        assert!(rewritten.contains("'LIMIT 9'"));
        assert_eq!(find_limit("UPDATE t SET a = b /* limit 5 */"), None);
        assert_eq!(
            find_limit("update t set a = b where id in (select id from t limit\n 7)")
                .map(|l| l.value),
            Some(7)
        );
        assert_eq!(find_limit("SELECT $x$ LIMIT 5 $x$"), None);
    }

    #[test]
    fn the_index_of_a_concurrent_build_is_named_in_its_table_schema() {
        let target = concurrent_index_target(
            "CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON app.users USING btree (email)",
        );
        assert_eq!(target, Some(QualifiedName::new("app", "users_email_key")));
        let target = concurrent_index_target(
            "create index concurrently if not exists \"Ix\" on only \"T\" (a)",
        );
        assert_eq!(target, Some(QualifiedName::new("public", "Ix")));
        assert!(has_if_not_exists(
            "create index concurrently if not exists \"Ix\" on only \"T\" (a)"
        ));
        assert_eq!(
            concurrent_index_target("CREATE INDEX users_a ON users (a)"),
            None
        );
        assert_eq!(concurrent_index_target("DROP INDEX CONCURRENTLY x"), None);
        assert_eq!(
            concurrent_index_drop("DROP INDEX CONCURRENTLY public.posts_idx"),
            Some(QualifiedName::new("public", "posts_idx"))
        );
        assert_eq!(
            concurrent_index_drop("drop index concurrently \"Ix\" restrict"),
            Some(QualifiedName::new("public", "Ix"))
        );
        assert_eq!(
            concurrent_index_drop("DROP INDEX CONCURRENTLY IF EXISTS public.posts_idx"),
            None
        );
        assert_eq!(concurrent_index_drop("DROP INDEX CONCURRENTLY a, b"), None);
    }
}

/// A batch statement the runner can restrict to a range of the table's pages: the query that holds
/// its `LIMIT` reads one relation, so `ctid >= '(first,0)' AND ctid < '(end,0)'` added to its
/// WHERE (a TID range scan, PostgreSQL 14+) makes each batch read only its own pages, instead of
/// scanning again past every row already done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RangedBatch {
    /// Byte offset just after `WHERE`, or where a WHERE clause must be inserted.
    where_end: usize,
    has_where: bool,
    /// Byte offset where the condition ends (GROUP / HAVING / ORDER / WINDOW / LIMIT).
    condition_end: usize,
    limit: Limit,
    /// The relation the query reads, as written.
    pub relation: String,
}

impl RangedBatch {
    pub fn new(statement: &str) -> Option<RangedBatch> {
        let words = words(statement);
        let text = |i: usize| {
            words
                .get(i)
                .and_then(|w| statement.get(w.0..w.1))
                .unwrap_or("")
        };
        let is = |i: usize, k: &str| text(i).eq_ignore_ascii_case(k);
        let limit = find_limit(statement)?;
        let limit_at = words
            .iter()
            .position(|w| w.0 == limit.start)?
            .checked_sub(1)?;
        // Depth of every word.
        let mut depths = Vec::with_capacity(words.len());
        let mut depth = 0i32;
        for i in 0..words.len() {
            if text(i) == ")" {
                depth -= 1;
            }
            depths.push(depth);
            if text(i) == "(" {
                depth += 1;
            }
        }
        let d = depths[limit_at];
        // The SELECT of the query that holds the LIMIT: the last one at depth d before it.
        let select = (0..limit_at)
            .rev()
            .take_while(|i| depths[*i] >= d)
            .filter(|i| depths[*i] == d)
            .find(|i| is(*i, "select"))?;
        let at_d = |i: &usize| depths[*i] == d;
        let from = (select..limit_at).filter(at_d).find(|i| is(*i, "from"))?;
        let stop_words = [
            "where", "group", "having", "order", "window", "limit", "for", "offset",
        ];
        let from_end = (from + 1..=limit_at)
            .filter(at_d)
            .find(|i| stop_words.iter().any(|k| is(*i, k)))?;
        // One relation: name [. name] [[AS] alias].
        let from_words: Vec<&str> = (from + 1..from_end).map(text).collect();
        let relation = match from_words.as_slice() {
            [name] | [name, _] | [name, _, _]
                if !name.starts_with('(') && !from_words.contains(&",") =>
            {
                if from_words.len() == 3
                    && !from_words[1].eq_ignore_ascii_case("as")
                    && from_words[1] != "."
                {
                    return None;
                }
                if from_words.len() == 3 && from_words[1] == "." {
                    format!("{}.{}", from_words[0], from_words[2])
                } else {
                    name.to_string()
                }
            }
            [schema, ".", name, ..]
                if from_words.len() <= 5
                    && !from_words.contains(&",")
                    && !from_words.contains(&"(") =>
            {
                if from_words.len() == 5 && !from_words[3].eq_ignore_ascii_case("as") {
                    return None;
                }
                format!("{schema}.{name}")
            }
            _ => return None,
        };
        if from_words.iter().any(|w| {
            ["join", "only", "lateral", "tablesample"]
                .iter()
                .any(|k| w.eq_ignore_ascii_case(k))
        }) {
            return None;
        }
        let has_where = is(from_end, "where");
        let (where_end, condition_end) = if has_where {
            let end = (from_end + 1..=limit_at)
                .filter(at_d)
                .find(|i| stop_words[1..].iter().any(|k| is(*i, k)))?;
            (words[from_end].1, words[end].0)
        } else {
            (words[from_end].0, words[from_end].0)
        };
        Some(RangedBatch {
            where_end,
            has_where,
            condition_end,
            limit,
            relation,
        })
    }

    /// The statement restricted to pages `[first, end)`, with `LIMIT limit`.
    pub fn render(&self, statement: &str, first: i64, end: i64, limit: i64) -> String {
        let range = format!("ctid >= '({first},0)'::tid AND ctid < '({end},0)'::tid");
        let head = &statement[..self.where_end];
        let middle = if self.has_where {
            format!(
                " ({}) AND {range} ",
                statement[self.where_end..self.condition_end].trim()
            )
        } else {
            format!("WHERE {range} ")
        };
        format!(
            "{head}{middle}{}{limit}{}",
            &statement[self.condition_end..self.limit.start],
            &statement[self.limit.end..]
        )
    }
}

#[cfg(test)]
mod ranged_tests {
    use super::*;

    #[test]
    fn the_limited_query_is_restricted_to_a_page_range() {
        let planner = "UPDATE public.users SET name = fullname WHERE ctid = ANY (ARRAY(SELECT ctid FROM public.users \
                       WHERE name IS NULL AND (fullname) IS NOT NULL OR false LIMIT 1000 FOR UPDATE))";
        let ranged = RangedBatch::new(planner).unwrap();
        assert_eq!(ranged.relation, "public.users");
        assert_eq!(
            ranged.render(planner, 10, 20, 5000),
            "UPDATE public.users SET name = fullname WHERE ctid = ANY (ARRAY(SELECT ctid FROM public.users \
             WHERE (name IS NULL AND (fullname) IS NOT NULL OR false) AND ctid >= '(10,0)'::tid AND ctid < '(20,0)'::tid LIMIT 5000 FOR UPDATE))"
        );
        let no_where = "UPDATE t SET a = 1 WHERE id IN (SELECT id FROM t AS x LIMIT 10)";
        assert_eq!(
            RangedBatch::new(no_where)
                .unwrap()
                .render(no_where, 0, 4, 7),
            "UPDATE t SET a = 1 WHERE id IN (SELECT id FROM t AS x WHERE ctid >= '(0,0)'::tid AND ctid < '(4,0)'::tid LIMIT 7)"
        );
        assert_eq!(
            RangedBatch::new(
                "UPDATE t SET a = 1 WHERE id IN (SELECT t.id FROM t JOIN u ON u.id = t.id LIMIT 10)"
            ),
            None
        );
        assert_eq!(
            RangedBatch::new("UPDATE t SET a = 1 WHERE id IN (SELECT id FROM t, u LIMIT 10)"),
            None
        );
        assert_eq!(RangedBatch::new("UPDATE t SET a = 1"), None);
    }
}
