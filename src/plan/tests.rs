use super::*;
use crate::hints::{Backfill, Rename};
use crate::model::{
    BaseType, Column, Constraint, ConstraintKind, QualifiedName, ReferentialAction, Table, TypeName,
};

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

fn pk(t: &mut Table, column: &str) {
    let name = format!("{}_pkey", t.name.name);
    t.constraints.insert(
        name.clone(),
        Constraint {
            name,
            kind: ConstraintKind::PrimaryKey {
                columns: vec![column.into()],
                include: vec![],
            },
            deferrable: false,
            initially_deferred: false,
            not_valid: false,
            comment: None,
            index_options: vec![],
            index_tablespace: None,
        },
    );
}

fn fk(t: &mut Table, column: &str, target: &str) {
    let name = format!("{}_{column}_fkey", t.name.name);
    t.constraints.insert(
        name.clone(),
        Constraint {
            name,
            kind: ConstraintKind::ForeignKey {
                columns: vec![column.into()],
                references: QualifiedName::public(target),
                referenced_columns: vec!["id".into()],
                on_delete: ReferentialAction::NoAction,
                on_update: ReferentialAction::NoAction,
                match_full: false,
            },
            deferrable: false,
            initially_deferred: false,
            not_valid: false,
            comment: None,
            index_options: vec![],
            index_tablespace: None,
        },
    );
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

/// Every depends_on edge points backwards, ids are s1.. in order, pre-contract steps reversible.
fn check_invariants(plan: &Plan) {
    let steps: Vec<&Step> = plan.steps().collect();
    for (i, s) in steps.iter().enumerate() {
        assert_eq!(s.id, format!("s{}", i + 1));
        for d in &s.depends_on {
            let j: usize = d[1..].parse().unwrap();
            assert!(j < i + 1, "{} depends on later {d}", s.id);
        }
    }
    let names: Vec<PhaseName> = plan.phases.iter().map(|p| p.name).collect();
    let mut sorted = names.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(names, sorted, "phases out of order or repeated");
    for p in &plan.phases {
        if p.name != PhaseName::Contract {
            for s in &p.steps {
                assert!(s.reversible, "{} in {} is not reversible", s.id, p.name);
            }
        }
    }
}

#[test]
fn unchanged_schema_plans_no_step() {
    let a = catalog(vec![table("users", &[("id", "bigint", true)])]);
    let p = plan_catalogs(&a, &a.clone(), &Hints::default(), &PlanOptions::default()).unwrap();
    assert!(p.phases.is_empty());
    assert_eq!(p.safety, Severity::Safe);
    assert_eq!(p.from_fingerprint, p.to_fingerprint);
    assert!(p.objects.from.contains_key("table public.users"));
}

#[test]
fn not_null_column_without_backfill_is_an_error_that_says_so() {
    let a = catalog(vec![table("orders", &[("id", "bigint", true)])]);
    let b = catalog(vec![table(
        "orders",
        &[("id", "bigint", true), ("currency", "text", true)],
    )]);
    let e = plan_catalogs(&a, &b, &Hints::default(), &PlanOptions::default()).unwrap_err();
    assert_eq!(e[0].code.as_deref(), Some("not-null-needs-backfill"));
    assert!(e[0].message.contains("backfill"), "{}", e[0].message);
    let hints = Hints {
        backfill: vec![Backfill {
            table: "public.orders".into(),
            column: "currency".into(),
            expression: "'EUR'".into(),
        }],
        ..Hints::default()
    };
    let p = plan_catalogs(&a, &b, &hints, &PlanOptions::default()).unwrap();
    check_invariants(&p);
    let phases: Vec<PhaseName> = p.phases.iter().map(|x| x.name).collect();
    assert_eq!(phases, PhaseName::ALL.to_vec());
    let backfill = p.steps().find(|s| s.repeat_until_zero_rows).unwrap();
    assert!(backfill.sql[0].contains("'EUR'"), "{}", backfill.sql[0]);
    assert!(p.steps().any(|s| {
        s.sql
            .iter()
            .any(|q| q.ends_with("ALTER COLUMN currency SET NOT NULL"))
    }));
}

/// The backfill hint a not-null-needs-backfill error proposes is valid JSON (quoted names escaped
/// by the one helper the likely-rename notes use too): with an expression filled in, it plans.
#[test]
fn the_backfill_hint_an_error_proposes_is_valid_json() {
    let mut a = table("Order", &[("id", "bigint", true)]);
    a.name = QualifiedName::public("Order");
    let mut b = table(
        "Order",
        &[("id", "bigint", true), ("Cur\"rency", "text", true)],
    );
    b.name = QualifiedName::public("Order");
    let (a, b) = (catalog(vec![a]), catalog(vec![b]));
    let e = plan_catalogs(&a, &b, &Hints::default(), &PlanOptions::default()).unwrap_err();
    let message = &e[0].message;
    let start = message
        .find("{\"backfill\"")
        .expect("the error proposes a hint");
    let hint = message[start..].replace("\"...\"", "\"'EUR'\"");
    let hints = Hints::from_json("hints.json", &hint).unwrap_or_else(|e| panic!("{hint}: {e}"));
    let p = plan_catalogs(&a, &b, &hints, &PlanOptions::default()).unwrap();
    assert!(p.steps().any(|s| s.repeat_until_zero_rows), "{hint}");
}

#[test]
fn two_new_tables_referencing_each_other_get_their_foreign_keys_after_both() {
    let a = catalog(vec![]);
    let mut x = table("x", &[("id", "bigint", true), ("y_id", "bigint", false)]);
    pk(&mut x, "id");
    fk(&mut x, "y_id", "y");
    let mut y = table("y", &[("id", "bigint", true), ("x_id", "bigint", false)]);
    pk(&mut y, "id");
    fk(&mut y, "x_id", "x");
    let b = catalog(vec![x, y]);
    let p = plan_catalogs(&a, &b, &Hints::default(), &PlanOptions::default()).unwrap();
    check_invariants(&p);
    let changes: Vec<&str> = p.steps().map(|s| s.change.as_str()).collect();
    assert_eq!(
        changes[..2],
        ["create table public.x", "create table public.y"]
    );
    assert!(
        changes[2..].iter().all(|c| c.contains("_fkey")),
        "{changes:?}"
    );
    // Byte-identical output run to run.
    let again = plan_catalogs(&a, &b, &Hints::default(), &PlanOptions::default()).unwrap();
    assert_eq!(
        serde_json::to_string(&p).unwrap(),
        serde_json::to_string(&again).unwrap()
    );
}

#[test]
fn rename_column_goes_through_all_four_phases() {
    let mut a_users = table(
        "users",
        &[("id", "bigint", true), ("fullname", "text", true)],
    );
    pk(&mut a_users, "id");
    let mut b_users = table("users", &[("id", "bigint", true), ("name", "text", true)]);
    pk(&mut b_users, "id");
    let hints = Hints {
        renames: vec![Rename::Column {
            table: "public.users".into(),
            from: "fullname".into(),
            to: "name".into(),
        }],
        ..Hints::default()
    };
    let p = plan_catalogs(
        &catalog(vec![a_users]),
        &catalog(vec![b_users]),
        &hints,
        &PlanOptions::default(),
    )
    .unwrap();
    check_invariants(&p);
    let phases: Vec<PhaseName> = p.phases.iter().map(|x| x.name).collect();
    assert_eq!(phases, PhaseName::ALL.to_vec());
    let contract = &p.phases[3].steps;
    assert!(
        contract
            .iter()
            .any(|s| s.sql.iter().any(|q| q.contains("DROP COLUMN fullname")))
    );
    assert!(
        p.phases[3]
            .app_checkpoint
            .as_deref()
            .unwrap_or("")
            .contains("public.users.fullname")
    );
}

#[test]
fn hazards_depend_on_the_server_version() {
    let a = catalog(vec![table(
        "t",
        &[("id", "bigint", true), ("v", "text", false)],
    )]);
    let b = catalog(vec![table(
        "t",
        &[("id", "bigint", true), ("v", "text", true)],
    )]);
    let codes = |version| {
        let p = plan_catalogs(
            &a,
            &b,
            &Hints::default(),
            &PlanOptions {
                server_version: version,
                ..PlanOptions::default()
            },
        )
        .unwrap();
        p.steps()
            .flat_map(|s| s.hazards.iter().map(|h| h.code.clone()))
            .collect::<Vec<_>>()
    };
    assert!(codes(11).contains(&"not-null-full-scan".to_string()));
    assert!(!codes(12).contains(&"not-null-full-scan".to_string()));
    assert!(
        plan_catalogs(
            &a,
            &b,
            &Hints::default(),
            &PlanOptions {
                server_version: 10,
                ..PlanOptions::default()
            }
        )
        .is_err()
    );
}

#[test]
fn an_unbreakable_cycle_names_every_step_in_it() {
    use crate::ops::StepDraft;
    let a = StepDraft::new(PhaseName::Expand, "first thing")
        .creates("k1")
        .needs("k2");
    let b = StepDraft::new(PhaseName::Expand, "second thing")
        .creates("k2")
        .needs("k1");
    let nodes = vec![
        order::Node {
            draft: a,
            rank: 0,
            change: 0,
            position: 0,
        },
        order::Node {
            draft: b,
            rank: 0,
            change: 1,
            position: 0,
        },
    ];
    let e = order::order(nodes).err().unwrap();
    assert_eq!(e.code.as_deref(), Some("dependency-cycle"));
    assert!(
        e.message.contains("first thing") && e.message.contains("second thing"),
        "{}",
        e.message
    );
}

#[test]
fn a_type_change_without_a_cast_is_dangerous_until_a_transform_is_given() {
    let mut a = table(
        "events",
        &[
            ("id", "bigint", true),
            ("started", "timestamp without time zone", false),
        ],
    );
    pk(&mut a, "id");
    let mut b = table(
        "events",
        &[("id", "bigint", true), ("started", "bigint", false)],
    );
    pk(&mut b, "id");
    let (a, b) = (catalog(vec![a]), catalog(vec![b]));
    let codes = |p: &Plan| {
        p.steps()
            .flat_map(|s| s.hazards.iter().map(|h| h.code.clone()))
            .collect::<Vec<_>>()
    };

    // timestamp → bigint has no cast: through text, every real value fails.
    let p = plan_catalogs(&a, &b, &Hints::default(), &PlanOptions::default()).unwrap();
    check_invariants(&p);
    assert!(
        codes(&p).contains(&"type-change-unproven-cast".to_string()),
        "{:?}",
        codes(&p)
    );
    assert_eq!(p.safety, Severity::Dangerous);

    // With a transform the conversion is the user's, and no cast hazard remains.
    let hints = Hints {
        transforms: vec![crate::hints::Transform {
            table: "public.events".into(),
            column: "started".into(),
            up: "(extract(epoch from started) * 1000)::bigint".into(),
            down: "to_timestamp(started / 1000.0)::timestamp".into(),
        }],
        ..Hints::default()
    };
    let p = plan_catalogs(&a, &b, &hints, &PlanOptions::default()).unwrap();
    assert!(
        !codes(&p)
            .iter()
            .any(|c| c.starts_with("type-change-") && c.ends_with("cast")),
        "{:?}",
        codes(&p)
    );

    // int → bigint casts directly both ways: careful, not dangerous.
    let mut c = table(
        "events",
        &[("id", "bigint", true), ("started", "integer", false)],
    );
    pk(&mut c, "id");
    let c = catalog(vec![c]);
    let p = plan_catalogs(&c, &b, &Hints::default(), &PlanOptions::default()).unwrap();
    assert!(
        codes(&p).contains(&"type-change-cast".to_string()),
        "{:?}",
        codes(&p)
    );
    assert!(!codes(&p).contains(&"type-change-unproven-cast".to_string()));
}

/// Plans SQL text with hints given as JSON.
fn plan_sql(from: &str, to: &str, hints: &str) -> Result<Plan, Vec<Diagnostic>> {
    let hints = Hints::from_json("hints.json", hints).expect("hints");
    crate::plan(
        Source::new("from.sql", from),
        Source::new("to.sql", to),
        &hints,
        &PlanOptions::default(),
    )
}

#[test]
fn an_enum_rename_is_refused_when_a_view_casts_to_the_type() {
    let from = "CREATE TYPE public.mood AS ENUM ('a', 'b');\nCREATE TABLE public.t (m public.mood);\nCREATE VIEW public.v AS SELECT t.m FROM public.t WHERE (t.m = 'a'::public.mood);";
    let to = "CREATE TYPE public.feeling AS ENUM ('a', 'b');\nCREATE TABLE public.t (m public.feeling);\nCREATE VIEW public.v AS SELECT t.m FROM public.t WHERE (t.m = 'a'::public.feeling);";
    let hints = r#"{"renames": [{"kind": "enum", "from": "public.mood", "to": "public.feeling"}]}"#;
    let errors = plan_sql(from, to, hints).expect_err("refused");
    assert!(
        errors
            .iter()
            .any(|e| e.message.contains("view public.v names the type")),
        "{errors:?}"
    );
    // Without the view, the columns follow the rename: no type change, no default change.
    let from = "CREATE TYPE public.mood AS ENUM ('a', 'b');\nCREATE TABLE public.t (m public.mood DEFAULT 'a'::public.mood, ms public.mood[]);";
    let to = "CREATE TYPE public.feeling AS ENUM ('a', 'b');\nCREATE TABLE public.t (m public.feeling DEFAULT 'a'::public.feeling, ms public.feeling[]);";
    let plan = plan_sql(from, to, hints).expect("planned");
    check_invariants(&plan);
    let changes: Vec<&str> = plan.steps().map(|s| s.change.as_str()).collect();
    assert_eq!(
        changes,
        [
            "rename enum public.mood to public.feeling, keeping public.mood as a domain over it",
            "drop the compatibility domain public.mood of enum public.feeling"
        ]
    );
}

#[test]
fn a_view_rename_with_a_changed_definition_is_planned_as_create_and_drop_with_a_warning() {
    let from = "CREATE TABLE public.t (a integer, b integer);\nCREATE VIEW public.v AS SELECT t.a FROM public.t;";
    let to = "CREATE TABLE public.t (a integer, b integer);\nCREATE VIEW public.w AS SELECT t.a, t.b FROM public.t;";
    let hints = r#"{"renames": [{"kind": "view", "from": "public.v", "to": "public.w"}]}"#;
    let plan = plan_sql(from, to, hints).expect("planned");
    check_invariants(&plan);
    assert!(
        plan.diagnostics
            .iter()
            .any(|d| d.code.as_deref() == Some("rename-not-kept")),
        "{:?}",
        plan.diagnostics
    );
    let changes: Vec<&str> = plan.steps().map(|s| s.change.as_str()).collect();
    assert_eq!(changes, ["create view public.w", "drop view public.v"]);
    // A view hint naming a table is an error.
    let hints = r#"{"renames": [{"kind": "view", "from": "public.t", "to": "public.w"}]}"#;
    let errors = plan_sql(from, to, hints).expect_err("refused");
    assert!(
        errors[0]
            .message
            .contains("view public.t is not in the `from` schema"),
        "{errors:?}"
    );
}

/// A materialized view moved to another tablespace is planned like a table's move (it was
/// silently left where it was): `ALTER MATERIALIZED VIEW ... SET TABLESPACE`, a copy under ACCESS
/// EXCLUSIVE (dangerous), moved back by the rollback (`pg_default` when it had none); also after a
/// rename, under the new name; and a view created again is created in its tablespace.
#[test]
fn a_materialized_view_moved_to_another_tablespace_is_planned_with_its_way_back() {
    let schema = |ts: &str, name: &str, query: &str| {
        format!(
            "CREATE TABLE public.t (id integer);\nCREATE MATERIALIZED VIEW public.{name} {ts}AS SELECT t.id FROM public.t{query};\n"
        )
    };
    let p = plan_sql(
        &schema("", "m", ""),
        &schema("TABLESPACE \"Fast\" ", "m", ""),
        "{}",
    )
    .expect("plans");
    let steps: Vec<&Step> = p.steps().collect();
    assert_eq!(steps.len(), 1, "{steps:#?}");
    let s = steps[0];
    assert_eq!(s.change, "change tablespace of public.m");
    assert_eq!(
        s.sql,
        ["ALTER MATERIALIZED VIEW public.m SET TABLESPACE \"Fast\""]
    );
    assert_eq!(
        s.rollback,
        ["ALTER MATERIALIZED VIEW public.m SET TABLESPACE pg_default"]
    );
    assert!(s.reversible);
    assert_eq!(
        (s.lock.level.as_str(), s.lock.duration),
        ("ACCESS EXCLUSIVE", LockDuration::Rewrite)
    );
    assert_eq!(s.hazards[0].code, "access-exclusive-rewrite");
    assert_eq!(p.safety, Severity::Dangerous);
    // Back to the default: the rollback names where it was.
    let p = plan_sql(
        &schema("TABLESPACE fast ", "m", ""),
        &schema("", "m", ""),
        "{}",
    )
    .expect("plans");
    let s = p.steps().next().expect("a step");
    assert_eq!(
        (s.sql.as_slice(), s.rollback.as_slice()),
        (
            ["ALTER MATERIALIZED VIEW public.m SET TABLESPACE pg_default".to_string()].as_slice(),
            ["ALTER MATERIALIZED VIEW public.m SET TABLESPACE fast".to_string()].as_slice()
        )
    );
    // Renamed and moved: the move follows the rename, under the new name.
    let p = plan_sql(
        &schema("", "m", ""),
        &schema("TABLESPACE fast ", "n", ""),
        r#"{"renames": [{"kind": "view", "from": "public.m", "to": "public.n"}]}"#,
    )
    .expect("plans");
    let changes: Vec<&str> = p.steps().map(|s| s.change.as_str()).collect();
    let moved = changes
        .iter()
        .position(|c| *c == "change tablespace of public.n")
        .unwrap_or_else(|| panic!("{changes:?}"));
    assert!(
        changes[..moved].iter().any(|c| c.starts_with("rename")),
        "{changes:?}"
    );
    // Created again (its query changes): in its tablespace, with no move of its own.
    let p = plan_sql(
        &schema("", "m", ""),
        &schema("TABLESPACE fast ", "m", " WHERE (t.id > 0)"),
        "{}",
    )
    .expect("plans");
    let sql: Vec<&String> = p.steps().flat_map(|s| &s.sql).collect();
    assert!(
        sql.iter()
            .any(|s| s.starts_with("CREATE MATERIALIZED VIEW public.m TABLESPACE fast AS")),
        "{sql:?}"
    );
    assert!(!sql.iter().any(|s| s.contains("SET TABLESPACE")), "{sql:?}");
}
