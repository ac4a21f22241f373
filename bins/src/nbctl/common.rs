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

/// OVS's `hash_string(s, 0)` (`hash_bytes` over the bytes, murmur3 rounds, as the
/// non-SSE4.2 builds compute it): the hash that orders `smap`s and `shash`es.
pub fn ovs_hash_string(s: &str) -> u32 {
    fn add(hash: u32, data: u32) -> u32 {
        let mut hash = hash;
        if data != 0 {
            let d = data
                .wrapping_mul(0xcc9e_2d51)
                .rotate_left(15)
                .wrapping_mul(0x1b87_3593);
            hash ^= d;
        }
        hash.rotate_left(13)
            .wrapping_mul(5)
            .wrapping_add(0xe654_6b64)
    }
    let bytes = s.as_bytes();
    let mut hash = 0u32;
    let mut chunks = bytes.chunks_exact(4);
    for c in &mut chunks {
        hash = add(hash, u32::from_le_bytes([c[0], c[1], c[2], c[3]]));
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut tmp = [0u8; 4];
        tmp[..rest.len()].copy_from_slice(rest);
        hash = add(hash, u32::from_le_bytes(tmp));
    }
    let mut h = hash ^ (bytes.len() as u32);
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^ (h >> 16)
}

/// The order in which OVS's `HMAP_FOR_EACH` visits items inserted (with `hmap_insert`, in
/// the given order) under the given hashes: buckets in index order, each bucket's chain
/// newest first, with the chain reversals of every expansion.
pub fn hmap_order<T: Clone>(items: &[(u32, T)]) -> Vec<T> {
    fn calc_mask(capacity: usize) -> usize {
        let mut mask = capacity / 2;
        for shift in [1, 2, 4, 8, 16, 32] {
            mask |= mask >> shift;
        }
        mask | ((mask & 1) << 1)
    }
    let mut mask = 0usize;
    let mut buckets: Vec<Vec<(u32, T)>> = vec![Vec::new()];
    let mut n = 0usize;
    for (hash, item) in items {
        // Chains are stored oldest first; iteration walks them backwards (newest first).
        buckets[*hash as usize & mask].push((*hash, item.clone()));
        n += 1;
        if n / 2 > mask {
            let new_mask = calc_mask(n);
            if new_mask > mask {
                let old = std::mem::take(&mut buckets);
                mask = new_mask;
                buckets = vec![Vec::new(); mask + 1];
                for chain in old {
                    for (h, x) in chain.into_iter().rev() {
                        buckets[h as usize & mask].push((h, x));
                    }
                }
            }
        }
    }
    buckets
        .into_iter()
        .flat_map(|chain| chain.into_iter().rev().map(|(_, x)| x))
        .collect()
}

/// The order `SMAP_FOR_EACH` visits the keys of a map column as the C IDL builds the smap
/// (keys inserted in sorted order), e.g. for `lsp-get-options`.
pub fn smap_order<'a>(pairs: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let items: Vec<(u32, (&str, &str))> = pairs
        .iter()
        .map(|&(k, v)| (ovs_hash_string(k), (k, v)))
        .collect();
    hmap_order(&items)
}

/// `uuid_hash`: the first 32 bits of a UUID, which key the IDL's and ovsdb-server's rows.
fn uuid_hash(u: Uuid) -> u32 {
    let b = u.as_bytes();
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

/// The order in which the C IDL's `*_FOR_EACH` visits the rows of a table it monitored:
/// ovsdb-server sends the initial rows as a JSON object with sorted UUID members, which the
/// client parses into a hash map by UUID string and feeds, in that map's order, into the
/// IDL's hash map by UUID (`uuid_hash`).
pub fn idl_table_order(rows: &[Uuid]) -> Vec<Uuid> {
    let mut sorted = rows.to_vec();
    sorted.sort();
    let by_text: Vec<(u32, Uuid)> = sorted
        .iter()
        .map(|u| (ovs_hash_string(&u.to_string()), *u))
        .collect();
    let parsed = hmap_order(&by_text);
    let by_uuid: Vec<(u32, Uuid)> = parsed.iter().map(|u| (uuid_hash(*u), *u)).collect();
    hmap_order(&by_uuid)
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
