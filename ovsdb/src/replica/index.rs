//! Secondary indexes: rows by the value of a column, or of one key of a map column.
//!
//! An index maps each key to the UUIDs of its rows (see [`Postings`]): a lookup is a hash
//! probe, and inserts and removals stay O(log n) however many rows share a key (an index on
//! `external_ids:namespace` may have thousands of ports per namespace).
//!
//! What a row contributes, per [`IndexPart`]:
//!
//! * [`IndexPart::Column`]: each element of the column: the atom of a scalar, each element of
//!   a set (an empty optional column contributes nothing), each key of a map. The implicit
//!   `_uuid` column is the row's UUID.
//! * [`IndexPart::MapValue`]: the value at one key of a map column (`external_ids:iface-id`),
//!   if the key is present.
//!
//! A compound index (several parts, like the schema index `["logical_port", "ip"]` of
//! `MAC_Binding`, or `["address", "datapath", "chassis"]` of `IGMP_Group` whose last two
//! columns are optional) has one key per row: one optional atom per part, `None` where the
//! column is empty or the map key absent. So its parts must hold at most one atom: columns of
//! `max` 1, the row UUID, or map values. Look it up with
//! [`Replica::lookup_compound`](super::Replica::lookup_compound).

use std::fmt;

use compact_str::CompactString;

use super::apply::coerce_atom;
use super::postings::{PostingRows, Postings};
use crate::data::{Atom, AtomicType, Datum, Row, Uuid};
use crate::schema::{Max, TableSchema};

/// One component of an index key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum IndexPart {
    /// The elements of a column: a scalar's atom, a set's elements, a map's keys, or for
    /// `_uuid`, the row's UUID.
    Column(CompactString),
    /// The value at `key` of the map column `column` (e.g. `external_ids:iface-id`).
    MapValue {
        /// The map column.
        column: CompactString,
        /// The key whose value is indexed.
        key: Atom,
    },
}

impl IndexPart {
    /// The column this part reads.
    pub fn column(&self) -> &str {
        match self {
            IndexPart::Column(c) | IndexPart::MapValue { column: c, .. } => c,
        }
    }
}

impl fmt::Display for IndexPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IndexPart::Column(c) => f.write_str(c),
            IndexPart::MapValue {
                column,
                key: Atom::String(k),
            } => write!(f, "{column}:{k}"),
            IndexPart::MapValue { column, key } => write!(f, "{column}:{key:?}"),
        }
    }
}

/// What to index: a table and one or more [`IndexPart`]s.
///
/// ```
/// use ovsdb::replica::{IndexPart, IndexSpec};
///
/// let by_iface = IndexSpec::parse("Interface", "external_ids:iface-id");
/// assert_eq!(by_iface, IndexSpec::map_value("Interface", "external_ids", "iface-id"));
/// assert_eq!(IndexSpec::parse("Logical_Switch_Port", "name").parts(),
///            [IndexPart::Column("name".into())]);
/// assert_eq!(by_iface.to_string(), "Interface(external_ids:iface-id)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IndexSpec {
    table: CompactString,
    parts: Vec<IndexPart>,
}

impl IndexSpec {
    /// An index on the elements of `column` (see [`IndexPart::Column`]).
    pub fn column(table: impl Into<CompactString>, column: impl Into<CompactString>) -> Self {
        IndexSpec {
            table: table.into(),
            parts: vec![IndexPart::Column(column.into())],
        }
    }

    /// An index on the value at `key` of the map column `column`.
    pub fn map_value(
        table: impl Into<CompactString>,
        column: impl Into<CompactString>,
        key: impl Into<Atom>,
    ) -> Self {
        IndexSpec {
            table: table.into(),
            parts: vec![IndexPart::MapValue {
                column: column.into(),
                key: key.into(),
            }],
        }
    }

    /// A compound index over several parts, each holding at most one atom (a column of `max`
    /// 1, the row UUID, or a map value), looked up with
    /// [`Replica::lookup_compound`](super::Replica::lookup_compound). With one part, it is the
    /// same as [`IndexSpec::column`] or [`IndexSpec::map_value`].
    pub fn compound(table: impl Into<CompactString>, parts: Vec<IndexPart>) -> Self {
        IndexSpec {
            table: table.into(),
            parts,
        }
    }

