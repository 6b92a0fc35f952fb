//! URL decoding: query strings and `application/x-www-form-urlencoded` bodies into ordered
//! `(key, value)` pairs, and percent-decoding of paths. Never fails: bytes that do not decode are
//! kept as they are and invalid UTF-8 becomes U+FFFD, as Django does; what the values mean is the
//! routes' business.

/// Appends every `key=value` pair of `input` to `out`, in order, repeated keys kept. `+` is a
/// space, `%XX` a byte; a piece without `=` is a key with an empty value (Django's
/// `keep_blank_values`). `key[]` is stored as `key`: jQuery and Grafana send `target[]=...`.
pub(crate) fn parse_pairs(input: &[u8], out: &mut Vec<(String, String)>) {
    for piece in input.split(|&b| b == b'&') {
        if piece.is_empty() {
            continue;
        }
        let (key, value) = match piece.iter().position(|&b| b == b'=') {
            Some(at) => (&piece[..at], &piece[at + 1..]),
            None => (piece, &b""[..]),
        };
        let mut key = decode(key, true);
        if key.ends_with("[]") {
            key.truncate(key.len() - 2);
        }
        out.push((key, decode(value, true)));
    }
}

/// Percent-decodes a URL path; `+` stays a plus there.
pub(crate) fn decode_path(path: &str) -> String {
    decode(path.as_bytes(), false)
}

/// Python's `unquote_plus`, for names graphite-web unquotes before showing them.
pub(crate) fn unquote_plus(s: &str) -> String {
    decode(s.as_bytes(), true)
}

/// Whether a `Content-Type` header value announces a form body (parameters like `charset` allowed).
pub(crate) fn is_form(content_type: &str) -> bool {
    let media = content_type.split(';').next().unwrap_or("").trim();
    media.eq_ignore_ascii_case("application/x-www-form-urlencoded")
}

fn decode(bytes: &[u8], plus_is_space: bool) -> String {
    // Most keys and values need no decoding; skip the copy for them.
    if !bytes
        .iter()
        .any(|&b| b == b'%' || (plus_is_space && b == b'+'))
    {
        return String::from_utf8_lossy(bytes).into_owned();
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' if plus_is_space => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| Some(hex_value(h[0])? * 16 + hex_value(h[1])?));
                match hex {
                    Some(byte) => {
                        out.push(byte);
                        i += 2;
                    }
                    // A stray `%` is kept literally, as Python's unquote does.
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn pairs(input: &str) -> Vec<(String, String)> {
        let mut out = Vec::new();
        parse_pairs(input.as_bytes(), &mut out);
        out
    }

    macro_rules! case {
        ($input:expr => [$(($k:expr, $v:expr)),* $(,)?]) => {
            assert_eq!(pairs($input), vec![$(($k.to_string(), $v.to_string())),*], "input {:?}", $input)
        };
    }

    #[test]
    fn decoding_table() {
        case!("" => []);
        case!("a=1" => [("a", "1")]);
        case!("a=1&b=2" => [("a", "1"), ("b", "2")]);
        case!("target=a&target=b&target=a" => [("target", "a"), ("target", "b"), ("target", "a")]);
        case!("target[]=a.b&target%5B%5D=c" => [("target", "a.b"), ("target", "c")]);
        case!("q=a+b" => [("q", "a b")]);
        case!("q=a%2Bb" => [("q", "a+b")]);
        case!("q=sum%28a.%2A%29" => [("q", "sum(a.*)")]);
        case!("q=%e2%82%ac" => [("q", "\u{20ac}")]);
        case!("q=%ff" => [("q", "\u{fffd}")]);
        case!("q=100%" => [("q", "100%")]);
        case!("q=%zz" => [("q", "%zz")]);
        case!("q=%4" => [("q", "%4")]);
        case!("flag" => [("flag", "")]);
        case!("a=&b" => [("a", ""), ("b", "")]);
        case!("&&a=1&" => [("a", "1")]);
        case!("a=b=c" => [("a", "b=c")]);
        case!("=v" => [("", "v")]);
        case!("query=a.b.*" => [("query", "a.b.*")]);
    }

    #[test]
    fn paths_keep_plus() {
        assert_eq!(decode_path("/render/"), "/render/");
        assert_eq!(decode_path("/a%20b+c"), "/a b+c");
    }

    #[test]
    fn form_content_types() {
        assert!(is_form("application/x-www-form-urlencoded"));
        assert!(is_form("Application/X-WWW-Form-Urlencoded; charset=UTF-8"));
        assert!(!is_form("application/json"));
        assert!(!is_form("multipart/form-data; boundary=x"));
    }

    proptest! {
        #[test]
        fn never_panics(input in proptest::collection::vec(any::<u8>(), 0..64)) {
            let mut out = Vec::new();
            parse_pairs(&input, &mut out);
        }

        #[test]
        fn encoded_values_round_trip(value in "\\PC{0,20}") {
            let encoded: String = value.bytes().map(|b| format!("%{b:02X}")).collect();
            prop_assert_eq!(pairs(&format!("k={encoded}")), vec![("k".to_string(), value)]);
        }
    }
}
