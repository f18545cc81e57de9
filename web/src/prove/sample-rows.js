// Sample rows for a schema loaded into PGlite: a few rows per table, deterministic (no randomness),
// respecting foreign keys (parents first, children point at existing parents), unique keys (values
// derive from the row number) and enum types (labels in turn). Rows a CHECK refuses are skipped and
// counted, never silently: the report says how many rows each table received.

const TABLES_SQL = `
SELECT c.oid::int AS oid, format('%I.%I', n.nspname, c.relname) AS qname
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
ORDER BY 2`;

const COLUMNS_SQL = `
SELECT a.attrelid::int AS table_oid, a.attname AS name, quote_ident(a.attname) AS quoted,
       format_type(a.atttypid, a.atttypmod) AS type, t.typtype AS typtype,
       COALESCE(bt.typname, t.typname) AS base, t.typcategory AS category,
       a.attnotnull AS not_null, a.atthasdef AS has_default, a.attidentity AS identity,
       a.attgenerated AS generated, a.atttypmod AS typmod
FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_type bt ON t.typtype = 'd' AND bt.oid = t.typbasetype
WHERE a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum`;

const FOREIGN_KEYS_SQL = `
SELECT con.conrelid::int AS table_oid, con.confrelid::int AS ref_oid,
       format('%I.%I', rn.nspname, rc.relname) AS ref_qname,
       (SELECT array_agg(quote_ident(a.attname) ORDER BY k.ord) FROM unnest(con.conkey) WITH ORDINALITY k(num, ord)
          JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num) AS columns,
       (SELECT array_agg(quote_ident(a.attname) ORDER BY k.ord) FROM unnest(con.confkey) WITH ORDINALITY k(num, ord)
          JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num) AS ref_columns
FROM pg_constraint con JOIN pg_class rc ON rc.oid = con.confrelid JOIN pg_namespace rn ON rn.oid = rc.relnamespace
WHERE con.contype = 'f'`;

