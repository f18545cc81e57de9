//! Drift: the objects of a live database that differ from what a plan expects, in words.

use std::collections::BTreeMap;

use shiftplan::fingerprint::ColumnShape;

/// How one object differs.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Difference {
    /// Expected, absent from the database.
    Missing,
    /// In the database, not expected.
    Unexpected,
    /// Present in both, with another definition.
    Changed,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ObjectDifference {
    /// `table public.users`, `index ...`, `function public.f(integer)`.
    pub object: String,
    pub difference: Difference,
    /// What differs inside it, where that can be named: `public.t.c: type text, expected integer`
    /// (see [`explain_columns`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<String>,
}

/// The kinds of object introspection reads (`fingerprint::object_fingerprints` keys start with the
/// kind). Other keys are objects the model keeps as opaque SQL (publications, event triggers,
/// casts, ...): a live database cannot be read back into their text, so they are not compared.
const CHECKED_KINDS: &[&str] = &[
    "schema ",
    "extension ",
    "table ",
    "view ",
    "materialized view ",
    "sequence ",
    "enum ",
    "domain ",
    "type ",
    "function ",
];

/// Whether drift detection can check an object (see [`CHECKED_KINDS`]).
pub fn checkable(object: &str) -> bool {
    CHECKED_KINDS.iter().any(|kind| object.starts_with(kind))
}

/// The objects of `expected` drift detection cannot check.
pub fn unchecked(expected: &BTreeMap<String, String>) -> Vec<String> {
    expected.keys().filter(|k| !checkable(k)).cloned().collect()
}

/// The differing objects between what is expected and what is live, in name order (objects
/// drift detection cannot check are left out).
pub fn compare(
    expected: &BTreeMap<String, String>,
    live: &BTreeMap<String, String>,
) -> Vec<ObjectDifference> {
    let mut out = Vec::new();
    for (object, hash) in expected.iter().filter(|(k, _)| checkable(k)) {
        match live.get(object) {
            None => out.push(ObjectDifference {
                object: object.clone(),
                difference: Difference::Missing,
                details: Vec::new(),
            }),
            // A function's definition is kept as written in the plan's schema: only its presence
            // (name and arguments) can be checked against a live database.
            Some(live_hash) if live_hash != hash && !object.starts_with("function ") => {
                out.push(ObjectDifference {
                    object: object.clone(),
                    difference: Difference::Changed,
                    details: Vec::new(),
                })
            }
            Some(_) => {}
        }
    }
    for object in live.keys().filter(|k| checkable(k)) {
        if !expected.contains_key(object) {
            out.push(ObjectDifference {
                object: object.clone(),
                difference: Difference::Unexpected,
                details: Vec::new(),
            });
        }
    }
    out.sort_by(|a, b| a.object.cmp(&b.object));
    out
}

