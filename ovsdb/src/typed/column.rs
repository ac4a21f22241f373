//! [`Column<T, V>`]: a typed column identifier, and the conditions and mutations built from it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::marker::PhantomData;

use crate::data::{Datum, Map, Set};
use crate::ops::{Condition, Function, Mutation, Mutator};

use super::value::{Atomic, Value};

/// Column `name` of table `T`, whose values are `V`. Generated as associated constants of
/// each row type (`LogicalSwitchPort::NAME`, `LogicalSwitchPort::ADDRESSES`, ...), they build
/// conditions and mutations that only accept values of the column's type and only combine
/// with operations on table `T`:
///
/// ```
/// use ovsdb::typed::Column;
/// use std::collections::BTreeSet;
///
/// #[derive(Debug)]
/// struct Port;
/// const NAME: Column<Port, String> = Column::new("name");
/// const TAG: Column<Port, Option<i64>> = Column::new("tag");
/// const ADDRESSES: Column<Port, BTreeSet<String>> = Column::new("addresses");
///
/// let c = NAME.eq("p1");
/// assert_eq!(serde_json::to_string(c.condition())?, r#"["name","==","p1"]"#);
/// let c = TAG.eq(None);
/// assert_eq!(serde_json::to_string(c.condition())?, r#"["tag","==",["set",[]]]"#);
/// let m = ADDRESSES.insert(["unknown"]);
/// assert_eq!(serde_json::to_string(m.mutation())?, r#"["addresses","insert",["set",["unknown"]]]"#);
/// # Ok::<(), serde_json::Error>(())
/// ```
pub struct Column<T, V> {
    name: &'static str,
    types: PhantomData<fn() -> (T, V)>,
}

impl<T, V> Column<T, V> {
    /// The column named `name` (as the schema spells it).
    pub const fn new(name: &'static str) -> Self {
        Column {
            name,
            types: PhantomData,
        }
    }

    /// The column's name as the schema spells it.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The column without its value type, for lists of columns (`wait`, `select` columns).
    pub const fn id(&self) -> ColumnId<T> {
        ColumnId::new(self.name)
    }
}

impl<T, V> Clone for Column<T, V> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T, V> Copy for Column<T, V> {}

impl<T, V> fmt::Debug for Column<T, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Column({})", self.name)
    }
}

/// A column of table `T`, whatever its value type.
pub struct ColumnId<T> {
    name: &'static str,
    table: PhantomData<fn() -> T>,
}

impl<T> ColumnId<T> {
    /// The column named `name`.
    pub const fn new(name: &'static str) -> Self {
        ColumnId {
            name,
            table: PhantomData,
        }
    }

    /// The column's name.
    pub const fn name(&self) -> &'static str {
        self.name
    }
}

impl<T> Clone for ColumnId<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for ColumnId<T> {}

impl<T> fmt::Debug for ColumnId<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ColumnId({})", self.name)
    }
}

impl<T, V> From<Column<T, V>> for ColumnId<T> {
    fn from(c: Column<T, V>) -> Self {
        c.id()
    }
}

/// A condition on table `T`'s rows, built from a [`Column`] of `T`.
pub struct TypedCondition<T> {
    condition: Condition,
    table: PhantomData<fn() -> T>,
}

impl<T> TypedCondition<T> {
    /// Wraps a dynamic condition the caller knows to fit table `T` (an escape hatch for what
    /// the typed constructors cannot express).
    pub fn from_condition(condition: Condition) -> Self {
        TypedCondition {
            condition,
            table: PhantomData,
        }
    }

    /// The dynamic condition.
    pub fn condition(&self) -> &Condition {
        &self.condition
    }

    /// The dynamic condition, by value.
    pub fn into_condition(self) -> Condition {
        self.condition
    }
}

impl<T> Clone for TypedCondition<T> {
    fn clone(&self) -> Self {
        TypedCondition::from_condition(self.condition.clone())
    }
}

