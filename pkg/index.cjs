// Node, require("shiftplan"): wasm-bindgen's nodejs output, which compiles the .wasm synchronously.
"use strict";
module.exports = require("./dist/shiftplan_node.cjs");
