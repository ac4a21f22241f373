//! Logical switches and their ports: `ls-*` and the `lsp-*` commands.

use ovsdb::data::{Atom, Datum, Row, Uuid};
use ovsdb::ops::{Mutation, Mutator};

use super::common::{self, string};
use crate::ctl::ovs_hash;
use crate::ctl::{Command, CommandSpec, Context, CtlError, CtlResult, Mode};

/// The table entries of this group.
pub fn commands() -> Vec<CommandSpec> {
    let c = CommandSpec::new;
    vec![
        c(
            "ls-add",
            0,
            1,
            "--may-exist,--add-duplicate",
            Mode::ReadWrite,
            ls_add,
        ),
        c("ls-del", 1, 1, "--if-exists", Mode::ReadWrite, ls_del),
        c("ls-list", 0, 0, "", Mode::ReadOnly, ls_list),
        c("ls-copp-add", 2, 2, "", Mode::ReadWrite, ls_copp_add),
        c("lr-copp-add", 2, 2, "", Mode::ReadWrite, lr_copp_add),
        c("lsp-add", 2, 4, "--may-exist", Mode::ReadWrite, lsp_add),
        c("lsp-del", 1, 1, "--if-exists", Mode::ReadWrite, lsp_del),
        c("lsp-list", 1, 1, "", Mode::ReadOnly, lsp_list),
        c("lsp-get-ls", 1, 1, "", Mode::ReadOnly, lsp_get_ls),
        c("lsp-get-parent", 1, 1, "", Mode::ReadOnly, lsp_get_parent),
        c("lsp-get-tag", 1, 1, "", Mode::ReadOnly, lsp_get_tag),
        c(
            "lsp-set-addresses",
            1,
            usize::MAX,
            "",
            Mode::ReadWrite,
            lsp_set_addresses,
        ),
        c(
            "lsp-get-addresses",
            1,
            1,
            "",
            Mode::ReadOnly,
            lsp_get_addresses,
        ),
        // ovn-nbctl declares 0 arguments and crashes without any; require the port.
        c(
            "lsp-set-port-security",
            1,
            usize::MAX,
            "",
            Mode::ReadWrite,
            lsp_set_port_security,
        ),
        c(
            "lsp-get-port-security",
            1,
            1,
            "",
            Mode::ReadOnly,
            lsp_get_port_security,
        ),
        c("lsp-get-up", 1, 1, "", Mode::ReadOnly, lsp_get_up),
        c(
            "lsp-set-enabled",
            2,
            2,
            "",
            Mode::ReadWrite,
            lsp_set_enabled,
        ),
        c("lsp-get-enabled", 1, 1, "", Mode::ReadOnly, lsp_get_enabled),
        c("lsp-set-type", 2, 2, "", Mode::ReadWrite, lsp_set_type),
        c("lsp-get-type", 1, 1, "", Mode::ReadOnly, lsp_get_type),
        c(
            "lsp-set-options",
            1,
            usize::MAX,
            "",
            Mode::ReadWrite,
            lsp_set_options,
        ),
        c("lsp-get-options", 1, 1, "", Mode::ReadOnly, lsp_get_options),
        c(
            "lsp-set-dhcpv4-options",
            1,
            2,
            "",
            Mode::ReadWrite,
            lsp_set_dhcpv4_options,
        ),
        c(
            "lsp-get-dhcpv4-options",
            1,
            1,
            "",
            Mode::ReadOnly,
            lsp_get_dhcpv4_options,
        ),
        c(
            "lsp-set-dhcpv6-options",
            1,
            2,
            "",
            Mode::ReadWrite,
            lsp_set_dhcpv6_options,
        ),
        c(
            "lsp-get-dhcpv6-options",
            1,
            1,
            "",
            Mode::ReadOnly,
            lsp_get_dhcpv6_options,
        ),
        c(
            "lsp-attach-mirror",
            2,
            2,
            "",
            Mode::ReadWrite,
            lsp_attach_mirror,
        ),
        c(
            "lsp-detach-mirror",
            2,
            2,
            "",
            Mode::ReadWrite,
            lsp_detach_mirror,
        ),
    ]
}

