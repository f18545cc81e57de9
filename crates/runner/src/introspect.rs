//! A live database → [`Catalog`], in the canonical forms the parser produces (see
//! `src/model/types.rs`): types as `format_type` prints them (split into base, modifiers and array
//! dimensions), defaults and predicates as `pg_get_expr`, exclusion constraints, triggers and views
//! as PostgreSQL deparses them, all with `search_path = public` (names in `public` unqualified, as
//! the parser writes them).
//!
//! Left out: the system schemas, the history schema, objects that belong to an extension, and
//! what PostgreSQL derives by itself (triggers a partition inherits, check constraints an
//! INHERITS child inherits, the rows a foreign key to a partitioned table gets for each of its
//! partitions, identity sequences, the indexes behind constraints). A partition's constraints are
//! read as pg_constraint holds them, as the parser gives them: its own primary key and unique
//! constraints (named for the partition, or the name of the index it had when attached, with that
//! index's storage parameters), and the parent's foreign keys and checks under their names.

use std::collections::BTreeMap;

use indexmap::IndexMap;
use postgres::{Client, Row};
use shiftplan::model::*;

use crate::error::RunError;

/// Reads the schema of the database `client` is connected to. `exclude_schema` is the history
/// schema (never part of a plan's schemas).
pub fn introspect(client: &mut Client, exclude_schema: &str) -> Result<Catalog, RunError> {
    let mut tx = client
        .build_transaction()
        .read_only(true)
        .isolation_level(postgres::IsolationLevel::RepeatableRead)
        .start()
        .map_err(|e| RunError::database("reading the schema", &e))?;
    tx.batch_execute("SET LOCAL search_path = public")
        .map_err(|e| RunError::database("reading the schema", &e))?;
    let mut reader = Reader {
        tx: &mut tx,
        exclude: exclude_schema.to_string(),
    };
    let catalog = reader
        .catalog()
        .map_err(|e| RunError::database("reading the schema", &e))?;
    tx.commit()
        .map_err(|e| RunError::database("reading the schema", &e))?;
    Ok(catalog)
}

struct Reader<'a, 'b> {
    tx: &'a mut postgres::Transaction<'b>,
    exclude: String,
}

/// Namespaces we read: not system, not the history's, not an extension's.
const NSP: &str = "n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname <> $1
    AND n.nspname NOT LIKE 'pg\\_temp\\_%' AND n.nspname NOT LIKE 'pg\\_toast\\_temp\\_%'
    AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_namespace'::regclass AND d.objid = n.oid AND d.deptype = 'e')";

fn type_select(type_oid: &str, typmod: &str, ndims: &str) -> String {
    // The element type of an array; the type itself otherwise.
    format!(
        "format_type({type_oid}, {typmod}) AS type_text,
         (SELECT CASE WHEN tt.typcategory = 'A' AND tt.typelem <> 0 THEN tt.typelem ELSE tt.oid END FROM pg_type tt WHERE tt.oid = {type_oid}) AS elem_oid,
         (SELECT et.typname FROM pg_type tt JOIN pg_type et ON et.oid = CASE WHEN tt.typcategory = 'A' AND tt.typelem <> 0 THEN tt.typelem ELSE tt.oid END WHERE tt.oid = {type_oid}) AS elem_name,
         (SELECT en.nspname FROM pg_type tt JOIN pg_type et ON et.oid = CASE WHEN tt.typcategory = 'A' AND tt.typelem <> 0 THEN tt.typelem ELSE tt.oid END JOIN pg_namespace en ON en.oid = et.typnamespace WHERE tt.oid = {type_oid}) AS elem_schema,
         (SELECT tt.typcategory = 'A' AND tt.typelem <> 0 FROM pg_type tt WHERE tt.oid = {type_oid}) AS is_array,
         {ndims} AS ndims"
    )
}

/// The `TypeName` of a row holding the columns of [`type_select`] starting at `at`.
fn type_name(row: &Row, at: usize) -> TypeName {
    let text: String = row.get(at);
    let elem_name: String = row.get(at + 2);
    let elem_schema: String = row.get(at + 3);
    let is_array: bool = row.get::<_, Option<bool>>(at + 4).unwrap_or(false);
    let ndims: i32 = row.get(at + 5);
    let text = text.strip_suffix("[]").map(str::to_string).unwrap_or(text);
    let (base_text, modifiers) = split_modifiers(&text);
    let base = if elem_schema == "pg_catalog" {
        BaseType::Builtin(base_text)
    } else {
        BaseType::User(QualifiedName::new(elem_schema, elem_name))
    };
    let array_dimensions = if is_array {
        ndims.clamp(1, 255) as u8
    } else {
        0
    };
    TypeName {
        base,
        modifiers,
        array_dimensions,
    }
}

/// `timestamp(3) without time zone` → (`timestamp without time zone`, [3]); `numeric(10,2)` →
/// (`numeric`, [10, 2]); `interval day to second(3)` → (`interval day to second`, [3]);
/// `geometry(Point,4326)` → (`geometry`, [Point, 4326]).
pub fn split_modifiers(text: &str) -> (String, Vec<TypeModifier>) {
    let mut base = String::new();
    let mut modifiers = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('(') {
        let Some(close) = rest[open..].find(')').map(|c| open + c) else {
            break;
        };
        let inner = &rest[open + 1..close];
        let numbers: Option<Vec<TypeModifier>> = inner.split(',').map(modifier).collect();
        match numbers {
            Some(numbers) if !quoted_before(text, text.len() - rest.len() + open) => {
                base.push_str(&rest[..open]);
                modifiers.extend(numbers);
            }
            _ => base.push_str(&rest[..=close]),
        }
        rest = &rest[close + 1..];
    }
    base.push_str(rest);
    (
        base.split_whitespace().collect::<Vec<_>>().join(" "),
        modifiers,
    )
}

