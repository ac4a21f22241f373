//! The database changing under a live replica, on a real ovsdb-server: online compaction
//! (`ovsdb-server/compact`), online schema conversion (`ovsdb-client convert`) to a schema
//! with an added column, and an upgrade while the client is away (server stopped, file
//! converted with `ovsdb-tool convert`, server started again) that adds and drops columns.

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use ovsdb::client::{Client, ConnectionState, MonitorEvent, ReplicaOptions};
use ovsdb::data::{Datum, Row};
use ovsdb::monitor::MonitorRequest;
use ovsdb::ops::{Condition, Operation};
use ovsdb::testing::Sandbox;
use serde_json::{json, Value};
use support::{dump, fresh_dump, quick_opts, replica_dump, wait_replica_equals};
use tokio::time::timeout;

const NB: &str = "OVN_Northbound";
const SCHEMA: &str = "/usr/share/ovn/ovn-nb.ovsschema";
const LIMIT: Duration = Duration::from_secs(20);
const TABLES: [&str; 2] = ["Logical_Switch", "Logical_Switch_Port"];

fn tables() -> Vec<(String, MonitorRequest)> {
    TABLES
        .iter()
        .map(|t| (t.to_string(), MonitorRequest::all()))
        .collect()
}

fn add_switch(name: &str) -> Operation {
    Operation::insert(
        "Logical_Switch",
        Row::new()
            .with("name", name)
            .with("external_ids", Datum::map([("k", name)])),
    )
    .into()
}

fn by_name(table: &str, name: &str) -> Vec<Condition> {
    let _ = table;
    vec![Condition::eq("name", name)]
}

/// Inserts `n` switches named `{prefix}{i}`, renames every third one's external id and deletes
/// every fifth, each in its own transaction.
async fn churn(c: &Client, prefix: &str, n: usize) {
    for i in 0..n {
        let name = format!("{prefix}{i}");
        c.transact(NB, &[add_switch(&name)]).await.unwrap();
        if i % 3 == 0 {
            c.transact(
                NB,
                &[Operation::update(
                    "Logical_Switch",
                    by_name("Logical_Switch", &name),
                    Row::new().with("external_ids", Datum::map([("k", "updated")])),
                )],
            )
            .await
            .unwrap();
        }
        if i % 5 == 0 {
            c.transact(
                NB,
                &[Operation::delete(
                    "Logical_Switch",
                    by_name("Logical_Switch", &name),
                )],
            )
            .await
            .unwrap();
        }
    }
}

/// Consumes a monitor's events on a task of their own (an unread monitor would, by design,
/// hold up the connection once its buffer is full), returning them once it has been quiet
/// for a few seconds.
fn drain(mut m: ovsdb::client::Monitor) -> tokio::task::JoinHandle<Vec<MonitorEvent>> {
    tokio::spawn(async move {
        let mut events = Vec::new();
        while let Ok(Some(e)) = timeout(Duration::from_secs(3), m.next()).await {
            events.push(e);
        }
        events
    })
}

/// What both tests start from: a server, a reading client with a synced replica of
/// [`TABLES`] and a raw monitor of switch names (past its initial `Reset`, drained on its own
/// task), and a writing client.
struct Setup {
    sb: Sandbox,
    remote: String,
    reader: Client,
    writer: Client,
    replica: ovsdb::client::ReplicaHandle,
    raw: tokio::task::JoinHandle<Vec<MonitorEvent>>,
}

async fn setup() -> Setup {
    let sb = Sandbox::start(&[SCHEMA]).unwrap();
    let remote = sb.remote();
    let reader = Client::connect(quick_opts(&remote, NB)).await.unwrap();
    let writer = Client::connect(quick_opts(&remote, NB)).await.unwrap();
    let replica = reader
        .replicate(NB, tables(), ReplicaOptions::default())
        .await
        .unwrap();
    replica.synced(LIMIT).await.unwrap();
    let mut raw = reader
        .monitor(
            NB,
            vec![("Logical_Switch".into(), MonitorRequest::columns(["name"]))],
        )
        .await
        .unwrap();
    assert!(matches!(
        timeout(LIMIT, raw.next()).await.unwrap(),
        Some(MonitorEvent::Reset(_))
    ));
    let raw = drain(raw);
    Setup {
        sb,
        remote,
        reader,
        writer,
        replica,
        raw,
    }
}

