//! `show [SWITCH|ROUTER]`: the overview of switches and routers (`nbctl_show`, `print_ls`,
//! `print_lr`).
//!
//! Switches and routers come in the C IDL's iteration order (see
//! [`ovs_hash::idl_table_order`]); ports, NATs and gateway chassis in UUID order, the order
//! of the referencing set. (`show` monitors only `Gateway_Chassis.chassis_name`, so its
//! priority sort sees equal keys and keeps that order.)
//!
//! Without an argument it reads, in one transaction, only the columns it prints of the six
//! tables (see [`project`]); with one, the rows that switch or router reaches.

use std::fmt::Write;

use ovsdb::data::{Atom, Datum, Uuid};

use super::common;
use crate::ctl::context::uuids_of;
use crate::ctl::ovs_hash;
use crate::ctl::project::{self, int_of, str_of, Projection, Want};
use crate::ctl::{Command, CommandSpec, Context, CtlResult, Mode};

/// The table entries of this group.
pub fn commands() -> Vec<CommandSpec> {
    vec![CommandSpec {
        name: "show",
        min_args: 0,
        max_args: 1,
        options: "",
        mode: Mode::ReadOnly,
        run: show,
    }]
}

const LS: &str = "Logical_Switch";
const LSP: &str = "Logical_Switch_Port";
const LR: &str = "Logical_Router";
const LRP: &str = "Logical_Router_Port";
const NAT: &str = "NAT";
const GC: &str = "Gateway_Chassis";

/// The columns printed of each table: those most rows set, then those most leave at their
/// default (read only where set). The `*_I` constants index them.
const LS_COLS: &[&str] = &["name", "external_ids", "ports"];
const LSP_COLS: &[&str] = &["name", "external_ids", "addresses", "options"];
const LSP_SPARSE: &[&str] = &["type", "parent_name", "tag"];
const LR_COLS: &[&str] = &["name", "external_ids", "ports", "nat"];
const LRP_COLS: &[&str] = &["name", "mac", "networks", "options"];
const LRP_SPARSE: &[&str] = &["gateway_chassis"];
const NAT_COLS: &[&str] = &["external_ip", "logical_ip", "type"];
const NAT_SPARSE: &[&str] = &["external_port_range"];
const GC_COLS: &[&str] = &["chassis_name"];

const NAME: usize = 0;
const EXTERNAL_IDS: usize = 1;
const LS_PORTS: usize = 2;
const LSP_ADDRESSES: usize = 2;
const LSP_OPTIONS: usize = 3;
const LSP_TYPE: usize = 4;
const LSP_PARENT: usize = 5;
const LSP_TAG: usize = 6;
const LR_PORTS: usize = 2;
const LR_NAT: usize = 3;
const LRP_MAC: usize = 1;
const LRP_NETWORKS: usize = 2;
const LRP_OPTIONS: usize = 3;
const LRP_GATEWAY_CHASSIS: usize = 4;
const NAT_EXTERNAL_IP: usize = 0;
const NAT_LOGICAL_IP: usize = 1;
const NAT_TYPE: usize = 2;
const NAT_PORT_RANGE: usize = 3;

/// What `show` prints from.
#[derive(Default)]
struct View {
    ls: Projection,
    lsp: Projection,
    lr: Projection,
    lrp: Projection,
    nat: Projection,
    gc: Projection,
}

fn show(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let mut out = String::new();
    if let Some(id) = cmd.args.first() {
        if let Some(ls) = common::switch(ctx, id, false)? {
            let view = switch_view(ctx, ls)?;
            print_ls(&view, ls, &mut out);
        }
        if let Some(lr) = common::router(ctx, id, false)? {
            let view = router_view(ctx, lr)?;
            print_lr(&view, lr, &mut out);
        }
    } else {
        let view = read_all(ctx)?;
        let switches: Vec<Uuid> = view.ls.uuids().collect();
        for ls in ovs_hash::idl_table_order(&switches) {
            print_ls(&view, ls, &mut out);
        }
        let routers: Vec<Uuid> = view.lr.uuids().collect();
        for lr in ovs_hash::idl_table_order(&routers) {
            print_lr(&view, lr, &mut out);
        }
    }
    ctx.output.push_str(&out);
    Ok(())
}

