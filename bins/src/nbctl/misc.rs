//! The rest of ovn-nbctl's commands: `init`, `sync`, connections, SSL, DHCP options,
//! HA chassis groups, mirrors, static MAC bindings and forwarding groups.

use ovsdb::data::{Atom, Datum, Row, Uuid};
use ovsdb::ops::{Condition, Mutation, Mutator};

use super::acl::parse_priority;
use super::addr2;
use super::common::{self, integer, string};
use crate::ctl::context::uuids_of;
use crate::ctl::{Command, CommandSpec, Context, CtlError, CtlResult, Mode};

/// The table entries of this group.
pub fn commands() -> Vec<CommandSpec> {
    let c = CommandSpec::new;
    let rw = Mode::ReadWrite;
    let ro = Mode::ReadOnly;
    vec![
        c("init", 0, 0, "", rw, nothing),
        c("sync", 0, 0, "", ro, sync),
        c("get-connection", 0, 0, "", ro, get_connection),
        c("del-connection", 0, 0, "", rw, del_connection),
        c(
            "set-connection",
            1,
            usize::MAX,
            "--inactivity-probe=",
            rw,
            set_connection,
        ),
        c("get-ssl", 0, 0, "", ro, get_ssl),
        c("del-ssl", 0, 0, "", rw, del_ssl),
        c("set-ssl", 3, 5, "--bootstrap", rw, set_ssl),
        c("dhcp-options-create", 1, usize::MAX, "", rw, dhcp_create),
        c("dhcp-options-del", 1, 1, "", rw, dhcp_del),
        c("dhcp-options-list", 0, 0, "", ro, dhcp_list),
        c(
            "dhcp-options-set-options",
            1,
            usize::MAX,
            "",
            rw,
            dhcp_set_options,
        ),
        c("dhcp-options-get-options", 1, 1, "", ro, dhcp_get_options),
        c("ha-chassis-group-add", 1, 1, "", rw, ha_add),
        c("ha-chassis-group-del", 1, 1, "", rw, ha_del),
        c("ha-chassis-group-list", 0, 0, "", ro, ha_list),
        c("ha-chassis-group-add-chassis", 3, 3, "", rw, ha_add_chassis),
        c(
            "ha-chassis-group-remove-chassis",
            2,
            2,
            "",
            rw,
            ha_remove_chassis,
        ),
        c(
            "ha-chassis-group-set-chassis-prio",
            3,
            3,
            "",
            rw,
            ha_set_prio,
        ),
        c("mirror-add", 5, 5, "--may-exist", rw, mirror_add),
        c("mirror-del", 0, 1, "", rw, mirror_del),
        c("mirror-list", 0, 0, "", ro, mirror_list),
        c("static-mac-binding-add", 3, 3, "--may-exist", rw, smb_add),
        c("static-mac-binding-del", 2, 2, "--if-exists", rw, smb_del),
        c("static-mac-binding-list", 0, 0, "", ro, smb_list),
        c("fwd-group-add", 4, usize::MAX, "--liveness", rw, fwd_add),
        c("fwd-group-del", 1, 1, "--if-exists", rw, fwd_del),
        c("fwd-group-list", 0, 1, "", ro, fwd_list),
        c("copp-add", 3, 3, "", rw, copp_add),
        c("copp-del", 1, 2, "", rw, copp_del),
        c("copp-list", 1, 1, "", ro, copp_list),
    ]
}

/// A lookup made with `must_exist` always finds its row.
fn required(row: Option<Uuid>) -> CtlResult<Uuid> {
    row.ok_or_else(|| CtlError::new("row not found"))
}

/// `init` does nothing (the NB_Global row is made by every run that lacks it).
fn nothing(_ctx: &mut Context<'_>, _cmd: &Command) -> CtlResult<()> {
    Ok(())
}

/// `sync`: with `--wait`, waits even when nothing else changes (`force_wait`).
fn sync(ctx: &mut Context<'_>, _cmd: &Command) -> CtlResult<()> {
    super::wait::before_commit(ctx)
}

/// The NB_Global row (every run makes sure there is one).
fn nb_global(ctx: &mut Context<'_>) -> CtlResult<Uuid> {
    ctx.all("NB_Global")?
        .first()
        .copied()
        .ok_or_else(|| CtlError::new("no NB_Global row"))
}

