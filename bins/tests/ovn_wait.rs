//! The waits against the real daemons of a one-chassis OVN (`ovsdb::testing::OvnSandbox`):
//! `rnbctl --wait=hv` returns once ovn-controller has caught up (`hv_cfg`), like ovn-nbctl on
//! the same deployment; `rvsctl` without `--no-wait` returns once ovs-vswitchd has applied the
//! change (`cur_cfg`), and reports an interface that failed to come up exactly as ovs-vsctl
//! does against the same ovs-vswitchd.

use std::process::{Command, Output};

use ovsdb::testing::OvnSandbox;

fn run(program: &str, db: &str, args: &[&str]) -> Output {
    Command::new(program)
        .arg(format!("--db={db}"))
        .arg("--timeout=60")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"))
}

fn ok(out: Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn rnbctl(ovn: &OvnSandbox, args: &[&str]) -> Output {
    run(env!("CARGO_BIN_EXE_rnbctl"), &ovn.nb_remote(), args)
}

fn rvsctl(ovn: &OvnSandbox, args: &[&str]) -> Output {
    run(env!("CARGO_BIN_EXE_rvsctl"), &ovn.ovs_remote(), args)
}

fn cfg(ovn: &OvnSandbox, column: &str) -> i64 {
    ok(rnbctl(ovn, &["get", "NB_Global", ".", column]))
        .parse()
        .unwrap()
}

/// Skips only outside CI when the OVN programs are missing (CI installs them).
fn programs_ready() -> bool {
    let found = [
        "ovn-controller",
        "ovn-northd",
        "ovs-vswitchd",
        "ovsdb-server",
    ]
    .iter()
    .all(|p| {
        Command::new("sh")
            .args(["-c", &format!("command -v {p} || test -x /usr/sbin/{p}")])
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if !found {
        assert!(
            std::env::var("CI").is_err(),
            "the OVN programs are missing in CI (scripts/install-deps.sh installs them)"
        );
        eprintln!("skipping: the OVN programs are not installed");
    }
    found
}

#[test]
fn wait_hv_returns_once_the_chassis_caught_up_like_ovn_nbctl() {
    if !programs_ready() {
        return;
    }
    let ovn = OvnSandbox::builder().chassis("hv1").start().unwrap();
    let before = cfg(&ovn, "nb_cfg");
    ok(rnbctl(
        &ovn,
        &[
            "--wait=hv",
            "ls-add",
            "sw0",
            "--",
            "lsp-add",
            "sw0",
            "sw0-p1",
            "--",
            "lsp-set-addresses",
            "sw0-p1",
            "0a:00:00:00:00:01 10.0.0.1",
        ],
    ));
    // The run bumped nb_cfg, and returned only once northd (sb_cfg) and the chassis (hv_cfg)
    // had caught up with it: read right after, with nothing polled.
    let nb_cfg = cfg(&ovn, "nb_cfg");
    assert!(nb_cfg > before, "nb_cfg {before} -> {nb_cfg}");
    assert!(cfg(&ovn, "sb_cfg") >= nb_cfg);
    assert!(cfg(&ovn, "hv_cfg") >= nb_cfg);

    // `--wait=hv sync`, ours and the real tool's, each wait for a new round.
    for program in [env!("CARGO_BIN_EXE_rnbctl"), "ovn-nbctl"] {
        let before = cfg(&ovn, "nb_cfg");
        ok(run(program, &ovn.nb_remote(), &["--wait=hv", "sync"]));
        let after = cfg(&ovn, "nb_cfg");
        assert_eq!(after, before + 1, "{program}");
        assert!(cfg(&ovn, "hv_cfg") >= after, "{program}");
    }

    // --print-wait-time reports the waits on stdout in ovn-nbctl's layout: the same lines
    // with the numbers (nb_cfg, milliseconds since the commit) blanked out, and every time a
    // small non-negative number (the daemons' timestamps are after the commit).
    for wait in ["--wait=sb", "--wait=hv"] {
        let theirs = ok(run(
            "ovn-nbctl",
            &ovn.nb_remote(),
            &[wait, "--print-wait-time", "sync"],
        ));
        let ours = ok(rnbctl(&ovn, &[wait, "--print-wait-time", "sync"]));
        let shape = |out: &str| out.replace(|c: char| c.is_ascii_digit(), "");
        assert_eq!(
            shape(&ours),
            shape(&theirs),
            "ours:\n{ours}\ntheirs:\n{theirs}"
        );
        let nb_cfg = cfg(&ovn, "nb_cfg");
        assert!(
            ours.starts_with(&format!("Time spent on processing nb_cfg {nb_cfg}:\n")),
            "{ours}"
        );
        for line in ours.lines().skip(1) {
            let ms = line
                .trim_end_matches("ms")
                .rsplit('\t')
                .next()
                .and_then(|n| n.parse::<i64>().ok());
            assert!(
                ms.is_some_and(|ms| (0..60_000).contains(&ms)),
                "{line:?} in\n{ours}"
            );
        }
    }
}

#[test]
fn rvsctl_waits_for_ovs_vswitchd_and_reports_failed_interfaces_like_ovs_vsctl() {
    if !programs_ready() {
        return;
    }
    let ovn = OvnSandbox::builder().chassis("hv2").start().unwrap();
    ok(rvsctl(
        &ovn,
        &[
            "add-br",
            "br-test",
            "--",
            "set",
            "bridge",
            "br-test",
            "datapath_type=netdev",
        ],
    ));
    // Without --no-wait it returned once ovs-vswitchd applied it: cur_cfg caught up, and the
    // bridge's local port has the OpenFlow port number only ovs-vswitchd assigns.
    let next: i64 = ok(rvsctl(&ovn, &["get", "Open_vSwitch", ".", "next_cfg"]))
        .parse()
        .unwrap();
    let cur: i64 = ok(rvsctl(&ovn, &["get", "Open_vSwitch", ".", "cur_cfg"]))
        .parse()
        .unwrap();
    assert_eq!(cur, next);
    assert_eq!(
        ok(rvsctl(&ovn, &["get", "Interface", "br-test", "ofport"])),
        "65534"
    );

    // An interface ovs-vswitchd cannot open (no such device; under dummy netdevs every name
    // opens): same exit status and the same words as ovs-vsctl on the same daemon.
    let ours = rvsctl(&ovn, &["add-port", "br-test", "nosuchdev1"]);
    let theirs = run(
        "ovs-vsctl",
        &ovn.ovs_remote(),
        &["add-port", "br-test", "nosuchdev2"],
    );
    assert_eq!(ours.status.code(), theirs.status.code());
    let normal = |o: &Output, name: &str| {
        String::from_utf8_lossy(&o.stderr)
            .replace(name, "DEV")
            .replace("rvsctl", "ovs-vsctl")
    };
    assert_eq!(normal(&ours, "nosuchdev1"), normal(&theirs, "nosuchdev2"));
    eprintln!("both said: {:?}", normal(&theirs, "nosuchdev2"));

    // An internal port comes up: ovs-vswitchd gives it a real OpenFlow port number.
    ok(rvsctl(
        &ovn,
        &[
            "add-port",
            "br-test",
            "int0",
            "--",
            "set",
            "interface",
            "int0",
            "type=internal",
        ],
    ));
    let ofport: i64 = ok(rvsctl(&ovn, &["get", "Interface", "int0", "ofport"]))
        .parse()
        .unwrap();
    assert!(ofport > 0, "ofport {ofport}");
}

/// The default socket follows `$OVN_RUNDIR` / `$OVS_RUNDIR` as in the C tools: against the
/// sandbox's run directory both find the database; against a missing one both say the same.
#[test]
fn the_default_socket_follows_the_run_directory_like_the_c_tools() {
    if !programs_ready() {
        return;
    }
    let ovn = OvnSandbox::builder().chassis("hv3").start().unwrap();
    let rundir = ovn.dir().to_path_buf();
    let cases = [
        (
            env!("CARGO_BIN_EXE_rnbctl"),
            "ovn-nbctl",
            "OVN_RUNDIR",
            "ls-list",
        ),
        (
            env!("CARGO_BIN_EXE_rvsctl"),
            "ovs-vsctl",
            "OVS_RUNDIR",
            "list-br",
        ),
    ];
    for (ours, theirs, var, command) in cases {
        for dir in [rundir.clone(), rundir.join("missing")] {
            let go = |program: &str| {
                Command::new(program)
                    .env_remove("OVN_NB_DB")
                    .env(var, &dir)
                    .args(["--no-wait", command])
                    .output()
                    .unwrap()
            };
            let (a, b) = (go(ours), go(theirs));
            assert_eq!(
                a.status.success(),
                dir == rundir,
                "{ours} {var}={dir:?}: {a:?}"
            );
            assert_eq!(a.status.code(), b.status.code(), "{ours} {var}={dir:?}");
            assert_eq!(a.stdout, b.stdout, "{ours} {var}={dir:?}");
            assert_eq!(
                String::from_utf8_lossy(&a.stderr),
                String::from_utf8_lossy(&b.stderr),
                "{ours} {var}={dir:?}"
            );
        }
    }
}
