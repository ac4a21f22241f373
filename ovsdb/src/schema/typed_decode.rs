//! Decoding JSON into a [`Datum`] of a known [`ColumnType`].
//!
//! The untyped `Datum` decoder cannot tell the real `1.0` from the integer `1` when
//! ovsdb-server writes it as `1`, nor a map column's value from a set; with the column type it
//! can. [`DatumSeed`] decodes straight from any serde deserializer (no intermediate
//! `serde_json::Value`), following ovsdb-server's `ovsdb_datum_from_json`:
//!
//! * a set column takes a bare atom or `["set", [..]]`; a map column only `["map", [..]]`;
//! * an integer is accepted for a real column (converted), and a number with a zero fraction
//!   (`5.0`, `1e3`) for an integer column, since ovsdb-server's JSON parser reads those as
//!   integers;
//! * `["named-uuid", name]` is accepted for uuid columns (it is valid in requests);
//! * duplicate set elements and map keys are refused;
//! * the result is then checked against every constraint ([`ColumnType::check`]).

use std::cell::Cell;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, SeqAccess, Visitor};

use super::base_type::BaseType;
use super::column_type::ColumnType;
use super::validate::{ConstraintViolation, DatumKind};
use crate::data::atom::tagged_atom;
use crate::data::uuid::TagStr;
use crate::data::{Atom, AtomicType, Datum, Map, Set};

/// A serde seed that decodes a JSON value as a datum of the given column type and checks it.
///
/// ```
/// use serde::de::DeserializeSeed;
/// use ovsdb::data::{Atom, AtomicType, Datum};
/// use ovsdb::schema::{ColumnType, DatumSeed, Max};
///
/// let ty = ColumnType::set(AtomicType::Real, 0, Max::Unlimited);
/// let mut de = serde_json::Deserializer::from_str("[\"set\",[1,2.5]]");
/// let d = DatumSeed(&ty).deserialize(&mut de).unwrap();
/// assert_eq!(d, Datum::set([Atom::Real(1.0), Atom::Real(2.5)]));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct DatumSeed<'a>(pub &'a ColumnType);

impl<'de> DeserializeSeed<'de> for DatumSeed<'_> {
    type Value = Datum;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Datum, D::Error> {
        let datum = deserializer.deserialize_any(DatumVisitor {
            ty: self.0,
            slot: None,
        })?;
        self.0.check(&datum).map_err(de::Error::custom)?;
        Ok(datum)
    }
}

/// Why a JSON value is not a valid datum of a column type.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// Not JSON, or not an OVSDB value (e.g. `null`, `["bag", []]`, a set with a duplicate).
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    /// A well-formed value of the wrong shape or atomic type, or one that breaks a constraint.
    #[error(transparent)]
    Violation(#[from] ConstraintViolation),
}

impl ColumnType {
    /// Decodes and checks a datum of this type from JSON text (see [`DatumSeed`]).
    pub fn datum_from_json_str(&self, json: &str) -> Result<Datum, DecodeError> {
        let mut de = serde_json::Deserializer::from_str(json);
        self.decode_checked(|v| {
            let datum = (&mut de).deserialize_any(v)?;
            de.end()?;
            Ok(datum)
        })
    }

    /// Decodes and checks a datum of this type from JSON bytes (see [`DatumSeed`]).
    pub fn datum_from_json_slice(&self, json: &[u8]) -> Result<Datum, DecodeError> {
        let mut de = serde_json::Deserializer::from_slice(json);
        self.decode_checked(|v| {
            let datum = (&mut de).deserialize_any(v)?;
            de.end()?;
            Ok(datum)
        })
    }

    /// Decodes and checks a datum of this type from a JSON value (see [`DatumSeed`]).
    pub fn datum_from_value(&self, json: &serde_json::Value) -> Result<Datum, DecodeError> {
        self.decode_checked(|v| json.deserialize_any(v))
    }

