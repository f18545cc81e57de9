//! Fingerprints: `sha256:<hex>` of a catalog's canonical JSON, so a runner can tell whether a live
//! database is in the state a plan was made for.

use std::collections::BTreeMap;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::model::Catalog;

/// The fingerprint of a catalog. Equal catalogs (as `==` sees them) give equal fingerprints:
/// columns are hashed in name order, so physical column order does not count.
pub fn fingerprint(catalog: &Catalog) -> String {
    let mut canonical = catalog.clone();
    for table in canonical.tables.values_mut() {
        table.columns.sort_keys();
    }
    for composite in canonical.composite_types.values_mut() {
        composite.attributes.sort_keys();
    }
    canonical
        .opaque
        .sort_by(|a, b| (&a.kind, &a.identity, &a.sql).cmp(&(&b.kind, &b.identity, &b.sql)));
    // Every map in the model is keyed by strings or by names that serialise as strings, so
    // serialising cannot fail; the test below would catch a key that does not.
    let json = serde_json::to_vec(&canonical).expect("catalog serialises to JSON");
    sha256_hex(&json)
}

/// One fingerprint per top-level object, keyed `kind name` (`table public.users`,
/// `enum public.mood`, `function public.f(integer)`): lets a runner name exactly which objects of a
/// live database differ from what a plan expects. A table's fingerprint covers its columns,
/// constraints, indexes, triggers and policies.
pub fn object_fingerprints(catalog: &Catalog) -> BTreeMap<String, String> {
    fn hash<T: Serialize>(value: &T) -> String {
        sha256_hex(&serde_json::to_vec(value).expect("model objects serialise to JSON"))
    }
    let mut out = BTreeMap::new();
    for (name, schema) in &catalog.schemas {
        out.insert(
            format!("schema {}", crate::model::quote_ident(name)),
            hash(schema),
        );
    }
    for (name, extension) in &catalog.extensions {
        out.insert(format!("extension {name}"), hash(extension));
    }
    for (name, table) in &catalog.tables {
        let mut table = table.clone();
        table.columns.sort_keys();
        out.insert(format!("table {name}"), hash(&table));
    }
    for (name, view) in &catalog.views {
        let kind = if view.materialized {
            "materialized view"
        } else {
            "view"
        };
        out.insert(format!("{kind} {name}"), hash(view));
    }
    for (name, sequence) in &catalog.sequences {
        out.insert(format!("sequence {name}"), hash(sequence));
    }
    for (name, enum_type) in &catalog.enums {
        out.insert(format!("enum {name}"), hash(enum_type));
    }
    for (name, domain) in &catalog.domains {
        out.insert(format!("domain {name}"), hash(domain));
    }
    for (name, composite) in &catalog.composite_types {
        let mut composite = composite.clone();
        composite.attributes.sort_keys();
        out.insert(format!("type {name}"), hash(&composite));
    }
    for (id, function) in &catalog.functions {
        out.insert(format!("function {id}"), hash(function));
    }
    for opaque in &catalog.opaque {
        out.insert(format!("{} {}", opaque.kind, opaque.identity), hash(opaque));
    }
    out
}

/// The shape of one table column as drift detection names it: type, nullability and default
/// (canonical text: `format_type` and `pg_get_expr`, as in the model).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(
    feature = "tsify",
    derive(tsify::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
pub struct ColumnShape {
    pub data_type: String,
    pub not_null: bool,
    pub default: Option<String>,
}

/// Every table column's [`ColumnShape`], keyed `schema.table.column` as SQL spells it
/// (`public.users.email`, `public."TaskRun"."friendlyId"`): lets a runner say which column of a
/// table differs, and how, where the table's fingerprint only says that it does.
pub fn column_shapes(catalog: &Catalog) -> BTreeMap<String, ColumnShape> {
    let mut out = BTreeMap::new();
    for (name, table) in &catalog.tables {
        for column in table.columns.values() {
            out.insert(
                format!("{name}.{}", crate::model::quote_ident(&column.name)),
                ColumnShape {
                    data_type: crate::render::format::format_type(&column.data_type),
                    not_null: column.not_null,
                    default: column.default.clone(),
                },
            );
        }
    }
    out
}

/// `sha256:<64 hex digits>` of some bytes (also the checksum of a plan document).
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    for b in digest {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{BaseType, Column, QualifiedName, Table, TypeName};

    fn int() -> TypeName {
        TypeName {
            base: BaseType::Builtin("integer".into()),
            modifiers: vec![],
            array_dimensions: 0,
        }
    }

    #[test]
    fn column_order_does_not_change_the_fingerprint() {
        let mut a = Catalog::default();
        let mut t = Table::new(QualifiedName::public("t"));
        t.columns.insert("a".into(), Column::new("a", int()));
        t.columns.insert("b".into(), Column::new("b", int()));
        a.tables.insert(t.name.clone(), t.clone());
        let mut b = Catalog::default();
        let mut t2 = Table::new(QualifiedName::public("t"));
        t2.columns.insert("b".into(), Column::new("b", int()));
        t2.columns.insert("a".into(), Column::new("a", int()));
        b.tables.insert(t2.name.clone(), t2);
        assert_eq!(a, b);
        assert_eq!(fingerprint(&a), fingerprint(&b));
        let mut c = a.clone();
        c.tables
            .values_mut()
            .next()
            .unwrap()
            .columns
            .get_mut("a")
            .unwrap()
            .not_null = true;
        assert_ne!(fingerprint(&a), fingerprint(&c));
        assert!(fingerprint(&a).starts_with("sha256:"));
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(serde_json::from_str::<Catalog>(&json).unwrap(), a);
    }
}
