//! Errors in schemas themselves (as opposed to values that break a schema's constraints, which
//! are [`super::ConstraintViolation`]s). Wording follows ovsdb-server's `ovsdb-types.c`,
//! `ovsdb/table.c` and `ovsdb/ovsdb.c` where it has one.

use std::path::PathBuf;

use crate::data::AtomicType;

/// What is wrong with one `<base-type>` (the key or value part of a column type).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BaseTypeError {
    /// A constraint member that does not apply to the atomic type (e.g. `refTable` on an
    /// integer). ovsdb-server says "Member 'refTable' is present but not allowed here".
    #[error("{member} is not allowed for type {atomic} (it applies to {applies_to} only)")]
    NotApplicable {
        /// The schema member name, e.g. `"refTable"`.
        member: &'static str,
        /// The base type's atomic type.
        atomic: AtomicType,
        /// The atomic type the member applies to.
        applies_to: AtomicType,
    },
    /// `enum` together with a range, length or `refTable` member; ovsdb-server refuses the
    /// combination.
    #[error("{member} is not allowed together with enum")]
    WithEnum {
        /// The schema member given alongside `enum`.
        member: &'static str,
    },
    /// `refType` without `refTable`.
    #[error("refType is allowed only together with refTable")]
    RefTypeWithoutRefTable,
    /// A lower bound above its upper bound.
    #[error("{min_member} exceeds {max_member}")]
    MinExceedsMax {
        /// `"minInteger"`, `"minReal"` or `"minLength"`.
        min_member: &'static str,
        /// `"maxInteger"`, `"maxReal"` or `"maxLength"`.
        max_member: &'static str,
    },
    /// `minReal` or `maxReal` is NaN or infinite (possible only in a schema built in code).
    #[error("{member} must be a finite number")]
    NotFinite {
        /// `"minReal"` or `"maxReal"`.
        member: &'static str,
    },
    /// `minLength` or `maxLength` above ovsdb-server's limit of 2^32 - 1.
    #[error("{member} out of valid range 0 to 4294967295")]
    LengthOutOfRange {
        /// `"minLength"` or `"maxLength"`.
        member: &'static str,
        /// The value given.
        value: u64,
    },
    /// An `enum` with no values.
    #[error("enum must have at least one value")]
    EmptyEnum,
    /// An `enum` value of another type than the base type.
    #[error("enum value {atom} is not of type {expected} (it is a {found})")]
    EnumAtomType {
        /// The base type's atomic type.
        expected: AtomicType,
        /// What the value is: an atomic type name or `"named-uuid"`.
        found: &'static str,
        /// The value, as ovsdb-server prints atoms.
        atom: String,
    },
}

/// What is wrong with one `<type>` (a column type).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TypeError {
    /// The key base type is invalid.
    #[error("key: {0}")]
    Key(BaseTypeError),
    /// The value base type is invalid.
    #[error("value: {0}")]
    Value(BaseTypeError),
    /// `min` is neither 0 nor 1 (RFC 7047: "min" must be 0 or 1).
    #[error("min must be 0 or 1 (not {0})")]
    BadMin(u64),
    /// `max` is 0.
    #[error("max must be at least 1")]
    BadMax,
}

/// Why a table or column name is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NameProblem {
    /// Names starting with `_` belong to ovsdb-server (`_uuid`, `_version`, `_Server`).
    #[error("names beginning with \"_\" are reserved")]
    Reserved,
    /// Not an RFC 7047 `<id>` (a letter or `_`, then letters, digits and `_`).
    #[error("name must be a valid id")]
    NotAnId,
}

/// What is wrong with one index of a table.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IndexProblem {
    /// `[]`.
    #[error("index must have at least one column")]
    Empty,
    /// A column the table does not have.
    #[error("{0} is not a valid column name")]
    UnknownColumn(String),
    /// The same column twice.
    #[error("array of distinct column names expected ({0} appears twice)")]
    Duplicate(String),
    /// An ephemeral column.
    #[error("ephemeral columns (such as {0}) may not be indexed")]
    Ephemeral(String),
}

/// A schema that cannot be read or is not valid.
///
/// JSON-level problems (syntax, a member of the wrong JSON type, a missing member, an unknown
/// atomic type name, an unknown member in a type object) are [`SchemaError::Json`], whose message
/// still names the table and column (`table Bridge: column ports: ...`). Semantic problems have
/// their own variants with the location as fields.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SchemaError {
    /// The schema file could not be read.
    #[error("cannot read schema {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// Not valid JSON, or not shaped like a schema.
    #[error("invalid schema: {0}")]
    Json(#[from] serde_json::Error),
    /// The database name is not an `<id>`.
    #[error("database name \"{0}\" is not a valid id")]
    BadDatabaseName(String),
    /// The version is not `x.y.z`.
    #[error("schema version \"{0}\" not in format x.y.z")]
    BadVersion(String),
    /// A table name is refused.
    #[error("table \"{table}\": {problem}")]
    BadTableName {
        /// The table name.
        table: String,
        /// Why.
        problem: NameProblem,
    },
    /// A column name is refused.
    #[error("table {table}: column \"{column}\": {problem}")]
    BadColumnName {
        /// The table.
        table: String,
        /// The column name.
        column: String,
        /// Why.
        problem: NameProblem,
    },
    /// A table without columns.
    #[error("table {table}: table must have at least one column")]
    NoColumns {
        /// The table.
        table: String,
    },
    /// `maxRows` is 0.
    #[error("table {table}: maxRows must be at least 1")]
    BadMaxRows {
        /// The table.
        table: String,
    },
    /// A column type is invalid.
    #[error("table {table}: column {column}: {problem}")]
    BadColumnType {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// What is wrong with its type.
        problem: TypeError,
    },
    /// A `refTable` names a table the schema does not have.
    #[error("table {table}: column {column} {part} refers to undefined table {ref_table}")]
    UndefinedRefTable {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// `"key"` or `"value"`.
        part: &'static str,
        /// The missing table.
        ref_table: String,
    },
    /// An index is invalid.
    #[error("table {table}: index {index:?}: {problem}")]
    BadIndex {
        /// The table.
        table: String,
        /// The index's columns as written.
        index: Vec<String>,
        /// What is wrong.
        problem: IndexProblem,
    },
}
