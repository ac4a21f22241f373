//! ACLs, QoS rules, meters and port groups: `acl-*`, `qos-*`, `meter-*`, `pg-*`.

use ovsdb::data::{Atom, Datum, Row, Uuid};
use ovsdb::ops::{Condition, Mutation, Mutator};

use super::common::{self, integer, string};
use crate::ctl::{Command, CommandSpec, Context, CtlError, CtlResult, Mode};

/// The table entries of this group.
pub fn commands() -> Vec<CommandSpec> {
    let c = CommandSpec::new;
    vec![
        c(
            "acl-add",
            5,
            6,
            "--log,--may-exist,--type=,--name=,--severity=,--meter=,--label=,--apply-after-lb",
            Mode::ReadWrite,
            acl_add,
        ),
        c("acl-del", 1, 4, "--type=", Mode::ReadWrite, acl_del),
        c("acl-list", 1, 1, "--type=", Mode::ReadOnly, acl_list),
        c("qos-add", 5, 7, "--may-exist", Mode::ReadWrite, qos_add),
        c("qos-del", 1, 4, "", Mode::ReadWrite, qos_del),
        c("qos-list", 1, 1, "", Mode::ReadOnly, qos_list),
        c(
            "meter-add",
            4,
            5,
            "--fair,--may-exist",
            Mode::ReadWrite,
            meter_add,
        ),
        c("meter-del", 0, 1, "", Mode::ReadWrite, meter_del),
        c("meter-list", 0, 0, "", Mode::ReadOnly, meter_list),
        c("pg-add", 1, usize::MAX, "", Mode::ReadWrite, pg_add),
        c(
            "pg-set-ports",
            2,
            usize::MAX,
            "",
            Mode::ReadWrite,
            pg_set_ports,
        ),
        c("pg-del", 1, 1, "", Mode::ReadWrite, pg_del),
    ]
}

// ------------------------------------------------------------------ parsing helpers

/// sscanf's `%ld` as `ovs_scan` uses it: leading blanks, a sign, digits; the rest ignored.
pub fn scan_i64(s: &str) -> Option<i64> {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (neg, rest) = match t.as_bytes().first() {
        Some(b'+') => (false, &t[1..]),
        Some(b'-') => (true, &t[1..]),
        _ => (false, t),
    };
    let digits: &str = &rest[..rest.bytes().take_while(u8::is_ascii_digit).count()];
    if digits.is_empty() {
        return None;
    }
    let v = digits.parse::<i64>().unwrap_or(i64::MAX);
    Some(if neg { v.saturating_neg() } else { v })
}

/// `parse_direction`: only the first letter counts.
pub fn parse_direction(arg: &str) -> CtlResult<&'static str> {
    match arg.as_bytes().first() {
        Some(b't') => Ok("to-lport"),
        Some(b'f') => Ok("from-lport"),
        _ => Err(CtlError::new(format!(
            "{arg}: direction must be \"to-lport\" or \"from-lport\""
        ))),
    }
}

/// `parse_priority`: 0 to 32767.
pub fn parse_priority(arg: &str) -> CtlResult<i64> {
    match scan_i64(arg) {
        Some(p) if (0..=32767).contains(&p) => Ok(p),
        _ => Err(CtlError::new(format!(
            "{arg}: priority must in range 0...32767"
        ))),
    }
}

/// `pg_by_name_or_uuid`.
fn port_group(ctx: &mut Context<'_>, id: &str, must_exist: bool) -> CtlResult<Option<Uuid>> {
    common::by_name_or_uuid(ctx, "Port_Group", id, must_exist, "port group", None)
}

// ------------------------------------------------------------------ ACLs