/// The differences as an indented list, each object's details under it:
/// `  - table public.users: defined differently in the database` then
/// `      public.users.age: type text, expected integer`.
pub fn describe(differences: &[ObjectDifference]) -> String {
    differences
        .iter()
        .map(|d| {
            let what = match d.difference {
                Difference::Missing => "expected, but missing from the database",
                Difference::Unexpected => "in the database, but not expected",
                Difference::Changed => "defined differently in the database",
            };
            let mut text = format!("  - {}: {what}", d.object);
            for detail in &d.details {
                text.push_str(&format!("\n      {detail}"));
            }
            text
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Names the columns behind each changed table (`public.t.c: type text, expected integer`), from
/// the column shapes a plan carries (`expected`) and those of the live database. A changed table
/// whose columns all match gets a detail saying so (a constraint, index, trigger or policy differs).
pub fn explain_columns(
    differences: &mut [ObjectDifference],
    expected: &BTreeMap<String, ColumnShape>,
    live: &BTreeMap<String, ColumnShape>,
) {
    if expected.is_empty() {
        // A plan made before plans carried column shapes: nothing to name.
        return;
    }
    for d in differences.iter_mut() {
        let Some(table) = d.object.strip_prefix("table ") else {
            continue;
        };
        if d.difference != Difference::Changed {
            continue;
        }
        let prefix = format!("{table}.");
        let of_table = |m: &BTreeMap<String, ColumnShape>| -> BTreeMap<String, ColumnShape> {
            m.range(prefix.clone()..)
                .take_while(|(k, _)| k.starts_with(&prefix))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        };
        let (want, have) = (of_table(expected), of_table(live));
        let names: std::collections::BTreeSet<&String> = want.keys().chain(have.keys()).collect();
        for column in names {
            let detail = match (want.get(column), have.get(column)) {
                (Some(_), None) => "expected, but missing from the database".to_string(),
                (None, Some(_)) => "in the database, but not expected".to_string(),
                (Some(w), Some(h)) => {
                    let mut parts = Vec::new();
                    if w.data_type != h.data_type {
                        parts.push(format!("type {}, expected {}", h.data_type, w.data_type));
                    }
                    if w.not_null != h.not_null {
                        parts.push(if h.not_null {
                            "NOT NULL, expected nullable".to_string()
                        } else {
                            "nullable, expected NOT NULL".to_string()
                        });
                    }
                    if w.default != h.default {
                        let text = |v: &Option<String>| v.clone().unwrap_or_else(|| "none".into());
                        parts.push(match &h.default {
                            Some(_) => format!(
                                "default {}, expected {}",
                                text(&h.default),
                                text(&w.default)
                            ),
                            None => format!("no default, expected {}", text(&w.default)),
                        });
                    }
                    if parts.is_empty() {
                        continue;
                    }
                    parts.join("; ")
                }
                (None, None) => continue,
            };
            d.details.push(format!("{column}: {detail}"));
        }
        if d.details.is_empty() {
            d.details.push(
                "its columns match: a constraint, index, trigger or policy differs".to_string(),
            );
        }
    }
}

/// The objects that are not in `schema` (the runner's history schema: a dump of a database the
/// runner worked on holds it, a plan's schemas may too; introspection leaves it out).
pub fn without_schema(
    objects: &BTreeMap<String, String>,
    schema: &str,
) -> BTreeMap<String, String> {
    let quoted = shiftplan::model::quote_ident(schema);
    let whole = format!("schema {quoted}");
    let prefix = format!(" {quoted}.");
    objects
        .iter()
        .filter(|(k, _)| **k != whole && !k.contains(&prefix))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Only the objects a plan leaves alone (same fingerprint in `from` and `to`).
pub fn untouched(
    from: &BTreeMap<String, String>,
    to: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    from.iter()
        .filter(|(k, v)| to.get(*k) == Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(data_type: &str, not_null: bool, default: Option<&str>) -> ColumnShape {
        ColumnShape {
            data_type: data_type.into(),
            not_null,
            default: default.map(str::to_string),
        }
    }

    #[test]
    fn column_drift_names_the_column_and_what_differs() {
        let expected: BTreeMap<String, ColumnShape> = [
            ("public.t.a", shape("integer", true, None)),
            ("public.t.b", shape("text", false, Some("'x'::text"))),
            ("public.t.c", shape("text", true, None)),
            ("public.t.gone", shape("text", false, None)),
            ("public.u.a", shape("integer", false, None)),
            ("public.tx.a", shape("integer", false, None)),
        ]
        .map(|(k, v)| (k.to_string(), v))
        .into();
        let live: BTreeMap<String, ColumnShape> = [
            ("public.t.a", shape("text", true, None)),
            ("public.t.b", shape("text", false, None)),
            ("public.t.c", shape("bigint", false, Some("0"))),
            ("public.t.extra", shape("text", false, None)),
            ("public.u.a", shape("integer", false, None)),
            ("public.tx.a", shape("bigint", false, None)),
        ]
        .map(|(k, v)| (k.to_string(), v))
        .into();
        let changed = |object: &str| ObjectDifference {
            object: object.into(),
            difference: Difference::Changed,
            details: Vec::new(),
        };
        let mut d = vec![
            changed("table public.t"),
            changed("table public.u"),
            ObjectDifference {
                difference: Difference::Missing,
                ..changed("table public.tx")
            },
        ];
        explain_columns(&mut d, &expected, &live);
        assert_eq!(
            d[0].details,
            vec![
                "public.t.a: type text, expected integer",
                "public.t.b: no default, expected 'x'::text",
                "public.t.c: type bigint, expected text; nullable, expected NOT NULL; default 0, expected none",
                "public.t.extra: in the database, but not expected",
                "public.t.gone: expected, but missing from the database",
            ]
        );
        assert_eq!(
            d[1].details,
            vec!["its columns match: a constraint, index, trigger or policy differs"]
        );
        assert!(d[2].details.is_empty(), "only changed tables are explained");
        let text = describe(&d[..1]);
        assert!(
            text.starts_with("  - table public.t: defined differently in the database\n      public.t.a: type text, expected integer\n"),
            "{text}"
        );
        // A plan without column shapes (made before they were added): object names only.
        let mut old = vec![changed("table public.t")];
        explain_columns(&mut old, &BTreeMap::new(), &live);
        assert!(old[0].details.is_empty());
    }

    #[test]
    fn differences_are_named_and_sorted() {
        let expected: BTreeMap<String, String> = [
            ("table public.a", "1"),
            ("table public.b", "2"),
            ("enum public.m", "3"),
        ]
        .map(|(k, v)| (k.into(), v.into()))
        .into();
        let live: BTreeMap<String, String> = [
            ("table public.a", "1"),
            ("table public.b", "9"),
            ("table public.c", "4"),
        ]
        .map(|(k, v)| (k.into(), v.into()))
        .into();
        let d = compare(&expected, &live);
        assert_eq!(
            d.iter()
                .map(|d| (d.object.as_str(), d.difference.clone()))
                .collect::<Vec<_>>(),
            vec![
                ("enum public.m", Difference::Missing),
                ("table public.b", Difference::Changed),
                ("table public.c", Difference::Unexpected)
            ]
        );
        let text = describe(&d);
        assert!(
            text.contains("  - table public.b: defined differently in the database"),
            "{text}"
        );
        assert!(compare(&expected, &expected).is_empty());
        let mut with_opaque = expected.clone();
        with_opaque.insert("publication events_pub".into(), "5".into());
        assert!(compare(&with_opaque, &expected).is_empty());
        assert_eq!(
            unchecked(&with_opaque),
            vec!["publication events_pub".to_string()]
        );
        let f =
            |h: &str| BTreeMap::from([("function public.f(integer)".to_string(), h.to_string())]);
        assert!(
            compare(&f("1"), &f("2")).is_empty(),
            "function bodies are not compared"
        );
        assert_eq!(
            compare(&f("1"), &BTreeMap::new())[0].difference,
            Difference::Missing
        );
        let history: BTreeMap<String, String> = [
            ("schema shiftplan", "1"),
            ("table shiftplan.plans", "2"),
            ("table public.a", "3"),
        ]
        .map(|(k, v)| (k.into(), v.into()))
        .into();
        assert_eq!(
            without_schema(&history, "shiftplan")
                .keys()
                .collect::<Vec<_>>(),
            vec!["table public.a"]
        );
    }
}
