//! Database operations (RFC 7047 5.2): what a `transact` request carries, and how to read its
//! reply (RFC 7047 4.1.3).
//!
//! A transaction is a list of [`Operation`]s that ovsdb-server applies atomically: all of them
//! take effect or none does. Operations select rows with [`Condition`]s, change them with
//! [`Mutation`]s, and refer to rows inserted earlier in the same transaction by their
//! [`UuidName`]. The reply decodes, with the operations that were sent, into one
//! [`OperationResult`] per operation, or a [`TransactError`] saying which operation failed (or
//! that the commit did) and why.
//!
//! | notion | file |
//! |---|---|
//! | `<condition>`, `<function>` | [`condition`] |
//! | `<mutation>`, `<mutator>` | [`mutation`] |
//! | operations, `uuid-name` | [`operation`], [`uuid_name`] |
//! | per-operation results, `<error>` | [`result`] |
//! | the transact reply | [`reply`] |
//! | values the constructors accept | [`value`] |
//!
//! ```
//! use ovsdb::data::{Atom, Datum, Row};
//! use ovsdb::ops::{
//!     decode_transact_reply_str, Condition, Mutation, Operation, OperationResult, UuidName,
//! };
//!
//! // Add a port to switch sw0: insert the port, then reference it by its uuid-name.
//! let port = UuidName::new("new_port")?;
//! let ops: Vec<Operation> = vec![
//!     Operation::insert("Logical_Switch_Port", Row::new().with("name", Atom::from("lsp0")))
//!         .with_uuid_name(port.clone())
//!         .into(),
//!     Operation::mutate(
//!         "Logical_Switch",
//!         vec![Condition::eq("name", "sw0")],
//!         vec![Mutation::insert("ports", port.reference())],
//!     ),
//! ];
//! assert_eq!(
//!     serde_json::to_string(&ops)?,
//!     r#"[{"op":"insert","table":"Logical_Switch_Port","row":{"name":"lsp0"},"uuid-name":"new_port"},{"op":"mutate","table":"Logical_Switch","where":[["name","==","sw0"]],"mutations":[["ports","insert",["set",[["named-uuid","new_port"]]]]]}]"#
//! );
//!
//! // What ovsdb-server answers when the switch exists...
//! let reply = r#"[{"uuid":["uuid","36b6ab4c-3c0b-4b3c-9c4f-0d2b7c1e6a10"]},{"count":1}]"#;
//! let results = decode_transact_reply_str(&ops, reply)?;
//! assert_eq!(results[1], OperationResult::Mutate { count: 1 });
//!
//! // ... and when a port by that name already exists (the port table is indexed by name).
//! let reply = r#"[{"uuid":["uuid","36b6ab4c-3c0b-4b3c-9c4f-0d2b7c1e6a10"]},{"count":1},
//!                 {"error":"constraint violation","details":"Transaction causes multiple rows in \"Logical_Switch_Port\" table to have identical values (\"lsp0\") for index on column \"name\"."}]"#;
//! let err = decode_transact_reply_str(&ops, reply).unwrap_err();
//! assert_eq!(err.failed_index(), None); // the commit failed, not one operation
//! assert!(err.to_string().starts_with("the transaction could not be committed: constraint violation"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod clause;
pub mod condition;
pub mod mutation;
pub mod operation;
pub mod reply;
pub mod result;
pub mod uuid_name;
pub mod value;

pub use self::condition::{Condition, Function};
pub use self::mutation::{Mutation, Mutator};
pub use self::operation::{Delete, Insert, Mutate, OpKind, Operation, Select, Until, Update, Wait};
pub use self::reply::{
    decode_transact_reply, decode_transact_reply_slice, decode_transact_reply_str, TransactError,
    TransactReplySeed,
};
pub use self::result::{OperationError, OperationResult};
pub use self::uuid_name::{InvalidUuidName, UuidName};
pub use self::value::IntoDatum;

#[cfg(test)]
mod proptests;
