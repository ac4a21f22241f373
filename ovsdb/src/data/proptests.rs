//! Property tests: JSON encode -> decode is the identity for arbitrary atoms, datums and rows;
//! a row built the replica's way (storing only the columns given) reads like one storing all.

use std::collections::hash_map::DefaultHasher;
use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};

use compact_str::CompactString;
use proptest::prelude::*;

use super::{Atom, Datum, Map, Row, Set, Uuid};

/// Any atom JSON can carry (finite reals; named-uuids with valid ids).
pub(crate) fn atom() -> impl Strategy<Value = Atom> {
    prop_oneof![
        any::<i64>().prop_map(Atom::Integer),
        any::<f64>()
            .prop_filter("finite", |r| r.is_finite())
            .prop_map(Atom::Real),
        any::<bool>().prop_map(Atom::Boolean),
        any::<String>().prop_map(Atom::from),
        any::<[u8; 16]>().prop_map(|b| Atom::Uuid(Uuid::from_bytes(b))),
        "[A-Za-z_][A-Za-z0-9_]{0,20}".prop_map(Atom::named_uuid),
    ]
}

/// Any datum: sets and maps of up to 8 elements.
pub(crate) fn datum() -> impl Strategy<Value = Datum> {
    prop_oneof![
        atom().prop_map(Datum::from),
        prop::collection::vec(atom(), 0..8).prop_map(|v| Datum::Set(Set::from_atoms(v))),
        prop::collection::vec((atom(), atom()), 0..8).prop_map(|v| Datum::Map(Map::from_pairs(v))),
    ]
}

/// Any row of up to 8 columns.
pub(crate) fn row() -> impl Strategy<Value = Row> {
    prop::collection::vec(("[a-z_][a-z0-9_:-]{0,30}", datum()), 0..8)
        .prop_map(|cols| cols.into_iter().collect())
}

/// Defaults of up to 71 columns (so that some are too wide to leave columns out), which of
/// them are given with which values, and maybe a column the defaults may lack.
#[allow(clippy::type_complexity)]
fn defaults_and_given() -> impl Strategy<
    Value = (
        BTreeMap<String, Datum>,
        Vec<(bool, Datum)>,
        Option<(String, Datum)>,
    ),
> {
    prop::collection::btree_map("[a-z_][a-z0-9_]{0,6}", datum(), 0..72).prop_flat_map(|d| {
        let n = d.len();
        (
            Just(d),
            prop::collection::vec((any::<bool>(), datum()), n),
            prop::option::weighted(0.2, ("[a-z_][a-z0-9_]{0,6}", datum())),
        )
    })
}

fn hash_of(row: &Row) -> u64 {
    let mut h = DefaultHasher::new();
    row.hash(&mut h);
    h.finish()
}

