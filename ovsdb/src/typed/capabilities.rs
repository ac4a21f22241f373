//! [`Capabilities`]: which tables and columns the server's schema has.

use std::collections::{BTreeMap, BTreeSet};

use crate::data::Row;
use crate::schema::DatabaseSchema;

use super::table::Table;

/// The tables and columns of the schema a server actually runs, to compare with what a
/// typed crate was generated from.
///
/// A server with more tables or columns than the typed crate knows is normal (a newer OVN):
/// typed rows ignore what they do not know. A server that lacks a table or column the crate
/// knows (an older OVN) still works for everything else; check before using such a column,
/// since an operation that names it fails with `"unknown column"`:
///
/// ```
/// use ovsdb::schema::DatabaseSchema;
/// use ovsdb::typed::Capabilities;
///
/// let server = DatabaseSchema::from_json_str(r#"{"name": "DB", "version": "1.0.0",
///     "tables": {"T": {"columns": {"a": {"type": "string"}}}}}"#)?;
/// let caps = Capabilities::from_schema(&server);
/// assert!(caps.has_column("T", "a"));
/// assert!(caps.has_column("T", "_uuid"));
/// assert!(!caps.has_column("T", "b"));
/// assert!(!caps.has_table("U"));
/// # Ok::<(), ovsdb::schema::SchemaError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capabilities {
    name: String,
    version: String,
    tables: BTreeMap<String, BTreeSet<String>>,
}

impl Capabilities {
    /// The capabilities of a server's schema (from [`Client::get_schema`](crate::client::Client::get_schema)).
    pub fn from_schema(schema: &DatabaseSchema) -> Self {
        Capabilities {
            name: schema.name.clone(),
            version: schema.version.clone(),
            tables: schema
                .tables
                .iter()
                .map(|(t, ts)| (t.clone(), ts.columns.keys().cloned().collect()))
                .collect(),
        }
    }

    /// The database name.
    pub fn database(&self) -> &str {
        &self.name
    }

    /// The server's schema version.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// True if the server has `table`.
    pub fn has_table(&self, table: &str) -> bool {
        self.tables.contains_key(table)
    }

    /// True if the server's `table` has `column` (`_uuid` and `_version` always exist).
    pub fn has_column(&self, table: &str, column: &str) -> bool {
        self.tables
            .get(table)
            .is_some_and(|cols| column == "_uuid" || column == "_version" || cols.contains(column))
    }

    /// True if the server has table `T` with every column `T` maps.
    pub fn supports<T: Table>(&self) -> bool {
        self.missing_columns::<T>().is_empty() && self.has_table(T::TABLE)
    }

    /// The columns `T` maps that the server's table lacks (all of them if the table is
    /// missing).
    pub fn missing_columns<T: Table>(&self) -> Vec<&'static str> {
        T::COLUMNS
            .iter()
            .copied()
            .filter(|c| !self.has_column(T::TABLE, c))
            .collect()
    }

    /// The columns `T` maps that the server has.
    pub fn columns_of<T: Table>(&self) -> Vec<&'static str> {
        T::COLUMNS
            .iter()
            .copied()
            .filter(|c| self.has_column(T::TABLE, c))
            .collect()
    }

    /// `row` without the columns the server's `table` lacks: what an older server can store.
    pub fn filter_row(&self, table: &str, row: Row) -> Row {
        row.into_iter()
            .filter(|(c, _)| self.has_column(table, c))
            .collect()
    }

    /// Tables of `known` (a typed crate's schema) that the server lacks.
    pub fn missing_tables<'a>(&self, known: &'a DatabaseSchema) -> Vec<&'a str> {
        known
            .tables
            .keys()
            .filter(|t| !self.has_table(t))
            .map(String::as_str)
            .collect()
    }

    /// `(table, column)` pairs of `known` that the server lacks, tables it lacks excluded.
    pub fn missing_columns_of<'a>(&self, known: &'a DatabaseSchema) -> Vec<(&'a str, &'a str)> {
        known
            .tables
            .iter()
            .filter(|(t, _)| self.has_table(t))
            .flat_map(|(t, ts)| {
                ts.columns
                    .keys()
                    .filter(|c| !self.has_column(t, c))
                    .map(move |c| (t.as_str(), c.as_str()))
            })
            .collect()
    }

    /// `(table, column)` pairs the server has that `known` lacks (extra tables' columns
    /// included): what a newer server adds.
    pub fn extra_columns<'a>(&'a self, known: &DatabaseSchema) -> Vec<(&'a str, &'a str)> {
        self.tables
            .iter()
            .flat_map(|(t, cols)| {
                let known_table = known.tables.get(t);
                cols.iter()
                    .filter(move |c| {
                        known_table.map_or(true, |kt| !kt.columns.contains_key(c.as_str()))
                    })
                    .map(move |c| (t.as_str(), c.as_str()))
            })
            .collect()
    }
}
