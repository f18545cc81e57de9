//! Fingerprints: `sha256:<hex>` of a catalog, so a runner can tell whether a live database is in
//! the state a plan was made for, and of each object in it, so it can name the objects that differ.
//!
//! Each object's fingerprint is the SHA-256 of its canonical JSON (serde_json's compact text of
//! the object, columns in name order). The catalog's is the SHA-256 of its *summary*: the
//! catalog's canonical JSON with each object replaced by its fingerprint, and the opaque
//! statements (sorted) by the fingerprint of their list. Every byte of the catalog is thus hashed
//! once, not twice (SHA-256 has no hardware instructions in WebAssembly, where hashing both
//! catalogs twice was a tenth of plan()'s time), and equal catalogs still give equal fingerprints.

use std::collections::BTreeMap;

use serde::Serialize;
use sha2::{Digest, Sha256};

use indexmap::IndexMap;

use crate::model::{
    Catalog, Column, CompositeType, Constraint, Index, OpaqueObject, PartitionOf, Policy,
    QualifiedName, Table, Trigger, TypeName,
};

/// The fingerprint of a catalog. Equal catalogs (as `==` sees them) give equal fingerprints:
/// columns are hashed in name order, so physical column order does not count.
pub fn fingerprint(catalog: &Catalog) -> String {
    fingerprints(catalog).0
}

/// One fingerprint per top-level object, keyed `kind name` (`table public.users`,
/// `enum public.mood`, `function public.f(integer)`): lets a runner name exactly which objects of a
/// live database differ from what a plan expects. A table's fingerprint covers its columns,
/// constraints, indexes, triggers and policies.
pub fn object_fingerprints(catalog: &Catalog) -> BTreeMap<String, String> {
    fingerprints(catalog).1
}

/// [`fingerprint`] and [`object_fingerprints`] of one catalog at the cost of one: each object's
/// JSON is written and hashed once; the catalog's summary holds its fingerprint.
pub fn fingerprints(catalog: &Catalog) -> (String, BTreeMap<String, String>) {
    let (summary, objects) = summary_json(catalog);
    (sha256_hex(&summary), objects)
}

/// The catalog as it is hashed: columns and composite attributes in name order, opaque objects
/// sorted.
#[cfg(test)]
fn canonical(catalog: &Catalog) -> Catalog {
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
    canonical
}

/// serde_json's compact JSON of a model value. Every map in the model is keyed by strings or by
/// names that serialise as strings, so serialising cannot fail (the tests below would catch a key
/// that does not).
fn serde_json_of<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
    let mut json = Vec::new();
    write_json(&mut json, value);
    json
}

fn write_json<T: Serialize + ?Sized>(json: &mut Vec<u8>, value: &T) {
    crate::json::write_compact(json, value).expect("model objects serialise to JSON");
}

/// The catalog's summary (its canonical JSON, each object's value replaced by the object's
/// fingerprint, the opaque list by the fingerprint of its JSON), and the object fingerprints.
/// Each object's JSON is byte for byte what `serde_json` writes for it in [`canonical`] (a test
/// checks that), written from views of the catalog in canonical order ([`CanonicalTable`],
/// [`SortedEntries`]), not from a sorted copy: copying both catalogs was a tenth of plan()'s time
/// in WebAssembly.
fn summary_json(catalog: &Catalog) -> (Vec<u8>, BTreeMap<String, String>) {
    // Destructured so that a field added to the catalog does not compile until it is written here,
    // in declaration order (serde's).
    let Catalog {
        schemas,
        extensions,
        tables,
        views,
        sequences,
        enums,
        domains,
        composite_types,
        functions,
        opaque,
        // Where objects were written in the source files: never serialised nor fingerprinted.
        sources: _,
    } = catalog;
    let mut out = CatalogJson {
        json: Vec::new(),
        piece: Vec::new(),
        objects: BTreeMap::new(),
    };
    out.json.push(b'{');
    out.map(
        "schemas",
        schemas,
        |value| value,
        |name, _| format!("schema {}", crate::model::quote_ident(name)),
    );
    out.map(
        "extensions",
        extensions,
        |value| value,
        |name, _| format!("extension {name}"),
    );
    out.map("tables", tables, CanonicalTable::of, |name, _| {
        format!("table {name}")
    });
    out.map(
        "views",
        views,
        |value| value,
        |name, view| {
            let kind = if view.materialized {
                "materialized view"
            } else {
                "view"
            };
            format!("{kind} {name}")
        },
    );
    out.map(
        "sequences",
        sequences,
        |value| value,
        |name, _| format!("sequence {name}"),
    );
    out.map(
        "enums",
        enums,
        |value| value,
        |name, _| format!("enum {name}"),
    );
    out.map(
        "domains",
        domains,
        |value| value,
        |name, _| format!("domain {name}"),
    );
    out.map(
        "composite_types",
        composite_types,
        CanonicalComposite::of,
        |name, _| format!("type {name}"),
    );
    out.map(
        "functions",
        functions,
        |value| value,
        |id, _| format!("function {id}"),
    );
    out.key("opaque");
    let mut sorted: Vec<&OpaqueObject> = opaque.iter().collect();
    sorted.sort_by(|a, b| (&a.kind, &a.identity, &a.sql).cmp(&(&b.kind, &b.identity, &b.sql)));
    let list = sha256_hex(&serde_json_of(&sorted));
    write_json(&mut out.json, &list);
    out.json.push(b'}');
    // Opaque objects in the catalog's own order: of two with one key, the later one's counts.
    for object in opaque {
        out.objects.insert(
            format!("{} {}", object.kind, object.identity),
            sha256_hex(&serde_json_of(object)),
        );
    }
    (out.json, out.objects)
}

