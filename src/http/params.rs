//! Request parameters read the way graphite-web's Django views read them: GET and POST merged
//! (POST after GET), `get` takes the last value, presence is tested by key, and numbers are
//! parsed like Python's `int()` and `float()` with Python's error texts, so a 400 reads the same
//! as graphite-web's. No routing, no formatting of answers.

use super::Reply;

/// The ordered `(key, value)` pairs of one request.
#[derive(Clone, Copy)]
pub(crate) struct Params<'a>(pub(crate) &'a [(String, String)]);

impl<'a> Params<'a> {
    /// The last value of `key`, as `QueryDict.get` (and `queryParams[key]`).
    pub(crate) fn get(&self, key: &str) -> Option<&'a str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `key` in request order, as `QueryDict.getlist`.
    pub(crate) fn list(&self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// `key in queryParams`.
    pub(crate) fn has(&self, key: &str) -> bool {
        self.0.iter().any(|(k, _)| k == key)
    }

    /// `bool(queryParams.get(key))`: present with a non-empty last value.
    pub(crate) fn flag(&self, key: &str) -> bool {
        self.get(key).is_some_and(|v| !v.is_empty())
    }

    /// `int(queryParams.get(key, default))`, failing with Python's message.
    pub(crate) fn int(&self, key: &str, default: i64) -> Result<i64, String> {
        match self.get(key) {
            None => Ok(default),
            Some(v) => py_int(v),
        }
    }
}

/// Python's `int(s)` for base 10: surrounding whitespace, an optional sign, digits (single
/// underscores between digits allowed).
pub(crate) fn py_int(s: &str) -> Result<i64, String> {
    let t = s.trim();
    let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
    let well_formed = !digits.is_empty()
        && !digits.starts_with('_')
        && !digits.ends_with('_')
        && !digits.contains("__")
        && digits.bytes().all(|b| b.is_ascii_digit() || b == b'_');
    let err = || format!("invalid literal for int() with base 10: {}", py_repr(s));
    if !well_formed {
        return Err(err());
    }
    let cleaned: String = t.chars().filter(|&c| c != '_').collect();
    // Python's ints are unbounded; ours saturate, which only matters for absurd values.
    match cleaned.parse::<i64>() {
        Ok(n) => Ok(n),
        Err(_) if cleaned.starts_with('-') => Ok(i64::MIN),
        Err(_) => Ok(i64::MAX),
    }
}

/// Python's `float(s)`: surrounding whitespace, decimal or exponent notation, `inf`, `nan`.
pub(crate) fn py_float(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let plain = !t.contains('_') && !t.is_empty();
    match t.parse::<f64>() {
        Ok(v) if plain => Ok(v),
        _ => Err(format!("could not convert string to float: {}", py_repr(s))),
    }
}

/// Python's `repr(str)` for the common cases: single quotes unless the text has one and no
/// double quote; backslashes and the quote escaped.
pub(crate) fn py_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// Whether a `jsonp` callback is a JavaScript name path (letters, digits, `_`, `$`, `.`): it
/// lands verbatim in a script, where nothing else is safe. The empty name passes.
pub(crate) fn is_callback_name(callback: &str) -> bool {
    callback
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"_$.".contains(&b))
}

/// The 400's message for a callback that is not a name.
pub(crate) fn bad_callback(callback: &str) -> String {
    format!(
        "Invalid jsonp callback {callback:?}: use a JavaScript function name such as cb or app.cb."
    )
}

/// graphite-web's `InputParameterError` answer: `Invalid parameters (<why>)`, 400.
pub(crate) fn invalid(why: impl std::fmt::Display) -> Reply {
    Reply::text(400, format!("Invalid parameters ({why})"))
}

/// A plain-text 400 in pencil's own words.
pub(crate) fn bad_request(message: impl Into<String>) -> Reply {
    Reply::text(400, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! int {
        ($s:expr => $want:expr) => {
            assert_eq!(py_int($s), $want, "int({:?})", $s)
        };
    }

    #[test]
    fn python_int() {
        int!("0" => Ok(0));
        int!(" 42 " => Ok(42));
        int!("-7" => Ok(-7));
        int!("+7" => Ok(7));
        int!("1_000" => Ok(1000));
        int!("99999999999999999999" => Ok(i64::MAX));
        int!("abc" => Err("invalid literal for int() with base 10: 'abc'".to_string()));
        int!("" => Err("invalid literal for int() with base 10: ''".to_string()));
        int!("1.5" => Err("invalid literal for int() with base 10: '1.5'".to_string()));
        int!("_1" => Err("invalid literal for int() with base 10: '_1'".to_string()));
        int!("1__0" => Err("invalid literal for int() with base 10: '1__0'".to_string()));
        int!("-" => Err("invalid literal for int() with base 10: '-'".to_string()));
    }

    #[test]
    fn python_float_and_repr() {
        assert_eq!(py_float(" 0.5"), Ok(0.5));
        assert_eq!(py_float("1e-1"), Ok(0.1));
        assert_eq!(py_float("inf"), Ok(f64::INFINITY));
        assert!(py_float("nan").unwrap().is_nan());
        assert_eq!(
            py_float("x"),
            Err("could not convert string to float: 'x'".to_string())
        );
        assert!(py_float("").is_err());
        assert_eq!(py_repr("it's"), "\"it's\"");
        assert_eq!(py_repr("a'\"b"), "'a\\'\"b'");
        assert_eq!(py_repr("a\\b\n"), "'a\\\\b\\n'");
    }

    #[test]
    fn django_query_dict_reads() {
        let pairs = vec![
            ("a".to_string(), "1".to_string()),
            ("b".to_string(), String::new()),
            ("a".to_string(), "2".to_string()),
        ];
        let p = Params(&pairs);
        assert_eq!(p.get("a"), Some("2"));
        assert_eq!(p.list("a").collect::<Vec<_>>(), ["1", "2"]);
        assert!(p.has("b") && !p.flag("b") && p.flag("a") && !p.has("c"));
        assert_eq!(p.int("c", 5), Ok(5));
        assert_eq!(p.int("a", 5), Ok(2));
        assert!(p.int("b", 5).is_err());
    }
}