/// One modifier as a type's output function prints it: an integer or a plain word.
fn modifier(text: &str) -> Option<TypeModifier> {
    let text = text.trim();
    if let Ok(v) = text.parse() {
        return Some(TypeModifier::Integer(v));
    }
    let mut chars = text.chars();
    let first = chars.next()?;
    (first.is_ascii_alphabetic() || first == '_')
        .then_some(())
        .filter(|()| chars.all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .map(|()| TypeModifier::Word(text.to_string()))
}

fn quoted_before(text: &str, at: usize) -> bool {
    text[..at].matches('"').count() % 2 == 1
}

fn opt_comment(row: &Row, at: usize) -> Option<String> {
    row.get::<_, Option<String>>(at)
}

impl Reader<'_, '_> {
    fn query(&mut self, sql: &str) -> Result<Vec<Row>, postgres::Error> {
        self.tx.query(sql, &[&self.exclude])
    }

    fn catalog(&mut self) -> Result<Catalog, postgres::Error> {
        let mut catalog = Catalog::default();
        self.schemas(&mut catalog)?;
        self.extensions(&mut catalog)?;
        self.tables(&mut catalog)?;
        self.columns(&mut catalog)?;
        self.constraints(&mut catalog)?;
        self.indexes(&mut catalog)?;
        self.triggers(&mut catalog)?;
        self.policies(&mut catalog)?;
        self.views(&mut catalog)?;
        self.sequences(&mut catalog)?;
        self.enums(&mut catalog)?;
        self.domains(&mut catalog)?;
        self.composites(&mut catalog)?;
        self.functions(&mut catalog)?;
        Ok(catalog)
    }

    fn schemas(&mut self, catalog: &mut Catalog) -> Result<(), postgres::Error> {
        // `public` exists in every database: the model holds it only when a schema declares
        // something about it (a comment other than the default one).
        let rows = self.query(&format!(
            "SELECT n.nspname, obj_description(n.oid, 'pg_namespace') FROM pg_namespace n WHERE {NSP}
             AND NOT (n.nspname = 'public' AND coalesce(obj_description(n.oid, 'pg_namespace'), 'standard public schema') = 'standard public schema')"
        ))?;
        for row in rows {
            let name: String = row.get(0);
            catalog.schemas.insert(
                name.clone(),
                Namespace {
                    name,
                    comment: opt_comment(&row, 1),
                },
            );
        }
        Ok(())
    }

    fn extensions(&mut self, catalog: &mut Catalog) -> Result<(), postgres::Error> {
        let rows = self.tx.query(
            "SELECT e.extname, n.nspname, e.extversion, a.default_version, obj_description(e.oid, 'pg_extension')
             FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
             LEFT JOIN pg_available_extensions a ON a.name = e.extname
             WHERE e.extname <> 'plpgsql'",
            &[],
        )?;
        for row in rows {
            let name: String = row.get(0);
            let schema: String = row.get(1);
            let version: String = row.get(2);
            let default_version: Option<String> = row.get(3);
            catalog.extensions.insert(
                name.clone(),
                Extension {
                    name,
                    // pg_dump always writes WITH SCHEMA; a hand-written CREATE EXTENSION without it
                    // (schema unset in the parser's model) cannot be told apart here.
                    schema: Some(schema),
                    version: if default_version.as_deref() == Some(version.as_str()) {
                        None
                    } else {
                        Some(version)
                    },
                    comment: opt_comment(&row, 4),
                },
            );
        }
        Ok(())
    }

    fn tables(&mut self, catalog: &mut Catalog) -> Result<(), postgres::Error> {
        let rows = self.query(&format!(
            "SELECT n.nspname, c.relname, c.relpersistence = 'u', CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END,
                    (SELECT pn.nspname FROM pg_inherits i JOIN pg_class pc ON pc.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = pc.relnamespace WHERE i.inhrelid = c.oid AND c.relispartition),
                    (SELECT pc.relname FROM pg_inherits i JOIN pg_class pc ON pc.oid = i.inhparent WHERE i.inhrelid = c.oid AND c.relispartition),
                    CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END,
                    ARRAY(SELECT format('%I.%I', pn.nspname, pc.relname) FROM pg_inherits i JOIN pg_class pc ON pc.oid = i.inhparent
                          JOIN pg_namespace pn ON pn.oid = pc.relnamespace WHERE i.inhrelid = c.oid AND NOT c.relispartition ORDER BY i.inhseqno),
                    c.relrowsecurity, c.relforcerowsecurity, coalesce(c.reloptions, '{{}}'),
                    c.relreplident::text,
                    (SELECT ic.relname FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid WHERE i.indrelid = c.oid AND i.indisreplident),
                    obj_description(c.oid, 'pg_class'),
                    (SELECT ts.spcname::text FROM pg_tablespace ts WHERE ts.oid = c.reltablespace AND ts.spcname <> 'pg_default')
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relkind IN ('r', 'p') AND {NSP}
               AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')"
        ))?;
        for row in rows {
            let name = QualifiedName::new(row.get::<_, String>(0), row.get::<_, String>(1));
            let mut table = Table::new(name.clone());
            table.unlogged = row.get(2);
            table.partition_by = row.get(3);
            if let (Some(schema), Some(parent), Some(bound)) = (
                row.get::<_, Option<String>>(4),
                row.get::<_, Option<String>>(5),
                row.get::<_, Option<String>>(6),
            ) {
                table.partition_of = Some(PartitionOf {
                    parent: QualifiedName::new(schema, parent),
                    bound,
                });
            }
            table.inherits = row
                .get::<_, Vec<String>>(7)
                .iter()
                .filter_map(|q| QualifiedName::parse(q).ok())
                .collect();
            table.row_level_security = row.get(8);
            table.force_row_level_security = row.get(9);
            let mut options: Vec<String> = row.get(10);
            options.sort();
            table.options = options;
            let replident: String = row.get(11);
            table.replica_identity = match replident.as_str() {
                "n" => Some("NOTHING".to_string()),
                "f" => Some("FULL".to_string()),
                "i" => row
                    .get::<_, Option<String>>(12)
                    .map(|index| format!("USING INDEX {}", quote_ident(&index))),
                _ => None,
            };
            table.comment = opt_comment(&row, 13);
            table.tablespace = row.get(14);
            catalog.tables.insert(name, table);
        }
        Ok(())
    }

    fn columns(&mut self, catalog: &mut Catalog) -> Result<(), postgres::Error> {
        let rows = self.query(&format!(
            "SELECT n.nspname, c.relname, a.attname, {type_cols}, a.attnotnull,
                    CASE WHEN a.attgenerated = '' THEN pg_get_expr(ad.adbin, ad.adrelid) END,
                    a.attidentity::text, CASE WHEN a.attgenerated <> '' THEN pg_get_expr(ad.adbin, ad.adrelid) END,
                    a.attgenerated::text,
                    CASE WHEN a.attcollation <> 0 AND a.attcollation <> (SELECT typcollation FROM pg_type WHERE oid = a.atttypid)
                         THEN (SELECT CASE WHEN cn.nspname = 'pg_catalog' THEN quote_ident(co.collname) ELSE format('%I.%I', cn.nspname, co.collname) END
                               FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = a.attcollation) END,
                    col_description(c.oid, a.attnum),
                    pg_get_serial_sequence(format('%I.%I', n.nspname, c.relname), a.attname)
             FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
             LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
             WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped AND {NSP}
             ORDER BY n.nspname, c.relname, a.attnum",
            type_cols = type_select("a.atttypid", "a.atttypmod", "a.attndims"),
        ))?;
        let mut identities = Vec::new();
        for row in rows {
            let table_name = QualifiedName::new(row.get::<_, String>(0), row.get::<_, String>(1));
            let name: String = row.get(2);
            let data_type = type_name(&row, 3);
            let mut column = Column::new(name.clone(), data_type);
            column.not_null = row.get(9);
            column.default = row.get(10);
            let identity: String = row.get(11);
            if identity == "a" || identity == "d" {
                let sequence: Option<String> = row.get(16);
                identities.push((table_name.clone(), name.clone(), sequence.clone()));
                column.identity = Some(Identity {
                    always: identity == "a",
                    sequence: sequence.and_then(|s| QualifiedName::parse(&s).ok()),
                    options: SequenceOptions::default(),
                });
            }
            if let Some(expression) = row.get::<_, Option<String>>(12) {
                column.generated = Some(Generated {
                    expression,
                    stored: row.get::<_, String>(13) == "s",
                });
            }
            column.collation = row.get(14);
            column.comment = opt_comment(&row, 15);
            if let Some(table) = catalog.tables.get_mut(&table_name) {
                table.columns.insert(name, column);
            }
        }
        for (table_name, column, sequence) in identities {
            let Some(sequence) = sequence else { continue };
            let options = self.sequence_options(&sequence)?;
            if let Some(identity) = catalog
                .tables
                .get_mut(&table_name)
                .and_then(|t| t.columns.get_mut(&column))
                .and_then(|c| c.identity.as_mut())
            {
                identity.options = options.unwrap_or_default();
            }
        }
        Ok(())
    }

    /// A sequence's options, `None` where they are the default for its type.
    fn sequence_options(
        &mut self,
        sequence: &str,
    ) -> Result<Option<SequenceOptions>, postgres::Error> {
        let row = self.tx.query_opt(
            "SELECT s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle, format_type(s.seqtypid, NULL)
             FROM pg_sequence s WHERE s.seqrelid = to_regclass($1)",
            &[&sequence],
        )?;
        Ok(row.map(|row| sequence_options_of(&row, 0)))
    }

    fn constraints(&mut self, catalog: &mut Catalog) -> Result<(), postgres::Error> {
        let rows = self.query(&format!(
            "SELECT n.nspname, c.relname, con.conname, con.contype::text,
                    ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(attnum, o) JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum ORDER BY k.o),
                    ARRAY(SELECT a.attname FROM pg_index i, unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, o) JOIN pg_attribute a ON a.attnum = k.attnum
                          WHERE i.indexrelid = con.conindid AND a.attrelid = con.conrelid AND k.o > i.indnkeyatts ORDER BY k.o),
                    coalesce((SELECT i.indnullsnotdistinct FROM pg_index i WHERE i.indexrelid = con.conindid), false),
                    (SELECT format('%I.%I', fn.nspname, fc.relname) FROM pg_class fc JOIN pg_namespace fn ON fn.oid = fc.relnamespace WHERE fc.oid = con.confrelid),
                    ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(attnum, o) JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum ORDER BY k.o),
                    con.confdeltype::text, con.confupdtype::text, con.confmatchtype::text,
                    CASE WHEN con.contype = 'c' THEN pg_get_expr(con.conbin, con.conrelid) END, con.connoinherit,
                    pg_get_constraintdef(con.oid), con.condeferrable, con.condeferred, NOT con.convalidated,
                    obj_description(con.oid, 'pg_constraint'),
                    CASE WHEN con.contype IN ('p', 'u') THEN
                      coalesce((SELECT ic.reloptions FROM pg_class ic WHERE ic.oid = con.conindid), '{{}}') END,
                    (SELECT ts.spcname::text FROM pg_class ic JOIN pg_tablespace ts ON ts.oid = ic.reltablespace
                      WHERE ic.oid = con.conindid AND con.contype IN ('p', 'u', 'x'))
             FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relkind IN ('r', 'p') AND {NSP} AND con.contype IN ('p', 'u', 'f', 'c', 'x')
               AND ((con.conparentid = 0 AND con.conislocal)
                    OR (c.relispartition
                        AND coalesce((SELECT pc.conrelid <> con.conrelid FROM pg_constraint pc WHERE pc.oid = con.conparentid), true)))"
        ))?;
        for row in rows {
            let table_name = QualifiedName::new(row.get::<_, String>(0), row.get::<_, String>(1));
            let name: String = row.get(2);
            let kind: String = row.get(3);
            let columns: Vec<String> = row.get(4);
            let include: Vec<String> = row.get(5);
            let kind = match kind.as_str() {
                "p" => ConstraintKind::PrimaryKey { columns, include },
                "u" => ConstraintKind::Unique {
                    columns,
                    include,
                    nulls_not_distinct: row.get(6),
                },
                "f" => ConstraintKind::ForeignKey {
                    columns,
                    references: row
                        .get::<_, Option<String>>(7)
                        .and_then(|q| QualifiedName::parse(&q).ok())
                        .unwrap_or_else(|| QualifiedName::public("")),
                    referenced_columns: row.get(8),
                    on_delete: action(&row.get::<_, String>(9)),
                    on_update: action(&row.get::<_, String>(10)),
                    match_full: row.get::<_, String>(11) == "f",
                },
                "c" => ConstraintKind::Check {
                    expression: row.get::<_, Option<String>>(12).unwrap_or_default(),
                    no_inherit: row.get(13),
                },
                _ => ConstraintKind::Exclude {
                    definition: row.get(14),
                },
            };
            let constraint = Constraint {
                name: name.clone(),
                kind,
                deferrable: row.get(15),
                initially_deferred: row.get(16),
                not_valid: row.get(17),
                comment: opt_comment(&row, 18),
                index_options: {
                    let mut options: Vec<String> =
                        row.get::<_, Option<Vec<String>>>(19).unwrap_or_default();
                    options.sort();
                    options
                },
                index_tablespace: row.get(20),
            };
            if let Some(table) = catalog.tables.get_mut(&table_name) {
                table.constraints.insert(name, constraint);
            }
        }
        Ok(())
    }

    /// Standalone indexes of tables and materialized views (not those behind a constraint).
    fn index_rows(
        &mut self,
        relkinds: &str,
    ) -> Result<Vec<(QualifiedName, Index)>, postgres::Error> {
        let rows = self.query(&format!(
            "SELECT n.nspname, c.relname, ic.relname, i.indisunique, am.amname, i.indnkeyatts, i.indkey::int2[],
                    ARRAY(SELECT pg_get_indexdef(i.indexrelid, k, false) FROM generate_series(1, i.indnatts) k ORDER BY k),
                    ARRAY(SELECT coalesce((SELECT CASE WHEN k.coll IN (0, 100)
                                                  OR k.coll = (SELECT a.attcollation FROM pg_attribute a WHERE a.attrelid = i.indrelid AND a.attnum = (i.indkey::int2[])[k.o - 1])
                                             THEN NULL
                                             ELSE (SELECT CASE WHEN cn.nspname = 'pg_catalog' THEN quote_ident(co.collname) ELSE format('%I.%I', cn.nspname, co.collname) END
                                                   FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = k.coll) END), '')
                          FROM unnest(i.indcollation::oid[]) WITH ORDINALITY k(coll, o) ORDER BY k.o),
                    ARRAY(SELECT coalesce((SELECT CASE WHEN oc.opcdefault THEN NULL
                                             ELSE CASE WHEN ocn.nspname IN ('pg_catalog', 'public') THEN quote_ident(oc.opcname) ELSE format('%I.%I', ocn.nspname, oc.opcname) END END
                                           FROM pg_opclass oc JOIN pg_namespace ocn ON ocn.oid = oc.opcnamespace WHERE oc.oid = k.cls), '')
                          FROM unnest(i.indclass::oid[]) WITH ORDINALITY k(cls, o) ORDER BY k.o),
                    i.indoption::int2[],
                    pg_get_expr(i.indpred, i.indrelid), i.indnullsnotdistinct, coalesce(ic.reloptions, '{{}}'),
                    ic.relkind = 'I',
                    (SELECT format('%I.%I', pn.nspname, pc.relname) FROM pg_inherits h JOIN pg_class pc ON pc.oid = h.inhparent JOIN pg_namespace pn ON pn.oid = pc.relnamespace WHERE h.inhrelid = ic.oid),
                    obj_description(ic.oid, 'pg_class'),
                    (SELECT ts.spcname::text FROM pg_tablespace ts WHERE ts.oid = ic.reltablespace AND ts.spcname <> 'pg_default')
             FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class c ON c.oid = i.indrelid
             JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_am am ON am.oid = ic.relam
             WHERE c.relkind IN ({relkinds}) AND {NSP}
               AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.indexrelid AND con.contype IN ('p', 'u', 'x'))"
        ))?;
        let mut out = Vec::new();
        for row in rows {
            let owner = QualifiedName::new(row.get::<_, String>(0), row.get::<_, String>(1));
            let name: String = row.get(2);
            let key_count = row.get::<_, i16>(5).max(0) as usize;
            let attnums: Vec<i16> = row.get(6);
            let definitions: Vec<String> = row.get(7);
            let collations: Vec<String> = row.get(8);
            let opclasses: Vec<String> = row.get(9);
            let options: Vec<i16> = row.get(10);
            let mut keys = Vec::new();
            let mut include = Vec::new();
            for (position, definition) in definitions.into_iter().enumerate() {
                let is_column = attnums.get(position).is_some_and(|a| *a != 0);
                if position >= key_count {
                    // INCLUDE holds columns only; pg_get_indexdef quotes them where SQL needs it.
                    include.push(unquote_column(definition));
                    continue;
                }
                let option = options.get(position).copied().unwrap_or(0);
                let descending = option & 1 != 0;
                let nulls_first = option & 2 != 0;
                keys.push(IndexKey {
                    expression: if is_column {
                        IndexKeyExpr::Column(unquote_column(definition))
                    } else {
                        IndexKeyExpr::Expression(definition)
                    },
                    collation: collations.get(position).filter(|c| !c.is_empty()).cloned(),
                    opclass: opclasses.get(position).filter(|c| !c.is_empty()).cloned(),
                    descending,
                    nulls_first: if nulls_first != descending {
                        Some(nulls_first)
                    } else {
                        None
                    },
                });
            }
            let mut index_options: Vec<String> = row.get(13);
            index_options.sort();
            out.push((
                owner,
                Index {
                    name,
                    unique: row.get(3),
                    method: row.get(4),
                    keys,
                    include,
                    predicate: row.get(11),
                    nulls_not_distinct: row.get(12),
                    options: index_options,
                    only: row.get(14),
                    attached_to: row
                        .get::<_, Option<String>>(15)
                        .and_then(|q| QualifiedName::parse(&q).ok()),
                    comment: opt_comment(&row, 16),
                    tablespace: row.get(17),
                },
            ));
        }
        Ok(out)
    }

    fn indexes(&mut self, catalog: &mut Catalog) -> Result<(), postgres::Error> {
        for (owner, index) in self.index_rows("'r', 'p'")? {
            if let Some(table) = catalog.tables.get_mut(&owner) {
                table.indexes.insert(index.name.clone(), index);
            }
        }
        Ok(())
    }

    fn triggers(&mut self, catalog: &mut Catalog) -> Result<(), postgres::Error> {
        let rows = self.query(&format!(
            "SELECT n.nspname, c.relname, t.tgname, pg_get_triggerdef(t.oid), pn.nspname, p.proname, t.tgenabled <> 'D',
                    obj_description(t.oid, 'pg_trigger')
             FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
             JOIN pg_proc p ON p.oid = t.tgfoid JOIN pg_namespace pn ON pn.oid = p.pronamespace
             WHERE NOT t.tgisinternal AND t.tgparentid = 0 AND c.relkind IN ('r', 'p') AND {NSP}"
        ))?;
        for row in rows {
            let table_name = QualifiedName::new(row.get::<_, String>(0), row.get::<_, String>(1));
            let name: String = row.get(2);
            let trigger = Trigger {
                name: name.clone(),
                definition: row.get(3),
                function: QualifiedName::new(row.get::<_, String>(4), row.get::<_, String>(5)),
                enabled: row.get(6),
                comment: opt_comment(&row, 7),
            };
            if let Some(table) = catalog.tables.get_mut(&table_name) {
                table.triggers.insert(name, trigger);
            }
        }
        Ok(())
    }

    fn policies(&mut self, catalog: &mut Catalog) -> Result<(), postgres::Error> {
        let rows = self.query(&format!(
            "SELECT n.nspname, c.relname, p.polname, p.polpermissive, p.polcmd::text,
                    ARRAY(SELECT CASE WHEN r = 0 THEN 'public' ELSE (SELECT quote_ident(rolname) FROM pg_roles WHERE oid = r) END FROM unnest(p.polroles) r),
                    pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid), obj_description(p.oid, 'pg_policy')
             FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE {NSP}"
        ))?;
        for row in rows {
            let table_name = QualifiedName::new(row.get::<_, String>(0), row.get::<_, String>(1));
            let name: String = row.get(2);
            let command = match row.get::<_, String>(4).as_str() {
                "r" => "SELECT",
                "a" => "INSERT",
                "w" => "UPDATE",
                "d" => "DELETE",
                _ => "ALL",
            };
            let mut roles: Vec<String> = row.get(5);
            roles.sort();
            let policy = Policy {
                name: name.clone(),
                permissive: row.get(3),
                command: command.to_string(),
                roles,
                using: row.get(6),
                with_check: row.get(7),
                comment: opt_comment(&row, 8),
            };
            if let Some(table) = catalog.tables.get_mut(&table_name) {
                table.policies.insert(name, policy);
            }
        }
        Ok(())
    }

    fn views(&mut self, catalog: &mut Catalog) -> Result<(), postgres::Error> {
        let rows = self.query(&format!(
            "SELECT n.nspname, c.relname, c.relkind = 'm', pg_get_viewdef(c.oid), coalesce(c.reloptions, '{{}}'),
                    c.relkind = 'm' AND NOT c.relispopulated, obj_description(c.oid, 'pg_class'),
                    ARRAY(SELECT DISTINCT format('%I.%I', rn.nspname, rc.relname) || coalesce('.' || quote_ident(ra.attname), '')
                          FROM pg_rewrite rw JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = rw.oid
                          JOIN pg_class rc ON rc.oid = d.refobjid AND d.refclassid = 'pg_class'::regclass
                          JOIN pg_namespace rn ON rn.oid = rc.relnamespace
                          LEFT JOIN pg_attribute ra ON ra.attrelid = rc.oid AND ra.attnum = d.refobjsubid AND d.refobjsubid > 0
                          WHERE rw.ev_class = c.oid AND rc.oid <> c.oid),
                    (SELECT ts.spcname::text FROM pg_tablespace ts WHERE ts.oid = c.reltablespace AND ts.spcname <> 'pg_default')
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relkind IN ('v', 'm') AND {NSP}
               AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')"
        ))?;
        for row in rows {
            let name = QualifiedName::new(row.get::<_, String>(0), row.get::<_, String>(1));
            let mut options: Vec<String> = row.get(4);
            options.sort();
            let mut reads: SortedMap<QualifiedName, Vec<String>> = SortedMap::new();
            for entry in row.get::<_, Vec<String>>(7) {
                let Ok(parts) = shiftplan::model::split_qualified(&entry) else {
                    continue;
                };
                match parts.as_slice() {
                    [schema, relation] => {
                        reads
                            .entry(QualifiedName::new(schema.clone(), relation.clone()))
                            .or_default();
                    }
                    // The parser names the relations a view reads, not their columns.
                    [schema, relation, _column] => {
                        reads
                            .entry(QualifiedName::new(schema.clone(), relation.clone()))
                            .or_default();
                    }
                    _ => {}
                }
            }
            let view = View {
                name: name.clone(),
                materialized: row.get(2),
                definition: row.get(3),
                columns: Vec::new(),
                reads,
                options,
                with_no_data: row.get(5),
                indexes: SortedMap::new(),
                comment: opt_comment(&row, 6),
                tablespace: row.get(8),
            };
            catalog.views.insert(name, view);
        }
        for (owner, index) in self.index_rows("'m'")? {
            if let Some(view) = catalog.views.get_mut(&owner) {
                view.indexes.insert(index.name.clone(), index);
            }
        }
        Ok(())
    }

    fn sequences(&mut self, catalog: &mut Catalog) -> Result<(), postgres::Error> {
        let rows = self.query(&format!(
            "SELECT n.nspname, c.relname, s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle,
                    format_type(s.seqtypid, NULL),
                    (SELECT format('%I.%I', tn.nspname, tc.relname) FROM pg_depend d JOIN pg_class tc ON tc.oid = d.refobjid JOIN pg_namespace tn ON tn.oid = tc.relnamespace
                     WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'a' AND d.refobjsubid > 0 LIMIT 1),
                    (SELECT a.attname FROM pg_depend d JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                     WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'a' AND d.refobjsubid > 0 LIMIT 1),
                    obj_description(c.oid, 'pg_class')
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_sequence s ON s.seqrelid = c.oid
             WHERE c.relkind = 'S' AND {NSP}
               AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('e', 'i'))"
        ))?;
        for row in rows {
            let name = QualifiedName::new(row.get::<_, String>(0), row.get::<_, String>(1));
            let type_text: String = row.get(8);
            let owned_by = match (
                row.get::<_, Option<String>>(9),
                row.get::<_, Option<String>>(10),
            ) {
                (Some(table), Some(column)) => QualifiedName::parse(&table)
                    .ok()
                    .map(|table| ColumnRef { table, column }),
                _ => None,
            };
            let sequence = Sequence {
                name: name.clone(),
                data_type: TypeName {
                    base: BaseType::Builtin(type_text),
                    modifiers: Vec::new(),
                    array_dimensions: 0,
                },
                options: sequence_options_of(&row, 2),
                owned_by,
                comment: opt_comment(&row, 11),
            };
            catalog.sequences.insert(name, sequence);
        }
        Ok(())
    }

    fn enums(&mut self, catalog: &mut Catalog) -> Result<(), postgres::Error> {
        let rows = self.query(&format!(
            "SELECT n.nspname, t.typname, ARRAY(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder),
                    obj_description(t.oid, 'pg_type')
             FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
             WHERE t.typtype = 'e' AND {NSP}
               AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e')"
        ))?;
        for row in rows {
            let name = QualifiedName::new(row.get::<_, String>(0), row.get::<_, String>(1));
            catalog.enums.insert(
                name.clone(),
                EnumType {
                    name,
                    labels: row.get(2),
                    comment: opt_comment(&row, 3),
                },
            );
        }
        Ok(())
    }

    fn domains(&mut self, catalog: &mut Catalog) -> Result<(), postgres::Error> {
        let rows = self.query(&format!(
            "SELECT n.nspname, t.typname, {type_cols}, t.typnotnull, pg_get_expr(t.typdefaultbin, 0),
                    CASE WHEN t.typcollation <> 0 AND t.typcollation <> (SELECT b.typcollation FROM pg_type b WHERE b.oid = t.typbasetype)
                         THEN (SELECT quote_ident(co.collname) FROM pg_collation co WHERE co.oid = t.typcollation) END,
                    ARRAY(SELECT c.conname::text FROM pg_constraint c WHERE c.contypid = t.oid AND c.contype = 'c' ORDER BY c.conname),
                    ARRAY(SELECT pg_get_expr(c.conbin, 0) FROM pg_constraint c WHERE c.contypid = t.oid AND c.contype = 'c' ORDER BY c.conname),
                    obj_description(t.oid, 'pg_type')
             FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
             WHERE t.typtype = 'd' AND {NSP}
               AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e')",
            type_cols = type_select("t.typbasetype", "t.typtypmod", "t.typndims"),
        ))?;
        for row in rows {
            let name = QualifiedName::new(row.get::<_, String>(0), row.get::<_, String>(1));
            let names: Vec<String> = row.get(11);
            let expressions: Vec<String> = row.get(12);
            let domain = Domain {
                name: name.clone(),
                data_type: type_name(&row, 2),
                not_null: row.get(8),
                default: row.get(9),
                collation: row.get(10),
                checks: names.into_iter().zip(expressions).collect(),
                comment: opt_comment(&row, 13),
            };
            catalog.domains.insert(name, domain);
        }
        Ok(())
    }

    fn composites(&mut self, catalog: &mut Catalog) -> Result<(), postgres::Error> {
        let rows = self.query(&format!(
            "SELECT n.nspname, t.typname, a.attname, {type_cols}, obj_description(t.oid, 'pg_type')
             FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_class c ON c.oid = t.typrelid
             JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
             WHERE t.typtype = 'c' AND c.relkind = 'c' AND {NSP}
               AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e')
             ORDER BY n.nspname, t.typname, a.attnum",
            type_cols = type_select("a.atttypid", "a.atttypmod", "a.attndims"),
        ))?;
        for row in rows {
            let name = QualifiedName::new(row.get::<_, String>(0), row.get::<_, String>(1));
            let attribute: String = row.get(2);
            let data_type = type_name(&row, 3);
            let comment = opt_comment(&row, 9);
            catalog
                .composite_types
                .entry(name.clone())
                .or_insert_with(|| CompositeType {
                    name,
                    attributes: IndexMap::new(),
                    comment,
                })
                .attributes
                .insert(attribute, data_type);
        }
        Ok(())
    }

    fn functions(&mut self, catalog: &mut Catalog) -> Result<(), postgres::Error> {
        let rows = self.query(&format!(
            "SELECT p.oid::bigint, n.nspname, p.proname, pg_get_function_identity_arguments(p.oid), p.prokind::text,
                    CASE WHEN p.prokind = 'p' THEN '' ELSE pg_get_function_result(p.oid) END, l.lanname,
                    obj_description(p.oid, 'pg_proc')
             FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang
             WHERE {NSP}
               AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')"
        ))?;
        // The definition as pg_dump prints it (names qualified: search_path empty), which is what
        // the parser keeps from a dump.
        self.tx.batch_execute("SET LOCAL search_path = ''")?;
        let definitions = self.query(&format!(
            "SELECT p.oid::bigint,
                    CASE WHEN p.prokind = 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END || ' ' || quote_ident(n.nspname) || '.'
                      || quote_ident(p.proname) || '(' || pg_get_function_arguments(p.oid) || ')'
                      || CASE WHEN p.prokind = 'p' THEN '' ELSE ' RETURNS ' || pg_get_function_result(p.oid) END,
                    l.lanname, p.prokind::text, p.provolatile::text, p.proisstrict, p.prosecdef, p.proleakproof,
                    p.procost::text, p.prorows::text, p.proretset, p.proparallel::text,
                    coalesce(p.proconfig, '{{}}'), p.prosrc, p.probin,
                    CASE WHEN p.prosqlbody IS NOT NULL THEN pg_get_function_sqlbody(p.oid) END,
                    CASE WHEN p.prosupport <> 0 THEN p.prosupport::regproc::text END
             FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang
             WHERE {NSP} AND p.prokind <> 'a'"
        ))?;
        self.tx.batch_execute("SET LOCAL search_path = public")?;
        let mut dumped: BTreeMap<i64, String> = BTreeMap::new();
        for row in definitions {
            dumped.insert(row.get(0), dump_function(&row));
        }
        for row in rows {
            let oid: i64 = row.get(0);
            let id = FunctionId {
                name: QualifiedName::new(row.get::<_, String>(1), row.get::<_, String>(2)),
                arguments: row.get(3),
            };
            let kind = match row.get::<_, String>(4).as_str() {
                "p" => FunctionKind::Procedure,
                "a" => FunctionKind::Aggregate,
                _ => FunctionKind::Function,
            };
            let function = Function {
                id: id.clone(),
                kind,
                returns: row.get(5),
                language: row.get(6),
                definition: dumped.remove(&oid).unwrap_or_default(),
                comment: opt_comment(&row, 7),
            };
            catalog.functions.insert(id, function);
        }
        Ok(())
    }
}

