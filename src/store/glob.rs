//! Graphite glob patterns (graphite.md 4.2): brace expansion and compiling a pattern into node
//! globs; matching one label against a node alternative is `glob_match.rs`.
//!
//! A pattern is compiled once per query into node globs; each node glob is then matched against
//! many node labels without allocating. Wildcards never cross a dot: `*`, `?` and `[...]` work
//! inside one node, as Python's `fnmatch` does. Braces are expanded before the pattern is split on
//! dots, so `{a.b,c}` may span nodes; braces without a dot stay inside their node as alternatives.
//! This module knows nothing of the index: it must not look at names other than the one it is
//! asked to match.

use super::glob_match::{Alternative, Token};
use super::GlobError;

/// Most alternatives one pattern may expand to, counting both whole-pattern expansions (braces
/// holding a dot) and per-node alternatives. Every alternative costs a scan, so an unbounded
/// `{a,b}{a,b}{a,b}...` from an HTTP request must be refused before it eats the event loop.
pub(crate) const MAX_ALTERNATIVES: usize = 10_000;

/// Most bytes of text brace expansion may produce for one pattern; bounds the copying work of a
/// long pattern full of `{}` groups, which expand to few alternatives but many strings.
const MAX_EXPANSION_BYTES: usize = 1 << 20;

/// One dot-free node of a pattern.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum NodeGlob {
    /// No alternative has a wildcard: the index looks each label up instead of scanning.
    /// Sorted and deduplicated.
    Literals(Vec<String>),
    /// At least one alternative has a wildcard; a label matches if any alternative does.
    Wild(Vec<Alternative>),
}

impl NodeGlob {
    pub(crate) fn matches(&self, label: &str) -> bool {
        match self {
            NodeGlob::Literals(words) => words.binary_search_by(|w| w.as_str().cmp(label)).is_ok(),
            NodeGlob::Wild(alternatives) => alternatives.iter().any(|alt| alt.matches(label)),
        }
    }
}

/// Compiles a whole pattern into one or more node sequences; there is more than one only when a
/// brace holding a dot spans nodes (`{a.b,c}.d` → `a.b.d` and `c.d`).
pub(crate) fn compile(pattern: &str) -> Result<Vec<Vec<NodeGlob>>, GlobError> {
    let error = |message: String| GlobError {
        pattern: pattern.to_string(),
        message,
    };
    if pattern.is_empty() {
        return Err(error(
            "empty pattern: expected a metric path such as `a.b.*`".to_string(),
        ));
    }
    check_braces(pattern).map_err(error)?;
    let mut budget = Budget {
        alternatives: MAX_ALTERNATIVES,
        bytes: MAX_EXPANSION_BYTES,
    };
    let mut whole = Vec::new();
    expand(pattern, true, &mut whole, &mut budget).map_err(error)?;
    let mut sequences = Vec::with_capacity(whole.len());
    for text in &whole {
        let mut nodes = Vec::new();
        for node in text.split('.') {
            if node.is_empty() {
                return Err(error(
                    "empty node (two dots in a row, or a leading or trailing dot): expected text between dots".to_string(),
                ));
            }
            nodes.push(compile_node(node, &mut budget).map_err(error)?);
        }
        sequences.push(nodes);
    }
    Ok(sequences)
}

fn compile_node(node: &str, budget: &mut Budget) -> Result<NodeGlob, String> {
    let mut texts = Vec::new();
    expand(node, false, &mut texts, budget)?;
    let alternatives: Vec<Vec<Token>> = texts.iter().map(|t| tokenize(t)).collect();
    let literal = |tokens: &Vec<Token>| tokens.iter().all(|t| matches!(t, Token::Char(_)));
    if alternatives.iter().all(literal) {
        // A literal alternative's text is exactly its characters, so keep the text.
        texts.sort_unstable();
        texts.dedup();
        Ok(NodeGlob::Literals(texts))
    } else {
        Ok(NodeGlob::Wild(
            alternatives.into_iter().map(Alternative::new).collect(),
        ))
    }
}

