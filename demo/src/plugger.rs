//! A tiny node agent on the typed API: it watches the northbound database for pod ports
//! scheduled on its node and plugs each into `br-int`, as a CNI would, unplugging it when the
//! port goes away.
//!
//! A pod port is a `Logical_Switch_Port` with `external_ids:pod=true` and
//! `options:requested-chassis=<node>` (what ovn-kubernetes writes). The agent keeps a typed
//! replica of those ports ([`Client::replicate`], [`TypedEvent`]) and, per port, commits one
//! typed `Open_vSwitch` transaction: a new `Interface` (type `internal`, so `ovs-vswitchd` makes
//! the device itself) with `external_ids:iface-id`, `attached_mac` and `ip_address`, its `Port`,
//! and the `Bridge` mutation that adds the port; `ovn-controller` then binds it.

use std::collections::BTreeMap;
use std::time::Duration;

use ovn_nb::LogicalSwitchPort;
use ovs_vswitch::{Bridge, Interface, Port};
use ovsdb::client::{Client, ReplicaOptions};
use ovsdb::monitor::MonitorRequest;
use ovsdb::typed::{Table, TypedEvent};

use crate::Result;

/// The integration bridge.
pub const BRIDGE: &str = "br-int";

/// Whether `port` is a pod port scheduled on `node`.
pub fn wanted(port: &LogicalSwitchPort, node: &str) -> bool {
    port.external_ids.get("pod").map(String::as_str) == Some("true")
        && port.options.get("requested-chassis").map(String::as_str) == Some(node)
}

/// The interface name for a logical port: `pod` and the first hex digits of a stable hash of
/// its name (Linux allows 15 characters, logical port names are longer).
pub fn iface_name(port: &str) -> String {
    // FNV-1a: stable across runs and Rust versions, unlike the std hasher.
    let hash = port.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("pod{:010x}", hash >> 24)
}

/// The `Interface` row for a pod port: MAC and IP from its first `addresses` entry.
fn interface_for(port: &LogicalSwitchPort) -> Interface {
    let mut words = port
        .addresses
        .iter()
        .next()
        .map(|a| a.split_whitespace())
        .into_iter()
        .flatten();
    let mut external_ids = BTreeMap::from([("iface-id".to_string(), port.name.clone())]);
    if let Some(mac) = words.next() {
        external_ids.insert("attached_mac".into(), mac.into());
    }
    if let Some(ip) = words.next() {
        external_ids.insert("ip_address".into(), ip.into());
    }
    Interface {
        name: iface_name(&port.name),
        r#type: "internal".into(),
        external_ids,
        ..Default::default()
    }
}

/// Plugs `port` into `br-int` unless its interface exists already: one transaction.
pub async fn plug(ovs: &Client, port: &LogicalSwitchPort) -> Result<()> {
    let iface = interface_for(port);
    if !ovs_vswitch::by_name::<Interface>(ovs, &iface.name)
        .await?
        .is_empty()
    {
        return Ok(());
    }
    let mut txn = ovs_vswitch::transaction();
    let iface_ref = txn.insert(&iface);
    let port_ref = txn.insert(&Port {
        name: iface.name.clone(),
        interfaces: [iface_ref].into(),
        ..Default::default()
    });
    txn.mutate(
        [Bridge::NAME.eq(BRIDGE)],
        [Bridge::PORTS.insert([port_ref])],
    );
    txn.commit(ovs).await?;
    Ok(())
}

/// Takes `port`'s interface off `br-int` (the `Port` and `Interface` rows, no longer
/// referenced, are garbage-collected by the server).
pub async fn unplug(ovs: &Client, port: &str) -> Result<()> {
    let name = iface_name(port);
    let found: Vec<Port> = ovs_vswitch::by_name(ovs, &name).await?;
    let refs: Vec<_> = found.iter().filter_map(Port::row_ref).collect();
    if refs.is_empty() {
        return Ok(());
    }
    let mut txn = ovs_vswitch::transaction();
    txn.mutate([Bridge::NAME.eq(BRIDGE)], [Bridge::PORTS.delete(refs)]);
    txn.commit(ovs).await?;
    Ok(())
}

/// Runs the agent for `node` until `stop` completes: plugs the pod ports present at start,
/// then follows inserts, updates and deletes.
pub async fn run(
    nb: &Client,
    ovs: &Client,
    node: &str,
    stop: impl std::future::Future<Output = ()>,
) -> Result<()> {
    let mut replica = nb
        .replicate(
            ovn_nb::NAME,
            vec![(
                LogicalSwitchPort::TABLE.into(),
                MonitorRequest::columns(["name", "addresses", "external_ids", "options"]),
            )],
            ReplicaOptions::default().with_events(),
        )
        .await?;
    replica.synced(Duration::from_secs(60)).await?;
    // Events queued before the initial contents were read are covered by that read.
    while replica.try_next_events().is_some() {}
    let present: Vec<LogicalSwitchPort> = replica
        .read(|r| r.rows_typed::<LogicalSwitchPort>())
        .into_iter()
        .collect::<std::result::Result<_, _>>()?;
    for port in present.iter().filter(|p| wanted(p, node)) {
        plug(ovs, port).await?;
    }

    tokio::pin!(stop);
    loop {
        let batch = tokio::select! {
            batch = replica.next_events() => batch,
            () = &mut stop => return Ok(()),
        };
        let Some(batch) = batch else {
            return Err("the northbound connection closed".into());
        };
        for event in batch
            .iter()
            .filter_map(TypedEvent::<LogicalSwitchPort>::from_event)
        {
            match event? {
                TypedEvent::Insert(new) if wanted(&new, node) => plug(ovs, &new).await?,
                TypedEvent::Update { old, new } => match (wanted(&old, node), wanted(&new, node)) {
                    (false, true) => plug(ovs, &new).await?,
                    (true, false) => unplug(ovs, &old.name).await?,
                    _ => {}
                },
                TypedEvent::Delete(old) if wanted(&old, node) => unplug(ovs, &old.name).await?,
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn port(name: &str, pod: bool, chassis: &str) -> LogicalSwitchPort {
        let mut p = LogicalSwitchPort {
            name: name.into(),
            addresses: ["0a:58:0a:f4:00:05 10.244.0.5".to_string()].into(),
            ..Default::default()
        };
        if pod {
            p.external_ids.insert("pod".into(), "true".into());
        }
        p.options.insert("requested-chassis".into(), chassis.into());
        p
    }

    #[test]
    fn picks_pod_ports_of_this_node() {
        assert!(wanted(&port("default_a", true, "node1"), "node1"));
        assert!(!wanted(&port("default_a", true, "node2"), "node1"));
        assert!(!wanted(&port("stor-node1", false, "node1"), "node1"));
    }

    #[test]
    fn interface_names_are_short_and_stable() {
        let name = iface_name("kube-system_coredns-5d78c9869d-abcde");
        assert_eq!(name.len(), 13);
        assert_eq!(name, iface_name("kube-system_coredns-5d78c9869d-abcde"));
        assert_ne!(name, iface_name("kube-system_coredns-5d78c9869d-abcdf"));
    }

    #[test]
    fn interface_carries_the_cni_external_ids() {
        let iface = interface_for(&port("default_a", true, "node1"));
        assert_eq!(iface.r#type, "internal");
        assert_eq!(iface.external_ids["iface-id"], "default_a");
        assert_eq!(iface.external_ids["attached_mac"], "0a:58:0a:f4:00:05");
        assert_eq!(iface.external_ids["ip_address"], "10.244.0.5");
    }
}