/// The switch or port group an ACL command names (`acl_cmd_get_pg_or_ls`).
fn acl_parent(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<(&'static str, Uuid)> {
    let id = cmd.arg(0);
    match cmd.value("--type") {
        None => {
            let pg = port_group(ctx, id, false)?;
            let ls = common::switch(ctx, id, false)?;
            match (pg, ls) {
                (Some(_), Some(_)) => Err(CtlError::new(format!(
                    "Same name '{id}' exists in both port-groups and logical switches. \
                     Specify --type=port-group or switch, or use a UUID."
                ))),
                (Some(pg), None) => Ok(("Port_Group", pg)),
                (None, Some(ls)) => Ok(("Logical_Switch", ls)),
                (None, None) => Err(CtlError::new(format!(
                    "'{id}' is not found for port-group or switch."
                ))),
            }
        }
        Some("port-group") => Ok(("Port_Group", required(port_group(ctx, id, true)?)?)),
        Some("switch") => Ok(("Logical_Switch", required(common::switch(ctx, id, true)?)?)),
        Some(other) => Err(CtlError::new(format!(
            "Invalid value '{other}' for option --type"
        ))),
    }
}

/// A lookup made with `must_exist` always finds its row.
fn required(row: Option<Uuid>) -> CtlResult<Uuid> {
    row.ok_or_else(|| CtlError::new("row not found"))
}

/// The rows a parent's reference column names, fetched in one round trip.
fn children(
    ctx: &mut Context<'_>,
    table: &str,
    parent: Uuid,
    column: &str,
    child: &str,
) -> CtlResult<Vec<Uuid>> {
    let refs = ctx.value(table, parent, column);
    ctx.fetch_refs(child, &refs)
}

/// What `acl_cmp` compares: direction, apply-after-lb, priority (high first), match.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct AclKey {
    to_lport: bool,
    after_lb: bool,
    neg_priority: i64,
    matches: String,
}

fn acl_key(ctx: &Context<'_>, acl: Uuid) -> AclKey {
    AclKey {
        to_lport: string(ctx, "ACL", acl, "direction") == "to-lport",
        after_lb: after_lb(ctx, acl),
        neg_priority: -integer(ctx, "ACL", acl, "priority").unwrap_or(0),
        matches: string(ctx, "ACL", acl, "match"),
    }
}

/// `smap_get_bool(options, "apply-after-lb", false)`.
fn after_lb(ctx: &Context<'_>, acl: Uuid) -> bool {
    ctx.value("ACL", acl, "options")
        .as_map()
        .and_then(|m| m.get_str("apply-after-lb").cloned())
        .is_some_and(|v| matches!(v, Atom::String(s) if s.eq_ignore_ascii_case("true")))
}

const ACL_ACTIONS: &[&str] = &[
    "allow",
    "allow-related",
    "allow-stateless",
    "drop",
    "reject",
];
const SEVERITIES: &[&str] = &["alert", "warning", "notice", "info", "debug"];

fn acl_add(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let (table, parent) = acl_parent(ctx, cmd)?;
    let direction = parse_direction(cmd.arg(1))?;
    let priority = parse_priority(cmd.arg(2))?;
    let action = cmd.arg(4);
    if !ACL_ACTIONS.contains(&action) {
        return Err(CtlError::new(format!(
            "{action}: action must be one of \"allow\", \"allow-related\", \
             \"allow-stateless\", \"drop\", and \"reject\""
        )));
    }
    let mut row = Row::new()
        .with("priority", Datum::from(priority))
        .with("direction", direction)
        .with("match", cmd.arg(3))
        .with("action", action);
    acl_log_options(cmd, &mut row)?;
    if let Some(label) = cmd.value("--label") {
        if action != "allow" && action != "allow-related" {
            return Err(CtlError::new(
                "label can only be set with actions \"allow\" or \"allow-related\"",
            ));
        }
        match scan_i64(label) {
            Some(v) if (0..=i64::from(u32::MAX)).contains(&v) => {
                row.insert("label", Datum::from(v));
            }
            _ => {
                return Err(CtlError::new(format!(
                    "{label}: label must in range 0...4294967295"
                )))
            }
        }
    }
    let after = direction == "from-lport" && cmd.has("--apply-after-lb");
    if after {
        row.insert("options", Datum::map([("apply-after-lb", "true")]));
    }
    let key = AclKey {
        to_lport: direction == "to-lport",
        after_lb: after,
        neg_priority: -priority,
        matches: cmd.arg(3).to_string(),
    };
    for acl in children(ctx, table, parent, "acls", "ACL")? {
        if acl_key(ctx, acl) == key {
            if cmd.has("--may-exist") {
                return Ok(());
            }
            return Err(CtlError::new(format!(
                "Same ACL already existed on the ls {}.",
                cmd.arg(0)
            )));
        }
    }
    let acl = ctx.insert("ACL", None, row)?;
    ctx.mutate(
        table,
        parent,
        Mutation::new("acls", Mutator::Insert, Datum::from(Atom::Uuid(acl))),
    )
}

