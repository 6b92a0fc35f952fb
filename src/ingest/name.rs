//! Metric name cleaning (graphite.md 1.4, 1.5 and the "metric names" row of section 10): the
//! raw first field of a line becomes the canonical name the store indexes.
//! Must not allocate per line: the cleaner reuses its buffers, and a name that is already clean
//! (the common case) is returned borrowed from the input.
//!
//! Rules, in order:
//! - more than [`MAX_NAME_BYTES`], invalid UTF-8, control characters or whitespace: refused;
//! - the metric part (before the first `;`) loses its leading `~` and `.` characters (carbon
//!   strips `~`; we strip both together so cleaning twice changes nothing), runs of dots become
//!   one dot and trailing dots go: `a..b` is `a.b`, which is where carbon's files end up too;
//! - `name;k=v;...` tags are put in Graphite's canonical order (sorted by `k=v`, duplicate keys
//!   keep the last value, a `name` tag is dropped since the metric part is the name). A bad tag
//!   refuses the whole name: carbon would store the raw string as an untagged name instead,
//!   which then cannot be queried as tags either, so counting it is more useful.
//! - an empty result is refused.
//!
//! Not handled: OpenMetrics-style `name{k="v"}` names, which carbon 1.1 also parses as tags; here
//! they are plain names.

use super::scan;
use std::fmt;

/// Long enough for any real name with tags; bounds the cleaner's buffer.
pub const MAX_NAME_BYTES: usize = 4096;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameError {
    TooLong,
    InvalidUtf8,
    /// A control character or whitespace (only Unicode whitespace can reach here: ASCII
    /// whitespace splits fields).
    ControlOrSpace,
    /// Nothing left after removing dots and `~`.
    Empty,
    /// A `;` segment that is not `tag=value` with a non-empty tag free of `!^` and a
    /// non-empty value not starting with `~`.
    BadTag,
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NameError::TooLong => "metric name is longer than 4096 bytes",
            NameError::InvalidUtf8 => "metric name is not valid UTF-8",
            NameError::ControlOrSpace => "metric name contains a control character or whitespace",
            NameError::Empty => "metric name is empty once dots and leading '~' are removed",
            NameError::BadTag => {
                "metric tags must be ;tag=value with a non-empty tag without ;!^= and a non-empty value not starting with ~"
            }
        })
    }
}

/// One `;tag=value` segment, as byte offsets into the raw name.
#[derive(Debug, Clone, Copy)]
struct Tag {
    start: usize,
    eq: usize,
    end: usize,
}

/// Reusable buffers for [`Cleaner::clean`].
pub struct Cleaner {
    out: String,
    tags: Vec<Tag>,
}

impl Default for Cleaner {
    fn default() -> Self {
        Cleaner {
            out: String::with_capacity(MAX_NAME_BYTES),
            tags: Vec::with_capacity(64),
        }
    }
}

impl Cleaner {
    /// The canonical form of `raw`, borrowed from `raw` when it is already canonical.
    pub fn clean<'a>(&'a mut self, raw: &'a [u8]) -> Result<&'a str, NameError> {
        if raw.len() > MAX_NAME_BYTES {
            return Err(NameError::TooLong);
        }
        if is_plain_canonical(raw) {
            // SAFETY: `is_plain_canonical` checked that every byte is printable ASCII, which
            // is valid UTF-8. (Checking again with `from_utf8` costs 5% of ingest time.)
            return Ok(unsafe { std::str::from_utf8_unchecked(raw) });
        }
        self.clean_slow(raw)
    }

    #[cold]
    fn clean_slow<'a>(&'a mut self, raw: &'a [u8]) -> Result<&'a str, NameError> {
        let text = std::str::from_utf8(raw).map_err(|_| NameError::InvalidUtf8)?;
        if text.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(NameError::ControlOrSpace);
        }
        let (metric, tags) = match text.find(';') {
            Some(i) => (&text[..i], Some(i)),
            None => (text, None),
        };
        self.out.clear();
        push_clean_metric(metric, &mut self.out);
        if self.out.is_empty() {
            return Err(NameError::Empty);
        }
        if let Some(semicolon) = tags {
            self.collect_tags(text, semicolon)?;
            for tag in &self.tags {
                self.out.push(';');
                self.out.push_str(&text[tag.start..tag.end]);
            }
        }
        Ok(&self.out)
    }

    /// Fills `self.tags` with the canonical tag list of `text[semicolon..]`.
    fn collect_tags(&mut self, text: &str, semicolon: usize) -> Result<(), NameError> {
        let bytes = text.as_bytes();
        self.tags.clear();
        let mut start = semicolon + 1;
        loop {
            let end = text[start..].find(';').map_or(text.len(), |i| start + i);
            let segment = &bytes[start..end];
            let eq = segment
                .iter()
                .position(|&b| b == b'=')
                .ok_or(NameError::BadTag)?;
            let (key, value) = (&segment[..eq], &segment[eq + 1..]);
            if key.is_empty() || key.iter().any(|b| matches!(b, b'!' | b'^')) {
                return Err(NameError::BadTag);
            }
            if value.is_empty() || value[0] == b'~' {
                return Err(NameError::BadTag);
            }
            self.tags.push(Tag {
                start,
                eq: start + eq,
                end,
            });
            if end == text.len() {
                break;
            }
            start = end + 1;
        }
        let key = |t: &Tag| &bytes[t.start..t.eq];
        // Same key next to each other, latest first, so dedup keeps the last one written.
        self.tags
            .sort_unstable_by(|a, b| key(a).cmp(key(b)).then(b.start.cmp(&a.start)));
        self.tags
            .dedup_by(|later, earlier| key(later) == key(earlier));
        self.tags.retain(|t| key(t) != b"name");
        // Graphite sorts the formatted `;tag=value` strings, not the keys: `a.b=1` < `a=1`.
        self.tags
            .sort_unstable_by(|a, b| bytes[a.start..a.end].cmp(&bytes[b.start..b.end]));
        Ok(())
    }
}

