//! Tests of framing and counting through `feed`, with a sink that records points instead of a
//! store. The parser, names and sockets have their own tests beside their code.

use super::*;
use proptest::prelude::*;

/// Records every point; refuses names listed in `refuse` with the given error.
#[derive(Default)]
pub(crate) struct CountingSink {
    pub(crate) points: Vec<(String, i64, f64)>,
    pub(crate) refuse: Vec<(&'static str, InsertError)>,
}

impl CountingSink {
    pub(crate) fn names(&self) -> Vec<&str> {
        self.points
            .iter()
            .map(|(name, _, _)| name.as_str())
            .collect()
    }
}

impl PointSink for CountingSink {
    fn insert(&mut self, name: &str, ts: i64, value: f64, _now: i64) -> Result<(), InsertError> {
        if let Some(&(_, e)) = self.refuse.iter().find(|(n, _)| *n == name) {
            return Err(e);
        }
        self.points.push((name.to_owned(), ts, value));
        Ok(())
    }
}

const NOW: i64 = 1_700_000_000;

fn fed(buf: &[u8]) -> (Vec<String>, Counters) {
    let mut sink = CountingSink::default();
    let mut counters = Counters::default();
    feed(buf, &mut sink, NOW, &mut counters);
    (
        sink.names().iter().map(|s| s.to_string()).collect(),
        counters,
    )
}

/// `framing!(feed_fn, "input" => ["stored", ...], lines)`: which names got through and how
/// many lines were seen.
macro_rules! framing {
    ($f:ident, $buf:expr => [$($name:expr),*], $lines:expr) => {
        let mut sink = CountingSink::default();
        let mut counters = Counters::default();
        $f($buf.as_ref(), &mut sink, NOW, &mut counters);
        let want: Vec<&str> = vec![$($name),*];
        assert_eq!(sink.names(), want, "{:?}", $buf);
        assert_eq!(counters.lines, $lines, "{:?}", $buf);
        assert_eq!(counters.lines, counters.points_received + counters.dropped(), "{:?}", $buf);
    };
}

#[test]
fn stream_framing() {
    framing!(feed, "" => [], 0);
    framing!(feed, "a 1 1\n" => ["a"], 1);
    framing!(feed, "a 1 1" => ["a"], 1);
    framing!(feed, "a 1 1\r\nb 2 2\r\n" => ["a", "b"], 2);
    framing!(feed, "a 1 1\n\nb 2 2\n" => ["a", "b"], 3);
    framing!(feed, "\n" => [], 1);
    // A lone \r is whitespace inside a TCP line, as in carbon: "a 1 1 b 2 2" has six fields.
    framing!(feed, "a 1 1\rb 2 2\n" => [], 1);
}

#[test]
fn datagram_framing() {
    framing!(feed_datagram, "" => [], 0);
    framing!(feed_datagram, "a 1 1" => ["a"], 1);
    framing!(feed_datagram, "a 1 1\rb 2 2\r" => ["a", "b"], 2);
    framing!(feed_datagram, "a 1 1\r\nb 2 2\n" => ["a", "b"], 2);
    framing!(feed_datagram, "a 1 1\n\rb 2 2" => ["a", "b"], 3);
    framing!(feed_datagram, "a 1 1\r\r\nb 2 2" => ["a", "b"], 3);
}

#[test]
fn every_outcome_has_its_counter() {
    let mut sink = CountingSink {
        refuse: vec![
            ("old", InsertError::TooOld),
            ("later", InsertError::Future),
            ("new", InsertError::Full),
        ],
        ..CountingSink::default()
    };
    let mut counters = Counters::default();
    let mut input = b"ok 1 -1\nok..two 2 5\n".to_vec();
    input.extend_from_slice(b"two fields\n\n1 2 3 4\nbad 1x 5\nbad 1 5x\nbad 1 inf\n");
    input.extend_from_slice(b"a\x01b 1 5\nbad\xff 1 5\nbad;k= 1 5\nnan 1 nan\nnan NaN 5\n");
    input.extend_from_slice(b"old 1 5\nlater 1 5\nnew 1 5\n");
    input.extend(std::iter::repeat_n(b'x', line::MAX_LINE_BYTES + 1));
    input.push(b'\n');
    feed(&input, &mut sink, NOW, &mut counters);
    let want = Counters {
        lines: 17,
        points_received: 2,
        invalid_syntax: 3,
        invalid_value: 1,
        invalid_timestamp: 3,
        invalid_name: 3,
        too_long: 1,
        future: 1,
        too_old: 1,
        capacity_full: 1,
        nan_dropped: 1,
        ..Counters::default()
    };
    assert_eq!(counters, want);
    assert_eq!(
        sink.points,
        [("ok".to_string(), NOW, 1.0), ("ok.two".to_string(), 5, 2.0)]
    );
}

#[test]
fn pairs_name_every_counter_once() {
    let c = Counters {
        lines: 1,
        too_long: 2,
        tcp_refused: 3,
        ..Counters::default()
    };
    let pairs = c.pairs();
    assert_eq!(pairs.len(), 14);
    assert!(
        pairs.contains(&("lines", 1))
            && pairs.contains(&("too_long", 2))
            && pairs.contains(&("tcp_refused", 3))
    );
    let mut names: Vec<_> = pairs.iter().map(|(n, _)| *n).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), 14);
}

