//! Routing policies: `lr-policy-add`, `lr-policy-del`, `lr-policy-list`.

use ovsdb::data::{Atom, Datum, Row, Uuid};
use ovsdb::ops::{Mutation, Mutator};

use super::addr;
use super::common::{integer, string};
use super::router::{must_lr, smap, strings};
use crate::ctl::ovs_hash;
use crate::ctl::{Command, CommandSpec, Context, CtlError, CtlResult, Mode};

const LR: &str = "Logical_Router";
const POLICY: &str = "Logical_Router_Policy";

/// The table entries of this group.
pub fn commands() -> Vec<CommandSpec> {
    vec![
        CommandSpec {
            name: "lr-policy-add",
            min_args: 4,
            max_args: usize::MAX,
            options: "--may-exist",
            mode: Mode::ReadWrite,
            run: lr_policy_add,
        },
        CommandSpec {
            name: "lr-policy-del",
            min_args: 1,
            max_args: 3,
            options: "--if-exists",
            mode: Mode::ReadWrite,
            run: lr_policy_del,
        },
        CommandSpec {
            name: "lr-policy-list",
            min_args: 1,
            max_args: 1,
            options: "",
            mode: Mode::ReadOnly,
            run: lr_policy_list,
        },
    ]
}

/// The policies of a router (fetched).
fn policies(ctx: &mut Context<'_>, lr: Uuid) -> CtlResult<Vec<Uuid>> {
    let refs = ctx.idl_value(LR, lr, "policies");
    ctx.fetch_refs(POLICY, &refs)
}

fn priority_of(ctx: &Context<'_>, p: Uuid) -> i64 {
    integer(ctx, POLICY, p, "priority").unwrap_or(0)
}

/// The comma-separated next hops of a reroute, normalised, all of one family.
fn parse_nexthops(arg: &str) -> CtlResult<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for token in arg.split(',').filter(|t| !t.is_empty()) {
        let Some(nh) = addr::normalize_addr_str(token) else {
            return Err(CtlError::new(format!("bad next hop argument: {arg}")));
        };
        let first_v4 = out.first().map(|f| f.contains('.'));
        if first_v4.is_some_and(|v4| v4 != nh.contains('.')) {
            return Err(CtlError::new(format!(
                "bad next hops argument, not in the same addr family : {arg}"
            )));
        }
        out.push(nh);
    }
    Ok(out)
}

fn lr_policy_add(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let lr = must_lr(ctx, cmd.arg(0))?;
    let priority = addr::parse_priority(cmd.arg(1))?;
    let matcher = cmd.arg(2);
    let action = cmd.arg(3);
    if !matches!(action, "allow" | "drop" | "reroute") {
        return Err(CtlError::new(format!(
            "{action}: action must be one of \"allow\", \"drop\", and \"reroute\""
        )));
    }
    let reroute = action == "reroute";
    if reroute && cmd.args.len() < 5 {
        return Err(CtlError::new("Nexthop is required when action is reroute."));
    }
    for p in policies(ctx, lr)? {
        if priority_of(ctx, p) == priority && string(ctx, POLICY, p, "match") == matcher {
            if cmd.has("--may-exist") {
                return Ok(());
            }
            return Err(CtlError::new(format!(
                "Same routing policy already existed on the logical router {}.",
                cmd.arg(0)
            )));
        }
    }
    let nexthops = if reroute {
        parse_nexthops(cmd.arg(4))?
    } else {
        Vec::new()
    };
    let mut options = Vec::new();
    for opt in &cmd.args[if reroute { 5 } else { 4 }..] {
        match opt.split_once('=') {
            Some((k, v)) if !v.is_empty() => options.push((k.to_string(), v.to_string())),
            Some((k, _)) => return Err(no_value(k)),
            None => return Err(no_value(opt)),
        }
    }
    let mut row = Row::new()
        .with("priority", priority)
        .with("match", matcher)
        .with("action", action)
        .with("options", Datum::map(options));
    if reroute {
        row.insert("nexthops", Datum::set(nexthops.iter().map(String::as_str)));
    }
    let p = ctx.insert(POLICY, None, row)?;
    ctx.mutate(
        LR,
        lr,
        Mutation::new("policies", Mutator::Insert, Datum::from(Atom::Uuid(p))),
    )
}

fn no_value(key: &str) -> CtlError {
    CtlError::new(format!("No value specified for the option : {key}"))
}

/// Drops one policy from the router.
fn remove(ctx: &mut Context<'_>, lr: Uuid, p: Uuid) -> CtlResult<()> {
    ctx.mutate(
        LR,
        lr,
        Mutation::new("policies", Mutator::Delete, Datum::from(Atom::Uuid(p))),
    )
}

fn lr_policy_del(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let lr = must_lr(ctx, cmd.arg(0))?;
    if cmd.args.len() == 1 {
        return ctx.set(LR, lr, "policies", Datum::empty_set());
    }
    let by_uuid = Uuid::parse(cmd.arg(1)).ok();
    let priority = match by_uuid {
        Some(_) => 0,
        None => addr::parse_priority(cmd.arg(1))?,
    };
    let all = policies(ctx, lr)?;
    if cmd.args.len() == 2 {
        if let Some(u) = by_uuid {
            if all.contains(&u) {
                return remove(ctx, lr, u);
            }
            if !cmd.has("--if-exists") {
                return Err(CtlError::new("Logical router policy uuid is not found."));
            }
            return Ok(());
        }
        for p in all {
            if priority_of(ctx, p) == priority {
                remove(ctx, lr, p)?;
            }
        }
        return Ok(());
    }
    let found = all.into_iter().find(|p| {
        priority_of(ctx, *p) == priority && string(ctx, POLICY, *p, "match") == cmd.arg(2)
    });
    match found {
        Some(p) => remove(ctx, lr, p),
        None => Ok(()),
    }
}

fn lr_policy_list(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let lr = must_lr(ctx, cmd.arg(0))?;
    let mut list: Vec<(i64, String, Uuid)> = policies(ctx, lr)?
        .into_iter()
        .map(|p| (priority_of(ctx, p), string(ctx, POLICY, p, "match"), p))
        .collect();
    // routing_policy_cmp: priority (higher first), then match; ties keep the set's order.
    list.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let mut out = String::new();
    if !list.is_empty() {
        out.push_str("Routing Policies\n");
    }
    for (priority, matcher, p) in list {
        let action = string(ctx, POLICY, p, "action");
        out.push_str(&format!("{priority:>10} {matcher:>50} {action:>15}"));
        for (i, nh) in strings(ctx, POLICY, p, "nexthops").iter().enumerate() {
            let nh = addr::normalize_prefix_str(nh);
            if i == 0 {
                out.push_str(&format!(" {:>25}", addr::or_null(&nh)));
            } else {
                out.push_str(&format!(", {}", addr::or_null(&nh)));
            }
        }
        let options = smap(ctx, POLICY, p, "options");
        if !options.is_empty() {
            out.push_str(&" ".repeat(15));
            let text: Vec<String> = ovs_hash::smap_order(&options)
                .into_iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            out.push_str(&text.join(","));
        }
        out.push('\n');
    }
    ctx.output.push_str(&out);
    Ok(())
}
