//! The pure carbon plaintext line parser: `<name> <value> <timestamp>` (graphite.md 1.2).
//! Knows no sockets and no store; borrows from the input and never allocates.
//!
//! Splitting follows Python's `line.strip().split()`: any run of whitespace separates fields,
//! including the Unicode whitespace Python recognises (NBSP, em space, ...), so a line that
//! carbon reads as four fields is four fields here too.

pub use super::number::Timestamp;
use super::number::{parse_float, parse_timestamp};
use super::scan;
use std::fmt;

/// Twisted's `LineOnlyReceiver.MAX_LENGTH`, which carbon inherits: clients are already built
/// to stay under it, and it bounds every per-line buffer we keep.
pub const MAX_LINE_BYTES: usize = 16 * 1024;

/// One parsed line. `value` may be NaN: carbon parses it, then silently drops the point, and
/// we count those separately from syntax errors.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Line<'a> {
    /// Raw, not yet cleaned: see `name::Cleaner`.
    pub name: &'a [u8],
    pub value: f64,
    pub timestamp: Timestamp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineErrorKind {
    /// Longer than [`MAX_LINE_BYTES`].
    TooLong,
    /// Not exactly three fields; `fields` is how many were found, 4 meaning "four or more".
    Syntax {
        fields: u8,
    },
    Value,
    Timestamp,
}

/// Why a line was refused, with the offending bytes (the whole line, or the bad field).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineError<'a> {
    pub kind: LineErrorKind,
    pub input: &'a [u8],
}

impl fmt::Display for LineError<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Quote at most a screenful of a hostile line, as carbon's log does (400 chars).
        let shown = String::from_utf8_lossy(&self.input[..self.input.len().min(400)]);
        match self.kind {
            LineErrorKind::TooLong => write!(
                f,
                "line of {} bytes is longer than the {MAX_LINE_BYTES}-byte limit: {shown:?}...",
                self.input.len()
            ),
            LineErrorKind::Syntax { fields } => write!(
                f,
                "line {shown:?} has {}{fields} fields, expected 3: <metric> <value> <timestamp>",
                if fields >= 4 { "at least " } else { "" }
            ),
            LineErrorKind::Value => {
                write!(
                    f,
                    "value {shown:?} is not a number (expected e.g. 12.5, 1e3, -inf)"
                )
            }
            LineErrorKind::Timestamp => write!(
                f,
                "timestamp {shown:?} is not a finite number of unix seconds (or -1 for now)"
            ),
        }
    }
}

/// Parses one line without its `\n` (a trailing `\r` and surrounding whitespace are ignored).
pub fn parse(line: &[u8]) -> Result<Line<'_>, LineError<'_>> {
    if line.len() > MAX_LINE_BYTES {
        return Err(LineError {
            kind: LineErrorKind::TooLong,
            input: line,
        });
    }
    let mut fields: [&[u8]; 3] = [&[]; 3];
    let mut count = 0;
    let mut i = skip_whitespace(line, 0);
    while i < line.len() {
        let end = field_end(line, i);
        if count == fields.len() {
            return Err(LineError {
                kind: LineErrorKind::Syntax { fields: 4 },
                input: line,
            });
        }
        fields[count] = &line[i..end];
        count += 1;
        i = skip_whitespace(line, end);
    }
    if count != 3 {
        // count < 3 here, so the cast is lossless.
        return Err(LineError {
            kind: LineErrorKind::Syntax {
                fields: count as u8,
            },
            input: line,
        });
    }
    let [name, value, timestamp] = fields;
    let value = parse_float(value).ok_or(LineError {
        kind: LineErrorKind::Value,
        input: value,
    })?;
    let timestamp = parse_timestamp(timestamp).ok_or(LineError {
        kind: LineErrorKind::Timestamp,
        input: timestamp,
    })?;
    Ok(Line {
        name,
        value,
        timestamp,
    })
}

/// How the first byte of a character classifies for Python's `str.isspace()`.
const NOT_SPACE: u8 = 0;
const SPACE: u8 = 1;
/// Lead byte of a multi-byte sequence that may be Unicode whitespace.
const MAYBE: u8 = 2;