/// `CREATE FUNCTION ...` as pg_dump (15) prints it, without the final `;`.
fn dump_function(row: &Row) -> String {
    let head: String = row.get(1);
    let language: String = row.get(2);
    let kind: String = row.get(3);
    let mut out = format!("CREATE {head}\n    LANGUAGE {}", quote_ident(&language));
    if kind == "w" {
        out.push_str(" WINDOW");
    }
    match row.get::<_, String>(4).as_str() {
        "i" => out.push_str(" IMMUTABLE"),
        "s" => out.push_str(" STABLE"),
        _ => {}
    }
    if row.get::<_, bool>(5) {
        out.push_str(" STRICT");
    }
    if row.get::<_, bool>(6) {
        out.push_str(" SECURITY DEFINER");
    }
    if row.get::<_, bool>(7) {
        out.push_str(" LEAKPROOF");
    }
    let cost: String = row.get(8);
    let default_cost = if language == "internal" || language == "c" {
        "1"
    } else {
        "100"
    };
    if cost != "0" && cost != default_cost {
        out.push_str(&format!(" COST {cost}"));
    }
    let rows: String = row.get(9);
    if row.get::<_, bool>(10) && rows != "0" && rows != "1000" {
        out.push_str(&format!(" ROWS {rows}"));
    }
    if let Some(support) = row.get::<_, Option<String>>(16) {
        out.push_str(&format!(" SUPPORT {support}"));
    }
    match row.get::<_, String>(11).as_str() {
        "s" => out.push_str(" PARALLEL SAFE"),
        "r" => out.push_str(" PARALLEL RESTRICTED"),
        _ => {}
    }
    for item in row.get::<_, Vec<String>>(12) {
        let Some((name, value)) = item.split_once('=') else {
            continue;
        };
        let list = matches!(
            name,
            "search_path"
                | "temp_tablespaces"
                | "session_preload_libraries"
                | "shared_preload_libraries"
                | "local_preload_libraries"
        );
        let value = if list {
            value
                .split(',')
                .map(|v| sql_literal(v.trim().trim_matches('"')))
                .collect::<Vec<_>>()
                .join(", ")
        } else {
            sql_literal(value)
        };
        out.push_str(&format!("\n    SET {} TO {value}", quote_ident(name)));
    }
    let source: String = row.get(13);
    let binary: Option<String> = row.get(14);
    let sql_body: Option<String> = row.get(15);
    let as_part = match (sql_body, binary) {
        (Some(body), _) => body,
        (None, Some(binary)) if binary != "-" => {
            let name_only = head
                .split('(')
                .next()
                .and_then(|n| n.rsplit('.').next())
                .unwrap_or("");
            if source == name_only {
                format!("AS {}", sql_literal(&binary))
            } else {
                format!("AS {}, {}", sql_literal(&binary), sql_literal(&source))
            }
        }
        _ => format!("AS {}", dollar_quote(&source)),
    };
    out.push_str(&format!("\n    {as_part}"));
    out
}

