//! shiftplan: plans zero-downtime PostgreSQL schema migrations.
//!
//! The pipeline runs one way: [`parse`] (SQL text → [`model::Catalog`]) → [`diff`] (two catalogs +
//! hints → changes) → [`ops`] (each change → phased steps with rollback and hazards) → [`plan`]
//! (dependency graph → stable order → [`Plan`]) → [`render`] (the only place SQL text is assembled).
//!
//! This crate is pure: no IO, no clock, no environment, no randomness. The same input gives
//! byte-identical output on every platform, natively and in WebAssembly.

pub mod diagnostic;
pub mod diff;
pub mod fingerprint;
pub mod hazard;
pub mod hints;
pub mod model;
pub mod ops;
pub mod parse;
pub mod plan;
pub mod render;

pub use diagnostic::{Diagnostic, DiagnosticSeverity, Position};
pub use hints::Hints;
pub use model::Catalog;
pub use parse::{Inspection, inspect};
pub use plan::{
    Hazard, Lock, LockDuration, PLAN_FORMAT, Phase, PhaseName, Plan, PlanOptions, Severity, Step,
    plan,
};
pub use shiftplan_json as json;

/// A named SQL text: `name` is what diagnostics call the file (`before.sql`).
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    pub name: &'a str,
    pub sql: &'a str,
}

impl<'a> Source<'a> {
    pub fn new(name: &'a str, sql: &'a str) -> Self {
        Source { name, sql }
    }
}
