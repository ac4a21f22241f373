//! The ctl engine against real servers: the guards that make a run start over when what it
//! read changed, all-or-nothing chains, `--dry-run`, `--timeout`, `--wait=sb` with a real
//! ovn-northd, and a RAFT cluster named by all its members.

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use bins::ctl::context::Commit;
use bins::ctl::options::GlobalOptions;
use bins::ctl::{Context, Session};
use ovsdb::client::{Client, ClientOptions};
use ovsdb::data::Datum;
use ovsdb::ops::Condition;
use ovsdb::testing::{Cluster, Sandbox};

const NB_SCHEMA: &str = "/usr/share/ovn/ovn-nb.ovsschema";
const SB_SCHEMA: &str = "/usr/share/ovn/ovn-sb.ovsschema";

fn rnbctl(remote: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rnbctl"))
        .arg(format!("--db={remote}"))
        .args(args)
        .env_remove("OVN_NB_DB")
        .env_remove("OVN_NBCTL_OPTIONS")
        .output()
        .expect("run rnbctl")
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}, stderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn dump(sb: &Sandbox) -> String {
    sb.ovsdb_client(&["dump", "OVN_Northbound"]).expect("dump")
}

fn session(remote: &str) -> Session {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let client = rt
        .block_on(Client::connect(ClientOptions::new(remote).expect("remote")))
        .expect("connect");
    let schema = rt
        .block_on(client.get_schema("OVN_Northbound"))
        .expect("schema");
    Session {
        rt,
        client,
        db: "OVN_Northbound".into(),
        schema,
    }
}

#[test]
fn a_change_to_what_a_run_read_makes_it_start_over() {
    let sb = Sandbox::start(&[NB_SCHEMA]).expect("ovsdb-server");
    ok(&rnbctl(&sb.remote(), &["ls-add", "sw0"]));
    let session = session(&sb.remote());
    let opts = GlobalOptions::default();

    // A run reads sw0, then someone else changes it, then the run commits: refused as a whole.
    let mut ctx = Context::new(&session, &opts, bins::nbctl::ROW_IDS);
    let sw = ctx
        .query("Logical_Switch", &[Condition::eq("name", "sw0")])
        .expect("query")[0];
    ctx.set(
        "Logical_Switch",
        sw,
        "external_ids",
        Datum::map([("owner", "run")]),
    )
    .expect("set");
    ok(&rnbctl(
        &sb.remote(),
        &["set", "logical_switch", "sw0", "other_config:x=y"],
    ));
    assert!(matches!(ctx.commit(None).expect("commit"), Commit::Retry));
    let ids = ok(&rnbctl(
        &sb.remote(),
        &["get", "logical_switch", "sw0", "external_ids"],
    ));
    assert_eq!(ids, "{}\n", "the stale run changed nothing");

    // A lookup that found nothing is guarded too: a switch created meanwhile is noticed.
    let mut ctx = Context::new(&session, &opts, bins::nbctl::ROW_IDS);
    assert!(ctx
        .query("Logical_Switch", &[Condition::eq("name", "sw1")])
        .expect("query")
        .is_empty());
    ctx.insert(
        "Logical_Switch",
        None,
        ovsdb::data::Row::new().with("name", "sw1"),
    )
    .expect("insert");
    ok(&rnbctl(&sb.remote(), &["ls-add", "sw1"]));
    assert!(matches!(ctx.commit(None).expect("commit"), Commit::Retry));

    // Unchallenged, the same kind of run commits.
    let mut ctx = Context::new(&session, &opts, bins::nbctl::ROW_IDS);
    let sw = ctx
        .query("Logical_Switch", &[Condition::eq("name", "sw0")])
        .expect("query")[0];
    ctx.set(
        "Logical_Switch",
        sw,
        "external_ids",
        Datum::map([("owner", "run")]),
    )
    .expect("set");
    assert!(matches!(ctx.commit(None).expect("commit"), Commit::Done(_)));
    let ids = ok(&rnbctl(
        &sb.remote(),
        &["get", "logical_switch", "sw0", "external_ids"],
    ));
    assert_eq!(ids, "{owner=run}\n");
}

