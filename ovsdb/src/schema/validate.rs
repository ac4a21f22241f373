//! Checking values against schemas: [`ColumnType::check`], [`BaseType::check`],
//! [`TableSchema::check_row`], [`DatabaseSchema::check_datum`].
//!
//! The messages are ovsdb-server's (`ovsdb_atom_check_constraints` in `lib/ovsdb-data.c` and
//! the cardinality check of `ovsdb_datum_from_json`), with atoms printed as ovsdb-server prints
//! them (`ovsdb_atom_to_string`: strings bare unless they need quotes, reals with `%.15g`).
//! String lengths are counted in Unicode code points, as ovsdb-server counts them
//! (`utf8_validate` returns the number of characters, not bytes).

use std::fmt;

use compact_str::CompactString;

use super::base_type::{atom_matches, BaseType};
use super::column_type::{ColumnType, Max};
use super::database::{DatabaseSchema, TableSchema};
use crate::data::text::{write_atom, G15};
use crate::data::{Atom, AtomicType, Datum, Row, Set};

/// Whether a datum is a set or a map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DatumKind {
    /// A set (or a single atom).
    Set,
    /// A map.
    Map,
}

impl fmt::Display for DatumKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DatumKind::Set => "set",
            DatumKind::Map => "map",
        })
    }
}

/// A value that breaks a column type's constraints.
///
/// The messages are ovsdb-server's where it has one: the range, length and enum messages are
/// the `details` of its `"constraint violation"` errors, and the cardinality message that of its
/// `"syntax error"` for a set or map of the wrong size.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ConstraintViolation {
    /// A set where the column is a map, or a map where it is a set.
    #[error("{}", shape_message(.expected, .found))]
    Shape {
        /// What the column holds.
        expected: DatumKind,
        /// What was given.
        found: DatumKind,
    },
    /// Too few or too many elements.
    #[error("{}", cardinality_message(.kind, .min, .max, .found))]
    Cardinality {
        /// Set or map.
        kind: DatumKind,
        /// The column's `min`.
        min: u64,
        /// The column's `max`.
        max: Max,
        /// How many elements were given.
        found: usize,
    },
    /// An atom of the wrong type.
    #[error("{}", type_message(.expected, .found))]
    Type {
        /// The column's atomic type.
        expected: AtomicType,
        /// What was given: an atomic type name, `"named-uuid"`, or (when decoding JSON) the
        /// JSON kind, e.g. `"object"`.
        found: &'static str,
    },
    /// An atom outside the `enum`.
    #[error("{} is not one of the allowed values ({})", atom_to_string(.atom), set_to_string(.allowed))]
    NotInEnum {
        /// The atom given.
        atom: Atom,
        /// The allowed values (boxed: they are rarely needed, and keep the error small).
        allowed: Box<Set>,
    },
    /// An integer outside `minInteger`..`maxInteger`.
    #[error("{}", range_message(.value, .min.as_ref(), .max.as_ref()))]
    IntegerRange {
        /// The integer given.
        value: i64,
        /// `minInteger`.
        min: Option<i64>,
        /// `maxInteger`.
        max: Option<i64>,
    },
    /// A real outside `minReal`..`maxReal`.
    #[error("{}", real_range_message(.value, .min, .max))]
    RealRange {
        /// The real given.
        value: f64,
        /// `minReal`.
        min: Option<f64>,
        /// `maxReal`.
        max: Option<f64>,
    },
    /// A string shorter than `minLength` code points.
    #[error("\"{value}\" length {length} is less than minimum allowed length {min}")]
    StringTooShort {
        /// The string given.
        value: CompactString,
        /// Its length in Unicode code points.
        length: usize,
        /// `minLength`.
        min: u64,
    },
    /// A string longer than `maxLength` code points.
    #[error("\"{value}\" length {length} is greater than maximum allowed length {max}")]
    StringTooLong {
        /// The string given.
        value: CompactString,
        /// Its length in Unicode code points.
        length: usize,
        /// `maxLength`.
        max: u64,
    },
}

