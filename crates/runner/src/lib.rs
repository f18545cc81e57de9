//! The native side of shiftplan: the `shiftplan` command. Planning comes from the core crate;
//! this crate reads and writes files and talks to PostgreSQL.
//!
//! Library modules (reused by the planner's proof tests and benches):
//! [`testing`] (a database of its own per test), [`executor`] (runs steps by plan-v1.md's rules),
//! [`history`] (the `shiftplan` schema), [`runner`] (apply / rollback / status / verify),
//! [`introspect`] (a live database → [`shiftplan::model::Catalog`]), [`drift`].

pub mod cli;
pub mod drift;
pub mod error;
pub mod executor;
pub mod history;
pub mod introspect;
pub mod plan_file;
pub mod progress;
pub mod runner;
pub mod sql;
pub mod testing;
pub mod workload;
