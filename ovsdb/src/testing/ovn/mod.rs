//! A whole OVN deployment on one machine, from Debian's packages, in private temporary
//! directories: what the `--wait=hv` tests, the CNI tests and the demo run against.
//!
//! An [`OvnSandbox`] starts, as child processes of this one,
//!
//! * three `ovsdb-server`s: `OVN_Northbound` ([`OvnSandbox::nb_remote`], `ovnnb_db.sock`),
//!   `OVN_Southbound` ([`OvnSandbox::sb_remote`], `ovnsb_db.sock`) and `Open_vSwitch`
//!   ([`OvnSandbox::ovs_remote`], `db.sock`), each on a unix socket with the file name the
//!   C tools use by default, so `ovn-nbctl`, `ovn-sbctl`, `ovs-vsctl` and `ovs-appctl` run with
//!   [`OvnSandbox::env`] need no `--db`;
//! * `ovn-northd`, translating the northbound database into the southbound one;
//! * `ovs-vswitchd` with the integration bridge `br-int` (`datapath_type=netdev`: the
//!   userspace datapath, no kernel module), its devices kept apart as [`Datapath`] says;
//! * `ovn-controller`, one chassis ([`OvnSandbox::chassis`], `external_ids:system-id`),
//!   talking to the southbound server (`ovn-remote`) with a geneve encap on 127.0.0.1.
//!
//! `OVS_RUNDIR`, `OVS_LOGDIR`, `OVS_DBDIR`, `OVN_RUNDIR`, `OVN_LOGDIR` and `OVN_DBDIR` point
//! every daemon at the sandbox directory ([`OvnSandbox::env`]), so nothing touches
//! `/var/run` or `/var/log`. [`OvnSandbox::start`] returns once the chassis is registered and
//! has caught up with the northbound database (`hv_cfg`, what `ovn-nbctl --wait=hv` waits
//! for). Dropping the sandbox stops every process it started (SIGTERM, then SIGKILL) and
//! deletes its directory; with [`Datapath::Netns`] the network namespace and every device in
//! it go away with `ovs-vswitchd`.
//!
//! Every process runs under `setpriv --pdeathsig KILL` (util-linux) when available: if the
//! thread that started the sandbox ends without dropping it (a test binary killed by a
//! timeout, a `kill -9`), the kernel kills them all. So start a sandbox on a thread that
//! outlives it: a test's own thread or `main`, not a short-lived worker (a `spawn_blocking`
//! thread of tokio ends after some idle seconds).
//!
//! ```no_run
//! use ovsdb::testing::ovn::OvnSandbox;
//!
//! let ovn = OvnSandbox::start().unwrap();
//! let out = ovsdb::testing::run(
//!     "ovn-nbctl",
//!     &[format!("--db={}", ovn.nb_remote()), "--wait=hv".into(), "ls-add".into(), "sw0".into()],
//! )
//! .unwrap();
//! assert!(out.is_empty());
//! println!("chassis {} on {}", ovn.chassis(), ovn.ovs_remote());
//! ```
//!
//! # Errors
//!
//! [`SandboxError::Spawn`] when a program is missing, [`SandboxError::Failed`] when a setup
//! command fails, [`SandboxError::Timeout`] when the deployment does not come up within the
//! wait limit (the message says what was awaited and carries the tail of every log), and
//! [`SandboxError::Io`] when a daemon exits early (with its log) and for the rest.

mod daemon;
mod datapath;
mod probe;

pub use self::datapath::{Datapath, DATAPATH_ENV};

use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use self::daemon::Daemon;
use super::{run, SandboxError};

/// How long [`OvnSandbox::start`] waits for the deployment to come up, by default.
pub const WAIT_LIMIT: Duration = Duration::from_secs(60);

/// Pause between two polls of the databases while starting.
const POLL_INTERVAL: Duration = Duration::from_millis(50);

/// The schema files from Debian's `ovn-common` and `openvswitch-common`.
const NB_SCHEMA: &str = "/usr/share/ovn/ovn-nb.ovsschema";
const SB_SCHEMA: &str = "/usr/share/ovn/ovn-sb.ovsschema";
const OVS_SCHEMA: &str = "/usr/share/openvswitch/vswitch.ovsschema";

