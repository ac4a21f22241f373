//! [`Operation`]: one database operation of a `transact` request (RFC 7047 5.2), and the
//! ovsdb-server(7) extension of `insert` with a caller-chosen `uuid`.

use std::fmt;
use std::time::Duration;

use compact_str::CompactString;
use serde::de::{self, Deserializer};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

use super::condition::Condition;
use super::mutation::Mutation;
use super::uuid_name::UuidName;
use crate::data::{Row, Uuid};

/// The kind of an operation, its `"op"` member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OpKind {
    /// `"insert"`
    Insert,
    /// `"select"`
    Select,
    /// `"update"`
    Update,
    /// `"mutate"`
    Mutate,
    /// `"delete"`
    Delete,
    /// `"wait"`
    Wait,
    /// `"commit"`
    Commit,
    /// `"abort"`
    Abort,
    /// `"comment"`
    Comment,
    /// `"assert"`
    Assert,
}

impl OpKind {
    /// Every kind, in RFC order.
    pub const ALL: [OpKind; 10] = [
        OpKind::Insert,
        OpKind::Select,
        OpKind::Update,
        OpKind::Mutate,
        OpKind::Delete,
        OpKind::Wait,
        OpKind::Commit,
        OpKind::Abort,
        OpKind::Comment,
        OpKind::Assert,
    ];

    /// The wire spelling (`"insert"`, `"select"`, ...).
    pub const fn as_str(self) -> &'static str {
        match self {
            OpKind::Insert => "insert",
            OpKind::Select => "select",
            OpKind::Update => "update",
            OpKind::Mutate => "mutate",
            OpKind::Delete => "delete",
            OpKind::Wait => "wait",
            OpKind::Commit => "commit",
            OpKind::Abort => "abort",
            OpKind::Comment => "comment",
            OpKind::Assert => "assert",
        }
    }

    /// The members an operation of this kind may have besides `"op"`.
    const fn members(self) -> &'static [&'static str] {
        match self {
            OpKind::Insert => &["table", "row", "uuid-name", "uuid"],
            OpKind::Select => &["table", "where", "columns"],
            OpKind::Update => &["table", "where", "row"],
            OpKind::Mutate => &["table", "where", "mutations"],
            OpKind::Delete => &["table", "where"],
            OpKind::Wait => &["timeout", "table", "where", "columns", "until", "rows"],
            OpKind::Commit => &["durable"],
            OpKind::Abort => &[],
            OpKind::Comment => &["comment"],
            OpKind::Assert => &["lock"],
        }
    }
}

impl fmt::Display for OpKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `insert`: adds a row; the result is the new row's UUID.
///
/// Columns missing from `row` take their default values. With a `uuid_name`, later
/// operations of the same transaction refer to the new row as `["named-uuid", name]`
/// ([`UuidName::reference`]). With a `uuid` (ovsdb-server 2.13 and later), the row gets that
/// UUID instead of a random one; the operation fails with `"duplicate uuid"` if a row already
/// has it. Both may be given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Insert {
    /// The table.
    pub table: CompactString,
    /// The new row's columns.
    pub row: Row,
    /// `"uuid-name"`: the name the transaction's other operations use for the new row.
    pub uuid_name: Option<UuidName>,
    /// `"uuid"`: the new row's UUID, chosen by the caller.
    pub uuid: Option<Uuid>,
}

impl Insert {
    /// An insert of `row` into `table`.
    pub fn new(table: impl Into<CompactString>, row: Row) -> Self {
        Insert {
            table: table.into(),
            row,
            uuid_name: None,
            uuid: None,
        }
    }

    /// Sets the `uuid-name`.
    pub fn with_uuid_name(mut self, name: UuidName) -> Self {
        self.uuid_name = Some(name);
        self
    }

    /// Sets the caller-chosen `uuid`.
    pub fn with_uuid(mut self, uuid: Uuid) -> Self {
        self.uuid = Some(uuid);
        self
    }
}

