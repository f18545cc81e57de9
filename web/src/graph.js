// The steps' dependency graph as SVG, phases as lanes from left to right.
//
// Layered layout of our own: inside a lane, a step's layer is one more than the deepest step it
// depends on in the same lane (longest path), and layers run top to bottom; steps of one layer
// stand side by side (at most MAX_ACROSS, then they wrap), ordered by the mean position of what
// they depend on (barycentre), which keeps most edges short and uncrossed. An edge goes down
// inside a lane and to the right across lanes; a dashed line between lanes marks a deploy.
import { svg, clear, h } from "./dom.js";
import { PHASES, worstSeverity } from "./plan-view.js";

const NODE_W = 196;
const NODE_H = 52;
const COL_GAP = 22;
const ROW_GAP = 34;
const LANE_PAD = 26;
const HEAD_H = 58;
const MAX_ACROSS = 4;

function truncate(text, max) {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * Positions every step: {id → {x, y, lane}}, lane boxes, total size. When the lanes need less
 * than `minWidth`, each lane widens by the same amount and its steps stay centred in it.
 */
export function layout(plan, minWidth = 0) {
  const lanes = plan.phases.filter((p) => p.steps.length > 0);
  const position = new Map();
  const laneBoxes = [];
  let x = 0;
  let bottom = 0;
  lanes.forEach((phase, laneIndex) => {
    const inLane = new Set(phase.steps.map((s) => s.id));
    const layer = new Map();
    for (const step of phase.steps) {
      const deps = step.depends_on.filter((d) => inLane.has(d) && layer.has(d));
      layer.set(step.id, deps.length ? 1 + Math.max(...deps.map((d) => layer.get(d))) : 0);
    }
    const layers = Math.max(...layer.values()) + 1;
    const widest = Math.max(...Array.from({ length: layers }, (_, l) => phase.steps.filter((s) => layer.get(s.id) === l).length));
    const across = Math.min(widest, MAX_ACROSS);
    let y = HEAD_H + LANE_PAD;
    for (let l = 0; l < layers; l++) {
      const here = phase.steps.filter((s) => layer.get(s.id) === l);
      const centre = (step) => {
        const xs = step.depends_on.filter((d) => position.has(d)).map((d) => position.get(d).x);
        return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.POSITIVE_INFINITY;
      };
      const ordered = here.map((step, order) => ({ step, order, centre: centre(step) }));
      ordered.sort((a, b) => (a.centre === b.centre ? a.order - b.order : a.centre - b.centre));
      ordered.forEach(({ step }, i) => {
        const column = i % across;
        const row = Math.floor(i / across);
        position.set(step.id, {
          x: x + LANE_PAD + column * (NODE_W + COL_GAP),
          y: y + row * (NODE_H + ROW_GAP),
          lane: laneIndex,
        });
      });
      y += Math.ceil(here.length / across) * (NODE_H + ROW_GAP);
    }
    bottom = Math.max(bottom, y - ROW_GAP + LANE_PAD);
    const width = LANE_PAD * 2 + across * NODE_W + (across - 1) * COL_GAP;
    laneBoxes.push({ phase, x, width });
    x += width;
  });
  const extra = lanes.length && x < minWidth ? Math.floor((minWidth - x) / lanes.length) : 0;
  if (extra > 0) {
    laneBoxes.forEach((box, i) => {
      box.x += i * extra;
      box.width += extra;
    });
    for (const p of position.values()) p.x += p.lane * extra + Math.floor(extra / 2);
    x += extra * lanes.length;
  }
  return { position, laneBoxes, width: Math.max(x, 1), height: bottom };
}

/**
 * The edges to draw: every dependency that no longer path implies (the transitive reduction), so
 * "s4 waits for s1" is not drawn when s4 waits for s3, which waits for s1. Returns [[from, to]].
 */
export function drawnEdges(plan) {
  const steps = plan.phases.flatMap((p) => p.steps);
  const known = new Set(steps.map((s) => s.id));
  const deps = new Map(steps.map((s) => [s.id, s.depends_on.filter((d) => known.has(d))]));
  const reach = new Map();
  const ancestors = (id) => {
    if (reach.has(id)) return reach.get(id);
    reach.set(id, new Set());
    const all = new Set();
    for (const d of deps.get(id) ?? []) {
      all.add(d);
      for (const a of ancestors(d)) all.add(a);
    }
    reach.set(id, all);
    return all;
  };
  const edges = [];
  for (const step of steps) {
    const direct = deps.get(step.id);
    for (const d of direct) {
      const implied = direct.some((other) => other !== d && ancestors(other).has(d));
      if (!implied) edges.push([d, step.id]);
    }
  }
  return edges;
}

/** The SVG path of an edge: down inside a lane, to the right across lanes. */
function edgePath(from, to) {
  if (from.lane === to.lane) {
    const x1 = from.x + NODE_W / 2;
    const y1 = from.y + NODE_H;
    const x2 = to.x + NODE_W / 2;
    const y2 = to.y;
    const bend = Math.max(14, (y2 - y1) / 2);
    return `M ${x1} ${y1} C ${x1} ${y1 + bend}, ${x2} ${y2 - bend}, ${x2} ${y2 - 2}`;
  }
  const x1 = from.x + NODE_W;
  const y1 = from.y + NODE_H / 2;
  const x2 = to.x;
  const y2 = to.y + NODE_H / 2;
  const bend = Math.max(30, (x2 - x1) / 2);
  return `M ${x1} ${y1} C ${x1 + bend} ${y1}, ${x2 - bend} ${y2}, ${x2 - 2} ${y2}`;
}

export function renderGraph(container, plan, { onSelectStep }) {
  clear(container);
  const steps = plan.phases.flatMap((p) => p.steps);
  if (steps.length === 0) {
    container.append(h("div", { class: "empty" }, h("h3", null, "No steps"), h("p", null, "The schemas are the same.")));
    return;
  }
  const { position, laneBoxes, width, height } = layout(plan, Math.max(0, container.clientWidth - 4));
  const picture = svg("svg", {
    class: "graph",
    id: "dependency-graph",
    viewBox: `0 0 ${width} ${height}`,
    width,
    height,
    role: "img",
    "aria-label": `Dependency graph of ${steps.length} steps in ${laneBoxes.length} phases`,
  });
  picture.append(
    svg(
      "defs",
      null,
      svg("marker", { id: "arrow", viewBox: "0 0 10 10", refX: "9", refY: "5", markerWidth: "7", markerHeight: "7", orient: "auto-start-reverse" },
        svg("path", { d: "M 0 0 L 10 5 L 0 10 z", class: "edge-head" })),
    ),
  );
  laneBoxes.forEach(({ phase, x, width: w }, i) => {
    const meta = PHASES[phase.name] ?? { title: phase.name };
    picture.append(
      svg("rect", { x, y: 0, width: w, height, class: `lane lane-${i % 2 ? "odd" : "even"} lane-${phase.name}` }),
      svg("rect", { x, y: 0, width: w, height: 6, class: `lane-bar lane-bar-${phase.name}` }),
      svg("text", { x: x + LANE_PAD, y: 30, class: "lane-title" }, `${i + 1}  ${meta.title}`),
      svg("text", { x: x + LANE_PAD, y: 47, class: "lane-sub" }, `${phase.steps.length} step${phase.steps.length === 1 ? "" : "s"}`),
    );
    if (i > 0) {
      const deploy = Boolean(phase.app_checkpoint) && !/^nothing to deploy/i.test(phase.app_checkpoint);
      picture.append(svg("line", { x1: x, y1: 0, x2: x, y2: height, class: deploy ? "lane-divider deploy" : "lane-divider" }));
      if (deploy) {
        const badge = svg("g", { class: "deploy-badge" },
          svg("title", null, `Deploy before ${meta.title.toLowerCase()}: ${phase.app_checkpoint}`),
          svg("rect", { x: x - 30, y: height - 30, width: 60, height: 20, rx: 10 }),
          svg("text", { x, y: height - 16, "text-anchor": "middle" }, "deploy"));
        picture.append(badge);
      }
    }
  });
  const edges = svg("g", { class: "edges" });
  for (const [dep, id] of drawnEdges(plan)) {
    const from = position.get(dep);
    const to = position.get(id);
    if (!from || !to) continue;
    edges.append(svg("path", { d: edgePath(from, to), class: "edge", "marker-end": "url(#arrow)", dataset: { from: dep, to: id } }));
  }
  picture.append(edges);
  for (const step of steps) {
    const { x, y } = position.get(step.id);
    const severity = worstSeverity(step.hazards);
    const node = svg(
      "g",
      {
        class: `node sev-${severity}`,
        transform: `translate(${x} ${y})`,
        tabindex: "0",
        role: "button",
        "aria-label": `${step.id}: ${step.change} (${severity})`,
        dataset: { stepId: step.id },
      },
      svg("title", null, `${step.id}: ${step.change}\n${step.lock.level} · ${step.lock.duration} · ${severity}`),
      svg("rect", { width: NODE_W, height: NODE_H, rx: 8, class: "node-box" }),
      svg("rect", { width: 5, height: NODE_H, rx: 2, class: "node-stripe" }),
      svg("text", { x: 14, y: 21, class: "node-id" }, step.id),
      svg("text", { x: 46, y: 21, class: "node-lock" }, truncate(step.lock.level, 24)),
      svg("text", { x: 14, y: 40, class: "node-change" }, truncate(step.change, 27)),
    );
    const select = () => onSelectStep(step.id);
    // Pointing at a step (or focusing it) brings out its own edges and neighbours.
    const spotlight = (on) => {
      picture.classList.toggle("spotlight", on);
      for (const edge of picture.querySelectorAll(`.edge[data-from="${step.id}"], .edge[data-to="${step.id}"]`)) {
        edge.classList.toggle("hot", on);
        for (const id of [edge.dataset.from, edge.dataset.to]) picture.querySelector(`.node[data-step-id="${id}"]`)?.classList.toggle("hot", on);
      }
      node.classList.toggle("hot", on);
    };
    node.addEventListener("mouseenter", () => spotlight(true));
    node.addEventListener("mouseleave", () => spotlight(false));
    node.addEventListener("focus", () => spotlight(true));
    node.addEventListener("blur", () => spotlight(false));
    node.addEventListener("click", select);
    node.addEventListener("keydown", (e) => {
      if (e.key === "Enter" || e.key === " ") {
        e.preventDefault();
        select();
      }
    });
    picture.append(node);
  }
  container.append(
    h(
      "div",
      { class: "graph-legend" },
      h("span", null, "Each box is a step; an arrow leads from a step to the steps that wait for it. Click a step to read it."),
      h("span", { class: "legend-items" },
        h("span", { class: "legend sev-safe" }, "safe"),
        h("span", { class: "legend sev-careful" }, "careful"),
        h("span", { class: "legend sev-dangerous" }, "dangerous")),
    ),
    h("div", { class: "graph-scroll" }, picture),
  );
}
