//! Proc-macros that turn an `.ovsschema` file, and user structs, into typed Rust for the
//! [`ovsdb`](https://docs.rs/ovsdb) crate's `typed` module.
//!
//! * [`schema!`]: reads a schema file at compile time and generates, per table, a row type,
//!   an update type, enums for enum-constrained string columns, typed references and column
//!   constants, plus the schema's name, version and checksum. The `ovn-nb`, `ovn-sb` and
//!   `ovs-vswitch` crates are made with it.
//! * [`derive@Table`]: maps a user struct to some columns of one table, so a controller
//!   reads and monitors only what it uses.
//!
//! The generated code refers to `::ovsdb::...`, so the calling crate depends on `ovsdb`.
//!
//! How the code is organised, like serde_derive: `model` reads the input (the schema
//! file) into plain data, `gen_schema` and `derive_table` turn it into tokens; every error
//! points at the user's span (the path literal, the attribute, the field).

use std::path::PathBuf;

use proc_macro::TokenStream;
use syn::{parse_macro_input, DeriveInput, LitStr};

mod derive_table;
mod gen_schema;
mod model;
mod names;

/// Reads and parses a schema file named relative to the calling crate's
/// `CARGO_MANIFEST_DIR`; errors point at the path literal.
fn load_schema(lit: &LitStr) -> syn::Result<(model::Schema, String)> {
    let rel = lit.value();
    let base = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_default();
    let path = base.join(&rel);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        syn::Error::new_spanned(
            lit,
            format!(
                "cannot read schema file \"{rel}\" (paths are relative to the directory of \
                 the crate's Cargo.toml): {e}"
            ),
        )
    })?;
    let schema = model::parse_schema(&text)
        .map_err(|e| syn::Error::new_spanned(lit, format!("invalid schema file \"{rel}\": {e}")))?;
    let path = path
        .to_str()
        .ok_or_else(|| syn::Error::new_spanned(lit, "the schema path is not valid UTF-8"))?
        .to_owned();
    Ok((schema, path))
}

/// Generates typed Rust for every table of an `.ovsschema` file.
///
/// ```
/// // Relative to the calling crate's Cargo.toml (here: this crate's test schema).
/// ovsdb_derive::schema!("tests/demo.ovsschema");
///
/// assert_eq!(NAME, "Demo");
/// let port = Port { name: "p1".into(), tag: Some(7), ..Default::default() };
/// let row = ovsdb::data::Row::from(&port);
/// assert_eq!(Port::try_from(&row).unwrap(), port);
/// ```
///
/// expands, in place, to:
///
/// * `NAME`, `VERSION`, `CKSUM`, `SCHEMA_JSON` (the file, through `include_str!`, so editing
///   it rebuilds the crate), `TABLES`, `schema()` (the parsed `DatabaseSchema`),
///   `transaction()`, `capabilities(&client)`, and the lookups `select`, `by_name`,
///   `by_external_id`, `with_external_id_key`;
/// * per table, e.g. `Logical_Switch_Port`:
///   * `struct LogicalSwitchPort` with `uuid: Option<Uuid>`, `version: Option<Uuid>` and one
///     field per column (snake case, keywords raw: `r#type`), typed `i64`, `f64`, `bool`,
///     `String`, `Uuid` or `Ref<OtherTable>`; `Option<T>` for `0..1` columns,
///     `BTreeSet<T>` for sets, `BTreeMap<K, V>` for maps; implementing
///     `ovsdb::typed::Table`, `TryFrom<&Row>` and `From<&LogicalSwitchPort> for Row`;
///   * a `Column` constant per column (`LogicalSwitchPort::NAME`, `::ADDRESSES`, ...,
///     `::UUID`);
///   * `struct LogicalSwitchPortUpdate` whose setters tell "set (maybe to empty)" from
///     "leave unchanged";
///   * `Named` / `ExternalIds` impls for tables with a `name` / `external_ids` column;
/// * per enum-constrained string column, an enum (`AclAction`) with an extra variant for
///   values a newer server may send;
/// * `AnyRow`, a row of any table.
#[proc_macro]
pub fn schema(input: TokenStream) -> TokenStream {
    let lit = parse_macro_input!(input as LitStr);
    let (schema, path) = match load_schema(&lit) {
        Ok(s) => s,
        Err(e) => return e.to_compile_error().into(),
    };
    match gen_schema::generate(&schema, &path) {
        Ok(tokens) => tokens.into(),
        Err(e) => syn::Error::new_spanned(&lit, e).to_compile_error().into(),
    }
}

/// Maps a struct with named fields to some columns of one table.
///
/// ```
/// use std::collections::BTreeMap;
/// use ovsdb::data::Uuid;
///
/// #[derive(Debug, Clone, PartialEq, ovsdb_derive::Table)]
/// #[ovsdb(table = "Switch", schema = "tests/demo.ovsschema")]
/// struct Switch {
///     #[ovsdb(uuid)]
///     id: Option<Uuid>,
///     name: String,
///     #[ovsdb(column = "external_ids")]
///     ids: BTreeMap<String, String>,
/// }
///
/// let sw = Switch { id: None, name: "sw0".into(), ids: BTreeMap::from([("k".into(), "v".into())]) };
/// let row = <Switch as ovsdb::typed::Table>::to_row(&sw);
/// assert_eq!(<Switch as ovsdb::typed::Table>::from_row(&row).unwrap(), sw);
/// ```
///
/// * `#[ovsdb(table = "...")]` (required) names the table; `schema = "file.ovsschema"`
///   (optional, relative to the crate's `Cargo.toml`) checks the table and every column at
///   compile time.
/// * A field maps the column of its name, or `#[ovsdb(column = "...")]`;
///   `#[ovsdb(uuid)]` and `#[ovsdb(version)]` map `_uuid` and `_version` (as
///   `Option<Uuid>`). Field types implement `ovsdb::typed::Value`.
/// * The struct must also implement `Debug`, `Clone` and `PartialEq`.
///
/// Generates `ovsdb::typed::Table` (with `COLUMNS` for a monitor of just these columns),
/// `TryFrom<&Row>`, `From<&Struct> for Row`, and a `Column` constant per field, named after
/// the field in upper case.
#[proc_macro_derive(Table, attributes(ovsdb))]
pub fn derive_table(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    derive_table::derive(input)
        .unwrap_or_else(|e| e.to_compile_error())
        .into()
}