/// An unclosed `{` is an error (unlike an unclosed `[`, which fnmatch reads as a literal): the
/// user surely meant alternatives, and guessing would return a silently wrong answer.
/// A `}` with no `{` before it is a literal character.
fn check_braces(pattern: &str) -> Result<(), String> {
    let mut open = Vec::new();
    for (i, b) in pattern.bytes().enumerate() {
        match b {
            b'{' => open.push(i),
            b'}' => {
                open.pop();
            }
            _ => {}
        }
    }
    match open.first() {
        Some(at) => Err(format!(
            "unclosed '{{' at byte {at}: expected a matching '}}'"
        )),
        None => Ok(()),
    }
}

struct Budget {
    alternatives: usize,
    bytes: usize,
}

/// Expands brace groups of `text` into `out`: every group when `only_dotted` is false, otherwise
/// only groups whose text holds a dot (the others stay for the per-node pass). A worklist rather
/// than recursion, so a deeply nested pattern cannot overflow the stack.
fn expand(
    text: &str,
    only_dotted: bool,
    out: &mut Vec<String>,
    budget: &mut Budget,
) -> Result<(), String> {
    let too_many =
        || format!("pattern expands to too many alternatives (more than {MAX_ALTERNATIVES})");
    let mut work = vec![text.to_string()];
    while let Some(item) = work.pop() {
        let Some((open, close)) = first_group(&item, only_dotted)? else {
            budget.alternatives = budget.alternatives.checked_sub(1).ok_or_else(too_many)?;
            out.push(item);
            continue;
        };
        let (prefix, inner, suffix) = (&item[..open], &item[open + 1..close], &item[close + 1..]);
        // Pushed in reverse so alternatives come out in the order written.
        for alternative in split_top_level(inner).into_iter().rev() {
            let len = prefix.len() + alternative.len() + suffix.len();
            budget.bytes = budget.bytes.checked_sub(len + 1).ok_or_else(too_many)?;
            let mut next = String::with_capacity(len);
            next.push_str(prefix);
            next.push_str(alternative);
            next.push_str(suffix);
            work.push(next);
        }
    }
    Ok(())
}

/// The byte offsets of the first brace group to expand, or None when there is none.
fn first_group(text: &str, only_dotted: bool) -> Result<Option<(usize, usize)>, String> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'{' {
            i += 1;
            continue;
        }
        let close = matching_brace(bytes, i)
            .ok_or_else(|| format!("unclosed '{{' in {text:?}: expected a matching '}}'"))?;
        if !only_dotted || bytes[i..close].contains(&b'.') {
            return Ok(Some((i, close)));
        }
        i = close + 1;
    }
    Ok(None)
}

fn matching_brace(bytes: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, &b) in bytes.iter().enumerate().skip(open) {
        match b {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// Splits a group's text at the commas not inside a nested group.
fn split_top_level(inner: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0usize, 0);
    for (i, b) in inner.bytes().enumerate() {
        match b {
            b'{' => depth += 1,
            b'}' => depth = depth.saturating_sub(1),
            b',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
}

/// Turns one brace-free node alternative into tokens, reading `[` as Python's fnmatch does: `!`
/// (or `^`) first negates, a `]` right after the opening (or the negation) is a member, and a `[`
/// with no closing `]` is a literal `[`.
fn tokenize(text: &str) -> Vec<Token> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '*' => {
                // `**` inside a node means the same as `*`; one token keeps backtracking short.
                if tokens.last() != Some(&Token::Star) {
                    tokens.push(Token::Star);
                }
                i += 1;
            }
            '?' => {
                tokens.push(Token::AnyChar);
                i += 1;
            }
            '[' => match class(&chars, i) {
                Some((token, next)) => {
                    tokens.push(token);
                    i = next;
                }
                None => {
                    tokens.push(Token::Char('['));
                    i += 1;
                }
            },
            c => {
                tokens.push(Token::Char(c));
                i += 1;
            }
        }
    }
    tokens
}

