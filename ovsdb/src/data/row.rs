//! `Row`: column name -> value (RFC 7047 5.1 `<row>`).

use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use compact_str::CompactString;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

use super::datum::Datum;

/// The most columns a shape may have for its rows to leave columns out (one bit each in
/// [`Row`]'s presence mask).
const MAX_SPARSE: usize = u64::BITS as usize;

/// `present` of a row that stores a value for every column of its shape.
const DENSE: u64 = u64::MAX;

/// What rows share: their column names, sorted, and for the replica's rows the value each
/// column reads as when a row stores none of its own.
#[derive(Clone, Default)]
struct Shape {
    names: Vec<CompactString>,
    /// Empty for an ordinary row's shape; for a table's defaults (see [`Row::into_defaults`]),
    /// one value per name (and then at most [`MAX_SPARSE`] names).
    defaults: Vec<Datum>,
}

impl Shape {
    /// True if rows of this shape may leave columns out, reading them from `defaults`.
    fn has_defaults(&self) -> bool {
        !self.defaults.is_empty()
    }
}

/// A row, or part of one: a JSON object mapping column names to values.
///
/// Columns are kept sorted by name (a short vector: tables have tens of columns, so this is
/// smaller and faster than a tree or hash map). Column names up to 24 bytes are stored inline.
///
/// The names and the values are kept apart, and the names are shared: the replica's rows of
/// one table all point at that table's one list of column names, which also holds each
/// column's default value ([`Row::overlay`]). Such a row stores only the values it was
/// given, with a bit per column saying which ones (tables of up to 64 columns); a column it
/// leaves out reads as its default, so the row looks the same as one holding every column.
/// Changing which columns a row has gives it names of its own first, with every value
/// stored.
#[derive(Clone)]
pub struct Row {
    shape: Arc<Shape>,
    /// The stored values, in column order: every column's if `present` is [`DENSE`], else
    /// those of the columns whose bit is set in `present`.
    values: Vec<Datum>,
    /// [`DENSE`], or (when `shape` has defaults) bit `i` set if column `i` is stored.
    present: u64,
}

impl Default for Row {
    fn default() -> Self {
        Row {
            shape: Arc::default(),
            values: Vec::new(),
            present: DENSE,
        }
    }
}

impl Row {
    /// An empty row.
    pub fn new() -> Self {
        Row::default()
    }

    /// Value of `column`.
    pub fn get(&self, column: &str) -> Option<&Datum> {
        self.find(column).ok().map(|i| self.at(i))
    }

    /// Mutable value of `column`.
    pub fn get_mut(&mut self, column: &str) -> Option<&mut Datum> {
        let i = self.find(column).ok()?;
        Some(self.own_at(i))
    }