/// The sockets' file names: the C tools' defaults under `OVN_RUNDIR` / `OVS_RUNDIR`.
const NB_SOCKET: &str = "ovnnb_db.sock";
const SB_SOCKET: &str = "ovnsb_db.sock";
const OVS_SOCKET: &str = "db.sock";

/// The processes of an [`OvnSandbox`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Component {
    /// The `ovsdb-server` of `OVN_Northbound`.
    NbDb,
    /// The `ovsdb-server` of `OVN_Southbound`.
    SbDb,
    /// The `ovsdb-server` of `Open_vSwitch`.
    OvsDb,
    /// `ovn-northd`.
    Northd,
    /// `ovs-vswitchd`.
    Vswitchd,
    /// `ovn-controller`.
    Controller,
}

impl Component {
    /// The name of its log (`NAME.log`), stderr and control socket files.
    fn name(self) -> &'static str {
        match self {
            Component::NbDb => "ovsdb-server-nb",
            Component::SbDb => "ovsdb-server-sb",
            Component::OvsDb => "ovsdb-server-ovs",
            Component::Northd => "ovn-northd",
            Component::Vswitchd => "ovs-vswitchd",
            Component::Controller => "ovn-controller",
        }
    }
}

/// Configures an [`OvnSandbox`]; made by [`OvnSandbox::builder`].
#[derive(Debug, Clone)]
pub struct OvnSandboxBuilder {
    chassis: String,
    datapath: Option<Datapath>,
    wait_limit: Duration,
}

impl Default for OvnSandboxBuilder {
    fn default() -> Self {
        OvnSandboxBuilder {
            chassis: "chassis-1".into(),
            datapath: None,
            wait_limit: WAIT_LIMIT,
        }
    }
}

impl OvnSandboxBuilder {
    /// The chassis name (`external_ids:system-id`, also used as its hostname); `chassis-1` by
    /// default.
    pub fn chassis(mut self, name: impl Into<String>) -> Self {
        self.chassis = name.into();
        self
    }

    /// Forces a [`Datapath`] instead of [`Datapath::detect`].
    pub fn datapath(mut self, datapath: Datapath) -> Self {
        self.datapath = Some(datapath);
        self
    }

    /// How long [`start`](Self::start) may wait for the deployment to come up (60 s by
    /// default).
    pub fn wait_limit(mut self, limit: Duration) -> Self {
        self.wait_limit = limit;
        self
    }

    /// Starts everything and waits until the chassis has caught up; see [`OvnSandbox`].
    pub fn start(self) -> Result<OvnSandbox, SandboxError> {
        let datapath = match self.datapath {
            Some(d) => d,
            None => Datapath::detect()
                .map_err(|e| SandboxError::Io(io::Error::new(io::ErrorKind::InvalidInput, e)))?,
        };
        let dir = tempfile::Builder::new().prefix("ovn-sandbox-").tempdir()?;
        let mut sandbox = OvnSandbox {
            daemons: Vec::new(),
            dir,
            chassis: self.chassis,
            datapath,
            wait_limit: self.wait_limit,
        };
        sandbox.bring_up()?;
        Ok(sandbox)
    }
}

/// A running OVN deployment with one chassis; see the [module documentation](self).
pub struct OvnSandbox {
    // In start order; stopped in reverse order by `Drop`, before the directory goes.
    daemons: Vec<Daemon>,
    dir: tempfile::TempDir,
    chassis: String,
    datapath: Datapath,
    wait_limit: Duration,
}

impl OvnSandbox {
    /// Starts a deployment with the defaults: chassis `chassis-1`, [`Datapath::detect`], 60 s
    /// to come up.
    pub fn start() -> Result<OvnSandbox, SandboxError> {
        OvnSandbox::builder().start()
    }

    /// A builder to choose the chassis name, the datapath or the wait limit.
    pub fn builder() -> OvnSandboxBuilder {
        OvnSandboxBuilder::default()
    }

    fn remote(&self, socket: &str) -> String {
        format!("unix:{}", self.dir.path().join(socket).display())
    }

    /// The northbound database's remote, `unix:<dir>/ovnnb_db.sock` (what `ovn-nbctl --db`
    /// takes).
    pub fn nb_remote(&self) -> String {
        self.remote(NB_SOCKET)
    }

