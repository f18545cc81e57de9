//! The schema IR: what a PostgreSQL database holds after running some DDL.
//!
//! Invariants:
//! - Every name is folded (see [`name::fold_ident`]); every object is keyed by its identity
//!   (kind + schema-qualified name), in [`SortedMap`]s (sorted as a `BTreeMap`, smaller in the WebAssembly module) so iteration
//!   order is deterministic.
//! - Expressions and types are held as PostgreSQL deparses them (`pg_get_expr`, `format_type`,
//!   `pg_get_constraintdef`, `pg_get_indexdef`), so two spellings of one schema give equal models.
//!   The deparse is the one PostgreSQL prints with `search_path = public` (what
//!   ../shared/tools/pg-catalog-snapshot.sql sees): objects in `public` print unqualified
//!   (`nextval('users_id_seq'::regclass)`, `'G'::mpaa_rating`, `REFERENCES users(id)`), others
//!   qualified. A live database read into the model must be read with `SET search_path = public`.
//!   Names in the model's own fields (`QualifiedName`, `ColumnRef`, ...) are always qualified.
//! - Columns keep declaration order (`IndexMap`) for rendering, but compare as a map (PostgreSQL's
//!   physical column order is not part of a schema's meaning here).
//! - `Catalog::sources` (where tables and columns were defined) is a side table for diagnostics:
//!   it never takes part in equality, serialization or fingerprints.
//! - Indexes that back a constraint (primary key, unique, exclude) are not in `Table::indexes`: the
//!   constraint owns them.

pub mod name;
mod sorted_map;
mod sorted_set;
mod source;
mod types;

pub use name::{QualifiedName, fold_ident, quote_ident, split_qualified, truncate_ident};
pub use sorted_map::SortedMap;
pub use sorted_set::SortedSet;
pub use source::{SourceMap, SourcePosition};
pub use types::*;
