//! `show [SWITCH|ROUTER]`: the overview of switches and routers (`nbctl_show`, `print_ls`,
//! `print_lr`).
//!
//! Switches and routers come in the C IDL's iteration order (see
//! [`ovs_hash::idl_table_order`]); ports, NATs and gateway chassis in UUID order, the order
//! of the referencing set. (`show` monitors only `Gateway_Chassis.chassis_name`, so its
//! priority sort sees equal keys and keeps that order.)

use ovsdb::data::{Atom, Datum, Uuid};

use super::common::{self, string};
use crate::ctl::ovs_hash;
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

fn show(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let mut out = String::new();
    if let Some(id) = cmd.args.first() {
        if let Some(ls) = common::switch(ctx, id, false)? {
            print_ls(ctx, ls, &mut out)?;
        }
        if let Some(lr) = common::router(ctx, id, false)? {
            print_lr(ctx, lr, &mut out)?;
        }
    } else {
        let (switches, routers) = load_all(ctx)?;
        for ls in ovs_hash::idl_table_order(&switches) {
            print_ls(ctx, ls, &mut out)?;
        }
        for lr in ovs_hash::idl_table_order(&routers) {
            print_lr(ctx, lr, &mut out)?;
        }
    }
    ctx.output.push_str(&out);
    Ok(())
}

/// Reads every table `show` prints from, each once and only if some row refers to it, so the
/// references are all held afterwards: the switches and the routers.
fn load_all(ctx: &mut Context<'_>) -> CtlResult<(Vec<Uuid>, Vec<Uuid>)> {
    let switches = ctx.all(LS)?;
    if any_refs(ctx, LS, &switches, "ports") {
        ctx.all(LSP)?;
    }
    let routers = ctx.all(LR)?;
    if any_refs(ctx, LR, &routers, "nat") {
        ctx.all("NAT")?;
    }
    if any_refs(ctx, LR, &routers, "ports") {
        let ports = ctx.all(LRP)?;
        if any_refs(ctx, LRP, &ports, "gateway_chassis") {
            ctx.all("Gateway_Chassis")?;
        }
    }
    Ok((switches, routers))
}

/// Whether any of `rows` has a non-empty `column`.
fn any_refs(ctx: &Context<'_>, table: &str, rows: &[Uuid], column: &str) -> bool {
    rows.iter()
        .any(|r| !ctx.value(table, *r, column).is_empty())
}

/// ` (aka X)` when `external_ids:key` is set and not empty (`print_alias`).
fn alias(ctx: &Context<'_>, table: &str, uuid: Uuid, key: &str) -> String {
    match ctx
        .value(table, uuid, "external_ids")
        .as_map()
        .and_then(|m| m.get_str(key))
    {
        Some(Atom::String(a)) if !a.is_empty() => format!(" (aka {a})"),
        _ => String::new(),
    }
}

