//! Property tests: random operations on a model (`BTreeMap<Uuid, Row>` per table) are turned
//! into the batches ovsdb-server would send (update2 with column diffs per column type, and
//! the RFC 7047 update form), applied to a replica, and compared with the model after every
//! batch: rows, events and index lookups. Bad operations slipped into a batch must be refused
//! without changing anything; `replace_tables` must reach any target with exactly the
//! differing rows as events.

use std::collections::BTreeMap;
use std::sync::Arc;

use proptest::prelude::*;

use super::diff::diff;
use super::tests::{schema, u};
use super::*;
use crate::data::{Atom, Datum, Map, Row, Uuid};
use crate::monitor::{RowChange, RowUpdate, RowUpdate2, TableUpdate, TableUpdates, TableUpdates2};

type Model = BTreeMap<(&'static str, Uuid), Row>;

fn pick<T: Clone + std::fmt::Debug + 'static>(items: &'static [T]) -> impl Strategy<Value = T> {
    prop::sample::select(items)
}

fn strings(items: &'static [&'static str], max: usize) -> impl Strategy<Value = Datum> {
    prop::collection::vec(pick(items), 0..=max)
        .prop_map(|v| Datum::Set(v.into_iter().map(Atom::from).collect()))
}

/// A whole row of table T (every column), from small domains so that rows collide often.
fn t_row() -> impl Strategy<Value = Row> {
    let scalars = (0i64..4, pick(&[0.0, 1.5, 2.0]), pick(&["", "a", "b"]));
    let optionals = (strings(&["a", "b", "c"], 1), strings(&["a", "b"], 1));
    let sets = (
        strings(&["a", "b", "c", "d"], 4),
        prop::collection::vec(0i64..4, 0..=2),
        prop::collection::vec(0u8..4, 0..3),
    );
    let maps = (
        prop::collection::vec((pick(&["k1", "k2", "k3"]), pick(&["x", "y"])), 0..4),
        prop::collection::vec((pick(&["k1", "k2"]), 0i64..3), 0..3),
    );
    (scalars, optionals, sets, maps).prop_map(|((i, r, s), (o, e), (set, small, refs), (m, mi))| {
        Row::new()
            .with("i", i)
            .with("r", r)
            .with("s", s)
            .with("o", o)
            .with("e", e)
            .with("set", set)
            .with(
                "small",
                Datum::Set(small.into_iter().map(Atom::from).collect()),
            )
            .with(
                "refs",
                Datum::Set(refs.into_iter().map(|n| Atom::Uuid(u(n))).collect()),
            )
            .with(
                "m",
                Datum::Map(Map::from_pairs(
                    m.into_iter().map(|(k, v)| (k.into(), v.into())).collect(),
                )),
            )
            .with(
                "mi",
                Datum::Map(Map::from_pairs(
                    mi.into_iter().map(|(k, v)| (k.into(), v.into())).collect(),
                )),
            )
    })
}

/// A whole row of table U.
fn u_row() -> impl Strategy<Value = Row> {
    (
        pick(&["a", "b", "c"]),
        prop::option::of(pick(&[0.5, 1.0])),
        1u8..3,
    )
        .prop_map(|(name, weight, version)| {
            let weight = Datum::Set(weight.into_iter().map(Atom::Real).collect());
            // With a `_version`, as ovsdb-server sends when every column is monitored.
            Row::new()
                .with("name", name)
                .with("weight", weight)
                .with("_version", Uuid::from_bytes([version; 16]))
        })
}

/// One operation: on table T or U, on one of six rows; `Some` row: make the row that (insert
/// or modify), `None`: delete it.
#[derive(Debug, Clone)]
struct Op {
    table: &'static str,
    slot: u8,
    row: Option<Row>,
}

fn op() -> impl Strategy<Value = Op> {
    (
        any::<bool>(),
        1u8..7,
        prop::option::weighted(0.75, (t_row(), u_row())),
    )
        .prop_map(|(is_t, slot, rows)| Op {
            table: if is_t { "T" } else { "U" },
            slot,
            row: rows.map(|(t, u)| if is_t { t } else { u }),
        })
}

