//! Every operation, condition function and mutator against a real ovsdb-server (OVN
//! Northbound schema), and every way a transaction fails, decoded from the reply that
//! `ovsdb-client transact` prints.
//!
//! `ovsdb-client transact` exits 0 and prints the reply even when an operation or the commit
//! fails (`Sandbox::ovsdb_client` would return an error otherwise), so the failure scenarios
//! below also check that.

use ovsdb::data::{Atom, Datum, Row, Uuid};
use ovsdb::ops::{
    decode_transact_reply, decode_transact_reply_str, Condition, Mutation, OpKind, Operation,
    OperationError, OperationResult, TransactError, Until, UuidName,
};
use ovsdb::testing::Sandbox;
use std::time::Duration;

const NB: &str = "/usr/share/ovn/ovn-nb.ovsschema";

fn sandbox() -> Sandbox {
    Sandbox::start(&[NB]).unwrap()
}

/// Sends `ops` with `ovsdb-client transact` and decodes the reply both ways (straight from the
/// text and through a `serde_json::Value`), checking they agree.
fn transact(sb: &Sandbox, ops: &[Operation]) -> Result<Vec<OperationResult>, TransactError> {
    let mut params = vec![serde_json::Value::from("OVN_Northbound")];
    params.extend(ops.iter().map(|op| serde_json::to_value(op).unwrap()));
    let request = serde_json::Value::Array(params).to_string();
    let reply = sb.ovsdb_client(&["transact", &request]).unwrap();
    let fast = decode_transact_reply_str(ops, &reply);
    let value: serde_json::Value = serde_json::from_str(&reply).unwrap();
    assert_eq!(decode_transact_reply(ops, &value), fast, "{reply}");
    fast
}

fn ok(sb: &Sandbox, ops: &[Operation]) -> Vec<OperationResult> {
    transact(sb, ops).unwrap_or_else(|e| panic!("{e}"))
}

fn select(sb: &Sandbox, table: &str, conditions: Vec<Condition>, columns: &[&str]) -> Vec<Row> {
    let op = Operation::select(table, conditions).with_columns(columns.iter().copied());
    let mut results = ok(sb, &[op.into()]);
    assert_eq!(results.len(), 1);
    results.remove(0).into_rows().unwrap()
}

/// The `name` column of each row, sorted.
fn names(rows: &[Row]) -> Vec<String> {
    let mut names: Vec<String> = rows
        .iter()
        .map(|r| {
            let name = r.get("name").and_then(Datum::as_scalar);
            name.and_then(Atom::as_str).unwrap().to_owned()
        })
        .collect();
    names.sort();
    names
}

fn s(v: &str) -> Atom {
    Atom::from(v)
}

fn named(name: &str) -> Row {
    Row::new().with("name", s(name))
}

fn scalar(row: &Row, column: &str) -> Atom {
    row.get(column).and_then(Datum::as_scalar).unwrap().clone()
}

#[test]
fn insert_with_uuid_name_referenced_by_another_insert() {
    let sb = sandbox();
    let port = UuidName::new("port").unwrap();
    let ops = [
        Operation::insert("Logical_Switch_Port", named("lsp0"))
            .with_uuid_name(port.clone())
            .into(),
        Operation::insert(
            "Logical_Switch",
            named("sw0").with("ports", port.reference()),
        )
        .into(),
    ];
    let results = ok(&sb, &ops);
    assert_eq!(results.len(), 2);
    let (Some(lsp), Some(ls)) = (results[0].uuid(), results[1].uuid()) else {
        panic!("{results:?}")
    };
    let rows = select(
        &sb,
        "Logical_Switch",
        vec![Condition::eq("name", "sw0")],
        &["_uuid", "ports"],
    );
    assert_eq!(rows.len(), 1);
    assert_eq!(scalar(&rows[0], "_uuid"), Atom::Uuid(ls));
    assert_eq!(rows[0].get("ports"), Some(&Datum::from(Atom::Uuid(lsp))));

    // A second insert under the same uuid-name fails that operation.
    let twice = [
        Operation::insert("Logical_Switch", named("a"))
            .with_uuid_name(UuidName::new("x").unwrap())
            .into(),
        Operation::insert("Logical_Switch", named("b"))
            .with_uuid_name(UuidName::new("x").unwrap())
            .into(),
    ];
    let err = transact(&sb, &twice).unwrap_err();
    assert_eq!(err.failed_index(), Some(1));
    assert!(err.is(OperationError::DUPLICATE_UUID_NAME), "{err}");
}