/// Parses the class opening at `chars[open]`; returns it and the index after its `]`.
fn class(chars: &[char], open: usize) -> Option<(Token, usize)> {
    let mut start = open + 1;
    let negated = matches!(chars.get(start), Some('!' | '^'));
    if negated {
        start += 1;
    }
    let search_from = if chars.get(start) == Some(&']') {
        start + 1
    } else {
        start
    };
    let close = search_from + chars.get(search_from..)?.iter().position(|&c| c == ']')?;
    let members = &chars[start..close];
    let mut ranges = Vec::new();
    let mut k = 0;
    while k < members.len() {
        if k + 2 < members.len() && members[k + 1] == '-' {
            // A reversed range such as `z-a` matches nothing, as in fnmatch.
            ranges.push((members[k], members[k + 2]));
            k += 3;
        } else {
            ranges.push((members[k], members[k]));
            k += 1;
        }
    }
    Some((
        Token::Class {
            negated,
            ranges: ranges.into_boxed_slice(),
        },
        close + 1,
    ))
}

/// A slow matcher for tests, written without the code above: expand every brace over the whole
/// pattern, then split on dots and fnmatch node by node by plain recursion.
#[cfg(test)]
pub(crate) mod reference {
    pub(crate) fn expand(pattern: &str) -> Vec<String> {
        let Some(open) = pattern.find('{') else {
            return vec![pattern.to_string()];
        };
        let mut depth = 0;
        let mut close = open;
        for (i, c) in pattern.char_indices().skip_while(|&(i, _)| i < open) {
            depth += match c {
                '{' => 1,
                '}' => -1,
                _ => 0,
            };
            if depth == 0 {
                close = i;
                break;
            }
        }
        let (head, inner, tail) = (
            &pattern[..open],
            &pattern[open + 1..close],
            &pattern[close + 1..],
        );
        let mut parts = vec![String::new()];
        let mut depth = 0;
        for c in inner.chars() {
            match c {
                ',' if depth == 0 => parts.push(String::new()),
                _ => {
                    depth += i32::from(c == '{') - i32::from(c == '}');
                    parts.last_mut().expect("starts with one part").push(c);
                }
            }
        }
        parts
            .iter()
            .flat_map(|part| expand(&format!("{head}{part}{tail}")))
            .collect()
    }

    pub(crate) fn fnmatch(pattern: &[char], label: &[char]) -> bool {
        match pattern.first() {
            None => label.is_empty(),
            Some('*') => (0..=label.len()).any(|k| fnmatch(&pattern[1..], &label[k..])),
            Some('?') => !label.is_empty() && fnmatch(&pattern[1..], &label[1..]),
            Some('[') => {
                let mut j = 1;
                let negated = matches!(pattern.get(1), Some('!' | '^'));
                if negated {
                    j += 1;
                }
                let members_start = j;
                if pattern.get(j) == Some(&']') {
                    j += 1;
                }
                match pattern[j..].iter().position(|&c| c == ']') {
                    None => label.first() == Some(&'[') && fnmatch(&pattern[1..], &label[1..]),
                    Some(offset) => {
                        let close = j + offset;
                        let Some(&c) = label.first() else {
                            return false;
                        };
                        let members = &pattern[members_start..close];
                        let mut hit = false;
                        let mut k = 0;
                        while k < members.len() {
                            if k + 2 < members.len() && members[k + 1] == '-' {
                                hit |= members[k] <= c && c <= members[k + 2];
                                k += 3;
                            } else {
                                hit |= members[k] == c;
                                k += 1;
                            }
                        }
                        hit != negated && fnmatch(&pattern[close + 1..], &label[1..])
                    }
                }
            }
            Some(&p) => label.first() == Some(&p) && fnmatch(&pattern[1..], &label[1..]),
        }
    }

    pub(crate) fn nodes_match(pattern: &str, path: &[&str]) -> bool {
        let pattern: Vec<&str> = pattern.split('.').collect();
        pattern.len() == path.len()
            && pattern.iter().zip(path).all(|(p, l)| {
                let (p, l): (Vec<char>, Vec<char>) = (p.chars().collect(), l.chars().collect());
                fnmatch(&p, &l)
            })
    }
}