    /// The southbound database's remote, `unix:<dir>/ovnsb_db.sock`.
    pub fn sb_remote(&self) -> String {
        self.remote(SB_SOCKET)
    }

    /// The `Open_vSwitch` database's remote, `unix:<dir>/db.sock` (what `ovs-vsctl --db`
    /// takes).
    pub fn ovs_remote(&self) -> String {
        self.remote(OVS_SOCKET)
    }

    /// The chassis name (its `system-id`).
    pub fn chassis(&self) -> &str {
        &self.chassis
    }

    /// Where `ovs-vswitchd` keeps its devices.
    pub fn datapath(&self) -> Datapath {
        self.datapath
    }

    /// The directory the processes run in, with their databases, logs, sockets and
    /// `br-int.mgmt`.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The environment that points OVS and OVN programs at this sandbox's directory
    /// (`OVS_RUNDIR` and friends), e.g. for an `ovn-appctl` of your own.
    pub fn env(&self) -> Vec<(&'static str, PathBuf)> {
        let dir = self.dir.path().to_path_buf();
        [
            "OVS_RUNDIR",
            "OVS_LOGDIR",
            "OVS_DBDIR",
            "OVN_RUNDIR",
            "OVN_LOGDIR",
            "OVN_DBDIR",
        ]
        .into_iter()
        .map(|key| (key, dir.clone()))
        .collect()
    }

    fn daemon(&self, component: Component) -> Option<&Daemon> {
        let name = component.name();
        self.daemons.iter().find(|d| d.name == name)
    }

    /// A daemon's log so far (empty if it has none yet).
    pub fn log(&self, component: Component) -> String {
        self.daemon(component).map(Daemon::log).unwrap_or_default()
    }

    /// The last lines of every process's log (and stderr), for error messages.
    pub fn logs(&self) -> String {
        self.daemons.iter().map(Daemon::tails).collect()
    }

    /// The control socket of a running daemon (for `ovs-appctl -t`).
    pub fn ctl(&self, component: Component) -> Option<PathBuf> {
        let d = self.daemon(component)?;
        let dir = self.dir.path();
        Some(match component {
            // ovn-controller 23.03 takes no --unixctl: it makes <OVN_RUNDIR>/NAME.PID.ctl.
            Component::Controller => dir.join(format!("ovn-controller.{}.ctl", d.pid()?)),
            other => dir.join(format!("{}.ctl", other.name())),
        })
    }

    /// Runs `ovs-appctl -t <the daemon's control socket> ARGS...` (at most 10 s), returning
    /// its stdout; e.g. `appctl(Component::Controller, &["connection-status"])`.
    pub fn appctl(&self, component: Component, args: &[&str]) -> Result<String, SandboxError> {
        let ctl = self.ctl(component).ok_or_else(|| {
            SandboxError::Io(io::Error::new(
                io::ErrorKind::NotFound,
                format!("{} is not running", component.name()),
            ))
        })?;
        let target = ctl.to_string_lossy();
        let mut full: Vec<&str> = vec!["--timeout=10", "-t", &target];
        full.extend_from_slice(args);
        run("ovs-appctl", &full)
    }

    /// A command that runs `program` inside `ovs-vswitchd`'s network namespace (`nsenter
    /// --net=/proc/PID/ns/net program`), e.g. `ip link add veth0 type veth peer name eth0`
    /// for a CNI's veth pair that `ovs-vswitchd` then opens.
    ///
    /// # Errors
    ///
    /// `Io` of kind `Unsupported` with [`Datapath::Dummy`] (there are no kernel devices), of
    /// kind `NotFound` if `ovs-vswitchd` is not running.
    pub fn netns_command(&self, program: &str) -> Result<Command, SandboxError> {
        if self.datapath != Datapath::Netns {
            return Err(SandboxError::Io(io::Error::new(
                io::ErrorKind::Unsupported,
                "the dummy datapath has no network namespace",
            )));
        }
        let pid = self
            .daemon(Component::Vswitchd)
            .and_then(Daemon::pid)
            .ok_or_else(|| {
                SandboxError::Io(io::Error::new(
                    io::ErrorKind::NotFound,
                    "ovs-vswitchd is not running",
                ))
            })?;
        let mut cmd = Command::new("nsenter");
        cmd.arg(format!("--net=/proc/{pid}/ns/net"))
            .arg("--")
            .arg(program)
            .stdin(Stdio::null());
        Ok(cmd)
    }