/// The strings of a set column, in set order.
fn strings(ctx: &Context<'_>, table: &str, uuid: Uuid, column: &str) -> Vec<String> {
    ctx.value(table, uuid, column)
        .as_set()
        .map(|s| {
            s.iter()
                .filter_map(|a| a.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// `["a", "b"]`, each element in double quotes as is.
fn quoted_list(items: &[String]) -> String {
    let inner: Vec<String> = items.iter().map(|i| format!("\"{i}\"")).collect();
    format!("[{}]", inner.join(", "))
}

/// A value of a string-to-string map column.
fn map_value(
    ctx: &Context<'_>,
    table: &str,
    uuid: Uuid,
    column: &str,
    key: &str,
) -> Option<String> {
    ctx.value(table, uuid, column)
        .as_map()
        .and_then(|m| m.get_str(key))
        .and_then(Atom::as_str)
        .map(str::to_string)
}

/// The rows a reference column points to (fetched in one round trip if not held).
fn refs(
    ctx: &mut Context<'_>,
    table: &str,
    uuid: Uuid,
    column: &str,
    target: &str,
) -> CtlResult<Vec<Uuid>> {
    let value: Datum = ctx.value(table, uuid, column);
    ctx.fetch_refs(target, &value)
}

fn print_ls(ctx: &mut Context<'_>, ls: Uuid, s: &mut String) -> CtlResult<()> {
    let name = string(ctx, LS, ls, "name");
    let aka = alias(ctx, LS, ls, "neutron:network_name");
    s.push_str(&format!("switch {ls} ({name}){aka}\n"));
    for lsp in refs(ctx, LS, ls, "ports", LSP)? {
        print_lsp(ctx, lsp, s);
    }
    Ok(())
}

fn print_lsp(ctx: &Context<'_>, lsp: Uuid, s: &mut String) {
    let name = string(ctx, LSP, lsp, "name");
    let aka = alias(ctx, LSP, lsp, "neutron:port_name");
    s.push_str(&format!("    port {name}{aka}\n"));
    let ty = string(ctx, LSP, lsp, "type");
    if !ty.is_empty() {
        s.push_str(&format!("        type: {ty}\n"));
    }
    if let Some(Atom::String(parent)) = ctx.value(LSP, lsp, "parent_name").as_scalar() {
        s.push_str(&format!("        parent: {parent}\n"));
    }
    if let Some(tag) = common::integer(ctx, LSP, lsp, "tag") {
        s.push_str(&format!("        tag: {tag}\n"));
    }
    let addresses = strings(ctx, LSP, lsp, "addresses");
    if !addresses.is_empty() && addresses != ["router"] {
        s.push_str(&format!("        addresses: {}\n", quoted_list(&addresses)));
    }
    if let Some(rp) = map_value(ctx, LSP, lsp, "options", "router-port") {
        s.push_str(&format!("        router-port: {rp}\n"));
    }
}

fn print_lr(ctx: &mut Context<'_>, lr: Uuid, s: &mut String) -> CtlResult<()> {
    let name = string(ctx, LR, lr, "name");
    let aka = alias(ctx, LR, lr, "neutron:router_name");
    s.push_str(&format!("router {lr} ({name}){aka}\n"));
    for lrp in refs(ctx, LR, lr, "ports", LRP)? {
        print_lrp(ctx, lrp, s)?;
    }
    for nat in refs(ctx, LR, lr, "nat", "NAT")? {
        print_nat(ctx, nat, s);
    }
    Ok(())
}

fn print_lrp(ctx: &mut Context<'_>, lrp: Uuid, s: &mut String) -> CtlResult<()> {
    let name = string(ctx, LRP, lrp, "name");
    s.push_str(&format!("    port {name}\n"));
    let mac = string(ctx, LRP, lrp, "mac");
    s.push_str(&format!("        mac: \"{mac}\"\n"));
    let networks = strings(ctx, LRP, lrp, "networks");
    if !networks.is_empty() {
        s.push_str(&format!("        networks: {}\n", quoted_list(&networks)));
    }
    if let Some(rt) = map_value(ctx, LRP, lrp, "options", "route_table") {
        s.push_str(&format!("        route-table: {rt}\n"));
    }
    let gcs = refs(ctx, LRP, lrp, "gateway_chassis", "Gateway_Chassis")?;
    if !gcs.is_empty() {
        let names: Vec<String> = gcs
            .iter()
            .map(|gc| string(ctx, "Gateway_Chassis", *gc, "chassis_name"))
            .collect();
        s.push_str(&format!("        gateway chassis: [{}]\n", names.join(" ")));
    }
    Ok(())
}

fn print_nat(ctx: &Context<'_>, nat: Uuid, s: &mut String) {
    let field = |col: &str| string(ctx, "NAT", nat, col);
    s.push_str(&format!("    nat {nat}\n"));
    s.push_str(&format!(
        "        external ip: \"{}\"\n",
        field("external_ip")
    ));
    let range = field("external_port_range");
    if !range.is_empty() {
        s.push_str(&format!("        external port(s): \"{range}\"\n"));
    }
    s.push_str(&format!(
        "        logical ip: \"{}\"\n",
        field("logical_ip")
    ));
    s.push_str(&format!("        type: \"{}\"\n", field("type")));
}
