//! Logical switches and their ports: `ls-*` and `lsp-add`, `lsp-del`, `lsp-list`,
//! `lsp-get-ls`.

use ovsdb::data::{Atom, Datum, Row};
use ovsdb::ops::{Condition, Mutation, Mutator};

use super::common::{self, string};
use crate::ctl::{Command, CommandSpec, Context, CtlError, CtlResult, Mode};

/// The table entries of this group.
pub fn commands() -> Vec<CommandSpec> {
    let c = |name, min_args, max_args, options, mode, run| CommandSpec {
        name,
        min_args,
        max_args,
        options,
        mode,
        run,
    };
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
        c("lsp-add", 2, 4, "--may-exist", Mode::ReadWrite, lsp_add),
        c("lsp-del", 1, 1, "--if-exists", Mode::ReadWrite, lsp_del),
        c("lsp-list", 1, 1, "", Mode::ReadOnly, lsp_list),
        c("lsp-get-ls", 1, 1, "", Mode::ReadOnly, lsp_get_ls),
    ]
}

fn ls_add(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let name = cmd.args.first();
    let may_exist = cmd.has("--may-exist");
    let add_duplicate = cmd.has("--add-duplicate");
    if may_exist && add_duplicate {
        return Err(CtlError::new(
            "--may-exist and --add-duplicate may not be used together",
        ));
    }
    match name {
        Some(name)
            if !add_duplicate
                && !ctx
                    .query("Logical_Switch", &[Condition::eq("name", name.as_str())])?
                    .is_empty() =>
        {
            if may_exist {
                return Ok(());
            }
            return Err(CtlError::new(format!(
                "{name}: a switch with this name already exists"
            )));
        }
        Some(_) => {}
        None if may_exist => return Err(CtlError::new("--may-exist requires specifying a name")),
        None if add_duplicate => {
            return Err(CtlError::new("--add-duplicate requires specifying a name"))
        }
        None => {}
    }
    let mut row = Row::new();
    if let Some(name) = name {
        row.insert("name", Datum::from(name.as_str()));
    }
    ctx.insert("Logical_Switch", None, row)?;
    Ok(())
}

fn ls_del(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    if let Some(ls) = common::switch(ctx, cmd.arg(0), !cmd.has("--if-exists"))? {
        ctx.delete("Logical_Switch", ls)?;
    }
    Ok(())
}

fn ls_list(ctx: &mut Context<'_>, _cmd: &Command) -> CtlResult<()> {
    let rows = ctx.all("Logical_Switch")?;
    common::print_uuid_name_list(ctx, "Logical_Switch", &rows);
    Ok(())
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
    let refs = ctx.value("Logical_Switch", ls, "ports");
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
