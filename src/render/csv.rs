//! The csv render format (graphite.md 3.3): Python's `csv.writer` with the Excel dialect, one
//! row `name,YYYY-MM-DD HH:MM:SS,value` per point, CRLF line ends, timestamps read on the
//! request's time zone, an empty field for null. Pure: series in, bytes out.

use super::json::{write_float, write_int_value};
use crate::series::Series;
use crate::time::{LocalTime, Tz};
use std::io::Write as _;

/// Writes every point of every series, in order.
pub fn write_series_list(series: &[Series], tz: &Tz, out: &mut Vec<u8>) {
    let points: usize = series.iter().map(|s| s.values.len()).sum();
    out.reserve(points * (40 + series.first().map_or(0, |s| s.name.len())));
    for s in series {
        for (i, &v) in s.values.iter().enumerate() {
            write_field(&s.name, out);
            let ts = s.start + s.step * i as i64;
            // Writing into a Vec cannot fail.
            let _ = write!(out, ",{},", LocalTime::at(ts, tz));
            if s.is_int(i) {
                write_int_value(v, out);
            } else if !v.is_nan() {
                // str(float) in Python 3 is its repr, and inf/-inf print as such.
                write_float(v, out);
            }
            out.extend_from_slice(b"\r\n");
        }
    }
}

/// One field, quoted the Excel way (QUOTE_MINIMAL) when it holds a comma, a quote or a line
/// break; quotes inside are doubled.
fn write_field(text: &str, out: &mut Vec<u8>) {
    if !text.contains([',', '"', '\r', '\n']) {
        out.extend_from_slice(text.as_bytes());
        return;
    }
    out.push(b'"');
    for b in text.bytes() {
        if b == b'"' {
            out.push(b'"');
        }
        out.push(b);
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv(series: &[Series], tz: &Tz) -> String {
        let mut out = Vec::new();
        write_series_list(series, tz, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn rows_per_point_with_crlf() {
        let series = [
            Series::new("a.b", 1_600_000_000, 60, vec![1.0, f64::NAN, 0.5]),
            Series::new("c", 1_600_000_000, 60, vec![f64::INFINITY, -2.0]),
        ];
        assert_eq!(
            csv(&series, &Tz::utc()),
            "a.b,2020-09-13 12:26:40,1.0\r\na.b,2020-09-13 12:27:40,\r\n\
             a.b,2020-09-13 12:28:40,0.5\r\nc,2020-09-13 12:26:40,inf\r\n\
             c,2020-09-13 12:27:40,-2.0\r\n"
        );
        assert_eq!(csv(&[], &Tz::utc()), "");
    }

    #[test]
    fn names_are_quoted_when_needed() {
        let series = [
            Series::new("a,b", 0, 60, vec![1.0]),
            Series::new("say \"hi\"", 0, 60, vec![1.0]),
            Series::new("a b;k=v", 0, 60, vec![1.0]),
        ];
        assert_eq!(
            csv(&series, &Tz::utc()),
            "\"a,b\",1970-01-01 00:00:00,1.0\r\n\"say \"\"hi\"\"\",1970-01-01 00:00:00,1.0\r\n\
             a b;k=v,1970-01-01 00:00:00,1.0\r\n"
        );
    }

    #[test]
    fn timestamps_in_the_request_zone() {
        let paris = Tz::load("Europe/Paris").expect("tzdata is installed");
        let series = [Series::new("a", 1_600_000_000, 60, vec![1e20])];
        assert_eq!(csv(&series, &paris), "a,2020-09-13 14:26:40,1e+20\r\n");
    }

    #[test]
    fn python_ints_print_without_a_point() {
        let series = [Series::new("n", 0, 60, vec![3.0, f64::NAN]).all_ints()];
        assert_eq!(
            csv(&series, &Tz::utc()),
            "n,1970-01-01 00:00:00,3\r\nn,1970-01-01 00:01:00,\r\n"
        );
    }
}
