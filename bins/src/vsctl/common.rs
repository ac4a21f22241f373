//! What the ovs-vsctl commands share: the bridge model (`vsctl_context_populate_cache`), kept
//! small: every bridge is read (there are few), fake bridges come from a select of the ports
//! with `fake_bridge=true`, and ports and interfaces are looked up by name and walked to their
//! bridge through references, never by reading the Port or Interface table whole.

use std::collections::BTreeSet;

use ovsdb::data::{Atom, Datum, Row, Uuid};
use ovsdb::ops::{Condition, Mutation, Mutator, Operation};

use crate::ctl::context::{uuids_of, Read};
use crate::ctl::project::{self, Projection, Want};
use crate::ctl::{Context, CtlError, CtlResult};

/// One bridge as ovs-vsctl sees it: a real one (a Bridge row) or a fake one (a Port with
/// `fake_bridge=true` and a VLAN tag in a real bridge).
#[derive(Debug, Clone)]
pub struct VsBridge {
    /// Its name.
    pub name: String,
    /// The Bridge row that holds its ports (its own row, or its parent's for a fake bridge).
    pub row: Uuid,
    /// The index of the parent in [`Cache::bridges`] (fake bridges only).
    pub parent: Option<usize>,
    /// The VLAN of a fake bridge (0 for a real one).
    pub vlan: i64,
    /// The Port row that makes a fake bridge.
    pub port: Option<Uuid>,
}

impl VsBridge {
    /// Whether this is a fake (VLAN) bridge.
    pub fn is_fake(&self) -> bool {
        self.parent.is_some()
    }
}

/// The bridges of the database, in the order ovs-vsctl builds them.
#[derive(Debug, Clone)]
pub struct Cache {
    /// The Open_vSwitch row.
    pub ovs: Uuid,
    /// Every bridge, real ones and fake ones.
    pub bridges: Vec<VsBridge>,
}

impl Cache {
    /// The bridge called `name`.
    pub fn bridge(&self, name: &str) -> Option<usize> {
        self.bridges.iter().position(|b| b.name == name)
    }

    /// The fake bridge of real bridge `parent` on `vlan`.
    pub fn vlan_bridge(&self, parent: usize, vlan: i64) -> Option<usize> {
        self.bridges
            .iter()
            .position(|b| b.parent == Some(parent) && b.vlan == vlan)
    }

    /// The real bridge whose Bridge row is `row`.
    pub fn real_of_row(&self, row: Uuid) -> Option<usize> {
        self.bridges
            .iter()
            .position(|b| b.parent.is_none() && b.row == row)
    }

    /// The name of bridge `i`.
    pub fn name(&self, i: usize) -> &str {
        self.bridges.get(i).map(|b| b.name.as_str()).unwrap_or("")
    }
}

/// The string value of a scalar string column of a held row ("" if unset).
pub fn string(ctx: &Context<'_>, table: &str, uuid: Uuid, column: &str) -> String {
    match ctx.value(table, uuid, column).as_scalar() {
        Some(Atom::String(s)) => s.to_string(),
        _ => String::new(),
    }
}

/// The value of an optional integer column of a held row.
pub fn integer(ctx: &Context<'_>, table: &str, uuid: Uuid, column: &str) -> Option<i64> {
    match ctx.value(table, uuid, column).as_scalar() {
        Some(Atom::Integer(i)) => Some(*i),
        _ => None,
    }
}

/// The value of a boolean column of a held row.
pub fn boolean(ctx: &Context<'_>, table: &str, uuid: Uuid, column: &str) -> bool {
    matches!(
        ctx.value(table, uuid, column).as_scalar(),
        Some(Atom::Boolean(true))
    )
}

/// A datum holding one reference.
pub fn uuid_datum(u: Uuid) -> Datum {
    Datum::from(Atom::Uuid(u))
}

/// The UUIDs a reference column of a held row holds.
pub fn refs(ctx: &Context<'_>, table: &str, uuid: Uuid, column: &str) -> Vec<Uuid> {
    uuids_of(&ctx.value(table, uuid, column))
}

/// The Open_vSwitch row; like ovs-vsctl, a database without one gets one.
pub fn ovs_row(ctx: &mut Context<'_>) -> CtlResult<Uuid> {
    match ctx.all("Open_vSwitch")?.first() {
        Some(u) => Ok(*u),
        None => ctx.insert("Open_vSwitch", None, Row::new()),
    }
}

/// C `atoi`: leading blanks, a sign, digits; anything else stops it (0 if no digits).
pub fn atoi(s: &str) -> i64 {
    i64::from(atoll(s) as i32)
}

