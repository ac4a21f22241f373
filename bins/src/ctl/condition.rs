//! Evaluating an OVSDB `where` clause on a row held by the client, with RFC 7047 5.1's
//! semantics, so that a lookup sees the rows this run already changed, exactly as
//! ovsdb-server would see them after the transaction.

use std::cmp::Ordering;

use ovsdb::data::{Atom, Datum, Row, Uuid};
use ovsdb::ops::{Condition, Function};

/// Whether `row` (whose UUID is `uuid`) satisfies every clause. A column the row lacks is
/// compared as the empty set (callers keep rows complete).
pub fn matches(uuid: Uuid, row: &Row, conditions: &[Condition]) -> bool {
    conditions.iter().all(|c| {
        let uuid_datum;
        let empty = Datum::empty_set();
        let value = if c.column == "_uuid" {
            uuid_datum = Datum::from(Atom::Uuid(uuid));
            &uuid_datum
        } else {
            row.get(&c.column).unwrap_or(&empty)
        };
        test(c.function, value, &c.value)
    })
}

/// One clause: `value FUNCTION arg`.
pub fn test(function: Function, value: &Datum, arg: &Datum) -> bool {
    match function {
        Function::Equal => value == arg,
        Function::NotEqual => value != arg,
        Function::Includes => includes(value, arg),
        Function::Excludes => excludes(value, arg),
        Function::LessThan => compare(value, arg) == Some(Ordering::Less),
        Function::LessThanOrEqual => {
            matches!(compare(value, arg), Some(Ordering::Less | Ordering::Equal))
        }
        Function::GreaterThan => compare(value, arg) == Some(Ordering::Greater),
        Function::GreaterThanOrEqual => {
            matches!(
                compare(value, arg),
                Some(Ordering::Greater | Ordering::Equal)
            )
        }
    }
}

/// Every element (or pair) of `arg` is in `value`.
fn includes(value: &Datum, arg: &Datum) -> bool {
    match (value, arg) {
        (Datum::Set(v), Datum::Set(a)) => a.iter().all(|x| v.contains(x)),
        (Datum::Map(v), Datum::Map(a)) => a.iter().all(|(k, x)| v.get(k) == Some(x)),
        (_, a) => a.is_empty(),
    }
}

/// No element (or pair) of `arg` is in `value`.
fn excludes(value: &Datum, arg: &Datum) -> bool {
    match (value, arg) {
        (Datum::Set(v), Datum::Set(a)) => a.iter().all(|x| !v.contains(x)),
        (Datum::Map(v), Datum::Map(a)) => a.iter().all(|(k, x)| v.get(k) != Some(x)),
        _ => true,
    }
}

/// Ordering of two scalar numbers (the only values `<` and friends apply to).
fn compare(value: &Datum, arg: &Datum) -> Option<Ordering> {
    match (value.as_scalar()?, arg.as_scalar()?) {
        (Atom::Integer(a), Atom::Integer(b)) => Some(a.cmp(b)),
        (Atom::Real(a), Atom::Real(b)) => a.partial_cmp(b),
        (Atom::Integer(a), Atom::Real(b)) => (*a as f64).partial_cmp(b),
        (Atom::Real(a), Atom::Integer(b)) => a.partial_cmp(&(*b as f64)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clauses_follow_rfc_7047() {
        let u = Uuid::new_v4();
        let row = Row::new()
            .with("name", "p1")
            .with("tag", 5i64)
            .with("ids", Datum::map([("a", "1"), ("b", "2")]))
            .with("set", Datum::set(["x", "y"]));
        assert!(matches(u, &row, &[Condition::eq("name", "p1")]));
        assert!(matches(u, &row, &[Condition::eq("_uuid", Atom::Uuid(u))]));
        assert!(!matches(u, &row, &[Condition::ne("name", "p1")]));
        assert!(matches(
            u,
            &row,
            &[Condition::includes("ids", Datum::map([("a", "1")]))]
        ));
        assert!(!matches(
            u,
            &row,
            &[Condition::includes("ids", Datum::map([("a", "2")]))]
        ));
        assert!(matches(
            u,
            &row,
            &[Condition::excludes("set", Datum::set(["z"]))]
        ));
        assert!(matches(
            u,
            &row,
            &[Condition::lt("tag", 6i64), Condition::ge("tag", 5i64)]
        ));
        assert!(!matches(u, &row, &[Condition::gt("tag", 5i64)]));
        assert!(matches(u, &row, &[]));
    }
}