/// `select`: the rows of `table` that match every condition; the result is the rows, with
/// only `columns` if given (`_uuid` and `_version` must be named to be returned).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Select {
    /// The table.
    pub table: CompactString,
    /// `"where"`: conditions every returned row meets; empty selects every row.
    pub conditions: Vec<Condition>,
    /// The columns to return; `None` returns all of them.
    pub columns: Option<Vec<CompactString>>,
}

impl Select {
    /// A select of every column of the rows of `table` matching `conditions`.
    pub fn new(table: impl Into<CompactString>, conditions: Vec<Condition>) -> Self {
        Select {
            table: table.into(),
            conditions,
            columns: None,
        }
    }

    /// Returns only these columns.
    pub fn with_columns<I>(mut self, columns: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<CompactString>,
    {
        self.columns = Some(columns.into_iter().map(Into::into).collect());
        self
    }
}

/// `update`: sets the columns in `row` in every row matching the conditions; the result is
/// the number of matching rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Update {
    /// The table.
    pub table: CompactString,
    /// `"where"`: which rows to update; empty updates every row.
    pub conditions: Vec<Condition>,
    /// The new values of the columns to change.
    pub row: Row,
}

/// `mutate`: applies the mutations to every row matching the conditions; the result is the
/// number of matching rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mutate {
    /// The table.
    pub table: CompactString,
    /// `"where"`: which rows to mutate; empty mutates every row.
    pub conditions: Vec<Condition>,
    /// The changes, applied in order.
    pub mutations: Vec<Mutation>,
}

/// `delete`: deletes every row matching the conditions; the result is how many there were.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delete {
    /// The table.
    pub table: CompactString,
    /// `"where"`: which rows to delete; empty deletes every row.
    pub conditions: Vec<Condition>,
}

/// When a [`Wait`] is satisfied, its `"until"` member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Until {
    /// `"=="`: when the selected columns of the matching rows equal `rows`.
    #[serde(rename = "==")]
    Equal,
    /// `"!="`: when they differ from `rows`.
    #[serde(rename = "!=")]
    NotEqual,
}

/// `wait`: holds the transaction until `columns` of the rows matching the conditions equal
/// (or differ from) `rows`, failing with `"timed out"` after `timeout_ms` milliseconds
/// (immediately with a timeout of 0; never without one). Use it to make a transaction fail
/// if what it read earlier has changed since.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wait {
    /// `"timeout"` in milliseconds; `None` waits for ever.
    pub timeout_ms: Option<u64>,
    /// The table.
    pub table: CompactString,
    /// `"where"`: the rows compared.
    pub conditions: Vec<Condition>,
    /// The columns compared.
    pub columns: Vec<CompactString>,
    /// Whether to wait for equality or for a difference.
    pub until: Until,
    /// The expected rows (with just `columns`), compared as a multiset.
    pub rows: Vec<Row>,
}

impl Wait {
    /// A wait without a timeout.
    pub fn new<C>(
        table: impl Into<CompactString>,
        conditions: Vec<Condition>,
        columns: C,
        until: Until,
        rows: Vec<Row>,
    ) -> Self
    where
        C: IntoIterator,
        C::Item: Into<CompactString>,
    {
        Wait {
            timeout_ms: None,
            table: table.into(),
            conditions,
            columns: columns.into_iter().map(Into::into).collect(),
            until,
            rows,
        }
    }

    /// Gives up with `"timed out"` after `timeout` (in whole milliseconds, rounded down).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout_ms = Some(u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX));
        self
    }
}

