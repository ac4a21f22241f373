//! Realistic Open_vSwitch contents: the root row and `br-int` with many pod ports, each with
//! one interface carrying an `external_ids:iface-id` as ovn-controller expects.

use ovsdb::data::{Atom, Datum, Row};
use ovsdb::ops::{Operation, UuidName};

use crate::raw::{RawConnection, RawError};

/// The name of port `i` (and of its interface).
pub fn port_name(i: u32) -> String {
    format!("port-{i}")
}

/// The `external_ids:iface-id` of port `i`'s interface.
pub fn iface_id(i: u32) -> String {
    format!("pod-{i}")
}

fn named(name: &str) -> Result<UuidName, RawError> {
    UuidName::new(name).map_err(|e| RawError::Rpc(e.to_string()))
}

/// The one transaction creating the root row, `br-int` (with its internal port) and `ports`
/// ports.
pub fn transaction(ports: u32) -> Result<Vec<Operation>, RawError> {
    let mut ops = Vec::with_capacity(2 * ports as usize + 4);
    let mut port_refs = Vec::with_capacity(ports as usize + 1);
    let mut add_port = |ops: &mut Vec<Operation>, i: Option<u32>| -> Result<(), RawError> {
        let (name, iface, kind) = match i {
            Some(i) => (port_name(i), Some(i), ""),
            None => ("br-int".to_string(), None, "internal"),
        };
        let tag = i.map_or("br".to_string(), |i| i.to_string());
        let iface_name = named(&format!("i{tag}"))?;
        let port_name_ref = named(&format!("p{tag}"))?;
        let mut row = Row::new()
            .with("name", Atom::from(name.as_str()))
            .with("type", Atom::from(kind));
        if let Some(i) = iface {
            row = row.with(
                "external_ids",
                Datum::map([
                    ("iface-id", iface_id(i)),
                    (
                        "attached-mac",
                        format!("0a:58:0a:00:{:02x}:{:02x}", i >> 8 & 0xff, i & 0xff),
                    ),
                    ("iface-status", "active".to_string()),
                ]),
            );
        }
        ops.push(
            Operation::insert("Interface", row)
                .with_uuid_name(iface_name.clone())
                .into(),
        );
        port_refs.push(port_name_ref.reference());
        ops.push(
            Operation::insert(
                "Port",
                Row::new()
                    .with("name", Atom::from(name.as_str()))
                    .with("interfaces", Datum::set([iface_name.reference()])),
            )
            .with_uuid_name(port_name_ref)
            .into(),
        );
        Ok(())
    };
    add_port(&mut ops, None)?;
    for i in 0..ports {
        add_port(&mut ops, Some(i))?;
    }
    let bridge = named("br")?;
    ops.push(
        Operation::insert(
            "Bridge",
            Row::new()
                .with("name", Atom::from("br-int"))
                .with("ports", Datum::set(port_refs))
                .with("fail_mode", Atom::from("secure")),
        )
        .with_uuid_name(bridge.clone())
        .into(),
    );
    ops.push(
        Operation::insert(
            "Open_vSwitch",
            Row::new()
                .with("bridges", Datum::set([bridge.reference()]))
                .with(
                    "external_ids",
                    Datum::map([("system-id", "bench-chassis"), ("hostname", "bench")]),
                ),
        )
        .into(),
    );
    Ok(ops)
}

/// Fills an Open_vSwitch database with `br-int` and `ports` ports, in one transaction.
pub fn populate(conn: &mut RawConnection, ports: u32) -> Result<(), RawError> {
    conn.transact("Open_vSwitch", &transaction(ports)?)?;
    Ok(())
}
