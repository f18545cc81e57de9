//! Type names as written → [`TypeName`], canonical as `format_type` prints them
//! (`int4` → `integer`, `varchar(10)` → `character varying(10)`, `timestamptz` →
//! `timestamp with time zone`, `serial` → `integer` plus an owned sequence).

use super::cursor::{Cursor, PResult};
use super::lexer::TokenKind;
use crate::model::{BaseType, TypeModifier, TypeName};

/// Serial pseudo-types: the column gets a sequence and a nextval default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Serial {
    Small,
    Regular,
    Big,
}

/// Built-in type names format_type prints as themselves (lower case, no schema).
const PLAIN_BUILTINS: &[&str] = &[
    "aclitem",
    "any",
    "anyarray",
    "anycompatible",
    "anycompatiblearray",
    "anyelement",
    "anyenum",
    "anymultirange",
    "anynonarray",
    "anyrange",
    "bool",
    "box",
    "bytea",
    "cid",
    "cidr",
    "circle",
    "cstring",
    "date",
    "datemultirange",
    "daterange",
    "event_trigger",
    "fdw_handler",
    "gtsvector",
    "index_am_handler",
    "inet",
    "int2vector",
    "int4multirange",
    "int4range",
    "int8multirange",
    "int8range",
    "internal",
    "json",
    "jsonb",
    "jsonpath",
    "language_handler",
    "line",
    "lseg",
    "macaddr",
    "macaddr8",
    "money",
    "name",
    "nummultirange",
    "numrange",
    "oid",
    "oidvector",
    "path",
    "pg_lsn",
    "pg_node_tree",
    "pg_snapshot",
    "point",
    "polygon",
    "record",
    "refcursor",
    "regclass",
    "regcollation",
    "regconfig",
    "regdictionary",
    "regnamespace",
    "regoper",
    "regoperator",
    "regproc",
    "regprocedure",
    "regrole",
    "regtype",
    "table_am_handler",
    "text",
    "tid",
    "trigger",
    "tsm_handler",
    "tsmultirange",
    "tsquery",
    "tsrange",
    "tstzmultirange",
    "tstzrange",
    "tsvector",
    "txid_snapshot",
    "unknown",
    "uuid",
    "void",
    "xid",
    "xid8",
    "xml",
];

/// Canonical base for a one-word built-in name (already lower case), or None when not built in.
fn builtin(word: &str) -> Option<(&'static str, Option<Serial>)> {
    Some(match word {
        "int" | "int4" | "integer" => ("integer", None),
        "int2" | "smallint" => ("smallint", None),
        "int8" | "bigint" => ("bigint", None),
        "serial" | "serial4" => ("integer", Some(Serial::Regular)),
        "bigserial" | "serial8" => ("bigint", Some(Serial::Big)),
        "smallserial" | "serial2" => ("smallint", Some(Serial::Small)),
        "float4" | "real" => ("real", None),
        "float8" => ("double precision", None),
        "bool" | "boolean" => ("boolean", None),
        "varchar" => ("character varying", None),
        "char" | "character" => ("character", None),
        "bpchar" => ("bpchar", None),
        "decimal" | "numeric" => ("numeric", None),
        "timestamp" => ("timestamp without time zone", None),
        "timestamptz" => ("timestamp with time zone", None),
        "time" => ("time without time zone", None),
        "timetz" => ("time with time zone", None),
        "varbit" => ("bit varying", None),
        "bit" => ("bit", None),
        "interval" => ("interval", None),
        "float" => ("double precision", None),
        other => {
            let i = PLAIN_BUILTINS.binary_search(&other).ok()?;
            let name = PLAIN_BUILTINS[i];
            (if name == "bool" { "boolean" } else { name }, None)
        }
    })
}

/// Is this lower-case word a built-in type name (for telling a cast's type from a user type)?
pub fn is_builtin_type_word(word: &str) -> bool {
    builtin(word).is_some() || matches!(word, "double" | "national" | "nchar")
}

