//! The async client against a real ovsdb-server: every method, monitors with each method,
//! read-your-writes ordering, locks between two clients, cancel, reconnect and resume.

mod support;

use std::time::Duration;

use ovsdb::client::{
    Client, ClientOptions, ConnectionState, Error, LockStatus, MonitorEvent, MonitorMethod, Updates,
};
use ovsdb::data::{Datum, Row};
use ovsdb::monitor::{MonitorRequest, RowChange};
use ovsdb::ops::{Condition, Mutation, Operation, Until};
use ovsdb::testing::Sandbox;
use serde_json::json;

const NB: &str = "OVN_Northbound";
const LIMIT: Duration = Duration::from_secs(10);

fn nb_sandbox() -> Sandbox {
    Sandbox::start(&["/usr/share/ovn/ovn-nb.ovsschema"]).expect("start ovsdb-server")
}

async fn client(sb: &Sandbox) -> Client {
    let opts = ClientOptions::new(&sb.remote())
        .unwrap()
        .database(NB)
        .backoff(Duration::from_millis(50), Duration::from_millis(200));
    tokio::time::timeout(LIMIT, Client::connect(opts))
        .await
        .expect("connect in time")
        .expect("connect")
}

fn add_switch(name: &str) -> Operation {
    Operation::insert("Logical_Switch", Row::new().with("name", name)).into()
}

async fn next_event(m: &mut ovsdb::client::Monitor) -> MonitorEvent {
    tokio::time::timeout(LIMIT, m.next())
        .await
        .expect("event in time")
        .expect("monitor open")
}

fn names(u: &Updates) -> Vec<String> {
    let mut out = Vec::new();
    match u {
        Updates::V1(u) => {
            for t in &u.tables {
                for r in &t.rows {
                    if let Some(n) = r.new.as_ref().and_then(|n| n.get("name")) {
                        out.push(format!("{n:?}"));
                    }
                }
            }
        }
        Updates::V2(u) => {
            for t in &u.tables {
                for r in &t.rows {
                    if let RowChange::Initial(row)
                    | RowChange::Insert(row)
                    | RowChange::Modify(row) = &r.change
                    {
                        if let Some(n) = row.get("name") {
                            out.push(format!("{n:?}"));
                        }
                    }
                }
            }
        }
    }
    out.sort();
    out
}

#[tokio::test]
async fn every_plain_method() {
    let sb = nb_sandbox();
    let c = client(&sb).await;
    let dbs = c.list_dbs().await.unwrap();
    assert!(dbs.contains(&NB.to_string()) && dbs.contains(&"_Server".to_string()));
    let schema = c.get_schema(NB).await.unwrap();
    assert_eq!(schema.version, "7.0.0");
    assert_eq!(
        c.echo(vec![json!("ping"), json!(1)]).await.unwrap(),
        vec![json!("ping"), json!(1)]
    );
    assert_ne!(c.get_server_id().await.unwrap(), ovsdb::data::Uuid::NIL);
    c.set_db_change_aware(true).await.unwrap();
    let r = c.transact(NB, &[add_switch("sw0")]).await.unwrap();
    assert!(r[0].uuid().is_some());
    // A failed transaction reports the failing operation.
    let err = c
        .transact(NB, &[add_switch("sw1"), Operation::abort()])
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Transact(ref t) if t.failed_index() == Some(1)),
        "{err}"
    );
    // An unknown database is a JSON-RPC error, not a hang.
    let err = c.get_schema("Nope").await.unwrap_err();
    assert!(err.is_rpc_error("unknown database"), "{err}");
}

#[tokio::test]
async fn the_schema_can_come_with_the_handshake() {
    let mut sb = nb_sandbox();
    // Not asked for: none kept.
    let plain = client(&sb).await;
    assert!(plain.handshake_schema(NB).is_none());
    let opts = ClientOptions::new(&sb.remote())
        .unwrap()
        .database(NB)
        .schema_in_handshake(true);
    let c = tokio::time::timeout(LIMIT, Client::connect(opts))
        .await
        .expect("connect in time")
        .expect("connect");
    let fetched = c.get_schema(NB).await.unwrap();
    let early = c.handshake_schema(NB).expect("schema from the handshake");
    assert_eq!(*early, fetched);
    assert_eq!(early.version, "7.0.0");
    // Only the databases named in the options.
    assert!(c.handshake_schema("_Server").is_none());
    // Each connection's handshake fetches it again (it is cleared as a handshake starts).
    let mut state = c.state();
    sb.restart().unwrap();
    tokio::time::timeout(LIMIT, async {
        loop {
            state.changed().await.expect("client alive");
            let now = state.borrow_and_update().clone();
            if matches!(now, ConnectionState::Connected { generation, .. } if generation >= 2) {
                break;
            }
        }
    })
    .await
    .expect("reconnected in time");
    assert_eq!(*c.handshake_schema(NB).expect("schema again"), fetched);
}

