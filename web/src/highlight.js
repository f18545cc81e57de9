// Static SQL highlighting for the plan's statements: the same PostgreSQL grammar as the editors
// (@codemirror/lang-sql), emitted as spans with tok-* classes that styles.css colours.
import { PostgreSQL } from "@codemirror/lang-sql";
import { classHighlighter, highlightCode } from "@lezer/highlight";

const parser = PostgreSQL.language.parser;

const DOLLAR_QUOTED = /(\$[A-Za-z_][A-Za-z_0-9]*\$|\$\$)([\s\S]*?)\1/g;

/**
 * A <code> element holding `sql`, highlighted. A dollar-quoted body (a function's plpgsql) is
 * highlighted as code too, not as one long string: its delimiters are marked, its inside parsed.
 */
export function highlightedSql(sql) {
  const code = document.createElement("code");
  let last = 0;
  for (const match of sql.matchAll(DOLLAR_QUOTED)) {
    const [whole, tag, body] = match;
    appendHighlighted(code, sql.slice(last, match.index));
    appendToken(code, tag, "tok-string");
    appendHighlighted(code, body);
    appendToken(code, tag, "tok-string");
    last = match.index + whole.length;
  }
  appendHighlighted(code, sql.slice(last));
  return code;
}

function appendToken(code, text, className) {
  const span = document.createElement("span");
  span.className = className;
  span.textContent = text;
  code.append(span);
}

function appendHighlighted(code, sql) {
  if (!sql) return;
  const tree = parser.parse(sql);
  highlightCode(
    sql,
    tree,
    classHighlighter,
    (text, classes) => {
      if (classes) appendToken(code, text, classes);
      else code.append(text);
    },
    () => code.append("\n"),
  );
}
