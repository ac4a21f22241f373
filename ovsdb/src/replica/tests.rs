//! Unit tests of the replica: every diff rule through `apply_update2`, the RFC `update` form,
//! events, replace, indexes, and every bad input leaving the replica unchanged.

use std::sync::Arc;

use super::*;
use crate::data::{Datum, Row, Uuid};
use crate::monitor::{RowChange, RowUpdate, RowUpdate2, TableUpdate, TableUpdates, TableUpdates2};
use crate::schema::{ConstraintViolation, DatabaseSchema};

pub(super) const SCHEMA: &str = r#"{"name": "Test", "version": "1.0.0", "tables": {
  "T": {"columns": {
    "i": {"type": "integer"},
    "r": {"type": "real"},
    "s": {"type": "string"},
    "o": {"type": {"key": "string", "min": 0, "max": 1}},
    "e": {"type": {"key": {"type": "string", "enum": ["set", ["a", "b"]]}, "min": 0, "max": 1}},
    "set": {"type": {"key": "string", "min": 0, "max": "unlimited"}},
    "small": {"type": {"key": "integer", "min": 0, "max": 2}},
    "m": {"type": {"key": "string", "value": "string", "min": 0, "max": "unlimited"}},
    "mi": {"type": {"key": "string", "value": "integer", "min": 0, "max": "unlimited"}},
    "refs": {"type": {"key": {"type": "uuid", "refTable": "U"}, "min": 0, "max": "unlimited"}}},
   "isRoot": true},
  "U": {"columns": {"name": {"type": "string"}, "weight": {"type": {"key": "real", "min": 0, "max": 1}}},
        "indexes": [["name"]], "isRoot": true}}}"#;

pub(super) fn schema() -> Arc<DatabaseSchema> {
    Arc::new(DatabaseSchema::from_json_str(SCHEMA).unwrap())
}

fn replica() -> Replica {
    Replica::new(schema())
}

pub(super) fn u(n: u8) -> Uuid {
    Uuid::from_bytes([n; 16])
}

fn up2(table: &str, rows: Vec<(Uuid, RowChange)>) -> TableUpdates2 {
    TableUpdates2 {
        tables: vec![TableUpdate {
            table: table.into(),
            rows: rows
                .into_iter()
                .map(|(uuid, change)| RowUpdate2 { uuid, change })
                .collect(),
        }],
    }
}

fn up1(table: &str, rows: Vec<(Uuid, Option<Row>, Option<Row>)>) -> TableUpdates {
    TableUpdates {
        tables: vec![TableUpdate {
            table: table.into(),
            rows: rows
                .into_iter()
                .map(|(uuid, old, new)| RowUpdate { uuid, old, new })
                .collect(),
        }],
    }
}

fn ins(uuid: Uuid, row: Row) -> TableUpdates2 {
    up2("T", vec![(uuid, RowChange::Insert(row))])
}

fn modify(uuid: Uuid, diff: Row) -> TableUpdates2 {
    up2("T", vec![(uuid, RowChange::Modify(diff))])
}

/// A full row of T with every column at its default.
fn defaults_t() -> Row {
    Row::new()
        .with("i", 0i64)
        .with("r", 0.0)
        .with("s", "")
        .with("o", Datum::empty_set())
        .with("e", Datum::empty_set())
        .with("set", Datum::empty_set())
        .with("small", Datum::empty_set())
        .with("m", Datum::empty_map())
        .with("mi", Datum::empty_map())
        .with("refs", Datum::empty_set())
}

fn with(mut row: Row, column: &str, value: impl Into<Datum>) -> Row {
    row.insert(column, value.into());
    row
}

fn get(r: &Replica, uuid: Uuid, column: &str) -> Datum {
    r.get("T", uuid).unwrap().get(column).unwrap().clone()
}

#[test]
fn insert_fills_defaults_and_emits_insert() {
    let mut r = replica();
    let events = r
        .apply_update2(&ins(u(1), Row::new().with("s", "x").with("i", 3i64)))
        .unwrap();
    let expected = with(with(defaults_t(), "s", "x"), "i", 3i64);
    assert_eq!(**r.get("T", u(1)).unwrap(), expected);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].table, "T");
    assert_eq!(events[0].uuid, u(1));
    assert_eq!(events[0].new_row().map(|r| &**r), Some(&expected));
    assert!(events[0].is_insert());
    assert_eq!(r.row_count(), 1);
    assert_eq!(r.table("T").unwrap().len(), 1);
    assert_eq!(r.table("U").unwrap().len(), 0);
}