fn ls_add(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    common::add_named_root(ctx, cmd, "Logical_Switch", "switch")
}

fn ls_del(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    if let Some(ls) = common::switch(ctx, cmd.arg(0), !cmd.has("--if-exists"))? {
        ctx.delete("Logical_Switch", ls)?;
    }
    Ok(())
}

fn ls_list(ctx: &mut Context<'_>, _cmd: &Command) -> CtlResult<()> {
    common::print_all_uuid_name_list(ctx, "Logical_Switch")
}

fn ls_copp_add(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let Some(ls) = common::switch(ctx, cmd.arg(1), true)? else {
        return Ok(());
    };
    let id = cmd.arg(0);
    let copp = common::by_name_or_uuid(ctx, "Copp", id, true, "copp", None)?
        .ok_or_else(|| CtlError::new(format!("{id}: copp name not found")))?;
    ctx.set("Logical_Switch", ls, "copp", Datum::from(Atom::Uuid(copp)))
}

/// `lr-copp-add NAME ROUTER` (kept beside its switch twin).
fn lr_copp_add(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let Some(lr) = common::router(ctx, cmd.arg(1), true)? else {
        return Ok(());
    };
    let id = cmd.arg(0);
    let copp = common::by_name_or_uuid(ctx, "Copp", id, true, "copp", None)?
        .ok_or_else(|| CtlError::new(format!("{id}: copp name not found")))?;
    ctx.set("Logical_Router", lr, "copp", Datum::from(Atom::Uuid(copp)))
}

fn lsp_add(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let may_exist = cmd.has("--may-exist");
    let Some(ls) = common::switch(ctx, cmd.arg(0), true)? else {
        return Ok(());
    };
    let (parent, tag) = match cmd.args.len() {
        2 => (None, None),
        4 => {
            let tag = cmd.arg(3);
            match tag.parse::<i64>() {
                Ok(t) if (0..=4095).contains(&t) => (Some(cmd.arg(2).to_string()), Some(t)),
                _ => {
                    return Err(CtlError::new(format!(
                        "{tag}: invalid tag (must be in range 0 to 4095)"
                    )))
                }
            }
        }
        _ => return Err(CtlError::new("lsp-add with parent must also specify a tag")),
    };
    let name = cmd.arg(1);
    if let Some(lsp) = common::switch_port(ctx, name, false)? {
        if !may_exist {
            return Err(CtlError::new(format!(
                "{name}: a port with this name already exists"
            )));
        }
        let owner = common::switch_of_port(ctx, lsp)?;
        if owner != ls {
            let owner_name = common::name_or_uuid(ctx, "Logical_Switch", owner);
            return Err(CtlError::new(format!(
                "{name}: port already exists but in switch {owner_name}"
            )));
        }
        let have_parent = ctx.value("Logical_Switch_Port", lsp, "parent_name");
        let have_parent = match have_parent.as_scalar() {
            Some(Atom::String(s)) => Some(s.to_string()),
            _ => None,
        };
        let have_tag = common::integer(ctx, "Logical_Switch_Port", lsp, "tag_request");
        match (&parent, have_parent) {
            (Some(_), None) => {
                return Err(CtlError::new(format!(
                    "{name}: port already exists but has no parent"
                )))
            }
            (Some(want), Some(have)) if *want != have => {
                return Err(CtlError::new(format!(
                    "{name}: port already exists with different parent {have}"
                )))
            }
            (Some(_), Some(_)) => match (tag, have_tag) {
                (_, None) => {
                    return Err(CtlError::new(format!(
                        "{name}: port already exists but has no tag_request"
                    )))
                }
                (Some(want), Some(have)) if want != have => {
                    return Err(CtlError::new(format!(
                        "{name}: port already exists with different tag_request {have}"
                    )))
                }
                _ => {}
            },
            (None, Some(have)) => {
                return Err(CtlError::new(format!(
                    "{name}: port already exists but has parent {have}"
                )))
            }
            (None, None) => {}
        }
        return Ok(());
    }
    let mut row = Row::new().with("name", name);
    if let (Some(parent), Some(tag)) = (parent, tag) {
        row.insert("parent_name", Datum::from(parent.as_str()));
        row.insert("tag_request", Datum::from(tag));
    }
    let lsp = ctx.insert("Logical_Switch_Port", None, row)?;
    ctx.mutate(
        "Logical_Switch",
        ls,
        Mutation::new("ports", Mutator::Insert, Datum::from(Atom::Uuid(lsp))),
    )
}

