//! The generic database commands both tools share (`db-ctl-base.c`): list, find, get, set,
//! add, remove, clear, create, destroy, wait-until and comment, with its messages.
//!
//! `find` sends the conditions the server can evaluate exactly (`col=value`,
//! `col:key=value`) as the select's `where`, and evaluates every condition on what comes back,
//! so `find Interface external_ids:iface-id=x` reads one row, not the table.

use ovsdb::data::{Atom, Datum, Uuid};
use ovsdb::ops::{Condition, Mutation, Mutator};
use ovsdb::schema::ColumnType;

use super::command::{Command, CommandSpec, Mode};
use super::context::Context;
use super::error::{CtlError, CtlResult};
use super::format::{Cell, OutTable};
use super::value::{parse_atom, parse_datum, parse_token};

const UNLIMITED: usize = usize::MAX;

/// The generic commands' table entries.
pub fn commands() -> Vec<CommandSpec> {
    let c = CommandSpec::new;
    vec![
        c("comment", 0, UNLIMITED, "", Mode::ReadOnly, cmd_comment),
        c(
            "get",
            2,
            UNLIMITED,
            "--if-exists,--id=",
            Mode::ReadOnly,
            cmd_get,
        ),
        c(
            "list",
            1,
            UNLIMITED,
            "--if-exists,--columns=",
            Mode::ReadOnly,
            cmd_list,
        ),
        c("find", 1, UNLIMITED, "--columns=", Mode::ReadOnly, cmd_find),
        c("set", 3, UNLIMITED, "--if-exists", Mode::ReadWrite, cmd_set),
        c("add", 4, UNLIMITED, "--if-exists", Mode::ReadWrite, cmd_add),
        c(
            "remove",
            4,
            UNLIMITED,
            "--if-exists",
            Mode::ReadWrite,
            cmd_remove,
        ),
        c(
            "clear",
            3,
            UNLIMITED,
            "--if-exists",
            Mode::ReadWrite,
            cmd_clear,
        ),
        c("create", 2, UNLIMITED, "--id=", Mode::ReadWrite, cmd_create),
        c(
            "destroy",
            1,
            UNLIMITED,
            "--if-exists,--all",
            Mode::ReadWrite,
            cmd_destroy,
        ),
        c(
            "wait-until",
            2,
            UNLIMITED,
            "",
            Mode::ReadOnly,
            cmd_wait_until,
        ),
    ]
}

/// The find / wait-until operators, longest first where one is a prefix of another.
const OPERATORS: [&str; 14] = [
    "=", "!=", "<", ">", "<=", ">=", "{=}", "{!=}", "{<}", "{>}", "{<=}", "{>=}", "{in}",
    "{not-in}",
];

/// A relational operator of find / wait-until.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Relop {
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
    SetEq,
    SetNe,
    SetLt,
    SetGt,
    SetLe,
    SetGe,
    SetIn,
    SetNotIn,
}

const RELOPS: [Relop; 14] = [
    Relop::Eq,
    Relop::Ne,
    Relop::Lt,
    Relop::Gt,
    Relop::Le,
    Relop::Ge,
    Relop::SetEq,
    Relop::SetNe,
    Relop::SetLt,
    Relop::SetGt,
    Relop::SetLe,
    Relop::SetGe,
    Relop::SetIn,
    Relop::SetNotIn,
];

impl Relop {
    fn is_set(self) -> bool {
        !matches!(
            self,
            Relop::Eq | Relop::Ne | Relop::Lt | Relop::Gt | Relop::Le | Relop::Ge
        )
    }
}

/// Delimiters of a column name or key token (`ovsdb_token_is_delim`).
const DELIMS: &str = ":=, []{}!<>";

/// `COLUMN[:KEY]` followed by what is left (`parse_column_key_value`, first half).
struct ColumnKey<'a> {
    column: &'a str,
    key: Option<String>,
    rest: &'a str,
}