#[test]
fn a_column_left_out_of_a_read_is_read_when_needed_and_never_lost() {
    let sb = Sandbox::start(&[NB_SCHEMA]).expect("ovsdb-server");
    ok(&rnbctl(
        &sb.remote(),
        &[
            "ls-add", "sw0", "--", "lsp-add", "sw0", "p1", "--", "lsp-add", "sw0", "p2",
        ],
    ));
    let ports_of_sw0 = |sb: &Sandbox| {
        let out = ok(&rnbctl(&sb.remote(), &["lsp-list", "sw0"]));
        out.lines()
            .filter_map(|l| l.split_whitespace().nth(1))
            .map(|n| n.trim_matches(|c| c == '(' || c == ')').to_string())
            .collect::<Vec<_>>()
    };
    let session = session(&sb.remote());
    let opts = GlobalOptions::default();
    const LS: &str = "Logical_Switch";
    let p1 = Condition::eq("name", "p1");

    let sw: ovsdb::data::Uuid = ok(&rnbctl(&sb.remote(), &["get", LS, "sw0", "_uuid"]))
        .trim()
        .parse()
        .expect("uuid");

    // Left out, and a query on it answered by the server while the run changed nothing.
    let mut ctx = Context::new(&session, &opts, bins::nbctl::ROW_IDS);
    ctx.load_table_omitting(LS, &["ports"]).expect("read");
    assert!(ctx.is_omitted(LS, "ports"));
    assert!(ctx.row(LS, sw).is_some_and(|r| !r.contains("ports")));
    let p1_uuid = ctx
        .query("Logical_Switch_Port", std::slice::from_ref(&p1))
        .expect("p1")[0];
    let includes_p1 = [Condition::includes("ports", Datum::from(p1_uuid))];
    assert_eq!(ctx.query(LS, &includes_p1).expect("includes"), vec![sw]);
    assert!(ctx.is_omitted(LS, "ports"), "answered without reading it");

    // A mutation of the left-out column is sent as a mutate, and applied once it is read.
    let p3 = ctx
        .insert(
            "Logical_Switch_Port",
            None,
            ovsdb::data::Row::new().with("name", "p3"),
        )
        .expect("p3");
    ctx.mutate_whole(
        LS,
        sw,
        ovsdb::ops::Mutation::new("ports", ovsdb::ops::Mutator::Insert, Datum::from(p3)),
    )
    .expect("mutate");
    // The run changed the table: the same query now reads the column and sees the change.
    assert_eq!(ctx.query(LS, &includes_p1).expect("includes"), vec![sw]);
    assert!(!ctx.is_omitted(LS, "ports"));
    assert_eq!(ctx.value(LS, sw, "ports").len(), 3);
    assert!(matches!(ctx.commit(None).expect("commit"), Commit::Done(_)));
    assert_eq!(ports_of_sw0(&sb), ["p1", "p2", "p3"], "nothing lost");

    // The first read's guard covers the fill: a port added in between makes the run retry.
    let mut ctx = Context::new(&session, &opts, bins::nbctl::ROW_IDS);
    ctx.load_table_omitting(LS, &["ports"]).expect("read");
    ok(&rnbctl(&sb.remote(), &["lsp-add", "sw0", "p4"]));
    ctx.fill_omitted(LS).expect("fill");
    assert_eq!(
        ctx.value(LS, sw, "ports").len(),
        4,
        "the fill reads what is there now"
    );
    ctx.set(LS, sw, "external_ids", Datum::map([("k", "v")]))
        .expect("set");
    assert!(matches!(ctx.commit(None).expect("commit"), Commit::Retry));
    assert_eq!(ports_of_sw0(&sb), ["p1", "p2", "p3", "p4"]);
}

