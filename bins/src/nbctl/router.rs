//! Logical routers and their ports: `lr-add`, `lr-del`, `lr-list`, `lrp-*` (ports, gateway
//! chassis, enabled state, redirect type, options).

use std::collections::BTreeSet;

use ovsdb::data::{Atom, Datum, Row, Uuid};
use ovsdb::ops::{Condition, Mutation, Mutator};

use super::addr;
use super::common::{self, string};
use crate::ctl::{db_commands, Command, CommandSpec, Context, CtlError, CtlResult, Mode};

const LR: &str = "Logical_Router";
const LRP: &str = "Logical_Router_Port";
const GC: &str = "Gateway_Chassis";

/// The table entries of this group.
pub fn commands() -> Vec<CommandSpec> {
    let c = CommandSpec::new;
    use Mode::{ReadOnly as RO, ReadWrite as RW};
    vec![
        c("lr-add", 0, 1, "--may-exist,--add-duplicate", RW, lr_add),
        c("lr-del", 1, 1, "--if-exists", RW, lr_del),
        c("lr-list", 0, 0, "", RO, lr_list),
        c("lrp-add", 4, usize::MAX, "--may-exist", RW, lrp_add),
        c(
            "lrp-set-gateway-chassis",
            2,
            3,
            "--may-exist",
            RW,
            lrp_set_gateway_chassis,
        ),
        c("lrp-set-options", 1, usize::MAX, "", RW, lrp_set_options),
        c(
            "lrp-del-gateway-chassis",
            2,
            2,
            "",
            RW,
            lrp_del_gateway_chassis,
        ),
        c(
            "lrp-get-gateway-chassis",
            1,
            1,
            "",
            RO,
            lrp_get_gateway_chassis,
        ),
        c("lrp-del", 1, 1, "--if-exists", RW, lrp_del),
        c("lrp-list", 1, 1, "", RO, lrp_list),
        c("lrp-set-enabled", 2, 2, "", RW, lrp_set_enabled),
        c("lrp-get-enabled", 1, 1, "", RO, lrp_get_enabled),
        c("lrp-set-redirect-type", 2, 2, "", RW, lrp_set_redirect_type),
        c("lrp-get-redirect-type", 1, 1, "", RO, lrp_get_redirect_type),
    ]
}

/// The strings of a string set column of a held row.
pub fn strings(ctx: &Context<'_>, table: &str, uuid: Uuid, column: &str) -> Vec<String> {
    match ctx.value(table, uuid, column) {
        Datum::Set(s) => s
            .iter()
            .filter_map(|a| a.as_str().map(str::to_string))
            .collect(),
        Datum::Map(_) => Vec::new(),
    }
}

/// The value of an optional string column of a held row.
pub fn opt_string(ctx: &Context<'_>, table: &str, uuid: Uuid, column: &str) -> Option<String> {
    match ctx.value(table, uuid, column).as_scalar() {
        Some(Atom::String(s)) => Some(s.to_string()),
        _ => None,
    }
}

/// A string-to-string map column of a held row, in key order.
pub fn smap(ctx: &Context<'_>, table: &str, uuid: Uuid, column: &str) -> Vec<(String, String)> {
    match ctx.value(table, uuid, column) {
        Datum::Map(m) => m
            .iter()
            .filter_map(|(k, v)| Some((k.as_str()?.to_string(), v.as_str()?.to_string())))
            .collect(),
        Datum::Set(_) => Vec::new(),
    }
}

/// `KEY=VALUE` arguments as a map (arguments without `=` are ignored; a later key wins).
pub fn key_values(args: &[String]) -> Datum {
    Datum::map(
        args.iter()
            .filter_map(|a| a.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string())),
    )
}

/// `lrp_by_name_or_uuid` with a must-exist error.
fn must_lrp(ctx: &mut Context<'_>, id: &str) -> CtlResult<Uuid> {
    common::router_port(ctx, id, true)?
        .ok_or_else(|| CtlError::new(format!("{id}: port name not found")))
}

/// `lr_by_name_or_uuid` with a must-exist error.
pub fn must_lr(ctx: &mut Context<'_>, id: &str) -> CtlResult<Uuid> {
    common::router(ctx, id, true)?
        .ok_or_else(|| CtlError::new(format!("{id}: router name not found")))
}

/// `lrp_to_lr`.
fn lrp_to_lr(ctx: &mut Context<'_>, lrp: Uuid) -> CtlResult<Uuid> {
    common::parent_of(ctx, LR, "ports", lrp)?.ok_or_else(|| {
        let name = string(ctx, LRP, lrp, "name");
        CtlError::new(format!("port {name} is not part of any logical router"))
    })
}

fn lr_add(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    common::add_named_root(ctx, cmd, LR, "router")
}

fn lr_del(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    if let Some(lr) = common::router(ctx, cmd.arg(0), !cmd.has("--if-exists"))? {
        ctx.delete(LR, lr)?;
    }
    Ok(())
}

