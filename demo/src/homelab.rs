//! Scenario 1, an Incus-style homelab: behind the uplink bridge `incusbr0` (10.220.0.0/24), two
//! OVN networks, `infra` (DNS, Vault, LDAP) and `kubernetes` (control-plane and worker nodes),
//! each a logical switch behind its own logical router with an address on the uplink, SNAT,
//! DHCP, and L4 load balancers on uplink addresses. Afterwards the routes the host needs are
//! read back from the northbound database ([`host_routes`]).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::Ipv4Addr;

use ovn_nb::{LogicalRouter, LogicalRouterPort, LogicalSwitch, LogicalSwitchPort};
use ovsdb::client::Client;
use ovsdb::data::Uuid;
use ovsdb::typed::Table;

use crate::net::Prefix;
use crate::tools::Tools;
use crate::Result;

/// The host's uplink bridge (an Incus-managed Linux bridge), used as the OVN physical network
/// name of the uplink's localnet port.
pub const UPLINK_BRIDGE: &str = "incusbr0";
/// The uplink's address on the host: the routers' default gateway.
pub const UPLINK_GATEWAY: &str = "10.220.0.1";
/// The OVS bridge `ovn-controller` patches the uplink's localnet port into
/// (`ovn-bridge-mappings=incusbr0:incusovn1`); on a real host a veth joins it to `incusbr0`.
pub const UPLINK_OVS_BRIDGE: &str = "incusovn1";
/// The uplink logical switch.
pub const UPLINK_SWITCH: &str = "uplink";

/// An instance (a VM or container) on an OVN network.
#[derive(Debug, Clone, Copy)]
pub struct Instance {
    /// Its port name.
    pub name: &'static str,
    /// Its MAC address.
    pub mac: &'static str,
    /// Its IPv4 address.
    pub ip: &'static str,
    /// Whether it takes its address from OVN's DHCP (else it is configured statically).
    pub dhcp: bool,
}

/// One OVN network: a logical switch behind a logical router on the uplink.
#[derive(Debug, Clone, Copy)]
pub struct Network {
    /// The switch's name.
    pub name: &'static str,
    /// The router's name.
    pub router: &'static str,
    /// The router's address on the network (`router_ip/len`, also the DHCP router).
    pub router_ip: &'static str,
    /// The router's address on the uplink (`ip/24`): the next hop of the host's route.
    pub uplink_ip: &'static str,
    /// The router port MACs: uplink side, network side.
    pub macs: (&'static str, &'static str),
    /// The network's instances.
    pub instances: &'static [Instance],
}

/// A load balancer on an uplink address.
#[derive(Debug, Clone, Copy)]
pub struct LoadBalancer {
    /// Its name.
    pub name: &'static str,
    /// `ip:port` on the uplink.
    pub vip: &'static str,
    /// `ip:port,ip:port,...` inside the network.
    pub backends: &'static str,
    /// `tcp` or `udp`.
    pub protocol: &'static str,
    /// The network whose router (and switch) it is attached to.
    pub network: &'static str,
}

/// The two networks.
pub const NETWORKS: [Network; 2] = [
    Network {
        name: "infra",
        router: "lr-infra",
        router_ip: "10.190.10.1/24",
        uplink_ip: "10.220.0.11/24",
        macs: ("00:16:3e:dc:00:0b", "00:16:3e:be:0a:01"),
        instances: &[
            Instance {
                name: "infra-dns",
                mac: "00:16:3e:be:0a:0a",
                ip: "10.190.10.10",
                dhcp: false,
            },
            Instance {
                name: "infra-vault",
                mac: "00:16:3e:be:0a:0b",
                ip: "10.190.10.11",
                dhcp: true,
            },
            Instance {
                name: "infra-ldap",
                mac: "00:16:3e:be:0a:0c",
                ip: "10.190.10.12",
                dhcp: true,
            },
        ],
    },
    Network {
        name: "kubernetes",
        router: "lr-kubernetes",
        router_ip: "10.190.11.1/24",
        uplink_ip: "10.220.0.12/24",
        macs: ("00:16:3e:dc:00:0c", "00:16:3e:be:0b:01"),
        instances: &[
            Instance {
                name: "k8s-cp1",
                mac: "00:16:3e:be:0b:0a",
                ip: "10.190.11.10",
                dhcp: true,
            },
            Instance {
                name: "k8s-cp2",
                mac: "00:16:3e:be:0b:0b",
                ip: "10.190.11.11",
                dhcp: true,
            },
            Instance {
                name: "k8s-cp3",
                mac: "00:16:3e:be:0b:0c",
                ip: "10.190.11.12",
                dhcp: true,
            },
            Instance {
                name: "k8s-worker1",
                mac: "00:16:3e:be:0b:14",
                ip: "10.190.11.20",
                dhcp: true,
            },
            Instance {
                name: "k8s-worker2",
                mac: "00:16:3e:be:0b:15",
                ip: "10.190.11.21",
                dhcp: true,
            },
        ],
    },
];

