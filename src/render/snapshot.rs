//! The catalog as the JSON that ../shared/tools/pg-catalog-snapshot.sql prints for a database
//! holding it (with `search_path = public`), so a model can be compared with a live database's
//! snapshot, or with a `*.catalog.json` oracle, by JSON equality.

use serde_json::{Map, Value, json};

use crate::model::{
    Catalog, ConstraintKind, FunctionKind, QualifiedName, SequenceOptions, TypeName,
};
use crate::parse::naming::choose_name;
use crate::render::format::{constraint_catalog_def, constraint_index_def, format_type, index_def};

fn opt(s: &Option<String>) -> Value {
    match s {
        Some(v) => Value::String(v.clone()),
        None => Value::Null,
    }
}

/// The effective start value of a sequence: its option, or PostgreSQL's default.
fn sequence_start(data_type: &TypeName, o: &SequenceOptions) -> i64 {
    if let Some(s) = o.start {
        return s;
    }
    let inc = o.increment.unwrap_or(1);
    if inc > 0 {
        o.min_value.unwrap_or(1)
    } else {
        let _ = data_type;
        o.max_value.unwrap_or(-1)
    }
}

fn sequence_json(
    data_type: &TypeName,
    options: &SequenceOptions,
    owned_by: Option<String>,
) -> Value {
    json!({
        "type": format_type(data_type),
        "start": sequence_start(data_type, options),
        "increment": options.increment.unwrap_or(1),
        "owned_by": owned_by,
    })
}