#[test]
fn insert_with_caller_chosen_uuid() {
    let sb = sandbox();
    let sw = Uuid::new_v4();
    let port = Uuid::new_v4();
    let port_name = UuidName::new("p").unwrap();
    let ops = [
        // uuid and uuid-name together: the name refers to the chosen UUID.
        Operation::insert("Logical_Switch_Port", named("lsp0"))
            .with_uuid(port)
            .with_uuid_name(port_name.clone())
            .into(),
        Operation::insert(
            "Logical_Switch",
            named("sw0").with("ports", port_name.reference()),
        )
        .with_uuid(sw)
        .into(),
    ];
    let results = ok(&sb, &ops);
    assert_eq!(results[0], OperationResult::Insert { uuid: port });
    assert_eq!(results[1], OperationResult::Insert { uuid: sw });

    let rows = select(
        &sb,
        "Logical_Switch",
        vec![Condition::eq("_uuid", sw)],
        &["_uuid", "name", "ports"],
    );
    assert_eq!(rows.len(), 1);
    assert_eq!(
        rows[0].columns().collect::<Vec<_>>(),
        ["_uuid", "name", "ports"]
    );
    assert_eq!(scalar(&rows[0], "name"), s("sw0"));
    assert_eq!(rows[0].get("ports"), Some(&Datum::from(Atom::Uuid(port))));

    // The same UUID again fails that insert.
    let again = [Operation::insert("Logical_Switch", named("sw1"))
        .with_uuid(sw)
        .into()];
    let err = transact(&sb, &again).unwrap_err();
    assert!(err.is(OperationError::DUPLICATE_UUID), "{err}");
    assert_eq!(err.failed_index(), Some(0));
    let Some(e) = err.error() else {
        panic!("{err:?}")
    };
    assert_eq!(e.syntax.as_deref(), Some(format!("\"{sw}\"").as_str()));
}

#[test]
fn select_with_columns_and_every_condition_function() {
    let sb = sandbox();
    let mirror = |name: &str, index: i64, group: &str| -> Operation {
        let row = named(name)
            .with("index", Atom::Integer(index))
            .with("filter", s("to-lport"))
            .with("type", s("gre"))
            .with("sink", s("10.0.0.1"))
            .with("external_ids", Datum::map([("group", group)]));
        Operation::insert("Mirror", row).into()
    };
    ok(
        &sb,
        &[
            mirror("m1", 1, "a"),
            mirror("m2", 2, "a"),
            mirror("m3", 3, "b"),
        ],
    );
    let group_a = || Datum::map([("group", "a")]);
    for (condition, expected) in [
        (Condition::lt("index", 2i64), vec!["m1"]),
        (Condition::le("index", 2i64), vec!["m1", "m2"]),
        (Condition::eq("index", 2i64), vec!["m2"]),
        (Condition::ne("index", 2i64), vec!["m1", "m3"]),
        (Condition::ge("index", 2i64), vec!["m2", "m3"]),
        (Condition::gt("index", 2i64), vec!["m3"]),
        (
            Condition::includes("external_ids", group_a()),
            vec!["m1", "m2"],
        ),
        (Condition::excludes("external_ids", group_a()), vec!["m3"]),
    ] {
        let what = format!("{condition:?}");
        let rows = select(&sb, "Mirror", vec![condition], &["name"]);
        assert!(rows.iter().all(|r| r.len() == 1), "{rows:?}");
        assert_eq!(names(&rows), expected, "{what}");
    }
    // Conditions are AND-ed; no columns given returns every column, _uuid and _version too.
    let op = Operation::select(
        "Mirror",
        vec![
            Condition::ge("index", 2i64),
            Condition::includes("external_ids", group_a()),
        ],
    );
    let rows = ok(&sb, &[op.into()]).remove(0).into_rows().unwrap();
    assert_eq!(names(&rows), ["m2"]);
    for column in ["_uuid", "_version", "filter", "index", "sink", "type"] {
        assert!(rows[0].contains(column), "{column} missing from {rows:?}");
    }
}

