// The schema-design page: two editors, hints, and the plan of the shiftplan npm package, planned in a
// Web Worker as you type; its timeline, its dependency graph, downloads, and Prove on PGlite.
import { SqlEditor } from "./editor.js";
import { HintsPanel } from "./hints.js";
import { renderSummary, renderTimeline } from "./plan-view.js";
import { renderGraph } from "./graph.js";
import { ProveView } from "./prove-view.js";
import { renderDownloads, saveText } from "./downloads.js";
import { WorkerClient } from "./worker-client.js";
import { h, clear } from "./dom.js";
import exampleOrder from "../examples/index.json";

const exampleFiles = import.meta.glob("../examples/*/*.{sql,json}", { query: "?raw", import: "default", eager: true });

/** The examples of web/examples/, in index.json's order: {key, title, description, phases, before, after, hints}. */
function loadExamples() {
  return exampleOrder.map((key) => {
    const file = (name) => {
      const text = exampleFiles[`../examples/${key}/${name}`];
      if (text === undefined) throw new Error(`examples/${key}/${name} is missing`);
      return text;
    };
    const meta = JSON.parse(file("example.json"));
    return { key, ...meta, before: file("before.sql"), after: file("after.sql"), hints: JSON.parse(file("hints.json")) };
  });
}

const $ = (id) => document.getElementById(id);
const PGLITE_VERSION = "PostgreSQL 18 (PGlite)";
const DEFAULT_SERVER_VERSION = 15;

const examples = loadExamples();
const state = { plan: null, planMs: undefined, request: 0, timer: null, diagnostics: [], planningSince: null };

const planner = new WorkerClient(new Worker(new URL("./plan.worker.js", import.meta.url), { type: "module", name: "shiftplan planner" }));
let prover = null;
function proveWorker() {
  prover ??= new WorkerClient(new Worker(new URL("./prove/prove.worker.js", import.meta.url), { type: "module", name: "shiftplan prove" }));
  return prover;
}

const editors = {
  before: new SqlEditor($("editor-before"), { label: "Schema before (before.sql)", onChange: () => schedule() }),
  after: new SqlEditor($("editor-after"), { label: "Schema after (after.sql)", onChange: () => schedule() }),
};

const hints = new HintsPanel({
  renames: $("renames"),
  backfills: $("backfills"),
  transforms: $("transforms"),
  suggestions: $("suggestions"),
  count: $("hints-count"),
  addRename: $("add-rename"),
  addBackfill: $("add-backfill"),
  addTransform: $("add-transform"),
  onChange: () => schedule(),
});

const proveView = new ProveView($("panel-prove"), {
  run: (input, onEvent) => proveWorker().call("prove", input, (message) => onEvent(message.event)).then((answer) => answer.result),
});

// Tabs.
const tabs = ["plan", "graph", "prove"];
// The graph and the Prove tables are drawn when their tab is first shown for a plan.
const stale = { graph: false, prove: false };
function drawTab(name) {
  if (name === "graph" && stale.graph) {
    stale.graph = false;
    if (state.plan) renderGraph($("panel-graph"), state.plan, { onSelectStep: focusStep });
    else clear($("panel-graph"));
  }
  if (name === "prove" && stale.prove) {
    stale.prove = false;
    proveView.render();
  }
}

function selectTab(name) {
  for (const tab of tabs) {
    $(`tab-${tab}`).setAttribute("aria-selected", String(tab === name));
    $(`tab-${tab}`).tabIndex = tab === name ? 0 : -1;
    $(`panel-${tab}`).hidden = tab !== name;
  }
  drawTab(name);
}
tabs.forEach((tab, i) => {
  $(`tab-${tab}`).addEventListener("click", () => selectTab(tab));
  $(`tab-${tab}`).addEventListener("keydown", (e) => {
    const step = e.key === "ArrowRight" ? 1 : e.key === "ArrowLeft" ? -1 : 0;
    if (!step) return;
    const next = tabs[(i + step + tabs.length) % tabs.length];
    selectTab(next);
    $(`tab-${next}`).focus();
  });
});

function visibleTab() {
  return tabs.find((tab) => !$(`panel-${tab}`).hidden) ?? "plan";
}

function focusStep(id) {
  selectTab("plan");
  const card = $(`step-${id}`);
  if (!card) return;
  card.scrollIntoView({ block: "center" });
  card.classList.add("flash");
  card.focus({ preventScroll: true });
  setTimeout(() => card.classList.remove("flash"), 1200);
}

// Target server version.
for (let v = 11; v <= 18; v++) {
  $("server-version").append(h("option", { value: String(v), selected: v === DEFAULT_SERVER_VERSION }, `PostgreSQL ${v}${v === DEFAULT_SERVER_VERSION ? " (default)" : ""}`));
}
$("server-version").addEventListener("change", () => schedule(0));

