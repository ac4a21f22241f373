//! Finding the row a user means by a record argument (`ctl_get_row`): a full UUID, `.` for
//! a table's only row, a value of one of the table's name columns (or a map key of one, such
//! as `external_ids:neutron:port_name`, possibly followed through a reference), or a UUID
//! prefix of four or more hex digits. Each step asks the server for just the matching rows.

use ovsdb::data::{Atom, Datum, Uuid};
use ovsdb::ops::Condition;

use super::context::Context;
use super::error::{CtlError, CtlResult};

/// A way to name the rows of a table (`struct ctl_row_id`).
#[derive(Debug, Clone, Copy)]
pub struct RowId {
    /// The table whose rows are named.
    pub table: &'static str,
    /// The table searched for the name (usually `table` itself).
    pub search_table: &'static str,
    /// The column holding the name.
    pub name_column: &'static str,
    /// For a map column: the key whose value is the name.
    pub key: Option<&'static str>,
    /// If set, the found row's column that references the row of `table` meant.
    pub uuid_column: Option<&'static str>,
}

impl RowId {
    /// Rows of `table` named by their own `column`.
    pub const fn by(table: &'static str, column: &'static str) -> Self {
        RowId {
            table,
            search_table: table,
            name_column: column,
            key: None,
            uuid_column: None,
        }
    }

    /// Rows of `table` named by the value of `key` in their map `column`.
    pub const fn by_key(table: &'static str, column: &'static str, key: &'static str) -> Self {
        RowId {
            table,
            search_table: table,
            name_column: column,
            key: Some(key),
            uuid_column: None,
        }
    }
}

/// Whether `s` is 4+ hex digits and dashes that could begin a UUID (`uuid_is_partial_string`).
fn partial_uuid_len(s: &str) -> usize {
    const FORM: &[u8] = b"xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
    if s.len() > FORM.len() {
        return 0;
    }
    for (c, f) in s.bytes().zip(FORM) {
        let ok = if *f == b'-' {
            c == b'-'
        } else {
            c.is_ascii_hexdigit()
        };
        if !ok {
            return 0;
        }
    }
    s.len()
}

/// The row of `table` that `record` names, or None (`must_exist` turns None into
/// `no row "x" in table T`).
pub fn get_row(
    ctx: &mut Context<'_>,
    ids: &[RowId],
    table: &str,
    record: &str,
    must_exist: bool,
) -> CtlResult<Option<Uuid>> {
    let found = find(ctx, ids, table, record)?;
    if found.is_none() && must_exist {
        return Err(CtlError::new(format!(
            "no row \"{record}\" in table {table}"
        )));
    }
    Ok(found)
}

fn find(
    ctx: &mut Context<'_>,
    ids: &[RowId],
    table: &str,
    record: &str,
) -> CtlResult<Option<Uuid>> {
    if let Ok(uuid) = Uuid::parse(record) {
        if ctx.fetch_row(table, uuid)?.is_some() {
            return Ok(Some(uuid));
        }
    }
    if record == "." {
        let all = ctx.all(table)?;
        if all.len() == 1 {
            return Ok(Some(all[0]));
        }
    }
    for id in ids.iter().filter(|id| id.table == table) {
        if let Some(uuid) = by_id(ctx, id, record)? {
            return Ok(Some(uuid));
        }
    }
    if partial_uuid_len(record) >= 4 {
        let all = ctx.all(table)?;
        let lower = record.to_ascii_lowercase();
        let mut hits = all.iter().filter(|u| u.to_string().starts_with(&lower));
        if let Some(first) = hits.next() {
            if let Some(second) = hits.next() {
                return Err(CtlError::new(format!(
                    "{table} contains 2 or more rows whose UUIDs begin with {record}: {first} and {second}"
                )));
            }
            return Ok(Some(*first));
        }
    }
    Ok(None)
}

/// `get_row_by_id`.
fn by_id(ctx: &mut Context<'_>, id: &RowId, record: &str) -> CtlResult<Option<Uuid>> {
    let name_type = ctx.column_type(id.search_table, id.name_column)?;
    let condition = match id.key {
        Some(key) => Condition::includes(id.name_column, Datum::map([(key, record)])),
        None => {
            // The record must read as a value of the name column's type (an integer `id`
            // names a Flow_Sample_Collector_Set); otherwise it names nothing here.
            let atom = if name_type.key.atomic == ovsdb::data::AtomicType::String {
                Atom::from(record)
            } else {
                let mut scratch = super::symbols::SymbolTable::new();
                match super::value::parse_atom(record, &name_type.key, &mut scratch) {
                    Ok(a) => a,
                    Err(_) => return Ok(None),
                }
            };
            if name_type.is_scalar() {
                Condition::eq(id.name_column, atom)
            } else {
                Condition::includes(id.name_column, Datum::from(atom))
            }
        }
    };
    let hits = ctx.query(id.search_table, std::slice::from_ref(&condition))?;
    // A column of sets matches a name only when the name is its only element (db-ctl-base
    // compares against the datum's first element when it has exactly one).
    let hits: Vec<Uuid> = if id.key.is_none() && !name_type.is_scalar() {
        hits.into_iter()
            .filter(|u| ctx.value(id.search_table, *u, id.name_column).len() == 1)
            .collect()
    } else {
        hits
    };
    let found = match hits.as_slice() {
        [] => return Ok(None),
        [one] => *one,
        _ => {
            return Err(CtlError::new(format!(
                "multiple rows in {} match \"{record}\"",
                id.search_table
            )))
        }
    };
    match id.uuid_column {
        None => Ok(Some(found)),
        Some(col) => {
            let refs = ctx.value(id.search_table, found, col);
            let target = ctx.fetch_refs(id.table, &refs)?;
            Ok(target.first().copied())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::partial_uuid_len;

    #[test]
    fn partial_uuids() {
        assert_eq!(partial_uuid_len("abcd"), 4);
        assert_eq!(partial_uuid_len("abcdef01-23"), 11);
        assert_eq!(partial_uuid_len("abcg"), 0);
        assert_eq!(partial_uuid_len("sw0"), 0);
    }
}
