//! NAT rules: `lr-nat-add`, `lr-nat-del`, `lr-nat-list`, `lr-nat-update-ext-ip`.

use ovsdb::data::{Atom, Datum, Row, Uuid};
use ovsdb::ops::{Condition, Mutation, Mutator};

use super::addr::{self, pad};
use super::common::{self, string};
use super::router::{must_lr, opt_string, smap, strings};
use crate::ctl::context::log;
use crate::ctl::ovs_hash;
use crate::ctl::{Command, CommandSpec, Context, CtlError, CtlResult, Mode};

const LR: &str = "Logical_Router";
const LRP: &str = "Logical_Router_Port";
const NAT: &str = "NAT";

/// The table entries of this group.
pub fn commands() -> Vec<CommandSpec> {
    vec![
        CommandSpec {
            name: "lr-nat-add",
            min_args: 4,
            max_args: 7,
            options: "--may-exist,--stateless,--portrange,--add-route,--gateway-port=",
            mode: Mode::ReadWrite,
            run: lr_nat_add,
        },
        CommandSpec {
            name: "lr-nat-del",
            min_args: 1,
            max_args: 4,
            options: "--if-exists",
            mode: Mode::ReadWrite,
            run: lr_nat_del,
        },
        CommandSpec {
            name: "lr-nat-list",
            min_args: 1,
            max_args: 1,
            options: "",
            mode: Mode::ReadOnly,
            run: lr_nat_list,
        },
        CommandSpec {
            name: "lr-nat-update-ext-ip",
            min_args: 4,
            max_args: 4,
            options: "--is-exempted",
            mode: Mode::ReadWrite,
            run: lr_nat_update_ext_ip,
        },
    ]
}

fn check_type(t: &str) -> CtlResult<()> {
    if matches!(t, "dnat" | "snat" | "dnat_and_snat") {
        Ok(())
    } else {
        Err(CtlError::new(format!(
            "{t}: type must be one of \"dnat\", \"snat\" and \"dnat_and_snat\"."
        )))
    }
}

/// The NAT rows of a router (fetched).
fn nats(ctx: &mut Context<'_>, lr: Uuid) -> CtlResult<Vec<Uuid>> {
    let refs = ctx.idl_value(LR, lr, "nat");
    ctx.fetch_refs(NAT, &refs)
}

/// The `gateway_port` of a NAT row.
fn gateway_port(ctx: &Context<'_>, nat: Uuid) -> Option<Uuid> {
    match ctx.value(NAT, nat, "gateway_port").as_scalar() {
        Some(Atom::Uuid(u)) => Some(*u),
        _ => None,
    }
}

/// `is_valid_port_range`.
fn is_valid_port_range(range: &str) -> bool {
    // strtok_r skips leading separators; strtol reads a leading number (0 if none).
    let mut tokens = range.split('-').filter(|t| !t.is_empty());
    let Some(lo) = tokens.next() else {
        return false;
    };
    if strtol(lo) <= 0 {
        return false;
    }
    if !range.contains('-') {
        return true;
    }
    let rest_start = range.find(lo).map_or(range.len(), |i| i + lo.len());
    let rest = range[rest_start..].trim_start_matches('-');
    let (hi, after) = match rest.find('-') {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, ""),
    };
    if hi.is_empty() || !after.is_empty() {
        return false;
    }
    let (lo, hi) = (strtol(lo), strtol(hi));
    lo < hi && hi <= 65535
}

/// `strtol(s, NULL, 10)` clamped to int, as `is_valid_port_range` uses it (0 if no digits).
fn strtol(s: &str) -> i64 {
    let t = s.trim_start();
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let n = digits.bytes().take_while(u8::is_ascii_digit).count();
    let v: i64 = digits[..n].bytes().fold(0i64, |a, d| {
        a.saturating_mul(10).saturating_add(i64::from(d - b'0'))
    });
    let v = if neg { -v } else { v };
    v.clamp(i64::from(i32::MIN), i64::from(i32::MAX))
}

/// Whether a router port is a distributed gateway port.
fn is_dgw(ctx: &Context<'_>, lrp: Uuid) -> bool {
    !ctx.idl_value(LRP, lrp, "ha_chassis_group").is_empty()
        || !ctx.idl_value(LRP, lrp, "gateway_chassis").is_empty()
}

/// `ip_in_lrp_networks`.
fn ip_in_lrp(ctx: &Context<'_>, lrp: Uuid, ip: &str) -> bool {
    let mac = string(ctx, LRP, lrp, "mac");
    let networks = strings(ctx, LRP, lrp, "networks");
    addr::extract_lrp_networks(&mac, &networks).is_some_and(|n| addr::in_networks(&n, ip))
}