fn sql_literal(text: &str) -> String {
    if text.contains('\\') {
        format!("E'{}'", text.replace('\\', "\\\\").replace('\'', "''"))
    } else {
        format!("'{}'", text.replace('\'', "''"))
    }
}

/// pg_dump's dollar quoting: `$$`, or `$_$`, `$_X$`... when the text holds the delimiter.
fn dollar_quote(text: &str) -> String {
    const SUFFIXES: &[u8] = b"_XXXXXXX";
    let mut delimiter = String::from("$");
    let mut next = 0;
    while text.contains(delimiter.as_str()) {
        delimiter.push(SUFFIXES[next % SUFFIXES.len()] as char);
        next += 1;
    }
    delimiter.push('$');
    format!("{delimiter}{text}{delimiter}")
}

fn action(code: &str) -> ReferentialAction {
    match code {
        "r" => ReferentialAction::Restrict,
        "c" => ReferentialAction::Cascade,
        "n" => ReferentialAction::SetNull,
        "d" => ReferentialAction::SetDefault,
        _ => ReferentialAction::NoAction,
    }
}

/// Sequence options from (start, increment, min, max, cache, cycle, type) at `at`, `None` where
/// PostgreSQL's default for the type and direction.
fn sequence_options_of(row: &Row, at: usize) -> SequenceOptions {
    let start: i64 = row.get(at);
    let increment: i64 = row.get(at + 1);
    let min: i64 = row.get(at + 2);
    let max: i64 = row.get(at + 3);
    let cache: i64 = row.get(at + 4);
    let cycle: bool = row.get(at + 5);
    let type_text: String = row.get(at + 6);
    let type_max = match type_text.as_str() {
        "smallint" => i16::MAX as i64,
        "integer" => i32::MAX as i64,
        _ => i64::MAX,
    };
    let type_min = match type_text.as_str() {
        "smallint" => i16::MIN as i64,
        "integer" => i32::MIN as i64,
        _ => i64::MIN,
    };
    let (default_min, default_max) = if increment > 0 {
        (1, type_max)
    } else {
        (type_min, -1)
    };
    let default_start = if increment > 0 { min } else { max };
    SequenceOptions {
        start: (start != default_start).then_some(start),
        increment: (increment != 1).then_some(increment),
        min_value: (min != default_min).then_some(min),
        max_value: (max != default_max).then_some(max),
        cache: (cache != 1).then_some(cache),
        cycle,
    }
}