/// Reads a type at the cursor. User-defined names without a schema go to `default_schema`.
pub fn parse_type(c: &mut Cursor<'_>, default_schema: &str) -> PResult<(TypeName, Option<Serial>)> {
    let mut serial = None;
    let base: BaseType;
    let mut modifiers: Vec<TypeModifier> = Vec::new();
    let mut tz_suffix: Option<bool> = None;
    let first_is_word = c.is_kind(TokenKind::Word);
    let is_qualified = c.peek_at(1).is_some_and(|t| t.kind == TokenKind::Dot);
    if first_is_word && !is_qualified {
        let word = c.text(c.peek().unwrap_or(&c.toks[0])).to_ascii_lowercase();
        match word.as_str() {
            "double" if c.is_kw_at(1, "precision") => {
                c.i += 2;
                base = BaseType::Builtin("double precision".into());
            }
            "character" | "char" | "national" | "nchar" => {
                c.i += 1;
                if word == "national" && !c.eat_kw("character") {
                    c.expect_kw("char")?;
                }
                let varying = c.eat_kw("varying");
                base = BaseType::Builtin(
                    if varying {
                        "character varying"
                    } else {
                        "character"
                    }
                    .into(),
                );
                modifiers = type_modifiers(c)?;
                if !varying && modifiers.is_empty() {
                    modifiers.push(1.into());
                }
            }
            "bit" => {
                c.i += 1;
                let varying = c.eat_kw("varying");
                base = BaseType::Builtin(if varying { "bit varying" } else { "bit" }.into());
                modifiers = type_modifiers(c)?;
                if !varying && modifiers.is_empty() {
                    modifiers.push(1.into());
                }
            }
            "timestamp" | "time" => {
                c.i += 1;
                modifiers = type_modifiers(c)?;
                let with_tz = if c.eat_kws(&["with", "time", "zone"]) {
                    true
                } else {
                    c.eat_kws(&["without", "time", "zone"]);
                    false
                };
                tz_suffix = Some(with_tz);
                base = BaseType::Builtin(format!(
                    "{word} {} time zone",
                    if with_tz { "with" } else { "without" }
                ));
            }
            "interval" => {
                c.i += 1;
                let mut fields = String::new();
                let field_words = ["year", "month", "day", "hour", "minute", "second"];
                if field_words.iter().any(|f| c.is_kw(f)) {
                    let t = c
                        .next()
                        .map(|t| c.text(t).to_ascii_lowercase())
                        .unwrap_or_default();
                    fields.push(' ');
                    fields.push_str(&t);
                    if c.eat_kw("to") {
                        let t = c.ident()?.0;
                        fields.push_str(" to ");
                        fields.push_str(&t);
                    }
                }
                modifiers = type_modifiers(c)?;
                base = BaseType::Builtin(format!("interval{fields}"));
            }
            "float" => {
                c.i += 1;
                let m = type_modifiers(c)?;
                let p = m.first().and_then(TypeModifier::integer).unwrap_or(53);
                base = BaseType::Builtin(if p <= 24 { "real" } else { "double precision" }.into());
            }
            _ => match builtin(&word) {
                Some((name, s)) => {
                    c.i += 1;
                    serial = s;
                    modifiers = type_modifiers(c)?;
                    if name == "bpchar" && !modifiers.is_empty() {
                        base = BaseType::Builtin("character".into());
                    } else {
                        base = BaseType::Builtin(name.into());
                    }
                    if name == "character" && modifiers.is_empty() {
                        modifiers.push(1.into());
                    }
                    if name.starts_with("timestamp") || name.starts_with("time ") {
                        tz_suffix = Some(name.contains("with time"));
                    }
                }
                None => {
                    let n = c.name()?;
                    let name = n.qualify(default_schema);
                    modifiers = extension_modifiers(c, &name.name)?;
                    base = BaseType::User(name);
                }
            },
        }
    } else {
        let n = c.name()?;
        if n.parts.len() == 2 && n.parts[0] == "pg_catalog" {
            let word = n.parts[1].as_str();
            match builtin(word) {
                Some((name, _)) => {
                    base = BaseType::Builtin(name.into());
                    modifiers = type_modifiers(c)?;
                    if name == "character" && modifiers.is_empty() {
                        modifiers.push(1.into());
                    }
                }
                None => {
                    base = BaseType::Builtin(if word == "char" {
                        "\"char\"".into()
                    } else {
                        word.to_string()
                    });
                    modifiers = type_modifiers(c)?;
                }
            }
        } else if n.parts.len() == 1 && n.parts[0] == "char" {
            // "char" (quoted): the one-byte internal type.
            base = BaseType::Builtin("\"char\"".into());
        } else {
            let name = n.qualify(default_schema);
            modifiers = extension_modifiers(c, &name.name)?;
            base = BaseType::User(name);
        }
    }
    let _ = tz_suffix;
    // %TYPE references (function arguments) are kept as written.
    let mut array_dimensions = 0u8;
    loop {
        if c.is_kind(TokenKind::LBracket) {
            c.i += 1;
            if c.is_kind(TokenKind::Number) {
                c.i += 1;
            }
            c.expect_kind(TokenKind::RBracket, "`]`")?;
            array_dimensions = 1;
        } else if c.is_kw("array") {
            c.i += 1;
            if c.is_kind(TokenKind::LBracket) {
                c.i += 1;
                if c.is_kind(TokenKind::Number) {
                    c.i += 1;
                }
                c.expect_kind(TokenKind::RBracket, "`]`")?;
            }
            array_dimensions = 1;
        } else {
            break;
        }
    }
    Ok((
        TypeName {
            base,
            modifiers,
            array_dimensions,
        },
        serial,
    ))
}

