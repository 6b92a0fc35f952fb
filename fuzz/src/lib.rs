//! What the fuzz targets share: a small store with a few metrics and events, built the way the
//! appliance builds one (storage-schemas text through `config::parse_schemas`), and a splitter
//! for inputs that carry several fields. Sized so that each input runs in well under a
//! millisecond of store work: every target must stay fast enough to explore.

use pencil::config::{parse_aggregation, parse_schemas, StoreConfig};
use pencil::store::Store;

/// The `now` every target uses, so a crashing input replays the same way.
pub const NOW: i64 = 1_700_000_000;

/// Two schemas (one with a rollup) and the fallback; a `sum` rule so rollups differ.
const SCHEMAS: &str = "[carbon]\npattern = ^carbon\\.\nretentions = 60:1h\n\n\
                       [default]\npattern = .*\nretentions = 10s:10m,1m:1h\n";
const AGGREGATION: &str =
    "[count]\npattern = \\.count$\nxFilesFactor = 0\naggregationMethod = sum\n";

/// Names with branches, tags and characters globs treat specially.
pub const NAMES: &[&str] = &[
    "a.b.c",
    "a.b.d",
    "a.x.count",
    "a.{b}.e",
    "carbon.agents.host.cpu",
    "servers.web-1.load",
    "servers.web-2.load",
    "disk.used;host=a;dc=eu",
    "disk.used;host=b;dc=us",
];

pub fn config(memory: u64) -> StoreConfig {
    StoreConfig {
        memory,
        // Both texts are constants above; a failure here is a bug in them, not in an input.
        schemas: parse_schemas(SCHEMAS, "fuzz-schemas").expect("fuzz schemas parse"),
        aggregation: parse_aggregation(AGGREGATION, "fuzz-aggregation")
            .expect("fuzz aggregation parses"),
        future_tolerance: 600,
        strict_last_wins: false,
    }
}

/// An empty store of 1 MiB: room for thousands of metrics of the schemas above.
pub fn empty_store() -> Store {
    Store::new(&config(1 << 20)).expect("1 MiB holds the fuzz schemas")
}

/// [`NAMES`] with an hour of points each (some missing, some negative), and two events.
pub fn small_store() -> Store {
    let mut store = empty_store();
    for (i, name) in NAMES.iter().enumerate() {
        for k in 0..360i64 {
            if (k + i as i64) % 7 == 0 {
                continue;
            }
            let value = ((k * (i as i64 + 1)) % 23) as f64 - 5.0;
            store
                .insert(name, NOW - 3600 + k * 10, value, NOW)
                .expect("the fuzz store has room for its own metrics");
        }
    }
    store
        .add_event(NOW - 600, "deploy".into(), "v1".into(), "web v1".into())
        .expect("the fuzz store takes its own events");
    store
        .add_event(NOW - 60, "restart".into(), String::new(), "web".into())
        .expect("the fuzz store takes its own events");
    store
}

/// The input as `n` fields separated by NUL bytes; missing fields are empty, the last field
/// takes the rest (NULs included). Lossy UTF-8, as the HTTP front decodes.
pub fn fields<const N: usize>(data: &[u8]) -> [String; N] {
    let mut out: [String; N] = std::array::from_fn(|_| String::new());
    let mut rest = data;
    for (i, slot) in out.iter_mut().enumerate() {
        let (field, tail) = match rest.iter().position(|&b| b == 0) {
            Some(at) if i + 1 < N => (&rest[..at], &rest[at + 1..]),
            _ => (rest, &[][..]),
        };
        *slot = String::from_utf8_lossy(field).into_owned();
        rest = tail;
    }
    out
}
