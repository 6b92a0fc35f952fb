//! The json render format (graphite.md 3.3) and the JSON pieces other endpoints share: Python
//! `repr(float)` numbers and `json.dumps` string escaping, so pencil's bytes match graphite-web's.
//! Pure functions writing into a caller's buffer; no allocation per point.

use crate::series::Series;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;

/// How the json render format is shaped (request parameters `noNullPoints` and `pretty`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JsonOptions {
    /// Drop null points; a series left without points is left out.
    pub no_null_points: bool,
    /// Python's `json.dumps(indent=2)` layout.
    pub pretty: bool,
}

/// Writes `[{"target": ..., "tags": {...}, "datapoints": [[value, ts], ...]}, ...]`.
/// When no series has any value the answer is `[]`, as graphite-web's `if any(data)` gives.
pub fn write_series_list(series: &[Series], opts: &JsonOptions, out: &mut Vec<u8>) {
    if opts.pretty {
        let mut compact = Vec::new();
        write_series_list(
            series,
            &JsonOptions {
                pretty: false,
                ..*opts
            },
            &mut compact,
        );
        indent(&compact, out);
        return;
    }
    // About 24 bytes a point (`[1234.5678, 1600000000], `); one reservation up front.
    let points: usize = series.iter().map(|s| s.values.len()).sum();
    out.reserve(points * 24 + series.len() * 64 + 2);
    out.push(b'[');
    if points == 0 {
        out.push(b']');
        return;
    }
    let mut first_series = true;
    for s in series {
        if opts.no_null_points && s.values.iter().all(|v| v.is_nan()) {
            continue;
        }
        if !first_series {
            out.extend_from_slice(b", ");
        }
        first_series = false;
        out.extend_from_slice(b"{\"target\": ");
        write_str(&s.name, out);
        out.extend_from_slice(b", \"tags\": ");
        write_tags(&s.tags, out);
        out.extend_from_slice(b", \"datapoints\": [");
        let mut first_point = true;
        for (j, &v) in s.values.iter().enumerate() {
            if opts.no_null_points && v.is_nan() {
                continue;
            }
            if !first_point {
                out.extend_from_slice(b", ");
            }
            first_point = false;
            out.push(b'[');
            if s.is_int(j) {
                write_int_value(v, out);
            } else {
                write_datapoint(v, out);
            }
            out.extend_from_slice(b", ");
            write_int(s.start + s.step * j as i64, out);
            out.push(b']');
        }
        out.extend_from_slice(b"]}");
    }
    out.push(b']');
}

/// The largest finite double, which every JSON decoder reads back as a number.
const HUGE: &[u8] = b"1.7976931348623157e+308";

/// A datapoint value in a render answer: `null` for no data, Python's float repr otherwise,
/// and ±infinity as ±1.7976931348623157e+308. graphite-web writes `1e9999`, which browsers
/// read as Infinity but Grafana's server side (Go's encoding/json into float64, used by
/// alerting and backend queries) refuses with "cannot unmarshal number 1e9999", failing the
/// whole query; the largest finite double keeps the sign and the "off the chart" meaning and
/// decodes everywhere (graphite.md section 10).
pub fn write_datapoint(v: f64, out: &mut Vec<u8>) {
    if v == f64::INFINITY {
        out.extend_from_slice(HUGE);
    } else if v == f64::NEG_INFINITY {
        out.push(b'-');
        out.extend_from_slice(HUGE);
    } else {
        write_value(v, out);
    }
}

/// Re-lays compact JSON (as these writers produce it: `, ` and `: ` separators) the way
/// Python's `json.dumps(indent=2)` does: one item a line, two spaces a level, `,` at line ends,
/// empty `[]` and `{}` kept on one line.
pub fn indent(compact: &[u8], out: &mut Vec<u8>) {
    out.reserve(compact.len() * 2);
    let mut depth = 0usize;
    let mut i = 0;
    let newline = |out: &mut Vec<u8>, depth: usize| {
        out.push(b'\n');
        out.extend(std::iter::repeat_n(b' ', depth * 2));
    };
    while i < compact.len() {
        let b = compact[i];
        match b {
            b'"' => {
                // Copy the string through its closing quote, skipping escaped characters.
                let start = i;
                i += 1;
                while i < compact.len() && compact[i] != b'"' {
                    i += if compact[i] == b'\\' { 2 } else { 1 };
                }
                let end = (i + 1).min(compact.len());
                out.extend_from_slice(&compact[start..end]);
            }
            b'[' | b'{' => {
                let close = if b == b'[' { b']' } else { b'}' };
                if compact.get(i + 1) == Some(&close) {
                    out.extend_from_slice(&[b, close]);
                    i += 1;
                } else {
                    out.push(b);
                    depth += 1;
                    newline(out, depth);
                }
            }
            b']' | b'}' => {
                depth = depth.saturating_sub(1);
                newline(out, depth);
                out.push(b);
            }
            b',' => {
                out.push(b',');
                newline(out, depth);
                if compact.get(i + 1) == Some(&b' ') {
                    i += 1;
                }
            }
            _ => out.push(b),
        }
        i += 1;
    }
}