fn parse_column_key<'a>(ctx: &Context<'a>, table: &str, arg: &'a str) -> CtlResult<ColumnKey<'a>> {
    let (name, mut rest) = parse_token(arg, DELIMS).map_err(CtlError::new)?;
    if name.is_empty() {
        return Err(CtlError::new(format!("{arg}: missing column name")));
    }
    let column = ctx.resolve_column(table, &name)?;
    let mut key = None;
    if let Some(after) = rest.strip_prefix(':') {
        // An empty key is left to the value parser, whose message OVS prints.
        let (k, r) = parse_token(after, DELIMS).map_err(CtlError::new)?;
        key = Some(k);
        rest = r;
    }
    Ok(ColumnKey { column, key, rest })
}

/// `COLUMN[:KEY]OP VALUE` for find and wait-until.
struct Clause<'a> {
    column: &'a str,
    key: Option<String>,
    op: Relop,
    value: String,
}

fn parse_clause<'a>(ctx: &Context<'a>, table: &str, arg: &'a str) -> CtlResult<Clause<'a>> {
    let ck = parse_column_key(ctx, table, arg)?;
    let mut best: Option<(usize, Relop)> = None;
    for (op, relop) in OPERATORS.iter().zip(RELOPS) {
        if ck.rest.starts_with(op)
            && ck.rest.len() > op.len()
            && best.map_or(true, |(len, _)| op.len() > len)
        {
            best = Some((op.len(), relop));
        }
    }
    let Some((len, op)) = best else {
        return Err(missing_operator(arg, &OPERATORS));
    };
    Ok(Clause {
        column: ck.column,
        key: ck.key,
        op,
        value: ck.rest[len..].to_string(),
    })
}

/// `ARG: argument does not end in "=", ..., or "{not-in}" followed by a value.`
fn missing_operator(arg: &str, ops: &[&str]) -> CtlError {
    let quoted: Vec<String> = ops.iter().map(|o| format!("\"{o}\"")).collect();
    let list = match quoted.as_slice() {
        [one] => one.clone(),
        [rest @ .., last] => format!("{}, or {last}", rest.join(", ")),
        [] => String::new(),
    };
    CtlError::new(format!(
        "{arg}: argument does not end in {list} followed by a value."
    ))
}

/// A clause with its value parsed against the column's type.
struct Test {
    column: String,
    key: Option<Atom>,
    op: Relop,
    want: Datum,
}

fn build_test(ctx: &mut Context<'_>, table: &str, arg: &str) -> CtlResult<Test> {
    let clause = parse_clause(ctx, table, arg)?;
    let column = clause.column.to_string();
    let ty = ctx.column_type(table, &column)?;
    match clause.key {
        Some(key_text) => {
            let Some(value_base) = ty.value.clone() else {
                return Err(CtlError::new(format!(
                    "cannot specify key to check for non-map column {column}"
                )));
            };
            let key = parse_atom(&key_text, &ty.key, &mut ctx.symbols).map_err(CtlError::new)?;
            let vty = ColumnType {
                key: value_base,
                value: None,
                min: ty.min,
                max: ty.max,
            };
            let want = parse_datum(&clause.value, &vty, &mut ctx.symbols).map_err(CtlError::new)?;
            Ok(Test {
                column,
                key: Some(key),
                op: clause.op,
                want,
            })
        }
        None => {
            let want = parse_datum(&clause.value, &ty, &mut ctx.symbols).map_err(CtlError::new)?;
            Ok(Test {
                column,
                key: None,
                op: clause.op,
                want,
            })
        }
    }
}

/// The `where` clause the server can evaluate exactly for a test, if any.
fn pushdown(test: &Test) -> Option<Condition> {
    if test.op != Relop::Eq && test.op != Relop::SetEq {
        return None;
    }
    match &test.key {
        None => Some(Condition::eq(test.column.as_str(), test.want.clone())),
        Some(key) => {
            let value = test.want.as_scalar()?;
            if test.want.len() != 1 {
                return None;
            }
            let pair = ovsdb::data::Map::from_pairs(vec![(key.clone(), value.clone())]);
            Some(Condition::includes(test.column.as_str(), Datum::Map(pair)))
        }
    }
}

