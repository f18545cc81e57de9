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
        format!("{}{size}{}", &statement[..self.start], &statement[self.end..])
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
                Some(end) if sql[i + 1..end].chars().all(|c| c.is_alphanumeric() || c == '_') => {
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
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] >= 0x80) {
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
            Some(Limit { start: number.0, end: number.1, value })
        } else {
            None
        }
    })
}

/// The index a `CREATE [UNIQUE] INDEX CONCURRENTLY [IF NOT EXISTS] name ON [ONLY] table ...` builds,
/// qualified with the table's schema (an index lives in its table's schema).
pub fn concurrent_index_target(statement: &str) -> Option<QualifiedName> {
    let words = words(statement);
    let text: Vec<&str> = words.iter().map(|w| statement.get(w.0..w.1).unwrap_or("")).collect();
    let mut i = 0;
    let mut next = |expected: &str| {
        if text.get(i).is_some_and(|w| w.eq_ignore_ascii_case(expected)) {
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

/// Whether a statement says `IF NOT EXISTS`.
pub fn has_if_not_exists(statement: &str) -> bool {
    let words = words(statement);
    let text: Vec<String> = words.iter().map(|w| statement.get(w.0..w.1).unwrap_or("").to_ascii_lowercase()).collect();
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
        assert_eq!(find_limit("update t set a = b where id in (select id from t limit\n 7)").map(|l| l.value), Some(7));
        assert_eq!(find_limit("SELECT $x$ LIMIT 5 $x$"), None);
    }

    #[test]
    fn the_index_of_a_concurrent_build_is_named_in_its_table_schema() {
        let target = concurrent_index_target("CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON app.users USING btree (email)");
        assert_eq!(target, Some(QualifiedName::new("app", "users_email_key")));
        let target = concurrent_index_target("create index concurrently if not exists \"Ix\" on only \"T\" (a)");
        assert_eq!(target, Some(QualifiedName::new("public", "Ix")));
        assert!(has_if_not_exists("create index concurrently if not exists \"Ix\" on only \"T\" (a)"));
        assert_eq!(concurrent_index_target("CREATE INDEX users_a ON users (a)"), None);
        assert_eq!(concurrent_index_target("DROP INDEX CONCURRENTLY x"), None);
    }
}
