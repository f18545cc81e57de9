// Static SQL highlighting for the plan's statements: the same PostgreSQL grammar as the editors
// (@codemirror/lang-sql), emitted as spans with tok-* classes that styles.css colours.
import { PostgreSQL } from "@codemirror/lang-sql";
import { classHighlighter, highlightCode } from "@lezer/highlight";

const parser = PostgreSQL.language.parser;

/** A <code> element holding `sql`, highlighted. */
export function highlightedSql(sql) {
  const code = document.createElement("code");
  const tree = parser.parse(sql);
  highlightCode(
    sql,
    tree,
    classHighlighter,
    (text, classes) => {
      if (!classes) {
        code.append(text);
        return;
      }
      const span = document.createElement("span");
      span.className = classes;
      span.textContent = text;
      code.append(span);
    },
    () => code.append("\n"),
  );
  return code;
}
