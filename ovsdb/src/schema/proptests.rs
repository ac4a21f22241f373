//! Property tests: generated column types (with constraints) and datums that satisfy them pass
//! `check`, survive JSON encode -> typed decode, and generated schemas survive JSON round trips.

use std::collections::BTreeMap;

use proptest::prelude::*;
use proptest::strategy::BoxedStrategy;

use super::{
    BaseType, ColumnSchema, ColumnType, DatabaseSchema, DatumSeed, Max, RefType, TableSchema,
};
use crate::data::{Atom, AtomicType, Datum, Map, Set, Uuid};

/// An `<id>` usable as a table or column name.
fn name() -> impl Strategy<Value = String> {
    "[A-Za-z][A-Za-z0-9_]{0,8}"
}

fn bounds<T: PartialOrd + Copy + std::fmt::Debug + 'static>(
    one: impl Strategy<Value = T> + Clone + 'static,
) -> BoxedStrategy<(Option<T>, Option<T>)> {
    (proptest::option::of(one.clone()), proptest::option::of(one))
        .prop_map(|(a, b)| match (a, b) {
            (Some(a), Some(b)) if a > b => (Some(b), Some(a)),
            other => other,
        })
        .boxed()
}

/// Unconstrained atoms of a type (what enum values are drawn from).
fn plain_atom(atomic: AtomicType) -> BoxedStrategy<Atom> {
    match atomic {
        AtomicType::Integer => any::<i64>().prop_map(Atom::Integer).boxed(),
        AtomicType::Real => (-1e9f64..1e9).prop_map(Atom::Real).boxed(),
        AtomicType::Boolean => any::<bool>().prop_map(Atom::Boolean).boxed(),
        AtomicType::String => any::<String>().prop_map(Atom::from).boxed(),
        AtomicType::Uuid => any::<[u8; 16]>()
            .prop_map(|b| Atom::Uuid(Uuid::from_bytes(b)))
            .boxed(),
    }
}

/// Any valid base type; references name one of `tables`.
fn base_type(tables: Vec<String>) -> BoxedStrategy<BaseType> {
    let with_enum = |atomic: AtomicType| {
        prop::collection::vec(plain_atom(atomic), 1..5)
            .prop_map(move |v| BaseType::new(atomic).with_enum(v))
    };
    prop_oneof![
        bounds(any::<i64>())
            .prop_map(|(lo, hi)| BaseType::new(AtomicType::Integer).with_integer_range(lo, hi)),
        with_enum(AtomicType::Integer),
        bounds(-1e6f64..1e6)
            .prop_map(|(lo, hi)| BaseType::new(AtomicType::Real).with_real_range(lo, hi)),
        with_enum(AtomicType::Real),
        Just(BaseType::new(AtomicType::Boolean)),
        with_enum(AtomicType::Boolean),
        bounds(0u64..12)
            .prop_map(|(lo, hi)| BaseType::new(AtomicType::String).with_length_range(lo, hi)),
        with_enum(AtomicType::String),
        Just(BaseType::new(AtomicType::Uuid)),
        (prop::sample::select(tables), any::<bool>()).prop_map(|(t, weak)| {
            BaseType::reference(t, if weak { RefType::Weak } else { RefType::Strong })
        }),
    ]
    .boxed()
}

fn column_type(tables: Vec<String>) -> BoxedStrategy<ColumnType> {
    let max = prop_oneof![(1u64..6).prop_map(Max::Limited), Just(Max::Unlimited)];
    (
        base_type(tables.clone()),
        proptest::option::of(base_type(tables)),
        0u64..=1,
        max,
    )
        .prop_map(|(key, value, min, max)| ColumnType {
            key,
            value,
            min,
            max,
        })
        .boxed()
}

/// Atoms that satisfy every constraint of `base`.
fn atom_in(base: &BaseType) -> BoxedStrategy<Atom> {
    if let Some(values) = &base.enum_ {
        return prop::sample::select(values.as_slice().to_vec()).boxed();
    }
    match base.atomic {
        AtomicType::Integer => {
            let lo = base.min_integer.unwrap_or(i64::MIN);
            let hi = base.max_integer.unwrap_or(i64::MAX);
            (lo..=hi).prop_map(Atom::Integer).boxed()
        }
        AtomicType::Real => {
            let lo = base.min_real.unwrap_or(-1e12);
            let hi = base.max_real.unwrap_or(1e12);
            (lo..=hi).prop_map(Atom::Real).boxed()
        }
        AtomicType::Boolean => any::<bool>().prop_map(Atom::Boolean).boxed(),
        AtomicType::String => {
            let lo = base.min_length.unwrap_or(0) as usize;
            let hi = base.max_length.unwrap_or(12) as usize;
            prop::collection::vec(any::<char>(), lo..=hi)
                .prop_map(|cs| Atom::from(cs.into_iter().collect::<String>()))
                .boxed()
        }
        AtomicType::Uuid => prop_oneof![
            4 => any::<[u8; 16]>().prop_map(|b| Atom::Uuid(Uuid::from_bytes(b))),
            1 => "[A-Za-z_][A-Za-z0-9_]{0,10}".prop_map(Atom::named_uuid),
        ]
        .boxed(),
    }
}

