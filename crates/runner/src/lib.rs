//! The native side of shiftplan: the `shiftplan` command. Planning comes from the core crate;
//! this crate reads and writes files and talks to PostgreSQL.

pub mod cli;
pub mod testing;