/// A parsed `lr-nat-add`.
struct NewNat {
    nat_type: String,
    external_ip: String,
    new_external_ip: String,
    new_logical_ip: String,
    logical_port: Option<String>,
    external_mac: Option<String>,
    port_range: Option<String>,
}

fn lr_nat_add(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let lr = must_lr(ctx, cmd.arg(0))?;
    let nat_type = cmd.arg(1);
    check_type(nat_type)?;
    let external_ip = cmd.arg(2);
    let logical_ip = cmd.arg(3);
    let (new_external_ip, v6) = match addr::normalize_ipv4_addr_str(external_ip) {
        Some(ip) => (ip, false),
        None => match addr::normalize_ipv6_addr_str(external_ip) {
            Some(ip) => (ip, true),
            None => {
                return Err(CtlError::new(format!(
                    "{external_ip}: Not a valid IPv4 or IPv6 address."
                )))
            }
        },
    };
    let family = if v6 { "IPv6" } else { "IPv4" };
    let new_logical_ip = if nat_type != "snat" {
        let ip = if v6 {
            addr::normalize_ipv6_addr_str(logical_ip)
        } else {
            addr::normalize_ipv4_addr_str(logical_ip)
        };
        ip.ok_or_else(|| CtlError::new(format!("{logical_ip}: Not a valid {family} address.")))?
    } else {
        let ip = if v6 {
            addr::normalize_ipv6_prefix_str(logical_ip)
        } else {
            addr::normalize_ipv4_prefix_str(logical_ip)
        };
        ip.ok_or_else(|| {
            CtlError::new(format!(
                "{logical_ip}: should be an {family} address or network."
            ))
        })?
    };
    let (logical_port, external_mac, port_range) = nat_extra_args(ctx, cmd, nat_type)?;
    let new = NewNat {
        nat_type: nat_type.to_string(),
        external_ip: external_ip.to_string(),
        new_external_ip,
        new_logical_ip,
        logical_port,
        external_mac,
        port_range,
    };
    add_nat(ctx, cmd, lr, &new)
}

type Extra = (Option<String>, Option<String>, Option<String>);

/// LOGICAL_PORT EXTERNAL_MAC [EXTERNAL_PORT_RANGE], or just the range with `--portrange`.
fn nat_extra_args(ctx: &mut Context<'_>, cmd: &Command, nat_type: &str) -> CtlResult<Extra> {
    let portrange = cmd.has("--portrange");
    let need_mac = || CtlError::new("lr-nat-add with logical_port must also specify external_mac.");
    let check_range = |r: &str| {
        if is_valid_port_range(r) {
            Ok(Some(r.to_string()))
        } else {
            Err(CtlError::new(format!("invalid port range {r}.")))
        }
    };
    match cmd.args.len() {
        5 => {
            if !portrange {
                return Err(need_mac());
            }
            Ok((None, None, check_range(cmd.arg(4))?))
        }
        n if n >= 6 => {
            if nat_type != "dnat_and_snat" {
                return Err(CtlError::new(
                    "logical_port and external_mac are only valid when type is \"dnat_and_snat\".",
                ));
            }
            if n == 6 && portrange {
                return Err(need_mac());
            }
            let port = cmd.arg(4);
            if common::switch_port(ctx, port, true)?.is_none() {
                return Err(CtlError::new(format!("{port}: port name not found")));
            }
            let mac = cmd.arg(5);
            if addr::eth_addr_from_string(mac).is_none() {
                return Err(CtlError::new(format!("invalid mac address {mac}.")));
            }
            let range = if n > 6 {
                check_range(cmd.arg(6))?
            } else {
                None
            };
            Ok((Some(port.to_string()), Some(mac.to_string()), range))
        }
        _ => Ok((None, None, None)),
    }
}

