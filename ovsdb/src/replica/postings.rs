//! The entries of one index: for each key, the rows that have it.
//!
//! A hash map from key to rows, not an ordered set of `(key, uuid)` pairs: an index is only
//! ever asked for the rows of one key, and building one for a large initial sync is then a
//! pass of hashing instead of a sort (the sort of 100,000 port names was a tenth of a whole
//! sync's instructions). The rows of a key are kept in UUID order; a key held by one row,
//! the usual case, stores its UUID inline, and a key shared by many (an index on
//! `external_ids:namespace` may have thousands of ports per namespace) keeps an ordered set,
//! so adding or removing a row stays O(log n) however many rows share the key.

use std::collections::{btree_set, BTreeSet, HashMap};
use std::iter;

use super::index::IndexKey;
use super::FastHash as Hasher;
use crate::data::Uuid;

/// The rows of one key, in UUID order.
#[derive(Debug, Clone, PartialEq)]
enum Rows {
    One(Uuid),
    /// Two or more. Boxed so that `Rows` is 24 bytes, not 32: most keys have one row.
    #[allow(clippy::box_collection)]
    Many(Box<BTreeSet<Uuid>>),
}

/// Every key of an index with its rows.
#[derive(Debug, Clone, Default)]
pub(crate) struct Postings {
    keys: HashMap<IndexKey, Rows, Hasher>,
    /// `(key, row)` pairs.
    len: usize,
}

impl PartialEq for Postings {
    fn eq(&self, other: &Postings) -> bool {
        self.len == other.len && self.keys == other.keys
    }
}

impl Postings {
    /// Empty, with room for `keys` keys.
    pub(crate) fn with_capacity(keys: usize) -> Self {
        Postings {
            keys: HashMap::with_capacity_and_hasher(keys, Hasher::default()),
            len: 0,
        }
    }

    /// The postings of `pairs`; a pair given twice counts once.
    #[cfg(test)]
    fn from_pairs(pairs: impl IntoIterator<Item = (IndexKey, Uuid)>) -> Self {
        let mut postings = Postings::default();
        for (key, uuid) in pairs {
            postings.insert(key, uuid);
        }
        postings
    }

    /// Adds `uuid` under `key`; nothing if it is there already.
    pub(crate) fn insert(&mut self, key: IndexKey, uuid: Uuid) {
        use std::collections::hash_map::Entry;
        let added = match self.keys.entry(key) {
            Entry::Vacant(v) => {
                v.insert(Rows::One(uuid));
                true
            }
            Entry::Occupied(mut o) => match o.get_mut() {
                Rows::One(one) if *one == uuid => false,
                Rows::One(one) => {
                    let set = BTreeSet::from([*one, uuid]);
                    *o.get_mut() = Rows::Many(Box::new(set));
                    true
                }
                Rows::Many(set) => set.insert(uuid),
            },
        };
        self.len += usize::from(added);
    }

    /// Removes `uuid` from under `key`; nothing if it is not there.
    pub(crate) fn remove(&mut self, key: &IndexKey, uuid: Uuid) {
        let Some(rows) = self.keys.get_mut(key) else {
            return;
        };
        let (removed, emptied) = match rows {
            Rows::One(one) => (*one == uuid, *one == uuid),
            Rows::Many(set) => {
                let removed = set.remove(&uuid);
                if set.len() == 1 {
                    if let Some(last) = set.first() {
                        *rows = Rows::One(*last);
                    }
                }
                (removed, false)
            }
        };
        if emptied {
            self.keys.remove(key);
        }
        self.len -= usize::from(removed);
    }

    /// The rows under `key`, in UUID order.
    pub(crate) fn get(&self, key: &IndexKey) -> PostingRows<'_> {
        PostingRows(match self.keys.get(key) {
            None => Inner::One(None),
            Some(Rows::One(uuid)) => Inner::One(Some(*uuid)),
            Some(Rows::Many(set)) => Inner::Many(set.iter()),
        })
    }

    /// Number of `(key, row)` pairs.
    pub(crate) fn len(&self) -> usize {
        self.len
    }
}

/// The rows of one key, in UUID order (see [`Postings::get`]).
#[derive(Debug, Clone)]
pub(crate) struct PostingRows<'a>(Inner<'a>);

#[derive(Debug, Clone)]
enum Inner<'a> {
    One(Option<Uuid>),
    Many(btree_set::Iter<'a, Uuid>),
}

impl Iterator for PostingRows<'_> {
    type Item = Uuid;

    fn next(&mut self) -> Option<Uuid> {
        match &mut self.0 {
            Inner::One(one) => one.take(),
            Inner::Many(iter) => iter.next().copied(),
        }
    }
}

impl iter::FusedIterator for PostingRows<'_> {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Atom;

    fn key(s: &str) -> IndexKey {
        IndexKey::One(Atom::from(s))
    }

    fn u(n: u8) -> Uuid {
        Uuid::from_bytes([n; 16])
    }

    fn rows(p: &Postings, k: &str) -> Vec<Uuid> {
        p.get(&key(k)).collect()
    }

    #[test]
    fn a_key_with_one_row_costs_no_more_than_its_uuid_and_a_word() {
        assert_eq!(std::mem::size_of::<Rows>(), 24);
    }

    #[test]
    fn rows_of_a_key_come_in_uuid_order_and_once() {
        let p = Postings::from_pairs(
            [("a", 3), ("b", 1), ("a", 1), ("a", 2), ("a", 3)]
                .into_iter()
                .map(|(k, n)| (key(k), u(n))),
        );
        assert_eq!(rows(&p, "a"), vec![u(1), u(2), u(3)]);
        assert_eq!(rows(&p, "b"), vec![u(1)]);
        assert_eq!(rows(&p, "c"), vec![]);
        assert_eq!(p.len(), 4);
    }

    #[test]
    fn removing_goes_back_to_one_row_then_to_none() {
        let mut p = Postings::default();
        p.insert(key("a"), u(2));
        p.insert(key("a"), u(1));
        p.remove(&key("a"), u(9));
        p.remove(&key("z"), u(1));
        assert_eq!(p.len(), 2);
        p.remove(&key("a"), u(2));
        assert_eq!(rows(&p, "a"), vec![u(1)]);
        assert_eq!(p, Postings::from_pairs(iter::once((key("a"), u(1)))));
        p.remove(&key("a"), u(1));
        assert_eq!(rows(&p, "a"), vec![]);
        assert_eq!(p.len(), 0);
        assert_eq!(p, Postings::default());
    }
}
