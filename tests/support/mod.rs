//! What several integration tests of the core read from tests/corpus.

use std::path::{Path, PathBuf};

/// tests/corpus.
pub fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

/// trigger.dev's Prisma migrations (`migrations/<timestamp>_<name>/migration.sql`), in order.
pub fn triggerdev_migrations() -> Vec<PathBuf> {
    let dir = corpus().join("triggerdev/migrations");
    let mut migrations: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("migrations folder")
        .filter_map(|e| e.ok().map(|e| e.path().join("migration.sql")))
        .filter(|p| p.exists())
        .collect();
    migrations.sort();
    migrations
}
