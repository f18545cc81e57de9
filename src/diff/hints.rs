//! Hints checked against the two catalogs and indexed for the differ.

use crate::model::SortedMap;

use crate::diagnostic::Diagnostic;
use crate::hints::{Hints, Rename};
use crate::model::{Catalog, ColumnRef, QualifiedName};

/// Hints with every name resolved; tables keyed by their `to` name unless said otherwise.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResolvedHints {
    /// Renamed tables: `from` name → `to` name.
    pub tables: SortedMap<QualifiedName, QualifiedName>,
    /// Renamed tables: `to` name → `from` name.
    pub tables_back: SortedMap<QualifiedName, QualifiedName>,
    /// Renamed columns by `to` table: `to` column → `from` column.
    pub columns: SortedMap<QualifiedName, SortedMap<String, String>>,
    pub backfill: SortedMap<(QualifiedName, String), String>,
    /// (up, down) by `to` table and column.
    pub transforms: SortedMap<(QualifiedName, String), (String, String)>,
    pub enum_values: SortedMap<QualifiedName, Vec<(String, String)>>,
    pub indexes: SortedMap<QualifiedName, QualifiedName>,
    /// Renamed views and materialized views: `from` name → `to` name.
    pub views: SortedMap<QualifiedName, QualifiedName>,
    /// Renamed enum types: `from` name → `to` name.
    pub enums: SortedMap<QualifiedName, QualifiedName>,
}

impl ResolvedHints {
    /// A column of the `from` schema under its `to` names.
    pub fn renamed_column_ref(&self, c: &ColumnRef) -> ColumnRef {
        let table = self
            .tables
            .get(&c.table)
            .cloned()
            .unwrap_or_else(|| c.table.clone());
        let column = self
            .columns
            .get(&table)
            .and_then(|m| {
                m.iter()
                    .find(|(_, from)| **from == c.column)
                    .map(|(to, _)| to.clone())
            })
            .unwrap_or_else(|| c.column.clone());
        ColumnRef { table, column }
    }

    /// The `to` name of a `from` table.
    pub fn table_to(&self, from: &QualifiedName) -> QualifiedName {
        self.tables
            .get(from)
            .cloned()
            .unwrap_or_else(|| from.clone())
    }
}

/// An error about the hint at `at` (`renames[0]`, `backfill[2]`): the message starts with it, so
/// a caller holding the hints' JSON text can point at the line and column ([`locate`]).
fn error(at: &str, message: String) -> Diagnostic {
    let mut d = Diagnostic::error("hint-names-absent-object", format!("{at}: {message}"));
    d.file = Some("hints".into());
    d
}

fn name(text: &str, at: &str, errors: &mut Vec<Diagnostic>) -> Option<QualifiedName> {
    match QualifiedName::parse(text) {
        Ok(n) => Some(n),
        Err(e) => {
            let mut d = Diagnostic::error("hint-bad-name", format!("{at}: {e}"));
            d.file = Some("hints".into());
            errors.push(d);
            None
        }
    }
}