/// One operation of a transaction (RFC 7047 5.2).
///
/// Serializes to the exact RFC object, e.g. `{"op":"delete","table":"Logical_Switch",
/// "where":[["name","==","sw0"]]}`, and deserializes from it, refusing unknown operations,
/// missing required members and members the operation does not take (as ovsdb-server does).
///
/// The constructors of the operations with optional members (`insert`, `select`, `wait`)
/// return that operation's struct, whose `with_*` methods set them; `.into()` turns it into an
/// `Operation`.
///
/// ```
/// use ovsdb::data::{Atom, Row};
/// use ovsdb::ops::{Condition, Operation, UuidName};
///
/// let ops: Vec<Operation> = vec![
///     Operation::insert("Logical_Switch", Row::new().with("name", Atom::from("sw0")))
///         .with_uuid_name(UuidName::new("sw")?)
///         .into(),
///     Operation::delete("Logical_Switch", vec![Condition::eq("name", "old")]),
/// ];
/// assert_eq!(
///     serde_json::to_string(&ops[1])?,
///     r#"{"op":"delete","table":"Logical_Switch","where":[["name","==","old"]]}"#
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operation {
    /// `insert`: adds a row.
    Insert(Insert),
    /// `select`: reads rows.
    Select(Select),
    /// `update`: sets columns of matching rows.
    Update(Update),
    /// `mutate`: changes columns of matching rows in place.
    Mutate(Mutate),
    /// `delete`: deletes matching rows.
    Delete(Delete),
    /// `wait`: waits for (or checks) the contents of matching rows.
    Wait(Wait),
    /// `commit`: asks that the transaction be committed `durable`-ly (to disk before the
    /// reply). ovsdb-server accepts `durable: true` and replies as usual.
    Commit {
        /// Whether the commit must reach stable storage before the reply.
        durable: bool,
    },
    /// `abort`: always fails with `"aborted"`, so the transaction changes nothing.
    Abort,
    /// `comment`: text logged with the transaction (ovsdb-tool show-log shows it).
    Comment {
        /// The text.
        comment: String,
    },
    /// `assert`: fails with `"not owner"` unless this session holds the lock `lock`.
    Assert {
        /// The lock name (an `<id>`).
        lock: CompactString,
    },
}

impl Operation {
    /// An `insert` of `row` into `table`; see [`Insert`] for `uuid-name` and `uuid`.
    pub fn insert(table: impl Into<CompactString>, row: Row) -> Insert {
        Insert::new(table, row)
    }

    /// A `select` of every column of the matching rows; see [`Select::with_columns`].
    pub fn select(table: impl Into<CompactString>, conditions: Vec<Condition>) -> Select {
        Select::new(table, conditions)
    }

    /// An `update` setting the columns of `row` in every matching row.
    pub fn update(table: impl Into<CompactString>, conditions: Vec<Condition>, row: Row) -> Self {
        Operation::Update(Update {
            table: table.into(),
            conditions,
            row,
        })
    }

    /// A `mutate` of every matching row.
    pub fn mutate(
        table: impl Into<CompactString>,
        conditions: Vec<Condition>,
        mutations: Vec<Mutation>,
    ) -> Self {
        Operation::Mutate(Mutate {
            table: table.into(),
            conditions,
            mutations,
        })
    }

    /// A `delete` of every matching row.
    pub fn delete(table: impl Into<CompactString>, conditions: Vec<Condition>) -> Self {
        Operation::Delete(Delete {
            table: table.into(),
            conditions,
        })
    }

    /// A `wait` without a timeout; see [`Wait::with_timeout`].
    pub fn wait<C>(
        table: impl Into<CompactString>,
        conditions: Vec<Condition>,
        columns: C,
        until: Until,
        rows: Vec<Row>,
    ) -> Wait
    where
        C: IntoIterator,
        C::Item: Into<CompactString>,
    {
        Wait::new(table, conditions, columns, until, rows)
    }

    /// A `commit`.
    pub fn commit(durable: bool) -> Self {
        Operation::Commit { durable }
    }

    /// An `abort`.
    pub fn abort() -> Self {
        Operation::Abort
    }

    /// A `comment`.
    pub fn comment(comment: impl Into<String>) -> Self {
        Operation::Comment {
            comment: comment.into(),
        }
    }

    /// An `assert` that this session holds `lock`.
    pub fn assert(lock: impl Into<CompactString>) -> Self {
        Operation::Assert { lock: lock.into() }
    }

    /// The operation's kind.
    pub fn kind(&self) -> OpKind {
        match self {
            Operation::Insert(_) => OpKind::Insert,
            Operation::Select(_) => OpKind::Select,
            Operation::Update(_) => OpKind::Update,
            Operation::Mutate(_) => OpKind::Mutate,
            Operation::Delete(_) => OpKind::Delete,
            Operation::Wait(_) => OpKind::Wait,
            Operation::Commit { .. } => OpKind::Commit,
            Operation::Abort => OpKind::Abort,
            Operation::Comment { .. } => OpKind::Comment,
            Operation::Assert { .. } => OpKind::Assert,
        }
    }