/// The distributed gateway port of the rule and how many the router has.
fn find_dgw(
    ctx: &mut Context<'_>,
    cmd: &Command,
    lr: Uuid,
    new: &NewNat,
) -> CtlResult<(Option<Uuid>, usize)> {
    let refs = ctx.idl_value(LR, lr, "ports");
    let ports = ctx.fetch_refs(LRP, &refs)?;
    let n_dgw = ports.iter().filter(|p| is_dgw(ctx, **p)).count();
    if let Some(name) = cmd.value("--gateway-port") {
        let dgw = common::router_port(ctx, name, true)?
            .ok_or_else(|| CtlError::new(format!("{name}: port name not found")))?;
        if !ports.contains(&dgw) {
            return Err(CtlError::new(format!(
                "{name} is not a router port of logical router: {}.",
                cmd.arg(0)
            )));
        }
        if !is_dgw(ctx, dgw) {
            return Err(CtlError::new(format!(
                "{name} is not a distributed gateway router port."
            )));
        }
        return Ok((Some(dgw), n_dgw));
    }
    let mut dgw = None;
    for p in &ports {
        if is_dgw(ctx, *p) && ip_in_lrp(ctx, *p, &new.new_external_ip) {
            dgw = Some(*p);
        }
    }
    if n_dgw > 1 && dgw.is_none() {
        return Err(CtlError::new(format!(
            "logical router: {} has multiple distributed gateway ports and gateway_port can not be determined from external IP of NAT rule.",
            cmd.arg(0)
        )));
    }
    Ok((dgw, n_dgw))
}

fn add_nat(ctx: &mut Context<'_>, cmd: &Command, lr: Uuid, new: &NewNat) -> CtlResult<()> {
    let may_exist = cmd.has("--may-exist");
    let stateless = cmd.has("--stateless");
    let add_route = cmd.has("--add-route");
    let is_snat = new.nat_type == "snat";
    if new.nat_type != "dnat_and_snat" && stateless {
        return Err(CtlError::new(
            "stateless is not applicable to dnat or snat types",
        ));
    }
    if is_snat && add_route {
        return Err(CtlError::new("routes cannot be added for snat types."));
    }
    let (dgw, n_dgw) = find_dgw(ctx, cmd, lr, new)?;
    for nat in nats(ctx, lr)? {
        if check_existing(ctx, nat, new, dgw, n_dgw, may_exist, stateless)? {
            return Ok(());
        }
    }
    let mut options = vec![("stateless", if stateless { "true" } else { "false" })];
    if add_route {
        options.push(("add_route", "true"));
    }
    let mut row = Row::new()
        .with("type", new.nat_type.as_str())
        .with("external_ip", new.external_ip.as_str())
        .with("logical_ip", new.new_logical_ip.as_str())
        .with("options", Datum::map(options));
    if let (Some(p), Some(m)) = (&new.logical_port, &new.external_mac) {
        row.insert("logical_port", Datum::from(p.as_str()));
        row.insert("external_mac", Datum::from(m.as_str()));
    }
    if let Some(r) = &new.port_range {
        row.insert("external_port_range", Datum::from(r.as_str()));
    }
    if cmd.value("--gateway-port").is_some() {
        if let Some(d) = dgw {
            row.insert("gateway_port", Datum::from(Atom::Uuid(d)));
        }
    }
    let nat = ctx.insert(NAT, None, row)?;
    ctx.mutate(
        LR,
        lr,
        Mutation::new("nat", Mutator::Insert, Datum::from(Atom::Uuid(nat))),
    )
}

/// Compares a new rule with an existing one: Ok(true) when `lr-nat-add` is done (a
/// `--may-exist` update or a tolerated duplicate), an error for a conflict.
fn check_existing(
    ctx: &mut Context<'_>,
    nat: Uuid,
    new: &NewNat,
    dgw: Option<Uuid>,
    n_dgw: usize,
    may_exist: bool,
    stateless: bool,
) -> CtlResult<bool> {
    let Some(old_ext) = addr::normalize_prefix_str(&string(ctx, NAT, nat, "external_ip")) else {
        return Ok(false);
    };
    let Some(old_log) = addr::normalize_prefix_str(&string(ctx, NAT, nat, "logical_ip")) else {
        return Ok(false);
    };
    let old_type = string(ctx, NAT, nat, "type");
    let is_snat = new.nat_type == "snat";
    let old_gw = gateway_port(ctx, nat);
    let same_gw = n_dgw <= 1
        || (old_gw.is_some() && old_gw == dgw)
        || (old_gw.is_none() && dgw.is_some_and(|d| ip_in_lrp(ctx, d, &old_ext)));
    let mut done = false;
    // An error of the first check is replaced by one of the second (`ctl_error` discards it).
    let mut pending: Option<CtlError> = None;
    if new.nat_type == old_type && same_gw {
        let (new_key, old_key, new_other, old_other) = if is_snat {
            (
                &new.new_logical_ip,
                &old_log,
                &new.new_external_ip,
                &old_ext,
            )
        } else {
            (
                &new.new_external_ip,
                &old_ext,
                &new.new_logical_ip,
                &old_log,
            )
        };
        if new_key == old_key {
            if new_other == old_other {
                if !may_exist {
                    pending = Some(CtlError::new(format!(
                        "{}, {}: a NAT with this external_ip and logical_ip already exists",
                        new.new_external_ip, new.new_logical_ip
                    )));
                } else {
                    update_existing(ctx, nat, new)?;
                }
                done = true;
            } else {
                pending = Some(CtlError::new(format!(
                    "a NAT with this type ({}), {} ({}) already exists",
                    new.nat_type,
                    if is_snat { "logical_ip" } else { "external_ip" },
                    new_key
                )));
                done = true;
            }
        }
    }
    if (new.nat_type == "dnat_and_snat" || old_type == "dnat_and_snat")
        && old_ext == new.new_external_ip
    {
        let old_stateless = smap(ctx, NAT, nat, "options")
            .iter()
            .any(|(k, v)| k == "stateless" && v == "true");
        if old_stateless || stateless {
            if !may_exist {
                if let Some(p) = pending.take() {
                    log(
                        "db_ctl_base",
                        "ERR",
                        &format!("Discarding unhandled error: {}", p.message),
                    );
                }
                return Err(CtlError::new(format!(
                    "{}, {}: External ip cannot be shared across stateless and stateful NATs",
                    new.new_external_ip, new.new_logical_ip
                )));
            }
            done = true;
        }
    }
    match pending {
        Some(e) => Err(e),
        None => Ok(done),
    }
}

