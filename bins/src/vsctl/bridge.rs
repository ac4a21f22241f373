//! ovs-vsctl bridge commands: `init`, `add-br` (real and fake), `del-br`, `list-br`,
//! `br-exists`, `br-to-vlan`, `br-to-parent`, `br-set-external-id`, `br-get-external-id`,
//! `emer-reset`.

use ovsdb::data::{Atom, Datum, Row, Uuid};
use ovsdb::ops::{Condition, Mutation, Mutator};

use super::common::{self, uuid_datum, Cache};
use crate::ctl::{Command, CommandSpec, Context, CtlError, CtlResult, Mode};

/// The table entries of this group.
pub fn commands() -> Vec<CommandSpec> {
    let c = CommandSpec::new;
    vec![
        c("init", 0, 0, "", Mode::ReadWrite, cmd_init),
        c("add-br", 1, 3, "--may-exist", Mode::ReadWrite, cmd_add_br),
        c("del-br", 1, 1, "--if-exists", Mode::ReadWrite, cmd_del_br),
        c(
            "list-br",
            0,
            0,
            "--real,--fake",
            Mode::ReadOnly,
            cmd_list_br,
        ),
        c("br-exists", 1, 1, "", Mode::ReadOnly, cmd_br_exists),
        c("br-to-vlan", 1, 1, "", Mode::ReadOnly, cmd_br_to_vlan),
        c("br-to-parent", 1, 1, "", Mode::ReadOnly, cmd_br_to_parent),
        c(
            "br-set-external-id",
            2,
            3,
            "",
            Mode::ReadWrite,
            cmd_br_set_external_id,
        ),
        c(
            "br-get-external-id",
            1,
            2,
            "",
            Mode::ReadOnly,
            cmd_br_get_external_id,
        ),
        c("emer-reset", 0, 0, "", Mode::ReadWrite, cmd_emer_reset),
    ]
}

fn cmd_init(ctx: &mut Context<'_>, _cmd: &Command) -> CtlResult<()> {
    common::ovs_row(ctx).map(|_| ())
}

fn cmd_add_br(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let name = cmd.arg(0);
    if name.is_empty() {
        return Err(CtlError::new("bridge name must not be empty string"));
    }
    let (parent, vlan) = match cmd.args.len() {
        1 => (None, 0),
        3 => {
            let vlan = common::atoi(cmd.arg(2));
            if !(0..=4095).contains(&vlan) {
                return Err(CtlError::new(format!(
                    "{}: vlan must be between 0 and 4095",
                    cmd.name
                )));
            }
            (Some(cmd.arg(1)), vlan)
        }
        _ => {
            return Err(CtlError::new(format!(
                "'{}' command takes exactly 1 or 3 arguments",
                cmd.name
            )))
        }
    };
    let cache = common::load(ctx)?;
    if cmd.has("--may-exist") {
        if let Some(i) = cache.bridge(name) {
            return check_existing(&cache, i, name, parent, vlan);
        }
    }
    common::check_conflicts(
        ctx,
        &cache,
        name,
        &format!("cannot create a bridge named {name}"),
    )?;
    let iface = ctx.insert(
        "Interface",
        None,
        Row::new().with("name", name).with("type", "internal"),
    )?;
    let mut port = Row::new()
        .with("name", name)
        .with("interfaces", Atom::Uuid(iface));
    match parent {
        None => {
            let port = ctx.insert("Port", None, port)?;
            let br = ctx.insert(
                "Bridge",
                None,
                Row::new()
                    .with("name", name)
                    .with("ports", Atom::Uuid(port)),
            )?;
            ctx.mutate_whole(
                "Open_vSwitch",
                cache.ovs,
                Mutation::new("bridges", Mutator::Insert, uuid_datum(br)),
            )?;
        }
        Some(parent_name) => {
            let parent_row = fake_parent(&cache, parent_name, vlan)?;
            port.insert("fake_bridge", Datum::from(true));
            port.insert("tag", Datum::from(vlan));
            let port = ctx.insert("Port", None, port)?;
            ctx.mutate_whole(
                "Bridge",
                parent_row,
                Mutation::new("ports", Mutator::Insert, uuid_datum(port)),
            )?;
        }
    }
    common::expect_iface(ctx, iface);
    Ok(())
}