/// Datums that satisfy `ty`. Duplicates collapse, which can only shrink a set towards `min`,
/// and `min` is at most 1, so a non-empty vector still gives at least `min` elements.
fn datum_in(ty: &ColumnType) -> BoxedStrategy<Datum> {
    let lo = ty.min as usize;
    let hi = ty.max.limit().unwrap_or(6).min(6) as usize;
    match &ty.value {
        None => prop::collection::vec(atom_in(&ty.key), lo..=hi)
            .prop_map(|v| Datum::Set(Set::from_atoms(v)))
            .boxed(),
        Some(value) => prop::collection::vec((atom_in(&ty.key), atom_in(value)), lo..=hi)
            .prop_map(|v| Datum::Map(Map::from_pairs(v)))
            .boxed(),
    }
}

fn type_and_datum() -> impl Strategy<Value = (ColumnType, Datum)> {
    column_type(vec!["T".into()]).prop_flat_map(|ty| {
        let d = datum_in(&ty);
        (Just(ty), d)
    })
}

fn table(tables: Vec<String>) -> BoxedStrategy<TableSchema> {
    let column = (column_type(tables), any::<bool>(), any::<bool>()).prop_map(
        |(column_type, ephemeral, mutable)| ColumnSchema {
            column_type,
            ephemeral,
            mutable,
        },
    );
    (
        prop::collection::btree_map(name(), column, 1..5),
        proptest::option::of(1u64..1000),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_flat_map(|(columns, max_rows, is_root, mutable)| {
            let indexable: Vec<String> = columns
                .iter()
                .filter(|(_, c)| !c.ephemeral)
                .map(|(n, _)| n.clone())
                .collect();
            let indexes = if indexable.is_empty() {
                Just(Vec::new()).boxed()
            } else {
                let n = indexable.len();
                prop::collection::vec(prop::sample::subsequence(indexable, 1..=n), 0..3).boxed()
            };
            (
                Just(columns),
                Just(max_rows),
                Just(is_root),
                Just(mutable),
                indexes,
            )
        })
        .prop_map(
            |(columns, max_rows, is_root, mutable, indexes)| TableSchema {
                columns,
                max_rows,
                is_root,
                indexes,
                mutable,
            },
        )
        .boxed()
}

fn schema() -> impl Strategy<Value = DatabaseSchema> {
    prop::collection::btree_set(name(), 1..4).prop_flat_map(|names| {
        let names: Vec<String> = names.into_iter().collect();
        let tables: Vec<_> = names
            .iter()
            .map(|n| (Just(n.clone()), table(names.clone())))
            .collect();
        (
            "[A-Za-z_][A-Za-z0-9_]{0,10}",
            prop_oneof![Just(String::new()), "[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}"],
            proptest::option::of("[0-9]{1,10} [0-9]{1,6}"),
            tables,
        )
            .prop_map(|(name, version, cksum, tables)| DatabaseSchema {
                name,
                version,
                cksum,
                tables: tables.into_iter().collect::<BTreeMap<_, _>>(),
            })
    })
}

/// Small JSON values to plant into a schema: some valid somewhere, most wrong somewhere.
fn json_leaf() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::{json, Value};
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-1e3f64..1e3).prop_map(Value::from),
        "[a-z_]{0,6}".prop_map(Value::from),
        Just(json!([])),
        Just(json!({})),
        Just(json!(["set", []])),
        Just(json!(["map", [[1, 2]]])),
        Just(json!("unlimited")),
        Just(json!({"type": "uuid", "refTable": "nope"})),
        Just(json!({"key": "integer", "min": 2})),
    ]
}

/// Replaces the `n`th node (depth first, counting from 0) of `v` by `new`; returns how many
/// nodes remain to count if `v` has fewer than `n + 1`.
fn replace_nth(v: &mut serde_json::Value, n: usize, new: &serde_json::Value) -> Result<(), usize> {
    use serde_json::Value;
    if n == 0 {
        *v = new.clone();
        return Ok(());
    }
    let mut n = n - 1;
    let children: Vec<&mut Value> = match v {
        Value::Array(a) => a.iter_mut().collect(),
        Value::Object(o) => o.values_mut().collect(),
        _ => Vec::new(),
    };
    for child in children {
        match replace_nth(child, n, new) {
            Ok(()) => return Ok(()),
            Err(left) => n = left,
        }
    }
    Err(n)
}

