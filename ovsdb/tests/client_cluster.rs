//! The client against a real 3-member RAFT cluster (ovsdb-server clustered mode) and a relay:
//! leader-only selection, acknowledged writes across a leader kill and a leadership transfer,
//! monitors resuming from their last transaction on another member, and the inactivity probe
//! against a stopped (SIGSTOP) member.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use ovsdb::client::{
    Client, ClientOptions, ConnectionState, Error, Monitor, MonitorEvent, Updates,
};
use ovsdb::data::{Atom, Datum, Row, Uuid};
use ovsdb::monitor::{MonitorRequest, RowChange};
use ovsdb::ops::{Condition, Operation};
use ovsdb::testing::Cluster;

const NB: &str = "OVN_Northbound";
const SCHEMA: &str = "/usr/share/ovn/ovn-nb.ovsschema";
const LIMIT: Duration = Duration::from_secs(30);

fn opts(remotes: &str) -> ClientOptions {
    ClientOptions::new(remotes)
        .unwrap()
        .database(NB)
        .backoff(Duration::from_millis(50), Duration::from_millis(500))
        .connect_timeout(Duration::from_secs(3))
}

async fn connect(o: ClientOptions) -> Client {
    tokio::time::timeout(LIMIT, Client::connect(o))
        .await
        .expect("connect in time")
        .expect("connect")
}

fn remote_of(c: &Client) -> Option<String> {
    match &*c.state().borrow() {
        ConnectionState::Connected { remote, .. } => Some(remote.clone()),
        _ => None,
    }
}

fn add_switch(name: &str) -> Operation {
    Operation::insert("Logical_Switch", Row::new().with("name", name)).into()
}

/// Names of every Logical_Switch, counted.
async fn switch_names(c: &Client) -> BTreeMap<String, usize> {
    let r = c
        .transact(
            NB,
            &[Operation::select("Logical_Switch", vec![])
                .with_columns(["name"])
                .into()],
        )
        .await
        .unwrap();
    let mut out = BTreeMap::new();
    for row in r[0].rows().unwrap() {
        let name = row
            .get("name")
            .and_then(Datum::as_scalar)
            .and_then(Atom::as_str)
            .unwrap()
            .to_owned();
        *out.entry(name).or_default() += 1;
    }
    out
}

/// A mirror of Logical_Switch names built only from monitor events.
#[derive(Default)]
struct Mirror {
    rows: HashMap<Uuid, String>,
    resets: usize,
    updates: usize,
}

impl Mirror {
    fn apply(&mut self, event: MonitorEvent) {
        match event {
            MonitorEvent::Reset(u) => {
                self.resets += 1;
                self.rows.clear();
                self.merge(u);
            }
            MonitorEvent::Update(u) => {
                self.updates += 1;
                self.merge(u);
            }
            MonitorEvent::Canceled => {}
        }
    }

    fn merge(&mut self, u: Updates) {
        let Updates::V2(u) = u else {
            panic!("cluster monitors use update2/update3")
        };
        for t in u.tables {
            for r in t.rows {
                match r.change {
                    RowChange::Initial(row) | RowChange::Insert(row) | RowChange::Modify(row) => {
                        if let Some(n) = row
                            .get("name")
                            .and_then(Datum::as_scalar)
                            .and_then(Atom::as_str)
                        {
                            self.rows.insert(r.uuid, n.to_owned());
                        }
                    }
                    RowChange::Delete => {
                        self.rows.remove(&r.uuid);
                    }
                }
            }
        }
    }

    fn names(&self) -> BTreeMap<String, usize> {
        let mut out = BTreeMap::new();
        for n in self.rows.values() {
            *out.entry(n.clone()).or_default() += 1;
        }
        out
    }

    async fn drain(&mut self, m: &mut Monitor) {
        while let Some(e) = m.try_next() {
            self.apply(e);
        }
    }
}