/// `--may-exist add-br` on an existing bridge: fine only if it is the same kind of bridge.
fn check_existing(
    cache: &Cache,
    i: usize,
    name: &str,
    parent: Option<&str>,
    vlan: i64,
) -> CtlResult<()> {
    let br = &cache.bridges[i];
    match (parent, br.parent) {
        (None, None) => Ok(()),
        (None, Some(_)) => Err(CtlError::new(format!(
            "\"--may-exist add-br {name}\" but {name} is a VLAN bridge for VLAN {}",
            br.vlan
        ))),
        (Some(p), None) => Err(CtlError::new(format!(
            "\"--may-exist add-br {name} {p} {vlan}\" but {name} is not a VLAN bridge"
        ))),
        (Some(p), Some(have)) if cache.name(have) != p => Err(CtlError::new(format!(
            "\"--may-exist add-br {name} {p} {vlan}\" but {name} has the wrong parent {}",
            cache.name(have)
        ))),
        (Some(p), Some(_)) if br.vlan != vlan => Err(CtlError::new(format!(
            "\"--may-exist add-br {name} {p} {vlan}\" but {name} is a VLAN bridge for the wrong VLAN {}",
            br.vlan
        ))),
        _ => Ok(()),
    }
}

/// The Bridge row a new fake bridge goes into, with `add-br`'s checks.
fn fake_parent(cache: &Cache, parent_name: &str, vlan: i64) -> CtlResult<Uuid> {
    let Some(p) = cache.bridge(parent_name) else {
        return Err(CtlError::new(format!(
            "parent bridge {parent_name} does not exist"
        )));
    };
    if cache.bridges[p].is_fake() {
        return Err(CtlError::new(
            "cannot create bridge with fake bridge as parent",
        ));
    }
    if let Some(conflict) = cache.vlan_bridge(p, vlan) {
        return Err(CtlError::new(format!(
            "bridge {parent_name} already has a child VLAN bridge {} on VLAN {vlan}",
            cache.name(conflict)
        )));
    }
    Ok(cache.bridges[p].row)
}

fn cmd_del_br(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let cache = common::load(ctx)?;
    let Some(i) = common::find_bridge(&cache, cmd.arg(0), !cmd.has("--if-exists"))? else {
        return Ok(());
    };
    let br = cache.bridges[i].clone();
    if br.is_fake() {
        return del_fake_bridge(ctx, &cache, i);
    }
    // The Bridge row goes, and with it (garbage-collected) its ports and interfaces, those
    // of its fake bridges included; later lookups walk to a bridge, so they no longer see them.
    // ovs-vsctl means to delete the Flow_Sample_Collector_Sets of the bridge too, but its IDL
    // does not replicate that table, so it never does (a set keeps the bridge alive).
    ctx.mutate_whole(
        "Open_vSwitch",
        cache.ovs,
        Mutation::new("bridges", Mutator::Delete, uuid_datum(br.row)),
    )?;
    ctx.delete("Bridge", br.row)
}

/// Deletes the ports of fake bridge `i` (its own included) from its parent.
fn del_fake_bridge(ctx: &mut Context<'_>, cache: &Cache, i: usize) -> CtlResult<()> {
    let br = &cache.bridges[i];
    let tagged = ctx.query("Port", &[Condition::eq("tag", br.vlan)])?;
    ctx.fill_omitted("Bridge")?;
    let in_parent = ctx.value("Bridge", br.row, "ports");
    let in_parent = in_parent.as_set();
    for port in tagged {
        if in_parent.is_some_and(|s| s.contains(&Atom::Uuid(port))) {
            common::del_port(ctx, br.row, port)?;
        }
    }
    Ok(())
}

fn cmd_list_br(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let (mut real, mut fake) = (cmd.has("--real"), cmd.has("--fake"));
    if !real && !fake {
        (real, fake) = (true, true);
    }
    let cache = common::load(ctx)?;
    let mut names: Vec<&str> = cache
        .bridges
        .iter()
        .filter(|b| if b.is_fake() { fake } else { real })
        .map(|b| b.name.as_str())
        .collect();
    names.sort_unstable();
    for n in names {
        ctx.output.push_str(n);
        ctx.output.push('\n');
    }
    Ok(())
}

fn cmd_br_exists(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let cache = common::load(ctx)?;
    if cache.bridge(cmd.arg(0)).is_none() {
        return Err(CtlError::with_code("", 2));
    }
    Ok(())
}

