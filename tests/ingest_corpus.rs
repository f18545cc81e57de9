//! Every file of the corpus ingests, and every schema-changing statement of the dumps is
//! understood. Statements that are not understood are listed here with the reason.

use std::path::{Path, PathBuf};

use shiftplan::parse::{Inspection, StatementStatus};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

fn inspect(file: &str) -> Inspection {
    let path = corpus().join(file);
    let sql = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    shiftplan::inspect(file, &sql)
}

fn not_understood(i: &Inspection) -> Vec<String> {
    i.statements
        .iter()
        .filter(|s| s.status == StatementStatus::NotUnderstood)
        .map(|s| {
            format!(
                "{}:{}: {} ({})",
                s.line,
                s.column,
                s.summary,
                s.reason.as_deref().unwrap_or("")
            )
        })
        .collect()
}

#[test]
fn every_statement_of_the_dumps_is_understood_or_ignored_with_a_reason() {
    for file in [
        "danbooru/structure.sql",
        "triggerdev/final_schema.sql",
        "chinook-postgres/chinook_pg15_schema_dump.sql",
        "chinook-postgres/Chinook_PostgreSql.sql",
        "pagila/pagila-schema.sql",
        "pagila/pagila-schema-jsonb.sql",
        "sakila-postgres/postgres-sakila-schema.sql",
        "supabase-platform/schema-15.sql",
        "basejump-supabase/final_schema.sql",
    ] {
        let i = inspect(file);
        assert!(
            not_understood(&i).is_empty(),
            "{file}:\n{}",
            not_understood(&i).join("\n")
        );
        assert!(
            !i.has_errors(),
            "{file}: {:?}",
            i.diagnostics.iter().find(|d| d.is_error())
        );
        for s in &i.statements {
            if s.status == StatementStatus::Ignored {
                assert!(
                    s.reason.as_deref().is_some_and(|r| !r.is_empty()),
                    "{file}: {s:?} ignored without a reason"
                );
            }
        }
    }
}

#[test]
fn the_postgrest_fixture_is_understood_with_postgis_types() {
    let i = inspect("postgrest-fixture/schema.sql");
    let missing = not_understood(&i);
    assert!(missing.is_empty(), "{}", missing.join("\n"));
    assert!(
        !i.has_errors(),
        "{:?}",
        i.diagnostics.iter().find(|d| d.is_error())
    );
    // geometry(POINT, 4326): word modifiers kept as PostGIS's format_type prints them.
    let shops = i
        .catalog
        .tables
        .get(&shiftplan::model::QualifiedName::new("test", "shop_bles"))
        .expect("test.shop_bles");
    let types: Vec<String> = ["coords", "range_area"]
        .iter()
        .map(|c| shiftplan::render::format::format_type(&shops.columns[*c].data_type))
        .collect();
    assert_eq!(
        types,
        [
            "extensions.geometry(Point,4326)",
            "extensions.geometry(Polygon,4326)"
        ]
    );
}

#[test]
fn basejump_migrations_in_order_on_the_supabase_stub_are_understood() {
    let dir = corpus().join("basejump-supabase");
    let mut files = vec![dir.join("supabase_stub.sql")];
    let mut migrations: Vec<PathBuf> = std::fs::read_dir(dir.join("migrations"))
        .expect("migrations")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    migrations.sort();
    files.extend(migrations);
    let mut catalog = shiftplan::Catalog::default();
    for f in &files {
        let sql = std::fs::read_to_string(f).expect("readable");
        let i = shiftplan::parse::inspect_onto(catalog, &f.display().to_string(), &sql);
        assert!(
            not_understood(&i).is_empty(),
            "{}:\n{}",
            f.display(),
            not_understood(&i).join("\n")
        );
        catalog = i.catalog;
    }
    assert!(
        catalog
            .tables
            .keys()
            .any(|t| t.schema == "basejump" && t.name == "accounts")
    );
    let accounts = catalog
        .tables
        .values()
        .find(|t| t.name.name == "accounts")
        .expect("accounts");
    assert!(accounts.row_level_security && !accounts.policies.is_empty());
}

#[test]
fn each_migration_read_alone_never_drops_a_statement_silently() {
    let dir = corpus().join("triggerdev/migrations");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("migrations")
        .filter_map(|e| e.ok().map(|e| e.path().join("migration.sql")))
        .filter(|p| p.exists())
        .collect();
    files.sort();
    for f in &files {
        let sql = std::fs::read_to_string(f).expect("readable");
        let i = shiftplan::inspect(&f.display().to_string(), &sql);
        // Statements on tables earlier migrations made are not understood alone, each with an
        // error at its position.
        for s in i
            .statements
            .iter()
            .filter(|s| s.status == StatementStatus::NotUnderstood)
        {
            assert!(
                i.diagnostics
                    .iter()
                    .any(|d| d.is_error() && d.line.is_some_and(|l| l >= s.line)),
                "{}: {s:?} has no diagnostic",
                f.display()
            );
        }
    }
}

/// A migration read alone may add a trigger to a table another file defines (basejump's trigger
/// on Supabase's auth.users): understood, kept as written, with a note naming the table. A
/// trigger statement that does not parse is still not understood.
#[test]
fn a_trigger_on_a_table_defined_elsewhere_is_understood_with_a_note() {
    let i = inspect("basejump-supabase/migrations/20240414161947_basejump-accounts.sql");
    assert!(not_understood(&i).is_empty(), "{:#?}", not_understood(&i));
    assert!(
        i.diagnostics
            .iter()
            .any(|d| d.code.as_deref() == Some("undefined-relation")
                && d.message.contains("auth.users")
                && d.line.is_some()),
        "{:#?}",
        i.diagnostics
    );
    assert!(
        i.catalog
            .opaque
            .iter()
            .any(|o| o.kind == "trigger" && o.identity.ends_with("ON auth.users")),
        "{:#?}",
        i.catalog.opaque
    );
    let garbage = shiftplan::inspect(
        "g.sql",
        "CREATE TRIGGER t AFTER INSERT ON auth.users FOR EACH ROW EXECUTE FUNCTION;\n",
    );
    assert_eq!(not_understood(&garbage).len(), 1);
}
