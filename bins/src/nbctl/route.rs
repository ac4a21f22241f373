//! Static routes: `lr-route-add`, `lr-route-del`, `lr-route-list`.

use std::cmp::Ordering;

use ovsdb::data::{Atom, Datum, Row, Uuid};
use ovsdb::ops::{Condition, Mutation, Mutator};

use super::addr;
use super::common::{self, string};
use super::router::{must_lr, opt_string, smap};
use crate::ctl::{Command, CommandSpec, Context, CtlError, CtlResult, Mode};

const LR: &str = "Logical_Router";
const LRP: &str = "Logical_Router_Port";
const SR: &str = "Logical_Router_Static_Route";
const BFD: &str = "BFD";

/// The table entries of this group.
pub fn commands() -> Vec<CommandSpec> {
    vec![
        CommandSpec {
            name: "lr-route-add",
            min_args: 3,
            max_args: 4,
            options: "--may-exist,--ecmp,--ecmp-symmetric-reply,--policy=,--route-table=,--bfd?",
            mode: Mode::ReadWrite,
            run: lr_route_add,
        },
        CommandSpec {
            name: "lr-route-del",
            min_args: 1,
            max_args: 4,
            options: "--if-exists,--policy=,--route-table=",
            mode: Mode::ReadWrite,
            run: lr_route_del,
        },
        CommandSpec {
            name: "lr-route-list",
            min_args: 1,
            max_args: 1,
            options: "--route-table=",
            mode: Mode::ReadOnly,
            run: lr_route_list,
        },
    ]
}

/// `--policy`: Some(true) for src-ip, Some(false) for dst-ip, None when not given.
fn parse_policy(cmd: &Command) -> CtlResult<Option<(bool, String)>> {
    match cmd.value("--policy") {
        None => Ok(None),
        Some("src-ip") => Ok(Some((true, "src-ip".into()))),
        Some("dst-ip") => Ok(Some((false, "dst-ip".into()))),
        Some(p) => Err(CtlError::new(format!("bad policy: {p}"))),
    }
}

/// Whether a route's policy is src-ip.
fn is_src(ctx: &Context<'_>, route: Uuid) -> bool {
    opt_string(ctx, SR, route, "policy").as_deref() == Some("src-ip")
}

/// The routes of a router (fetched).
fn routes(ctx: &mut Context<'_>, lr: Uuid) -> CtlResult<Vec<Uuid>> {
    let refs = ctx.idl_value(LR, lr, "static_routes");
    ctx.fetch_refs(SR, &refs)
}

/// `nbctl_lr_get_route`.
fn find_route(
    ctx: &Context<'_>,
    routes: &[Uuid],
    prefix: &str,
    next_hop: &str,
    src: bool,
    ecmp: bool,
    table: &str,
) -> Option<Uuid> {
    routes.iter().copied().find(|r| {
        string(ctx, SR, *r, "route_table") == table
            && is_src(ctx, *r) == src
            && addr::normalize_prefix_str(&string(ctx, SR, *r, "ip_prefix")).as_deref()
                == Some(prefix)
            && (!ecmp || string(ctx, SR, *r, "nexthop") == next_hop)
    })
}

/// What `lr-route-add` was asked for, once parsed.
struct NewRoute {
    lr: Uuid,
    prefix: String,
    next_hop: String,
    out_port: Option<String>,
    policy: Option<(bool, String)>,
    table: Option<String>,
    discard: bool,
}

fn lr_route_add(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let lr = must_lr(ctx, cmd.arg(0))?;
    let policy = parse_policy(cmd)?;
    let table = cmd.value("--route-table").map(str::to_string);
    let (prefix, v6) = match addr::normalize_ipv4_prefix_str(cmd.arg(1)) {
        Some(p) => (p, false),
        None => match addr::normalize_ipv6_prefix_str(cmd.arg(1)) {
            Some(p) => (p, true),
            None => {
                return Err(CtlError::new(format!(
                    "bad prefix argument: {}",
                    cmd.arg(1)
                )))
            }
        },
    };
    let discard = cmd.arg(2) == "discard";
    let mut out_port = None;
    let next_hop = if discard {
        "discard".to_string()
    } else {
        let nh = if v6 {
            addr::normalize_ipv6_addr_str(cmd.arg(2))
        } else {
            addr::normalize_ipv4_addr_str(cmd.arg(2))
        };
        match nh {
            Some(nh) => nh,
            None => match common::router_port(ctx, cmd.arg(2), false)? {
                Some(p) => {
                    out_port = Some(string(ctx, LRP, p, "name"));
                    String::new()
                }
                None => {
                    return Err(CtlError::new(format!(
                        "bad {} nexthop argument: {}",
                        if v6 { "IPv6" } else { "IPv4" },
                        cmd.arg(2)
                    )))
                }
            },
        }
    };
    if cmd.args.len() == 4 {
        let p = common::router_port(ctx, cmd.arg(3), true)?
            .ok_or_else(|| CtlError::new(format!("{}: port name not found", cmd.arg(3))))?;
        out_port = Some(string(ctx, LRP, p, "name"));
    }
    let new = NewRoute {
        lr,
        prefix,
        next_hop,
        out_port,
        policy,
        table,
        discard,
    };
    add_route(ctx, cmd, &new)
}