fn cmd_br_to_vlan(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let cache = common::load(ctx)?;
    if let Some(i) = common::find_bridge(&cache, cmd.arg(0), true)? {
        let vlan = cache.bridges[i].vlan;
        ctx.output.push_str(&format!("{vlan}\n"));
    }
    Ok(())
}

fn cmd_br_to_parent(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let cache = common::load(ctx)?;
    if let Some(i) = common::find_bridge(&cache, cmd.arg(0), true)? {
        let real = cache.bridges[i].parent.unwrap_or(i);
        let name = cache.name(real).to_string();
        ctx.output.push_str(&name);
        ctx.output.push('\n');
    }
    Ok(())
}

/// Where a bridge keeps its external ids: the Bridge row, or a fake bridge's Port row with
/// keys prefixed `fake-bridge-`.
fn external_ids_home(cache: &Cache, i: usize) -> (&'static str, Uuid, &'static str) {
    let br = &cache.bridges[i];
    match br.port {
        Some(port) if br.is_fake() => ("Port", port, "fake-bridge-"),
        _ => ("Bridge", br.row, ""),
    }
}

fn cmd_br_set_external_id(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let cache = common::load(ctx)?;
    let Some(i) = common::find_bridge(&cache, cmd.arg(0), true)? else {
        return Ok(());
    };
    let (table, row, prefix) = external_ids_home(&cache, i);
    let key = Atom::from(format!("{prefix}{}", cmd.arg(1)));
    let mut ids = ctx.value(table, row, "external_ids");
    if let Datum::Map(m) = &mut ids {
        match cmd.args.get(2) {
            Some(value) => {
                m.insert(key, Atom::from(value.as_str()));
            }
            None => {
                m.remove(&key);
            }
        }
    }
    ctx.set(table, row, "external_ids", ids)
}

fn cmd_br_get_external_id(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let cache = common::load(ctx)?;
    let Some(i) = common::find_bridge(&cache, cmd.arg(0), true)? else {
        return Ok(());
    };
    let (table, row, prefix) = external_ids_home(&cache, i);
    let ids = ctx.value(table, row, "external_ids");
    let Some(map) = ids.as_map() else {
        return Ok(());
    };
    let mut out = String::new();
    match cmd.args.get(1) {
        Some(key) => {
            if let Some(Atom::String(v)) = map.get_str(&format!("{prefix}{key}")) {
                out.push_str(&format!("{v}\n"));
            }
        }
        None => {
            for (k, v) in map.iter() {
                if let (Atom::String(k), Atom::String(v)) = (k, v) {
                    if let Some(k) = k.strip_prefix(prefix) {
                        out.push_str(&format!("{k}={v}\n"));
                    }
                }
            }
        }
    }
    ctx.output.push_str(&out);
    Ok(())
}

fn cmd_emer_reset(ctx: &mut Context<'_>, _cmd: &Command) -> CtlResult<()> {
    let ovs = common::ovs_row(ctx)?;
    ctx.set("Open_vSwitch", ovs, "manager_options", Datum::empty_set())?;
    ctx.set("Open_vSwitch", ovs, "ssl", Datum::empty_set())?;
    for br in ctx.all("Bridge")? {
        for col in [
            "controller",
            "fail_mode",
            "mirrors",
            "netflow",
            "sflow",
            "ipfix",
            "flood_vlans",
        ] {
            ctx.set("Bridge", br, col, Datum::empty_set())?;
        }
        let other = ctx.value("Bridge", br, "other_config");
        let hwaddr = other.as_map().and_then(|m| m.get_str("hwaddr")).cloned();
        let kept = match hwaddr {
            Some(h) => Datum::map([(Atom::from("hwaddr"), h)]),
            None => Datum::empty_map(),
        };
        ctx.set("Bridge", br, "other_config", kept)?;
    }
    for port in ctx.all("Port")? {
        ctx.set("Port", port, "other_config", Datum::empty_map())?;
    }
    for iface in ctx.all("Interface")? {
        ctx.set(
            "Interface",
            iface,
            "ingress_policing_rate",
            Datum::from(0i64),
        )?;
        ctx.set(
            "Interface",
            iface,
            "ingress_policing_burst",
            Datum::from(0i64),
        )?;
    }
    // The other rows are all unreferenced now (and garbage-collected). ovs-vsctl also means to
    // delete every Flow_Sample_Collector_Set, but its IDL does not replicate that table, so it
    // never does.
    Ok(())
}
