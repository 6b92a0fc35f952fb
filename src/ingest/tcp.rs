//! The carbon TCP listener and its connections: accept up to the configured limit, reassemble
//! lines split across reads, skip over-long lines, and hand complete lines to the feeder.
//! Must not block, grow a connection's buffer, or keep more than `max_connections` open.

use super::line::MAX_LINE_BYTES;
use super::scan;
use super::{Counters, Feeder, Framing, PointSink, TOKEN_CONN_BASE};
use mio::net::{TcpListener, TcpStream};
use std::io::{self, Read};

/// Per-connection buffer. After each read we keep at most one partial line (≤ MAX_LINE_BYTES),
/// so at least three quarters of the buffer is free for the next read and it never fills.
const CONN_BUFFER_BYTES: usize = 64 << 10;
const _: () = assert!(CONN_BUFFER_BYTES >= 2 * MAX_LINE_BYTES);

pub(crate) struct TcpIngest {
    listener: TcpListener,
    /// Slot `i` is the connection of token `TOKEN_CONN_BASE + i`.
    conns: Vec<Option<Conn>>,
    free: Vec<usize>,
    max_connections: usize,
}

struct Conn {
    stream: TcpStream,
    buf: Box<[u8]>,
    /// Bytes of `buf` holding the start of a line not yet ended by `\n`.
    len: usize,
    /// In the middle of a line already counted as too long: drop bytes up to the next `\n`.
    skipping: bool,
}

impl TcpIngest {
    pub(crate) fn new(listener: TcpListener, max_connections: usize) -> TcpIngest {
        TcpIngest {
            listener,
            conns: Vec::new(),
            free: Vec::new(),
            max_connections,
        }
    }

    pub(crate) fn register(
        &mut self,
        registry: &mio::Registry,
        token: mio::Token,
    ) -> io::Result<()> {
        registry.register(&mut self.listener, token, mio::Interest::READABLE)
    }

    /// Slots that may hold a connection, for a final sweep at shutdown.
    pub(crate) fn slots(&self) -> usize {
        self.conns.len()
    }

    pub(crate) fn open(&self) -> usize {
        self.conns.len() - self.free.len()
    }

    /// Accepts until the listener would block. Connections over the limit are accepted and
    /// dropped at once (so the client sees a close rather than a hang) and counted.
    pub(crate) fn accept(&mut self, registry: &mio::Registry, counters: &mut Counters) {
        loop {
            let mut stream = match self.listener.accept() {
                Ok((stream, _peer)) => stream,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                // The peer gave up before we accepted: that one is gone, the rest are not.
                Err(e) if is_per_connection(&e) => continue,
                // Out of descriptors or memory: the queued connections wait for the next
                // readiness event instead of us spinning on the error.
                Err(_) => return,
            };
            let slot = match self.free.pop() {
                Some(slot) => slot,
                None if self.conns.len() < self.max_connections => {
                    self.conns.push(None);
                    self.conns.len() - 1
                }
                None => {
                    counters.tcp_refused += 1;
                    continue;
                }
            };
            let token = mio::Token(TOKEN_CONN_BASE + slot);
            if registry
                .register(&mut stream, token, mio::Interest::READABLE)
                .is_err()
            {
                self.free.push(slot);
                continue;
            }
            counters.tcp_connections += 1;
            let buf = vec![0u8; CONN_BUFFER_BYTES].into_boxed_slice();
            self.conns[slot] = Some(Conn {
                stream,
                buf,
                len: 0,
                skipping: false,
            });
        }
    }