/// The BFD row `--bfd` names (None: one is to be created, if `--bfd` was given).
fn find_bfd(ctx: &mut Context<'_>, cmd: &Command, new: &NewRoute) -> CtlResult<Option<Uuid>> {
    if !cmd.has("--bfd") {
        return Ok(None);
    }
    if let Some(id) = cmd.value("--bfd") {
        if let Ok(u) = Uuid::parse(id) {
            if ctx.fetch_row(BFD, u)?.is_some() {
                return Ok(Some(u));
            }
        }
        return Err(CtlError::new("no entry found in the BFD table"));
    }
    // ovn-nbctl 23.03 does not read BFD.logical_port here, so it compares the port's name
    // with "": with an output port, no existing row ever matches.
    if new.out_port.as_ref().is_some_and(|p| !p.is_empty()) {
        return Ok(None);
    }
    let conds = [Condition::eq("dst_ip", new.next_hop.as_str())];
    Ok(ctx.query(BFD, &conds)?.first().copied())
}

fn add_route(ctx: &mut Context<'_>, cmd: &Command, new: &NewRoute) -> CtlResult<()> {
    let bfd = find_bfd(ctx, cmd, new)?;
    let may_exist = cmd.has("--may-exist");
    let symmetric = cmd.has("--ecmp-symmetric-reply");
    let ecmp = cmd.has("--ecmp") || symmetric;
    let src = new.policy.as_ref().is_some_and(|p| p.0);
    let table = new.table.as_deref().unwrap_or("");
    let all = routes(ctx, new.lr)?;
    let route = find_route(ctx, &all, &new.prefix, &new.next_hop, src, ecmp, table);
    if new.discard {
        if ecmp {
            return Err(CtlError::new("ecmp is not valid for discard routes."));
        }
        if cmd.has("--bfd") {
            return Err(CtlError::new("bfd dst_ip cannot be discard."));
        }
        if new.out_port.is_some() {
            return Err(CtlError::new("outport is not valid for discard routes."));
        }
    }
    if !ecmp {
        if let Some(route) = route {
            let learned = smap(ctx, SR, route, "external_ids")
                .iter()
                .any(|(k, _)| k == "ic-learned-route");
            if !learned {
                if !may_exist {
                    return Err(CtlError::new(format!(
                        "duplicate prefix: {} (policy: {}). Use option --ecmp to allow this for ECMP routing.",
                        new.prefix,
                        if src { "src-ip" } else { "dst-ip" }
                    )));
                }
                return update_route(ctx, cmd, new, route, bfd);
            }
        }
    } else if route.is_some() {
        if !may_exist {
            return Err(CtlError::new("duplicate nexthop for the same ECMP route"));
        }
        return Ok(());
    }
    if find_route(ctx, &all, &new.prefix, "discard", src, true, table).is_some() {
        return Err(CtlError::new(
            "discard nexthop for the same ECMP route exists.",
        ));
    }
    let mut row = Row::new()
        .with("ip_prefix", new.prefix.as_str())
        .with("nexthop", new.next_hop.as_str());
    if let Some(p) = &new.out_port {
        row.insert("output_port", Datum::from(p.as_str()));
    }
    if let Some((_, p)) = &new.policy {
        row.insert("policy", Datum::from(p.as_str()));
    }
    if let Some(t) = &new.table {
        row.insert("route_table", Datum::from(t.as_str()));
    }
    if symmetric {
        row.insert("options", Datum::map([("ecmp_symmetric_reply", "true")]));
    }
    let route = ctx.insert(SR, None, row)?;
    ctx.mutate(
        LR,
        new.lr,
        Mutation::new(
            "static_routes",
            Mutator::Insert,
            Datum::from(Atom::Uuid(route)),
        ),
    )?;
    attach_bfd(ctx, cmd, new, route, bfd)
}

