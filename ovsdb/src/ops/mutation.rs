//! [`Mutation`]: one change of a `mutate` operation (RFC 7047 5.1 `<mutation>`),
//! `[column, mutator, value]`.

use std::fmt;

use compact_str::CompactString;
use serde::{Deserialize, Serialize};
use serde::{Deserializer, Serializer};

use super::clause;
use super::value::IntoDatum;
use crate::data::Datum;

/// How a [`Mutation`] changes its column (RFC 7047 5.1 `<mutator>`).
///
/// The arithmetic mutators apply to integer and real columns (to every element of a set of
/// them); `%=` to integers only. A result outside the column's allowed range fails the
/// operation with `"constraint violation"`; division by zero with `"domain error"`.
/// `insert` and `delete` add elements to, or remove them from, a set or map column; for a map,
/// `delete` takes either a map (removing pairs that match key and value) or a set of keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Mutator {
    /// `+=`
    #[serde(rename = "+=")]
    Add,
    /// `-=`
    #[serde(rename = "-=")]
    Subtract,
    /// `*=`
    #[serde(rename = "*=")]
    Multiply,
    /// `/=`
    #[serde(rename = "/=")]
    Divide,
    /// `%=`
    #[serde(rename = "%=")]
    Modulo,
    /// `insert`: add elements to a set, or pairs (whose keys are not yet present) to a map.
    #[serde(rename = "insert")]
    Insert,
    /// `delete`: remove elements from a set, or pairs or keys from a map.
    #[serde(rename = "delete")]
    Delete,
}

impl Mutator {
    /// Every mutator, in RFC order.
    pub const ALL: [Mutator; 7] = [
        Mutator::Add,
        Mutator::Subtract,
        Mutator::Multiply,
        Mutator::Divide,
        Mutator::Modulo,
        Mutator::Insert,
        Mutator::Delete,
    ];

    /// The wire spelling: `"+="`, `"-="`, `"*="`, `"/="`, `"%="`, `"insert"`, `"delete"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Mutator::Add => "+=",
            Mutator::Subtract => "-=",
            Mutator::Multiply => "*=",
            Mutator::Divide => "/=",
            Mutator::Modulo => "%=",
            Mutator::Insert => "insert",
            Mutator::Delete => "delete",
        }
    }
}

impl fmt::Display for Mutator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One change of a `mutate` operation: `[column, mutator, value]`, e.g.
/// `["external_ids", "insert", ["map", [["k", "v"]]]]`.
///
/// ```
/// use ovsdb::data::Datum;
/// use ovsdb::ops::Mutation;
///
/// let m = Mutation::delete("addresses", Datum::set(["unknown"]));
/// assert_eq!(serde_json::to_string(&m).unwrap(), r#"["addresses","delete",["set",["unknown"]]]"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Mutation {
    /// The column changed.
    pub column: CompactString,
    /// How it changes.
    pub mutator: Mutator,
    /// The operand.
    pub value: Datum,
}

impl Mutation {
    /// `[column, mutator, value]`.
    pub fn new(column: impl Into<CompactString>, mutator: Mutator, value: impl IntoDatum) -> Self {
        Mutation {
            column: column.into(),
            mutator,
            value: value.into_datum(),
        }
    }

    /// `[column, "+=", value]`
    pub fn add(column: impl Into<CompactString>, value: impl IntoDatum) -> Self {
        Self::new(column, Mutator::Add, value)
    }

    /// `[column, "-=", value]`
    pub fn subtract(column: impl Into<CompactString>, value: impl IntoDatum) -> Self {
        Self::new(column, Mutator::Subtract, value)
    }

    /// `[column, "*=", value]`
    pub fn multiply(column: impl Into<CompactString>, value: impl IntoDatum) -> Self {
        Self::new(column, Mutator::Multiply, value)
    }

    /// `[column, "/=", value]`
    pub fn divide(column: impl Into<CompactString>, value: impl IntoDatum) -> Self {
        Self::new(column, Mutator::Divide, value)
    }

    /// `[column, "%=", value]`
    pub fn modulo(column: impl Into<CompactString>, value: impl IntoDatum) -> Self {
        Self::new(column, Mutator::Modulo, value)
    }

    /// `[column, "insert", value]`
    pub fn insert(column: impl Into<CompactString>, value: impl IntoDatum) -> Self {
        Self::new(column, Mutator::Insert, value)
    }

    /// `[column, "delete", value]`
    pub fn delete(column: impl Into<CompactString>, value: impl IntoDatum) -> Self {
        Self::new(column, Mutator::Delete, value)
    }
}

impl Serialize for Mutation {
    /// A set argument of `insert` / `delete` is written in the explicit `["set", [..]]` form even with one element,
    /// as the C IDL writes mutations (so the server's error messages quote the same text).
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeTuple;
        match &self.value {
            Datum::Set(set) if matches!(self.mutator, Mutator::Insert | Mutator::Delete) => {
                let mut t = serializer.serialize_tuple(3)?;
                t.serialize_element(self.column.as_str())?;
                t.serialize_element(&self.mutator)?;
                t.serialize_element(set)?;
                t.end()
            }
            value => clause::serialize(serializer, &self.column, &self.mutator, value),
        }
    }
}

impl<'de> Deserialize<'de> for Mutation {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let (column, mutator, value) =
            clause::deserialize(deserializer, "a mutation [column, mutator, value]")?;
        Ok(Mutation {
            column,
            mutator,
            value,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_json_for_every_mutator() {
        let cases = [
            (Mutation::add("n", 1i64), r#"["n","+=",1]"#),
            (Mutation::subtract("n", 2i64), r#"["n","-=",2]"#),
            (Mutation::multiply("n", 0.5), r#"["n","*=",0.5]"#),
            (Mutation::divide("n", 3i64), r#"["n","/=",3]"#),
            (Mutation::modulo("n", 4i64), r#"["n","%=",4]"#),
            (
                Mutation::insert("m", Datum::map([("k", "v")])),
                r#"["m","insert",["map",[["k","v"]]]]"#,
            ),
            (
                Mutation::delete("s", Datum::set(["a", "b"])),
                r#"["s","delete",["set",["a","b"]]]"#,
            ),
        ];
        for (mutator, (m, json)) in Mutator::ALL.iter().zip(&cases) {
            assert_eq!(m.mutator, *mutator);
            assert_eq!(serde_json::to_string(m).unwrap(), *json);
            assert_eq!(serde_json::from_str::<Mutation>(json).unwrap(), *m);
            assert_eq!(
                serde_json::to_string(mutator).unwrap(),
                format!("\"{}\"", mutator.as_str())
            );
        }
    }

    #[test]
    fn refuses_malformed_mutations() {
        for (bad, why) in [
            (r#"["n","^=",1]"#, "unknown variant `^=`"),
            (r#"["n","+="]"#, "invalid length 2"),
            (r#"["n","+=",1,1]"#, "invalid length 4"),
            (r#"["n","==",1]"#, "unknown variant `==`"),
            (r#"{}"#, "invalid type: map"),
        ] {
            let err = serde_json::from_str::<Mutation>(bad)
                .unwrap_err()
                .to_string();
            assert!(err.contains(why), "{bad}: {err}");
        }
    }
}