#[test]
fn rows_store_only_the_columns_sent() {
    let mut r = replica();
    let sent = Row::new().with("s", "x").with("i", 3i64);
    r.apply_update2(&ins(u(1), sent.clone())).unwrap();
    let row = r.get("T", u(1)).unwrap();
    assert_eq!(row.stored(), 2);
    assert_eq!(row.len(), 10);
    assert_eq!(**row, with(with(defaults_t(), "s", "x"), "i", 3i64));
    // With `_version` (the rows of a monitor that asked for it).
    let versioned = sent.clone().with("_version", u(9));
    r.apply_update2(&ins(u(2), versioned)).unwrap();
    let row = r.get("T", u(2)).unwrap();
    assert_eq!(row.stored(), 3);
    assert_eq!(row.len(), 11);
    assert_eq!(row.get("_version"), Some(&Datum::from(u(9))));
    assert_eq!(row.get("m"), Some(&Datum::empty_map()));
    // A modify stores the column it changes, and only that one.
    r.apply_update2(&modify(u(1), Row::new().with("o", "y")))
        .unwrap();
    let row = r.get("T", u(1)).unwrap();
    assert_eq!(row.stored(), 3);
    assert_eq!(
        **row,
        with(with(with(defaults_t(), "s", "x"), "i", 3i64), "o", "y")
    );
    // A column beyond the monitored ones: the row gets names of its own, every value stored.
    r.set_monitored_columns("T", &["i", "s", "set"]).unwrap();
    r.apply_update2(&ins(u(3), Row::new().with("s", "z").with("r", 2.5)))
        .unwrap();
    let row = r.get("T", u(3)).unwrap();
    assert_eq!(row.stored(), 4);
    let expected = Row::new()
        .with("i", 0i64)
        .with("r", 2.5)
        .with("s", "z")
        .with("set", Datum::empty_set());
    assert_eq!(**row, expected);
    r.apply_update2(&ins(u(4), Row::new().with("s", "w")))
        .unwrap();
    assert_eq!(r.get("T", u(4)).unwrap().stored(), 1);
}

#[test]
fn every_diff_rule_through_modify() {
    let mut r = replica();
    let start = Row::new()
        .with("i", 1i64)
        .with("o", "a")
        .with("set", Datum::set(["a", "b"]))
        .with("m", Datum::map([("k1", "v1"), ("k2", "v2")]))
        .with("small", Datum::set([1i64]));
    r.apply_update2(&ins(u(1), start)).unwrap();

    // Scalar: the new value. Optional: the new value, not a toggle. Set: toggles.
    // Map: absent key inserted, same value removed, other value replaced.
    let diff = Row::new()
        .with("i", 2i64)
        .with("o", "b")
        .with("set", Datum::set(["a", "c"]))
        .with("m", Datum::map([("k0", "new"), ("k1", "v1"), ("k2", "X")]))
        .with("small", Datum::set([2i64]));
    let events = r.apply_update2(&modify(u(1), diff)).unwrap();
    assert_eq!(get(&r, u(1), "i"), 2i64.into());
    assert_eq!(get(&r, u(1), "o"), "b".into());
    assert_eq!(get(&r, u(1), "set"), Datum::set(["b", "c"]));
    assert_eq!(get(&r, u(1), "m"), Datum::map([("k0", "new"), ("k2", "X")]));
    assert_eq!(get(&r, u(1), "small"), Datum::set([1i64, 2]));
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].changed_columns(), ["i", "m", "o", "set", "small"]);
    let EventKind::Update { old, new } = &events[0].kind else {
        panic!("{events:?}")
    };
    assert_eq!(old.get("i"), Some(&Datum::from(1i64)));
    assert_eq!(new.get("i"), Some(&Datum::from(2i64)));

    // Clearing an optional column sends the empty set; a column diff on a default (omitted)
    // column starts from the default.
    let diff = Row::new()
        .with("o", Datum::empty_set())
        .with("mi", Datum::map([("n", 5i64)]));
    r.apply_update2(&modify(u(1), diff)).unwrap();
    assert_eq!(get(&r, u(1), "o"), Datum::empty_set());
    assert_eq!(get(&r, u(1), "mi"), Datum::map([("n", 5i64)]));
}

#[test]
fn modify_that_changes_nothing_emits_nothing() {
    let mut r = replica();
    r.apply_update2(&ins(u(1), Row::new().with("i", 1i64)))
        .unwrap();
    let before = r.clone();
    // A scalar set to the value it has, and an empty set diff.
    let events = r
        .apply_update2(&modify(
            u(1),
            Row::new().with("i", 1i64).with("set", Datum::empty_set()),
        ))
        .unwrap();
    assert!(events.is_empty());
    assert_eq!(r, before);
}

#[test]
fn delete_emits_the_last_contents() {
    let mut r = replica();
    r.apply_update2(&ins(u(1), Row::new().with("s", "x")))
        .unwrap();
    let row = Arc::clone(r.get("T", u(1)).unwrap());
    let events = r
        .apply_update2(&up2("T", vec![(u(1), RowChange::Delete)]))
        .unwrap();
    assert_eq!(
        events,
        [Event {
            table: "T".into(),
            uuid: u(1),
            kind: EventKind::Delete { old: row }
        }]
    );
    assert!(r.get("T", u(1)).is_none());
    assert_eq!(r.row_count(), 0);
}

