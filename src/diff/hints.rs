//! Hints checked against the two catalogs and indexed for the differ.

use std::collections::BTreeMap;

use crate::diagnostic::Diagnostic;
use crate::hints::{Hints, Rename};
use crate::model::{Catalog, ColumnRef, QualifiedName};

/// Hints with every name resolved; tables keyed by their `to` name unless said otherwise.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResolvedHints {
    /// Renamed tables: `from` name → `to` name.
    pub tables: BTreeMap<QualifiedName, QualifiedName>,
    /// Renamed tables: `to` name → `from` name.
    pub tables_back: BTreeMap<QualifiedName, QualifiedName>,
    /// Renamed columns by `to` table: `to` column → `from` column.
    pub columns: BTreeMap<QualifiedName, BTreeMap<String, String>>,
    pub backfill: BTreeMap<(QualifiedName, String), String>,
    /// (up, down) by `to` table and column.
    pub transforms: BTreeMap<(QualifiedName, String), (String, String)>,
    pub enum_values: BTreeMap<QualifiedName, Vec<(String, String)>>,
    pub indexes: BTreeMap<QualifiedName, QualifiedName>,
}

impl ResolvedHints {
    /// A column of the `from` schema under its `to` names.
    pub fn renamed_column_ref(&self, c: &ColumnRef) -> ColumnRef {
        let table = self.tables.get(&c.table).cloned().unwrap_or_else(|| c.table.clone());
        let column = self
            .columns
            .get(&table)
            .and_then(|m| m.iter().find(|(_, from)| **from == c.column).map(|(to, _)| to.clone()))
            .unwrap_or_else(|| c.column.clone());
        ColumnRef { table, column }
    }

    /// The `to` name of a `from` table.
    pub fn table_to(&self, from: &QualifiedName) -> QualifiedName {
        self.tables.get(from).cloned().unwrap_or_else(|| from.clone())
    }
}

fn error(message: String) -> Diagnostic {
    let mut d = Diagnostic::error("hint-names-absent-object", message);
    d.file = Some("hints".into());
    d
}

fn name(text: &str, errors: &mut Vec<Diagnostic>) -> Option<QualifiedName> {
    match QualifiedName::parse(text) {
        Ok(n) => Some(n),
        Err(e) => {
            let mut d = Diagnostic::error("hint-bad-name", format!("hint: {e}"));
            d.file = Some("hints".into());
            errors.push(d);
            None
        }
    }
}

/// Checks every hint against the schemas: each names objects that exist where it says.
pub fn resolve(from: &Catalog, to: &Catalog, hints: &Hints) -> Result<ResolvedHints, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let mut out = ResolvedHints::default();
    for r in &hints.renames {
        if let Rename::Table { from: f, to: t } = r {
            let (Some(f), Some(t)) = (name(f, &mut errors), name(t, &mut errors)) else { continue };
            if !from.tables.contains_key(&f) {
                errors.push(error(format!("rename hint: table {f} is not in the `from` schema")));
            } else if !to.tables.contains_key(&t) {
                errors.push(error(format!("rename hint: table {t} is not in the `to` schema")));
            } else if to.tables.contains_key(&f) {
                errors.push(error(format!("rename hint: table {f} is still in the `to` schema, so it is not renamed")));
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
    for r in &hints.renames {
        match r {
            Rename::Table { .. } => {}
            Rename::Column { table, from: fc, to: tc } => {
                let Some(t) = name(table, &mut errors) else { continue };
                let Some(tt) = to_table(&t, &out) else {
                    errors.push(error(format!("rename hint: table {t} is not in the `to` schema")));
                    continue;
                };
                let ft = out.tables_back.get(&tt).cloned().unwrap_or_else(|| tt.clone());
                let from_has = from.tables.get(&ft).is_some_and(|x| x.columns.contains_key(fc));
                let to_has = to.tables.get(&tt).is_some_and(|x| x.columns.contains_key(tc));
                let still = to.tables.get(&tt).is_some_and(|x| x.columns.contains_key(fc));
                if !from_has {
                    errors.push(error(format!("rename hint: column {fc} is not in table {ft} of the `from` schema")));
                } else if !to_has {
                    errors.push(error(format!("rename hint: column {tc} is not in table {tt} of the `to` schema")));
                } else if still {
                    errors.push(error(format!("rename hint: column {fc} is still in table {tt} of the `to` schema")));
                } else {
                    out.columns.entry(tt).or_default().insert(tc.clone(), fc.clone());
                }
            }
            Rename::EnumValue { type_name, from: fv, to: tv } => {
                let Some(n) = name(type_name, &mut errors) else { continue };
                let ok_from = from.enums.get(&n).is_some_and(|e| e.labels.contains(fv));
                let ok_to = to.enums.get(&n).is_some_and(|e| e.labels.contains(tv));
                if !ok_from || !ok_to {
                    errors.push(error(format!("rename hint: enum {n} has no value {fv} before or no value {tv} after")));
                } else {
                    out.enum_values.entry(n).or_default().push((fv.clone(), tv.clone()));
                }
            }
            Rename::Index { from: f, to: t } => {
                let (Some(f), Some(t)) = (name(f, &mut errors), name(t, &mut errors)) else { continue };
                let has = |c: &Catalog, n: &QualifiedName| {
                    c.tables.values().any(|x| x.name.schema == n.schema && x.indexes.contains_key(&n.name))
                };
                if !has(from, &f) || !has(to, &t) {
                    errors.push(error(format!("rename hint: index {f} is not in `from` or index {t} is not in `to`")));
                } else {
                    out.indexes.insert(f, t);
                }
            }
            Rename::Enum { from: f, .. } | Rename::View { from: f, .. } => {
                errors.push(error(format!(
                    "rename hint for {f}: renames of enums and views are not supported; drop and create them instead"
                )));
            }
        }
    }
    for b in &hints.backfill {
        let Some(t) = name(&b.table, &mut errors) else { continue };
        match to_table(&t, &out) {
            Some(tt) if to.tables.get(&tt).is_some_and(|x| x.columns.contains_key(&b.column)) => {
                out.backfill.insert((tt, b.column.clone()), b.expression.clone());
            }
            _ => errors.push(error(format!("backfill hint: column {t}.{} is not in the `to` schema", b.column))),
        }
    }
    for x in &hints.transforms {
        let Some(t) = name(&x.table, &mut errors) else { continue };
        match to_table(&t, &out) {
            Some(tt) if to.tables.get(&tt).is_some_and(|y| y.columns.contains_key(&x.column)) => {
                out.transforms.insert((tt, x.column.clone()), (x.up.clone(), x.down.clone()));
            }
            _ => errors.push(error(format!("transform hint: column {t}.{} is not in the `to` schema", x.column))),
        }
    }
    if errors.is_empty() { Ok(out) } else { Err(errors) }
}