    /// The table the operation works on, if it has one.
    pub fn table(&self) -> Option<&str> {
        match self {
            Operation::Insert(o) => Some(&o.table),
            Operation::Select(o) => Some(&o.table),
            Operation::Update(o) => Some(&o.table),
            Operation::Mutate(o) => Some(&o.table),
            Operation::Delete(o) => Some(&o.table),
            Operation::Wait(o) => Some(&o.table),
            Operation::Commit { .. }
            | Operation::Abort
            | Operation::Comment { .. }
            | Operation::Assert { .. } => None,
        }
    }
}

macro_rules! into_operation {
    ($($ty:ident),*) => {$(
        impl From<$ty> for Operation {
            fn from(op: $ty) -> Operation {
                Operation::$ty(op)
            }
        }
    )*};
}
into_operation!(Insert, Select, Update, Mutate, Delete, Wait);

// ---- JSON encoding ----

/// A UUID written as a bare string, the form of the insert's `"uuid"` member.
struct BareUuid<'a>(&'a Uuid);

impl Serialize for BareUuid<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        crate::data::uuid::bare::serialize(self.0, serializer)
    }
}

impl Serialize for Operation {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let len = 1 + match self {
            Operation::Insert(o) => {
                2 + usize::from(o.uuid_name.is_some()) + usize::from(o.uuid.is_some())
            }
            Operation::Select(o) => 2 + usize::from(o.columns.is_some()),
            Operation::Update(_) | Operation::Mutate(_) => 3,
            Operation::Delete(_) => 2,
            Operation::Wait(o) => 5 + usize::from(o.timeout_ms.is_some()),
            Operation::Abort => 0,
            Operation::Commit { .. } | Operation::Comment { .. } | Operation::Assert { .. } => 1,
        };
        let mut m = serializer.serialize_map(Some(len))?;
        m.serialize_entry("op", self.kind().as_str())?;
        match self {
            Operation::Insert(o) => {
                m.serialize_entry("table", o.table.as_str())?;
                m.serialize_entry("row", &o.row)?;
                if let Some(name) = &o.uuid_name {
                    m.serialize_entry("uuid-name", name)?;
                }
                if let Some(uuid) = &o.uuid {
                    m.serialize_entry("uuid", &BareUuid(uuid))?;
                }
            }
            Operation::Select(o) => {
                m.serialize_entry("table", o.table.as_str())?;
                m.serialize_entry("where", &o.conditions)?;
                if let Some(columns) = &o.columns {
                    m.serialize_entry("columns", columns)?;
                }
            }
            Operation::Update(o) => {
                m.serialize_entry("table", o.table.as_str())?;
                m.serialize_entry("where", &o.conditions)?;
                m.serialize_entry("row", &o.row)?;
            }
            Operation::Mutate(o) => {
                m.serialize_entry("table", o.table.as_str())?;
                m.serialize_entry("where", &o.conditions)?;
                m.serialize_entry("mutations", &o.mutations)?;
            }
            Operation::Delete(o) => {
                m.serialize_entry("table", o.table.as_str())?;
                m.serialize_entry("where", &o.conditions)?;
            }
            Operation::Wait(o) => {
                if let Some(timeout) = o.timeout_ms {
                    m.serialize_entry("timeout", &timeout)?;
                }
                m.serialize_entry("table", o.table.as_str())?;
                m.serialize_entry("where", &o.conditions)?;
                m.serialize_entry("columns", &o.columns)?;
                m.serialize_entry("until", &o.until)?;
                m.serialize_entry("rows", &o.rows)?;
            }
            Operation::Commit { durable } => m.serialize_entry("durable", durable)?,
            Operation::Abort => {}
            Operation::Comment { comment } => m.serialize_entry("comment", comment)?,
            Operation::Assert { lock } => m.serialize_entry("lock", lock.as_str())?,
        }
        m.end()
    }
}

// ---- JSON decoding ----

