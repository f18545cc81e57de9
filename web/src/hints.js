// The hints panel: renames, backfill values and transforms edited as rows, and the planner's
// likely-rename suggestions offered with one click. The panel holds a hints document of
// plan-v1.md ("Hints") and calls onChange(hints) after every edit.
import { h, clear } from "./dom.js";

const RENAME_KINDS = ["column", "table", "index", "enum", "view"];

function emptyHints() {
  return { renames: [], backfill: [], transforms: [] };
}

/**
 * The JSON object that starts at `text.indexOf(opening)`, parsed, or null. The planner writes the
 * hints it proposes as JSON inside its messages, followed by more words: each `}` after the
 * opening is tried as the object's end until one parses.
 */
function jsonObjectIn(text, opening) {
  const start = text.indexOf(opening);
  if (start < 0) return null;
  for (let end = text.indexOf("}", start); end >= 0; end = text.indexOf("}", end + 1)) {
    try {
      return JSON.parse(text.slice(start, end + 1));
    } catch {
      // not the end of the object yet
    }
  }
  return null;
}

const isText = (v) => typeof v === "string";

/**
 * The rename hint a likely-rename diagnostic proposes, or null. The planner writes the hint inside
 * its message as JSON (`... say so in the hints ({"kind": "column", "table": "public.users", ...})`).
 */
export function renameFromDiagnostic(diagnostic) {
  const hint = jsonObjectIn(diagnostic.message ?? "", '{"kind"');
  if (!hint || !isText(hint.kind) || !isText(hint.from) || !isText(hint.to)) return null;
  if (hint.table !== undefined && !isText(hint.table)) return null;
  const { kind, table, from, to } = hint;
  return table === undefined ? { kind, from, to } : { kind, table, from, to };
}

/**
 * How many added objects a likely-rename note names as candidates: the planner writes one note per
 * dropped column or table, `... is dropped and 35 columns of the same type are added (closest name
 * first: ...)`, proposing the closest one; 1 when the note names a single candidate.
 */