fn shape_message(expected: &DatumKind, found: &DatumKind) -> String {
    match expected {
        DatumKind::Map => format!("expected [\"map\", <array>], got a {found}"),
        DatumKind::Set => format!("expected a set or a single atom, got a {found}"),
    }
}

/// ovsdb-server's "expected integer" (for UUIDs `expected ["uuid", <string>]`), plus what was
/// found.
fn type_message(expected: &AtomicType, found: &str) -> String {
    match expected {
        AtomicType::Uuid => format!("expected [\"uuid\", <string>], got {found}"),
        other => format!("expected {other}, got {found}"),
    }
}

fn cardinality_message(kind: &DatumKind, min: &u64, max: &Max, found: &usize) -> String {
    match max {
        Max::Limited(1) if *min == 1 => {
            format!("{kind} must have exactly one member but {found} are present")
        }
        Max::Limited(max) => {
            format!("{kind} must have {min} to {max} members but {found} are present")
        }
        Max::Unlimited => {
            format!("{kind} must have at least {min} member(s) but {found} are present")
        }
    }
}

fn real_range_message(value: &f64, min: &Option<f64>, max: &Option<f64>) -> String {
    range_message(&G15(*value), min.map(G15).as_ref(), max.map(G15).as_ref())
}

fn range_message<T: fmt::Display>(value: &T, min: Option<&T>, max: Option<&T>) -> String {
    match (min, max) {
        (Some(min), Some(max)) => {
            format!("{value} is not in the valid range {min} to {max} (inclusive)")
        }
        (Some(min), None) => format!("{value} is less than minimum allowed value {min}"),
        (None, Some(max)) => format!("{value} is greater than maximum allowed value {max}"),
        (None, None) => format!("{value} is out of range"),
    }
}

/// A value that does not fit a table's schema, naming the table and column.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum CheckError {
    /// The schema has no such table (ovsdb-server's wording).
    #[error("No table named {table}.")]
    UnknownTable {
        /// The table name given.
        table: String,
    },
    /// The table has no such column (ovsdb-server's wording).
    #[error("No column {column} in table {table}.")]
    UnknownColumn {
        /// The table.
        table: String,
        /// The column name given.
        column: String,
    },
    /// The value breaks the column's constraints.
    #[error("table {table}, column {column}: {violation}")]
    Violation {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// The constraint broken.
        violation: ConstraintViolation,
    },
}

impl BaseType {
    /// Checks one atom: its type (a named UUID passes for a UUID), `enum`, the integer and
    /// real ranges, and the string length in Unicode code points. Whether a `refTable`
    /// reference names an existing row is for the server to check, as in ovsdb-server.
    #[inline]
    pub fn check(&self, atom: &Atom) -> Result<(), ConstraintViolation> {
        // The usual case, checked in line: the right type and nothing else to check.
        let unconstrained = self.enum_.is_none()
            && match atom {
                Atom::Integer(_) => self.min_integer.is_none() && self.max_integer.is_none(),
                Atom::Real(_) => self.min_real.is_none() && self.max_real.is_none(),
                Atom::String(_) => self.min_length.is_none() && self.max_length.is_none(),
                _ => true,
            };
        if unconstrained && atom_matches(self.atomic, atom) {
            return Ok(());
        }
        self.check_constraints(atom)
    }

