//! OVS's hash functions and hash-map iteration order, for the outputs the C tools print in
//! the order of a `struct hmap` / `smap` (option maps, `show`'s switches, `list-dp-cap`):
//! reproducing the order is the only way to print the same bytes.

use ovsdb::data::Uuid;

/// OVS's `hash_string(s, 0)` (`hash_bytes` over the bytes, murmur3 rounds, as the
/// non-SSE4.2 builds compute it): the hash that orders `smap`s and `shash`es.
pub fn hash_string(s: &str) -> u32 {
    fn add(hash: u32, data: u32) -> u32 {
        let mut hash = hash;
        if data != 0 {
            let d = data
                .wrapping_mul(0xcc9e_2d51)
                .rotate_left(15)
                .wrapping_mul(0x1b87_3593);
            hash ^= d;
        }
        hash.rotate_left(13)
            .wrapping_mul(5)
            .wrapping_add(0xe654_6b64)
    }
    let bytes = s.as_bytes();
    let mut hash = 0u32;
    let mut chunks = bytes.chunks_exact(4);
    for c in &mut chunks {
        hash = add(hash, u32::from_le_bytes([c[0], c[1], c[2], c[3]]));
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut tmp = [0u8; 4];
        tmp[..rest.len()].copy_from_slice(rest);
        hash = add(hash, u32::from_le_bytes(tmp));
    }
    let mut h = hash ^ (bytes.len() as u32);
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^ (h >> 16)
}

/// The order in which OVS's `HMAP_FOR_EACH` visits items inserted (with `hmap_insert`, in
/// the given order) under the given hashes: buckets in index order, each bucket's chain
/// newest first, with the chain reversals of every expansion.
pub fn hmap_order<T: Clone>(items: &[(u32, T)]) -> Vec<T> {
    fn calc_mask(capacity: usize) -> usize {
        let mut mask = capacity / 2;
        for shift in [1, 2, 4, 8, 16, 32] {
            mask |= mask >> shift;
        }
        mask | ((mask & 1) << 1)
    }
    let mut mask = 0usize;
    let mut buckets: Vec<Vec<(u32, T)>> = vec![Vec::new()];
    let mut n = 0usize;
    for (hash, item) in items {
        // Chains are stored oldest first; iteration walks them backwards (newest first).
        buckets[*hash as usize & mask].push((*hash, item.clone()));
        n += 1;
        if n / 2 > mask {
            let new_mask = calc_mask(n);
            if new_mask > mask {
                let old = std::mem::take(&mut buckets);
                mask = new_mask;
                buckets = vec![Vec::new(); mask + 1];
                for chain in old {
                    for (h, x) in chain.into_iter().rev() {
                        buckets[h as usize & mask].push((h, x));
                    }
                }
            }
        }
    }
    buckets
        .into_iter()
        .flat_map(|chain| chain.into_iter().rev().map(|(_, x)| x))
        .collect()
}

/// The order `SMAP_FOR_EACH` visits the keys of a map column as the C IDL builds the smap
/// (keys inserted in sorted order), e.g. for `lsp-get-options`.
pub fn smap_order<K: AsRef<str> + Clone, V: Clone>(pairs: &[(K, V)]) -> Vec<(K, V)> {
    let items: Vec<(u32, (K, V))> = pairs
        .iter()
        .map(|(k, v)| (hash_string(k.as_ref()), (k.clone(), v.clone())))
        .collect();
    hmap_order(&items)
}

/// `uuid_hash`: the first 32 bits of a UUID, which key the IDL's and ovsdb-server's rows.
fn uuid_hash(u: Uuid) -> u32 {
    let b = u.as_bytes();
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

/// The order in which the C IDL's `*_FOR_EACH` visits the rows of a table it monitored:
/// ovsdb-server sends the initial rows as a JSON object with sorted UUID members, which the
/// client parses into a hash map by UUID string and feeds, in that map's order, into the
/// IDL's hash map by UUID (`uuid_hash`).
pub fn idl_table_order(rows: &[Uuid]) -> Vec<Uuid> {
    let mut sorted = rows.to_vec();
    sorted.sort();
    let by_text: Vec<(u32, Uuid)> = sorted
        .iter()
        .map(|u| (hash_string(&u.to_string()), *u))
        .collect();
    let parsed = hmap_order(&by_text);
    let by_uuid: Vec<(u32, Uuid)> = parsed.iter().map(|u| (uuid_hash(*u), *u)).collect();
    hmap_order(&by_uuid)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(keys: &[&str]) -> Vec<String> {
        let pairs: Vec<(String, String)> = keys
            .iter()
            .map(|k| (k.to_string(), String::new()))
            .collect();
        smap_order(&pairs).into_iter().map(|(k, _)| k).collect()
    }

    #[test]
    fn smap_order_matches_ovs_vsctl() {
        // Observed with ovs-vsctl 3.1 list-dp-cap.
        assert_eq!(
            order(&["ct_zero_snat", "recirc"]),
            ["recirc", "ct_zero_snat"]
        );
        assert_eq!(
            order(&["aaa", "ct_zero_snat", "max_vlan_headers", "recirc", "zzz"]),
            ["recirc", "zzz", "aaa", "ct_zero_snat", "max_vlan_headers"]
        );
    }
}
