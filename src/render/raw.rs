//! The raw render format (graphite.md 3.3): one line `name,start,end,step|v1,v2,...` per series,
//! values in Python's repr (`1.0`, `None`, `inf`). Pure: series in, bytes out.

use super::json::{write_float, write_int, write_int_value};
use crate::series::Series;

/// Writes one line per series; `end` is exclusive, as whisper's fetch gives it.
pub fn write_series_list(series: &[Series], out: &mut Vec<u8>) {
    let points: usize = series.iter().map(|s| s.values.len()).sum();
    out.reserve(points * 8 + series.len() * 64);
    for s in series {
        out.extend_from_slice(s.name.as_bytes());
        for n in [s.start, s.end(), s.step] {
            out.push(b',');
            write_int(n, out);
        }
        out.push(b'|');
        for (i, &v) in s.values.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            if v.is_nan() {
                // pencil's NaN is graphite's None (no data).
                out.extend_from_slice(b"None");
            } else if s.is_int(i) {
                write_int_value(v, out);
            } else {
                write_float(v, out);
            }
        }
        out.push(b'\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_per_series() {
        let series = [
            Series::new("a.b", 100, 10, vec![1.0, f64::NAN, f64::INFINITY, -0.5]),
            Series::new("x,y", 100, 60, vec![]),
            Series::new("c", 0, 10, vec![f64::NEG_INFINITY, 1e-7]),
        ];
        let mut out = Vec::new();
        write_series_list(&series, &mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "a.b,100,140,10|1.0,None,inf,-0.5\nx,y,100,100,60|\nc,0,20,10|-inf,1e-07\n"
        );
    }

    #[test]
    fn python_ints_print_without_a_point() {
        let mut s = Series::new("n", 0, 10, vec![3.0, f64::NAN, 0.0, 2.0, 1e20]).all_ints();
        s.ints[3] = false;
        let mut out = Vec::new();
        write_series_list(&[s], &mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "n,0,50,10|3,None,0,2.0,100000000000000000000\n"
        );
    }
}
