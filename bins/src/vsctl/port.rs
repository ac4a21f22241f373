//! ovs-vsctl port, bond and interface commands: `list-ports`, `add-port`, `add-bond`,
//! `add-bond-iface`, `del-bond-iface`, `del-port`, `port-to-br`, `list-ifaces`, `iface-to-br`.
//!
//! Each looks up what it names (a select by name) and walks references to the bridge; only
//! the listing commands read a bridge's ports and interfaces.

use ovsdb::data::{Atom, Datum, Row, Uuid};
use ovsdb::ops::{Mutation, Mutator};

use super::common::{self, uuid_datum, Cache};
use crate::ctl::context::uuids_of;
use crate::ctl::db_commands;
use crate::ctl::project::{self, Want};
use crate::ctl::{Command, CommandSpec, Context, CtlError, CtlResult, Mode};

/// The table entries of this group.
pub fn commands() -> Vec<CommandSpec> {
    let c = CommandSpec::new;
    vec![
        c("list-ports", 1, 1, "", Mode::ReadOnly, cmd_list_ports),
        c(
            "add-port",
            2,
            usize::MAX,
            "--may-exist",
            Mode::ReadWrite,
            cmd_add_port,
        ),
        c(
            "add-bond",
            4,
            usize::MAX,
            "--may-exist,--fake-iface",
            Mode::ReadWrite,
            cmd_add_bond,
        ),
        c(
            "add-bond-iface",
            2,
            2,
            "--may-exist",
            Mode::ReadWrite,
            cmd_add_bond_iface,
        ),
        c(
            "del-bond-iface",
            1,
            2,
            "--if-exists",
            Mode::ReadWrite,
            cmd_del_bond_iface,
        ),
        c(
            "del-port",
            1,
            2,
            "--if-exists,--with-iface",
            Mode::ReadWrite,
            cmd_del_port,
        ),
        c("port-to-br", 1, 1, "", Mode::ReadOnly, cmd_port_to_br),
        c("list-ifaces", 1, 1, "", Mode::ReadOnly, cmd_list_ifaces),
        c("iface-to-br", 1, 1, "", Mode::ReadOnly, cmd_iface_to_br),
    ]
}

/// Appends `names`, sorted, one per line (`output_sorted`).
fn output_sorted(ctx: &mut Context<'_>, mut names: Vec<String>) {
    names.sort_unstable();
    for n in names {
        ctx.output.push_str(&n);
        ctx.output.push('\n');
    }
}

fn cmd_list_ports(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let cache = common::load(ctx)?;
    let Some(i) = common::find_bridge(&cache, cmd.arg(0), true)? else {
        return Ok(());
    };
    let own = cache.name(i).to_string();
    let common::PortsOf { ports, rows, .. } = common::ports_of(ctx, &cache, i, &["name"], None)?;
    let names: Vec<String> = ports
        .into_iter()
        .filter_map(|p| rows.get(p).map(|v| project::str_of(&v[0])))
        .filter(|n| *n != own)
        .map(str::to_string)
        .collect();
    output_sorted(ctx, names);
    Ok(())
}

fn cmd_list_ifaces(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let cache = common::load(ctx)?;
    let Some(i) = common::find_bridge(&cache, cmd.arg(0), true)? else {
        return Ok(());
    };
    let own = cache.name(i).to_string();
    let names_of_all = Want::dense("Interface", &["name"]);
    let common::PortsOf { ports, rows, also } =
        common::ports_of(ctx, &cache, i, &["interfaces"], Some(names_of_all))?;
    let mut ifaces: Vec<Uuid> = ports
        .iter()
        .filter_map(|p| rows.get(*p))
        .flat_map(|v| uuids_of(&v[0]))
        .collect();
    ifaces.sort_unstable();
    ifaces.dedup();
    let names = match also {
        Some(all) => all,
        None => {
            let refs = Datum::set(ifaces.iter().copied().map(Atom::Uuid).collect::<Vec<_>>());
            let held = ctx.fetch_refs("Interface", &refs)?;
            project::held(ctx, "Interface", &held, &["name"])
        }
    };
    let names: Vec<String> = ifaces
        .into_iter()
        .filter_map(|u| names.get(u).map(|v| project::str_of(&v[0])))
        .filter(|n| *n != own)
        .map(str::to_string)
        .collect();
    output_sorted(ctx, names);
    Ok(())
}

