//! Column diffs: the `modify` form of `update2` / `update3` (ovsdb-server(7) section 4.1.14).
//!
//! A `modify` row carries, for each changed column, the *difference* between the old and the
//! new value, computed by ovsdb-server's `ovsdb_datum_diff` and applied by clients with
//! `ovsdb_datum_apply_diff` (`lib/ovsdb-data.c`). The rules, by column type:
//!
//! | column type                                    | diff                     | applying it               |
//! |------------------------------------------------|--------------------------|---------------------------|
//! | at most one element (`max` 1): scalars, optional scalars (`min` 0, `max` 1), maps with `max` 1 | the new value | replace the old value |
//! | set with `max` > 1                             | elements in exactly one of old and new | toggle each element: remove it if present, add it if absent |
//! | map with `max` > 1                             | pairs whose key is in only one of old and new, plus the new pair for each key whose value changed | for each pair: key absent, insert it; present with the same value, remove it; present with another value, replace the value |
//!
//! The split is on `max`, not on "scalar or not": `ovsdb_datum_diff` only diffs *composite*
//! types (`ovsdb_type_is_composite`: `n_max > 1`), so an optional column such as
//! `Logical_Switch_Port.tag_request` changing from 5 to 7 is sent as `7` (not the symmetric
//! difference `[5, 7]`), and clearing it is sent as `["set", []]`. The real-server tests in
//! `ovsdb/tests/replica.rs` check every rule against the bytes ovsdb-server 3.1 sends.
//!
//! ```
//! use ovsdb::data::{AtomicType, Datum};
//! use ovsdb::replica::diff::{apply_diff, diff};
//! use ovsdb::schema::{ColumnType, Max};
//!
//! let ty = ColumnType::map(AtomicType::String, AtomicType::String, 0, Max::Unlimited);
//! let old = Datum::map([("k1", "v1"), ("k2", "v2")]);
//! let new = Datum::map([("k1", "v1"), ("k2", "X"), ("k3", "v3")]);
//! let d = diff(&ty, &old, &new);
//! assert_eq!(d, Datum::map([("k2", "X"), ("k3", "v3")]));
//! assert_eq!(apply_diff(&ty, &old, &d).unwrap(), new);
//! ```

use std::cmp::Ordering;

use crate::data::{Atom, Datum, Map, Set};
use crate::schema::{ColumnType, ConstraintViolation, DatumKind, Max};

/// True if a diff of this column type is the whole new value (the type holds at most one
/// element), false if it is an element-wise difference.
pub fn diff_is_replacement(ty: &ColumnType) -> bool {
    ty.max == Max::Limited(1)
}

/// Applies the column diff `diff` to `old`, giving the new value (`ovsdb_datum_apply_diff`).
///
/// Only the shape is checked here (a map diff for a set column, or the reverse, is refused);
/// the caller checks the result against the column type (cardinality, atom types, enums),
/// as `ovsdb_datum_apply_diff` checks the size of the result. An empty set stands for an empty
/// map (the untyped decoder cannot tell `["set", []]` from an empty map).
pub fn apply_diff(
    ty: &ColumnType,
    old: &Datum,
    diff: &Datum,
) -> Result<Datum, ConstraintViolation> {
    if diff_is_replacement(ty) {
        return Ok(diff.clone());
    }
    if ty.is_map() {
        let diff = as_map(diff)?;
        let old = as_map(old)?;
        Ok(Datum::Map(Map::from_pairs(apply_map_diff(
            old.as_slice(),
            diff.as_slice(),
        ))))
    } else {
        let diff = as_set(diff)?;
        let old = as_set(old)?;
        Ok(Datum::Set(Set::from_atoms(symmetric_difference(
            old.as_slice(),
            diff.as_slice(),
        ))))
    }
}

/// The diff ovsdb-server sends when a column of type `ty` changes from `old` to `new`
/// (`ovsdb_datum_diff`); [`apply_diff`] of it to `old` gives back `new`. Both values must be of
/// the column's shape; a value of the wrong shape counts as empty.
pub fn diff(ty: &ColumnType, old: &Datum, new: &Datum) -> Datum {
    if diff_is_replacement(ty) {
        return new.clone();
    }
    if ty.is_map() {
        let empty = Map::new();
        let old = as_map(old).unwrap_or(&empty);
        let new = as_map(new).unwrap_or(&empty);
        Datum::Map(Map::from_pairs(map_diff(old.as_slice(), new.as_slice())))
    } else {
        let empty = Set::new();
        let old = as_set(old).unwrap_or(&empty);
        let new = as_set(new).unwrap_or(&empty);
        Datum::Set(Set::from_atoms(symmetric_difference(
            old.as_slice(),
            new.as_slice(),
        )))
    }
}