export function renameCandidates(diagnostic) {
  const many = /^\S+ .+? is dropped and (\d+) (?:columns|tables) .+? are added \(closest name first: /.exec(diagnostic.message ?? "");
  return many ? Number(many[1]) : 1;
}

/**
 * The backfill row a not-null-needs-backfill error asks for ({table, column}), or null. The
 * planner's message proposes `{"backfill": [{"table": "public.orders", "column": "currency", ...}]}`.
 */
export function backfillFromDiagnostic(diagnostic) {
  const hints = jsonObjectIn(diagnostic.message ?? "", '{"backfill"');
  const row = Array.isArray(hints?.backfill) ? hints.backfill[0] : null;
  return row && isText(row.table) && isText(row.column) ? { table: row.table, column: row.column } : null;
}

/** How many suggestions show before "Show all". */
const SUGGESTIONS_SHOWN = 4;

function sameRename(a, b) {
  return a.kind === b.kind && (a.table ?? "") === (b.table ?? "") && a.from === b.from && a.to === b.to;
}

export class HintsPanel {
  constructor({ renames, backfills, transforms, suggestions, count, addRename, addBackfill, addTransform, onChange }) {
    this.elements = { renames, backfills, transforms, suggestions, count };
    this.onChange = onChange;
    this.hints = emptyHints();
    this.suggested = [];
    addRename.addEventListener("click", () => {
      this.hints.renames.push({ kind: "column", table: "", from: "", to: "" });
      this.render(true);
    });
    addBackfill.addEventListener("click", () => {
      this.hints.backfill.push({ table: "", column: "", expression: "" });
      this.render(true);
    });
    addTransform.addEventListener("click", () => {
      this.hints.transforms.push({ table: "", column: "", up: "", down: "" });
      this.render(true);
    });
  }

  /** Replaces the hints (loading an example) without an edit event. */
  set(hints) {
    this.hints = {
      renames: [...(hints?.renames ?? [])].map((r) => ({ ...r })),
      backfill: [...(hints?.backfill ?? [])].map((b) => ({ ...b })),
      transforms: [...(hints?.transforms ?? [])].map((t) => ({ ...t })),
    };
    this.render(false);
  }

  /** The hints document to plan with: rows with an empty field are left out until complete. */
  value() {
    const complete = (row, keys) => keys.every((k) => String(row[k] ?? "").trim() !== "");
    const renames = this.hints.renames
      .filter((r) => complete(r, r.kind === "column" ? ["table", "from", "to"] : r.kind === "enum_value" ? ["type", "from", "to"] : ["from", "to"]))
      .map((r) => {
        if (r.kind === "column") return { kind: "column", table: r.table.trim(), from: r.from.trim(), to: r.to.trim() };
        if (r.kind === "enum_value") return { kind: "enum_value", type: r.type.trim(), from: r.from.trim(), to: r.to.trim() };
        return { kind: r.kind, from: r.from.trim(), to: r.to.trim() };
      });
    const backfill = this.hints.backfill
      .filter((b) => complete(b, ["table", "column", "expression"]))
      .map((b) => ({ table: b.table.trim(), column: b.column.trim(), expression: b.expression.trim() }));
    const transforms = this.hints.transforms
      .filter((t) => complete(t, ["table", "column", "up", "down"]))
      .map((t) => ({ table: t.table.trim(), column: t.column.trim(), up: t.up.trim(), down: t.down.trim() }));
    return { renames, backfill, transforms };
  }

  /** Offers the likely renames among `diagnostics` that are not hints already. */
  suggest(diagnostics) {
    const renames = diagnostics
      .filter((d) => d.code === "likely-rename")
      .map((d) => ({ diagnostic: d, rename: renameFromDiagnostic(d) }))
      .filter(({ rename }) => rename === null || !this.hints.renames.some((r) => sameRename(r, rename)));
    const backfills = diagnostics
      .filter((d) => d.code === "not-null-needs-backfill")
      .map((d) => ({ diagnostic: d, backfill: backfillFromDiagnostic(d) }))
      .filter(({ backfill }) => backfill === null || !this.hints.backfill.some((b) => b.table === backfill.table && b.column === backfill.column));
    this.suggested = [...backfills, ...renames];
    this.renderSuggestions();
  }

  changed() {
    this.updateCount();
    this.onChange(this.value());
  }

  updateCount() {
    const v = this.value();
    const n = v.renames.length + v.backfill.length + v.transforms.length;
    this.elements.count.textContent = n === 0 ? "none" : `${n} in use`;
  }

  renderSuggestions() {
    const box = clear(this.elements.suggestions);
    const shown = this.showAllSuggestions ? this.suggested : this.suggested.slice(0, SUGGESTIONS_SHOWN);
    for (const entry of shown) {
      const { diagnostic, rename, backfill } = entry;
      let action = null;
      if (rename) {
        action = h("button", {
          type: "button",
          class: "button small primary",
          onclick: () => {
            this.hints.renames.push({ table: "", ...rename });
            this.render(true);
          },
        }, "Use this rename");
      } else if (backfill) {
        action = h("button", {
          type: "button",
          class: "button small primary",
          onclick: () => {
            this.hints.backfill.push({ ...backfill, expression: "" });
            this.render(false);
            this.elements.backfills.querySelector(".hint-row:last-child input.wide")?.focus();
          },
        }, "Add a backfill value");
      }
      let text = diagnostic.message;
      const candidates = rename ? renameCandidates(diagnostic) : 1;
      if (rename?.kind === "column") {
        const why = candidates > 1 ? ` (dropped; the closest name of ${candidates} columns of the same type added)` : " (dropped, and one of the same type added)";
        text = [h("strong", null, "Likely rename: "), h("code", null, `${rename.table}.${rename.from} → ${rename.to}`), why];
      }
      else if (rename) text = [h("strong", null, `Likely ${rename.kind} rename: `), h("code", null, `${rename.from} → ${rename.to}`), candidates > 1 ? ` (the closest name of ${candidates})` : ""];
      else if (backfill) text = [h("strong", null, "Needs a backfill value: "), h("code", null, `${backfill.table}.${backfill.column}`), " is added NOT NULL without a default; old rows need a value"];
      box.append(
        h(
          "div",
          { class: `suggestion ${backfill ? "suggestion-needed" : ""}`, role: "note", title: diagnostic.message, dataset: { code: diagnostic.code } },
          h("span", { class: "suggestion-icon", "aria-hidden": "true" }, backfill ? "!" : "?"),
          h("span", { class: "suggestion-text" }, text),
          action,
        ),
      );
    }
    if (this.suggested.length > shown.length) {
      box.append(h("button", { type: "button", class: "link-button", onclick: () => { this.showAllSuggestions = true; this.renderSuggestions(); } },
        `Show all ${this.suggested.length} suggestions`));
    }
  }

  /** The hints document as JSON text (for the CLI's --hints FILE). */
  toJson() {
    return `${JSON.stringify(this.value(), null, 2)}\n`;
  }

  render(edited) {
    const input = (row, key, placeholder, label, wide) =>
      h("input", {
        type: "text",
        class: wide ? "mono wide" : "mono",
        value: row[key] ?? "",
        placeholder,
        "aria-label": label,
        spellcheck: "false",
        oninput: (e) => {
          row[key] = e.target.value;
          this.changed();
        },
      });
    const remove = (list, row, label) =>
      h(
        "button",
        {
          type: "button",
          class: "icon-button",
          "aria-label": `Remove ${label}`,
          title: "Remove",
          onclick: () => {
            list.splice(list.indexOf(row), 1);
            this.render(true);
          },
        },
        "×",
      );

    const renames = clear(this.elements.renames);
    for (const row of this.hints.renames) {
      const kind = h(
        "select",
        {
          "aria-label": "What is renamed",
          onchange: (e) => {
            row.kind = e.target.value;
            this.render(true);
          },
        },
        [...RENAME_KINDS, ...(row.kind === "enum_value" ? ["enum_value"] : [])].map((k) =>
          h("option", { value: k, selected: k === row.kind }, k),
        ),
      );
      renames.append(
        h(
          "div",
          { class: "hint-row" },
          kind,
          row.kind === "column" ? input(row, "table", "public.users", "Table") : null,
          row.kind === "enum_value" ? input(row, "type", "public.status", "Enum type") : null,
          input(row, "from", row.kind === "column" ? "fullname" : "public.old_name", "Old name"),
          h("span", { class: "arrow", "aria-hidden": "true" }, "→"),
          input(row, "to", row.kind === "column" ? "name" : "public.new_name", "New name"),
          remove(this.hints.renames, row, "rename"),
        ),
      );
    }
    const backfills = clear(this.elements.backfills);
    for (const row of this.hints.backfill) {
      backfills.append(
        h(
          "div",
          { class: "hint-row" },
          input(row, "table", "public.orders", "Backfill table"),
          input(row, "column", "currency", "Backfill column"),
          h("span", { class: "arrow", "aria-hidden": "true" }, "="),
          input(row, "expression", "'EUR'", "Backfill SQL expression", true),
          remove(this.hints.backfill, row, "backfill value"),
        ),
      );
    }
    const transforms = clear(this.elements.transforms);
    for (const row of this.hints.transforms) {
      transforms.append(
        h(
          "div",
          { class: "hint-row" },
          input(row, "table", "public.events", "Transform table"),
          input(row, "column", "counter", "Transform column"),
          h("span", { class: "arrow", "aria-hidden": "true" }, "up"),
          input(row, "up", "counter::bigint", "Up expression (new value from old columns)", true),
          h("span", { class: "arrow", "aria-hidden": "true" }, "down"),
          input(row, "down", "counter::integer", "Down expression (old value from new columns)", true),
          remove(this.hints.transforms, row, "transform"),
        ),
      );
    }
    this.renderSuggestions();
    this.updateCount();
    if (edited) this.onChange(this.value());
  }
}
