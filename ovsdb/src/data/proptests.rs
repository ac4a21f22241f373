//! Property tests: JSON encode -> decode is the identity for arbitrary atoms, datums and rows.

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

proptest! {
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
