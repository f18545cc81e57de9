//! Hints: what the user tells the planner that two schemas cannot (plan-v1.md, "Hints").

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "tsify",
    derive(tsify::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
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
#[cfg_attr(
    feature = "tsify",
    derive(tsify::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Rename {
    /// `from`/`to` are qualified names in SQL syntax (`public."user"`).
    Table {
        from: String,
        to: String,
    },
    /// `table` is a qualified name in SQL syntax; `from`/`to` bare column names as spelled.
    Column {
        table: String,
        from: String,
        to: String,
    },
    /// Renames of other objects (`index`, `enum`, `view`, `sequence`): qualified names.
    Index {
        from: String,
        to: String,
    },
    Enum {
        from: String,
        to: String,
    },
    View {
        from: String,
        to: String,
    },
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
#[cfg_attr(
    feature = "tsify",
    derive(tsify::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
#[serde(deny_unknown_fields)]
pub struct Backfill {
    pub table: String,
    pub column: String,
    pub expression: String,
}

/// The value of a changed column in the new shape (`up`, from the old columns) and back (`down`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "tsify",
    derive(tsify::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
#[serde(deny_unknown_fields)]
pub struct Transform {
    pub table: String,
    pub column: String,
    pub up: String,
    pub down: String,
}

impl Hints {
    /// Reads a hints document (JSON, plan-v1.md "Hints"), as `--hints FILE` and the npm CLI do.
    /// A malformed document gives one error naming `file`, the line and column, and the field.
    pub fn from_json(file: &str, text: &str) -> Result<Hints, crate::Diagnostic> {
        Hints::from_json_at_path(text).map_err(|(path, e)| {
            // The path names the field (`renames[0]`) where the position cannot: serde_json
            // reports errors inside a tagged rename at the end of its object.
            let message = e.to_string();
            // serde_json appends " at line L column C": the diagnostic carries them instead.
            let message = message
                .rfind(" at line ")
                .map_or(message.as_str(), |end| &message[..end]);
            let position = crate::Position {
                line: e.line() as u32,
                column: e.column() as u32,
            };
            let at = if path == "." {
                String::new()
            } else {
                format!(" at {path}")
            };
            crate::Diagnostic::error("invalid-hints", format!("invalid hints{at}: {message}"))
                .at(file, position)
        })
    }

    /// Reads a hints document from JSON text; an error comes with the path of the field that does
    /// not fit (`renames[0]`, `.` for the whole document). The one place hints are deserialized
    /// (here and in the npm package's `plan()`), so the WebAssembly module carries that code once.
    pub fn from_json_at_path(text: &str) -> Result<Hints, (String, serde_json::Error)> {
        let mut deserializer = serde_json::Deserializer::from_str(text);
        serde_path_to_error::deserialize(&mut deserializer)
            .map_err(|e| (e.path().to_string(), e.into_inner()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_from_json_reads_the_documented_shape() {
        let text = r#"{"renames": [{"kind": "column", "table": "public.users", "from": "fullname", "to": "name"}],
                       "backfill": [{"table": "public.orders", "column": "currency", "expression": "'EUR'"}]}"#;
        let hints = Hints::from_json("hints.json", text).expect("valid hints");
        assert_eq!(
            hints.renames,
            vec![Rename::Column {
                table: "public.users".into(),
                from: "fullname".into(),
                to: "name".into()
            }]
        );
        assert_eq!(hints.backfill.len(), 1);
    }

    #[test]
    fn hints_from_json_names_file_line_and_column_of_a_bad_field() {
        let error =
            Hints::from_json("h.json", "{\n  \"renamez\": []\n}").expect_err("unknown field");
        // serde_json points at the end of the key it rejects.
        assert_eq!(error.to_string().split(": ").next(), Some("h.json:2:11"));
        assert!(
            error.message.contains("unknown field `renamez`"),
            "{}",
            error.message
        );
    }

    #[test]
    fn hints_from_json_names_the_path_inside_a_rename() {
        let text = "{\"renames\": [\n  {\"kind\": \"column\", \"table\": \"public.t\", \"from\": \"a\", \"too\": \"b\"}\n]}";
        let error = Hints::from_json("h.json", text).expect_err("unknown field");
        assert!(
            error
                .message
                .starts_with("invalid hints at renames[0]: unknown field `too`"),
            "{}",
            error.message
        );
    }
}
