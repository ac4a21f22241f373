//! `Datum`: the value of a column, a set or a map of atoms (RFC 7047 5.1 `<value>`).

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, SeqAccess, Visitor};
use serde::ser::{SerializeSeq, SerializeTuple, Serializer};
use serde::{Deserialize, Serialize};
use smallvec::SmallVec;

use super::atom::{tagged_atom, Atom, AtomVisitor};
use super::uuid::TagStr;

/// A set of atoms, kept sorted and free of duplicates (as `ovsdb-data.c` keeps them).
///
/// A scalar column holds a set of exactly one atom; an optional column a set of zero or one.
/// A one-atom set holds its atom in place (no allocation): most columns of most rows are
/// scalars.
#[derive(Clone)]
pub struct Set(Atoms);

/// A set's atoms: `Empty`, `One` for exactly one, `Many` for two or more (in a slice of
/// exactly their size), so every set has one representation. With a boxed slice `Many`
/// fits beside `One` in an atom's 24 bytes, and so does a [`Map`] in a [`Datum`].
#[derive(Clone)]
enum Atoms {
    Empty,
    One(Atom),
    Many(Box<[Atom]>),
}

/// A map from atoms to atoms, kept sorted by key with unique keys.
///
/// The pairs are kept in a slice of exactly their number (`None` when there are none).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Map(Option<Box<[(Atom, Atom)]>>);

impl Set {
    /// The empty set.
    pub const fn new() -> Self {
        Set(Atoms::Empty)
    }

    /// A set of sorted, unique atoms.
    fn from_sorted(mut atoms: Vec<Atom>) -> Self {
        match atoms.len() {
            0 => Set(Atoms::Empty),
            1 => match atoms.pop() {
                Some(a) => Set(Atoms::One(a)),
                None => Set(Atoms::Empty),
            },
            _ => Set(Atoms::Many(atoms.into_boxed_slice())),
        }
    }

    /// Builds a set from atoms in any order; duplicates collapse to one.
    pub fn from_atoms(mut atoms: Vec<Atom>) -> Self {
        if !atoms.windows(2).all(|w| w[0] < w[1]) {
            atoms.sort();
            atoms.dedup();
        }
        Set::from_sorted(atoms)
    }

    /// Builds a set from atoms that must already be strictly increasing; `Err` gives the
    /// first duplicate if there is one (after sorting).
    fn from_wire(mut atoms: Vec<Atom>) -> Result<Self, Atom> {
        if !atoms.windows(2).all(|w| w[0] < w[1]) {
            atoms.sort();
            if let Some(w) = atoms.windows(2).find(|w| w[0] == w[1]) {
                return Err(w[0].clone());
            }
        }
        Ok(Set::from_sorted(atoms))
    }

    /// The atoms, in order.
    pub fn as_slice(&self) -> &[Atom] {
        match &self.0 {
            Atoms::Empty => &[],
            Atoms::One(a) => std::slice::from_ref(a),
            Atoms::Many(v) => v,
        }
    }

    /// Number of atoms.
    pub fn len(&self) -> usize {
        self.as_slice().len()
    }

    /// True if empty.
    pub fn is_empty(&self) -> bool {
        self.as_slice().is_empty()
    }

    /// True if `atom` is in the set (binary search).
    pub fn contains(&self, atom: &Atom) -> bool {
        self.as_slice().binary_search(atom).is_ok()
    }

    /// Adds an atom; returns false if it was already there.
    pub fn insert(&mut self, atom: Atom) -> bool {
        let i = match self.as_slice().binary_search(&atom) {
            Ok(_) => return false,
            Err(i) => i,
        };
        let mut atoms = std::mem::take(self).into_vec();
        atoms.insert(i, atom);
        *self = Set::from_sorted(atoms);
        true
    }

    /// Removes an atom; returns false if it was not there.
    pub fn remove(&mut self, atom: &Atom) -> bool {
        let i = match self.as_slice().binary_search(atom) {
            Ok(i) => i,
            Err(_) => return false,
        };
        let mut atoms = std::mem::take(self).into_vec();
        atoms.remove(i);
        *self = Set::from_sorted(atoms);
        true
    }

    /// Iterates over the atoms in order.
    pub fn iter(&self) -> std::slice::Iter<'_, Atom> {
        self.as_slice().iter()
    }

    /// The atoms, consuming the set.
    pub fn into_vec(self) -> Vec<Atom> {
        match self.0 {
            Atoms::Empty => Vec::new(),
            Atoms::One(a) => vec![a],
            Atoms::Many(v) => v.into_vec(),
        }
    }
}