/// `--log`, `--severity`, `--name`, `--meter`.
fn acl_log_options(cmd: &Command, row: &mut Row) -> CtlResult<()> {
    let severity = cmd.value("--severity");
    let name = cmd.value("--name");
    let meter = cmd.value("--meter");
    if cmd.has("--log") || severity.is_some() || name.is_some() || meter.is_some() {
        row.insert("log", Datum::from(true));
    }
    if let Some(s) = severity {
        if !SEVERITIES.contains(&s) {
            return Err(CtlError::new(format!("bad severity: {s}")));
        }
        row.insert("severity", Datum::from(s));
    }
    if let Some(n) = name {
        row.insert("name", Datum::from(n));
    }
    if let Some(m) = meter {
        row.insert("meter", Datum::from(m));
    }
    Ok(())
}

fn acl_del(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let (table, parent) = acl_parent(ctx, cmd)?;
    if cmd.args.len() == 1 {
        return ctx.set(table, parent, "acls", Datum::empty_set());
    }
    let direction = parse_direction(cmd.arg(1))?;
    let acls = children(ctx, table, parent, "acls", "ACL")?;
    if cmd.args.len() == 2 {
        for acl in acls {
            if string(ctx, "ACL", acl, "direction") == direction {
                remove_ref(ctx, table, parent, "acls", acl)?;
            }
        }
        return Ok(());
    }
    let priority = parse_priority(cmd.arg(2))?;
    if cmd.args.len() == 3 {
        return Err(CtlError::new("cannot specify priority without match"));
    }
    for acl in acls {
        if integer(ctx, "ACL", acl, "priority") == Some(priority)
            && string(ctx, "ACL", acl, "match") == cmd.arg(3)
            && string(ctx, "ACL", acl, "direction") == direction
        {
            return remove_ref(ctx, table, parent, "acls", acl);
        }
    }
    Ok(())
}

/// Removes one reference from a parent's set column (the C IDL's `_delvalue`).
fn remove_ref(
    ctx: &mut Context<'_>,
    table: &str,
    parent: Uuid,
    column: &str,
    child: Uuid,
) -> CtlResult<()> {
    ctx.mutate(
        table,
        parent,
        Mutation::new(column, Mutator::Delete, Datum::from(Atom::Uuid(child))),
    )
}

fn acl_list(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let (table, parent) = acl_parent(ctx, cmd)?;
    let mut acls: Vec<(AclKey, Uuid)> = children(ctx, table, parent, "acls", "ACL")?
        .into_iter()
        .map(|a| (acl_key(ctx, a), a))
        .collect();
    acls.sort_by(|a, b| a.0.cmp(&b.0));
    for (_, acl) in acls {
        let line = acl_line(ctx, acl);
        ctx.output.push_str(&line);
    }
    Ok(())
}

/// One `acl-list` line.
fn acl_line(ctx: &Context<'_>, acl: Uuid) -> String {
    let mut s = format!(
        "{:>10} {:>5} ({}) {}",
        string(ctx, "ACL", acl, "direction"),
        integer(ctx, "ACL", acl, "priority").unwrap_or(0),
        string(ctx, "ACL", acl, "match"),
        string(ctx, "ACL", acl, "action")
    );
    let log = matches!(
        ctx.value("ACL", acl, "log").as_scalar(),
        Some(Atom::Boolean(true))
    );
    if log {
        let mut parts = Vec::new();
        let opt = |col: &str| match ctx.value("ACL", acl, col).as_scalar() {
            Some(Atom::String(v)) => Some(v.to_string()),
            _ => None,
        };
        if let Some(n) = opt("name") {
            parts.push(format!("name={n}"));
        }
        if let Some(v) = opt("severity") {
            parts.push(format!("severity={v}"));
        }
        if let Some(m) = opt("meter") {
            parts.push(format!("meter=\"{m}\""));
        }
        s.push_str(&format!(" log({})", parts.join(",")));
    }
    if let Some(label) = integer(ctx, "ACL", acl, "label").filter(|l| *l != 0) {
        s.push_str(&format!(" label={label}"));
    }
    if after_lb(ctx, acl) {
        s.push_str(" [after-lb]");
    }
    s.push('\n');
    s
}

