//! The keyed hash of metric paths behind the name index's table. Every ingested line costs one
//! lookup, and SipHash (std's `RandomState`) was a tenth of ingest's time: this folded-multiply
//! hash takes a few cycles per 16 bytes. Its keys are drawn from `RandomState` once per
//! process, so a sender who does not know them cannot aim names at one probe chain (names come
//! from the network). It only spreads names over the table; equality is always checked on the
//! full path, so a collision costs a probe, never a wrong answer.
//! Must not be used where an attacker could learn hashes back (it is not a MAC).

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;

pub(crate) struct PathHasher {
    keys: [u64; 4],
}

/// An odd constant with well-mixed bits (from the golden ratio) for the final mix.
const MIX: u64 = 0x9E37_79B9_7F4A_7C15;

impl PathHasher {
    pub(crate) fn new() -> PathHasher {
        let state = RandomState::new();
        PathHasher {
            keys: [0u64, 1, 2, 3].map(|i| state.hash_one(i)),
        }
    }

    pub(crate) fn hash(&self, bytes: &[u8]) -> u64 {
        let k = &self.keys;
        let mut h = k[0] ^ (bytes.len() as u64).wrapping_mul(MIX);
        let mut chunks = bytes.chunks_exact(16);
        for c in &mut chunks {
            h = fold(le64(&c[..8]) ^ k[1], le64(&c[8..]) ^ h);
        }
        let rest = chunks.remainder();
        let r = rest.len();
        // Overlapping reads cover any tail length; the length already went into `h`, so two
        // tails that read alike still hash apart.
        let (a, b) = match r {
            0 => (0, 0),
            1..=3 => (
                u64::from(rest[0]) | u64::from(rest[r / 2]) << 8 | u64::from(rest[r - 1]) << 16,
                0,
            ),
            4..=7 => (le32(&rest[..4]), le32(&rest[r - 4..])),
            _ => (le64(&rest[..8]), le64(&rest[r - 8..])),
        };
        h = fold(a ^ k[2], b ^ h ^ k[3]);
        fold(h ^ k[1], MIX)
    }
}

/// The 128-bit product folded to 64 bits: every input bit reaches most output bits.
fn fold(x: u64, y: u64) -> u64 {
    let p = u128::from(x) * u128::from(y);
    (p as u64) ^ ((p >> 64) as u64)
}

fn le64(b: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[..8]);
    u64::from_le_bytes(w)
}

fn le32(b: &[u8]) -> u64 {
    let mut w = [0u8; 4];
    w.copy_from_slice(&b[..4]);
    u64::from(u32::from_le_bytes(w))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn equal_paths_hash_equal_and_keys_differ_per_hasher() {
        let (a, b) = (PathHasher::new(), PathHasher::new());
        let name = b"app.node-00042.service.requests.latency";
        // The same bytes from another allocation.
        let copy = String::from_utf8_lossy(name).into_owned();
        assert_eq!(a.hash(name), a.hash(copy.as_bytes()));
        assert_ne!(a.keys, b.keys);
    }

    #[test]
    fn every_length_and_near_identical_names_spread() {
        let h = PathHasher::new();
        // Every tail length, and names that differ in one byte, in their length only, or
        // by a trailing zero byte, which the overlapping tail reads must not confuse.
        let mut names: Vec<Vec<u8>> = Vec::new();
        for len in 0..70 {
            names.push(vec![b'a'; len]);
            names.push(vec![0u8; len]);
            for pos in 0..len {
                let mut n = vec![b'a'; len];
                n[pos] = b'b';
                names.push(n);
            }
        }
        let distinct: HashSet<Vec<u8>> = names.iter().cloned().collect();
        let hashes: HashSet<u64> = distinct.iter().map(|n| h.hash(n)).collect();
        assert_eq!(hashes.len(), distinct.len());
        // The index uses the top 32 bits; they must spread too. One birthday collision among
        // ~2500 names in 2^32 happens once in a thousand runs, two almost never.
        let top: HashSet<u64> = distinct.iter().map(|n| h.hash(n) >> 32).collect();
        assert!(
            top.len() + 1 >= distinct.len(),
            "{} of {}",
            top.len(),
            distinct.len()
        );
    }

    #[test]
    fn low_bits_of_the_top_half_fill_a_table_evenly() {
        let h = PathHasher::new();
        let buckets = 1024;
        let mut counts = vec![0u32; buckets];
        for i in 0..64 * buckets {
            let name = format!("host{i}.cpu.user");
            counts[((h.hash(name.as_bytes()) >> 32) as usize) & (buckets - 1)] += 1;
        }
        // 64 expected per bucket; a uniform hash stays well inside 20..150.
        let (min, max) = (counts.iter().min(), counts.iter().max());
        assert!(min >= Some(&20) && max <= Some(&150), "{min:?} {max:?}");
    }
}
