//! Shared by the tests of `ovn-nb`, `ovn-sb` and `ovs-vswitch` (included with `#[path]`):
//! proptest strategies for dynamic rows that satisfy a table's column constraints, and the
//! typed <-> dynamic round-trip check run over every table of a schema.

#![allow(dead_code)]

use ovsdb::data::{Atom, AtomicType, Datum, Map, Row, Set, Uuid};
use ovsdb::schema::{BaseType, ColumnType, DatabaseSchema, TableSchema};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

/// Atoms allowed by `base` (its enum, range or length).
pub fn atom(base: &BaseType) -> BoxedStrategy<Atom> {
    if let Some(values) = &base.enum_ {
        let values: Vec<Atom> = values.iter().cloned().collect();
        return proptest::sample::select(values).boxed();
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
            let lo = base.min_length.unwrap_or(0);
            let hi = base.max_length.unwrap_or(lo + 12).min(lo + 12);
            proptest::string::string_regex(&format!("[a-zA-Z0-9 _.:/é-]{{{lo},{hi}}}"))
                .expect("a valid regex")
                .prop_map(Atom::string)
                .boxed()
        }
        AtomicType::Uuid => any::<[u8; 16]>()
            .prop_map(|b| Atom::Uuid(Uuid::from_bytes(b)))
            .boxed(),
    }
}

/// Datums of column type `ty`: sizes between its min and max (at most 4 elements).
pub fn datum(ty: &ColumnType) -> BoxedStrategy<Datum> {
    let min = ty.min as usize;
    let max = ty.max.limit().map_or(min + 4, |m| m as usize).min(min + 4);
    let key = atom(&ty.key);
    match &ty.value {
        None => proptest::collection::vec(key, min..=max)
            .prop_map(|atoms| Datum::Set(Set::from_atoms(atoms)))
            .prop_filter("duplicates left too few elements", move |d| d.len() >= min)
            .boxed(),
        Some(v) => proptest::collection::vec((key, atom(v)), min..=max)
            .prop_map(|pairs| Datum::Map(Map::from_pairs(pairs)))
            .prop_filter("duplicate keys left too few pairs", move |d| d.len() >= min)
            .boxed(),
    }
}

/// Rows with every column of `table` (valid values), and maybe `_uuid` and `_version`.
pub fn row(table: &TableSchema) -> BoxedStrategy<Row> {
    let columns: Vec<(String, BoxedStrategy<Datum>)> = table
        .columns
        .iter()
        .map(|(name, c)| (name.clone(), datum(&c.column_type)))
        .collect();
    let names: Vec<String> = columns.iter().map(|(n, _)| n.clone()).collect();
    let values: Vec<BoxedStrategy<Datum>> = columns.into_iter().map(|(_, s)| s).collect();
    (
        values,
        proptest::option::of(any::<[u8; 16]>()),
        proptest::option::of(any::<[u8; 16]>()),
    )
        .prop_map(move |(values, uuid, version)| {
            let mut row: Row = names.iter().cloned().zip(values).collect();
            if let Some(u) = uuid {
                row.insert("_uuid", Datum::from(Atom::Uuid(Uuid::from_bytes(u))));
            }
            if let Some(v) = version {
                row.insert("_version", Datum::from(Atom::Uuid(Uuid::from_bytes(v))));
            }
            row
        })
        .boxed()
}

/// What a typed crate exposes for the round trip: decode a dynamic row of `table` into its
/// typed row and give back (the typed row's dynamic row, its `_uuid`).
pub type Decode = dyn Fn(&str, &Row) -> Option<Result<(Row, Option<Uuid>), String>>;

/// For every table of `schema`, `cases` generated rows: each satisfies the column
/// constraints, decodes into the typed row, and the typed row converts back into the same
/// columns (`_uuid` carried in the typed row, not in its dynamic row). Returns the number
/// of tables checked.
pub fn round_trip_every_table(schema: &DatabaseSchema, cases: u32, decode: &Decode) -> usize {
    let mut tables = 0;
    for (name, table) in &schema.tables {
        let mut runner = TestRunner::new(Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        });
        let result = runner.run(&row(table), |row| {
            schema
                .check_row(name, &row)
                .map_err(|e| TestCaseError::fail(format!("generated an invalid row: {e}")))?;
            let (back, uuid) = decode(name, &row)
                .ok_or_else(|| TestCaseError::fail(format!("no typed table for {name}")))?
                .map_err(TestCaseError::fail)?;
            let mut expected = row.clone();
            let expected_uuid = expected
                .remove("_uuid")
                .and_then(|d| d.as_scalar().and_then(Atom::as_uuid));
            expected.remove("_version");
            prop_assert_eq!(&back, &expected, "table {}", name);
            prop_assert_eq!(uuid, expected_uuid);
            Ok(())
        });
        if let Err(e) = result {
            panic!("table {name}: {e}");
        }
        tables += 1;
    }
    tables
}