impl Default for Set {
    fn default() -> Self {
        Set::new()
    }
}

impl PartialEq for Set {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for Set {}

impl PartialOrd for Set {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Set {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_slice().cmp(other.as_slice())
    }
}

impl std::hash::Hash for Set {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_slice().hash(state);
    }
}

impl Map {
    /// The empty map.
    pub const fn new() -> Self {
        Map(None)
    }

    /// A map of pairs sorted by key, keys unique.
    fn from_sorted(pairs: Vec<(Atom, Atom)>) -> Self {
        if pairs.is_empty() {
            Map(None)
        } else {
            Map(Some(pairs.into_boxed_slice()))
        }
    }

    /// Builds a map from pairs in any order; for a repeated key the last value wins
    /// (like `BTreeMap::from_iter`).
    pub fn from_pairs(mut pairs: Vec<(Atom, Atom)>) -> Self {
        if !pairs.windows(2).all(|w| w[0].0 < w[1].0) {
            // Stable sort keeps insertion order among equal keys; keep the last of each run.
            pairs.sort_by(|a, b| a.0.cmp(&b.0));
            let mut out: Vec<(Atom, Atom)> = Vec::with_capacity(pairs.len());
            for p in pairs {
                match out.last_mut() {
                    Some(last) if last.0 == p.0 => *last = p,
                    _ => out.push(p),
                }
            }
            pairs = out;
        }
        Map::from_sorted(pairs)
    }

    fn from_wire(mut pairs: Vec<(Atom, Atom)>) -> Result<Self, Atom> {
        if !pairs.windows(2).all(|w| w[0].0 < w[1].0) {
            pairs.sort_by(|a, b| a.0.cmp(&b.0));
            if let Some(w) = pairs.windows(2).find(|w| w[0].0 == w[1].0) {
                return Err(w[0].0.clone());
            }
        }
        Ok(Map::from_sorted(pairs))
    }

    /// The pairs, in key order.
    pub fn as_slice(&self) -> &[(Atom, Atom)] {
        self.0.as_deref().unwrap_or(&[])
    }

    /// Number of pairs.
    pub fn len(&self) -> usize {
        self.as_slice().len()
    }

    /// True if empty.
    pub fn is_empty(&self) -> bool {
        self.as_slice().is_empty()
    }

    /// The value for `key` (binary search).
    pub fn get(&self, key: &Atom) -> Option<&Atom> {
        let pairs = self.as_slice();
        pairs
            .binary_search_by(|(k, _)| k.cmp(key))
            .ok()
            .map(|i| &pairs[i].1)
    }

    /// The value for a string key, the common case (`external_ids:iface-id`).
    pub fn get_str(&self, key: &str) -> Option<&Atom> {
        let pairs = self.as_slice();
        pairs
            .binary_search_by(|(k, _)| match k {
                Atom::String(s) => s.as_bytes().cmp(key.as_bytes()),
                other => other.cmp(&Atom::from(key)),
            })
            .ok()
            .map(|i| &pairs[i].1)
    }

    /// Sets `key` to `value`, returning the old value.
    pub fn insert(&mut self, key: Atom, value: Atom) -> Option<Atom> {
        match self.as_slice().binary_search_by(|(k, _)| k.cmp(&key)) {
            Ok(i) => {
                let pairs = self.0.as_mut()?;
                Some(std::mem::replace(&mut pairs[i].1, value))
            }
            Err(i) => {
                let mut pairs = std::mem::take(self).into_vec();
                pairs.insert(i, (key, value));
                *self = Map::from_sorted(pairs);
                None
            }
        }
    }

    /// Removes `key`, returning its value.
    pub fn remove(&mut self, key: &Atom) -> Option<Atom> {
        let i = self.as_slice().binary_search_by(|(k, _)| k.cmp(key)).ok()?;
        let mut pairs = std::mem::take(self).into_vec();
        let (_, value) = pairs.remove(i);
        *self = Map::from_sorted(pairs);
        Some(value)
    }

    /// Iterates over `(key, value)` pairs in key order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&Atom, &Atom)> {
        self.as_slice().iter().map(|(k, v)| (k, v))
    }

    /// The pairs, consuming the map.
    pub fn into_vec(self) -> Vec<(Atom, Atom)> {
        self.0.map(<[_]>::into_vec).unwrap_or_default()
    }
}

