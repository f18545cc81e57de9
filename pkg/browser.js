// Browsers and bundlers (Vite, webpack, esbuild), and a plain <script type="module">: the module
// is fetched from next to this file and instantiated before the exports are used (top-level
// await), so plan() is synchronous here too.
import init from "./dist/shiftplan_web.js";

await init();

export { formatDiagnostics, inspect, parseHints, plan, render, renderPhase, version } from "./dist/shiftplan_web.js";
