//! [`Transaction`]: typed operations that compose into one `transact`.

use std::marker::PhantomData;
use std::time::Duration;

use compact_str::CompactString;

use crate::client::{Client, Error};
use crate::data::{Row, Uuid};
use crate::ops::{Operation, OperationResult, Select, Until, UuidName, Wait};

use super::capabilities::Capabilities;
use super::column::{ColumnId, TypedCondition, TypedMutation};
use super::reference::Ref;
use super::table::{DecodeError, Table, TableUpdate};

/// A list of typed operations on one database, sent as one atomic `transact` by
/// [`Transaction::commit`] (or turned into plain [`Operation`]s for
/// [`Client::transact`]).
///
/// New rows get a `uuid-name` (`row1`, `row2`, ...), and [`insert`](Self::insert) returns a
/// [`Ref`] naming it, so the rows of one transaction can reference each other; after the
/// commit, [`Committed::uuid`] gives the UUID the server chose for each.
///
/// ```
/// use ovsdb::typed::{Column, Ref, Transaction};
/// # use ovsdb::typed::{DecodeError, Table};
/// # use ovsdb::data::{Row, Uuid};
/// # #[derive(Debug, Clone, PartialEq, Default)]
/// # struct Port { name: String }
/// # impl Table for Port {
/// #     const TABLE: &'static str = "Logical_Switch_Port";
/// #     const COLUMNS: &'static [&'static str] = &["name"];
/// #     fn from_row(row: &Row) -> Result<Self, DecodeError> {
/// #         Ok(Port { name: ovsdb::typed::decode_column(row, Self::TABLE, "name")? })
/// #     }
/// #     fn to_row(&self) -> Row { Row::new().with("name", self.name.as_str()) }
/// #     fn row_uuid(&self) -> Option<Uuid> { None }
/// # }
/// const NAME: Column<Port, String> = Column::new("name");
///
/// let mut txn = Transaction::new("OVN_Northbound");
/// let p1: Ref<Port> = txn.insert(&Port { name: "p1".into() });
/// txn.delete([NAME.eq("old")]);
/// assert_eq!(p1.name().map(|n| n.as_str()), Some("row1"));
/// assert_eq!(
///     serde_json::to_string(txn.operations())?,
///     r#"[{"op":"insert","table":"Logical_Switch_Port","row":{"name":"p1"},"uuid-name":"row1"},{"op":"delete","table":"Logical_Switch_Port","where":[["name","==","old"]]}]"#
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Transaction {
    database: String,
    ops: Vec<Operation>,
    next_name: usize,
    capabilities: Option<Capabilities>,
}

/// The position of a `select` in a [`Transaction`], to read its rows from the [`Committed`]
/// result.
#[derive(Debug)]
pub struct Selected<T> {
    index: usize,
    table: PhantomData<fn() -> T>,
}

impl<T> Clone for Selected<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Selected<T> {}

fn conditions<T>(conds: impl IntoIterator<Item = TypedCondition<T>>) -> Vec<crate::ops::Condition> {
    conds
        .into_iter()
        .map(TypedCondition::into_condition)
        .collect()
}

impl Transaction {
    /// An empty transaction on `database` (e.g. `"OVN_Northbound"`).
    pub fn new(database: impl Into<String>) -> Self {
        Transaction {
            database: database.into(),
            ops: Vec::new(),
            next_name: 0,
            capabilities: None,
        }
    }

    /// Adapts the operations to a server that lacks some columns the row types map (an
    /// older server): inserted and updated rows leave those columns out (their values
    /// cannot be stored there), and `select` and `wait` do not name them. Without this, an
    /// operation naming such a column fails with `"unknown column"`.
    pub fn with_capabilities(mut self, capabilities: Capabilities) -> Self {
        self.capabilities = Some(capabilities);
        self
    }

    fn filter(&self, table: &str, row: Row) -> Row {
        match &self.capabilities {
            Some(c) => c.filter_row(table, row),
            None => row,
        }
    }