    /// Parses `column` or `column:key` (a string key of a map column), as the C and Python
    /// tools write them (`external_ids:iface-id`). Column names cannot contain `:`.
    pub fn parse(table: impl Into<CompactString>, spec: &str) -> Self {
        match spec.split_once(':') {
            Some((column, key)) => IndexSpec::map_value(table, column, key),
            None => IndexSpec::column(table, spec),
        }
    }

    /// The table.
    pub fn table(&self) -> &str {
        &self.table
    }

    /// The parts, in key order.
    pub fn parts(&self) -> &[IndexPart] {
        &self.parts
    }
}

impl fmt::Display for IndexSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}(", self.table)?;
        for (i, part) in self.parts.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{part}")?;
        }
        f.write_str(")")
    }
}

/// A handle to an index of one [`Replica`](super::Replica), returned by
/// [`Replica::add_index`](super::Replica::add_index) and
/// [`Replica::index_id`](super::Replica::index_id). Cheap to copy; valid for that replica
/// and its clones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IndexId {
    pub(crate) table: u32,
    pub(crate) slot: u32,
}

/// One index key: an atom of a one-part index, or an optional atom per part of a compound one.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum IndexKey {
    One(Atom),
    Many(Box<[Option<Atom>]>),
}

/// How a part reads a row, resolved against the schema.
#[derive(Debug, Clone, PartialEq)]
enum Reader {
    /// The row's UUID.
    RowUuid,
    /// A column's elements (a map's keys), of type `atomic`.
    Elements {
        column: CompactString,
        atomic: AtomicType,
    },
    /// The value at `key` of a map column, of type `atomic`.
    MapValue {
        column: CompactString,
        key: Atom,
        atomic: AtomicType,
    },
}

impl Reader {
    fn atomic(&self) -> AtomicType {
        match self {
            Reader::RowUuid => AtomicType::Uuid,
            Reader::Elements { atomic, .. } | Reader::MapValue { atomic, .. } => *atomic,
        }
    }

    /// The atoms this part contributes for a row, sorted and unique.
    fn atoms<'r>(&'r self, uuid: Uuid, row: &'r Row) -> Atoms<'r> {
        match self {
            Reader::RowUuid => Atoms::One(Some(Atom::Uuid(uuid))),
            Reader::Elements { column, .. } => match row.get(column) {
                Some(Datum::Set(s)) => Atoms::Elements(s.as_slice().iter()),
                Some(Datum::Map(m)) => Atoms::Keys(m.as_slice().iter()),
                None => Atoms::One(None),
            },
            Reader::MapValue { column, key, .. } => Atoms::One(
                row.get(column)
                    .and_then(Datum::as_map)
                    .and_then(|m| m.get(key))
                    .cloned(),
            ),
        }
    }
}

/// The atoms one part reads from a row, without collecting them.
enum Atoms<'r> {
    One(Option<Atom>),
    Elements(std::slice::Iter<'r, Atom>),
    Keys(std::slice::Iter<'r, (Atom, Atom)>),
}

impl Iterator for Atoms<'_> {
    type Item = Atom;

    fn next(&mut self) -> Option<Atom> {
        match self {
            Atoms::One(atom) => atom.take(),
            Atoms::Elements(iter) => iter.next().cloned(),
            Atoms::Keys(iter) => iter.next().map(|(k, _)| k.clone()),
        }
    }
}

/// A built index: its spec, how to read rows, and the rows of each key.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Index {
    pub(crate) spec: IndexSpec,
    readers: Vec<Reader>,
    entries: Postings,
}

impl Index {
    /// Resolves `spec` against the table's schema (the table name is checked by the caller).
    pub(crate) fn new(spec: IndexSpec, schema: &TableSchema) -> Result<Index, String> {
        if spec.parts.is_empty() {
            return Err("an index needs at least one part".into());
        }
        let compound = spec.parts.len() > 1;
        let mut readers = Vec::with_capacity(spec.parts.len());
        for part in &spec.parts {
            let column = part.column();
            let ty = &schema
                .column(column)
                .ok_or_else(|| format!("no column {column}"))?
                .column_type;
            if compound && matches!(part, IndexPart::Column(_)) && ty.max != Max::Limited(1) {
                return Err(format!(
                    "column {column} may hold several values, which a compound index cannot key"
                ));
            }
            readers.push(match part {
                IndexPart::Column(_) if column == "_uuid" => Reader::RowUuid,
                IndexPart::Column(c) => Reader::Elements {
                    column: c.clone(),
                    atomic: ty.key.atomic,
                },
                IndexPart::MapValue { column, key } => {
                    let value = ty
                        .value
                        .as_ref()
                        .ok_or_else(|| format!("column {column} is not a map"))?;
                    let key = coerce_atom(ty.key.atomic, key).unwrap_or_else(|| key.clone());
                    if key.atomic_type() != ty.key.atomic || matches!(key, Atom::NamedUuid(_)) {
                        return Err(format!(
                            "the keys of column {column} are of type {}, not {key:?}",
                            ty.key.atomic
                        ));
                    }
                    Reader::MapValue {
                        column: column.clone(),
                        key,
                        atomic: value.atomic,
                    }
                }
            });
        }
        Ok(Index {
            spec,
            readers,
            entries: Postings::default(),
        })
    }