fn lr_list(ctx: &mut Context<'_>, _cmd: &Command) -> CtlResult<()> {
    common::print_all_uuid_name_list(ctx, LR)
}

/// The normalised set of networks, or None if one does not parse (`lrp_network_sset`).
fn network_set(networks: &[String]) -> Option<BTreeSet<String>> {
    networks
        .iter()
        .map(|n| addr::normalize_prefix_str(n))
        .collect()
}

fn lrp_add(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let may_exist = cmd.has("--may-exist");
    let lr = must_lr(ctx, cmd.arg(0))?;
    let name = cmd.arg(1);
    let mac = cmd.arg(2);
    let rest = &cmd.args[3..];
    let n_networks = rest
        .iter()
        .position(|a| a.contains('='))
        .unwrap_or(rest.len());
    if n_networks == 0 {
        return Err(CtlError::new(format!(
            "{name}: router port requires specifying a network"
        )));
    }
    let (networks, settings) = rest.split_at(n_networks);
    let Some(ea) = addr::eth_addr_from_string(mac) else {
        return Err(CtlError::new(format!("{name}: invalid mac address {mac}")));
    };
    if let Some(lrp) = common::router_port(ctx, name, false)? {
        if !may_exist {
            return Err(CtlError::new(format!(
                "{name}: a port with this name already exists"
            )));
        }
        return lrp_add_existing(ctx, lr, lrp, name, ea, networks, settings);
    }
    for n in networks {
        if addr::ip_parse_cidr(n).is_err() && addr::ipv6_parse_cidr(n).is_err() {
            return Err(CtlError::new(format!(
                "{name}: invalid network address: {n}"
            )));
        }
    }
    let row = Row::new()
        .with("name", name)
        .with("mac", mac)
        .with("networks", Datum::set(networks.iter().map(String::as_str)));
    let lrp = ctx.insert(LRP, None, row)?;
    for s in settings {
        db_commands::set_column(ctx, LRP, lrp, s)?;
    }
    ctx.mutate(
        LR,
        lr,
        Mutation::new("ports", Mutator::Insert, Datum::from(Atom::Uuid(lrp))),
    )
}

/// `--may-exist lrp-add` on a port that exists: a no-op if it matches, else an error.
fn lrp_add_existing(
    ctx: &mut Context<'_>,
    lr: Uuid,
    lrp: Uuid,
    name: &str,
    ea: [u8; 6],
    networks: &[String],
    settings: &[String],
) -> CtlResult<()> {
    let bound = lrp_to_lr(ctx, lrp)?;
    if bound != lr {
        let bound_name = common::name_or_uuid(ctx, LR, bound);
        return Err(CtlError::new(format!(
            "{name}: port already exists but in router {bound_name}"
        )));
    }
    let have_mac = string(ctx, LRP, lrp, "mac");
    if addr::eth_addr_from_string(&have_mac).unwrap_or([0; 6]) != ea {
        return Err(CtlError::new(format!(
            "{name}: port already exists with mac {have_mac}"
        )));
    }
    let Some(new) = network_set(networks) else {
        return Err(CtlError::new(format!(
            "{name}: Invalid networks configured"
        )));
    };
    let Some(orig) = network_set(&strings(ctx, LRP, lrp, "networks")) else {
        return Err(CtlError::new(format!(
            "{name}: Existing port has invalid networks configured"
        )));
    };
    if new != orig {
        return Err(CtlError::new(format!(
            "{name}: port already exists with different network"
        )));
    }
    let peer = settings.iter().find_map(|s| s.strip_prefix("peer="));
    let have_peer = opt_string(ctx, LRP, lrp, "peer");
    if peer != have_peer.as_deref() {
        return Err(CtlError::new(format!(
            "{name}: port already exists with mismatching peer"
        )));
    }
    Ok(())
}

fn lrp_del(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let Some(lrp) = common::router_port(ctx, cmd.arg(0), !cmd.has("--if-exists"))? else {
        return Ok(());
    };
    let lr = lrp_to_lr(ctx, lrp)?;
    ctx.mutate(
        LR,
        lr,
        Mutation::new("ports", Mutator::Delete, Datum::from(Atom::Uuid(lrp))),
    )?;
    ctx.delete(LRP, lrp)
}

fn lrp_list(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let lr = must_lr(ctx, cmd.arg(0))?;
    let refs = ctx.idl_value(LR, lr, "ports");
    let ports = ctx.fetch_refs(LRP, &refs)?;
    common::print_uuid_name_list(ctx, LRP, &ports);
    Ok(())
}

