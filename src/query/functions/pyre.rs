//! Python's `re.sub` on series names, for `aliasSub` and `aliasQuery`: the pattern is Python
//! regex syntax read by regex-lite (after the few rewrites where the two spell the same thing
//! differently), the replacement is a Python template (`\1`, `\g<1>`, `\g<name>`, `\n`, `\\`;
//! `$` is literal) expanded here rather than translated into regex-lite's `$` syntax, and
//! matching follows Python 3.7+ rules for empty matches. Owns nothing else.

use regex_lite::{Captures, Regex};

/// One piece of an expanded replacement.
#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Text(String),
    /// A group number; a group that did not take part in the match expands to "" (Python 3.5+).
    Group(usize),
}

/// A compiled `re.sub(pattern, replacement, ·)`.
#[derive(Debug)]
pub(crate) struct PySub {
    re: Regex,
    template: Vec<Piece>,
}

impl PySub {
    /// Compiles both halves; the messages quote the offending text and say what is wrong.
    pub(crate) fn new(pattern: &str, replacement: &str) -> Result<PySub, String> {
        let re = Regex::new(&translate_pattern(pattern))
            .map_err(|e| format!("bad regular expression {pattern:?}: {e}"))?;
        let template = parse_template(replacement, &re)
            .map_err(|e| format!("bad replacement {replacement:?}: {e}"))?;
        Ok(PySub { re, template })
    }

    /// Every non-overlapping match replaced, as `re.sub` does with count 0.
    pub(crate) fn replace(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut copied = 0;
        let mut pos = 0;
        // Python searches again where the last match ended; after an empty match it must not
        // return another empty match at that same place.
        let mut after_empty = false;
        while pos <= text.len() {
            let Some(mut caps) = self.re.captures_at(text, pos) else {
                break;
            };
            let mut whole = whole_match(&caps);
            if after_empty && whole.is_empty() && whole.start == pos {
                // Retry one character on. (Python would first try a non-empty match at `pos`;
                // only patterns preferring the empty match there, like `x*?`, can tell.)
                let Some(next) = text[pos..].chars().next().map(|c| pos + c.len_utf8()) else {
                    break;
                };
                match self.re.captures_at(text, next) {
                    Some(c) => caps = c,
                    None => break,
                }
                whole = whole_match(&caps);
            }
            out.push_str(&text[copied..whole.start]);
            self.expand(&caps, &mut out);
            copied = whole.end;
            pos = whole.end;
            after_empty = whole.is_empty();
        }
        out.push_str(&text[copied..]);
        out
    }

    fn expand(&self, caps: &Captures<'_>, out: &mut String) {
        for piece in &self.template {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Group(i) => out.push_str(caps.get(*i).map_or("", |m| m.as_str())),
            }
        }
    }
}

fn whole_match(caps: &Captures<'_>) -> std::ops::Range<usize> {
    // Group 0 always takes part in a match.
    caps.get(0).map_or(0..0, |m| m.range())
}

/// Python regex text as regex-lite reads it: `\Z` is `\z`; a `{` that does not start a valid
/// repetition is a literal brace; `{,n}` is `{0,n}`; inside a class, `[`, `&` and `~` are
/// literals (regex-lite would read nested classes and set operations).
pub(crate) fn translate_pattern(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut chars = pattern.char_indices().peekable();
    let mut in_class = false;
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some((_, 'Z')) if !in_class => out.push_str("\\z"),
                Some((_, e)) => {
                    out.push('\\');
                    out.push(e);
                }
                None => out.push('\\'),
            },
            '[' if !in_class => {
                in_class = true;
                out.push('[');
                // A `]` right after `[` or `[^` is a literal member.
                if let Some(&(_, '^')) = chars.peek() {
                    out.push('^');
                    chars.next();
                }
                if let Some(&(_, ']')) = chars.peek() {
                    out.push_str("\\]");
                    chars.next();
                }
            }
            ']' if in_class => {
                in_class = false;
                out.push(']');
            }
            '[' | '&' | '~' if in_class => {
                out.push('\\');
                out.push(c);
            }
            '{' if !in_class => match repetition(&pattern[i..]) {
                Some((text, len)) => {
                    out.push_str(&text);
                    for _ in 1..len {
                        chars.next();
                    }
                }
                None => out.push_str("\\{"),
            },
            _ => out.push(c),
        }
    }
    out
}