#[test]
fn update_counts_matching_rows() {
    let sb = sandbox();
    ok(
        &sb,
        &[
            Operation::insert("Logical_Switch", named("sw0")).into(),
            Operation::insert("Logical_Switch", named("sw1")).into(),
        ],
    );
    let ids = Datum::map([("owner", "test")]);
    let results = ok(
        &sb,
        &[
            Operation::update(
                "Logical_Switch",
                vec![Condition::eq("name", "sw0")],
                Row::new().with("external_ids", ids.clone()),
            ),
            Operation::update("Logical_Switch", vec![], Row::new().with("name", s("same"))),
            Operation::update(
                "Logical_Switch",
                vec![Condition::eq("name", "nope")],
                Row::new().with("name", s("x")),
            ),
        ],
    );
    assert_eq!(
        results,
        [
            OperationResult::Update { count: 1 },
            OperationResult::Update { count: 2 },
            OperationResult::Update { count: 0 },
        ]
    );
    let rows = select(
        &sb,
        "Logical_Switch",
        vec![Condition::includes("external_ids", ids.clone())],
        &["name", "external_ids"],
    );
    assert_eq!(names(&rows), ["same"]);
    assert_eq!(rows[0].get("external_ids"), Some(&ids));
}

#[test]
fn mutate_with_every_mutator() {
    let sb = sandbox();
    ok(&sb, &[Operation::insert("NB_Global", Row::new()).into()]);
    // Integer arithmetic, applied in order: ((0 + 10 - 3) * 6 / 5) % 3 = 2.
    let math = Operation::mutate(
        "NB_Global",
        vec![],
        vec![
            Mutation::add("nb_cfg", 10i64),
            Mutation::subtract("nb_cfg", 3i64),
            Mutation::multiply("nb_cfg", 6i64),
            Mutation::divide("nb_cfg", 5i64),
            Mutation::modulo("nb_cfg", 3i64),
        ],
    );
    assert_eq!(ok(&sb, &[math]), [OperationResult::Mutate { count: 1 }]);
    let rows = select(&sb, "NB_Global", vec![], &["nb_cfg"]);
    assert_eq!(scalar(&rows[0], "nb_cfg"), Atom::Integer(2));

    // Arithmetic on an optional integer (a set of 0 or 1) applies to its element.
    let lsp = named("lsp0")
        .with("tag_request", Atom::Integer(100))
        .with("addresses", Datum::set(["a", "b"]))
        .with(
            "external_ids",
            Datum::map([("k1", "v1"), ("k2", "v2"), ("k3", "v3")]),
        );
    let lsp_name = UuidName::new("lsp").unwrap();
    ok(
        &sb,
        &[
            Operation::insert("Logical_Switch_Port", lsp)
                .with_uuid_name(lsp_name.clone())
                .into(),
            // Ports are not a root table: keep this one referenced.
            Operation::insert(
                "Logical_Switch",
                named("sw0").with("ports", lsp_name.reference()),
            )
            .into(),
        ],
    );
    let this_port = || vec![Condition::eq("name", "lsp0")];
    let sets_and_maps = Operation::mutate(
        "Logical_Switch_Port",
        this_port(),
        vec![
            Mutation::add("tag_request", 5i64),
            Mutation::insert("addresses", Datum::set(["c"])),
            Mutation::delete("addresses", s("a")),
            // insert never overwrites an existing key...
            Mutation::insert("external_ids", Datum::map([("k3", "new"), ("k4", "v4")])),
            // ...delete by map removes only pairs whose value matches too...
            Mutation::delete("external_ids", Datum::map([("k1", "v1"), ("k2", "other")])),
            // ...and delete by set removes keys whatever their values.
            Mutation::delete("external_ids", Datum::set(["k2"])),
        ],
    );
    assert_eq!(
        ok(&sb, &[sets_and_maps]),
        [OperationResult::Mutate { count: 1 }]
    );
    let rows = select(
        &sb,
        "Logical_Switch_Port",
        this_port(),
        &["tag_request", "addresses", "external_ids"],
    );
    assert_eq!(scalar(&rows[0], "tag_request"), Atom::Integer(105));
    assert_eq!(rows[0].get("addresses"), Some(&Datum::set(["b", "c"])));
    assert_eq!(
        rows[0].get("external_ids"),
        Some(&Datum::map([("k3", "v3"), ("k4", "v4")]))
    );

    // Mutations that fail: division by zero, overflow, a result out of the column's range.
    for (mutation, table, tag) in [
        (
            Mutation::divide("nb_cfg", 0i64),
            "NB_Global",
            OperationError::DOMAIN_ERROR,
        ),
        (
            Mutation::add("nb_cfg", i64::MAX),
            "NB_Global",
            OperationError::RANGE_ERROR,
        ),
        (
            Mutation::add("tag_request", 5000i64),
            "Logical_Switch_Port",
            OperationError::CONSTRAINT_VIOLATION,
        ),
    ] {
        let ops = [
            Operation::mutate("NB_Global", vec![], vec![Mutation::add("nb_cfg", 1i64)]),
            Operation::mutate(table, vec![], vec![mutation]),
        ];
        let err = transact(&sb, &ops).unwrap_err();
        assert!(err.is(tag), "{err}");
        assert_eq!(err.failed_index(), Some(1));
        assert_eq!(err.results(), [OperationResult::Mutate { count: 1 }]);
    }
    // Nothing of the failed transactions stuck.
    let rows = select(&sb, "NB_Global", vec![], &["nb_cfg"]);
    assert_eq!(scalar(&rows[0], "nb_cfg"), Atom::Integer(2));
}