/// `KEY=VALUE` arguments as a map (arguments without `=` are skipped).
fn key_values(args: &[String]) -> Datum {
    Datum::map(args.iter().filter_map(|a| a.split_once('=')))
}

// ------------------------------------------------------------------ connections

fn get_connection(ctx: &mut Context<'_>, _cmd: &Command) -> CtlResult<()> {
    let mut targets: Vec<String> = ctx
        .all("Connection")?
        .into_iter()
        .map(|c| string(ctx, "Connection", c, "target"))
        .collect();
    targets.sort();
    targets.dedup();
    for t in targets {
        ctx.output.push_str(&t);
        ctx.output.push('\n');
    }
    Ok(())
}

/// `delete_connections`: empties `NB_Global.connections` (the rows are collected).
fn clear_connections(ctx: &mut Context<'_>) -> CtlResult<()> {
    let nb = nb_global(ctx)?;
    for conn in ctx.all("Connection")? {
        ctx.delete("Connection", conn)?;
    }
    ctx.set("NB_Global", nb, "connections", Datum::empty_set())
}

fn del_connection(ctx: &mut Context<'_>, _cmd: &Command) -> CtlResult<()> {
    clear_connections(ctx)
}

/// Whether `target` looks like an active or passive OVSDB remote (`stream_verify_name`).
fn known_remote(target: &str) -> bool {
    ["tcp:", "ssl:", "unix:", "ptcp:", "pssl:", "punix:"]
        .iter()
        .any(|p| target.starts_with(p))
}

fn set_connection(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    clear_connections(ctx)?;
    let nb = nb_global(ctx)?;
    let probe = cmd.value("--inactivity-probe").map(atoll);
    let mut conns = Vec::new();
    for target in &cmd.args {
        if !known_remote(target) {
            ctx.warn(
                "nbctl",
                &format!("target type \"{target}\" is possibly erroneous"),
            );
        }
        let mut row = Row::new().with("target", target.as_str());
        if let Some(p) = probe {
            row.insert("inactivity_probe", Datum::from(p));
        }
        conns.push(Atom::Uuid(ctx.insert("Connection", None, row)?));
    }
    ctx.set("NB_Global", nb, "connections", Datum::set(conns))
}

/// C's `atoll`: leading blanks, a sign, digits; 0 when there are none.
fn atoll(s: &str) -> i64 {
    super::acl::scan_i64(s).unwrap_or(0)
}

// ------------------------------------------------------------------ SSL

/// The SSL row, if any (`nbrec_ssl_first`).
fn ssl_row(ctx: &mut Context<'_>) -> CtlResult<Option<Uuid>> {
    Ok(ctx.all("SSL")?.first().copied())
}

fn get_ssl(ctx: &mut Context<'_>, _cmd: &Command) -> CtlResult<()> {
    if let Some(ssl) = ssl_row(ctx)? {
        let boot = matches!(
            ctx.value("SSL", ssl, "bootstrap_ca_cert").as_scalar(),
            Some(Atom::Boolean(true))
        );
        let text = format!(
            "Private key: {}\nCertificate: {}\nCA Certificate: {}\nBootstrap: {boot}\n",
            string(ctx, "SSL", ssl, "private_key"),
            string(ctx, "SSL", ssl, "certificate"),
            string(ctx, "SSL", ssl, "ca_cert"),
        );
        ctx.output.push_str(&text);
    }
    Ok(())
}

fn del_ssl(ctx: &mut Context<'_>, _cmd: &Command) -> CtlResult<()> {
    if let Some(ssl) = ssl_row(ctx)? {
        let nb = nb_global(ctx)?;
        ctx.delete("SSL", ssl)?;
        ctx.set("NB_Global", nb, "ssl", Datum::empty_set())?;
    }
    Ok(())
}

