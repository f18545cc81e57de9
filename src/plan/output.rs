//! The plan document of plan-v1.md ("Plan (output)"): the types serialise to exactly its keys.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::diagnostic::Diagnostic;
use crate::fingerprint::ColumnShape;

pub const PLAN_FORMAT: &str = "shiftplan.plan/1";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "tsify",
    derive(tsify::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
pub struct Plan {
    /// Always [`PLAN_FORMAT`].
    pub format: String,
    /// Always `postgres`.
    pub dialect: String,
    /// The PostgreSQL major version the plan is for (11–18).
    pub server_version: u32,
    pub from_fingerprint: String,
    pub to_fingerprint: String,
    /// Per-object fingerprints of both schemas (see `fingerprint::object_fingerprints`), so a
    /// runner can name the objects of a live database that differ from what the plan expects.
    pub objects: ObjectFingerprints,
    pub safety: Severity,
    pub phases: Vec<Phase>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Plan {
    /// Every step, in plan order (phases concatenated).
    pub fn steps(&self) -> impl Iterator<Item = &Step> {
        self.phases.iter().flat_map(|p| p.steps.iter())
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "tsify",
    derive(tsify::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
pub struct ObjectFingerprints {
    pub from: BTreeMap<String, String>,
    pub to: BTreeMap<String, String>,
    /// Each table column's type, nullability and default in both schemas
    /// (`fingerprint::column_shapes`), so drift reports can name the column and what differs.
    /// Absent from plans made before it was added (drift is then named per object only), and left
    /// out when empty, so such plans read and write back unchanged (same checksum in a history).
    #[serde(default, skip_serializing_if = "ColumnShapes::is_empty")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub columns: ColumnShapes,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "tsify",
    derive(tsify::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
pub struct ColumnShapes {
    pub from: BTreeMap<String, ColumnShape>,
    pub to: BTreeMap<String, ColumnShape>,
}

impl ColumnShapes {
    pub fn is_empty(&self) -> bool {
        self.from.is_empty() && self.to.is_empty()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(
    feature = "tsify",
    derive(tsify::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
#[serde(rename_all = "snake_case")]
pub enum PhaseName {
    Expand,
    DualWrite,
    Backfill,
    Contract,
}

impl PhaseName {
    pub const ALL: [PhaseName; 4] = [
        PhaseName::Expand,
        PhaseName::DualWrite,
        PhaseName::Backfill,
        PhaseName::Contract,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PhaseName::Expand => "expand",
            PhaseName::DualWrite => "dual_write",
            PhaseName::Backfill => "backfill",
            PhaseName::Contract => "contract",
        }
    }

    pub fn parse(text: &str) -> Option<PhaseName> {
        PhaseName::ALL.into_iter().find(|p| p.as_str() == text)
    }
}

impl std::fmt::Display for PhaseName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "tsify",
    derive(tsify::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
pub struct Phase {
    pub name: PhaseName,
    /// What the application must have deployed before this phase runs, or null.
    pub app_checkpoint: Option<String>,
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "tsify",
    derive(tsify::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
pub struct Step {
    /// `s1`, `s2`, ... in plan order.
    pub id: String,
    /// What the step does, in words: `rename column public.users.fullname to name`.
    pub change: String,
    pub sql: Vec<String>,
    pub rollback: Vec<String>,
    pub reversible: bool,
    pub transactional: bool,
    pub repeat_until_zero_rows: bool,
    pub lock: Lock,
    pub hazards: Vec<Hazard>,
    pub depends_on: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "tsify",
    derive(tsify::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
pub struct Lock {
    /// The strongest table lock the step takes: `ACCESS EXCLUSIVE`, `SHARE UPDATE EXCLUSIVE`, ...,
    /// or `NONE`.
    pub level: String,
    pub relations: Vec<String>,
    pub duration: LockDuration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(
    feature = "tsify",
    derive(tsify::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
#[serde(rename_all = "snake_case")]
pub enum LockDuration {
    /// Catalog-only: held for milliseconds.
    Instant,
    /// Held while the table is read (a validation scan).
    Scan,
    /// Held while the table and its indexes are rewritten.
    Rewrite,
    /// Held per batch (row locks of one batch of a backfill).
    Batched,
    /// Held while an index is built (CONCURRENTLY: writes go on).
    Build,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(
    feature = "tsify",
    derive(tsify::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Safe,
    Careful,
    Dangerous,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Safe => "safe",
            Severity::Careful => "careful",
            Severity::Dangerous => "dangerous",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "tsify",
    derive(tsify::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
pub struct Hazard {
    /// Stable kebab-case code, documented in `hazard.rs` (and docs/hazards.md).
    pub code: String,
    pub severity: Severity,
    pub message: String,
    pub help: String,
}
