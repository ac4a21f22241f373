//! Load balancers: `lb-add`, `lb-del`, `lb-list` and their attachment to switches
//! (`ls-lb-*`) and routers (`lr-lb-*`).

use ovsdb::data::{Atom, Datum, Map, Row, Uuid};
use ovsdb::ops::{Condition, Mutation, Mutator};

use super::addr2::{self, SockAddr};
use super::common::{self, string};
use crate::ctl::context::{log, uuids_of};
use crate::ctl::{Command, CommandSpec, Context, CtlError, CtlResult, Mode};

/// The table entries of this group.
pub fn commands() -> Vec<CommandSpec> {
    let c = CommandSpec::new;
    vec![
        c(
            "lb-add",
            3,
            5,
            "--may-exist,--add-duplicate,--reject,--event,--add-route,--template",
            Mode::ReadWrite,
            lb_add,
        ),
        c("lb-del", 1, 2, "--if-exists", Mode::ReadWrite, lb_del),
        c("lb-list", 0, 1, "", Mode::ReadOnly, lb_list),
        c("lr-lb-add", 2, 2, "--may-exist", Mode::ReadWrite, lr_lb_add),
        c("lr-lb-del", 1, 2, "--if-exists", Mode::ReadWrite, lr_lb_del),
        c("lr-lb-list", 1, 1, "", Mode::ReadOnly, lr_lb_list),
        c("ls-lb-add", 2, 2, "--may-exist", Mode::ReadWrite, ls_lb_add),
        c("ls-lb-del", 1, 2, "--if-exists", Mode::ReadWrite, ls_lb_del),
        c("ls-lb-list", 1, 1, "", Mode::ReadOnly, ls_lb_list),
    ]
}

/// `lb_by_name_or_uuid`.
fn load_balancer(ctx: &mut Context<'_>, id: &str, must_exist: bool) -> CtlResult<Option<Uuid>> {
    common::by_name_or_uuid(
        ctx,
        "Load_Balancer",
        id,
        must_exist,
        "load balancer",
        Some("load balancers"),
    )
}

/// A lookup made with `must_exist` always finds its row.
fn required(row: Option<Uuid>) -> CtlResult<Uuid> {
    row.ok_or_else(|| CtlError::new("row not found"))
}

// ------------------------------------------------------------------ VIP parsing

/// A VIP and its backends, normalized as `ovn_lb_vip_format` / `_backends_format` write them.
struct ParsedVip {
    key: String,
    backends: String,
    has_port: bool,
}

/// Parses an address, logging what OVS's socket_util logs on failure.
fn parse_logged(s: &str) -> Option<SockAddr> {
    match addr2::parse_active(s) {
        Ok(a) => Some(a),
        Err(f) => {
            if let Some(msg) = f.log {
                log("socket_util", "ERR", &msg);
            }
            None
        }
    }
}

/// `ovn_lb_vip_init_explicit` followed by the formatting.
fn parse_explicit(vip: &str, ips: &str) -> CtlResult<ParsedVip> {
    let v = parse_logged(vip).ok_or_else(|| {
        CtlError::new(format!(
            "{vip}: should be an IP address (or an IP address and a port number with : as a \
             separator)."
        ))
    })?;
    let with_port = v.port != 0;
    let mut errors = String::new();
    let mut backends = Vec::new();
    for token in ips.split(',').filter(|t| !t.is_empty()) {
        let port_msg = if with_port {
            format!("{token}: should be an IP address and a port number with : as a separator, ")
        } else {
            format!("{token}: should be an IP address, ")
        };
        let Some(b) = parse_logged(token) else {
            errors.push_str(&port_msg);
            continue;
        };
        if b.ipv6 != v.ipv6 {
            errors.push_str(&format!(
                "{token}: IP address family is different from VIP {}, ",
                v.ip
            ));
            continue;
        }
        if with_port != (b.port != 0) {
            errors.push_str(&port_msg);
            continue;
        }
        backends.push(b.format());
    }
    if !errors.is_empty() {
        let trimmed = errors.trim_end_matches(' ').trim_end_matches(',');
        return Err(CtlError::new(format!("{trimmed}.")));
    }
    Ok(ParsedVip {
        key: v.format(),
        backends: backends.join(","),
        has_port: with_port,
    })
}

/// Template VIPs (`^VAR[:PORT]`, or explicit addresses) are kept as written.
fn parse_template(vip: &str, ips: &str) -> ParsedVip {
    ParsedVip {
        key: vip.to_string(),
        backends: ips.to_string(),
        has_port: vip.contains(':'),
    }
}

// ------------------------------------------------------------------ lb-add / lb-del

