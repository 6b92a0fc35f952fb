//! Matching one node label against one compiled glob alternative: the char-by-char token
//! matcher for `?` and `[...]`, and the faster prefix/suffix/substring form for globs made only
//! of text and `*`. Pure functions on a label; compiling patterns is `glob.rs`'s job, and
//! nothing here allocates per label.

/// One element of a compiled node alternative.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Token {
    Char(char),
    /// `?`
    AnyChar,
    /// `*`
    Star,
    /// `[...]`: inclusive char ranges (a single char is a range of one).
    Class {
        negated: bool,
        ranges: Box<[(char, char)]>,
    },
}

impl Token {
    fn matches(&self, c: char) -> bool {
        match self {
            Token::Char(want) => *want == c,
            Token::AnyChar => true,
            // `*` is handled by the matcher's backtracking, never here.
            Token::Star => false,
            Token::Class { negated, ranges } => {
                ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi) != *negated
            }
        }
    }
}

/// One alternative of a wild node, in the form that matches it fastest.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Alternative {
    /// Only literal text and `*` (by far the commonest glob): the literal pieces around the
    /// stars, so a match is a prefix test, a suffix test and substring searches in between —
    /// no per-char token loop, which was most of a find over 100,000 names.
    Stars(Vec<String>),
    /// Anything with `?` or `[...]`.
    Tokens(Vec<Token>),
}

impl Alternative {
    pub(crate) fn new(tokens: Vec<Token>) -> Alternative {
        if !tokens
            .iter()
            .all(|t| matches!(t, Token::Char(_) | Token::Star))
        {
            return Alternative::Tokens(tokens);
        }
        let mut pieces = vec![String::new()];
        for token in &tokens {
            match token {
                Token::Char(c) => pieces.last_mut().map_or((), |p| p.push(*c)),
                _ => pieces.push(String::new()),
            }
        }
        Alternative::Stars(pieces)
    }

    pub(crate) fn matches(&self, label: &str) -> bool {
        match self {
            Alternative::Tokens(tokens) => match_tokens(tokens, label),
            Alternative::Stars(pieces) => match_stars(pieces, label),
        }
    }
}

/// Slice equality without a call into libc's `memcmp`: pieces and labels are a few bytes, and
/// the call was a quarter of a find over 100,000 names.
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

/// `pieces` joined by `*` matched against `label`. With only `*` as wildcard the leftmost
/// occurrence of each middle piece is always a safe choice (a later one leaves less room for
/// the rest), so no backtracking is needed. Byte offsets stay on char boundaries because every
/// piece is valid UTF-8 found inside valid UTF-8.
fn match_stars(pieces: &[String], label: &str) -> bool {
    let (Some(first), Some(last)) = (pieces.first(), pieces.last()) else {
        return label.is_empty();
    };
    if pieces.len() == 1 {
        return label == first;
    }
    let bytes = label.as_bytes();
    if bytes.len() < first.len() + last.len()
        || !same_bytes(&bytes[..first.len()], first.as_bytes())
        || !same_bytes(&bytes[bytes.len() - last.len()..], last.as_bytes())
    {
        return false;
    }
    let Some(mut rest) = label.get(first.len()..label.len() - last.len()) else {
        return false;
    };
    for piece in &pieces[1..pieces.len() - 1] {
        match rest.find(piece.as_str()) {
            Some(at) => rest = &rest[at + piece.len()..],
            None => return false,
        }
    }
    true
}

/// Glob match of one label: the two-pointer algorithm, which backtracks only to the last `*`
/// (enough for globs, where `*` is the only variable-length token). No allocation.
pub(crate) fn match_tokens(tokens: &[Token], label: &str) -> bool {
    let (mut t, mut s) = (0usize, 0usize);
    // (token index after the last `*`, label offset that `*` currently extends to)
    let mut star: Option<(usize, usize)> = None;
    loop {
        if let Some(token) = tokens.get(t) {
            if *token == Token::Star {
                star = Some((t + 1, s));
                t += 1;
                continue;
            }
            if let Some(c) = label[s..].chars().next() {
                if token.matches(c) {
                    t += 1;
                    s += c.len_utf8();
                    continue;
                }
            }
        } else if s == label.len() {
            return true;
        }
        // Mismatch: let the last `*` swallow one more char and retry from just after it.
        let Some((after_star, reach)) = star else {
            return false;
        };
        let Some(c) = label[reach..].chars().next() else {
            return false;
        };
        let reach = reach + c.len_utf8();
        star = Some((after_star, reach));
        t = after_star;
        s = reach;
    }
}