    /// Stops every process, in reverse start order (ovn-controller first, the northbound
    /// server last); the directory stays until the sandbox is dropped.
    pub fn stop(&mut self) {
        while let Some(mut d) = self.daemons.pop() {
            d.stop();
        }
    }

    /// Creates a database from `schema` and serves it on `socket`, waiting until the server
    /// has made its socket and control socket.
    fn start_server(
        &mut self,
        deadline: Instant,
        component: Component,
        schema: &str,
        socket: &str,
    ) -> Result<(), SandboxError> {
        let dir = self.dir.path().to_path_buf();
        let name = component.name();
        let db = dir.join(format!("{name}.db"));
        run(
            "ovsdb-tool",
            &["create".as_ref(), db.as_os_str(), schema.as_ref()],
        )?;
        let socket = dir.join(socket);
        let ctl = dir.join(format!("{name}.ctl"));
        let args = vec![
            format!("--remote=punix:{}", socket.display()),
            format!("--unixctl={}", ctl.display()),
            format!("--log-file={}", dir.join(format!("{name}.log")).display()),
            "-vconsole:off".into(),
            "--no-chdir".into(),
            db.display().to_string(),
        ];
        self.spawn(name, "ovsdb-server", &args)?;
        self.wait_until(deadline, &format!("{name} to listen"), || {
            Ok((socket.exists() && ctl.exists())
                .then_some(())
                .ok_or_else(|| format!("no {} yet", socket.display())))
        })
    }

    /// The start sequence.
    fn bring_up(&mut self) -> Result<(), SandboxError> {
        let deadline = Instant::now() + self.wait_limit;
        self.start_server(deadline, Component::NbDb, NB_SCHEMA, NB_SOCKET)?;
        self.start_server(deadline, Component::SbDb, SB_SCHEMA, SB_SOCKET)?;
        self.start_server(deadline, Component::OvsDb, OVS_SCHEMA, OVS_SOCKET)?;
        // ovn-northd creates the global rows itself, but ovn-nbctl --wait needs NB_Global at
        // once, so they exist from the start (as `ovn-nbctl init` / `ovn-sbctl init` make them).
        probe::transact(
            &self.nb_remote(),
            &json!(["OVN_Northbound", {"op": "insert", "table": "NB_Global", "row": {}}]),
        )?;
        probe::transact(
            &self.sb_remote(),
            &json!(["OVN_Southbound", {"op": "insert", "table": "SB_Global", "row": {}}]),
        )?;
        self.configure_ovs()?;

        let dir = self.dir.path().to_path_buf();
        let log = |name: &str| format!("--log-file={}", dir.join(format!("{name}.log")).display());
        let northd = vec![
            format!("--ovnnb-db={}", self.nb_remote()),
            format!("--ovnsb-db={}", self.sb_remote()),
            format!("--unixctl={}", dir.join("ovn-northd.ctl").display()),
            log("ovn-northd"),
            "-vconsole:off".into(),
            "--no-chdir".into(),
        ];
        self.spawn("ovn-northd", "ovn-northd", &northd)?;

        let (program, args) = self.datapath.vswitchd(vec![
            format!("--unixctl={}", dir.join("ovs-vswitchd.ctl").display()),
            log("ovs-vswitchd"),
            "-vconsole:off".into(),
            "--no-chdir".into(),
            self.ovs_remote(),
        ]);
        self.spawn("ovs-vswitchd", &program, &args)?;
        let ovs = self.ovs_remote();
        self.wait_until(deadline, "ovs-vswitchd to apply the configuration", || {
            let cur = probe::integer(&ovs, "Open_vSwitch", "Open_vSwitch", "cur_cfg")?;
            let ofport = probe::select(
                &ovs,
                "Open_vSwitch",
                "Interface",
                json!([["name", "==", "br-int"]]),
                "ofport",
            )?;
            let ready = cur >= Some(1) && ofport.first().and_then(|v| v.as_i64()) > Some(0);
            Ok(ready
                .then_some(())
                .ok_or(format!("cur_cfg {cur:?}, br-int ofport {ofport:?}")))
        })?;

        let controller = vec![
            log("ovn-controller"),
            "-vconsole:off".into(),
            "--no-chdir".into(),
            self.ovs_remote(),
        ];
        self.spawn("ovn-controller", "ovn-controller", &controller)?;
        let sb = self.sb_remote();
        let chassis = self.chassis.clone();
        self.wait_until(deadline, "ovn-controller to register its chassis", || {
            let names = probe::select(
                &sb,
                "OVN_Southbound",
                "Chassis",
                json!([["name", "==", chassis]]),
                "name",
            )?;
            Ok((!names.is_empty())
                .then_some(())
                .ok_or("no Chassis row yet".into()))
        })?;

        // What ovn-nbctl --wait=hv sync does: bump nb_cfg, wait until every chassis reports it.
        let nb = self.nb_remote();
        let bumped = probe::transact(
            &nb,
            &json!(["OVN_Northbound",
                {"op": "mutate", "table": "NB_Global", "where": [],
                 "mutations": [["nb_cfg", "+=", 1]]},
                {"op": "select", "table": "NB_Global", "where": [], "columns": ["nb_cfg"]}]),
        )?;
        let target = bumped
            .get(1)
            .and_then(|r| r.pointer("/rows/0/nb_cfg"))
            .and_then(serde_json::Value::as_i64)
            .unwrap_or(1);
        self.wait_until(deadline, "the chassis to catch up (hv_cfg)", || {
            let hv = probe::integer(&nb, "OVN_Northbound", "NB_Global", "hv_cfg")?;
            Ok((hv >= Some(target))
                .then_some(())
                .ok_or(format!("hv_cfg {hv:?}, want {target}")))
        })
    }