impl FromIterator<Atom> for Set {
    fn from_iter<I: IntoIterator<Item = Atom>>(iter: I) -> Self {
        Set::from_atoms(iter.into_iter().collect())
    }
}

impl FromIterator<(Atom, Atom)> for Map {
    fn from_iter<I: IntoIterator<Item = (Atom, Atom)>>(iter: I) -> Self {
        Map::from_pairs(iter.into_iter().collect())
    }
}

/// The value of one column: a set or a map (RFC 7047 5.1 `<value>`).
///
/// On the wire a set is `["set", [atoms..]]`, except that a set of exactly one atom may be (and
/// by ovsdb-server always is) sent as the bare atom; a map is `["map", [[k, v]..]]`. Both forms of
/// a one-element set decode to the same `Datum`. Encoding writes a one-element set bare, like
/// ovsdb-server.
///
/// Decoding refuses duplicate set elements and duplicate map keys, as ovsdb-server does; the
/// constructors ([`Datum::set`], [`Datum::map`]) instead collapse them.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Datum {
    /// A set (also the form of scalar and optional columns).
    Set(Set),
    /// A map.
    Map(Map),
}

impl Default for Datum {
    fn default() -> Self {
        Datum::Set(Set::new())
    }
}

impl Datum {
    /// The empty set.
    pub const fn empty_set() -> Self {
        Datum::Set(Set::new())
    }

    /// The empty map.
    pub const fn empty_map() -> Self {
        Datum::Map(Map::new())
    }

    /// A set from any atoms (sorted, duplicates collapsed).
    pub fn set<I: IntoIterator<Item = A>, A: Into<Atom>>(atoms: I) -> Self {
        Datum::Set(atoms.into_iter().map(Into::into).collect())
    }

    /// A map from any pairs (sorted by key; for a repeated key the last value wins).
    pub fn map<I, K, V>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<Atom>,
        V: Into<Atom>,
    {
        Datum::Map(
            pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }

    /// Number of atoms (set) or pairs (map).
    pub fn len(&self) -> usize {
        match self {
            Datum::Set(s) => s.len(),
            Datum::Map(m) => m.len(),
        }
    }

    /// True if the set or map is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The set, if this is one.
    pub fn as_set(&self) -> Option<&Set> {
        match self {
            Datum::Set(s) => Some(s),
            Datum::Map(_) => None,
        }
    }

    /// The map, if this is one.
    pub fn as_map(&self) -> Option<&Map> {
        match self {
            Datum::Map(m) => Some(m),
            Datum::Set(_) => None,
        }
    }

    /// The single atom of a one-element set (a scalar column's value).
    pub fn as_scalar(&self) -> Option<&Atom> {
        match self {
            Datum::Set(s) if s.len() == 1 => s.as_slice().first(),
            _ => None,
        }
    }
}

impl From<Atom> for Datum {
    fn from(a: Atom) -> Self {
        Datum::Set(Set(Atoms::One(a)))
    }
}

/// Scalars become one-element sets, so `Row::new().with("name", "sw0")` reads naturally.
macro_rules! datum_from_scalar {
    ($($t:ty),*) => {$(
        impl From<$t> for Datum {
            fn from(v: $t) -> Self {
                Datum::from(Atom::from(v))
            }
        }
    )*};
}
datum_from_scalar!(
    i64,
    f64,
    bool,
    &str,
    String,
    compact_str::CompactString,
    super::Uuid
);

impl From<Set> for Datum {
    fn from(s: Set) -> Self {
        Datum::Set(s)
    }
}

impl From<Map> for Datum {
    fn from(m: Map) -> Self {
        Datum::Map(m)
    }
}

impl fmt::Debug for Set {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl fmt::Debug for Map {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl fmt::Debug for Datum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Datum::Set(Set(Atoms::One(a))) => fmt::Debug::fmt(a, f),
            Datum::Set(s) => fmt::Debug::fmt(s, f),
            Datum::Map(m) => fmt::Debug::fmt(m, f),
        }
    }
}

// ---- JSON encoding ----

struct AtomsSer<'a>(&'a [Atom]);
impl Serialize for AtomsSer<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for a in self.0 {
            seq.serialize_element(a)?;
        }
        seq.end()
    }
}

struct PairsSer<'a>(&'a [(Atom, Atom)]);
impl Serialize for PairsSer<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for (k, v) in self.0 {
            seq.serialize_element(&(k, v))?;
        }
        seq.end()
    }
}

