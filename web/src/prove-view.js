// The Prove tab: runs the plan on PGlite in a worker and shows a pass/fail per step with timings.
import { h, clear } from "./dom.js";
import { PHASES } from "./plan-view.js";

const STATE_LABEL = { running: "running", passed: "passed", failed: "failed", skipped: "skipped", pending: "pending" };

function ms(value) {
  if (value === undefined) return "";
  return value < 10 ? `${value.toFixed(1)} ms` : `${Math.round(value)} ms`;
}

function stateCell(state) {
  return h("span", { class: `state state-${state}` }, STATE_LABEL[state] ?? state);
}

function value(v) {
  if (v === undefined) return "(absent)";
  return typeof v === "string" ? v : JSON.stringify(v);
}

export class ProveView {
  constructor(container, { run }) {
    this.container = container;
    this.run = run;
    this.plan = null;
    this.running = false;
  }

  /** Takes a new plan (the page calls render() when the tab is shown). */
  setPlan(plan, { from, to, hints }) {
    this.plan = plan;
    this.inputs = { from, to, hints };
  }

  render() {
    if (this.running) {
      // A new plan came while proving the last one: the results on screen stay theirs.
      this.planChangedWhileRunning = true;
      return;
    }
    const c = clear(this.container);
    if (!this.plan) {
      c.append(h("p", { class: "muted" }, "Prove runs once there is a plan."));
      return;
    }
    const steps = this.plan.phases.flatMap((p) => p.steps.map((s) => ({ ...s, phase: p.name })));
    this.rowsInput = h("input", { type: "number", min: "1", max: "10000", value: String(this.rowsPerTable ?? 50), id: "prove-rows", class: "rows-input" });
    this.button = h("button", { type: "button", class: "button primary", id: "prove-button", onclick: () => this.start() }, "Prove in browser");
    this.verdict = h("div", { class: "verdict", id: "prove-verdict", "aria-live": "polite" });
    c.append(
      h(
        "div",
        { class: "prove-intro" },
        h(
          "div",
          null,
          h("h3", null, "Prove this plan on a real PostgreSQL, in this tab"),
          h(
            "p",
            { class: "muted" },
            "PGlite (PostgreSQL compiled to WebAssembly) loads before.sql with sample rows, applies every step phase by phase exactly as the runner would, " +
              "checks that old and new code see each other's writes before contract (for the column renames of the hints), that the catalog equals after.sql loaded into a second instance, then reapplies the steps before contract, runs their rollbacks in reverse, " +
              "and checks the catalog and every row are back as they were. Nothing leaves your browser.",
          ),
          h(
            "p",
            { class: "version-note", id: "prove-version-note" },
            `The plan targets PostgreSQL ${this.plan.server_version}; PGlite is PostgreSQL 18, so this proves the plan on 18.`,
          ),
        ),
        h("div", { class: "prove-controls" }, h("label", { for: "prove-rows" }, "Sample rows per table"), this.rowsInput, this.button),
      ),
      this.verdict,
    );
    this.rows = new Map();
    const table = (id, caption, entries) =>
      h(
        "table",
        { class: "prove-table", id },
        h("colgroup", null, h("col", { class: "col-step" }), h("col", { class: "col-phase" }), h("col"), h("col", { class: "col-result" }), h("col", { class: "col-time" })),
        h("caption", null, caption),
        h("thead", null, h("tr", null, h("th", null, "Step"), h("th", null, "Phase"), h("th", null, "Change"), h("th", null, "Result"), h("th", { class: "num" }, "Time"))),
        h("tbody", null, entries),
      );
    const row = (run, step) => {
      const cells = { state: h("td", null, stateCell("pending")), time: h("td", { class: "num" }), error: h("td", { class: "prove-error", colspan: "5" }) };
      const tr = h("tr", { dataset: { stepId: step.id, run } }, h("td", null, h("code", null, step.id)), h("td", null, PHASES[step.phase]?.title ?? step.phase), h("td", null, step.change), cells.state, cells.time);
      const errorRow = h("tr", { class: "error-row", hidden: true }, cells.error);
      this.rows.set(`${run}:${step.id}`, { tr, errorRow, ...cells });
      return [tr, errorRow];
    };
    const reversible = steps.filter((s) => s.phase !== "contract");
    this.stagesList = h("ol", { class: "stages", id: "prove-stages" });
    this.checksList = h("ul", { class: "checks", id: "prove-checks" });
    c.append(
      h("div", { class: "prove-grid" },
        h("div", null, h("h4", null, "Setup"), this.stagesList),
        h("div", null, h("h4", null, "Checks"), this.checksList)),
      table("prove-apply", "Apply every step (before.sql → after.sql)", steps.map((s) => row("apply", s))),
      table(
        "prove-rollback",
        "Rollback: the steps before contract, then their rollbacks in reverse",
        [...reversible.map((s) => row("reapply", s)), ...[...reversible].reverse().map((s) => row("rollback", { ...s, change: `undo: ${s.change}` }))],
      ),
    );
    this.sampleRows = h("div", { class: "sample-rows", id: "prove-sample-rows" });
    c.append(this.sampleRows);
  }