/// `{m}`, `{m,}`, `{,n}`, `{m,n}` at the start of `rest` (Python's rule), rewritten for
/// regex-lite, with its length in chars; `None` when the brace is a literal.
fn repetition(rest: &str) -> Option<(String, usize)> {
    let close = rest.find('}')?;
    let inner = &rest[1..close];
    let (lo, hi) = match inner.split_once(',') {
        Some((lo, hi)) => (lo, Some(hi)),
        None => (inner, None),
    };
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if inner.is_empty() || !digits(lo) || !hi.is_none_or(digits) {
        return None;
    }
    let lo = if lo.is_empty() { "0" } else { lo };
    let text = match hi {
        Some(hi) => format!("{{{lo},{hi}}}"),
        None => format!("{{{lo}}}"),
    };
    Some((text, close + 1))
}

/// Python's replacement template (`re._parser.parse_template`), checked against the groups
/// of `re`.
fn parse_template(template: &str, re: &Regex) -> Result<Vec<Piece>, String> {
    let groups = re.captures_len() - 1;
    let mut pieces = Vec::new();
    let mut text = String::new();
    let group = |pieces: &mut Vec<Piece>, text: &mut String, i: usize| {
        if i > groups {
            return Err(format!(
                "invalid group reference {i}: the pattern has {groups} group(s)"
            ));
        }
        if !text.is_empty() {
            pieces.push(Piece::Text(std::mem::take(text)));
        }
        pieces.push(Piece::Group(i));
        Ok(())
    };
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            text.push(c);
            continue;
        }
        let Some(e) = chars.next() else {
            return Err("a lone backslash at the end; write \\\\ for a backslash".into());
        };
        match e {
            'g' => {
                if chars.next() != Some('<') {
                    return Err("\\g must be followed by <group>".into());
                }
                let mut name = String::new();
                loop {
                    match chars.next() {
                        Some('>') => break,
                        Some(c) => name.push(c),
                        None => return Err(format!("\\g<{name} is missing its closing >")),
                    }
                }
                let i = group_index(&name, re)?;
                group(&mut pieces, &mut text, i)?;
            }
            '0' => {
                let mut value = 0u32;
                for _ in 0..2 {
                    match chars.peek().and_then(|c| c.to_digit(8)) {
                        Some(d) => {
                            value = value * 8 + d;
                            chars.next();
                        }
                        None => break,
                    }
                }
                text.push(char::from_u32(value).unwrap_or('\0'));
            }
            '1'..='9' => {
                let first = e.to_digit(10).unwrap_or(0);
                let Some(second) = chars.peek().and_then(|c| c.to_digit(10)) else {
                    group(&mut pieces, &mut text, first as usize)?;
                    continue;
                };
                chars.next();
                let third = chars.peek().and_then(|c| c.to_digit(8));
                match third {
                    // Three octal digits are an octal escape, like `\101` for `A`.
                    Some(third) if first < 8 && second < 8 => {
                        chars.next();
                        let value = first * 64 + second * 8 + third;
                        if value > 0o377 {
                            return Err(format!(
                                "octal escape \\{first}{second}{third} is outside 0-0o377"
                            ));
                        }
                        text.push(char::from_u32(value).unwrap_or('\0'));
                    }
                    _ => group(&mut pieces, &mut text, (first * 10 + second) as usize)?,
                }
            }
            'a' => text.push('\x07'),
            'b' => text.push('\x08'),
            'f' => text.push('\x0c'),
            'n' => text.push('\n'),
            'r' => text.push('\r'),
            't' => text.push('\t'),
            'v' => text.push('\x0b'),
            '\\' => text.push('\\'),
            e if e.is_ascii_alphabetic() => {
                return Err(format!(
                    "bad escape \\{e}; groups are \\1 or \\g<name>, a backslash is \\\\"
                ))
            }
            // Python keeps other escapes as written: `\.` is a backslash and a dot.
            e => {
                text.push('\\');
                text.push(e);
            }
        }
    }
    if !text.is_empty() {
        pieces.push(Piece::Text(text));
    }
    Ok(pieces)
}

