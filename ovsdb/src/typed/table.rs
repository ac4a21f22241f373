//! [`Table`] and [`TableUpdate`]: what `ovsdb_derive::schema!` and `#[derive(Table)]` implement.

use std::fmt;

use crate::data::{Row, Uuid};

use super::value::{Value, ValueError};

/// A typed row of an OVSDB table: the generated row types of `ovsdb_derive::schema!`
/// (every column) and user structs with `#[derive(ovsdb_derive::Table)]` (the columns the
/// user names).
///
/// Conversions both ways with the dynamic [`Row`]: [`Table::from_row`] (also available as
/// `TryFrom<&Row>`) ignores columns it does not know, as a newer server may send them, and
/// gives columns the row lacks their default value; [`Table::to_row`] writes every mapped
/// column except `_uuid` and `_version`.
pub trait Table: Sized + Clone + fmt::Debug + PartialEq + 'static {
    /// The table's name in the schema, e.g. `"Logical_Switch_Port"`.
    const TABLE: &'static str;

    /// The columns this type maps, in schema-name form (without `_uuid` and `_version`).
    const COLUMNS: &'static [&'static str];

    /// The typed row of a dynamic row.
    fn from_row(row: &Row) -> Result<Self, DecodeError>;

    /// The dynamic row: every mapped column, `_uuid` and `_version` excluded.
    fn to_row(&self) -> Row;

    /// The row's `_uuid`, if the type maps it and it was read from a server.
    fn row_uuid(&self) -> Option<Uuid>;

    /// A reference to this row, if it was read from a server with its `_uuid`.
    fn row_ref(&self) -> Option<super::Ref<Self>> {
        self.row_uuid().map(super::Ref::new)
    }
}

/// A partial update of a [`Table`]'s row: each column is either left unchanged (not sent) or
/// set to a value, which may be empty (`None`, an empty set or map). Generated as
/// `<Table>Update` by `ovsdb_derive::schema!`.
pub trait TableUpdate: Clone + fmt::Debug + Default {
    /// The table the update applies to.
    type Table: Table;

    /// The `row` of the `update` operation: only the columns that were set.
    fn to_row(&self) -> Row;

    /// True if no column is set (an update that changes nothing).
    fn is_empty(&self) -> bool;
}

/// A dynamic row could not be read as a typed row: which table and column, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("table {table}, column {column}: {error}")]
pub struct DecodeError {
    /// The table.
    pub table: &'static str,
    /// The column.
    pub column: String,
    /// What was wrong with its value.
    pub error: ValueError,
}

/// Reads `column` of `row` as a `V`: its default when the row lacks it. Used by generated code.
pub fn decode_column<V: Value>(
    row: &Row,
    table: &'static str,
    column: &str,
) -> Result<V, DecodeError> {
    match row.get(column) {
        None => Ok(V::default()),
        Some(datum) => V::from_datum(datum).map_err(|error| DecodeError {
            table,
            column: column.to_owned(),
            error,
        }),
    }
}

/// Reads the `_uuid` of `row`, if it has one. Used by generated code.
pub fn decode_uuid(
    row: &Row,
    table: &'static str,
    column: &str,
) -> Result<Option<Uuid>, DecodeError> {
    decode_column::<Option<Uuid>>(row, table, column)
}

/// A field that can hold a row's `_uuid` in a `#[derive(Table)]` struct: `Uuid`,
/// `Option<Uuid>`, `Ref<T>` or `Option<Ref<T>>`.
pub trait AsRowUuid {
    /// The UUID, if there is one.
    fn as_row_uuid(&self) -> Option<Uuid>;
}

impl AsRowUuid for Uuid {
    fn as_row_uuid(&self) -> Option<Uuid> {
        Some(*self)
    }
}

impl AsRowUuid for Option<Uuid> {
    fn as_row_uuid(&self) -> Option<Uuid> {
        *self
    }
}

impl<T> AsRowUuid for super::Ref<T> {
    fn as_row_uuid(&self) -> Option<Uuid> {
        self.uuid()
    }
}

impl<T> AsRowUuid for Option<super::Ref<T>> {
    fn as_row_uuid(&self) -> Option<Uuid> {
        self.as_ref().and_then(super::Ref::uuid)
    }
}

/// The `_uuid` a `#[derive(Table)]` field holds. Used by generated code.
pub fn uuid_of<U: AsRowUuid>(field: &U) -> Option<Uuid> {
    field.as_row_uuid()
}