    /// Runs `decode` with a visitor that records a wrong shape or atomic type as a structured
    /// violation, so that those come back as [`DecodeError::Violation`] rather than as text.
    fn decode_checked(
        &self,
        decode: impl for<'v> FnOnce(DatumVisitor<'v>) -> Result<Datum, serde_json::Error>,
    ) -> Result<Datum, DecodeError> {
        let slot = Cell::new(None);
        let result = decode(DatumVisitor {
            ty: self,
            slot: Some(&slot),
        });
        match result {
            Ok(datum) => {
                self.check(&datum)?;
                Ok(datum)
            }
            Err(e) => Err(match slot.take() {
                Some(violation) => DecodeError::Violation(violation),
                None => DecodeError::Json(e),
            }),
        }
    }
}

/// Where a visitor records the structured form of the violation it fails with.
type Slot<'a> = Option<&'a Cell<Option<ConstraintViolation>>>;

fn fail<E: de::Error>(slot: Slot<'_>, violation: ConstraintViolation) -> E {
    let e = E::custom(&violation);
    if let Some(slot) = slot {
        slot.set(Some(violation));
    }
    e
}

fn wrong_type<E: de::Error>(slot: Slot<'_>, expected: AtomicType, found: &'static str) -> E {
    fail(slot, ConstraintViolation::Type { expected, found })
}

/// The name of a `["tag", ..]` notation as a static string, for messages.
fn tag_kind(tag: &str) -> &'static str {
    match tag {
        "uuid" => "uuid",
        "named-uuid" => "named-uuid",
        "set" => "set",
        "map" => "map",
        _ => "array",
    }
}

/// One atom of a base type.
#[derive(Clone, Copy)]
struct AtomOf<'a> {
    base: &'a BaseType,
    slot: Slot<'a>,
}