/// The load balancers: the Kubernetes API on the control-plane nodes, DNS on the DNS instance.
pub const LOAD_BALANCERS: [LoadBalancer; 2] = [
    LoadBalancer {
        name: "k8s-api",
        vip: "10.220.0.100:6443",
        backends: "10.190.11.10:6443,10.190.11.11:6443,10.190.11.12:6443",
        protocol: "tcp",
        network: "kubernetes",
    },
    LoadBalancer {
        name: "dns",
        vip: "10.220.0.101:53",
        backends: "10.190.10.10:53",
        protocol: "udp",
        network: "infra",
    },
];

fn ip_only(prefix: &str) -> &str {
    prefix.split('/').next().unwrap_or(prefix)
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

/// Builds the homelab with `rnbctl` and `rvsctl`, the gateway ports on chassis `chassis`,
/// and waits until the chassis has caught up (`--wait=hv`).
pub fn build(tools: &Tools, chassis: &str) -> Result<()> {
    // The uplink: a switch with a localnet port on the physical network "incusbr0", which
    // this chassis maps to an OVS bridge.
    tools.note("# The uplink network (incusbr0, 10.220.0.0/24) as seen by OVN\n");
    let localnet = format!("{UPLINK_SWITCH}-{UPLINK_BRIDGE}");
    tools.nbctl(&[
        "ls-add",
        UPLINK_SWITCH,
        "--",
        "lsp-add",
        UPLINK_SWITCH,
        &localnet,
        "--",
        "lsp-set-type",
        &localnet,
        "localnet",
        "--",
        "lsp-set-addresses",
        &localnet,
        "unknown",
        "--",
        "lsp-set-options",
        &localnet,
        &format!("network_name={UPLINK_BRIDGE}"),
    ])?;
    tools.vsctl(&[
        "--may-exist",
        "add-br",
        UPLINK_OVS_BRIDGE,
        "--",
        "set",
        "bridge",
        UPLINK_OVS_BRIDGE,
        "datapath_type=netdev",
    ])?;
    tools.vsctl(&[
        "set",
        "open_vswitch",
        ".",
        &format!("external_ids:ovn-bridge-mappings={UPLINK_BRIDGE}:{UPLINK_OVS_BRIDGE}"),
    ])?;

    for net in NETWORKS {
        build_network(tools, chassis, &net)?;
    }

    tools.note("\n# Load balancers on uplink addresses\n");
    for lb in LOAD_BALANCERS {
        let Some(net) = NETWORKS.iter().find(|n| n.name == lb.network) else {
            return Err(format!("load balancer {} names no network", lb.name).into());
        };
        tools.nbctl(&["lb-add", lb.name, lb.vip, lb.backends, lb.protocol])?;
        tools.nbctl(&["lr-lb-add", net.router, lb.name])?;
        tools.nbctl(&["ls-lb-add", net.name, lb.name])?;
    }
    tools.nbctl(&["lb-list"])?;

    tools.note("\n# Wait until ovn-controller has the whole homelab\n");
    tools.nbctl(&["--wait=hv", "--timeout=60", "sync"])?;
    Ok(())
}

fn build_network(tools: &Tools, chassis: &str, net: &Network) -> Result<()> {
    let prefix = Prefix::parse(net.router_ip).ok_or("bad router address")?;
    let subnet = prefix.network().to_string();
    let router_ip = ip_only(net.router_ip);
    let uplink_ip = ip_only(net.uplink_ip);
    let lrp_uplink = format!("{}-{UPLINK_SWITCH}", net.router);
    let lrp_inside = format!("{}-{}", net.router, net.name);

    tools.note(&format!("\n# Network {} ({subnet})\n", net.name));
    tools.nbctl(&["lr-add", net.router])?;
    tools.nbctl(&[
        "lrp-add",
        net.router,
        &lrp_uplink,
        net.macs.0,
        net.uplink_ip,
    ])?;
    tools.nbctl(&["lrp-set-gateway-chassis", &lrp_uplink, chassis, "10"])?;
    tools.nbctl(&[
        "lrp-add",
        net.router,
        &lrp_inside,
        net.macs.1,
        net.router_ip,
    ])?;
    tools.nbctl(&["lr-route-add", net.router, "0.0.0.0/0", UPLINK_GATEWAY])?;
    tools.nbctl(&["lr-nat-add", net.router, "snat", uplink_ip, &subnet])?;
    router_type_port(
        tools,
        UPLINK_SWITCH,
        &format!("{UPLINK_SWITCH}-{}", net.router),
        &lrp_uplink,
    )?;

    tools.nbctl(&[
        "ls-add",
        net.name,
        "--",
        "set",
        "logical_switch",
        net.name,
        &format!("other_config:subnet={subnet}"),
        &format!("other_config:exclude_ips={router_ip}"),
    ])?;
    router_type_port(
        tools,
        net.name,
        &format!("{}-{}", net.name, net.router),
        &lrp_inside,
    )?;

    tools.nbctl(&[
        "dhcp-options-create",
        &subnet,
        &format!("network={}", net.name),
    ])?;
    let dhcp = tools.nbctl(&[
        "--bare",
        "--columns=_uuid",
        "find",
        "dhcp_options",
        &format!("external_ids:network={}", net.name),
    ])?;
    let dhcp = dhcp.trim().to_string();
    let dns = NETWORKS
        .iter()
        .flat_map(|n| n.instances)
        .find(|i| i.name == "infra-dns")
        .map_or(router_ip, |i| i.ip);
    tools.nbctl(&[
        "dhcp-options-set-options",
        &dhcp,
        "lease_time=3600",
        &format!("router={router_ip}"),
        &format!("server_id={router_ip}"),
        &format!("server_mac={}", net.macs.1),
        &format!("dns_server={dns}"),
    ])?;

    for inst in net.instances {
        let address = format!("{} {}", inst.mac, inst.ip);
        tools.nbctl(&[
            "lsp-add",
            net.name,
            inst.name,
            "--",
            "lsp-set-addresses",
            inst.name,
            &address,
            "--",
            "lsp-set-port-security",
            inst.name,
            &address,
        ])?;
        if inst.dhcp {
            tools.nbctl(&["lsp-set-dhcpv4-options", inst.name, &dhcp])?;
        }
    }
    Ok(())
}

/// A route the host needs towards an OVN network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostRoute {
    /// The network, e.g. `10.190.10.0/24`.
    pub subnet: Prefix,
    /// The router's address on the uplink.
    pub via: Ipv4Addr,
    /// The host's bridge (the localnet port's `network_name`).
    pub dev: String,
    /// The logical router it goes through.
    pub router: String,
}

