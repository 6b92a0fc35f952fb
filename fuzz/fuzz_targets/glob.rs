//! Glob patterns (graphite.md 4.2) from /metrics/find and render targets against metric names
//! from carbon lines, both untrusted: `find` and `fetch` never panic, and every leaf `find`
//! returns is a stored name. Input: the pattern, then NUL-separated extra metric names.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pencil_fuzz::{empty_store, fields, NAMES, NOW};

fuzz_target!(|data: &[u8]| {
    let [pattern, names] = fields::<2>(data);
    let mut store = empty_store();
    let extra = names.split('\0').filter(|n| !n.is_empty()).take(32);
    for name in NAMES.iter().copied().chain(extra) {
        // Names the store refuses (too long, no room) are ingest's counters, not a crash.
        let _ = store.insert(name, NOW - 30, 1.0, NOW);
    }
    if let Ok(nodes) = store.find(&pattern) {
        let stored: Vec<&str> = store.names().collect();
        for node in nodes.iter().filter(|n| n.leaf) {
            assert!(
                stored.contains(&node.path.as_str()),
                "{pattern:?} found {node:?}"
            );
        }
    }
    let _ = store.fetch(&pattern, NOW - 600, NOW, NOW);
});