#[test]
fn projected_reads_see_the_runs_changes_and_are_guarded_only_in_writing_runs() {
    use bins::ctl::project::{self, int_of, str_of, Want};
    const LS: &str = "Logical_Switch";
    const LSP: &str = "Logical_Switch_Port";
    let sb = Sandbox::start(&[NB_SCHEMA]).expect("ovsdb-server");
    let r = sb.remote();
    ok(&rnbctl(&r, &["ls-add", "sw0", "--", "ls-add", "sw1"]));
    ok(&rnbctl(
        &r,
        &[
            "lsp-add", "sw0", "p1", "--", "lsp-add", "sw0", "c1", "p1", "7",
        ],
    ));
    ok(&rnbctl(&r, &["set", "logical_switch_port", "c1", "tag=7"]));
    let session = session(&r);
    let opts = GlobalOptions::default();

    // This run changes p1, deletes sw1 and creates sw2; the projection shows all three.
    let mut ctx = Context::new(&session, &opts, bins::nbctl::ROW_IDS);
    let p1 = ctx
        .query(LSP, &[Condition::eq("name", "p1")])
        .expect("query")[0];
    ctx.set(LSP, p1, "type", Datum::from("localnet"))
        .expect("set");
    let sw1 = ctx
        .query(LS, &[Condition::eq("name", "sw1")])
        .expect("query")[0];
    ctx.delete(LS, sw1).expect("delete");
    let sw2 = ctx
        .insert(LS, None, ovsdb::data::Row::new().with("name", "sw2"))
        .expect("insert");
    let wants = [
        Want::dense(LS, &["name", "no_such_column"]),
        Want {
            table: LSP,
            columns: &["name"],
            sparse: &["type", "parent_name", "tag"],
        },
        Want::dense("No_Such_Table", &["name"]),
    ];
    let read = project::read(&mut ctx, &wants).expect("read");
    let mut switches: Vec<&str> = read[0].rows().iter().map(|(_, v)| str_of(&v[0])).collect();
    switches.sort_unstable();
    assert_eq!(switches, ["sw0", "sw2"]);
    assert!(read[0].get(sw2).is_some() && read[0].get(sw1).is_none());
    assert!(read[0].rows().iter().all(|(_, v)| v[1].is_empty()));
    let uuids: Vec<_> = read[1].uuids().collect();
    assert!(uuids.windows(2).all(|w| w[0] < w[1]), "UUID order");
    let port = |name: &str| {
        read[1]
            .rows()
            .iter()
            .find(|(_, v)| str_of(&v[0]) == name)
            .map(|(_, v)| {
                (
                    str_of(&v[1]).to_string(),
                    str_of(&v[2]).to_string(),
                    int_of(&v[3]),
                )
            })
            .expect("port")
    };
    assert_eq!(port("p1"), ("localnet".into(), String::new(), None));
    assert_eq!(port("c1"), (String::new(), "p1".into(), Some(7)));
    assert!(read[2].is_empty());

    // A writing run's projected read is guarded: a change to any row read makes it retry.
    ok(&rnbctl(
        &r,
        &["set", "logical_switch_port", "c1", "external_ids:x=y"],
    ));
    assert!(matches!(ctx.commit(None).expect("commit"), Commit::Retry));

    // A read-only run's is not: nothing it read is written back.
    let mut ctx = Context::new(&session, &opts, bins::nbctl::ROW_IDS);
    ctx.set_guard_reads(false);
    project::read(&mut ctx, &[Want::dense(LSP, &["name"])]).expect("read");
    ctx.insert(LS, None, ovsdb::data::Row::new().with("name", "sw3"))
        .expect("insert");
    ok(&rnbctl(
        &r,
        &["set", "logical_switch_port", "c1", "external_ids:x=z"],
    ));
    assert!(matches!(ctx.commit(None).expect("commit"), Commit::Done(_)));
    assert_eq!(ok(&rnbctl(&r, &["ls-list"])).lines().count(), 3);
}