fn generation(c: &Client) -> u64 {
    match &*c.state().borrow() {
        ConnectionState::Connected { generation, .. } => *generation,
        _ => 0,
    }
}

/// Compaction rewrites the database file under live monitors; nobody is disconnected, no
/// monitor is canceled, and the replica stays exactly the database (checked against a fresh
/// dump) through writes before, between and after two compactions.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compaction_under_a_live_replica() {
    let Setup {
        sb,
        remote,
        reader,
        writer,
        replica,
        raw,
    } = setup().await;
    churn(&writer, "a", 60).await;
    let db_file = sb.dir().join(format!("{NB}.db"));
    let before = std::fs::metadata(&db_file).unwrap().len();
    let out = tokio::task::block_in_place(|| sb.appctl(&["ovsdb-server/compact", NB])).unwrap();
    let after = std::fs::metadata(&db_file).unwrap().len();
    assert!(
        after < before,
        "compaction did not shrink the file ({before} -> {after} bytes): {out}"
    );
    churn(&writer, "b", 40).await;
    tokio::task::block_in_place(|| sb.appctl(&["ovsdb-server/compact"])).unwrap();
    churn(&writer, "c", 20).await;

    let expected = fresh_dump(&remote, NB, &TABLES, LIMIT).await;
    assert!(expected.len() > 80, "{} rows", expected.len());
    wait_replica_equals(&replica, &TABLES, &expected, LIMIT).await;
    // Nobody was disconnected, and the raw monitor saw only updates.
    assert_eq!(generation(&reader), 1);
    assert_eq!(generation(&writer), 1);
    for e in raw.await.unwrap() {
        assert!(matches!(e, MonitorEvent::Update(_)), "{e:?}");
    }
}

/// NB's schema with one more optional string column in Logical_Switch, written to `dir`.
fn schema_with_added_column(dir: &Path) -> PathBuf {
    upgraded_schema(dir, &[])
}

/// The NB schema with `Logical_Switch.soak_note` added, `dropped` columns of
/// `Logical_Switch` removed and the version's patch number bumped.
fn upgraded_schema(dir: &Path, dropped: &[&str]) -> PathBuf {
    let mut schema: Value =
        serde_json::from_str(&std::fs::read_to_string(SCHEMA).unwrap()).unwrap();
    schema["tables"]["Logical_Switch"]["columns"]["soak_note"] =
        json!({"type": {"key": "string", "min": 0, "max": 1}});
    for column in dropped {
        let columns = schema["tables"]["Logical_Switch"]["columns"]
            .as_object_mut()
            .unwrap();
        assert!(columns.remove(*column).is_some(), "no column {column}");
    }
    let version = schema["version"].as_str().unwrap().to_owned();
    let mut parts: Vec<u64> = version.split('.').map(|p| p.parse().unwrap()).collect();
    parts[2] += 1;
    schema["version"] = json!(parts
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join("."));
    let path = dir.join("ovn-nb-plus.ovsschema");
    std::fs::write(&path, serde_json::to_vec_pretty(&schema).unwrap()).unwrap();
    path
}

