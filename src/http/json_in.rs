//! A small strict JSON reader (RFC 8259) for request bodies such as `POST /events/`: pencil has
//! no JSON library at run time. Bounded (nesting depth, and the body size the front already
//! limits), never panics on any input, and reports the byte offset of the first problem.
//! Accepts what Python's `json.loads` accepts except its extensions (`NaN`, `Infinity`) and
//! lone surrogate escapes, which a Rust string cannot hold.

use std::fmt;

/// Nesting deeper than this is refused: no request pencil understands nests more than two
/// levels, and the recursion must stay far from the stack's end.
const MAX_DEPTH: usize = 32;

/// A parsed JSON value. Objects keep their members in order; a repeated key keeps every
/// occurrence, and [`Json::get`] answers the last, as Python's `dict` does.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Json {
    Null,
    Bool(bool),
    /// A number written without fraction or exponent that fits an i64.
    Int(i64),
    /// Any other number; always finite.
    Float(f64),
    Str(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    /// The member `key` of an object (the last one if repeated); `None` for other values.
    pub(crate) fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(members) => members.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The JSON type name, for error messages.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "a boolean",
            Json::Int(_) | Json::Float(_) => "a number",
            Json::Str(_) => "a string",
            Json::Array(_) => "an array",
            Json::Object(_) => "an object",
        }
    }
}

/// Why a body is not JSON: what was expected at which byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JsonError {
    pub offset: usize,
    pub message: &'static str,
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid JSON at byte {}: {}", self.offset, self.message)
    }
}

/// Parses one JSON value surrounded by optional whitespace (and an optional UTF-8 byte order
/// mark, which `json.loads` also skips).
pub(crate) fn parse(input: &[u8]) -> Result<Json, JsonError> {
    let start = if input.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    if let Err(e) = std::str::from_utf8(input) {
        return Err(JsonError {
            offset: e.valid_up_to(),
            message: "invalid UTF-8",
        });
    }
    let mut p = Parser {
        s: input,
        at: start,
    };
    p.skip_ws();
    let value = p.value(0)?;
    p.skip_ws();
    if p.at != input.len() {
        return Err(p.fail("unexpected data after the value"));
    }
    Ok(value)
}

struct Parser<'a> {
    s: &'a [u8],
    at: usize,
}

