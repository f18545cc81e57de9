//! [`SortedMap`]: the model's map, a `Vec` of entries kept sorted by key.
//!
//! It iterates, compares, prints and serializes exactly as a `BTreeMap` with the same entries
//! does (keys in `Ord` order; a JSON object in that order; duplicate keys on deserialize: the last
//! one wins), so it can stand in for one. Why not `BTreeMap`: the WebAssembly module carries one
//! copy of the B-tree's node code per key and value type (over 30 of them in the model and
//! planner), and that code was a third of the module's function bytes; a sorted `Vec` is a binary
//! search and a `Vec::insert`, small for each type. Lookups stay O(log n); an insert is O(n), but
//! entries mostly arrive in key order (deserialize, collect from a sorted source: appends), and a
//! schema's maps hold thousands of entries at most.

use std::borrow::Borrow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A map kept sorted by key (see the module documentation).
///
/// The entries sit in the order they came (`entries`); `order` holds their indexes sorted by key,
/// so an insert in the middle moves 4-byte indexes, not entries (a 50 MB dump inserts some 270,000
/// tables out of key order). Methods that hand out `&mut` to many entries first put the entries
/// themselves in key order ([`SortedMap::settle`]).
#[derive(Clone)]
pub struct SortedMap<K, V> {
    entries: Vec<(K, V)>,
    order: Vec<u32>,
}

impl<K, V> Default for SortedMap<K, V> {
    fn default() -> Self {
        SortedMap {
            entries: Vec::new(),
            order: Vec::new(),
        }
    }
}

impl<K: PartialEq, V: PartialEq> PartialEq for SortedMap<K, V> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl<K: Eq, V: Eq> Eq for SortedMap<K, V> {}

/// Iterator over `(&K, &V)` in key order.
pub struct Iter<'a, K, V> {
    entries: &'a [(K, V)],
    order: std::slice::Iter<'a, u32>,
}

impl<K, V> Clone for Iter<'_, K, V> {
    fn clone(&self) -> Self {
        Iter {
            entries: self.entries,
            order: self.order.clone(),
        }
    }
}

impl<'a, K, V> Iterator for Iter<'a, K, V> {
    type Item = (&'a K, &'a V);
    fn next(&mut self) -> Option<Self::Item> {
        let e = &self.entries[*self.order.next()? as usize];
        Some((&e.0, &e.1))
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.order.size_hint()
    }
}

impl<K, V> DoubleEndedIterator for Iter<'_, K, V> {
    fn next_back(&mut self) -> Option<Self::Item> {
        let e = &self.entries[*self.order.next_back()? as usize];
        Some((&e.0, &e.1))
    }
}

impl<K, V> ExactSizeIterator for Iter<'_, K, V> {}

type Mut<'a, K, V> = fn(&'a mut (K, V)) -> (&'a K, &'a mut V);
/// Iterator over the keys in order (for [`super::SortedSet`]).
pub type Keys<'a, K, V> = std::iter::Map<Iter<'a, K, V>, fn((&'a K, &'a V)) -> &'a K>;

/// Iterator over `(&K, &mut V)` in key order.
pub type IterMut<'a, K, V> = std::iter::Map<std::slice::IterMut<'a, (K, V)>, Mut<'a, K, V>>;

fn as_mut<K, V>(e: &mut (K, V)) -> (&K, &mut V) {
    (&e.0, &mut e.1)
}

impl<K, V> SortedMap<K, V> {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn clear(&mut self) {
        self.entries.clear();
        self.order.clear();
    }

    /// Puts the entries themselves in key order (`order` becomes 0, 1, 2, ...).
    fn settle(&mut self) {
        if self
            .order
            .iter()
            .enumerate()
            .all(|(i, &at)| i == at as usize)
        {
            return;
        }
        let mut slots: Vec<Option<(K, V)>> = self.entries.drain(..).map(Some).collect();
        self.entries.extend(
            self.order
                .iter()
                .filter_map(|&at| slots[at as usize].take()),
        );
        self.renumber();
    }

    fn renumber(&mut self) {
        self.order.clear();
        self.order.extend(0..self.entries.len() as u32);
    }