#[tokio::test]
async fn many_requests_in_flight() {
    let sb = nb_sandbox();
    let c = client(&sb).await;
    let mut tasks = Vec::new();
    for i in 0..200 {
        let c = c.clone();
        tasks.push(tokio::spawn(async move {
            c.transact(NB, &[add_switch(&format!("sw{i}"))]).await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let rows = c
        .transact(NB, &[Operation::select("Logical_Switch", vec![]).into()])
        .await
        .unwrap();
    assert_eq!(rows[0].rows().unwrap().len(), 200);
}

/// ovsdb-server sends a transaction's updates before its reply, and the client hands them to
/// the monitor before it hands the reply to the caller.
#[tokio::test]
async fn updates_arrive_before_the_transaction_returns() {
    let sb = nb_sandbox();
    let c = client(&sb).await;
    for method in [
        MonitorMethod::MonitorCondSince,
        MonitorMethod::MonitorCond,
        MonitorMethod::Monitor,
    ] {
        let mut m = c
            .monitor_with(
                NB,
                vec![("Logical_Switch".into(), MonitorRequest::columns(["name"]))],
                method,
            )
            .await
            .unwrap();
        let MonitorEvent::Reset(initial) = next_event(&mut m).await else {
            panic!("first event is not the initial contents")
        };
        let before = initial.row_count();
        for i in 0..20 {
            let name = format!("{method:?}-{i}");
            c.transact(NB, &[add_switch(&name)]).await.unwrap();
            // Already queued: no waiting.
            let Some(MonitorEvent::Update(u)) = m.try_next() else {
                panic!("{method:?}: update not delivered before the reply")
            };
            assert_eq!(names(&u), vec![format!("{:?}", Datum::from(name.as_str()))]);
        }
        if method == MonitorMethod::MonitorCondSince {
            assert!(m.last_txn_id().await.unwrap().is_some());
        }
        assert!(before < 100);
        m.cancel().await.unwrap();
    }
}

#[tokio::test]
async fn conditional_monitor_and_condition_change() {
    let sb = nb_sandbox();
    let c = client(&sb).await;
    c.transact(NB, &[add_switch("a"), add_switch("b"), add_switch("c")])
        .await
        .unwrap();
    let req =
        |n: &str| MonitorRequest::columns(["name"]).with_conditions(vec![Condition::eq("name", n)]);
    let mut m = c
        .monitor(NB, vec![("Logical_Switch".into(), req("a"))])
        .await
        .unwrap();
    let MonitorEvent::Reset(initial) = next_event(&mut m).await else {
        panic!()
    };
    assert_eq!(names(&initial), vec!["\"a\""]);
    m.change(vec![("Logical_Switch".into(), req("b"))])
        .await
        .unwrap();
    // The server sends the rows that left and entered the condition.
    let MonitorEvent::Update(u) = next_event(&mut m).await else {
        panic!()
    };
    let Updates::V2(u) = u else { panic!() };
    let mut kinds: Vec<_> = u.tables[0]
        .rows
        .iter()
        .map(|r| match &r.change {
            RowChange::Delete => "delete".to_string(),
            RowChange::Insert(row) | RowChange::Initial(row) => format!("in {:?}", row.get("name")),
            other => format!("{other:?}"),
        })
        .collect();
    kinds.sort();
    assert_eq!(
        kinds,
        vec![
            "delete".to_string(),
            format!("in {:?}", Some(&Datum::from("b")))
        ]
    );
}

#[tokio::test]
async fn locks_between_two_clients_with_steal() {
    let sb = nb_sandbox();
    let a = client(&sb).await;
    let b = client(&sb).await;
    let mut la = a.lock("leader").await.unwrap();
    la.wait_for(LIMIT, |s| s == LockStatus::Held).await.unwrap();
    let mut lb = b.lock("leader").await.unwrap();
    assert_eq!(
        lb.wait_for(LIMIT, |s| s == LockStatus::Waiting)
            .await
            .unwrap(),
        LockStatus::Waiting
    );
    // The holder's transactions may assert the lock; the waiter's may not.
    a.transact(NB, &[Operation::assert("leader")])
        .await
        .unwrap();
    let err = b
        .transact(NB, &[Operation::assert("leader")])
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Transact(ref t) if t.is("not owner")),
        "{err}"
    );
    // Releasing hands it to the waiter ("locked" notification).
    la.unlock().await.unwrap();
    lb.wait_for(LIMIT, |s| s == LockStatus::Held).await.unwrap();
    // Stealing takes it back ("stolen" notification to the loser).
    let mut la = a.steal("leader").await.unwrap();
    la.wait_for(LIMIT, |s| s == LockStatus::Held).await.unwrap();
    lb.wait_for(LIMIT, |s| s == LockStatus::Stolen)
        .await
        .unwrap();
}

#[tokio::test]
async fn cancel_a_blocked_transaction() {
    let sb = nb_sandbox();
    let c = client(&sb).await;
    // Blocks until a switch named "never" appears, for up to a minute.
    let wait = Operation::wait(
        "Logical_Switch",
        vec![Condition::eq("name", "never")],
        ["name"],
        Until::NotEqual,
        vec![],
    )
    .with_timeout(Duration::from_secs(60))
    .into();
    let pending = c.start_transact(NB, &[wait]).await.unwrap();
    let id = pending.id().unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    c.cancel(id).await.unwrap();
    let err = tokio::time::timeout(LIMIT, pending.wait())
        .await
        .expect("canceled in time")
        .unwrap_err();
    assert!(err.is_rpc_error("canceled"), "{err}");
}

#[tokio::test]
async fn reconnects_after_a_restart_and_reports_unknown_outcomes() {
    let mut sb = nb_sandbox();
    let c = client(&sb).await;
    let mut m = c
        .monitor(
            NB,
            vec![("Logical_Switch".into(), MonitorRequest::columns(["name"]))],
        )
        .await
        .unwrap();
    assert!(matches!(next_event(&mut m).await, MonitorEvent::Reset(_)));
    c.transact(NB, &[add_switch("before")]).await.unwrap();
    assert!(matches!(next_event(&mut m).await, MonitorEvent::Update(_)));

    // A transaction blocked in the server when the connection drops: outcome unknown.
    let wait = Operation::wait(
        "Logical_Switch",
        vec![Condition::eq("name", "never")],
        ["name"],
        Until::NotEqual,
        vec![],
    )
    .with_timeout(Duration::from_secs(60))
    .into();
    let pending = c.start_transact(NB, &[wait]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut state = c.state();
    sb.restart().unwrap();
    let err = tokio::time::timeout(LIMIT, pending.wait())
        .await
        .unwrap()
        .unwrap_err();
    assert!(matches!(err, Error::OutcomeUnknown { .. }), "{err}");

    // Back: a second session, the monitor re-established with the full contents (a standalone
    // server keeps no history across a restart), and live updates again.
    tokio::time::timeout(
        LIMIT,
        state.wait_for(|s| matches!(s, ConnectionState::Connected { generation: 2, .. })),
    )
    .await
    .unwrap()
    .unwrap();
    let MonitorEvent::Reset(full) = next_event(&mut m).await else {
        panic!("expected the full contents after the restart")
    };
    assert_eq!(names(&full), vec!["\"before\""]);
    c.transact(NB, &[add_switch("after")]).await.unwrap();
    let MonitorEvent::Update(u) = next_event(&mut m).await else {
        panic!()
    };
    assert_eq!(names(&u), vec!["\"after\""]);
    // Requests made while disconnected fail at once rather than hang.
    support::stop_and_wait_connecting(&mut sb, &mut state, LIMIT).await;
    let err = c.list_dbs().await.unwrap_err();
    assert!(
        matches!(err, Error::NotConnected(_) | Error::OutcomeUnknown { .. }),
        "{err}"
    );
}

#[tokio::test]
async fn mutate_through_the_client() {
    let sb = nb_sandbox();
    let c = client(&sb).await;
    c.transact(NB, &[add_switch("sw")]).await.unwrap();
    let r = c
        .transact(
            NB,
            &[Operation::mutate(
                "Logical_Switch",
                vec![Condition::eq("name", "sw")],
                vec![Mutation::insert(
                    "external_ids",
                    Datum::map([("owner", "test")]),
                )],
            )],
        )
        .await
        .unwrap();
    assert_eq!(r[0].count(), Some(1));
}

#[tokio::test]
async fn dropping_conditions_brings_every_row_back() {
    let sb = nb_sandbox();
    let c = client(&sb).await;
    c.transact(NB, &[add_switch("a"), add_switch("b")])
        .await
        .unwrap();
    let cond = MonitorRequest::columns(["name"]).with_conditions(vec![Condition::eq("name", "a")]);
    let mut m = c
        .monitor(NB, vec![("Logical_Switch".into(), cond)])
        .await
        .unwrap();
    let MonitorEvent::Reset(initial) = next_event(&mut m).await else {
        panic!()
    };
    assert_eq!(names(&initial), vec!["\"a\""]);
    m.change(vec![(
        "Logical_Switch".into(),
        MonitorRequest::columns(["name"]),
    )])
    .await
    .unwrap();
    let MonitorEvent::Update(u) = next_event(&mut m).await else {
        panic!()
    };
    assert_eq!(names(&u), vec!["\"b\""]);
    // Columns cannot change on a live monitor: a clear error, and the monitor keeps working.
    let err = m
        .change(vec![(
            "Logical_Switch".into(),
            MonitorRequest::columns(["name", "ports"]),
        )])
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("only conditions can change"),
        "{err}"
    );
    c.transact(NB, &[add_switch("c")]).await.unwrap();
    let MonitorEvent::Update(u) = next_event(&mut m).await else {
        panic!()
    };
    assert_eq!(names(&u), vec!["\"c\""]);
}

#[tokio::test]
async fn tls_with_mutual_authentication() {
    use ovsdb::transport::TlsSettings;
    let sb = Sandbox::builder()
        .schema("/usr/share/ovn/ovn-nb.ovsschema")
        .ssl()
        .start()
        .unwrap();
    let pki = sb.pki().unwrap();
    let remote = sb.ssl_remote().unwrap();
    let opts = |tls: TlsSettings| {
        ClientOptions::new(&remote)
            .unwrap()
            .database(NB)
            .tls(tls)
            .connect_timeout(Duration::from_secs(2))
            .backoff(Duration::from_millis(50), Duration::from_millis(100))
    };
    let good = TlsSettings::from_files(&pki.client_key, &pki.client_cert, &pki.ca_cert).unwrap();
    let c = Client::connect(opts(good)).await.unwrap();
    c.transact(NB, &[add_switch("over-tls")]).await.unwrap();
    assert!(c.list_dbs().await.unwrap().contains(&NB.to_string()));

    // Trusting the wrong CA: the server's certificate is refused.
    let wrong_ca =
        TlsSettings::from_files(&pki.client_key, &pki.client_cert, &pki.other_ca_cert).unwrap();
    let err = Client::connect(opts(wrong_ca))
        .await
        .err()
        .expect("wrong CA refused");
    assert!(
        err.to_string().to_lowercase().contains("certificate"),
        "{err}"
    );

    // A client certificate from another CA: the server refuses us.
    let wrong_cert =
        TlsSettings::from_files(&pki.other_client_key, &pki.other_client_cert, &pki.ca_cert)
            .unwrap();
    let err = Client::connect(opts(wrong_cert))
        .await
        .err()
        .expect("foreign client refused");
    assert!(
        err.to_string().to_lowercase().contains("certificate"),
        "{err}"
    );
}

/// Hundreds of transactions in flight at once, each a large request with a large reply, all
/// complete: the connection task keeps reading replies while the socket is slow to take the
/// requests. (Written inline, a write waited for ovsdb-server to read, while ovsdb-server,
/// which reads nothing from a client whose replies are still unsent, waited for us to read:
/// neither side ever moved again.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipelined_large_transactions_do_not_deadlock() {
    let sb = nb_sandbox();
    let client = client(&sb).await;
    let pad = "x".repeat(1024);
    let fill: Vec<Operation> = (0..200)
        .map(|i| {
            Operation::insert(
                "Logical_Switch",
                Row::new()
                    .with("name", format!("big{i}"))
                    .with("external_ids", Datum::map([("pad", pad.clone())])),
            )
            .into()
        })
        .collect();
    client.transact(NB, &fill).await.unwrap();
    // Each request carries 64 KB (a comment), each reply about 250 KB (every switch).
    let note = "n".repeat(64 * 1024);
    let calls = (0..400).map(|_| {
        let client = client.clone();
        let ops: Vec<Operation> = vec![
            Operation::select("Logical_Switch", vec![]).into(),
            Operation::comment(note.clone()),
        ];
        async move { client.transact(NB, &ops).await }
    });
    let results = tokio::time::timeout(Duration::from_secs(120), futures::future::join_all(calls))
        .await
        .expect("the pipelined transactions never all completed");
    for r in &results {
        let rows = r.as_ref().map(|r| r[0].rows().map(|rows| rows.len()));
        assert_eq!(rows.ok().flatten(), Some(200), "{r:?}");
    }
}