    /// Sets `column`, returning its previous value.
    pub fn insert(&mut self, column: impl Into<CompactString>, value: Datum) -> Option<Datum> {
        let column = column.into();
        match self.find(&column) {
            Ok(i) => match self.slot(i) {
                Ok(at) => Some(std::mem::replace(&mut self.values[at], value)),
                Err(at) => {
                    self.values.insert(at, value);
                    self.present |= 1 << i;
                    Some(self.shape.defaults[i].clone())
                }
            },
            Err(i) => {
                self.own_names().insert(i, column);
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
        self.own_names().remove(i);
        Some(self.values.remove(i))
    }

    /// The values of `columns`, moved out of the row (`None` for a column it does not have;
    /// a column named twice is cloned the second time). Cheaper than removing them one by
    /// one: the row's names, which rows decoded together share, are left as they are. For
    /// many rows, [`ColumnPicker`] looks the columns up once per set of names.
    pub fn into_columns(self, columns: &[&str]) -> Vec<Option<Datum>> {
        ColumnPicker::new(columns).pick(self)
    }

    /// True if the row has `column`.
    pub fn contains(&self, column: &str) -> bool {
        self.find(column).is_ok()
    }

    /// Number of columns present.
    pub fn len(&self) -> usize {
        self.shape.names.len()
    }

    /// True if no column is present.
    pub fn is_empty(&self) -> bool {
        self.shape.names.is_empty()
    }

    /// `(column, value)` pairs in column-name order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, &Datum)> {
        self.shape
            .names
            .iter()
            .enumerate()
            .map(move |(i, name)| (name.as_str(), self.at(i)))
    }

    /// Column names in order.
    pub fn columns(&self) -> impl ExactSizeIterator<Item = &str> {
        self.shape.names.iter().map(CompactString::as_str)
    }

    /// A row of sorted, unique `(column, value)` pairs.
    fn from_sorted(columns: Vec<(CompactString, Datum)>) -> Row {
        let (names, values): (Vec<CompactString>, Vec<Datum>) = columns.into_iter().unzip();
        Row {
            shape: Arc::new(Shape {
                names,
                defaults: Vec::new(),
            }),
            values,
            present: DENSE,
        }
    }

    /// This row as a table's defaults: the start of the rows [`Row::overlay`] and
    /// [`Row::from_slots`] build over it. Its values move into its shape, so that the rows
    /// built over it share them and store only the values they are given (when it has at
    /// most 64 columns; a wider row stays as it is, and rows built over it store every
    /// value).
    pub(crate) fn into_defaults(self) -> Row {
        if self.is_empty() || self.len() > MAX_SPARSE {
            return self;
        }
        let (names, defaults) = self.into_parts();
        Row {
            shape: Arc::new(Shape { names, defaults }),
            values: Vec::new(),
            present: 0,
        }
    }

    /// `defaults` with every column of `given` (sorted by name, unique, as a row's columns
    /// are) put over it; columns `defaults` lacks are added. How the replica fills in the
    /// columns an update leaves at their default. When `given` has no column `defaults`
    /// lacks (the usual case: the monitored columns), the row shares `defaults`' shape and,
    /// if `defaults` came from [`Row::into_defaults`], stores only `given`'s values.
    pub(crate) fn overlay(defaults: &Row, given: Vec<(CompactString, Datum)>) -> Row {
        if let Some(slots) = slots_of(given.iter().map(|(c, _)| c.as_str()), defaults) {
            let mut values = Vec::with_capacity(given.len());
            values.extend(given.into_iter().map(|(_, v)| v));
            return Row::from_slots(defaults, &slots, values);
        }
        // Columns the defaults lack: a row with names of its own, every value stored.
        let mut columns = Vec::with_capacity(defaults.len() + given.len());
        let mut given = given.into_iter().peekable();
        for (name, default) in defaults.iter() {
            while let Some(pair) = given.next_if(|(c, _)| c.as_str() < name) {
                columns.push(pair);
            }
            match given.next_if(|(c, _)| c.as_str() == name) {
                Some(pair) => columns.push(pair),
                None => columns.push((name.into(), default.clone())),
            }
        }
        columns.extend(given);
        Row::from_sorted(columns)
    }

    /// For each column of this row, its position among `defaults`' columns; `None` if this
    /// row has a column `defaults` lacks. One merge of the two sorted name lists.
    pub(crate) fn slots_in(&self, defaults: &Row) -> Option<Vec<usize>> {
        slots_of(self.columns(), defaults)
    }

    /// A row with `defaults`' columns (sharing its shape): `values[k]` for the column at
    /// `slots[k]` (increasing positions among `defaults`' columns, as [`Row::slots_in`]
    /// gives them), `defaults`' value for the others. Only `values` is stored when
    /// `defaults` came from [`Row::into_defaults`] and has at most 64 columns.
    pub(crate) fn from_slots(defaults: &Row, slots: &[usize], values: Vec<Datum>) -> Row {
        debug_assert_eq!(slots.len(), values.len());
        debug_assert!(slots.windows(2).all(|w| w[0] < w[1]));
        debug_assert!(slots.last().map_or(true, |&s| s < defaults.len()));
        if defaults.present == 0 && defaults.shape.has_defaults() {
            let present = slots.iter().fold(0u64, |mask, &i| mask | 1 << i);
            return Row {
                shape: Arc::clone(&defaults.shape),
                values,
                present,
            };
        }
        let mut all = Vec::with_capacity(defaults.len());
        let mut given = values.into_iter().zip(slots).peekable();
        for i in 0..defaults.len() {
            match given.next_if(|(_, &slot)| slot == i) {
                Some((value, _)) => all.push(value),
                None => all.push(defaults.at(i).clone()),
            }
        }
        Row {
            shape: Arc::clone(&defaults.shape),
            values: all,
            present: DENSE,
        }
    }

    /// Every column's value, in column order, consuming the row.
    pub(crate) fn into_values(mut self) -> Vec<Datum> {
        self.take_all(0)
    }

    /// What identifies this row's column names: rows that share them (see [`RowReader`])
    /// have the same key.
    pub(crate) fn names_key(&self) -> NamesKey {
        NamesKey(Arc::clone(&self.shape))
    }

    /// True if this row shares the column names `key` identifies (and so has exactly those
    /// columns).
    pub(crate) fn has_names(&self, key: &NamesKey) -> bool {
        Arc::ptr_eq(&self.shape, &key.0)
    }

    /// The name of the column at `i` (in name order).
    pub(crate) fn name_at(&self, i: usize) -> &str {
        self.shape.names.get(i).map_or("", CompactString::as_str)
    }

    /// How many values the row stores itself (the others read as their defaults).
    #[cfg(test)]
    pub(crate) fn stored(&self) -> usize {
        self.values.len()
    }

    fn find(&self, column: &str) -> Result<usize, usize> {
        self.shape
            .names
            .binary_search_by(|c| c.as_str().cmp(column))
    }

    /// Where column `i` (`i < self.len()`) is in `values`: `Ok` if stored, else `Err` with
    /// where it would go.
    fn slot(&self, i: usize) -> Result<usize, usize> {
        if self.present == DENSE {
            return Ok(i);
        }
        let below = (self.present & ((1u64 << i) - 1)).count_ones() as usize;
        if self.present & (1 << i) != 0 {
            Ok(below)
        } else {
            Err(below)
        }
    }

    /// The value of column `i` (`i < self.len()`).
    fn at(&self, i: usize) -> &Datum {
        match self.slot(i) {
            Ok(at) => &self.values[at],
            Err(_) => &self.shape.defaults[i],
        }
    }

    /// The value of column `i` (`i < self.len()`), stored first if it was not.
    fn own_at(&mut self, i: usize) -> &mut Datum {
        let at = match self.slot(i) {
            Ok(at) => at,
            Err(at) => {
                self.values.insert(at, self.shape.defaults[i].clone());
                self.present |= 1 << i;
                at
            }
        };
        &mut self.values[at]
    }

    /// Every column's value in column order, leaving `values` empty.
    fn take_all(&mut self, room: usize) -> Vec<Datum> {
        let own = std::mem::take(&mut self.values);
        if self.present == DENSE {
            return own;
        }
        let mut all = Vec::with_capacity(self.len() + room);
        let mut own = own.into_iter();
        for (i, default) in self.shape.defaults.iter().enumerate() {
            let stored = if self.present & (1 << i) != 0 {
                own.next()
            } else {
                None
            };
            all.push(stored.unwrap_or_else(|| default.clone()));
        }
        all
    }

    /// The names, made this row's own (copied if shared), with every value stored: for
    /// changing which columns the row has.
    fn own_names(&mut self) -> &mut Vec<CompactString> {
        if self.shape.has_defaults() {
            self.values = self.take_all(1);
            self.present = DENSE;
            self.shape = Arc::new(Shape {
                names: self.shape.names.clone(),
                defaults: Vec::new(),
            });
        }
        &mut Arc::make_mut(&mut self.shape).names
    }

    /// The names and every value, consuming the row; the names move out when this row is
    /// the only holder of them, else they are copied.
    fn into_parts(mut self) -> (Vec<CompactString>, Vec<Datum>) {
        let values = self.take_all(0);
        let names = match Arc::try_unwrap(self.shape) {
            Ok(shape) => shape.names,
            Err(shared) => shared.names.clone(),
        };
        (names, values)
    }
}

/// For each of `names` (sorted, unique), its position among `defaults`' columns; `None` if
/// one is not a column of `defaults`. One merge of the two sorted name lists.
fn slots_of<'a>(
    names: impl ExactSizeIterator<Item = &'a str>,
    defaults: &Row,
) -> Option<Vec<usize>> {
    let mut slots = Vec::with_capacity(names.len());
    let mut theirs = defaults.shape.names.iter().enumerate();
    for name in names {
        loop {
            let (i, other) = theirs.next()?;
            match other.as_str().cmp(name) {
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

impl PartialEq for Row {
    /// Equal if the rows have the same columns with the same values, whichever of them
    /// each stores itself.
    fn eq(&self, other: &Row) -> bool {
        if Arc::ptr_eq(&self.shape, &other.shape) && self.present == other.present {
            return self.values == other.values;
        }
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for Row {}

impl Hash for Row {
    /// Hashes the columns and their values, so that equal rows hash alike.
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_usize(self.len());
        for (column, value) in self.iter() {
            column.hash(state);
            value.hash(state);
        }
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
    /// Every column, defaults included. The names move out when this row is the only holder
    /// of them, else they are copied.
    fn into_iter(self) -> Self::IntoIter {
        let (names, values) = self.into_parts();
        names.into_iter().zip(values)
    }
}

impl fmt::Debug for Row {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl Serialize for Row {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut m = serializer.serialize_map(Some(self.len()))?;
        for (c, d) in self.iter() {
            m.serialize_entry(c, d)?;
        }
        m.end()
    }
}

/// Takes the same columns out of many rows ([`Row::into_columns`] for each): rows that share
/// their column names, as the rows of one decoded select or update do, have the columns
/// looked up once instead of once per row.
pub struct ColumnPicker<'c> {
    columns: &'c [&'c str],
    /// The names last looked up, and where each asked column is among them.
    last: Option<(NamesKey, Vec<Pick>)>,
}

/// Where an asked column is in a row.
#[derive(Clone, Copy)]
enum Pick {
    /// At this index of the row's names.
    At(usize),
    /// The row has no such column.
    Absent,
    /// The same column as the asked one at this index, asked again.
    Again(usize),
}

impl<'c> ColumnPicker<'c> {
    /// Picks `columns`, in this order.
    pub fn new(columns: &'c [&'c str]) -> Self {
        ColumnPicker {
            columns,
            last: None,
        }
    }

    /// The values of the columns, moved out of `row` (see [`Row::into_columns`]).
    pub fn pick(&mut self, mut row: Row) -> Vec<Option<Datum>> {
        if !self
            .last
            .as_ref()
            .is_some_and(|(key, _)| row.has_names(key))
        {
            let picks = self
                .columns
                .iter()
                .enumerate()
                .map(
                    |(k, column)| match self.columns[..k].iter().position(|c| c == column) {
                        Some(j) => Pick::Again(j),
                        None => row.find(column).map_or(Pick::Absent, Pick::At),
                    },
                )
                .collect();
            self.last = Some((row.names_key(), picks));
        }
        let Some((_, picks)) = &self.last else {
            return Vec::new();
        };
        let mut out: Vec<Option<Datum>> = Vec::with_capacity(picks.len());
        for pick in picks {
            let value = match *pick {
                Pick::At(i) => Some(match row.slot(i) {
                    Ok(at) => std::mem::take(&mut row.values[at]),
                    Err(_) => row.shape.defaults[i].clone(),
                }),
                Pick::Absent => None,
                Pick::Again(j) => out[j].clone(),
            };
            out.push(value);
        }
        out
    }
}

/// Identifies shared column names ([`Row::names_key`]); holding it keeps them alive, so a key
/// never comes to stand for other names.
#[derive(Clone)]
pub(crate) struct NamesKey(Arc<Shape>);

/// The order that sorts decoded columns by name (ovsdb-server writes them in schema order);
/// a repeated column is refused.
fn name_order<E: de::Error>(columns: &[(CompactString, Datum)]) -> Result<Vec<usize>, E> {
    let mut order: Vec<usize> = (0..columns.len()).collect();
    order.sort_by(|&a, &b| columns[a].0.cmp(&columns[b].0));
    match order
        .windows(2)
        .find(|w| columns[w[0]].0 == columns[w[1]].0)
    {
        Some(w) => Err(E::custom(format_args!(
            "row has column \"{}\" twice",
            columns[w[0]].0
        ))),
        None => Ok(order),
    }
}

/// The values of `columns` in `order`, taken out of them.
fn values_in(columns: &mut [(CompactString, Datum)], order: &[usize]) -> Vec<Datum> {
    order
        .iter()
        .map(|&i| std::mem::take(&mut columns[i].1))
        .collect()
}

/// Decodes the rows of one table update: a row with the same columns as the one before it
/// shares its names (one `Arc`) instead of allocating its own, and the columns are gathered in
/// one reused buffer. ovsdb-server writes every row of a table with its columns in the same
/// (schema) order, so a row whose columns arrive in the previous row's order is placed by that
/// row's sort instead of being sorted again. A 100k-row initial sync allocates one vector per
/// row instead of four.
#[derive(Default)]
pub(crate) struct RowReader {
    /// The last row's names, sorted, shared with the rows that have them.
    last: Option<Arc<Shape>>,
    /// The last row's column names in the order they arrived.
    order: Vec<CompactString>,
    /// For each of `last`'s names, where it arrived in `order`.
    source: Vec<usize>,
    scratch: Vec<(CompactString, Datum)>,
}

impl<'de> de::DeserializeSeed<'de> for &mut RowReader {
    type Value = Row;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Row, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for &mut RowReader {
    type Value = Row;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an OVSDB row (object of column name to value)")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Row, A::Error> {
        let mut columns = std::mem::take(&mut self.scratch);
        columns.clear();
        let mut as_before = self.last.is_some();
        while let Some(name) = map.next_key::<CompactString>()? {
            let value: Datum = map.next_value()?;
            as_before = as_before && self.order.get(columns.len()) == Some(&name);
            columns.push((name, value));
        }
        if let (true, Some(shape)) = (as_before && columns.len() == self.order.len(), &self.last) {
            // The previous row's columns in the previous row's order: place them as it did.
            let values = values_in(&mut columns, &self.source);
            let shape = Arc::clone(shape);
            columns.clear();
            self.scratch = columns;
            return Ok(Row {
                shape,
                values,
                present: DENSE,
            });
        }
        let source = name_order(&columns)?;
        let values = values_in(&mut columns, &source);
        let same = self.last.as_ref().filter(|shape| {
            shape.names.len() == source.len()
                && shape
                    .names
                    .iter()
                    .zip(&source)
                    .all(|(a, &i)| *a == columns[i].0)
        });
        let shape = match same {
            Some(shape) => Arc::clone(shape),
            None => Arc::new(Shape {
                names: source.iter().map(|&i| columns[i].0.clone()).collect(),
                defaults: Vec::new(),
            }),
        };
        self.order.clear();
        self.order.extend(columns.drain(..).map(|(name, _)| name));
        self.source = source;
        self.last = Some(Arc::clone(&shape));
        self.scratch = columns;
        Ok(Row {
            shape,
            values,
            present: DENSE,
        })
    }
}

/// Decodes an array of rows with one [`RowReader`], so rows with the same columns share their
/// names and are placed without a sort each (a `select` of a large table).
pub(crate) struct RowList;

impl<'de> de::DeserializeSeed<'de> for RowList {
    type Value = Vec<Row>;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Vec<Row>, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for RowList {
    type Value = Vec<Row>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        // As serde words it for any `Vec`, which rows were decoded into before.
        f.write_str("a sequence")
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<Row>, A::Error> {
        let mut reader = RowReader::default();
        let mut rows = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(row) = seq.next_element_seed(&mut reader)? {
            rows.push(row);
        }
        Ok(rows)
    }
}

impl<'de> Deserialize<'de> for Row {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // A reader of one row: its columns sorted by name, a repeated one refused.
        de::DeserializeSeed::deserialize(&mut RowReader::default(), deserializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Atom;
    use std::collections::hash_map::DefaultHasher;

    #[test]
    fn into_columns_moves_out_the_values_asked_for() {
        let row = Row::new().with("a", 1i64).with("b", "x").with("c", 3i64);
        let got = row.into_columns(&["c", "z", "a", "c"]);
        assert_eq!(
            got,
            vec![
                Some(Datum::from(3i64)),
                None,
                Some(Datum::from(1i64)),
                Some(Datum::from(3i64)),
            ]
        );
        // A sparse row reads a column it leaves out as the table's default.
        let defaults = Row::new().with("a", 0i64).with("b", "").into_defaults();
        let sparse = Row::overlay(&defaults, vec![("b".into(), Datum::from("y"))]);
        assert_eq!(
            sparse.into_columns(&["a", "b"]),
            vec![Some(Datum::from(0i64)), Some(Datum::from("y"))]
        );
    }

    #[test]
    fn a_column_picker_follows_rows_whose_names_change() {
        let mut reader = RowReader::default();
        let rows: Vec<Row> = [
            r#"{"a":1,"b":2}"#,
            r#"{"a":3,"b":4}"#,
            r#"{"b":5,"c":6}"#,
            r#"{"a":7,"b":8}"#,
        ]
        .iter()
        .map(|j| {
            let mut de = serde_json::Deserializer::from_str(j);
            de::DeserializeSeed::deserialize(&mut reader, &mut de).unwrap()
        })
        .collect();
        let mut picker = ColumnPicker::new(&["b", "a"]);
        let got: Vec<_> = rows.into_iter().map(|r| picker.pick(r)).collect();
        let i = |n: i64| Some(Datum::from(n));
        assert_eq!(
            got,
            vec![
                vec![i(2), i(1)],
                vec![i(4), i(3)],
                vec![i(5), None],
                vec![i(8), i(7)],
            ]
        );
    }

    fn hash_of(row: &Row) -> u64 {
        let mut h = DefaultHasher::new();
        row.hash(&mut h);
        h.finish()
    }

    fn int(i: i64) -> Datum {
        Datum::from(Atom::from(i))
    }

    /// Defaults `a`..`d` (`a`: 0, `b`: empty set, `c`: "", `d`: 0).
    fn defaults() -> Row {
        Row::new()
            .with("a", int(0))
            .with("b", Datum::empty_set())
            .with("c", Atom::from(""))
            .with("d", int(0))
            .into_defaults()
    }

    /// `b` and `d` given over [`defaults`], built as the replica builds it.
    fn sparse() -> Row {
        Row::overlay(
            &defaults(),
            vec![("b".into(), int(7)), ("d".into(), int(9))],
        )
    }

    /// The same columns and values, every one stored.
    fn dense() -> Row {
        Row::new()
            .with("a", int(0))
            .with("b", int(7))
            .with("c", Atom::from(""))
            .with("d", int(9))
    }

    #[test]
    fn row_is_at_most_40_bytes() {
        assert!(
            std::mem::size_of::<Row>() <= 40,
            "{}",
            std::mem::size_of::<Row>()
        );
    }

    #[test]
    fn sparse_row_stores_only_the_given_values() {
        let row = sparse();
        assert_eq!(row.stored(), 2);
        assert_eq!(defaults().stored(), 0);
        assert_eq!(dense().stored(), 4);
        // The replica's other way of building rows gives the same.
        let given = Row::new().with("b", int(7)).with("d", int(9));
        let slots = given.slots_in(&defaults()).unwrap();
        assert_eq!(slots, [1, 3]);
        let built = Row::from_slots(&defaults(), &slots, given.into_values());
        assert_eq!(built.stored(), 2);
        assert_eq!(built, dense());
    }

    #[test]
    fn sparse_equals_and_hashes_like_dense() {
        let (s, d) = (sparse(), dense());
        assert_eq!(s, d);
        assert_eq!(d, s);
        assert_eq!(hash_of(&s), hash_of(&d));
        assert_ne!(s, d.clone().with("a", int(1)));
        assert_ne!(s, d.clone().with("e", int(0)));
        assert_ne!(s, Row::overlay(&defaults(), vec![("b".into(), int(7))]));
        // Storing a default explicitly changes nothing seen.
        let explicit = Row::overlay(
            &defaults(),
            vec![
                ("a".into(), int(0)),
                ("b".into(), int(7)),
                ("d".into(), int(9)),
            ],
        );
        assert_eq!(explicit, s);
        assert_eq!(hash_of(&explicit), hash_of(&s));
    }

    #[test]
    fn sparse_reads_every_column() {
        let (s, d) = (sparse(), dense());
        assert_eq!(s.len(), 4);
        assert!(!s.is_empty());
        assert_eq!(s.get("a"), Some(&int(0)));
        assert_eq!(s.get("b"), Some(&int(7)));
        assert_eq!(s.get("c"), Some(&Datum::from(Atom::from(""))));
        assert_eq!(s.get("e"), None);
        assert!(s.contains("c"));
        assert!(!s.contains("e"));
        assert_eq!(s.columns().collect::<Vec<_>>(), ["a", "b", "c", "d"]);
        assert_eq!(s.iter().collect::<Vec<_>>(), d.iter().collect::<Vec<_>>());
        assert_eq!(format!("{s:?}"), format!("{d:?}"));
        assert_eq!(
            serde_json::to_string(&s).unwrap(),
            serde_json::to_string(&d).unwrap()
        );
        assert_eq!(
            s.clone().into_iter().collect::<Vec<_>>(),
            d.clone().into_iter().collect::<Vec<_>>()
        );
        assert_eq!(s.clone().into_values(), d.into_values());
    }

    #[test]
    fn sparse_get_mut_stores_the_column() {
        let mut s = sparse();
        let c = s.get_mut("c").unwrap();
        assert_eq!(*c, Datum::from(Atom::from("")));
        *c = Atom::from("x").into();
        assert_eq!(s.stored(), 3);
        assert_eq!(s, dense().with("c", Atom::from("x")));
        // A stored column is changed in place.
        *s.get_mut("b").unwrap() = int(8);
        assert_eq!(s.stored(), 3);
        assert_eq!(s, dense().with("c", Atom::from("x")).with("b", int(8)));
        assert!(s.get_mut("e").is_none());
        // The defaults themselves are untouched.
        assert_eq!(sparse().get("c"), Some(&Datum::from(Atom::from(""))));
    }

    #[test]
    fn sparse_insert() {
        let mut s = sparse();
        assert_eq!(s.insert("a", int(5)), Some(int(0)));
        assert_eq!(s.stored(), 3);
        assert_eq!(s.insert("b", int(6)), Some(int(7)));
        assert_eq!(s.stored(), 3);
        assert_eq!(s, dense().with("a", int(5)).with("b", int(6)));
        // A column the shape lacks: the row gets names of its own.
        assert_eq!(s.insert("bb", int(1)), None);
        assert_eq!(s.columns().collect::<Vec<_>>(), ["a", "b", "bb", "c", "d"]);
        assert_eq!(
            s,
            dense()
                .with("a", int(5))
                .with("b", int(6))
                .with("bb", int(1))
        );
        assert_eq!(sparse().columns().count(), 4);
        assert_eq!(defaults().columns().count(), 4);
    }

    #[test]
    fn sparse_remove() {
        let mut s = sparse();
        assert_eq!(s.remove("c"), Some(Datum::from(Atom::from(""))));
        assert_eq!(s.remove("b"), Some(int(7)));
        assert_eq!(s.remove("e"), None);
        assert_eq!(s.columns().collect::<Vec<_>>(), ["a", "d"]);
        assert_eq!(s, Row::new().with("a", int(0)).with("d", int(9)));
        assert_eq!(sparse(), dense());
        assert_eq!(defaults().len(), 4);
    }

    #[test]
    fn overlay_of_a_column_the_defaults_lack() {
        let row = Row::overlay(
            &defaults(),
            vec![
                ("b".into(), int(7)),
                ("bb".into(), int(1)),
                ("z".into(), int(2)),
            ],
        );
        assert_eq!(
            row,
            Row::new()
                .with("a", int(0))
                .with("b", int(7))
                .with("bb", int(1))
                .with("c", Atom::from(""))
                .with("d", int(0))
                .with("z", int(2))
        );
        assert_eq!(row.stored(), 6);
        let none = Row::overlay(&Row::new(), vec![("x".into(), int(1))]);
        assert_eq!(none, Row::new().with("x", int(1)));
    }

    #[test]
    fn wide_defaults_store_every_value() {
        let wide: Row = (0..70).map(|i| (format!("c{i:02}"), int(i))).collect();
        let defaults = wide.clone().into_defaults();
        assert_eq!(defaults, wide);
        let row = Row::overlay(&defaults, vec![("c65".into(), int(-1))]);
        assert_eq!(row.stored(), 70);
        assert_eq!(row.get("c65"), Some(&int(-1)));
        assert_eq!(row.get("c03"), Some(&int(3)));
        assert_eq!(row, wide.clone().with("c65", int(-1)));
        // Exactly 64 columns can still be left out.
        let full: Row = (0..64).map(|i| (format!("c{i:02}"), int(i))).collect();
        let defaults = full.clone().into_defaults();
        let row = Row::overlay(&defaults, vec![("c63".into(), int(-1))]);
        assert_eq!(row.stored(), 1);
        assert_eq!(row.get("c63"), Some(&int(-1)));
        assert_eq!(row.get("c62"), Some(&int(62)));
        assert_eq!(row, full.with("c63", int(-1)));
    }

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
