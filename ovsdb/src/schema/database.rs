//! `DatabaseSchema`, `TableSchema` and `ColumnSchema`: RFC 7047 3.2 `<database-schema>`,
//! `<table-schema>` and `<column-schema>`.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;
use std::path::Path;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

use super::base_type::BaseType;
use super::column_type::{ColumnType, Max};
use super::error::{IndexProblem, NameProblem, SchemaError};
use super::Unchecked;
use crate::data::{is_id, AtomicType};

/// One column of a table (RFC 7047 3.2 `<column-schema>`).
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnSchema {
    /// The column's type (`"type"`).
    pub column_type: ColumnType,
    /// True if the column is not written to disk (`"ephemeral"`, default false).
    pub ephemeral: bool,
    /// False if the column may not change once the row exists (`"mutable"`, default true).
    pub mutable: bool,
}

impl ColumnSchema {
    /// A persistent, mutable column of type `column_type`.
    pub fn new(column_type: impl Into<ColumnType>) -> Self {
        ColumnSchema {
            column_type: column_type.into(),
            ephemeral: false,
            mutable: true,
        }
    }
}

/// The implicit `_uuid` and `_version` columns every table has: one UUID, never changed by
/// clients.
static IMPLICIT_UUID_COLUMN: ColumnSchema = ColumnSchema {
    column_type: ColumnType {
        key: BaseType::new(AtomicType::Uuid),
        value: None,
        min: 1,
        max: Max::Limited(1),
    },
    ephemeral: false,
    mutable: false,
};

/// One table (RFC 7047 3.2 `<table-schema>`, plus ovsdb-server's table-level `"mutable"`).
#[derive(Debug, Clone, PartialEq)]
pub struct TableSchema {
    /// The declared columns by name (`"columns"`); `_uuid` and `_version` are implicit and not
    /// listed here, but [`TableSchema::column`] answers for them.
    pub columns: BTreeMap<String, ColumnSchema>,
    /// The most rows the table may hold (`"maxRows"`), if limited.
    pub max_rows: Option<u64>,
    /// The `"isRoot"` member as written (default false). Whether the table really is a root
    /// table also depends on the other tables: see [`DatabaseSchema::is_root`].
    pub is_root: bool,
    /// Sets of columns whose values must be unique across rows (`"indexes"`).
    pub indexes: Vec<Vec<String>>,
    /// False if rows may not be modified once inserted (`"mutable"`, default true).
    pub mutable: bool,
}

impl TableSchema {
    /// A mutable, non-root table with these columns and no limits or indexes.
    pub fn new<I, S>(columns: I) -> Self
    where
        I: IntoIterator<Item = (S, ColumnSchema)>,
        S: Into<String>,
    {
        TableSchema {
            columns: columns.into_iter().map(|(n, c)| (n.into(), c)).collect(),
            max_rows: None,
            is_root: false,
            indexes: Vec::new(),
            mutable: true,
        }
    }

    /// The column named `name`, including the implicit `_uuid` and `_version` columns (type
    /// uuid, immutable).
    pub fn column(&self, name: &str) -> Option<&ColumnSchema> {
        match name {
            "_uuid" | "_version" => Some(&IMPLICIT_UUID_COLUMN),
            _ => self.columns.get(name),
        }
    }

