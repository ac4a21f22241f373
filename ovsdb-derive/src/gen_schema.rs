//! The output side of `schema!`: tokens for every table of a parsed schema.

use std::collections::BTreeMap;

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

use crate::model::{AtomicType, BaseType, Column, ColumnType, Schema, Shape, Table};
use crate::names;

/// A string enum to generate.
struct EnumDef {
    ident: Ident,
    values: Vec<String>,
    doc: String,
}

/// Everything generated code needs to know about one column.
struct ColumnGen<'a> {
    col: &'a Column,
    field: Ident,
    konst: Ident,
    ty: TokenStream,
    doc: String,
}

/// The Rust type of one atom.
fn atom_ty(base: &BaseType, enum_ident: Option<&Ident>) -> TokenStream {
    if let Some(e) = enum_ident {
        return quote!(#e);
    }
    match base.atomic {
        AtomicType::Integer => quote!(i64),
        AtomicType::Real => quote!(f64),
        AtomicType::Boolean => quote!(bool),
        AtomicType::String => quote!(::std::string::String),
        AtomicType::Uuid => match &base.ref_table {
            Some(t) => {
                let t = Ident::new(&names::camel(t), Span::call_site());
                quote!(::ovsdb::typed::Ref<#t>)
            }
            None => quote!(::ovsdb::data::Uuid),
        },
    }
}

fn describe_base(base: &BaseType) -> String {
    let mut s = match (&base.ref_table, base.atomic) {
        (Some(t), _) => format!(
            "{} reference to `{t}`",
            if base.ref_weak { "weak" } else { "strong" }
        ),
        (None, a) => a.as_str().to_owned(),
    };
    if let Some(values) = &base.enum_strings {
        let list: Vec<String> = values.iter().map(|v| format!("`{v}`")).collect();
        s.push_str(&format!(" (one of {})", list.join(", ")));
    }
    if !base.constraints.is_empty() {
        s.push_str(&format!(" ({})", base.constraints.join(", ")));
    }
    s
}

fn describe(ty: &ColumnType) -> String {
    let key = describe_base(&ty.key);
    let count = match (ty.min, ty.max) {
        (min, None) => format!("{min} or more"),
        (min, Some(max)) => format!("{min} to {max}"),
    };
    match (ty.shape(), &ty.value) {
        (Shape::Map, Some(v)) => format!("map ({count} pairs) from {key} to {}", describe_base(v)),
        (Shape::Scalar, _) => key,
        (Shape::Optional, _) => format!("optional {key}"),
        _ => format!("set of {count} {key}"),
    }
}

fn enum_for(
    base: &BaseType,
    ident: String,
    doc: String,
    enums: &mut Vec<EnumDef>,
) -> Option<Ident> {
    let values = base.enum_strings.as_ref()?;
    if values.is_empty() {
        return None;
    }
    let ident = Ident::new(&ident, Span::call_site());
    enums.push(EnumDef {
        ident: ident.clone(),
        values: values.clone(),
        doc,
    });
    Some(ident)
}

fn column_gen<'a>(
    schema: &Schema,
    table: &'a Table,
    col: &'a Column,
    enums: &mut Vec<EnumDef>,
) -> ColumnGen<'a> {
    let base_name = format!("{}{}", names::camel(&table.name), names::camel(&col.name));
    let ty = &col.ty;
    let key_enum = enum_for(
        &ty.key,
        if ty.value.is_some() {
            format!("{base_name}Key")
        } else {
            base_name.clone()
        },
        format!(
            "Values of {}column `{}` of table `{}` (`{}`).",
            if ty.value.is_some() {
                "the keys of "
            } else {
                ""
            },
            col.name,
            table.name,
            schema.name
        ),
        enums,
    );
    let key = atom_ty(&ty.key, key_enum.as_ref());
    let rust_ty = match ty.shape() {
        Shape::Scalar => key,
        Shape::Optional => quote!(::std::option::Option<#key>),
        Shape::Set if ty.key.atomic == AtomicType::Real => quote!(::std::vec::Vec<#key>),
        Shape::Set => quote!(::std::collections::BTreeSet<#key>),
        Shape::Map => {
            let vbase = ty.value.as_ref().unwrap_or(&ty.key);
            let value_enum = enum_for(
                vbase,
                format!("{base_name}Value"),
                format!(
                    "Values of the values of column `{}` of table `{}` (`{}`).",
                    col.name, table.name, schema.name
                ),
                enums,
            );
            let value = atom_ty(vbase, value_enum.as_ref());
            if ty.key.atomic == AtomicType::Real {
                quote!(::std::vec::Vec<(#key, #value)>)
            } else {
                quote!(::std::collections::BTreeMap<#key, #value>)
            }
        }
    };
    let mut doc = format!("Column `{}`: {}.", col.name, describe(ty));
    if col.ephemeral {
        doc.push_str(" Ephemeral (not written to disk).");
    }
    if !col.mutable {
        doc.push_str(" Immutable: set on insert only.");
    }
    ColumnGen {
        col,
        field: names::ident(&names::snake(&col.name)),
        konst: format_ident!("{}", names::screaming(&col.name)),
        ty: rust_ty,
        doc,
    }
}

fn gen_enum(e: &EnumDef) -> Result<TokenStream, String> {
    let ident = &e.ident;
    let mut variant_names: Vec<String> = e.values.iter().map(|v| names::camel(v)).collect();
    for (i, v) in variant_names.iter().enumerate() {
        if variant_names[..i].contains(v) {
            return Err(format!(
                "enum {ident}: two values map to the Rust variant {v}; rename one in the schema"
            ));
        }
    }
    let mut other_name = "Other".to_owned();
    while variant_names.contains(&other_name) {
        other_name = if other_name == "Other" {
            "Unknown".to_owned()
        } else {
            format!("{other_name}Value")
        };
    }
    let other = Ident::new(&other_name, Span::call_site());
    let variants: Vec<Ident> = variant_names
        .drain(..)
        .map(|v| Ident::new(&v, Span::call_site()))
        .collect();
    let values = &e.values;
    let value_docs: Vec<String> = values.iter().map(|v| format!("`{v}`")).collect();
    let first = &variants[0];
    let doc = format!(
        "{} A value this crate does not know (sent by a newer server) decodes as `{other_name}`.",
        e.doc
    );
    Ok(quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum #ident {
            #(#[doc = #value_docs] #variants,)*
            /// A value the schema this crate was generated from does not list, e.g. one a
            /// newer server added. Build values with `From<&str>`, which maps known strings
            /// to their variants.
            #other(::std::string::String),
        }

        impl #ident {
            /// Every value the schema lists, in order.
            pub const KNOWN: &'static [#ident] = &[#(#ident::#variants),*];

            /// The value as OVSDB writes it.
            pub fn as_str(&self) -> &str {
                match self {
                    #(#ident::#variants => #values,)*
                    #ident::#other(s) => s.as_str(),
                }
            }

            /// True unless this is a value the schema does not list.
            pub fn is_known(&self) -> bool {
                !matches!(self, #ident::#other(_))
            }
        }

        impl ::std::default::Default for #ident {
            /// The first value the schema lists.
            fn default() -> Self {
                #ident::#first
            }
        }

        impl ::std::fmt::Display for #ident {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::convert::From<&str> for #ident {
            fn from(s: &str) -> Self {
                match s {
                    #(#values => #ident::#variants,)*
                    other => #ident::#other(::std::borrow::ToOwned::to_owned(other)),
                }
            }
        }

        impl ::std::str::FromStr for #ident {
            type Err = ::std::convert::Infallible;
            fn from_str(s: &str) -> ::std::result::Result<Self, Self::Err> {
                ::std::result::Result::Ok(#ident::from(s))
            }
        }

        impl ::ovsdb::typed::Atomic for #ident {
            const ATOMIC_TYPE: ::ovsdb::data::AtomicType = ::ovsdb::data::AtomicType::String;
            fn to_atom(&self) -> ::ovsdb::data::Atom {
                ::ovsdb::data::Atom::string(self.as_str())
            }
            fn from_atom(
                atom: &::ovsdb::data::Atom,
            ) -> ::std::result::Result<Self, ::ovsdb::typed::ValueError> {
                <::std::string::String as ::ovsdb::typed::Atomic>::from_atom(atom)
                    .map(|s| #ident::from(s.as_str()))
            }
        }

        impl ::ovsdb::typed::Value for #ident {
            fn to_datum(&self) -> ::ovsdb::data::Datum {
                ::ovsdb::data::Datum::from(::ovsdb::typed::Atomic::to_atom(self))
            }
            fn from_datum(
                datum: &::ovsdb::data::Datum,
            ) -> ::std::result::Result<Self, ::ovsdb::typed::ValueError> {
                ::ovsdb::typed::scalar_from_datum(datum)
            }
        }
    })
}

struct TableGen<'a> {
    table: &'a Table,
    ident: Ident,
    update: Ident,
    columns: Vec<ColumnGen<'a>>,
}