fn set_ssl(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let nb = nb_global(ctx)?;
    if let Some(old) = ssl_row(ctx)? {
        ctx.delete("SSL", old)?;
    }
    let mut row = Row::new()
        .with("private_key", cmd.arg(0))
        .with("certificate", cmd.arg(1))
        .with("ca_cert", cmd.arg(2))
        .with("bootstrap_ca_cert", Datum::from(cmd.has("--bootstrap")));
    if let Some(p) = cmd.args.get(3) {
        row.insert("ssl_protocols", Datum::from(p.as_str()));
    }
    if let Some(c) = cmd.args.get(4) {
        row.insert("ssl_ciphers", Datum::from(c.as_str()));
    }
    let ssl = ctx.insert("SSL", None, row)?;
    ctx.set("NB_Global", nb, "ssl", Datum::from(Atom::Uuid(ssl)))
}

// ------------------------------------------------------------------ DHCP options

/// `dhcp_options_get`: by UUID only.
fn dhcp_options(ctx: &mut Context<'_>, id: &str, must_exist: bool) -> CtlResult<Option<Uuid>> {
    if let Ok(u) = Uuid::parse(id) {
        if ctx.fetch_row("DHCP_Options", u)?.is_some() {
            return Ok(Some(u));
        }
    }
    if must_exist {
        return Err(CtlError::new(format!("{id}: dhcp options UUID not found")));
    }
    Ok(None)
}

fn dhcp_create(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let cidr = cmd.arg(0);
    if !addr2::ipv4_cidr_ok(cidr) && !addr2::ipv6_cidr_ok(cidr) {
        return Err(CtlError::new(format!("Invalid cidr format '{cidr}'")));
    }
    let row = Row::new()
        .with("cidr", cidr)
        .with("external_ids", key_values(&cmd.args[1..]));
    ctx.insert("DHCP_Options", None, row)?;
    Ok(())
}

fn dhcp_del(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    if let Some(d) = dhcp_options(ctx, cmd.arg(0), true)? {
        ctx.delete("DHCP_Options", d)?;
    }
    Ok(())
}

fn dhcp_list(ctx: &mut Context<'_>, _cmd: &Command) -> CtlResult<()> {
    let mut rows: Vec<(String, Uuid)> = ctx
        .all("DHCP_Options")?
        .into_iter()
        .map(|d| (string(ctx, "DHCP_Options", d, "cidr"), d))
        .collect();
    rows.sort();
    for (_, d) in rows {
        ctx.output.push_str(&format!("{d}\n"));
    }
    Ok(())
}

fn dhcp_set_options(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let d = required(dhcp_options(ctx, cmd.arg(0), true)?)?;
    ctx.set("DHCP_Options", d, "options", key_values(&cmd.args[1..]))
}

fn dhcp_get_options(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let d = required(dhcp_options(ctx, cmd.arg(0), true)?)?;
    let opts = ctx.value("DHCP_Options", d, "options");
    if let Some(m) = opts.as_map() {
        for (k, v) in m.iter() {
            if let (Atom::String(k), Atom::String(v)) = (k, v) {
                ctx.output.push_str(&format!("{k}={v}\n"));
            }
        }
    }
    Ok(())
}

// ------------------------------------------------------------------ HA chassis groups

/// `ha_chassis_group_by_name_or_uuid` (its message says `ha_chassi_group` in 23.03).
fn ha_group(ctx: &mut Context<'_>, id: &str) -> CtlResult<Uuid> {
    let found = common::by_name_or_uuid(ctx, "HA_Chassis_Group", id, false, "", None)?;
    found.ok_or_else(|| {
        let kind = if Uuid::parse(id).is_ok() {
            "UUID"
        } else {
            "name"
        };
        CtlError::new(format!("{id}: ha_chassi_group {kind} not found"))
    })
}

/// The group's HA_Chassis row for `chassis`, if any.
fn ha_member(ctx: &mut Context<'_>, group: Uuid, chassis: &str) -> CtlResult<Option<Uuid>> {
    let refs = ctx.value("HA_Chassis_Group", group, "ha_chassis");
    let members = ctx.fetch_refs("HA_Chassis", &refs)?;
    Ok(members
        .into_iter()
        .find(|m| string(ctx, "HA_Chassis", *m, "chassis_name") == chassis))
}

fn ha_add(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    ctx.insert(
        "HA_Chassis_Group",
        None,
        Row::new().with("name", cmd.arg(0)),
    )?;
    Ok(())
}

fn ha_del(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let g = ha_group(ctx, cmd.arg(0))?;
    ctx.delete("HA_Chassis_Group", g)
}