    pub fn iter(&self) -> Iter<'_, K, V> {
        Iter {
            entries: &self.entries,
            order: self.order.iter(),
        }
    }

    pub fn iter_mut(&mut self) -> IterMut<'_, K, V> {
        self.settle();
        self.entries.iter_mut().map(as_mut as Mut<'_, K, V>)
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &K> + ExactSizeIterator + Clone {
        self.iter().map(|e| e.0)
    }

    pub fn values(&self) -> impl DoubleEndedIterator<Item = &V> + ExactSizeIterator + Clone {
        self.iter().map(|e| e.1)
    }

    pub fn values_mut(&mut self) -> impl DoubleEndedIterator<Item = &mut V> + ExactSizeIterator {
        self.settle();
        self.entries.iter_mut().map(|e| &mut e.1)
    }

    pub fn into_keys(self) -> impl DoubleEndedIterator<Item = K> + ExactSizeIterator {
        self.into_iter().map(|e| e.0)
    }

    pub fn into_values(self) -> impl DoubleEndedIterator<Item = V> + ExactSizeIterator {
        self.into_iter().map(|e| e.1)
    }

    pub fn first_key_value(&self) -> Option<(&K, &V)> {
        self.iter().next()
    }

    pub fn last_key_value(&self) -> Option<(&K, &V)> {
        self.iter().next_back()
    }

    /// Keeps the entries for which `keep` says true, in key order.
    pub fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
        self.settle();
        self.entries.retain_mut(|(k, v)| keep(k, v));
        self.renumber();
    }
}

impl<K: Ord, V> SortedMap<K, V> {
    /// Where `key` is (`Ok`) or would go (`Err`), as a position in `order`.
    fn find<Q: Ord + ?Sized>(&self, key: &Q) -> Result<usize, usize>
    where
        K: Borrow<Q>,
    {
        self.order
            .binary_search_by(|&at| self.entries[at as usize].0.borrow().cmp(key))
    }

    pub fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        self.find(key)
            .ok()
            .map(|p| &self.entries[self.order[p] as usize].1)
    }

    pub fn get_key_value<Q: Ord + ?Sized>(&self, key: &Q) -> Option<(&K, &V)>
    where
        K: Borrow<Q>,
    {
        self.find(key).ok().map(|p| {
            let e = &self.entries[self.order[p] as usize];
            (&e.0, &e.1)
        })
    }

    pub fn get_mut<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
    {
        match self.find(key) {
            Ok(p) => Some(&mut self.entries[self.order[p] as usize].1),
            Err(_) => None,
        }
    }

    pub fn contains_key<Q: Ord + ?Sized>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.find(key).is_ok()
    }

    /// A new entry at position `p` of `order`; gives back its index in `entries`.
    fn put(&mut self, p: usize, key: K, value: V) -> usize {
        let at = self.entries.len();
        self.entries.push((key, value));
        self.order.insert(p, at as u32);
        at
    }

    /// Inserts or replaces; gives back the value replaced (the key kept is the old one, as in
    /// `BTreeMap`).
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        // Appending in key order (deserialize, collect from a sorted source) is the common case.
        let last = self.order.last().map(|&at| &self.entries[at as usize].0);
        if last.is_none_or(|last| *last < key) {
            self.put(self.order.len(), key, value);
            return None;
        }
        match self.find(&key) {
            Ok(p) => Some(std::mem::replace(
                &mut self.entries[self.order[p] as usize].1,
                value,
            )),
            Err(p) => {
                self.put(p, key, value);
                None
            }
        }
    }

    pub fn remove<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        self.remove_entry(key).map(|e| e.1)
    }

    pub fn remove_entry<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<(K, V)>
    where
        K: Borrow<Q>,
    {
        let p = self.find(key).ok()?;
        let at = self.order.remove(p) as usize;
        let removed = self.entries.swap_remove(at);
        if at < self.entries.len() {
            // The last entry moved to `at`: point its place in `order` there.
            let moved = self.entries.len() as u32;
            if let Some(slot) = self.order.iter_mut().find(|slot| **slot == moved) {
                *slot = at as u32;
            }
        }
        Some(removed)
    }

    /// The place of `key`, to read or fill (`BTreeMap::entry`, for its `or_*` uses).
    pub fn entry(&mut self, key: K) -> Entry<'_, K, V> {
        let at = self.find(&key);
        Entry { map: self, at, key }
    }
}

/// A key's place in a [`SortedMap`]: see [`SortedMap::entry`].
pub struct Entry<'a, K, V> {
    map: &'a mut SortedMap<K, V>,
    at: Result<usize, usize>,
    key: K,
}

