//! Typed `OVN_Northbound` schema (OVN 23.03, schema 7.0.0), generated at compile time from
//! the vendored `ovn-nb.ovsschema` (see `SCHEMA-ORIGIN.md`) by `ovsdb_derive::schema!`.
//!
//! Per table there is a row type (`LogicalSwitch`, `LogicalSwitchPort`, `Acl`, ...)
//! implementing [`ovsdb::typed::Table`], an update type (`LogicalSwitchPortUpdate`) whose
//! setters tell "set, maybe to empty" from "leave unchanged", column constants for typed
//! conditions and mutations (`LogicalSwitchPort::NAME`), and enums for enum-constrained
//! columns (`AclAction`) that keep values a newer server sends in their `Other` variant.
//! [`NAME`], [`VERSION`], [`CKSUM`] and [`schema()`] describe the schema itself;
//! [`by_name`], [`by_external_id`], [`with_external_id_key`] and [`select`] are the lookups.
//!
//! A switch with two ports, in one transaction:
//!
//! ```
//! use ovn_nb::{LogicalSwitch, LogicalSwitchPort};
//! use ovsdb::client::{Client, ClientOptions};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let sandbox = ovsdb::testing::Sandbox::start(&["/usr/share/ovn/ovn-nb.ovsschema"])?;
//! # let remote = sandbox.remote();
//! let client = Client::connect(ClientOptions::new(&remote)?.database(ovn_nb::NAME)).await?;
//!
//! let mut txn = ovn_nb::transaction();
//! let p1 = txn.insert(&LogicalSwitchPort {
//!     name: "p1".into(),
//!     addresses: ["00:00:00:00:00:01 10.0.0.1".to_string()].into(),
//!     ..Default::default()
//! });
//! let p2 = txn.insert(&LogicalSwitchPort {
//!     name: "p2".into(),
//!     tag_request: Some(100),
//!     ..Default::default()
//! });
//! let sw0 = txn.insert(&LogicalSwitch {
//!     name: "sw0".into(),
//!     ports: [p1, p2].into(),
//!     ..Default::default()
//! });
//! let done = txn.commit(&client).await?;
//! let sw0 = done.resolve(&sw0).ok_or("no UUID for the new switch")?;
//!
//! // Read it back with a typed lookup.
//! let found: Vec<LogicalSwitch> = ovn_nb::by_name(&client, "sw0").await?;
//! assert_eq!(found[0].row_ref(), Some(sw0.clone()));
//! assert_eq!(found[0].ports.len(), 2);
//!
//! // Clear p2's tag_request, leave every other column alone.
//! let mut txn = ovn_nb::transaction();
//! txn.update(
//!     [LogicalSwitchPort::NAME.eq("p2")],
//!     &LogicalSwitchPort::update().tag_request(None),
//! );
//! txn.commit(&client).await?;
//! # use ovsdb::typed::Table;
//! # Ok(())
//! # }
//! ```
//!
//! # Schema skew
//!
//! A newer server (extra tables, columns or enum values) works unchanged: decoding ignores
//! what it does not know. An older server that lacks a table or column is not refused:
//! [`capabilities`] says what it has (`has_column`, `supports::<T>()`,
//! `missing_columns_of(&schema()?)`), and [`ovsdb::typed::Transaction::with_capabilities`]
//! and [`select_supported`] leave the missing columns out of what they send.
#![warn(missing_docs)]

ovsdb_derive::schema!("ovn-nb.ovsschema");

/// The README's examples (library and typed schemas), compiled and run as doctests so they
/// stay true. They live here because only this crate sees both `ovsdb` and `ovn_nb`.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