static CLASS: [u8; 256] = {
    let mut t = [NOT_SPACE; 256];
    // \t \n \v \f \r, the four ASCII information separators Python counts as space, and ' '.
    let mut b = 0x09;
    while b <= 0x0d {
        t[b] = SPACE;
        b += 1;
    }
    let mut b = 0x1c;
    while b <= 0x20 {
        t[b] = SPACE;
        b += 1;
    }
    t[0xc2] = MAYBE;
    t[0xe1] = MAYBE;
    t[0xe2] = MAYBE;
    t[0xe3] = MAYBE;
    t
};

/// Byte length of the whitespace character at `line[i]`, 0 if it is not whitespace.
#[inline]
fn whitespace_len(line: &[u8], i: usize) -> usize {
    match CLASS[usize::from(line[i])] {
        NOT_SPACE => 0,
        SPACE => 1,
        _ => unicode_whitespace_len(&line[i..]),
    }
}

/// The first index at or after `i` that is not whitespace.
#[inline]
fn skip_whitespace(line: &[u8], mut i: usize) -> usize {
    while i < line.len() {
        match whitespace_len(line, i) {
            0 => break,
            n => i += n,
        }
    }
    i
}

/// The end of the field starting at `i`: the next whitespace or the end of the line. Printable
/// ASCII is skipped eight bytes at a time; only other bytes are looked at one by one.
#[inline]
fn field_end(line: &[u8], mut i: usize) -> usize {
    while let Some(offset) = scan::find_special(&line[i..]) {
        i += offset;
        if whitespace_len(line, i) != 0 {
            return i;
        }
        i += 1;
    }
    line.len()
}