fn lb_add(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let (name, vip, ips) = (cmd.arg(0), cmd.arg(1), cmd.arg(2));
    let may_exist = cmd.has("--may-exist");
    let add_duplicate = cmd.has("--add-duplicate");
    let template = cmd.has("--template");
    if cmd.has("--event") && cmd.has("--reject") {
        return Err(CtlError::new(
            "--reject and --event can't specified at the same time",
        ));
    }
    let proto = cmd.args.get(3).map(String::as_str);
    if let Some(p) = proto {
        if !["tcp", "udp", "sctp"].contains(&p) {
            return Err(CtlError::new(format!(
                "{p}: protocol must be one of \"tcp\", \"udp\",  or \"sctp\"."
            )));
        }
    }
    let ipv6 = cmd.args.get(4).is_some_and(|f| f != "ipv4");
    let parsed = if template {
        parse_template(vip, ips)
    } else {
        parse_explicit(vip, ips)?
    };
    if proto.is_some() && !parsed.has_port {
        return Err(CtlError::new(
            "Protocol is unnecessary when no port of vip is given.",
        ));
    }
    if !add_duplicate {
        if let Some(lb) = load_balancer(ctx, name, false)? {
            let mut vips = vips_of(ctx, lb);
            let key = Atom::from(parsed.key.as_str());
            if vips.get(&key).is_some() && !may_exist {
                return Err(CtlError::new(format!(
                    "{name}: a load balancer with this vip ({}) already exists",
                    parsed.key
                )));
            }
            vips.insert(key, Atom::from(parsed.backends.as_str()));
            if let Some(p) = proto {
                ctx.set("Load_Balancer", lb, "protocol", Datum::from(p))?;
            }
            return ctx.set("Load_Balancer", lb, "vips", Datum::from(vips));
        }
    }
    let mut options: Vec<(&str, &str)> = Vec::new();
    if cmd.has("--reject") {
        options.push(("reject", "true"));
    }
    if cmd.has("--event") {
        options.push(("event", "true"));
    }
    if cmd.has("--add-route") {
        options.push(("add_route", "true"));
    }
    if template {
        options.push(("template", "true"));
        options.push(("address-family", if ipv6 { "ipv6" } else { "ipv4" }));
    }
    let row = Row::new()
        .with("name", name)
        .with("protocol", proto.unwrap_or("tcp"))
        .with(
            "vips",
            Datum::map([(parsed.key.as_str(), parsed.backends.as_str())]),
        )
        .with("options", Datum::map(options));
    ctx.insert("Load_Balancer", None, row)?;
    Ok(())
}

/// The `vips` map of a held load balancer.
fn vips_of(ctx: &Context<'_>, lb: Uuid) -> Map {
    ctx.value("Load_Balancer", lb, "vips")
        .as_map()
        .cloned()
        .unwrap_or_default()
}

fn lb_del(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let Some(lb) = load_balancer(ctx, cmd.arg(0), false)? else {
        return Ok(());
    };
    if let Some(vip) = cmd.args.get(1) {
        let mut vips = vips_of(ctx, lb);
        if vips.remove(&Atom::from(vip.as_str())).is_none() {
            if cmd.has("--if-exists") {
                return Ok(());
            }
            return Err(CtlError::new(format!(
                "vip {vip} is not part of the load balancer."
            )));
        }
        if !vips.is_empty() {
            return ctx.set("Load_Balancer", lb, "vips", Datum::from(vips));
        }
    }
    ctx.delete("Load_Balancer", lb)
}

// ------------------------------------------------------------------ listing

/// `printf("%-W.Ps")`: truncated to `prec` bytes, padded to `width`.
fn pad(s: &str, width: usize, prec: usize) -> String {
    let mut end = s.len().min(prec);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{:<width$}", &s[..end])
}

/// The lines of one load balancer (`lb_info_add_smap`), or None if it has no VIP.
fn lb_lines(ctx: &Context<'_>, lb: Uuid, width: usize) -> Option<(String, String)> {
    let vips = vips_of(ctx, lb);
    if vips.is_empty() {
        return None;
    }
    let name = string(ctx, "Load_Balancer", lb, "name");
    let lb_proto = string(ctx, "Load_Balancer", lb, "protocol");
    let template = ctx
        .value("Load_Balancer", lb, "options")
        .as_map()
        .and_then(|m| m.get_str("template").cloned())
        .is_some_and(|v| matches!(v, Atom::String(s) if s.eq_ignore_ascii_case("true")));
    let mut out = String::new();
    let mut first = true;
    for (k, v) in vips.iter() {
        let (Atom::String(key), Atom::String(val)) = (k, v) else {
            continue;
        };
        let proto = if template {
            lb_proto.clone()
        } else {
            match addr2::parse_active(key) {
                Ok(a) if a.port != 0 => lb_proto.clone(),
                Ok(_) => String::new(),
                Err(_) => continue,
            }
        };
        if first {
            out.push_str(&format!(
                "{lb}    {}{}{}{val}",
                pad(&name, 20, 16),
                pad(&proto, 11, 7),
                pad(key, width + 4, width)
            ));
            first = false;
        } else {
            out.push_str(&format!(
                "\n{:60}{}{}{val}",
                "",
                pad(&proto, 11, 7),
                pad(key, width + 4, width)
            ));
        }
    }
    Some((pad(&name, 20, 16), out))
}