proptest! {
    #[test]
    fn sparse_rows_read_like_dense_rows((defaults, pick, extra) in defaults_and_given()) {
        // What the row should hold: the given values over the defaults.
        let mut given: BTreeMap<String, Datum> = defaults
            .iter()
            .zip(&pick)
            .filter(|(_, (keep, _))| *keep)
            .map(|((c, _), (_, v))| (c.clone(), v.clone()))
            .collect();
        given.extend(extra);
        let mut expected = defaults.clone();
        expected.extend(given.clone());
        // The old way: every column stored.
        let dense: Row = expected.iter().map(|(c, v)| (c.as_str(), v.clone())).collect();

        let defaults_row = defaults
            .iter()
            .map(|(c, v)| (c.as_str(), v.clone()))
            .collect::<Row>()
            .into_defaults();
        let given_pairs: Vec<(CompactString, Datum)> =
            given.iter().map(|(c, v)| (c.into(), v.clone())).collect();
        let mut built = vec![Row::overlay(&defaults_row, given_pairs.clone())];
        let given_row: Row = given_pairs.into_iter().collect();
        let all_known = given.keys().all(|c| defaults.contains_key(c));
        match given_row.slots_in(&defaults_row) {
            Some(slots) => {
                prop_assert!(all_known);
                built.push(Row::from_slots(&defaults_row, &slots, given_row.into_values()));
            }
            None => prop_assert!(!all_known),
        }
        for sparse in built {
            if all_known && !defaults.is_empty() && defaults.len() <= 64 {
                prop_assert_eq!(sparse.stored(), given.len());
            } else {
                prop_assert_eq!(sparse.stored(), expected.len());
            }
            prop_assert_eq!(&sparse, &dense);
            prop_assert_eq!(&dense, &sparse);
            prop_assert_eq!(hash_of(&sparse), hash_of(&dense));
            prop_assert_eq!(sparse.len(), expected.len());
            prop_assert_eq!(sparse.is_empty(), expected.is_empty());
            prop_assert!(sparse.iter().eq(expected.iter().map(|(c, v)| (c.as_str(), v))));
            prop_assert!(sparse.iter().eq(dense.iter()));
            prop_assert!(sparse.columns().eq(dense.columns()));
            prop_assert_eq!(
                serde_json::to_string(&sparse).unwrap(),
                serde_json::to_string(&dense).unwrap()
            );
            prop_assert_eq!(format!("{sparse:?}"), format!("{dense:?}"));
            prop_assert!(sparse.clone().into_iter().eq(dense.clone()));
            for column in expected.keys().map(String::as_str).chain(["", "~absent"]) {
                prop_assert_eq!(sparse.get(column), dense.get(column));
                prop_assert_eq!(sparse.contains(column), dense.contains(column));
                // get_mut answers the same, and a change through it keeps the rows equal.
                let (mut s, mut d) = (sparse.clone(), dense.clone());
                prop_assert_eq!(s.get_mut(column).cloned(), d.get_mut(column).cloned());
                if let (Some(a), Some(b)) = (s.get_mut(column), d.get_mut(column)) {
                    *a = Datum::empty_map();
                    *b = Datum::empty_map();
                }
                prop_assert_eq!(&s, &d);
                prop_assert_eq!(hash_of(&s), hash_of(&d));
                prop_assert!(s.iter().eq(d.iter()));
                // So do insert and remove.
                prop_assert_eq!(s.insert(column, Datum::empty_set()), d.insert(column, Datum::empty_set()));
                prop_assert_eq!(&s, &d);
                prop_assert_eq!(s.remove(column), d.remove(column));
                prop_assert_eq!(&s, &d);
                prop_assert_eq!(hash_of(&s), hash_of(&d));
                prop_assert!(s.iter().eq(d.iter()));
            }
        }
    }

    #[test]
    fn atom_round_trips(a in atom()) {
        let json = serde_json::to_string(&a).unwrap();
        prop_assert_eq!(serde_json::from_str::<Atom>(&json).unwrap(), a);
    }

    #[test]
    fn datum_round_trips(d in datum()) {
        let json = serde_json::to_string(&d).unwrap();
        prop_assert_eq!(serde_json::from_str::<Datum>(&json).unwrap(), d);
    }

    #[test]
    fn row_round_trips(r in row()) {
        let json = serde_json::to_vec(&r).unwrap();
        prop_assert_eq!(serde_json::from_slice::<Row>(&json).unwrap(), r);
    }

    #[test]
    fn sets_are_sorted_and_unique(v in prop::collection::vec(atom(), 0..16)) {
        let s = Set::from_atoms(v.clone());
        prop_assert!(s.as_slice().windows(2).all(|w| w[0] < w[1]));
        for a in &v {
            prop_assert!(s.contains(a));
        }
    }

    #[test]
    fn maps_keep_the_last_value(v in prop::collection::vec((atom(), atom()), 0..16)) {
        let m = Map::from_pairs(v.clone());
        prop_assert!(m.as_slice().windows(2).all(|w| w[0].0 < w[1].0));
        for (k, _) in &v {
            let last = v.iter().rev().find(|(k2, _)| k2 == k).map(|(_, v)| v);
            prop_assert_eq!(m.get(k), last);
        }
    }

    #[test]
    fn uuid_text_round_trips(b in any::<[u8; 16]>()) {
        let u = Uuid::from_bytes(b);
        prop_assert_eq!(Uuid::parse(&u.to_string()).unwrap(), u);
    }
}

/// A row as a JSON object with its columns in exactly the given order (duplicates kept).
fn object_text(columns: &[(String, Datum)]) -> String {
    let members: Vec<String> = columns
        .iter()
        .map(|(c, d)| {
            format!(
                "{}:{}",
                serde_json::to_string(c).unwrap(),
                serde_json::to_string(d).unwrap()
            )
        })
        .collect();
    format!("{{{}}}", members.join(","))
}

/// How a row of a sequence is written relative to a base list of columns.
fn row_variant() -> impl Strategy<Value = (u8, Vec<usize>, Vec<Datum>)> {
    (
        0u8..4,
        prop::collection::vec(0usize..64, 0..8),
        prop::collection::vec(datum(), 6),
    )
}

proptest! {
    /// Rows decoded in sequence by one `RowReader` (sharing names, reusing the previous
    /// row's placement when the columns arrive in its order) are what decoding each alone
    /// gives, duplicates refused alike, whatever the order, subset or repetition of columns.
    #[test]
    fn a_row_reader_decodes_each_row_as_decoding_it_alone(
        names in prop::collection::btree_set("[a-z_]{1,6}", 1..6),
        rows in prop::collection::vec(row_variant(), 1..12),
    ) {
        use serde::de::DeserializeSeed;
        let names: Vec<String> = names.into_iter().collect();
        let mut reader = super::row::RowReader::default();
        for (kind, picks, values) in rows {
            let mut columns: Vec<(String, Datum)> = names
                .iter()
                .zip(values.iter().cycle())
                .map(|(n, v)| (n.clone(), v.clone()))
                .collect();
            match kind {
                // The same columns in the same order: the common case.
                0 => {}
                // Reordered.
                1 => {
                    for (k, p) in picks.iter().enumerate() {
                        let n = columns.len();
                        columns.swap(k % n, p % n);
                    }
                }
                // A subset.
                2 => {
                    let keep = picks.first().map_or(0, |p| p % columns.len());
                    columns.truncate(keep);
                }
                // A column twice.
                _ => {
                    let p = picks.first().map_or(0, |p| p % columns.len());
                    let again = columns[p].clone();
                    columns.push(again);
                }
            }
            let text = object_text(&columns);
            let alone = serde_json::from_str::<Row>(&text).map_err(|e| e.to_string());
            let mut de = serde_json::Deserializer::from_str(&text);
            let read = (&mut reader).deserialize(&mut de).map_err(|e| e.to_string());
            prop_assert_eq!(&read, &alone, "{}", text);
            if let Ok(row) = read {
                prop_assert_eq!(row.iter().count(), row.len());
            }
        }
    }
}
