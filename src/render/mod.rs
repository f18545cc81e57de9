//! The only place SQL text is assembled: DDL for model objects, and the plan as SQL or Markdown.

pub mod alter;
pub mod ddl;
pub mod format;
pub mod markdown;
pub mod plan_sql;
pub mod snapshot;
pub mod steps;