// ------------------------------------------------------------------ QoS

/// `qos_cmp`: direction, priority (high first), match.
fn qos_key(ctx: &Context<'_>, qos: Uuid) -> (bool, i64, String) {
    (
        string(ctx, "QoS", qos, "direction") == "to-lport",
        -integer(ctx, "QoS", qos, "priority").unwrap_or(0),
        string(ctx, "QoS", qos, "match"),
    )
}

/// The `dscp=`, `rate=`, `burst=` arguments of `qos-add`.
#[derive(Default)]
struct QosArgs {
    dscp: Option<i64>,
    rate: i64,
    burst: i64,
}

fn qos_args(args: &[String]) -> CtlResult<QosArgs> {
    let mut q = QosArgs::default();
    let range = |v: &str, lo: i64, hi: i64| scan_i64(v).filter(|n| (lo..=hi).contains(n));
    for arg in args {
        if let Some(v) = arg.strip_prefix("dscp=") {
            q.dscp =
                Some(range(v, 0, 63).ok_or_else(|| {
                    CtlError::new(format!("{v}: dscp must be in the range 0...63"))
                })?);
        } else if let Some(v) = arg.strip_prefix("rate=") {
            q.rate = range(v, 1, i64::from(u32::MAX)).ok_or_else(|| {
                CtlError::new(format!("{v}: rate must be in the range 1...4294967295"))
            })?;
        } else if let Some(v) = arg.strip_prefix("burst=") {
            q.burst = range(v, 1, i64::from(u32::MAX)).ok_or_else(|| {
                CtlError::new(format!("{v}: burst must be in the range 1...4294967295"))
            })?;
        } else {
            return Err(CtlError::new(format!(
                "{arg}: supported arguments are \"dscp=\", \"rate=\", and \"burst=\""
            )));
        }
    }
    if q.dscp.is_none() && q.rate == 0 {
        return Err(CtlError::new(
            "Either \"rate\" and/or \"dscp\" must be specified",
        ));
    }
    Ok(q)
}

fn qos_add(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let direction = parse_direction(cmd.arg(1))?;
    let priority = parse_priority(cmd.arg(2))?;
    let ls = required(common::switch(ctx, cmd.arg(0), true)?)?;
    let q = qos_args(&cmd.args[4..])?;
    let mut row = Row::new()
        .with("priority", Datum::from(priority))
        .with("direction", direction)
        .with("match", cmd.arg(3));
    if let Some(d) = q.dscp {
        row.insert("action", Datum::map([("dscp", d)]));
    }
    if q.rate != 0 {
        let mut bw = vec![("rate", q.rate)];
        if q.burst != 0 {
            bw.push(("burst", q.burst));
        }
        row.insert("bandwidth", Datum::map(bw));
    }
    let key = (direction == "to-lport", -priority, cmd.arg(3).to_string());
    for qos in children(ctx, "Logical_Switch", ls, "qos_rules", "QoS")? {
        if qos_key(ctx, qos) == key {
            if cmd.has("--may-exist") {
                return Ok(());
            }
            return Err(CtlError::new(format!(
                "Same qos already existed on the ls {}.",
                cmd.arg(0)
            )));
        }
    }
    let qos = ctx.insert("QoS", None, row)?;
    ctx.mutate(
        "Logical_Switch",
        ls,
        Mutation::new("qos_rules", Mutator::Insert, Datum::from(Atom::Uuid(qos))),
    )
}

