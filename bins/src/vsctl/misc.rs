//! ovs-vsctl Auto Attach, conntrack zone and datapath capability commands:
//! `add/del/get-aa-mapping`, `add-zone-tp`, `del-zone-tp`, `list-zone-tp`, `list-dp-cap`.

use ovsdb::data::{Atom, Datum, Row, Uuid};
use ovsdb::ops::{Condition, Mutation, Mutator};

use super::common::{self, uuid_datum};
use crate::ctl::context::uuids_of;
use crate::ctl::ovs_hash;
use crate::ctl::{Command, CommandSpec, Context, CtlError, CtlResult, Mode};

/// The table entries of this group.
pub fn commands() -> Vec<CommandSpec> {
    let c = CommandSpec::new;
    vec![
        c(
            "add-aa-mapping",
            3,
            3,
            "",
            Mode::ReadWrite,
            cmd_add_aa_mapping,
        ),
        c(
            "del-aa-mapping",
            3,
            3,
            "",
            Mode::ReadWrite,
            cmd_del_aa_mapping,
        ),
        c(
            "get-aa-mapping",
            1,
            1,
            "",
            Mode::ReadOnly,
            cmd_get_aa_mapping,
        ),
        c(
            "add-zone-tp",
            3,
            usize::MAX,
            "--may-exist",
            Mode::ReadWrite,
            cmd_add_zone_tp,
        ),
        c(
            "del-zone-tp",
            2,
            2,
            "--if-exists",
            Mode::ReadWrite,
            cmd_del_zone_tp,
        ),
        c("list-zone-tp", 1, 1, "", Mode::ReadOnly, cmd_list_zone_tp),
        c("list-dp-cap", 1, 1, "", Mode::ReadOnly, cmd_list_dp_cap),
    ]
}

/// `strtoull(s, &end, 10)` as the aa-mapping commands use it: the value (negative numbers
/// wrap, as the C cast does), or `Invalid argument S` if no digit was read.
fn parse_number(s: &str) -> CtlResult<i64> {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let body = t.strip_prefix(['-', '+']).unwrap_or(t);
    if !body.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(CtlError::new(format!("Invalid argument {s}")));
    }
    Ok(common::atoll(t))
}

/// The Bridge row of bridge `name` (its parent's for a fake bridge).
fn bridge_row(ctx: &mut Context<'_>, name: &str) -> CtlResult<Uuid> {
    let cache = common::load(ctx)?;
    match common::find_bridge(&cache, name, true)? {
        Some(i) => Ok(cache.bridges[i].row),
        None => Err(CtlError::new(format!("no bridge named {name}"))),
    }
}

/// The AutoAttach row of a bridge, if it has one (read).
fn auto_attach(ctx: &mut Context<'_>, br: Uuid) -> CtlResult<Option<Uuid>> {
    let refs = ctx.value("Bridge", br, "auto_attach");
    Ok(ctx.fetch_refs("AutoAttach", &refs)?.first().copied())
}

fn cmd_add_aa_mapping(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let isid = parse_number(cmd.arg(1))?;
    let vlan = parse_number(cmd.arg(2))?;
    let br = bridge_row(ctx, cmd.arg(0))?;
    let aa = match auto_attach(ctx, br)? {
        Some(aa) => aa,
        None => {
            let aa = ctx.insert("AutoAttach", None, Row::new())?;
            ctx.set("Bridge", br, "auto_attach", uuid_datum(aa))?;
            aa
        }
    };
    let mut mappings = ctx.value("AutoAttach", aa, "mappings");
    if let Datum::Map(m) = &mut mappings {
        // An existing I-SID keeps its VLAN (the C code's duplicate key is dropped).
        if m.get(&Atom::Integer(isid)).is_none() {
            m.insert(Atom::Integer(isid), Atom::Integer(vlan));
        }
    }
    ctx.set("AutoAttach", aa, "mappings", mappings)
}

