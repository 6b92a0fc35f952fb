//! The command line: one flat table of flags (name, value, default, help) that both the parser
//! and `--help` read, so the help text cannot drift from what pencil does. Defaults are written
//! as flag text and go through the same value parsers as user input.

use super::{parse_aggregation, parse_schemas, Command, Config, ConfigError, StoreConfig};
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::path::PathBuf;
use std::sync::OnceLock;

/// Every metric gets carbon-like resolution: 10 s for six hours, 1 min for a week, 1 h for a year.
const DEFAULT_SCHEMAS: &str = "[default]\npattern = .*\nretentions = 10s:6h,1m:7d,1h:1y\n";

/// carbon's shipped rules, except that `.count` and `.sum` add up (graphite.md 10): min/max keep
/// the extreme with a low xFilesFactor so a sparse extreme still rolls up.
const DEFAULT_AGGREGATION: &str = "\
[min]\npattern = \\.min$\nxFilesFactor = 0.1\naggregationMethod = min\n
[max]\npattern = \\.max$\nxFilesFactor = 0.1\naggregationMethod = max\n
[count]\npattern = \\.count$\nxFilesFactor = 0\naggregationMethod = sum\n
[sum]\npattern = \\.sum$\nxFilesFactor = 0\naggregationMethod = sum\n
[default_average]\npattern = .*\nxFilesFactor = 0.5\naggregationMethod = average\n";

/// A timer longer than this is a typo; keeping seconds within u32 also keeps `now + secs` far
/// from i64 overflow wherever it is added.
const MAX_SECONDS: u64 = u32::MAX as u64;

/// Each connection holds a file descriptor and a read buffer in the one event loop; past this
/// many concurrent senders a relay belongs in front of pencil.
const MAX_CONNECTIONS: usize = 65_536;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flag {
    DataDir,
    Carbon,
    Http,
    Memory,
    Schemas,
    Aggregation,
    SnapshotEvery,
    SelfMetricsEvery,
    MaxConnections,
    FutureTolerance,
    StrictLastWins,
    WriteToken,
    Help,
    Version,
}

struct Spec {
    flag: Flag,
    long: &'static str,
    short: Option<&'static str>,
    /// The value's placeholder; `None` for a switch.
    value: Option<&'static str>,
    /// Flag text used when the flag is absent.
    default: Option<&'static str>,
    help: &'static str,
}

/// In `Flag` order (checked by a test), so `SPECS[flag as usize]` is the flag's spec.
const SPECS: [Spec; 14] = [
    spec(Flag::DataDir, "--data-dir", Some("DIR"), Some("./pencil-data"), "directory for the store's snapshot file"),
    spec(Flag::Carbon, "--carbon", Some("ADDR"), Some("0.0.0.0:2003"), "carbon plaintext listener, UDP and TCP"),
    spec(Flag::Http, "--http", Some("ADDR"), Some("0.0.0.0:8080"), "Graphite HTTP API and web UI"),
    spec(Flag::Memory, "--memory", Some("SIZE"), Some("1GiB"), "ring memory budget; the store never uses more"),
    spec(Flag::Schemas, "--schemas", Some("FILE"), None, "carbon storage-schemas.conf [default: every metric 10s:6h,1m:7d,1h:1y]"),
    spec(Flag::Aggregation, "--aggregation", Some("FILE"), None, "carbon storage-aggregation.conf [default: names ending .min min, .max max, .count and .sum sum, others average]"),
    spec(Flag::SnapshotEvery, "--snapshot-every", Some("SECS"), Some("60"), "seconds between snapshots (one is also taken on SIGTERM/SIGINT)"),
    spec(Flag::SelfMetricsEvery, "--self-metrics-every", Some("SECS"), Some("60"), "seconds between writes of pencil's own counters as pencil.<host>.*"),
    spec(Flag::MaxConnections, "--max-connections", Some("N"), Some("1024"), "concurrent TCP ingest connections; more are closed at once and counted"),
    spec(Flag::FutureTolerance, "--future-tolerance", Some("SECS"), Some("600"), "points further than this past now are dropped and counted"),
    spec(Flag::StrictLastWins, "--strict-last-wins", None, None, "a second point in one interval replaces the first even for sum metrics (carbon's behaviour)"),
    spec(Flag::WriteToken, "--write-token", Some("TOKEN"), None, "lets non-loopback clients use write endpoints [default: loopback only]; local users can see it in ps"),
    Spec { short: Some("-h"), ..spec(Flag::Help, "--help", None, None, "print this help and exit") },
    Spec { short: Some("-V"), ..spec(Flag::Version, "--version", None, None, "print the version and exit") },
];

const fn spec(
    flag: Flag,
    long: &'static str,
    value: Option<&'static str>,
    default: Option<&'static str>,
    help: &'static str,
) -> Spec {
    Spec {
        flag,
        long,
        short: None,
        value,
        default,
        help,
    }
}

