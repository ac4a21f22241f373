//! Record lookups the tools need: rows by name, by an `external_ids` entry or key, or by any
//! typed condition, each one `select` that fetches only the columns the row type maps.

use std::collections::BTreeMap;

use crate::client::Client;
use crate::monitor::MonitorRequest;
use crate::ops::{Operation, Select};

use super::capabilities::Capabilities;
use super::column::{Column, TypedCondition};
use super::table::Table;
use super::Error;

/// A table with a scalar string column `name` (`Logical_Switch`, `Bridge`, `Chassis`, ...),
/// implemented by the generated row types that have one.
pub trait Named: Table {
    /// The `name` column.
    const NAME_COLUMN: Column<Self, String>;

    /// The row's name.
    fn row_name(&self) -> &str;
}

/// A table with an `external_ids` column (a string-to-string map), implemented by the
/// generated row types that have one.
pub trait ExternalIds: Table {
    /// The `external_ids` column.
    const EXTERNAL_IDS_COLUMN: Column<Self, BTreeMap<String, String>>;

    /// The row's `external_ids`.
    fn external_ids(&self) -> &BTreeMap<String, String>;
}

/// The rows of `T` in `database` that match every condition (all rows with none), with the
/// columns `T` maps and `_uuid`.
pub async fn select<T: Table>(
    client: &Client,
    database: &str,
    conds: impl IntoIterator<Item = TypedCondition<T>>,
) -> Result<Vec<T>, Error> {
    let columns = std::iter::once("_uuid").chain(T::COLUMNS.iter().copied());
    select_columns(client, database, conds, columns).await
}

async fn select_columns<T: Table>(
    client: &Client,
    database: &str,
    conds: impl IntoIterator<Item = TypedCondition<T>>,
    columns: impl IntoIterator<Item = &'static str>,
) -> Result<Vec<T>, Error> {
    let op: Operation = Select::new(
        T::TABLE,
        conds
            .into_iter()
            .map(TypedCondition::into_condition)
            .collect(),
    )
    .with_columns(columns)
    .into();
    let results = client.transact(database, std::slice::from_ref(&op)).await?;
    let rows = results
        .into_iter()
        .next()
        .and_then(|r| r.into_rows())
        .unwrap_or_default();
    rows.iter()
        .map(|r| T::from_row(r).map_err(Error::from))
        .collect()
}

/// [`select`] for a server that may lack some of the columns `T` maps (an older server):
/// only the columns `capabilities` has are fetched, the others take their defaults.
pub async fn select_supported<T: Table>(
    client: &Client,
    database: &str,
    capabilities: &Capabilities,
    conds: impl IntoIterator<Item = TypedCondition<T>>,
) -> Result<Vec<T>, Error> {
    let columns = std::iter::once("_uuid").chain(capabilities.columns_of::<T>());
    select_columns(client, database, conds, columns).await
}

/// The rows of `T` whose `name` is `name` (names are unique in some tables only, hence a
/// `Vec`).
pub async fn by_name<T: Named>(
    client: &Client,
    database: &str,
    name: &str,
) -> Result<Vec<T>, Error> {
    select(client, database, [T::NAME_COLUMN.eq(name)]).await
}

/// The rows of `T` whose `external_ids` map `key` to `value` (one `includes` condition,
/// evaluated by the server).
pub async fn by_external_id<T: ExternalIds>(
    client: &Client,
    database: &str,
    key: &str,
    value: &str,
) -> Result<Vec<T>, Error> {
    select(
        client,
        database,
        [T::EXTERNAL_IDS_COLUMN.contains_entry(key, value)],
    )
    .await
}

/// The rows of `T` whose `external_ids` have `key`, whatever its value. OVSDB has no
/// condition for "has this key", so this reads the rows and filters them here.
pub async fn with_external_id_key<T: ExternalIds>(
    client: &Client,
    database: &str,
    key: &str,
) -> Result<Vec<T>, Error> {
    let rows: Vec<T> = select(client, database, std::iter::empty()).await?;
    Ok(rows
        .into_iter()
        .filter(|r| r.external_ids().contains_key(key))
        .collect())
}

/// A monitor request for table `T` with just the columns `T` maps, for
/// [`Client::monitor`](crate::client::Client::monitor): a controller that derives a small
/// view of a table monitors only what it uses.
pub fn monitor_request<T: Table>() -> (String, MonitorRequest) {
    (
        T::TABLE.to_owned(),
        MonitorRequest::columns(T::COLUMNS.iter().copied()),
    )
}