fn ha_list(ctx: &mut Context<'_>, _cmd: &Command) -> CtlResult<()> {
    for g in ctx.all("HA_Chassis_Group")? {
        let mut s = format!("{g} ({})\n", string(ctx, "HA_Chassis_Group", g, "name"));
        let refs = ctx.value("HA_Chassis_Group", g, "ha_chassis");
        for m in ctx.fetch_refs("HA_Chassis", &refs)? {
            s.push_str(&format!(
                "    {m} ({})\n    priority {}\n\n",
                string(ctx, "HA_Chassis", m, "chassis_name"),
                integer(ctx, "HA_Chassis", m, "priority").unwrap_or(0)
            ));
        }
        s.push('\n');
        ctx.output.push_str(&s);
    }
    Ok(())
}

fn ha_add_chassis(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let g = ha_group(ctx, cmd.arg(0))?;
    let priority = parse_priority(cmd.arg(2))?;
    let chassis = cmd.arg(1);
    if let Some(m) = ha_member(ctx, g, chassis)? {
        return ctx.set("HA_Chassis", m, "priority", Datum::from(priority));
    }
    let row = Row::new()
        .with("chassis_name", chassis)
        .with("priority", Datum::from(priority));
    let m = ctx.insert("HA_Chassis", None, row)?;
    ctx.mutate(
        "HA_Chassis_Group",
        g,
        Mutation::new("ha_chassis", Mutator::Insert, Datum::from(Atom::Uuid(m))),
    )
}

/// The member `chassis` of group `g`, or the "not found" error.
fn must_member(ctx: &mut Context<'_>, g: Uuid, cmd: &Command) -> CtlResult<Uuid> {
    ha_member(ctx, g, cmd.arg(1))?.ok_or_else(|| {
        CtlError::new(format!(
            "{}: ha chassis not found in {} ha chassis group",
            cmd.arg(1),
            cmd.arg(0)
        ))
    })
}

fn ha_remove_chassis(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let g = ha_group(ctx, cmd.arg(0))?;
    let m = must_member(ctx, g, cmd)?;
    ctx.mutate(
        "HA_Chassis_Group",
        g,
        Mutation::new("ha_chassis", Mutator::Delete, Datum::from(Atom::Uuid(m))),
    )?;
    ctx.delete("HA_Chassis", m)
}

fn ha_set_prio(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let g = ha_group(ctx, cmd.arg(0))?;
    let priority = parse_priority(cmd.arg(2))?;
    let m = must_member(ctx, g, cmd)?;
    ctx.set("HA_Chassis", m, "priority", Datum::from(priority))
}

// ------------------------------------------------------------------ mirrors

/// Rows of `table` whose `column` equals `value` (server-side select).
fn rows_with(
    ctx: &mut Context<'_>,
    table: &str,
    column: &str,
    value: &str,
) -> CtlResult<Vec<Uuid>> {
    ctx.query(table, &[Condition::eq(column, value)])
}

fn mirror_add(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let name = cmd.arg(0);
    if !rows_with(ctx, "Mirror", "name", name)?.is_empty() {
        return Err(CtlError::new(format!(
            "Mirror with {name} name already exists."
        )));
    }
    let ty = match cmd.arg(1).as_bytes().first() {
        Some(b'g') => "gre",
        Some(b'e') => "erspan",
        _ => {
            return Err(CtlError::new(format!(
                "{}: type must be \"gre\" or \"erspan\"",
                cmd.arg(1)
            )))
        }
    };
    let index: i64 = cmd
        .arg(2)
        .trim_start()
        .parse()
        .map_err(|_| CtlError::new("Invalid Index"))?;
    let filter = match cmd.arg(3).as_bytes().first() {
        Some(b't') => "to-lport",
        Some(b'f') => "from-lport",
        _ => {
            return Err(CtlError::new(format!(
                "{}: selection must be \"to-lport\" or \"from-lport\"",
                cmd.arg(3)
            )))
        }
    };
    let sink = cmd.arg(4);
    if addr2::normalize_addr(sink).is_none() {
        return Err(CtlError::new(format!("Invalid sink ip: {sink}")));
    }
    let row = Row::new()
        .with("name", name)
        .with("index", Datum::from(index))
        .with("filter", filter)
        .with("type", ty)
        .with("sink", sink);
    ctx.insert("Mirror", None, row)?;
    Ok(())
}

