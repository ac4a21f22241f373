//! [`UuidName`]: the `uuid-name` of an insert, a name later operations of the same transaction
//! use to refer to the new row (`["named-uuid", name]`).

use std::fmt;
use std::str::FromStr;

use compact_str::CompactString;
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};

use crate::data::{is_id, Atom};

/// A valid `uuid-name`: an RFC 7047 `<id>` (a letter or `_`, then letters, digits and `_`).
///
/// ```
/// use ovsdb::data::Atom;
/// use ovsdb::ops::UuidName;
///
/// let port = UuidName::new("port0")?;
/// assert_eq!(port.reference(), Atom::named_uuid("port0"));
/// assert!(UuidName::new("0port").is_err());
/// # Ok::<(), ovsdb::ops::InvalidUuidName>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UuidName(CompactString);

/// A string that is not a valid `uuid-name`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "\"{0}\" is not a valid uuid-name: it must start with a letter or '_' and continue with \
     letters, digits and '_'"
)]
pub struct InvalidUuidName(pub String);

impl UuidName {
    /// Checks that `name` is an `<id>`.
    pub fn new(name: &str) -> Result<Self, InvalidUuidName> {
        if is_id(name) {
            Ok(UuidName(CompactString::from(name)))
        } else {
            Err(InvalidUuidName(name.chars().take(64).collect()))
        }
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The atom that refers to the row inserted under this name: `["named-uuid", name]`.
    pub fn reference(&self) -> Atom {
        Atom::NamedUuid(Box::from(self.0.as_str()))
    }
}

impl fmt::Display for UuidName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for UuidName {
    type Err = InvalidUuidName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        UuidName::new(s)
    }
}

impl TryFrom<&str> for UuidName {
    type Error = InvalidUuidName;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        UuidName::new(s)
    }
}

impl From<UuidName> for Atom {
    fn from(name: UuidName) -> Atom {
        Atom::NamedUuid(Box::from(name.0.as_str()))
    }
}

impl Serialize for UuidName {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for UuidName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = CompactString::deserialize(deserializer)?;
        if is_id(&s) {
            Ok(UuidName(s))
        } else {
            Err(de::Error::custom(InvalidUuidName(
                s.chars().take(64).collect(),
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_both_ways() {
        assert_eq!(UuidName::new("_a1").unwrap().as_str(), "_a1");
        assert_eq!("row".parse::<UuidName>().unwrap().to_string(), "row");
        for bad in ["", "1a", "a-b", "a b", "é"] {
            assert!(UuidName::new(bad).is_err(), "{bad}");
            let json = serde_json::to_string(bad).unwrap();
            let err = serde_json::from_str::<UuidName>(&json).unwrap_err();
            assert!(err.to_string().contains("not a valid uuid-name"), "{err}");
        }
        let n = UuidName::try_from("sw").unwrap();
        assert_eq!(serde_json::to_string(&n).unwrap(), "\"sw\"");
        assert_eq!(Atom::from(n.clone()), n.reference());
    }
}
