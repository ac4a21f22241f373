//! `Row`: column name -> value (RFC 7047 5.1 `<row>`).

use std::fmt;
use std::sync::Arc;

use compact_str::CompactString;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

use super::datum::Datum;

/// A row, or part of one: a JSON object mapping column names to values.
///
/// Columns are kept sorted by name (a short vector: tables have tens of columns, so this is
/// smaller and faster than a tree or hash map). Column names up to 24 bytes are stored inline.
///
/// The names and the values are kept apart, and the names are shared: the replica's rows of
/// one table all point at that table's one list of column names ([`Row::overlay`]), so a
/// row costs a value per column and nothing per column name. Changing which columns a row
/// has copies its names first if they are shared.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Row {
    names: Arc<Vec<CompactString>>,
    values: Vec<Datum>,
}

impl Row {
    /// An empty row.
    pub fn new() -> Self {
        Row::default()
    }

    /// Value of `column`.
    pub fn get(&self, column: &str) -> Option<&Datum> {
        self.find(column).ok().map(|i| &self.values[i])
    }

    /// Mutable value of `column`.
    pub fn get_mut(&mut self, column: &str) -> Option<&mut Datum> {
        match self.find(column) {
            Ok(i) => Some(&mut self.values[i]),
            Err(_) => None,
        }
    }

    /// Sets `column`, returning its previous value.
    pub fn insert(&mut self, column: impl Into<CompactString>, value: Datum) -> Option<Datum> {
        let column = column.into();
        match self.find(&column) {
            Ok(i) => Some(std::mem::replace(&mut self.values[i], value)),
            Err(i) => {
                Arc::make_mut(&mut self.names).insert(i, column);
                self.values.insert(i, value);
                None
            }
        }
    }

    /// Builder form of [`Row::insert`].
    pub fn with(mut self, column: impl Into<CompactString>, value: impl Into<Datum>) -> Self {
        self.insert(column, value.into());
        self
    }

    /// Removes `column`, returning its value.
    pub fn remove(&mut self, column: &str) -> Option<Datum> {
        let i = self.find(column).ok()?;
        Arc::make_mut(&mut self.names).remove(i);
        Some(self.values.remove(i))
    }

    /// True if the row has `column`.
    pub fn contains(&self, column: &str) -> bool {
        self.find(column).is_ok()
    }

    /// Number of columns present.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// True if no column is present.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// `(column, value)` pairs in column-name order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, &Datum)> {
        self.names
            .iter()
            .map(CompactString::as_str)
            .zip(&self.values)
    }

    /// Column names in order.
    pub fn columns(&self) -> impl ExactSizeIterator<Item = &str> {
        self.names.iter().map(CompactString::as_str)
    }

    /// A row of sorted, unique `(column, value)` pairs.
    fn from_sorted(columns: Vec<(CompactString, Datum)>) -> Row {
        let (names, values): (Vec<CompactString>, Vec<Datum>) = columns.into_iter().unzip();
        Row {
            names: Arc::new(names),
            values,
        }
    }

    /// `defaults` with every column of `given` (sorted by name, unique, as a row's columns
    /// are) put over it, in one merge of the two sorted lists (no lookups); columns
    /// `defaults` lacks are added. How the replica fills in the columns an update leaves at
    /// their default. When `given` has no column `defaults` lacks (the usual case: the
    /// monitored columns), the row shares `defaults`' column names.
    pub(crate) fn overlay(defaults: &Row, given: Vec<(CompactString, Datum)>) -> Row {
        let mut values = Vec::with_capacity(defaults.values.len());
        let mut extra = Vec::new();
        let mut given = given.into_iter().peekable();
        for (name, default) in defaults.names.iter().zip(&defaults.values) {
            while let Some(pair) = given.next_if(|(c, _)| c < name) {
                extra.push((values.len(), pair));
            }
            match given.next_if(|(c, _)| c == name) {
                Some((_, v)) => values.push(v),
                None => values.push(default.clone()),
            }
        }
        let tail: Vec<(CompactString, Datum)> = given.collect();
        if extra.is_empty() && tail.is_empty() {
            return Row {
                names: Arc::clone(&defaults.names),
                values,
            };
        }
        // Columns the defaults lack: a row with names of its own.
        let mut columns: Vec<(CompactString, Datum)> =
            defaults.names.iter().cloned().zip(values).collect();
        for (at, pair) in extra.into_iter().rev() {
            columns.insert(at, pair);
        }
        columns.extend(tail);
        Row::from_sorted(columns)
    }

    /// For each column of this row, its position among `defaults`' columns; `None` if this
    /// row has a column `defaults` lacks. One merge of the two sorted name lists.
    pub(crate) fn slots_in(&self, defaults: &Row) -> Option<Vec<usize>> {
        let mut slots = Vec::with_capacity(self.names.len());
        let mut theirs = defaults.names.iter().enumerate();
        for name in self.names.iter() {
            loop {
                let (i, other) = theirs.next()?;
                match other.as_str().cmp(name.as_str()) {
                    std::cmp::Ordering::Less => continue,
                    std::cmp::Ordering::Equal => {
                        slots.push(i);
                        break;
                    }
                    std::cmp::Ordering::Greater => return None,
                }
            }
        }
        Some(slots)
    }

    /// The values, in column order, consuming the row.
    pub(crate) fn into_values(self) -> Vec<Datum> {
        self.values
    }

    /// The values, in column order.
    pub(crate) fn values(&self) -> &[Datum] {
        &self.values
    }

    /// The name of the column at `i` (in name order).
    pub(crate) fn name_at(&self, i: usize) -> &str {
        self.names.get(i).map_or("", CompactString::as_str)
    }

    /// A row with `defaults`' columns (sharing its names) and `values` for them, in order.
    pub(crate) fn with_columns_of(defaults: &Row, values: Vec<Datum>) -> Row {
        debug_assert_eq!(defaults.values.len(), values.len());
        Row {
            names: Arc::clone(&defaults.names),
            values,
        }
    }

    fn find(&self, column: &str) -> Result<usize, usize> {
        self.names.binary_search_by(|c| c.as_str().cmp(column))
    }
}

