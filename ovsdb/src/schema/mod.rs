//! Database schemas (RFC 7047 3.2): parsing, printing, and checking values against column types.
//!
//! Each RFC 7047 3.2 production has one type here:
//!
//! | RFC 7047 3.2 / ovsdb-server(7)          | type                                          |
//! |-----------------------------------------|-----------------------------------------------|
//! | `<database-schema>`                     | [`DatabaseSchema`] (`name`, `version`, `cksum`, `tables`) |
//! | `<table-schema>`                        | [`TableSchema`] (`columns`, `maxRows`, `isRoot`, `indexes`, `mutable`) |
//! | `<column-schema>`                       | [`ColumnSchema`] (`type`, `ephemeral`, `mutable`) |
//! | `<type>`                                | [`ColumnType`] (`key`, `value`, `min`, `max`), [`Max`] |
//! | `<base-type>`                           | [`BaseType`] (`type`, `enum`, `minInteger`, `maxInteger`, `minReal`, `maxReal`, `minLength`, `maxLength`, `refTable`, `refType`), [`RefType`] |
//! | `<atomic-type>`                         | [`AtomicType`] (from [`crate::data`])         |
//!
//! Parsing accepts every form ovsdb-server accepts — the short forms `"type": "string"` and
//! `"key": "string"` as well as full objects, `"max": "unlimited"`, an `enum` written as
//! `["set", [..]]` or as a bare atom — and refuses what ovsdb-server refuses (unknown atomic
//! types, constraints that do not apply to the atomic type, `minInteger` above `maxInteger`, a
//! `refTable` naming no table, indexes over unknown or ephemeral columns, ...). Errors name the
//! table and column. Unknown members of database, table and column objects are ignored (so a
//! newer server's additions do not break parsing); unknown members of type objects are refused,
//! as ovsdb-server refuses them. Printing writes the same compact form ovsdb-server writes, and
//! parsing that output gives back an equal value.
//!
//! Checking ([`ColumnType::check`], [`DatabaseSchema::check_datum`], [`TableSchema::check_row`])
//! applies every constraint of RFC 7047 and words its errors like ovsdb-server does, e.g.
//! `5000 is not in the valid range 0 to 4095 (inclusive)`. Typed decoding ([`DatumSeed`],
//! [`ColumnType::datum_from_json_str`]) reads a JSON value straight into a
//! [`Datum`](crate::data::Datum) of a column's type, converting `1` to `1.0` for real columns
//! as ovsdb-server writes them.
//!
//! ```
//! use ovsdb::data::{Atom, Datum};
//! use ovsdb::schema::DatabaseSchema;
//!
//! let schema = DatabaseSchema::from_json_str(r#"{
//!     "name": "Demo", "version": "1.0.0",
//!     "tables": {"Port": {"columns": {
//!         "name": {"type": "string"},
//!         "tag": {"type": {"key": {"type": "integer", "minInteger": 0, "maxInteger": 4095},
//!                          "min": 0, "max": 1}},
//!         "weight": {"type": "real"}}}}}"#)?;
//! let port = schema.table("Port").unwrap();
//! let tag = &port.column("tag").unwrap().column_type;
//! assert!(tag.is_optional_scalar());
//! assert_eq!(tag.datum_from_json_str("7")?, Datum::from(Atom::Integer(7)));
//!
//! // ovsdb-server writes the real 2.0 as 2; the column type turns it back into a real.
//! let weight = &port.column("weight").unwrap().column_type;
//! assert_eq!(weight.datum_from_json_str("2")?, Datum::from(Atom::Real(2.0)));
//!
//! let err = schema
//!     .check_datum("Port", "tag", &Datum::from(Atom::Integer(5000)))
//!     .unwrap_err();
//! assert_eq!(
//!     err.to_string(),
//!     "table Port, column tag: 5000 is not in the valid range 0 to 4095 (inclusive)"
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod base_type;
mod column_type;
mod database;
mod error;
mod typed_decode;
mod validate;

#[cfg(test)]
mod proptests;

pub use self::base_type::{BaseType, RefType};
pub use self::column_type::{ColumnType, Max};
pub use self::database::{ColumnSchema, DatabaseSchema, TableSchema};
pub use self::error::{BaseTypeError, IndexProblem, NameProblem, SchemaError, TypeError};
pub use self::typed_decode::{DatumSeed, DecodeError};
pub use self::validate::{CheckError, ConstraintViolation, DatumKind};
pub use crate::data::AtomicType;

/// A schema value parsed for its structure only, before the semantic checks (`validate`) that
/// its public `Deserialize` impl runs. Lets [`DatabaseSchema::from_json_str`] run those checks
/// itself and return them as structured errors naming the table and column.
pub(crate) struct Unchecked<T>(pub(crate) T);