    /// The `Open_vSwitch` row (chassis identity, southbound remote, encap) and `br-int`, in
    /// one transaction, before `ovs-vswitchd` and `ovn-controller` start.
    fn configure_ovs(&self) -> Result<(), SandboxError> {
        let external_ids = json!([
            "map",
            [
                ["system-id", self.chassis],
                ["hostname", self.chassis],
                ["ovn-remote", self.sb_remote()],
                ["ovn-encap-type", "geneve"],
                ["ovn-encap-ip", "127.0.0.1"],
                ["ovn-bridge-datapath-type", "netdev"],
            ]
        ]);
        probe::transact(
            &self.ovs_remote(),
            &json!(["Open_vSwitch",
                {"op": "insert", "table": "Interface", "uuid-name": "iface",
                 "row": {"name": "br-int", "type": "internal"}},
                {"op": "insert", "table": "Port", "uuid-name": "port",
                 "row": {"name": "br-int", "interfaces": ["named-uuid", "iface"]}},
                {"op": "insert", "table": "Bridge", "uuid-name": "bridge",
                 "row": {"name": "br-int", "datapath_type": "netdev", "fail_mode": "secure",
                         "ports": ["named-uuid", "port"],
                         "other_config": ["map", [["disable-in-band", "true"]]]}},
                {"op": "insert", "table": "Open_vSwitch",
                 "row": {"bridges": ["named-uuid", "bridge"], "next_cfg": 1,
                         "external_ids": external_ids}}]),
        )?;
        Ok(())
    }

    fn spawn(
        &mut self,
        name: &'static str,
        program: &str,
        args: &[String],
    ) -> Result<(), SandboxError> {
        let daemon = Daemon::spawn(name, self.dir.path(), &self.env(), program, args)?;
        self.daemons.push(daemon);
        Ok(())
    }

    /// Polls `check` until it gives `Ok(Ok(()))`, a daemon exits, or `deadline` passes;
    /// `Ok(Err(why))` means "not yet, because why".
    fn wait_until(
        &mut self,
        deadline: Instant,
        what: &str,
        mut check: impl FnMut() -> Result<Result<(), String>, SandboxError>,
    ) -> Result<(), SandboxError> {
        loop {
            if let Some((name, status)) = self
                .daemons
                .iter_mut()
                .find_map(|d| d.exited().map(|s| (d.name, s)))
            {
                return Err(SandboxError::Io(io::Error::other(format!(
                    "{name} exited ({status}) while waiting for {what}\n{}",
                    self.logs()
                ))));
            }
            let last = match check()? {
                Ok(()) => return Ok(()),
                Err(why) => why,
            };
            if Instant::now() >= deadline {
                return Err(SandboxError::Timeout(
                    self.wait_limit,
                    format!("waiting for {what}; last: {last}\n{}", self.logs()),
                ));
            }
            std::thread::sleep(POLL_INTERVAL);
        }
    }
}