    /// Checks this table, named `name`, within a schema whose tables are `tables`.
    fn validate(
        &self,
        name: &str,
        tables: &BTreeMap<String, TableSchema>,
    ) -> Result<(), SchemaError> {
        if self.columns.is_empty() {
            return Err(SchemaError::NoColumns { table: name.into() });
        }
        if self.max_rows == Some(0) {
            return Err(SchemaError::BadMaxRows { table: name.into() });
        }
        for (column, schema) in &self.columns {
            check_name(column).map_err(|problem| SchemaError::BadColumnName {
                table: name.into(),
                column: column.clone(),
                problem,
            })?;
            let ty = &schema.column_type;
            ty.validate()
                .map_err(|problem| SchemaError::BadColumnType {
                    table: name.into(),
                    column: column.clone(),
                    problem,
                })?;
            let parts = [("key", Some(&ty.key)), ("value", ty.value.as_ref())];
            for (part, base) in parts {
                if let Some(ref_table) = base.and_then(|b| b.ref_table.as_ref()) {
                    if !tables.contains_key(ref_table) {
                        return Err(SchemaError::UndefinedRefTable {
                            table: name.into(),
                            column: column.clone(),
                            part,
                            ref_table: ref_table.clone(),
                        });
                    }
                }
            }
        }
        for index in &self.indexes {
            let bad = |problem| SchemaError::BadIndex {
                table: name.into(),
                index: index.clone(),
                problem,
            };
            if index.is_empty() {
                return Err(bad(IndexProblem::Empty));
            }
            for (i, column) in index.iter().enumerate() {
                let Some(schema) = self.column(column) else {
                    return Err(bad(IndexProblem::UnknownColumn(column.clone())));
                };
                if index[..i].contains(column) {
                    return Err(bad(IndexProblem::Duplicate(column.clone())));
                }
                if schema.ephemeral {
                    return Err(bad(IndexProblem::Ephemeral(column.clone())));
                }
            }
        }
        Ok(())
    }
}

/// A database schema (RFC 7047 3.2 `<database-schema>`): what `get_schema` returns and what an
/// `.ovsschema` file holds.
///
/// Parse with [`DatabaseSchema::from_json_str`] (structured errors) or through serde
/// (`serde_json::from_str::<DatabaseSchema>`, errors as text); both run
/// [`DatabaseSchema::validate`]. Serializing writes the compact form ovsdb-server writes, and
/// parsing it gives back an equal value.
#[derive(Debug, Clone, PartialEq)]
pub struct DatabaseSchema {
    /// The database name (`"name"`), e.g. `OVN_Northbound`.
    pub name: String,
    /// The schema version `x.y.z` (`"version"`); empty if the schema has none (ovsdb-server
    /// accepts schemas without a version).
    pub version: String,
    /// The checksum ovsdb-server keeps with the schema (`"cksum"`), if any.
    pub cksum: Option<String>,
    /// The tables by name (`"tables"`).
    pub tables: BTreeMap<String, TableSchema>,
}

impl DatabaseSchema {
    /// Parses and validates a schema from JSON text.
    pub fn from_json_str(json: &str) -> Result<Self, SchemaError> {
        Self::checked(serde_json::from_str::<Unchecked<DatabaseSchema>>(json)?)
    }

    /// Parses and validates a schema from JSON bytes.
    pub fn from_slice(json: &[u8]) -> Result<Self, SchemaError> {
        Self::checked(serde_json::from_slice::<Unchecked<DatabaseSchema>>(json)?)
    }

    /// Parses and validates a schema from a JSON value (e.g. a `get_schema` result).
    pub fn from_value(json: &serde_json::Value) -> Result<Self, SchemaError> {
        Self::checked(Unchecked::<DatabaseSchema>::deserialize(json)?)
    }

    /// Reads, parses and validates an `.ovsschema` file.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, SchemaError> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|source| SchemaError::Io {
            path: path.into(),
            source,
        })?;
        Self::from_slice(&bytes)
    }

    fn checked(Unchecked(schema): Unchecked<DatabaseSchema>) -> Result<Self, SchemaError> {
        schema.validate()?;
        Ok(schema)
    }

    /// The table named `name`.
    pub fn table(&self, name: &str) -> Option<&TableSchema> {
        self.tables.get(name)
    }

    /// True if `table` is a root table, by ovsdb-server's rule: a table is a root table if its
    /// `isRoot` is true, or if no table of the schema has `isRoot` true (schemas from before
    /// `isRoot` existed). False for a table the schema does not have.
    ///
    /// Rows of a non-root table that no other row references strongly are deleted by
    /// ovsdb-server at the end of each transaction.
    pub fn is_root(&self, table: &str) -> bool {
        match self.tables.get(table) {
            None => false,
            Some(t) => t.is_root || !self.tables.values().any(|t| t.is_root),
        }
    }

    /// Checks the whole schema as ovsdb-server does when it reads one: the database name is an
    /// `<id>`, the version is `x.y.z` (if given), table and column names are `<id>`s not
    /// starting with `_`, every table has a column, `maxRows` is at least 1, every column type
    /// is valid ([`ColumnType::validate`]), every `refTable` names a table of the schema, and
    /// every index lists distinct, existing, non-ephemeral columns.
    pub fn validate(&self) -> Result<(), SchemaError> {
        if !is_id(&self.name) {
            return Err(SchemaError::BadDatabaseName(self.name.clone()));
        }
        if !self.version.is_empty() && !is_version(&self.version) {
            return Err(SchemaError::BadVersion(self.version.clone()));
        }
        for (name, table) in &self.tables {
            check_name(name).map_err(|problem| SchemaError::BadTableName {
                table: name.clone(),
                problem,
            })?;
            table.validate(name, &self.tables)?;
        }
        Ok(())
    }
}