#[test]
fn delete_counts_deleted_rows() {
    let sb = sandbox();
    let tagged = |name: &str, group: &str| -> Operation {
        let row = named(name).with("external_ids", Datum::map([("group", group)]));
        Operation::insert("Logical_Switch", row).into()
    };
    ok(&sb, &[tagged("a", "x"), tagged("b", "x"), tagged("c", "y")]);
    let results = ok(
        &sb,
        &[
            Operation::delete(
                "Logical_Switch",
                vec![Condition::includes(
                    "external_ids",
                    Datum::map([("group", "x")]),
                )],
            ),
            Operation::delete("Logical_Switch", vec![Condition::eq("name", "a")]),
        ],
    );
    assert_eq!(
        results,
        [
            OperationResult::Delete { count: 2 },
            OperationResult::Delete { count: 0 },
        ]
    );
    assert_eq!(
        names(&select(&sb, "Logical_Switch", vec![], &["name"])),
        ["c"]
    );
}

#[test]
fn wait_succeeds_or_times_out() {
    let sb = sandbox();
    ok(
        &sb,
        &[Operation::insert("Logical_Switch", named("sw0")).into()],
    );
    let sw0 = || vec![Condition::eq("name", "sw0")];
    let equal = Operation::wait(
        "Logical_Switch",
        sw0(),
        ["name"],
        Until::Equal,
        vec![named("sw0")],
    );
    let differ = Operation::wait(
        "Logical_Switch",
        sw0(),
        ["name"],
        Until::NotEqual,
        vec![named("x")],
    );
    assert_eq!(
        ok(&sb, &[equal.clone().into(), differ.into()]),
        [OperationResult::Wait, OperationResult::Wait]
    );

    // Not satisfied, with a timeout of 0: fails at once; the later operations do not run.
    let stale = Operation::wait(
        "Logical_Switch",
        sw0(),
        ["name"],
        Until::Equal,
        vec![named("x")],
    )
    .with_timeout(Duration::ZERO);
    let ops = [
        equal.with_timeout(Duration::from_secs(5)).into(),
        stale.into(),
        Operation::delete("Logical_Switch", vec![]),
    ];
    let err = transact(&sb, &ops).unwrap_err();
    assert!(err.is(OperationError::TIMED_OUT), "{err}");
    assert_eq!(err.failed_index(), Some(1));
    assert_eq!(err.results(), [OperationResult::Wait]);
    let TransactError::Operation { kind, table, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        (*kind, table.as_deref()),
        (OpKind::Wait, Some("Logical_Switch"))
    );
    assert_eq!(
        err.to_string(),
        "operations[1] (wait on Logical_Switch) failed: timed out: \"where\" clause test \
         failed; the transaction changed nothing"
    );
    assert_eq!(
        names(&select(&sb, "Logical_Switch", vec![], &["name"])),
        ["sw0"]
    );
}

