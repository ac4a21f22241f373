//! Both seed scenarios end to end on a real OVN (NB/SB/Open_vSwitch ovsdb-servers, ovn-northd,
//! ovs-vswitchd with the userspace datapath, ovn-controller), driven by the real `rnbctl` and
//! `rvsctl` binaries, and the typed pod plugger. OVN must take everything: the pod ports come
//! up (`lsp-get-up`, `ovn-installed`, a Port_Binding with our chassis), the host routes match
//! the routers' uplink addresses, and a CNI DEL removes the interface.
//!
//! The programs come from Debian's packages (`scripts/install-deps.sh`); without them the
//! tests are skipped with a note, except with `CI=true`, where that is a failure. `rnbctl` and
//! `rvsctl` are taken from this target directory (`cargo test --workspace` builds them), or
//! built with `cargo build -p bins` when missing.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use demo::kubernetes::{self, Pod, PortState};
use demo::southbound::{self, Binding};
use demo::tools::{self, Tools};
use demo::{homelab, plugger, CHASSIS};
use ovn_nb::{LogicalSwitch, LogicalSwitchPort};
use ovs_vswitch::{Interface, Port};
use ovsdb::client::{Client, ClientOptions};
use ovsdb::testing::ovn::Datapath;
use ovsdb::testing::OvnSandbox;
use ovsdb::typed::Table;

/// Whether the OVN and OVS programs run here; with `CI=true`, a missing one panics.
fn programs_ready() -> bool {
    ovsdb::testing::programs_runnable(
        &[
            "ovsdb-server",
            "ovsdb-tool",
            "ovsdb-client",
            "ovs-appctl",
            "ovs-vswitchd",
            "ovn-northd",
            "ovn-controller",
        ],
        "scripts/install-deps.sh: openvswitch-switch, openvswitch-common, ovn-central, \
         ovn-common, ovn-host",
    )
}

/// `rnbctl` and `rvsctl` of this target directory, built once if missing.
fn binaries() -> (PathBuf, PathBuf) {
    static FOUND: OnceLock<Result<(PathBuf, PathBuf), String>> = OnceLock::new();
    let found = FOUND.get_or_init(|| {
        let both = || -> demo::Result<(PathBuf, PathBuf)> {
            Ok((tools::locate("rnbctl")?, tools::locate("rvsctl")?))
        };
        if let Ok(paths) = both() {
            return Ok(paths);
        }
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let mut cmd = Command::new(cargo);
        cmd.args(["build", "-p", "bins", "--bins"]);
        if exe.components().any(|c| c.as_os_str() == "release") {
            cmd.arg("--release");
        }
        let status = cmd.status().map_err(|e| e.to_string())?;
        if !status.success() {
            return Err(format!("cargo build -p bins failed: {status}"));
        }
        both().map_err(|e| e.to_string())
    });
    match found {
        Ok(paths) => paths.clone(),
        Err(e) => panic!("cannot find or build rnbctl and rvsctl: {e}"),
    }
}

async fn connect(remote: &str, db: &str) -> Client {
    Client::connect(ClientOptions::new(remote).unwrap().database(db))
        .await
        .unwrap()
}

/// Unwraps a step's result, or panics with everything run so far and every log.
fn step<T>(result: demo::Result<T>, tools: &Tools, ovn: &OvnSandbox) -> T {
    result.unwrap_or_else(|e| {
        panic!(
            "{e}\n--- transcript ---\n{}\n--- logs ---\n{}",
            tools.transcript(),
            ovn.logs()
        )
    })
}