#[test]
fn chains_are_one_transaction_and_errors_change_nothing() {
    let sb = Sandbox::start(&[NB_SCHEMA]).expect("ovsdb-server");
    let r = sb.remote();
    // Later commands see earlier ones' rows (lsp-add finds the switch ls-add created); as in
    // the C IDL, a reference added by a mutation shows only after the commit.
    let out = ok(&rnbctl(
        &r,
        &[
            "ls-add", "sw0", "--", "lsp-add", "sw0", "p1", "--", "ls-list",
        ],
    ));
    assert!(out.ends_with(" (sw0)\n"), "{out}");
    let out = ok(&rnbctl(&r, &["lsp-list", "sw0"]));
    assert!(out.ends_with(" (p1)\n"), "{out}");
    let before = dump(&sb);

    // A failing command anywhere in the chain: exit 1, the tool's message, nothing applied.
    let out = rnbctl(&r, &["ls-add", "sw1", "--", "lsp-add", "nosuch", "p2"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "ovn-nbctl: nosuch: switch name not found\n"
    );
    assert_eq!(dump(&sb), before);

    // A transaction the server refuses: nothing applied either.
    let out = rnbctl(
        &r,
        &[
            "ls-add",
            "sw2",
            "--",
            "set",
            "logical_switch_port",
            "p1",
            "tag_request=5000",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(dump(&sb), before);

    // --dry-run validates and changes nothing.
    ok(&rnbctl(&r, &["--dry-run", "ls-add", "sw3"]));
    assert_eq!(dump(&sb), before);
}

#[test]
fn timeout_ends_a_run_that_cannot_finish() {
    let sb = Sandbox::start(&[NB_SCHEMA]).expect("ovsdb-server");
    let started = Instant::now();
    let out = rnbctl(
        &sb.remote(),
        &["-t", "1", "wait-until", "logical_switch", "nosuch"],
    );
    assert_eq!(out.status.code(), Some(142));
    assert!(String::from_utf8_lossy(&out.stderr).contains("timed out after 1 seconds"));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );

    // wait-until returns once another client makes the condition true.
    let remote = sb.remote();
    let waiter = std::thread::spawn(move || {
        rnbctl(
            &remote,
            &[
                "-t",
                "20",
                "wait-until",
                "logical_switch",
                "late",
                "other_config:ready=yes",
            ],
        )
    });
    std::thread::sleep(Duration::from_millis(300));
    ok(&rnbctl(
        &sb.remote(),
        &[
            "ls-add",
            "late",
            "--",
            "set",
            "logical_switch",
            "late",
            "other_config:ready=yes",
        ],
    ));
    ok(&waiter.join().expect("waiter"));
}

#[test]
fn wait_sb_returns_once_a_real_northd_caught_up() {
    let sb = Sandbox::start(&[NB_SCHEMA, SB_SCHEMA]).expect("ovsdb-server");
    let r = sb.remote();
    let mut northd = Command::new("ovn-northd")
        .arg(format!("--ovnnb-db={r}"))
        .arg(format!("--ovnsb-db={r}"))
        .arg(format!(
            "--unixctl={}",
            sb.dir().join("northd.ctl").display()
        ))
        .arg(format!(
            "--log-file={}",
            sb.dir().join("northd.log").display()
        ))
        .arg("-vconsole:off")
        .spawn()
        .expect("start ovn-northd");
    let out = rnbctl(
        &r,
        &[
            "-t",
            "30",
            "--wait=sb",
            "ls-add",
            "sw0",
            "--",
            "lsp-add",
            "sw0",
            "p1",
        ],
    );
    let _ = northd.kill();
    let _ = northd.wait();
    ok(&out);
    let nb_cfg = ok(&rnbctl(&r, &["get", "nb_global", ".", "nb_cfg"]));
    let sb_cfg = ok(&rnbctl(&r, &["get", "nb_global", ".", "sb_cfg"]));
    assert_eq!(nb_cfg, "1\n");
    assert_eq!(
        sb_cfg, "1\n",
        "northd acknowledged the change before rnbctl returned"
    );
    let bindings = sb
        .ovsdb_client(&["dump", "OVN_Southbound", "Port_Binding", "logical_port"])
        .expect("dump SB");
    assert!(bindings.contains("p1"), "{bindings}");
}

#[test]
fn a_cluster_named_by_all_members_is_written_through_its_leader() {
    let mut cluster = Cluster::start(NB_SCHEMA, 3).expect("3-member cluster");
    let remotes = cluster.all_tcp_remotes();
    ok(&rnbctl(&remotes, &["-t", "20", "ls-add", "sw0"]));
    let leader = cluster
        .wait_for_leader(Duration::from_secs(10))
        .expect("leader");
    let follower = (leader + 1) % 3;
    // A follower alone is refused for writes (leader-only is the default) ...
    let out = rnbctl(&cluster.tcp_remote(follower), &["-t", "3", "ls-add", "sw1"]);
    assert!(!out.status.success());
    // ... and accepted with --no-leader-only.
    ok(&rnbctl(
        &cluster.tcp_remote(follower),
        &["-t", "20", "--no-leader-only", "ls-list"],
    ));

    // The leader goes away: the next call still succeeds within its timeout.
    cluster.kill(leader).expect("kill leader");
    ok(&rnbctl(&remotes, &["-t", "30", "ls-add", "sw2"]));
    let list = ok(&rnbctl(&remotes, &["-t", "30", "ls-list"]));
    assert!(list.contains("(sw0)") && list.contains("(sw2)"), "{list}");
}

/// `--retry` (ovs-vsctl): a server that is not there yet is waited for, as node set-up
/// scripts rely on while ovsdb-server starts; without it the run fails at once. Checked side
/// by side with ovs-vsctl: the server's socket appears (as a link to a live sandbox's) 700 ms
/// after the tool started.
#[test]
fn retry_waits_for_a_server_that_starts_late_like_ovs_vsctl() {
    let sb = Sandbox::start(&["/usr/share/openvswitch/vswitch.ovsschema"]).expect("sandbox");
    for (i, program) in [env!("CARGO_BIN_EXE_rvsctl"), "ovs-vsctl"]
        .into_iter()
        .enumerate()
    {
        let dir = tempfile::tempdir().expect("temp dir");
        let late = dir.path().join("late.sock");
        let remote = format!("unix:{}", late.display());
        let run = |extra: &[&str], bridge: &str| {
            let mut cmd = Command::new(program);
            cmd.arg(format!("--db={remote}"))
                .args(extra)
                .args(["--no-wait", "add-br", bridge])
                .env_remove("OVS_RUNDIR")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped());
            cmd
        };

        // Without --retry: at once, exit 1, the C tool's words.
        let started = Instant::now();
        let out = run(&[], "br-never").output().expect("run");
        assert_eq!(out.status.code(), Some(1), "{program}");
        assert!(started.elapsed() < Duration::from_secs(3), "{program}");
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            format!(
                "ovs-vsctl: {remote}: database connection failed (No such file or directory)\n"
            ),
            "{program}"
        );

        // With --retry: still waiting when the socket appears, then done.
        let bridge = format!("br-late{i}");
        let mut child = run(&["--retry", "-t", "10"], &bridge)
            .spawn()
            .expect("spawn");
        std::thread::sleep(Duration::from_millis(700));
        assert!(
            child.try_wait().expect("poll").is_none(),
            "{program} gave up"
        );
        std::os::unix::fs::symlink(sb.socket(), &late).expect("link the socket");
        let out = child.wait_with_output().expect("wait");
        assert!(
            out.status.success(),
            "{program}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let bridges = sb
        .ovsdb_client(&[
            "transact",
            r#"["Open_vSwitch",{"op":"select","table":"Bridge","where":[],"columns":["name"]}]"#,
        ])
        .expect("select");
    assert!(
        bridges.contains("br-late0") && bridges.contains("br-late1"),
        "{bridges}"
    );
}
