//! What a monitor reports: `<table-updates>` (RFC 7047 4.1.6, the `update` notification and the
//! `monitor` reply) and `<table-updates2>` (ovsdb-server(7): `update2` / `update3`, and the
//! replies of `monitor_cond` / `monitor_cond_since`).
//!
//! Both decode straight from the JSON bytes into rows (no `serde_json::Value` tree): an initial
//! monitor reply of a 100k-row table is tens of megabytes, and this is the hot path of every
//! replica. Tables and rows keep the order the server sent them in.

use std::fmt;

use compact_str::CompactString;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

use crate::data::row::RowReader;
use crate::data::uuid::{BareUuid, TagStr};
use crate::data::{Row, Uuid};

/// `<table-updates>`: for each table, the rows that changed, with old and new contents.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TableUpdates {
    /// One entry per table, in the order the server sent them.
    pub tables: Vec<TableUpdate<RowUpdate>>,
}

/// `<table-updates2>`: for each table, the rows that changed, as `update2` row changes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TableUpdates2 {
    /// One entry per table, in the order the server sent them.
    pub tables: Vec<TableUpdate<RowUpdate2>>,
}

/// The changes to one table.
#[derive(Debug, Clone, PartialEq)]
pub struct TableUpdate<R> {
    /// Table name.
    pub table: CompactString,
    /// Changed rows, in the order the server sent them.
    pub rows: Vec<R>,
}

/// RFC 7047 `<row-update>`: `old` is absent for an insert (or initial row), `new` is absent
/// for a delete; a modification carries both (`old` with only the changed columns).
#[derive(Debug, Clone, PartialEq)]
pub struct RowUpdate {
    /// The row's UUID.
    pub uuid: Uuid,
    /// Previous contents of the changed columns (modify) or the whole row (delete).
    pub old: Option<Row>,
    /// New contents (insert, initial, modify).
    pub new: Option<Row>,
}

/// ovsdb-server(7) `<row-update2>`: one row's change.
#[derive(Debug, Clone, PartialEq)]
pub struct RowUpdate2 {
    /// The row's UUID.
    pub uuid: Uuid,
    /// What happened to it.
    pub change: RowChange,
}

/// The four kinds of `<row-update2>`.
#[derive(Debug, Clone, PartialEq)]
pub enum RowChange {
    /// The row was present when the monitor started (all monitored columns).
    Initial(Row),
    /// The row was inserted (all monitored columns).
    Insert(Row),
    /// The row was deleted.
    Delete,
    /// Changed columns only, as differences: for a scalar column the new value; for a set the
    /// elements added or removed (symmetric difference); for a map the pairs to add, remove or
    /// replace. Applying one needs the column types (see the replica).
    Modify(Row),
}

impl TableUpdates {
    /// Total number of row updates across tables.
    pub fn row_count(&self) -> usize {
        self.tables.iter().map(|t| t.rows.len()).sum()
    }
}

impl TableUpdates2 {
    /// Total number of row updates across tables.
    pub fn row_count(&self) -> usize {
        self.tables.iter().map(|t| t.rows.len()).sum()
    }
}

/// How to read one table's row map `{uuid: <row-update>}`.
trait RowUpdateKind: Sized {
    const EXPECTING: &'static str;
    /// Reads the update of row `uuid`, its rows through `rows` (shared by one table's rows).
    fn read<'de, A: MapAccess<'de>>(
        uuid: Uuid,
        map: &mut A,
        rows: &mut RowReader,
    ) -> Result<Self, A::Error>;
    fn write<S: SerializeMap>(&self, map: &mut S) -> Result<(), S::Error>;
}

impl RowUpdateKind for RowUpdate {
    const EXPECTING: &'static str = "a <row-update> object with \"old\" and/or \"new\"";

