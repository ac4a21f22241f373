//! The homelab scenario on the typed API: an uplink switch for `incusbr0` (10.220.0.0/24) and
//! the OVN networks `infra` (10.190.10.0/24) and `kubernetes` (10.190.11.0/24), each a switch
//! behind its own router with an uplink address, SNAT, DHCP options and an L4 load balancer on
//! an uplink VIP, written in one typed transaction; then the host routes, read back from the
//! database ([`demo::homelab::host_routes`]).
//!
//! `cargo run -p demo --example homelab_typed -- NB-REMOTE` writes to a real northbound
//! database (e.g. `unix:/var/run/ovn/ovnnb_db.sock`); without arguments it uses a private
//! ovsdb-server sandbox.

use std::error::Error;

use demo::homelab;
use ovn_nb::{
    DhcpOptions, LoadBalancer, LogicalRouter, LogicalRouterPort, LogicalSwitch, LogicalSwitchPort,
    Nat,
};
use ovsdb::client::{Client, ClientOptions};
use ovsdb::testing::Sandbox;

type Result<T> = std::result::Result<T, Box<dyn Error + Send + Sync>>;

/// One OVN network of the homelab.
struct Network {
    name: &'static str,
    /// The router's address on the uplink.
    uplink_ip: &'static str,
    /// The network, its gateway (the router's inside address) and its instances.
    cidr: &'static str,
    gateway: &'static str,
    instances: &'static [(&'static str, &'static str, &'static str)],
    /// An L4 load balancer: name, protocol, uplink VIP, backends.
    lb: (&'static str, &'static str, &'static str, &'static str),
}

const NETWORKS: [Network; 2] = [
    Network {
        name: "infra",
        uplink_ip: "10.220.0.11",
        cidr: "10.190.10.0/24",
        gateway: "10.190.10.1",
        instances: &[
            ("dns", "00:16:3e:be:0a:0a", "10.190.10.10"),
            ("vault", "00:16:3e:be:0a:0b", "10.190.10.11"),
            ("ldap", "00:16:3e:be:0a:0c", "10.190.10.12"),
        ],
        lb: ("dns", "udp", "10.220.0.101:53", "10.190.10.10:53"),
    },
    Network {
        name: "kubernetes",
        uplink_ip: "10.220.0.12",
        cidr: "10.190.11.0/24",
        gateway: "10.190.11.1",
        instances: &[
            ("cp1", "00:16:3e:be:0b:0a", "10.190.11.10"),
            ("cp2", "00:16:3e:be:0b:0b", "10.190.11.11"),
            ("worker1", "00:16:3e:be:0b:14", "10.190.11.20"),
        ],
        lb: (
            "k8s-api",
            "tcp",
            "10.220.0.100:6443",
            "10.190.11.10:6443,10.190.11.11:6443",
        ),
    },
];