impl Serialize for Set {
    /// Always the explicit `["set", [..]]` form; [`Datum`] writes one-element sets bare.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut t = serializer.serialize_tuple(2)?;
        t.serialize_element("set")?;
        t.serialize_element(&AtomsSer(self.as_slice()))?;
        t.end()
    }
}

impl Serialize for Map {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut t = serializer.serialize_tuple(2)?;
        t.serialize_element("map")?;
        t.serialize_element(&PairsSer(self.as_slice()))?;
        t.end()
    }
}

impl Serialize for Datum {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Datum::Set(Set(Atoms::One(a))) => a.serialize(serializer),
            Datum::Set(s) => s.serialize(serializer),
            Datum::Map(m) => m.serialize(serializer),
        }
    }
}

// ---- JSON decoding ----

struct AtomSeed;
impl<'de> DeserializeSeed<'de> for AtomSeed {
    type Value = Atom;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Atom, D::Error> {
        d.deserialize_any(AtomVisitor)
    }
}

/// `[atom, ...]`
/// The elements gathered on the stack as a vector of exactly their number: replicas keep
/// decoded values for good, so no slack from a vector's growth, and for the handful of
/// elements most sets and maps hold, one allocation instead of an allocation and a shrinking
/// reallocation.
fn exact<T, const N: usize>(elements: SmallVec<[T; N]>) -> Vec<T>
where
    [T; N]: smallvec::Array<Item = T>,
{
    if elements.spilled() {
        let mut v = elements.into_vec();
        v.shrink_to_fit();
        return v;
    }
    // Not `collect`, which would allocate room for at least four.
    let mut v = Vec::with_capacity(elements.len());
    v.extend(elements);
    v
}

struct AtomList;
impl<'de> Visitor<'de> for AtomList {
    type Value = Vec<Atom>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of atoms")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<Atom>, A::Error> {
        let mut v = SmallVec::<[Atom; 4]>::new();
        while let Some(a) = seq.next_element_seed(AtomSeed)? {
            v.push(a);
        }
        Ok(exact(v))
    }
}
impl<'de> DeserializeSeed<'de> for AtomList {
    type Value = Vec<Atom>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Vec<Atom>, D::Error> {
        d.deserialize_seq(self)
    }
}

/// `[key, value]`
struct PairSeed;
impl<'de> Visitor<'de> for PairSeed {
    type Value = (Atom, Atom);
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a [key, value] pair")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(Atom, Atom), A::Error> {
        let k = seq
            .next_element_seed(AtomSeed)?
            .ok_or_else(|| de::Error::custom("map pair lacks its key"))?;
        let v = seq
            .next_element_seed(AtomSeed)?
            .ok_or_else(|| de::Error::custom("map pair lacks its value"))?;
        if seq.next_element::<de::IgnoredAny>()?.is_some() {
            return Err(de::Error::custom("map pair has more than two elements"));
        }
        Ok((k, v))
    }
}
impl<'de> DeserializeSeed<'de> for PairSeed {
    type Value = (Atom, Atom);
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(Atom, Atom), D::Error> {
        d.deserialize_seq(self)
    }
}

