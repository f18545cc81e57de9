//! The names PostgreSQL gives unnamed constraints, indexes and sequences (makeObjectName,
//! ChooseRelationName, ChooseConstraintName in src/backend/commands/indexcmds.c and
//! catalog/pg_constraint.c): `t_pkey`, `t_a_b_key`, `t_a_fkey`, `t_a_check`, `t_a_idx`,
//! `t_id_seq`, truncated to 63 bytes and de-duplicated with a number after the label.

use crate::model::name::MAX_IDENTIFIER_BYTES;

fn clip(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut cut = max;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    &s[..cut]
}

/// makeObjectName(name1, name2, label): `name1_name2_label`, shortening the longer of name1/name2
/// until it fits in 63 bytes.
pub fn make_object_name(name1: &str, name2: Option<&str>, label: &str) -> String {
    let mut n1 = name1.len();
    let mut n2 = name2.map_or(0, |s| s.len());
    let mut overhead = 0;
    if name2.is_some() {
        overhead += 1;
    }
    if !label.is_empty() {
        overhead += label.len() + 1;
    }
    let avail = MAX_IDENTIFIER_BYTES.saturating_sub(overhead);
    while n1 + n2 > avail {
        if n1 > n2 {
            n1 -= 1;
        } else {
            n2 -= 1;
        }
    }
    let mut out = clip(name1, n1).to_string();
    if let Some(n) = name2 {
        out.push('_');
        out.push_str(clip(n, n2));
    }
    if !label.is_empty() {
        out.push('_');
        out.push_str(label);
    }
    out
}

/// ChooseRelationName / ChooseConstraintName: the first of `name1_name2_label`,
/// `name1_name2_label1`, `..._label2`, ... for which `taken` is false.
pub fn choose_name(
    name1: &str,
    name2: Option<&str>,
    label: &str,
    taken: impl Fn(&str) -> bool,
) -> String {
    let mut candidate = make_object_name(name1, name2, label);
    let mut pass = 0u32;
    while taken(&candidate) && pass < 100_000 {
        pass += 1;
        candidate = make_object_name(name1, name2, &format!("{label}{pass}"));
    }
    candidate
}

/// ChooseIndexColumnNames joined with `_` (expressions are `expr`, `expr1`, ...), limited as
/// PostgreSQL limits the buffer (NAMEDATALEN).
pub fn index_column_names(columns: &[Option<String>]) -> String {
    let mut names: Vec<String> = Vec::new();
    for c in columns {
        let base = c.clone().unwrap_or_else(|| "expr".to_string());
        let mut name = base.clone();
        let mut i = 0;
        while names.contains(&name) {
            i += 1;
            name = format!("{base}{i}");
        }
        names.push(name);
    }
    join_limited(&names)
}

/// Column names joined with `_`, stopping once the buffer would exceed NAMEDATALEN (as
/// ChooseIndexNameAddition and ChooseForeignKeyConstraintNameAddition do).
pub fn join_limited(names: &[String]) -> String {
    let mut buf = String::new();
    for n in names {
        if !buf.is_empty() {
            buf.push('_');
        }
        buf.push_str(n);
        if buf.len() >= MAX_IDENTIFIER_BYTES {
            break;
        }
    }
    buf
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names() {
        assert_eq!(make_object_name("users", None, "pkey"), "users_pkey");
        assert_eq!(
            make_object_name("users", Some("email"), "key"),
            "users_email_key"
        );
    }

    #[test]
    fn long_names_are_truncated_from_the_longer_part() {
        let t = "a".repeat(40);
        let c = "b".repeat(40);
        let n = make_object_name(&t, Some(&c), "fkey");
        assert_eq!(n.len(), 63);
        assert_eq!(n, format!("{}_{}_fkey", "a".repeat(29), "b".repeat(28)));
    }

    #[test]
    fn duplicates_get_numbers() {
        let taken = ["t_a_key".to_string(), "t_a_key1".to_string()];
        assert_eq!(
            choose_name("t", Some("a"), "key", |n| taken.iter().any(|t| t == n)),
            "t_a_key2"
        );
    }

    #[test]
    fn expression_columns() {
        assert_eq!(
            index_column_names(&[None, Some("a".into()), None]),
            "expr_a_expr1"
        );
    }
}