/// `(10)`, `(10, 2)`, or nothing: a built-in type's modifiers, always integers.
fn type_modifiers(c: &mut Cursor<'_>) -> PResult<Vec<TypeModifier>> {
    let mut out = Vec::new();
    if !c.is_kind(TokenKind::LParen) {
        return Ok(out);
    }
    c.i += 1;
    loop {
        if c.is_ident() || c.is_kind(TokenKind::String) {
            return c.error(format!(
                "a built-in type takes integer modifiers, not {}",
                c.describe_next()
            ));
        }
        out.push(c.integer()?.into());
        if c.eat_kind(TokenKind::Comma) {
            continue;
        }
        c.expect_kind(TokenKind::RParen, "`)` after type modifiers")?;
        return Ok(out);
    }
}

/// The modifiers of a user-defined (extension) type: integers, names or string literals, as
/// PostgreSQL hands them to the type's modifier input function (`geometry(POINT, 4326)`). Names
/// and strings are kept as given (unquoted names folded); PostGIS's geometry types get the
/// spelling its output function prints (`Point`, `MultiPolygonZ`), so hand-written DDL equals
/// the catalog.
fn extension_modifiers(c: &mut Cursor<'_>, type_name: &str) -> PResult<Vec<TypeModifier>> {
    let mut out = Vec::new();
    if !c.is_kind(TokenKind::LParen) {
        return Ok(out);
    }
    c.i += 1;
    loop {
        let m = if c.is_ident() {
            TypeModifier::Word(c.ident()?.0)
        } else if c.is_kind(TokenKind::String) {
            let text = c.string()?;
            match text.trim().parse::<i64>() {
                Ok(v) => TypeModifier::Integer(v),
                Err(_) => TypeModifier::Word(text),
            }
        } else {
            TypeModifier::Integer(c.integer()?)
        };
        out.push(match m {
            TypeModifier::Word(w) if matches!(type_name, "geometry" | "geography") => {
                TypeModifier::Word(postgis_geometry_type(&w).unwrap_or(w))
            }
            m => m,
        });
        if c.eat_kind(TokenKind::Comma) {
            continue;
        }
        c.expect_kind(TokenKind::RParen, "`)` after type modifiers")?;
        return Ok(out);
    }
}