// Examples.
$("example-select").append(h("option", { value: "" }, "Choose an example…"));
for (const example of examples) $("example-select").append(h("option", { value: example.key }, example.title));
$("example-select").addEventListener("change", (e) => {
  const example = examples.find((x) => x.key === e.target.value);
  if (example) loadExample(example);
});

function loadExample(example) {
  hints.set(example.hints);
  editors.before.text = example.before;
  editors.after.text = example.after;
  $("example-select").value = example.key;
  document.body.dataset.example = example.key;
  $("example-note").replaceChildren(h("strong", null, `${example.title}. `), example.description);
  $("example-note").hidden = false;
  schedule(0);
}

// Planning.
function schedule(delay = 250) {
  clearTimeout(state.timer);
  // Until the planner answers, what is on screen is the last input's plan.
  document.body.dataset.planState = "pending";
  state.timer = setTimeout(runPlan, delay);
}

/** The editor a diagnostic's file names (the worker plans with from_file/to_file set to these). */
function editorFor(file) {
  return { "before.sql": "before", "after.sql": "after" }[file] ?? null;
}

/** Diagnostics from a thrown error: its `diagnostics`, else `file:line:column: severity: message` lines. */
function diagnosticsOfError(error) {
  if (Array.isArray(error.diagnostics) && error.diagnostics.length) return error.diagnostics;
  const lines = String(error.message).split("\n").filter(Boolean);
  return lines.map((line) => {
    const m = /^([^:\s]+):(\d+):(\d+): (error|warning|note): (.*)$/.exec(line);
    return m
      ? { file: m[1], line: Number(m[2]), column: Number(m[3]), severity: m[4], message: m[5] }
      : { severity: "error", message: line };
  });
}

async function runPlan() {
  const request = ++state.request;
  document.body.dataset.planRequestedAt = String(performance.now());
  const input = {
    from: editors.before.text,
    to: editors.after.text,
    hints: hints.value(),
    options: { server_version: Number($("server-version").value) },
  };
  document.body.dataset.planState = "planning";
  const spinnerTimer = setTimeout(() => {
    if (request === state.request) $("plan-summary").classList.add("busy");
  }, 150);
  try {
    const answer = await planner.call("plan", input);
    if (request !== state.request) return;
    document.body.dataset.planAnsweredAt = String(performance.now());
    document.body.dataset.planWorkerStart = String(answer.startedAt - performance.timeOrigin);
    document.body.dataset.planWorkerEnd = String(answer.finishedAt - performance.timeOrigin);
    showPlan(answer.plan, answer.ms, input);
  } catch (error) {
    if (request !== state.request) return;
    showFailure(error);
  } finally {
    clearTimeout(spinnerTimer);
    if (request === state.request) $("plan-summary").classList.remove("busy");
  }
}

function showDiagnostics(diagnostics) {
  state.diagnostics = diagnostics;
  for (const key of ["before", "after"]) {
    const mine = diagnostics.filter((d) => editorFor(d.file) === key && d.line);
    editors[key].showDiagnostics(mine);
    const errors = mine.filter((d) => d.severity === "error").length;
    const status = $(`${key}-status`);
    status.textContent = errors ? `${errors} error${errors === 1 ? "" : "s"}` : mine.length ? `${mine.length} note${mine.length === 1 ? "" : "s"}` : "";
    status.className = `editor-status ${errors ? "has-errors" : ""}`;
  }
  const list = clear($("diagnostics"));
  $("diagnostics-count").textContent = diagnostics.length ? String(diagnostics.length) : "none";
  if (!diagnostics.length) list.append(h("li", { class: "muted diagnostics-empty" }, "No diagnostics: both schemas read cleanly."));
  const rank = { error: 0, warning: 1, note: 2 };
  const ordered = diagnostics.map((d, i) => [d, i]).sort(([a, i], [b, j]) => (rank[a.severity] ?? 3) - (rank[b.severity] ?? 3) || i - j);
  for (const [d] of ordered) {
    const where = d.file ? `${d.file}${d.line ? `:${d.line}:${d.column ?? 1}` : ""}` : null;
    const target = editorFor(d.file);
    list.append(
      h(
        "li",
        { class: `diagnostic diagnostic-${d.severity}`, dataset: { file: d.file ?? "", line: d.line ?? "" } },
        h("span", { class: `sev-pill pill-${d.severity}` }, d.severity),
        where && target && d.line
          ? h("button", { type: "button", class: "link-button mono location", onclick: () => editors[target].reveal(d.line, d.column) }, where)
          : d.file === "hints"
            ? h("button", { type: "button", class: "link-button mono location", onclick: () => revealHints() }, "hints")
            : where
            ? h("span", { class: "mono location" }, where)
            : null,
        h("span", { class: "diagnostic-message" }, d.message),
        d.code ? h("code", { class: "diagnostic-code" }, d.code) : null,
      ),
    );
  }
  hints.suggest(diagnostics);
}

