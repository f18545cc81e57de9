//! The hazard catalogue: every hazard code, documented once (problem, why, safe shape).
//!
//! Recipes in [`crate::ops`] attach hazards by code through [`hazard`]; the severity comes from
//! this catalogue, so one code always has one severity. docs/hazards.md is generated from
//! [`CATALOGUE`] (see [`markdown`]) and a test keeps the two equal.

use crate::plan::{Hazard, Severity};

/// One entry of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HazardKind {
    /// Stable kebab-case code.
    pub code: &'static str,
    pub severity: Severity,
    /// What goes wrong.
    pub problem: &'static str,
    /// Why PostgreSQL behaves so.
    pub why: &'static str,
    /// The shape the planner uses instead (or what to do by hand).
    pub safe_shape: &'static str,
}

/// Every hazard the planner can report, sorted by code.
pub const CATALOGUE: &[HazardKind] = &[
    HazardKind {
        code: "access-exclusive-rewrite",
        severity: Severity::Dangerous,
        problem: "The statement rewrites the whole table and its indexes under an ACCESS EXCLUSIVE lock.",
        why: "Some changes (a stored generated column added to a table with rows, a volatile default before the planner's online shape applies, a change of persistence) make PostgreSQL write every row again; no read or write of the table can run meanwhile. A stored generated column has no online shape: `ADD COLUMN ... GENERATED ALWAYS AS (...) STORED` computes every row under ACCESS EXCLUSIVE (measured on PostgreSQL 15), PostgreSQL up to 16 has no statement that turns an existing, filled column into a generated one, and 17's `ALTER COLUMN ... SET EXPRESSION` rewrites the table too. (A new identity column is planned online instead: a plain column numbered from a temporary sequence, backfilled in batches, made NOT NULL online, then `ADD GENERATED ... AS IDENTITY`, which only changes the catalog.)",
        safe_shape: "Add a plain nullable column, keep it filled for new rows (default or trigger) and backfill old rows in batches; for persistence changes, copy into a new table. For a stored generated column on a large table: run the step in a quiet window, or declare a plain column in the target schema and keep it equal to the expression with a BEFORE INSERT OR UPDATE trigger, backfilled in batches (readers see the same values; writers must not set it).",
    },
    HazardKind {
        code: "backfill-updates-rows",
        severity: Severity::Careful,
        problem: "The backfill updates every existing row, in batches.",
        why: "Each batch is its own transaction and only locks its rows, but the table grows by one row version per update and replicas and autovacuum see the extra load.",
        safe_shape: "Run the batches off-peak; the step is resumable: re-running it continues where it stopped.",
    },
    HazardKind {
        code: "column-drop",
        severity: Severity::Dangerous,
        problem: "Dropping a column loses its data; code that still reads or writes it fails.",
        why: "DROP COLUMN removes the column from the catalog at once; the data cannot be recovered by a rollback.",
        safe_shape: "Drop only in contract, after every deployed version of the application stopped using the column; take a backup of the data first if it may be needed.",
    },
    HazardKind {
        code: "constraint-drop",
        severity: Severity::Careful,
        problem: "Dropping a constraint stops PostgreSQL from enforcing it.",
        why: "Rows written after the drop are no longer checked; re-adding the constraint later needs a validation scan and fails on violating rows.",
        safe_shape: "Drop in contract, once no code relies on the database enforcing the rule.",
    },
    HazardKind {
        code: "dual-write-trigger",
        severity: Severity::Careful,
        problem: "A trigger keeps the old and the new column in sync until contract.",
        why: "Every INSERT and UPDATE of the table runs the trigger function: writes cost a little more, and a write that sets both columns to disagreeing values keeps the new one.",
        safe_shape: "Keep the dual_write window short; deploy code that writes the new column, then run contract, which drops the trigger.",
    },
    HazardKind {
        code: "enum-renamed",
        severity: Severity::Dangerous,
        problem: "An enum type is renamed while old code runs: old code that compares with a value cast to the old type name fails at once.",
        why: "ALTER TYPE ... RENAME only changes the catalog (columns keep their values, instantly), but SQL text resolves type names when it runs. Until contract the plan keeps the old name as a domain over the renamed enum, so casts to it can still be written into columns; but PostgreSQL resolves the enum's comparison operators (anyenum) only between values of one type, and finds none between the enum and a domain over it (measured on PostgreSQL 15: `operator does not exist: feeling = mood`), so `col = 'x'::old_name` and ORM queries that cast parameters to the type fail. Enum functions over the old name (`enum_range(NULL::old_name)`) fail the same way, and code that finds the type by name (a driver's decoder) sees a domain.",
        safe_shape: "Before the plan, deploy code that does not name the type (text parameters, or casts to text); then code that names the new type, before contract, which drops the domain.",
    },
    HazardKind {
        code: "enum-value-irreversible",
        severity: Severity::Careful,
        problem: "An added enum value cannot be removed by the rollback.",
        why: "PostgreSQL cannot drop a value from an enum without rewriting every table that uses the type; the rollback leaves the value in place, unused.",
        safe_shape: "Harmless if no row uses the value; to remove it, rebuild the type (new type, swap, drop the old one).",
    },
    HazardKind {
        code: "enum-value-removed",
        severity: Severity::Dangerous,
        problem: "Removing or reordering enum values rebuilds the type and rewrites every column that uses it.",
        why: "PostgreSQL has no DROP VALUE: the type is recreated and each column converted with ALTER COLUMN ... TYPE, a table rewrite under ACCESS EXCLUSIVE; rows holding a removed value make the conversion fail.",
        safe_shape: "Migrate rows off the removed values first; run the swap in a quiet window.",
    },
    HazardKind {
        code: "exclude-constraint-lock",
        severity: Severity::Dangerous,
        problem: "Adding an EXCLUDE constraint builds its index while holding ACCESS EXCLUSIVE on the table.",
        why: "An exclusion constraint can neither be added NOT VALID nor use an index built beforehand.",
        safe_shape: "No online form exists: run it in a maintenance window, or enforce the rule in the application first.",
    },
    HazardKind {
        code: "index-build-concurrently",
        severity: Severity::Safe,
        problem: "CREATE INDEX CONCURRENTLY scans the table twice and may fail, leaving an INVALID index.",
        why: "The concurrent build lets writes go on, so it cannot run inside a transaction; on failure (a deadlock, a unique violation) the index stays, marked invalid.",
        safe_shape: "The step runs outside a transaction; if it fails, drop the invalid index (the rollback does) and run it again.",
    },
    HazardKind {
        code: "index-drop",
        severity: Severity::Careful,
        problem: "Queries that used the dropped index become slower.",
        why: "DROP INDEX CONCURRENTLY waits for running queries and takes no lasting lock, but plans that used the index fall back to other paths.",
        safe_shape: "Drop in contract after checking pg_stat_user_indexes that the index is unused.",
    },
    HazardKind {
        code: "new-shape-view",
        severity: Severity::Careful,
        problem: "Until contract, code written for the new schema must reach a table whose column changes type through views in a schema of its own (`<schema>_shiftplan_new`), not through the table.",
        why: "A column that keeps its name but changes type without a binary-coercible cast cannot be changed in place without a rewrite: the new type lives in a shadow column (`<column>_shiftplan_new`) kept in sync by trigger, and only contract gives it the column's name. The views show every column of the new shape under its final name; PostgreSQL inserts, updates and deletes through such simple views, and the sync trigger keeps the old column in step. They check the caller's privileges and row-level security from PostgreSQL 15 on (security_invoker); before, they run with their owner's.",
        safe_shape: "Deploy the new code with `search_path = <schema>_shiftplan_new, <schema>` (it names the tables unqualified): before contract it finds the views, after contract, which swaps the columns in and then drops the views and their schema, it finds the tables. Grant the application's role USAGE on the schema and on the views the privileges it has on the tables.",
    },
    HazardKind {
        code: "not-null-dropped",
        severity: Severity::Careful,
        problem: "Readers that assume the column is never NULL may now see NULLs.",
        why: "DROP NOT NULL is instant, but new writers may store NULLs that old code does not expect.",
        safe_shape: "Deploy readers that handle NULL before writers that store it.",
    },
    HazardKind {
        code: "not-null-full-scan",
        severity: Severity::Careful,
        problem: "SET NOT NULL scans the whole table under ACCESS EXCLUSIVE on this PostgreSQL version.",
        why: "Before PostgreSQL 12, SET NOT NULL cannot use a validated CHECK (col IS NOT NULL) to skip its scan. From 12 on it can, and from 18 on the planner uses NOT NULL NOT VALID + VALIDATE CONSTRAINT instead (see `validate-scan`).",
        safe_shape: "Upgrade to PostgreSQL 12 or later, or run the step in a quiet window; the CHECK is still validated first so the scan cannot fail.",
    },
    HazardKind {
        code: "not-null-without-backfill",
        severity: Severity::Dangerous,
        problem: "A NOT NULL column without a default is added with no value for existing rows.",
        why: "PostgreSQL fills new columns of existing rows with NULL, which NOT NULL refuses: the statement fails on any table that has rows. Planned this way only under --assume-empty-tables.",
        safe_shape: "Give a backfill hint: the column is added nullable, filled in batches, then made NOT NULL through a validated CHECK.",
    },
    HazardKind {
        code: "object-replaced",
        severity: Severity::Careful,
        problem: "A function, trigger, policy or other object is replaced as a whole.",
        why: "The planner compares these objects as text and cannot see what changes inside them; code that depends on the old behaviour sees the new one at once.",
        safe_shape: "Review the new definition; keep it compatible with every deployed application version.",
    },
    HazardKind {
        code: "old-shape-removed",
        severity: Severity::Careful,
        problem: "Contract removes the old shape (an old column name, an old type, the view under an old table name); its data lives on in the new shape.",
        why: "Until contract, a trigger or a view kept the old shape working for code that still used it; after contract only the new shape exists.",
        safe_shape: "Run contract only once every deployed application version uses the new shape.",
    },
    HazardKind {
        code: "security-change",
        severity: Severity::Careful,
        problem: "Row-level security, a policy or an extension changes who may see or do what.",
        why: "Authorization changes take effect at commit for every session.",
        safe_shape: "Review by hand; roll out policies that widen access before code that needs them, and narrow access only after.",
    },
    HazardKind {
        code: "table-drop",
        severity: Severity::Dangerous,
        problem: "Dropping a table loses its data; code that still uses it fails.",
        why: "DROP TABLE removes the table and its rows; no rollback can bring them back.",
        safe_shape: "Drop only in contract, after every deployed version of the application stopped using it, with a backup if the data may be needed.",
    },
    HazardKind {
        code: "table-recreated",
        severity: Severity::Dangerous,
        problem: "The table is dropped and created again: its rows are lost.",
        why: "The change (partitioning, inheritance) has no ALTER form the planner can use online.",
        safe_shape: "Copy the data into a new table by hand (create, backfill, swap names) instead.",
    },
    HazardKind {
        code: "table-rename-view",
        severity: Severity::Careful,
        problem: "The table is renamed and a view under the old name keeps old code working until contract.",
        why: "A simple view over one table is updatable, so old INSERT/UPDATE/DELETE statements keep working; but old code that uses table-only features (ALTER, TRUNCATE, locking clauses, ON CONFLICT with constraint names) fails.",
        safe_shape: "Deploy code that uses the new name before contract, which drops the view.",
    },
    HazardKind {
        code: "type-change-cast",
        severity: Severity::Careful,
        problem: "Existing values are converted with a cast that may fail or lose information.",
        why: "No transform hint was given, so the planner converts with a plain cast in both directions; a value that does not fit makes the backfill or a dual write fail.",
        safe_shape: "Give a `transforms` hint with `up` and `down` expressions, or make sure every value converts.",
    },
    HazardKind {
        code: "type-change-in-place",
        severity: Severity::Safe,
        problem: "The column type changes in place.",
        why: "The new type is binary-coercible from the old one (a wider varchar, text, a wider numeric): PostgreSQL changes only the catalog, without a rewrite.",
        safe_shape: "As is.",
    },
    HazardKind {
        code: "type-change-unproven-cast",
        severity: Severity::Dangerous,
        problem: "Values are converted between types PostgreSQL has no cast between, through their text form.",
        why: "Without a transform hint the planner converts through text (`value::text::new_type`), which fails for every value the new type cannot read: the backfill stops, and once the dual-write trigger is installed every application write of such a value fails.",
        safe_shape: "Give a `transforms` hint with `up` and `down` expressions that convert every value (e.g. `extract(epoch from t)::bigint` and `to_timestamp(n)`).",
    },
    HazardKind {
        code: "unknown-effect",
        severity: Severity::Dangerous,
        problem: "The planner cannot tell what this statement locks or changes.",
        why: "It is SQL the model keeps as opaque text (an event trigger, a publication, a rule, ...) or a change the planner has no online recipe for.",
        safe_shape: "Read the statement and run it by hand in a quiet window if needed; the plan carries it so nothing is silently skipped.",
    },
    HazardKind {
        code: "validate-scan",
        severity: Severity::Safe,
        problem: "VALIDATE CONSTRAINT scans the table (and the referenced table for a foreign key).",
        why: "The scan holds SHARE UPDATE EXCLUSIVE, which lets reads and writes go on; it fails if a row violates the constraint. A NOT NULL on an existing column is validated this way in a shape that depends on the PostgreSQL version planned for (`--pg-version`): from 18 on, the column's own not-null constraint is added NOT VALID (`ADD CONSTRAINT <table>_<column>_not_null NOT NULL <column> NOT VALID`: ACCESS EXCLUSIVE for an instant, new rows checked at once) and VALIDATE CONSTRAINT scans; from 12 to 17, which have no NOT NULL NOT VALID, a `CHECK (<column> IS NOT NULL) NOT VALID` is validated instead, then SET NOT NULL uses it to skip its own scan (an instant under ACCESS EXCLUSIVE) and the check is dropped; on 11, SET NOT NULL scans again (`not-null-full-scan`).",
        safe_shape: "As is; fix violating rows and run the step again if it fails. Plan for the server's real version: a plan for 18 fails on older servers (NOT NULL NOT VALID is a syntax error there), and a plan for an older version on 18 works but takes the longer path.",
    },
    HazardKind {
        code: "view-recreated",
        severity: Severity::Careful,
        problem: "A view is dropped and created again around a change to what it reads.",
        why: "PostgreSQL refuses to change or drop a column a view reads; between the drop and the create the view does not exist and queries on it fail.",
        safe_shape: "The two steps run right after each other; keep the window short, or deploy code that does not use the view during it.",
    },
    HazardKind {
        code: "view-rename-compatibility",
        severity: Severity::Careful,
        problem: "A materialized view is renamed: until contract its old name is a plain view over it, which old code cannot refresh.",
        why: "The compatibility view under the old name reads the renamed materialized view (SELECT *), so reads keep working, but REFRESH MATERIALIZED VIEW needs the materialized view itself.",
        safe_shape: "Refresh the materialized view under its new name (from the new code or a job) before running this step.",
    },
];

