//! The southbound view of what OVN did, read with the typed `ovn-sb` crate: every
//! Port_Binding with the chassis that claimed it.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use ovn_sb::{Chassis, PortBinding};
use ovsdb::client::{Client, ClientOptions};
use ovsdb::typed::Table;

use crate::Result;

/// One Port_Binding, with its chassis resolved to a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// The logical port.
    pub logical_port: String,
    /// Its type (`""` for a VIF, `patch`, `l3gateway`, `chassisredirect`, `localnet`, ...).
    pub kind: String,
    /// The chassis that claimed it, if any.
    pub chassis: Option<String>,
    /// What ovn-controller reported in `up` (absent for port types it does not report).
    pub up: Option<bool>,
    /// The port's MAC/IP addresses.
    pub mac: Vec<String>,
}

/// Connects to the southbound database at `remote`.
pub async fn connect(remote: &str) -> Result<Client> {
    Ok(Client::connect(ClientOptions::new(remote)?.database(ovn_sb::NAME)).await?)
}

/// Every Port_Binding, sorted by logical port.
pub async fn bindings(client: &Client) -> Result<Vec<Binding>> {
    let chassis: Vec<Chassis> = ovn_sb::select(client, []).await?;
    let names: BTreeMap<_, _> = chassis
        .iter()
        .filter_map(|c| Some((c.row_uuid()?, c.name.clone())))
        .collect();
    let ports: Vec<PortBinding> = ovn_sb::select(client, []).await?;
    let mut out: Vec<Binding> = ports
        .into_iter()
        .map(|p| Binding {
            chassis: p
                .chassis
                .as_ref()
                .and_then(|c| c.uuid())
                .and_then(|u| names.get(&u).cloned()),
            logical_port: p.logical_port,
            kind: p.r#type,
            up: p.up,
            mac: p.mac.into_iter().collect(),
        })
        .collect();
    out.sort_by(|a, b| a.logical_port.cmp(&b.logical_port));
    Ok(out)
}

/// The bindings as a table for people.
pub fn table(bindings: &[Binding]) -> String {
    let mut out = format!(
        "{:<28} {:<16} {:<10} {:<5} {}\n",
        "LOGICAL PORT", "TYPE", "CHASSIS", "UP", "MAC"
    );
    for b in bindings {
        let up = match b.up {
            Some(true) => "true",
            Some(false) => "false",
            None => "-",
        };
        let _ = writeln!(
            out,
            "{:<28} {:<16} {:<10} {:<5} {}",
            b.logical_port,
            if b.kind.is_empty() { "(vif)" } else { &b.kind },
            b.chassis.as_deref().unwrap_or("-"),
            up,
            b.mac.join(", ")
        );
    }
    out
}