/// The non-ASCII characters for which Python's `str.isspace()` is true, in UTF-8.
#[cold]
fn unicode_whitespace_len(s: &[u8]) -> usize {
    match s {
        // U+0085 NEL, U+00A0 NBSP
        [0xc2, 0x85 | 0xa0, ..] => 2,
        // U+1680 OGHAM SPACE MARK
        [0xe1, 0x9a, 0x80, ..] => 3,
        // U+2000..U+200A, U+2028, U+2029, U+202F
        [0xe2, 0x80, 0x80..=0x8a | 0xa8 | 0xa9 | 0xaf, ..] => 3,
        // U+205F MEDIUM MATHEMATICAL SPACE
        [0xe2, 0x81, 0x9f, ..] => 3,
        // U+3000 IDEOGRAPHIC SPACE
        [0xe3, 0x80, 0x80, ..] => 3,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::Timestamp::{At, Now};
    use super::*;
    use proptest::prelude::*;
    use LineErrorKind::*;

    /// `ok!("line" => "name", value, timestamp)` or `err!("line" => kind)`.
    macro_rules! ok {
        ($line:expr => $name:expr, $value:expr, $ts:expr) => {
            let got = parse($line.as_bytes());
            let want = Line {
                name: $name.as_bytes(),
                value: $value,
                timestamp: $ts,
            };
            assert_eq!(got, Ok(want), "{:?}", $line);
        };
    }
    macro_rules! err {
        ($line:expr => $kind:expr) => {
            assert_eq!(
                parse($line.as_bytes()).map_err(|e| e.kind),
                Err($kind),
                "{:?}",
                $line
            );
        };
    }

    #[test]
    fn fields() {
        ok!("a.b 1 1700000000" => "a.b", 1.0, At(1700000000));
        ok!("  a.b   1\t\t1700000000  " => "a.b", 1.0, At(1700000000));
        ok!("a.b\t1\t1700000000" => "a.b", 1.0, At(1700000000));
        ok!("a.b 1 1700000000\r" => "a.b", 1.0, At(1700000000));
        ok!("a.b \x0b1\x0c 1700000000\x1f" => "a.b", 1.0, At(1700000000));
        ok!("a.b\u{a0}1\u{3000}1700000000\u{2009}" => "a.b", 1.0, At(1700000000));
        ok!("caf\u{e9} 1 2" => "caf\u{e9}", 1.0, At(2));
        err!("" => Syntax { fields: 0 });
        err!(" \t \r" => Syntax { fields: 0 });
        err!("a.b" => Syntax { fields: 1 });
        err!("a.b 1" => Syntax { fields: 2 });
        err!("a.b 1 2 3" => Syntax { fields: 4 });
        err!("a b 1 2 3 4" => Syntax { fields: 4 });
        err!("a\u{a0}b 1 2" => Syntax { fields: 4 });
    }

    #[test]
    fn values() {
        ok!("a 12.5 10" => "a", 12.5, At(10));
        ok!("a -3 10" => "a", -3.0, At(10));
        ok!("a +3 10" => "a", 3.0, At(10));
        ok!("a 1.5E-2 10" => "a", 0.015, At(10));
        ok!("a 1e3 10" => "a", 1000.0, At(10));
        ok!("a 1. 10" => "a", 1.0, At(10));
        ok!("a .5 10" => "a", 0.5, At(10));
        ok!("a inf 10" => "a", f64::INFINITY, At(10));
        ok!("a -Infinity 10" => "a", f64::NEG_INFINITY, At(10));
        ok!("a 1_000 10" => "a", 1000.0, At(10));
        err!("a 1__0 10" => Value);
        err!("a _1 10" => Value);
        err!("a 1_ 10" => Value);
        err!("a 0x10 10" => Value);
        err!("a 42a 10" => Value);
        err!("a 1,5 10" => Value);
        err!("a \u{e9} 10" => Value);
        let nan = parse(b"a NaN 10").map(|l| l.value.is_nan());
        assert_eq!(nan, Ok(true));
    }

    #[test]
    fn timestamps() {
        ok!("a 1 1700000000.75" => "a", 1.0, At(1700000000));
        ok!("a 1 1.7e9" => "a", 1.0, At(1700000000));
        ok!("a 1 -1" => "a", 1.0, Now);
        ok!("a 1 -1.5" => "a", 1.0, Now);
        ok!("a 1 -2" => "a", 1.0, At(-2));
        ok!("a 1 0" => "a", 1.0, At(0));
        err!("a 1 1e30" => Timestamp);
        err!("a 1 99999999999999999999" => Timestamp);
        err!("a 1 inf" => Timestamp);
        err!("a 1 nan" => Timestamp);
        err!("a 1 now" => Timestamp);
        err!("a 1 0x10" => Timestamp);
        err!("a x y" => Value);
    }

    #[test]
    fn length_limit() {
        let mut line = vec![b'a'; MAX_LINE_BYTES - 4];
        line.extend_from_slice(b" 1 2");
        assert!(parse(&line).is_ok());
        line.push(b' ');
        assert_eq!(parse(&line).map_err(|e| e.kind), Err(TooLong));
    }

    #[test]
    fn errors_quote_the_input() {
        let e = parse(b"a.b 42a 10").unwrap_err();
        assert_eq!(
            e.to_string(),
            "value \"42a\" is not a number (expected e.g. 12.5, 1e3, -inf)"
        );
        let e = parse(b"a.b 1").unwrap_err();
        assert!(
            e.to_string().contains("\"a.b 1\" has 2 fields, expected 3"),
            "{e}"
        );
    }

    proptest! {
        #[test]
        fn never_panics(s in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = parse(&s);
        }

        #[test]
        fn never_panics_on_texty_lines(s in "[ \t\r\u{a0}a-z0-9._eE+-]{0,40}") {
            let _ = parse(s.as_bytes());
        }

        #[test]
        fn formatted_points_parse_back(v in any::<f64>(), ts in 0i64..4_000_000_000, sci: bool) {
            let text = if sci { format!("m.x {v:e} {ts}") } else { format!("m.x {v} {ts}") };
            let line = parse(text.as_bytes());
            prop_assert!(line.is_ok(), "{text:?}");
            if let Ok(line) = line {
                prop_assert!(line.value.to_bits() == v.to_bits() || v.is_nan() && line.value.is_nan());
                prop_assert_eq!(line.timestamp, At(ts));
            }
        }
    }
}
