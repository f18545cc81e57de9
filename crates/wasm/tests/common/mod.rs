//! The glue's tests, run by `node.rs` in Node and by `browser.rs` in headless Chromium: the same
//! exports as JS calls them, with JS values in and out.

use js_sys::{Array, JSON, Object, Reflect};
use shiftplan_wasm::{inspect, parse_hints, plan, render, version};
use tsify::Ts;
use wasm_bindgen::{JsCast, JsValue};

const PLAN_JSON: &str = include_str!("../../../../tests/npm/inputs/plan.json");
const HINTS_JSON: &str = include_str!("../../../../tests/npm/inputs/hints.json");
const INSPECT_SQL: &str = include_str!("../../../../tests/npm/inputs/inspect.sql");

fn js(json: &str) -> JsValue {
    JSON::parse(json).expect("test JSON parses")
}

fn get(value: &JsValue, key: &str) -> JsValue {
    Reflect::get(value, &JsValue::from_str(key)).expect("object")
}

fn message(error: &JsValue) -> String {
    error
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .unwrap_or_else(|| format!("{error:?}"))
}

pub fn malformed_input_is_a_type_error_naming_the_field() {
    let cases = [
        (r#"{"to": ""}"#, "input: missing field `from`"),
        (
            r#"{"from": "", "to": "", "hints": {"renamez": []}}"#,
            "input.hints.renamez: unknown field `renamez`",
        ),
        (
            r#"{"from": "", "to": "", "hints": {"renames": [{"kind": "column", "table": "public.t", "from": "a"}]}}"#,
            "input.hints.renames[0]: missing field `to`",
        ),
        (
            r#"{"from": "", "to": "", "options": {"server_version": -1}}"#,
            "input.options.server_version: invalid value",
        ),
    ];
    for (input, expected) in cases {
        let error = plan(Ts::new_unchecked(js(input))).expect_err(input);
        assert!(
            error.is_instance_of::<js_sys::TypeError>(),
            "{input}: {error:?}"
        );
        assert!(
            message(&error).starts_with(expected),
            "{input}: {}",
            message(&error)
        );
    }
    let error = plan(Ts::new_unchecked(JsValue::UNDEFINED)).expect_err("undefined input");
    assert!(
        message(&error).starts_with("input: expected an object"),
        "{}",
        message(&error)
    );
}

pub fn a_plan_with_the_native_shape() {
    let input = js(
        r#"{"from": "CREATE TABLE t (id integer);", "to": "CREATE TABLE t (id integer, note text);"}"#,
    );
    let p = plan(Ts::new_unchecked(input)).expect("plans").js_value();
    assert_eq!(
        get(&p, "format").as_string().as_deref(),
        Some("shiftplan.plan/1")
    );
    let phases = Array::from(&get(&p, "phases"));
    assert!(phases.length() > 0);
    // Absent values are null, as in the native JSON (not undefined).
    for phase in phases.iter() {
        let checkpoint = get(&phase, "app_checkpoint");
        assert!(
            checkpoint.is_null() || checkpoint.is_string(),
            "{checkpoint:?}"
        );
    }
    // Maps come out as plain objects, as in the native JSON.
    let objects = get(&get(&p, "objects"), "to");
    assert_eq!(
        Object::get_prototype_of(&objects),
        Object::get_prototype_of(&Object::new())
    );
    assert!(Object::keys(objects.unchecked_ref::<Object>()).length() > 0);
}

pub fn bad_sql_is_an_error_with_located_diagnostics() {
    let input = js(
        r#"{"from": "", "to": "CREATE TABLE t (id integer);\nCREATE TABLE (;", "to_file": "b.sql"}"#,
    );
    let error = plan(Ts::new_unchecked(input)).expect_err("bad SQL");
    let diagnostics = get(&error, "diagnostics");
    assert!(Array::is_array(&diagnostics), "{error:?}");
    let first = Array::from(&diagnostics).get(0);
    assert_eq!(
        get(&first, "severity").as_string().as_deref(),
        Some("error")
    );
    assert_eq!(get(&first, "file").as_string().as_deref(), Some("b.sql"));
    assert_eq!(get(&first, "line").as_f64(), Some(2.0));
    assert!(get(&first, "column").as_f64().is_some());
    assert!(
        message(&error).starts_with("b.sql:2:"),
        "{}",
        message(&error)
    );
}

pub fn inspect_gives_the_model_with_plain_objects() {
    let inspection = inspect(INSPECT_SQL, Some("inspect.sql".into()))
        .expect("inspect")
        .js_value();
    let catalog = get(&inspection, "catalog");
    for key in ["tables", "views", "enums", "functions"] {
        let map = get(&catalog, key);
        assert_eq!(
            Object::get_prototype_of(&map),
            Object::get_prototype_of(&Object::new()),
            "{key}"
        );
    }
    assert!(Array::is_array(&get(&inspection, "statements")));
    assert!(Array::is_array(&get(&inspection, "diagnostics")));
}

pub fn render_writes_the_native_json_back() {
    let text = render(
        Ts::new_unchecked(js(PLAN_JSON)),
        Ts::new_unchecked(JsValue::from_str("json")),
    )
    .expect("render");
    assert_eq!(text, PLAN_JSON);
    let error = render(
        Ts::new_unchecked(js(PLAN_JSON)),
        Ts::new_unchecked(JsValue::from_str("pdf")),
    )
    .expect_err("pdf");
    assert!(
        message(&error).starts_with("format: unknown variant `pdf`"),
        "{}",
        message(&error)
    );
}

pub fn parse_hints_reads_and_locates_errors() {
    let hints = parse_hints(HINTS_JSON, None).expect("hints").js_value();
    assert_eq!(
        JSON::stringify(&hints).ok().map(String::from),
        JSON::stringify(&js(HINTS_JSON)).ok().map(String::from)
    );
    let error =
        parse_hints("{\n  \"renamez\": []\n}", Some("h.json".into())).expect_err("bad hints");
    assert!(
        message(&error).starts_with("h.json:2:"),
        "{}",
        message(&error)
    );
    let diagnostic = Array::from(&get(&error, "diagnostics")).get(0);
    assert_eq!(get(&diagnostic, "line").as_f64(), Some(2.0));
}

pub fn still_usable_after_errors() {
    let before = JSON::stringify(&inspect(INSPECT_SQL, None).expect("inspect").js_value())
        .ok()
        .map(String::from);
    for _ in 0..3 {
        let _ = plan(Ts::new_unchecked(js(r#"{"from": 1}"#)));
        let _ = parse_hints("{", None);
        let _ = render(
            Ts::new_unchecked(JsValue::NULL),
            Ts::new_unchecked(JsValue::from_str("json")),
        );
    }
    let after = JSON::stringify(&inspect(INSPECT_SQL, None).expect("inspect").js_value())
        .ok()
        .map(String::from);
    assert_eq!(before, after);
    assert_eq!(version(), env!("CARGO_PKG_VERSION"));
}

/// Declares every test above as a `#[wasm_bindgen_test]` of the including file.
#[macro_export]
macro_rules! glue_tests {
    ($($name:ident),* $(,)?) => {
        $(
            #[wasm_bindgen_test::wasm_bindgen_test]
            fn $name() {
                common::$name();
            }
        )*
    };
}

#[macro_export]
macro_rules! all_glue_tests {
    () => {
        $crate::glue_tests!(
            malformed_input_is_a_type_error_naming_the_field,
            a_plan_with_the_native_shape,
            bad_sql_is_an_error_with_located_diagnostics,
            inspect_gives_the_model_with_plain_objects,
            render_writes_the_native_json_back,
            parse_hints_reads_and_locates_errors,
            still_usable_after_errors,
        );
    };
}
