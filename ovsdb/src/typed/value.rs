//! [`Atomic`] and [`Value`]: how Rust values map to OVSDB atoms and datums.
//!
//! | column type (`min..max`)     | Rust type                     |
//! |------------------------------|-------------------------------|
//! | scalar (`1..1`)              | `T`                           |
//! | optional (`0..1`)            | `Option<T>`                   |
//! | set (anything else)          | `BTreeSet<T>` (`Vec<f64>` for reals, which are not `Ord`) |
//! | map                          | `BTreeMap<K, V>`              |
//!
//! where `T`, `K` and `V` are [`Atomic`]: `i64`, `f64`, `bool`, `String`,
//! [`Uuid`], [`Ref<T>`](super::Ref), or a generated enum. Sets are `BTreeSet` rather than `Vec`
//! because a set column has set semantics: no duplicates, order irrelevant, and equality
//! independent of order; `BTreeSet` also iterates in the order ovsdb-server sorts atoms, so a
//! typed row prints like `ovn-nbctl` prints it.
//!
//! Decoding is tolerant where a newer server may differ (an enum value it added decodes as the
//! enum's unknown variant) and strict where the data cannot be represented (a string where an
//! integer is expected, two values for an optional column): those are [`ValueError`]s, never
//! panics.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use compact_str::CompactString;

use crate::data::{Atom, AtomicType, Datum, Map, Set, Uuid};

/// Why a datum could not be turned into a typed value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    /// An atom of the wrong type.
    #[error("expected {expected}, found {found}")]
    WrongType {
        /// The atomic type wanted.
        expected: AtomicType,
        /// What the datum held, as text.
        found: String,
    },
    /// A set where a map was wanted, or the other way round.
    #[error("expected a {expected}, found a {found}")]
    WrongShape {
        /// `"set"` or `"map"`.
        expected: &'static str,
        /// `"set"` or `"map"`.
        found: &'static str,
    },
    /// The number of elements does not fit the Rust type (e.g. two for an `Option`).
    #[error("expected {expected} element(s), found {found}")]
    WrongCount {
        /// What the type holds, e.g. `"exactly 1"` or `"at most 1"`.
        expected: &'static str,
        /// How many the datum has.
        found: usize,
    },
    /// A named UUID where a real one is required.
    #[error("invalid reference: {0}")]
    BadReference(String),
}

fn wrong_type(expected: AtomicType, atom: &Atom) -> ValueError {
    let mut found = format!("{atom:?}");
    if found.len() > 64 {
        let mut cut = 64;
        while !found.is_char_boundary(cut) {
            cut -= 1;
        }
        found.truncate(cut);
        found.push_str("...");
    }
    ValueError::WrongType { expected, found }
}

/// A Rust type that is one OVSDB atom: the element type of scalar, optional and set columns,
/// and the key and value types of map columns.
pub trait Atomic: Sized + Clone + PartialEq + fmt::Debug {
    /// The OVSDB type of the atom.
    const ATOMIC_TYPE: AtomicType;

    /// The atom.
    fn to_atom(&self) -> Atom;

    /// The value of an atom; an atom of another type is an error.
    fn from_atom(atom: &Atom) -> Result<Self, ValueError>;
}

impl Atomic for i64 {
    const ATOMIC_TYPE: AtomicType = AtomicType::Integer;
    fn to_atom(&self) -> Atom {
        Atom::Integer(*self)
    }
    fn from_atom(atom: &Atom) -> Result<Self, ValueError> {
        atom.as_integer()
            .ok_or_else(|| wrong_type(AtomicType::Integer, atom))
    }
}

impl Atomic for f64 {
    const ATOMIC_TYPE: AtomicType = AtomicType::Real;
    fn to_atom(&self) -> Atom {
        Atom::Real(*self)
    }
    /// Also accepts an integer: ovsdb-server writes the real `2.0` as `2`, which untyped
    /// decoding reads as an integer.
    fn from_atom(atom: &Atom) -> Result<Self, ValueError> {
        match atom {
            Atom::Real(r) => Ok(*r),
            Atom::Integer(i) => Ok(*i as f64),
            _ => Err(wrong_type(AtomicType::Real, atom)),
        }
    }
}