fn lsp_del(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let Some(lsp) = common::switch_port(ctx, cmd.arg(0), !cmd.has("--if-exists"))? else {
        return Ok(());
    };
    let ls = common::switch_of_port(ctx, lsp)?;
    ctx.mutate(
        "Logical_Switch",
        ls,
        Mutation::new("ports", Mutator::Delete, Datum::from(Atom::Uuid(lsp))),
    )?;
    ctx.delete("Logical_Switch_Port", lsp)
}

fn lsp_list(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let Some(ls) = common::switch(ctx, cmd.arg(0), true)? else {
        return Ok(());
    };
    let refs = ctx.idl_value("Logical_Switch", ls, "ports");
    let ports = ctx.fetch_refs("Logical_Switch_Port", &refs)?;
    common::print_uuid_name_list(ctx, "Logical_Switch_Port", &ports);
    Ok(())
}

fn lsp_get_ls(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let Some(lsp) = common::switch_port(ctx, cmd.arg(0), true)? else {
        return Ok(());
    };
    let ls = common::switch_of_port(ctx, lsp)?;
    let name = string(ctx, "Logical_Switch", ls, "name");
    ctx.output.push_str(&format!("{ls} ({name})\n"));
    Ok(())
}

const LSP: &str = "Logical_Switch_Port";

