//! `list` and `find` print their rows in the order the C tools do: their IDL's hash order over
//! the whole table, which depends on the rows' UUIDs. The differential harness gives each
//! side its own server (so its own UUIDs) and can only compare such output sorted; here both
//! tools read the same server, so their output must be identical byte for byte.

use std::process::Command;

use ovsdb::testing::Sandbox;

const NB_SCHEMA: &str = "/usr/share/ovn/ovn-nb.ovsschema";
const VS_SCHEMA: &str = "/usr/share/openvswitch/vswitch.ovsschema";

/// Skips only outside CI when the real tools are missing (CI installs them).
fn tools_ready() -> bool {
    let found = ["ovn-nbctl", "ovs-vsctl", "ovsdb-server"].iter().all(|p| {
        Command::new("sh")
            .args(["-c", &format!("command -v {p} || test -x /usr/sbin/{p}")])
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if !found {
        assert!(
            std::env::var("CI").is_err(),
            "ovn-nbctl / ovs-vsctl / ovsdb-server are missing in CI"
        );
        eprintln!("skipping: the real tools are not installed");
    }
    found
}

/// Stdout of `program --db=REMOTE ARGS`, which must succeed.
fn run(program: &str, remote: &str, args: &[&str]) -> String {
    let out = Command::new(program)
        .arg(format!("--db={remote}"))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    assert!(
        out.status.success(),
        "{program} {args:?}: exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// How many non-empty lines `output` has (at least one per record).
fn records(output: &str) -> usize {
    output.lines().filter(|l| !l.trim().is_empty()).count()
}

#[test]
fn rnbctl_lists_and_finds_rows_in_ovn_nbctl_order() {
    if !tools_ready() {
        return;
    }
    let sb = Sandbox::start(&[NB_SCHEMA]).unwrap();
    let remote = sb.remote();
    for i in 0..40 {
        let name = format!("sw{i}");
        run("ovn-nbctl", &remote, &["ls-add", &name]);
        if i % 3 == 0 {
            run(
                "ovn-nbctl",
                &remote,
                &["set", "Logical_Switch", &name, "external_ids:tier=web"],
            );
        }
    }
    let rnbctl = env!("CARGO_BIN_EXE_rnbctl");
    for args in [
        &["list", "Logical_Switch"][..],
        &["--columns=name", "list", "Logical_Switch"],
        &["find", "Logical_Switch", "external_ids:tier=web"],
        &["--bare", "--columns=name", "find", "Logical_Switch"],
    ] {
        let theirs = run("ovn-nbctl", &remote, args);
        let ours = run(rnbctl, &remote, args);
        assert!(records(&theirs) >= 14, "{args:?}");
        assert_eq!(ours, theirs, "{args:?}");
    }
    // The order is not the UUIDs' (else this test would prove nothing).
    let bare = run(
        "ovn-nbctl",
        &remote,
        &["--bare", "--columns=_uuid", "list", "Logical_Switch"],
    );
    let uuids: Vec<&str> = bare.split_whitespace().collect();
    let mut sorted = uuids.clone();
    sorted.sort_unstable();
    assert_ne!(uuids, sorted);
}

#[test]
fn rvsctl_lists_and_finds_rows_in_ovs_vsctl_order() {
    if !tools_ready() {
        return;
    }
    let sb = Sandbox::start(&[VS_SCHEMA]).unwrap();
    let remote = sb.remote();
    run("ovs-vsctl", &remote, &["--no-wait", "init"]);
    run("ovs-vsctl", &remote, &["--no-wait", "add-br", "br0"]);
    for i in 0..30 {
        let port = format!("p{i}");
        let mut args = vec!["--no-wait", "add-port", "br0", &port];
        if i % 2 == 0 {
            args.extend(["--", "set", "Interface", &port, "type=internal"]);
        }
        run("ovs-vsctl", &remote, &args);
    }
    let rvsctl = env!("CARGO_BIN_EXE_rvsctl");
    for args in [
        &["list", "Interface"][..],
        &["--columns=name", "list", "Port"],
        &["find", "Interface", "type=internal"],
    ] {
        let theirs = run("ovs-vsctl", &remote, args);
        let ours = run(rvsctl, &remote, args);
        assert!(records(&theirs) >= 16, "{args:?}");
        assert_eq!(ours, theirs, "{args:?}");
    }
}
