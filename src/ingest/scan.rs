//! Byte searches eight bytes at a time (SWAR), for the hot loops of framing, field splitting and
//! name checking. Pure functions of a slice; no allocation, no unsafe.
//!
//! A byte-at-a-time loop spends most of its time on branches: a 55-byte carbon line is searched
//! three times (newline, field breaks, name check). Each mask below is exact: it sets bit 7 of
//! every byte that matches and no other bit, so `trailing_zeros / 8` is the first match
//! (little-endian words: the first byte in memory is the least significant).

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;
const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
/// Fills the bytes past the end of a short tail: matches none of the masks used here.
const PAD: u8 = b'A';

/// Bit 7 set in each byte of `x` below `n` (`n <= 0x80`). `(b & 0x7f) + (0x80 - n)` reaches
/// bit 7 exactly when `b >= n` and never carries into the next byte.
#[inline(always)]
fn below(x: u64, n: u8) -> u64 {
    !(((x & LOW7) + ONES * u64::from(0x80 - n)) | x) & HIGH
}

#[inline(always)]
fn equal(x: u64, byte: u8) -> u64 {
    below(x ^ (ONES * u64::from(byte)), 1)
}

/// Index of the first byte whose bit 7 `mask` sets.
#[inline(always)]
fn first(buf: &[u8], mask: impl Fn(u64) -> u64) -> Option<usize> {
    let mut chunks = buf.chunks_exact(8);
    for (i, chunk) in chunks.by_ref().enumerate() {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let m = mask(u64::from_le_bytes(word));
        if m != 0 {
            return Some(i * 8 + m.trailing_zeros() as usize / 8);
        }
    }
    let tail = chunks.remainder();
    let mut word = [PAD; 8];
    word[..tail.len()].copy_from_slice(tail);
    let m = mask(u64::from_le_bytes(word));
    (m != 0).then(|| buf.len() - tail.len() + m.trailing_zeros() as usize / 8)
}

/// The first `byte` in `buf`.
#[inline]
pub(crate) fn find_byte(buf: &[u8], byte: u8) -> Option<usize> {
    first(buf, |x| equal(x, byte))
}

/// The first `a` or `b` in `buf`.
#[inline]
pub(crate) fn find_either(buf: &[u8], a: u8, b: u8) -> Option<usize> {
    first(buf, |x| equal(x, a) | equal(x, b))
}

/// The first byte that is ASCII whitespace, a control character, or not ASCII: where a field
/// may end. Printable ASCII bytes in between need no further look.
#[inline]
pub(crate) fn find_special(buf: &[u8]) -> Option<usize> {
    first(buf, |x| below(x, 0x21) | (x & HIGH))
}

/// True when every byte is printable ASCII other than `;` and no two dots are adjacent.
#[inline]
pub(crate) fn is_printable_without_semicolon_or_double_dot(buf: &[u8]) -> bool {
    let bad = |x: u64| below(x, 0x21) | (x & HIGH) | equal(x, b';') | equal(x, 0x7f);
    let mut chunks = buf.chunks_exact(8);
    // The previous word's dot flags: its last byte pairs with this word's first.
    let mut previous_dots = 0u64;
    let mut check = |x: u64| {
        let dots = equal(x, b'.');
        let pairs = dots & ((dots >> 8) | (previous_dots >> 56));
        previous_dots = dots;
        bad(x) | pairs
    };
    for chunk in chunks.by_ref() {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        if check(u64::from_le_bytes(word)) != 0 {
            return false;
        }
    }
    let tail = chunks.remainder();
    let mut word = [PAD; 8];
    word[..tail.len()].copy_from_slice(tail);
    check(u64::from_le_bytes(word)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn naive_printable(buf: &[u8]) -> bool {
        buf.iter().all(|&b| (0x21..0x7f).contains(&b) && b != b';')
            && !buf.windows(2).any(|w| w == b"..")
    }

    #[test]
    fn masks_are_exact_at_the_edges() {
        for b in 0..=255u8 {
            let x = u64::from_le_bytes([b; 8]);
            assert_eq!(below(x, 0x21) != 0, b < 0x21, "{b:#x}");
            assert_eq!(equal(x, b'.') != 0, b == b'.', "{b:#x}");
        }
        assert_eq!(find_byte(b"abcdefgh\n", b'\n'), Some(8));
        assert_eq!(find_byte(b"a\n\n", b'\n'), Some(1));
        assert_eq!(find_byte(b"", b'\n'), None);
        assert_eq!(find_special(b"app.node-1.count 12.5"), Some(16));
        assert!(is_printable_without_semicolon_or_double_dot(b"abcdefg.hij"));
        assert!(!is_printable_without_semicolon_or_double_dot(
            b"abcdefg..hij"
        ));
        assert!(!is_printable_without_semicolon_or_double_dot(
            b"abcdefgh..ij"
        ));
        assert!(!is_printable_without_semicolon_or_double_dot(b"a\x7f"));
    }

    proptest! {
        #[test]
        fn agree_with_byte_loops(buf in proptest::collection::vec(prop_oneof![Just(b'.'), Just(b'\n'), Just(b'\r'), Just(b';'), any::<u8>()], 0..40)) {
            prop_assert_eq!(find_byte(&buf, b'\n'), buf.iter().position(|&b| b == b'\n'));
            prop_assert_eq!(find_either(&buf, b'\n', b'\r'), buf.iter().position(|&b| b == b'\n' || b == b'\r'));
            prop_assert_eq!(find_special(&buf), buf.iter().position(|&b| b < 0x21 || b >= 0x80));
            prop_assert_eq!(is_printable_without_semicolon_or_double_dot(&buf), naive_printable(&buf));
        }

        #[test]
        fn agree_on_names(buf in "[a-c.;]{0,30}") {
            prop_assert_eq!(is_printable_without_semicolon_or_double_dot(buf.as_bytes()), naive_printable(buf.as_bytes()));
        }
    }
}