/// C `atoll` (wrapping where C's behaviour is undefined).
pub fn atoll(s: &str) -> i64 {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let mut v: i64 = 0;
    for b in digits.bytes().take_while(u8::is_ascii_digit) {
        v = v.wrapping_mul(10).wrapping_add(i64::from(b - b'0'));
    }
    if neg {
        v.wrapping_neg()
    } else {
        v
    }
}

/// Reads the bridges (`vsctl_context_populate_cache`, without the ports and interfaces).
///
/// Every Bridge row is read except its `ports`, which holds every port's UUID (most of a
/// select of the table on a busy switch) and is needed only to place fake bridges, so it is
/// read only when there are some; commands that walk a bridge's ports fill it in
/// ([`Context::fill_omitted`]).
pub fn load(ctx: &mut Context<'_>) -> CtlResult<Cache> {
    // The Open_vSwitch row, the Bridge rows without `ports` and the fake-bridge ports.
    prefetch_model(ctx)?;
    let ovs = ovs_row(ctx)?;
    let fake_ports: BTreeSet<Uuid> = ctx.query("Port", &is_fake_bridge())?.into_iter().collect();
    if !fake_ports.is_empty() {
        ctx.fill_omitted("Bridge")?;
    }
    let mut cache = Cache {
        ovs,
        bridges: Vec::new(),
    };
    for br in refs(ctx, "Open_vSwitch", ovs, "bridges") {
        if ctx.row("Bridge", br).is_none() {
            continue;
        }
        let name = string(ctx, "Bridge", br, "name");
        if cache.bridge(&name).is_some() {
            ctx.warn(
                "vsctl",
                &format!("{name}: database contains duplicate bridge name"),
            );
            continue;
        }
        let parent = cache.bridges.len();
        cache.bridges.push(VsBridge {
            name,
            row: br,
            parent: None,
            vlan: 0,
            port: None,
        });
        if fake_ports.is_empty() {
            continue;
        }
        for port in refs(ctx, "Bridge", br, "ports") {
            if !fake_ports.contains(&port) || ctx.row("Port", port).is_none() {
                continue;
            }
            add_fake(ctx, &mut cache, parent, port);
        }
    }
    Ok(cache)
}

/// The `where` clause of the fake-bridge ports. The prefetches and the lookups share their
/// clauses: a query is answered from a prefetch only when they are equal.
fn is_fake_bridge() -> Vec<Condition> {
    vec![Condition::eq("fake_bridge", true)]
}

/// The `where` clause of the row called `name` (see [`is_fake_bridge`]).
fn named(name: &str) -> Vec<Condition> {
    vec![Condition::eq("name", name)]
}

/// Reads what [`load`] needs (the Open_vSwitch row, the bridges without their ports, the
/// fake-bridge ports) in one round trip, unless already read.
pub fn prefetch_model(ctx: &mut Context<'_>) -> CtlResult<()> {
    prefetch_model_and_names(ctx, &[])
}

/// [`prefetch_model`], and in the same round trip the lookups [`check_conflicts`] and
/// [`find_port`] make of each of `names` (the Port and the Interface of that name).
pub fn prefetch_model_and_names(ctx: &mut Context<'_>, names: &[&str]) -> CtlResult<()> {
    let mut reads = vec![
        Read::all("Open_vSwitch"),
        Read {
            omit: &["ports"],
            ..Read::all("Bridge")
        },
        Read::query("Port", is_fake_bridge()),
    ];
    for name in names {
        reads.push(Read::query("Port", named(name)));
        reads.push(Read::query("Interface", named(name)));
    }
    ctx.prefetch(&reads)
}

/// Adds fake bridge `port` of bridge `parent` if its tag makes it one.
fn add_fake(ctx: &mut Context<'_>, cache: &mut Cache, parent: usize, port: Uuid) {
    let Some(tag) = integer(ctx, "Port", port, "tag").filter(|t| (0..=4095).contains(t)) else {
        return;
    };
    let name = string(ctx, "Port", port, "name");
    if cache.bridge(&name).is_some() {
        return;
    }
    if let Some(conflict) = cache.vlan_bridge(parent, tag) {
        let msg = format!(
            "{}: bridge has multiple VLAN bridges ({} and {}) for VLAN {tag}, but only one is allowed",
            cache.name(parent),
            name,
            cache.name(conflict)
        );
        ctx.warn("vsctl", &msg);
    }
    let row = cache.bridges[parent].row;
    cache.bridges.push(VsBridge {
        name,
        row,
        parent: Some(parent),
        vlan: tag,
        port: Some(port),
    });
}

