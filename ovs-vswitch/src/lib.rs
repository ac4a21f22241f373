//! Typed `Open_vSwitch` schema (OVS 3.1, schema 8.3.1), generated at compile time from the vendored
//! `vswitch.ovsschema` (see `SCHEMA-ORIGIN.md`) by `ovsdb_derive::schema!`.
//!
//! Per table there is a row type implementing [`ovsdb::typed::Table`], an update type whose
//! setters tell "set, maybe to empty" from "leave unchanged", column constants for typed
//! conditions and mutations, and enums for enum-constrained columns that keep values a newer
//! server sends. [`NAME`], [`VERSION`], [`CKSUM`] and [`schema()`] describe the schema;
//! [`by_name`], [`by_external_id`], [`with_external_id_key`] and [`select`] are the lookups;
//! [`capabilities`] and [`select_supported`] handle a server older than this schema.
//!
//! ```
//! use ovsdb::data::Row;
//! use ovsdb::typed::Table;
//!
//! let row = Row::new().with("name", "x");
//! let typed = ovs_vswitch::Bridge::try_from(&row)?;
//! assert_eq!(typed.name, "x");
//! assert_eq!(ovs_vswitch::Bridge::NAME.name(), "name");
//! assert_eq!(<ovs_vswitch::Bridge as Table>::TABLE, "Bridge");
//! # Ok::<(), ovsdb::typed::DecodeError>(())
//! ```
#![warn(missing_docs)]

ovsdb_derive::schema!("vswitch.ovsschema");