    fn read<'de, A: MapAccess<'de>>(
        uuid: Uuid,
        map: &mut A,
        _rows: &mut RowReader,
    ) -> Result<Self, A::Error> {
        let fields = map.next_value::<RowUpdateFields>()?;
        if fields.old.is_none() && fields.new.is_none() {
            return Err(de::Error::custom(format_args!(
                "row update for {uuid} has neither \"old\" nor \"new\""
            )));
        }
        Ok(RowUpdate {
            uuid,
            old: fields.old,
            new: fields.new,
        })
    }

    fn write<S: SerializeMap>(&self, map: &mut S) -> Result<(), S::Error> {
        map.serialize_entry(
            &BareUuidSer(self.uuid),
            &RowUpdateFields {
                old: self.old.clone(),
                new: self.new.clone(),
            },
        )
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RowUpdateFields {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    old: Option<Row>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    new: Option<Row>,
}

impl RowUpdateKind for RowUpdate2 {
    const EXPECTING: &'static str =
        "a <row-update2> object with one of \"initial\", \"insert\", \"delete\", \"modify\"";

    fn read<'de, A: MapAccess<'de>>(
        uuid: Uuid,
        map: &mut A,
        rows: &mut RowReader,
    ) -> Result<Self, A::Error> {
        let change = map.next_value_seed(RowChangeSeed(uuid, rows))?;
        Ok(RowUpdate2 { uuid, change })
    }

    fn write<S: SerializeMap>(&self, map: &mut S) -> Result<(), S::Error> {
        map.serialize_entry(&BareUuidSer(self.uuid), &RowChangeSer(&self.change))
    }
}

struct RowChangeSeed<'r>(Uuid, &'r mut RowReader);

impl<'de> DeserializeSeed<'de> for RowChangeSeed<'_> {
    type Value = RowChange;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<RowChange, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RowChangeSeed<'_> {
    type Value = RowChange;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(RowUpdate2::EXPECTING)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RowChange, A::Error> {
        let kind: TagStr = map.next_key()?.ok_or_else(|| {
            de::Error::custom(format_args!("row update2 for {} is empty", self.0))
        })?;
        let change = match kind.0.as_ref() {
            "initial" => RowChange::Initial(map.next_value_seed(&mut *self.1)?),
            "insert" => RowChange::Insert(map.next_value_seed(&mut *self.1)?),
            "modify" => RowChange::Modify(map.next_value_seed(&mut *self.1)?),
            "delete" => {
                map.next_value::<de::IgnoredAny>()?;
                RowChange::Delete
            }
            other => {
                return Err(de::Error::custom(format_args!(
                    "row update2 for {} has unknown kind \"{other}\"",
                    self.0
                )))
            }
        };
        if map.next_key::<de::IgnoredAny>()?.is_some() {
            return Err(de::Error::custom(format_args!(
                "row update2 for {} has more than one kind",
                self.0
            )));
        }
        Ok(change)
    }
}

struct RowChangeSer<'a>(&'a RowChange);

impl Serialize for RowChangeSer<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(1))?;
        match self.0 {
            RowChange::Initial(r) => m.serialize_entry("initial", r)?,
            RowChange::Insert(r) => m.serialize_entry("insert", r)?,
            RowChange::Modify(r) => m.serialize_entry("modify", r)?,
            RowChange::Delete => m.serialize_entry("delete", &())?,
        }
        m.end()
    }
}

struct BareUuidSer(Uuid);

impl Serialize for BareUuidSer {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        crate::data::uuid::bare::serialize(&self.0, s)
    }
}

/// `{uuid: <row-update>, ...}` for one table.
struct RowsSeed<R>(std::marker::PhantomData<R>);

