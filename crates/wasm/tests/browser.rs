//! The glue's tests in headless Chromium: as node.rs, with `CHROMEDRIVER=/usr/bin/chromedriver`
//! and `--test browser`.
#![cfg(target_arch = "wasm32")]

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

mod common;

all_glue_tests!();