#[test]
fn one_batch_can_insert_then_modify_then_delete_a_row() {
    let mut r = replica();
    let batch = up2(
        "T",
        vec![
            (u(1), RowChange::Insert(Row::new().with("i", 1i64))),
            (u(1), RowChange::Modify(Row::new().with("i", 2i64))),
            (u(2), RowChange::Initial(Row::new().with("i", 5i64))),
            (u(1), RowChange::Delete),
        ],
    );
    let events = r.apply_update2(&batch).unwrap();
    let kinds: Vec<_> = events
        .iter()
        .map(|e| (e.uuid, e.is_insert(), e.is_update(), e.is_delete()))
        .collect();
    assert_eq!(
        kinds,
        [
            (u(1), true, false, false),
            (u(1), false, true, false),
            (u(2), true, false, false),
            (u(1), false, false, true)
        ]
    );
    assert_eq!(r.row_count(), 1);
    assert_eq!(get(&r, u(2), "i"), 5i64.into());
}

#[test]
fn rfc_update_insert_modify_delete() {
    let mut r = replica();
    let full = with(defaults_t(), "s", "x");
    let events = r
        .apply_update(&up1("T", vec![(u(1), None, Some(full.clone()))]))
        .unwrap();
    assert!(events[0].is_insert());
    assert_eq!(**r.get("T", u(1)).unwrap(), full);

    // ovsdb-server: `old` has the changed columns' old values, `new` every column.
    let new = with(with(full.clone(), "s", "y"), "m", Datum::map([("a", "b")]));
    let old = Row::new().with("s", "x").with("m", Datum::empty_map());
    let events = r
        .apply_update(&up1("T", vec![(u(1), Some(old), Some(new.clone()))]))
        .unwrap();
    assert_eq!(events[0].changed_columns(), ["m", "s"]);
    assert_eq!(**r.get("T", u(1)).unwrap(), new);

    // A `new` holding only the changed columns works too.
    r.apply_update(&up1(
        "T",
        vec![(u(1), Some(Row::new()), Some(Row::new().with("i", 9i64)))],
    ))
    .unwrap();
    assert_eq!(get(&r, u(1), "i"), 9i64.into());
    assert_eq!(get(&r, u(1), "s"), "y".into());

    let events = r
        .apply_update(&up1("T", vec![(u(1), Some(Row::new()), None)]))
        .unwrap();
    assert!(events[0].is_delete());
    assert_eq!(r.row_count(), 0);
}

#[test]
fn integers_become_reals_in_real_columns() {
    let mut r = replica();
    r.apply_update2(&ins(u(1), Row::new().with("r", 1i64)))
        .unwrap();
    assert_eq!(get(&r, u(1), "r"), Datum::from(1.0));
    r.apply_update2(&modify(u(1), Row::new().with("r", 2i64)))
        .unwrap();
    assert_eq!(get(&r, u(1), "r"), Datum::from(2.0));
    // A whole real in an integer column becomes an integer; a fraction is refused.
    r.apply_update2(&modify(u(1), Row::new().with("i", 4.0)))
        .unwrap();
    assert_eq!(get(&r, u(1), "i"), Datum::from(4i64));
    assert!(r
        .apply_update2(&modify(u(1), Row::new().with("i", 4.5)))
        .is_err());
    // An empty set in a map column is the empty map.
    r.apply_update2(&modify(
        u(1),
        Row::new().with("m", Datum::map([("a", "b")])),
    ))
    .unwrap();
    r.apply_update(&up1(
        "T",
        vec![(
            u(1),
            Some(Row::new()),
            Some(Row::new().with("m", Datum::empty_set())),
        )],
    ))
    .unwrap();
    assert_eq!(get(&r, u(1), "m"), Datum::empty_map());
}

/// Applies a batch that must fail and checks the replica did not change at all.
fn refused(r: &mut Replica, batch: &TableUpdates2) -> ReplicaError {
    let before = r.clone();
    let err = r.apply_update2(batch).unwrap_err();
    assert_eq!(*r, before, "{err}");
    err
}

fn seeded() -> Replica {
    let mut r = replica();
    r.apply_update2(&ins(
        u(1),
        Row::new()
            .with("s", "one")
            .with("set", Datum::set(["a"]))
            .with("m", Datum::map([("k", "v")]))
            .with("small", Datum::set([1i64, 2])),
    ))
    .unwrap();
    r.add_index(IndexSpec::parse("T", "m:k")).unwrap();
    r
}