impl<T> fmt::Debug for TypedCondition<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.condition, f)
    }
}

impl<T> PartialEq for TypedCondition<T> {
    fn eq(&self, other: &Self) -> bool {
        self.condition == other.condition
    }
}

impl<T> From<TypedCondition<T>> for Condition {
    fn from(c: TypedCondition<T>) -> Condition {
        c.condition
    }
}

/// A mutation of table `T`'s rows, built from a [`Column`] of `T`.
pub struct TypedMutation<T> {
    mutation: Mutation,
    table: PhantomData<fn() -> T>,
}

impl<T> TypedMutation<T> {
    /// Wraps a dynamic mutation the caller knows to fit table `T`.
    pub fn from_mutation(mutation: Mutation) -> Self {
        TypedMutation {
            mutation,
            table: PhantomData,
        }
    }

    /// The dynamic mutation.
    pub fn mutation(&self) -> &Mutation {
        &self.mutation
    }

    /// The dynamic mutation, by value.
    pub fn into_mutation(self) -> Mutation {
        self.mutation
    }
}

impl<T> Clone for TypedMutation<T> {
    fn clone(&self) -> Self {
        TypedMutation::from_mutation(self.mutation.clone())
    }
}

impl<T> fmt::Debug for TypedMutation<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.mutation, f)
    }
}

impl<T> PartialEq for TypedMutation<T> {
    fn eq(&self, other: &Self) -> bool {
        self.mutation == other.mutation
    }
}

impl<T> From<TypedMutation<T>> for Mutation {
    fn from(m: TypedMutation<T>) -> Mutation {
        m.mutation
    }
}

impl<T, V> Column<T, V> {
    fn cond(&self, function: Function, value: Datum) -> TypedCondition<T> {
        TypedCondition::from_condition(Condition::new(self.name, function, value))
    }

    fn mutation(&self, mutator: Mutator, value: Datum) -> TypedMutation<T> {
        TypedMutation::from_mutation(Mutation::new(self.name, mutator, value))
    }
}

impl<T, V: Value> Column<T, V> {
    /// `column == value` (for a set or map: the same elements).
    pub fn eq(&self, value: impl Into<V>) -> TypedCondition<T> {
        self.cond(Function::Equal, value.into().to_datum())
    }

    /// `column != value`.
    pub fn ne(&self, value: impl Into<V>) -> TypedCondition<T> {
        self.cond(Function::NotEqual, value.into().to_datum())
    }
}

/// Conditions and mutations of scalar integer columns.
impl<T> Column<T, i64> {
    /// `column < value`.
    pub fn lt(&self, value: i64) -> TypedCondition<T> {
        self.cond(Function::LessThan, Datum::from(value.to_atom()))
    }
    /// `column <= value`.
    pub fn le(&self, value: i64) -> TypedCondition<T> {
        self.cond(Function::LessThanOrEqual, Datum::from(value.to_atom()))
    }
    /// `column > value`.
    pub fn gt(&self, value: i64) -> TypedCondition<T> {
        self.cond(Function::GreaterThan, Datum::from(value.to_atom()))
    }
    /// `column >= value`.
    pub fn ge(&self, value: i64) -> TypedCondition<T> {
        self.cond(Function::GreaterThanOrEqual, Datum::from(value.to_atom()))
    }
    /// `column += value`.
    pub fn add(&self, value: i64) -> TypedMutation<T> {
        self.mutation(Mutator::Add, Datum::from(value.to_atom()))
    }
    /// `column -= value`.
    pub fn subtract(&self, value: i64) -> TypedMutation<T> {
        self.mutation(Mutator::Subtract, Datum::from(value.to_atom()))
    }
    /// `column *= value`.
    pub fn multiply(&self, value: i64) -> TypedMutation<T> {
        self.mutation(Mutator::Multiply, Datum::from(value.to_atom()))
    }
    /// `column /= value`.
    pub fn divide(&self, value: i64) -> TypedMutation<T> {
        self.mutation(Mutator::Divide, Datum::from(value.to_atom()))
    }
    /// `column %= value`.
    pub fn modulo(&self, value: i64) -> TypedMutation<T> {
        self.mutation(Mutator::Modulo, Datum::from(value.to_atom()))
    }
}