impl<'a, K: Ord, V> Entry<'a, K, V> {
    pub fn or_insert_with(self, make: impl FnOnce() -> V) -> &'a mut V {
        let at = match self.at {
            Ok(p) => self.map.order[p] as usize,
            Err(p) => self.map.put(p, self.key, make()),
        };
        &mut self.map.entries[at].1
    }

    pub fn or_insert(self, value: V) -> &'a mut V {
        self.or_insert_with(|| value)
    }

    pub fn or_default(self) -> &'a mut V
    where
        V: Default,
    {
        self.or_insert_with(V::default)
    }
}

impl<K: Ord + Borrow<Q>, Q: Ord + ?Sized, V> std::ops::Index<&Q> for SortedMap<K, V> {
    type Output = V;
    /// The value for `key`, which must be there: a missing key panics, as `BTreeMap`'s indexing
    /// does (kept for the call sites written against `BTreeMap`, which index known keys only).
    fn index(&self, key: &Q) -> &V {
        match self.get(key) {
            Some(v) => v,
            None => panic!("SortedMap: key not found"),
        }
    }
}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for SortedMap<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<K: Ord, V> FromIterator<(K, V)> for SortedMap<K, V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut map = SortedMap::new();
        map.extend(iter);
        map
    }
}

impl<K: Ord, V> Extend<(K, V)> for SortedMap<K, V> {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl<K: Ord, V, const N: usize> From<[(K, V); N]> for SortedMap<K, V> {
    fn from(entries: [(K, V); N]) -> Self {
        entries.into_iter().collect()
    }
}

impl<K, V> IntoIterator for SortedMap<K, V> {
    type Item = (K, V);
    type IntoIter = std::vec::IntoIter<(K, V)>;
    fn into_iter(mut self) -> Self::IntoIter {
        self.settle();
        self.entries.into_iter()
    }
}

impl<'a, K, V> IntoIterator for &'a SortedMap<K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter = Iter<'a, K, V>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<'a, K, V> IntoIterator for &'a mut SortedMap<K, V> {
    type Item = (&'a K, &'a mut V);
    type IntoIter = IterMut<'a, K, V>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter_mut()
    }
}

/// A map (a JSON object) in key order, as `BTreeMap` serializes.
impl<K: Serialize, V: Serialize> Serialize for SortedMap<K, V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.entries.len()))?;
        for (k, v) in self.iter() {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// From a map in any order; a key given twice keeps its last value, as with `BTreeMap`.
impl<'de, K: Ord + Deserialize<'de>, V: Deserialize<'de>> Deserialize<'de> for SortedMap<K, V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MapVisitor<K, V>(PhantomData<(K, V)>);
        impl<'de, K: Ord + Deserialize<'de>, V: Deserialize<'de>> Visitor<'de> for MapVisitor<K, V> {
            type Value = SortedMap<K, V>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
                let mut map = SortedMap::new();
                while let Some((k, v)) = access.next_entry()? {
                    map.insert(k, v);
                }
                Ok(map)
            }
        }
        deserializer.deserialize_map(MapVisitor(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::SortedMap;
    use std::collections::BTreeMap;

    #[test]
    fn behaves_as_a_btreemap() {
        let keys = ["m", "b", "z", "a", "b", "q", "m", "c"];
        let mut mine = SortedMap::new();
        let mut theirs = BTreeMap::new();
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(
                mine.insert(k.to_string(), i),
                theirs.insert(k.to_string(), i)
            );
        }
        assert!(mine.iter().eq(theirs.iter()));
        assert_eq!(mine.remove("q"), theirs.remove("q"));
        assert_eq!(mine.remove("nope"), theirs.remove("nope"));
        assert_eq!(mine.get("b"), theirs.get("b"));
        assert!(!mine.contains_key("q"));
        assert_eq!(format!("{mine:?}"), format!("{theirs:?}"));
        assert_eq!(
            serde_json::to_string(&mine).unwrap(),
            serde_json::to_string(&theirs).unwrap()
        );
        let json = r#"{"b":1,"a":2,"b":3}"#;
        let mine: SortedMap<String, u32> = serde_json::from_str(json).unwrap();
        let theirs: BTreeMap<String, u32> = serde_json::from_str(json).unwrap();
        assert!(mine.iter().eq(theirs.iter()));
    }
}
