//! [`Condition`]: one clause of a `where` (RFC 7047 5.1 `<condition>`), `[column, function, value]`.

use std::fmt;

use compact_str::CompactString;
use serde::{Deserialize, Serialize};
use serde::{Deserializer, Serializer};

use super::clause;
use super::value::IntoDatum;
use crate::data::Datum;

/// The comparison a [`Condition`] applies (RFC 7047 5.1 `<function>`).
///
/// `<`, `<=`, `>=` and `>` apply only to scalar integer and real columns; ovsdb-server refuses
/// them elsewhere with a `"syntax error"` ("Type mismatch"). `==` and `!=` compare whole values;
/// `includes` and `excludes` test whether the column's set or map contains (or contains none
/// of) the given elements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Function {
    /// `<`
    #[serde(rename = "<")]
    LessThan,
    /// `<=`
    #[serde(rename = "<=")]
    LessThanOrEqual,
    /// `==`
    #[serde(rename = "==")]
    Equal,
    /// `!=`
    #[serde(rename = "!=")]
    NotEqual,
    /// `>=`
    #[serde(rename = ">=")]
    GreaterThanOrEqual,
    /// `>`
    #[serde(rename = ">")]
    GreaterThan,
    /// `includes`: every given element (or key-value pair) is in the column.
    #[serde(rename = "includes")]
    Includes,
    /// `excludes`: none of the given elements (or key-value pairs) is in the column.
    #[serde(rename = "excludes")]
    Excludes,
}

impl Function {
    /// Every function, in RFC order.
    pub const ALL: [Function; 8] = [
        Function::LessThan,
        Function::LessThanOrEqual,
        Function::Equal,
        Function::NotEqual,
        Function::GreaterThanOrEqual,
        Function::GreaterThan,
        Function::Includes,
        Function::Excludes,
    ];

    /// The wire spelling: `"<"`, `"<="`, `"=="`, `"!="`, `">="`, `">"`, `"includes"`, `"excludes"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Function::LessThan => "<",
            Function::LessThanOrEqual => "<=",
            Function::Equal => "==",
            Function::NotEqual => "!=",
            Function::GreaterThanOrEqual => ">=",
            Function::GreaterThan => ">",
            Function::Includes => "includes",
            Function::Excludes => "excludes",
        }
    }
}

impl fmt::Display for Function {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One clause of a `where`: `[column, function, value]`, e.g. `["name", "==", "sw0"]`.
/// A row matches a `where` when it matches every clause; an empty `where` matches every row.
///
/// ```
/// use ovsdb::data::Datum;
/// use ovsdb::ops::Condition;
///
/// let c = Condition::includes("external_ids", Datum::map([("owner", "me")]));
/// assert_eq!(
///     serde_json::to_string(&c).unwrap(),
///     r#"["external_ids","includes",["map",[["owner","me"]]]]"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Condition {
    /// The column tested (`_uuid` and `_version` included).
    pub column: CompactString,
    /// The comparison.
    pub function: Function,
    /// The value compared against.
    pub value: Datum,
}

impl Condition {
    /// `[column, function, value]`.
    pub fn new(
        column: impl Into<CompactString>,
        function: Function,
        value: impl IntoDatum,
    ) -> Self {
        Condition {
            column: column.into(),
            function,
            value: value.into_datum(),
        }
    }

    /// `[column, "<", value]`
    pub fn lt(column: impl Into<CompactString>, value: impl IntoDatum) -> Self {
        Self::new(column, Function::LessThan, value)
    }

    /// `[column, "<=", value]`
    pub fn le(column: impl Into<CompactString>, value: impl IntoDatum) -> Self {
        Self::new(column, Function::LessThanOrEqual, value)
    }

    /// `[column, "==", value]`
    pub fn eq(column: impl Into<CompactString>, value: impl IntoDatum) -> Self {
        Self::new(column, Function::Equal, value)
    }

    /// `[column, "!=", value]`
    pub fn ne(column: impl Into<CompactString>, value: impl IntoDatum) -> Self {
        Self::new(column, Function::NotEqual, value)
    }

    /// `[column, ">=", value]`
    pub fn ge(column: impl Into<CompactString>, value: impl IntoDatum) -> Self {
        Self::new(column, Function::GreaterThanOrEqual, value)
    }

    /// `[column, ">", value]`
    pub fn gt(column: impl Into<CompactString>, value: impl IntoDatum) -> Self {
        Self::new(column, Function::GreaterThan, value)
    }

    /// `[column, "includes", value]`
    pub fn includes(column: impl Into<CompactString>, value: impl IntoDatum) -> Self {
        Self::new(column, Function::Includes, value)
    }

    /// `[column, "excludes", value]`
    pub fn excludes(column: impl Into<CompactString>, value: impl IntoDatum) -> Self {
        Self::new(column, Function::Excludes, value)
    }
}

impl Serialize for Condition {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        clause::serialize(serializer, &self.column, &self.function, &self.value)
    }
}

impl<'de> Deserialize<'de> for Condition {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let (column, function, value) =
            clause::deserialize(deserializer, "a condition [column, function, value]")?;
        Ok(Condition {
            column,
            function,
            value,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Atom, Uuid};

    #[test]
    fn exact_json_for_every_function() {
        let cases = [
            (Condition::lt("n", 1i64), r#"["n","<",1]"#),
            (Condition::le("n", 1i64), r#"["n","<=",1]"#),
            (Condition::eq("n", 1i64), r#"["n","==",1]"#),
            (Condition::ne("n", 1i64), r#"["n","!=",1]"#),
            (Condition::ge("n", 1.5), r#"["n",">=",1.5]"#),
            (Condition::gt("n", 1i64), r#"["n",">",1]"#),
            (
                Condition::includes("s", Datum::set(["a", "b"])),
                r#"["s","includes",["set",["a","b"]]]"#,
            ),
            (
                Condition::excludes("m", Datum::map([("k", "v")])),
                r#"["m","excludes",["map",[["k","v"]]]]"#,
            ),
        ];
        for (function, (cond, json)) in Function::ALL.iter().zip(&cases) {
            assert_eq!(cond.function, *function);
            assert_eq!(serde_json::to_string(cond).unwrap(), *json);
            assert_eq!(serde_json::from_str::<Condition>(json).unwrap(), *cond);
            assert_eq!(
                serde_json::to_string(function).unwrap(),
                format!("\"{}\"", function.as_str())
            );
        }
    }

    #[test]
    fn scalar_values_convert() {
        let u = Uuid::new_v4();
        assert_eq!(Condition::eq("_uuid", u).value, Datum::from(Atom::Uuid(u)));
        assert_eq!(
            Condition::eq("name", String::from("x")).value,
            Datum::from(Atom::from("x"))
        );
        assert_eq!(
            Condition::eq("b", true).value,
            Datum::from(Atom::Boolean(true))
        );
        assert_eq!(Condition::eq("e", Datum::empty_set()).value.len(), 0);
    }

    #[test]
    fn refuses_malformed_conditions() {
        for (bad, why) in [
            (r#"["n","~",1]"#, "unknown variant `~`"),
            (r#"["n","=="]"#, "invalid length 2"),
            (r#"["n","==",1,2]"#, "invalid length 4"),
            (r#"[1,"==",1]"#, "invalid type: integer"),
            (r#"{"n":1}"#, "invalid type: map"),
            ("true", "invalid type: boolean"),
            (r#"["n","==",null]"#, "invalid type: null"),
        ] {
            let err = serde_json::from_str::<Condition>(bad)
                .unwrap_err()
                .to_string();
            assert!(err.contains(why), "{bad}: {err}");
        }
    }
}
