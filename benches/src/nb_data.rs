//! Realistic OVN Northbound contents: logical switches full of ovn-kubernetes-style pod ports,
//! with deterministic UUIDs so the fixtures they produce are stable.

use ovsdb::data::{Atom, Datum, Row, Uuid};
use ovsdb::ops::{Operation, UuidName};

use crate::raw::{RawConnection, RawError};

/// The UUID of switch `s` (deterministic).
pub fn switch_uuid(s: u32) -> Uuid {
    let mut b = [0u8; 16];
    b[0..4].copy_from_slice(&s.to_be_bytes());
    b[6] = 0x40; // version 4 layout
    b[8] = 0x80;
    Uuid::from_bytes(b)
}

/// The UUID of port `p` of switch `s` (deterministic).
pub fn port_uuid(s: u32, p: u32) -> Uuid {
    let mut b = [0u8; 16];
    b[0..4].copy_from_slice(&s.to_be_bytes());
    b[4] = 0x01;
    b[6] = 0x40;
    b[8] = 0x80;
    b[12..16].copy_from_slice(&p.to_be_bytes());
    Uuid::from_bytes(b)
}

/// One port row as ovn-kubernetes creates them.
pub fn port_row(s: u32, p: u32) -> Row {
    let mac = format!(
        "0a:58:0a:{:02x}:{:02x}:{:02x}",
        s >> 8 & 0xff,
        s & 0xff,
        p & 0xff
    );
    let ip = format!("10.{}.{}.{}", 128 + (s >> 8 & 0x3f), s & 0xff, p % 250 + 3);
    let addr = format!("{mac} {ip}");
    Row::new()
        .with("name", Atom::from(format!("ns{s}_pod-{p}")))
        .with("addresses", Datum::set([addr.as_str()]))
        .with("port_security", Datum::set([addr.as_str()]))
        .with(
            "external_ids",
            Datum::map([
                ("namespace", format!("ns{s}")),
                ("pod", "true".to_string()),
                ("iface-id-ver", format!("{}", port_uuid(s, p))),
            ]),
        )
        .with(
            "options",
            Datum::map([("requested-chassis", format!("node-{s}"))]),
        )
        .with("enabled", Datum::from(Atom::from(true)))
}

/// The transaction creating switch `s` with `ports` ports.
pub fn switch_transaction(s: u32, ports: u32) -> Result<Vec<Operation>, RawError> {
    let mut ops = Vec::with_capacity(ports as usize + 1);
    let mut refs = Vec::with_capacity(ports as usize);
    for p in 0..ports {
        let name = UuidName::new(&format!("p{p}")).map_err(|e| RawError::Rpc(e.to_string()))?;
        refs.push(name.reference());
        ops.push(
            Operation::insert("Logical_Switch_Port", port_row(s, p))
                .with_uuid_name(name)
                .with_uuid(port_uuid(s, p))
                .into(),
        );
    }
    let sw = Row::new()
        .with("name", Atom::from(format!("node-{s}")))
        .with(
            "other_config",
            Datum::map([(
                "subnet",
                format!("10.{}.{}.0/24", 128 + (s >> 8 & 0x3f), s & 0xff),
            )]),
        )
        .with("ports", Datum::set(refs));
    ops.push(
        Operation::insert("Logical_Switch", sw)
            .with_uuid(switch_uuid(s))
            .into(),
    );
    Ok(ops)
}

/// Fills an OVN_Northbound database with `switches` switches of `ports` ports each, one
/// transaction per switch.
pub fn populate(conn: &mut RawConnection, switches: u32, ports: u32) -> Result<(), RawError> {
    for s in 0..switches {
        conn.transact("OVN_Northbound", &switch_transaction(s, ports)?)?;
    }
    Ok(())
}