function showPlan(plan, ms, input) {
  state.plan = plan;
  state.planMs = ms;
  delete document.body.dataset.planSource;
  document.body.dataset.planState = "ready";
  showDiagnostics(plan.diagnostics ?? []);
  renderSummary($("plan-summary"), plan, { ms, provenOn: PGLITE_VERSION });
  renderTimeline($("panel-plan"), plan, { onFocusStep: focusStep });
  proveView.setPlan(plan, { from: input.from, to: input.to, hints: input.hints });
  stale.graph = true;
  stale.prove = true;
  drawTab(visibleTab());
  renderDownloads($("downloads"), plan, {
    renderers: {
      render: (p, format) => planner.call("render", { plan: p, format }).then((a) => a.text),
      renderPhase: (phase, direction) => planner.call("renderPhase", { phase, direction }).then((a) => a.text),
    },
    onError: (message) => toast(message),
  });
  document.body.dataset.planShownAt = String(performance.now());
  // The frame that paints it: after the next animation frame's style, layout and paint.
  requestAnimationFrame(() => setTimeout(() => (document.body.dataset.planPaintedAt = String(performance.now())), 0));
}

function showFailure(error) {
  state.plan = null;
  document.body.dataset.planState = "error";
  const diagnostics = diagnosticsOfError(error);
  showDiagnostics(diagnostics);
  clear($("plan-summary")).append(
    h("div", { class: "safety safety-blocked", id: "plan-blocked" }, h("span", { class: "badge sev-dangerous" }, "No plan"),
      h("span", null, `The schemas cannot be planned yet: ${diagnostics.filter((d) => d.severity === "error").length || 1} error(s) below.`)),
  );
  clear($("panel-plan")).append(h("div", { class: "empty" }, h("h3", null, "No plan"), h("p", null, "Fix the errors listed under Diagnostics; click one to jump to its line.")));
  proveView.setPlan(null, {});
  stale.graph = true;
  stale.prove = true;
  drawTab(visibleTab());
  renderDownloads($("downloads"), null, {});
}

// Schema files into the editors.
for (const key of ["before", "after"]) {
  $(`open-${key}`).addEventListener("change", async (e) => {
    const file = e.target.files?.[0];
    e.target.value = "";
    if (!file) return;
    editors[key].text = await file.text();
    $("example-select").value = "";
    delete document.body.dataset.example;
    $("example-note").hidden = true;
    schedule(0);
  });
}

// hints.json in and out.
$("open-hints").addEventListener("change", async (e) => {
  const file = e.target.files?.[0];
  e.target.value = "";
  if (!file) return;
  try {
    hints.set(JSON.parse(await file.text()));
    schedule(0);
  } catch (error) {
    toast(`${file.name} is not a hints document: ${error.message}`);
  }
});
$("save-hints").addEventListener("click", () => saveText("hints.json", hints.toJson(), "application/json"));

// A plan.json from the CLI or the npm package, shown and proven against the editors' schemas.
$("open-plan").addEventListener("change", async (e) => {
  const file = e.target.files?.[0];
  e.target.value = "";
  if (!file) return;
  try {
    const plan = JSON.parse(await file.text());
    if (plan?.format !== "shiftplan.plan/1" || !Array.isArray(plan.phases)) throw new Error(`${file.name} is not a shiftplan.plan/1 document`);
    clearTimeout(state.timer);
    state.request++;
    showPlan(plan, undefined, { from: editors.before.text, to: editors.after.text, hints: hints.value() });
    document.body.dataset.planSource = file.name;
    toast(`Showing ${file.name}. Prove runs it against the schemas in the editors; an edit replans.`);
  } catch (error) {
    toast(`Could not open the plan: ${error.message}`);
  }
});

function revealHints() {
  $("hints-card").open = true;
  $("hints-card").scrollIntoView({ block: "start" });
  $("hints-card").querySelector("input, button")?.focus();
}

function toast(message) {
  const note = h("div", { class: "toast", role: "alert" }, message);
  document.body.append(note);
  setTimeout(() => note.remove(), 4000);
}

// Start: the first example, and the package's version in the footer.
planner.ready
  .then(() => planner.call("version"))
  .then((answer) => {
    $("footer").replaceChildren(
      h("span", null, `shiftplan ${answer.version} (WebAssembly, in a Web Worker)`),
      h("span", null, "Prove: PGlite, PostgreSQL 18 in WebAssembly"),
      h("span", null, "Everything runs in this tab: no server sees your schema."),
    );
  })
  .catch((error) => toast(`The planner did not load: ${error.message}`));
loadExample(examples[0]);
selectTab("plan");