/// `find_bridge`: the bridge called `name`, or `no bridge named NAME`.
pub fn find_bridge(cache: &Cache, name: &str, must_exist: bool) -> CtlResult<Option<usize>> {
    match cache.bridge(name) {
        None if must_exist => Err(CtlError::new(format!("no bridge named {name}"))),
        found => Ok(found),
    }
}

/// `find_real_bridge`: like [`find_bridge`], refusing fake bridges.
pub fn find_real_bridge(cache: &Cache, name: &str) -> CtlResult<usize> {
    let Some(i) = find_bridge(cache, name, true)? else {
        return Err(CtlError::new(format!("no bridge named {name}")));
    };
    if cache.bridges[i].is_fake() {
        return Err(CtlError::new(format!("{name} is a fake bridge")));
    }
    Ok(i)
}

/// The bridge (real, or the fake one its tag puts it in) a held port belongs to.
pub fn bridge_of_port(
    ctx: &mut Context<'_>,
    cache: &Cache,
    port: Uuid,
) -> CtlResult<Option<usize>> {
    let holders = ctx.query("Bridge", &[Condition::includes("ports", uuid_datum(port))])?;
    let Some(real) = holders.iter().find_map(|b| cache.real_of_row(*b)) else {
        return Ok(None);
    };
    let tag = integer(ctx, "Port", port, "tag").filter(|t| (0..=4095).contains(t));
    Ok(Some(
        tag.and_then(|t| cache.vlan_bridge(real, t)).unwrap_or(real),
    ))
}

/// The port called `name` in some bridge, and that bridge (the bridges' own ports included).
pub fn lookup_port(
    ctx: &mut Context<'_>,
    cache: &Cache,
    name: &str,
) -> CtlResult<Option<(Uuid, usize)>> {
    for port in ctx.query("Port", &named(name))? {
        if let Some(br) = bridge_of_port(ctx, cache, port)? {
            return Ok(Some((port, br)));
        }
    }
    Ok(None)
}

/// The interface called `name` in some port of some bridge, with its port and bridge.
pub fn lookup_iface(
    ctx: &mut Context<'_>,
    cache: &Cache,
    name: &str,
) -> CtlResult<Option<(Uuid, Uuid, usize)>> {
    for iface in ctx.query("Interface", &named(name))? {
        let ports = ctx.query(
            "Port",
            &[Condition::includes("interfaces", uuid_datum(iface))],
        )?;
        for port in ports {
            if let Some(br) = bridge_of_port(ctx, cache, port)? {
                return Ok(Some((iface, port, br)));
            }
        }
    }
    Ok(None)
}

/// `find_port`: a port that is not a bridge's own port, or `no port named NAME`.
pub fn find_port(
    ctx: &mut Context<'_>,
    cache: &Cache,
    name: &str,
    must_exist: bool,
) -> CtlResult<Option<(Uuid, usize)>> {
    let found = lookup_port(ctx, cache, name)?.filter(|(_, br)| cache.name(*br) != name);
    if must_exist && found.is_none() {
        return Err(CtlError::new(format!("no port named {name}")));
    }
    Ok(found)
}

/// `find_iface`: an interface that is not a bridge's own, or `no interface named NAME`.
pub fn find_iface(
    ctx: &mut Context<'_>,
    cache: &Cache,
    name: &str,
    must_exist: bool,
) -> CtlResult<Option<(Uuid, Uuid, usize)>> {
    let found = lookup_iface(ctx, cache, name)?.filter(|(_, _, br)| cache.name(*br) != name);
    if must_exist && found.is_none() {
        return Err(CtlError::new(format!("no interface named {name}")));
    }
    Ok(found)
}

/// `check_conflicts`: `MSG because a bridge/port/interface named NAME already exists ...`.
pub fn check_conflicts(
    ctx: &mut Context<'_>,
    cache: &Cache,
    name: &str,
    msg: &str,
) -> CtlResult<()> {
    if cache.bridge(name).is_some() {
        return Err(CtlError::new(format!(
            "{msg} because a bridge named {name} already exists"
        )));
    }
    // Both lookups below, in one round trip.
    ctx.prefetch(&[
        Read::query("Port", named(name)),
        Read::query("Interface", named(name)),
    ])?;
    if let Some((_, br)) = lookup_port(ctx, cache, name)? {
        return Err(CtlError::new(format!(
            "{msg} because a port named {name} already exists on bridge {}",
            cache.name(br)
        )));
    }
    if let Some((_, _, br)) = lookup_iface(ctx, cache, name)? {
        return Err(CtlError::new(format!(
            "{msg} because an interface named {name} already exists on bridge {}",
            cache.name(br)
        )));
    }
    Ok(())
}