/// Checks every hint against the schemas: each names objects that exist where it says.
pub fn resolve(
    from: &Catalog,
    to: &Catalog,
    hints: &Hints,
) -> Result<ResolvedHints, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let mut out = ResolvedHints::default();
    for (i, r) in hints.renames.iter().enumerate() {
        if let Rename::Table { from: f, to: t } = r {
            let (Some(f), Some(t)) = (
                name(f, &format!("renames[{i}]"), &mut errors),
                name(t, &format!("renames[{i}]"), &mut errors),
            ) else {
                continue;
            };
            if !from.tables.contains_key(&f) {
                errors.push(error(
                    &format!("renames[{i}]"),
                    format!("rename hint: table {f} is not in the `from` schema"),
                ));
            } else if !to.tables.contains_key(&t) {
                errors.push(error(
                    &format!("renames[{i}]"),
                    format!("rename hint: table {t} is not in the `to` schema"),
                ));
            } else if to.tables.contains_key(&f) {
                errors.push(error(
                    &format!("renames[{i}]"),
                    format!(
                        "rename hint: table {f} is still in the `to` schema, so it is not renamed"
                    ),
                ));
            } else {
                out.tables.insert(f.clone(), t.clone());
                out.tables_back.insert(t, f);
            }
        }
    }
    // Resolves a table named in a hint: its `to` name, accepting the `from` name of a renamed one.
    let to_table = |n: &QualifiedName, out: &ResolvedHints| -> Option<QualifiedName> {
        if to.tables.contains_key(n) {
            Some(n.clone())
        } else {
            out.tables.get(n).cloned()
        }
    };
    for (i, r) in hints.renames.iter().enumerate() {
        match r {
            Rename::Table { .. } => {}
            Rename::Column {
                table,
                from: fc,
                to: tc,
            } => {
                let Some(t) = name(table, &format!("renames[{i}]"), &mut errors) else {
                    continue;
                };
                let Some(tt) = to_table(&t, &out) else {
                    errors.push(error(
                        &format!("renames[{i}]"),
                        format!("rename hint: table {t} is not in the `to` schema"),
                    ));
                    continue;
                };
                let ft = out
                    .tables_back
                    .get(&tt)
                    .cloned()
                    .unwrap_or_else(|| tt.clone());
                let from_has = from
                    .tables
                    .get(&ft)
                    .is_some_and(|x| x.columns.contains_key(fc));
                let to_has = to
                    .tables
                    .get(&tt)
                    .is_some_and(|x| x.columns.contains_key(tc));
                let still = to
                    .tables
                    .get(&tt)
                    .is_some_and(|x| x.columns.contains_key(fc));
                if !from_has {
                    errors.push(error(
                        &format!("renames[{i}]"),
                        format!(
                            "rename hint: column {fc} is not in table {ft} of the `from` schema"
                        ),
                    ));
                } else if !to_has {
                    errors.push(error(
                        &format!("renames[{i}]"),
                        format!("rename hint: column {tc} is not in table {tt} of the `to` schema"),
                    ));
                } else if still {
                    errors.push(error(
                        &format!("renames[{i}]"),
                        format!(
                            "rename hint: column {fc} is still in table {tt} of the `to` schema"
                        ),
                    ));
                } else {
                    out.columns
                        .entry(tt)
                        .or_default()
                        .insert(tc.clone(), fc.clone());
                }
            }
            Rename::EnumValue {
                type_name,
                from: fv,
                to: tv,
            } => {
                let Some(n) = name(type_name, &format!("renames[{i}]"), &mut errors) else {
                    continue;
                };
                let ok_from = from.enums.get(&n).is_some_and(|e| e.labels.contains(fv));
                let ok_to = to.enums.get(&n).is_some_and(|e| e.labels.contains(tv));
                if !ok_from || !ok_to {
                    errors.push(error(
                        &format!("renames[{i}]"),
                        format!(
                            "rename hint: enum {n} has no value {fv} before or no value {tv} after"
                        ),
                    ));
                } else {
                    out.enum_values
                        .entry(n)
                        .or_default()
                        .push((fv.clone(), tv.clone()));
                }
            }
            Rename::Index { from: f, to: t } => {
                let (Some(f), Some(t)) = (
                    name(f, &format!("renames[{i}]"), &mut errors),
                    name(t, &format!("renames[{i}]"), &mut errors),
                ) else {
                    continue;
                };
                let has = |c: &Catalog, n: &QualifiedName| {
                    c.tables
                        .values()
                        .any(|x| x.name.schema == n.schema && x.indexes.contains_key(&n.name))
                };
                if !has(from, &f) || !has(to, &t) {
                    errors.push(error(
                        &format!("renames[{i}]"),
                        format!(
                            "rename hint: index {f} is not in `from` or index {t} is not in `to`"
                        ),
                    ));
                } else {
                    out.indexes.insert(f, t);
                }
            }
            Rename::View { from: f, to: t } => {
                let at = format!("renames[{i}]");
                let (Some(f), Some(t)) = (name(f, &at, &mut errors), name(t, &at, &mut errors))
                else {
                    continue;
                };
                if !from.views.contains_key(&f) {
                    errors.push(error(
                        &at,
                        format!("rename hint: view {f} is not in the `from` schema"),
                    ));
                } else if !to.views.contains_key(&t) {
                    errors.push(error(
                        &at,
                        format!("rename hint: view {t} is not in the `to` schema"),
                    ));
                } else if to.views.contains_key(&f) || from.views.contains_key(&t) {
                    errors.push(error(
                        &at,
                        format!("rename hint: view {f} is still in the `to` schema or view {t} is already in the `from` schema, so it is not renamed"),
                    ));
                } else if from.views.get(&f).map(|v| v.materialized)
                    != to.views.get(&t).map(|v| v.materialized)
                {
                    errors.push(error(
                        &at,
                        format!(
                            "rename hint: {f} and {t} are not both views or both materialized views"
                        ),
                    ));
                } else {
                    out.views.insert(f, t);
                }
            }
            Rename::Enum { from: f, to: t } => {
                let at = format!("renames[{i}]");
                let (Some(f), Some(t)) = (name(f, &at, &mut errors), name(t, &at, &mut errors))
                else {
                    continue;
                };
                if !from.enums.contains_key(&f) {
                    errors.push(error(
                        &at,
                        format!("rename hint: enum {f} is not in the `from` schema"),
                    ));
                } else if !to.enums.contains_key(&t) {
                    errors.push(error(
                        &at,
                        format!("rename hint: enum {t} is not in the `to` schema"),
                    ));
                } else if to.enums.contains_key(&f) || from.enums.contains_key(&t) {
                    errors.push(error(
                        &at,
                        format!("rename hint: enum {f} is still in the `to` schema or enum {t} is already in the `from` schema, so it is not renamed"),
                    ));
                } else if let Some(user) = enum_rename_blocker(from, &f) {
                    errors.push(error(
                        &at,
                        format!("rename hint for enum {f}: {user} names the type in its definition; PostgreSQL renames the type under it but the plan would drop and create it by its old text, so this rename is not planned: drop and create the type instead, or rename it in a migration of its own"),
                    ));
                } else {
                    out.enums.insert(f, t);
                }
            }
        }
    }
    for (i, b) in hints.backfill.iter().enumerate() {
        let Some(t) = name(&b.table, &format!("backfill[{i}]"), &mut errors) else {
            continue;
        };
        match to_table(&t, &out) {
            Some(tt)
                if to
                    .tables
                    .get(&tt)
                    .is_some_and(|x| x.columns.contains_key(&b.column)) =>
            {
                out.backfill
                    .insert((tt, b.column.clone()), b.expression.clone());
            }
            _ => errors.push(error(
                &format!("backfill[{i}]"),
                format!(
                    "backfill hint: column {t}.{} is not in the `to` schema",
                    b.column
                ),
            )),
        }
    }
    for (i, x) in hints.transforms.iter().enumerate() {
        let Some(t) = name(&x.table, &format!("transforms[{i}]"), &mut errors) else {
            continue;
        };
        match to_table(&t, &out) {
            Some(tt)
                if to
                    .tables
                    .get(&tt)
                    .is_some_and(|y| y.columns.contains_key(&x.column)) =>
            {
                out.transforms
                    .insert((tt, x.column.clone()), (x.up.clone(), x.down.clone()));
            }
            _ => errors.push(error(
                &format!("transforms[{i}]"),
                format!(
                    "transform hint: column {t}.{} is not in the `to` schema",
                    x.column
                ),
            )),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// An object of `catalog` whose definition names the enum `name` (a function's signature or body,
/// a view, a CHECK, an index expression, a domain or composite type), which a rename of the enum
/// cannot carry over: None when only columns and their defaults use it.
fn enum_rename_blocker(catalog: &Catalog, name: &QualifiedName) -> Option<String> {
    let spelled = [name.to_string(), crate::model::quote_ident(&name.name)];
    // Expressions name a type in casts (`'x'::mood`, `NULL::public.mood[]`); a column of the
    // same name is no obstacle.
    let names = |text: &str| {
        spelled.iter().any(|s| {
            text.match_indices(&format!("::{s}")).any(|(at, m)| {
                text[at + m.len()..]
                    .chars()
                    .next()
                    .is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == '$'))
            })
        })
    };
    let signature = |text: &str| spelled.iter().any(|s| super::mentions(text, s));
    for (id, f) in &catalog.functions {
        if signature(&id.to_string()) || signature(&f.returns) {
            return Some(format!("function {id}"));
        }
    }
    for (n, v) in &catalog.views {
        if names(&v.definition) {
            return Some(format!("view {n}"));
        }
    }
    for t in catalog.tables.values() {
        for c in t.constraints.values() {
            if names(&crate::render::format::constraint_def(c)) {
                return Some(format!("constraint {} of {}", c.name, t.name));
            }
        }
        for i in t.indexes.values() {
            if names(&crate::render::alter::create_index(
                &t.name, i, &i.name, false,
            )) {
                return Some(format!("index {}", i.name));
            }
        }
    }
    let user = crate::model::BaseType::User(name.clone());
    for (n, d) in &catalog.domains {
        if d.data_type.base == user {
            return Some(format!("domain {n}"));
        }
    }
    for (n, c) in &catalog.composite_types {
        if c.attributes.values().any(|a| a.base == user) {
            return Some(format!("type {n}"));
        }
    }
    None
}