fn qos_del(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let ls = required(common::switch(ctx, cmd.arg(0), true)?)?;
    if cmd.args.len() == 1 {
        return ctx.set("Logical_Switch", ls, "qos_rules", Datum::empty_set());
    }
    let rules = children(ctx, "Logical_Switch", ls, "qos_rules", "QoS")?;
    let by_uuid = Uuid::parse(cmd.arg(1)).ok();
    let direction = match by_uuid {
        Some(_) => "",
        None => parse_direction(cmd.arg(1))?,
    };
    if cmd.args.len() == 2 {
        if let Some(u) = by_uuid {
            if !rules.contains(&u) {
                return Err(CtlError::new("uuid is not found"));
            }
            return remove_ref(ctx, "Logical_Switch", ls, "qos_rules", u);
        }
        for qos in rules {
            if string(ctx, "QoS", qos, "direction") == direction {
                remove_ref(ctx, "Logical_Switch", ls, "qos_rules", qos)?;
            }
        }
        return Ok(());
    }
    if by_uuid.is_some() {
        return Err(CtlError::new("uuid must be the only argument"));
    }
    let priority = parse_priority(cmd.arg(2))?;
    if cmd.args.len() == 3 {
        return Err(CtlError::new("cannot specify priority without match"));
    }
    for qos in rules {
        if integer(ctx, "QoS", qos, "priority") == Some(priority)
            && string(ctx, "QoS", qos, "match") == cmd.arg(3)
            && string(ctx, "QoS", qos, "direction") == direction
        {
            return remove_ref(ctx, "Logical_Switch", ls, "qos_rules", qos);
        }
    }
    Ok(())
}

fn qos_list(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let ls = required(common::switch(ctx, cmd.arg(0), true)?)?;
    let mut rules: Vec<((bool, i64, String), Uuid)> =
        children(ctx, "Logical_Switch", ls, "qos_rules", "QoS")?
            .into_iter()
            .map(|q| (qos_key(ctx, q), q))
            .collect();
    rules.sort_by(|a, b| a.0.cmp(&b.0));
    for (_, qos) in rules {
        let mut s = format!(
            "{:>10} {:>5} ({})",
            string(ctx, "QoS", qos, "direction"),
            integer(ctx, "QoS", qos, "priority").unwrap_or(0),
            string(ctx, "QoS", qos, "match")
        );
        let get = |col: &str, key: &str| match ctx.value("QoS", qos, col).as_map() {
            Some(m) => match m.get_str(key) {
                Some(Atom::Integer(v)) => Some(*v),
                _ => None,
            },
            None => None,
        };
        for (col, key) in [
            ("bandwidth", "rate"),
            ("bandwidth", "burst"),
            ("action", "dscp"),
        ] {
            if let Some(v) = get(col, key) {
                s.push_str(&format!(" {key}={v}"));
            }
        }
        s.push('\n');
        ctx.output.push_str(&s);
    }
    Ok(())
}

// ------------------------------------------------------------------ meters

fn meter_add(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let name = cmd.arg(0);
    let existing = ctx
        .query("Meter", &[Condition::eq("name", name)])?
        .first()
        .copied();
    if existing.is_some() && !cmd.has("--may-exist") {
        return Err(CtlError::new(format!(
            "meter with name \"{name}\" already exists"
        )));
    }
    if name.starts_with("__") {
        return Err(CtlError::new(
            "meter names that begin with \"__\" are reserved",
        ));
    }
    let action = cmd.arg(1);
    if action != "drop" {
        return Err(CtlError::new("action must be \"drop\""));
    }
    let rate = scan_i64(cmd.arg(2))
        .filter(|r| (1..=i64::from(u32::MAX)).contains(r))
        .ok_or_else(|| CtlError::new("rate must be in the range 1...4294967295"))?;
    let unit = cmd.arg(3);
    if unit != "kbps" && unit != "pktps" {
        return Err(CtlError::new("unit must be \"kbps\" or \"pktps\""));
    }
    let burst = match cmd.args.get(4) {
        Some(b) => scan_i64(b)
            .filter(|v| (0..=i64::from(u32::MAX)).contains(v))
            .ok_or_else(|| CtlError::new("burst must be in the range 0...4294967295"))?,
        None => 0,
    };
    let band_cols = |row: &mut Row| {
        row.insert("action", Datum::from(action));
        row.insert("rate", Datum::from(rate));
        row.insert("burst_size", Datum::from(burst));
    };
    let old_band = match existing {
        Some(m) => uuids(&ctx.value("Meter", m, "bands")).first().copied(),
        None => None,
    };
    let band = match old_band {
        Some(b) if ctx.fetch_row("Meter_Band", b)?.is_some() => {
            ctx.modify("Meter_Band", b, band_cols)?;
            b
        }
        _ => {
            let mut row = Row::new();
            band_cols(&mut row);
            ctx.insert("Meter_Band", None, row)?
        }
    };
    let meter = match existing {
        Some(m) => m,
        None => ctx.insert("Meter", None, Row::new())?,
    };
    ctx.set("Meter", meter, "name", Datum::from(name))?;
    ctx.set("Meter", meter, "unit", Datum::from(unit))?;
    ctx.set("Meter", meter, "bands", Datum::from(Atom::Uuid(band)))?;
    if cmd.has("--fair") {
        ctx.set("Meter", meter, "fair", Datum::from(true))?;
    }
    Ok(())
}

