//! The ctl value syntax (`bins::ctl::value`, the port of `ovsdb-data.c`'s string parser) on
//! arbitrary text, for every column type of the real OVN_Northbound and Open_vSwitch schemas
//! (plus a few real-number types, which neither schema has).
//!
//! Input: two bytes pick the column (little-endian index into the sorted column list, see
//! `fuzz/seeds/make_seeds.py`), one byte the mode, the rest is the text (as lossy UTF-8, like
//! argv). Never a panic, every rejection says something, and:
//! - a datum `parse_datum` accepts satisfies its type, survives the trip through the JSON
//!   ovsdb-server is sent (the typed JSON decoder gives the same datum back), and prints (as
//!   `get`/`list` print it) to text that parses back to the same datum; with reals, printing
//!   keeps 15 significant digits, so there the printed text must be a fixed point instead;
//! - an atom `parse_atom` accepts satisfies its base type and round-trips the same way;
//! - `parse_token` returns a suffix of its input (up to a NUL, where the C text ends) that is
//!   empty or starts with a delimiter.
#![no_main]

mod common;

use std::sync::OnceLock;

use bins::ctl::symbols::SymbolTable;
use bins::ctl::value::{parse_atom, parse_datum, parse_token, TOKEN_DELIMITERS};
use libfuzzer_sys::fuzz_target;
use ovsdb::data::{text, Atom, AtomicType, Datum};
use ovsdb::schema::{BaseType, ColumnType, Max};

fn types() -> &'static [ColumnType] {
    static TYPES: OnceLock<Vec<ColumnType>> = OnceLock::new();
    TYPES.get_or_init(|| {
        let mut types: Vec<ColumnType> = common::all_columns()
            .into_iter()
            .map(|(_, _, _, ty)| ty)
            .collect();
        let real = || BaseType::from(AtomicType::Real);
        types.push(ColumnType::scalar(real()));
        types.push(ColumnType::optional(
            real().with_real_range(Some(-1.5), Some(1e3)),
        ));
        types.push(ColumnType::set(real(), 0, Max::Unlimited));
        types.push(ColumnType::map(
            BaseType::from(AtomicType::String),
            real(),
            0,
            Max::Unlimited,
        ));
        types
    })
}

/// The `multi` flag `get` and `list` print a column's value with.
fn multi(ty: &ColumnType) -> bool {
    ty.max != Max::Limited(1) && ty.max != Max::Limited(0)
}

fn has_real(d: &Datum) -> bool {
    let real = |a: &Atom| matches!(a, Atom::Real(_));
    match d {
        Datum::Set(s) => s.iter().any(real),
        Datum::Map(m) => m.iter().any(|(k, v)| real(k) || real(v)),
    }
}

fn check_datum(ty: &ColumnType, input: &str) {
    let d = match parse_datum(input, ty, &mut SymbolTable::new()) {
        Ok(d) => d,
        Err(e) => {
            assert!(!e.is_empty(), "empty error for {input:?}");
            return;
        }
    };
    if let Err(v) = ty.check(&d) {
        panic!("{input:?} parsed to {d:?}, which violates its type: {v}");
    }
    let json = serde_json::to_vec(&d).expect("a datum encodes");
    assert_eq!(
        ty.datum_from_json_slice(&json).ok().as_ref(),
        Some(&d),
        "the JSON of {input:?} does not decode to the same datum"
    );
    let printed = text::datum_to_string(&d, multi(ty));
    let again = parse_datum(&printed, ty, &mut SymbolTable::new());
    if has_real(&d) {
        // Reals print with 15 significant digits: the second print must equal the first.
        if let Ok(again) = again {
            assert_eq!(text::datum_to_string(&again, multi(ty)), printed);
        }
    } else {
        assert_eq!(
            again.as_ref(),
            Ok(&d),
            "{input:?} printed as {printed:?}, which does not parse back"
        );
    }
}

fn check_atom(base: &BaseType, input: &str) {
    let a = match parse_atom(input, base, &mut SymbolTable::new()) {
        Ok(a) => a,
        Err(e) => {
            assert!(!e.is_empty(), "empty error for {input:?}");
            return;
        }
    };
    if let Err(v) = base.check(&a) {
        panic!("{input:?} parsed to {a:?}, which violates its base type: {v}");
    }
    let printed = text::atom_to_string(&a);
    let again = parse_atom(&printed, base, &mut SymbolTable::new());
    match a {
        Atom::Real(_) => {
            if let Ok(again) = again {
                assert_eq!(text::atom_to_string(&again), printed);
            }
        }
        _ => assert_eq!(
            again.as_ref(),
            Ok(&a),
            "{input:?} printed as {printed:?}, which does not parse back"
        ),
    }
}

fn check_token(input: &str) {
    match parse_token(input, TOKEN_DELIMITERS) {
        Ok((_, rest)) => {
            // Like the C code, the text ends at a NUL (argv words cannot hold one).
            let text = input.split('\0').next().unwrap_or_default();
            assert!(text.ends_with(rest), "rest {rest:?} is not a suffix");
            if let Some(c) = rest.chars().next() {
                assert!(TOKEN_DELIMITERS.contains(c), "rest {rest:?} starts mid-token");
            }
        }
        Err(e) => assert!(!e.is_empty()),
    }
}

fuzz_target!(|data: &[u8]| {
    let [lo, hi, mode, rest @ ..] = data else {
        return;
    };
    let types = types();
    let ty = &types[usize::from(u16::from_le_bytes([*lo, *hi])) % types.len()];
    let input = String::from_utf8_lossy(rest);
    match mode % 8 {
        0..=3 => check_datum(ty, &input),
        4 | 5 => check_atom(&ty.key, &input),
        6 => check_atom(ty.value.as_ref().unwrap_or(&ty.key), &input),
        _ => check_token(&input),
    }
});
