//! Monitor traffic applied to a replica of the real OVN_Northbound schema.
//!
//! Input: JSON-RPC messages one after another, as on the wire (seeds are sessions recorded
//! from a real ovsdb-server). What a client does with each:
//! - notification `update` / `update2` / `update3`: `apply_update` / `apply_update2`;
//!   `monitor_canceled`: `clear_tables` of every table;
//! - a reply whose result is `[found, last-txn-id, updates]` (`monitor_cond_since`): found,
//!   `apply_update2`, else `replace_tables` of every table; `<table-updates2>`
//!   (`monitor_cond`): `apply_update2`; `<table-updates>` (`monitor`): `apply_update` on an
//!   empty replica, else `replace_tables_from_update` (a resync after a reconnect);
//! - request `monitor` / `monitor_cond` / `monitor_cond_since`: `set_monitored_columns` for
//!   each table with a `columns` list; `add_index` `[table, "column[:key]"]`: `add_index`.
//!
//! Never a panic, and:
//! - all or nothing: a call that fails leaves the replica equal to its clone from before;
//! - a call that succeeds leaves only rows that fit the schema, indexes equal to the ones a
//!   rebuild from the same rows gives (`convert` to the same schema), and events that,
//!   replayed in order on the old rows, give the new ones (up to `_version`, which a replace
//!   may change silently), each event's `old` being the row as it stood.
#![no_main]

mod common;

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use ovsdb::data::{Row, Uuid};
use ovsdb::monitor::{MonitorCondSinceReply, TableUpdates, TableUpdates2, Update3Params};
use ovsdb::replica::{EventKind, IndexSpec, Replica};
use ovsdb::schema::DatabaseSchema;
use ovsdb::wire::RawMessage;
use serde_json::value::RawValue;
use serde_json::Value;

/// The most messages of one input that are looked at.
const MAX_MESSAGES: usize = 64;

fn schema() -> &'static Arc<DatabaseSchema> {
    static SCHEMA: OnceLock<Arc<DatabaseSchema>> = OnceLock::new();
    SCHEMA.get_or_init(|| Arc::new(common::schema(common::NB_SCHEMA)))
}

fn tables() -> Vec<String> {
    schema().tables.keys().cloned().collect()
}

/// The replica and what was done to it that a rebuild must repeat.
struct State {
    replica: Replica,
    /// The last monitored-column list set per table.
    monitored: HashMap<String, Vec<String>>,
}

/// What one message did: nothing, a call that failed, a call that changed rows (with its
/// events) or a call that changes no rows.
enum Outcome {
    Ignored,
    Failed,
    Applied(Vec<ovsdb::replica::Event>),
    Configured,
}

fn events<E>(r: Result<Vec<ovsdb::replica::Event>, E>) -> Outcome {
    r.map_or(Outcome::Failed, Outcome::Applied)
}

fn notification(state: &mut State, method: &str, params: &RawValue) -> Outcome {
    let r = &mut state.replica;
    let p = params.get();
    match method {
        "update" => match serde_json::from_str::<(Value, TableUpdates)>(p) {
            Ok((_, u)) => events(r.apply_update(&u)),
            Err(_) => Outcome::Ignored,
        },
        "update2" => match serde_json::from_str::<(Value, TableUpdates2)>(p) {
            Ok((_, u)) => events(r.apply_update2(&u)),
            Err(_) => Outcome::Ignored,
        },
        "update3" => match serde_json::from_str::<Update3Params>(p) {
            Ok(u) => events(r.apply_update2(&u.updates)),
            Err(_) => Outcome::Ignored,
        },
        "monitor_canceled" => events(r.clear_tables(&tables())),
        _ => Outcome::Ignored,
    }
}

fn reply(state: &mut State, result: &RawValue) -> Outcome {
    let r = &mut state.replica;
    let p = result.get();
    if let Ok(since) = serde_json::from_str::<MonitorCondSinceReply>(p) {
        return if since.found {
            events(r.apply_update2(&since.updates))
        } else {
            events(r.replace_tables(&tables(), &since.updates))
        };
    }
    if let Ok(u) = serde_json::from_str::<TableUpdates2>(p) {
        return events(r.apply_update2(&u));
    }
    if let Ok(u) = serde_json::from_str::<TableUpdates>(p) {
        return if r.row_count() == 0 {
            events(r.apply_update(&u))
        } else {
            events(r.replace_tables_from_update(&tables(), &u))
        };
    }
    Outcome::Ignored
}