/// `--may-exist` on an identical rule: its logical port and external MAC are replaced.
fn update_existing(ctx: &mut Context<'_>, nat: Uuid, new: &NewNat) -> CtlResult<()> {
    let port = new.logical_port.as_deref().map(Datum::from);
    let mac = new.external_mac.as_deref().map(Datum::from);
    ctx.set(NAT, nat, "logical_port", port.unwrap_or_default())?;
    ctx.set(NAT, nat, "external_mac", mac.unwrap_or_default())
}

fn lr_nat_del(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let lr = must_lr(ctx, cmd.arg(0))?;
    if cmd.args.len() == 1 {
        return ctx.set(LR, lr, "nat", Datum::empty_set());
    }
    let nat_type = cmd.arg(1);
    check_type(nat_type)?;
    let all = nats(ctx, lr)?;
    let type_matches = |ctx: &Context<'_>, n: Uuid| string(ctx, NAT, n, "type") == nat_type;
    if cmd.args.len() == 2 {
        for n in all {
            if type_matches(ctx, n) {
                remove(ctx, lr, n)?;
            }
        }
        return Ok(());
    }
    let nat_ip = addr::normalize_prefix_str(cmd.arg(2));
    let is_snat = nat_type == "snat";
    let ip_col = if is_snat { "logical_ip" } else { "external_ip" };
    let ip_of =
        |ctx: &Context<'_>, n: Uuid| addr::normalize_prefix_str(&string(ctx, NAT, n, ip_col));
    if cmd.args.len() == 3 {
        let Some(nat_ip) = nat_ip else {
            let dgw = must_port(ctx, cmd.arg(2))?;
            for n in all {
                if type_matches(ctx, n) && gateway_port(ctx, n) == Some(dgw) {
                    remove(ctx, lr, n)?;
                }
            }
            return Ok(());
        };
        for n in all {
            if type_matches(ctx, n) && ip_of(ctx, n).as_ref() == Some(&nat_ip) {
                remove(ctx, lr, n)?;
            }
        }
        return Ok(());
    }
    let Some(nat_ip) = nat_ip else {
        return Err(CtlError::new(format!(
            "{}: Invalid IP address or CIDR",
            cmd.arg(2)
        )));
    };
    let dgw = must_port(ctx, cmd.arg(3))?;
    for n in all {
        if type_matches(ctx, n)
            && ip_of(ctx, n).as_ref() == Some(&nat_ip)
            && gateway_port(ctx, n) == Some(dgw)
        {
            return remove(ctx, lr, n);
        }
    }
    if !cmd.has("--if-exists") {
        return Err(CtlError::new(format!(
            "no matching NAT with the type ({nat_type}), {ip_col} ({nat_ip}) and gateway_port ({})",
            cmd.arg(3)
        )));
    }
    Ok(())
}

/// `lrp_by_name_or_uuid(..., must_exist = true)`.
fn must_port(ctx: &mut Context<'_>, id: &str) -> CtlResult<Uuid> {
    common::router_port(ctx, id, true)?
        .ok_or_else(|| CtlError::new(format!("{id}: port name not found")))
}