/// True when `raw` is printable ASCII without `;`, `..`, or a leading `.`/`~` or trailing `.`,
/// i.e. cleaning would return it unchanged.
#[inline]
fn is_plain_canonical(raw: &[u8]) -> bool {
    let (Some(&first), Some(&last)) = (raw.first(), raw.last()) else {
        return false;
    };
    first != b'.'
        && first != b'~'
        && last != b'.'
        && scan::is_printable_without_semicolon_or_double_dot(raw)
}

fn push_clean_metric(metric: &str, out: &mut String) {
    let trimmed = metric.trim_start_matches(['~', '.']);
    for node in trimmed.split('.').filter(|node| !node.is_empty()) {
        if !out.is_empty() {
            out.push('.');
        }
        out.push_str(node);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    macro_rules! clean {
        ($raw:expr => $want:expr) => {
            let mut cleaner = Cleaner::default();
            let want: Result<&str, NameError> = $want;
            assert_eq!(cleaner.clean($raw.as_ref()), want, "{:?}", $raw);
        };
    }

    #[test]
    fn plain_names() {
        clean!("a.b.c" => Ok("a.b.c"));
        clean!("a..b" => Ok("a.b"));
        clean!("a....b...c" => Ok("a.b.c"));
        clean!(".a.b" => Ok("a.b"));
        clean!("a.b." => Ok("a.b"));
        clean!("..a.b.." => Ok("a.b"));
        clean!("~a.b" => Ok("a.b"));
        clean!("~~.~a" => Ok("a"));
        clean!("a.~b" => Ok("a.~b"));
        clean!("caf\u{e9}.latte" => Ok("caf\u{e9}.latte"));
        clean!("a-b_c:d#e/f" => Ok("a-b_c:d#e/f"));
        clean!("..." => Err(NameError::Empty));
        clean!("~" => Err(NameError::Empty));
        clean!("" => Err(NameError::Empty));
    }

    #[test]
    fn refused_bytes() {
        clean!("a\x00b" => Err(NameError::ControlOrSpace));
        clean!("a\x1bb" => Err(NameError::ControlOrSpace));
        clean!("a\x7fb" => Err(NameError::ControlOrSpace));
        clean!("a\u{85}b" => Err(NameError::ControlOrSpace));
        clean!("a\u{a0}b" => Err(NameError::ControlOrSpace));
        clean!("a\u{2003}b" => Err(NameError::ControlOrSpace));
        clean!(b"a\xffb" => Err(NameError::InvalidUtf8));
        clean!(b"a\xc3" => Err(NameError::InvalidUtf8));
        clean!(vec![b'a'; MAX_NAME_BYTES] => Ok(&*"a".repeat(MAX_NAME_BYTES)));
        clean!(vec![b'a'; MAX_NAME_BYTES + 1] => Err(NameError::TooLong));
    }

    #[test]
    fn tags() {
        clean!("a.b;k=v" => Ok("a.b;k=v"));
        clean!("a.b;z=1;a=2;m=3" => Ok("a.b;a=2;m=3;z=1"));
        clean!("a.b;k=1;j=2;k=3" => Ok("a.b;j=2;k=3"));
        clean!("a;a=1;a.b=2" => Ok("a;a.b=2;a=1"));
        clean!("~a..b.;k=v.w=x" => Ok("a.b;k=v.w=x"));
        clean!("a;name=other;k=v" => Ok("a;k=v"));
        clean!("a;k=v~" => Ok("a;k=v~"));
        clean!("a;k=v" => Ok("a;k=v"));
        clean!(";k=v" => Err(NameError::Empty));
        clean!("~;k=v" => Err(NameError::Empty));
        clean!("a;" => Err(NameError::BadTag));
        clean!("a;;k=v" => Err(NameError::BadTag));
        clean!("a;k" => Err(NameError::BadTag));
        clean!("a;=v" => Err(NameError::BadTag));
        clean!("a;k=" => Err(NameError::BadTag));
        clean!("a;k=~v" => Err(NameError::BadTag));
        clean!("a;k!=v" => Err(NameError::BadTag));
        clean!("a;k^=v" => Err(NameError::BadTag));
    }

    #[test]
    fn reuse_does_not_leak_previous_names() {
        let mut cleaner = Cleaner::default();
        assert_eq!(cleaner.clean(b"x;b=2;a=1"), Ok("x;a=1;b=2"));
        assert_eq!(cleaner.clean(b"y..z"), Ok("y.z"));
        assert_eq!(cleaner.clean(b"w;c=3"), Ok("w;c=3"));
    }

    proptest! {
        #[test]
        fn cleaning_is_idempotent(raw in "[a-c.~;=!^ \u{e9}]{0,24}") {
            let mut cleaner = Cleaner::default();
            if let Ok(once) = cleaner.clean(raw.as_bytes()).map(str::to_owned) {
                prop_assert_eq!(cleaner.clean(once.as_bytes()), Ok(once.as_str()));
                let metric = once.split(';').next().unwrap_or_default();
                prop_assert!(!metric.contains("..") && !metric.starts_with('.') && !metric.ends_with('.'));
            }
        }

        #[test]
        fn never_panics(raw in proptest::collection::vec(any::<u8>(), 0..48)) {
            let _ = Cleaner::default().clean(&raw);
        }
    }
}