/// Prints the table of load balancers `lbs` (`lb_info_print`).
fn print_lbs(ctx: &mut Context<'_>, lbs: &[Uuid]) {
    let width = lbs
        .iter()
        .flat_map(|lb| {
            vips_of(ctx, *lb)
                .iter()
                .map(|(k, _)| match k {
                    Atom::String(s) => s.len(),
                    _ => 0,
                })
                .collect::<Vec<_>>()
        })
        .max()
        .unwrap_or(0);
    let mut entries: Vec<(String, String)> = lbs
        .iter()
        .filter_map(|lb| lb_lines(ctx, *lb, width))
        .collect();
    if entries.is_empty() {
        return;
    }
    entries.sort();
    ctx.output.push_str(&format!(
        "{}{}{}{}IPs\n",
        pad("UUID", 40, 36),
        pad("LB", 20, 16),
        pad("PROTO", 11, 7),
        pad("VIP", width + 4, width)
    ));
    for (_, text) in entries {
        ctx.output.push_str(&text);
        ctx.output.push('\n');
    }
}

fn lb_list(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let lbs = match cmd.args.first() {
        Some(name) => ctx.query("Load_Balancer", &[Condition::eq("name", name.as_str())])?,
        None => ctx.all("Load_Balancer")?,
    };
    print_lbs(ctx, &lbs);
    Ok(())
}

/// The load balancers of a switch or router: its own, then those of its groups.
fn attached_lbs(ctx: &mut Context<'_>, table: &str, parent: Uuid) -> CtlResult<Vec<Uuid>> {
    let own = ctx.value(table, parent, "load_balancer");
    let mut lbs = ctx.fetch_refs("Load_Balancer", &own)?;
    let groups = ctx.value(table, parent, "load_balancer_group");
    for g in ctx.fetch_refs("Load_Balancer_Group", &groups)? {
        let refs = ctx.value("Load_Balancer_Group", g, "load_balancer");
        lbs.extend(ctx.fetch_refs("Load_Balancer", &refs)?);
    }
    Ok(lbs)
}

fn lr_lb_list(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let lr = required(common::router(ctx, cmd.arg(0), true)?)?;
    let lbs = attached_lbs(ctx, "Logical_Router", lr)?;
    print_lbs(ctx, &lbs);
    Ok(())
}

fn ls_lb_list(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let ls = required(common::switch(ctx, cmd.arg(0), true)?)?;
    let lbs = attached_lbs(ctx, "Logical_Switch", ls)?;
    print_lbs(ctx, &lbs);
    Ok(())
}

// ------------------------------------------------------------------ attach / detach

/// `ls-lb-add` / `lr-lb-add` once the parent is found.
fn attach(ctx: &mut Context<'_>, cmd: &Command, table: &str, parent: Uuid) -> CtlResult<()> {
    let lb = required(load_balancer(ctx, cmd.arg(1), true)?)?;
    let have = uuids_of(&ctx.value(table, parent, "load_balancer"));
    if have.contains(&lb) {
        if cmd.has("--may-exist") {
            return Ok(());
        }
        return Err(CtlError::new(format!(
            "{lb} : a load balancer with this UUID already exists"
        )));
    }
    ctx.mutate(
        table,
        parent,
        Mutation::new(
            "load_balancer",
            Mutator::Insert,
            Datum::from(Atom::Uuid(lb)),
        ),
    )
}

/// `ls-lb-del` / `lr-lb-del` once the parent is found.
fn detach(
    ctx: &mut Context<'_>,
    cmd: &Command,
    table: &str,
    parent: Uuid,
    what: &str,
) -> CtlResult<()> {
    if cmd.args.len() == 1 {
        return ctx.set(table, parent, "load_balancer", Datum::empty_set());
    }
    let lb = required(load_balancer(ctx, cmd.arg(1), true)?)?;
    let have = uuids_of(&ctx.value(table, parent, "load_balancer"));
    if have.contains(&lb) {
        return ctx.mutate(
            table,
            parent,
            Mutation::new(
                "load_balancer",
                Mutator::Delete,
                Datum::from(Atom::Uuid(lb)),
            ),
        );
    }
    if cmd.has("--if-exists") {
        return Ok(());
    }
    let name = string(ctx, "Load_Balancer", lb, "name");
    Err(CtlError::new(format!(
        "load balancer {name} is not part of any logical {what}."
    )))
}

fn lr_lb_add(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let lr = required(common::router(ctx, cmd.arg(0), true)?)?;
    attach(ctx, cmd, "Logical_Router", lr)
}

fn ls_lb_add(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let ls = required(common::switch(ctx, cmd.arg(0), true)?)?;
    attach(ctx, cmd, "Logical_Switch", ls)
}

fn lr_lb_del(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let lr = required(common::router(ctx, cmd.arg(0), true)?)?;
    detach(ctx, cmd, "Logical_Router", lr, "router")
}

fn ls_lb_del(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let ls = required(common::switch(ctx, cmd.arg(0), true)?)?;
    detach(ctx, cmd, "Logical_Switch", ls, "switch")
}
