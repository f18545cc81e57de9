// The plan: a summary bar, then the phases as a timeline with the application checkpoints between
// them, each step as a card with its SQL, rollback, lock and hazards.
import { h, svg, clear } from "./dom.js";
import { highlightedSql } from "./highlight.js";

export const PHASES = {
  expand: { title: "Expand", blurb: "Additive, lock-safe changes. The running application keeps working unchanged." },
  dual_write: { title: "Dual write", blurb: "Old and new shapes kept in sync by triggers: old and new code can run side by side." },
  backfill: { title: "Backfill", blurb: "Existing rows brought to the new shape in small batches, each its own transaction." },
  contract: { title: "Contract", blurb: "What only the old code needed is removed. Past this point there is no way back." },
};

export const SEVERITY_LABEL = { safe: "Safe", careful: "Careful", dangerous: "Dangerous" };
const SEVERITY_ICON = { safe: "✓", careful: "!", dangerous: "✕" };

const DURATION = {
  instant: "held for milliseconds (catalog only)",
  scan: "held while the table is scanned",
  rewrite: "held while the table and its indexes are rewritten",
  batched: "row locks, one batch at a time",
  build: "held while an index is built; writes go on",
};

/** How heavy a lock is for the application: reads and writes blocked, writes blocked, or neither. */
export function lockWeight(lock) {
  const level = (lock?.level ?? "NONE").toUpperCase();
  if (level === "ACCESS EXCLUSIVE") return lock.duration === "instant" ? "blocks-briefly" : "blocks-all";
  if (["SHARE", "SHARE ROW EXCLUSIVE", "EXCLUSIVE"].includes(level)) return lock.duration === "instant" ? "blocks-briefly" : "blocks-writes";
  return "light";
}

export function severityBadge(severity, text) {
  return h(
    "span",
    { class: `badge sev-${severity}` },
    h("span", { class: "badge-icon", "aria-hidden": "true" }, SEVERITY_ICON[severity] ?? "?"),
    text ?? SEVERITY_LABEL[severity] ?? severity,
  );
}

export function worstSeverity(hazards) {
  const order = ["safe", "careful", "dangerous"];
  return hazards.reduce((worst, hz) => (order.indexOf(hz.severity) > order.indexOf(worst) ? hz.severity : worst), "safe");
}

function lockBadge(lock) {
  const relations = lock.relations?.length ? lock.relations.join(", ") : "no relation";
  return h(
    "span",
    { class: `badge lock lock-${lockWeight(lock)}`, title: `${lock.level} lock on ${relations}: ${DURATION[lock.duration] ?? lock.duration}` },
    svg("svg", { class: "lock-icon", viewBox: "0 0 16 16", width: "12", height: "12", "aria-hidden": "true" },
      svg("rect", { x: "3", y: "7", width: "10", height: "8", rx: "1.5" }),
      svg("path", { d: "M5 7V5a3 3 0 0 1 6 0v2", fill: "none" })),
    h("span", { class: "lock-level" }, lock.level),
    h("span", { class: "lock-sep", "aria-hidden": "true" }, "·"),
    lock.duration,
    h("span", { class: "lock-sep", "aria-hidden": "true" }, "·"),
    h("span", { class: "lock-relations" }, relations),
  );
}

// Statements are highlighted when their card first comes near the screen: a plan of hundreds of
// steps appears at once, and the parsing is spread over scrolling.
const pendingHighlight = new WeakMap();
const highlighter =
  typeof IntersectionObserver === "function"
    ? new IntersectionObserver(
        (entries) => {
          for (const entry of entries) {
            if (!entry.isIntersecting) continue;
            highlighter.unobserve(entry.target);
            highlightNow(entry.target);
          }
        },
        { rootMargin: "600px 0px" },
      )
    : null;

function highlightNow(pre) {
  const sql = pendingHighlight.get(pre);
  if (sql === undefined) return;
  pendingHighlight.delete(pre);
  pre.replaceChildren(highlightedSql(sql));
}

/** Plans with more steps than this highlight lazily and skip laying out cards off screen. */
const BIG_PLAN = 60;
let lazy = false;

function sqlPre(statement) {
  const pre = h("pre", { class: "sql" }, h("code", null, statement));
  pendingHighlight.set(pre, statement);
  if (lazy && highlighter) highlighter.observe(pre);
  else highlightNow(pre);
  return pre;
}

function sqlBlock(label, statements, className) {
  return h(
    "div",
    { class: `sql-block ${className ?? ""}` },
    h("div", { class: "sql-label" }, label),
    statements.map(sqlPre),
  );
}

