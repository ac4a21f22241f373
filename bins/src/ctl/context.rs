//! What commands read and write: a client-side view of just the rows they asked for.
//!
//! `ovn-nbctl` and `ovs-vsctl` replicate every table they might need before running a command;
//! on a database of 100k ports that alone takes seconds. A [`Context`] instead asks the server
//! for exactly what a command looks up (a `select` with a `where` clause: a name, a UUID, a map
//! key) or, for commands that need everything (`show`, `list`), for whole tables. Every read
//! from the server is remembered as a guard: a `wait` operation (`until: "=="`, timeout 0) over
//! the same `where` clause and the rows' `_uuid` and `_version`. The guards open the final
//! transaction, so if anything a command read changed in between, the server refuses the
//! transaction as a whole and the run starts over on fresh data, like the C tools' `verify`.
//!
//! Writes go to the same view, so later commands of a `--` chain see earlier ones' effects,
//! and become one transaction at the end: an `insert` (with a UUID chosen here, so `--id=@x`
//! symbols and `create`'s output are known at once) per new row, an `update` of just the changed
//! columns per changed row, and a `delete` per deleted row of a root table. Rows of non-root
//! tables are never deleted directly: dropping the last reference lets ovsdb-server collect
//! them, as the C IDL does.
//!
//! The context is synchronous: it blocks on the client's runtime for each read. The tools run
//! one command after another, so this keeps every command a plain function.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use ovsdb::client::{Client, Error as ClientError};
use ovsdb::data::{Atom, Datum, Row, Uuid};
use ovsdb::ops::{Condition, Mutation, Mutator, Operation, OperationResult, TransactError, Until};
use ovsdb::schema::{ColumnType, DatabaseSchema, TableSchema};
use tokio::runtime::Runtime;

use super::condition;
use super::error::{CtlError, CtlResult};
use super::names;
use super::options::GlobalOptions;
use super::record::{self, RowId};
use super::symbols::SymbolTable;

/// A connected client, its runtime, the database and its schema: what every run shares.
pub struct Session {
    /// The runtime the client's connection task runs on (driven by `block_on`).
    pub rt: Runtime,
    /// The client.
    pub client: Client,
    /// The database name (`OVN_Northbound`, `Open_vSwitch`).
    pub db: String,
    /// The server's schema of that database.
    pub schema: DatabaseSchema,
}

impl Session {
    /// Runs a transaction to completion.
    pub fn transact(&self, ops: &[Operation]) -> Result<Vec<OperationResult>, ClientError> {
        self.rt.block_on(self.client.transact(&self.db, ops))
    }

    /// Selects rows (all columns) matching `conditions`.
    pub fn select(&self, table: &str, conditions: Vec<Condition>) -> CtlResult<Vec<Row>> {
        let ops = [Operation::from(Operation::select(table, conditions))];
        let mut results = self.transact(&ops).map_err(|e| transaction_error(&e))?;
        match results.pop().and_then(OperationResult::into_rows) {
            Some(rows) => Ok(rows),
            None => Err(CtlError::new(
                "transaction error: select returned no rows member",
            )),
        }
    }
}

/// How a failed transaction is reported (`ctl_fatal("transaction error: %s", ...)`): the
/// server's error object as JSON, as `ovsdb_idl_txn_get_error` gives it.
pub fn transaction_error(e: &ClientError) -> CtlError {
    let text = match e {
        ClientError::Transact(TransactError::Operation { error, .. })
        | ClientError::Transact(TransactError::Commit { error, .. }) => {
            // Through a Value, whose map sorts the keys as OVS's JSON writer does.
            serde_json::to_value(error.as_ref())
                .map(|v| v.to_string())
                .unwrap_or_else(|_| error.error.clone())
        }
        other => other.to_string(),
    };
    CtlError::new(format!("transaction error: {text}"))
}

/// A row the context holds.
#[derive(Debug, Clone)]
struct Entry {
    /// The row as the server has it (None: created in this run).
    orig: Option<Arc<Row>>,
    /// What this run made of it.
    state: State,
    /// Columns changed only through mutations, with those mutations in order (sent as a
    /// `mutate`, as the C IDL sends partial set and map updates).
    mutated: BTreeMap<String, Vec<Mutation>>,
    /// Mutated columns whose new value reads see at once (see [`Context::mutate_whole`]).
    shown: Vec<String>,
}

#[derive(Debug, Clone)]
enum State {
    /// Unchanged: `orig` is the row.
    Clean,
    /// Changed or new: the row now.
    Changed(Row),
    /// Deleted in this run.
    Deleted,
}

impl Entry {
    fn row(&self) -> Option<&Row> {
        match &self.state {
            State::Clean => self.orig.as_deref(),
            State::Changed(row) => Some(row),
            State::Deleted => None,
        }
    }
}

/// The rows of one table the context holds.
#[derive(Debug, Default)]
struct TableView {
    /// Every row of the table is here (a whole-table read was made).
    complete: bool,
    /// The `where` clauses already asked of the server in this run: every row they selected
    /// is here, so asking again would only repeat a round trip.
    fetched: Vec<Vec<Condition>>,
    rows: BTreeMap<Uuid, Entry>,
    /// Columns left out of every held row's `orig` by a read that skipped them (see
    /// [`Context::load_table_omitting`]) until [`Context::fill_omitted`] reads them.
    omitted: Vec<String>,
}

