//! Scenario 2, an ovn-kubernetes overlay: the cluster router `ovn_cluster_router`, the join
//! switch, one switch per node with its pod subnet, pod ports with MAC and IP addresses; then,
//! on the node, what the CNI plugin does for a pod (ADD: a veth pair and one `rvsctl add-port`;
//! DEL: `rvsctl del-port`), with the proof that OVN took it.

use crate::tools::{Ran, Tools};
use crate::Result;

/// The cluster-wide router.
pub const CLUSTER_ROUTER: &str = "ovn_cluster_router";
/// The switch joining the cluster router to the nodes' gateway routers.
pub const JOIN_SWITCH: &str = "join";

/// A Kubernetes node: its logical switch and pod subnet.
#[derive(Debug, Clone, Copy)]
pub struct Node {
    /// The node name (also its switch's name and, for this sandbox's node, the chassis name).
    pub name: &'static str,
    /// The cluster router's address on the node switch (`ip/len` of the pod subnet).
    pub router_ip: &'static str,
    /// The pod subnet.
    pub subnet: &'static str,
    /// The cluster router port's MAC (ovn-kubernetes derives it from the IP: 0a:58 + IP).
    pub mac: &'static str,
}

/// A pod with its port on its node's switch.
#[derive(Debug, Clone, Copy)]
pub struct Pod {
    /// The namespace.
    pub namespace: &'static str,
    /// The pod name.
    pub name: &'static str,
    /// The node it is scheduled on.
    pub node: &'static str,
    /// Its MAC (0a:58 + IP, as ovn-kubernetes makes it).
    pub mac: &'static str,
    /// Its address with the node subnet's prefix length.
    pub ip: &'static str,
    /// The host side of its veth pair (at most 15 characters, a Linux interface name).
    pub veth: &'static str,
}

impl Pod {
    /// The logical port name, `namespace_pod` (what `external_ids:iface-id` names).
    pub fn port(&self) -> String {
        format!("{}_{}", self.namespace, self.name)
    }

    /// The address without the prefix length.
    pub fn address(&self) -> &str {
        self.ip.split('/').next().unwrap_or(self.ip)
    }

    /// The pod side of the veth pair.
    pub fn peer(&self) -> String {
        self.veth.replacen("veth", "eth0", 1)
    }
}

/// The nodes: `node1` is this sandbox's chassis; `node2` has no chassis here, so its pods stay
/// unbound (as they would until that node's ovn-controller claims them).
pub const NODES: [Node; 2] = [
    Node {
        name: "node1",
        router_ip: "10.244.0.1/24",
        subnet: "10.244.0.0/24",
        mac: "0a:58:0a:f4:00:01",
    },
    Node {
        name: "node2",
        router_ip: "10.244.1.1/24",
        subnet: "10.244.1.0/24",
        mac: "0a:58:0a:f4:01:01",
    },
];

/// The pods.
pub const PODS: [Pod; 3] = [
    Pod {
        namespace: "default",
        name: "web-0",
        node: "node1",
        mac: "0a:58:0a:f4:00:05",
        ip: "10.244.0.5/24",
        veth: "veth-web-0",
    },
    Pod {
        namespace: "kube-system",
        name: "coredns-0",
        node: "node1",
        mac: "0a:58:0a:f4:00:06",
        ip: "10.244.0.6/24",
        veth: "veth-coredns-0",
    },
    Pod {
        namespace: "default",
        name: "web-1",
        node: "node2",
        mac: "0a:58:0a:f4:01:05",
        ip: "10.244.1.5/24",
        veth: "veth-web-1",
    },
];

/// The pods scheduled on `node`.
pub fn pods_on(node: &str) -> impl Iterator<Item = &'static Pod> + '_ {
    PODS.iter().filter(move |p| p.node == node)
}

/// A router-type switch port `name` on `switch`, peer of router port `router_port`.
fn router_type_port(tools: &Tools, switch: &str, name: &str, router_port: &str) -> Result<()> {
    tools.nbctl(&[
        "lsp-add",
        switch,
        name,
        "--",
        "lsp-set-type",
        name,
        "router",
        "--",
        "lsp-set-addresses",
        name,
        "router",
        "--",
        "lsp-set-options",
        name,
        &format!("router-port={router_port}"),
    ])?;
    Ok(())
}

/// The cluster topology and the pods' ports, as ovn-kubernetes' master writes them.
pub fn build(tools: &Tools) -> Result<()> {
    tools.note("# Cluster router and join switch\n");
    tools.nbctl(&["lr-add", CLUSTER_ROUTER])?;
    let rtoj = format!("rtoj-{CLUSTER_ROUTER}");
    tools.nbctl(&[
        "lrp-add",
        CLUSTER_ROUTER,
        &rtoj,
        "0a:58:64:40:00:01",
        "100.64.0.1/16",
    ])?;
    tools.nbctl(&["ls-add", JOIN_SWITCH])?;
    router_type_port(tools, JOIN_SWITCH, &format!("jtor-{CLUSTER_ROUTER}"), &rtoj)?;

    for node in NODES {
        tools.note(&format!(
            "\n# Node {} (pods in {})\n",
            node.name, node.subnet
        ));
        tools.nbctl(&[
            "ls-add",
            node.name,
            "--",
            "set",
            "logical_switch",
            node.name,
            &format!("other_config:subnet={}", node.subnet),
        ])?;
        let rtos = format!("rtos-{}", node.name);
        tools.nbctl(&["lrp-add", CLUSTER_ROUTER, &rtos, node.mac, node.router_ip])?;
        router_type_port(tools, node.name, &format!("stor-{}", node.name), &rtos)?;
        for pod in pods_on(node.name) {
            let port = pod.port();
            let address = format!("{} {}", pod.mac, pod.address());
            tools.nbctl(&[
                "lsp-add",
                node.name,
                &port,
                "--",
                "lsp-set-addresses",
                &port,
                &address,
                "--",
                "lsp-set-port-security",
                &port,
                &address,
                "--",
                "set",
                "logical_switch_port",
                &port,
                &format!("external_ids:namespace={}", pod.namespace),
                "external_ids:pod=true",
                &format!("options:requested-chassis={}", pod.node),
            ])?;
        }
    }
    Ok(())
}

