//! The snapshot checksum: a streaming 64-bit hash over 32-byte blocks in four independent
//! multiply-rotate lanes, so it runs at several GB/s and never holds up a snapshot. It detects
//! torn or bit-flipped files; it is not a defence against someone forging one.
//! The exact definition is in FORMAT.md; changing it changes the snapshot format version.

const P1: u64 = 0x9E37_79B1_85EB_CA87;
const P2: u64 = 0xC2B2_AE3D_27D4_EB4F;
const P3: u64 = 0x1656_67B1_9E37_79F9;
const SEEDS: [u64; 4] = [P1, P2, P3, P1 ^ P2];
const BLOCK: usize = 32;

pub(crate) struct Checksum {
    lanes: [u64; 4],
    /// Bytes of an incomplete block carried to the next `update`.
    tail: [u8; BLOCK],
    tail_len: usize,
    total: u64,
}

impl Checksum {
    pub(crate) fn new() -> Checksum {
        Checksum {
            lanes: SEEDS,
            tail: [0; BLOCK],
            tail_len: 0,
            total: 0,
        }
    }

    pub(crate) fn update(&mut self, mut bytes: &[u8]) {
        self.total += bytes.len() as u64;
        if self.tail_len > 0 {
            let take = (BLOCK - self.tail_len).min(bytes.len());
            self.tail[self.tail_len..self.tail_len + take].copy_from_slice(&bytes[..take]);
            self.tail_len += take;
            bytes = &bytes[take..];
            if self.tail_len < BLOCK {
                return;
            }
            let block = self.tail;
            self.block(&block);
            self.tail_len = 0;
        }
        let mut blocks = bytes.chunks_exact(BLOCK);
        for block in &mut blocks {
            self.block(block);
        }
        let rest = blocks.remainder();
        self.tail[..rest.len()].copy_from_slice(rest);
        self.tail_len = rest.len();
    }

    fn block(&mut self, block: &[u8]) {
        for (lane, word) in self.lanes.iter_mut().zip(block.chunks_exact(8)) {
            // chunks_exact(8) yields exactly 8 bytes, so the conversion cannot fail.
            let w = u64::from_le_bytes(word.try_into().expect("8-byte chunk"));
            *lane = lane
                .wrapping_add(w.wrapping_mul(P2))
                .rotate_left(31)
                .wrapping_mul(P1);
        }
    }

    /// The hash of everything given to `update`; the zero-padded last block and the length
    /// are mixed in, so inputs differing only in trailing zeros differ.
    pub(crate) fn finish(mut self) -> u64 {
        if self.tail_len > 0 {
            self.tail[self.tail_len..].fill(0);
            let block = self.tail;
            self.block(&block);
        }
        let [a, b, c, d] = self.lanes;
        let mut h = a
            .rotate_left(1)
            .wrapping_add(b.rotate_left(7))
            .wrapping_add(c.rotate_left(12))
            .wrapping_add(d.rotate_left(18));
        h ^= self.total;
        h ^= h >> 33;
        h = h.wrapping_mul(P2);
        h ^= h >> 29;
        h = h.wrapping_mul(P3);
        h ^ (h >> 32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn hash(bytes: &[u8]) -> u64 {
        let mut c = Checksum::new();
        c.update(bytes);
        c.finish()
    }

    #[test]
    fn length_and_every_bit_matter() {
        assert_ne!(hash(b""), hash(&[0]));
        assert_ne!(hash(&[0; 32]), hash(&[0; 33]));
        let base = vec![7u8; 100];
        for i in 0..base.len() {
            let mut flipped = base.clone();
            flipped[i] ^= 0x10;
            assert_ne!(hash(&base), hash(&flipped), "byte {i}");
        }
    }

    #[test]
    fn matches_the_definition_in_format_md() {
        // Computed with the Python transcription of FORMAT.md's definition; a change here must
        // bump the snapshot format version.
        assert_eq!(hash(b"pencil"), 0x3cfa_9646_9c22_2fb5);
    }

    proptest! {
        #[test]
        fn streaming_equals_one_shot(bytes in proptest::collection::vec(any::<u8>(), 0..300), cuts in proptest::collection::vec(0usize..300, 0..6)) {
            let mut c = Checksum::new();
            let mut at = 0;
            let mut cuts: Vec<usize> = cuts.into_iter().map(|x| x.min(bytes.len())).collect();
            cuts.sort();
            for cut in cuts {
                c.update(&bytes[at..cut]);
                at = cut;
            }
            c.update(&bytes[at..]);
            prop_assert_eq!(c.finish(), hash(&bytes));
        }
    }
}
