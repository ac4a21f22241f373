//! Property tests: JSON encode -> decode is the identity for arbitrary operations, and a
//! reply built from arbitrary results (and an arbitrary failure) decodes back to them.

use proptest::prelude::*;

use super::{
    decode_transact_reply_slice, Condition, Function, Insert, Mutation, Mutator, OpKind, Operation,
    OperationError, OperationResult, Select, TransactError, Until, UuidName, Wait,
};
use crate::data::proptests::{datum, row};
use crate::data::Uuid;

fn name() -> impl Strategy<Value = String> {
    "[A-Za-z_][A-Za-z0-9_:-]{0,20}"
}

fn condition() -> impl Strategy<Value = Condition> {
    (
        name(),
        prop::sample::select(Function::ALL.to_vec()),
        datum(),
    )
        .prop_map(|(c, f, v)| Condition::new(c, f, v))
}

fn mutation() -> impl Strategy<Value = Mutation> {
    (name(), prop::sample::select(Mutator::ALL.to_vec()), datum())
        .prop_map(|(c, m, v)| Mutation::new(c, m, v))
}

fn conditions() -> impl Strategy<Value = Vec<Condition>> {
    prop::collection::vec(condition(), 0..4)
}

fn columns() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(name(), 0..4)
}

fn uuid() -> impl Strategy<Value = Uuid> {
    any::<[u8; 16]>().prop_map(Uuid::from_bytes)
}

fn uuid_name() -> impl Strategy<Value = UuidName> {
    "[A-Za-z_][A-Za-z0-9_]{0,20}".prop_filter_map("an id", |s| UuidName::new(&s).ok())
}

pub(crate) fn operation() -> impl Strategy<Value = Operation> {
    prop_oneof![
        (
            name(),
            row(),
            prop::option::of(uuid_name()),
            prop::option::of(uuid())
        )
            .prop_map(|(t, r, n, u)| {
                let mut i = Insert::new(t, r);
                i.uuid_name = n;
                i.uuid = u;
                i.into()
            }),
        (name(), conditions(), prop::option::of(columns())).prop_map(|(t, c, cols)| {
            let mut s = Select::new(t, c);
            s.columns = cols.map(|v| v.into_iter().map(Into::into).collect());
            s.into()
        }),
        (name(), conditions(), row()).prop_map(|(t, c, r)| Operation::update(t, c, r)),
        (
            name(),
            conditions(),
            prop::collection::vec(mutation(), 0..4)
        )
            .prop_map(|(t, c, m)| Operation::mutate(t, c, m)),
        (name(), conditions()).prop_map(|(t, c)| Operation::delete(t, c)),
        (
            prop::option::of(any::<u64>()),
            name(),
            conditions(),
            columns(),
            prop::sample::select(vec![Until::Equal, Until::NotEqual]),
            prop::collection::vec(row(), 0..3)
        )
            .prop_map(|(timeout, t, c, cols, until, rows)| {
                let mut w = Wait::new(t, c, cols, until, rows);
                w.timeout_ms = timeout;
                w.into()
            }),
        any::<bool>().prop_map(Operation::commit),
        Just(Operation::abort()),
        any::<String>().prop_map(Operation::comment),
        name().prop_map(Operation::assert),
    ]
}

fn result_for(kind: OpKind) -> BoxedStrategy<OperationResult> {
    match kind {
        OpKind::Insert => uuid()
            .prop_map(|uuid| OperationResult::Insert { uuid })
            .boxed(),
        OpKind::Select => prop::collection::vec(row(), 0..4)
            .prop_map(|rows| OperationResult::Select { rows })
            .boxed(),
        OpKind::Update => any::<u64>()
            .prop_map(|count| OperationResult::Update { count })
            .boxed(),
        OpKind::Mutate => any::<u64>()
            .prop_map(|count| OperationResult::Mutate { count })
            .boxed(),
        OpKind::Delete => any::<u64>()
            .prop_map(|count| OperationResult::Delete { count })
            .boxed(),
        OpKind::Wait => Just(OperationResult::Wait).boxed(),
        OpKind::Commit => Just(OperationResult::Commit).boxed(),
        OpKind::Abort => Just(OperationResult::Abort).boxed(),
        OpKind::Comment => Just(OperationResult::Comment).boxed(),
        OpKind::Assert => Just(OperationResult::Assert).boxed(),
    }
}

fn transaction_and_results() -> impl Strategy<Value = (Vec<Operation>, Vec<OperationResult>)> {
    prop::collection::vec(operation(), 0..6).prop_flat_map(|ops| {
        let results: Vec<_> = ops.iter().map(|op| result_for(op.kind())).collect();
        (Just(ops), results)
    })
}

proptest! {
    #[test]
    fn operation_round_trips(op in operation()) {
        let json = serde_json::to_vec(&op).unwrap();
        prop_assert_eq!(serde_json::from_slice::<Operation>(&json).unwrap(), op);
    }

    #[test]
    fn condition_and_mutation_round_trip(c in condition(), m in mutation()) {
        let json = serde_json::to_string(&c).unwrap();
        prop_assert_eq!(serde_json::from_str::<Condition>(&json).unwrap(), c);
        let json = serde_json::to_string(&m).unwrap();
        prop_assert_eq!(serde_json::from_str::<Mutation>(&json).unwrap(), m);
    }

    #[test]
    fn reply_round_trips((ops, results) in transaction_and_results()) {
        let reply = serde_json::to_vec(&results).unwrap();
        prop_assert_eq!(decode_transact_reply_slice(&ops, &reply), Ok(results));
    }

    #[test]
    fn failed_reply_round_trips(
        (ops, results) in transaction_and_results(),
        at in any::<prop::sample::Index>(),
        error in "[a-z ]{1,20}",
        details in prop::option::of(any::<String>()),
    ) {
        // Fail operation `k` (or, for k == n, the commit): results before it, the error,
        // nulls for the operations that did not run.
        let n = ops.len();
        let k = at.index(n + 1);
        let error = OperationError { error, details, syntax: None };
        let mut reply: Vec<serde_json::Value> = results[..k]
            .iter()
            .map(|r| serde_json::to_value(r).unwrap())
            .collect();
        reply.push(serde_json::to_value(&error).unwrap());
        reply.resize(n.max(k + 1), serde_json::Value::Null);
        let text = serde_json::to_vec(&reply).unwrap();
        let expected = if k < n {
            TransactError::Operation {
                index: k,
                kind: ops[k].kind(),
                table: ops[k].table().map(Into::into),
                error: Box::new(error),
                results: results[..k].to_vec(),
            }
        } else {
            TransactError::Commit { error: Box::new(error), results }
        };
        prop_assert_eq!(decode_transact_reply_slice(&ops, &text), Err(expected));
    }
}