/// Table and column names: an `<id>` not starting with `_`.
fn check_name(name: &str) -> Result<(), NameProblem> {
    if name.starts_with('_') {
        Err(NameProblem::Reserved)
    } else if !is_id(name) {
        Err(NameProblem::NotAnId)
    } else {
        Ok(())
    }
}

/// `x.y.z`, each a run of decimal digits.
fn is_version(v: &str) -> bool {
    let parts: Vec<&str> = v.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

// ---- JSON encoding ----

impl Serialize for ColumnSchema {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut m = serializer.serialize_map(None)?;
        m.serialize_entry("type", &self.column_type)?;
        if self.ephemeral {
            m.serialize_entry("ephemeral", &true)?;
        }
        if !self.mutable {
            m.serialize_entry("mutable", &false)?;
        }
        m.end()
    }
}

impl Serialize for TableSchema {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut m = serializer.serialize_map(None)?;
        m.serialize_entry("columns", &self.columns)?;
        if let Some(max_rows) = self.max_rows {
            m.serialize_entry("maxRows", &max_rows)?;
        }
        if self.is_root {
            m.serialize_entry("isRoot", &true)?;
        }
        if !self.indexes.is_empty() {
            m.serialize_entry("indexes", &self.indexes)?;
        }
        if !self.mutable {
            m.serialize_entry("mutable", &false)?;
        }
        m.end()
    }
}

impl Serialize for DatabaseSchema {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut m = serializer.serialize_map(None)?;
        m.serialize_entry("name", &self.name)?;
        if !self.version.is_empty() {
            m.serialize_entry("version", &self.version)?;
        }
        if let Some(cksum) = &self.cksum {
            m.serialize_entry("cksum", cksum)?;
        }
        m.serialize_entry("tables", &self.tables)?;
        m.end()
    }
}

// ---- JSON decoding ----
//
// The structure is read into `Unchecked` values, with every error message prefixed by the
// table and column it occurred in; the semantic checks then run on the whole schema.

fn default_true() -> bool {
    true
}

#[derive(Deserialize)]
struct RawColumnSchema {
    #[serde(rename = "type")]
    column_type: Unchecked<ColumnType>,
    #[serde(default)]
    ephemeral: bool,
    #[serde(default = "default_true")]
    mutable: bool,
}

impl<'de> Deserialize<'de> for Unchecked<ColumnSchema> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw: RawColumnSchema = from_object(deserializer, "a column schema object")?;
        Ok(Unchecked(ColumnSchema {
            column_type: raw.column_type.0,
            ephemeral: raw.ephemeral,
            mutable: raw.mutable,
        }))
    }
}

impl<'de> Deserialize<'de> for ColumnSchema {
    /// Parses a column schema and checks its type with [`ColumnType::validate`].
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let Unchecked(column) = Unchecked::<ColumnSchema>::deserialize(deserializer)?;
        column.column_type.validate().map_err(de::Error::custom)?;
        Ok(column)
    }
}

#[derive(Deserialize)]
struct RawTableSchema {
    #[serde(deserialize_with = "columns_map")]
    columns: BTreeMap<String, ColumnSchema>,
    #[serde(rename = "maxRows", default)]
    max_rows: Option<u64>,
    #[serde(rename = "isRoot", default)]
    is_root: bool,
    #[serde(default)]
    indexes: Vec<Vec<String>>,
    #[serde(default = "default_true")]
    mutable: bool,
}

impl<'de> Deserialize<'de> for Unchecked<TableSchema> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw: RawTableSchema = from_object(deserializer, "a table schema object")?;
        Ok(Unchecked(TableSchema {
            columns: raw.columns,
            max_rows: raw.max_rows,
            is_root: raw.is_root,
            indexes: raw.indexes,
            mutable: raw.mutable,
        }))
    }
}