fn remove(ctx: &mut Context<'_>, lr: Uuid, nat: Uuid) -> CtlResult<()> {
    ctx.mutate(
        LR,
        lr,
        Mutation::new("nat", Mutator::Delete, Datum::from(Atom::Uuid(nat))),
    )
}

fn lr_nat_list(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let lr = must_lr(ctx, cmd.arg(0))?;
    let all = nats(ctx, lr)?;
    let gw_refs: Vec<Atom> = all
        .iter()
        .filter_map(|n| gateway_port(ctx, *n).map(Atom::Uuid))
        .collect();
    ctx.fetch_refs(LRP, &Datum::set(gw_refs))?;
    let mut entries: Vec<(String, String)> = Vec::new();
    for n in &all {
        let gw = gateway_port(ctx, *n)
            .filter(|g| ctx.row(LRP, *g).is_some())
            .map(|g| string(ctx, LRP, g, "name"))
            .unwrap_or_default();
        let key = format!(
            "{}{}{}",
            pad(&string(ctx, NAT, *n, "type"), 17, 13),
            pad(&gw, 22, 18),
            string(ctx, NAT, *n, "external_ip")
        );
        let range = string(ctx, NAT, *n, "external_port_range");
        let logical_ip = string(ctx, NAT, *n, "logical_ip");
        let value = match (
            opt_string(ctx, NAT, *n, "external_mac"),
            opt_string(ctx, NAT, *n, "logical_port"),
        ) {
            (Some(mac), Some(port)) => format!(
                "{}{}{}{port}",
                pad(&range, 17, 13),
                pad(&logical_ip, 20, 16),
                pad(&mac, 21, 17)
            ),
            _ => format!("{}{logical_ip}", pad(&range, 17, 13)),
        };
        entries.push((key, value));
    }
    if entries.is_empty() {
        return Ok(());
    }
    // smap_sort over the smap's own (hash) order, which decides ties.
    let mut sorted: Vec<(String, String)> = ovs_hash::smap_order(&entries);
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out = format!(
        "{}{}{}{}{}{}LOGICAL_PORT\n",
        pad("TYPE", 17, 13),
        pad("GATEWAY_PORT", 22, 18),
        pad("EXTERNAL_IP", 19, 15),
        pad("EXTERNAL_PORT", 17, 13),
        pad("LOGICAL_IP", 20, 16),
        pad("EXTERNAL_MAC", 21, 17)
    );
    for (k, v) in sorted {
        out.push_str(&format!("{}{v}\n", pad(&k, 58, 54)));
    }
    ctx.output.push_str(&out);
    Ok(())
}

fn lr_nat_update_ext_ip(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let lr = must_lr(ctx, cmd.arg(0))?;
    let nat_type = cmd.arg(1);
    check_type(nat_type)?;
    let set_id = cmd.arg(3);
    let set = address_set(ctx, set_id)?;
    let Some(nat_ip) = addr::normalize_prefix_str(cmd.arg(2)) else {
        return Err(CtlError::new(format!(
            "{}: Invalid IP address or CIDR",
            cmd.arg(2)
        )));
    };
    let col = if nat_type == "snat" {
        "logical_ip"
    } else {
        "external_ip"
    };
    for n in nats(ctx, lr)? {
        let Some(old) = addr::normalize_prefix_str(&string(ctx, NAT, n, col)) else {
            continue;
        };
        if string(ctx, NAT, n, "type") == nat_type && old == nat_ip {
            let target = if cmd.has("--is-exempted") {
                "exempted_ext_ips"
            } else {
                "allowed_ext_ips"
            };
            return ctx.set(NAT, n, target, Datum::from(Atom::Uuid(set)));
        }
    }
    Err(CtlError::new(format!(
        "{nat_type}: Could not locate nat rule for: {nat_ip}."
    )))
}

/// `address_set_by_name_or_uuid(..., must_exist = true)`.
fn address_set(ctx: &mut Context<'_>, id: &str) -> CtlResult<Uuid> {
    let as_uuid = Uuid::parse(id).ok();
    if let Some(u) = as_uuid {
        if ctx.fetch_row("Address_Set", u)?.is_some() {
            return Ok(u);
        }
    }
    let hits = ctx.query("Address_Set", &[Condition::eq("name", id)])?;
    match hits.as_slice() {
        [one] => Ok(*one),
        [] => Err(CtlError::new(format!(
            "{id}: Address Set {} not found",
            if as_uuid.is_some() { "UUID" } else { "name" }
        ))),
        _ => Err(CtlError::new(format!(
            "Multiple Address Sets named '{id}'.  Use a UUID."
        ))),
    }
}