/// `is_condition_satisfied`.
fn satisfied(ctx: &Context<'_>, table: &str, uuid: Uuid, test: &Test) -> bool {
    let have = ctx.value(table, uuid, &test.column);
    match &test.key {
        Some(key) => {
            let found = have.as_map().and_then(|m| m.get(key)).cloned();
            match found {
                None if !test.op.is_set() => false,
                found => {
                    let a = found.map(Datum::from).unwrap_or_else(Datum::empty_set);
                    relop(&a, &test.want, test.op)
                }
            }
        }
        None => relop(&have, &test.want, test.op),
    }
}

/// `ovsdb_datum_compare_3way`: by size, then element by element.
fn compare(a: &Datum, b: &Datum) -> std::cmp::Ordering {
    a.len().cmp(&b.len()).then_with(|| match (a, b) {
        (Datum::Set(x), Datum::Set(y)) => x.iter().cmp(y.iter()),
        (Datum::Map(x), Datum::Map(y)) => x.iter().cmp(y.iter()),
        (Datum::Set(_), Datum::Map(_)) => std::cmp::Ordering::Less,
        (Datum::Map(_), Datum::Set(_)) => std::cmp::Ordering::Greater,
    })
}

/// Every element of `a` is in `b` (`ovsdb_datum_includes_all`).
fn includes_all(a: &Datum, b: &Datum) -> bool {
    match (a, b) {
        (Datum::Set(x), Datum::Set(y)) => x.iter().all(|e| y.contains(e)),
        (Datum::Map(x), Datum::Map(y)) => x.iter().all(|(k, v)| y.get(k) == Some(v)),
        _ => a.is_empty(),
    }
}

/// No element of `a` is in `b` (`ovsdb_datum_excludes_all`).
fn excludes_all(a: &Datum, b: &Datum) -> bool {
    match (a, b) {
        (Datum::Set(x), Datum::Set(y)) => x.iter().all(|e| !y.contains(e)),
        (Datum::Map(x), Datum::Map(y)) => x.iter().all(|(k, v)| y.get(k) != Some(v)),
        _ => true,
    }
}

/// `evaluate_relop`.
fn relop(a: &Datum, b: &Datum, op: Relop) -> bool {
    use std::cmp::Ordering::*;
    match op {
        Relop::Eq | Relop::SetEq => compare(a, b) == Equal,
        Relop::Ne | Relop::SetNe => compare(a, b) != Equal,
        Relop::Lt => compare(a, b) == Less,
        Relop::Gt => compare(a, b) == Greater,
        Relop::Le => compare(a, b) != Greater,
        Relop::Ge => compare(a, b) != Less,
        Relop::SetLt => b.len() > a.len() && includes_all(a, b),
        Relop::SetGt => a.len() > b.len() && includes_all(b, a),
        Relop::SetLe => includes_all(a, b),
        Relop::SetGe => includes_all(b, a),
        Relop::SetIn => includes_all(a, b),
        Relop::SetNotIn => excludes_all(a, b),
    }
}

/// `--columns=a,b` (or every column, `_uuid` first).
fn parse_columns(ctx: &Context<'_>, table: &str, spec: Option<&str>) -> CtlResult<Vec<String>> {
    match spec {
        None => {
            let schema = ctx.table_schema(table)?;
            let mut cols = vec!["_uuid".to_string()];
            cols.extend(schema.columns.keys().cloned());
            Ok(cols)
        }
        Some(spec) => {
            let mut cols = Vec::new();
            for name in spec.split([',', ' ']).filter(|s| !s.is_empty()) {
                if name.eq_ignore_ascii_case("_uuid") || name.eq_ignore_ascii_case("-uuid") {
                    cols.push("_uuid".to_string());
                } else {
                    cols.push(ctx.resolve_column(table, name)?.to_string());
                }
            }
            if cols.is_empty() {
                return Err(CtlError::new("must specify at least one column name"));
            }
            Ok(cols)
        }
    }
}

