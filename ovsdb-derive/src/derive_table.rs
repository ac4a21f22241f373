//! `#[derive(Table)]`: a user struct mapping some columns of one table.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, LitStr};

use crate::{load_schema, names};

/// What `#[ovsdb(...)]` on a field says.
enum FieldRole {
    Column(String, Span),
    Uuid,
    Version,
}

struct FieldAttr {
    role: Option<FieldRole>,
}

fn parse_field_attrs(field: &syn::Field) -> syn::Result<FieldAttr> {
    let mut attr = FieldAttr { role: None };
    for a in field.attrs.iter().filter(|a| a.path().is_ident("ovsdb")) {
        a.parse_nested_meta(|meta| {
            let role = if meta.path.is_ident("column") {
                let lit: LitStr = meta.value()?.parse()?;
                if lit.value().is_empty() {
                    return Err(syn::Error::new_spanned(&lit, "the column name is empty"));
                }
                FieldRole::Column(lit.value(), lit.span())
            } else if meta.path.is_ident("uuid") {
                FieldRole::Uuid
            } else if meta.path.is_ident("version") {
                FieldRole::Version
            } else {
                return Err(meta.error(
                    "unknown ovsdb field attribute; expected `column = \"...\"`, `uuid` or `version`",
                ));
            };
            if attr.role.is_some() {
                return Err(meta.error("only one of `column`, `uuid` and `version` per field"));
            }
            attr.role = Some(role);
            Ok(())
        })?;
    }
    Ok(attr)
}