    fn supported(&self, table: &str, column: &str) -> bool {
        self.capabilities
            .as_ref()
            .map_or(true, |c| c.has_column(table, column))
    }

    /// The database.
    pub fn database(&self) -> &str {
        &self.database
    }

    /// The operations so far.
    pub fn operations(&self) -> &[Operation] {
        &self.ops
    }

    /// The operations, by value.
    pub fn into_operations(self) -> Vec<Operation> {
        self.ops
    }

    /// True if no operation was added.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    fn fresh_name(&mut self) -> UuidName {
        loop {
            self.next_name += 1;
            let candidate = format!("row{}", self.next_name);
            // "row" followed by digits is always a valid <id>.
            if let Ok(name) = UuidName::new(&candidate) {
                return name;
            }
        }
    }

    /// Inserts `row` (every column [`Table::to_row`] writes) under a fresh `uuid-name`; the
    /// returned reference can be stored in other rows of this transaction.
    pub fn insert<T: Table>(&mut self, row: &T) -> Ref<T> {
        let name = self.fresh_name();
        self.insert_named(row, name)
    }

    /// Inserts `row` under the given `uuid-name`.
    pub fn insert_named<T: Table>(&mut self, row: &T, name: UuidName) -> Ref<T> {
        self.ops.push(
            Operation::insert(T::TABLE, self.filter(T::TABLE, row.to_row()))
                .with_uuid_name(name.clone())
                .into(),
        );
        Ref::named(name)
    }

    /// Inserts `row` with a UUID chosen by the caller (ovsdb-server 2.13 and later); the
    /// reference is that UUID.
    pub fn insert_with_uuid<T: Table>(&mut self, row: &T, uuid: Uuid) -> Ref<T> {
        let row = self.filter(T::TABLE, row.to_row());
        self.ops
            .push(Operation::insert(T::TABLE, row).with_uuid(uuid).into());
        Ref::new(uuid)
    }

    /// Sets the columns `update` sets (and only those) in the rows matching `conds`.
    /// An empty update adds no operation.
    pub fn update<U: TableUpdate>(
        &mut self,
        conds: impl IntoIterator<Item = TypedCondition<U::Table>>,
        update: &U,
    ) -> &mut Self {
        let table = <U::Table as Table>::TABLE;
        let row = self.filter(table, update.to_row());
        if !row.is_empty() {
            self.ops
                .push(Operation::update(table, conditions(conds), row));
        }
        self
    }

    /// Applies `update` to the row `row` references (by UUID, or by name if inserted earlier
    /// in this transaction).
    pub fn update_row<U: TableUpdate>(&mut self, row: &Ref<U::Table>, update: &U) -> &mut Self {
        self.update([where_ref(row)], update)
    }

    /// Applies `mutations` to the rows matching `conds`.
    pub fn mutate<T: Table>(
        &mut self,
        conds: impl IntoIterator<Item = TypedCondition<T>>,
        mutations: impl IntoIterator<Item = TypedMutation<T>>,
    ) -> &mut Self {
        self.ops.push(Operation::mutate(
            T::TABLE,
            conditions(conds),
            mutations
                .into_iter()
                .map(TypedMutation::into_mutation)
                .collect(),
        ));
        self
    }

    /// Deletes the rows matching `conds`.
    pub fn delete<T: Table>(
        &mut self,
        conds: impl IntoIterator<Item = TypedCondition<T>>,
    ) -> &mut Self {
        self.ops
            .push(Operation::delete(T::TABLE, conditions(conds)));
        self
    }

    /// Deletes the row `row` references.
    pub fn delete_row<T: Table>(&mut self, row: &Ref<T>) -> &mut Self {
        self.delete([where_ref(row)])
    }

    /// Selects the rows matching `conds` (every column `T` maps, plus `_uuid`); read them
    /// after the commit with [`Committed::rows`].
    pub fn select<T: Table>(
        &mut self,
        conds: impl IntoIterator<Item = TypedCondition<T>>,
    ) -> Selected<T> {
        let columns: Vec<&str> = std::iter::once("_uuid")
            .chain(T::COLUMNS.iter().copied())
            .filter(|c| self.supported(T::TABLE, c))
            .collect();
        self.ops.push(
            Select::new(T::TABLE, conditions(conds))
                .with_columns(columns)
                .into(),
        );
        Selected {
            index: self.ops.len() - 1,
            table: PhantomData,
        }
    }

    /// Makes the transaction fail with `"timed out"` (after `timeout`, immediately with
    /// zero) unless `columns` of the rows matching `conds` equal those of `rows` (with
    /// [`Until::Equal`]) or differ from them ([`Until::NotEqual`]). Guards decisions made on
    /// data read before the transaction.
    pub fn wait<T: Table>(
        &mut self,
        conds: impl IntoIterator<Item = TypedCondition<T>>,
        columns: &[ColumnId<T>],
        until: Until,
        rows: &[T],
        timeout: Option<Duration>,
    ) -> &mut Self {
        let names: Vec<CompactString> = columns
            .iter()
            .filter(|c| self.supported(T::TABLE, c.name()))
            .map(|c| c.name().into())
            .collect();
        let rows: Vec<Row> = rows
            .iter()
            .map(|r| {
                let full = r.to_row();
                full.into_iter()
                    .filter(|(c, _)| names.iter().any(|n| n == c))
                    .collect()
            })
            .collect();
        let mut wait = Wait::new(T::TABLE, conditions(conds), names, until, rows);
        if let Some(t) = timeout {
            wait = wait.with_timeout(t);
        }
        self.ops.push(Operation::Wait(wait));
        self
    }

    /// Adds a `comment` (ovsdb-server logs it).
    pub fn comment(&mut self, comment: impl Into<String>) -> &mut Self {
        self.ops.push(Operation::comment(comment));
        self
    }

    /// Adds any dynamic operation.
    pub fn push(&mut self, op: Operation) -> &mut Self {
        self.ops.push(op);
        self
    }

    /// Sends the transaction and waits for its outcome.
    pub async fn commit(self, client: &Client) -> Result<Committed, Error> {
        let results = client.transact(&self.database, &self.ops).await?;
        Ok(Committed {
            ops: self.ops,
            results,
        })
    }
}