fn cmd_del_aa_mapping(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let isid = parse_number(cmd.arg(1))?;
    let vlan = parse_number(cmd.arg(2))?;
    let br = bridge_row(ctx, cmd.arg(0))?;
    let Some(aa) = auto_attach(ctx, br)? else {
        return Ok(());
    };
    let mappings = ctx.value("AutoAttach", aa, "mappings");
    let Some(m) = mappings.as_map() else {
        return Ok(());
    };
    if m.get(&Atom::Integer(isid)) != Some(&Atom::Integer(vlan)) {
        return Ok(());
    }
    // As ovs-vsctl does: every pair with that I-SID or that VLAN goes.
    let kept = Datum::map(
        m.iter()
            .filter(|(k, v)| **k != Atom::Integer(isid) && **v != Atom::Integer(vlan))
            .map(|(k, v)| (k.clone(), v.clone())),
    );
    let kept = if kept.is_empty() {
        Datum::empty_map()
    } else {
        kept
    };
    ctx.set("AutoAttach", aa, "mappings", kept)
}

fn cmd_get_aa_mapping(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let br = bridge_row(ctx, cmd.arg(0))?;
    let Some(aa) = auto_attach(ctx, br)? else {
        return Ok(());
    };
    let mappings = ctx.value("AutoAttach", aa, "mappings");
    let mut out = String::new();
    if let Some(m) = mappings.as_map() {
        for (k, v) in m.iter() {
            if let (Atom::Integer(k), Atom::Integer(v)) = (k, v) {
                out.push_str(&format!("{k} {v}\n"));
            }
        }
    }
    ctx.output.push_str(&out);
    Ok(())
}

/// The Datapath row called `name` in `Open_vSwitch.datapaths`.
fn datapath(ctx: &mut Context<'_>, name: &str) -> CtlResult<Option<Uuid>> {
    let ovs = common::ovs_row(ctx)?;
    let dps = ctx.value("Open_vSwitch", ovs, "datapaths");
    let Some(Atom::Uuid(dp)) = dps.as_map().and_then(|m| m.get_str(name)).cloned() else {
        return Ok(None);
    };
    Ok(ctx.fetch_row("Datapath", dp)?.map(|_| dp))
}

/// `zone=N` (the zone argument of the zone commands).
fn parse_zone(arg: &str) -> CtlResult<i64> {
    match arg.strip_prefix("zone=") {
        Some(n)
            if n.trim_start()
                .starts_with(|c: char| c.is_ascii_digit() || c == '-') =>
        {
            Ok(common::atoll(n))
        }
        _ => Err(CtlError::new(format!("invalid zone id: {arg}"))),
    }
}

/// `KEY=VALUE...` timeouts; a repeated key keeps its first value.
fn parse_timeouts(args: &[String]) -> Datum {
    let mut pairs: Vec<(Atom, Atom)> = Vec::new();
    for a in args {
        let (k, v) = a.split_once('=').unwrap_or((a.as_str(), ""));
        if !pairs.iter().any(|(have, _)| *have == Atom::from(k)) {
            pairs.push((Atom::from(k), Atom::Integer(common::atoll(v))));
        }
    }
    if pairs.is_empty() {
        Datum::empty_map()
    } else {
        Datum::map(pairs)
    }
}