fn cmd_port_to_br(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let cache = common::load(ctx)?;
    if let Some((_, br)) = common::find_port(ctx, &cache, cmd.arg(0), true)? {
        let name = cache.name(br).to_string();
        ctx.output.push_str(&format!("{name}\n"));
    }
    Ok(())
}

fn cmd_iface_to_br(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let cache = common::load(ctx)?;
    if let Some((_, _, br)) = common::find_iface(ctx, &cache, cmd.arg(0), true)? {
        let name = cache.name(br).to_string();
        ctx.output.push_str(&format!("{name}\n"));
    }
    Ok(())
}

fn cmd_add_port(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let port = cmd.arg(1);
    let new = NewPort {
        bridge: cmd.arg(0),
        port,
        ifaces: vec![port],
        settings: &cmd.args[2..],
        fake_iface: false,
    };
    add_port(ctx, cmd, &new)
}

fn cmd_add_bond(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let rest = &cmd.args[2..];
    let n_ifaces = rest
        .iter()
        .position(|a| a.contains('='))
        .unwrap_or(rest.len());
    if n_ifaces < 2 {
        return Err(CtlError::new(format!(
            "add-bond requires at least 2 interfaces, but only {n_ifaces} were specified"
        )));
    }
    let new = NewPort {
        bridge: cmd.arg(0),
        port: cmd.arg(1),
        ifaces: rest[..n_ifaces].iter().map(String::as_str).collect(),
        settings: &rest[n_ifaces..],
        fake_iface: cmd.has("--fake-iface"),
    };
    add_port(ctx, cmd, &new)
}

/// What `add_port` makes.
struct NewPort<'a> {
    bridge: &'a str,
    port: &'a str,
    ifaces: Vec<&'a str>,
    settings: &'a [String],
    fake_iface: bool,
}

/// `add_port`: a Port with its Interfaces in a bridge, or (`--may-exist`) the check that
/// the same port is already there.
fn add_port(ctx: &mut Context<'_>, cmd: &Command, new: &NewPort<'_>) -> CtlResult<()> {
    if new.port.is_empty() {
        return Err(CtlError::new("port name must not be empty string"));
    }
    if new.ifaces.iter().any(|i| i.is_empty()) {
        return Err(CtlError::new("interface name must not be empty string"));
    }
    let cache = common::load(ctx)?;
    if cmd.has("--may-exist") {
        if let Some((port, br)) = common::find_port(ctx, &cache, new.port, false)? {
            return check_existing_port(ctx, cmd, &cache, new, port, br);
        }
    }
    let msg = format!("cannot create a port named {}", new.port);
    common::check_conflicts(ctx, &cache, new.port, &msg)?;
    for iface in &new.ifaces {
        let msg = format!("cannot create an interface named {iface}");
        common::check_conflicts(ctx, &cache, iface, &msg)?;
    }
    let Some(br) = common::find_bridge(&cache, new.bridge, true)? else {
        return Ok(());
    };
    let mut ifaces = Vec::with_capacity(new.ifaces.len());
    for name in &new.ifaces {
        let iface = ctx.insert("Interface", None, Row::new().with("name", *name))?;
        common::expect_iface(ctx, iface);
        ifaces.push(Atom::Uuid(iface));
    }
    let mut row = Row::new()
        .with("name", new.port)
        .with("interfaces", Datum::set(ifaces))
        .with("bond_fake_iface", new.fake_iface);
    let bridge = &cache.bridges[br];
    if bridge.is_fake() {
        row.insert("tag", Datum::from(bridge.vlan));
    }
    let port = ctx.insert("Port", None, row)?;
    for setting in new.settings {
        db_commands::set_column(ctx, "Port", port, setting)?;
    }
    ctx.mutate_whole(
        "Bridge",
        bridge.row,
        Mutation::new("ports", Mutator::Insert, uuid_datum(port)),
    )
}

/// `--may-exist` on an existing port: it must be in the same bridge with the same
/// interfaces; then nothing happens (the trailing settings are ignored).
fn check_existing_port(
    ctx: &mut Context<'_>,
    cmd: &Command,
    cache: &Cache,
    new: &NewPort<'_>,
    port: Uuid,
    br: usize,
) -> CtlResult<()> {
    let mut want: Vec<String> = new.ifaces.iter().map(|s| s.to_string()).collect();
    want.sort_unstable();
    let ifaces = ctx.value("Port", port, "interfaces");
    let mut have: Vec<String> = ctx
        .fetch_refs("Interface", &ifaces)?
        .into_iter()
        .map(|i| common::string(ctx, "Interface", i, "name"))
        .collect();
    have.sort_unstable();
    if cache.name(br) != new.bridge {
        return Err(CtlError::new(format!(
            "\"{}\" but {} is actually attached to bridge {}",
            common::command_string(cmd),
            new.port,
            cache.name(br)
        )));
    }
    if want != have {
        return Err(CtlError::new(format!(
            "\"{}\" but {} actually has interface(s) {}",
            common::command_string(cmd),
            new.port,
            have.join(", ")
        )));
    }
    Ok(())
}