    /// Reads connection `slot` until it would block, feeding complete lines; closes it at end
    /// of stream or on an error.
    pub(crate) fn read<S: PointSink>(
        &mut self,
        registry: &mio::Registry,
        slot: usize,
        feeder: &mut Feeder<'_, S>,
    ) {
        // A stale event for a connection closed earlier in this batch of events.
        let Some(Some(conn)) = self.conns.get_mut(slot) else {
            return;
        };
        if conn.read_all(feeder) == State::Open {
            return;
        }
        if let Some(mut conn) = self.conns[slot].take() {
            // Dropping the stream closes it, which also removes it from epoll; deregistering
            // first keeps mio's bookkeeping exact.
            let _ = registry.deregister(&mut conn.stream);
            self.free.push(slot);
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
enum State {
    Open,
    Closed,
}

impl Conn {
    fn read_all<S: PointSink>(&mut self, feeder: &mut Feeder<'_, S>) -> State {
        loop {
            match self.stream.read(&mut self.buf[self.len..]) {
                Ok(0) => {
                    // Carbon drops an unterminated last line; a client that wrote it and closed
                    // cleanly meant it, so nothing we accepted is lost.
                    if !self.skipping && self.len > 0 {
                        feeder.feed(&self.buf[..self.len], Framing::Stream);
                    }
                    return State::Closed;
                }
                Ok(n) => self.take_lines(n, feeder),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return State::Open,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                // A reset: the partial line is likely cut short and not worth guessing at.
                Err(_) => return State::Closed,
            }
        }
    }

    /// `n` new bytes arrived after `self.len`: feeds the complete lines and keeps the rest.
    fn take_lines<S: PointSink>(&mut self, n: usize, feeder: &mut Feeder<'_, S>) {
        let end = self.len + n;
        let mut start = 0;
        if self.skipping {
            match scan::find_byte(&self.buf[self.len..end], b'\n') {
                Some(i) => {
                    start = self.len + i + 1;
                    self.skipping = false;
                }
                None => {
                    self.len = 0;
                    return;
                }
            }
        }
        if let Some(i) = self.buf[start..end].iter().rposition(|&b| b == b'\n') {
            feeder.feed(&self.buf[start..=start + i], Framing::Stream);
            start += i + 1;
        }
        let partial = end - start;
        if partial > MAX_LINE_BYTES {
            // Carbon closes the connection here; we drop only the line, and the client's
            // following lines still count.
            feeder.too_long();
            self.skipping = true;
            self.len = 0;
            return;
        }
        self.buf.copy_within(start..end, 0);
        self.len = partial;
    }
}

fn is_per_connection(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted
    )
}

#[cfg(test)]
mod tests {
    use crate::ingest::tests::CountingSink;
    use crate::ingest::{Counters, Ingest};
    use std::io::Write;
    use std::net::TcpStream;
    use std::time::Duration;

    /// Polls until `done` holds, failing after 5 s without events.
    fn pump(
        ingest: &mut Ingest,
        poll: &mut mio::Poll,
        sink: &mut CountingSink,
        done: impl Fn(&Ingest) -> bool,
    ) {
        let mut events = mio::Events::with_capacity(16);
        while !done(ingest) {
            poll.poll(&mut events, Some(Duration::from_secs(5)))
                .unwrap();
            assert!(!events.is_empty(), "timed out: {:?}", ingest.counters());
            for event in &events {
                ingest.ready(poll.registry(), event, sink, 100);
            }
        }
    }

    /// Handles whatever arrives within 50 ms.
    fn poll_once(ingest: &mut Ingest, poll: &mut mio::Poll, sink: &mut CountingSink) {
        let mut events = mio::Events::with_capacity(16);
        poll.poll(&mut events, Some(Duration::from_millis(50)))
            .unwrap();
        for event in &events {
            ingest.ready(poll.registry(), event, sink, 100);
        }
    }

    fn start(max_connections: usize) -> (Ingest, mio::Poll) {
        let mut ingest = Ingest::bind("127.0.0.1:0".parse().unwrap(), max_connections).unwrap();
        let poll = mio::Poll::new().unwrap();
        ingest.register(poll.registry()).unwrap();
        (ingest, poll)
    }

    #[test]
    fn lines_split_across_writes_are_reassembled() {
        let (mut ingest, mut poll) = start(4);
        let mut sink = CountingSink::default();
        let mut client = TcpStream::connect(ingest.local_addr()).unwrap();
        client.set_nodelay(true).unwrap();
        for piece in ["a.b 1", ".5 10\nc 2 -1\r", "\nd 3 ", "30\n", "e 4 40"] {
            client.write_all(piece.as_bytes()).unwrap();
            poll_once(&mut ingest, &mut poll, &mut sink);
        }
        drop(client);
        pump(&mut ingest, &mut poll, &mut sink, |i| {
            i.counters().points_received == 4
        });
        assert_eq!(
            sink.points,
            [
                ("a.b".into(), 10, 1.5),
                ("c".into(), 100, 2.0),
                ("d".into(), 30, 3.0),
                ("e".into(), 40, 4.0)
            ]
        );
        assert_eq!(ingest.open_connections(), 0);
    }

    #[test]
    fn an_over_long_line_is_skipped_and_the_connection_stays() {
        let (mut ingest, mut poll) = start(4);
        let mut sink = CountingSink::default();
        let mut client = TcpStream::connect(ingest.local_addr()).unwrap();
        let mut data = b"before 1 10\nhuge ".to_vec();
        data.extend(std::iter::repeat_n(b'9', 100_000));
        data.extend_from_slice(b" 10\nafter 2 20\n");
        client.write_all(&data).unwrap();
        pump(&mut ingest, &mut poll, &mut sink, |i| {
            i.counters().lines == 3
        });
        client.write_all(b"later 3 30\n").unwrap();
        pump(&mut ingest, &mut poll, &mut sink, |i| {
            i.counters().lines == 4
        });
        let want = Counters {
            lines: 4,
            points_received: 3,
            too_long: 1,
            tcp_connections: 1,
            ..Counters::default()
        };
        assert_eq!(*ingest.counters(), want);
        assert_eq!(sink.names(), ["before", "after", "later"]);
    }

    #[test]
    fn connections_over_the_limit_are_closed_and_counted() {
        let (mut ingest, mut poll) = start(2);
        let mut sink = CountingSink::default();
        let kept: Vec<TcpStream> = (0..2)
            .map(|_| TcpStream::connect(ingest.local_addr()).unwrap())
            .collect();
        pump(&mut ingest, &mut poll, &mut sink, |i| {
            i.counters().tcp_connections == 2
        });
        let mut refused = TcpStream::connect(ingest.local_addr()).unwrap();
        pump(&mut ingest, &mut poll, &mut sink, |i| {
            i.counters().tcp_refused == 1
        });
        refused
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut byte = [0u8; 1];
        // Closed by us: end of stream (or a reset if our close raced its first write).
        assert!(matches!(
            std::io::Read::read(&mut refused, &mut byte),
            Ok(0) | Err(_)
        ));
        assert_eq!(ingest.open_connections(), 2);
        // Slots freed by closing clients are reused.
        drop(kept);
        pump(&mut ingest, &mut poll, &mut sink, |i| {
            i.open_connections() == 0
        });
        let mut again = TcpStream::connect(ingest.local_addr()).unwrap();
        again.write_all(b"x 1 10\n").unwrap();
        pump(&mut ingest, &mut poll, &mut sink, |i| {
            i.counters().points_received == 1
        });
        assert_eq!(ingest.counters().tcp_refused, 1);
        assert_eq!(ingest.counters().tcp_connections, 3);
    }
}
