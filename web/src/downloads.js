// Downloads of the plan: plan.json (for the native runner), the SQL script, one SQL file per phase,
// the Markdown report. Text comes from the shiftplan package's render() (in the planning worker).
import { h, clear } from "./dom.js";

/** Offers `text` as a file download named `name`. */
export function saveText(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = h("a", { href: url, download: name, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/**
 * The files offered for `plan`: those of the native `shiftplan plan --out-dir` (plan.json, and per
 * phase `NN-phase.up.sql` with its steps and `NN-phase.down.sql` with their rollbacks), the whole
 * SQL script and the Markdown report. Each: {name, title, type, make: (renderers) => Promise<text>}.
 */
export function downloadsFor(plan) {
  const files = [
    { name: "plan.json", title: "The plan document, for `shiftplan apply`", type: "application/json", make: (r) => r.render(plan, "json") },
    { name: "migration.sql", title: "Every phase in order, for psql -v ON_ERROR_STOP=1 -f", type: "application/sql", make: (r) => r.render(plan, "sql") },
  ];
  plan.phases.forEach((phase, i) => {
    const stem = `${String(i + 1).padStart(2, "0")}-${phase.name}`;
    files.push({ name: `${stem}.up.sql`, title: `The ${phase.name} phase's steps`, type: "application/sql", make: (r) => r.renderPhase(phase, "up") });
    files.push({ name: `${stem}.down.sql`, title: `Their rollbacks, in reverse order`, type: "application/sql", make: (r) => r.renderPhase(phase, "down") });
  });
  files.push({ name: "plan.md", title: "The plan as a Markdown report, for a pull request", type: "text/markdown", make: (r) => r.render(plan, "markdown") });
  return files;
}

/** `renderers`: {render(plan, format), renderPhase(phase, direction)}, each giving a Promise of text. */
export function renderDownloads(container, plan, { renderers, onError }) {
  clear(container);
  if (!plan) return;
  const menu = h("details", { class: "download-menu" }, h("summary", { class: "button", id: "downloads-button" }, "Download ▾"));
  const list = h("div", { class: "download-list", role: "menu" });
  for (const file of downloadsFor(plan)) {
    list.append(
      h(
        "button",
        {
          type: "button",
          role: "menuitem",
          class: "download-item",
          title: file.title,
          dataset: { file: file.name },
          onclick: async () => {
            try {
              saveText(file.name, await file.make(renderers), file.type);
            } catch (error) {
              onError(`${file.name}: ${error.message}`);
            }
          },
        },
        h("span", { class: "mono" }, file.name),
        h("span", { class: "muted small" }, file.title),
      ),
    );
  }
  menu.append(list);
  container.append(menu);
}