/// The routes the host needs, derived from the northbound database (read back with the typed
/// `ovn-nb` crate, not from this module's constants): for every switch with a localnet port
/// (the uplink, its `network_name` the host's bridge), every router attached to it through a
/// router-type port; the router's address on that switch is the next hop, and its other
/// ports' IPv4 networks are the destinations.
pub async fn host_routes(client: &Client) -> Result<Vec<HostRoute>> {
    let switches: Vec<LogicalSwitch> = ovn_nb::select(client, []).await?;
    let lsps: Vec<LogicalSwitchPort> = ovn_nb::select(client, []).await?;
    let routers: Vec<LogicalRouter> = ovn_nb::select(client, []).await?;
    let lrps: Vec<LogicalRouterPort> = ovn_nb::select(client, []).await?;
    let lsp_by_uuid: BTreeMap<Uuid, &LogicalSwitchPort> = lsps
        .iter()
        .filter_map(|p| Some((p.row_uuid()?, p)))
        .collect();
    let lrp_by_uuid: BTreeMap<Uuid, &LogicalRouterPort> = lrps
        .iter()
        .filter_map(|p| Some((p.row_uuid()?, p)))
        .collect();

    let mut routes = Vec::new();
    for switch in &switches {
        let ports: Vec<&LogicalSwitchPort> = switch
            .ports
            .iter()
            .filter_map(|r| lsp_by_uuid.get(&r.uuid()?).copied())
            .collect();
        let Some(dev) = ports
            .iter()
            .find(|p| p.r#type == "localnet")
            .and_then(|p| p.options.get("network_name"))
        else {
            continue;
        };
        let peers = ports
            .iter()
            .filter(|p| p.r#type == "router")
            .filter_map(|p| p.options.get("router-port"));
        for peer in peers {
            for router in &routers {
                let rports: Vec<&LogicalRouterPort> = router
                    .ports
                    .iter()
                    .filter_map(|r| lrp_by_uuid.get(&r.uuid()?).copied())
                    .collect();
                let Some(gateway) = rports.iter().find(|p| &p.name == peer) else {
                    continue;
                };
                let Some(via) = gateway.networks.iter().find_map(|n| Prefix::parse(n)) else {
                    continue;
                };
                for inside in rports.iter().filter(|p| &p.name != peer) {
                    for network in inside.networks.iter().filter_map(|n| Prefix::parse(n)) {
                        routes.push(HostRoute {
                            subnet: network.network(),
                            via: via.addr,
                            dev: dev.clone(),
                            router: router.name.clone(),
                        });
                    }
                }
            }
        }
    }
    routes.sort_by_key(|r| (r.subnet, r.via));
    Ok(routes)
}

/// The `ip route add` commands for `routes`.
pub fn ip_route_lines(routes: &[HostRoute]) -> String {
    routes
        .iter()
        .map(|r| format!("ip route add {} via {} dev {}\n", r.subnet, r.via, r.dev))
        .collect()
}

/// The same routes as a netplan snippet, grouped by bridge.
pub fn netplan(routes: &[HostRoute]) -> String {
    let mut by_dev: BTreeMap<&str, Vec<&HostRoute>> = BTreeMap::new();
    for r in routes {
        by_dev.entry(&r.dev).or_default().push(r);
    }
    let mut out = String::from("network:\n  version: 2\n  bridges:\n");
    for (dev, routes) in by_dev {
        let _ = writeln!(out, "    {dev}:\n      routes:");
        for r in routes {
            let _ = writeln!(out, "        - to: {}\n          via: {}", r.subnet, r.via);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(subnet: &str, via: &str) -> HostRoute {
        HostRoute {
            subnet: Prefix::parse(subnet).unwrap(),
            via: via.parse().unwrap(),
            dev: "incusbr0".into(),
            router: "r".into(),
        }
    }

    #[test]
    fn formats_ip_route_and_netplan() {
        let routes = [
            route("10.190.10.0/24", "10.220.0.11"),
            route("10.190.11.0/24", "10.220.0.12"),
        ];
        assert_eq!(
            ip_route_lines(&routes),
            "ip route add 10.190.10.0/24 via 10.220.0.11 dev incusbr0\n\
             ip route add 10.190.11.0/24 via 10.220.0.12 dev incusbr0\n"
        );
        assert_eq!(
            netplan(&routes),
            "network:\n  version: 2\n  bridges:\n    incusbr0:\n      routes:\n        \
             - to: 10.190.10.0/24\n          via: 10.220.0.11\n        \
             - to: 10.190.11.0/24\n          via: 10.220.0.12\n"
        );
    }
}
