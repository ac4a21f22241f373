//! Decoding the result of a `transact` request (RFC 7047 4.1.3) into per-operation results,
//! or a [`TransactError`] that says which operation failed and why.
//!
//! The reply is an array with one element per operation. If an operation fails, its element is
//! an `<error>` object, the operations after it do not run and their elements are `null`, and
//! nothing is committed. If every operation succeeds but the commit fails (a referential
//! integrity violation, a duplicate in an index, ...), the array has one more element than
//! there were operations: the commit's error.

use std::fmt;

use compact_str::CompactString;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use super::operation::{OpKind, Operation};
use super::result::{OperationError, OperationResult};
use crate::data::{Row, Uuid};

/// Why a transaction did not commit, or why its reply could not be understood.
///
/// Whatever the variant, the transaction changed nothing in the database.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransactError {
    /// One operation failed, so the ones after it did not run.
    #[error(
        "operations[{index}] ({}) failed: {error}; the transaction changed nothing",
        describe(*kind, table.as_deref())
    )]
    Operation {
        /// The failed operation's position in the transaction, counting from 0.
        index: usize,
        /// Its kind.
        kind: OpKind,
        /// Its table, if it has one.
        table: Option<CompactString>,
        /// The server's error (boxed to keep `Result<_, TransactError>` small).
        error: Box<OperationError>,
        /// The results of the operations before it (all of which succeeded).
        results: Vec<OperationResult>,
    },
    /// Every operation succeeded, but the transaction as a whole could not be committed
    /// (for example a strong reference to a missing row, or two rows equal on an index).
    #[error("the transaction could not be committed: {error}; it changed nothing")]
    Commit {
        /// The server's error (boxed to keep `Result<_, TransactError>` small).
        error: Box<OperationError>,
        /// The results of all the operations (UUIDs of inserted rows included, although those
        /// rows do not exist).
        results: Vec<OperationResult>,
    },
    /// The reply is not a valid `transact` result for these operations.
    #[error("malformed transact reply: {0}")]
    MalformedReply(String),
}

fn describe(kind: OpKind, table: Option<&str>) -> String {
    match table {
        Some(table) => format!("{kind} on {table}"),
        None => kind.to_string(),
    }
}

impl TransactError {
    /// The server's error, unless the reply was malformed.
    pub fn error(&self) -> Option<&OperationError> {
        match self {
            TransactError::Operation { error, .. } | TransactError::Commit { error, .. } => {
                Some(error)
            }
            TransactError::MalformedReply(_) => None,
        }
    }

    /// True if the server's error string is `tag`, e.g. `e.is(OperationError::TIMED_OUT)`.
    pub fn is(&self, tag: &str) -> bool {
        self.error().is_some_and(|e| e.is(tag))
    }

    /// The index of the operation that failed; `None` if the commit failed or the reply was
    /// malformed.
    pub fn failed_index(&self) -> Option<usize> {
        match self {
            TransactError::Operation { index, .. } => Some(*index),
            _ => None,
        }
    }

    /// The results of the operations that ran and succeeded.
    pub fn results(&self) -> &[OperationResult] {
        match self {
            TransactError::Operation { results, .. } | TransactError::Commit { results, .. } => {
                results
            }
            TransactError::MalformedReply(_) => &[],
        }
    }
}

/// Decodes the `result` of a `transact` reply, already parsed into a [`serde_json::Value`],
/// for the operations `ops` that were sent (without the database name).
///
/// ```
/// use ovsdb::ops::{decode_transact_reply, Condition, Operation, OperationResult};
///
/// let ops = vec![Operation::delete("Logical_Switch", vec![Condition::eq("name", "sw0")])];
/// let reply = serde_json::json!([{"count": 1}]);
/// assert_eq!(
///     decode_transact_reply(&ops, &reply),
///     Ok(vec![OperationResult::Delete { count: 1 }])
/// );
/// ```
pub fn decode_transact_reply(
    ops: &[Operation],
    reply: &serde_json::Value,
) -> Result<Vec<OperationResult>, TransactError> {
    TransactReplySeed::new(ops)
        .deserialize(reply)
        .unwrap_or_else(|e| Err(TransactError::MalformedReply(e.to_string())))
}

