//! carbon 1.1's `storage-schemas.conf` and `storage-aggregation.conf` (graphite.md 2.1, 2.2):
//! sections in file order (first match wins is the store's job), unanchored Python regexes,
//! retentions checked by whisper's validity rules. Returns typed rules; must not decide which
//! rule a metric gets.
//!
//! Where carbon logs a bad section and skips it (no `pattern`, no `retentions`, an archive
//! list whisper refuses, a bad xFilesFactor), we refuse the file instead: a skipped section
//! silently changes where metrics land. Unknown keys, which carbon ignores, are refused for
//! the same reason (a misspelt `retention` would otherwise vanish).
//!
//! Patterns are Python `re` syntax compiled with regex-lite. `\Z` and `{,n}` are rewritten to
//! their regex-lite spelling. Refused at start-up with regex-lite's message: look-around,
//! backreferences, `(?#...)`, atomic groups, `\p{..}`, and a brace that Python takes
//! literally (`a{b`, `x{}`: escape it as `\{`). Read differently: `[[:alpha:]]` is a POSIX
//! class here but a set of `[:alph` plus a `]` in Python; `\d`, `\w` are ASCII here and Unicode
//! in Python. Metric names are ASCII in practice, so neither matters for real files.

use super::ini::{error_at, read_sections, Section};
use super::{AggMethod, AggregationRule, ConfigError, Retention, Schema};
use std::borrow::Cow;

/// Parses `storage-schemas.conf` text; `file` names it in errors.
pub fn parse_schemas(text: &str, file: &str) -> Result<Vec<Schema>, ConfigError> {
    let mut schemas = Vec::new();
    for section in read_sections(text, file)? {
        check_keys(
            &section,
            file,
            &["pattern", "retentions"],
            "storage-schemas.conf",
        )?;
        let pattern = compile_pattern(&section, file)?;
        let Some(entry) = section.get("retentions") else {
            return Err(missing(&section, file, "retentions"));
        };
        let archives = parse_retentions(&entry.value).map_err(|m| error_at(file, entry.line, m))?;
        schemas.push(Schema {
            name: section.name.to_string(),
            pattern,
            text: entry.value.to_string(),
            archives,
        });
    }
    Ok(schemas)
}

/// Parses `storage-aggregation.conf` text; `file` names it in errors. A section without
/// `xFilesFactor` or `aggregationMethod` gets whisper's default for that key (0.5, average).
pub fn parse_aggregation(text: &str, file: &str) -> Result<Vec<AggregationRule>, ConfigError> {
    let mut rules = Vec::new();
    for section in read_sections(text, file)? {
        let keys = ["pattern", "xFilesFactor", "aggregationMethod"];
        check_keys(&section, file, &keys, "storage-aggregation.conf")?;
        let pattern = compile_pattern(&section, file)?;
        let x_files_factor = match section.get("xFilesFactor") {
            Some(entry) => {
                parse_x_files_factor(&entry.value).map_err(|m| error_at(file, entry.line, m))?
            }
            None => 0.5,
        };
        let method = match section.get("aggregationMethod") {
            Some(entry) => parse_method(&entry.value).map_err(|m| error_at(file, entry.line, m))?,
            None => AggMethod::Average,
        };
        rules.push(AggregationRule {
            name: section.name.to_string(),
            pattern,
            x_files_factor,
            method,
        });
    }
    Ok(rules)
}

fn check_keys(
    section: &Section<'_>,
    file: &str,
    known: &[&str],
    conf: &str,
) -> Result<(), ConfigError> {
    for entry in &section.entries {
        if !known.iter().any(|k| k.eq_ignore_ascii_case(entry.key)) {
            let message = format!(
                "unknown key {:?} in [{}]: {conf} sections take {} (carbon ignores unknown keys; pencil refuses them so a typo is not lost)",
                entry.key,
                section.name,
                known.join(", ")
            );
            return Err(error_at(file, entry.line, message));
        }
    }
    Ok(())
}

fn missing(section: &Section<'_>, file: &str, key: &str) -> ConfigError {
    let message = format!(
        "section [{}] has no `{key}` (carbon logs this and skips the section; pencil refuses the file)",
        section.name
    );
    error_at(file, section.line, message)
}