    /// [`BaseType::check`] in full.
    fn check_constraints(&self, atom: &Atom) -> Result<(), ConstraintViolation> {
        if !atom_matches(self.atomic, atom) {
            return Err(ConstraintViolation::Type {
                expected: self.atomic,
                found: atom_kind(atom),
            });
        }
        if let Some(allowed) = &self.enum_ {
            if !allowed.contains(atom) {
                return Err(ConstraintViolation::NotInEnum {
                    atom: atom.clone(),
                    allowed: Box::new(allowed.clone()),
                });
            }
        }
        match atom {
            Atom::Integer(i) => {
                let (min, max) = (self.min_integer, self.max_integer);
                if min.is_some_and(|min| *i < min) || max.is_some_and(|max| *i > max) {
                    return Err(ConstraintViolation::IntegerRange {
                        value: *i,
                        min,
                        max,
                    });
                }
            }
            Atom::Real(r) => {
                let (min, max) = (self.min_real, self.max_real);
                // Written as "not within" so that NaN (only possible in values built in code)
                // is refused too.
                let within = min.map_or(true, |min| *r >= min) && max.map_or(true, |max| *r <= max);
                if !within {
                    return Err(ConstraintViolation::RealRange {
                        value: *r,
                        min,
                        max,
                    });
                }
            }
            Atom::String(s) if self.min_length.is_some() || self.max_length.is_some() => {
                let length = s.chars().count();
                let n = length as u64;
                if let Some(min) = self.min_length.filter(|&min| n < min) {
                    return Err(ConstraintViolation::StringTooShort {
                        value: s.clone(),
                        length,
                        min,
                    });
                }
                if let Some(max) = self.max_length.filter(|&max| n > max) {
                    return Err(ConstraintViolation::StringTooLong {
                        value: s.clone(),
                        length,
                        max,
                    });
                }
            }
            _ => {}
        }
        Ok(())
    }
}

impl ColumnType {
    /// Checks a value against this type: set or map shape (an empty set is not an empty map),
    /// the number of elements (`min`..`max`), and every key and value atom
    /// ([`BaseType::check`]).
    pub fn check(&self, datum: &Datum) -> Result<(), ConstraintViolation> {
        match (datum, &self.value) {
            (Datum::Set(set), None) => {
                self.check_count(DatumKind::Set, set.len())?;
                set.iter().try_for_each(|a| self.key.check(a))
            }
            (Datum::Map(map), Some(value)) => {
                self.check_count(DatumKind::Map, map.len())?;
                map.iter().try_for_each(|(k, v)| {
                    self.key.check(k)?;
                    value.check(v)
                })
            }
            (Datum::Set(_), Some(_)) => Err(ConstraintViolation::Shape {
                expected: DatumKind::Map,
                found: DatumKind::Set,
            }),
            (Datum::Map(_), None) => Err(ConstraintViolation::Shape {
                expected: DatumKind::Set,
                found: DatumKind::Map,
            }),
        }
    }

    fn check_count(&self, kind: DatumKind, n: usize) -> Result<(), ConstraintViolation> {
        let n64 = n as u64;
        if n64 < self.min || !self.max.allows(n64) {
            return Err(ConstraintViolation::Cardinality {
                kind,
                min: self.min,
                max: self.max,
                found: n,
            });
        }
        Ok(())
    }
}

impl TableSchema {
    /// Checks a value for `column` of this table, which is named `table` in messages.
    pub fn check_datum(&self, table: &str, column: &str, datum: &Datum) -> Result<(), CheckError> {
        let schema = self
            .column(column)
            .ok_or_else(|| CheckError::UnknownColumn {
                table: table.into(),
                column: column.into(),
            })?;
        schema
            .column_type
            .check(datum)
            .map_err(|violation| CheckError::Violation {
                table: table.into(),
                column: column.into(),
                violation,
            })
    }

    /// Checks every column present in `row` (a row may hold only some columns, as in an
    /// update): each must exist in this table, named `table` in messages (the implicit
    /// `_uuid` and `_version` columns exist), and its value must fit the column's type.
    pub fn check_row(&self, table: &str, row: &Row) -> Result<(), CheckError> {
        row.iter()
            .try_for_each(|(column, datum)| self.check_datum(table, column, datum))
    }
}

impl DatabaseSchema {
    /// Checks a value for `table`.`column`.
    pub fn check_datum(&self, table: &str, column: &str, datum: &Datum) -> Result<(), CheckError> {
        self.table_or_err(table)?.check_datum(table, column, datum)
    }

    /// Checks the columns present in a row of `table` (see [`TableSchema::check_row`]).
    pub fn check_row(&self, table: &str, row: &Row) -> Result<(), CheckError> {
        self.table_or_err(table)?.check_row(table, row)
    }

    fn table_or_err(&self, table: &str) -> Result<&TableSchema, CheckError> {
        self.table(table).ok_or_else(|| CheckError::UnknownTable {
            table: table.into(),
        })
    }
}

// ---- printing atoms like ovsdb-server ----