impl Atomic for bool {
    const ATOMIC_TYPE: AtomicType = AtomicType::Boolean;
    fn to_atom(&self) -> Atom {
        Atom::Boolean(*self)
    }
    fn from_atom(atom: &Atom) -> Result<Self, ValueError> {
        atom.as_bool()
            .ok_or_else(|| wrong_type(AtomicType::Boolean, atom))
    }
}

impl Atomic for String {
    const ATOMIC_TYPE: AtomicType = AtomicType::String;
    fn to_atom(&self) -> Atom {
        Atom::String(CompactString::from(self.as_str()))
    }
    fn from_atom(atom: &Atom) -> Result<Self, ValueError> {
        atom.as_str()
            .map(str::to_owned)
            .ok_or_else(|| wrong_type(AtomicType::String, atom))
    }
}

impl Atomic for CompactString {
    const ATOMIC_TYPE: AtomicType = AtomicType::String;
    fn to_atom(&self) -> Atom {
        Atom::String(self.clone())
    }
    fn from_atom(atom: &Atom) -> Result<Self, ValueError> {
        match atom {
            Atom::String(s) => Ok(s.clone()),
            _ => Err(wrong_type(AtomicType::String, atom)),
        }
    }
}

impl Atomic for Uuid {
    const ATOMIC_TYPE: AtomicType = AtomicType::Uuid;
    fn to_atom(&self) -> Atom {
        Atom::Uuid(*self)
    }
    fn from_atom(atom: &Atom) -> Result<Self, ValueError> {
        match atom {
            Atom::Uuid(u) => Ok(*u),
            Atom::NamedUuid(n) => Err(ValueError::BadReference(format!(
                "named-uuid \"{n}\" where a UUID is required"
            ))),
            _ => Err(wrong_type(AtomicType::Uuid, atom)),
        }
    }
}

/// A Rust type that is a whole column value (a datum): see the [module docs](self) for the
/// mapping. Columns missing from a dynamic row decode as [`Default::default`], the value
/// ovsdb-server gives a column nobody set (or, for a generated enum, its first value).
pub trait Value: Sized + Clone + PartialEq + fmt::Debug + Default {
    /// The datum.
    fn to_datum(&self) -> Datum;

    /// The value of a datum.
    fn from_datum(datum: &Datum) -> Result<Self, ValueError>;
}

/// The atoms of a datum that should be a set. An empty map is accepted as an empty set: an
/// empty datum carries no type of its own in untyped JSON.
fn set_atoms(datum: &Datum) -> Result<&[Atom], ValueError> {
    match datum {
        Datum::Set(s) => Ok(s.as_slice()),
        Datum::Map(m) if m.is_empty() => Ok(&[]),
        Datum::Map(_) => Err(ValueError::WrongShape {
            expected: "set",
            found: "map",
        }),
    }
}

/// The pairs of a datum that should be a map (an empty set counts as an empty map).
fn map_pairs(datum: &Datum) -> Result<&[(Atom, Atom)], ValueError> {
    match datum {
        Datum::Map(m) => Ok(m.as_slice()),
        Datum::Set(s) if s.is_empty() => Ok(&[]),
        Datum::Set(_) => Err(ValueError::WrongShape {
            expected: "map",
            found: "set",
        }),
    }
}

macro_rules! scalar_value {
    ($($t:ty),*) => {$(
        impl Value for $t {
            fn to_datum(&self) -> Datum {
                Datum::from(self.to_atom())
            }
            fn from_datum(datum: &Datum) -> Result<Self, ValueError> {
                scalar_from_datum(datum)
            }
        }
    )*};
}

scalar_value!(i64, f64, bool, String, CompactString, Uuid);

/// The value of a scalar (`1..1`) column: exactly one atom. Generated enums and
/// [`Ref`](super::Ref) implement [`Value`] with it.
pub fn scalar_from_datum<A: Atomic>(datum: &Datum) -> Result<A, ValueError> {
    match set_atoms(datum)? {
        [one] => A::from_atom(one),
        other => Err(ValueError::WrongCount {
            expected: "exactly 1",
            found: other.len(),
        }),
    }
}

