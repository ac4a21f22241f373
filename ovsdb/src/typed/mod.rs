//! Typed access to OVSDB tables: the runtime side of `ovsdb_derive::schema!` and
//! `#[derive(ovsdb_derive::Table)]`.
//!
//! The typed crates (`ovn-nb`, `ovn-sb`, `ovs-vswitch`) generate, per table, a row type
//! implementing [`Table`] (conversions with the dynamic [`Row`](crate::data::Row)), an
//! update type implementing [`TableUpdate`] (each column untouched or set, possibly to
//! empty), and [`Column`] constants from which [`TypedCondition`]s and [`TypedMutation`]s
//! are built. [`Transaction`] composes typed operations into one `transact`, with
//! [`Ref`]erences between the rows it inserts.
//!
//! | piece | role |
//! |---|---|
//! | [`Atomic`], [`Value`] | Rust values <-> atoms and datums |
//! | [`Ref<T>`] | a reference to a row of `T` (UUID or uuid-name) |
//! | [`Column<T, V>`] | a column of `T` of type `V`: conditions, mutations |
//! | [`Table`], [`TableUpdate`] | typed rows and partial updates |
//! | [`Transaction`], [`Committed`] | typed operations in one transaction, and its outcome |
//! | [`Capabilities`] | which tables and columns the server actually has |
//! | [`lookup`] | rows by name, by `external_ids`, by condition |

pub mod capabilities;
pub mod column;
pub mod lookup;
pub mod reference;
pub mod replica;
pub mod table;
pub mod txn;
pub mod value;

pub use self::capabilities::Capabilities;
pub use self::column::{Column, ColumnId, TypedCondition, TypedMutation};
pub use self::lookup::{ExternalIds, Named};
pub use self::reference::Ref;
pub use self::replica::TypedEvent;
pub use self::table::{
    decode_column, decode_uuid, uuid_of, AsRowUuid, DecodeError, Table, TableUpdate,
};
pub use self::txn::{where_ref, Committed, Selected, Transaction};
pub use self::value::{scalar_from_datum, Atomic, Value, ValueError};

/// What went wrong with a typed request: the client call, or reading its rows.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request failed.
    #[error(transparent)]
    Client(#[from] crate::client::Error),
    /// A row of the reply did not fit the row type.
    #[error(transparent)]
    Decode(#[from] DecodeError),
}
