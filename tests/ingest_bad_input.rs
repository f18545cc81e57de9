//! Bad input: clear diagnostics with positions (or an empty model), never a panic. Property tests
//! over random bytes and mutated corpus statements run for a bounded number of cases.

use proptest::prelude::*;
use shiftplan::parse::StatementStatus;

fn errors(file: &str, sql: &str) -> Vec<shiftplan::Diagnostic> {
    shiftplan::inspect(file, sql)
        .diagnostics
        .into_iter()
        .filter(|d| d.is_error())
        .collect()
}

#[test]
fn empty_and_blank_files_give_an_empty_model() {
    for sql in ["", "   \n\n\t", "-- only a comment\n", "/* c */", ";;;"] {
        let i = shiftplan::inspect("empty.sql", sql);
        assert_eq!(i.catalog, shiftplan::Catalog::default(), "{sql:?}");
        assert!(i.diagnostics.is_empty(), "{sql:?}: {:?}", i.diagnostics);
    }
}

#[test]
fn unterminated_dollar_quote_names_its_position() {
    let sql = "CREATE TABLE t (a int);\nCREATE FUNCTION f() RETURNS int AS $body$\nselect 1;\n";
    let e = errors("f.sql", sql);
    assert!(!e.is_empty());
    assert_eq!((e[0].line, e[0].column), (Some(2), Some(36)), "{e:?}");
    assert!(e[0].message.contains("$body$"), "{}", e[0].message);
    assert_eq!(e[0].file.as_deref(), Some("f.sql"));
    // What came before is still read.
    assert!(
        shiftplan::inspect("f.sql", sql)
            .catalog
            .tables
            .contains_key(&shiftplan::model::QualifiedName::public("t"))
    );
}

#[test]
fn unterminated_string_and_identifier_and_comment() {
    for (sql, line, col, what) in [
        ("CREATE TABLE t (a text DEFAULT 'abc);\n", 1, 32, "string"),
        ("SELECT 1;\nCREATE TABLE \"t (a int);", 2, 14, "identifier"),
        ("CREATE TABLE t (a int); /* never closed", 1, 25, "comment"),
    ] {
        let e = errors("u.sql", sql);
        assert!(!e.is_empty(), "{sql:?}");
        assert_eq!(
            (e[0].line, e[0].column),
            (Some(line), Some(col)),
            "{sql:?}: {e:?}"
        );
        assert!(e[0].message.contains(what), "{}", e[0].message);
    }
}

#[test]
fn garbage_is_not_understood_with_a_position() {
    let sql = "CREATE TABLE t (a int);\n\n  this is not sql at all;\nCREATE TABLE u (b int);";
    let i = shiftplan::inspect("g.sql", sql);
    let e: Vec<_> = i.diagnostics.iter().filter(|d| d.is_error()).collect();
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!((e[0].line, e[0].column), (Some(3), Some(3)));
    assert_eq!(
        i.statements
            .iter()
            .filter(|s| s.status == StatementStatus::NotUnderstood)
            .count(),
        1
    );
    assert_eq!(
        i.catalog.tables.len(),
        2,
        "statements around the garbage are read"
    );
}

#[test]
fn syntax_errors_inside_ddl_point_at_the_token() {
    let sql = "CREATE TABLE t (\n  a int,\n  b varchar(,\n);";
    let e = errors("s.sql", sql);
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!((e[0].line, e[0].column), (Some(3), Some(13)), "{e:?}");
}

#[test]
fn binary_bytes_do_not_panic() {
    let bytes: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    let text = String::from_utf8_lossy(&bytes);
    let i = shiftplan::inspect("bin.sql", &text);
    assert!(
        i.diagnostics
            .iter()
            .all(|d| d.line.is_some() && d.column.is_some())
    );
    let nul = "CREATE TABLE t (a int);\0\0\u{1}CREATE TABLE \u{0}u (b int);";
    let i = shiftplan::inspect("nul.sql", nul);
    assert!(i.has_errors());
}

#[test]
fn deeply_nested_expressions_do_not_overflow_the_stack() {
    for depth in [100usize, 5_000, 50_000] {
        let expr = format!("{}1{}", "(".repeat(depth), ")".repeat(depth));
        let sql = format!(
            "CREATE TABLE t (a int CHECK (a > {expr}), b int DEFAULT {expr});\nSELECT {expr};\nCREATE INDEX ON t (({expr}));"
        );
        let i = shiftplan::inspect("deep.sql", &sql);
        assert!(
            i.catalog.tables.len() == 1,
            "depth {depth}: {:?}",
            i.diagnostics.first()
        );
        let sql = format!(
            "CREATE TABLE u (a int CHECK ({}a > 1{}));",
            "NOT ".repeat(depth),
            ""
        );
        let _ = shiftplan::inspect("deep.sql", &sql);
        let sql = format!(
            "CREATE TABLE v (a int CHECK ({}));",
            vec!["a > 1"; depth.min(20_000)].join(" AND ")
        );
        let _ = shiftplan::inspect("deep.sql", &sql);
    }
}