#[derive(Deserialize)]
struct RawDatabaseSchema {
    name: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    cksum: Option<String>,
    #[serde(deserialize_with = "tables_map")]
    tables: BTreeMap<String, TableSchema>,
}

impl<'de> Deserialize<'de> for Unchecked<DatabaseSchema> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw: RawDatabaseSchema = from_object(deserializer, "a database schema object")?;
        Ok(Unchecked(DatabaseSchema {
            name: raw.name,
            version: raw.version,
            cksum: raw.cksum,
            tables: raw.tables,
        }))
    }
}

impl<'de> Deserialize<'de> for DatabaseSchema {
    /// Parses a schema and checks it with [`DatabaseSchema::validate`]; use
    /// [`DatabaseSchema::from_json_str`] to get the failures as a structured [`SchemaError`].
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let Unchecked(schema) = Unchecked::<DatabaseSchema>::deserialize(deserializer)?;
        schema.validate().map_err(de::Error::custom)?;
        Ok(schema)
    }
}

fn columns_map<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<BTreeMap<String, ColumnSchema>, D::Error> {
    let map = named_map::<D, Unchecked<ColumnSchema>>(deserializer, "column")?;
    Ok(map.into_iter().map(|(k, v)| (k, v.0)).collect())
}

fn tables_map<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<BTreeMap<String, TableSchema>, D::Error> {
    let map = named_map::<D, Unchecked<TableSchema>>(deserializer, "table")?;
    Ok(map.into_iter().map(|(k, v)| (k, v.0)).collect())
}

/// Reads a `T` from a JSON object only (serde's derived impls would also take an array).
fn from_object<'de, D, T>(deserializer: D, expecting: &'static str) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct V<T> {
        expecting: &'static str,
        marker: PhantomData<fn() -> T>,
    }
    impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str(self.expecting)
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
            T::deserialize(de::value::MapAccessDeserializer::new(map))
        }
    }
    deserializer.deserialize_map(V {
        expecting,
        marker: PhantomData,
    })
}