/// What ovsdb-server would send for one row: the update2 change and the RFC 7047 update, and
/// the event the replica must emit.
struct Step {
    table: &'static str,
    uuid: Uuid,
    v2: RowChange,
    v1: (Option<Row>, Option<Row>),
    event: EventKind,
}

/// The row without the columns at their default (what update2 sends for inserts).
fn without_defaults(table: &str, row: &Row) -> Row {
    let schema = schema();
    let ts = schema.table(table).unwrap();
    row.iter()
        .filter(|(c, d)| {
            ts.columns
                .get(*c)
                .map_or(true, |cs| cs.column_type.default_datum() != **d)
        })
        .map(|(c, d)| (c, d.clone()))
        .collect()
}

/// Plays `ops` on `model`, returning what the server would send.
fn steps(model: &mut Model, ops: &[Op]) -> Vec<Step> {
    let schema = schema();
    let mut out = Vec::new();
    for op in ops {
        let uuid = u(op.slot);
        let key = (op.table, uuid);
        let old = model.get(&key).cloned();
        let step = match (old, op.row.clone()) {
            (None, Some(new)) => Step {
                table: op.table,
                uuid,
                v2: RowChange::Insert(without_defaults(op.table, &new)),
                v1: (None, Some(new.clone())),
                event: EventKind::Insert { new: Arc::new(new) },
            },
            (Some(old), Some(new)) => {
                let ts = schema.table(op.table).unwrap();
                let mut diffs = Row::new();
                let mut old_values = Row::new();
                for (column, value) in new.iter() {
                    let before = old.get(column).cloned().unwrap_or_default();
                    if before != *value {
                        let ty = &ts.column(column).unwrap().column_type;
                        diffs.insert(column, diff(ty, &before, value));
                        old_values.insert(column, before);
                    }
                }
                if diffs.is_empty() {
                    continue; // ovsdb-server sends nothing for a row that did not change
                }
                Step {
                    table: op.table,
                    uuid,
                    v2: RowChange::Modify(diffs),
                    v1: (Some(old_values), Some(new.clone())),
                    event: EventKind::Update {
                        old: Arc::new(old),
                        new: Arc::new(new),
                    },
                }
            }
            (Some(old), None) => Step {
                table: op.table,
                uuid,
                v2: RowChange::Delete,
                v1: (Some(old.clone()), None),
                event: EventKind::Delete { old: Arc::new(old) },
            },
            (None, None) => continue,
        };
        match &op.row {
            Some(row) => model.insert(key, row.clone()),
            None => model.remove(&key),
        };
        out.push(step);
    }
    out
}

fn push<R>(tables: &mut Vec<TableUpdate<R>>, table: &str, row: R) {
    match tables.last_mut() {
        Some(t) if t.table == table => t.rows.push(row),
        _ => tables.push(TableUpdate {
            table: table.into(),
            rows: vec![row],
        }),
    }
}

fn as_update2(steps: &[Step]) -> TableUpdates2 {
    let mut tables = Vec::new();
    for s in steps {
        push(
            &mut tables,
            s.table,
            RowUpdate2 {
                uuid: s.uuid,
                change: s.v2.clone(),
            },
        );
    }
    TableUpdates2 { tables }
}

fn as_update(steps: &[Step]) -> TableUpdates {
    let mut tables = Vec::new();
    for s in steps {
        push(
            &mut tables,
            s.table,
            RowUpdate {
                uuid: s.uuid,
                old: s.v1.0.clone(),
                new: s.v1.1.clone(),
            },
        );
    }
    TableUpdates { tables }
}

fn expected_events(steps: &[Step]) -> Vec<Event> {
    steps
        .iter()
        .map(|s| Event {
            table: s.table.into(),
            uuid: s.uuid,
            kind: s.event.clone(),
        })
        .collect()
}

fn contents(r: &Replica) -> Model {
    let mut out = Model::new();
    for table in ["T", "U"] {
        for (uuid, row) in r.table(table).unwrap().iter() {
            out.insert((table, uuid), Row::clone(row));
        }
    }
    out
}

