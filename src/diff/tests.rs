use super::*;
use crate::hints::{Backfill, Rename};
use crate::model::{BaseType, TypeName};

fn ty(name: &str) -> TypeName {
    TypeName {
        base: BaseType::Builtin(name.into()),
        modifiers: vec![],
        array_dimensions: 0,
    }
}

fn table(name: &str, columns: &[(&str, &str, bool)]) -> Table {
    let mut t = Table::new(QualifiedName::public(name));
    for (c, tname, nn) in columns {
        let mut col = Column::new(*c, ty(tname));
        col.not_null = *nn;
        t.columns.insert((*c).to_string(), col);
    }
    t
}

fn catalog(tables: Vec<Table>) -> Catalog {
    let mut c = Catalog::default();
    c.schemas.insert(
        "public".into(),
        crate::model::Namespace {
            name: "public".into(),
            comment: None,
        },
    );
    for t in tables {
        c.tables.insert(t.name.clone(), t);
    }
    c
}

#[test]
fn same_schema_gives_no_change() {
    let a = catalog(vec![table(
        "users",
        &[("id", "bigint", true), ("name", "text", false)],
    )]);
    let d = diff(&a, &a.clone(), &Hints::default()).unwrap();
    assert!(d.changes.is_empty(), "{:?}", d.changes);
}

#[test]
fn drop_and_add_of_one_type_is_a_likely_rename_never_applied() {
    let a = catalog(vec![table(
        "users",
        &[("id", "bigint", true), ("fullname", "text", false)],
    )]);
    let b = catalog(vec![table(
        "users",
        &[("id", "bigint", true), ("name", "text", false)],
    )]);
    let d = diff(&a, &b, &Hints::default()).unwrap();
    assert!(
        d.changes
            .iter()
            .any(|c| matches!(c, Change::DropColumn { .. }))
    );
    assert!(
        d.changes
            .iter()
            .any(|c| matches!(c, Change::AddColumn { .. }))
    );
    assert_eq!(d.diagnostics.len(), 1);
    assert_eq!(d.diagnostics[0].code.as_deref(), Some("likely-rename"));
    let hints = Hints {
        renames: vec![Rename::Column {
            table: "public.users".into(),
            from: "fullname".into(),
            to: "name".into(),
        }],
        ..Hints::default()
    };
    let d = diff(&a, &b, &hints).unwrap();
    assert!(
        matches!(d.changes.as_slice(), [Change::RenameColumn { .. }]),
        "{:?}",
        d.changes
    );
    assert!(d.diagnostics.is_empty());
}

/// The rename a likely-rename note proposes is a hint a user can paste as it is: valid JSON, names
/// with quotes escaped, and planning with it renames instead of dropping.
#[test]
fn a_likely_rename_proposes_a_hint_that_is_valid_json() {
    let mut from = table(
        "User",
        &[("id", "bigint", true), ("Full\"name", "text", false)],
    );
    from.name = QualifiedName::public("User");
    let mut to = table("User", &[("id", "bigint", true), ("name", "text", false)]);
    to.name = QualifiedName::public("User");
    let (a, b) = (catalog(vec![from]), catalog(vec![to]));
    let d = diff(&a, &b, &Hints::default()).unwrap();
    let message = &d.diagnostics[0].message;
    let start = message.find("{\"kind\"").expect("the note proposes a hint");
    let end = message
        .find("}); the plan")
        .expect("the hint ends before the plan's words")
        + 1;
    let hint = &message[start..end];
    let hints = Hints::from_json("hints.json", &format!("{{\"renames\": [{hint}]}}"))
        .unwrap_or_else(|e| panic!("{hint}: {e}"));
    let d = diff(&a, &b, &hints).unwrap();
    assert!(
        matches!(d.changes.as_slice(), [Change::RenameColumn { .. }]),
        "{hint}: {:?}",
        d.changes
    );
}