/// The UUIDs a reference column holds.
fn uuids(d: &Datum) -> Vec<Uuid> {
    crate::ctl::context::uuids_of(d)
}

fn meter_del(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let meters = match cmd.args.first() {
        None => ctx.all("Meter")?,
        Some(name) => ctx
            .query("Meter", &[Condition::eq("name", name.as_str())])?
            .into_iter()
            .take(1)
            .collect(),
    };
    for m in meters {
        ctx.delete("Meter", m)?;
    }
    Ok(())
}

fn meter_list(ctx: &mut Context<'_>, _cmd: &Command) -> CtlResult<()> {
    let mut meters: Vec<(String, Uuid)> = ctx
        .all("Meter")?
        .into_iter()
        .map(|m| (string(ctx, "Meter", m, "name"), m))
        .collect();
    meters.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, m) in meters {
        let mut s = format!("{name}:");
        if let Some(Atom::Boolean(fair)) = ctx.value("Meter", m, "fair").as_scalar() {
            s.push_str(if *fair { " (fair)" } else { " (shared)" });
        }
        s.push_str(" bands:\n");
        let unit = string(ctx, "Meter", m, "unit");
        let refs = ctx.value("Meter", m, "bands");
        for band in ctx.fetch_refs("Meter_Band", &refs)? {
            s.push_str(&format!(
                "  {}: {} {unit}",
                string(ctx, "Meter_Band", band, "action"),
                integer(ctx, "Meter_Band", band, "rate").unwrap_or(0)
            ));
            let burst = integer(ctx, "Meter_Band", band, "burst_size").unwrap_or(0);
            if burst != 0 {
                let what = if unit == "kbps" { "kb" } else { "packet" };
                s.push_str(&format!(", {burst} {what} burst"));
            }
        }
        s.push('\n');
        ctx.output.push_str(&s);
    }
    Ok(())
}

// ------------------------------------------------------------------ port groups

/// `set_ports_on_pg`: every port must exist.
fn set_ports(ctx: &mut Context<'_>, pg: Uuid, ports: &[String]) -> CtlResult<()> {
    let mut found = Vec::with_capacity(ports.len());
    for p in ports {
        let lsp = required(common::switch_port(ctx, p, true)?)?;
        found.push(Atom::Uuid(lsp));
    }
    ctx.set("Port_Group", pg, "ports", Datum::set(found))
}

fn pg_add(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let pg = ctx.insert("Port_Group", None, Row::new().with("name", cmd.arg(0)))?;
    if cmd.args.len() > 1 {
        set_ports(ctx, pg, &cmd.args[1..])?;
    }
    Ok(())
}

fn pg_set_ports(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let pg = required(port_group(ctx, cmd.arg(0), true)?)?;
    set_ports(ctx, pg, &cmd.args[1..])
}

fn pg_del(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let pg = required(port_group(ctx, cmd.arg(0), true)?)?;
    ctx.delete("Port_Group", pg)
}
