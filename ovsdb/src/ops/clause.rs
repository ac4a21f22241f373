//! The `[column, operator, value]` triple shared by `<condition>` and `<mutation>`.

use std::fmt;
use std::marker::PhantomData;

use compact_str::CompactString;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::ser::{SerializeTuple, Serializer};
use serde::{Deserialize, Serialize};

use crate::data::Datum;

/// Writes `[column, op, value]`.
pub(crate) fn serialize<S: Serializer, O: Serialize>(
    serializer: S,
    column: &str,
    op: &O,
    value: &Datum,
) -> Result<S::Ok, S::Error> {
    let mut t = serializer.serialize_tuple(3)?;
    t.serialize_element(column)?;
    t.serialize_element(op)?;
    t.serialize_element(value)?;
    t.end()
}

/// Reads `[column, op, value]`; `expecting` names the construct in error messages.
pub(crate) fn deserialize<'de, D, O>(
    deserializer: D,
    expecting: &'static str,
) -> Result<(CompactString, O, Datum), D::Error>
where
    D: Deserializer<'de>,
    O: Deserialize<'de>,
{
    struct V<O>(&'static str, PhantomData<O>);
    impl<'de, O: Deserialize<'de>> Visitor<'de> for V<O> {
        type Value = (CompactString, O, Datum);
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str(self.0)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let column: CompactString = seq
                .next_element()?
                .ok_or_else(|| de::Error::invalid_length(0, &self))?;
            let op: O = seq
                .next_element()?
                .ok_or_else(|| de::Error::invalid_length(1, &self))?;
            let value: Datum = seq
                .next_element()?
                .ok_or_else(|| de::Error::invalid_length(2, &self))?;
            if seq.next_element::<de::IgnoredAny>()?.is_some() {
                return Err(de::Error::invalid_length(4, &self));
            }
            Ok((column, op, value))
        }
    }
    deserializer.deserialize_seq(V(expecting, PhantomData))
}