fn cmd_add_bond_iface(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let cache = common::load(ctx)?;
    let Some((port, _)) = common::find_port(ctx, &cache, cmd.arg(0), true)? else {
        return Ok(());
    };
    let name = cmd.arg(1);
    if cmd.has("--may-exist") {
        if let Some((_, owner, _)) = common::find_iface(ctx, &cache, name, false)? {
            if owner == port {
                return Ok(());
            }
            return Err(CtlError::new(format!(
                "\"{}\" but {name} is actually attached to port {}",
                common::command_string(cmd),
                common::string(ctx, "Port", owner, "name")
            )));
        }
    }
    let msg = format!("cannot create an interface named {name}");
    common::check_conflicts(ctx, &cache, name, &msg)?;
    let iface = ctx.insert("Interface", None, Row::new().with("name", name))?;
    ctx.mutate(
        "Port",
        port,
        Mutation::new("interfaces", Mutator::Insert, uuid_datum(iface)),
    )?;
    common::expect_iface(ctx, iface);
    Ok(())
}

fn cmd_del_bond_iface(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let cache = common::load(ctx)?;
    let name = cmd.arg(cmd.args.len() - 1);
    let Some((iface, owner, _)) = common::find_iface(ctx, &cache, name, !cmd.has("--if-exists"))?
    else {
        return Ok(());
    };
    if cmd.args.len() > 1 {
        let port_name = cmd.arg(0);
        let port = common::find_port(ctx, &cache, port_name, true)?.map(|(p, _)| p);
        if port != Some(owner) {
            return Err(CtlError::new(format!(
                "port {port_name} does not have an interface {name}"
            )));
        }
    }
    if common::refs(ctx, "Port", owner, "interfaces").len() < 2 {
        return Err(CtlError::new(format!(
            "cannot delete last interface from port {}",
            common::string(ctx, "Port", owner, "name")
        )));
    }
    ctx.mutate(
        "Port",
        owner,
        Mutation::new("interfaces", Mutator::Delete, uuid_datum(iface)),
    )?;
    ctx.delete("Interface", iface)
}

fn cmd_del_port(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let must_exist = !cmd.has("--if-exists");
    let target = cmd.arg(cmd.args.len() - 1);
    let cache = common::load(ctx)?;
    let found = if cache.bridge(target).is_some() {
        if must_exist {
            return Err(CtlError::new(format!(
                "cannot delete port {target} because it is the local port for bridge {target} (deleting this port requires deleting the entire bridge)"
            )));
        }
        None
    } else if !cmd.has("--with-iface") {
        common::find_port(ctx, &cache, target, must_exist)?
    } else {
        let mut found = common::find_port(ctx, &cache, target, false)?;
        if found.is_none() {
            found = common::find_iface(ctx, &cache, target, false)?.map(|(_, p, br)| (p, br));
        }
        if must_exist && found.is_none() {
            return Err(CtlError::new(format!(
                "no port or interface named {target}"
            )));
        }
        found
    };
    let Some((port, br)) = found else {
        return Ok(());
    };
    if cmd.args.len() == 2 {
        check_port_bridge(&cache, cmd, br)?;
    }
    common::del_port(ctx, cache.bridges[br].row, port)
}

/// `del-port BRIDGE PORT`: the port must be in that bridge.
fn check_port_bridge(cache: &Cache, cmd: &Command, br: usize) -> CtlResult<()> {
    let Some(want) = common::find_bridge(cache, cmd.arg(0), true)? else {
        return Ok(());
    };
    if want == br {
        return Ok(());
    }
    if cache.bridges[br].parent == Some(want) {
        return Err(CtlError::new(format!(
            "bridge {} does not have a port {} (although its child bridge {} does)",
            cmd.arg(0),
            cmd.arg(1),
            cache.name(br)
        )));
    }
    Err(CtlError::new(format!(
        "bridge {} does not have a port {}",
        cmd.arg(0),
        cmd.arg(1)
    )))
}
