//! Python's `%g` for axis and pie labels. The render layer does not reach into `query`, so this small
//! formatter lives beside the labels that need it.

/// `"%g" % x`: six significant digits, trailing zeros dropped, exponent form below 1e-4 or from 1e6.
pub(crate) fn g(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    // Rounding to six significant digits first decides the exponent, as C's printf does. Zero
    // needs no case of its own: `{:.5e}` gives exponent 0 and keeps the sign of -0.
    let sci = format!("{x:.5e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..6).contains(&exp) {
        let m = strip(mantissa);
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{m}e{sign}{:02}", exp.abs())
    } else {
        let decimals = (5 - exp).max(0) as usize;
        strip(&format!("{x:.decimals$}"))
    }
}

fn strip(s: &str) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::g;

    macro_rules! g_cases {
        ($($x:expr => $want:expr),* $(,)?) => { $(assert_eq!(g($x), $want, "{}", $x);)* };
    }

    #[test]
    fn matches_python_percent_g() {
        g_cases! {
            0.0 => "0", 1.0 => "1", 0.05 => "0.05", 0.0001 => "0.0001", 0.00001 => "1e-05",
            123456.0 => "123456", 1234567.0 => "1.23457e+06", -2.5 => "-2.5", 0.1 + 0.2 => "0.3",
            999999.5 => "1e+06", -50.0 => "-50", -0.0 => "-0",
        }
    }
}
