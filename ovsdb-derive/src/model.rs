//! The input side: an `.ovsschema` read into the few facts code generation needs.
//!
//! `ovsdb::schema` is the full parser with every check; it is not used here so that the
//! proc-macro does not pull the whole client (tokio, rustls) into the host build. This
//! parser accepts the same shapes (short and long type forms, `["set", ..]` or bare enums,
//! `"unlimited"`) and refuses what code generation cannot represent, naming the table and
//! column.

use serde_json::Value;

/// The atomic types of RFC 7047.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AtomicType {
    Integer,
    Real,
    Boolean,
    String,
    Uuid,
}

impl AtomicType {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "integer" => AtomicType::Integer,
            "real" => AtomicType::Real,
            "boolean" => AtomicType::Boolean,
            "string" => AtomicType::String,
            "uuid" => AtomicType::Uuid,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AtomicType::Integer => "integer",
            AtomicType::Real => "real",
            AtomicType::Boolean => "boolean",
            AtomicType::String => "string",
            AtomicType::Uuid => "uuid",
        }
    }
}

/// A `<base-type>`, reduced to what the generated Rust type depends on (plus the range and
/// length constraints, for the docs).
#[derive(Debug, Clone)]
pub struct BaseType {
    pub atomic: AtomicType,
    /// String enum values, sorted as ovsdb-server sorts them (byte-wise).
    pub enum_strings: Option<Vec<String>>,
    pub ref_table: Option<String>,
    pub ref_weak: bool,
    pub constraints: Vec<String>,
}

/// A column `<type>`.
#[derive(Debug, Clone)]
pub struct ColumnType {
    pub key: BaseType,
    pub value: Option<BaseType>,
    pub min: u64,
    /// `None` for `"unlimited"`.
    pub max: Option<u64>,
}

/// The shape of the Rust value of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Scalar,
    Optional,
    Set,
    Map,
}

impl ColumnType {
    pub fn shape(&self) -> Shape {
        if self.value.is_some() {
            Shape::Map
        } else if self.min == 1 && self.max == Some(1) {
            Shape::Scalar
        } else if self.min == 0 && self.max == Some(1) {
            Shape::Optional
        } else {
            Shape::Set
        }
    }
}

#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    pub ty: ColumnType,
    pub ephemeral: bool,
    pub mutable: bool,
}

#[derive(Debug, Clone)]
pub struct Table {
    pub name: String,
    /// Sorted by name.
    pub columns: Vec<Column>,
    pub indexes: Vec<Vec<String>>,
    pub is_root: bool,
    pub max_rows: Option<u64>,
}

#[derive(Debug, Clone)]
pub struct Schema {
    pub name: String,
    pub version: String,
    pub cksum: Option<String>,
    /// Sorted by name.
    pub tables: Vec<Table>,
}

impl Schema {
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.name == name)
    }
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

fn obj<'a>(v: &'a Value, what: &str) -> Result<&'a serde_json::Map<String, Value>, String> {
    v.as_object()
        .ok_or_else(|| format!("{what} must be a JSON object"))
}

fn string_member(
    o: &serde_json::Map<String, Value>,
    key: &str,
    what: &str,
) -> Result<String, String> {
    match o.get(key) {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(format!("{what}: \"{key}\" must be a string")),
        None => Err(format!("{what}: \"{key}\" is missing")),
    }
}

fn parse_u64(v: &Value, what: &str) -> Result<u64, String> {
    v.as_u64()
        .ok_or_else(|| format!("{what} must be a non-negative integer"))
}

fn parse_base(v: &Value, what: &str) -> Result<BaseType, String> {
    if let Value::String(s) = v {
        let atomic =
            AtomicType::parse(s).ok_or_else(|| format!("{what}: unknown atomic type \"{s}\""))?;
        return Ok(BaseType {
            atomic,
            enum_strings: None,
            ref_table: None,
            ref_weak: false,
            constraints: Vec::new(),
        });
    }
    let o = obj(v, what)?;
    let ty = string_member(o, "type", what)?;
    let atomic =
        AtomicType::parse(&ty).ok_or_else(|| format!("{what}: unknown atomic type \"{ty}\""))?;
    let mut enum_strings = None;
    if let Some(e) = o.get("enum") {
        // An enum is an <atom> or ["set", [<atom>...]].
        let atoms: Vec<&Value> = match e {
            Value::Array(a) if a.len() == 2 && a[0] == "set" => match &a[1] {
                Value::Array(items) => items.iter().collect(),
                _ => return Err(format!("{what}: malformed \"enum\"")),
            },
            other => vec![other],
        };
        if atomic == AtomicType::String {
            let mut values = atoms
                .iter()
                .map(|a| {
                    a.as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| format!("{what}: enum value {a} is not a string"))
                })
                .collect::<Result<Vec<_>, _>>()?;
            values.sort();
            values.dedup();
            enum_strings = Some(values);
        }
    }
    let ref_table = match o.get("refTable") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(format!("{what}: \"refTable\" must be a string")),
        None => None,
    };
    if ref_table.is_some() && atomic != AtomicType::Uuid {
        return Err(format!("{what}: \"refTable\" only applies to uuid"));
    }
    let ref_weak = matches!(o.get("refType"), Some(Value::String(s)) if s == "weak");
    let mut constraints = Vec::new();
    for (key, label) in [
        ("minInteger", "at least"),
        ("maxInteger", "at most"),
        ("minReal", "at least"),
        ("maxReal", "at most"),
        ("minLength", "length at least"),
        ("maxLength", "length at most"),
    ] {
        if let Some(n) = o.get(key) {
            constraints.push(format!("{label} {n}"));
        }
    }
    Ok(BaseType {
        atomic,
        enum_strings,
        ref_table,
        ref_weak,
        constraints,
    })
}