/// A table as [`canonical`] has it (columns in name order), serialising as the derived
/// `Serialize` of [`Table`] does: same fields, same order.
#[derive(Serialize)]
struct CanonicalTable<'a> {
    name: &'a QualifiedName,
    columns: SortedEntries<'a, Column>,
    constraints: &'a crate::model::SortedMap<String, Constraint>,
    indexes: &'a crate::model::SortedMap<String, Index>,
    triggers: &'a crate::model::SortedMap<String, Trigger>,
    policies: &'a crate::model::SortedMap<String, Policy>,
    unlogged: bool,
    partition_by: &'a Option<String>,
    partition_of: &'a Option<PartitionOf>,
    inherits: &'a [QualifiedName],
    row_level_security: bool,
    force_row_level_security: bool,
    options: &'a [String],
    replica_identity: &'a Option<String>,
    comment: &'a Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tablespace: &'a Option<String>,
}

impl<'a> CanonicalTable<'a> {
    fn of(table: &'a Table) -> Self {
        // Destructured so that a field added to the table does not compile until it is here.
        let Table {
            name,
            columns,
            constraints,
            indexes,
            triggers,
            policies,
            unlogged,
            partition_by,
            partition_of,
            inherits,
            row_level_security,
            force_row_level_security,
            options,
            replica_identity,
            comment,
            tablespace,
        } = table;
        CanonicalTable {
            name,
            columns: SortedEntries::of(columns),
            constraints,
            indexes,
            triggers,
            policies,
            unlogged: *unlogged,
            partition_by,
            partition_of,
            inherits,
            row_level_security: *row_level_security,
            force_row_level_security: *force_row_level_security,
            options,
            replica_identity,
            comment,
            tablespace,
        }
    }
}

/// A composite type as [`canonical`] has it (attributes in name order).
#[derive(Serialize)]
struct CanonicalComposite<'a> {
    name: &'a QualifiedName,
    attributes: SortedEntries<'a, TypeName>,
    comment: &'a Option<String>,
}

impl<'a> CanonicalComposite<'a> {
    fn of(composite: &'a CompositeType) -> Self {
        let CompositeType {
            name,
            attributes,
            comment,
        } = composite;
        CanonicalComposite {
            name,
            attributes: SortedEntries::of(attributes),
            comment,
        }
    }
}

/// An `IndexMap`'s entries in key order (what `IndexMap::sort_keys` leaves), serialising as
/// the map does.
struct SortedEntries<'a, V>(Vec<(&'a String, &'a V)>);

impl<'a, V> SortedEntries<'a, V> {
    fn of(map: &'a IndexMap<String, V>) -> Self {
        let mut entries: Vec<(&String, &V)> = map.iter().collect();
        entries.sort_by(|a, b| a.0.cmp(b.0));
        SortedEntries(entries)
    }
}

impl<V: Serialize> Serialize for SortedEntries<'_, V> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().copied())
    }
}

struct CatalogJson {
    /// The summary written so far.
    json: Vec<u8>,
    /// The JSON of the object being hashed (one buffer for all of them).
    piece: Vec<u8>,
    objects: BTreeMap<String, String>,
}

impl CatalogJson {
    /// `"field":` (after a comma unless it is the first field).
    fn key(&mut self, field: &str) {
        if self.json.len() > 1 {
            self.json.push(b',');
        }
        write_json(&mut self.json, field);
        self.json.push(b':');
    }