impl Drop for OvnSandbox {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every daemon comes up; the chassis is in the southbound database with its encap; the
    /// logs are where the environment says; stopping leaves no process behind.
    #[test]
    fn starts_a_whole_deployment_and_stops_it() {
        let mut ovn = OvnSandbox::builder().chassis("sbx-test").start().unwrap();
        let chassis = probe::select(
            &ovn.sb_remote(),
            "OVN_Southbound",
            "Encap",
            json!([["chassis_name", "==", "sbx-test"]]),
            "ip",
        )
        .unwrap();
        assert_eq!(chassis, [json!("127.0.0.1")]);
        assert!(
            ovn.log(Component::Controller)
                .contains(&format!("{}: connected", ovn.sb_remote())),
            "{}",
            ovn.logs()
        );
        let status = ovn
            .appctl(Component::Controller, &["connection-status"])
            .unwrap();
        assert_eq!(status.trim(), "connected");
        let bridges = ovn.appctl(Component::Vswitchd, &["dpif/show"]).unwrap();
        assert!(bridges.contains("br-int"), "{bridges}");
        // The C tools find the sandbox through the environment alone.
        for (tool, args) in [
            ("ovn-nbctl", &["--wait=hv", "ls-add", "sw0"][..]),
            ("ovn-sbctl", &["--columns=name", "list", "chassis"]),
            ("ovs-vsctl", &["br-exists", "br-int"]),
        ] {
            let out = Command::new(tool)
                .args(args)
                .envs(ovn.env())
                .output()
                .unwrap();
            assert!(out.status.success(), "{tool}: {out:?}");
            if tool == "ovn-sbctl" {
                assert!(
                    String::from_utf8_lossy(&out.stdout).contains("sbx-test"),
                    "{out:?}"
                );
            }
        }
        let pids: Vec<u32> = ovn.daemons.iter().filter_map(Daemon::pid).collect();
        assert_eq!(pids.len(), 6);
        let dir = ovn.dir().to_path_buf();
        assert!(dir.join("br-int.mgmt").exists());
        ovn.stop();
        for pid in pids {
            assert!(
                !Path::new(&format!("/proc/{pid}")).exists(),
                "pid {pid} survived"
            );
        }
        drop(ovn);
        assert!(!dir.exists());
    }

    /// In the namespace mode a veth made with `netns_command` is a real device that
    /// ovs-vswitchd opens, and it is not visible in this process's namespace.
    #[test]
    fn netns_devices_stay_private() {
        if Datapath::detect() != Ok(Datapath::Netns) {
            eprintln!("skipped: no privileges for a network namespace here");
            return;
        }
        let ovn = OvnSandbox::start().unwrap();
        let status = ovn
            .netns_command("ip")
            .unwrap()
            .args([
                "link", "add", "sbxveth0", "type", "veth", "peer", "name", "sbxveth1",
            ])
            .status()
            .unwrap();
        assert!(status.success());
        let host = run("ip", &["-o", "link", "show"]).unwrap();
        assert!(!host.contains("sbxveth0"), "{host}");
        let inside = ovn
            .netns_command("ip")
            .unwrap()
            .args(["-o", "link"])
            .output()
            .unwrap();
        let inside = String::from_utf8_lossy(&inside.stdout).into_owned();
        assert!(
            inside.contains("sbxveth0") && inside.contains("br-int"),
            "{inside}"
        );
    }

    #[test]
    fn dummy_mode_refuses_netns_commands() {
        let ovn = OvnSandbox::builder()
            .datapath(Datapath::Dummy)
            .start()
            .unwrap();
        let err = ovn.netns_command("ip").unwrap_err();
        assert!(matches!(&err, SandboxError::Io(e) if e.kind() == io::ErrorKind::Unsupported));
    }
}
