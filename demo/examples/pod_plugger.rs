//! A tiny controller on the typed API: it watches pod ports in the OVN northbound database and
//! plugs the ones scheduled on its node into `br-int` ([`demo::plugger`]); `ovn-controller`
//! then binds them.
//!
//! `cargo run -p demo --example pod_plugger -- NB-REMOTE OVS-REMOTE NODE` runs the agent
//! against a real deployment until Ctrl-C (e.g. `unix:/var/run/ovn/ovnnb_db.sock
//! unix:/var/run/openvswitch/db.sock node1`). Without arguments it starts a private OVN
//! sandbox and plays the ovn-kubernetes master itself, with typed transactions: a node switch
//! with two pod ports; both come up; one pod is deleted and is unplugged.

use std::error::Error;
use std::time::Duration;

use demo::plugger;
use ovn_nb::{LogicalSwitch, LogicalSwitchPort};
use ovn_sb::{Chassis, PortBinding};
use ovs_vswitch::Interface;
use ovsdb::client::{Client, ClientOptions};
use ovsdb::testing::OvnSandbox;
use ovsdb::typed::Table;

type Result<T> = std::result::Result<T, Box<dyn Error + Send + Sync>>;

const NODE: &str = "node1";

async fn connect(remote: &str, db: &str) -> Result<Client> {
    Ok(Client::connect(ClientOptions::new(remote)?.database(db)).await?)
}

/// A pod port as ovn-kubernetes' master writes it.
fn pod_port(namespace: &str, pod: &str, mac: &str, ip: &str) -> LogicalSwitchPort {
    LogicalSwitchPort {
        name: format!("{namespace}_{pod}"),
        addresses: [format!("{mac} {ip}")].into(),
        port_security: [format!("{mac} {ip}")].into(),
        external_ids: [
            ("namespace".to_string(), namespace.to_string()),
            ("pod".to_string(), "true".to_string()),
        ]
        .into(),
        options: [("requested-chassis".to_string(), NODE.to_string())].into(),
        ..Default::default()
    }
}

/// Polls `check` every 50 ms until it holds (at most 60 s).
async fn eventually<F, Fut>(what: &str, mut check: F) -> Result<()>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<bool>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while !check().await? {
        if tokio::time::Instant::now() > deadline {
            return Err(format!("timed out waiting for {what}").into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

/// The chassis name of `port`'s Port_Binding, if it is bound.
async fn bound_to(sb: &Client, port: &str) -> Result<Option<String>> {
    let bindings: Vec<PortBinding> =
        ovn_sb::select(sb, [PortBinding::LOGICAL_PORT.eq(port)]).await?;
    let Some(chassis) = bindings.first().and_then(|b| b.chassis.clone()) else {
        return Ok(None);
    };
    let uuid = chassis.uuid().ok_or("a chassis reference without a UUID")?;
    let rows: Vec<Chassis> = ovn_sb::select(sb, []).await?;
    Ok(rows
        .into_iter()
        .find(|c| c.row_uuid() == Some(uuid))
        .map(|c| c.name))
}

async fn showcase(ovn: &OvnSandbox) -> Result<()> {
    let nb = connect(&ovn.nb_remote(), ovn_nb::NAME).await?;
    let sb = connect(&ovn.sb_remote(), ovn_sb::NAME).await?;
    let ovs = connect(&ovn.ovs_remote(), ovs_vswitch::NAME).await?;
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let agent = {
        let (nb, ovs) = (nb.clone(), ovs.clone());
        tokio::spawn(async move {
            plugger::run(&nb, &ovs, NODE, async {
                let _ = stop_rx.await;
            })
            .await
        })
    };

    println!("master: a switch for {NODE} with two pod ports (one typed transaction)");
    let mut txn = ovn_nb::transaction();
    let web = txn.insert(&pod_port(
        "default",
        "web-0",
        "0a:58:0a:f4:00:05",
        "10.244.0.5",
    ));
    let dns = txn.insert(&pod_port(
        "kube-system",
        "coredns-0",
        "0a:58:0a:f4:00:06",
        "10.244.0.6",
    ));
    txn.insert(&LogicalSwitch {
        name: NODE.into(),
        ports: [web, dns].into(),
        other_config: [("subnet".to_string(), "10.244.0.0/24".to_string())].into(),
        ..Default::default()
    });
    txn.commit(&nb).await?;

    for port in ["default_web-0", "kube-system_coredns-0"] {
        eventually(&format!("{port} up"), || async {
            let rows: Vec<LogicalSwitchPort> = ovn_nb::by_name(&nb, port).await?;
            Ok(rows.first().and_then(|p| p.up) == Some(true))
        })
        .await?;
        let iface: Vec<Interface> = plugged_iface(&ovs, port).await?;
        let installed = iface
            .first()
            .and_then(|i| i.external_ids.get("ovn-installed").cloned());
        println!(
            "  {port}: plugged as {}, NB up=true, ovn-installed={installed:?}, SB chassis={:?}",
            plugger::iface_name(port),
            bound_to(&sb, port).await?
        );
    }

    println!("master: pod default/web-0 is deleted");
    let mut txn = ovn_nb::transaction();
    txn.delete([LogicalSwitchPort::NAME.eq("default_web-0")]);
    let gone: Vec<LogicalSwitchPort> = ovn_nb::by_name(&nb, "default_web-0").await?;
    let refs: Vec<_> = gone.iter().filter_map(LogicalSwitchPort::row_ref).collect();
    txn.mutate(
        [LogicalSwitch::NAME.eq(NODE)],
        [LogicalSwitch::PORTS.delete(refs)],
    );
    txn.commit(&nb).await?;
    eventually("the interface of default_web-0 to go", || async {
        Ok(plugged_iface(&ovs, "default_web-0").await?.is_empty())
    })
    .await?;
    println!(
        "  default_web-0: unplugged, br-int has no {}",
        plugger::iface_name("default_web-0")
    );

    let _ = stop_tx.send(());
    agent.await??;
    Ok(())
}

/// The Interface the agent made for logical port `port`.
async fn plugged_iface(ovs: &Client, port: &str) -> Result<Vec<Interface>> {
    Ok(ovs_vswitch::by_name(ovs, &plugger::iface_name(port)).await?)
}

#[tokio::main]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [nb, ovs, node] = args.as_slice() {
        let nb = connect(nb, ovn_nb::NAME).await?;
        let ovs = connect(ovs, ovs_vswitch::NAME).await?;
        println!(
            "plugging the pod ports of {node} into {}; Ctrl-C stops",
            plugger::BRIDGE
        );
        return plugger::run(&nb, &ovs, node, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await;
    }
    // Started on the main thread (block_on runs main's future there): the sandbox's processes
    // are tied to the thread that started them.
    let ovn = OvnSandbox::builder().chassis(NODE).start()?;
    println!(
        "OVN sandbox in {} ({})",
        ovn.dir().display(),
        ovn.datapath().describe()
    );
    let result = tokio::select! {
        r = showcase(&ovn) => r,
        _ = tokio::signal::ctrl_c() => Err("interrupted".into()),
    };
    if result.is_err() {
        eprintln!("{}", ovn.logs());
    }
    result
}