static EMPTY_MAP: Map = Map::new();

fn as_map(d: &Datum) -> Result<&Map, ConstraintViolation> {
    match d {
        Datum::Map(m) => Ok(m),
        Datum::Set(s) if s.is_empty() => Ok(&EMPTY_MAP),
        Datum::Set(_) => Err(ConstraintViolation::Shape {
            expected: DatumKind::Map,
            found: DatumKind::Set,
        }),
    }
}

fn as_set(d: &Datum) -> Result<&Set, ConstraintViolation> {
    match d {
        Datum::Set(s) => Ok(s),
        Datum::Map(_) => Err(ConstraintViolation::Shape {
            expected: DatumKind::Set,
            found: DatumKind::Map,
        }),
    }
}

/// Elements in exactly one of two sorted slices, sorted. Toggling `b`'s elements in `a`.
fn symmetric_difference(a: &[Atom], b: &[Atom]) -> Vec<Atom> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut a, mut b) = (a.iter().peekable(), b.iter().peekable());
    loop {
        match (a.peek(), b.peek()) {
            (Some(x), Some(y)) => match x.cmp(y) {
                Ordering::Less => out.extend(a.next().cloned()),
                Ordering::Greater => out.extend(b.next().cloned()),
                Ordering::Equal => {
                    a.next();
                    b.next();
                }
            },
            (Some(_), None) => {
                out.extend(a.cloned());
                break;
            }
            (None, _) => {
                out.extend(b.cloned());
                break;
            }
        }
    }
    out
}

/// Applies a map diff (both slices sorted by key): absent keys are inserted, pairs equal to
/// the old pair removed, other values replaced.
fn apply_map_diff(old: &[(Atom, Atom)], diff: &[(Atom, Atom)]) -> Vec<(Atom, Atom)> {
    let mut out = Vec::with_capacity(old.len() + diff.len());
    let (mut o, mut d) = (old.iter().peekable(), diff.iter().peekable());
    loop {
        match (o.peek(), d.peek()) {
            (Some(x), Some(y)) => match x.0.cmp(&y.0) {
                Ordering::Less => out.extend(o.next().cloned()),
                Ordering::Greater => out.extend(d.next().cloned()),
                Ordering::Equal => {
                    if x.1 != y.1 {
                        out.push((*y).clone());
                    }
                    o.next();
                    d.next();
                }
            },
            (Some(_), None) => {
                out.extend(o.cloned());
                break;
            }
            (None, _) => {
                out.extend(d.cloned());
                break;
            }
        }
    }
    out
}