impl<'de, R: RowUpdateKind> DeserializeSeed<'de> for RowsSeed<R> {
    type Value = Vec<R>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Vec<R>, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, R: RowUpdateKind> Visitor<'de> for RowsSeed<R> {
    type Value = Vec<R>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "an object mapping row UUIDs to {}", R::EXPECTING)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Vec<R>, A::Error> {
        let mut rows = Vec::with_capacity(map.size_hint().unwrap_or(0).min(65536));
        let mut reader = RowReader::default();
        while let Some(uuid) = map.next_key::<BareUuid>()? {
            rows.push(R::read(uuid.0, &mut map, &mut reader)?);
        }
        Ok(rows)
    }
}

/// The rows of one table in a part of a reply ([`crate::wire::parts::Segment`]): `members`
/// (`"UUID":ROW,...`, no braces) cut at `row_ends` (just past each row, counted from the
/// start of `members`); `continued` if the first row follows one in the previous part, after
/// a comma.
///
/// The framer found where each row ends, so each row value decodes on its own deserializer
/// over exactly its bytes: nothing is copied to put the members between braces, and the
/// object around them is not walked. It accepts and refuses what decoding the members as one
/// object would: JSON whitespace around the colons and commas, a row UUID as each key (an
/// escaped one too), one value per row.
pub(crate) fn rows2_from_members(
    members: &[u8],
    row_ends: impl ExactSizeIterator<Item = usize>,
    continued: bool,
) -> serde_json::Result<Vec<RowUpdate2>> {
    // One UTF-8 check of the whole part is much cheaper than one per string (see
    // `wire::from_json_slice`). JSON text is UTF-8 (RFC 8259); a part that is not is refused
    // whole, even where the bad bytes sit in a value that decoding would skip.
    let text = std::str::from_utf8(members).map_err(|e| {
        de::Error::custom(format_args!(
            "invalid UTF-8 at byte {} of the rows",
            e.valid_up_to().saturating_sub(1)
        ))
    })?;
    let bytes = text.as_bytes();
    let skip_ws = |mut at: usize| {
        while bytes
            .get(at)
            .is_some_and(|&b| crate::wire::is_json_whitespace(b))
        {
            at += 1;
        }
        at
    };
    let expected = |what: &str, at: usize| -> serde_json::Error {
        de::Error::custom(format_args!("expected {what} at byte {at} of the rows"))
    };
    let mut rows = Vec::with_capacity(row_ends.len());
    let mut reader = RowReader::default();
    let mut at = 0;
    for end in row_ends {
        if end < at || end > bytes.len() {
            return Err(expected("rows in order", at));
        }
        at = skip_ws(at);
        if continued || !rows.is_empty() {
            if bytes.get(at) != Some(&b',') {
                return Err(expected("',' between rows", at));
            }
            at = skip_ws(at + 1);
        }
        let member = text.get(at..end).unwrap_or_default();
        let (uuid, key_len) = row_key(member)?;
        at = skip_ws(at + key_len);
        if bytes.get(at) != Some(&b':') {
            return Err(expected("':'", at));
        }
        at = skip_ws(at + 1);
        let value = text.get(at..end).unwrap_or_default();
        let mut de = serde_json::Deserializer::from_str(value);
        let change = RowChangeSeed(uuid, &mut reader).deserialize(&mut de)?;
        de.end()?;
        rows.push(RowUpdate2 { uuid, change });
        at = end;
    }
    if skip_ws(at) != bytes.len() {
        return Err(expected("a row", skip_ws(at)));
    }
    Ok(rows)
}

/// The row UUID a member starts with, and the length of its key.
fn row_key(member: &str) -> serde_json::Result<(Uuid, usize)> {
    // Nearly always a plain quoted UUID, read in place.
    let plain = member
        .as_bytes()
        .get(..38)
        .is_some_and(|k| k[0] == b'"' && k[37] == b'"' && !k[1..37].contains(&b'\\'));
    if let Some(key) = member.get(1..37).filter(|_| plain) {
        return Uuid::parse(key).map(|u| (u, 38)).map_err(de::Error::custom);
    }
    let mut keys = serde_json::Deserializer::from_str(member).into_iter::<BareUuid>();
    match keys.next() {
        Some(key) => Ok((key?.0, keys.byte_offset())),
        None => Err(de::Error::custom("expected a row UUID")),
    }
}