/// The group `\g<name>` refers to: a number, or the name of a `(?P<name>...)` group.
fn group_index(name: &str, re: &Regex) -> Result<usize, String> {
    if name.is_empty() {
        return Err("missing group name in \\g<>".into());
    }
    if let Ok(i) = name.parse::<usize>() {
        return Ok(i);
    }
    let identifier = name.chars().enumerate().all(|(i, c)| {
        c == '_'
            || if i == 0 {
                c.is_alphabetic()
            } else {
                c.is_alphanumeric()
            }
    });
    if !identifier {
        return Err(format!("bad character in group name {name:?}"));
    }
    re.capture_names()
        .position(|n| n == Some(name))
        .ok_or_else(|| format!("unknown group name {name:?}"))
}

#[cfg(test)]
mod tests {
    use super::PySub;

    /// `re.sub(pattern, replacement, text)` as observed from Python 3.11 / graphite-web 1.1.8.
    macro_rules! sub {
        ($pattern:expr, $replacement:expr, $text:expr => $want:expr) => {
            assert_eq!(
                PySub::new($pattern, $replacement)
                    .unwrap_or_else(|e| panic!("{e}"))
                    .replace($text),
                $want,
                "re.sub({:?}, {:?}, {:?})",
                $pattern,
                $replacement,
                $text
            )
        };
    }

    macro_rules! bad {
        ($pattern:expr, $replacement:expr => $needle:expr) => {
            match PySub::new($pattern, $replacement) {
                Ok(_) => panic!("{:?} / {:?} should be refused", $pattern, $replacement),
                Err(e) => assert!(e.contains($needle), "{e}"),
            }
        };
    }

    #[test]
    fn replacement_templates() {
        sub!(r"(^.*$)", r"\1 A", "as.a.b.c" => "as.a.b.c A");
        sub!(r"a\.(\w)", r"\g<1>$x\\\\y", "as.a.b.c" => r"as.b$x\\y.c");
        sub!(r"(?P<n>b)", r"[\g<n>]", "as.a.b.c" => "as.a.[b].c");
        sub!(r"(b)", r"\g<0>\g<1>", "abc" => "abbc");
        sub!("b", r"\n", "abc" => "a\nc");
        sub!("b", r"\t|", "abc" => "a\t|c");
        sub!("b", r"\.", "abc" => r"a\.c");
        sub!("b", r"\101\0", "abc" => "aA\0c");
        sub!("(x)?b", r"[\1]", "abc" => "a[]c");
        sub!("b", "$1 ${x}", "abc" => "a$1 ${x}c");
        sub!(r"^.*TCP(\d+)", r"\1", "ip.x.TCP80" => "80");
    }

    #[test]
    fn empty_matches_as_python() {
        sub!("", "-", "as.a" => "-a-s-.-a-");
        sub!("x*", "-", "abxd" => "-a-b--d-");
        sub!("$", "!", "ab" => "ab!");
        sub!("^", "!", "ab" => "!ab");
    }

    #[test]
    fn python_pattern_spellings() {
        sub!(r"c\Z", "C", "abc" => "abC");
        sub!("{x}", "y", "a{x}b" => "ayb");
        sub!("b{,2}c", "_", "abbc" => "a_");
        sub!("b{1}", "_", "abb" => "a__");
        sub!("[[]", "(", "a[b" => "a(b");
        sub!("[]x]", "_", "a]x" => "a__");
        sub!("[^]a]", "_", "a]b" => "a]_");
        sub!("[&~]", "_", "a&~" => "a__");
        sub!(r"\.", "/", "a.b" => "a/b");
        sub!("é", "e", "café" => "cafe");
    }

    #[test]
    fn errors_name_the_problem() {
        bad!("(b", "x" => "bad regular expression \"(b\"");
        bad!("b", r"\2" => "invalid group reference 2");
        bad!("(b)", r"\g<2>" => "invalid group reference 2");
        bad!("b", r"\q" => r"bad escape \q");
        bad!("b", "x\\" => "lone backslash");
        bad!("b", r"\g1" => "\\g must be followed by <group>");
        bad!("(b)", r"\g<1" => "missing its closing >");
        bad!("(?P<n>b)", r"\g<m>" => "unknown group name \"m\"");
        bad!("b", r"\g<1x>" => "bad character in group name");
        bad!("(?=b)", "x" => "look-around");
    }
}