/// The CNI ADD on the node: the veth pair (when the sandbox has a network namespace; with the
/// dummy datapath `ovs-vswitchd` makes a dummy device of that name) and the one `rvsctl`
/// command ovn-kubernetes' CNI runs.
pub fn cni_add(tools: &Tools, pod: &Pod) -> Result<()> {
    tools.note(&format!("\n# CNI ADD {}/{}\n", pod.namespace, pod.name));
    if tools.has_netns() {
        let peer = pod.peer();
        tools.ip(&[
            "link", "add", pod.veth, "type", "veth", "peer", "name", &peer,
        ])?;
        tools.ip(&["link", "set", pod.veth, "up"])?;
        tools.ip(&["link", "set", &peer, "up"])?;
    } else {
        tools.note("# (dummy datapath: no veth pair; ovs-vswitchd makes a dummy device)\n");
    }
    tools.vsctl(&[
        "add-port",
        "br-int",
        pod.veth,
        "--",
        "set",
        "interface",
        pod.veth,
        &format!("external_ids:attached_mac={}", pod.mac),
        &format!("external_ids:iface-id={}", pod.port()),
        &format!("external_ids:ip_address={}", pod.ip),
    ])?;
    Ok(())
}

/// `rnbctl --wait=hv sync`: returns once every chassis has caught up with the northbound
/// database (at most 60 s).
pub fn wait_hv(tools: &Tools) -> Result<()> {
    tools.nbctl(&["--wait=hv", "--timeout=60", "sync"])?;
    Ok(())
}

/// What the tools say about a pod's port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortState {
    /// `rnbctl lsp-get-up`: `up` or `down`.
    pub up: String,
    /// The Interface's `external_ids:ovn-installed` (`"true"` once ovn-controller has
    /// installed its flows), empty if absent or if there is no interface.
    pub ovn_installed: String,
    /// The Interface's `ofport`, empty if there is no interface.
    pub ofport: String,
    /// Whether `rvsctl list-ifaces br-int` lists the interface.
    pub on_bridge: bool,
}

/// Reads a pod's port state with `rnbctl` and `rvsctl`.
pub fn observe(tools: &Tools, pod: &Pod) -> Result<PortState> {
    let up = tools.nbctl(&["lsp-get-up", &pod.port()])?;
    let ifaces = tools.vsctl(&["list-ifaces", "br-int"])?;
    let on_bridge = ifaces.lines().any(|l| l == pod.veth);
    let (ovn_installed, ofport) = if on_bridge {
        let installed = tools.vsctl(&[
            "--if-exists",
            "get",
            "interface",
            pod.veth,
            "external_ids:ovn-installed",
        ])?;
        let ofport = tools.vsctl(&["get", "interface", pod.veth, "ofport"])?;
        (installed, ofport)
    } else {
        (String::new(), String::new())
    };
    Ok(PortState {
        up: up.trim().to_string(),
        ovn_installed: ovn_installed.trim().to_string(),
        ofport: ofport.trim().to_string(),
        on_bridge,
    })
}

/// What the CNI DEL printed: the DEL itself succeeds; then a repeated DEL (the runtime retries)
/// fails, and one with `--if-exists` succeeds.
#[derive(Debug, Clone)]
pub struct Deleted {
    /// The repeated `rvsctl del-port`.
    pub repeated: Ran,
    /// `rvsctl --if-exists del-port`.
    pub if_exists: Ran,
}

/// The CNI DEL on the node: `rvsctl del-port`, the veth pair goes, and the repeated DELs.
pub fn cni_del(tools: &Tools, pod: &Pod) -> Result<Deleted> {
    tools.note(&format!("# CNI DEL {}/{}\n", pod.namespace, pod.name));
    tools.vsctl(&["del-port", "br-int", pod.veth])?;
    if tools.has_netns() {
        tools.ip(&["link", "del", pod.veth])?;
    }
    tools.note("# A repeated DEL (the runtime may retry) fails; with --if-exists it succeeds\n");
    let repeated = tools.vsctl_status(&["del-port", "br-int", pod.veth])?;
    let if_exists = tools.vsctl_status(&["--if-exists", "del-port", "br-int", pod.veth])?;
    Ok(Deleted {
        repeated,
        if_exists,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pod_names_fit_linux_and_ovn_kubernetes() {
        for pod in PODS {
            assert!(pod.veth.len() <= 15 && pod.peer().len() <= 15, "{pod:?}");
            assert!(NODES.iter().any(|n| n.name == pod.node));
        }
        assert_eq!(PODS[0].port(), "default_web-0");
        assert_eq!(PODS[0].address(), "10.244.0.5");
        assert_eq!(PODS[0].peer(), "eth0-web-0");
        assert_eq!(pods_on("node1").count(), 2);
    }
}