/// Prints `rows` of `table` with `columns` in the run's style.
fn print_rows(
    ctx: &mut Context<'_>,
    table: &str,
    columns: &[String],
    rows: &[Uuid],
) -> CtlResult<()> {
    let mut out = OutTable {
        headings: columns.to_vec(),
        rows: Vec::with_capacity(rows.len()),
    };
    let types: Vec<ColumnType> = columns
        .iter()
        .map(|c| ctx.column_type(table, c))
        .collect::<CtlResult<_>>()?;
    for uuid in rows {
        let cells = columns
            .iter()
            .zip(&types)
            .map(|(c, ty)| Cell {
                datum: ctx.idl_value(table, *uuid, c),
                ty: ty.clone(),
            })
            .collect();
        out.rows.push(cells);
    }
    let style = ctx.opts.style;
    ctx.printer.render(&out, &style, &mut ctx.output);
    ctx.output_is_table = true;
    Ok(())
}

fn cmd_comment(_ctx: &mut Context<'_>, _cmd: &Command) -> CtlResult<()> {
    Ok(())
}

fn cmd_list(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let table = ctx.resolve_table(cmd.arg(0))?;
    let columns = parse_columns(ctx, table, cmd.value("--columns"))?;
    let must_exist = !cmd.has("--if-exists");
    let rows = if cmd.args.len() > 1 {
        let mut rows = Vec::new();
        for record in &cmd.args[1..] {
            if let Some(u) = ctx.get_row(table, record, must_exist)? {
                rows.push(u);
            }
        }
        rows
    } else {
        // The C tools print every row in their IDL's iteration order.
        super::ovs_hash::idl_table_order(&ctx.all(table)?)
    };
    print_rows(ctx, table, &columns, &rows)
}

fn cmd_find(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let table = ctx.resolve_table(cmd.arg(0))?;
    let columns = parse_columns(ctx, table, cmd.value("--columns"))?;
    let mut tests = Vec::new();
    for arg in &cmd.args[1..] {
        tests.push(build_test(ctx, table, arg)?);
    }
    let conditions: Vec<Condition> = tests.iter().filter_map(pushdown).collect();
    let candidates = ctx.query(table, &conditions)?;
    let rows: Vec<Uuid> = candidates
        .into_iter()
        .filter(|u| tests.iter().all(|t| satisfied(ctx, table, *u, t)))
        .collect();
    let rows = in_idl_order(ctx, table, rows)?;
    print_rows(ctx, table, &columns, &rows)
}

/// `rows` of `table` in the order the C tools visit them: their IDL's iteration order over
/// the whole table, which depends on every row's UUID, so a subset of two or more rows needs
/// the UUIDs of all (read alone, not the rows; see [`super::project::all_uuids`]).
fn in_idl_order(ctx: &mut Context<'_>, table: &str, mut rows: Vec<Uuid>) -> CtlResult<Vec<Uuid>> {
    if rows.len() < 2 {
        return Ok(rows);
    }
    let all = super::project::all_uuids(ctx, table)?;
    let place: std::collections::HashMap<Uuid, usize> = super::ovs_hash::idl_table_order(&all)
        .into_iter()
        .enumerate()
        .map(|(i, u)| (u, i))
        .collect();
    // Rows the server does not have yet (created by this run) keep their order, last.
    rows.sort_by_key(|u| place.get(u).copied().unwrap_or(usize::MAX));
    Ok(rows)
}