proptest! {
    #[test]
    fn generated_types_are_valid_and_round_trip(ty in column_type(vec!["T".into()])) {
        prop_assert_eq!(ty.validate(), Ok(()));
        let json = serde_json::to_string(&ty).unwrap();
        prop_assert_eq!(serde_json::from_str::<ColumnType>(&json).unwrap(), ty);
    }

    #[test]
    fn satisfying_datums_pass_check((ty, d) in type_and_datum()) {
        prop_assert_eq!(ty.check(&d), Ok(()));
    }

    #[test]
    fn typed_decode_inverts_encode((ty, d) in type_and_datum()) {
        let json = serde_json::to_string(&d).unwrap();
        let mut de = serde_json::Deserializer::from_str(&json);
        let back = serde::de::DeserializeSeed::deserialize(DatumSeed(&ty), &mut de).unwrap();
        prop_assert_eq!(&back, &d);
        prop_assert_eq!(ty.datum_from_json_str(&json).unwrap(), d);
    }

    #[test]
    fn reals_written_as_integers_decode_as_reals(v in prop::collection::vec(-1_000_000i64..1_000_000, 0..6)) {
        // ovsdb-server writes a real with no fraction as a JSON integer.
        let ty = ColumnType::set(AtomicType::Real, 0, Max::Unlimited);
        let json = format!(
            "[\"set\",[{}]]",
            v.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
        );
        match ty.datum_from_json_str(&json) {
            Ok(d) => prop_assert_eq!(d, Datum::set(v.iter().map(|&i| i as f64))),
            // Only a repeated value may fail (ovsdb-server refuses duplicates too).
            Err(_) => {
                let mut sorted = v.clone();
                sorted.sort_unstable();
                sorted.dedup();
                prop_assert!(sorted.len() < v.len());
            }
        }
    }

    #[test]
    fn out_of_range_integers_are_refused(lo in -1000i64..1000, width in 0i64..100, below in 1i64..1000) {
        let ty = ColumnType::scalar(
            BaseType::new(AtomicType::Integer).with_integer_range(Some(lo), Some(lo + width)),
        );
        prop_assert!(ty.check(&Datum::from(Atom::Integer(lo - below))).is_err());
        prop_assert!(ty.check(&Datum::from(Atom::Integer(lo + width + below))).is_err());
        prop_assert!(ty.check(&Datum::from(Atom::Integer(lo + width / 2))).is_ok());
    }

    #[test]
    fn schemas_round_trip(s in schema()) {
        prop_assert!(s.validate().is_ok(), "{:?}", s.validate());
        let json = serde_json::to_string(&s).unwrap();
        let back = DatabaseSchema::from_json_str(&json).unwrap();
        prop_assert_eq!(&back, &s);
        // Printing is stable: the reparsed schema prints the same text.
        prop_assert_eq!(serde_json::to_string(&back).unwrap(), json);
    }

    #[test]
    fn arbitrary_text_never_panics(s in "\\PC{0,200}") {
        let _ = DatabaseSchema::from_json_str(&s);
        let _ = ColumnType::scalar(AtomicType::Integer).datum_from_json_str(&s);
    }

    #[test]
    fn damaged_schemas_fail_cleanly_or_stay_valid(
        s in schema(),
        at in any::<usize>(),
        planted in json_leaf(),
    ) {
        let mut json = serde_json::to_value(&s).unwrap();
        let mut nodes = 0;
        if let Err(left) = replace_nth(&mut json, usize::MAX, &planted) {
            nodes = usize::MAX - left;
        }
        prop_assume!(nodes > 0);
        prop_assert!(replace_nth(&mut json, at % nodes, &planted).is_ok());
        let text = json.to_string();
        let from_value = DatabaseSchema::from_value(&json);
        let from_text = DatabaseSchema::from_json_str(&text);
        prop_assert_eq!(from_value.is_ok(), from_text.is_ok());
        if let Ok(parsed) = from_text {
            // Whatever is accepted is valid and prints back to an equal schema.
            prop_assert!(parsed.validate().is_ok());
            let again = serde_json::to_string(&parsed).unwrap();
            prop_assert_eq!(DatabaseSchema::from_json_str(&again).unwrap(), parsed);
        }
    }
}
