//! The OVSDB data model (RFC 7047 5.1 notation): UUIDs, atoms, sets, maps and rows, with their
//! exact JSON encodings.

pub mod atom;
pub mod datum;
pub mod row;
pub mod text;
pub mod uuid;

pub use self::atom::{is_id, Atom, AtomicType};
pub use self::datum::{Datum, Map, Set};
pub use self::row::{ColumnPicker, Row};
pub use self::uuid::Uuid;
pub use compact_str::CompactString;

#[cfg(test)]
pub(crate) mod proptests;