/// `_uuid == uuid` for a UUID reference, `_uuid == ["named-uuid", name]` for a named one.
pub fn where_ref<T>(row: &Ref<T>) -> TypedCondition<T> {
    use super::value::Atomic;
    TypedCondition::from_condition(crate::ops::Condition::eq("_uuid", row.to_atom()))
}

/// The outcome of a committed [`Transaction`].
#[derive(Debug, Clone)]
pub struct Committed {
    ops: Vec<Operation>,
    results: Vec<OperationResult>,
}

impl Committed {
    /// One result per operation.
    pub fn results(&self) -> &[OperationResult] {
        &self.results
    }

    /// The UUID of the row `row` references: for a named reference, the UUID the server
    /// gave the row inserted under that name in this transaction.
    pub fn uuid<T>(&self, row: &Ref<T>) -> Option<Uuid> {
        if let Some(u) = row.uuid() {
            return Some(u);
        }
        let name = row.name()?;
        self.ops
            .iter()
            .zip(&self.results)
            .find_map(|(op, result)| match op {
                Operation::Insert(ins) if ins.uuid_name.as_ref() == Some(name) => result.uuid(),
                _ => None,
            })
    }

    /// [`uuid`](Self::uuid) as a reference.
    pub fn resolve<T>(&self, row: &Ref<T>) -> Option<Ref<T>> {
        self.uuid(row).map(Ref::new)
    }

    /// The rows a [`Transaction::select`] returned.
    pub fn rows<T: Table>(&self, selected: Selected<T>) -> Result<Vec<T>, DecodeError> {
        self.results
            .get(selected.index)
            .and_then(OperationResult::rows)
            .unwrap_or(&[])
            .iter()
            .map(T::from_row)
            .collect()
    }
}