#[test]
fn bind_reports_a_port_in_use() {
    let first = Ingest::bind("127.0.0.1:0".parse().unwrap(), 1).unwrap();
    let second = Ingest::bind(first.local_addr(), 1)
        .err()
        .map(|e| (e.kind(), e.to_string()));
    let (kind, message) = second.unwrap_or((io::ErrorKind::Other, String::new()));
    assert_eq!(kind, io::ErrorKind::AddrInUse);
    assert!(
        message.contains(&first.local_addr().to_string()),
        "{message}"
    );
}

fn junk() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(
            any::<u8>().prop_filter("no newline", |b| *b != b'\n'),
            0..40
        ),
        Just(b"a 1".to_vec()),
        Just(b"a b c".to_vec()),
        Just(b"a 1 2 3".to_vec()),
        Just(b".. 1 2".to_vec()),
    ]
}

proptest! {
    #[test]
    fn valid_lines_survive_junk_between_them(
        points in proptest::collection::vec(("[a-z]{1,8}(\\.[a-z0-9_-]{1,8}){0,3}", -1e9f64..1e9, 0i64..2_000_000_000), 0..20),
        junk in proptest::collection::vec(junk(), 20),
        crlf: bool,
    ) {
        let mut input = Vec::new();
        for (i, (name, value, ts)) in points.iter().enumerate() {
            input.extend_from_slice(&junk[i]);
            input.push(b'\n');
            input.extend_from_slice(format!("{name} {value} {ts}").as_bytes());
            input.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
        }
        let mut sink = CountingSink::default();
        let mut counters = Counters::default();
        feed(&input, &mut sink, NOW, &mut counters);
        // A junk line may happen to be valid; the valid lines must all be there, in order.
        let mut got = sink.points.iter();
        for (name, value, ts) in &points {
            prop_assert!(got.any(|p| p == &(name.clone(), *ts, *value)), "{name} lost");
        }
        prop_assert_eq!(counters.lines, 2 * points.len() as u64);
        prop_assert_eq!(counters.lines, counters.points_received + counters.dropped());
    }

    #[test]
    fn feed_never_panics(input in proptest::collection::vec(any::<u8>(), 0..256)) {
        let (_, counters) = fed(&input);
        prop_assert_eq!(counters.lines, counters.points_received + counters.dropped());
        let mut sink = CountingSink::default();
        let mut counters = Counters::default();
        feed_datagram(&input, &mut sink, NOW, &mut counters);
        prop_assert_eq!(counters.lines, counters.points_received + counters.dropped());
    }
}