/// One run of a command chain: its view of the database, its pending writes, its symbols and
/// the output of the command being run.
pub struct Context<'s> {
    session: &'s Session,
    /// The options the tool was started with.
    pub opts: &'s GlobalOptions,
    tables: HashMap<String, TableView>,
    guards: Vec<Operation>,
    extra: Vec<Operation>,
    /// `--id=@name` symbols.
    pub symbols: SymbolTable,
    /// What the current command prints (moved out by the runner after each command).
    pub output: String,
    /// How this tool names records.
    pub row_ids: &'static [RowId],
    /// Set by a command that cannot finish yet (`wait-until`): the runner retries the chain
    /// after the database changes.
    pub try_again: bool,
    /// The vlog module of the tool's own warnings.
    pub log_module: &'static str,
    /// Prints the tables of list / find (a blank line between two tables of one run).
    pub printer: super::format::Printer,
    /// Set when the current command's output is a table (list, find): `--oneline` leaves
    /// tables as they are, as the C tools print them with `table_print`.
    pub output_is_table: bool,
    /// Whether whole-table projected reads ([`super::project::read`]) are guarded: needed
    /// only when the run may commit what it read (see [`Context::set_guard_reads`]).
    guard_reads: bool,
}

/// One read for [`Context::prefetch`].
#[derive(Debug, Clone)]
pub struct Read<'a> {
    /// The table (its exact name).
    pub table: &'a str,
    /// The `where` clause; empty for the whole table.
    pub conditions: Vec<Condition>,
    /// Columns to leave out (whole-table reads only; see [`Context::load_table_omitting`]).
    pub omit: &'a [&'a str],
}

impl<'a> Read<'a> {
    /// Every row of `table`, with every column.
    pub fn all(table: &'a str) -> Self {
        Read {
            table,
            conditions: Vec::new(),
            omit: &[],
        }
    }

    /// The rows of `table` that match `conditions`.
    pub fn query(table: &'a str, conditions: Vec<Condition>) -> Self {
        Read {
            table,
            conditions,
            omit: &[],
        }
    }
}

/// `_uuid`, `_version` and every column of `schema` but those `skip` names: a select that
/// leaves some columns out.
fn columns_but(schema: &TableSchema, skip: impl Fn(&str) -> bool) -> Vec<&str> {
    let mut columns = vec!["_uuid", "_version"];
    columns.extend(
        schema
            .columns
            .keys()
            .map(|c| c.as_str())
            .filter(|c| !skip(c)),
    );
    columns
}

/// The outcome of committing a run.
#[derive(Debug)]
pub enum Commit {
    /// Nothing to write: no transaction was sent.
    Unchanged,
    /// Committed; the results of the operations added with [`Context::push_extra`], in order.
    Done(Vec<OperationResult>),
    /// Something a command read changed meanwhile: run the chain again.
    Retry,
}

impl<'s> Context<'s> {
    /// A fresh view for one run.
    pub fn new(session: &'s Session, opts: &'s GlobalOptions, row_ids: &'static [RowId]) -> Self {
        Context {
            session,
            opts,
            row_ids,
            tables: HashMap::new(),
            guards: Vec::new(),
            extra: Vec::new(),
            symbols: SymbolTable::new(),
            output: String::new(),
            try_again: false,
            log_module: "ctl",
            printer: super::format::Printer::new(),
            output_is_table: false,
            guard_reads: true,
        }
    }

    /// Whether projected whole-table reads record guards (and so ask for `_version`). On by
    /// default; the runner turns it off for a chain of read-only commands, whose only
    /// possible write (the root row a database lacks) is guarded by its own read.
    pub fn set_guard_reads(&mut self, on: bool) {
        self.guard_reads = on;
    }

    /// See [`Context::set_guard_reads`].
    pub fn guards_reads(&self) -> bool {
        self.guard_reads
    }

    /// Whether every row of `table` is held (a whole-table read was made).
    pub fn is_complete(&self, table: &str) -> bool {
        self.tables.get(table).is_some_and(|v| v.complete)
    }