/// The map diff from `old` to `new` (both sorted by key).
fn map_diff(old: &[(Atom, Atom)], new: &[(Atom, Atom)]) -> Vec<(Atom, Atom)> {
    let mut out = Vec::new();
    let (mut o, mut n) = (old.iter().peekable(), new.iter().peekable());
    loop {
        match (o.peek(), n.peek()) {
            (Some(x), Some(y)) => match x.0.cmp(&y.0) {
                Ordering::Less => out.extend(o.next().cloned()),
                Ordering::Greater => out.extend(n.next().cloned()),
                Ordering::Equal => {
                    if x.1 != y.1 {
                        out.push((*y).clone());
                    }
                    o.next();
                    n.next();
                }
            },
            (Some(_), None) => {
                out.extend(o.cloned());
                break;
            }
            (None, _) => {
                out.extend(n.cloned());
                break;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::AtomicType;

    fn strings(max: Max) -> ColumnType {
        ColumnType::set(AtomicType::String, 0, max)
    }

    fn smap() -> ColumnType {
        ColumnType::map(AtomicType::String, AtomicType::String, 0, Max::Unlimited)
    }

    #[test]
    fn scalar_diff_is_the_new_value() {
        let ty = ColumnType::scalar(AtomicType::Integer);
        let d = diff(&ty, &Datum::from(5i64), &Datum::from(7i64));
        assert_eq!(d, Datum::from(7i64));
        assert_eq!(
            apply_diff(&ty, &Datum::from(5i64), &d).unwrap(),
            Datum::from(7i64)
        );
    }

    #[test]
    fn optional_diff_is_the_new_value_not_a_toggle() {
        // What ovsdb-server 3.1 sends for tag_request 5 -> 7, 7 -> [], [] -> 9.
        let ty = ColumnType::optional(AtomicType::Integer);
        let five = Datum::from(5i64);
        let seven = Datum::from(7i64);
        assert_eq!(diff(&ty, &five, &seven), seven);
        assert_eq!(apply_diff(&ty, &five, &seven).unwrap(), seven);
        let empty = Datum::empty_set();
        assert_eq!(diff(&ty, &seven, &empty), empty);
        assert_eq!(apply_diff(&ty, &seven, &empty).unwrap(), empty);
        assert_eq!(
            apply_diff(&ty, &empty, &Datum::from(9i64)).unwrap(),
            9i64.into()
        );
        // A map of at most one pair is replaced too.
        let one = ColumnType::map(AtomicType::String, AtomicType::String, 0, Max::Limited(1));
        let m = Datum::map([("b", "2")]);
        assert_eq!(apply_diff(&one, &Datum::map([("a", "1")]), &m).unwrap(), m);
    }

    #[test]
    fn set_diff_toggles_elements() {
        let ty = strings(Max::Unlimited);
        let old = Datum::set(["a", "b"]);
        let new = Datum::set(["b", "c"]);
        let d = diff(&ty, &old, &new);
        assert_eq!(d, Datum::set(["a", "c"]));
        assert_eq!(apply_diff(&ty, &old, &d).unwrap(), new);
        // Adding to and emptying a set.
        assert_eq!(
            apply_diff(&ty, &Datum::empty_set(), &Datum::set(["x"])).unwrap(),
            Datum::set(["x"])
        );
        assert_eq!(
            apply_diff(&ty, &Datum::set(["x", "y"]), &Datum::set(["y", "x"])).unwrap(),
            Datum::empty_set()
        );
        // A bounded set with max 2 still diffs element-wise.
        let ty2 = strings(Max::Limited(2));
        assert_eq!(
            apply_diff(&ty2, &Datum::set(["a"]), &Datum::set(["a", "b"])).unwrap(),
            Datum::set(["b"])
        );
    }

    #[test]
    fn map_diff_inserts_removes_and_replaces() {
        let ty = smap();
        let old = Datum::map([("k1", "v1"), ("k2", "v2")]);
        // Key absent: inserted. Same value: removed. Other value: replaced.
        let d = Datum::map([("k0", "new"), ("k1", "v1"), ("k2", "X")]);
        assert_eq!(
            apply_diff(&ty, &old, &d).unwrap(),
            Datum::map([("k0", "new"), ("k2", "X")])
        );
        // What ovsdb-server 3.1 sends for {k1:v1,k2:X,k3:v3} -> {k3:v3}.
        let before = Datum::map([("k1", "v1"), ("k2", "X"), ("k3", "v3")]);
        let after = Datum::map([("k3", "v3")]);
        let d = diff(&ty, &before, &after);
        assert_eq!(d, Datum::map([("k1", "v1"), ("k2", "X")]));
        assert_eq!(apply_diff(&ty, &before, &d).unwrap(), after);
        // An empty set stands for an empty map.
        assert_eq!(
            apply_diff(&ty, &Datum::empty_set(), &Datum::map([("a", "b")])).unwrap(),
            Datum::map([("a", "b")])
        );
        assert_eq!(apply_diff(&ty, &old, &Datum::empty_set()).unwrap(), old);
    }

    #[test]
    fn wrong_shapes_are_refused() {
        let shape = |expected, found| ConstraintViolation::Shape { expected, found };
        assert_eq!(
            apply_diff(
                &strings(Max::Unlimited),
                &Datum::empty_set(),
                &Datum::map([("a", "b")])
            ),
            Err(shape(DatumKind::Set, DatumKind::Map))
        );
        assert_eq!(
            apply_diff(&smap(), &Datum::empty_map(), &Datum::set(["a"])),
            Err(shape(DatumKind::Map, DatumKind::Set))
        );
    }
}
