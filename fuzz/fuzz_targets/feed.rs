//! Arbitrary bytes through the line parser and both framings of `feed`: nothing may panic, and
//! every line must land in exactly one counter.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pencil::ingest::{feed, feed_datagram, line, Counters, PointSink};
use pencil::store::InsertError;

struct NoopSink;

impl PointSink for NoopSink {
    fn insert(&mut self, name: &str, _ts: i64, value: f64, _now: i64) -> Result<(), InsertError> {
        assert!(!name.is_empty() && !value.is_nan());
        Ok(())
    }
}

fuzz_target!(|data: &[u8]| {
    let _ = line::parse(data);
    for framed in [feed::<NoopSink>, feed_datagram::<NoopSink>] {
        let mut counters = Counters::default();
        framed(data, &mut NoopSink, 1_700_000_000, &mut counters);
        assert_eq!(
            counters.lines,
            counters.points_received + counters.dropped()
        );
    }
});
