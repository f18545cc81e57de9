-- Canonical, order-independent JSON snapshot of a database's user schema, read from pg_catalog.
-- Origin: ../shared/tools/pg-catalog-snapshot.sql of the shiftplan project (the same query the
-- catalog oracles and the native runner's tests use). Changed for PGlite: the psql meta-commands
-- (\if/\set for the optional `exclude` variable) are removed and `:'exclude'` is the literal '^$'
-- (no schema excluded). Two databases hold the same schema when their snapshots are equal.
WITH nsp AS (
  SELECT n.oid, n.nspname FROM pg_namespace n
  WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname !~ '^$'
    AND n.nspname NOT LIKE 'pg\_temp\_%' AND n.nspname NOT LIKE 'pg\_toast\_temp\_%'
    AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_namespace'::regclass AND d.objid = n.oid AND d.deptype = 'e')
),
rel AS (
  SELECT c.oid, c.relkind, c.relname, n.nspname, format('%I.%I', n.nspname, c.relname) AS qname
  FROM pg_class c JOIN nsp n ON n.oid = c.relnamespace
  WHERE NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
)
SELECT jsonb_pretty(jsonb_build_object(
  'schemas', COALESCE((SELECT jsonb_agg(nspname ORDER BY nspname) FROM nsp), '[]'),
  'extensions', COALESCE((SELECT jsonb_agg(extname ORDER BY extname) FROM pg_extension WHERE extname <> 'plpgsql'), '[]'),
  'tables', COALESCE((SELECT jsonb_object_agg(r.qname, jsonb_build_object(
      'partitioned', r.relkind = 'p',
      'partition_of', (SELECT format('%I.%I', pn.nspname, pc.relname) FROM pg_inherits i JOIN pg_class pc ON pc.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = pc.relnamespace WHERE i.inhrelid = r.oid AND pc.relkind = 'p'),
      'partition_bound', (SELECT pg_get_expr(c.relpartbound, c.oid) FROM pg_class c WHERE c.oid = r.oid),
      'columns', COALESCE((SELECT jsonb_object_agg(a.attname, jsonb_build_object(
          'type', format_type(a.atttypid, a.atttypmod),
          'not_null', a.attnotnull,
          'default', CASE WHEN a.attgenerated = '' THEN pg_get_expr(ad.adbin, ad.adrelid) END,
          'generated', CASE WHEN a.attgenerated <> '' THEN pg_get_expr(ad.adbin, ad.adrelid) END,
          'identity', NULLIF(a.attidentity, ''),
          'collation', CASE WHEN a.attcollation <> 0 AND a.attcollation <> (SELECT typcollation FROM pg_type WHERE oid = a.atttypid) THEN (SELECT collname FROM pg_collation WHERE oid = a.attcollation) END))
        FROM pg_attribute a LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
        WHERE a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped), '{}'),
      'constraints', COALESCE((SELECT jsonb_object_agg(con.conname, pg_get_constraintdef(con.oid) || CASE WHEN con.convalidated THEN '' ELSE ' [not validated]' END)
        FROM pg_constraint con WHERE con.conrelid = r.oid), '{}'),
      'indexes', COALESCE((SELECT jsonb_object_agg(ic.relname, pg_get_indexdef(i.indexrelid) || CASE WHEN i.indisvalid THEN '' ELSE ' [invalid]' END)
        FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid WHERE i.indrelid = r.oid), '{}'),
      'triggers', COALESCE((SELECT jsonb_object_agg(t.tgname, pg_get_triggerdef(t.oid))
        FROM pg_trigger t WHERE t.tgrelid = r.oid AND NOT t.tgisinternal), '{}'),
      'rls', (SELECT c.relrowsecurity FROM pg_class c WHERE c.oid = r.oid),
      'policies', COALESCE((SELECT jsonb_object_agg(p.polname, jsonb_build_object('cmd', p.polcmd, 'permissive', p.polpermissive,
          'using', pg_get_expr(p.polqual, p.polrelid), 'check', pg_get_expr(p.polwithcheck, p.polrelid)))
        FROM pg_policy p WHERE p.polrelid = r.oid), '{}')
    )) FROM rel r WHERE r.relkind IN ('r', 'p')), '{}'),
  'views', COALESCE((SELECT jsonb_object_agg(r.qname, jsonb_build_object('materialized', r.relkind = 'm', 'definition', pg_get_viewdef(r.oid)))
    FROM rel r WHERE r.relkind IN ('v', 'm')), '{}'),
  'sequences', COALESCE((SELECT jsonb_object_agg(r.qname, jsonb_build_object(
      'type', format_type(s.seqtypid, NULL), 'start', s.seqstart, 'increment', s.seqincrement,
      'owned_by', (SELECT format('%s.%I', (SELECT format('%I.%I', tn.nspname, tc.relname) FROM pg_class tc JOIN pg_namespace tn ON tn.oid = tc.relnamespace WHERE tc.oid = d.refobjid), a.attname)
                   FROM pg_depend d JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                   WHERE d.classid = 'pg_class'::regclass AND d.objid = r.oid AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0 LIMIT 1)))
    FROM rel r JOIN pg_sequence s ON s.seqrelid = r.oid WHERE r.relkind = 'S'), '{}'),
  'enums', COALESCE((SELECT jsonb_object_agg(format('%I.%I', n.nspname, t.typname),
      (SELECT jsonb_agg(e.enumlabel ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid))
    FROM pg_type t JOIN nsp n ON n.oid = t.typnamespace WHERE t.typtype = 'e'
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e')), '{}'),
  'domains', COALESCE((SELECT jsonb_object_agg(format('%I.%I', n.nspname, t.typname), format_type(t.typbasetype, t.typtypmod)
      || CASE WHEN t.typnotnull THEN ' NOT NULL' ELSE '' END
      || COALESCE(' ' || (SELECT string_agg(pg_get_constraintdef(c.oid), ' ' ORDER BY c.conname) FROM pg_constraint c WHERE c.contypid = t.oid), ''))
    FROM pg_type t JOIN nsp n ON n.oid = t.typnamespace WHERE t.typtype = 'd'), '{}'),
  'functions', COALESCE((SELECT jsonb_object_agg(format('%I.%I(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)),
      pg_get_function_result(p.oid))
    FROM pg_proc p JOIN nsp n ON n.oid = p.pronamespace
    WHERE NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')), '{}')
));