/// The catalogue entry of `code`.
pub fn kind(code: &str) -> Option<&'static HazardKind> {
    CATALOGUE.iter().find(|k| k.code == code)
}

/// A hazard of the catalogue with its message and help. An unknown code (a bug in a recipe, caught
/// by the tests) is reported as `unknown-effect` rather than panicking.
pub fn hazard(code: &str, message: impl Into<String>, help: impl Into<String>) -> Hazard {
    let (code, severity) = match kind(code) {
        Some(k) => (k.code, k.severity),
        None => ("unknown-effect", Severity::Dangerous),
    };
    Hazard {
        code: code.to_string(),
        severity,
        message: message.into(),
        help: help.into(),
    }
}

/// docs/hazards.md: the catalogue as Markdown.
pub fn markdown() -> String {
    let mut out = String::from(
        "# Hazard catalogue\n\nGenerated from `src/hazard.rs` (`cargo test -p shiftplan --lib hazard` checks it). \
         Every hazard a plan can carry, with its stable code and severity.\n",
    );
    for k in CATALOGUE {
        out.push_str(&format!(
            "\n## `{}` ({})\n\n**Problem.** {}\n\n**Why.** {}\n\n**Safe shape.** {}\n",
            k.code,
            k.severity.as_str(),
            k.problem,
            k.why,
            k.safe_shape
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_sorted_unique_kebab_case() {
        let codes: Vec<&str> = CATALOGUE.iter().map(|k| k.code).collect();
        let mut sorted = codes.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(codes, sorted);
        for c in codes {
            assert!(
                c.chars().all(|ch| ch.is_ascii_lowercase() || ch == '-'),
                "{c}"
            );
            assert!(
                !c.starts_with('-') && !c.ends_with('-') && !c.contains("--"),
                "{c}"
            );
        }
    }

    #[test]
    fn docs_hazards_md_is_generated_from_the_catalogue() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/hazards.md");
        let expected = markdown();
        if std::env::var_os("UPDATE_EXPECT").is_some() {
            std::fs::write(path, &expected).unwrap();
        }
        let actual = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            actual == expected,
            "docs/hazards.md is stale: run with UPDATE_EXPECT=1"
        );
    }

    #[test]
    fn unknown_code_degrades_to_unknown_effect() {
        let h = hazard("no-such-code", "m", "h");
        assert_eq!(h.code, "unknown-effect");
        assert_eq!(hazard("table-drop", "m", "h").severity, Severity::Dangerous);
    }
}
