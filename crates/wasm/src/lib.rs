//! Thin wasm-bindgen glue over the shiftplan core: conversions at the edge, no logic.