/// Conditions and mutations of scalar real columns.
impl<T> Column<T, f64> {
    /// `column < value`.
    pub fn lt(&self, value: f64) -> TypedCondition<T> {
        self.cond(Function::LessThan, Datum::from(value.to_atom()))
    }
    /// `column <= value`.
    pub fn le(&self, value: f64) -> TypedCondition<T> {
        self.cond(Function::LessThanOrEqual, Datum::from(value.to_atom()))
    }
    /// `column > value`.
    pub fn gt(&self, value: f64) -> TypedCondition<T> {
        self.cond(Function::GreaterThan, Datum::from(value.to_atom()))
    }
    /// `column >= value`.
    pub fn ge(&self, value: f64) -> TypedCondition<T> {
        self.cond(Function::GreaterThanOrEqual, Datum::from(value.to_atom()))
    }
    /// `column += value`.
    pub fn add(&self, value: f64) -> TypedMutation<T> {
        self.mutation(Mutator::Add, Datum::from(value.to_atom()))
    }
    /// `column -= value`.
    pub fn subtract(&self, value: f64) -> TypedMutation<T> {
        self.mutation(Mutator::Subtract, Datum::from(value.to_atom()))
    }
    /// `column *= value`.
    pub fn multiply(&self, value: f64) -> TypedMutation<T> {
        self.mutation(Mutator::Multiply, Datum::from(value.to_atom()))
    }
    /// `column /= value`.
    pub fn divide(&self, value: f64) -> TypedMutation<T> {
        self.mutation(Mutator::Divide, Datum::from(value.to_atom()))
    }
}

fn set_of<A: Atomic, I>(elements: I) -> Datum
where
    I: IntoIterator,
    I::Item: Into<A>,
{
    Datum::Set(Set::from_atoms(
        elements.into_iter().map(|e| e.into().to_atom()).collect(),
    ))
}

/// Conditions and mutations of optional (`0..1`) columns.
impl<T, A: Atomic> Column<T, Option<A>> {
    /// The column holds `value` (`includes`).
    pub fn contains(&self, value: impl Into<A>) -> TypedCondition<T> {
        self.cond(Function::Includes, Datum::from(value.into().to_atom()))
    }
    /// Sets the column to `value` if it is empty (`insert`; fails the operation if the column
    /// already holds another value).
    pub fn insert(&self, value: impl Into<A>) -> TypedMutation<T> {
        self.mutation(Mutator::Insert, Datum::from(value.into().to_atom()))
    }
    /// Empties the column if it holds `value` (`delete`).
    pub fn delete(&self, value: impl Into<A>) -> TypedMutation<T> {
        self.mutation(Mutator::Delete, Datum::from(value.into().to_atom()))
    }
}

/// Conditions and mutations of set columns.
impl<T, A: Atomic + Ord> Column<T, BTreeSet<A>> {
    /// The set holds every one of `elements` (`includes`).
    pub fn includes<I>(&self, elements: I) -> TypedCondition<T>
    where
        I: IntoIterator,
        I::Item: Into<A>,
    {
        self.cond(Function::Includes, set_of::<A, I>(elements))
    }
    /// The set holds none of `elements` (`excludes`).
    pub fn excludes<I>(&self, elements: I) -> TypedCondition<T>
    where
        I: IntoIterator,
        I::Item: Into<A>,
    {
        self.cond(Function::Excludes, set_of::<A, I>(elements))
    }
    /// The set holds `element` (`includes`).
    pub fn contains(&self, element: impl Into<A>) -> TypedCondition<T> {
        self.cond(Function::Includes, Datum::from(element.into().to_atom()))
    }
    /// Adds `elements` (`insert`).
    pub fn insert<I>(&self, elements: I) -> TypedMutation<T>
    where
        I: IntoIterator,
        I::Item: Into<A>,
    {
        self.mutation(Mutator::Insert, set_of::<A, I>(elements))
    }
    /// Removes `elements` (`delete`).
    pub fn delete<I>(&self, elements: I) -> TypedMutation<T>
    where
        I: IntoIterator,
        I::Item: Into<A>,
    {
        self.mutation(Mutator::Delete, set_of::<A, I>(elements))
    }
}