impl<K: Into<CompactString>> FromIterator<(K, Datum)> for Row {
    /// Collects columns; for a repeated column the last value wins.
    fn from_iter<I: IntoIterator<Item = (K, Datum)>>(iter: I) -> Self {
        let mut row = Row::new();
        for (k, v) in iter {
            row.insert(k, v);
        }
        row
    }
}

impl IntoIterator for Row {
    type Item = (CompactString, Datum);
    type IntoIter = std::iter::Zip<std::vec::IntoIter<CompactString>, std::vec::IntoIter<Datum>>;
    /// The names move out when this row is the only holder of them, else they are copied.
    fn into_iter(self) -> Self::IntoIter {
        let names = Arc::try_unwrap(self.names).unwrap_or_else(|shared| (*shared).clone());
        names.into_iter().zip(self.values)
    }
}

impl fmt::Debug for Row {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl Serialize for Row {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut m = serializer.serialize_map(Some(self.values.len()))?;
        for (c, d) in self.iter() {
            m.serialize_entry(c, d)?;
        }
        m.end()
    }
}

impl<'de> Deserialize<'de> for Row {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Row;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an OVSDB row (object of column name to value)")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Row, A::Error> {
                let mut columns: Vec<(CompactString, Datum)> =
                    Vec::with_capacity(map.size_hint().unwrap_or(8).min(256));
                while let Some(name) = map.next_key::<CompactString>()? {
                    let value: Datum = map.next_value()?;
                    columns.push((name, value));
                }
                // ovsdb-server writes columns in schema order, not name order; sort once.
                columns.sort_by(|a, b| a.0.cmp(&b.0));
                if let Some(w) = columns.windows(2).find(|w| w[0].0 == w[1].0) {
                    return Err(de::Error::custom(format_args!(
                        "row has column \"{}\" twice",
                        w[0].0
                    )));
                }
                Ok(Row::from_sorted(columns))
            }
        }
        deserializer.deserialize_map(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Atom;

    #[test]
    fn json_round_trip() {
        let j = r#"{"name":"sw0","external_ids":["map",[["k","v"]]],"ports":["set",[]]}"#;
        let row: Row = serde_json::from_str(j).unwrap();
        assert_eq!(
            row.columns().collect::<Vec<_>>(),
            ["external_ids", "name", "ports"]
        );
        assert_eq!(row.get("name"), Some(&Datum::from(Atom::from("sw0"))));
        let back: Row = serde_json::from_str(&serde_json::to_string(&row).unwrap()).unwrap();
        assert_eq!(back, row);
        assert!(serde_json::from_str::<Row>(r#"{"a":1,"a":2}"#).is_err());
        assert!(serde_json::from_str::<Row>("[]").is_err());
    }

    #[test]
    fn edit() {
        let mut row = Row::new()
            .with("b", Atom::from(1i64))
            .with("a", Atom::from(2i64));
        assert_eq!(row.columns().collect::<Vec<_>>(), ["a", "b"]);
        assert!(row.insert("a", Datum::empty_set()).is_some());
        assert!(row.remove("b").is_some());
        assert_eq!(row.len(), 1);
        assert!(row.contains("a"));
        assert!(!row.contains("b"));
    }
}