/// Indexes on a scalar, a set's elements, a map key, and two columns.
fn add_indexes(r: &mut Replica) -> Vec<IndexId> {
    [
        IndexSpec::column("T", "s"),
        IndexSpec::column("T", "set"),
        IndexSpec::parse("T", "m:k1"),
        IndexSpec::compound(
            "T",
            vec![IndexPart::Column("s".into()), IndexPart::Column("o".into())],
        ),
    ]
    .into_iter()
    .map(|spec| r.add_index(spec).unwrap())
    .collect()
}

/// Every index lookup agrees with a scan of the model.
fn check_indexes(r: &Replica, ids: &[IndexId], model: &Model) -> Result<(), TestCaseError> {
    let rows: Vec<(Uuid, &Row)> = model
        .iter()
        .filter(|((t, _), _)| *t == "T")
        .map(|((_, u), r)| (*u, r))
        .collect();
    let scan = |f: &dyn Fn(&Row) -> bool| -> Vec<Uuid> {
        rows.iter().filter(|(_, r)| f(r)).map(|(u, _)| *u).collect()
    };
    let find =
        |id: IndexId, key: &Atom| -> Vec<Uuid> { r.lookup(id, key).map(|(u, _)| u).collect() };
    let has = |row: &Row, column: &str, atom: &Atom| {
        row.get(column)
            .and_then(Datum::as_set)
            .is_some_and(|s| s.contains(atom))
    };
    for s in ["", "a", "b", "c", "d"] {
        let a = Atom::from(s);
        prop_assert_eq!(find(ids[0], &a), scan(&|row| has(row, "s", &a)));
        prop_assert_eq!(find(ids[1], &a), scan(&|row| has(row, "set", &a)));
        prop_assert_eq!(
            find(ids[2], &a),
            scan(&|row| row
                .get("m")
                .and_then(Datum::as_map)
                .and_then(|m| m.get_str("k1"))
                == Some(&a))
        );
        for o in [None, Some("a"), Some("b"), Some("c")] {
            let o = o.map(Atom::from);
            let found: Vec<Uuid> = r
                .lookup_compound(ids[3], &[Some(a.clone()), o.clone()])
                .map(|(u, _)| u)
                .collect();
            let expected = scan(&|row| {
                has(row, "s", &a)
                    && row
                        .get("o")
                        .and_then(Datum::as_set)
                        .map(|s| s.as_slice().first())
                        == Some(o.as_ref())
            });
            prop_assert_eq!(found, expected);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn update2_batches_keep_the_replica_equal_to_the_model(
        batches in prop::collection::vec(prop::collection::vec(op(), 0..8), 1..8)
    ) {
        let mut r = Replica::new(schema());
        let ids = add_indexes(&mut r);
        let mut model = Model::new();
        for ops in &batches {
            let steps = steps(&mut model, ops);
            let events = r.apply_update2(&as_update2(&steps)).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(events, expected_events(&steps));
            prop_assert_eq!(&contents(&r), &model);
            check_indexes(&r, &ids, &model)?;
        }
    }

    #[test]
    fn rfc_update_batches_keep_the_replica_equal_to_the_model(
        batches in prop::collection::vec(prop::collection::vec(op(), 0..8), 1..8)
    ) {
        let mut r = Replica::new(schema());
        let ids = add_indexes(&mut r);
        let mut model = Model::new();
        for ops in &batches {
            let steps = steps(&mut model, ops);
            let events = r.apply_update(&as_update(&steps)).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(events, expected_events(&steps));
            prop_assert_eq!(&contents(&r), &model);
            check_indexes(&r, &ids, &model)?;
        }
    }

    #[test]
    fn a_bad_row_anywhere_in_a_batch_changes_nothing(
        setup in prop::collection::vec(op(), 0..10),
        ops in prop::collection::vec(op(), 0..6),
        bad in 0usize..7,
        at in any::<prop::sample::Index>(),
    ) {
        let mut r = Replica::new(schema());
        add_indexes(&mut r);
        let mut model = Model::new();
        let s = steps(&mut model, &setup);
        r.apply_update2(&as_update2(&s)).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let before = r.clone();
        let mut batch = as_update2(&steps(&mut model.clone(), &ops));
        // A row that exists and that the batch leaves alone.
        let existing = model
            .keys()
            .find(|(t, uuid)| *t == "T" && !ops.iter().any(|op| op.table == "T" && u(op.slot) == *uuid))
            .map(|(_, u)| *u);
        let missing = u(200);
        let (uuid, change) = match (bad, existing) {
            (0, _) => (missing, RowChange::Modify(Row::new().with("i", 1i64))),
            (1, _) => (missing, RowChange::Delete),
            (2, Some(e)) => (e, RowChange::Insert(Row::new())),
            (3, _) => (missing, RowChange::Insert(Row::new().with("nope", 1i64))),
            (4, _) => (missing, RowChange::Insert(Row::new().with("i", "x"))),
            (5, Some(e)) => (e, RowChange::Modify(Row::new().with("set", Datum::map([("a", "b")])))),
            (_, Some(e)) => (e, RowChange::Modify(Row::new().with("small", Datum::set([7i64, 8, 9])))),
            (_, None) => (missing, RowChange::Modify(Row::new())),
        };
        let row = RowUpdate2 { uuid, change };
        // The bad row goes into a table T entry at a random position of the batch.
        let n = batch.tables.len();
        let pos = at.index(n + 1);
        match batch.tables.get_mut(pos) {
            Some(t) if t.table == "T" => {
                let i = at.index(t.rows.len() + 1);
                t.rows.insert(i, row);
            }
            _ => batch.tables.insert(pos, TableUpdate { table: "T".into(), rows: vec![row] }),
        }
        prop_assert!(r.apply_update2(&batch).is_err());
        prop_assert_eq!(&r, &before);
    }

    #[test]
    fn replace_reaches_the_target_with_exactly_the_differences(
        setup in prop::collection::vec(op(), 0..12),
        target in prop::collection::btree_map(1u8..9, t_row(), 0..8),
        keep in prop::collection::vec(any::<bool>(), 8),
    ) {
        let mut r = Replica::new(schema());
        let ids = add_indexes(&mut r);
        let mut model = Model::new();
        let s = steps(&mut model, &setup);
        r.apply_update2(&as_update2(&s)).map_err(|e| TestCaseError::fail(e.to_string()))?;

        // The target: random rows, plus some current rows kept exactly as they are.
        let mut want: BTreeMap<Uuid, Row> = target.into_iter().map(|(n, row)| (u(n), row)).collect();
        for (((_, uuid), row), keep) in model.iter().filter(|((t, _), _)| *t == "T").zip(&keep) {
            if *keep {
                want.insert(*uuid, row.clone());
            }
        }
        let initial = TableUpdates2 {
            tables: vec![TableUpdate {
                table: "T".into(),
                rows: want
                    .iter()
                    .map(|(uuid, row)| RowUpdate2 { uuid: *uuid, change: RowChange::Initial(without_defaults("T", row)) })
                    .collect(),
            }],
        };
        let mut expected: Vec<(Uuid, &'static str)> = Vec::new();
        for ((t, uuid), row) in &model {
            if *t == "T" {
                match want.get(uuid) {
                    None => expected.push((*uuid, "delete")),
                    Some(new) if new != row => expected.push((*uuid, "update")),
                    Some(_) => {}
                }
            }
        }
        for uuid in want.keys() {
            if !model.contains_key(&("T", *uuid)) {
                expected.push((*uuid, "insert"));
            }
        }
        expected.sort();

        let events = r.replace_tables(&["T"], &initial).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let mut got: Vec<(Uuid, &'static str)> = events
            .iter()
            .map(|e| (e.uuid, if e.is_insert() { "insert" } else if e.is_update() { "update" } else { "delete" }))
            .collect();
        got.sort();
        prop_assert_eq!(got, expected);
        for e in &events {
            prop_assert_eq!(e.new_row().map(|r| Row::clone(r)), want.get(&e.uuid).cloned());
            prop_assert_eq!(e.old().map(|r| Row::clone(r)), model.get(&("T", e.uuid)).cloned());
        }

        // T is now the target; U is untouched.
        let mut new_model: Model = model.iter().filter(|((t, _), _)| *t == "U").map(|(k, v)| (*k, v.clone())).collect();
        new_model.extend(want.into_iter().map(|(uuid, row)| (("T", uuid), row)));
        prop_assert_eq!(&contents(&r), &new_model);
        check_indexes(&r, &ids, &new_model)?;
    }
}