/// Decodes the `result` of a `transact` reply straight from its JSON text, without building a
/// [`serde_json::Value`]: selected rows go directly into [`Row`]s.
pub fn decode_transact_reply_slice(
    ops: &[Operation],
    reply: &[u8],
) -> Result<Vec<OperationResult>, TransactError> {
    // As text when it is UTF-8 (checked once, not per string: see `wire::from_json_slice`).
    if let Ok(text) = std::str::from_utf8(reply) {
        return decode_transact_reply_str(ops, text);
    }
    let mut de = serde_json::Deserializer::from_slice(reply);
    finish(TransactReplySeed::new(ops).deserialize(&mut de), de)
}

/// [`decode_transact_reply_slice`] for text.
pub fn decode_transact_reply_str(
    ops: &[Operation],
    reply: &str,
) -> Result<Vec<OperationResult>, TransactError> {
    let mut de = serde_json::Deserializer::from_str(reply);
    finish(TransactReplySeed::new(ops).deserialize(&mut de), de)
}

fn finish<'de, R: serde_json::de::Read<'de>>(
    decoded: Result<Result<Vec<OperationResult>, TransactError>, serde_json::Error>,
    mut de: serde_json::Deserializer<R>,
) -> Result<Vec<OperationResult>, TransactError> {
    match decoded.and_then(|outcome| de.end().map(|()| outcome)) {
        Ok(outcome) => outcome,
        Err(e) => Err(TransactError::MalformedReply(e.to_string())),
    }
}

/// A [`DeserializeSeed`] that decodes a `transact` result array for the operations it was made
/// with, from any serde deserializer (for example the `result` member of a JSON-RPC response
/// as it is being parsed).
///
/// Its value is the transaction's outcome; a deserializer error means the reply was malformed.
#[derive(Debug, Clone, Copy)]
pub struct TransactReplySeed<'a> {
    ops: &'a [Operation],
}

impl<'a> TransactReplySeed<'a> {
    /// A seed for the reply to `ops`.
    pub fn new(ops: &'a [Operation]) -> Self {
        TransactReplySeed { ops }
    }
}

impl<'de> DeserializeSeed<'de> for TransactReplySeed<'_> {
    type Value = Result<Vec<OperationResult>, TransactError>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for TransactReplySeed<'_> {
    type Value = Result<Vec<OperationResult>, TransactError>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(
            f,
            "a transact result: an array of {} or {} results",
            self.ops.len(),
            self.ops.len() + 1
        )
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let n = self.ops.len();
        let mut results = Vec::with_capacity(n);
        let mut failure = None;
        let mut len = 0;
        while failure.is_none() {
            let seed = ElementSeed {
                index: len,
                op: self.ops.get(len),
            };
            let Some(element) = seq.next_element_seed(seed)? else {
                break;
            };
            len += 1;
            match (element, seed.op) {
                (Element::Result(r), _) => results.push(r),
                (Element::Error(error), Some(op)) => {
                    failure = Some(TransactError::Operation {
                        index: len - 1,
                        kind: op.kind(),
                        table: op.table().map(CompactString::from),
                        error: Box::new(error),
                        results: std::mem::take(&mut results),
                    });
                }
                (Element::Error(error), None) => {
                    failure = Some(TransactError::Commit {
                        error: Box::new(error),
                        results: std::mem::take(&mut results),
                    });
                }
                (Element::Null, Some(op)) => {
                    return Err(de::Error::custom(format_args!(
                        "result {} ({}) is null, but no earlier operation failed",
                        len - 1,
                        op.kind()
                    )));
                }
                (Element::Null, None) => {
                    return Err(de::Error::custom(format_args!(
                        "element {n} (after the {n} operations' results) is null; it can \
                         only be the commit's error"
                    )));
                }
            }
        }
        // After a failure the server pads with nulls (operations not run); their exact
        // number does not matter, but never more than one element per operation plus one.
        while seq.next_element::<IgnoredAny>()?.is_some() {
            len += 1;
        }
        if len > n + 1 {
            return Err(de::Error::custom(format_args!(
                "{len} results for {n} operations (at most {} expected)",
                n + 1
            )));
        }
        if let Some(failure) = failure {
            return Ok(Err(failure));
        }
        if len != n {
            return Err(de::Error::custom(format_args!(
                "{len} results for {n} operations and no error"
            )));
        }
        Ok(Ok(results))
    }
}

