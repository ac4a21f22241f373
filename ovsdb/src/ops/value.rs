//! [`IntoDatum`]: what the condition, mutation and operation constructors accept as a value.

use crate::data::{Atom, Datum, Map, Set};

/// Anything that converts into a [`Datum`]: a [`Datum`], [`Set`] or [`Map`], or anything that
/// converts into an [`Atom`] (`i64`, `f64`, `bool`, `&str`, `String`, [`Uuid`](crate::data::Uuid),
/// an [`Atom`] itself), which becomes a one-element set, the value of a scalar column.
///
/// It lets the constructors take plain values:
///
/// ```
/// use ovsdb::data::{Atom, Datum};
/// use ovsdb::ops::Condition;
///
/// assert_eq!(Condition::eq("name", "sw0").value, Datum::from(Atom::from("sw0")));
/// assert_eq!(Condition::ge("tag", 7i64).value, Datum::from(Atom::Integer(7)));
/// ```
pub trait IntoDatum {
    /// Performs the conversion.
    fn into_datum(self) -> Datum;
}

impl<T: Into<Atom>> IntoDatum for T {
    fn into_datum(self) -> Datum {
        Datum::from(self.into())
    }
}

impl IntoDatum for Datum {
    fn into_datum(self) -> Datum {
        self
    }
}

impl IntoDatum for Set {
    fn into_datum(self) -> Datum {
        Datum::Set(self)
    }
}

impl IntoDatum for Map {
    fn into_datum(self) -> Datum {
        Datum::Map(self)
    }
}