fn mirror_del(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let rows = match cmd.args.first() {
        None => ctx.all("Mirror")?,
        Some(name) => rows_with(ctx, "Mirror", "name", name)?
            .into_iter()
            .take(1)
            .collect(),
    };
    for m in rows {
        ctx.delete("Mirror", m)?;
    }
    Ok(())
}

fn mirror_list(ctx: &mut Context<'_>, _cmd: &Command) -> CtlResult<()> {
    let mut rows: Vec<(String, Uuid)> = ctx
        .all("Mirror")?
        .into_iter()
        .map(|m| (string(ctx, "Mirror", m, "name"), m))
        .collect();
    rows.sort();
    for (name, m) in rows {
        let text = format!(
            "{name}:\n  Type     :  {}\n  Sink     :  {}\n  Filter   :  {}\n  Index/Key:  {}\n\n",
            string(ctx, "Mirror", m, "type"),
            string(ctx, "Mirror", m, "sink"),
            string(ctx, "Mirror", m, "filter"),
            integer(ctx, "Mirror", m, "index").unwrap_or(0)
        );
        ctx.output.push_str(&text);
    }
    Ok(())
}

// ------------------------------------------------------------------ static MAC bindings

/// The binding of `port` and `ip` (compared as strings, as the C tool does).
fn smb_find(ctx: &mut Context<'_>, port: &str, ip: &str) -> CtlResult<Option<Uuid>> {
    let rows = ctx.query(
        "Static_MAC_Binding",
        &[Condition::eq("logical_port", port), Condition::eq("ip", ip)],
    )?;
    Ok(rows.first().copied())
}

fn smb_add(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let (port, ip, mac) = (cmd.arg(0), cmd.arg(1), cmd.arg(2));
    common::router_port(ctx, port, true)?;
    let new_ip = addr2::normalize_addr(ip)
        .ok_or_else(|| CtlError::new(format!("{ip}: Not a valid IPv4 or IPv6 address.")))?;
    if !addr2::is_mac(mac) {
        return Err(CtlError::new(format!("invalid mac address {mac}.")));
    }
    if let Some(smb) = smb_find(ctx, port, ip)? {
        if !cmd.has("--may-exist") {
            return Err(CtlError::new(format!(
                "{port}, {new_ip}: a Static_MAC_Binding with this logical_port and ip already exists"
            )));
        }
        if string(ctx, "Static_MAC_Binding", smb, "mac") != mac {
            ctx.set("Static_MAC_Binding", smb, "mac", Datum::from(mac))?;
        }
        return Ok(());
    }
    let row = Row::new()
        .with("logical_port", port)
        .with("ip", new_ip.as_str())
        .with("mac", mac);
    ctx.insert("Static_MAC_Binding", None, row)?;
    Ok(())
}

fn smb_del(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let port = cmd.arg(0);
    common::router_port(ctx, port, true)?;
    let ip = addr2::normalize_addr(cmd.arg(1)).ok_or_else(|| {
        CtlError::new(format!("{}: Not a valid IPv4 or IPv6 address.", cmd.arg(1)))
    })?;
    match smb_find(ctx, port, &ip)? {
        Some(smb) => ctx.delete("Static_MAC_Binding", smb),
        None if cmd.has("--if-exists") => Ok(()),
        None => Err(CtlError::new(format!(
            "no matching Static_MAC_Binding with port {port} and ip {ip}"
        ))),
    }
}

fn smb_list(ctx: &mut Context<'_>, _cmd: &Command) -> CtlResult<()> {
    let t = "Static_MAC_Binding";
    let mut rows: Vec<(String, String)> = ctx
        .all(t)?
        .into_iter()
        .map(|r| {
            let key = format!(
                "{:<25}{:<25}",
                string(ctx, t, r, "logical_port"),
                string(ctx, t, r, "ip")
            );
            (key, string(ctx, t, r, "mac"))
        })
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    rows.sort();
    ctx.output
        .push_str(&format!("{:<25}{:<25}MAC\n", "LOGICAL_PORT", "IP"));
    for (key, mac) in rows {
        ctx.output.push_str(&format!("{key}{mac}\n"));
    }
    Ok(())
}

