//! `show`: the overview of the database, as db-ctl-base's `cmd_show` prints it with
//! ovs-vsctl's table of what to show.
//!
//! It reads, in one transaction, only the columns it prints of the six tables (see
//! [`project`]), the ones most rows leave empty (a port's `tag`, an interface's `error`)
//! only from the rows that set them.

use ovsdb::data::{text, Datum, Uuid};

use crate::ctl::context::uuids_of;
use crate::ctl::project::{self, Projection, Want};
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
    /// Those of `columns` most rows leave at their default (read only where set).
    sparse: &'static [&'static str],
}

/// ovs-vsctl 3.1's `cmd_show_tables`.
const SHOW_TABLES: &[ShowTable] = &[
    ShowTable {
        table: "Open_vSwitch",
        name_column: None,
        columns: &["manager_options", "bridges", "ovs_version"],
        sparse: &[],
    },
    ShowTable {
        table: "Bridge",
        name_column: Some("name"),
        columns: &["controller", "fail_mode", "datapath_type", "ports"],
        sparse: &[],
    },
    ShowTable {
        table: "Port",
        name_column: Some("name"),
        columns: &["tag", "trunks", "interfaces"],
        sparse: &["tag", "trunks"],
    },
    ShowTable {
        table: "Interface",
        name_column: Some("name"),
        columns: &["type", "options", "error", "bfd_status"],
        sparse: &["type", "options", "error", "bfd_status"],
    },
    ShowTable {
        table: "Controller",
        name_column: Some("target"),
        columns: &["is_connected"],
        sparse: &[],
    },
    ShowTable {
        table: "Manager",
        name_column: Some("target"),
        columns: &["is_connected"],
        sparse: &[],
    },
];

/// How one printed column is shown.
struct Column {
    name: &'static str,
    /// Its index in the table's projection.
    index: usize,
    /// The show table its references lead to (a set of references to a table shown).
    leads_to: Option<usize>,
    default: Datum,
    /// Whether it may hold more than one value (`ovsdb_datum_to_string`'s brackets).
    multi: bool,
}

/// One show table as read.
struct Loaded {
    show: &'static ShowTable,
    rows: Projection,
    name_index: Option<usize>,
    columns: Vec<Column>,
}

fn cmd_show(ctx: &mut Context<'_>, _cmd: &Command) -> CtlResult<()> {
    let tables = load(ctx)?;
    let mut out = String::new();
    let mut shown: Vec<usize> = Vec::new();
    if let Some(top) = tables.first() {
        for row in top.rows.uuids() {
            show_row(&tables, 0, row, 0, &mut shown, &mut out);
        }
    }
    ctx.output.push_str(&out);
    Ok(())
}

/// Reads what `show` prints of every show table.
fn load(ctx: &mut Context<'_>) -> CtlResult<Vec<Loaded>> {
    // The name column, then the printed columns read with every row (those the schema
    // lacks read as empty and are skipped below).
    let dense: Vec<Vec<&'static str>> = SHOW_TABLES
        .iter()
        .map(|t| {
            t.name_column
                .into_iter()
                .chain(t.columns.iter().copied().filter(|c| !t.sparse.contains(c)))
                .collect()
        })
        .collect();
    let wants: Vec<Want<'_>> = SHOW_TABLES
        .iter()
        .zip(&dense)
        .map(|(t, d)| Want {
            table: t.table,
            columns: d,
            sparse: t.sparse,
        })
        .collect();
    let projections = project::read(ctx, &wants)?;
    let mut loaded = Vec::with_capacity(SHOW_TABLES.len());
    for (show, rows) in SHOW_TABLES.iter().zip(projections) {
        let mut columns = Vec::new();
        for name in show.columns {
            let (Ok(ty), Some(index)) = (ctx.column_type(show.table, name), rows.col(name)) else {
                continue;
            };
            let leads_to = match (&ty.key.ref_table, &ty.value) {
                (Some(target), None) => SHOW_TABLES.iter().position(|s| s.table == target),
                _ => None,
            };
            columns.push(Column {
                name,
                index,
                leads_to,
                default: ty.default_datum(),
                multi: ty.max.limit() != Some(1),
            });
        }
        let name_index = show.name_column.and_then(|c| rows.col(c));
        loaded.push(Loaded {
            show,
            rows,
            name_index,
            columns,
        });
    }
    Ok(loaded)
}

fn indent(out: &mut String, level: usize) {
    out.extend(std::iter::repeat(' ').take(level * 4));
}

/// `cmd_show_row`.
fn show_row(
    tables: &[Loaded],
    t: usize,
    row: Uuid,
    level: usize,
    shown: &mut Vec<usize>,
    out: &mut String,
) {
    let table = &tables[t];
    let Some(values) = table.rows.get(row) else {
        return;
    };
    indent(out, level);
    match table.show.name_column {
        Some(_) => {
            out.push_str(table.show.table);
            out.push(' ');
            match table.name_index {
                Some(i) => text::write_datum(out, &values[i], false),
                None => out.push_str("\"\""),
            }
        }
        None => out.push_str(&row.to_string()),
    }
    out.push('\n');
    if shown.contains(&t) {
        return;
    }
    shown.push(t);
    for column in &table.columns {
        let value = &values[column.index];
        if let Some(target) = column.leads_to {
            for r in uuids_of(value) {
                if tables[target].rows.get(r).is_some() {
                    show_row(tables, target, r, level + 1, shown, out);
                }
            }
            continue;
        }
        if *value != column.default {
            indent(out, level + 1);
            out.push_str(column.name);
            out.push_str(": ");
            text::write_datum(out, value, column.multi);
            out.push('\n');
        }
    }
    shown.retain(|s| *s != t);
}
