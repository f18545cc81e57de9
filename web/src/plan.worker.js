// Planning off the main thread: the shiftplan package (WebAssembly) runs here, so typing in the
// editors never waits for the planner. Messages: {id, type: "plan" | "render" | "version", ...}.
import * as shiftplan from "shiftplan";

function describe(error) {
  return String(error?.message ?? error);
}

self.addEventListener("message", async (event) => {
  const { id, type } = event.data;
  try {
    if (type === "plan") {
      const { from, to, hints, options } = event.data;
      const start = performance.now();
      const plan = await shiftplan.plan({ from, to, hints, options, from_file: "before.sql", to_file: "after.sql" });
      const end = performance.now();
      // Absolute times (ms since the epoch), so the page can place the work on its own clock.
      self.postMessage({ id, ok: true, plan, ms: end - start, startedAt: performance.timeOrigin + start, finishedAt: performance.timeOrigin + end });
    } else if (type === "render") {
      const text = await shiftplan.render(event.data.plan, event.data.format);
      self.postMessage({ id, ok: true, text });
    } else if (type === "renderPhase") {
      const text = await shiftplan.renderPhase(event.data.phase, event.data.direction);
      self.postMessage({ id, ok: true, text });
    } else if (type === "version") {
      const version = typeof shiftplan.version === "function" ? shiftplan.version() : shiftplan.version;
      self.postMessage({ id, ok: true, version });
    } else {
      self.postMessage({ id, ok: false, error: `unknown request ${type}` });
    }
  } catch (error) {
    // The package's Error carries the diagnostics (file, line, column) as a property.
    const diagnostics = Array.isArray(error?.diagnostics) ? error.diagnostics : undefined;
    self.postMessage({ id, ok: false, error: describe(error), diagnostics });
  }
});

self.postMessage({ type: "ready" });