#[test]
fn comment_and_commit() {
    let sb = sandbox();
    let results = ok(
        &sb,
        &[
            Operation::comment("rnbctl: ls-add sw0"),
            Operation::insert("Logical_Switch", named("sw0")).into(),
            Operation::commit(false),
            Operation::commit(true),
        ],
    );
    assert_eq!(results[0], OperationResult::Comment);
    assert_eq!(results[1].kind(), OpKind::Insert);
    assert_eq!(
        results[2..],
        [OperationResult::Commit, OperationResult::Commit]
    );
}

#[test]
fn assert_on_a_lock_not_held() {
    let sb = sandbox();
    let ops = [Operation::comment("c"), Operation::assert("ovn_northd")];
    let err = transact(&sb, &ops).unwrap_err();
    assert!(err.is(OperationError::NOT_OWNER), "{err}");
    assert_eq!(err.failed_index(), Some(1));
    assert_eq!(err.results(), [OperationResult::Comment]);
    assert_eq!(
        err.error().and_then(|e| e.details.as_deref()),
        Some("Asserted lock ovn_northd not held.")
    );
}

#[test]
fn abort_undoes_the_operations_before_it() {
    let sb = sandbox();
    let ops = [
        Operation::insert("Logical_Switch", named("sw0")).into(),
        Operation::abort(),
        Operation::comment("never runs"),
    ];
    let err = transact(&sb, &ops).unwrap_err();
    assert!(err.is(OperationError::ABORTED), "{err}");
    assert_eq!(err.failed_index(), Some(1));
    assert_eq!(err.results().len(), 1);
    assert_eq!(err.results()[0].kind(), OpKind::Insert);
    assert_eq!(
        err.error().and_then(|e| e.details.as_deref()),
        Some("aborted by request")
    );
    assert!(select(&sb, "Logical_Switch", vec![], &["name"]).is_empty());
}

#[test]
fn constraint_violation_fails_its_operation() {
    let sb = sandbox();
    let ops = [
        Operation::insert("Logical_Switch", named("sw0")).into(),
        Operation::insert(
            "Logical_Switch_Port",
            named("lsp0").with("tag_request", Atom::Integer(5000)),
        )
        .into(),
        Operation::comment("never runs"),
    ];
    let err = transact(&sb, &ops).unwrap_err();
    assert!(err.is(OperationError::CONSTRAINT_VIOLATION), "{err}");
    assert_eq!(err.failed_index(), Some(1));
    assert_eq!(
        err.error().and_then(|e| e.details.as_deref()),
        Some("5000 is not in the valid range 0 to 4095 (inclusive)")
    );
    assert!(select(&sb, "Logical_Switch", vec![], &["name"]).is_empty());
}

