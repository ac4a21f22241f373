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
    ovsdb::testing::programs_runnable(
        &["ovsdb-server", "ovn-nbctl", "ovs-vsctl"],
        "openvswitch-switch, openvswitch-common, ovn-central, ovn-common",
    )
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

/// Runs each of `cases` with the real tool and ours on `remote` and requires the same
/// stdout, of at least `min_lines` non-empty lines (so that there is an order to compare).
fn same_output(real: &str, ours: &str, remote: &str, cases: &[&[&str]], min_lines: usize) {
    for args in cases {
        let theirs = run(real, remote, args);
        let lines = theirs.lines().filter(|l| !l.trim().is_empty()).count();
        assert!(lines >= min_lines, "{args:?}: {lines} lines");
        assert_eq!(run(ours, remote, args), theirs, "{args:?}");
    }
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
    same_output(
        "ovn-nbctl",
        env!("CARGO_BIN_EXE_rnbctl"),
        &remote,
        &[
            &["list", "Logical_Switch"],
            &["--columns=name", "list", "Logical_Switch"],
            &["find", "Logical_Switch", "external_ids:tier=web"],
            &["--bare", "--columns=name", "find", "Logical_Switch"],
            // In a chain that writes (an idempotent write, so both runs print the same).
            &[
                "--columns=name",
                "find",
                "Logical_Switch",
                "external_ids:tier=web",
                "--",
                "set",
                "Logical_Switch",
                "sw0",
                "external_ids:tier=web",
            ],
        ],
        14,
    );
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
    same_output(
        "ovs-vsctl",
        env!("CARGO_BIN_EXE_rvsctl"),
        &remote,
        &[
            &["list", "Interface"],
            &["--columns=name", "list", "Port"],
            &["find", "Interface", "type=internal"],
        ],
        16,
    );
}
