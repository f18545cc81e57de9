//! Where a catalog's tables and columns were defined in the SQL it was read from, for diagnostics
//! that point at the definition (`to.sql:12:3`). A side table, not part of the schema: two
//! [`SourceMap`]s always compare equal, and it is never serialized or fingerprinted, so a parsed
//! catalog still equals an introspected one (which has no positions) and output stays
//! byte-identical whatever the source layout.

use super::SortedMap;
use std::sync::Arc;

use super::QualifiedName;
use crate::diagnostic::Position;

/// A file and a 1-based line and column in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourcePosition {
    pub file: Arc<str>,
    pub position: Position,
}

/// Definition positions by object identity (folded, qualified names).
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    tables: SortedMap<QualifiedName, SourcePosition>,
    columns: SortedMap<QualifiedName, SortedMap<String, SourcePosition>>,
}

/// Positions never make two catalogs different.
impl PartialEq for SourceMap {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for SourceMap {}

impl SourceMap {
    /// Where `table` was created.
    pub fn table(&self, table: &QualifiedName) -> Option<&SourcePosition> {
        self.tables.get(table)
    }

    /// Where `column` of `table` was defined (its CREATE TABLE element or ADD COLUMN clause).
    pub fn column(&self, table: &QualifiedName, column: &str) -> Option<&SourcePosition> {
        self.columns.get(table).and_then(|c| c.get(column))
    }

    pub fn set_table(&mut self, table: &QualifiedName, at: SourcePosition) {
        self.tables.insert(table.clone(), at);
    }

    pub fn set_column(&mut self, table: &QualifiedName, column: &str, at: SourcePosition) {
        // Looked up before inserting: most calls find the table, and an entry would clone its
        // name each time.
        match self.columns.get_mut(table) {
            Some(columns) => {
                columns.insert(column.to_string(), at);
            }
            None => {
                let mut columns = SortedMap::default();
                columns.insert(column.to_string(), at);
                self.columns.insert(table.clone(), columns);
            }
        }
    }

    /// A table was renamed: its positions follow it.
    pub fn rename_table(&mut self, from: &QualifiedName, to: &QualifiedName) {
        if let Some(p) = self.tables.remove(from) {
            self.tables.insert(to.clone(), p);
        }
        if let Some(c) = self.columns.remove(from) {
            self.columns.insert(to.clone(), c);
        }
    }

    /// A column was renamed: its position follows it.
    pub fn rename_column(&mut self, table: &QualifiedName, from: &str, to: &str) {
        if let Some(cols) = self.columns.get_mut(table)
            && let Some(p) = cols.remove(from)
        {
            cols.insert(to.to_string(), p);
        }
    }

    /// A table was dropped.
    pub fn remove_table(&mut self, table: &QualifiedName) {
        self.tables.remove(table);
        self.columns.remove(table);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_follow_renames_and_never_decide_equality() {
        let t = QualifiedName::new("public", "t");
        let u = QualifiedName::new("public", "u");
        let at = |line| SourcePosition {
            file: Arc::from("to.sql"),
            position: Position { line, column: 1 },
        };
        let mut m = SourceMap::default();
        m.set_table(&t, at(1));
        m.set_column(&t, "a", at(2));
        m.rename_column(&t, "a", "b");
        m.rename_table(&t, &u);
        assert_eq!(m.table(&u), Some(&at(1)));
        assert_eq!(m.column(&u, "b"), Some(&at(2)));
        assert_eq!(m.column(&u, "a"), None);
        assert!(m.table(&t).is_none());
        assert_eq!(m, SourceMap::default());
        m.remove_table(&u);
        assert!(m.table(&u).is_none() && m.column(&u, "b").is_none());
    }
}