impl<'de> Visitor<'de> for AtomOf<'_> {
    type Value = Atom;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "an OVSDB atom of type {}", self.base.atomic)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Atom, E> {
        match self.base.atomic {
            AtomicType::Integer => Ok(Atom::Integer(v)),
            // The conversion ovsdb-server applies (a C cast).
            AtomicType::Real => Ok(Atom::Real(v as f64)),
            other => Err(wrong_type(self.slot, other, "integer")),
        }
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Atom, E> {
        match self.base.atomic {
            AtomicType::Integer => i64::try_from(v).map(Atom::Integer).map_err(|_| {
                E::custom(format_args!(
                    "integer {v} is out of range for a 64-bit signed integer"
                ))
            }),
            AtomicType::Real => Ok(Atom::Real(v as f64)),
            other => Err(wrong_type(self.slot, other, "integer")),
        }
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Atom, E> {
        // 2^63: the integers that fit i64 are those in [-2^63, 2^63).
        const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;
        match self.base.atomic {
            AtomicType::Real => Ok(Atom::Real(v)),
            // ovsdb-server's JSON parser reads 5.0 and 1e3 as integers.
            AtomicType::Integer if v.fract() == 0.0 && (-TWO_POW_63..TWO_POW_63).contains(&v) => {
                Ok(Atom::Integer(v as i64))
            }
            other => Err(wrong_type(self.slot, other, "real")),
        }
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Atom, E> {
        match self.base.atomic {
            AtomicType::Boolean => Ok(Atom::Boolean(v)),
            other => Err(wrong_type(self.slot, other, "boolean")),
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Atom, E> {
        match self.base.atomic {
            AtomicType::String => Ok(Atom::from(v)),
            other => Err(wrong_type(self.slot, other, "string")),
        }
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Atom, E> {
        match self.base.atomic {
            AtomicType::String => Ok(Atom::from(v)),
            other => Err(wrong_type(self.slot, other, "string")),
        }
    }

    fn visit_unit<E: de::Error>(self) -> Result<Atom, E> {
        Err(wrong_type(self.slot, self.base.atomic, "null"))
    }

    fn visit_map<A: de::MapAccess<'de>>(self, _map: A) -> Result<Atom, A::Error> {
        Err(wrong_type(self.slot, self.base.atomic, "object"))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Atom, A::Error> {
        let tag: TagStr = seq
            .next_element()?
            .ok_or_else(|| wrong_type(self.slot, self.base.atomic, "array"))?;
        let atom = self.tagged(&tag.0, &mut seq)?;
        end_of_notation(&tag.0, &mut seq)?;
        Ok(atom)
    }
}

impl AtomOf<'_> {
    /// The rest of a `["uuid", ..]` or `["named-uuid", ..]` atom, once the tag is read.
    fn tagged<'de, A: SeqAccess<'de>>(self, tag: &str, seq: &mut A) -> Result<Atom, A::Error> {
        match (tag, self.base.atomic) {
            ("uuid" | "named-uuid", AtomicType::Uuid) => tagged_atom(tag, seq),
            ("uuid" | "named-uuid" | "set" | "map", expected) => {
                Err(wrong_type(self.slot, expected, tag_kind(tag)))
            }
            (other, _) => Err(de::Error::custom(format_args!(
                "unknown atom notation [\"{other}\", ...]; expected \"uuid\" or \"named-uuid\""
            ))),
        }
    }
}

impl<'de> DeserializeSeed<'de> for AtomOf<'_> {
    type Value = Atom;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Atom, D::Error> {
        d.deserialize_any(self)
    }
}

fn end_of_notation<'de, A: SeqAccess<'de>>(tag: &str, seq: &mut A) -> Result<(), A::Error> {
    if seq.next_element::<de::IgnoredAny>()?.is_some() {
        return Err(de::Error::custom(format_args!(
            "[\"{tag}\", ...] takes exactly one argument"
        )));
    }
    Ok(())
}

/// `[atom, ...]` of one base type.
struct AtomsOf<'a>(AtomOf<'a>);

impl<'de> Visitor<'de> for AtomsOf<'_> {
    type Value = Vec<Atom>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "an array of {} atoms", self.0.base.atomic)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<Atom>, A::Error> {
        let mut v = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(a) = seq.next_element_seed(self.0)? {
            v.push(a);
        }
        Ok(v)
    }
}

impl<'de> DeserializeSeed<'de> for AtomsOf<'_> {
    type Value = Vec<Atom>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Vec<Atom>, D::Error> {
        d.deserialize_seq(self)
    }
}

/// `[key, value]` of two base types.
#[derive(Clone, Copy)]
struct PairOf<'a> {
    key: AtomOf<'a>,
    value: AtomOf<'a>,
}

impl<'de> Visitor<'de> for PairOf<'_> {
    type Value = (Atom, Atom);
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a [key, value] pair")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(Atom, Atom), A::Error> {
        let k = seq
            .next_element_seed(self.key)?
            .ok_or_else(|| de::Error::custom("map pair lacks its key"))?;
        let v = seq
            .next_element_seed(self.value)?
            .ok_or_else(|| de::Error::custom("map pair lacks its value"))?;
        if seq.next_element::<de::IgnoredAny>()?.is_some() {
            return Err(de::Error::custom("map pair has more than two elements"));
        }
        Ok((k, v))
    }
}

impl<'de> DeserializeSeed<'de> for PairOf<'_> {
    type Value = (Atom, Atom);
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(Atom, Atom), D::Error> {
        d.deserialize_seq(self)
    }
}

/// `[[key, value], ...]`.
struct PairsOf<'a>(PairOf<'a>);

impl<'de> Visitor<'de> for PairsOf<'_> {
    type Value = Vec<(Atom, Atom)>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of [key, value] pairs")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut v = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(p) = seq.next_element_seed(self.0)? {
            v.push(p);
        }
        Ok(v)
    }
}