/// The port named by argument 0 (`lsp_by_name_or_uuid(.., true, ..)`).
fn port_arg(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<Uuid> {
    common::switch_port(ctx, cmd.arg(0), true)?
        .ok_or_else(|| CtlError::new(format!("{}: port name not found", cmd.arg(0))))
}

/// The strings of a set column of a held row, in the set's (sorted) order.
fn strings(ctx: &Context<'_>, table: &str, uuid: Uuid, column: &str) -> Vec<String> {
    match ctx.value(table, uuid, column) {
        Datum::Set(s) => s
            .iter()
            .filter_map(|a| a.as_str().map(str::to_string))
            .collect(),
        Datum::Map(_) => Vec::new(),
    }
}

/// Prints each string on its own line.
fn print_lines(ctx: &mut Context<'_>, lines: &[String]) {
    for l in lines {
        ctx.output.push_str(l);
        ctx.output.push('\n');
    }
}

fn lsp_get_parent(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let lsp = port_arg(ctx, cmd)?;
    if let Some(Atom::String(p)) = ctx.value(LSP, lsp, "parent_name").as_scalar() {
        let line = format!("{p}\n");
        ctx.output.push_str(&line);
    }
    Ok(())
}

fn lsp_get_tag(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let lsp = port_arg(ctx, cmd)?;
    if let Some(tag) = common::integer(ctx, LSP, lsp, "tag") {
        ctx.output.push_str(&format!("{tag}\n"));
    }
    Ok(())
}

fn lsp_set_addresses(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let lsp = port_arg(ctx, cmd)?;
    let ls = common::switch_of_port(ctx, lsp)?;
    // The switch's other ports, read once and only if an address needs checking.
    let mut others: Option<Vec<Uuid>> = None;
    for address in &cmd.args[1..] {
        if !addr::is_valid_lsp_address(address) {
            return Err(CtlError::new(format!(
                "{address}: Invalid address format. See ovn-nb(5). Hint: An Ethernet \
                 address must be listed before an IP address, together as a single argument."
            )));
        }
        let Some(new) = addr::extract_lsp_addresses(address) else {
            continue;
        };
        if others.is_none() {
            // As the C IDL sees them: ports added or removed earlier in this run through
            // partial updates do not count yet.
            let refs = ctx.idl_value("Logical_Switch", ls, "ports");
            others = Some(ctx.fetch_refs(LSP, &refs)?);
        }
        let ports = others.as_deref().unwrap_or_default();
        if let Some(msg) = duplicate_ip(ctx, ports, lsp, &new) {
            let name = string(ctx, "Logical_Switch", ls, "name");
            return Err(CtlError::new(format!("Error on switch {name}: {msg}")));
        }
    }
    let value = Datum::set(cmd.args[1..].iter().map(String::as_str));
    ctx.set(LSP, lsp, "addresses", value)
}

/// `lsp_contains_duplicates`: the first other port of the switch holding one of `new`'s IPs.
fn duplicate_ip(
    ctx: &Context<'_>,
    ports: &[Uuid],
    lsp: Uuid,
    new: &addr::LportAddresses,
) -> Option<String> {
    for &other in ports.iter().filter(|&&p| p != lsp) {
        let dynamic = match ctx.value(LSP, other, "dynamic_addresses").as_scalar() {
            Some(Atom::String(d)) => Some(d.to_string()),
            _ => None,
        };
        let name = string(ctx, LSP, other, "name");
        for address in strings(ctx, LSP, other, "addresses") {
            let address = match &dynamic {
                Some(d) if addr::is_dynamic_lsp_address(&address) => d.clone(),
                _ => address,
            };
            let Some(test) = addr::extract_lsp_addresses(&address) else {
                continue;
            };
            if let Some(ip) = new.ipv4.iter().find(|ip| test.ipv4.contains(ip)) {
                return Some(format!(
                    "duplicate IPv4 address '{}' found on logical switch port '{name}'",
                    std::net::Ipv4Addr::from(*ip)
                ));
            }
            if let Some(ip) = new.ipv6.iter().find(|ip| test.ipv6.contains(ip)) {
                return Some(format!(
                    "duplicate IPv6 address '{}' found on logical switch port '{name}'",
                    addr::ipv6_to_string(ip)
                ));
            }
        }
    }
    None
}

fn lsp_get_addresses(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let lsp = port_arg(ctx, cmd)?;
    let addresses = strings(ctx, LSP, lsp, "addresses");
    let options = ctx.value(LSP, lsp, "options");
    let router_port = options
        .as_map()
        .and_then(|m| m.get_str("router-port"))
        .and_then(Atom::as_str)
        .map(str::to_string);
    if let (true, Some(rp)) = (addresses == ["router"], router_port) {
        if let Some(lrp) = common::router_port(ctx, &rp, false)? {
            let mut line = string(ctx, "Logical_Router_Port", lrp, "mac");
            for net in strings(ctx, "Logical_Router_Port", lrp, "networks") {
                line.push(' ');
                line.push_str(&net);
            }
            line.push('\n');
            ctx.output.push_str(&line);
            return Ok(());
        }
    }
    print_lines(ctx, &addresses);
    Ok(())
}

fn lsp_set_port_security(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let lsp = port_arg(ctx, cmd)?;
    let value = Datum::set(cmd.args[1..].iter().map(String::as_str));
    ctx.set(LSP, lsp, "port_security", value)
}

fn lsp_get_port_security(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let lsp = port_arg(ctx, cmd)?;
    let addrs = strings(ctx, LSP, lsp, "port_security");
    print_lines(ctx, &addrs);
    Ok(())
}

fn lsp_get_up(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let lsp = port_arg(ctx, cmd)?;
    let up = matches!(
        ctx.value(LSP, lsp, "up").as_scalar(),
        Some(Atom::Boolean(true))
    );
    ctx.output.push_str(if up { "up\n" } else { "down\n" });
    Ok(())
}

/// `parse_enabled`.
pub fn parse_enabled(state: &str) -> CtlResult<bool> {
    if state.eq_ignore_ascii_case("enabled") {
        Ok(true)
    } else if state.eq_ignore_ascii_case("disabled") {
        Ok(false)
    } else {
        Err(CtlError::new(format!(
            "{state}: state must be \"enabled\" or \"disabled\""
        )))
    }
}

fn lsp_set_enabled(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let lsp = port_arg(ctx, cmd)?;
    let enabled = parse_enabled(cmd.arg(1))?;
    ctx.set(LSP, lsp, "enabled", Datum::from(Atom::Boolean(enabled)))
}

fn lsp_get_enabled(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let lsp = port_arg(ctx, cmd)?;
    let disabled = matches!(
        ctx.value(LSP, lsp, "enabled").as_scalar(),
        Some(Atom::Boolean(false))
    );
    ctx.output
        .push_str(if disabled { "disabled\n" } else { "enabled\n" });
    Ok(())
}

/// The types ovn-nbctl accepts for a switch port (`ovn_is_known_nb_lsp_type`).
const LSP_TYPES: &[&str] = &[
    "",
    "l2gateway",
    "localnet",
    "localport",
    "router",
    "vtep",
    "external",
    "virtual",
    "remote",
];

fn lsp_set_type(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let lsp = port_arg(ctx, cmd)?;
    let ty = cmd.arg(1);
    if !LSP_TYPES.contains(&ty) {
        return Err(CtlError::new(format!(
            "Logical switch port type '{ty}' is unrecognized. Not setting type."
        )));
    }
    ctx.set(LSP, lsp, "type", Datum::from(ty))
}

fn lsp_get_type(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let lsp = port_arg(ctx, cmd)?;
    let ty = string(ctx, LSP, lsp, "type");
    ctx.output.push_str(&format!("{ty}\n"));
    Ok(())
}

/// The map `KEY=VALUE` arguments make (arguments without `=` are ignored), as the C tool
/// builds it: of pairs with the same key, the datum's sort by key and value keeps the one
/// with the smallest value.
pub fn options_map(args: &[String]) -> Datum {
    let mut pairs: Vec<(&str, &str)> = args.iter().filter_map(|a| a.split_once('=')).collect();
    pairs.sort_by(|a, b| (a.0.as_bytes(), a.1.as_bytes()).cmp(&(b.0.as_bytes(), b.1.as_bytes())));
    pairs.dedup_by(|later, first| later.0 == first.0);
    Datum::map(pairs)
}

fn lsp_set_options(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let lsp = port_arg(ctx, cmd)?;
    ctx.set(LSP, lsp, "options", options_map(&cmd.args[1..]))
}

fn lsp_get_options(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let lsp = port_arg(ctx, cmd)?;
    let options = ctx.value(LSP, lsp, "options");
    let pairs: Vec<(&str, &str)> = options
        .as_map()
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.as_str()?, v.as_str()?)))
                .collect()
        })
        .unwrap_or_default();
    let mut out = String::new();
    for (k, v) in ovs_hash::smap_order(&pairs) {
        out.push_str(&format!("{k}={v}\n"));
    }
    ctx.output.push_str(&out);
    Ok(())
}

