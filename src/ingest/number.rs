//! Numbers as carbon reads them: Python's `float()` on one field, and `int(float(ts))` for
//! timestamps. Owns the exact accepted syntax (graphite.md 1.2); must not allocate.
//!
//! Python's grammar (from the `float()` docs, ASCII digits only):
//!
//! ```text
//! floatvalue ::= [sign] (floatnumber | "inf" | "infinity" | "nan")   (any case)
//! floatnumber ::= number [("e" | "E") [sign] digitpart]
//! number     ::= [digitpart] "." digitpart | digitpart ["."]
//! digitpart  ::= digit (["_"] digit)*
//! ```
//!
//! Rust's `f64::from_str` accepts the same numbers except underscores, so we check Python's
//! grammar ourselves and hand Rust an underscore-free copy. Python also accepts non-ASCII
//! Unicode decimal digits (`float("١")` is 1.0); we do not: no carbon client sends them and
//! accepting them would need a decoder in the hot path.

use super::line::MAX_LINE_BYTES;

/// Exact powers of ten: every one up to 1e22 is representable in an f64.
const POW10: [f64; 16] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
];

/// Mantissas of at most this many digits are below 2^53, so they convert to f64 exactly.
const FAST_DIGITS: usize = 15;

/// A timestamp field after `int()`: carbon replaces `-1` with the receive time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timestamp {
    Now,
    At(i64),
}

/// `float(s)` or `None` where Python raises ValueError.
pub(crate) fn parse_float(s: &[u8]) -> Option<f64> {
    if let Some(v) = fast_decimal(s) {
        return Some(v);
    }
    parse_float_slow(s)
}

/// `int(float(s))` with `-1` meaning "now"; `None` for syntax errors, NaN, ±inf and values
/// outside i64 (Python would make a big int, no store can hold it).
pub(crate) fn parse_timestamp(s: &[u8]) -> Option<Timestamp> {
    let t = match fast_integer(s) {
        Some(t) => t,
        None => {
            let f = parse_float(s)?.trunc();
            // i64::MIN is exactly -2^63 as an f64; i64::MAX rounds up to 2^63, hence `<`.
            if !(f >= i64::MIN as f64 && f < i64::MAX as f64) {
                return None;
            }
            f as i64
        }
    };
    Some(if t == -1 {
        Timestamp::Now
    } else {
        Timestamp::At(t)
    })
}

/// The common case `[-+]digits`, short enough that float() would be exact, so int(float(s))
/// is the integer itself.
fn fast_integer(s: &[u8]) -> Option<i64> {
    let (negative, digits) = split_sign(s);
    if digits.is_empty() || digits.len() > FAST_DIGITS {
        return None;
    }
    let mut n: i64 = 0;
    for &b in digits {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n * 10 + i64::from(b - b'0');
    }
    Some(if negative { -n } else { n })
}

/// The common case `[-+]digits[.digits]` with at most 15 digits: the mantissa and the power of
/// ten are both exact f64s, so one IEEE division is correctly rounded (Clinger's fast path)
/// and agrees with Python bit for bit.
fn fast_decimal(s: &[u8]) -> Option<f64> {
    let (negative, body) = split_sign(s);
    let mut mantissa: u64 = 0;
    let mut digits = 0;
    let mut fraction_digits = 0;
    let mut seen_dot = false;
    for &b in body {
        match b {
            b'0'..=b'9' => {
                mantissa = mantissa * 10 + u64::from(b - b'0');
                digits += 1;
                fraction_digits += usize::from(seen_dot);
                if digits > FAST_DIGITS {
                    return None;
                }
            }
            b'.' if !seen_dot => seen_dot = true,
            _ => return None,
        }
    }
    if digits == 0 {
        return None;
    }
    // mantissa < 10^15 < 2^53: the cast is exact.
    let v = mantissa as f64 / POW10[fraction_digits];
    Some(if negative { -v } else { v })
}