    /// The same index with no entries, to be filled from other rows.
    pub(crate) fn emptied(&self) -> Index {
        Index {
            spec: self.spec.clone(),
            readers: self.readers.clone(),
            entries: Postings::default(),
        }
    }

    /// The keys of a row, sorted and unique: each atom of a one-part index's column, or the
    /// one key of a compound index.
    fn keys(&self, uuid: Uuid, row: &Row) -> Vec<IndexKey> {
        match self.readers.as_slice() {
            // Set elements and map keys are already sorted and unique.
            [reader] => reader.atoms(uuid, row).map(IndexKey::One).collect(),
            readers => vec![IndexKey::Many(
                readers.iter().map(|r| r.atoms(uuid, row).next()).collect(),
            )],
        }
    }

    /// Builds the entries afresh from `rows`, in one pass.
    pub(crate) fn rebuild<'r>(&mut self, rows: impl Iterator<Item = (Uuid, &'r Row)>) {
        let mut entries = Postings::with_capacity(rows.size_hint().0);
        for (uuid, row) in rows {
            match self.readers.as_slice() {
                [reader] => {
                    for atom in reader.atoms(uuid, row) {
                        entries.insert(IndexKey::One(atom), uuid);
                    }
                }
                _ => {
                    for key in self.keys(uuid, row) {
                        entries.insert(key, uuid);
                    }
                }
            }
        }
        self.entries = entries;
    }

    /// Adds a row's keys.
    pub(crate) fn insert(&mut self, uuid: Uuid, row: &Row) {
        for key in self.keys(uuid, row) {
            self.entries.insert(key, uuid);
        }
    }

    /// Moves a row from its old keys to its new ones.
    pub(crate) fn update(&mut self, uuid: Uuid, old: Option<&Row>, new: Option<&Row>) {
        if let ([reader], None, Some(new)) = (self.readers.as_slice(), old, new) {
            // The common case, an insert into a one-part index: no key vector.
            for atom in reader.atoms(uuid, new) {
                self.entries.insert(IndexKey::One(atom), uuid);
            }
            return;
        }
        let old_keys = old.map(|r| self.keys(uuid, r)).unwrap_or_default();
        let new_keys = new.map(|r| self.keys(uuid, r)).unwrap_or_default();
        if old_keys == new_keys {
            return;
        }
        for key in &old_keys {
            self.entries.remove(key, uuid);
        }
        for key in new_keys {
            self.entries.insert(key, uuid);
        }
    }

    /// The UUIDs of the rows with `key`, in UUID order. An integer finds a real key and a
    /// whole real an integer key, as values are stored converted to their column's type.
    pub(crate) fn find(&self, key: IndexKey) -> Option<PostingRows<'_>> {
        let key = match (key, self.readers.as_slice()) {
            (IndexKey::One(atom), [reader]) => IndexKey::One(coerce(reader, atom)),
            (IndexKey::Many(atoms), readers)
                if readers.len() > 1 && atoms.len() == readers.len() =>
            {
                IndexKey::Many(
                    atoms
                        .into_vec()
                        .into_iter()
                        .zip(readers)
                        .map(|(a, r)| a.map(|a| coerce(r, a)))
                        .collect(),
                )
            }
            _ => return None,
        };
        Some(self.entries.get(&key))
    }

    /// Number of `(key, row)` entries.
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}

/// A lookup atom converted to the type of the atoms a part reads.
fn coerce(reader: &Reader, atom: Atom) -> Atom {
    coerce_atom(reader.atomic(), &atom).unwrap_or(atom)
}
