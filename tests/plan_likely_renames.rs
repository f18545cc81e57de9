//! Likely-rename notes on a real history: trigger.dev's schema after its first 400 migrations,
//! planned to its final schema. TaskRun loses 3 columns and gains 35 of the same type (text):
//! one note per dropped column (not one per pair, which gave 105), each naming its candidates best
//! first, pointing at the best one's definition and proposing a hint that renames it.

mod support;

use shiftplan::Hints;
use shiftplan::diff::{Change, diff};

#[test]
fn triggerdev_400_to_final_gives_one_note_per_dropped_object() {
    let migrations = support::triggerdev_migrations();
    let mut from = shiftplan::Catalog::default();
    for m in &migrations[..400] {
        let sql = std::fs::read_to_string(m).expect("readable migration");
        from = shiftplan::parse::inspect_onto(from, &m.display().to_string(), &sql).catalog;
    }
    let final_sql = std::fs::read_to_string(support::corpus().join("triggerdev/final_schema.sql"))
        .expect("final");
    let to = shiftplan::inspect("final.sql", &final_sql).catalog;
    let d = diff(&from, &to, &Hints::default()).expect("diffs");
    let notes: Vec<_> = d
        .diagnostics
        .iter()
        .filter(|n| n.code.as_deref() == Some("likely-rename"))
        .collect();
    let task_run: Vec<_> = notes
        .iter()
        .filter(|n| n.message.starts_with(r#"column public."TaskRun"."#))
        .collect();
    // 3 dropped TaskRun columns (105 pairs) and 2 dropped tables (8 pairs): 5 notes.
    assert_eq!((notes.len(), task_run.len()), (5, 3), "{notes:#?}");
    for note in task_run {
        assert!(
            note.message.contains(
                "is dropped and 35 columns of the same type are added (closest name first: "
            ) && note.message.contains(" and 30 more): "),
            "{}",
            note.message
        );
        let start = note.message.find("{\"kind\"").expect("a hint");
        let end = note.message.find("}); the plan").expect("the hint's end") + 1;
        let hint = &note.message[start..end];
        let hints = Hints::from_json("hints.json", &format!("{{\"renames\": [{hint}]}}"))
            .unwrap_or_else(|e| panic!("{hint}: {e}"));
        let value: serde_json::Value = serde_json::from_str(hint).expect("JSON");
        let best = value["to"].as_str().expect("to");
        // The note points at the best candidate's definition in final.sql.
        let at = to
            .sources
            .column(&shiftplan::model::QualifiedName::public("TaskRun"), best)
            .expect("the candidate's position");
        assert_eq!(
            (note.file.as_deref(), note.line, note.column),
            (
                Some("final.sql"),
                Some(at.position.line),
                Some(at.position.column)
            )
        );
        // The best candidate is the first one named.
        assert!(
            note.message
                .contains(&format!("first: {}", shiftplan::model::quote_ident(best))),
            "{}",
            note.message
        );
        let renamed = diff(&from, &to, &hints).expect("diffs with the hint");
        assert!(
            renamed
                .changes
                .iter()
                .any(|c| matches!(c, Change::RenameColumn { to, .. } if to.name == best)),
            "{hint}"
        );
    }
}
