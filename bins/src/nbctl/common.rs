//! Lookups every ovn-nbctl command group shares (`ls_by_name_or_uuid`,
//! `lsp_by_name_or_uuid`, `lsp_to_ls`, ...), each reading only the rows it needs.

use ovsdb::data::{Atom, Datum, Uuid};
use ovsdb::ops::Condition;

use crate::ctl::{Context, CtlError, CtlResult};

/// The string value of a scalar (or optional) string column of a held row ("" if unset).
pub fn string(ctx: &Context<'_>, table: &str, uuid: Uuid, column: &str) -> String {
    match ctx.value(table, uuid, column).as_scalar() {
        Some(Atom::String(s)) => s.to_string(),
        _ => String::new(),
    }
}

/// The integer value of an optional integer column of a held row.
pub fn integer(ctx: &Context<'_>, table: &str, uuid: Uuid, column: &str) -> Option<i64> {
    match ctx.value(table, uuid, column).as_scalar() {
        Some(Atom::Integer(i)) => Some(*i),
        _ => None,
    }
}

/// A row of `table` by UUID or by its `name` column (`*_by_name_or_uuid`): `what` names the
/// kind in messages (`switch`, `router`, `port`), `plural` in the ambiguity message
/// (`logical switches`). With `must_exist`, a miss is `ID: WHAT UUID|name not found`.
pub fn by_name_or_uuid(
    ctx: &mut Context<'_>,
    table: &str,
    id: &str,
    must_exist: bool,
    what: &str,
    plural: Option<&str>,
) -> CtlResult<Option<Uuid>> {
    let as_uuid = Uuid::parse(id).ok();
    if let Some(u) = as_uuid {
        if ctx.fetch_row(table, u)?.is_some() {
            return Ok(Some(u));
        }
    }
    let hits = ctx.query(table, &[Condition::eq("name", id)])?;
    match hits.as_slice() {
        [] => {}
        [one] => return Ok(Some(*one)),
        [first, ..] => match plural {
            Some(plural) => {
                return Err(CtlError::new(format!(
                    "Multiple {plural} named '{id}'.  Use a UUID."
                )))
            }
            None => return Ok(Some(*first)),
        },
    }
    if must_exist {
        let kind = if as_uuid.is_some() { "UUID" } else { "name" };
        return Err(CtlError::new(format!("{id}: {what} {kind} not found")));
    }
    Ok(None)
}

/// `ls_by_name_or_uuid`.
pub fn switch(ctx: &mut Context<'_>, id: &str, must_exist: bool) -> CtlResult<Option<Uuid>> {
    by_name_or_uuid(
        ctx,
        "Logical_Switch",
        id,
        must_exist,
        "switch",
        Some("logical switches"),
    )
}

/// `lr_by_name_or_uuid`.
pub fn router(ctx: &mut Context<'_>, id: &str, must_exist: bool) -> CtlResult<Option<Uuid>> {
    by_name_or_uuid(
        ctx,
        "Logical_Router",
        id,
        must_exist,
        "router",
        Some("logical routers"),
    )
}

/// `lsp_by_name_or_uuid`.
pub fn switch_port(ctx: &mut Context<'_>, id: &str, must_exist: bool) -> CtlResult<Option<Uuid>> {
    by_name_or_uuid(ctx, "Logical_Switch_Port", id, must_exist, "port", None)
}

/// `lrp_by_name_or_uuid`.
pub fn router_port(ctx: &mut Context<'_>, id: &str, must_exist: bool) -> CtlResult<Option<Uuid>> {
    by_name_or_uuid(ctx, "Logical_Router_Port", id, must_exist, "port", None)
}

/// The row of `parent_table` whose `column` holds a reference to `child` (e.g. the switch of
/// a port), asked of the server with `includes`.
pub fn parent_of(
    ctx: &mut Context<'_>,
    parent_table: &str,
    column: &str,
    child: Uuid,
) -> CtlResult<Option<Uuid>> {
    let hits = ctx.query(
        parent_table,
        &[Condition::includes(column, Datum::from(Atom::Uuid(child)))],
    )?;
    Ok(hits.first().copied())
}

/// `lsp_to_ls`: the switch a port is in.
pub fn switch_of_port(ctx: &mut Context<'_>, lsp: Uuid) -> CtlResult<Uuid> {
    parent_of(ctx, "Logical_Switch", "ports", lsp)?.ok_or_else(|| {
        let name = string(ctx, "Logical_Switch_Port", lsp, "name");
        CtlError::new(format!(
            "logical port {name} is not part of any logical switch"
        ))
    })
}

/// `lrp_to_lr`: the router a port is in.
pub fn router_of_port(ctx: &mut Context<'_>, lrp: Uuid) -> CtlResult<Uuid> {
    parent_of(ctx, "Logical_Router", "ports", lrp)?.ok_or_else(|| {
        let name = string(ctx, "Logical_Router_Port", lrp, "name");
        CtlError::new(format!(
            "logical port {name} is not part of any logical router"
        ))
    })
}

/// A name to show for a row: its `name`, or its UUID when the name is empty
/// (`ls_get_name`, `lr_get_name`).
pub fn name_or_uuid(ctx: &Context<'_>, table: &str, uuid: Uuid) -> String {
    let name = string(ctx, table, uuid, "name");
    if name.is_empty() {
        uuid.to_string()
    } else {
        name
    }
}

/// `UUID (name)` lines sorted by name, as the `*-list` commands print them.
pub fn print_uuid_name_list(ctx: &mut Context<'_>, table: &str, rows: &[Uuid]) {
    let mut lines: Vec<(String, String)> = rows
        .iter()
        .map(|u| {
            let name = string(ctx, table, *u, "name");
            (name.clone(), format!("{u} ({name})\n"))
        })
        .collect();
    lines.sort();
    for (_, line) in lines {
        ctx.output.push_str(&line);
    }
}

/// `UUID (name)` lines of every row of a large table sorted by name, reading only the names
/// (`ls-list`, `lr-list`).
pub fn print_all_uuid_name_list(ctx: &mut Context<'_>, table: &str) -> CtlResult<()> {
    let mut lines: Vec<(String, String)> = ctx
        .column_of_all(table, "name")?
        .into_iter()
        .map(|(u, name)| {
            let name = match name.as_scalar() {
                Some(Atom::String(s)) => s.to_string(),
                _ => String::new(),
            };
            (name.clone(), format!("{u} ({name})\n"))
        })
        .collect();
    lines.sort();
    for (_, line) in lines {
        ctx.output.push_str(&line);
    }
    Ok(())
}

/// `ls-add` / `lr-add`: a new row of `table` (a root table with a `name`), honouring
/// `--may-exist` and `--add-duplicate` with ovn-nbctl's messages; `what` is `switch` or
/// `router`.
pub fn add_named_root(
    ctx: &mut Context<'_>,
    cmd: &crate::ctl::Command,
    table: &str,
    what: &str,
) -> CtlResult<()> {
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
                    .query(table, &[Condition::eq("name", name.as_str())])?
                    .is_empty() =>
        {
            if may_exist {
                return Ok(());
            }
            return Err(CtlError::new(format!(
                "{name}: a {what} with this name already exists"
            )));
        }
        Some(_) => {}
        None if may_exist => return Err(CtlError::new("--may-exist requires specifying a name")),
        None if add_duplicate => {
            return Err(CtlError::new("--add-duplicate requires specifying a name"))
        }
        None => {}
    }
    let mut row = ovsdb::data::Row::new();
    if let Some(name) = name {
        row.insert("name", Datum::from(name.as_str()));
    }
    ctx.insert(table, None, row)?;
    Ok(())
}