/// `a` then `b`.
fn concat<'a>(a: &[&'a str], b: &[&'a str]) -> Vec<&'a str> {
    a.iter().chain(b).copied().collect()
}

/// Every table `show` prints from, in one transaction.
fn read_all(ctx: &mut Context<'_>) -> CtlResult<View> {
    let wants = [
        Want::dense(LS, LS_COLS),
        Want {
            table: LSP,
            columns: LSP_COLS,
            sparse: LSP_SPARSE,
        },
        Want::dense(LR, LR_COLS),
        Want {
            table: LRP,
            columns: LRP_COLS,
            sparse: LRP_SPARSE,
        },
        Want {
            table: NAT,
            columns: NAT_COLS,
            sparse: NAT_SPARSE,
        },
        Want::dense(GC, GC_COLS),
    ];
    let mut p = project::read(ctx, &wants)?.into_iter();
    let mut next = || p.next().unwrap_or_default();
    Ok(View {
        ls: next(),
        lsp: next(),
        lr: next(),
        lrp: next(),
        nat: next(),
        gc: next(),
    })
}

/// The rows a reference column of a held row points to, fetched if not held.
fn fetch(
    ctx: &mut Context<'_>,
    table: &str,
    uuid: Uuid,
    column: &str,
    target: &str,
) -> CtlResult<Vec<Uuid>> {
    let value = ctx.value(table, uuid, column);
    ctx.fetch_refs(target, &value)
}

/// What `show SWITCH` prints from: the switch and its ports.
fn switch_view(ctx: &mut Context<'_>, ls: Uuid) -> CtlResult<View> {
    let ports = fetch(ctx, LS, ls, "ports", LSP)?;
    Ok(View {
        ls: project::held(ctx, LS, &[ls], LS_COLS),
        lsp: project::held(ctx, LSP, &ports, &concat(LSP_COLS, LSP_SPARSE)),
        ..View::default()
    })
}

/// What `show ROUTER` prints from: the router, its ports and their gateway chassis, its NATs.
fn router_view(ctx: &mut Context<'_>, lr: Uuid) -> CtlResult<View> {
    let ports = fetch(ctx, LR, lr, "ports", LRP)?;
    let nats = fetch(ctx, LR, lr, "nat", NAT)?;
    let mut gcs = Vec::new();
    for lrp in &ports {
        gcs.extend(fetch(ctx, LRP, *lrp, "gateway_chassis", GC)?);
    }
    Ok(View {
        lr: project::held(ctx, LR, &[lr], LR_COLS),
        lrp: project::held(ctx, LRP, &ports, &concat(LRP_COLS, LRP_SPARSE)),
        nat: project::held(ctx, NAT, &nats, &concat(NAT_COLS, NAT_SPARSE)),
        gc: project::held(ctx, GC, &gcs, GC_COLS),
        ..View::default()
    })
}

/// The string value of map `d` at `key`.
fn map_str<'a>(d: &'a Datum, key: &str) -> Option<&'a str> {
    d.as_map()?.get_str(key)?.as_str()
}

/// ` (aka X)` when `external_ids:key` is set and not empty (`print_alias`).
fn push_alias(s: &mut String, external_ids: &Datum, key: &str) {
    if let Some(a) = map_str(external_ids, key).filter(|a| !a.is_empty()) {
        let _ = write!(s, " (aka {a})");
    }
}

/// `["a", "b"]`: the strings of a set, each in double quotes as is.
fn push_quoted_list(s: &mut String, set: &Datum) {
    s.push('[');
    let mut first = true;
    for a in set.as_set().into_iter().flat_map(|x| x.iter()) {
        if let Some(t) = a.as_str() {
            if !first {
                s.push_str(", ");
            }
            first = false;
            s.push('"');
            s.push_str(t);
            s.push('"');
        }
    }
    s.push(']');
}