fn cmd_add_zone_tp(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let name = cmd.arg(0);
    let zone = parse_zone(cmd.arg(1))?;
    let Some(dp) = datapath(ctx, name)? else {
        return Err(CtlError::new(format!("datapath {name} does not exist")));
    };
    let zones = ctx.value("Datapath", dp, "ct_zones");
    let existing = zones
        .as_map()
        .and_then(|m| m.get(&Atom::Integer(zone)))
        .cloned();
    if existing.is_some() && !cmd.has("--may-exist") {
        return Err(CtlError::new(format!("zone id {zone} already exists")));
    }
    let timeouts = parse_timeouts(&cmd.args[2..]);
    // A policy the server refuses (an unknown key) fails at the commit, as with ovs-vsctl.
    let same = ctx
        .query(
            "CT_Timeout_Policy",
            &[Condition::eq("timeouts", timeouts.clone())],
        )
        .unwrap_or_default();
    let tp = match same.first() {
        Some(tp) => *tp,
        None => ctx.insert(
            "CT_Timeout_Policy",
            None,
            Row::new().with("timeouts", timeouts),
        )?,
    };
    if let Some(Atom::Uuid(z)) = existing {
        if ctx.fetch_row("CT_Zone", z)?.is_some() {
            return ctx.set("CT_Zone", z, "timeout_policy", uuid_datum(tp));
        }
    }
    let z = ctx.insert(
        "CT_Zone",
        None,
        Row::new().with("timeout_policy", Atom::Uuid(tp)),
    )?;
    ctx.mutate(
        "Datapath",
        dp,
        Mutation::new(
            "ct_zones",
            Mutator::Insert,
            Datum::map([(Atom::Integer(zone), Atom::Uuid(z))]),
        ),
    )
}

fn cmd_del_zone_tp(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let name = cmd.arg(0);
    let zone = parse_zone(cmd.arg(1))?;
    let Some(dp) = datapath(ctx, name)? else {
        return Err(CtlError::new(format!("datapath {name} does not exist")));
    };
    let zones = ctx.value("Datapath", dp, "ct_zones");
    if zones
        .as_map()
        .and_then(|m| m.get(&Atom::Integer(zone)))
        .is_none()
    {
        if cmd.has("--if-exists") {
            return Ok(());
        }
        return Err(CtlError::new(format!("zone id {zone} does not exist")));
    }
    ctx.mutate(
        "Datapath",
        dp,
        Mutation::new(
            "ct_zones",
            Mutator::Delete,
            Datum::set([Atom::Integer(zone)]),
        ),
    )
}

fn cmd_list_zone_tp(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let name = cmd.arg(0);
    let Some(dp) = datapath(ctx, name)? else {
        return Err(CtlError::new(format!("datapath: {name} record not found")));
    };
    let zones = ctx.value("Datapath", dp, "ct_zones");
    ctx.fetch_refs("CT_Zone", &zones)?;
    let Some(m) = zones.as_map() else {
        return Ok(());
    };
    let mut out = String::new();
    for (k, v) in m.iter() {
        let (Atom::Integer(zone), Atom::Uuid(z)) = (k, v) else {
            continue;
        };
        let tps = ctx.value("CT_Zone", *z, "timeout_policy");
        ctx.fetch_refs("CT_Timeout_Policy", &tps)?;
        let mut policies: Vec<String> = Vec::new();
        for tp in uuids_of(&tps) {
            if let Some(t) = ctx.value("CT_Timeout_Policy", tp, "timeouts").as_map() {
                for (k, v) in t.iter() {
                    if let (Atom::String(k), Atom::Integer(v)) = (k, v) {
                        policies.push(format!("{k}={v}"));
                    }
                }
            }
        }
        out.push_str(&format!(
            "Zone:{zone}, Timeout Policies: {}\n",
            policies.join(" ")
        ));
    }
    ctx.output.push_str(&out);
    Ok(())
}

fn cmd_list_dp_cap(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let name = cmd.arg(0);
    let Some(dp) = datapath(ctx, name)? else {
        return Err(CtlError::new(format!(
            "datapath \"{name}\" record not found"
        )));
    };
    let caps = ctx.value("Datapath", dp, "capabilities");
    let mut pairs: Vec<(String, String)> = Vec::new();
    if let Some(m) = caps.as_map() {
        for (k, v) in m.iter() {
            if let (Atom::String(k), Atom::String(v)) = (k, v) {
                pairs.push((k.to_string(), v.to_string()));
            }
        }
    }
    let line: Vec<String> = ovs_hash::smap_order(&pairs)
        .into_iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    ctx.output.push_str(&line.join(" "));
    ctx.output.push('\n');
    Ok(())
}