impl Parser<'_> {
    fn fail(&self, message: &'static str) -> JsonError {
        JsonError {
            offset: self.at,
            message,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.at).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn literal(&mut self, word: &'static [u8], value: Json) -> Result<Json, JsonError> {
        if self.s[self.at..].starts_with(word) {
            self.at += word.len();
            Ok(value)
        } else {
            Err(self.fail("expected a value (object, array, string, number, true, false or null)"))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json, JsonError> {
        match self.peek() {
            None => Err(self.fail("the body ends where a value was expected")),
            Some(b'{') => self.object(depth + 1),
            Some(b'[') => self.array(depth + 1),
            Some(b'"') => self.string().map(Json::Str),
            Some(b't') => self.literal(b"true", Json::Bool(true)),
            Some(b'f') => self.literal(b"false", Json::Bool(false)),
            Some(b'n') => self.literal(b"null", Json::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => {
                Err(self
                    .fail("expected a value (object, array, string, number, true, false or null)"))
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Json, JsonError> {
        if depth > MAX_DEPTH {
            return Err(self.fail("nested too deeply"));
        }
        self.at += 1;
        let mut members = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.at += 1;
            return Ok(Json::Object(members));
        }
        loop {
            self.skip_ws();
            if self.peek() != Some(b'"') {
                return Err(self.fail("expected a member name in double quotes"));
            }
            let key = self.string()?;
            self.skip_ws();
            if self.peek() != Some(b':') {
                return Err(self.fail("expected ':' after the member name"));
            }
            self.at += 1;
            self.skip_ws();
            let value = self.value(depth)?;
            members.push((key, value));
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b'}') => {
                    self.at += 1;
                    return Ok(Json::Object(members));
                }
                _ => return Err(self.fail("expected ',' or '}' in the object")),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Json, JsonError> {
        if depth > MAX_DEPTH {
            return Err(self.fail("nested too deeply"));
        }
        self.at += 1;
        let mut items = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.at += 1;
            return Ok(Json::Array(items));
        }
        loop {
            self.skip_ws();
            items.push(self.value(depth)?);
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b']') => {
                    self.at += 1;
                    return Ok(Json::Array(items));
                }
                _ => return Err(self.fail("expected ',' or ']' in the array")),
            }
        }
    }

    /// A string starting at the opening quote.
    fn string(&mut self) -> Result<String, JsonError> {
        self.at += 1;
        let mut out: Vec<u8> = Vec::new();
        loop {
            let Some(b) = self.peek() else {
                return Err(self.fail("unterminated string"));
            };
            match b {
                b'"' => {
                    self.at += 1;
                    break;
                }
                b'\\' => {
                    self.at += 1;
                    let escaped = match self.peek() {
                        Some(b'"') => b'"',
                        Some(b'\\') => b'\\',
                        Some(b'/') => b'/',
                        Some(b'b') => 8,
                        Some(b'f') => 12,
                        Some(b'n') => b'\n',
                        Some(b'r') => b'\r',
                        Some(b't') => b'\t',
                        Some(b'u') => {
                            self.at += 1;
                            let c = self.unicode_escape()?;
                            let mut buf = [0u8; 4];
                            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                            continue;
                        }
                        _ => return Err(self.fail("invalid escape in a string")),
                    };
                    out.push(escaped);
                    self.at += 1;
                }
                0..=0x1f => return Err(self.fail("control character in a string")),
                _ => {
                    out.push(b);
                    self.at += 1;
                }
            }
        }
        // The input was checked to be UTF-8 and copies stop only at ASCII bytes, so this holds;
        // the error arm keeps it panic-free regardless.
        String::from_utf8(out).map_err(|_| self.fail("invalid UTF-8 in a string"))
    }

    /// The 4 hex digits after `\u` (and a low surrogate's escape after a high one).
    fn unicode_escape(&mut self) -> Result<char, JsonError> {
        let high = self.hex4()?;
        let code = match high {
            0xD800..=0xDBFF => {
                if !self.s[self.at..].starts_with(b"\\u") {
                    return Err(self.fail("a high surrogate escape must be followed by a low one"));
                }
                self.at += 2;
                let low = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&low) {
                    return Err(self.fail("a high surrogate escape must be followed by a low one"));
                }
                0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
            }
            0xDC00..=0xDFFF => return Err(self.fail("lone low surrogate escape")),
            c => c,
        };
        char::from_u32(code).ok_or_else(|| self.fail("invalid \\u escape"))
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let Some(digits) = self.s.get(self.at..self.at + 4) else {
            return Err(self.fail("expected 4 hex digits after \\u"));
        };
        let mut v = 0u32;
        for &d in digits {
            let n = match d {
                b'0'..=b'9' => d - b'0',
                b'a'..=b'f' => d - b'a' + 10,
                b'A'..=b'F' => d - b'A' + 10,
                _ => return Err(self.fail("expected 4 hex digits after \\u")),
            };
            v = v * 16 + u32::from(n);
        }
        self.at += 4;
        Ok(v)
    }

    fn number(&mut self) -> Result<Json, JsonError> {
        let start = self.at;
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        match self.peek() {
            Some(b'0') => self.at += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(self.fail("expected a digit")),
        }
        let mut integral = true;
        if self.peek() == Some(b'.') {
            integral = false;
            self.at += 1;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.fail("expected a digit after '.'"));
            }
            self.digits();
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            integral = false;
            self.at += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.at += 1;
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.fail("expected a digit in the exponent"));
            }
            self.digits();
        }
        // Only ASCII digits, signs, '.' and 'e' were consumed, so this is valid UTF-8.
        let text = std::str::from_utf8(&self.s[start..self.at]).unwrap_or("");
        if integral {
            if let Ok(n) = text.parse::<i64>() {
                return Ok(Json::Int(n));
            }
        }
        match text.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(Json::Float(v)),
            _ => Err(JsonError {
                offset: start,
                message: "number out of range",
            }),
        }
    }

    fn digits(&mut self) {
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.at += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn obj(members: &[(&str, Json)]) -> Json {
        Json::Object(
            members
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }
    fn s(v: &str) -> Json {
        Json::Str(v.to_string())
    }

    macro_rules! ok {
        ($input:expr => $want:expr) => {
            assert_eq!(parse($input.as_bytes()), Ok($want), "input {:?}", $input)
        };
    }
    macro_rules! bad {
        ($input:expr => $at:expr, $msg:expr) => {{
            let e = parse($input.as_bytes()).expect_err($input);
            assert_eq!(
                (e.offset, e.message.contains($msg)),
                ($at, true),
                "{:?}: {e}",
                $input
            );
        }};
    }

    #[test]
    fn accepted() {
        ok!("null" => Json::Null);
        ok!(" true " => Json::Bool(true));
        ok!("false" => Json::Bool(false));
        ok!("0" => Json::Int(0));
        ok!("-12" => Json::Int(-12));
        ok!("1600000000" => Json::Int(1_600_000_000));
        ok!("1.5" => Json::Float(1.5));
        ok!("-0.0" => Json::Float(-0.0));
        ok!("1e3" => Json::Float(1000.0));
        ok!("2E-1" => Json::Float(0.2));
        ok!("99999999999999999999" => Json::Float(1e20));
        ok!("\"\"" => s(""));
        ok!(r#""a\"b\\c\/d\n\t\r\b\f""# => s("a\"b\\c/d\n\t\r\u{8}\u{c}"));
        ok!(r#""\u20ac \u00e9 \ud83d\ude00""# => s("\u{20ac} \u{e9} \u{1f600}"));
        ok!("\"\u{20ac}\"" => s("\u{20ac}"));
        ok!("[]" => Json::Array(vec![]));
        ok!("[1, \"a\" ,null]" => Json::Array(vec![Json::Int(1), s("a"), Json::Null]));
        ok!("{}" => obj(&[]));
        ok!("\u{feff}{}" => obj(&[]));
        ok!("\n{\"what\": \"deploy\", \"tags\": [\"a\", \"b\"]}\r\n" => obj(&[
            ("what", s("deploy")),
            ("tags", Json::Array(vec![s("a"), s("b")])),
        ]));
    }

    #[test]
    fn repeated_keys_answer_the_last() {
        let v = parse(br#"{"a": 1, "b": 2, "a": 3}"#).expect("valid");
        assert_eq!(v.get("a"), Some(&Json::Int(3)));
        assert_eq!(v.get("c"), None);
        assert_eq!(Json::Int(1).get("a"), None);
    }

    #[test]
    fn refused() {
        bad!("" => 0, "ends");
        bad!("   " => 3, "ends");
        bad!("nul" => 0, "expected a value");
        bad!("NaN" => 0, "expected a value");
        bad!("Infinity" => 0, "expected a value");
        bad!("-Infinity" => 1, "digit");
        bad!("01" => 1, "after the value");
        bad!("1." => 2, "after '.'");
        bad!(".5" => 0, "expected a value");
        bad!("1e" => 2, "exponent");
        bad!("+1" => 0, "expected a value");
        bad!("1e999" => 0, "out of range");
        bad!("{\"a\" 1}" => 5, "':'");
        bad!("{\"a\": 1,}" => 8, "member name");
        bad!("{a: 1}" => 1, "member name");
        bad!("[1,]" => 3, "expected a value");
        bad!("[1 2]" => 3, "',' or ']'");
        bad!("{\"a\": 1" => 7, "',' or '}'");
        bad!("\"abc" => 4, "unterminated");
        bad!("\"a\u{1}\"" => 2, "control character");
        bad!("\"a\nb\"" => 2, "control character");
        bad!(r#""\x""# => 2, "invalid escape");
        bad!(r#""\u12""# => 3, "4 hex digits");
        bad!(r#""\ud800""# => 7, "low one");
        bad!(r#""\ud800\u0041""# => 13, "low one");
        bad!(r#""\udc00""# => 7, "lone low surrogate");
        bad!("{} {}" => 3, "after the value");
        bad!("'a'" => 0, "expected a value");
    }

    #[test]
    fn invalid_utf8_is_refused() {
        let e = parse(b"\"a\xffb\"").expect_err("bad utf-8");
        assert_eq!((e.offset, e.message), (2, "invalid UTF-8"));
    }

    #[test]
    fn depth_is_limited() {
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parse(ok.as_bytes()).is_ok());
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        bad!(deep.as_str() => MAX_DEPTH, "nested too deeply");
        let mixed = "{\"a\":".repeat(MAX_DEPTH + 1);
        assert!(parse(mixed.as_bytes())
            .unwrap_err()
            .message
            .contains("deeply"));
        // A megabyte of brackets is refused at the limit, not by exhausting the stack.
        let huge = "[".repeat(1 << 20);
        assert!(parse(huge.as_bytes()).is_err());
    }

    proptest! {
        #[test]
        fn never_panics(input in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = parse(&input);
        }

        #[test]
        fn never_panics_on_json_like_text(input in "[\\[\\]{}\":,0-9eE.+\\-a-z\\\\ ]{0,40}") {
            let _ = parse(input.as_bytes());
        }

        #[test]
        fn strings_round_trip(text in "\\PC{0,20}") {
            let mut quoted = Vec::new();
            crate::render::json::write_str(&text, &mut quoted);
            prop_assert_eq!(parse(&quoted), Ok(Json::Str(text)));
        }
    }
}