/// Online conversion to a schema with an added column while a replica monitors every column:
/// the server cancels the monitors (the client is db-change-aware), the client re-establishes
/// them, and the replica keeps matching the database, through writes that use the new
/// column too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schema_conversion_under_a_live_replica() {
    let Setup {
        sb,
        remote,
        reader: _reader,
        writer,
        replica,
        raw,
    } = setup().await;
    churn(&writer, "a", 30).await;

    let new_schema = schema_with_added_column(sb.dir());
    let path = new_schema.to_str().unwrap().to_owned();
    tokio::task::block_in_place(|| sb.ovsdb_client(&["convert", &path])).unwrap();

    churn(&writer, "b", 20).await;
    writer
        .transact(
            NB,
            &[Operation::update(
                "Logical_Switch",
                by_name("Logical_Switch", "b1"),
                Row::new().with("soak_note", "new column"),
            )],
        )
        .await
        .unwrap();

    let expected = fresh_dump(&remote, NB, &TABLES, LIMIT).await;
    eprintln!("replica now: {}", replica_dump(&replica, &TABLES).len());
    wait_replica_equals(&replica, &TABLES, &expected, LIMIT).await;
    // The raw monitor saw the churn's updates, was canceled by the conversion, restarted with
    // the full contents, and went on with updates.
    let events = raw.await.unwrap();
    let cancel = events
        .iter()
        .position(|e| *e == MonitorEvent::Canceled)
        .expect("a Canceled event");
    assert!(events[..cancel]
        .iter()
        .all(|e| matches!(e, MonitorEvent::Update(_))));
    assert!(
        matches!(events.get(cancel + 1), Some(MonitorEvent::Reset(_))),
        "{events:?}"
    );
    assert!(events[cancel + 2..]
        .iter()
        .all(|e| matches!(e, MonitorEvent::Update(_))));
    let _ = dump;
}

/// An upgrade while the client is away: the server stops, its file is converted offline to a
/// schema that adds `soak_note` and drops `other_config` and `qos_rules` from
/// `Logical_Switch`, and the server starts again. The replica, which asked for every column,
/// comes back under the new schema: the new column is there, the dropped ones are gone, and
/// it equals a fresh dump; a replica that asked for a dropped column by name keeps the rest.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upgrade_while_disconnected() {
    let Setup {
        mut sb,
        remote,
        reader,
        writer,
        replica,
        raw: _raw,
    } = setup().await;
    let named = reader
        .replicate(
            NB,
            vec![(
                "Logical_Switch".into(),
                MonitorRequest::columns(["name", "other_config"]),
            )],
            ReplicaOptions::default(),
        )
        .await
        .unwrap();
    named.synced(LIMIT).await.unwrap();
    churn(&writer, "a", 20).await;
    drop(writer);

    let new_schema = upgraded_schema(sb.dir(), &["other_config", "qos_rules"]);
    sb.stop();
    let file = sb.database_file(NB).unwrap().to_owned();
    ovsdb::testing::run(
        "ovsdb-tool",
        &["convert".as_ref(), file.as_os_str(), new_schema.as_os_str()],
    )
    .unwrap();
    sb.start_again().unwrap();

    let writer = Client::connect(quick_opts(&remote, NB)).await.unwrap();
    writer
        .transact(
            NB,
            &[Operation::update(
                "Logical_Switch",
                by_name("Logical_Switch", "a1"),
                Row::new().with("soak_note", "after the upgrade"),
            )],
        )
        .await
        .unwrap();
    let expected = fresh_dump(&remote, NB, &TABLES, LIMIT).await;
    wait_replica_equals(&replica, &TABLES, &expected, LIMIT).await;
    replica.read(|r| {
        let ls = r.schema().table("Logical_Switch").unwrap();
        assert!(ls.column("soak_note").is_some());
        assert!(ls.column("other_config").is_none());
        let rows: Vec<_> = r.table("Logical_Switch").unwrap().iter().collect();
        assert!(!rows.is_empty());
        for (_, row) in rows {
            assert!(row.get("other_config").is_none(), "{row:?}");
            assert!(row.get("soak_note").is_some(), "{row:?}");
        }
    });
    // The narrow replica lost the dropped column from its request and still follows names.
    let names = |r: &ovsdb::replica::Replica| {
        let mut names: Vec<String> = r
            .table("Logical_Switch")
            .unwrap()
            .iter()
            .map(|(_, row)| format!("{:?}", row.get("name")))
            .collect();
        names.sort();
        names
    };
    let want = replica.read(names);
    let deadline = tokio::time::Instant::now() + LIMIT;
    while named.read(names) != want {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the narrow replica never caught up"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    named.read(|r| {
        for (_, row) in r.table("Logical_Switch").unwrap().iter() {
            assert!(row.get("other_config").is_none(), "{row:?}");
            assert!(row.get("soak_note").is_none(), "{row:?}");
        }
    });
}