fn gen_table(schema: &Schema, tg: &TableGen<'_>) -> Result<TokenStream, String> {
    let TableGen {
        table,
        ident,
        update,
        columns,
    } = tg;
    let tname = &table.name;
    let mut facts = Vec::new();
    if table.is_root {
        facts.push("a root table".to_owned());
    }
    if let Some(m) = table.max_rows {
        facts.push(format!("at most {m} row(s)"));
    }
    for ix in &table.indexes {
        facts.push(format!("unique index on ({})", ix.join(", ")));
    }
    let mut doc = format!(
        "A row of table `{tname}` of `{}` {}.",
        schema.name, schema.version
    );
    if !facts.is_empty() {
        doc.push_str(&format!(" The table is {}.", facts.join("; ")));
    }
    let (uuid_field, version_field, uuid_const, version_const) = if columns
        .iter()
        .any(|c| c.field == "uuid" || c.field == "version")
    {
        (
            format_ident!("_uuid"),
            format_ident!("_version"),
            format_ident!("_UUID"),
            format_ident!("_VERSION"),
        )
    } else {
        (
            format_ident!("uuid"),
            format_ident!("version"),
            format_ident!("UUID"),
            format_ident!("VERSION"),
        )
    };
    for c in columns {
        if c.konst == uuid_const || c.konst == version_const || c.field == "from_diff" {
            return Err(format!(
                "table {tname}, column {}: its Rust name collides with a generated name",
                c.col.name
            ));
        }
    }
    let fields: Vec<&Ident> = columns.iter().map(|c| &c.field).collect();
    let consts: Vec<&Ident> = columns.iter().map(|c| &c.konst).collect();
    let tys: Vec<&TokenStream> = columns.iter().map(|c| &c.ty).collect();
    let docs: Vec<&String> = columns.iter().map(|c| &c.doc).collect();
    let cnames: Vec<&String> = columns.iter().map(|c| &c.col.name).collect();
    let const_docs: Vec<String> = columns
        .iter()
        .map(|c| {
            format!(
                "The column `{}`, for conditions and mutations: {}",
                c.col.name,
                describe(&c.col.ty)
            )
        })
        .collect();

    let mutable: Vec<&ColumnGen<'_>> = columns.iter().filter(|c| c.col.mutable).collect();
    let ufields: Vec<&Ident> = mutable.iter().map(|c| &c.field).collect();
    let utys: Vec<&TokenStream> = mutable.iter().map(|c| &c.ty).collect();
    let ucnames: Vec<&String> = mutable.iter().map(|c| &c.col.name).collect();
    let ufield_docs: Vec<String> = mutable
        .iter()
        .map(|c| {
            format!(
                "The new value of `{}`; `None` leaves the column unchanged.",
                c.col.name
            )
        })
        .collect();
    let usetter_docs: Vec<String> = mutable
        .iter()
        .map(|c| {
            let empty = match c.col.ty.shape() {
                Shape::Optional => " Set it to `None` to clear it.",
                Shape::Set | Shape::Map => " An empty value clears it.",
                Shape::Scalar => "",
            };
            format!("Sets `{}` ({}).{empty}", c.col.name, describe(&c.col.ty))
        })
        .collect();
    let update_doc = format!(
        "An update of table `{tname}`: each column is either left unchanged (the default) or \
         set, possibly to empty. Only set columns are sent. Immutable columns are not here."
    );
    let named_impl = columns
        .iter()
        .find(|c| {
            c.col.name == "name"
                && c.col.ty.shape() == Shape::Scalar
                && c.col.ty.key.atomic == AtomicType::String
                && c.col.ty.key.enum_strings.is_none()
        })
        .map(|c| {
            let (f, k) = (&c.field, &c.konst);
            quote! {
                impl ::ovsdb::typed::Named for #ident {
                    const NAME_COLUMN: ::ovsdb::typed::Column<Self, ::std::string::String> = #ident::#k;
                    fn row_name(&self) -> &str {
                        &self.#f
                    }
                }
            }
        });
    let ext_impl = columns
        .iter()
        .find(|c| {
            c.col.name == "external_ids"
                && c.col.ty.shape() == Shape::Map
                && c.col.ty.key.atomic == AtomicType::String
                && c.col.ty.key.enum_strings.is_none()
                && c.col.ty.value.as_ref().is_some_and(|v| {
                    v.atomic == AtomicType::String && v.enum_strings.is_none()
                })
        })
        .map(|c| {
            let (f, k) = (&c.field, &c.konst);
            quote! {
                impl ::ovsdb::typed::ExternalIds for #ident {
                    const EXTERNAL_IDS_COLUMN: ::ovsdb::typed::Column<
                        Self,
                        ::std::collections::BTreeMap<::std::string::String, ::std::string::String>,
                    > = #ident::#k;
                    fn external_ids(
                        &self,
                    ) -> &::std::collections::BTreeMap<::std::string::String, ::std::string::String> {
                        &self.#f
                    }
                }
            }
        });

    Ok(quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, PartialEq, Default)]
        pub struct #ident {
            /// The row's `_uuid`; `None` for a row not read from a server.
            pub #uuid_field: ::std::option::Option<::ovsdb::data::Uuid>,
            /// The row's `_version`, if read from a server.
            pub #version_field: ::std::option::Option<::ovsdb::data::Uuid>,
            #(#[doc = #docs] pub #fields: #tys,)*
        }

        impl #ident {
            /// The `_uuid` column.
            pub const #uuid_const: ::ovsdb::typed::Column<Self, ::ovsdb::typed::Ref<Self>> =
                ::ovsdb::typed::Column::new("_uuid");
            /// The `_version` column.
            pub const #version_const: ::ovsdb::typed::Column<Self, ::ovsdb::data::Uuid> =
                ::ovsdb::typed::Column::new("_version");
            #(
                #[doc = #const_docs]
                pub const #consts: ::ovsdb::typed::Column<Self, #tys> =
                    ::ovsdb::typed::Column::new(#cnames);
            )*

            /// An update of this table that changes nothing yet.
            pub fn update() -> #update {
                #update::default()
            }
        }

        impl ::ovsdb::typed::Table for #ident {
            const TABLE: &'static str = #tname;
            const COLUMNS: &'static [&'static str] = &[#(#cnames),*];

            fn from_row(
                row: &::ovsdb::data::Row,
            ) -> ::std::result::Result<Self, ::ovsdb::typed::DecodeError> {
                ::std::result::Result::Ok(#ident {
                    #uuid_field: ::ovsdb::typed::decode_uuid(row, #tname, "_uuid")?,
                    #version_field: ::ovsdb::typed::decode_uuid(row, #tname, "_version")?,
                    #(#fields: ::ovsdb::typed::decode_column(row, #tname, #cnames)?,)*
                })
            }

            fn to_row(&self) -> ::ovsdb::data::Row {
                let columns: ::std::vec::Vec<(&str, ::ovsdb::data::Datum)> = ::std::vec![
                    #((#cnames, ::ovsdb::typed::Value::to_datum(&self.#fields)),)*
                ];
                columns.into_iter().collect()
            }

            fn row_uuid(&self) -> ::std::option::Option<::ovsdb::data::Uuid> {
                self.#uuid_field
            }
        }

        impl ::std::convert::TryFrom<&::ovsdb::data::Row> for #ident {
            type Error = ::ovsdb::typed::DecodeError;
            fn try_from(row: &::ovsdb::data::Row) -> ::std::result::Result<Self, Self::Error> {
                <#ident as ::ovsdb::typed::Table>::from_row(row)
            }
        }

        impl ::std::convert::From<&#ident> for ::ovsdb::data::Row {
            fn from(row: &#ident) -> ::ovsdb::data::Row {
                ::ovsdb::typed::Table::to_row(row)
            }
        }

        #named_impl
        #ext_impl

        #[doc = #update_doc]
        #[derive(Debug, Clone, PartialEq, Default)]
        pub struct #update {
            #(#[doc = #ufield_docs] pub #ufields: ::std::option::Option<#utys>,)*
        }

        impl #update {
            #(
                #[doc = #usetter_docs]
                pub fn #ufields(mut self, value: impl ::std::convert::Into<#utys>) -> Self {
                    self.#ufields = ::std::option::Option::Some(value.into());
                    self
                }
            )*

            /// The update that turns `old` into `new`: the columns whose values differ, set to
            /// their values in `new` (immutable columns aside).
            pub fn from_diff(old: &#ident, new: &#ident) -> Self {
                #[allow(unused_mut)]
                let mut update = Self::default();
                #(
                    if old.#ufields != new.#ufields {
                        update.#ufields = ::std::option::Option::Some(new.#ufields.clone());
                    }
                )*
                update
            }
        }

        impl ::ovsdb::typed::TableUpdate for #update {
            type Table = #ident;

            fn to_row(&self) -> ::ovsdb::data::Row {
                #[allow(unused_mut)]
                let mut row = ::ovsdb::data::Row::new();
                #(
                    if let ::std::option::Option::Some(value) = &self.#ufields {
                        row.insert(#ucnames, ::ovsdb::typed::Value::to_datum(value));
                    }
                )*
                row
            }

            fn is_empty(&self) -> bool {
                true #(&& self.#ufields.is_none())*
            }
        }
    })
}