/// A column name as `pg_get_indexdef(index, k, false)` prints it (`"createdAt"`, `name`) → the name.
fn unquote_column(definition: String) -> String {
    shiftplan::model::split_qualified(&definition)
        .ok()
        .and_then(|mut parts| parts.pop())
        .unwrap_or(definition)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modifiers_are_split_from_the_base_type() {
        assert_eq!(
            split_modifiers("timestamp(3) without time zone"),
            ("timestamp without time zone".into(), vec![3.into()])
        );
        assert_eq!(
            split_modifiers("numeric(10,2)"),
            ("numeric".into(), vec![10.into(), 2.into()])
        );
        assert_eq!(
            split_modifiers("interval day to second(3)"),
            ("interval day to second".into(), vec![3.into()])
        );
        assert_eq!(
            split_modifiers("character varying"),
            ("character varying".into(), vec![])
        );
        assert_eq!(split_modifiers("\"char\""), ("\"char\"".into(), vec![]));
        assert_eq!(
            split_modifiers("geometry(Point,4326)"),
            (
                "geometry".into(),
                vec![TypeModifier::Word("Point".into()), 4326.into()]
            )
        );
        assert_eq!(dollar_quote(" SELECT 1 "), "$$ SELECT 1 $$");
        assert_eq!(dollar_quote("SELECT '$x'"), "$_$SELECT '$x'$_$");
        assert_eq!(dollar_quote("a $_ b"), "$_X$a $_ b$_X$");
    }
}