/** The SQL expression giving row `i` (an integer expression) a value of the column's type, or null. */
function valueFor(column, i) {
  const name = column.name.replace(/'/g, "''");
  const type = column.type;
  if (column.category === "A") return `'{}'::${type}`;
  if (column.typtype === "e") return `(enum_range(NULL::${type}))[1 + (${i}) % cardinality(enum_range(NULL::${type}))]`;
  switch (column.base) {
    case "int2":
      return `((${i}) % 32000)::${type}`;
    case "int4":
    case "int8":
    case "numeric":
    case "float4":
    case "float8":
    case "money":
    case "oid":
      return `(${i})::${type}`;
    case "bool":
      return `((${i}) % 2 = 0)::${type}`;
    case "text":
    case "varchar":
    case "bpchar":
    case "citext":
    case "name": {
      const limit = column.typmod > 4 ? column.typmod - 4 : 0;
      const text = `'${name} ' || (${i})`;
      return limit > 0 ? `right(${text}, ${limit})::${type}` : `(${text})::${type}`;
    }
    case "uuid":
      return `md5('${name}' || (${i}))::uuid::${type}`;
    case "date":
      return `(date '2024-01-01' + (${i}))::${type}`;
    case "timestamp":
    case "timestamptz":
      return `(timestamptz '2024-01-01 00:00:00+00' + (${i}) * interval '1 hour')::${type}`;
    case "time":
    case "timetz":
      return `(time '00:00' + (${i}) * interval '1 minute')::${type}`;
    case "interval":
      return `((${i}) * interval '1 minute')::${type}`;
    case "json":
    case "jsonb":
      return `jsonb_build_object('n', ${i})::${type}`;
    case "bytea":
      return `convert_to('${name} ' || (${i}), 'UTF8')::${type}`;
    case "inet":
    case "cidr":
      return `('10.0.' || ((${i}) / 250) || '.' || ((${i}) % 250 + 1))::${type}`;
    default:
      return null;
  }
}

/** Orders tables so that every table comes after the tables its foreign keys point at. */
function parentsFirst(tables, foreignKeys) {
  const byOid = new Map(tables.map((t) => [t.oid, t]));
  const order = [];
  const state = new Map();
  const visit = (table) => {
    if (state.get(table.oid) === "done" || state.get(table.oid) === "visiting") return;
    state.set(table.oid, "visiting");
    for (const fk of foreignKeys.filter((f) => f.table_oid === table.oid && f.ref_oid !== table.oid)) {
      const parent = byOid.get(fk.ref_oid);
      if (parent) visit(parent);
    }
    state.set(table.oid, "done");
    order.push(table);
  };
  tables.forEach(visit);
  return order;
}

/** What the database says about its tables, columns and foreign keys (one query each). */
async function readSchema(db) {
  return {
    tables: (await db.query(TABLES_SQL)).rows,
    columns: (await db.query(COLUMNS_SQL)).rows,
    foreignKeys: (await db.query(FOREIGN_KEYS_SQL)).rows,
  };
}

/**
 * The columns an INSERT of sample row `g.i` sets in `table`, and their value expressions:
 * {names, values} or {unfillable: reason}. `only` (a set of column names) limits it to the
 * columns some code knows (old code knows only the old shape).
 */
function sampleInsert(schema, table, only) {
  const fks = schema.foreignKeys.filter((f) => f.table_oid === table.oid);
  const names = [];
  const values = [];
  for (const column of schema.columns.filter((c) => c.table_oid === table.oid)) {
    if (column.generated || column.identity === "a") continue;
    if (only && !only.has(column.name)) continue;
    const fk = fks.find((f) => f.columns.includes(column.quoted));
    let value;
    if (fk && fk.ref_oid !== table.oid) {
      const position = fk.columns.indexOf(column.quoted);
      const refColumn = fk.ref_columns[position];
      const order = fk.ref_columns.join(", ");
      value = `(SELECT ${refColumn} FROM ${fk.ref_qname} ORDER BY ${order} OFFSET ((g.i - 1) % GREATEST(1, (SELECT count(*) FROM ${fk.ref_qname}))) LIMIT 1)`;
    } else if (fk) {
      value = "NULL"; // self-reference: the first rows have no parent to point at
    } else if (column.has_default || column.identity === "d") {
      continue;
    } else {
      value = valueFor(column, "g.i");
    }
    if (value === null || (value === "NULL" && column.not_null)) {
      if (column.not_null) return { unfillable: `no sample value for ${column.name} (${column.type})` };
      continue;
    }
    names.push(column.quoted);
    values.push(value);
  }
  return { names, values };
}

/**
 * The SQL inserting sample row number `i` into `qname` through the columns in `only` (all when
 * absent), returning `returning`; or null when the row cannot be made.
 */
export async function sampleRowInsert(db, qname, i, only, returning) {
  const schema = await readSchema(db);
  const oid = (await db.query("SELECT to_regclass($1)::oid::int AS oid", [qname])).rows[0]?.oid;
  const table = schema.tables.find((t) => t.oid === oid);
  if (!table) return null;
  const { names, values, unfillable } = sampleInsert(schema, table, only);
  if (unfillable) return null;
  const into = names.length ? `(${names.join(", ")}) SELECT ${values.join(", ")} FROM (SELECT ${i} AS i) AS g` : "DEFAULT VALUES";
  return `INSERT INTO ${table.qname} ${into} RETURNING ${returning}`;
}

/**
 * Inserts up to `rowsPerTable` rows into every table of the database. Returns
 * [{ table, inserted, skipped, reason? }] in insertion order.
 */
export async function insertSampleRows(db, rowsPerTable) {
  const schema = await readSchema(db);
  const report = [];
  for (const table of parentsFirst(schema.tables, schema.foreignKeys)) {
    const { names, values, unfillable } = sampleInsert(schema, table);
    if (unfillable) {
      report.push({ table: table.qname, inserted: 0, skipped: rowsPerTable, reason: unfillable });
      continue;
    }
    const insert = (from, to) =>
      `INSERT INTO ${table.qname} (${names.join(", ")}) SELECT ${values.join(", ")} FROM generate_series(${from}, ${to}) AS g(i)`;
    if (names.length === 0) {
      let inserted = 0;
      for (let i = 1; i <= rowsPerTable; i++) {
        await db.exec(`INSERT INTO ${table.qname} DEFAULT VALUES`).then(() => inserted++, () => {});
      }
      report.push({ table: table.qname, inserted, skipped: rowsPerTable - inserted });
      continue;
    }
    try {
      await db.exec(insert(1, rowsPerTable));
      report.push({ table: table.qname, inserted: rowsPerTable, skipped: 0 });
    } catch (error) {
      // One row broke a constraint: insert row by row, keeping those that fit.
      let inserted = 0;
      let reason = String(error?.message ?? error);
      for (let i = 1; i <= rowsPerTable; i++) {
        try {
          await db.exec(insert(i, i));
          inserted++;
        } catch (rowError) {
          reason = String(rowError?.message ?? rowError);
        }
      }
      report.push({ table: table.qname, inserted, skipped: rowsPerTable - inserted, reason: inserted < rowsPerTable ? reason : undefined });
    }
  }
  return report;
}