impl<'de> DeserializeSeed<'de> for PairsOf<'_> {
    type Value = Vec<(Atom, Atom)>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

/// A whole datum of a column type (unchecked against the constraints; the callers check).
#[derive(Clone, Copy)]
struct DatumVisitor<'a> {
    ty: &'a ColumnType,
    slot: Slot<'a>,
}

impl<'a> DatumVisitor<'a> {
    fn key(self) -> AtomOf<'a> {
        AtomOf {
            base: &self.ty.key,
            slot: self.slot,
        }
    }

    /// A bare atom: a one-element set, refused for a map column.
    fn bare<E: de::Error>(
        self,
        atom: impl FnOnce(AtomOf<'a>) -> Result<Atom, E>,
    ) -> Result<Datum, E> {
        if self.ty.is_map() {
            return Err(self.not_a_map());
        }
        atom(self.key()).map(Datum::from)
    }

    fn not_a_map<E: de::Error>(self) -> E {
        fail(
            self.slot,
            ConstraintViolation::Shape {
                expected: DatumKind::Map,
                found: DatumKind::Set,
            },
        )
    }
}

impl<'de> Visitor<'de> for DatumVisitor<'_> {
    type Value = Datum;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        if self.ty.is_map() {
            f.write_str("an OVSDB map ([\"map\", [[key, value], ...]])")
        } else {
            f.write_str("an OVSDB atom or set ([\"set\", [...]])")
        }
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Datum, E> {
        self.bare(|a| a.visit_i64(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Datum, E> {
        self.bare(|a| a.visit_u64(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Datum, E> {
        self.bare(|a| a.visit_f64(v))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Datum, E> {
        self.bare(|a| a.visit_bool(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Datum, E> {
        self.bare(|a| a.visit_str(v))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Datum, E> {
        self.bare(|a| a.visit_string(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Datum, E> {
        self.bare(|a| a.visit_unit())
    }
    fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Datum, A::Error> {
        self.bare(|a| a.visit_map(map))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Datum, A::Error> {
        let tag: TagStr = seq
            .next_element()?
            .ok_or_else(|| de::Error::custom("empty array is not an OVSDB value"))?;
        let datum = match (tag.0.as_ref(), &self.ty.value) {
            ("set", None) => {
                let atoms = seq
                    .next_element_seed(AtomsOf(self.key()))?
                    .ok_or_else(|| de::Error::custom("[\"set\"] lacks its array of atoms"))?;
                Datum::Set(set_from_decoded(atoms).map_err(|dup| {
                    de::Error::custom(format_args!("set contains duplicate value {dup:?}"))
                })?)
            }
            ("map", Some(value)) => {
                let pair = PairOf {
                    key: self.key(),
                    value: AtomOf {
                        base: value,
                        slot: self.slot,
                    },
                };
                let pairs = seq
                    .next_element_seed(PairsOf(pair))?
                    .ok_or_else(|| de::Error::custom("[\"map\"] lacks its array of pairs"))?;
                Datum::Map(map_from_decoded(pairs).map_err(|dup| {
                    de::Error::custom(format_args!("map contains duplicate key {dup:?}"))
                })?)
            }
            ("map", None) => {
                return Err(fail(
                    self.slot,
                    ConstraintViolation::Shape {
                        expected: DatumKind::Set,
                        found: DatumKind::Map,
                    },
                ))
            }
            (_, Some(_)) => return Err(self.not_a_map()),
            (other, None) => Datum::from(self.key().tagged(other, &mut seq)?),
        };
        end_of_notation(&tag.0, &mut seq)?;
        Ok(datum)
    }
}

/// A set from decoded atoms; `Err` gives a duplicate, which ovsdb-server refuses.
fn set_from_decoded(mut atoms: Vec<Atom>) -> Result<Set, Atom> {
    if !atoms.windows(2).all(|w| w[0] < w[1]) {
        atoms.sort();
        if let Some(w) = atoms.windows(2).find(|w| w[0] == w[1]) {
            return Err(w[0].clone());
        }
    }
    Ok(Set::from_atoms(atoms))
}

/// A map from decoded pairs; `Err` gives a duplicate key.
fn map_from_decoded(mut pairs: Vec<(Atom, Atom)>) -> Result<Map, Atom> {
    if !pairs.windows(2).all(|w| w[0].0 < w[1].0) {
        pairs.sort_by(|a, b| a.0.cmp(&b.0));
        if let Some(w) = pairs.windows(2).find(|w| w[0].0 == w[1].0) {
            return Err(w[0].0.clone());
        }
    }
    Ok(Map::from_pairs(pairs))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Uuid;
    use crate::schema::{Max, RefType};

    fn real() -> ColumnType {
        ColumnType::scalar(AtomicType::Real)
    }

    fn violation(r: Result<Datum, DecodeError>) -> ConstraintViolation {
        match r {
            Err(DecodeError::Violation(v)) => v,
            other => panic!("expected a violation, got {other:?}"),
        }
    }

    fn json_err(r: Result<Datum, DecodeError>) -> String {
        match r {
            Err(DecodeError::Json(e)) => e.to_string(),
            other => panic!("expected a JSON error, got {other:?}"),
        }
    }

    #[test]
    fn integers_become_reals_for_real_columns() {
        assert_eq!(
            real().datum_from_json_str("1").unwrap(),
            Datum::from(Atom::Real(1.0))
        );
        assert_eq!(
            real().datum_from_json_str("-7").unwrap(),
            Datum::from(Atom::Real(-7.0))
        );
        assert_eq!(
            real().datum_from_json_str("18446744073709551615").unwrap(),
            Datum::from(Atom::Real(18446744073709551615.0))
        );
        assert_eq!(
            real().datum_from_json_str("2.5").unwrap(),
            Datum::from(Atom::Real(2.5))
        );
        let set = ColumnType::set(AtomicType::Real, 0, Max::Unlimited);
        assert_eq!(
            set.datum_from_json_str(r#"["set",[3,1.5,2]]"#).unwrap(),
            Datum::set([1.5, 2.0, 3.0])
        );
        let map = ColumnType::map(AtomicType::Integer, AtomicType::Real, 0, Max::Unlimited);
        assert_eq!(
            map.datum_from_json_str(r#"["map",[[1,2],[3,4.5]]]"#)
                .unwrap(),
            Datum::map([(1i64, 2.0), (3, 4.5)])
        );
        // 1 and 1.0 are the same real: a duplicate.
        assert!(json_err(set.datum_from_json_str(r#"["set",[1,1.0]]"#)).contains("duplicate"));
    }

    #[test]
    fn integral_numbers_are_integers_like_ovsdb_server_reads_them() {
        let int = ColumnType::scalar(AtomicType::Integer);
        assert_eq!(
            int.datum_from_json_str("5.0").unwrap(),
            Datum::from(Atom::Integer(5))
        );
        assert_eq!(
            int.datum_from_json_str("1e3").unwrap(),
            Datum::from(Atom::Integer(1000))
        );
        assert_eq!(
            violation(int.datum_from_json_str("15.5")),
            ConstraintViolation::Type {
                expected: AtomicType::Integer,
                found: "real"
            }
        );
        assert!(matches!(
            violation(int.datum_from_json_str("1e19")),
            ConstraintViolation::Type { .. }
        ));
        assert!(json_err(int.datum_from_json_str("9223372036854775808")).contains("out of range"));
    }

    #[test]
    fn bare_and_wrapped_sets_agree() {
        let ty = ColumnType::optional(AtomicType::String);
        let bare = ty.datum_from_json_str(r#""a""#).unwrap();
        let wrapped = ty.datum_from_json_str(r#"["set",["a"]]"#).unwrap();
        assert_eq!(bare, wrapped);
        assert_eq!(bare, Datum::from(Atom::from("a")));
        assert_eq!(
            ty.datum_from_json_str(r#"["set",[]]"#).unwrap(),
            Datum::empty_set()
        );
        let u = r#"["uuid","550e8400-e29b-41d4-a716-446655440000"]"#;
        let refs = ColumnType::set(BaseType::reference("T", RefType::Weak), 0, Max::Unlimited);
        let one = refs.datum_from_json_str(u).unwrap();
        assert_eq!(
            one,
            refs.datum_from_json_str(&format!(r#"["set",[{u}]]"#))
                .unwrap()
        );
        assert_eq!(
            one.as_scalar().and_then(Atom::as_uuid),
            Some(Uuid::parse("550e8400-e29b-41d4-a716-446655440000").unwrap())
        );
        assert_eq!(
            refs.datum_from_json_str(r#"["named-uuid","row1"]"#)
                .unwrap(),
            Datum::from(Atom::named_uuid("row1"))
        );
    }

    #[test]
    fn wrong_shapes_are_refused() {
        let map = ColumnType::map(AtomicType::String, AtomicType::String, 0, Max::Unlimited);
        let set = ColumnType::set(AtomicType::String, 0, Max::Unlimited);
        let not_a_map = ConstraintViolation::Shape {
            expected: DatumKind::Map,
            found: DatumKind::Set,
        };
        assert_eq!(violation(map.datum_from_json_str(r#""x""#)), not_a_map);
        assert_eq!(
            violation(map.datum_from_json_str(r#"["set",[]]"#)),
            not_a_map
        );
        assert_eq!(
            violation(set.datum_from_json_str(r#"["map",[]]"#)),
            ConstraintViolation::Shape {
                expected: DatumKind::Set,
                found: DatumKind::Map
            }
        );
        assert_eq!(
            map.datum_from_json_str(r#"["map",[]]"#).unwrap(),
            Datum::empty_map()
        );
    }

    #[test]
    fn wrong_atomic_types_are_refused() {
        let int = ColumnType::optional(AtomicType::Integer);
        for (json, found) in [
            (r#""x""#, "string"),
            ("true", "boolean"),
            ("null", "null"),
            ("{}", "object"),
            (r#"["uuid","550e8400-e29b-41d4-a716-446655440000"]"#, "uuid"),
            (r#"["named-uuid","x"]"#, "named-uuid"),
            (r#"["set",["x"]]"#, "string"),
            (r#"["set",[["set",[]]]]"#, "set"),
        ] {
            assert_eq!(
                violation(int.datum_from_json_str(json)),
                ConstraintViolation::Type {
                    expected: AtomicType::Integer,
                    found
                },
                "{json}"
            );
        }
        let string = ColumnType::scalar(AtomicType::String);
        assert_eq!(
            violation(string.datum_from_json_str("1")).to_string(),
            "expected string, got integer"
        );
        let boolean = ColumnType::scalar(AtomicType::Boolean);
        assert!(matches!(
            violation(boolean.datum_from_json_str("1")),
            ConstraintViolation::Type {
                found: "integer",
                ..
            }
        ));
        let uuid = ColumnType::scalar(AtomicType::Uuid);
        assert!(matches!(
            violation(uuid.datum_from_json_str(r#""x""#)),
            ConstraintViolation::Type {
                found: "string",
                ..
            }
        ));
        let map = ColumnType::map(AtomicType::String, AtomicType::Integer, 0, Max::Unlimited);
        assert_eq!(
            violation(map.datum_from_json_str(r#"["map",[["a","b"]]]"#)),
            ConstraintViolation::Type {
                expected: AtomicType::Integer,
                found: "string"
            }
        );
    }

    #[test]
    fn malformed_json_is_refused() {
        let set = ColumnType::set(AtomicType::Integer, 0, Max::Unlimited);
        let map = ColumnType::map(AtomicType::Integer, AtomicType::Integer, 0, Max::Unlimited);
        let uuid = ColumnType::scalar(AtomicType::Uuid);
        for (ty, json) in [
            (&set, "["),
            (&set, "1 2"),
            (&set, "[]"),
            (&set, r#"["set"]"#),
            (&set, r#"["set",[],[]]"#),
            (&set, r#"["set",[1,1]]"#),
            (&set, r#"["set",1]"#),
            (&set, r#"["bag",[]]"#),
            (&uuid, r#"["uuid","nope"]"#),
            (&uuid, r#"["named-uuid","1x"]"#),
            (&uuid, r#"["uuid"]"#),
            (&map, r#"["map",[[1]]]"#),
            (&map, r#"["map",[[1,2,3]]]"#),
            (&map, r#"["map",[[1,2],[1,3]]]"#),
            (&map, r#"["map"]"#),
        ] {
            json_err(ty.datum_from_json_str(json));
        }
    }

    #[test]
    fn constraints_are_checked_after_decoding() {
        let tag = ColumnType::optional(
            BaseType::new(AtomicType::Integer).with_integer_range(Some(0), Some(4095)),
        );
        assert_eq!(
            violation(tag.datum_from_json_str("4096")).to_string(),
            "4096 is not in the valid range 0 to 4095 (inclusive)"
        );
        assert_eq!(
            violation(tag.datum_from_json_str(r#"["set",[1,2]]"#)).to_string(),
            "set must have 0 to 1 members but 2 are present"
        );
        // The seed checks too, with the message as the serde error.
        let mut de = serde_json::Deserializer::from_str("5000");
        let err = DatumSeed(&tag).deserialize(&mut de).unwrap_err();
        assert!(err
            .to_string()
            .starts_with("5000 is not in the valid range 0 to 4095 (inclusive)"));
        let mut de = serde_json::Deserializer::from_str(r#""x""#);
        let err = DatumSeed(&tag).deserialize(&mut de).unwrap_err();
        assert!(err.to_string().starts_with("expected integer, got string"));
    }

    #[test]
    fn value_and_slice_entry_points() {
        let ty = ColumnType::map(AtomicType::String, AtomicType::Real, 0, Max::Unlimited);
        let v: serde_json::Value = serde_json::from_str(r#"["map",[["a",1]]]"#).unwrap();
        let expected = Datum::map([("a", 1.0)]);
        assert_eq!(ty.datum_from_value(&v).unwrap(), expected);
        assert_eq!(
            ty.datum_from_json_slice(br#"["map",[["a",1]]]"#).unwrap(),
            expected
        );
        let bad: serde_json::Value = serde_json::json!("a");
        assert!(matches!(
            ty.datum_from_value(&bad),
            Err(DecodeError::Violation(ConstraintViolation::Shape { .. }))
        ));
    }

    #[test]
    fn the_seed_decodes_inside_a_larger_document() {
        // A row-like object whose "x" member is read with the seed, no Value in between.
        struct Row<'a>(&'a ColumnType);
        impl<'de> Visitor<'de> for Row<'_> {
            type Value = Datum;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Datum, A::Error> {
                let mut out = None;
                while let Some(k) = map.next_key::<String>()? {
                    if k == "x" {
                        out = Some(map.next_value_seed(DatumSeed(self.0))?);
                    } else {
                        map.next_value::<de::IgnoredAny>()?;
                    }
                }
                out.ok_or_else(|| de::Error::missing_field("x"))
            }
        }
        let ty = ColumnType::set(AtomicType::Real, 0, Max::Unlimited);
        let mut de = serde_json::Deserializer::from_str(r#"{"y":[1,{}],"x":["set",[2,0.5]]}"#);
        let d = (&mut de).deserialize_map(Row(&ty)).unwrap();
        assert_eq!(d, Datum::set([0.5, 2.0]));
    }
}