fn parse_type(v: &Value, what: &str) -> Result<ColumnType, String> {
    if let Value::String(_) = v {
        return Ok(ColumnType {
            key: parse_base(v, what)?,
            value: None,
            min: 1,
            max: Some(1),
        });
    }
    let o = obj(v, what)?;
    let key = parse_base(
        o.get("key")
            .ok_or_else(|| format!("{what}: \"key\" is missing"))?,
        what,
    )?;
    let value = o.get("value").map(|v| parse_base(v, what)).transpose()?;
    let min = o
        .get("min")
        .map(|m| parse_u64(m, &format!("{what}: \"min\"")))
        .transpose()?
        .unwrap_or(1);
    let max = match o.get("max") {
        None => Some(1),
        Some(Value::String(s)) if s == "unlimited" => None,
        Some(m) => Some(parse_u64(m, &format!("{what}: \"max\""))?),
    };
    if let Some(mx) = max {
        if mx == 0 || min > mx {
            return Err(format!("{what}: invalid cardinality min {min}, max {mx}"));
        }
    }
    Ok(ColumnType {
        key,
        value,
        min,
        max,
    })
}

/// Parses a schema's JSON text.
pub fn parse_schema(text: &str) -> Result<Schema, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
    let o = obj(&v, "the schema")?;
    let name = string_member(o, "name", "the schema")?;
    let version = string_member(o, "version", "the schema")?;
    let cksum = match o.get("cksum") {
        Some(Value::String(s)) => Some(s.clone()),
        _ => None,
    };
    let tables_obj = obj(
        o.get("tables").ok_or("the schema: \"tables\" is missing")?,
        "\"tables\"",
    )?;
    let mut tables = Vec::new();
    for (tname, tv) in tables_obj {
        let what = format!("table {tname}");
        let to = obj(tv, &what)?;
        let cols = obj(
            to.get("columns")
                .ok_or_else(|| format!("{what}: \"columns\" is missing"))?,
            &what,
        )?;
        let mut columns = Vec::new();
        for (cname, cv) in cols {
            let cwhat = format!("table {tname}, column {cname}");
            if cname.starts_with('_') {
                return Err(format!(
                    "{cwhat}: column names starting with _ are reserved"
                ));
            }
            let co = obj(cv, &cwhat)?;
            let ty = parse_type(
                co.get("type")
                    .ok_or_else(|| format!("{cwhat}: \"type\" is missing"))?,
                &cwhat,
            )?;
            columns.push(Column {
                name: cname.clone(),
                ty,
                ephemeral: co
                    .get("ephemeral")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                mutable: co.get("mutable").and_then(Value::as_bool).unwrap_or(true),
            });
        }
        columns.sort_by(|a, b| a.name.cmp(&b.name));
        let indexes = match to.get("indexes") {
            Some(Value::Array(ix)) => ix
                .iter()
                .map(|i| {
                    i.as_array()
                        .map(|cols| {
                            cols.iter()
                                .filter_map(|c| c.as_str().map(str::to_owned))
                                .collect()
                        })
                        .unwrap_or_default()
                })
                .collect(),
            _ => Vec::new(),
        };
        tables.push(Table {
            name: tname.clone(),
            columns,
            indexes,
            is_root: to.get("isRoot").and_then(Value::as_bool).unwrap_or(false),
            max_rows: to.get("maxRows").and_then(Value::as_u64),
        });
    }
    tables.sort_by(|a, b| a.name.cmp(&b.name));
    for t in &tables {
        for c in &t.columns {
            for b in std::iter::once(&c.ty.key).chain(c.ty.value.as_ref()) {
                if let Some(rt) = &b.ref_table {
                    if !tables.iter().any(|t2| &t2.name == rt) {
                        return Err(format!(
                            "table {}, column {}: refTable \"{rt}\" is not a table of the schema",
                            t.name, c.name
                        ));
                    }
                }
            }
        }
    }
    Ok(Schema {
        name,
        version,
        cksum,
        tables,
    })
}
