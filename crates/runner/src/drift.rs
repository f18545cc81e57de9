//! Drift: the objects of a live database that differ from what a plan expects, in words.

use std::collections::BTreeMap;

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
            }),
            // A function's definition is kept as written in the plan's schema: only its presence
            // (name and arguments) can be checked against a live database.
            Some(live_hash) if live_hash != hash && !object.starts_with("function ") => {
                out.push(ObjectDifference {
                    object: object.clone(),
                    difference: Difference::Changed,
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
            });
        }
    }
    out.sort_by(|a, b| a.object.cmp(&b.object));
    out
}

/// The differences as an indented list: `  - table public.users: differs`.
pub fn describe(differences: &[ObjectDifference]) -> String {
    differences
        .iter()
        .map(|d| {
            let what = match d.difference {
                Difference::Missing => "expected, but missing from the database",
                Difference::Unexpected => "in the database, but not expected",
                Difference::Changed => "defined differently in the database",
            };
            format!("  - {}: {what}", d.object)
        })
        .collect::<Vec<_>>()
        .join("\n")
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