#[test]
fn bad_input_is_refused_and_changes_nothing() {
    let mut r = seeded();
    let good = (u(2), RowChange::Insert(Row::new().with("s", "two")));

    let err = refused(&mut r, &up2("Nope", vec![good.clone()]));
    assert_eq!(
        err,
        ReplicaError::UnknownTable {
            table: "Nope".into()
        }
    );

    // An error late in a batch undoes nothing because nothing was applied.
    let err = refused(
        &mut r,
        &up2(
            "T",
            vec![
                good.clone(),
                (u(1), RowChange::Modify(Row::new().with("zzz", 1i64))),
            ],
        ),
    );
    assert_eq!(
        err,
        ReplicaError::UnknownColumn {
            table: "T".into(),
            uuid: u(1),
            column: "zzz".into()
        }
    );
    assert_eq!(
        err.to_string(),
        format!("table T, row {}: no column zzz in the schema", u(1))
    );

    let err = refused(&mut r, &ins(u(3), Row::new().with("bogus", 1i64)));
    assert!(matches!(err, ReplicaError::UnknownColumn { .. }), "{err}");

    // A string where the column is an integer.
    let err = refused(&mut r, &ins(u(3), Row::new().with("i", "five")));
    let ReplicaError::BadValue {
        table,
        uuid,
        column,
        violation,
    } = &err
    else {
        panic!("{err}")
    };
    assert_eq!((table.as_str(), *uuid, column.as_str()), ("T", u(3), "i"));
    assert!(matches!(violation, ConstraintViolation::Type { .. }));
    assert!(err.to_string().contains("column i"), "{err}");

    // A map diff for a set column, a set diff for a map column.
    let err = refused(
        &mut r,
        &modify(u(1), Row::new().with("set", Datum::map([("a", "b")]))),
    );
    assert!(
        matches!(&err, ReplicaError::BadValue { violation: ConstraintViolation::Shape { .. }, column, .. } if column == "set"),
        "{err}"
    );
    let err = refused(
        &mut r,
        &modify(u(1), Row::new().with("m", Datum::set(["x"]))),
    );
    assert!(
        matches!(
            &err,
            ReplicaError::BadValue {
                violation: ConstraintViolation::Shape { .. },
                ..
            }
        ),
        "{err}"
    );

    // A diff whose result breaks the cardinality (small has max 2).
    let err = refused(
        &mut r,
        &modify(u(1), Row::new().with("small", Datum::set([3i64]))),
    );
    assert!(
        matches!(
            &err,
            ReplicaError::BadValue {
                violation: ConstraintViolation::Cardinality { .. },
                ..
            }
        ),
        "{err}"
    );

    // Outside an enum; a two-element value for a scalar; a named-uuid.
    let err = refused(&mut r, &ins(u(3), Row::new().with("e", "c")));
    assert!(
        matches!(
            &err,
            ReplicaError::BadValue {
                violation: ConstraintViolation::NotInEnum { .. },
                ..
            }
        ),
        "{err}"
    );
    let err = refused(
        &mut r,
        &ins(u(3), Row::new().with("s", Datum::set(["a", "b"]))),
    );
    assert!(
        matches!(
            &err,
            ReplicaError::BadValue {
                violation: ConstraintViolation::Cardinality { .. },
                ..
            }
        ),
        "{err}"
    );
    let err = refused(
        &mut r,
        &ins(
            u(3),
            Row::new().with("refs", Datum::from(crate::data::Atom::named_uuid("x"))),
        ),
    );
    assert!(
        matches!(
            &err,
            ReplicaError::BadValue {
                violation: ConstraintViolation::Type { .. },
                ..
            }
        ),
        "{err}"
    );

    // Rows that should not or should exist.
    let err = refused(&mut r, &ins(u(1), Row::new()));
    assert_eq!(
        err,
        ReplicaError::RowExists {
            table: "T".into(),
            uuid: u(1)
        }
    );
    let err = refused(&mut r, &up2("T", vec![good.clone(), good.clone()]));
    assert_eq!(
        err,
        ReplicaError::RowExists {
            table: "T".into(),
            uuid: u(2)
        }
    );
    let err = refused(&mut r, &modify(u(9), Row::new().with("i", 1i64)));
    assert_eq!(
        err,
        ReplicaError::MissingRow {
            table: "T".into(),
            uuid: u(9),
            op: RowOp::Modify
        }
    );
    let err = refused(&mut r, &up2("T", vec![(u(9), RowChange::Delete)]));
    assert_eq!(
        err.to_string(),
        format!("table T: cannot delete row {}, which does not exist", u(9))
    );
    // Deleted earlier in the same batch, then modified.
    refused(
        &mut r,
        &up2(
            "T",
            vec![
                (u(1), RowChange::Delete),
                (u(1), RowChange::Modify(Row::new().with("i", 1i64))),
            ],
        ),
    );

    // The RFC form: modify and delete of a missing row, insert of an existing one, bad value.
    let before = r.clone();
    for batch in [
        up1("T", vec![(u(9), Some(Row::new()), Some(Row::new()))]),
        up1("T", vec![(u(9), Some(Row::new()), None)]),
        up1("T", vec![(u(1), None, Some(Row::new()))]),
        up1(
            "T",
            vec![(u(1), Some(Row::new()), Some(Row::new().with("i", true)))],
        ),
        up1(
            "U",
            vec![(
                u(5),
                None,
                Some(Row::new().with("weight", Datum::set([1.0, 2.0]))),
            )],
        ),
    ] {
        assert!(r.apply_update(&batch).is_err(), "{batch:?}");
        assert_eq!(r, before);
    }
}