function stepCard(step, phaseName, onFocusStep) {
  const severity = worstSeverity(step.hazards);
  const flags = [
    step.transactional ? h("span", { class: "flag" }, "one transaction") : h("span", { class: "flag" }, "autocommit, statement by statement"),
    step.repeat_until_zero_rows ? h("span", { class: "flag flag-batch" }, "repeats until 0 rows") : null,
    step.reversible ? null : h("span", { class: "flag flag-irreversible" }, "irreversible"),
  ];
  return h(
    "article",
    { class: `step sev-border-${severity}`, id: `step-${step.id}`, dataset: { stepId: step.id, phase: phaseName }, tabindex: "-1" },
    h(
      "header",
      { class: "step-head" },
      h("span", { class: "step-id" }, step.id),
      h("h4", { class: "step-change" }, step.change),
      severityBadge(severity),
    ),
    h("div", { class: "step-meta" }, lockBadge(step.lock), flags),
    sqlBlock("SQL", step.sql, "forward"),
    step.reversible
      ? h(
          "details",
          { class: "rollback" },
          h("summary", null, `Rollback (${step.rollback.length} statement${step.rollback.length === 1 ? "" : "s"})`),
          step.rollback.length
            ? sqlBlock("Rollback SQL", step.rollback, "backward")
            : h("p", { class: "muted small" }, "Nothing to undo: the rollback of an earlier step removes what this step touched."),
        )
      : h("p", { class: "irreversible-note" }, "No statement can undo this step: the data it removes is gone."),
    step.hazards.length
      ? h(
          "ul",
          { class: "hazards" },
          step.hazards.map((hz) =>
            h(
              "li",
              { class: `hazard hazard-${hz.severity}` },
              h("div", { class: "hazard-head" }, severityBadge(hz.severity), h("code", { class: "hazard-code" }, hz.code)),
              h("p", { class: "hazard-message" }, hz.message),
              hz.help ? h("p", { class: "hazard-help" }, h("strong", null, "What to do: "), hz.help) : null,
            ),
          ),
        )
      : null,
    step.depends_on.length
      ? h(
          "footer",
          { class: "step-deps" },
          "Runs after ",
          step.depends_on.map((dep, i) => [
            i ? ", " : "",
            h("a", { href: `#step-${dep}`, class: "dep-link", onclick: (e) => { e.preventDefault(); onFocusStep(dep); } }, dep),
          ]),
        )
      : null,
  );
}

/** The summary bar: overall safety, counts, target version, planning time. */
export function renderSummary(container, plan, { ms, provenOn }) {
  clear(container);
  const steps = plan.phases.reduce((n, p) => n + p.steps.length, 0);
  const hazards = plan.phases.flatMap((p) => p.steps.flatMap((s) => s.hazards));
  const count = (sev) => hazards.filter((hz) => hz.severity === sev).length;
  container.append(
    h(
      "div",
      { class: `safety safety-${plan.safety}`, id: "plan-safety" },
      h("span", { class: "safety-label" }, "Overall"),
      severityBadge(plan.safety, SEVERITY_LABEL[plan.safety]),
    ),
    h(
      "dl",
      { class: "summary-stats" },
      h("div", null, h("dt", null, "Steps"), h("dd", { id: "plan-step-count" }, String(steps))),
      h("div", null, h("dt", null, "Phases"), h("dd", null, plan.phases.map((p) => PHASES[p.name]?.title ?? p.name).join(" → ") || "none")),
      h("div", null, h("dt", null, "Hazards"), h("dd", null, `${count("dangerous")} dangerous · ${count("careful")} careful`)),
      h("div", null, h("dt", null, "Planned for"), h("dd", null, `PostgreSQL ${plan.server_version}`)),
      h("div", null, h("dt", null, "Proven on"), h("dd", null, provenOn)),
      ms !== undefined ? h("div", null, h("dt", null, "Planned in"), h("dd", { id: "plan-time" }, `${Math.round(ms)} ms`)) : null,
    ),
  );
}

/** The phases as a timeline. `onFocusStep(id)` scrolls to a step. */
export function renderTimeline(container, plan, { onFocusStep }) {
  clear(container);
  if (plan.phases.every((p) => p.steps.length === 0)) {
    container.append(h("div", { class: "empty" }, h("h3", null, "Nothing to do"), h("p", null, "Both schemas are the same: the plan has no step.")));
    return;
  }
  lazy = plan.phases.reduce((n, p) => n + p.steps.length, 0) > BIG_PLAN;
  const timeline = h("ol", { class: lazy ? "timeline big-plan" : "timeline", id: "timeline" });
  plan.phases.forEach((phase, index) => {
    const meta = PHASES[phase.name] ?? { title: phase.name, blurb: "" };
    if (index > 0 || phase.app_checkpoint) {
      timeline.append(
        h(
          "li",
          { class: `checkpoint ${phase.app_checkpoint && !/^nothing to deploy/i.test(phase.app_checkpoint) ? "" : "checkpoint-none"}`, dataset: { before: phase.name } },
          h("span", { class: "checkpoint-icon", "aria-hidden": "true" }, phase.app_checkpoint ? "⇪" : "↓"),
          phase.app_checkpoint
            ? h("div", null, h("strong", null, `Deploy before ${meta.title.toLowerCase()}: `), phase.app_checkpoint)
            : h("div", { class: "muted" }, `No application deploy needed before ${meta.title.toLowerCase()}.`),
        ),
      );
    }
    const severity = worstSeverity(phase.steps.flatMap((s) => s.hazards));
    timeline.append(
      h(
        "li",
        { class: `phase phase-${phase.name}`, dataset: { phase: phase.name } },
        h(
          "div",
          { class: "phase-head" },
          h("span", { class: "phase-number" }, String(index + 1)),
          h(
            "div",
            { class: "phase-title" },
            h("h3", null, meta.title, h("span", { class: "phase-key" }, phase.name)),
            h("p", { class: "muted small" }, meta.blurb),
          ),
          h("span", { class: "phase-count" }, `${phase.steps.length} step${phase.steps.length === 1 ? "" : "s"}`),
          severityBadge(severity),
        ),
        h("div", { class: "steps" }, phase.steps.map((step) => stepCard(step, phase.name, onFocusStep))),
      ),
    );
  });
  container.append(timeline);
}