  onEvent(event) {
    if (event.kind === "stage") {
      let item = this.stagesList.querySelector(`[data-name="${CSS.escape(event.name)}"]`);
      if (!item) {
        item = h("li", { dataset: { name: event.name } });
        this.stagesList.append(item);
      }
      clear(item).append(
        h("span", null, stateCell(event.state), " ", event.name, event.ms !== undefined ? h("span", { class: "muted" }, ` ${ms(event.ms)}`) : null,
          event.error ? h("div", { class: "prove-error" }, event.error) : null),
      );
    } else if (event.kind === "step") {
      const row = this.rows.get(`${event.run}:${event.id}`);
      if (!row) return;
      clear(row.state).append(h("span", null, stateCell(event.state), event.batches > 1 ? h("span", { class: "muted" }, ` ${event.batches} batches`) : null));
      row.time.textContent = ms(event.ms);
      row.tr.className = `row-${event.state}`;
      if (event.error) {
        row.error.textContent = event.error;
        row.errorRow.hidden = false;
      }
    } else if (event.kind === "check") {
      const details = [];
      for (const d of event.differences ?? []) {
        details.push(h("li", null, h("code", null, d.path), `: expected ${value(d.expected)}, got ${value(d.actual)}`));
      }
      for (const d of event.kept ?? []) {
        details.push(h("li", { class: "muted" }, h("code", null, d.path), ": enum value kept, as PostgreSQL cannot drop one (plan-v1.md allows this)"));
      }
      this.checksList.append(
        h("li", { class: event.ok ? "check-ok" : "check-failed" }, stateCell(event.ok ? "passed" : "failed"), " ", event.name,
          event.error ? h("div", { class: "prove-error" }, event.error) : null,
          details.length ? h("ul", { class: "differences" }, details) : null),
      );
    }
  }

  /** The first thing that went wrong, in words. */
  firstFailure(result) {
    const change = (id) => this.plan.phases.flatMap((p) => p.steps).find((s) => s.id === id)?.change ?? "";
    const step = result.steps.find((s) => s.state === "failed");
    if (step) return `step ${step.id} (${step.phase}: ${change(step.id)}) failed: ${step.error}`;
    const back = result.rollback.find((s) => s.state === "failed");
    if (back) return `${back.run === "rollback" ? "the rollback of" : "reapplying"} step ${back.id} (${change(back.id)}) failed: ${back.error}`;
    const check = result.checks.find((c) => !c.ok);
    return check ? `${check.name}: no` : "see the checks below";
  }

  async start() {
    if (this.running || !this.plan) return;
    this.rowsPerTable = Math.max(1, Math.min(10000, Number(this.rowsInput.value) || 50));
    const rowsPerTable = this.rowsPerTable;
    this.render();
    this.running = true;
    this.planChangedWhileRunning = false;
    this.button.disabled = true;
    this.button.textContent = "Proving…";
    this.verdict.className = "verdict verdict-running";
    this.verdict.textContent = "Starting PGlite…";
    const started = performance.now();
    try {
      const result = await this.run({ plan: this.plan, ...this.inputs, rowsPerTable }, (event) => this.onEvent(event));
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      const total = result.sampleRows.reduce((n, t) => n + t.inserted, 0);
      this.sampleRows.replaceChildren(
        h("h4", null, "Sample rows"),
        h("ul", null, result.sampleRows.map((t) =>
          h("li", null, h("code", null, t.table), `: ${t.inserted} row${t.inserted === 1 ? "" : "s"}`, t.skipped ? h("span", { class: "muted" }, ` (${t.skipped} refused: ${t.reason})`) : null))),
      );
      const passed = result.steps.filter((s) => s.state === "passed").length;
      this.verdict.className = `verdict ${result.ok ? "verdict-pass" : "verdict-fail"}`;
      this.verdict.replaceChildren(
        h("strong", null, result.ok ? "Proven" : "Not proven"),
        result.ok
          ? ` on PostgreSQL ${result.serverVersion} (PGlite): ${passed} of ${result.steps.length} steps passed, the catalog matches after.sql, and the rollback restored the catalog and all ${total} sample rows. ${seconds} s.`
          : `: ${result.error ?? this.firstFailure(result)}. PostgreSQL ${result.serverVersion ?? "18"} (PGlite), ${seconds} s.`,
      );
      if (!result.ok) {
        const failedRow = this.container.querySelector("tr.row-failed");
        if (failedRow) this.verdict.append(" ", h("button", { type: "button", class: "link-button", onclick: () => failedRow.scrollIntoView({ block: "center" }) }, "Show the failed step"));
      }
    } catch (error) {
      this.verdict.className = "verdict verdict-fail";
      this.verdict.textContent = `Prove could not run: ${error.message}`;
    } finally {
      if (this.planChangedWhileRunning) this.verdict.append(h("div", { class: "small" }, "The plan changed while this ran: Prove again to prove the new one."));
      this.running = false;
      this.button.disabled = false;
      this.button.textContent = "Prove again";
    }
  }
}