/// What [`ports_of`] read.
#[derive(Debug, Default)]
pub struct PortsOf {
    /// The ports of the bridge (its own port included), in UUID order.
    pub ports: Vec<Uuid>,
    /// The columns asked for of (at least) those ports, followed by `tag`.
    pub rows: Projection,
    /// The other table asked for, when it was read whole in the same transaction.
    pub also: Option<Projection>,
}

/// The ports bridge `i` has and `columns` of them (followed by `tag`, which says which
/// bridge a port of a real bridge belongs to): the whole Port table's columns when the
/// bridge holds most ports (and then `also`, read whole in the same transaction), else just
/// its ports' rows.
pub fn ports_of(
    ctx: &mut Context<'_>,
    cache: &Cache,
    i: usize,
    columns: &[&str],
    also: Option<Want<'_>>,
) -> CtlResult<PortsOf> {
    ctx.fill_omitted("Bridge")?;
    let br = &cache.bridges[i];
    let all = ctx.value("Bridge", br.row, "ports");
    let (rows, also) = if holds_most_ports(ctx, cache, br.row) {
        let mut wants = vec![Want {
            table: "Port",
            columns,
            sparse: &["tag"],
        }];
        wants.extend(also);
        let mut read = project::read(ctx, &wants)?.into_iter();
        (read.next().unwrap_or_default(), read.next())
    } else {
        let ports = ctx.fetch_refs("Port", &all)?;
        let mut with_tag = columns.to_vec();
        with_tag.push("tag");
        (project::held(ctx, "Port", &ports, &with_tag), None)
    };
    let tag = columns.len();
    let real = br.parent.unwrap_or(i);
    let ports = uuids_of(&all)
        .into_iter()
        .filter(|p| {
            rows.get(*p).is_some_and(|v| {
                let tag = project::int_of(&v[tag]).filter(|t| (0..=4095).contains(t));
                tag.and_then(|t| cache.vlan_bridge(real, t)).unwrap_or(real) == i
            })
        })
        .collect();
    Ok(PortsOf { ports, rows, also })
}

/// Whether Bridge row `row` holds most of the database's ports (every port is in a bridge):
/// then reading the Port (or Interface) table whole is cheaper than row by row. The
/// bridges' `ports` must have been read ([`Context::fill_omitted`]).
pub fn holds_most_ports(ctx: &Context<'_>, cache: &Cache, row: Uuid) -> bool {
    let count = |r: Uuid| ctx.value("Bridge", r, "ports").len();
    let total: usize = cache
        .bridges
        .iter()
        .filter(|b| !b.is_fake())
        .map(|b| count(b.row))
        .sum();
    let mine = count(row);
    mine > 64 && mine * 2 > total
}

/// Removes a held port from its Bridge row and deletes it and its interfaces (`del_port`).
pub fn del_port(ctx: &mut Context<'_>, bridge_row: Uuid, port: Uuid) -> CtlResult<()> {
    ctx.mutate_whole(
        "Bridge",
        bridge_row,
        Mutation::new("ports", Mutator::Delete, uuid_datum(port)),
    )?;
    let ifaces = ctx.value("Port", port, "interfaces");
    for iface in ctx.fetch_refs("Interface", &ifaces)? {
        ctx.delete("Interface", iface)?;
    }
    ctx.delete("Port", port)
}

/// Asks for interface `iface` to be checked once ovs-vswitchd has applied the change
/// (`post_db_reload_expect_iface`): a select after the writes, which the after-commit hook
/// recognises by its columns.
pub fn expect_iface(ctx: &mut Context<'_>, iface: Uuid) {
    ctx.push_extra(
        Operation::select("Interface", vec![Condition::eq("_uuid", Atom::Uuid(iface))])
            .with_columns(EXPECT_COLUMNS)
            .into(),
    );
}

/// The columns of the selects [`expect_iface`] adds.
pub const EXPECT_COLUMNS: [&str; 2] = ["_uuid", "name"];

/// `process_escape_args`: words joined by spaces, those with blanks, quotes or backslashes
/// quoted.
pub fn escape_args<'a>(words: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::new();
    for (i, w) in words.into_iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        if w.contains([' ', '\t', '\r', '\n', '\x0b', '\\', '\'', '"']) {
            out.push('"');
            for c in w.chars() {
                if c == '\\' || c == '"' {
                    out.push('\\');
                }
                out.push(c);
            }
            out.push('"');
        } else {
            out.push_str(w);
        }
    }
    out
}

/// `vsctl_context_to_string`: the command's options and words, as error messages quote it.
pub fn command_string(cmd: &crate::ctl::Command) -> String {
    let mut words: Vec<String> = cmd.options.keys().cloned().collect();
    words.push(cmd.name.clone());
    words.extend(cmd.args.iter().cloned());
    escape_args(words.iter().map(String::as_str))
}