/// An object of named schemas; an error inside one is prefixed with `"{kind} {name}: "`.
fn named_map<'de, D, T>(
    deserializer: D,
    kind: &'static str,
) -> Result<BTreeMap<String, T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct V<T> {
        kind: &'static str,
        marker: PhantomData<fn() -> T>,
    }
    impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
        type Value = BTreeMap<String, T>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            write!(f, "an object of {} schemas by name", self.kind)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some(name) = map.next_key::<String>()? {
                let value = map.next_value::<T>().map_err(|e| {
                    de::Error::custom(format_args!("{} {}: {}", self.kind, name, e))
                })?;
                if out.contains_key(&name) {
                    return Err(de::Error::custom(format_args!(
                        "{} {} is defined twice",
                        self.kind, name
                    )));
                }
                out.insert(name, value);
            }
            Ok(out)
        }
    }
    deserializer.deserialize_map(V {
        kind,
        marker: PhantomData,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{BaseTypeError, RefType, TypeError};

    const DEMO: &str = r#"{
        "name": "Demo",
        "version": "1.2.3",
        "cksum": "123 456",
        "tables": {
            "Bridge": {
                "columns": {
                    "name": {"type": "string", "mutable": false},
                    "ports": {"type": {"key": {"type": "uuid", "refTable": "Port"},
                                       "min": 0, "max": "unlimited"}},
                    "mirrors": {"type": {"key": {"type": "uuid", "refTable": "Port",
                                                 "refType": "weak"},
                                         "min": 0, "max": "unlimited"}},
                    "up": {"type": "boolean", "ephemeral": true}
                },
                "isRoot": true,
                "maxRows": 10,
                "indexes": [["name"]]
            },
            "Port": {
                "columns": {"tag": {"type": {"key": {"type": "integer",
                                                     "minInteger": 0, "maxInteger": 4095},
                                             "min": 0, "max": 1}}},
                "mutable": false,
                "someFutureMember": 1
            }
        }
    }"#;

    fn parse(json: &str) -> Result<DatabaseSchema, SchemaError> {
        DatabaseSchema::from_json_str(json)
    }

    /// A one-table schema whose table `t` has the given `columns` object (and `extra`
    /// members).
    fn with_table(table_members: &str) -> String {
        format!(r#"{{"name":"D","version":"1.0.0","tables":{{"t":{{{table_members}}}}}}}"#)
    }

    #[test]
    fn parses_every_member() {
        let s = parse(DEMO).unwrap();
        assert_eq!(s.name, "Demo");
        assert_eq!(s.version, "1.2.3");
        assert_eq!(s.cksum.as_deref(), Some("123 456"));
        let bridge = s.table("Bridge").unwrap();
        assert!(bridge.is_root && bridge.mutable);
        assert_eq!(bridge.max_rows, Some(10));
        assert_eq!(bridge.indexes, vec![vec!["name".to_owned()]]);
        let name = bridge.column("name").unwrap();
        assert!(!name.mutable && !name.ephemeral);
        assert!(bridge.column("up").unwrap().ephemeral);
        let ports = &bridge.column("ports").unwrap().column_type;
        assert_eq!(ports.key, BaseType::reference("Port", RefType::Strong));
        assert_eq!(ports.max, Max::Unlimited);
        let mirrors = &bridge.column("mirrors").unwrap().column_type;
        assert_eq!(mirrors.key.ref_type, RefType::Weak);
        let port = s.table("Port").unwrap();
        assert!(!port.is_root && !port.mutable);
        assert!(s.table("Nope").is_none());
    }

    #[test]
    fn implicit_columns() {
        let s = parse(DEMO).unwrap();
        let port = s.table("Port").unwrap();
        for implicit in ["_uuid", "_version"] {
            let c = port.column(implicit).unwrap();
            assert_eq!(c.column_type, ColumnType::scalar(AtomicType::Uuid));
            assert!(!c.mutable);
            assert!(!port.columns.contains_key(implicit));
        }
        assert!(port.column("_other").is_none());
        assert!(port.column("nope").is_none());
    }

    #[test]
    fn round_trip() {
        let s = parse(DEMO).unwrap();
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(parse(&json).unwrap(), s);
        assert_eq!(serde_json::from_str::<DatabaseSchema>(&json).unwrap(), s);
        // Unknown table members are not kept.
        assert!(!json.contains("someFutureMember"));
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(DatabaseSchema::from_value(&v).unwrap(), s);
        assert_eq!(DatabaseSchema::from_slice(json.as_bytes()).unwrap(), s);
    }

    #[test]
    fn is_root_rule() {
        let s = parse(DEMO).unwrap();
        assert!(s.is_root("Bridge"));
        assert!(!s.is_root("Port"));
        assert!(!s.is_root("Nope"));
        // No table says isRoot: all are root tables (schemas from before isRoot existed).
        let old = parse(
            r#"{"name":"Old","version":"1.0.0","tables":{
                "a":{"columns":{"x":{"type":"integer"}}},
                "b":{"columns":{"x":{"type":"integer"}},"isRoot":false}}}"#,
        )
        .unwrap();
        assert!(old.is_root("a") && old.is_root("b"));
        assert!(!old.table("a").unwrap().is_root);
        assert!(!old.is_root("c"));
    }

    #[test]
    fn version_may_be_absent() {
        let s =
            parse(r#"{"name":"D","tables":{"t":{"columns":{"x":{"type":"integer"}}}}}"#).unwrap();
        assert_eq!(s.version, "");
        let json = serde_json::to_string(&s).unwrap();
        assert!(!json.contains("version"));
        assert_eq!(parse(&json).unwrap(), s);
    }

    #[test]
    fn semantic_errors_are_structured() {
        let col = |ty: &str| with_table(&format!(r#""columns":{{"c":{{"type":{ty}}}}}"#));
        type IsExpected = Box<dyn Fn(&SchemaError) -> bool>;
        let cases: Vec<(String, IsExpected, &str)> = vec![
            (
                col(r#"{"key":{"type":"integer","minInteger":2,"maxInteger":1}}"#),
                Box::new(|e| {
                    matches!(e, SchemaError::BadColumnType { table, column,
                        problem: TypeError::Key(BaseTypeError::MinExceedsMax { .. }) }
                        if table == "t" && column == "c")
                }),
                "table t: column c: key: minInteger exceeds maxInteger",
            ),
            (
                col(r#"{"key":"string","value":{"type":"integer","refTable":"t"}}"#),
                Box::new(|e| {
                    matches!(e, SchemaError::BadColumnType {
                        problem: TypeError::Value(BaseTypeError::NotApplicable { .. }), .. })
                }),
                "table t: column c: value: refTable is not allowed for type integer \
                 (it applies to uuid only)",
            ),
            (
                col(r#"{"key":{"type":"string","enum":["set",["a",1]]}}"#),
                Box::new(|e| {
                    matches!(e, SchemaError::BadColumnType {
                        problem: TypeError::Key(BaseTypeError::EnumAtomType { .. }), .. })
                }),
                "table t: column c: key: enum value 1 is not of type string (it is a integer)",
            ),
            (
                col(r#"{"key":"integer","min":2,"max":3}"#),
                Box::new(|e| {
                    matches!(e, SchemaError::BadColumnType {
                        problem: TypeError::BadMin(2), .. })
                }),
                "table t: column c: min must be 0 or 1 (not 2)",
            ),
            (
                col(r#"{"key":{"type":"uuid","refTable":"Nope"}}"#),
                Box::new(|e| matches!(e, SchemaError::UndefinedRefTable { part: "key", .. })),
                "table t: column c key refers to undefined table Nope",
            ),
            (
                with_table(r#""columns":{}"#),
                Box::new(|e| matches!(e, SchemaError::NoColumns { .. })),
                "table t: table must have at least one column",
            ),
            (
                with_table(r#""columns":{"c":{"type":"integer"}},"maxRows":0"#),
                Box::new(|e| matches!(e, SchemaError::BadMaxRows { .. })),
                "table t: maxRows must be at least 1",
            ),
            (
                with_table(r#""columns":{"_c":{"type":"integer"}}"#),
                Box::new(|e| {
                    matches!(e, SchemaError::BadColumnName {
                        problem: NameProblem::Reserved, .. })
                }),
                r#"table t: column "_c": names beginning with "_" are reserved"#,
            ),
            (
                with_table(r#""columns":{"a-b":{"type":"integer"}}"#),
                Box::new(|e| {
                    matches!(e, SchemaError::BadColumnName {
                        problem: NameProblem::NotAnId, .. })
                }),
                r#"table t: column "a-b": name must be a valid id"#,
            ),
            (
                with_table(r#""columns":{"c":{"type":"integer"}},"indexes":[[]]"#),
                Box::new(|e| matches!(e, SchemaError::BadIndex { problem: IndexProblem::Empty, .. })),
                "table t: index []: index must have at least one column",
            ),
            (
                with_table(r#""columns":{"c":{"type":"integer"}},"indexes":[["d"]]"#),
                Box::new(|e| {
                    matches!(e, SchemaError::BadIndex {
                        problem: IndexProblem::UnknownColumn(_), .. })
                }),
                r#"table t: index ["d"]: d is not a valid column name"#,
            ),
            (
                with_table(r#""columns":{"c":{"type":"integer"}},"indexes":[["c","c"]]"#),
                Box::new(|e| {
                    matches!(e, SchemaError::BadIndex {
                        problem: IndexProblem::Duplicate(_), .. })
                }),
                "array of distinct column names expected (c appears twice)",
            ),
            (
                with_table(
                    r#""columns":{"c":{"type":"integer","ephemeral":true}},"indexes":[["c"]]"#,
                ),
                Box::new(|e| {
                    matches!(e, SchemaError::BadIndex {
                        problem: IndexProblem::Ephemeral(_), .. })
                }),
                "ephemeral columns (such as c) may not be indexed",
            ),
            (
                r#"{"name":"D","version":"1.0","tables":{"t":{"columns":{"c":{"type":"integer"}}}}}"#
                    .to_owned(),
                Box::new(|e| matches!(e, SchemaError::BadVersion(_))),
                r#"schema version "1.0" not in format x.y.z"#,
            ),
            (
                r#"{"name":"1D","tables":{"t":{"columns":{"c":{"type":"integer"}}}}}"#.to_owned(),
                Box::new(|e| matches!(e, SchemaError::BadDatabaseName(_))),
                r#"database name "1D" is not a valid id"#,
            ),
            (
                r#"{"name":"D","tables":{"_t":{"columns":{"c":{"type":"integer"}}}}}"#.to_owned(),
                Box::new(|e| matches!(e, SchemaError::BadTableName { .. })),
                r#"table "_t": names beginning with "_" are reserved"#,
            ),
        ];
        for (json, is_expected, text) in cases {
            let err = parse(&json).expect_err(&json);
            assert!(is_expected(&err), "{json}: wrong variant {err:?}");
            assert!(
                err.to_string().contains(text),
                "{json}: {err} lacks {text:?}"
            );
            // The serde path refuses the same schema with the same message.
            let serde_err = serde_json::from_str::<DatabaseSchema>(&json).unwrap_err();
            assert!(serde_err.to_string().contains(text), "{serde_err}");
        }
    }

    #[test]
    fn structural_errors_name_table_and_column() {
        for (json, text) in [
            (
                with_table(r#""columns":{"c":{"type":"strin"}}"#),
                r#"table t: column c: "strin" is not an atomic-type at line 1"#,
            ),
            (
                with_table(r#""columns":{"c":{"type":{"key":{"type":"integer","bogus":1}}}}"#),
                "table t: column c: unknown field `bogus`",
            ),
            (
                with_table(r#""columns":{"c":{"ephemeral":true}}"#),
                "table t: column c: missing field `type`",
            ),
            (
                with_table(r#""columns":{"c":{"type":"integer"}},"maxRows":-1"#),
                "table t: invalid value: integer `-1`",
            ),
            (
                with_table(r#""columns":{"c":{"type":"integer"}},"isRoot":"yes""#),
                "table t: invalid type: string \"yes\", expected a boolean",
            ),
            (
                with_table(r#""columns":{"c":{"type":"integer"}},"indexes":[[1]]"#),
                "table t: invalid type: integer `1`, expected a string",
            ),
            (with_table(r#""maxRows":1"#), "table t: missing field `columns`"),
            (
                r#"{"name":"D","tables":{"t":{"columns":{"c":{"type":"integer"},"c":{"type":"real"}}}}}"#
                    .to_owned(),
                "table t: column c is defined twice",
            ),
            (r#"{"name":"D"}"#.to_owned(), "missing field `tables`"),
            (r#"{"name":"D","tables":[]}"#.to_owned(), "expected an object of table schemas"),
            (r#"{"name":"D","tables":{}"#.to_owned(), "EOF while parsing"),
            ("".to_owned(), "EOF while parsing"),
            ("[]".to_owned(), "invalid type: sequence, expected a database schema object"),
            (
                r#"["D",{"t":{"columns":{"c":{"type":"integer"}}}}]"#.to_owned(),
                "invalid type: sequence, expected a database schema object",
            ),
            (
                with_table(r#""columns":{"c":["integer"]}"#),
                "table t: column c: invalid type: sequence, expected a column schema object",
            ),
        ] {
            let err = parse(&json).expect_err(&json);
            assert!(matches!(err, SchemaError::Json(_)), "{err:?}");
            assert!(err.to_string().contains(text), "{json}: {err} lacks {text:?}");
        }
    }

    #[test]
    fn missing_file_is_an_io_error() {
        let err = DatabaseSchema::from_file("/nonexistent/x.ovsschema").unwrap_err();
        assert!(matches!(err, SchemaError::Io { .. }));
        assert!(err.to_string().contains("/nonexistent/x.ovsschema"));
    }

    #[test]
    fn built_schemas_validate_and_round_trip() {
        let mut tables = BTreeMap::new();
        tables.insert(
            "T".to_owned(),
            TableSchema::new([
                ("a", ColumnSchema::new(AtomicType::Integer)),
                (
                    "b",
                    ColumnSchema::new(ColumnType::set(
                        BaseType::reference("T", RefType::Weak),
                        0,
                        Max::Unlimited,
                    )),
                ),
            ]),
        );
        let s = DatabaseSchema {
            name: "Built".into(),
            version: "0.0.1".into(),
            cksum: None,
            tables,
        };
        assert!(s.validate().is_ok());
        assert!(s.is_root("T"));
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(parse(&json).unwrap(), s);
    }
}
