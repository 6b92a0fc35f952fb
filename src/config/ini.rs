//! The INI dialect of Python's `configparser.ConfigParser` as carbon 1.1 uses it for
//! `storage-schemas.conf` and `storage-aggregation.conf`: sections in file order, `key = value`
//! or `key: value`, keys case-insensitive, `#`/`;` whole-line comments, indented continuation
//! lines, `%%` interpolation. Knows nothing about what the keys mean.
//!
//! Where ConfigParser would raise (no section header, a line without a delimiter, a duplicate
//! section or key, a lone `%`) we return an error with the line. Differences, all refusals:
//! a `[DEFAULT]` section (ConfigParser merges it into every other section; nobody writes it in
//! these files), text after a section's closing `]`, and `%(name)s` references.

use super::ConfigError;
use std::borrow::Cow;

/// One `[section]`; `line` is the header's line number (1-based).
#[derive(Debug)]
pub(crate) struct Section<'a> {
    pub(crate) name: &'a str,
    pub(crate) line: usize,
    pub(crate) entries: Vec<Entry<'a>>,
}

/// One `key = value`; `key` as written (compare it with `eq_ignore_ascii_case`), `value` with
/// continuation lines joined by `\n` and `%%` turned into `%`, as ConfigParser hands it over.
#[derive(Debug)]
pub(crate) struct Entry<'a> {
    pub(crate) key: &'a str,
    pub(crate) line: usize,
    pub(crate) value: Cow<'a, str>,
}

impl<'a> Section<'a> {
    pub(crate) fn get(&self, key: &str) -> Option<&Entry<'a>> {
        self.entries
            .iter()
            .find(|e| e.key.eq_ignore_ascii_case(key))
    }
}

/// `file:line: ` context for every error about a config file.
pub(crate) fn error_at(file: &str, line: usize, message: String) -> ConfigError {
    ConfigError {
        context: format!("{file}:{line}: "),
        message,
    }
}

/// Splits `text` into sections in file order. Borrows from `text`; a value is only copied
/// when it spans several lines or contains `%%`.
pub(crate) fn read_sections<'a>(
    text: &'a str,
    file: &str,
) -> Result<Vec<Section<'a>>, ConfigError> {
    let mut sections: Vec<Section<'a>> = Vec::new();
    // ConfigParser continues a value on any later line indented deeper than the line that
    // started the value; blank lines inside such a value are kept, comment lines are skipped.
    let mut value_indent = 0usize;
    let mut in_value = false;
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let stripped = raw.trim();
        if stripped.starts_with('#') || stripped.starts_with(';') {
            continue;
        }
        if stripped.is_empty() {
            if in_value {
                push_continuation(&mut sections, "");
            }
            continue;
        }
        let indent = raw.len() - raw.trim_start().len();
        if in_value && indent > value_indent {
            push_continuation(&mut sections, stripped);
            continue;
        }
        value_indent = indent;
        if stripped.starts_with('[') {
            let name = section_name(stripped).map_err(|m| error_at(file, line, m))?;
            if let Some(first) = sections.iter().find(|s| s.name == name) {
                let message = format!("section [{name}] is already defined on line {}", first.line);
                return Err(error_at(file, line, message));
            }
            sections.push(Section {
                name,
                line,
                entries: Vec::new(),
            });
            in_value = false;
            continue;
        }
        let Some(section) = sections.last_mut() else {
            let message = format!("{stripped:?} comes before the first [section] header");
            return Err(error_at(file, line, message));
        };
        let Some(delimiter) = stripped.find(['=', ':']) else {
            let message =
                format!("{stripped:?} is not `key = value`, a [section] header or a # comment");
            return Err(error_at(file, line, message));
        };
        let key = stripped[..delimiter].trim_end();
        if key.is_empty() {
            return Err(error_at(
                file,
                line,
                format!(
                    "{stripped:?} has no key before the `{}`",
                    &stripped[delimiter..=delimiter]
                ),
            ));
        }
        if let Some(first) = section.get(key) {
            let message = format!(
                "key {key:?} is already set in [{}] on line {}",
                section.name, first.line
            );
            return Err(error_at(file, line, message));
        }
        section.entries.push(Entry {
            key,
            line,
            value: Cow::Borrowed(stripped[delimiter + 1..].trim_start()),
        });
        in_value = true;
    }
    for section in &mut sections {
        for entry in &mut section.entries {
            finish_value(entry).map_err(|m| error_at(file, entry.line, m))?;
        }
    }
    Ok(sections)
}

fn section_name(stripped: &str) -> Result<&str, String> {
    let Some(close) = stripped.rfind(']') else {
        return Err(format!("section header {stripped:?} has no closing `]`"));
    };
    let name = &stripped[1..close];
    if name.is_empty() {
        return Err("section header `[]` has no name".to_string());
    }
    if close + 1 != stripped.len() {
        return Err(format!(
            "unexpected {:?} after section header [{name}] (comments must be on their own line)",
            &stripped[close + 1..]
        ));
    }
    if name == "DEFAULT" {
        return Err("a [DEFAULT] section is not supported: ConfigParser would merge its keys into every other section; write them out in each section".to_string());
    }
    Ok(name)
}