/// Every member any operation may have; which are allowed and required depends on `op`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOperation {
    op: OpKind,
    #[serde(default, deserialize_with = "present")]
    table: Option<CompactString>,
    #[serde(default, deserialize_with = "present")]
    row: Option<Row>,
    #[serde(rename = "uuid-name", default, deserialize_with = "present")]
    uuid_name: Option<UuidName>,
    #[serde(default, deserialize_with = "present_bare_uuid")]
    uuid: Option<Uuid>,
    #[serde(rename = "where", default, deserialize_with = "present")]
    conditions: Option<Vec<Condition>>,
    #[serde(default, deserialize_with = "present")]
    columns: Option<Vec<CompactString>>,
    #[serde(default, deserialize_with = "present")]
    mutations: Option<Vec<Mutation>>,
    #[serde(default, deserialize_with = "present")]
    timeout: Option<u64>,
    #[serde(default, deserialize_with = "present")]
    until: Option<Until>,
    #[serde(default, deserialize_with = "present")]
    rows: Option<Vec<Row>>,
    #[serde(default, deserialize_with = "present")]
    durable: Option<bool>,
    #[serde(default, deserialize_with = "present")]
    comment: Option<String>,
    #[serde(default, deserialize_with = "present")]
    lock: Option<CompactString>,
}

/// A member that is present must hold a value: `null` is refused (by `T`), not read as absent.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

fn present_bare_uuid<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Uuid>, D::Error> {
    crate::data::uuid::bare::deserialize(d).map(Some)
}

impl RawOperation {
    /// The names of the members present, besides `"op"`.
    fn present_members(&self) -> impl Iterator<Item = &'static str> {
        [
            ("table", self.table.is_some()),
            ("row", self.row.is_some()),
            ("uuid-name", self.uuid_name.is_some()),
            ("uuid", self.uuid.is_some()),
            ("where", self.conditions.is_some()),
            ("columns", self.columns.is_some()),
            ("mutations", self.mutations.is_some()),
            ("timeout", self.timeout.is_some()),
            ("until", self.until.is_some()),
            ("rows", self.rows.is_some()),
            ("durable", self.durable.is_some()),
            ("comment", self.comment.is_some()),
            ("lock", self.lock.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, present)| present.then_some(name))
    }

    fn into_operation(self) -> Result<Operation, String> {
        let kind = self.op;
        if let Some(extra) = self.present_members().find(|m| !kind.members().contains(m)) {
            return Err(format!(
                "operation \"{kind}\" does not take member \"{extra}\" (it takes {})",
                describe_members(kind.members())
            ));
        }
        fn required<T>(v: Option<T>, kind: OpKind, name: &str) -> Result<T, String> {
            v.ok_or_else(|| format!("operation \"{kind}\" lacks its required member \"{name}\""))
        }
        Ok(match kind {
            OpKind::Insert => Operation::Insert(Insert {
                table: required(self.table, kind, "table")?,
                row: required(self.row, kind, "row")?,
                uuid_name: self.uuid_name,
                uuid: self.uuid,
            }),
            OpKind::Select => Operation::Select(Select {
                table: required(self.table, kind, "table")?,
                conditions: required(self.conditions, kind, "where")?,
                columns: self.columns,
            }),
            OpKind::Update => Operation::Update(Update {
                table: required(self.table, kind, "table")?,
                conditions: required(self.conditions, kind, "where")?,
                row: required(self.row, kind, "row")?,
            }),
            OpKind::Mutate => Operation::Mutate(Mutate {
                table: required(self.table, kind, "table")?,
                conditions: required(self.conditions, kind, "where")?,
                mutations: required(self.mutations, kind, "mutations")?,
            }),
            OpKind::Delete => Operation::Delete(Delete {
                table: required(self.table, kind, "table")?,
                conditions: required(self.conditions, kind, "where")?,
            }),
            OpKind::Wait => Operation::Wait(Wait {
                timeout_ms: self.timeout,
                table: required(self.table, kind, "table")?,
                conditions: required(self.conditions, kind, "where")?,
                columns: required(self.columns, kind, "columns")?,
                until: required(self.until, kind, "until")?,
                rows: required(self.rows, kind, "rows")?,
            }),
            OpKind::Commit => Operation::Commit {
                durable: required(self.durable, kind, "durable")?,
            },
            OpKind::Abort => Operation::Abort,
            OpKind::Comment => Operation::Comment {
                comment: required(self.comment, kind, "comment")?,
            },
            OpKind::Assert => Operation::Assert {
                lock: required(self.lock, kind, "lock")?,
            },
        })
    }
}