    /// `"field":{"key":"<fingerprint of view(value)>",...}`, each fingerprint also recorded
    /// under `object_key`.
    fn map<'a, K: Serialize, V: 'a, W: Serialize>(
        &mut self,
        field: &str,
        map: &'a crate::model::SortedMap<K, V>,
        view: impl Fn(&'a V) -> W,
        object_key: impl Fn(&K, &V) -> String,
    ) {
        self.key(field);
        self.json.push(b'{');
        for (i, (key, value)) in map.iter().enumerate() {
            if i > 0 {
                self.json.push(b',');
            }
            write_json(&mut self.json, key);
            self.json.push(b':');
            self.piece.clear();
            write_json(&mut self.piece, &view(value));
            let hash = sha256_hex(&self.piece);
            write_json(&mut self.json, &hash);
            self.objects.insert(object_key(key, value), hash);
        }
        self.json.push(b'}');
    }
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
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    for b in digest {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0xf)]));
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

    #[test]
    fn fingerprints_agree_with_the_separate_functions() {
        let mut catalog = Catalog::default();
        let mut t = Table::new(QualifiedName::public("t"));
        t.columns.insert("b".into(), Column::new("b", int()));
        t.columns.insert("a".into(), Column::new("a", int()));
        catalog.tables.insert(t.name.clone(), t);
        let (whole, objects) = fingerprints(&catalog);
        assert_eq!(whole, fingerprint(&catalog));
        assert_eq!(objects, object_fingerprints(&catalog));
        assert_eq!(objects.len(), 1);
        assert_ne!(objects["table public.t"], whole);
    }

    /// Each object's fingerprint is that of its serde_json text in the canonical catalog, and the
    /// summary is the canonical catalog's serde_json text with those fingerprints in place, on a schema with every kind of object (and two opaque statements).
    #[test]
    fn the_summary_is_the_canonical_catalog_with_objects_hashed() {
        let sql = "
            CREATE SCHEMA app;
            CREATE EXTENSION IF NOT EXISTS citext;
            CREATE TYPE mood AS ENUM ('sad', 'happy');
            CREATE DOMAIN posint AS integer CHECK (VALUE > 0);
            CREATE TYPE pair AS (y integer, x text);
            CREATE SEQUENCE app.counter;
            CREATE TABLE app.users (z text, id bigint PRIMARY KEY, \"Mixed\" mood NOT NULL);
            CREATE INDEX users_z ON app.users (z);
            CREATE VIEW app.names AS SELECT z FROM app.users;
            CREATE MATERIALIZED VIEW app.counts AS SELECT count(*) AS n FROM app.users;
            CREATE FUNCTION app.one() RETURNS integer LANGUAGE sql AS 'SELECT 1';
            CREATE PUBLICATION pub_b FOR ALL TABLES;
            CREATE PUBLICATION pub_a FOR ALL TABLES;
        ";
        let inspection = crate::parse::inspect("schema.sql", sql);
        assert!(
            inspection
                .diagnostics
                .iter()
                .all(|d| d.severity != crate::DiagnosticSeverity::Error)
        );
        let catalog = inspection.catalog;
        for kind in [
            "schema",
            "extension",
            "table",
            "view",
            "materialized view",
            "sequence",
            "enum",
            "domain",
            "type",
            "function",
        ] {
            assert!(
                catalog_has(&catalog, kind),
                "the test schema should have a {kind}"
            );
        }
        assert_eq!(catalog.opaque.len(), 2);
        let (summary, objects) = summary_json(&catalog);
        // The summary is serde_json's canonical catalog with every object (a value of one of the
        // catalog's maps) replaced by the SHA-256 of its serde_json text, and the opaque list by
        // the SHA-256 of its text.
        let mut expected = serde_json::to_value(canonical(&catalog)).unwrap();
        for (field, value) in expected.as_object_mut().unwrap() {
            let hash =
                |v: &serde_json::Value| sha256_hex(serde_json::to_string(v).unwrap().as_bytes());
            if field == "opaque" {
                *value = hash(value).into();
            } else {
                for object in value.as_object_mut().unwrap().values_mut() {
                    *object = hash(object).into();
                }
            }
        }
        assert_eq!(
            String::from_utf8(summary).unwrap(),
            serde_json::to_string(&expected).unwrap()
        );
        let table = &canonical(&catalog).tables[&QualifiedName::new("app", "users")];
        assert_eq!(
            objects["table app.users"],
            sha256_hex(&serde_json::to_vec(table).unwrap())
        );
        assert_eq!(
            expected["tables"]["app.users"].as_str(),
            Some(objects["table app.users"].as_str())
        );
        let c = &catalog;
        let maps = c.schemas.len()
            + c.extensions.len()
            + c.tables.len()
            + c.views.len()
            + c.sequences.len()
            + c.enums.len()
            + c.domains.len()
            + c.composite_types.len()
            + c.functions.len();
        assert_eq!(objects.len(), maps + 2);
    }

    fn catalog_has(catalog: &Catalog, kind: &str) -> bool {
        summary_json(catalog).1.keys().any(|k| {
            k.strip_prefix(kind)
                .is_some_and(|rest| rest.starts_with(' '))
        })
    }

    #[test]
    fn sha256_hex_is_lowercase_hex_of_the_digest() {
        // The SHA-256 test vector of "abc" (FIPS 180-2).
        assert_eq!(
            sha256_hex(b"abc"),
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
