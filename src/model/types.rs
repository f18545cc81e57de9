use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use super::{QualifiedName, SortedMap};

/// An expression as PostgreSQL prints it back (`pg_get_expr` with `search_path = public`): e.g.
/// `'x'::text`, `CURRENT_TIMESTAMP`, `nextval('users_id_seq'::regclass)`, `(price > (0)::numeric)`.
#[cfg_attr(feature = "tsify", tsify::declare)]
pub type SqlExpr = String;

/// A whole schema: everything a migration may touch.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "tsify",
    derive(tsify::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
pub struct Catalog {
    #[cfg_attr(feature = "tsify", tsify(type = "Record<string, Namespace>"))]
    pub schemas: SortedMap<String, Namespace>,
    #[cfg_attr(feature = "tsify", tsify(type = "Record<string, Extension>"))]
    pub extensions: SortedMap<String, Extension>,
    #[cfg_attr(feature = "tsify", tsify(type = "Record<QualifiedName, Table>"))]
    pub tables: SortedMap<QualifiedName, Table>,
    #[cfg_attr(feature = "tsify", tsify(type = "Record<QualifiedName, View>"))]
    pub views: SortedMap<QualifiedName, View>,
    #[cfg_attr(feature = "tsify", tsify(type = "Record<QualifiedName, Sequence>"))]
    pub sequences: SortedMap<QualifiedName, Sequence>,
    #[cfg_attr(feature = "tsify", tsify(type = "Record<QualifiedName, EnumType>"))]
    pub enums: SortedMap<QualifiedName, EnumType>,
    #[cfg_attr(feature = "tsify", tsify(type = "Record<QualifiedName, Domain>"))]
    pub domains: SortedMap<QualifiedName, Domain>,
    #[cfg_attr(
        feature = "tsify",
        tsify(type = "Record<QualifiedName, CompositeType>")
    )]
    pub composite_types: SortedMap<QualifiedName, CompositeType>,
    /// Keyed by `schema.name(identity arguments)` as `pg_get_function_identity_arguments` prints them.
    #[cfg_attr(feature = "tsify", tsify(type = "Record<FunctionId, Function>"))]
    pub functions: SortedMap<FunctionId, Function>,
    /// Valid statements the model has no place for (event triggers, publications, casts, ...),
    /// kept with their SQL so the planner can carry them as `unknown-effect` steps.
    pub opaque: Vec<OpaqueObject>,
    /// Where tables and columns were defined in the SQL read (diagnostics only): never compared,
    /// serialized or fingerprinted.
    #[serde(skip)]
    pub sources: super::SourceMap,
}