fn describe_members(members: &[&str]) -> String {
    if members.is_empty() {
        "no other members".to_owned()
    } else {
        members
            .iter()
            .map(|m| format!("\"{m}\""))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl<'de> Deserialize<'de> for Operation {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Only an object: a derived struct would also accept a positional array.
        struct V;
        impl<'de> de::Visitor<'de> for V {
            type Value = Operation;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an operation object {\"op\": ..., ...}")
            }
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Operation, A::Error> {
                RawOperation::deserialize(de::value::MapAccessDeserializer::new(map))?
                    .into_operation()
                    .map_err(de::Error::custom)
            }
        }
        deserializer.deserialize_map(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Atom, Datum};

    fn json(op: impl Into<Operation>) -> String {
        let op = op.into();
        let text = serde_json::to_string(&op).unwrap();
        assert_eq!(serde_json::from_str::<Operation>(&text).unwrap(), op);
        text
    }

    fn name_row(name: &str) -> Row {
        Row::new().with("name", Atom::from(name))
    }

    #[test]
    fn exact_json_for_every_operation() {
        let u = Uuid::parse("550e8400-e29b-41d4-a716-446655440000").unwrap();
        assert_eq!(
            json(Operation::insert("LS", name_row("a"))),
            r#"{"op":"insert","table":"LS","row":{"name":"a"}}"#
        );
        assert_eq!(
            json(
                Operation::insert("LS", name_row("a"))
                    .with_uuid_name(UuidName::new("sw").unwrap())
                    .with_uuid(u)
            ),
            r#"{"op":"insert","table":"LS","row":{"name":"a"},"uuid-name":"sw","uuid":"550e8400-e29b-41d4-a716-446655440000"}"#
        );
        assert_eq!(
            json(Operation::select("LS", vec![])),
            r#"{"op":"select","table":"LS","where":[]}"#
        );
        assert_eq!(
            json(
                Operation::select("LS", vec![Condition::eq("name", "a")])
                    .with_columns(["_uuid", "name"])
            ),
            r#"{"op":"select","table":"LS","where":[["name","==","a"]],"columns":["_uuid","name"]}"#
        );
        assert_eq!(
            json(Operation::update(
                "LS",
                vec![Condition::eq("_uuid", u)],
                Row::new().with("ports", Datum::empty_set())
            )),
            r#"{"op":"update","table":"LS","where":[["_uuid","==",["uuid","550e8400-e29b-41d4-a716-446655440000"]]],"row":{"ports":["set",[]]}}"#
        );
        assert_eq!(
            json(Operation::mutate(
                "LS",
                vec![],
                vec![Mutation::insert("external_ids", Datum::map([("k", "v")]))]
            )),
            r#"{"op":"mutate","table":"LS","where":[],"mutations":[["external_ids","insert",["map",[["k","v"]]]]]}"#
        );
        assert_eq!(
            json(Operation::delete("LS", vec![Condition::ne("name", "a")])),
            r#"{"op":"delete","table":"LS","where":[["name","!=","a"]]}"#
        );
        assert_eq!(
            json(Operation::wait(
                "LS",
                vec![Condition::eq("name", "a")],
                ["name"],
                Until::Equal,
                vec![name_row("a")]
            )),
            r#"{"op":"wait","table":"LS","where":[["name","==","a"]],"columns":["name"],"until":"==","rows":[{"name":"a"}]}"#
        );
        assert_eq!(
            json(
                Operation::wait("LS", vec![], Vec::<&str>::new(), Until::NotEqual, vec![])
                    .with_timeout(Duration::from_millis(1500))
            ),
            r#"{"op":"wait","timeout":1500,"table":"LS","where":[],"columns":[],"until":"!=","rows":[]}"#
        );
        assert_eq!(
            json(Operation::commit(true)),
            r#"{"op":"commit","durable":true}"#
        );
        assert_eq!(json(Operation::abort()), r#"{"op":"abort"}"#);
        assert_eq!(
            json(Operation::comment("hi \"there\"")),
            r#"{"op":"comment","comment":"hi \"there\""}"#
        );
        assert_eq!(
            json(Operation::assert("my_lock")),
            r#"{"op":"assert","lock":"my_lock"}"#
        );
    }

    #[test]
    fn members_may_come_in_any_order() {
        let op: Operation = serde_json::from_str(
            r#"{"row":{},"uuid":"550E8400-e29b-41d4-a716-446655440000","table":"T","op":"insert"}"#,
        )
        .unwrap();
        let Operation::Insert(insert) = &op else {
            panic!("{op:?}")
        };
        assert_eq!(
            insert.uuid.map(|u| u.to_string()).as_deref(),
            Some("550e8400-e29b-41d4-a716-446655440000")
        );
        assert_eq!(op.kind(), OpKind::Insert);
        assert_eq!(op.table(), Some("T"));
        assert_eq!(Operation::abort().table(), None);
    }

    #[test]
    fn kinds_spell_like_the_wire() {
        for kind in OpKind::ALL {
            assert_eq!(serde_json::to_string(&kind).unwrap(), format!("\"{kind}\""));
        }
    }

    #[test]
    fn refuses_bad_operations() {
        for (bad, why) in [
            (r#"{"op":"frob","table":"T"}"#, "unknown variant `frob`"),
            (r#"{"table":"T","row":{}}"#, "missing field `op`"),
            (
                r#"{"op":"insert","row":{}}"#,
                r#"operation "insert" lacks its required member "table""#,
            ),
            (
                r#"{"op":"select","table":"T"}"#,
                r#"operation "select" lacks its required member "where""#,
            ),
            (
                r#"{"op":"wait","table":"T","where":[],"columns":[],"rows":[]}"#,
                r#"operation "wait" lacks its required member "until""#,
            ),
            (
                r#"{"op":"commit"}"#,
                r#"operation "commit" lacks its required member "durable""#,
            ),
            (
                r#"{"op":"insert","table":"T","row":{},"uuid-name":"1x"}"#,
                "\"1x\" is not a valid uuid-name",
            ),
            (
                r#"{"op":"insert","table":"T","row":{},"uuid":"not-a-uuid"}"#,
                "\"not-a-uuid\" is not a valid UUID",
            ),
            (
                r#"{"op":"insert","table":"T","row":{},"uuid":["uuid","550e8400-e29b-41d4-a716-446655440000"]}"#,
                "invalid type: sequence, expected a UUID string",
            ),
            (
                r#"{"op":"insert","table":"T","row":{},"where":[]}"#,
                r#"operation "insert" does not take member "where" (it takes "table", "row", "uuid-name", "uuid")"#,
            ),
            (
                r#"{"op":"abort","table":"T"}"#,
                r#"operation "abort" does not take member "table" (it takes no other members)"#,
            ),
            (
                r#"{"op":"delete","table":"T","where":[],"bogus":1}"#,
                "unknown field `bogus`",
            ),
            (
                r#"{"op":"delete","table":null,"where":[]}"#,
                "invalid type: null",
            ),
            (
                r#"{"op":"wait","timeout":-1,"table":"T","where":[],"columns":[],"until":"==","rows":[]}"#,
                "invalid value: integer `-1`",
            ),
            (
                r#"{"op":"wait","table":"T","where":[],"columns":[],"until":"<","rows":[]}"#,
                "unknown variant `<`",
            ),
            (
                r#"["abort"]"#,
                "invalid type: sequence, expected an operation object",
            ),
        ] {
            let err = serde_json::from_str::<Operation>(bad)
                .unwrap_err()
                .to_string();
            assert!(err.contains(why), "{bad}: {err}");
        }
    }

    #[test]
    fn timeout_saturates() {
        let w = Wait::new("T", vec![], ["a"], Until::Equal, vec![]).with_timeout(Duration::MAX);
        assert_eq!(w.timeout_ms, Some(u64::MAX));
    }
}