/// Polls `rnbctl` / `rvsctl` until the pod's port state satisfies `want` (it should at once
/// after `--wait=hv`; the poll absorbs the moment between ovn-controller's writes to its two
/// databases), and returns the last state seen, satisfied or not after 60 s.
async fn settled(
    tools: &Tools<'_>,
    ovn: &OvnSandbox,
    pod: &Pod,
    want: impl Fn(&PortState) -> bool,
) -> PortState {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let state = step(kubernetes::observe(tools, pod), tools, ovn);
        if want(&state) || tokio::time::Instant::now() > deadline {
            return state;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The southbound bindings once `want` holds for them (at most 60 s; the last ones otherwise).
async fn bindings_when(
    sb: &Client,
    tools: &Tools<'_>,
    ovn: &OvnSandbox,
    want: impl Fn(&[Binding]) -> bool,
) -> Vec<Binding> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let bindings = step(southbound::bindings(sb).await, tools, ovn);
        if want(&bindings) || tokio::time::Instant::now() > deadline {
            return bindings;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn chassis_of(bindings: &[Binding], port: &str) -> Option<String> {
    bindings
        .iter()
        .find(|b| b.logical_port == port)
        .and_then(|b| b.chassis.clone())
}

fn binding<'a>(bindings: &'a [Binding], port: &str) -> &'a Binding {
    bindings
        .iter()
        .find(|b| b.logical_port == port)
        .unwrap_or_else(|| panic!("no Port_Binding for {port}: {bindings:?}"))
}

/// The homelab: the host routes read back from the NB match the routers' uplink addresses
/// as `rnbctl` reports them, and the gateway ports are claimed by the chassis.
async fn homelab_checks(ovn: &OvnSandbox, tools: &Tools<'_>, sb: &Client) {
    step(homelab::build(tools, CHASSIS), tools, ovn);
    let nb = connect(&ovn.nb_remote(), ovn_nb::NAME).await;
    let routes = step(homelab::host_routes(&nb).await, tools, ovn);
    let got: Vec<(String, String, &str, &str)> = routes
        .iter()
        .map(|r| {
            (
                r.subnet.to_string(),
                r.via.to_string(),
                r.dev.as_str(),
                r.router.as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "10.190.10.0/24".to_string(),
                "10.220.0.11".to_string(),
                "incusbr0",
                "lr-infra"
            ),
            (
                "10.190.11.0/24".to_string(),
                "10.220.0.12".to_string(),
                "incusbr0",
                "lr-kubernetes"
            ),
        ]
    );
    for r in &routes {
        let lrp = format!("{}-uplink", r.router);
        let networks = step(
            tools.nbctl(&["get", "logical_router_port", &lrp, "networks"]),
            tools,
            ovn,
        );
        assert_eq!(networks.trim(), format!("[\"{}/24\"]", r.via));
    }
    assert_eq!(
        homelab::ip_route_lines(&routes),
        "ip route add 10.190.10.0/24 via 10.220.0.11 dev incusbr0\n\
         ip route add 10.190.11.0/24 via 10.220.0.12 dev incusbr0\n"
    );
    let netplan = homelab::netplan(&routes);
    assert!(
        netplan.contains("- to: 10.190.11.0/24\n          via: 10.220.0.12"),
        "{netplan}"
    );

    let gateways = ["cr-lr-infra-uplink", "cr-lr-kubernetes-uplink"];
    let bindings = bindings_when(sb, tools, ovn, |b| {
        gateways
            .iter()
            .all(|p| chassis_of(b, p).as_deref() == Some(CHASSIS))
    })
    .await;
    for port in gateways {
        let b = binding(&bindings, port);
        assert_eq!(b.chassis.as_deref(), Some(CHASSIS), "{b:?}");
        assert_eq!(b.kind, "chassisredirect");
    }
}

/// The pods on this node are bound after a CNI ADD and `--wait=hv`.
async fn cni_add_checks(ovn: &OvnSandbox, tools: &Tools<'_>, sb: &Client, local: &[&Pod]) {
    for pod in local {
        step(kubernetes::cni_add(tools, pod), tools, ovn);
    }
    step(kubernetes::wait_hv(tools), tools, ovn);
    for pod in local {
        let state = settled(tools, ovn, pod, |s| {
            s.up == "up" && s.ovn_installed == "\"true\""
        })
        .await;
        let ctx = || format!("{state:?}\n{}\n{}", tools.transcript(), ovn.logs());
        assert_eq!(state.up, "up", "{}", ctx());
        assert_eq!(state.ovn_installed, "\"true\"", "{}", ctx());
        assert!(state.on_bridge, "{}", ctx());
        let ofport: i64 = state.ofport.parse().unwrap_or(-1);
        assert!(ofport > 0, "{}", ctx());
        if tools.has_netns() {
            let link = step(tools.ip(&["-o", "link", "show", pod.veth]), tools, ovn);
            assert!(link.contains("veth"), "{link}");
        }
    }
    let bindings = bindings_when(sb, tools, ovn, |b| {
        local
            .iter()
            .all(|p| chassis_of(b, &p.port()).as_deref() == Some(CHASSIS))
    })
    .await;
    for pod in local {
        let b = binding(&bindings, &pod.port());
        assert_eq!(b.chassis.as_deref(), Some(CHASSIS), "{b:?}");
        assert_eq!(b.up, Some(true), "{b:?}");
        assert_eq!(b.mac, [format!("{} {}", pod.mac, pod.address())]);
    }
    for pod in kubernetes::PODS.iter().filter(|p| p.node != CHASSIS) {
        let b = binding(&bindings, &pod.port());
        assert_eq!(
            b.chassis, None,
            "a pod of another node is bound here: {b:?}"
        );
    }
}

/// After a CNI DEL the interface is gone from the database (and the kernel), the port is
/// down and released; the repeated DEL fails, with `--if-exists` it does not.
async fn cni_del_checks(ovn: &OvnSandbox, tools: &Tools<'_>, sb: &Client, gone: &Pod, kept: &Pod) {
    let deleted = step(kubernetes::cni_del(tools, gone), tools, ovn);
    assert_eq!(deleted.repeated.code, Some(1), "{deleted:?}");
    assert_eq!(
        deleted.repeated.stderr,
        format!("ovs-vsctl: no port named {}\n", gone.veth)
    );
    assert_eq!(deleted.if_exists.code, Some(0), "{deleted:?}");
    step(kubernetes::wait_hv(tools), tools, ovn);
    let state = settled(tools, ovn, gone, |s| !s.on_bridge && s.up == "down").await;
    assert!(!state.on_bridge, "{state:?}");
    assert_eq!(state.up, "down", "{state:?}");

    let ovs = connect(&ovn.ovs_remote(), ovs_vswitch::NAME).await;
    let ifaces: Vec<Interface> = ovs_vswitch::by_name(&ovs, gone.veth).await.unwrap();
    assert!(ifaces.is_empty(), "{ifaces:?}");
    let ports: Vec<Port> = ovs_vswitch::by_name(&ovs, gone.veth).await.unwrap();
    assert!(ports.is_empty(), "{ports:?}");
    let kept_iface: Vec<Interface> = ovs_vswitch::by_name(&ovs, kept.veth).await.unwrap();
    assert_eq!(
        kept_iface
            .first()
            .map(|i| i.external_ids.get("iface-id").cloned()),
        Some(Some(kept.port()))
    );
    if tools.has_netns() {
        assert!(tools.ip(&["link", "show", gone.veth]).is_err());
    }

    let bindings = bindings_when(sb, tools, ovn, |b| chassis_of(b, &gone.port()).is_none()).await;
    assert_eq!(binding(&bindings, &gone.port()).chassis, None);
    assert_eq!(
        binding(&bindings, &kept.port()).chassis.as_deref(),
        Some(CHASSIS)
    );
}

async fn both_scenarios(datapath: Option<Datapath>) {
    if !programs_ready() {
        return;
    }
    let (rnbctl, rvsctl) = binaries();
    let mut builder = OvnSandbox::builder()
        .chassis(CHASSIS)
        .wait_limit(Duration::from_secs(60));
    if let Some(d) = datapath {
        builder = builder.datapath(d);
    }
    let ovn = builder.start().unwrap();
    let dir = ovn.dir().to_path_buf();
    {
        let tools = Tools::with_paths(&ovn, rnbctl, rvsctl, false);
        let sb = connect(&ovn.sb_remote(), ovn_sb::NAME).await;
        homelab_checks(&ovn, &tools, &sb).await;

        step(kubernetes::build(&tools), &tools, &ovn);
        let local: Vec<&Pod> = kubernetes::pods_on(CHASSIS).collect();
        assert_eq!(local.len(), 2);
        cni_add_checks(&ovn, &tools, &sb, &local).await;
        cni_del_checks(&ovn, &tools, &sb, local[0], local[1]).await;
    }
    drop(ovn);
    assert!(
        !Path::new(&dir).exists(),
        "{} is left behind",
        dir.display()
    );
}

/// Both scenarios with the datapath this machine allows (a private network namespace with
/// real veth pairs when privileged).
#[tokio::test]
async fn homelab_and_kubernetes_on_a_real_ovn() {
    both_scenarios(None).await;
}

/// Both scenarios with OVS's dummy netdevs, what an unprivileged machine falls back to.
#[tokio::test]
async fn homelab_and_kubernetes_on_the_dummy_datapath() {
    both_scenarios(Some(Datapath::Dummy)).await;
}

/// Polls `check` every 50 ms until it holds; panics after 60 s.
async fn eventually<F, Fut>(what: &str, ovn: &OvnSandbox, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while !check().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}\n{}",
            ovn.logs()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn pod_port(name: &str, mac_ip: &str, node: &str) -> LogicalSwitchPort {
    LogicalSwitchPort {
        name: name.into(),
        addresses: [mac_ip.to_string()].into(),
        external_ids: [("pod".to_string(), "true".to_string())].into(),
        options: [("requested-chassis".to_string(), node.to_string())].into(),
        ..Default::default()
    }
}

/// The typed agent plugs the pod ports of its node (present before it starts, and added
/// later), ovn-controller binds them, and a deleted pod is unplugged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_plugger_plugs_and_unplugs_pod_ports() {
    if !programs_ready() {
        return;
    }
    let ovn = OvnSandbox::builder().chassis(CHASSIS).start().unwrap();
    let nb = connect(&ovn.nb_remote(), ovn_nb::NAME).await;
    let sb = connect(&ovn.sb_remote(), ovn_sb::NAME).await;
    let ovs = connect(&ovn.ovs_remote(), ovs_vswitch::NAME).await;

    // One pod port before the agent starts, one of another node.
    let mut txn = ovn_nb::transaction();
    let early = txn.insert(&pod_port(
        "default_early",
        "0a:58:0a:f4:00:07 10.244.0.7",
        CHASSIS,
    ));
    let other = txn.insert(&pod_port(
        "default_other",
        "0a:58:0a:f4:01:07 10.244.1.7",
        "node2",
    ));
    txn.insert(&LogicalSwitch {
        name: "pods".into(),
        ports: [early, other].into(),
        ..Default::default()
    });
    txn.commit(&nb).await.unwrap();

    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let agent = {
        let (nb, ovs) = (nb.clone(), ovs.clone());
        tokio::spawn(async move {
            plugger::run(&nb, &ovs, CHASSIS, async {
                let _ = stop_rx.await;
            })
            .await
        })
    };

    // And one added while it runs.
    let mut txn = ovn_nb::transaction();
    let late = txn.insert(&pod_port(
        "default_late",
        "0a:58:0a:f4:00:08 10.244.0.8",
        CHASSIS,
    ));
    txn.mutate(
        [LogicalSwitch::NAME.eq("pods")],
        [LogicalSwitch::PORTS.insert([late])],
    );
    txn.commit(&nb).await.unwrap();

    for port in ["default_early", "default_late"] {
        eventually(&format!("{port} up in the NB"), &ovn, || async {
            let rows: Vec<LogicalSwitchPort> = ovn_nb::by_name(&nb, port).await.unwrap();
            rows.first().and_then(|p| p.up) == Some(true)
        })
        .await;
        let iface = plugger::iface_name(port);
        eventually(&format!("ovn-installed on {iface}"), &ovn, || async {
            let rows: Vec<Interface> = ovs_vswitch::by_name(&ovs, &iface).await.unwrap();
            rows.first()
                .and_then(|i| i.external_ids.get("ovn-installed"))
                .map(String::as_str)
                == Some("true")
        })
        .await;
    }
    let bindings = southbound::bindings(&sb).await.unwrap();
    assert_eq!(
        binding(&bindings, "default_early").chassis.as_deref(),
        Some(CHASSIS)
    );
    assert_eq!(
        binding(&bindings, "default_late").chassis.as_deref(),
        Some(CHASSIS)
    );
    assert_eq!(binding(&bindings, "default_other").chassis, None);
    let foreign: Vec<Interface> = ovs_vswitch::by_name(&ovs, &plugger::iface_name("default_other"))
        .await
        .unwrap();
    assert!(
        foreign.is_empty(),
        "a port of node2 was plugged: {foreign:?}"
    );

    // The pod goes: the agent unplugs it, ovn-controller releases it.
    let rows: Vec<LogicalSwitchPort> = ovn_nb::by_name(&nb, "default_early").await.unwrap();
    let refs: Vec<_> = rows.iter().filter_map(LogicalSwitchPort::row_ref).collect();
    let mut txn = ovn_nb::transaction();
    txn.mutate(
        [LogicalSwitch::NAME.eq("pods")],
        [LogicalSwitch::PORTS.delete(refs)],
    );
    txn.commit(&nb).await.unwrap();
    let iface = plugger::iface_name("default_early");
    eventually("the unplug", &ovn, || async {
        let rows: Vec<Interface> = ovs_vswitch::by_name(&ovs, &iface).await.unwrap();
        rows.is_empty()
    })
    .await;
    let ports: Vec<Port> = ovs_vswitch::by_name(&ovs, &iface).await.unwrap();
    assert!(ports.is_empty(), "{ports:?}");

    let _ = stop_tx.send(());
    agent.await.unwrap().unwrap();
}