/// `dhcp_options_get(.., true)`: the DHCP_Options row a UUID names.
fn dhcp_options(ctx: &mut Context<'_>, id: &str) -> CtlResult<Uuid> {
    if let Ok(u) = Uuid::parse(id) {
        if ctx.fetch_row("DHCP_Options", u)?.is_some() {
            return Ok(u);
        }
    }
    Err(CtlError::new(format!("{id}: dhcp options UUID not found")))
}

fn set_dhcp_options(ctx: &mut Context<'_>, cmd: &Command, v6: bool) -> CtlResult<()> {
    let lsp = port_arg(ctx, cmd)?;
    let mut value = Datum::empty_set();
    if cmd.args.len() == 2 {
        let dhcp = dhcp_options(ctx, cmd.arg(1))?;
        let cidr = string(ctx, "DHCP_Options", dhcp, "cidr");
        let ok = if v6 {
            addr::ipv6_parse_cidr(&cidr).is_some()
        } else {
            addr::ip_parse_cidr(&cidr).is_some()
        };
        if !ok {
            let family = if v6 { "IPv6" } else { "IPv4" };
            return Err(CtlError::new(format!(
                "DHCP options cidr '{cidr}' is not {family}"
            )));
        }
        value = Datum::from(Atom::Uuid(dhcp));
    }
    let column = if v6 {
        "dhcpv6_options"
    } else {
        "dhcpv4_options"
    };
    ctx.set(LSP, lsp, column, value)
}

fn lsp_set_dhcpv4_options(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    set_dhcp_options(ctx, cmd, false)
}

fn lsp_set_dhcpv6_options(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    set_dhcp_options(ctx, cmd, true)
}

