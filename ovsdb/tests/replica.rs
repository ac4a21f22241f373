//! The replica against a real ovsdb-server (OVN Northbound): a raw JSON-RPC connection
//! monitors a few tables, applies every update the server sends, and after each transaction
//! (sent on the same connection, so its updates arrive before its reply) the replica must equal
//! a fresh `select` of every row, decoded with the column types. Run once with `monitor_cond`
//! (update2 column diffs) and once with plain `monitor` (RFC 7047 updates); then a replace after
//! a missed stretch of changes, and a schema with real columns (ovsdb-server writes `1.0` as
//! `1`).

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use ovsdb::data::{Atom, Datum, Row, Uuid};
use ovsdb::monitor::{TableUpdates, TableUpdates2};
use ovsdb::replica::{Event, IndexSpec, Replica};
use ovsdb::schema::DatabaseSchema;
use ovsdb::testing::Sandbox;
use ovsdb::wire::{JsonFramer, Message, RawMessage};
use serde_json::{json, Value};
use tokio_util::codec::Decoder;

const NB: &str = "/usr/share/ovn/ovn-nb.ovsschema";
const TABLES: [&str; 4] = [
    "Logical_Switch",
    "Logical_Switch_Port",
    "ACL",
    "Address_Set",
];

/// A blocking JSON-RPC connection that hands every notification to the caller.
struct Conn {
    stream: UnixStream,
    framer: JsonFramer,
    buf: BytesMut,
    next_id: u64,
}

impl Conn {
    fn connect(path: &Path) -> Conn {
        let stream = UnixStream::connect(path).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        Conn {
            stream,
            framer: JsonFramer::new(),
            buf: BytesMut::new(),
            next_id: 1,
        }
    }

