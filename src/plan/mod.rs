//! Steps, their dependency graph and its stable order; the plan document.

mod order;
mod output;

pub use output::*;

use serde::{Deserialize, Serialize};

use crate::Source;
use crate::diagnostic::Diagnostic;
use crate::diff::{self, Change};
use crate::fingerprint::{column_shapes, fingerprints};
use crate::hints::Hints;
use crate::model::Catalog;
use crate::ops::{self, Context};

/// Planner options (`options` in JS, flags on the CLI).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "tsify",
    derive(tsify::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
#[serde(deny_unknown_fields)]
pub struct PlanOptions {
    /// The PostgreSQL major version to plan for, 11–18 (`--pg-version`). Default 15.
    #[serde(default = "default_server_version")]
    pub server_version: u32,
    /// Plan a new NOT NULL column without a default or backfill hint as a plain
    /// `ADD COLUMN ... NOT NULL`, which only succeeds on an empty table (a dangerous hazard says
    /// so), instead of refusing to plan (`--assume-empty-tables`). Default false.
    #[serde(default)]
    pub assume_empty_tables: bool,
}

fn default_server_version() -> u32 {
    15
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions {
            server_version: default_server_version(),
            assume_empty_tables: false,
        }
    }
}

/// Plans the migration from `from` to `to`. Errors (bad SQL, a hint naming something absent, a
/// cycle that cannot be broken) come back as diagnostics naming file, line and column.
pub fn plan(
    from: Source<'_>,
    to: Source<'_>,
    hints: &Hints,
    options: &PlanOptions,
) -> Result<Plan, Vec<Diagnostic>> {
    check_version(options)?;
    let before = crate::parse::inspect(from.name, from.sql);
    let after = crate::parse::inspect(to.name, to.sql);
    let mut errors: Vec<Diagnostic> = before
        .diagnostics
        .iter()
        .chain(&after.diagnostics)
        .filter(|d| d.is_error())
        .cloned()
        .collect();
    if !errors.is_empty() {
        errors.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
        return Err(errors);
    }
    // Errors about the target schema (a NOT NULL column without a backfill hint) name its file.
    let mut plan =
        plan_catalogs(&before.catalog, &after.catalog, hints, options).map_err(|errors| {
            errors
                .into_iter()
                .map(|mut d| {
                    if d.file.is_none() && d.code.as_deref() == Some("not-null-needs-backfill") {
                        d.file = Some(to.name.to_string());
                    }
                    d
                })
                .collect::<Vec<_>>()
        })?;
    let mut notes: Vec<Diagnostic> = before
        .diagnostics
        .into_iter()
        .chain(after.diagnostics)
        .collect();
    notes.append(&mut plan.diagnostics);
    plan.diagnostics = notes;
    Ok(plan)
}

fn check_version(options: &PlanOptions) -> Result<(), Vec<Diagnostic>> {
    if (11..=18).contains(&options.server_version) {
        Ok(())
    } else {
        Err(vec![Diagnostic::error(
            "unsupported-server-version",
            format!(
                "PostgreSQL {} is not supported: plans are made for versions 11 to 18",
                options.server_version
            ),
        )])
    }
}

