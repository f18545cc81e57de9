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

/** The files offered for `plan`: [{name, label, format, plan, type}]. */
export function downloadsFor(plan) {
  const files = [
    { name: "plan.json", label: "plan.json", format: "json", plan, type: "application/json", title: "The plan document, for `shiftplan apply`" },
    { name: "migration.sql", label: "SQL script", format: "sql", plan, type: "application/sql", title: "Every phase in order, for psql -v ON_ERROR_STOP=1 -f" },
  ];
  plan.phases.forEach((phase, i) => {
    files.push({
      name: `${String(i + 1).padStart(2, "0")}-${phase.name}.sql`,
      label: `${phase.name}.sql`,
      format: "sql",
      plan: { ...plan, phases: [phase] },
      type: "application/sql",
      title: `Only the ${phase.name} phase`,
    });
  });
  files.push({ name: "plan.md", label: "Report (.md)", format: "markdown", plan, type: "text/markdown", title: "The plan as a Markdown report, for a pull request" });
  return files;
}

export function renderDownloads(container, plan, { render, onError }) {
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
              saveText(file.name, await render(file.plan, file.format), file.type);
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
