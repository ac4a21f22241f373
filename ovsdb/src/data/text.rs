//! The "string" syntax of `lib/ovsdb-data.c`, as `ovs-vsctl`, `ovn-nbctl` and ovsdb-server's
//! messages print values: `ovsdb_atom_to_string`, `ovsdb_datum_to_string` and the "bare" form
//! `ovsdb_datum_to_bare`.
//!
//! Strings are written bare when they read back unambiguously (a letter or `_`, then letters,
//! digits, `_`, `-` and `.`, and neither `true`, `false` nor a UUID, as OVS 3.1 decides) and
//! as JSON strings otherwise; reals as C's `%.15g`; a datum in `[...]` or `{...}` when the
//! column may hold more than one element or when it is empty.
//!
//! ```
//! use ovsdb::data::{text, Atom, Datum};
//!
//! let ids = Datum::map([("pod", "true"), ("namespace", "default")]);
//! assert_eq!(text::datum_to_string(&ids, true), r#"{namespace=default, pod="true"}"#);
//! assert_eq!(text::datum_to_bare(&ids), "namespace=default pod=true");
//! assert_eq!(text::atom_to_string(&Atom::Real(0.1)), "0.1");
//! ```

use std::fmt::{self, Write as _};

use super::{Atom, Datum};

/// Whether `ovsdb_atom_to_string` quotes this string (OVS 3.1's `string_needs_quotes`).
pub fn string_needs_quotes(s: &str) -> bool {
    let mut bytes = s.bytes();
    match bytes.next() {
        Some(c) if c.is_ascii_alphabetic() || c == b'_' => {}
        _ => return true,
    }
    if !bytes.all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.')) {
        return true;
    }
    s == "true" || s == "false" || super::uuid::is_uuid_text(s)
}

/// Appends a string as a JSON string literal, escaped as OVS's `json_to_ds` escapes it.
pub fn write_json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Appends one atom in the string syntax (`ovsdb_atom_to_string`).
pub fn write_atom(out: &mut String, atom: &Atom) {
    match atom {
        Atom::Integer(i) => {
            let _ = write!(out, "{i}");
        }
        Atom::Real(r) => {
            let _ = write!(out, "{}", G15(*r));
        }
        Atom::Boolean(b) => out.push_str(if *b { "true" } else { "false" }),
        Atom::String(s) if string_needs_quotes(s) => write_json_string(out, s),
        Atom::String(s) => out.push_str(s),
        Atom::Uuid(u) => {
            let _ = write!(out, "{u}");
        }
        Atom::NamedUuid(n) => {
            out.push('@');
            out.push_str(n);
        }
    }
}

/// Appends one atom in the bare syntax (`ovsdb_atom_to_bare`): strings never quoted.
pub fn write_atom_bare(out: &mut String, atom: &Atom) {
    match atom {
        Atom::String(s) => out.push_str(s),
        other => write_atom(out, other),
    }
}

/// One atom in the string syntax.
pub fn atom_to_string(atom: &Atom) -> String {
    let mut s = String::new();
    write_atom(&mut s, atom);
    s
}

/// Appends a datum in the string syntax (`ovsdb_datum_to_string`). `multi` is whether the
/// column may hold more than one element (its `max` is above 1): such a column, and an empty
/// value, is bracketed (`[a, b]`, `{k=v}`, `[]`, `{}`).
pub fn write_datum(out: &mut String, datum: &Datum, multi: bool) {
    let is_map = matches!(datum, Datum::Map(_));
    let bracket = multi || datum.is_empty();
    if bracket {
        out.push(if is_map { '{' } else { '[' });
    }
    match datum {
        Datum::Set(set) => {
            for (i, atom) in set.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_atom(out, atom);
            }
        }
        Datum::Map(map) => {
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_atom(out, k);
                out.push('=');
                write_atom(out, v);
            }
        }
    }
    if bracket {
        out.push(if is_map { '}' } else { ']' });
    }
}

/// A datum in the string syntax; see [`write_datum`].
pub fn datum_to_string(datum: &Datum, multi: bool) -> String {
    let mut s = String::new();
    write_datum(&mut s, datum, multi);
    s
}

/// A datum in the bare syntax (`ovsdb_datum_to_bare`): elements separated by spaces, map
/// pairs as `k=v`, nothing quoted or bracketed.
pub fn datum_to_bare(datum: &Datum) -> String {
    let mut out = String::new();
    match datum {
        Datum::Set(set) => {
            for (i, atom) in set.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write_atom_bare(&mut out, atom);
            }
        }
        Datum::Map(map) => {
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write_atom_bare(&mut out, k);
                out.push('=');
                write_atom_bare(&mut out, v);
            }
        }
    }
    out
}

/// A real printed like C's `printf("%.15g")`, as OVS prints reals.
#[derive(Debug, Clone, Copy)]
pub struct G15(pub f64);

impl fmt::Display for G15 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const PRECISION: i32 = 15;
        let x = self.0;
        if x.is_nan() {
            return f.write_str(if x.is_sign_negative() { "-nan" } else { "nan" });
        }
        if x.is_infinite() {
            return f.write_str(if x < 0.0 { "-inf" } else { "inf" });
        }
        if x == 0.0 {
            return f.write_str(if x.is_sign_negative() { "-0" } else { "0" });
        }
        // The exponent %g decides on is that of the %e form rounded to PRECISION digits.
        let e_form = format!("{:.*e}", (PRECISION - 1) as usize, x);
        let (mantissa, exp) = e_form.split_once('e').unwrap_or((&e_form, "0"));
        let exp: i32 = exp.parse().unwrap_or(0);
        if !(-4..PRECISION).contains(&exp) {
            let mantissa = trim_fraction(mantissa);
            let sign = if exp < 0 { '-' } else { '+' };
            write!(f, "{mantissa}e{sign}{:02}", exp.unsigned_abs())
        } else {
            let decimals = (PRECISION - 1 - exp) as usize;
            let fixed = format!("{x:.decimals$}");
            f.write_str(trim_fraction(&fixed))
        }
    }
}

/// Drops trailing zeros of a fraction, and the point if nothing is left after it.
fn trim_fraction(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_follows_ovs_3_1() {
        for bare in ["p1", "abc", "a.b-c_d", "_x", "sw0"] {
            assert!(!string_needs_quotes(bare), "{bare}");
        }
        for quoted in [
            "",
            "1.5",
            "true",
            "false",
            "0a:58:00:00:00:01",
            "a b",
            "12345678-1234-1234-1234-123456789012",
            "neutron:port_name",
        ] {
            assert!(string_needs_quotes(quoted), "{quoted}");
        }
    }

    #[test]
    fn datums_print_like_ovs() {
        assert_eq!(datum_to_string(&Datum::empty_set(), false), "[]");
        assert_eq!(datum_to_string(&Datum::empty_map(), true), "{}");
        assert_eq!(datum_to_string(&Datum::from(5i64), false), "5");
        assert_eq!(datum_to_string(&Datum::set(["b", "a"]), true), "[a, b]");
        assert_eq!(datum_to_string(&Datum::set(["a"]), true), "[a]");
        let mut s = String::new();
        write_json_string(&mut s, "a\"b\\c\n\u{1}é");
        assert_eq!(s, r#""a\"b\\c\n\u0001é""#);
    }

    #[test]
    fn g15_matches_printf() {
        for (x, s) in [
            (0.1, "0.1"),
            (1e20, "1e+20"),
            (100.0, "100"),
            (1.5e-5, "1.5e-05"),
        ] {
            assert_eq!(G15(x).to_string(), s);
        }
    }
}