fn map_of<K: Atomic, V: Atomic, I, IK, IV>(pairs: I) -> Datum
where
    I: IntoIterator<Item = (IK, IV)>,
    IK: Into<K>,
    IV: Into<V>,
{
    Datum::Map(Map::from_pairs(
        pairs
            .into_iter()
            .map(|(k, v)| (k.into().to_atom(), v.into().to_atom()))
            .collect(),
    ))
}

/// Conditions and mutations of map columns.
impl<T, K: Atomic + Ord, V: Atomic> Column<T, BTreeMap<K, V>> {
    /// The map holds every one of these key-value pairs (`includes`).
    pub fn includes<I, IK, IV>(&self, pairs: I) -> TypedCondition<T>
    where
        I: IntoIterator<Item = (IK, IV)>,
        IK: Into<K>,
        IV: Into<V>,
    {
        self.cond(Function::Includes, map_of::<K, V, I, IK, IV>(pairs))
    }
    /// The map holds none of these key-value pairs (`excludes`).
    pub fn excludes<I, IK, IV>(&self, pairs: I) -> TypedCondition<T>
    where
        I: IntoIterator<Item = (IK, IV)>,
        IK: Into<K>,
        IV: Into<V>,
    {
        self.cond(Function::Excludes, map_of::<K, V, I, IK, IV>(pairs))
    }
    /// The map maps `key` to `value` (`includes`), e.g. an `external_ids` lookup.
    pub fn contains_entry(&self, key: impl Into<K>, value: impl Into<V>) -> TypedCondition<T> {
        self.includes([(key.into(), value.into())])
    }
    /// Adds the pairs whose keys are not in the map yet (`insert`; existing keys keep their
    /// values: to overwrite, [`delete_keys`](Self::delete_keys) first in the same `mutate`).
    pub fn insert<I, IK, IV>(&self, pairs: I) -> TypedMutation<T>
    where
        I: IntoIterator<Item = (IK, IV)>,
        IK: Into<K>,
        IV: Into<V>,
    {
        self.mutation(Mutator::Insert, map_of::<K, V, I, IK, IV>(pairs))
    }
    /// Removes the pairs that match both key and value (`delete` with a map).
    pub fn delete_pairs<I, IK, IV>(&self, pairs: I) -> TypedMutation<T>
    where
        I: IntoIterator<Item = (IK, IV)>,
        IK: Into<K>,
        IV: Into<V>,
    {
        self.mutation(Mutator::Delete, map_of::<K, V, I, IK, IV>(pairs))
    }
    /// Removes these keys, whatever their values (`delete` with a set).
    pub fn delete_keys<I>(&self, keys: I) -> TypedMutation<T>
    where
        I: IntoIterator,
        I::Item: Into<K>,
    {
        self.mutation(Mutator::Delete, set_of::<K, I>(keys))
    }
    /// Sets these keys to these values, overwriting existing ones: a `delete` of the keys,
    /// then an `insert` of the pairs (both go in the same `mutate`, in this order).
    pub fn set_entries<I, IK, IV>(&self, pairs: I) -> [TypedMutation<T>; 2]
    where
        I: IntoIterator<Item = (IK, IV)>,
        IK: Into<K>,
        IV: Into<V>,
    {
        let pairs: Vec<(K, V)> = pairs
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        [
            self.delete_keys(pairs.iter().map(|(k, _)| k.clone())),
            self.insert(pairs),
        ]
    }
}