#[test]
fn a_50_mb_file_is_read() {
    let stmt = "CREATE TABLE public.t_NUM (id integer NOT NULL, name text DEFAULT 'x'::text, CONSTRAINT t_NUM_pkey PRIMARY KEY (id));\nCREATE INDEX t_NUM_name ON public.t_NUM USING btree (name);\n-- a comment to pad the file out a little further\n";
    let mut sql = String::with_capacity(51 << 20);
    let mut n = 0;
    while sql.len() < 50 << 20 {
        sql.push_str(&stmt.replace("NUM", &n.to_string()));
        n += 1;
    }
    let i = shiftplan::inspect("big.sql", &sql);
    assert!(!i.has_errors());
    assert_eq!(i.catalog.tables.len(), n);
}

#[test]
fn statements_referencing_unknown_tables_are_diagnostics_not_drops() {
    let sql = "ALTER TABLE missing ADD COLUMN a int;\nCREATE INDEX i ON missing (a);\nCREATE TABLE t (a int REFERENCES elsewhere);";
    let i = shiftplan::inspect("m.sql", sql);
    assert_eq!(i.statements.len(), 3);
    for (s, d) in i.statements.iter().zip(
        i.diagnostics
            .iter()
            .filter(|d| d.severity >= shiftplan::DiagnosticSeverity::Warning),
    ) {
        assert!(d.line == Some(s.line), "{s:?} {d:?}");
    }
}

fn corpus_statements() -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut out = Vec::new();
    for f in [
        "triggerdev/final_schema.sql",
        "danbooru/structure.sql",
        "sakila-postgres/postgres-sakila-schema.sql",
        "postgrest-fixture/schema.sql",
    ] {
        let sql = std::fs::read_to_string(dir.join(f)).expect("corpus file");
        let (stmts, _) = shiftplan::parse::split::split(&sql);
        out.extend(stmts.iter().map(|s| s.text(&sql).to_string()));
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, .. ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let text = String::from_utf8_lossy(&bytes);
        let i = shiftplan::inspect("random.sql", &text);
        for d in &i.diagnostics {
            prop_assert!(d.file.is_some() && d.line.is_some() && d.column.is_some(), "{d:?}");
        }
    }

    #[test]
    fn random_sql_like_text_never_panics(words in proptest::collection::vec(prop_oneof![
        Just("CREATE"), Just("TABLE"), Just("t"), Just("("), Just(")"), Just(","), Just(";"), Just("'x"), Just("'"),
        Just("$$"), Just("$a$"), Just("\""), Just("--"), Just("/*"), Just("*/"), Just("int"), Just("DEFAULT"),
        Just("CHECK"), Just("NOT"), Just("NULL"), Just("ALTER"), Just("INDEX"), Just("ON"), Just("::"), Just("\\"),
        Just("\n"), Just("E'\\'"), Just("PRIMARY KEY"), Just("REFERENCES"), Just("DO"), Just("BEGIN ATOMIC"), Just("END"),
    ], 0..80)) {
        let text = words.join(" ");
        let _ = shiftplan::inspect("words.sql", &text);
    }
}

#[test]
fn mutated_corpus_statements_never_panic() {
    let statements = corpus_statements();
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 512,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    let strategy = (0..statements.len(), any::<u64>(), 0usize..4);
    runner
        .run(&strategy, |(index, seed, kind)| {
            let original = &statements[index];
            let bytes = original.as_bytes();
            let at = if bytes.is_empty() {
                0
            } else {
                (seed as usize) % bytes.len()
            };
            let mut mutated = bytes.to_vec();
            match kind {
                0 => mutated.truncate(at),
                1 => {
                    if !mutated.is_empty() {
                        mutated.remove(at.min(mutated.len() - 1));
                    }
                }
                2 => mutated.insert(at, b"'\"$();,\\"[(seed >> 8) as usize % 8]),
                _ => {
                    let end = (at + (seed >> 16) as usize % 40).min(mutated.len());
                    let chunk = mutated[at..end].to_vec();
                    mutated.splice(at..at, chunk);
                }
            }
            let text = String::from_utf8_lossy(&mutated);
            let i = shiftplan::inspect("mutated.sql", &text);
            for d in &i.diagnostics {
                prop_assert!(d.line.is_some() && d.column.is_some(), "{d:?}");
            }
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
}