fn lrp_set_gateway_chassis(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let lrp_name = cmd.arg(0);
    let lrp = must_lrp(ctx, lrp_name)?;
    let chassis = cmd.arg(1);
    let priority = if cmd.args.len() == 3 {
        addr::parse_priority(cmd.arg(2))?
    } else {
        0
    };
    let gc_name = format!("{lrp_name}-{chassis}");
    let gc = match gc_by_name(ctx, &gc_name)? {
        Some(gc) => gc,
        None => ctx.insert(
            GC,
            None,
            Row::new()
                .with("name", gc_name.as_str())
                .with("chassis_name", chassis),
        )?,
    };
    ctx.set(GC, gc, "priority", Datum::from(priority))?;
    ctx.mutate(
        LRP,
        lrp,
        Mutation::new(
            "gateway_chassis",
            Mutator::Insert,
            Datum::from(Atom::Uuid(gc)),
        ),
    )
}

/// `gc_by_name_or_uuid(..., must_exist = false)`.
fn gc_by_name(ctx: &mut Context<'_>, id: &str) -> CtlResult<Option<Uuid>> {
    if let Ok(u) = Uuid::parse(id) {
        if ctx.fetch_row(GC, u)?.is_some() {
            return Ok(Some(u));
        }
    }
    Ok(ctx
        .query(GC, &[Condition::eq("name", id)])?
        .first()
        .copied())
}

fn lrp_del_gateway_chassis(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let lrp = must_lrp(ctx, cmd.arg(0))?;
    let chassis = cmd.arg(1);
    let refs = ctx.idl_value(LRP, lrp, "gateway_chassis");
    let gcs = ctx.fetch_refs(GC, &refs)?;
    let n = gcs.len();
    for gc in gcs {
        let have = string(ctx, GC, gc, "chassis_name");
        // strncmp over the stored name's length: a prefix of the argument matches.
        if chassis.as_bytes().starts_with(have.as_bytes()) {
            if n == 1 {
                ctx.set(LRP, lrp, "gateway_chassis", Datum::empty_set())?;
            } else {
                ctx.mutate(
                    LRP,
                    lrp,
                    Mutation::new(
                        "gateway_chassis",
                        Mutator::Delete,
                        Datum::from(Atom::Uuid(gc)),
                    ),
                )?;
            }
            // The C IDL drops the row only at commit (garbage collection): until then the
            // port still lists it, so it is not deleted from the view here.
            return Ok(());
        }
    }
    Err(CtlError::new(format!(
        "chassis {chassis} is not added to logical port {}",
        cmd.arg(0)
    )))
}

fn lrp_get_gateway_chassis(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let lrp = must_lrp(ctx, cmd.arg(0))?;
    let refs = ctx.idl_value(LRP, lrp, "gateway_chassis");
    let gcs = ctx.fetch_refs(GC, &refs)?;
    let mut list: Vec<(i64, String)> = gcs
        .iter()
        .map(|gc| {
            (
                common::integer(ctx, GC, *gc, "priority").unwrap_or(0),
                string(ctx, GC, *gc, "name"),
            )
        })
        .collect();
    // compare_chassis_prio_: higher priority first, then names in descending order.
    list.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| b.1.cmp(&a.1)));
    for (prio, name) in list {
        ctx.output.push_str(&format!("{name} {prio:5}\n"));
    }
    Ok(())
}

fn lrp_set_options(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let lrp = must_lrp(ctx, cmd.arg(0))?;
    ctx.set(LRP, lrp, "options", key_values(&cmd.args[1..]))
}

fn lrp_set_enabled(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let lrp = must_lrp(ctx, cmd.arg(0))?;
    let enabled = addr::parse_enabled(cmd.arg(1))?;
    ctx.set(LRP, lrp, "enabled", Datum::from(Atom::Boolean(enabled)))
}

fn lrp_get_enabled(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let lrp = must_lrp(ctx, cmd.arg(0))?;
    let enabled = !matches!(
        ctx.value(LRP, lrp, "enabled").as_scalar(),
        Some(Atom::Boolean(false))
    );
    ctx.output
        .push_str(if enabled { "enabled\n" } else { "disabled\n" });
    Ok(())
}

fn lrp_set_redirect_type(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let lrp = must_lrp(ctx, cmd.arg(0))?;
    let ty = cmd.arg(1);
    if !ty.eq_ignore_ascii_case("bridged") && !ty.eq_ignore_ascii_case("overlay") {
        return Err(CtlError::new(format!("Invalid redirect type: {ty}")));
    }
    let mut options = ctx.value(LRP, lrp, "options");
    if let Datum::Map(m) = &mut options {
        m.insert(Atom::string("redirect-type"), Atom::string(ty));
    }
    ctx.set(LRP, lrp, "options", options)
}

fn lrp_get_redirect_type(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let lrp = must_lrp(ctx, cmd.arg(0))?;
    let ty = smap(ctx, LRP, lrp, "options")
        .into_iter()
        .find(|(k, _)| k == "redirect-type")
        .map(|(_, v)| v)
        .unwrap_or_else(|| "overlay".to_string());
    ctx.output.push_str(&format!("{ty}\n"));
    Ok(())
}