    /// Every held, not deleted row of `table`, in UUID order.
    pub(crate) fn held_rows(&self, table: &str) -> Vec<(Uuid, &Row)> {
        self.tables
            .get(table)
            .map(|v| {
                v.rows
                    .iter()
                    .filter_map(|(u, e)| e.row().map(|r| (*u, r)))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The rows of `table` this run changed, created or deleted (`None`), in UUID order.
    pub(crate) fn held_changes(&self, table: &str) -> Vec<(Uuid, Option<&Row>)> {
        self.tables
            .get(table)
            .map(|v| {
                v.rows
                    .iter()
                    .filter(|(_, e)| !matches!(e.state, State::Clean))
                    .map(|(u, e)| (*u, e.row()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Records the guard of a whole-table read (see [`Context::push_guard`]).
    pub(crate) fn push_read_guard(&mut self, table: &str, guard_rows: Vec<Row>) {
        self.push_guard(table, Vec::new(), guard_rows);
    }

    /// The session (client, schema).
    pub fn session(&self) -> &'s Session {
        self.session
    }

    /// The database schema.
    pub fn schema(&self) -> &'s DatabaseSchema {
        &self.session.schema
    }

    /// The schema of table `table` (its exact name), or an error naming it.
    pub fn table_schema(&self, table: &str) -> CtlResult<&'s TableSchema> {
        self.session
            .schema
            .table(table)
            .ok_or_else(|| CtlError::new(format!("unknown table \"{table}\"")))
    }

    /// The exact name of the table a user typed (loose matching).
    pub fn resolve_table(&self, typed: &str) -> CtlResult<&'s str> {
        names::table(&self.session.schema, typed).map(|(name, _)| name)
    }

    /// The exact name of a column a user typed in `table` (loose matching).
    pub fn resolve_column(&self, table: &str, typed: &str) -> CtlResult<&'s str> {
        let schema = self.table_schema(table)?;
        names::column(table, schema, typed)
    }

    /// The type of `table`.`column`; `_uuid` is a UUID.
    pub fn column_type(&self, table: &str, column: &str) -> CtlResult<ColumnType> {
        if column == "_uuid" || column == "_version" {
            return Ok(ColumnType::scalar(ovsdb::data::AtomicType::Uuid));
        }
        let schema = self.table_schema(table)?;
        schema
            .column(column)
            .map(|c| c.column_type.clone())
            .ok_or_else(|| {
                CtlError::new(format!(
                    "{table} does not contain a column whose name matches \"{column}\""
                ))
            })
    }

    // ---------------------------------------------------------------- reads

    /// The row of `table` a record argument names (see [`record::get_row`]).
    pub fn get_row(
        &mut self,
        table: &str,
        record: &str,
        must_exist: bool,
    ) -> CtlResult<Option<Uuid>> {
        self.fill_omitted(table)?;
        let ids = self.row_ids;
        record::get_row(self, ids, table, record, must_exist)
    }

    /// Like [`Context::get_row`] with `must_exist`: the row, or `no row "x" in table T`.
    pub fn must_get_row(&mut self, table: &str, record: &str) -> CtlResult<Uuid> {
        self.fill_omitted(table)?;
        let ids = self.row_ids;
        record::get_row(self, ids, table, record, true)?
            .ok_or_else(|| CtlError::new(format!("no row \"{record}\" in table {table}")))
    }

    fn fetch(&mut self, table: &str, conditions: Vec<Condition>) -> CtlResult<()> {
        self.fetch_many(table, vec![conditions])
    }

    /// Runs one select per `where` clause, all in one transaction (one round trip), and
    /// records each as a guard.
    fn fetch_many(&mut self, table: &str, clauses: Vec<Vec<Condition>>) -> CtlResult<()> {
        let ops: Vec<Operation> = clauses
            .iter()
            .map(|c| Operation::from(Operation::select(table, c.clone())))
            .collect();
        let results = self
            .session
            .transact(&ops)
            .map_err(|e| transaction_error(&e))?;
        for (conditions, result) in clauses.into_iter().zip(results) {
            let rows = result.into_rows().unwrap_or_default();
            self.absorb(table, conditions.clone(), rows);
            if let Some(view) = self.tables.get_mut(table) {
                view.fetched.push(conditions);
            }
        }
        Ok(())
    }

    /// Takes in rows a select returned (keeping this run's own changes) and its guard.
    fn absorb(&mut self, table: &str, conditions: Vec<Condition>, rows: Vec<Row>) {
        let view = self.tables.entry(table.to_string()).or_default();
        let mut guard_rows = Vec::with_capacity(rows.len());
        for mut row in rows {
            let Some((uuid, guard_row)) = split_identity(&mut row) else {
                continue;
            };
            guard_rows.push(guard_row);
            view.rows.entry(uuid).or_insert(Entry {
                orig: Some(Arc::new(row)),
                state: State::Clean,
                mutated: BTreeMap::new(),
                shown: Vec::new(),
            });
        }
        self.push_guard(table, conditions, guard_rows);
    }

    /// Records that `conditions` on `table` selected exactly `guard_rows` (their `_uuid` and
    /// `_version`): a `wait` that opens the final transaction.
    fn push_guard(&mut self, table: &str, conditions: Vec<Condition>, guard_rows: Vec<Row>) {
        let guard = Operation::from(
            ovsdb::ops::Wait::new(
                table,
                conditions,
                ["_uuid", "_version"],
                Until::Equal,
                guard_rows,
            )
            .with_timeout(Duration::ZERO),
        );
        if !self.guards.contains(&guard) {
            self.guards.push(guard);
        }
    }

    /// The `(uuid, value of column)` of every row of `table` now, in UUID order, reading
    /// just that column from the server (see [`super::project::read`]), with this run's own
    /// changes: what `*-list` needs from a large table without fetching whole rows. The rows
    /// are not held afterwards.
    pub fn column_of_all(&mut self, table: &str, column: &str) -> CtlResult<Vec<(Uuid, Datum)>> {
        let columns = [column];
        let mut proj = super::project::read(self, &[super::project::Want::dense(table, &columns)])?;
        Ok(proj
            .pop()
            .map(|p| {
                p.into_rows()
                    .into_iter()
                    .map(|(u, mut v)| (u, v.swap_remove(0)))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Reads the whole table (once per run), with every column.
    pub fn load_table(&mut self, table: &str) -> CtlResult<()> {
        if self.tables.get(table).is_some_and(|v| v.complete) {
            return self.fill_omitted(table);
        }
        self.fetch(table, Vec::new())?;
        if let Some(view) = self.tables.get_mut(table) {
            view.complete = true;
        }
        Ok(())
    }

    /// Reads the whole table like [`Context::load_table`], except for the columns `omit`:
    /// for a column that is large and that few commands read (a bridge's `ports` holds
    /// every port's UUID). The columns left out stay out of the held rows until something
    /// reads them: [`Context::fill_omitted`] does, and every reading method that can
    /// (`load_table`, `all`, `fetch_row`, `get_row`, whole-table projections) calls it; a
    /// query whose condition names one asks the server; a mutation of one is sent as it is.
    /// Only [`Context::value`] and [`Context::row`] cannot fill: a command reading such a
    /// column through them calls `fill_omitted` first.
    pub fn load_table_omitting(&mut self, table: &str, omit: &[&str]) -> CtlResult<()> {
        if self.session.schema.table(table).is_none() {
            return self.load_table(table);
        }
        self.prefetch(&[Read {
            table,
            conditions: Vec::new(),
            omit,
        }])
    }

    /// Makes several reads in one transaction (one round trip) instead of one each: every
    /// read not already made is sent, and later calls that ask the same ([`Context::all`],
    /// [`Context::query`] with the same conditions, [`Context::load_table_omitting`]) are
    /// answered from what it brought. Each read is guarded like the one it stands for.
    pub fn prefetch(&mut self, reads: &[Read<'_>]) -> CtlResult<()> {
        let mut ops = Vec::new();
        let mut sent = Vec::new();
        for read in reads {
            let view = self.tables.get(read.table);
            let whole = read.conditions.is_empty();
            let held = view.is_some_and(|v| {
                v.complete || (!whole && v.fetched.iter().any(|c| c == &read.conditions))
            });
            let Some(schema) = self.session.schema.table(read.table) else {
                continue;
            };
            if held || (!whole && !read.omit.is_empty()) {
                continue;
            }
            let mut select = Operation::select(read.table, read.conditions.clone());
            if !read.omit.is_empty() {
                select = select.with_columns(columns_but(schema, |c| read.omit.contains(&c)));
            }
            ops.push(Operation::from(select));
            sent.push(read);
        }
        if ops.is_empty() {
            return Ok(());
        }
        let results = self
            .session
            .transact(&ops)
            .map_err(|e| transaction_error(&e))?;
        for (read, result) in sent.into_iter().zip(results) {
            let rows = result.into_rows().unwrap_or_default();
            self.absorb(read.table, read.conditions.clone(), rows);
            let known: Vec<String> = self
                .session
                .schema
                .table(read.table)
                .map(|t| {
                    read.omit
                        .iter()
                        .filter(|c| t.columns.contains_key(**c))
                        .map(|c| c.to_string())
                        .collect()
                })
                .unwrap_or_default();
            let view = self.tables.entry(read.table.to_string()).or_default();
            if read.conditions.is_empty() {
                view.complete = true;
                view.omitted = known;
            } else {
                view.fetched.push(read.conditions.clone());
            }
        }
        Ok(())
    }

    /// Runs one select alone and returns its rows.
    fn select_rows(&self, select: ovsdb::ops::Select) -> CtlResult<Vec<Row>> {
        Ok(self
            .session
            .transact(&[Operation::from(select)])
            .map_err(|e| transaction_error(&e))?
            .into_iter()
            .next()
            .and_then(|r| r.into_rows())
            .unwrap_or_default())
    }

    /// Whether `column` of `table` was left out of the rows held (and not read since).
    pub fn is_omitted(&self, table: &str, column: &str) -> bool {
        self.tables
            .get(table)
            .is_some_and(|v| v.omitted.iter().any(|c| c == column))
    }

    /// Reads the columns [`Context::load_table_omitting`] left out of `table`'s held rows,
    /// and applies to them this run's mutations of those columns (columns this run wrote
    /// whole keep what it wrote). The read is covered by the guard of the first one (every
    /// row's `_version`), so a change in between still makes the commit start over.
    pub fn fill_omitted(&mut self, table: &str) -> CtlResult<()> {
        let omitted = match self.tables.get_mut(table) {
            Some(v) if !v.omitted.is_empty() => std::mem::take(&mut v.omitted),
            _ => return Ok(()),
        };
        let mut columns: Vec<&str> = vec!["_uuid"];
        columns.extend(omitted.iter().map(String::as_str));
        let result = self.select_rows(Operation::select(table, Vec::new()).with_columns(columns));
        let rows = match result {
            Ok(rows) => rows,
            Err(e) => {
                if let Some(v) = self.tables.get_mut(table) {
                    v.omitted = omitted;
                }
                return Err(e);
            }
        };
        let defaults: Vec<Datum> = omitted
            .iter()
            .map(|c| {
                self.column_type(table, c)
                    .map(|t| t.default_datum())
                    .unwrap_or_else(|_| Datum::empty_set())
            })
            .collect();
        let Some(view) = self.tables.get_mut(table) else {
            return Ok(());
        };
        for mut row in rows {
            let Some(uuid) = row.remove("_uuid").as_ref().and_then(uuid_value) else {
                continue;
            };
            let Some(e) = view.rows.get_mut(&uuid) else {
                // A row added since the first read: the guard will see it at commit.
                continue;
            };
            let Some(orig) = e.orig.as_mut() else {
                continue;
            };
            let orig = Arc::make_mut(orig);
            for (column, default) in omitted.iter().zip(&defaults) {
                let fetched = row.remove(column).unwrap_or_else(|| default.clone());
                if let State::Changed(now) = &mut e.state {
                    if let Some(mutations) = e.mutated.get(column) {
                        let mut value = fetched.clone();
                        for m in mutations {
                            apply_mutation(&mut value, m);
                        }
                        now.insert(column.as_str(), value);
                    } else if !now.contains(column) {
                        now.insert(column.as_str(), fetched.clone());
                    }
                }
                orig.insert(column.as_str(), fetched);
            }
        }
        Ok(())
    }

    /// [`Context::query`] with a condition on a column left out of the held rows: the server
    /// answers when this run has changed nothing in the table (its answer is then the
    /// run's); otherwise the column is read and the view answers.
    fn query_omitted(&mut self, table: &str, conditions: &[Condition]) -> CtlResult<Vec<Uuid>> {
        let untouched = self
            .tables
            .get(table)
            .is_some_and(|v| v.rows.values().all(|e| matches!(e.state, State::Clean)));
        if !untouched {
            self.fill_omitted(table)?;
            return Ok(self.matching(table, conditions));
        }
        let Some(schema) = self.session.schema.table(table) else {
            return Ok(Vec::new());
        };
        let view = self.tables.get(table);
        let columns = columns_but(schema, |c| {
            view.is_some_and(|v| v.omitted.iter().any(|o| o == c))
        });
        let rows =
            self.select_rows(Operation::select(table, conditions.to_vec()).with_columns(columns))?;
        let mut found: Vec<Uuid> = rows
            .iter()
            .filter_map(|r| match r.get("_uuid")?.as_scalar()? {
                Atom::Uuid(u) => Some(*u),
                _ => None,
            })
            .collect();
        found.sort_unstable();
        self.absorb(table, conditions.to_vec(), rows);
        Ok(found)
    }

    /// The UUIDs of the rows of `table` that match `conditions` now (with this run's changes),
    /// in UUID order. Asks the server unless the whole table is already here.
    pub fn query(&mut self, table: &str, conditions: &[Condition]) -> CtlResult<Vec<Uuid>> {
        if conditions
            .iter()
            .any(|c| self.is_omitted(table, c.column.as_str()))
        {
            return self.query_omitted(table, conditions);
        }
        // The caller will read the rows it finds: with every column.
        self.fill_omitted(table)?;
        // The rows a query asked before selected are held, and any row that matches only
        // because of this run's changes was read (or made) by this run: the view answers.
        let held = self
            .tables
            .get(table)
            .is_some_and(|v| v.complete || v.fetched.iter().any(|c| c == conditions));
        if !held {
            self.fetch(table, conditions.to_vec())?;
        }
        Ok(self.matching(table, conditions))
    }

    /// The rows already held that match `conditions` (no server round trip).
    fn matching(&self, table: &str, conditions: &[Condition]) -> Vec<Uuid> {
        let Some(view) = self.tables.get(table) else {
            return Vec::new();
        };
        view.rows
            .iter()
            .filter_map(|(uuid, e)| {
                let row = e.row()?;
                condition::matches(*uuid, row, conditions).then_some(*uuid)
            })
            .collect()
    }

    /// Every row of `table` now, in UUID order.
    pub fn all(&mut self, table: &str) -> CtlResult<Vec<Uuid>> {
        self.load_table(table)?;
        Ok(self.matching(table, &[]))
    }

    /// The row `uuid` of `table` (every column), reading it from the server if it is not
    /// held yet.
    pub fn fetch_row(&mut self, table: &str, uuid: Uuid) -> CtlResult<Option<&Row>> {
        self.fill_omitted(table)?;
        let held = self
            .tables
            .get(table)
            .is_some_and(|v| v.complete || v.rows.contains_key(&uuid));
        if !held {
            self.fetch(table, vec![Condition::eq("_uuid", Atom::Uuid(uuid))])?;
        }
        Ok(self.row(table, uuid))
    }

    /// The row `uuid` of `table` if it is held (after a query or fetch) and not deleted.
    pub fn row(&self, table: &str, uuid: Uuid) -> Option<&Row> {
        self.tables.get(table)?.rows.get(&uuid)?.row()
    }

    /// A column of a held row (the column's default if the row lacks it). A column a read
    /// left out ([`Context::load_table_omitting`]) must be filled in first.
    pub fn value(&self, table: &str, uuid: Uuid, column: &str) -> Datum {
        if column == "_uuid" {
            return Datum::from(Atom::Uuid(uuid));
        }
        debug_assert!(
            !self.is_omitted(table, column)
                || self.row(table, uuid).is_some_and(|r| r.contains(column)),
            "{table}.{column} was left out of the read; fill_omitted first"
        );
        if let Some(d) = self.row(table, uuid).and_then(|r| r.get(column)) {
            return d.clone();
        }
        self.column_type(table, column)
            .map(|t| t.default_datum())
            .unwrap_or_else(|_| Datum::empty_set())
    }

    /// A column of a held row as the C IDL shows it to a command: like [`Context::value`],
    /// except that a column changed only through mutations in this run (the IDL's
    /// `_addvalue` / `_delvalue`) still shows its value from before the run, since the IDL
    /// applies such partial updates only when the transaction commits.
    pub fn idl_value(&self, table: &str, uuid: Uuid, column: &str) -> Datum {
        let entry = self.tables.get(table).and_then(|v| v.rows.get(&uuid));
        match entry {
            Some(e) if e.mutated.contains_key(column) && !e.shown.iter().any(|c| c == column) => e
                .orig
                .as_ref()
                .and_then(|o| o.get(column).cloned())
                .or_else(|| {
                    self.column_type(table, column)
                        .ok()
                        .map(|t| t.default_datum())
                })
                .unwrap_or_else(|| self.value(table, uuid, column)),
            _ => self.value(table, uuid, column),
        }
    }

    /// The rows of `refs` (a column's UUIDs) in `table`, fetching those not held in one select.
    pub fn fetch_refs(&mut self, table: &str, refs: &Datum) -> CtlResult<Vec<Uuid>> {
        let uuids: Vec<Uuid> = uuids_of(refs);
        let complete = self.tables.get(table).is_some_and(|v| v.complete);
        if !complete {
            let missing: Vec<Uuid> = uuids
                .iter()
                .copied()
                .filter(|u| {
                    !self
                        .tables
                        .get(table)
                        .is_some_and(|v| v.rows.contains_key(u))
                })
                .collect();
            // One select per row (a `where` is an AND), all in one round trip; past a few
            // thousand rows the whole table is cheaper.
            if missing.len() > 4096 {
                self.load_table(table)?;
            } else if !missing.is_empty() {
                let clauses = missing
                    .into_iter()
                    .map(|u| vec![Condition::eq("_uuid", Atom::Uuid(u))])
                    .collect();
                self.fetch_many(table, clauses)?;
            }
        }
        Ok(uuids
            .into_iter()
            .filter(|u| self.row(table, *u).is_some())
            .collect())
    }

    // ---------------------------------------------------------------- writes

    /// Creates a row (with `uuid`, or a new one) whose columns are the schema's defaults
    /// overridden by `row`; returns its UUID.
    pub fn insert(&mut self, table: &str, uuid: Option<Uuid>, row: Row) -> CtlResult<Uuid> {
        let schema = self.table_schema(table)?;
        let mut full = Row::new();
        for (name, col) in &schema.columns {
            full.insert(name.as_str(), col.column_type.default_datum());
        }
        for (name, datum) in row.iter() {
            full.insert(name, datum.clone());
        }
        let uuid = uuid.unwrap_or_else(Uuid::new_v4);
        self.tables
            .entry(table.to_string())
            .or_default()
            .rows
            .insert(
                uuid,
                Entry {
                    orig: None,
                    state: State::Changed(full),
                    mutated: BTreeMap::new(),
                    shown: Vec::new(),
                },
            );
        Ok(uuid)
    }

    /// Changes one column of a held row.
    pub fn set(&mut self, table: &str, uuid: Uuid, column: &str, value: Datum) -> CtlResult<()> {
        self.modify(table, uuid, |row| {
            row.insert(column, value);
        })?;
        if let Some(e) = self
            .tables
            .get_mut(table)
            .and_then(|v| v.rows.get_mut(&uuid))
        {
            e.mutated.remove(column);
        }
        Ok(())
    }

    /// Inserts elements into (`Mutator::Insert`) or deletes them from (`Mutator::Delete`) a
    /// set or map column of a held row: applied here at once, and sent as a `mutate`
    /// unless the column is also written whole in this run.
    pub fn mutate(&mut self, table: &str, uuid: Uuid, mutation: Mutation) -> CtlResult<()> {
        let column = mutation.column.to_string();
        let unread = self.is_omitted(table, &column)
            && self.row(table, uuid).is_some_and(|r| !r.contains(&column));
        if unread {
            // The column's value is not here (a read left it out): the mutation is only
            // recorded, sent as a `mutate`, and applied when the column is read.
            self.modify(table, uuid, |_| {})?;
            if let Some(e) = self
                .tables
                .get_mut(table)
                .and_then(|v| v.rows.get_mut(&uuid))
            {
                e.mutated.entry(column).or_default().push(mutation);
            }
            return Ok(());
        }
        let mut value = self.value(table, uuid, &column);
        // A column already written whole in this run stays written whole.
        let written = self
            .tables
            .get(table)
            .and_then(|v| v.rows.get(&uuid))
            .is_some_and(|e| {
                !e.mutated.contains_key(&column)
                    && e.orig.as_ref().map(|o| o.get(&column)) != Some(Some(&value))
            });
        // On a row new in this run the mutations are folded into its insert; they are still
        // recorded (unless the column was written whole first) for `idl_value`.
        let untouched_new = self
            .column_type(table, &column)
            .is_ok_and(|t| t.default_datum() == value);
        apply_mutation(&mut value, &mutation);
        self.modify(table, uuid, |row| {
            row.insert(column.as_str(), value);
        })?;
        if let Some(e) = self
            .tables
            .get_mut(table)
            .and_then(|v| v.rows.get_mut(&uuid))
        {
            let track = match e.orig {
                Some(_) => !written,
                None => untouched_new || e.mutated.contains_key(&column),
            };
            if track {
                e.mutated.entry(column).or_default().push(mutation);
            }
        }
        Ok(())
    }

    /// Like [`Context::mutate`], for a column the C tool writes whole (`ovs-vsctl`'s
    /// `ovsrec_bridge_set_ports(br, ports + port)`): still sent as a `mutate` (a bridge's
    /// ports need not travel twice), but later reads in the run, [`Context::idl_value`]
    /// included, see the new value at once, as the C tool's do.
    pub fn mutate_whole(&mut self, table: &str, uuid: Uuid, mutation: Mutation) -> CtlResult<()> {
        let column = mutation.column.to_string();
        self.mutate(table, uuid, mutation)?;
        if let Some(e) = self
            .tables
            .get_mut(table)
            .and_then(|v| v.rows.get_mut(&uuid))
        {
            if !e.shown.contains(&column) {
                e.shown.push(column);
            }
        }
        Ok(())
    }

    /// Applies `f` to a held row.
    pub fn modify(&mut self, table: &str, uuid: Uuid, f: impl FnOnce(&mut Row)) -> CtlResult<()> {
        let entry = self
            .tables
            .get_mut(table)
            .and_then(|v| v.rows.get_mut(&uuid))
            .ok_or_else(|| CtlError::new(format!("no row {uuid} in table {table}")))?;
        match &mut entry.state {
            State::Changed(row) => f(row),
            State::Clean => {
                let mut row = entry.orig.as_deref().cloned().unwrap_or_default();
                f(&mut row);
                entry.state = State::Changed(row);
            }
            State::Deleted => {
                return Err(CtlError::new(format!(
                    "row {uuid} in table {table} was deleted"
                )))
            }
        }
        Ok(())
    }

    /// Adds `atom` to the set column `column` of a held row.
    pub fn set_add(&mut self, table: &str, uuid: Uuid, column: &str, atom: Atom) -> CtlResult<()> {
        let mut value = self.value(table, uuid, column);
        if let Datum::Set(s) = &mut value {
            s.insert(atom);
        }
        self.set(table, uuid, column, value)
    }

    /// Removes `atom` from the set column `column` of a held row.
    pub fn set_remove(
        &mut self,
        table: &str,
        uuid: Uuid,
        column: &str,
        atom: &Atom,
    ) -> CtlResult<()> {
        let mut value = self.value(table, uuid, column);
        if let Datum::Set(s) = &mut value {
            s.remove(atom);
        }
        self.set(table, uuid, column, value)
    }

    /// Deletes a held row (sent only for root tables; see the module docs).
    pub fn delete(&mut self, table: &str, uuid: Uuid) -> CtlResult<()> {
        let entry = self
            .tables
            .get_mut(table)
            .and_then(|v| v.rows.get_mut(&uuid))
            .ok_or_else(|| CtlError::new(format!("no row {uuid} in table {table}")))?;
        entry.state = State::Deleted;
        Ok(())
    }

    /// Prints a warning as the C tools' vlog prints one on the console:
    /// `2026-01-01T00:00:00Z|00002|module|WARN|message`.
    pub fn warn(&mut self, module: &str, message: &str) {
        warn(module, message);
    }

    /// Adds an operation after this run's writes (e.g. `nb_cfg` increments); its result is
    /// returned by [`Context::commit`], in the order added.
    pub fn push_extra(&mut self, op: Operation) {
        self.extra.push(op);
    }

    /// Whether this run changed anything.
    pub fn has_writes(&self) -> bool {
        !self.write_ops().is_empty()
    }

    /// The write operations of this run.
    pub fn write_ops(&self) -> Vec<Operation> {
        let mut ops = Vec::new();
        let mut names: Vec<&String> = self.tables.keys().collect();
        names.sort();
        for name in names {
            let view = &self.tables[name];
            let is_root = self.session.schema.is_root(name);
            let schema = self.session.schema.table(name);
            for (uuid, e) in &view.rows {
                match (&e.state, &e.orig) {
                    (State::Clean, _) | (State::Deleted, None) => {}
                    (State::Changed(row), None) => {
                        let mut sent = Row::new();
                        for (col, datum) in row.iter() {
                            let default = schema
                                .and_then(|s| s.column(col))
                                .map(|c| c.column_type.default_datum());
                            if default.as_ref() != Some(datum) {
                                sent.insert(col, datum.clone());
                            }
                        }
                        ops.push(
                            Operation::insert(name.as_str(), sent)
                                .with_uuid(*uuid)
                                .into(),
                        );
                    }
                    (State::Changed(row), Some(orig)) => {
                        let mut changed = Row::new();
                        for (col, datum) in row.iter() {
                            if orig.get(col) != Some(datum) && !e.mutated.contains_key(col) {
                                changed.insert(col, datum.clone());
                            }
                        }
                        let mutations: Vec<Mutation> =
                            e.mutated.values().flatten().cloned().collect();
                        if !mutations.is_empty() {
                            ops.push(Operation::mutate(
                                name.as_str(),
                                vec![Condition::eq("_uuid", Atom::Uuid(*uuid))],
                                mutations,
                            ));
                        }
                        if !changed.is_empty() {
                            ops.push(Operation::update(
                                name.as_str(),
                                vec![Condition::eq("_uuid", Atom::Uuid(*uuid))],
                                changed,
                            ));
                        }
                    }
                    (State::Deleted, Some(_)) => {
                        if is_root {
                            ops.push(Operation::delete(
                                name.as_str(),
                                vec![Condition::eq("_uuid", Atom::Uuid(*uuid))],
                            ));
                        }
                    }
                }
            }
        }
        ops
    }

    /// Sends the guards, the writes and the extra operations as one transaction (with an
    /// `abort` at the end under `--dry-run`). Read-only runs send nothing.
    pub fn commit(&mut self, comment: Option<String>) -> CtlResult<Commit> {
        let writes = self.write_ops();
        if writes.is_empty() && self.extra.is_empty() {
            return Ok(Commit::Unchanged);
        }
        let mut ops = std::mem::take(&mut self.guards);
        let n_guards = ops.len();
        ops.extend(writes);
        let first_extra = ops.len();
        ops.append(&mut self.extra);
        if let Some(c) = comment {
            ops.push(Operation::comment(c));
        }
        if self.opts.dry_run {
            ops.push(Operation::abort());
        }
        match self.session.transact(&ops) {
            Ok(mut results) => {
                let n_extra = ops.len() - first_extra;
                let extra: Vec<OperationResult> =
                    results.drain(first_extra..).take(n_extra).collect();
                Ok(Commit::Done(extra))
            }
            Err(ClientError::Transact(TransactError::Operation { index, error, .. }))
                if index < n_guards && error.is(ovsdb::ops::OperationError::TIMED_OUT) =>
            {
                Ok(Commit::Retry)
            }
            Err(ClientError::Transact(TransactError::Operation { error, .. }))
                if self.opts.dry_run && error.is(ovsdb::ops::OperationError::ABORTED) =>
            {
                Ok(Commit::Done(Vec::new()))
            }
            Err(e) => {
                let error = transaction_error(&e);
                // The C IDL logs every failed transaction before the tool reports it.
                warn("ovsdb_idl", &error.message);
                Err(error)
            }
        }
    }
}

/// What ovsdb-server does to a column for an `insert` or `delete` mutation: a set gains or
/// loses the elements; a map gains the pairs whose keys are new (existing keys keep their
/// value) and loses the given keys (a set argument) or the given pairs (a map argument).
pub fn apply_mutation(value: &mut Datum, mutation: &Mutation) {
    match (mutation.mutator, value, &mutation.value) {
        (Mutator::Insert, Datum::Set(v), Datum::Set(a)) => {
            for x in a.iter() {
                v.insert(x.clone());
            }
        }
        (Mutator::Insert, Datum::Map(v), Datum::Map(a)) => {
            for (k, x) in a.iter() {
                if v.get(k).is_none() {
                    v.insert(k.clone(), x.clone());
                }
            }
        }
        (Mutator::Delete, Datum::Set(v), Datum::Set(a)) => {
            for x in a.iter() {
                v.remove(x);
            }
        }
        (Mutator::Delete, Datum::Map(v), Datum::Set(keys)) => {
            for k in keys.iter() {
                v.remove(k);
            }
        }
        (Mutator::Delete, Datum::Map(v), Datum::Map(pairs)) => {
            for (k, x) in pairs.iter() {
                if v.get(k) == Some(x) {
                    v.remove(k);
                }
            }
        }
        _ => {}
    }
}

static LOG_SEQ: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(2);

/// Prints a warning in vlog's console format (see [`Context::warn`]).
pub fn warn(module: &str, message: &str) {
    log(module, "WARN", message);
}

/// Prints a message at `level` (`ERR`, `WARN`, ...) in vlog's console format.
pub fn log(module: &str, level: &str, message: &str) {
    let seq = LOG_SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    log_numbered(seq, module, level, message);
}

/// Prints one vlog console line with sequence number `seq`: `TIME|SEQ|MODULE|LEVEL|MESSAGE`.
pub(crate) fn log_numbered(seq: u32, module: &str, level: &str, message: &str) {
    eprintln!("{}|{seq:05}|{module}|{level}|{message}", utc_now());
}

/// The current UTC time as `YYYY-MM-DDTHH:MM:SSZ`.
fn utc_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Takes `_uuid` and `_version` out of a row the server sent: its UUID, and the row a guard
/// compares (`_uuid` and `_version` only).
pub(crate) fn split_identity(row: &mut Row) -> Option<(Uuid, Row)> {
    let uuid = uuid_value(&row.remove("_uuid")?)?;
    let version = row.remove("_version").as_ref().and_then(uuid_value);
    Some((uuid, guard_row(uuid, version)))
}

/// The row that guards a read of row `uuid`: its `_uuid`, and its `_version` if known.
pub(crate) fn guard_row(uuid: Uuid, version: Option<Uuid>) -> Row {
    let mut row = Row::new().with("_uuid", Atom::Uuid(uuid));
    if let Some(v) = version {
        row.insert("_version", Datum::from(Atom::Uuid(v)));
    }
    row
}

/// The UUID a `_uuid` / `_version` value holds.
pub(crate) fn uuid_value(value: &Datum) -> Option<Uuid> {
    match value.as_scalar()? {
        Atom::Uuid(u) => Some(*u),
        _ => None,
    }
}

/// The UUIDs in a datum (a set of references, or the values of a map of references).
pub fn uuids_of(datum: &Datum) -> Vec<Uuid> {
    match datum {
        Datum::Set(s) => s
            .iter()
            .filter_map(|a| match a {
                Atom::Uuid(u) => Some(*u),
                _ => None,
            })
            .collect(),
        Datum::Map(m) => m
            .iter()
            .filter_map(|(_, v)| match v {
                Atom::Uuid(u) => Some(*u),
                _ => None,
            })
            .collect(),
    }
}
