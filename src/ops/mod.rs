//! One file per change kind: its phased steps, rollback, lock and hazards.
