//! ovs-vsctl controller, fail-mode, manager and SSL commands: `get/set/del-controller`,
//! `get/set/del-fail-mode`, `get/set/del-manager`, `get/set/del-ssl`.

use ovsdb::data::{Atom, Datum, Row, Uuid};

use super::common::{self, uuid_datum};
use crate::ctl::{Command, CommandSpec, Context, CtlError, CtlResult, Mode};

/// The table entries of this group.
pub fn commands() -> Vec<CommandSpec> {
    let c = CommandSpec::new;
    let many = usize::MAX;
    vec![
        c(
            "get-controller",
            1,
            1,
            "",
            Mode::ReadOnly,
            cmd_get_controller,
        ),
        c(
            "del-controller",
            1,
            1,
            "",
            Mode::ReadWrite,
            cmd_del_controller,
        ),
        c(
            "set-controller",
            1,
            many,
            "--inactivity-probe=",
            Mode::ReadWrite,
            cmd_set_controller,
        ),
        c("get-fail-mode", 1, 1, "", Mode::ReadOnly, cmd_get_fail_mode),
        c(
            "del-fail-mode",
            1,
            1,
            "",
            Mode::ReadWrite,
            cmd_del_fail_mode,
        ),
        c(
            "set-fail-mode",
            2,
            2,
            "",
            Mode::ReadWrite,
            cmd_set_fail_mode,
        ),
        c("get-manager", 0, 0, "", Mode::ReadOnly, cmd_get_manager),
        c("del-manager", 0, 0, "", Mode::ReadWrite, cmd_del_manager),
        c(
            "set-manager",
            1,
            many,
            "--inactivity-probe=",
            Mode::ReadWrite,
            cmd_set_manager,
        ),
        c("get-ssl", 0, 0, "", Mode::ReadOnly, cmd_get_ssl),
        c("del-ssl", 0, 0, "", Mode::ReadWrite, cmd_del_ssl),
        c("set-ssl", 3, 3, "--bootstrap", Mode::ReadWrite, cmd_set_ssl),
    ]
}

/// The Bridge row of `name`, or of its parent if it is a fake bridge.
fn bridge_row(ctx: &mut Context<'_>, name: &str) -> CtlResult<Uuid> {
    let cache = common::load(ctx)?;
    let Some(i) = common::find_bridge(&cache, name, true)? else {
        return Err(CtlError::new(format!("no bridge named {name}")));
    };
    Ok(cache.bridges[i].row)
}

/// The Bridge row of real bridge `name`.
fn real_bridge_row(ctx: &mut Context<'_>, name: &str) -> CtlResult<Uuid> {
    let cache = common::load(ctx)?;
    let i = common::find_real_bridge(&cache, name)?;
    Ok(cache.bridges[i].row)
}

/// The `target`s of the rows `refs` of `table` refers to, sorted.
fn targets(ctx: &mut Context<'_>, table: &str, refs: &Datum) -> CtlResult<Vec<String>> {
    let mut out: Vec<String> = ctx
        .fetch_refs(table, refs)?
        .into_iter()
        .map(|u| common::string(ctx, table, u, "target"))
        .collect();
    out.sort_unstable();
    Ok(out)
}

fn print_lines(ctx: &mut Context<'_>, lines: &[String]) {
    for l in lines {
        ctx.output.push_str(l);
        ctx.output.push('\n');
    }
}

/// Deletes the rows of `table` that `refs` refers to.
fn delete_all(ctx: &mut Context<'_>, table: &str, refs: &Datum) -> CtlResult<()> {
    for u in ctx.fetch_refs(table, refs)? {
        ctx.delete(table, u)?;
    }
    Ok(())
}

/// Whether `target` names a connection method of `active` or `passive` (what
/// `vconn_verify_name` / `stream_verify_name` and their passive twins accept).
fn known_target(target: &str) -> bool {
    let Some((class, _)) = target.split_once(':') else {
        return false;
    };
    matches!(class, "tcp" | "ssl" | "unix" | "ptcp" | "pssl" | "punix")
}

/// New rows of `table` (Controller, Manager) for `targets`, with `--inactivity-probe`.
fn insert_targets(
    ctx: &mut Context<'_>,
    cmd: &Command,
    table: &str,
    targets: &[String],
) -> CtlResult<Datum> {
    let probe = cmd.value("--inactivity-probe").map(common::atoll);
    let mut rows = Vec::with_capacity(targets.len());
    for t in targets {
        if !known_target(t) {
            ctx.warn(
                "vsctl",
                &format!("target type \"{t}\" is possibly erroneous"),
            );
        }
        let mut row = Row::new().with("target", t.as_str());
        if let Some(ms) = probe {
            row.insert("inactivity_probe", Datum::from(ms));
        }
        rows.push(Atom::Uuid(ctx.insert(table, None, row)?));
    }
    Ok(Datum::set(rows))
}