/// A schema (namespace). Called `Namespace` to keep "schema" for the whole [`Catalog`] in prose.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "tsify",
    derive(tsify::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
pub struct Namespace {
    pub name: String,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "tsify",
    derive(tsify::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
pub struct Extension {
    pub name: String,
    pub schema: Option<String>,
    pub version: Option<String>,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "tsify",
    derive(tsify::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
pub struct Table {
    pub name: QualifiedName,
    #[cfg_attr(feature = "tsify", tsify(type = "Record<string, Column>"))]
    pub columns: IndexMap<String, Column>,
    #[cfg_attr(feature = "tsify", tsify(type = "Record<string, Constraint>"))]
    pub constraints: SortedMap<String, Constraint>,
    /// Standalone indexes (CREATE INDEX), keyed by index name (unique within the schema).
    #[cfg_attr(feature = "tsify", tsify(type = "Record<string, Index>"))]
    pub indexes: SortedMap<String, Index>,
    #[cfg_attr(feature = "tsify", tsify(type = "Record<string, Trigger>"))]
    pub triggers: SortedMap<String, Trigger>,
    #[cfg_attr(feature = "tsify", tsify(type = "Record<string, Policy>"))]
    pub policies: SortedMap<String, Policy>,
    pub unlogged: bool,
    /// `PARTITION BY` clause as pg_get_partkeydef prints it: `RANGE (created_at)`.
    pub partition_by: Option<String>,
    pub partition_of: Option<PartitionOf>,
    /// Plain inheritance parents (`INHERITS (...)`).
    pub inherits: Vec<QualifiedName>,
    pub row_level_security: bool,
    pub force_row_level_security: bool,
    /// Storage parameters (`WITH (fillfactor=70)`), as `name=value`, sorted.
    pub options: Vec<String>,
    pub replica_identity: Option<String>,
    pub comment: Option<String>,
    /// `TABLESPACE x` (None: the database's default). Left out of JSON when None.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tablespace: Option<String>,
}

impl Table {
    /// The tables it inherits its columns from: its partitioned table, its INHERITS parents.
    pub fn parents(&self) -> impl Iterator<Item = &QualifiedName> {
        self.partition_of
            .iter()
            .map(|p| &p.parent)
            .chain(&self.inherits)
    }

    pub fn new(name: QualifiedName) -> Self {
        Table {
            name,
            columns: IndexMap::new(),
            constraints: SortedMap::new(),
            indexes: SortedMap::new(),
            triggers: SortedMap::new(),
            policies: SortedMap::new(),
            unlogged: false,
            partition_by: None,
            partition_of: None,
            inherits: Vec::new(),
            row_level_security: false,
            force_row_level_security: false,
            options: Vec::new(),
            replica_identity: None,
            comment: None,
            tablespace: None,
        }
    }

    /// The primary key constraint, if any.
    pub fn primary_key(&self) -> Option<&Constraint> {
        self.constraints
            .values()
            .find(|c| matches!(c.kind, ConstraintKind::PrimaryKey { .. }))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "tsify",
    derive(tsify::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
pub struct PartitionOf {
    pub parent: QualifiedName,
    /// As pg_get_expr prints `relpartbound`: `FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')`, `DEFAULT`.
    pub bound: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "tsify",
    derive(tsify::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
pub struct Column {
    pub name: String,
    pub data_type: TypeName,
    pub not_null: bool,
    pub default: Option<SqlExpr>,
    pub identity: Option<Identity>,
    pub generated: Option<Generated>,
    /// Only when it differs from the type's default collation.
    pub collation: Option<String>,
    pub comment: Option<String>,
}

impl Column {
    pub fn new(name: impl Into<String>, data_type: TypeName) -> Self {
        Column {
            name: name.into(),
            data_type,
            not_null: false,
            default: None,
            identity: None,
            generated: None,
            collation: None,
            comment: None,
        }
    }
}

/// A column or domain type, canonical: `format_type` is its [`std::fmt::Display`] (see render).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(
    feature = "tsify",
    derive(tsify::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
pub struct TypeName {
    /// Built-in types by their canonical name without modifiers (`integer`, `character varying`,
    /// `timestamp without time zone`, `numeric`); user-defined types (enums, domains, composites,
    /// extension types) qualified.
    pub base: BaseType,
    /// Type modifiers: `varchar(255)` → `[255]`, `numeric(10,2)` → `[10, 2]`, `timestamp(3)` → `[3]`,
    /// PostGIS's `geometry(Point,4326)` → `["Point", 4326]`; interval fields are part of `base`
    /// (`interval day to second`).
    pub modifiers: Vec<TypeModifier>,
    /// Array dimensions as written (PostgreSQL treats every count as one-dimensional arrays; `format_type` prints `[]`).
    pub array_dimensions: u8,
}

/// One type modifier: a number (`varchar(255)`, `numeric(10,2)`), or a word, which only extension
/// types take (PostGIS's `geometry(Point,4326)`), kept as the type's output function prints it.
/// Serialized as a JSON number or string.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(
    feature = "tsify",
    derive(tsify::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
#[serde(untagged)]
pub enum TypeModifier {
    Integer(i64),
    Word(String),
}

impl TypeModifier {
    /// The number, for modifiers of built-in types (always numbers).
    pub fn integer(&self) -> Option<i64> {
        match self {
            TypeModifier::Integer(v) => Some(*v),
            TypeModifier::Word(_) => None,
        }
    }
}

impl From<i64> for TypeModifier {
    fn from(v: i64) -> Self {
        TypeModifier::Integer(v)
    }
}

impl std::fmt::Display for TypeModifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TypeModifier::Integer(v) => write!(f, "{v}"),
            TypeModifier::Word(w) => f.write_str(w),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(
    feature = "tsify",
    derive(tsify::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
#[serde(tag = "kind", content = "name", rename_all = "snake_case")]
pub enum BaseType {
    Builtin(String),
    User(QualifiedName),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "tsify",
    derive(tsify::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
pub struct Identity {
    /// GENERATED ALWAYS (true) or BY DEFAULT (false).
    pub always: bool,
    /// The implicit sequence's name and its options.
    pub sequence: Option<QualifiedName>,
    pub options: SequenceOptions,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "tsify",
    derive(tsify::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
pub struct Generated {
    pub expression: SqlExpr,
    /// STORED (true) or VIRTUAL (false, PostgreSQL 18).
    pub stored: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "tsify",
    derive(tsify::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
pub struct Constraint {
    pub name: String,
    pub kind: ConstraintKind,
    pub deferrable: bool,
    pub initially_deferred: bool,
    /// Added `NOT VALID` and not yet validated.
    pub not_valid: bool,
    pub comment: Option<String>,
    /// `WITH (...)` storage parameters of the index behind a primary key or unique constraint,
    /// `name=value`, sorted (as [`Index::options`]). Left out of JSON when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub index_options: Vec<String>,
    /// `USING INDEX TABLESPACE`: the tablespace of the index behind a primary key, unique or
    /// exclusion constraint (None: the database's default). Left out of JSON when None.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index_tablespace: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "tsify",
    derive(tsify::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ConstraintKind {
    PrimaryKey {
        columns: Vec<String>,
        include: Vec<String>,
    },
    Unique {
        columns: Vec<String>,
        include: Vec<String>,
        nulls_not_distinct: bool,
    },
    ForeignKey {
        columns: Vec<String>,
        references: QualifiedName,
        referenced_columns: Vec<String>,
        on_delete: ReferentialAction,
        on_update: ReferentialAction,
        match_full: bool,
    },
    Check {
        expression: SqlExpr,
        no_inherit: bool,
    },
    /// Kept as pg_get_constraintdef prints it (`EXCLUDE USING gist (room WITH =, during WITH &&)`).
    Exclude { definition: String },
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "tsify",
    derive(tsify::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
#[serde(rename_all = "snake_case")]
pub enum ReferentialAction {
    #[default]
    NoAction,
    Restrict,
    Cascade,
    SetNull,
    SetDefault,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "tsify",
    derive(tsify::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
pub struct Index {
    pub name: String,
    pub unique: bool,
    /// Access method: `btree`, `gin`, `gist`, `hash`, `brin`, ...
    pub method: String,
    pub keys: Vec<IndexKey>,
    pub include: Vec<String>,
    /// Partial index predicate, as pg_get_expr prints it.
    pub predicate: Option<SqlExpr>,
    pub nulls_not_distinct: bool,
    /// `WITH (...)` storage parameters, `name=value`, sorted.
    pub options: Vec<String>,
    /// An index of a partitioned table (a partitioned index, which pg_get_indexdef prints `ON ONLY`,
    /// whether or not every partition's index is attached yet).
    pub only: bool,
    /// For an index on a partition: the partitioned table's index it is attached to.
    pub attached_to: Option<QualifiedName>,
    pub comment: Option<String>,
    /// `TABLESPACE x` (None: the database's default). Left out of JSON when None.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tablespace: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "tsify",
    derive(tsify::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
pub struct IndexKey {
    /// A column name, or an expression (as pg_get_indexdef prints it, parenthesised when not a bare column).
    pub expression: IndexKeyExpr,
    pub collation: Option<String>,
    pub opclass: Option<String>,
    pub descending: bool,
    /// `NULLS FIRST` / `NULLS LAST` when it differs from the default for the direction.
    pub nulls_first: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "tsify",
    derive(tsify::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum IndexKeyExpr {
    Column(String),
    Expression(SqlExpr),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "tsify",
    derive(tsify::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
pub struct Trigger {
    pub name: String,
    /// The whole definition as pg_get_triggerdef prints it.
    pub definition: String,
    pub function: QualifiedName,
    pub enabled: bool,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "tsify",
    derive(tsify::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
pub struct Policy {
    pub name: String,
    pub permissive: bool,
    /// `ALL`, `SELECT`, `INSERT`, `UPDATE`, `DELETE`.
    pub command: String,
    pub roles: Vec<String>,
    pub using: Option<SqlExpr>,
    pub with_check: Option<SqlExpr>,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "tsify",
    derive(tsify::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
pub struct View {
    pub name: QualifiedName,
    pub materialized: bool,
    /// The query, as pg_get_viewdef prints it when known, else as written.
    pub definition: String,
    /// Output column names, when given explicitly (`CREATE VIEW v (a, b) AS ...`).
    pub columns: Vec<String>,
    /// What the view reads: relations, and the columns of each where they could be resolved.
    #[cfg_attr(feature = "tsify", tsify(type = "Record<QualifiedName, string[]>"))]
    pub reads: SortedMap<QualifiedName, Vec<String>>,
    /// `WITH (security_barrier=true, check_option=local)`, `name=value`, sorted.
    pub options: Vec<String>,
    /// Materialized views only: created `WITH NO DATA`.
    pub with_no_data: bool,
    /// Materialized views can carry indexes.
    #[cfg_attr(feature = "tsify", tsify(type = "Record<string, Index>"))]
    pub indexes: SortedMap<String, Index>,
    pub comment: Option<String>,
    /// Materialized views only: `TABLESPACE x` (None: the database's default). Left out of JSON
    /// when None.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tablespace: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "tsify",
    derive(tsify::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
pub struct Sequence {
    pub name: QualifiedName,
    /// `bigint` unless declared `AS integer` / `AS smallint`.
    pub data_type: TypeName,
    pub options: SequenceOptions,
    /// `OWNED BY table.column`.
    pub owned_by: Option<ColumnRef>,
    pub comment: Option<String>,
}

/// Sequence options; `None` means PostgreSQL's default for the sequence's type.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "tsify",
    derive(tsify::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
pub struct SequenceOptions {
    pub start: Option<i64>,
    pub increment: Option<i64>,
    pub min_value: Option<i64>,
    pub max_value: Option<i64>,
    pub cache: Option<i64>,
    pub cycle: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(
    feature = "tsify",
    derive(tsify::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
pub struct ColumnRef {
    pub table: QualifiedName,
    pub column: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "tsify",
    derive(tsify::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
pub struct EnumType {
    pub name: QualifiedName,
    /// In declared sort order.
    pub labels: Vec<String>,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "tsify",
    derive(tsify::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
pub struct Domain {
    pub name: QualifiedName,
    pub data_type: TypeName,
    pub not_null: bool,
    pub default: Option<SqlExpr>,
    pub collation: Option<String>,
    /// Named CHECK constraints: name → expression (`(VALUE >= 1901)`).
    #[cfg_attr(feature = "tsify", tsify(type = "Record<string, SqlExpr>"))]
    pub checks: SortedMap<String, SqlExpr>,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "tsify",
    derive(tsify::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
pub struct CompositeType {
    pub name: QualifiedName,
    #[cfg_attr(feature = "tsify", tsify(type = "Record<string, TypeName>"))]
    pub attributes: IndexMap<String, TypeName>,
    pub comment: Option<String>,
}

/// `schema.name(identity arguments)`: a function's identity, as PostgreSQL tells overloads apart.
/// Serialises as that text (`public.last_day(timestamp without time zone)`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FunctionId {
    pub name: QualifiedName,
    /// Argument types as pg_get_function_identity_arguments prints them (`p_inventory_id integer`).
    pub arguments: String,
}

impl std::fmt::Display for FunctionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}({})", self.name, self.arguments)
    }
}

impl Serialize for FunctionId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for FunctionId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        // The name part may hold a quoted `(`: find the first `(` outside quotes.
        let mut quoted = false;
        let open = text.char_indices().find_map(|(i, c)| match c {
            '"' => {
                quoted = !quoted;
                None
            }
            '(' if !quoted => Some(i),
            _ => None,
        });
        let open = open
            .ok_or_else(|| serde::de::Error::custom(format!("`{text}` is not name(arguments)")))?;
        let arguments = text[open + 1..]
            .strip_suffix(')')
            .ok_or_else(|| serde::de::Error::custom(format!("`{text}` does not end with `)`")))?;
        let name = QualifiedName::parse(&text[..open]).map_err(serde::de::Error::custom)?;
        Ok(FunctionId {
            name,
            arguments: arguments.to_string(),
        })
    }
}

#[cfg(feature = "tsify")]
#[wasm_bindgen::prelude::wasm_bindgen(typescript_custom_section)]
const FUNCTION_ID_TS: &str = r#"/** A function's identity: `public.last_day(timestamp without time zone)`. */
export type FunctionId = string;"#;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "tsify",
    derive(tsify::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
pub struct Function {
    pub id: FunctionId,
    pub kind: FunctionKind,
    /// As pg_get_function_result prints it (`trigger`, `SETOF public.film`, `TABLE(a integer)`); empty for procedures.
    pub returns: String,
    pub language: String,
    /// The complete `CREATE FUNCTION` statement as written: replaced as opaque text.
    pub definition: String,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "tsify",
    derive(tsify::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
#[serde(rename_all = "snake_case")]
pub enum FunctionKind {
    Function,
    Procedure,
    Aggregate,
}

/// A valid statement the model cannot represent: kept whole, never dropped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "tsify",
    derive(tsify::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
pub struct OpaqueObject {
    /// What it is, in words: `event trigger`, `publication`, `cast`, ...
    pub kind: String,
    /// Its identity when one can be told (`publication supabase_realtime`), used to diff.
    pub identity: String,
    pub sql: String,
}