/// All the items `schema!` expands to. `path` is the schema file's absolute path (for
/// `include_str!`, so editing the file rebuilds the crate).
pub fn generate(schema: &Schema, path: &str) -> Result<TokenStream, String> {
    let mut enums = Vec::new();
    let mut tables = Vec::new();
    for table in &schema.tables {
        let camel = names::camel(&table.name);
        let columns = table
            .columns
            .iter()
            .map(|c| column_gen(schema, table, c, &mut enums))
            .collect();
        tables.push(TableGen {
            table,
            ident: Ident::new(&camel, Span::call_site()),
            update: format_ident!("{camel}Update"),
            columns,
        });
    }
    // Every generated type name must be unique.
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    seen.insert("AnyRow".into(), "the AnyRow enum".into());
    let all = tables
        .iter()
        .flat_map(|t| {
            [
                (t.ident.to_string(), format!("table {}", t.table.name)),
                (
                    t.update.to_string(),
                    format!("the update of table {}", t.table.name),
                ),
            ]
        })
        .chain(enums.iter().map(|e| (e.ident.to_string(), e.doc.clone())));
    for (name, what) in all {
        if let Some(prev) = seen.insert(name.clone(), what.clone()) {
            return Err(format!(
                "two generated types would be named {name}: {prev}, and {what}"
            ));
        }
    }

    let enum_items = enums.iter().map(gen_enum).collect::<Result<Vec<_>, _>>()?;
    let table_items = tables
        .iter()
        .map(|t| gen_table(schema, t))
        .collect::<Result<Vec<_>, _>>()?;

    let db = &schema.name;
    let version = &schema.version;
    let cksum = match &schema.cksum {
        Some(c) => quote!(::std::option::Option::Some(#c)),
        None => quote!(::std::option::Option::None),
    };
    let tnames: Vec<&String> = tables.iter().map(|t| &t.table.name).collect();
    let idents: Vec<&Ident> = tables.iter().map(|t| &t.ident).collect();
    let any_docs: Vec<String> = tnames.iter().map(|t| format!("A row of `{t}`.")).collect();
    let name_doc = format!("The database name: `{db}`.");
    let version_doc = format!("The schema version this crate was generated from: `{version}`.");

    Ok(quote! {
        #[doc = #name_doc]
        pub const NAME: &str = #db;
        #[doc = #version_doc]
        pub const VERSION: &str = #version;
        /// The schema file's `cksum`, if it has one.
        pub const CKSUM: ::std::option::Option<&str> = #cksum;
        /// The schema file this crate was generated from, as JSON text.
        pub const SCHEMA_JSON: &str = include_str!(#path);
        /// The names of the tables, sorted.
        pub const TABLES: &[&str] = &[#(#tnames),*];

        /// The schema this crate was generated from, parsed.
        pub fn schema() -> ::std::result::Result<::ovsdb::schema::DatabaseSchema, ::ovsdb::schema::SchemaError> {
            ::ovsdb::schema::DatabaseSchema::from_json_str(SCHEMA_JSON)
        }

        /// An empty typed transaction on this database.
        pub fn transaction() -> ::ovsdb::typed::Transaction {
            ::ovsdb::typed::Transaction::new(NAME)
        }

        /// What the server's copy of this database has (tables and columns), to check for
        /// the ones this crate knows but an older server lacks.
        pub async fn capabilities(
            client: &::ovsdb::client::Client,
        ) -> ::std::result::Result<::ovsdb::typed::Capabilities, ::ovsdb::client::Error> {
            let schema = client.get_schema(NAME).await?;
            ::std::result::Result::Ok(::ovsdb::typed::Capabilities::from_schema(&schema))
        }

        /// The rows of `T` matching every condition (every row with none): one `select` of
        /// the columns `T` maps.
        pub async fn select<T: ::ovsdb::typed::Table>(
            client: &::ovsdb::client::Client,
            conditions: impl ::std::iter::IntoIterator<Item = ::ovsdb::typed::TypedCondition<T>>,
        ) -> ::std::result::Result<::std::vec::Vec<T>, ::ovsdb::typed::Error> {
            ::ovsdb::typed::lookup::select(client, NAME, conditions).await
        }

        /// [`select`] on a server that may lack some columns `T` maps (an older server):
        /// fetches only the columns `capabilities` has; the others take their defaults.
        pub async fn select_supported<T: ::ovsdb::typed::Table>(
            client: &::ovsdb::client::Client,
            capabilities: &::ovsdb::typed::Capabilities,
            conditions: impl ::std::iter::IntoIterator<Item = ::ovsdb::typed::TypedCondition<T>>,
        ) -> ::std::result::Result<::std::vec::Vec<T>, ::ovsdb::typed::Error> {
            ::ovsdb::typed::lookup::select_supported(client, NAME, capabilities, conditions).await
        }

        /// The rows of `T` named `name`.
        pub async fn by_name<T: ::ovsdb::typed::Named>(
            client: &::ovsdb::client::Client,
            name: &str,
        ) -> ::std::result::Result<::std::vec::Vec<T>, ::ovsdb::typed::Error> {
            ::ovsdb::typed::lookup::by_name(client, NAME, name).await
        }

        /// The rows of `T` whose `external_ids` map `key` to `value`.
        pub async fn by_external_id<T: ::ovsdb::typed::ExternalIds>(
            client: &::ovsdb::client::Client,
            key: &str,
            value: &str,
        ) -> ::std::result::Result<::std::vec::Vec<T>, ::ovsdb::typed::Error> {
            ::ovsdb::typed::lookup::by_external_id(client, NAME, key, value).await
        }

        /// The rows of `T` whose `external_ids` have `key` (filtered here: OVSDB has no
        /// condition for it).
        pub async fn with_external_id_key<T: ::ovsdb::typed::ExternalIds>(
            client: &::ovsdb::client::Client,
            key: &str,
        ) -> ::std::result::Result<::std::vec::Vec<T>, ::ovsdb::typed::Error> {
            ::ovsdb::typed::lookup::with_external_id_key(client, NAME, key).await
        }

        /// A row of any table of this database.
        #[derive(Debug, Clone, PartialEq)]
        pub enum AnyRow {
            #(#[doc = #any_docs] #idents(#idents),)*
        }

        impl AnyRow {
            /// The typed row of a dynamic row of `table`; `None` for a table this crate does
            /// not know (a newer server's).
            pub fn from_row(
                table: &str,
                row: &::ovsdb::data::Row,
            ) -> ::std::option::Option<::std::result::Result<AnyRow, ::ovsdb::typed::DecodeError>> {
                match table {
                    #(#tnames => ::std::option::Option::Some(
                        <#idents as ::ovsdb::typed::Table>::from_row(row).map(AnyRow::#idents)
                    ),)*
                    _ => ::std::option::Option::None,
                }
            }

            /// The table of the row.
            pub fn table(&self) -> &'static str {
                match self {
                    #(AnyRow::#idents(_) => #tnames,)*
                }
            }

            /// The dynamic row.
            pub fn to_row(&self) -> ::ovsdb::data::Row {
                match self {
                    #(AnyRow::#idents(r) => ::ovsdb::typed::Table::to_row(r),)*
                }
            }

            /// The row's `_uuid`, if read from a server.
            pub fn row_uuid(&self) -> ::std::option::Option<::ovsdb::data::Uuid> {
                match self {
                    #(AnyRow::#idents(r) => ::ovsdb::typed::Table::row_uuid(r),)*
                }
            }
        }

        #(#enum_items)*
        #(#table_items)*
    })
}