/// A series' tags object: `name` first, then the rest sorted by tag, e.g.
/// `{"name": "a.b", "j": "w", "k": "v"}`.
pub fn write_tags(tags: &BTreeMap<String, String>, out: &mut Vec<u8>) {
    out.extend_from_slice(b"{\"name\": ");
    write_str(tags.get("name").map(String::as_str).unwrap_or(""), out);
    for (key, value) in tags.iter().filter(|(k, _)| k.as_str() != "name") {
        out.extend_from_slice(b", ");
        write_str(key, out);
        out.extend_from_slice(b": ");
        write_str(value, out);
    }
    out.push(b'}');
}

/// A datapoint value as graphite-web writes it: `null` for no data, `1e9999`/`-1e9999` for
/// infinities (its `Infinity` → `1e9999` text replacement), otherwise Python's float repr.
pub fn write_value(v: f64, out: &mut Vec<u8>) {
    if v.is_nan() {
        out.extend_from_slice(b"null");
    } else if v == f64::INFINITY {
        out.extend_from_slice(b"1e9999");
    } else if v == f64::NEG_INFINITY {
        out.extend_from_slice(b"-1e9999");
    } else {
        write_float(v, out);
    }
}

/// Python's `repr(float)` for a finite value: the shortest digits that round-trip, positional
/// notation with a trailing `.0` when the decimal exponent is in -4..16, otherwise `d.ddde±XX`.
/// Non-finite values print as Python does (`nan`, `inf`, `-inf`); JSON writers use `write_value`.
pub fn write_float(v: f64, out: &mut Vec<u8>) {
    if !v.is_finite() {
        let text: &[u8] = if v.is_nan() {
            b"nan"
        } else if v > 0.0 {
            b"inf"
        } else {
            b"-inf"
        };
        out.extend_from_slice(text);
        return;
    }
    // Rust's `{:e}` gives the same shortest round-trip digits as Python's repr, as `d.ddde-7`.
    let mut buf = StackText::default();
    // StackText holds 32 bytes; the longest `{:e}` of an f64 is 24 (`-2.2250738585072014e-308`).
    let _ = write!(buf, "{v:e}");
    let text = buf.as_bytes();
    let (negative, text) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    let e_at = text.iter().position(|&b| b == b'e').unwrap_or(text.len());
    let (mantissa, exponent) = (&text[..e_at], text.get(e_at + 1..).unwrap_or(b""));
    let exponent: i32 = std::str::from_utf8(exponent)
        .ok()
        .and_then(|e| e.parse().ok())
        .unwrap_or(0);
    // The significant digits without the dot: "1.5" -> "15".
    let mut digits = [0u8; 24];
    let mut n = 0;
    for &b in mantissa.iter().filter(|b| b.is_ascii_digit()) {
        if n < digits.len() {
            digits[n] = b;
            n += 1;
        }
    }
    let digits = &digits[..n];
    if negative {
        out.push(b'-');
    }
    if !(-4..16).contains(&exponent) {
        out.push(digits[0]);
        if digits.len() > 1 {
            out.push(b'.');
            out.extend_from_slice(&digits[1..]);
        }
        out.push(b'e');
        out.push(if exponent < 0 { b'-' } else { b'+' });
        let magnitude = exponent.unsigned_abs();
        if magnitude < 10 {
            out.push(b'0');
        }
        write_int(i64::from(magnitude), out);
    } else if exponent < 0 {
        out.extend_from_slice(b"0.");
        out.extend(std::iter::repeat_n(b'0', (-exponent - 1) as usize));
        out.extend_from_slice(digits);
    } else {
        let int_len = exponent as usize + 1;
        if digits.len() <= int_len {
            out.extend_from_slice(digits);
            out.extend(std::iter::repeat_n(b'0', int_len - digits.len()));
            out.extend_from_slice(b".0");
        } else {
            out.extend_from_slice(&digits[..int_len]);
            out.push(b'.');
            out.extend_from_slice(&digits[int_len..]);
        }
    }
}