/// The snapshot JSON of a catalog.
pub fn snapshot(catalog: &Catalog) -> Value {
    let mut schemas: Vec<String> = catalog.schemas.keys().cloned().collect();
    if !schemas.iter().any(|s| s == "public") {
        schemas.push("public".into());
    }
    schemas.sort();
    let extensions: Vec<&String> = catalog
        .extensions
        .keys()
        .filter(|e| e.as_str() != "plpgsql")
        .collect();

    let mut tables = Map::new();
    let mut sequences = Map::new();
    for (name, t) in &catalog.tables {
        let mut columns = Map::new();
        for (cn, c) in &t.columns {
            columns.insert(
                cn.clone(),
                json!({
                    "type": format_type(&c.data_type),
                    "not_null": c.not_null,
                    "default": if c.generated.is_some() { Value::Null } else { opt(&c.default) },
                    "generated": c.generated.as_ref().map(|g| g.expression.clone()),
                    "identity": c.identity.as_ref().map(|i| if i.always { "a" } else { "d" }),
                    "collation": opt(&c.collation),
                }),
            );
            if let Some(identity) = &c.identity {
                let seq = identity.sequence.clone().unwrap_or_else(|| {
                    QualifiedName::new(
                        name.schema.clone(),
                        choose_name(&name.name, Some(cn), "seq", |_| false),
                    )
                });
                let ty = match &c.data_type.base {
                    crate::model::BaseType::Builtin(_) => c.data_type.clone(),
                    _ => c.data_type.clone(),
                };
                sequences.insert(
                    seq.to_string(),
                    sequence_json(
                        &ty,
                        &identity.options,
                        Some(format!("{name}.{}", crate::model::quote_ident(cn))),
                    ),
                );
            }
        }
        let mut constraints = Map::new();
        let mut indexes = Map::new();
        for (cname, con) in &t.constraints {
            let mut def = constraint_catalog_def(con);
            if con.not_valid {
                def.push_str(" [not validated]");
            }
            constraints.insert(cname.clone(), Value::String(def));
            if let Some(idef) = constraint_index_def(name, t.partition_by.is_some(), con) {
                indexes.insert(cname.clone(), Value::String(idef));
            }
            let _ = ConstraintKind::Check {
                expression: String::new(),
                no_inherit: false,
            };
        }
        for (iname, idx) in &t.indexes {
            // An index on a partitioned table is a partitioned index: printed `ON ONLY`.
            let mut idx = idx.clone();
            idx.only |= t.partition_by.is_some();
            indexes.insert(iname.clone(), Value::String(index_def(name, &idx)));
        }
        let mut triggers = Map::new();
        for (tn, trig) in &t.triggers {
            triggers.insert(tn.clone(), Value::String(trig.definition.clone()));
        }
        let mut policies = Map::new();
        for (pn, p) in &t.policies {
            let cmd = match p.command.as_str() {
                "SELECT" => "r",
                "INSERT" => "a",
                "UPDATE" => "w",
                "DELETE" => "d",
                _ => "*",
            };
            policies.insert(
                pn.clone(),
                json!({"cmd": cmd, "permissive": p.permissive, "using": opt(&p.using), "check": opt(&p.with_check)}),
            );
        }
        tables.insert(
            name.to_string(),
            json!({
                "partitioned": t.partition_by.is_some(),
                "partition_of": t.partition_of.as_ref().map(|p| p.parent.to_string()),
                "partition_bound": t.partition_of.as_ref().map(|p| p.bound.clone()),
                "columns": columns,
                "constraints": constraints,
                "indexes": indexes,
                "triggers": triggers,
                "rls": t.row_level_security,
                "policies": policies,
            }),
        );
    }
    let mut views = Map::new();
    for (name, v) in &catalog.views {
        views.insert(
            name.to_string(),
            json!({"materialized": v.materialized, "definition": v.definition}),
        );
    }
    for (name, s) in &catalog.sequences {
        let owned = s
            .owned_by
            .as_ref()
            .map(|o| format!("{}.{}", o.table, crate::model::quote_ident(&o.column)));
        sequences.insert(
            name.to_string(),
            sequence_json(&s.data_type, &s.options, owned),
        );
    }
    let mut enums = Map::new();
    for (name, e) in &catalog.enums {
        enums.insert(name.to_string(), json!(e.labels));
    }
    let mut domains = Map::new();
    for (name, d) in &catalog.domains {
        let mut s = format_type(&d.data_type);
        if d.not_null {
            s.push_str(" NOT NULL");
        }
        for expr in d.checks.values() {
            s.push_str(&format!(" CHECK ({expr})"));
        }
        domains.insert(name.to_string(), Value::String(s));
    }
    let mut functions = Map::new();
    for (id, f) in &catalog.functions {
        let result = if f.kind == FunctionKind::Procedure {
            Value::Null
        } else {
            Value::String(f.returns.clone())
        };
        functions.insert(id.to_string(), result);
    }
    json!({
        "schemas": schemas,
        "extensions": extensions,
        "tables": tables,
        "views": views,
        "sequences": sequences,
        "enums": enums,
        "domains": domains,
        "functions": functions,
    })
}

/// Differences between two snapshots, one line each (`tables.public.t.columns.a.type: "x" != "y"`),
/// sorted; empty when equal.
pub fn diff(expected: &Value, actual: &Value) -> Vec<String> {
    let mut out = Vec::new();
    diff_into(expected, actual, String::new(), &mut out);
    out.sort();
    out
}

fn diff_into(e: &Value, a: &Value, path: String, out: &mut Vec<String>) {
    match (e, a) {
        (Value::Object(em), Value::Object(am)) => {
            for (k, ev) in em {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                match am.get(k) {
                    Some(av) => diff_into(ev, av, p, out),
                    None => out.push(format!("{p}: missing (expected {})", short(ev))),
                }
            }
            for (k, av) in am {
                if !em.contains_key(k) {
                    let p = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    out.push(format!("{p}: unexpected {}", short(av)));
                }
            }
        }
        _ => {
            if e != a {
                out.push(format!(
                    "{path}: expected {} but got {}",
                    short(e),
                    short(a)
                ));
            }
        }
    }
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 300 {
        format!("{}...", s.chars().take(300).collect::<String>())
    } else {
        s
    }
}
