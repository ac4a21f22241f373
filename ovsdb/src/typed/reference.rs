//! [`Ref<T>`]: a typed reference to a row of table `T`.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;

use crate::data::{Atom, AtomicType, Datum, Uuid};
use crate::ops::UuidName;

use super::value::{scalar_from_datum, Atomic, Value, ValueError};

/// A reference to a row of table `T`: the row's UUID, or, inside a transaction that inserts
/// the row, the `uuid-name` of that insert (see
/// [`Transaction::insert`](super::Transaction::insert)).
///
/// Rows read from a server only hold UUIDs; a named reference only means something in the
/// transaction that defines the name.
///
/// ```
/// use ovsdb::data::Uuid;
/// use ovsdb::typed::Ref;
///
/// struct Port;
/// let u = Uuid::new_v4();
/// let r: Ref<Port> = Ref::new(u);
/// assert_eq!(r.uuid(), Some(u));
/// ```
pub struct Ref<T> {
    target: Target,
    table: PhantomData<fn() -> T>,
}

#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Target {
    Uuid(Uuid),
    Named(UuidName),
}

impl<T> Ref<T> {
    /// A reference to the row with this UUID.
    pub const fn new(uuid: Uuid) -> Self {
        Ref {
            target: Target::Uuid(uuid),
            table: PhantomData,
        }
    }

    /// A reference to the row inserted under `name` in the same transaction.
    pub fn named(name: UuidName) -> Self {
        Ref {
            target: Target::Named(name),
            table: PhantomData,
        }
    }

    /// The UUID, unless this is a named reference.
    pub fn uuid(&self) -> Option<Uuid> {
        match &self.target {
            Target::Uuid(u) => Some(*u),
            Target::Named(_) => None,
        }
    }

    /// The `uuid-name`, if this is a named reference.
    pub fn name(&self) -> Option<&UuidName> {
        match &self.target {
            Target::Named(n) => Some(n),
            Target::Uuid(_) => None,
        }
    }

    /// The same reference, seen as a reference to another table type (for instance from a
    /// generated row type to a user's `#[derive(Table)]` view of the same table).
    pub fn cast<U>(self) -> Ref<U> {
        Ref {
            target: self.target,
            table: PhantomData,
        }
    }
}

impl<T> Clone for Ref<T> {
    fn clone(&self) -> Self {
        Ref {
            target: self.target.clone(),
            table: PhantomData,
        }
    }
}

impl<T> PartialEq for Ref<T> {
    fn eq(&self, other: &Self) -> bool {
        self.target == other.target
    }
}

impl<T> Eq for Ref<T> {}

impl<T> PartialOrd for Ref<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<T> Ord for Ref<T> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.target.cmp(&other.target)
    }
}

impl<T> Hash for Ref<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.target.hash(state)
    }
}

impl<T> Default for Ref<T> {
    /// The all-zero UUID, which references no row.
    fn default() -> Self {
        Ref::new(Uuid::NIL)
    }
}

impl<T> fmt::Debug for Ref<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.target {
            Target::Uuid(u) => write!(f, "{u}"),
            Target::Named(n) => write!(f, "@{n}"),
        }
    }
}

impl<T> fmt::Display for Ref<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

impl<T> From<Uuid> for Ref<T> {
    fn from(uuid: Uuid) -> Self {
        Ref::new(uuid)
    }
}

impl<T> Atomic for Ref<T> {
    const ATOMIC_TYPE: AtomicType = AtomicType::Uuid;
    fn to_atom(&self) -> Atom {
        match &self.target {
            Target::Uuid(u) => Atom::Uuid(*u),
            Target::Named(n) => n.reference(),
        }
    }
    fn from_atom(atom: &Atom) -> Result<Self, ValueError> {
        match atom {
            Atom::Uuid(u) => Ok(Ref::new(*u)),
            Atom::NamedUuid(n) => UuidName::new(n)
                .map(Ref::named)
                .map_err(|e| ValueError::BadReference(e.to_string())),
            other => Uuid::from_atom(other).map(Ref::new),
        }
    }
}

impl<T> Value for Ref<T> {
    fn to_datum(&self) -> Datum {
        Datum::from(self.to_atom())
    }
    fn from_datum(datum: &Datum) -> Result<Self, ValueError> {
        scalar_from_datum(datum)
    }
}