/// A JSON string as Python's `json.dumps` writes it by default (`ensure_ascii=True`): `\"`, `\\`,
/// the short escapes, and `\uXXXX` (lowercase hex, surrogate pairs) for everything outside
/// printable ASCII.
pub fn write_str(s: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    for c in s.chars() {
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\r' => out.extend_from_slice(b"\\r"),
            '\t' => out.extend_from_slice(b"\\t"),
            '\u{8}' => out.extend_from_slice(b"\\b"),
            '\u{c}' => out.extend_from_slice(b"\\f"),
            ' '..='~' => out.push(c as u8),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out.push(b'"');
}

/// A decimal integer without going through a `String`.
pub fn write_int(v: i64, out: &mut Vec<u8>) {
    let _ = write!(out, "{v}");
}

/// A value graphite-web holds as a Python int (`Series::is_int`: finite and integral), printed
/// as `str(int)` prints it. Past i64, `{:.0}` gives the double's exact digits, as `int(x)` does.
pub fn write_int_value(v: f64, out: &mut Vec<u8>) {
    if v.abs() < 9.0e18 {
        write_int(v as i64, out);
    } else {
        let _ = write!(out, "{v:.0}");
    }
}

/// A fixed buffer for `write!` so formatting a float does not allocate.
#[derive(Default)]
struct StackText {
    buf: [u8; 32],
    len: usize,
}

impl StackText {
    fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

impl std::fmt::Write for StackText {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        if end > self.buf.len() {
            return Err(std::fmt::Error);
        }
        self.buf[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn float(v: f64) -> String {
        let mut out = Vec::new();
        write_float(v, &mut out);
        String::from_utf8(out).unwrap()
    }

    fn string(s: &str) -> String {
        let mut out = Vec::new();
        write_str(s, &mut out);
        String::from_utf8(out).unwrap()
    }

    macro_rules! repr {
        ($v:expr, $want:expr) => {
            assert_eq!(float($v), $want, "repr({:?})", $v)
        };
    }

    #[test]
    fn python_float_repr() {
        repr!(0.0, "0.0");
        repr!(-0.0, "-0.0");
        repr!(1.0, "1.0");
        repr!(-1.0, "-1.0");
        repr!(0.5, "0.5");
        repr!(0.1, "0.1");
        repr!(123.456, "123.456");
        repr!(1.0 / 3.0, "0.3333333333333333");
        repr!(2.0 / 3.0, "0.6666666666666666");
        repr!(1e16, "1e+16");
        repr!(1e15, "1000000000000000.0");
        repr!(1.5e-5, "1.5e-05");
        repr!(1e-7, "1e-07");
        repr!(0.0001, "0.0001");
        repr!(0.00012, "0.00012");
        repr!(123456789012.0, "123456789012.0");
        repr!(1.2345e16, "1.2345e+16");
        repr!(9999999999999998.0, "9999999999999998.0");
        repr!(1e100, "1e+100");
        repr!(1.5e300, "1.5e+300");
        repr!(-2.5e-300, "-2.5e-300");
        repr!(f64::MAX, "1.7976931348623157e+308");
        repr!(f64::MIN_POSITIVE, "2.2250738585072014e-308");
        repr!(5e-324, "5e-324");
        repr!(0.1 + 0.2, "0.30000000000000004");
        repr!(100.0, "100.0");
        repr!(f64::NAN, "nan");
        repr!(f64::INFINITY, "inf");
        repr!(f64::NEG_INFINITY, "-inf");
    }

    #[test]
    fn python_string_escapes() {
        assert_eq!(string("a.b"), r#""a.b""#);
        assert_eq!(string("q\"b\\"), r#""q\"b\\""#);
        assert_eq!(string("\n\r\t\u{8}\u{c}"), r#""\n\r\t\b\f""#);
        assert_eq!(string("\u{1}\u{1f}\u{7f}"), r#""\u0001\u001f\u007f""#);
        assert_eq!(string("caf\u{e9}"), r#""caf\u00e9""#);
        assert_eq!(string("\u{20ac}"), r#""\u20ac""#);
        assert_eq!(string("\u{1f600}"), r#""\ud83d\ude00""#);
        assert_eq!(string("/<>"), r#""/<>""#);
    }

    #[test]
    fn series_list_shape() {
        let series = vec![
            Series::new(
                "a.b",
                1_600_000_060,
                60,
                vec![1.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 0.5],
            ),
            Series::new("c;k=v;b=x", 10, 10, vec![]),
        ];
        let mut out = Vec::new();
        write_series_list(&series, &JsonOptions::default(), &mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "[{\"target\": \"a.b\", \"tags\": {\"name\": \"a.b\"}, \"datapoints\": [[1.0, 1600000060], \
             [null, 1600000120], [1.7976931348623157e+308, 1600000180], [-1.7976931348623157e+308, 1600000240], [0.5, 1600000300]]}, \
             {\"target\": \"c;k=v;b=x\", \"tags\": {\"name\": \"c\", \"b\": \"x\", \"k\": \"v\"}, \
             \"datapoints\": []}]"
        );
        let mut empty = Vec::new();
        write_series_list(&[], &JsonOptions::default(), &mut empty);
        assert_eq!(empty, b"[]");
    }

    #[test]
    fn tags_skip_pieces_without_a_value() {
        let mut out = Vec::new();
        write_tags(&crate::series::tags_of("a.b;junk;z=1"), &mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"{"name": "a.b", "z": "1"}"#
        );
    }

    fn render(series: &[Series], opts: JsonOptions) -> String {
        let mut out = Vec::new();
        write_series_list(series, &opts, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn python_ints_print_without_a_point() {
        let mut s = Series::new("n", 10, 10, vec![3.0, f64::NAN, 1.5]).all_ints();
        s.ints[0] = true;
        assert_eq!(
            render(&[s], JsonOptions::default()),
            r#"[{"target": "n", "tags": {"name": "n"}, "datapoints": [[3, 10], [null, 20], [1.5, 30]]}]"#
        );
    }

    #[test]
    fn no_null_points_drops_points_and_empty_series() {
        let series = vec![
            Series::new("a", 10, 10, vec![f64::NAN, 2.0, f64::NAN]),
            Series::new("b", 10, 10, vec![f64::NAN]),
        ];
        let opts = JsonOptions {
            no_null_points: true,
            ..JsonOptions::default()
        };
        assert_eq!(
            render(&series, opts),
            r#"[{"target": "a", "tags": {"name": "a"}, "datapoints": [[2.0, 20]]}]"#
        );
        // Without the option every series shows; with no value anywhere the answer is [].
        assert!(render(&series, JsonOptions::default()).contains(r#""target": "b""#));
        let empty = vec![Series::new("a", 10, 10, vec![])];
        assert_eq!(render(&empty, JsonOptions::default()), "[]");
    }

    #[test]
    fn pretty_is_pythons_indent_2() {
        let series = vec![
            Series::new("a, \"[x]\"", 10, 10, vec![1.0]),
            Series::new("b", 10, 10, vec![]),
        ];
        let opts = JsonOptions {
            pretty: true,
            ..JsonOptions::default()
        };
        assert_eq!(
            render(&series, opts),
            "[\n  {\n    \"target\": \"a, \\\"[x]\\\"\",\n    \"tags\": {\n      \"name\": \"a, \\\"[x]\\\"\"\n    },\n    \
             \"datapoints\": [\n      [\n        1.0,\n        10\n      ]\n    ]\n  },\n  {\n    \"target\": \"b\",\n    \
             \"tags\": {\n      \"name\": \"b\"\n    },\n    \"datapoints\": []\n  }\n]"
        );
        let mut out = Vec::new();
        indent(b"[]", &mut out);
        assert_eq!(out, b"[]");
    }

    proptest! {
        #[test]
        fn repr_round_trips(bits in any::<u64>()) {
            let v = f64::from_bits(bits);
            prop_assume!(v.is_finite());
            let text = float(v);
            prop_assert_eq!(text.parse::<f64>().unwrap().to_bits(), v.to_bits(), "{}", text);
            // Python always shows a dot or an exponent, so the value never reads as an int.
            prop_assert!(text.contains('.') || text.contains('e'), "{}", text);
        }

        #[test]
        fn strings_are_ascii(s in "\\PC{0,20}") {
            prop_assert!(string(&s).is_ascii());
        }
    }
}
