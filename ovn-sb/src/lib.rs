//! Typed `OVN_Southbound` schema (OVN 23.03, schema 20.27.0), generated at compile time from the vendored
//! `ovn-sb.ovsschema` (see `SCHEMA-ORIGIN.md`) by `ovsdb_derive::schema!`.
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
//! let typed = ovn_sb::Chassis::try_from(&row)?;
//! assert_eq!(typed.name, "x");
//! assert_eq!(ovn_sb::Chassis::NAME.name(), "name");
//! assert_eq!(<ovn_sb::Chassis as Table>::TABLE, "Chassis");
//! # Ok::<(), ovsdb::typed::DecodeError>(())
//! ```
#![warn(missing_docs)]

ovsdb_derive::schema!("ovn-sb.ovsschema");