fn map<const N: usize>(pairs: [(&str, &str); N]) -> std::collections::BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The whole homelab in one typed transaction.
async fn build(nb: &Client) -> Result<()> {
    let mut txn = ovn_nb::transaction();
    let mut uplink_ports = vec![txn.insert(&LogicalSwitchPort {
        name: "uplink-incusbr0".into(),
        r#type: "localnet".into(),
        addresses: ["unknown".to_string()].into(),
        options: map([("network_name", "incusbr0")]),
        ..Default::default()
    })];
    for (i, net) in NETWORKS.iter().enumerate() {
        let router = format!("lr-{}", net.name);
        let outside = format!("{router}-uplink");
        let inside = format!("{router}-{}", net.name);
        let outside_port = txn.insert(&LogicalRouterPort {
            name: outside.clone(),
            mac: format!("00:16:3e:dc:00:{:02x}", 0x0b + i),
            networks: [format!("{}/24", net.uplink_ip)].into(),
            ..Default::default()
        });
        let prefix_len = net.cidr.rsplit('/').next().unwrap_or("24");
        let inside_port = txn.insert(&LogicalRouterPort {
            name: inside.clone(),
            mac: format!("00:16:3e:be:{:02x}:01", 0x0a + i),
            networks: [format!("{}/{prefix_len}", net.gateway)].into(),
            ..Default::default()
        });
        let snat = txn.insert(&Nat {
            r#type: "snat".parse()?,
            external_ip: net.uplink_ip.into(),
            logical_ip: net.cidr.into(),
            ..Default::default()
        });
        let (lb_name, protocol, vip, backends) = net.lb;
        let lb = txn.insert(&LoadBalancer {
            name: lb_name.into(),
            protocol: Some(protocol.parse()?),
            vips: map([(vip, backends)]),
            ..Default::default()
        });
        txn.insert(&LogicalRouter {
            name: router.clone(),
            ports: [outside_port, inside_port].into(),
            nat: [snat].into(),
            load_balancer: [lb.clone()].into(),
            ..Default::default()
        });
        uplink_ports.push(txn.insert(&LogicalSwitchPort {
            name: format!("uplink-{router}"),
            r#type: "router".into(),
            addresses: ["router".to_string()].into(),
            options: map([("router-port", outside.as_str())]),
            ..Default::default()
        }));

        let dhcp = txn.insert(&DhcpOptions {
            cidr: net.cidr.into(),
            options: map([
                ("lease_time", "3600"),
                ("router", net.gateway),
                ("server_id", net.gateway),
                ("server_mac", &format!("00:16:3e:be:{:02x}:01", 0x0a + i)),
                ("dns_server", "10.190.10.10"),
            ]),
            external_ids: map([("network", net.name)]),
            ..Default::default()
        });
        let mut ports = vec![txn.insert(&LogicalSwitchPort {
            name: format!("{}-{router}", net.name),
            r#type: "router".into(),
            addresses: ["router".to_string()].into(),
            options: map([("router-port", inside.as_str())]),
            ..Default::default()
        })];
        for (instance, mac, ip) in net.instances {
            ports.push(txn.insert(&LogicalSwitchPort {
                name: format!("{}-{instance}", net.name),
                addresses: [format!("{mac} {ip}")].into(),
                port_security: [format!("{mac} {ip}")].into(),
                dhcpv4_options: Some(dhcp.clone()),
                ..Default::default()
            }));
        }
        txn.insert(&LogicalSwitch {
            name: net.name.into(),
            ports: ports.into_iter().collect(),
            load_balancer: [lb].into(),
            other_config: map([("subnet", net.cidr)]),
            ..Default::default()
        });
    }
    txn.insert(&LogicalSwitch {
        name: "uplink".into(),
        ports: uplink_ports.into_iter().collect(),
        ..Default::default()
    });
    txn.commit(nb).await?;
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<()> {
    let remote = std::env::args().nth(1);
    let sandbox = match &remote {
        Some(_) => None,
        None => Some(Sandbox::start(&["/usr/share/ovn/ovn-nb.ovsschema"])?),
    };
    let remote = match (&remote, &sandbox) {
        (Some(r), _) => r.clone(),
        (None, Some(sb)) => sb.remote(),
        (None, None) => return Err("no northbound database".into()),
    };
    let nb = Client::connect(ClientOptions::new(&remote)?.database(ovn_nb::NAME)).await?;
    build(&nb).await?;
    let switches: Vec<LogicalSwitch> = ovn_nb::select(&nb, []).await?;
    let routers: Vec<LogicalRouter> = ovn_nb::select(&nb, []).await?;
    println!(
        "wrote {} switches and {} routers in one typed transaction",
        switches.len(),
        routers.len()
    );
    let routes = homelab::host_routes(&nb).await?;
    println!("\n# Routes the homelab's host needs (read back from the database):");
    print!("{}", homelab::ip_route_lines(&routes));
    println!("\n# The same in netplan:");
    print!("{}", homelab::netplan(&routes));
    Ok(())
}
