//! # ovsdb
//!
//! The protocol core of a native OVSDB stack for Rust: the RFC 7047 data model, schemas,
//! operations and JSON-RPC wire codec, plus (in later layers) the async client and replica.
//!
//! Each module maps to one section of [RFC 7047](https://www.rfc-editor.org/rfc/rfc7047):
//!
//! | RFC 7047 section            | module     |
//! |-----------------------------|------------|
//! | 5.1 notation (atoms, sets, maps, uuids) | [`data`]   |
//! | 3.2 schema format           | [`schema`] |
//! | 5.2 operations, conditions, mutations, results | [`ops`] |
//! | 4.1 wire protocol (JSON-RPC 1.0 framing) | [`wire`]   |
//!
//! ```
//! use ovsdb::data::{Atom, Datum};
//!
//! // A one-element set travels as its bare atom and decodes either way.
//! let d: Datum = serde_json::from_str(r#"["set",["b","a"]]"#).unwrap();
//! assert_eq!(d.len(), 2);
//! let one: Datum = serde_json::from_str(r#""a""#).unwrap();
//! assert_eq!(one, Datum::from(Atom::from("a")));
//! ```
#![warn(missing_docs)]

pub mod client;
pub mod data;
pub mod monitor;
pub mod ops;
pub mod replica;
pub mod schema;
#[cfg(feature = "testing")]
pub mod testing;
pub mod transport;
pub mod typed;
pub mod wire;
