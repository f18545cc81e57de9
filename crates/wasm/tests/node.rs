//! The glue's tests in Node: `CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
//! cargo test -p shiftplan-wasm --target wasm32-unknown-unknown --test node`.
#![cfg(target_arch = "wasm32")]

mod common;

all_glue_tests!();