/// Parses the command line (without the program name) and reads the config files it names.
pub fn parse_args(args: &[String]) -> Result<Command, ConfigError> {
    let mut given: Given<'_> = [None; SPECS.len()];
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) if arg.starts_with("--") => (name, Some(value)),
            _ => (arg.as_str(), None),
        };
        let Some(spec) = SPECS
            .iter()
            .find(|s| s.long == name || s.short == Some(name))
        else {
            let message = if name.starts_with('-') {
                "unknown flag; see pencil --help".to_string()
            } else {
                "unexpected argument: pencil takes only flags, e.g. --data-dir DIR".to_string()
            };
            return Err(flag_error(name, message));
        };
        let value = match (spec.value, inline) {
            (None, Some(v)) => {
                return Err(flag_error(spec.long, format!("takes no value, got {v:?}")))
            }
            (None, None) => "",
            (Some(_), Some(v)) => v,
            // A value that looks like a flag is almost always a forgotten value; `--flag=--x` still works.
            (Some(placeholder), None) => match rest.next() {
                Some(v) if !v.starts_with("--") => v.as_str(),
                _ => {
                    return Err(flag_error(
                        spec.long,
                        format!("needs a value: {}", hint(spec, placeholder)),
                    ))
                }
            },
        };
        match spec.flag {
            Flag::Help => return Ok(Command::Help),
            Flag::Version => return Ok(Command::Version),
            _ => {}
        }
        let slot = &mut given[spec.flag as usize];
        if slot.is_some() {
            return Err(flag_error(
                spec.long,
                "given twice; give each flag once".to_string(),
            ));
        }
        *slot = Some(value);
    }
    build(&given).map(|config| Command::Run(Box::new(config)))
}

type Given<'a> = [Option<&'a str>; SPECS.len()];

fn build(given: &Given<'_>) -> Result<Config, ConfigError> {
    let optional = |flag: Flag| given[flag as usize].or(SPECS[flag as usize].default);
    let schemas = match optional(Flag::Schemas) {
        Some(path) => parse_schemas(&read_file(Flag::Schemas, path)?, path)?,
        None => parse_schemas(DEFAULT_SCHEMAS, "<built-in schemas>")?,
    };
    let aggregation = match optional(Flag::Aggregation) {
        Some(path) => parse_aggregation(&read_file(Flag::Aggregation, path)?, path)?,
        None => parse_aggregation(DEFAULT_AGGREGATION, "<built-in aggregation>")?,
    };
    let write_token = match optional(Flag::WriteToken) {
        Some(_) => Some(value(given, Flag::WriteToken, |t| {
            non_empty(t, "a token").map(str::to_string)
        })?),
        None => None,
    };
    let seconds = |min| move |t: &str| parse_count(t, min, MAX_SECONDS, "whole seconds");
    let connections = |t: &str| parse_count(t, 1, MAX_CONNECTIONS as u64, "a count");
    Ok(Config {
        data_dir: value(given, Flag::DataDir, |t| {
            non_empty(t, "a directory").map(PathBuf::from)
        })?,
        carbon: value(given, Flag::Carbon, parse_addr)?,
        http: value(given, Flag::Http, parse_addr)?,
        store: StoreConfig {
            memory: value(given, Flag::Memory, parse_size)?,
            schemas,
            aggregation,
            // MAX_SECONDS fits i64 and MAX_CONNECTIONS fits usize, so these casts are exact.
            future_tolerance: value(given, Flag::FutureTolerance, seconds(0))? as i64,
            strict_last_wins: given[Flag::StrictLastWins as usize].is_some(),
        },
        snapshot_every: value(given, Flag::SnapshotEvery, seconds(1))?,
        self_metrics_every: value(given, Flag::SelfMetricsEvery, seconds(1))?,
        max_connections: value(given, Flag::MaxConnections, connections)? as usize,
        write_token,
    })
}

/// The flag's text (given, else its default) through `parse`, with the flag as error context.
/// A flag without a default that was not given reads as empty, which every parser refuses.
fn value<T>(
    given: &Given<'_>,
    flag: Flag,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<T, ConfigError> {
    let spec = &SPECS[flag as usize];
    let text = given[flag as usize].or(spec.default).unwrap_or_default();
    parse(text).map_err(|m| flag_error(spec.long, m))
}

fn flag_error(flag: &str, message: String) -> ConfigError {
    ConfigError {
        context: format!("{flag}: "),
        message,
    }
}

fn hint(spec: &Spec, placeholder: &str) -> String {
    match spec.default {
        Some(default) => format!("{placeholder}, e.g. {default}"),
        None => placeholder.to_string(),
    }
}

fn read_file(flag: Flag, path: &str) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|e| {
        flag_error(
            SPECS[flag as usize].long,
            format!("cannot read {path:?}: {e}"),
        )
    })
}