async fn switch_monitor(c: &Client) -> Monitor {
    c.monitor(
        NB,
        vec![("Logical_Switch".into(), MonitorRequest::columns(["name"]))],
    )
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leader_only_lands_on_the_leader_and_refuses_followers() {
    let mut cluster = tokio::task::block_in_place(|| Cluster::start(SCHEMA, 3)).unwrap();
    let leader = cluster.wait_for_leader(LIMIT).unwrap();
    let follower = (leader + 1) % 3;

    let c = connect(opts(&cluster.all_tcp_remotes())).await;
    assert_eq!(remote_of(&c), Some(cluster.tcp_remote(leader)));

    // Not leader-only: a follower is fine (reads, and writes it forwards to the leader).
    let f = connect(opts(&cluster.tcp_remote(follower)).leader_only(false)).await;
    assert_eq!(remote_of(&f), Some(cluster.tcp_remote(follower)));
    f.transact(NB, &[add_switch("via-follower")]).await.unwrap();

    // Leader-only with only a follower to go to: a clear refusal, not a connection.
    let err = Client::connect(
        opts(&cluster.tcp_remote(follower)).connect_timeout(Duration::from_secs(1)),
    )
    .await
    .err()
    .expect("a follower must be refused");
    assert!(err.to_string().contains("not the cluster leader"), "{err}");
}

/// Writes 1,000 transactions while the leader is killed (or leadership moves); afterwards
/// every acknowledged write is present exactly once, and a monitor-built mirror equals a
/// fresh read.
async fn writes_survive(disrupt: fn(&mut Cluster) -> usize) {
    let mut cluster = tokio::task::block_in_place(|| Cluster::start(SCHEMA, 3)).unwrap();
    cluster.wait_for_leader(LIMIT).unwrap();
    let remotes = cluster.all_tcp_remotes();
    let writer = connect(opts(&remotes)).await;
    let reader = connect(opts(&remotes).leader_only(false)).await;
    let mut monitor = switch_monitor(&reader).await;
    let replica = reader
        .replicate(
            NB,
            vec![("Logical_Switch".into(), MonitorRequest::all())],
            ovsdb::client::ReplicaOptions::default(),
        )
        .await
        .unwrap();
    let mut mirror = Mirror::default();

    let mut acknowledged = Vec::new();
    let mut retries = 0;
    for i in 0..1000 {
        let name = format!("w{i}");
        if i == 300 {
            let c = &mut cluster;
            let new_leader = tokio::task::block_in_place(|| disrupt(c));
            assert!(new_leader < 3);
        }
        loop {
            match writer.transact(NB, &[add_switch(&name)]).await {
                Ok(_) => break,
                Err(Error::OutcomeUnknown { .. }) => {
                    // Committed or not? Ask the database before trying again.
                    writer.wait_connected().await.unwrap();
                    let present = writer
                        .transact(
                            NB,
                            &[Operation::select(
                                "Logical_Switch",
                                vec![Condition::eq("name", name.as_str())],
                            )
                            .into()],
                        )
                        .await
                        .map(|r| !r[0].rows().unwrap().is_empty());
                    if let Ok(true) = present {
                        break;
                    }
                    retries += 1;
                }
                Err(Error::NotConnected(_)) | Err(Error::Rpc { .. }) => {
                    retries += 1;
                    tokio::time::timeout(LIMIT, writer.wait_connected())
                        .await
                        .expect("writer reconnects")
                        .unwrap();
                }
                Err(e) => panic!("write {i}: {e}"),
            }
            assert!(retries < 100, "too many retries");
        }
        acknowledged.push(name);
        mirror.drain(&mut monitor).await;
    }

    let names = switch_names(&writer).await;
    assert_eq!(names.len(), 1000);
    for name in &acknowledged {
        assert_eq!(names.get(name), Some(&1), "{name}");
    }
    // The reader's mirror catches up to the same contents.
    let deadline = tokio::time::Instant::now() + LIMIT;
    while mirror.names() != names {
        assert!(
            tokio::time::Instant::now() < deadline,
            "mirror never caught up"
        );
        if let Ok(Some(e)) = tokio::time::timeout(Duration::from_millis(200), monitor.next()).await
        {
            mirror.apply(e);
        }
    }
    let fresh = switch_names(&reader).await;
    assert_eq!(mirror.names(), fresh);

    // The replica equals a fresh dump of every row and column.
    let dump = reader
        .transact(NB, &[Operation::select("Logical_Switch", vec![]).into()])
        .await
        .unwrap();
    let mut dump: Vec<(Uuid, Row)> = dump[0]
        .rows()
        .unwrap()
        .iter()
        .map(|r| {
            let mut r = r.clone();
            // `_version` is generated by each cluster member when it applies a transaction, so
            // it differs between members; after a failover the replica keeps the first
            // member's. Every other column must be equal.
            r.remove("_version");
            let uuid = r
                .remove("_uuid")
                .and_then(|d| d.as_scalar().and_then(Atom::as_uuid))
                .unwrap();
            (uuid, r)
        })
        .collect();
    dump.sort_by_key(|(u, _)| *u);
    let deadline = tokio::time::Instant::now() + LIMIT;
    loop {
        let mine: Vec<(Uuid, Row)> = replica.read(|r| {
            let mut v: Vec<(Uuid, Row)> = r
                .table("Logical_Switch")
                .map(|t| {
                    t.iter()
                        .map(|(u, row)| {
                            let mut row = (**row).clone();
                            row.remove("_version");
                            (u, row)
                        })
                        .collect()
                })
                .unwrap_or_default();
            v.sort_by_key(|(u, _)| *u);
            v
        });
        if mine == dump {
            break;
        }
        if tokio::time::Instant::now() >= deadline {
            let diff: Vec<String> = mine
                .iter()
                .zip(dump.iter())
                .filter(|(a, b)| a != b)
                .take(3)
                .map(|(a, b)| format!("replica {a:?}\n   dump {b:?}"))
                .collect();
            panic!(
                "replica != dump ({} vs {} rows):\n{}",
                mine.len(),
                dump.len(),
                diff.join("\n")
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_a_leader_kill() {
    writes_survive(|c| {
        let old = c.leader().unwrap().expect("a leader");
        c.kill(old).unwrap();
        let new = c.wait_for_leader(LIMIT).unwrap();
        assert_ne!(new, old);
        new
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_a_leadership_transfer() {
    writes_survive(|c| c.transfer_leadership().unwrap()).await;
}

/// Two monitors on one connection; the member they were on goes away; on another member they
/// resume from their last transaction id (an Update with only the missed change, no Reset).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn monitors_resume_from_their_last_transaction_on_another_member() {
    let mut cluster = tokio::task::block_in_place(|| Cluster::start(SCHEMA, 3)).unwrap();
    let leader = cluster.wait_for_leader(LIMIT).unwrap();
    let victim = (leader + 1) % 3;
    let others: Vec<String> = (0..3)
        .filter(|&i| i != victim)
        .map(|i| cluster.tcp_remote(i))
        .collect();
    let mut all = vec![cluster.tcp_remote(victim)];
    all.extend(others.iter().cloned());
    let c = connect(
        opts(&all.join(","))
            .leader_only(false)
            .shuffle_remotes(false),
    )
    .await;
    assert_eq!(remote_of(&c), Some(cluster.tcp_remote(victim)));
    let writer = connect(opts(&cluster.all_tcp_remotes())).await;

    let mut switches = switch_monitor(&c).await;
    let mut ports = c
        .monitor(
            NB,
            vec![(
                "Logical_Switch_Port".into(),
                MonitorRequest::columns(["name"]),
            )],
        )
        .await
        .unwrap();
    assert!(matches!(
        switches.next().await,
        Some(MonitorEvent::Reset(_))
    ));
    assert!(matches!(ports.next().await, Some(MonitorEvent::Reset(_))));
    for i in 0..50 {
        writer
            .transact(NB, &[add_switch(&format!("s{i}"))])
            .await
            .unwrap();
    }
    // Wait until the monitor saw the last one, so its txn id is current.
    let mut seen = 0;
    while seen < 50 {
        if let Some(MonitorEvent::Update(u)) =
            tokio::time::timeout(LIMIT, switches.next()).await.unwrap()
        {
            seen += u.row_count();
        }
    }
    let before = switches.last_txn_id().await.unwrap();
    assert!(before.is_some());

    let mut state = c.state();
    tokio::task::block_in_place(|| cluster.kill(victim)).unwrap();
    // A change while the client is away.
    writer.wait_connected().await.unwrap();
    loop {
        match writer.transact(NB, &[add_switch("missed")]).await {
            Ok(_) => break,
            Err(_) => writer.wait_connected().await.unwrap(),
        }
    }
    tokio::time::timeout(
        LIMIT,
        state.wait_for(|s| matches!(s, ConnectionState::Connected { generation: 2, .. })),
    )
    .await
    .unwrap()
    .unwrap();
    assert!(others.contains(&remote_of(&c).unwrap()));

    // Resumed, not restarted: after the reconnect the switch monitor receives only Updates
    // (the resumed one, and the live one if the write landed after the reconnect) carrying
    // exactly the one new row, never the full contents again; the port monitor's resumed
    // update is empty.
    let mut rows_after = 0;
    let mut mirror = Mirror::default();
    while !mirror.rows.values().any(|n| n == "missed") {
        let e = tokio::time::timeout(LIMIT, switches.next())
            .await
            .unwrap()
            .unwrap();
        let MonitorEvent::Update(u) = e else {
            panic!("expected resumed updates only, got {e:?}")
        };
        rows_after += u.row_count();
        mirror.merge(u);
    }
    assert_eq!(rows_after, 1);
    let e = tokio::time::timeout(LIMIT, ports.next())
        .await
        .unwrap()
        .unwrap();
    assert!(
        matches!(&e, MonitorEvent::Update(u) if u.row_count() == 0),
        "expected an empty resumed update, got {e:?}"
    );
    assert_ne!(switches.last_txn_id().await.unwrap(), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn monitor_and_transact_through_a_relay() {
    let mut cluster = tokio::task::block_in_place(|| Cluster::start(SCHEMA, 3)).unwrap();
    cluster.wait_for_leader(LIMIT).unwrap();
    let relay = tokio::task::block_in_place(|| cluster.start_relay()).unwrap();
    // Relays are not leaders; leader-only accepts them as ovsdb-cs does.
    let c = connect(opts(&relay.remote())).await;
    let mut m = switch_monitor(&c).await;
    assert!(matches!(m.next().await, Some(MonitorEvent::Reset(_))));
    c.transact(NB, &[add_switch("through-relay")])
        .await
        .unwrap();
    let mut mirror = Mirror::default();
    while !mirror.rows.values().any(|n| n == "through-relay") {
        mirror.apply(
            tokio::time::timeout(LIMIT, m.next())
                .await
                .unwrap()
                .unwrap(),
        );
    }
    // And the write is in the cluster itself.
    let direct = connect(opts(&cluster.all_tcp_remotes())).await;
    assert_eq!(switch_names(&direct).await.get("through-relay"), Some(&1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_member_is_detected_by_the_inactivity_probe() {
    let mut cluster = tokio::task::block_in_place(|| Cluster::start(SCHEMA, 3)).unwrap();
    let leader = cluster.wait_for_leader(LIMIT).unwrap();
    let victim = (leader + 1) % 3;
    let mut all = vec![cluster.tcp_remote(victim)];
    all.extend(
        (0..3)
            .filter(|&i| i != victim)
            .map(|i| cluster.tcp_remote(i)),
    );
    let c = connect(
        opts(&all.join(","))
            .leader_only(false)
            .shuffle_remotes(false)
            .inactivity_probe(Some(Duration::from_millis(500))),
    )
    .await;
    assert_eq!(remote_of(&c), Some(cluster.tcp_remote(victim)));
    let mut state = c.state();
    tokio::task::block_in_place(|| cluster.pause(victim)).unwrap();
    tokio::time::timeout(
        LIMIT,
        state.wait_for(|s| matches!(s, ConnectionState::Connected { generation: 2, .. })),
    )
    .await
    .expect("moved on from the stopped member")
    .unwrap();
    assert_ne!(remote_of(&c), Some(cluster.tcp_remote(victim)));
    c.list_dbs().await.unwrap();
    tokio::task::block_in_place(|| cluster.resume(victim)).unwrap();
}

/// A member that lost its cluster (the other two are gone) reports `connected: false` in
/// `_Server`; even a client that accepts followers refuses it, and says why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_cut_off_from_its_cluster_is_refused() {
    let mut cluster = tokio::task::block_in_place(|| Cluster::start(SCHEMA, 3)).unwrap();
    let leader = cluster.wait_for_leader(LIMIT).unwrap();
    let survivor = (leader + 1) % 3;
    for i in (0..3).filter(|&i| i != survivor) {
        tokio::task::block_in_place(|| cluster.kill(i)).unwrap();
    }
    let remote = cluster.tcp_remote(survivor);
    let deadline = tokio::time::Instant::now() + LIMIT;
    let err = loop {
        let attempt = Client::connect(
            opts(&remote)
                .leader_only(false)
                .connect_timeout(Duration::from_secs(1)),
        )
        .await;
        match attempt {
            Err(e) if e.to_string().contains("not connected to its cluster") => break e,
            // Until its election timer runs out it may still believe it is connected.
            _ => assert!(tokio::time::Instant::now() < deadline, "never refused"),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(err.to_string().contains(&remote), "{err}");
}
