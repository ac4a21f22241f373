//! `ovsdb::testing::Cluster` against the real programs: a RAFT cluster of `ovsdb-server`s on
//! loopback (OVN Northbound schema), its faults, and a relay in front of it. Every check reads
//! what the servers themselves report (`cluster/status`, their logs, `ovsdb-client`).

use std::io;
use std::time::{Duration, Instant};

use ovsdb::testing::cluster::{MemberState, Role, WAIT_LIMIT};
use ovsdb::testing::{run, Cluster, SandboxError};

const NB: &str = "/usr/share/ovn/ovn-nb.ovsschema";

/// How long a write may take to show up on another server.
const REPLICATION_LIMIT: Duration = Duration::from_secs(10);

/// Inserts a `Logical_Switch` named `name` through `remote` with `ovsdb-client transact`.
fn insert_switch(remote: &str, name: &str) {
    let txn = serde_json::json!([
        "OVN_Northbound",
        {"op": "insert", "table": "Logical_Switch", "row": {"name": name}}
    ])
    .to_string();
    let reply = run("ovsdb-client", &["--timeout=10", "transact", remote, &txn]).unwrap();
    let reply: serde_json::Value = serde_json::from_str(&reply).unwrap();
    assert!(
        reply[0]["uuid"][0] == "uuid" && reply.as_array().unwrap().len() == 1,
        "insert of {name} through {remote} failed: {reply}"
    );
}

