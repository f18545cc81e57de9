// Node, import { plan } from "shiftplan": the same instance as require("shiftplan"), so a program
// that mixes both loads the module once.
export { formatDiagnostics, inspect, parseHints, plan, render, renderPhase, version } from "./dist/shiftplan_node.cjs";