/// `--may-exist` on an existing route: its next hop, port, policy and BFD are updated.
fn update_route(
    ctx: &mut Context<'_>,
    cmd: &Command,
    new: &NewRoute,
    route: Uuid,
    bfd: Option<Uuid>,
) -> CtlResult<()> {
    ctx.set(SR, route, "ip_prefix", Datum::from(new.prefix.as_str()))?;
    ctx.set(SR, route, "nexthop", Datum::from(new.next_hop.as_str()))?;
    if let Some(p) = &new.out_port {
        ctx.set(SR, route, "output_port", Datum::from(p.as_str()))?;
    }
    if let Some((_, p)) = &new.policy {
        ctx.set(SR, route, "policy", Datum::from(p.as_str()))?;
    }
    attach_bfd(ctx, cmd, new, route, bfd)
}

/// Points the route at the BFD row, creating one for its next hop and port if needed.
fn attach_bfd(
    ctx: &mut Context<'_>,
    cmd: &Command,
    new: &NewRoute,
    route: Uuid,
    bfd: Option<Uuid>,
) -> CtlResult<()> {
    if !cmd.has("--bfd") {
        return Ok(());
    }
    let bfd = match bfd {
        Some(b) => b,
        None => {
            let Some(port) = &new.out_port else {
                return Err(CtlError::new("insert entry in the BFD table failed"));
            };
            ctx.insert(
                BFD,
                None,
                Row::new()
                    .with("dst_ip", new.next_hop.as_str())
                    .with("logical_port", port.as_str()),
            )?
        }
    };
    ctx.set(SR, route, "bfd", Datum::from(Atom::Uuid(bfd)))
}

fn lr_route_del(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let lr = must_lr(ctx, cmd.arg(0))?;
    let table = cmd.value("--route-table").unwrap_or("").to_string();
    let policy = parse_policy(cmd)?;
    if cmd.args.len() == 1 && policy.is_none() {
        return ctx.set(LR, lr, "static_routes", Datum::empty_set());
    }
    let prefix = match cmd.args.get(1) {
        Some(p) => Some(
            addr::normalize_prefix_str(p)
                .ok_or_else(|| CtlError::new(format!("bad prefix argument: {p}")))?,
        ),
        None => None,
    };
    let nexthop = match cmd.args.get(2) {
        Some(n) if n == "discard" => Some("discard".to_string()),
        Some(n) => Some(
            addr::normalize_prefix_str(n)
                .ok_or_else(|| CtlError::new(format!("bad nexthop argument: {n}")))?,
        ),
        None => None,
    };
    let output_port = cmd.args.get(3).cloned();
    let mut removed = 0;
    for r in routes(ctx, lr)? {
        let matches = policy
            .as_ref()
            .map_or(true, |(src, _)| is_src(ctx, r) == *src)
            && prefix.as_ref().map_or(true, |p| {
                addr::normalize_prefix_str(&string(ctx, SR, r, "ip_prefix")).as_ref() == Some(p)
            })
            && nexthop.as_ref().map_or(true, |n| {
                let have = string(ctx, SR, r, "nexthop");
                let have = if have == "discard" {
                    Some(have)
                } else {
                    addr::normalize_prefix_str(&have)
                };
                have.as_ref() == Some(n)
            })
            && string(ctx, SR, r, "route_table") == table
            && output_port.as_ref().map_or(true, |p| {
                opt_string(ctx, SR, r, "output_port").as_ref() == Some(p)
            });
        if !matches {
            continue;
        }
        if let Some(Atom::Uuid(b)) = ctx.value(SR, r, "bfd").as_scalar().cloned() {
            if ctx.fetch_row(BFD, b)?.is_some() {
                ctx.delete(BFD, b)?;
            }
        }
        ctx.mutate(
            LR,
            lr,
            Mutation::new("static_routes", Mutator::Delete, Datum::from(Atom::Uuid(r))),
        )?;
        removed += 1;
    }
    if removed == 0 && !cmd.has("--if-exists") {
        return Err(CtlError::new(format!(
            "no matching route: policy '{}', prefix '{}', nexthop '{}', output_port '{}'.",
            policy.as_ref().map_or("any", |p| p.1.as_str()),
            prefix.as_deref().unwrap_or("(null)"),
            nexthop.as_deref().unwrap_or("any"),
            output_port.as_deref().unwrap_or("any"),
        )));
    }
    Ok(())
}

/// One route of `lr-route-list`, with its sort keys.
struct Listed {
    uuid: Uuid,
    table: String,
    priority: u32,
    /// The address as parsed (IPv4 in the low 32 bits).
    addr: u128,
    nexthop: String,
    output_port: Option<String>,
}

/// `__ipv4_route_cmp` / `__ipv6_route_cmp`: route table, priority (higher first), address.
fn cmp_key(a: &Listed, b: &Listed) -> Ordering {
    a.table
        .cmp(&b.table)
        .then_with(|| b.priority.cmp(&a.priority))
        .then_with(|| a.addr.cmp(&b.addr))
}

