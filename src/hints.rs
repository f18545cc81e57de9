//! Hints: what the user tells the planner that two schemas cannot (plan-v1.md, "Hints").

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(deny_unknown_fields)]
pub struct Hints {
    #[serde(default)]
    pub renames: Vec<Rename>,
    #[serde(default)]
    pub backfill: Vec<Backfill>,
    #[serde(default)]
    pub transforms: Vec<Transform>,
}

/// `{"kind": "table", "from": "public.person", "to": "public.people"}` or
/// `{"kind": "column", "table": "public.users", "from": "fullname", "to": "name"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Rename {
    /// `from`/`to` are qualified names in SQL syntax (`public."user"`).
    Table { from: String, to: String },
    /// `table` is a qualified name in SQL syntax; `from`/`to` bare column names as spelled.
    Column { table: String, from: String, to: String },
    /// Renames of other objects (`index`, `enum`, `view`, `sequence`): qualified names.
    Index { from: String, to: String },
    Enum { from: String, to: String },
    View { from: String, to: String },
    /// A label of an enum type: `type` qualified, `from`/`to` the labels.
    EnumValue {
        #[serde(rename = "type")]
        type_name: String,
        from: String,
        to: String,
    },
}

/// The value for old rows of a column: `expression` is SQL over the row's existing columns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(deny_unknown_fields)]
pub struct Backfill {
    pub table: String,
    pub column: String,
    pub expression: String,
}

/// The value of a changed column in the new shape (`up`, from the old columns) and back (`down`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(deny_unknown_fields)]
pub struct Transform {
    pub table: String,
    pub column: String,
    pub up: String,
    pub down: String,
}