#[cfg(test)]
mod tests {
    use super::super::glob_match::match_tokens;
    use super::*;
    use proptest::prelude::*;

    fn node_matches(node: &str, label: &str) -> bool {
        let mut budget = Budget {
            alternatives: MAX_ALTERNATIVES,
            bytes: MAX_EXPANSION_BYTES,
        };
        compile_node(node, &mut budget)
            .expect("test patterns are valid")
            .matches(label)
    }

    macro_rules! node_case {
        ($name:ident: $pattern:literal ~ $label:literal => $want:expr) => {
            #[test]
            fn $name() {
                assert_eq!(
                    node_matches($pattern, $label),
                    $want,
                    "{:?} against {:?}",
                    $pattern,
                    $label
                );
            }
        };
    }

    node_case!(literal_equal: "cpu" ~ "cpu" => true);
    node_case!(literal_prefix_only: "cpu" ~ "cpu0" => false);
    node_case!(case_sensitive: "CPU" ~ "cpu" => false);
    node_case!(star_alone_matches_anything: "*" ~ "anything" => true);
    node_case!(star_matches_empty: "cpu*" ~ "cpu" => true);
    node_case!(star_in_middle: "c*u" ~ "cxyzu" => true);
    node_case!(star_needs_suffix: "c*u" ~ "cxyz" => false);
    node_case!(star_backtracks: "*ab*ab" ~ "xabyabab" => true);
    node_case!(double_star_same_as_star: "a**b" ~ "axxb" => true);
    node_case!(question_one_char: "cp?" ~ "cpu" => true);
    node_case!(question_not_empty: "cpu?" ~ "cpu" => false);
    node_case!(question_is_one_utf8_char: "h?llo" ~ "héllo" => true);
    node_case!(star_over_utf8: "*é" ~ "ééé" => true);
    node_case!(class_member: "cpu[0-3]" ~ "cpu2" => true);
    node_case!(class_outside_range: "cpu[0-3]" ~ "cpu7" => false);
    node_case!(class_list: "[abc]x" ~ "bx" => true);
    node_case!(class_negated_bang: "[!abc]x" ~ "bx" => false);
    node_case!(class_negated_bang_other: "[!abc]x" ~ "dx" => true);
    node_case!(class_negated_caret: "[^abc]x" ~ "dx" => true);
    node_case!(class_negated_caret_member: "[^abc]x" ~ "ax" => false);
    node_case!(class_leading_bracket_is_member: "[]a]" ~ "]" => true);
    node_case!(class_trailing_dash_is_member: "[a-]" ~ "-" => true);
    node_case!(class_reversed_range_empty: "[z-a]" ~ "m" => false);
    node_case!(class_star_is_literal: "a[*]" ~ "a*" => true);
    node_case!(class_star_not_wild: "a[*]" ~ "ab" => false);
    node_case!(unclosed_bracket_literal: "a[b" ~ "a[b" => true);
    node_case!(unclosed_bracket_not_class: "a[b" ~ "ab" => false);
    node_case!(lone_close_bracket_literal: "a]" ~ "a]" => true);
    node_case!(stray_close_brace_literal: "a}" ~ "a}" => true);
    node_case!(brace_first: "{cpu,mem}" ~ "cpu" => true);
    node_case!(brace_second: "{cpu,mem}" ~ "mem" => true);
    node_case!(brace_neither: "{cpu,mem}" ~ "disk" => false);
    node_case!(brace_with_affixes: "x{a,b}y" ~ "xby" => true);
    node_case!(brace_with_wildcard: "{cpu*,mem}" ~ "cpu_user" => true);
    node_case!(brace_nested: "{a,b{c,d}}e" ~ "bde" => true);
    node_case!(brace_nested_no_partial: "{a,b{c,d}}e" ~ "be" => false);
    node_case!(brace_empty_group: "a{}b" ~ "ab" => true);
    node_case!(brace_single: "{abc}" ~ "abc" => true);
    node_case!(brace_empty_alternative: "a{,s}" ~ "a" => true);