/// A dropped column with several added columns of its type gives one note, not one per pair: the
/// candidates closest name first (case and underscores ignored; then the one that keeps nullability
/// and default; then definition order), five named and how many more, and the hint for the best.
#[test]
fn a_dropped_column_with_many_candidates_gives_one_note_best_first() {
    let a = catalog(vec![table(
        "users",
        &[
            ("id", "bigint", true),
            ("fullname", "text", false),
            ("age", "integer", false),
        ],
    )]);
    let b = catalog(vec![table(
        "users",
        &[
            ("id", "bigint", true),
            ("email", "text", false),
            ("nickname", "text", false),
            ("fullnam1", "text", true),
            ("fullnam2", "text", false),
            ("Full_Name", "text", false),
            ("city", "text", false),
            ("zip", "text", false),
            ("years", "integer", false),
        ],
    )]);
    let d = diff(&a, &b, &Hints::default()).unwrap();
    let notes: Vec<&str> = d.diagnostics.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        notes,
        [
            r#"column public.users.fullname is dropped and 7 columns of the same type are added (closest name first: "Full_Name", fullnam2, fullnam1, nickname, email and 2 more): if one is a rename, say so in the hints ({"kind": "column", "table": "public.users", "from": "fullname", "to": "Full_Name"}); the plan drops and adds"#,
            r#"column public.users.age is dropped and years of the same type is added: if it is a rename, say so in the hints ({"kind": "column", "table": "public.users", "from": "age", "to": "years"}); the plan drops and adds"#,
        ]
    );
}

/// A dropped table with several added tables of the same columns gives one note too.
#[test]
fn a_dropped_table_with_many_candidates_gives_one_note() {
    let cols = [("id", "bigint", true)];
    let a = catalog(vec![table("person", &cols)]);
    let b = catalog(vec![
        table("people", &cols),
        table("persons", &cols),
        table("place", &cols),
    ]);
    let d = diff(&a, &b, &Hints::default()).unwrap();
    let notes: Vec<&str> = d.diagnostics.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        notes,
        [
            r#"table public.person is dropped and 3 tables with the same columns are added (closest name first: public.persons, public.people, public.place): if one is a rename, say so in the hints ({"kind": "table", "from": "public.person", "to": "public.persons"}); the plan drops and creates"#,
        ]
    );
}

#[test]
fn hints_naming_absent_objects_are_errors() {
    let a = catalog(vec![table("users", &[("id", "bigint", true)])]);
    let hints = Hints {
        renames: vec![Rename::Column {
            table: "public.users".into(),
            from: "nope".into(),
            to: "id".into(),
        }],
        backfill: vec![Backfill {
            table: "public.ghosts".into(),
            column: "x".into(),
            expression: "1".into(),
        }],
        ..Hints::default()
    };
    let errors = diff(&a, &a.clone(), &hints).unwrap_err();
    assert_eq!(errors.len(), 2);
    assert!(errors.iter().all(|e| e.is_error()));
    assert!(errors[0].message.contains("nope"), "{}", errors[0].message);
    assert!(
        errors[1].message.contains("ghosts"),
        "{}",
        errors[1].message
    );
}

#[test]
fn binary_coercible_types_change_in_place_others_through_a_shadow() {
    let mut vc = ty("character varying");
    vc.modifiers = vec![10.into()];
    let mut wide = vc.clone();
    wide.modifiers = vec![20.into()];
    assert!(columns::binary_coercible(&vc, &wide));
    assert!(!columns::binary_coercible(&wide, &vc));
    assert!(columns::binary_coercible(&vc, &ty("text")));
    assert!(!columns::binary_coercible(&ty("integer"), &ty("bigint")));
    let a = catalog(vec![table("t", &[("n", "integer", false)])]);
    let b = catalog(vec![table("t", &[("n", "bigint", false)])]);
    let d = diff(&a, &b, &Hints::default()).unwrap();
    // The shadow column gets the final name in the views of the new shape.
    assert!(
        matches!(
            d.changes.as_slice(),
            [Change::ChangeColumnType {
                in_place: false,
                ..
            }, Change::NewShapeViews { schema, view_schema, tables }]
                if schema == "public"
                    && view_schema == "public_shiftplan_new"
                    && tables == &vec![(
                        QualifiedName::public("t"),
                        vec![("n".to_string(), "n_shiftplan_new".to_string())]
                    )]
        ),
        "{:?}",
        d.changes
    );
}