/// The names of all `Logical_Switch` rows `remote` serves.
fn switch_names(remote: &str) -> Vec<String> {
    let txn = serde_json::json!([
        "OVN_Northbound",
        {"op": "select", "table": "Logical_Switch", "where": [], "columns": ["name"]}
    ])
    .to_string();
    let reply = run("ovsdb-client", &["--timeout=10", "query", remote, &txn]).unwrap();
    let reply: serde_json::Value = serde_json::from_str(&reply).unwrap();
    let mut names: Vec<String> = reply[0]["rows"]
        .as_array()
        .unwrap_or_else(|| panic!("no rows in {reply}"))
        .iter()
        .map(|row| row["name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

/// Waits until `remote` serves a switch named `name`.
fn wait_for_switch(remote: &str, name: &str) {
    let start = Instant::now();
    loop {
        let names = switch_names(remote);
        if names.iter().any(|n| n == name) {
            return;
        }
        assert!(
            start.elapsed() < REPLICATION_LIMIT,
            "{remote} still lacks switch {name} after {REPLICATION_LIMIT:?}: {names:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn is_kind(err: &SandboxError, kind: io::ErrorKind) -> bool {
    matches!(err, SandboxError::Io(e) if e.kind() == kind)
}

#[test]
fn three_members_elect_one_leader_and_replicate_a_write_sent_to_a_follower() {
    let c = Cluster::start(NB, 3).unwrap();
    assert_eq!(c.members(), 3);
    assert_eq!(c.db_name(), "OVN_Northbound");

    let statuses: Vec<_> = (0..3).map(|i| c.status(i).unwrap()).collect();
    let leaders: Vec<usize> = (0..3)
        .filter(|&i| statuses[i].role == Role::Leader)
        .collect();
    assert_eq!(leaders.len(), 1, "{statuses:#?}");
    let leader = leaders[0];
    assert_eq!(c.leader().unwrap(), Some(leader));
    for (i, s) in statuses.iter().enumerate() {
        assert!(s.is_member(), "{}", s.raw);
        assert_eq!(s.term, statuses[leader].term, "{}", s.raw);
        assert_eq!(s.server_id, c.server_id(i));
        assert_eq!(s.address, c.raft_address(i));
        assert_eq!(
            s.leader,
            Some(statuses[leader].short_id.clone()),
            "{}",
            s.raw
        );
        assert!(s.server_id.starts_with(&s.short_id), "{}", s.raw);
        assert_eq!(c.member_by_server_id(&s.server_id), Some(i));
        assert_eq!(c.state(i), MemberState::Running);
    }

    let remotes: Vec<String> = (0..3).map(|i| c.tcp_remote(i)).collect();
    assert_eq!(c.all_tcp_remotes(), remotes.join(","));
    let mut ports = remotes.clone();
    ports.extend((0..3).map(|i| c.raft_address(i)));
    ports.sort();
    ports.dedup();
    assert_eq!(ports.len(), 6, "client and raft ports must all differ");

    // A write sent to a follower is forwarded to the leader and committed cluster-wide.
    let follower = (leader + 1) % 3;
    assert_eq!(c.status(follower).unwrap().role, Role::Follower);
    insert_switch(&c.tcp_remote(follower), "sw-via-follower");
    for i in 0..3 {
        wait_for_switch(&c.tcp_remote(i), "sw-via-follower");
        let dump = c
            .ovsdb_client(i, &["dump", "OVN_Northbound", "Logical_Switch"])
            .unwrap();
        assert!(dump.contains("sw-via-follower"), "member {i}: {dump}");
    }
    // The comma-separated form is accepted as a cluster (ovsdb-client finds the leader).
    assert_eq!(switch_names(&c.all_tcp_remotes()), ["sw-via-follower"]);
    assert!(
        c.log(leader).contains("elected leader"),
        "{}",
        c.log(leader)
    );
}

#[test]
fn a_killed_leader_is_replaced_and_rejoins_as_a_follower() {
    let mut c = Cluster::start(NB, 3).unwrap();
    let old = c.leader().unwrap().unwrap();
    let old_term = c.status(old).unwrap().term;

    c.kill(old).unwrap();
    assert_eq!(c.state(old), MemberState::Killed);
    let err = c.status(old).unwrap_err();
    assert!(is_kind(&err, io::ErrorKind::InvalidInput), "{err}");
    assert!(
        run("ovsdb-client", &["--timeout=5", "list-dbs", &c.remote(old)]).is_err(),
        "a killed member must not answer"
    );

    let new = c.wait_for_leader(WAIT_LIMIT).unwrap();
    assert_ne!(new, old);
    assert!(c.status(new).unwrap().term > old_term);
    insert_switch(&c.tcp_remote(new), "sw-while-down");

    c.restart(old).unwrap();
    assert_eq!(c.state(old), MemberState::Running);
    let leader = c.wait_for_leader(WAIT_LIMIT).unwrap();
    assert_ne!(leader, old);
    let status = c.status(old).unwrap();
    assert_eq!(status.role, Role::Follower, "{}", status.raw);
    assert_eq!(status.leader, Some(c.status(leader).unwrap().short_id));
    // The restarted member catches up on what it missed, from its old files.
    wait_for_switch(&c.tcp_remote(old), "sw-while-down");
}

#[test]
fn a_paused_follower_stalls_without_stopping_the_cluster_and_catches_up() {
    let mut c = Cluster::start(NB, 3).unwrap();
    let leader = c.leader().unwrap().unwrap();
    let paused = (leader + 1) % 3;
    let other = (leader + 2) % 3;

    c.pause(paused).unwrap();
    assert_eq!(c.state(paused), MemberState::Paused);
    let err = c.status(paused).unwrap_err();
    assert!(is_kind(&err, io::ErrorKind::InvalidInput), "{err}");
    let err = c.pause(paused).unwrap_err();
    assert!(is_kind(&err, io::ErrorKind::InvalidInput), "{err}");
    // Its sockets stay open but nothing answers: a client times out.
    assert!(run(
        "ovsdb-client",
        &["--timeout=1", "list-dbs", &c.tcp_remote(paused)]
    )
    .is_err());

    // Two of three still form a majority: a write commits while the member is stalled.
    let start = Instant::now();
    insert_switch(&c.tcp_remote(other), "sw-while-paused");
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    wait_for_switch(&c.tcp_remote(leader), "sw-while-paused");

    c.resume(paused).unwrap();
    assert_eq!(c.state(paused), MemberState::Running);
    let err = c.resume(paused).unwrap_err();
    assert!(is_kind(&err, io::ErrorKind::InvalidInput), "{err}");
    wait_for_switch(&c.tcp_remote(paused), "sw-while-paused");
    let agreed = c.wait_for_leader(WAIT_LIMIT).unwrap();
    assert_eq!(c.leader().unwrap(), Some(agreed));
    assert!(c.status(paused).unwrap().is_member());
}

#[test]
fn transfer_leadership_hands_over_with_the_raft_transfer() {
    let mut c = Cluster::start(NB, 3).unwrap();
    let old = c.wait_for_leader(WAIT_LIMIT).unwrap();
    let old_term = c.status(old).unwrap().term;

    let start = Instant::now();
    let new = c.transfer_leadership().unwrap();
    let took = start.elapsed();
    assert_ne!(new, old);
    assert_eq!(c.leader().unwrap(), Some(new));
    let status = c.status(old).unwrap();
    assert_eq!(status.role, Role::Follower, "{}", status.raw);
    assert!(status.term > old_term, "{}", status.raw);
    // A real transfer, not an election after a timeout: both sides log it.
    assert!(
        c.log(old).contains("Transferring leadership"),
        "{}",
        c.log(old)
    );
    assert!(
        c.log(new).contains("received leadership transfer from"),
        "{}",
        c.log(new)
    );
    assert!(took < Duration::from_secs(5), "transfer took {took:?}");

    // The cluster keeps taking writes under its new leader, and moves on again.
    insert_switch(&c.all_tcp_remotes(), "sw-after-transfer");
    let third = c.transfer_leadership().unwrap();
    assert_ne!(third, new);
    wait_for_switch(&c.tcp_remote(third), "sw-after-transfer");
}

#[test]
fn depose_leader_elects_another_member_and_the_old_one_follows() {
    let mut c = Cluster::start(NB, 3).unwrap();
    let old = c.wait_for_leader(WAIT_LIMIT).unwrap();
    let new = c.depose_leader().unwrap();
    assert_ne!(new, old);
    assert_eq!(c.state(old), MemberState::Running);
    let status = c.status(old).unwrap();
    assert_eq!(status.role, Role::Follower, "{}", status.raw);
    assert_eq!(status.leader, Some(c.status(new).unwrap().short_id));
    // An election after a timeout, not a transfer.
    assert!(
        !c.log(new).contains("received leadership transfer"),
        "{}",
        c.log(new)
    );
    insert_switch(&c.tcp_remote(old), "sw-after-depose");
}

#[test]
fn a_relay_forwards_writes_and_serves_the_clusters_writes() {
    let c = Cluster::start(NB, 3).unwrap();
    let relay = c.start_relay().unwrap();
    assert_eq!(relay.source(), c.all_tcp_remotes());
    assert_eq!(relay.db_name(), "OVN_Northbound");

    // It really is a relay: its _Server database says so.
    let model = relay
        .ovsdb_client(&[
            "query",
            r#"["_Server",{"op":"select","table":"Database","where":[["name","==","OVN_Northbound"]],"columns":["model"]}]"#,
        ])
        .unwrap();
    assert!(model.contains(r#""model":"relay""#), "{model}");

    // A write through the relay reaches every member.
    insert_switch(&relay.tcp_remote(), "sw-via-relay");
    for i in 0..3 {
        wait_for_switch(&c.tcp_remote(i), "sw-via-relay");
    }
    // A write on the cluster reaches the relay.
    let leader = c.leader().unwrap().unwrap();
    insert_switch(&c.tcp_remote(leader), "sw-via-leader");
    wait_for_switch(&relay.tcp_remote(), "sw-via-leader");
    wait_for_switch(&relay.remote(), "sw-via-leader");
    assert_eq!(
        switch_names(&relay.remote()),
        ["sw-via-leader", "sw-via-relay"]
    );
    assert!(relay
        .appctl(&["ovsdb-server/list-dbs"])
        .unwrap()
        .contains("OVN_Northbound"));
}

#[test]
fn a_single_member_cluster_leads_itself() {
    let c = Cluster::start(NB, 1).unwrap();
    assert_eq!(c.leader().unwrap(), Some(0));
    let status = c.status(0).unwrap();
    assert!(status.is_leader() && status.is_member(), "{}", status.raw);
    assert_eq!(c.member_by_server_id(&status.short_id), Some(0));
    assert_eq!(
        c.member_by_server_id(&status.server_id.to_uppercase()),
        Some(0)
    );
    assert_eq!(c.member_by_server_id("not-an-id"), None);
    assert_eq!(c.member_by_server_id(""), None);
    insert_switch(&c.remote(0), "sw-alone");
    assert_eq!(switch_names(&c.tcp_remote(0)), ["sw-alone"]);
}

#[test]
fn everything_is_stopped_and_removed_on_drop() {
    let mut c = Cluster::start(NB, 3).unwrap();
    let relay = c.start_relay().unwrap();
    c.pause(0).unwrap();
    c.kill(1).unwrap();
    assert_eq!(c.pid(1), None);
    let dir = c.dir().to_owned();
    let relay_dir = relay.dir().to_owned();
    let pids: Vec<u32> = [c.pid(0), c.pid(2), relay.pid()]
        .into_iter()
        .map(Option::unwrap)
        .collect();
    for pid in &pids {
        assert!(std::path::Path::new(&format!("/proc/{pid}")).exists());
    }
    drop(relay);
    drop(c);
    assert!(!dir.exists() && !relay_dir.exists());
    for pid in pids {
        // Killed and reaped, so the pid no longer exists (not even as a zombie).
        assert!(
            !std::path::Path::new(&format!("/proc/{pid}")).exists(),
            "process {pid} survived the drop"
        );
    }
}

#[test]
fn without_a_majority_no_leader_is_agreed_and_the_error_says_why() {
    let mut c = Cluster::start(NB, 3).unwrap();
    let leader = c.leader().unwrap().unwrap();
    c.kill((leader + 1) % 3).unwrap();
    c.kill((leader + 2) % 3).unwrap();
    let limit = Duration::from_secs(2);
    let start = Instant::now();
    let err = c.wait_for_leader(limit).unwrap_err();
    assert!(start.elapsed() >= limit);
    assert!(is_kind(&err, io::ErrorKind::TimedOut), "{err}");
    let message = err.to_string();
    assert!(message.contains("only 1 of 3 members run"), "{message}");
    assert!(
        message.contains("--- member 2 ("),
        "logs missing: {message}"
    );

    // Bringing one back restores a majority; the cluster elects a leader again.
    c.restart((leader + 1) % 3).unwrap();
    let again = c.wait_for_leader(WAIT_LIMIT).unwrap();
    assert_ne!(again, (leader + 2) % 3);
    insert_switch(&c.tcp_remote(again), "sw-after-quorum");
}
