//! [`SortedSet`]: a set on the machinery of [`SortedMap`] (a `SortedMap<K, ()>`).
//!
//! It iterates, compares and prints as a `BTreeSet` with the same elements does (in `Ord`
//! order). Why not `BTreeSet`: it is a `BTreeMap` inside, and its node code is copied into the
//! WebAssembly module once per element type, as [`SortedMap`]'s documentation explains. Lookups
//! are O(log n); an insert out of order moves 4-byte indexes.

use std::borrow::Borrow;
use std::fmt;

use super::SortedMap;

/// A set kept sorted (see the module documentation).
#[derive(Clone, PartialEq, Eq)]
pub struct SortedSet<K> {
    map: SortedMap<K, ()>,
}

impl<K> Default for SortedSet<K> {
    fn default() -> Self {
        SortedSet {
            map: SortedMap::new(),
        }
    }
}

impl<K> SortedSet<K> {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The elements in order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &K> + ExactSizeIterator + Clone {
        self.map.keys()
    }

    pub fn first(&self) -> Option<&K> {
        self.map.first_key_value().map(|e| e.0)
    }

    pub fn last(&self) -> Option<&K> {
        self.map.last_key_value().map(|e| e.0)
    }

    /// Keeps the elements for which `keep` says true.
    pub fn retain(&mut self, mut keep: impl FnMut(&K) -> bool) {
        self.map.retain(|k, _| keep(k));
    }
}

impl<K: Ord> SortedSet<K> {
    /// Adds `value`; false when it was there already (the element kept is the old one).
    pub fn insert(&mut self, value: K) -> bool {
        self.map.insert(value, ()).is_none()
    }

    pub fn contains<Q: Ord + ?Sized>(&self, value: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.map.contains_key(value)
    }

    pub fn remove<Q: Ord + ?Sized>(&mut self, value: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.map.remove(value).is_some()
    }
}

impl<K: fmt::Debug> fmt::Debug for SortedSet<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl<K: Ord> FromIterator<K> for SortedSet<K> {
    fn from_iter<I: IntoIterator<Item = K>>(iter: I) -> Self {
        let mut set = SortedSet::new();
        set.extend(iter);
        set
    }
}

impl<K: Ord> Extend<K> for SortedSet<K> {
    fn extend<I: IntoIterator<Item = K>>(&mut self, iter: I) {
        for k in iter {
            self.insert(k);
        }
    }
}

impl<K: Ord, const N: usize> From<[K; N]> for SortedSet<K> {
    fn from(elements: [K; N]) -> Self {
        elements.into_iter().collect()
    }
}

impl<K> IntoIterator for SortedSet<K> {
    type Item = K;
    type IntoIter = std::iter::Map<std::vec::IntoIter<(K, ())>, fn((K, ())) -> K>;
    fn into_iter(self) -> Self::IntoIter {
        self.map.into_iter().map(first as fn((K, ())) -> K)
    }
}

fn first<K>(e: (K, ())) -> K {
    e.0
}

impl<'a, K> IntoIterator for &'a SortedSet<K> {
    type Item = &'a K;
    type IntoIter = super::sorted_map::Keys<'a, K, ()>;
    fn into_iter(self) -> Self::IntoIter {
        self.map.iter().map(key as fn((&'a K, &'a ())) -> &'a K)
    }
}

fn key<'a, K>(e: (&'a K, &'a ())) -> &'a K {
    e.0
}

#[cfg(test)]
mod tests {
    use super::SortedSet;
    use std::collections::BTreeSet;

    #[test]
    fn behaves_as_a_btreeset() {
        let keys = ["m", "b", "z", "a", "b", "q", "m", "c"];
        let mut mine = SortedSet::new();
        let mut theirs = BTreeSet::new();
        for k in keys {
            assert_eq!(mine.insert(k.to_string()), theirs.insert(k.to_string()));
        }
        assert!(mine.iter().eq(theirs.iter()));
        assert!(mine.iter().rev().eq(theirs.iter().rev()));
        assert_eq!(mine.remove("q"), theirs.remove("q"));
        assert_eq!(mine.remove("nope"), theirs.remove("nope"));
        assert_eq!(mine.contains("b"), theirs.contains("b"));
        assert_eq!(mine.first(), theirs.first());
        assert_eq!(mine.last(), theirs.last());
        mine.retain(|k| k != "c");
        theirs.retain(|k| k != "c");
        assert_eq!(format!("{mine:?}"), format!("{theirs:?}"));
        assert!(mine.clone().into_iter().eq(theirs.clone()));
        assert_eq!(mine.len(), theirs.len());
    }
}