fn replace(r: &mut Replica, tables: &[&str], rows: Vec<(&str, Uuid, Row)>) -> Vec<Event> {
    let mut updates = TableUpdates2::default();
    for (table, uuid, row) in rows {
        let change = RowUpdate2 {
            uuid,
            change: RowChange::Initial(row),
        };
        match updates.tables.iter_mut().find(|t| t.table == table) {
            Some(t) => t.rows.push(change),
            None => updates.tables.push(TableUpdate {
                table: table.into(),
                rows: vec![change],
            }),
        }
    }
    r.replace_tables(tables, &updates).unwrap()
}

#[test]
fn replace_emits_only_real_differences() {
    let mut r = replica();
    let v = |n: u8| Datum::from(u(100 + n));
    r.apply_update2(&up2(
        "T",
        vec![
            (
                u(1),
                RowChange::Initial(Row::new().with("s", "same").with("_version", v(1))),
            ),
            (u(2), RowChange::Initial(Row::new().with("s", "changes"))),
            (u(3), RowChange::Initial(Row::new().with("s", "goes away"))),
            (
                u(4),
                RowChange::Initial(Row::new().with("s", "new version").with("_version", v(4))),
            ),
        ],
    ))
    .unwrap();
    r.apply_update2(&up2(
        "U",
        vec![(u(7), RowChange::Initial(Row::new().with("name", "other")))],
    ))
    .unwrap();
    let same = Arc::clone(r.get("T", u(1)).unwrap());

    let events = replace(
        &mut r,
        &["T"],
        vec![
            (
                "T",
                u(1),
                Row::new().with("s", "same").with("_version", v(1)),
            ),
            ("T", u(2), Row::new().with("s", "changed")),
            (
                "T",
                u(4),
                Row::new().with("s", "new version").with("_version", v(5)),
            ),
            ("T", u(5), Row::new().with("s", "appears")),
        ],
    );
    let summary: Vec<_> = events
        .iter()
        .map(|e| (e.uuid, e.is_insert(), e.is_update(), e.is_delete()))
        .collect();
    assert_eq!(
        summary,
        [
            (u(3), false, false, true),
            (u(2), false, true, false),
            (u(5), true, false, false)
        ]
    );
    // The identical row is the same Arc; the _version-only change is stored.
    assert!(Arc::ptr_eq(r.get("T", u(1)).unwrap(), &same));
    assert_eq!(get(&r, u(4), "_version"), v(5));
    assert_eq!(get(&r, u(2), "s"), "changed".into());
    // Other tables are untouched.
    assert_eq!(r.table("U").unwrap().len(), 1);
    assert_eq!(r.table("T").unwrap().len(), 4);

    // Replacing with nothing empties only the named table.
    let events = replace(&mut r, &["T"], vec![]);
    assert_eq!(events.len(), 4);
    assert!(events.iter().all(Event::is_delete));
    assert_eq!(r.row_count(), 1);
    let events = r.clear_tables(&["U"]).unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(r.row_count(), 0);
}

#[test]
fn replace_from_rfc_update() {
    let mut r = replica();
    r.apply_update(&up1(
        "U",
        vec![(u(1), None, Some(Row::new().with("name", "a")))],
    ))
    .unwrap();
    let events = r
        .replace_tables_from_update(
            &["U"],
            &up1(
                "U",
                vec![
                    (u(1), None, Some(Row::new().with("name", "a"))),
                    (u(2), None, Some(Row::new().with("name", "b"))),
                ],
            ),
        )
        .unwrap();
    assert_eq!(events.len(), 1);
    assert!(events[0].is_insert() && events[0].uuid == u(2));
    let before = r.clone();
    let err = r
        .replace_tables_from_update(
            &["U"],
            &up1("U", vec![(u(3), Some(Row::new()), Some(Row::new()))]),
        )
        .unwrap_err();
    assert_eq!(
        err,
        ReplicaError::NotInitial {
            table: "U".into(),
            uuid: u(3)
        }
    );
    assert_eq!(r, before);
}