fn compile_pattern(section: &Section<'_>, file: &str) -> Result<regex_lite::Regex, ConfigError> {
    let Some(entry) = section.get("pattern") else {
        return Err(missing(section, file, "pattern"));
    };
    if entry.value.is_empty() {
        let message = format!(
            "section [{}] has an empty `pattern`; write `.*` to match every metric",
            section.name
        );
        return Err(error_at(file, entry.line, message));
    }
    regex_lite::Regex::new(&python_to_lite(&entry.value)).map_err(|e| {
        let reason = e.to_string().replace('\n', " ");
        error_at(
            file,
            entry.line,
            format!(
                "pattern {:?} is not a regex pencil can use: {reason}",
                entry.value
            ),
        )
    })
}

/// Rewrites the two Python spellings regex-lite lacks but can express: `\Z` (end of text) and
/// `{,n}` (zero to n repeats).
fn python_to_lite(pattern: &str) -> Cow<'_, str> {
    if !pattern.contains("\\Z") && !pattern.contains("{,") {
        return Cow::Borrowed(pattern);
    }
    let mut out = String::with_capacity(pattern.len() + 4);
    let mut chars = pattern.chars().peekable();
    // Inside `[...]` both spellings mean something else (or nothing), so leave classes alone.
    let mut in_class = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('Z') if !in_class => out.push_str("\\z"),
                Some(next) => {
                    out.push('\\');
                    out.push(next);
                }
                None => out.push('\\'),
            },
            '[' if !in_class => {
                in_class = true;
                out.push('[');
                // A `]` right after `[` or `[^` is a literal member, not the end of the class.
                if chars.peek() == Some(&'^') {
                    out.push('^');
                    chars.next();
                }
                if chars.peek() == Some(&']') {
                    out.push(']');
                    chars.next();
                }
            }
            ']' if in_class => {
                in_class = false;
                out.push(']');
            }
            '{' if !in_class && chars.peek() == Some(&',') => out.push_str("{0"),
            _ => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// carbon's unit letters; `1min` or `10sec` are refused as carbon 1.1 refuses them.
const UNITS: [(&str, u64); 6] = [
    ("s", 1),
    ("m", 60),
    ("h", 3600),
    ("d", 86_400),
    ("w", 7 * 86_400),
    ("y", 365 * 86_400),
];

/// Parses `10s:6h,1m:7d,60:1440` and checks it with whisper's rules; sorted finest first.
pub(crate) fn parse_retentions(text: &str) -> Result<Vec<Retention>, String> {
    let mut archives: Vec<(Retention, &str)> = Vec::new();
    for item in text.split(',') {
        let item = item.trim();
        archives.push((parse_retention(item)?, item));
    }
    // Carbon hands whisper the archives as written and whisper sorts them before checking.
    archives.sort_by_key(|(r, _)| r.step);
    for pair in archives.windows(2) {
        let [(fine, fine_text), (coarse, coarse_text)] = pair else {
            continue;
        };
        if fine.step == coarse.step {
            return Err(format!(
                "{fine_text:?} and {coarse_text:?} have the same precision ({}s); whisper needs every archive to have a different precision",
                fine.step
            ));
        }
        if coarse.step % fine.step != 0 {
            return Err(format!(
                "the precision of {coarse_text:?} ({}s) is not a multiple of the precision of {fine_text:?} ({}s); whisper needs each coarser precision to be a multiple of the finer one",
                coarse.step, fine.step
            ));
        }
        let (fine_span, coarse_span) = (span(fine), span(coarse));
        if coarse_span <= fine_span {
            return Err(format!(
                "{coarse_text:?} covers {coarse_span}s, not more than the {fine_span}s of {fine_text:?}; whisper needs each coarser archive to cover more time"
            ));
        }
        let needed = coarse.step / fine.step;
        if fine.points < needed {
            return Err(format!(
                "{fine_text:?} keeps {} points, fewer than the {needed} that make one {}s point of {coarse_text:?}; whisper needs enough points to consolidate",
                fine.points, coarse.step
            ));
        }
    }
    Ok(archives.into_iter().map(|(r, _)| r).collect())
}