/// Whether a set of strings is exactly `["router"]`.
fn is_just_router(set: &Datum) -> bool {
    matches!(set.as_scalar(), Some(Atom::String(a)) if a == "router")
}

fn print_ls(v: &View, ls: Uuid, s: &mut String) {
    let Some(row) = v.ls.get(ls) else {
        return;
    };
    let _ = write!(s, "switch {ls} ({})", str_of(&row[NAME]));
    push_alias(s, &row[EXTERNAL_IDS], "neutron:network_name");
    s.push('\n');
    for lsp in uuids_of(&row[LS_PORTS]) {
        if let Some(port) = v.lsp.get(lsp) {
            print_lsp(port, s);
        }
    }
}

fn print_lsp(row: &[Datum], s: &mut String) {
    s.push_str("    port ");
    s.push_str(str_of(&row[NAME]));
    push_alias(s, &row[EXTERNAL_IDS], "neutron:port_name");
    s.push('\n');
    let ty = str_of(&row[LSP_TYPE]);
    if !ty.is_empty() {
        let _ = writeln!(s, "        type: {ty}");
    }
    if let Some(Atom::String(parent)) = row[LSP_PARENT].as_scalar() {
        let _ = writeln!(s, "        parent: {parent}");
    }
    if let Some(tag) = int_of(&row[LSP_TAG]) {
        let _ = writeln!(s, "        tag: {tag}");
    }
    let addresses = &row[LSP_ADDRESSES];
    if !addresses.is_empty() && !is_just_router(addresses) {
        s.push_str("        addresses: ");
        push_quoted_list(s, addresses);
        s.push('\n');
    }
    if let Some(rp) = map_str(&row[LSP_OPTIONS], "router-port") {
        let _ = writeln!(s, "        router-port: {rp}");
    }
}

fn print_lr(v: &View, lr: Uuid, s: &mut String) {
    let Some(row) = v.lr.get(lr) else {
        return;
    };
    let _ = write!(s, "router {lr} ({})", str_of(&row[NAME]));
    push_alias(s, &row[EXTERNAL_IDS], "neutron:router_name");
    s.push('\n');
    for lrp in uuids_of(&row[LR_PORTS]) {
        if let Some(port) = v.lrp.get(lrp) {
            print_lrp(v, port, s);
        }
    }
    for nat in uuids_of(&row[LR_NAT]) {
        if let Some(n) = v.nat.get(nat) {
            print_nat(nat, n, s);
        }
    }
}

fn print_lrp(v: &View, row: &[Datum], s: &mut String) {
    let _ = writeln!(s, "    port {}", str_of(&row[NAME]));
    let _ = writeln!(s, "        mac: \"{}\"", str_of(&row[LRP_MAC]));
    let networks = &row[LRP_NETWORKS];
    if !networks.is_empty() {
        s.push_str("        networks: ");
        push_quoted_list(s, networks);
        s.push('\n');
    }
    if let Some(rt) = map_str(&row[LRP_OPTIONS], "route_table") {
        let _ = writeln!(s, "        route-table: {rt}");
    }
    let names: Vec<&str> = uuids_of(&row[LRP_GATEWAY_CHASSIS])
        .into_iter()
        .filter_map(|gc| v.gc.get(gc).map(|g| str_of(&g[NAME])))
        .collect();
    if !names.is_empty() {
        let _ = writeln!(s, "        gateway chassis: [{}]", names.join(" "));
    }
}

fn print_nat(nat: Uuid, row: &[Datum], s: &mut String) {
    let _ = writeln!(s, "    nat {nat}");
    let _ = writeln!(
        s,
        "        external ip: \"{}\"",
        str_of(&row[NAT_EXTERNAL_IP])
    );
    let range = str_of(&row[NAT_PORT_RANGE]);
    if !range.is_empty() {
        let _ = writeln!(s, "        external port(s): \"{range}\"");
    }
    let _ = writeln!(
        s,
        "        logical ip: \"{}\"",
        str_of(&row[NAT_LOGICAL_IP])
    );
    let _ = writeln!(s, "        type: \"{}\"", str_of(&row[NAT_TYPE]));
}