#[test]
fn bad_replacements_change_nothing() {
    let mut r = seeded();
    let before = r.clone();
    let initial = |table: &str, change| up2(table, vec![(u(1), change)]);
    let cases = [
        (vec!["T"], initial("T", RowChange::Delete)),
        (vec!["T"], initial("T", RowChange::Modify(Row::new()))),
        (vec!["T"], initial("U", RowChange::Initial(Row::new()))),
        (vec!["Nope"], TableUpdates2::default()),
        (vec!["T"], initial("Nope", RowChange::Initial(Row::new()))),
        (
            vec!["T"],
            initial("T", RowChange::Initial(Row::new().with("i", "x"))),
        ),
        (
            vec!["T"],
            up2(
                "T",
                vec![
                    (u(5), RowChange::Initial(Row::new())),
                    (u(5), RowChange::Insert(Row::new())),
                ],
            ),
        ),
    ];
    for (tables, updates) in cases {
        let err = r.replace_tables(&tables, &updates).unwrap_err();
        assert_eq!(r, before, "{err}");
    }
    assert_eq!(
        r.replace_tables(&["T"], &initial("U", RowChange::Initial(Row::new()))),
        Err(ReplicaError::TableNotReplaced { table: "U".into() })
    );
    assert!(r.clear_tables(&["Nope"]).is_err());
    assert_eq!(r, before);
}

fn found(r: &Replica, id: IndexId, key: impl Into<crate::data::Atom>) -> Vec<Uuid> {
    r.lookup(id, &key.into()).map(|(uuid, _)| uuid).collect()
}

#[test]
fn schema_indexes_are_built_automatically() {
    let mut r = replica();
    let id = r.index_id(&IndexSpec::column("U", "name")).unwrap();
    assert_eq!(
        r.index_spec(id).map(ToString::to_string).as_deref(),
        Some("U(name)")
    );
    r.apply_update2(&up2(
        "U",
        vec![
            (u(1), RowChange::Initial(Row::new().with("name", "a"))),
            (u(2), RowChange::Initial(Row::new().with("name", "b"))),
        ],
    ))
    .unwrap();
    assert_eq!(found(&r, id, "a"), [u(1)]);
    let rows: Vec<_> = r.lookup(id, &"b".into()).collect();
    assert_eq!(rows.len(), 1);
    assert!(Arc::ptr_eq(rows[0].1, r.get("U", u(2)).unwrap()));
    assert!(found(&r, id, "c").is_empty());
}

#[test]
fn indexes_follow_inserts_modifies_deletes_and_replace() {
    let mut r = replica();
    // Built before any data.
    let by_key = r.add_index(IndexSpec::parse("T", "m:iface-id")).unwrap();
    let by_elem = r.add_index(IndexSpec::column("T", "set")).unwrap();
    assert_eq!(r.add_index(IndexSpec::parse("T", "m:iface-id")), Ok(by_key));
    r.apply_update2(&up2(
        "T",
        vec![
            (
                u(1),
                RowChange::Insert(
                    Row::new()
                        .with("m", Datum::map([("iface-id", "vm1")]))
                        .with("set", Datum::set(["a", "b"])),
                ),
            ),
            (
                u(2),
                RowChange::Insert(
                    Row::new()
                        .with("m", Datum::map([("iface-id", "vm1")]))
                        .with("set", Datum::set(["b"])),
                ),
            ),
            (
                u(3),
                RowChange::Insert(Row::new().with("m", Datum::map([("other", "vm1")]))),
            ),
        ],
    ))
    .unwrap();
    assert_eq!(found(&r, by_key, "vm1"), [u(1), u(2)]);
    assert_eq!(found(&r, by_elem, "b"), [u(1), u(2)]);
    assert_eq!(found(&r, by_elem, "a"), [u(1)]);

    // Value changed; element removed.
    r.apply_update2(&modify(
        u(1),
        Row::new()
            .with("m", Datum::map([("iface-id", "vm2")]))
            .with("set", Datum::set(["b"])),
    ))
    .unwrap();
    assert_eq!(found(&r, by_key, "vm1"), [u(2)]);
    assert_eq!(found(&r, by_key, "vm2"), [u(1)]);
    assert_eq!(found(&r, by_elem, "b"), [u(2)]);
    assert_eq!(found(&r, by_elem, "a"), [u(1)]);

    // Key removed (the diff repeats the pair); key added to another row.
    r.apply_update2(&up2(
        "T",
        vec![
            (
                u(1),
                RowChange::Modify(Row::new().with("m", Datum::map([("iface-id", "vm2")]))),
            ),
            (
                u(3),
                RowChange::Modify(Row::new().with("m", Datum::map([("iface-id", "vm2")]))),
            ),
        ],
    ))
    .unwrap();
    assert_eq!(found(&r, by_key, "vm2"), [u(3)]);

    // Delete.
    r.apply_update2(&up2("T", vec![(u(2), RowChange::Delete)]))
        .unwrap();
    assert!(found(&r, by_key, "vm1").is_empty());
    assert!(found(&r, by_elem, "b").is_empty());

    // Replace.
    replace(
        &mut r,
        &["T"],
        vec![(
            "T",
            u(4),
            Row::new().with("m", Datum::map([("iface-id", "vm2")])),
        )],
    );
    assert_eq!(found(&r, by_key, "vm2"), [u(4)]);
    assert_eq!(r.index_len(by_key), 1);
    assert_eq!(r.index_len(by_elem), 0);

    // A failed batch leaves the indexes as they were.
    let before = r.clone();
    assert!(r
        .apply_update2(&up2(
            "T",
            vec![(u(4), RowChange::Delete), (u(8), RowChange::Delete),],
        ))
        .is_err());
    assert_eq!(r, before);
    assert_eq!(found(&r, by_key, "vm2"), [u(4)]);
}