/// `route_cmp_details`.
fn cmp_details(a: &Listed, b: &Listed) -> Ordering {
    a.nexthop
        .cmp(&b.nexthop)
        .then_with(|| match (&a.output_port, &b.output_port) {
            (Some(x), Some(y)) => x.cmp(y),
            (None, None) => Ordering::Equal,
            (Some(_), None) => Ordering::Greater,
            (None, Some(_)) => Ordering::Less,
        })
}

fn lr_route_list(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let lr = must_lr(ctx, cmd.arg(0))?;
    let filter = cmd.value("--route-table");
    let mut v4 = Vec::new();
    let mut v6 = Vec::new();
    for r in routes(ctx, lr)? {
        let table = string(ctx, SR, r, "route_table");
        if filter.is_some_and(|f| f != table) {
            continue;
        }
        let dst = opt_string(ctx, SR, r, "policy").map_or(true, |p| p == "dst-ip");
        let prefix = string(ctx, SR, r, "ip_prefix");
        let listed = |addr: u128, plen: u32| Listed {
            uuid: r,
            table: table.clone(),
            priority: 2 * plen + u32::from(dst),
            addr,
            nexthop: string(ctx, SR, r, "nexthop"),
            output_port: opt_string(ctx, SR, r, "output_port"),
        };
        if let Ok((ip, plen)) = addr::ip_parse_cidr(&prefix) {
            v4.push(listed(u128::from(ip), plen));
        } else if let Ok((ip, plen)) = addr::ipv6_parse_cidr(&prefix) {
            v6.push(listed(ip, plen));
        } else {
            let name = string(ctx, LR, lr, "name");
            ctx.warn(
                "nbctl",
                &format!("router {lr} ({name}) has invalid prefix: {prefix}"),
            );
        }
    }
    let mut out = String::new();
    if !v4.is_empty() {
        out.push_str("IPv4 Routes\n");
        print_family(ctx, &mut v4, &mut out);
    }
    if !v6.is_empty() {
        out.push_str(if v4.is_empty() {
            "IPv6 Routes\n"
        } else {
            "\nIPv6 Routes\n"
        });
        print_family(ctx, &mut v6, &mut out);
    }
    ctx.output.push_str(&out);
    Ok(())
}

/// Sorts and prints the routes of one address family, with a header per route table.
fn print_family(ctx: &Context<'_>, routes: &mut [Listed], out: &mut String) {
    routes.sort_by(|a, b| cmp_key(a, b).then_with(|| cmp_details(a, b)));
    for i in 0..routes.len() {
        let r = &routes[i];
        let same = |j: usize| cmp_key(r, &routes[j]) == Ordering::Equal;
        let ecmp = (i + 1 < routes.len() && same(i + 1)) || (i > 0 && same(i - 1));
        if i == 0 || r.table != routes[i - 1].table {
            out.push_str(&format!(
                "{}Route Table {}:\n",
                if i > 0 { "\n" } else { "" },
                if r.table.is_empty() {
                    "<main>"
                } else {
                    &r.table
                }
            ));
        }
        print_route(ctx, r.uuid, ecmp, out);
    }
}

/// `print_route`.
fn print_route(ctx: &Context<'_>, r: Uuid, ecmp: bool, out: &mut String) {
    let prefix = addr::normalize_prefix_str(&string(ctx, SR, r, "ip_prefix"));
    let nexthop = string(ctx, SR, r, "nexthop");
    // A next hop that does not parse prints as empty (observed with ovn-nbctl 23.03).
    let next_hop = if nexthop == "discard" || nexthop.is_empty() {
        nexthop
    } else {
        addr::normalize_prefix_str(&nexthop).unwrap_or_default()
    };
    out.push_str(&format!("{:>25} {:>25}", addr::or_null(&prefix), next_hop));
    let policy = opt_string(ctx, SR, r, "policy").unwrap_or_else(|| "dst-ip".into());
    out.push_str(&format!(" {policy}"));
    if let Some(p) = opt_string(ctx, SR, r, "output_port") {
        out.push_str(&format!(" {p}"));
    }
    let ext = smap(ctx, SR, r, "external_ids");
    if ext.iter().any(|(k, _)| k == "ic-learned-route") {
        out.push_str(" (learned)");
    }
    if ecmp {
        out.push_str(" ecmp");
    }
    let symmetric = smap(ctx, SR, r, "options")
        .into_iter()
        .find(|(k, _)| k == "ecmp_symmetric_reply")
        .is_some_and(|(_, v)| v.eq_ignore_ascii_case("true"));
    if symmetric {
        out.push_str(" ecmp-symmetric-reply");
    }
    if !ctx.value(SR, r, "bfd").is_empty() {
        out.push_str(" bfd");
    }
    out.push('\n');
}