    fn frame(&mut self) -> Bytes {
        loop {
            if let Some(frame) = self.framer.decode(&mut self.buf).unwrap() {
                return frame;
            }
            let mut chunk = [0u8; 65536];
            let n = self.stream.read(&mut chunk).unwrap();
            assert!(n > 0, "server closed the connection");
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    /// Sends `method(params)` and returns the raw `result` text, passing each notification
    /// (method, raw params) that arrives before the reply to `notify`.
    fn call(
        &mut self,
        method: &str,
        params: Vec<Value>,
        notify: &mut dyn FnMut(&str, &str),
    ) -> String {
        let id = self.next_id;
        self.next_id += 1;
        let request = Message::request(json!(id), method, params);
        self.stream.write_all(&request.to_vec().unwrap()).unwrap();
        loop {
            let frame = self.frame();
            let msg = RawMessage::from_slice(&frame).unwrap();
            if let Some(echo) = msg.echo_reply() {
                self.stream.write_all(&echo.to_vec().unwrap()).unwrap();
                continue;
            }
            match msg {
                RawMessage::Notification { method, params } => notify(&method, params.get()),
                RawMessage::Response {
                    id: rid,
                    result,
                    error,
                } if rid.get() == id.to_string() => {
                    assert!(
                        error.is_none(),
                        "{method} failed: {:?}",
                        error.map(|e| e.get())
                    );
                    return result.map(|r| r.get().to_owned()).unwrap_or_default();
                }
                other => panic!("unexpected message {other:?}"),
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Form {
    /// `monitor_cond`: update2 notifications with column diffs.
    Update2,
    /// `monitor`: RFC 7047 update notifications with old and new rows.
    Update,
}

/// One connection with a monitor on `tables`, and the replica it keeps.
struct Session {
    conn: Conn,
    form: Form,
    db: &'static str,
    replica: Replica,
    /// Events of the updates applied since the last `take_events`.
    events: Vec<Event>,
}

impl Session {
    fn start(
        sandbox: &Sandbox,
        schema: &str,
        db: &'static str,
        tables: &[&str],
        form: Form,
    ) -> Session {
        let schema = Arc::new(DatabaseSchema::from_file(schema).unwrap());
        let mut session = Session {
            conn: Conn::connect(sandbox.socket()),
            form,
            db,
            replica: Replica::new(schema),
            events: Vec::new(),
        };
        let requests: serde_json::Map<String, Value> =
            tables.iter().map(|t| (t.to_string(), json!({}))).collect();
        let method = match form {
            Form::Update2 => "monitor_cond",
            Form::Update => "monitor",
        };
        let reply = session.call(
            method,
            vec![json!(db), json!("mon"), Value::Object(requests)],
        );
        let events = match form {
            Form::Update2 => session
                .replica
                .apply_update2(&serde_json::from_str::<TableUpdates2>(&reply).unwrap()),
            Form::Update => session
                .replica
                .apply_update(&serde_json::from_str::<TableUpdates>(&reply).unwrap()),
        };
        session.events.extend(events.unwrap());
        session
    }

    /// A call that applies every update arriving before its reply.
    fn call(&mut self, method: &str, params: Vec<Value>) -> String {
        let Session {
            conn,
            form,
            replica,
            events,
            ..
        } = self;
        conn.call(method, params, &mut |m, params| {
            let applied = match (m, *form) {
                ("update2", Form::Update2) => {
                    let (_, u): (Value, TableUpdates2) = serde_json::from_str(params).unwrap();
                    replica.apply_update2(&u)
                }
                ("update", Form::Update) => {
                    let (_, u): (Value, TableUpdates) = serde_json::from_str(params).unwrap();
                    replica.apply_update(&u)
                }
                other => panic!("unexpected notification {other:?}"),
            };
            events.extend(applied.unwrap_or_else(|e| panic!("{e}")));
        })
    }

    /// Runs a transaction that must succeed; returns its results.
    fn transact(&mut self, ops: Value) -> Vec<Value> {
        let mut params = vec![json!(self.db)];
        params.extend(ops.as_array().unwrap().iter().cloned());
        let reply = self.call("transact", params);
        let results: Vec<Value> = serde_json::from_str(&reply).unwrap();
        for r in &results {
            assert!(r.get("error").is_none(), "{ops}: {results:?}");
        }
        results
    }

    fn take_events(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.events)
    }

    /// Every row of `table` as the server has it now, decoded with the column types.
    fn select(&mut self, table: &str) -> BTreeMap<Uuid, Row> {
        let results = self.transact(json!([{"op": "select", "table": table, "where": []}]));
        let schema = Arc::clone(self.replica.schema());
        let ts = schema.table(table).unwrap();
        let mut out = BTreeMap::new();
        for row in results[0]["rows"].as_array().unwrap() {
            let mut decoded = Row::new();
            let mut uuid = None;
            for (column, value) in row.as_object().unwrap() {
                let ty = &ts.column(column).unwrap().column_type;
                let datum = ty.datum_from_value(value).unwrap();
                if column == "_uuid" {
                    uuid = datum.as_scalar().and_then(Atom::as_uuid);
                } else {
                    decoded.insert(column.as_str(), datum);
                }
            }
            out.insert(uuid.unwrap(), decoded);
        }
        out
    }

    fn replica_rows(&self, table: &str) -> BTreeMap<Uuid, Row> {
        let t = self.replica.table(table).unwrap();
        t.iter()
            .map(|(uuid, row)| (uuid, Row::clone(row)))
            .collect()
    }

    /// The replica equals a fresh select of each table, and its indexes agree with the rows.
    /// Drops the events not taken yet.
    fn check(&mut self, tables: &[&str]) {
        self.events.clear();
        for table in tables {
            let server = self.select(table);
            assert_eq!(
                self.replica_rows(table),
                server,
                "{:?}: table {table}",
                self.form
            );
            if *table == "Logical_Switch_Port" {
                self.check_port_indexes(&server);
            }
        }
        // The selects changed nothing.
        assert!(self.events.is_empty(), "{:?}", self.events);
    }

    fn check_port_indexes(&self, rows: &BTreeMap<Uuid, Row>) {
        let r = &self.replica;
        let by_name = r
            .index_id(&IndexSpec::column("Logical_Switch_Port", "name"))
            .unwrap();
        let by_iface = r
            .index_id(&IndexSpec::parse(
                "Logical_Switch_Port",
                "external_ids:iface-id",
            ))
            .unwrap();
        for (uuid, row) in rows {
            let name = row.get("name").and_then(Datum::as_scalar).unwrap();
            let found: Vec<Uuid> = r.lookup(by_name, name).map(|(u, _)| u).collect();
            assert_eq!(found, [*uuid]);
        }
        for iface in ["vm1", "vm2", "vm3"] {
            let key = Atom::from(iface);
            let found: Vec<Uuid> = r.lookup(by_iface, &key).map(|(u, _)| u).collect();
            let scan: Vec<Uuid> = rows
                .iter()
                .filter(|(_, row)| {
                    row.get("external_ids")
                        .and_then(Datum::as_map)
                        .and_then(|m| {
                            m.get_str(
                                "external_ids:iface-id"
                                    .split(':')
                                    .nth(1)
                                    .unwrap_or_default(),
                            )
                        })
                        == Some(&key)
                })
                .map(|(u, _)| *u)
                .collect();
            assert_eq!(found, scan, "iface-id {iface}");
        }
    }
}

/// (table, inserts, updates, deletes) counts of a list of events.
fn summary(events: &[Event]) -> Vec<(String, usize, usize, usize)> {
    let mut out: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
    for e in events {
        let entry = out.entry(e.table.to_string()).or_default();
        match (e.is_insert(), e.is_update()) {
            (true, _) => entry.0 += 1,
            (_, true) => entry.1 += 1,
            _ => entry.2 += 1,
        }
    }
    out.into_iter().map(|(t, (i, u, d))| (t, i, u, d)).collect()
}

fn counts(table: &str, i: usize, u: usize, d: usize) -> (String, usize, usize, usize) {
    (table.to_string(), i, u, d)
}

fn uuid_of(results: &[Value], i: usize) -> Value {
    results[i]["uuid"].clone()
}

/// Rows before the monitor starts (reported as initial rows), then every kind of change.
fn run_scenario(form: Form) {
    let sb = Sandbox::start(&[NB]).unwrap();
    // Data the monitor reports as initial rows.
    let mut setup = Session::start(&sb, NB, "OVN_Northbound", &[], Form::Update2);
    setup.transact(json!([
        {"op": "insert", "table": "Logical_Switch_Port", "uuid-name": "p0",
         "row": {"name": "p0", "addresses": ["set", ["00:00:00:00:00:01 10.0.0.1"]],
                 "external_ids": ["map", [["iface-id", "vm1"]]]}},
        {"op": "insert", "table": "ACL", "uuid-name": "acl0",
         "row": {"priority": 1000, "direction": "to-lport", "match": "ip4", "action": "allow"}},
        {"op": "insert", "table": "Logical_Switch",
         "row": {"name": "sw0", "ports": ["named-uuid", "p0"], "acls": ["named-uuid", "acl0"],
                 "other_config": ["map", [["subnet", "10.0.0.0/24"]]]}},
        {"op": "insert", "table": "Address_Set", "row": {"name": "as0", "addresses": ["set", ["10.0.0.1", "10.0.0.2"]]}}
    ]));

    let mut s = Session::start(&sb, NB, "OVN_Northbound", &TABLES, form);
    s.replica
        .add_index(IndexSpec::parse(
            "Logical_Switch_Port",
            "external_ids:iface-id",
        ))
        .unwrap();
    assert_eq!(
        summary(&s.take_events()),
        [
            counts("ACL", 1, 0, 0),
            counts("Address_Set", 1, 0, 0),
            counts("Logical_Switch", 1, 0, 0),
            counts("Logical_Switch_Port", 1, 0, 0)
        ]
    );
    s.check(&TABLES);

    // Insert a port into the switch (a set grows) with optional columns set.
    s.transact(json!([
        {"op": "insert", "table": "Logical_Switch_Port", "uuid-name": "p1",
         "row": {"name": "p1", "tag_request": 5, "enabled": true, "addresses": ["set", ["a", "b"]],
                 "external_ids": ["map", [["iface-id", "vm2"], ["k1", "v1"], ["k2", "v2"]]]}},
        {"op": "mutate", "table": "Logical_Switch", "where": [["name", "==", "sw0"]],
         "mutations": [["ports", "insert", ["set", [["named-uuid", "p1"]]]]]}
    ]));
    assert_eq!(
        summary(&s.take_events()),
        [
            counts("Logical_Switch", 0, 1, 0),
            counts("Logical_Switch_Port", 1, 0, 0)
        ]
    );
    s.check(&TABLES);

    let p1 = json!([["name", "==", "p1"]]);
    // Scalars, optional columns (value -> value), sets (add and remove), maps (add a key,
    // change a value, keep one).
    s.transact(json!([{"op": "update", "table": "Logical_Switch_Port", "where": p1,
        "row": {"type": "router", "tag_request": 7, "enabled": false, "addresses": ["set", ["b", "c"]],
                "external_ids": ["map", [["iface-id", "vm3"], ["k1", "v1"], ["k3", "v3"]]]}}]));
    let events = s.take_events();
    assert_eq!(events.len(), 1);
    assert_eq!(
        events[0].changed_columns(),
        [
            "_version",
            "addresses",
            "enabled",
            "external_ids",
            "tag_request",
            "type"
        ]
    );
    s.check(&TABLES);

    // Optional columns cleared and set from empty; map keys removed by mutation.
    s.transact(json!([
        {"op": "update", "table": "Logical_Switch_Port", "where": p1,
         "row": {"tag_request": ["set", []], "enabled": ["set", []], "parent_name": "p0", "dynamic_addresses": "x"}},
        {"op": "mutate", "table": "Logical_Switch_Port", "where": p1,
         "mutations": [["external_ids", "delete", ["set", ["k1", "k3"]]], ["addresses", "delete", ["set", ["b", "c"]]]]}
    ]));
    s.check(&TABLES);

    // The map key used by an index removed, then re-added to another port.
    s.transact(json!([
        {"op": "mutate", "table": "Logical_Switch_Port", "where": p1,
         "mutations": [["external_ids", "delete", ["set", ["iface-id"]]]]},
        {"op": "mutate", "table": "Logical_Switch_Port", "where": [["name", "==", "p0"]],
         "mutations": [["external_ids", "insert", ["map", [["iface-id", "vm3"]]]],
                       ["external_ids", "delete", ["map", [["iface-id", "vm1"]]]]]}
    ]));
    s.check(&TABLES);

    // ACL: scalars, an optional enum, an optional bounded string, a map; a second ACL.
    let acl = s.transact(json!([
        {"op": "update", "table": "ACL", "where": [["priority", "==", 1000]],
         "row": {"priority": 1001, "log": true, "severity": "alert", "name": "acl-name", "label": 42,
                 "options": ["map", [["log-related", "true"]]]}},
        {"op": "insert", "table": "ACL", "uuid-name": "acl1",
         "row": {"priority": 5, "direction": "from-lport", "match": "ip6", "action": "drop",
                 "external_ids": ["map", [["a", "b"]]]}},
        {"op": "mutate", "table": "Logical_Switch", "where": [["name", "==", "sw0"]],
         "mutations": [["acls", "insert", ["set", [["named-uuid", "acl1"]]]]]}
    ]));
    assert_eq!(
        summary(&s.take_events()),
        [counts("ACL", 1, 1, 0), counts("Logical_Switch", 0, 1, 0)]
    );
    s.check(&TABLES);
    let acl1 = uuid_of(&acl, 1);

    // Address sets: elements added and removed; one more set; one deleted.
    s.transact(json!([
        {"op": "mutate", "table": "Address_Set", "where": [["name", "==", "as0"]],
         "mutations": [["addresses", "insert", ["set", ["10.0.0.3"]]], ["addresses", "delete", "10.0.0.1"]]},
        {"op": "insert", "table": "Address_Set", "row": {"name": "as1", "external_ids": ["map", [["x", "y"]]]}}
    ]));
    s.check(&TABLES);
    s.transact(json!([{"op": "delete", "table": "Address_Set", "where": [["name", "==", "as1"]]}]));
    assert_eq!(summary(&s.take_events()), [counts("Address_Set", 0, 0, 1)]);
    s.check(&TABLES);

    // A port and an ACL removed from the switch: the server garbage-collects them.
    s.transact(json!([
        {"op": "mutate", "table": "Logical_Switch", "where": [["name", "==", "sw0"]],
         "mutations": [["acls", "delete", ["set", [acl1]]], ["ports", "delete", ["set", [s_uuid(&s, "p1")]]]]}
    ]));
    assert_eq!(
        summary(&s.take_events()),
        [
            counts("ACL", 0, 0, 1),
            counts("Logical_Switch", 0, 1, 0),
            counts("Logical_Switch_Port", 0, 0, 1)
        ]
    );
    s.check(&TABLES);

    // The switch deleted: everything it held goes too.
    s.transact(json!([{"op": "delete", "table": "Logical_Switch", "where": []}]));
    assert_eq!(
        summary(&s.take_events()),
        [
            counts("ACL", 0, 0, 1),
            counts("Logical_Switch", 0, 0, 1),
            counts("Logical_Switch_Port", 0, 0, 1)
        ]
    );
    s.check(&TABLES);
    assert_eq!(s.replica.row_count(), 1); // as0
}

/// The `["uuid", ..]` of the port named `name` in the replica.
fn s_uuid(s: &Session, name: &str) -> Value {
    let by_name = s
        .replica
        .index_id(&IndexSpec::column("Logical_Switch_Port", "name"))
        .unwrap();
    let (uuid, _) = s.replica.lookup(by_name, &Atom::from(name)).next().unwrap();
    json!(["uuid", uuid.to_string()])
}

#[test]
fn monitor_cond_update2_keeps_the_replica_equal_to_the_server() {
    run_scenario(Form::Update2);
}

#[test]
fn plain_monitor_update_keeps_the_replica_equal_to_the_server() {
    run_scenario(Form::Update);
}

/// A replica that missed changes is replaced by a fresh monitor's initial rows: it then equals
/// the server, and the events name exactly the rows that changed meanwhile.
#[test]
fn replace_after_missed_changes_emits_only_the_differences() {
    for form in [Form::Update2, Form::Update] {
        let sb = Sandbox::start(&[NB]).unwrap();
        let mut writer = Session::start(&sb, NB, "OVN_Northbound", &[], Form::Update2);
        let mut ops = vec![];
        for i in 0..20 {
            ops.push(json!({"op": "insert", "table": "Address_Set",
                            "row": {"name": format!("as{i}"), "addresses": ["set", [format!("10.0.0.{i}")]]}}));
        }
        writer.transact(Value::Array(ops));

        // A replica of the state so far; its connection then goes away.
        let stale = Session::start(&sb, NB, "OVN_Northbound", &["Address_Set"], form);
        let mut replica = stale.replica.clone();
        drop(stale);

        // Missed while "disconnected": one set changed, one deleted, one added.
        writer.transact(json!([
            {"op": "mutate", "table": "Address_Set", "where": [["name", "==", "as3"]],
             "mutations": [["addresses", "insert", ["set", ["10.9.9.9"]]]]},
            {"op": "delete", "table": "Address_Set", "where": [["name", "==", "as7"]]},
            {"op": "insert", "table": "Address_Set", "row": {"name": "as-new"}}
        ]));

        // A fresh monitor's initial rows replace the stale ones.
        let params = vec![
            json!("OVN_Northbound"),
            json!("again"),
            json!({"Address_Set": {}}),
        ];
        let events = match form {
            Form::Update2 => {
                let reply = writer.conn.call("monitor_cond", params, &mut |_, _| {});
                replica.replace_tables(&["Address_Set"], &serde_json::from_str(&reply).unwrap())
            }
            Form::Update => {
                let reply = writer.conn.call("monitor", params, &mut |_, _| {});
                replica.replace_tables_from_update(
                    &["Address_Set"],
                    &serde_json::from_str(&reply).unwrap(),
                )
            }
        }
        .unwrap();
        let mut names: Vec<(String, &str)> = events
            .iter()
            .map(|e| {
                let row = e.new_row().or(e.old()).unwrap();
                let name = row
                    .get("name")
                    .and_then(Datum::as_scalar)
                    .and_then(Atom::as_str)
                    .unwrap();
                let kind = if e.is_insert() {
                    "insert"
                } else if e.is_update() {
                    "update"
                } else {
                    "delete"
                };
                (name.to_owned(), kind)
            })
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                ("as-new".to_owned(), "insert"),
                ("as3".to_owned(), "update"),
                ("as7".to_owned(), "delete")
            ],
            "{form:?}"
        );
        let server = writer.select("Address_Set");
        let rows: BTreeMap<Uuid, Row> = replica
            .table("Address_Set")
            .unwrap()
            .iter()
            .map(|(u, r)| (u, Row::clone(r)))
            .collect();
        assert_eq!(rows, server, "{form:?}");
    }
}

/// ovsdb-server writes the real 1.0 as 1; the replica stores reals, whichever monitor method.
#[test]
fn reals_written_as_integers_are_stored_as_reals() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("reals.ovsschema");
    std::fs::write(
        &path,
        r#"{"name": "Reals", "version": "1.0.0", "tables": {"R": {"isRoot": true, "columns": {
            "x": {"type": "real"},
            "xs": {"type": {"key": "real", "min": 0, "max": "unlimited"}},
            "m": {"type": {"key": "string", "value": "real", "min": 0, "max": "unlimited"}}}}}}"#,
    )
    .unwrap();
    let schema = path.to_str().unwrap();
    let sb = Sandbox::start(&[schema]).unwrap();
    for form in [Form::Update2, Form::Update] {
        let mut s = Session::start(&sb, schema, "Reals", &["R"], form);
        s.transact(json!([{"op": "delete", "table": "R", "where": []}]));
        s.transact(json!([{"op": "insert", "table": "R",
            "row": {"x": 1.0, "xs": ["set", [2.0, 2.5]], "m": ["map", [["a", 3.0]]]}}]));
        s.transact(json!([{"op": "update", "table": "R", "where": [],
            "row": {"x": 4.0, "xs": ["set", [2.0, 5.0]], "m": ["map", [["a", 3.0], ["b", 6.0]]]}}]));
        let rows = s.replica_rows("R");
        let row = rows.values().next().unwrap();
        assert_eq!(row.get("x"), Some(&Datum::from(4.0)), "{form:?}");
        assert_eq!(row.get("xs"), Some(&Datum::set([2.0, 5.0])));
        assert_eq!(row.get("m"), Some(&Datum::map([("a", 3.0), ("b", 6.0)])));
        s.check(&["R"]);
    }
}