#[test]
fn index_added_after_data_is_built_from_current_rows() {
    let mut r = replica();
    r.apply_update2(&up2(
        "T",
        vec![
            (
                u(1),
                RowChange::Insert(
                    Row::new()
                        .with("mi", Datum::map([("n", 1i64)]))
                        .with("r", 2.5),
                ),
            ),
            (
                u(2),
                RowChange::Insert(
                    Row::new()
                        .with("mi", Datum::map([("n", 2i64)]))
                        .with("r", 1i64),
                ),
            ),
        ],
    ))
    .unwrap();
    let id = r.add_index(IndexSpec::map_value("T", "mi", "n")).unwrap();
    assert_eq!(found(&r, id, 2i64), [u(2)]);
    // Keys of a real column: an integer finds the real.
    let by_r = r.add_index(IndexSpec::column("T", "r")).unwrap();
    assert_eq!(found(&r, by_r, 1i64), [u(2)]);
    assert_eq!(found(&r, by_r, 2.5), [u(1)]);
    // A map column's keys; the row UUID; a compound index.
    let keys = r.add_index(IndexSpec::column("T", "mi")).unwrap();
    assert_eq!(found(&r, keys, "n"), [u(1), u(2)]);
    let by_uuid = r.add_index(IndexSpec::column("T", "_uuid")).unwrap();
    assert_eq!(found(&r, by_uuid, u(2)), [u(2)]);
    let compound = r
        .add_index(IndexSpec::compound(
            "T",
            vec![
                IndexPart::Column("r".into()),
                IndexPart::MapValue {
                    column: "mi".into(),
                    key: "n".into(),
                },
            ],
        ))
        .unwrap();
    let hits: Vec<_> = r
        .lookup_compound(compound, &[Some(1.0.into()), Some(2i64.into())])
        .map(|(u, _)| u)
        .collect();
    assert_eq!(hits, [u(2)]);
    assert_eq!(
        r.lookup_compound(compound, &[Some(1.0.into()), Some(1i64.into())])
            .count(),
        0
    );
    // A wrong-length key finds nothing.
    assert_eq!(r.lookup_compound(compound, &[Some(1.0.into())]).count(), 0);
    // Empty optional columns are part of compound keys (`None`).
    let opt = r
        .add_index(IndexSpec::compound(
            "T",
            vec![IndexPart::Column("s".into()), IndexPart::Column("o".into())],
        ))
        .unwrap();
    r.apply_update2(&up2(
        "T",
        vec![(
            u(3),
            RowChange::Insert(Row::new().with("s", "x").with("o", "y")),
        )],
    ))
    .unwrap();
    let find = |key: &[Option<crate::data::Atom>]| -> Vec<Uuid> {
        r.lookup_compound(opt, key).map(|(u, _)| u).collect()
    };
    assert_eq!(find(&[Some("".into()), None]), [u(1), u(2)]);
    assert_eq!(find(&[Some("x".into()), Some("y".into())]), [u(3)]);
    assert!(find(&[Some("x".into()), None]).is_empty());
    // A one-atom lookup on a compound index finds nothing rather than panicking.
    assert_eq!(r.lookup(compound, &1.0.into()).count(), 0);
    // So does an id of another table's index slot that does not exist.
    assert_eq!(
        r.lookup(IndexId { table: 0, slot: 99 }, &1.0.into())
            .count(),
        0
    );
}

#[test]
fn bad_index_specs_are_refused() {
    let mut r = replica();
    let before = r.clone();
    for spec in [
        IndexSpec::column("Nope", "x"),
        IndexSpec::column("T", "nope"),
        IndexSpec::parse("T", "set:x"),
        IndexSpec::map_value("T", "m", 5i64),
        IndexSpec::compound("T", vec![]),
        // A compound index over a column that may hold several values.
        IndexSpec::compound(
            "T",
            vec![
                IndexPart::Column("s".into()),
                IndexPart::Column("set".into()),
            ],
        ),
    ] {
        let err = r.add_index(spec.clone()).unwrap_err();
        assert!(
            matches!(
                err,
                ReplicaError::BadIndex { .. } | ReplicaError::UnknownTable { .. }
            ),
            "{spec}: {err}"
        );
        assert_eq!(r, before);
    }
}