/// `{table: {uuid: ...}, ...}`
struct TablesVisitor<R>(std::marker::PhantomData<R>);

impl<'de, R: RowUpdateKind> Visitor<'de> for TablesVisitor<R> {
    type Value = Vec<TableUpdate<R>>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object mapping table names to row updates")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut tables = Vec::new();
        while let Some(table) = map.next_key::<CompactString>()? {
            let rows = map.next_value_seed(RowsSeed::<R>(std::marker::PhantomData))?;
            tables.push(TableUpdate { table, rows });
        }
        Ok(tables)
    }
}

fn serialize_tables<S: Serializer, R: RowUpdateKind>(
    tables: &[TableUpdate<R>],
    s: S,
) -> Result<S::Ok, S::Error> {
    struct Rows<'a, R>(&'a [R]);
    impl<R: RowUpdateKind> Serialize for Rows<'_, R> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut m = s.serialize_map(Some(self.0.len()))?;
            for r in self.0 {
                r.write(&mut m)?;
            }
            m.end()
        }
    }
    let mut m = s.serialize_map(Some(tables.len()))?;
    for t in tables {
        m.serialize_entry(t.table.as_str(), &Rows(&t.rows))?;
    }
    m.end()
}

impl<'de> Deserialize<'de> for TableUpdates {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(TablesVisitor::<RowUpdate>(std::marker::PhantomData))
            .map(|tables| TableUpdates { tables })
    }
}

impl<'de> Deserialize<'de> for TableUpdates2 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(TablesVisitor::<RowUpdate2>(std::marker::PhantomData))
            .map(|tables| TableUpdates2 { tables })
    }
}

impl Serialize for TableUpdates {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serialize_tables(&self.tables, s)
    }
}

impl Serialize for TableUpdates2 {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serialize_tables(&self.tables, s)
    }
}

/// The reply to `monitor_cond_since` (ovsdb-server(7)): `[found, last-txn-id, updates]`.
#[derive(Debug, Clone, PartialEq)]
pub struct MonitorCondSinceReply {
    /// True if the server still had the history since the requested transaction, so
    /// `updates` holds only the changes after it; false if `updates` is the full initial set.
    pub found: bool,
    /// The id of the last transaction the updates reflect (the all-zero UUID if the server
    /// keeps no history, e.g. a standalone database).
    pub last_txn_id: Uuid,
    /// The updates.
    pub updates: TableUpdates2,
}

/// `[head, last-txn-id, table-updates2]`: the shape shared by the `monitor_cond_since` reply
/// (head = found) and `update3` params (head = monitor id).
fn txn_triple<'de, D, H>(
    d: D,
    expecting: &'static str,
) -> Result<(H, Uuid, TableUpdates2), D::Error>
where
    D: Deserializer<'de>,
    H: Deserialize<'de>,
{
    struct V<H>(&'static str, std::marker::PhantomData<H>);
    impl<'de, H: Deserialize<'de>> Visitor<'de> for V<H> {
        type Value = (H, Uuid, TableUpdates2);
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str(self.0)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let head = seq
                .next_element()?
                .ok_or_else(|| de::Error::invalid_length(0, &self))?;
            let txn: BareUuid = seq
                .next_element()?
                .ok_or_else(|| de::Error::invalid_length(1, &self))?;
            let updates = seq
                .next_element()?
                .ok_or_else(|| de::Error::invalid_length(2, &self))?;
            if seq.next_element::<de::IgnoredAny>()?.is_some() {
                return Err(de::Error::invalid_length(4, &self));
            }
            Ok((head, txn.0, updates))
        }
    }
    d.deserialize_seq(V(expecting, std::marker::PhantomData))
}