#[test]
fn referential_integrity_violation_fails_the_commit() {
    let sb = sandbox();
    let missing = Uuid::new_v4();
    let ops = [
        Operation::comment("dangling reference"),
        Operation::insert(
            "Logical_Switch",
            named("sw0").with("ports", Atom::Uuid(missing)),
        )
        .into(),
    ];
    let err = transact(&sb, &ops).unwrap_err();
    assert!(matches!(err, TransactError::Commit { .. }), "{err:?}");
    assert!(
        err.is(OperationError::REFERENTIAL_INTEGRITY_VIOLATION),
        "{err}"
    );
    assert_eq!(err.failed_index(), None);
    // Both operations ran (and are reported) before the commit failed.
    assert_eq!(err.results().len(), 2);
    let Some(sw) = err.results()[1].uuid() else {
        panic!("{err:?}")
    };
    let details = err.error().and_then(|e| e.details.clone()).unwrap();
    assert_eq!(
        details,
        format!(
            "Table Logical_Switch column ports row {sw} references nonexistent row {missing} \
             in table Logical_Switch_Port."
        )
    );
    assert!(select(&sb, "Logical_Switch", vec![], &["name"]).is_empty());
}

#[test]
fn index_and_max_rows_violations_fail_the_commit() {
    let sb = sandbox();
    let group = || Operation::from(Operation::insert("Load_Balancer_Group", named("g")));
    let err = transact(&sb, &[group(), group()]).unwrap_err();
    assert!(matches!(err, TransactError::Commit { .. }), "{err:?}");
    assert!(err.is(OperationError::CONSTRAINT_VIOLATION), "{err}");
    let details = err.error().and_then(|e| e.details.clone()).unwrap();
    assert!(
        details.starts_with(
            "Transaction causes multiple rows in \"Load_Balancer_Group\" table to have \
             identical values (g) for index on column \"name\"."
        ),
        "{details}"
    );

    let global = || Operation::from(Operation::insert("NB_Global", Row::new()));
    let err = transact(&sb, &[global(), global()]).unwrap_err();
    assert!(matches!(err, TransactError::Commit { .. }), "{err:?}");
    assert!(err.is(OperationError::CONSTRAINT_VIOLATION), "{err}");
    assert_eq!(err.results().len(), 2);
}

#[test]
fn schema_errors_fail_their_operation() {
    let sb = sandbox();
    let err = transact(&sb, &[Operation::select("No_Such_Table", vec![]).into()]).unwrap_err();
    assert!(err.is(OperationError::SYNTAX_ERROR), "{err}");
    let e = err.error().unwrap();
    assert_eq!(
        e.details.as_deref(),
        Some("Parsing ovsdb operation 1 of 1 failed: No table named No_Such_Table.")
    );
    assert!(e.syntax.is_some());

    let ops = [
        Operation::comment("c"),
        Operation::update(
            "Logical_Switch",
            vec![],
            Row::new().with("bogus", Atom::Integer(1)),
        ),
        Operation::comment("never runs"),
    ];
    let err = transact(&sb, &ops).unwrap_err();
    assert!(err.is(OperationError::UNKNOWN_COLUMN), "{err}");
    assert_eq!(err.failed_index(), Some(1));

    // Ordering functions only apply to scalar numbers.
    let ops = [Operation::select("Logical_Switch", vec![Condition::lt("name", "a")]).into()];
    let err = transact(&sb, &ops).unwrap_err();
    assert!(err.is(OperationError::SYNTAX_ERROR), "{err}");
}

#[test]
fn large_select_decodes_straight_into_rows() {
    let sb = sandbox();
    // Stay well under the 128 KiB limit on one command-line argument.
    let ops: Vec<Operation> = (0..400)
        .map(|i| {
            let row = named(&format!("sw{i}")).with(
                "external_ids",
                Datum::map([("index", i.to_string().as_str())]),
            );
            Operation::insert("Logical_Switch", row).into()
        })
        .collect();
    let results = ok(&sb, &ops);
    assert!(results.iter().all(|r| r.kind() == OpKind::Insert));
    let rows = ok(&sb, &[Operation::select("Logical_Switch", vec![]).into()])
        .remove(0)
        .into_rows()
        .unwrap();
    assert_eq!(rows.len(), 400);
    let mut uuids: Vec<Atom> = rows.iter().map(|r| scalar(r, "_uuid")).collect();
    uuids.sort();
    let mut inserted: Vec<Atom> = results
        .iter()
        .filter_map(|r| r.uuid())
        .map(Atom::Uuid)
        .collect();
    inserted.sort();
    assert_eq!(uuids, inserted);
}