/// Where the hint `at` (`renames[0]`, as error messages start) begins in the hints' JSON text.
pub fn locate(json: &str, at: &str) -> Option<crate::diagnostic::Position> {
    let (section, rest) = at.split_once('[')?;
    let index: usize = rest.strip_suffix(']')?.parse().ok()?;
    let bytes = json.as_bytes();
    let (mut depth, mut i, mut in_string, mut string_start) = (0usize, 0usize, false, 0usize);
    let mut last_string: Option<&str> = None;
    let mut in_section = false;
    let mut count = 0usize;
    while let Some(&c) = bytes.get(i) {
        if in_string {
            if c == b'\\' {
                i += 2;
                continue;
            }
            if c == b'"' {
                in_string = false;
                last_string = json.get(string_start..i);
            }
            i += 1;
            continue;
        }
        match c {
            b'"' => {
                in_string = true;
                string_start = i + 1;
            }
            b'{' | b'[' => {
                if in_section && depth == 2 {
                    if count == index {
                        return Some(crate::diagnostic::Position::of_offset(json, i));
                    }
                    count += 1;
                }
                if c == b'[' && depth == 1 && last_string == Some(section) {
                    in_section = true;
                }
                depth += 1;
            }
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                if in_section && depth == 1 {
                    return None;
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_are_located_in_their_json_text() {
        let text = "{\n  \"renames\": [\n    {\"kind\": \"table\", \"from\": \"a[\\\"\", \"to\": \"b\"},\n    {\"kind\": \"table\"}\n  ],\n  \"backfill\": [{\"table\": \"t\"}]\n}";
        let p = locate(text, "renames[1]").unwrap();
        assert_eq!((p.line, p.column), (4, 5));
        let p = locate(text, "backfill[0]").unwrap();
        assert_eq!((p.line, p.column), (6, 16));
        assert!(locate(text, "renames[2]").is_none());
        assert!(locate(text, "transforms[0]").is_none());
    }
}
