//! Python's number formatting, because graphite-web builds series names with it and Grafana's
//! legends and query ids depend on the exact text: `repr(float)` / `str(float)`, `%g`, `%d`.

/// `repr(x)` / `str(x)` of a Python float: shortest round-trip digits, `1.0`, `1e-05`, `1e+16`,
/// `inf`, `-inf`, `nan`.
pub fn repr(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let (mantissa, exp) = shortest(x);
    if (-4..16).contains(&exp) {
        // Rust's Display also prints the shortest round-trip digits, in positional form.
        let s = format!("{x}");
        if s.contains('.') {
            s
        } else {
            s + ".0"
        }
    } else {
        format!(
            "{mantissa}e{}{:02}",
            if exp < 0 { '-' } else { '+' },
            exp.abs()
        )
    }
}

/// `'%g' % x`: 6 significant digits, trailing zeros removed, exponent form when the exponent
/// is below -4 or at least 6.
pub fn g(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let sci = format!("{x:.5e}");
    let (m, e) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = e.parse().unwrap_or(0);
    if (-4..6).contains(&exp) {
        let decimals = (5 - exp).max(0) as usize;
        strip_zeros(format!("{x:.decimals$}"))
    } else {
        format!(
            "{}e{}{:02}",
            strip_zeros(m.to_string()),
            if exp < 0 { '-' } else { '+' },
            exp.abs()
        )
    }
}

/// `'%d' % x` for a float: truncated toward zero.
pub fn d(x: f64) -> String {
    if x.is_finite() {
        format!("{}", x.trunc() as i64)
    } else {
        // Python raises here; graphite-web's callers never pass non-finite values.
        repr(x)
    }
}

fn strip_zeros(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// The shortest round-trip digits as `d.ddd` and the decimal exponent.
fn shortest(x: f64) -> (String, i32) {
    let sci = format!("{x:e}");
    match sci.split_once('e') {
        Some((m, e)) => (m.to_string(), e.parse().unwrap_or(0)),
        None => (sci, 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! case {
        ($f:ident, $x:expr, $want:expr) => {
            assert_eq!($f($x), $want, "{}({:?})", stringify!($f), $x)
        };
    }

    #[test]
    fn python_repr() {
        case!(repr, 1.0, "1.0");
        case!(repr, 0.5, "0.5");
        case!(repr, -0.0, "-0.0");
        case!(repr, 100.0, "100.0");
        case!(repr, 0.1, "0.1");
        case!(repr, 1e16, "1e+16");
        case!(repr, 1e15, "1000000000000000.0");
        case!(repr, 1.5e-5, "1.5e-05");
        case!(repr, 0.0001, "0.0001");
        case!(repr, 1.0 / 3.0, "0.3333333333333333");
        case!(repr, 123456789012.0, "123456789012.0");
        case!(repr, f64::INFINITY, "inf");
        case!(repr, f64::NAN, "nan");
    }

    #[test]
    fn python_percent_g() {
        case!(g, 10.0, "10");
        case!(g, 0.5, "0.5");
        case!(g, -100.0, "-100");
        case!(g, 1e-7, "1e-07");
        case!(g, 1234567.0, "1.23457e+06");
        case!(g, 123456.0, "123456");
        case!(g, 0.0001, "0.0001");
        case!(g, 0.00001234, "1.234e-05");
        case!(g, 2.5, "2.5");
        case!(g, 0.0, "0");
        case!(g, 1.0 / 3.0, "0.333333");
        case!(g, 99.99999, "100");
    }

    #[test]
    fn python_percent_d() {
        case!(d, 60.0, "60");
        case!(d, -2.7, "-2");
    }
}