#[test]
fn identifiers_are_found_as_whole_words() {
    assert!(mentions("(price > 0)", "price"));
    assert!(!mentions("(price_eur > 0)", "price"));
    assert!(mentions("(\"Price\" > 0)", "Price"));
}

/// PostgreSQL cannot `ALTER INDEX ... SET` a partitioned index: a changed storage parameter of a
/// partitioned table's key is not planned, and a warning says so (nothing silently left out).
#[test]
fn index_options_of_a_partitioned_tables_key_are_left_with_a_warning() {
    let schema = |fill: u32| {
        crate::inspect(
            "s.sql",
            &format!("CREATE TABLE ev (id int, PRIMARY KEY (id) WITH (fillfactor={fill})) PARTITION BY RANGE (id);"),
        )
        .catalog
    };
    let d = diff(&schema(70), &schema(80), &Hints::default()).unwrap();
    assert!(d.changes.is_empty(), "{:?}", d.changes);
    let codes: Vec<_> = d.diagnostics.iter().map(|d| d.code.as_deref()).collect();
    assert_eq!(codes, [Some("partitioned-index-options")]);
    let plain = |fill: u32| {
        crate::inspect(
            "s.sql",
            &format!("CREATE TABLE t (id int, PRIMARY KEY (id) WITH (fillfactor={fill}));"),
        )
        .catalog
    };
    let d = diff(&plain(70), &plain(80), &Hints::default()).unwrap();
    assert!(
        matches!(d.changes.as_slice(), [Change::SetConstraintIndexOptions { from, to, .. }] if from == &["fillfactor=70"] && to == &["fillfactor=80"]),
        "{:?}",
        d.changes
    );
}

/// A table moved to another tablespace is planned (it was silently left where it was): the copy
/// under ACCESS EXCLUSIVE is a rewrite, and the rollback moves it back to the default.
#[test]
fn a_table_moved_to_another_tablespace_is_planned_with_its_way_back() {
    let schema = |sql: &str| crate::inspect("s.sql", sql).catalog;
    let from = schema("CREATE TABLE t (id int);");
    let to = schema("CREATE TABLE t (id int) TABLESPACE \"Fast\";");
    let d = diff(&from, &to, &Hints::default()).unwrap();
    assert!(
        matches!(d.changes.as_slice(), [Change::AlterTableProperty { table, property }]
        if property.rewrite()
            && crate::render::alter::alter_table_property(table, property)
                == (
                    vec!["ALTER TABLE public.t SET TABLESPACE \"Fast\"".to_string()],
                    vec!["ALTER TABLE public.t SET TABLESPACE pg_default".to_string()]
                )),
        "{:?}",
        d.changes
    );
    let partitioned = |ts: &str| {
        schema(&format!(
            "CREATE TABLE ev (id int) PARTITION BY RANGE (id) {ts};"
        ))
    };
    let d = diff(
        &partitioned(""),
        &partitioned("TABLESPACE fast"),
        &Hints::default(),
    )
    .unwrap();
    assert!(
        matches!(
            d.changes.as_slice(),
            [Change::AlterTableProperty { property, .. }] if !property.rewrite()
        ),
        "{:?}",
        d.changes
    );
    assert!(
        diff(&to, &to.clone(), &Hints::default())
            .unwrap()
            .changes
            .is_empty()
    );
}
