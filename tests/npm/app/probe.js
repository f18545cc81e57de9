// What the test pages do with the package; the tests run the same in Node and compare.
const FROM = `CREATE TABLE public.users (
    id bigint PRIMARY KEY,
    fullname text NOT NULL
);
CREATE INDEX users_fullname_idx ON public.users (fullname);
`;
const TO = `CREATE TABLE public.users (
    id bigint PRIMARY KEY,
    name text NOT NULL,
    email text
);
CREATE INDEX users_name_idx ON public.users (name);
`;
const HINTS = { renames: [{ kind: "column", table: "public.users", from: "fullname", to: "name" }] };

function outcome(call) {
  try {
    return { value: call() };
  } catch (error) {
    return { error: error.constructor.name, message: error.message, diagnostics: error.diagnostics ?? null };
  }
}

export function probe(shiftplan) {
  const planned = outcome(() => shiftplan.plan({ from: FROM, to: TO, hints: HINTS, from_file: "from.sql", to_file: "to.sql" }));
  return {
    version: shiftplan.version(),
    plan: planned,
    rendered: planned.value ? outcome(() => shiftplan.render(planned.value, "json")) : null,
    bad_sql: outcome(() => shiftplan.plan({ from: "CREATE TABLE (;", to: TO })),
    malformed_hints: outcome(() => shiftplan.plan({ from: FROM, to: TO, hints: { renames: [{ kind: "column", from: "a" }] } })),
    after_errors: outcome(() => shiftplan.inspect(FROM, "from.sql")),
  };
}

/** Writes the probe's result into #result for the test to read. */
export function show(result) {
  const element = document.getElementById("result");
  element.textContent = JSON.stringify(result);
  element.dataset.done = "true";
}