fn push_continuation(sections: &mut [Section<'_>], piece: &str) {
    // `in_value` is only set right after an entry was pushed, so the last section has one.
    if let Some(entry) = sections.last_mut().and_then(|s| s.entries.last_mut()) {
        let value = entry.value.to_mut();
        value.push('\n');
        value.push_str(piece);
    }
}

/// Drops the trailing blank lines of a multi-line value and applies ConfigParser's
/// BasicInterpolation, which carbon gets by using `ConfigParser` rather than `RawConfigParser`.
fn finish_value(entry: &mut Entry<'_>) -> Result<(), String> {
    let trimmed_len = entry.value.trim_end().len();
    if trimmed_len != entry.value.len() {
        entry.value.to_mut().truncate(trimmed_len);
    }
    if !entry.value.contains('%') {
        return Ok(());
    }
    let mut out = String::with_capacity(entry.value.len());
    let mut chars = entry.value.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('%') => out.push('%'),
            Some('(') => {
                return Err(format!(
                    "{:?} uses a %(name)s reference, which pencil does not support; write the value out",
                    entry.value
                ))
            }
            _ => {
                return Err(format!(
                    "lone `%` in {:?}: ConfigParser needs a literal percent sign written as `%%`",
                    entry.value
                ))
            }
        }
    }
    entry.value = Cow::Owned(out);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (section name, [(key, line, value)])
    type Flat = (String, Vec<(String, usize, String)>);

    fn flat(text: &str) -> Result<Vec<Flat>, String> {
        let sections = read_sections(text, "f.conf").map_err(|e| e.to_string())?;
        Ok(sections
            .into_iter()
            .map(|s| {
                let entries = s
                    .entries
                    .iter()
                    .map(|e| (e.key.to_string(), e.line, e.value.to_string()));
                (s.name.to_string(), entries.collect())
            })
            .collect())
    }

    fn one(name: &str, entries: &[(&str, usize, &str)]) -> Flat {
        let entries = entries
            .iter()
            .map(|(k, l, v)| (k.to_string(), *l, v.to_string()));
        (name.to_string(), entries.collect())
    }

    macro_rules! bad {
        ($text:expr, $message:expr) => {
            assert_eq!(flat($text).unwrap_err(), $message, "input {:?}", $text)
        };
    }

    #[test]
    fn sections_keys_and_comments() {
        let text = "# top\n; also\n[b]\nPattern = ^a:b\nretentions: 1m:1d = x\n\n  # indented comment\n[a]\nk=v\n";
        let want = vec![
            one(
                "b",
                &[("Pattern", 4, "^a:b"), ("retentions", 5, "1m:1d = x")],
            ),
            one("a", &[("k", 9, "v")]),
        ];
        assert_eq!(flat(text).unwrap(), want);
    }

    #[test]
    fn inline_hash_is_part_of_the_value() {
        assert_eq!(
            flat("[a]\npattern = foo # bar\n").unwrap(),
            vec![one("a", &[("pattern", 2, "foo # bar")])]
        );
    }

    #[test]
    fn continuation_lines_join_with_newlines() {
        let text = "[a]\nretentions = 10s:6h,\n   1m:7d\n\n   # c\n   1h:1y\n\nnext = 1\n";
        let want = one(
            "a",
            &[
                ("retentions", 2, "10s:6h,\n1m:7d\n\n1h:1y"),
                ("next", 8, "1"),
            ],
        );
        assert_eq!(flat(text).unwrap(), vec![want]);
    }

    #[test]
    fn indented_key_after_a_value_is_a_continuation() {
        let want = one("a", &[("pattern", 2, "x\nretentions = 1s:1d")]);
        assert_eq!(
            flat("[a]\npattern = x\n  retentions = 1s:1d\n").unwrap(),
            vec![want]
        );
    }

    #[test]
    fn percent_interpolation() {
        assert_eq!(
            flat("[a]\np = 100%%\n").unwrap(),
            vec![one("a", &[("p", 2, "100%")])]
        );
        assert_eq!(flat("[a]\np =\n").unwrap(), vec![one("a", &[("p", 2, "")])]);
        bad!("[a]\np = 5%\n", "f.conf:2: lone `%` in \"5%\": ConfigParser needs a literal percent sign written as `%%`");
        bad!("[a]\np = %(x)s\n", "f.conf:2: \"%(x)s\" uses a %(name)s reference, which pencil does not support; write the value out");
    }

    #[test]
    fn errors_name_the_line() {
        bad!(
            "pattern = x\n",
            "f.conf:1: \"pattern = x\" comes before the first [section] header"
        );
        bad!(
            "[a]\njunk\n",
            "f.conf:2: \"junk\" is not `key = value`, a [section] header or a # comment"
        );
        bad!("[a]\n = v\n", "f.conf:2: \"= v\" has no key before the `=`");
        bad!(
            "[a]\n[a]\n",
            "f.conf:2: section [a] is already defined on line 1"
        );
        bad!(
            "[a]\nk=1\nK=2\n",
            "f.conf:3: key \"K\" is already set in [a] on line 2"
        );
        bad!("[a\n", "f.conf:1: section header \"[a\" has no closing `]`");
        bad!("[]\n", "f.conf:1: section header `[]` has no name");
        bad!("[a] # x\n", "f.conf:1: unexpected \" # x\" after section header [a] (comments must be on their own line)");
        bad!("[DEFAULT]\n", "f.conf:1: a [DEFAULT] section is not supported: ConfigParser would merge its keys into every other section; write them out in each section");
    }

    #[test]
    fn crlf_and_empty_input() {
        assert_eq!(
            flat("[a]\r\nk = v\r\n").unwrap(),
            vec![one("a", &[("k", 2, "v")])]
        );
        assert_eq!(flat("").unwrap(), vec![]);
        assert_eq!(flat("# only comments\n\n").unwrap(), vec![]);
    }

    proptest::proptest! {
        #[test]
        fn never_panics(text in "[\\[\\]a-z=:%#; \n\t]{0,80}") {
            let _ = read_sections(&text, "p.conf");
        }
    }
}