fn get_dhcp_options(ctx: &mut Context<'_>, cmd: &Command, column: &str) -> CtlResult<()> {
    let lsp = port_arg(ctx, cmd)?;
    if let Some(Atom::Uuid(dhcp)) = ctx.value(LSP, lsp, column).as_scalar().cloned() {
        if ctx.fetch_row("DHCP_Options", dhcp)?.is_some() {
            let cidr = string(ctx, "DHCP_Options", dhcp, "cidr");
            ctx.output.push_str(&format!("{dhcp} ({cidr})\n"));
        }
    }
    Ok(())
}

fn lsp_get_dhcpv4_options(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    get_dhcp_options(ctx, cmd, "dhcpv4_options")
}

fn lsp_get_dhcpv6_options(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    get_dhcp_options(ctx, cmd, "dhcpv6_options")
}

/// The port and the mirror of `lsp-attach-mirror` / `lsp-detach-mirror`.
fn port_and_mirror(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<(Uuid, Uuid)> {
    let lsp = port_arg(ctx, cmd)?;
    let id = cmd.arg(1);
    let mirror = common::by_name_or_uuid(ctx, "Mirror", id, true, "mirror", None)?
        .ok_or_else(|| CtlError::new(format!("{id}: mirror name not found")))?;
    Ok((lsp, mirror))
}

fn lsp_attach_mirror(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let (lsp, mirror) = port_and_mirror(ctx, cmd)?;
    let rules = ctx.value(LSP, lsp, "mirror_rules");
    if rules
        .as_set()
        .is_some_and(|s| s.contains(&Atom::Uuid(mirror)))
    {
        let mirror_name = string(ctx, "Mirror", mirror, "name");
        let port_name = string(ctx, LSP, lsp, "name");
        return Err(CtlError::new(format!(
            "mirror {mirror_name} is already attached to the logical port {port_name}."
        )));
    }
    ctx.mutate(
        LSP,
        lsp,
        Mutation::new(
            "mirror_rules",
            Mutator::Insert,
            Datum::from(Atom::Uuid(mirror)),
        ),
    )
}

fn lsp_detach_mirror(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let (lsp, mirror) = port_and_mirror(ctx, cmd)?;
    let rules = ctx.value(LSP, lsp, "mirror_rules");
    if !rules
        .as_set()
        .is_some_and(|s| s.contains(&Atom::Uuid(mirror)))
    {
        // The C IDL's `_delvalue` of an absent element: a warning, and nothing changes.
        ctx.warn(
            "ovsdb_idl",
            "Trying to delete a key that doesn't exist in the set.",
        );
        return Ok(());
    }
    ctx.mutate(
        LSP,
        lsp,
        Mutation::new(
            "mirror_rules",
            Mutator::Delete,
            Datum::from(Atom::Uuid(mirror)),
        ),
    )
}

/// Address syntax as OVN's C code scans it (`ovs_scan` formats, `extract_lsp_addresses`,
/// `ip_parse_cidr`, `ipv6_parse_cidr`), so the same strings pass and fail.
mod addr {
    use std::net::Ipv6Addr;

    /// The IPs `extract_lsp_addresses` finds after a MAC.
    pub struct LportAddresses {
        /// IPv4 addresses (host order).
        pub ipv4: Vec<u32>,
        /// IPv6 addresses.
        pub ipv6: Vec<Ipv6Addr>,
    }

    fn is_space(b: u8) -> bool {
        matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
    }

    fn skip_spaces(s: &[u8], mut i: usize) -> usize {
        while i < s.len() && is_space(s[i]) {
            i += 1;
        }
        i
    }

    /// `scan_int` after the conversion's space skipping: sign, `0x` for base 16, digits;
    /// the value wrapped as C stores it.
    fn scan_int(s: &[u8], i: usize, base: u32) -> Option<(u64, usize)> {
        let mut i = skip_spaces(s, i);
        let negative = s.get(i) == Some(&b'-');
        if matches!(s.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        if base == 16 && s.get(i) == Some(&b'0') && matches!(s.get(i + 1), Some(b'x' | b'X')) {
            i += 2;
        }
        let start = i;
        let mut value: u64 = 0;
        while let Some(d) = s.get(i).and_then(|&c| (c as char).to_digit(base)) {
            value = value
                .wrapping_mul(u64::from(base))
                .wrapping_add(u64::from(d));
            i += 1;
        }
        if i == start {
            return None;
        }
        Some((
            if negative {
                value.wrapping_neg()
            } else {
                value
            },
            i,
        ))
    }

    fn literal(s: &[u8], i: usize, c: u8) -> Option<usize> {
        (s.get(i) == Some(&c)).then_some(i + 1)
    }

    /// `ETH_ADDR_SCAN_FMT`.
    fn scan_eth(s: &[u8], mut i: usize) -> Option<usize> {
        for n in 0..6 {
            if n > 0 {
                i = literal(s, i, b':')?;
            }
            i = scan_int(s, i, 16)?.1;
        }
        Some(i)
    }

    /// `IP_SCAN_FMT`: the address (host order) and where it ends.
    fn scan_ip(s: &[u8], mut i: usize) -> Option<(u32, usize)> {
        let mut ip = 0u32;
        for n in 0..4 {
            if n > 0 {
                i = literal(s, i, b'.')?;
            }
            let (v, next) = scan_int(s, i, 10)?;
            ip = (ip << 8) | (v & 0xff) as u32;
            i = next;
        }
        Some((ip, i))
    }

    /// `IPV6_SCAN_FMT` (`%46[0-9a-fA-F:.]`): the text and where it ends.
    fn scan_ipv6_text(s: &[u8], i: usize) -> Option<(&str, usize)> {
        let mut j = i;
        while j < s.len() && j - i < 46 && (s[j].is_ascii_hexdigit() || matches!(s[j], b':' | b'.'))
        {
            j += 1;
        }
        if j == i {
            return None;
        }
        Some((std::str::from_utf8(&s[i..j]).ok()?, j))
    }

    /// `"dynamic "` followed by a conversion: the literal, then any spaces.
    fn after_dynamic(s: &[u8]) -> Option<usize> {
        s.starts_with(b"dynamic")
            .then(|| skip_spaces(s, "dynamic".len()))
    }

    /// What `lsp-set-addresses` accepts: `unknown`, `dynamic`, `router`, anything starting
    /// with a MAC, `dynamic IPV6...` or `dynamic IPV4...`.
    pub fn is_valid_lsp_address(a: &str) -> bool {
        let s = a.as_bytes();
        matches!(a, "unknown" | "dynamic" | "router")
            || scan_eth(s, 0).is_some()
            || after_dynamic(s).is_some_and(|i| scan_ipv6_text(s, i).is_some())
            || after_dynamic(s).is_some_and(|i| scan_ip(s, i).is_some())
    }

    /// `is_dynamic_lsp_address`.
    pub fn is_dynamic_lsp_address(a: &str) -> bool {
        let s = a.as_bytes();
        if a == "dynamic" {
            return true;
        }
        if let Some(i) = after_dynamic(s) {
            if let Some((_, j)) = scan_ip(s, i) {
                if j == s.len() {
                    return true;
                }
                let k = skip_spaces(s, j);
                if scan_ipv6_text(s, k).is_some_and(|(_, e)| e == s.len()) {
                    return true;
                }
            }
            if scan_ipv6_text(s, i).is_some_and(|(_, e)| e == s.len()) {
                return true;
            }
        }
        scan_eth(s, 0).is_some_and(|j| {
            let k = skip_spaces(s, j);
            &s[k.min(s.len())..] == b"dynamic"
        })
    }

    /// `ip_parse_cidr_len`: an IPv4 address with an optional `/PLEN` or `/MASK`.
    fn ip_cidr_len(s: &[u8], i: usize) -> Option<(u32, usize)> {
        let (ip, j) = scan_ip(s, i)?;
        let (mask, end) = if let Some((mask, k)) = literal(s, j, b'/').and_then(|k| scan_ip(s, k)) {
            (mask, k)
        } else if let Some((plen, k)) = literal(s, j, b'/').and_then(|k| scan_int(s, k, 10)) {
            let plen = plen as i32;
            if !(0..=32).contains(&plen) {
                return None;
            }
            (prefix_mask(plen as u32), k)
        } else {
            (u32::MAX, j)
        };
        let inverted = !mask;
        if inverted & inverted.wrapping_add(1) != 0 {
            return None;
        }
        Some((ip, end))
    }

    fn prefix_mask(plen: u32) -> u32 {
        if plen == 0 {
            0
        } else {
            u32::MAX << (32 - plen)
        }
    }

    /// `ipv6_parse_cidr_len`.
    fn ipv6_cidr_len(s: &[u8], i: usize) -> Option<(Ipv6Addr, usize)> {
        let i = skip_spaces(s, i);
        let (text, j) = scan_ipv6_text(s, i)?;
        let ip: Ipv6Addr = text.parse().ok()?;
        let (mask, end) =
            if let Some((plen, k)) = literal(s, j, b'/').and_then(|k| scan_int(s, k, 10)) {
                let plen = plen as i32;
                if !(0..=128).contains(&plen) {
                    return None;
                }
                let m = if plen == 0 {
                    0
                } else {
                    u128::MAX << (128 - plen)
                };
                (m, k)
            } else if let Some((text, k)) = literal(s, j, b'/').and_then(|k| scan_ipv6_text(s, k)) {
                (u128::from(text.parse::<Ipv6Addr>().ok()?), k)
            } else {
                (u128::MAX, j)
            };
        let inverted = !mask;
        if inverted & inverted.wrapping_add(1) != 0 {
            return None;
        }
        Some((ip, end))
    }

    /// `ip_parse_cidr`: the whole string is an IPv4 CIDR.
    pub fn ip_parse_cidr(a: &str) -> Option<u32> {
        let s = a.as_bytes();
        ip_cidr_len(s, 0).and_then(|(ip, end)| (end == s.len()).then_some(ip))
    }

    /// `ipv6_parse_cidr`: the whole string is an IPv6 CIDR.
    pub fn ipv6_parse_cidr(a: &str) -> Option<Ipv6Addr> {
        let s = a.as_bytes();
        ipv6_cidr_len(s, 0).and_then(|(ip, end)| (end == s.len()).then_some(ip))
    }

    /// `extract_lsp_addresses`: a MAC, then as many IPv4 / IPv6 addresses as parse.
    pub fn extract_lsp_addresses(a: &str) -> Option<LportAddresses> {
        let s = a.as_bytes();
        let mut i = scan_eth(s, 0)?;
        let mut out = LportAddresses {
            ipv4: Vec::new(),
            ipv6: Vec::new(),
        };
        while i < s.len() {
            if let Some((ip, j)) = ip_cidr_len(s, i) {
                out.ipv4.push(ip);
                i = j;
            } else if let Some((ip, j)) = ipv6_cidr_len(s, i) {
                out.ipv6.push(ip);
                i = j;
            } else {
                break;
            }
        }
        Some(out)
    }

    /// An IPv6 address as glibc's `inet_ntop` writes it (`::a.b.c.d` and
    /// `::ffff:a.b.c.d` forms included).
    pub fn ipv6_to_string(ip: &Ipv6Addr) -> String {
        let w = ip.segments();
        let (mut best, mut cur): ((usize, usize), Option<(usize, usize)>) = ((0, 0), None);
        for (i, &word) in w.iter().enumerate() {
            if word == 0 {
                let c = cur.map_or((i, 1), |(b, l)| (b, l + 1));
                cur = Some(c);
                if c.1 > best.1 {
                    best = c;
                }
            } else {
                cur = None;
            }
        }
        let best = (best.1 >= 2).then_some(best);
        let mut out = String::new();
        let mut i = 0;
        while i < 8 {
            if let Some((b, l)) = best {
                if i >= b && i < b + l {
                    if i == b {
                        out.push(':');
                    }
                    i += 1;
                    continue;
                }
            }
            if i != 0 {
                out.push(':');
            }
            if i == 6 && best.is_some_and(|(b, l)| b == 0 && (l == 6 || (l == 5 && w[5] == 0xffff)))
            {
                let o = ip.octets();
                out.push_str(&format!("{}.{}.{}.{}", o[12], o[13], o[14], o[15]));
                return out;
            }
            out.push_str(&format!("{:x}", w[i]));
            i += 1;
        }
        if best.is_some_and(|(b, l)| b + l == 8) {
            out.push(':');
        }
        out
    }
}