fn cmd_get_controller(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let br = bridge_row(ctx, cmd.arg(0))?;
    let refs = ctx.value("Bridge", br, "controller");
    let lines = targets(ctx, "Controller", &refs)?;
    print_lines(ctx, &lines);
    Ok(())
}

fn cmd_del_controller(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let br = real_bridge_row(ctx, cmd.arg(0))?;
    let refs = ctx.value("Bridge", br, "controller");
    if !refs.is_empty() {
        delete_all(ctx, "Controller", &refs)?;
        ctx.set("Bridge", br, "controller", Datum::empty_set())?;
    }
    Ok(())
}

fn cmd_set_controller(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let br = real_bridge_row(ctx, cmd.arg(0))?;
    let refs = ctx.value("Bridge", br, "controller");
    delete_all(ctx, "Controller", &refs)?;
    let new = insert_targets(ctx, cmd, "Controller", &cmd.args[1..])?;
    ctx.set("Bridge", br, "controller", new)
}

fn cmd_get_fail_mode(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let br = bridge_row(ctx, cmd.arg(0))?;
    let mode = common::string(ctx, "Bridge", br, "fail_mode");
    if !mode.is_empty() {
        ctx.output.push_str(&format!("{mode}\n"));
    }
    Ok(())
}

fn cmd_del_fail_mode(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let br = real_bridge_row(ctx, cmd.arg(0))?;
    ctx.set("Bridge", br, "fail_mode", Datum::empty_set())
}

fn cmd_set_fail_mode(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let br = real_bridge_row(ctx, cmd.arg(0))?;
    let mode = cmd.arg(1);
    if mode != "standalone" && mode != "secure" {
        return Err(CtlError::new(
            "fail-mode must be \"standalone\" or \"secure\"",
        ));
    }
    ctx.set("Bridge", br, "fail_mode", Datum::from(mode))
}

fn cmd_get_manager(ctx: &mut Context<'_>, _cmd: &Command) -> CtlResult<()> {
    let ovs = common::ovs_row(ctx)?;
    let refs = ctx.value("Open_vSwitch", ovs, "manager_options");
    let mut lines = targets(ctx, "Manager", &refs)?;
    lines.dedup();
    print_lines(ctx, &lines);
    Ok(())
}

/// Deletes every manager (`delete_managers`).
fn delete_managers(ctx: &mut Context<'_>, ovs: Uuid) -> CtlResult<()> {
    let refs = ctx.value("Open_vSwitch", ovs, "manager_options");
    delete_all(ctx, "Manager", &refs)?;
    ctx.set("Open_vSwitch", ovs, "manager_options", Datum::empty_set())
}

fn cmd_del_manager(ctx: &mut Context<'_>, _cmd: &Command) -> CtlResult<()> {
    let ovs = common::ovs_row(ctx)?;
    delete_managers(ctx, ovs)
}

fn cmd_set_manager(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let ovs = common::ovs_row(ctx)?;
    delete_managers(ctx, ovs)?;
    let new = insert_targets(ctx, cmd, "Manager", &cmd.args)?;
    ctx.set("Open_vSwitch", ovs, "manager_options", new)
}

fn cmd_get_ssl(ctx: &mut Context<'_>, _cmd: &Command) -> CtlResult<()> {
    let ovs = common::ovs_row(ctx)?;
    let refs = ctx.value("Open_vSwitch", ovs, "ssl");
    let Some(ssl) = ctx.fetch_refs("SSL", &refs)?.first().copied() else {
        return Ok(());
    };
    let key = common::string(ctx, "SSL", ssl, "private_key");
    let cert = common::string(ctx, "SSL", ssl, "certificate");
    let ca = common::string(ctx, "SSL", ssl, "ca_cert");
    let bootstrap = common::boolean(ctx, "SSL", ssl, "bootstrap_ca_cert");
    ctx.output.push_str(&format!(
        "Private key: {key}\nCertificate: {cert}\nCA Certificate: {ca}\nBootstrap: {bootstrap}\n"
    ));
    Ok(())
}

fn cmd_del_ssl(ctx: &mut Context<'_>, _cmd: &Command) -> CtlResult<()> {
    let ovs = common::ovs_row(ctx)?;
    let refs = ctx.value("Open_vSwitch", ovs, "ssl");
    if !refs.is_empty() {
        delete_all(ctx, "SSL", &refs)?;
        ctx.set("Open_vSwitch", ovs, "ssl", Datum::empty_set())?;
    }
    Ok(())
}

fn cmd_set_ssl(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let ovs = common::ovs_row(ctx)?;
    let refs = ctx.value("Open_vSwitch", ovs, "ssl");
    delete_all(ctx, "SSL", &refs)?;
    let row = Row::new()
        .with("private_key", cmd.arg(0))
        .with("certificate", cmd.arg(1))
        .with("ca_cert", cmd.arg(2))
        .with("bootstrap_ca_cert", cmd.has("--bootstrap"));
    let ssl = ctx.insert("SSL", None, row)?;
    ctx.set("Open_vSwitch", ovs, "ssl", uuid_datum(ssl))
}