/// One element of the result array.
enum Element {
    Null,
    Result(OperationResult),
    Error(OperationError),
}

/// Decodes element `index`, the result of `op` (`None`: the element after the last
/// operation's, which can only be the commit's error).
#[derive(Clone, Copy)]
struct ElementSeed<'a> {
    index: usize,
    op: Option<&'a Operation>,
}

impl ElementSeed<'_> {
    fn kind(&self) -> Option<OpKind> {
        self.op.map(Operation::kind)
    }
}

impl<'de> DeserializeSeed<'de> for ElementSeed<'_> {
    type Value = Element;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Element, D::Error> {
        deserializer.deserialize_option(self)
    }
}

/// The members of a result or error object.
#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "lowercase")]
enum Member {
    Error,
    Details,
    Syntax,
    Uuid,
    Rows,
    Count,
    #[serde(other)]
    Other,
}

impl<'de> Visitor<'de> for ElementSeed<'_> {
    type Value = Element;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self.kind() {
            Some(kind) => write!(
                f,
                "the result of operation {} ({kind}): an object or null",
                self.index
            ),
            None => f.write_str("the commit's error object"),
        }
    }

    fn visit_none<E: de::Error>(self) -> Result<Element, E> {
        Ok(Element::Null)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Element, E> {
        Ok(Element::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Element, D::Error> {
        deserializer.deserialize_map(self)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Element, A::Error> {
        let kind = self.kind();
        let (mut error, mut details, mut syntax) = (None, None, None);
        let mut uuid: Option<Uuid> = None;
        let mut rows: Option<Vec<Row>> = None;
        let mut count: Option<u64> = None;
        while let Some(member) = map.next_key::<Member>()? {
            match member {
                Member::Error => error = Some(map.next_value::<String>()?),
                Member::Details => details = Some(map.next_value::<String>()?),
                Member::Syntax => syntax = Some(map.next_value::<String>()?),
                Member::Uuid if kind == Some(OpKind::Insert) => uuid = Some(map.next_value()?),
                Member::Rows if kind == Some(OpKind::Select) => {
                    rows = Some(map.next_value_seed(crate::data::row::RowList)?)
                }
                Member::Count
                    if matches!(kind, Some(OpKind::Update | OpKind::Mutate | OpKind::Delete)) =>
                {
                    count = Some(map.next_value()?)
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if let Some(error) = error {
            return Ok(Element::Error(OperationError {
                error,
                details,
                syntax,
            }));
        }
        let missing = |member: &str| -> A::Error {
            match kind {
                Some(kind) => de::Error::custom(format_args!(
                    "the result of operation {} ({kind}) has neither \"{member}\" nor \"error\"",
                    self.index
                )),
                None => de::Error::custom(format_args!(
                    "element {} (after the operations' results) is not an error object",
                    self.index
                )),
            }
        };
        Ok(Element::Result(match kind {
            None => return Err(missing("error")),
            Some(OpKind::Insert) => OperationResult::Insert {
                uuid: uuid.ok_or_else(|| missing("uuid"))?,
            },
            Some(OpKind::Select) => OperationResult::Select {
                rows: rows.ok_or_else(|| missing("rows"))?,
            },
            Some(OpKind::Update) => OperationResult::Update {
                count: count.ok_or_else(|| missing("count"))?,
            },
            Some(OpKind::Mutate) => OperationResult::Mutate {
                count: count.ok_or_else(|| missing("count"))?,
            },
            Some(OpKind::Delete) => OperationResult::Delete {
                count: count.ok_or_else(|| missing("count"))?,
            },
            Some(OpKind::Wait) => OperationResult::Wait,
            Some(OpKind::Commit) => OperationResult::Commit,
            Some(OpKind::Abort) => OperationResult::Abort,
            Some(OpKind::Comment) => OperationResult::Comment,
            Some(OpKind::Assert) => OperationResult::Assert,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Atom;
    use crate::ops::{Condition, Mutation};

    const U1: &str = "550e8400-e29b-41d4-a716-446655440000";

    fn ops() -> Vec<Operation> {
        vec![
            Operation::insert("LS", Row::new().with("name", Atom::from("a"))).into(),
            Operation::select("LS", vec![]).into(),
            Operation::update("LS", vec![], Row::new()),
            Operation::mutate("LS", vec![], vec![Mutation::add("n", 1i64)]),
            Operation::delete("LS", vec![Condition::eq("name", "b")]),
            Operation::comment("c"),
        ]
    }

    /// Decodes with both entry points and checks they agree.
    fn decode(ops: &[Operation], reply: &str) -> Result<Vec<OperationResult>, TransactError> {
        let fast = decode_transact_reply_str(ops, reply);
        assert_eq!(decode_transact_reply_slice(ops, reply.as_bytes()), fast);
        if let Ok(value) = serde_json::from_str::<serde_json::Value>(reply) {
            let slow = decode_transact_reply(ops, &value);
            match (&fast, &slow) {
                // Error messages differ only in the position suffix serde_json adds.
                (Err(TransactError::MalformedReply(a)), Err(TransactError::MalformedReply(b))) => {
                    assert!(a.starts_with(b.as_str()), "{a} / {b}")
                }
                _ => assert_eq!(fast, slow),
            }
        }
        fast
    }

    fn malformed(ops: &[Operation], reply: &str) -> String {
        match decode(ops, reply) {
            Err(TransactError::MalformedReply(m)) => m,
            other => panic!("{reply}: {other:?}"),
        }
    }

    #[test]
    fn success() {
        let reply = format!(
            r#"[{{"uuid":["uuid","{U1}"]}},{{"rows":[{{"name":"a","n":["set",[1,2]]}}]}},
                {{"count":2}},{{"count":1}},{{"count":0}},{{}}]"#
        );
        let results = decode(&ops(), &reply).unwrap();
        let u = Uuid::parse(U1).unwrap();
        assert_eq!(
            results,
            vec![
                OperationResult::Insert { uuid: u },
                OperationResult::Select {
                    rows: vec![Row::new()
                        .with("name", Atom::from("a"))
                        .with("n", crate::data::Datum::set([1i64, 2]))]
                },
                OperationResult::Update { count: 2 },
                OperationResult::Mutate { count: 1 },
                OperationResult::Delete { count: 0 },
                OperationResult::Comment,
            ]
        );
        assert_eq!(decode(&[], "[]\n"), Ok(vec![]));
    }

    #[test]
    fn operation_error_with_nulls_after_it() {
        let reply = format!(
            r#"[{{"uuid":["uuid","{U1}"]}},{{"rows":[]}},
                {{"error":"constraint violation","details":"5000 is not in the valid range 0 to 4095 (inclusive)"}},
                null,null,null]"#
        );
        let err = decode(&ops(), &reply).unwrap_err();
        assert_eq!(err.failed_index(), Some(2));
        assert!(err.is(OperationError::CONSTRAINT_VIOLATION));
        assert_eq!(err.results().len(), 2);
        assert_eq!(err.results()[1], OperationResult::Select { rows: vec![] });
        assert_eq!(
            err.to_string(),
            "operations[2] (update on LS) failed: constraint violation: 5000 is not in the valid \
             range 0 to 4095 (inclusive); the transaction changed nothing"
        );
        // A failure in the last operation needs no padding, and tolerates missing padding.
        let short = r#"[{"error":"not owner","details":"Asserted lock l not held."}]"#;
        let err = decode(&[Operation::assert("l"), Operation::abort()], short).unwrap_err();
        assert_eq!(
            err.to_string(),
            "operations[0] (assert) failed: not owner: Asserted lock l not held; the \
             transaction changed nothing"
        );
        let syntax = r#"[{},{"details":"Parsing ovsdb operation 2 of 3 failed: No operation \"frob\"","error":"syntax error","syntax":"{\"op\":\"frob\"}"},null]"#;
        let ops3 = [
            Operation::comment("a"),
            Operation::abort(),
            Operation::comment("b"),
        ];
        let err = decode(&ops3, syntax).unwrap_err();
        let Some(e) = err.error() else {
            panic!("{err:?}")
        };
        assert_eq!(e.syntax.as_deref(), Some(r#"{"op":"frob"}"#));
        assert_eq!(err.results(), &[OperationResult::Comment]);
    }

    #[test]
    fn commit_error_is_the_extra_element() {
        let ops = [Operation::insert("LS", Row::new()).into()];
        let reply = format!(
            r#"[{{"uuid":["uuid","{U1}"]}},{{"details":"Table LS column ports row {U1} references nonexistent row","error":"referential integrity violation"}}]"#
        );
        let err = decode(&ops, &reply).unwrap_err();
        assert!(matches!(err, TransactError::Commit { .. }));
        assert_eq!(err.failed_index(), None);
        assert!(err.is(OperationError::REFERENTIAL_INTEGRITY_VIOLATION));
        assert_eq!(err.results()[0].uuid(), Some(Uuid::parse(U1).unwrap()));
        assert!(err
            .to_string()
            .starts_with("the transaction could not be committed: referential integrity"));
    }

    #[test]
    fn mismatched_and_malformed_replies() {
        let ops = ops();
        let ok = format!(
            r#"{{"uuid":["uuid","{U1}"]}},{{"rows":[]}},{{"count":2}},{{"count":1}},{{"count":0}},{{}}"#
        );
        for (reply, why) in [
            (format!("[{ok}][]"), "trailing characters".to_owned()),
            (
                "[]".to_owned(),
                "0 results for 6 operations and no error".to_owned(),
            ),
            (
                format!("[{ok},{{}}]"),
                "element 6 (after the operations' results) is not an error object".to_owned(),
            ),
            (format!("[{ok},null]"), "element 6 (after the 6".to_owned()),
            (
                format!(r#"[{ok},{{"error":"x"}},{{}}]"#),
                "8 results for 6 operations (at most 7 expected)".to_owned(),
            ),
            (
                r#"[{"error":"x"},null,null,null,null,null,null,null]"#.to_owned(),
                "8 results for 6 operations".to_owned(),
            ),
            (
                r#"[{"uuid":["uuid","nope"]}]"#.to_owned(),
                "\"nope\" is not a valid UUID".to_owned(),
            ),
            (
                r#"[{"count":1}]"#.to_owned(),
                "the result of operation 0 (insert) has neither \"uuid\" nor \"error\"".to_owned(),
            ),
            (
                format!(r#"[{{"uuid":["uuid","{U1}"]}},{{"rows":{{}}}}]"#),
                "invalid type: map, expected a sequence".to_owned(),
            ),
            (
                format!(r#"[{{"uuid":["uuid","{U1}"]}},null]"#),
                "result 1 (select) is null, but no earlier operation failed".to_owned(),
            ),
            (
                format!(r#"[{{"uuid":["uuid","{U1}"]}},[]]"#),
                "expected the result of operation 1 (select)".to_owned(),
            ),
            (
                r#"{"error":"x"}"#.to_owned(),
                "expected a transact result: an array of 6 or 7 results".to_owned(),
            ),
            (
                r#"[{"error":1}]"#.to_owned(),
                "invalid type: integer `1`, expected a string".to_owned(),
            ),
        ] {
            let m = malformed(&ops, &reply);
            assert!(m.contains(&why), "{reply}: {m}");
        }
        let err = decode_transact_reply_str(&ops, "[").unwrap_err();
        assert!(
            err.to_string().starts_with("malformed transact reply: EOF"),
            "{err}"
        );
        assert_eq!(err.error(), None);
        assert!(err.results().is_empty());
    }

    #[test]
    fn unknown_members_are_ignored() {
        let ops = [Operation::delete("LS", vec![])];
        assert_eq!(
            decode(&ops, r#"[{"count":3,"rows":[1],"future":{}}]"#),
            Ok(vec![OperationResult::Delete { count: 3 }])
        );
    }
}