    #[test]
    fn literal_nodes_are_looked_up_not_scanned() {
        let mut budget = Budget {
            alternatives: MAX_ALTERNATIVES,
            bytes: MAX_EXPANSION_BYTES,
        };
        let compiled = compile_node("{b,a,b}", &mut budget).expect("valid");
        assert_eq!(
            compiled,
            NodeGlob::Literals(vec!["a".to_string(), "b".to_string()])
        );
        let compiled = compile_node("a[b", &mut budget).expect("valid");
        assert_eq!(compiled, NodeGlob::Literals(vec!["a[b".to_string()]));
    }

    #[test]
    fn dotted_braces_split_into_sequences() {
        let sequences = compile("{a.b,c}.d").expect("valid");
        let lens: Vec<usize> = sequences.iter().map(Vec::len).collect();
        assert_eq!(lens, vec![3, 2]);
        assert!(sequences[0][1].matches("b"));
        assert!(sequences[1][0].matches("c"));
    }

    #[test]
    fn braces_without_dots_stay_in_their_node() {
        assert_eq!(compile("a.{b,c}.d").expect("valid").len(), 1);
    }

    macro_rules! error_case {
        ($name:ident: $pattern:expr => $needle:literal) => {
            #[test]
            fn $name() {
                let pattern: String = $pattern;
                let err = compile(&pattern).expect_err("pattern must be refused");
                assert_eq!(err.pattern, pattern);
                assert!(
                    err.message.contains($needle),
                    "message {:?} lacks {:?}",
                    err.message,
                    $needle
                );
            }
        };
    }

    error_case!(empty_pattern: String::new() => "empty pattern");
    error_case!(empty_node: "a..b".to_string() => "empty node");
    error_case!(trailing_dot: "a.b.".to_string() => "empty node");
    error_case!(unclosed_brace: "a.{b,c".to_string() => "unclosed '{' at byte 2");
    error_case!(unclosed_nested_brace: "{a,{b}".to_string() => "unclosed '{' at byte 0");
    error_case!(too_many_alternatives: "{a,b,c,d}".repeat(8) => "too many alternatives");
    error_case!(too_many_dotted: "{a.x,b}".repeat(15) => "too many alternatives");
    error_case!(too_much_text: "{}".repeat(300_000) => "too many alternatives");

    proptest! {
        // Cheap cases; class corner cases (`[^`, `[]`, `[!]`, ranges) need many draws to show up.
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn star_pieces_agree_with_the_token_matcher(
            pattern in "[aé*]{0,7}",
            label in "[aéb]{0,9}",
        ) {
            let tokens = tokenize(&pattern);
            let fast = Alternative::new(tokens.clone());
            prop_assert!(matches!(fast, Alternative::Stars(_)), "{}", pattern);
            prop_assert_eq!(fast.matches(&label), match_tokens(&tokens, &label), "{} against {}", pattern, label);
        }

        #[test]
        fn node_globs_agree_with_the_reference(
            pattern in "([ab*?!^,{}\\[\\]-]|\\[[!^]?\\]?[ab^!-]{0,3}\\]?){1,6}",
            label in "[ab!^\\]\\[-]{0,6}",
        ) {
            // Close every open `{`: an unclosed one is refused, which the error cases cover.
            let mut depth = 0usize;
            for c in pattern.chars() {
                match c {
                    '{' => depth += 1,
                    '}' => depth = depth.saturating_sub(1),
                    _ => {}
                }
            }
            let pattern = pattern + &"}".repeat(depth);
            let mut budget = Budget { alternatives: MAX_ALTERNATIVES, bytes: MAX_EXPANSION_BYTES };
            let compiled = compile_node(&pattern, &mut budget);
            let label_chars: Vec<char> = label.chars().collect();
            let want = reference::expand(&pattern).iter().any(|alternative| {
                let alternative: Vec<char> = alternative.chars().collect();
                reference::fnmatch(&alternative, &label_chars)
            });
            prop_assert_eq!(compiled.map(|c| c.matches(&label)), Ok(want), "{} against {}", pattern, label);
        }
    }
}