/// What an atom is, for messages: its atomic type name, or `"named-uuid"`.
pub(super) fn atom_kind(atom: &Atom) -> &'static str {
    match atom {
        Atom::NamedUuid(_) => "named-uuid",
        other => other.atomic_type().as_str(),
    }
}

/// An atom as `ovsdb_atom_to_string` prints it.
pub(super) fn atom_to_string(atom: &Atom) -> String {
    let mut s = String::new();
    write_atom(&mut s, atom);
    s
}

/// A set as `ovsdb_datum_to_string` prints an enum: `[a, b, c]`.
fn set_to_string(set: &Set) -> String {
    let mut s = String::from("[");
    for (i, atom) in set.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        write_atom(&mut s, atom);
    }
    s.push(']');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Map, Uuid};
    use crate::schema::RefType;

    fn int(min: Option<i64>, max: Option<i64>) -> BaseType {
        BaseType::new(AtomicType::Integer).with_integer_range(min, max)
    }

    fn msg(r: Result<(), ConstraintViolation>) -> String {
        r.expect_err("expected a violation").to_string()
    }

    #[test]
    fn g15_matches_printf() {
        for (x, s) in [
            (1.5, "1.5"),
            (-2.0, "-2"),
            (100.0, "100"),
            (0.1, "0.1"),
            (1e20, "1e+20"),
            (1e21, "1e+21"),
            (1e15, "1e+15"),
            (123456789012345.0, "123456789012345"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (-1.50000000000001, "-1.50000000000001"),
            (1.0 / 3.0, "0.333333333333333"),
            (2.5e-300, "2.5e-300"),
            (0.0, "0"),
            (-0.0, "-0"),
            (f64::MAX, "1.79769313486232e+308"),
        ] {
            assert_eq!(G15(x).to_string(), s, "{x:e}");
        }
    }

    #[test]
    fn atoms_print_like_ovsdb() {
        assert_eq!(atom_to_string(&Atom::from("x")), "x");
        assert_eq!(atom_to_string(&Atom::from("a-b.c_d")), "a-b.c_d");
        assert_eq!(atom_to_string(&Atom::from("a b")), "\"a b\"");
        assert_eq!(atom_to_string(&Atom::from("9")), "\"9\"");
        assert_eq!(atom_to_string(&Atom::from("a9")), "a9");
        assert_eq!(atom_to_string(&Atom::from("")), "\"\"");
        assert_eq!(atom_to_string(&Atom::from("true")), "\"true\"");
        assert_eq!(atom_to_string(&Atom::from(2.5)), "2.5");
        assert_eq!(atom_to_string(&Atom::from(true)), "true");
        assert_eq!(atom_to_string(&Atom::named_uuid("row")), "@row");
        let u = Uuid::parse("550e8400-e29b-41d4-a716-446655440000").unwrap();
        assert_eq!(
            atom_to_string(&Atom::from(u)),
            "550e8400-e29b-41d4-a716-446655440000"
        );
    }

    #[test]
    fn integer_ranges() {
        let both = int(Some(0), Some(4095));
        assert!(both.check(&Atom::Integer(0)).is_ok());
        assert!(both.check(&Atom::Integer(4095)).is_ok());
        assert_eq!(
            msg(both.check(&Atom::Integer(4096))),
            "4096 is not in the valid range 0 to 4095 (inclusive)"
        );
        assert_eq!(
            msg(both.check(&Atom::Integer(-1))),
            "-1 is not in the valid range 0 to 4095 (inclusive)"
        );
        assert_eq!(
            msg(int(Some(10), None).check(&Atom::Integer(9))),
            "9 is less than minimum allowed value 10"
        );
        assert_eq!(
            msg(int(None, Some(10)).check(&Atom::Integer(11))),
            "11 is greater than maximum allowed value 10"
        );
        assert!(int(None, None).check(&Atom::Integer(i64::MIN)).is_ok());
        assert_eq!(
            int(Some(1), Some(2)).check(&Atom::Integer(3)),
            Err(ConstraintViolation::IntegerRange {
                value: 3,
                min: Some(1),
                max: Some(2)
            })
        );
    }

    #[test]
    fn real_ranges() {
        let r = BaseType::new(AtomicType::Real).with_real_range(Some(-1.5), Some(1e20));
        assert!(r.check(&Atom::Real(-1.5)).is_ok());
        assert!(r.check(&Atom::Real(1e20)).is_ok());
        assert_eq!(
            msg(r.check(&Atom::Real(-2.0))),
            "-2 is not in the valid range -1.5 to 1e+20 (inclusive)"
        );
        let min = BaseType::new(AtomicType::Real).with_real_range(Some(0.25), None);
        assert_eq!(
            msg(min.check(&Atom::Real(0.1))),
            "0.1 is less than minimum allowed value 0.25"
        );
        let max = BaseType::new(AtomicType::Real).with_real_range(None, Some(100.0));
        assert_eq!(
            msg(max.check(&Atom::Real(100.5))),
            "100.5 is greater than maximum allowed value 100"
        );
        assert!(max.check(&Atom::Real(f64::NAN)).is_err());
        assert!(BaseType::new(AtomicType::Real)
            .check(&Atom::Real(f64::MIN))
            .is_ok());
    }

    #[test]
    fn string_lengths_count_code_points() {
        let s = BaseType::new(AtomicType::String).with_length_range(Some(2), Some(4));
        assert!(s.check(&Atom::from("ab")).is_ok());
        // Four code points, eight bytes: within maxLength 4.
        assert!(s.check(&Atom::from("éééé")).is_ok());
        // Two code points (a family emoji is several), more than four bytes each.
        assert!(s.check(&Atom::from("😀😀")).is_ok());
        assert_eq!(
            msg(s.check(&Atom::from("a"))),
            "\"a\" length 1 is less than minimum allowed length 2"
        );
        assert_eq!(
            msg(s.check(&Atom::from("ééééé"))),
            "\"ééééé\" length 5 is greater than maximum allowed length 4"
        );
        assert!(BaseType::new(AtomicType::String)
            .check(&Atom::from(""))
            .is_ok());
    }

    #[test]
    fn enums() {
        let e = BaseType::new(AtomicType::String).with_enum(["x", "a b", "9"]);
        assert!(e.check(&Atom::from("x")).is_ok());
        assert_eq!(
            msg(e.check(&Atom::from("y"))),
            "y is not one of the allowed values ([\"9\", \"a b\", x])"
        );
        let r = BaseType::new(AtomicType::Real).with_enum([1.0, 2.5]);
        assert_eq!(
            msg(r.check(&Atom::Real(2.0))),
            "2 is not one of the allowed values ([1, 2.5])"
        );
        let i = BaseType::new(AtomicType::Integer).with_enum([1i64, 2, 3]);
        assert_eq!(
            msg(i.check(&Atom::Integer(4))),
            "4 is not one of the allowed values ([1, 2, 3])"
        );
    }

    #[test]
    fn atom_types() {
        assert_eq!(
            msg(int(None, None).check(&Atom::from("x"))),
            "expected integer, got string"
        );
        assert_eq!(
            msg(int(None, None).check(&Atom::Real(1.0))),
            "expected integer, got real"
        );
        assert_eq!(
            msg(BaseType::new(AtomicType::Real).check(&Atom::Integer(1))),
            "expected real, got integer"
        );
        assert_eq!(
            msg(BaseType::new(AtomicType::String).check(&Atom::named_uuid("x"))),
            "expected string, got named-uuid"
        );
        let reference = BaseType::reference("T", RefType::Strong);
        assert!(reference.check(&Atom::named_uuid("x")).is_ok());
        assert!(reference.check(&Atom::Uuid(Uuid::NIL)).is_ok());
        assert!(BaseType::new(AtomicType::Boolean)
            .check(&Atom::from(false))
            .is_ok());
    }

    #[test]
    fn cardinality_and_shape() {
        let scalar = ColumnType::scalar(AtomicType::Integer);
        assert!(scalar.check(&Datum::from(Atom::Integer(1))).is_ok());
        assert_eq!(
            msg(scalar.check(&Datum::empty_set())),
            "set must have exactly one member but 0 are present"
        );
        let opt = ColumnType::optional(AtomicType::String);
        assert!(opt.check(&Datum::empty_set()).is_ok());
        assert_eq!(
            msg(opt.check(&Datum::set(["a", "b"]))),
            "set must have 0 to 1 members but 2 are present"
        );
        let many = ColumnType::set(AtomicType::Integer, 1, Max::Unlimited);
        assert!(many.check(&Datum::set((0..100).map(Atom::Integer))).is_ok());
        assert_eq!(
            msg(many.check(&Datum::empty_set())),
            "set must have at least 1 member(s) but 0 are present"
        );
        let map = ColumnType::map(AtomicType::String, int(None, Some(3)), 0, Max::Limited(2));
        assert!(map.check(&Datum::empty_map()).is_ok());
        assert!(map.check(&Datum::map([("a", 1i64), ("b", 3)])).is_ok());
        assert_eq!(
            msg(map.check(&Datum::map([("a", 1i64), ("b", 2), ("c", 3)]))),
            "map must have 0 to 2 members but 3 are present"
        );
        assert_eq!(
            msg(map.check(&Datum::map([("a", 4i64)]))),
            "4 is greater than maximum allowed value 3"
        );
        assert_eq!(
            msg(map.check(&Datum::map([(1i64, 1i64)]))),
            "expected string, got integer"
        );
        assert_eq!(
            msg(map.check(&Datum::empty_set())),
            "expected [\"map\", <array>], got a set"
        );
        assert_eq!(
            msg(opt.check(&Datum::Map(Map::new()))),
            "expected a set or a single atom, got a map"
        );
    }

    fn demo() -> DatabaseSchema {
        DatabaseSchema::from_json_str(
            r#"{"name":"D","version":"1.0.0","tables":{"Port":{"columns":{
                "name":{"type":{"key":{"type":"string","minLength":1}}},
                "tag":{"type":{"key":{"type":"integer","minInteger":0,"maxInteger":4095},
                               "min":0,"max":1}},
                "mode":{"type":{"key":{"type":"string","enum":["set",["access","trunk"]]},
                                "min":0,"max":1}}}}}}"#,
        )
        .unwrap()
    }

    #[test]
    fn errors_name_table_column_and_constraint() {
        let s = demo();
        let err = s
            .check_datum("Port", "tag", &Datum::from(Atom::Integer(5000)))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "table Port, column tag: 5000 is not in the valid range 0 to 4095 (inclusive)"
        );
        assert!(matches!(
            &err,
            CheckError::Violation { table, column, violation: ConstraintViolation::IntegerRange { value: 5000, .. } }
                if table == "Port" && column == "tag"
        ));
        assert_eq!(
            s.check_datum("Port", "nope", &Datum::empty_set())
                .unwrap_err()
                .to_string(),
            "No column nope in table Port."
        );
        assert_eq!(
            s.check_datum("Nope", "tag", &Datum::empty_set())
                .unwrap_err()
                .to_string(),
            "No table named Nope."
        );
        let row = Row::new()
            .with("name", Atom::from("p1"))
            .with("mode", Atom::from("hybrid"));
        assert_eq!(
            s.check_row("Port", &row).unwrap_err().to_string(),
            "table Port, column mode: hybrid is not one of the allowed values ([access, trunk])"
        );
        let row = Row::new()
            .with("_uuid", Atom::Uuid(Uuid::NIL))
            .with("name", Atom::from("p1"))
            .with("tag", Datum::empty_set());
        assert_eq!(s.check_row("Port", &row), Ok(()));
        let row = Row::new().with("name", Atom::from(""));
        assert_eq!(
            s.check_row("Port", &row).unwrap_err().to_string(),
            "table Port, column name: \"\" length 0 is less than minimum allowed length 1"
        );
        let row = Row::new().with("_version", Atom::from("x"));
        assert_eq!(
            s.table("Port")
                .unwrap()
                .check_row("Port", &row)
                .unwrap_err()
                .to_string(),
            "table Port, column _version: expected [\"uuid\", <string>], got string"
        );
    }
}