fn split_sign(s: &[u8]) -> (bool, &[u8]) {
    match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    }
}

#[cold]
fn parse_float_slow(s: &[u8]) -> Option<f64> {
    let (negative, body) = split_sign(s);
    if body.eq_ignore_ascii_case(b"inf") || body.eq_ignore_ascii_case(b"infinity") {
        return Some(if negative {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        });
    }
    if body.eq_ignore_ascii_case(b"nan") {
        return Some(f64::NAN);
    }
    let underscores = check_python_number(body)?;
    if !underscores {
        // Checked above: only ASCII digits, '.', 'e', signs, so both conversions succeed
        // unless Rust's grammar were narrower than Python's; then we refuse, never guess.
        return std::str::from_utf8(s).ok()?.parse().ok();
    }
    // Lines are capped at MAX_LINE_BYTES before they reach us, so a field always fits.
    let mut copy = [0u8; MAX_LINE_BYTES];
    if s.len() > copy.len() {
        return None;
    }
    let mut n = 0;
    for &b in s.iter().filter(|&&b| b != b'_') {
        copy[n] = b;
        n += 1;
    }
    std::str::from_utf8(&copy[..n]).ok()?.parse().ok()
}

/// Checks `number [exponent]` (the sign already removed); `Some(true)` when it has underscores.
fn check_python_number(s: &[u8]) -> Option<bool> {
    let mut i = 0;
    let mut underscores = false;
    let int_digits = digit_part(s, &mut i, &mut underscores);
    let mut frac_digits = 0;
    if s.get(i) == Some(&b'.') {
        i += 1;
        frac_digits = digit_part(s, &mut i, &mut underscores);
    }
    if int_digits == 0 && frac_digits == 0 {
        return None;
    }
    if matches!(s.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(s.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digit_part(s, &mut i, &mut underscores) == 0 {
            return None;
        }
    }
    (i == s.len()).then_some(underscores)
}

/// Consumes `digit (["_"] digit)*` at `*i`; returns the number of digits (0 = none there).
/// An underscore not followed by a digit is left unconsumed, so the caller sees junk.
fn digit_part(s: &[u8], i: &mut usize, underscores: &mut bool) -> usize {
    let mut digits = 0;
    while *i < s.len() {
        match s[*i] {
            b'0'..=b'9' => {
                digits += 1;
                *i += 1;
            }
            b'_' if digits > 0 && s.get(*i + 1).is_some_and(u8::is_ascii_digit) => {
                *underscores = true;
                *i += 1;
            }
            _ => break,
        }
    }
    digits
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// `float!("text" => expected)`; `None` means Python raises ValueError.
    macro_rules! float {
        ($s:expr => $want:expr) => {
            let got = parse_float($s.as_bytes());
            let want: Option<f64> = $want;
            match (got, want) {
                (Some(g), Some(w)) if w.is_nan() => assert!(g.is_nan(), "{:?} gave {g}", $s),
                (Some(g), Some(w)) => {
                    assert_eq!(g.to_bits(), w.to_bits(), "{:?} gave {g}, want {w}", $s)
                }
                (g, w) => assert_eq!(g, w, "{:?}", $s),
            }
        };
    }

    #[test]
    fn python_float_syntax() {
        float!("0" => Some(0.0));
        float!("-0" => Some(-0.0));
        float!("12.5" => Some(12.5));
        float!("+12.5" => Some(12.5));
        float!("1." => Some(1.0));
        float!(".5" => Some(0.5));
        float!("-.5" => Some(-0.5));
        float!("." => None);
        float!("" => None);
        float!("-" => None);
        float!("+-1" => None);
        float!("1e3" => Some(1000.0));
        float!("1.5E-2" => Some(0.015));
        float!("1e+3" => Some(1000.0));
        float!(".5e1" => Some(5.0));
        float!("1.e1" => Some(10.0));
        float!("e5" => None);
        float!("1e" => None);
        float!("1e+" => None);
        float!("1e400" => Some(f64::INFINITY));
        float!("-1e400" => Some(f64::NEG_INFINITY));
        float!("1e-400" => Some(0.0));
        float!("inf" => Some(f64::INFINITY));
        float!("-Infinity" => Some(f64::NEG_INFINITY));
        float!("+iNF" => Some(f64::INFINITY));
        float!("infinit" => None);
        float!("infinityy" => None);
        float!("nan" => Some(f64::NAN));
        float!("-NaN" => Some(f64::NAN));
        float!("nan(1)" => None);
        float!("1_000" => Some(1000.0));
        float!("1_000.000_1" => Some(1000.0001));
        float!("1e1_0" => Some(1e10));
        float!("1__0" => None);
        float!("_1" => None);
        float!("1_" => None);
        float!("1_.5" => None);
        float!("1._5" => None);
        float!("1e_1" => None);
        float!("-_1" => None);
        float!("0x10" => None);
        float!("42a" => None);
        float!("4 2" => None);
        float!("1.2.3" => None);
        float!("١" => None);
        float!("0.1" => Some(0.1));
        float!("123456789012345" => Some(123456789012345.0));
        float!("12345678901234567890" => Some(12345678901234567890.0));
        float!("0.30000000000000004" => Some(0.30000000000000004));
    }

    macro_rules! ts {
        ($s:expr => $want:expr) => {
            assert_eq!(parse_timestamp($s.as_bytes()), $want, "{:?}", $s);
        };
    }

    #[test]
    fn timestamps_truncate_like_int() {
        use Timestamp::*;
        ts!("1700000000" => Some(At(1700000000)));
        ts!("1700000000.9" => Some(At(1700000000)));
        ts!("1.7e9" => Some(At(1700000000)));
        ts!("-1" => Some(Now));
        ts!("-1.5" => Some(Now));
        ts!("-1.99" => Some(Now));
        ts!("-2" => Some(At(-2)));
        ts!("-0.5" => Some(At(0)));
        ts!("1_700_000_000" => Some(At(1700000000)));
        ts!("9007199254740993" => Some(At(9007199254740992)));
        ts!("9223372036854775807" => None);
        ts!("-9223372036854775808" => Some(At(i64::MIN)));
        ts!("1e19" => None);
        ts!("inf" => None);
        ts!("nan" => None);
        ts!("0x10" => None);
        ts!("" => None);
    }

    proptest! {
        #[test]
        fn rust_display_round_trips(v in any::<f64>()) {
            for text in [format!("{v}"), format!("{v:e}"), format!("{v:?}")] {
                let got = parse_float(text.as_bytes());
                prop_assert!(got.is_some(), "{text:?} refused");
                let got = got.unwrap_or_default();
                prop_assert!(got.to_bits() == v.to_bits() || (got.is_nan() && v.is_nan()), "{text:?}");
            }
        }

        #[test]
        fn fast_path_agrees_with_std(s in "[-+]?[0-9]{0,16}(\\.[0-9]{0,16})?") {
            let slow = std::str::from_utf8(s.as_bytes()).ok().and_then(|t| t.parse::<f64>().ok());
            let slow = slow.filter(|_| s.bytes().any(|b| b.is_ascii_digit()));
            prop_assert_eq!(parse_float(s.as_bytes()).map(f64::to_bits), slow.map(f64::to_bits));
        }

        #[test]
        fn underscores_between_digits_are_ignored(a in 1u64..1_000_000, b in 0u64..1000) {
            let text = format!("{a}_{b:03}");
            prop_assert_eq!(parse_float(text.as_bytes()), Some((a * 1000 + b) as f64));
        }

        #[test]
        fn never_panics(s in proptest::collection::vec(any::<u8>(), 0..40)) {
            let _ = parse_float(&s);
            let _ = parse_timestamp(&s);
        }
    }
}