impl<A: Atomic> Value for Option<A> {
    fn to_datum(&self) -> Datum {
        match self {
            Some(a) => Datum::from(a.to_atom()),
            None => Datum::empty_set(),
        }
    }
    fn from_datum(datum: &Datum) -> Result<Self, ValueError> {
        match set_atoms(datum)? {
            [] => Ok(None),
            [one] => A::from_atom(one).map(Some),
            other => Err(ValueError::WrongCount {
                expected: "at most 1",
                found: other.len(),
            }),
        }
    }
}

impl<A: Atomic + Ord> Value for BTreeSet<A> {
    fn to_datum(&self) -> Datum {
        Datum::Set(Set::from_atoms(self.iter().map(Atomic::to_atom).collect()))
    }
    fn from_datum(datum: &Datum) -> Result<Self, ValueError> {
        set_atoms(datum)?.iter().map(A::from_atom).collect()
    }
}

/// Sets of atoms that are not `Ord` (reals), in the datum's (sorted) order.
impl<A: Atomic> Value for Vec<A> {
    fn to_datum(&self) -> Datum {
        Datum::Set(Set::from_atoms(self.iter().map(Atomic::to_atom).collect()))
    }
    fn from_datum(datum: &Datum) -> Result<Self, ValueError> {
        set_atoms(datum)?.iter().map(A::from_atom).collect()
    }
}

impl<K: Atomic + Ord, V: Atomic> Value for BTreeMap<K, V> {
    fn to_datum(&self) -> Datum {
        Datum::Map(Map::from_pairs(
            self.iter()
                .map(|(k, v)| (k.to_atom(), v.to_atom()))
                .collect(),
        ))
    }
    fn from_datum(datum: &Datum) -> Result<Self, ValueError> {
        map_pairs(datum)?
            .iter()
            .map(|(k, v)| Ok((K::from_atom(k)?, V::from_atom(v)?)))
            .collect()
    }
}

/// Maps whose keys are not `Ord` (reals), as pairs in the datum's (key-sorted) order.
impl<K: Atomic, V: Atomic> Value for Vec<(K, V)> {
    fn to_datum(&self) -> Datum {
        Datum::Map(Map::from_pairs(
            self.iter()
                .map(|(k, v)| (k.to_atom(), v.to_atom()))
                .collect(),
        ))
    }
    fn from_datum(datum: &Datum) -> Result<Self, ValueError> {
        map_pairs(datum)?
            .iter()
            .map(|(k, v)| Ok((K::from_atom(k)?, V::from_atom(v)?)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_and_counts() {
        assert_eq!(i64::from_datum(&Datum::from(Atom::Integer(3))), Ok(3));
        assert!(matches!(
            i64::from_datum(&Datum::empty_set()),
            Err(ValueError::WrongCount { found: 0, .. })
        ));
        assert_eq!(Option::<i64>::from_datum(&Datum::empty_set()), Ok(None));
        assert_eq!(Option::<i64>::from_datum(&Datum::empty_map()), Ok(None));
        assert!(Option::<i64>::from_datum(&Datum::set([1i64, 2])).is_err());
        assert!(String::from_datum(&Datum::from(Atom::Integer(1))).is_err());
        assert_eq!(f64::from_datum(&Datum::from(Atom::Integer(2))), Ok(2.0));
        let m: BTreeMap<String, String> =
            Value::from_datum(&Datum::map([("a", "1"), ("b", "2")])).unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(m.to_datum(), Datum::map([("b", "2"), ("a", "1")]));
        assert_eq!(
            BTreeMap::<String, String>::from_datum(&Datum::empty_set()),
            Ok(BTreeMap::new())
        );
        assert!(BTreeMap::<String, String>::from_datum(&Datum::set(["x"])).is_err());
        assert!(BTreeSet::<String>::from_datum(&Datum::map([("k", "v")])).is_err());
        let reals: Vec<f64> = Value::from_datum(&Datum::set([2.5, 1.5])).unwrap();
        assert_eq!(reals, vec![1.5, 2.5]);
        assert!(Uuid::from_datum(&Datum::from(Atom::named_uuid("x"))).is_err());
    }
}