fn cmd_get(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let must_exist = !cmd.has("--if-exists");
    let id = cmd.value("--id");
    if id.is_some() && !must_exist {
        return Err(CtlError::new(
            "--if-exists and --id may not be specified together",
        ));
    }
    let table = ctx.resolve_table(cmd.arg(0))?;
    let record = cmd.arg(1);
    // Column names are checked before the row is looked up, as `pre_cmd_get` does
    // (None: `_uuid`).
    let mut wanted = Vec::with_capacity(cmd.args.len().saturating_sub(2));
    for arg in &cmd.args[2..] {
        if arg.eq_ignore_ascii_case("_uuid") || arg.eq_ignore_ascii_case("-uuid") {
            wanted.push((arg, None));
        } else {
            wanted.push((arg, Some(parse_column_key(ctx, table, arg)?)));
        }
    }
    let Some(uuid) = ctx.get_row(table, record, must_exist)? else {
        return Ok(());
    };
    if let Some(id) = id {
        check_symbol_name(id)?;
        if ctx.symbols.get(id).is_some() {
            return Err(CtlError::new(format!(
                "row id \"{id}\" specified on \"get\" command was used before it was defined"
            )));
        }
        let s = ctx.symbols.get_or_create(id);
        s.uuid = uuid;
        s.created = true;
        s.strong_ref = true;
    }
    for (arg, ck) in wanted {
        let Some(ck) = ck else {
            ctx.output.push_str(&format!("{uuid}\n"));
            continue;
        };
        if !ck.rest.is_empty() {
            return Err(CtlError::new(format!(
                "{arg}: trailing garbage \"{}\" in argument",
                ck.rest
            )));
        }
        let column = ck.column.to_string();
        let ty = ctx.column_type(table, &column)?;
        let datum = ctx.idl_value(table, uuid, &column);
        match ck.key {
            Some(key_text) => {
                let Some(value_base) = &ty.value else {
                    return Err(CtlError::new(format!(
                        "cannot specify key to get for non-map column {column}"
                    )));
                };
                let key =
                    parse_atom(&key_text, &ty.key, &mut ctx.symbols).map_err(CtlError::new)?;
                match datum.as_map().and_then(|m| m.get(&key)) {
                    Some(v) => {
                        let _ = value_base;
                        ovsdb::data::text::write_atom(&mut ctx.output, v);
                    }
                    None if must_exist => {
                        return Err(CtlError::new(format!(
                            "no key \"{key_text}\" in {table} record \"{record}\" column {column}"
                        )))
                    }
                    None => {}
                }
            }
            None => {
                let multi = ty.max.limit() != Some(1);
                ovsdb::data::text::write_datum(&mut ctx.output, &datum, multi);
            }
        }
        ctx.output.push('\n');
    }
    Ok(())
}

/// `check_mutable`.
fn check_mutable(ctx: &Context<'_>, table: &str, column: &str) -> CtlResult<()> {
    let schema = ctx.table_schema(table)?;
    if schema.column(column).is_some_and(|c| !c.mutable) {
        return Err(CtlError::new(format!(
            "cannot modify read-only column {column} in table {table}"
        )));
    }
    Ok(())
}

/// `set_column`: `COLUMN[:KEY]=VALUE` applied to a held row.
pub fn set_column(ctx: &mut Context<'_>, table: &str, uuid: Uuid, arg: &str) -> CtlResult<()> {
    let ck = parse_column_key(ctx, table, arg)?;
    let value_text = match ck.rest.strip_prefix('=') {
        Some(v) if !v.is_empty() => v,
        _ => return Err(missing_operator(arg, &["="])),
    };
    let column = ck.column.to_string();
    let ty = ctx.column_type(table, &column)?;
    match ck.key {
        Some(key_text) => {
            let Some(value_base) = ty.value.clone() else {
                return Err(CtlError::new(format!(
                    "cannot specify key to set for non-map column {column}"
                )));
            };
            let key = parse_atom(&key_text, &ty.key, &mut ctx.symbols).map_err(CtlError::new)?;
            let value =
                parse_atom(value_text, &value_base, &mut ctx.symbols).map_err(CtlError::new)?;
            let mut datum = ctx.value(table, uuid, &column);
            if let Datum::Map(m) = &mut datum {
                m.insert(key, value);
            }
            if let Some(max) = ty.max.limit() {
                if datum.len() as u64 > max {
                    return Err(CtlError::new(format!(
                        "\"set\" operation would put {} pairs in column {column} of table {table}, but a maximum of {max} are allowed",
                        datum.len()
                    )));
                }
            }
            ctx.set(table, uuid, &column, datum)
        }
        None => {
            let datum = parse_datum(value_text, &ty, &mut ctx.symbols).map_err(CtlError::new)?;
            ctx.set(table, uuid, &column, datum)
        }
    }
}

