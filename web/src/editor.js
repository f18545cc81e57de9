// The two SQL editors: CodeMirror 6 with PostgreSQL highlighting, lint markers for diagnostics.
// Each editor lives in a shadow root, where CodeMirror's styles go into adopted style sheets and
// our theme comes from editor.css by <link>: no inline <style>, as the Content-Security-Policy wants.
import { basicSetup } from "codemirror";
import { EditorView } from "@codemirror/view";
import { EditorState } from "@codemirror/state";
import { PostgreSQL, sql } from "@codemirror/lang-sql";
import { syntaxHighlighting } from "@codemirror/language";
import { classHighlighter } from "@lezer/highlight";
import { lintGutter, setDiagnostics } from "@codemirror/lint";
import editorCssUrl from "./editor.css?url";

export class SqlEditor {
  /** `host` is an empty element; `onChange(text)` runs after every edit. */
  constructor(host, { label, onChange }) {
    const shadow = host.attachShadow({ mode: "open" });
    const link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = editorCssUrl;
    const mount = document.createElement("div");
    mount.className = "mount";
    shadow.append(link, mount);
    this.view = new EditorView({
      parent: mount,
      root: shadow,
      state: EditorState.create({
        doc: "",
        extensions: [
          basicSetup,
          sql({ dialect: PostgreSQL, upperCaseKeywords: true }),
          syntaxHighlighting(classHighlighter),
          lintGutter(),
          EditorView.contentAttributes.of({ "aria-label": label }),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) onChange(this.text);
          }),
        ],
      }),
    });
  }

  get text() {
    return this.view.state.doc.toString();
  }

  set text(value) {
    this.view.dispatch({ changes: { from: 0, to: this.view.state.doc.length, insert: value } });
  }

  /** The document offset of a 1-based line and column, clamped to the document. */
  offsetOf(line, column) {
    const doc = this.view.state.doc;
    const l = doc.line(Math.min(Math.max(1, line ?? 1), doc.lines));
    return Math.min(l.from + Math.max(0, (column ?? 1) - 1), l.to);
  }

  /** Shows diagnostics ({severity, message, line, column}) as underlines and gutter markers. */
  showDiagnostics(diagnostics) {
    const doc = this.view.state.doc;
    const marks = diagnostics.map((d) => {
      const from = this.offsetOf(d.line, d.column);
      const lineEnd = doc.lineAt(from).to;
      const word = /^[\w"$.]+/.exec(doc.sliceString(from, lineEnd));
      const to = word ? from + word[0].length : Math.min(lineEnd, from + 1);
      return {
        from,
        to: Math.max(to, from),
        severity: d.severity === "note" ? "info" : d.severity,
        message: d.message,
      };
    });
    this.view.dispatch(setDiagnostics(this.view.state, marks));
  }

  /** Moves the cursor to a line and column and scrolls it into view. */
  reveal(line, column) {
    const anchor = this.offsetOf(line, column);
    this.view.dispatch({ selection: { anchor }, scrollIntoView: true });
    this.view.focus();
  }
}
