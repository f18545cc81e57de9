//! Steps, their dependency graph and its stable order; the plan document.

mod output;

pub use output::*;

use serde::{Deserialize, Serialize};

use crate::diagnostic::Diagnostic;
use crate::hints::Hints;
use crate::Source;

/// Planner options (`options` in JS, flags on the CLI).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify), tsify(missing_as_null, hashmap_as_object))]
#[serde(deny_unknown_fields)]
pub struct PlanOptions {
    /// The PostgreSQL major version to plan for, 11–18 (`--pg-version`). Default 15.
    #[serde(default = "default_server_version")]
    pub server_version: u32,
}

fn default_server_version() -> u32 {
    15
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions { server_version: default_server_version() }
    }
}

/// Plans the migration from `from` to `to`. Errors (bad SQL, a hint naming something absent, a
/// cycle that cannot be broken) come back as diagnostics naming file, line and column.
pub fn plan(from: Source<'_>, to: Source<'_>, hints: &Hints, options: &PlanOptions) -> Result<Plan, Vec<Diagnostic>> {
    let _ = (from, to, hints, options);
    Err(vec![Diagnostic::error("not-built", "the planner is being built")])
}