fn non_empty<'a>(text: &'a str, what: &str) -> Result<&'a str, String> {
    if text.is_empty() {
        Err(format!("expected {what}, got an empty value"))
    } else {
        Ok(text)
    }
}

/// `1GiB`, `512MiB`, `2G`, `64KiB`, `100MB`, `1048576`: a whole number of bytes and a unit.
pub(crate) fn parse_size(text: &str) -> Result<u64, String> {
    const UNITS: [(&str, u64); 13] = [
        ("", 1),
        ("B", 1),
        ("K", 1 << 10),
        ("M", 1 << 20),
        ("G", 1 << 30),
        ("T", 1 << 40),
        ("KiB", 1 << 10),
        ("MiB", 1 << 20),
        ("GiB", 1 << 30),
        ("TiB", 1 << 40),
        ("kB", 1_000),
        ("MB", 1_000_000),
        ("GB", 1_000_000_000),
    ];
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let multiplier = UNITS
        .iter()
        .find(|(name, _)| *name == unit.trim_start())
        .map(|(_, m)| *m);
    let (Some(multiplier), false) = (multiplier, digits.is_empty()) else {
        return Err(format!(
            "{text:?} is not a size: expected a whole number with an optional unit K M G T or KiB MiB GiB TiB (powers of 1024) or kB MB GB (powers of 1000), e.g. 1GiB"
        ));
    };
    let bytes = digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(multiplier));
    match bytes {
        Some(0) => Err(format!(
            "{text:?} is zero bytes; the store needs some memory, e.g. 1GiB"
        )),
        Some(bytes) => Ok(bytes),
        None => Err(format!(
            "{text:?} is too large: more than {} bytes",
            u64::MAX
        )),
    }
}

/// `IP:PORT` (`[::1]:2003` for IPv6), `:PORT` or `PORT`, the last two on all IPv4 interfaces.
/// Host names are not resolved: that would read the resolver configuration and can block.
pub(crate) fn parse_addr(text: &str) -> Result<SocketAddr, String> {
    let port_only = text.strip_prefix(':').unwrap_or(text);
    if !port_only.is_empty() && port_only.bytes().all(|b| b.is_ascii_digit()) {
        return match port_only.parse::<u16>() {
            Ok(port) => Ok(SocketAddr::V4(SocketAddrV4::new(
                Ipv4Addr::UNSPECIFIED,
                port,
            ))),
            Err(_) => Err(format!("port {port_only:?} is not from 0 to 65535")),
        };
    }
    text.parse().map_err(|_| {
        format!("{text:?} is not an address: expected IP:PORT (0.0.0.0:2003, [::1]:2003), :PORT or PORT; host names are not resolved")
    })
}

fn parse_count(text: &str, min: u64, max: u64, what: &str) -> Result<u64, String> {
    match text.parse::<u64>() {
        Ok(n) if (min..=max).contains(&n) && text.bytes().all(|b| b.is_ascii_digit()) => Ok(n),
        _ => Err(format!("{text:?} is not {what} from {min} to {max}")),
    }
}

/// The `--help` text, built once from the flag table.
pub fn usage() -> &'static str {
    static USAGE: OnceLock<String> = OnceLock::new();
    USAGE.get_or_init(build_usage)
}

fn build_usage() -> String {
    let mut out = format!(
        "pencil {} — a Graphite-compatible metrics appliance\n\n\
         Usage: pencil [FLAGS]\n\
         Flags take their value as `--flag VALUE` or `--flag=VALUE`.\n\n",
        env!("CARGO_PKG_VERSION")
    );
    for spec in &SPECS {
        let mut left = String::from("  ");
        if let Some(short) = spec.short {
            left.push_str(short);
            left.push_str(", ");
        }
        left.push_str(spec.long);
        if let Some(value) = spec.value {
            left.push(' ');
            left.push_str(value);
        }
        out.push_str(&format!("{left:<28} {}", spec.help));
        if let Some(default) = spec.default {
            out.push_str(&format!(" [default: {default}]"));
        }
        out.push('\n');
    }
    out.push_str(
        "\nADDR is IP:PORT ([::1]:2003 for IPv6), :PORT or PORT (all IPv4 interfaces); port 0 picks a free port.\n\
         SIZE is a whole number of bytes with an optional unit: K M G T and KiB MiB GiB TiB are powers of 1024,\n\
         kB MB GB powers of 1000.\n\
         Config files use carbon 1.1's syntax; sections are tried in file order and the first match wins.\n\
         Exit codes: 0 clean stop, 1 cannot start or run, 2 bad flags or config.\n",
    );
    out
}

#[cfg(test)]
#[path = "cli_tests.rs"]
mod tests;