fn request(state: &mut State, method: &str, params: &RawValue) -> Outcome {
    let Ok(Value::Array(params)) = serde_json::from_str::<Value>(params.get()) else {
        return Outcome::Ignored;
    };
    match method {
        "monitor" | "monitor_cond" | "monitor_cond_since" => {
            let Some(Value::Object(requests)) = params.get(2) else {
                return Outcome::Ignored;
            };
            let mut outcome = Outcome::Ignored;
            for (table, req) in requests {
                let req = match req {
                    Value::Array(list) => list.first().unwrap_or(&Value::Null),
                    other => other,
                };
                let Some(Value::Array(columns)) = req.get("columns") else {
                    continue;
                };
                let columns: Vec<String> = columns
                    .iter()
                    .filter_map(|c| c.as_str().map(String::from))
                    .collect();
                let before = state.replica.clone();
                match state.replica.set_monitored_columns(table, &columns) {
                    Ok(()) => {
                        state.monitored.insert(table.clone(), columns);
                        outcome = Outcome::Configured;
                    }
                    Err(_) => assert!(state.replica == before, "a failed column choice changed the replica"),
                }
            }
            outcome
        }
        "add_index" => match (params.first(), params.get(1)) {
            (Some(Value::String(table)), Some(Value::String(spec))) => {
                match state.replica.add_index(IndexSpec::parse(table.as_str(), spec)) {
                    Ok(_) => Outcome::Configured,
                    Err(_) => Outcome::Failed,
                }
            }
            _ => Outcome::Ignored,
        },
        _ => Outcome::Ignored,
    }
}

/// Rows by table and UUID.
type Rows = HashMap<(String, Uuid), Row>;

fn rows(r: &Replica) -> Rows {
    let mut out = HashMap::new();
    for t in r.tables() {
        for (uuid, row) in t.iter() {
            out.insert((t.name().to_string(), uuid), Row::clone(row));
        }
    }
    out
}

fn without_version(row: &Row) -> Row {
    let mut row = row.clone();
    row.remove("_version");
    row
}

fn check_applied(state: &State, before: &Replica, events: &[ovsdb::replica::Event]) {
    let r = &state.replica;
    let schema = schema();
    for t in r.tables() {
        for (uuid, row) in t.iter() {
            if let Err(e) = schema.check_row(t.name(), row) {
                panic!("stored row {uuid} of {} does not fit the schema: {e}", t.name());
            }
        }
    }

    let mut rebuilt = r.convert(Arc::clone(schema));
    for (table, columns) in &state.monitored {
        rebuilt
            .set_monitored_columns(table, columns)
            .expect("a column choice that worked works again");
    }
    assert!(rebuilt == *r, "indexes differ from a rebuild from the same rows");

    let mut replayed = rows(before);
    for e in events {
        let key = (e.table.to_string(), e.uuid);
        let current = replayed.get(&key);
        match &e.kind {
            EventKind::Insert { new } => {
                assert!(current.is_none(), "insert event for a row that exists");
                replayed.insert(key, Row::clone(new));
            }
            EventKind::Update { old, new } => {
                assert_eq!(current, Some(&**old), "update event with the wrong old row");
                assert_ne!(old, new, "update event that changes nothing");
                replayed.insert(key, Row::clone(new));
            }
            EventKind::Delete { old } => {
                assert_eq!(current, Some(&**old), "delete event with the wrong old row");
                replayed.remove(&key);
            }
        }
    }
    let now = rows(r);
    assert_eq!(
        replayed.len(),
        now.len(),
        "the events do not add up to the new rows"
    );
    for (key, row) in &now {
        let old = replayed.get(key).map(without_version);
        assert_eq!(
            old,
            Some(without_version(row)),
            "the events do not give row {key:?}"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let mut state = State {
        replica: Replica::new(Arc::clone(schema())),
        monitored: HashMap::new(),
    };
    let stream = serde_json::Deserializer::from_slice(data).into_iter::<&RawValue>();
    for raw in stream.take(MAX_MESSAGES) {
        let Ok(raw) = raw else { break };
        let Ok(msg) = RawMessage::from_slice(raw.get().as_bytes()) else {
            continue;
        };
        let before = state.replica.clone();
        let outcome = match msg {
            RawMessage::Notification { method, params } => {
                notification(&mut state, &method, params)
            }
            RawMessage::Response {
                result: Some(result),
                ..
            } => reply(&mut state, result),
            RawMessage::Request { method, params, .. } => request(&mut state, &method, params),
            RawMessage::Response { .. } => Outcome::Ignored,
        };
        match outcome {
            Outcome::Ignored => {}
            Outcome::Configured => check_applied(&state, &before, &[]),
            Outcome::Failed => assert!(
                state.replica == before,
                "a failed call changed the replica"
            ),
            Outcome::Applied(events) => check_applied(&state, &before, &events),
        }
    }
});