/// Plans between two catalogs already read (what [`plan`] does after parsing).
pub fn plan_catalogs(
    from: &Catalog,
    to: &Catalog,
    hints: &Hints,
    options: &PlanOptions,
) -> Result<Plan, Vec<Diagnostic>> {
    check_version(options)?;
    let diff = diff::diff(from, to, hints)?;
    let rebuilt_enums = ops::rebuilt_enums(&diff.changes);
    let cx = Context {
        from,
        to,
        server_version: options.server_version,
        assume_empty_tables: options.assume_empty_tables,
        rebuilt_enums: &rebuilt_enums,
    };
    let mut nodes = Vec::new();
    let mut errors = Vec::new();
    for (i, change) in diff.changes.iter().enumerate() {
        match ops::steps(change, &cx) {
            Ok(drafts) => {
                for (position, draft) in drafts.into_iter().enumerate() {
                    nodes.push(order::Node {
                        draft,
                        rank: ops::rank(change),
                        change: i,
                        position,
                    });
                }
            }
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let ordered = order::order(nodes).map_err(|e| vec![e])?;
    let mut phases: Vec<Phase> = Vec::new();
    let mut safety = Severity::Safe;
    for (i, (phase, draft, deps)) in ordered.steps.into_iter().enumerate() {
        for h in &draft.hazards {
            safety = safety.max(h.severity);
        }
        let step = Step {
            id: format!("s{}", i + 1),
            change: draft.change,
            sql: draft.sql,
            rollback: draft.rollback,
            reversible: draft.reversible,
            transactional: draft.transactional,
            repeat_until_zero_rows: draft.repeat_until_zero_rows,
            lock: draft.lock,
            hazards: draft.hazards,
            depends_on: deps.iter().map(|d| format!("s{}", d + 1)).collect(),
        };
        match phases.last_mut() {
            Some(p) if p.name == phase => p.steps.push(step),
            _ => phases.push(Phase {
                name: phase,
                app_checkpoint: None,
                steps: vec![step],
            }),
        }
    }
    let going = old_names(&diff.changes);
    let views = new_shape_views(&diff.changes);
    for p in &mut phases {
        p.app_checkpoint = checkpoint(p.name, &going, &views);
    }
    let (from_fingerprint, from_objects) = fingerprints(from);
    let (to_fingerprint, to_objects) = fingerprints(to);
    Ok(Plan {
        format: PLAN_FORMAT.to_string(),
        dialect: "postgres".to_string(),
        server_version: options.server_version,
        from_fingerprint,
        to_fingerprint,
        objects: ObjectFingerprints {
            from: from_objects,
            to: to_objects,
            columns: ColumnShapes {
                from: column_shapes(from),
                to: column_shapes(to),
            },
        },
        safety,
        phases,
        diagnostics: diff.diagnostics,
    })
}

/// Names the old application uses that contract removes.
fn old_names(changes: &[Change]) -> Vec<String> {
    let mut out = Vec::new();
    for c in changes {
        match c {
            Change::DropTable { table } => out.push(format!("table {}", table.name)),
            Change::RenameTable { from, .. } => out.push(format!("table {from}")),
            Change::RenameView { from, .. } => out.push(format!("view {}", from.name)),
            Change::RenameEnum { from, .. } => out.push(format!("type {from}")),
            Change::DropColumn { table, column } => out.push(format!(
                "column {table}.{}",
                crate::model::quote_ident(&column.name)
            )),
            Change::RenameColumn { table, from, .. } => out.push(format!(
                "column {table}.{}",
                crate::model::quote_ident(&from.name)
            )),
            Change::ChangeColumnType {
                table,
                from,
                in_place: false,
                ..
            } => out.push(format!(
                "column {table}.{} as {}",
                crate::model::quote_ident(&from.name),
                crate::render::format::format_type(&from.data_type)
            )),
            Change::DropView {
                view,
                recreated: false,
                ..
            } => out.push(format!("view {}", view.name)),
            _ => {}
        }
    }
    out
}

/// What code written for the new schema must know about [`Change::NewShapeViews`]: one sentence
/// per schema, or nothing.
fn new_shape_views(changes: &[Change]) -> Vec<String> {
    use crate::model::quote_ident;
    let mut out = Vec::new();
    for c in changes {
        if let Change::NewShapeViews {
            schema,
            view_schema,
            tables,
        } = c
        {
            let names: Vec<String> = tables.iter().map(|(t, _)| t.to_string()).collect();
            let shadowed = crate::diff::shadowed_columns(tables);
            out.push(format!(
                "Until contract it reaches {} through the views of the same names in schema {} (there {} already {}): it connects with search_path = {}, {} and names these tables unqualified; contract drops the views and their schema once the new columns are in place, and the same search_path then finds the tables.",
                names.join(", "),
                quote_ident(view_schema),
                shadowed.join(", "),
                if shadowed.len() == 1 {
                    "has its new type"
                } else {
                    "have their new types"
                },
                quote_ident(view_schema),
                quote_ident(schema),
            ));
        }
    }
    out
}

fn checkpoint(phase: PhaseName, going: &[String], views: &[String]) -> Option<String> {
    match phase {
        PhaseName::Expand => None,
        PhaseName::DualWrite => Some(
            "Nothing to deploy first: the running application keeps working; triggers start keeping the old and new shapes in sync.".into(),
        ),
        PhaseName::Backfill => Some(
            std::iter::once("The application version written for the new schema may be deployed from here on, beside the old one: writes through either shape are kept in sync.")
                .chain(views.iter().map(String::as_str))
                .collect::<Vec<_>>()
                .join(" "),
        ),
        PhaseName::Contract => Some(if going.is_empty() {
            "Every instance of the application runs the version written for the new schema.".into()
        } else {
            format!(
                "Every instance of the application runs the version written for the new schema; nothing uses {} any more.",
                going.join(", ")
            )
        }),
    }
}

#[cfg(test)]
mod tests;