// ------------------------------------------------------------------ forwarding groups

/// `fwd_group_by_name_or_uuid`.
fn fwd_group(ctx: &mut Context<'_>, id: &str) -> CtlResult<Option<Uuid>> {
    common::by_name_or_uuid(ctx, "Forwarding_Group", id, false, "", None)
}

/// The switch of a forwarding group's first child port (`fwd_group_to_logical_switch`).
fn fwd_switch(ctx: &mut Context<'_>, fg: Uuid) -> CtlResult<Option<Uuid>> {
    let ports = ctx.value("Forwarding_Group", fg, "child_port");
    let first = match ports.as_set().and_then(|s| s.iter().next()) {
        Some(Atom::String(p)) => p.to_string(),
        _ => return Ok(None),
    };
    match common::switch_port(ctx, &first, false)? {
        Some(lsp) => Ok(Some(common::switch_of_port(ctx, lsp)?)),
        None => Ok(None),
    }
}

fn fwd_add(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    if cmd.args.len() <= 4 {
        return Err(CtlError::new(
            "Usage : ovn-nbctl fwd-group-add group switch vip vmac child_ports...",
        ));
    }
    let name = cmd.arg(0);
    if fwd_group(ctx, name)?.is_some() {
        return Err(CtlError::new(format!(
            "{name}: a forwarding group by this name already exists"
        )));
    }
    let ls_name = cmd.arg(1);
    let mut ls = required(common::switch(ctx, ls_name, true)?)?;
    let (vip, vmac) = (cmd.arg(2), cmd.arg(3));
    if !addr2::is_ipv4(vip) {
        return Err(CtlError::new(format!("invalid ip address {vip}")));
    }
    if !addr2::is_mac(vmac) {
        return Err(CtlError::new(format!("invalid mac address {vmac}")));
    }
    for p in &cmd.args[4..] {
        let Some(lsp) = common::switch_port(ctx, p, false)? else {
            return Err(CtlError::new(format!(
                "{p}: logical switch port does not exist"
            )));
        };
        ls = common::switch_of_port(ctx, lsp)?;
        let owner = string(ctx, "Logical_Switch", ls, "name");
        if owner != ls_name {
            return Err(CtlError::new(format!(
                "{p}: port already exists but in logical switch {owner}"
            )));
        }
    }
    let row = Row::new()
        .with("name", name)
        .with("vip", vip)
        .with("vmac", vmac)
        .with(
            "child_port",
            Datum::set(cmd.args[4..].iter().map(String::as_str)),
        )
        .with("liveness", Datum::from(cmd.has("--liveness")));
    let fg = ctx.insert("Forwarding_Group", None, row)?;
    ctx.mutate(
        "Logical_Switch",
        ls,
        Mutation::new(
            "forwarding_groups",
            Mutator::Insert,
            Datum::from(Atom::Uuid(fg)),
        ),
    )
}

fn fwd_del(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let Some(fg) = fwd_group(ctx, cmd.arg(0))? else {
        return Ok(());
    };
    let Some(ls) = fwd_switch(ctx, fg)? else {
        return Ok(());
    };
    if uuids_of(&ctx.value("Logical_Switch", ls, "forwarding_groups")).contains(&fg) {
        ctx.mutate(
            "Logical_Switch",
            ls,
            Mutation::new(
                "forwarding_groups",
                Mutator::Delete,
                Datum::from(Atom::Uuid(fg)),
            ),
        )?;
        ctx.delete("Forwarding_Group", fg)?;
    }
    Ok(())
}

/// `printf("%-W.Ps")`.
fn pad(s: &str, width: usize, prec: usize) -> String {
    let mut end = s.len().min(prec);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{:<width$}", &s[..end])
}

