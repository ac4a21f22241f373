//! `show`: the overview of the database, as db-ctl-base's `cmd_show` prints it with
//! ovs-vsctl's table of what to show.

use ovsdb::data::{text, Uuid};

use crate::ctl::context::uuids_of;
use crate::ctl::{Command, CommandSpec, Context, CtlResult, Mode};

/// The table entries of this group.
pub fn commands() -> Vec<CommandSpec> {
    vec![CommandSpec {
        name: "show",
        min_args: 0,
        max_args: 0,
        options: "",
        mode: Mode::ReadOnly,
        run: cmd_show,
    }]
}

/// One table `show` knows: the column naming its rows and the columns printed under them.
struct ShowTable {
    table: &'static str,
    name_column: Option<&'static str>,
    columns: &'static [&'static str],
}

/// ovs-vsctl 3.1's `cmd_show_tables`.
const SHOW_TABLES: &[ShowTable] = &[
    ShowTable {
        table: "Open_vSwitch",
        name_column: None,
        columns: &["manager_options", "bridges", "ovs_version"],
    },
    ShowTable {
        table: "Bridge",
        name_column: Some("name"),
        columns: &["controller", "fail_mode", "datapath_type", "ports"],
    },
    ShowTable {
        table: "Port",
        name_column: Some("name"),
        columns: &["tag", "trunks", "interfaces"],
    },
    ShowTable {
        table: "Interface",
        name_column: Some("name"),
        columns: &["type", "options", "error", "bfd_status"],
    },
    ShowTable {
        table: "Controller",
        name_column: Some("target"),
        columns: &["is_connected"],
    },
    ShowTable {
        table: "Manager",
        name_column: Some("target"),
        columns: &["is_connected"],
    },
];

fn show_table(name: &str) -> Option<&'static ShowTable> {
    SHOW_TABLES.iter().find(|s| s.table == name)
}

fn cmd_show(ctx: &mut Context<'_>, _cmd: &Command) -> CtlResult<()> {
    for t in SHOW_TABLES {
        ctx.all(t.table)?;
    }
    let mut out = String::new();
    let mut shown: Vec<&'static str> = Vec::new();
    for row in ctx.all(SHOW_TABLES[0].table)? {
        show_row(ctx, &SHOW_TABLES[0], row, 0, &mut shown, &mut out);
    }
    ctx.output.push_str(&out);
    Ok(())
}

/// The text of a column the way `ovsdb_datum_to_string` writes it.
fn column_text(ctx: &Context<'_>, table: &str, row: Uuid, column: &str) -> String {
    let datum = ctx.value(table, row, column);
    let multi = ctx
        .column_type(table, column)
        .map(|t| t.max.limit() != Some(1))
        .unwrap_or(false);
    text::datum_to_string(&datum, multi)
}

fn indent(out: &mut String, level: usize) {
    out.extend(std::iter::repeat(' ').take(level * 4));
}

/// `cmd_show_row`.
fn show_row(
    ctx: &Context<'_>,
    show: &'static ShowTable,
    row: Uuid,
    level: usize,
    shown: &mut Vec<&'static str>,
    out: &mut String,
) {
    indent(out, level);
    match show.name_column {
        Some(col) => {
            out.push_str(show.table);
            out.push(' ');
            out.push_str(&column_text(ctx, show.table, row, col));
        }
        None => out.push_str(&row.to_string()),
    }
    out.push('\n');
    if shown.contains(&show.table) {
        return;
    }
    shown.push(show.table);
    for column in show.columns {
        let Ok(ty) = ctx.column_type(show.table, column) else {
            continue;
        };
        let ref_show = ty.key.ref_table.as_deref().and_then(show_table);
        if let (Some(ref_show), None) = (ref_show, &ty.value) {
            for target in uuids_of(&ctx.value(show.table, row, column)) {
                if ctx.row(ref_show.table, target).is_some() {
                    show_row(ctx, ref_show, target, level + 1, shown, out);
                }
            }
            continue;
        }
        if ctx.value(show.table, row, column) != ty.default_datum() {
            indent(out, level + 1);
            out.push_str(column);
            out.push_str(": ");
            out.push_str(&column_text(ctx, show.table, row, column));
            out.push('\n');
        }
    }
    shown.retain(|t| *t != show.table);
}