/// `[[k, v], ...]`
struct PairList;
impl<'de> Visitor<'de> for PairList {
    type Value = Vec<(Atom, Atom)>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of [key, value] pairs")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut v = SmallVec::<[(Atom, Atom); 4]>::new();
        while let Some(p) = seq.next_element_seed(PairSeed)? {
            v.push(p);
        }
        Ok(exact(v))
    }
}
impl<'de> DeserializeSeed<'de> for PairList {
    type Value = Vec<(Atom, Atom)>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

struct DatumVisitor;

impl<'de> Visitor<'de> for DatumVisitor {
    type Value = Datum;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an OVSDB value (atom, [\"set\",[..]] or [\"map\",[..]])")
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Datum, E> {
        AtomVisitor.visit_i64(v).map(Datum::from)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Datum, E> {
        AtomVisitor.visit_u64(v).map(Datum::from)
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Datum, E> {
        AtomVisitor.visit_f64(v).map(Datum::from)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Datum, E> {
        AtomVisitor.visit_bool(v).map(Datum::from)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Datum, E> {
        AtomVisitor.visit_str(v).map(Datum::from)
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Datum, E> {
        AtomVisitor.visit_string(v).map(Datum::from)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Datum, A::Error> {
        let tag: TagStr = seq
            .next_element()?
            .ok_or_else(|| de::Error::custom("empty array is not an OVSDB value"))?;
        let datum = match tag.0.as_ref() {
            "set" => {
                let atoms = seq
                    .next_element_seed(AtomList)?
                    .ok_or_else(|| de::Error::custom("[\"set\"] lacks its array of atoms"))?;
                Set::from_wire(atoms).map(Datum::Set).map_err(|dup| {
                    de::Error::custom(format_args!("set contains duplicate value {dup:?}"))
                })?
            }
            "map" => {
                let pairs = seq
                    .next_element_seed(PairList)?
                    .ok_or_else(|| de::Error::custom("[\"map\"] lacks its array of pairs"))?;
                Map::from_wire(pairs).map(Datum::Map).map_err(|dup| {
                    de::Error::custom(format_args!("map contains duplicate key {dup:?}"))
                })?
            }
            other => Datum::from(tagged_atom(other, &mut seq)?),
        };
        if seq.next_element::<de::IgnoredAny>()?.is_some() {
            return Err(de::Error::custom(format_args!(
                "[\"{}\", ...] takes exactly one argument",
                tag.0
            )));
        }
        Ok(datum)
    }
}

impl<'de> Deserialize<'de> for Datum {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(DatumVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Uuid;

    fn de(s: &str) -> Result<Datum, serde_json::Error> {
        serde_json::from_str(s)
    }

    #[test]
    fn one_element_set_both_ways() {
        let bare = de("5").unwrap();
        let wrapped = de(r#"["set",[5]]"#).unwrap();
        assert_eq!(bare, wrapped);
        assert_eq!(serde_json::to_string(&wrapped).unwrap(), "5");
        let u = r#"["uuid","550e8400-e29b-41d4-a716-446655440000"]"#;
        assert_eq!(de(u).unwrap(), de(&format!(r#"["set",[{u}]]"#)).unwrap());
        assert_eq!(serde_json::to_string(&de(u).unwrap()).unwrap(), u);
    }

    #[test]
    fn sets_sort_and_encode() {
        let d = de(r#"["set",["b","a","c"]]"#).unwrap();
        assert_eq!(
            serde_json::to_string(&d).unwrap(),
            r#"["set",["a","b","c"]]"#
        );
        assert_eq!(
            serde_json::to_string(&Datum::empty_set()).unwrap(),
            r#"["set",[]]"#
        );
        assert_eq!(Datum::set(["b", "a", "b"]).len(), 2);
    }

    #[test]
    fn maps_sort_and_encode() {
        let d = de(r#"["map",[["z","1"],["a","2"]]]"#).unwrap();
        assert_eq!(
            serde_json::to_string(&d).unwrap(),
            r#"["map",[["a","2"],["z","1"]]]"#
        );
        assert_eq!(d.as_map().unwrap().get_str("z"), Some(&Atom::from("1")));
        assert_eq!(d.as_map().unwrap().get_str("q"), None);
        assert_eq!(
            serde_json::to_string(&Datum::empty_map()).unwrap(),
            r#"["map",[]]"#
        );
        let last_wins = Datum::map([("k", "1"), ("k", "2")]);
        assert_eq!(
            last_wins.as_map().unwrap().get_str("k"),
            Some(&Atom::from("2"))
        );
    }

    #[test]
    fn refuses_malformed_values() {
        for bad in [
            r#"["set",["a","a"]]"#,
            r#"["map",[["a",1],["a",2]]]"#,
            r#"["map",[["a"]]]"#,
            r#"["map",[["a",1,2]]]"#,
            r#"["set"]"#,
            r#"["set",[],[]]"#,
            r#"["set",[["set",[]]]]"#,
            r#"["bag",[]]"#,
            r#"[]"#,
            "null",
            r#"{"a":1}"#,
        ] {
            assert!(de(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn set_and_map_edit() {
        let mut s = Set::new();
        assert!(s.insert(Atom::from(3i64)));
        assert!(s.insert(Atom::from(1i64)));
        assert!(!s.insert(Atom::from(1i64)));
        assert_eq!(s.as_slice(), &[Atom::from(1i64), Atom::from(3i64)]);
        assert!(s.remove(&Atom::from(1i64)));
        assert!(!s.contains(&Atom::from(1i64)));
        let mut m = Map::new();
        assert_eq!(m.insert("b".into(), 1i64.into()), None);
        assert_eq!(m.insert("b".into(), 2i64.into()), Some(1i64.into()));
        assert_eq!(m.remove(&"b".into()), Some(2i64.into()));
        assert!(m.is_empty());
        let u = Uuid::new_v4();
        assert_eq!(Datum::from(Atom::from(u)).as_scalar(), Some(&Atom::Uuid(u)));
    }
}