fn span(r: &Retention) -> u64 {
    u64::from(r.step) * u64::from(r.points)
}

fn parse_retention(item: &str) -> Result<Retention, String> {
    if item.is_empty() {
        return Err("empty retention: write precision:duration items separated by commas, e.g. 10s:6h,1m:7d".to_string());
    }
    let Some((precision, duration)) = item.split_once(':') else {
        return Err(format!(
            "retention {item:?} is not precision:duration, e.g. 10s:6h or 60:1440"
        ));
    };
    let step = seconds(precision, "precision", item)?;
    let step = u32::try_from(step).ok().filter(|s| *s > 0).ok_or_else(|| {
        format!(
            "precision {precision:?} in {item:?} must be from 1 to {} seconds",
            u32::MAX
        )
    })?;
    // Old style `60:1440` counts points; new style `60:1d` is a duration, truncated to points.
    let points = if is_digits(duration) {
        number(duration, item)?
    } else {
        seconds(duration, "duration", item)? / u64::from(step)
    };
    if points == 0 {
        return Err(format!(
            "retention {item:?} keeps no points: the duration must be at least the precision"
        ));
    }
    let points = u32::try_from(points).map_err(|_| {
        format!(
            "retention {item:?} keeps {points} points, more than the {} an archive can hold",
            u32::MAX
        )
    })?;
    Ok(Retention { step, points })
}

/// `60` or `<digits><unit>` as carbon's `^(\d+)([a-z]+)$` reads it (so no spaces, no `S`).
fn seconds(text: &str, what: &str, item: &str) -> Result<u64, String> {
    if is_digits(text) {
        return number(text, item);
    }
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    if digits.is_empty() || unit.is_empty() || !unit.bytes().all(|b| b.is_ascii_lowercase()) {
        return Err(format!(
            "{what} {text:?} in {item:?} is not a whole number optionally followed by one of the units s m h d w y"
        ));
    }
    let Some(&(_, multiplier)) = UNITS.iter().find(|(name, _)| *name == unit) else {
        return Err(format!(
            "unit {unit:?} in {item:?} is not one of s m h d w y (carbon 1.1 accepts exactly these)"
        ));
    };
    number(digits, item)?
        .checked_mul(multiplier)
        .ok_or_else(|| format!("{what} {text:?} in {item:?} is too large"))
}

fn is_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

fn number(digits: &str, item: &str) -> Result<u64, String> {
    digits
        .parse()
        .map_err(|_| format!("{digits:?} in {item:?} is too large"))
}

fn parse_x_files_factor(text: &str) -> Result<f32, String> {
    match text.parse::<f64>() {
        Ok(x) if (0.0..=1.0).contains(&x) => Ok(x as f32),
        _ => Err(format!(
            "xFilesFactor {text:?} is not a number from 0 to 1, e.g. 0.5"
        )),
    }
}

const METHODS: [(&str, AggMethod); 8] = [
    ("average", AggMethod::Average),
    ("sum", AggMethod::Sum),
    ("last", AggMethod::Last),
    ("max", AggMethod::Max),
    ("min", AggMethod::Min),
    ("avg_zero", AggMethod::AvgZero),
    ("absmax", AggMethod::AbsMax),
    ("absmin", AggMethod::AbsMin),
];

fn parse_method(text: &str) -> Result<AggMethod, String> {
    match METHODS.iter().find(|(name, _)| *name == text) {
        Some(&(_, method)) => Ok(method),
        None => Err(format!(
            "aggregationMethod {text:?} is not one of average sum last max min avg_zero absmax absmin"
        )),
    }
}

impl AggMethod {
    /// The name carbon's config files and whisper use for this method.
    pub fn as_str(self) -> &'static str {
        match self {
            AggMethod::Average => "average",
            AggMethod::Sum => "sum",
            AggMethod::Last => "last",
            AggMethod::Max => "max",
            AggMethod::Min => "min",
            AggMethod::AvgZero => "avg_zero",
            AggMethod::AbsMax => "absmax",
            AggMethod::AbsMin => "absmin",
        }
    }
}

#[cfg(test)]
#[path = "carbon_tests.rs"]
mod tests;
