//! Rust names for schema names: `Logical_Switch_Port` -> `LogicalSwitchPort`,
//! `tag_request` -> `tag_request`, `type` -> `r#type`, `allow-related` -> `AllowRelated`.

use proc_macro2::{Ident, Span};

/// Splits on anything that is not an ASCII letter or digit.
fn words(s: &str) -> impl Iterator<Item = &str> {
    s.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
}

/// `UpperCamelCase`: each word gets an upper-case first letter and lower-case rest, so
/// acronyms read as words (`ACL` -> `Acl`, `DHCPv6_Options` -> `Dhcpv6Options`,
/// `Open_vSwitch` -> `OpenVswitch`), as Rust naming wants. A leading digit gets a `V`
/// prefix; an empty result becomes `Empty`.
pub fn camel(s: &str) -> String {
    let mut out = String::new();
    for w in words(s) {
        let mut chars = w.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars.map(|c| c.to_ascii_lowercase()));
        }
    }
    if out.is_empty() {
        out.push_str("Empty");
    } else if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'V');
    }
    out
}

/// `snake_case` for a column name (columns are usually snake case already).
pub fn snake(s: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in s.chars() {
        if c.is_ascii_uppercase() {
            if prev_lower {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            prev_lower = false;
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        } else {
            if !out.ends_with('_') {
                out.push('_');
            }
            prev_lower = false;
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

/// `SCREAMING_SNAKE_CASE` for a column constant.
pub fn screaming(s: &str) -> String {
    snake(s).to_ascii_uppercase()
}

/// An identifier for `name`, raw (`r#type`) if it is a keyword; `self`, `super`, `crate`
/// and `Self`, which cannot be raw, get a trailing `_`.
pub fn ident(name: &str) -> Ident {
    if matches!(name, "self" | "Self" | "super" | "crate" | "_") {
        return Ident::new(&format!("{name}_"), Span::call_site());
    }
    if syn::parse_str::<Ident>(name).is_ok() {
        Ident::new(name, Span::call_site())
    } else {
        Ident::new_raw(name, Span::call_site())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(camel("Logical_Switch_Port"), "LogicalSwitchPort");
        assert_eq!(camel("ACL"), "Acl");
        assert_eq!(camel("DHCPv6_Options"), "Dhcpv6Options");
        assert_eq!(camel("Open_vSwitch"), "OpenVswitch");
        assert_eq!(camel("allow-related"), "AllowRelated");
        assert_eq!(camel("1"), "V1");
        assert_eq!(camel(""), "Empty");
        assert_eq!(snake("tag_request"), "tag_request");
        assert_eq!(snake("fooBar"), "foo_bar");
        assert_eq!(snake("a-b"), "a_b");
        assert_eq!(snake("2x"), "_2x");
        assert_eq!(screaming("tag_request"), "TAG_REQUEST");
        assert_eq!(ident("type").to_string(), "r#type");
        assert_eq!(ident("name").to_string(), "name");
        assert_eq!(ident("self").to_string(), "self_");
    }
}