#[test]
fn monitored_columns_decide_the_defaults() {
    let mut r = replica();
    r.set_monitored_columns("T", &["s", "m"]).unwrap();
    r.apply_update2(&ins(u(1), Row::new().with("s", "x")))
        .unwrap();
    assert_eq!(
        **r.get("T", u(1)).unwrap(),
        Row::new().with("m", Datum::empty_map()).with("s", "x")
    );
    r.set_monitored_columns::<&str>("T", &[]).unwrap();
    r.apply_update2(&ins(u(2), Row::new())).unwrap();
    assert_eq!(**r.get("T", u(2)).unwrap(), defaults_t());
    let before = r.clone();
    assert_eq!(
        r.set_monitored_columns("T", &["s", "nope"]),
        Err(ReplicaError::NoSuchColumn {
            table: "T".into(),
            column: "nope".into()
        })
    );
    assert!(r.set_monitored_columns("Nope", &["s"]).is_err());
    assert_eq!(r, before);
}

#[test]
fn snapshots_are_independent_and_share_rows() {
    let mut r = replica();
    r.apply_update2(&ins(u(1), Row::new().with("s", "x")))
        .unwrap();
    let snapshot = r.clone();
    assert!(Arc::ptr_eq(
        r.get("T", u(1)).unwrap(),
        snapshot.get("T", u(1)).unwrap()
    ));
    r.apply_update2(&modify(u(1), Row::new().with("s", "y")))
        .unwrap();
    r.apply_update2(&ins(u(2), Row::new())).unwrap();
    assert_eq!(get(&snapshot, u(1), "s"), "x".into());
    assert_eq!(snapshot.row_count(), 1);
    assert_eq!(get(&r, u(1), "s"), "y".into());
    assert_eq!(r.row_count(), 2);
    assert_eq!(format!("{r:?}"), r#"{"T": 2}"#);
}

#[test]
fn replicas_and_events_cross_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Replica>();
    send_sync::<Event>();
    send_sync::<ReplicaError>();
    send_sync::<Lookup<'static>>();
}

/// `convert`: rows kept without the dropped columns, a new table empty, a dropped table gone,
/// user indexes carried over where the new schema allows them and rebuilt from the rows.
#[test]
fn convert_to_a_new_schema_version() {
    let mut r = replica();
    let by_s = r.add_index(IndexSpec::column("T", "s")).unwrap();
    r.add_index(IndexSpec::parse("T", "m:k")).unwrap();
    let row = Row::new()
        .with("s", "x")
        .with("m", Datum::map([("k", "v")]))
        .with("i", 7);
    r.apply_update2(&up2("T", vec![(u(1), RowChange::Insert(row))]))
        .unwrap();
    r.apply_update2(&up2(
        "U",
        vec![(u(2), RowChange::Insert(Row::new().with("name", "n")))],
    ))
    .unwrap();

    let mut next: serde_json::Value = serde_json::from_str(SCHEMA).unwrap();
    let t = next["tables"]["T"]["columns"].as_object_mut().unwrap();
    t.remove("m");
    t.insert("added".into(), serde_json::json!({"type": "string"}));
    next["tables"].as_object_mut().unwrap().insert(
        "V".into(),
        serde_json::json!({"columns": {"x": {"type": "integer"}}}),
    );
    next["version"] = "1.1.0".into();
    let next = Arc::new(DatabaseSchema::from_json_str(&next.to_string()).unwrap());

    let c = r.convert(Arc::clone(&next));
    assert_eq!(c.schema().version, "1.1.0");
    let kept = c.get("T", u(1)).unwrap();
    assert_eq!(kept.get("s"), Some(&Datum::from("x")));
    assert_eq!(
        kept.get("m"),
        None,
        "a dropped column is gone from kept rows"
    );
    assert_eq!(
        c.get("U", u(2)).unwrap().get("name"),
        Some(&Datum::from("n"))
    );
    assert!(c.table("V").unwrap().is_empty());
    // The index on s survived (looked up again: the tables changed), the one on m:k did not,
    // and the schema's own index on U.name was rebuilt from the rows.
    assert!(c.index_id(&IndexSpec::parse("T", "m:k")).is_none());
    let s_again = c.index_id(&IndexSpec::column("T", "s")).unwrap();
    assert_eq!(c.lookup(s_again, &Atom::from("x")).count(), 1);
    let by_name = c.index_id(&IndexSpec::column("U", "name")).unwrap();
    assert_eq!(c.lookup(by_name, &Atom::from("n")).count(), 1);
    // The original is untouched.
    assert_eq!(r.lookup(by_s, &Atom::from("x")).count(), 1);
    assert!(r.get("T", u(1)).unwrap().get("m").is_some());
    // New inserts get the new column's default (every column is monitored again).
    let mut c = c;
    c.apply_update2(&up2("T", vec![(u(3), RowChange::Insert(Row::new()))]))
        .unwrap();
    assert_eq!(
        c.get("T", u(3)).unwrap().get("added"),
        Some(&Datum::from(""))
    );
}
