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

/// The eight bytes at `buf[i..i + 8]` as a little-endian word (one unaligned load).
#[inline(always)]
fn load(buf: &[u8], i: usize) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&buf[i..i + 8]);
    u64::from_le_bytes(word)
}

/// A slice shorter than eight bytes, padded with [`PAD`].
#[inline(always)]
fn load_short(buf: &[u8]) -> u64 {
    let mut word = [PAD; 8];
    for (w, b) in word.iter_mut().zip(buf) {
        *w = *b;
    }
    u64::from_le_bytes(word)
}

/// Index of the first byte whose bit 7 `mask` sets. A ragged tail is read as the last eight
/// bytes of the slice, with the bytes already searched masked off, so every read is one load.
#[inline(always)]
fn first(buf: &[u8], mask: impl Fn(u64) -> u64) -> Option<usize> {
    let found = |at: usize, m: u64| (m != 0).then(|| at + m.trailing_zeros() as usize / 8);
    if buf.len() < 8 {
        return found(0, mask(load_short(buf)));
    }
    let mut i = 0;
    while i + 8 <= buf.len() {
        if let Some(at) = found(i, mask(load(buf, i))) {
            return Some(at);
        }
        i += 8;
    }
    if i == buf.len() {
        return None;
    }
    let last = buf.len() - 8;
    found(last, mask(load(buf, last)) & (u64::MAX << (8 * (i - last))))
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
    // Bit 7 of each byte that is a dot followed by a dot within the word.
    let pairs = |x: u64| {
        let dots = equal(x, b'.');
        dots & (dots >> 8)
    };
    if buf.len() < 8 {
        let x = load_short(buf);
        return bad(x) | pairs(x) == 0;
    }
    // Words overlap by one byte so that a pair straddling two words is seen whole; the last
    // word is the last eight bytes, overlapping as much as it needs to.
    let mut i = 0;
    loop {
        let x = load(buf, i);
        if bad(x) | pairs(x) != 0 {
            return false;
        }
        if i + 8 == buf.len() {
            return true;
        }
        i = (i + 7).min(buf.len() - 8);
    }
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
            prop_assert_eq!(find_special(&buf), buf.iter().position(|b| !(0x21..0x80).contains(b)));
            prop_assert_eq!(is_printable_without_semicolon_or_double_dot(&buf), naive_printable(&buf));
        }

        #[test]
        fn agree_on_names(buf in "[a-c.;]{0,30}") {
            prop_assert_eq!(is_printable_without_semicolon_or_double_dot(buf.as_bytes()), naive_printable(buf.as_bytes()));
        }
    }
}