fn cmd_set(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let table = ctx.resolve_table(cmd.arg(0))?;
    let Some(uuid) = ctx.get_row(table, cmd.arg(1), !cmd.has("--if-exists"))? else {
        return Ok(());
    };
    for arg in &cmd.args[2..] {
        let ck = parse_column_key(ctx, table, arg)?;
        check_mutable(ctx, table, ck.column)?;
        set_column(ctx, table, uuid, arg)?;
    }
    Ok(())
}

/// The column type with `min 1, max unlimited`: what add/remove parse their values with.
fn loose_type(ty: &ColumnType) -> ColumnType {
    ColumnType {
        key: ty.key.clone(),
        value: ty.value.clone(),
        min: 1,
        max: ovsdb::schema::Max::Unlimited,
    }
}

fn cmd_add(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let table = ctx.resolve_table(cmd.arg(0))?;
    let Some(uuid) = ctx.get_row(table, cmd.arg(1), !cmd.has("--if-exists"))? else {
        return Ok(());
    };
    let column = ctx.resolve_column(table, cmd.arg(2))?.to_string();
    check_mutable(ctx, table, &column)?;
    let ty = ctx.column_type(table, &column)?;
    let add_ty = loose_type(&ty);
    let mut all = match ty.is_map() {
        true => Datum::empty_map(),
        false => Datum::empty_set(),
    };
    for arg in &cmd.args[3..] {
        let add = parse_datum(arg, &add_ty, &mut ctx.symbols).map_err(CtlError::new)?;
        union(&mut all, &add);
    }
    // OVS 3.1 sends the elements as a `mutate` and lets ovsdb-server check the column's
    // limits, so a full column is a transaction error in the server's words.
    ctx.mutate(
        table,
        uuid,
        Mutation::new(column.as_str(), Mutator::Insert, all),
    )
}

fn cmd_remove(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let table = ctx.resolve_table(cmd.arg(0))?;
    let Some(uuid) = ctx.get_row(table, cmd.arg(1), !cmd.has("--if-exists"))? else {
        return Ok(());
    };
    let column = ctx.resolve_column(table, cmd.arg(2))?.to_string();
    check_mutable(ctx, table, &column)?;
    let ty = ctx.column_type(table, &column)?;
    let rm_ty = loose_type(&ty);
    let mut after = ctx.value(table, uuid, &column);
    let mut mutations = Vec::new();
    for arg in &cmd.args[3..] {
        let rm = match parse_datum(arg, &rm_ty, &mut ctx.symbols) {
            Ok(d) => d,
            Err(e) if ty.is_map() => {
                let keys_ty = ColumnType {
                    key: ty.key.clone(),
                    value: None,
                    min: 1,
                    max: ovsdb::schema::Max::Unlimited,
                };
                let _ = e;
                parse_datum(arg, &keys_ty, &mut ctx.symbols).map_err(CtlError::new)?
            }
            Err(e) => return Err(CtlError::new(e)),
        };
        let m = Mutation::new(column.as_str(), Mutator::Delete, rm);
        super::context::apply_mutation(&mut after, &m);
        mutations.push(m);
    }
    if (after.len() as u64) < ty.min {
        let what = if ty.is_map() { "pairs" } else { "values" };
        return Err(CtlError::new(format!(
            "\"remove\" operation would put {} {what} in column {column} of table {table} but the minimum number is {}",
            after.len(),
            ty.min
        )));
    }
    for m in mutations {
        ctx.mutate(table, uuid, m)?;
    }
    Ok(())
}