impl<'de> Deserialize<'de> for MonitorCondSinceReply {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (found, last_txn_id, updates) = txn_triple(d, "[found, last-txn-id, table-updates2]")?;
        Ok(MonitorCondSinceReply {
            found,
            last_txn_id,
            updates,
        })
    }
}

/// The params of an `update3` notification: `[monitor-id, last-txn-id, table-updates2]`.
/// (`update` and `update2` params are `[monitor-id, updates]`: decode them as
/// `(serde_json::Value, TableUpdates)` / `(serde_json::Value, TableUpdates2)`.)
#[derive(Debug, Clone, PartialEq)]
pub struct Update3Params {
    /// The monitor id the client chose.
    pub monitor_id: serde_json::Value,
    /// The transaction these updates complete.
    pub last_txn_id: Uuid,
    /// The updates.
    pub updates: TableUpdates2,
}

impl<'de> Deserialize<'de> for Update3Params {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (monitor_id, last_txn_id, updates) =
            txn_triple(d, "[monitor-id, last-txn-id, table-updates2]")?;
        Ok(Update3Params {
            monitor_id,
            last_txn_id,
            updates,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Atom, Datum};

    const U1: &str = "11111111-2222-3333-4444-555555555555";
    const U2: &str = "21111111-2222-3333-4444-555555555555";

    /// Where each row of `members` ends, found as the framer finds it: after a `}` that
    /// brings the depth back to zero (these members have no braces in strings).
    fn row_ends(members: &str) -> Vec<usize> {
        let mut depth = 0;
        let mut ends = Vec::new();
        for (i, b) in members.bytes().enumerate() {
            match b {
                b'{' => depth += 1,
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        ends.push(i + 1);
                    }
                }
                _ => {}
            }
        }
        ends
    }

    /// The members decoded row by row, and as one object.
    fn both(
        members: &str,
        continued: bool,
    ) -> (
        Result<Vec<RowUpdate2>, String>,
        Result<Vec<RowUpdate2>, String>,
    ) {
        let ends = row_ends(members);
        let piecewise = rows2_from_members(members.as_bytes(), ends.into_iter(), continued)
            .map_err(|e| e.to_string());
        let object = match continued {
            // A continued segment's leading comma belongs to the row before; without rows it
            // is only whitespace.
            true => match members.trim_start().strip_prefix(',') {
                Some(rest) => format!("{{{rest}}}"),
                None if members.trim().is_empty() => "{}".to_string(),
                None => "!".to_string(),
            },
            false => format!("{{{members}}}"),
        };
        let mut de = serde_json::Deserializer::from_str(&object);
        let whole = RowsSeed::<RowUpdate2>(std::marker::PhantomData)
            .deserialize(&mut de)
            .and_then(|rows| de.end().map(|()| rows))
            .map_err(|e| e.to_string());
        (piecewise, whole)
    }

    #[test]
    fn rows_decode_one_by_one_as_the_object_decodes() {
        let row = r#"{"initial":{"name":"a"}}"#;
        let escaped = U2.replacen('2', "\\u0032", 1);
        for (members, continued) in [
            (String::new(), false),
            (" \n".to_string(), true),
            (format!(r#""{U1}":{row}"#), false),
            (format!(r#" , "{U1}" : {row} ,"{U2}":{row} "#), true),
            (format!("\"{U1}\"\t:\n{row},\r\"{escaped}\":{row}"), false),
        ] {
            let (piecewise, whole) = both(&members, continued);
            assert!(piecewise.is_ok(), "{members}: {piecewise:?}");
            assert_eq!(piecewise, whole, "{members}");
        }
        for (members, continued) in [
            (format!(r#""{U1}":{row},"#), false),
            (format!(r#""{U1}":{row}"{U2}":{row}"#), false),
            (format!(r#""{U1}":{row}"#), true),
            (format!(r#","{U1}":{row}"#), false),
            (format!(r#""{U1}"{row}"#), false),
            (format!(r#""not-a-uuid":{row}"#), false),
            (format!(r#"{U1}:{row}"#), false),
            (format!(r#""{U1}":{row} x"#), false),
        ] {
            let (piecewise, whole) = both(&members, continued);
            assert!(piecewise.is_err(), "{members}: {piecewise:?}");
            assert!(whole.is_err() || continued, "{members}: {whole:?}");
        }
    }

    #[test]
    fn table_updates_round_trip() {
        let j = format!(
            r#"{{"Logical_Switch":{{"{U1}":{{"new":{{"name":"sw0"}}}},"{U2}":{{"old":{{"name":"a"}},"new":{{"name":"b"}}}}}}}}"#
        );
        let u: TableUpdates = serde_json::from_str(&j).unwrap();
        assert_eq!(u.row_count(), 2);
        let t = &u.tables[0];
        assert_eq!(t.table, "Logical_Switch");
        assert_eq!(t.rows[0].uuid.to_string(), U1);
        assert!(t.rows[0].old.is_none());
        assert_eq!(
            t.rows[1].new.as_ref().unwrap().get("name"),
            Some(&Datum::from(Atom::from("b")))
        );
        assert_eq!(serde_json::to_string(&u).unwrap(), j);
    }

    #[test]
    fn table_updates2_every_kind() {
        let j = format!(
            r#"{{"T":{{"{U1}":{{"initial":{{"a":1}}}},"{U2}":{{"delete":null}}}},"S":{{"{U1}":{{"modify":{{"s":["set",[1,2]]}}}},"{U2}":{{"insert":{{}}}}}}}}"#
        );
        let u: TableUpdates2 = serde_json::from_str(&j).unwrap();
        assert_eq!(u.row_count(), 4);
        assert!(matches!(u.tables[0].rows[0].change, RowChange::Initial(_)));
        assert_eq!(u.tables[0].rows[1].change, RowChange::Delete);
        assert!(matches!(u.tables[1].rows[0].change, RowChange::Modify(_)));
        assert!(matches!(u.tables[1].rows[1].change, RowChange::Insert(_)));
        assert_eq!(serde_json::to_string(&u).unwrap(), j);
    }

    #[test]
    fn refuses_malformed_updates() {
        for bad in [
            format!(r#"{{"T":{{"{U1}":{{}}}}}}"#),
            format!(r#"{{"T":{{"{U1}":{{"old":{{}},"bogus":1}}}}}}"#),
            r#"{"T":{"not-a-uuid":{"new":{}}}}"#.to_string(),
            r#"{"T":[]}"#.to_string(),
        ] {
            assert!(serde_json::from_str::<TableUpdates>(&bad).is_err(), "{bad}");
        }
        for bad in [
            format!(r#"{{"T":{{"{U1}":{{}}}}}}"#),
            format!(r#"{{"T":{{"{U1}":{{"insert":{{}},"delete":null}}}}}}"#),
            format!(r#"{{"T":{{"{U1}":{{"replace":{{}}}}}}}}"#),
        ] {
            assert!(
                serde_json::from_str::<TableUpdates2>(&bad).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn since_reply_and_update3() {
        let r: MonitorCondSinceReply = serde_json::from_str(&format!(
            r#"[true,"{U1}",{{"T":{{"{U2}":{{"insert":{{"x":1}}}}}}}}]"#
        ))
        .unwrap();
        assert!(r.found);
        assert_eq!(r.last_txn_id.to_string(), U1);
        assert_eq!(r.updates.row_count(), 1);
        let p: Update3Params = serde_json::from_str(&format!(r#"[["m",1],"{U2}",{{}}]"#)).unwrap();
        assert_eq!(p.monitor_id, serde_json::json!(["m", 1]));
        assert_eq!(p.updates.row_count(), 0);
        assert!(serde_json::from_str::<Update3Params>(&format!(r#"[1,"{U2}"]"#)).is_err());
    }
}