fn fwd_list(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let only = cmd.args.first().cloned();
    if let Some(name) = &only {
        common::switch(ctx, name, true)?;
    }
    let mut s = format!(
        "{}{}{}{}CHILD_PORTS\n",
        pad("FWD_GROUP", 16, 16),
        pad("LS", 14, 16),
        pad("VIP", 16, 7),
        pad("VMAC", 22, 21)
    );
    for fg in ctx.all("Forwarding_Group")? {
        let Some(ls) = fwd_switch(ctx, fg)? else {
            continue;
        };
        let ls_name = string(ctx, "Logical_Switch", ls, "name");
        if only.as_ref().is_some_and(|n| *n != ls_name) {
            continue;
        }
        s.push_str(&format!(
            "{}{}{}{}     ",
            pad(&string(ctx, "Forwarding_Group", fg, "name"), 16, 16),
            pad(&ls_name, 14, 18),
            pad(&string(ctx, "Forwarding_Group", fg, "vip"), 15, 16),
            pad(&string(ctx, "Forwarding_Group", fg, "vmac"), 9, 18)
        ));
        if let Some(ports) = ctx.value("Forwarding_Group", fg, "child_port").as_set() {
            for p in ports.iter() {
                if let Atom::String(p) = p {
                    s.push_str(&format!(" {p}"));
                }
            }
        }
        s.push('\n');
    }
    ctx.output.push_str(&s);
    Ok(())
}

// ------------------------------------------------------------------ CoPP

/// The control protocols a CoPP policy may name (`copp_proto_validate`).
const COPP_PROTOS: &[&str] = &[
    "arp",
    "arp-resolve",
    "dhcpv4-opts",
    "dhcpv6-opts",
    "dns",
    "event-elb",
    "icmp4-error",
    "icmp6-error",
    "igmp",
    "nd-na",
    "nd-ns",
    "nd-ns-resolve",
    "nd-ra-opts",
    "tcp-reset",
    "bfd",
    "reject",
    "svc-monitor",
];

fn copp_proto(proto: &str) -> CtlResult<()> {
    if COPP_PROTOS.contains(&proto) {
        return Ok(());
    }
    Err(CtlError::new(format!(
        "Invalid control protocol. Allowed values: {}.",
        COPP_PROTOS.join(", ")
    )))
}

/// `copp_by_name_or_uuid`.
fn copp(ctx: &mut Context<'_>, id: &str, must_exist: bool) -> CtlResult<Option<Uuid>> {
    let found = common::by_name_or_uuid(ctx, "Copp", id, false, "", None)?;
    if found.is_none() && must_exist {
        let kind = if Uuid::parse(id).is_ok() {
            "UUID"
        } else {
            "name"
        };
        return Err(CtlError::new(format!("{id}: copp {kind} not found")));
    }
    Ok(found)
}

fn copp_add(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let (name, proto, meter) = (cmd.arg(0), cmd.arg(1), cmd.arg(2));
    copp_proto(proto)?;
    let is_uuid = Uuid::parse(name).is_ok();
    let c = match copp(ctx, name, is_uuid)? {
        Some(c) => c,
        None => ctx.insert("Copp", None, Row::new())?,
    };
    let mut meters = ctx
        .value("Copp", c, "meters")
        .as_map()
        .cloned()
        .unwrap_or_default();
    meters.insert(Atom::from(proto), Atom::from(meter));
    ctx.set("Copp", c, "meters", Datum::from(meters))?;
    if !is_uuid {
        ctx.set("Copp", c, "name", Datum::from(name))?;
    }
    Ok(())
}

fn copp_del(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let proto = cmd.args.get(1);
    if let Some(p) = proto {
        copp_proto(p)?;
    }
    let Some(c) = copp(ctx, cmd.arg(0), false)? else {
        return Ok(());
    };
    let mut meters = ctx
        .value("Copp", c, "meters")
        .as_map()
        .cloned()
        .unwrap_or_default();
    if let Some(p) = proto {
        meters.remove(&Atom::from(p.as_str()));
    }
    if proto.is_none() || meters.is_empty() {
        return ctx.delete("Copp", c);
    }
    ctx.set("Copp", c, "meters", Datum::from(meters))
}

fn copp_list(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let Some(c) = copp(ctx, cmd.arg(0), false)? else {
        return Ok(());
    };
    if let Some(m) = ctx.value("Copp", c, "meters").as_map() {
        for (k, v) in m.iter() {
            if let (Atom::String(k), Atom::String(v)) = (k, v) {
                ctx.output.push_str(&format!("{k}: {v}\n"));
            }
        }
    }
    Ok(())
}