/// PostGIS's spelling of a geometry type name (`lwtype_name` plus `Z`, `M` or `ZM`), matched
/// without regard to case: `POINT` → `Point`, `multipolygonz` → `MultiPolygonZ`.
fn postgis_geometry_type(word: &str) -> Option<String> {
    const TYPES: &[&str] = &[
        "Geometry",
        "Point",
        "LineString",
        "Polygon",
        "MultiPoint",
        "MultiLineString",
        "MultiPolygon",
        "GeometryCollection",
        "CircularString",
        "CompoundCurve",
        "CurvePolygon",
        "MultiCurve",
        "MultiSurface",
        "PolyhedralSurface",
        "Triangle",
        "Tin",
    ];
    let lower = word.to_ascii_lowercase();
    for suffix in ["", "zm", "z", "m"] {
        let Some(stem) = lower.strip_suffix(suffix) else {
            continue;
        };
        if let Some(t) = TYPES.iter().find(|t| t.eq_ignore_ascii_case(stem)) {
            return Some(format!("{t}{}", suffix.to_ascii_uppercase()));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::lexer::Lexer;
    use crate::render::format::format_type;

    fn canon(src: &str) -> String {
        let mut lx = Lexer::new(src);
        let mut toks = Vec::new();
        while let Some(t) = lx.next_token() {
            toks.push(t);
        }
        let mut c = Cursor::new(src, &toks, src.len(), true);
        let (t, _) = parse_type(&mut c, "public").unwrap();
        assert!(c.at_end(), "{src}: left over");
        format_type(&t)
    }

    #[test]
    fn builtin_list_is_sorted() {
        let mut s = PLAIN_BUILTINS.to_vec();
        s.sort_unstable();
        assert_eq!(s, PLAIN_BUILTINS);
    }

    #[test]
    fn aliases_print_as_format_type() {
        for (a, b) in [
            ("int", "integer"),
            ("INT4", "integer"),
            ("pg_catalog.int8", "bigint"),
            ("varchar(10)", "character varying(10)"),
            ("character varying", "character varying"),
            ("char", "character(1)"),
            ("char(3)", "character(3)"),
            ("timestamptz", "timestamp with time zone"),
            (
                "timestamp(3) without time zone",
                "timestamp(3) without time zone",
            ),
            ("timestamp(6) with time zone", "timestamp(6) with time zone"),
            ("time", "time without time zone"),
            ("numeric(10,2)", "numeric(10,2)"),
            ("decimal", "numeric"),
            ("float", "double precision"),
            ("float(10)", "real"),
            ("double precision", "double precision"),
            ("bool", "boolean"),
            ("text[][]", "text[]"),
            ("int ARRAY", "integer[]"),
            ("public.citext", "citext"),
            ("\"Mood\"", "\"Mood\""),
            ("other.t", "other.t"),
            ("interval day to second(3)", "interval day to second(3)"),
            ("serial", "integer"),
            ("bit varying(5)", "bit varying(5)"),
            ("\"char\"", "\"char\""),
            (
                "extensions.geometry(POINT, 4326)",
                "extensions.geometry(Point,4326)",
            ),
            (
                "geography(multipolygonzm,4326)",
                "geography(MultiPolygonZM,4326)",
            ),
            ("geometry(pointm)", "geometry(PointM)"),
            (
                "geometry('LINESTRING', '4326')",
                "geometry(LineString,4326)",
            ),
            ("other.vector(3)", "other.vector(3)"),
            ("other.thing(\"Mixed\", lower)", "other.thing(Mixed,lower)"),
        ] {
            assert_eq!(canon(a), b, "{a}");
        }
    }
}