fn cmd_clear(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let table = ctx.resolve_table(cmd.arg(0))?;
    let Some(uuid) = ctx.get_row(table, cmd.arg(1), !cmd.has("--if-exists"))? else {
        return Ok(());
    };
    for name in &cmd.args[2..] {
        let column = ctx.resolve_column(table, name)?.to_string();
        check_mutable(ctx, table, &column)?;
        let ty = ctx.column_type(table, &column)?;
        if ty.min > 0 {
            return Err(CtlError::new(format!(
                "\"clear\" operation cannot be applied to column {column} of table {table}, which is not allowed to be empty"
            )));
        }
        let empty = if ty.is_map() {
            Datum::empty_map()
        } else {
            Datum::empty_set()
        };
        ctx.set(table, uuid, &column, empty)?;
    }
    Ok(())
}

/// `create_symbol`'s check.
fn check_symbol_name(id: &str) -> CtlResult<()> {
    if !id.starts_with('@') {
        return Err(CtlError::new(format!(
            "row id \"{id}\" does not begin with \"@\""
        )));
    }
    Ok(())
}

fn cmd_create(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let table = ctx.resolve_table(cmd.arg(0))?;
    let id = cmd.value("--id");
    let uuid = match id {
        // OVN 23.03 takes a UUID for the new row as well as a symbol.
        Some(id) if ovsdb::data::Uuid::parse(id).is_ok() => ovsdb::data::Uuid::parse(id).ok(),
        Some(id) => {
            check_symbol_name(id)?;
            let s = ctx.symbols.get_or_create(id);
            if s.created {
                return Err(CtlError::new(format!(
                    "row id \"{id}\" may only be specified on one --id option"
                )));
            }
            s.created = true;
            let uuid = s.uuid;
            if ctx.schema().is_root(table) {
                ctx.symbols.get_or_create(id).strong_ref = true;
            }
            Some(uuid)
        }
        None => {
            if !ctx.schema().is_root(table) {
                ctx.warn(
                    "db_ctl_base",
                    &format!(
                        "applying \"create\" command to table {table} without --id option will have no effect"
                    ),
                );
            }
            None
        }
    };
    let uuid = ctx.insert(table, uuid, ovsdb::data::Row::new())?;
    // A new row may set any column, the immutable ones included.
    for arg in &cmd.args[1..] {
        set_column(ctx, table, uuid, arg)?;
    }
    ctx.output.push_str(&format!("{uuid}\n"));
    Ok(())
}

fn cmd_destroy(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let table = ctx.resolve_table(cmd.arg(0))?;
    let all = cmd.has("--all");
    let must_exist = !cmd.has("--if-exists");
    if all && cmd.args.len() > 1 {
        return Err(CtlError::new(
            "--all and records argument should not be specified together",
        ));
    }
    if all && !must_exist {
        return Err(CtlError::new(
            "--all and --if-exists should not be specified together",
        ));
    }
    if all {
        for uuid in ctx.all(table)? {
            ctx.delete(table, uuid)?;
        }
        return Ok(());
    }
    for record in &cmd.args[1..] {
        if let Some(uuid) = ctx.get_row(table, record, must_exist)? {
            ctx.delete(table, uuid)?;
        }
    }
    Ok(())
}

fn cmd_wait_until(ctx: &mut Context<'_>, cmd: &Command) -> CtlResult<()> {
    let table = ctx.resolve_table(cmd.arg(0))?;
    let Some(uuid) = ctx.get_row(table, cmd.arg(1), false)? else {
        ctx.try_again = true;
        return Ok(());
    };
    for arg in &cmd.args[2..] {
        let test = build_test(ctx, table, arg)?;
        if !satisfied(ctx, table, uuid, &test) {
            ctx.try_again = true;
            return Ok(());
        }
    }
    Ok(())
}

/// Set and map union as `ovsdb_datum_union` does it (existing map keys keep their values).
fn union(into: &mut Datum, add: &Datum) {
    match (into, add) {
        (Datum::Set(a), Datum::Set(b)) => {
            for x in b.iter() {
                a.insert(x.clone());
            }
        }
        (Datum::Map(a), Datum::Map(b)) => {
            for (k, v) in b.iter() {
                if a.get(k).is_none() {
                    a.insert(k.clone(), v.clone());
                }
            }
        }
        _ => {}
    }
}
