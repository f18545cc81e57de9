//! The only place SQL text is assembled: DDL for model objects, and the plan as SQL or Markdown.

pub mod alter;
pub mod markdown;
pub mod plan_sql;