pub fn derive(input: DeriveInput) -> syn::Result<TokenStream> {
    let ident = &input.ident;
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new_spanned(
            &input.generics,
            "#[derive(Table)] does not support generic structs",
        ));
    }
    let fields = match &input.data {
        Data::Struct(s) => match &s.fields {
            Fields::Named(f) => &f.named,
            _ => {
                return Err(syn::Error::new_spanned(
                    &s.fields,
                    "#[derive(Table)] needs a struct with named fields",
                ))
            }
        },
        _ => {
            return Err(syn::Error::new_spanned(
                ident,
                "#[derive(Table)] only applies to structs with named fields",
            ))
        }
    };

    let mut table: Option<LitStr> = None;
    let mut schema_path: Option<LitStr> = None;
    for a in input.attrs.iter().filter(|a| a.path().is_ident("ovsdb")) {
        a.parse_nested_meta(|meta| {
            if meta.path.is_ident("table") {
                table = Some(meta.value()?.parse()?);
                Ok(())
            } else if meta.path.is_ident("schema") {
                schema_path = Some(meta.value()?.parse()?);
                Ok(())
            } else {
                Err(meta.error(
                    "unknown ovsdb attribute; expected `table = \"...\"` or `schema = \"...\"`",
                ))
            }
        })?;
    }
    let table = table.ok_or_else(|| {
        syn::Error::new_spanned(
            ident,
            "#[derive(Table)] needs the table name: add #[ovsdb(table = \"Table_Name\")]",
        )
    })?;
    let tname = table.value();

    // With a schema, check the table and columns at compile time.
    let schema_table = match &schema_path {
        Some(p) => {
            let (schema, _) = load_schema(p)?;
            match schema.table(&tname) {
                Some(t) => Some(t.clone()),
                None => {
                    let known: Vec<&str> = schema.tables.iter().map(|t| t.name.as_str()).collect();
                    return Err(syn::Error::new_spanned(
                        &table,
                        format!(
                            "schema {} has no table \"{tname}\" (its tables: {})",
                            schema.name,
                            known.join(", ")
                        ),
                    ));
                }
            }
        }
        None => None,
    };

    let mut uuid_field = None;
    let mut version_field = None;
    let mut cols = Vec::new(); // (field ident, type, column name)
    for f in fields {
        let Some(fident) = &f.ident else { continue };
        let attr = parse_field_attrs(f)?;
        match attr.role {
            Some(FieldRole::Uuid) => {
                if uuid_field.is_some() {
                    return Err(syn::Error::new_spanned(f, "two fields are marked `uuid`"));
                }
                uuid_field = Some((fident, &f.ty));
            }
            Some(FieldRole::Version) => {
                if version_field.is_some() {
                    return Err(syn::Error::new_spanned(
                        f,
                        "two fields are marked `version`",
                    ));
                }
                version_field = Some((fident, &f.ty));
            }
            role => {
                let (cname, span) = match role {
                    Some(FieldRole::Column(c, s)) => (c, s),
                    _ => (fident.unraw().to_string(), fident.span()),
                };
                if cname.starts_with('_') {
                    return Err(syn::Error::new(
                        span,
                        format!("\"{cname}\": map `_uuid` and `_version` with #[ovsdb(uuid)] / #[ovsdb(version)]"),
                    ));
                }
                if cols.iter().any(|(_, _, c): &(_, _, String)| *c == cname) {
                    return Err(syn::Error::new(
                        span,
                        format!("column \"{cname}\" is mapped twice"),
                    ));
                }
                if let Some(t) = &schema_table {
                    if t.column(&cname).is_none() {
                        let known: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
                        return Err(syn::Error::new(
                            span,
                            format!(
                                "table {tname} has no column \"{cname}\" (its columns: {})",
                                known.join(", ")
                            ),
                        ));
                    }
                }
                cols.push((fident, &f.ty, cname));
            }
        }
    }

    let vis = &input.vis;
    let mut decode = Vec::new();
    let mut encode = Vec::new();
    let mut consts = Vec::new();
    for (fident, ty, cname) in &cols {
        let ty_span = ty.span();
        decode.push(quote_spanned! {ty_span=>
            #fident: ::ovsdb::typed::decode_column::<#ty>(row, #tname, #cname)?
        });
        encode.push(quote_spanned! {ty_span=>
            (#cname, <#ty as ::ovsdb::typed::Value>::to_datum(&self.#fident))
        });
        let konst = format_ident!("{}", names::screaming(&fident.unraw().to_string()));
        let doc = format!("The column `{cname}` of `{tname}`, for conditions and mutations.");
        consts.push(quote! {
            #[doc = #doc]
            #vis const #konst: ::ovsdb::typed::Column<Self, #ty> = ::ovsdb::typed::Column::new(#cname);
        });
    }
    let mut extra = Vec::new();
    let row_uuid = match uuid_field {
        Some((f, ty)) => {
            extra.push(quote_spanned! {ty.span()=>
                #f: ::ovsdb::typed::decode_column::<#ty>(row, #tname, "_uuid")?
            });
            quote_spanned! {ty.span()=> ::ovsdb::typed::uuid_of(&self.#f) }
        }
        None => quote!(::std::option::Option::None),
    };
    if let Some((f, ty)) = version_field {
        extra.push(quote_spanned! {ty.span()=>
            #f: ::ovsdb::typed::decode_column::<#ty>(row, #tname, "_version")?
        });
    }
    let cnames: Vec<&String> = cols.iter().map(|(_, _, c)| c).collect();

    Ok(quote! {
        #[allow(dead_code)]
        impl #ident {
            #(#consts)*
        }

        impl ::ovsdb::typed::Table for #ident {
            const TABLE: &'static str = #tname;
            const COLUMNS: &'static [&'static str] = &[#(#cnames),*];

            fn from_row(
                row: &::ovsdb::data::Row,
            ) -> ::std::result::Result<Self, ::ovsdb::typed::DecodeError> {
                ::std::result::Result::Ok(#ident {
                    #(#extra,)*
                    #(#decode,)*
                })
            }

            fn to_row(&self) -> ::ovsdb::data::Row {
                let columns: ::std::vec::Vec<(&str, ::ovsdb::data::Datum)> = ::std::vec![#(#encode),*];
                columns.into_iter().collect()
            }

            fn row_uuid(&self) -> ::std::option::Option<::ovsdb::data::Uuid> {
                #row_uuid
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
    })
}
